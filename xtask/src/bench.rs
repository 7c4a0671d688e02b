//! `cargo xtask bench`: what generation costs, what the generated code
//! costs to compile, and what it costs at run time.
//!
//! For each spec set (the five job specs together, a mid-size corpus spec,
//! GitHub's REST API description) it runs the release `apigen generate
//! --stats` several times and reports the median of each stage, the peak
//! memory, and the ratio of the total to the parse-only time of the same
//! files (`parse-baseline`, measured in the same run). OpenAPI Generator's
//! `rust` target runs on the same files when a Java runtime is present. The
//! generated crates are then `cargo check`ed with their dependencies
//! already built, and the runtime benchmark (`tests/src/bin/runtime_bench.rs`)
//! compares the generated client and server with a hand-written pair.
//!
//! Nothing here asserts a time: the figures are printed, written to
//! `report.md` and `results.json`, and compared with the targets in
//! BENCHMARKS.md.

use crate::corpus;
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The version of `@octokit/openapi` whose GitHub description is measured.
const GITHUB_PACKAGE: &str = "@octokit/openapi@23.0.2";
const GITHUB_SHA256: &str = "71a18407dd5e8464f4e0525daf03deabbe65abd9287d6adc7b5d98f516cd0d0c";
/// The mid-size spec, relative to the corpus folder.
const MID_SPEC: &str = "plaid.com.json";
/// OpenAPI Generator, as its PyPI package (which ships the jar).
const OPENAPI_GENERATOR: &str = "openapi-generator-cli==7.26.0";

/// Settings of one bench run.
pub struct Options {
    /// Repetitions of each generation (the median is reported).
    pub runs: usize,
    pub out: PathBuf,
    pub github: bool,
    pub openapi_generator: bool,
    pub cargo_check: bool,
    pub runtime: bool,
    /// Whether to run the hardening benchmark (hostile requests, slow clients).
    pub hardening: bool,
}

struct SpecSet {
    name: &'static str,
    label: String,
    files: Vec<PathBuf>,
    bytes: u64,
}

/// The figures of one spec set.
#[derive(Default)]
struct Figures {
    /// Median of each `apigen --stats` field over the runs.
    stages: serde_json::Map<String, Value>,
    /// Median wall time of the whole `apigen` process.
    process_ms: f64,
    peak_rss_kib: u64,
    parse_only_ms: f64,
    openapi_generator_ms: Option<f64>,
    lines: usize,
    check_s: Option<f64>,
    openapi_generator_lines: Option<usize>,
    openapi_generator_check_s: Option<f64>,
    notes: Vec<String>,
}

