//! Emission: IR → files of a crate. Rust items are built with `quote` and
//! formatted with `prettyplease`; the surrounding files (module tree,
//! Cargo.toml, README) come from the minijinja templates in `templates/`,
//! which only print fields computed here.

mod client;
mod models;
mod operations;
pub(crate) mod rust;
mod rustdoc;
mod schemas;
mod server;

pub(crate) use rust::type_text;

use crate::error::{Error, ErrorKind};
use crate::ir::{Api, TypeKind, TypeRef};
use crate::Timings;
use proc_macro2::TokenStream;
use serde::Serialize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How the APIs map onto the crate's modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One API at the crate root: `crate::models::Job`.
    Single,
    /// One module per API: `crate::basiq::models::JobData`.
    PerSpec,
}

/// What the generated crate is called and how it is regenerated.
#[derive(Debug, Clone)]
pub struct CrateConfig {
    /// Cargo package name (`job-apis`).
    pub crate_name: String,
    /// One line for Cargo.toml and the crate docs.
    pub description: String,
    /// The command that regenerates the crate, named in every file header.
    pub regenerate_with: String,
    pub layout: Layout,
    /// Refuse to approximate: a construct with no Rust type is an error.
    pub strict: bool,
    /// Where the crate's runtime (`crate::support`) comes from.
    pub runtime: Runtime,
    /// Keep the properties a schema admits but does not name in a
    /// `serde_json::Map` on the struct (`additional_properties`), so a body
    /// read and written back keeps them. Off by default: every such struct
    /// gains a field to fill in literals, and serde's flattening costs
    /// compile time and decode speed.
    pub keep_unknown_properties: bool,
}

/// Where a generated crate's runtime, reached as `crate::support`, comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Runtime {
    /// The runtime's files copied byte for byte into `src/support/`: the
    /// crate builds on its own, with no access to apigen.
    #[default]
    Vendored,
    /// A dependency on the `apigen-runtime` crate in this folder (relative
    /// to the generated crate, as Cargo reads it).
    Path(String),
    /// A dependency on a released `apigen-runtime` matching this version
    /// requirement.
    Version(String),
}

impl Runtime {
    /// The Cargo dependency on the runtime crate, as a TOML inline table;
    /// `None` when the runtime is vendored.
    fn dependency(&self) -> Option<String> {
        let (key, value) = match self {
            Runtime::Vendored => return None,
            Runtime::Path(path) => ("path", path),
            Runtime::Version(version) => ("version", version),
        };
        Some(format!("{{ {key} = {}, default-features = false }}", toml_string(value)))
    }
}

/// A file of the generated crate, relative to its root (`src/lib.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    pub contents: String,
}

/// A module declared by `lib.rs` or an API's `mod.rs`.
#[derive(Clone)]
struct ModuleEntry {
    name: String,
    doc_lines: Vec<String>,
    /// The cargo feature the module needs, if any.
    feature: Option<&'static str>,
}

impl ModuleEntry {
    fn new(name: &str, doc: &str, feature: Option<&'static str>) -> Self {
        ModuleEntry { name: name.into(), doc_lines: vec![doc.into()], feature }
    }
}

