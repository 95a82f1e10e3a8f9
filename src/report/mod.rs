//! `sharesim report --out DIR`: the teaching report, a static site rendered from the same rule
//! tables, scenarios and transcripts as everything else. Nothing in it is written twice: rule
//! pages come from the rule tables, scenario pages from a run of the library over HTTP (which
//! also captures one request and response per step), the lifecycle pictures from the policies.
//!
//! The site opens from `file://`: every link is relative and names a file. Pages are plain
//! HTML5 with one stylesheet; the quiz (`--quiz`) hides outcomes in `<details>`, which a click
//! opens without any script.

// `ReportError` wraps a `ScenarioError` (large, see `scenario`), built once per failed report.
#![allow(clippy::result_large_err)]

pub mod chart;
pub mod diagram;
pub mod live;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use minijinja::Environment;
use serde::Serialize;

use crate::engine::{Action, ErrorKind, Failure};
use crate::providers::Provider;
use crate::rules::{Basis, Rule, Topic};
use crate::scenario::model::Scenario;
use crate::scenario::run::{Entry, ProviderRun};
use crate::scenario::{snapshot, suite, via_http};

/// What to build.
#[derive(Debug, Clone)]
pub struct Options {
    /// Scenario files or directories (the library by default).
    pub paths: Vec<PathBuf>,
    /// Hide outcomes until a click.
    pub quiz: bool,
}

/// The site: file names (relative, `/`-separated) and their contents.
#[derive(Debug, Default)]
pub struct Site {
    pub files: BTreeMap<String, String>,
}

/// Why a report could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{0}")]
    Scenario(Box<crate::scenario::ScenarioError>),
    #[error("{path}: {provider}: {message}")]
    Run { path: String, provider: Provider, message: String },
    #[error("template {name}: {message}")]
    Template { name: String, message: String },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

impl Site {
    /// Writes every file under `dir` (made if missing).
    pub fn write(&self, dir: &Path) -> Result<(), ReportError> {
        for (name, text) in &self.files {
            let path = dir.join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|source| ReportError::Write { path: parent.into(), source })?;
            }
            std::fs::write(&path, text).map_err(|source| ReportError::Write { path, source })?;
        }
        Ok(())
    }
}

/// One scenario of the library and its runs over HTTP.
struct Run {
    scenario: Scenario,
    /// Its snapshot name, which is also its page's name.
    slug: String,
    /// Its directory under the scenarios root: the topic the differences page groups by.
    topic: String,
    /// Its file as the library names it (`scenarios/…/x.yaml`), wherever the library is.
    file: String,
    runs: Vec<ProviderRun>,
}

pub fn rule_page(id: &str) -> String {
    format!("rules/{id}.html")
}

pub fn provider_page(p: Provider) -> String {
    format!("providers/{}.html", p.name())
}

fn scenario_page(slug: &str) -> String {
    format!("scenarios/{slug}.html")
}

/// The templates, compiled into the binary.
pub fn templates() -> Environment<'static> {
    let mut env = Environment::new();
    // HTML-escape as the spec needs (`& < > " '`), but leave `/` alone, so links read as
    // written (minijinja's own escaping writes `/` as `&#x2f;`).
    env.set_formatter(|out, state, value| {
        if state.auto_escape() != minijinja::AutoEscape::Html || value.is_safe() || value.is_undefined() {
            return minijinja::escape_formatter(out, state, value);
        }
        let text = if value.is_none() { String::new() } else { value.to_string() };
        let mut escaped = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '&' => escaped.push_str("&amp;"),
                '<' => escaped.push_str("&lt;"),
                '>' => escaped.push_str("&gt;"),
                '"' => escaped.push_str("&quot;"),
                '\'' => escaped.push_str("&#39;"),
                c => escaped.push(c),
            }
        }
        out.write_str(&escaped).map_err(|_| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "cannot write"))
    });
    for (name, text) in [
        ("base.html", include_str!("templates/base.html")),
        ("index.html", include_str!("templates/index.html")),
        ("rule.html", include_str!("templates/rule.html")),
        ("provider.html", include_str!("templates/provider.html")),
        ("scenario.html", include_str!("templates/scenario.html")),
        ("differences.html", include_str!("templates/differences.html")),
        ("live.html", include_str!("templates/live.html")),
    ] {
        // The templates are part of the binary and checked by its tests.
        env.add_template(name, text).unwrap_or_else(|e| panic!("template {name} does not compile: {e}"));
    }
    env
}

