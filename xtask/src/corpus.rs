//! `cargo xtask corpus`: runs `apigen generate` over a list of real-world
//! specs (each in its own process, with a time limit), optionally
//! `cargo check`s every generated crate in one throwaway workspace, and
//! writes a report (markdown and CSV) with per-spec outcomes and failures
//! grouped by cause.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Settings of one corpus run.
pub struct Options {
    pub specs: SpecList,
    pub compile: bool,
    pub strict: bool,
    pub timeout: Duration,
    pub out: PathBuf,
    /// Fail the run when fewer specs than this share (percent) end `ok`.
    pub min_ok: f64,
}

/// A list of specs and where they live.
pub struct SpecList {
    pub list: PathBuf,
    /// The folder the list's paths are relative to; `None` for the public
    /// corpus.
    pub dir: Option<PathBuf>,
    /// Parallel workers, and cargo jobs.
    pub jobs: usize,
}

impl SpecList {
    /// The corpus folder and the list's paths (blank lines and `#` comments
    /// skipped).
    pub(crate) fn read(&self, root: &Path) -> Result<(PathBuf, Vec<String>), String> {
        let corpus = match &self.dir {
            Some(dir) => dir.clone(),
            None => corpus_dir(root)?,
        };
        let list = std::fs::read_to_string(&self.list).map_err(|e| format!("{}: {e}", self.list.display()))?;
        let names =
            list.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned).collect();
        Ok((corpus, names))
    }
}

/// How one spec ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Generated; with `--compile`, also passed `cargo check`.
    Ok,
    /// `apigen` refused it with a diagnostic.
    Diagnostic(String),
    /// `apigen` panicked or died.
    Panic(String),
    /// `apigen` ran past the time limit.
    Hang,
    /// Generated, but the crate failed `cargo check`.
    CompileError(String),
}

impl Outcome {
    fn label(&self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Diagnostic(_) => "diagnostic",
            Outcome::Panic(_) => "panic",
            Outcome::Hang => "hang",
            Outcome::CompileError(_) => "compile-error",
        }
    }

    fn detail(&self) -> &str {
        match self {
            Outcome::Diagnostic(d) | Outcome::Panic(d) | Outcome::CompileError(d) => d,
            Outcome::Ok | Outcome::Hang => "",
        }
    }
}

struct Row {
    spec: String,
    crate_name: String,
    outcome: Outcome,
    seconds: f64,
}

/// The corpus folder, fetched once by `../shared/corpus/fetch.sh`.
pub fn corpus_dir(root: &Path) -> Result<PathBuf, String> {
    let script = root.join("../shared/corpus/fetch.sh");
    let output = Command::new("bash")
        .arg(&script)
        .arg(root.join("target/corpus"))
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("{}: {e}", script.display()))?;
    if !output.status.success() {
        return Err(format!("{} failed", script.display()));
    }
    let path = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    Ok(PathBuf::from(path))
}

fn apigen_binary(root: &Path) -> Result<PathBuf, String> {
    let status = Command::new(env!("CARGO"))
        .current_dir(root)
        .args(["build", "--quiet", "--release", "-p", "generator", "--bin", "apigen"])
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("cannot build apigen".into());
    }
    Ok(root.join("target/release/apigen"))
}

pub(crate) fn crate_name_for(index: usize) -> String {
    format!("corpus-{index:04}")
}

/// Runs one `apigen generate` with a time limit.
fn generate_one(apigen: &Path, spec: &Path, out: &Path, crate_name: &str, strict: bool, timeout: Duration) -> Outcome {
    let _ = std::fs::remove_dir_all(out);
    let mut command = Command::new(apigen);
    command.arg("generate").arg("--spec").arg(spec).arg("--out").arg(out).arg("--crate-name").arg(crate_name);
    if strict {
        command.arg("--strict");
    }
    let mut child = match command.stdout(Stdio::null()).stderr(Stdio::piped()).spawn() {
        Ok(c) => c,
        Err(e) => return Outcome::Panic(format!("cannot start apigen: {e}")),
    };
    let started = Instant::now();
    let stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut s) = stderr {
            let _ = std::io::Read::read_to_string(&mut s, &mut text);
        }
        text
    });
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let text = reader.join().unwrap_or_default();
                return match status.code() {
                    Some(0) => Outcome::Ok,
                    Some(1) => Outcome::Diagnostic(first_error_line(&text)),
                    _ => Outcome::Panic(
                        text.lines().find(|l| l.contains("panicked")).unwrap_or("killed by a signal").to_owned(),
                    ),
                };
            }
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Outcome::Hang;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Outcome::Panic(e.to_string()),
        }
    }
}

