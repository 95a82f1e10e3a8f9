//! The image manifests SWR's registry takes: Docker image manifest v2 schema 2 and the OCI image
//! manifest, each naming one config blob and its layers by digest and size. Manifest lists and
//! OCI indexes are refused as SWR refused a BuildKit list with attestations ("Invalid image,
//! fail to parse 'manifest.json'", providers/huawei-swr-registry.md §4), and schema 1 is long
//! gone from every client.

use serde::Deserialize;

use crate::engine::BlobRef;
use crate::engine::content::valid_digest;

pub const DOCKER_V2: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// What a manifest may weigh; real ones are a few kilobytes.
pub const MAX_MANIFEST_BYTES: usize = 4 * 1024 * 1024;
/// Layers one manifest may name.
const MAX_LAYERS: usize = 1000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Raw {
    schema_version: Option<i64>,
    media_type: Option<String>,
    config: Option<Descriptor>,
    layers: Option<Vec<Descriptor>>,
    manifests: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    #[serde(default)]
    media_type: String,
    digest: String,
    size: i64,
}

/// A manifest the registry understood: its media type and the blobs it references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub media_type: String,
    pub blobs: Vec<BlobRef>,
}

/// Reads a manifest sent with `content_type`; the error says what is wrong, for
/// `MANIFEST_INVALID`'s detail.
pub fn parse(content_type: Option<&str>, body: &[u8]) -> Result<Parsed, String> {
    if body.len() > MAX_MANIFEST_BYTES {
        return Err(format!("the manifest is {} bytes; at most {MAX_MANIFEST_BYTES} are taken", body.len()));
    }
    let raw: Raw = serde_json::from_slice(body).map_err(|e| format!("the manifest is not JSON: {e}"))?;
    let declared = content_type.map(|c| c.split(';').next().unwrap_or("").trim().to_string()).filter(|c| !c.is_empty());
    let media_type = match (declared, raw.media_type.clone()) {
        (Some(c), Some(m)) if c != m => {
            return Err(format!("Content-Type {c} does not match the manifest's mediaType {m}"));
        }
        (Some(c), _) => c,
        (None, Some(m)) => m,
        // An OCI manifest may leave mediaType out; with a config and layers it is one.
        (None, None) if raw.config.is_some() && raw.layers.is_some() => OCI_MANIFEST.to_string(),
        (None, None) => return Err("the manifest names no media type and none was sent".into()),
    };
    if media_type == DOCKER_LIST || media_type == OCI_INDEX || raw.manifests.is_some() {
        return Err("manifest lists and indexes are not taken: SWR stores single-platform images".into());
    }
    if media_type != DOCKER_V2 && media_type != OCI_MANIFEST {
        return Err(format!("media type {media_type} is not an image manifest SWR takes"));
    }
    if raw.schema_version != Some(2) {
        return Err("schemaVersion must be 2".into());
    }
    let config = raw.config.ok_or("the manifest has no config")?;
    let layers = raw.layers.ok_or("the manifest has no layers")?;
    if layers.len() > MAX_LAYERS {
        return Err(format!("the manifest names {} layers; at most {MAX_LAYERS}", layers.len()));
    }
    let mut blobs: Vec<BlobRef> = Vec::with_capacity(layers.len() + 1);
    for d in std::iter::once(&config).chain(&layers) {
        if !valid_digest(&d.digest) {
            return Err(format!("`{}` is not a sha256 digest", d.digest));
        }
        let Ok(size) = u64::try_from(d.size) else {
            return Err(format!("blob {} has a negative size", d.digest));
        };
        if d.media_type.len() > 255 {
            return Err(format!("blob {} has a media type over 255 characters", d.digest));
        }
        // The same layer twice is one blob.
        if !blobs.iter().any(|b| b.digest == d.digest) {
            blobs.push(BlobRef { digest: d.digest.clone(), size });
        }
    }
    Ok(Parsed { media_type, blobs })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::content::digest_of;

    fn manifest(media: &str, config: &str, layer: &str, size: i64) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2, "mediaType": media,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": 2},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer, "size": size}],
        }))
        .unwrap()
    }

    #[test]
    fn image_manifests_of_both_formats_are_read() {
        let (c, l) = (digest_of(b"{}"), digest_of(b"layer"));
        for media in [DOCKER_V2, OCI_MANIFEST] {
            let p = parse(Some(media), &manifest(media, &c, &l, 5)).unwrap();
            assert_eq!(p.media_type, media);
            assert_eq!(p.blobs, vec![BlobRef { digest: c.clone(), size: 2 }, BlobRef { digest: l.clone(), size: 5 }]);
        }
    }

    #[test]
    fn what_is_not_an_image_manifest_is_refused_with_a_reason() {
        let (c, l) = (digest_of(b"{}"), digest_of(b"layer"));
        let cases: Vec<(Option<&str>, Vec<u8>, &str)> = vec![
            (Some(OCI_MANIFEST), b"{not json".to_vec(), "not JSON"),
            (Some(DOCKER_V2), manifest(OCI_MANIFEST, &c, &l, 5), "does not match"),
            (Some(OCI_INDEX), br#"{"schemaVersion":2,"manifests":[]}"#.to_vec(), "lists and indexes"),
            (Some(OCI_MANIFEST), manifest(OCI_MANIFEST, "sha256:../../etc", &l, 5), "not a sha256 digest"),
            (Some(OCI_MANIFEST), manifest(OCI_MANIFEST, &c, &l, -1), "negative size"),
            (Some("text/plain"), b"{}".to_vec(), "not an image manifest"),
            (None, b"{}".to_vec(), "no media type"),
            (
                Some(OCI_MANIFEST),
                br#"{"schemaVersion":1,"config":{"digest":"x","size":1},"layers":[]}"#.to_vec(),
                "schemaVersion",
            ),
        ];
        for (ct, body, why) in cases {
            let err = parse(ct, &body).unwrap_err();
            assert!(err.contains(why), "{why}: {err}");
        }
    }
}
