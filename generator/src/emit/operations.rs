//! The `operations` module of an API: per operation, the struct of its
//! optional parameters and the enum of its responses. Plain data shared by
//! the client and the server.
//!
//! ```text
//! #[derive(Debug, Clone, Default, PartialEq)]
//! pub struct ListJobsParams { pub page: Option<i64>, ... }
//!
//! pub enum ListJobsResponse {
//!     Ok(JobList),                              // a documented status
//!     NotFound(Error),
//!     Default { status: u16, body: Problem },   // `default` or `4XX`
//! }
//! impl ListJobsResponse { fn status(&self) -> u16; fn is_success(&self) -> bool;
//!                         fn into_result(self) -> Result<JobList, Self> }
//! ```

use super::rust::{doc_attrs, ident, type_tokens};
use crate::ir::{Api, Location, Operation, Parameter, Response, VariantShape};
use proc_macro2::TokenStream;
use quote::quote;

pub fn operations_module(api: &Api) -> TokenStream {
    let items = api.operations.iter().map(|op| {
        let params = params_struct(op);
        let responses = response_enum(op);
        quote!(#params #responses)
    });
    quote! {
        #![doc = " Inputs and outputs of each operation, shared by the client and the server."]
        #[allow(unused_imports)]
        use super::models::*;
        #(#items)*
    }
}

/// Rustdoc of an operation's method (client and server): summary,
/// description, then its method and path.
pub fn operation_doc(op: &Operation) -> TokenStream {
    let mut text = String::new();
    for part in [&op.summary, &op.description].into_iter().flatten() {
        let part = part.trim();
        if !part.is_empty() && !text.contains(part) {
            text.push_str(part);
            text.push_str("\n\n");
        }
    }
    text.push_str(&operation_label(op));
    doc_attrs(Some(&text))
}

/// An operation's security requirements as the runtimes' `Security`
/// constant: alternatives of `(scheme, scopes)` lists.
pub fn security_alternatives(op: &Operation) -> Vec<TokenStream> {
    op.security
        .iter()
        .map(|alternative| {
            let schemes = alternative.iter().map(|u| {
                let scheme = &u.scheme;
                let scopes = &u.scopes;
                quote!((#scheme, &[#(#scopes),*]))
            });
            quote!(&[#(#schemes),*])
        })
        .collect()
}

/// The runtimes' `Style` for a parameter style (both runtimes name it `rt::Style`).
pub fn style_tokens(style: crate::ir::Style) -> TokenStream {
    use crate::ir::Style;
    match style {
        Style::Simple => quote!(rt::Style::Simple),
        Style::Label => quote!(rt::Style::Label),
        Style::Matrix => quote!(rt::Style::Matrix),
        Style::Form => quote!(rt::Style::Form),
        Style::SpaceDelimited => quote!(rt::Style::SpaceDelimited),
        Style::PipeDelimited => quote!(rt::Style::PipeDelimited),
        Style::DeepObject => quote!(rt::Style::DeepObject),
    }
}

/// The runtimes' description of a parameter, a `const` expression: on the
/// client (`schema` None) `rt::Param::query("tags")`, on the server
/// `rt::Input::query("tags", &SCHEMA)`, then what differs from OpenAPI's
/// defaults for its location (`.style(..)`, `.exploded()` or
/// `.unexploded()`) and, on the server, `.required()`.
pub fn param_tokens(p: &Parameter, schema: Option<TokenStream>) -> TokenStream {
    let wire = &p.wire_name;
    let ty = if schema.is_some() { quote!(rt::Input) } else { quote!(rt::Param) };
    let required = (schema.is_some() && p.required).then(|| quote!(.required()));
    let schema = schema.map(|schema| quote!(, #schema));
    let base = match p.location {
        Location::Path => quote!(#ty::path(#wire #schema)),
        Location::Query => quote!(#ty::query(#wire #schema)),
        Location::Header => quote!(#ty::header(#wire #schema)),
        Location::Cookie => quote!(#ty::cookie(#wire #schema)),
    };
    let style = (p.style != p.location.default_style()).then(|| {
        let style = style_tokens(p.style);
        quote!(.style(#style))
    });
    let explode = match (p.explode, p.style.explodes_by_default()) {
        (true, false) => quote!(.exploded()),
        (false, true) => quote!(.unexploded()),
        _ => TokenStream::new(),
    };
    quote!(#base #style #explode #required)
}

/// A one-line name of an operation for docs: `GET /jobs/{id}` (`getJob`).
pub fn operation_label(op: &Operation) -> String {
    let id = op.operation_id.as_deref().map(|id| format!(" (`{id}`)")).unwrap_or_default();
    format!("`{} {}`{id}", op.method.as_str(), op.path)
}

fn params_struct(op: &Operation) -> TokenStream {
    let Some(name) = &op.params_type else {
        return TokenStream::new();
    };
    let name = ident(name);
    let doc = format!(" Optional parameters of {}.", operation_label(op));
    let fields = op.parameters.iter().filter(|p| !p.required).map(|p| {
        let mut text = p.doc.clone().unwrap_or_default();
        if let Some(default) = &p.default {
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(&format!("The server assumes `{default}` when absent."));
        }
        let doc = doc_attrs((!text.is_empty()).then_some(text.as_str()));
        let field = ident(&p.name);
        let ty = type_tokens(&p.ty.clone().option());
        quote! {
            #doc
            pub #field: #ty,
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct #name {
            #(#fields)*
        }
    }
}

/// The pattern matching a response variant, binding `status` and `body`
/// where it has them.
pub fn variant_pattern(enum_name: &proc_macro2::Ident, r: &Response) -> TokenStream {
    let variant = ident(&r.variant);
    match r.shape {
        VariantShape::Fields { status, body, .. } => {
            let status = status.then(|| quote!(status,));
            let body = body.then(|| quote!(body,));
            quote!(#enum_name::#variant { #status #body .. })
        }
        VariantShape::Body => quote!(#enum_name::#variant(body)),
        VariantShape::Unit => quote!(#enum_name::#variant),
    }
}

/// The expression building a response variant from the variables `status`
/// and `headers` (where the variant has them) and a body expression.
pub fn variant_value(enum_name: &proc_macro2::Ident, r: &Response, body: Option<TokenStream>) -> TokenStream {
    let variant = ident(&r.variant);
    match (r.shape, body) {
        (VariantShape::Fields { status, headers, .. }, body) => {
            let status = status.then(|| quote!(status,));
            let body = body.map(|b| quote!(body: #b,));
            let headers = headers.then(|| quote!(headers,));
            quote!(#enum_name::#variant { #status #body #headers })
        }
        (VariantShape::Body, Some(body)) => quote!(#enum_name::#variant(#body)),
        (VariantShape::Body | VariantShape::Unit, _) => quote!(#enum_name::#variant),
    }
}

fn headers_struct(r: &Response) -> TokenStream {
    let Some(name) = &r.headers_type else {
        return TokenStream::new();
    };
    let name = ident(name);
    let doc = format!(" Headers of the `{}` response.", r.status);
    let fields = r.headers.iter().map(|h| {
        let mut text = h.doc.clone().unwrap_or_default();
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&format!("`{}`", h.wire_name));
        let doc = doc_attrs(Some(&text));
        let field = ident(&h.name);
        let ty = if h.required { type_tokens(&h.ty) } else { type_tokens(&h.ty.clone().option()) };
        quote!(#doc pub #field: #ty,)
    });
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq)]
        pub struct #name {
            #(#fields)*
        }
    }
}

fn response_enum(op: &Operation) -> TokenStream {
    let name = ident(&op.response_type);
    let doc = format!(" Responses of {}, one variant per documented status.", operation_label(op));
    let variants = op.responses.iter().map(|r| {
        let variant = ident(&r.variant);
        let doc_text = format!("`{}`: {}", r.status, r.description.trim());
        let doc = doc_attrs(Some(&doc_text));
        let body = r.body.as_ref().map(|b| type_tokens(&b.ty));
        match r.shape {
            VariantShape::Fields { status, .. } => {
                let status = status.then(|| quote!(status: u16,));
                let body = body.map(|b| quote!(body: #b,));
                let headers = r.headers_type.as_deref().map(ident).map(|h| quote!(headers: #h,));
                quote!(#doc #variant { #status #body #headers },)
            }
            VariantShape::Body => quote!(#doc #variant(#body),),
            VariantShape::Unit => quote!(#doc #variant,),
        }
    });
    let header_structs = op.responses.iter().map(headers_struct);
    let status_arms = op.responses.iter().map(|r| {
        let pattern = status_pattern(r);
        match r.status.code() {
            Some(code) => quote!(#pattern => #code,),
            None => quote!(#pattern => *status,),
        }
    });
    let successes: Vec<&Response> = op.responses.iter().filter(|r| r.status.is_success()).collect();
    let into_result = match successes.as_slice() {
        [only] => {
            let ty = only.body.as_ref().map_or(quote!(()), |b| type_tokens(&b.ty));
            let pattern = variant_pattern(&quote::format_ident!("Self"), only);
            let value = if only.body.is_some() { quote!(body) } else { quote!(()) };
            let keeps_code = only.status.keeps_code();
            let guard = if keeps_code { quote!(if (200..300).contains(&status)) } else { TokenStream::new() };
            let other =
                if op.responses.len() > 1 || keeps_code { quote!(other => Err(other),) } else { TokenStream::new() };
            quote! {
                /// The success body, or the whole response when the status is not 2xx.
                pub fn into_result(self) -> Result<#ty, Self> {
                    match self {
                        #pattern #guard => Ok(#value),
                        #other
                    }
                }
            }
        }
        _ => quote! {
            /// `Ok` for a 2xx response, `Err` otherwise.
            pub fn into_result(self) -> Result<Self, Self> {
                if self.is_success() { Ok(self) } else { Err(self) }
            }
        },
    };
    quote! {
        #(#header_structs)*

        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name {
            #(#variants)*
        }

        impl #name {
            /// The HTTP status of this response.
            pub fn status(&self) -> u16 {
                match self {
                    #(#status_arms)*
                }
            }

            /// Whether the status is 2xx.
            pub fn is_success(&self) -> bool {
                (200..300).contains(&self.status())
            }

            #into_result
        }
    }
}

/// A pattern for `status()`: binds only `status`, ignores the rest.
fn status_pattern(r: &Response) -> TokenStream {
    let variant = ident(&r.variant);
    match r.shape {
        VariantShape::Fields { status: true, .. } => quote!(Self::#variant { status, .. }),
        VariantShape::Fields { status: false, .. } => quote!(Self::#variant { .. }),
        VariantShape::Body => quote!(Self::#variant(_)),
        VariantShape::Unit => quote!(Self::#variant),
    }
}