fn first_error_line(text: &str) -> String {
    text.lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or(text.lines().next().unwrap_or(""))
        .trim_start_matches("error: ")
        .to_owned()
}

/// The cause of a diagnostic without the file and pointer, for grouping.
fn cause(detail: &str) -> String {
    let after_location = match detail.find(": ") {
        Some(i) if detail[..i].contains('#') || detail[..i].ends_with(".json") || detail[..i].ends_with(".yaml") => {
            &detail[i + 2..]
        }
        _ => detail,
    };
    let mut out = String::new();
    let mut in_quote = false;
    for c in after_location.chars() {
        match c {
            '`' => {
                in_quote = !in_quote;
                out.push_str(if in_quote { "`…" } else { "`" });
            }
            _ if in_quote => {}
            _ => out.push(c),
        }
    }
    out.chars().take(120).collect()
}

/// `work(0..count)` on `jobs` threads, printing `what` counts every two
/// seconds; the results in index order.
pub(crate) fn parallel<T: Send>(count: usize, jobs: usize, what: &str, work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let results: Mutex<Vec<(usize, T)>> = Mutex::new(Vec::with_capacity(count));
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::SeqCst);
                if index >= count {
                    break;
                }
                let result = work(index);
                results.lock().unwrap_or_else(|p| p.into_inner()).push((index, result));
                done.fetch_add(1, Ordering::SeqCst);
            });
        }
        let mut last_report = Instant::now();
        while done.load(Ordering::SeqCst) < count {
            std::thread::sleep(Duration::from_millis(100));
            if last_report.elapsed() >= Duration::from_secs(2) {
                eprintln!(
                    "  {what} {}/{count} ({:.0} s)",
                    done.load(Ordering::SeqCst),
                    started.elapsed().as_secs_f64()
                );
                last_report = Instant::now();
            }
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

pub fn run(root: &Path, options: &Options) -> Result<bool, String> {
    let (corpus, specs) = options.specs.read(root)?;
    let apigen = apigen_binary(root)?;
    let crates_dir = options.out.join("crates");
    std::fs::create_dir_all(&crates_dir).map_err(|e| e.to_string())?;

    eprintln!("generating {} specs with {} jobs", specs.len(), options.specs.jobs);
    let mut rows = parallel(specs.len(), options.specs.jobs, "generated", |index| {
        let spec = &specs[index];
        let crate_name = crate_name_for(index);
        let begin = Instant::now();
        let outcome = generate_one(
            &apigen,
            &corpus.join(spec),
            &crates_dir.join(&crate_name),
            &crate_name,
            options.strict,
            options.timeout,
        );
        Row { spec: spec.clone(), crate_name, outcome, seconds: begin.elapsed().as_secs_f64() }
    });
    rows.sort_by(|a, b| a.crate_name.cmp(&b.crate_name));

    if options.compile {
        compile(root, options, &mut rows)?;
    }
    write_report(options, &rows)?;
    let bad = rows.iter().filter(|r| matches!(r.outcome, Outcome::Panic(_) | Outcome::Hang)).count();
    let ok = rows.iter().filter(|r| r.outcome == Outcome::Ok).count();
    let share = if rows.is_empty() { 100.0 } else { 100.0 * ok as f64 / rows.len() as f64 };
    if share < options.min_ok {
        eprintln!("only {share:.1}% of the specs ended ok (at least {:.1}% required)", options.min_ok);
        return Ok(false);
    }
    Ok(bad == 0)
}

/// `cargo check --all-features --keep-going` (client and server) over
/// every generated crate in one workspace.
fn compile(root: &Path, options: &Options, rows: &mut [Row]) -> Result<(), String> {
    let members: Vec<String> = rows.iter().filter(|r| r.outcome == Outcome::Ok).map(|r| r.crate_name.clone()).collect();
    eprintln!("checking {} crates, all features (one workspace, --keep-going)", members.len());
    let errors = build_workspace(root, &options.out, &members, &["check", "--all-features"], options.specs.jobs)?;
    for row in rows.iter_mut().filter(|r| r.outcome == Outcome::Ok) {
        if let Some(error) = errors.get(&row.crate_name) {
            row.outcome = Outcome::CompileError(error.clone());
        }
    }
    Ok(())
}

/// Runs `cargo <command>` with `--keep-going` over the generated crates
/// `members` (folders of `out/crates/`) as one throwaway workspace in
/// `out`, printing counts as it goes; the first error of each crate that
/// failed, by crate name.
pub(crate) fn build_workspace(
    root: &Path,
    out: &Path,
    members: &[String],
    command: &[&str],
    jobs: usize,
) -> Result<BTreeMap<String, String>, String> {
    let mut errors: BTreeMap<String, String> = BTreeMap::new();
    if members.is_empty() {
        return Ok(errors);
    }
    let listed: Vec<String> = members.iter().map(|m| format!("\"crates/{m}\"")).collect();
    let manifest = format!("[workspace]\nresolver = \"2\"\nmembers = [{}]\n", listed.join(",\n  "));
    std::fs::write(out.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    let _ = std::fs::copy(root.join("Cargo.lock"), out.join("Cargo.lock"));
    let mut child = Command::new(env!("CARGO"))
        .current_dir(out)
        .args(command)
        .args(["--workspace", "--keep-going", "--message-format=json", "-j"])
        .arg(jobs.to_string())
        .env("CARGO_TARGET_DIR", out.join("target"))
        // Debug info is most of a build's output (about 55 GB for the
        // examples of the 808 dev specs) and nothing here reads it.
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut built = 0usize;
    let started = Instant::now();
    let mut last_report = Instant::now();
    for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)).map_while(Result::ok) {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
        let package = message["package_id"].as_str().unwrap_or_default();
        // `path+file:///…/crates/corpus-0042#0.1.0`: the folder names the crate.
        let folder = package.split('#').next().unwrap_or_default().rsplit('/').next().unwrap_or_default();
        if !members.iter().any(|m| m == folder) {
            continue;
        }
        match message["reason"].as_str() {
            Some("compiler-message") if message["message"]["level"] == "error" => {
                let text = message["message"]["message"].as_str().unwrap_or("error").to_owned();
                errors.entry(folder.to_owned()).or_insert(text);
            }
            Some("compiler-artifact") => built += 1,
            _ => {}
        }
        if last_report.elapsed() > Duration::from_secs(10) {
            eprintln!(
                "  {} {built} artifacts of {} crates, {} failed ({:.0} s)",
                command[0],
                members.len(),
                errors.len(),
                started.elapsed().as_secs_f64()
            );
            last_report = Instant::now();
        }
    }
    let _ = child.wait();
    Ok(errors)
}

