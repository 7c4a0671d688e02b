//! HTTP runtime of the generated servers: routing, parameter and body
//! extraction with validation against the spec's schemas, security
//! enforcement, and RFC 9457 problem responses.
//!
//! Every request error is a [`Problem`] (4xx with `application/problem+json`
//! naming each failing field by JSON pointer: `/path/id`, `/query/page`,
//! `/header/x-id`, `/body/items/0/name`). Nothing here panics on input.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

pub use super::{Location, Param, Style};
pub use axum::http::Method;

/// The web framework the generated servers run on, for callers that add
/// layers or routes of their own.
pub use axum;

// ---------------------------------------------------------------- schemas

/// What a JSON value must satisfy: the spec's schema, as static data.
/// The generator writes `properties` sorted by name and `values` sorted,
/// so both are found by binary search whatever their number.
#[derive(Debug)]
pub enum Schema {
    Any,
    /// A named type's schema.
    Ref(&'static Schema),
    Nullable(&'static Schema),
    Boolean,
    Integer {
        minimum: Option<f64>,
        maximum: Option<f64>,
        exclusive_minimum: bool,
        exclusive_maximum: bool,
        int32: bool,
        /// The only values allowed, sorted (none: any).
        values: &'static [i64],
    },
    Number {
        minimum: Option<f64>,
        maximum: Option<f64>,
        exclusive_minimum: bool,
        exclusive_maximum: bool,
        /// The only values allowed, sorted and finite (none: any).
        values: &'static [f64],
    },
    String {
        min_length: Option<u64>,
        max_length: Option<u64>,
        pattern: Option<&'static str>,
        values: &'static [&'static str],
    },
    Array {
        items: &'static Schema,
        min_items: Option<u64>,
        max_items: Option<u64>,
        unique_items: bool,
    },
    Object {
        properties: &'static [(&'static str, &'static Schema)],
        required: &'static [&'static str],
        additional: Additional,
    },
    /// A union with a discriminator: an object whose `property` is one of
    /// the listed tag values, checked against that value's schema.
    Tagged {
        property: &'static str,
        variants: &'static [(&'static str, &'static Schema)],
    },
    /// A `readOnly` property: the server sets it, so a request must not
    /// send it.
    ReadOnly,
}

impl Schema {
    /// Any string.
    pub const STRING: Schema = Schema::String { min_length: None, max_length: None, pattern: None, values: &[] };
    /// Any 64-bit integer.
    pub const INTEGER: Schema = Schema::Integer {
        minimum: None,
        maximum: None,
        exclusive_minimum: false,
        exclusive_maximum: false,
        int32: false,
        values: &[],
    };
    /// Any 32-bit integer.
    pub const INT32: Schema = Schema::Integer {
        minimum: None,
        maximum: None,
        exclusive_minimum: false,
        exclusive_maximum: false,
        int32: true,
        values: &[],
    };
    /// Any number.
    pub const NUMBER: Schema = Schema::Number {
        minimum: None,
        maximum: None,
        exclusive_minimum: false,
        exclusive_maximum: false,
        values: &[],
    };
    /// Any JSON object.
    pub const OBJECT: Schema = Schema::Object { properties: &[], required: &[], additional: Additional::Allow };

    /// An array of `items`, of any length, repeats allowed.
    pub const fn array(items: &'static Schema) -> Schema {
        Schema::Array { items, min_items: None, max_items: None, unique_items: false }
    }

    /// A string that is one of `values`, which must be sorted and without
    /// repeats (they are found by binary search).
    pub const fn string_enum(values: &'static [&'static str]) -> Schema {
        Schema::String { min_length: None, max_length: None, pattern: None, values }
    }
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

/// How many failures one request reports: a body of a hundred thousand
/// unknown keys must not become a problem document a hundred thousand
/// entries long.
pub const MAX_FIELD_ERRORS: usize = 100;

fn push(errors: &mut Vec<FieldError>, pointer: &Pointer<'_>, detail: impl Into<String>) {
    match errors.len() {
        n if n < MAX_FIELD_ERRORS => errors.push(FieldError { pointer: pointer.render(), detail: detail.into() }),
        MAX_FIELD_ERRORS => {
            errors.push(FieldError { pointer: String::new(), detail: "more failures, not listed".into() })
        }
        _ => {}
    }
}

/// A property's schema: `properties` is sorted by name.
fn property(properties: &[(&'static str, &'static Schema)], name: &str) -> Option<(usize, &'static Schema)> {
    properties.binary_search_by(|(p, _)| (*p).cmp(name)).ok().map(|i| (i, properties[i].1))
}

/// How many `Ref`s a schema may pass through before it is taken to be a
/// cycle of references that describes no value (the generator never
/// writes one; this keeps a hand-made table from hanging a request).
const MAX_REF_HOPS: usize = 64;

