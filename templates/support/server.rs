//! HTTP runtime of the generated servers: routing, parameter and body
//! extraction with validation against the spec's schemas, security
//! enforcement, and RFC 9457 problem responses.
//!
//! Every request error is a [`Problem`] (4xx with `application/problem+json`
//! naming each failing field by JSON pointer: `/path/id`, `/query/page`,
//! `/header/x-id`, `/body/items/0/name`). Nothing here panics on input.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};

// ---------------------------------------------------------------- schemas

/// What a JSON value must satisfy: the spec's schema, as static data.
#[derive(Debug)]
pub enum Schema {
    Any,
    /// A named type's schema.
    Ref(&'static Schema),
    Nullable(&'static Schema),
    Boolean,
    Integer { minimum: Option<f64>, maximum: Option<f64>, exclusive_minimum: bool, exclusive_maximum: bool, int32: bool },
    Number { minimum: Option<f64>, maximum: Option<f64>, exclusive_minimum: bool, exclusive_maximum: bool },
    String { min_length: Option<u64>, max_length: Option<u64>, pattern: Option<&'static str>, values: &'static [&'static str] },
    Array { items: &'static Schema, min_items: Option<u64>, max_items: Option<u64>, unique_items: bool },
    Object { properties: &'static [(&'static str, &'static Schema)], required: &'static [&'static str], additional: Additional },
}

impl Schema {
    /// Any string.
    pub const STRING: Schema = Schema::String { min_length: None, max_length: None, pattern: None, values: &[] };
    /// Any 64-bit integer.
    pub const INTEGER: Schema = Schema::Integer { minimum: None, maximum: None, exclusive_minimum: false, exclusive_maximum: false, int32: false };
    /// Any 32-bit integer.
    pub const INT32: Schema = Schema::Integer { minimum: None, maximum: None, exclusive_minimum: false, exclusive_maximum: false, int32: true };
    /// Any number.
    pub const NUMBER: Schema = Schema::Number { minimum: None, maximum: None, exclusive_minimum: false, exclusive_maximum: false };
}

/// What to do with properties a schema does not name.
#[derive(Debug)]
pub enum Additional {
    Allow,
    Deny,
    Check(&'static Schema),
}

/// One failing field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// JSON pointer of the field (`/body/siteCode`, `/query/pageSize`).
    pub pointer: String,
    pub detail: String,
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn push(errors: &mut Vec<FieldError>, pointer: &str, detail: impl Into<String>) {
    errors.push(FieldError { pointer: pointer.to_owned(), detail: detail.into() });
}

/// Patterns are compiled once; one the `regex` crate cannot compile (the
/// spec's ECMA dialect has lookarounds) is not checked rather than failing.
fn pattern_matches(pattern: &'static str, text: &str) -> bool {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Option<regex::Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut cache = match cache.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    let compiled = cache.entry(pattern).or_insert_with(|| regex::Regex::new(pattern).ok());
    compiled.as_ref().is_none_or(|re| re.is_match(text))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn bounds(errors: &mut Vec<FieldError>, pointer: &str, n: f64, min: Option<f64>, max: Option<f64>, ex_min: bool, ex_max: bool) {
    if let Some(min) = min {
        if n < min || (ex_min && n == min) {
            push(errors, pointer, format!("must be {} {min}", if ex_min { "greater than" } else { "at least" }));
        }
    }
    if let Some(max) = max {
        if n > max || (ex_max && n == max) {
            push(errors, pointer, format!("must be {} {max}", if ex_max { "less than" } else { "at most" }));
        }
    }
}

/// Validates a value, collecting every failure rather than the first.
pub fn validate(value: &Value, schema: &Schema, pointer: &str, errors: &mut Vec<FieldError>) {
    match (schema, value) {
        (Schema::Any, _) => {}
        (Schema::Ref(inner), _) => validate(value, inner, pointer, errors),
        (Schema::Nullable(_), Value::Null) => {}
        (Schema::Nullable(inner), _) => validate(value, inner, pointer, errors),
        (Schema::Boolean, Value::Bool(_)) => {}
        (Schema::Integer { minimum, maximum, exclusive_minimum, exclusive_maximum, int32 }, Value::Number(n)) => {
            match n.as_i64() {
                Some(i) => {
                    if *int32 && i32::try_from(i).is_err() {
                        push(errors, pointer, "must fit in 32 bits");
                    }
                    bounds(errors, pointer, i as f64, *minimum, *maximum, *exclusive_minimum, *exclusive_maximum);
                }
                None => push(errors, pointer, "must be an integer"),
            }
        }
        (Schema::Number { minimum, maximum, exclusive_minimum, exclusive_maximum }, Value::Number(n)) => {
            bounds(errors, pointer, n.as_f64().unwrap_or(0.0), *minimum, *maximum, *exclusive_minimum, *exclusive_maximum);
        }
        (Schema::String { min_length, max_length, pattern, values }, Value::String(s)) => {
            let length = s.chars().count() as u64;
            if min_length.is_some_and(|m| length < m) {
                push(errors, pointer, format!("must be at least {} characters long", min_length.unwrap_or(0)));
            }
            if max_length.is_some_and(|m| length > m) {
                push(errors, pointer, format!("must be at most {} characters long", max_length.unwrap_or(0)));
            }
            if let Some(p) = pattern {
                if !pattern_matches(p, s) {
                    push(errors, pointer, format!("must match the pattern `{p}`"));
                }
            }
            if !values.is_empty() && !values.contains(&s.as_str()) {
                push(errors, pointer, format!("must be one of: {}", values.join(", ")));
            }
        }
        (Schema::Array { items, min_items, max_items, unique_items }, Value::Array(list)) => {
            let n = list.len() as u64;
            if min_items.is_some_and(|m| n < m) {
                push(errors, pointer, format!("must have at least {} items", min_items.unwrap_or(0)));
            }
            if max_items.is_some_and(|m| n > m) {
                push(errors, pointer, format!("must have at most {} items", max_items.unwrap_or(0)));
            }
            if *unique_items && list.iter().enumerate().any(|(i, v)| list[..i].contains(v)) {
                push(errors, pointer, "items must be unique");
            }
            for (i, item) in list.iter().enumerate() {
                validate(item, items, &format!("{pointer}/{i}"), errors);
            }
        }
        (Schema::Object { properties, required, additional }, Value::Object(map)) => {
            for name in *required {
                if !map.contains_key(*name) {
                    push(errors, &format!("{pointer}/{}", escape(name)), "is required");
                }
            }
            for (key, item) in map {
                let at = format!("{pointer}/{}", escape(key));
                match properties.iter().find(|(name, _)| name == key) {
                    Some((_, schema)) => validate(item, schema, &at, errors),
                    None => match additional {
                        Additional::Allow => {}
                        Additional::Deny => push(errors, &at, "is not a known property"),
                        Additional::Check(schema) => validate(item, schema, &at, errors),
                    },
                }
            }
        }
        (expected, actual) => {
            let wanted = match expected {
                Schema::Boolean => "a boolean",
                Schema::Integer { .. } => "an integer",
                Schema::Number { .. } => "a number",
                Schema::String { .. } => "a string",
                Schema::Array { .. } => "an array",
                Schema::Object { .. } => "an object",
                Schema::Any | Schema::Ref(_) | Schema::Nullable(_) => "a value",
            };
            push(errors, pointer, format!("must be {wanted}, not {}", kind(actual)));
        }
    }
}

/// Deserializes a validated value; what serde still rejects (a malformed
/// `date-time` or `uuid`) is reported at its pointer.
fn typed<T: DeserializeOwned>(value: Value, pointer: &str, errors: &mut Vec<FieldError>) -> Option<T> {
    match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(v) => Some(v),
        Err(e) => {
            let mut at = pointer.to_owned();
            for segment in e.path().iter() {
                match segment {
                    serde_path_to_error::Segment::Seq { index } => at.push_str(&format!("/{index}")),
                    serde_path_to_error::Segment::Map { key } => at.push_str(&format!("/{}", escape(key))),
                    _ => {}
                }
            }
            push(errors, &at, e.into_inner().to_string());
            None
        }
    }
}

// ---------------------------------------------------------------- problems

/// An RFC 9457 problem: the answer to a request the server refuses.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: u16,
    pub title: String,
    pub detail: String,
    /// Every failing field, for validation errors.
    pub errors: Vec<FieldError>,
    /// Extra headers (`WWW-Authenticate`, `Allow`).
    pub headers: Vec<(HeaderName, String)>,
}

impl Problem {
    pub fn new(status: u16, title: &str, detail: impl Into<String>) -> Self {
        Problem { status, title: title.to_owned(), detail: detail.into(), errors: Vec::new(), headers: Vec::new() }
    }

    /// 400 naming each failing field.
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let detail = format!("{} invalid field(s) in the request", errors.len());
        Problem { errors, ..Problem::new(400, "Bad Request", detail) }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "type": "about:blank",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "errors": self.errors,
        });
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        let mut response = (status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.append(name, value);
            }
        }
        response
    }
}

// ---------------------------------------------------------------- requests

/// Where a parameter comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
    Header,
    Cookie,
}

/// How a parameter is written (OpenAPI `style`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Simple,
    Label,
    Matrix,
    Form,
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
}

/// A request that matched a route, read whole.
#[derive(Debug)]
pub struct Incoming {
    pub method: Method,
    path_params: Vec<(&'static str, String)>,
    query: Vec<(String, String)>,
    pub headers: HeaderMap,
    cookies: Vec<(String, String)>,
    pub body: Bytes,
}

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(&text.replace('+', " ")).decode_utf8_lossy().into_owned()
}

/// Raw text of a parameter, before coercion to its schema.
enum Raw {
    One(String),
    Many(Vec<String>),
    Pairs(Vec<(String, String)>),
}

fn deref(schema: &'static Schema) -> &'static Schema {
    match schema {
        Schema::Nullable(inner) | Schema::Ref(inner) => deref(inner),
        other => other,
    }
}

/// Turns parameter text into the JSON value its schema describes; text that
/// does not parse stays a string, so validation names the mismatch.
fn coerce_scalar(text: &str, schema: &'static Schema) -> Value {
    match deref(schema) {
        Schema::Integer { .. } => text.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::String(text.to_owned())),
        Schema::Number { .. } => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(text.to_owned())),
        Schema::Boolean => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(text.to_owned()),
        },
        _ => Value::String(text.to_owned()),
    }
}

