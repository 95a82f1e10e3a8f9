//! The JD Cloud adapter end to end: signed requests in, JD's envelope out, through an
//! `Endpoint` holding a small world. A test-only JDCLOUD3 signer plays the SDK; the captures
//! in `tests/data/captures/jdcloud` play the real one.

use serde_json::{Value, json};

use super::{Api, route};
use crate::engine::{Engine, NewImage, Operation, Output, Request};
use crate::providers::Provider;
use crate::providers::jdcloud::signature::{self, Algorithm, Signer};
use crate::rules::IdentityKind;
use crate::wire::{Endpoint, HttpRequest, HttpResponse, KeyStore, Rejection};

const P: Provider = Provider::Jdcloud;
/// The test clock: 2026-01-01T00:10:00Z (signatures only; the engine has its own clock).
const NOW: u64 = 1_767_225_600 + 600;
const HOME: &str = "cn-north-1";
const AWAY: &str = "cn-east-2";

struct Jd {
    ep: Endpoint,
    nonce: u64,
}

fn secret_of(account: &str) -> String {
    KeyStore::derive(P, account, 0).1
}

impl Jd {
    /// `owner`, `alice`, `bob` and `crowd1`…`crowd12`, each with a key; `owner` has `base`.
    fn new() -> (Jd, String) {
        let mut engine = Engine::new(P, 0);
        let mut keys = KeyStore::default();
        let names: Vec<String> = ["owner", "alice", "bob"]
            .map(String::from)
            .into_iter()
            .chain((1..=12).map(|i| format!("crowd{i}")))
            .collect();
        for name in &names {
            engine.add_account(name).unwrap();
            let (id, secret) = KeyStore::derive(P, name, 0);
            keys.insert(&id, name, &secret);
        }
        let new = NewImage { name: "base".into(), region: "home".into(), ..Default::default() };
        let image = match engine.apply(&Request::new("owner", Operation::CreateImage(new))) {
            Ok(Output::ImageCreated { image, .. }) => image,
            other => panic!("{other:?}"),
        };
        (Jd { ep: Endpoint::new(engine, keys, true), nonce: 0 }, image)
    }

    fn pin(&self, account: &str) -> String {
        self.ep.engine().recipient_id(account, "home").unwrap()
    }

    fn key_of(&self, account: &str) -> String {
        self.ep.keys().id_of(account).unwrap().0.to_string()
    }

    /// A request as the Python SDK sends it, signed for `actor` with `secret`, with a nonce
    /// of its own.
    fn signed(&mut self, actor: &str, secret: &str, method: &str, target: &str, body: Option<Value>) -> HttpRequest {
        self.nonce += 1;
        let nonce = format!("00000000-0000-4000-8000-{:012}", self.nonce);
        self.signed_with_nonce(actor, secret, &nonce, (method, target), body)
    }

    fn signed_with_nonce(
        &self,
        actor: &str,
        secret: &str,
        nonce: &str,
        (method, target): (&str, &str),
        body: Option<Value>,
    ) -> HttpRequest {
        let mut req = HttpRequest::new(method, target)
            .header("Host", "127.0.0.1:8000")
            .header("User-Agent", "JdcloudSdkPython/1.2.9 vm/1.6.1")
            .header("Content-Type", "application/json");
        if let Some(b) = body {
            req = req.body(serde_json::to_vec(&b).unwrap());
        }
        let key = self.key_of(actor);
        let signer = Signer {
            algorithm: Algorithm::V3,
            access_key: &key,
            secret,
            region: HOME,
            nonce,
            signed: &["content-type", "host"],
        };
        signature::sign(req, &signer, NOW)
    }

    fn call(&mut self, actor: &str, method: &str, target: &str, body: Option<Value>) -> HttpResponse {
        let req = self.signed(actor, &secret_of(actor), method, target, body);
        self.ep.handle(&req, NOW)
    }

    fn get(&mut self, actor: &str, target: &str) -> HttpResponse {
        self.call(actor, "GET", target, None)
    }

    fn share(&mut self, actor: &str, region: &str, image: &str, pins: &[String]) -> HttpResponse {
        let body = json!({ "regionId": region, "imageId": image, "pins": pins, "loginNames": null });
        self.call(actor, "POST", &format!("/v1/regions/{region}/images/{image}:share"), Some(body))
    }

    fn unshare(&mut self, actor: &str, image: &str, pins: &[String]) -> HttpResponse {
        let body = json!({ "regionId": HOME, "imageId": image, "pins": pins, "loginNames": null });
        self.call(actor, "POST", &format!("/v1/regions/{HOME}/images/{image}:unshare"), Some(body))
    }

    fn shared_with(&mut self, actor: &str, region: &str) -> Vec<String> {
        let r =
            ok(&self.get(actor, &format!("/v1/regions/{region}/images?imageSource=shared&pageNumber=1&pageSize=100")));
        ids(&r)
    }

    fn members(&mut self, image: &str) -> Vec<String> {
        let r = ok(&self.get("owner", &format!("/v1/regions/{HOME}/images/{image}/members")));
        assert_eq!(r["loginNames"], json!([]));
        r["pins"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_string()).collect()
    }
}

/// Every answer: JSON, a 32-character request ID in the body and the header.
fn envelope(resp: &HttpResponse) -> Value {
    assert_eq!(resp.header("Content-Type"), Some("application/json"));
    let body = resp.json_body().expect("a JSON body");
    let id = body["requestId"].as_str().expect("a requestId");
    assert!(id.len() == 32 && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()), "{id}");
    assert_eq!(resp.header("x-jdcloud-request-id"), Some(id));
    assert!(resp.header("x-sharesim-outcome").is_some());
    body
}

/// A success's `result` (`null` when there is none).
#[track_caller]
fn ok(resp: &HttpResponse) -> Value {
    let body = envelope(resp);
    assert_eq!(resp.status, 200, "{body}");
    assert!(body.get("error").is_none(), "{body}");
    assert_eq!(resp.header("x-sharesim-outcome"), Some("ok"));
    assert_eq!(resp.header("x-sharesim-rule"), None);
    body.get("result").cloned().unwrap_or(Value::Null)
}

/// An error: (HTTP status, `error.status`, `error.message`); `error.code` is the HTTP status.
#[track_caller]
fn err(resp: &HttpResponse) -> (u16, String, String) {
    let body = envelope(resp);
    let e = &body["error"];
    assert_eq!(e["code"].as_u64(), Some(resp.status as u64), "{body}");
    assert!(body.get("result").is_none(), "{body}");
    (resp.status, e["status"].as_str().unwrap().to_string(), e["message"].as_str().unwrap().to_string())
}

fn outcome(resp: &HttpResponse) -> (&str, Option<&str>) {
    (resp.header("x-sharesim-outcome").unwrap(), resp.header("x-sharesim-rule"))
}