/// The schema past references and, when `null`, past `Nullable`; `None`
/// when anything goes.
fn resolve(mut schema: &'static Schema, null: bool) -> Option<&'static Schema> {
    for _ in 0..MAX_REF_HOPS {
        match schema {
            Schema::Any => return None,
            Schema::Ref(inner) => schema = inner,
            Schema::Nullable(_) if null => return None,
            Schema::Nullable(inner) => schema = inner,
            other => return Some(other),
        }
    }
    None
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

fn bounds(
    errors: &mut Vec<FieldError>,
    pointer: &Pointer<'_>,
    n: f64,
    min: Option<f64>,
    max: Option<f64>,
    ex_min: bool,
    ex_max: bool,
) {
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
fn string_breaks(
    s: &str,
    min_length: Option<u64>,
    max_length: Option<u64>,
    pattern: Option<&'static str>,
    values: &[&str],
) -> [bool; 4] {
    let length = if min_length.is_some() || max_length.is_some() { s.chars().count() as u64 } else { 0 };
    [
        min_length.is_some_and(|m| length < m),
        max_length.is_some_and(|m| length > m),
        pattern.is_some_and(|p| !pattern_matches(p, s)),
        !values.is_empty() && values.binary_search(&s).is_err(),
    ]
}

/// Whether an integer is one of `values` (sorted), or `values` is empty.
fn listed_integer(values: &[i64], i: i64) -> bool {
    values.is_empty() || values.binary_search(&i).is_ok()
}

/// Whether a number is one of `values` (sorted, finite), or `values` is
/// empty; `1` and `1.0` are the same number, as are `0` and `-0`.
fn listed_number(values: &[f64], n: f64) -> bool {
    values.is_empty() || values.binary_search_by(|v| v.partial_cmp(&n).unwrap_or(std::cmp::Ordering::Less)).is_ok()
}

/// `must be one of: a, b, c`, listing at most twenty values.
fn one_of<T: std::fmt::Display>(values: &[T]) -> String {
    const LISTED: usize = 20;
    let listed: Vec<String> = values[..values.len().min(LISTED)].iter().map(T::to_string).collect();
    let mut text = format!("must be one of: {}", listed.join(", "));
    if values.len() > LISTED {
        let _ = write!(text, ", ... ({} values in all)", values.len());
    }
    text
}

/// A value written so that values JSON Schema calls equal (`1` and `1.0`,
/// objects whatever their key order) are written the same, for
/// `uniqueItems` by hashing instead of comparing every pair.
fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push('n'),
        Value::Bool(b) => out.push(if *b { 't' } else { 'f' }),
        Value::Number(n) => {
            out.push('#');
            match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => {
                    let _ = write!(out, "{i}");
                }
                (_, Some(u), _) => {
                    let _ = write!(out, "{u}");
                }
                (_, _, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                    let _ = write!(out, "{}", f as i64);
                }
                (_, _, Some(f)) => {
                    let _ = write!(out, "{f:e}");
                }
                _ => out.push_str(&n.to_string()),
            }
        }
        Value::String(s) => {
            out.push('"');
            let _ = write!(out, "{}:", s.len());
            out.push_str(s);
        }
        Value::Array(items) => {
            let _ = write!(out, "[{}:", items.len());
            for item in items {
                canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable();
            let _ = write!(out, "{{{}:", keys.len());
            for key in keys {
                let _ = write!(out, "{}:", key.len());
                out.push_str(key);
                canonical(&map[key], out);
            }
            out.push('}');
        }
    }
}

/// Whether every item of a list is different, in linear time.
fn all_unique(list: &[Value]) -> bool {
    let mut seen = HashSet::with_capacity(list.len());
    list.iter().all(|item| {
        let mut text = String::new();
        canonical(item, &mut text);
        seen.insert(text)
    })
}

/// Validates a value, collecting every failure rather than the first.
pub fn validate(value: &Value, schema: &'static Schema, pointer: &str, errors: &mut Vec<FieldError>) {
    validate_at(value, schema, &Pointer::Root(pointer), errors);
}

fn validate_at(value: &Value, schema: &'static Schema, pointer: &Pointer<'_>, errors: &mut Vec<FieldError>) {
    let Some(schema) = resolve(schema, value.is_null()) else {
        return;
    };
    match (schema, value) {
        (Schema::Any | Schema::Ref(_) | Schema::Nullable(_), _) => {}
        (Schema::Boolean, Value::Bool(_)) => {}
        (
            Schema::Integer { minimum, maximum, exclusive_minimum, exclusive_maximum, int32, values },
            Value::Number(n),
        ) => match n.as_i64() {
            Some(i) => {
                if *int32 && i32::try_from(i).is_err() {
                    push(errors, pointer, "must fit in 32 bits");
                }
                bounds(errors, pointer, i as f64, *minimum, *maximum, *exclusive_minimum, *exclusive_maximum);
                if !listed_integer(values, i) {
                    push(errors, pointer, one_of(values));
                }
            }
            None => push(errors, pointer, "must be an integer"),
        },
        (Schema::Number { minimum, maximum, exclusive_minimum, exclusive_maximum, values }, Value::Number(n)) => {
            let n = n.as_f64().unwrap_or(0.0);
            bounds(errors, pointer, n, *minimum, *maximum, *exclusive_minimum, *exclusive_maximum);
            if !listed_number(values, n) {
                push(errors, pointer, one_of(values));
            }
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
                push(errors, pointer, one_of(values));
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
            if *unique_items && !all_unique(list) {
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
                match property(properties, key) {
                    Some((_, schema)) => validate_at(item, schema, &at, errors),
                    None => match additional {
                        Additional::Allow => {}
                        Additional::Deny => push(errors, &at, "is not a known property"),
                        Additional::Check(schema) => validate_at(item, schema, &at, errors),
                    },
                }
            }
        }
        (Schema::Tagged { property, variants }, Value::Object(map)) => {
            let at = Pointer::Key(pointer, property);
            match map.get(*property) {
                None => push(errors, &at, "is required: it names the variant"),
                Some(Value::String(tag)) => match variants.iter().find(|(t, _)| t == tag) {
                    Some((_, schema)) => validate_at(value, schema, pointer, errors),
                    None => {
                        let tags: Vec<&str> = variants.iter().map(|(t, _)| *t).collect();
                        push(errors, &at, one_of(&tags));
                    }
                },
                Some(other) => push(errors, &at, format!("must be a string, not {}", kind(other))),
            }
        }
        (Schema::ReadOnly, _) => push(errors, pointer, "is read-only: the server sets it, a request must not send it"),
        (expected, actual) => {
            let wanted = match expected {
                Schema::Boolean => "a boolean",
                Schema::Integer { .. } => "an integer",
                Schema::Number { .. } => "a number",
                Schema::String { .. } => "a string",
                Schema::Array { .. } => "an array",
                Schema::Object { .. } | Schema::Tagged { .. } => "an object",
                Schema::Any | Schema::Ref(_) | Schema::Nullable(_) | Schema::ReadOnly => "a value",
            };
            push(errors, pointer, format!("must be {wanted}, not {}", kind(actual)));
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
        passes(match resolve(self.0, false) {
            None => true,
            Some(Schema::Integer { minimum, maximum, exclusive_minimum, exclusive_maximum, int32, values }) => int
                .is_some_and(|i| {
                    !(*int32 && i32::try_from(i).is_err())
                        && outside(i as f64, *minimum, *maximum, *exclusive_minimum, *exclusive_maximum)
                            == (false, false)
                        && listed_integer(values, i)
                }),
            Some(Schema::Number { minimum, maximum, exclusive_minimum, exclusive_maximum, values }) => {
                outside(n, *minimum, *maximum, *exclusive_minimum, *exclusive_maximum) == (false, false)
                    && listed_number(values, n)
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
        passes(resolve(self.0, true).is_none())
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        passes(matches!(resolve(self.0, false), None | Some(Schema::Boolean)))
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
        passes(match resolve(self.0, false) {
            None => true,
            Some(Schema::String { min_length, max_length, pattern, values }) => {
                !string_breaks(s, *min_length, *max_length, *pattern, values).contains(&true)
            }
            Some(_) => false,
        })
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        match resolve(self.0, false) {
            // Read through, still refusing a key given twice anywhere in it.
            None => while seq.next_element_seed(Check(&Schema::Any))?.is_some() {},
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
        let (properties, required, additional) = match resolve(self.0, false) {
            None => (&[][..], &[][..], &Additional::Allow),
            Some(Schema::Object { properties, required, additional }) if properties.len() <= 64 => {
                (*properties, *required, additional)
            }
            Some(_) => return Err(fails()),
        };
        // Properties seen, by index; other keys kept (hashed) to find repeats.
        let mut seen = 0u64;
        let mut others: HashSet<Cow<'de, str>> = HashSet::new();
        while let Some(key) = map.next_key_seed(KeyText)? {
            match property(properties, &key) {
                Some((i, _)) if seen & (1 << i) != 0 => return Err(fails()),
                Some((i, schema)) => {
                    seen |= 1 << i;
                    map.next_value_seed(Check(schema))?;
                }
                None => {
                    let schema = match additional {
                        Additional::Deny => return Err(fails()),
                        Additional::Allow => &Schema::Any,
                        Additional::Check(schema) => schema,
                    };
                    if !others.insert(key) {
                        return Err(fails());
                    }
                    map.next_value_seed(Check(schema))?;
                }
            }
        }
        let present = |name: &str| match property(properties, name) {
            Some((i, _)) => seen & (1 << i) != 0,
            None => others.contains(name),
        };
        passes(required.iter().all(|name| present(name)))
    }
}

/// Parses a JSON body into a tree, refusing a key given twice in one
/// object (a `serde_json::Value` would keep the last silently, so two
/// readers of one body could disagree on what it says).
fn parse_json(text: &[u8], errors: &mut Vec<FieldError>) -> Option<Value> {
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    let mut repeated = None;
    let parsed =
        serde::de::DeserializeSeed::deserialize(Tree { at: &BODY, repeated: &mut repeated }, &mut deserializer)
            .and_then(|value| deserializer.end().map(|()| value));
    match (parsed, repeated) {
        (_, Some(at)) => {
            errors.push(FieldError { pointer: at, detail: "is given more than once".into() });
            None
        }
        (Ok(value), None) => Some(value),
        (Err(e), None) => {
            push(errors, &BODY, format!("not valid JSON: {e}"));
            None
        }
    }
}

/// Builds a JSON tree, stopping at the first key an object repeats and
/// keeping that key's pointer in `repeated`.
struct Tree<'a> {
    at: &'a Pointer<'a>,
    repeated: &'a mut Option<String>,
}

impl<'de> serde::de::DeserializeSeed<'de> for Tree<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Tree<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Value, E> {
        Ok(Value::from(n))
    }

    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Value, E> {
        Ok(Value::from(n))
    }

    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E: serde::de::Error>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            let at = Pointer::Index(self.at, items.len());
            match seq.next_element_seed(Tree { at: &at, repeated: &mut *self.repeated })? {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let at = Pointer::Key(self.at, &key);
            if object.contains_key(&key) {
                *self.repeated = Some(at.render());
                return Err(serde::de::Error::custom("a key is given twice"));
            }
            let value = map.next_value_seed(Tree { at: &at, repeated: &mut *self.repeated })?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
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

/// A parameter as the server reads it: where and how it is written
/// ([`Param`], with the same defaults), whether it must be sent, and its
/// schema: `Input::path("id", &Schema::STRING).style(Style::Label).required()`.
#[derive(Debug)]
pub struct Input {
    pub param: Param,
    pub presence: Presence,
    pub schema: &'static Schema,
}

impl Input {
    const fn new(param: Param, schema: &'static Schema) -> Input {
        Input { param, presence: Presence::Optional, schema }
    }

    /// An optional path parameter (simple style).
    pub const fn path(name: &'static str, schema: &'static Schema) -> Input {
        Input::new(Param::path(name), schema)
    }

    /// An optional query parameter (form style, exploded).
    pub const fn query(name: &'static str, schema: &'static Schema) -> Input {
        Input::new(Param::query(name), schema)
    }

    /// An optional header parameter (simple style).
    pub const fn header(name: &'static str, schema: &'static Schema) -> Input {
        Input::new(Param::header(name), schema)
    }

    /// An optional cookie parameter (form style, exploded).
    pub const fn cookie(name: &'static str, schema: &'static Schema) -> Input {
        Input::new(Param::cookie(name), schema)
    }

    /// See [`Param::style`].
    pub const fn style(self, style: Style) -> Input {
        Input { param: self.param.style(style), ..self }
    }

    /// See [`Param::exploded`].
    pub const fn exploded(self) -> Input {
        Input { param: self.param.exploded(), ..self }
    }

    /// See [`Param::unexploded`].
    pub const fn unexploded(self) -> Input {
        Input { param: self.param.unexploded(), ..self }
    }

    /// The parameter, required.
    pub const fn required(self) -> Input {
        Input { presence: Presence::Required, ..self }
    }
}

/// Whether a parameter or body must be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Required,
    Optional,
}

impl Location {
    /// The section of a problem's pointers this location's values are under.
    fn section(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Cookie => "cookie",
        }
    }
}

/// A request that matched a route. Its body is read by [`Incoming::read_body`],
/// which the handlers call once the credentials and media types passed, so
/// a request that is refused is refused before its body is received.
#[derive(Debug)]
pub struct Incoming {
    pub method: Method,
    path_params: Vec<(&'static str, String)>,
    query: Vec<(String, String)>,
    pub headers: HeaderMap,
    cookies: Vec<(String, String)>,
    /// The body, once read.
    pub body: Bytes,
    pending: Option<Pending>,
}

/// Percent-decodes text; `+` is a space when `form`. Escapes that do not
/// spell UTF-8 (`%FF`) are an error: replaced by U+FFFD, two different ids
/// would become one.
fn decode(text: &str, form: bool) -> Result<String, ()> {
    let spaced = if form && text.contains('+') { Cow::Owned(text.replace('+', " ")) } else { Cow::Borrowed(text) };
    match percent_encoding::percent_decode_str(&spaced).decode_utf8() {
        Ok(Cow::Borrowed(_)) => Ok(spaced.into_owned()),
        Ok(Cow::Owned(decoded)) => Ok(decoded),
        Err(_) => Err(()),
    }
}

/// `k=v` pairs of a query string or form body, decoded; a pair that does
/// not decode is named (by its raw key) under `section`.
fn decode_pairs(text: &str, section: &'static str) -> Result<Vec<(String, String)>, Problem> {
    let mut pairs = Vec::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match (decode(k, true), decode(v, true)) {
            (Ok(k), Ok(v)) => pairs.push((k, v)),
            _ => return Err(not_utf8(section, k)),
        }
    }
    Ok(pairs)
}

fn not_utf8(section: &'static str, name: &str) -> Problem {
    let mut at = String::new();
    Pointer::Param(section, name).write(&mut at);
    Problem::invalid(vec![FieldError { pointer: at, detail: "percent-escapes that are not UTF-8".into() }])
}

/// Raw text of a parameter, before coercion to its schema, borrowed from
/// the request.
enum Raw<'a> {
    One(Cow<'a, str>),
    Many(Vec<&'a str>),
    Pairs(Vec<(&'a str, &'a str)>),
}

/// Why a parameter's text cannot be read: given more than once where the
/// spec allows one value, or not text.
enum Unreadable {
    Repeated,
    NotText,
}

fn deref(schema: &'static Schema) -> &'static Schema {
    resolve(schema, false).unwrap_or(&Schema::Any)
}

/// Turns parameter text into the JSON value its schema describes; text that
/// does not parse stays a string, so validation names the mismatch.
fn coerce_scalar(text: &str, schema: &'static Schema) -> Value {
    match deref(schema) {
        Schema::Integer { .. } => {
            text.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::String(text.to_owned()))
        }
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

/// An object from key/value text, each value coerced by its property's
/// schema; a key given twice is named.
fn coerce_object<'a>(
    properties: &[(&'static str, &'static Schema)],
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Value, String> {
    let mut map = Map::new();
    for (k, v) in pairs {
        let schema = property(properties, k).map_or(&Schema::Any, |(_, s)| s);
        if map.insert(k.to_owned(), coerce_scalar(v, schema)).is_some() {
            return Err(k.to_owned());
        }
    }
    Ok(Value::Object(map))
}

fn coerce(raw: Raw<'_>, schema: &'static Schema, delimiter: char) -> Result<Value, String> {
    Ok(match (deref(schema), raw) {
        (Schema::Array { items, .. }, Raw::One(text)) => {
            if text.is_empty() {
                return Ok(Value::Array(Vec::new()));
            }
            Value::Array(text.split(delimiter).map(|t| coerce_scalar(t, items)).collect())
        }
        (Schema::Array { items, .. }, Raw::Many(list)) => {
            Value::Array(list.iter().map(|t| coerce_scalar(t, items)).collect())
        }
        (Schema::Object { properties, .. }, Raw::Pairs(pairs)) => coerce_object(properties, pairs)?,
        (Schema::Object { properties, .. }, Raw::One(text)) => {
            // `k1,v1,k2,v2`, or exploded `k1=v1,k2=v2`.
            let parts: Vec<&str> = text.split(delimiter).collect();
            if parts.iter().all(|p| p.contains('=')) {
                coerce_object(properties, parts.iter().filter_map(|p| p.split_once('=')))?
            } else {
                coerce_object(properties, parts.chunks(2).map(|c| (c[0], c.get(1).copied().unwrap_or_default())))?
            }
        }
        (_, Raw::One(text)) => coerce_scalar(&text, schema),
        (_, Raw::Many(list)) => list.first().map_or(Value::Null, |t| coerce_scalar(t, schema)),
        (_, Raw::Pairs(_)) => Value::Null,
    })
}

/// A body still to read, with its limit and deadline.
type Pending = (Body, usize, Duration);

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
            pending: None,
        }
    }

    /// Receives the body, within the operation's size limit (413, at once
    /// when `Content-Length` says it is larger) and the body timeout (408).
    /// Handlers call it after security and media types are checked.
    pub async fn read_body(&mut self) -> Result<(), Problem> {
        let Some((body, limit, timeout)): Option<Pending> = self.pending.take() else {
            return Ok(());
        };
        let too_large = || {
            let mut problem = Problem::new(413, "Payload Too Large", format!("the body exceeds {limit} bytes"));
            problem.headers.push((header::CONNECTION, "close".into()));
            problem
        };
        let declared = self
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        match tokio::time::timeout(timeout, axum::body::to_bytes(body, limit)).await {
            Ok(Ok(bytes)) => {
                self.body = bytes;
                Ok(())
            }
            Ok(Err(e)) => {
                let over = std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
                if over {
                    Err(too_large())
                } else {
                    Err(Problem::new(400, "Bad Request", "the body could not be read"))
                }
            }
            Err(_) => {
                let mut problem = Problem::new(
                    408,
                    "Request Timeout",
                    format!("the body did not arrive within {} s", timeout.as_secs_f64()),
                );
                problem.headers.push((header::CONNECTION, "close".into()));
                Err(problem)
            }
        }
    }

    fn raw<'a>(
        &'a self,
        location: Location,
        name: &str,
        schema: &'static Schema,
        style: Style,
        explode: bool,
    ) -> Result<Option<Raw<'a>>, Unreadable> {
        let once = |mut values: std::vec::IntoIter<&'a str>| -> Result<Option<&'a str>, Unreadable> {
            let first = values.next();
            match values.next() {
                Some(_) => Err(Unreadable::Repeated),
                None => Ok(first),
            }
        };
        let is_array = matches!(deref(schema), Schema::Array { .. });
        match location {
            Location::Path => Ok(self.path_params.iter().find(|(n, _)| *n == name).map(|(_, v)| {
                let v = v.as_str();
                if style == Style::Matrix && explode {
                    // `;name=1;name=2` for a list, `;k1=v1;k2=v2` for an object.
                    let pieces = v.strip_prefix(';').unwrap_or(v).split(';');
                    if let Schema::Object { .. } = deref(schema) {
                        return Raw::Pairs(pieces.map(|p| p.split_once('=').unwrap_or((p, ""))).collect());
                    }
                    if is_array {
                        let values =
                            pieces.map(|p| p.strip_prefix(name).and_then(|r| r.strip_prefix('=')).unwrap_or(p));
                        return Raw::Many(values.collect());
                    }
                }
                Raw::One(Cow::Borrowed(match style {
                    Style::Label => v.strip_prefix('.').unwrap_or(v),
                    // `;name=value`
                    Style::Matrix => v
                        .strip_prefix(';')
                        .and_then(|r| r.strip_prefix(name))
                        .and_then(|r| r.strip_prefix('='))
                        .unwrap_or(v),
                    _ => v,
                }))
            })),
            Location::Header => {
                let mut lines = Vec::new();
                for value in self.headers.get_all(name) {
                    lines.push(std::str::from_utf8(value.as_bytes()).map_err(|_| Unreadable::NotText)?);
                }
                let text = match lines.as_slice() {
                    [] => return Ok(None),
                    [one] => Cow::Borrowed(*one),
                    // Several lines of a list are one list (RFC 9110 5.3).
                    _ if is_array => Cow::Owned(lines.join(",")),
                    _ => return Err(Unreadable::Repeated),
                };
                // The items of a list or object may have spaces around the
                // commas between them (RFC 9110 5.6.1).
                let structured = is_array || matches!(deref(schema), Schema::Object { .. });
                if structured && text.contains([' ', '\t']) {
                    let items: Vec<&str> = text.split(',').map(|item| item.trim_matches([' ', '\t'])).collect();
                    return Ok(Some(Raw::One(Cow::Owned(items.join(",")))));
                }
                Ok(Some(Raw::One(text)))
            }
            Location::Cookie => {
                let values: Vec<&str> =
                    self.cookies.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str()).collect();
                Ok(once(values.into_iter())?.map(|v| Raw::One(Cow::Borrowed(v))))
            }
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
                    return Ok((!pairs.is_empty()).then_some(Raw::Pairs(pairs)));
                }
                if let (Schema::Object { properties, .. }, true) = (deref(schema), explode) {
                    let pairs: Vec<(&str, &str)> = self
                        .query
                        .iter()
                        .filter(|(k, _)| property(properties, k).is_some())
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect();
                    return Ok((!pairs.is_empty()).then_some(Raw::Pairs(pairs)));
                }
                let values: Vec<&str> = self.query.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect();
                if is_array && explode {
                    return Ok((!values.is_empty()).then_some(Raw::Many(values)));
                }
                Ok(once(values.into_iter())?.map(|v| Raw::One(Cow::Borrowed(v))))
            }
        }
    }

    /// Reads, coerces, validates and types one parameter. Absent optional
    /// parameters give `None`; every failure is added to `errors`. A
    /// parameter the spec gives one value that arrives twice is a failure,
    /// never first or last wins.
    pub fn param<T: DeserializeOwned>(&self, input: &'static Input, errors: &mut Vec<FieldError>) -> Option<T> {
        let Input { param: Param { name, location, style, explode }, presence, schema } = *input;
        let section = location.section();
        let pointer = Pointer::Param(section, name);
        let raw = match self.raw(location, name, schema, style, explode) {
            Ok(Some(raw)) => raw,
            Ok(None) => {
                if presence == Presence::Required {
                    push(errors, &pointer, "is required");
                }
                return None;
            }
            Err(Unreadable::Repeated) => {
                push(errors, &pointer, "is given more than once");
                return None;
            }
            Err(Unreadable::NotText) => {
                push(errors, &pointer, "is not UTF-8 text");
                return None;
            }
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
        let value = match coerce(raw, schema, delimiter) {
            Ok(value) => value,
            Err(key) => {
                push(errors, &Pointer::Key(&pointer, &key), "is given more than once");
                return None;
            }
        };
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

    /// Whether a body is coming (or came): a length above zero, or chunks.
    fn has_body(&self) -> bool {
        if !self.body.is_empty() {
            return true;
        }
        let length = self
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        length.is_some_and(|n| n > 0) || (length.is_none() && self.headers.contains_key(header::TRANSFER_ENCODING))
    }

    /// Refuses (415) a body in a media type the operation does not accept.
    pub fn expect_media_type(&self, accepted: &[&str]) -> Result<(), Problem> {
        if !self.has_body() {
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
    /// the operation answers with, weighing each by the most specific range
    /// that matches it (RFC 9110 12.5.1: `q=0` refuses). The server's own
    /// refusals are `application/problem+json`, so a client that names that
    /// type is never refused here.
    pub fn expect_acceptable(&self, produced: &[&str]) -> Result<(), Problem> {
        if produced.is_empty() || !self.headers.contains_key(header::ACCEPT) {
            return Ok(());
        }
        let mut ranges = Vec::new();
        for value in self.headers.get_all(header::ACCEPT) {
            let Ok(text) = value.to_str() else { continue };
            // Most clients send `*/*` alone, which admits anything.
            if text.trim() == "*/*" {
                return Ok(());
            }
            ranges.extend(text.split(',').filter_map(MediaRange::parse));
        }
        // A client that names problem documents takes the server's own answers.
        if ranges.iter().any(|r| r.q > 0.0 && r.range.eq_ignore_ascii_case("application/problem+json")) {
            return Ok(());
        }
        let acceptable = produced.iter().any(|media| {
            let mut best: Option<(u8, f32)> = None;
            for range in &ranges {
                if let Some(specificity) = range.matches(media) {
                    if best.is_none_or(|(s, _)| specificity > s) {
                        best = Some((specificity, range.q));
                    }
                }
            }
            best.is_some_and(|(_, q)| q > 0.0)
        });
        if acceptable || ranges.is_empty() {
            Ok(())
        } else {
            Err(Problem::new(406, "Not Acceptable", format!("this operation answers with: {}", produced.join(", "))))
        }
    }

    /// The body of a structured media type, `None` when none was sent (a
    /// failure when one is required: an empty document is no document).
    fn sent_body(&self, presence: Presence, errors: &mut Vec<FieldError>) -> Option<&[u8]> {
        if self.body.is_empty() {
            if presence == Presence::Required {
                push(errors, &BODY, "a request body is required");
            }
            return None;
        }
        Some(&self.body)
    }

    /// A JSON body: parsed, validated against its schema, typed.
    pub fn json_body<T: DeserializeOwned>(
        &self,
        schema: &'static Schema,
        presence: Presence,
        errors: &mut Vec<FieldError>,
    ) -> Option<T> {
        let body = self.sent_body(presence, errors)?;
        // A valid body is checked as it is read and decoded from its text,
        // with no tree in between; any other takes the path below, which
        // names every failure.
        if valid_json(body, schema) {
            if let Ok(value) = serde_json::from_slice(body) {
                return Some(value);
            }
        }
        let value = parse_json(body, errors)?;
        let before = errors.len();
        validate_at(&value, schema, &BODY, errors);
        if errors.len() > before {
            return None;
        }
        typed(value, &BODY, errors)
    }

    /// An `application/x-www-form-urlencoded` body, coerced by its schema;
    /// a field the schema gives one value that is sent twice is refused.
    pub fn form_body<T: DeserializeOwned>(
        &self,
        schema: &'static Schema,
        presence: Presence,
        errors: &mut Vec<FieldError>,
    ) -> Option<T> {
        let Ok(text) = std::str::from_utf8(self.sent_body(presence, errors)?) else {
            push(errors, &BODY, "must be UTF-8 text");
            return None;
        };
        let pairs = match decode_pairs(text, "body") {
            Ok(pairs) => pairs,
            Err(problem) => {
                errors.extend(problem.errors);
                return None;
            }
        };
        let properties: &[(&str, &Schema)] = match deref(schema) {
            Schema::Object { properties, .. } => properties,
            _ => &[],
        };
        let mut map = Map::new();
        for (k, v) in pairs {
            let schema = property(properties, &k).map_or(&Schema::Any, |(_, s)| s);
            match (deref(schema), map.get_mut(&k)) {
                (Schema::Array { items, .. }, Some(Value::Array(list))) => list.push(coerce_scalar(&v, items)),
                (Schema::Array { items, .. }, _) => {
                    map.insert(k, Value::Array(vec![coerce_scalar(&v, items)]));
                }
                (_, Some(_)) => {
                    push(errors, &Pointer::Key(&BODY, &k), "is given more than once");
                    return None;
                }
                (_, None) => {
                    map.insert(k, coerce_scalar(&v, schema));
                }
            }
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
    pub fn text_body(&self, presence: Presence, errors: &mut Vec<FieldError>) -> Option<String> {
        if self.body.is_empty() && presence == Presence::Required {
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
    pub fn bytes_body(&self, presence: Presence, errors: &mut Vec<FieldError>) -> Option<Vec<u8>> {
        if self.body.is_empty() && presence == Presence::Required {
            push(errors, &BODY, "a request body is required");
            return None;
        }
        Some(self.body.to_vec())
    }
}

/// One range of an `Accept` header: `type/subtype`, `type/*` or `*/*`,
/// with its weight.
struct MediaRange<'a> {
    range: &'a str,
    q: f32,
}

impl<'a> MediaRange<'a> {
    fn parse(text: &'a str) -> Option<Self> {
        let mut parts = text.split(';');
        let range = parts.next()?.trim();
        if range.is_empty() {
            return None;
        }
        let q = parts
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
            .map_or(1.0, |(_, v)| v.trim().parse::<f32>().map_or(1.0, |q| q.clamp(0.0, 1.0)));
        Some(MediaRange { range, q })
    }

    /// How specifically this range names `media` (higher is more
    /// specific), or `None` when it does not. `application/json` also
    /// admits `+json` types, less specifically than their own name.
    fn matches(&self, media: &str) -> Option<u8> {
        let media = media.split(';').next().unwrap_or_default().trim();
        let major = media.split('/').next().unwrap_or_default();
        let structured_json = media.len() >= 5 && media.as_bytes()[media.len() - 5..].eq_ignore_ascii_case(b"+json");
        if self.range.eq_ignore_ascii_case(media) {
            Some(4)
        } else if structured_json && self.range.eq_ignore_ascii_case("application/json") {
            Some(3)
        } else if self.range.strip_suffix("/*").is_some_and(|range_major| range_major.eq_ignore_ascii_case(major)) {
            Some(2)
        } else if self.range == "*/*" {
            Some(1)
        } else {
            None
        }
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
    fn authenticate(
        &self,
        scheme: &str,
        credential: Credential,
    ) -> impl Future<Output = Option<Grant<Self::Principal>>> + Send {
        let _ = (scheme, credential);
        async { None }
    }
}

/// The security requirements of an operation: alternatives of combined
/// schemes, each with its scopes.
pub type Security = &'static [&'static [(&'static str, &'static [&'static str])]];

/// The credential a scheme finds in a request: `Ok(None)` when it is
/// absent or malformed (401), an error when it is given twice (400: which
/// one counts would be a guess).
fn credential(req: &Incoming, kind: SchemeKind) -> Result<Option<Credential>, Problem> {
    let single = |values: Vec<&str>, section: &'static str, name: &str| -> Result<Option<String>, Problem> {
        match values.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some((*one).to_owned())),
            _ => {
                let mut at = String::new();
                Pointer::Param(section, name).write(&mut at);
                Err(Problem::invalid(vec![FieldError { pointer: at, detail: "is given more than once".into() }]))
            }
        }
    };
    let header = |name: &str| -> Result<Option<String>, Problem> {
        let values: Vec<&str> = req.headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
        single(values, "header", name)
    };
    let authorization =
        || -> Result<Option<String>, Problem> { Ok(header("authorization")?.map(|v| v.trim().to_owned())) };
    Ok(match kind {
        SchemeKind::Bearer => authorization()?.and_then(|value| {
            let (scheme, token) = value.split_once(' ')?;
            (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
                .then(|| Credential::Bearer(token.trim().to_owned()))
        }),
        SchemeKind::Basic => authorization()?.and_then(|value| {
            use base64::Engine;
            let (scheme, encoded) = value.split_once(' ')?;
            if !scheme.eq_ignore_ascii_case("basic") {
                return None;
            }
            let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
            let text = String::from_utf8(decoded).ok()?;
            let (username, password) = text.split_once(':')?;
            Some(Credential::Basic { username: username.to_owned(), password: password.to_owned() })
        }),
        SchemeKind::ApiKey(location, name) => {
            let value = match location {
                Location::Header => header(name)?,
                Location::Query => single(
                    req.query.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect(),
                    "query",
                    name,
                )?,
                Location::Cookie => single(
                    req.cookies.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect(),
                    "cookie",
                    name,
                )?,
                Location::Path => None,
            };
            value.filter(|v| !v.is_empty()).map(Credential::ApiKey)
        }
        SchemeKind::Unsupported => None,
    })
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

/// What an operation requires of a request before its inputs are read:
/// its security, the media types it answers in, and those its body may
/// come in (empty when it has no body, or takes multipart as sent).
#[derive(Debug)]
pub struct Operation {
    pub security: Security,
    pub produces: &'static [&'static str],
    pub consumes: &'static [&'static str],
}

/// Admits a request to an operation, in the order that refuses it
/// cheapest first: security (401, 403) before anything else is read, then
/// `Accept` (406) and `Content-Type` (415), then the body within its limit
/// and timeout (413, 408). Gives the principal of the credentials that met
/// the security requirements.
pub async fn admit<A: Authenticate>(
    api: &A,
    request: &mut Incoming,
    schemes: &'static [(&'static str, SchemeKind)],
    operation: &'static Operation,
) -> Result<Option<A::Principal>, Problem> {
    let principal = authorize(api, request, schemes, operation.security).await?;
    request.expect_acceptable(operation.produces)?;
    if !operation.consumes.is_empty() {
        request.expect_media_type(operation.consumes)?;
    }
    request.read_body().await?;
    Ok(principal)
}

/// Checks an operation's security requirements: the first alternative
/// whose schemes all present valid credentials with the required scopes
/// wins, and its first scheme's principal is returned. Otherwise 403 when
/// a valid credential lacked scopes, 401 with `WWW-Authenticate` when
/// credentials were missing or invalid.
pub fn authorize<'a, A: Authenticate>(
    api: &'a A,
    req: &Incoming,
    schemes: &'static [(&'static str, SchemeKind)],
    security: Security,
) -> impl Future<Output = Result<Option<A::Principal>, Problem>> + Send + 'a {
    // The credentials are taken from the request first, so that the future
    // does not hold the request (whose body is still to come).
    let kind_of =
        |scheme: &str| schemes.iter().find(|(n, _)| *n == scheme).map_or(SchemeKind::Unsupported, |(_, k)| *k);
    let found: Result<Vec<Vec<Option<Credential>>>, Problem> = security
        .iter()
        .map(|alternative| alternative.iter().map(|(scheme, _)| credential(req, kind_of(scheme))).collect())
        .collect();
    async move {
        if security.is_empty() {
            return Ok(None);
        }
        let found = found?;
        let mut lacking_scopes = false;
        for (alternative, credentials) in security.iter().zip(found) {
            let mut principal = None;
            let mut met = true;
            for ((scheme, scopes), credential) in alternative.iter().zip(credentials) {
                let Some(credential) = credential else {
                    met = false;
                    break;
                };
                let Some(grant) = api.authenticate(scheme, credential).await else {
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
            return Err(Problem::new(
                403,
                "Forbidden",
                "the credentials do not grant the scopes this operation requires",
            ));
        }
        let mut problem = Problem::new(401, "Unauthorized", "missing or invalid credentials");
        for alternative in security {
            for (scheme, scopes) in alternative.iter() {
                problem.headers.push((header::WWW_AUTHENTICATE, challenge(scheme, kind_of(scheme), scopes)));
            }
        }
        Err(problem)
    }
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
        let bytes = super::direction::response(|| serde_json::to_vec(body)).unwrap_or_default();
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
                let text: Vec<String> =
                    items.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)).collect();
                self.headers.push((name, text.join(",")));
            }
            Ok(other) => self.headers.push((name, other.to_string())),
        }
        self
    }

    pub fn finish(self) -> Response {
        let Ok(status) = StatusCode::from_u16(self.status) else {
            return Problem::new(
                500,
                "Internal Server Error",
                format!("the implementation answered with status {}", self.status),
            )
            .into_response();
        };
        match self.parts() {
            Ok((headers, body)) => {
                let mut response = Response::new(body);
                *response.status_mut() = status;
                *response.headers_mut() = headers;
                response
            }
            Err(e) => {
                Problem::new(500, "Internal Server Error", format!("the implementation's response cannot be sent: {e}"))
                    .into_response()
            }
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
        let media = if visible {
            HeaderValue::from_static(media)
        } else {
            HeaderValue::from_str(media).map_err(|e| e.to_string())?
        };
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

/// An operation's method, name (its trait method) and path template.
#[derive(Debug)]
pub struct Route {
    pub method: Method,
    pub operation: &'static str,
    pub path: &'static [Segment],
}

/// Matches a raw (still percent-encoded) path against a template. A
/// parameter matches a non-empty run within one segment; its text is
/// returned as it was sent.
fn match_path<'p>(template: &'static [Segment], path: &'p str) -> Option<Vec<(&'static str, &'p str)>> {
    let mut rest = path;
    let mut params = Vec::new();
    for (i, part) in template.iter().enumerate() {
        match part {
            Segment::Literal(text) => rest = rest.strip_prefix(text)?,
            Segment::Param(name) => {
                let segment_end = rest.find('/').unwrap_or(rest.len());
                let end = match template.get(i + 1) {
                    // A literal from `/` on cannot occur within the segment.
                    Some(Segment::Literal(next)) if next.starts_with('/') => {
                        (segment_end < rest.len()).then_some(segment_end)?
                    }
                    Some(Segment::Literal(next)) => rest[..segment_end].find(next)?,
                    _ => segment_end,
                };
                let raw = &rest[..end];
                if raw.is_empty() || raw.contains('/') {
                    return None;
                }
                params.push((*name, raw));
                rest = &rest[end..];
            }
        }
    }
    rest.is_empty().then_some(params)
}

/// Settings of a generated server. The defaults suit a server facing the
/// internet; each limit is a field, documented with its default.
///
/// `router` applies the body limits, the body timeout and the request
/// limit; [`serve`] adds the connection limits and timeouts, which axum's
/// own `serve` does not have.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Largest request body accepted, in bytes (default 2 MiB); larger
    /// ones get 413, as soon as `Content-Length` says so.
    pub body_limit: usize,
    /// Per operation (by its trait method's name), a body limit other than
    /// `body_limit`: an upload may need more, a login far less.
    pub operation_body_limits: Vec<(String, usize)>,
    /// How long a request body may take to arrive whole (default 30 s);
    /// slower bodies get 408 and the connection is closed.
    pub body_timeout: Duration,
    /// Requests handled at once (default 1024); more get 503 with
    /// `Retry-After`, at once, instead of queuing without bound.
    pub max_concurrent_requests: usize,
    /// [`serve`]: how long a client may take to send a request's line and
    /// headers (default 10 s), the first request's counted from the
    /// connection's start.
    pub header_timeout: Duration,
    /// [`serve`]: how long a connection may stay open with no request in
    /// flight and nothing sent either way (default 60 s).
    pub idle_timeout: Duration,
    /// [`serve`]: connections open at once (default 1024); more wait,
    /// unaccepted, in the listening socket's backlog.
    pub max_connections: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            body_limit: 2 * 1024 * 1024,
            operation_body_limits: Vec::new(),
            body_timeout: Duration::from_secs(30),
            max_concurrent_requests: 1024,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
        }
    }
}

