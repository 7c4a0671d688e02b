//! Lowering: `openapiv3::OpenAPI` → [`crate::ir::Api`]. Resolves `$ref`s
//! inside the document, names every type through [`crate::naming`], and
//! reports what it cannot express as an [`Error`] with the node's pointer.
//!
//! Order is deterministic: component schema names are claimed first, in
//! document order, so a component always keeps its own name; inline types
//! are named after their parent as they are met.

mod operation;
mod recursion;
mod schema;

use crate::error::{Error, ErrorKind, Pointer};
use crate::ir::{Api, Example, Location, SecurityKind, SecurityScheme, Server, TypeDef, TypeRef, Warning};
use crate::naming::{self, Scope};
use crate::parse::Document;
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::collections::HashMap;

/// Lowers a parsed document into the IR of one API module.
/// With `strict`, what would be approximated is an error instead.
pub fn lower(file: &str, module: &str, doc: &Document, strict: bool) -> Result<Api, Error> {
    let mut cx = Lowerer::new(file, doc);
    cx.strict = strict;
    cx.warnings.extend(doc.notes.iter().cloned());
    cx.claim_component_names();
    cx.lower_component_schemas()?;
    let operations = cx.lower_operations()?;
    let security_schemes = cx.lower_security_schemes()?;
    let info = &doc.openapi.info;
    let mut types: Vec<TypeDef> = cx.types.into_iter().flatten().collect();
    for (pointer, name) in recursion::break_cycles(&mut types) {
        let message = format!(
            "`{name}` refers to itself through type aliases or union variants alone, which describes no value: the alias is serde_json::Value, the union loses those variants"
        );
        cx.warnings.push(Warning { pointer, message });
    }
    recursion::break_check_cycles(&mut types);
    Ok(Api {
        module: module.to_owned(),
        source: file.to_owned(),
        title: info.title.clone(),
        version: info.version.clone(),
        description: info.description.clone(),
        servers: doc
            .openapi
            .servers
            .iter()
            .map(|s| Server { url: substitute_variables(s), description: s.description.clone() })
            .collect(),
        types,
        operations,
        examples: cx.examples,
        security_schemes,
        warnings: cx.warnings,
        origins: doc.origins.clone(),
        type_index: Default::default(),
    })
}

/// Where a new type's name comes from.
#[derive(Debug, Clone)]
enum NameHint {
    /// Already claimed (a component schema): use it as is.
    Claimed(String),
    /// A suggestion, claimed (with a suffix if taken) when a type is made.
    Suggest(String),
}

impl NameHint {
    /// The base name, for deriving child names (`Parent` + `Property`).
    fn base(&self) -> &str {
        match self {
            NameHint::Claimed(n) | NameHint::Suggest(n) => n,
        }
    }

    fn child(&self, suffix: &str) -> NameHint {
        NameHint::Suggest(format!("{}{}", self.base(), naming::type_name(suffix)))
    }
}

/// How many `$ref`s (or single-part `allOf`s) a chain may pass through
/// before it is taken to be circular.
pub(super) const MAX_ALIAS_HOPS: usize = 32;

/// Enums with more values than this are plain strings, and objects with
/// more properties than this are JSON maps: past these sizes the time and
/// memory rustc needs for the derived code grow faster than the code (a
/// struct of 4,000 fields takes 26 s and 2.4 GB to check). The largest
/// seen in real specs are 2,477 values and 674 properties.
pub(super) const MAX_ENUM_VARIANTS: usize = 10_000;
pub(super) const MAX_STRUCT_FIELDS: usize = 1_000;

/// The component schema key a `$ref` names, unescaped, if it names one.
fn component_key(reference: &str) -> Option<String> {
    // `#/components/schemas/A/$defs/B` names a schema inside `A`.
    let key = reference.strip_prefix("#/components/schemas/").filter(|k| !k.contains('/'))?;
    Some(crate::error::unescape_segment(key))
}

struct Lowerer<'a> {
    file: &'a str,
    doc: &'a Document,
    /// Type definitions in output order; a slot is reserved before a type's
    /// children are lowered so parents come first.
    types: Vec<Option<TypeDef>>,
    type_scope: Scope,
    /// Component schema key → Rust type name.
    component_names: HashMap<String, String>,
    /// Pointer of an inline schema → its lowered type and check, so a
    /// schema reached twice (a shared response, a merged `allOf` part) is
    /// lowered once (per `checks_only` mode).
    memo: HashMap<(Pointer, bool), schema::Lowered>,
    /// Set while a schema is lowered only for its check (the properties
    /// of an object that is not a struct): no type is defined or named,
    /// and nothing is reported, since no Rust type comes of it.
    checks_only: bool,
    /// Pointer of an `allOf` part → what it states as an object, for the
    /// checks of `allOf`s that are not one struct.
    all_of_memo: HashMap<Pointer, std::rc::Rc<schema::Gathered>>,
    /// Names of the string enums defined so far.
    enum_names: std::collections::HashSet<String>,
    /// Names of the numeric enums defined so far, and whether each is an
    /// integer enum.
    numeric_enum_names: HashMap<String, bool>,
    examples: Vec<Example>,
    /// Pointers of the recorded examples, so each is recorded once.
    example_pointers: std::collections::HashSet<Pointer>,
    depth: usize,
    strict: bool,
    warnings: Vec<Warning>,
}

