//! The Tencent CVM adapter: the SDK captures verify (and tampered copies do not), and whole
//! sharing stories run through signed requests as the Python SDK sends them.

use serde_json::{Value, json};

use super::signature;
use crate::engine::{Engine, NewImage, Operation, Output, Request};
use crate::providers::Provider;
use crate::wire::{Endpoint, HttpRequest, HttpResponse, KeyStore, Rejection, codec};

const P: Provider = Provider::Tencent;
const CAPTURE_ID: &str = "AKIDTestOwnerSecretId000000000000001";
const CAPTURE_SECRET: &str = "TestOwnerSecretKey00000000000001";

macro_rules! capture {
    ($name:literal) => {
        ($name, include_bytes!(concat!("../../../tests/data/captures/tencent/", $name)).as_slice())
    };
}

const CAPTURES: &[(&str, &[u8])] = &[
    capture!("DeleteImages.tc3-post.txt"),
    capture!("DescribeImageSharePermission.tc3-post.txt"),
    capture!("DescribeImages_byid.tc3-post.txt"),
    capture!("DescribeImages_shared.tc3-post.txt"),
    capture!("ModifyImageSharePermission_cancel.tc3-post.txt"),
    capture!("ModifyImageSharePermission_share.hmacsha256.txt"),
    capture!("ModifyImageSharePermission_share.tc3-get.txt"),
    capture!("ModifyImageSharePermission_share.tc3-post.txt"),
    capture!("RunInstances.tc3-post.txt"),
    capture!("SyncImages.tc3-post.txt"),
    capture!("SyncImages_specialchars.tc3-get.txt"),
    capture!("SyncImages_specialchars.tc3-post.txt"),
];

const VECTORS: &str = include_str!("../../../tests/data/captures/tencent/vectors.json");

fn capture(name: &str) -> HttpRequest {
    let raw = CAPTURES.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("no capture {name}")).1;
    HttpRequest::parse_raw(raw).unwrap_or_else(|| panic!("{name} does not parse"))
}

/// The request's signing time: `X-TC-Timestamp`, or the v1 `Timestamp` parameter.
fn timestamp_of(req: &HttpRequest) -> u64 {
    if let Some(ts) = req.get("X-TC-Timestamp") {
        return ts.parse().unwrap();
    }
    let body = String::from_utf8(req.body.to_vec()).unwrap();
    codec::query_pairs(&body).into_iter().find(|(k, _)| k == "Timestamp").unwrap().1.parse().unwrap()
}

fn capture_keys(secret: &str) -> KeyStore {
    let mut keys = KeyStore::default();
    keys.insert(CAPTURE_ID, "owner", secret);
    keys
}

/// A bare endpoint for signature checks only.
fn capture_endpoint(secret: &str) -> Endpoint {
    let mut engine = Engine::new(P, 0);
    engine.add_account("owner").unwrap();
    Endpoint::new(engine, capture_keys(secret), true)
}

fn verify(ep: &mut Endpoint, req: &HttpRequest, now: u64) -> Result<signature::Caller, signature::AuthError> {
    if req.get("Authorization").is_some() {
        signature::verify_tc3(ep, req, now, signature::SERVICE)
    } else {
        let pairs = codec::query_pairs(std::str::from_utf8(&req.body).unwrap());
        signature::verify_legacy(ep, req, &pairs, now)
    }
}

fn code_of(r: Result<signature::Caller, signature::AuthError>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code,
    }
}

// ----- the captures --------------------------------------------------------------------------

#[test]
fn every_capture_verifies_at_its_own_time() {
    for (name, _) in CAPTURES {
        let req = capture(name);
        let mut ep = capture_endpoint(CAPTURE_SECRET);
        let caller = verify(&mut ep, &req, timestamp_of(&req)).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!((caller.secret_id.as_str(), caller.account.as_str()), (CAPTURE_ID, "owner"), "{name}");
    }
}

#[test]
fn canonical_requests_and_strings_to_sign_match_the_vectors() {
    let vectors: Vec<Value> = serde_json::from_str(VECTORS).unwrap();
    assert_eq!(vectors.len(), CAPTURES.len());
    for v in vectors {
        let name = v["file"].as_str().unwrap();
        let req = capture(name);
        let expected_sig = v["signature"].as_str().unwrap();
        let secret = v["secret"].as_str().unwrap();
        if v["algorithm"] == "TC3-HMAC-SHA256" {
            let auth = signature::parse_authorization(&req.get("Authorization").unwrap()).unwrap();
            let canonical = signature::canonical_request(&req, &auth.signed_headers, true);
            assert_eq!(canonical, v["canonical_request"].as_str().unwrap(), "{name}");
            let ts = req.get("X-TC-Timestamp").unwrap();
            let sts = signature::string_to_sign(&ts, &auth.date, &auth.service, &canonical);
            assert_eq!(sts, v["string_to_sign"].as_str().unwrap(), "{name}");
            assert_eq!(signature::tc3_signature(secret, &auth.date, &auth.service, &sts), expected_sig, "{name}");
            assert_eq!(auth.signature, expected_sig, "{name}");
        } else {
            let pairs = codec::query_pairs(std::str::from_utf8(&req.body).unwrap());
            let sts = signature::legacy_string_to_sign(&req.method, &req.get("Host").unwrap(), req.path(), &pairs);
            assert_eq!(sts, v["string_to_sign"].as_str().unwrap(), "{name}");
            assert_eq!(signature::legacy_signature(secret, "HmacSHA256", &sts).unwrap(), expected_sig, "{name}");
        }
    }
}

#[test]
fn tampered_captures_are_refused() {
    const FAIL: &str = "AuthFailure.SignatureFailure";
    let check = |_what: &str, req: HttpRequest, secret: &str, now: u64| {
        let mut ep = capture_endpoint(secret);
        code_of(verify(&mut ep, &req, now)).to_string()
    };
    // One body byte.
    let post = capture("ModifyImageSharePermission_share.tc3-post.txt");
    let now = timestamp_of(&post);
    let mut req = post.clone();
    let at = req.body.iter().position(|&b| b == b'2').unwrap();
    req.edit_body(|b| b[at] = b'3');
    assert_eq!(check("body", req, CAPTURE_SECRET, now), FAIL);
    // One signed header value, and the signed timestamp.
    let mut req = post.clone();
    for h in req.headers.iter_mut().filter(|(n, _)| n == "Host") {
        h.1 = "127.0.0.1:56538".into();
    }
    assert_eq!(check("host", req, CAPTURE_SECRET, now), FAIL);
    let mut req = post.clone();
    for h in req.headers.iter_mut().filter(|(n, _)| n == "Content-Type") {
        h.1 = "application/jsonp".into();
    }
    assert_eq!(check("content-type", req, CAPTURE_SECRET, now), FAIL);
    let mut req = post.clone();
    for h in req.headers.iter_mut().filter(|(n, _)| n == "X-TC-Timestamp") {
        h.1 = (now + 1).to_string();
    }
    assert_eq!(check("timestamp", req, CAPTURE_SECRET, now), FAIL);
    // One query character.
    let get = capture("ModifyImageSharePermission_share.tc3-get.txt");
    let mut req = get.clone();
    req.target = req.target.replace("100000000002", "100000000003");
    assert_eq!(check("query", req, CAPTURE_SECRET, timestamp_of(&get)), FAIL);
    let special = capture("SyncImages_specialchars.tc3-get.txt");
    let mut req = special.clone();
    req.target = req.target.replace("a+b", "a%20b");
    assert_eq!(check("encoding", req, CAPTURE_SECRET, timestamp_of(&special)), FAIL, "the query is signed as sent");
    // The legacy form body.
    let legacy = capture("ModifyImageSharePermission_share.hmacsha256.txt");
    let mut req = legacy.clone();
    req.body = String::from_utf8(req.body.to_vec()).unwrap().replace("SHARE", "CANCEL").into_bytes().into();
    assert_eq!(check("legacy", req, CAPTURE_SECRET, timestamp_of(&legacy)), FAIL);
    // The wrong secret.
    for (name, _) in CAPTURES {
        let req = capture(name);
        let now = timestamp_of(&req);
        assert_eq!(check(name, req, "TestOwnerSecretKey00000000000002", now), FAIL, "{name}");
    }
}