fn write_report(options: &Options, rows: &[Row]) -> Result<(), String> {
    let total = rows.len();
    let count = |label: &str| rows.iter().filter(|r| r.outcome.label() == label).count();
    let percent = |n: usize| if total == 0 { 0.0 } else { 100.0 * n as f64 / total as f64 };
    let mut md = String::from("# Corpus report\n\n| outcome | specs | share |\n|---|---|---|\n");
    for label in ["ok", "compile-error", "diagnostic", "panic", "hang"] {
        let n = count(label);
        md.push_str(&format!("| {label} | {n} | {:.1}% |\n", percent(n)));
    }
    md.push_str(&format!("| total | {total} | |\n\n"));
    md.push_str(if options.compile {
        "`ok` means generated and passed `cargo check`.\n\n"
    } else {
        "`ok` means generated (no compile check).\n\n"
    });
    let mut groups: BTreeMap<(String, String), Vec<&Row>> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.outcome != Outcome::Ok) {
        groups.entry((row.outcome.label().to_owned(), cause(row.outcome.detail()))).or_default().push(row);
    }
    let mut grouped: Vec<_> = groups.into_iter().collect();
    grouped.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    md.push_str("## Failures by cause\n\n| outcome | cause | specs | examples |\n|---|---|---|---|\n");
    for ((label, cause), members) in &grouped {
        let examples: Vec<&str> = members.iter().take(3).map(|r| r.spec.as_str()).collect();
        md.push_str(&format!(
            "| {label} | {} | {} | {} |\n",
            cause.replace('|', "\\|"),
            members.len(),
            examples.join(", ")
        ));
    }
    let mut csv = String::from("spec,crate,outcome,seconds,detail\n");
    for row in rows {
        let detail = row.outcome.detail().replace('"', "\"\"");
        csv.push_str(&format!(
            "\"{}\",{},{},{:.3},\"{}\"\n",
            row.spec,
            row.crate_name,
            row.outcome.label(),
            row.seconds,
            detail
        ));
    }
    std::fs::write(options.out.join("report.md"), &md).map_err(|e| e.to_string())?;
    std::fs::write(options.out.join("report.csv"), csv).map_err(|e| e.to_string())?;
    println!("{md}");
    eprintln!("report: {} and report.csv", options.out.join("report.md").display());
    Ok(())
}
