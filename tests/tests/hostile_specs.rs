//! Specs written to break the generator: cycles through every combinator,
//! fan-out, huge enums and objects, routes no request can match, impossible
//! bounds. Each must generate (or fail with a clear error) without a crash,
//! a hang or more than linear work.
//!
//! Generation runs on a thread watched by a deadline. The deadline only
//! tells a hang from an answer: these inputs take well under a second
//! (see `cargo xtask bench`), while the quadratic or exponential work they
//! used to cause took minutes or never ended.

use generator::ir::{Api, Check};
use generator::{ErrorKind, SpecInput};
use serde_json::{json, Value};
use std::sync::mpsc;
use std::time::Duration;
use tests::{generate_single, spec};

const DEADLINE: Duration = Duration::from_secs(60);

/// Runs `work` on its own thread (with a large stack, so a deep but finite
/// recursion is not mistaken for a cycle) and fails if it does not finish.
fn within_deadline<T: Send + 'static>(what: &str, work: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let _ = tx.send(work());
        })
        .expect("spawn");
    rx.recv_timeout(DEADLINE)
        .unwrap_or_else(|_| panic!("{what}: no answer within {DEADLINE:?} (a hang, or worse than linear work)"))
}

fn json_spec(name: &str, doc: Value) -> SpecInput {
    SpecInput::new(format!("{name}.json"), doc.to_string())
}

fn load(input: SpecInput) -> Api {
    let what = input.source.clone();
    within_deadline(&what, move || generator::load(&input)).unwrap_or_else(|e| panic!("{e}"))
}

fn generates(input: SpecInput) -> Vec<String> {
    let what = input.source.clone();
    let (files, warnings) = within_deadline(&what, move || {
        let config = generator::CrateConfig {
            crate_name: "hostile".into(),
            description: "A hostile case.".into(),
            regenerate_with: "cargo test -p tests".into(),
            layout: generator::Layout::Single,
            strict: false,
            runtime: generator::Runtime::Vendored,
            keep_unknown_properties: false,
        };
        generator::generate_with_warnings(std::slice::from_ref(&input), &config)
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(files.iter().any(|f| f.path == "src/models.rs"), "{what}: no models");
    warnings
}

/// The check of a component schema.
fn check_of<'a>(api: &'a Api, key: &str) -> &'a Check {
    let pointer = format!("/components/schemas/{key}");
    &api.types.iter().find(|t| t.pointer == pointer).unwrap_or_else(|| panic!("no type at {pointer}")).check
}

#[test]
fn cycles_through_every_combinator_end() {
    let api = load(spec("tests/hostile/cycles.yaml"));
    // Schemas that are only references to each other describe no value:
    // their server checks must admit anything rather than loop.
    for name in ["AliasA", "AliasB", "AliasC", "Itself", "SelfAllOf", "MutualA", "MutualB", "NullableA", "NullableB"] {
        assert_eq!(check_of(&api, name), &Check::Any, "{name}");
        let warned = api.warnings.iter().any(|w| w.pointer == format!("/components/schemas/{name}"));
        assert!(warned, "{name}: no warning in {:?}", api.warnings);
    }
    // A recursive struct keeps its shape.
    assert!(matches!(check_of(&api, "Tree"), Check::Object { .. }));
    generates(spec("tests/hostile/cycles.yaml"));
}

