//! Huawei Cloud API Gateway (APIG), which every IMS and SWR call passes: SDK-HMAC-SHA256
//! signature verification, the caller's account and projects, and the gateway's own errors
//! (`{"error_code":"APIGW.xxxx","error_msg":…,"request_id":…}`), which differ from the services'.
//! Nothing here is specific to IMS or SWR (providers/huawei-ims.md §3, §5).
//!
//! The canonical request is built exactly as the official SDKs sign (§3): the method; the raw
//! path percent-decoded, split on `/`, each segment re-encoded (RFC 3986 unreserved kept), with a
//! trailing `/`; the raw query split on `&` and `=`, decoded, sorted by (key, value) and
//! re-encoded; `name:value` for each header the client listed in `SignedHeaders`; that list; and
//! the payload hash (empty body: SHA-256 of nothing; else `X-Sdk-Content-Sha256` when it is one
//! of the signed headers, such as `UNSIGNED-PAYLOAD`; else SHA-256 of the raw body bytes).
//!
//! `X-Sdk-Content-Sha256` stands in for the body in the signature, so the gateway trusts it only
//! when it is signed, and a hex hash only when it is the hash of the body received: otherwise a
//! signed request's body could be swapped for another.

use percent_encoding::{percent_decode_str, percent_encode};
use serde_json::{Value, json};

use crate::engine::Engine;
use crate::rules::IdentityKind;
use crate::wire::{Endpoint, HttpRequest, HttpResponse, KeyStore, codec};

/// The only algorithm the SDKs use by default.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// How far `X-Sdk-Date` may be from the server's clock.
pub const MAX_SKEW_SECS: u64 = 15 * 60;
/// SHA-256 of an empty body.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// The header that may stand for the body's hash in the canonical request.
pub const CONTENT_SHA256: &str = "X-Sdk-Content-Sha256";
/// The value of [`CONTENT_SHA256`] that leaves the body out of the signature (the SDK sends it,
/// signed, for bodies that are neither JSON nor BSON).
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

const AUTH_FAILED: &str = "APIGW.0301";
const PREFIX: &str = "Incorrect IAM authentication information";

/// A request the gateway refused: the gateway's status, code and message, and a short label
/// for the journal and the `x-sharesim-outcome` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    /// `unauthenticated`, `unknown-key`, `signature`, `expired`, `project` or `route`.
    pub label: &'static str,
}

impl Denial {
    fn auth(label: &'static str, detail: impl std::fmt::Display) -> Denial {
        Denial { status: 401, code: AUTH_FAILED, message: format!("{PREFIX}: {detail}"), label }
    }

    /// An access key that names no account.
    pub fn unknown_key(access_key: &str) -> Denial {
        Denial::auth("unknown-key", format_args!("Get secretKey failed,ak:{access_key},err:ak not exist"))
    }

    /// `X-Project-Id` names a project that is not the access key's account's.
    pub fn foreign_project(project_id: &str) -> Denial {
        Denial::auth(
            "project",
            format_args!("the project {project_id} does not exist or does not belong to the account of the access key"),
        )
    }

    /// An API the gateway does not publish (unknown path or method).
    pub fn unknown_route() -> Denial {
        Denial {
            status: 404,
            code: "APIGW.0101",
            message: "The API does not exist or has not been published in the environment".into(),
            label: "route",
        }
    }

    /// The gateway's error body, with the request ID in the body and in `X-Request-Id`.
    pub fn response(&self, request_id: &str) -> HttpResponse {
        error_response(self.status, self.code, &self.message, request_id)
    }
}

/// A gateway error response: `{"error_code","error_msg","request_id"}` and `X-Request-Id`.
pub fn error_response(status: u16, code: &str, message: &str, request_id: &str) -> HttpResponse {
    HttpResponse::json(
        status,
        "application/json",
        &json!({ "error_code": code, "error_msg": message, "request_id": request_id }),
    )
    .with_header("X-Request-Id", request_id)
}

