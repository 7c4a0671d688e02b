//! Bad input gets a clear error naming the file and the JSON pointer of the
//! offending node, and nothing is written. One test per class.

use generator::{ErrorKind, SpecInput};
use tests::{generate_single, scratch_dir, snapshot_tree, spec};

/// Generates from a bad spec into a directory that already holds a crate,
/// and checks the error and that the directory did not change.
fn expect_failure(input: SpecInput) -> generator::Error {
    let out = scratch_dir(&format!("bad-{}", input.module));
    let good = generate_single(&spec("tests/cases/fields.yaml")).expect("good spec");
    generator::output::write_tree(&out, &good).expect("write");
    let before = snapshot_tree(&out);
    let err = match generate_single(&input) {
        Ok(files) => {
            generator::output::write_tree(&out, &files).expect("write");
            panic!("{} generated without error", input.source)
        }
        Err(e) => e,
    };
    assert_eq!(snapshot_tree(&out), before, "nothing was written");
    assert_eq!(err.file, input.source);
    println!("{err}");
    err
}

#[test]
fn unreadable_file() {
    // The CLI and xtask read files; their read error carries the path.
    let err = tests::read_spec_file("tests/bad/does-not-exist.yaml").expect_err("missing file");
    assert!(matches!(err.kind, ErrorKind::Io(_)), "{err}");
    assert!(err.to_string().starts_with("tests/bad/does-not-exist.yaml: cannot read file:"), "{err}");
}

#[test]
fn invalid_yaml() {
    let err = expect_failure(spec("tests/bad/invalid_yaml.yaml"));
    assert!(matches!(err.kind, ErrorKind::Syntax { format: "YAML", line: 2.., .. }), "{err}");
    assert!(err.to_string().starts_with("tests/bad/invalid_yaml.yaml: invalid YAML at line"), "{err}");
}

#[test]
fn invalid_json() {
    let err = expect_failure(spec("tests/bad/invalid_json.json"));
    assert!(matches!(err.kind, ErrorKind::Syntax { format: "JSON", line: 2, .. }), "{err}");
}

#[test]
fn not_openapi_3() {
    let err = expect_failure(spec("tests/bad/swagger2.yaml"));
    assert!(matches!(err.kind, ErrorKind::NotOpenApi(_)), "{err}");
    assert_eq!(err.pointer.as_deref(), Some("/swagger"));
    let err = expect_failure(spec("tests/bad/no_version.yaml"));
    assert!(matches!(err.kind, ErrorKind::NotOpenApi(_)), "{err}");
}

#[test]
fn invalid_structure_names_the_node() {
    let err = expect_failure(spec("tests/bad/invalid_structure.yaml"));
    assert!(matches!(err.kind, ErrorKind::Invalid(_)), "{err}");
    assert_eq!(err.pointer.as_deref(), Some("/paths/~1a/get/responses"), "{err}");
}

#[test]
fn dangling_ref() {
    let err = expect_failure(spec("tests/bad/dangling_ref.yaml"));
    assert_eq!(err.kind, ErrorKind::DanglingRef("#/components/schemas/Missing".into()));
    assert_eq!(err.pointer.as_deref(), Some("/components/schemas/Job/properties/owner"));
    assert_eq!(
        err.to_string(),
        "tests/bad/dangling_ref.yaml#/components/schemas/Job/properties/owner: dangling $ref `#/components/schemas/Missing`: no such node in the document"
    );
}

/// A construct with no Rust type: strict generation refuses it with its
/// pointer; otherwise it becomes `serde_json::Value` with a warning.
#[test]
fn unsupported_construct() {
    let input = spec("tests/bad/unsupported.yaml");
    let err = generator::load_with(&input, true).expect_err("strict refuses");
    assert!(matches!(err.kind, ErrorKind::Unsupported(_)), "{err}");
    assert_eq!(err.pointer.as_deref(), Some("/components/schemas/Pet/not"));
    let api = generator::load(&input).expect("lenient approximates");
    assert_eq!(api.warnings.len(), 1);
    assert_eq!(api.warnings[0].pointer, "/components/schemas/Pet/not");
}
