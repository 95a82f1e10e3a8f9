//! The report over a small library: every page is there, every link resolves, and the pages
//! reviewed as snapshots (`snapshots/report__*.snap`) change only when someone reads the diff.

use std::path::PathBuf;

use super::*;

fn library(paths: &[&str]) -> Site {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let paths = paths.iter().map(|p| root.join(p)).collect();
    build(&Options { paths, quiz: false }).expect("the report builds")
}

#[test]
fn every_rule_provider_and_scenario_has_its_page_and_every_link_resolves() {
    let site = library(&["registry", "share/share-then-use.yaml"]);
    for p in Provider::ALL {
        assert!(site.files.contains_key(&provider_page(p)), "{p}");
        for r in p.spec().rules {
            assert!(site.files.contains_key(&rule_page(r.id)), "{}", r.id);
        }
    }
    assert!(site.files.contains_key("scenarios/registry__swr-push-and-pull.html"));
    let broken = broken_links(&site);
    assert!(broken.is_empty(), "{broken:#?}");
}

/// Every `href`/`src` of every page that is not external names a file of the site.
pub fn broken_links(site: &Site) -> Vec<String> {
    let mut broken = Vec::new();
    for (name, text) in site.files.iter().filter(|(n, _)| n.ends_with(".html")) {
        let dir = name.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        for attr in ["href=\"", "src=\""] {
            for part in text.split(attr).skip(1) {
                let raw = part.split('"').next().unwrap_or("");
                // Attribute values are HTML-escaped (minijinja writes `/` as `&#x2f;`).
                let decoded = raw.replace("&#x2f;", "/").replace("&amp;", "&").replace("&#x27;", "'");
                let target = decoded.as_str();
                if target.starts_with("https://") || target.starts_with("http://") || target.starts_with('#') {
                    continue;
                }
                if target.starts_with('/') || target.ends_with('/') || target.is_empty() {
                    broken.push(format!("{name}: `{target}` is absolute or names a directory"));
                    continue;
                }
                let file = target.split('#').next().unwrap_or("");
                let mut parts: Vec<&str> = if dir.is_empty() { vec![] } else { dir.split('/').collect() };
                for seg in file.split('/') {
                    match seg {
                        ".." => {
                            parts.pop();
                        }
                        "." | "" => {}
                        s => parts.push(s),
                    }
                }
                let resolved = parts.join("/");
                if !site.files.contains_key(&resolved) {
                    broken.push(format!("{name}: `{target}` ({resolved}) is not in the site"));
                }
            }
        }
    }
    broken
}

#[test]
fn a_quiz_hides_outcomes_behind_a_click() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/registry");
    let site = build(&Options { paths: vec![root], quiz: true }).unwrap();
    let page = &site.files["scenarios/registry__swr-push-and-pull.html"];
    assert!(page.contains("<details class=\"quiz\">"));
}

#[test]
fn one_rule_page_and_one_scenario_page_as_reviewed() {
    let site = library(&["registry/swr-push-and-pull.yaml"]);
    insta::with_settings!({ snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"), prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("report__rule-HS-PULL-ONLY", &site.files["rules/HS-PULL-ONLY.html"]);
    });
    // The scenario page without its wire exchanges, whose signatures and dates change per run.
    let page = &site.files["scenarios/registry__swr-push-and-pull.html"];
    let stable: String = page.lines().filter(|l| !l.starts_with("<tr class=\"wire\">")).collect::<Vec<_>>().join("\n");
    insta::with_settings!({ snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"), prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("report__scenario-registry__swr-push-and-pull", stable);
    });
}