/// The request ID Huawei services return: 32 lowercase hex digits, stable per request number.
pub fn request_id(ep: &Endpoint) -> String {
    ep.request_uuid().replace('-', "")
}

/// The parts of `Authorization: SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub access_key: String,
    pub signed_headers: String,
    pub signature: String,
}

/// Parses an `Authorization` header of the SDK-HMAC-SHA256 scheme.
pub fn parse_authorization(value: &str) -> Result<Authorization, Denial> {
    let value = value.trim();
    let (algorithm, rest) = value.split_once(' ').unwrap_or((value, ""));
    if algorithm != ALGORITHM {
        return Err(Denial::auth("signature", format_args!("unsupported signing algorithm `{algorithm}`")));
    }
    let (mut access, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let Some((k, v)) = part.trim().split_once('=') else { continue };
        match k.trim() {
            "Access" => access = Some(v.trim()),
            "SignedHeaders" => signed = Some(v.trim()),
            "Signature" => signature = Some(v.trim()),
            _ => {}
        }
    }
    match (access, signed, signature) {
        (Some(a), Some(h), Some(s)) if !a.is_empty() && !s.is_empty() => {
            Ok(Authorization { access_key: a.into(), signed_headers: h.into(), signature: s.into() })
        }
        _ => Err(Denial::auth("signature", "the Authorization header must carry Access, SignedHeaders and Signature")),
    }
}

/// `YYYYMMDDTHHMMSSZ` (UTC) to Unix seconds.
pub fn parse_sdk_date(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' || !digits(0..8) || !digits(9..15) {
        return None;
    }
    let iso = format!("{}-{}-{}T{}:{}:{}Z", &s[0..4], &s[4..6], &s[6..8], &s[9..11], &s[11..13], &s[13..15]);
    crate::clock::parse_iso8601(&iso)
}

/// Unix seconds to `YYYYMMDDTHHMMSSZ`.
pub fn format_sdk_date(secs: u64) -> String {
    crate::clock::iso8601(secs).replace(['-', ':'], "")
}

fn reencode(bytes: &[u8]) -> String {
    percent_encode(bytes, codec::RFC3986).to_string()
}

/// The canonical URI: decoded, split on `/`, each segment re-encoded, ending in `/`.
pub fn canonical_uri(raw_path: &str) -> String {
    let decoded: Vec<u8> = percent_decode_str(raw_path).collect();
    let mut uri = decoded.split(|&b| b == b'/').map(reencode).collect::<Vec<_>>().join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// The canonical query: items decoded, sorted by (key, value) bytes, re-encoded, `&`-joined.
pub fn canonical_query(raw_query: &str) -> String {
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = raw_query
        .split('&')
        .filter(|item| !item.is_empty())
        .map(|item| {
            let (k, v) = item.split_once('=').unwrap_or((item, ""));
            (percent_decode_str(k).collect(), percent_decode_str(v).collect())
        })
        .collect();
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{}={}", reencode(k), reencode(v))).collect::<Vec<_>>().join("&")
}

/// Whether `name` is one of the `;`-separated `signed_headers`.
fn is_signed(signed_headers: &str, name: &str) -> bool {
    signed_headers.split(';').any(|h| h.trim().eq_ignore_ascii_case(name))
}

/// The payload hash part of the canonical request: the signed `X-Sdk-Content-Sha256`, else the
/// body's own hash. [`verify`] also refuses a declared hash that is unsigned or not the body's.
pub fn payload_hash(req: &HttpRequest, signed_headers: &str) -> String {
    if req.body.is_empty() {
        return EMPTY_SHA256.to_string();
    }
    match req.get(CONTENT_SHA256) {
        Some(declared) if is_signed(signed_headers, CONTENT_SHA256) => declared.trim().to_string(),
        _ => codec::sha256_hex(&req.body),
    }
}

/// Refuses an `X-Sdk-Content-Sha256` the gateway cannot take for the body: one sent unsigned
/// (anyone on the way could have set it), or a hash that is not the received body's. A signed
/// `UNSIGNED-PAYLOAD` is taken: the client chose not to sign the body.
fn check_declared_payload(req: &HttpRequest, signed_headers: &str) -> Result<(), Denial> {
    let Some(declared) = req.get(CONTENT_SHA256) else { return Ok(()) };
    if !is_signed(signed_headers, CONTENT_SHA256) {
        return Err(Denial::auth("signature", format_args!("{CONTENT_SHA256} is sent but not signed")));
    }
    let declared = declared.trim();
    if declared == UNSIGNED_PAYLOAD || codec::same(&declared.to_ascii_lowercase(), &codec::sha256_hex(&req.body)) {
        return Ok(());
    }
    Err(Denial::auth("signature", format_args!("{CONTENT_SHA256} is not the SHA-256 of the request body")))
}

/// The canonical request for the headers the client listed; `Err(name)` names a listed header
/// the request does not carry.
pub fn canonical_request(req: &HttpRequest, signed_headers: &str) -> Result<String, String> {
    let mut headers = String::new();
    for name in signed_headers.split(';').filter(|n| !n.is_empty()) {
        let value = req.get(name).ok_or_else(|| name.to_string())?;
        headers.push_str(&name.to_ascii_lowercase());
        headers.push(':');
        headers.push_str(value.trim());
        headers.push('\n');
    }
    Ok(format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method.to_ascii_uppercase(),
        canonical_uri(req.path()),
        canonical_query(req.query()),
        headers,
        signed_headers,
        payload_hash(req, signed_headers)
    ))
}

