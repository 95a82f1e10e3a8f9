//! Every rule a source states carries the sentence it rests on and the public page it is from,
//! and a seed rule's sentence is really in its seed (copied into `tests/data/seeds/`): the
//! teaching report quotes them, so a paraphrase passed off as a quotation would mislead.

use sharesim::Provider;
use sharesim::rules::Basis;

/// Text as a quotation may reproduce it: markdown emphasis, links' targets and runs of
/// whitespace do not count.
fn plain(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' | '`' => {}
            // `[text](target)` reads as `text`.
            ']' if chars.peek() == Some(&'(') => {
                for c in chars.by_ref() {
                    if c == ')' {
                        break;
                    }
                }
            }
            '[' => {}
            c => out.push(c),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn every_stated_rule_quotes_its_source_and_names_its_page() {
    let mut missing = Vec::new();
    for p in Provider::ALL {
        let seed =
            std::fs::read_to_string(format!("{}/tests/data/seeds/{}", env!("CARGO_MANIFEST_DIR"), p.spec().seed))
                .expect("the seed is copied into tests/data/seeds");
        let seed = plain(&seed);
        for rule in p.spec().rules {
            if rule.basis == Basis::Assumed {
                continue;
            }
            if rule.quote.trim().is_empty() {
                missing.push(format!("{}: no quote", rule.id));
            }
            if !rule.url.starts_with("https://") {
                missing.push(format!("{}: no https URL ({:?})", rule.id, rule.url));
            }
            if rule.basis == Basis::Seed && !rule.quote.is_empty() {
                // A quotation may leave words out with `…` between exact fragments.
                for part in rule.quote.split('…').map(plain).filter(|f| !f.is_empty()) {
                    if !seed.contains(&part) {
                        missing.push(format!("{}: `{part}` is not in seed {}", rule.id, p.spec().seed));
                    }
                }
            }
        }
    }
    assert!(missing.is_empty(), "{} problems:\n{}", missing.len(), missing.join("\n"));
}