fn ids(result: &Value) -> Vec<String> {
    result["images"].as_array().unwrap().iter().map(|i| i["imageId"].as_str().unwrap().to_string()).collect()
}

fn s(v: &str) -> String {
    v.to_string()
}

#[test]
fn routes() {
    let r = |m: &str, p: &str| route(m, p).map(|c| (c.api, c.region, c.id));
    let img = |api, id: &str| Some((api, s(HOME), s(id)));
    assert_eq!(r("POST", "/v1/regions/cn-north-1/images/img-1:share"), img(Api::ShareImage, "img-1"));
    assert_eq!(r("POST", "/v1/regions/cn-north-1/images/img-1%3Ashare"), img(Api::ShareImage, "img-1"));
    assert_eq!(r("POST", "/v1/regions/cn-north-1/images/img-1%3aunshare"), img(Api::UnShareImage, "img-1"));
    assert_eq!(r("GET", "/v1/regions/cn-north-1/images/img-1/members"), img(Api::DescribeImageMembers, "img-1"));
    assert_eq!(r("GET", "/v1/regions/cn-north-1/images"), img(Api::DescribeImages, ""));
    assert_eq!(r("GET", "//v1/regions/cn-north-1/images/"), img(Api::DescribeImages, ""));
    assert_eq!(r("GET", "/v1/regions/cn-north-1/images/img-1"), img(Api::DescribeImage, "img-1"));
    assert_eq!(r("DELETE", "/v1/regions/cn-north-1/images/img-1"), img(Api::DeleteImage, "img-1"));
    assert_eq!(r("POST", "/v1/regions/cn-north-1/images%3AcopyImages"), img(Api::CopyImages, ""));
    let modify = r("POST", "/v1/regions/cn-north-1/images/img-1:modifyImageAttribute");
    assert_eq!(modify, img(Api::ModifyImageAttribute, "img-1"));
    assert_eq!(r("POST", "/v1/regions/cn-north-1/instances"), img(Api::CreateInstances, ""));
    assert_eq!(r("GET", "/v1/regions/cn-north-1/instances"), img(Api::DescribeInstances, ""));
    assert_eq!(r("GET", "/v1/regions/cn-north-1/instances/i-1"), img(Api::DescribeInstance, "i-1"));
    assert_eq!(r("DELETE", "/v1/regions/cn-north-1/instances/i-1"), img(Api::DeleteInstance, "i-1"));
    assert_eq!(r("POST", "/v1/regions/cn-north-1/instances/i-1%3AstopInstance"), img(Api::StopInstance, "i-1"));
    assert_eq!(r("POST", "/v1/regions/cn-north-1/instances/i-1:rebuildInstance"), img(Api::RebuildInstance, "i-1"));
    assert_eq!(r("POST", "/v1/regions/cn-north-1/instances/i-1:createImage"), img(Api::CreateImage, "i-1"));
    assert_eq!(r("GET", "/v1/regions/cn-north-1/quotas"), img(Api::DescribeQuotas, ""));
    for (m, p) in [
        ("GET", "/v1/regions/cn-north-1/images/img-1:share"),
        ("POST", "/v1/regions/cn-north-1/images/img-1:publish"),
        ("POST", "/v1/regions/cn-north-1/images/:share"),
        ("PUT", "/v1/regions/cn-north-1/images/img-1"),
        ("POST", "/v1/regions/cn-north-1/instances/i-1:reboot"),
        ("POST", "/v1/regions/cn-north-1/instances/:stopInstance"),
        ("PUT", "/v1/regions/cn-north-1/instances/i-1"),
        ("POST", "/v1/regions/cn-north-1/quotas"),
        ("GET", "/v2/regions/cn-north-1/images"),
        ("GET", "/v1/regions"),
        ("GET", "/"),
        ("GET", ""),
    ] {
        assert_eq!(r(m, p), None, "{m} {p}");
    }
}

#[test]
fn share_list_members_limit_unshare_delete() {
    let (mut jd, img) = Jd::new();
    let alice = jd.pin("alice");
    let owner_pin = jd.pin("owner");

    // The owner's image before sharing.
    let r = ok(&jd.get("owner", &format!("/v1/regions/{HOME}/images/{img}")));
    assert_eq!(r["image"]["imageId"], json!(img));
    assert_eq!(r["image"]["imageSource"], json!("private"));
    assert_eq!(r["image"]["launchPermission"], json!("ownerOnly"));
    assert_eq!(r["image"]["status"], json!("ready"));
    assert_eq!(r["image"]["ownerPin"], json!(owner_pin));
    assert_eq!(r["image"]["name"], json!("base"));
    assert!(r["image"]["createTime"].as_str().is_some_and(|t| t.starts_with("2026-")));

    let resp = jd.share("owner", HOME, &img, std::slice::from_ref(&alice));
    assert_eq!(ok(&resp), Value::Null, "ShareImage has no result");

    // The recipient lists it as shared with it, and may describe it.
    let r = ok(&jd.get("alice", &format!("/v1/regions/{HOME}/images?imageSource=shared")));
    assert_eq!(ids(&r), vec![img.clone()]);
    assert_eq!(r["totalCount"], json!(1));
    let listed = &r["images"][0];
    assert_eq!(listed["imageSource"], json!("shared"));
    assert_eq!(listed["launchPermission"], json!("specifiedUsers"));
    assert_eq!(listed["ownerPin"], json!(owner_pin));
    assert_eq!(listed["status"], json!("ready"));
    let r = ok(&jd.get("alice", &format!("/v1/regions/{HOME}/images/{img}")));
    assert_eq!(r["image"]["imageSource"], json!("shared"));
    assert_eq!(jd.shared_with("bob", HOME), Vec::<String>::new());
    // …but not list its members, nor share it on.
    let (status, code, _) = err(&jd.get("alice", &format!("/v1/regions/{HOME}/images/{img}/members")));
    assert_eq!((status, code.as_str()), (400, "FAILED_PRECONDITION"));
    let bob = jd.pin("bob");
    let resp = jd.share("alice", HOME, &img, std::slice::from_ref(&bob));
    assert_eq!(err(&resp), (400, s("FAILED_PRECONDITION"), s("Can't use this image")));
    assert_eq!(outcome(&resp), ("ReshareForbidden", Some("JD-NO-RESHARE")));

    // The owner's views.
    assert_eq!(jd.members(&img), vec![alice.clone()]);
    let r =
        ok(&jd.get("owner", &format!("/v1/regions/{HOME}/images?imageSource=private&launchPermission=specifiedUsers")));
    assert_eq!(ids(&r), vec![img.clone()]);
    let r = ok(&jd.get("owner", &format!("/v1/regions/{HOME}/images?imageSource=private&launchPermission=ownerOnly")));
    assert_eq!(ids(&r), Vec::<String>::new());
    let r = ok(&jd.get("owner", &format!("/v1/regions/{HOME}/images/{img}")));
    assert_eq!(r["image"]["launchPermission"], json!("specifiedUsers"));

    // A shared image cannot be deleted.
    let resp = jd.call("owner", "DELETE", &format!("/v1/regions/{HOME}/images/{img}"), None);
    let (status, code, _) = err(&resp);
    assert_eq!((status, code.as_str()), (400, "FAILED_PRECONDITION"));
    assert_eq!(outcome(&resp), ("StillShared", Some("JD-DELETE-SHARED")));

    // Ten recipients in all is the limit; the eleventh is refused and nothing is added.
    let crowd: Vec<String> = (1..=10).map(|i| jd.pin(&format!("crowd{i}"))).collect();
    ok(&jd.share("owner", HOME, &img, &crowd[..9]));
    assert_eq!(jd.members(&img).len(), 10);
    let resp = jd.share("owner", HOME, &img, &crowd[9..]);
    assert_eq!(err(&resp), (429, s("QUOTA_EXCEEDED"), s("Image share quota limit exceeded")));
    assert_eq!(outcome(&resp), ("ShareLimitExceeded", Some("JD-LIMIT-10")));
    assert_eq!(jd.members(&img).len(), 10);
    // Sharing again with a member changes nothing (JD-DUPLICATE).
    ok(&jd.share("owner", HOME, &img, std::slice::from_ref(&alice)));

    // Cancel every share; the recipient loses the image; then it can be deleted.
    ok(&jd.unshare("owner", &img, std::slice::from_ref(&alice)));
    assert_eq!(jd.shared_with("alice", HOME), Vec::<String>::new());
    let resp = jd.get("alice", &format!("/v1/regions/{HOME}/images/{img}"));
    assert_eq!(err(&resp), (404, s("NOT_FOUND"), format!("Image '{img}' not found")));
    assert_eq!(outcome(&resp), ("NotFound", Some("JD-CANCEL")));
    ok(&jd.unshare("owner", &img, &crowd[..9]));
    assert_eq!(jd.members(&img), Vec::<String>::new());
    let resp = jd.call("owner", "DELETE", &format!("/v1/regions/{HOME}/images/{img}?deleteSnapshot=True"), None);
    assert_eq!(ok(&resp), Value::Null);
    let resp = jd.get("owner", &format!("/v1/regions/{HOME}/images/{img}"));
    assert_eq!(err(&resp), (404, s("NOT_FOUND"), format!("Image '{img}' not found")));

    // The journal names each API and its decision.
    let journal = jd.ep.journal(3);
    assert_eq!(journal[1].api.as_deref(), Some("DeleteImage"));
    assert_eq!(journal[1].decision, "ok");
    assert_eq!(journal[2].api.as_deref(), Some("DescribeImage"));
    assert_eq!(journal[2].decision, "NotFound");
    assert_eq!(journal[2].actor.as_deref(), Some("owner"));
}

