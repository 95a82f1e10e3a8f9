//! JD Cloud's VM image API over HTTP, as the official SDKs call it (providers/jdcloud.md):
//! REST paths under `/v1/regions/{regionId}/images`, the action after a `:` (`:share`, also
//! sent as `%3Ashare`), POST parameters as a JSON body, GET/DELETE parameters in the query, a
//! JDCLOUD3/JDCLOUD2 signature (`signature.rs`), and the envelope
//! `{"requestId":"…","result":{…}}` or `{"requestId":"…","error":{"code","status","message"}}`.
//!
//! | API | route | engine operation |
//! |---|---|---|
//! | ShareImage | `POST …/images/{id}:share` (`pins`, `loginNames`) | `Share` |
//! | UnShareImage | `POST …/images/{id}:unshare` | `CancelShare` |
//! | DescribeImageMembers | `GET …/images/{id}/members` | `ListShares` |
//! | DescribeImages | `GET …/images` | `ListImages`, `ListMyShared`, `ListSharedWithMe`, `Describe` |
//! | DescribeImage | `GET …/images/{id}` | `Describe` (+ `ListShares` for the owner) |
//! | DeleteImage | `DELETE …/images/{id}` | `Delete` |
//! | CopyImages | `POST …/images:copyImages` | `Copy` per image (+ `Modify` for a description) |
//!
//! Besides JD's own headers every answer carries `x-sharesim-outcome` (`ok`, the canonical
//! error, or the refusal made before the engine was asked: `no-route`, `unauthenticated`,
//! `unknown-key`, `signature`, `signature-date`, `nonce-used`, `InvalidParameter`, `UnknownRegion`) and, when a
//! rule decided, `x-sharesim-rule`.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::signature;
use crate::engine::{Action, ErrorKind, Failure, ImageView, Operation, Outcome, Output, Visibility};
use crate::providers::Provider;
use crate::wire::{Adapter, Endpoint, HttpRequest, HttpResponse, Rejection, codec};

pub const ADAPTER: Adapter = Adapter { handle, reject };

const P: Provider = Provider::Jdcloud;
/// CopyImages takes at most this many `sourceImageIds`.
const MAX_COPY: usize = 10;
/// DescribeImages `pageSize`: default and range.
const PAGE_SIZE: (u64, u64, u64) = (20, 10, 100);

/// The operations served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Api {
    ShareImage,
    UnShareImage,
    DescribeImageMembers,
    DescribeImages,
    DescribeImage,
    DeleteImage,
    CopyImages,
}

impl Api {
    fn name(self) -> &'static str {
        match self {
            Api::ShareImage => "ShareImage",
            Api::UnShareImage => "UnShareImage",
            Api::DescribeImageMembers => "DescribeImageMembers",
            Api::DescribeImages => "DescribeImages",
            Api::DescribeImage => "DescribeImage",
            Api::DeleteImage => "DeleteImage",
            Api::CopyImages => "CopyImages",
        }
    }

    /// The engine action whose errors this API reports.
    fn action(self) -> Action {
        match self {
            Api::ShareImage => Action::Share,
            Api::UnShareImage => Action::CancelShare,
            Api::DescribeImageMembers => Action::ListShares,
            Api::DescribeImages => Action::ListImages,
            Api::DescribeImage => Action::Describe,
            Api::DeleteImage => Action::Delete,
            Api::CopyImages => Action::Copy,
        }
    }
}

/// A routed request: the API, the region from the path and the image from the path.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Call {
    api: Api,
    region: String,
    image: String,
}

/// Matches the percent-decoded path (runs of `/` collapsed, one trailing `/` ignored).
fn route(method: &str, raw_path: &str) -> Option<Call> {
    let path = codec::decode(raw_path, false);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let ["v1", "regions", region, ref rest @ ..] = segments[..] else { return None };
    let call = |api, image: &str| Some(Call { api, region: region.to_string(), image: image.to_string() });
    match (method, rest) {
        ("GET", ["images"]) => call(Api::DescribeImages, ""),
        ("POST", ["images:copyImages"]) => call(Api::CopyImages, ""),
        ("GET", ["images", id, "members"]) if !id.contains(':') => call(Api::DescribeImageMembers, id),
        (_, ["images", id]) => match (method, id.split_once(':')) {
            ("POST", Some((id, "share"))) if !id.is_empty() => call(Api::ShareImage, id),
            ("POST", Some((id, "unshare"))) if !id.is_empty() => call(Api::UnShareImage, id),
            ("GET", None) => call(Api::DescribeImage, id),
            ("DELETE", None) => call(Api::DeleteImage, id),
            _ => None,
        },
        _ => None,
    }
}

