//! Alibaba Cloud's two request signatures, verified server side (providers/alibaba.md §3):
//!
//! * **ACS3-HMAC-SHA256** (tea SDK default): an `Authorization` header over a canonical request
//!   of method, path, sorted query, the headers the client lists, and the body's SHA-256.
//! * **RPC signature v1, HMAC-SHA1** (core SDK; tea with `signature_algorithm='v2'`): a
//!   `Signature` parameter over `METHOD&%2F&pct(sorted query)`, keyed with `secret + "&"`.
//!
//! The caller's account comes only from the access key: [`authenticate`] looks the key up in the
//! endpoint's [`KeyStore`](crate::wire::KeyStore), and, when the endpoint verifies signatures,
//! checks the signature (constant-time), the timestamp (15 minutes either side of `now`) and the
//! nonce (unused within the window).

use crate::wire::{Endpoint, HttpRequest, codec};

/// The ACS3 algorithm name, the first word of the `Authorization` header.
pub const ACS3: &str = "ACS3-HMAC-SHA256";
/// How far a request's timestamp may be from the server's clock.
pub const WINDOW_SECS: u64 = 15 * 60;

/// Which signature a request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Acs3,
    RpcV1,
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub key_id: String,
    /// The account the key belongs to: the engine's actor.
    pub account: String,
    pub scheme: Scheme,
}

/// Why a request was not authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// A mandatory parameter (`AccessKeyId`, `Signature`, `SignatureNonce` …) is absent.
    Missing(&'static str),
    /// The signature fields are malformed or use an unknown algorithm.
    Incomplete,
    /// A header that decides what the request does (`host`, an `x-acs-*` header, the
    /// `content-type` of a form body) is sent but not signed.
    Unsigned(String),
    /// The access key ID is not in the key store.
    UnknownKey,
    /// The signature does not match; carries the server's string-to-sign.
    Mismatch { scheme: Scheme, string_to_sign: String },
    /// The timestamp (`Timestamp`, `x-acs-date`) is absent, unreadable, or more than 15 minutes
    /// from the server's clock.
    Timestamp(Stamp),
    /// The nonce was used within the window.
    NonceUsed,
}

impl AuthError {
    /// Status, code and message as ECS answers them (providers/alibaba.md §3.3).
    pub fn wire(&self) -> (u16, &'static str, String) {
        match self {
            AuthError::Missing(name) => (400, "MissingParameter", missing_message(name)),
            AuthError::Incomplete => {
                (400, "IncompleteSignature", "The request signature does not conform to Aliyun standards.".into())
            }
            AuthError::Unsigned(header) => (400, "IncompleteSignature", unsigned_message(header)),
            AuthError::UnknownKey => (404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.".into()),
            // The core SDK splits the message at ':' and compares the rest with its own
            // string-to-sign; a v1 string-to-sign holds no raw ':'.
            AuthError::Mismatch { scheme: Scheme::RpcV1, string_to_sign } => (
                400,
                "SignatureDoesNotMatch",
                format!(
                    "Specified signature does not match our calculation. server string to sign is:{string_to_sign}"
                ),
            ),
            AuthError::Mismatch { scheme: Scheme::Acs3, string_to_sign } => (
                400,
                "SignatureDoesNotMatch",
                format!(
                    "Specified signature does not match our calculation. server StringToSign is [{string_to_sign}]"
                ),
            ),
            // IllegalTimestamp is the only timestamp error in our sources ([DOC-2018], with the
            // message for a missing one); the other two messages are not in our sources.
            AuthError::Timestamp(Stamp::Missing) => (400, "IllegalTimestamp", missing_message("Timestamp")),
            AuthError::Timestamp(Stamp::Malformed) => (
                400,
                "IllegalTimestamp",
                "The specified parameter \"Timestamp\" is not valid: use the format yyyy-MM-ddTHH:mm:ssZ (UTC).".into(),
            ),
            AuthError::Timestamp(Stamp::OutOfWindow) => (
                400,
                "IllegalTimestamp",
                "Specified time stamp or date value is expired: it must be within 15 minutes of the server time."
                    .into(),
            ),
            AuthError::NonceUsed => (400, "SignatureNonceUsed", "The request signature nonce has been used.".into()),
        }
    }

    /// The journal's word for this refusal (also the `x-sharesim-outcome` header).
    pub fn decision(&self) -> &'static str {
        match self {
            AuthError::Missing(_) | AuthError::Incomplete | AuthError::Unsigned(_) => "incomplete-signature",
            AuthError::UnknownKey => "unknown-key",
            AuthError::Mismatch { .. } => "signature",
            AuthError::Timestamp(_) => "timestamp",
            AuthError::NonceUsed => "nonce-used",
        }
    }
}