#[test]
fn copy_to_another_region_then_share_there() {
    let (mut jd, img) = Jd::new();
    let alice = jd.pin("alice");
    let body = json!({
        "regionId": HOME, "sourceImageIds": [img], "destinationRegion": AWAY,
        "name": "copied-img", "description": "copy of shared image",
    });
    let r = ok(&jd.call("owner", "POST", &format!("/v1/regions/{HOME}/images:copyImages"), Some(body)));
    let copies = r["copyImages"].as_array().unwrap();
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0]["sourceImageId"], json!(img));
    let copy = copies[0]["destinationImageId"].as_str().unwrap().to_string();
    assert!(copy.starts_with("img-") && copy != img);

    let r = ok(&jd.get("owner", &format!("/v1/regions/{AWAY}/images/{copy}")));
    assert_eq!(r["image"]["name"], json!("copied-img"));
    assert_eq!(r["image"]["desc"], json!("copy of shared image"));
    // The copy lives in its region only: not found in the source region (JD-REGIONAL).
    let resp = jd.share("owner", HOME, &copy, std::slice::from_ref(&alice));
    assert_eq!(err(&resp), (404, s("NOT_FOUND"), format!("Image '{copy}' not found")));
    assert_eq!(outcome(&resp), ("CrossRegion", Some("JD-REGIONAL")));

    ok(&jd.share("owner", AWAY, &copy, std::slice::from_ref(&alice)));
    assert_eq!(jd.shared_with("alice", AWAY), vec![copy.clone()]);
    assert_eq!(jd.shared_with("alice", HOME), Vec::<String>::new());

    // The recipient may copy the shared image into its own private image.
    let body = json!({ "sourceImageIds": [copy], "destinationRegion": AWAY });
    let r = ok(&jd.call("alice", "POST", &format!("/v1/regions/{AWAY}/images:copyImages"), Some(body)));
    let own = r["copyImages"][0]["destinationImageId"].as_str().unwrap().to_string();
    let r = ok(&jd.get("alice", &format!("/v1/regions/{AWAY}/images?imageSource=private")));
    assert_eq!(ids(&r), vec![own]);
}

#[test]
fn copy_checks_its_parameters_and_is_all_or_nothing() {
    let (mut jd, img) = Jd::new();
    let path = format!("/v1/regions/{HOME}/images:copyImages");
    let eleven: Vec<String> = (0..11).map(|_| img.clone()).collect();
    for body in [
        json!({ "sourceImageIds": eleven, "destinationRegion": AWAY }),
        json!({ "sourceImageIds": [], "destinationRegion": AWAY }),
        json!({ "sourceImageIds": [img] }),
        json!({ "sourceImageIds": img, "destinationRegion": AWAY }),
        json!({ "sourceImageIds": [img], "destinationRegion": AWAY, "name": "" }),
        json!({ "sourceImageIds": [img], "destinationRegion": AWAY, "name": "a name with spaces" }),
        json!({ "sourceImageIds": [img], "destinationRegion": AWAY, "name": "x".repeat(33) }),
        json!({ "sourceImageIds": [img], "destinationRegion": AWAY, "description": "d".repeat(257) }),
    ] {
        let resp = jd.call("owner", "POST", &path, Some(body.clone()));
        let (status, code, _) = err(&resp);
        assert_eq!((status, code.as_str()), (400, "INVALID_ARGUMENT"), "{body}");
        assert_eq!(outcome(&resp), ("InvalidParameter", None));
    }
    let resp = jd.call("owner", "POST", &path, Some(json!({ "sourceImageIds": [img], "destinationRegion": "mars-1" })));
    assert_eq!(err(&resp), (400, s("INVALID_ARGUMENT"), s("Invalid region 'mars-1'")));
    // Ten is fine; a missing eleventh image undoes the copies before it.
    let ten: Vec<String> = (0..10).map(|_| img.clone()).collect();
    let r = ok(&jd.call("owner", "POST", &path, Some(json!({ "sourceImageIds": ten, "destinationRegion": AWAY }))));
    assert_eq!(r["copyImages"].as_array().unwrap().len(), 10);
    let body = json!({ "sourceImageIds": [img, "img-0000000000"], "destinationRegion": "cn-south-1" });
    let resp = jd.call("owner", "POST", &path, Some(body));
    assert_eq!(err(&resp), (404, s("NOT_FOUND"), s("Image 'img-0000000000' not found")));
    let r = ok(&jd.get("owner", "/v1/regions/cn-south-1/images?imageSource=private"));
    assert_eq!(r["totalCount"], json!(0));
}

