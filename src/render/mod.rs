//! Renders for people: the provider × topic policy matrix, `explain`, and suite reports.
//! The matrix and `explain` read the same static tables the engine folds into policies, so they
//! cannot disagree with what the engine does.

pub mod report;
mod screen;
mod world;

pub use screen::{Rows, Screen, Tone};
pub use world::world;

use serde::Serialize;
use tabled::builder::Builder;
use tabled::settings::Style;

use crate::providers::Provider;
use crate::rules::{Rule, Topic};

/// How a table is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Box-drawn, for a terminal.
    Table,
    /// GitHub-flavoured markdown, for docs.
    Markdown,
    Json,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "table" => Some(Format::Table),
            "markdown" | "md" => Some(Format::Markdown),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

#[derive(Serialize)]
struct ProviderRules {
    provider: &'static str,
    title: &'static str,
    seed: &'static str,
    regions: &'static [crate::providers::RegionMap],
    rules: &'static [Rule],
}

fn rules_of(p: Provider, topic: Topic) -> impl Iterator<Item = &'static Rule> {
    p.spec().rules.iter().filter(move |r| r.topic == topic)
}

/// The policy matrix: one row per topic, one column per provider, every rule ID in a cell.
pub fn policy_matrix(providers: &[Provider], format: Format, screen: &Screen) -> String {
    if format == Format::Json {
        let all: Vec<ProviderRules> = providers
            .iter()
            .map(|p| {
                let s = p.spec();
                ProviderRules { provider: s.name, title: s.title, seed: s.seed, regions: s.regions, rules: s.rules }
            })
            .collect();
        return serde_json::to_string_pretty(&all).unwrap_or_default() + "\n";
    }
    let sep = if format == Format::Markdown { "<br>" } else { "\n" };
    let mut b = Rows::default();
    let mut header = vec!["".to_string()];
    header.extend(providers.iter().map(|p| p.spec().title.to_string()));
    b.push_record(header);
    for topic in Topic::ALL {
        let cells: Vec<String> =
            providers.iter().map(|p| rules_of(*p, topic).map(|r| r.cell()).collect::<Vec<_>>().join(sep)).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        let cells = cells.into_iter().map(|c| if c.is_empty() { "—".to_string() } else { c });
        let mut row = vec![topic.title().to_string()];
        row.extend(cells);
        b.push_record(row);
    }
    finish(b, format, screen, |_| None)
}

/// A table built for `format`: markdown as it is (for docs, never wrapped or coloured), a
/// box-drawn table fitted to the screen, its cells coloured by `tone_of`.
pub(crate) fn finish(
    mut rows: Rows,
    format: Format,
    screen: &Screen,
    tone_of: impl Fn(&str) -> Option<Tone>,
) -> String {
    if format != Format::Markdown {
        screen.fit(&mut rows);
    }
    let mut t = Builder::from(rows.0).build();
    if format == Format::Markdown {
        t.with(Style::markdown());
        return t.to_string() + "\n";
    }
    t.with(Style::modern());
    screen.paint_cells(&t.to_string(), tone_of) + "\n"
}

/// Prose lines broken between words to the screen's width. A continuation lines up under the
/// text after a leading `label:` (as in `  notes:  …`), or under the line's own indent.
fn wrap_prose(text: &str, screen: &Screen) -> String {
    let Some(width) = screen.width else { return text.to_string() };
    let width = width.max(40);
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for line in text.lines() {
        if line.chars().count() <= width {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let body = line.trim_start();
        let indent = line.len() - body.len();
        let label = body
            .split_once(':')
            .filter(|(l, rest)| !l.contains(' ') && l.len() < 12 && rest.starts_with(' '))
            .map(|(l, rest)| l.len() + 1 + (rest.len() - rest.trim_start().len()))
            .unwrap_or(0);
        let hang = " ".repeat(indent + label);
        let mut current = line[..indent + label].to_string();
        let mut fresh = true;
        for word in line[indent + label..].split_whitespace() {
            if !fresh && current.chars().count() + 1 + word.chars().count() > width {
                out.push_str(&current);
                out.push('\n');
                current.clone_from(&hang);
                fresh = true;
            }
            if !fresh {
                current.push(' ');
            }
            current.push_str(word);
            fresh = false;
        }
        out.push_str(&current);
        out.push('\n');
    }
    out
}

/// Why `explain` could not answer.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("{provider} has no rule `{rule}`{hint}; its rules are: {known}")]
    UnknownRule { provider: Provider, rule: String, known: String, hint: String },
    #[error(
        "`{what}` is neither a provider nor a rule ID{hint}; providers: jdcloud, tencent, alibaba, huawei-ims, huawei-swr (rule IDs look like TC-LIMIT-50)"
    )]
    Unknown { what: String, hint: String },
}

