//! The minijinja templates of the generated crate's files that are not Rust
//! (Cargo.toml, README), and the runtime source it may carry. Templates lay out files; they make no decisions about
//! specs (every value they print is computed by the emitter).

use minijinja::Environment;

const TEMPLATES: &[(&str, &str)] = &[
    ("Cargo.toml.j2", include_str!("../../templates/Cargo.toml.j2")),
    ("README.md.j2", include_str!("../../templates/README.md.j2")),
];

/// The source of the runtime crate (`runtime/src/`), which a generated
/// crate carries as its `src/support/` module unless it depends on the
/// crate: each file under its path there (the crate root becomes the
/// module's `mod.rs`). Copied as written, never rendered.
pub const RUNTIME: &[(&str, &str)] = &[
    ("mod.rs", include_str!("../../runtime/src/lib.rs")),
    ("client.rs", include_str!("../../runtime/src/client.rs")),
    ("server.rs", include_str!("../../runtime/src/server.rs")),
    ("direction.rs", include_str!("../../runtime/src/direction.rs")),
    ("formats.rs", include_str!("../../runtime/src/formats.rs")),
    ("number.rs", include_str!("../../runtime/src/number.rs")),
    ("untagged.rs", include_str!("../../runtime/src/untagged.rs")),
    ("tests.rs", include_str!("../../runtime/src/tests.rs")),
    ("client/tests.rs", include_str!("../../runtime/src/client/tests.rs")),
    ("server/tests.rs", include_str!("../../runtime/src/server/tests.rs")),
];

/// The version of the runtime crate the files above are.
pub const RUNTIME_VERSION: &str = "0.1.0";

pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_keep_trailing_newline(true);
    env.set_trim_blocks(true);
    for (name, source) in TEMPLATES {
        // The templates are fixed at compile time; a broken one fails the
        // generator's own tests, so the error is only reported on render.
        let _ = env.add_template(name, source);
    }
    env
}
