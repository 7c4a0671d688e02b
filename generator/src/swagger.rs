//! Swagger 2.0 → OpenAPI 3.0, on the raw JSON tree before parsing, so
//! everything after reads one model.
//!
//! - `definitions`, `parameters`, `responses` and `securityDefinitions`
//!   become components (and refs to them follow);
//! - a `body` parameter becomes the request body, in every media type of
//!   `consumes`; `formData` parameters become one object schema sent as
//!   `application/x-www-form-urlencoded`, or `multipart/form-data` when
//!   `consumes` says so or a parameter is a `file`;
//! - a response's `schema` is its body in every media type of `produces`,
//!   its `examples` the examples of those media types;
//! - `host`, `basePath` and `schemes` become `servers`;
//! - `collectionFormat` becomes `style`/`explode`, `type: file` a binary
//!   string, `x-nullable` `nullable`, a string `discriminator` its
//!   `propertyName`; OAuth2 flows are renamed (`application` is client
//!   credentials, `accessCode` authorization code).
//!
//! What 3.0 cannot say (a `tsv` collection, `ssv` in a header, schemes per
//! operation) leaves a note. Each moved node keeps an [`Origin`], so a
//! message about it names its place in the 2.0 document.

use crate::error::{escape_segment, unescape_segment};
use crate::ir::{Origin, Warning};
use serde_json::{json, Map, Value};

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch"];

struct Converter<'a> {
    notes: &'a mut Vec<Warning>,
    origins: Vec<Origin>,
    source: &'a str,
    /// The document's global `parameters`, to know what a ref names.
    global_parameters: Map<String, Value>,
    consumes: Vec<String>,
    produces: Vec<String>,
    /// The document's `schemes`.
    schemes: Vec<String>,
    /// The document's global `responses`, as written.
    global_responses: Map<String, Value>,
}

/// Converts a 2.0 document in place. `origins` are the copies the bundler
/// made (in 2.0 places); they are moved with their nodes, and the places of
/// the moved nodes are added.
pub fn convert(source: &str, doc: &mut Value, notes: &mut Vec<Warning>, origins: &mut Vec<Origin>) {
    let Some(root) = doc.as_object_mut() else { return };
    let mut old = std::mem::take(root);
    let strings = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let mut cx = Converter {
        notes,
        origins: Vec::new(),
        source,
        global_parameters: old.get("parameters").and_then(Value::as_object).cloned().unwrap_or_default(),
        consumes: strings(old.get("consumes")),
        produces: strings(old.get("produces")),
        schemes: strings(old.get("schemes")),
        global_responses: old.get("responses").and_then(Value::as_object).cloned().unwrap_or_default(),
    };
    let mut out = Map::new();
    out.insert("openapi".into(), Value::String("3.0.3".into()));
    out.insert("info".into(), old.remove("info").unwrap_or_else(|| json!({"title": "", "version": ""})));
    let servers = servers(&old);
    if !servers.is_empty() {
        out.insert("servers".into(), Value::Array(servers));
    }
    let mut components = Map::new();
    if let Some(Value::Object(definitions)) = old.remove("definitions") {
        let schemas: Map<String, Value> = definitions
            .into_iter()
            .map(|(k, mut v)| {
                schema(&mut v);
                (k, v)
            })
            .collect();
        components.insert("schemas".into(), Value::Object(schemas));
        cx.moved("/components/schemas", "/definitions");
    }
    let mut parameters = Map::new();
    let mut bodies = Map::new();
    for (name, param) in cx.global_parameters.clone() {
        let at = format!("/parameters/{}", escape_segment(&name));
        match param.get("in").and_then(Value::as_str) {
            Some("body") => {
                bodies.insert(name.clone(), cx.body(&param, &cx.consumes.clone()));
                cx.moved(&format!("/components/requestBodies/{}", escape_segment(&name)), &at);
            }
            // A form field has no component of its own in 3.0: refs to it
            // are replaced by the field where they are used.
            Some("formData") => {}
            _ => {
                parameters.insert(name.clone(), cx.parameter(param, &at));
                cx.moved(&format!("/components/parameters/{}", escape_segment(&name)), &at);
            }
        }
    }
    if !parameters.is_empty() {
        components.insert("parameters".into(), Value::Object(parameters));
    }
    if !bodies.is_empty() {
        components.insert("requestBodies".into(), Value::Object(bodies));
    }
    if let Some(Value::Object(responses)) = old.remove("responses") {
        let produces = cx.produces.clone();
        let converted: Map<String, Value> =
            responses.into_iter().map(|(k, v)| (k, cx.response(v, &produces))).collect();
        components.insert("responses".into(), Value::Object(converted));
        cx.moved("/components/responses", "/responses");
    }
    if let Some(Value::Object(definitions)) = old.remove("securityDefinitions") {
        let schemes: Map<String, Value> = definitions.into_iter().map(|(k, v)| (k, security_scheme(v))).collect();
        components.insert("securitySchemes".into(), Value::Object(schemes));
        cx.moved("/components/securitySchemes", "/securityDefinitions");
    }
    let paths = match old.remove("paths") {
        Some(Value::Object(paths)) => cx.paths(paths),
        _ => Map::new(),
    };
    out.insert("paths".into(), Value::Object(paths));
    if !components.is_empty() {
        out.insert("components".into(), Value::Object(components));
    }
    for key in ["security", "tags", "externalDocs"] {
        if let Some(v) = old.remove(key) {
            out.insert(key.into(), v);
        }
    }
    for (key, value) in old {
        if key.starts_with("x-") {
            out.insert(key, value);
        }
    }
    *root = out;
    rewrite_refs(doc);
    // The bundler's copies moved with their sections.
    for origin in origins.iter_mut() {
        for (from, to) in [
            ("/definitions/", "/components/schemas/"),
            ("/parameters/", "/components/parameters/"),
            ("/responses/", "/components/responses/"),
        ] {
            if let Some(rest) = origin.local.strip_prefix(from) {
                origin.local = format!("{to}{rest}");
            }
        }
    }
    origins.extend(cx.origins);
}

