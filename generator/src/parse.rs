//! Text to document: detects JSON or YAML by content, checks the OpenAPI
//! version, and deserializes into `openapiv3::OpenAPI`, reporting the JSON
//! pointer of the node that does not fit.

use crate::error::{escape_segment, Error, ErrorKind};
use serde_json::Value;

/// A parsed document: the typed model plus the raw JSON tree, which keeps
/// what the typed model drops (and lets lowering resolve any pointer).
pub struct Document {
    pub openapi: openapiv3::OpenAPI,
    pub raw: Value,
    /// What normalization changed or dropped, by pointer.
    pub notes: Vec<crate::ir::Warning>,
    /// Nodes copied in from other files.
    pub origins: Vec<crate::ir::Origin>,
}

impl Document {
    /// `error` with its file and pointer moved to the file a copied node
    /// came from, when it is about one.
    pub fn locate(&self, mut error: Error) -> Error {
        if let Some(pointer) = &error.pointer {
            let (file, pointer) = crate::ir::locate(&error.file, &self.origins, pointer);
            error.file = file;
            error.pointer = Some(pointer);
        }
        error
    }
}

/// Parses a spec: JSON when the first non-blank character is `{`, YAML
/// otherwise (YAML is a superset of JSON, but JSON errors read better).
/// Refs to other files are copied in ([`crate::bundle`]), Swagger 2.0 is
/// converted to 3.0 and 3.1 rewritten as 3.0, all on the raw tree.
pub fn parse(spec: &crate::SpecInput, strict: bool) -> Result<Document, Error> {
    let (file, text) = (spec.source.as_str(), spec.text.as_str());
    let mut raw = parse_tree(file, text)?;
    let version = check_version(file, &raw)?;
    let mut notes = Vec::new();
    let access = crate::bundle::Access { path: spec.path.as_deref(), allow_outside: spec.allow_outside_refs, strict };
    let mut origins = crate::bundle::bundle(file, &mut raw, &access, &mut notes)?.origins;
    if version == Version::Swagger2 {
        crate::swagger::convert(file, &mut raw, &mut notes, &mut origins);
    }
    if version == Version::V31 {
        crate::normalize::downgrade_31(&mut raw, &mut notes);
    }
    crate::normalize::repair_enums(&mut raw, &mut notes);
    typed_from_tree(file, raw, notes, origins)
}

/// The typed model from the (normalized) raw tree. Every schema is checked
/// on its own first ([`crate::prescan`]), which keeps the parse linear; the
/// component schemas, most of a large document, are checked and read on
/// another core while the rest is.
fn typed_from_tree(
    file: &str,
    mut raw: Value,
    notes: Vec<crate::ir::Warning>,
    origins: Vec<crate::ir::Origin>,
) -> Result<Document, Error> {
    use serde::Deserialize;
    let misfit = |(pointer, message): crate::prescan::Misfit| {
        let (file, pointer) = crate::ir::locate(file, &origins, &pointer);
        Error::new(file, Some(pointer), ErrorKind::Invalid(message))
    };
    let schemas = raw
        .pointer_mut("/components/schemas")
        .filter(|s| s.is_object())
        .map(|s| std::mem::replace(s, Value::Object(Default::default())));
    let read_schemas =
        |schemas: &Value| crate::prescan::component_schemas(schemas).map(|()| Deserialize::deserialize(schemas).ok());
    let (rest, component_schemas) = std::thread::scope(|scope| {
        let worker = schemas.as_ref().map(|schemas| {
            std::thread::Builder::new().stack_size(crate::WORKER_STACK).spawn_scoped(scope, || read_schemas(schemas))
        });
        let rest = crate::prescan::schemas(&raw).map(|()| openapiv3::OpenAPI::deserialize(&raw).ok());
        let component_schemas = match (worker, &schemas) {
            (Some(Ok(worker)), _) => worker.join().unwrap_or(Ok(None)),
            // No thread to be had: read them here.
            (Some(Err(_)), Some(schemas)) => read_schemas(schemas),
            _ => Ok(None),
        };
        (rest, component_schemas)
    });
    if let (Some(schemas), Some(slot)) = (schemas, raw.pointer_mut("/components/schemas")) {
        *slot = schemas;
    }
    let (rest, component_schemas) = (rest.map_err(misfit)?, component_schemas.map_err(misfit)?);
    if let Some(mut openapi) = rest {
        match (component_schemas, openapi.components.as_mut()) {
            (Some(schemas), Some(components)) => components.schemas = schemas,
            (None, _) if raw.pointer("/components/schemas").is_none_or(|s| !s.is_object()) => {}
            _ => return Err(misplaced(file, &raw, &origins)),
        }
        return Ok(Document { openapi, raw, notes, origins });
    }
    Err(misplaced(file, &raw, &origins))
}

