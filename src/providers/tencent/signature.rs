//! Tencent Cloud request signatures (providers/tencent.md §3): TC3-HMAC-SHA256 over POST JSON
//! bodies and GET query strings, and the legacy v1 `HmacSHA256`/`HmacSHA1` `Signature` parameter.
//!
//! The caller's account comes only from a key found in the endpoint's [`KeyStore`]; when the
//! endpoint does not verify signatures the key must still be known, everything else is skipped.
//!
//! [`KeyStore`]: crate::wire::KeyStore

use crate::clock::iso8601;
use crate::wire::codec;
use crate::wire::{Endpoint, HttpRequest};

pub const ALGORITHM: &str = "TC3-HMAC-SHA256";
/// The signing service of every CVM API.
pub const SERVICE: &str = "cvm";
/// The signing service of Lighthouse's API (the CVM-image hand-over is served beside CVM's).
pub const LIGHTHOUSE_SERVICE: &str = "lighthouse";
/// How far `X-TC-Timestamp` (or `Timestamp`) may be from the server's clock.
pub const WINDOW_SECS: u64 = 5 * 60;
/// `X-TC-Content-SHA256` value that leaves the body out of the signature.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

pub const SIGNATURE_FAILURE: &str =
    "The provided credentials could not be validated. Please check your signature is correct.";

/// A verified caller: the account behind the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub secret_id: String,
    pub account: String,
}

/// Why authentication failed: Tencent's code and message, and the journal's word for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError {
    pub code: &'static str,
    pub message: String,
    /// `x-sharesim-outcome` and the journal decision.
    pub outcome: &'static str,
}

impl AuthError {
    fn malformed(detail: &str) -> AuthError {
        AuthError {
            code: "AuthFailure.InvalidAuthorization",
            message: format!(
                "The Authorization in the request header does not meet the Tencent Cloud standard ({detail})."
            ),
            outcome: "malformed-authorization",
        }
    }

    fn unknown_key(id: &str) -> AuthError {
        AuthError {
            code: "AuthFailure.SecretIdNotFound",
            message: format!(
                "The SecretId `{id}` does not exist or is disabled. Check that it is entered correctly, without spaces."
            ),
            outcome: "unknown-key",
        }
    }

    fn expired(ts: u64, now: u64) -> AuthError {
        AuthError {
            code: "AuthFailure.SignatureExpire",
            message: format!(
                "Signature expired. Timestamp {ts} and server time {now} differ by more than 5 minutes. \
                 Please ensure your current local time matches the standard time."
            ),
            outcome: "expired",
        }
    }

    fn mismatch() -> AuthError {
        AuthError { code: "AuthFailure.SignatureFailure", message: SIGNATURE_FAILURE.into(), outcome: "signature" }
    }

    fn parameter(code: &'static str, message: String) -> AuthError {
        AuthError { code, message, outcome: "InvalidParameter" }
    }
}

// ----- TC3-HMAC-SHA256 ---------------------------------------------------------------------------

/// The parts of `Authorization: TC3-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub secret_id: String,
    pub date: String,
    pub service: String,
    /// Lowercase header names, in the order given.
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// Parses an `Authorization` header value; the error says what is wrong with it.
pub fn parse_authorization(value: &str) -> Result<Authorization, String> {
    let rest = value
        .trim()
        .strip_prefix(ALGORITHM)
        .filter(|r| r.starts_with(' '))
        .ok_or_else(|| format!("it must start with `{ALGORITHM} `"))?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim();
        let (k, v) = part.split_once('=').ok_or_else(|| format!("`{part}` is not `Name=value`"))?;
        let slot = match k {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed,
            "Signature" => &mut signature,
            _ => return Err(format!("unknown field `{k}`")),
        };
        if slot.replace(v.to_string()).is_some() {
            return Err(format!("`{k}` is given twice"));
        }
    }
    let credential = credential.ok_or("Credential is missing")?;
    let signed = signed.ok_or("SignedHeaders is missing")?;
    let signature = signature.ok_or("Signature is missing")?;
    let scope: Vec<&str> = credential.split('/').collect();
    let [id, date, service, terminator] = scope[..] else {
        return Err("Credential must be SecretId/Date/Service/tc3_request".into());
    };
    if id.is_empty() || terminator != "tc3_request" {
        return Err("Credential must be SecretId/Date/Service/tc3_request".into());
    }
    let signed_headers: Vec<String> = signed.split(';').map(str::to_string).collect();
    if signed_headers.iter().any(|h| h.is_empty() || h.bytes().any(|b| b.is_ascii_uppercase() || b == b' ')) {
        return Err("SignedHeaders must be lowercase header names joined by `;`".into());
    }
    for needed in ["content-type", "host"] {
        if !signed_headers.iter().any(|h| h == needed) {
            return Err(format!("SignedHeaders must include `{needed}`"));
        }
    }
    if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err("Signature must be 64 lowercase hex digits".into());
    }
    Ok(Authorization {
        secret_id: id.to_string(),
        date: date.to_string(),
        service: service.to_string(),
        signed_headers,
        signature,
    })
}