impl Converter<'_> {
    fn note(&mut self, pointer: String, message: impl Into<String>) {
        self.notes.push(Warning { pointer, message: message.into() });
    }

    fn moved(&mut self, local: &str, pointer: &str) {
        self.origins.push(Origin { local: local.into(), file: self.source.into(), pointer: pointer.into() });
    }

    fn paths(&mut self, paths: Map<String, Value>) -> Map<String, Value> {
        let mut out = Map::new();
        for (path, item) in paths {
            let at = format!("/paths/{}", escape_segment(&path));
            let Value::Object(mut item) = item else {
                out.insert(path, item);
                continue;
            };
            let shared: Vec<Value> = match item.remove("parameters") {
                Some(Value::Array(list)) => list,
                _ => Vec::new(),
            };
            let mut converted = Map::new();
            for (key, value) in item {
                if METHODS.contains(&key.as_str()) {
                    let op_at = format!("{at}/{key}");
                    converted.insert(key, self.operation(value, &shared, &op_at));
                } else {
                    converted.insert(key, value);
                }
            }
            out.insert(path, Value::Object(converted));
        }
        out
    }

    /// A parameter with its ref followed to the global parameters.
    /// A parameter with its refs followed through the global parameters,
    /// and the name of the last global it reached, if any.
    fn follow<'p>(&'p self, param: &'p Value) -> (Option<&'p str>, &'p Value) {
        let mut name = None;
        let mut current = param;
        for _ in 0..crate::lower::MAX_ALIAS_HOPS {
            let Some(next) = current.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/parameters/"))
            else {
                break;
            };
            match self.global_parameters.get(&unescape_segment(next)) {
                Some(found) => {
                    name = Some(next);
                    current = found;
                }
                None => break,
            }
        }
        (name, current)
    }

    fn resolved<'p>(&'p self, param: &'p Value) -> &'p Value {
        self.follow(param).1
    }

    fn operation(&mut self, op: Value, shared: &[Value], at: &str) -> Value {
        let Value::Object(mut op) = op else { return op };
        let strings = |v: Option<Value>| -> Option<Vec<String>> {
            v.and_then(|v| v.as_array().map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect()))
        };
        let consumes = strings(op.remove("consumes")).unwrap_or_else(|| self.consumes.clone());
        let produces = strings(op.remove("produces")).unwrap_or_else(|| self.produces.clone());
        if let Some(schemes) = strings(op.remove("schemes")) {
            let mut own = schemes.clone();
            own.sort();
            let mut document = self.schemes.clone();
            document.sort();
            if !document.is_empty() && own != document {
                self.note(format!("{at}/schemes"), "schemes per operation are not kept; the document's servers apply");
            }
        }
        let own: Vec<Value> = match op.remove("parameters") {
            Some(Value::Array(list)) => list,
            _ => Vec::new(),
        };
        // Path-level parameters, overridden by the operation's own of the
        // same name and location; the pointer each came from.
        let key = |p: &Value| {
            let p = self.resolved(p);
            let location = p.get("in").and_then(Value::as_str).unwrap_or("").to_owned();
            // There is one body, whatever its name.
            let name = if location == "body" { "" } else { p.get("name").and_then(Value::as_str).unwrap_or("") };
            (name.to_owned(), location)
        };
        let own_keys: Vec<(String, String)> = own.iter().map(key).collect();
        let path_at = at.rsplit_once('/').map(|(p, _)| p.to_owned()).unwrap_or_default();
        let mut all: Vec<(Value, String)> = shared
            .iter()
            .enumerate()
            .filter(|(_, p)| !own_keys.contains(&key(p)))
            .map(|(i, p)| (p.clone(), format!("{path_at}/parameters/{i}")))
            .collect();
        all.extend(own.into_iter().enumerate().map(|(i, p)| (p, format!("{at}/parameters/{i}"))));
        let mut parameters = Vec::new();
        let mut body: Option<(Value, String)> = None;
        let mut form: Vec<(Value, String)> = Vec::new();
        for (param, param_at) in all {
            let resolved = self.resolved(&param).clone();
            match resolved.get("in").and_then(Value::as_str) {
                Some("body") => {
                    if body.is_some() {
                        self.note(param_at, "a second `body` parameter is ignored");
                    } else {
                        body = Some((param, param_at));
                    }
                }
                Some("formData") => form.push((resolved, param_at)),
                _ if param.get("$ref").is_some() => parameters.push(param),
                _ => parameters.push(self.parameter(param, &param_at)),
            }
        }
        if !parameters.is_empty() {
            op.insert("parameters".into(), Value::Array(parameters));
        }
        if let Some((param, param_at)) = body {
            // A global body keeps its ref where the media types are the
            // document's; otherwise it is written out with the operation's.
            let request = match self.follow(&param).0.map(str::to_owned) {
                Some(name) if consumes == self.consumes => {
                    json!({"$ref": format!("#/components/requestBodies/{name}")})
                }
                _ => {
                    let resolved = self.resolved(&param).clone();
                    self.body(&resolved, &consumes)
                }
            };
            op.insert("requestBody".into(), request);
            self.moved(&format!("{at}/requestBody"), &param_at);
        } else if !form.is_empty() {
            let request = self.form(&form, &consumes, at);
            op.insert("requestBody".into(), request);
            if let Some((_, first)) = form.first() {
                let first = first.clone();
                self.moved(&format!("{at}/requestBody"), &first);
            }
        }
        if let Some(Value::Object(responses)) = op.remove("responses") {
            let mut converted = Map::new();
            for (code, r) in responses {
                if code.starts_with("x-") {
                    converted.insert(code, r);
                    continue;
                }
                let global = r
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/responses/"))
                    .and_then(|name| self.global_responses.get(&unescape_segment(name)))
                    .cloned();
                let r = match global {
                    // A global response is written with the document's
                    // media types; the operation's own need their copy.
                    Some(global) if produces != self.produces => self.response(global, &produces),
                    _ if r.get("$ref").is_some() => r,
                    _ => self.response(r, &produces),
                };
                converted.insert(code, r);
            }
            op.insert("responses".into(), Value::Object(converted));
        }
        Value::Object(op)
    }

    /// A `body` parameter as a request body.
    fn body(&mut self, param: &Value, consumes: &[String]) -> Value {
        let mut schema_value = param.get("schema").cloned().unwrap_or_else(|| json!({}));
        schema(&mut schema_value);
        let media: Vec<String> = if consumes.is_empty() { vec!["application/json".into()] } else { consumes.to_vec() };
        let content: Map<String, Value> =
            media.into_iter().map(|m| (m, json!({"schema": schema_value.clone()}))).collect();
        let mut body = Map::new();
        if let Some(d) = param.get("description") {
            body.insert("description".into(), d.clone());
        }
        body.insert("required".into(), Value::Bool(param.get("required").and_then(Value::as_bool).unwrap_or(false)));
        body.insert("content".into(), Value::Object(content));
        copy_extensions(param, &mut body);
        Value::Object(body)
    }

    /// `formData` parameters as one object schema.
    fn form(&mut self, fields: &[(Value, String)], consumes: &[String], at: &str) -> Value {
        let mut properties = Map::new();
        let mut required = Vec::new();
        let mut has_file = false;
        for (field, field_at) in fields {
            let name = field.get("name").and_then(Value::as_str).unwrap_or("").to_owned();
            has_file |= field.get("type").and_then(Value::as_str) == Some("file");
            let mut property = self.simple_schema(field, field_at);
            if let (Some(d), Value::Object(p)) = (field.get("description"), &mut property) {
                p.insert("description".into(), d.clone());
            }
            if field.get("required").and_then(Value::as_bool) == Some(true) {
                required.push(Value::String(name.clone()));
            }
            properties.insert(name, property);
        }
        let mut object = json!({"type": "object", "properties": properties});
        if !required.is_empty() {
            object["required"] = Value::Array(required.clone());
        }
        let multipart = consumes.iter().any(|c| c.starts_with("multipart/form-data"));
        let urlencoded = consumes.iter().any(|c| c.starts_with("application/x-www-form-urlencoded"));
        let mut media = Vec::new();
        if multipart || has_file {
            media.push("multipart/form-data");
        }
        if urlencoded && !has_file || media.is_empty() {
            media.push("application/x-www-form-urlencoded");
        }
        if has_file && urlencoded {
            self.note(format!("{at}/consumes"), "a file cannot be sent URL-encoded; the form is multipart only");
        }
        // 2.0 sends a form array as `a=1,2` unless it says `multi`; 3.0's
        // form default is `a=1&a=2`, so each array field says its style.
        let mut encoding = Map::new();
        for (field, field_at) in fields {
            if field.get("type").and_then(Value::as_str) != Some("array") {
                continue;
            }
            let name = field.get("name").and_then(Value::as_str).unwrap_or("").to_owned();
            let (style, explode) = match field.get("collectionFormat").and_then(Value::as_str).unwrap_or("csv") {
                "multi" => ("form", true),
                "ssv" => ("spaceDelimited", false),
                "pipes" => ("pipeDelimited", false),
                "csv" => ("form", false),
                other => {
                    self.note(
                        format!("{field_at}/collectionFormat"),
                        format!("collectionFormat `{other}` has no 3.0 form; read as comma-separated"),
                    );
                    ("form", false)
                }
            };
            encoding.insert(name, json!({"style": style, "explode": explode}));
        }
        let content: Map<String, Value> = media
            .into_iter()
            .map(|m| {
                let mut media_type = json!({"schema": object.clone()});
                if !encoding.is_empty() && m == "application/x-www-form-urlencoded" {
                    media_type["encoding"] = Value::Object(encoding.clone());
                }
                (m.to_owned(), media_type)
            })
            .collect();
        json!({"required": !required.is_empty(), "content": content})
    }

    /// A non-body parameter: its type fields move into `schema`.
    fn parameter(&mut self, param: Value, at: &str) -> Value {
        let Value::Object(fields) = &param else { return param };
        if fields.contains_key("$ref") {
            return param;
        }
        let location = fields.get("in").and_then(Value::as_str).unwrap_or("query").to_owned();
        let mut out = Map::new();
        for key in ["name", "in", "description", "required", "deprecated", "allowEmptyValue"] {
            if let Some(v) = fields.get(key) {
                out.insert(key.into(), v.clone());
            }
        }
        if location == "path" {
            out.insert("required".into(), Value::Bool(true));
        }
        copy_extensions(&param, &mut out);
        out.insert("schema".into(), self.simple_schema(&param, at));
        if fields.get("type").and_then(Value::as_str) == Some("array") {
            let format = fields.get("collectionFormat").and_then(Value::as_str).unwrap_or("csv");
            let (style, explode) = match (format, location.as_str()) {
                ("multi", "query") => ("form", true),
                ("csv", "query") => ("form", false),
                ("ssv", "query") => ("spaceDelimited", false),
                ("pipes", "query") => ("pipeDelimited", false),
                ("csv", _) => ("simple", false),
                (other, where_) => {
                    self.note(
                        format!("{at}/collectionFormat"),
                        format!("collectionFormat `{other}` has no 3.0 form in {where_}; read as comma-separated"),
                    );
                    (if where_ == "query" { "form" } else { "simple" }, false)
                }
            };
            out.insert("style".into(), Value::String(style.into()));
            out.insert("explode".into(), Value::Bool(explode));
        }
        Value::Object(out)
    }

    /// The schema of a parameter, header or items object (2.0 keeps their
    /// type fields on the object itself).
    fn simple_schema(&mut self, fields: &Value, at: &str) -> Value {
        let mut schema_map = Map::new();
        for key in [
            "type",
            "format",
            "enum",
            "default",
            "maximum",
            "exclusiveMaximum",
            "minimum",
            "exclusiveMinimum",
            "maxLength",
            "minLength",
            "pattern",
            "maxItems",
            "minItems",
            "uniqueItems",
            "multipleOf",
            "x-nullable",
        ] {
            if let Some(v) = fields.get(key) {
                schema_map.insert(key.into(), v.clone());
            }
        }
        if let Some(items) = fields.get("items").filter(|i| i.get("$ref").is_some()) {
            schema_map.insert("items".into(), items.clone());
        } else if let Some(items) = fields.get("items") {
            if items.get("collectionFormat").is_some_and(|f| f != "csv") {
                self.note(
                    format!("{at}/items/collectionFormat"),
                    "a nested collectionFormat is read as comma-separated",
                );
            }
            schema_map.insert("items".into(), self.simple_schema(items, &format!("{at}/items")));
        }
        let mut value = Value::Object(schema_map);
        schema(&mut value);
        value
    }

    fn response(&mut self, response: Value, produces: &[String]) -> Value {
        let Value::Object(mut fields) = response else { return response };
        let mut out = Map::new();
        out.insert("description".into(), fields.remove("description").unwrap_or_else(|| Value::String(String::new())));
        if let Some(Value::Object(headers)) = fields.remove("headers") {
            let converted: Map<String, Value> = headers
                .into_iter()
                .map(|(name, header)| {
                    let mut h = Map::new();
                    if let Some(d) = header.get("description") {
                        h.insert("description".into(), d.clone());
                    }
                    h.insert("schema".into(), self.simple_schema(&header, ""));
                    (name, Value::Object(h))
                })
                .collect();
            out.insert("headers".into(), Value::Object(converted));
        }
        let examples = match fields.remove("examples") {
            Some(Value::Object(e)) => e,
            _ => Map::new(),
        };
        if let Some(mut body_schema) = fields.remove("schema") {
            schema(&mut body_schema);
            let binary = body_schema.get("format").and_then(Value::as_str) == Some("binary");
            let media: Vec<String> = match produces {
                [] if binary => vec!["application/octet-stream".into()],
                [] => vec!["application/json".into()],
                list => list.to_vec(),
            };
            let content: Map<String, Value> = media
                .into_iter()
                .map(|m| {
                    let mut media_type = json!({"schema": body_schema.clone()});
                    if let Some(example) = examples.get(&m) {
                        media_type["example"] = example.clone();
                    }
                    (m, media_type)
                })
                .collect();
            out.insert("content".into(), Value::Object(content));
        }
        for (key, value) in fields {
            if key.starts_with("x-") {
                out.insert(key, value);
            }
        }
        Value::Object(out)
    }
}