#[test]
fn all_of_fan_out_costs_linear_work() {
    // Ten parts per level, twenty levels: 10^20 paths through the parts.
    let (levels, parts) = (20, 10);
    let mut schemas = serde_json::Map::new();
    for level in 0..levels {
        for part in 0..parts {
            let schema = if level == levels - 1 {
                json!({"type": "object", "properties": {format!("f{part}"): {"type": "string"}}, "required": [format!("f{part}")]})
            } else {
                json!({"allOf": (0..parts).map(|q| json!({"$ref": format!("#/components/schemas/L{}P{q}", level + 1)})).collect::<Vec<_>>()})
            };
            schemas.insert(format!("L{level}P{part}"), schema);
        }
    }
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "Fan-out", "version": "1"},
        "paths": {"/x": {"post": {"operationId": "x",
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/L0P0"}}}},
            "responses": {"204": {"description": "ok"}}}}},
        "components": {"schemas": schemas},
    });
    let api = load(json_spec("fan_out", doc.clone()));
    // Every property of the last level is checked, once.
    match check_of(&api, "L0P0") {
        Check::Object { properties, required, .. } => {
            assert_eq!(properties.len(), parts, "{properties:?}");
            assert_eq!(required.len(), parts, "{required:?}");
        }
        other => panic!("{other:?}"),
    }
    generates(json_spec("fan_out", doc));
}

/// `depth` levels of objects, arrays and `allOf`s around `leaf`, and the
/// pointer of the leaf below the outermost level.
fn nested(depth: usize, leaf: Value) -> (Value, String) {
    (0..depth).fold((leaf, String::new()), |(inner, below), level| match level % 3 {
        0 => (json!({"type": "object", "properties": {"x": inner}}), format!("/properties/x{below}")),
        1 => (json!({"type": "array", "items": inner}), format!("/items{below}")),
        _ => (json!({"allOf": [inner]}), format!("/allOf/0{below}")),
    })
}

#[test]
fn a_misfit_deep_in_a_schema_is_refused_at_once_by_its_pointer() {
    // The whole-document parse doubled its work at every level above a
    // schema that does not fit: forty levels were 2^40 attempts.
    let (deep, below) = nested(40, json!({"type": "string", "maxLength": "eight"}));
    let positions = [
        ("/components/schemas/Deep", json!({"components": {"schemas": {"Deep": deep}}})),
        (
            "/components/parameters/P/schema",
            json!({"components": {"parameters": {"P": {"name": "p", "in": "query", "schema": deep}}}}),
        ),
        (
            "/paths/~1x/post/requestBody/content/application~1json/schema",
            json!({"paths": {"/x": {"post": {"requestBody": {"content": {"application/json": {"schema": deep}}},
                "responses": {"204": {"description": "ok"}}}}}}),
        ),
        (
            "/paths/~1x/get/responses/200/headers/H/schema",
            json!({"paths": {"/x": {"get": {"responses": {"200": {"description": "ok", "headers": {"H": {"schema": deep}}}}}}}}),
        ),
    ];
    for (pointer, part) in positions {
        let mut doc = json!({"openapi": "3.0.3", "info": {"title": "Deep", "version": "1"}, "paths": {}});
        for (key, value) in part.as_object().expect("object") {
            doc[key] = value.clone();
        }
        for input in
            [json_spec("deep", doc.clone()), SpecInput::new("deep.yaml", serde_yaml::to_string(&doc).expect("yaml"))]
        {
            let what = format!("{} at {pointer}", input.source);
            let error = within_deadline(&what, move || generator::load(&input)).expect_err(&what);
            assert_eq!(error.pointer.as_deref(), Some(format!("{pointer}{below}").as_str()), "{what}: {error}");
            assert!(matches!(error.kind, ErrorKind::Invalid(_)), "{what}: {error}");
            assert!(error.to_string().contains("expected usize"), "{what}: {error}");
        }
    }
    // The same depth with a leaf that fits generates.
    let (deep, _) = nested(40, json!({"type": "string", "maxLength": 8}));
    let doc = json!({"openapi": "3.0.3", "info": {"title": "Deep", "version": "1"}, "paths": {},
        "components": {"schemas": {"Deep": deep}}});
    generates(json_spec("deep", doc));
}