/// Runs the bench and prints (and writes) the report.
pub fn run(root: &Path, options: &Options) -> Result<(), String> {
    std::fs::create_dir_all(&options.out).map_err(|e| format!("{}: {e}", options.out.display()))?;
    eprintln!("building apigen and parse-baseline (release)");
    cargo(
        root,
        &[
            "build",
            "--quiet",
            "--release",
            "-p",
            "generator",
            "--bin",
            "apigen",
            "-p",
            "xtask",
            "--bin",
            "parse-baseline",
        ],
    )?;
    let apigen = root.join("target/release/apigen");
    let baseline = root.join("target/release/parse-baseline");

    let sets = spec_sets(root, options)?;
    let check_dir = options.out.join("check");
    std::fs::create_dir_all(&check_dir).map_err(|e| e.to_string())?;
    let openapi_generator = if options.openapi_generator {
        openapi_generator_cli(options)
    } else {
        Err("not asked for (--no-openapi-generator)".into())
    };
    if let Err(why) = &openapi_generator {
        eprintln!("OpenAPI Generator skipped: {why}");
    }

    let mut results = Vec::new();
    for set in &sets {
        let mut figures = Figures::default();
        let crate_dir = check_dir.join(format!("ours-{}", set.name));
        measure_apigen(&apigen, set, &crate_dir, options.runs, &mut figures)?;
        figures.parse_only_ms = parse_only(&baseline, set, options.runs)?;
        figures.lines = rust_lines(&crate_dir.join("src"));
        if let Ok(cli) = &openapi_generator {
            match measure_openapi_generator(cli, set, &check_dir, options.runs.min(3)) {
                Ok((ms, lines)) => {
                    figures.openapi_generator_ms = Some(ms);
                    figures.openapi_generator_lines = lines;
                }
                Err(e) => figures.notes.push(format!("OpenAPI Generator failed: {e}")),
            }
        }
        results.push((set, figures));
    }

    if options.cargo_check {
        let members: Vec<String> = std::fs::read_dir(&check_dir)
            .map_err(|e| e.to_string())?
            .filter_map(|e| e.ok())
            .filter(|e| e.path().join("Cargo.toml").is_file())
            .map(|e| format!("\"{}\"", e.file_name().to_string_lossy()))
            .collect();
        let manifest = format!("[workspace]\nresolver = \"2\"\nmembers = [{}]\n", members.join(", "));
        std::fs::write(check_dir.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
        if !check_dir.join("Cargo.lock").exists() {
            let _ = std::fs::copy(root.join("Cargo.lock"), check_dir.join("Cargo.lock"));
        }
        for (set, figures) in &mut results {
            let ours = check_dir.join(format!("ours-{}", set.name));
            match timed_check(&check_dir, &ours, true) {
                Ok(s) => figures.check_s = Some(s),
                Err(e) => figures.notes.push(format!("cargo check of the generated crate failed: {e}")),
            }
            let theirs = check_dir.join(format!("og-{}", set.name));
            if figures.openapi_generator_lines.is_some() && theirs.join("Cargo.toml").is_file() {
                match timed_check(&check_dir, &theirs, false) {
                    Ok(s) => figures.openapi_generator_check_s = Some(s),
                    Err(e) => figures.notes.push(format!("cargo check of OpenAPI Generator's crate failed: {e}")),
                }
            }
        }
    }

    let runtime = if options.runtime { Some(runtime_bench(root)) } else { None };
    let hardening = if options.hardening { Some(hardening_bench(root, options.runs <= 3)) } else { None };
    let mut report = report(&results, runtime.as_ref());
    if let Some(hardening) = &hardening {
        match hardening {
            Ok((table, _)) => {
                report.push('\n');
                report.push_str(table);
            }
            Err(e) => report.push_str(&format!("\n## Hostile requests\n\nfailed: {e}\n")),
        }
    }
    println!("{report}");
    std::fs::write(options.out.join("report.md"), &report).map_err(|e| e.to_string())?;
    let json = json!({
        "sets": results.iter().map(|(set, f)| json!({
            "set": set.name,
            "label": set.label,
            "bytes": set.bytes,
            "stages_ms": f.stages,
            "process_ms": f.process_ms,
            "peak_rss_kib": f.peak_rss_kib,
            "parse_only_ms": f.parse_only_ms,
            "openapi_generator_ms": f.openapi_generator_ms,
            "lines": f.lines,
            "check_s": f.check_s,
            "openapi_generator_lines": f.openapi_generator_lines,
            "openapi_generator_check_s": f.openapi_generator_check_s,
            "notes": f.notes,
        })).collect::<Vec<_>>(),
        "runtime": runtime.as_ref().map(|r| r.clone().unwrap_or_else(|e| json!({ "error": e }))),
        "hardening": hardening.as_ref().map(|r| r.as_ref().map(|(_, v)| v.clone()).unwrap_or_else(|e| json!({ "error": e }))),
    });
    std::fs::write(options.out.join("results.json"), serde_json::to_string_pretty(&json).unwrap_or_default())
        .map_err(|e| e.to_string())?;
    eprintln!("written: {} and results.json", options.out.join("report.md").display());
    match (runtime, hardening) {
        (Some(Err(e)), _) => Err(format!("runtime benchmark failed: {e}")),
        (_, Some(Err(e))) => Err(format!("hardening benchmark failed: {e}")),
        _ => Ok(()),
    }
}

/// The hardening benchmark, in release: its tables (markdown) and its
/// `hardening: {...}` line.
fn hardening_bench(root: &Path, quick: bool) -> Result<(String, Value), String> {
    eprintln!("hardening benchmark: hostile requests and slow clients against a generated server");
    let mut args = vec!["run", "--quiet", "--release", "-p", "tests", "--bin", "hardening-bench", "--", "--json"];
    if quick {
        args.push("--quick");
    }
    let output = Command::new(env!("CARGO"))
        .current_dir(root)
        .args(&args)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("hardening-bench failed:\n{stdout}"));
    }
    let table: String = stdout.lines().filter(|l| !l.starts_with("hardening: ")).map(|l| format!("{l}\n")).collect();
    let value = stdout
        .lines()
        .find_map(|l| l.strip_prefix("hardening: "))
        .and_then(|l| serde_json::from_str(l).ok())
        .ok_or("hardening-bench printed no result line")?;
    Ok((table, value))
}

