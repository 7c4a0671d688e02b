//! Shared helpers of the workspace's tests.

use generator::{CrateConfig, Layout, OutputFile, SpecInput};
use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// Reads a spec relative to the workspace root, named as the user would.
pub fn spec(relative: &str) -> SpecInput {
    let text = std::fs::read_to_string(workspace_root().join(relative))
        .unwrap_or_else(|e| panic!("cannot read {relative}: {e}"));
    SpecInput::new(relative, text)
}

/// The files of a standalone crate generated from one spec, as `apigen
/// generate` writes them.
pub fn generate_single(spec: &SpecInput) -> Result<Vec<OutputFile>, generator::Error> {
    let config = CrateConfig {
        crate_name: format!("case-{}", spec.module.replace('_', "-")),
        description: "A case of the generator's snapshot tests.".into(),
        regenerate_with: "cargo test -p tests".into(),
        layout: Layout::Single,
    };
    generator::generate(std::slice::from_ref(spec), &config)
}

/// The case specs under `tests/cases/`, sorted.
pub fn case_specs() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(workspace_root().join("tests/cases"))
        .expect("tests/cases exists")
        .filter_map(|e| e.ok())
        .map(|e| format!("tests/cases/{}", e.file_name().to_string_lossy()))
        .collect();
    names.sort();
    names
}

/// Copies a directory tree (for tests that work on a scratch workspace).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// Every file under `dir` with its contents, sorted, for before/after checks.
pub fn snapshot_tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(snapshot_tree(&path));
            } else {
                out.push((path.clone(), std::fs::read(&path).expect("read file")));
            }
        }
    }
    out.sort();
    out
}

/// A fresh scratch directory under the target directory.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = workspace_root().join("target").join("test-scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Reads a spec the way the CLI and xtask do: a read failure is an
/// [`generator::Error`] naming the file.
pub fn read_spec_file(relative: &str) -> Result<SpecInput, generator::Error> {
    let text = std::fs::read_to_string(workspace_root().join(relative)).map_err(|e| {
        generator::Error::new(relative, None, generator::ErrorKind::Io(e.to_string()))
    })?;
    Ok(SpecInput::new(relative, text))
}
