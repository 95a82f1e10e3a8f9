//! Snapshot review as insta users know it, through the binary: `run` leaves a differing or new
//! transcript as `<name>.snap.new`, `review` accepts or rejects it (as `cargo insta review`
//! would), and `run --unreferenced` reports snapshots no scenario refers to.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const SCENARIO: &str = "copy/owner-copy.yaml";
const NAME: &str = "copy__owner-copy";

fn sharesim(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sharesim"))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn both(o: &Output) -> String {
    format!("stdout:\n{}\nstderr:\n{}", text(&o.stdout), text(&o.stderr))
}

/// A scratch library: one scenario of the real one (`scenarios/copy/owner-copy.yaml`) and its
/// reviewed snapshot.
fn scratch(tag: &str) -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("sharesim-review-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scenarios/copy")).unwrap();
    std::fs::create_dir_all(dir.join("snapshots")).unwrap();
    std::fs::copy(here.join("scenarios").join(SCENARIO), dir.join("scenarios").join(SCENARIO)).unwrap();
    let snap = format!("{NAME}.snap");
    std::fs::copy(here.join("snapshots").join(&snap), dir.join("snapshots").join(&snap)).unwrap();
    dir
}

fn snap(dir: &Path) -> PathBuf {
    dir.join(format!("snapshots/{NAME}.snap"))
}

fn pending(dir: &Path) -> PathBuf {
    dir.join(format!("snapshots/{NAME}.snap.new"))
}

/// Changes what the scenario's transcript says (a step's note), not whether it passes.
fn alter(dir: &Path) {
    let path = dir.join("scenarios").join(SCENARIO);
    let s = std::fs::read_to_string(&path).unwrap();
    let changed = s.replace("Shares are not copied with the image.", "Shares stay behind when an image is copied.");
    assert_ne!(s, changed);
    std::fs::write(path, changed).unwrap();
}

