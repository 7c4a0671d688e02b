//! `$ref`s, made local: before the document is parsed, every reference is
//! resolved on the raw JSON tree so that lowering only ever meets refs
//! inside one document.
//!
//! - A fragment is a URI fragment: it is percent-decoded (RFC 6901 §6), so
//!   `#/paths/~1jobs~1%7Bid%7D` names the path `/jobs/{id}`.
//! - A ref to another local file (`./schemas/pet.yaml`,
//!   `../common.yaml#/components/schemas/Error`), YAML or JSON, is resolved
//!   relative to the file that holds it. Its target is copied into the root
//!   document once: a schema, parameter, response, ... into its components
//!   section under the target's own name (its last pointer segment, or the
//!   file's stem for a whole file), with a numeric suffix when that name is
//!   taken (a component that is nothing but such a ref takes the target's
//!   place instead); a path item, or a node of no component kind, in place.
//!   Cycles across files end at the copies already made.
//! - Remote refs (`https:`, ...) are an error (nothing is fetched), and so is
//!   a file outside the root document's directory unless the input allows
//!   it (a spec from the internet must not read `/etc/passwd`).
//! - A path item given by `$ref` is replaced by its target (fields beside
//!   the `$ref` win).
//! - A ref that points nowhere becomes an approximation with a warning
//!   naming both pointers (a schema admits any value, a response or body
//!   any JSON, a parameter is dropped), or an error when strict.
//!
//! What a node is (a schema, a parameter, ...) is decided top-down from the
//! document's root, as the OpenAPI object model nests, so a property named
//! `links` is a schema and example values are never read as refs.
//! Where a copied node came from is kept ([`Origin`]), so messages about it
//! name its own file and pointer. The walk is iterative and each file and
//! each target is read once; what is put in place is budgeted, so the work
//! stays linear in the input.

use crate::error::{escape_segment, Error, ErrorKind};
use crate::ir::{Origin, Warning};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};

/// At most this many files are read for one spec, and at most this many
/// bytes in all: a spec cannot make the generator read without end.
pub const MAX_FILES: usize = 10_000;
pub const MAX_TOTAL_BYTES: u64 = 1 << 30;
/// A chain of in-place replacements (a path item that is a ref to a ref
/// ...) longer than this is taken to be circular.
const MAX_INLINE_DEPTH: usize = 64;
/// The JSON nodes copied in place may number at most this many times the
/// nodes of every file read, plus [`INLINE_ALLOWANCE`]: refs that fan out
/// (each path item referring twice to the next) would otherwise grow the
/// document exponentially.
pub const INLINE_FACTOR: usize = 10;
pub const INLINE_ALLOWANCE: usize = 100_000;

/// How the root document may read other files.
pub struct Access<'a> {
    /// The root document on disk; `None` for a document held in memory,
    /// which can only refer to itself.
    pub path: Option<&'a Path>,
    /// Whether files outside the root document's directory may be read.
    pub allow_outside: bool,
    pub strict: bool,
}

/// The outcome of [`bundle`].
#[derive(Debug, Default)]
pub struct Bundled {
    /// Whether the tree was changed (so the document text no longer
    /// describes it).
    pub changed: bool,
    pub origins: Vec<Origin>,
}

/// What a ref's target is, by where the ref stands: decides where a copy
/// goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Schema,
    Parameter,
    Response,
    RequestBody,
    Header,
    Example,
    Link,
    Callback,
    SecurityScheme,
    PathItem,
    Other,
}

/// What an object of the document is, decided top-down: each variant says
/// what its children are ([`child`]). Maps of names are their own variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    Root,
    Components,
    /// Path templates (or webhook names, component names) → path items.
    Paths,
    PathItem,
    Operation,
    /// A list of parameters.
    ParameterList,
    ParameterMap,
    Parameter,
    /// Status codes → responses.
    Responses,
    ResponseMap,
    Response,
    RequestBodyMap,
    RequestBody,
    Content,
    MediaType,
    Encodings,
    Encoding,
    Headers,
    Header,
    Examples,
    Example,
    Links,
    Link,
    Callbacks,
    /// Expressions → path items.
    Callback,
    SecuritySchemes,
    SecurityScheme,
    /// Names → schemas (`properties`, `components.schemas`, `$defs`).
    Schemas,
    SchemaList,
    Schema,
    Discriminator,
}

impl Node {
    fn kind(self) -> Kind {
        match self {
            Node::Schema => Kind::Schema,
            Node::Parameter => Kind::Parameter,
            Node::Response => Kind::Response,
            Node::RequestBody => Kind::RequestBody,
            Node::Header => Kind::Header,
            Node::Example => Kind::Example,
            Node::Link => Kind::Link,
            Node::Callback => Kind::Callback,
            Node::SecurityScheme => Kind::SecurityScheme,
            Node::PathItem => Kind::PathItem,
            _ => Kind::Other,
        }
    }
}

