//! Generates cases into `OUT_DIR` so tests can run their code:
//! `server_rules` (one operation per rule a server enforces), `one_of`
//! (unions, tagged and untagged), `formats` (one property per scalar
//! format), `defaults` (defaulted properties), the hostile `cycles` (schemas that refer to themselves) and
//! `limits` (a server's limits and timeouts), `unknown_properties` (kept
//! unnamed properties), `multi_file` (a spec over
//! several files), `swagger2` (a Swagger 2.0 case) and `petstore` (the
//! Swagger 2.0 description of petstore.swagger.io).

use generator::{CrateConfig, Layout, SpecInput};
use std::path::Path;

fn main() {
    for (case, file) in [
        ("server_rules", "cases/server_rules.yaml"),
        ("one_of", "cases/one_of.yaml"),
        ("formats", "cases/formats.yaml"),
        ("defaults", "cases/defaults.yaml"),
        ("multi_file", "cases/multi_file.yaml"),
        ("swagger2", "cases/swagger2.yaml"),
        ("petstore", "swagger2/petstore.json"),
        ("cycles", "hostile/cycles.yaml"),
        ("limits", "hostile/limits.yaml"),
        ("unknown_properties", "cases/unknown_properties.yaml"),
    ] {
        generate(case, file);
    }
}

/// The cases generated with `keep_unknown_properties` (as
/// `tests::KEEP_UNKNOWN_PROPERTIES` lists them for the snapshots).
fn tests_keep_unknown(case: &str) -> bool {
    case == "unknown_properties"
}

fn generate(case: &str, file: &str) {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let out = std::env::var("OUT_DIR").unwrap_or_default();
    let spec_path = Path::new(&manifest).join(file);
    let folder = file.split('/').next().unwrap_or_default();
    println!("cargo:rerun-if-changed={}", spec_path.display());
    // The other files of a multi-file case live in a folder of its name.
    let folder_path = Path::new(&manifest).join(format!("{folder}/{case}"));
    if folder_path.is_dir() {
        println!("cargo:rerun-if-changed={}", folder_path.display());
    }
    let config = CrateConfig {
        crate_name: case.replace('_', "-"),
        description: format!("The {case} case."),
        regenerate_with: "cargo build -p tests".into(),
        layout: Layout::Single,
        strict: false,
        runtime: generator::Runtime::Vendored,
        keep_unknown_properties: tests_keep_unknown(case),
    };
    let input = SpecInput::read(format!("tests/{file}"), &spec_path).unwrap_or_else(|e| panic!("{e}"));
    let files = generator::generate(&[input], &config).unwrap_or_else(|e| panic!("{e}"));
    let dir = Path::new(&out).join(case);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    for module in ["models", "operations", "client", "server"] {
        let Some(file) = files.iter().find(|f| f.path == format!("src/{module}.rs")) else {
            panic!("no {module} module generated");
        };
        // `include!` cannot take inner attributes: drop the module docs.
        let body: String = file
            .contents
            .lines()
            .filter(|l| !l.starts_with("//!") && !l.starts_with("#!["))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(dir.join(format!("{module}.rs")), body).unwrap_or_else(|e| panic!("{e}"));
    }
    // `server.rs` declares `pub mod schemas;`, a module file of its own
    // (not included), which rustc looks for beside the included file.
    let Some(schemas) = files.iter().find(|f| f.path == "src/server/schemas.rs") else {
        panic!("no server schemas generated");
    };
    std::fs::write(dir.join("schemas.rs"), &schemas.contents).unwrap_or_else(|e| panic!("{e}"));
}