/// The TC3 canonical request. `lowercase_values` follows the documentation (header values
/// lowercased); the SDKs sign values as sent, which is the same for their lowercase values.
pub fn canonical_request(req: &HttpRequest, signed_headers: &[String], lowercase_values: bool) -> String {
    let method = req.method.to_ascii_uppercase();
    let query = if method == "GET" { req.query() } else { "" };
    let mut headers = String::new();
    for name in signed_headers {
        let value = req.get(name).unwrap_or_default();
        let value = value.trim();
        headers.push_str(name);
        headers.push(':');
        if lowercase_values {
            headers.push_str(&value.to_lowercase());
        } else {
            headers.push_str(value);
        }
        headers.push('\n');
    }
    let unsigned = req.get("X-TC-Content-SHA256").is_some_and(|v| v.trim().eq_ignore_ascii_case(UNSIGNED_PAYLOAD));
    let payload = if unsigned {
        codec::sha256_hex(UNSIGNED_PAYLOAD.as_bytes())
    } else if method == "GET" {
        codec::sha256_hex(b"")
    } else {
        codec::sha256_hex(&req.body)
    };
    format!("{method}\n/\n{query}\n{headers}\n{}\n{payload}", signed_headers.join(";"))
}

pub fn string_to_sign(timestamp: &str, date: &str, service: &str, canonical: &str) -> String {
    format!("{ALGORITHM}\n{timestamp}\n{date}/{service}/tc3_request\n{}", codec::sha256_hex(canonical.as_bytes()))
}

/// `hex(HMAC(kSigning, StringToSign))` with the TC3 key derivation.
pub fn tc3_signature(secret: &str, date: &str, service: &str, string_to_sign: &str) -> String {
    let signing_key = || {
        let k_date = codec::hmac_sha256(format!("TC3{secret}").as_bytes(), date.as_bytes());
        let k_service = codec::hmac_sha256(&k_date, service.as_bytes());
        codec::hmac_sha256(&k_service, b"tc3_request")
    };
    let id = format!("tc3\0{secret}\0{date}\0{service}");
    codec::hex(&codec::hmac_sha256_keyed(&id, signing_key, string_to_sign.as_bytes()))
}

/// The UTC date (`YYYY-MM-DD`) of a Unix timestamp.
pub fn utc_date(ts: u64) -> String {
    iso8601(ts)[..10].to_string()
}

fn parse_timestamp(raw: Option<String>, name: &str) -> Result<u64, AuthError> {
    let raw = raw.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).ok_or_else(|| {
        AuthError::parameter("MissingParameter", format!("The request is missing a required parameter `{name}`."))
    })?;
    raw.parse::<u64>().map_err(|_| {
        AuthError::parameter(
            "InvalidParameter",
            format!("The value `{raw}` of parameter `{name}` is not a Unix timestamp in seconds."),
        )
    })
}

fn check_fresh(ts: u64, now: u64) -> Result<(), AuthError> {
    if ts.abs_diff(now) > WINDOW_SECS { Err(AuthError::expired(ts, now)) } else { Ok(()) }
}

