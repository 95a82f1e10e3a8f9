//! SWR's container registry: the Docker Registry HTTP API v2 / OCI distribution API that
//! `docker`, `skopeo`, `crane` and `oras` speak (providers/huawei-swr-registry.md), on a
//! listener of its own (`huawei-swr-registry` in `serve`'s start-up line), over the same engine
//! as SWR's management API. Sharing on SWR means "the recipient may pull": this is where it
//! pulls.
//!
//! | request | engine operation |
//! |---|---|
//! | `GET /swr/auth/v2/registry/auth/?scope=repository:{name}:pull,push` (Basic login) | `Launch` (pull) / `Push` per action asked, to decide what the token grants |
//! | `GET`/`HEAD /v2/{name}/manifests/{tag or digest}`, `…/blobs/{digest}`, `GET …/tags/list` | `Launch` (pull) |
//! | `POST /v2/{name}/blobs/uploads/` (`?digest=` monolithic, `?mount=&from=` cross-repository), `PATCH`/`PUT …/uploads/{id}` | `Push` (the blob, once whole) |
//! | `PUT /v2/{name}/manifests/{tag or digest}` | `Push` (the manifest and its blobs) |
//!
//! A repository `{name}` is `{namespace}/{repository}`, the engine's image ID. Every request
//! but the ping and the token asks the engine, whatever its token says, so a share that ended
//! or was removed since the token was issued refuses the next request (HS-VALID-UNTIL,
//! HS-AFTER-UNSHARE, HS-AFTER-DELETE). A token lacking an action the engine allows sends the
//! client back for one (401 `UNAUTHORIZED` with a scoped challenge).
//!
//! Refusals are the distribution spec's `{"errors":[{"code","message","detail"}]}`. The
//! engine's refusals take their status and code from SWR's error table (`errors.rs`): SWR
//! answers a caller without permission with `DENIED` and HTTP 401, not 403. What only the
//! registry knows is its own: `NAME_INVALID`, `NAME_UNKNOWN` (a repository never made in the
//! caller's own namespace), `MANIFEST_UNKNOWN`, `BLOB_UNKNOWN`, `BLOB_UPLOAD_UNKNOWN`,
//! `BLOB_UPLOAD_INVALID` (a chunk out of order), `DIGEST_INVALID`, `MANIFEST_INVALID`,
//! `MANIFEST_BLOB_UNKNOWN`, `TAG_INVALID`, `SIZE_INVALID` and `UNSUPPORTED`.
//!
//! Content lives in the endpoint's content store (`wire::content`), once per digest. It is
//! stored, digest checked, before the engine links it, so nothing half-written is ever
//! visible to a pull: a pull reads only what the engine references.

pub mod client;
pub mod login;
pub mod manifest;
mod uploads;

use serde_json::json;

use self::login::{Claims, Want};
use self::uploads::Uploads;
use super::{SPEC, api, identity};
use crate::engine::content::{digest_of, valid_digest, valid_tag};
use crate::engine::{BlobRef, Failure, Operation, Output, PushedManifest};
use crate::wire::{Adapter, Endpoint, HttpRequest, HttpResponse, Rejection, codec};

pub const ADAPTER: Adapter = Adapter { handle, reject };

/// The most bytes one request to the registry may carry (a monolithic upload or a chunk); the
/// server refuses larger bodies before the registry sees them.
pub const MAX_BODY_BYTES: usize = crate::wire::MAX_REGISTRY_BODY_BYTES;
/// Tags one listing page holds at most.
const MAX_TAGS_PAGE: usize = 1000;

const API_VERSION: (&str, &str) = ("Docker-Distribution-API-Version", "registry/2.0");

/// A request the registry understands, by path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route<'a> {
    Ping,
    Token,
    Catalog,
    Tags(&'a str),
    Manifest(&'a str, &'a str),
    Blob(&'a str, &'a str),
    StartUpload(&'a str),
    Upload(&'a str, &'a str),
}

fn route(path: &str) -> Option<Route<'_>> {
    if path == "/v2/" || path == "/v2" {
        return Some(Route::Ping);
    }
    if path == login::TOKEN_PATH || path == login::TOKEN_PATH.trim_end_matches('/') {
        return Some(Route::Token);
    }
    let rest = path.strip_prefix("/v2/")?;
    if rest == "_catalog" {
        return Some(Route::Catalog);
    }
    if let Some(name) = rest.strip_suffix("/tags/list") {
        return Some(Route::Tags(name));
    }
    if let Some((name, reference)) = rest.rsplit_once("/manifests/") {
        return Some(Route::Manifest(name, reference));
    }
    if let Some(name) = rest.strip_suffix("/blobs/uploads/").or_else(|| rest.strip_suffix("/blobs/uploads")) {
        return Some(Route::StartUpload(name));
    }
    if let Some((name, id)) = rest.rsplit_once("/blobs/uploads/") {
        return Some(Route::Upload(name, id));
    }
    if let Some((name, digest)) = rest.rsplit_once("/blobs/") {
        return Some(Route::Blob(name, digest));
    }
    None
}