#[test]
fn recipients_are_pins() {
    let (mut jd, img) = Jd::new();
    let account_id = jd.ep.engine().identity_of("alice", IdentityKind::AccountId, "home").unwrap();
    let resp = jd.share("owner", HOME, &img, std::slice::from_ref(&account_id));
    assert_eq!(err(&resp), (400, s("FAILED_PRECONDITION"), format!("Invalid pin '{account_id}'")));
    assert_eq!(outcome(&resp), ("InvalidRecipient", Some("JD-PIN")));
    let resp = jd.share("owner", HOME, &img, &[s("jdpin_nobody")]);
    assert_eq!(err(&resp), (400, s("FAILED_PRECONDITION"), s("Pin 'jdpin_nobody' not found")));
    assert_eq!(outcome(&resp), ("RecipientNotFound", Some("JD-PIN-EXISTS")));
    let owner = jd.pin("owner");
    let resp = jd.share("owner", HOME, &img, &[owner]);
    assert_eq!(outcome(&resp), ("ShareWithSelf", Some("JD-SELF-SHARE")));
    assert_eq!(jd.members(&img), Vec::<String>::new());

    // `loginNames` are recipients too, judged by the same identity rule.
    let alice = jd.pin("alice");
    let body = json!({ "pins": null, "loginNames": [alice] });
    ok(&jd.call("owner", "POST", &format!("/v1/regions/{HOME}/images/{img}:share"), Some(body)));
    assert_eq!(jd.members(&img), vec![alice]);
    let body = json!({ "loginNames": [account_id] });
    let resp = jd.call("owner", "POST", &format!("/v1/regions/{HOME}/images/{img}:share"), Some(body));
    assert_eq!(outcome(&resp), ("InvalidRecipient", Some("JD-PIN")));
}

#[test]
fn the_go_sdks_escaped_action_works() {
    let (mut jd, img) = Jd::new();
    let alice = jd.pin("alice");
    let body = json!({ "pins": [alice] });
    ok(&jd.call("owner", "POST", &format!("/v1/regions/{HOME}/images/{img}%3Ashare"), Some(body.clone())));
    assert_eq!(jd.members(&img), vec![alice]);
    ok(&jd.call("owner", "POST", &format!("/v1/regions/{HOME}/images/{img}%3Aunshare"), Some(body)));
    assert_eq!(jd.members(&img), Vec::<String>::new());
}

#[test]
fn unknown_routes_answer_in_jds_format() {
    let (mut jd, img) = Jd::new();
    for (method, target) in [
        ("POST", s("/v1/regions/cn-north-1/instances/i-1:reboot")),
        ("POST", format!("/v1/regions/cn-north-1/images/{img}:publish")),
        ("PUT", format!("/v1/regions/cn-north-1/images/{img}")),
        ("GET", s("/")),
    ] {
        let resp = jd.call("owner", method, &target, None);
        assert_eq!(err(&resp), (404, s("NOT_FOUND"), s("no route and no API found with those values")), "{target}");
        assert_eq!(outcome(&resp), ("no-route", None));
    }
    // An unknown region is JD's invalid-argument error.
    let resp = jd.get("owner", "/v1/regions/mars-1/images?imageSource=private");
    assert_eq!(err(&resp), (400, s("INVALID_ARGUMENT"), s("Invalid region 'mars-1'")));
    assert_eq!(outcome(&resp), ("UnknownRegion", None));
}

#[test]
fn bad_parameters_are_invalid_argument_never_a_panic() {
    let (mut jd, img) = Jd::new();
    let share = format!("/v1/regions/{HOME}/images/{img}:share");
    for body in [
        &b"{\"pins\": ["[..],
        b"[1, 2]",
        b"\xff\xfe",
        b"null",
        b"{\"pins\": \"jdpin_alice\"}",
        b"{\"pins\": [1]}",
        b"{}",
        b"",
    ]
    .into_iter()
    .enumerate()
    {
        let (i, body) = body;
        let mut req = jd.signed("owner", &secret_of("owner"), "POST", &share, None);
        req.body = body.to_vec().into();
        // Re-sign with the body in place (the test signer hashes the body it is given).
        req.headers.retain(|(n, _)| !n.starts_with("x-jdcloud") && n != "Authorization");
        let signer = Signer {
            algorithm: Algorithm::V3,
            access_key: &jd.key_of("owner"),
            secret: &secret_of("owner"),
            region: HOME,
            nonce: &format!("bad-parameters-{i}"),
            signed: &["content-type", "host"],
        };
        let req = signature::sign(req, &signer, NOW);
        let resp = jd.ep.handle(&req, NOW);
        let (status, code, _) = err(&resp);
        assert_eq!((status, code.as_str()), (400, "INVALID_ARGUMENT"), "{}", String::from_utf8_lossy(body));
        assert_eq!(outcome(&resp), ("InvalidParameter", None));
    }
    for query in [
        "",
        "imageSource=mine",
        "imageSource=private&launchPermission=everyone",
        "imageSource=private&pageSize=5",
        "imageSource=private&pageSize=101",
        "imageSource=private&pageNumber=0",
        "imageSource=private&pageNumber=x",
        "imageSource=private&offline=maybe",
        "ids.0=img-1",
        "ids.x=img-1",
    ] {
        let resp = jd.get("owner", &format!("/v1/regions/{HOME}/images?{query}"));
        let (status, code, _) = err(&resp);
        assert_eq!((status, code.as_str()), (400, "INVALID_ARGUMENT"), "{query}");
    }
    let resp = jd.call("owner", "DELETE", &format!("/v1/regions/{HOME}/images/{img}?deleteSnapshot=yes"), None);
    assert_eq!(err(&resp).0, 400);
    // Nothing was shared or deleted along the way.
    ok(&jd.get("owner", &format!("/v1/regions/{HOME}/images/{img}")));
}

