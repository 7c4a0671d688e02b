//! The minijinja templates of the generated crate's surrounding files, all
//! reachable from here. Templates lay out files; they make no decisions about
//! specs (every value they print is computed by the emitter).

use minijinja::Environment;

const TEMPLATES: &[(&str, &str)] = &[
    ("Cargo.toml.j2", include_str!("../../templates/Cargo.toml.j2")),
    ("README.md.j2", include_str!("../../templates/README.md.j2")),
    ("lib.rs.j2", include_str!("../../templates/lib.rs.j2")),
    ("mod.rs.j2", include_str!("../../templates/mod.rs.j2")),
];

/// The runtime every generated crate carries, copied as written (it is
/// Rust, not a template: its `{{` and `{%` are format strings and code).
pub const RUNTIME: &[(&str, &str)] = &[
    ("src/support/mod.rs", include_str!("../../templates/support/mod.rs")),
    ("src/support/client.rs", include_str!("../../templates/support/client.rs")),
    ("src/support/server.rs", include_str!("../../templates/support/server.rs")),
];

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