impl<'a> Lowerer<'a> {
    fn new(file: &'a str, doc: &'a Document) -> Self {
        Lowerer {
            file,
            doc,
            types: Vec::new(),
            type_scope: Scope::new(),
            component_names: HashMap::new(),
            memo: HashMap::new(),
            checks_only: false,
            all_of_memo: HashMap::new(),
            enum_names: std::collections::HashSet::new(),
            numeric_enum_names: HashMap::new(),
            examples: Vec::new(),
            example_pointers: std::collections::HashSet::new(),
            depth: 0,
            strict: false,
            warnings: Vec::new(),
        }
    }

    fn err(&self, at: &Pointer, kind: ErrorKind) -> Error {
        Error::new(self.file, Some(at.to_string()), kind)
    }

    fn unsupported(&self, at: &Pointer, what: impl Into<String>) -> Error {
        self.err(at, ErrorKind::Unsupported(what.into()))
    }

    /// A schema with no Rust type: any JSON value, with a warning naming
    /// where (an error when strict).
    fn fallback(&mut self, at: &Pointer, what: impl Into<String>) -> Result<TypeRef, Error> {
        self.approximate(at, what, TypeRef::Json)
    }

    /// A schema given a looser Rust type than it describes (`ty`), with a
    /// warning naming where (an error when strict). The server still
    /// validates values against the whole schema.
    fn approximate(&mut self, at: &Pointer, what: impl Into<String>, ty: TypeRef) -> Result<TypeRef, Error> {
        if self.checks_only {
            return Ok(ty);
        }
        let what = what.into();
        if self.strict {
            return Err(self.unsupported(at, what));
        }
        let rust = crate::emit::type_text(&ty);
        self.warnings.push(Warning { pointer: at.to_string(), message: format!("{what}; using {rust}") });
        Ok(ty)
    }

    /// Something in the spec that cannot work as written (a route no request
    /// can match, bounds no value meets): a warning, or an error when strict.
    fn doubt(&mut self, at: &Pointer, what: impl Into<String>) -> Result<(), Error> {
        if self.checks_only {
            return Ok(());
        }
        let what = what.into();
        if self.strict {
            return Err(self.err(at, ErrorKind::Invalid(what)));
        }
        self.warnings.push(Warning { pointer: at.to_string(), message: what });
        Ok(())
    }

    fn claim_component_names(&mut self) {
        let Some(components) = &self.doc.openapi.components else {
            return;
        };
        for key in components.schemas.keys() {
            let name = self.type_scope.claim(naming::type_name(key));
            self.component_names.insert(key.clone(), name);
        }
    }

    /// Reserves the output slot for a type about to be defined.
    fn reserve_slot(&mut self) -> usize {
        self.types.push(None);
        self.types.len() - 1
    }

    fn claim_type_name(&mut self, hint: &NameHint) -> String {
        match hint {
            NameHint::Claimed(n) => n.clone(),
            NameHint::Suggest(n) => self.type_scope.claim(n.clone()),
        }
    }

    /// Follows a local `$ref` (and chains of them) to the node it names,
    /// deserialized as `T`, with the pointer where it was found.
    fn deref<T: DeserializeOwned>(&self, reference: &str, at: &Pointer) -> Result<(T, Pointer), Error> {
        let mut reference = reference.to_owned();
        for _ in 0..MAX_ALIAS_HOPS {
            let target = Pointer::from_ref(&reference).ok_or_else(|| {
                self.unsupported(
                    at,
                    format!("external $ref `{reference}` (only refs inside the document are supported)"),
                )
            })?;
            let value = self
                .doc
                .raw
                .pointer(target.as_str())
                .ok_or_else(|| self.err(at, ErrorKind::DanglingRef(reference.clone())))?;
            if let Some(next) = value.get("$ref").and_then(|r| r.as_str()) {
                reference = next.to_owned();
                continue;
            }
            let parsed = serde_json::from_value(value.clone())
                .map_err(|e| self.err(&target, ErrorKind::Invalid(format!("target of `{reference}`: {e}"))))?;
            return Ok((parsed, target));
        }
        Err(self.unsupported(at, format!("$ref chain through `{reference}` is too long or circular")))
    }