/// A module file that only declares modules: its docs, then each module
/// with its docs and feature. The crate root (`vendored` is then set) also
/// declares `support`, the runtime (its own module or the runtime crate),
/// and allows two groups of lints: spec text becomes rustdoc verbatim (its
/// Markdown is not ours to reflow), and names and shapes come from the spec,
/// with response enums returned whole (boxing every body would cost callers
/// more than it saves).
fn module_tree(doc_lines: &[String], modules: &[ModuleEntry], vendored: Option<bool>) -> TokenStream {
    let root = vendored.map(|vendored| {
        let support = if vendored {
            quote::quote!(pub mod support;)
        } else {
            quote::quote! {
                /// The runtime of the generated code: the `apigen-runtime` crate.
                pub use apigen_runtime as support;
            }
        };
        let lints = quote::quote! {
            #![allow(clippy::doc_lazy_continuation, clippy::doc_overindented_list_items)]
            #![allow(clippy::enum_variant_names, clippy::large_enum_variant, clippy::result_large_err, clippy::too_many_arguments)]
        };
        (lints, support)
    });
    let (lints, support) = root.unzip();
    let modules = modules.iter().map(|m| {
        let name = rust::ident(&m.name);
        let docs = &m.doc_lines;
        let cfg = m.feature.map(|feature| quote::quote!(#[cfg(feature = #feature)]));
        quote::quote! {
            #(#[doc = #docs])*
            #cfg
            pub mod #name;
        }
    });
    quote::quote! {
        #(#![doc = #doc_lines])*
        #lints
        #(#modules)*
        #support
    }
}

#[derive(Serialize)]
struct ApiEntry {
    module: String,
    title: String,
    version: String,
    source: String,
    types: usize,
    operations: usize,
}

/// A Rust file still to be built and formatted. Token streams cannot cross
/// threads, so each unit is built on the thread that formats it.
struct Unit<'a> {
    path: String,
    header: String,
    /// Rough relative size, for scheduling: the largest are built first.
    weight: u8,
    build: Box<dyn Fn() -> Result<TokenStream, Error> + Send + Sync + 'a>,
}

/// Emits every file of the crate for the given APIs.
pub fn emit_crate(apis: &[Api], config: &CrateConfig, timings: &mut Timings) -> Result<Vec<OutputFile>, Error> {
    let kept: Vec<Api>;
    let apis = if config.keep_unknown_properties {
        kept = apis.iter().cloned().map(Api::keeping_unknown_properties).collect();
        &kept[..]
    } else {
        apis
    };
    let env = crate::templates::environment();
    let sources: Vec<&str> = apis.iter().map(|a| a.source.as_str()).collect();
    if let Some(problem) = crate::naming::crate_name_problem(&config.crate_name) {
        return Err(Error::new(&config.crate_name, None, ErrorKind::Usage(problem)));
    }
    // One line whatever the paths hold: it is a comment in Rust and TOML.
    let header_for = |sources: &[&str]| {
        one_line(&format!(
            "Generated by apigen from {}. Do not edit: change the spec and run `{}`.",
            sources.join(", "),
            config.regenerate_with
        ))
    };
    let header = header_for(&sources);
    let render = |template: &str, ctx: minijinja::Value| -> Result<String, Error> {
        env.get_template(template)
            .and_then(|t| t.render(ctx))
            .map_err(|e| Error::new(template, None, ErrorKind::Internal(format!("template: {e:#}"))))
    };
    let start = Instant::now();
    let mut files = Vec::new();
    let mut units = Vec::new();
    let uses = |pred: &dyn Fn(&TypeRef) -> bool| apis.iter().any(|a| api_uses(a, pred));
    let api_entries: Vec<ApiEntry> = apis
        .iter()
        .map(|a| ApiEntry {
            module: a.module.clone(),
            title: one_line(a.title.trim()),
            version: one_line(a.version.trim()),
            source: one_line(&a.source),
            types: a.types.len(),
            operations: a.operations.len(),
        })
        .collect();
    files.push(OutputFile {
        path: "Cargo.toml".into(),
        contents: render(
            "Cargo.toml.j2",
            minijinja::context! {
                header => header,
                crate_name => config.crate_name,
                description_toml => toml_string(&config.description),
                uses_chrono => uses(&|t| matches!(t, TypeRef::DateTime | TypeRef::Date)),
                uses_uuid => uses(&|t| matches!(t, TypeRef::Uuid)),
                runtime_dependency => config.runtime.dependency(),
            },
        )?,
    });
    files.push(OutputFile {
        path: "README.md".into(),
        contents: render(
            "README.md.j2",
            minijinja::context! {
                header => header,
                crate_name => config.crate_name,
                crate_ident => config.crate_name.replace('-', "_"),
                description => one_line(&config.description),
                apis => api_entries,
                per_spec => config.layout == Layout::PerSpec,
            },
        )?,
    });
    let api_modules = [
        ModuleEntry::new("models", " Typed request and response bodies: one Rust type per schema.", None),
        ModuleEntry::new("operations", " Per operation: its optional parameters and the enum of its responses.", None),
        ModuleEntry::new("client", " The async HTTP client.", Some("client")),
        ModuleEntry::new(
            "server",
            " Server stubs on axum: implement [`server::Api`], serve [`server::router`], which validates and authorizes.",
            Some("server"),
        ),
    ];
    // Module files are built on the formatting threads, as tokens cannot
    // cross them: each unit owns what it declares.
    let vendored = config.runtime == Runtime::Vendored;
    let module_unit =
        |path: String, header: String, doc_lines: Vec<String>, modules: Vec<ModuleEntry>, root: bool| Unit {
            path,
            header,
            weight: 0,
            build: Box::new(move || Ok(module_tree(&doc_lines, &modules, root.then_some(vendored)))),
        };
    match config.layout {
        Layout::Single => {
            for api in apis {
                units.push(module_unit(
                    "src/lib.rs".into(),
                    header.clone(),
                    api_doc_lines(api),
                    api_modules.to_vec(),
                    true,
                ));
                units.extend(api_units("src", api, &header));
            }
        }
        Layout::PerSpec => {
            let modules: Vec<ModuleEntry> = apis
                .iter()
                .map(|a| ModuleEntry {
                    name: a.module.clone(),
                    doc_lines: rust::doc_lines(&format!(
                        "{} (version {}), from `{}`.",
                        a.title.trim(),
                        a.version.trim(),
                        a.source
                    )),
                    feature: None,
                })
                .collect();
            units.push(module_unit(
                "src/lib.rs".into(),
                header.clone(),
                rust::doc_lines(&config.description),
                modules,
                true,
            ));
            for api in apis {
                let header = header_for(&[api.source.as_str()]);
                let path = format!("src/{}/mod.rs", api.module);
                units.push(module_unit(path, header.clone(), api_doc_lines(api), api_modules.to_vec(), false));
                units.extend(api_units(&format!("src/{}", api.module), api, &header));
            }
        }
    }
    // The runtime is hand-written and already laid out: copied as it is,
    // after the header that marks the file as apigen's.
    if config.runtime == Runtime::Vendored {
        let header = one_line(&format!(
            "Generated by apigen from {}: the apigen-runtime {} source, copied as written. Do not edit: run `{}`.",
            sources.join(", "),
            crate::templates::RUNTIME_VERSION,
            config.regenerate_with
        ));
        for (path, text) in crate::templates::RUNTIME {
            files.push(OutputFile { path: format!("src/support/{path}"), contents: format!("// {header}\n\n{text}") });
        }
    }
    // The largest files first, so that no thread is left with one at the end.
    units.sort_by_key(|u| std::cmp::Reverse(u.weight));
    timings.emit += start.elapsed();
    files.extend(build_units(&units, timings)?);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    timings.emit_wall += start.elapsed();
    Ok(files)
}

/// Builds and formats the units on every available core.
fn build_units(units: &[Unit<'_>], timings: &mut Timings) -> Result<Vec<OutputFile>, Error> {
    struct Done {
        index: usize,
        file: Result<OutputFile, Error>,
        emit: Duration,
        format: Duration,
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(unit) = units.get(index) else { break done };
            let start = Instant::now();
            let tokens = (unit.build)();
            let built = Instant::now();
            let body = tokens.and_then(|tokens| rust::format_file(tokens, &unit.path));
            let file = body
                .map(|body| OutputFile { contents: format!("// {}\n\n{body}", unit.header), path: unit.path.clone() });
            done.push(Done { index, file, emit: built - start, format: built.elapsed() });
        }
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, units.len().max(1));
    let mut done: Vec<Done> = std::thread::scope(|scope| {
        // A thread that cannot be started leaves its share to the others.
        let workers: Vec<_> = (1..threads)
            .filter_map(|_| std::thread::Builder::new().stack_size(crate::WORKER_STACK).spawn_scoped(scope, work).ok())
            .collect();
        let mut done = work();
        for worker in workers {
            match worker.join() {
                Ok(more) => done.extend(more),
                Err(_) => {
                    return Err(Error::new("emit", None, ErrorKind::Internal("an emitting thread panicked".into())))
                }
            }
        }
        Ok(done)
    })?;
    done.sort_by_key(|d| d.index);
    let mut files = Vec::with_capacity(done.len());
    for d in done {
        timings.emit += d.emit;
        timings.format += d.format;
        files.push(d.file?);
    }
    Ok(files)
}

/// The Rust modules of one API, under `dir`.
fn api_units<'a>(dir: &str, api: &'a Api, header: &str) -> [Unit<'a>; 5] {
    let unit = |file: &str, weight: u8, build: fn(&Api) -> TokenStream| Unit {
        path: format!("{dir}/{file}"),
        header: header.to_owned(),
        weight,
        build: Box::new(move || Ok(build(api))),
    };
    [
        unit("models.rs", 3, models::models_module),
        unit("operations.rs", 1, operations::operations_module),
        unit("client.rs", 2, client::client_module),
        unit("server.rs", 4, server::server_module),
        unit("server/schemas.rs", 3, schemas::schemas_module),
    ]
}

