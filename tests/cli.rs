//! The `sharesim` binary as a user runs it: exit codes, diffs, positions, reports.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn sharesim(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sharesim")).args(args).current_dir(cwd).output().expect("the binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A scratch copy of one scenario (under `scenarios/`) and its snapshot (under `snapshots/`).
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sharesim-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scenarios/case")).unwrap();
    std::fs::create_dir_all(dir.join("snapshots")).unwrap();
    let scenario = "name: scratch\naccounts: [owner, alice]\nsteps:\n  - create_image: { as: owner, name: base }\n  - share: { as: owner, image: base, with: alice }\n    expect: ok\n  - delete_image: { as: owner, image: base }\n    expect: { tencent: StillShared, huawei-ims: ok, huawei-swr: ok, others: error }\n";
    std::fs::write(dir.join("scenarios/case/one.yaml"), scenario).unwrap();
    dir
}

#[test]
fn run_exits_0_then_1_with_a_diff_after_a_snapshot_is_edited() {
    let dir = scratch("snap");
    let first = sharesim(&["run"], &dir);
    assert_eq!(first.status.code(), Some(1), "no snapshot yet: {}", text(&first.stdout));
    assert!(text(&first.stdout).contains("MISSING"));
    let update = sharesim(&["run", "--update-snapshots"], &dir);
    assert_eq!(update.status.code(), Some(0), "{}", text(&update.stdout));
    let snap = dir.join("snapshots/case__one.snap");
    assert!(snap.exists(), "the snapshot is named after the scenario's path");
    assert_eq!(sharesim(&["run"], &dir).status.code(), Some(0));

    let edited = std::fs::read_to_string(&snap).unwrap().replace("InvalidImageId.InShared", "InvalidImageId.Edited");
    std::fs::write(&snap, edited).unwrap();
    let out = sharesim(&["run"], &dir);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("DIFFERS"), "{stdout}");
    assert!(
        stdout.contains("-") && stdout.contains("InvalidImageId.Edited") && stdout.contains("+"),
        "the diff is shown: {stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_broken_expectation_exits_1_and_names_the_step() {
    let dir = scratch("expect");
    let path = dir.join("scenarios/case/one.yaml");
    let s = std::fs::read_to_string(&path).unwrap().replace("tencent: StillShared", "tencent: ok");
    std::fs::write(&path, s).unwrap();
    sharesim(&["run", "--update-snapshots"], &dir);
    let out = sharesim(&["run"], &dir);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.contains("tencent: step 3 (line 7)") && stdout.contains("expected ok, got StillShared"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_malformed_scenario_exits_2_with_file_line_and_column() {
    let dir = scratch("bad");
    std::fs::write(
        dir.join("scenarios/case/bad.yaml"),
        "name: bad\naccounts: [owner]\nsteps:\n  - shar: { as: owner }\n",
    )
    .unwrap();
    let out = sharesim(&["run"], &dir);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("bad.yaml:4:5:") && stderr.contains("there is no step `shar`"), "{stderr}");
    assert!(stderr.contains("did you mean `share`?"), "the hint is shown: {stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn junit_and_json_reports() {
    let dir = scratch("reports");
    sharesim(&["run", "--update-snapshots"], &dir);
    let out = sharesim(&["run", "--format", "json", "--junit", "report.xml"], &dir);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(json["exit_code"], 0);
    assert_eq!(json["results"][0]["runs"].as_array().map(Vec::len), Some(5));
    let xml = std::fs::read_to_string(dir.join("report.xml")).unwrap();
    assert!(xml.contains("<testsuite name=\"tencent\"") && xml.contains("case__one"), "{xml}");
    assert!(xml.contains("file=\"scenarios/case/one.yaml\"") && xml.contains(" time=\""), "{xml}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn provider_and_filter_narrow_the_run() {
    let dir = scratch("narrow");
    sharesim(&["run", "--update-snapshots"], &dir);
    let out = sharesim(&["run", "--provider", "tencent", "--format", "json"], &dir);
    assert_eq!(out.status.code(), Some(0), "a subset compares with the full snapshot's sections");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["results"][0]["runs"].as_array().map(Vec::len), Some(1));
    let out = sharesim(&["run", "--provider", "tencent,aliyun", "--provider", "swr", "--format", "json"], &dir);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["results"][0]["runs"].as_array().map(Vec::len), Some(3), "a comma list, aliases and repeats");
    let out = sharesim(&["run", "--filter", "nothing-matches", "--format", "json"], &dir);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["results"].as_array().map(Vec::len), Some(0));
    assert_eq!(out.status.code(), Some(2), "a filter that matches nothing is not a pass");
    assert!(text(&out.stderr).contains("--filter `nothing-matches` matches no scenario"));
    let bad = sharesim(&["run", "--provider", "aws"], &dir);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("unknown provider `aws`"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn compare_shows_every_provider() {
    let dir = scratch("compare");
    let out = sharesim(&["compare", "scenarios/case/one.yaml"], &dir);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    for p in ["jdcloud", "tencent", "alibaba", "huawei-ims", "huawei-swr", "StillShared", "TC-DELETE-SHARED"] {
        assert!(stdout.contains(p), "{p} missing:\n{stdout}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn policies_explain_and_schema() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = sharesim(&["policies"], here);
    let stdout = text(&out.stdout);
    for id in ["JD-LIMIT-10", "TC-LIMIT-50", "AL-LIMIT-50", "HI-ACCEPT", "HS-VALID-UNTIL"] {
        assert!(stdout.contains(id), "{id}");
    }
    let out = sharesim(&["explain", "tencent"], here);
    assert!(text(&out.stdout).contains("source: seed 001"));
    let out = sharesim(&["explain", "tencent", "TC-NOPE"], here);
    assert_eq!(out.status.code(), Some(2));
    let out = sharesim(&["explain", "tc-limit-50"], here);
    assert!(text(&out.stdout).starts_with("TC-LIMIT-50"), "a rule ID alone: {}", text(&out.stderr));
    let out = sharesim(&["explain", "TC-LIMT-50"], here);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("did you mean `TC-LIMIT-50`?"), "{}", text(&out.stderr));
    let out = sharesim(&["explain", "tencent", "TC-LIMT-50"], here);
    assert!(text(&out.stderr).contains("did you mean `TC-LIMIT-50`?"), "{}", text(&out.stderr));
    let out = sharesim(&["schema"], here);
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the schema is JSON");
    assert!(schema["properties"]["steps"].is_object());
}

#[test]
fn run_via_http_matches_the_same_snapshot_and_says_what_crossed_the_api() {
    let dir = scratch("http");
    assert_eq!(sharesim(&["run", "--update-snapshots"], &dir).status.code(), Some(0));
    let out = sharesim(&["run", "--via", "http"], &dir);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("over HTTP:"), "{stdout}");
    // The share and the delete cross every provider's API (making the image only SWR's).
    // A table: a row per provider, "crossed its API" as "N of 3".
    for p in ["jdcloud", "tencent", "alibaba", "huawei-ims", "huawei-swr"] {
        let row = stdout.lines().find(|l| l.starts_with(&format!("│ {p} "))).unwrap_or_else(|| panic!("{stdout}"));
        let cells: Vec<&str> = row.split('│').map(str::trim).collect();
        let crossed = cells[2].split(' ').next().and_then(|n| n.parse::<u32>().ok());
        assert!(crossed >= Some(2) && cells[2].ends_with(" of 3"), "{row}");
    }
    let bad = sharesim(&["run", "--via", "carrier-pigeon"], &dir);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("in-process") && text(&bad.stderr).contains("http"), "{}", text(&bad.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn writing_into_a_closed_pipe_ends_quietly() {
    use std::process::Stdio;
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    for args in [&["policies", "--format", "json"][..], &["explain", "huawei-swr"][..], &["schema"][..]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sharesim"))
            .args(args)
            .current_dir(here)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("runs");
        // The reader goes away before reading anything, as `| head -0` would.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("ends");
        let stderr = text(&out.stderr);
        assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{args:?}: {stderr}");
        assert!(
            out.status.code().is_none_or(|c| c == 0),
            "{args:?}: killed by SIGPIPE or done, never an error: {:?}",
            out.status
        );
    }
}

#[test]
fn world_narrows_to_a_provider_and_an_account() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = sharesim(
        &["world", "--provider", "tencent", "--provider", "huawei-swr", "--account", "alice", "--format", "json"],
        here,
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let providers: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(providers, ["huawei-swr", "tencent"]);
    for p in ["tencent", "huawei-swr"] {
        let accounts = v[p]["accounts"].as_array().unwrap();
        assert_eq!(accounts.len(), 1);
        assert_eq!(accounts[0]["name"], "alice");
    }
}

#[test]
fn partitions_split_the_library_into_disjoint_shards_that_cover_it() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ids = |args: &[&str]| -> Vec<String> {
        let out = sharesim(args, here);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        v["results"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect()
    };
    let all = ids(&["run", "--format", "json"]);
    for kind in ["count", "hash"] {
        let mut shards: Vec<String> = Vec::new();
        for k in 1..=3 {
            shards.extend(ids(&["run", "--format", "json", "--partition", &format!("{kind}:{k}/3")]));
        }
        shards.sort();
        let mut want = all.clone();
        want.sort();
        assert_eq!(shards, want, "{kind}: each scenario on exactly one shard");
    }
    let bad = sharesim(&["run", "--partition", "count:4/3"], here);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("count:K/N or hash:K/N"), "{}", text(&bad.stderr));
}

#[test]
fn run_and_compare_work_from_any_directory_of_the_checkout() {
    let sub = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/report");
    let out = sharesim(&["run", "--filter", "owner-copy"], &sub);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains("1 scenario(s)"), "{}", text(&out.stdout));
    let out = sharesim(&["run", "copy/owner-copy.yaml"], &sub);
    assert_eq!(out.status.code(), Some(0), "a path under the scenarios root: {}", text(&out.stdout));
    let out = sharesim(&["compare", "copy/owner-copy.yaml"], &sub);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// `sharesim` with extra environment variables (and none of the caller's colour settings).
fn sharesim_env(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sharesim"));
    cmd.args(args).current_dir(cwd);
    for k in ["COLUMNS", "NO_COLOR", "CLICOLOR_FORCE"] {
        cmd.env_remove(k);
    }
    cmd.envs(env.iter().copied()).output().expect("the binary runs")
}

#[test]
fn every_printing_command_takes_table_markdown_and_json() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let commands: [&[&str]; 5] = [
        &["run", "copy/owner-copy.yaml"],
        &["compare", "copy/owner-copy.yaml"],
        &["policies"],
        &["explain", "tencent"],
        &["world", "--provider", "tencent"],
    ];
    for args in commands {
        for format in ["table", "markdown", "json"] {
            let out = sharesim(&[args, &["--format", format]].concat(), here);
            let stdout = text(&out.stdout);
            assert_eq!(out.status.code(), Some(0), "{args:?} {format}: {}", text(&out.stderr));
            match format {
                "json" => {
                    serde_json::from_str::<serde_json::Value>(&stdout)
                        .unwrap_or_else(|e| panic!("{args:?} --format json is JSON ({e}): {stdout}"));
                }
                "markdown" => assert!(
                    !stdout.contains('│') && (stdout.contains("| ") || stdout.contains("### ")),
                    "{args:?} --format markdown: {stdout}"
                ),
                _ => assert!(stdout.contains('│') || args[0] == "explain", "{args:?} --format table: {stdout}"),
            }
        }
    }
    // The flag `compare` took before `--format` still works.
    let old = sharesim(&["compare", "copy/owner-copy.yaml", "--markdown"], here);
    assert!(text(&old.stdout).contains("|---"), "{}", text(&old.stderr));
}

#[test]
fn tables_fit_the_width_asked_for_and_pipes_get_them_whole() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    for args in [&["policies"][..], &["compare", "copy/owner-copy.yaml"], &["world", "--provider", "alibaba"]] {
        let piped = text(&sharesim_env(args, here, &[]).stdout);
        let widest = piped.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        assert!(widest > 100, "{args:?}: a pipe gets the table unwrapped ({widest} columns)");
        let narrow = text(&sharesim_env(args, here, &[("COLUMNS", "100")]).stdout);
        for line in narrow.lines().filter(|l| l.contains('│')) {
            assert!(line.chars().count() <= 100, "{args:?} at COLUMNS=100: {line}");
        }
        let words = |t: &str| {
            t.split(|c: char| c.is_whitespace() || "│─┼┬┴├┤┌┐└┘".contains(c)).filter(|w| !w.is_empty()).count()
        };
        assert!(words(&narrow) >= words(&piped), "{args:?}: wrapping loses no word");
    }
}

#[test]
fn colour_only_when_asked_for_and_never_with_no_color() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let args = ["run", "copy/owner-copy.yaml"];
    assert!(!text(&sharesim_env(&args, here, &[]).stdout).contains('\x1b'), "a pipe gets no colour");
    let forced = text(&sharesim_env(&args, here, &[("CLICOLOR_FORCE", "1")]).stdout);
    assert!(forced.contains("\x1b[32mpass\x1b[0m"), "{forced}");
    let never = sharesim_env(&args, here, &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]);
    assert!(!text(&never.stdout).contains('\x1b'), "NO_COLOR wins");
    // On a real terminal (a pseudo-terminal from util-linux's `script`, when it is here).
    let bin = env!("CARGO_BIN_EXE_sharesim");
    let on_tty = |no_color: bool| {
        let mut cmd = Command::new("script");
        cmd.args(["-qec", &format!("{bin} run copy/owner-copy.yaml"), "/dev/null"]).current_dir(here);
        cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE").env("TERM", "xterm");
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        cmd.output().ok().filter(|o| o.status.success()).map(|o| text(&o.stdout))
    };
    if let (Some(tty), Some(plain)) = (on_tty(false), on_tty(true)) {
        assert!(tty.contains("\x1b[32mpass"), "a terminal gets colour: {tty}");
        assert!(!plain.contains("\x1b[32m"), "NO_COLOR on a terminal: {plain}");
        // The terminal's own width, as the kernel reports it, without COLUMNS.
        let narrow = Command::new("script")
            .args(["-qec", &format!("stty cols 72; {bin} policies"), "/dev/null"])
            .current_dir(here)
            .env_remove("COLUMNS")
            .env("NO_COLOR", "1")
            .output()
            .map(|o| text(&o.stdout))
            .unwrap_or_default();
        let table: Vec<&str> = narrow.lines().filter(|l| l.contains('│')).collect();
        assert!(!table.is_empty(), "{narrow}");
        for line in table {
            assert!(line.trim_end().chars().count() <= 72, "a 72-column terminal: {line}");
        }
    }
}

#[test]
fn a_scenario_error_is_printed_once_in_words_with_a_real_position() {
    let dir = scratch("once");
    std::fs::write(dir.join("scenarios/case/bad.yaml"), "name: bad\naccounts: [owner]\nsteps:\n  - create_image\n")
        .unwrap();
    std::fs::write(dir.join("scenarios/case/garbage.yaml"), b"name: x\nsteps: \xff\xfe\n").unwrap();
    let out = sharesim_env(&["run", "scenarios/case/bad.yaml", "scenarios/case/garbage.yaml"], &dir, &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.matches("bad.yaml:4:5:").count(), 1, "printed once: {stderr}");
    assert!(stderr.contains("expected `key: value` pairs here"), "{stderr}");
    assert!(stderr.contains("garbage.yaml:2:8: byte 0xff is not UTF-8 text"), "{stderr}");
    assert!(!stderr.contains(":0:0"), "{stderr}");
    for internal in ["WrongType", "StepShape", "Syntax", "mapping start"] {
        assert!(!stderr.contains(internal), "no internal name `{internal}`: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
