//! Snapshot files, in insta's `.snap` format so `cargo insta review` and the CLI share them.

use std::path::{Path, PathBuf};

/// What `tests/scenarios.rs` records as the snapshot's source, so files match what insta writes.
const HEADER: &str = "---\nsource: tests/scenarios.rs\nexpression: transcript\n---\n";

/// The snapshot name for a scenario file: its path under the scenarios root, `/` → `__`,
/// without the extension: `delete-while-shared/refused.yaml` → `delete-while-shared__refused`.
pub fn name_for(scenario: &Path, root: &Path) -> String {
    let rel = scenario.strip_prefix(root).unwrap_or(scenario);
    let stem = rel.with_extension("");
    stem.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("__")
}

pub fn path_for(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.snap"))
}

/// The contents of a snapshot file (without insta's metadata header), if it exists.
pub fn read(dir: &Path, name: &str) -> std::io::Result<Option<String>> {
    match std::fs::read_to_string(path_for(dir, name)) {
        Ok(text) => Ok(Some(contents(&text))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Strips insta's `---` metadata block.
pub fn contents(text: &str) -> String {
    let body = match text.strip_prefix("---\n").and_then(|rest| rest.split_once("\n---\n")) {
        Some((_, body)) => body,
        None => text,
    };
    body.trim_end().to_string() + "\n"
}

pub fn write(dir: &Path, name: &str, transcript: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(path_for(dir, name), format!("{HEADER}{}\n", transcript.trim_end()))
}

/// A unified diff of stored vs new, for humans.
pub fn diff(old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new).unified_diff().context_radius(2).header("snapshot", "this run").to_string()
}