/// `; did you mean X?` for the rule ID or provider name closest to `word`, if one is close.
fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let word_up = word.to_ascii_uppercase();
    candidates
        .into_iter()
        .map(|c| (strsim::normalized_levenshtein(&word_up, &c.to_ascii_uppercase()), c))
        .filter(|(score, _)| *score >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

/// `explain` given one word: a provider (all its rules) or a rule ID of any provider.
pub fn explain_any(what: &str, rule: Option<&str>, format: Format, screen: &Screen) -> Result<String, ExplainError> {
    if let Some(p) = Provider::parse(what) {
        return explain(p, rule, format, screen);
    }
    if rule.is_none()
        && let Some(p) = Provider::ALL.iter().copied().find(|p| p.rule(what).is_some())
    {
        return explain(p, Some(what), format, screen);
    }
    let names = Provider::ALL.iter().map(|p| p.name());
    let ids = Provider::ALL.iter().flat_map(|p| p.spec().rules.iter().map(|r| r.id));
    Err(ExplainError::Unknown { what: what.to_string(), hint: did_you_mean(what, names.chain(ids)) })
}

fn explain_rule(out: &mut String, r: &Rule) {
    use std::fmt::Write;
    let _ = writeln!(out, "{}  [{}; {}]", r.id, r.topic.title(), r.basis.label());
    let _ = writeln!(out, "  {}", r.text);
    let _ = writeln!(out, "  source: {}", r.source);
    if !r.quote.is_empty() {
        let _ = writeln!(out, "  says:   \"{}\"", r.quote);
    }
    if !r.url.is_empty() {
        let _ = writeln!(out, "  page:   {}", r.url);
    }
    if !r.notes.is_empty() {
        let _ = writeln!(out, "  notes:  {}", r.notes);
    }
}

/// One rule as markdown: its ID as a heading, then what it says and where it comes from.
fn explain_rule_markdown(out: &mut String, r: &Rule) {
    use std::fmt::Write;
    let _ = writeln!(out, "### {}\n\n{}\n", r.id, r.text);
    let _ =
        writeln!(out, "- **Topic:** {}\n- **Basis:** {}\n- **Source:** {}", r.topic.title(), r.basis.label(), r.source);
    if !r.quote.is_empty() {
        let _ = writeln!(out, "- **Says:** \"{}\"", r.quote);
    }
    if !r.url.is_empty() {
        let _ = writeln!(out, "- **Page:** <{}>", r.url);
    }
    if !r.notes.is_empty() {
        let _ = writeln!(out, "- **Notes:** {}", r.notes);
    }
}

/// Every rule of a provider (or one rule), with its source and notes.
pub fn explain(p: Provider, rule: Option<&str>, format: Format, screen: &Screen) -> Result<String, ExplainError> {
    let spec = p.spec();
    let rules: Vec<&Rule> = match rule {
        Some(id) => match p.rule(id) {
            Some(r) => vec![r],
            None => {
                let known = spec.rules.iter().map(|r| r.id).collect::<Vec<_>>().join(", ");
                let hint = did_you_mean(id, spec.rules.iter().map(|r| r.id));
                return Err(ExplainError::UnknownRule { provider: p, rule: id.to_string(), known, hint });
            }
        },
        None => spec.rules.iter().collect(),
    };
    if format == Format::Json {
        return Ok(serde_json::to_string_pretty(&rules).unwrap_or_default() + "\n");
    }
    let regions: Vec<String> = spec.regions.iter().map(|r| format!("{}={}", r.name, r.id)).collect();
    let markdown = format == Format::Markdown;
    let mut out = String::new();
    if rule.is_none() {
        let (title, counts) =
            (spec.title, format!("{} rules; seed {}; regions {}", spec.rules.len(), spec.seed, regions.join(", ")));
        out.push_str(&if markdown {
            format!("## {title}\n\n{counts}.\n\n")
        } else {
            format!("{title} ({counts})\n\n")
        });
    }
    for (i, r) in rules.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if markdown { explain_rule_markdown(&mut out, r) } else { explain_rule(&mut out, r) }
    }
    if rule.is_none() {
        let mut codes = String::new();
        explain_wire_errors(&mut codes, p);
        out.push_str(&if markdown { format!("\n```text{codes}```\n") } else { codes });
    }
    if markdown {
        return Ok(out);
    }
    Ok(wrap_prose(&out, screen))
}

