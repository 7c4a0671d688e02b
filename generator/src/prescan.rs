//! Every schema of a raw 3.0 tree read into `openapiv3`'s model on its own,
//! before the whole document is.
//!
//! `openapiv3` reads a `ReferenceOr<T>` that fails a second time to word its
//! error, so a schema that does not fit costs twice its parent's attempt at
//! every level above it: a 2 KB document with an invalid schema twenty
//! levels deep takes minutes to refuse. Here each schema is read with its
//! subschemas replaced by `{}` (which fits every position), so the work is
//! linear in the document and the first failure is named by its own
//! pointer. When every schema fits, the schemas cannot fail the document's
//! parse, which is then linear too.
//!
//! The walk visits exactly the positions `openapiv3` reads as schemas: the
//! parse's own key filters decide (paths start with `/`, responses are
//! status codes) and a node with a string `$ref` is a reference whatever
//! else it holds.

use crate::error::escape_segment;
use serde::Deserialize;
use serde_json::{Map, Value};

/// The pointer and message of the first schema that does not fit.
pub(crate) type Misfit = (String, String);

/// Checks every schema of `doc`, a tree in the 3.0 form.
pub(crate) fn schemas(doc: &Value) -> Result<(), Misfit> {
    let mut at = String::new();
    let Some(root) = doc.as_object() else { return Ok(()) };
    if let Some(Value::Object(paths)) = root.get("paths") {
        for (path, item) in paths.iter().filter(|(path, _)| path.starts_with('/')) {
            nested(&mut at, &["paths", path], |at| path_item(item, at))?;
        }
    }
    let Some(Value::Object(components)) = root.get("components") else { return Ok(()) };
    if let Some(schemas) = components.get("schemas") {
        component_schemas(schemas)?;
    }
    let section = |name: &str| components.get(name).and_then(Value::as_object).into_iter().flatten();
    let mut at = String::from("/components");
    for (name, node) in section("parameters") {
        nested(&mut at, &["parameters", name], |at| parameter(node, at))?;
    }
    for (name, node) in section("headers") {
        nested(&mut at, &["headers", name], |at| parameter(node, at))?;
    }
    for (name, node) in section("requestBodies") {
        nested(&mut at, &["requestBodies", name], |at| with_content(node, at))?;
    }
    for (name, node) in section("responses") {
        nested(&mut at, &["responses", name], |at| response(node, at))?;
    }
    for (name, node) in section("callbacks") {
        nested(&mut at, &["callbacks", name], |at| callback(node, at))?;
    }
    Ok(())
}

/// Checks the schemas of `/components/schemas`.
pub(crate) fn component_schemas(schemas: &Value) -> Result<(), Misfit> {
    let mut at = String::from("/components/schemas");
    for (name, node) in schemas.as_object().into_iter().flatten() {
        nested(&mut at, &[name], |at| schema(node, at))?;
    }
    Ok(())
}

/// Runs `check` with `segments` appended to the pointer `at`.
fn nested(
    at: &mut String,
    segments: &[&str],
    check: impl FnOnce(&mut String) -> Result<(), Misfit>,
) -> Result<(), Misfit> {
    let len = at.len();
    for segment in segments {
        at.push('/');
        at.push_str(&escape_segment(segment));
    }
    let outcome = check(at);
    at.truncate(len);
    outcome
}

/// The object of a node that is not a reference (`openapiv3` reads a node
/// with a string `$ref` as a reference and ignores the rest).
fn unless_reference(node: &Value) -> Option<&Map<String, Value>> {
    node.as_object().filter(|map| !map.get("$ref").is_some_and(Value::is_string))
}

fn entries<'a>(map: &'a Map<String, Value>, key: &str) -> impl Iterator<Item = (&'a String, &'a Value)> {
    map.get(key).and_then(Value::as_object).into_iter().flatten()
}

fn path_item(node: &Value, at: &mut String) -> Result<(), Misfit> {
    let Some(item) = unless_reference(node) else { return Ok(()) };
    parameters(item, at)?;
    for method in ["get", "put", "post", "delete", "options", "head", "patch", "trace"] {
        if let Some(Value::Object(operation)) = item.get(method) {
            nested(at, &[method], |at| {
                parameters(operation, at)?;
                if let Some(body) = operation.get("requestBody") {
                    nested(at, &["requestBody"], |at| with_content(body, at))?;
                }
                for (status, node) in entries(operation, "responses").filter(|(status, _)| {
                    *status == "default" || serde_json::from_value::<openapiv3::StatusCode>(json_str(status)).is_ok()
                }) {
                    nested(at, &["responses", status], |at| response(node, at))?;
                }
                for (name, node) in entries(operation, "callbacks") {
                    nested(at, &["callbacks", name], |at| callback(node, at))?;
                }
                Ok(())
            })?;
        }
    }
    Ok(())
}