impl Kind {
    fn node(self) -> Node {
        match self {
            Kind::Schema => Node::Schema,
            Kind::Parameter => Node::Parameter,
            Kind::Response => Node::Response,
            Kind::RequestBody => Node::RequestBody,
            Kind::Header => Node::Header,
            Kind::Example => Node::Example,
            Kind::Link => Node::Link,
            Kind::Callback => Node::Callback,
            Kind::SecurityScheme => Node::SecurityScheme,
            Kind::PathItem | Kind::Other => Node::PathItem,
        }
    }
}

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// What the child `key` of a `node` is; `None` for data (examples,
/// defaults, descriptions, extensions), which holds no refs.
fn child(node: Node, key: &str, swagger: bool) -> Option<Node> {
    let extension = key.starts_with("x-");
    Some(match node {
        Node::Root => match key {
            "paths" | "webhooks" => Node::Paths,
            "components" => Node::Components,
            "definitions" if swagger => Node::Schemas,
            "parameters" if swagger => Node::ParameterMap,
            "responses" if swagger => Node::ResponseMap,
            "securityDefinitions" if swagger => Node::SecuritySchemes,
            _ => return None,
        },
        Node::Components => match key {
            "schemas" => Node::Schemas,
            "parameters" => Node::ParameterMap,
            "responses" => Node::ResponseMap,
            "requestBodies" => Node::RequestBodyMap,
            "headers" => Node::Headers,
            "examples" => Node::Examples,
            "links" => Node::Links,
            "callbacks" => Node::Callbacks,
            "securitySchemes" => Node::SecuritySchemes,
            "pathItems" => Node::Paths,
            _ => return None,
        },
        Node::Paths | Node::Callback if !extension => Node::PathItem,
        Node::PathItem => match key {
            "parameters" => Node::ParameterList,
            k if METHODS.contains(&k) => Node::Operation,
            _ => return None,
        },
        Node::Operation => match key {
            "parameters" => Node::ParameterList,
            "requestBody" => Node::RequestBody,
            "responses" => Node::Responses,
            "callbacks" => Node::Callbacks,
            _ => return None,
        },
        Node::ParameterList | Node::ParameterMap => Node::Parameter,
        Node::Parameter | Node::Header => match key {
            // `items` is 2.0's schema of an array parameter.
            "schema" | "items" => Node::Schema,
            "content" => Node::Content,
            "examples" => Node::Examples,
            _ => return None,
        },
        Node::Responses if !extension => Node::Response,
        Node::ResponseMap => Node::Response,
        Node::Response => match key {
            "content" => Node::Content,
            "headers" => Node::Headers,
            "links" => Node::Links,
            "schema" if swagger => Node::Schema,
            _ => return None,
        },
        Node::RequestBodyMap => Node::RequestBody,
        Node::RequestBody => match key {
            "content" => Node::Content,
            _ => return None,
        },
        Node::Content => Node::MediaType,
        Node::MediaType => match key {
            "schema" => Node::Schema,
            "examples" => Node::Examples,
            "encoding" => Node::Encodings,
            _ => return None,
        },
        Node::Encodings => Node::Encoding,
        Node::Encoding => match key {
            "headers" => Node::Headers,
            _ => return None,
        },
        Node::Headers => Node::Header,
        Node::Examples => Node::Example,
        Node::Links => Node::Link,
        Node::Callbacks => Node::Callback,
        Node::SecuritySchemes => Node::SecurityScheme,
        Node::Schemas | Node::SchemaList => Node::Schema,
        Node::Schema => match key {
            "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => Node::Schemas,
            "allOf" | "anyOf" | "oneOf" | "prefixItems" => Node::SchemaList,
            "items"
            | "additionalProperties"
            | "not"
            | "additionalItems"
            | "contains"
            | "propertyNames"
            | "if"
            | "then"
            | "else"
            | "unevaluatedItems"
            | "unevaluatedProperties"
            | "contentSchema" => Node::Schema,
            "discriminator" => Node::Discriminator,
            _ => return None,
        },
        _ => return None,
    })
}

/// The components section a copy of `kind` goes to (2.0 has fewer).
fn section(kind: Kind, swagger: bool) -> Option<(&'static str, Option<&'static str>)> {
    if swagger {
        return match kind {
            Kind::Schema => Some(("definitions", None)),
            Kind::Parameter => Some(("parameters", None)),
            Kind::Response => Some(("responses", None)),
            _ => None,
        };
    }
    let name = match kind {
        Kind::Schema => "schemas",
        Kind::Parameter => "parameters",
        Kind::Response => "responses",
        Kind::RequestBody => "requestBodies",
        Kind::Header => "headers",
        Kind::Example => "examples",
        Kind::Link => "links",
        Kind::Callback => "callbacks",
        Kind::SecurityScheme => "securitySchemes",
        Kind::PathItem | Kind::Other => return None,
    };
    Some(("components", Some(name)))
}

/// One `$ref` (or discriminator mapping value) found in the tree.
struct Site {
    /// Segments of the object holding the `$ref` (for a mapping value, of
    /// the value itself).
    path: Vec<String>,
    reference: String,
    /// What the object holding the `$ref` is.
    node: Node,
    mapping: bool,
}

