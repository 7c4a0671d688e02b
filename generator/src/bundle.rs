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
//!   taken; a path item, or a node of no component kind, in place. Cycles
//!   across files end at the copies already made.
//! - Remote refs (`https:`, ...) are an error (nothing is fetched), and so is
//!   a file outside the root document's directory unless the input allows
//!   it (a spec from the internet must not read `/etc/passwd`).
//! - A path item given by `$ref` is replaced by its target.
//! - A ref that points nowhere becomes an approximation with a warning
//!   naming both pointers (a schema admits any value, a response or body
//!   any JSON, a parameter is dropped), or an error when strict.
//!
//! Where a copied node came from is kept ([`Origin`]), so messages about it
//! name its own file and pointer. The walk is iterative and each file and
//! each target is read once, so the work is linear in what is reachable.

use crate::error::{escape_segment, Error, ErrorKind};
use crate::ir::{Origin, Warning};
use serde_json::{Map, Value};
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

/// At most this many files are read for one spec, and at most this many
/// bytes in all: a spec cannot make the generator read without end.
pub const MAX_FILES: usize = 10_000;
pub const MAX_TOTAL_BYTES: u64 = 1 << 30;
/// A chain of in-place replacements (a path item that is a ref to a ref
/// ...) longer than this is taken to be circular.
const MAX_INLINE_DEPTH: usize = 64;

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

/// What a node is, by where it stands: decides where a copy goes.
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

/// Keys whose children are names, not keywords.
const NAME_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "schemas",
    "parameters",
    "responses",
    "requestBodies",
    "headers",
    "examples",
    "links",
    "callbacks",
    "securitySchemes",
    "securityDefinitions",
    "pathItems",
    "paths",
    "content",
    "encoding",
    "variables",
    "mapping",
    "scopes",
];

/// Keys whose values are data (examples, defaults, enum values): a `$ref`
/// inside them is not a reference.
const DATA_KEYS: &[&str] = &["example", "examples", "default", "enum", "const", "value", "x-example"];

fn kind_at(path: &[String], swagger: bool) -> Kind {
    let n = path.len();
    let seg = |i: usize| path.get(i).map(String::as_str).unwrap_or("");
    if n == 3 && seg(0) == "components" {
        return match seg(1) {
            "schemas" => Kind::Schema,
            "parameters" => Kind::Parameter,
            "responses" => Kind::Response,
            "requestBodies" => Kind::RequestBody,
            "headers" => Kind::Header,
            "examples" => Kind::Example,
            "links" => Kind::Link,
            "callbacks" => Kind::Callback,
            "securitySchemes" => Kind::SecurityScheme,
            "pathItems" => Kind::PathItem,
            _ => Kind::Other,
        };
    }
    if n == 2 {
        match seg(0) {
            "paths" => return Kind::PathItem,
            "definitions" if swagger => return Kind::Schema,
            "parameters" if swagger => return Kind::Parameter,
            "responses" if swagger => return Kind::Response,
            "securityDefinitions" if swagger => return Kind::SecurityScheme,
            _ => {}
        }
    }
    if n == 0 {
        return Kind::Other;
    }
    let last = seg(n - 1);
    let parent = if n >= 2 { seg(n - 2) } else { "" };
    let is_index = last.parse::<usize>().is_ok();
    match parent {
        "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => return Kind::Schema,
        "allOf" | "anyOf" | "oneOf" | "prefixItems" if is_index => return Kind::Schema,
        "parameters" if is_index => return Kind::Parameter,
        "responses" => return Kind::Response,
        "headers" => return Kind::Header,
        "examples" => return Kind::Example,
        "links" => return Kind::Link,
        "callbacks" => return Kind::Callback,
        _ => {}
    }
    if n >= 3 && seg(n - 3) == "callbacks" {
        return Kind::PathItem;
    }
    match last {
        "schema" | "items" | "additionalProperties" | "not" | "additionalItems" | "contains" | "propertyNames" | "if"
        | "then" | "else" | "unevaluatedItems" | "unevaluatedProperties" | "contentSchema" => Kind::Schema,
        "requestBody" => Kind::RequestBody,
        _ => Kind::Other,
    }
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
    /// Segments of the node holding the `$ref` (for a mapping value, of the
    /// value itself).
    path: Vec<String>,
    reference: String,
    mapping: bool,
}

struct Loaded {
    /// As the user should see it.
    display: String,
    /// Canonical path on disk.
    path: PathBuf,
    tree: Value,
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
    /// (file, pointer) of a copied target → the local ref of its copy.
    copies: HashMap<(usize, String), String>,
    /// Per components section, the keys taken.
    taken: HashMap<String, crate::naming::Scope>,
    bundled: Bundled,
    notes: &'a mut Vec<Warning>,
    /// Sites to drop afterwards (dangling parameters), by pointer.
    drop: Vec<Vec<String>>,
}