#[test]
fn unknown_secret_ids_and_stale_timestamps_are_refused() {
    for (name, _) in CAPTURES {
        let req = capture(name);
        let now = timestamp_of(&req);
        let mut ep = Endpoint::new(Engine::new(P, 0), KeyStore::default(), true);
        assert_eq!(code_of(verify(&mut ep, &req, now)), "AuthFailure.SecretIdNotFound", "{name}");
        // Unknown keys are refused even when signatures are not checked.
        ep.set_verify_signatures(false);
        assert_eq!(code_of(verify(&mut ep, &req, now)), "AuthFailure.SecretIdNotFound", "{name}");
        for (at, code) in [
            (now + 300, "ok"),
            (now - 300, "ok"),
            (now + 301, "AuthFailure.SignatureExpire"),
            (now - 301, "AuthFailure.SignatureExpire"),
        ] {
            let mut ep = capture_endpoint(CAPTURE_SECRET);
            assert_eq!(code_of(verify(&mut ep, &req, at)), code, "{name} at {at}");
        }
    }
}

#[test]
fn unverified_endpoints_still_need_a_known_key() {
    let mut req = capture("ModifyImageSharePermission_share.tc3-post.txt");
    req.edit_body(|b| b[20] ^= 1);
    let mut ep = capture_endpoint("wrong");
    ep.set_verify_signatures(false);
    assert_eq!(verify(&mut ep, &req, 0).unwrap().account, "owner");
}

#[test]
fn legacy_nonces_are_not_replayed() {
    let req = capture("ModifyImageSharePermission_share.hmacsha256.txt");
    let now = timestamp_of(&req);
    let mut ep = capture_endpoint(CAPTURE_SECRET);
    assert_eq!(code_of(verify(&mut ep, &req, now)), "ok");
    assert_eq!(code_of(verify(&mut ep, &req, now)), "AuthFailure.SignatureFailure");
}

/// A world whose image and accounts carry the IDs the captures name, so the SDK's own requests
/// can be replayed end to end.
fn capture_world() -> Endpoint {
    let mut engine = Engine::new(P, 0);
    for a in ["owner", "alice", "bob"] {
        engine.add_account(a).unwrap();
    }
    let new = NewImage { name: "demo".into(), region: "ap-guangzhou".into(), ..Default::default() };
    let Ok(Output::ImageCreated { image, .. }) = engine.apply(&Request::new("owner", Operation::CreateImage(new)))
    else {
        panic!("image not created")
    };
    let alice = engine.recipient_id("alice", "home").unwrap();
    let bob = engine.recipient_id("bob", "home").unwrap();
    let dump = engine
        .dump()
        .replace(&format!("\"{image}\""), "\"img-test0001\"")
        .replace(&format!("\"{alice}\""), "\"100000000001\"")
        .replace(&format!("\"{bob}\""), "\"100000000002\"");
    Endpoint::new(Engine::load(P, &dump).unwrap(), capture_keys(CAPTURE_SECRET), true)
}

fn replay(ep: &mut Endpoint, name: &str) -> HttpResponse {
    let req = capture(name);
    let now = timestamp_of(&req);
    ep.handle(&req, now)
}

#[test]
fn the_captured_sdk_requests_replay_end_to_end() {
    let mut ep = capture_world();
    let r = ok(replay(&mut ep, "ModifyImageSharePermission_share.tc3-post.txt"));
    assert_eq!(r.as_object().unwrap().keys().collect::<Vec<_>>(), vec!["RequestId"]);
    let r = ok(replay(&mut ep, "DescribeImageSharePermission.tc3-post.txt"));
    let ids: Vec<&str> =
        r["SharePermissionSet"].as_array().unwrap().iter().map(|m| m["AccountId"].as_str().unwrap()).collect();
    assert_eq!(ids, ["100000000001", "100000000002"]);
    let r = ok(replay(&mut ep, "DescribeImages_byid.tc3-post.txt"));
    assert_eq!((r["TotalCount"].as_u64(), r["ImageSet"][0]["ImageType"].as_str()), (Some(1), Some("PRIVATE_IMAGE")));
    let r = ok(replay(&mut ep, "DescribeImages_shared.tc3-post.txt"));
    assert_eq!(r["TotalCount"], 0, "nothing is shared with the owner");
    assert_eq!(error(&replay(&mut ep, "DeleteImages.tc3-post.txt")), "InvalidImageId.InShared");
    assert_eq!(
        error(&replay(&mut ep, "ModifyImageSharePermission_share.tc3-get.txt")),
        "FailedOperation.AccountAlreadyExists"
    );
    ok(replay(&mut ep, "ModifyImageSharePermission_cancel.tc3-post.txt"));
    assert_eq!(
        error(&replay(&mut ep, "ModifyImageSharePermission_share.hmacsha256.txt")),
        "FailedOperation.AccountAlreadyExists",
        "bob is still a member"
    );
    assert_eq!(error(&replay(&mut ep, "RunInstances.tc3-post.txt")), "DryRunOperation");
    assert!(ep.engine().state().instances.is_empty(), "a dry run launches nothing");
    let r = ok(replay(&mut ep, "SyncImages.tc3-post.txt"));
    assert_eq!(r["ImageSet"][0]["Region"], "ap-shanghai");
    let r = ok(replay(&mut ep, "SyncImages_specialchars.tc3-post.txt"));
    assert!(r.get("ImageSet").is_none(), "ImageSet only when ImageSetRequired");
    ok(replay(&mut ep, "SyncImages_specialchars.tc3-get.txt"));
    let names: Vec<&str> = ep.engine().state().images.iter().map(|i| i.name.as_str()).collect();
    let special = "a b*c~d/e+f=g&h%i'j(k)!l中文é";
    assert_eq!(names, ["demo", "demo", special, special], "the query's `+` is a space, JSON escapes decode");
}

// ----- an SDK-like client --------------------------------------------------------------------

const HOST: &str = "127.0.0.1:8080";
const NOW: u64 = 1_795_338_582;

/// A TC3 signature computed the way the SDK documents it, independently of `signature.rs`.
fn sdk_authorization(
    id: &str,
    secret: &str,
    ts: u64,
    method: &str,
    query: &str,
    ct: &str,
    payload_hash: &str,
) -> String {
    let date = crate::clock::iso8601(ts)[..10].to_string();
    let canonical =
        format!("{method}\n/\n{query}\ncontent-type:{ct}\nhost:{HOST}\n\ncontent-type;host\n{payload_hash}");
    let scope = format!("{date}/cvm/tc3_request");
    let to_sign = format!("TC3-HMAC-SHA256\n{ts}\n{scope}\n{}", codec::sha256_hex(canonical.as_bytes()));
    let k = codec::hmac_sha256(format!("TC3{secret}").as_bytes(), date.as_bytes());
    let k = codec::hmac_sha256(&k, b"cvm");
    let k = codec::hmac_sha256(&k, b"tc3_request");
    let sig = codec::hex(&codec::hmac_sha256(&k, to_sign.as_bytes()));
    format!("TC3-HMAC-SHA256 Credential={id}/{scope}, SignedHeaders=content-type;host, Signature={sig}")
}