/// What is wrong with a request's timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    Missing,
    Malformed,
    OutOfWindow,
}

/// `IncompleteSignature`'s message for a header the signature leaves out. ECS's own message has
/// no detail (providers/alibaba.md §3.3); naming the header tells the caller what to sign.
pub fn unsigned_message(header: &str) -> String {
    format!("The request signature does not conform to Aliyun standards: the header \"{header}\" is not signed.")
}

/// Which signature a request carries: an `ACS3-…` `Authorization` header, else (signed or not)
/// the v1 parameters. The adapter takes the action and version from what this scheme signs.
pub fn scheme(req: &HttpRequest) -> Scheme {
    match req.get("Authorization") {
        Some(v) if v.trim_start().starts_with("ACS3-") => Scheme::Acs3,
        _ => Scheme::RpcV1,
    }
}

/// Whether the body's form parameters are parameters of the request: v1 signs them with the
/// query, and ACS3 covers them only if `content-type` is signed too.
pub fn is_form(req: &HttpRequest) -> bool {
    !req.body.is_empty()
        && req
            .get("Content-Type")
            .is_some_and(|t| t.trim().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"))
}

/// `MissingParameter`'s message for a parameter.
pub fn missing_message(name: &str) -> String {
    format!("The input parameter \"{name}\" that is mandatory for processing this request is not supplied.")
}

// ----- ACS3-HMAC-SHA256 ----------------------------------------------------------------------

/// The fields of an `ACS3-HMAC-SHA256` `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acs3Header {
    pub key_id: String,
    /// As the client listed them (lowercase, sorted by the client).
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// Parses `ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<a;b>,Signature=<hex>`; `None` when
/// the algorithm is another or a field is missing.
pub fn parse_acs3(value: &str) -> Option<Acs3Header> {
    let rest = value.trim().strip_prefix(ACS3)?;
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let (mut key_id, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k.trim() {
            "Credential" => key_id = Some(v.trim().to_string()),
            "SignedHeaders" => signed = Some(v.trim().to_string()),
            "Signature" => signature = Some(v.trim().to_string()),
            _ => {}
        }
    }
    let (key_id, signed, signature) = (key_id?, signed?, signature?);
    let signed_headers: Vec<String> = signed.split(';').filter(|h| !h.is_empty()).map(str::to_string).collect();
    if key_id.is_empty() || signature.is_empty() || signed_headers.is_empty() {
        return None;
    }
    Some(Acs3Header { key_id, signed_headers, signature })
}

/// Decoded query pairs (`+` is a space), sorted by key then value, each RFC 3986-encoded and
/// joined as `k=v&…`. Both signatures canonicalize the query this way (§3.1.4, §3.2.3).
pub fn canonical_query<'a>(pairs: impl IntoIterator<Item = &'a (String, String)>) -> String {
    let mut pairs: Vec<&(String, String)> = pairs.into_iter().collect();
    pairs.sort();
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&codec::encode(k));
        out.push('=');
        out.push_str(&codec::encode(v));
    }
    out
}

/// The ACS3 canonical request (§3.1.6) for the headers the client signed and a payload hash.
pub fn acs3_canonical_request(req: &HttpRequest, signed_headers: &[String], hashed_payload: &str) -> String {
    let path = if req.path().is_empty() { "/" } else { req.path() };
    let query = canonical_query(&codec::query_pairs(req.query()));
    let mut out = String::with_capacity(512);
    for part in [req.method.as_str(), "\n", path, "\n", &query, "\n"] {
        out.push_str(part);
    }
    for h in signed_headers {
        out.push_str(&h.to_ascii_lowercase());
        out.push(':');
        out.push_str(req.get(h).unwrap_or_default().trim());
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&signed_headers.join(";"));
    out.push('\n');
    out.push_str(hashed_payload);
    out
}

/// `ACS3-HMAC-SHA256\n` + the canonical request's SHA-256 in hex.
pub fn acs3_string_to_sign(canonical_request: &str) -> String {
    format!("{ACS3}\n{}", codec::sha256_hex(canonical_request.as_bytes()))
}

