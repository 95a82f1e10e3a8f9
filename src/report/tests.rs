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
    // Beside this module (src/report/snapshots/), apart from the scenario library's snapshots.
    insta::with_settings!({ prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("report__rule-HS-PULL-ONLY", &site.files["rules/HS-PULL-ONLY.html"]);
    });
    // The scenario page without its wire exchanges, whose signatures and dates change per run.
    let page = &site.files["scenarios/registry__swr-push-and-pull.html"];
    let mut stable = String::new();
    let mut rest = page.as_str();
    while let Some(start) = rest.find("<tr class=\"wire\">") {
        stable.push_str(&rest[..start]);
        let end = rest[start..].find("</details></td></tr>").map(|e| start + e + "</details></td></tr>".len());
        rest = &rest[end.unwrap_or(rest.len())..];
    }
    stable.push_str(rest);
    insta::with_settings!({ prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("report__scenario-registry__swr-push-and-pull", stable);
    });
}

#[test]
fn the_live_page_shows_the_world_the_journal_and_links_rules_behind_the_admin_guard() {
    use crate::wire::HttpRequest;
    let mut ep = crate::world::World::default_world().endpoint(Provider::HuaweiSwr, true).unwrap();
    let share = r#"{"actor":"owner","op":{"op":"share","images":["ns-owner/base"],"recipients":["nobody-here"]}}"#;
    let apply = HttpRequest::new("POST", "/_sharesim/apply")
        .header("Host", "127.0.0.1:1")
        .header("Content-Type", "application/json")
        .body(share);
    assert_eq!(ep.handle(&apply, 0).status, 200);
    let page = ep.handle(&HttpRequest::new("GET", "/_sharesim/ui").header("Host", "127.0.0.1:1"), 0);
    let text = String::from_utf8_lossy(&page.body).into_owned();
    assert_eq!((page.status, page.header("Content-Type")), (200, Some("text/html; charset=utf-8")));
    assert!(text.contains("ns-owner/base") && text.contains("http-equiv=\"refresh\""), "{text}");
    let rule =
        ep.handle(&HttpRequest::new("GET", "/_sharesim/ui/rules/HS-LIMIT-500.html").header("Host", "127.0.0.1:1"), 0);
    assert!(rule.status == 200 && String::from_utf8_lossy(&rule.body).contains("HS-LIMIT-500"));
    let css = ep.handle(&HttpRequest::new("GET", "/_sharesim/ui/style.css").header("Host", "127.0.0.1:1"), 0);
    assert_eq!(css.status, 200);
    let unknown = ep.handle(&HttpRequest::new("GET", "/_sharesim/ui/rules/NOPE.html").header("Host", "127.0.0.1:1"), 0);
    assert_eq!(unknown.status, 404);
    // A web page elsewhere cannot read it (DNS rebinding).
    let foreign = ep.handle(&HttpRequest::new("GET", "/_sharesim/ui").header("Host", "evil.example"), 0);
    assert_eq!(foreign.status, 403);
}