fn coerce(raw: Raw, schema: &'static Schema, delimiter: char) -> Value {
    match (deref(schema), raw) {
        (Schema::Array { items, .. }, Raw::One(text)) => {
            if text.is_empty() {
                return Value::Array(Vec::new());
            }
            Value::Array(text.split(delimiter).map(|t| coerce_scalar(t, items)).collect())
        }
        (Schema::Array { items, .. }, Raw::Many(list)) => Value::Array(list.iter().map(|t| coerce_scalar(t, items)).collect()),
        (Schema::Object { properties, .. }, Raw::Pairs(pairs)) => {
            let mut map = Map::new();
            for (k, v) in pairs {
                let property = properties.iter().find(|(name, _)| *name == k).map_or(&Schema::Any, |(_, s)| *s);
                map.insert(k, coerce_scalar(&v, property));
            }
            Value::Object(map)
        }
        (Schema::Object { properties, .. }, Raw::One(text)) => {
            // `k1,v1,k2,v2`, or exploded `k1=v1,k2=v2`.
            let parts: Vec<&str> = text.split(delimiter).collect();
            let pairs: Vec<(String, String)> = if parts.iter().all(|p| p.contains('=')) {
                parts.iter().filter_map(|p| p.split_once('=')).map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
            } else {
                parts.chunks(2).map(|c| (c[0].to_owned(), c.get(1).copied().unwrap_or_default().to_owned())).collect()
            };
            let mut map = Map::new();
            for (k, v) in pairs {
                let property = properties.iter().find(|(name, _)| *name == k).map_or(&Schema::Any, |(_, s)| *s);
                map.insert(k, coerce_scalar(&v, property));
            }
            Value::Object(map)
        }
        (_, Raw::One(text)) => coerce_scalar(&text, schema),
        (_, Raw::Many(list)) => list.first().map_or(Value::Null, |t| coerce_scalar(t, schema)),
        (_, Raw::Pairs(_)) => Value::Null,
    }
}

