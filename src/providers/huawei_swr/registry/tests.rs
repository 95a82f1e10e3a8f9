//! SWR's registry end to end through an `Endpoint`: login, tokens, pushes and pulls as registry
//! clients send them, the engine's decisions and the registry's refusals of bad input. The
//! real clients (skopeo, oras) run against a served registry in `tests/registry_clients.rs`.

use serde_json::{Value, json};

use super::login;
use crate::engine::content::digest_of;
use crate::engine::{Engine, Operation, Request, Settings, ShareOptions, Validity, Visibility};
use crate::providers::Provider;
use crate::wire::content::SampleImage;
use crate::wire::{Door, Endpoint, HttpRequest, HttpResponse, KeyStore};

const P: Provider = Provider::HuaweiSwr;
const HOST: &str = "127.0.0.1:5000";

struct Registry {
    ep: Endpoint,
}

impl Registry {
    fn new(settings: Settings) -> Registry {
        let mut engine = Engine::with_settings(P, 0, settings);
        let mut keys = KeyStore::default();
        for name in ["owner", "alice", "bob"] {
            engine.add_account(name).unwrap();
            let (id, secret) = KeyStore::derive(P, name, 0);
            keys.insert(&id, name, &secret);
        }
        let mut r = Registry { ep: Endpoint::new(engine, keys, true) };
        r.engine(
            "owner",
            Operation::CreateImage(crate::engine::NewImage {
                name: "base".into(),
                region: "home".into(),
                ..Default::default()
            }),
        );
        r
    }

    fn engine(&mut self, actor: &str, op: Operation) {
        let engine = self.ep.engine().clone();
        let mut engine = engine;
        engine.apply(&Request::new(actor, op)).unwrap();
        self.ep.replace_engine(engine);
    }

    fn basic(&self, account: &str) -> String {
        let (id, key) = self.ep.keys().id_of(account).unwrap();
        let pass = login::login_key(id, &key.secret);
        format!("Basic {}", crate::wire::codec::base64(format!("cn-north-4@{id}:{pass}").as_bytes()))
    }

    fn send(&mut self, req: HttpRequest) -> HttpResponse {
        self.ep.handle_at(Door::Registry, &req.header("Host", HOST), 0)
    }

    /// A token for `account` (anyone when `None`) asking for `actions` on `name`.
    fn token(&mut self, account: Option<&str>, name: &str, actions: &str) -> HttpResponse {
        let mut req = HttpRequest::new(
            "GET",
            &format!("{}?service=dockyard&scope=repository:{name}:{actions}", login::TOKEN_PATH),
        );
        if let Some(a) = account {
            req = req.header("Authorization", &self.basic(a));
        }
        self.send(req)
    }

    fn bearer(&mut self, account: Option<&str>, name: &str, actions: &str) -> String {
        let resp = self.token(account, name, actions);
        assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
        format!("Bearer {}", resp.json_body().unwrap()["token"].as_str().unwrap())
    }

    fn with(&mut self, bearer: &str, method: &str, target: &str, body: &[u8]) -> HttpResponse {
        self.send(HttpRequest::new(method, target).header("Authorization", bearer).body(body.to_vec()))
    }

    /// Pushes `SampleImage(name, tag)` as `account`: the config in one request, the layer in
    /// two chunks, then the manifest. Returns the manifest's response.
    fn push(&mut self, account: &str, name: &str, tag: &str) -> HttpResponse {
        let t = self.bearer(Some(account), name, "pull,push");
        let image = SampleImage::new(name, tag);
        let config = self.with(
            &t,
            "POST",
            &format!("/v2/{name}/blobs/uploads/?digest={}", digest_of(&image.config)),
            &image.config,
        );
        if config.status != 201 {
            return config;
        }
        let started = self.with(&t, "POST", &format!("/v2/{name}/blobs/uploads/"), b"");
        if started.status != 202 {
            return started;
        }
        let location = started.header("Location").unwrap().to_string();
        let half = image.layer.len() / 2;
        let first = self.send(
            HttpRequest::new("PATCH", &location)
                .header("Authorization", &t)
                .header("Content-Range", &format!("0-{}", half - 1))
                .body(image.layer[..half].to_vec()),
        );
        assert_eq!((first.status, first.header("Range")), (202, Some(format!("0-{}", half - 1).as_str())));
        let done =
            self.with(&t, "PUT", &format!("{location}?digest={}", digest_of(&image.layer)), &image.layer[half..]);
        if done.status != 201 {
            return done;
        }
        self.send(
            HttpRequest::new("PUT", &format!("/v2/{name}/manifests/{tag}"))
                .header("Authorization", &t)
                .header("Content-Type", crate::wire::content::OCI_MANIFEST)
                .body(image.manifest.clone()),
        )
    }
}

