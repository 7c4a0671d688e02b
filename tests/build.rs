//! Generates cases into `OUT_DIR` so tests can run their code:
//! `server_rules` (one operation per rule a server enforces), `one_of`
//! (unions, tagged and untagged), and the hostile `cycles` (schemas that
//! refer to themselves) and `limits` (a server's limits and timeouts).

use generator::{CrateConfig, Layout, SpecInput};
use std::path::Path;

fn main() {
    for (case, folder) in [("server_rules", "cases"), ("one_of", "cases"), ("cycles", "hostile"), ("limits", "hostile")] {
        generate(case, folder);
    }
}

fn generate(case: &str, folder: &str) {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let out = std::env::var("OUT_DIR").unwrap_or_default();
    let spec_path = Path::new(&manifest).join(format!("{folder}/{case}.yaml"));
    println!("cargo:rerun-if-changed={}", spec_path.display());
    let text = std::fs::read_to_string(&spec_path).unwrap_or_else(|e| panic!("{}: {e}", spec_path.display()));
    let config = CrateConfig {
        crate_name: case.replace('_', "-"),
        description: format!("The {case} case."),
        regenerate_with: "cargo build -p tests".into(),
        layout: Layout::Single,
        strict: false,
    };
    let files = generator::generate(&[SpecInput::new(format!("tests/{folder}/{case}.yaml"), text)], &config)
        .unwrap_or_else(|e| panic!("{e}"));
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
