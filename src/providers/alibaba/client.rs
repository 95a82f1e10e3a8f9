//! Requests signed the way Alibaba's tea SDK signs them (ACS3-HMAC-SHA256, parameters in the
//! query), for the load test, the benchmark and scenario runs over HTTP. Uses the verifier's
//! own canonicalisation.

use super::signature::{acs3_canonical_request, acs3_sign, acs3_string_to_sign, canonical_query};
use crate::clock::iso8601;
use crate::wire::{HttpRequest, codec};

/// A signed ECS API call: `POST /?<params>` with an empty body.
pub fn request(
    host: &str,
    action: &str,
    params: &[(String, String)],
    key_id: &str,
    secret: &str,
    date: u64,
    nonce: &str,
) -> HttpRequest {
    let target = format!("/?{}", canonical_query(params));
    let empty = codec::sha256_hex(b"");
    let mut req = HttpRequest::new("POST", &target)
        .header("host", host)
        .header("x-acs-action", action)
        .header("x-acs-version", "2014-05-26")
        .header("x-acs-date", &iso8601(date))
        .header("x-acs-signature-nonce", nonce)
        .header("x-acs-content-sha256", &empty);
    let signed: Vec<String> =
        ["host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    let sig = acs3_sign(secret, &acs3_string_to_sign(&acs3_canonical_request(&req, &signed, &empty)));
    req.headers.push((
        "Authorization".into(),
        format!("ACS3-HMAC-SHA256 Credential={key_id},SignedHeaders={},Signature={sig}", signed.join(";")),
    ));
    req
}