#[test]
fn describe_images_filters_and_pages() {
    let (mut jd, img) = Jd::new();
    let mut all = vec![img.clone()];
    for i in 0..11 {
        let new = NewImage { name: format!("extra-{i}"), region: "home".into(), ..Default::default() };
        match jd.ep.apply("owner", None, Operation::CreateImage(new)) {
            Ok(Output::ImageCreated { image, .. }) => all.push(image),
            other => panic!("{other:?}"),
        }
    }
    let base = format!("/v1/regions/{HOME}/images?imageSource=private");
    let r = ok(&jd.get("owner", &base));
    assert_eq!(r["totalCount"], json!(12));
    assert_eq!(r["images"].as_array().unwrap().len(), 12, "pageSize defaults to 20");
    let first = ids(&ok(&jd.get("owner", &format!("{base}&pageNumber=1&pageSize=10"))));
    let second = ids(&ok(&jd.get("owner", &format!("{base}&pageNumber=2&pageSize=10"))));
    assert_eq!((first.len(), second.len()), (10, 2));
    let mut paged: Vec<String> = first.into_iter().chain(second).collect();
    paged.sort();
    all.sort();
    assert_eq!(paged, all);
    let r = ok(&jd.get("owner", &format!("{base}&pageNumber=3&pageSize=10")));
    assert_eq!((r["totalCount"].clone(), ids(&r).len()), (json!(12), 0));

    // By IDs, without imageSource, in the order listed by the engine; unknown IDs are skipped.
    let r =
        ok(&jd.get("owner", &format!("/v1/regions/{HOME}/images?ids.2={}&ids.1={img}&ids.3=img-0000000000", all[5])));
    assert_eq!(r["totalCount"], json!(2));
    let r =
        ok(&jd.get("owner", &format!("{base}&imageName=EXTRA-1&status=ready&rootDeviceType=cloudDisk&offline=False")));
    assert_eq!(r["totalCount"], json!(2), "extra-1 and extra-10");
    let r = ok(&jd.get("owner", &format!("{base}&rootDeviceType=localDisk")));
    assert_eq!(r["totalCount"], json!(0));
    // Official, marketplace and community images are not modelled: empty lists.
    for source in ["public", "thirdparty", "community"] {
        let r = ok(&jd.get("owner", &format!("/v1/regions/{HOME}/images?imageSource={source}")));
        assert_eq!(r, json!({ "images": [], "totalCount": 0 }), "{source}");
    }
    // A recipient sees a shared image by ID too.
    let alice = jd.pin("alice");
    ok(&jd.share("owner", HOME, &img, &[alice]));
    let r = ok(&jd.get("alice", &format!("/v1/regions/{HOME}/images?ids.1={img}&ids.2={}", all[1])));
    assert_eq!(ids(&r), vec![img.clone()]);
    assert_eq!(r["images"][0]["imageSource"], json!("shared"));
}

#[test]
fn authentication() {
    let (mut jd, img) = Jd::new();
    let target = format!("/v1/regions/{HOME}/images/{img}");
    let req = jd.signed("owner", "not-the-secret", "GET", &target, None);
    let resp = jd.ep.handle(&req, NOW);
    assert_eq!(err(&resp), (401, s("ACCESS_ERROR"), s("sign result is not same")));
    assert_eq!(outcome(&resp), ("signature", None));
    assert_eq!(jd.ep.journal(1)[0].decision, "signature");
    assert_eq!(jd.ep.journal(1)[0].api.as_deref(), Some("DescribeImage"));

    let mut req = jd.signed("owner", &secret_of("owner"), "GET", &target, None);
    let key = jd.key_of("owner");
    let auth = req.get("Authorization").unwrap().replace(&key, "JDNOSUCHKEY00000000000000000000");
    req.headers.retain(|(n, _)| n != "Authorization");
    let req = req.header("Authorization", &auth);
    assert_eq!(err(&jd.ep.handle(&req, NOW)), (401, s("ACCESS_ERROR"), s("Invalid accessKey")));

    let mut req = jd.signed("owner", &secret_of("owner"), "GET", &target, None);
    req.headers.retain(|(n, _)| n != "Authorization");
    assert_eq!(err(&jd.ep.handle(&req, NOW)), (401, s("ACCESS_ERROR"), s("lack of header authorization")));

    let req = jd.signed("owner", &secret_of("owner"), "GET", &target, None);
    let resp = jd.ep.handle(&req, NOW + 16 * 60);
    assert_eq!((resp.status, outcome(&resp).0), (401, "signature-date"));
    ok(&jd.ep.handle(&req, NOW + 15 * 60));

    // Without verification any signature from a known key passes, as that key's account.
    jd.ep.set_verify_signatures(false);
    let req =
        jd.signed("alice", "not-the-secret", "GET", &format!("/v1/regions/{HOME}/images?imageSource=private"), None);
    let r = ok(&jd.ep.handle(&req, 0));
    assert_eq!(r["totalCount"], json!(0), "alice owns nothing");
    assert_eq!(jd.ep.journal(1)[0].actor.as_deref(), Some("alice"));
}

/// Issue 9: a signed request replayed within the signature window was served again. JD's
/// requests carry a nonce, which is spent once per access key.
#[test]
fn a_replayed_request_is_refused() {
    let (mut jd, img) = Jd::new();
    let alice = jd.pin("alice");
    let share = jd.signed(
        "owner",
        &secret_of("owner"),
        "POST",
        &format!("/v1/regions/{HOME}/images/{img}:share"),
        Some(json!({ "regionId": HOME, "imageId": img, "pins": [alice] })),
    );
    ok(&jd.ep.handle(&share, NOW));
    ok(&jd.unshare("owner", &img, std::slice::from_ref(&alice)));
    let resp = jd.ep.handle(&share, NOW + 60);
    assert_eq!(err(&resp), (401, s("ACCESS_ERROR"), s("invalid header x-jdcloud-nonce: the nonce has been used")));
    assert_eq!(outcome(&resp), ("nonce-used", None));
    assert_eq!(jd.ep.journal(1)[0].decision, "nonce-used");
    assert!(jd.members(&img).is_empty(), "the replayed share was not applied");

    // Signed at NOW, the request is acceptable from NOW - 15 min to NOW + 15 min, and its
    // nonce stays spent for all of that.
    let (mut fresh, img) = Jd::new();
    let early = fresh.signed("owner", &secret_of("owner"), "GET", &format!("/v1/regions/{HOME}/images/{img}"), None);
    ok(&fresh.ep.handle(&early, NOW - 14 * 60));
    assert_eq!(outcome(&fresh.ep.handle(&early, NOW + 14 * 60)), ("nonce-used", None));

    // A nonce is spent per access key, and only by a request that verifies.
    let target = format!("/v1/regions/{HOME}/images?imageSource=shared");
    let forged = jd.signed_with_nonce("alice", "not-the-secret", "nonce-a", ("GET", &target), None);
    assert_eq!(outcome(&jd.ep.handle(&forged, NOW)), ("signature", None));
    let alices = jd.signed_with_nonce("alice", &secret_of("alice"), "nonce-a", ("GET", &target), None);
    ok(&jd.ep.handle(&alices, NOW));
    let bobs = jd.signed_with_nonce("bob", &secret_of("bob"), "nonce-a", ("GET", &target), None);
    ok(&jd.ep.handle(&bobs, NOW));

    // A request without a nonce cannot be told from its replay.
    let mut bare = jd.signed("owner", &secret_of("owner"), "GET", &target, None);
    bare.headers.retain(|(n, _)| n != "x-jdcloud-nonce");
    let resp = jd.ep.handle(&bare, NOW);
    assert_eq!(err(&resp), (401, s("ACCESS_ERROR"), s("lack of header x-jdcloud-nonce")));

    // Without verification nothing is checked, nonces included.
    jd.ep.set_verify_signatures(false);
    ok(&jd.ep.handle(&bare, NOW));
    ok(&jd.ep.handle(&bare, NOW));
}