impl Incoming {
    fn raw(&self, location: Location, name: &str, schema: &'static Schema, style: Style, explode: bool) -> Option<Raw> {
        match location {
            Location::Path => self.path_params.iter().find(|(n, _)| *n == name).map(|(_, v)| {
                let v = match style {
                    Style::Label => v.strip_prefix('.').unwrap_or(v).to_owned(),
                    Style::Matrix => v.strip_prefix(&format!(";{name}=")).unwrap_or(v).to_owned(),
                    _ => v.clone(),
                };
                Raw::One(v)
            }),
            Location::Header => self.headers.get(name).map(|v| Raw::One(String::from_utf8_lossy(v.as_bytes()).into_owned())),
            Location::Cookie => self.cookies.iter().find(|(n, _)| n == name).map(|(_, v)| Raw::One(v.clone())),
            Location::Query => {
                if style == Style::DeepObject {
                    let prefix = format!("{name}[");
                    let pairs: Vec<(String, String)> = self
                        .query
                        .iter()
                        .filter_map(|(k, v)| k.strip_prefix(&prefix).and_then(|r| r.strip_suffix(']')).map(|k| (k.to_owned(), v.clone())))
                        .collect();
                    return (!pairs.is_empty()).then_some(Raw::Pairs(pairs));
                }
                if let (Schema::Object { properties, .. }, true) = (deref(schema), explode) {
                    let pairs: Vec<(String, String)> = self
                        .query
                        .iter()
                        .filter(|(k, _)| properties.iter().any(|(p, _)| p == k))
                        .cloned()
                        .collect();
                    return (!pairs.is_empty()).then_some(Raw::Pairs(pairs));
                }
                let values: Vec<String> = self.query.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect();
                match values.len() {
                    0 => None,
                    1 if !explode || !matches!(deref(schema), Schema::Array { .. }) => values.into_iter().next().map(Raw::One),
                    _ => Some(Raw::Many(values)),
                }
            }
        }
    }

