//! The registry through an `Endpoint`, as a client's requests reach it.

use serde_json::Value;

use super::login;
use crate::engine::{Engine, Operation, ShareOptions};
use crate::providers::Provider;
use crate::wire::{Door, Endpoint, HttpRequest, HttpResponse, KeyStore, codec};

const P: Provider = Provider::HuaweiSwr;

/// `owner`, `alice` and `bob`, each with a key; returns the endpoint and each one's Basic login.
fn world() -> (Endpoint, Vec<String>) {
    let mut engine = Engine::new(P, 0);
    let mut keys = KeyStore::default();
    let mut logins = Vec::new();
    for name in ["owner", "alice", "bob"] {
        engine.add_account(name).unwrap();
        let (ak, sk) = KeyStore::derive(P, name, 0);
        keys.insert(&ak, name, &sk);
        let user_pass = format!("cn-north-4@{ak}:{}", login::login_key(&ak, &sk));
        logins.push(format!("Basic {}", codec::base64(user_pass.as_bytes())));
    }
    (Endpoint::new(engine, keys, true), logins)
}

fn send(ep: &mut Endpoint, req: HttpRequest) -> HttpResponse {
    let now = ep.engine().now();
    ep.handle_at(Door::Registry, &req.header("Host", "127.0.0.1:5000"), now)
}

fn header(resp: &HttpResponse, name: &str) -> Option<String> {
    resp.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
}

/// A token for `scope`, as `docker login` then a pull or push asks for one.
fn token(ep: &mut Endpoint, basic: &str, scope: &str) -> Result<String, HttpResponse> {
    let target = format!("{}?service={}&scope={}", login::TOKEN_PATH, login::SERVICE, codec::encode(scope));
    let resp = send(ep, HttpRequest::new("GET", &target).header("Authorization", basic));
    if resp.status != 200 {
        return Err(resp);
    }
    let body: Value = resp.json_body().unwrap();
    Ok(format!("Bearer {}", body["token"].as_str().unwrap()))
}

/// A monolithic blob upload (`POST …/blobs/uploads/?digest=`).
fn upload(ep: &mut Endpoint, bearer: &str, repo: &str, data: &[u8]) -> HttpResponse {
    let digest = crate::engine::content::digest_of(data);
    let target = format!("/v2/{repo}/blobs/uploads/?digest={}", codec::encode(&digest));
    send(ep, HttpRequest::new("POST", &target).header("Authorization", bearer).body(data.to_vec()))
}

fn head_blob(ep: &mut Endpoint, bearer: &str, repo: &str, data: &[u8]) -> HttpResponse {
    let digest = crate::engine::content::digest_of(data);
    send(ep, HttpRequest::new("HEAD", &format!("/v2/{repo}/blobs/{digest}")).header("Authorization", bearer))
}

#[test]
fn the_owner_pushes_again_into_a_repository_it_deleted() {
    // The defect: once ns-owner/base was deleted, every pull-side request of its owner there
    // (the blob HEAD that skopeo, docker and oras send before each upload) was refused 401
    // DENIED (HS-AFTER-DELETE), so no real client could push it anew, though a push would
    // create it (HS-PUSH-CREATES). A deleted repository in the caller's own namespace is now
    // as unknown as one never made; a recipient is still refused by HS-AFTER-DELETE.
    let (mut ep, logins) = world();
    let (owner, alice) = (&logins[0], &logins[1]);
    let scope = "repository:ns-owner/base:pull,push";
    let t = token(&mut ep, owner, scope).unwrap();
    assert_eq!(upload(&mut ep, &t, "ns-owner/base", b"layer one").status, 201);
    let share = Operation::Share {
        images: vec!["ns-owner/base".into()],
        recipients: vec!["alice".into()],
        options: ShareOptions::default(),
    };
    ep.apply("owner", None, share).unwrap();
    ep.apply("owner", None, Operation::Delete { image: "ns-owner/base".into() }).unwrap();

    // alice's share ended with the repository it named.
    let refused = token(&mut ep, alice, "repository:ns-owner/base:pull").unwrap_err();
    assert_eq!(refused.status, 401);
    assert_eq!(header(&refused, "x-sharesim-rule").as_deref(), Some("HS-AFTER-DELETE"));

    let t = token(&mut ep, owner, scope).unwrap();
    let head = head_blob(&mut ep, &t, "ns-owner/base", b"layer one");
    assert_eq!(head.status, 404, "the owner's deleted repository holds no blob: {head:?}");
    let pushed = upload(&mut ep, &t, "ns-owner/base", b"layer two");
    assert_eq!(pushed.status, 201, "the owner's push creates it again: {pushed:?}");
    assert_eq!(head_blob(&mut ep, &t, "ns-owner/base", b"layer two").status, 200);
    assert_eq!(head_blob(&mut ep, &t, "ns-owner/base", b"layer one").status, 404, "nothing of the old one");
}
