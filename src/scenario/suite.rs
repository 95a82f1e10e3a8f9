//! Running a set of scenario files: find them, load them, run each on its providers, and compare
//! each transcript with its reviewed snapshot.

use std::path::{Path, PathBuf};

use super::load::ScenarioError;
use super::model::Scenario;
use super::run::{ProviderRun, run};
use super::{snapshot, transcript};
use crate::providers::Provider;

/// What `sharesim run` was asked to do.
#[derive(Debug, Clone)]
pub struct SuiteOptions {
    /// Files or directories; directories are searched for `*.yaml` / `*.yml`.
    pub paths: Vec<PathBuf>,
    /// Only these providers (default: each scenario's own list).
    pub providers: Vec<Provider>,
    /// Only scenarios whose snapshot name or scenario name contains this.
    pub filter: Option<String>,
    pub snapshots: PathBuf,
    /// Write snapshots instead of comparing (review the change with `git diff`).
    pub update: bool,
    /// The front door the steps go through.
    pub via: Via,
    /// Only this shard of the selected scenarios (`--partition count:K/N` or `hash:K/N`).
    pub partition: Option<Partition>,
}

/// A deterministic share of the library for one of N CI machines, in nextest's syntax:
/// `count:K/N` takes every N-th selected scenario from the K-th (balanced, but a scenario
/// moves when one is added before it); `hash:K/N` takes those whose snapshot name hashes to
/// K (a scenario stays on its machine whatever is added).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    Count { shard: u64, of: u64 },
    Hash { shard: u64, of: u64 },
}

impl Partition {
    /// Parses `count:K/N` or `hash:K/N` (1 ≤ K ≤ N).
    pub fn parse(s: &str) -> Result<Partition, String> {
        let bad =
            || format!("`{s}` is not a partition: write count:K/N or hash:K/N, with 1 <= K <= N (e.g. count:1/3)");
        let (kind, rest) = s.split_once(':').ok_or_else(bad)?;
        let (k, n) = rest.split_once('/').ok_or_else(bad)?;
        let (shard, of) = (k.trim().parse::<u64>().map_err(|_| bad())?, n.trim().parse::<u64>().map_err(|_| bad())?);
        if shard == 0 || of == 0 || shard > of {
            return Err(bad());
        }
        match kind {
            "count" => Ok(Partition::Count { shard, of }),
            "hash" => Ok(Partition::Hash { shard, of }),
            _ => Err(bad()),
        }
    }

    /// Whether the `index`-th selected scenario (0-based), named `id`, is this shard's.
    pub fn takes(self, index: u64, id: &str) -> bool {
        match self {
            Partition::Count { shard, of } => index % of == shard - 1,
            Partition::Hash { shard, of } => crate::ids::stable_hash(&[id]) % of == shard - 1,
        }
    }
}