    /// Reads, coerces, validates and types one parameter. Absent optional
    /// parameters give `None`; every failure is added to `errors`.
    #[allow(clippy::too_many_arguments)]
    pub fn param<T: DeserializeOwned>(
        &self,
        location: Location,
        name: &str,
        schema: &'static Schema,
        style: Style,
        explode: bool,
        required: bool,
        errors: &mut Vec<FieldError>,
    ) -> Option<T> {
        let section = match location {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Cookie => "cookie",
        };
        let pointer = format!("/{section}/{}", escape(name));
        let Some(raw) = self.raw(location, name, schema, style, explode) else {
            if required {
                push(errors, &pointer, "is required");
            }
            return None;
        };
        let delimiter = match style {
            Style::SpaceDelimited => ' ',
            Style::PipeDelimited => '|',
            Style::Label if explode => '.',
            _ => ',',
        };
        let value = coerce(raw, schema, delimiter);
        let before = errors.len();
        validate(&value, schema, &pointer, errors);
        if errors.len() > before {
            return None;
        }
        typed(value, &pointer, errors)
    }

    /// The request's media type, lowercased, without parameters.
    fn content_type(&self) -> Option<String> {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
    }

    /// Refuses (415) a body in a media type the operation does not accept.
    pub fn expect_media_type(&self, accepted: &[&str]) -> Result<(), Problem> {
        if self.body.is_empty() {
            return Ok(());
        }
        match self.content_type() {
            Some(ct) if accepted.iter().any(|a| a.eq_ignore_ascii_case(&ct)) => Ok(()),
            other => Err(Problem::new(
                415,
                "Unsupported Media Type",
                format!("the body must be one of: {} (got {})", accepted.join(", "), other.as_deref().unwrap_or("no Content-Type")),
            )),
        }
    }

