//! The ECS adapter and its signatures: every SDK capture verifies and its vector recomputes,
//! tampered copies are refused with the right code, and whole sharing stories run end to end
//! through requests signed here the way the SDKs sign them. No wall clock: `now` is fixed.

use std::cell::Cell;

use serde_json::Value;

use super::api::{disk_of, instance_of};
use super::signature;
use crate::clock::parse_iso8601;
use crate::engine::{Engine, NewImage, Operation, Output, Request};
use crate::providers::Provider;
use crate::wire::{Endpoint, HttpRequest, HttpResponse, KeyStore, Rejection, codec};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/captures/alibaba");
const VECTORS: &str = include_str!("../../../tests/data/captures/alibaba/vectors.json");
const OWNER_KEY: &str = "LTAI5tTestOwnerKey0001";
const OWNER_SECRET: &str = "TestOwnerSecret0000000000000001";
const CAPTURED_IMAGE: &str = "m-bp1testimage0001";
/// The captures' recipients.
const CAPTURED_ALICE: &str = "1234567890123456";
const CAPTURED_BOB: &str = "2345678901234567";
const SPECIAL_NAME: &str = "a b*c~d/e+f=g&h%i'j(k)!l中文é";
const AUTH_CODES: [&str; 7] = [
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "InvalidAccessKeyId.NotFound",
    "MissingParameter",
    "IllegalTimestamp",
    "SignatureNonceUsed",
    "InvalidAction.NotFound",
];

/// The capture run's clock: every capture is within 15 minutes of it.
fn capture_now() -> u64 {
    parse_iso8601("2026-11-22T09:13:19Z").unwrap()
}

fn at(s: &str) -> u64 {
    parse_iso8601(s).unwrap()
}

fn capture(file: &str) -> HttpRequest {
    let raw = std::fs::read(format!("{DIR}/{file}")).unwrap_or_else(|e| panic!("{file}: {e}"));
    HttpRequest::parse_raw(&raw).unwrap_or_else(|| panic!("{file} does not parse"))
}

fn vectors() -> Vec<Value> {
    serde_json::from_str::<Value>(VECTORS).unwrap().as_array().unwrap().clone()
}

fn capture_files() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".txt"))
        .collect();
    files.sort();
    files
}

/// The captures' world: `owner` holds the captures' key and the image they name, `alice` and
/// `bob` have the account IDs the captures share with.
fn capture_world(verify: bool) -> Endpoint {
    let mut e = Engine::new(Provider::Alibaba, 0);
    for a in ["owner", "alice", "bob"] {
        e.add_account(a).unwrap();
    }
    let new = NewImage { name: "base".into(), region: "home".into(), ..Default::default() };
    let Ok(Output::ImageCreated { image, .. }) = e.apply(&Request::new("owner", Operation::CreateImage(new))) else {
        panic!("image not created")
    };
    let (alice, bob) = (e.recipient_id("alice", "home").unwrap(), e.recipient_id("bob", "home").unwrap());
    let dump = e.dump().replace(&image, CAPTURED_IMAGE).replace(&alice, CAPTURED_ALICE).replace(&bob, CAPTURED_BOB);
    let e = Engine::load(Provider::Alibaba, &dump).unwrap();
    let mut keys = KeyStore::default();
    keys.insert(OWNER_KEY, "owner", OWNER_SECRET);
    Endpoint::new(e, keys, verify)
}

fn code(r: &HttpResponse) -> String {
    r.json_body().and_then(|b| b["Code"].as_str().map(str::to_string)).unwrap_or_default()
}

fn message(r: &HttpResponse) -> String {
    r.json_body().and_then(|b| b["Message"].as_str().map(str::to_string)).unwrap_or_default()
}

fn body(r: &HttpResponse) -> Value {
    r.json_body().unwrap_or_else(|| panic!("not JSON: {}", String::from_utf8_lossy(&r.body)))
}

#[track_caller]
fn assert_refused(r: &HttpResponse, status: u16, expected: &str) {
    assert_eq!((r.status, code(r).as_str()), (status, expected), "{}", String::from_utf8_lossy(&r.body));
    let b = body(r);
    for key in ["RequestId", "HostId", "Code", "Message", "Recommend"] {
        assert!(b[key].as_str().is_some_and(|v| !v.is_empty()), "{key} missing in {b}");
    }
    assert_eq!(r.header("Content-Type"), Some("application/json;charset=utf-8"));
    assert!(r.header("x-sharesim-outcome").is_some());
}

#[track_caller]
fn assert_ok(r: &HttpResponse) -> Value {
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("x-sharesim-outcome"), Some("ok"));
    let b = body(r);
    let id = b["RequestId"].as_str().unwrap();
    assert!(id.len() == 36 && id == id.to_ascii_uppercase(), "{id}");
    b
}

// ----- signature vectors and captures ----------------------------------------------------------

#[test]
fn every_capture_has_a_vector_and_the_test_data_is_complete() {
    let listed: Vec<String> = vectors().iter().map(|v| v["file"].as_str().unwrap().to_string()).collect();
    assert_eq!(capture_files(), {
        let mut l = listed.clone();
        l.sort();
        l
    });
    assert_eq!(listed.len(), 20);
    for suffix in ["tea-acs3", "tea-v1", "core-v1"] {
        assert!(listed.iter().any(|f| f.ends_with(&format!(".{suffix}.txt"))), "{suffix}");
    }
}

#[test]
fn every_vector_recomputes() {
    for v in vectors() {
        let file = v["file"].as_str().unwrap();
        let req = capture(file);
        let secret = v["secret"].as_str().unwrap();
        let expected = v["signature"].as_str().unwrap();
        if v["algorithm"] == "ACS3-HMAC-SHA256" {
            let auth = signature::parse_acs3(&req.get("Authorization").unwrap()).unwrap();
            assert_eq!(auth.key_id, v["access_key_id"].as_str().unwrap());
            let cr = signature::acs3_canonical_request(&req, &auth.signed_headers, &codec::sha256_hex(&req.body));
            assert_eq!(cr, v["canonical_request"].as_str().unwrap(), "{file}");
            let sts = signature::acs3_string_to_sign(&cr);
            assert_eq!(sts, v["string_to_sign"].as_str().unwrap(), "{file}");
            assert_eq!(signature::acs3_sign(secret, &sts), expected, "{file}");
            assert_eq!(auth.signature, expected, "{file}");
        } else {
            let params = codec::query_pairs(req.query());
            assert_eq!(signature::v1_canonical_query(&params), v["canonicalized_query_string"].as_str().unwrap());
            let sts = signature::v1_string_to_sign("POST", &params);
            assert_eq!(sts, v["string_to_sign"].as_str().unwrap(), "{file}");
            assert_eq!(signature::v1_sign(secret, &sts), expected, "{file}");
            let sent = params.iter().find(|(k, _)| k == "Signature").unwrap();
            assert_eq!(sent.1, expected, "{file}");
        }
    }
}

/// What each capture gets from the captures' world (fresh for each), with checks on.
fn expected_for(file: &str) -> (u16, &'static str) {
    let action = file.split(['.', '_']).next().unwrap();
    match action {
        "RunInstances" => (400, "DryRunOperation"),
        _ => (200, ""),
    }
}

#[test]
fn every_capture_verifies_and_is_served() {
    for file in capture_files() {
        let mut ep = capture_world(true);
        let r = ep.handle(&capture(&file), capture_now());
        let (status, expected) = expected_for(&file);
        assert_eq!((r.status, code(&r).as_str()), (status, expected), "{file}: {}", String::from_utf8_lossy(&r.body));
        assert!(!AUTH_CODES.contains(&code(&r).as_str()), "{file}");
        let j = ep.journal(1);
        assert_eq!(j[0].actor.as_deref(), Some("owner"), "{file}");
        assert_eq!(j[0].api.as_deref(), Some(file.split(['.', '_']).next().unwrap()), "{file}");
    }
}

#[test]
fn captured_answers_carry_what_the_sdk_reads() {
    let now = capture_now();
    let mut ep = capture_world(true);
    assert_ok(&ep.handle(&capture("ModifyImageSharePermission_add.tea-acs3.txt"), now));
    let b = assert_ok(&ep.handle(&capture("DescribeImageSharePermission.core-v1.txt"), now));
    assert_eq!(
        (b["TotalCount"].as_u64(), b["PageSize"].as_u64(), b["PageNumber"].as_u64()),
        (Some(2), Some(100), Some(1))
    );
    let ids: Vec<&str> =
        b["Accounts"]["Account"].as_array().unwrap().iter().map(|a| a["AliyunId"].as_str().unwrap()).collect();
    assert_eq!(ids, [CAPTURED_ALICE, CAPTURED_BOB]);
    assert_eq!(b["ShareGroups"]["ShareGroup"], serde_json::json!([]));
    assert_eq!(b["ImageId"], CAPTURED_IMAGE);
    let b = assert_ok(&ep.handle(&capture("DescribeImages_byid.tea-acs3.txt"), now));
    assert_eq!(b["TotalCount"], 1);
    let img = &b["Images"]["Image"][0];
    assert_eq!((img["ImageId"].as_str(), img["IsSelfShared"].as_str()), (Some(CAPTURED_IMAGE), Some("true")));
    assert!(img["ImageOwnerId"].is_u64());
    let r = ep.handle(&capture("DeleteImage.tea-acs3.txt"), now);
    assert_refused(&r, 403, "ImageUseShared");
    assert_eq!(r.header("x-sharesim-rule"), Some("AL-DELETE-SHARED"));
    assert_eq!(r.header("x-sharesim-outcome"), Some("StillShared"));
    assert_ok(&ep.handle(&capture("ModifyImageSharePermission_remove.core-v1.txt"), now));
    let b = assert_ok(&ep.handle(&capture("DescribeImageSharePermission.tea-acs3.txt"), now));
    assert_eq!(b["TotalCount"], 1);
    // The specialchars copy decodes `+` (tea) and `%20` (core) alike.
    for file in ["CopyImage_specialchars.tea-acs3.txt", "CopyImage_specialchars.core-v1.txt"] {
        let b = assert_ok(&ep.handle(&capture(file), now));
        let id = b["ImageId"].as_str().unwrap();
        let img = ep.engine().state().images.iter().find(|i| i.id == id).unwrap();
        assert_eq!((img.name.as_str(), img.region), (SPECIAL_NAME, 1), "{file}");
    }
    let r = ep.handle(&capture("RunInstances.core-v1.txt"), now);
    assert_refused(&r, 400, "DryRunOperation");
    assert_eq!(message(&r), "Request validation has been passed with DryRun flag set.");
    assert!(ep.engine().state().instances.is_empty(), "a dry run launches nothing");
}

// ----- tampering -------------------------------------------------------------------------------

fn with_target(mut req: HttpRequest, from: &str, to: &str) -> HttpRequest {
    assert!(req.target.contains(from));
    req.target = req.target.replacen(from, to, 1);
    req
}

fn with_header(mut req: HttpRequest, name: &str, value: &str) -> HttpRequest {
    let h = req.headers.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)).unwrap();
    h.1 = value.to_string();
    req
}