fn sdk_headers(req: HttpRequest, action: &str, region: &str, ts: u64, ct: &str) -> HttpRequest {
    req.header("Content-Type", ct)
        .header("Host", HOST)
        .header("X-TC-Action", action)
        .header("X-TC-RequestClient", "SDK_PYTHON_3.1.178")
        .header("X-TC-Timestamp", &ts.to_string())
        .header("X-TC-Version", "2017-03-12")
        .header("X-TC-Region", region)
        .header("X-TC-Language", "zh-CN")
}

fn sdk_post(id: &str, secret: &str, action: &str, region: &str, ts: u64, body: &[u8]) -> HttpRequest {
    let auth = sdk_authorization(id, secret, ts, "POST", "", "application/json", &codec::sha256_hex(body));
    sdk_headers(HttpRequest::new("POST", "/"), action, region, ts, "application/json")
        .header("Authorization", &auth)
        .body(body.to_vec())
}

fn sdk_get(id: &str, secret: &str, action: &str, region: &str, ts: u64, query: &str) -> HttpRequest {
    let ct = "application/x-www-form-urlencoded";
    let auth = sdk_authorization(id, secret, ts, "GET", query, ct, &codec::sha256_hex(b""));
    sdk_headers(HttpRequest::new("GET", &format!("/?{query}")), action, region, ts, ct).header("Authorization", &auth)
}

/// The `Response` of a success; checks the envelope every answer must have.
fn ok(resp: HttpResponse) -> Value {
    let r = envelope(&resp);
    assert!(r.get("Error").is_none(), "expected success, got {r}");
    assert_eq!(resp.header("x-sharesim-outcome"), Some("ok"));
    r
}

/// The error code of a refusal.
fn error(resp: &HttpResponse) -> String {
    let r = envelope(resp);
    let e = r.get("Error").unwrap_or_else(|| panic!("expected an error, got {r}"));
    assert!(!e["Message"].as_str().unwrap().is_empty());
    assert_ne!(resp.header("x-sharesim-outcome"), Some("ok"));
    e["Code"].as_str().unwrap().to_string()
}

fn envelope(resp: &HttpResponse) -> Value {
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("Content-Type"), Some("application/json"), "exactly, without a charset");
    let body = resp.json_body().expect("a JSON body");
    let r = body["Response"].clone();
    let id = r["RequestId"].as_str().expect("a RequestId");
    assert_eq!(id.len(), 36);
    r
}

struct Cloud {
    ep: Endpoint,
    now: u64,
}

impl Cloud {
    /// `owner`, `alice`, `bob` and `user1`…`userN`, each with a key; the owner has two images.
    fn new(users: usize) -> (Cloud, String, String) {
        let mut engine = Engine::new(P, 0);
        let mut keys = KeyStore::default();
        let names: Vec<String> = ["owner", "alice", "bob"]
            .iter()
            .map(|s| s.to_string())
            .chain((1..=users).map(|i| format!("user{i}")))
            .collect();
        for n in &names {
            engine.add_account(n).unwrap();
            let (id, secret) = KeyStore::derive(P, n, 0);
            keys.insert(&id, n, &secret);
        }
        let mut image = |name: &str| {
            let new = NewImage { name: name.into(), region: "home".into(), ..Default::default() };
            match engine.apply(&Request::new("owner", Operation::CreateImage(new))) {
                Ok(Output::ImageCreated { image, .. }) => image,
                other => panic!("{other:?}"),
            }
        };
        let (a, b) = (image("web"), image("db"));
        (Cloud { ep: Endpoint::new(engine, keys, true), now: NOW }, a, b)
    }

    fn key(&self, account: &str) -> (String, String) {
        let (id, k) = self.ep.keys().id_of(account).unwrap();
        (id.to_string(), k.secret.clone())
    }

    fn id(&self, account: &str) -> String {
        self.ep.engine().recipient_id(account, "home").unwrap()
    }

    fn post_in(&mut self, who: &str, region: &str, action: &str, body: Value) -> HttpResponse {
        let (id, secret) = self.key(who);
        let body = serde_json::to_vec(&body).unwrap();
        let req = sdk_post(&id, &secret, action, region, self.now, &body);
        self.ep.handle(&req, self.now)
    }

    fn post(&mut self, who: &str, action: &str, body: Value) -> HttpResponse {
        self.post_in(who, "ap-guangzhou", action, body)
    }

    fn get(&mut self, who: &str, action: &str, query: &str) -> HttpResponse {
        let (id, secret) = self.key(who);
        let req = sdk_get(&id, &secret, action, "ap-guangzhou", self.now, query);
        self.ep.handle(&req, self.now)
    }

    fn share(&mut self, image: &str, accounts: &[String]) -> HttpResponse {
        self.post(
            "owner",
            "ModifyImageSharePermission",
            json!({"ImageId": image, "AccountIds": accounts, "Permission": "SHARE"}),
        )
    }

    fn cancel(&mut self, image: &str, accounts: &[String]) -> HttpResponse {
        self.post(
            "owner",
            "ModifyImageSharePermission",
            json!({"ImageId": image, "AccountIds": accounts, "Permission": "CANCEL"}),
        )
    }

    fn shared_with(&mut self, who: &str, region: &str) -> Vec<String> {
        let filters =
            json!({"Filters": [{"Name": "image-type", "Values": ["SHARED_IMAGE"]}], "Offset": 0, "Limit": 100});
        let r = ok(self.post_in(who, region, "DescribeImages", filters));
        r["ImageSet"].as_array().unwrap().iter().map(|i| i["ImageId"].as_str().unwrap().to_string()).collect()
    }

    fn members(&mut self, image: &str) -> Vec<String> {
        let r = ok(self.post("owner", "DescribeImageSharePermission", json!({"ImageId": image})));
        r["SharePermissionSet"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["AccountId"].as_str().unwrap().to_string())
            .collect()
    }
}