/// `SDK-HMAC-SHA256`, the date, and the hex SHA-256 of the canonical request, `\n`-joined.
pub fn string_to_sign(sdk_date: &str, canonical_request: &str) -> String {
    format!("{ALGORITHM}\n{sdk_date}\n{}", codec::sha256_hex(canonical_request.as_bytes()))
}

/// Lower-case hex HMAC-SHA256 of the string to sign, keyed with the secret's bytes.
pub fn signature(secret: &str, string_to_sign: &str) -> String {
    let id = format!("huawei\0{secret}");
    codec::hex(&codec::hmac_sha256_keyed(&id, || secret.as_bytes().to_vec(), string_to_sign.as_bytes()))
}

/// Who a verified request comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The account's abstract name in the engine (`owner`, `alice`).
    pub account: String,
    pub access_key: String,
}

/// Verifies a request's SDK-HMAC-SHA256 signature against the key store; `now` is Unix
/// seconds. With `check_signature` off only the access key must be known (for replaying
/// captures or hand-made requests); date and signature are not checked.
pub fn verify(keys: &KeyStore, req: &HttpRequest, now: u64, check_signature: bool) -> Result<Caller, Denial> {
    let Some(header) = req.get("Authorization") else {
        return Err(Denial::auth("unauthenticated", "x-auth-token not found"));
    };
    let auth = parse_authorization(&header)?;
    let Some(key) = keys.get(&auth.access_key) else {
        return Err(Denial::unknown_key(&auth.access_key));
    };
    let caller = Caller { account: key.account.clone(), access_key: auth.access_key.clone() };
    if !check_signature {
        return Ok(caller);
    }
    let date = req.get("X-Sdk-Date").unwrap_or_default();
    let date = date.trim();
    let Some(signed_at) = parse_sdk_date(date) else {
        return Err(Denial::auth("signature", "X-Sdk-Date is missing or not of the form YYYYMMDDTHHMMSSZ"));
    };
    if signed_at.abs_diff(now) > MAX_SKEW_SECS {
        return Err(Denial::auth(
            "expired",
            format_args!(
                "signature expired: X-Sdk-Date {date} is more than {} minutes from the server time {}",
                MAX_SKEW_SECS / 60,
                format_sdk_date(now)
            ),
        ));
    }
    check_declared_payload(req, &auth.signed_headers)?;
    let canonical = canonical_request(req, &auth.signed_headers)
        .map_err(|_| Denial::auth("signature", "verify aksk signature fail"))?;
    let expected = signature(&key.secret, &string_to_sign(date, &canonical));
    if codec::same(&expected, &auth.signature) {
        Ok(caller)
    } else {
        Err(Denial::auth("signature", "verify aksk signature fail"))
    }
}

