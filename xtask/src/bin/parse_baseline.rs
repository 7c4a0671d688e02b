//! `parse-baseline FILE... --runs N`: the cost of only reading the specs,
//! the floor that `cargo xtask bench` compares generation against.
//!
//! Each run reads every file and parses it into a generic value tree
//! (`serde_json::Value` for JSON, `serde_yaml::Value` for YAML), as fast as
//! those crates go; it prints the median over the runs as
//! `parse: {"median_ms": …}`. It is built in release with the same allocator
//! as `apigen`, so the two are comparable.

use std::process::ExitCode;
use std::time::Instant;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let mut files = Vec::new();
    let mut runs = 5usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--runs" {
            match args.next().and_then(|n| n.parse().ok()) {
                Some(n) if n > 0 => runs = n,
                _ => {
                    eprintln!("--runs needs a positive number");
                    return ExitCode::FAILURE;
                }
            }
        } else {
            files.push(arg);
        }
    }
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        for file in &files {
            if let Err(e) = parse(file) {
                eprintln!("error: {file}: {e}");
                return ExitCode::FAILURE;
            }
        }
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    println!("parse: {}", serde_json::json!({ "median_ms": times[times.len() / 2], "runs": runs }));
    ExitCode::SUCCESS
}

fn parse(file: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    if text.trim_start().starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        std::hint::black_box(value);
    } else {
        let value: serde_yaml::Value = serde_yaml::from_str(&text).map_err(|e| e.to_string())?;
        std::hint::black_box(value);
    }
    Ok(())
}
