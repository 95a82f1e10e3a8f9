//! A program the tests drive (skopeo, Chromium): named by an environment variable (what
//! `.ci/run` sets) or found on `PATH`. Where it is required (on CI, or when the variable is
//! set) a missing one fails the test; elsewhere the test says loudly, once, that it skipped.

use std::io::Write;
use std::path::PathBuf;

/// Whether `env` or `CI` says the tool must be there.
fn required(env: &str) -> bool {
    let set = |k: &str| std::env::var(k).is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    set("CI") || set(env)
}

/// `program` from `env`, else from `PATH`; `None` (after a loud skip) only where not required.
pub fn find(program: &str, env: &str, package: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env).filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        assert!(p.is_file(), "{env}={} is not a file", p.display());
        return Some(p);
    }
    let on_path = std::env::var_os("PATH")
        .and_then(|path| std::env::split_paths(&path).map(|d| d.join(program)).find(|p| p.is_file()));
    match on_path {
        Some(p) => Some(p),
        None if required(env) => {
            panic!("{program} is required here (CI or {env} is set): .ci/run installs it (apt-get install {package})")
        }
        None => {
            // Straight to stderr, past the test harness's capture, once: a skip is seen.
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| {
                let _ = write!(
                    std::io::stderr(),
                    "\n*** skipped: {program} is not installed (apt-get install {package}) ***\n\n"
                );
            });
            None
        }
    }
}