fn json_str(text: &str) -> Value {
    Value::String(text.to_owned())
}

fn parameters(owner: &Map<String, Value>, at: &mut String) -> Result<(), Misfit> {
    let Some(Value::Array(list)) = owner.get("parameters") else { return Ok(()) };
    for (i, node) in list.iter().enumerate() {
        nested(at, &["parameters", &i.to_string()], |at| parameter(node, at))?;
    }
    Ok(())
}

fn callback(node: &Value, at: &mut String) -> Result<(), Misfit> {
    let Some(expressions) = unless_reference(node) else { return Ok(()) };
    for (expression, item) in expressions {
        nested(at, &[expression], |at| path_item(item, at))?;
    }
    Ok(())
}

/// A parameter or a header: a schema, or content.
fn parameter(node: &Value, at: &mut String) -> Result<(), Misfit> {
    let Some(map) = unless_reference(node) else { return Ok(()) };
    if let Some(node) = map.get("schema") {
        nested(at, &["schema"], |at| schema(node, at))?;
    }
    content(map, at)
}

fn response(node: &Value, at: &mut String) -> Result<(), Misfit> {
    let Some(map) = unless_reference(node) else { return Ok(()) };
    for (name, header) in entries(map, "headers") {
        nested(at, &["headers", name], |at| parameter(header, at))?;
    }
    content(map, at)
}

fn with_content(node: &Value, at: &mut String) -> Result<(), Misfit> {
    unless_reference(node).map_or(Ok(()), |map| content(map, at))
}