/// Verifies a TC3-HMAC-SHA256 request (the `Authorization` header must be present) signed for
/// `service` (`cvm`, or `lighthouse` for Lighthouse's API): the scope's service is signed, so a
/// request signed for one service never passes as the other's.
pub fn verify_tc3(ep: &Endpoint, req: &HttpRequest, now: u64, service: &str) -> Result<Caller, AuthError> {
    let header = req.get("Authorization").unwrap_or_default();
    let auth = parse_authorization(&header).map_err(|e| AuthError::malformed(&e))?;
    let key = ep.keys().get(&auth.secret_id).ok_or_else(|| AuthError::unknown_key(&auth.secret_id))?;
    let caller = Caller { secret_id: auth.secret_id.clone(), account: key.account.clone() };
    if !ep.verify_signatures() {
        return Ok(caller);
    }
    let ts = parse_timestamp(req.get("X-TC-Timestamp").map(|v| v.into_owned()), "X-TC-Timestamp")?;
    check_fresh(ts, now)?;
    let host = req.get("Host").map(|h| h.trim().to_string()).unwrap_or_default();
    let scope_ok = auth.service == service || sdk_scope_of_local_host(&host) == Some(auth.service.as_str());
    if !scope_ok || auth.date != utc_date(ts) {
        // The credential scope is part of what is signed: a wrong date or service cannot match.
        return Err(AuthError::mismatch());
    }
    let ts = ts.to_string();
    if signed_as(req, &auth, &key.secret, &ts) {
        return Ok(caller);
    }
    // The Node.js SDK signs `host` without the port its HTTP client then sends.
    if let Some(name) = codec::host_without_port(&host)
        && name != host
    {
        let mut portless = req.clone();
        portless.headers.retain(|(n, _)| !n.eq_ignore_ascii_case("Host"));
        portless.headers.push(("Host".into(), name.to_string()));
        if signed_as(&portless, &auth, &key.secret, &ts) {
            return Ok(caller);
        }
    }
    Err(AuthError::mismatch())
}

/// The TC3 service the official Node.js SDK puts in its credential scope when pointed at a
/// local endpoint: the first dot-separated label of the endpoint as configured (`127` for
/// `127.0.0.1:PORT`, `localhost:PORT` for `localhost:PORT`). Accepted only for hosts that are
/// not Tencent's own names, so a scope for another Tencent service never opens CVM; the
/// signature still covers the scope, so nothing else is relaxed.
pub fn sdk_scope_of_local_host(host: &str) -> Option<&str> {
    let name = codec::host_without_port(host)?;
    let local = name.eq_ignore_ascii_case("localhost") || codec::host_ip(name).is_some();
    local.then(|| host.split('.').next().unwrap_or(host))
}

/// Whether `auth.signature` is the TC3 signature of `req` (values as documented, lowercased,
/// or as sent: SDKs do not lowercase values).
fn signed_as(req: &HttpRequest, auth: &Authorization, secret: &str, ts: &str) -> bool {
    let as_documented = canonical_request(req, &auth.signed_headers, true);
    let expected = tc3_signature(
        secret,
        &auth.date,
        &auth.service,
        &string_to_sign(ts, &auth.date, &auth.service, &as_documented),
    );
    if codec::same(&expected, &auth.signature) {
        return true;
    }
    let as_sent = canonical_request(req, &auth.signed_headers, false);
    as_sent != as_documented && {
        let expected =
            tc3_signature(secret, &auth.date, &auth.service, &string_to_sign(ts, &auth.date, &auth.service, &as_sent));
        codec::same(&expected, &auth.signature)
    }
}

// ----- legacy v1 (HmacSHA256 / HmacSHA1) -------------------------------------------------------

/// The v1 parameters that are not the operation's own.
pub const LEGACY_COMMON: &[&str] = &[
    "Action",
    "Version",
    "Region",
    "Timestamp",
    "Nonce",
    "SecretId",
    "SignatureMethod",
    "Signature",
    "Language",
    "RequestClient",
    "Token",
];

/// `Method + Host + Path + "?" + k=v&…` over decoded values sorted by key, `Signature` left out,
/// `_` in keys written as `.` (as the SDK does).
pub fn legacy_string_to_sign(method: &str, host: &str, path: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().filter(|(k, _)| k != "Signature").collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let joined: Vec<String> = sorted.iter().map(|(k, v)| format!("{}={v}", k.replace('_', "."))).collect();
    format!("{}{host}{path}?{}", method.to_ascii_uppercase(), joined.join("&"))
}

pub fn legacy_signature(secret: &str, method: &str, string_to_sign: &str) -> Option<String> {
    match method {
        "HmacSHA256" => Some(codec::base64(&codec::hmac_sha256(secret.as_bytes(), string_to_sign.as_bytes()))),
        "HmacSHA1" => Some(codec::base64(&codec::hmac_sha1(secret.as_bytes(), string_to_sign.as_bytes()))),
        _ => None,
    }
}