/// How steps reach the engine. Both give the same transcripts; that is what `--via http` tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    /// Straight into the engine.
    #[default]
    InProcess,
    /// Through each provider's HTTP API on a server started in process, signed as its SDK signs.
    Http,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum SnapshotStatus {
    Matches,
    Differs { diff: String },
    Missing,
    Written,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ScenarioResult {
    pub file: String,
    /// Snapshot name, e.g. `delete-while-shared__refused`.
    pub id: String,
    #[serde(skip)]
    pub scenario: Scenario,
    pub name: String,
    pub runs: Vec<ProviderRun>,
    pub snapshot: SnapshotStatus,
    /// The `.snap.new` this run wrote for review (a full transcript that differs or is new).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending: Option<String>,
}

impl ScenarioResult {
    pub fn passed(&self) -> bool {
        self.runs.iter().all(|r| r.broken().next().is_none())
            && matches!(self.snapshot, SnapshotStatus::Matches | SnapshotStatus::Written)
    }
}

#[cfg(test)]
mod partition_tests {
    use super::Partition;

    #[test]
    fn shards_cover_the_library_once_and_bad_ones_are_refused() {
        let ids: Vec<String> = (0..50).map(|i| format!("topic__scenario-{i}")).collect();
        for kind in ["count", "hash"] {
            let mut seen = vec![0; ids.len()];
            for k in 1..=3 {
                let p = Partition::parse(&format!("{kind}:{k}/3")).unwrap();
                for (i, id) in ids.iter().enumerate() {
                    if p.takes(i as u64, id) {
                        seen[i] += 1;
                    }
                }
            }
            assert!(seen.iter().all(|&n| n == 1), "{kind}: every scenario on exactly one shard");
        }
        for bad in ["count:0/3", "count:4/3", "hash:1/0", "slice:1/3", "count:1", "count:a/b", ""] {
            assert!(Partition::parse(bad).is_err(), "{bad}");
        }
    }
}

#[derive(Debug, Default)]
pub struct SuiteReport {
    pub results: Vec<ScenarioResult>,
    pub invalid: Vec<ScenarioError>,
    /// Snapshots no scenario refers to, when [`SuiteReport::check_unreferenced`] looked.
    pub unreferenced: Option<UnreferencedCheck>,
    /// The snapshot name of every scenario file the run found, valid or not; `None` when the
    /// paths could not be walked (then nothing may be called unreferenced, let alone deleted).
    pub discovered: Option<std::collections::BTreeSet<String>>,
}

impl SuiteReport {
    /// 2 for invalid input; 1 for broken expectations, snapshot differences or missing
    /// snapshots, or unreferenced snapshots under `--unreferenced reject`; 0 otherwise.
    pub fn exit_code(&self) -> u8 {
        let rejected =
            self.unreferenced.as_ref().is_some_and(|u| u.mode == Unreferenced::Reject && !u.files.is_empty());
        if !self.invalid.is_empty() {
            2
        } else if self.results.iter().all(ScenarioResult::passed) && !rejected {
            0
        } else {
            1
        }
    }

    /// The `.snap.new` files this run wrote for review.
    pub fn pending(&self) -> impl Iterator<Item = &str> {
        self.results.iter().filter_map(|r| r.pending.as_deref())
    }

    /// `N snapshots pending review: …`, or nothing when this run wrote none.
    pub fn pending_note(&self) -> Option<String> {
        match self.pending().count() {
            0 => None,
            n => Some(format!(
                "{n} snapshot{} pending review: run `sharesim review` (or `cargo insta review`)",
                if n == 1 { "" } else { "s" }
            )),
        }
    }

    /// Looks for snapshots no scenario refers to (of those this run discovered), and does with
    /// them what `mode` says. Only on a run of the whole library (see [`whole_library`]);
    /// returns whether it looked.
    pub fn check_unreferenced(&mut self, opts: &SuiteOptions, mode: Unreferenced) -> bool {
        let Some(discovered) = self.discovered.as_ref().filter(|_| mode != Unreferenced::Ignore && whole_library(opts))
        else {
            return false;
        };
        let mut found = match snapshot::unreferenced(&opts.snapshots, discovered) {
            Ok(found) => found,
            Err(e) => {
                let shown = opts.snapshots.display().to_string();
                self.invalid.push(ScenarioError::io(&shown, format!("cannot read the snapshots directory: {e}")));
                return false;
            }
        };
        if mode == Unreferenced::Delete {
            found.retain(|f| match std::fs::remove_file(f) {
                Ok(()) => true,
                Err(e) => {
                    let shown = f.display().to_string();
                    self.invalid.push(ScenarioError::io(&shown, format!("cannot delete unreferenced snapshot: {e}")));
                    false
                }
            });
        }
        self.unreferenced = Some(UnreferencedCheck { mode, files: found });
        true
    }
}

/// What `run --unreferenced` does with a snapshot no scenario refers to (insta's flag of the
/// same name and values).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unreferenced {
    /// Name it on stderr; the run's outcome does not change.
    #[default]
    Warn,
    /// Name it and fail the run (exit 1).
    Reject,
    /// Delete it and say so.
    Delete,
    /// Do not look.
    Ignore,
}

/// The snapshot files found with no scenario, and what was done with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreferencedCheck {
    pub mode: Unreferenced,
    /// Deleted ones, under [`Unreferenced::Delete`].
    pub files: Vec<PathBuf>,
}