#[test]
fn a_changed_transcript_waits_as_snap_new_and_review_accept_makes_it_the_snapshot() {
    let dir = scratch("accept");
    let ok = sharesim(&["run"], &dir);
    assert_eq!(ok.status.code(), Some(0), "the copy passes as it is: {}", both(&ok));
    let before = std::fs::read_to_string(snap(&dir)).unwrap();

    alter(&dir);
    let out = sharesim(&["run"], &dir);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    assert!(stdout.contains("DIFFERS"), "{stdout}");
    assert!(stdout.contains("1 snapshot pending review: run `sharesim review` (or `cargo insta review`)"), "{stdout}");
    assert!(stdout.contains(&format!("pending review: snapshots/{NAME}.snap.new")), "{stdout}");
    let new = std::fs::read_to_string(pending(&dir)).unwrap();
    assert!(new.starts_with("---\nsource: tests/scenarios.rs\nexpression: transcript\n---\nscenario: "), "{new}");
    assert!(new.contains("note: Shares stay behind when an image is copied."), "{new}");
    assert_eq!(std::fs::read_to_string(snap(&dir)).unwrap(), before, "the reviewed snapshot is untouched");

    // From anywhere in the library, review finds the pending snapshot and accepts it.
    let out = sharesim(&["review", "--accept"], &dir.join("scenarios/copy"));
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    assert!(text(&out.stdout).contains(&format!("accepted {NAME}")), "{}", both(&out));
    assert!(!pending(&dir).exists(), "the .snap.new became the .snap");
    assert_eq!(std::fs::read_to_string(snap(&dir)).unwrap(), new);
    let out = sharesim(&["run"], &dir);
    assert_eq!(out.status.code(), Some(0), "the accepted snapshot holds: {}", both(&out));
    assert!(!text(&out.stdout).contains("pending review"), "{}", both(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cargo_insta_accepting_the_snap_new_gives_what_update_snapshots_writes() {
    let dir = scratch("insta");
    alter(&dir);
    assert_eq!(sharesim(&["run"], &dir).status.code(), Some(1));
    // What cargo-insta does on accept: read the pending snapshot, save it as the snapshot.
    let accepted = dir.join("insta-accepted.snap");
    insta::Snapshot::from_file(&pending(&dir)).expect("insta reads it").save(&accepted).expect("insta saves it");
    let out = sharesim(&["run", "--update-snapshots"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    assert!(!pending(&dir).exists(), "writing the snapshot removes the stale pending one");
    assert_eq!(std::fs::read_to_string(&accepted).unwrap(), std::fs::read_to_string(snap(&dir)).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn review_reject_deletes_the_snap_new_and_keeps_the_snapshot() {
    let dir = scratch("reject");
    let before = std::fs::read_to_string(snap(&dir)).unwrap();
    alter(&dir);
    assert_eq!(sharesim(&["run"], &dir).status.code(), Some(1));
    let out = sharesim(&["review", "--reject", NAME], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    assert!(text(&out.stdout).contains(&format!("rejected {NAME}")), "{}", both(&out));
    assert!(!pending(&dir).exists());
    assert_eq!(std::fs::read_to_string(snap(&dir)).unwrap(), before);
    assert_eq!(sharesim(&["run"], &dir).status.code(), Some(1), "the scenario still differs");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_new_scenario_fails_and_its_snapshot_waits_for_review() {
    let dir = scratch("new");
    let s = std::fs::read_to_string(dir.join("scenarios").join(SCENARIO)).unwrap();
    std::fs::write(dir.join("scenarios/copy/again.yaml"), s.replace("the owner copies", "again, the owner copies"))
        .unwrap();
    let out = sharesim(&["run"], &dir);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "a new snapshot is never accepted silently: {}", both(&out));
    assert!(stdout.contains("MISSING") && stdout.contains("1 snapshot pending review"), "{stdout}");
    assert!(dir.join("snapshots/copy__again.snap.new").exists());
    assert!(!dir.join("snapshots/copy__again.snap").exists());
    // Still failing on the next run, until someone decides.
    assert_eq!(sharesim(&["run"], &dir).status.code(), Some(1));
    let out = sharesim(&["review", "--accept", "copy__again.snap.new"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    assert_eq!(sharesim(&["run"], &dir).status.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_run_on_some_providers_writes_no_partial_snap_new() {
    let dir = scratch("partial");
    alter(&dir);
    let out = sharesim(&["run", "--provider", "tencent"], &dir);
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    assert!(!pending(&dir).exists(), "a partial transcript is never pending: {}", both(&out));
    assert!(!text(&out.stdout).contains("pending review"), "{}", both(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_matching_run_removes_a_stale_snap_new() {
    let dir = scratch("stale");
    std::fs::write(pending(&dir), "---\nsource: tests/scenarios.rs\nexpression: transcript\n---\nold\n").unwrap();
    let out = sharesim(&["run"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    assert!(!pending(&dir).exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unreferenced_snapshots_warn_fail_with_reject_and_go_with_delete() {
    let dir = scratch("unreferenced");
    let orphan = dir.join("snapshots/copy__renamed-long-ago.snap");
    std::fs::copy(snap(&dir), &orphan).unwrap();

    let out = sharesim(&["run"], &dir);
    assert_eq!(out.status.code(), Some(0), "a warning by default: {}", both(&out));
    assert!(
        text(&out.stderr)
            .contains("warning: snapshots/copy__renamed-long-ago.snap: no scenario refers to this snapshot"),
        "{}",
        both(&out)
    );
    let out = sharesim(&["run", "--unreferenced", "reject"], &dir);
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    assert!(text(&out.stderr).contains("error: snapshots/copy__renamed-long-ago.snap"), "{}", both(&out));
    let out = sharesim(&["run", "--unreferenced", "reject", "--format", "json"], &dir);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["exit_code"], 1, "the report's exit code is the process's");
    let out = sharesim(&["run", "--unreferenced", "ignore"], &dir);
    assert!(out.status.code() == Some(0) && text(&out.stderr).is_empty(), "{}", both(&out));

    // A narrowed run cannot know, and says so when asked.
    let out = sharesim(&["run", "--unreferenced", "reject", "--filter", "owner-copy"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    assert!(text(&out.stderr).contains("only on a run of the whole library"), "{}", both(&out));
    let out = sharesim(&["run", "scenarios/copy"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    assert!(!text(&out.stderr).contains("warning"), "{}", both(&out));

    let out = sharesim(&["run", "--unreferenced", "delete"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    assert!(text(&out.stderr).contains("deleted snapshots/copy__renamed-long-ago.snap"), "{}", both(&out));
    assert!(!orphan.exists() && snap(&dir).exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn review_with_nothing_pending_says_so() {
    let dir = scratch("nothing");
    let out = sharesim(&["review"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    assert!(text(&out.stdout).contains("no snapshots pending review in snapshots"), "{}", both(&out));
    let out = sharesim(&["review", "--accept", "copy__nope"], &dir);
    assert_eq!(out.status.code(), Some(2), "a name not pending is an error: {}", both(&out));
    assert!(text(&out.stderr).contains("not pending review: `copy__nope`"), "{}", both(&out));
    let out = sharesim(&["review", "--accept", "--reject"], &dir);
    assert_eq!(out.status.code(), Some(2), "{}", both(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn review_without_a_terminal_or_a_flag_lists_and_fails_without_waiting_for_input() {
    let dir = scratch("noterm");
    alter(&dir);
    assert_eq!(sharesim(&["run"], &dir).status.code(), Some(1));
    // stdin is a pipe that stays open: a review that read it would wait for ever.
    let mut child = Command::new(env!("CARGO_BIN_EXE_sharesim"))
        .arg("review")
        .current_dir(&dir)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let stdin = child.stdin.take();
    let started = Instant::now();
    while child.try_wait().expect("waits").is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("review waited for input without a terminal");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(stdin);
    let out = child.wait_with_output().expect("ends");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    assert!(stdout.contains(&format!("{NAME} (changed snapshot)")), "{stdout}");
    assert!(
        stdout.contains("-     note: Shares are not copied with the image.")
            && stdout.contains("+     note: Shares stay behind when an image is copied."),
        "the diff, old against new: {stdout}"
    );
    assert!(!stdout.contains('\x1b'), "no colour without a terminal: {stdout:?}");
    assert!(stderr.contains("sharesim review --accept"), "the hint: {stderr}");
    assert!(pending(&dir).exists(), "nothing was decided");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn review_help_documents_the_exit_codes() {
    let out = sharesim(&["review", "--help"], Path::new(env!("CARGO_MANIFEST_DIR")));
    let help = text(&out.stdout);
    assert!(help.contains("Exit status: 0") && help.contains("--accept") && help.contains("--reject"), "{help}");
}

/// `review` on a terminal asks, colours its diff unless NO_COLOR says not to, and acts on the
/// answer. The terminal is util-linux's `script`; without it the test says it skipped.
#[test]
fn review_on_a_terminal_asks_and_colours_only_without_no_color() {
    let has_script = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("script").is_file()))
        && cfg!(target_os = "linux");
    if !has_script {
        eprintln!("skipped: no util-linux `script` to give review a terminal");
        return;
    }
    let on_a_terminal = |dir: &Path, answers: &str, no_color: bool| -> String {
        use std::io::Write;
        let mut cmd = Command::new("script");
        cmd.args(["-qec", &format!("'{}' review", env!("CARGO_BIN_EXE_sharesim")), "/dev/null"]).current_dir(dir);
        if no_color {
            cmd.env("NO_COLOR", "1");
        } else {
            cmd.env_remove("NO_COLOR");
        }
        let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(answers.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        text(&out.stdout)
    };
    let dir = scratch("terminal");
    alter(&dir);
    assert_eq!(sharesim(&["run"], &dir).status.code(), Some(1));
    let shown = on_a_terminal(&dir, "s\n", true);
    assert!(shown.contains("a(ccept), r(eject), s(kip) or q(uit)?") && shown.contains("skipped"), "{shown}");
    assert!(!shown.contains('\x1b'), "NO_COLOR: {shown:?}");
    assert!(pending(&dir).exists());
    let shown = on_a_terminal(&dir, "a\n", false);
    assert!(shown.contains("\x1b[31m-     note: Shares are not copied"), "coloured on a terminal: {shown:?}");
    assert!(shown.contains(&format!("accepted {NAME}")), "{shown}");
    assert!(!pending(&dir).exists());
    assert_eq!(sharesim(&["run"], &dir).status.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}