#[test]
fn a_whole_sharing_story() {
    let (mut c, img, other) = Cloud::new(50);
    let alice = c.id("alice");
    // Share; the recipient sees it; the owner lists the permission.
    ok(c.share(&img, std::slice::from_ref(&alice)));
    assert_eq!(c.shared_with("alice", "ap-guangzhou"), vec![img.clone()]);
    assert!(c.shared_with("bob", "ap-guangzhou").is_empty());
    let r =
        ok(c.post("alice", "DescribeImages", json!({"Filters": [{"Name": "image-type", "Values": ["SHARED_IMAGE"]}]})));
    let seen = &r["ImageSet"][0];
    assert_eq!(seen["ImageType"], "SHARED_IMAGE");
    assert_eq!(seen["ImageState"], "NORMAL");
    assert_eq!(seen["ImageName"], "web");
    assert_eq!(seen["ImageCreator"], c.id("owner"));
    let r = ok(c.post("owner", "DescribeImageSharePermission", json!({"ImageId": img})));
    assert_eq!(r["SharePermissionSet"], json!([{"CreatedTime": "2026-01-01T00:00:00Z", "AccountId": alice}]));
    // Deleting a shared image is refused, in the HTTP 200 envelope, with the deciding rule.
    let resp = c.post("owner", "DeleteImages", json!({"ImageIds": [img]}));
    assert_eq!(error(&resp), "InvalidImageId.InShared");
    assert_eq!(resp.header("x-sharesim-outcome"), Some("StillShared"));
    assert_eq!(resp.header("x-sharesim-rule"), Some("TC-DELETE-SHARED"));
    let last = c.ep.journal(1).pop().unwrap();
    assert_eq!(
        (last.api.as_deref(), last.actor.as_deref(), last.decision.as_str(), last.rule),
        (Some("DeleteImages"), Some("owner"), "StillShared", Some("TC-DELETE-SHARED"))
    );
    // 50 accounts fit; the 51st is over quota.
    let users: Vec<String> = (1..=50).map(|i| c.id(&format!("user{i}"))).collect();
    ok(c.share(&img, &users[..49]));
    assert_eq!(c.members(&img).len(), 50);
    let resp = c.share(&img, &users[49..]);
    assert_eq!(error(&resp), "OverQuota");
    assert_eq!(resp.header("x-sharesim-rule"), Some("TC-LIMIT-50"));
    // Cancel everyone, then the delete goes through.
    ok(c.cancel(&img, &users[..49]));
    ok(c.cancel(&img, std::slice::from_ref(&alice)));
    assert!(c.members(&img).is_empty());
    assert!(c.shared_with("alice", "ap-guangzhou").is_empty());
    ok(c.post("owner", "DeleteImages", json!({"ImageIds": [img]})));
    let r = ok(c.post("owner", "DescribeImages", json!({"ImageIds": [img]})));
    assert_eq!(r["TotalCount"], 0, "a deleted image is gone");
    // Copy the other image to Shanghai and share it there.
    let r = ok(c.post(
        "owner",
        "SyncImages",
        json!({"ImageIds": [other], "DestinationRegions": ["ap-shanghai"], "ImageSetRequired": true}),
    ));
    assert_eq!(r["ImageSet"][0]["Region"], "ap-shanghai");
    let copy = r["ImageSet"][0]["ImageId"].as_str().unwrap().to_string();
    let share = json!({"ImageId": copy, "AccountIds": [alice], "Permission": "SHARE"});
    assert_eq!(
        error(&c.post("owner", "ModifyImageSharePermission", share.clone())),
        "InvalidImageId.NotFound",
        "not in Guangzhou"
    );
    ok(c.post_in("owner", "ap-shanghai", "ModifyImageSharePermission", share));
    assert_eq!(c.shared_with("alice", "ap-shanghai"), vec![copy]);
    assert!(c.shared_with("alice", "ap-guangzhou").is_empty());
}

#[test]
fn describe_images_filters_and_pages() {
    let (mut c, img, other) = Cloud::new(0);
    let alice = c.id("alice");
    ok(c.share(&img, &[alice]));
    let ids = |r: &Value| -> Vec<String> {
        r["ImageSet"].as_array().unwrap().iter().map(|i| i["ImageId"].as_str().unwrap().to_string()).collect()
    };
    let r = ok(c.post("owner", "DescribeImages", json!({})));
    assert_eq!((r["TotalCount"].as_u64(), ids(&r)), (Some(2), vec![img.clone(), other.clone()]));
    let r = ok(c.post(
        "owner",
        "DescribeImages",
        json!({"Filters": [{"Name": "image-type", "Values": ["PRIVATE_IMAGE"]}]}),
    ));
    assert_eq!(r["ImageSet"][0]["ImageType"], "PRIVATE_IMAGE");
    let r = ok(c.post("owner", "DescribeImages", json!({"Filters": [{"Name": "image-name", "Values": ["D"]}]})));
    assert_eq!(ids(&r), vec![other.clone()], "image-name is fuzzy");
    let r = ok(c.post("owner", "DescribeImages", json!({"Filters": [{"Name": "image-id", "Values": [other]}, {"Name": "image-type", "Values": ["SHARED_IMAGE"]}]})));
    assert_eq!(r["TotalCount"], 0, "filters combine with AND");
    let r = ok(c.post("owner", "DescribeImages", json!({"Offset": 1, "Limit": 1})));
    assert_eq!((r["TotalCount"].as_u64(), ids(&r)), (Some(2), vec![other.clone()]));
    let r = ok(c.post("owner", "DescribeImages", json!({"ImageIds": [other]})));
    assert_eq!(ids(&r), vec![other.clone()]);
    // An image the caller cannot see is left out, and the journal says what the caller was told.
    let r = ok(c.post("alice", "DescribeImages", json!({"ImageIds": [other]})));
    assert_eq!(r["TotalCount"], 0);
    let last = c.ep.journal(1).pop().unwrap();
    assert_eq!((last.decision.as_str(), last.rule), ("ok", None), "{last:?}");
    // No filter: the recipient sees what is shared with it.
    let r = ok(c.post("alice", "DescribeImages", json!({})));
    assert_eq!(ids(&r), vec![img.clone()]);
    // The same through GET, flattened 0-based.
    let r = ok(c.get(
        "alice",
        "DescribeImages",
        "Filters.0.Name=image-type&Filters.0.Values.0=SHARED_IMAGE&Offset=0&Limit=10",
    ));
    assert_eq!(ids(&r), vec![img.clone()]);
    for (body, code) in [
        (
            json!({"ImageIds": [img], "Filters": [{"Name": "image-id", "Values": [img]}]}),
            "InvalidParameter.InvalidParameterCoexistImageIdsFilters",
        ),
        (json!({"Limit": 101}), "InvalidParameterValue.InvalidParameterValueLimit"),
        (json!({"Offset": -1}), "InvalidParameterValue"),
        (json!({"Limit": "10"}), "InvalidParameter"),
        (json!({"Filters": [{"Name": "colour", "Values": ["red"]}]}), "InvalidFilter"),
        (json!({"Filters": [{"Name": "image-type", "Values": ["MINE"]}]}), "InvalidParameterValue"),
        (
            json!({"Filters": [{"Name": "image-id", "Values": ["img-1", "img-2", "img-3", "img-4", "img-5", "img-6"]}]}),
            "InvalidFilterValue.LimitExceeded",
        ),
        (json!({"Filters": [{"Values": ["x"]}]}), "MissingParameter"),
        (json!({"Filters": {"Name": "image-id"}}), "InvalidParameter"),
        (json!({"ImageIds": ["i-123"]}), "InvalidImageId.Malformed"),
    ] {
        assert_eq!(error(&c.post("owner", "DescribeImages", body.clone())), code, "{body}");
    }
}

#[test]
fn get_requests_take_flattened_lists_and_python_booleans() {
    let (mut c, img, _) = Cloud::new(0);
    let (alice, bob) = (c.id("alice"), c.id("bob"));
    ok(c.get(
        "owner",
        "ModifyImageSharePermission",
        &format!("ImageId={img}&AccountIds.0={alice}&AccountIds.1={bob}&Permission=SHARE"),
    ));
    assert_eq!(c.members(&img).len(), 2);
    let sync = format!("ImageIds.0={img}&DestinationRegions.0=ap-shanghai&DryRun=True");
    assert_eq!(error(&c.get("owner", "SyncImages", &sync)), "DryRunOperation");
    let images = c.ep.engine().state().images.len();
    let sync = format!("ImageIds.0={img}&DestinationRegions.0=ap-shanghai&DryRun=False&ImageSetRequired=True");
    let r = ok(c.get("owner", "SyncImages", &sync));
    assert_eq!(r["ImageSet"].as_array().unwrap().len(), 1);
    assert_eq!(c.ep.engine().state().images.len(), images + 1);
    for (query, code) in [
        (format!("ImageIds.0={img}&DestinationRegions.0=ap-shanghai&DryRun=maybe"), "InvalidParameter"),
        (format!("ImageIds.1={img}&DestinationRegions.0=ap-shanghai"), "InvalidParameter"),
        (format!("ImageIds.0={img}&ImageIds.0.x=1&DestinationRegions.0=ap-shanghai"), "InvalidParameter"),
        (format!("ImageIds.0={img}"), "MissingParameter"),
    ] {
        assert_eq!(error(&c.get("owner", "SyncImages", &query)), code, "{query}");
    }
}

