//! Snapshot tests: the models emitted for each small case spec (one feature
//! per case), and the IR of each of the five job API specs.

use tests::{case_specs, generate_single, spec};

/// Generates a case and snapshots its models module.
fn check(case: &str) {
    let input = spec(case);
    let files = generate_single(&input).unwrap_or_else(|e| panic!("{case}: {e}"));
    let module = |name: &str| {
        files
            .iter()
            .find(|f| f.path == format!("src/{name}.rs"))
            .map(|f| f.contents.clone())
            .unwrap_or_else(|| panic!("{case}: no {name} module"))
    };
    insta::assert_snapshot!(input.module.clone(), module("models"));
    // Operation code only where the case has operations.
    if generator::load(&input).is_ok_and(|api| !api.operations.is_empty()) {
        let code = format!("{}\n{}", module("operations"), module("client"));
        insta::assert_snapshot!(format!("{}_operations", input.module), code);
    }
}

#[test]
fn cases() {
    let cases = case_specs();
    assert!(cases.len() >= 10, "case specs are missing: {cases:?}");
    for case in cases {
        check(&case);
    }
}

#[test]
fn job_api_ir() {
    for file in [
        "specs/akeneo-sdm.yaml",
        "specs/basiq.yaml",
        "specs/elastic-path.yaml",
        "specs/emporix-sepa-export.json",
        "specs/gormic-bi.yaml",
    ] {
        let api = generator::load(&spec(file)).unwrap_or_else(|e| panic!("{e}"));
        insta::assert_yaml_snapshot!(format!("ir_{}", api.module), api);
    }
}
