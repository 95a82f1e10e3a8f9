//! Renders suite results: the scenario × provider summary, the side-by-side `compare` table,
//! JUnit XML for CI systems, and JSON for tools.

use std::fmt::Write;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::{Format, Rows, Screen, Tone, finish};

use crate::providers::Provider;
use crate::scenario::model::Scenario;
use crate::scenario::run::{ProviderRun, describe};
use crate::scenario::suite::{ScenarioResult, SnapshotStatus, SuiteReport};

fn cell(run: Option<&ProviderRun>) -> String {
    match run {
        None => "·".into(),
        Some(r) => match r.broken().count() {
            0 => "pass".into(),
            n => format!("FAIL ({n})"),
        },
    }
}

fn snapshot_cell(s: &SnapshotStatus) -> &'static str {
    match s {
        SnapshotStatus::Matches => "matches",
        SnapshotStatus::Differs { .. } => "DIFFERS",
        SnapshotStatus::Missing => "MISSING",
        SnapshotStatus::Written => "written",
    }
}

/// How a status word in the summary reads at a glance.
fn status_tone(word: &str) -> Option<Tone> {
    match word {
        "pass" | "matches" => Some(Tone::Good),
        "DIFFERS" | "MISSING" => Some(Tone::Bad),
        "written" => Some(Tone::Warn),
        "·" => Some(Tone::Dim),
        w if w.starts_with("FAIL (") => Some(Tone::Bad),
        _ => None,
    }
}

/// Scenario rows, provider columns, and the snapshot's state.
pub fn summary(report: &SuiteReport, format: Format, screen: &Screen) -> String {
    let mut b = Rows::default();
    let mut header = vec!["scenario".to_string()];
    header.extend(Provider::ALL.iter().map(|p| p.name().to_string()));
    header.push("snapshot".into());
    b.push_record(header);
    for r in &report.results {
        let mut row = vec![r.id.clone()];
        row.extend(Provider::ALL.iter().map(|p| cell(r.runs.iter().find(|x| x.provider == *p))));
        row.push(snapshot_cell(&r.snapshot).into());
        b.push_record(row);
    }
    finish(b, format, screen, status_tone)
}

/// For a run over HTTP: per provider, how many engine requests (one per step, several for a
/// batched share) the provider's API carried and which went through the admin route instead
/// (empty for in-process runs).
pub fn routes(report: &SuiteReport, format: Format, screen: &Screen) -> String {
    let mut b = Rows::default();
    b.push_record([
        "provider",
        "crossed its API",
        "HTTP requests",
        "admin route: no API",
        "admin route: the API cannot say it",
    ]);
    let mut rows = 0;
    for p in Provider::ALL {
        let mut total = crate::scenario::via_http::Routes::default();
        let mut seen = false;
        for run in report.results.iter().flat_map(|r| &r.runs).filter(|r| r.provider == p) {
            if let Some(routes) = &run.routes {
                total.add(routes);
                seen = true;
            }
        }
        if !seen {
            continue;
        }
        let api: usize = total.api.values().sum();
        let admin: usize = total.admin.values().sum();
        let inexpressible: usize = total.inexpressible.values().sum();
        let list = |m: &std::collections::BTreeMap<&str, usize>| {
            if m.is_empty() {
                "—".to_string()
            } else {
                let line = if format == Format::Markdown { "<br>" } else { "\n" };
                // Reasons are sentences: kept to 60 columns so a CI log stays readable unwrapped.
                m.iter().map(|(a, n)| wrap(&format!("{a} ×{n}"), 60, line)).collect::<Vec<_>>().join(line)
            }
        };
        b.push_record([
            p.name().to_string(),
            format!("{api} of {}", api + admin + inexpressible),
            total.requests.to_string(),
            list(&total.admin),
            list(&total.inexpressible),
        ]);
        rows += 1;
    }
    if rows == 0 {
        return String::new();
    }
    finish(b, format, screen, |_| None)
}

/// Everything that went wrong, readable: broken expectations with their step, snapshot diffs.
pub fn failures(report: &SuiteReport) -> String {
    let mut out = String::new();
    for r in report.results.iter().filter(|r| !r.passed()) {
        let _ = writeln!(out, "--- {} ({})", r.id, r.file);
        for run in &r.runs {
            for e in run.broken() {
                let _ = writeln!(
                    out,
                    "  {}: step {} (line {}) {}: {}",
                    run.provider,
                    e.step,
                    e.line,
                    e.call,
                    e.broke.as_deref().unwrap_or_default()
                );
            }
        }
        match &r.snapshot {
            SnapshotStatus::Differs { diff } => {
                let _ = writeln!(out, "  snapshot differs from {}.snap:\n{diff}", r.id);
            }
            SnapshotStatus::Missing if r.pending.is_none() => {
                let _ = writeln!(out, "  no snapshot yet: run it on all of its providers to write one for review");
            }
            SnapshotStatus::Missing => {
                let _ = writeln!(out, "  no snapshot yet");
            }
            _ => {}
        }
        if let Some(p) = &r.pending {
            let _ = writeln!(out, "  pending review: {p}");
        }
    }
    out
}

