//! The text of a run: a header, then one section per provider. This is what snapshots hold, so
//! it is byte-for-byte deterministic and reads well in a diff.

use std::fmt::Write;

use super::model::Scenario;
use super::run::ProviderRun;
use crate::providers::Provider;

fn header(s: &Scenario) -> String {
    let mut h = format!("scenario: {}\n", s.name);
    if !s.about.is_empty() {
        let _ = writeln!(h, "about: {}", s.about.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    if !s.rules.is_empty() {
        let _ = writeln!(h, "rules: {}", s.rules.join(", "));
    }
    h
}

/// One provider's section, starting with its `== name (title)` line.
pub fn section(s: &Scenario, run: &ProviderRun) -> String {
    let spec = run.provider.spec();
    let mut out = format!("== {} ({})\n", spec.name, spec.title);
    for (e, step) in run.entries.iter().zip(&s.steps) {
        let _ = writeln!(out, "{:>3}. {}", e.step, e.call);
        if let Some(n) = &step.note {
            let _ = writeln!(out, "     note: {}", n.split_whitespace().collect::<Vec<_>>().join(" "));
        }
        if e.ok {
            let _ = writeln!(out, "     ok: {}", e.detail);
        } else {
            let kind = e.error.map(|k| k.to_string()).unwrap_or_default();
            let rule = e.rule.map(|r| format!(" [{r}]")).unwrap_or_default();
            let wire = e.wire.map(|w| format!(" {} (HTTP {})", w.code, w.status)).unwrap_or_default();
            let _ = writeln!(out, "     {kind}{rule}{wire}: {}", e.detail);
        }
    }
    out
}

/// The whole transcript for the given runs, in provider order.
pub fn transcript(s: &Scenario, runs: &[ProviderRun]) -> String {
    let mut out = header(s);
    for run in runs {
        out.push('\n');
        out.push_str(&section(s, run));
    }
    out
}

/// Keeps only the header and the sections of `providers` from a stored transcript, so a run on
/// a subset of providers can be compared with a full snapshot.
pub fn select(text: &str, providers: &[Provider]) -> String {
    let mut out = String::new();
    let mut keep = true;
    for chunk in text.split_inclusive('\n') {
        if let Some(rest) = chunk.strip_prefix("== ") {
            let name = rest.split_whitespace().next().unwrap_or("");
            keep = providers.iter().any(|p| p.name() == name);
        }
        if keep {
            out.push_str(chunk);
        }
    }
    // Sections are separated by blank lines that belong to the section before; drop doubles.
    while out.contains("\n\n\n") {
        out = out.replace("\n\n\n", "\n\n");
    }
    out.trim_end().to_string() + "\n"
}