/// Text for a one-line comment: line breaks, other control characters
/// and bidirectional overrides become visible `\u{..}` escapes, so nothing
/// after them can become code.
pub(crate) fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || rustdoc::is_bidi_control(c) || matches!(c, '\u{2028}' | '\u{2029}') {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// A TOML basic string: quotes, backslashes and every control character
/// (DEL included, which TOML forbids raw) escaped.
fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The API's module docs: title, version, servers, then the description.
fn api_doc_lines(api: &Api) -> Vec<String> {
    let mut text =
        format!("{} (version {}).\n\nGenerated from `{}`.", api.title.trim(), api.version.trim(), api.source);
    if let Some(server) = api.servers.first() {
        text.push_str(&format!(" Default server: <{}>.", server.url));
    }
    if let Some(description) = &api.description {
        text.push_str("\n\n");
        text.push_str(description.trim());
    }
    rust::doc_lines(&text)
}

/// Whether a type anywhere in what the crate emits (models, parameters,
/// request and response bodies, response headers) satisfies `pred`: the
/// crate's dependencies follow from this.
fn api_uses(api: &Api, pred: &dyn Fn(&TypeRef) -> bool) -> bool {
    fn walk(ty: &TypeRef, pred: &dyn Fn(&TypeRef) -> bool) -> bool {
        pred(ty)
            || match ty {
                TypeRef::Vec(inner) | TypeRef::Map(inner) | TypeRef::Option(inner) | TypeRef::Boxed(inner) => {
                    walk(inner, pred)
                }
                _ => false,
            }
    }
    api.types.iter().any(|t| match &t.kind {
        TypeKind::Struct(s) => {
            s.fields.iter().any(|f| walk(&f.ty, pred)) || s.additional.as_ref().is_some_and(|a| walk(a, pred))
        }
        TypeKind::Alias { target } => walk(target, pred),
        TypeKind::Union(u) => u.variants.iter().any(|v| walk(&v.ty, pred)),
        TypeKind::Enum(_) | TypeKind::NumericEnum(_) => false,
    }) || api.operations.iter().any(|op| {
        op.parameters.iter().any(|p| walk(&p.ty, pred))
            || op.request_body.iter().flat_map(|b| &b.variants).any(|b| walk(&b.ty, pred))
            || op.responses.iter().any(|r| {
                r.body.as_ref().is_some_and(|b| walk(&b.ty, pred)) || r.headers.iter().any(|h| walk(&h.ty, pred))
            })
    })
}