#[test]
fn batches_are_all_or_nothing() {
    let (mut c, img, other) = Cloud::new(0);
    let alice = c.id("alice");
    ok(c.share(&img, &[alice]));
    let resp = c.post("owner", "DeleteImages", json!({"ImageIds": [other, img]}));
    assert_eq!(error(&resp), "InvalidImageId.InShared");
    let r = ok(c.post("owner", "DescribeImages", json!({"ImageIds": [other]})));
    assert_eq!(r["TotalCount"], 1, "the first image was not deleted either");
    assert_eq!(
        error(&c.post("owner", "DeleteImages", json!({"ImageIds": [other], "DryRun": true}))),
        "DryRunOperation"
    );
    assert_eq!(ok(c.post("owner", "DescribeImages", json!({"ImageIds": [other]})))["TotalCount"], 1);
    let resp = c.post(
        "owner",
        "SyncImages",
        json!({"ImageIds": [other], "DestinationRegions": ["ap-shanghai", "ap-guangzhou"]}),
    );
    assert_eq!(error(&resp), "InvalidParameterValue.InvalidRegion");
    assert_eq!(resp.header("x-sharesim-rule"), Some("TC-SYNC-REGION"));
    assert_eq!(ok(c.post_in("owner", "ap-shanghai", "DescribeImages", json!({})))["TotalCount"], 0, "no copy was kept");
    assert_eq!(
        error(&c.post("owner", "SyncImages", json!({"ImageIds": [other], "DestinationRegions": ["ap-mars"]}))),
        "InvalidRegion.NotFound"
    );
}

#[test]
fn launch_and_reinstall() {
    let (mut c, img, other) = Cloud::new(0);
    let alice = c.id("alice");
    ok(c.share(&img, std::slice::from_ref(&alice)));
    ok(c.share(&other, &[alice]));
    let run = json!({"Placement": {"Zone": "ap-guangzhou-6"}, "InstanceType": "S5.MEDIUM2", "ImageId": img, "InstanceCount": 2});
    let r = ok(c.post("alice", "RunInstances", run));
    let ids: Vec<String> =
        r["InstanceIdSet"].as_array().unwrap().iter().map(|i| i.as_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), 2);
    let dry = json!({"Placement": {"Zone": "ap-guangzhou-6"}, "ImageId": img, "DryRun": true});
    assert_eq!(error(&c.post("alice", "RunInstances", dry)), "DryRunOperation");
    assert_eq!(c.ep.engine().state().instances.len(), 2);
    let elsewhere = json!({"Placement": {"Zone": "ap-shanghai-2"}, "ImageId": img});
    assert_eq!(error(&c.post("alice", "RunInstances", elsewhere)), "InvalidZone.MismatchRegion");
    assert_eq!(error(&c.post("bob", "RunInstances", json!({"ImageId": img}))), "InvalidImageId.NotFound");
    assert_eq!(
        error(&c.post("alice", "RunInstances", json!({"ImageId": img, "InstanceCount": 0}))),
        "InvalidParameterValue"
    );
    assert_eq!(
        error(&c.post("alice", "RunInstances", json!({"Placement": "ap-guangzhou-6", "ImageId": img}))),
        "InvalidParameter"
    );
    // Reinstall from the same image, then from another one.
    let inst = &ids[0];
    ok(c.post("alice", "ResetInstance", json!({"InstanceId": inst})));
    ok(c.post("alice", "ResetInstance", json!({"InstanceId": inst, "ImageId": img})));
    ok(c.post("alice", "ResetInstance", json!({"InstanceId": inst, "ImageId": other})));
    let state = c.ep.engine().state();
    let n = state.index.instance_by_id[inst.as_str()];
    assert_eq!(state.images[state.instances[n].image as usize].id, other);
    assert_eq!(
        error(&c.post("alice", "ResetInstance", json!({"InstanceId": "ins-00000000"}))),
        "InvalidInstanceId.NotFound"
    );
    assert_eq!(error(&c.post("bob", "ResetInstance", json!({"InstanceId": inst}))), "InvalidInstanceId.NotFound");
    assert_eq!(
        error(&c.post_in("alice", "ap-shanghai", "ResetInstance", json!({"InstanceId": inst}))),
        "InvalidInstanceId.NotFound"
    );
    assert_eq!(error(&c.post("alice", "ResetInstance", json!({"InstanceId": "i-1"}))), "InvalidInstanceId.Malformed");
    // After the share is cancelled the instance cannot be reinstalled from it.
    ok(c.cancel(&other, &[c.id("alice")]));
    let resp = c.post("alice", "ResetInstance", json!({"InstanceId": inst}));
    assert_eq!(error(&resp), "InvalidImageId.NotFound");
    assert_eq!(resp.header("x-sharesim-rule"), Some("TC-AFTER-UNSHARE"));
}

#[test]
fn only_the_owner_renames() {
    let (mut c, img, _) = Cloud::new(0);
    let alice = c.id("alice");
    ok(c.share(&img, &[alice]));
    ok(c.post(
        "owner",
        "ModifyImageAttribute",
        json!({"ImageId": img, "ImageName": "web-2", "ImageDescription": "new"}),
    ));
    let r = ok(c.post("alice", "DescribeImages", json!({"ImageIds": [img]})));
    assert_eq!(
        (r["ImageSet"][0]["ImageName"].as_str(), r["ImageSet"][0]["ImageDescription"].as_str()),
        (Some("web-2"), Some("new"))
    );
    let resp = c.post("alice", "ModifyImageAttribute", json!({"ImageId": img, "ImageName": "mine"}));
    assert_eq!(error(&resp), "UnauthorizedOperation.ImageNotBelongToAccount");
    assert_eq!(resp.header("x-sharesim-rule"), Some("TC-READONLY-META"));
    let resp = c.post(
        "alice",
        "ModifyImageSharePermission",
        json!({"ImageId": img, "AccountIds": [c.id("bob")], "Permission": "SHARE"}),
    );
    assert_eq!(error(&resp), "UnauthorizedOperation.ImageNotBelongToAccount");
    assert_eq!(resp.header("x-sharesim-rule"), Some("TC-NO-RESHARE"));
}

#[test]
fn share_refusals_use_tencent_codes() {
    let (mut c, img, _) = Cloud::new(0);
    let (owner, alice) = (c.id("owner"), c.id("alice"));
    let appid = c.ep.engine().identity_of("alice", crate::rules::IdentityKind::AppId, "home").unwrap();
    for (accounts, code) in [
        (vec![owner], "FailedOperation.AccountIsYourSelf"),
        (vec!["100000000000".to_string()], "InvalidAccountId.NotFound"),
        (vec![appid], "InvalidAccountId.NotFound"),
    ] {
        assert_eq!(error(&c.share(&img, &accounts)), code, "{accounts:?}");
    }
    ok(c.share(&img, std::slice::from_ref(&alice)));
    assert_eq!(error(&c.share(&img, &[alice])), "FailedOperation.AccountAlreadyExists");
    ok(c.cancel(&img, &[c.id("bob")]));
}