fn copy_extensions(from: &Value, into: &mut Map<String, Value>) {
    for (key, value) in from.as_object().into_iter().flatten() {
        if key.starts_with("x-") {
            into.insert(key.clone(), value.clone());
        }
    }
}

/// `servers` from `host`, `basePath` and `schemes`.
fn servers(old: &Map<String, Value>) -> Vec<Value> {
    let base_path = old.get("basePath").and_then(Value::as_str).unwrap_or("").trim_end_matches('/');
    let base_path =
        if base_path.is_empty() || base_path.starts_with('/') { base_path.to_owned() } else { format!("/{base_path}") };
    match old.get("host").and_then(Value::as_str) {
        Some(host) => {
            let mut schemes: Vec<&str> = old
                .get("schemes")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            // The secure scheme first, so it is the default server.
            schemes.sort_by_key(|s| !matches!(*s, "https" | "wss"));
            if schemes.is_empty() {
                schemes.push("https");
            }
            schemes.iter().map(|scheme| json!({"url": format!("{scheme}://{host}{base_path}")})).collect()
        }
        None if !base_path.is_empty() => vec![json!({"url": base_path})],
        None => Vec::new(),
    }
}

fn security_scheme(scheme: Value) -> Value {
    let Value::Object(fields) = &scheme else { return scheme };
    let description = fields.get("description").cloned();
    let mut out = match fields.get("type").and_then(Value::as_str) {
        Some("basic") => json!({"type": "http", "scheme": "basic"}),
        Some("apiKey") => {
            json!({"type": "apiKey", "name": fields.get("name").cloned().unwrap_or(Value::Null), "in": fields.get("in").cloned().unwrap_or(Value::Null)})
        }
        Some("oauth2") => {
            let scopes = fields.get("scopes").cloned().unwrap_or_else(|| json!({}));
            let url = |key: &str| fields.get(key).cloned().unwrap_or_else(|| Value::String(String::new()));
            let (name, flow) = match fields.get("flow").and_then(Value::as_str) {
                Some("implicit") => {
                    ("implicit", json!({"authorizationUrl": url("authorizationUrl"), "scopes": scopes}))
                }
                Some("password") => ("password", json!({"tokenUrl": url("tokenUrl"), "scopes": scopes})),
                Some("application") => ("clientCredentials", json!({"tokenUrl": url("tokenUrl"), "scopes": scopes})),
                _ => (
                    "authorizationCode",
                    json!({"authorizationUrl": url("authorizationUrl"), "tokenUrl": url("tokenUrl"), "scopes": scopes}),
                ),
            };
            json!({"type": "oauth2", "flows": {name: flow}})
        }
        _ => return scheme,
    };
    if let (Some(d), Value::Object(map)) = (description, &mut out) {
        map.insert("description".into(), d);
    }
    out
}