/// The region index of `project_id` when it is one of `account`'s project IDs.
pub fn project_region(engine: &Engine, account: &str, project_id: &str) -> Option<usize> {
    let state = engine.state();
    let entry = state.index.directory.get(project_id)?;
    let owner = state.accounts.get(entry.account as usize)?;
    (entry.kind == IdentityKind::ProjectId && owner.name == account).then_some(entry.region).flatten()
}

/// `account`'s project ID in the region with this index.
pub fn project_id(engine: &Engine, account: &str, region: usize) -> Option<String> {
    let state = engine.state();
    let ix = *state.index.account_by_name.get(account)?;
    state.accounts[ix as usize]
        .identities
        .iter()
        .find(|i| i.kind == IdentityKind::ProjectId && i.region == Some(region))
        .map(|i| i.value.clone())
}

/// Adds the gateway's request ID and reports the decision (`Endpoint::decide` sets its
/// headers): how IMS and SWR finish every answer.
pub fn finish(
    ep: &mut crate::wire::Endpoint,
    mut resp: HttpResponse,
    request_id: &str,
    outcome: &str,
    rule: Option<&'static str>,
) -> HttpResponse {
    if resp.header("X-Request-Id").is_none() {
        resp = resp.with_header("X-Request-Id", request_id);
    }
    ep.decide(outcome, rule);
    resp
}

/// Signs `req` as the SDKs do: sets `X-Sdk-Date` from `now` and `Authorization` over the
/// headers named in `signed` (`x-sdk-date` included). A signed header missing from the request
/// leaves it unsigned, and the gateway refuses it, as it would a real client's mistake.
pub fn sign(req: &mut HttpRequest, access_key: &str, secret: &str, signed: &[&str], now: u64) {
    let date = format_sdk_date(now);
    req.headers.retain(|(n, _)| !n.eq_ignore_ascii_case("X-Sdk-Date") && !n.eq_ignore_ascii_case("Authorization"));
    req.headers.push(("X-Sdk-Date".into(), date.clone()));
    let mut names: Vec<String> = signed.iter().map(|n| n.to_ascii_lowercase()).collect();
    names.sort();
    let signed_headers = names.join(";");
    let Ok(canonical) = canonical_request(req, &signed_headers) else { return };
    let sig = signature(secret, &string_to_sign(&date, &canonical));
    req.headers.push((
        "Authorization".into(),
        format!("{ALGORITHM} Access={access_key}, SignedHeaders={signed_headers}, Signature={sig}"),
    ));
}

// ----- the client side, for `run --via http` (IMS's and SWR's `calls.rs`) ----------------------

/// The SDK's user agent, as the adapters' tests and captures show it.
const USER_AGENT: &str = "huaweicloud-usdk-rust/3.0; sharesim";

/// A request as the SDK signs it: JSON, the Host, and the project acted in when there is one.
pub fn signed_request(
    caller: &crate::wire::call::Caller<'_>,
    project: Option<&str>,
    method: &str,
    target: &str,
    body: Option<&Value>,
) -> HttpRequest {
    let mut req = HttpRequest::new(method, target)
        .header("User-Agent", USER_AGENT)
        .header("Content-Type", "application/json;charset=UTF-8")
        .header("Host", caller.host);
    let mut signed = vec!["content-type", "host", "user-agent", "x-sdk-date"];
    if let Some(p) = project {
        req = req.header("X-Project-Id", p);
        signed.push("x-project-id");
    }
    if let Some(b) = body {
        req = req.body(b.to_string());
    }
    sign(&mut req, caller.key_id, caller.secret, &signed, caller.now);
    req
}