/// Where the whole document fails to fit the model: tracking the path of
/// every node costs more than the parse itself, so it is only done once
/// the fast parse has failed.
fn misplaced(file: &str, raw: &Value, origins: &[crate::ir::Origin]) -> Error {
    let error = match serde_path_to_error::deserialize::<_, openapiv3::OpenAPI>(raw) {
        Ok(_) => return Error::new(file, None, ErrorKind::Internal("the document parsed only the second time".into())),
        Err(error) => error,
    };
    let pointer = pointer_of(error.path());
    let (pointer, message) = narrow_paths(raw, &pointer).unwrap_or_else(|| (pointer, error.into_inner().to_string()));
    let (file, pointer) = crate::ir::locate(file, origins, &pointer);
    Error::new(file, Some(pointer), ErrorKind::Invalid(message))
}

pub(crate) fn parse_tree(file: &str, text: &str) -> Result<Value, Error> {
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text).map_err(|e| {
            let kind = ErrorKind::Syntax {
                format: "JSON",
                line: e.line(),
                column: e.column(),
                message: strip_location(&e.to_string()),
            };
            Error::new(file, None, kind)
        });
    }
    let yaml: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| {
        let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
        let kind = ErrorKind::Syntax { format: "YAML", line, column, message: strip_location(&e.to_string()) };
        Error::new(file, None, kind)
    })?;
    yaml_to_json(yaml, &mut String::new())
        .map_err(|(pointer, msg)| Error::new(file, Some(pointer), ErrorKind::Invalid(msg)))
}

fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// YAML allows non-string keys (`200:` is an integer); OpenAPI means strings.
fn yaml_to_json(v: serde_yaml::Value, at: &mut String) -> Result<Value, (String, String)> {
    use serde_yaml::Value as Y;
    Ok(match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                match serde_json::Number::from_f64(f) {
                    Some(n) => Value::Number(n),
                    None => return Err((at.clone(), format!("number `{f}` has no JSON form"))),
                }
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                out.push(yaml_to_json(item, at)?);
                at.truncate(len);
            }
            Value::Array(out)
        }
        Y::Mapping(map) => {
            let mut out = serde_json::Map::with_capacity(map.len());
            for (k, item) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    Y::Null => "null".to_owned(),
                    _ => return Err((at.clone(), "a mapping key must be a scalar".to_owned())),
                };
                let len = at.len();
                at.push('/');
                at.push_str(&escape_segment(&key));
                let value = yaml_to_json(item, at)?;
                at.truncate(len);
                out.insert(key, value);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => yaml_to_json(tagged.value, at)?,
    })
}

/// The versions read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    Swagger2,
    V30,
    V31,
}

/// Accepts Swagger 2.0 (converted to 3.0), OpenAPI 3.0.x, and 3.1.x
/// (rewritten as 3.0).
fn check_version(file: &str, raw: &Value) -> Result<Version, Error> {
    let Some(obj) = raw.as_object() else {
        return Err(Error::new(
            file,
            Some(String::new()),
            ErrorKind::NotOpenApi("the document root is not an object".into()),
        ));
    };
    if let Some(v) = obj.get("swagger") {
        return match v {
            Value::String(s) if s == "2.0" => Ok(Version::Swagger2),
            other => Err(Error::new(
                file,
                Some("/swagger".into()),
                ErrorKind::NotOpenApi(format!("unknown Swagger version {other} (2.0 is read)")),
            )),
        };
    }
    match obj.get("openapi") {
        Some(Value::String(v)) if v.starts_with("3.0.") || v == "3.0" => Ok(Version::V30),
        Some(Value::String(v)) if v.starts_with("3.1") => Ok(Version::V31),
        Some(v) => Err(Error::new(
            file,
            Some("/openapi".into()),
            ErrorKind::NotOpenApi(format!("unknown OpenAPI version {v}")),
        )),
        None => Err(Error::new(
            file,
            Some(String::new()),
            ErrorKind::NotOpenApi("no `openapi` version field at the root".into()),
        )),
    }
}

/// `openapiv3` flattens the path map, which hides where inside `paths` a
/// node failed; deserializing path items one by one finds it.
fn narrow_paths(raw: &Value, pointer: &str) -> Option<(String, String)> {
    if !pointer.is_empty() && pointer != "/paths" {
        return None;
    }
    for (path, item) in raw.get("paths")?.as_object()? {
        if let Err(e) = serde_path_to_error::deserialize::<_, openapiv3::PathItem>(item) {
            let inner = pointer_of(e.path());
            return Some((format!("/paths/{}{inner}", escape_segment(path)), e.into_inner().to_string()));
        }
    }
    None
}

fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                out.push('/');
                out.push_str(&escape_segment(key));
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    out
}
