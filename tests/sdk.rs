//! The providers' official Python and Node.js SDKs, unchanged, against `sharesim serve`.
//!
//! Node.js: each `tests/sdk_node/sdk_<provider>.js` is one test; the SDKs are pinned in
//! `tests/sdk_node/package.json` and its lock file. `.ci/run` installs them with `npm ci` and
//! names the `node_modules` in `SHARESIM_SDK_NODE_MODULES`; without it the first run installs
//! them itself under `target/`. This file starts and stops their server.
//!
//! Python: each `tests/sdk/sdk_<provider>.py` is a pytest module (named so it never shadows an
//! SDK package), run as one test with `python -m pytest`; the `sharesim` fixture of
//! sharesim-pytest (`python/`) starts this build's `sharesim serve` (`SHARESIM_BIN`), resets it
//! before each pytest test and fails the run unless it exits 0 on SIGTERM. The fixture's own
//! tests (`python/tests/`) run the same way. The SDKs and pytest are pinned in
//! `tests/sdk/requirements.txt`. `.ci/run` installs them from PyPI into a virtualenv, with the
//! package, and names its Python in `SHARESIM_SDK_PYTHON`, so the tests talk only to the server
//! on 127.0.0.1. Without that variable (the README's `cargo test` on a fresh machine) the first
//! run installs them itself into a virtualenv under `target/`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use rstest::rstest;

#[path = "support/python.rs"]
mod support_python;
#[path = "support/serve.rs"]
mod support_serve;
use support_python::{package_dir, python, sdk_dir};
use support_serve::Served;

fn node_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sdk_node")
}

/// The `node_modules` with the Node.js SDKs: `SHARESIM_SDK_NODE_MODULES`, or `npm ci` here once.
fn node_modules() -> &'static Result<PathBuf, String> {
    static MODULES: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    MODULES.get_or_init(|| {
        if let Ok(p) = std::env::var("SHARESIM_SDK_NODE_MODULES") {
            return Ok(PathBuf::from(p));
        }
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sdk-node");
        let lock = std::fs::read_to_string(node_dir().join("package-lock.json")).map_err(|e| e.to_string())?;
        let marker = dir.join("lock.installed");
        if std::fs::read_to_string(&marker).ok().as_deref() == Some(lock.as_str()) {
            return Ok(dir.join("node_modules"));
        }
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        for f in ["package.json", "package-lock.json"] {
            std::fs::copy(node_dir().join(f), dir.join(f)).map_err(|e| format!("{f}: {e}"))?;
        }
        let out = Command::new("npm")
            .args(["ci", "--silent", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .output()
            .map_err(|e| format!("npm ci: {e} (is Node.js installed?)"))?;
        if !out.status.success() {
            return Err(format!("npm ci failed:\n{}", String::from_utf8_lossy(&out.stderr)));
        }
        std::fs::write(&marker, lock).map_err(|e| e.to_string())?;
        Ok(dir.join("node_modules"))
    })
}

/// A server for the Node.js scripts, which read its start-up line from a file.
struct Server {
    served: Served,
    banner: PathBuf,
}

impl Server {
    fn start(provider: &str) -> Server {
        let served = Served::start(&["--provider", provider]);
        served.addr(provider);
        // One file per server: the Node.js tests of several providers run at once.
        static SERVERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = SERVERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("banner-{provider}-{}-{n}.json", std::process::id()));
        std::fs::write(&path, &served.line).expect("banner written");
        Server { served, banner: path }
    }

    /// SIGTERM, then the server must exit 0 on its own (graceful shutdown).
    fn stop(self) {
        let _ = std::fs::remove_file(&self.banner);
        self.served.stop();
    }
}

/// How many pytest tests passed, from the summary line of `pytest -q` ("12 passed, 1 warning
/// in 3.1s").
fn passed(stdout: &str) -> usize {
    let summary = stdout.lines().rev().find(|l| l.contains(" passed") || l.contains(" failed")).unwrap_or_default();
    summary
        .split(',')
        .find_map(|part| {
            let mut words = part.split_whitespace();
            let n = words.next()?.parse().ok()?;
            (words.next() == Some("passed")).then_some(n)
        })
        .unwrap_or(0)
}

/// `python -m pytest -q target` in `dir`, with the fixture starting this build's binary; the
/// run must pass and must have run tests.
fn pytest(dir: &Path, target: &Path) {
    let py = match python() {
        Ok(p) => p,
        Err(e) => panic!("{e}\nThe SDK tests need Python 3 and PyPI; .ci/run sets them up."),
    };
    let out = Command::new(py)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(target)
        .current_dir(dir)
        .env("SHARESIM_BIN", env!("CARGO_BIN_EXE_sharesim"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let name = target.display();
    assert!(
        out.status.success(),
        "pytest {name} failed ({}; with SHARESIM_SDK_PYTHON, is sharesim-pytest installed? pip install ./python):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(passed(&stdout) > 0, "pytest {name} ran no test:\n{stdout}\n{stderr}");
}

#[rstest]
fn official_sdk(#[files("tests/sdk/sdk_*.py")] module: PathBuf) {
    pytest(&sdk_dir(), &module);
}

/// The fixture itself: it starts, every listener answers, reset, clock, journal, a clean exit,
/// and what it says when the binary is missing or misbehaves.
#[test]
fn pytest_fixture() {
    pytest(&package_dir(), Path::new("tests"));
}

#[test]
fn pytest_summaries_are_counted() {
    assert_eq!(passed("....\n4 passed, 1 warning in 0.40s\n"), 4);
    assert_eq!(passed("19 passed in 5.57s"), 19);
    assert_eq!(passed("2 failed, 2 passed, 1 warning in 0.40s"), 2);
    assert_eq!(passed("no tests ran in 0.01s"), 0);
}

#[rstest]
fn official_node_sdk(#[files("tests/sdk_node/sdk_*.js")] script: PathBuf) {
    let modules = match node_modules() {
        Ok(p) => p,
        Err(e) => panic!("{e}\nThe Node.js SDK tests need Node.js and the npm registry; .ci/run sets them up."),
    };
    let name = script.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let provider = name.trim_start_matches("sdk_").trim_end_matches(".js").replace('_', "-");
    let server = Server::start(&provider);
    let out = Command::new("node")
        .arg(&script)
        .arg(&server.banner)
        .current_dir(node_dir())
        .env("NODE_PATH", modules)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{name} failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("checks passed, 0 failed"), "{name} ran no checks:\n{stdout}");
    server.stop();
}