#[test]
fn huge_enums_and_objects_degrade_to_types_that_compile() {
    let values: Vec<String> = (0..100_000).map(|i| format!("v{i}")).collect();
    let doc = json!({
        "openapi": "3.0.3", "info": {"title": "Huge", "version": "1"}, "paths": {},
        "components": {"schemas": {
            "Huge": {"type": "string", "enum": values},
            "Wide": {"type": "object", "properties": (0..20_000).map(|i| (format!("p{i}"), json!({"type": "string"}))).collect::<serde_json::Map<_, _>>()},
        }},
    });
    let api = load(json_spec("huge", doc.clone()));
    let warned = |pointer: &str| api.warnings.iter().any(|w| w.pointer == pointer);
    assert!(warned("/components/schemas/Huge/enum"), "{:?}", api.warnings);
    assert!(warned("/components/schemas/Wide/properties"), "{:?}", api.warnings);
    // The server still checks every value and property.
    match check_of(&api, "Huge") {
        Check::String { values, .. } => assert_eq!(values.len(), 100_000),
        other => panic!("{other:?}"),
    }
    match check_of(&api, "Wide") {
        Check::Object { properties, .. } => assert_eq!(properties.len(), 20_000),
        other => panic!("{other:?}"),
    }
    generates(json_spec("huge", doc));
}

/// `n` distinct names that all make the same identifier: `prefix` and
/// separators spelling a number in base four.
fn colliding(prefix: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|mut i| {
            let mut name = prefix.to_owned();
            loop {
                name.push(['-', '_', '.', ' '][i % 4]);
                i /= 4;
                if i == 0 {
                    break name;
                }
            }
        })
        .collect()
}

#[test]
fn colliding_names_are_claimed_in_linear_time() {
    // Every value of each enum names the variant `A`; every other schema
    // names the type `T`.
    let values = colliding("a", 10_000);
    let mut schemas = serde_json::Map::new();
    for name in colliding("e", 20) {
        schemas.insert(name, json!({"type": "string", "enum": values}));
    }
    for name in colliding("t", 60_000) {
        schemas.insert(name, json!({"type": "boolean"}));
    }
    let doc = json!({
        "openapi": "3.0.3", "info": {"title": "Collisions", "version": "1"}, "paths": {},
        "components": {"schemas": schemas},
    });
    let api = load(json_spec("collisions", doc));
    assert!(api.types.iter().any(|t| t.name == "T60000"), "every colliding name got its own suffix");
    let variants = api.types.iter().find_map(|t| match &t.kind {
        generator::ir::TypeKind::Enum(e) => Some(e.variants.len()),
        _ => None,
    });
    assert_eq!(variants, Some(10_000));
}

#[test]
fn routes_and_bounds_that_cannot_work_are_reported() {
    let input = spec("tests/hostile/unmatchable.yaml");
    let api = load(input.clone());
    let expected = [
        ("/paths/~1a~1{id", "is not closed"),
        ("/paths/~1d~1{a}{b}", "two parameters with nothing between them"),
        ("/paths/~1e/get/parameters", "path parameter `id` is not in the path template"),
        ("/paths/~1e/get/parameters", "`X Bad Header` is not a valid header name"),
        ("/paths/~1f/get/parameters/0/schema", "minimum 10 and maximum 5 leave no valid value"),
        ("/paths/~1f/get/parameters/1/schema", "minLength 5 is greater than maxLength 2"),
        ("/paths/~1f/get/parameters/2/schema", "minimum 1 and exclusiveMaximum 1 leave no valid value"),
        ("/paths/~1f/get/parameters/3/schema", "minItems 3 is greater than maxItems 1"),
    ];
    for (pointer, text) in expected {
        let found = api.warnings.iter().any(|w| w.pointer == pointer && w.message.contains(text));
        assert!(found, "no warning `{text}` at {pointer}: {:?}", api.warnings);
    }
    let err = generator::load_with(&input, true).expect_err("strict refuses");
    assert!(matches!(err.kind, ErrorKind::Invalid(_)), "{err}");
    assert_eq!(err.pointer.as_deref(), Some("/paths/~1a~1{id"), "{err}");
}

