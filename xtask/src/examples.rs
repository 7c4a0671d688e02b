//! `cargo xtask examples`: every example of a list of real-world specs,
//! judged against its own schema, then decoded into the type the generator
//! gave it and encoded back, and compared with what it was.
//!
//! 1. Each spec is loaded; each example the IR records (a component
//!    schema's `example`, a JSON media type's `example` and `examples`) is
//!    validated as JSON Schema (draft 4, the dialect OpenAPI 3.0 extends,
//!    with `nullable` rewritten as a `null` type). Invalid examples are the
//!    spec's errors: reported, not counted.
//! 2. A crate is generated for each spec with valid examples (models only,
//!    the runtime as a path dependency), with a cargo example `rt_NNNN`
//!    that round-trips JSON lines; all crates build in one workspace.
//! 3. Each valid example goes through its binary. *Exact* means the JSON
//!    that comes back equals the example, except that a timestamp may
//!    re-spell its fraction digits (same instant, same offset). *Lenient*
//!    also takes numbers by value (`24` = `24.0`) and timestamps by
//!    instant only.
//!
//! The report (`report.md` in `--out`) gives both shares and the causes of
//! what is not exact, with examples of each.

use crate::corpus::{build_workspace, crate_name_for, parallel, SpecList};
use generator::{CrateConfig, Layout, Runtime, SpecInput};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Settings of one run.
pub struct Options {
    pub specs: SpecList,
    pub out: PathBuf,
    /// Fail unless at least this share (percent) of valid examples come
    /// back exactly.
    pub min_exact: f64,
    /// Generate the crates with `keep_unknown_properties`.
    pub keep_unknown_properties: bool,
}

/// One schema-valid example.
struct Case {
    pointer: String,
    /// Index into the spec's table of types.
    check: usize,
    value: Value,
}

/// What loading and judging one spec found.
#[derive(Default)]
struct Spec {
    name: String,
    crate_name: String,
    /// Why it was not generated, if it was not.
    skipped: Option<String>,
    /// The spec's invalid examples: pointer and the first violation.
    invalid: Vec<(String, String)>,
    /// Examples whose schema the validator could not compile.
    unjudged: Vec<(String, String)>,
    cases: Vec<Case>,
    /// Rust types, in the order of the harness's table.
    types: Vec<String>,
}

/// How one valid example ended.
enum End {
    Exact,
    /// Equal only with numbers by value and timestamps by instant.
    Lenient(String),
    Changed(String),
    Failed(String),
}

pub fn run(root: &Path, options: &Options) -> Result<bool, String> {
    let (corpus, names) = options.specs.read(root)?;
    let crates_dir = options.out.join("crates");
    std::fs::create_dir_all(&crates_dir).map_err(|e| e.to_string())?;
    let runtime = std::fs::canonicalize(root.join("runtime")).map_err(|e| format!("runtime/: {e}"))?;

    eprintln!("judging the examples of {} specs", names.len());
    let specs = parallel(names.len(), options.specs.jobs, "judged", |index| {
        let crate_name = crate_name_for(index);
        let (mut spec, api) = judge(&corpus, &names[index], &crate_name);
        if let Some(api) = api.filter(|_| spec.skipped.is_none() && !spec.cases.is_empty()) {
            if let Err(e) =
                write_crate(api, &spec, &crates_dir.join(&crate_name), &runtime, options.keep_unknown_properties)
            {
                spec.skipped = Some(format!("generation: {e}"));
            }
        }
        spec
    });
    let members: Vec<String> =
        specs.iter().filter(|s| s.skipped.is_none() && !s.cases.is_empty()).map(|s| s.crate_name.clone()).collect();
    eprintln!("building the models and round-trip harness of {} crates (one workspace, --keep-going)", members.len());
    let errors = build_workspace(
        root,
        &options.out,
        &members,
        &["build", "--examples", "--no-default-features"],
        options.specs.jobs,
    )?;

    let mut ends: Vec<(String, String, End)> = Vec::new();
    for spec in specs.iter().filter(|s| members.contains(&s.crate_name)) {
        let results = match errors.get(&spec.crate_name) {
            Some(error) => Err(format!("the crate does not build: {error}")),
            None => run_harness(&options.out, spec),
        };
        match results {
            Ok(results) => {
                for (case, result) in spec.cases.iter().zip(results) {
                    ends.push((spec.name.clone(), case.pointer.clone(), judge_result(&case.value, result)));
                }
            }
            Err(e) => {
                for case in &spec.cases {
                    ends.push((spec.name.clone(), case.pointer.clone(), End::Failed(e.clone())));
                }
            }
        }
    }
    let report = report(&specs, &ends, options.keep_unknown_properties);
    std::fs::write(options.out.join("report.md"), &report).map_err(|e| e.to_string())?;
    let exact = ends.iter().filter(|(_, _, e)| matches!(e, End::Exact)).count();
    let share = if ends.is_empty() { 100.0 } else { 100.0 * exact as f64 / ends.len() as f64 };
    eprintln!("{}", report.lines().take_while(|l| !l.starts_with("## Causes")).collect::<Vec<_>>().join("\n"));
    eprintln!("report: {}", options.out.join("report.md").display());
    if share < options.min_exact {
        eprintln!(
            "only {share:.1}% of the valid examples came back exactly (at least {:.1}% required)",
            options.min_exact
        );
        return Ok(false);
    }
    Ok(true)
}

