//! The two front doors agree: every scenario of the library, run through each provider's HTTP
//! API (signed as its SDK signs, through the adapters), gives the transcript its reviewed
//! snapshot holds — the same bytes an in-process run gives.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rstest::rstest;
use sharesim::Provider;
use sharesim::scenario::via_http::Routes;
use sharesim::scenario::{self, Via, snapshot, suite};

fn run_over_http(path: &Path) -> (String, Vec<sharesim::scenario::ProviderRun>, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let name = snapshot::name_for(path, &root.join("scenarios"));
    let s = scenario::load_file(path).unwrap_or_else(|e| panic!("{name} is invalid: {e}"));
    let (runs, transcript) = suite::run_scenario(&s, &s.providers, Via::Http).unwrap_or_else(|e| panic!("{e}"));
    (name, runs, transcript)
}

#[rstest]
fn same_transcript_over_http(#[files("scenarios/**/*.yaml")] path: PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (name, _, over_http) = run_over_http(&path);
    let stored = snapshot::read(&root.join("snapshots"), &name)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .unwrap_or_else(|| panic!("{name} has no snapshot"));
    assert!(
        stored.trim_end() == over_http.trim_end(),
        "{name}: the transcript over HTTP differs from the snapshot:\n{}",
        snapshot::diff(&stored, &over_http)
    );
}

/// Only steps a provider's API cannot carry may go through the admin route; each provider's
/// `calls::NOT_CARRIED` says which and why.
#[test]
fn only_steps_without_an_api_take_the_admin_route() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = suite::discover(&[root.join("scenarios")]).expect("scenarios/ is readable");
    let mut totals: BTreeMap<Provider, Routes> = BTreeMap::new();
    for (f, _) in &files {
        let (_, runs, _) = run_over_http(f);
        for r in runs {
            totals.entry(r.provider).or_default().add(r.routes.as_ref().expect("a run over HTTP counts its routes"));
        }
    }
    for (p, routes) in &totals {
        let allowed = sharesim::scenario::via_http::not_carried(*p);
        let stray: Vec<&&str> = routes.admin.keys().filter(|a| !allowed.iter().any(|(b, _)| b.name() == **a)).collect();
        assert!(stray.is_empty(), "{p:?}: steps that have an API went through the admin route: {stray:?}");
        assert!(routes.api.get("share").copied().unwrap_or(0) > 0, "{p:?}: no share crossed the API");
        assert!(routes.requests >= routes.api.values().sum::<usize>(), "{p:?}: {routes:?}");
    }
}