fn code(resp: &HttpResponse) -> (u16, String) {
    let body = resp.json_body().unwrap_or(Value::Null);
    (resp.status, body["errors"][0]["code"].as_str().unwrap_or("").to_string())
}

fn rule(resp: &HttpResponse) -> Option<&str> {
    resp.header(crate::wire::endpoint::RULE_HEADER)
}

fn shared() -> Registry {
    let mut r = Registry::new(Settings::default());
    assert_eq!(r.push("owner", "ns-owner/base", "v1").status, 201);
    let options = ShareOptions { validity: Some(Validity::Until(r.ep.engine().now() + 600)), ..Default::default() };
    let alice = "alice".to_string();
    r.engine("owner", Operation::Share { images: vec!["ns-owner/base".into()], recipients: vec![alice], options });
    r
}

#[test]
fn the_challenge_sends_a_client_to_swrs_token_service() {
    let mut r = Registry::new(Settings::default());
    let ping = r.send(HttpRequest::new("GET", "/v2/"));
    assert_eq!(ping.status, 401);
    assert_eq!(
        ping.header("WWW-Authenticate"),
        Some("Bearer realm=\"http://127.0.0.1:5000/swr/auth/v2/registry/auth/\",service=\"dockyard\"")
    );
    assert_eq!(ping.header("Docker-Distribution-API-Version"), Some("registry/2.0"));
    let bearer = r.bearer(Some("owner"), "ns-owner/base", "pull");
    assert_eq!(r.with(&bearer, "GET", "/v2/", b"").status, 200);
    // A wrong password, and Basic sent straight to /v2/, are SWR's "Authenticate Error".
    let wrong = format!("Basic {}", crate::wire::codec::base64(b"cn-north-4@NOSUCHKEY:0000"));
    let refused = r.send(HttpRequest::new("GET", login::TOKEN_PATH).header("Authorization", &wrong));
    assert_eq!(code(&refused), (401, "DENIED".into()));
    let basic = r.basic("owner");
    assert_eq!(code(&r.with(&basic, "GET", "/v2/ns-owner/base/tags/list", b"")), (401, "DENIED".into()));
    // A forged token is sent back to the token service.
    let forged = bearer.replacen('.', ".x", 1);
    let resp = r.with(&forged, "GET", "/v2/ns-owner/base/tags/list", b"");
    assert_eq!(code(&resp), (401, "UNAUTHORIZED".into()));
    assert!(resp.header("WWW-Authenticate").unwrap().ends_with("scope=\"repository:ns-owner/base:pull\""));
}

#[test]
fn the_owner_pushes_and_pulls_by_tag_and_by_digest() {
    let mut r = Registry::new(Settings::default());
    let put = r.push("owner", "ns-owner/base", "v1");
    let image = SampleImage::new("ns-owner/base", "v1");
    let digest = digest_of(&image.manifest);
    assert_eq!((put.status, put.header("Docker-Content-Digest")), (201, Some(digest.as_str())));
    let t = r.bearer(Some("owner"), "ns-owner/base", "pull");
    for reference in ["v1", digest.as_str()] {
        let got = r.with(&t, "GET", &format!("/v2/ns-owner/base/manifests/{reference}"), b"");
        assert_eq!((got.status, &got.body[..]), (200, &image.manifest[..]));
        assert_eq!(got.header("Content-Type"), Some(crate::wire::content::OCI_MANIFEST));
    }
    let blob = r.with(&t, "GET", &format!("/v2/ns-owner/base/blobs/{}", digest_of(&image.layer)), b"");
    assert_eq!((blob.status, &blob.body[..]), (200, &image.layer[..]));
    let head = r.with(&t, "HEAD", &format!("/v2/ns-owner/base/blobs/{}", digest_of(&image.config)), b"");
    assert_eq!((head.status, head.body.len()), (200, image.config.len()), "HEAD's length is the blob's");
    let tags = r.with(&t, "GET", "/v2/ns-owner/base/tags/list", b"").json_body().unwrap();
    assert_eq!(tags, json!({ "name": "ns-owner/base", "tags": ["v1"] }));
    let unknown = r.with(&t, "GET", "/v2/ns-owner/base/manifests/v9", b"");
    assert_eq!(code(&unknown), (404, "MANIFEST_UNKNOWN".into()));
    assert_eq!(code(&r.with(&t, "GET", "/v2/_catalog", b"")), (404, "UNSUPPORTED".into()), "SWR has no catalog");
}

