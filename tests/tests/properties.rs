//! Property-based tests: the five job specs and the case specs mutated into
//! odd documents (cycles through every combinator, deep and wide nesting,
//! huge enums, odd names and text, impossible bounds, broken paths) must
//! generate or fail with an error, never panic or hang, and what they
//! generate must be valid; requests mutated from valid ones must never make
//! a generated server panic, hang or answer 5xx, and every refusal must be
//! a problem document.
//!
//! CI runs a bounded number of cases (`PROPTEST_CASES`, 48 by default);
//! for a long local run:
//!
//! ```text
//! PROPTEST_CASES=5000 cargo test --release -p tests --test properties
//! ```
//!
//! With `PROPERTIES_TRACE=1` each spec case is printed before it runs and
//! written to `target/properties-case.json`, so a case that kills the
//! process (a stack overflow aborts it) is left on disk.

use generator::{CrateConfig, Layout, SpecInput};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use serde_json::{json, Map, Value};
use std::sync::{mpsc, OnceLock};
use std::time::Duration;

/// Answers take milliseconds; a hang or worse-than-linear work takes far
/// longer than this.
const DEADLINE: Duration = Duration::from_secs(60);

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(48);
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        // A failing case that takes the whole deadline must not make the
        // run take hours shrinking it: the shrinking stops after ten minutes
        // with the smallest case found by then.
        max_shrink_time: 600_000,
        ..Config::default()
    }
}

// ------------------------------------------------------------ specs

/// The documents to mutate, as JSON trees, with their file names.
fn seeds() -> &'static [(String, Value)] {
    static SEEDS: OnceLock<Vec<(String, Value)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let root = tests::workspace_root();
        let mut seeds = Vec::new();
        for folder in ["specs", "tests/cases", "tests/hostile"] {
            let mut names: Vec<_> = std::fs::read_dir(root.join(folder))
                .expect("folder")
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "yaml"))
                .collect();
            names.sort();
            for path in names {
                let text = std::fs::read_to_string(&path).expect("spec");
                // As the generator reads them: YAML's integer keys (`200:`) as strings.
                let value: Value = if path.extension().is_some_and(|e| e == "json") {
                    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
                } else {
                    let yaml: serde_yaml::Value =
                        serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                    json_of(yaml)
                };
                seeds.push((format!("{folder}/{}", path.file_name().unwrap_or_default().to_string_lossy()), value));
            }
        }
        seeds
    })
}

fn json_of(yaml: serde_yaml::Value) -> Value {
    use serde_yaml::Value as Y;
    match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(&n).unwrap_or(Value::Null),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(json_of).collect()),
        Y::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = match k {
                        Y::String(s) => s,
                        other => serde_yaml::to_string(&other).unwrap_or_default().trim().to_owned(),
                    };
                    (key, json_of(v))
                })
                .collect(),
        ),
        Y::Tagged(tagged) => json_of(tagged.value),
    }
}

/// Names a vendor might give anything: keywords, digits, symbols, other
/// scripts, control and bidi characters, template braces, very long ones.
fn odd_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(" ".to_owned()),
        Just("type".to_owned()),
        Just("self".to_owned()),
        Just("Self".to_owned()),
        Just("crate".to_owned()),
        Just("r#type".to_owned()),
        Just("Option".to_owned()),
        Just("String".to_owned()),
        Just("123".to_owned()),
        Just("a-b".to_owned()),
        Just("a_b".to_owned()),
        Just("A B".to_owned()),
        Just("é".to_owned()),
        Just("日本語".to_owned()),
        Just("\u{202E}x".to_owned()),
        Just("x\ny".to_owned()),
        Just("x\r".to_owned()),
        Just("```rust".to_owned()),
        Just("{id}".to_owned()),
        Just("/".to_owned()),
        Just("~0~1".to_owned()),
        Just("%FF".to_owned()),
        Just("\"quoted\"".to_owned()),
        Just("\\".to_owned()),
        Just("🦀".to_owned()),
        Just("x".repeat(300)),
        "[a-zA-Z0-9 _.\\-+:/{}$#@!]{0,12}",
        any::<String>().prop_map(|s| s.chars().take(16).collect()),
    ]
}