impl Route<'_> {
    fn api(&self, method: &str) -> &'static str {
        match (self, method) {
            (Route::Ping, _) => "registry ping",
            (Route::Token, _) => "registry token",
            (Route::Catalog, _) => "registry catalog",
            (Route::Tags(_), _) => "list tags",
            (Route::Manifest(..), "PUT") => "put manifest",
            (Route::Manifest(..), _) => "pull manifest",
            (Route::Blob(..), _) => "pull blob",
            (Route::StartUpload(_), _) => "start upload",
            (Route::Upload(..), "PUT") => "finish upload",
            (Route::Upload(..), _) => "upload chunk",
        }
    }

    fn name(&self) -> Option<&str> {
        match self {
            Route::Tags(n)
            | Route::Manifest(n, _)
            | Route::Blob(n, _)
            | Route::StartUpload(n)
            | Route::Upload(n, _) => Some(n),
            _ => None,
        }
    }
}

/// A repository name as the registry takes it: SWR's namespace, then a repository name that
/// cannot climb out of it.
fn valid_name(name: &str) -> bool {
    name.split_once('/').is_some_and(|(ns, repo)| api::valid_namespace(ns) && api::addressable_repository(repo))
}

// ----- responses ----------------------------------------------------------------------------

fn error(status: u16, code: &str, message: &str, detail: &str) -> HttpResponse {
    HttpResponse::json(
        status,
        "application/json",
        &json!({ "errors": [{ "code": code, "message": message, "detail": detail }] }),
    )
}

/// Who made a request: an account (with the region of its login) or anyone.
#[derive(Debug, Clone)]
struct Who {
    account: Option<String>,
    region: Option<usize>,
    claims: Claims,
}

/// One request being served: the endpoint, and what the registry decided.
struct Cx<'a> {
    ep: &'a mut Endpoint,
    /// `http://host:port`, for challenges and locations clients follow.
    base: String,
    outcome: String,
    rule: Option<&'static str>,
}

type Reply = Result<HttpResponse, HttpResponse>;

fn handle(ep: &mut Endpoint, req: &HttpRequest, _now: u64) -> HttpResponse {
    let host = req.get("Host").map(|h| h.into_owned()).unwrap_or_else(|| "127.0.0.1".into());
    let mut cx = Cx { ep, base: format!("http://{host}"), outcome: "ok".into(), rule: None };
    let resp = match route(req.path()) {
        None => cx.refuse("route", error(404, "UNSUPPORTED", "The operation is unsupported.", req.path())),
        Some(r) => {
            cx.ep.note_api(r.api(&req.method));
            cx.serve(&r, req).unwrap_or_else(|e| e)
        }
    };
    let (outcome, rule) = (std::mem::take(&mut cx.outcome), cx.rule);
    cx.ep.decide(&outcome, rule);
    resp.with_header(API_VERSION.0, API_VERSION.1)
}

fn reject(ep: &mut Endpoint, why: &Rejection) -> HttpResponse {
    let resp = match why {
        Rejection::BodyTooLarge { limit } => error(
            413,
            "SIZE_INVALID",
            "provided length did not match content length",
            &format!("a request body may be at most {limit} bytes; send large blobs in chunks"),
        ),
        Rejection::Unreadable(why) => error(400, "UNSUPPORTED", "The request could not be read.", why),
    };
    ep.decide(
        match why {
            Rejection::BodyTooLarge { .. } => "body-too-large",
            Rejection::Unreadable(_) => "unreadable",
        },
        None,
    );
    resp.with_header(API_VERSION.0, API_VERSION.1)
}