impl ServerConfig {
    /// A body limit for one operation, named by its trait method
    /// (`"create_upload"`), instead of `body_limit`.
    pub fn with_body_limit_for(mut self, operation: &str, bytes: usize) -> Self {
        self.operation_body_limits.retain(|(name, _)| name != operation);
        self.operation_body_limits.push((operation.to_owned(), bytes));
        self
    }

    /// The body limit of each route, in route order.
    fn limits(&self, routes: &[Route]) -> Vec<usize> {
        routes
            .iter()
            .map(|route| {
                self.operation_body_limits
                    .iter()
                    .find(|(name, _)| name == route.operation)
                    .map_or(self.body_limit, |(_, n)| *n)
            })
            .collect()
    }
}

/// An `axum::Router` that routes every request to `handle` by operation
/// index, answering 404, 405 and 503 itself; the handlers read the body
/// (413, 408) once security and media types passed. Errors go through
/// `render`, so the implementation decides what a problem looks like.
pub fn router<S, H, F, R>(
    state: Arc<S>,
    config: ServerConfig,
    routes: &'static [Route],
    handle: H,
    render: R,
) -> axum::Router
where
    S: Send + Sync + 'static,
    H: Fn(Arc<S>, usize, Incoming) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Result<Response, Problem>> + Send + 'static,
    R: Fn(&S, Problem) -> Response + Clone + Send + Sync + 'static,
{
    let limits: Arc<[usize]> = config.limits(routes).into();
    let in_flight = Arc::new(tokio::sync::Semaphore::new(config.max_concurrent_requests));
    let body_timeout = config.body_timeout;
    axum::Router::new().fallback(move |request: axum::extract::Request| {
        let (state, handle, render, limits) = (state.clone(), handle.clone(), render.clone(), limits.clone());
        // A request over the limit is refused before anything is read.
        let permit = in_flight.clone().try_acquire_owned();
        // All but the body is read here, so that the future keeps only what
        // it needs while the body arrives.
        let (parts, body) = request.into_parts();
        let routed = match permit {
            Ok(permit) => route(routes, parts).map(|(index, incoming)| (index, incoming, permit)),
            Err(_) => {
                let mut problem = Problem::new(
                    503,
                    "Service Unavailable",
                    "the server is handling as many requests as it may; try again shortly",
                );
                problem.headers.push((header::RETRY_AFTER, "1".into()));
                Err(problem)
            }
        };
        let (index, mut incoming, refusal, permit) = match routed {
            Ok((index, incoming, permit)) => (index, incoming, None, Some(permit)),
            Err(problem) => (0, Incoming::empty(), Some(Box::new(render(&state, problem))), None),
        };
        if refusal.is_none() {
            incoming.pending = Some((body, limits.get(index).copied().unwrap_or(0), body_timeout));
        }
        async move {
            let _permit = permit;
            if let Some(refusal) = refusal {
                return *refusal;
            }
            // A panicking implementation answers 500 instead of dropping the connection.
            let outcome = futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(handle(
                state.clone(),
                index,
                incoming,
            )))
            .await;
            match outcome {
                Ok(Ok(response)) => response,
                Ok(Err(problem)) => render(&state, problem),
                Err(_) => Problem::new(500, "Internal Server Error", "the implementation failed").into_response(),
            }
        }
    })
}