/// Loads a spec and judges each of its examples against its schema; the
/// API too, for its crate.
fn judge(corpus: &Path, name: &str, crate_name: &str) -> (Spec, Option<generator::ir::Api>) {
    let mut spec = Spec { name: name.to_owned(), crate_name: crate_name.to_owned(), ..Spec::default() };
    let input = match SpecInput::read(name, corpus.join(name)) {
        Ok(input) => input,
        Err(e) => {
            spec.skipped = Some(e.to_string());
            return (spec, None);
        }
    };
    let (api, doc) = match generator::load_with_document(&input) {
        Ok(loaded) => loaded,
        Err(e) => {
            spec.skipped = Some(e.to_string());
            return (spec, None);
        }
    };
    if api.examples.is_empty() {
        return (spec, None);
    }
    let mut dialect = doc;
    as_json_schema(&mut dialect);
    let mut judge = match Judge::new(&dialect) {
        Ok(judge) => judge,
        Err(e) => {
            spec.skipped = Some(format!("the document is not a JSON Schema resource: {e}"));
            return (spec, None);
        }
    };
    let library = crate_name.replace('-', "_");
    let mut types: BTreeMap<String, usize> = BTreeMap::new();
    for example in &api.examples {
        let Some(schema) = schema_of(&example.pointer) else { continue };
        match judge.check(&schema, &example.value) {
            Ok(None) => {}
            Ok(Some(violation)) => {
                spec.invalid.push((example.pointer.clone(), violation));
                continue;
            }
            Err(e) => {
                spec.unjudged.push((example.pointer.clone(), e));
                continue;
            }
        }
        let ty = generator::type_path(&example.ty, &library);
        let next = types.len();
        let check = *types.entry(ty.clone()).or_insert(next);
        if check == next {
            spec.types.push(ty);
        }
        spec.cases.push(Case { pointer: example.pointer.clone(), check, value: example.value.clone() });
    }
    (spec, Some(api))
}

/// The pointer of the schema an example's pointer illustrates: a component
/// schema's `…/example`, or a media type's `…/example` and
/// `…/examples/{name}/value`.
fn schema_of(example: &str) -> Option<String> {
    let segments: Vec<&str> = example.split('/').collect();
    let media = |at: &[&str]| at.len() >= 2 && at[at.len() - 2] == "content";
    match segments.as_slice() {
        [head @ .., "example"] if media(head) => Some(format!("{}/schema", head.join("/"))),
        [head @ .., "example"] => Some(head.join("/")),
        [head @ .., "examples", _, "value"] if media(head) => Some(format!("{}/schema", head.join("/"))),
        _ => None,
    }
}