/// Every `$ref` under `value` (a `node` standing at `at`), and every
/// discriminator mapping value; iterative, so depth costs no stack. With
/// `only`, only those children of `value` are looked into.
fn collect_sites(value: &Value, node: Node, at: &[String], swagger: bool, only: Option<&[String]>) -> Vec<Site> {
    enum Seg<'v> {
        Key(&'v str),
        Index(usize),
    }
    // Paths are kept as parent links, so a node costs one entry.
    let mut arena: Vec<(usize, Seg<'_>)> = vec![(usize::MAX, Seg::Index(0))];
    let path_of = |arena: &[(usize, Seg<'_>)], mut id: usize| {
        let mut segments = Vec::new();
        while id != 0 {
            let (parent, seg) = &arena[id];
            segments.push(match seg {
                Seg::Key(k) => (*k).to_owned(),
                Seg::Index(i) => i.to_string(),
            });
            id = *parent;
        }
        let mut path = at.to_vec();
        path.extend(segments.into_iter().rev());
        path
    };
    let mut sites = Vec::new();
    let mut stack: Vec<(&Value, Node, usize)> = vec![(value, node, 0)];
    while let Some((value, node, id)) = stack.pop() {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    sites.push(Site { path: path_of(&arena, id), reference: r.clone(), node, mapping: false });
                }
                if node == Node::Discriminator {
                    if let Some(Value::Object(mapping)) = map.get("mapping") {
                        for (key, target) in mapping {
                            if let Value::String(r) = target {
                                let mut path = path_of(&arena, id);
                                path.extend(["mapping".to_owned(), key.clone()]);
                                sites.push(Site { path, reference: r.clone(), node: Node::Schema, mapping: true });
                            }
                        }
                    }
                    continue;
                }
                for (key, child_value) in map.iter().rev() {
                    if id == 0 && only.is_some_and(|keys| !keys.iter().any(|k| k == key)) {
                        continue;
                    }
                    if let Some(child_node) = child(node, key, swagger) {
                        arena.push((id, Seg::Key(key)));
                        stack.push((child_value, child_node, arena.len() - 1));
                    }
                }
            }
            // Lists of schemas or parameters; anything else is data.
            Value::Array(items) if matches!(node, Node::SchemaList | Node::ParameterList | Node::Schema) => {
                let item_node = if node == Node::ParameterList { Node::Parameter } else { Node::Schema };
                for (i, item) in items.iter().enumerate().rev() {
                    arena.push((id, Seg::Index(i)));
                    stack.push((item, item_node, arena.len() - 1));
                }
            }
            _ => {}
        }
    }
    sites
}

/// Whether a discriminator mapping value is a ref (`#/...`, `pet.yaml`)
/// rather than a schema name (`Dog`, `com.example.Dog`).
fn mapping_is_ref(value: &str) -> bool {
    value.contains('#')
        || value.contains('/')
        || [".yaml", ".yml", ".json"].iter().any(|ext| value.to_ascii_lowercase().ends_with(ext))
}

/// Whether the walk would change anything: a ref to another file, one
/// that does not resolve as written, or a path item given by ref (the
/// common case is none, and the tree stays as parsed).
fn needs_bundling(root: &Value, swagger: bool) -> bool {
    collect_sites(root, Node::Root, &[], swagger, None).iter().any(|site| {
        if site.mapping && !mapping_is_ref(&site.reference) {
            return false;
        }
        match site.reference.strip_prefix('#') {
            Some(pointer) => matches!(site.node, Node::PathItem | Node::Callback) || root.pointer(pointer).is_none(),
            None => true,
        }
    })
}

/// The number of JSON nodes in `value`.
fn size_of(value: &Value) -> usize {
    let mut count = 0;
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        count += 1;
        match v {
            Value::Object(m) => stack.extend(m.values()),
            Value::Array(a) => stack.extend(a),
            _ => {}
        }
    }
    count
}

struct Loaded {
    /// As the user should see it.
    display: String,
    /// Canonical path on disk.
    path: PathBuf,
    tree: Value,
}

/// A subtree of the root to look for refs in: where it is, what it is, the
/// file its refs are relative to, how many in-place replacements led to
/// it, and (for a replaced node) which of its keys came from the target.
struct Pending {
    at: Vec<String>,
    node: Node,
    file: usize,
    depth: usize,
    only: Option<Vec<String>>,
}

struct Bundler<'a> {
    source: &'a str,
    access: &'a Access<'a>,
    swagger: bool,
    /// The root's canonical directory (the sandbox) and its canonical path.
    root_dir: Option<PathBuf>,
    root_path: Option<PathBuf>,
    /// Index 0 is the root document, whose tree is the one being changed
    /// (held by the caller, so its slot here is empty).
    files: Vec<Loaded>,
    by_path: HashMap<PathBuf, usize>,
    total_bytes: u64,
    inlined_nodes: usize,
    /// JSON nodes of every file read, the root included.
    input_nodes: usize,
    /// (file, pointer) of a copied target → the local ref of its copy.
    copies: HashMap<(usize, String), String>,
    /// Per components section, the keys taken.
    taken: HashMap<String, crate::naming::Scope>,
    bundled: Bundled,
    notes: &'a mut Vec<Warning>,
    /// Sites to remove afterwards (dangling parameters and mapping values).
    drop: Vec<Vec<String>>,
}

