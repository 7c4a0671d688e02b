//! Operations: names, parameters, request bodies and responses, and the
//! inline schemas they use (named after the operation or the component
//! that holds them).

use super::schema::SchemaSrc;
use super::{doc_of, Lowerer, NameHint};
use crate::error::{Error, Pointer};
use crate::ir::{Body, Location, Operation, Parameter, Response, TypeRef};
use crate::naming::{self, Scope};
use openapiv3::{ParameterSchemaOrContent, ReferenceOr, StatusCode};



impl Lowerer<'_> {
    pub(super) fn lower_operations(&mut self) -> Result<Vec<Operation>, Error> {
        let doc = self.doc;
        let mut scope = Scope::new();
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
            for (method, op) in item.iter() {
                let op_at = item_at.push(method);
                let raw_name = match &op.operation_id {
                    Some(id) if !id.trim().is_empty() => id.clone(),
                    _ => format!("{method} {path}"),
                };
                let name = scope.claim(naming::field_name(&raw_name));
                let type_prefix = naming::type_name(&name);
                let parameters = self.lower_parameters(&item.parameters, &op.parameters, &item_at, &op_at, &type_prefix)?;
                let request_body = match &op.request_body {
                    None => None,
                    Some(body) => {
                        let body_at = op_at.push("requestBody");
                        let hint = component_hint(body).unwrap_or_else(|| format!("{type_prefix}Request"));
                        let (body, at) = self.resolve(body, &body_at)?;
                        self.lower_content(&body.content, &at.push("content"), &hint)?.map(|mut b| {
                            b.required = body.required;
                            b
                        })
                    }
                };
                let responses = self.lower_responses(&op.responses, &op_at.push("responses"), &type_prefix)?;
                operations.push(Operation {
                    name,
                    operation_id: op.operation_id.clone(),
                    method: method.to_owned(),
                    path: path.clone(),
                    summary: op.summary.clone(),
                    description: op.description.clone(),
                    parameters,
                    request_body,
                    responses,
                    pointer: op_at.to_string(),
                });
            }
        }
        Ok(operations)
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
        let mut scope = Scope::new();
        let mut out = Vec::with_capacity(resolved.len());
        for (param, at, component) in resolved {
            let data = param.parameter_data_ref();
            let hint = component.unwrap_or_else(|| format!("{type_prefix}{}", naming::type_name(&data.name)));
            let (ty, default, nullable) = match &data.format {
                ParameterSchemaOrContent::Schema(schema) => {
                    let schema_at = at.push("schema");
                    let src = SchemaSrc::from(schema);
                    let ty = self.schema_type(src, &schema_at, &NameHint::Suggest(hint))?;
                    let default = match schema {
                        ReferenceOr::Item(s) => s.schema_data.default.clone(),
                        ReferenceOr::Reference { .. } => None,
                    };
                    (ty, default, self.is_nullable(src, &schema_at))
                }
                ParameterSchemaOrContent::Content(content) => {
                    let body = self.lower_content(content, &at.push("content"), &hint)?;
                    (body.and_then(|b| b.ty).unwrap_or(TypeRef::String), None, false)
                }
            };
            let location = location_of(&param);
            let required = data.required || location == Location::Path;
            out.push(Parameter {
                name: scope.claim(naming::field_name(&data.name)),
                wire_name: data.name.clone(),
                location,
                required,
                ty: if nullable { ty.option() } else { ty },
                doc: doc_of(None, data.description.as_deref()),
                default,
            });
        }
        Ok(out)
    }

    fn lower_responses(&mut self, responses: &openapiv3::Responses, at: &Pointer, type_prefix: &str) -> Result<Vec<Response>, Error> {
        let mut out = Vec::new();
        let mut first_success = true;
        let statuses = responses.responses.iter()
            .map(|(code, r)| (status_text(code), r))
            .chain(responses.default.iter().map(|r| ("default".to_owned(), r)));
        for (status, response) in statuses {
            let response_at = at.push(&status);
            let hint = component_hint(response).unwrap_or_else(|| {
                if status.starts_with('2') && first_success {
                    first_success = false;
                    format!("{type_prefix}Response")
                } else {
                    format!("{type_prefix}Response{}", naming::type_name(&status))
                }
            });
            let (response, resolved_at) = self.resolve(response, &response_at)?;
            let body = self.lower_content(&response.content, &resolved_at.push("content"), &hint)?;
            out.push(Response {
                status,
                description: response.description.clone(),
                body,
            });
        }
        Ok(out)
    }

    /// A body's media type (JSON preferred when several are offered), its
    /// type, and its examples.
    fn lower_content(&mut self, content: &openapiv3::Content, at: &Pointer, hint: &str) -> Result<Option<Body>, Error> {
        let chosen = content
            .iter()
            .find(|(media, _)| is_json(media))
            .or_else(|| content.iter().next());
        let Some((media_type, media)) = chosen else {
            return Ok(None);
        };
        let media_at = at.push(media_type);
        let ty = match &media.schema {
            None => None,
            Some(schema) => Some(self.schema_type(schema.into(), &media_at.push("schema"), &NameHint::Suggest(hint.to_owned()))?),
        };
        if let Some(ty) = &ty {
            if let Some(example) = &media.example {
                self.record_example(media_at.push("example"), ty, example);
            }
            for (name, example) in &media.examples {
                let example_at = media_at.push("examples").push(name);
                let (example, _) = self.resolve(example, &example_at)?;
                if let Some(value) = &example.value {
                    self.record_example(example_at.push("value"), ty, value);
                }
            }
        }
        Ok(Some(Body {
            media_type: media_type.clone(),
            ty,
            required: true,
        }))
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

fn status_text(code: &StatusCode) -> String {
    match code {
        StatusCode::Code(c) => c.to_string(),
        StatusCode::Range(r) => format!("{r}XX"),
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