#[test]
fn malformed_requests_get_tencent_errors() {
    let (mut c, img, _) = Cloud::new(0);
    let (id, secret) = c.key("owner");
    let share = |body: &[u8]| sdk_post(&id, &secret, "ModifyImageSharePermission", "ap-guangzhou", NOW, body);
    for (body, code) in [
        (b"{\"AccountIds\": [\"100000000001\"], \"Permission\": \"SHARE\"}".to_vec(), "MissingParameter"),
        (
            format!("{{\"ImageId\": \"{img}\", \"AccountIds\": [], \"Permission\": \"SHARE\"}}").into_bytes(),
            "MissingParameter",
        ),
        (
            b"{\"ImageId\": 5, \"AccountIds\": [\"100000000001\"], \"Permission\": \"SHARE\"}".to_vec(),
            "InvalidParameter",
        ),
        (
            format!("{{\"ImageId\": \"{img}\", \"AccountIds\": \"100000000001\", \"Permission\": \"SHARE\"}}")
                .into_bytes(),
            "InvalidParameter",
        ),
        (
            format!("{{\"ImageId\": \"{img}\", \"AccountIds\": [100000000001], \"Permission\": \"SHARE\"}}")
                .into_bytes(),
            "InvalidParameter",
        ),
        (
            format!("{{\"ImageId\": \"{img}\", \"AccountIds\": [\"100000000001\"], \"Permission\": \"share\"}}")
                .into_bytes(),
            "InvalidParameterValue",
        ),
        (
            b"{\"ImageId\": \"img-BAD\", \"AccountIds\": [\"1\"], \"Permission\": \"SHARE\"}".to_vec(),
            "InvalidImageId.Malformed",
        ),
        (b"{\"ImageId\": ".to_vec(), "InvalidParameter"),
        (b"[1, 2]".to_vec(), "InvalidParameter"),
        (vec![0xff, 0xfe], "InvalidParameter"),
        (b"".to_vec(), "MissingParameter"),
    ] {
        let resp = c.ep.handle(&share(&body), NOW);
        assert_eq!(error(&resp), code, "{}", String::from_utf8_lossy(&body));
        assert_eq!(resp.header("x-sharesim-outcome"), Some("InvalidParameter"));
    }
    let signed = |action: &str, region: &str| sdk_post(&id, &secret, action, region, NOW, b"{}");
    let with = |req: HttpRequest, name: &str, value: Option<&str>| {
        let mut req = req;
        req.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        match value {
            Some(v) => req.header(name, v),
            None => req,
        }
    };
    let cases = [
        (signed("CreateDisks", "ap-guangzhou"), "InvalidAction", "unknown-action"),
        (
            with(signed("DescribeImages", "ap-guangzhou"), "X-TC-Action", Some("")),
            "MissingParameter",
            "InvalidParameter",
        ),
        (
            with(signed("DescribeImages", "ap-guangzhou"), "X-TC-Version", Some("2022-01-01")),
            "NoSuchVersion",
            "unknown-version",
        ),
        (with(signed("DescribeImages", "ap-guangzhou"), "X-TC-Version", None), "MissingParameter", "InvalidParameter"),
        (signed("DescribeImages", "ap-mars"), "InvalidRegion.NotFound", "UnknownRegion"),
        (signed("DescribeImages", "home"), "InvalidRegion.NotFound", "UnknownRegion"),
        (with(signed("DescribeImages", "ap-guangzhou"), "X-TC-Region", None), "MissingParameter", "InvalidParameter"),
        (
            with(signed("DescribeImages", "ap-guangzhou"), "Authorization", Some("TC3-HMAC-SHA256 nonsense")),
            "AuthFailure.InvalidAuthorization",
            "malformed-authorization",
        ),
        (
            with(signed("DescribeImages", "ap-guangzhou"), "Authorization", None),
            "AuthFailure.InvalidAuthorization",
            "malformed-authorization",
        ),
        (
            with(signed("DescribeImages", "ap-guangzhou"), "X-TC-Timestamp", None),
            "MissingParameter",
            "InvalidParameter",
        ),
        (
            HttpRequest::new("POST", "/").body(b"{}".to_vec()),
            "AuthFailure.InvalidAuthorization",
            "malformed-authorization",
        ),
        (
            sdk_post("AKIDnobody", &secret, "DescribeImages", "ap-guangzhou", NOW, b"{}"),
            "AuthFailure.SecretIdNotFound",
            "unknown-key",
        ),
        (
            sdk_post(&id, "wrong", "DescribeImages", "ap-guangzhou", NOW, b"{}"),
            "AuthFailure.SignatureFailure",
            "signature",
        ),
        (
            sdk_post(&id, &secret, "DescribeImages", "ap-guangzhou", NOW - 600, b"{}"),
            "AuthFailure.SignatureExpire",
            "expired",
        ),
        (
            HttpRequest { method: "PUT".into(), ..signed("DescribeImages", "ap-guangzhou") },
            "UnsupportedProtocol",
            "unsupported-method",
        ),
    ];
    for (req, code, outcome) in cases {
        let resp = c.ep.handle(&req, NOW);
        assert_eq!((error(&resp).as_str(), resp.header("x-sharesim-outcome")), (code, Some(outcome)), "{req:?}");
        assert_eq!(c.ep.journal(1)[0].decision, outcome);
    }
}

#[test]
fn the_credential_scope_must_match_the_timestamp_and_service() {
    let (mut c, _, _) = Cloud::new(0);
    let (id, secret) = c.key("owner");
    let good = sdk_post(&id, &secret, "DescribeImages", "ap-guangzhou", NOW, b"{}");
    let auth = good.get("Authorization").unwrap();
    for bad in [auth.replace("/2026-11-22/", "/2026-11-21/"), auth.replace("/cvm/", "/cbs/")] {
        let mut req = good.clone();
        req.headers.retain(|(n, _)| n != "Authorization");
        let resp = c.ep.handle(&req.header("Authorization", &bad), NOW);
        assert_eq!(error(&resp), "AuthFailure.SignatureFailure", "{bad}");
    }
    ok(c.ep.handle(&good, NOW));
}

#[test]
fn unsigned_payloads_leave_the_body_out() {
    let (mut c, _, _) = Cloud::new(0);
    let (id, secret) = c.key("owner");
    let auth =
        sdk_authorization(&id, &secret, NOW, "POST", "", "application/json", &codec::sha256_hex(b"UNSIGNED-PAYLOAD"));
    let req = sdk_headers(HttpRequest::new("POST", "/"), "DescribeImages", "ap-guangzhou", NOW, "application/json")
        .header("X-TC-Content-SHA256", "UNSIGNED-PAYLOAD")
        .header("Authorization", &auth);
    ok(c.ep.handle(&req.clone().body(b"{}".to_vec()), NOW));
    ok(c.ep.handle(&req.clone().body(b"{\"Limit\": 1}".to_vec()), NOW));
    let mut signed_body = sdk_post(&id, &secret, "DescribeImages", "ap-guangzhou", NOW, b"{}");
    signed_body.body = b"{\"Limit\": 1}".to_vec().into();
    assert_eq!(error(&c.ep.handle(&signed_body, NOW)), "AuthFailure.SignatureFailure");
}