/// Resolves every `$ref` of `root` (see the module docs). `source` is the
/// root's name in messages.
pub fn bundle(source: &str, root: &mut Value, access: &Access<'_>, notes: &mut Vec<Warning>) -> Result<Bundled, Error> {
    let swagger = root.get("swagger").is_some();
    if !needs_bundling(root, swagger) {
        return Ok(Bundled::default());
    }
    let root_path = access.path.and_then(|p| std::fs::canonicalize(p).ok());
    let root_dir = root_path.as_ref().and_then(|p| p.parent().map(Path::to_path_buf));
    let mut b = Bundler {
        source,
        access,
        swagger,
        root_dir,
        root_path: root_path.clone(),
        files: vec![Loaded { display: source.to_owned(), path: root_path.unwrap_or_default(), tree: Value::Null }],
        by_path: HashMap::new(),
        total_bytes: 0,
        inlined_nodes: 0,
        input_nodes: size_of(root),
        copies: HashMap::new(),
        taken: HashMap::new(),
        bundled: Bundled::default(),
        notes,
        drop: Vec::new(),
    };
    if let Some(p) = &b.root_path {
        b.by_path.insert(p.clone(), 0);
    }
    b.run(root)?;
    b.apply_drops(root);
    Ok(b.bundled)
}

impl<'a> Bundler<'a> {
    fn run(&mut self, root: &mut Value) -> Result<(), Error> {
        let mut queue: VecDeque<Pending> = VecDeque::new();
        queue.push_back(Pending { at: Vec::new(), node: Node::Root, file: 0, depth: 0, only: None });
        while let Some(pending) = queue.pop_front() {
            let sites = match lookup(root, &pending.at) {
                Some(value) => collect_sites(value, pending.node, &pending.at, self.swagger, pending.only.as_deref()),
                None => continue,
            };
            for site in sites {
                self.resolve_site(root, site, pending.file, pending.depth, &mut queue)?;
            }
        }
        Ok(())
    }

    /// The pointer of `at` (a node of the root tree) in the file it came from.
    fn origin_pointer(&self, file: usize, at: &[String]) -> String {
        let local = pointer_of(at);
        if file == 0 {
            return local;
        }
        crate::ir::locate(self.source, &self.bundled.origins, &local).1
    }

    fn resolve_site(
        &mut self,
        root: &mut Value,
        site: Site,
        file: usize,
        depth: usize,
        queue: &mut VecDeque<Pending>,
    ) -> Result<(), Error> {
        // A bare schema name in a discriminator mapping is not a ref.
        if site.mapping && !mapping_is_ref(&site.reference) {
            return Ok(());
        }
        let kind = site.node.kind();
        let error_at = |b: &Self, kind: ErrorKind| {
            Error::new(&b.files[file].display, Some(b.origin_pointer(file, &site.path)), kind)
        };
        let (target_file, fragment) = match self.locate(&site.reference, file) {
            Ok(found) => found,
            Err(ErrorKind::DanglingRef(_)) => return self.dangling(root, &site, file, kind, ""),
            Err(kind) => return Err(error_at(self, kind)),
        };
        let exists = |b: &Self, root: &Value, fragment: &str| {
            if target_file == 0 {
                root.pointer(fragment).is_some()
            } else {
                b.files[target_file].tree.pointer(fragment).is_some()
            }
        };
        let fragment = if exists(self, root, &fragment) {
            fragment
        } else if let Some(repaired) = self.repair_fragment(root, target_file, &fragment) {
            let message = format!("`$ref` `{}` names no node; `#{repaired}` is what it means", site.reference);
            self.notes.push(Warning { pointer: self.origin_pointer(file, &site.path), message });
            repaired
        } else {
            return self.dangling(root, &site, file, kind, &fragment);
        };
        // `openapiv3` reads no ref where a callback stands.
        let in_place = matches!(kind, Kind::PathItem | Kind::Callback | Kind::Other);
        if target_file == 0 && !in_place {
            // A ref into the root document: only its spelling may change.
            let canonical = format!("#{fragment}");
            if canonical != site.reference {
                self.set_ref(root, &site, canonical);
            }
            return Ok(());
        }
        if site.mapping {
            let local = match section(Kind::Schema, self.swagger) {
                Some((top, sub)) => self.copy(root, target_file, &fragment, top, sub, Kind::Schema, queue),
                None => return Ok(()),
            };
            self.set_ref(root, &site, local);
            return Ok(());
        }
        let target_section = section(kind, self.swagger).filter(|_| !in_place);
        // A component that is nothing but a ref to another file takes its
        // target's place (and keeps its name).
        let adopt = target_section.is_some_and(|(top, sub)| {
            let here: Vec<&str> = site.path.iter().map(String::as_str).collect();
            match (sub, here.as_slice()) {
                (Some(sub), [t, s, _]) => *t == top && *s == sub,
                (None, [t, _]) => *t == top,
                _ => false,
            }
        }) && !self.copies.contains_key(&(target_file, fragment.clone()));
        match target_section {
            Some(_) if adopt => {
                self.copies.insert((target_file, fragment.clone()), format!("#{}", pointer_of(&site.path)));
                self.put_in_place(root, &site, target_file, &fragment, kind.node(), 0, queue)
            }
            Some((top, sub)) => {
                let local = self.copy(root, target_file, &fragment, top, sub, kind, queue);
                self.set_ref(root, &site, local);
                Ok(())
            }
            None => {
                if depth >= MAX_INLINE_DEPTH {
                    let message = format!("$ref chain through `{}` is too long or circular", site.reference);
                    return Err(error_at(self, ErrorKind::Unsupported(message)));
                }
                self.put_in_place(root, &site, target_file, &fragment, site.node, depth + 1, queue)
            }
        }
    }

