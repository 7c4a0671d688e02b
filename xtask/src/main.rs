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
}

fn main() -> ExitCode {
    let root = xtask::workspace_root();
    match Cli::parse().task {
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