fn cargo(root: &Path, args: &[&str]) -> Result<(), String> {
    let status = Command::new(env!("CARGO")).current_dir(root).args(args).status().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo {} failed", args.join(" ")))
    }
}

fn spec_sets(root: &Path, options: &Options) -> Result<Vec<SpecSet>, String> {
    let mut sets = Vec::new();
    let jobs = crate::spec_paths(root).map_err(|e| e.to_string())?;
    sets.push(spec_set("jobs", "the five job specs".into(), jobs)?);
    match corpus::corpus_dir(root) {
        Ok(dir) => sets.push(spec_set("mid", format!("corpus: {MID_SPEC}"), vec![dir.join(MID_SPEC)])?),
        Err(e) => eprintln!("mid-size corpus spec skipped: {e}"),
    }
    if options.github {
        let spec = fetch_github(options)?;
        sets.push(spec_set("github", format!("GitHub REST ({GITHUB_PACKAGE})"), vec![spec])?);
    }
    Ok(sets)
}

fn spec_set(name: &'static str, label: String, files: Vec<PathBuf>) -> Result<SpecSet, String> {
    let mut bytes = 0;
    for file in &files {
        bytes += std::fs::metadata(file).map_err(|e| format!("{}: {e}", file.display()))?.len();
    }
    Ok(SpecSet { name, label, files, bytes })
}

/// GitHub's description from the npm registry, checked against its digest.
fn fetch_github(options: &Options) -> Result<PathBuf, String> {
    let dir = options.out.join("github");
    let spec = dir.join("package/generated/api.github.com.json");
    if spec.is_file() {
        return Ok(spec);
    }
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    eprintln!("fetching {GITHUB_PACKAGE} from the npm registry");
    let output = Command::new("npm")
        .current_dir(&dir)
        .args(["pack", "--silent", GITHUB_PACKAGE])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("npm: {e}"))?;
    let tarball = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if !output.status.success() || tarball.is_empty() {
        return Err(format!("npm pack {GITHUB_PACKAGE} failed"));
    }
    let digest = Command::new("sha256sum").current_dir(&dir).arg(&tarball).output().map_err(|e| e.to_string())?;
    let digest = String::from_utf8_lossy(&digest.stdout);
    if !digest.starts_with(GITHUB_SHA256) {
        return Err(format!("{tarball}: sha256 is not {GITHUB_SHA256}"));
    }
    let status = Command::new("tar")
        .current_dir(&dir)
        .args(["xzf", &tarball, "package/generated/api.github.com.json"])
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() || !spec.is_file() {
        return Err(format!("{tarball}: cannot unpack the description"));
    }
    Ok(spec)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// `runs` runs of `apigen generate --stats`: the median of every stage.
