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
//! | ModifyImageAttribute | `POST …/images/{id}:modifyImageAttribute` | `Modify` |
//! | CreateInstances | `POST …/instances` (`instanceSpec.imageId`, `maxCount`) | `Launch`, `maxCount` times, all or nothing |
//! | DescribeInstances | `GET …/instances` (`filters` `instanceId`, `imageId`, `status`) | `ListInstances` |
//! | DescribeInstance | `GET …/instances/{id}` | `ListInstances` |
//! | StopInstance | `POST …/instances/{id}:stopInstance` | `StopInstance` |
//! | RebuildInstance | `POST …/instances/{id}:rebuildInstance` | `ReinitDisk` (no `imageId`, or the instance's own), else `ReplaceSystemDisk` |
//! | DeleteInstance | `DELETE …/instances/{id}` | `DeleteInstance` |
//! | CreateImage | `POST …/instances/{id}:createImage` | `CreateImage` from that instance |
//! | ImportImage | `POST …/images:import` (`imageUrl`, `imageName`, OS and disk fields) | `CreateImage` from no instance |
//! | DescribeQuotas | `GET …/quotas` (`filters` `resourceTypes`) | `Quota` |
//!
//! Besides JD's own headers every answer carries `x-sharesim-outcome` (`ok`, the canonical
//! error, or the refusal made before the engine was asked: `no-route`, `unauthenticated`,
//! `unknown-key`, `signature`, `signature-date`, `nonce-used`, `InvalidParameter`, `UnknownRegion`, and
//! `InstanceNotFound` for a DescribeInstance the caller's listing does not hold) and, when a
//! rule decided, `x-sharesim-rule`.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::signature;
use crate::engine::{
    Action, ErrorKind, Failure, ImageView, InstanceView, NewImage, Operation, Outcome, Output, Product, Visibility,
};
use crate::providers::Provider;
use crate::wire::{Adapter, Endpoint, HttpRequest, HttpResponse, Rejection, codec};

pub const ADAPTER: Adapter = Adapter { handle, reject };

const P: Provider = Provider::Jdcloud;
/// CopyImages takes at most this many `sourceImageIds`.
const MAX_COPY: usize = 10;
/// DescribeImages `pageSize`: default and range.
const PAGE_SIZE: (u64, u64, u64) = (20, 10, 100);
/// CreateInstances `maxCount` range (instances.md §1.1).
const MAX_COUNT: u64 = 100;
/// DescribeQuotas' resource types (instances.md §1.1); sharesim models only `image`.
const RESOURCE_TYPES: [&str; 8] = [
    "instance",
    "instance_cpu",
    "instance_memory",
    "instance_local_disk",
    "keypair",
    "image",
    "instanceTemplate",
    "imageShare",
];
/// DescribeInstances' filter names; `instanceId`, `imageId`, `status` and `name` filter, the
/// rest name what sharesim does not model (networks, zones, hosts) and match every instance.
const INSTANCE_FILTERS: [&str; 12] = [
    "instanceId",
    "imageId",
    "status",
    "name",
    "az",
    "vpcId",
    "subnetId",
    "networkInterfaceId",
    "privateIpAddress",
    "agId",
    "faultDomain",
    "dedicatedHostId",
];
/// ImportImage's `architecture` values (ImportImageRequest).
const IMPORT_ARCHITECTURES: [&str; 2] = ["x86_64", "arm64"];
/// ImportImage's `platform` values (ImportImageRequest).
const IMPORT_PLATFORMS: [&str; 5] = ["Ubuntu", "CentOS", "Windows Server", "Other Linux", "Other Windows"];
/// The instance states of JD's `Instance.status`.
const INSTANCE_STATES: [&str; 10] =
    ["pending", "starting", "running", "stopping", "stopped", "reboot", "rebuilding", "resizing", "deleting", "error"];

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
    ModifyImageAttribute,
    CreateInstances,
    DescribeInstances,
    DescribeInstance,
    StopInstance,
    RebuildInstance,
    DeleteInstance,
    CreateImage,
    ImportImage,
    DescribeQuotas,
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
            Api::ModifyImageAttribute => "ModifyImageAttribute",
            Api::CreateInstances => "CreateInstances",
            Api::DescribeInstances => "DescribeInstances",
            Api::DescribeInstance => "DescribeInstance",
            Api::StopInstance => "StopInstance",
            Api::RebuildInstance => "RebuildInstance",
            Api::DeleteInstance => "DeleteInstance",
            Api::CreateImage => "CreateImage",
            Api::ImportImage => "ImportImage",
            Api::DescribeQuotas => "DescribeQuotas",
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
            Api::ModifyImageAttribute => Action::Modify,
            Api::CreateInstances => Action::Launch,
            Api::DescribeInstances | Api::DescribeInstance => Action::ListInstances,
            Api::StopInstance => Action::StopInstance,
            Api::RebuildInstance => Action::ReinitDisk,
            Api::DeleteInstance => Action::DeleteInstance,
            Api::CreateImage | Api::ImportImage => Action::CreateImage,
            Api::DescribeQuotas => Action::Quota,
        }
    }
}

