//! `apigen`: generate a standalone Rust crate from any OpenAPI 3.0 document.
//!
//! ```text
//! apigen generate --spec FILE --out DIR [--crate-name NAME]
//! ```

use clap::{Parser, Subcommand};
use generator::{naming, CrateConfig, Error, ErrorKind, Layout, SpecInput};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "apigen", version, about = "OpenAPI 3.0 to Rust code generator")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a complete crate (Cargo.toml, README.md, src/) for one spec.
    Generate {
        /// The OpenAPI document, YAML or JSON.
        #[arg(long)]
        spec: PathBuf,
        /// The crate's root directory (created if missing; generated files
        /// in it are replaced, other files are left alone).
        #[arg(long)]
        out: PathBuf,
        /// Cargo package name (default: from the spec's title).
        #[arg(long)]
        crate_name: Option<String>,
        /// Fail instead of approximating a construct as `serde_json::Value`.
        #[arg(long)]
        strict: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Generate { spec, out, crate_name, strict } => match generate(&spec, &out, crate_name, strict) {
            Ok(count) => {
                eprintln!("wrote {count} files to {}", out.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

fn generate(spec: &Path, out: &Path, crate_name: Option<String>, strict: bool) -> Result<usize, Error> {
    let source = spec.display().to_string();
    let text = std::fs::read_to_string(spec).map_err(|e| Error::new(&source, None, ErrorKind::Io(e.to_string())))?;
    let input = SpecInput::new(&source, text);
    let api = generator::load_with(&input, strict)?;
    let crate_name = crate_name.unwrap_or_else(|| naming::crate_name(&api.title));
    let config = CrateConfig {
        description: format!("Rust types for {} (version {}).", api.title.trim(), api.version.trim()),
        regenerate_with: format!("apigen generate --spec {} --out {}", source, out.display()),
        crate_name,
        layout: Layout::Single,
        strict,
    };
    let (files, warnings) = generator::generate_with_warnings(&[input], &config)?;
    for warning in &warnings {
        eprintln!("warning: {warning}");
    }
    generator::output::write_tree(out, &files)
        .map_err(|e| Error::new(out.display().to_string(), None, ErrorKind::Io(e.to_string())))?;
    Ok(files.len())
}