impl Cx<'_> {
    fn refuse(&mut self, outcome: &str, resp: HttpResponse) -> HttpResponse {
        self.outcome = outcome.to_string();
        self.rule = None;
        resp
    }

    /// The challenge a 401 carries: where to get a token, and for what.
    fn challenge(&self, scope: Option<(&str, &[Want])>) -> String {
        let mut c = format!("Bearer realm=\"{}{}\",service=\"{}\"", self.base, login::TOKEN_PATH, login::SERVICE);
        if let Some((name, wants)) = scope {
            let acts: Vec<&str> = wants.iter().map(|w| w.name()).collect();
            c.push_str(&format!(",scope=\"repository:{name}:{}\"", acts.join(",")));
        }
        c
    }

    fn unauthorized(&mut self, outcome: &str, scope: Option<(&str, &[Want])>, detail: &str) -> HttpResponse {
        let challenge = self.challenge(scope);
        let resp =
            error(401, "UNAUTHORIZED", "authentication required", detail).with_header("WWW-Authenticate", &challenge);
        self.refuse(outcome, resp)
    }

    /// The engine's refusal in SWR's registry form.
    fn refusal(&mut self, f: &Failure, action: crate::engine::Action, name: &str) -> HttpResponse {
        let w = SPEC.wire(f, action);
        self.outcome = f.kind.to_string();
        self.rule = f.rule;
        let resp = error(w.status, w.code, w.message, &f.message);
        if w.status == 401 {
            let want =
                if action == crate::engine::Action::Push { [Want::Pull, Want::Push].as_slice() } else { &[Want::Pull] };
            let challenge = self.challenge(Some((name, want)));
            return resp.with_header("WWW-Authenticate", &challenge);
        }
        resp
    }

    fn region_id(who: &Who) -> Option<&'static str> {
        who.region.and_then(|r| SPEC.regions.get(r)).map(|r| r.id)
    }

    /// Asks the engine for `who`; a refusal becomes the registry's answer.
    fn ask(&mut self, who: &Who, name: &str, op: Operation) -> Result<Output, HttpResponse> {
        let action = op.action();
        let actor = who.account.clone().unwrap_or_default();
        match self.ep.apply(&actor, Self::region_id(who), op) {
            Ok(out) => {
                self.outcome = "ok".into();
                self.rule = None;
                Ok(out)
            }
            Err(f) => Err(self.refusal(&f, action, name)),
        }
    }

    /// Reads the caller of a repository request from its Bearer token. No token, or one that
    /// is bad or expired, sends the client to the token service.
    fn who(&mut self, req: &HttpRequest, name: &str, want: Want) -> Result<Who, HttpResponse> {
        let wants: &[Want] = if want == Want::Push { &[Want::Pull, Want::Push] } else { &[Want::Pull] };
        let Some(auth) = req.get("Authorization").map(|a| a.into_owned()) else {
            return Err(self.unauthorized("unauthenticated", Some((name, wants)), "a token is required"));
        };
        if auth.starts_with("Basic ") || auth.starts_with("basic ") {
            // SWR takes Basic only at its token service (Harbor #8134).
            let resp = error(401, "DENIED", "Authenticate Error", "log in through the token service, not with Basic");
            let challenge = self.challenge(Some((name, wants)));
            return Err(self.refuse("unauthenticated", resp.with_header("WWW-Authenticate", &challenge)));
        }
        let now = self.ep.engine().now();
        match login::bearer(self.ep.keys(), &auth, now) {
            Ok((claims, account)) => {
                if let Some(a) = &account {
                    self.ep.note_actor(a);
                }
                Ok(Who { account, region: claims.region, claims })
            }
            Err(bad) => Err(self.unauthorized("token", Some((name, wants)), bad.0)),
        }
    }

    /// The engine decides first, so its rule shows even when the token lacks the action;
    /// then a token without the action is sent back for one.
    fn authorize(&mut self, req: &HttpRequest, name: &str, want: Want) -> Result<Who, HttpResponse> {
        self.authorize_for(req, name, want, false)
    }

    /// [`Cx::authorize`]; a `blob` check in the caller's own repository that was deleted is
    /// the registry's "not here" (404), which a client pushing anew reads as "upload it".
    fn authorize_for(&mut self, req: &HttpRequest, name: &str, want: Want, blob: bool) -> Result<Who, HttpResponse> {
        if !valid_name(name) {
            return Err(self.refuse("NAME_INVALID", error(400, "NAME_INVALID", "invalid repository name", name)));
        }
        let who = self.who(req, name, want)?;
        if want == Want::Pull {
            if self.never_made_here(&who, name) || (blob && self.gone_from_own(&who, name)) {
                // Nothing to ask the engine about: the registry does not know the name.
                return Ok(who);
            }
            self.ask(&who, name, Operation::Launch { image: name.to_string(), product: Default::default() })?;
        } else if who.account.is_none() {
            let wants = [Want::Pull, Want::Push];
            return Err(self.unauthorized("unauthenticated", Some((name, &wants)), "log in to push"));
        } else {
            self.ask(&who, name, push_nothing(name))?;
        }
        if !who.claims.grants(name, want) {
            let wants: &[Want] = if want == Want::Push { &[Want::Pull, Want::Push] } else { &[Want::Pull] };
            return Err(self.unauthorized("scope", Some((name, wants)), "the token does not grant this action"));
        }
        Ok(who)
    }

    /// Whether `name` is in `who`'s own namespace.
    fn own_namespace(who: &Who, name: &str) -> bool {
        let ns = name.split_once('/').map(|(ns, _)| ns).unwrap_or("");
        who.account.as_deref().is_some_and(|a| ns == identity::namespace(a))
    }

    /// A repository of the caller's own namespace that was deleted.
    fn gone_from_own(&self, who: &Who, name: &str) -> bool {
        Self::own_namespace(who, name) && self.ep.engine().content(name).is_none()
    }

    /// A repository in the caller's own namespace that the engine has never held: SWR lists
    /// its tags as `null` and knows no manifest of it.
    fn never_made_here(&self, who: &Who, name: &str) -> bool {
        Self::own_namespace(who, name) && !self.ep.engine().state().index.image_by_id.contains_key(name)
    }

    fn serve(&mut self, r: &Route<'_>, req: &HttpRequest) -> Reply {
        let method = req.method.as_str();
        match (r, method) {
            (Route::Ping, "GET" | "HEAD") => self.ping(req),
            (Route::Token, "GET") => self.token(req),
            (Route::Catalog, "GET") => {
                // SWR answers the catalog with 404 (providers/huawei-swr-registry.md §4).
                Err(self.refuse(
                    "unsupported",
                    error(
                        404,
                        "UNSUPPORTED",
                        "The operation is unsupported.",
                        "SWR serves no catalog; list repositories through its API",
                    ),
                ))
            }
            (Route::Tags(name), "GET") => self.tags(req, name),
            (Route::Manifest(name, reference), "GET" | "HEAD") => self.get_manifest(req, name, reference),
            (Route::Manifest(name, reference), "PUT") => self.put_manifest(req, name, reference),
            (Route::Blob(name, digest), "GET" | "HEAD") => self.get_blob(req, name, digest),
            (Route::StartUpload(name), "POST") => self.start_upload(req, name),
            (Route::Upload(name, id), "PATCH") => self.upload_chunk(req, name, id, false),
            (Route::Upload(name, id), "PUT") => self.upload_chunk(req, name, id, true),
            (Route::Upload(name, id), "GET") => self.upload_status(req, name, id),
            (Route::Upload(name, id), "DELETE") => self.cancel_upload(req, name, id),
            (r, m) => {
                let what = format!("{m} is not served on {}", r.name().unwrap_or("this path"));
                Err(self.refuse("unsupported", error(405, "UNSUPPORTED", "The operation is unsupported.", &what)))
            }
        }
    }

    fn ping(&mut self, req: &HttpRequest) -> Reply {
        let now = self.ep.engine().now();
        match req.get("Authorization").map(|a| a.into_owned()) {
            Some(a) if login::bearer(self.ep.keys(), &a, now).is_ok() => {
                Ok(HttpResponse::json(200, "application/json", &json!({})))
            }
            _ => Err(self.unauthorized("unauthenticated", None, "")),
        }
    }

    /// Docker's token service: Basic login (or none, for anyone), then a token granting, per
    /// repository asked for, the actions the engine allows now. SWR refuses at this step when
    /// nothing asked for is granted (§3); a partial grant is a token for what is allowed.
    fn token(&mut self, req: &HttpRequest) -> Reply {
        let now = self.ep.engine().now();
        let login = match req.get("Authorization").map(|a| a.into_owned()) {
            None => None,
            Some(a) => match login::basic(self.ep.keys(), SPEC.regions, &a, now) {
                Ok(l) => {
                    self.ep.note_actor(&l.account);
                    Some(l)
                }
                Err(bad) => {
                    return Err(self.refuse("unauthenticated", error(401, "DENIED", "Authenticate Error", &bad.0)));
                }
            },
        };
        let mut scopes: Vec<(String, Vec<Want>)> = Vec::new();
        for (k, v) in codec::query_pairs(req.query()) {
            if k != "scope" {
                continue;
            }
            for one in v.split(' ').filter(|s| !s.is_empty()) {
                if let Some((name, wants)) = login::scope(one)
                    && !scopes.iter().any(|(n, _)| *n == name)
                {
                    scopes.push((name, wants));
                }
            }
        }
        if scopes.len() > login::MAX_SCOPES {
            return Err(self.refuse(
                "malformed",
                error(
                    400,
                    "UNSUPPORTED",
                    "too many scopes",
                    &format!("at most {} repositories per token", login::MAX_SCOPES),
                ),
            ));
        }
        let who = Who {
            account: login.as_ref().map(|l| l.account.clone()),
            region: login.as_ref().and_then(|l| l.region),
            claims: Claims { sub: String::new(), region: None, access: vec![], exp: 0 },
        };
        let mut access = Vec::new();
        let mut first_refusal = None;
        for (name, wants) in &scopes {
            if !valid_name(name) {
                continue;
            }
            let mut granted = Vec::new();
            for &want in wants {
                let allowed = match want {
                    Want::Pull if self.never_made_here(&who, name) => Ok(()),
                    Want::Pull => self
                        .ask(&who, name, Operation::Launch { image: name.clone(), product: Default::default() })
                        .map(drop),
                    Want::Push if who.account.is_none() => continue,
                    Want::Push => self.ask(&who, name, push_nothing(name)).map(drop),
                };
                match allowed {
                    Ok(()) => granted.push(want),
                    Err(resp) => {
                        first_refusal.get_or_insert((resp, self.outcome.clone(), self.rule));
                    }
                }
            }
            if !granted.is_empty() {
                access.push((name.clone(), granted));
            }
        }
        if access.is_empty()
            && let Some((resp, outcome, rule)) = first_refusal
        {
            self.outcome = outcome;
            self.rule = rule;
            return Err(resp);
        }
        self.outcome = "ok".into();
        self.rule = None;
        let claims = Claims {
            sub: login.as_ref().map(|l| l.access_key.clone()).unwrap_or_default(),
            region: login.as_ref().and_then(|l| l.region),
            access,
            exp: now.saturating_add(login::TOKEN_SECS),
        };
        let secret = login.as_ref().and_then(|l| self.ep.keys().get(&l.access_key)).map(|k| k.secret.clone());
        let token = login::issue(&claims, secret.as_deref());
        Ok(HttpResponse::json(
            200,
            "application/json",
            &json!({
                "token": token, "access_token": token,
                "expires_in": login::TOKEN_SECS, "issued_at": crate::clock::iso8601(now),
            }),
        ))
    }

    fn tags(&mut self, req: &HttpRequest, name: &str) -> Reply {
        let who = self.authorize(req, name, Want::Pull)?;
        if self.never_made_here(&who, name) {
            return Ok(HttpResponse::json(200, "application/json", &json!({ "name": name, "tags": null })));
        }
        let mut n = MAX_TAGS_PAGE;
        let mut last = String::new();
        for (k, v) in codec::query_pairs(req.query()) {
            match k.as_str() {
                "n" => match v.parse::<usize>() {
                    Ok(x) => n = x.min(MAX_TAGS_PAGE),
                    Err(_) => {
                        return Err(self.refuse(
                            "malformed",
                            error(400, "PAGINATION_NUMBER_INVALID", "invalid number of results requested", &v),
                        ));
                    }
                },
                "last" => last = v,
                _ => {}
            }
        }
        let all: Vec<String> = self
            .ep
            .engine()
            .content(name)
            .map(|c| c.tags.keys().filter(|t| last.is_empty() || t.as_str() > last.as_str()).cloned().collect())
            .unwrap_or_default();
        let page: Vec<&String> = all.iter().take(n).collect();
        let mut resp = HttpResponse::json(200, "application/json", &json!({ "name": name, "tags": page }));
        if all.len() > page.len()
            && let Some(l) = page.last()
        {
            resp = resp
                .with_header("Link", &format!("</v2/{name}/tags/list?n={n}&last={}>; rel=\"next\"", codec::encode(l)));
        }
        Ok(resp)
    }

    fn get_manifest(&mut self, req: &HttpRequest, name: &str, reference: &str) -> Reply {
        let who = self.authorize(req, name, Want::Pull)?;
        if !valid_digest(reference) && !valid_tag(reference) {
            return Err(
                self.refuse("TAG_INVALID", error(400, "TAG_INVALID", "manifest tag did not match URI", reference))
            );
        }
        if self.never_made_here(&who, name) {
            return Err(
                self.refuse("NAME_UNKNOWN", error(404, "NAME_UNKNOWN", "repository name not known to registry", name))
            );
        }
        let found = self.ep.engine().content(name).and_then(|c| {
            let digest = if valid_digest(reference) { reference.to_string() } else { c.tags.get(reference)?.clone() };
            c.manifests.get(&digest).map(|m| (digest, m.media_type.clone()))
        });
        let Some((digest, media_type)) = found else {
            return Err(self.refuse("MANIFEST_UNKNOWN", error(404, "MANIFEST_UNKNOWN", "manifest unknown", reference)));
        };
        let body = self.content(&digest, "MANIFEST_UNKNOWN", "manifest unknown")?;
        Ok(HttpResponse { status: 200, headers: vec![], body }
            .with_header("Content-Type", &media_type)
            .with_header("Docker-Content-Digest", &digest)
            .with_header("Etag", &format!("\"{digest}\"")))
    }

    /// The bytes behind a digest the engine references; lost or damaged content is an error
    /// the client can read, never a panic.
    fn content(&mut self, digest: &str, code: &str, message: &str) -> Result<bytes::Bytes, HttpResponse> {
        match self.ep.content().get(digest) {
            Ok(Some(b)) => Ok(b),
            Ok(None) => {
                Err(self
                    .refuse(code, error(404, code, message, &format!("{digest}: the content store does not hold it"))))
            }
            Err(e) => Err(self.refuse("damaged", error(500, "UNKNOWN", "unknown error", &e.to_string()))),
        }
    }

    fn get_blob(&mut self, req: &HttpRequest, name: &str, digest: &str) -> Reply {
        let who = self.authorize_for(req, name, Want::Pull, true)?;
        if !valid_digest(digest) {
            return Err(self.refuse(
                "DIGEST_INVALID",
                error(400, "DIGEST_INVALID", "provided digest did not match uploaded content", digest),
            ));
        }
        let linked = !self.never_made_here(&who, name)
            && self.ep.engine().content(name).is_some_and(|c| c.blobs.contains_key(digest));
        if !linked {
            return Err(self.refuse("BLOB_UNKNOWN", error(404, "BLOB_UNKNOWN", "blob unknown to registry", digest)));
        }
        let body = self.content(digest, "BLOB_UNKNOWN", "blob unknown to registry")?;
        Ok(HttpResponse { status: 200, headers: vec![], body }
            .with_header("Content-Type", "application/octet-stream")
            .with_header("Docker-Content-Digest", digest)
            .with_header("Accept-Ranges", "none"))
    }

    fn put_manifest(&mut self, req: &HttpRequest, name: &str, reference: &str) -> Reply {
        let who = self.authorize(req, name, Want::Push)?;
        let tag = if valid_digest(reference) {
            None
        } else if valid_tag(reference) {
            Some(reference.to_string())
        } else {
            return Err(
                self.refuse("TAG_INVALID", error(400, "TAG_INVALID", "manifest tag did not match URI", reference))
            );
        };
        let parsed = match manifest::parse(req.get("Content-Type").as_deref(), &req.body) {
            Ok(p) => p,
            Err(why) => {
                return Err(self.refuse("MANIFEST_INVALID", error(400, "MANIFEST_INVALID", "manifest invalid", &why)));
            }
        };
        let digest = digest_of(&req.body);
        if tag.is_none() && reference != digest {
            let why = format!("the manifest's digest is {digest}, not {reference}");
            return Err(self.refuse(
                "DIGEST_INVALID",
                error(400, "DIGEST_INVALID", "provided digest did not match uploaded content", &why),
            ));
        }
        let linked = self.ep.engine().content(name).map(|c| c.blobs.clone()).unwrap_or_default();
        for b in &parsed.blobs {
            let held =
                linked.get(&b.digest).is_some_and(|&size| size == b.size) && self.ep.content().contains(&b.digest);
            if !held {
                let why = format!("{} ({} bytes) was not pushed to {name}", b.digest, b.size);
                return Err(self.refuse(
                    "MANIFEST_BLOB_UNKNOWN",
                    error(400, "MANIFEST_BLOB_UNKNOWN", "blob unknown to registry", &why),
                ));
            }
        }
        // The bytes first: the engine's reference is what makes them visible to a pull.
        if let Err(e) = self.ep.content().put(&digest, bytes::Bytes::copy_from_slice(&req.body)) {
            return Err(self.refuse(
                "content",
                error(507, "DENIED", "requested access to the resource is denied", &e.to_string()),
            ));
        }
        let pushed = PushedManifest {
            digest: digest.clone(),
            media_type: parsed.media_type,
            size: req.body.len() as u64,
            blobs: parsed.blobs.clone(),
        };
        let op = Operation::Push { image: name.to_string(), blobs: parsed.blobs, manifest: Some(pushed), tag };
        self.ask(&who, name, op)?;
        Ok(HttpResponse::empty(201)
            .with_header("Location", &format!("/v2/{name}/manifests/{digest}"))
            .with_header("Docker-Content-Digest", &digest))
    }

    /// Stores a whole blob and links it to the repository.
    fn finish_blob(&mut self, who: &Who, name: &str, digest: &str, data: bytes::Bytes) -> Reply {
        let size = data.len() as u64;
        if let Err(e) = self.ep.content().put(digest, data) {
            return Err(match e {
                crate::wire::content::ContentError::DigestMismatch { .. }
                | crate::wire::content::ContentError::BadDigest(_) => self.refuse(
                    "DIGEST_INVALID",
                    error(400, "DIGEST_INVALID", "provided digest did not match uploaded content", &e.to_string()),
                ),
                _ => self.refuse(
                    "content",
                    error(507, "DENIED", "requested access to the resource is denied", &e.to_string()),
                ),
            });
        }
        self.link_blob(who, name, digest, size)
    }

    /// Links a blob the store holds to the repository (the engine's push of it).
    fn link_blob(&mut self, who: &Who, name: &str, digest: &str, size: u64) -> Reply {
        let op = Operation::Push {
            image: name.to_string(),
            blobs: vec![BlobRef { digest: digest.to_string(), size }],
            manifest: None,
            tag: None,
        };
        self.ask(who, name, op)?;
        Ok(HttpResponse::empty(201)
            .with_header("Location", &format!("/v2/{name}/blobs/{digest}"))
            .with_header("Docker-Content-Digest", digest))
    }

    /// A blob growing past the world's layer limit is refused before more of it is held: the
    /// engine is asked to push a blob of that size, which it refuses.
    fn within_layer_limit(&mut self, who: &Who, name: &str, size: u64) -> Result<(), HttpResponse> {
        let Some((_, max)) = self.ep.engine().blob_limit() else { return Ok(()) };
        if size <= max {
            return Ok(());
        }
        let growing = BlobRef { digest: digest_of(b"sharesim: an upload in progress"), size };
        let op = Operation::Push { image: name.to_string(), blobs: vec![growing], manifest: None, tag: None };
        match self.ask(who, name, op) {
            Err(resp) => Err(resp),
            // Not reached: the engine refuses a blob over the limit it reported.
            Ok(_) => Ok(()),
        }
    }

    fn start_upload(&mut self, req: &HttpRequest, name: &str) -> Reply {
        let who = self.authorize(req, name, Want::Push)?;
        let query = codec::query_pairs(req.query());
        let param = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        if let (Some(digest), Some(from)) = (param("mount"), param("from"))
            && let Some(resp) = self.mount(&who, name, &digest, &from)?
        {
            return Ok(resp);
        }
        if let Some(digest) = param("digest") {
            self.within_layer_limit(&who, name, req.body.len() as u64)?;
            return self.finish_blob(&who, name, &digest, kept(&req.body));
        }
        self.within_layer_limit(&who, name, req.body.len() as u64)?;
        let account = who.account.clone().unwrap_or_default();
        let id = self.ep.extension::<Uploads>().start(name, &account, &req.body);
        match id {
            Ok(id) => Ok(HttpResponse::empty(202)
                .with_header("Location", &format!("/v2/{name}/blobs/uploads/{id}"))
                .with_header("Docker-Upload-UUID", &id)
                .with_header("Range", &range(req.body.len()))),
            Err(why) => Err(self.refuse("uploads", error(429, "TOOMANYREQUESTS", "too many requests", &why))),
        }
    }

    /// A cross-repository mount: the blob of a repository the caller may pull, linked without
    /// sending it again. `Ok(None)` when it cannot be mounted: the client uploads instead.
    fn mount(&mut self, who: &Who, name: &str, digest: &str, from: &str) -> Result<Option<HttpResponse>, HttpResponse> {
        if !valid_digest(digest) || !valid_name(from) || !who.claims.grants(from, Want::Pull) {
            return Ok(None);
        }
        let size = self.ep.engine().content(from).and_then(|c| c.blobs.get(digest).copied());
        let Some(size) = size else { return Ok(None) };
        let pull = Operation::Launch { image: from.to_string(), product: Default::default() };
        if self.ask(who, from, pull).is_err() || !self.ep.content().contains(digest) {
            return Ok(None);
        }
        self.link_blob(who, name, digest, size).map(Some)
    }

    fn upload_chunk(&mut self, req: &HttpRequest, name: &str, id: &str, last: bool) -> Reply {
        let who = self.authorize(req, name, Want::Push)?;
        let account = who.account.clone().unwrap_or_default();
        let have = match self.ep.extension::<Uploads>().len_of(id, name, &account) {
            Some(n) => n,
            None => return Err(self.upload_unknown(id)),
        };
        if let Some(r) = req.get("Content-Range") {
            let start =
                r.trim().trim_start_matches("bytes ").split('-').next().and_then(|s| s.trim().parse::<usize>().ok());
            if start != Some(have) {
                let why = format!("Content-Range {r} does not continue the {have} bytes received");
                let resp =
                    error(416, "BLOB_UPLOAD_INVALID", "blob upload invalid", &why).with_header("Range", &range(have));
                return Err(self.refuse("BLOB_UPLOAD_INVALID", resp));
            }
        }
        self.within_layer_limit(&who, name, (have + req.body.len()) as u64)?;
        if let Err(why) = self.ep.extension::<Uploads>().append(id, &req.body) {
            return Err(self
                .refuse("uploads", error(413, "SIZE_INVALID", "provided length did not match content length", &why)));
        }
        if !last {
            let len = have + req.body.len();
            return Ok(HttpResponse::empty(202)
                .with_header("Location", &format!("/v2/{name}/blobs/uploads/{id}"))
                .with_header("Docker-Upload-UUID", id)
                .with_header("Range", &range(len)));
        }
        let digest = codec::query_pairs(req.query()).into_iter().find(|(k, _)| k == "digest").map(|(_, v)| v);
        let Some(digest) = digest else {
            return Err(self.refuse(
                "DIGEST_INVALID",
                error(
                    400,
                    "DIGEST_INVALID",
                    "provided digest did not match uploaded content",
                    "the upload's end must name ?digest=",
                ),
            ));
        };
        let data = self.ep.extension::<Uploads>().take(id).unwrap_or_default();
        self.finish_blob(&who, name, &digest, bytes::Bytes::from(data))
    }

    fn upload_unknown(&mut self, id: &str) -> HttpResponse {
        self.refuse("BLOB_UPLOAD_UNKNOWN", error(404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry", id))
    }

    fn upload_status(&mut self, req: &HttpRequest, name: &str, id: &str) -> Reply {
        let who = self.authorize(req, name, Want::Push)?;
        let account = who.account.unwrap_or_default();
        match self.ep.extension::<Uploads>().len_of(id, name, &account) {
            Some(n) => Ok(HttpResponse::empty(204)
                .with_header("Location", &format!("/v2/{name}/blobs/uploads/{id}"))
                .with_header("Docker-Upload-UUID", id)
                .with_header("Range", &range(n))),
            None => Err(self.upload_unknown(id)),
        }
    }

    fn cancel_upload(&mut self, req: &HttpRequest, name: &str, id: &str) -> Reply {
        let who = self.authorize(req, name, Want::Push)?;
        let account = who.account.unwrap_or_default();
        if self.ep.extension::<Uploads>().len_of(id, name, &account).is_none() {
            return Err(self.upload_unknown(id));
        }
        self.ep.extension::<Uploads>().take(id);
        Ok(HttpResponse::empty(204))
    }
}

/// The bytes of a request body to keep in the content store: a large body is shared as it
/// arrived (no copy of a 64 MiB layer); a small one is copied, so it does not pin the larger
/// buffer it may have been read into.
fn kept(body: &bytes::Bytes) -> bytes::Bytes {
    if body.len() >= 1024 * 1024 { body.clone() } else { bytes::Bytes::copy_from_slice(body) }
}

/// A push of nothing: whether the caller may push to `name` at all.
fn push_nothing(name: &str) -> Operation {
    Operation::Push { image: name.to_string(), blobs: vec![], manifest: None, tag: None }
}

/// The `Range` header of an upload holding `len` bytes (`0-0` when empty, as registries send).
fn range(len: usize) -> String {
    format!("0-{}", len.saturating_sub(1))
}

#[cfg(test)]
mod tests;