/// The error a response carries: IMS's `{"error":{"code"}}` or the gateway's (and SWR's)
/// top-level `error_code`; `None` for a success.
pub fn seen_error(resp: &HttpResponse) -> Result<Option<crate::wire::call::SeenError>, String> {
    if resp.status < 400 {
        return Ok(None);
    }
    let body = resp.json_body().unwrap_or(Value::Null);
    // IMS and ECS: `{"error":{"code"}}`; KMS: `{"error":{"error_code"}}`; the gateway: `{"error_code"}`.
    let code = body["error"]["code"]
        .as_str()
        .or_else(|| body["error"]["error_code"].as_str())
        .or_else(|| body["error_code"].as_str());
    match code {
        Some(code) => Ok(Some(crate::wire::call::SeenError { code: code.to_string(), status: Some(resp.status) })),
        None => Err(format!("HTTP {} came without an error code: {body}", resp.status)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAPTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/captures/huawei-ims");
    const OWNER: (&str, &str) = ("OWNERAK0000EXAMPLE01", "ownerSK0000000000000000000000000000EXAMPLE");
    const RECIPIENT: (&str, &str) = ("RECIPAK0000EXAMPLE02", "recipSK0000000000000000000000000000EXAMPLE");

    fn keys(pairs: &[(&str, &str)]) -> KeyStore {
        let mut k = KeyStore::default();
        for (i, (ak, sk)) in pairs.iter().enumerate() {
            k.insert(ak, &format!("account{i}"), sk);
        }
        k
    }

    /// Every raw request of the capture folder (`NN-*.txt` and `vector-*.txt`, not the
    /// `.canonical.txt` companions), by file name.
    fn captures() -> Vec<(String, HttpRequest)> {
        let mut out: Vec<(String, HttpRequest)> = std::fs::read_dir(CAPTURES)
            .expect("the capture folder exists")
            .map(|e| e.expect("readable").file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".txt") && !n.ends_with(".canonical.txt"))
            .map(|n| {
                let raw = std::fs::read(format!("{CAPTURES}/{n}")).expect("readable");
                let req = HttpRequest::parse_raw(&raw).unwrap_or_else(|| panic!("{n} parses"));
                (n, req)
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(out.len(), 27, "24 captures and 3 vectors");
        out
    }

    fn date_of(req: &HttpRequest) -> u64 {
        parse_sdk_date(&req.get("X-Sdk-Date").expect("captures carry X-Sdk-Date")).expect("well formed")
    }

    fn both() -> KeyStore {
        keys(&[OWNER, RECIPIENT])
    }

    #[test]
    fn every_capture_verifies_at_its_own_date() {
        for (name, req) in captures() {
            let got = verify(&both(), &req, date_of(&req), true);
            if name.starts_with("21-") {
                let d = got.expect_err("21 was signed with a wrong secret");
                assert_eq!((d.status, d.code, d.label), (401, "APIGW.0301", "signature"), "{name}");
                assert!(d.message.ends_with("verify aksk signature fail"), "{}", d.message);
                let wrong = keys(&[(OWNER.0, "WRONG-SECRET")]);
                assert!(verify(&wrong, &req, date_of(&req), true).is_ok(), "21 verifies with WRONG-SECRET");
            } else {
                let caller = got.unwrap_or_else(|d| panic!("{name}: {d:?}"));
                assert!(caller.account.starts_with("account"), "{name}");
            }
        }
    }

    fn between_markers(text: &str, n: usize) -> String {
        let block = text.split("-----BEGIN-----\n").nth(n + 1).expect("marker");
        block.split("\n-----END-----").next().expect("end marker").to_string()
    }

    #[test]
    fn fixed_vectors_match_canonical_request_string_to_sign_and_signature() {
        for v in ["vector-A-batch-add-members", "vector-B-list-images-pending", "vector-C-show-job"] {
            let raw = std::fs::read(format!("{CAPTURES}/{v}.txt")).expect("vector");
            let req = HttpRequest::parse_raw(&raw).expect("parses");
            let text = std::fs::read_to_string(format!("{CAPTURES}/{v}.canonical.txt")).expect("canonical");
            let auth = parse_authorization(&req.get("Authorization").unwrap()).unwrap();
            let canonical = canonical_request(&req, &auth.signed_headers).unwrap();
            assert_eq!(canonical, between_markers(&text, 0), "{v}");
            let sts = string_to_sign("20240101T000000Z", &canonical);
            assert_eq!(sts, between_markers(&text, 1), "{v}");
            let expected = text.trim_end().lines().last().unwrap();
            assert_eq!(signature(OWNER.1, &sts), expected, "{v}");
            assert_eq!(auth.signature, expected, "{v}");
        }
    }

    #[test]
    fn go_sdk_vectors_sign_only_the_date() {
        let k = keys(&[("AccessKey", "SecretKey")]);
        let now = parse_sdk_date("20060102T150405Z").unwrap();
        let auth = |sig: &str| format!("SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature={sig}");
        let get = HttpRequest::new("GET", "/path?limit=1")
            .header("X-Sdk-Date", "20060102T150405Z")
            .header("Authorization", &auth("5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624"));
        assert!(verify(&k, &get, now, true).is_ok());
        let post = HttpRequest::new("POST", "/path?key=value")
            .header("X-Sdk-Date", "20060102T150405Z")
            .header("Host", "anything.example")
            .header("Authorization", &auth("cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59"))
            .body("{\"Name\":\"test\",\"Id\":1}\n");
        assert!(verify(&k, &post, now, true).is_ok());
    }

    #[test]
    fn encoded_query_and_unsigned_payload() {
        let caps = captures();
        let find = |p: &str| caps.iter().find(|(n, _)| n.starts_with(p)).map(|(_, r)| r.clone()).unwrap();
        let q = find("22-");
        assert_eq!(canonical_query(q.query()), "limit=10&name=my%20image%20%C3%BC%2B%2F~&protected=false&tag=k%3Dv");
        let patch = find("23-");
        let signed = parse_authorization(&patch.get("Authorization").unwrap()).unwrap().signed_headers;
        assert_eq!(payload_hash(&patch, &signed), UNSIGNED_PAYLOAD);
        // Decoding first: `%2F` in a segment is a real `/`; reserved characters are re-encoded.
        assert_eq!(canonical_uri("/v1/a%2Fb/c d/%7Bx%7D"), "/v1/a/b/c%20d/%7Bx%7D/");
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_query("b=2&a&a=1&&c=x+y"), "a=&a=1&b=2&c=x%2By");
    }

    fn tampered(req: &HttpRequest, f: impl FnOnce(&mut HttpRequest)) -> HttpRequest {
        let mut r = req.clone();
        f(&mut r);
        r
    }

    fn refused_as(d: Result<Caller, Denial>, label: &str) {
        let d = d.expect_err("refused");
        assert_eq!((d.status, d.code, d.label), (401, "APIGW.0301", label), "{}", d.message);
        assert!(d.message.starts_with("Incorrect IAM authentication information: "), "{}", d.message);
    }

    #[test]
    fn tampered_copies_are_refused() {
        for (name, req) in captures().into_iter().filter(|(n, _)| !n.starts_with("21-")) {
            let now = date_of(&req);
            // One signed header value.
            let r = tampered(&req, |r| {
                let ua = r.headers.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case("User-Agent")).unwrap();
                ua.1.push('x');
            });
            refused_as(verify(&both(), &r, now, true), "signature");
            // One body byte (requests with a body; an UNSIGNED-PAYLOAD body is not signed).
            if !req.body.is_empty() && req.get("X-Sdk-Content-Sha256").is_none() {
                let r = tampered(&req, |r| {
                    let mut b = r.body.to_vec();
                    b[1] ^= 0x01;
                    r.body = b.into();
                });
                refused_as(verify(&both(), &r, now, true), "signature");
            }
            // One path character.
            let r = tampered(&req, |r| {
                let path = r.path().to_string();
                let changed = format!("{}x", &path);
                r.target = r.target.replacen(&path, &changed, 1);
            });
            refused_as(verify(&both(), &r, now, true), "signature");
            // The wrong secret.
            let ak = parse_authorization(&req.get("Authorization").unwrap()).unwrap().access_key;
            refused_as(verify(&keys(&[(&ak, "not-the-secret")]), &req, now, true), "signature");
            // A signed header missing.
            let r = tampered(&req, |r| r.headers.retain(|(n, _)| !n.eq_ignore_ascii_case("Host")));
            refused_as(verify(&both(), &r, now, true), "signature");
            assert!(name.ends_with(".txt"));
        }
    }

    /// A request with a body, signed by the test signer over `signed` at `now`.
    fn signed_with_body(content_type: &str, declared: Option<&str>, body: &str, signed: &[&str]) -> HttpRequest {
        let mut req = HttpRequest::new("PATCH", "/v2/images/d164b5df")
            .header("Host", "127.0.0.1:33197")
            .header("Content-Type", content_type)
            .body(body);
        if let Some(d) = declared {
            req = req.header(CONTENT_SHA256, d);
        }
        sign(&mut req, OWNER.0, OWNER.1, signed, SIGNED_AT);
        req
    }

    const SIGNED_AT: u64 = 1_767_225_600;

    /// Issue 9: an unsigned `X-Sdk-Content-Sha256` was taken for the body's hash, so the body
    /// of a signed request could be swapped for another.
    #[test]
    fn a_declared_body_hash_counts_only_when_signed_and_true() {
        let (_, captured) = captures().into_iter().find(|(n, _)| n.starts_with("01-")).unwrap();
        let now = date_of(&captured);
        let original = codec::sha256_hex(&captured.body);
        let swapped = tampered(&captured, |r| {
            r.body = b"{\"members\":[\"someone-else\"]}".to_vec().into();
            r.headers.push((CONTENT_SHA256.into(), original.clone()));
        });
        refused_as(verify(&both(), &swapped, now, true), "signature");

        // Signed, a hex hash must be the received body's.
        let json = "application/json;charset=UTF-8";
        let with_hash = ["content-type", "host", "x-sdk-content-sha256", "x-sdk-date"];
        let hash = codec::sha256_hex(b"{\"a\":1}");
        let req = signed_with_body(json, Some(&hash), "{\"a\":1}", &with_hash);
        assert!(verify(&both(), &req, SIGNED_AT, true).is_ok());
        let upper = signed_with_body(json, Some(&hash.to_ascii_uppercase()), "{\"a\":1}", &with_hash);
        assert!(verify(&both(), &upper, SIGNED_AT, true).is_ok());
        let swapped = tampered(&req, |r| r.body = b"{\"a\":2}".to_vec().into());
        let d = verify(&both(), &swapped, SIGNED_AT, true).unwrap_err();
        assert!(d.message.ends_with("X-Sdk-Content-Sha256 is not the SHA-256 of the request body"), "{}", d.message);
        refused_as(Err(d), "signature");

        // UNSIGNED-PAYLOAD leaves the body out only when the client signed that choice.
        let patch = "application/openstack-images-v2.1-json-patch";
        let unsigned = signed_with_body(patch, Some(UNSIGNED_PAYLOAD), "[]", &["content-type", "host", "x-sdk-date"]);
        let d = verify(&both(), &unsigned, SIGNED_AT, true).unwrap_err();
        assert!(d.message.ends_with("X-Sdk-Content-Sha256 is sent but not signed"), "{}", d.message);
        refused_as(Err(d), "signature");
        let chosen = signed_with_body(patch, Some(UNSIGNED_PAYLOAD), "[]", &with_hash);
        assert!(verify(&both(), &tampered(&chosen, |r| r.body = b"[{}]".to_vec().into()), SIGNED_AT, true).is_ok());
        // Neither a hash nor UNSIGNED-PAYLOAD: not the body's hash.
        let odd = signed_with_body(json, Some("unsigned-payload"), "{}", &with_hash);
        refused_as(verify(&both(), &odd, SIGNED_AT, true), "signature");
    }

    #[test]
    fn unknown_key_missing_header_and_clock_skew() {
        let (_, req) = captures().into_iter().next().unwrap();
        let now = date_of(&req);
        let d = verify(&keys(&[RECIPIENT]), &req, now, true).unwrap_err();
        assert_eq!(
            d.message,
            "Incorrect IAM authentication information: Get secretKey failed,ak:OWNERAK0000EXAMPLE01,err:ak not exist"
        );
        refused_as(verify(&keys(&[RECIPIENT]), &req, now, false), "unknown-key");
        let bare = tampered(&req, |r| r.headers.retain(|(n, _)| n != "Authorization"));
        refused_as(verify(&both(), &bare, now, true), "unauthenticated");
        let other = tampered(&req, |r| {
            r.headers.iter_mut().find(|(n, _)| n == "Authorization").unwrap().1 = "V11-HMAC-SHA256 Credential=x".into();
        });
        refused_as(verify(&both(), &other, now, true), "signature");
        assert!(verify(&both(), &req, now + MAX_SKEW_SECS, true).is_ok());
        assert!(verify(&both(), &req, now - MAX_SKEW_SECS, true).is_ok());
        refused_as(verify(&both(), &req, now + MAX_SKEW_SECS + 1, true), "expired");
        refused_as(verify(&both(), &req, now - MAX_SKEW_SECS - 1, true), "expired");
        // Without signature checks a stale, tampered request passes; the key must still exist.
        let r = tampered(&req, |r| r.body = [&r.body[..], b" "].concat().into());
        assert!(verify(&both(), &r, 0, false).is_ok());
    }

    #[test]
    fn dates_and_authorization_headers() {
        assert_eq!(parse_sdk_date("20240101T000000Z"), Some(1_704_067_200));
        assert_eq!(format_sdk_date(1_704_067_200), "20240101T000000Z");
        for bad in ["", "20240101T000000", "2024-01-01T00:00:00Z", "20241301T000000Z", "2024010xT000000Z"] {
            assert_eq!(parse_sdk_date(bad), None, "{bad}");
        }
        assert!(parse_authorization("SDK-HMAC-SHA256 Access=A, SignedHeaders=x-sdk-date").is_err());
        assert!(parse_authorization("SDK-HMAC-SHA256").is_err());
        let a = parse_authorization("SDK-HMAC-SHA256 Access=A,SignedHeaders=h, Signature=s").unwrap();
        assert_eq!((a.access_key.as_str(), a.signed_headers.as_str(), a.signature.as_str()), ("A", "h", "s"));
    }

    #[test]
    fn the_test_signer_round_trips() {
        let mut req = HttpRequest::new("PUT", "/v1/cloudimages/members?x=%20y")
            .header("Host", "ims.cn-north-4.myhuaweicloud.com")
            .header("Content-Type", "application/json;charset=utf-8")
            .body("{}");
        sign(&mut req, OWNER.0, OWNER.1, &["host", "content-type", "x-sdk-date"], 1_767_225_600);
        assert!(verify(&both(), &req, 1_767_225_600, true).is_ok());
    }

    #[test]
    fn gateway_error_bodies() {
        let r = Denial::unknown_route().response("abc");
        assert_eq!(r.status, 404);
        assert_eq!(r.header("X-Request-Id"), Some("abc"));
        let body = r.json_body().unwrap();
        assert_eq!(body["error_code"], "APIGW.0101");
        assert_eq!(body["request_id"], "abc");
        assert!(body["error_msg"].as_str().unwrap().starts_with("The API does not exist"));
    }
}