pub const STYLE: &str = include_str!("templates/style.css");

fn render(env: &Environment<'_>, name: &str, ctx: minijinja::Value) -> Result<String, ReportError> {
    let t = env.get_template(name).map_err(|e| ReportError::Template { name: name.into(), message: e.to_string() })?;
    t.render(ctx).map_err(|e| ReportError::Template { name: name.into(), message: format!("{e:#}") })
}

impl From<crate::scenario::ScenarioError> for ReportError {
    fn from(e: crate::scenario::ScenarioError) -> ReportError {
        ReportError::Scenario(Box::new(e))
    }
}

/// Builds the whole site.
pub fn build(opts: &Options) -> Result<Site, ReportError> {
    let mut runs = Vec::new();
    for (path, root) in suite::discover(&opts.paths)? {
        let scenario = suite::load_file(&path)?;
        let slug = snapshot::name_for(&path, &root);
        let topic = path
            .strip_prefix(&root)
            .ok()
            .and_then(|rel| rel.parent())
            .map(|d| d.to_string_lossy().replace('\\', "/"))
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "other".into());
        let file = root
            .file_name()
            .map(|name| std::path::Path::new(name).join(path.strip_prefix(&root).unwrap_or(&path)))
            .unwrap_or_else(|| path.clone())
            .to_string_lossy()
            .replace('\\', "/");
        let mut provider_runs = Vec::new();
        for &p in &scenario.providers {
            let run = via_http::run(&scenario, p).map_err(|e| ReportError::Run {
                path: scenario.path.clone(),
                provider: p,
                message: e.to_string(),
            })?;
            provider_runs.push(run);
        }
        runs.push(Run { scenario, slug, topic, file, runs: provider_runs });
    }
    runs.sort_by(|a, b| a.slug.cmp(&b.slug));
    let env = templates();
    let mut site = Site::default();
    site.files.insert("style.css".into(), STYLE.into());
    let quiz = opts.quiz;
    site.files.insert("index.html".into(), render(&env, "index.html", home(&runs, quiz))?);
    site.files.insert("differences.html".into(), render(&env, "differences.html", differences(&runs, quiz))?);
    for p in Provider::ALL {
        site.files.insert(provider_page(p), render(&env, "provider.html", provider(p, &runs, quiz))?);
        for rule in p.spec().rules {
            site.files.insert(rule_page(rule.id), render(&env, "rule.html", rule_ctx(p, rule, &runs, quiz, "../"))?);
        }
    }
    for run in &runs {
        site.files.insert(scenario_page(&run.slug), render(&env, "scenario.html", scenario_ctx(run, quiz))?);
    }
    Ok(site)
}

// ----- what pages show ------------------------------------------------------------------------

#[derive(Serialize)]
struct RuleRef {
    id: &'static str,
    short: &'static str,
    assumed: bool,
    href: String,
}

fn rule_ref(r: &'static Rule, root: &str) -> RuleRef {
    RuleRef { id: r.id, short: r.short, assumed: r.basis == Basis::Assumed, href: format!("{root}{}", rule_page(r.id)) }
}

#[derive(Serialize)]
struct ProviderRef {
    name: &'static str,
    title: &'static str,
    href: String,
}

fn provider_ref(p: Provider, root: &str) -> ProviderRef {
    ProviderRef { name: p.name(), title: p.spec().title, href: format!("{root}{}", provider_page(p)) }
}