#[test]
fn a_changed_query_character_is_refused_for_every_capture() {
    for file in capture_files() {
        let mut ep = capture_world(true);
        let req = with_target(capture(&file), "RegionId=cn-hangzhou", "RegionId=cn-hangzhox");
        assert_refused(&ep.handle(&req, capture_now()), 400, "SignatureDoesNotMatch");
        assert_eq!(ep.journal(1)[0].decision, "signature", "{file}");
    }
}

#[test]
fn a_wrong_secret_is_refused_and_v1_reports_the_string_to_sign() {
    for v in vectors() {
        let file = v["file"].as_str().unwrap();
        let mut ep = capture_world(true);
        ep.keys_mut().insert(OWNER_KEY, "owner", "TestOwnerSecret0000000000000002");
        let r = ep.handle(&capture(file), capture_now());
        assert_refused(&r, 400, "SignatureDoesNotMatch");
        assert_eq!(r.header("x-sharesim-outcome"), Some("signature"));
        let m = message(&r);
        if v["algorithm"] == "ACS3-HMAC-SHA256" {
            assert!(m.contains(v["string_to_sign"].as_str().unwrap()), "{file}: {m}");
        } else {
            // The core SDK's check: Message.split(':')[1] is the server's string-to-sign.
            assert_eq!(m.split(':').nth(1), v["string_to_sign"].as_str(), "{file}");
        }
    }
}

#[test]
fn acs3_tampering_of_headers_and_body_is_refused() {
    let now = capture_now();
    let file = "ModifyImageSharePermission_add.tea-acs3.txt";
    let cases: Vec<(&str, HttpRequest, &str)> = vec![
        (
            "user-agent",
            with_header(capture(file), "user-agent", "AlibabaCloud (Linux; x86_64) Python/3.11.8"),
            "SignatureDoesNotMatch",
        ),
        ("host", with_header(capture(file), "host", "127.0.0.1:56540"), "SignatureDoesNotMatch"),
        ("date", with_header(capture(file), "x-acs-date", "2026-11-22T09:09:43Z"), "SignatureDoesNotMatch"),
        ("body byte", capture(file).body("x"), "SignatureDoesNotMatch"),
        (
            "content hash",
            with_header(capture(file), "x-acs-content-sha256", &codec::sha256_hex(b"x")),
            "SignatureDoesNotMatch",
        ),
        (
            "signature",
            {
                let a = capture(file).get("Authorization").unwrap().replace("Signature=3", "Signature=4");
                with_header(capture(file), "Authorization", &a)
            },
            "SignatureDoesNotMatch",
        ),
        ("unsigned x-acs header", capture(file).header("x-acs-extra", "1"), "IncompleteSignature"),
        (
            "host unsigned",
            {
                let a = capture(file).get("Authorization").unwrap().replace("accept;host;", "accept;");
                with_header(capture(file), "Authorization", &a)
            },
            "IncompleteSignature",
        ),
        (
            "garbled header",
            with_header(capture(file), "Authorization", "ACS3-HMAC-SHA256 nonsense"),
            "IncompleteSignature",
        ),
        (
            "other algorithm",
            {
                let a = capture(file).get("Authorization").unwrap().replace("ACS3-HMAC-SHA256", "ACS3-HMAC-SM3");
                with_header(capture(file), "Authorization", &a)
            },
            "IncompleteSignature",
        ),
        (
            "no content hash",
            {
                let mut r = capture(file);
                r.headers.retain(|(n, _)| n != "x-acs-content-sha256");
                let a = r.get("Authorization").unwrap().replace("x-acs-action;x-acs-content-sha256;", "x-acs-action;");
                with_header(r, "Authorization", &a)
            },
            "IncompleteSignature",
        ),
    ];
    for (what, req, expected) in cases {
        let r = capture_world(true).handle(&req, now);
        assert_eq!(code(&r), expected, "{what}: {}", message(&r));
        assert_refused(&r, 400, expected);
    }
    // Without its signature the request's action is in an unsigned header.
    let mut bare = capture(file);
    bare.headers.retain(|(n, _)| n != "Authorization");
    let r = capture_world(true).handle(&bare, now);
    assert_refused(&r, 400, "IncompleteSignature");
    assert_eq!(message(&r), signature::unsigned_message("x-acs-action"));
    // Without any signature at all the access key is missing.
    let r = capture_world(true).handle(&HttpRequest::new("POST", "/?Action=DescribeRegions&Version=2014-05-26"), now);
    assert_refused(&r, 400, "MissingParameter");
    assert_eq!(message(&r), signature::missing_message("AccessKeyId"));
}

#[test]
fn v1_tampering_is_refused() {
    let now = capture_now();
    let file = "ModifyImageSharePermission_add.core-v1.txt";
    let cases = [
        (
            "added parameter",
            with_target(capture(file), "&Signature=", "&DryRun=true&Signature="),
            400,
            "SignatureDoesNotMatch",
        ),
        ("signature", with_target(capture(file), "Signature=r", "Signature=s"), 400, "SignatureDoesNotMatch"),
        (
            "empty SignatureType dropped",
            with_target(capture(file), "SignatureType=&", ""),
            400,
            "SignatureDoesNotMatch",
        ),
        (
            "no signature",
            with_target(capture(file), "&Signature=r%2B8XIRNJNxxTAL4Uc%2FDk7cG1TWU%3D", ""),
            400,
            "MissingParameter",
        ),
        ("other method", with_target(capture(file), "HMAC-SHA1", "HMAC-SHA256"), 400, "IncompleteSignature"),
        (
            "unknown key",
            with_target(capture(file), "TestOwnerKey0001", "TestOwnerKey0002"),
            404,
            "InvalidAccessKeyId.NotFound",
        ),
        ("no key", with_target(capture(file), "&AccessKeyId=LTAI5tTestOwnerKey0001", ""), 400, "MissingParameter"),
    ];
    for (what, req, status, expected) in cases {
        let r = capture_world(true).handle(&req, now);
        assert_eq!(code(&r), expected, "{what}: {}", message(&r));
        assert_refused(&r, status, expected);
    }
    // Headers are not part of a v1 signature.
    let req = with_header(capture(file), "User-Agent", "something else");
    assert_ok(&capture_world(true).handle(&req, now));
}

/// Whether the captures' image is still there (not deleted).
fn captured_image_kept(ep: &Endpoint) -> bool {
    let state = ep.engine().state();
    state.index.image_by_id.get(CAPTURED_IMAGE).is_some_and(|&ix| !state.images[ix as usize].is_deleted())
}

/// Issue 9: a v1 request signed for one action, with an unsigned `x-acs-action` naming
/// another, was served as the other. The action of a v1 request is its signed `Action`.
#[test]
fn a_v1_request_acts_only_on_its_signed_parameters() {
    let now = capture_now();
    for file in ["DescribeImages_byid.core-v1.txt", "ModifyImageSharePermission_add.tea-v1.txt"] {
        let mut ep = capture_world(true);
        let r = ep.handle(&with_header(capture(file), "x-acs-action", "DeleteImage"), now);
        assert_refused(&r, 400, "IncompleteSignature");
        assert!(message(&r).contains("\"x-acs-action\" is not signed"), "{file}: {}", message(&r));
        assert_eq!(r.header("x-sharesim-outcome"), Some("incomplete-signature"));
        assert!(captured_image_kept(&ep), "{file}");
        // The same header repeating the signed action is what the SDKs send.
        assert_ok(&ep.handle(&capture(file), now));
    }
    // An unsigned version header that is not the signed one is refused the same way.
    let mut ep = capture_world(true);
    let r = ep.handle(&with_header(capture("DeleteImage.core-v1.txt"), "x-acs-version", "2016-03-14"), now);
    assert_refused(&r, 400, "IncompleteSignature");
    assert!(captured_image_kept(&ep));
    // A v1 request whose action is only in an (unsigned) header names no signed action.
    let mut ep = api_world();
    let owner = Sdk::for_account(&ep, "owner");
    let mut req = owner.v1("DescribeImages", &[HZ]);
    req.target = req.target.replacen("Action=DescribeImages&", "", 1);
    assert_refused(&send(&mut ep, req), 400, "IncompleteSignature");
}

/// An ACS3 request signs both its `x-acs-action` header and its query; when they name two
/// actions neither can be trusted over the other.
#[test]
fn an_acs3_request_naming_two_actions_is_refused() {
    let mut ep = api_world();
    let owner = Sdk::for_account(&ep, "owner");
    let image = create(&mut ep, &owner, "kept");
    let r = send(&mut ep, owner.acs3("DescribeImages", &[HZ, ("ImageId", &image), ("Action", "DeleteImage")]));
    assert_refused(&r, 400, "InvalidParameter");
    assert!(message(&r).contains("\"x-acs-action\" (DescribeImages)"), "{}", message(&r));
    let b = assert_ok(&send(&mut ep, owner.acs3("DescribeImages", &[HZ, ("ImageId", &image)])));
    assert_eq!(listed(&b), vec![image.clone()]);
    // Naming the same action twice is no conflict.
    let b = assert_ok(&send(
        &mut ep,
        owner.acs3("DescribeImages", &[HZ, ("ImageId", &image), ("Action", "DescribeImages")]),
    ));
    assert_eq!(listed(&b), vec![image]);
}

/// The body of an ACS3 request is signed by its hash, but whether it holds parameters is said
/// by `content-type`, which must then be signed too.
#[test]
fn an_acs3_form_body_counts_only_with_a_signed_content_type() {
    let mut ep = api_world();
    let owner = Sdk::for_account(&ep, "owner");
    let image = create(&mut ep, &owner, "formed");
    let form = format!("RegionId=cn-hangzhou&ImageId={image}");
    let r = send(&mut ep, owner.acs3_with_form("DescribeImages", &[], Some((&form, false))));
    assert_refused(&r, 400, "IncompleteSignature");
    assert!(message(&r).contains("\"content-type\""), "{}", message(&r));
    let b = assert_ok(&send(&mut ep, owner.acs3_with_form("DescribeImages", &[], Some((&form, true)))));
    assert_eq!(listed(&b), vec![image]);
}

#[test]
fn unknown_keys_are_refused_even_without_verification() {
    for verify in [true, false] {
        for file in ["DeleteImage.tea-acs3.txt", "DeleteImage.core-v1.txt"] {
            let mut ep = capture_world(verify);
            *ep.keys_mut() = KeyStore::default();
            let r = ep.handle(&capture(file), capture_now());
            assert_refused(&r, 404, "InvalidAccessKeyId.NotFound");
            assert_eq!(message(&r), "Specified access key is not found.");
            assert_eq!(ep.journal(1)[0].decision, "unknown-key");
        }
    }
}

