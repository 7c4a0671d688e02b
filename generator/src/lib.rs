//! apigen: OpenAPI 3.0 documents in, a Rust crate of typed models out.
//!
//! The pipeline is `parse` (text → `openapiv3::OpenAPI`) → `lower`
//! (→ the self-contained [`ir::Api`], every name resolved by [`naming`]) →
//! `emit` (→ formatted files). Everything here works on strings in memory;
//! the only file IO lives in [`output`], used by the CLI and `xtask`.

mod emit;
pub mod error;
pub mod ir;
mod lower;
pub mod naming;
pub mod output;
mod parse;
mod templates;

pub use emit::{CrateConfig, Layout, OutputFile};
pub use error::{Error, ErrorKind};

/// One spec document to generate from.
#[derive(Debug, Clone)]
pub struct SpecInput {
    /// The path as the user should see it in messages (`specs/basiq.yaml`).
    pub source: String,
    /// The Rust module name of the API (`basiq`).
    pub module: String,
    /// The document text, YAML or JSON.
    pub text: String,
}

impl SpecInput {
    /// A spec named by its path; the module name is the file stem.
    pub fn new(source: impl Into<String>, text: impl Into<String>) -> Self {
        let source = source.into();
        let stem = std::path::Path::new(&source)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("api")
            .to_owned();
        SpecInput {
            module: naming::module_name(&stem),
            source,
            text: text.into(),
        }
    }
}

/// Parses and lowers one spec into its IR.
pub fn load(spec: &SpecInput) -> Result<ir::Api, Error> {
    let doc = parse::parse(&spec.source, &spec.text)?;
    lower::lower(&spec.source, &spec.module, &doc)
}

/// Generates every file of a crate from the given specs. Nothing is written:
/// on any error the caller has nothing to write, so no output is touched.
pub fn generate(specs: &[SpecInput], config: &CrateConfig) -> Result<Vec<OutputFile>, Error> {
    let apis = specs.iter().map(load).collect::<Result<Vec<_>, _>>()?;
    emit::emit_crate(&apis, config)
}