#[test]
fn a_push_creates_a_private_repository_in_the_owners_namespace_only() {
    let mut r = Registry::new(Settings::default());
    let t = r.bearer(Some("owner"), "ns-owner/fresh", "pull,push");
    let tags = r.with(&t, "GET", "/v2/ns-owner/fresh/tags/list", b"");
    assert_eq!(tags.json_body().unwrap(), json!({ "name": "ns-owner/fresh", "tags": null }), "SWR lists no tags");
    assert_eq!(r.push("owner", "ns-owner/fresh", "v1").status, 201);
    let made = r.ep.engine().state().images.iter().find(|i| i.id == "ns-owner/fresh").unwrap();
    assert_eq!(made.visibility, Visibility::Private);
    // Nobody's namespace but its owner's: the token grants nothing there.
    assert_eq!(code(&r.token(Some("alice"), "ns-owner/other", "pull,push")), (401, "DENIED".into()));
}

#[test]
fn a_recipient_pulls_until_the_share_ends_and_never_pushes() {
    let mut r = shared();
    // HS-PULL-ONLY: asked for pull and push, the recipient's token grants pull.
    let t = r.bearer(Some("alice"), "ns-owner/base", "pull,push");
    assert_eq!(r.with(&t, "GET", "/v2/ns-owner/base/manifests/v1", b"").status, 200);
    let upload = r.with(&t, "POST", "/v2/ns-owner/base/blobs/uploads/", b"");
    assert_eq!((code(&upload), rule(&upload)), ((401, "DENIED".into()), Some("HS-PULL-ONLY")));
    let manifest = SampleImage::new("ns-owner/base", "v1").manifest;
    let put = r.send(
        HttpRequest::new("PUT", "/v2/ns-owner/base/manifests/mine")
            .header("Authorization", &t)
            .header("Content-Type", crate::wire::content::OCI_MANIFEST)
            .body(manifest),
    );
    assert_eq!(rule(&put), Some("HS-PULL-ONLY"));
    // HS-VALID-UNTIL: the same token (valid 900 s) after the deadline on the virtual clock.
    r.ep.advance_clock(600);
    let late = r.with(&t, "GET", "/v2/ns-owner/base/manifests/v1", b"");
    assert_eq!((code(&late), rule(&late)), ((401, "DENIED".into()), Some("HS-VALID-UNTIL")));
    assert_eq!(rule(&r.token(Some("alice"), "ns-owner/base", "pull")), Some("HS-VALID-UNTIL"));
    // A stranger and anyone get nothing.
    assert_eq!(code(&r.token(Some("bob"), "ns-owner/base", "pull")), (401, "DENIED".into()));
    assert_eq!(code(&r.token(None, "ns-owner/base", "pull")), (401, "DENIED".into()));
}

#[test]
fn a_public_repository_is_pulled_by_anyone_without_logging_in() {
    let mut r = Registry::new(Settings::default());
    assert_eq!(r.push("owner", "ns-owner/base", "v1").status, 201);
    r.engine("owner", Operation::SetVisibility { image: "ns-owner/base".into(), visibility: Visibility::Public });
    let anyone = r.bearer(None, "ns-owner/base", "pull,push");
    assert_eq!(r.with(&anyone, "GET", "/v2/ns-owner/base/manifests/v1", b"").status, 200);
    assert_eq!(code(&r.with(&anyone, "POST", "/v2/ns-owner/base/blobs/uploads/", b"")).1, "UNAUTHORIZED");
    let bob = r.bearer(Some("bob"), "ns-owner/base", "pull,push");
    let pushed = r.with(&bob, "POST", "/v2/ns-owner/base/blobs/uploads/", b"");
    assert_eq!((code(&pushed).1, rule(&pushed)), ("DENIED".into(), Some("HS-MAKE-PUBLIC")));
}