/// The operation a request is for, and the request read but for its body
/// (404 or 405 when there is none; 400 when its path, query or cookies
/// hold percent-escapes that are not UTF-8). `HEAD` is served by the
/// operation `GET` would reach, without a body (RFC 9110 9.3.2).
fn route(routes: &'static [Route], parts: axum::http::request::Parts) -> Result<(usize, Incoming), Problem> {
    let path = parts.uri.path();
    let find = |method: &Method| {
        routes
            .iter()
            .enumerate()
            .filter(|(_, route)| route.method == *method)
            .find_map(|(index, route)| Some((index, match_path(route.path, path)?)))
    };
    let found = find(&parts.method).or_else(|| if parts.method == Method::HEAD { find(&Method::GET) } else { None });
    let Some((index, raw_params)) = found else {
        // The methods of the routes at this path, in route order.
        let mut allowed: Vec<&str> = routes
            .iter()
            .filter(|route| match_path(route.path, path).is_some())
            .map(|route| route.method.as_str())
            .collect();
        if allowed.contains(&"GET") && !allowed.contains(&"HEAD") {
            allowed.push("HEAD");
        }
        return Err(if allowed.is_empty() {
            Problem::new(404, "Not Found", format!("no operation at {path}"))
        } else {
            let mut p = Problem::new(405, "Method Not Allowed", format!("{} is not allowed here", parts.method));
            p.headers.push((header::ALLOW, allowed.join(", ")));
            p
        });
    };
    let mut path_params = Vec::with_capacity(raw_params.len());
    for (name, raw) in raw_params {
        path_params.push((name, decode(raw, false).map_err(|()| not_utf8("path", name))?));
    }
    let query = decode_pairs(parts.uri.query().unwrap_or_default(), "query")?;
    let mut cookies = Vec::new();
    for value in parts.headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()) {
        for (k, v) in value.split(';').filter_map(|c| c.trim().split_once('=')) {
            cookies.push((k.to_owned(), decode(v, false).map_err(|()| not_utf8("cookie", k))?));
        }
    }
    Ok((
        index,
        Incoming {
            method: parts.method,
            path_params,
            query,
            headers: parts.headers,
            cookies,
            body: Bytes::new(),
            pending: None,
        },
    ))
}

