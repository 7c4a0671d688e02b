//! The `models` module of an API: one Rust item per [`TypeDef`].
//!
//! Shapes produced:
//!
//! ```text
//! /// Doc from the schema.
//! #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
//! pub struct JobDetails {
//!     #[serde(rename = "jobId", skip_serializing_if = "Option::is_none")]
//!     pub job_id: Option<String>,
//! }
//!
//! pub enum Status { Pending, Done, Unknown(String) }
//! crate::support::string_enum!(Status, Unknown, { Pending => "pending", Done => "done" });
//!
//! pub type JobList = Vec<JobDetails>;
//! ```

use super::rust::{doc_attrs, ident, type_tokens};
use crate::ir::{Api, Field, NumericEnum, OneWay, StringEnum, Struct, TypeDef, TypeKind, TypeRef};
use proc_macro2::{Literal, TokenStream};
use quote::quote;
use serde_json::Value;

/// Tokens of the whole models module.
pub fn models_module(api: &Api) -> TokenStream {
    let module_doc = format!(" Models of the {} API (version {}).", api.title.trim(), api.version.trim());
    let uses_serde = api.types.iter().any(|t| matches!(t.kind, TypeKind::Struct(_) | TypeKind::Union(_)));
    let uses = if uses_serde {
        quote!(
            use serde::{Deserialize, Serialize};
        )
    } else {
        TokenStream::new()
    };
    let keeps_null = api.types.iter().any(|t| match &t.kind {
        TypeKind::Struct(s) => s.fields.iter().any(tells_null_from_absent),
        _ => false,
    });
    let uses = if keeps_null { quote!(#uses use crate::support::present;) } else { uses };
    let items = api.types.iter().map(|t| type_item(t, api));
    quote! {
        #![doc = #module_doc]
        #uses
        #(#items)*
    }
}

fn type_item(def: &TypeDef, api: &Api) -> TokenStream {
    let doc = doc_attrs(def.doc.as_deref());
    let name = ident(&def.name);
    match &def.kind {
        TypeKind::Alias { target } => {
            let target = type_tokens(target);
            quote! {
                #doc
                pub type #name = #target;
            }
        }
        TypeKind::Struct(s) => struct_item(&name, doc, s, api),
        TypeKind::Enum(e) => enum_item(&name, doc, e),
        TypeKind::NumericEnum(e) => numeric_enum_item(&name, doc, e),
        TypeKind::Union(u) => union_item(&name, doc, u, api),
    }
}

/// `oneOf`/`anyOf`. Without a discriminator, an untagged enum: on an
/// object, the variants that name every key are tried first (the runtime's
/// `untagged::order`), so a later variant that carries the whole object
/// wins over an earlier one that would drop part of it. With one, the tag property picks the variant, and
/// an object with a tag value the spec does not list is kept whole in the
/// fallback variant; each variant's type carries the tag itself, so it is
/// written once.
fn union_item(name: &proc_macro2::Ident, doc: TokenStream, u: &crate::ir::Union, api: &Api) -> TokenStream {
    let variants = u.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let ty = type_tokens(&v.ty);
        let doc = (!v.tags.is_empty()).then(|| {
            let text = format!(" Tagged {}.", v.tags.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", "));
            quote!(#[doc = #text])
        });
        quote!(#doc #variant(#ty),)
    });
    let Some(d) = &u.discriminator else {
        let shapes = u.variants.iter().map(|v| variant_shape(&v.ty, api));
        let arms = u.variants.iter().enumerate().map(|(index, v)| {
            let variant = ident(&v.name);
            let ty = type_tokens(&v.ty);
            let index = Literal::usize_unsuffixed(index);
            quote!(#index => <#ty as Deserialize>::deserialize(value).map(Self::#variant).ok(),)
        });
        let union = name.to_string();
        return quote! {
            #doc
            #[derive(Debug, Clone, PartialEq, Serialize)]
            #[serde(untagged)]
            pub enum #name {
                #(#variants)*
            }

            impl<'de> Deserialize<'de> for #name {
                fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    use crate::support::untagged::{decode, Variant};
                    const VARIANTS: &[Variant] = &[#(#shapes),*];
                    decode(deserializer, VARIANTS, #union, |index, value| match index {
                        #(#arms)*
                        _ => None,
                    })
                }
            }
        };
    };
    let property = &d.property;
    let fallback = ident(&d.fallback);
    let arms = u.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let tags = &v.tags;
        quote!(#(#tags)|* => serde_json::from_value(value).map(Self::#variant).map_err(serde::de::Error::custom),)
    });
    let fallback_doc = format!(" An object whose `{property}` the spec does not list, kept as received.");
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[serde(untagged)]
        pub enum #name {
            #(#variants)*
            #[doc = #fallback_doc]
            #fallback(serde_json::Value),
        }

        impl<'de> Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = serde_json::Value::deserialize(deserializer)?;
                let tag = value.get(#property).and_then(serde_json::Value::as_str).unwrap_or_default().to_owned();
                match tag.as_str() {
                    #(#arms)*
                    _ => Ok(Self::#fallback(value)),
                }
            }
        }
    }
}

