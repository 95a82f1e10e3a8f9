//! Every scenario file is its own test: its expectations must hold and its transcript must
//! match the reviewed snapshot in `snapshots/` (review changes with `cargo insta review`).

use std::path::{Path, PathBuf};

use rstest::rstest;
use sharesim::scenario::{self, snapshot, suite};

#[rstest]
fn scenario_file(#[files("scenarios/**/*.yaml")] path: PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let name = snapshot::name_for(&path, &root);
    let s = scenario::load_file(&path).unwrap_or_else(|e| panic!("{name} is invalid: {e}"));
    let (runs, transcript) =
        suite::run_scenario(&s, &s.providers, suite::Via::InProcess).unwrap_or_else(|e| panic!("{e}"));
    let broken: Vec<String> = runs
        .iter()
        .flat_map(|r| {
            r.broken().map(move |e| {
                format!(
                    "{} step {} (line {}) {}: {}",
                    r.provider,
                    e.step,
                    e.line,
                    e.call,
                    e.broke.as_deref().unwrap_or_default()
                )
            })
        })
        .collect();
    assert!(broken.is_empty(), "{name}: expectations broken:\n{}", broken.join("\n"));
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, transcript));
}

/// Every snapshot has a scenario: the same check `sharesim run --unreferenced reject` makes.
#[test]
fn every_snapshot_has_a_scenario() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = suite::discover(&[root.join("scenarios")]).expect("scenarios/ is readable");
    let names = files.iter().map(|(f, r)| snapshot::name_for(f, r)).collect();
    let orphans = snapshot::unreferenced(&root.join("snapshots"), &names).expect("snapshots/ is readable");
    assert!(orphans.is_empty(), "snapshots without a scenario (delete them): {orphans:?}");
}

/// Every rule of every provider is named in some scenario's `rules:` list (and so exercised,
/// with its outcome in a reviewed snapshot).
#[test]
fn every_rule_is_named_by_a_scenario() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = suite::discover(&[root.join("scenarios")]).expect("scenarios/ is readable");
    let mut named = std::collections::BTreeSet::new();
    for (f, _) in &files {
        let s = scenario::load_file(f).unwrap_or_else(|e| panic!("{e}"));
        named.extend(s.rules);
    }
    let missing: Vec<&str> = sharesim::Provider::ALL
        .iter()
        .flat_map(|p| p.spec().rules.iter().map(|r| r.id))
        .filter(|id| !named.contains(*id))
        .collect();
    assert!(missing.is_empty(), "rules no scenario names: {missing:?}");
}