    /// Replaces the object holding the `$ref` by a copy of its target, the
    /// fields beside the `$ref` winning, and queues the target's fields to
    /// be looked into relative to the target's file.
    #[allow(clippy::too_many_arguments)]
    fn put_in_place(
        &mut self,
        root: &mut Value,
        site: &Site,
        target_file: usize,
        fragment: &str,
        node: Node,
        depth: usize,
        queue: &mut VecDeque<Pending>,
    ) -> Result<(), Error> {
        let target =
            if target_file == 0 { root.pointer(fragment) } else { self.files[target_file].tree.pointer(fragment) };
        let copy = target.cloned().unwrap_or(Value::Null);
        self.inlined_nodes += size_of(&copy);
        let budget = self.input_nodes.saturating_mul(INLINE_FACTOR).saturating_add(INLINE_ALLOWANCE);
        if self.inlined_nodes > budget {
            let message = format!(
                "refs put in place would copy more than {budget} JSON nodes, {INLINE_FACTOR} times the document's own (do they fan out?)"
            );
            return Err(Error::new(
                &self.files[0].display,
                Some(pointer_of(&site.path)),
                ErrorKind::Unsupported(message),
            ));
        }
        let siblings = replace_keeping_siblings(root, &site.path, copy);
        let from_target: Vec<String> = lookup(root, &site.path)
            .and_then(Value::as_object)
            .map(|m| m.keys().filter(|k| !siblings.contains(k)).cloned().collect())
            .unwrap_or_default();
        self.bundled.changed = true;
        if target_file != 0 {
            let origin = Origin {
                local: pointer_of(&site.path),
                file: self.files[target_file].display.clone(),
                pointer: fragment.to_owned(),
            };
            self.bundled.origins.push(origin);
        }
        queue.push_back(Pending { at: site.path.clone(), node, file: target_file, depth, only: Some(from_target) });
        Ok(())
    }

    /// A pointer that names no node, read as its author meant it where
    /// that is plain: a 2.0 `#/definitions/X` in a 3.0 document.
    fn repair_fragment(&self, root: &Value, file: usize, fragment: &str) -> Option<String> {
        let tree = if file == 0 { root } else { &self.files[file].tree };
        let (from, to) = if self.swagger {
            ("/components/schemas/", "/definitions/")
        } else {
            ("/definitions/", "/components/schemas/")
        };
        let rest = fragment.strip_prefix(from)?;
        let repaired = format!("{to}{rest}");
        tree.pointer(&repaired).is_some().then_some(repaired)
    }

    fn dangling(
        &mut self,
        root: &mut Value,
        site: &Site,
        file: usize,
        kind: Kind,
        fragment: &str,
    ) -> Result<(), Error> {
        let pointer = self.origin_pointer(file, &site.path);
        let dangling = || {
            Error::new(&self.files[file].display, Some(pointer.clone()), ErrorKind::DanglingRef(site.reference.clone()))
        };
        if self.access.strict {
            return Err(dangling());
        }
        let any = Value::Object(Map::new());
        let json_content = || serde_json::json!({"application/json": {"schema": {}}});
        let in_list = site.path.last().is_some_and(|s| s.parse::<usize>().is_ok());
        let (replacement, using) = match kind {
            _ if site.mapping => (None, "no mapping for this value"),
            Kind::Schema => (Some(any), "using serde_json::Value"),
            Kind::Header => (Some(serde_json::json!({"schema": {}})), "using serde_json::Value"),
            Kind::Example => (Some(any), "no example"),
            Kind::Response if self.swagger => {
                (Some(serde_json::json!({"description": "", "schema": {}})), "any JSON body, as serde_json::Value")
            }
            Kind::Response => (
                Some(serde_json::json!({"description": "", "content": json_content()})),
                "any JSON body, as serde_json::Value",
            ),
            Kind::RequestBody => {
                (Some(serde_json::json!({"content": json_content()})), "any JSON body, as serde_json::Value")
            }
            Kind::Parameter if in_list => (None, "the parameter is left out"),
            _ => return Err(dangling()),
        };
        let message = if fragment.is_empty() && site.reference.split('#').next().is_some_and(|f| !f.is_empty()) {
            format!("`$ref` `{}` points at nothing (no such file); {using}", site.reference)
        } else {
            format!(
                "`$ref` `{}` points at nothing (no node at `{fragment}` in {}); {using}",
                site.reference,
                self.files_display_for(site, file)
            )
        };
        self.notes.push(Warning { pointer, message });
        self.bundled.changed = true;
        match replacement {
            Some(value) => {
                replace_keeping_siblings(root, &site.path, value);
            }
            None => self.drop.push(site.path.clone()),
        }
        Ok(())
    }

