//! OpenAPI 3.1 → 3.0: `openapiv3` reads 3.0 only, so a 3.1 document's JSON
//! tree is rewritten into the 3.0 form of the same meaning before parsing.
//!
//! - `type: [T, "null"]` → `type: T, nullable: true`; several non-null types
//!   → no `type` (any value); `type: "null"` → `nullable: true`;
//! - `const: v` → `enum: [v]`;
//! - schema `examples: [a, ...]` → `example: a`;
//! - numeric `exclusiveMinimum`/`exclusiveMaximum` → `minimum`/`maximum`
//!   with the 3.0 boolean flags;
//! - `webhooks`, `jsonSchemaDialect`, `components.pathItems` dropped, with
//!   a note (path items referred to from `paths` were put in place before);
//!   a missing `paths` becomes empty, and so does an operation's missing
//!   `responses` means any status;
//! - a `mutualTLS` security scheme is read as one the generated code
//!   cannot check (the TLS layer does).
//!
//! [`repair_enums`] runs on every document: an `enum` whose values do not
//! fit the schema's `type` (numbers in a string enum, strings in an integer
//! enum) is rewritten to fit, with a note, instead of failing the parse.

use crate::ir::Warning;
use serde_json::{Map, Value};

pub fn downgrade_31(doc: &mut Value, notes: &mut Vec<Warning>) {
    let Some(root) = doc.as_object_mut() else { return };
    root.insert("openapi".into(), Value::String("3.0.3".into()));
    for (key, what) in
        [("webhooks", "webhooks are not generated"), ("jsonSchemaDialect", "the JSON Schema dialect is ignored")]
    {
        if root.remove(key).is_some() {
            notes.push(Warning { pointer: format!("/{key}"), message: what.into() });
        }
    }
    if let Some(Value::Object(components)) = root.get_mut("components") {
        if components.remove("pathItems").is_some() {
            notes.push(Warning {
                pointer: "/components/pathItems".into(),
                message: "component path items are generated only where `paths` refers to them".into(),
            });
        }
    }
    if let Some(Value::Object(schemes)) = root.get_mut("components").and_then(|c| c.get_mut("securitySchemes")) {
        for scheme in schemes.values_mut() {
            if scheme.get("type").and_then(Value::as_str) == Some("mutualTLS") {
                // 3.0 has no such type; lowering knows this spelling.
                scheme["type"] = Value::String("http".into());
                scheme["scheme"] = Value::String(MUTUAL_TLS.into());
            }
        }
    }
    if let Some(Value::Object(paths)) = root.get_mut("paths") {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for (key, op) in item.iter_mut() {
                // `responses` is optional in 3.1: any status, undocumented.
                if METHODS.contains(&key.as_str()) {
                    if let Value::Object(op) = op {
                        op.entry("responses")
                            .or_insert_with(|| serde_json::json!({"default": {"description": "Not documented."}}));
                    }
                }
            }
        }
    }
    root.entry("paths").or_insert_with(|| Value::Object(Map::new()));
    walk(doc);
}

/// The HTTP scheme name a 3.1 `mutualTLS` security scheme is read as.
pub const MUTUAL_TLS: &str = "x-apigen-mutual-tls";

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

fn walk(value: &mut Value) {
    match value {
        Value::Object(map) => {
            rewrite_schema_keywords(map);
            map.values_mut().for_each(walk);
        }
        Value::Array(items) => items.iter_mut().for_each(walk),
        _ => {}
    }
}