/// What an untagged union's `Deserialize` knows of a variant: a struct's
/// wire names and whether it forbids others, or nothing.
fn variant_shape(ty: &TypeRef, api: &Api) -> TokenStream {
    let def = match ty {
        TypeRef::Named(name) => api.type_named(name),
        _ => None,
    };
    match def.map(|d| &d.kind) {
        Some(TypeKind::Struct(s)) => {
            let names = s.fields.iter().map(|f| f.wire_name.as_str());
            // Neither typed nor open: `additionalProperties: false`.
            let closed = s.additional.is_none() && !s.open;
            quote!(Variant::Struct { names: &[#(#names),*], closed: #closed })
        }
        _ => quote!(Variant::Other),
    }
}

fn struct_item(name: &proc_macro2::Ident, doc: TokenStream, s: &Struct, api: &Api) -> TokenStream {
    let default = if s.derive_default { quote!(, Default) } else { TokenStream::new() };
    let fields = s.fields.iter().map(field_tokens);
    let additional = s.additional.as_ref().map(|value| {
        let map = match value {
            TypeRef::Json => quote!(serde_json::Map<String, serde_json::Value>),
            other => {
                let v = type_tokens(other);
                quote!(std::collections::BTreeMap<String, #v>)
            }
        };
        quote! {
            /// Properties the schema does not name, kept as received.
            #[serde(flatten)]
            pub additional_properties: #map,
        }
    });
    let methods: Vec<TokenStream> = constructor(name, s).into_iter().chain(default_accessors(s, api)).collect();
    let methods = if methods.is_empty() {
        TokenStream::new()
    } else {
        quote! {
            impl #name {
                #(#methods)*
            }
        }
    };
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize #default)]
        pub struct #name {
            #(#fields)*
            #additional
        }
        #methods
    }
}

/// `new` of a struct that cannot derive `Default`: one argument per
/// required property (`impl Into<T>`, so `&str` passes for a `String`; a
/// required nullable property takes its `Option`), in the spec's order, and
/// every optional property absent. Generic, so it costs no code generation
/// in a crate that never calls it.
fn constructor(name: &proc_macro2::Ident, s: &Struct) -> Option<TokenStream> {
    if s.derive_default {
        return None;
    }
    let mut params = Vec::new();
    let mut inits = Vec::new();
    for field in &s.fields {
        let field_name = ident(&field.name);
        if field.required {
            let ty = type_tokens(&field.ty);
            params.push(quote!(#field_name: impl Into<#ty>));
            inits.push(quote!(#field_name: #field_name.into()));
        } else {
            inits.push(quote!(#field_name: None));
        }
    }
    if s.additional.is_some() {
        inits.push(quote!(additional_properties: Default::default()));
    }
    let doc = doc_attrs(Some(&format!(
        "The `{name}` with the given required properties; every optional one is absent (set it on the value returned)."
    )));
    Some(quote! {
        #doc
        pub fn new(#(#params),*) -> Self {
            Self { #(#inits),* }
        }
    })
}

/// An optional, nullable property without a default is an
/// `Option<Option<T>>` read and written through the runtime's `present`,
/// so an explicit `null` survives a round trip.
fn tells_null_from_absent(field: &Field) -> bool {
    field.default.is_none() && !field.required && field.nullable
}

/// One field and its serde attributes; the rules by presence and nullability:
/// required → `T`; required nullable → `Option<T>` written as `null`;
/// optional → `Option<T>` skipped when `None` (with a default too: the
/// accessor applies it, and absent is written back absent); optional
/// nullable → `Option<Option<T>>` so absent and `null` stay distinct.
fn field_tokens(field: &Field) -> TokenStream {
    let mut doc_text = field.doc.clone().unwrap_or_default();
    if let Some(default) = &field.default {
        if !doc_text.is_empty() {
            doc_text.push_str("\n\n");
        }
        doc_text.push_str(&format!(
            "Absent means `{}`, which [`Self::{}`] applies; absent stays absent on the wire.",
            default.value, default.accessor
        ));
    }
    let one_way = match field.one_way {
        None => None,
        Some(OneWay::ReadOnly) => Some("Read-only: set by the server; a request does not carry it."),
        Some(OneWay::WriteOnly) => Some("Write-only: sent by the client; a response does not carry it."),
    };
    if let Some(note) = one_way {
        if !doc_text.is_empty() {
            doc_text.push_str("\n\n");
        }
        doc_text.push_str(note);
    }
    let doc = doc_attrs((!doc_text.is_empty()).then_some(doc_text.as_str()));
    let name = ident(&field.name);
    let ty = type_tokens(&field.ty);
    let mut serde_args: Vec<TokenStream> = Vec::new();
    if field.name != field.wire_name {
        let wire = &field.wire_name;
        serde_args.push(quote!(rename = #wire));
    }
    if !field.required {
        if tells_null_from_absent(field) {
            serde_args.push(quote!(default, with = "present"));
        }
        let skip = match field.one_way {
            None => "Option::is_none",
            Some(OneWay::ReadOnly) => "crate::support::direction::skip_read_only",
            Some(OneWay::WriteOnly) => "crate::support::direction::skip_write_only",
        };
        serde_args.push(quote!(skip_serializing_if = #skip));
    }
    let serde_attr = if serde_args.is_empty() { TokenStream::new() } else { quote!(#[serde(#(#serde_args),*)]) };
    quote! {
        #doc
        #serde_attr
        pub #name: #ty,
    }
}

/// A struct's accessors: one per defaulted field, returning the value sent
/// or the spec's default (`&str` and slices borrowed, the rest by value).
fn default_accessors(s: &Struct, api: &Api) -> Vec<TokenStream> {
    s.fields
        .iter()
        .filter_map(|f| {
            let default = f.default.as_ref()?;
            let TypeRef::Option(inner) = &f.ty else { return None };
            let field = ident(&f.name);
            let method = ident(&default.accessor);
            let value = default_expr(inner, &default.value, api)?;
            let wire = &f.wire_name;
            let doc =
                doc_attrs(Some(&format!("`{wire}`, or the spec's default `{}` when it was absent.", default.value)));
            let (ty, body) = match (&**inner, &default.value) {
                (TypeRef::String, Value::String(text)) => {
                    (quote!(&str), quote!(self.#field.as_deref().unwrap_or(#text)))
                }
                (TypeRef::Vec(item), _) => {
                    let item = type_tokens(item);
                    (quote!(&[#item]), quote!(self.#field.as_deref().unwrap_or(&[])))
                }
                // A listed value is a unit variant; an unlisted one allocates.
                (TypeRef::Named(_), Value::String(wire)) if !is_listed(api, inner, wire) => {
                    (type_tokens(inner), quote!(self.#field.clone().unwrap_or_else(|| #value)))
                }
                (TypeRef::Named(_), _) => (type_tokens(inner), quote!(self.#field.clone().unwrap_or(#value))),
                _ => (type_tokens(inner), quote!(self.#field.unwrap_or(#value))),
            };
            Some(quote! {
                #doc
                pub fn #method(&self) -> #ty {
                    #body
                }
            })
        })
        .collect()
}

/// Whether `wire` is one of the listed values of the string enum `ty`.
fn is_listed(api: &Api, ty: &TypeRef, wire: &str) -> bool {
    let TypeRef::Named(name) = ty else { return false };
    api.type_named(name)
        .is_some_and(|t| matches!(&t.kind, TypeKind::Enum(e) if e.variants.iter().any(|v| v.wire_value == wire)))
}

/// The Rust expression for a `default` of a field (lowering only keeps
/// defaults that have one) or of a parameter (the server applies it), or
/// `None` when the value has no literal of that type. Named types are
/// written as the models module and the server module (which imports it)
/// both reach them.
pub(super) fn default_expr(ty: &TypeRef, value: &Value, api: &Api) -> Option<TokenStream> {
    Some(match (ty, value) {
        (TypeRef::String, Value::String(s)) => quote!(#s.to_owned()),
        (TypeRef::Bool, Value::Bool(b)) => quote!(#b),
        (TypeRef::I32, Value::Number(n)) => {
            let lit = Literal::i32_unsuffixed(i32::try_from(n.as_i64()?).ok()?);
            quote!(#lit)
        }
        (TypeRef::I64, Value::Number(n)) => {
            let lit = Literal::i64_unsuffixed(n.as_i64()?);
            quote!(#lit)
        }
        (TypeRef::F32, Value::Number(n)) => {
            let lit = Literal::f64_unsuffixed(n.as_f64()?);
            quote!(#lit)
        }
        // In the form the spec wrote it.
        (TypeRef::F64, Value::Number(n)) => match n.as_i64() {
            Some(i) => {
                let lit = Literal::i64_unsuffixed(i);
                quote!(crate::support::Number::from_i64(#lit))
            }
            None => {
                let lit = Literal::f64_unsuffixed(n.as_f64()?);
                quote!(crate::support::Number::from_f64(#lit))
            }
        },
        (TypeRef::Vec(_), Value::Array(items)) if items.is_empty() => quote!(Vec::new()),
        (TypeRef::Named(name), Value::String(s)) => {
            let def = api.type_named(name)?;
            let TypeKind::Enum(e) = &def.kind else {
                return None;
            };
            let ty = ident(name);
            match e.variants.iter().find(|v| &v.wire_value == s) {
                Some(v) => {
                    let variant = ident(&v.name);
                    quote!(#ty::#variant)
                }
                None => {
                    let fallback = ident(&e.fallback);
                    quote!(#ty::#fallback(#s.to_owned()))
                }
            }
        }
        (TypeRef::Named(name), Value::Number(n)) => {
            let TypeKind::NumericEnum(e) = &api.type_named(name)?.kind else {
                return None;
            };
            let ty = ident(name);
            let wanted = n.as_f64()?;
            match e.variants.iter().find(|(_, v)| v.as_f64() == Some(wanted)) {
                Some((variant, _)) => {
                    let variant = ident(variant);
                    quote!(#ty::#variant)
                }
                None => {
                    let fallback = ident(&e.fallback);
                    let value = numeric_literal(n, e.integer)?;
                    quote!(#ty::#fallback(#value))
                }
            }
        }
        _ => return None,
    })
}

/// A value of a numeric enum as a Rust constant: an `i64` literal, or the
/// runtime's `Number` in the form the spec wrote it.
fn numeric_literal(value: &serde_json::Number, integer: bool) -> Option<TokenStream> {
    Some(match (integer, value.as_i64()) {
        (true, Some(i)) => {
            let lit = Literal::i64_unsuffixed(i);
            quote!(#lit)
        }
        (true, None) => return None,
        (false, Some(i)) => {
            let lit = Literal::i64_unsuffixed(i);
            quote!(crate::support::Number::from_i64(#lit))
        }
        (false, None) => {
            let lit = Literal::f64_unsuffixed(value.as_f64()?);
            quote!(crate::support::Number::from_f64(#lit))
        }
    })
}

/// An integer or number enum with a fallback variant, serialized as its
/// number.
fn numeric_enum_item(name: &proc_macro2::Ident, doc: TokenStream, e: &NumericEnum) -> TokenStream {
    let fallback = ident(&e.fallback);
    let variants = e.variants.iter().map(|(variant, value)| {
        let variant = ident(variant);
        let doc = format!(" `{value}`");
        quote! {
            #[doc = #doc]
            #variant,
        }
    });
    // Sorted by value, as the runtime's binary search needs.
    let mut sorted: Vec<_> = e.variants.iter().filter_map(|(v, n)| Some((v, n, n.as_f64()?))).collect();
    sorted.sort_by(|a, b| a.2.total_cmp(&b.2));
    let table = sorted.iter().filter_map(|(variant, value, _)| {
        let variant = ident(variant);
        let value = numeric_literal(value, e.integer)?;
        Some(quote!((#value, Self::#variant)))
    });
    // `Number` compares by value but is not `Eq`: an `f64` is inside.
    let (value_ty, derives) = if e.integer {
        (quote!(i64), quote!(Debug, Clone, PartialEq, Eq, Hash))
    } else {
        (quote!(crate::support::Number), quote!(Debug, Clone, PartialEq))
    };
    quote! {
        #doc
        #[derive(#derives)]
        pub enum #name {
            #(#variants)*
            /// A value the spec does not list, kept as received.
            #fallback(#value_ty),
        }

        impl #name {
            /// Every value the spec lists, with its variant, sorted by value.
            pub const VALUES: &'static [(#value_ty, Self)] = &[#(#table),*];
        }

        crate::support::numeric_enum!(#name, #fallback, #value_ty);
    }
}

/// A string enum with a fallback variant, serialized as its wire string.
fn enum_item(name: &proc_macro2::Ident, doc: TokenStream, e: &StringEnum) -> TokenStream {
    let fallback = ident(&e.fallback);
    let variants = e.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let doc =
            if v.wire_value.is_empty() { " The empty string.".to_owned() } else { format!(" `{}`", v.wire_value) };
        quote! {
            #[doc = #doc]
            #variant,
        }
    });
    // Sorted by wire value, as the runtime's binary search needs.
    let mut sorted: Vec<_> = e.variants.iter().collect();
    sorted.sort_by(|a, b| a.wire_value.cmp(&b.wire_value));
    let table = sorted.iter().map(|v| {
        let variant = ident(&v.name);
        let wire = &v.wire_value;
        quote!((#wire, Self::#variant))
    });
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum #name {
            #(#variants)*
            /// A value the spec does not list, kept as received.
            #fallback(String),
        }

        impl #name {
            /// Every value the spec lists, with its variant, sorted by value.
            pub const VALUES: &'static [(&'static str, Self)] = &[#(#table),*];
        }

        crate::support::string_enum!(#name, #fallback);
    }
}