#[test]
fn rejections_are_jd_errors() {
    let (mut jd, _) = Jd::new();
    let resp =
        jd.ep.reject("POST", "/v1/regions/cn-north-1/images:copyImages", &Rejection::BodyTooLarge { limit: 1024 });
    let (status, code, message) = err(&resp);
    assert_eq!((status, code.as_str()), (400, "INVALID_ARGUMENT"));
    assert!(message.contains("1024"), "{message}");
    assert_eq!(outcome(&resp), ("body-too-large", None));
    let resp = jd.ep.reject("POST", "/", &Rejection::Unreadable("connection reset".into()));
    assert_eq!(err(&resp).1, "INVALID_ARGUMENT");
    // Request IDs differ from one request to the next.
    let a = envelope(&jd.get("owner", "/x"))["requestId"].clone();
    let b = envelope(&jd.get("owner", "/x"))["requestId"].clone();
    assert_ne!(a, b);
}

/// The SDK's own requests, replayed at their own date: every one authenticates and is
/// answered in JD's envelope (the captured image does not exist in this world).
#[test]
fn the_captured_sdk_requests_are_served() {
    const AK: &str = "JDTESTOWNERAK0000000000000000001";
    let captures: [(&[u8], u16); 12] = [
        (include_bytes!("../../../tests/data/captures/jdcloud/01_share_image.http"), 404),
        (include_bytes!("../../../tests/data/captures/jdcloud/02_unshare_image.http"), 404),
        (include_bytes!("../../../tests/data/captures/jdcloud/03_describe_image_members.http"), 404),
        (include_bytes!("../../../tests/data/captures/jdcloud/04_describe_images_shared.http"), 200),
        (include_bytes!("../../../tests/data/captures/jdcloud/05_describe_images_by_ids.http"), 200),
        (include_bytes!("../../../tests/data/captures/jdcloud/06_describe_image.http"), 404),
        (include_bytes!("../../../tests/data/captures/jdcloud/07_delete_image.http"), 404),
        (include_bytes!("../../../tests/data/captures/jdcloud/08_delete_image_with_snapshot.http"), 404),
        (include_bytes!("../../../tests/data/captures/jdcloud/09_copy_images.http"), 404),
        (include_bytes!("../../../tests/data/captures/jdcloud/10_describe_images_private_specified.http"), 200),
        (include_bytes!("../../../tests/data/captures/jdcloud/11_fixed_vector_share_image.http"), 404),
        (include_bytes!("../../../tests/data/captures/jdcloud/12_fixed_vector_describe_images_shared.http"), 200),
    ];
    for (i, (raw, status)) in captures.into_iter().enumerate() {
        // One endpoint per capture: the two fixed vectors carry the same pinned nonce.
        let (mut jd, _) = Jd::new();
        jd.ep.keys_mut().insert(AK, "owner", "JDTESTOWNERSK0000000000000000001");
        let req = HttpRequest::parse_raw(raw).unwrap();
        let now = signature::parse_date(&req.get("x-jdcloud-date").unwrap()).unwrap();
        let resp = jd.ep.handle(&req, now);
        let body = envelope(&resp);
        assert_eq!(resp.status, status, "capture {}: {body}", i + 1);
        if status == 404 {
            assert_eq!(body["error"]["message"], json!("Image 'img-m5s0abcd29' not found"), "capture {}", i + 1);
        }
    }
}

fn launch(jd: &mut Jd, actor: &str, image: &str) -> HttpResponse {
    let body = json!({
        "regionId": HOME,
        "instanceSpec": { "imageId": image, "name": "vm-1", "instanceType": "g.n2.medium", "az": "cn-north-1a" },
        "maxCount": 1,
        "clientToken": null,
    });
    jd.call(actor, "POST", &format!("/v1/regions/{HOME}/instances"), Some(body))
}

fn instance_ids(result: &Value) -> Vec<String> {
    result["instances"].as_array().unwrap().iter().map(|i| i["instanceId"].as_str().unwrap().to_string()).collect()
}