/// A 2.0 schema as 3.0, in place, with every schema inside it.
fn schema(value: &mut Value) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        let Value::Object(map) = v else { continue };
        if map.get("type").and_then(Value::as_str) == Some("file") {
            map.insert("type".into(), Value::String("string".into()));
            map.insert("format".into(), Value::String("binary".into()));
        }
        for key in ["x-nullable", "x-isnullable"] {
            if let Some(Value::Bool(nullable)) = map.remove(key) {
                map.insert("nullable".into(), Value::Bool(nullable));
            }
        }
        // A nullable ref (`$ref` beside `x-nullable`): 3.0 ignores the
        // siblings of a `$ref`, so the ref moves into an `allOf`.
        if map.get("nullable") == Some(&Value::Bool(true)) {
            if let Some(reference) = map.remove("$ref") {
                map.insert("allOf".into(), json!([{"$ref": reference}]));
            }
        }
        if let Some(Value::String(property)) = map.get("discriminator").cloned() {
            map.insert("discriminator".into(), json!({"propertyName": property}));
        }
        // `required: true` on a property (a common 2.0 slip) means the
        // parent requires it.
        let mut required_here = Vec::new();
        if let Some(Value::Object(properties)) = map.get_mut("properties") {
            for (name, property) in properties.iter_mut() {
                if let Some(Value::Object(p)) = Some(&mut *property) {
                    if let Some(Value::Bool(required)) = p.get("required").cloned() {
                        p.remove("required");
                        if required {
                            required_here.push(Value::String(name.clone()));
                        }
                    }
                }
            }
        }
        if !required_here.is_empty() {
            match map.get_mut("required") {
                Some(Value::Array(list)) => list.extend(required_here),
                _ => {
                    map.insert("required".into(), Value::Array(required_here));
                }
            }
        }
        for (key, child) in map.iter_mut() {
            match (key.as_str(), child) {
                ("properties", Value::Object(props)) => stack.extend(props.values_mut()),
                ("allOf" | "anyOf" | "oneOf", Value::Array(parts)) => stack.extend(parts.iter_mut()),
                ("items" | "additionalProperties" | "not", child @ Value::Object(_)) => stack.push(child),
                ("items", Value::Array(parts)) => stack.extend(parts.iter_mut()),
                _ => {}
            }
        }
    }
}

/// Refs to 2.0 sections, pointed at their 3.0 places.
fn rewrite_refs(doc: &mut Value) {
    let mut stack = vec![doc];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get_mut("$ref") {
                    for (from, to) in [
                        ("#/definitions/", "#/components/schemas/"),
                        ("#/parameters/", "#/components/parameters/"),
                        ("#/responses/", "#/components/responses/"),
                    ] {
                        if let Some(rest) = r.strip_prefix(from) {
                            *r = format!("{to}{rest}");
                            break;
                        }
                    }
                }
                stack.extend(map.values_mut());
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
}
