//! The server's schema tables: one `Schema` static per named type, and the
//! schema expressions of parameters and bodies, as tokens that the one
//! formatter lays out with the rest of the code.

use crate::ir::{Additional, Api, Check};
use proc_macro2::{Literal, TokenStream};
use quote::quote;

/// Values sorted and without repeats, as the runtime's binary search needs.
fn sorted<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut values: Vec<&str> = values.collect();
    values.sort_unstable();
    values.dedup();
    values
}

fn opt_f64(v: Option<f64>) -> TokenStream {
    match v.filter(|v| v.is_finite()).map(Literal::f64_suffixed) {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}

fn opt_u64(v: Option<u64>) -> TokenStream {
    match v.map(Literal::u64_suffixed) {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}

/// Where the expression sits: `prefix` is the path of the `schemas` module
/// (empty inside it), `rt` the path of the runtime types (empty inside
/// `schemas`, which imports them).
#[derive(Clone, Copy)]
struct Paths<'a> {
    prefix: &'a TokenStream,
    rt: &'a TokenStream,
}

/// A `&'static Schema` expression.
fn schema_ref(check: &Check, at: Paths<'_>) -> TokenStream {
    match check {
        Check::Ref { name } => {
            let (prefix, name) = (at.prefix, super::rust::ident(name));
            quote!(&#prefix #name)
        }
        other => {
            let value = schema_value(other, at);
            quote!(&#value)
        }
    }
}

/// A `Schema` value expression for a static initializer.
fn schema_value(check: &Check, at: Paths<'_>) -> TokenStream {
    let rt = at.rt;
    match check {
        Check::Any => quote!(#rt Schema::Any),
        Check::ReadOnly => quote!(#rt Schema::ReadOnly),
        Check::Boolean => quote!(#rt Schema::Boolean),
        // Unconstrained scalars, the common case, by name.
        Check::String { min_length: None, max_length: None, pattern: None, values, .. } if values.is_empty() => {
            quote!(#rt Schema::STRING)
        }
        Check::Integer { minimum: None, maximum: None, int32: true, values, .. } if values.is_empty() => {
            quote!(#rt Schema::INT32)
        }
        Check::Integer { minimum: None, maximum: None, int32: false, values, .. } if values.is_empty() => {
            quote!(#rt Schema::INTEGER)
        }
        Check::Number { minimum: None, maximum: None, values, .. } if values.is_empty() => quote!(#rt Schema::NUMBER),
        Check::Object { properties, required, additional: Additional::Allow }
            if properties.is_empty() && required.is_empty() =>
        {
            quote!(#rt Schema::OBJECT)
        }
        // The common constrained shapes, through the runtime's constructors.
        Check::String { min_length: None, max_length: None, pattern: None, values, .. } => {
            let values = sorted(values.iter().map(String::as_str));
            quote!(#rt Schema::string_enum(&[#(#values),*]))
        }
        Check::Array { items, min_items: None, max_items: None, unique_items: false } => {
            let items = schema_ref(items, at);
            quote!(#rt Schema::array(#items))
        }
        Check::Ref { .. } => {
            let target = schema_ref(check, at);
            quote!(#rt Schema::Ref(#target))
        }
        Check::Nullable { inner } => {
            let inner = schema_ref(inner, at);
            quote!(#rt Schema::Nullable(#inner))
        }
        Check::Integer { minimum, maximum, exclusive_minimum, exclusive_maximum, int32, values } => {
            let (minimum, maximum) = (opt_f64(*minimum), opt_f64(*maximum));
            // Sorted and without repeats: the runtime finds a value by binary search.
            let mut values = values.clone();
            values.sort_unstable();
            values.dedup();
            let values = values.into_iter().map(Literal::i64_unsuffixed);
            quote!(#rt Schema::Integer {
                minimum: #minimum,
                maximum: #maximum,
                exclusive_minimum: #exclusive_minimum,
                exclusive_maximum: #exclusive_maximum,
                int32: #int32,
                values: &[#(#values),*],
            })
        }
        Check::Number { minimum, maximum, exclusive_minimum, exclusive_maximum, values } => {
            let (minimum, maximum) = (opt_f64(*minimum), opt_f64(*maximum));
            let mut values: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
            values.sort_unstable_by(f64::total_cmp);
            values.dedup();
            let values = values.into_iter().map(Literal::f64_suffixed);
            quote!(#rt Schema::Number {
                minimum: #minimum,
                maximum: #maximum,
                exclusive_minimum: #exclusive_minimum,
                exclusive_maximum: #exclusive_maximum,
                values: &[#(#values),*],
            })
        }
        Check::String { min_length, max_length, pattern, values, .. } => {
            let (min_length, max_length) = (opt_u64(*min_length), opt_u64(*max_length));
            let pattern = match pattern {
                Some(p) => quote!(Some(#p)),
                None => quote!(None),
            };
            let values = sorted(values.iter().map(String::as_str));
            quote!(#rt Schema::String {
                min_length: #min_length,
                max_length: #max_length,
                pattern: #pattern,
                values: &[#(#values),*],
            })
        }
        Check::Array { items, min_items, max_items, unique_items } => {
            let items = schema_ref(items, at);
            let (min_items, max_items) = (opt_u64(*min_items), opt_u64(*max_items));
            quote!(#rt Schema::Array {
                items: #items,
                min_items: #min_items,
                max_items: #max_items,
                unique_items: #unique_items,
            })
        }
        Check::Object { properties, required, additional } => {
            // Sorted by name: the runtime finds a property by binary search.
            let mut by_name: Vec<&crate::ir::PropertyCheck> = properties.iter().collect();
            by_name.sort_by(|a, b| a.name.cmp(&b.name));
            by_name.dedup_by(|a, b| a.name == b.name);
            let properties = by_name.into_iter().map(|p| {
                let (name, check) = (&p.name, schema_ref(&p.check, at));
                quote!((#name, #check))
            });
            let additional = match additional {
                Additional::Allow => quote!(#rt Additional::Allow),
                Additional::Deny => quote!(#rt Additional::Deny),
                Additional::Check(check) => {
                    let check = schema_ref(check, at);
                    quote!(#rt Additional::Check(#check))
                }
            };
            quote!(#rt Schema::Object {
                properties: &[#(#properties),*],
                required: &[#(#required),*],
                additional: #additional,
            })
        }
        Check::Tagged { property, variants } => {
            let variants = variants.iter().map(|(tag, check)| {
                let check = schema_ref(check, at);
                quote!((#tag, #check))
            });
            quote!(#rt Schema::Tagged { property: #property, variants: &[#(#variants),*] })
        }
    }
}

/// The schema of a parameter or body, as tokens of the server module
/// (`schemas::Name` for named types, `rt::` for runtime types).
pub fn value_tokens(check: &Check) -> TokenStream {
    schema_value(check, Paths { prefix: &quote!(schemas::), rt: &quote!(rt::) })
}

/// `server/schemas.rs`: one static per named type.
pub fn schemas_module(api: &Api) -> TokenStream {
    let none = TokenStream::new();
    let at = Paths { prefix: &none, rt: &none };
    let statics = api.types.iter().map(|t| {
        let name = super::rust::ident(&t.name);
        let doc = format!(" Schema of [`{0}`](super::super::models::{0}).", t.name);
        let value = schema_value(&t.check, at);
        quote! {
            #[doc = #doc]
            pub static #name: Schema = #value;
        }
    });
    quote! {
        //! The spec's schemas, as the server validates request values against them.
        #![allow(non_upper_case_globals)]
        #[allow(unused_imports)]
        use crate::support::server::{Additional, Schema};
        #(#statics)*
    }
}