/// Rewrites OpenAPI 3.0's schema dialect as draft 4: `nullable: true` adds
/// `null` to the schema's `type` (and to its `enum`).
fn as_json_schema(node: &mut Value) {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        match node {
            Value::Object(map) => {
                if map.get("nullable") == Some(&Value::Bool(true)) {
                    if let Some(Value::String(ty)) = map.get("type").cloned() {
                        map.insert("type".into(), Value::Array(vec![Value::String(ty), "null".into()]));
                    }
                    if let Some(Value::Array(values)) = map.get_mut("enum") {
                        if !values.contains(&Value::Null) {
                            values.push(Value::Null);
                        }
                    }
                }
                stack.extend(map.values_mut());
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
}

/// Where the document sits in the validator's registry.
const DOCUMENT_URI: &str = "https://apigen.invalid/document";

/// The schemas of one document, as JSON Schema validators, compiled once
/// per pointer. Formats the models decode (`date-time`, `date`, `uuid`,
/// `byte`) are asserted; other formats are annotations.
struct Judge<'a> {
    registry: jsonschema::Registry<'a>,
    validators: BTreeMap<String, Result<jsonschema::Validator, String>>,
}

impl<'a> Judge<'a> {
    fn new(doc: &'a Value) -> Result<Self, String> {
        let registry = jsonschema::Registry::new()
            .draft(jsonschema::Draft::Draft4)
            .add(DOCUMENT_URI, doc)
            .and_then(|builder| builder.prepare())
            .map_err(|e| e.to_string())?;
        Ok(Judge { registry, validators: BTreeMap::new() })
    }

    /// `Ok(None)` when `value` is valid against the schema at `pointer`,
    /// `Ok(Some(violation))` when not; `Err` when the schema cannot be
    /// compiled.
    fn check(&mut self, pointer: &str, value: &Value) -> Result<Option<String>, String> {
        if !self.validators.contains_key(pointer) {
            let validator = self.compile(pointer);
            self.validators.insert(pointer.to_owned(), validator);
        }
        match &self.validators[pointer] {
            Ok(validator) => Ok(validator.iter_errors(value).next().map(|e| format!("{}: {e}", e.instance_path()))),
            Err(e) => Err(e.clone()),
        }
    }

    fn compile(&self, pointer: &str) -> Result<jsonschema::Validator, String> {
        let mut options = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .with_registry(&self.registry)
            .should_validate_formats(true)
            .with_format("date", |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok())
            .with_format("uuid", is_uuid)
            .with_format("byte", is_base64);
        for annotation in [
            "email",
            "idn-email",
            "hostname",
            "idn-hostname",
            "ipv4",
            "ipv6",
            "uri",
            "uri-reference",
            "iri",
            "iri-reference",
            "uri-template",
            "json-pointer",
            "relative-json-pointer",
            "regex",
            "time",
            "duration",
        ] {
            options = options.with_format(annotation, |_: &str| true);
        }
        let schema = serde_json::json!({ "$ref": format!("{DOCUMENT_URI}#{}", fragment(pointer)) });
        options.build(&schema).map_err(|e| e.to_string())
    }
}

/// A JSON pointer as a URI fragment: bytes outside RFC 3986's `pchar` and
/// `/` percent-encoded.
fn fragment(pointer: &str) -> String {
    let mut out = String::with_capacity(pointer.len());
    for byte in pointer.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&byte) {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// RFC 4122's textual form: 8-4-4-4-12 hexadecimal digits.
fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { c == '-' } else { c.is_ascii_hexdigit() })
}

/// RFC 4648 base64: the standard alphabet, padded.
fn is_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    s.len().is_multiple_of(4)
        && s.len() - body.len() <= 2
        && body.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// Generates the spec's crate (models only matter here) and its harness.
fn write_crate(
    api: generator::ir::Api,
    spec: &Spec,
    out: &Path,
    runtime: &Path,
    keep_unknown_properties: bool,
) -> Result<(), String> {
    let config = CrateConfig {
        crate_name: spec.crate_name.clone(),
        description: format!("Round trip of the examples of {}.", spec.name),
        regenerate_with: "cargo xtask examples".into(),
        layout: Layout::Single,
        strict: false,
        runtime: Runtime::Path(runtime.display().to_string()),
        keep_unknown_properties,
    };
    let files = generator::emit(&[api], &config, &mut Default::default()).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(out);
    let options = generator::output::WriteOptions { replace_foreign: true, ..Default::default() };
    generator::output::write_tree_with(out, &files, &options).map_err(|e| e.to_string())?;
    let number = spec.crate_name.trim_start_matches("corpus-");
    std::fs::create_dir_all(out.join("examples")).map_err(|e| e.to_string())?;
    std::fs::write(out.join(format!("examples/rt_{number}.rs")), harness(&spec.types)).map_err(|e| e.to_string())?;
    let mut input = String::new();
    for case in &spec.cases {
        let _ = writeln!(input, "{}\t{}", case.check, case.value);
    }
    std::fs::write(out.join("examples.jsonl"), input).map_err(|e| e.to_string())
}

