//! Bad input gets a clear error naming the file and the JSON pointer of the
//! offending node, and nothing is written. One test per class.

use generator::{ErrorKind, SpecInput};
use tests::{generate_single, scratch_dir, snapshot_tree, spec};

/// Generates from a bad spec into a directory that already holds a crate,
/// and checks the error and that the directory did not change.
fn expect_failure(input: SpecInput) -> generator::Error {
    expect_failure_with(input, false)
}

/// [`expect_failure`], generating strictly when `strict`.
fn expect_failure_with(input: SpecInput, strict: bool) -> generator::Error {
    let out = scratch_dir(&format!("bad-{}-{strict}", input.module));
    let good = generate_single(&spec("tests/cases/fields.yaml")).expect("good spec");
    generator::output::write_tree(&out, &good).expect("write");
    let before = snapshot_tree(&out);
    let err = match tests::generate_single_with(&input, strict) {
        Ok(files) => {
            generator::output::write_tree(&out, &files).expect("write");
            panic!("{} generated without error", input.source)
        }
        Err(e) => e,
    };
    assert_eq!(snapshot_tree(&out), before, "nothing was written");
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
    // Swagger 2.0 is read (converted); other Swagger versions are not.
    let err = expect_failure(spec("tests/bad/swagger12.yaml"));
    assert!(matches!(err.kind, ErrorKind::NotOpenApi(_)), "{err}");
    assert_eq!(err.pointer.as_deref(), Some("/swagger"));
    assert!(err.to_string().contains("unknown Swagger version \"1.2\""), "{err}");
    let err = expect_failure(spec("tests/bad/no_version.yaml"));
    assert!(matches!(err.kind, ErrorKind::NotOpenApi(_)), "{err}");
}

#[test]
fn invalid_structure_names_the_node() {
    let err = expect_failure(spec("tests/bad/invalid_structure.yaml"));
    assert!(matches!(err.kind, ErrorKind::Invalid(_)), "{err}");
    assert_eq!(err.pointer.as_deref(), Some("/paths/~1a/get/responses"), "{err}");
}

/// A ref to nothing: strict generation refuses it with its pointer;
/// otherwise the node is any JSON value and a warning names both pointers.
#[test]
fn dangling_ref() {
    let err = expect_failure_with(spec("tests/bad/dangling_ref.yaml"), true);
    assert_eq!(err.kind, ErrorKind::DanglingRef("#/components/schemas/Missing".into()));
    assert_eq!(err.pointer.as_deref(), Some("/components/schemas/Job/properties/owner"));
    assert_eq!(
        err.to_string(),
        "tests/bad/dangling_ref.yaml#/components/schemas/Job/properties/owner: dangling $ref `#/components/schemas/Missing`: no such node in the document"
    );
    let input = spec("tests/bad/dangling_ref.yaml");
    let api = generator::load(&input).expect("lenient approximates");
    let warnings = generator::warnings(std::slice::from_ref(&api));
    assert_eq!(
        warnings,
        ["tests/bad/dangling_ref.yaml#/components/schemas/Job/properties/owner: `$ref` `#/components/schemas/Missing` points at nothing (no node at `/components/schemas/Missing` in tests/bad/dangling_ref.yaml); using serde_json::Value"]
    );
    let job = api.types.iter().find(|t| t.name == "Job").expect("Job");
    let generator::ir::TypeKind::Struct(s) = &job.kind else { panic!("Job is a struct") };
    assert_eq!(s.fields[0].ty, generator::ir::TypeRef::Option(Box::new(generator::ir::TypeRef::Json)));
}

/// A ref may not read outside the spec's directory, by path or by `file:`
/// URI, nor fetch anything: each is an error with the pointer, nothing is
/// written, and nothing is read.
#[test]
fn refs_outside_the_spec_directory_or_remote() {
    for (case, needle) in [
        ("outside_ref", "outside the directory of tests/bad/outside_ref.yaml"),
        ("passwd_ref", "reads /etc/passwd, outside the directory"),
        ("remote_ref", "remote $ref `https://example.com/pet.yaml#/Pet`: apigen reads no URL"),
    ] {
        let err = expect_failure(spec(&format!("tests/bad/{case}.yaml")));
        assert!(matches!(err.kind, ErrorKind::Unsupported(_)), "{err}");
        assert_eq!(err.file, format!("tests/bad/{case}.yaml"));
        assert!(err.pointer.as_deref().is_some_and(|p| p.starts_with("/components/schemas/")), "{err}");
        assert!(err.to_string().contains(needle), "{case}: {err}");
    }
    // Allowed explicitly, the file outside is read (and here is no spec).
    let input = spec("tests/bad/outside_ref.yaml").allowing_outside_refs(true);
    let err = generator::load(&input).expect_err("Cargo.toml is not a schema");
    assert!(!err.to_string().contains("outside the directory"), "{err}");
    // A document held in memory cannot refer to files at all.
    let text = std::fs::read_to_string(tests::workspace_root().join("tests/cases/multi_file.yaml")).expect("case");
    let err = generator::load(&SpecInput::new("memory.yaml", text)).expect_err("no file to resolve against");
    assert!(err.to_string().contains("this document was not read from a file"), "{err}");
}

/// An error inside another file names that file and the pointer in it,
/// whether the bundler or a later stage finds it.
#[test]
fn errors_in_other_files_name_them() {
    let err = expect_failure_with(spec("tests/bad/external_error.yaml"), true);
    assert_eq!(err.file, "tests/bad/external/broken.yaml", "{err}");
    assert_eq!(err.pointer.as_deref(), Some("/Thing/properties/part"), "{err}");
    assert_eq!(err.kind, ErrorKind::DanglingRef("#/Missing".into()));
    let input = spec("tests/bad/external_error.yaml");
    let err = expect_failure(input);
    assert_eq!(err.file, "tests/bad/external/broken.yaml", "{err}");
    // Each schema is read on its own: the pointer is the property's.
    assert_eq!(err.pointer.as_deref(), Some("/Odd/properties/size"), "{err}");
    assert!(err.to_string().contains("expected a JSON number"), "{err}");
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