    /// The file a ref's target would be in, for messages.
    fn files_display_for(&self, site: &Site, file: usize) -> String {
        match site.reference.split_once('#').map(|(f, _)| f).unwrap_or(&site.reference) {
            "" => self.files[file].display.clone(),
            other => format!("`{other}`"),
        }
    }

    /// Copies the target into `top/sub/<name>` once, returning the local
    /// ref of the copy.
    #[allow(clippy::too_many_arguments)]
    fn copy(
        &mut self,
        root: &mut Value,
        file: usize,
        fragment: &str,
        top: &str,
        sub: Option<&str>,
        kind: Kind,
        queue: &mut VecDeque<Pending>,
    ) -> String {
        if let Some(local) = self.copies.get(&(file, fragment.to_owned())) {
            return local.clone();
        }
        let own_name =
            fragment.rsplit('/').next().filter(|s| !s.is_empty()).map(crate::error::unescape_segment).unwrap_or_else(
                || {
                    Path::new(&self.files[file].display)
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_else(|| "Shared".into())
                },
            );
        let section_key = format!("{top}/{}", sub.unwrap_or(""));
        let scope = self.taken.entry(section_key).or_insert_with(|| {
            let existing = match sub {
                Some(sub) => root.get(top).and_then(|t| t.get(sub)),
                None => root.get(top),
            };
            let keys: Vec<&str> =
                existing.and_then(Value::as_object).map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default();
            crate::naming::Scope::with_reserved(keys)
        });
        let key = scope.claim(own_name);
        let mut path = vec![top.to_owned()];
        path.extend(sub.map(str::to_owned));
        path.push(key.clone());
        let local = format!("#{}", pointer_of(&path));
        self.copies.insert((file, fragment.to_owned()), local.clone());
        let value = self.files[file].tree.pointer(fragment).cloned().unwrap_or(Value::Null);
        if let Some(map) = root.as_object_mut() {
            let top_slot = map.entry(top.to_owned()).or_insert_with(|| Value::Object(Map::new()));
            if !top_slot.is_object() {
                *top_slot = Value::Object(Map::new());
            }
            let section = match (sub, top_slot) {
                (Some(sub), Value::Object(top_map)) => {
                    let slot = top_map.entry(sub.to_owned()).or_insert_with(|| Value::Object(Map::new()));
                    if !slot.is_object() {
                        *slot = Value::Object(Map::new());
                    }
                    slot
                }
                (_, slot) => slot,
            };
            if let Value::Object(section) = section {
                section.insert(key, value);
            }
        }
        self.bundled.changed = true;
        self.bundled.origins.push(Origin {
            local: pointer_of(&path),
            file: self.files[file].display.clone(),
            pointer: fragment.to_owned(),
        });
        queue.push_back(Pending { at: path, node: kind.node(), file, depth: 0, only: None });
        local
    }

    fn set_ref(&mut self, root: &mut Value, site: &Site, reference: String) {
        self.bundled.changed = true;
        let Some(node) = lookup_mut(root, &site.path) else { return };
        if site.mapping {
            *node = Value::String(reference);
        } else if let Value::Object(map) = node {
            map.insert("$ref".into(), Value::String(reference));
        }
    }