/// A program that reads `type-index<TAB>json` lines and writes, per line,
/// `ok<TAB>json` (the value decoded into the type and encoded again) or
/// `error<TAB>message`.
fn harness(types: &[String]) -> String {
    let checks: String = types.iter().map(|ty| format!("    round_trip::<{ty}>,\n")).collect();
    format!(
        r#"//! Decodes each example into its model and encodes it again.

type Check = fn(&str) -> Result<String, String>;

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(text: &str) -> Result<String, String> {{
    let typed: T = serde_json::from_str(text).map_err(|e| format!("decode: {{e}}"))?;
    serde_json::to_string(&typed).map_err(|e| format!("encode: {{e}}"))
}}

const CHECKS: &[Check] = &[
{checks}];

fn main() {{
    for line in std::io::stdin().lines().map_while(Result::ok) {{
        let Some((check, text)) = line.split_once('\t') else {{ continue }};
        let result = match check.parse::<usize>().ok().and_then(|i| CHECKS.get(i)) {{
            Some(check) => check(text),
            None => Err("no such type".to_owned()),
        }};
        match result {{
            Ok(json) => println!("ok\t{{json}}"),
            Err(e) => println!("error\t{{}}", e.replace('\n', " ")),
        }}
    }}
}}
"#
    )
}

/// Runs a crate's harness over its cases; one result per case.
fn run_harness(out: &Path, spec: &Spec) -> Result<Vec<Result<Value, String>>, String> {
    let number = spec.crate_name.trim_start_matches("corpus-");
    let binary = out.join(format!("target/debug/examples/rt_{number}"));
    let input =
        std::fs::read(out.join("crates").join(&spec.crate_name).join("examples.jsonl")).map_err(|e| e.to_string())?;
    let mut child = Command::new(&binary)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: {e}", binary.display()))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    let _ = writer.join();
    let text = String::from_utf8_lossy(&output.stdout);
    let mut results: Vec<Result<Value, String>> = text
        .lines()
        .map(|line| match line.split_once('\t') {
            Some(("ok", json)) => serde_json::from_str(json).map_err(|e| format!("harness wrote bad JSON: {e}")),
            Some((_, message)) => Err(message.to_owned()),
            None => Err(line.to_owned()),
        })
        .collect();
    if results.len() < spec.cases.len() {
        let why = String::from_utf8_lossy(&output.stderr);
        let why = why.lines().find(|l| l.contains("panicked")).unwrap_or("the harness stopped early").to_owned();
        results.resize_with(spec.cases.len(), || Err(why.clone()));
    }
    Ok(results)
}

fn judge_result(before: &Value, after: Result<Value, String>) -> End {
    let after = match after {
        Ok(after) => after,
        Err(e) => return End::Failed(e),
    };
    if canonical(before, Strictness::Exact) == canonical(&after, Strictness::Exact) {
        return End::Exact;
    }
    let cause = difference(before, &after, String::new()).unwrap_or_else(|| "timestamps re-spelled".into());
    if canonical(before, Strictness::Lenient) == canonical(&after, Strictness::Lenient) {
        End::Lenient(cause)
    } else {
        End::Changed(cause)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Strictness {
    /// Timestamps by instant and offset, whatever their fraction digits.
    Exact,
    /// Timestamps by instant, numbers by value.
    Lenient,
}

fn canonical(value: &Value, strictness: Strictness) -> Value {
    match value {
        Value::String(s) => match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(t) if strictness == Strictness::Exact => {
                Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true))
            }
            Ok(t) => Value::String(t.to_utc().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)),
            Err(_) => value.clone(),
        },
        Value::Number(n) if strictness == Strictness::Lenient => {
            n.as_f64().and_then(serde_json::Number::from_f64).map(Value::Number).unwrap_or_else(|| value.clone())
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| canonical(v, strictness)).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), canonical(v, strictness))).collect()),
        other => other.clone(),
    }
}

/// The first difference between `before` and `after`, as
/// `cause at pointer`, with timestamps compared as [`Strictness::Exact`].
fn difference(before: &Value, after: &Value, at: String) -> Option<String> {
    let here = if at.is_empty() { "/".to_owned() } else { at.clone() };
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            for (key, value) in b {
                let inner = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                match a.get(key) {
                    None => return Some(format!("property dropped at {inner}")),
                    Some(other) => {
                        if let Some(found) = difference(value, other, inner) {
                            return Some(found);
                        }
                    }
                }
            }
            let added = a.iter().find(|(key, _)| !b.contains_key(*key))?;
            let what = if added.1.is_null() { "null written for an absent property" } else { "property added" };
            Some(format!("{what} at {at}/{}", added.0))
        }
        (Value::Array(b), Value::Array(a)) if b.len() == a.len() => {
            b.iter().zip(a).enumerate().find_map(|(i, (b, a))| difference(b, a, format!("{at}/{i}")))
        }
        (Value::Number(b), Value::Number(a)) if b != a => Some(match (b.as_f64(), a.as_f64()) {
            (Some(x), Some(y)) if x == y && b.is_f64() != a.is_f64() => {
                format!("number form changed ({b} → {a}) at {here}")
            }
            _ => format!("number changed ({b} → {a}) at {here}"),
        }),
        _ if canonical(before, Strictness::Exact) == canonical(after, Strictness::Exact) => None,
        (Value::String(_), Value::String(_)) => match (
            chrono::DateTime::parse_from_rfc3339(before.as_str().unwrap_or_default()),
            chrono::DateTime::parse_from_rfc3339(after.as_str().unwrap_or_default()),
        ) {
            (Ok(_), Ok(_)) => Some(format!("timestamp offset changed at {here}")),
            _ => Some(format!("string changed at {here}")),
        },
        _ => Some(format!("value changed ({} → {}) at {here}", kind(before), kind(after))),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A cause without its location and values, for grouping.
