//! Development tasks of the workspace, callable from tests too.

pub mod bench;
pub mod corpus;
pub mod examples;

use generator::output::{check_tree, write_tree_with, Stale, WriteOptions};
use generator::{CrateConfig, Error, ErrorKind, Layout, OutputFile, SpecInput};
use std::path::{Path, PathBuf};

/// The command that regenerates `generated/`.
pub const CODEGEN_COMMAND: &str = "cargo xtask codegen";

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}

/// The paths of the specs under `specs/` (YAML or JSON), sorted by file name.
pub fn spec_paths(root: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join("specs"))
        .map_err(|e| Error::new("specs/", None, ErrorKind::Io(e.to_string())))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json")))
        .collect();
    paths.sort();
    Ok(paths)
}

/// The specs under `specs/` (YAML or JSON), sorted by file name.
pub fn read_specs(root: &Path) -> Result<Vec<SpecInput>, Error> {
    spec_paths(root)?
        .iter()
        .map(|path| {
            let name = format!("specs/{}", path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default());
            SpecInput::read(name, path)
        })
        .collect()
}

/// Every file of `generated/`, generated in memory from `specs/`.
pub fn codegen_files(root: &Path) -> Result<Vec<OutputFile>, Error> {
    let specs = read_specs(root)?;
    let config = CrateConfig {
        crate_name: "job-apis".into(),
        description: "Typed Rust models of five job APIs (Emporix SEPA Export, Basiq, Elastic Path, Akeneo SDM, Gormic BI), generated from the OpenAPI documents in `specs/`.".into(),
        regenerate_with: CODEGEN_COMMAND.into(),
        layout: Layout::PerSpec,
        // The job specs must never be approximated.
        strict: true,
        runtime: generator::Runtime::Path("../runtime".into()),
        keep_unknown_properties: false,
    };
    generator::generate(&specs, &config)
}

/// Outcome of `codegen --check`.
pub fn check(root: &Path) -> Result<Vec<Stale>, String> {
    let files = codegen_files(root).map_err(|e| e.to_string())?;
    check_tree(&root.join("generated"), &files).map_err(|e| format!("generated/: {e}"))
}

/// Regenerates `generated/`; on any error nothing is written.
pub fn codegen(root: &Path) -> Result<usize, String> {
    let files = codegen_files(root).map_err(|e| e.to_string())?;
    // `generated/` is wholly generated: a file in its `src/` that apigen did
    // not write is an orphan (`--check` says so), removed here.
    let options = WriteOptions { remove_orphans: true, ..Default::default() };
    write_tree_with(&root.join("generated"), &files, &options).map_err(|e| format!("generated/: {e}"))?;
    Ok(files.len())
}