fn measure_apigen(apigen: &Path, set: &SpecSet, out: &Path, runs: usize, figures: &mut Figures) -> Result<(), String> {
    let crate_name = format!("bench-{}", set.name);
    let mut samples: Vec<serde_json::Map<String, Value>> = Vec::new();
    let mut process = Vec::new();
    for run in 1..=runs {
        eprintln!("[{}] apigen run {run}/{runs}", set.name);
        let mut command = Command::new(apigen);
        command.arg("generate");
        for file in &set.files {
            command.arg("--spec").arg(file);
        }
        command.arg("--out").arg(out).args(["--crate-name", &crate_name, "--stats"]);
        let start = Instant::now();
        let output = command.stdout(Stdio::null()).output().map_err(|e| format!("apigen: {e}"))?;
        process.push(start.elapsed().as_secs_f64() * 1e3);
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() {
            return Err(format!("apigen failed on {}: {}", set.label, stderr.trim()));
        }
        let stats = stderr
            .lines()
            .find_map(|l| l.strip_prefix("stats: "))
            .and_then(|l| serde_json::from_str::<serde_json::Map<String, Value>>(l).ok())
            .ok_or("apigen printed no stats line")?;
        samples.push(stats);
    }
    let keys: Vec<String> = samples.first().map(|s| s.keys().cloned().collect()).unwrap_or_default();
    for key in keys {
        let mut values: Vec<f64> = samples.iter().filter_map(|s| s.get(&key)?.as_f64()).collect();
        if key == "peak_rss_kib" {
            figures.peak_rss_kib = values.iter().copied().fold(0.0, f64::max) as u64;
        } else {
            figures.stages.insert(key, json!((median(&mut values) * 10.0).round() / 10.0));
        }
    }
    figures.process_ms = median(&mut process);
    Ok(())
}

