//! `sharesim review`: accept or reject the transcripts `sharesim run` left for review as
//! `<name>.snap.new` beside each snapshot, without cargo-insta (which reads the same files).

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use super::snapshot;

/// A transcript waiting for review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The snapshot name, e.g. `copy__owner-copy`.
    pub name: String,
    /// The `.snap.new` file.
    pub path: PathBuf,
    /// The `.snap` it becomes when accepted (it may not exist yet).
    pub snapshot: PathBuf,
}

impl Pending {
    /// Whether there is no reviewed snapshot yet (a new scenario).
    pub fn is_new(&self) -> bool {
        !self.snapshot.exists()
    }

    /// The reviewed snapshot against the pending one, as a unified diff (coloured when asked).
    pub fn diff(&self, color: bool) -> std::io::Result<String> {
        let old = snapshot::read_file(&self.snapshot)?;
        let new = snapshot::read_file(&self.path)?.ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotFound, format!("{} is gone", self.path.display()))
        })?;
        let old_label = match old {
            Some(_) => self.snapshot.display().to_string(),
            None => "(no snapshot yet)".to_string(),
        };
        let text =
            snapshot::diff_between(old.as_deref().unwrap_or(""), &new, &old_label, &self.path.display().to_string());
        Ok(if color { colorize(&text) } else { text })
    }
}

/// Every pending snapshot in `dir`, by name; none when `dir` does not exist.
pub fn pending(dir: &Path) -> std::io::Result<Vec<Pending>> {
    let mut out: Vec<Pending> = snapshot::files(dir)?
        .into_iter()
        .filter_map(|(file, path)| {
            let name = file.strip_suffix(snapshot::PENDING).filter(|n| !n.is_empty())?;
            Some(Pending { name: name.to_string(), snapshot: snapshot::path_for(dir, name), path })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Makes the pending transcript the reviewed snapshot: the `.snap.new` is renamed over the
/// `.snap` (atomically: a reader sees the old snapshot or the new one). One that insta wrote
/// carries an `assertion_line` that insta drops when it accepts; it is dropped here too, so the
/// `.snap` is byte for byte what `run --update-snapshots` and `cargo insta review` write.
pub fn accept(p: &Pending) -> std::io::Result<()> {
    let text = std::fs::read_to_string(&p.path)?;
    let canonical = snapshot::file_text(&snapshot::contents(&text));
    if text != canonical {
        snapshot::write_atomically(&p.path, &canonical)?;
    }
    std::fs::rename(&p.path, &p.snapshot)
}

/// Throws the pending transcript away; the reviewed snapshot (if any) stays as it is.
pub fn reject(p: &Pending) -> std::io::Result<()> {
    std::fs::remove_file(&p.path)
}

/// The pending snapshots `names` mean (all of them when `names` is empty). A name may be the
/// snapshot name, its `.snap` or `.snap.new` file name, or a path to either. A name that is not
/// pending is an error, so a typo never passes for "nothing to do".
pub fn select(all: Vec<Pending>, names: &[String]) -> Result<Vec<Pending>, String> {
    if names.is_empty() {
        return Ok(all);
    }
    let wanted: Vec<String> = names
        .iter()
        .map(|n| {
            let file = Path::new(n).file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| n.clone());
            let stem = file.strip_suffix(snapshot::PENDING).or_else(|| file.strip_suffix(".snap")).unwrap_or(&file);
            stem.to_string()
        })
        .collect();
    let unknown: Vec<&String> =
        names.iter().zip(&wanted).filter(|(_, w)| !all.iter().any(|p| &p.name == *w)).map(|(n, _)| n).collect();
    if !unknown.is_empty() {
        let list = unknown.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
        let known = if all.is_empty() {
            "nothing is pending".to_string()
        } else {
            format!("pending: {}", all.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", "))
        };
        return Err(format!("not pending review: {list} ({known})"));
    }
    Ok(all.into_iter().filter(|p| wanted.contains(&p.name)).collect())
}

/// Colours a unified diff for a terminal: removed lines red, added green, hunk heads cyan.
pub fn colorize(diff: &str) -> String {
    let mut out = String::with_capacity(diff.len() + diff.len() / 4);
    for line in diff.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let code = if body.starts_with("---") || body.starts_with("+++") {
            "1"
        } else if body.starts_with("@@") {
            "36"
        } else if body.starts_with('-') {
            "31"
        } else if body.starts_with('+') {
            "32"
        } else {
            ""
        };
        if code.is_empty() {
            out.push_str(line);
        } else {
            out.push_str(&format!("\x1b[{code}m{body}\x1b[0m{nl}"));
        }
    }
    out
}