impl UnreferencedCheck {
    /// One line per file, for stderr.
    pub fn messages(&self) -> Vec<String> {
        self.files
            .iter()
            .map(|f| {
                let f = f.display();
                match self.mode {
                    Unreferenced::Delete => format!("deleted {f}: no scenario refers to it"),
                    Unreferenced::Reject => format!(
                        "error: {f}: no scenario refers to this snapshot (delete it, or run with --unreferenced delete)"
                    ),
                    _ => format!(
                        "warning: {f}: no scenario refers to this snapshot (delete it, or run with --unreferenced delete)"
                    ),
                }
            })
            .collect()
    }
}

/// Whether `opts` runs the whole library, so that a snapshot no scenario of the run refers to
/// is one no scenario at all refers to: a scenarios root given as a path (not a directory or
/// file below it), and no `--filter`, `--partition` or `--provider` narrowing the run.
pub fn whole_library(opts: &SuiteOptions) -> bool {
    opts.filter.is_none()
        && opts.partition.is_none()
        && opts.providers.is_empty()
        && opts.paths.iter().any(|p| p.is_dir() && root_of(p) == *p)
}

/// The directory that snapshot names are relative to: the nearest ancestor called `scenarios`,
/// so `sharesim run scenarios/limits` names snapshots the same as a full run.
fn root_of(path: &Path) -> PathBuf {
    let dir = if path.is_dir() { path.to_path_buf() } else { path.parent().map(Path::to_path_buf).unwrap_or_default() };
    dir.ancestors().find(|a| a.file_name().is_some_and(|n| n == "scenarios")).map(Path::to_path_buf).unwrap_or(dir)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(p);
        }
    }
    Ok(())
}

/// Every scenario file under `paths`, each with the root its snapshot name is relative to.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<(PathBuf, PathBuf)>, ScenarioError> {
    let mut out = Vec::new();
    for p in paths {
        let root = root_of(p);
        if p.is_dir() {
            let mut files = Vec::new();
            walk(p, &mut files)
                .map_err(|e| ScenarioError::io(&p.display().to_string(), format!("cannot read directory: {e}")))?;
            out.extend(files.into_iter().map(|f| (f, root.clone())));
        } else if p.is_file() {
            out.push((p.clone(), root));
        } else {
            return Err(ScenarioError::io(&p.display().to_string(), "no such file or directory".into()));
        }
    }
    Ok(out)
}

/// Reads and checks one scenario file.
pub fn load_file(path: &Path) -> Result<Scenario, ScenarioError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| ScenarioError::io(&shown, format!("cannot read: {e}")))?;
    super::load::parse_bytes(&shown, &bytes)
}

/// The providers a scenario runs on, narrowed by the command line.
pub fn providers_for(s: &Scenario, only: &[Provider]) -> Vec<Provider> {
    s.providers.iter().copied().filter(|p| only.is_empty() || only.contains(p)).collect()
}

/// Runs a loaded scenario on `providers` and renders its transcript.
pub fn run_scenario(
    s: &Scenario,
    providers: &[Provider],
    via: Via,
) -> Result<(Vec<ProviderRun>, String), ScenarioError> {
    let mut runs = Vec::new();
    for &p in providers {
        let started = std::time::Instant::now();
        let one = match via {
            Via::InProcess => run(s, p),
            Via::Http => super::via_http::run(s, p),
        };
        let mut one = one.map_err(|e| ScenarioError::io(&s.path, e.to_string()))?;
        one.elapsed = started.elapsed();
        runs.push(one);
    }
    let text = transcript::transcript(s, &runs);
    Ok((runs, text))
}