/// The use-half over JD's VM API: an image from an instance, shared, launched by the
/// recipient and refused to a stranger; after the cancel the recipient's rebuild to it is
/// refused while its instance stays listed; stop and delete work on one's own instance only.
#[test]
fn images_from_instances_and_the_instance_calls() {
    let (mut jd, base) = Jd::new();
    let alice = jd.pin("alice");
    let r = ok(&launch(&mut jd, "owner", &base));
    let build = r["instanceIds"][0].as_str().unwrap().to_string();

    // CreateImage from the owner's instance.
    let body = json!({ "regionId": HOME, "instanceId": build, "name": "golden", "description": "from build" });
    let target = format!("/v1/regions/{HOME}/instances/{build}:createImage");
    let golden = ok(&jd.call("owner", "POST", &target, Some(body.clone())))["imageId"].as_str().unwrap().to_string();
    let d = ok(&jd.get("owner", &format!("/v1/regions/{HOME}/images/{golden}")));
    assert_eq!(d["image"]["desc"], "from build");
    // Someone else's instance, an unknown one and the wrong region are not found.
    let (status, code, message) = err(&jd.call("alice", "POST", &target, Some(body.clone())));
    assert_eq!((status, code.as_str(), message), (404, "NOT_FOUND", format!("Instance '{build}' not found")));
    let nowhere = format!("/v1/regions/{HOME}/instances/i-nothere:createImage");
    assert_eq!(err(&jd.call("owner", "POST", &nowhere, Some(body.clone()))).1, "NOT_FOUND");
    let away = format!("/v1/regions/{AWAY}/instances/{build}:createImage");
    assert_eq!(err(&jd.call("owner", "POST", &away, Some(body))).1, "NOT_FOUND");
    for bad in [json!({ "name": "x" }), json!({}), json!({ "name": "a b" }), json!({ "name": "ok", "dataDisks": 3 })] {
        assert_eq!(err(&jd.call("owner", "POST", &target, Some(bad))).1, "INVALID_ARGUMENT");
    }

    // ModifyImageAttribute: the owner renames; a recipient cannot.
    let modify = format!("/v1/regions/{HOME}/images/{golden}:modifyImageAttribute");
    ok(&jd.call("owner", "POST", &modify, Some(json!({ "name": "golden-2", "description": "d" }))));
    assert_eq!(err(&jd.call("owner", "POST", &modify, Some(json!({ "name": "?" })))).1, "INVALID_ARGUMENT");

    // Shared with alice, who launches; bob is refused.
    ok(&jd.share("owner", HOME, &golden, std::slice::from_ref(&alice)));
    let r = jd.call("alice", "POST", &modify, Some(json!({ "name": "mine" })));
    assert_eq!(err(&r).1, "FAILED_PRECONDITION");
    let inst = ok(&launch(&mut jd, "alice", &golden))["instanceIds"][0].as_str().unwrap().to_string();
    let (status, code, message) = err(&launch(&mut jd, "bob", &golden));
    assert_eq!((status, code.as_str(), message), (404, "NOT_FOUND", format!("Image '{golden}' not found")));

    // DescribeInstances with the SDK's filters; DescribeInstance.
    let listed = ok(
        &jd.get("alice", &format!("/v1/regions/{HOME}/instances?filters.1.name=instanceId&filters.1.values.1={inst}"))
    );
    assert_eq!((instance_ids(&listed), listed["totalCount"].as_u64()), (vec![inst.clone()], Some(1)));
    assert_eq!(listed["instances"][0]["imageId"], golden.as_str());
    let by_image =
        ok(&jd.get("owner", &format!("/v1/regions/{HOME}/instances?filters.1.name=imageId&filters.1.values.1={base}")));
    assert_eq!(instance_ids(&by_image), vec![build.clone()]);
    let one = ok(&jd.get("alice", &format!("/v1/regions/{HOME}/instances/{inst}")));
    assert_eq!(one["instance"]["status"], "running");
    let (status, code, _) = err(&jd.get("owner", &format!("/v1/regions/{HOME}/instances/{inst}")));
    assert_eq!((status, code.as_str()), (404, "NOT_FOUND"));
    for q in [
        "filters.1.name=colour&filters.1.values.1=red",
        "filters.0.name=status",
        "filters.1.values.1=x",
        "filters.1.name=status&filters.1.values.1=asleep",
        "pageSize=5",
        "pageNumber=0",
    ] {
        let r = jd.get("alice", &format!("/v1/regions/{HOME}/instances?{q}"));
        assert_eq!(err(&r).1, "INVALID_ARGUMENT", "{q}");
    }

    // CreateInstances: bad specs and counts; a count the image cannot fill is all or nothing.
    for bad in [
        json!({}),
        json!({ "instanceSpec": "vm" }),
        json!({ "instanceSpec": { "name": "vm-1" } }),
        json!({ "instanceSpec": { "imageId": golden } }),
        json!({ "instanceSpec": { "imageId": golden, "name": "vm-1" }, "maxCount": 0 }),
        json!({ "instanceSpec": { "imageId": golden, "name": "vm-1" }, "maxCount": 101 }),
    ] {
        assert_eq!(
            err(&jd.call("alice", "POST", &format!("/v1/regions/{HOME}/instances"), Some(bad))).1,
            "INVALID_ARGUMENT"
        );
    }
    let three = json!({ "instanceSpec": { "imageId": golden, "name": "vm-3" }, "maxCount": 3 });
    let r = ok(&jd.call("alice", "POST", &format!("/v1/regions/{HOME}/instances"), Some(three)));
    assert_eq!(r["instanceIds"].as_array().map(Vec::len), Some(3));

    // Rebuild while shared: to its own image (ReinitDisk) and to another (ReplaceSystemDisk).
    let rebuild = format!("/v1/regions/{HOME}/instances/{inst}:rebuildInstance");
    ok(&jd.call("alice", "POST", &rebuild, Some(json!({ "password": "Sharesim-1234" }))));
    ok(&jd.call("alice", "POST", &rebuild, Some(json!({ "imageId": golden, "password": "Sharesim-1234" }))));
    let r = jd.call("alice", "POST", &rebuild, Some(json!({ "imageId": base })));
    assert_eq!(err(&r).1, "NOT_FOUND", "base is not shared with alice");
    // The region is in the path: the instance is not in another one.
    let elsewhere = format!("/v1/regions/{AWAY}/instances/{inst}:rebuildInstance");
    for body in [json!({}), json!({ "imageId": golden })] {
        let (status, code, message) = err(&jd.call("alice", "POST", &elsewhere, Some(body)));
        assert_eq!((status, code.as_str(), message), (404, "NOT_FOUND", format!("Instance '{inst}' not found")));
    }
    let r =
        jd.call("alice", "POST", &format!("/v1/regions/{HOME}/instances/i-nothere:rebuildInstance"), Some(json!({})));
    assert_eq!(err(&r).2, "Instance 'i-nothere' not found");
    assert_eq!(err(&jd.call("alice", "POST", &rebuild, Some(json!("x")))).1, "INVALID_ARGUMENT");

    // After the cancel: rebuilding to the image is refused by JD-CANCEL; the instance stays.
    ok(&jd.unshare("owner", &golden, std::slice::from_ref(&alice)));
    for body in [json!({}), json!({ "imageId": golden })] {
        let r = jd.call("alice", "POST", &rebuild, Some(body));
        assert_eq!(err(&r).1, "NOT_FOUND");
        assert_eq!(outcome(&r).1, Some("JD-CANCEL"));
    }
    let listed = ok(&jd.get("alice", &format!("/v1/regions/{HOME}/instances")));
    assert!(instance_ids(&listed).contains(&inst), "her instance stays");

    // Quotas: the image quota (JD-IMAGE-QUOTA); bad filters are refused.
    let r =
        ok(&jd
            .get("owner", &format!("/v1/regions/{HOME}/quotas?filters.1.name=resourceTypes&filters.1.values.1=image")));
    assert_eq!(r["quotas"][0]["resourceType"], "image");
    assert_eq!(r["quotas"][0]["limit"], 20);
    let r = ok(
        &jd.get("owner", &format!("/v1/regions/{HOME}/quotas?filters.1.name=resourceTypes&filters.1.values.1=keypair"))
    );
    assert_eq!(r["quotas"], json!([]));
    for q in [
        "filters.1.name=resourceTypes&filters.1.values.1=gpu",
        "filters.1.name=resourceTypes&filters.1.values.1=imageShare",
        "filters.1.name=zone",
    ] {
        assert_eq!(err(&jd.get("owner", &format!("/v1/regions/{HOME}/quotas?{q}"))).1, "INVALID_ARGUMENT", "{q}");
    }

    // Stop and delete: one's own instance only; a deleted one is gone.
    let stop = format!("/v1/regions/{HOME}/instances/{inst}:stopInstance");
    let delete = format!("/v1/regions/{HOME}/instances/{inst}");
    let (status, code, message) = err(&jd.call("owner", "POST", &stop, Some(json!({}))));
    assert_eq!((status, code.as_str(), message), (404, "NOT_FOUND", format!("Instance '{inst}' not found")));
    assert_eq!(err(&jd.call("owner", "DELETE", &delete, None)).1, "NOT_FOUND");
    let wrong_region = format!("/v1/regions/{AWAY}/instances/{inst}:stopInstance");
    assert_eq!(err(&jd.call("alice", "POST", &wrong_region, Some(json!({})))).1, "NOT_FOUND");
    let r = jd.call("alice", "POST", &stop, Some(json!({ "chargeOnStopped": "sometimes" })));
    assert_eq!(err(&r).1, "INVALID_ARGUMENT");
    ok(&jd.call("alice", "POST", &stop, Some(json!({ "chargeOnStopped": "keepCharging" }))));
    let stopped =
        ok(&jd.get("alice", &format!("/v1/regions/{HOME}/instances?filters.1.name=status&filters.1.values.1=stopped")));
    assert_eq!(instance_ids(&stopped), vec![inst.clone()]);
    assert_eq!(
        err(&jd.call("alice", "DELETE", &format!("{delete}?deletePrimaryNetworkInterfaceAllElasticIp=maybe"), None)).1,
        "INVALID_ARGUMENT"
    );
    ok(&jd.call("alice", "DELETE", &delete, None));
    assert_eq!(err(&jd.call("alice", "POST", &stop, Some(json!({})))).1, "NOT_FOUND");
    assert_eq!(err(&jd.get("alice", &format!("/v1/regions/{HOME}/instances/{inst}"))).1, "NOT_FOUND");
    // A region JD does not have.
    let (status, code, _) = err(&jd.get("alice", "/v1/regions/mars-1/instances"));
    assert_eq!((status, code.as_str()), (400, "INVALID_ARGUMENT"));
}