/// What one request decided, reported to the endpoint (`Endpoint::decide`) when it is answered.
struct Cx {
    request_id: String,
    outcome: String,
    rule: Option<&'static str>,
}

impl Cx {
    fn new(ep: &Endpoint) -> Cx {
        // 32 lowercase hex digits, like JD's own request IDs.
        Cx { request_id: ep.request_uuid().replace('-', ""), outcome: "ok".into(), rule: None }
    }

    /// Runs an engine operation and remembers its decision.
    fn apply(&mut self, ep: &mut Endpoint, actor: &str, region: &str, op: Operation) -> Outcome {
        let out = ep.apply(actor, Some(region), op);
        match &out {
            Ok(_) => {
                self.outcome = "ok".into();
                self.rule = None;
            }
            Err(f) => {
                self.outcome = f.kind.to_string();
                self.rule = f.rule;
            }
        }
        out
    }

    fn respond(&self, status: u16, body: &Value) -> HttpResponse {
        HttpResponse::json(status, "application/json", body).with_header("x-jdcloud-request-id", &self.request_id)
    }

    /// Success; `result` is left out when there is none (the SDK reads `{}` as none anyway).
    fn ok(&self, result: Option<Value>) -> HttpResponse {
        let mut body = json!({ "requestId": self.request_id });
        if let Some(r) = result {
            body["result"] = r;
        }
        self.respond(200, &body)
    }

    /// JD's error envelope; the HTTP status equals `error.code`.
    fn error(&self, status: u16, code: &str, message: &str) -> HttpResponse {
        let body = json!({
            "requestId": self.request_id,
            "error": { "code": status, "status": code, "message": message },
        });
        self.respond(status, &body)
    }

    /// A refusal made before the engine was asked.
    fn refuse(&mut self, ep: &mut Endpoint, tag: &str, status: u16, code: &str, message: &str) -> HttpResponse {
        ep.note_refusal(tag);
        self.outcome = tag.to_string();
        self.rule = None;
        self.error(status, code, message)
    }

    /// A bad parameter: 400 INVALID_ARGUMENT.
    fn invalid(&mut self, ep: &mut Endpoint, api: Api, message: &str) -> HttpResponse {
        let f = Failure::plain(ErrorKind::InvalidParameter, message);
        let w = P.spec().wire(&f, api.action());
        self.refuse(ep, "InvalidParameter", w.status, w.code, message)
    }

    /// A failure the engine decided, in JD's words.
    fn failure(&self, f: &Failure, action: Action, image: &str) -> HttpResponse {
        let w = P.spec().wire(f, action);
        let message = match f.kind {
            ErrorKind::NotFound | ErrorKind::CrossRegion if !image.is_empty() => {
                Some(format!("Image '{image}' not found"))
            }
            ErrorKind::RecipientNotFound => quoted(&f.message).map(|p| format!("Pin '{p}' not found")),
            ErrorKind::InvalidRecipient | ErrorKind::RecipientNotAccount => {
                quoted(&f.message).map(|p| format!("Invalid pin '{p}'"))
            }
            _ => None,
        }
        .unwrap_or_else(|| w.message.to_string());
        self.error(w.status, w.code, &message)
    }
}

/// The first `` `quoted` `` word of an engine message (the recipient it names).
fn quoted(message: &str) -> Option<String> {
    let (_, rest) = message.split_once('`')?;
    let (word, _) = rest.split_once('`')?;
    Some(word.to_string())
}

fn handle(ep: &mut Endpoint, req: &HttpRequest, now: u64) -> HttpResponse {
    let mut cx = Cx::new(ep);
    let Some(call) = route(&req.method, req.path()) else {
        return cx.refuse(ep, "no-route", 404, "NOT_FOUND", "no route and no API found with those values");
    };
    ep.note_api(call.api.name());
    let key = match authenticate(ep, req, now) {
        Ok(key) => key,
        Err(e) => return cx.refuse(ep, e.tag(), 401, "ACCESS_ERROR", e.message()),
    };
    let actor = match ep.keys().get(&key) {
        Some(k) => k.account.clone(),
        None => return cx.refuse(ep, "unknown-key", 401, "ACCESS_ERROR", "Invalid accessKey"),
    };
    if !P.spec().regions.iter().any(|r| r.id == call.region) {
        let f = Failure::plain(ErrorKind::UnknownRegion, format!("unknown region `{}`", call.region));
        let w = P.spec().wire(&f, call.api.action());
        return cx.refuse(ep, "UnknownRegion", w.status, w.code, &format!("Invalid region '{}'", call.region));
    }
    let params = match Params::read(req) {
        Ok(p) => p,
        Err(message) => return cx.invalid(ep, call.api, &message),
    };
    let mut h = Handler { ep, cx, actor, call, params };
    let (Ok(resp) | Err(resp)) = h.serve();
    h.ep.decide(&h.cx.outcome, h.cx.rule);
    resp
}

