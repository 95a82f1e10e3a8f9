//! Snapshot files, in insta's `.snap` format so `cargo insta review` and the CLI share them.
//!
//! A transcript that differs from its snapshot, or has none yet, is written beside it as
//! `<name>.snap.new` (insta's pending snapshot) until someone accepts or rejects it with
//! `sharesim review` or `cargo insta review`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What `tests/scenarios.rs` records as the snapshot's source, so files match what insta writes.
const HEADER: &str = "---\nsource: tests/scenarios.rs\nexpression: transcript\n---\n";

/// The extension of a pending snapshot, as insta names it.
pub const PENDING: &str = ".snap.new";

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

/// Where a transcript waiting for review is kept: beside the snapshot, as insta keeps it.
pub fn pending_path_for(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}{PENDING}"))
}

/// The contents of a snapshot file (without insta's metadata header), if it exists.
pub fn read(dir: &Path, name: &str) -> std::io::Result<Option<String>> {
    read_file(&path_for(dir, name))
}

/// The contents of any snapshot file (`.snap` or `.snap.new`), if it exists.
pub fn read_file(path: &Path) -> std::io::Result<Option<String>> {
    match std::fs::read_to_string(path) {
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

/// The whole file for a transcript, byte for byte what insta writes when it accepts one: its
/// metadata header, the text without trailing whitespace, one newline.
pub fn file_text(transcript: &str) -> String {
    format!("{HEADER}{}\n", transcript.trim_end())
}

/// Writes `text` to `path` whole or not at all: a reader (`cargo insta review`, a second run)
/// never sees half a file. The temporary file is hidden, so neither tool takes it for a
/// snapshot.
pub(crate) fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Writes the reviewed snapshot (`--update-snapshots`); a pending one for it is now stale.
pub fn write(dir: &Path, name: &str, transcript: &str) -> std::io::Result<()> {
    write_atomically(&path_for(dir, name), &file_text(transcript))?;
    remove_pending(dir, name).map(|_| ())
}

/// Writes `<name>.snap.new` for review, in the same format as the `.snap` it would become, and
/// returns its path.
pub fn write_pending(dir: &Path, name: &str, transcript: &str) -> std::io::Result<PathBuf> {
    let path = pending_path_for(dir, name);
    write_atomically(&path, &file_text(transcript))?;
    Ok(path)
}

/// Removes a pending snapshot if there is one; says whether there was.
pub fn remove_pending(dir: &Path, name: &str) -> std::io::Result<bool> {
    match std::fs::remove_file(pending_path_for(dir, name)) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Snapshot files in `dir` (`.snap`, and pending `.snap.new`) whose name is not in `names`:
/// left behind when a scenario was renamed or deleted. Sorted; none when `dir` is missing.
pub fn unreferenced(dir: &Path, names: &BTreeSet<String>) -> std::io::Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = files(dir)?
        .into_iter()
        .filter(|(file, _)| {
            let stem = file.strip_suffix(PENDING).or_else(|| file.strip_suffix(".snap"));
            stem.is_some_and(|s| !names.contains(s))
        })
        .map(|(_, path)| path)
        .collect();
    out.sort();
    Ok(out)
}

/// The plain files of `dir` that are not hidden, by file name; none when `dir` is missing
/// (no snapshot written yet).
pub fn files(dir: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for entry in entries {
        let path = entry?.path();
        let Some(file) = path.file_name().and_then(|n| n.to_str()) else { continue };
        if file.starts_with('.') || !path.is_file() {
            continue;
        }
        out.push((file.to_string(), path));
    }
    Ok(out)
}

/// A unified diff of stored vs new, for humans.
pub fn diff(old: &str, new: &str) -> String {
    diff_between(old, new, "snapshot", "this run")
}

/// A unified diff with its `---` / `+++` lines naming the two sides.
pub fn diff_between(old: &str, new: &str, old_label: &str, new_label: &str) -> String {
    similar::TextDiff::from_lines(old, new).unified_diff().context_radius(2).header(old_label, new_label).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("sharesim-snapshot-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn a_pending_snapshot_is_the_snap_it_would_become_and_a_write_clears_it() {
        let dir = scratch("pending");
        let path = write_pending(&dir, "topic__case", "scenario: x\n\n== a\n  ok\n\n").unwrap();
        assert_eq!(path, dir.join("topic__case.snap.new"));
        let pending = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            pending,
            "---\nsource: tests/scenarios.rs\nexpression: transcript\n---\nscenario: x\n\n== a\n  ok\n"
        );
        assert_eq!(read_file(&path).unwrap().as_deref(), Some("scenario: x\n\n== a\n  ok\n"));
        write(&dir, "topic__case", "scenario: x\n\n== a\n  ok\n").unwrap();
        assert_eq!(std::fs::read_to_string(path_for(&dir, "topic__case")).unwrap(), pending);
        assert!(!path.exists(), "writing the snapshot removes the stale pending one");
        assert!(!remove_pending(&dir, "topic__case").unwrap());
        let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers, ["topic__case.snap"], "no temporary file is left behind");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn unreferenced_names_snap_and_snap_new_files_without_a_scenario() {
        let dir = scratch("unreferenced");
        assert!(unreferenced(&dir, &BTreeSet::new()).unwrap().is_empty(), "no directory, nothing to report");
        std::fs::create_dir_all(&dir).unwrap();
        for f in ["kept.snap", "kept.snap.new", "gone.snap", "gone2.snap.new", "README.md", ".x.snap.new.tmp-1"] {
            std::fs::write(dir.join(f), "").unwrap();
        }
        let names: BTreeSet<String> = ["kept".to_string()].into();
        let found = unreferenced(&dir, &names).unwrap();
        assert_eq!(found, [dir.join("gone.snap"), dir.join("gone2.snap.new")]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn contents_strips_any_insta_metadata() {
        let insta = "---\nsource: tests/scenarios.rs\nassertion_line: 29\nexpression: transcript\n---\nbody\n";
        assert_eq!(contents(insta), "body\n");
        assert_eq!(file_text(&contents(insta)), "---\nsource: tests/scenarios.rs\nexpression: transcript\n---\nbody\n");
    }
}
