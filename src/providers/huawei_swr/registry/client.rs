//! How `sharesim run --via http` pulls and pushes on SWR: through the registry, as `docker` and
//! `skopeo` do. Log in with the documented login key (`{region}@{AK}`, HMAC of the AK keyed
//! by the SK) at the token service for the repository's scope, then:
//!
//! - a pull (`launch`) lists the repository's tags and, when it has one, fetches the first
//!   tag's manifest and every blob it names, checking each digest;
//! - a push (the `push` step) uploads the sample image's config in one request (`?digest=`)
//!   and its layer in a chunked upload (`POST`, `PATCH`, `PUT`) unless the repository has them,
//!   then puts the manifest under its tag.

use base64::Engine as _;
use serde_json::Value;

use super::login;
use crate::engine::content::digest_of;
use crate::engine::{Operation, Request};
use crate::providers::huawei_swr::SPEC;
use crate::wire::call::{Caller, SeenError, Sent, Transport};
use crate::wire::content::{OCI_MANIFEST, SampleImage};
use crate::wire::{HttpRequest, HttpResponse};

const ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

/// Performs a pull or push; other operations are not the registry's.
pub fn perform(req: &Request, caller: &Caller<'_>, transport: &mut dyn Transport) -> Result<Sent, String> {
    match &req.op {
        Operation::Launch { image, product } => {
            if *product != crate::engine::Product::default() {
                return Ok(Sent::Inexpressible { why: "a pull is a pull: it names no product to launch in" });
            }
            if !super::valid_name(image) {
                return Ok(Sent::Inexpressible { why: "a registry addresses a repository as namespace/name" });
            }
            pull(caller, image, transport)
        }
        Operation::Push { image, blobs, manifest, tag } => {
            if !super::valid_name(image) {
                return Ok(Sent::Inexpressible { why: "a registry addresses a repository as namespace/name" });
            }
            match (manifest, tag) {
                (Some(m), Some(tag)) => {
                    let sample = SampleImage::new(image, tag);
                    if sample.pushed() != *m || sample.blobs() != *blobs {
                        return Ok(Sent::Inexpressible { why: "a registry client pushes only content it has" });
                    }
                    push(caller, image, tag, &sample, transport)
                }
                (None, None) if blobs.is_empty() => may_push(caller, image, transport),
                _ => Ok(Sent::Inexpressible { why: "a registry client pushes whole images under a tag" }),
            }
        }
        _ => Ok(Sent::NoApi),
    }
}

/// The registry's error as a client reads it: `{"errors":[{"code"}]}`.
pub fn seen_error(resp: &HttpResponse) -> Result<Option<SeenError>, String> {
    if resp.status < 400 {
        return Ok(None);
    }
    let body = resp.json_body().unwrap_or(Value::Null);
    match body["errors"][0]["code"].as_str() {
        Some(code) => Ok(Some(SeenError { code: code.to_string(), status: Some(resp.status) })),
        None => Err(format!("HTTP {} came without a registry error: {body}", resp.status)),
    }
}

/// What a step sends: an answer to go on with, or the error that ends the step.
enum Step {
    Go(HttpResponse),
    Stop(Sent),
}

fn send(transport: &mut dyn Transport, req: HttpRequest) -> Result<Step, String> {
    let resp = transport.send_registry(req)?;
    Ok(match seen_error(&resp)? {
        Some(error) => Step::Stop(Sent::Api { error: Some(error) }),
        None => Step::Go(resp),
    })
}

macro_rules! go {
    ($step:expr) => {
        match $step? {
            Step::Go(resp) => resp,
            Step::Stop(sent) => return Ok(sent),
        }
    };
}

/// Logs in at the token service for `scope` and returns `Authorization: Bearer …`.
fn token(caller: &Caller<'_>, image: &str, actions: &str, transport: &mut dyn Transport) -> Result<Step, String> {
    let region = SPEC.regions.get(caller.region).map(|r| r.id).unwrap_or(SPEC.regions[0].id);
    let user = format!("{region}@{}", caller.key_id);
    let password = login::login_key(caller.key_id, caller.secret);
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let target = format!("{}?service={}&scope=repository:{image}:{actions}", login::TOKEN_PATH, login::SERVICE);
    let req = HttpRequest::new("GET", &target).header("Authorization", &format!("Basic {basic}"));
    Ok(match send(transport, req)? {
        Step::Go(resp) => {
            let body = resp.json_body().unwrap_or(Value::Null);
            let token = body["token"].as_str().ok_or_else(|| format!("the token service answered no token: {body}"))?;
            Step::Go(HttpResponse::empty(200).with_header("Authorization", &format!("Bearer {token}")))
        }
        stop => stop,
    })
}

