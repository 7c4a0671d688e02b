//! Shared pieces of Rust emission: type expressions, identifiers, rustdoc
//! attributes, and formatting a token stream into a finished file.

use crate::error::{Error, ErrorKind};
use crate::ir::TypeRef;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// An identifier. Names come from [`crate::naming`] and are valid; anything
/// else is repaired rather than allowed to panic.
pub fn ident(name: &str) -> Ident {
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name != "_";
    if valid {
        return Ident::new(name, Span::call_site());
    }
    let mut repaired: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    if !repaired.starts_with(|c: char| c.is_ascii_alphabetic()) {
        repaired.insert_str(0, "x_");
    }
    Ident::new(&repaired, Span::call_site())
}

/// The Rust type expression for a [`TypeRef`], as written in a models module.
pub fn type_tokens(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::String => quote!(String),
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 => quote!(i64),
        TypeRef::F32 => quote!(f32),
        TypeRef::F64 => quote!(crate::support::Number),
        TypeRef::Bool => quote!(bool),
        TypeRef::DateTime => quote!(chrono::DateTime<chrono::FixedOffset>),
        TypeRef::Date => quote!(chrono::NaiveDate),
        TypeRef::Uuid => quote!(uuid::Uuid),
        TypeRef::Json => quote!(serde_json::Value),
        TypeRef::JsonObject => quote!(serde_json::Map<String, serde_json::Value>),
        TypeRef::Vec(inner) => {
            let inner = type_tokens(inner);
            quote!(Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = type_tokens(inner);
            quote!(std::collections::BTreeMap<String, #inner>)
        }
        TypeRef::Option(inner) => {
            let inner = type_tokens(inner);
            quote!(Option<#inner>)
        }
        TypeRef::Boxed(inner) => {
            let inner = type_tokens(inner);
            quote!(Box<#inner>)
        }
        TypeRef::Bytes => quote!(Vec<u8>),
        TypeRef::Base64 => quote!(crate::support::Base64),
        TypeRef::Multipart => quote!(crate::support::client::Multipart),
        TypeRef::Named(name) => {
            let name = ident(name);
            quote!(#name)
        }
    }
}

/// The Rust type expression for a [`TypeRef`] as code outside the crate
/// writes it: models under `{root}::models`, the runtime under
/// `{root}::support` (`root` is the crate's name, or `crate`).
pub fn qualified_type(ty: &TypeRef, root: &str) -> String {
    match ty {
        TypeRef::Named(name) => format!("{root}::models::{}", ident(name)),
        TypeRef::Vec(inner) => format!("Vec<{}>", qualified_type(inner, root)),
        TypeRef::Option(inner) => format!("Option<{}>", qualified_type(inner, root)),
        TypeRef::Boxed(inner) => format!("Box<{}>", qualified_type(inner, root)),
        TypeRef::Map(inner) => format!("std::collections::BTreeMap<String, {}>", qualified_type(inner, root)),
        leaf => type_tokens(leaf).to_string().replace(' ', "").replacen("crate::", &format!("{root}::"), 1),
    }
}

/// A type expression as it reads in code (`Vec<String>`), for messages.
pub fn type_text(ty: &TypeRef) -> String {
    type_tokens(ty).to_string().replace(' ', "").replace(',', ", ")
}

pub use super::rustdoc::doc_lines;

/// `#[doc = "..."]` attributes for spec text (see [`doc_lines`]).
pub fn doc_attrs(doc: Option<&str>) -> TokenStream {
    let lines = doc.map(doc_lines).unwrap_or_default();
    quote!(#(#[doc = #lines])*)
}

/// Formats a module's tokens with prettyplease.
/// Every doc attribute is first made inert ([`super::rustdoc`]), whichever
/// emitter wrote it.
pub fn format_file(tokens: TokenStream, what: &str) -> Result<String, Error> {
    let tokens = super::rustdoc::inert_doc_attrs(tokens);
    let file = syn::parse2::<syn::File>(tokens)
        .map_err(|e| Error::new(what, None, ErrorKind::Internal(format!("emitted code does not parse: {e}"))))?;
    Ok(layout(file))
}

/// Lays a file out as a person would write it: prettyplease formats each
/// piece and one blank line separates them (prettyplease alone packs items
/// together). The pieces are the module's inner docs and attributes, each
/// top-level item, and each item of an `impl` or `trait` block.
fn layout(file: syn::File) -> String {
    let mut pieces = Vec::with_capacity(file.items.len() + 1);
    if !file.attrs.is_empty() {
        pieces.push(prettyplease::unparse(&syn::File { shebang: None, attrs: file.attrs, items: Vec::new() }));
    }
    for item in file.items {
        pieces.push(match item {
            syn::Item::Impl(mut head) if head.items.len() > 1 => {
                let items = std::mem::take(&mut head.items);
                let with = |items| syn::Item::Impl(syn::ItemImpl { items, ..head.clone() });
                spaced_block(items, with)
            }
            syn::Item::Trait(mut head) if head.items.len() > 1 => {
                let items = std::mem::take(&mut head.items);
                let with = |items| syn::Item::Trait(syn::ItemTrait { items, ..head.clone() });
                spaced_block(items, with)
            }
            // prettyplease writes a macro's arguments token by token, with a
            // space after `crate`; the runtime's macros take only names and
            // paths, so the path is closed up again.
            item @ syn::Item::Macro(_) => unparse_item(item).replace("crate ::", "crate::"),
            item => unparse_item(item),
        });
    }
    pieces.join("\n")
}

fn unparse_item(item: syn::Item) -> String {
    prettyplease::unparse(&syn::File { shebang: None, attrs: Vec::new(), items: vec![item] })
}

/// An `impl` or `trait` block with a blank line between its items: the
/// block's head (`with(vec![])`, which prettyplease writes as `head {}`) and
/// each item formatted in a block of its own, so that prettyplease lays it
/// out at its real indentation. Should prettyplease write a block in another
/// shape, the block is formatted whole instead.
fn spaced_block<T: Clone>(items: Vec<T>, with: impl Fn(Vec<T>) -> syn::Item) -> String {
    let spaced = || {
        let empty = unparse_item(with(Vec::new()));
        let open = empty.strip_suffix("}\n")?;
        let mut out = format!("{open}\n");
        for (i, item) in items.iter().enumerate() {
            let alone = unparse_item(with(vec![item.clone()]));
            let body = alone.strip_prefix(open)?.strip_prefix('\n')?.strip_suffix("}\n")?;
            if i > 0 {
                out.push('\n');
            }
            out.push_str(body);
        }
        out.push_str("}\n");
        Some(out)
    };
    spaced().unwrap_or_else(|| unparse_item(with(items.clone())))
}

#[cfg(test)]
mod tests {
    use super::format_file;
    use quote::quote;

    #[test]
    fn items_and_block_items_are_separated_by_one_blank_line() {
        let tokens = quote! {
            //! Module doc.
            #![allow(dead_code)]
            use std::fmt;
            /// A trait.
            pub trait Named { fn name(&self) -> String; fn id(&self) -> u32 { 0 } }
            pub struct S;
            impl<T> From<T> for S where T: fmt::Debug + Clone + Send + Sync + 'static + Into<String> + PartialEq + Eq {
                fn from(_: T) -> Self { S }
            }
            impl S { pub const N: u32 = 1; /// Doc.
            pub fn f(&self) {} }
        };
        let text = format_file(tokens.clone(), "test.rs").unwrap();
        let expected = "//! Module doc.
#![allow(dead_code)]

use std::fmt;

/// A trait.
pub trait Named {
    fn name(&self) -> String;

    fn id(&self) -> u32 {
        0
    }
}

pub struct S;

impl<T> From<T> for S
where
    T: fmt::Debug + Clone + Send + Sync + 'static + Into<String> + PartialEq + Eq,
{
    fn from(_: T) -> Self {
        S
    }
}

impl S {
    pub const N: u32 = 1;

    /// Doc.
    pub fn f(&self) {}
}
";
        assert_eq!(text, expected);
        // The layout only adds blank lines to prettyplease's own.
        let whole = prettyplease::unparse(&syn::parse2(super::super::rustdoc::inert_doc_attrs(tokens)).unwrap());
        let non_blank = |t: &str| t.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(non_blank(&text), non_blank(&whole));
    }
}
