//! The Python with the pinned official SDKs and registry clients (`tests/sdk/requirements.txt`),
//! shared by the test binaries that run Python scripts: `SHARESIM_SDK_PYTHON` (what `.ci/run`
//! sets), or a virtualenv made once under `target/`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub fn sdk_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sdk")
}

/// The Python with the SDKs: `SHARESIM_SDK_PYTHON`, or a virtualenv made here once.
pub fn python() -> &'static Result<PathBuf, String> {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PYTHON.get_or_init(|| {
        if let Ok(p) = std::env::var("SHARESIM_SDK_PYTHON") {
            return Ok(PathBuf::from(p));
        }
        let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sdk-venv");
        let py = venv.join("bin/python");
        let requirements = std::fs::read_to_string(sdk_dir().join("requirements.txt")).map_err(|e| e.to_string())?;
        let marker = venv.join("requirements.installed");
        if std::fs::read_to_string(&marker).ok().as_deref() == Some(requirements.as_str()) && py.exists() {
            return Ok(py);
        }
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
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv), "creating the SDK virtualenv")?;
        run(
            Command::new(&py)
                .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r"])
                .arg(sdk_dir().join("requirements.txt")),
            "installing the official SDKs from PyPI",
        )?;
        std::fs::write(&marker, requirements).map_err(|e| e.to_string())?;
        Ok(py)
    })
}