fn authorized(method: &str, target: &str, bearer: &HttpResponse) -> HttpRequest {
    HttpRequest::new(method, target).header("Authorization", bearer.header("Authorization").unwrap_or(""))
}

fn pull(caller: &Caller<'_>, image: &str, transport: &mut dyn Transport) -> Result<Sent, String> {
    let bearer = go!(token(caller, image, "pull", transport));
    let tags = go!(send(transport, authorized("GET", &format!("/v2/{image}/tags/list"), &bearer)));
    let body = tags.json_body().unwrap_or(Value::Null);
    let Some(tag) = body["tags"].as_array().and_then(|t| t.first()).and_then(Value::as_str).map(str::to_string) else {
        return Ok(Sent::Api { error: None });
    };
    let manifest = authorized("GET", &format!("/v2/{image}/manifests/{tag}"), &bearer).header("Accept", ACCEPT);
    let manifest = go!(send(transport, manifest));
    let doc: Value = serde_json::from_slice(&manifest.body).map_err(|e| format!("{image}:{tag}: manifest: {e}"))?;
    let named = std::iter::once(&doc["config"]).chain(doc["layers"].as_array().into_iter().flatten());
    for blob in named {
        let digest = blob["digest"].as_str().ok_or_else(|| format!("{image}:{tag}: a blob without a digest"))?;
        let resp = go!(send(transport, authorized("GET", &format!("/v2/{image}/blobs/{digest}"), &bearer)));
        if digest_of(&resp.body) != digest {
            return Err(format!("{image}: blob {digest} came back with other content"));
        }
    }
    Ok(Sent::Api { error: None })
}

fn push(
    caller: &Caller<'_>,
    image: &str,
    tag: &str,
    sample: &SampleImage,
    transport: &mut dyn Transport,
) -> Result<Sent, String> {
    let bearer = go!(token(caller, image, "pull,push", transport));
    for (i, blob) in [&sample.config, &sample.layer].into_iter().enumerate() {
        let digest = digest_of(blob);
        let head = transport.send_registry(authorized("HEAD", &format!("/v2/{image}/blobs/{digest}"), &bearer))?;
        if head.status == 200 {
            continue;
        }
        let start = format!("/v2/{image}/blobs/uploads/");
        if i == 0 {
            // The config in one request.
            let req = authorized("POST", &format!("{start}?digest={digest}"), &bearer).body(blob.clone());
            go!(send(transport, req));
            continue;
        }
        // The layer in two chunks, as large layers go.
        let started = go!(send(transport, authorized("POST", &start, &bearer)));
        let mut location = started.header("Location").ok_or("the upload has no Location")?.to_string();
        let half = blob.len() / 2;
        for (from, chunk) in [(0, &blob[..half]), (half, &blob[half..])] {
            let range = format!("{from}-{}", (from + chunk.len()).saturating_sub(1));
            let req = authorized("PATCH", &location, &bearer)
                .header("Content-Type", "application/octet-stream")
                .header("Content-Range", &range)
                .body(chunk.to_vec());
            let resp = go!(send(transport, req));
            location = resp.header("Location").ok_or("the upload has no Location")?.to_string();
        }
        let sep = if location.contains('?') { '&' } else { '?' };
        go!(send(transport, authorized("PUT", &format!("{location}{sep}digest={digest}"), &bearer)));
    }
    let put = authorized("PUT", &format!("/v2/{image}/manifests/{tag}"), &bearer)
        .header("Content-Type", OCI_MANIFEST)
        .body(sample.manifest.clone());
    go!(send(transport, put));
    Ok(Sent::Api { error: None })
}

/// Whether the caller may push: open an upload, then cancel it.
fn may_push(caller: &Caller<'_>, image: &str, transport: &mut dyn Transport) -> Result<Sent, String> {
    let bearer = go!(token(caller, image, "pull,push", transport));
    let started = go!(send(transport, authorized("POST", &format!("/v2/{image}/blobs/uploads/"), &bearer)));
    if let Some(location) = started.header("Location") {
        go!(send(transport, authorized("DELETE", location, &bearer)));
    }
    Ok(Sent::Api { error: None })
}