// ---------------------------------------------------------------- serving

/// Serves `router` on `listener` with the connection limits of `config`:
/// at most `max_connections` at once, the request line and headers within
/// `header_timeout`, and a connection closed after `idle_timeout` with no
/// request in flight and nothing moving. A slow client (a byte a second)
/// is cut off; one that stops reading its response is too. Runs until the
/// listener fails.
///
/// ```text
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
/// support::server::serve(listener, router(MyApi, ServerConfig::default()), &ServerConfig::default()).await?;
/// ```
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    config: &ServerConfig,
) -> std::io::Result<()> {
    let slots = Arc::new(tokio::sync::Semaphore::new(config.max_connections.max(1)));
    let (header_timeout, idle_timeout) = (config.header_timeout, config.idle_timeout);
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return Ok(());
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors, or a connection reset before it was
            // accepted: the listener itself is fine.
            Err(e) if is_transient(&e) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
            Err(e) => return Err(e),
        };
        let router = router.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let activity = Arc::new(Activity::started());
            let io = hyper_util::rt::TokioIo::new(Watched { inner: stream, activity: activity.clone() });
            let service =
                Counted { inner: hyper_util::service::TowerToHyperService::new(router), activity: activity.clone() };
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(header_timeout);
            let connection = builder.serve_connection(io, service).with_upgrades();
            let mut connection = std::pin::pin!(connection);
            let mut check = tokio::time::interval(idle_timeout.max(Duration::from_millis(10)) / 4);
            loop {
                tokio::select! {
                    _ = connection.as_mut() => break,
                    _ = check.tick() => {
                        if activity.idle_for() >= idle_timeout {
                            connection.as_mut().graceful_shutdown();
                            // Give a graceful end a moment, then drop it.
                            let _ = tokio::time::timeout(Duration::from_secs(1), connection.as_mut()).await;
                            break;
                        }
                    }
                }
            }
        });
    }
}

