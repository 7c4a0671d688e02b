//! Operations: names, parameters, request bodies and responses, and the
//! inline schemas they use (named after the operation or the component
//! that holds them).

use super::schema::Lowered;
use super::{doc_of, Lowerer, NameHint};
use crate::error::{Error, Pointer};
use crate::ir::{
    Body, Check, Encoding, Location, Method, Operation, Parameter, PathPart, RequestBody, Response, ResponseHeader,
    SchemeUse, Status, Style, TypeRef, VariantShape,
};
use crate::naming::{self, Scope};
use openapiv3::{ParameterSchemaOrContent, ReferenceOr, StatusCode};

impl Lowerer<'_> {
    pub(super) fn lower_operations(&mut self) -> Result<Vec<Operation>, Error> {
        let doc = self.doc;
        // Names the generated clients and servers use for their own methods.
        let mut scope = Scope::with_reserved([
            "problem",
            "authenticate",
            "builder",
            "base_url",
            "router",
            "with_timeout",
            "with_response_limit",
        ]);
        let mut operations = Vec::new();
        let paths_at = Pointer::root().push("paths");
        for (path, item) in &doc.openapi.paths.paths {
            let item_at = paths_at.push(path);
            let item = match item {
                ReferenceOr::Item(item) => item,
                ReferenceOr::Reference { .. } => {
                    return Err(self.unsupported(&item_at, "a path item given by `$ref`"));
                }
            };
            for problem in template_problems(path) {
                self.doubt(&item_at, format!("the path template {problem}: no request can match it"))?;
            }
            for (method, op) in item.iter() {
                let op_at = item_at.push(method);
                let Some(http_method) = Method::from_key(method) else {
                    return Err(self.unsupported(&op_at, "an HTTP method OpenAPI does not define"));
                };
                let raw_name = match &op.operation_id {
                    Some(id) if !id.trim().is_empty() => id.clone(),
                    _ => format!("{method} {path}"),
                };
                let name = scope.claim(naming::field_name(&raw_name));
                let type_prefix = naming::type_name(&name);
                // The operation's own type names are claimed before its inline
                // schemas are met, so they read the same in every spec.
                let response_type = self.type_scope.claim(format!("{type_prefix}Response"));
                let mut parameters =
                    self.lower_parameters(&item.parameters, &op.parameters, &item_at, &op_at, &type_prefix)?;
                self.check_parameters(path, &parameters, &op_at)?;
                let path_parts = split_path(path, &mut parameters);
                let params_type = parameters
                    .iter()
                    .any(|p| !p.required)
                    .then(|| self.type_scope.claim(format!("{type_prefix}Params")));
                let request_body = match &op.request_body {
                    None => None,
                    Some(body) => Some(self.lower_request_body(body, &op_at.push("requestBody"), &type_prefix)?),
                };
                let responses = self.lower_responses(&op.responses, &op_at.push("responses"), &type_prefix)?;
                let requirements = op.security.as_ref().or(doc.openapi.security.as_ref());
                let security = requirements
                    .map(|alternatives| {
                        alternatives
                            .iter()
                            .map(|requirement| {
                                requirement
                                    .iter()
                                    .map(|(scheme, scopes)| SchemeUse {
                                        scheme: scheme.clone(),
                                        scopes: scopes.clone(),
                                    })
                                    .collect()
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                operations.push(Operation {
                    name,
                    operation_id: op.operation_id.clone(),
                    method: http_method,
                    path: path.clone(),
                    summary: op.summary.clone(),
                    description: op.description.clone(),
                    parameters,
                    request_body,
                    match_order: match_order(&responses),
                    responses,
                    security,
                    path_parts,
                    response_type,
                    params_type,
                    pointer: op_at.to_string(),
                });
            }
        }
        Ok(operations)
    }

    /// Parameters no request can carry: a path parameter the template does
    /// not name (it is required, so every request is refused), or a header
    /// whose name is not an HTTP token (no client can send it).
    fn check_parameters(&mut self, path: &str, parameters: &[Parameter], op_at: &Pointer) -> Result<(), Error> {
        let named = template_names(path);
        for p in parameters {
            match p.location {
                Location::Path if !named.contains(&p.wire_name.as_str()) => {
                    let what = format!(
                        "path parameter `{}` is not in the path template `{path}`: every request is refused",
                        p.wire_name
                    );
                    self.doubt(&op_at.push("parameters"), what)?;
                }
                Location::Header if !is_token(&p.wire_name) => {
                    let what = format!(
                        "header parameter `{}` is not a valid header name: no client can send it",
                        p.wire_name.escape_debug()
                    );
                    self.doubt(&op_at.push("parameters"), what)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Path-level parameters, overridden by operation-level ones with the
    /// same name and location.
    fn lower_parameters(
        &mut self,
        path_level: &[ReferenceOr<openapiv3::Parameter>],
        op_level: &[ReferenceOr<openapiv3::Parameter>],
        item_at: &Pointer,
        op_at: &Pointer,
        type_prefix: &str,
    ) -> Result<Vec<Parameter>, Error> {
        let mut resolved: Vec<(openapiv3::Parameter, Pointer, Option<String>)> = Vec::new();
        let sources = path_level
            .iter()
            .enumerate()
            .map(|(i, p)| (p, item_at.push("parameters").push(i.to_string())))
            .chain(op_level.iter().enumerate().map(|(i, p)| (p, op_at.push("parameters").push(i.to_string()))));
        for (param, at) in sources {
            let component = component_hint(param);
            let (param, at) = self.resolve(param, &at)?;
            let key = (param.parameter_data_ref().name.clone(), location_of(&param));
            resolved.retain(|(p, _, _)| (p.parameter_data_ref().name.clone(), location_of(p)) != key);
            resolved.push((param, at, component));
        }
        // Argument names of the generated methods are reserved.
        let mut scope = Scope::with_reserved(["params", "body", "request", "response", "principal", "errors", "api"]);
        let mut out = Vec::with_capacity(resolved.len());
        for (param, at, component) in resolved {
            let data = param.parameter_data_ref();
            let hint = component.unwrap_or_else(|| format!("{type_prefix}{}", naming::type_name(&data.name)));
            let (ty, default, check) = match &data.format {
                ParameterSchemaOrContent::Schema(schema) => {
                    let lowered = self.schema_use(schema.into(), &at.push("schema"), &NameHint::Suggest(hint))?;
                    let default = match schema {
                        ReferenceOr::Item(s) => s.schema_data.default.clone(),
                        ReferenceOr::Reference { .. } => None,
                    };
                    (lowered.ty, default, lowered.check)
                }
                ParameterSchemaOrContent::Content(content) => {
                    let body = self.lower_media(content, &at.push("content"), &hint, true)?;
                    match body {
                        Some(b) => (b.ty, None, b.check),
                        None => (TypeRef::String, None, Check::Any),
                    }
                }
            };
            let location = location_of(&param);
            let required = data.required || location == Location::Path;
            let style = style_of(&param);
            // OpenAPI: `explode` defaults to true for form style only.
            let explode = data.explode.unwrap_or(style.explodes_by_default());
            out.push(Parameter {
                name: scope.claim(naming::field_name(&data.name)),
                wire_name: data.name.clone(),
                location,
                required,
                ty,
                doc: doc_of(None, data.description.as_deref()),
                default,
                style,
                explode,
                check,
            });
        }
        Ok(out)
    }

    fn lower_responses(
        &mut self,
        responses: &openapiv3::Responses,
        at: &Pointer,
        type_prefix: &str,
    ) -> Result<Vec<Response>, Error> {
        let mut out = Vec::new();
        let mut variants = Scope::new();
        let statuses = responses
            .responses
            .iter()
            .map(|(code, r)| (status_of(code), r))
            .chain(responses.default.iter().map(|r| (Status::Default, r)));
        for (status, response) in statuses {
            let response_at = at.push(status.to_string());
            let variant = variants.claim(naming::status_variant(status));
            let hint = component_hint(response).unwrap_or_else(|| format!("{type_prefix}{variant}Body"));
            let (response, resolved_at) = self.resolve(response, &response_at)?;
            let body = self.lower_media(&response.content, &resolved_at.push("content"), &hint, true)?;
            let headers = self.lower_response_headers(
                &response.headers,
                &resolved_at.push("headers"),
                &format!("{type_prefix}{variant}"),
            )?;
            let headers_type =
                (!headers.is_empty()).then(|| self.type_scope.claim(format!("{type_prefix}{variant}Headers")));
            out.push(Response {
                status,
                variant,
                shape: VariantShape::of(status, body.is_some(), headers_type.is_some()),
                description: response.description.clone(),
                body,
                headers_type,
                headers,
            });
        }
        Ok(out)
    }

    /// Declared response headers (`Content-Type` is described by the media
    /// type, so OpenAPI says to ignore it here).
    fn lower_response_headers<'h>(
        &mut self,
        headers: impl IntoIterator<Item = (&'h String, &'h ReferenceOr<openapiv3::Header>)>,
        at: &Pointer,
        prefix: &str,
    ) -> Result<Vec<ResponseHeader>, Error> {
        let mut scope = Scope::new();
        let mut out = Vec::new();
        for (wire, header) in headers {
            if wire.eq_ignore_ascii_case("content-type") {
                continue;
            }
            let header_at = at.push(wire);
            let (header, resolved_at) = self.resolve(header, &header_at)?;
            let hint = NameHint::Suggest(format!("{prefix}{}", naming::type_name(wire)));
            let ty = match &header.format {
                ParameterSchemaOrContent::Schema(schema) => {
                    self.schema_type(schema.into(), &resolved_at.push("schema"), &hint)?.ty
                }
                ParameterSchemaOrContent::Content(_) => TypeRef::String,
            };
            out.push(ResponseHeader {
                name: scope.claim(naming::field_name(wire)),
                wire_name: wire.clone(),
                ty,
                required: header.required,
                doc: doc_of(None, header.description.as_deref()),
            });
        }
        Ok(out)
    }

    fn lower_request_body(
        &mut self,
        body: &ReferenceOr<openapiv3::RequestBody>,
        at: &Pointer,
        type_prefix: &str,
    ) -> Result<RequestBody, Error> {
        let hint = component_hint(body).unwrap_or_else(|| format!("{type_prefix}Request"));
        let (body, body_at) = self.resolve(body, at)?;
        let content_at = body_at.push("content");
        let mut variants = Vec::new();
        let mut names = Scope::new();
        for media_type in body.content.keys() {
            let single: openapiv3::Content =
                body.content.iter().filter(|(m, _)| *m == media_type).map(|(m, v)| (m.clone(), v.clone())).collect();
            if let Some(mut lowered) = self.lower_media(&single, &content_at, &hint, false)? {
                lowered.variant = names.claim(encoding_variant(lowered.encoding).to_owned());
                variants.push(lowered);
            }
        }
        let enum_type = (variants.len() > 1).then(|| self.type_scope.claim(format!("{type_prefix}Body")));
        // The server reads the first media type the spec lists.
        Ok(RequestBody {
            required: body.required,
            description: body.description.clone(),
            enum_type,
            variants,
            served: 0,
        })
    }

    /// One body of a content map: JSON preferred when `prefer_json` and several
    /// media types are offered. Its type follows its encoding; examples of
    /// JSON bodies are recorded.
    fn lower_media(
        &mut self,
        content: &openapiv3::Content,
        at: &Pointer,
        hint: &str,
        prefer_json: bool,
    ) -> Result<Option<Body>, Error> {
        let chosen = content.iter().find(|(media, _)| prefer_json && is_json(media)).or_else(|| content.iter().next());
        let Some((media_type, media)) = chosen else {
            return Ok(None);
        };
        let media_at = at.push(media_type);
        let encoding = encoding_of(media_type);
        // Text is checked as a string; other bodies that are not JSON or a
        // form are left to their readers.
        let text =
            || Check::String { min_length: None, max_length: None, pattern: None, format: None, values: Vec::new() };
        let Lowered { ty, check } = match (encoding, &media.schema) {
            (Encoding::Json | Encoding::Form, Some(schema)) => {
                self.schema_use(schema.into(), &media_at.push("schema"), &NameHint::Suggest(hint.to_owned()))?
            }
            (Encoding::Json, None) => Lowered::unchecked(TypeRef::Json),
            (Encoding::Form, None) => Lowered::unchecked(TypeRef::JsonObject),
            // Multipart responses are rare and have no typed reader: raw bytes.
            (Encoding::Multipart, _) if prefer_json => Lowered::unchecked(TypeRef::Bytes),
            (Encoding::Multipart, _) => Lowered::unchecked(TypeRef::Multipart),
            (Encoding::Text, _) => Lowered::new(TypeRef::String, text()),
            (Encoding::Binary, _) => Lowered::unchecked(TypeRef::Bytes),
        };
        let mut first_example = media.example.clone();
        if encoding == Encoding::Json {
            if let Some(example) = &media.example {
                self.record_example(media_at.push("example"), &ty, example);
            }
            for (name, example) in &media.examples {
                let example_at = media_at.push("examples").push(name);
                let (example, _) = self.resolve(example, &example_at)?;
                if let Some(value) = &example.value {
                    self.record_example(example_at.push("value"), &ty, value);
                    first_example.get_or_insert_with(|| value.clone());
                }
            }
        }
        Ok(Some(Body {
            media_type: media_type.clone(),
            encoding,
            ty,
            variant: encoding_variant(encoding).to_owned(),
            check,
            example: first_example,
        }))
    }
}

/// The parameter names of a path template, in order.
fn template_names(path: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else { break };
        names.push(&rest[open + 1..close]);
        rest = &rest[close + 1..];
    }
    names
}

/// What makes a path template unmatchable: an unclosed or stray brace, an
/// empty or repeated name, a name holding `/` or `{`, or two parameters with
/// nothing between them (where one ends is unknowable).
fn template_problems(path: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    // Where the last parameter ended, to find two with nothing between.
    let mut param_end = None;
    let mut i = 0;
    while let Some(offset) = path[i..].find(['{', '}']) {
        let at = i + offset;
        if path.as_bytes()[at] == b'}' {
            problems.push(format!("`{path}` has a `}}` with no `{{` before it"));
            break;
        }
        let Some(close) = path[at + 1..].find(['{', '}']).map(|c| at + 1 + c).filter(|&c| path.as_bytes()[c] == b'}')
        else {
            problems.push(format!("`{path}` has a `{{` that is not closed before the next one or the end"));
            break;
        };
        let name = &path[at + 1..close];
        if name.is_empty() {
            problems.push(format!("`{path}` has an empty parameter name"));
        } else if name.contains('/') {
            problems.push(format!("`{path}` has a parameter name holding `/`"));
        } else if seen.contains(&name) {
            problems.push(format!("`{path}` names the parameter `{name}` twice"));
        }
        if param_end == Some(at) {
            problems.push(format!("`{path}` has two parameters with nothing between them (before `{name}`)"));
        }
        seen.push(name);
        param_end = Some(close + 1);
        i = close + 1;
    }
    problems
}

/// Whether a header name is an RFC 9110 token.
fn is_token(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Splits `/jobs/{id}/data` into literals and parameters. A template name
/// with no declared path parameter gets a string parameter, so the path can
/// still be built.
fn split_path(path: &str, parameters: &mut Vec<Parameter>) -> Vec<PathPart> {
    let mut parts = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        if open > 0 {
            parts.push(PathPart::Literal(rest[..open].to_owned()));
        }
        let wire = &rest[open + 1..close];
        let existing = parameters.iter().find(|p| p.location == Location::Path && p.wire_name == wire);
        let name = match existing {
            Some(p) => p.name.clone(),
            None => {
                let mut scope = Scope::with_reserved(parameters.iter().map(|p| p.name.as_str()).chain([
                    "params",
                    "body",
                    "request",
                    "response",
                    "principal",
                    "errors",
                    "api",
                ]));
                let name = scope.claim(naming::field_name(wire));
                parameters.push(Parameter {
                    name: name.clone(),
                    wire_name: wire.to_owned(),
                    location: Location::Path,
                    required: true,
                    ty: TypeRef::String,
                    doc: None,
                    default: None,
                    style: Style::Simple,
                    explode: false,
                    check: Check::String {
                        min_length: None,
                        max_length: None,
                        pattern: None,
                        format: None,
                        values: Vec::new(),
                    },
                });
                name
            }
        };
        parts.push(PathPart::Param(name));
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(PathPart::Literal(rest.to_owned()));
    }
    parts
}

fn encoding_of(media_type: &str) -> Encoding {
    let essence = media_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if is_json(&essence) {
        Encoding::Json
    } else if essence == "application/x-www-form-urlencoded" {
        Encoding::Form
    } else if essence.starts_with("multipart/") {
        Encoding::Multipart
    } else if essence.starts_with("text/") {
        Encoding::Text
    } else {
        Encoding::Binary
    }
}

fn encoding_variant(encoding: Encoding) -> &'static str {
    match encoding {
        Encoding::Json => "Json",
        Encoding::Form => "Form",
        Encoding::Multipart => "Multipart",
        Encoding::Text => "Text",
        Encoding::Binary => "Binary",
    }
}

/// `application/json`, `application/problem+json`, `text/json`, ...
pub(crate) fn is_json(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json") || essence == "text/json"
}

/// A `$ref` to `#/components/<kind>/<Name>` suggests the type name `Name`.
fn component_hint<T>(item: &ReferenceOr<T>) -> Option<String> {
    match item {
        ReferenceOr::Reference { reference } => reference
            .strip_prefix("#/components/")
            .and_then(|rest| rest.split_once('/'))
            .map(|(_, name)| naming::type_name(name)),
        ReferenceOr::Item(_) => None,
    }
}

fn status_of(code: &StatusCode) -> Status {
    match code {
        StatusCode::Code(c) => Status::Code(*c),
        StatusCode::Range(r) => Status::Range(*r),
    }
}

/// Response indices in the order a status is matched against them: codes,
/// then ranges, then `default`, each in document order.
fn match_order(responses: &[Response]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..responses.len()).collect();
    order.sort_by_key(|&i| responses[i].status.precedence());
    order
}

fn style_of(param: &openapiv3::Parameter) -> Style {
    use openapiv3::{CookieStyle, HeaderStyle, PathStyle, QueryStyle};
    match param {
        openapiv3::Parameter::Path { style, .. } => match style {
            PathStyle::Simple => Style::Simple,
            PathStyle::Label => Style::Label,
            PathStyle::Matrix => Style::Matrix,
        },
        openapiv3::Parameter::Query { style, .. } => match style {
            QueryStyle::Form => Style::Form,
            QueryStyle::SpaceDelimited => Style::SpaceDelimited,
            QueryStyle::PipeDelimited => Style::PipeDelimited,
            QueryStyle::DeepObject => Style::DeepObject,
        },
        openapiv3::Parameter::Header { style: HeaderStyle::Simple, .. } => Style::Simple,
        openapiv3::Parameter::Cookie { style: CookieStyle::Form, .. } => Style::Form,
    }
}

fn location_of(param: &openapiv3::Parameter) -> Location {
    match param {
        openapiv3::Parameter::Path { .. } => Location::Path,
        openapiv3::Parameter::Query { .. } => Location::Query,
        openapiv3::Parameter::Header { .. } => Location::Header,
        openapiv3::Parameter::Cookie { .. } => Location::Cookie,
    }
}