/// Resolves every `$ref` of `root` (see the module docs). `source` is the
/// root's name in messages.
pub fn bundle(source: &str, root: &mut Value, access: &Access<'_>, notes: &mut Vec<Warning>) -> Result<Bundled, Error> {
    if !has_refs_to_rewrite(root) {
        return Ok(Bundled::default());
    }
    let swagger = root.get("swagger").is_some();
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

/// Whether any `$ref` is not already a plain local pointer that resolves
/// (the common case: nothing to do, and the tree stays as parsed).
fn has_refs_to_rewrite(root: &Value) -> bool {
    // (node, depth, its key, its parent's key, its grandparent's key): a
    // path item stands at `/paths/<path>` or `.../callbacks/<name>/<expr>`.
    let mut stack: Vec<(&Value, usize, &str, &str, &str)> = vec![(root, 0, "", "", "")];
    while let Some((v, depth, key, parent, grandparent)) = stack.pop() {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    let path_item = (depth == 2 && parent == "paths") || grandparent == "callbacks";
                    match r.strip_prefix('#') {
                        Some(p) if !path_item && root.pointer(p).is_some() => {}
                        _ => return true,
                    }
                }
                if let Some(Value::Object(m)) = map.get("discriminator").and_then(|d| d.get("mapping")) {
                    if m.values().filter_map(Value::as_str).any(|r| r.contains('.') && !r.starts_with('#')) {
                        return true;
                    }
                }
                stack.extend(map.iter().map(|(k, child)| (child, depth + 1, k.as_str(), key, parent)));
            }
            Value::Array(items) => stack.extend(items.iter().map(|child| (child, depth + 1, "", key, parent))),
            _ => {}
        }
    }
    false
}

impl<'a> Bundler<'a> {
    fn run(&mut self, root: &mut Value) -> Result<(), Error> {
        // (pointer segments of a subtree to scan, file its refs are relative to, inline depth)
        let mut queue: VecDeque<(Vec<String>, usize, usize)> = VecDeque::new();
        queue.push_back((Vec::new(), 0, 0));
        while let Some((at, file, depth)) = queue.pop_front() {
            let sites = match lookup(root, &at) {
                Some(node) => collect_sites(node, &at),
                None => continue,
            };
            for site in sites {
                self.resolve_site(root, site, file, depth, &mut queue)?;
            }
        }
        Ok(())
    }

