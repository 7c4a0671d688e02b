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
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
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

/// Appends a JSON pointer segment, `~` and `/` escaped.
fn escape_into(out: &mut String, segment: &str) {
    for c in segment.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// Where a value sits, as a JSON pointer that is only written out when a
/// failure names it: valid requests build no pointer text.
#[derive(Debug, Clone, Copy)]
enum Pointer<'a> {
    /// A pointer already written (`/body`).
    Root(&'a str),
    /// A parameter: `/{section}/{name}`.
    Param(&'static str, &'a str),
    Key(&'a Pointer<'a>, &'a str),
    Index(&'a Pointer<'a>, usize),
}

/// The pointer of a request body.
const BODY: Pointer<'static> = Pointer::Root("/body");

impl Pointer<'_> {
    fn write(&self, out: &mut String) {
        match self {
            Pointer::Root(text) => out.push_str(text),
            Pointer::Param(section, name) => {
                out.push('/');
                out.push_str(section);
                out.push('/');
                escape_into(out, name);
            }
            Pointer::Key(parent, key) => {
                parent.write(out);
                out.push('/');
                escape_into(out, key);
            }
            Pointer::Index(parent, index) => {
                parent.write(out);
                let _ = write!(out, "/{index}");
            }
        }
    }

    fn render(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }
}

fn push(errors: &mut Vec<FieldError>, pointer: &Pointer<'_>, detail: impl Into<String>) {
    errors.push(FieldError { pointer: pointer.render(), detail: detail.into() });
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

/// Whether `n` is below its minimum, and whether it is above its maximum.
fn outside(n: f64, min: Option<f64>, max: Option<f64>, ex_min: bool, ex_max: bool) -> (bool, bool) {
    (min.is_some_and(|m| n < m || (ex_min && n == m)), max.is_some_and(|m| n > m || (ex_max && n == m)))
}

fn bounds(errors: &mut Vec<FieldError>, pointer: &Pointer<'_>, n: f64, min: Option<f64>, max: Option<f64>, ex_min: bool, ex_max: bool) {
    let (low, high) = outside(n, min, max, ex_min, ex_max);
    if let (true, Some(min)) = (low, min) {
        push(errors, pointer, format!("must be {} {min}", if ex_min { "greater than" } else { "at least" }));
    }
    if let (true, Some(max)) = (high, max) {
        push(errors, pointer, format!("must be {} {max}", if ex_max { "less than" } else { "at most" }));
    }
}

/// Which rules of a string schema `s` breaks: too short, too long, the
/// pattern, the listed values.
fn string_breaks(s: &str, min_length: Option<u64>, max_length: Option<u64>, pattern: Option<&'static str>, values: &[&str]) -> [bool; 4] {
    let length = if min_length.is_some() || max_length.is_some() { s.chars().count() as u64 } else { 0 };
    [
        min_length.is_some_and(|m| length < m),
        max_length.is_some_and(|m| length > m),
        pattern.is_some_and(|p| !pattern_matches(p, s)),
        !values.is_empty() && !values.contains(&s),
    ]
}

/// Validates a value, collecting every failure rather than the first.
pub fn validate(value: &Value, schema: &Schema, pointer: &str, errors: &mut Vec<FieldError>) {
    validate_at(value, schema, &Pointer::Root(pointer), errors);
}

fn validate_at(value: &Value, schema: &Schema, pointer: &Pointer<'_>, errors: &mut Vec<FieldError>) {
    match (schema, value) {
        (Schema::Any, _) => {}
        (Schema::Ref(inner), _) => validate_at(value, inner, pointer, errors),
        (Schema::Nullable(_), Value::Null) => {}
        (Schema::Nullable(inner), _) => validate_at(value, inner, pointer, errors),
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
            let [short, long, unmatched, unlisted] = string_breaks(s, *min_length, *max_length, *pattern, values);
            if short {
                push(errors, pointer, format!("must be at least {} characters long", min_length.unwrap_or(0)));
            }
            if long {
                push(errors, pointer, format!("must be at most {} characters long", max_length.unwrap_or(0)));
            }
            if unmatched {
                push(errors, pointer, format!("must match the pattern `{}`", pattern.unwrap_or_default()));
            }
            if unlisted {
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
                validate_at(item, items, &Pointer::Index(pointer, i), errors);
            }
        }
        (Schema::Object { properties, required, additional }, Value::Object(map)) => {
            for name in *required {
                if !map.contains_key(*name) {
                    push(errors, &Pointer::Key(pointer, name), "is required");
                }
            }
            for (key, item) in map {
                let at = Pointer::Key(pointer, key);
                match properties.iter().find(|(name, _)| name == key) {
                    Some((_, schema)) => validate_at(item, schema, &at, errors),
                    None => match additional {
                        Additional::Allow => {}
                        Additional::Deny => push(errors, &at, "is not a known property"),
                        Additional::Check(schema) => validate_at(item, schema, &at, errors),
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

/// What a JSON value must match, past references: `None` when anything
/// goes (`Any`, or `null` for a nullable schema).
fn expected(mut schema: &'static Schema, null: bool) -> Option<&'static Schema> {
    loop {
        match schema {
            Schema::Any => return None,
            Schema::Ref(inner) => schema = inner,
            Schema::Nullable(_) if null => return None,
            Schema::Nullable(inner) => schema = inner,
            other => return Some(other),
        }
    }
}

/// Whether JSON text is valid for a schema, checked while it is read,
/// building no tree. It answers only yes or no: on no (invalid text, a
/// failing value, a key given twice, `uniqueItems`), the caller takes the
/// tree path ([`validate`]), which names every failure. It accepts exactly
/// what that path accepts without a failure.
fn valid_json(text: &[u8], schema: &'static Schema) -> bool {
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    serde::de::DeserializeSeed::deserialize(Check(schema), &mut deserializer).is_ok() && deserializer.end().is_ok()
}

/// The streaming check of one value against its schema.
struct Check(&'static Schema);

/// Ends a streaming check: the value fails its schema.
fn fails<E: serde::de::Error>() -> E {
    E::custom("fails its schema")
}

fn passes<E: serde::de::Error>(valid: bool) -> Result<(), E> {
    if valid {
        Ok(())
    } else {
        Err(fails())
    }
}

impl Check {
    /// An integer (`int` when it fits in 64 signed bits) or other number.
    fn number<E: serde::de::Error>(self, int: Option<i64>, n: f64) -> Result<(), E> {
        passes(match expected(self.0, false) {
            None => true,
            Some(Schema::Integer { minimum, maximum, exclusive_minimum, exclusive_maximum, int32 }) => int.is_some_and(|i| {
                !(*int32 && i32::try_from(i).is_err()) && outside(i as f64, *minimum, *maximum, *exclusive_minimum, *exclusive_maximum) == (false, false)
            }),
            Some(Schema::Number { minimum, maximum, exclusive_minimum, exclusive_maximum }) => {
                outside(n, *minimum, *maximum, *exclusive_minimum, *exclusive_maximum) == (false, false)
            }
            Some(_) => false,
        })
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Check {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Check {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        passes(expected(self.0, true).is_none())
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        passes(matches!(expected(self.0, false), None | Some(Schema::Boolean)))
    }

    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<(), E> {
        self.number(Some(n), n as f64)
    }

    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<(), E> {
        self.number(i64::try_from(n).ok(), n as f64)
    }

    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<(), E> {
        self.number(None, n)
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<(), E> {
        passes(match expected(self.0, false) {
            None => true,
            Some(Schema::String { min_length, max_length, pattern, values }) => {
                !string_breaks(s, *min_length, *max_length, *pattern, values).contains(&true)
            }
            Some(_) => false,
        })
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        match expected(self.0, false) {
            None => while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {},
            Some(Schema::Array { items, min_items, max_items, unique_items: false }) => {
                let mut n = 0u64;
                while seq.next_element_seed(Check(items))?.is_some() {
                    n += 1;
                }
                return passes(!min_items.is_some_and(|m| n < m) && !max_items.is_some_and(|m| n > m));
            }
            Some(_) => return Err(fails()),
        }
        Ok(())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (properties, required, additional) = match expected(self.0, false) {
            None => {
                while map.next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?.is_some() {}
                return Ok(());
            }
            Some(Schema::Object { properties, required, additional }) if properties.len() <= 64 => (properties, required, additional),
            Some(_) => return Err(fails()),
        };
        // Properties seen, by index; other keys kept to find repeats.
        let mut seen = 0u64;
        let mut others: Vec<Cow<'de, str>> = Vec::new();
        while let Some(key) = map.next_key_seed(KeyText)? {
            match properties.iter().position(|(name, _)| *name == key) {
                Some(i) if seen & (1 << i) != 0 => return Err(fails()),
                Some(i) => {
                    seen |= 1 << i;
                    map.next_value_seed(Check(properties[i].1))?;
                }
                None => {
                    let schema = match additional {
                        Additional::Deny => return Err(fails()),
                        Additional::Allow => &Schema::Any,
                        Additional::Check(schema) => schema,
                    };
                    if others.contains(&key) {
                        return Err(fails());
                    }
                    map.next_value_seed(Check(schema))?;
                    others.push(key);
                }
            }
        }
        let present = |name: &str| match properties.iter().position(|(p, _)| *p == name) {
            Some(i) => seen & (1 << i) != 0,
            None => others.iter().any(|k| k == name),
        };
        passes(required.iter().all(|name| present(name)))
    }
}

/// An object key, borrowed from the text unless it has escapes.
struct KeyText;

impl<'de> serde::de::DeserializeSeed<'de> for KeyText {
    type Value = Cow<'de, str>;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for KeyText {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(s))
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(s.to_owned()))
    }
}

/// Deserializes a validated value; what serde still rejects (a malformed
/// `date-time` or `uuid`) is reported at its pointer. A value that decodes
/// is read once, without tracking where the decoder is; only a failure is
/// decoded again to find its path.
fn typed<T: DeserializeOwned>(value: Value, pointer: &Pointer<'_>, errors: &mut Vec<FieldError>) -> Option<T> {
    if let Ok(v) = T::deserialize(&value) {
        return Some(v);
    }
    match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(v) => Some(v),
        Err(e) => {
            let mut at = pointer.render();
            for segment in e.path().iter() {
                match segment {
                    serde_path_to_error::Segment::Seq { index } => {
                        let _ = write!(at, "/{index}");
                    }
                    serde_path_to_error::Segment::Map { key } => {
                        at.push('/');
                        escape_into(&mut at, key);
                    }
                    _ => {}
                }
            }
            errors.push(FieldError { pointer: at, detail: e.into_inner().to_string() });
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

/// Form-decodes text (`+` is a space, then percent-decoding), allocating once.
fn decode(text: &str) -> String {
    let spaced = if text.contains('+') { Cow::Owned(text.replace('+', " ")) } else { Cow::Borrowed(text) };
    match percent_encoding::percent_decode_str(&spaced).decode_utf8_lossy() {
        Cow::Borrowed(_) => spaced.into_owned(),
        Cow::Owned(decoded) => decoded,
    }
}

/// Raw text of a parameter, before coercion to its schema, borrowed from
/// the request.
enum Raw<'a> {
    One(Cow<'a, str>),
    Many(Vec<&'a str>),
    Pairs(Vec<(&'a str, &'a str)>),
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

/// An object from key/value text, each value coerced by its property's schema.
fn coerce_object<'a>(properties: &[(&str, &'static Schema)], pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Value {
    let mut map = Map::new();
    for (k, v) in pairs {
        let property = properties.iter().find(|(name, _)| *name == k).map_or(&Schema::Any, |(_, s)| *s);
        map.insert(k.to_owned(), coerce_scalar(v, property));
    }
    Value::Object(map)
}

fn coerce(raw: Raw<'_>, schema: &'static Schema, delimiter: char) -> Value {
    match (deref(schema), raw) {
        (Schema::Array { items, .. }, Raw::One(text)) => {
            if text.is_empty() {
                return Value::Array(Vec::new());
            }
            Value::Array(text.split(delimiter).map(|t| coerce_scalar(t, items)).collect())
        }
        (Schema::Array { items, .. }, Raw::Many(list)) => Value::Array(list.iter().map(|t| coerce_scalar(t, items)).collect()),
        (Schema::Object { properties, .. }, Raw::Pairs(pairs)) => coerce_object(properties, pairs),
        (Schema::Object { properties, .. }, Raw::One(text)) => {
            // `k1,v1,k2,v2`, or exploded `k1=v1,k2=v2`.
            let parts: Vec<&str> = text.split(delimiter).collect();
            if parts.iter().all(|p| p.contains('=')) {
                coerce_object(properties, parts.iter().filter_map(|p| p.split_once('=')))
            } else {
                coerce_object(properties, parts.chunks(2).map(|c| (c[0], c.get(1).copied().unwrap_or_default())))
            }
        }
        (_, Raw::One(text)) => coerce_scalar(&text, schema),
        (_, Raw::Many(list)) => list.first().map_or(Value::Null, |t| coerce_scalar(t, schema)),
        (_, Raw::Pairs(_)) => Value::Null,
    }
}

impl Incoming {
    /// A request with nothing in it, for a future that answers at once.
    fn empty() -> Self {
        Incoming {
            method: Method::GET,
            path_params: Vec::new(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            cookies: Vec::new(),
            body: Bytes::new(),
        }
    }

    fn raw<'a>(&'a self, location: Location, name: &str, schema: &'static Schema, style: Style, explode: bool) -> Option<Raw<'a>> {
        match location {
            Location::Path => self.path_params.iter().find(|(n, _)| *n == name).map(|(_, v)| {
                let v = v.as_str();
                Raw::One(Cow::Borrowed(match style {
                    Style::Label => v.strip_prefix('.').unwrap_or(v),
                    // `;name=value`
                    Style::Matrix => v.strip_prefix(';').and_then(|r| r.strip_prefix(name)).and_then(|r| r.strip_prefix('=')).unwrap_or(v),
                    _ => v,
                }))
            }),
            Location::Header => self.headers.get(name).map(|v| Raw::One(String::from_utf8_lossy(v.as_bytes()))),
            Location::Cookie => self.cookies.iter().find(|(n, _)| n == name).map(|(_, v)| Raw::One(Cow::Borrowed(v))),
            Location::Query => {
                if style == Style::DeepObject {
                    // `name[key]=value`
                    let pairs: Vec<(&str, &str)> = self
                        .query
                        .iter()
                        .filter_map(|(k, v)| {
                            let key = k.strip_prefix(name)?.strip_prefix('[')?.strip_suffix(']')?;
                            Some((key, v.as_str()))
                        })
                        .collect();
                    return (!pairs.is_empty()).then_some(Raw::Pairs(pairs));
                }
                if let (Schema::Object { properties, .. }, true) = (deref(schema), explode) {
                    let pairs: Vec<(&str, &str)> = self
                        .query
                        .iter()
                        .filter(|(k, _)| properties.iter().any(|(p, _)| p == k))
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect();
                    return (!pairs.is_empty()).then_some(Raw::Pairs(pairs));
                }
                let mut values = self.query.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str());
                let first = values.next()?;
                match values.next() {
                    None if !explode || !matches!(deref(schema), Schema::Array { .. }) => Some(Raw::One(Cow::Borrowed(first))),
                    None => Some(Raw::Many(vec![first])),
                    Some(second) => Some(Raw::Many([first, second].into_iter().chain(values).collect())),
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
        let pointer = Pointer::Param(section, name);
        let Some(raw) = self.raw(location, name, schema, style, explode) else {
            if required {
                push(errors, &pointer, "is required");
            }
            return None;
        };
        // The usual case, one text value of a string schema, is checked and
        // decoded as it is; anything else, or any failure, goes through a
        // JSON value, which names the failure.
        if let (Raw::One(text), Schema::String { min_length, max_length, pattern, values }) = (&raw, deref(schema)) {
            if !string_breaks(text, *min_length, *max_length, *pattern, values).contains(&true) {
                let text = serde::de::value::StrDeserializer::<serde::de::value::Error>::new(text);
                if let Ok(value) = T::deserialize(text) {
                    return Some(value);
                }
            }
        }
        let delimiter = match style {
            Style::SpaceDelimited => ' ',
            Style::PipeDelimited => '|',
            Style::Label if explode => '.',
            _ => ',',
        };
        let value = coerce(raw, schema, delimiter);
        let before = errors.len();
        validate_at(&value, schema, &pointer, errors);
        if errors.len() > before {
            return None;
        }
        typed(value, &pointer, errors)
    }

    /// The request's media type, without parameters (compared ignoring case).
    fn content_type(&self) -> Option<&str> {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().trim())
    }

    /// Refuses (415) a body in a media type the operation does not accept.
    pub fn expect_media_type(&self, accepted: &[&str]) -> Result<(), Problem> {
        if self.body.is_empty() {
            return Ok(());
        }
        match self.content_type() {
            Some(ct) if accepted.iter().any(|a| a.eq_ignore_ascii_case(ct)) => Ok(()),
            other => Err(Problem::new(
                415,
                "Unsupported Media Type",
                format!(
                    "the body must be one of: {} (got {})",
                    accepted.join(", "),
                    other.map_or_else(|| "no Content-Type".to_owned(), str::to_ascii_lowercase)
                ),
            )),
        }
    }

    /// Refuses (406) a request whose `Accept` admits none of the media types
    /// the operation answers with.
    pub fn expect_acceptable(&self, produced: &[&str]) -> Result<(), Problem> {
        let Some(accept) = self.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
            return Ok(());
        };
        // Most clients send `*/*`, which admits anything.
        if produced.is_empty() || accept == "*/*" {
            return Ok(());
        }
        // Media ranges without their parameters; all comparisons ignore case.
        let fits = |media: &str| {
            let major = media.split('/').next().unwrap_or_default();
            let structured_json = media.len() >= 5 && media.as_bytes()[media.len() - 5..].eq_ignore_ascii_case(b"+json");
            accept.split(',').map(|r| r.split(';').next().unwrap_or_default().trim()).any(|r| {
                r == "*/*"
                    || r.eq_ignore_ascii_case(media)
                    || r.strip_suffix("/*").is_some_and(|range_major| range_major.eq_ignore_ascii_case(major))
                    || (structured_json && r.eq_ignore_ascii_case("application/json"))
            })
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
                push(errors, &BODY, "a request body is required");
            }
            return None;
        }
        // A valid body is checked as it is read and decoded from its text,
        // with no tree in between; any other takes the path below, which
        // names every failure.
        if valid_json(&self.body, schema) {
            if let Ok(value) = serde_json::from_slice(&self.body) {
                return Some(value);
            }
        }
        let value: Value = match serde_json::from_slice(&self.body) {
            Ok(v) => v,
            Err(e) => {
                push(errors, &BODY, format!("not valid JSON: {e}"));
                return None;
            }
        };
        let before = errors.len();
        validate_at(&value, schema, &BODY, errors);
        if errors.len() > before {
            return None;
        }
        typed(value, &BODY, errors)
    }

    /// An `application/x-www-form-urlencoded` body, coerced by its schema.
    pub fn form_body<T: DeserializeOwned>(&self, schema: &'static Schema, required: bool, errors: &mut Vec<FieldError>) -> Option<T> {
        if self.body.is_empty() {
            if required {
                push(errors, &BODY, "a request body is required");
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
        validate_at(&value, schema, &BODY, errors);
        if errors.len() > before {
            return None;
        }
        typed(value, &BODY, errors)
    }

    /// A text body.
    pub fn text_body(&self, required: bool, errors: &mut Vec<FieldError>) -> Option<String> {
        if self.body.is_empty() && required {
            push(errors, &BODY, "a request body is required");
            return None;
        }
        match String::from_utf8(self.body.to_vec()) {
            Ok(text) => Some(text),
            Err(_) => {
                push(errors, &BODY, "must be UTF-8 text");
                None
            }
        }
    }

    /// A raw body (binary, or multipart kept as sent).
    pub fn bytes_body(&self, required: bool, errors: &mut Vec<FieldError>) -> Option<Vec<u8>> {
        if self.body.is_empty() && required {
            push(errors, &BODY, "a request body is required");
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
        match self.parts() {
            Ok((headers, body)) => {
                let mut response = Response::new(body);
                *response.status_mut() = status;
                *response.headers_mut() = headers;
                response
            }
            Err(e) => Problem::new(500, "Internal Server Error", format!("the implementation's response cannot be sent: {e}")).into_response(),
        }
    }

    fn parts(self) -> Result<(HeaderMap, Body), String> {
        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let name = HeaderName::try_from(*name).map_err(|e| e.to_string())?;
            let value = HeaderValue::try_from(value.as_str()).map_err(|e| e.to_string())?;
            headers.append(name, value);
        }
        let Some((media, bytes)) = self.body else {
            return Ok((headers, Body::empty()));
        };
        // A media type from the spec is used as it is, without a copy.
        let visible = media.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b));
        let media = if visible { HeaderValue::from_static(media) } else { HeaderValue::from_str(media).map_err(|e| e.to_string())? };
        headers.append(header::CONTENT_TYPE, media);
        Ok((headers, Body::from(bytes)))
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
                let segment_end = rest.find('/').unwrap_or(rest.len());
                let end = match template.get(i + 1) {
                    // A literal from `/` on cannot occur within the segment.
                    Some(Segment::Literal(next)) if next.starts_with('/') => (segment_end < rest.len()).then_some(segment_end)?,
                    Some(Segment::Literal(next)) => rest[..segment_end].find(next)?,
                    _ => segment_end,
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
        let (state, handle, render, limit) = (state.clone(), handle.clone(), render.clone(), config.body_limit);
        // All but the body is read here, so that the future keeps only what
        // it needs while the body arrives.
        let (parts, body) = request.into_parts();
        let (index, mut incoming, refusal) = match route(routes, parts) {
            Ok((index, incoming)) => (index, incoming, None),
            Err(problem) => (0, Incoming::empty(), Some(Box::new(render(&state, problem)))),
        };
        async move {
            if let Some(refusal) = refusal {
                return *refusal;
            }
            incoming.body = match axum::body::to_bytes(body, limit).await {
                Ok(bytes) => bytes,
                Err(_) => {
                    let problem = Problem::new(413, "Payload Too Large", format!("the body exceeds {limit} bytes"));
                    return render(&state, problem);
                }
            };
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

/// The operation a request is for, and the request read but for its body
/// (404 or 405 when there is none).
fn route(routes: &'static [Route], parts: axum::http::request::Parts) -> Result<(usize, Incoming), Problem> {
    let path = parts.uri.path();
    let method = parts.method.as_str();
    let found = routes
        .iter()
        .enumerate()
        .filter(|(_, route)| route.method == method)
        .find_map(|(index, route)| Some((index, match_path(route.path, path)?)));
    let Some((index, path_params)) = found else {
        // The methods of the routes at this path, in route order.
        let allowed: Vec<&str> = routes.iter().filter(|route| match_path(route.path, path).is_some()).map(|route| route.method).collect();
        return Err(if allowed.is_empty() {
            Problem::new(404, "Not Found", format!("no operation at {path}"))
        } else {
            let mut p = Problem::new(405, "Method Not Allowed", format!("{} is not allowed here", parts.method));
            p.headers.push((header::ALLOW, allowed.join(", ")));
            p
        });
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
    let cookies = if parts.headers.contains_key(header::COOKIE) {
        parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().split_once('=').map(|(k, v)| (k.to_owned(), decode(v))))
            .collect()
    } else {
        Vec::new()
    };
    Ok((index, Incoming { method: parts.method, path_params, query, headers: parts.headers, cookies, body: Bytes::new() }))
}