/// The hex HMAC-SHA256 of the string-to-sign under the secret.
pub fn acs3_sign(secret: &str, string_to_sign: &str) -> String {
    let id = format!("acs3\0{secret}");
    codec::hex(&codec::hmac_sha256_keyed(&id, || secret.as_bytes().to_vec(), string_to_sign.as_bytes()))
}

// ----- RPC signature v1 ----------------------------------------------------------------------

/// v1's canonicalized query: every parameter but `Signature`, empty ones included (§3.2).
pub fn v1_canonical_query(params: &[(String, String)]) -> String {
    canonical_query(params.iter().filter(|(k, _)| k != "Signature"))
}

/// `METHOD&%2F&pct(canonicalized query)`.
pub fn v1_string_to_sign(method: &str, params: &[(String, String)]) -> String {
    format!("{method}&{}&{}", codec::encode("/"), codec::encode(&v1_canonical_query(params)))
}

/// base64(HMAC-SHA1(secret + "&", string-to-sign)).
pub fn v1_sign(secret: &str, string_to_sign: &str) -> String {
    codec::base64(&codec::hmac_sha1(format!("{secret}&").as_bytes(), string_to_sign.as_bytes()))
}

// ----- verification --------------------------------------------------------------------------

/// Identifies and, when the endpoint verifies signatures, authenticates the caller.
/// `params` are the request's decoded parameters (query, then a form body's).
pub fn authenticate(
    ep: &mut Endpoint,
    req: &HttpRequest,
    params: &[(String, String)],
    now: u64,
) -> Result<Caller, AuthError> {
    let authorization = req.get("Authorization");
    if let (Scheme::Acs3, Some(value)) = (scheme(req), authorization.as_deref()) {
        return acs3(ep, req, value, now);
    }
    let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty());
    let Some(key_id) = param("AccessKeyId") else {
        // An Authorization header of another scheme is a malformed signature, not a missing one.
        return Err(if authorization.is_some() { AuthError::Incomplete } else { AuthError::Missing("AccessKeyId") });
    };
    let key = ep.keys().get(key_id).cloned().ok_or(AuthError::UnknownKey)?;
    let caller = Caller { key_id: key_id.to_string(), account: key.account.clone(), scheme: Scheme::RpcV1 };
    if !ep.verify_signatures() {
        return Ok(caller);
    }
    let given = param("Signature").ok_or(AuthError::Missing("Signature"))?;
    if !matches!(param("SignatureMethod"), None | Some("HMAC-SHA1"))
        || !matches!(param("SignatureVersion"), None | Some("1.0"))
    {
        return Err(AuthError::Incomplete);
    }
    let string_to_sign = v1_string_to_sign(&req.method, params);
    // A `+` sent unencoded arrives as a space; base64 has no spaces.
    let given = given.replace(' ', "+");
    if !codec::same(&v1_sign(&key.secret, &string_to_sign), &given) {
        return Err(AuthError::Mismatch { scheme: Scheme::RpcV1, string_to_sign });
    }
    fresh(ep, key_id, param("Timestamp"), param("SignatureNonce"), "SignatureNonce", now)?;
    Ok(caller)
}

fn acs3(ep: &mut Endpoint, req: &HttpRequest, value: &str, now: u64) -> Result<Caller, AuthError> {
    let auth = parse_acs3(value).ok_or(AuthError::Incomplete)?;
    let key = ep.keys().get(&auth.key_id).cloned().ok_or(AuthError::UnknownKey)?;
    let caller = Caller { key_id: auth.key_id.clone(), account: key.account.clone(), scheme: Scheme::Acs3 };
    if !ep.verify_signatures() {
        return Ok(caller);
    }
    if let Some(header) = unsigned_deciding_header(req, &auth.signed_headers) {
        return Err(AuthError::Unsigned(header));
    }
    let claimed = req.get("x-acs-content-sha256").ok_or(AuthError::Incomplete)?;
    let body_hash = codec::sha256_hex(&req.body);
    let string_to_sign = acs3_string_to_sign(&acs3_canonical_request(req, &auth.signed_headers, &body_hash));
    let matches = codec::same(&claimed.trim().to_ascii_lowercase(), &body_hash)
        && codec::same(&acs3_sign(&key.secret, &string_to_sign), &auth.signature.to_ascii_lowercase());
    if !matches {
        return Err(AuthError::Mismatch { scheme: Scheme::Acs3, string_to_sign });
    }
    let (date, nonce) = (req.get("x-acs-date"), req.get("x-acs-signature-nonce"));
    fresh(ep, &auth.key_id, date.as_deref(), nonce.as_deref().filter(|n| !n.is_empty()), "x-acs-signature-nonce", now)?;
    Ok(caller)
}