/// What a provider lets you share and how, in one sentence, from its policy.
fn summary(p: Provider) -> String {
    let pol = p.policy();
    let what = if pol.layer_size.is_some() { "container image repositories" } else { "custom VM images" };
    let mut s = format!("{} shares {what}", p.spec().title);
    if let Some((_, kind)) = pol.recipient_identity {
        s.push_str(&format!(" with accounts named by their {}", kind.label()));
    }
    if let Some((_, n)) = pol.share_limit {
        s.push_str(&format!(", at most {n} per image"));
    }
    if pol.same_region.is_some() {
        s.push_str(", in the image's region only");
    }
    if pol.acceptance_required.is_some() {
        s.push_str("; the recipient accepts or rejects each share");
    }
    if pol.share_validity.is_some() {
        s.push_str("; a share may end at a deadline");
    }
    if pol.pull_only.is_some() {
        s.push_str("; recipients may only pull");
    }
    match pol.delete_while_shared {
        Some((_, crate::rules::DeleteShared::Refuse)) => {
            s.push_str("; a shared image cannot be deleted until unshared")
        }
        Some(_) => s.push_str("; deleting a shared image ends its shares"),
        None => {}
    }
    s.push('.');
    s
}

/// The action whose wire error best shows a canonical error (the code may depend on it).
fn representative(kind: ErrorKind) -> Action {
    match kind {
        ErrorKind::StillShared => Action::Delete,
        ErrorKind::NotAccepted | ErrorKind::Expired | ErrorKind::KeyNotAuthorized | ErrorKind::ImageNotAvailable => {
            Action::Launch
        }
        ErrorKind::AlreadyExists | ErrorKind::QuotaExceeded => Action::CreateImage,
        ErrorKind::InstanceNotFound => Action::ReinitDisk,
        ErrorKind::EncryptedNotCopyable => Action::Copy,
        ErrorKind::NotShared => Action::CancelShare,
        _ => Action::Share,
    }
}

fn home(runs: &[Run], quiz: bool) -> minijinja::Value {
    let providers: Vec<_> = Provider::ALL
        .iter()
        .map(|&p| {
            let mut r = serde_json::to_value(provider_ref(p, "")).unwrap_or_default();
            r["summary"] = summary(p).into();
            r
        })
        .collect();
    let matrix: Vec<_> = Topic::ALL
        .iter()
        .filter_map(|&topic| {
            let cells: Vec<Vec<RuleRef>> = Provider::ALL
                .iter()
                .map(|p| p.spec().rules.iter().filter(|r| r.topic == topic).map(|r| rule_ref(r, "")).collect())
                .collect();
            (!cells.iter().all(Vec::is_empty)).then(|| serde_json::json!({ "topic": topic.title(), "cells": cells }))
        })
        .collect();
    let names: Vec<_> = Provider::ALL
        .iter()
        .map(|&p| {
            let spec = p.spec();
            let taken = p.policy().recipient_identity.map(|(_, k)| k);
            let ids: Vec<_> = (spec.identities)("alice", spec.regions)
                .into_iter()
                .map(|i| {
                    let region = i.region.and_then(|r| spec.regions.get(r)).map(|r| r.id.to_string());
                    serde_json::json!({
                        "kind": i.kind.label(), "value": i.value, "region": region,
                        "taken": Some(i.kind) == taken,
                    })
                })
                .collect();
            serde_json::json!({ "provider": provider_ref(p, ""), "ids": ids })
        })
        .collect();
    let outcomes: Vec<_> = ErrorKind::ALL
        .iter()
        .filter(|k| !matches!(k, ErrorKind::UnknownAccount | ErrorKind::UnknownRegion))
        .map(|&kind| {
            let action = representative(kind);
            let cells: Vec<_> = Provider::ALL
                .iter()
                .map(|p| {
                    let w = p.spec().wire(&Failure::plain(kind, ""), action);
                    serde_json::json!({ "code": w.code, "status": w.status })
                })
                .collect();
            serde_json::json!({ "kind": kind.to_string(), "action": action.name(), "cells": cells })
        })
        .collect();
    let scenarios = runs.len();
    let steps: usize = runs.iter().map(|r| r.scenario.steps.len()).sum();
    minijinja::Value::from_serialize(serde_json::json!({
        "root": "", "title": "How five clouds share a private image", "quiz": quiz,
        "providers": providers, "matrix": matrix, "names": names, "outcomes": outcomes,
        "all": Provider::ALL.iter().map(|&p| provider_ref(p, "")).collect::<Vec<_>>(),
        "chart": chart::limits_svg(), "scenarios": scenarios, "steps": steps,
        "scenario_list": runs.iter().map(|r| serde_json::json!({
            "href": scenario_page(&r.slug), "name": r.scenario.name, "topic": r.topic,
        })).collect::<Vec<_>>(),
    }))
}