#[test]
fn spec_text_never_becomes_code_or_breaks_a_manifest() {
    let files = generate_single(&spec("tests/hostile/text.yaml")).expect("generates");
    for file in &files {
        // Every code block in the docs is one apigen opened as `text`, and
        // nothing a spec said sits raw in a comment where rustc refuses it.
        let mut in_block = false;
        for (i, line) in file.contents.lines().enumerate() {
            let at = format!("{}:{}: {line:?}", file.path, i + 1);
            assert!(!line.contains(['\r', '\u{202E}', '\u{7f}', '\u{7}']), "{at}");
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
            let opens =
                fence.starts_with("~~~") || (fence.starts_with("```") && !fence.trim_start_matches('`').contains('`'));
            if opens {
                assert_eq!(fence, "```text", "{at}");
                in_block = true;
            }
            assert!(!text.starts_with("    "), "an indented code block: {at}");
        }
    }
    let manifest = &files.iter().find(|f| f.path == "Cargo.toml").expect("Cargo.toml").contents;
    assert!(manifest.contains("doctest = false"), "{manifest}");
    // The description (the CLI's holds the title) is a valid TOML string.
    let config = generator::CrateConfig {
        crate_name: "case-text".into(),
        description: "Rust types for \u{202E}\u{7f} \"quoted\" \\ and\nmore".into(),
        regenerate_with: "apigen".into(),
        layout: generator::Layout::Single,
        strict: false,
        runtime: generator::Runtime::Vendored,
        keep_unknown_properties: false,
    };
    let files = generator::generate(&[spec("tests/hostile/text.yaml")], &config).expect("generates");
    let manifest = &files.iter().find(|f| f.path == "Cargo.toml").expect("Cargo.toml").contents;
    let line = manifest.lines().find(|l| l.starts_with("description = ")).expect("description");
    assert_eq!(line, "description = \"Rust types for \u{202E}\\u007F \\\"quoted\\\" \\\\ and\\nmore\"");
    // A title that is a number still names a valid package.
    let numeric = generate_single(&spec("tests/hostile/numeric_title.yaml")).expect("generates");
    let config = generator::CrateConfig {
        crate_name: generator::naming::crate_name("123"),
        description: String::new(),
        regenerate_with: String::new(),
        layout: generator::Layout::Single,
        strict: false,
        runtime: generator::Runtime::Vendored,
        keep_unknown_properties: false,
    };
    assert_eq!(config.crate_name, "api-123");
    assert!(!numeric.is_empty());
    // A path holding a line break stays inside the header comment.
    let input = SpecInput::new(
        "specs/evil\nfn main() {}\n.yaml",
        std::fs::read_to_string(tests::workspace_root().join("tests/cases/fields.yaml")).expect("case"),
    );
    for file in generate_single(&input).expect("generates") {
        let mut lines = file.contents.lines();
        let header = lines.next().unwrap_or_default();
        assert!(header.contains("evil\\u{a}fn main() {}\\u{a}.yaml"), "{}: {header}", file.path);
        assert!(!file.contents.contains("\nfn main() {}"), "{}", file.path);
    }
    // An invalid crate name is refused before anything is generated.
    let config = generator::CrateConfig { crate_name: "9 lives".into(), ..config };
    let err = generator::generate(&[spec("tests/cases/fields.yaml")], &config).expect_err("bad crate name");
    assert!(matches!(err.kind, ErrorKind::Usage(_)), "{err}");
}

// ------------------------------------------------------------ other files

/// Writes `files` (name, text) into a fresh folder and loads `root.yaml`.
fn load_files(name: &str, files: &[(&str, String)]) -> Result<Api, generator::Error> {
    let dir = tests::scratch_dir(&format!("refs-{name}"));
    for (file, text) in files {
        std::fs::write(dir.join(file), text).expect("write");
    }
    generator::load(&SpecInput::read("root.yaml", dir.join("root.yaml")).expect("read"))
}

fn root_referring_to(target: &str) -> String {
    format!("openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths: {{}}\ncomponents:\n  schemas:\n    A: {{$ref: '{target}'}}\n")
}