/// Every error code the provider's wire answers with, what refusals it answers, and whether
/// a reference gives it or it is inferred (and why).
fn explain_wire_errors(out: &mut String, p: Provider) {
    use std::collections::BTreeMap;
    use std::fmt::Write;
    let spec = p.spec();
    // (code, status, inferred note) -> the refusals answered with it.
    let mut codes: BTreeMap<(&str, u16, &str), Vec<String>> = BTreeMap::new();
    for kind in crate::engine::ErrorKind::ALL {
        for action in crate::engine::Action::ALL {
            let w = (spec.wire_error)(kind, action);
            let note = if w.basis == crate::rules::Basis::Assumed { w.note } else { "" };
            let what = kind.to_string();
            let entry = codes.entry((w.code, w.status, note)).or_default();
            if !entry.contains(&what) {
                entry.push(what);
            }
        }
    }
    let _ = writeln!(out, "\nError codes on the wire (inferred ones say why):");
    for ((code, status, note), kinds) in codes {
        let basis = if note.is_empty() { "api-reference".to_string() } else { format!("inferred: {note}") };
        let _ = writeln!(out, "  {code} (HTTP {status})  {}  [{basis}]", kinds.join(", "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_matrix_names_every_rule_of_every_provider() {
        for format in [Format::Table, Format::Markdown, Format::Json] {
            let m = policy_matrix(&Provider::ALL, format, &Screen::PLAIN);
            for p in Provider::ALL {
                for r in p.spec().rules {
                    assert!(m.contains(r.id), "{format:?} matrix lacks {}", r.id);
                }
            }
        }
    }

    #[test]
    fn explain_wraps_prose_to_the_screen_and_keeps_every_word() {
        let wide = explain(Provider::Tencent, Some("TC-LIMIT-50"), Format::Table, &Screen::PLAIN).unwrap();
        let narrow =
            explain(Provider::Tencent, Some("TC-LIMIT-50"), Format::Table, &Screen { width: Some(60), color: false })
                .unwrap();
        // Only a word longer than the room (the page's URL) may stick out.
        assert!(narrow.lines().all(|l| l.chars().count() <= 60 || l.contains("https://")), "{narrow}");
        let words = |t: &str| t.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(words(&wide), words(&narrow));
        let notes = narrow.lines().position(|l| l.starts_with("  notes:  ")).unwrap();
        assert!(narrow.lines().nth(notes + 1).unwrap().starts_with("          "), "hangs under the text: {narrow}");
    }

    #[test]
    fn explain_in_markdown_is_headings_and_lists() {
        let md = explain(Provider::Tencent, None, Format::Markdown, &Screen::PLAIN).unwrap();
        assert!(md.starts_with("## Tencent Cloud CVM") && md.contains("### TC-LIMIT-50\n\n"), "{md}");
        assert!(md.contains("- **Source:** seed 001") && md.contains("```text\nError codes on the wire"), "{md}");
    }

    #[test]
    fn explain_prints_sources_and_refuses_unknown_rules() {
        let text = explain(Provider::Tencent, None, Format::Table, &Screen::PLAIN).unwrap();
        assert!(text.contains("TC-LIMIT-50") && text.contains("source: seed 001"));
        // Wire codes no reference gives are visibly inferred.
        assert!(
            text.contains("InvalidParameterValue.InvalidRegion (HTTP 200)") && text.contains("[inferred: "),
            "{text}"
        );
        let ims = explain(Provider::HuaweiIms, None, Format::Table, &Screen::PLAIN).unwrap();
        for code in ["IMG.0015", "IMG.0105", "IMG.0009", "IMG.0147"] {
            let line = ims.lines().find(|l| l.trim_start().starts_with(code)).unwrap_or_default();
            assert!(line.contains("inferred"), "{code}: {line}");
        }
        let pending = ims.lines().find(|l| l.contains("IMG.0046") && l.contains("NotAccepted")).unwrap_or_default();
        assert!(pending.contains("inferred"), "{pending}");
        let one = explain(Provider::Tencent, Some("tc-limit-50"), Format::Table, &Screen::PLAIN).unwrap();
        assert!(one.starts_with("TC-LIMIT-50"));
        let err = explain(Provider::Tencent, Some("TC-NOPE"), Format::Table, &Screen::PLAIN).unwrap_err().to_string();
        assert!(err.contains("TC-NOPE") && err.contains("TC-ROOT-ID"), "{err}");
    }
}
