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
//!   a note; a missing `paths` becomes empty.

use crate::ir::Warning;
use serde_json::{Map, Value};

pub fn downgrade_31(doc: &mut Value, notes: &mut Vec<Warning>) {
    let Some(root) = doc.as_object_mut() else { return };
    root.insert("openapi".into(), Value::String("3.0.3".into()));
    for (key, what) in [("webhooks", "webhooks are not generated"), ("jsonSchemaDialect", "the JSON Schema dialect is ignored")] {
        if root.remove(key).is_some() {
            notes.push(Warning { pointer: format!("/{key}"), message: what.into() });
        }
    }
    if let Some(Value::Object(components)) = root.get_mut("components") {
        if components.remove("pathItems").is_some() {
            notes.push(Warning { pointer: "/components/pathItems".into(), message: "component path items are not generated".into() });
        }
    }
    root.entry("paths").or_insert_with(|| Value::Object(Map::new()));
    walk(doc);
}

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