    /// Refuses (406) a request whose `Accept` admits none of the media types
    /// the operation answers with.
    pub fn expect_acceptable(&self, produced: &[&str]) -> Result<(), Problem> {
        let Some(accept) = self.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
            return Ok(());
        };
        if produced.is_empty() {
            return Ok(());
        }
        let ranges: Vec<String> = accept
            .split(',')
            .map(|r| r.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
            .collect();
        let fits = |media: &str| {
            let media = media.to_ascii_lowercase();
            let major = media.split('/').next().unwrap_or_default().to_owned();
            ranges.iter().any(|r| r == "*/*" || *r == media || *r == format!("{major}/*") || (r == "application/json" && media.ends_with("+json")))
        };
        if produced.iter().any(|m| fits(m)) {
            Ok(())
        } else {
            Err(Problem::new(406, "Not Acceptable", format!("this operation answers with: {}", produced.join(", "))))
        }
    }

    /// A JSON body: parsed, validated against its schema, typed.
    pub fn json_body<T: DeserializeOwned>(&self, schema: &'static Schema, required: bool, errors: &mut Vec<FieldError>) -> Option<T> {
        if self.body.is_empty() {
            if required {
                push(errors, "/body", "a request body is required");
            }
            return None;
        }
        let value: Value = match serde_json::from_slice(&self.body) {
            Ok(v) => v,
            Err(e) => {
                push(errors, "/body", format!("not valid JSON: {e}"));
                return None;
            }
        };
        let before = errors.len();
        validate(&value, schema, "/body", errors);
        if errors.len() > before {
            return None;
        }
        typed(value, "/body", errors)
    }

    /// An `application/x-www-form-urlencoded` body, coerced by its schema.
    pub fn form_body<T: DeserializeOwned>(&self, schema: &'static Schema, required: bool, errors: &mut Vec<FieldError>) -> Option<T> {
        if self.body.is_empty() {
            if required {
                push(errors, "/body", "a request body is required");
            }
            return None;
        }
        let text = String::from_utf8_lossy(&self.body);
        let mut map = Map::new();
        let properties: &[(&str, &Schema)] = match deref(schema) {
            Schema::Object { properties, .. } => properties,
            _ => &[],
        };
        for pair in text.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let (k, v) = (decode(k), decode(v));
            let property = properties.iter().find(|(name, _)| *name == k).map_or(&Schema::Any, |(_, s)| *s);
            let value = match deref(property) {
                Schema::Array { items, .. } => {
                    let mut list = match map.remove(&k) {
                        Some(Value::Array(list)) => list,
                        _ => Vec::new(),
                    };
                    list.push(coerce_scalar(&v, items));
                    Value::Array(list)
                }
                _ => coerce_scalar(&v, property),
            };
            map.insert(k, value);
        }
        let value = Value::Object(map);
        let before = errors.len();
        validate(&value, schema, "/body", errors);
        if errors.len() > before {
            return None;
        }
        typed(value, "/body", errors)
    }

    /// A text body.
    pub fn text_body(&self, required: bool, errors: &mut Vec<FieldError>) -> Option<String> {
        if self.body.is_empty() && required {
            push(errors, "/body", "a request body is required");
            return None;
        }
        match String::from_utf8(self.body.to_vec()) {
            Ok(text) => Some(text),
            Err(_) => {
                push(errors, "/body", "must be UTF-8 text");
                None
            }
        }
    }

    /// A raw body (binary, or multipart kept as sent).
    pub fn bytes_body(&self, required: bool, errors: &mut Vec<FieldError>) -> Option<Vec<u8>> {
        if self.body.is_empty() && required {
            push(errors, "/body", "a request body is required");
            return None;
        }
        Some(self.body.to_vec())
    }
}