/// Verifies the signature, then spends the request's nonce: a signed request replayed within
/// the signature window is refused. Only a verified request spends its nonce, so a forged one
/// cannot use up someone else's.
fn authenticate(ep: &mut Endpoint, req: &HttpRequest, now: u64) -> Result<String, signature::AuthError> {
    let key = signature::verify(req, ep.keys(), ep.verify_signatures(), now)?;
    if ep.verify_signatures() {
        let nonce = signature::nonce(req)?;
        if !ep.fresh_nonce(&format!("jdcloud/{key}/{nonce}"), now) {
            return Err(signature::AuthError::NonceUsed);
        }
    }
    Ok(key)
}

fn reject(ep: &mut Endpoint, why: &Rejection) -> HttpResponse {
    let cx = Cx::new(ep);
    let (tag, message) = match why {
        Rejection::BodyTooLarge { limit } => ("body-too-large", format!("request body is larger than {limit} bytes")),
        Rejection::Unreadable(e) => ("unreadable", format!("the request could not be read: {e}")),
    };
    ep.decide(tag, None);
    cx.error(400, "INVALID_ARGUMENT", &message)
}

/// The request's parameters: the JSON body of a POST, or the query of a GET or DELETE.
enum Params {
    Body(Map<String, Value>),
    Query(Vec<(String, String)>),
}

impl Params {
    fn read(req: &HttpRequest) -> Result<Params, String> {
        if req.method != "POST" {
            return Ok(Params::Query(codec::query_pairs(req.query())));
        }
        if req.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Params::Body(Map::new()));
        }
        match serde_json::from_slice::<Value>(&req.body) {
            Ok(Value::Object(m)) => Ok(Params::Body(m)),
            Ok(_) => Err("the request body must be a JSON object".into()),
            Err(e) => Err(format!("the request body is not valid JSON: {e}")),
        }
    }

    /// A scalar parameter as text (JSON strings, numbers and booleans; `null` is absent).
    fn get(&self, name: &str) -> Result<Option<String>, String> {
        match self {
            Params::Query(q) => Ok(q.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone())),
            Params::Body(m) => match m.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(v @ (Value::Number(_) | Value::Bool(_))) => Ok(Some(v.to_string())),
                Some(_) => Err(format!("Invalid parameter {name}: expected a single value")),
            },
        }
    }

    /// A list parameter: a JSON array of strings, or `name.1`, `name.2` … in the query.
    fn list(&self, name: &str) -> Result<Vec<String>, String> {
        match self {
            Params::Body(m) => match m.get(name) {
                None | Some(Value::Null) => Ok(vec![]),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| format!("Invalid parameter {name}: expected a list of strings")),
                Some(_) => Err(format!("Invalid parameter {name}: expected a list of strings")),
            },
            Params::Query(q) => {
                let prefix = format!("{name}.");
                let mut items: Vec<(usize, String)> = Vec::new();
                for (k, v) in q {
                    let Some(n) = k.strip_prefix(&prefix) else { continue };
                    match n.parse::<usize>() {
                        Ok(n) if n >= 1 => {
                            items.retain(|(m, _)| *m != n);
                            items.push((n, v.clone()));
                        }
                        _ => return Err(format!("Invalid parameter {k}: lists are numbered {name}.1, {name}.2 …")),
                    }
                }
                items.sort_by_key(|(n, _)| *n);
                Ok(items.into_iter().map(|(_, v)| v).collect())
            }
        }
    }

    /// A boolean: `true`/`false` in any case (the Python SDK sends `True`).
    fn flag(&self, name: &str) -> Result<Option<bool>, String> {
        match self.get(name)? {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(format!("Invalid parameter {name}: `{v}` is not true or false")),
        }
    }

    fn number(&self, name: &str, default: u64, range: std::ops::RangeInclusive<u64>) -> Result<u64, String> {
        let Some(v) = self.get(name)? else { return Ok(default) };
        match v.trim().parse::<u64>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => {
                Err(format!("Invalid parameter {name}: `{v}` is not a number in [{}, {}]", range.start(), range.end()))
            }
        }
    }

    /// One of `allowed`, or absent.
    fn choice(&self, name: &str, allowed: &[&str]) -> Result<Option<String>, String> {
        match self.get(name)? {
            Some(v) if !allowed.contains(&v.as_str()) => {
                Err(format!("Invalid parameter {name}: `{v}` is not one of {}", allowed.join(", ")))
            }
            other => Ok(other),
        }
    }
}

