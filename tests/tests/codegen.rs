//! `generated/` is reproducible from `specs/`: the stale check runs as a
//! test, and `cargo xtask codegen` is deterministic and atomic.

use std::path::Path;
use tests::{copy_tree, scratch_dir, snapshot_tree, workspace_root};

/// `cargo test` fails when `generated/` is stale, naming the command to run.
#[test]
fn generated_is_fresh() {
    let stale = xtask::check(&workspace_root()).unwrap_or_else(|e| panic!("{e}"));
    let listing: Vec<String> = stale.iter().map(ToString::to_string).collect();
    assert!(
        stale.is_empty(),
        "generated/ is out of date with specs/:\n{}\n\nrun `{}` and commit the result",
        listing.join("\n"),
        xtask::CODEGEN_COMMAND
    );
}

/// A scratch workspace with copies of `specs/` and `generated/`.
fn scratch_workspace(name: &str) -> std::path::PathBuf {
    let root = scratch_dir(name);
    copy_tree(&workspace_root().join("specs"), &root.join("specs"));
    copy_tree(&workspace_root().join("generated"), &root.join("generated"));
    root
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{} does not contain {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).expect("write");
}

#[test]
fn check_lists_stale_missing_and_orphan_files_and_changes_nothing() {
    let root = scratch_workspace("check");
    assert_eq!(xtask::check(&root).expect("check"), vec![], "a fresh copy is clean");

    edit(&root.join("specs/basiq.yaml"), "Basiq API - Jobs", "Basiq API - All the jobs");
    std::fs::write(root.join("generated/src/leftover.rs"), "// not generated\n").expect("write");
    std::fs::remove_file(root.join("generated/src/gormic_bi/operations.rs")).expect("remove");
    let before = snapshot_tree(&root);

    let stale = xtask::check(&root).expect("check");
    let text: Vec<String> = stale.iter().map(ToString::to_string).collect();
    let text = text.join("\n");
    assert!(text.contains("stale:   src/basiq/mod.rs"), "{text}");
    assert!(text.contains("+//! Basiq API - All the jobs"), "the diff shows the change: {text}");
    assert!(text.contains("orphan:  src/leftover.rs"), "{text}");
    assert!(text.contains("missing: src/gormic_bi/operations.rs"), "{text}");
    assert_eq!(snapshot_tree(&root), before, "--check changes nothing");

    xtask::codegen(&root).expect("codegen");
    assert_eq!(xtask::check(&root).expect("check"), vec![], "codegen fixes everything");
    assert!(!root.join("generated/src/leftover.rs").exists(), "orphans are removed");
}

#[test]
fn codegen_is_deterministic() {
    let root = scratch_workspace("deterministic");
    xtask::codegen(&root).expect("first run");
    let first = snapshot_tree(&root.join("generated"));
    xtask::codegen(&root).expect("second run");
    assert_eq!(snapshot_tree(&root.join("generated")), first);
}

#[test]
fn a_broken_spec_leaves_generated_untouched() {
    let root = scratch_workspace("atomic");
    let before = snapshot_tree(&root.join("generated"));
    edit(
        &root.join("specs/gormic-bi.yaml"),
        "#/components/schemas/GetJob_Data_Job",
        "#/components/schemas/NoSuchSchema",
    );
    let err = xtask::codegen(&root).expect_err("a dangling $ref fails");
    assert!(err.starts_with("specs/gormic-bi.yaml#/components/schemas/GetJob_Data/properties/job"), "{err}");
    assert!(err.contains("dangling $ref `#/components/schemas/NoSuchSchema`"), "{err}");
    assert_eq!(snapshot_tree(&root.join("generated")), before);
}

/// A spec in `specs/` may refer to files in a subfolder: codegen reads
/// them, and `--check` sees a change made only in one of them.
#[test]
fn codegen_and_check_follow_the_files_a_spec_refers_to() {
    let root = scratch_workspace("multi-file");
    std::fs::copy(workspace_root().join("tests/cases/multi_file.yaml"), root.join("specs/multi_file.yaml"))
        .expect("copy");
    copy_tree(&workspace_root().join("tests/cases/multi_file"), &root.join("specs/multi_file"));
    xtask::codegen(&root).expect("codegen");
    let models = std::fs::read_to_string(root.join("generated/src/multi_file/models.rs")).expect("models");
    assert!(models.contains("pub struct Owner"), "types from other files are generated");
    assert_eq!(xtask::check(&root).expect("check"), vec![]);

    edit(
        &root.join("specs/multi_file/owners.yaml"),
        "    name: {type: string}",
        "    name: {type: string}\n    age: {type: integer}",
    );
    let stale = xtask::check(&root).expect("check");
    let text: Vec<String> = stale.iter().map(ToString::to_string).collect();
    let text = text.join("\n");
    assert!(text.contains("stale:   src/multi_file/models.rs"), "{text}");
    assert!(text.contains("pub age: Option<i64>"), "the diff shows the change: {text}");
    xtask::codegen(&root).expect("codegen");
    assert_eq!(xtask::check(&root).expect("check"), vec![]);
}