/// The first header that must be signed and is not: `host`, every `x-acs-*` header sent (the
/// action and version among them), and `content-type` when a form body carries parameters.
fn unsigned_deciding_header(req: &HttpRequest, signed_headers: &[String]) -> Option<String> {
    let signed = |name: &str| signed_headers.iter().any(|h| h.eq_ignore_ascii_case(name));
    if !signed("host") {
        return Some("host".into());
    }
    let acs = req.headers.iter().map(|(n, _)| n.to_ascii_lowercase()).find(|n| n.starts_with("x-acs-") && !signed(n));
    if acs.is_some() {
        return acs;
    }
    (is_form(req) && !signed("content-type")).then(|| "content-type".into())
}

/// Checks the timestamp window, then records the nonce (only for a verified signature, so a
/// forged request cannot burn someone's nonce).
fn fresh(
    ep: &mut Endpoint,
    key_id: &str,
    timestamp: Option<&str>,
    nonce: Option<&str>,
    nonce_name: &'static str,
    now: u64,
) -> Result<(), AuthError> {
    let timestamp = timestamp.map(str::trim).filter(|t| !t.is_empty());
    let timestamp = timestamp.ok_or(AuthError::Timestamp(Stamp::Missing))?;
    let t = crate::clock::parse_iso8601(timestamp).ok_or(AuthError::Timestamp(Stamp::Malformed))?;
    if t.abs_diff(now) > WINDOW_SECS {
        return Err(AuthError::Timestamp(Stamp::OutOfWindow));
    }
    let nonce = nonce.ok_or(AuthError::Missing(nonce_name))?;
    if !ep.fresh_nonce(&format!("{key_id}:{nonce}"), now) {
        return Err(AuthError::NonceUsed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_authorization_header() {
        let h = parse_acs3("ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host;x-acs-date,Signature=ab").unwrap();
        assert_eq!(h.key_id, "AK");
        assert_eq!(h.signed_headers, ["host", "x-acs-date"]);
        assert_eq!(h.signature, "ab");
        for bad in [
            "ACS3-HMAC-SHA256Credential=AK,SignedHeaders=host,Signature=ab",
            "ACS3-HMAC-SM3 Credential=AK,SignedHeaders=host,Signature=ab",
            "ACS3-HMAC-SHA256 Credential=AK,Signature=ab",
            "ACS3-HMAC-SHA256 Credential=,SignedHeaders=host,Signature=ab",
            "ACS3-HMAC-SHA256 garbage",
        ] {
            assert_eq!(parse_acs3(bad), None, "{bad}");
        }
    }

    #[test]
    fn canonical_query_sorts_bytewise_and_encodes() {
        let pairs = codec::query_pairs("b=2&AddAccount.2=x&AddAccount.10=y&a=x+y*~&e=");
        assert_eq!(canonical_query(&pairs), "AddAccount.10=y&AddAccount.2=x&a=x%20y%2A~&b=2&e=");
    }

    #[test]
    fn every_auth_error_has_a_wire_form() {
        for e in [
            AuthError::Missing("AccessKeyId"),
            AuthError::Incomplete,
            AuthError::Unsigned("x-acs-action".into()),
            AuthError::UnknownKey,
            AuthError::Mismatch { scheme: Scheme::RpcV1, string_to_sign: "POST&%2F&A%3D1".into() },
            AuthError::Mismatch { scheme: Scheme::Acs3, string_to_sign: "ACS3-HMAC-SHA256\n00".into() },
            AuthError::Timestamp(Stamp::Missing),
            AuthError::Timestamp(Stamp::Malformed),
            AuthError::Timestamp(Stamp::OutOfWindow),
            AuthError::NonceUsed,
        ] {
            let (status, code, message) = e.wire();
            assert!((400..500).contains(&status) && !code.is_empty() && !message.is_empty(), "{e:?}");
        }
        let (_, _, m) = AuthError::Mismatch { scheme: Scheme::RpcV1, string_to_sign: "POST&%2F&A%3D1".into() }.wire();
        assert_eq!(m.split(':').nth(1), Some("POST&%2F&A%3D1"));
    }
}