/// JD's status for an engine state.
fn status_of(state: &str) -> &str {
    match state {
        "available" => "ready",
        "creating" => "pending",
        other => other,
    }
}

/// An `Image` as the SDK models it. The OS, disk and size are not modelled: the values are
/// plausible constants. (`progress` is a string: the Go SDK's struct says so.)
fn image_json(v: &ImageView, source: &str, launch: &str) -> Value {
    json!({
        "imageId": v.id,
        "name": v.name,
        "platform": "Other Linux",
        "osVersion": "",
        "architecture": "x86_64",
        "systemDiskSizeGB": 40,
        "imageSource": source,
        "osType": "linux",
        "status": status_of(&v.state),
        "createTime": v.created_at,
        "sizeMB": 0,
        "desc": v.description,
        "ownerPin": v.owner_id,
        "loginName": "",
        "launchPermission": launch,
        "dataDisks": [],
        "snapshotId": "",
        "rootDeviceType": "cloudDisk",
        "progress": "100",
        "offline": false,
        "imported": false,
        "expiredTime": "",
        "instanceId": "",
        "bootMode": "bios",
    })
}

/// How the owner sees its own image: `imageSource` and `launchPermission`.
fn owned_kind(v: &ImageView, shared: bool) -> (&'static str, &'static str) {
    match (v.visibility, shared) {
        (Visibility::Public, _) => ("community", "all"),
        (Visibility::Private, true) => ("private", "specifiedUsers"),
        (Visibility::Private, false) => ("private", "ownerOnly"),
    }
}

/// One request being served after authentication. Errors are finished responses.
struct Handler<'a> {
    ep: &'a mut Endpoint,
    cx: Cx,
    actor: String,
    call: Call,
    params: Params,
}

type Served = Result<HttpResponse, HttpResponse>;

