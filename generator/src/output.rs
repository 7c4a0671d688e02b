//! The one place that touches the file system: writing a generated crate
//! atomically, and comparing one on disk with what would be generated.
//!
//! A generated crate's root holds the files the generator owns (its
//! `Cargo.toml`, `README.md` and everything under `src/`); anything else in
//! the root is left alone.

use crate::OutputFile;
use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Directories wholly owned by the generator: files in them that the
/// generator did not produce are orphans.
const OWNED_DIRS: &[&str] = &["src"];

/// Replaces the generated files under `root` with `files`.
///
/// Everything is first written to a staging directory beside the owned
/// ones, then moved into place by renames, so a failure while writing leaves
/// the previous tree as it was; orphaned files disappear with the old `src/`.
pub fn write_tree(root: &Path, files: &[OutputFile]) -> io::Result<()> {
    fs::create_dir_all(root)?;
    let staging = root.join(".apigen-staging");
    let old = root.join(".apigen-old");
    for dir in [&staging, &old] {
        if dir.exists() {
            fs::remove_dir_all(dir)?;
        }
    }
    for file in files {
        let path = staging.join(&file.path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&path, &file.contents)?;
    }
    fs::create_dir_all(&old)?;
    for dir in OWNED_DIRS {
        let (current, staged) = (root.join(dir), staging.join(dir));
        if current.exists() {
            fs::rename(&current, old.join(dir))?;
        }
        if staged.exists() {
            fs::rename(&staged, &current)?;
        }
    }
    for file in files.iter().filter(|f| !is_in_owned_dir(&f.path)) {
        fs::rename(staging.join(&file.path), root.join(&file.path))?;
    }
    fs::remove_dir_all(&staging)?;
    fs::remove_dir_all(&old)?;
    Ok(())
}

fn is_in_owned_dir(path: &str) -> bool {
    OWNED_DIRS
        .iter()
        .any(|d| path.strip_prefix(d).is_some_and(|rest| rest.starts_with('/')))
}

/// How a file on disk differs from the generated one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stale {
    /// The file should exist and does not.
    Missing(String),
    /// The file differs; with a short unified diff (disk → generated).
    Changed(String, String),
    /// The file is in a generated directory but is not generated.
    Orphan(String),
}

impl std::fmt::Display for Stale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stale::Missing(p) => write!(f, "missing: {p}"),
            Stale::Changed(p, diff) => write!(f, "stale:   {p}\n{diff}"),
            Stale::Orphan(p) => write!(f, "orphan:  {p} (not generated; would be deleted)"),
        }
    }
}

/// Compares the tree under `root` with `files`; changes nothing.
pub fn check_tree(root: &Path, files: &[OutputFile]) -> io::Result<Vec<Stale>> {
    let mut stale = Vec::new();
    for file in files {
        match fs::read_to_string(root.join(&file.path)) {
            Ok(on_disk) if on_disk == file.contents => {}
            Ok(on_disk) => stale.push(Stale::Changed(file.path.clone(), short_diff(&on_disk, &file.contents))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => stale.push(Stale::Missing(file.path.clone())),
            Err(e) => return Err(e),
        }
    }
    let expected: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for dir in OWNED_DIRS {
        for path in list_files(&root.join(dir))? {
            let relative = path
                .strip_prefix(root)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            if !expected.contains(relative.as_str()) {
                stale.push(Stale::Orphan(relative));
            }
        }
    }
    Ok(stale)
}

fn list_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(list_files(&path)?);
        } else {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// A unified diff of at most 20 lines.
fn short_diff(old: &str, new: &str) -> String {
    let diff = similar::TextDiff::from_lines(old, new);
    let text = diff.unified_diff().context_radius(1).header("on disk", "generated").to_string();
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = lines.iter().take(20).map(|l| format!("    {l}")).collect();
    if lines.len() > 20 {
        out.push(format!("    ... ({} more diff lines)", lines.len() - 20));
    }
    out.join("\n")
}
