//! apigen: OpenAPI 3.0 documents in, a Rust crate of typed models out.
//!
//! The pipeline is `parse` (text → `openapiv3::OpenAPI`) → `lower`
//! (→ the self-contained [`ir::Api`], every name resolved by [`naming`]) →
//! `emit` (→ formatted files). Everything here works on strings in memory;
//! the only file IO lives in [`output`], used by the CLI and `xtask`.

mod bundle;
mod emit;
pub mod error;
pub mod ir;
mod lower;
pub mod naming;
mod normalize;
pub mod output;
mod parse;
mod prescan;
mod swagger;
mod templates;

pub use emit::{CrateConfig, Layout, OutputFile, Runtime};
pub use error::{Error, ErrorKind};
pub use templates::RUNTIME_VERSION;

use std::time::{Duration, Instant};

/// The stack of the generator's own threads. Formatting a deeply nested
/// type recurses (prettyplease, syn), and a spawned thread's default of
/// 2 MiB is not enough for every input in a debug build; the memory is
/// reserved, not used, until needed.
pub(crate) const WORKER_STACK: usize = 64 << 20;

/// One spec document to generate from.
#[derive(Debug, Clone)]
pub struct SpecInput {
    /// The path as the user should see it in messages (`specs/basiq.yaml`).
    pub source: String,
    /// The Rust module name of the API (`basiq`).
    pub module: String,
    /// The document text, YAML or JSON.
    pub text: String,
    /// Where the document is on disk: relative `$ref`s to other files are
    /// read relative to it. `None` for a document held only in memory,
    /// which can refer to nothing but itself.
    pub path: Option<std::path::PathBuf>,
    /// Whether `$ref`s may read files outside the directory of `path`
    /// (off by default: a spec from elsewhere must not read `/etc/passwd`).
    pub allow_outside_refs: bool,
}

impl SpecInput {
    /// A spec named by its path; the module name is the file stem.
    pub fn new(source: impl Into<String>, text: impl Into<String>) -> Self {
        let source = source.into();
        let stem = std::path::Path::new(&source).file_stem().and_then(|s| s.to_str()).unwrap_or("api").to_owned();
        SpecInput {
            module: naming::module_name(&stem),
            source,
            text: text.into(),
            path: None,
            allow_outside_refs: false,
        }
    }

    /// Reads the spec at `path`, named `source` in messages, so that its
    /// refs to other files resolve.
    pub fn read(source: impl Into<String>, path: impl Into<std::path::PathBuf>) -> Result<Self, Error> {
        let source = source.into();
        let path = path.into();
        let text =
            std::fs::read_to_string(&path).map_err(|e| Error::new(&source, None, ErrorKind::Io(e.to_string())))?;
        Ok(SpecInput { path: Some(path), ..SpecInput::new(source, text) })
    }

    /// This spec, set to allow (or not) `$ref`s to files outside its
    /// directory.
    pub fn allowing_outside_refs(mut self, allow: bool) -> Self {
        self.allow_outside_refs = allow;
        self
    }
}

/// Where the time of one generation went. `parse` and `lower` are wall
/// time; `emit` (building token streams) and `format` (prettyplease) run on
/// several threads at once, so they are the time summed over those threads,
/// and `emit_wall` is the wall time of both together.
#[derive(Debug, Default, Clone, Copy)]
pub struct Timings {
    pub parse: Duration,
    pub lower: Duration,
    pub emit: Duration,
    pub format: Duration,
    pub emit_wall: Duration,
}

impl Timings {
    /// Wall time of the whole run.
    pub fn total(&self) -> Duration {
        self.parse + self.lower + self.emit_wall
    }
}

/// Parses and lowers one spec into its IR. Constructs with no Rust type
/// become `serde_json::Value`, listed in `Api::warnings`.
pub fn load(spec: &SpecInput) -> Result<ir::Api, Error> {
    load_with(spec, false)
}

/// [`load`]; with `strict`, what would be approximated is an error.
pub fn load_with(spec: &SpecInput, strict: bool) -> Result<ir::Api, Error> {
    load_timed(spec, strict, &mut Timings::default())
}

/// [`load_with`], adding the time of each stage to `timings`.
pub fn load_timed(spec: &SpecInput, strict: bool, timings: &mut Timings) -> Result<ir::Api, Error> {
    let start = Instant::now();
    let doc = parse::parse(spec, strict)?;
    let parsed = Instant::now();
    timings.parse += parsed - start;
    let api = lower::lower(&spec.source, &spec.module, &doc, strict).map_err(|e| doc.locate(e));
    // The parsed document is large; dropping it is part of lowering's cost.
    drop(doc);
    timings.lower += parsed.elapsed();
    api
}

/// [`load`], also returning the document as lowering read it: other files'
/// nodes copied in, Swagger 2.0 converted and 3.1 rewritten as 3.0. The
/// pointers of [`ir::Example`] and of diagnostics point into this tree.
pub fn load_with_document(spec: &SpecInput) -> Result<(ir::Api, serde_json::Value), Error> {
    let doc = parse::parse(spec, false)?;
    let api = lower::lower(&spec.source, &spec.module, &doc, false).map_err(|e| doc.locate(e))?;
    Ok((api, doc.raw))
}

/// The Rust type of `ty` as code outside the generated crate `root` names it
/// (`my_api::models::Pet`, `Vec<my_api::models::Pet>`).
pub fn type_path(ty: &ir::TypeRef, root: &str) -> String {
    emit::rust::qualified_type(ty, root)
}

/// Generates every file of a crate from the given specs. Nothing is written:
/// on any error the caller has nothing to write, so no output is touched.
pub fn generate(specs: &[SpecInput], config: &CrateConfig) -> Result<Vec<OutputFile>, Error> {
    Ok(generate_with_warnings(specs, config)?.0)
}

/// [`generate`], also returning each spec's warnings as `file#pointer: message`.
pub fn generate_with_warnings(
    specs: &[SpecInput],
    config: &CrateConfig,
) -> Result<(Vec<OutputFile>, Vec<String>), Error> {
    let mut timings = Timings::default();
    let apis = specs.iter().map(|s| load_timed(s, config.strict, &mut timings)).collect::<Result<Vec<_>, _>>()?;
    Ok((emit(&apis, config, &mut timings)?, warnings(&apis)))
}

/// Every warning of the given APIs, as `file#pointer: message`.
pub fn warnings(apis: &[ir::Api]) -> Vec<String> {
    apis.iter()
        .flat_map(|a| a.warnings.iter().map(move |w| format!("{}: {}", a.locate(&w.pointer), w.message)))
        .collect()
}

/// Emits and formats every file of a crate from loaded APIs, adding the
/// time of emission and formatting to `timings`.
pub fn emit(apis: &[ir::Api], config: &CrateConfig, timings: &mut Timings) -> Result<Vec<OutputFile>, Error> {
    emit::emit_crate(apis, config, timings)
}