/// A ref to a FIFO (or any file that is not a regular one) is refused at
/// once instead of blocking on a read that never ends.
#[cfg(unix)]
#[test]
fn a_ref_to_a_fifo_is_refused_not_read() {
    let dir = tests::scratch_dir("refs-fifo");
    std::fs::write(dir.join("root.yaml"), root_referring_to("./pipe.yaml")).expect("write");
    let made = std::process::Command::new("mkfifo").arg(dir.join("pipe.yaml")).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("no mkfifo here; skipped");
        return;
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let path = dir.join("root.yaml");
    std::thread::spawn(move || {
        let _ = tx.send(generator::load(&SpecInput::read("root.yaml", path).expect("read")).map(|_| ()));
    });
    let result = rx.recv_timeout(std::time::Duration::from_secs(30)).expect("answered, not blocked");
    let err = result.expect_err("refused");
    assert!(err.to_string().contains("is not a regular file"), "{err}");
}

/// A malformed file referred to fails with an error naming that file.
#[test]
fn a_malformed_other_file_is_named() {
    let err = load_files(
        "malformed",
        &[("root.yaml", root_referring_to("./bad.yaml#/B")), ("bad.yaml", "B: {type: [unclosed\n".into())],
    )
    .expect_err("malformed");
    assert_eq!(err.file, "root.yaml");
    assert!(err.to_string().contains("bad.yaml"), "{err}");
    assert!(err.to_string().contains("invalid YAML"), "{err}");
}

/// Path items that refer to each other across files end as an error, and
/// a schema many places refer to is copied once.
#[test]
fn cycles_and_repeats_across_files_stay_bounded() {
    let root = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a: {$ref: './p.yaml#/A'}\n".to_owned();
    let err = load_files(
        "path-cycle",
        &[
            ("root.yaml", root),
            ("p.yaml", "A: {$ref: './q.yaml#/B'}\n".into()),
            ("q.yaml", "B: {$ref: './p.yaml#/A'}\n".into()),
        ],
    )
    .expect_err("circular");
    assert!(err.to_string().contains("too long or circular"), "{err}");

    let refs: String = (0..2_000).map(|i| format!("        p{i}: {{$ref: './s.yaml#/S'}}\n")).collect();
    let root = format!("openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths: {{}}\ncomponents:\n  schemas:\n    Wide:\n      type: object\n      properties:\n{refs}");
    let api = load_files(
        "repeats",
        &[("root.yaml", root), ("s.yaml", "S: {type: object, properties: {s: {$ref: '#/S'}}}\n".into())],
    )
    .expect("loads");
    assert_eq!(api.types.iter().filter(|t| t.name.starts_with('S')).count(), 1, "one copy of S");
}

/// `--runtime-path` and `--runtime-version` reach Cargo.toml as TOML
/// strings, whatever they hold: no quote, backslash or line break in them
/// can add a table or a key to the manifest.
#[test]
fn runtime_paths_and_versions_stay_strings_in_the_manifest() {
    let hostile = "../we\"ird]\\path\n[patch.crates-io]\nserde = { path = \"/tmp\" } # \u{7f}";
    for runtime in [generator::Runtime::Path(hostile.into()), generator::Runtime::Version(hostile.into())] {
        let config = generator::CrateConfig {
            crate_name: "case-runtime".into(),
            description: String::new(),
            regenerate_with: "apigen".into(),
            layout: generator::Layout::Single,
            strict: false,
            runtime: runtime.clone(),
            keep_unknown_properties: false,
        };
        let files = generator::generate(&[spec("tests/cases/fields.yaml")], &config).expect("generates");
        let manifest = &files.iter().find(|f| f.path == "Cargo.toml").expect("Cargo.toml").contents;
        let table: toml::Table = toml::from_str(manifest).unwrap_or_else(|e| panic!("{e}\n{manifest}"));
        let key = if matches!(runtime, generator::Runtime::Path(_)) { "path" } else { "version" };
        let dependency = &table["dependencies"]["apigen-runtime"];
        assert_eq!(dependency[key].as_str(), Some(hostile), "{manifest}");
        assert!(!table.contains_key("patch"), "{manifest}");
    }
}