/// Fails with 400 when any field failed; values are then all present.
pub fn check(errors: Vec<FieldError>) -> Result<(), Problem> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Problem::invalid(errors))
    }
}

/// A required value after [`check`] passed.
pub fn present<T>(value: Option<T>, name: &str) -> Result<T, Problem> {
    value.ok_or_else(|| Problem::invalid(vec![FieldError { pointer: name.to_owned(), detail: "is required".into() }]))
}

// ---------------------------------------------------------------- security

/// How a security scheme carries its credential.
#[derive(Debug, Clone, Copy)]
pub enum SchemeKind {
    /// `Authorization: Bearer` (HTTP bearer and OAuth2 tokens).
    Bearer,
    Basic,
    ApiKey(Location, &'static str),
    /// A scheme the server cannot read (OpenID Connect, other HTTP schemes):
    /// requirements naming it are never met.
    Unsupported,
}

/// A credential taken from a request, for the implementation to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Bearer(String),
    Basic { username: String, password: String },
    ApiKey(String),
}

/// What a valid credential grants: who it is, and its OAuth2 scopes.
#[derive(Debug, Clone)]
pub struct Grant<P> {
    pub principal: P,
    pub scopes: Vec<String>,
}

/// How the implementation validates credentials. One implementation can
/// serve several APIs.
pub trait Authenticate: Send + Sync + 'static {
    /// Who a request acts for, handed to the operation.
    type Principal: Send + Sync + 'static;

    /// `None` rejects the credential (401). The default rejects everything,
    /// so an operation with security requirements is never reached by accident.
    fn authenticate(&self, scheme: &str, credential: Credential) -> impl Future<Output = Option<Grant<Self::Principal>>> + Send {
        let _ = (scheme, credential);
        async { None }
    }
}

