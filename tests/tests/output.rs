//! Writing a generated crate never loses the user's files: a directory
//! holding a crate apigen did not write is refused, a failure half-way
//! through changes nothing, a killed run is undone by the next, and
//! concurrent runs into one directory take turns.

use generator::output::{check_tree, write_tree, write_tree_with, WriteOptions};
use generator::OutputFile;
use std::path::Path;
use tests::{generate_single, scratch_dir, snapshot_tree, spec};

fn tree_a() -> Vec<OutputFile> {
    generate_single(&spec("tests/cases/fields.yaml")).expect("generates")
}

fn tree_b() -> Vec<OutputFile> {
    generate_single(&spec("tests/cases/enums.yaml")).expect("generates")
}

fn write(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
    std::fs::write(path, text).expect("write");
}

/// No staging or old directory is left behind.
fn no_leftovers(root: &Path) {
    for entry in std::fs::read_dir(root).expect("read").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with(".apigen-"), "left behind: {name}");
    }
}

#[test]
fn a_crate_apigen_did_not_write_is_refused() {
    let root = scratch_dir("output-foreign");
    write(&root, "Cargo.toml", "[package]\nname = \"mine\"\nversion = \"0.1.0\"\n");
    write(&root, "src/main.rs", "fn main() {}\n");
    write(&root, "src/bin/tool.rs", "fn main() {}\n");
    write(&root, "notes.txt", "mine\n");
    let before = snapshot_tree(&root);
    let err = write_tree(&root, &tree_a()).expect_err("refused");
    assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
    assert!(err.to_string().contains("Cargo.toml was not written by apigen"), "{err}");
    assert!(err.to_string().contains("--force"), "{err}");
    assert_eq!(snapshot_tree(&root), before, "nothing changed");

    // A generated crate with a file of the user's own in `src/`.
    let root = scratch_dir("output-foreign-src");
    write_tree(&root, &tree_a()).expect("fresh directory");
    write(&root, "src/extra.rs", "pub fn mine() {}\n");
    let before = snapshot_tree(&root);
    let err = write_tree(&root, &tree_b()).expect_err("refused");
    assert!(err.to_string().contains("extra.rs was not written by apigen"), "{err}");
    assert_eq!(snapshot_tree(&root), before, "nothing changed");

    // Asked to, it replaces the generated files and keeps the others.
    write(&root, "notes.txt", "mine\n");
    write_tree_with(&root, &tree_b(), &WriteOptions { replace_foreign: true, ..Default::default() }).expect("forced");
    assert_eq!(check_tree(&root, &tree_b()).expect("check"), vec![]);
    assert_eq!(std::fs::read_to_string(root.join("notes.txt")).expect("kept"), "mine\n");
    no_leftovers(&root);

    // Its own crate it replaces without being asked.
    write_tree(&root, &tree_a()).expect("apigen's own crate");
    assert_eq!(check_tree(&root, &tree_a()).expect("check"), vec![]);
}

#[test]
fn a_failure_during_the_swap_changes_nothing() {
    let root = scratch_dir("output-failure");
    write_tree(&root, &tree_a()).expect("first");
    write(&root, "notes.txt", "mine\n");
    let before = snapshot_tree(&root);
    // A swap of three entries takes six renames; fail before each one.
    for renames in 0..6 {
        let options = WriteOptions { fail_after_renames: Some(renames), ..Default::default() };
        let err = write_tree_with(&root, &tree_b(), &options).expect_err("injected failure");
        assert!(err.to_string().contains("injected failure"), "{err}");
        assert_eq!(snapshot_tree(&root), before, "after {renames} renames the old tree is back");
        no_leftovers(&root);
    }
    let options = WriteOptions { fail_after_renames: Some(6), ..Default::default() };
    write_tree_with(&root, &tree_b(), &options).expect("six renames suffice");
    assert_eq!(check_tree(&root, &tree_b()).expect("check"), vec![]);
    no_leftovers(&root);
}

#[test]
fn a_run_killed_half_way_is_undone_by_the_next() {
    let root = scratch_dir("output-killed");
    write_tree(&root, &tree_a()).expect("first");
    let before = snapshot_tree(&root);
    // What a run killed after moving the old `src/` aside and the new one
    // in leaves: the staging directory with its journal and the rest of the
    // new tree, and the old entries aside.
    let (staging, old) = (root.join(".apigen-staging"), root.join(".apigen-old"));
    for file in tree_b() {
        write(&staging, &file.path, &file.contents);
    }
    write(&staging, ".apigen-entries", "Cargo.toml\nREADME.md\nsrc");
    std::fs::create_dir_all(&old).expect("old");
    for entry in ["Cargo.toml", "README.md", "src"] {
        std::fs::rename(root.join(entry), old.join(entry)).expect("aside");
    }
    std::fs::rename(staging.join("src"), root.join("src")).expect("in place");
    // The next run undoes it first: failing at its first rename, it leaves
    // exactly the tree from before the killed run.
    let options = WriteOptions { fail_after_renames: Some(0), ..Default::default() };
    write_tree_with(&root, &tree_b(), &options).expect_err("injected failure");
    assert_eq!(snapshot_tree(&root), before);
    no_leftovers(&root);
    write_tree(&root, &tree_b()).expect("then writes");
    assert_eq!(check_tree(&root, &tree_b()).expect("check"), vec![]);
}

#[test]
fn concurrent_runs_into_one_directory_never_mix() {
    let root = scratch_dir("output-concurrent");
    let (a, b) = (tree_a(), tree_b());
    // How a whole tree B differs from A, as one check reports it.
    let only_b = scratch_dir("output-concurrent-b");
    write_tree(&only_b, &b).expect("b");
    let b_against_a = check_tree(&only_b, &a).expect("check");
    assert!(!b_against_a.is_empty());
    write_tree(&root, &a).expect("first");
    std::thread::scope(|scope| {
        for tree in [&a, &b] {
            let root = &root;
            scope.spawn(move || {
                for _ in 0..15 {
                    write_tree(root, tree).expect("write");
                }
            });
        }
        // A reader sees one whole tree or the other, never a mix.
        let (root, a, b_against_a) = (&root, &a, &b_against_a);
        scope.spawn(move || {
            for _ in 0..30 {
                let stale = check_tree(root, a).expect("check");
                assert!(stale.is_empty() || &stale == b_against_a, "a mix of two runs: {stale:?}");
            }
        });
    });
    let whole_a = check_tree(&root, &a).expect("check").is_empty();
    let whole_b = check_tree(&root, &b).expect("check").is_empty();
    assert!(whole_a || whole_b, "a mix of two runs");
    no_leftovers(&root);
}
