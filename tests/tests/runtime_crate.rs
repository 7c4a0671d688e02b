//! A generated crate that carries the runtime (`src/support/`) declares
//! the same dependencies, features and version as the runtime crate
//! itself, so the copy builds exactly as the crate does.

use tests::{generate_single, spec, workspace_root};

fn table<'a>(manifest: &'a toml::Table, key: &str) -> &'a toml::Table {
    manifest.get(key).and_then(|v| v.as_table()).unwrap_or_else(|| panic!("no [{key}]"))
}

#[test]
fn a_vendored_runtime_declares_what_the_runtime_crate_does() {
    let runtime: toml::Table = std::fs::read_to_string(workspace_root().join("runtime/Cargo.toml"))
        .expect("runtime manifest")
        .parse()
        .expect("toml");
    let files = generate_single(&spec("tests/cases/fields.yaml")).expect("generate");
    let manifest = files.iter().find(|f| f.path == "Cargo.toml").expect("Cargo.toml");
    let generated: toml::Table = manifest.contents.parse().expect("generated manifest parses");

    let (runtime_deps, generated_deps) = (table(&runtime, "dependencies"), table(&generated, "dependencies"));
    for (name, declared) in runtime_deps {
        assert_eq!(generated_deps.get(name), Some(declared), "dependency `{name}` differs");
    }
    let (runtime_features, generated_features) = (table(&runtime, "features"), table(&generated, "features"));
    for feature in ["client", "server"] {
        assert_eq!(generated_features.get(feature), runtime_features.get(feature), "feature `{feature}` differs");
    }
    let version = table(&runtime, "package").get("version").and_then(|v| v.as_str()).expect("version");
    assert_eq!(version, generator::RUNTIME_VERSION, "the generator names the runtime's version");
    let header =
        files.iter().find(|f| f.path == "src/support/mod.rs").expect("vendored runtime").contents.lines().next();
    assert!(header.is_some_and(|h| h.contains(&format!("apigen-runtime {version}"))), "{header:?}");
}

#[test]
fn a_crate_depending_on_the_runtime_declares_it_and_carries_no_copy() {
    let files = xtask::codegen_files(&workspace_root()).expect("codegen");
    assert!(files.iter().all(|f| !f.path.starts_with("src/support/")), "generated/ carries no copy of the runtime");
    let manifest: toml::Table =
        files.iter().find(|f| f.path == "Cargo.toml").expect("Cargo.toml").contents.parse().expect("toml");
    let runtime =
        table(&manifest, "dependencies").get("apigen-runtime").and_then(|v| v.as_table()).expect("dependency");
    assert_eq!(runtime.get("path").and_then(|v| v.as_str()), Some("../runtime"));
    let features = table(&manifest, "features");
    assert_eq!(features.get("server").and_then(|v| v.as_array()).map(Vec::len), Some(1));
}
