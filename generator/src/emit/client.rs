//! The `client` module of an API (feature `client`): a `Client` with one
//! async method per operation, and its builder with one method per
//! security scheme.
//!
//! ```text
//! let client = Client::builder().bearer_auth("token").build()?;
//! match client.get_job("42").await? {
//!     GetJobResponse::Ok(job) => ...,
//!     GetJobResponse::NotFound(error) => ...,
//! }
//! ```
//!
//! Each method writes path, query, header and cookie parameters in their
//! OpenAPI style through `support::client::Request`, sends with the
//! operation's security requirements, and decodes by status.

use super::operations::{operation_doc, operation_label, param_tokens, security_alternatives, variant_value};
use super::rust::{doc_attrs, ident, type_tokens};
use crate::ir::{Api, Body, Encoding, Location, Operation, Parameter, PathPart, SecurityKind, Status, TypeRef};
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

pub fn client_module(api: &Api) -> TokenStream {
    let title = api.title.trim();
    let module_doc = format!(" Async client of the {title} API.");
    let default_url = api.servers.first().map(|s| s.url.clone()).unwrap_or_default();
    let unsupported: Vec<String> = api
        .security_schemes
        .iter()
        .filter_map(|s| match &s.kind {
            SecurityKind::Unsupported { what } => Some(format!(" The `{}` scheme ({what}) is not driven by [`Client`]; add its credentials with your own `reqwest::Client`.", s.key)),
            _ => None,
        })
        .collect();
    let scheme_methods: Vec<TokenStream> =
        api.security_schemes.iter().map(scheme_method).filter(|m| !m.is_empty()).collect();
    let builder_impl = (!scheme_methods.is_empty()).then(|| quote! { impl ClientBuilder { #(#scheme_methods)* } });
    let methods: Vec<TokenStream> = api.operations.iter().map(operation_method).collect();
    let client_impl = (!methods.is_empty()).then(|| quote! { impl Client { #(#methods)* } });
    let body_enums = api.operations.iter().map(body_enum);
    quote! {
        #![doc = #module_doc]
        #(#![doc = #unsupported])*
        #[allow(unused_imports)]
        use super::models::*;
        #[allow(unused_imports)]
        use super::operations::*;
        use crate::support::client as rt;

        rt::api_client!(rt, #default_url);

        #builder_impl

        #client_impl

        #(#body_enums)*
    }
}

fn scheme_method(scheme: &crate::ir::SecurityScheme) -> TokenStream {
    let method = ident(&scheme.method);
    let key = &scheme.key;
    let mut text = format!("Credentials for the `{key}` security scheme");
    let body = match &scheme.kind {
        SecurityKind::Bearer => {
            text.push_str(" (`Authorization: Bearer`).");
            quote! {
                pub fn #method(mut self, token: impl Into<rt::Secret>) -> Self {
                    self.core.bearer(#key, token.into());
                    self
                }
            }
        }
        SecurityKind::AccessToken { flows } => {
            let how = match flows.as_slice() {
                [] => "OAuth2".to_owned(),
                [only] if only == "OpenID Connect" => only.clone(),
                list => format!("OAuth2, {} flow", list.join(" or ")),
            };
            text.push_str(&format!(
                " ({how}): an access token obtained outside this client, sent as `Authorization: Bearer`."
            ));
            quote! {
                pub fn #method(mut self, token: impl Into<rt::Secret>) -> Self {
                    self.core.bearer(#key, token.into());
                    self
                }
            }
        }
        SecurityKind::Basic => {
            text.push_str(" (HTTP Basic).");
            quote! {
                pub fn #method(mut self, username: impl Into<String>, password: impl Into<rt::Secret>) -> Self {
                    self.core.basic(#key, username.into(), password.into());
                    self
                }
            }
        }
        SecurityKind::ApiKey { location, name } => {
            let (where_, loc) = match location {
                Location::Query => ("query parameter", quote!(rt::KeyLocation::Query)),
                Location::Cookie => ("cookie", quote!(rt::KeyLocation::Cookie)),
                _ => ("header", quote!(rt::KeyLocation::Header)),
            };
            text.push_str(&format!(" (API key in the {where_} `{name}`)."));
            quote! {
                pub fn #method(mut self, key: impl Into<rt::Secret>) -> Self {
                    self.core.api_key(#key, #loc, #name, key.into());
                    self
                }
            }
        }
        SecurityKind::OAuth2ClientCredentials { token_url, .. } => {
            text.push_str(&format!(
                " (OAuth2 client credentials). Tokens come from `{token_url}` unless the credentials name another URL, are cached per scope set until shortly before they expire, and are fetched again after a 401."
            ));
            quote! {
                pub fn #method(mut self, credentials: rt::OAuth2ClientCredentials) -> Self {
                    self.core.oauth2(#key, credentials, #token_url);
                    self
                }
            }
        }
        SecurityKind::Unsupported { .. } => return TokenStream::new(),
    };
    if let Some(description) = &scheme.description {
        text.push_str("\n\n");
        text.push_str(description.trim());
    }
    let doc = doc_attrs(Some(&text));
    quote!(#doc #body)
}

/// The argument type of a required parameter: `&str` for strings, plain
/// values for small copies, references otherwise.
fn arg_type(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::String => quote!(&str),
        TypeRef::I32 | TypeRef::I64 | TypeRef::F32 | TypeRef::F64 | TypeRef::Bool => type_tokens(ty),
        other => {
            let t = type_tokens(other);
            quote!(&#t)
        }
    }
}

/// The statement that writes one parameter into `request`.
fn param_statement(p: &Parameter, value: TokenStream) -> TokenStream {
    let param = param_tokens(p, None);
    quote!(request.param(&#param, #value)?;)
}

fn body_enum_name(op: &Operation) -> Option<proc_macro2::Ident> {
    op.request_body.as_ref().and_then(|b| b.enum_type.as_deref()).map(ident)
}

/// With several media types, the body is an enum over them.
fn body_enum(op: &Operation) -> TokenStream {
    let (Some(name), Some(body)) = (body_enum_name(op), &op.request_body) else {
        return TokenStream::new();
    };
    let doc = format!(" The request body of {}, in one of its media types.", operation_label(op));
    let variants = body.variants.iter().map(|b| {
        let variant = ident(&b.variant);
        let ty = type_tokens(&b.ty);
        let doc = format!(" `{}`", b.media_type);
        quote!(#[doc = #doc] #variant(#ty),)
    });
    quote! {
        #[doc = #doc]
        pub enum #name {
            #(#variants)*
        }
    }
}

/// The statement that puts a body (bound to `value`) into `request`.
fn body_statement(b: &Body, value: TokenStream) -> TokenStream {
    let media = &b.media_type;
    match b.encoding {
        Encoding::Json => quote!(request.json_body(#media, #value)?;),
        Encoding::Form => quote!(request.form_body(#media, #value)?;),
        Encoding::Text | Encoding::Binary => quote!(request.bytes_body(#media, #value);),
        Encoding::Multipart => quote!(request.multipart_body(#value);),
    }
}

/// The argument type of a single-media-type body.
fn body_arg_type(b: &Body) -> TokenStream {
    match b.encoding {
        Encoding::Json | Encoding::Form => {
            let t = type_tokens(&b.ty);
            quote!(&#t)
        }
        Encoding::Text => quote!(String),
        Encoding::Binary => quote!(Vec<u8>),
        Encoding::Multipart => quote!(rt::Multipart),
    }
}

fn operation_method(op: &Operation) -> TokenStream {
    let name = ident(&op.name);
    let response_type = ident(&op.response_type);
    let method = format_ident!("{}", op.method.as_str());

    let doc = operation_doc(op);

    let mut args = Vec::new();
    let mut statements = Vec::new();
    let param = |rust: &str| op.parameters.iter().find(|p| p.name == rust);
    for part in &op.path_parts {
        match part {
            PathPart::Literal(text) => statements.push(quote!(request.path(#text);)),
            PathPart::Param(rust) => {
                if let Some(p) = param(rust) {
                    let arg = ident(&p.name);
                    statements.push(param_statement(p, quote!(&#arg)));
                }
            }
        }
    }
    for p in &op.parameters {
        if p.required {
            let arg = ident(&p.name);
            let ty = arg_type(&p.ty);
            args.push(quote!(#arg: #ty));
            let in_template = op.path_parts.iter().any(|part| matches!(part, PathPart::Param(n) if *n == p.name));
            if p.location != Location::Path {
                statements.push(param_statement(p, quote!(&#arg)));
            } else if !in_template {
                // The spec declares it, but its path has no place for it.
                statements.push(quote!(let _ = #arg;));
            }
        } else {
            let field = ident(&p.name);
            statements.push(param_statement(p, quote!(&params.#field)));
        }
    }
    if let Some(params_type) = &op.params_type {
        let params_type = ident(params_type);
        args.push(quote!(params: #params_type));
    }
    if let Some(body) = &op.request_body {
        let (arg_ty, put) = match (body_enum_name(op), body.variants.as_slice()) {
            (Some(enum_name), variants) => {
                let arms = variants.iter().map(|b| {
                    let variant = ident(&b.variant);
                    let statement = body_statement(
                        b,
                        if matches!(b.encoding, Encoding::Json | Encoding::Form) {
                            quote!(&value)
                        } else {
                            quote!(value)
                        },
                    );
                    quote!(#enum_name::#variant(value) => { #statement })
                });
                (quote!(#enum_name), quote!(match body { #(#arms)* }))
            }
            (None, [only]) => {
                let statement = body_statement(only, quote!(body));
                (body_arg_type(only), statement)
            }
            (None, _) => (TokenStream::new(), TokenStream::new()),
        };
        if !arg_ty.is_empty() {
            if body.required {
                args.push(quote!(body: #arg_ty));
                statements.push(put);
            } else {
                args.push(quote!(body: Option<#arg_ty>));
                statements.push(quote!(if let Some(body) = body { #put }));
            }
        }
    }

    let alternatives = security_alternatives(op);

    let mut arms = Vec::new();
    let mut has_default = false;
    // Only a `default` response: no status to tell apart.
    let only_default = op.responses.iter().all(|r| r.status == Status::Default);
    let mut bodies = Vec::new();
    for r in op.match_order.iter().filter_map(|&i| op.responses.get(i)) {
        let decode = r.body.as_ref().map(|b| match b.encoding {
            Encoding::Text => quote!(response.text()?),
            Encoding::Binary | Encoding::Multipart => quote!(response.bytes()?),
            Encoding::Json | Encoding::Form => quote!(response.json()?),
        });
        let headers = r.headers_type.as_deref().map(|headers_type| {
            let headers_type = ident(headers_type);
            let fields = r.headers.iter().map(|h| {
                let field = ident(&h.name);
                let wire = &h.wire_name;
                if h.required {
                    quote!(#field: response.required_header(#wire)?,)
                } else {
                    quote!(#field: response.header(#wire)?,)
                }
            });
            quote!(#headers_type { #(#fields)* })
        });
        // Headers are read before the body consumes the response.
        let read_headers = headers.map(|h| quote!(let headers = #h;));
        let value = variant_value(&response_type, r, decode);
        let pattern = match r.status.bounds() {
            None => {
                has_default = true;
                quote!(status)
            }
            Some((low, high)) if low == high => {
                let code = Literal::u16_unsuffixed(low);
                quote!(#code)
            }
            Some((low, high)) => {
                let (low, high) = (Literal::u16_unsuffixed(low), Literal::u16_unsuffixed(high));
                quote!(status @ #low..=#high)
            }
        };
        let body = match read_headers {
            Some(read) => quote!({ #read Ok(#value) }),
            None => quote!(Ok(#value)),
        };
        arms.push(quote!(#pattern => #body,));
        bodies.push(body);
    }
    if !has_default {
        arms.push(quote!(_ => Err(response.unexpected()),));
    }
    let dispatch = match bodies.as_slice() {
        [body] if only_default => quote! {
            let status = response.status();
            #body
        },
        _ => quote! {
            match response.status() {
                #(#arms)*
            }
        },
    };

    quote! {
        #doc
        pub async fn #name(&self, #(#args),*) -> Result<#response_type, rt::Error> {
            let mut request = rt::Request::new(rt::Method::#method);
            #(#statements)*
            const SECURITY: rt::Security = &[#(#alternatives),*];
            let response = self.core.execute(request, SECURITY).await?;
            #dispatch
        }
    }
}