/// The security requirements of an operation: alternatives of combined
/// schemes, each with its scopes.
pub type Security = &'static [&'static [(&'static str, &'static [&'static str])]];

fn credential(req: &Incoming, kind: SchemeKind) -> Option<Credential> {
    let authorization = || req.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::trim);
    match kind {
        SchemeKind::Bearer => {
            let value = authorization()?;
            let (scheme, token) = value.split_once(' ')?;
            (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| Credential::Bearer(token.trim().to_owned()))
        }
        SchemeKind::Basic => {
            use base64::Engine;
            let value = authorization()?;
            let (scheme, encoded) = value.split_once(' ')?;
            if !scheme.eq_ignore_ascii_case("basic") {
                return None;
            }
            let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
            let text = String::from_utf8(decoded).ok()?;
            let (username, password) = text.split_once(':')?;
            Some(Credential::Basic { username: username.to_owned(), password: password.to_owned() })
        }
        SchemeKind::ApiKey(location, name) => {
            let value = match location {
                Location::Header => req.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned),
                Location::Query => req.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
                Location::Cookie => req.cookies.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
                Location::Path => None,
            }?;
            (!value.is_empty()).then_some(Credential::ApiKey(value))
        }
        SchemeKind::Unsupported => None,
    }
}

fn challenge(name: &str, kind: SchemeKind, scopes: &[&str]) -> String {
    match kind {
        SchemeKind::Bearer if scopes.is_empty() => format!("Bearer realm=\"{name}\""),
        SchemeKind::Bearer => format!("Bearer realm=\"{name}\", scope=\"{}\"", scopes.join(" ")),
        SchemeKind::Basic => format!("Basic realm=\"{name}\""),
        SchemeKind::ApiKey(location, key) => {
            let place = match location {
                Location::Query => "query",
                Location::Cookie => "cookie",
                _ => "header",
            };
            format!("ApiKey realm=\"{name}\", {place}=\"{key}\"")
        }
        SchemeKind::Unsupported => format!("{name} realm=\"{name}\""),
    }
}

/// Checks an operation's security requirements: the first alternative
/// whose schemes all present valid credentials with the required scopes
/// wins, and its first scheme's principal is returned. Otherwise 403 when
/// a valid credential lacked scopes, 401 with `WWW-Authenticate` when
/// credentials were missing or invalid.
pub async fn authorize<A: Authenticate>(
    api: &A,
    req: &Incoming,
    schemes: &[(&'static str, SchemeKind)],
    security: Security,
) -> Result<Option<A::Principal>, Problem> {
    if security.is_empty() {
        return Ok(None);
    }
    let mut lacking_scopes = false;
    for alternative in security {
        let mut principal = None;
        let mut met = true;
        for (scheme, scopes) in alternative.iter() {
            let kind = schemes.iter().find(|(n, _)| n == scheme).map_or(SchemeKind::Unsupported, |(_, k)| *k);
            let Some(cred) = credential(req, kind) else {
                met = false;
                break;
            };
            let Some(grant) = api.authenticate(scheme, cred).await else {
                met = false;
                break;
            };
            if !scopes.iter().all(|s| grant.scopes.iter().any(|g| g == s)) {
                lacking_scopes = true;
                met = false;
                break;
            }
            if principal.is_none() {
                principal = Some(grant.principal);
            }
        }
        if met {
            return Ok(principal);
        }
    }
    if lacking_scopes {
        return Err(Problem::new(403, "Forbidden", "the credentials do not grant the scopes this operation requires"));
    }
    let mut problem = Problem::new(401, "Unauthorized", "missing or invalid credentials");
    for alternative in security {
        for (scheme, scopes) in alternative.iter() {
            let kind = schemes.iter().find(|(n, _)| n == scheme).map_or(SchemeKind::Unsupported, |(_, k)| *k);
            problem.headers.push((header::WWW_AUTHENTICATE, challenge(scheme, kind, scopes)));
        }
    }
    Err(problem)
}

// ---------------------------------------------------------------- responses

/// Builds a response; a header value that cannot be sent, or a status the
/// implementation made up, is the implementation's error (500).
pub struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Option<(&'static str, Vec<u8>)>,
}

impl Reply {
    pub fn new(status: u16) -> Self {
        Reply { status, headers: Vec::new(), body: None }
    }

    pub fn json(mut self, media_type: &'static str, body: &impl Serialize) -> Self {
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        self.body = Some((media_type, bytes));
        self
    }

    pub fn text(mut self, media_type: &'static str, body: String) -> Self {
        self.body = Some((media_type, body.into_bytes()));
        self
    }

    pub fn bytes(mut self, media_type: &'static str, body: Vec<u8>) -> Self {
        self.body = Some((media_type, body));
        self
    }

    /// A response header; `None` adds nothing. Lists are comma-separated.
    pub fn header(mut self, name: &'static str, value: &impl Serialize) -> Self {
        match serde_json::to_value(value) {
            Ok(Value::Null) | Err(_) => {}
            Ok(Value::String(s)) => self.headers.push((name, s)),
            Ok(Value::Array(items)) => {
                let text: Vec<String> = items.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)).collect();
                self.headers.push((name, text.join(",")));
            }
            Ok(other) => self.headers.push((name, other.to_string())),
        }
        self
    }

    pub fn finish(self) -> Response {
        let Ok(status) = StatusCode::from_u16(self.status) else {
            return Problem::new(500, "Internal Server Error", format!("the implementation answered with status {}", self.status)).into_response();
        };
        let mut builder = axum::http::Response::builder().status(status);
        for (name, value) in &self.headers {
            builder = builder.header(*name, value.as_str());
        }
        let body = match self.body {
            Some((media, bytes)) => {
                builder = builder.header(header::CONTENT_TYPE, media);
                Body::from(bytes)
            }
            None => Body::empty(),
        };
        builder.body(body).unwrap_or_else(|e| {
            Problem::new(500, "Internal Server Error", format!("the implementation's response cannot be sent: {e}")).into_response()
        })
    }
}

// ---------------------------------------------------------------- routing

/// A piece of a path template.
#[derive(Debug)]
pub enum Segment {
    Literal(&'static str),
    Param(&'static str),
}

/// An operation's method and path template.
#[derive(Debug)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static [Segment],
}

/// Matches a raw (still percent-encoded) path against a template. A
/// parameter matches a non-empty run within one segment.
fn match_path(template: &'static [Segment], path: &str) -> Option<Vec<(&'static str, String)>> {
    let mut rest = path;
    let mut params = Vec::new();
    for (i, part) in template.iter().enumerate() {
        match part {
            Segment::Literal(text) => rest = rest.strip_prefix(text)?,
            Segment::Param(name) => {
                let end = match template.get(i + 1) {
                    Some(Segment::Literal(next)) => {
                        let segment_end = rest.find('/').unwrap_or(rest.len());
                        rest[..segment_end]
                            .find(next)
                            .or_else(|| (next.starts_with('/') && segment_end < rest.len()).then_some(segment_end))?
                    }
                    _ => rest.find('/').unwrap_or(rest.len()),
                };
                let raw = &rest[..end];
                if raw.is_empty() || raw.contains('/') {
                    return None;
                }
                params.push((*name, percent_encoding::percent_decode_str(raw).decode_utf8_lossy().into_owned()));
                rest = &rest[end..];
            }
        }
    }
    rest.is_empty().then_some(params)
}

/// Settings of a generated server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Largest request body accepted; larger ones get 413.
    pub body_limit: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig { body_limit: 2 * 1024 * 1024 }
    }
}