#[test]
fn a_blob_is_mounted_from_a_repository_the_caller_may_pull() {
    let mut r = Registry::new(Settings::default());
    assert_eq!(r.push("owner", "ns-owner/base", "v1").status, 201);
    let layer = digest_of(&SampleImage::new("ns-owner/base", "v1").layer);
    let t = r.bearer(Some("owner"), "ns-owner/copy", "pull,push");
    let held = r.ep.content().held_bytes();
    // Without pull on the source in the token, the client is told to upload instead.
    let fallback =
        r.with(&t, "POST", &format!("/v2/ns-owner/copy/blobs/uploads/?mount={layer}&from=ns-owner/base"), b"");
    assert_eq!(fallback.status, 202);
    let scope = format!(
        "{}?service=dockyard&scope=repository:ns-owner/copy:pull,push&scope=repository:ns-owner/base:pull",
        login::TOKEN_PATH
    );
    let basic = r.basic("owner");
    let both = r.send(HttpRequest::new("GET", &scope).header("Authorization", &basic));
    let both = format!("Bearer {}", both.json_body().unwrap()["token"].as_str().unwrap());
    let mounted =
        r.with(&both, "POST", &format!("/v2/ns-owner/copy/blobs/uploads/?mount={layer}&from=ns-owner/base"), b"");
    assert_eq!((mounted.status, mounted.header("Docker-Content-Digest")), (201, Some(layer.as_str())));
    assert_eq!(r.ep.content().held_bytes(), held, "a mount stores nothing again");
}

#[test]
fn bad_input_gets_the_registrys_error_and_nothing_half_written_is_visible() {
    let mut r = Registry::new(Settings { blob_limit: Some(4096), ..Settings::default() });
    let t = r.bearer(Some("owner"), "ns-owner/base", "pull,push");
    /// Method, target, body and the (status, code) the registry answers.
    type Case = (&'static str, String, Vec<u8>, (u16, &'static str));
    let cases: Vec<Case> = vec![
        ("GET", "/v2/ns-owner/../etc/manifests/v1".into(), vec![], (400, "NAME_INVALID")),
        ("GET", "/v2/ns-owner/base/manifests/-bad-".into(), vec![], (400, "TAG_INVALID")),
        ("GET", "/v2/ns-owner/base/blobs/sha256:zz".into(), vec![], (400, "DIGEST_INVALID")),
        ("PUT", "/v2/ns-owner/base/manifests/v1".into(), b"{not json".to_vec(), (400, "MANIFEST_INVALID")),
        (
            "POST",
            format!("/v2/ns-owner/base/blobs/uploads/?digest={}", digest_of(b"other")),
            b"data".to_vec(),
            (400, "DIGEST_INVALID"),
        ),
        (
            "POST",
            format!("/v2/ns-owner/base/blobs/uploads/?digest={}", digest_of(&[7; 5000])),
            vec![7; 5000],
            (403, "DENIED"),
        ),
        ("PATCH", "/v2/ns-owner/base/blobs/uploads/nosuchupload".into(), b"x".to_vec(), (404, "BLOB_UPLOAD_UNKNOWN")),
        ("DELETE", "/v2/ns-owner/base/manifests/v1".into(), vec![], (405, "UNSUPPORTED")),
    ];
    for (method, target, body, want) in cases {
        let resp = r.with(&t, method, &target, &body);
        assert_eq!(code(&resp), (want.0, want.1.to_string()), "{method} {target}");
    }
    // A manifest naming a blob never pushed here.
    let image = SampleImage::new("ns-owner/base", "v1");
    let put = r.send(
        HttpRequest::new("PUT", "/v2/ns-owner/base/manifests/v1")
            .header("Authorization", &t)
            .header("Content-Type", crate::wire::content::OCI_MANIFEST)
            .body(image.manifest.clone()),
    );
    assert_eq!(code(&put), (400, "MANIFEST_BLOB_UNKNOWN".into()));
    // A chunk out of order is refused and the upload keeps what it had.
    let started = r.with(&t, "POST", "/v2/ns-owner/base/blobs/uploads/", b"abc");
    let location = started.header("Location").unwrap().to_string();
    let skipped = r.send(
        HttpRequest::new("PATCH", &location)
            .header("Authorization", &t)
            .header("Content-Range", "10-12")
            .body(b"xyz".to_vec()),
    );
    assert_eq!((code(&skipped), skipped.header("Range")), ((416, "BLOB_UPLOAD_INVALID".into()), Some("0-2")));
    // A wrong digest at the end: refused, and the blob is not there.
    let wrong = r.with(&t, "PUT", &format!("{location}?digest={}", digest_of(b"abcd")), b"");
    assert_eq!(code(&wrong), (400, "DIGEST_INVALID".into()));
    let head = r.with(&t, "HEAD", &format!("/v2/ns-owner/base/blobs/{}", digest_of(b"abc")), b"");
    assert_eq!(head.status, 404);
    let content = r.ep.engine().content("ns-owner/base").unwrap();
    assert!(content.blobs.is_empty() && content.tags.is_empty(), "the engine references nothing half-written");
}