/// A routed request: the API, the region from the path and the image or instance the path
/// names (empty when it names none).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Call {
    api: Api,
    region: String,
    id: String,
}

/// Matches the percent-decoded path (runs of `/` collapsed, one trailing `/` ignored).
fn route(method: &str, raw_path: &str) -> Option<Call> {
    let path = codec::decode(raw_path, false);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let ["v1", "regions", region, ref rest @ ..] = segments[..] else { return None };
    let call = |api, id: &str| Some(Call { api, region: region.to_string(), id: id.to_string() });
    match (method, rest) {
        ("GET", ["images"]) => call(Api::DescribeImages, ""),
        ("POST", ["images:copyImages"]) => call(Api::CopyImages, ""),
        ("POST", ["images:import"]) => call(Api::ImportImage, ""),
        ("GET", ["images", id, "members"]) if !id.contains(':') => call(Api::DescribeImageMembers, id),
        (_, ["images", id]) => match (method, id.split_once(':')) {
            ("POST", Some((id, "share"))) if !id.is_empty() => call(Api::ShareImage, id),
            ("POST", Some((id, "unshare"))) if !id.is_empty() => call(Api::UnShareImage, id),
            ("POST", Some((id, "modifyImageAttribute"))) if !id.is_empty() => call(Api::ModifyImageAttribute, id),
            ("GET", None) => call(Api::DescribeImage, id),
            ("DELETE", None) => call(Api::DeleteImage, id),
            _ => None,
        },
        ("POST", ["instances"]) => call(Api::CreateInstances, ""),
        ("GET", ["instances"]) => call(Api::DescribeInstances, ""),
        ("GET", ["quotas"]) => call(Api::DescribeQuotas, ""),
        (_, ["instances", id]) => match (method, id.split_once(':')) {
            ("POST", Some((id, "stopInstance"))) if !id.is_empty() => call(Api::StopInstance, id),
            ("POST", Some((id, "rebuildInstance"))) if !id.is_empty() => call(Api::RebuildInstance, id),
            ("POST", Some((id, "createImage"))) if !id.is_empty() => call(Api::CreateImage, id),
            ("GET", None) => call(Api::DescribeInstance, id),
            ("DELETE", None) => call(Api::DeleteInstance, id),
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

    /// A failure the engine decided, in JD's words; `instance` is the instance the call names.
    fn failure(&self, f: &Failure, action: Action, image: &str, instance: &str) -> HttpResponse {
        let w = P.spec().wire(f, action);
        let message = match f.kind {
            ErrorKind::InstanceNotFound if !instance.is_empty() => Some(format!("Instance '{instance}' not found")),
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
    let mut h = Handler { ep, cx, actor, call, params, instance: String::new() };
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

/// One `filters.N` as read from the query: its `name` and its numbered `values.M`.
type FilterParts = (Option<String>, Vec<(usize, String)>);

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

    /// A nested object of a JSON body (`instanceSpec`); `null` is absent.
    fn object(&self, name: &str) -> Result<Option<&Map<String, Value>>, String> {
        match self {
            Params::Query(_) => Ok(None),
            Params::Body(m) => match m.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Object(o)) => Ok(Some(o)),
                Some(_) => Err(format!("Invalid parameter {name}: expected an object")),
            },
        }
    }

    /// The query's `filters.N.name` / `filters.N.values.M`, as the SDK flattens its `Filter`
    /// list, in `N` order; each name must be one of `allowed`. Indexes are 1-based numbers.
    fn filters(&self, allowed: &[&str]) -> Result<Vec<(String, Vec<String>)>, String> {
        let Params::Query(q) = self else { return Ok(vec![]) };
        let mut by_index: std::collections::BTreeMap<usize, FilterParts> = std::collections::BTreeMap::new();
        let index = |s: &str, key: &str| match s.parse::<usize>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(format!("Invalid parameter {key}: filters are numbered filters.1, filters.2 …")),
        };
        for (k, v) in q {
            let Some(rest) = k.strip_prefix("filters.") else { continue };
            let (n, field) = rest.split_once('.').ok_or_else(|| format!("Invalid parameter {k}"))?;
            let entry = by_index.entry(index(n, k)?).or_default();
            match field.split_once('.') {
                None if field == "name" => entry.0 = Some(v.clone()),
                Some(("values", m)) => entry.1.push((index(m, k)?, v.clone())),
                // `filters.N.operator` is `eq` or `in`; both mean "one of the values" here.
                None if field == "operator" => {}
                _ => return Err(format!("Invalid parameter {k}")),
            }
        }
        let mut out = Vec::new();
        for (n, (name, mut values)) in by_index {
            let name = name.ok_or_else(|| format!("Invalid parameter filters.{n}.name: required"))?;
            if !allowed.contains(&name.as_str()) {
                return Err(format!(
                    "Invalid parameter filters.{n}.name: `{name}` is not one of {}",
                    allowed.join(", ")
                ));
            }
            values.sort_by_key(|(m, _)| *m);
            out.push((name, values.into_iter().map(|(_, v)| v).collect()));
        }
        Ok(out)
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

/// An image or instance name: `min`..=32 Chinese characters, letters, digits, `_`, `-`, `.`
/// (the rule CreateImage's and CopyImages' parameters state).
fn valid_name(n: &str, min: usize) -> bool {
    let ok_char = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.');
    (min..=32).contains(&n.chars().count()) && n.chars().all(ok_char)
}

/// The import task of an imported image: JD answers a number (inferred from its API
/// reference, `importTaskId` Integer); sharesim has no task, so the number is derived from the
/// image ID (FNV-1a, six digits), the same for the same image every run.
fn import_task_id(image: &str) -> u64 {
    let h = image.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    100_000 + h % 900_000
}

/// JD's instance status for the engine's state.
fn instance_status(v: &InstanceView) -> &'static str {
    if v.state == "stopped" { "stopped" } else { "running" }
}

/// An `Instance` as the SDK models it. Sizes, networks and zones are not modelled: the values
/// are plausible constants.
fn instance_json(v: &InstanceView) -> Value {
    json!({
        "instanceId": v.id,
        "instanceName": v.id,
        "hostname": v.id,
        "instanceType": "g.n2.medium",
        "imageId": v.image,
        "status": instance_status(v),
        "az": format!("{}a", v.region),
        "launchTime": "",
        "systemDisk": {
            "diskCategory": "cloud",
            "autoDelete": true,
            "deviceName": "vda",
            "status": "attached",
            "cloudDisk": { "diskId": format!("vol-{}", v.id.trim_start_matches("i-")), "diskType": "ssd.gp1", "diskSizeGB": 40 },
        },
        "dataDisks": [],
        "primaryNetworkInterface": null,
        "secondaryNetworkInterfaces": [],
        "privateIpAddress": "",
        "elasticIpAddress": "",
        "vpcId": "",
        "subnetId": "",
        "keyNames": [],
        "charge": { "chargeMode": "postpaid_by_duration", "chargeStatus": "normal" },
        "tags": [],
        "description": "",
        "faultDomain": "",
    })
}

/// One request being served after authentication. Errors are finished responses.
struct Handler<'a> {
    ep: &'a mut Endpoint,
    cx: Cx,
    actor: String,
    call: Call,
    params: Params,
    /// The instance the request acts on, for the not-found message.
    instance: String,
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
            Api::ModifyImageAttribute => self.modify(),
            Api::CreateInstances => self.create_instances(),
            Api::DescribeInstances => self.describe_instances(),
            Api::DescribeInstance => self.describe_instance(),
            Api::StopInstance => self.stop_or_delete(false),
            Api::DeleteInstance => self.stop_or_delete(true),
            Api::RebuildInstance => self.rebuild(),
            Api::CreateImage => self.create_image(),
            Api::ImportImage => self.import_image(),
            Api::DescribeQuotas => self.describe_quotas(),
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
        let instance = self.instance.clone();
        self.cx.apply(self.ep, &self.actor, region, op).map_err(|f| self.cx.failure(&f, action, image, &instance))
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
        let image = self.call.id.clone();
        let (op, action) = if add {
            (Operation::Share { images: vec![image.clone()], recipients, options: Default::default() }, Action::Share)
        } else {
            (Operation::CancelShare { image: image.clone(), recipients }, Action::CancelShare)
        };
        self.run(op, action, &image)?;
        Ok(self.cx.ok(None))
    }

    fn members(&mut self) -> Served {
        let image = self.call.id.clone();
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
        let image = self.call.id.clone();
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
        let image = self.call.id.clone();
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

impl Handler<'_> {
    fn modify(&mut self) -> Served {
        let name = self.param(self.params.get("name"))?;
        if let Some(n) = &name
            && !valid_name(n, 2)
        {
            return Err(self.bad(format!(
                "Invalid parameter name: `{n}` must be 2-32 letters, digits, Chinese characters, `_`, `-` or `.`"
            )));
        }
        let description = self.param(self.params.get("description"))?;
        if description.as_ref().is_some_and(|d| d.chars().count() > 256) {
            return Err(self.bad("Invalid parameter description: at most 256 characters".into()));
        }
        let image = self.call.id.clone();
        self.run(Operation::Modify { image: image.clone(), name, description }, Action::Modify, &image)?;
        Ok(self.cx.ok(None))
    }

    /// Launches `maxCount` instances of `instanceSpec.imageId`; a refused one undoes the ones
    /// launched before it, so the answer is all or nothing. The network, disk and charge parts
    /// of the spec are not modelled.
    fn create_instances(&mut self) -> Served {
        let spec = self.params.object("instanceSpec").map(|o| o.cloned());
        let spec = self.param(spec)?;
        let Some(spec) = spec else {
            return Err(self.bad("Invalid parameter instanceSpec: required".into()));
        };
        let text = |k: &str| match spec.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
            Some(_) => Err(format!("Invalid parameter instanceSpec.{k}: expected a non-empty string")),
        };
        let image = self.param(text("imageId"))?;
        let name = self.param(text("name"))?;
        let Some(name) = name else { return Err(self.bad("Invalid parameter instanceSpec.name: required".into())) };
        if !(2..=128).contains(&name.chars().count()) {
            return Err(self.bad("Invalid parameter instanceSpec.name: 2-128 characters".into()));
        }
        // sharesim has no instance templates, so the image must be named.
        let Some(image) = image else {
            return Err(self.bad("Invalid parameter instanceSpec.imageId: required".into()));
        };
        let count = self.param(self.params.number("maxCount", 1, 1..=MAX_COUNT))?;
        let before = (count > 1).then(|| self.ep.engine().clone());
        let mut ids = Vec::new();
        for _ in 0..count {
            let op = Operation::Launch { image: image.clone(), product: Product::Cvm };
            match self.run(op, Action::Launch, &image) {
                Ok(Output::Launched { instance }) => ids.push(instance),
                other => {
                    if let Some(before) = before {
                        self.ep.replace_engine(before);
                    }
                    return Err(match other {
                        Ok(out) => self.unexpected("Launch", &out),
                        Err(resp) => resp,
                    });
                }
            }
        }
        Ok(self.cx.ok(Some(json!({ "instanceIds": ids }))))
    }

    fn my_instances(&mut self) -> Result<Vec<InstanceView>, HttpResponse> {
        match self.run(Operation::ListInstances, Action::ListInstances, "")? {
            Output::Instances { instances } => Ok(instances),
            other => Err(self.unexpected("ListInstances", &other)),
        }
    }

    fn describe_instances(&mut self) -> Served {
        let filters = self.param(self.params.filters(&INSTANCE_FILTERS))?;
        for (name, values) in &filters {
            if let Some(bad) = values.iter().find(|v| name == "status" && !INSTANCE_STATES.contains(&v.as_str())) {
                return Err(self.bad(format!("Invalid parameter filters: status `{bad}` is not an instance status")));
            }
        }
        let page_number = self.param(self.params.number("pageNumber", 1, 1..=u32::MAX as u64))?;
        let (default, min, max) = PAGE_SIZE;
        let page_size = self.param(self.params.number("pageSize", default, min..=max))?;
        let mut rows = self.my_instances()?;
        rows.retain(|v| {
            filters.iter().all(|(name, values)| {
                let field = match name.as_str() {
                    "instanceId" | "name" => v.id.as_str(),
                    "imageId" => v.image.as_str(),
                    "status" => instance_status(v),
                    _ => return true,
                };
                values.iter().any(|x| x == field)
            })
        });
        let total = rows.len();
        let skip = usize::try_from((page_number - 1).saturating_mul(page_size)).unwrap_or(usize::MAX);
        let page: Vec<Value> = rows.iter().skip(skip).take(page_size as usize).map(instance_json).collect();
        Ok(self.cx.ok(Some(json!({ "instances": page, "totalCount": total }))))
    }

    /// The caller's instance in the path's region; one it does not have there is JD's
    /// not-found answer (the engine lists only the caller's live instances).
    fn describe_instance(&mut self) -> Served {
        let id = self.call.id.clone();
        let found = self.my_instances()?.into_iter().find(|v| v.id == id);
        match found {
            Some(v) => Ok(self.cx.ok(Some(json!({ "instance": instance_json(&v) })))),
            None => {
                let f = Failure::plain(ErrorKind::InstanceNotFound, format!("instance `{id}` does not exist"));
                let w = P.spec().wire(&f, Action::ListInstances);
                Err(self.cx.refuse(
                    self.ep,
                    "InstanceNotFound",
                    w.status,
                    w.code,
                    &format!("Instance '{id}' not found"),
                ))
            }
        }
    }

    /// StopInstance (`chargeOnStopped`) or DeleteInstance (`deletePrimaryNetworkInterfaceAllElasticIp`):
    /// the options concern billing and addresses, which are not modelled, and are checked for form.
    fn stop_or_delete(&mut self, delete: bool) -> Served {
        if delete {
            self.param(self.params.flag("deletePrimaryNetworkInterfaceAllElasticIp"))?;
        } else {
            self.param(self.params.choice("chargeOnStopped", &["keepCharging", "stopCharging"]))?;
        }
        let instance = self.call.id.clone();
        self.instance = instance.clone();
        let (op, action) = if delete {
            (Operation::DeleteInstance { instance }, Action::DeleteInstance)
        } else {
            (Operation::StopInstance { instance }, Action::StopInstance)
        };
        self.run(op, action, "")?;
        Ok(self.cx.ok(None))
    }

    /// RebuildInstance: without `imageId`, or with the image the instance runs, the system
    /// disk is rebuilt from its own image (`ReinitDisk`); with another image it is replaced
    /// (`ReplaceSystemDisk`). Which image the instance runs is read from the caller's listing.
    fn rebuild(&mut self) -> Served {
        let image = self.param(self.params.get("imageId"))?.filter(|i| !i.trim().is_empty());
        self.param(self.params.get("password"))?;
        self.param(self.params.get("hostname"))?;
        self.param(self.params.list("keyNames"))?;
        let instance = self.call.id.clone();
        self.instance = instance.clone();
        let own = match &image {
            None => true,
            Some(i) => self.my_instances()?.iter().any(|v| v.id == instance && v.image == *i),
        };
        match image {
            Some(image) if !own => {
                let op = Operation::ReplaceSystemDisk { instance, image: image.clone() };
                self.run(op, Action::ReplaceSystemDisk, &image)?;
            }
            _ => {
                self.run(Operation::ReinitDisk { instance }, Action::ReinitDisk, image.as_deref().unwrap_or(""))?;
            }
        }
        Ok(self.cx.ok(None))
    }

    /// CreateImage from the caller's instance in the path's region.
    fn create_image(&mut self) -> Served {
        let name = self.param(self.params.get("name"))?;
        let Some(name) = name else { return Err(self.bad("Invalid parameter name: required".into())) };
        if !valid_name(&name, 2) {
            return Err(self.bad(format!(
                "Invalid parameter name: `{name}` must be 2-32 letters, digits, Chinese characters, `_`, `-` or `.`"
            )));
        }
        let description = self.param(self.params.get("description"))?.unwrap_or_default();
        if description.chars().count() > 256 {
            return Err(self.bad("Invalid parameter description: at most 256 characters".into()));
        }
        // Data disks are not modelled; the list is checked for form only.
        if let Params::Body(m) = &self.params
            && !matches!(m.get("dataDisks"), None | Some(Value::Null | Value::Array(_)))
        {
            return Err(self.bad("Invalid parameter dataDisks: expected a list".into()));
        }
        let instance = self.call.id.clone();
        self.instance = instance.clone();
        let new = NewImage {
            name,
            region: self.call.region.clone(),
            description,
            from: Some(instance),
            ..Default::default()
        };
        match self.run(Operation::CreateImage(new), Action::CreateImage, "")? {
            Output::ImageCreated { image, .. } => Ok(self.cx.ok(Some(json!({ "imageId": image })))),
            other => Err(self.unexpected("CreateImage", &other)),
        }
    }

    /// ImportImage: a private image from a file in object storage, made in the path's region.
    /// The file, its format and the OS fields describe content sharesim does not keep: they
    /// are checked against the ranges ImportImageRequest documents and not stored. The import
    /// task is not modelled either: the engine's image is made at once, and `importTaskId` is
    /// derived from its ID. `forceImport` (skip the compliance check) and `clientToken`
    /// (idempotence) are checked for form only; a repeated token makes another image.
    fn import_image(&mut self) -> Served {
        self.required_choice("architecture", &IMPORT_ARCHITECTURES)?;
        let os = self.required_choice("osType", &["windows", "linux"])?;
        let platform = self.required_choice("platform", &IMPORT_PLATFORMS)?;
        // Inferred: the documented platforms name their OS family, so a Windows platform with
        // `osType=linux` (or the reverse) is refused rather than stored inconsistent.
        if platform.contains("Windows") != (os == "windows") {
            return Err(self.bad(format!("Invalid parameter platform: `{platform}` is not a {os} platform")));
        }
        self.required_choice("diskFormat", &["qcow2", "vhd", "vmdk", "raw"])?;
        let size = self.param(self.params.get("systemDiskSizeGB"))?;
        let Some(size) = size else { return Err(self.bad("Invalid parameter systemDiskSizeGB: required".into())) };
        if !size.trim().parse::<u64>().is_ok_and(|n| (40..=500).contains(&n) && n % 10 == 0) {
            return Err(
                self.bad(format!("Invalid parameter systemDiskSizeGB: `{size}` is not a multiple of 10 in [40, 500]"))
            );
        }
        let url = self.param(self.params.get("imageUrl"))?.filter(|u| !u.trim().is_empty());
        let Some(url) = url else { return Err(self.bad("Invalid parameter imageUrl: required".into())) };
        // Inferred: the object storage link is an http(s) URL with a host and an object path.
        let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
        if !rest.and_then(|r| r.split_once('/')).is_some_and(|(host, obj)| !host.is_empty() && !obj.is_empty())
            || url.chars().any(char::is_whitespace)
        {
            return Err(self.bad(format!("Invalid parameter imageUrl: `{url}` is not an object storage link")));
        }
        let name = self.param(self.params.get("imageName"))?;
        let Some(name) = name else { return Err(self.bad("Invalid parameter imageName: required".into())) };
        if !valid_name(&name, 2) {
            return Err(self.bad(format!(
                "Invalid parameter imageName: `{name}` must be 2-32 letters, digits, Chinese characters, `_`, `-` or `.`"
            )));
        }
        self.param(self.params.get("osVersion"))?;
        let description = self.param(self.params.get("description"))?.unwrap_or_default();
        if description.chars().count() > 256 {
            return Err(self.bad("Invalid parameter description: at most 256 characters".into()));
        }
        self.param(self.params.flag("forceImport"))?;
        self.param(self.params.choice("bootMode", &["bios", "uefi"]))?;
        if self.param(self.params.get("clientToken"))?.is_some_and(|t| t.chars().count() > 64) {
            return Err(self.bad("Invalid parameter clientToken: at most 64 characters".into()));
        }
        // Data disk snapshots are not modelled; the list is checked for form only.
        if let Params::Body(m) = &self.params
            && !matches!(m.get("dataDisks"), None | Some(Value::Null | Value::Array(_)))
        {
            return Err(self.bad("Invalid parameter dataDisks: expected a list".into()));
        }
        let new = NewImage { name, region: self.call.region.clone(), description, ..Default::default() };
        match self.run(Operation::CreateImage(new), Action::CreateImage, "")? {
            Output::ImageCreated { image, .. } => {
                let task = import_task_id(&image);
                Ok(self.cx.ok(Some(json!({ "imageId": image, "importTaskId": task }))))
            }
            other => Err(self.unexpected("ImportImage", &other)),
        }
    }

    /// A required parameter that must be one of `allowed`.
    fn required_choice(&mut self, name: &str, allowed: &[&str]) -> Result<String, HttpResponse> {
        match self.param(self.params.choice(name, allowed))? {
            Some(v) => Ok(v),
            None => Err(self.bad(format!("Invalid parameter {name}: required"))),
        }
    }

    /// The `image` quota from the engine's `Quota` (which refuses when the provider reports
    /// none: JD-NO-API); the other resource types are not modelled and are left out.
    /// `imageShare` names an image, as the API requires.
    fn describe_quotas(&mut self) -> Served {
        let filters = self.param(self.params.filters(&["resourceTypes"]))?;
        let types: Vec<String> = filters.into_iter().flat_map(|(_, v)| v).collect();
        if let Some(bad) = types.iter().find(|t| !RESOURCE_TYPES.contains(&t.as_str())) {
            return Err(self.bad(format!("Invalid parameter resourceTypes: `{bad}` is not a resource type")));
        }
        let image = self.param(self.params.get("imageId"))?;
        if types.iter().any(|t| t == "imageShare") && image.is_none() {
            return Err(self.bad("Invalid parameter imageId: required for the imageShare quota".into()));
        }
        let mut quotas = Vec::new();
        if types.is_empty() || types.iter().any(|t| t == "image") {
            match self.run(Operation::Quota, Action::Quota, "")? {
                Output::Quota { used, limit } => {
                    quotas.push(json!({ "resourceType": "image", "limit": limit, "used": used }));
                }
                other => return Err(self.unexpected("Quota", &other)),
            }
        }
        Ok(self.cx.ok(Some(json!({ "quotas": quotas }))))
    }
}

#[cfg(test)]
#[path = "api_tests.rs"]
mod tests;
