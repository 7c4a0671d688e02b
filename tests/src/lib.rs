//! Shared helpers of the workspace's tests, the in-memory fakes of the five
//! job APIs, and the `server_rules` case generated at build time.

pub mod fakes;
pub mod hostile;

/// What generated code reaches as `crate::support` (for the case below).
pub mod support {
    pub use job_apis::support::*;
}

/// A case `build.rs` generated into `OUT_DIR/<name>/`, compiled here so
/// tests can use its modules (its models only, or all four).
macro_rules! generated_case {
    ($(#[$doc:meta])* $name:ident: models) => {
        $(#[$doc])*
        #[allow(clippy::all, dead_code, unused_imports)]
        pub mod $name {
            pub mod models {
                include!(concat!(env!("OUT_DIR"), "/", stringify!($name), "/models.rs"));
            }
        }
    };
    ($(#[$doc:meta])* $name:ident: all) => {
        $(#[$doc])*
        #[allow(clippy::all, dead_code, unused_imports)]
        pub mod $name {
            pub mod models {
                include!(concat!(env!("OUT_DIR"), "/", stringify!($name), "/models.rs"));
            }
            pub mod operations {
                include!(concat!(env!("OUT_DIR"), "/", stringify!($name), "/operations.rs"));
            }
            pub mod client {
                include!(concat!(env!("OUT_DIR"), "/", stringify!($name), "/client.rs"));
            }
            pub mod server {
                include!(concat!(env!("OUT_DIR"), "/", stringify!($name), "/server.rs"));
            }
        }
    };
}

generated_case! {
    /// The `one_of` case (`tests/cases/one_of.yaml`).
    one_of: models
}

generated_case! {
    /// The `formats` case (`tests/cases/formats.yaml`): one property per
    /// scalar format, for the tests of how each travels.
    formats: models
}

generated_case! {
    /// The `defaults` case (`tests/cases/defaults.yaml`): defaulted
    /// properties and parameters.
    defaults: all
}

generated_case! {
    /// The `unknown_properties` case (`tests/cases/unknown_properties.yaml`),
    /// generated with `keep_unknown_properties`.
    unknown_properties: all
}

generated_case! {
    /// The `multi_file` case (`tests/cases/multi_file.yaml` and the files of
    /// `tests/cases/multi_file/`).
    multi_file: models
}

generated_case! {
    /// The `swagger2` case (`tests/cases/swagger2.yaml`, Swagger 2.0).
    swagger2: all
}

generated_case! {
    /// The Swagger 2.0 description of petstore.swagger.io
    /// (`tests/swagger2/petstore.json`), served and called by `swagger2.rs`.
    petstore: all
}

generated_case! {
    /// The `server_rules` case (`tests/cases/server_rules.yaml`).
    server_rules: all
}

generated_case! {
    /// The hostile `cycles` case (`tests/hostile/cycles.yaml`): its server
    /// must answer, whatever the body.
    cycles: all
}

generated_case! {
    /// The hostile `limits` case (`tests/hostile/limits.yaml`), for a
    /// server's limits and timeouts.
    limits: all
}

use generator::{CrateConfig, Layout, OutputFile, SpecInput};
use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from(".."))
}

/// Reads a spec relative to the workspace root, named as the user would.
pub fn spec(relative: &str) -> SpecInput {
    SpecInput::read(relative, workspace_root().join(relative)).unwrap_or_else(|e| panic!("{e}"))
}

/// The cases generated with `keep_unknown_properties` (`tests/build.rs`
/// keeps the same list).
pub const KEEP_UNKNOWN_PROPERTIES: &[&str] = &["unknown_properties"];

/// The files of a standalone crate generated from one spec, as `apigen
/// generate` writes them.
pub fn generate_single(spec: &SpecInput) -> Result<Vec<OutputFile>, generator::Error> {
    generate_single_with(spec, false)
}

/// [`generate_single`], strictly when `strict`.
pub fn generate_single_with(spec: &SpecInput, strict: bool) -> Result<Vec<OutputFile>, generator::Error> {
    let config = CrateConfig {
        crate_name: format!("case-{}", spec.module.replace('_', "-")),
        description: "A case of the generator's snapshot tests.".into(),
        regenerate_with: "cargo test -p tests".into(),
        layout: Layout::Single,
        strict,
        runtime: generator::Runtime::Vendored,
        keep_unknown_properties: KEEP_UNKNOWN_PROPERTIES.contains(&spec.module.as_str()),
    };
    generator::generate(std::slice::from_ref(spec), &config)
}

/// The case specs under `tests/cases/`, sorted (folders beside them hold
/// the other files of multi-file cases).
pub fn case_specs() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(workspace_root().join("tests/cases"))
        .expect("tests/cases exists")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
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
    SpecInput::read(relative, workspace_root().join(relative))
}
