//! `serve --state-dir`: each provider's engine state in one JSON file, the same dump that
//! `GET /_sharesim/state` returns, so a file can be inspected, edited and loaded like a dump.
//!
//! A write is atomic and durable before the request that caused it is answered: the dump goes
//! to a temporary file beside the target, which is fsynced, renamed over the target, and the
//! directory fsynced. A `kill -9` at any moment leaves either the old or the new file, and
//! every state a client was told about is on disk.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::engine::Engine;
use crate::providers::Provider;

/// One provider's state file.
#[derive(Debug, Clone)]
pub struct StateFile {
    path: PathBuf,
}

/// Why a state file could not be used; always names the file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot read state file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("state file {path} is refused (it was left as it is): {why}")]
    Invalid { path: PathBuf, why: String },
    #[error("cannot write state file {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("cannot use state directory {dir}: {source}")]
    Dir { dir: PathBuf, source: std::io::Error },
}

impl StateFile {
    /// `DIR/<provider>.json`; the directory is created if missing.
    pub fn in_dir(dir: &Path, provider: Provider) -> Result<StateFile, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir { dir: dir.to_path_buf(), source })?;
        Ok(StateFile { path: dir.join(format!("{}.json", provider.name())) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where a registry's content goes beside the state: `DIR/<provider>.content/`.
    pub fn content_dir(&self) -> PathBuf {
        self.path.with_extension("content")
    }

    /// The saved engine, if the file exists. A file that is not a valid, consistent state for
    /// `provider` is an error: it is never replaced by a fresh world behind the user's back.
    pub fn load(&self, provider: Provider) -> Result<Option<Engine>, StoreError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(StoreError::Read { path: self.path.clone(), source }),
        };
        let invalid = |why: String| StoreError::Invalid { path: self.path.clone(), why };
        let text = std::str::from_utf8(&bytes)
            .map_err(|e| invalid(format!("not UTF-8 (byte {}); the file may be damaged", e.valid_up_to())))?;
        if text.trim().is_empty() {
            return Err(invalid("the file is empty".into()));
        }
        Engine::load(provider, text).map(Some).map_err(|e| invalid(e.to_string()))
    }

    /// Replaces the file with `dump`, atomically and durably.
    pub fn save(&self, dump: &str) -> Result<(), StoreError> {
        let write = |source| StoreError::Write { path: self.path.clone(), source };
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let name = self.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp = dir.join(format!(".{name}.tmp"));
        let mut file = std::fs::File::create(&tmp).map_err(write)?;
        file.write_all(dump.as_bytes()).map_err(write)?;
        file.sync_all().map_err(write)?;
        drop(file);
        std::fs::rename(&tmp, &self.path).map_err(write)?;
        // The rename is durable only once the directory entry is.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("sharesim-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn a_saved_state_loads_back_identically() {
        let dir = scratch("round");
        let file = StateFile::in_dir(&dir, Provider::Alibaba).unwrap();
        assert!(file.load(Provider::Alibaba).unwrap().is_none(), "no file yet");
        let mut engine = Engine::new(Provider::Alibaba, 3);
        engine.add_account("owner").unwrap();
        file.save(&engine.dump()).unwrap();
        assert_eq!(file.load(Provider::Alibaba).unwrap().unwrap().dump(), engine.dump());
        assert!(!dir.join(".alibaba.json.tmp").exists(), "no temporary file is left behind");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_damaged_file_is_refused_by_name_and_kept() {
        let dir = scratch("bad");
        let file = StateFile::in_dir(&dir, Provider::Tencent).unwrap();
        let alibaba = Engine::new(Provider::Alibaba, 1).dump().into_bytes();
        for (bytes, why) in [
            (&b""[..], "empty"),
            (b"{\"provider\": \"tencent\", \"settings\": {}, \"sta", "not valid JSON"),
            (b"\xff\xfe", "not UTF-8"),
            (&alibaba, "for provider alibaba"),
        ] {
            std::fs::write(file.path(), bytes).unwrap();
            let err = file.load(Provider::Tencent).unwrap_err().to_string();
            assert!(err.contains("tencent.json") && err.contains(why), "{err}");
            assert_eq!(std::fs::read(file.path()).unwrap(), bytes, "the file is left as it was");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
