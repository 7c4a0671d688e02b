//! `cargo xtask <task>`: the workspace's development tasks.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

/// The specs a corpus task runs on.
#[derive(clap::Args)]
struct SpecList {
    /// Specs to run, one path per line relative to the corpus folder.
    #[arg(long, default_value = "../shared/corpus/dev-specs.txt")]
    list: std::path::PathBuf,
    /// The folder the list's paths are relative to (default: the public
    /// corpus, fetched from npm on first use).
    #[arg(long)]
    dir: Option<std::path::PathBuf>,
    /// Parallel workers, and cargo jobs.
    #[arg(long, default_value_t = 2)]
    jobs: usize,
}

impl SpecList {
    fn resolve(self, root: &std::path::Path) -> xtask::corpus::SpecList {
        let absolute = |p: std::path::PathBuf| if p.is_absolute() { p } else { root.join(p) };
        xtask::corpus::SpecList { list: absolute(self.list), dir: self.dir.map(absolute), jobs: self.jobs }
    }
}

#[derive(Subcommand)]
enum Task {
    /// Regenerate `generated/` from `specs/`.
    Codegen {
        /// Change nothing; fail listing every stale or orphan file.
        #[arg(long)]
        check: bool,
    },
    /// Measure generation, the generated code's compile time, and its
    /// run-time cost against a hand-written client and server.
    Bench {
        /// Repetitions of each generation; medians are reported.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Where the generated crates and the report go.
        #[arg(long, default_value = "target/bench")]
        out: std::path::PathBuf,
        /// Skip GitHub's description (fetched from the npm registry).
        #[arg(long)]
        no_github: bool,
        /// Skip OpenAPI Generator (needs Java; installed from PyPI).
        #[arg(long)]
        no_openapi_generator: bool,
        /// Skip `cargo check` of the generated crates (the slowest part).
        #[arg(long)]
        no_cargo_check: bool,
        /// Skip the runtime benchmark of client and server.
        #[arg(long)]
        no_runtime: bool,
        /// Skip the hardening benchmark (hostile requests, slow clients).
        #[arg(long)]
        no_hardening: bool,
    },
    /// Generate (and with --compile, check) crates for a list of real-world specs.
    Corpus {
        #[command(flatten)]
        specs: SpecList,
        /// Also `cargo check` every generated crate.
        #[arg(long)]
        compile: bool,
        /// Pass --strict to apigen (warnings become errors).
        #[arg(long)]
        strict: bool,
        /// Per-spec time limit for generation, in seconds.
        #[arg(long, default_value_t = 120)]
        timeout: u64,
        /// Where crates and the report go.
        #[arg(long, default_value = "target/corpus-run")]
        out: std::path::PathBuf,
        /// Fail unless at least this percentage of specs end ok.
        #[arg(long, default_value_t = 0.0)]
        min_ok: f64,
    },
    /// Round-trip every example of a list of real-world specs through the
    /// generated models (each judged against its own schema first).
    Examples {
        #[command(flatten)]
        specs: SpecList,
        /// Where crates and the report go.
        #[arg(long, default_value = "target/examples-run")]
        out: std::path::PathBuf,
        /// Fail unless at least this percentage of valid examples come back
        /// exactly.
        #[arg(long, default_value_t = 0.0)]
        min_exact: f64,
        /// Generate the crates with --keep-unknown-properties.
        #[arg(long)]
        keep_unknown_properties: bool,
    },
}

fn main() -> ExitCode {
    let root = xtask::workspace_root();
    match Cli::parse().task {
        Task::Bench { runs, out, no_github, no_openapi_generator, no_cargo_check, no_runtime, no_hardening } => {
            let options = xtask::bench::Options {
                runs: runs.max(1),
                out: if out.is_absolute() { out } else { root.join(out) },
                github: !no_github,
                openapi_generator: !no_openapi_generator,
                cargo_check: !no_cargo_check,
                runtime: !no_runtime,
                hardening: !no_hardening,
            };
            match xtask::bench::run(&root, &options) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Task::Corpus { specs, compile, strict, timeout, out, min_ok } => {
            let absolute = |p: std::path::PathBuf| if p.is_absolute() { p } else { root.join(p) };
            let options = xtask::corpus::Options {
                specs: specs.resolve(&root),
                compile,
                strict,
                timeout: std::time::Duration::from_secs(timeout),
                out: absolute(out),
                min_ok,
            };
            match xtask::corpus::run(&root, &options) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => {
                    eprintln!("corpus run failed: a spec panicked or hung, or too few ended ok");
                    ExitCode::FAILURE
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Task::Examples { specs, out, min_exact, keep_unknown_properties } => {
            let absolute = |p: std::path::PathBuf| if p.is_absolute() { p } else { root.join(p) };
            let options = xtask::examples::Options {
                specs: specs.resolve(&root),
                out: absolute(out),
                min_exact,
                keep_unknown_properties,
            };
            match xtask::examples::run(&root, &options) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::FAILURE,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Task::Codegen { check: false } => match xtask::codegen(&root) {
            Ok(n) => {
                eprintln!("generated/ is up to date ({n} files)");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}\ngenerated/ was left untouched.");
                ExitCode::FAILURE
            }
        },
        Task::Codegen { check: true } => match xtask::check(&root) {
            Ok(stale) if stale.is_empty() => {
                eprintln!("generated/ is up to date");
                ExitCode::SUCCESS
            }
            Ok(stale) => {
                for s in &stale {
                    eprintln!("{s}");
                }
                eprintln!("\n{} generated file(s) out of date: run `{}`", stale.len(), xtask::CODEGEN_COMMAND);
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
    }
}
