//! The Python with the pinned official SDKs, registry clients and pytest
//! (`tests/sdk/requirements.txt`) and the sharesim pytest fixture (`python/`), shared by the
//! test binaries that run Python: `SHARESIM_SDK_PYTHON` (what `.ci/run` sets, having installed
//! both), or a virtualenv made once under `target/`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub fn sdk_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sdk")
}

/// `python/`: the sharesim-pytest package.
#[allow(dead_code, reason = "only tests/sdk.rs runs the package's own tests")]
pub fn package_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("python")
}

/// The package's files (relative paths, sorted) with their contents: what an install takes,
/// without what a build or a test run leaves behind.
fn package_files() -> Result<Vec<(PathBuf, Vec<u8>)>, String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) -> Result<(), String> {
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if path.is_dir() {
                let leftover = ["build", "dist", "tests", "__pycache__", ".pytest_cache"].contains(&name)
                    || name.ends_with(".egg-info");
                if !leftover {
                    walk(root, &path, out)?;
                }
            } else if !name.ends_with(".pyc") {
                let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                out.push((path.strip_prefix(root).unwrap_or(&path).to_path_buf(), bytes));
            }
        }
        Ok(())
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("python");
    let mut files = Vec::new();
    walk(&root, &root, &mut files)?;
    files.sort();
    Ok(files)
}

/// The Python with the SDKs and the fixture: `SHARESIM_SDK_PYTHON`, or a virtualenv made here
/// once (the requirements reinstalled when `requirements.txt` changes, the package when a file
/// of `python/` does).
pub fn python() -> &'static Result<PathBuf, String> {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PYTHON.get_or_init(|| {
        if let Ok(p) = std::env::var("SHARESIM_SDK_PYTHON") {
            return Ok(PathBuf::from(p));
        }
        let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sdk-venv");
        let py = venv.join("bin/python");
        let run = |cmd: &mut Command, what: &str| -> Result<(), String> {
            let out = cmd.output().map_err(|e| format!("{what}: {e} (is python3 installed?)"))?;
            if out.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "{what} failed:\n{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ))
            }
        };

        let requirements = std::fs::read_to_string(sdk_dir().join("requirements.txt")).map_err(|e| e.to_string())?;
        let marker = venv.join("requirements.installed");
        let fresh = !(std::fs::read_to_string(&marker).ok().as_deref() == Some(requirements.as_str()) && py.exists());
        if fresh {
            run(Command::new("python3").args(["-m", "venv"]).arg(&venv), "creating the SDK virtualenv")?;
            run(
                Command::new(&py)
                    .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r"])
                    .arg(sdk_dir().join("requirements.txt")),
                "installing the official SDKs and pytest from PyPI",
            )?;
            std::fs::write(&marker, &requirements).map_err(|e| e.to_string())?;
        }

        // The fixture: from a copy under target/ (a build writes beside its sources), with the
        // setuptools the requirements pinned (no build isolation: nothing more from PyPI).
        let files = package_files()?;
        let mut fingerprint = Vec::new();
        for (path, bytes) in &files {
            fingerprint.extend_from_slice(format!("{} {}\n", path.display(), bytes.len()).as_bytes());
            fingerprint.extend_from_slice(bytes);
        }
        let marker = venv.join("sharesim-pytest.installed");
        if fresh || std::fs::read(&marker).ok().as_deref() != Some(fingerprint.as_slice()) {
            let copy = venv.join("sharesim-pytest-src");
            let _ = std::fs::remove_dir_all(&copy);
            for (path, bytes) in &files {
                let to = copy.join(path);
                if let Some(parent) = to.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
                }
                std::fs::write(&to, bytes).map_err(|e| format!("{}: {e}", to.display()))?;
            }
            run(
                Command::new(&py)
                    .args([
                        "-m",
                        "pip",
                        "install",
                        "--quiet",
                        "--disable-pip-version-check",
                        "--no-deps",
                        "--no-build-isolation",
                        "--force-reinstall",
                    ])
                    .arg(&copy),
                "installing the sharesim pytest fixture (python/)",
            )?;
            std::fs::write(&marker, &fingerprint).map_err(|e| e.to_string())?;
        }
        Ok(py)
    })
}