#[test]
fn a_temporary_login_from_create_secret_logs_in_until_it_expires() {
    let mut r = Registry::new(Settings::default());
    r.ep.set_registry_host(HOST.into());
    let (id, key) = r.ep.keys().id_of("alice").map(|(i, k)| (i.to_string(), k.clone())).unwrap();
    let mut req = HttpRequest::new("POST", "/v2/manage/utils/secret?projectname=cn-north-4&duration_seconds=900")
        .header("Host", HOST)
        .header("Content-Type", "application/json");
    crate::providers::huawei_gateway::sign(
        &mut req,
        &id,
        &key.secret,
        &["host", "x-sdk-date"],
        crate::server::wall_clock(),
    );
    let resp = r.ep.handle(&req, crate::server::wall_clock());
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    let auth = resp.json_body().unwrap()["auths"][HOST]["auth"].as_str().unwrap().to_string();
    assert!(resp.header("X-Swr-Dockerlogin").unwrap().starts_with(&format!("docker login -u cn-north-4@{id} -p ")));
    let basic = format!("Basic {auth}");
    let token = |r: &mut Registry| {
        r.send(
            HttpRequest::new("GET", &format!("{}?service=dockyard", login::TOKEN_PATH)).header("Authorization", &basic),
        )
    };
    assert_eq!(token(&mut r).status, 200);
    r.ep.advance_clock(900);
    assert_eq!(code(&token(&mut r)), (401, "DENIED".into()), "expired on the virtual clock");
}

#[test]
fn the_same_layer_in_many_repositories_is_held_once() {
    let mut r = Registry::new(Settings::default());
    assert_eq!(r.push("owner", "ns-owner/base", "v1").status, 201);
    let held = r.ep.content().held_bytes();
    let layer = SampleImage::new("ns-owner/base", "v1").layer;
    for i in 0..20 {
        let name = format!("ns-owner/r{i}");
        let t = r.bearer(Some("owner"), &name, "pull,push");
        let up = r.with(&t, "POST", &format!("/v2/{name}/blobs/uploads/?digest={}", digest_of(&layer)), &layer);
        assert_eq!(up.status, 201);
    }
    assert_eq!(r.ep.content().held_bytes(), held, "twenty uploads of one layer store it once");
}

// ----- pushing again into a deleted repository, with a client's own helpers ------------------

mod again {
    use super::*;
    use crate::wire::codec;

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
        // skopeo, docker and oras send a blob HEAD before each upload: in the owner's own deleted
        // repository it must be "not here" (404), or no real client could push it anew
        // (HS-PUSH-CREATES). A pull of it is still refused by HS-AFTER-DELETE, as in process.
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
        // A token asked for while the repository was gone granted push only; ask again.
        let t = token(&mut ep, owner, scope).unwrap();
        assert_eq!(head_blob(&mut ep, &t, "ns-owner/base", b"layer two").status, 200);
        assert_eq!(head_blob(&mut ep, &t, "ns-owner/base", b"layer one").status, 404, "nothing of the old one");
    }
}