fn cause_group(cause: &str) -> String {
    let head = cause.split(" at /").next().unwrap_or(cause);
    match head.find(" (") {
        Some(i) => head[..i].to_owned(),
        None => head.chars().take(100).collect(),
    }
}

fn report(specs: &[Spec], ends: &[(String, String, End)], keep_unknown_properties: bool) -> String {
    let with_examples: Vec<&Spec> =
        specs.iter().filter(|s| !s.cases.is_empty() || !s.invalid.is_empty() || !s.unjudged.is_empty()).collect();
    let invalid: usize = specs.iter().map(|s| s.invalid.len()).sum();
    let unjudged: usize = specs.iter().map(|s| s.unjudged.len()).sum();
    let count = |f: fn(&End) -> bool| ends.iter().filter(|(_, _, e)| f(e)).count();
    let exact = count(|e| matches!(e, End::Exact));
    let lenient = exact + count(|e| matches!(e, End::Lenient(_)));
    let failed = count(|e| matches!(e, End::Failed(_)));
    let share = |n: usize| if ends.is_empty() { 100.0 } else { 100.0 * n as f64 / ends.len() as f64 };
    let mut out = String::new();
    let _ = writeln!(out, "# Example round trip\n");
    let config = if keep_unknown_properties { "with keep_unknown_properties" } else { "with the default options" };
    let _ = writeln!(out, "Crates generated {config}.\n");
    let _ = writeln!(out, "- specs: {} listed, {} with examples", specs.len(), with_examples.len());
    let _ = writeln!(
        out,
        "- examples: {} judged, {invalid} invalid against their own schema (not counted), {unjudged} with a schema the validator could not compile (not counted)",
        ends.len() + invalid + unjudged
    );
    let _ = writeln!(out, "- schema-valid examples round-tripped: {}", ends.len());
    let _ = writeln!(out, "- exact: {exact} ({:.1}%)", share(exact));
    let _ = writeln!(out, "- lenient (numbers by value, timestamps by instant): {lenient} ({:.1}%)", share(lenient));
    let _ = writeln!(out, "- failed to decode (or their crate did not build): {failed} ({:.1}%)", share(failed));
    let mut causes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (spec, pointer, end) in ends {
        let cause = match end {
            End::Exact => continue,
            End::Lenient(c) => format!("lenient only: {}", cause_group(c)),
            End::Changed(c) => format!("changed: {}", cause_group(c)),
            End::Failed(c) => format!("failed: {}", cause_group(c)),
        };
        let detail = match end {
            End::Lenient(c) | End::Changed(c) | End::Failed(c) => c.clone(),
            End::Exact => String::new(),
        };
        causes.entry(cause).or_default().push(format!("{spec}#{pointer}: {detail}"));
    }
    let mut causes: Vec<(String, Vec<String>)> = causes.into_iter().collect();
    causes.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
    let _ = writeln!(out, "\n## Causes of what is not exact\n");
    for (cause, cases) in &causes {
        let _ = writeln!(out, "### {} × {cause}\n", cases.len());
        for case in cases.iter().take(5) {
            let _ = writeln!(out, "- `{}`", case.chars().take(300).collect::<String>());
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "## Invalid examples (the spec's own errors)\n");
    for spec in specs {
        for (pointer, violation) in spec.invalid.iter().chain(&spec.unjudged) {
            let _ = writeln!(out, "- `{}#{pointer}`: {}", spec.name, violation.chars().take(200).collect::<String>());
        }
    }
    let skipped: Vec<&Spec> = specs.iter().filter(|s| s.skipped.is_some()).collect();
    if !skipped.is_empty() {
        let _ = writeln!(out, "\n## Specs not generated\n");
        for spec in skipped {
            let _ = writeln!(out, "- `{}`: {}", spec.name, spec.skipped.as_deref().unwrap_or_default());
        }
    }
    out
}