/// What to do with every selected pending snapshot, without asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Accept,
    Reject,
}

/// What `sharesim review` was asked to do.
#[derive(Debug, Clone)]
pub struct ReviewOptions {
    /// The snapshots directory.
    pub dir: PathBuf,
    /// Only these (see [`select`]); all when empty.
    pub names: Vec<String>,
    /// `--accept` or `--reject`; `None` asks, or lists when there is no terminal.
    pub decision: Option<Decision>,
    /// Whether there is a person to ask (stdin and stdout are a terminal).
    pub interactive: bool,
    /// Whether diffs are coloured.
    pub color: bool,
}

fn act(p: &Pending, d: Decision, out: &mut dyn Write, err: &mut dyn Write) -> bool {
    let result = match d {
        Decision::Accept => accept(p),
        Decision::Reject => reject(p),
    };
    match (result, d) {
        (Ok(()), Decision::Accept) => {
            let _ = writeln!(out, "accepted {}: {} is now {}", p.name, p.path.display(), p.snapshot.display());
            true
        }
        (Ok(()), Decision::Reject) => {
            let kept = if p.is_new() { "no snapshot yet" } else { "the reviewed snapshot stays" };
            let _ = writeln!(out, "rejected {}: deleted {} ({kept})", p.name, p.path.display());
            true
        }
        (Err(e), _) => {
            let verb = if d == Decision::Accept { "accept" } else { "reject" };
            let _ = writeln!(err, "error: cannot {verb} {}: {e}", p.path.display());
            false
        }
    }
}

fn show(p: &Pending, color: bool, out: &mut dyn Write) -> std::io::Result<()> {
    let what = if p.is_new() { "new snapshot" } else { "changed snapshot" };
    writeln!(out, "{} ({what})", p.name)?;
    write!(out, "{}", p.diff(color)?)
}