impl Handler<'_> {
    fn serve(&mut self) -> Served {
        match self.call.api {
            Api::ShareImage => self.share(true),
            Api::UnShareImage => self.share(false),
            Api::DescribeImageMembers => self.members(),
            Api::DescribeImages => self.describe_images(),
            Api::DescribeImage => self.describe_image(),
            Api::DeleteImage => self.delete(),
            Api::CopyImages => self.copy(),
        }
    }

    /// A parameter error as a finished response.
    fn bad(&mut self, message: String) -> HttpResponse {
        self.cx.invalid(self.ep, self.call.api, &message)
    }

    fn param<T>(&mut self, r: Result<T, String>) -> Result<T, HttpResponse> {
        r.map_err(|m| self.bad(m))
    }

    /// Runs an operation in the call's region; a refusal becomes JD's error.
    fn run(&mut self, op: Operation, action: Action, image: &str) -> Result<Output, HttpResponse> {
        let region = self.call.region.clone();
        self.run_in(&region, op, action, image)
    }

    fn run_in(&mut self, region: &str, op: Operation, action: Action, image: &str) -> Result<Output, HttpResponse> {
        self.cx.apply(self.ep, &self.actor, region, op).map_err(|f| self.cx.failure(&f, action, image))
    }

    fn unexpected(&self, what: &str, out: &Output) -> HttpResponse {
        // The engine answers each operation with its own output kind; anything else is a bug here.
        self.cx.error(500, "INTERNAL", &format!("Internal server error: {what} gave {out:?}"))
    }

    fn share(&mut self, add: bool) -> Served {
        let pins = self.param(self.params.list("pins"))?;
        let logins = self.param(self.params.list("loginNames"))?;
        // Login names go to the engine as they are: it accepts what is PIN-shaped and names an
        // account, and refuses the rest by JD-PIN's identity rule.
        let recipients: Vec<String> = pins.into_iter().chain(logins).collect();
        if recipients.is_empty() {
            return Err(self.bad("Invalid parameter pins: name at least one PIN".into()));
        }
        let image = self.call.image.clone();
        let (op, action) = if add {
            (Operation::Share { images: vec![image.clone()], recipients, options: Default::default() }, Action::Share)
        } else {
            (Operation::CancelShare { image: image.clone(), recipients }, Action::CancelShare)
        };
        self.run(op, action, &image)?;
        Ok(self.cx.ok(None))
    }

    fn members(&mut self) -> Served {
        let image = self.call.image.clone();
        match self.run(Operation::ListShares { image: image.clone() }, Action::ListShares, &image)? {
            Output::Members { members } => {
                let pins: Vec<String> = members.into_iter().map(|m| m.recipient).collect();
                Ok(self.cx.ok(Some(json!({ "pins": pins, "loginNames": [] }))))
            }
            other => Err(self.unexpected("ListShares", &other)),
        }
    }

    /// The caller's own images in the region, with whether each is shared.
    fn owned(&mut self) -> Result<Vec<(ImageView, bool)>, HttpResponse> {
        let shared: BTreeSet<String> = match self.run(Operation::ListMyShared, Action::ListMyShared, "")? {
            Output::MyShared { images } => images.into_iter().map(|i| i.image).collect(),
            other => return Err(self.unexpected("ListMyShared", &other)),
        };
        match self.run(Operation::ListImages, Action::ListImages, "")? {
            Output::Images { images } => Ok(images
                .into_iter()
                .map(|v| {
                    let s = shared.contains(&v.id);
                    (v, s)
                })
                .collect()),
            other => Err(self.unexpected("ListImages", &other)),
        }
    }

    /// The images shared with the caller in the region, described.
    fn shared_with_me(&mut self) -> Result<Vec<ImageView>, HttpResponse> {
        let listed = match self.run(Operation::ListSharedWithMe, Action::ListSharedWithMe, "")? {
            Output::SharedWithMe { images } => images,
            other => return Err(self.unexpected("ListSharedWithMe", &other)),
        };
        let mut out = Vec::new();
        for s in listed {
            match self.run(Operation::Describe { image: s.image.clone() }, Action::Describe, &s.image)? {
                Output::Image { image } => out.push(image),
                other => return Err(self.unexpected("Describe", &other)),
            }
        }
        Ok(out)
    }

    fn describe_images(&mut self) -> Served {
        const SOURCES: [&str; 5] = ["public", "thirdparty", "private", "shared", "community"];
        let source = self.param(self.params.choice("imageSource", &SOURCES))?;
        let launch = self.param(self.params.choice("launchPermission", &["all", "specifiedUsers", "ownerOnly"]))?;
        let ids = self.param(self.params.list("ids"))?;
        let page_number = self.param(self.params.number("pageNumber", 1, 1..=u32::MAX as u64))?;
        let (default, min, max) = PAGE_SIZE;
        let page_size = self.param(self.params.number("pageSize", default, min..=max))?;
        let name = self.param(self.params.get("imageName"))?;
        let mut exact = Vec::new();
        for key in ["status", "platform", "rootDeviceType", "architecture", "bootMode"] {
            if let Some(v) = self.param(self.params.get(key))? {
                exact.push((key, v));
            }
        }
        let offline = self.param(self.params.flag("offline"))?;
        if source.is_none() && ids.is_empty() {
            return Err(self.bad("Invalid parameter imageSource: required when ids is not given".into()));
        }
        let source = source.as_deref();
        let mut found: Vec<Value> = Vec::new();
        // Official, marketplace and other accounts' community images are not modelled.
        if matches!(source, None | Some("private" | "community")) {
            for (v, shared) in self.owned()? {
                let (src, perm) = owned_kind(&v, shared);
                let launch_ok = source != Some("private") || launch.as_deref().is_none_or(|l| l == perm);
                if source.is_none_or(|s| s == src) && launch_ok {
                    found.push(image_json(&v, src, perm));
                }
            }
        }
        if matches!(source, None | Some("shared")) {
            for v in self.shared_with_me()? {
                found.push(image_json(&v, "shared", "specifiedUsers"));
            }
        }
        let text = |img: &Value, key: &str| img[key].as_str().unwrap_or_default().to_string();
        found.retain(|img| {
            (ids.is_empty() || ids.contains(&text(img, "imageId")))
                && name.as_deref().is_none_or(|n| text(img, "name").to_lowercase().contains(&n.to_lowercase()))
                && exact.iter().all(|(k, v)| text(img, k) == *v)
                && offline != Some(true)
        });
        let total = found.len();
        let skip = (page_number - 1).saturating_mul(page_size);
        let page: Vec<Value> =
            found.into_iter().skip(usize::try_from(skip).unwrap_or(usize::MAX)).take(page_size as usize).collect();
        Ok(self.cx.ok(Some(json!({ "images": page, "totalCount": total }))))
    }

    fn describe_image(&mut self) -> Served {
        let image = self.call.image.clone();
        let view = match self.run(Operation::Describe { image: image.clone() }, Action::Describe, &image)? {
            Output::Image { image } => image,
            other => return Err(self.unexpected("Describe", &other)),
        };
        let json = if view.held_as == "owner" {
            let shared = match self.run(Operation::ListShares { image: image.clone() }, Action::ListShares, &image)? {
                Output::Members { members } => !members.is_empty(),
                other => return Err(self.unexpected("ListShares", &other)),
            };
            let (src, perm) = owned_kind(&view, shared);
            image_json(&view, src, perm)
        } else {
            image_json(&view, "shared", "specifiedUsers")
        };
        Ok(self.cx.ok(Some(json!({ "image": json }))))
    }

    fn delete(&mut self) -> Served {
        // `deleteSnapshot` is checked but has no effect: snapshots are not modelled.
        self.param(self.params.flag("deleteSnapshot"))?;
        let image = self.call.image.clone();
        self.run(Operation::Delete { image: image.clone() }, Action::Delete, &image)?;
        Ok(self.cx.ok(None))
    }

    fn copy(&mut self) -> Served {
        let sources = self.param(self.params.list("sourceImageIds"))?;
        if sources.is_empty() || sources.len() > MAX_COPY {
            let msg = format!("Invalid parameter sourceImageIds: name 1 to {MAX_COPY} images, not {}", sources.len());
            return Err(self.bad(msg));
        }
        let Some(dest) = self.param(self.params.get("destinationRegion"))? else {
            return Err(self.bad("Invalid parameter destinationRegion: required".into()));
        };
        let name = self.param(self.params.get("name"))?;
        if let Some(n) = &name {
            let ok_char = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.');
            if !(1..=32).contains(&n.chars().count()) || !n.chars().all(ok_char) {
                return Err(self.bad(format!(
                    "Invalid parameter name: `{n}` must be 1-32 letters, digits, Chinese characters, `_`, `-` or `.`"
                )));
            }
        }
        let description = self.param(self.params.get("description"))?;
        if description.as_ref().is_some_and(|d| d.chars().count() > 256) {
            return Err(self.bad("Invalid parameter description: at most 256 characters".into()));
        }
        if !P.spec().regions.iter().any(|r| r.id == dest) {
            let f = Failure::plain(ErrorKind::UnknownRegion, format!("unknown region `{dest}`"));
            let w = P.spec().wire(&f, Action::Copy);
            return Err(self.cx.refuse(
                self.ep,
                "UnknownRegion",
                w.status,
                w.code,
                &format!("Invalid region '{dest}'"),
            ));
        }
        // All or nothing: a refused image undoes the copies made before it.
        let before = self.ep.engine().clone();
        let mut copies = Vec::new();
        for source in &sources {
            let op =
                Operation::Copy { image: source.clone(), to_region: dest.clone(), name: name.clone(), own_key: false };
            let done = match self.run(op, Action::Copy, source) {
                Ok(Output::Copied { image, .. }) => Ok(image),
                Ok(other) => Err(self.unexpected("Copy", &other)),
                Err(resp) => Err(resp),
            }
            .and_then(|copy| match &description {
                Some(d) => {
                    let op = Operation::Modify { image: copy.clone(), name: None, description: Some(d.clone()) };
                    self.run_in(&dest, op, Action::Modify, &copy).map(|_| copy)
                }
                None => Ok(copy),
            });
            match done {
                Ok(copy) => copies.push(json!({ "sourceImageId": source, "destinationImageId": copy })),
                Err(resp) => {
                    self.ep.replace_engine(before);
                    return Err(resp);
                }
            }
        }
        Ok(self.cx.ok(Some(json!({ "copyImages": copies }))))
    }
}

#[cfg(test)]
#[path = "api_tests.rs"]
mod tests;