/// JUnit XML: one suite per provider, one case per scenario, plus a `snapshots` suite.
pub fn junit(report: &SuiteReport) -> String {
    let mut junit = Report::new("sharesim");
    for p in Provider::ALL {
        let mut suite = TestSuite::new(p.name());
        for r in &report.results {
            let Some(run) = r.runs.iter().find(|x| x.provider == p) else { continue };
            let broken: Vec<String> = run
                .broken()
                .map(|e| {
                    format!("step {} (line {}) {}: {}", e.step, e.line, e.call, e.broke.as_deref().unwrap_or_default())
                })
                .collect();
            let status = if broken.is_empty() {
                TestCaseStatus::success()
            } else {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(format!("{} expectation(s) broken", broken.len())).set_description(broken.join("\n"));
                s
            };
            let mut case = TestCase::new(r.id.clone(), status);
            case.set_classname(format!("{}.{}", p.name(), r.id)).set_time(run.elapsed);
            // Where the scenario is, for CI systems that link a failure to its file.
            case.extra.insert("file".into(), r.file.clone().into());
            suite.add_test_case(case);
        }
        if suite.tests > 0 {
            junit.add_test_suite(suite);
        }
    }
    let mut snaps = TestSuite::new("snapshots");
    for r in &report.results {
        let status = match &r.snapshot {
            SnapshotStatus::Matches | SnapshotStatus::Written => TestCaseStatus::success(),
            SnapshotStatus::Differs { diff } => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message("transcript differs from the reviewed snapshot").set_description(diff.clone());
                s
            }
            SnapshotStatus::Missing => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message("no reviewed snapshot");
                s
            }
        };
        let mut case = TestCase::new(r.id.clone(), status);
        case.extra.insert("file".into(), r.file.clone().into());
        snaps.add_test_case(case);
    }
    for e in &report.invalid {
        let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
        s.set_message(e.to_string());
        snaps.add_test_case(TestCase::new(e.file.clone(), s));
    }
    junit.add_test_suite(snaps);
    junit.to_string().unwrap_or_default()
}

#[derive(serde::Serialize)]
struct JsonReport<'a> {
    exit_code: u8,
    results: &'a [ScenarioResult],
    invalid: Vec<JsonInvalid<'a>>,
}

#[derive(serde::Serialize)]
struct JsonInvalid<'a> {
    file: &'a str,
    line: u64,
    column: u64,
    code: crate::scenario::ErrorCode,
    message: &'a str,
    hint: Option<&'a str>,
}

pub fn json(report: &SuiteReport) -> String {
    let invalid = report
        .invalid
        .iter()
        .map(|e| JsonInvalid {
            file: &e.file,
            line: e.line,
            column: e.column,
            code: e.code,
            message: &e.message,
            hint: e.hint.as_deref(),
        })
        .collect();
    let j = JsonReport { exit_code: report.exit_code(), results: &report.results, invalid };
    serde_json::to_string_pretty(&j).unwrap_or_default() + "\n"
}

/// How a `compare` cell's first line reads: an outcome that held, a refusal, a broken expectation.
fn outcome_tone(word: &str) -> Option<Tone> {
    if word == "ok" {
        Some(Tone::Good)
    } else if word.ends_with(" ✗") {
        Some(Tone::Bad)
    } else if crate::engine::ErrorKind::ALL.iter().any(|k| k.to_string() == word) {
        Some(Tone::Warn)
    } else {
        None
    }
}

#[derive(serde::Serialize)]
struct CompareJson<'a> {
    scenario: &'a str,
    file: &'a str,
    about: &'a str,
    providers: Vec<crate::providers::Provider>,
    steps: Vec<CompareStep<'a>>,
}

#[derive(serde::Serialize)]
struct CompareStep<'a> {
    step: usize,
    line: u64,
    does: String,
    outcomes: std::collections::BTreeMap<&'static str, &'a crate::scenario::run::Entry>,
}

/// The teaching view: steps as rows, providers as columns, each outcome in a cell.
pub fn compare(s: &Scenario, runs: &[ProviderRun], format: Format, screen: &Screen) -> String {
    if format == Format::Json {
        let steps = s
            .steps
            .iter()
            .enumerate()
            .map(|(i, step)| CompareStep {
                step: i + 1,
                line: step.line,
                does: describe(step),
                outcomes: runs.iter().filter_map(|r| r.entries.get(i).map(|e| (r.provider.name(), e))).collect(),
            })
            .collect();
        let j = CompareJson {
            scenario: &s.name,
            file: &s.path,
            about: &s.about,
            providers: runs.iter().map(|r| r.provider).collect(),
            steps,
        };
        return serde_json::to_string_pretty(&j).unwrap_or_default() + "\n";
    }
    let markdown = format == Format::Markdown;
    let sep = if markdown { "<br>" } else { "\n" };
    let mut b = Rows::default();
    let mut header = vec!["#".to_string(), "step".to_string()];
    header.extend(runs.iter().map(|r| r.provider.name().to_string()));
    b.push_record(header);
    for (i, step) in s.steps.iter().enumerate() {
        let mut row = vec![(i + 1).to_string(), wrap(&describe(step), 34, sep)];
        for run in runs {
            let Some(e) = run.entries.get(i) else {
                row.push("·".into());
                continue;
            };
            let mark = if e.broke.is_some() { " ✗" } else { "" };
            let text = if e.ok {
                let mut d = e.detail.clone();
                if d.chars().count() > 60 {
                    d = format!("{}…", d.chars().take(59).collect::<String>());
                }
                format!("ok{mark}{sep}{}", wrap(&d, 30, sep))
            } else {
                let kind = e.error.map(|k| k.to_string()).unwrap_or_default();
                let rule = e.rule.unwrap_or("");
                let code = e.wire.map(|w| w.code).unwrap_or("");
                format!("{kind}{mark}{sep}{rule}{sep}{code}")
            };
            row.push(text);
        }
        b.push_record(row);
    }
    let mut out = format!("{}\n", s.name);
    if !s.about.is_empty() {
        out.push_str(&s.about.split_whitespace().collect::<Vec<_>>().join(" "));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&finish(b, format, screen, outcome_tone));
    out
}

/// Breaks `text` into lines of at most `width` characters at spaces (long words stay whole).
fn wrap(text: &str, width: usize, sep: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines.join(sep)
}