/// Runs `sharesim review`; returns its exit code: 0 when nothing asked about is left pending,
/// 1 when some are (skipped, or no terminal to ask on and no `--accept` / `--reject`), 2 on an
/// error (a name not pending, a file that cannot be read, renamed or deleted).
pub fn review(opts: &ReviewOptions, input: &mut dyn BufRead, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let dir = opts.dir.display();
    let all = match pending(&opts.dir) {
        Ok(all) => all,
        Err(e) => {
            let _ = writeln!(err, "error: cannot read {dir}: {e}");
            return 2;
        }
    };
    if all.is_empty() && opts.names.is_empty() {
        let _ = writeln!(out, "no snapshots pending review in {dir}");
        return 0;
    }
    let total = all.len();
    let chosen = match select(all, &opts.names) {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return 2;
        }
    };
    let others = total - chosen.len();
    let mut code = 0;
    let mut left = 0;
    match opts.decision {
        Some(d) => {
            for p in &chosen {
                if !act(p, d, out, err) {
                    code = 2;
                }
            }
        }
        None if !opts.interactive => {
            let _ = writeln!(out, "{} snapshot(s) pending review in {dir}:", chosen.len());
            for p in &chosen {
                let _ = writeln!(out);
                if let Err(e) = show(p, opts.color, out) {
                    let _ = writeln!(err, "error: cannot read {}: {e}", p.path.display());
                    code = 2;
                }
            }
            let _ = writeln!(
                err,
                "error: no terminal to ask on: run `sharesim review --accept` or `sharesim review --reject` \
                 (all pending, or name some), or `sharesim review` in a terminal"
            );
            return if code == 2 { 2 } else { 1 };
        }
        None => {
            let n = chosen.len();
            let mut quit = false;
            for (i, p) in chosen.iter().enumerate() {
                if quit {
                    left += 1;
                    continue;
                }
                let _ = write!(out, "\n[{}/{n}] ", i + 1);
                if let Err(e) = show(p, opts.color, out) {
                    let _ = writeln!(err, "error: cannot read {}: {e}", p.path.display());
                    code = 2;
                    continue;
                }
                loop {
                    let _ = write!(out, "a(ccept), r(eject), s(kip) or q(uit)? ");
                    let _ = out.flush();
                    let mut line = String::new();
                    match input.read_line(&mut line) {
                        Ok(0) | Err(_) => {
                            let _ = writeln!(out);
                            quit = true;
                            left += 1;
                            break;
                        }
                        Ok(_) => {}
                    }
                    match line.trim().to_ascii_lowercase().as_str() {
                        "a" | "accept" => {
                            if !act(p, Decision::Accept, out, err) {
                                code = 2;
                            }
                        }
                        "r" | "reject" => {
                            if !act(p, Decision::Reject, out, err) {
                                code = 2;
                            }
                        }
                        "s" | "skip" => {
                            let _ = writeln!(out, "skipped {}: still pending", p.name);
                            left += 1;
                        }
                        "q" | "quit" => {
                            quit = true;
                            left += 1;
                        }
                        _ => continue,
                    }
                    break;
                }
            }
        }
    }
    if left > 0 {
        let _ = writeln!(out, "{left} snapshot(s) still pending review: run `sharesim review` again to decide");
    }
    if others > 0 {
        let _ = writeln!(out, "{others} other snapshot(s) pending review in {dir}");
    }
    if code == 0 && left > 0 { 1 } else { code }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("sharesim-review-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A library with one changed snapshot (`a`) and one new one (`b`).
    fn two_pending(tag: &str) -> PathBuf {
        let dir = scratch(tag);
        snapshot::write(&dir, "a", "scenario: a\nold line\n").unwrap();
        snapshot::write_pending(&dir, "a", "scenario: a\nnew line\n").unwrap();
        snapshot::write_pending(&dir, "b", "scenario: b\n").unwrap();
        dir
    }

    fn opts(dir: &Path, decision: Option<Decision>, interactive: bool) -> ReviewOptions {
        ReviewOptions { dir: dir.to_path_buf(), names: Vec::new(), decision, interactive, color: false }
    }

    fn drive(o: &ReviewOptions, input: &str) -> (u8, String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = review(o, &mut input.as_bytes(), &mut out, &mut err);
        (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
    }

    #[test]
    fn lists_pending_snapshots_by_name_and_shows_old_against_new() {
        let dir = two_pending("list");
        std::fs::write(dir.join(".a.snap.new.tmp-9"), "").unwrap();
        let found = pending(&dir).unwrap();
        assert_eq!(found.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert!(!found[0].is_new() && found[1].is_new());
        let diff = found[0].diff(false).unwrap();
        assert!(diff.contains("-old line\n") && diff.contains("+new line\n"), "{diff}");
        assert!(diff.contains(&format!("--- {}", dir.join("a.snap").display())), "{diff}");
        let diff = found[1].diff(false).unwrap();
        assert!(diff.contains("--- (no snapshot yet)") && diff.contains("+scenario: b"), "{diff}");
        assert!(pending(&dir.join("missing")).unwrap().is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn accepting_renames_over_the_snapshot_and_drops_insta_only_metadata() {
        let dir = scratch("accept");
        // As insta writes a pending snapshot: with the assertion's line.
        std::fs::write(
            dir.join("c.snap.new"),
            "---\nsource: tests/scenarios.rs\nassertion_line: 29\nexpression: transcript\n---\nscenario: c\n",
        )
        .unwrap();
        let p = pending(&dir).unwrap().remove(0);
        accept(&p).unwrap();
        assert!(!p.path.exists());
        assert_eq!(std::fs::read_to_string(&p.snapshot).unwrap(), snapshot::file_text("scenario: c\n"));
        snapshot::write_pending(&dir, "c", "scenario: c2\n").unwrap();
        reject(&pending(&dir).unwrap()[0]).unwrap();
        assert!(pending(&dir).unwrap().is_empty());
        assert_eq!(std::fs::read_to_string(&p.snapshot).unwrap(), snapshot::file_text("scenario: c\n"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn names_select_by_name_file_or_path_and_a_typo_is_an_error() {
        let dir = two_pending("select");
        let all = pending(&dir).unwrap();
        for name in ["b", "b.snap", "b.snap.new", "snapshots/b.snap.new"] {
            let got = select(all.clone(), &[name.to_string()]).unwrap();
            assert_eq!(got.len(), 1, "{name}");
            assert_eq!(got[0].name, "b");
        }
        assert_eq!(select(all.clone(), &[]).unwrap().len(), 2);
        let e = select(all, &["bb".to_string()]).unwrap_err();
        assert!(e.contains("`bb`") && e.contains("pending: a, b"), "{e}");
        assert!(select(Vec::new(), &["a".to_string()]).unwrap_err().contains("nothing is pending"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn asks_for_each_and_acts_on_the_answer() {
        let dir = two_pending("ask");
        // A wrong answer is asked again; an empty line accepts nothing.
        let (code, out, _) = drive(&opts(&dir, None, true), "x\n\na\ns\n");
        assert_eq!(code, 1, "one skipped stays pending: {out}");
        assert!(out.contains("[1/2]") && out.contains("a (changed snapshot)") && out.contains("+new line"), "{out}");
        assert_eq!(out.matches("a(ccept), r(eject), s(kip) or q(uit)?").count(), 4, "{out}");
        assert!(out.contains("accepted a") && out.contains("skipped b") && out.contains("1 snapshot(s) still pending"));
        assert_eq!(snapshot::read(&dir, "a").unwrap().as_deref(), Some("scenario: a\nnew line\n"));
        let (code, out, _) = drive(&opts(&dir, None, true), "r\n");
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("rejected b") && pending(&dir).unwrap().is_empty(), "{out}");
        assert!(!snapshot::path_for(&dir, "b").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn end_of_input_stops_asking_and_leaves_the_rest_pending() {
        let dir = two_pending("eof");
        let (code, out, _) = drive(&opts(&dir, None, true), "");
        assert_eq!(code, 1);
        assert!(out.contains("2 snapshot(s) still pending"), "{out}");
        assert_eq!(pending(&dir).unwrap().len(), 2);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn without_a_terminal_it_lists_and_exits_1_without_reading_input() {
        let dir = two_pending("batch");
        let (code, out, err) = drive(&opts(&dir, None, false), "a\na\n");
        assert_eq!(code, 1);
        assert!(out.contains("2 snapshot(s) pending review") && out.contains("+new line"), "{out}");
        assert!(err.contains("sharesim review --accept"), "{err}");
        assert_eq!(pending(&dir).unwrap().len(), 2, "nothing was accepted");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn flags_act_on_the_named_ones_or_all() {
        let dir = two_pending("flags");
        let mut o = opts(&dir, Some(Decision::Reject), false);
        o.names = vec!["b".into()];
        let (code, out, _) = drive(&o, "");
        assert_eq!(code, 0);
        assert!(out.contains("rejected b") && out.contains("1 other snapshot(s) pending"), "{out}");
        let (code, out, _) = drive(&opts(&dir, Some(Decision::Accept), false), "");
        assert_eq!(code, 0);
        assert!(out.contains("accepted a"), "{out}");
        let (code, out, _) = drive(&opts(&dir, Some(Decision::Accept), false), "");
        assert_eq!(code, 0);
        assert!(out.contains("no snapshots pending review"), "{out}");
        let mut o = opts(&dir, Some(Decision::Accept), false);
        o.names = vec!["a".into()];
        let (code, _, err) = drive(&o, "");
        assert_eq!(code, 2, "a name not pending is an error");
        assert!(err.contains("not pending review: `a`"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn colour_marks_removed_and_added_lines() {
        let c = colorize("--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n same\n");
        assert!(c.contains("\x1b[31m-old\x1b[0m\n") && c.contains("\x1b[32m+new\x1b[0m\n"), "{c:?}");
        assert!(c.contains("\x1b[1m--- a\x1b[0m") && c.ends_with(" same\n"), "{c:?}");
    }
}
