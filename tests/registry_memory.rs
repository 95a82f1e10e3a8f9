//! SWR's registry holds a layer once however many repositories it is pushed to: the same layer,
//! uploaded whole over HTTP to 100 repositories, leaves the content store holding one copy
//! (plus the one config and the one manifest), and every repository pulls it back by the same
//! digest. The timings and the process's memory are benches/registry.rs's; this is the proof
//! that `cargo test` keeps.

use sharesim::Provider;
use sharesim::engine::content::digest_of;
use sharesim::providers::huawei_swr::registry::login::login_key;
use sharesim::server::{Running, listen, lock};
use sharesim::wire::client::HttpClient;
use sharesim::wire::{HttpRequest, KeyStore, codec};
use sharesim::world::World;

const P: Provider = Provider::HuaweiSwr;
const REPOS: usize = 100;
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

/// A deterministic 384 KiB layer.
fn layer() -> Vec<u8> {
    let mut x: u32 = 0x1234_5678;
    (0..384 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// `(held bytes, distinct blobs)` of the registry's content store.
fn held(running: &Running) -> (u64, usize) {
    let mut ep = lock(&running.endpoints[&P]);
    (ep.content().held_bytes(), ep.content().len())
}

async fn token(client: &HttpClient, base: &str, repo: &str) -> String {
    let (ak, sk) = KeyStore::derive(P, "owner", 0);
    let basic = codec::base64(format!("cn-north-4@{ak}:{}", login_key(&ak, &sk)).as_bytes());
    let target = format!("/swr/auth/v2/registry/auth/?service=dockyard&scope=repository:{repo}:pull,push");
    let req = HttpRequest::new("GET", &target).header("Authorization", &format!("Basic {basic}"));
    let resp = client.send(base, &req).await.expect("token request");
    assert_eq!(resp.status, 200, "{repo}: token refused: {}", String::from_utf8_lossy(&resp.body));
    let token = resp.json_body().and_then(|b| b["token"].as_str().map(String::from)).expect("a token");
    format!("Bearer {token}")
}

async fn send(client: &HttpClient, base: &str, req: HttpRequest, status: u16) -> sharesim::wire::HttpResponse {
    let what = format!("{} {}", req.method, req.target);
    let resp = client.send(base, &req).await.expect("the registry answers");
    assert_eq!(resp.status, status, "{what}: {}", String::from_utf8_lossy(&resp.body));
    resp
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_layer_pushed_to_100_repositories_is_held_once_and_pulled_by_its_digest() {
    let world = World::default_world();
    let running = listen(vec![(P, world.endpoint(P, true).expect("SWR's world"))], 0).await.expect("serve");
    let base = format!("http://{}", running.registries[&P]);
    let client = HttpClient::new();

    let layer = layer();
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux", "rootfs": { "type": "layers", "diff_ids": [digest_of(&layer)] },
    }))
    .unwrap();
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest_of(&config), "size": config.len() },
        "layers": [{ "mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest_of(&layer), "size": layer.len() }],
    }))
    .unwrap();
    let (layer_digest, manifest_digest) = (digest_of(&layer), digest_of(&manifest));

    let (held_before, blobs_before) = held(&running);
    for i in 0..REPOS {
        let repo = format!("ns-owner/r{i}");
        let bearer = token(&client, &base, &repo).await;
        // Every byte of the layer crosses the wire each time: no cross-repository mount.
        for data in [&layer, &config] {
            let req = HttpRequest::new("POST", &format!("/v2/{repo}/blobs/uploads/?digest={}", digest_of(data)))
                .header("Authorization", &bearer)
                .header("Content-Type", "application/octet-stream")
                .body(data.clone());
            send(&client, &base, req, 201).await;
        }
        let req = HttpRequest::new("PUT", &format!("/v2/{repo}/manifests/v1"))
            .header("Authorization", &bearer)
            .header("Content-Type", OCI_MANIFEST)
            .body(manifest.clone());
        let resp = send(&client, &base, req, 201).await;
        assert_eq!(resp.header("Docker-Content-Digest"), Some(manifest_digest.as_str()), "{repo}");
    }

    let (held_after, blobs_after) = held(&running);
    let one_image = (layer.len() + config.len() + manifest.len()) as u64;
    assert_eq!(
        (held_after - held_before, blobs_after - blobs_before),
        (one_image, 3),
        "{REPOS} pushes of the same image hold its layer, config and manifest once, not {REPOS} times"
    );

    for i in 0..REPOS {
        let repo = format!("ns-owner/r{i}");
        let bearer = token(&client, &base, &repo).await;
        let req = HttpRequest::new("GET", &format!("/v2/{repo}/manifests/v1"))
            .header("Authorization", &bearer)
            .header("Accept", OCI_MANIFEST);
        let resp = send(&client, &base, req, 200).await;
        assert_eq!(resp.header("Docker-Content-Digest"), Some(manifest_digest.as_str()), "{repo}");
        assert_eq!(digest_of(&resp.body), manifest_digest, "{repo}: the manifest's bytes");
        let req = HttpRequest::new("GET", &format!("/v2/{repo}/blobs/{layer_digest}")).header("Authorization", &bearer);
        let resp = send(&client, &base, req, 200).await;
        assert_eq!(resp.header("Docker-Content-Digest"), Some(layer_digest.as_str()), "{repo}");
        assert_eq!(digest_of(&resp.body), layer_digest, "{repo}: the layer's bytes");
    }
    assert_eq!(held(&running), (held_after, blobs_after), "pulls hold nothing more");
    running.shutdown().await.expect("no state files to save");
}