#[test]
fn timestamps_must_be_within_15_minutes() {
    let captured = at("2026-11-22T09:09:42Z");
    for file in ["DeleteImage.tea-acs3.txt", "DeleteImage.core-v1.txt"] {
        for (now, ok) in [
            (captured + 900, true),
            (captured - 900, true),
            (captured + 901, false),
            (captured - 901, false),
            (captured + 86_400, false),
        ] {
            let r = capture_world(true).handle(&capture(file), now);
            if ok {
                assert_ok(&r);
            } else {
                assert_refused(&r, 400, "IllegalTimestamp");
                assert_eq!(r.header("x-sharesim-outcome"), Some("timestamp"));
            }
        }
    }
    let no_stamp = with_target(capture("DeleteImage.core-v1.txt"), "&Timestamp=2026-11-22T09%3A09%3A42Z", "");
    let mut ep = capture_world(true);
    let sts = signature::v1_string_to_sign("POST", &codec::query_pairs(no_stamp.query()));
    let sig = codec::encode(&signature::v1_sign(OWNER_SECRET, &sts));
    let target = no_stamp.target.split("&Signature=").next().unwrap().to_string() + "&Signature=" + &sig;
    let r = ep.handle(&HttpRequest { target, ..no_stamp }, captured);
    assert_refused(&r, 400, "IllegalTimestamp");
    assert_eq!(message(&r), signature::missing_message("Timestamp"));
}

#[test]
fn a_nonce_is_used_once_within_the_window() {
    for file in ["DeleteImage.tea-acs3.txt", "DeleteImage.core-v1.txt", "ModifyImageSharePermission_add.tea-v1.txt"] {
        let mut ep = capture_world(true);
        let now = capture_now();
        assert_ok(&ep.handle(&capture(file), now));
        let r = ep.handle(&capture(file), now + 60);
        assert_refused(&r, 400, "SignatureNonceUsed");
        assert_eq!(message(&r), "The request signature nonce has been used.");
    }
    // A request is acceptable from 15 minutes before its timestamp to 15 minutes after: its
    // nonce is remembered for all of that.
    for file in ["DeleteImage.tea-acs3.txt", "DeleteImage.core-v1.txt"] {
        let mut ep = capture_world(true);
        let stamped = at("2026-11-22T09:09:42Z");
        assert_ok(&ep.handle(&capture(file), stamped - 890));
        assert_refused(&ep.handle(&capture(file), stamped + 890), 400, "SignatureNonceUsed");
    }
    // A refused (forged) request does not burn the nonce.
    let mut ep = capture_world(true);
    let file = "DescribeImages_others.core-v1.txt";
    let forged = with_target(capture(file), "PageSize=100", "PageSize=99");
    assert_refused(&ep.handle(&forged, capture_now()), 400, "SignatureDoesNotMatch");
    assert_ok(&ep.handle(&capture(file), capture_now()));
}

#[test]
fn without_verification_tampered_requests_pass_but_the_key_still_names_the_caller() {
    let mut ep = capture_world(false);
    let req =
        with_target(capture("DescribeImages_byid.tea-acs3.txt"), "RegionId=cn-hangzhou", "RegionId=cn-hangzhou&x=1");
    assert_ok(&ep.handle(&req, 0));
    assert_ok(&ep.handle(&capture("DescribeImages_byid.core-v1.txt"), 0));
    assert_ok(&ep.handle(&capture("DescribeImages_byid.core-v1.txt"), 0));
    assert_eq!(ep.journal(1)[0].actor.as_deref(), Some("owner"));
}

// ----- a test signer, as the SDKs sign -----------------------------------------------------------

const HOST: &str = "127.0.0.1:8080";
const NOW: &str = "2026-03-01T10:00:00Z";

/// One account's SDK client.
struct Sdk {
    key: String,
    secret: String,
    nonce: Cell<u64>,
    /// The API version it names; empty names none.
    version: String,
}

/// `application/x-www-form-urlencoded` as Python's `urlencode` writes it (tea): space is `+`.
fn form_encode(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", codec::encode(k), codec::encode(v).replace("%20", "+")))
        .collect::<Vec<_>>()
        .join("&")
}

fn sorted_canonical(pairs: &[(String, String)]) -> String {
    let mut pairs = pairs.to_vec();
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{}={}", codec::encode(k), codec::encode(v))).collect::<Vec<_>>().join("&")
}