#[test]
fn legacy_hmac_sha1_requests_work() {
    let (mut c, img, _) = Cloud::new(0);
    let (id, secret) = c.key("owner");
    let mut params: Vec<(String, String)> = [
        ("Action", "DescribeImages"),
        ("Version", "2017-03-12"),
        ("Region", "ap-guangzhou"),
        ("Timestamp", "1795338582"),
        ("Nonce", "42"),
        ("SecretId", id.as_str()),
        ("SignatureMethod", "HmacSHA1"),
        ("ImageIds.0", img.as_str()),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let mut sorted = params.clone();
    sorted.sort();
    let joined: Vec<String> = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let to_sign = format!("POST{HOST}/?{}", joined.join("&"));
    params.push(("Signature".into(), codec::base64(&codec::hmac_sha1(secret.as_bytes(), to_sign.as_bytes()))));
    let body: Vec<String> = params.iter().map(|(k, v)| format!("{}={}", codec::encode(k), codec::encode(v))).collect();
    let req = HttpRequest::new("POST", "/")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Host", HOST)
        .body(body.join("&").into_bytes());
    let r = ok(c.ep.handle(&req, NOW));
    assert_eq!(r["ImageSet"][0]["ImageId"], img.as_str());
    assert_eq!(c.ep.journal(1)[0].api.as_deref(), Some("DescribeImages"));
    assert_eq!(error(&c.ep.handle(&req, NOW)), "AuthFailure.SignatureFailure", "the nonce was used");
}

#[test]
fn transport_refusals_use_the_envelope() {
    let (mut c, _, _) = Cloud::new(0);
    let resp = c.ep.reject("POST", "/", &Rejection::BodyTooLarge { limit: 1024 });
    assert_eq!(error(&resp), "RequestSizeLimitExceeded");
    assert_eq!(resp.header("x-sharesim-outcome"), Some("body-too-large"));
    let resp = c.ep.reject("POST", "/", &Rejection::Unreadable("connection reset".into()));
    assert_eq!(error(&resp), "InvalidParameter");
    let ids: Vec<String> = [c.ep.reject("POST", "/", &Rejection::Unreadable(String::new())), resp]
        .iter()
        .map(|r| envelope(r)["RequestId"].as_str().unwrap().to_string())
        .collect();
    assert_ne!(ids[0], ids[1], "each request has its own RequestId");
}

#[test]
fn the_adapter_serves_every_action_it_names() {
    let names: Vec<&str> = super::api::actions().collect();
    assert_eq!(names.len(), 13);
    let (mut c, _, _) = Cloud::new(0);
    for name in names {
        let resp = c.post("owner", name, json!({}));
        assert_ne!(envelope(&resp).get("Error").map(|e| e["Code"].clone()), Some(json!("InvalidAction")), "{name}");
    }
}

/// A call of Lighthouse's API, signed for service `lighthouse` as its SDK signs it.
fn lighthouse_post(c: &mut Cloud, who: &str, action: &str, body: Value) -> HttpResponse {
    let (id, secret) = c.key(who);
    let req = super::client::service_request(
        ("lighthouse", super::api::LIGHTHOUSE_VERSION),
        "lighthouse.tencentcloudapi.com",
        action,
        "ap-guangzhou",
        &body,
        &id,
        &secret,
        c.now,
    );
    c.ep.handle(&req, c.now)
}

#[test]
fn the_whole_workflow_makes_an_image_from_an_instance_and_uses_it() {
    let (mut c, base, _) = Cloud::new(0);
    let run = json!({"Placement": {"Zone": "ap-guangzhou-6"}, "ImageId": base});
    let vm = ok(c.post("owner", "RunInstances", run))["InstanceIdSet"][0].as_str().unwrap().to_string();
    // The owner makes an image of its instance; a stranger cannot name that instance.
    let made = ok(c.post("owner", "CreateImage", json!({"ImageName": "golden", "InstanceId": vm})));
    let golden = made["ImageId"].as_str().unwrap().to_string();
    let theirs = c.post("bob", "CreateImage", json!({"ImageName": "x", "InstanceId": vm}));
    assert_eq!(error(&theirs), "InvalidInstanceId.NotFound");
    let elsewhere = c.post_in("owner", "ap-shanghai", "CreateImage", json!({"ImageName": "x", "InstanceId": vm}));
    assert_eq!(error(&elsewhere), "InvalidInstanceId.NotFound");
    // Shared, the recipient launches from it; a stranger is refused.
    ok(c.share(&golden, &[c.id("alice")]));
    let run = json!({"ImageId": golden});
    let alice_vm = ok(c.post("alice", "RunInstances", run.clone()))["InstanceIdSet"][0].as_str().unwrap().to_string();
    assert_eq!(error(&c.post("bob", "RunInstances", run)), "InvalidImageId.NotFound");
    // After the cancel, the recipient's reinstall from it is refused; its instance stays.
    ok(c.cancel(&golden, &[c.id("alice")]));
    let reset = c.post("alice", "ResetInstance", json!({"InstanceId": alice_vm}));
    assert_eq!(error(&reset), "InvalidImageId.NotFound");
    let listed = ok(c.post("alice", "DescribeInstances", json!({"InstanceIds": [alice_vm]})));
    assert_eq!(listed["TotalCount"], 1);
    assert_eq!(listed["InstanceSet"][0]["ImageId"], golden.as_str());
    assert_eq!(listed["InstanceSet"][0]["InstanceState"], "RUNNING");
    // Nobody else sees it; its owner releases it, all or nothing.
    assert_eq!(ok(c.post("bob", "DescribeInstances", json!({"InstanceIds": [alice_vm]})))["TotalCount"], 0);
    let both = json!({"InstanceIds": [alice_vm, vm]});
    assert_eq!(error(&c.post("alice", "TerminateInstances", both)), "InvalidInstanceId.NotFound");
    ok(c.post("alice", "TerminateInstances", json!({"InstanceIds": [alice_vm]})));
    assert_eq!(ok(c.post("alice", "DescribeInstances", json!({})))["TotalCount"], 0);
    // The quota call answers the account's figure.
    assert_eq!(ok(c.post("owner", "DescribeImageQuota", json!({})))["ImageNumQuota"], 500);
    // An image imported from COS has no instance behind it; it is shared like any other.
    let import = json!({"Architecture": "x86_64", "OsType": "TencentOS", "OsVersion": "3.1",
        "ImageUrl": "https://b-1250000000.cos.ap-guangzhou.myqcloud.com/web.qcow2", "ImageName": "imported"});
    let dry = json!({"DryRun": true}).as_object().unwrap().clone();
    let mut dry_import = import.clone();
    dry_import.as_object_mut().unwrap().extend(dry);
    assert_eq!(error(&c.post("owner", "ImportImage", dry_import)), "DryRunOperation");
    let imported = ok(c.post("owner", "ImportImage", import))["ImageId"].as_str().unwrap().to_string();
    ok(c.share(&imported, &[c.id("alice")]));
    assert!(c.shared_with("alice", "ap-guangzhou").contains(&imported));
}

#[test]
fn new_calls_refuse_bad_input_in_tencent_terms() {
    let (mut c, base, _) = Cloud::new(0);
    let cases = [
        ("CreateImage", json!({"InstanceId": "ins-00000000"}), "MissingParameter"),
        ("CreateImage", json!({"ImageName": "x"}), "MissingParameter"),
        ("CreateImage", json!({"ImageName": "x", "InstanceId": "i-1"}), "InvalidInstanceId.Malformed"),
        ("CreateImage", json!({"ImageName": "x".repeat(61), "InstanceId": "ins-00000000"}), "InvalidParameterValue"),
        ("CreateImage", json!({"ImageName": "x", "InstanceId": "ins-00000000"}), "InvalidInstanceId.NotFound"),
        (
            "CreateImage",
            json!({"ImageName": "x", "InstanceId": "ins-00000000", "ForcePoweroff": "yes"}),
            "InvalidParameterValue",
        ),
        ("CreateImage", json!({"ImageName": "x", "SnapshotIds": ["snap-1"]}), "UnsupportedOperation"),
        ("CreateImage", json!({"ImageName": 5, "InstanceId": "ins-00000000"}), "InvalidParameter"),
        ("DescribeInstances", json!({"InstanceIds": ["nope"]}), "InvalidInstanceId.Malformed"),
        ("DescribeInstances", json!({"Filters": [{"Name": "colour", "Values": ["x"]}]}), "InvalidFilter"),
        ("DescribeInstances", json!({"Limit": 101}), "InvalidParameterValue"),
        (
            "DescribeInstances",
            json!({"InstanceIds": ["ins-00000000"], "Filters": [{"Name": "zone", "Values": ["x"]}]}),
            "InvalidParameterCombination",
        ),
        ("TerminateInstances", json!({}), "MissingParameter"),
        ("TerminateInstances", json!({"InstanceIds": "ins-00000000"}), "InvalidParameter"),
        ("TerminateInstances", json!({"InstanceIds": ["ins-00000000"]}), "InvalidInstanceId.NotFound"),
        ("StopInstances", json!({"InstanceIds": ["ins-00000000"]}), "InvalidAction"),
        (
            "ImportImage",
            json!({"OsType": "CentOS", "OsVersion": "7", "ImageUrl": "https://b.cos/x", "ImageName": "x"}),
            "MissingParameter",
        ),
        (
            "ImportImage",
            json!({"Architecture": "sparc", "OsType": "CentOS", "OsVersion": "7", "ImageUrl": "https://b.cos/x", "ImageName": "x"}),
            "InvalidParameterValue",
        ),
        (
            "ImportImage",
            json!({"Architecture": "x86_64", "OsType": "CentOS", "OsVersion": "7", "ImageUrl": "ftp://x", "ImageName": "x"}),
            "InvalidParameterValue",
        ),
        (
            "ImportImage",
            json!({"Architecture": "x86_64", "OsType": "CentOS", "OsVersion": "7", "ImageUrl": "https://b.cos/x"}),
            "MissingParameter",
        ),
        (
            "ImportImage",
            json!({"Architecture": "x86_64", "OsType": "", "OsVersion": "7", "ImageUrl": "https://b.cos/x", "ImageName": "x"}),
            "InvalidParameterValue",
        ),
    ];
    for (action, body, code) in cases {
        assert_eq!(error(&c.post("owner", action, body.clone())), code, "{action} {body}");
    }
    let _ = base;
}

#[test]
fn lighthouse_takes_the_owners_cvm_image_and_gives_it_back() {
    let (mut c, base, _) = Cloud::new(0);
    let share = json!({"ImageId": base, "Permission": "SHARE"});
    // A CVM-signed request for Lighthouse's action is CVM's ModifyImageSharePermission, which needs accounts.
    assert_eq!(error(&c.post("owner", "ModifyImageSharePermission", share.clone())), "MissingParameter");
    assert_eq!(
        error(&lighthouse_post(&mut c, "alice", "ModifyImageSharePermission", share.clone())),
        "ResourceNotFound.ImageIdNotFound"
    );
    ok(lighthouse_post(&mut c, "owner", "ModifyImageSharePermission", share.clone()));
    let again = lighthouse_post(&mut c, "owner", "ModifyImageSharePermission", share);
    assert_eq!(error(&again), "UnsupportedOperation.ImageAlreadyShared");
    let listed = ok(lighthouse_post(&mut c, "owner", "DescribeImagesToShare", json!({"ImageIds": [base]})));
    assert_eq!(listed["ImageSet"][0]["ImageId"], base.as_str());
    // Lighthouse instances from the handed-over image: the owner's only.
    let create = json!({"BundleId": "bundle_starter", "BlueprintId": base, "InstanceChargePrepaid": {"Period": 1}});
    let made = ok(lighthouse_post(&mut c, "owner", "CreateInstances", create.clone()));
    let lh = made["InstanceIdSet"][0].as_str().unwrap().to_string();
    let theirs = lighthouse_post(&mut c, "alice", "CreateInstances", create.clone());
    assert_eq!(error(&theirs), "InvalidImageId.NotFound");
    ok(lighthouse_post(&mut c, "owner", "ResetInstance", json!({"InstanceId": lh})));
    let stranger = lighthouse_post(&mut c, "alice", "ResetInstance", json!({"InstanceId": lh}));
    assert_eq!(error(&stranger), "ResourceNotFound.InstanceIdNotFound");
    // Its image is a Lighthouse image (a blueprint), which CVM cannot launch until handed back.
    let bp =
        ok(lighthouse_post(&mut c, "owner", "CreateBlueprint", json!({"BlueprintName": "site", "InstanceId": lh})));
    let blueprint = bp["BlueprintId"].as_str().unwrap().to_string();
    let cvm = c.post("owner", "RunInstances", json!({"ImageId": blueprint}));
    assert_eq!(error(&cvm), "UnauthorizedOperation.ImageNotBelongToAccount");
    for (body, code) in [
        (json!({"BlueprintId": base, "InstanceChargePrepaid": {"Period": 1}}), "MissingParameter"),
        (json!({"BundleId": "b", "BlueprintId": base}), "MissingParameter"),
        (
            json!({"BundleId": "b", "BlueprintId": base, "InstanceChargePrepaid": {"Period": 1}, "InstanceCount": 31}),
            "InvalidParameterValue",
        ),
        (
            json!({"BundleId": "b", "BlueprintId": base, "InstanceChargePrepaid": {"Period": 1}, "Zones": ["ap-shanghai-2"]}),
            "InvalidParameterValue.ZoneInvalid",
        ),
        (
            json!({"BundleId": "b", "BlueprintId": "lhbp-x", "InstanceChargePrepaid": {"Period": 1}}),
            "InvalidParameterValue.InvalidImageIdMalformed",
        ),
    ] {
        assert_eq!(error(&lighthouse_post(&mut c, "owner", "CreateInstances", body.clone())), code, "{body}");
    }
    let cancel = json!({"ImageId": base, "Permission": "CANCEL"});
    ok(lighthouse_post(&mut c, "owner", "ModifyImageSharePermission", cancel.clone()));
    assert_eq!(
        error(&lighthouse_post(&mut c, "owner", "ModifyImageSharePermission", cancel)),
        "FailedOperation.ImageOperationFailed"
    );
    let bad = json!({"ImageId": "lhbp-1", "Permission": "SHARE"});
    assert_eq!(
        error(&lighthouse_post(&mut c, "owner", "ModifyImageSharePermission", bad)),
        "InvalidParameterValue.InvalidImageIdMalformed"
    );
    let odd = json!({"ImageId": base, "Permission": "MAYBE"});
    assert_eq!(error(&lighthouse_post(&mut c, "owner", "ModifyImageSharePermission", odd)), "InvalidParameterValue");
    // CVM's other actions are not Lighthouse's, and a request signed for CVM at Lighthouse's version fails.
    assert_eq!(error(&lighthouse_post(&mut c, "owner", "RunInstances", json!({}))), "InvalidAction");
    let (id, secret) = c.key("owner");
    let mut req = sdk_post(&id, &secret, "DescribeImagesToShare", "ap-guangzhou", NOW, b"{}");
    req.headers.retain(|(n, _)| !n.eq_ignore_ascii_case("X-TC-Version"));
    let req = req.header("X-TC-Version", super::api::LIGHTHOUSE_VERSION);
    assert_eq!(error(&c.ep.handle(&req, NOW)), "AuthFailure.SignatureFailure");
}
