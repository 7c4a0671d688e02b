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
        TypeRef::F64 => quote!(f64),
        TypeRef::Bool => quote!(bool),
        TypeRef::DateTime => quote!(chrono::DateTime<chrono::Utc>),
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
        TypeRef::Multipart => quote!(crate::support::client::Multipart),
        TypeRef::Named(name) => {
            let name = ident(name);
            quote!(#name)
        }
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
    Ok(space_items(&prettyplease::unparse(&file)))
}

/// Puts a blank line between items, at the top level and inside `impl`
/// blocks (prettyplease packs them), and after the module docs, as a person
/// would write them.
fn space_items(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + code.len() / 16);
    let mut previous: Option<&str> = None;
    for line in code.lines() {
        if let Some(prev) = previous {
            if needs_blank_line(prev, line) {
                out.push('\n');
            }
        }
        out.push_str(line);
        out.push('\n');
        previous = Some(line);
    }
    out
}

fn needs_blank_line(prev: &str, line: &str) -> bool {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let (p, l) = (prev.trim_start(), line.trim_start());
    if line.is_empty() || l.starts_with(['}', ')', ']']) {
        return false;
    }
    if indent(prev) == 0 && indent(line) == 0 {
        let docs_ended = p.starts_with("//!") && !l.starts_with("//!") && !l.starts_with("#![");
        let attrs_ended = p.starts_with("#![") && !l.starts_with("#![");
        let item_ended = !p.starts_with("//") && (p.ends_with('}') || p.ends_with(';'));
        return docs_ended || attrs_ended || item_ended;
    }
    // An item after one whose last line is a continuation (`    .required();`).
    if indent(line) == 0 && indent(prev) > 0 && p.ends_with(';') {
        return true;
    }
    // Items inside an `impl` or `trait` block (one level deep).
    let starts_item = ["///", "#[", "pub ", "fn ", "async ", "const ", "type "].iter().any(|s| l.starts_with(s));
    let ended_item = p == "}"
        || (p.ends_with(';') && (p.starts_with("pub const ") || p.starts_with("const ") || p.starts_with("type ")));
    indent(prev) == 4 && indent(line) == 4 && ended_item && starts_item
}
