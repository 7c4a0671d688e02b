//! `cargo xtask <task>`: the workspace's development tasks.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Regenerate `generated/` from `specs/`.
    Codegen {
        /// Change nothing; fail listing every stale or orphan file.
        #[arg(long)]
        check: bool,
    },
    /// Generate (and with --compile, check) crates for a list of real-world specs.
    Corpus {
        /// Specs to run, one path per line relative to the corpus folder.
        #[arg(long, default_value = "../shared/corpus/dev-specs.txt")]
        list: std::path::PathBuf,
        /// Parallel generations, and cargo jobs.
        #[arg(long, default_value_t = 2)]
        jobs: usize,
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
}

fn main() -> ExitCode {
    let root = xtask::workspace_root();
    match Cli::parse().task {
        Task::Corpus { list, jobs, compile, strict, timeout, out, min_ok } => {
            let absolute = |p: std::path::PathBuf| if p.is_absolute() { p } else { root.join(p) };
            let options = xtask::corpus::Options {
                list: absolute(list),
                jobs,
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
                eprintln!(
                    "\n{} generated file(s) out of date: run `{}`",
                    stale.len(),
                    xtask::CODEGEN_COMMAND
                );
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
    }
}