/// One outcome as a cell shows it.
#[derive(Serialize)]
struct Cell {
    ok: bool,
    text: String,
    error: Option<String>,
    rule: Option<RuleRef>,
    code: Option<String>,
    broke: Option<String>,
}

fn cell(e: &Entry, p: Provider, root: &str) -> Cell {
    let rule = e.rule.and_then(|id| p.rule(id)).map(|r| rule_ref(r, root));
    Cell {
        ok: e.ok,
        text: e.detail.clone(),
        error: e.error.map(|k| k.to_string()),
        rule,
        code: e.wire.map(|w| format!("{} (HTTP {})", w.code, w.status)),
        broke: e.broke.clone(),
    }
}

/// What an outcome is, for telling providers apart: ok, or the canonical error.
fn outcome_key(e: &Entry) -> String {
    if e.ok { "ok".into() } else { e.error.map(|k| k.to_string()).unwrap_or_else(|| "error".into()) }
}

fn differs(run: &Run, step: usize) -> bool {
    let keys: BTreeSet<String> = run.runs.iter().filter_map(|r| r.entries.get(step)).map(outcome_key).collect();
    keys.len() > 1
}

fn scenario_ctx(run: &Run, quiz: bool) -> minijinja::Value {
    let s = &run.scenario;
    let providers: Vec<_> = run.runs.iter().map(|r| provider_ref(r.provider, "../")).collect();
    let rows: Vec<_> = s
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let cells: Vec<_> = run.runs.iter().map(|r| r.entries.get(i).map(|e| cell(e, r.provider, "../"))).collect();
            let exchanges: Vec<_> = run
                .runs
                .iter()
                .filter_map(|r| {
                    let e = r.entries.get(i)?.exchange.as_ref()?;
                    Some(serde_json::json!({
                        "provider": r.provider.spec().title, "request": e.request.replace(|c: char| c.is_control() && !c.is_ascii_whitespace(), "\u{fffd}"), "response": e.response.replace(|c: char| c.is_control() && !c.is_ascii_whitespace(), "\u{fffd}"),
                        "admin": e.request.contains(" /_sharesim/apply "),
                    }))
                })
                .collect();
            serde_json::json!({
                "n": i + 1, "line": step.line, "call": crate::scenario::run::describe(step),
                "note": step.note, "differs": differs(run, i), "cells": cells, "exchanges": exchanges,
            })
        })
        .collect();
    let rules: Vec<_> = s
        .rules
        .iter()
        .filter_map(|id| Provider::ALL.iter().find_map(|p| p.rule(id)))
        .map(|r| rule_ref(r, "../"))
        .collect();
    minijinja::Value::from_serialize(serde_json::json!({
        "root": "../", "title": s.name, "quiz": quiz, "about": s.about, "path": run.file,
        "rules": rules, "providers": providers, "rows": rows,
        "all": Provider::ALL.iter().map(|&p| provider_ref(p, "../")).collect::<Vec<_>>(),
    }))
}

fn rule_ctx(p: Provider, rule: &'static Rule, runs: &[Run], quiz: bool, root: &str) -> minijinja::Value {
    let exercised: Vec<_> = runs
        .iter()
        .filter(|r| r.scenario.rules.iter().any(|id| id == rule.id))
        .map(|r| serde_json::json!({ "href": format!("{root}{}", scenario_page(&r.slug)), "name": r.scenario.name }))
        .collect();
    let mut decided = Vec::new();
    for r in runs {
        for pr in r.runs.iter().filter(|pr| pr.provider == p) {
            for e in pr.entries.iter().filter(|e| e.rule == Some(rule.id)) {
                decided.push(serde_json::json!({
                    "href": format!("{root}{}#step-{}", scenario_page(&r.slug), e.step),
                    "scenario": r.scenario.name, "step": e.step, "call": e.call,
                    "outcome": format!("{} {}", outcome_key(e), e.wire.map(|w| format!("{} (HTTP {})", w.code, w.status)).unwrap_or_default()),
                    "detail": e.detail,
                }));
            }
        }
    }
    let shown = decided.len().min(40);
    minijinja::Value::from_serialize(serde_json::json!({
        "root": root, "title": format!("{} — {}", rule.id, p.spec().title), "quiz": quiz,
        "rule": rule, "basis": rule.basis.label(), "topic": rule.topic.title(),
        "provider": provider_ref(p, root), "exercised": exercised,
        "decided": &decided[..shown], "more": decided.len() - shown,
        "all": Provider::ALL.iter().map(|&p| provider_ref(p, root)).collect::<Vec<_>>(),
    }))
}