/// Text for descriptions and titles: code fences of every kind, carriage
/// returns, control characters, Markdown that could be code.
fn odd_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("```rust\nstd::process::exit(1);\n```".to_owned()),
        Just("~~~\nfn main() {}\n~~~".to_owned()),
        Just("> ```\n```rust\nlet x = 1;\n```".to_owned()),
        Just("\n\n    indented();\n".to_owned()),
        Just("\t\ttabbed();".to_owned()),
        Just("- item\n\n      listed();".to_owned()),
        Just("a\rb\r\nc".to_owned()),
        Just("\u{7}\u{7f}\u{0}\u{202E}\u{2066}".to_owned()),
        Just("*/ /* */ //! #![".to_owned()),
        Just("{{ braces }} {% block %}".to_owned()),
        odd_name(),
    ];
    prop::collection::vec(pieces, 1..4).prop_map(|parts| parts.join("\n"))
}

/// One change to a document. Indices pick among the document's schemas,
/// paths and component names, modulo their number.
#[derive(Debug, Clone)]
enum Mutation {
    /// A schema becomes a reference to a component (itself, perhaps).
    RefTo(usize, usize),
    /// A schema becomes a combinator of a reference to its own component
    /// and of itself.
    SelfCycle(usize, &'static str),
    /// A schema is wrapped in levels of objects, arrays or `allOf`s.
    Nest(usize, usize, u8),
    /// A schema gains many properties with odd names.
    Widen(usize, usize, String),
    /// A schema becomes a string enum of many values (names colliding).
    HugeEnum(usize, usize),
    /// A property or component is renamed.
    Rename(usize, String),
    /// A description and a title become odd text.
    Text(usize, String, String),
    /// Bounds no value meets.
    Bounds(usize),
    /// `type` becomes something else.
    Retype(usize, Value),
    /// A path template is broken or oddly named.
    BreakPath(usize, String),
    /// `info.title` and `info.version` become odd text.
    Info(String, String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let index = 0usize..10_000;
    prop_oneof![
        (index.clone(), index.clone()).prop_map(|(a, b)| Mutation::RefTo(a, b)),
        (index.clone(), prop_oneof![Just("allOf"), Just("oneOf"), Just("anyOf")])
            .prop_map(|(a, c)| Mutation::SelfCycle(a, c)),
        (index.clone(), 1usize..300, any::<u8>()).prop_map(|(a, d, k)| Mutation::Nest(a, d, k)),
        (index.clone(), 1usize..2_500, odd_name()).prop_map(|(a, n, s)| Mutation::Widen(a, n, s)),
        (index.clone(), 1usize..12_000).prop_map(|(a, n)| Mutation::HugeEnum(a, n)),
        (index.clone(), odd_name()).prop_map(|(a, s)| Mutation::Rename(a, s)),
        (index.clone(), odd_text(), odd_text()).prop_map(|(a, t, d)| Mutation::Text(a, t, d)),
        index.clone().prop_map(Mutation::Bounds),
        (
            index.clone(),
            prop_oneof![
                Just(json!("string")),
                Just(json!("integer")),
                Just(json!("number")),
                Just(json!("boolean")),
                Just(json!("array")),
                Just(json!("object")),
                Just(json!("null")),
                Just(json!(["string", "null"])),
                Just(json!("weird")),
                Just(json!(7)),
                Just(Value::Null),
            ]
        )
            .prop_map(|(a, t)| Mutation::Retype(a, t)),
        (
            index,
            prop_oneof![
                Just("/a/{b".to_owned()),
                Just("/a/{b}{c}".to_owned()),
                Just("/{}/x}".to_owned()),
                Just("/a/{id}/{id}".to_owned()),
                odd_name().prop_map(|n| format!("/{n}"))
            ]
        )
            .prop_map(|(a, p)| Mutation::BreakPath(a, p)),
        (odd_text(), odd_text()).prop_map(|(t, v)| Mutation::Info(t, v)),
    ]
}

/// Pointers of the objects in a document that are schemas (or hold them).
fn schema_pointers(doc: &Value) -> Vec<String> {
    fn walk(value: &Value, at: String, in_schema: bool, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                let schemaish = in_schema
                    || ["type", "$ref", "properties", "allOf", "oneOf", "anyOf", "items", "enum"]
                        .iter()
                        .any(|k| map.contains_key(*k));
                if schemaish {
                    out.push(at.clone());
                }
                for (key, child) in map {
                    let escaped = key.replace('~', "~0").replace('/', "~1");
                    match (key.as_str(), child) {
                        // Maps of named schemas: each value is a schema.
                        ("schemas" | "properties", Value::Object(children)) => {
                            for (name, grandchild) in children {
                                let name = name.replace('~', "~0").replace('/', "~1");
                                walk(grandchild, format!("{at}/{escaped}/{name}"), true, out);
                            }
                        }
                        _ => {
                            let child_in_schema =
                                matches!(key.as_str(), "schema" | "items" | "additionalProperties" | "not")
                                    || (schemaish && matches!(key.as_str(), "allOf" | "oneOf" | "anyOf"));
                            walk(child, format!("{at}/{escaped}"), child_in_schema, out);
                        }
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, format!("{at}/{i}"), in_schema, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, String::new(), false, &mut out);
    out.sort();
    out.dedup();
    out
}

fn component_names(doc: &Value) -> Vec<String> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{}", name.replace('~', "~0").replace('/', "~1"))})
}

/// Applies a mutation; one with nothing to act on changes nothing.
fn apply(doc: &mut Value, mutation: &Mutation) {
    let schemas = schema_pointers(doc);
    let names = component_names(doc);
    let pick = |i: usize| schemas.get(i % schemas.len().max(1)).cloned();
    let own_component = |pointer: &str| {
        pointer
            .strip_prefix("/components/schemas/")
            .map(|rest| rest.split('/').next().unwrap_or_default().replace("~1", "/").replace("~0", "~"))
    };
    match mutation {
        Mutation::RefTo(at, target) => {
            if let (Some(at), Some(name)) = (pick(*at), names.get(target % names.len().max(1))) {
                if let Some(node) = doc.pointer_mut(&at) {
                    *node = reference(name);
                }
            }
        }
        Mutation::SelfCycle(at, combinator) => {
            let Some(at) = pick(*at) else { return };
            let Some(name) = own_component(&at).or_else(|| names.first().cloned()) else { return };
            if let Some(node) = doc.pointer_mut(&at) {
                let itself = node.clone();
                *node = json!({ *combinator: [reference(&name), itself] });
            }
        }
        Mutation::Nest(at, depth, kind) => {
            let Some(at) = pick(*at) else { return };
            if let Some(node) = doc.pointer_mut(&at) {
                let mut value = node.take();
                for level in 0..*depth {
                    value = match (kind.wrapping_add(level as u8)) % 3 {
                        0 => json!({"type": "object", "properties": {"x": value}}),
                        1 => json!({"type": "array", "items": value}),
                        _ => json!({"allOf": [value]}),
                    };
                }
                *node = value;
            }
        }
        Mutation::Widen(at, n, name) => {
            let Some(at) = pick(*at) else { return };
            if let Some(Value::Object(node)) = doc.pointer_mut(&at) {
                let mut properties = Map::new();
                for i in 0..*n {
                    properties.insert(format!("{name}{i}"), json!({"type": (["string", "integer", "boolean"][i % 3])}));
                }
                node.insert("type".into(), json!("object"));
                node.insert("properties".into(), Value::Object(properties));
            }
        }
        Mutation::HugeEnum(at, n) => {
            let Some(at) = pick(*at) else { return };
            if let Some(node) = doc.pointer_mut(&at) {
                let values: Vec<String> = (0..*n)
                    .map(|i| ["a", "A", "a-", "a_", "a ", "1", ""][i % 7].to_owned() + &"-".repeat(i / 7))
                    .collect();
                *node = json!({"type": "string", "enum": values});
            }
        }
        Mutation::Rename(at, name) => {
            let Some(at) = pick(*at) else { return };
            let Some((parent, key)) = at.rsplit_once('/') else { return };
            let key = key.replace("~1", "/").replace("~0", "~");
            if let Some(Value::Object(map)) = doc.pointer_mut(parent) {
                if let Some(value) = map.remove(&key) {
                    map.insert(name.clone(), value);
                }
            }
        }
        Mutation::Text(at, title, description) => {
            let Some(at) = pick(*at) else { return };
            if let Some(Value::Object(node)) = doc.pointer_mut(&at) {
                node.insert("title".into(), json!(title));
                node.insert("description".into(), json!(description));
            }
        }
        Mutation::Bounds(at) => {
            let Some(at) = pick(*at) else { return };
            if let Some(Value::Object(node)) = doc.pointer_mut(&at) {
                for (k, v) in [
                    ("minimum", 10),
                    ("maximum", 1),
                    ("minLength", 5),
                    ("maxLength", 1),
                    ("minItems", 3),
                    ("maxItems", 0),
                ] {
                    node.insert(k.into(), json!(v));
                }
            }
        }
        Mutation::Retype(at, ty) => {
            let Some(at) = pick(*at) else { return };
            if let Some(Value::Object(node)) = doc.pointer_mut(&at) {
                node.insert("type".into(), ty.clone());
            }
        }
        Mutation::BreakPath(at, new_path) => {
            if let Some(Value::Object(paths)) = doc.pointer_mut("/paths") {
                let keys: Vec<String> = paths.keys().cloned().collect();
                if let Some(key) = keys.get(at % keys.len().max(1)) {
                    if let Some(item) = paths.remove(key) {
                        paths.insert(new_path.clone(), item);
                    }
                }
            }
        }
        Mutation::Info(title, version) => {
            if let Some(Value::Object(info)) = doc.pointer_mut("/info") {
                info.insert("title".into(), json!(title));
                info.insert("version".into(), json!(version));
            }
        }
    }
}

/// What every generated crate must be, whatever the spec said.
fn check_output(source: &str, files: &[generator::OutputFile]) -> Result<(), String> {
    for file in files {
        let first = file.contents.lines().next().unwrap_or_default();
        if !first.contains("Generated by apigen") {
            return Err(format!("{}: no header: {first:?}", file.path));
        }
        if file.path.ends_with(".rs") {
            syn::parse_file(&file.contents).map_err(|e| format!("{}: not Rust: {e}", file.path))?;
            if file.contents.contains(['\r', '\u{202E}', '\u{2066}', '\u{7f}']) {
                return Err(format!("{}: a character rustc refuses", file.path));
            }
            let mut in_block = false;
            for line in file.contents.lines() {
                let trimmed = line.trim_start();
                let Some(doc) = trimmed.strip_prefix("///").or_else(|| trimmed.strip_prefix("//!")) else {
                    in_block = false;
                    continue;
                };
                let text = doc.strip_prefix(' ').unwrap_or(doc);
                if in_block {
                    in_block = text != "```";
                    continue;
                }
                let fence = text.trim_start();
                if fence.starts_with("~~~")
                    || (fence.starts_with("```") && !fence.trim_start_matches('`').contains('`'))
                {
                    if fence != "```text" {
                        return Err(format!("{}: a runnable code block: {line:?}", file.path));
                    }
                    in_block = true;
                }
                if text.starts_with("    ") {
                    return Err(format!("{}: an indented code block: {line:?}", file.path));
                }
            }
        }
        if file.path == "Cargo.toml" {
            let manifest: toml::Table = file.contents.parse().map_err(|e| format!("{source}: Cargo.toml: {e}"))?;
            let name = manifest.get("package").and_then(|p| p.get("name")).and_then(|n| n.as_str()).unwrap_or_default();
            if generator::naming::crate_name_problem(name).is_some() {
                return Err(format!("Cargo.toml: invalid package name {name:?}"));
            }
        }
    }
    Ok(())
}

/// Generates on a thread of its own: a panic or a missed deadline is a
/// failure with the spec that caused it.
fn generate_watched(source: String, text: String, title: String) -> Result<(), String> {
    let (tx, rx) = mpsc::channel();
    let name = source.clone();
    std::thread::Builder::new()
        .stack_size(16 << 20)
        .spawn(move || {
            let outcome = std::panic::catch_unwind(|| {
                let config = CrateConfig {
                    crate_name: generator::naming::crate_name(&title),
                    description: format!("Rust types for {title}."),
                    regenerate_with: format!("apigen generate --spec {source}"),
                    layout: Layout::Single,
                    strict: false,
                    runtime: generator::Runtime::Vendored,
                    keep_unknown_properties: false,
                };
                generator::generate(&[SpecInput::new(source.clone(), text)], &config)
                    .map(|files| check_output(&source, &files))
            });
            let _ = tx.send(outcome);
        })
        .map_err(|e| e.to_string())?;
    match rx.recv_timeout(DEADLINE) {
        Ok(Ok(Ok(checked))) => checked,
        // A spec the generator refuses, with its message: fine.
        Ok(Ok(Err(error))) if error.to_string().starts_with(&name) => Ok(()),
        Ok(Ok(Err(error))) => Err(format!("an error that does not name the file: {error}")),
        Ok(Err(_)) => Err("the generator panicked".into()),
        Err(_) => Err(format!("no answer within {DEADLINE:?}")),
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_specs_generate_valid_crates_or_fail_cleanly(
        seed in 0usize..1_000,
        mutations in prop::collection::vec(mutation(), 1..6),
        as_yaml in any::<bool>(),
    ) {
        let seeds = seeds();
        let (name, original) = &seeds[seed % seeds.len()];
        let mut doc = original.clone();
        for m in &mutations {
            apply(&mut doc, m);
        }
        if std::env::var_os("PROPERTIES_TRACE").is_some() {
            eprintln!("case: {name} {mutations:?}");
            let _ = std::fs::write(tests::workspace_root().join("target/properties-case.json"), doc.to_string());
        }
        let title = doc.pointer("/info/title").and_then(Value::as_str).unwrap_or_default().to_owned();
        let (source, text) = if as_yaml {
            (format!("mutated/{name}.yaml"), serde_yaml::to_string(&doc).map_err(|e| TestCaseError::fail(e.to_string()))?)
        } else {
            (format!("mutated/{name}.json"), doc.to_string())
        };
        generate_watched(source, text, title).map_err(|e| TestCaseError::fail(format!("{name} after {mutations:?}: {e}")))?;
    }
}

// ------------------------------------------------------------ requests

use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt;

#[derive(Clone, Default)]
struct Rules;

impl job_apis::support::server::Authenticate for Rules {
    type Principal = ();
    async fn authenticate(
        &self,
        _: &str,
        credential: job_apis::support::server::Credential,
    ) -> Option<job_apis::support::server::Grant<()>> {
        use job_apis::support::server::{Credential, Grant};
        matches!(credential, Credential::Bearer(ref t) | Credential::ApiKey(ref t) if t == "good")
            .then(|| Grant { principal: (), scopes: vec!["items.write".into()] })
    }
}

impl tests::server_rules::server::Api for Rules {
    async fn put_item(
        &self,
        _: String,
        _: uuid::Uuid,
        _: tests::server_rules::operations::PutItemParams,
        body: tests::server_rules::models::Item,
        _: Option<()>,
    ) -> tests::server_rules::operations::PutItemResponse {
        tests::server_rules::operations::PutItemResponse::Ok(body)
    }
    async fn either(&self, _: Option<()>) -> tests::server_rules::operations::EitherResponse {
        tests::server_rules::operations::EitherResponse::NoContent
    }
    async fn both(&self, _: Option<()>) -> tests::server_rules::operations::BothResponse {
        tests::server_rules::operations::BothResponse::NoContent
    }
}

/// The servers under test: the fakes of the five job APIs and the rules
/// case, with the path templates of their operations.
struct Target {
    router: axum::Router,
    paths: Vec<String>,
    /// Whether refusals are the runtime's own problem documents (the fakes
    /// render the error bodies their specs document).
    problems: bool,
}

fn targets() -> &'static [Target] {
    static TARGETS: OnceLock<Vec<Target>> = OnceLock::new();
    TARGETS.get_or_init(|| {
        let root = tests::workspace_root();
        let mut targets = Vec::new();
        let specs = [
            ("emporix", "specs/emporix-sepa-export.json"),
            ("basiq", "specs/basiq.yaml"),
            ("elastic-path", "specs/elastic-path.yaml"),
            ("akeneo", "specs/akeneo-sdm.yaml"),
            ("gormic", "specs/gormic-bi.yaml"),
        ];
        let paths_of = |spec: &str| -> Vec<String> {
            let text = std::fs::read_to_string(root.join(spec)).expect("spec");
            let api = generator::load(&SpecInput::new(spec, text)).expect("load");
            api.operations.iter().map(|o| o.path.clone()).collect()
        };
        for (name, spec) in specs {
            targets.push(Target {
                router: tests::fakes::router(name).expect("fake"),
                paths: paths_of(spec),
                problems: false,
            });
        }
        let config = job_apis::support::server::ServerConfig::default();
        targets.push(Target {
            router: tests::server_rules::server::router(Rules, config),
            paths: paths_of("tests/cases/server_rules.yaml"),
            problems: true,
        });
        targets
    })
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
    })
}

/// Text for a path segment, query or header: arbitrary bytes, written as
/// percent-escapes (some of which are not UTF-8) or as they are.
fn odd_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9]{1,8}",
        Just(String::new()),
        Just("..".to_owned()),
        Just("%FF".to_owned()),
        Just("%C3".to_owned()),
        Just("%E2%82%AC".to_owned()),
        Just("%00".to_owned()),
        Just("%2F%2E%2E".to_owned()),
        Just("a+b".to_owned()),
        Just("6f1c2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b".to_owned()),
        Just("-1".to_owned()),
        Just("1e309".to_owned()),
        Just("true".to_owned()),
        Just("x".repeat(5000)),
        prop::collection::vec(any::<u8>(), 0..24).prop_map(|bytes| bytes.iter().map(|b| format!("%{b:02X}")).collect()),
    ]
}

