//! A registry's content store: blobs and manifests held by digest, once however many
//! repositories link them. The engine keeps only references (`engine::Content`); what a
//! caller may read is the engine's to decide, so the store answers anyone who names a digest.
//!
//! With `serve --state-dir` every blob is written to `DIR/<provider>.content/sha256/<hex>`
//! (to a temporary file, fsynced, renamed, the directory fsynced) before the upload that
//! brought it is acknowledged, and read back lazily after a restart. A file whose bytes do not
//! hash to its name is refused as damaged, never served.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use bytes::Bytes;

use crate::engine::content::{SHA256_PREFIX, digest_of, valid_digest};

/// The most bytes held in memory by one store unless told otherwise: a mock on a test machine
/// should refuse a runaway push, not swap.
pub const DEFAULT_LIMIT: u64 = 4 * 1024 * 1024 * 1024;

/// Why content was not stored or cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentError {
    #[error("the content's digest is {actual}, not {expected}")]
    DigestMismatch { expected: String, actual: String },
    #[error("`{0}` is not a sha256 digest")]
    BadDigest(String),
    #[error("the content store holds {held} bytes; {more} more would pass its limit of {limit}")]
    Full { held: u64, more: u64, limit: u64 },
    #[error("cannot write {path}: {why}")]
    Write { path: String, why: String },
    #[error("{path} is damaged: {why}")]
    Damaged { path: String, why: String },
}

#[derive(Debug, Default)]
pub struct ContentStore {
    held: HashMap<String, Bytes>,
    /// Blobs saved in `dir` by an earlier run and not read yet: digest to size.
    on_disk: HashMap<String, u64>,
    dir: Option<PathBuf>,
    bytes: u64,
    limit: u64,
}

impl ContentStore {
    pub fn new() -> ContentStore {
        ContentStore::with_limit(DEFAULT_LIMIT)
    }

    pub fn with_limit(limit: u64) -> ContentStore {
        ContentStore { limit, ..ContentStore::default() }
    }

    /// Saves content under `dir` from now on, and knows what an earlier run saved there.
    /// Files whose names are not digests are left alone; they are not content.
    pub fn set_dir(&mut self, dir: &Path) -> std::io::Result<()> {
        let blobs = dir.join("sha256");
        std::fs::create_dir_all(&blobs)?;
        for entry in std::fs::read_dir(&blobs)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let digest = format!("{SHA256_PREFIX}{name}");
            if valid_digest(&digest) && !self.held.contains_key(&digest) {
                self.on_disk.insert(digest, entry.metadata()?.len());
            }
        }
        self.dir = Some(dir.to_path_buf());
        Ok(())
    }

    /// Bytes held in memory.
    pub fn held_bytes(&self) -> u64 {
        self.bytes
    }

    /// Distinct blobs known (in memory or on disk).
    pub fn len(&self) -> usize {
        self.held.len() + self.on_disk.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn contains(&self, digest: &str) -> bool {
        self.held.contains_key(digest) || self.on_disk.contains_key(digest)
    }

    /// The size of the content behind `digest`, if it is known.
    pub fn size(&self, digest: &str) -> Option<u64> {
        self.held.get(digest).map(|b| b.len() as u64).or_else(|| self.on_disk.get(digest).copied())
    }

    /// Room for `more` bytes within the store's limit, or why not.
    pub fn check_room(&self, more: u64) -> Result<(), ContentError> {
        if self.bytes.saturating_add(more) > self.limit {
            return Err(ContentError::Full { held: self.bytes, more, limit: self.limit });
        }
        Ok(())
    }

    /// Stores `bytes` if they hash to `expected`; content already held is not stored twice.
    pub fn put(&mut self, expected: &str, bytes: Bytes) -> Result<(), ContentError> {
        if !valid_digest(expected) {
            return Err(ContentError::BadDigest(expected.to_string()));
        }
        let actual = digest_of(&bytes);
        if actual != expected {
            return Err(ContentError::DigestMismatch { expected: expected.to_string(), actual });
        }
        if self.contains(expected) {
            return Ok(());
        }
        self.check_room(bytes.len() as u64)?;
        if let Some(dir) = &self.dir {
            write_durably(dir, expected, &bytes)?;
        }
        self.bytes += bytes.len() as u64;
        self.held.insert(actual, bytes);
        Ok(())
    }

    /// The content behind `digest`. Content an earlier run saved is read and checked on first
    /// use; `Ok(None)` when nothing is known by that digest.
    pub fn get(&mut self, digest: &str) -> Result<Option<Bytes>, ContentError> {
        if let Some(b) = self.held.get(digest) {
            return Ok(Some(b.clone()));
        }
        if !self.on_disk.contains_key(digest) {
            return Ok(None);
        }
        let path = self.path_of(digest).unwrap_or_default();
        let shown = path.display().to_string();
        let bytes =
            std::fs::read(&path).map_err(|e| ContentError::Damaged { path: shown.clone(), why: e.to_string() })?;
        let actual = digest_of(&bytes);
        if actual != digest {
            return Err(ContentError::Damaged { path: shown, why: format!("its bytes hash to {actual}") });
        }
        self.check_room(bytes.len() as u64)?;
        self.on_disk.remove(digest);
        let bytes = Bytes::from(bytes);
        self.bytes += bytes.len() as u64;
        self.held.insert(digest.to_string(), bytes.clone());
        Ok(Some(bytes))
    }

    fn path_of(&self, digest: &str) -> Option<PathBuf> {
        let hex = digest.strip_prefix(SHA256_PREFIX)?;
        Some(self.dir.as_ref()?.join("sha256").join(hex))
    }
}