fn provider(p: Provider, runs: &[Run], quiz: bool) -> minijinja::Value {
    let spec = p.spec();
    let topics: Vec<_> = Topic::ALL
        .iter()
        .filter_map(|&t| {
            let rules: Vec<_> = spec.rules.iter().filter(|r| r.topic == t).map(|r| rule_ref(r, "../")).collect();
            (!rules.is_empty()).then(|| serde_json::json!({ "topic": t.title(), "rules": rules }))
        })
        .collect();
    let mut calls: BTreeMap<String, usize> = BTreeMap::new();
    for r in runs {
        for pr in r.runs.iter().filter(|pr| pr.provider == p) {
            if let Some(routes) = &pr.routes {
                for (k, v) in &routes.calls {
                    *calls.entry(k.clone()).or_default() += v;
                }
            }
        }
    }
    let calls: Vec<_> = calls.into_iter().map(|(name, n)| serde_json::json!({ "name": name, "n": n })).collect();
    minijinja::Value::from_serialize(serde_json::json!({
        "root": "../", "title": spec.title, "quiz": quiz, "provider": provider_ref(p, "../"),
        "summary": summary(p), "seed": spec.seed, "signature": spec.signature,
        "regions": spec.regions.iter().map(|r| serde_json::json!({ "name": r.name, "id": r.id })).collect::<Vec<_>>(),
        "diagram": diagram::lifecycle_svg(p), "dot": diagram::lifecycle_dot(p),
        "topics": topics, "calls": calls,
        "all": Provider::ALL.iter().map(|&p| provider_ref(p, "../")).collect::<Vec<_>>(),
    }))
}

fn differences(runs: &[Run], quiz: bool) -> minijinja::Value {
    let mut by_topic: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    for r in runs.iter().filter(|r| r.runs.len() > 1) {
        for (i, step) in r.scenario.steps.iter().enumerate() {
            if !differs(r, i) {
                continue;
            }
            let outcomes: Vec<_> = r
                .runs
                .iter()
                .filter_map(|pr| {
                    pr.entries
                        .get(i)
                        .map(|e| serde_json::json!({ "provider": pr.provider.name(), "outcome": outcome_key(e) }))
                })
                .collect();
            by_topic.entry(r.topic.clone()).or_default().push(serde_json::json!({
                "href": format!("{}#step-{}", scenario_page(&r.slug), i + 1),
                "scenario": r.scenario.name, "n": i + 1, "call": crate::scenario::run::describe(step),
                "outcomes": outcomes,
            }));
        }
    }
    let groups: Vec<_> =
        by_topic.into_iter().map(|(topic, steps)| serde_json::json!({ "topic": topic, "steps": steps })).collect();
    let total: usize = groups.iter().map(|g| g["steps"].as_array().map_or(0, Vec::len)).sum();
    minijinja::Value::from_serialize(serde_json::json!({
        "root": "", "title": "Where the clouds differ", "quiz": quiz, "groups": groups, "total": total,
        "all": Provider::ALL.iter().map(|&p| provider_ref(p, "")).collect::<Vec<_>>(),
    }))
}

/// Renders one rule's page for the live UI (no scenario library at hand): `root` is where the
/// page's links lead, and only to pages the server has (`live`: no static-only sections or nav).
pub fn live_rule_page(p: Provider, rule: &'static Rule) -> Result<String, ReportError> {
    render(
        &templates(),
        "rule.html",
        minijinja::context! { live => true, all => Vec::<String>::new(), ..rule_ctx(p, rule, &[], false, "/_sharesim/ui/") },
    )
}

#[cfg(test)]
mod tests;