/// Verifies a v1 request whose decoded parameters (query or form body) are `params`.
pub fn verify_legacy(
    ep: &mut Endpoint,
    req: &HttpRequest,
    params: &[(String, String)],
    now: u64,
) -> Result<Caller, AuthError> {
    let get = |name: &str| params.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let id = get("SecretId").filter(|s| !s.is_empty()).ok_or_else(|| {
        AuthError::parameter("MissingParameter", "The request is missing a required parameter `SecretId`.".into())
    })?;
    let key = ep.keys().get(&id).ok_or_else(|| AuthError::unknown_key(&id))?.clone();
    let caller = Caller { secret_id: id.clone(), account: key.account };
    if !ep.verify_signatures() {
        return Ok(caller);
    }
    let signature = get("Signature").filter(|s| !s.is_empty()).ok_or_else(|| {
        AuthError::parameter("MissingParameter", "The request is missing a required parameter `Signature`.".into())
    })?;
    let method = get("SignatureMethod").unwrap_or_else(|| "HmacSHA1".into());
    let ts = parse_timestamp(get("Timestamp"), "Timestamp")?;
    check_fresh(ts, now)?;
    let to_sign = legacy_string_to_sign(&req.method, &req.get("Host").unwrap_or_default(), req.path(), params);
    let expected = legacy_signature(&key.secret, &method, &to_sign).ok_or_else(|| {
        AuthError::parameter(
            "InvalidParameterValue",
            format!("The value `{method}` of parameter `SignatureMethod` is not HmacSHA256 or HmacSHA1."),
        )
    })?;
    if !codec::same(&expected, &signature) {
        return Err(AuthError::mismatch());
    }
    let nonce = get("Nonce").unwrap_or_default();
    if !ep.fresh_nonce(&format!("tencent/{id}/{nonce}"), now) {
        return Err(AuthError {
            code: "AuthFailure.SignatureFailure",
            message: format!("The Nonce `{nonce}` was already used with this SecretId; sign each request anew."),
            outcome: "replay",
        });
    }
    Ok(caller)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A POST signed as the official Node.js SDK signs it when its endpoint is `endpoint`:
    /// `host` without the port, and the scope's service the endpoint's first dot label.
    fn node_sdk_request(endpoint: &str, secret: &str, now: u64) -> HttpRequest {
        let hostname = endpoint.rsplit_once(':').map_or(endpoint, |(h, _)| h);
        let service = endpoint.split('.').next().unwrap_or(endpoint);
        let body = br#"{"ImageId":"img-1"}"#.to_vec();
        let signed = HttpRequest::new("POST", "/")
            .header("Content-Type", "application/json; charset=utf-8")
            .header("Host", hostname)
            .body(body.clone());
        let date = utc_date(now);
        let creq = canonical_request(&signed, &["content-type".into(), "host".into()], false);
        let sig = tc3_signature(secret, &date, service, &string_to_sign(&now.to_string(), &date, service, &creq));
        HttpRequest::new("POST", "/")
            .header("Content-Type", "application/json; charset=utf-8")
            .header("Host", endpoint)
            .header(
                "Authorization",
                &format!(
                    "TC3-HMAC-SHA256 Credential=AKIDnode/{date}/{service}/tc3_request, SignedHeaders=content-type;host, Signature={sig}"
                ),
            )
            .header("X-TC-Timestamp", &now.to_string())
            .body(body)
    }

    fn node_endpoint() -> Endpoint {
        let mut engine = crate::engine::Engine::new(crate::providers::Provider::Tencent, 0);
        engine.add_account("owner").unwrap();
        let mut keys = crate::wire::KeyStore::default();
        keys.insert("AKIDnode", "owner", "node-secret");
        Endpoint::new(engine, keys, true)
    }

    #[test]
    fn the_node_sdk_pointed_at_a_local_endpoint_verifies() {
        let now = 1_767_225_600;
        let ep = node_endpoint();
        for endpoint in ["127.0.0.1:18001", "localhost:18001", "127.0.0.1"] {
            let req = node_sdk_request(endpoint, "node-secret", now);
            assert!(verify_tc3(&ep, &req, now, SERVICE).is_ok(), "{endpoint}");
            let wrong = node_sdk_request(endpoint, "other-secret", now);
            assert_eq!(
                verify_tc3(&ep, &wrong, now, SERVICE).unwrap_err().code,
                "AuthFailure.SignatureFailure",
                "{endpoint}"
            );
        }
    }

    #[test]
    fn a_local_scope_opens_nothing_on_tencents_own_host_names() {
        assert_eq!(sdk_scope_of_local_host("127.0.0.1:18001"), Some("127"));
        assert_eq!(sdk_scope_of_local_host("localhost:18001"), Some("localhost:18001"));
        assert_eq!(sdk_scope_of_local_host("cvm.tencentcloudapi.com"), None);
        assert_eq!(sdk_scope_of_local_host("lighthouse.tencentcloudapi.com"), None);
        // A request to a Tencent host name signed for its first label (`lighthouse`) is refused.
        let now = 1_767_225_600;
        let req = node_sdk_request("lighthouse.tencentcloudapi.com", "node-secret", now);
        assert_eq!(verify_tc3(&node_endpoint(), &req, now, SERVICE).unwrap_err().code, "AuthFailure.SignatureFailure");
    }

    #[test]
    fn parses_the_sdk_header() {
        let a = parse_authorization(
            "TC3-HMAC-SHA256 Credential=AKIDx/2026-11-22/cvm/tc3_request, SignedHeaders=content-type;host, \
             Signature=b8619b7ca8212fb4d120b87d0739c8741484cc3a4a7723e8fd79809df1a7c795",
        )
        .unwrap();
        assert_eq!((a.secret_id.as_str(), a.date.as_str(), a.service.as_str()), ("AKIDx", "2026-11-22", "cvm"));
        assert_eq!(a.signed_headers, vec!["content-type", "host"]);
    }

    #[test]
    fn refuses_malformed_headers() {
        let sig = "b8619b7ca8212fb4d120b87d0739c8741484cc3a4a7723e8fd79809df1a7c795";
        for bad in [
            String::new(),
            "TC3-HMAC-SHA256".into(),
            format!(
                "HMAC-SHA256 Credential=A/2026-11-22/cvm/tc3_request, SignedHeaders=content-type;host, Signature={sig}"
            ),
            format!("TC3-HMAC-SHA256 Credential=A/2026-11-22/cvm, SignedHeaders=content-type;host, Signature={sig}"),
            format!(
                "TC3-HMAC-SHA256 Credential=/2026-11-22/cvm/tc3_request, SignedHeaders=content-type;host, Signature={sig}"
            ),
            format!("TC3-HMAC-SHA256 Credential=A/2026-11-22/cvm/tc3_request, SignedHeaders=host, Signature={sig}"),
            format!(
                "TC3-HMAC-SHA256 Credential=A/2026-11-22/cvm/tc3_request, SignedHeaders=Content-Type;host, Signature={sig}"
            ),
            "TC3-HMAC-SHA256 Credential=A/2026-11-22/cvm/tc3_request, SignedHeaders=content-type;host, Signature=xyz"
                .into(),
            "TC3-HMAC-SHA256 Credential=A/2026-11-22/cvm/tc3_request, SignedHeaders=content-type;host".into(),
            format!(
                "TC3-HMAC-SHA256 Credential=A/2026-11-22/cvm/tc3_request, Credential=B/2026-11-22/cvm/tc3_request, SignedHeaders=content-type;host, Signature={sig}"
            ),
            format!(
                "TC3-HMAC-SHA256 Credential=A/2026-11-22/cvm/tc3_request, SignedHeaders=content-type;host, Signature={sig}, Extra=1"
            ),
        ] {
            assert!(parse_authorization(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_are_utc() {
        assert_eq!(utc_date(1_795_338_582), "2026-11-22");
        assert_eq!(utc_date(0), "1970-01-01");
    }

    #[test]
    fn legacy_string_follows_the_sdk() {
        let params = vec![
            ("B".to_string(), "x y".to_string()),
            ("A_b".to_string(), "1".to_string()),
            ("Signature".to_string(), "zzz".to_string()),
        ];
        assert_eq!(legacy_string_to_sign("post", "h:1", "/", &params), "POSTh:1/?A.b=1&B=x y");
        assert!(legacy_signature("k", "HmacMD5", "x").is_none());
    }
}