fn parse_only(baseline: &Path, set: &SpecSet, runs: usize) -> Result<f64, String> {
    eprintln!("[{}] parse-only baseline, {runs} runs", set.name);
    let output = Command::new(baseline)
        .args(&set.files)
        .args(["--runs", &runs.to_string()])
        .output()
        .map_err(|e| format!("parse-baseline: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("parse: "))
        .and_then(|l| serde_json::from_str::<Value>(l).ok())
        .and_then(|v| v["median_ms"].as_f64())
        .ok_or_else(|| format!("parse-baseline failed: {}", String::from_utf8_lossy(&output.stderr).trim()))
}

/// Lines of Rust under `dir`.
fn rust_lines(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .filter_map(|e| e.ok())
        .map(|e| {
            let path = e.path();
            if path.is_dir() {
                rust_lines(&path)
            } else if path.extension().is_some_and(|x| x == "rs") {
                std::fs::read_to_string(&path).map(|t| t.lines().count()).unwrap_or(0)
            } else {
                0
            }
        })
        .sum()
}

/// The `openapi-generator-cli` launcher, installed into a venv on first use.
fn openapi_generator_cli(options: &Options) -> Result<PathBuf, String> {
    let java = Command::new("java").arg("-version").stderr(Stdio::null()).status();
    if !java.is_ok_and(|s| s.success()) {
        return Err("no Java runtime (`java -version` failed)".into());
    }
    let venv = options.out.join("venv");
    let cli = venv.join("bin/openapi-generator-cli");
    let stamp = venv.join(OPENAPI_GENERATOR);
    if cli.is_file() && stamp.is_file() {
        return Ok(cli);
    }
    eprintln!("installing {OPENAPI_GENERATOR} into {}", venv.display());
    let ok = |c: &mut Command| c.stdout(Stdio::null()).status().is_ok_and(|s| s.success());
    if !ok(Command::new("python3").arg("-m").arg("venv").arg(&venv))
        || !ok(Command::new(venv.join("bin/pip")).args(["install", "--quiet", OPENAPI_GENERATOR]))
    {
        return Err(format!("cannot install {OPENAPI_GENERATOR}"));
    }
    std::fs::write(stamp, "").map_err(|e| e.to_string())?;
    Ok(cli)
}

/// OpenAPI Generator's `rust` target over the set, one process per spec as
/// a user runs it: the median wall time of the whole set, and for a set of
/// one spec the lines of its crate (kept under `check_dir` for `cargo check`).
fn measure_openapi_generator(
    cli: &Path,
    set: &SpecSet,
    check_dir: &Path,
    runs: usize,
) -> Result<(f64, Option<usize>), String> {
    let mut times = Vec::new();
    let out = check_dir.join(format!("og-{}", set.name));
    for run in 1..=runs {
        eprintln!("[{}] OpenAPI Generator run {run}/{runs}", set.name);
        let _ = std::fs::remove_dir_all(&out);
        let start = Instant::now();
        for (i, file) in set.files.iter().enumerate() {
            let dir = if set.files.len() == 1 { out.clone() } else { out.join(format!("spec-{i}")) };
            let output = Command::new(cli)
                .arg("generate")
                .args(["-g", "rust", "--skip-validate-spec", "-i"])
                .arg(file)
                .arg("-o")
                .arg(&dir)
                // Spec versions are seldom semver; Cargo needs one.
                .arg(format!("--additional-properties=packageName=og-{},packageVersion=0.1.0", set.name))
                .stdout(Stdio::null())
                .output()
                .map_err(|e| e.to_string())?;
            if !output.status.success() {
                let stderr = String::from_utf8_lossy(&output.stderr);
                let last = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("no output");
                return Err(format!("{}: {last}", file.display()));
            }
        }
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    if set.files.len() == 1 {
        Ok((median(&mut times), Some(rust_lines(&out.join("src")))))
    } else {
        // Several crates: measured for speed only, not kept for checking.
        let _ = std::fs::remove_dir_all(&out);
        Ok((median(&mut times), None))
    }
}

/// `cargo check` of one crate of the bench workspace with its dependencies
/// already built: a first check builds them, then the crate's own sources
/// are touched and checked again from scratch (not incremental), timed.
fn timed_check(workspace: &Path, crate_dir: &Path, all_features: bool) -> Result<f64, String> {
    let manifest = std::fs::read_to_string(crate_dir.join("Cargo.toml")).map_err(|e| e.to_string())?;
    let package = manifest
        .lines()
        .find_map(|l| l.trim().strip_prefix("name = "))
        .map(|n| n.trim_matches('"').to_owned())
        .ok_or("no package name")?;
    let check = || {
        let mut command = Command::new(env!("CARGO"));
        command.current_dir(workspace).args(["check", "--quiet", "-p", &package]);
        if all_features {
            command.arg("--all-features");
        }
        // Not incremental: the timed check is a whole check of the crate, as
        // after a regeneration, not a replay of cached results.
        command.env("CARGO_TARGET_DIR", workspace.join("target")).env("CARGO_INCREMENTAL", "0").stderr(Stdio::piped());
        command
    };
    eprintln!("[{package}] cargo check: building dependencies");
    let first = check().output().map_err(|e| e.to_string())?;
    if !first.status.success() {
        let stderr = String::from_utf8_lossy(&first.stderr);
        let error = stderr.lines().find(|l| l.starts_with("error")).unwrap_or("failed");
        return Err(error.to_owned());
    }
    let lib = crate_dir.join("src/lib.rs");
    let text = std::fs::read(&lib).map_err(|e| e.to_string())?;
    std::fs::write(&lib, text).map_err(|e| e.to_string())?;
    eprintln!("[{package}] cargo check: the crate alone, timed");
    let start = Instant::now();
    let second = check().output().map_err(|e| e.to_string())?;
    let seconds = start.elapsed().as_secs_f64();
    if !second.status.success() {
        return Err("second check failed".into());
    }
    Ok(seconds)
}

/// The runtime benchmark, in release, as its `runtime: {...}` line.
fn runtime_bench(root: &Path) -> Result<Value, String> {
    eprintln!("runtime benchmark: generated client and server against a hand-written reqwest + axum pair");
    let output = Command::new(env!("CARGO"))
        .current_dir(root)
        .args(["run", "--quiet", "--release", "-p", "tests", "--bin", "runtime-bench", "--", "--json"])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    for line in stdout.lines().filter(|l| !l.starts_with("runtime: ")) {
        eprintln!("{line}");
    }
    if !output.status.success() {
        return Err("runtime-bench failed".into());
    }
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("runtime: "))
        .and_then(|l| serde_json::from_str(l).ok())
        .ok_or_else(|| "runtime-bench printed no result line".into())
}

fn report(results: &[(&SpecSet, Figures)], runtime: Option<&Result<Value, String>>) -> String {
    let ms = |f: &Figures, key: &str| f.stages.get(key).and_then(Value::as_f64).unwrap_or(f64::NAN);
    let mut out = String::new();
    let _ = writeln!(out, "## Generation (median of runs; emit and format are summed over threads)\n");
    let _ = writeln!(
        out,
        "| spec | size | read+parse ms | lower ms | emit ms (cpu) | format ms (cpu) | emit+format ms (wall) | total ms | parse-only ms | total / parse-only | ms per MB | apigen process ms | peak RSS MiB | OpenAPI Generator ms | OpenAPI Generator / apigen |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (set, f) in results {
        let total = ms(f, "total_ms");
        let mb = set.bytes as f64 / 1_048_576.0;
        let og = f.openapi_generator_ms;
        let _ = writeln!(
            out,
            "| {} | {:.2} MB | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1}× | {:.0} | {:.0} | {:.0} | {} | {} |",
            set.label,
            mb,
            ms(f, "read_parse_ms"),
            ms(f, "lower_ms"),
            ms(f, "emit_ms"),
            ms(f, "format_ms"),
            ms(f, "emit_format_wall_ms"),
            total,
            f.parse_only_ms,
            total / f.parse_only_ms,
            total / mb,
            f.process_ms,
            f.peak_rss_kib as f64 / 1024.0,
            og.map_or("n/a".into(), |v| format!("{v:.0}")),
            og.map_or("n/a".into(), |v| format!("{:.1}×", v / f.process_ms)),
        );
    }
    let _ = writeln!(out, "\n## Generated code: size and `cargo check` (dependencies prebuilt)\n");
    let _ = writeln!(out, "| spec | lines | check s (all features) | s per 1,000 lines | OpenAPI Generator lines | its check s | its s per 1,000 lines |");
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for (set, f) in results {
        let per_k =
            |s: Option<f64>, lines: usize| s.map_or("n/a".into(), |s| format!("{:.2}", s / (lines as f64 / 1000.0)));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            set.label,
            f.lines,
            f.check_s.map_or("n/a".into(), |s| format!("{s:.1}")),
            per_k(f.check_s, f.lines),
            f.openapi_generator_lines.map_or("n/a".into(), |l| l.to_string()),
            f.openapi_generator_check_s.map_or("n/a".into(), |s| format!("{s:.1}")),
            f.openapi_generator_lines.map_or("n/a".into(), |l| per_k(f.openapi_generator_check_s, l)),
        );
    }
    let notes: Vec<String> =
        results.iter().flat_map(|(s, f)| f.notes.iter().map(move |n| format!("- {}: {n}", s.label))).collect();
    if !notes.is_empty() {
        let _ = writeln!(out, "\nNotes:\n{}", notes.join("\n"));
    }
    if let Some(runtime) = runtime {
        let _ = writeln!(out, "\n## Runtime: generated client and server against hand-written reqwest + axum\n");
        match runtime {
            Ok(v) => {
                let _ = writeln!(out, "| workload | median latency µs (generated / hand-written) | ratio | throughput req/s (generated / hand-written) | ratio | CPU µs per request (generated / hand-written) | ratio |");
                let _ = writeln!(out, "|---|---|---|---|---|---|---|");
                for workload in ["list", "create"] {
                    let get = |k: &str| v[format!("{workload}_{k}")].as_f64().unwrap_or(f64::NAN);
                    let (lg, lh) = (get("latency_us_generated"), get("latency_us_handwritten"));
                    let (tg, th) = (get("throughput_generated"), get("throughput_handwritten"));
                    let (cg, ch, cr) = (get("cpu_us_generated"), get("cpu_us_handwritten"), get("cpu_us_ratio"));
                    let _ = writeln!(
                        out,
                        "| {workload} | {lg:.0} / {lh:.0} | {:.3} | {tg:.0} / {th:.0} | {:.3} | {cg:.1} / {ch:.1} | {cr:.3} |",
                        lg / lh,
                        tg / th
                    );
                }
            }
            Err(e) => {
                let _ = writeln!(out, "failed: {e}");
            }
        }
    }
    out
}