/// An ImportImage body as the SDK's `ImportImageParameters` sends it, every required field set.
fn import_body(name: &str) -> Value {
    json!({
        "regionId": HOME,
        "architecture": "x86_64",
        "osType": "linux",
        "platform": "Ubuntu",
        "diskFormat": "qcow2",
        "systemDiskSizeGB": 40,
        "imageUrl": format!("https://bucket.s3.cn-north-1.jdcloud-oss.com/{name}.qcow2"),
        "imageName": name,
        "osVersion": null,
        "description": "imported",
        "forceImport": null,
        "dataDisks": null,
        "clientToken": null,
        "bootMode": null,
    })
}

/// ImportImage makes a private image of the caller's in the path's region (CreateImage from
/// no instance), which the owner then shares and the recipient launches.
#[test]
fn an_imported_image_is_the_callers_to_share() {
    let (mut jd, _) = Jd::new();
    let alice = jd.pin("alice");
    let target = format!("/v1/regions/{HOME}/images:import");
    assert_eq!(route("POST", &target).map(|c| c.api), Some(Api::ImportImage));
    assert_eq!(route("GET", &target).map(|c| c.api), None);
    let r = ok(&jd.call("owner", "POST", &target, Some(import_body("imported"))));
    let image = r["imageId"].as_str().unwrap().to_string();
    assert!(r["importTaskId"].as_u64().is_some_and(|t| (100_000..1_000_000).contains(&t)), "{r}");
    let d = ok(&jd.get("owner", &format!("/v1/regions/{HOME}/images/{image}")));
    assert_eq!((d["image"]["name"].as_str(), d["image"]["desc"].as_str()), (Some("imported"), Some("imported")));
    assert_eq!(d["image"]["launchPermission"], "ownerOnly");
    ok(&jd.share("owner", HOME, &image, std::slice::from_ref(&alice)));
    assert!(jd.shared_with("alice", HOME).contains(&image));
    ok(&launch(&mut jd, "alice", &image));
    // The image lives in the path's region only.
    let away = format!("/v1/regions/{AWAY}/images:import");
    let other =
        ok(&jd.call("owner", "POST", &away, Some(import_body("elsewhere"))))["imageId"].as_str().unwrap().to_string();
    assert_eq!(err(&jd.get("owner", &format!("/v1/regions/{HOME}/images/{other}"))).1, "NOT_FOUND");
}

#[test]
fn a_bad_import_is_invalid_argument_and_the_quota_refuses_the_21st() {
    let (mut jd, _) = Jd::new();
    let target = format!("/v1/regions/{HOME}/images:import");
    let without = |key: &str| {
        let mut b = import_body("imported");
        b.as_object_mut().unwrap().remove(key);
        b
    };
    let with = |key: &str, v: Value| {
        let mut b = import_body("imported");
        b[key] = v;
        b
    };
    let mut bad: Vec<(String, Value)> =
        ["imageName", "imageUrl", "architecture", "osType", "platform", "diskFormat", "systemDiskSizeGB"]
            .iter()
            .map(|k| (format!("no {k}"), without(k)))
            .collect();
    for (key, v) in [
        ("imageName", json!("a b")),
        ("imageName", json!("x")),
        ("imageUrl", json!("bucket/object")),
        ("imageUrl", json!("https://host-only")),
        ("imageUrl", json!("")),
        ("architecture", json!("sparc")),
        ("osType", json!("mac")),
        ("platform", json!("Windows Server")),
        ("diskFormat", json!("iso")),
        ("systemDiskSizeGB", json!(30)),
        ("systemDiskSizeGB", json!(45)),
        ("systemDiskSizeGB", json!(510)),
        ("systemDiskSizeGB", json!("forty")),
        ("description", json!("d".repeat(257))),
        ("forceImport", json!("maybe")),
        ("bootMode", json!("coreboot")),
        ("clientToken", json!("t".repeat(65))),
        ("dataDisks", json!("disk")),
    ] {
        bad.push((format!("{key}={v}"), with(key, v)));
    }
    bad.push(("not an object".into(), json!(["x"])));
    for (why, body) in bad {
        let r = jd.call("owner", "POST", &target, Some(body));
        let (status, code, _) = err(&r);
        assert_eq!((status, code.as_str(), outcome(&r).0), (400, "INVALID_ARGUMENT", "InvalidParameter"), "{why}");
    }
    // A region JD does not have.
    let r = jd.call("owner", "POST", "/v1/regions/mars-1/images:import", Some(import_body("imported")));
    assert_eq!((err(&r).1.as_str(), outcome(&r).0), ("INVALID_ARGUMENT", "UnknownRegion"));
    // JD-IMAGE-QUOTA: 20 images a region; `base` is the first.
    for i in 2..=20 {
        ok(&jd.call("owner", "POST", &target, Some(import_body(&format!("img-{i}")))));
    }
    let r = jd.call("owner", "POST", &target, Some(import_body("img-21")));
    let (status, code, _) = err(&r);
    assert_eq!(
        (status, code.as_str(), outcome(&r)),
        (429, "QUOTA_EXCEEDED", ("QuotaExceeded", Some("JD-IMAGE-QUOTA")))
    );
    // Another region has its own quota.
    let mut away = import_body("img-21");
    away["regionId"] = json!(AWAY);
    ok(&jd.call("owner", "POST", &format!("/v1/regions/{AWAY}/images:import"), Some(away)));
}