    /// The schema a `$ref` points to and its pointer. Component schemas are
    /// borrowed from the parsed document; only other targets are parsed
    /// from the raw tree (and so owned).
    fn deref_schema(&self, reference: &str, at: &Pointer) -> Result<(Cow<'a, openapiv3::Schema>, Pointer), Error> {
        let schemas = self.doc.openapi.components.as_ref().map(|c| &c.schemas);
        let mut reference = reference;
        for _ in 0..MAX_ALIAS_HOPS {
            let found = component_key(reference).and_then(|key| schemas?.get(&key));
            match found {
                Some(openapiv3::ReferenceOr::Item(schema)) => {
                    let target = Pointer::from_ref(reference).unwrap_or_else(|| at.clone());
                    return Ok((Cow::Borrowed(schema), target));
                }
                Some(openapiv3::ReferenceOr::Reference { reference: next }) => reference = next,
                None => return self.deref(reference, at).map(|(schema, target)| (Cow::Owned(schema), target)),
            }
        }
        Err(self.unsupported(at, format!("$ref chain through `{reference}` is too long or circular")))
    }

    /// Resolves an `openapiv3::ReferenceOr` to an owned item and its pointer.
    fn resolve<T: DeserializeOwned + Clone>(
        &self,
        item: &openapiv3::ReferenceOr<T>,
        at: &Pointer,
    ) -> Result<(T, Pointer), Error> {
        match item {
            openapiv3::ReferenceOr::Item(v) => Ok((v.clone(), at.clone())),
            openapiv3::ReferenceOr::Reference { reference } => self.deref(reference, at),
        }
    }

    /// Records an example once, however many operations share its node.
    /// Security schemes; the client builder gets one method per scheme, named
    /// after its key.
    fn lower_security_schemes(&mut self) -> Result<Vec<SecurityScheme>, Error> {
        let Some(components) = &self.doc.openapi.components else {
            return Ok(Vec::new());
        };
        let mut methods =
            Scope::with_reserved(["base_url", "http_client", "build", "new", "default", "timeout", "response_limit"]);
        let base = Pointer::root().push("components").push("securitySchemes");
        let mut out = Vec::new();
        for (key, scheme) in &components.security_schemes {
            let (scheme, _) = self.resolve(scheme, &base.push(key))?;
            use openapiv3::SecurityScheme as S;
            let (kind, description) = match scheme {
                S::APIKey { location, name, description, .. } => {
                    let location = match location {
                        openapiv3::APIKeyLocation::Header => Location::Header,
                        openapiv3::APIKeyLocation::Query => Location::Query,
                        openapiv3::APIKeyLocation::Cookie => Location::Cookie,
                    };
                    (SecurityKind::ApiKey { location, name }, description)
                }
                S::HTTP { scheme, description, .. } => {
                    let kind = match scheme.to_ascii_lowercase().as_str() {
                        "bearer" => SecurityKind::Bearer,
                        "basic" => SecurityKind::Basic,
                        crate::normalize::MUTUAL_TLS => SecurityKind::Unsupported {
                            what: "mutual TLS, which the TLS layer checks, not the generated code".into(),
                        },
                        other => SecurityKind::Unsupported { what: format!("HTTP `{other}` authentication") },
                    };
                    (kind, description)
                }
                S::OAuth2 { flows, description, .. } => {
                    let names: Vec<String> = [
                        (flows.implicit.is_some(), "implicit"),
                        (flows.password.is_some(), "password"),
                        (flows.authorization_code.is_some(), "authorization code"),
                    ]
                    .iter()
                    .filter(|(present, _)| *present)
                    .map(|(_, name)| (*name).to_owned())
                    .collect();
                    let kind = match flows.client_credentials {
                        Some(flow) => SecurityKind::OAuth2ClientCredentials {
                            token_url: flow.token_url,
                            scopes: flow.scopes.keys().cloned().collect(),
                        },
                        None => SecurityKind::AccessToken { flows: names },
                    };
                    (kind, description)
                }
                S::OpenIDConnect { description, .. } => {
                    (SecurityKind::AccessToken { flows: vec!["OpenID Connect".into()] }, description)
                }
            };
            out.push(SecurityScheme {
                key: key.clone(),
                method: methods.claim(naming::field_name(key)),
                description,
                kind,
            });
        }
        Ok(out)
    }

    fn record_example(&mut self, at: Pointer, ty: &TypeRef, value: &serde_json::Value) {
        if !self.example_pointers.insert(at.clone()) {
            return;
        }
        self.examples.push(Example { pointer: at.to_string(), ty: ty.clone(), value: value.clone() });
    }
}

/// A server URL with its `{variables}` replaced by their defaults.
fn substitute_variables(server: &openapiv3::Server) -> String {
    let mut url = server.url.clone();
    for (name, variable) in server.variables.iter().flatten() {
        url = url.replace(&format!("{{{name}}}"), &variable.default);
    }
    url
}

/// Rustdoc from a schema's `title` and `description`.
fn doc_of(title: Option<&str>, description: Option<&str>) -> Option<String> {
    let title = title.map(str::trim).filter(|t| !t.is_empty());
    let description = description.map(str::trim).filter(|d| !d.is_empty());
    match (title, description) {
        (Some(t), Some(d)) if t != d => Some(format!("{t}\n\n{d}")),
        (Some(t), _) => Some(t.to_owned()),
        (None, Some(d)) => Some(d.to_owned()),
        (None, None) => None,
    }
}