/// Runs everything `opts` names. `progress` is told each scenario as it starts.
pub fn run_suite(opts: &SuiteOptions, mut progress: impl FnMut(usize, usize, &str)) -> SuiteReport {
    let mut report = SuiteReport::default();
    let files = match discover(&opts.paths) {
        Ok(f) => f,
        Err(e) => {
            report.invalid.push(e);
            return report;
        }
    };
    let total = files.len();
    report.discovered = Some(files.iter().map(|(f, root)| snapshot::name_for(f, root)).collect());
    let mut selected = 0u64;
    for (i, (file, root)) in files.iter().enumerate() {
        let id = snapshot::name_for(file, root);
        progress(i, total, &id);
        let s = match load_file(file) {
            Ok(s) => s,
            Err(e) => {
                report.invalid.push(e);
                continue;
            }
        };
        if let Some(f) = &opts.filter
            && !id.contains(f.as_str())
            && !s.name.contains(f.as_str())
        {
            continue;
        }
        let providers = providers_for(&s, &opts.providers);
        if providers.is_empty() {
            continue;
        }
        let index = selected;
        selected += 1;
        if opts.partition.is_some_and(|p| !p.takes(index, &id)) {
            continue;
        }
        let (runs, text) = match run_scenario(&s, &providers, opts.via) {
            Ok(r) => r,
            Err(e) => {
                report.invalid.push(e);
                continue;
            }
        };
        // A run on some of the scenario's providers has a partial transcript: it is compared with
        // those providers' sections of the snapshot, but never written as a snapshot or as a
        // pending one (accepting it would drop the other providers' sections).
        let full = providers.len() == s.providers.len();
        let mut pending = None;
        let snapshot = if opts.update && full {
            match snapshot::write(&opts.snapshots, &id, &text) {
                Ok(()) => SnapshotStatus::Written,
                Err(e) => {
                    report.invalid.push(ScenarioError::io(
                        &snapshot::path_for(&opts.snapshots, &id).display().to_string(),
                        format!("cannot write snapshot: {e}"),
                    ));
                    continue;
                }
            }
        } else {
            match snapshot::read(&opts.snapshots, &id) {
                Ok(None) => SnapshotStatus::Missing,
                Ok(Some(stored)) => {
                    let stored = if full { stored } else { transcript::select(&stored, &providers) };
                    if stored.trim_end() == text.trim_end() {
                        SnapshotStatus::Matches
                    } else {
                        SnapshotStatus::Differs { diff: snapshot::diff(&stored, &text) }
                    }
                }
                Err(e) => {
                    report.invalid.push(ScenarioError::io(
                        &snapshot::path_for(&opts.snapshots, &id).display().to_string(),
                        format!("cannot read snapshot: {e}"),
                    ));
                    continue;
                }
            }
        };
        if full && !opts.update {
            let done = match snapshot {
                SnapshotStatus::Matches => snapshot::remove_pending(&opts.snapshots, &id).map(|_| ()),
                _ => snapshot::write_pending(&opts.snapshots, &id, &text)
                    .map(|p| pending = Some(p.display().to_string())),
            };
            if let Err(e) = done {
                report.invalid.push(ScenarioError::io(
                    &snapshot::pending_path_for(&opts.snapshots, &id).display().to_string(),
                    format!("cannot write or remove the snapshot pending review: {e}"),
                ));
            }
        }
        report.results.push(ScenarioResult {
            file: file.display().to_string(),
            id,
            name: s.name.clone(),
            scenario: s,
            runs,
            snapshot,
            pending,
        });
    }
    progress(total, total, "");
    report
}

#[cfg(test)]
mod review_tests {
    use super::*;

    const SCENARIO: &str = "name: scratch\naccounts: [owner, alice]\nsteps:\n  - create_image: { as: owner, name: base }\n  - share: { as: owner, image: base, with: alice }\n";