    /// The file (loaded) and the decoded pointer a ref names, relative to
    /// the file holding it.
    fn locate(&mut self, reference: &str, from: usize) -> Result<(usize, String), ErrorKind> {
        let (file_part, fragment) = match reference.split_once('#') {
            Some((f, frag)) => (f, frag),
            None => (reference, ""),
        };
        let fragment = decode_fragment(fragment);
        if file_part.is_empty() {
            return Ok((from, fragment));
        }
        let file_part = percent_encoding::percent_decode_str(file_part).decode_utf8_lossy().into_owned();
        let path = if let Some(rest) = file_part.strip_prefix("file://") {
            PathBuf::from(rest.strip_prefix("localhost").unwrap_or(rest))
        } else if has_scheme(&file_part) {
            return Err(ErrorKind::Unsupported(format!(
                "remote $ref `{reference}`: apigen reads no URL (download the file and refer to it by a relative path)"
            )));
        } else {
            let relative = Path::new(&file_part);
            if relative.is_absolute() {
                relative.to_path_buf()
            } else {
                let base = if from == 0 { self.root_path.as_deref() } else { Some(self.files[from].path.as_path()) };
                let Some(dir) = base.and_then(Path::parent) else {
                    return Err(ErrorKind::Unsupported(format!(
                        "$ref `{reference}` names another file, but this document was not read from a file"
                    )));
                };
                dir.join(relative)
            }
        };
        let canonical = match std::fs::canonicalize(&path) {
            Ok(canonical) => canonical,
            // A file that is not there is a ref to nothing, if it would
            // have been inside the directory.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let inside = self.root_dir.as_ref().is_some_and(|dir| lexically_normal(&path).starts_with(dir));
                if inside || self.access.allow_outside {
                    return Err(ErrorKind::DanglingRef(reference.to_owned()));
                }
                return Err(ErrorKind::Unsupported(format!(
                    "$ref `{reference}` reads {}, outside the directory of {} (allow it with --allow-outside-refs)",
                    lexically_normal(&path).display(),
                    self.source
                )));
            }
            Err(e) => return Err(ErrorKind::Io(format!("$ref `{reference}`: cannot read {}: {e}", path.display()))),
        };
        if let Some(&index) = self.by_path.get(&canonical) {
            return Ok((index, fragment));
        }
        let inside = self.root_dir.as_ref().is_some_and(|dir| canonical.starts_with(dir));
        if !inside && !self.access.allow_outside {
            return Err(ErrorKind::Unsupported(format!(
                "$ref `{reference}` reads {}, outside the directory of {} (allow it with --allow-outside-refs)",
                canonical.display(),
                self.source
            )));
        }
        if self.files.len() >= MAX_FILES {
            return Err(ErrorKind::Unsupported(format!("more than {MAX_FILES} files are referred to")));
        }
        let display = self.display_of(&canonical);
        let io = |e: std::io::Error| ErrorKind::Io(format!("$ref `{reference}`: {display}: {e}"));
        // A FIFO or a device would block or never end.
        if !std::fs::metadata(&canonical).map_err(io)?.is_file() {
            return Err(ErrorKind::Unsupported(format!("$ref `{reference}`: {display} is not a regular file")));
        }
        let budget = MAX_TOTAL_BYTES - self.total_bytes;
        let mut text = String::new();
        let file = std::fs::File::open(&canonical).map_err(io)?;
        std::io::Read::read_to_string(&mut std::io::Read::take(file, budget + 1), &mut text).map_err(io)?;
        self.total_bytes += text.len() as u64;
        if self.total_bytes > MAX_TOTAL_BYTES {
            return Err(ErrorKind::Unsupported(format!(
                "the files referred to hold more than {MAX_TOTAL_BYTES} bytes"
            )));
        }
        let tree = crate::parse::parse_tree(&display, &text).map_err(|e| ErrorKind::Invalid(e.to_string()))?;
        self.input_nodes += size_of(&tree);
        self.files.push(Loaded { display, path: canonical.clone(), tree });
        let index = self.files.len() - 1;
        self.by_path.insert(canonical, index);
        Ok((index, fragment))
    }

    /// A file as the user should see it: beside the root's own name.
    fn display_of(&self, canonical: &Path) -> String {
        if let Some(rel) = self.root_dir.as_ref().and_then(|dir| canonical.strip_prefix(dir).ok()) {
            let base = Path::new(self.source).parent().unwrap_or(Path::new(""));
            return base.join(rel).display().to_string();
        }
        canonical.display().to_string()
    }

    /// Removes the dropped list items and mapping values, each list in one
    /// pass.
    fn apply_drops(&mut self, root: &mut Value) {
        let mut by_parent: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
        for mut path in std::mem::take(&mut self.drop) {
            if let Some(last) = path.pop() {
                by_parent.entry(path).or_default().push(last);
            }
        }
        for (parent, keys) in by_parent {
            match lookup_mut(root, &parent) {
                Some(Value::Array(items)) => {
                    let drop: std::collections::HashSet<usize> = keys.iter().filter_map(|k| k.parse().ok()).collect();
                    let mut index = 0;
                    items.retain(|_| {
                        index += 1;
                        !drop.contains(&(index - 1))
                    });
                }
                Some(Value::Object(map)) => {
                    for key in keys {
                        map.shift_remove(&key);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Replaces the object at `path` (which holds a `$ref`) by `value`, the
/// fields beside the `$ref` winning over `value`'s; returns their keys.
fn replace_keeping_siblings(root: &mut Value, path: &[String], mut value: Value) -> Vec<String> {
    let mut siblings = Vec::new();
    if let (Some(Value::Object(node)), Value::Object(into)) = (lookup(root, path), &mut value) {
        for (k, v) in node.iter().filter(|(k, _)| *k != "$ref") {
            into.insert(k.clone(), v.clone());
            siblings.push(k.clone());
        }
    }
    if let Some(slot) = lookup_mut(root, path) {
        *slot = value;
    }
    siblings
}

/// `path` with `.` and `..` resolved by its text alone (for a file that
/// does not exist, which cannot be canonicalized).
fn lexically_normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// `scheme:` at the start of a URI reference (RFC 3986 §3.1).
fn has_scheme(reference: &str) -> bool {
    let Some((scheme, _)) = reference.split_once(':') else { return false };
    scheme.len() > 1
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// A URI fragment as a JSON pointer: percent-decoded where that gives
/// UTF-8 (RFC 6901 §6).
fn decode_fragment(fragment: &str) -> String {
    if !fragment.contains('%') {
        return fragment.to_owned();
    }
    match percent_encoding::percent_decode_str(fragment).decode_utf8() {
        Ok(decoded) => decoded.into_owned(),
        Err(_) => fragment.to_owned(),
    }
}

fn pointer_of(path: &[String]) -> String {
    path.iter().map(|s| format!("/{}", escape_segment(s))).collect()
}

fn lookup<'v>(root: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(root, |v, seg| match v {
        Value::Object(m) => m.get(seg),
        Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

fn lookup_mut<'v>(root: &'v mut Value, path: &[String]) -> Option<&'v mut Value> {
    path.iter().try_fold(root, |v, seg| match v {
        Value::Object(m) => m.get_mut(seg),
        Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sites(doc: &Value) -> Vec<(String, Kind)> {
        collect_sites(doc, Node::Root, &[], false, None)
            .into_iter()
            .map(|s| (pointer_of(&s.path), s.node.kind()))
            .collect()
    }

    #[test]
    fn kinds_follow_the_object_model() {
        let doc = json!({
            "paths": {
                "/a": {"$ref": "p.yaml", "get": {
                    "parameters": [{"$ref": "q.yaml"}],
                    "responses": {"200": {"$ref": "r.yaml"}, "x-note": {"$ref": "data.yaml"}},
                }},
                "x-notes": {"$ref": "data.yaml"},
            },
            "components": {"schemas": {"Page": {
                "properties": {
                    "links": {"type": "array", "items": {"$ref": "link.yaml"}},
                    "headers": {"additionalProperties": {"$ref": "h.yaml"}},
                    "content": {"properties": {"value": {"$ref": "money.yaml"}}},
                },
                "example": {"$ref": "not-a-ref"},
                "x-extra": {"$ref": "not-a-ref"},
            }}},
        });
        let mut found = sites(&doc);
        found.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            found,
            [
                ("/components/schemas/Page/properties/content/properties/value".to_owned(), Kind::Schema),
                ("/components/schemas/Page/properties/headers/additionalProperties".to_owned(), Kind::Schema),
                ("/components/schemas/Page/properties/links/items".to_owned(), Kind::Schema),
                ("/paths/~1a".to_owned(), Kind::PathItem),
                ("/paths/~1a/get/parameters/0".to_owned(), Kind::Parameter),
                ("/paths/~1a/get/responses/200".to_owned(), Kind::Response),
            ]
        );
    }

    #[test]
    fn fragments_are_percent_decoded() {
        assert_eq!(decode_fragment("/paths/~1jobs~1%7Bid%7D/get"), "/paths/~1jobs~1{id}/get");
        assert_eq!(decode_fragment("/a%ZZ"), "/a%ZZ");
        assert!(has_scheme("https://x/y.yaml"));
        assert!(!has_scheme("./a:b.yaml"));
        assert!(!has_scheme("a.yaml"));
        assert!(mapping_is_ref("#/components/schemas/Dog") && mapping_is_ref("dog.yaml"));
        assert!(!mapping_is_ref("Dog") && !mapping_is_ref("com.example.Dog"));
    }

    #[test]
    fn plain_documents_are_left_alone() {
        let doc = json!({"paths": {"/a": {"get": {"responses": {"200": {"$ref": "#/components/responses/R"}}}}},
            "components": {"responses": {"R": {"description": "r"}}, "schemas": {"P": {"discriminator": {"propertyName": "t", "mapping": {"d": "Dog"}}}}}});
        assert!(!needs_bundling(&doc, false));
        let encoded = json!({"paths": {"/a/{id}": {"get": {"responses": {"200": {"$ref": "#/paths/~1a~1%7Bid%7D/get/responses/201"}, "201": {"description": "r"}}}}}});
        assert!(needs_bundling(&encoded, false));
    }

    #[test]
    fn many_drops_from_one_list_remove_the_right_items() {
        let mut doc = json!({"paths": {"/a": {"get": {"parameters": (0..12).map(|i| if i == 2 || i == 10 {
            json!({"$ref": format!("#/components/parameters/Missing{i}")})
        } else {
            json!({"name": format!("p{i}"), "in": "query"})
        }).collect::<Vec<_>>(), "responses": {}}}}});
        let mut notes = Vec::new();
        let access = Access { path: None, allow_outside: false, strict: false };
        bundle("a.yaml", &mut doc, &access, &mut notes).expect("lenient");
        let names: Vec<&str> = doc["paths"]["/a"]["get"]["parameters"]
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert_eq!(names, ["p0", "p1", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p11"]);
        assert_eq!(notes.len(), 2);
    }

    #[test]
    fn fan_out_is_bounded() {
        // Each path item refers twice to the next: 2^40 copies if unbounded.
        let mut extensions = Map::new();
        for i in 0..40 {
            let next = format!("#/x-p/p{}", i + 1);
            extensions.insert(
                format!("p{i}"),
                json!({"post": {"responses": {}, "callbacks": {"c": {"a": {"$ref": next}, "b": {"$ref": next}}}}}),
            );
        }
        extensions.insert("p40".into(), json!({}));
        let mut doc = json!({"openapi": "3.0.3", "paths": {"/a": {"$ref": "#/x-p/p0"}}, "x-p": extensions});
        let access = Access { path: None, allow_outside: false, strict: false };
        let started = std::time::Instant::now();
        let result = bundle("a.yaml", &mut doc, &access, &mut Vec::new());
        assert!(result.is_err(), "the copies are budgeted");
        // A wide bound: the point is seconds, not the hours of 2^40 copies.
        assert!(started.elapsed() < std::time::Duration::from_secs(120), "{:?}", started.elapsed());
    }
}