/// Writes `bytes` to `dir/sha256/<hex>` so that a crash leaves either no file or the whole one.
fn write_durably(dir: &Path, digest: &str, bytes: &[u8]) -> Result<(), ContentError> {
    let hex = digest.strip_prefix(SHA256_PREFIX).unwrap_or(digest);
    let blobs = dir.join("sha256");
    let target = blobs.join(hex);
    let fail = |e: std::io::Error| ContentError::Write { path: target.display().to_string(), why: e.to_string() };
    std::fs::create_dir_all(&blobs).map_err(fail)?;
    let tmp = blobs.join(format!(".{hex}.tmp"));
    let mut file = std::fs::File::create(&tmp).map_err(fail)?;
    file.write_all(bytes).map_err(fail)?;
    file.sync_all().map_err(fail)?;
    drop(file);
    std::fs::rename(&tmp, &target).map_err(fail)?;
    if let Ok(d) = std::fs::File::open(&blobs) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// A small, valid, single-layer image that a scenario's `push: {image, tag}` step pushes:
/// its bytes follow from the repository and tag alone, so a run in process (which links only
/// the references) and a run over HTTP (which uploads the bytes) push the same digests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleImage {
    pub config: Vec<u8>,
    pub layer: Vec<u8>,
    pub manifest: Vec<u8>,
}

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar";

impl SampleImage {
    pub fn new(repository: &str, tag: &str) -> SampleImage {
        let file = format!("{repository}:{tag}\n");
        let layer = tar_with_one_file("etc/sharesim-image", file.as_bytes());
        let config = serde_json::to_vec(&serde_json::json!({
            "architecture": "amd64",
            "os": "linux",
            "config": { "Labels": { "sharesim.repository": repository, "sharesim.tag": tag } },
            "rootfs": { "type": "layers", "diff_ids": [digest_of(&layer)] },
        }))
        .unwrap_or_default();
        let manifest = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": { "mediaType": OCI_CONFIG, "digest": digest_of(&config), "size": config.len() },
            "layers": [{ "mediaType": OCI_LAYER, "digest": digest_of(&layer), "size": layer.len() }],
        }))
        .unwrap_or_default();
        SampleImage { config, layer, manifest }
    }

    /// The config and the layer, as the manifest references them.
    pub fn blobs(&self) -> Vec<crate::engine::BlobRef> {
        [&self.config, &self.layer]
            .into_iter()
            .map(|b| crate::engine::BlobRef { digest: digest_of(b), size: b.len() as u64 })
            .collect()
    }

    /// The manifest as the engine keeps it.
    pub fn pushed(&self) -> crate::engine::PushedManifest {
        crate::engine::PushedManifest {
            digest: digest_of(&self.manifest),
            media_type: OCI_MANIFEST.to_string(),
            size: self.manifest.len() as u64,
            blobs: self.blobs(),
        }
    }
}