fn owned(params: &[(&str, &str)]) -> Vec<(String, String)> {
    params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

impl Sdk {
    fn for_account(ep: &Endpoint, account: &str) -> Sdk {
        let (key, k) = ep.keys().id_of(account).unwrap();
        Sdk { key: key.to_string(), secret: k.secret.clone(), nonce: Cell::new(0), version: "2014-05-26".into() }
    }

    fn next_nonce(&self) -> String {
        self.nonce.set(self.nonce.get() + 1);
        format!("{:032x}", crate::ids::stable_hash(&[&self.key, &self.nonce.get().to_string()]))
    }

    /// tea SDK, ACS3-HMAC-SHA256: params in the query, the action in headers.
    fn acs3(&self, action: &str, params: &[(&str, &str)]) -> HttpRequest {
        self.acs3_with_form(action, params, None)
    }

    /// ACS3 with `form` as an `application/x-www-form-urlencoded` body, its `content-type`
    /// signed or not.
    fn acs3_with_form(&self, action: &str, params: &[(&str, &str)], form: Option<(&str, bool)>) -> HttpRequest {
        const FORM: &str = "application/x-www-form-urlencoded";
        let pairs = owned(params);
        let target = format!("/?{}", form_encode(&pairs));
        let body = form.map(|(b, _)| b).unwrap_or_default();
        let hash = codec::sha256_hex(body.as_bytes());
        let mut headers = vec![("accept", "application/json".to_string())];
        if let Some((_, true)) = form {
            headers.push(("content-type", FORM.to_string()));
        }
        headers.extend([
            ("host", HOST.to_string()),
            ("user-agent", "AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.4.3 TeaDSL/2".to_string()),
            ("x-acs-action", action.to_string()),
            ("x-acs-content-sha256", hash.clone()),
            ("x-acs-credentials-provider", "static_ak".to_string()),
            ("x-acs-date", NOW.to_string()),
            ("x-acs-signature-nonce", self.next_nonce()),
        ]);
        if !self.version.is_empty() {
            headers.push(("x-acs-version", self.version.clone()));
        }
        let canonical_headers: String = headers.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
        let signed: Vec<&str> = headers.iter().map(|(n, _)| *n).collect();
        let signed = signed.join(";");
        let cr = format!("POST\n/\n{}\n{canonical_headers}\n{signed}\n{hash}", sorted_canonical(&pairs));
        let sts = format!("ACS3-HMAC-SHA256\n{}", codec::sha256_hex(cr.as_bytes()));
        let sig = codec::hex(&codec::hmac_sha256(self.secret.as_bytes(), sts.as_bytes()));
        let mut req = HttpRequest::new("POST", &target);
        for (n, v) in &headers {
            req = req.header(n, v);
        }
        if let Some((_, false)) = form {
            req = req.header("Content-Type", FORM);
        }
        req.header(
            "Authorization",
            &format!("ACS3-HMAC-SHA256 Credential={},SignedHeaders={signed},Signature={sig}", self.key),
        )
        .header("Content-Length", &body.len().to_string())
        .body(body)
    }

    /// The v1 parameters, signed.
    fn v1_pairs(&self, method: &str, action: &str, params: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut pairs = owned(params);
        if !self.version.is_empty() {
            pairs.push(("Version".into(), self.version.clone()));
        }
        for (k, v) in [
            ("Action", action.to_string()),
            ("Format", "JSON".to_string()),
            ("Timestamp", NOW.to_string()),
            ("SignatureMethod", "HMAC-SHA1".to_string()),
            ("SignatureType", String::new()),
            ("SignatureVersion", "1.0".to_string()),
            ("SignatureNonce", self.next_nonce()),
            ("AccessKeyId", self.key.clone()),
        ] {
            pairs.push((k.to_string(), v));
        }
        let sts = format!("{method}&%2F&{}", codec::encode(&sorted_canonical(&pairs)));
        let sig = codec::base64(&codec::hmac_sha1(format!("{}&", self.secret).as_bytes(), sts.as_bytes()));
        pairs.push(("Signature".into(), sig));
        pairs
    }

    /// core SDK, RPC v1 HMAC-SHA1: every parameter in the query, `%20` for spaces.
    fn v1(&self, action: &str, params: &[(&str, &str)]) -> HttpRequest {
        let pairs = self.v1_pairs("POST", action, params);
        let query: Vec<String> =
            pairs.iter().map(|(k, v)| format!("{}={}", codec::encode(k), codec::encode(v))).collect();
        let mut req = HttpRequest::new("POST", &format!("/?{}", query.join("&")))
            .header("Host", HOST)
            .header("x-acs-action", action)
            .header("Content-Length", "0");
        if !self.version.is_empty() {
            req = req.header("x-acs-version", &self.version);
        }
        req
    }
}

/// `owner`, `alice`, `bob` and `user1..=50`, each with its derived key; checks on.
fn api_world() -> Endpoint {
    let mut e = Engine::new(Provider::Alibaba, 0);
    let mut keys = KeyStore::default();
    let names: Vec<String> =
        ["owner", "alice", "bob"].iter().map(|s| s.to_string()).chain((1..=50).map(|i| format!("user{i}"))).collect();
    for n in &names {
        e.add_account(n).unwrap();
        let (id, secret) = KeyStore::derive(Provider::Alibaba, n, 0);
        keys.insert(&id, n, &secret);
    }
    Endpoint::new(e, keys, true)
}

fn now() -> u64 {
    at(NOW)
}

fn id_of(ep: &Endpoint, account: &str) -> String {
    ep.engine().recipient_id(account, "home").unwrap()
}

fn send(ep: &mut Endpoint, req: HttpRequest) -> HttpResponse {
    ep.handle(&req, now())
}

const HZ: (&str, &str) = ("RegionId", "cn-hangzhou");
const SH: (&str, &str) = ("RegionId", "cn-shanghai");

/// An image of the owner's made from a file (ImportImage), with no instance behind it.
fn create(ep: &mut Endpoint, owner: &Sdk, name: &str) -> String {
    import_in(ep, owner, HZ, name)
}

fn import_in(ep: &mut Endpoint, owner: &Sdk, region: (&str, &str), name: &str) -> String {
    let object = format!("{name}.qcow2");
    let params = [
        region,
        ("ImageName", name),
        ("DiskDeviceMapping.1.OSSBucket", "sharesim-images"),
        ("DiskDeviceMapping.1.OSSObject", &object),
    ];
    let b = assert_ok(&send(ep, owner.acs3("ImportImage", &params)));
    b["ImageId"].as_str().unwrap().to_string()
}

fn share(
    ep: &mut Endpoint,
    owner: &Sdk,
    region: (&str, &str),
    image: &str,
    add: &[String],
    remove: &[String],
) -> HttpResponse {
    let keys: Vec<(String, String)> = add
        .iter()
        .enumerate()
        .map(|(i, a)| (format!("AddAccount.{}", i + 1), a.clone()))
        .chain(remove.iter().enumerate().map(|(i, a)| (format!("RemoveAccount.{}", i + 1), a.clone())))
        .collect();
    let mut params: Vec<(&str, &str)> = vec![region, ("ImageId", image)];
    params.extend(keys.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    send(ep, owner.acs3("ModifyImageSharePermission", &params))
}

fn listed(b: &Value) -> Vec<String> {
    b["Images"]["Image"].as_array().unwrap().iter().map(|i| i["ImageId"].as_str().unwrap().to_string()).collect()
}

fn members(ep: &mut Endpoint, owner: &Sdk, image: &str) -> Vec<String> {
    let b =
        assert_ok(&send(ep, owner.v1("DescribeImageSharePermission", &[HZ, ("ImageId", image), ("PageSize", "100")])));
    b["Accounts"]["Account"].as_array().unwrap().iter().map(|a| a["AliyunId"].as_str().unwrap().to_string()).collect()
}

// ----- end to end ------------------------------------------------------------------------------

#[test]
fn a_sharing_story_end_to_end() {
    let mut ep = api_world();
    let (owner, alice) = (Sdk::for_account(&ep, "owner"), Sdk::for_account(&ep, "alice"));
    let (alice_id, owner_id) = (id_of(&ep, "alice"), id_of(&ep, "owner"));
    let image = create(&mut ep, &owner, "golden");

    // Share with alice; she sees it under ImageOwnerAlias=others.
    assert_ok(&share(&mut ep, &owner, HZ, &image, std::slice::from_ref(&alice_id), &[]));
    let b = assert_ok(&send(
        &mut ep,
        alice.v1("DescribeImages", &[HZ, ("ImageOwnerAlias", "others"), ("PageSize", "100")]),
    ));
    assert_eq!((listed(&b), b["TotalCount"].as_u64()), (vec![image.clone()], Some(1)));
    let img = &b["Images"]["Image"][0];
    assert_eq!(img["ImageOwnerAlias"], "others");
    assert_eq!(img["ImageOwnerId"].as_u64(), Some(owner_id.parse().unwrap()));
    assert_eq!((img["Status"].as_str(), img["IsSelfShared"].as_str()), (Some("Available"), Some("")));
    assert_eq!((img["ImageName"].as_str(), img["IsPublic"].as_bool()), (Some("golden"), Some(false)));
    assert!(img["CreationTime"].as_str().unwrap().ends_with('Z'));
    // The owner sees it as its own, shared.
    let b = assert_ok(&send(&mut ep, owner.acs3("DescribeImages", &[HZ, ("ImageOwnerAlias", "self")])));
    assert_eq!(b["Images"]["Image"][0]["IsSelfShared"], "true");
    assert_eq!(b["Images"]["Image"][0]["ImageOwnerAlias"], "self");
    // Alice can launch from it (two at once), and list only what is shared, not the owner's own.
    let b = assert_ok(&send(
        &mut ep,
        alice.acs3("RunInstances", &[HZ, ("ImageId", &image), ("Amount", "2"), ("InstanceType", "ecs.g7.large")]),
    ));
    let launched: Vec<String> = b["InstanceIdSets"]["InstanceIdSet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap().to_string())
        .collect();
    assert_eq!(launched.len(), 2);
    let b = assert_ok(&send(&mut ep, alice.acs3("DescribeImages", &[HZ, ("ImageOwnerAlias", "self")])));
    assert!(listed(&b).is_empty());

    // Who has it.
    assert_eq!(members(&mut ep, &owner, &image), vec![alice_id.clone()]);

    // Deleting a shared image is refused.
    let r = send(&mut ep, owner.acs3("DeleteImage", &[HZ, ("ImageId", &image)]));
    assert_refused(&r, 403, "ImageUseShared");
    assert_eq!(r.header("x-sharesim-rule"), Some("AL-DELETE-SHARED"));

    // Fill the image up to 50 accounts, 10 per call; the 51st is refused whole.
    let others: Vec<String> = std::iter::once("bob".to_string())
        .chain((1..=48).map(|i| format!("user{i}")))
        .map(|a| id_of(&ep, &a))
        .collect();
    for chunk in others[..49].chunks(10) {
        assert_ok(&share(&mut ep, &owner, HZ, &image, chunk, &[]));
    }
    assert_eq!(members(&mut ep, &owner, &image).len(), 50);
    let r = share(&mut ep, &owner, HZ, &image, &["1000000000000000".to_string()], &[]);
    assert_refused(&r, 404, "InvalidAccount.NotFound");
    let (extra, spare) = (id_of(&ep, "user49"), id_of(&ep, "user50"));
    let r = share(&mut ep, &owner, HZ, &image, std::slice::from_ref(&extra), &[]);
    assert_refused(&r, 403, "QuotaExceed.ShareImageUser");
    assert_eq!(message(&r), "The shared Image user Quota exceeds.");
    assert_eq!(
        (r.header("x-sharesim-outcome"), r.header("x-sharesim-rule")),
        (Some("ShareLimitExceeded"), Some("AL-LIMIT-50"))
    );
    // Swapping one account for another in one call fits; two for one is refused and changes nothing.
    assert_ok(&share(&mut ep, &owner, HZ, &image, std::slice::from_ref(&extra), std::slice::from_ref(&others[0])));
    let r = share(&mut ep, &owner, HZ, &image, &[others[0].clone(), spare], std::slice::from_ref(&extra));
    assert_refused(&r, 403, "QuotaExceed.ShareImageUser");
    assert!(members(&mut ep, &owner, &image).contains(&extra), "the remove was rolled back");

    // Paging the member list.
    let b = assert_ok(&send(
        &mut ep,
        owner.acs3("DescribeImageSharePermission", &[HZ, ("ImageId", &image), ("PageNumber", "3"), ("PageSize", "20")]),
    ));
    assert_eq!((b["TotalCount"].as_u64(), b["Accounts"]["Account"].as_array().unwrap().len()), (Some(50), 10));
    let b = assert_ok(&send(&mut ep, owner.acs3("DescribeImageSharePermission", &[HZ, ("ImageId", &image)])));
    assert_eq!((b["PageSize"].as_u64(), b["Accounts"]["Account"].as_array().unwrap().len()), (Some(10), 10));

    // Cancel every share (10 per call), then alice loses it.
    let all = members(&mut ep, &owner, &image);
    for chunk in all.chunks(10) {
        assert_ok(&share(&mut ep, &owner, HZ, &image, &[], chunk));
    }
    assert!(members(&mut ep, &owner, &image).is_empty());
    let b = assert_ok(&send(&mut ep, alice.v1("DescribeImages", &[HZ, ("ImageOwnerAlias", "others")])));
    assert!(listed(&b).is_empty());
    let r = send(&mut ep, alice.v1("RunInstances", &[HZ, ("ImageId", &image)]));
    assert_refused(&r, 404, "InvalidImageId.NotFound");
    assert_eq!(r.header("x-sharesim-rule"), Some("AL-AFTER-UNSHARE"));
    // Her instances can no longer re-initialize their disks.
    let r = send(&mut ep, alice.acs3("ReInitDisk", &[HZ, ("DiskId", &disk_of(&launched[0]))]));
    assert_refused(&r, 403, "OperationDenied.ImageNotValid");

    // Now it deletes; a second delete finds nothing.
    assert_ok(&send(&mut ep, owner.acs3("DeleteImage", &[HZ, ("ImageId", &image)])));
    assert_refused(
        &send(&mut ep, owner.acs3("DeleteImage", &[HZ, ("ImageId", &image)])),
        404,
        "InvalidImageId.NotFound",
    );

    // Copy another image to Shanghai and share the copy there.
    let second = create(&mut ep, &owner, "second");
    let b = assert_ok(&send(
        &mut ep,
        owner.v1(
            "CopyImage",
            &[
                HZ,
                ("ImageId", &second),
                ("DestinationRegionId", "cn-shanghai"),
                ("DestinationImageName", "copy of second"),
                ("DestinationDescription", "for Shanghai"),
            ],
        ),
    ));
    let copy = b["ImageId"].as_str().unwrap().to_string();
    assert_ne!(copy, second);
    // Copied or shared from the wrong region, the image is not found.
    let r = send(&mut ep, owner.acs3("CopyImage", &[SH, ("ImageId", &second), ("DestinationRegionId", "cn-beijing")]));
    assert_refused(&r, 404, "InvalidImageId.NotFound");
    assert_eq!(r.header("x-sharesim-rule"), Some("AL-SAME-REGION"));
    assert_refused(
        &share(&mut ep, &owner, HZ, &copy, std::slice::from_ref(&alice_id), &[]),
        404,
        "InvalidImageId.NotFound",
    );
    assert_ok(&share(&mut ep, &owner, SH, &copy, std::slice::from_ref(&alice_id), &[]));
    let b = assert_ok(&send(&mut ep, alice.acs3("DescribeImages", &[SH, ("ImageOwnerAlias", "others")])));
    assert_eq!(listed(&b), vec![copy.clone()]);
    assert_eq!(b["Images"]["Image"][0]["Description"], "for Shanghai");
    assert_eq!(b["RegionId"], "cn-shanghai");
    let b = assert_ok(&send(&mut ep, alice.acs3("DescribeImages", &[HZ, ("ImageOwnerAlias", "others")])));
    assert!(listed(&b).is_empty());
    // A recipient cannot copy the shared image to another region.
    let r = send(&mut ep, alice.acs3("CopyImage", &[SH, ("ImageId", &copy), ("DestinationRegionId", "cn-beijing")]));
    assert_refused(&r, 403, "OperationDenied.SameRegionOnly");
    assert_eq!(r.header("x-sharesim-rule"), Some("AL-COPY-SHARED"));
}

#[test]
fn describe_images_filters_and_pages() {
    let mut ep = api_world();
    let (owner, alice) = (Sdk::for_account(&ep, "owner"), Sdk::for_account(&ep, "alice"));
    let alice_id = id_of(&ep, "alice");
    let images: Vec<String> = (0..3).map(|i| create(&mut ep, &owner, &format!("img-{i}"))).collect();
    let own = create(&mut ep, &alice, "alices-own");
    assert_ok(&share(&mut ep, &owner, HZ, &images[1], std::slice::from_ref(&alice_id), &[]));

    // Empty alias: her own and the shared one.
    let b = assert_ok(&send(&mut ep, alice.acs3("DescribeImages", &[HZ])));
    assert_eq!(listed(&b), vec![own.clone(), images[1].clone()]);
    let b = assert_ok(&send(&mut ep, alice.acs3("DescribeImages", &[HZ, ("ImageOwnerAlias", "system")])));
    assert_eq!(b["TotalCount"], 0);
    // ImageId, comma lists, a missing image.
    let ids = format!("{},m-doesnotexist0000000,{}", images[0], images[1]);
    let b = assert_ok(&send(&mut ep, alice.v1("DescribeImages", &[HZ, ("ImageId", &ids)])));
    assert_eq!(listed(&b), vec![images[1].clone()]);
    let b = assert_ok(&send(&mut ep, owner.v1("DescribeImages", &[HZ, ("ImageId", "m-doesnotexist0000000")])));
    assert_eq!((b["TotalCount"].as_u64(), listed(&b).len()), (Some(0), 0));
    // Paging and the default page size.
    let b = assert_ok(&send(
        &mut ep,
        owner.v1("DescribeImages", &[HZ, ("ImageOwnerAlias", "self"), ("PageSize", "2"), ("PageNumber", "2")]),
    ));
    assert_eq!(
        (listed(&b), b["TotalCount"].as_u64(), b["PageNumber"].as_u64()),
        (vec![images[2].clone()], Some(3), Some(2))
    );
    let b = assert_ok(&send(&mut ep, owner.v1("DescribeImages", &[HZ, ("ImageOwnerAlias", "self")])));
    assert_eq!((b["PageSize"].as_u64(), listed(&b).len()), (Some(10), 3));
    // Status defaults to Available; other statuses list nothing here.
    let b = assert_ok(&send(&mut ep, owner.v1("DescribeImages", &[HZ, ("Status", "Creating,UnAvailable")])));
    assert_eq!(b["TotalCount"], 0);
    let b = assert_ok(&send(&mut ep, owner.v1("DescribeImages", &[HZ, ("Status", "Creating,available")])));
    assert_eq!(b["TotalCount"], 3);
    // Name and owner filters.
    let b = assert_ok(&send(&mut ep, owner.v1("DescribeImages", &[HZ, ("ImageName", "img-2")])));
    assert_eq!(listed(&b), vec![images[2].clone()]);
    let owner_id = id_of(&ep, "owner");
    let b = assert_ok(&send(&mut ep, alice.v1("DescribeImages", &[HZ, ("ImageOwnerId", &owner_id)])));
    assert_eq!(listed(&b), vec![images[1].clone()]);
    let b = assert_ok(&send(
        &mut ep,
        alice.v1("DescribeImages", &[HZ, ("ImageOwnerAlias", "others"), ("IsPublic", "True")]),
    ));
    assert_eq!(b["TotalCount"], 0);
    // Bad values.
    for (k, v, code) in [
        ("ImageOwnerAlias", "friends", "InvalidImageOwnerAlias.ValueNotSupported"),
        ("PageSize", "abc", "InvalidParameter"),
        ("PageSize", "0", "InvalidParameter"),
        ("PageSize", "101", "InvalidParameter"),
        ("PageNumber", "-1", "InvalidParameter"),
        ("IsPublic", "yes", "InvalidParameter"),
        ("ImageOwnerId", "someone", "InvalidParameter"),
    ] {
        let r = send(&mut ep, owner.v1("DescribeImages", &[HZ, (k, v)]));
        assert_refused(&r, 400, code);
        assert_eq!(r.header("x-sharesim-outcome"), Some("InvalidParameter"));
    }
    let r = send(&mut ep, owner.v1("DescribeImages", &[HZ, ("PageSize", "x")]));
    assert_eq!(message(&r), "The specified parameter \"PageSize\" is not valid.");
}

#[test]
fn instances_disks_and_attributes() {
    let mut ep = api_world();
    let (owner, alice) = (Sdk::for_account(&ep, "owner"), Sdk::for_account(&ep, "alice"));
    let alice_id = id_of(&ep, "alice");
    let (a, b) = (create(&mut ep, &owner, "image-a"), create(&mut ep, &owner, "image-b"));
    assert_ok(&share(&mut ep, &owner, HZ, &a, std::slice::from_ref(&alice_id), &[]));

    // DryRun in any case runs nothing.
    let r = send(&mut ep, alice.acs3("RunInstances", &[HZ, ("ImageId", &a), ("DryRun", "TRUE")]));
    assert_refused(&r, 400, "DryRunOperation");
    assert_eq!(r.header("x-sharesim-outcome"), Some("ok"));
    assert!(ep.engine().state().instances.is_empty());
    // A dry run of a refused launch gives the refusal.
    assert_refused(
        &send(&mut ep, alice.acs3("RunInstances", &[HZ, ("ImageId", &b), ("DryRun", "true")])),
        404,
        "InvalidImageId.NotFound",
    );
    let r = send(&mut ep, alice.acs3("RunInstances", &[HZ, ("ImageId", &a)]));
    let inst = assert_ok(&r)["InstanceIdSets"]["InstanceIdSet"][0].as_str().unwrap().to_string();
    assert!(inst.starts_with("i-"));
    for bad in ["0", "101", "two"] {
        assert_refused(
            &send(&mut ep, alice.acs3("RunInstances", &[HZ, ("ImageId", &a), ("Amount", bad)])),
            400,
            "InvalidParameter",
        );
    }

    // Her system disk is d-<instance suffix>; both names of re-initialization work.
    let disk = disk_of(&inst);
    assert_eq!(instance_of(&disk).as_deref(), Some(inst.as_str()));
    assert_ok(&send(&mut ep, alice.acs3("ReInitDisk", &[HZ, ("DiskId", &disk)])));
    assert_ok(&send(&mut ep, alice.v1("ResetDisk", &[HZ, ("DiskId", &disk), ("SnapshotId", "s-x")])));
    for bad in ["d-nothere", "nothing", &disk_of("i-x")] {
        assert_refused(&send(&mut ep, alice.acs3("ReInitDisk", &[HZ, ("DiskId", bad)])), 404, "InvalidDiskId.NotFound");
    }
    // The owner cannot re-initialize alice's disk.
    assert_refused(&send(&mut ep, owner.acs3("ReInitDisk", &[HZ, ("DiskId", &disk)])), 404, "InvalidDiskId.NotFound");

    // ReplaceSystemDisk with an image she cannot use, then with one shared later.
    let r = send(&mut ep, alice.acs3("ReplaceSystemDisk", &[HZ, ("InstanceId", &inst), ("ImageId", &b)]));
    assert_refused(&r, 404, "InvalidImageId.NotFound");
    assert_ok(&share(&mut ep, &owner, HZ, &b, std::slice::from_ref(&alice_id), &[]));
    let r = send(&mut ep, alice.acs3("ReplaceSystemDisk", &[HZ, ("InstanceId", &inst), ("ImageId", &b)]));
    assert_eq!(assert_ok(&r)["DiskId"], disk);
    assert_refused(
        &send(&mut ep, alice.acs3("ReplaceSystemDisk", &[HZ, ("InstanceId", "i-nothere"), ("ImageId", &b)])),
        404,
        "InvalidInstanceId.NotFound",
    );
    assert_refused(
        &send(&mut ep, alice.acs3("ReplaceSystemDisk", &[HZ, ("InstanceId", &inst)])),
        400,
        "MissingParameter",
    );

    // Attributes: the owner renames; a recipient cannot.
    assert_ok(&send(
        &mut ep,
        owner.acs3(
            "ModifyImageAttribute",
            &[HZ, ("ImageId", &a), ("ImageName", "renamed"), ("Description", "new words")],
        ),
    ));
    let d = assert_ok(&send(&mut ep, alice.acs3("DescribeImages", &[HZ, ("ImageId", &a)])));
    assert_eq!(
        (d["Images"]["Image"][0]["ImageName"].as_str(), d["Images"]["Image"][0]["Description"].as_str()),
        (Some("renamed"), Some("new words"))
    );
    let r = send(&mut ep, alice.acs3("ModifyImageAttribute", &[HZ, ("ImageId", &a), ("ImageName", "mine")]));
    assert_refused(&r, 404, "InvalidImageId.NotFound");
    assert_eq!(r.header("x-sharesim-rule"), Some("AL-RECIPIENT-READONLY"));
    // A dry-run delete leaves the image.
    assert_refused(
        &send(&mut ep, owner.acs3("DeleteImage", &[HZ, ("ImageId", &b), ("DryRun", "true")])),
        403,
        "ImageUseShared",
    );
    let c = create(&mut ep, &owner, "image-c");
    assert_refused(
        &send(&mut ep, owner.acs3("DeleteImage", &[HZ, ("ImageId", &c), ("DryRun", "True")])),
        400,
        "DryRunOperation",
    );
    assert_eq!(
        listed(&assert_ok(&send(&mut ep, owner.acs3("DescribeImages", &[HZ, ("ImageId", &c)])))),
        vec![c.clone()]
    );
}

#[test]
fn sharing_parameters_and_errors() {
    let mut ep = api_world();
    let owner = Sdk::for_account(&ep, "owner");
    let alice = Sdk::for_account(&ep, "alice");
    let image = create(&mut ep, &owner, "image-x");
    let (alice_id, owner_id) = (id_of(&ep, "alice"), id_of(&ep, "owner"));
    type Case<'a> = (Vec<(&'a str, &'a str)>, u16, &'a str);
    let cases: Vec<Case> = vec![
        (vec![HZ, ("ImageId", &image), ("AddAccount.1", &owner_id)], 404, "InvalidAccount.Forbbiden"),
        (vec![HZ, ("ImageId", &image), ("AddAccount.1", "alice@example.com")], 404, "InvalidAccount.NotFound"),
        (vec![HZ, ("ImageId", &image), ("AddAccount.1", "1000000000000000")], 404, "InvalidAccount.NotFound"),
        (vec![HZ, ("ImageId", &image), ("AddAccount.x", &alice_id)], 400, "InvalidParameter"),
        (vec![HZ, ("ImageId", &image), ("IsPublic", "true")], 400, "InvalidParameter"),
        (vec![HZ, ("ImageId", "m-nothere"), ("AddAccount.1", &alice_id)], 404, "InvalidImageId.NotFound"),
        (vec![HZ, ("AddAccount.1", &alice_id)], 400, "MissingParameter"),
        (vec![("ImageId", &image), ("AddAccount.1", &alice_id)], 400, "MissingParameter"),
        (vec![("RegionId", "us-west-1"), ("ImageId", &image)], 404, "InvalidRegionId.NotFound"),
        (vec![HZ, ("ImageId", &image), ("AddAccount.1", &alice_id), ("DryRun", "True")], 400, "DryRunOperation"),
    ];
    for (params, status, expected) in cases {
        let r = send(&mut ep, owner.acs3("ModifyImageSharePermission", &params));
        assert_refused(&r, status, expected);
    }
    let r = send(&mut ep, owner.acs3("ModifyImageSharePermission", &[("ImageId", &image)]));
    assert_eq!(
        message(&r),
        "The input parameter \"RegionId\" that is mandatory for processing this request is not supplied."
    );
    assert!(members(&mut ep, &owner, &image).is_empty(), "nothing was shared by the refused and dry-run calls");
    // Index order, not wire order; IsPublic=false and repeats are no-ops; an empty call checks ownership.
    let bob_id = id_of(&ep, "bob");
    assert_ok(&send(
        &mut ep,
        owner.v1(
            "ModifyImageSharePermission",
            &[HZ, ("ImageId", &image), ("AddAccount.2", &bob_id), ("AddAccount.1", &alice_id), ("IsPublic", "false")],
        ),
    ));
    assert_ok(&share(&mut ep, &owner, HZ, &image, std::slice::from_ref(&alice_id), &[]));
    assert_eq!(members(&mut ep, &owner, &image), vec![alice_id.clone(), bob_id.clone()]);
    assert_ok(&send(&mut ep, owner.acs3("ModifyImageSharePermission", &[HZ, ("ImageId", &image)])));
    // A recipient can neither share on nor see the member list.
    assert_refused(
        &share(&mut ep, &alice, HZ, &image, std::slice::from_ref(&bob_id), &[]),
        404,
        "InvalidImageId.NotFound",
    );
    let r = send(&mut ep, alice.acs3("DescribeImageSharePermission", &[HZ, ("ImageId", &image)]));
    assert_refused(&r, 404, "InvalidImageId.NotFound");
    assert_eq!(r.header("x-sharesim-rule"), Some("AL-OWNER"));
    // More than 10 in one call: only the first 10 are processed.
    let users: Vec<String> = (1..=12).map(|i| id_of(&ep, &format!("user{i}"))).collect();
    assert_ok(&share(&mut ep, &owner, HZ, &image, &users, &[]));
    let now_members = members(&mut ep, &owner, &image);
    assert_eq!(now_members.len(), 12);
    assert!(!now_members.contains(&users[10]) && !now_members.contains(&users[11]));
}

#[test]
fn unknown_and_missing_actions_and_regions() {
    let mut ep = api_world();
    let owner = Sdk::for_account(&ep, "owner");
    let r = send(&mut ep, owner.acs3("ShareImage", &[HZ]));
    assert_refused(&r, 404, "InvalidAction.NotFound");
    assert_eq!(r.header("x-sharesim-outcome"), Some("Unsupported"));
    assert_eq!(ep.journal(1)[0].api.as_deref(), Some("ShareImage"));
    // v1 with the action only in the query.
    let mut req = owner.v1("AcceptImageShare", &[HZ]);
    req.headers.retain(|(n, _)| !n.starts_with("x-acs-"));
    assert_refused(&send(&mut ep, req), 404, "InvalidAction.NotFound");
    let r = send(&mut ep, HttpRequest::new("POST", "/?RegionId=cn-hangzhou"));
    assert_refused(&r, 400, "MissingParameter");
    assert_eq!(message(&r), signature::missing_message("Action"));
    // The core SDK's header repeats the signed parameter.
    let mut req = owner.v1("DescribeRegions", &[]);
    req.headers.retain(|(n, _)| n != "x-acs-action");
    let req = req.header("x-acs-action", "DescribeRegions");
    let b = assert_ok(&send(&mut ep, req));
    let regions: Vec<&str> =
        b["Regions"]["Region"].as_array().unwrap().iter().map(|r| r["RegionId"].as_str().unwrap()).collect();
    assert_eq!(regions, ["cn-hangzhou", "cn-shanghai", "cn-beijing"]);
    assert_eq!((ep.journal(1)[0].decision.as_str(), ep.journal(1)[0].actor.as_deref()), ("ok", None));
    // Abstract region names are not ECS region IDs.
    let r = send(&mut ep, owner.acs3("DescribeImages", &[("RegionId", "home")]));
    assert_refused(&r, 404, "InvalidRegionId.NotFound");
    assert_eq!(r.header("x-sharesim-outcome"), Some("UnknownRegion"));
    let r = send(&mut ep, owner.acs3("CopyImage", &[HZ, ("ImageId", "m-x"), ("DestinationRegionId", "mars-1")]));
    assert_refused(&r, 400, "DestinationRegion.NotFound");
}

/// ECS serves one API version; another would name other operations and parameters.
#[test]
fn only_ecs_s_api_version_is_served() {
    let mut ep = api_world();
    let owner = Sdk::for_account(&ep, "owner");
    let image = create(&mut ep, &owner, "versioned");
    for version in ["2016-03-14", "2014-05-27", "latest"] {
        let sdk = Sdk { version: version.into(), ..Sdk::for_account(&ep, "owner") };
        for req in
            [sdk.acs3("DeleteImage", &[HZ, ("ImageId", &image)]), sdk.v1("DeleteImage", &[HZ, ("ImageId", &image)])]
        {
            let r = send(&mut ep, req);
            assert_refused(&r, 400, "InvalidVersion");
            assert!(message(&r).contains(version), "{}", message(&r));
            assert_eq!(r.header("x-sharesim-outcome"), Some("InvalidParameter"));
        }
    }
    let sdk = Sdk { version: String::new(), ..Sdk::for_account(&ep, "owner") };
    for req in [sdk.acs3("DeleteImage", &[HZ, ("ImageId", &image)]), sdk.v1("DeleteImage", &[HZ, ("ImageId", &image)])]
    {
        let r = send(&mut ep, req);
        assert_refused(&r, 400, "MissingParameter");
        assert_eq!(message(&r), signature::missing_message("Version"));
    }
    // Nothing was deleted along the way; the right version deletes.
    assert_ok(&send(&mut ep, owner.v1("DeleteImage", &[HZ, ("ImageId", &image)])));
}

#[test]
fn form_bodies_get_and_odd_requests() {
    let mut ep = api_world();
    let owner = Sdk::for_account(&ep, "owner");
    let image = create(&mut ep, &owner, "image-x");
    // v1 with every parameter in a form body.
    let pairs = owner.v1_pairs("POST", "DescribeImages", &[HZ, ("ImageId", &image)]);
    let req = HttpRequest::new("POST", "/")
        .header("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
        .body(form_encode(&pairs));
    assert_eq!(listed(&assert_ok(&send(&mut ep, req))), vec![image.clone()]);
    // A body that is not a form is not read.
    let pairs = owner.v1_pairs("POST", "DescribeImages", &[HZ]);
    let req = HttpRequest::new("POST", "/").header("Content-Type", "application/json").body(form_encode(&pairs));
    assert_refused(&send(&mut ep, req), 400, "MissingParameter");
    // GET signs its own method.
    let pairs = owner.v1_pairs("GET", "DescribeImages", &[HZ]);
    assert_ok(&send(&mut ep, HttpRequest::new("GET", &format!("/?{}", form_encode(&pairs)))));
    let pairs = owner.v1_pairs("GET", "DescribeImages", &[HZ]);
    assert_refused(
        &send(&mut ep, HttpRequest::new("POST", &format!("/?{}", form_encode(&pairs)))),
        400,
        "SignatureDoesNotMatch",
    );

    // Garbage never panics and always answers in ECS's format.
    ep.set_verify_signatures(false);
    let key = owner.key.clone();
    for target in [
        "/".to_string(),
        "/?".to_string(),
        "/?%%%&=&&Action".to_string(),
        "/?Action=DescribeImages&AccessKeyId=".to_string(),
        format!("/?Action=DescribeImages&AccessKeyId={key}&RegionId=%ff%fe"),
        format!(
            "/?Action=DescribeImageSharePermission&AccessKeyId={key}&RegionId=cn-hangzhou&ImageId=&PageSize=99999999999"
        ),
        format!(
            "/?Action=ModifyImageSharePermission&AccessKeyId={key}&RegionId=cn-hangzhou&ImageId={image}&AddAccount.0=1"
        ),
        format!(
            "/?Action=ModifyImageSharePermission&AccessKeyId={key}&RegionId=cn-hangzhou&ImageId={image}&AddAccount.1="
        ),
        format!(
            "/?Action=RunInstances&AccessKeyId={key}&RegionId=cn-hangzhou&ImageId={image}&Amount=99999999999999999999"
        ),
        format!("/?Action=CopyImage&AccessKeyId={key}&RegionId=cn-hangzhou"),
    ] {
        let r = ep.handle(&HttpRequest::new("POST", &target), 0);
        assert!(r.status >= 400, "{target}: {}", String::from_utf8_lossy(&r.body));
        assert_refused(&r, r.status, &code(&r));
    }
    let r = ep.handle(
        &HttpRequest::new("POST", "/?Action=DescribeRegions&Version=2014-05-26").header("Authorization", "Bearer x"),
        0,
    );
    assert_refused(&r, 400, "IncompleteSignature");
}

#[test]
fn transport_refusals_are_in_ecs_format() {
    let mut ep = api_world();
    let r = ep.reject("POST", "/", &Rejection::BodyTooLarge { limit: 1024 });
    assert_refused(&r, 413, "RequestEntityTooLarge");
    assert_eq!(r.header("x-sharesim-outcome"), Some("body-too-large"));
    let r = ep.reject("POST", "/", &Rejection::Unreadable("broken chunk".into()));
    assert_refused(&r, 400, "InvalidParameter");
    assert!(message(&r).contains("broken chunk"));
    assert_eq!(ep.journal(2).iter().map(|j| j.decision.as_str()).collect::<Vec<_>>(), ["body-too-large", "unreadable"]);
}

#[test]
fn request_ids_are_uppercase_uuids_and_vary() {
    let mut ep = api_world();
    let owner = Sdk::for_account(&ep, "owner");
    let a = assert_ok(&send(&mut ep, owner.acs3("DescribeRegions", &[])))["RequestId"].clone();
    let r = send(&mut ep, owner.acs3("Nope", &[]));
    let b = body(&r);
    assert_ne!(a, b["RequestId"]);
    assert_eq!(r.header("x-acs-request-id"), b["RequestId"].as_str());
    assert!(b["Recommend"].as_str().unwrap().contains("q=InvalidAction.NotFound"));
    assert_eq!(b["HostId"], "ecs.aliyuncs.com");
}

#[test]
fn the_default_world_serves_its_own_keys() {
    let mut ep = crate::world::World::default_world().endpoint(Provider::Alibaba, true).unwrap();
    let (owner, alice) = (Sdk::for_account(&ep, "owner"), Sdk::for_account(&ep, "alice"));
    let b = assert_ok(&send(&mut ep, owner.v1("DescribeImages", &[HZ, ("ImageOwnerAlias", "self")])));
    let mine = listed(&b);
    assert!(!mine.is_empty());
    let alice_id = id_of(&ep, "alice");
    assert_ok(&share(&mut ep, &owner, HZ, &mine[0], std::slice::from_ref(&alice_id), &[]));
    let b = assert_ok(&send(&mut ep, alice.acs3("DescribeImages", &[HZ, ("ImageOwnerAlias", "others")])));
    assert_eq!(listed(&b), vec![mine[0].clone()]);
    let j = ep.journal(1);
    assert_eq!(
        (j[0].api.as_deref(), j[0].actor.as_deref(), j[0].decision.as_str()),
        (Some("DescribeImages"), Some("alice"), "ok")
    );
}

/// The tea SDK sends ReplaceSystemDisk and ReInitDisk without `RegionId`, as
/// `POST /?ImageId=m-…&InstanceId=i-…&Password=…` (instances.md §0): ECS takes the region from
/// the instance or disk, and so does the adapter; an ID that names nothing is not found.
#[test]
fn instance_calls_without_region_id_take_the_instance_s_region() {
    let mut ep = api_world();
    let (owner, alice) = (Sdk::for_account(&ep, "owner"), Sdk::for_account(&ep, "alice"));
    let alice_id = id_of(&ep, "alice");
    let away = import_in(&mut ep, &owner, SH, "far");
    assert_ok(&share(&mut ep, &owner, SH, &away, std::slice::from_ref(&alice_id), &[]));
    let r = send(&mut ep, alice.acs3("RunInstances", &[SH, ("ImageId", &away)]));
    let inst = assert_ok(&r)["InstanceIdSets"]["InstanceIdSet"][0].as_str().unwrap().to_string();

    // Shaped like the tea SDK's request: no RegionId, a password.
    let tea = [("ImageId", away.as_str()), ("InstanceId", inst.as_str()), ("Password", "Sharesim-1234")];
    let r = send(&mut ep, alice.acs3("ReplaceSystemDisk", &tea));
    assert_eq!(assert_ok(&r)["DiskId"], disk_of(&inst));
    assert_ok(&send(&mut ep, alice.acs3("ReInitDisk", &[("DiskId", &disk_of(&inst)), ("Password", "Sharesim-1234")])));

    // Unknown instances and disks are ECS's not-found codes, not MissingParameter.
    let nothing = [("ImageId", away.as_str()), ("InstanceId", "i-nothere")];
    assert_refused(&send(&mut ep, alice.acs3("ReplaceSystemDisk", &nothing)), 404, "InvalidInstanceId.NotFound");
    for disk in ["d-nothere", "nothing"] {
        assert_refused(&send(&mut ep, alice.acs3("ReInitDisk", &[("DiskId", disk)])), 404, "InvalidDiskId.NotFound");
    }
    // Someone else's instance: its region is found, the engine still says it is not theirs.
    let r = send(&mut ep, owner.acs3("ReplaceSystemDisk", &[("ImageId", &away), ("InstanceId", &inst)]));
    assert_refused(&r, 404, "InvalidInstanceId.NotFound");
    assert_refused(
        &send(&mut ep, owner.acs3("ReInitDisk", &[("DiskId", &disk_of(&inst))])),
        404,
        "InvalidDiskId.NotFound",
    );
    // Without the instance either, the missing parameter is the instance's.
    let r = send(&mut ep, alice.acs3("ReplaceSystemDisk", &[("ImageId", &away)]));
    assert_refused(&r, 400, "MissingParameter");
    assert!(message(&r).contains("InstanceId"), "{}", message(&r));
    // Calls that name no instance still need RegionId.
    let r = send(&mut ep, alice.acs3("DescribeImages", &[("ImageId", &away)]));
    assert_refused(&r, 400, "MissingParameter");
    assert!(message(&r).contains("RegionId"), "{}", message(&r));
}

/// The use-half of a share over ECS's own calls: an image made from an instance, shared,
/// launched by the recipient, refused to a stranger; after the cancel the recipient's instance
/// stays listed but cannot be rebuilt to the image; the quota answers; stop and release work on
/// one's own instance only.
#[test]
fn images_from_instances_and_the_instance_calls() {
    let mut ep = api_world();
    let (owner, alice, bob) =
        (Sdk::for_account(&ep, "owner"), Sdk::for_account(&ep, "alice"), Sdk::for_account(&ep, "bob"));
    let alice_id = id_of(&ep, "alice");
    let seed = create(&mut ep, &owner, "seed");
    let r = send(&mut ep, owner.acs3("RunInstances", &[HZ, ("ImageId", &seed)]));
    let build = assert_ok(&r)["InstanceIdSets"]["InstanceIdSet"][0].as_str().unwrap().to_string();

    // CreateImage from the owner's instance, in its region (AL-* rules decide the rest).
    let r = send(
        &mut ep,
        owner
            .acs3("CreateImage", &[HZ, ("InstanceId", &build), ("ImageName", "golden"), ("Description", "from build")]),
    );
    let golden = assert_ok(&r)["ImageId"].as_str().unwrap().to_string();
    let d = assert_ok(&send(&mut ep, owner.acs3("DescribeImages", &[HZ, ("ImageId", &golden)])));
    assert_eq!(d["Images"]["Image"][0]["Description"], "from build");
    // Someone else's instance, an unknown one and the wrong region are not found.
    for (who, region, inst) in [(&alice, HZ, build.as_str()), (&owner, HZ, "i-nothere"), (&owner, SH, build.as_str())] {
        let r = send(&mut ep, who.acs3("CreateImage", &[region, ("InstanceId", inst), ("ImageName", "x")]));
        assert_refused(&r, 404, "InvalidInstanceId.NotFound");
    }

    // Shared with alice, who launches; bob (a stranger) is refused.
    assert_ok(&share(&mut ep, &owner, HZ, &golden, std::slice::from_ref(&alice_id), &[]));
    let r = send(&mut ep, alice.acs3("RunInstances", &[HZ, ("ImageId", &golden)]));
    let inst = assert_ok(&r)["InstanceIdSets"]["InstanceIdSet"][0].as_str().unwrap().to_string();
    assert_refused(
        &send(&mut ep, bob.acs3("RunInstances", &[HZ, ("ImageId", &golden)])),
        404,
        "InvalidImageId.NotFound",
    );

    // DescribeInstances: InstanceIds is a JSON array; ImageId and Status filter; paging.
    let ids = format!("[\"{inst}\"]");
    let b = assert_ok(&send(&mut ep, alice.acs3("DescribeInstances", &[HZ, ("InstanceIds", &ids)])));
    assert_eq!(
        (b["TotalCount"].as_u64(), b["Instances"]["Instance"][0]["ImageId"].as_str()),
        (Some(1), Some(golden.as_str()))
    );
    assert_eq!(b["Instances"]["Instance"][0]["Status"], "Running");
    let b = assert_ok(&send(&mut ep, owner.acs3("DescribeInstances", &[HZ, ("InstanceIds", &ids)])));
    assert_eq!(b["TotalCount"], 0, "the owner does not see alice's instance");
    let b = assert_ok(&send(&mut ep, owner.acs3("DescribeInstances", &[HZ, ("ImageId", &seed), ("PageSize", "1")])));
    assert_eq!((b["TotalCount"].as_u64(), b["PageSize"].as_u64()), (Some(1), Some(1)));
    for (k, v) in [("InstanceIds", "i-1"), ("InstanceIds", "[1]"), ("InstanceIds", "{\"a\":1}")] {
        assert_refused(
            &send(&mut ep, alice.acs3("DescribeInstances", &[HZ, (k, v)])),
            400,
            "InvalidInstanceIds.Malformed",
        );
    }
    let many = format!("[{}]", (0..101).map(|i| format!("\"i-{i}\"")).collect::<Vec<_>>().join(","));
    assert_refused(
        &send(&mut ep, alice.acs3("DescribeInstances", &[HZ, ("InstanceIds", &many)])),
        400,
        "InvalidInstanceIds.Malformed",
    );
    for (k, v) in [("Status", "Sleeping"), ("PageSize", "101"), ("PageNumber", "0")] {
        assert_refused(&send(&mut ep, alice.acs3("DescribeInstances", &[HZ, (k, v)])), 400, "InvalidParameter");
    }
    assert_refused(&send(&mut ep, alice.acs3("DescribeInstances", &[])), 400, "MissingParameter");
    assert_refused(
        &send(&mut ep, alice.acs3("DescribeInstances", &[("RegionId", "mars-1")])),
        404,
        "InvalidRegionId.NotFound",
    );

    // DescribeDisks: her system disk d-X, built from the image.
    let b = assert_ok(&send(&mut ep, alice.acs3("DescribeDisks", &[HZ, ("InstanceId", &inst)])));
    let disk = &b["Disks"]["Disk"][0];
    assert_eq!((disk["DiskId"].as_str(), disk["Type"].as_str()), (Some(disk_of(&inst).as_str()), Some("system")));
    let b = assert_ok(&send(&mut ep, alice.acs3("DescribeDisks", &[HZ, ("DiskType", "data")])));
    assert_eq!(b["TotalCount"], 0);
    assert_refused(
        &send(&mut ep, alice.acs3("DescribeDisks", &[HZ, ("DiskIds", "d-1")])),
        400,
        "InvalidDiskIds.Malformed",
    );
    assert_refused(&send(&mut ep, alice.acs3("DescribeDisks", &[HZ, ("DiskType", "tape")])), 400, "InvalidParameter");

    // After the cancel: re-init and replace to the image are refused, the instance stays.
    assert_ok(&share(&mut ep, &owner, HZ, &golden, &[], std::slice::from_ref(&alice_id)));
    let r = send(&mut ep, alice.acs3("ReInitDisk", &[("DiskId", &disk_of(&inst))]));
    assert_refused(&r, 403, "OperationDenied.ImageNotValid");
    assert_eq!(r.header("x-sharesim-rule"), Some("AL-AFTER-UNSHARE"));
    let r = send(&mut ep, alice.acs3("ReplaceSystemDisk", &[("InstanceId", &inst), ("ImageId", &golden)]));
    assert_refused(&r, 404, "InvalidImageId.NotFound");
    let b = assert_ok(&send(&mut ep, alice.acs3("DescribeInstances", &[HZ])));
    assert_eq!(b["TotalCount"], 1, "her instance stays");

    // The quota: the engine's figures as DescribeAccountAttributes items.
    let r = send(
        &mut ep,
        owner.acs3(
            "DescribeAccountAttributes",
            &[
                HZ,
                ("AttributeName.1", "max-custom-image-count"),
                ("AttributeName.2", "used-custom-image-count"),
                ("AttributeName.3", "max-security-groups"),
            ],
        ),
    );
    let items = assert_ok(&r)["AccountAttributeItems"]["AccountAttributeItem"].clone();
    let value = |i: usize| items[i]["AttributeValues"]["ValueItem"][0]["Value"].as_str().map(str::to_string);
    assert_eq!((value(0).as_deref(), value(1).as_deref(), value(2)), (Some("100"), Some("2"), None));
    let r = send(&mut ep, owner.acs3("DescribeAccountAttributes", &[HZ, ("AttributeName.1", "max-images-ever")]));
    assert_refused(&r, 400, "InvalidParameter");
    let nine: Vec<(String, String)> =
        (1..=9).map(|i| (format!("AttributeName.{i}"), "max-security-groups".to_string())).collect();
    let mut params: Vec<(&str, &str)> = vec![HZ];
    params.extend(nine.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    assert_refused(&send(&mut ep, owner.acs3("DescribeAccountAttributes", &params)), 400, "InvalidParameter");

    // Stop and release: one's own instance only; a released one is gone.
    for action in ["StopInstance", "DeleteInstance"] {
        assert_refused(&send(&mut ep, owner.acs3(action, &[("InstanceId", &inst)])), 404, "InvalidInstanceId.NotFound");
        assert_refused(
            &send(&mut ep, owner.acs3(action, &[("InstanceId", "i-nothere")])),
            404,
            "InvalidInstanceId.NotFound",
        );
        assert_refused(
            &send(&mut ep, alice.acs3(action, &[SH, ("InstanceId", &inst)])),
            404,
            "InvalidInstanceId.NotFound",
        );
        assert_refused(&send(&mut ep, alice.acs3(action, &[])), 400, "MissingParameter");
    }
    assert_refused(
        &send(&mut ep, alice.acs3("StopInstance", &[("InstanceId", &inst), ("StoppedMode", "Nap")])),
        400,
        "InvalidParameter",
    );
    assert_refused(
        &send(&mut ep, alice.acs3("DeleteInstance", &[("InstanceId", &inst), ("Force", "maybe")])),
        400,
        "InvalidParameter",
    );
    assert_refused(
        &send(&mut ep, alice.acs3("StopInstance", &[("InstanceId", &inst), ("DryRun", "true")])),
        400,
        "DryRunOperation",
    );
    assert_ok(&send(&mut ep, alice.acs3("StopInstance", &[("InstanceId", &inst), ("ForceStop", "True")])));
    let b = assert_ok(&send(&mut ep, alice.acs3("DescribeInstances", &[HZ, ("Status", "Stopped")])));
    assert_eq!(b["Instances"]["Instance"][0]["InstanceId"], inst.as_str());
    assert_ok(&send(&mut ep, alice.v1("DeleteInstance", &[HZ, ("InstanceId", &inst), ("Force", "true")])));
    let b = assert_ok(&send(&mut ep, alice.acs3("DescribeInstances", &[HZ])));
    assert_eq!(b["TotalCount"], 0);
    assert_refused(
        &send(&mut ep, alice.acs3("StopInstance", &[HZ, ("InstanceId", &inst)])),
        404,
        "InvalidInstanceId.NotFound",
    );
    // An unknown action is the gateway's answer.
    assert_refused(
        &send(&mut ep, alice.acs3("RebootInstance", &[HZ, ("InstanceId", &build)])),
        404,
        "InvalidAction.NotFound",
    );
}

/// A RegionId other than the instance's does not find it: ECS's instances are regional.
#[test]
fn instance_calls_in_another_region_do_not_find_the_instance() {
    let mut ep = api_world();
    let owner = Sdk::for_account(&ep, "owner");
    let image = create(&mut ep, &owner, "base");
    let r = send(&mut ep, owner.acs3("RunInstances", &[HZ, ("ImageId", &image)]));
    let inst = assert_ok(&r)["InstanceIdSets"]["InstanceIdSet"][0].as_str().unwrap().to_string();
    let r = send(&mut ep, owner.acs3("ReplaceSystemDisk", &[SH, ("InstanceId", &inst), ("ImageId", &image)]));
    assert_refused(&r, 404, "InvalidInstanceId.NotFound");
    assert_refused(
        &send(&mut ep, owner.acs3("ReInitDisk", &[SH, ("DiskId", &disk_of(&inst))])),
        404,
        "InvalidDiskId.NotFound",
    );
    assert_ok(&send(&mut ep, owner.acs3("ReInitDisk", &[HZ, ("DiskId", &disk_of(&inst))])));
    let ids = format!("[\"{inst}\"]");
    assert_eq!(
        assert_ok(&send(&mut ep, owner.acs3("DescribeInstances", &[SH, ("InstanceIds", &ids)])))["TotalCount"],
        0
    );
}

// ----- ImportImage -----------------------------------------------------------------------------

/// ImportImage's parameters as the tea SDK flattens them, for an image named `name`.
fn import_params(name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("RegionId", "cn-hangzhou".to_string()),
        ("ImageName", name.to_string()),
        ("Description", "from a file".to_string()),
        ("OSType", "linux".to_string()),
        ("Platform", "Ubuntu".to_string()),
        ("Architecture", "x86_64".to_string()),
        ("DiskDeviceMapping.1.OSSBucket", "my-bucket".to_string()),
        ("DiskDeviceMapping.1.OSSObject", format!("{name}.qcow2")),
        ("DiskDeviceMapping.1.Format", "QCOW2".to_string()),
        ("DiskDeviceMapping.1.DiskImageSize", "40".to_string()),
    ]
}

fn import(ep: &mut Endpoint, sdk: &Sdk, params: &[(&'static str, String)]) -> HttpResponse {
    let borrowed: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    send(ep, sdk.acs3("ImportImage", &borrowed))
}

/// ImportImage makes the caller's private image in `RegionId` (CreateImage from no instance);
/// the owner shares it and the recipient sees and launches it. The core SDK's v1 request works
/// too, and a dry run makes nothing.
#[test]
fn an_imported_image_is_the_callers_to_share() {
    let mut ep = api_world();
    let owner = Sdk::for_account(&ep, "owner");
    let alice = Sdk::for_account(&ep, "alice");
    let b = assert_ok(&import(&mut ep, &owner, &import_params("imported")));
    let image = b["ImageId"].as_str().unwrap().to_string();
    assert_eq!(b["RegionId"], "cn-hangzhou");
    assert_eq!(b["TaskId"].as_str(), Some(format!("t-{}", image.trim_start_matches("m-")).as_str()));
    let d = assert_ok(&send(&mut ep, owner.acs3("DescribeImages", &[HZ, ("ImageId", &image)])));
    assert_eq!(d["Images"]["Image"][0]["ImageName"], "imported");
    assert_eq!(d["Images"]["Image"][0]["Description"], "from a file");
    let alice_id = id_of(&ep, "alice");
    assert_ok(&share(&mut ep, &owner, HZ, &image, &[alice_id], &[]));
    let seen = assert_ok(&send(&mut ep, alice.acs3("DescribeImages", &[HZ, ("ImageOwnerAlias", "others")])));
    assert_eq!(listed(&seen), vec![image.clone()]);
    assert_ok(&send(&mut ep, alice.acs3("RunInstances", &[HZ, ("ImageId", &image)])));
    // The core SDK (v1) in Shanghai; a dry run answers DryRunOperation and makes nothing.
    let v1 = owner.v1(
        "ImportImage",
        &[
            SH,
            ("ImageName", "core-import"),
            ("DiskDeviceMapping.1.OSSBucket", "b"),
            ("DiskDeviceMapping.1.OSSObject", "o.raw"),
        ],
    );
    assert_eq!(assert_ok(&send(&mut ep, v1))["RegionId"], "cn-shanghai");
    let mut dry = import_params("dry");
    dry.push(("DryRun", "true".into()));
    assert_refused(&import(&mut ep, &owner, &dry), 400, "DryRunOperation");
    let mine = assert_ok(&send(&mut ep, owner.acs3("DescribeImages", &[HZ, ("ImageOwnerAlias", "self")])));
    assert_eq!(listed(&mine), vec![image]);
}

#[test]
fn a_bad_import_is_refused_in_ecs_format() {
    let mut ep = api_world();
    let owner = Sdk::for_account(&ep, "owner");
    let without = |key: &str| -> Vec<(&'static str, String)> {
        import_params("imported").into_iter().filter(|(k, _)| *k != key).collect()
    };
    let with = |key: &'static str, v: &str| -> Vec<(&'static str, String)> {
        let mut p = without(key);
        p.push((key, v.to_string()));
        p
    };
    let cases: Vec<(Vec<(&'static str, String)>, &str)> = vec![
        (without("DiskDeviceMapping.1.OSSBucket"), "MissingParameter"),
        (without("DiskDeviceMapping.1.OSSObject"), "MissingParameter"),
        (
            import_params("imported").into_iter().filter(|(k, _)| !k.starts_with("DiskDeviceMapping")).collect(),
            "MissingParameter",
        ),
        (with("ImageName", "1starts-with-a-digit"), "InvalidImageName.Malformed"),
        (with("ImageName", "aliyun-mine"), "InvalidImageName.Malformed"),
        (with("ImageName", "has space"), "InvalidImageName.Malformed"),
        (with("ImageName", "x"), "InvalidImageName.Malformed"),
        (with("Description", "https://example.com"), "InvalidDescription.Malformed"),
        (with("OSType", "mac"), "InvalidParameter"),
        (with("Platform", "Plan 9"), "InvalidParameter"),
        (with("Platform", "Windows Server 2019"), "InvalidParameter"),
        (with("Architecture", "sparc"), "InvalidParameter"),
        (with("DiskDeviceMapping.1.Format", "ISO"), "InvalidParameter"),
        (with("DiskDeviceMapping.1.DiskImageSize", "4096"), "InvalidParameter"),
        (with("DiskDeviceMapping.1.DiskImageSize", "forty"), "InvalidParameter"),
        (with("DiskDeviceMapping.18.OSSBucket", "b"), "InvalidParameter"),
        (with("DiskDeviceMapping.x.OSSBucket", "b"), "InvalidParameter"),
        (with("DiskDeviceMapping.1.Colour", "red"), "InvalidParameter"),
        (with("DiskDeviceMapping.2.OSSBucket", "b"), "MissingParameter"),
        (with("ClientToken", &"t".repeat(65)), "InvalidParameter"),
        (with("DryRun", "maybe"), "InvalidParameter"),
    ];
    for (params, expected) in cases {
        let r = import(&mut ep, &owner, &params);
        assert_refused(&r, 400, expected);
        assert_eq!(r.header("x-sharesim-outcome"), Some("InvalidParameter"), "{params:?}");
    }
    let mut arm = import_params("arm");
    arm.extend([("Architecture", "arm64".to_string()), ("BootMode", "BIOS".to_string())]);
    arm.retain(|(k, v)| *k != "Architecture" || v == "arm64");
    assert_refused(&import(&mut ep, &owner, &arm), 400, "InvalidParameter");
    // Without RegionId, or with one ECS does not have.
    let no_region: Vec<(&'static str, String)> =
        import_params("imported").into_iter().filter(|(k, _)| *k != "RegionId").collect();
    assert_refused(&import(&mut ep, &owner, &no_region), 400, "MissingParameter");
    let mut mars = no_region.clone();
    mars.push(("RegionId", "mars-1".into()));
    let r = import(&mut ep, &owner, &mars);
    assert_eq!(code(&r), "InvalidRegionId.NotFound", "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("x-sharesim-outcome"), Some("UnknownRegion"));
    // Nothing was made.
    let mine = assert_ok(&send(&mut ep, owner.acs3("DescribeImages", &[HZ, ("ImageOwnerAlias", "self")])));
    assert!(listed(&mine).is_empty());
}

/// AL-IMAGE-QUOTA, tuned to 2 for the test: the third import in a region is refused with the
/// engine's QuotaExceeded in ECS's words; another region has its own count.
#[test]
fn the_image_quota_refuses_an_import() {
    let mut ep = api_world();
    let keys = ep.keys().clone();
    let mut e = Engine::with_settings(
        Provider::Alibaba,
        0,
        crate::engine::Settings { image_quota: Some(2), ..Default::default() },
    );
    e.add_account("owner").unwrap();
    ep = Endpoint::new(e, keys, true);
    let owner = Sdk::for_account(&ep, "owner");
    for name in ["one", "two"] {
        assert_ok(&import(&mut ep, &owner, &import_params(name)));
    }
    let r = import(&mut ep, &owner, &import_params("three"));
    assert_refused(&r, 403, "QuotaExceed.Image");
    assert_eq!(
        (r.header("x-sharesim-outcome"), r.header("x-sharesim-rule")),
        (Some("QuotaExceeded"), Some("AL-IMAGE-QUOTA"))
    );
    let mut sh = import_params("three");
    sh[0].1 = "cn-shanghai".into();
    assert_ok(&import(&mut ep, &owner, &sh));
}

/// CreateImage makes an image from something: an instance here (a file is ImportImage's).
#[test]
fn create_image_needs_an_instance() {
    let mut ep = api_world();
    let owner = Sdk::for_account(&ep, "owner");
    let before = ep.engine().state().images.len();
    let none = send(&mut ep, owner.acs3("CreateImage", &[HZ, ("ImageName", "nothing")]));
    assert_eq!((none.status, code(&none)), (400, "MissingParameter".to_string()), "{none:?}");
    let snapshot = send(&mut ep, owner.acs3("CreateImage", &[HZ, ("ImageName", "snap"), ("SnapshotId", "s-1")]));
    assert_eq!(snapshot.header("x-sharesim-outcome"), Some("Unsupported"));
    assert_eq!(ep.engine().state().images.len(), before, "no image was made");
}