/// Rewrites the 3.1-only keywords of one object, when it looks like a
/// schema (the keywords below appear nowhere else in a document).
fn rewrite_schema_keywords(map: &mut Map<String, Value>) {
    // Boolean schemas (3.1): `true` accepts anything, `false` nothing.
    let as_schema = |v: &mut Value| {
        if let Value::Bool(accept) = *v {
            *v = if accept { Value::Object(Map::new()) } else { serde_json::json!({"not": {}}) };
        }
    };
    for key in ["items", "not", "schema"] {
        if let Some(v) = map.get_mut(key) {
            as_schema(v);
        }
    }
    if let Some(Value::Object(properties)) = map.get_mut("properties") {
        properties.values_mut().for_each(as_schema);
    }
    for key in ["allOf", "oneOf", "anyOf", "prefixItems"] {
        if let Some(Value::Array(list)) = map.get_mut(key) {
            list.iter_mut().for_each(as_schema);
        }
    }
    if let Some(Value::Array(types)) = map.get("type").cloned() {
        let non_null: Vec<Value> = types.iter().filter(|t| t.as_str() != Some("null")).cloned().collect();
        if non_null.len() < types.len() {
            map.insert("nullable".into(), Value::Bool(true));
        }
        match non_null.as_slice() {
            [single] => {
                map.insert("type".into(), single.clone());
            }
            _ => {
                map.remove("type");
            }
        }
    } else if map.get("type").and_then(Value::as_str) == Some("null") {
        map.remove("type");
        map.insert("nullable".into(), Value::Bool(true));
    }
    if let Some(constant) = map.remove("const") {
        map.insert("enum".into(), Value::Array(vec![constant]));
    }
    if let Some(Value::Array(examples)) = map.get("examples").cloned() {
        map.remove("examples");
        if let Some(first) = examples.into_iter().next() {
            map.entry("example").or_insert(first);
        }
    }
    for (exclusive, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        if let Some(Value::Number(n)) = map.get(exclusive).cloned() {
            map.insert(bound.into(), Value::Number(n));
            map.insert(exclusive.into(), Value::Bool(true));
        }
    }
}

/// Makes `enum` values fit the schema's `type`: a string enum's numbers and
/// booleans become their text; a numeric or boolean enum with values of
/// another type loses its `enum` (the type still holds).
pub fn repair_enums(doc: &mut Value, notes: &mut Vec<Warning>) {
    fn visit(value: &mut Value, at: &mut String, notes: &mut Vec<Warning>) {
        match value {
            Value::Object(map) => {
                // Only in a schema (whose `type` is a name): a map of
                // parameters may hold ones named `pattern` and `type`.
                if map.get("pattern").is_some_and(|p| !p.is_string()) && map.get("type").is_some_and(Value::is_string) {
                    map.remove("pattern");
                    notes.push(Warning {
                        pointer: format!("{at}/pattern"),
                        message: "a `pattern` that is not a string is ignored".into(),
                    });
                }
                let ty = map.get("type").and_then(Value::as_str).map(str::to_owned);
                if let (Some(ty), Some(Value::Array(values))) = (ty.as_deref(), map.get_mut("enum")) {
                    let fits = |v: &Value| {
                        v.is_null()
                            || match ty {
                                "string" => v.is_string(),
                                "integer" => v.as_i64().is_some() || v.as_u64().is_some(),
                                "number" => v.is_number(),
                                "boolean" => v.is_boolean(),
                                _ => true,
                            }
                    };
                    if !values.iter().all(fits) {
                        if ty == "string" {
                            for v in values.iter_mut().filter(|v| !v.is_string() && !v.is_null()) {
                                *v = Value::String(v.to_string());
                            }
                            notes.push(Warning {
                                pointer: format!("{at}/enum"),
                                message: "non-string values of a string enum are read as text".into(),
                            });
                        } else {
                            map.remove("enum");
                            notes.push(Warning {
                                pointer: format!("{at}/enum"),
                                message: format!("`enum` values that are not {ty}s are ignored"),
                            });
                        }
                    }
                }
                for (key, child) in map.iter_mut() {
                    let len = at.len();
                    at.push('/');
                    at.push_str(&crate::error::escape_segment(key));
                    visit(child, at, notes);
                    at.truncate(len);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter_mut().enumerate() {
                    let len = at.len();
                    at.push_str(&format!("/{i}"));
                    visit(child, at, notes);
                    at.truncate(len);
                }
            }
            _ => {}
        }
    }
    visit(doc, &mut String::new(), notes);
}