/// An `axum::Router` that routes every request to `handle` by operation
/// index, answering 404, 405 and 413 itself. Errors go through `render`,
/// so the implementation decides what a problem looks like.
pub fn router<S, H, F, R>(state: Arc<S>, config: ServerConfig, routes: &'static [Route], handle: H, render: R) -> axum::Router
where
    S: Send + Sync + 'static,
    H: Fn(Arc<S>, usize, Incoming) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Result<Response, Problem>> + Send + 'static,
    R: Fn(&S, Problem) -> Response + Clone + Send + Sync + 'static,
{
    axum::Router::new().fallback(move |request: axum::extract::Request| {
        let (state, handle, render, config) = (state.clone(), handle.clone(), render.clone(), config.clone());
        async move {
            let (parts, body) = request.into_parts();
            let path = parts.uri.path().to_owned();
            let mut allowed = Vec::new();
            let mut found = None;
            for (index, route) in routes.iter().enumerate() {
                if let Some(params) = match_path(route.path, &path) {
                    if route.method == parts.method.as_str() {
                        found = Some((index, params));
                        break;
                    }
                    allowed.push(route.method);
                }
            }
            let Some((index, path_params)) = found else {
                let problem = if allowed.is_empty() {
                    Problem::new(404, "Not Found", format!("no operation at {path}"))
                } else {
                    let mut p = Problem::new(405, "Method Not Allowed", format!("{} is not allowed here", parts.method));
                    p.headers.push((header::ALLOW, allowed.join(", ")));
                    p
                };
                return render(&state, problem);
            };
            let body = match axum::body::to_bytes(body, config.body_limit).await {
                Ok(bytes) => bytes,
                Err(_) => {
                    let problem = Problem::new(413, "Payload Too Large", format!("the body exceeds {} bytes", config.body_limit));
                    return render(&state, problem);
                }
            };
            let query = parts
                .uri
                .query()
                .unwrap_or_default()
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|pair| {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    (decode(k), decode(v))
                })
                .collect();
            let cookies = parts
                .headers
                .get_all(header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(';'))
                .filter_map(|c| c.trim().split_once('=').map(|(k, v)| (k.to_owned(), decode(v))))
                .collect();
            let incoming = Incoming { method: parts.method, path_params, query, headers: parts.headers, cookies, body };
            // A panicking implementation answers 500 instead of dropping the connection.
            let outcome = futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(handle(state.clone(), index, incoming))).await;
            match outcome {
                Ok(Ok(response)) => response,
                Ok(Err(problem)) => render(&state, problem),
                Err(_) => Problem::new(500, "Internal Server Error", "the implementation failed").into_response(),
            }
        }
    })
}
