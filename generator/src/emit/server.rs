//! The `server` module of an API (feature `server`): a trait with one async
//! method per operation, and `router`, which serves any implementation on
//! axum after checking security and validating every input.
//!
//! ```text
//! pub trait Api: rt::Authenticate {
//!     fn get_job(&self, job_id: String, principal: Option<Self::Principal>)
//!         -> impl Future<Output = GetJobResponse> + Send;
//!     fn problem(&self, problem: rt::Problem) -> Response { ... }  // error bodies
//! }
//! pub fn router<A: Api>(api: A, config: rt::ServerConfig) -> axum::Router;
//! ```
//!
//! Each operation's handler: security (401/403, before anything else is
//! read), 406 and 415 checks, the body received within its limit and
//! timeout (413, 408), every parameter and the body coerced and validated
//! against the spec's schemas (all failures reported at once, 400), then
//! the trait method, then its response enum written back in the
//! documented media type.

use super::operations::{operation_doc, param_tokens, security_alternatives};
use super::rust::{ident, type_tokens};
use crate::ir::{Api, Body, Encoding, Location, Operation, SecurityKind, TypeRef, VariantShape};
use crate::naming;
use proc_macro2::{Literal, TokenStream};
use quote::quote;

pub fn server_module(api: &Api) -> TokenStream {
    let title = api.title.trim();
    let module_doc = format!(" Server stubs of the {title} API: implement `Api`, serve `router`.");
    let schemes = api.security_schemes.iter().map(|s| {
        let key = &s.key;
        let kind = match &s.kind {
            SecurityKind::Bearer | SecurityKind::OAuth2ClientCredentials { .. } | SecurityKind::AccessToken { .. } => {
                quote!(rt::SchemeKind::Bearer)
            }
            SecurityKind::Basic => quote!(rt::SchemeKind::Basic),
            SecurityKind::ApiKey { location, name } => {
                let loc = location_tokens(*location);
                quote!(rt::SchemeKind::ApiKey(#loc, #name))
            }
            SecurityKind::Unsupported { .. } => quote!(rt::SchemeKind::Unsupported),
        };
        quote!((#key, #kind))
    });
    let routes = api.operations.iter().map(|op| {
        let method = quote::format_ident!("{}", op.method.as_str());
        let parts = op.path_parts.iter().map(|part| match part {
            crate::ir::PathPart::Literal(text) => quote!(rt::Segment::Literal(#text)),
            crate::ir::PathPart::Param(rust) => {
                let wire =
                    op.parameters.iter().find(|p| &p.name == rust).map_or(rust.as_str(), |p| p.wire_name.as_str());
                quote!(rt::Segment::Param(#wire))
            }
        });
        let operation = &op.name;
        quote!(rt::Route { method: rt::Method::#method, operation: #operation, path: &[#(#parts),*] })
    });
    let arms = api.operations.iter().enumerate().map(|(i, op)| {
        let handler = handler_name(op);
        let index = Literal::usize_unsuffixed(i);
        quote!(#index => Box::pin(#handler(api, request)),)
    });
    let not_found = quote!(Box::pin(std::future::ready(Err(rt::Problem::new(404, "Not Found", "no such operation")))));
    let (dispatch_body, schemes_const) = if api.operations.is_empty() {
        (
            quote! {
                let _ = (api, operation, request);
                #not_found
            },
            TokenStream::new(),
        )
    } else {
        (
            quote! {
                match operation {
                    #(#arms)*
                    _ => #not_found,
                }
            },
            quote!(const SCHEMES: &[(&str, rt::SchemeKind)] = &[#(#schemes),*];),
        )
    };
    let trait_methods = api.operations.iter().map(trait_method);
    let handlers = api.operations.iter().map(|op| handler(op, api));
    let trait_doc = format!(
        " The {title} API, implemented by you. Every method receives inputs already validated against the spec, and the principal of the credentials that met its security requirements (`None` when it has none)."
    );
    quote! {
        #![doc = #module_doc]
        #[allow(unused_imports)]
        use super::models::*;
        #[allow(unused_imports)]
        use super::operations::*;
        use crate::support::server as rt;
        use std::sync::Arc;

        pub mod schemas;

        #[doc = #trait_doc]
        pub trait Api: rt::Authenticate {
            #(#trait_methods)*

            /// Renders a refused request (default: an RFC 9457 `application/problem+json` body).
            fn problem(&self, problem: rt::Problem) -> rt::axum::response::Response {
                rt::axum::response::IntoResponse::into_response(problem)
            }
        }

        #schemes_const

        static ROUTES: &[rt::Route] = &[#(#routes),*];

        /// An `axum::Router` serving `api`: routing (404, 405), the request
        /// limit (503), security (401, 403), media types (406, 415), the body
        /// limit and timeout (413, 408) and validation (400) happen before
        /// `api` is called. Serve it with [`rt::serve`] for connection limits
        /// and timeouts as well.
        pub fn router<A: Api>(api: A, config: rt::ServerConfig) -> rt::axum::Router {
            rt::router(Arc::new(api), config, ROUTES, dispatch::<A>, |api: &A, problem| api.problem(problem))
        }

        /// A handler's future. Each operation's future is boxed on its own,
        /// so no single future type spans every operation of the API.
        type Handling = std::pin::Pin<Box<dyn std::future::Future<Output = Result<rt::axum::response::Response, rt::Problem>> + Send>>;

        fn dispatch<A: Api>(api: Arc<A>, operation: usize, request: rt::Incoming) -> Handling {
            #dispatch_body
        }

        #(#handlers)*
    }
}

fn handler_name(op: &Operation) -> proc_macro2::Ident {
    ident(&naming::handler_name(&op.name))
}

fn location_tokens(location: Location) -> TokenStream {
    match location {
        Location::Path => quote!(rt::Location::Path),
        Location::Query => quote!(rt::Location::Query),
        Location::Header => quote!(rt::Location::Header),
        Location::Cookie => quote!(rt::Location::Cookie),
    }
}

/// The body variant the server reads.
fn server_body(op: &Operation) -> Option<&Body> {
    op.request_body.as_ref().and_then(|b| b.served())
}

/// The statics a handler declares in its body: the operation's
/// requirements, one `rt::Input` per parameter (its schema in place) and
/// the body's schema.
fn handler_statics(op: &Operation, names: &naming::HandlerStatics) -> TokenStream {
    let params = op.parameters.iter().zip(&names.parameters).map(|(p, name)| {
        let name = ident(name);
        let schema = super::schemas::value_tokens(&p.check);
        let param = param_tokens(p, Some(quote!(&#schema)));
        quote!(static #name: rt::Input = #param;)
    });
    let body = server_body(op).filter(|b| matches!(b.encoding, Encoding::Json | Encoding::Form)).map(|b| {
        let name = ident(names.body);
        let value = super::schemas::value_tokens(&b.check);
        quote!(static #name: rt::Schema = #value;)
    });
    let requirements = ident(names.operation);
    let alternatives = security_alternatives(op);
    let mut produced: Vec<&str> = Vec::new();
    for media in op.responses.iter().filter_map(|r| r.body.as_ref()).map(|b| b.media_type.as_str()) {
        if !produced.contains(&media) {
            produced.push(media);
        }
    }
    // A multipart body is taken as sent, whatever its boundary parameter.
    let consumed =
        server_body(op).filter(|b| b.encoding != Encoding::Multipart).map(|b| b.media_type.as_str()).into_iter();
    quote! {
        static #requirements: rt::Operation = rt::Operation {
            security: &[#(#alternatives),*],
            produces: &[#(#produced),*],
            consumes: &[#(#consumed),*],
        };
        #(#params)*
        #body
    }
}

/// The Rust type the trait method receives for a body.
fn body_type(b: &Body) -> TokenStream {
    match b.encoding {
        Encoding::Json | Encoding::Form => type_tokens(&b.ty),
        Encoding::Text => quote!(String),
        Encoding::Binary | Encoding::Multipart => quote!(Vec<u8>),
    }
}

fn trait_method(op: &Operation) -> TokenStream {
    let name = ident(&op.name);
    let response_type = ident(&op.response_type);
    let doc = operation_doc(op);
    let mut args = Vec::new();
    for p in op.parameters.iter().filter(|p| p.required) {
        let arg = ident(&p.name);
        let ty = type_tokens(&p.ty);
        args.push(quote!(#arg: #ty));
    }
    if let Some(params_type) = &op.params_type {
        let params_type = ident(params_type);
        args.push(quote!(params: #params_type));
    }
    if let (Some(b), Some(rb)) = (server_body(op), &op.request_body) {
        let ty = body_type(b);
        if rb.required {
            args.push(quote!(body: #ty));
        } else {
            args.push(quote!(body: Option<#ty>));
        }
    }
    quote! {
        #doc
        fn #name(&self, #(#args,)* principal: Option<Self::Principal>) -> impl std::future::Future<Output = #response_type> + Send;
    }
}

fn handler(op: &Operation, api: &Api) -> TokenStream {
    let handler = handler_name(op);
    let method = ident(&op.name);
    let response_type = ident(&op.response_type);
    let names = naming::handler_statics(op.parameters.iter().map(|p| p.name.as_str()));
    let statics = handler_statics(op, &names);
    let requirements = ident(names.operation);

    let mut reads = Vec::new();
    let mut finals = Vec::new();
    let mut call_args = Vec::new();
    for (p, param) in op.parameters.iter().zip(&names.parameters) {
        let var = ident(&p.name);
        // What `param` yields: absent is `None`. An optional parameter whose
        // type already admits null is that type, as in its `...Params` field.
        let read_ty = if p.required { TypeRef::Option(Box::new(p.ty.clone())) } else { p.ty.clone().option() };
        let read_ty = type_tokens(&read_ty);
        let param = ident(param);
        reads.push(quote!(let #var: #read_ty = request.param(&#param, &mut errors);));
        if p.required {
            let section = match p.location {
                Location::Path => "path",
                Location::Query => "query",
                Location::Header => "header",
                Location::Cookie => "cookie",
            };
            let pointer = format!("/{section}/{}", p.wire_name);
            finals.push(quote!(let #var = rt::present(#var, #pointer)?;));
            call_args.push(quote!(#var));
        } else if let Some(value) = p.default.as_ref().and_then(|d| super::models::default_expr(&p.ty, d, api)) {
            // The spec's default stands in for an absent parameter.
            finals.push(quote!(let #var = #var.or(Some(#value));));
        }
    }
    if let Some(params_type) = &op.params_type {
        let params_type = ident(params_type);
        let fields = op.parameters.iter().filter(|p| !p.required).map(|p| ident(&p.name));
        call_args.push(quote!(#params_type { #(#fields),* }));
    }
    if let (Some(b), Some(rb)) = (server_body(op), &op.request_body) {
        let presence = if rb.required { quote!(rt::Presence::Required) } else { quote!(rt::Presence::Optional) };
        let schema = ident(names.body);
        let read = match b.encoding {
            Encoding::Json => quote!(request.json_body(&#schema, #presence, &mut errors)),
            Encoding::Form => quote!(request.form_body(&#schema, #presence, &mut errors)),
            Encoding::Text => quote!(request.text_body(#presence, &mut errors)),
            Encoding::Binary | Encoding::Multipart => quote!(request.bytes_body(#presence, &mut errors)),
        };
        reads.push(quote!(let body = #read;));
        if rb.required {
            finals.push(quote!(let body = rt::present(body, "/body")?;));
        }
        call_args.push(quote!(body));
    }

    let arms = op.responses.iter().map(|r| {
        let variant = ident(&r.variant);
        let status_expr = match r.status.code() {
            Some(code) => {
                let code = Literal::u16_unsuffixed(code);
                quote!(#code)
            }
            None => quote!(status),
        };
        let pattern = match r.shape {
            VariantShape::Fields { status, body, headers } => {
                let status = status.then(|| quote!(status,));
                let body = body.then(|| quote!(body,));
                let headers = headers.then(|| quote!(headers,));
                quote!(#response_type::#variant { #status #body #headers })
            }
            VariantShape::Body => quote!(#response_type::#variant(body)),
            VariantShape::Unit => quote!(#response_type::#variant),
        };
        let header_calls = r.headers.iter().map(|h| {
            let wire = &h.wire_name;
            let field = ident(&h.name);
            quote!(.header(#wire, &headers.#field))
        });
        let body_call = r.body.as_ref().map(|b| {
            let media = &b.media_type;
            match b.encoding {
                Encoding::Json | Encoding::Form => quote!(.json(#media, &body)),
                Encoding::Text => quote!(.text(#media, body)),
                Encoding::Binary | Encoding::Multipart => quote!(.bytes(#media, body)),
            }
        });
        quote!(#pattern => rt::Reply::new(#status_expr) #(#header_calls)* #body_call .finish(),)
    });

    // Every input is read before any failure is reported, so one 400 names
    // them all.
    let inputs = (!reads.is_empty()).then(|| {
        quote! {
            let mut errors = Vec::new();
            #(#reads)*
            rt::check(errors)?;
        }
    });
    quote! {
        async fn #handler<A: Api>(api: Arc<A>, mut request: rt::Incoming) -> Result<rt::axum::response::Response, rt::Problem> {
            #statics
            let principal = rt::admit(&*api, &mut request, SCHEMES, &#requirements).await?;
            #inputs
            #(#finals)*
            let response = api.#method(#(#call_args,)* principal).await;
            let reply = match response {
                #(#arms)*
            };
            Ok(reply)
        }
    }
}
