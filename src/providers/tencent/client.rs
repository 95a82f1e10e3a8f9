//! Requests signed the way Tencent's SDK signs them (TC3-HMAC-SHA256 over a POST JSON body),
//! for the load test, the benchmark and scenario runs over HTTP. Uses the verifier's own
//! canonicalisation, so a client and the server cannot drift apart.

use super::signature::{canonical_request, string_to_sign, tc3_signature, utc_date};
use crate::wire::HttpRequest;

/// A signed CVM API call: `POST /` with `body` as JSON.
pub fn request(
    host: &str,
    action: &str,
    region: &str,
    body: &serde_json::Value,
    key_id: &str,
    secret: &str,
    timestamp: u64,
) -> HttpRequest {
    service_request(("cvm", "2017-03-12"), host, action, region, body, key_id, secret, timestamp)
}

/// A signed call to Tencent `service` (`cvm` or `lighthouse`) at its API `version`.
#[allow(clippy::too_many_arguments)]
pub fn service_request(
    (service, version): (&str, &str),
    host: &str,
    action: &str,
    region: &str,
    body: &serde_json::Value,
    key_id: &str,
    secret: &str,
    timestamp: u64,
) -> HttpRequest {
    let mut req = HttpRequest::new("POST", "/")
        .header("Content-Type", "application/json")
        .header("Host", host)
        .header("X-TC-Action", action)
        .header("X-TC-Version", version)
        .header("X-TC-Region", region)
        .header("X-TC-Timestamp", &timestamp.to_string())
        .body(serde_json::to_vec(body).unwrap_or_default());
    let signed = ["content-type".to_string(), "host".to_string()];
    let date = utc_date(timestamp);
    let canonical = canonical_request(&req, &signed, false);
    let sts = string_to_sign(&timestamp.to_string(), &date, service, &canonical);
    let sig = tc3_signature(secret, &date, service, &sts);
    req.headers.push((
        "Authorization".into(),
        format!(
            "TC3-HMAC-SHA256 Credential={key_id}/{date}/{service}/tc3_request, SignedHeaders=content-type;host, Signature={sig}"
        ),
    ));
    req
}