/// A JSON body: arbitrary values, nested and wide.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Value::Number)),
        odd_name().prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 256, 12, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..12).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        odd_name(),
                        Just("name".to_owned()),
                        Just("count".to_owned()),
                        Just("siteCode".to_owned()),
                        Just("params".to_owned())
                    ],
                    inner
                ),
                0..12
            )
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        json_value().prop_map(|v| v.to_string().into_bytes()),
        Just(br#"{"name":"abc","count":1,"count":2}"#.to_vec()),
        Just(br#"{"siteCode":"main"}"#.to_vec()),
        Just(br#"{"params":{"uid":"m","lang":"en","template":"excel-auto"}}"#.to_vec()),
        (1usize..20_000).prop_map(|depth| format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes()),
        (1usize..20_000).prop_map(|depth| "{\"a\":".repeat(depth).into_bytes()),
        prop::collection::vec(any::<u8>(), 0..256),
        Just(b"name=abc&count=1&count=2".to_vec()),
    ]
}

fn header() -> impl Strategy<Value = (String, Vec<u8>)> {
    let name = prop_oneof![
        Just("accept"),
        Just("content-type"),
        Just("authorization"),
        Just("x-trace"),
        Just("x-key"),
        Just("api-key"),
        Just("cookie"),
        Just("content-length"),
        Just("x-other"),
    ];
    let value = prop_oneof![
        Just(b"application/json".to_vec()),
        Just(b"application/json;q=0".to_vec()),
        Just(b"*/*;q=0, text/html".to_vec()),
        Just(b"application/problem+json".to_vec()),
        Just(b"text/plain".to_vec()),
        Just(b"application/x-www-form-urlencoded".to_vec()),
        Just(b"Bearer good".to_vec()),
        Just(b"Bearer ".to_vec()),
        Just(b"Basic !!!".to_vec()),
        Just(b"good".to_vec()),
        Just(b"6f1c2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b".to_vec()),
        Just(b"a=1; a=%FF; b".to_vec()),
        Just(b"\xff\xfe".to_vec()),
        Just(b"99999999999999999999".to_vec()),
        prop::collection::vec(0x20u8..0x7f, 0..40),
    ];
    (name.prop_map(str::to_owned), value)
}

#[derive(Debug, Clone)]
struct Probe {
    target: usize,
    path: usize,
    method: &'static str,
    segments: Vec<String>,
    query: Vec<(String, String)>,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

fn probe() -> impl Strategy<Value = Probe> {
    (
        0usize..100,
        0usize..100,
        prop_oneof![
            Just("GET"),
            Just("POST"),
            Just("PUT"),
            Just("DELETE"),
            Just("HEAD"),
            Just("PATCH"),
            Just("OPTIONS")
        ],
        prop::collection::vec(odd_value(), 4),
        prop::collection::vec(
            (
                prop_oneof![
                    Just("siteCode".to_owned()),
                    Just("filter".to_owned()),
                    Just("tags".to_owned()),
                    Just("ratio".to_owned()),
                    Just("pageSize".to_owned()),
                    odd_value()
                ],
                odd_value(),
            ),
            0..6,
        ),
        prop::collection::vec(header(), 0..6),
        body(),
    )
        .prop_map(|(target, path, method, segments, query, headers, body)| Probe {
            target,
            path,
            method,
            segments,
            query,
            headers,
            body,
        })
}

/// Fills a path template's parameters with the probe's segments.
fn fill(template: &str, segments: &[String]) -> String {
    let mut out = String::new();
    let mut rest = template;
    let mut i = 0;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else { break };
        out.push_str(&rest[..open]);
        out.push_str(&segments[i % segments.len()]);
        i += 1;
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_requests_never_make_a_server_fail(probes in prop::collection::vec(probe(), 1..8)) {
        for probe in &probes {
            let targets = targets();
            let target = &targets[probe.target % targets.len()];
            let template = &target.paths[probe.path % target.paths.len()];
            let mut uri = fill(template, &probe.segments);
            if !probe.query.is_empty() {
                let query: Vec<String> = probe.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
                uri = format!("{uri}?{}", query.join("&"));
            }
            let Ok(uri) = uri.parse::<axum::http::Uri>() else { continue };
            let mut request = Request::builder().method(probe.method).uri(uri);
            for (name, value) in &probe.headers {
                if let Ok(value) = axum::http::HeaderValue::from_bytes(value) {
                    request = request.header(name.as_str(), value);
                }
            }
            let Ok(request) = request.body(Body::from(probe.body.clone())) else { continue };
            let router = target.router.clone();
            let answered = runtime().block_on(async move {
                let response = tokio::time::timeout(DEADLINE, router.oneshot(request)).await.ok()?.ok()?;
                let status = response.status().as_u16();
                let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                let body = axum::body::to_bytes(response.into_body(), 64 << 20).await.ok()?;
                Some((status, content_type, body))
            });
            let Some((status, content_type, body)) = answered else {
                return Err(TestCaseError::fail(format!("no answer within {DEADLINE:?}: {probe:?}")));
            };
            prop_assert!(status < 500, "{status} for {probe:?}: {}", String::from_utf8_lossy(&body));
            if (400..500).contains(&status) {
                // A refusal is JSON saying what was wrong (a HEAD answer has no body).
                if target.problems {
                    prop_assert_eq!(content_type.as_str(), "application/problem+json", "{:?}", probe);
                }
                prop_assert!(content_type.contains("json"), "{} for {:?}", content_type, probe);
                if probe.method != "HEAD" {
                    let answer: Value = serde_json::from_slice(&body).map_err(|e| TestCaseError::fail(format!("{e}: {probe:?}")))?;
                    if target.problems {
                        prop_assert_eq!(answer["status"].as_u64(), Some(u64::from(status)));
                    }
                } else {
                    prop_assert!(body.is_empty(), "a HEAD answer with a body: {:?}", probe);
                }
            }
        }
    }
}