    /// A library in a temporary directory: `scenarios/case/one.yaml`, and `snapshots/`.
    fn library(tag: &str) -> (PathBuf, SuiteOptions) {
        let dir = std::env::temp_dir().join(format!("sharesim-suite-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("scenarios/case")).unwrap();
        std::fs::write(dir.join("scenarios/case/one.yaml"), SCENARIO).unwrap();
        let opts = SuiteOptions {
            paths: vec![dir.join("scenarios")],
            providers: vec![],
            filter: None,
            snapshots: dir.join("snapshots"),
            update: false,
            via: Via::InProcess,
            partition: None,
        };
        (dir, opts)
    }

    #[test]
    fn a_new_or_changed_full_transcript_waits_for_review_and_a_partial_one_never_does() {
        let (dir, mut opts) = library("pending");
        let pending = dir.join("snapshots/case__one.snap.new");
        // A new scenario: fails, and its transcript waits for review instead of being accepted.
        let r = run_suite(&opts, |_, _, _| {});
        assert_eq!(r.results[0].snapshot, SnapshotStatus::Missing);
        assert_eq!(r.exit_code(), 1);
        assert_eq!(r.pending().collect::<Vec<_>>(), [pending.display().to_string()]);
        assert!(r.pending_note().unwrap().starts_with("1 snapshot pending review: run `sharesim review`"));
        assert!(!snapshot::path_for(&opts.snapshots, "case__one").exists(), "never accepted silently");
        let written = std::fs::read_to_string(&pending).unwrap();
        opts.update = true;
        assert_eq!(run_suite(&opts, |_, _, _| {}).exit_code(), 0);
        assert_eq!(std::fs::read_to_string(snapshot::path_for(&opts.snapshots, "case__one")).unwrap(), written);
        assert!(!pending.exists(), "--update-snapshots leaves no stale pending snapshot");
        opts.update = false;

        // A changed scenario on some providers: compared, but no partial transcript is written.
        std::fs::write(dir.join("scenarios/case/one.yaml"), SCENARIO.replace("alice }", "alice }\n    note: hm"))
            .unwrap();
        opts.providers = vec![Provider::Tencent];
        let r = run_suite(&opts, |_, _, _| {});
        assert!(matches!(r.results[0].snapshot, SnapshotStatus::Differs { .. }));
        assert!(r.pending_note().is_none() && !pending.exists());
        // On all of them: pending.
        opts.providers = vec![];
        let r = run_suite(&opts, |_, _, _| {});
        assert_eq!(r.exit_code(), 1);
        assert!(std::fs::read_to_string(&pending).unwrap().contains("note: hm"));
        // Back as it was: the stale pending snapshot goes.
        std::fs::write(dir.join("scenarios/case/one.yaml"), SCENARIO).unwrap();
        assert_eq!(run_suite(&opts, |_, _, _| {}).exit_code(), 0);
        assert!(!pending.exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn unreferenced_snapshots_are_looked_for_only_on_a_run_of_the_whole_library() {
        let (dir, mut opts) = library("unreferenced");
        opts.update = true;
        run_suite(&opts, |_, _, _| {});
        opts.update = false;
        let orphan = dir.join("snapshots/case__gone.snap");
        std::fs::write(&orphan, "---\n---\nx\n").unwrap();

        let mut r = run_suite(&opts, |_, _, _| {});
        assert!(r.check_unreferenced(&opts, Unreferenced::Warn));
        assert_eq!(r.unreferenced.as_ref().unwrap().files, std::slice::from_ref(&orphan));
        assert!(r.unreferenced.as_ref().unwrap().messages()[0].starts_with("warning: "));
        assert_eq!(r.exit_code(), 0, "a warning does not fail the run");
        let mut r = run_suite(&opts, |_, _, _| {});
        r.check_unreferenced(&opts, Unreferenced::Reject);
        assert_eq!(r.exit_code(), 1);
        let mut r = run_suite(&opts, |_, _, _| {});
        assert!(!r.check_unreferenced(&opts, Unreferenced::Ignore) && r.unreferenced.is_none());

        // Narrowed runs cannot know.
        let narrowed = [
            SuiteOptions { filter: Some("one".into()), ..opts.clone() },
            SuiteOptions { providers: vec![Provider::Tencent], ..opts.clone() },
            SuiteOptions { partition: Some(Partition::Count { shard: 1, of: 1 }), ..opts.clone() },
            SuiteOptions { paths: vec![dir.join("scenarios/case")], ..opts.clone() },
            SuiteOptions { paths: vec![dir.join("scenarios/case/one.yaml")], ..opts.clone() },
        ];
        for o in &narrowed {
            assert!(!whole_library(o), "{o:?}");
            let mut r = run_suite(o, |_, _, _| {});
            assert!(!r.check_unreferenced(o, Unreferenced::Reject) && r.exit_code() == 0, "{o:?}");
        }

        let mut r = run_suite(&opts, |_, _, _| {});
        r.check_unreferenced(&opts, Unreferenced::Delete);
        assert!(r.unreferenced.unwrap().messages()[0].starts_with("deleted "));
        assert!(!orphan.exists() && snapshot::path_for(&opts.snapshots, "case__one").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