    fn err(&self, file: usize, at: &[String], kind: ErrorKind) -> Error {
        Error::new(&self.files[file].display, Some(pointer_of(at)), kind)
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
        queue: &mut VecDeque<(Vec<String>, usize, usize)>,
    ) -> Result<(), Error> {
        let kind = if site.mapping { Kind::Schema } else { kind_at(&site.path, self.swagger) };
        let at_error = |b: &Self, kind: ErrorKind| b.err(file, &site.path, kind).with_pointer(b.origin_pointer(file, &site.path));
        let (target_file, fragment) = match self.locate(&site.reference, file) {
            Ok(found) => found,
            Err(kind) => return Err(at_error(self, kind)),
        };
        // A bare schema name in a discriminator mapping is not a ref.
        if site.mapping && target_file == file && !site.reference.contains('#') && !site.reference.contains('.') {
            return Ok(());
        }
        let target_exists = if target_file == 0 {
            root.pointer(&fragment).is_some()
        } else {
            self.files[target_file].tree.pointer(&fragment).is_some()
        };
        let fragment = if target_exists {
            fragment
        } else if let Some(repaired) = self.repair_fragment(root, target_file, &fragment) {
            let message = format!("`$ref` `{}` names no node; `#{repaired}` is what it means", site.reference);
            self.notes.push(Warning { pointer: self.origin_pointer(file, &site.path), message });
            repaired
        } else {
            return self.dangling(root, &site, file, kind, &fragment);
        };
        let needs_inline = kind == Kind::PathItem && !site.mapping;
        if target_file == 0 && !needs_inline {
            // A ref into the root document: only its spelling may change.
            let canonical = format!("#{fragment}");
            if canonical != site.reference {
                self.set_ref(root, &site, canonical);
            }
            return Ok(());
        }
        match section(kind, self.swagger).filter(|_| !needs_inline) {
            Some((top, sub)) => {
                let local = self.copy(root, target_file, &fragment, top, sub, queue);
                self.set_ref(root, &site, local);
            }
            None => {
                if site.mapping {
                    return Err(at_error(self, ErrorKind::Unsupported(format!("discriminator mapping `{}` names no schema", site.reference))));
                }
                if depth >= MAX_INLINE_DEPTH {
                    return Err(at_error(self, ErrorKind::Unsupported(format!("$ref chain through `{}` is too long or circular", site.reference))));
                }
                let target = if target_file == 0 { root.pointer(&fragment) } else { self.files[target_file].tree.pointer(&fragment) };
                let mut copy = target.cloned().unwrap_or(Value::Null);
                if let (Some(node), Value::Object(into)) = (lookup(root, &site.path), &mut copy) {
                    // Fields beside the `$ref` are kept where the target has none.
                    for (k, v) in node.as_object().into_iter().flatten() {
                        if k != "$ref" && !into.contains_key(k) {
                            into.insert(k.clone(), v.clone());
                        }
                    }
                }
                if let Some(slot) = lookup_mut(root, &site.path) {
                    *slot = copy;
                }
                self.bundled.changed = true;
                if target_file != 0 {
                    let origin = Origin {
                        local: pointer_of(&site.path),
                        file: self.files[target_file].display.clone(),
                        pointer: fragment.clone(),
                    };
                    self.bundled.origins.push(origin);
                }
                queue.push_back((site.path, target_file, depth + 1));
            }
        }
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

    fn dangling(&mut self, root: &mut Value, site: &Site, file: usize, kind: Kind, fragment: &str) -> Result<(), Error> {
        let pointer = self.origin_pointer(file, &site.path);
        let dangling = || {
            Error::new(&self.files[file].display, Some(pointer.clone()), ErrorKind::DanglingRef(site.reference.clone()))
        };
        if self.access.strict {
            return Err(dangling());
        }
        let any = Value::Object(Map::new());
        let json_content = || serde_json::json!({"application/json": {"schema": {}}});
        let (replacement, using) = match kind {
            _ if site.mapping => (None, "no mapping for this value"),
            Kind::Schema => (Some(any), "using serde_json::Value"),
            Kind::Header => (Some(serde_json::json!({"schema": {}})), "using serde_json::Value"),
            Kind::Example => (Some(any), "no example"),
            Kind::Response => (
                Some(serde_json::json!({"description": "", "content": json_content()})),
                "any JSON body, as serde_json::Value",
            ),
            Kind::RequestBody => (Some(serde_json::json!({"content": json_content()})), "any JSON body, as serde_json::Value"),
            Kind::Parameter if site.path.last().is_some_and(|s| s.parse::<usize>().is_ok()) => {
                (None, "the parameter is left out")
            }
            _ => return Err(dangling()),
        };
        let message = format!(
            "`$ref` `{}` points at nothing (no node at `{fragment}` in {}); {using}",
            site.reference, self.files_display_for(site, file)
        );
        self.notes.push(Warning { pointer, message });
        self.bundled.changed = true;
        match replacement {
            Some(mut value) => {
                if let (Some(Value::Object(node)), Value::Object(into)) = (lookup(root, &site.path), &mut value) {
                    for (k, v) in node {
                        if k != "$ref" && !into.contains_key(k) {
                            into.insert(k.clone(), v.clone());
                        }
                    }
                }
                if let Some(slot) = lookup_mut(root, &site.path) {
                    *slot = value;
                }
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
    fn copy(
        &mut self,
        root: &mut Value,
        file: usize,
        fragment: &str,
        top: &str,
        sub: Option<&str>,
        queue: &mut VecDeque<(Vec<String>, usize, usize)>,
    ) -> String {
        if let Some(local) = self.copies.get(&(file, fragment.to_owned())) {
            return local.clone();
        }
        let own_name = fragment
            .rsplit('/')
            .next()
            .filter(|s| !s.is_empty())
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .unwrap_or_else(|| {
                Path::new(&self.files[file].display).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "Shared".into())
            });
        let section_key = format!("{top}/{}", sub.unwrap_or(""));
        let scope = self.taken.entry(section_key).or_insert_with(|| {
            let existing = match sub {
                Some(sub) => root.get(top).and_then(|t| t.get(sub)),
                None => root.get(top),
            };
            let keys: Vec<&str> = existing.and_then(Value::as_object).map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default();
            crate::naming::Scope::with_reserved(keys)
        });
        let key = scope.claim(own_name);
        let mut path = vec![top.to_owned()];
        path.extend(sub.map(str::to_owned));
        path.push(key);
        let local = format!("#{}", pointer_of(&path));
        self.copies.insert((file, fragment.to_owned()), local.clone());
        let value = self.files[file].tree.pointer(fragment).cloned().unwrap_or(Value::Null);
        let key = path[path.len() - 1].clone();
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
        queue.push_back((path, file, 0));
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
        let canonical = std::fs::canonicalize(&path)
            .map_err(|e| ErrorKind::Io(format!("$ref `{reference}`: cannot read {}: {e}", path.display())))?;
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
        let size = std::fs::metadata(&canonical).map(|m| m.len()).unwrap_or(0);
        self.total_bytes += size;
        if self.total_bytes > MAX_TOTAL_BYTES {
            return Err(ErrorKind::Unsupported(format!("the files referred to hold more than {MAX_TOTAL_BYTES} bytes")));
        }
        let display = self.display_of(&canonical);
        let text = std::fs::read_to_string(&canonical).map_err(|e| ErrorKind::Io(format!("$ref `{reference}`: {display}: {e}")))?;
        let tree = crate::parse::parse_tree(&display, &text).map_err(|e| ErrorKind::Invalid(e.to_string()))?;
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

    fn apply_drops(&mut self, root: &mut Value) {
        // Later indices first, so earlier ones stay valid.
        self.drop.sort_by(|a, b| b.cmp(a));
        for path in std::mem::take(&mut self.drop) {
            let (Some(last), Some(parent)) = (path.last(), path.split_last().map(|(_, p)| p)) else { continue };
            if let (Ok(index), Some(Value::Array(items))) = (last.parse::<usize>(), lookup_mut(root, parent)) {
                if index < items.len() {
                    items.remove(index);
                }
            }
        }
    }
}

impl Error {
    fn with_pointer(mut self, pointer: String) -> Self {
        self.pointer = Some(pointer);
        self
    }
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

/// Every `$ref` under `node` (which stands at `at`), skipping example and
/// other data values and `x-` extensions; iterative, so depth costs no
/// stack.
fn collect_sites(node: &Value, at: &[String]) -> Vec<Site> {
    let mut sites = Vec::new();
    let mut stack: Vec<(&Value, Vec<String>)> = vec![(node, at.to_vec())];
    while let Some((value, path)) = stack.pop() {
        match value {
            Value::Object(map) => {
                let names = path.last().is_some_and(|k| NAME_MAPS.contains(&k.as_str()))
                    && !(path.len() >= 2 && NAME_MAPS.contains(&path[path.len() - 2].as_str()) && !is_components_root(&path));
                if let Some(Value::String(r)) = map.get("$ref") {
                    sites.push(Site { path: path.clone(), reference: r.clone(), mapping: false });
                }
                let in_discriminator = path.last().is_some_and(|k| k == "mapping")
                    && path.len() >= 2
                    && path[path.len() - 2] == "discriminator";
                for (key, child) in map.iter().rev() {
                    if in_discriminator {
                        if let Value::String(r) = child {
                            let mut p = path.clone();
                            p.push(key.clone());
                            sites.push(Site { path: p, reference: r.clone(), mapping: true });
                        }
                        continue;
                    }
                    if !names && (key.starts_with("x-") || DATA_KEYS.contains(&key.as_str())) {
                        // `examples` as a map of Example Objects may hold refs.
                        if !(key == "examples" && child.is_object() && !is_schema_context(&path)) {
                            continue;
                        }
                    }
                    if key == "$ref" {
                        continue;
                    }
                    let mut p = path.clone();
                    p.push(key.clone());
                    stack.push((child, p));
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate().rev() {
                    let mut p = path.clone();
                    p.push(i.to_string());
                    stack.push((child, p));
                }
            }
            _ => {}
        }
    }
    sites
}

/// `components/<section>`: its keys are names.
fn is_components_root(path: &[String]) -> bool {
    path.len() == 2 && path[0] == "components"
}

/// Whether the object at `path` is a schema (whose `examples` is data).
fn is_schema_context(path: &[String]) -> bool {
    kind_at(path, false) == Kind::Schema
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(p: &str) -> Vec<String> {
        p.split('/').skip(1).map(str::to_owned).collect()
    }

    #[test]
    fn kinds_follow_position() {
        assert_eq!(kind_at(&segs("/components/schemas/Pet"), false), Kind::Schema);
        assert_eq!(kind_at(&segs("/components/schemas/Pet/properties/parameters"), false), Kind::Schema);
        assert_eq!(kind_at(&segs("/paths/a/get/parameters/0"), false), Kind::Parameter);
        assert_eq!(kind_at(&segs("/paths/a/get/responses/200"), false), Kind::Response);
        assert_eq!(kind_at(&segs("/paths/a/get/responses/200/content/x/schema"), false), Kind::Schema);
        assert_eq!(kind_at(&segs("/paths/a"), false), Kind::PathItem);
        assert_eq!(kind_at(&segs("/definitions/Pet"), true), Kind::Schema);
    }

    #[test]
    fn fragments_are_percent_decoded() {
        assert_eq!(decode_fragment("/paths/~1jobs~1%7Bid%7D/get"), "/paths/~1jobs~1{id}/get");
        assert_eq!(decode_fragment("/a%ZZ"), "/a%ZZ");
        assert!(has_scheme("https://x/y.yaml"));
        assert!(!has_scheme("./a:b.yaml"));
        assert!(!has_scheme("a.yaml"));
    }
}