fn content(owner: &Map<String, Value>, at: &mut String) -> Result<(), Misfit> {
    for (media_type, media) in entries(owner, "content") {
        let Value::Object(media) = media else { continue };
        nested(at, &["content", media_type], |at| {
            if let Some(node) = media.get("schema") {
                nested(at, &["schema"], |at| schema(node, at))?;
            }
            for (property, encoding) in entries(media, "encoding") {
                let Value::Object(encoding) = encoding else { continue };
                for (name, header) in entries(encoding, "headers") {
                    nested(at, &["encoding", property, "headers", name], |at| parameter(header, at))?;
                }
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// Keys whose value is one subschema, when it is not null.
const ONE: [&str; 3] = ["items", "additionalProperties", "not"];
/// Keys whose value is a list of subschemas.
const LIST: [&str; 3] = ["allOf", "oneOf", "anyOf"];

/// One schema with its subschemas stubbed, then each subschema.
fn schema(node: &Value, at: &mut String) -> Result<(), Misfit> {
    let Value::Object(map) = node else {
        // Not an object: the model's own message says what it expected.
        return openapiv3::Schema::deserialize(node).map(drop).map_err(|e| (at.clone(), e.to_string()));
    };
    if map.get("$ref").is_some_and(Value::is_string) {
        return Ok(());
    }
    // The node as a map of borrowed values, with its subschemas as `{}`.
    let stub = || Value::Object(Map::new());
    let empty = stub();
    let properties = entries(map, "properties").map(|(name, _)| (name.clone(), stub())).collect::<Map<_, _>>();
    let properties = Value::Object(properties);
    let lists =
        LIST.map(|key| map.get(key).and_then(Value::as_array).map(|list| Value::Array(vec![stub(); list.len()])));
    let alone = map.iter().map(|(key, value)| {
        let key = key.as_str();
        let stubbed = match key {
            "properties" if value.is_object() => &properties,
            // `additionalProperties: true` is not a schema; null is no value.
            _ if ONE.contains(&key) && !value.is_null() && !value.is_boolean() => &empty,
            _ => LIST.iter().position(|list| *list == key).and_then(|i| lists[i].as_ref()).unwrap_or(value),
        };
        (key, stubbed)
    });
    let alone = serde::de::value::MapDeserializer::<_, serde_json::Error>::new(alone);
    openapiv3::Schema::deserialize(alone).map_err(|e| (at.clone(), e.to_string()))?;
    for (name, child) in entries(map, "properties") {
        nested(at, &["properties", name], |at| schema(child, at))?;
    }
    for key in ONE {
        if let Some(child) = map.get(key).filter(|v| !v.is_null() && !v.is_boolean()) {
            nested(at, &[key], |at| schema(child, at))?;
        }
    }
    for key in LIST {
        if let Some(Value::Array(list)) = map.get(key) {
            for (i, child) in list.iter().enumerate() {
                nested(at, &[key, &i.to_string()], |at| schema(child, at))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::schemas;
    use serde_json::{json, Value};

    fn nest(depth: usize, leaf: Value) -> Value {
        (0..depth).fold(leaf, |inner, level| match level % 3 {
            0 => json!({"type": "object", "properties": {"x": inner}}),
            1 => json!({"type": "array", "items": inner}),
            _ => json!({"allOf": [inner]}),
        })
    }

    fn doc(schema: Value) -> Value {
        json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
            "/a": {"get": {"parameters": [{"name": "q", "in": "query", "schema": schema}],
                "responses": {"200": {"description": "ok"}}}}}})
    }

    #[test]
    fn a_deep_misfit_is_named_by_its_own_pointer_at_once() {
        // Each level doubled the work of the whole-document parse: 2^40.
        let found = schemas(&doc(nest(40, json!({"type": ["string", "null"]})))).unwrap_err();
        assert!(found.0.starts_with("/paths/~1a/get/parameters/0/schema/properties/x/allOf/0/items/"), "{found:?}");
        assert_eq!(found.0.matches("/items").count(), 13, "{found:?}");
        assert!(found.1.contains("expected a string"), "{found:?}");
    }

    #[test]
    fn what_the_model_accepts_passes() {
        let fine = [
            nest(12, json!({"type": "string"})),
            json!({"$ref": "#/x", "properties": {"a": {"type": 5}}}),
            json!({"type": "object", "additionalProperties": true, "items": null}),
            json!({"$ref": 5}),
        ];
        for schema in fine {
            let doc = doc(schema.clone());
            assert!(schemas(&doc).is_ok(), "{schema}");
            assert!(serde_json::from_value::<openapiv3::OpenAPI>(doc).is_ok(), "{schema}");
        }
    }

    #[test]
    fn what_the_model_refuses_is_found_where_it_is() {
        let cases = [
            (json!({"type": "object", "properties": {"a": 5}}), "/schema/properties/a"),
            (json!({"type": "object", "properties": []}), "/schema"),
            (json!({"allOf": [{"maxLength": "x"}]}), "/schema/allOf/0"),
            (json!({"additionalProperties": "yes"}), "/schema/additionalProperties"),
            (json!({"not": {"items": [1]}}), "/schema/not/items"),
        ];
        for (schema, pointer) in cases {
            let doc = doc(schema.clone());
            let found = schemas(&doc).unwrap_err();
            assert_eq!(found.0, format!("/paths/~1a/get/parameters/0{pointer}"), "{schema}");
            assert!(serde_json::from_value::<openapiv3::OpenAPI>(doc).is_err(), "{schema}");
        }
    }

    #[test]
    fn components_and_callbacks_are_walked_and_extensions_are_not() {
        let bad = json!({"type": "object", "properties": {"a": {"minLength": -1}}});
        let doc = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
            "x-notes": {"schema": bad},
            "/a": {"post": {"responses": {"ignored": {"content": {"a/b": {"schema": bad}}}},
                "callbacks": {"done": {"{$url}": {"post": {"requestBody": {"content": {"a/b": {"schema": bad}}},
                    "responses": {"2XX": {"description": "ok"}}}}}}}}},
            "components": {"responses": {"R": {"description": "r", "headers": {"H": {"schema": {"type": "string"}}}}}}});
        let found = schemas(&doc).unwrap_err();
        assert_eq!(found.0, "/paths/~1a/post/callbacks/done/{$url}/post/requestBody/content/a~1b/schema/properties/a");
        let mut fixed = doc.clone();
        fixed["paths"]["/a"]["post"]["callbacks"] = json!({});
        assert!(schemas(&fixed).is_ok());
        let mut broken = fixed;
        broken["components"]["schemas"] = json!({"S": {"items": {"$ref": "#/x"}, "oneOf": [bad]}});
        assert_eq!(schemas(&broken).unwrap_err().0, "/components/schemas/S/oneOf/0/properties/a");
    }
}