/// A POSIX tar archive holding one regular file (mode 0644, owner 0, time 0): the smallest
/// layer a container runtime would unpack.
fn tar_with_one_file(name: &str, data: &[u8]) -> Vec<u8> {
    let mut header = [0u8; 512];
    let field = |h: &mut [u8; 512], at: usize, value: &[u8]| h[at..at + value.len()].copy_from_slice(value);
    field(&mut header, 0, &name.as_bytes()[..name.len().min(100)]);
    field(&mut header, 100, b"0000644\0");
    field(&mut header, 108, b"0000000\0");
    field(&mut header, 116, b"0000000\0");
    field(&mut header, 124, format!("{:011o}\0", data.len()).as_bytes());
    field(&mut header, 136, b"00000000000\0");
    field(&mut header, 148, b"        ");
    header[156] = b'0';
    field(&mut header, 257, b"ustar\0");
    field(&mut header, 263, b"00");
    let sum: u32 = header.iter().map(|&b| b as u32).sum();
    field(&mut header, 148, format!("{sum:06o}\0 ").as_bytes());
    let mut out = header.to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out.extend_from_slice(&[0u8; 1024]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_held_once_by_digest_and_checked() {
        let mut store = ContentStore::with_limit(10);
        let d = digest_of(b"layer");
        store.put(&d, Bytes::from_static(b"layer")).unwrap();
        store.put(&d, Bytes::from_static(b"layer")).unwrap();
        assert_eq!((store.len(), store.held_bytes()), (1, 5), "the same content twice is held once");
        assert!(matches!(store.put(&d, Bytes::from_static(b"other")), Err(ContentError::DigestMismatch { .. })));
        assert!(matches!(store.put("sha256:zz", Bytes::new()), Err(ContentError::BadDigest(_))));
        let big = Bytes::from_static(b"123456");
        assert!(matches!(store.put(&digest_of(&big), big), Err(ContentError::Full { .. })), "past the limit");
        assert_eq!(store.get(&d).unwrap().as_deref(), Some(&b"layer"[..]));
        assert_eq!(store.get(&digest_of(b"nothing")).unwrap(), None);
    }

    #[test]
    fn saved_content_comes_back_and_a_damaged_file_is_never_served() {
        let dir = std::env::temp_dir().join(format!("sharesim-content-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let d = digest_of(b"config");
        let mut first = ContentStore::new();
        first.set_dir(&dir).unwrap();
        first.put(&d, Bytes::from_static(b"config")).unwrap();
        let mut second = ContentStore::new();
        second.set_dir(&dir).unwrap();
        assert_eq!((second.contains(&d), second.size(&d), second.held_bytes()), (true, Some(6), 0));
        assert_eq!(second.get(&d).unwrap().as_deref(), Some(&b"config"[..]));
        let e = digest_of(b"edited");
        std::fs::write(dir.join("sha256").join(&e[7..]), b"not what the name says").unwrap();
        let mut third = ContentStore::new();
        third.set_dir(&dir).unwrap();
        let err = third.get(&e).unwrap_err().to_string();
        assert!(err.contains("damaged") && err.contains(&e[7..]), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_sample_image_follows_from_its_name_and_is_a_real_tar() {
        let a = SampleImage::new("ns-owner/base", "v1");
        assert_eq!(a, SampleImage::new("ns-owner/base", "v1"), "deterministic");
        assert_ne!(a.pushed().digest, SampleImage::new("ns-owner/base", "v2").pushed().digest);
        assert_eq!(a.layer.len() % 512, 0);
        assert_eq!(&a.layer[257..262], b"ustar");
        assert!(String::from_utf8_lossy(&a.layer).contains("ns-owner/base:v1"));
        let m: serde_json::Value = serde_json::from_slice(&a.manifest).unwrap();
        assert_eq!(m["layers"][0]["digest"], digest_of(&a.layer));
        assert_eq!(a.pushed().blobs.len(), 2);
    }
}