fn is_transient(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(e.kind(), ConnectionAborted | ConnectionReset | Interrupted | WouldBlock | TimedOut)
        || e.raw_os_error().is_some_and(|code| code == 23 || code == 24)
}

/// What a connection is doing: requests in flight, and when bytes last
/// moved either way.
#[derive(Default)]
struct Activity {
    in_flight: std::sync::atomic::AtomicUsize,
    /// Milliseconds since `epoch` when bytes last moved.
    last: std::sync::atomic::AtomicU64,
    epoch: OnceLock<std::time::Instant>,
}

impl Activity {
    fn started() -> Self {
        let activity = Activity::default();
        activity.touch();
        activity
    }

    fn now(&self) -> u64 {
        let epoch = self.epoch.get_or_init(std::time::Instant::now);
        u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn touch(&self) {
        self.last.store(self.now(), std::sync::atomic::Ordering::Relaxed);
    }

    /// How long nothing happened: zero while a request is in flight.
    fn idle_for(&self) -> Duration {
        if self.in_flight.load(std::sync::atomic::Ordering::Relaxed) > 0 {
            return Duration::ZERO;
        }
        Duration::from_millis(self.now().saturating_sub(self.last.load(std::sync::atomic::Ordering::Relaxed)))
    }
}

/// A connection's stream, noting when bytes move.
struct Watched {
    inner: tokio::net::TcpStream,
    activity: Arc<Activity>,
}

impl tokio::io::AsyncRead for Watched {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = std::pin::Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl tokio::io::AsyncWrite for Watched {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        data: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(polled, std::task::Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The router as a connection's service, counting requests in flight.
struct Counted<S> {
    inner: S,
    activity: Arc<Activity>,
}

/// Leaves the count of requests in flight when the response is made.
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        self.0.touch();
    }
}

impl<S, B> hyper::service::Service<axum::http::Request<B>> for Counted<S>
where
    S: hyper::service::Service<axum::http::Request<B>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = std::pin::Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn call(&self, request: axum::http::Request<B>) -> Self::Future {
        self.activity.in_flight.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let guard = InFlight(self.activity.clone());
        let future = self.inner.call(request);
        Box::pin(async move {
            let response = future.await;
            drop(guard);
            response
        })
    }
}

#[cfg(test)]
mod tests;
