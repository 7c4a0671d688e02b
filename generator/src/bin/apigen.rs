//! `apigen`: generate a standalone Rust crate from any OpenAPI 3.0 or 3.1
//! document, or a Swagger 2.0 one, in one file or several.
//!
//! ```text
//! apigen generate --spec FILE [--spec FILE...] --out DIR [--crate-name NAME] [--strict] [--stats] [--force]
//!                 [--allow-outside-refs] [--keep-unknown-properties]
//!                 [--runtime-path DIR | --runtime-version VERSION]
//! ```

use clap::{Args, Parser, Subcommand};
use generator::{naming, CrateConfig, Error, ErrorKind, Layout, Runtime, SpecInput, Timings};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

// Generation allocates many small short-lived token trees; mimalloc halves
// the time the system allocator spends on them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "apigen", version, about = "OpenAPI (3.0, 3.1, Swagger 2.0) to Rust code generator")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a complete crate (Cargo.toml, README.md, src/) for one spec,
    /// or for several (one module per spec, named after its file).
    Generate(GenerateArgs),
}

#[derive(Args)]
struct GenerateArgs {
    /// The OpenAPI document, YAML or JSON; repeat for several.
    #[arg(long, required = true)]
    spec: Vec<PathBuf>,
    /// The crate's root directory (created if missing). Its Cargo.toml,
    /// README.md and src/ are replaced; other files are left alone. A
    /// directory holding a crate apigen did not write is refused.
    #[arg(long)]
    out: PathBuf,
    /// Replace Cargo.toml, README.md and src/ in --out even when apigen
    /// did not write them.
    #[arg(long)]
    force: bool,
    /// Cargo package name (default: from the spec's title).
    #[arg(long)]
    crate_name: Option<String>,
    /// Fail instead of approximating a construct as `serde_json::Value`.
    #[arg(long)]
    strict: bool,
    /// Keep the properties an object schema admits but does not name (no
    /// `additionalProperties`) in an `additional_properties` JSON map on
    /// its struct, so a body read and written back keeps them.
    #[arg(long)]
    keep_unknown_properties: bool,
    /// Print the time of each stage and the peak memory, as one JSON
    /// line on stderr.
    #[arg(long)]
    stats: bool,
    /// Let `$ref`s read files outside the directory of the spec that
    /// refers to them (refused by default).
    #[arg(long)]
    allow_outside_refs: bool,
    /// Depend on the apigen-runtime crate in this folder (written into
    /// Cargo.toml as given, so relative to --out) instead of copying the
    /// runtime into src/support/.
    #[arg(long, value_name = "DIR", conflicts_with = "runtime_version")]
    runtime_path: Option<String>,
    /// Depend on a released apigen-runtime matching this version
    /// requirement instead of copying the runtime into src/support/.
    #[arg(long, value_name = "VERSION")]
    runtime_version: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Generate(args) => match generate(&args) {
            Ok((count, timings)) => {
                eprintln!("wrote {count} files to {}", args.out.display());
                if args.stats {
                    eprintln!("{}", stats_line(&timings));
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

fn generate(args: &GenerateArgs) -> Result<(usize, Timings), Error> {
    let (specs, out, strict) = (&args.spec, args.out.as_path(), args.strict);
    let mut timings = Timings::default();
    let mut apis = Vec::with_capacity(specs.len());
    for spec in specs {
        let source = spec.display().to_string();
        let start = Instant::now();
        let input = SpecInput::read(&source, spec)?.allowing_outside_refs(args.allow_outside_refs);
        timings.parse += start.elapsed();
        if let Some(other) = apis.iter().find(|a: &&generator::ir::Api| a.module == input.module) {
            let message =
                format!("module `{}` would also come from {}: rename one of the files", input.module, other.source);
            return Err(Error::new(&source, None, ErrorKind::Usage(message)));
        }
        apis.push(generator::load_timed(&input, strict, &mut timings)?);
    }
    let sources: Vec<String> = specs.iter().map(|s| s.display().to_string()).collect();
    let mut spec_args: String = sources.iter().map(|s| format!("--spec {s} ")).collect();
    for (set, flag) in [(strict, "--strict"), (args.keep_unknown_properties, "--keep-unknown-properties")] {
        if set {
            spec_args.push_str(flag);
            spec_args.push(' ');
        }
    }
    let (crate_name, description, layout) = match apis.as_slice() {
        [api] => (
            args.crate_name.clone().unwrap_or_else(|| naming::crate_name(&api.title)),
            format!("Rust types for {} (version {}).", api.title.trim(), api.version.trim()),
            Layout::Single,
        ),
        _ => {
            let titles: Vec<&str> = apis.iter().map(|a| a.title.trim()).collect();
            (
                args.crate_name.clone().unwrap_or_else(|| "apis".to_owned()),
                format!("Rust types for {} APIs: {}.", apis.len(), titles.join(", ")),
                Layout::PerSpec,
            )
        }
    };
    let config = CrateConfig {
        description,
        regenerate_with: format!("apigen generate {spec_args}--out {}", out.display()),
        crate_name,
        layout,
        strict,
        keep_unknown_properties: args.keep_unknown_properties,
        runtime: match (&args.runtime_path, &args.runtime_version) {
            (Some(path), _) => Runtime::Path(path.clone()),
            (None, Some(version)) => Runtime::Version(version.clone()),
            (None, None) => Runtime::Vendored,
        },
    };
    let files = generator::emit(&apis, &config, &mut timings)?;
    for warning in generator::warnings(&apis) {
        eprintln!("warning: {warning}");
    }
    let options = generator::output::WriteOptions { replace_foreign: args.force, ..Default::default() };
    generator::output::write_tree_with(out, &files, &options)
        .map_err(|e| Error::new(out.display().to_string(), None, ErrorKind::Write(e.to_string())))?;
    Ok((files.len(), timings))
}

/// `stats: {...}`: stage times in milliseconds and the peak resident memory.
fn stats_line(t: &Timings) -> String {
    let ms = |d: std::time::Duration| (d.as_secs_f64() * 1e6).round() / 1e3;
    let stats = serde_json::json!({
        "read_parse_ms": ms(t.parse),
        "lower_ms": ms(t.lower),
        "emit_ms": ms(t.emit),
        "format_ms": ms(t.format),
        "emit_format_wall_ms": ms(t.emit_wall),
        "total_ms": ms(t.total()),
        "peak_rss_kib": peak_rss_kib(),
    });
    format!("stats: {stats}")
}

/// The process's peak resident set (`VmHWM`), where the OS reports it.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
