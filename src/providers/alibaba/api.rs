//! Alibaba Cloud ECS's HTTP API (version 2014-05-26) in front of the engine, for the official
//! SDKs (providers/alibaba.md): RPC style, `POST /?<params>` with an empty body, the action in
//! the `x-acs-action` header or the `Action` parameter, and JSON answers carrying `RequestId`.
//!
//! Whatever the adapter acts on comes from what the request's signature covers: an ACS3
//! request signs its `x-acs-*` headers, its query and its body; a v1 request signs its
//! parameters only, so an `x-acs-action`/`x-acs-version` header beside them (the core SDK
//! sends both) must repeat the signed value, and a header that says anything else is refused.
//!
//! | action | engine operation |
//! | --- | --- |
//! | ModifyImageSharePermission | `CancelShare` (RemoveAccount.N), then `Share` (AddAccount.N), all or nothing |
//! | DescribeImageSharePermission | `ListShares` |
//! | DescribeImages | `Describe` for each `ImageId`; else `ListImages` (self), `ListSharedWithMe` + `Describe` (others), both when empty |
//! | DeleteImage / CopyImage / ModifyImageAttribute / CreateImage | `Delete` / `Copy` / `Modify` / `CreateImage` |
//! | ImportImage | `CreateImage` from no instance (the file in OSS is checked for form, not kept) |
//! | RunInstances | `Launch`, `Amount` times, all or nothing |
//! | ReplaceSystemDisk | `ReplaceSystemDisk` |
//! | ReInitDisk, ResetDisk | `ReinitDisk` (a system disk `d-X` belongs to instance `i-X`) |
//! | DescribeInstances | `ListInstances`, filtered by `InstanceIds` (a JSON array), `ImageId`, `Status`; paged |
//! | StopInstance / DeleteInstance | `StopInstance` / `DeleteInstance` |
//! | DescribeDisks | `ListInstances`: each instance's system disk |
//! | DescribeAccountAttributes | `Quota`, as the attributes `max-custom-image-count` / `used-custom-image-count` |
//! | DescribeRegions | none: the provider's regions |
//!
//! CreateImage with `InstanceId` is `CreateImage` from that instance (`NewImage::from`).
//! StopInstance, DeleteInstance, ReplaceSystemDisk and ReInitDisk may come without `RegionId`
//! (the tea SDK sends none): the region is then the named instance's.
//!
//! Every answer has `RequestId` (an uppercase UUID); errors are `{RequestId, HostId, Code,
//! Message, Recommend}` with the status of [`Spec::wire`](crate::providers::Spec::wire).
//! Two headers the SDKs ignore tell a scenario runner what happened: `x-sharesim-outcome`
//! (`ok`, the canonical error, or the refusal made before the engine, as in the journal) and
//! `x-sharesim-rule` (the rule that decided, when one did).

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::signature::{self, AuthError, Scheme};
use crate::engine::{
    Action, ErrorKind, Failure, ImageView, InstanceView, NewImage, Operation, Output, Product, Visibility,
};
use crate::providers::{Provider, WireError};
use crate::wire::{Adapter, Endpoint, HttpRequest, HttpResponse, Rejection, codec};

pub const ADAPTER: Adapter = Adapter { handle, reject };

const CONTENT_TYPE: &str = "application/json;charset=utf-8";
const HOST_ID: &str = "ecs.aliyuncs.com";
/// The largest `PageSize` of DescribeImages and DescribeImageSharePermission.
const MAX_PAGE_SIZE: u32 = 100;
/// RunInstances' `Amount` range.
const MAX_AMOUNT: u32 = 100;
/// The one ECS API version served.
const API_VERSION: &str = "2014-05-26";

/// A value a request may name twice: in an `x-acs-*` header and as a parameter.
#[derive(Debug, Clone, Copy)]
struct Named {
    header: &'static str,
    param: &'static str,
}

/// DescribeInstances takes at most this many `InstanceIds`, DescribeDisks as many `DiskIds`.
const MAX_IDS: usize = 100;
/// DescribeAccountAttributes takes `AttributeName.1` to `AttributeName.8`.
const MAX_ATTRIBUTES: usize = 8;
/// The attributes that carry the engine's image quota. ECS documents no image-quota attribute
/// (instances.md §3.1: the custom-image quota lives in Quota Center); these names are inferred,
/// after the documented `max-…` / `used-…` pairs such as `max-postpaid-instance-vcpu-count`.
pub const QUOTA_LIMIT_ATTRIBUTE: &str = "max-custom-image-count";
pub const QUOTA_USED_ATTRIBUTE: &str = "used-custom-image-count";
/// The attribute names ECS documents (instances.md §3.1); sharesim models none of them, so they
/// are answered with no values rather than refused.
const DOCUMENTED_ATTRIBUTES: [&str; 15] = [
    "instance-network-type",
    "max-security-groups",
    "max-elastic-network-interfaces",
    "max-postpaid-instance-vcpu-count",
    "max-spot-instance-vcpu-count",
    "used-postpaid-instance-vcpu-count",
    "used-spot-instance-vcpu-count",
    "max-postpaid-yundisk-capacity",
    "used-postpaid-yundisk-capacity",
    "max-dedicated-hosts",
    "supported-postpaid-instance-types",
    "max-axt-command-count",
    "max-axt-invocation-daily",
    "real-name-authentication",
    "max-cloud-assistant-activation-count",
];

const ACTION: Named = Named { header: "x-acs-action", param: "Action" };
const VERSION: Named = Named { header: "x-acs-version", param: "Version" };

/// A refusal ready for the wire.
#[derive(Debug)]
struct Refusal {
    status: u16,
    code: String,
    message: String,
    /// `x-sharesim-outcome`: the canonical error, or the journal's word for a refusal made
    /// before the engine was asked.
    outcome: String,
    rule: Option<&'static str>,
}

impl Refusal {
    fn new(status: u16, code: &str, message: impl Into<String>, outcome: &str) -> Refusal {
        Refusal { status, code: code.to_string(), message: message.into(), outcome: outcome.to_string(), rule: None }
    }

    fn from_wire(w: WireError, outcome: &str) -> Refusal {
        Refusal::new(w.status, w.code, w.message, outcome)
    }

    /// The provider's error for an engine failure of `action`.
    fn engine(f: &Failure, action: Action) -> Refusal {
        let w = Provider::Alibaba.spec().wire(f, action);
        Refusal { rule: f.rule, ..Refusal::from_wire(w, &f.kind.to_string()) }
    }

    fn missing(name: &str) -> Refusal {
        Refusal::new(400, "MissingParameter", signature::missing_message(name), "InvalidParameter")
    }

    fn invalid(name: &str) -> Refusal {
        Refusal::new(
            400,
            "InvalidParameter",
            format!("The specified parameter \"{name}\" is not valid."),
            "InvalidParameter",
        )
    }

    /// A v1 request's header that the signature does not cover and that does not repeat the
    /// signed parameter: acting on either would trust one of them without reason.
    fn unsigned(named: Named) -> Refusal {
        Refusal::auth(&AuthError::Unsigned(named.header.to_string()))
    }

    /// An ACS3 request whose signed header and signed parameter name different values.
    fn conflict(named: Named, header: &str, param: &str) -> Refusal {
        Refusal::new(
            400,
            "InvalidParameter",
            format!(
                "The header \"{}\" ({header}) and the parameter \"{}\" ({param}) disagree.",
                named.header, named.param
            ),
            "InvalidParameter",
        )
    }

    /// Our sources give no error for a version ECS does not serve; `InvalidVersion` (400) is
    /// assumed, after the `Invalid<Parameter>` codes ECS uses elsewhere.
    fn bad_version(version: &str) -> Refusal {
        Refusal::new(
            400,
            "InvalidVersion",
            format!("Specified parameter Version is not valid: ECS serves {API_VERSION}, not \"{version}\"."),
            "InvalidParameter",
        )
    }

    fn auth(e: &AuthError) -> Refusal {
        let (status, code, message) = e.wire();
        Refusal::new(status, code, message, e.decision())
    }

    /// A dry run that would have succeeded (providers/alibaba.md §4.6).
    fn dry_run() -> Refusal {
        Refusal::new(400, "DryRunOperation", "Request validation has been passed with DryRun flag set.", "ok")
    }
}

type Reply = Result<Map<String, Value>, Refusal>;

// ----- parameters ----------------------------------------------------------------------------

/// The request's decoded parameters: the query, then a form body's.
struct Params(Vec<(String, String)>);

impl Params {
    fn from_request(req: &HttpRequest) -> Params {
        let mut pairs = codec::query_pairs(req.query());
        if signature::is_form(req) {
            pairs.extend(codec::query_pairs(&String::from_utf8_lossy(&req.body)));
        }
        Params(pairs)
    }

    /// The first value of `name`, empty values counting as absent.
    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.trim().is_empty())
    }

    fn required(&self, name: &str) -> Result<&str, Refusal> {
        self.get(name).ok_or_else(|| Refusal::missing(name))
    }

    /// `true`/`false` in any case (the Python SDKs send `True`/`False`).
    fn bool(&self, name: &str) -> Result<Option<bool>, Refusal> {
        match self.get(name).map(|v| v.trim().to_ascii_lowercase()) {
            None => Ok(None),
            Some(v) if v == "true" => Ok(Some(true)),
            Some(v) if v == "false" => Ok(Some(false)),
            Some(_) => Err(Refusal::invalid(name)),
        }
    }

    fn int(&self, name: &str, range: std::ops::RangeInclusive<u32>, default: u32) -> Result<u32, Refusal> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => v.trim().parse::<u32>().ok().filter(|n| range.contains(n)).ok_or_else(|| Refusal::invalid(name)),
        }
    }

    /// A flattened list `name.1`, `name.2` … in index order; indexes that are not positive
    /// integers are refused.
    fn list(&self, name: &str) -> Result<Vec<String>, Refusal> {
        let prefix = format!("{name}.");
        let mut items: Vec<(u32, String)> = Vec::new();
        for (k, v) in &self.0 {
            let Some(n) = k.strip_prefix(&prefix) else { continue };
            let n = n.parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| Refusal::invalid(k))?;
            items.push((n, v.trim().to_string()));
        }
        items.sort_by_key(|(n, _)| *n);
        Ok(items.into_iter().map(|(_, v)| v).collect())
    }

    fn dry_run(&self) -> Result<bool, Refusal> {
        Ok(self.bool("DryRun")?.unwrap_or(false))
    }

    /// A JSON-array string of IDs (`InstanceIds=["i-…"]`, as the SDKs send it), at most
    /// `MAX_IDS`. ECS's code for a malformed list is not in our sources; `Invalid<Name>.Malformed`
    /// is inferred from the `InvalidInstanceIds.Malformed` naming ECS uses.
    fn json_ids(&self, name: &str) -> Result<Option<Vec<String>>, Refusal> {
        let Some(raw) = self.get(name) else { return Ok(None) };
        let malformed = || {
            Refusal::new(
                400,
                &format!("Invalid{name}.Malformed"),
                format!(
                    "The specified parameter \"{name}\" is not valid: a JSON array of at most {MAX_IDS} IDs is expected."
                ),
                "InvalidParameter",
            )
        };
        let ids: Vec<String> = serde_json::from_str(raw).map_err(|_| malformed())?;
        if ids.len() > MAX_IDS {
            return Err(malformed());
        }
        Ok(Some(ids.into_iter().map(|i| i.trim().to_string()).collect()))
    }

    /// One of `allowed`, or absent.
    fn choice(&self, name: &str, allowed: &[&str]) -> Result<Option<String>, Refusal> {
        match self.get(name).map(str::trim) {
            None => Ok(None),
            Some(v) if allowed.contains(&v) => Ok(Some(v.to_string())),
            Some(_) => Err(Refusal::invalid(name)),
        }
    }

    /// `PageNumber` (≥ 1, default 1) and `PageSize` (1..=100, default `default_size`).
    fn paging(&self, default_size: u32) -> Result<(u32, u32), Refusal> {
        Ok((self.int("PageNumber", 1..=u32::MAX, 1)?, self.int("PageSize", 1..=MAX_PAGE_SIZE, default_size)?))
    }
}

fn page<T>(items: Vec<T>, number: u32, size: u32) -> Vec<T> {
    let start = (number as usize - 1).saturating_mul(size as usize);
    items.into_iter().skip(start).take(size as usize).collect()
}

// ----- the handler ---------------------------------------------------------------------------

fn handle(ep: &mut Endpoint, req: &HttpRequest, now: u64) -> HttpResponse {
    let request_id = ep.request_uuid().to_ascii_uppercase();
    let reply = serve(ep, req, now);
    match reply {
        Ok(mut body) => {
            body.insert("RequestId".into(), Value::String(request_id.clone()));
            ep.decide("ok", None);
            HttpResponse::json(200, CONTENT_TYPE, &Value::Object(body)).with_header("x-acs-request-id", &request_id)
        }
        Err(r) => {
            ep.decide(&r.outcome, r.rule);
            error_response(&request_id, &r)
        }
    }
}

fn error_response(request_id: &str, r: &Refusal) -> HttpResponse {
    let body = json!({
        "RequestId": request_id,
        "HostId": HOST_ID,
        "Code": r.code,
        "Message": r.message,
        "Recommend": format!(
            "https://api.aliyun.com/troubleshoot?q={}&product=Ecs&requestId={request_id}",
            codec::encode(&r.code)
        ),
    });
    HttpResponse::json(r.status, CONTENT_TYPE, &body).with_header("x-acs-request-id", request_id)
}

/// Transport refusals, in ECS's error format (the codes are not in our sources).
fn reject(ep: &mut Endpoint, why: &Rejection) -> HttpResponse {
    let request_id = ep.request_uuid().to_ascii_uppercase();
    let r = match why {
        Rejection::BodyTooLarge { limit } => Refusal::new(
            413,
            "RequestEntityTooLarge",
            format!("The request body exceeds the limit of {limit} bytes."),
            "body-too-large",
        ),
        Rejection::Unreadable(detail) => {
            Refusal::new(400, "InvalidParameter", format!("The request could not be read: {detail}"), "unreadable")
        }
    };
    ep.decide(&r.outcome, r.rule);
    error_response(&request_id, &r)
}

/// The value of `named` that the request's signature covers: under ACS3 the header (every
/// `x-acs-*` header must be signed, which `signature::authenticate` checks) or the query;
/// under v1 the parameter. `None` when the request names none.
fn signed_value(req: &HttpRequest, params: &Params, named: Named) -> Result<Option<String>, Refusal> {
    let header = req.get(named.header).map(|h| h.trim().to_string()).filter(|h| !h.is_empty());
    let param = params.get(named.param).map(|p| p.trim().to_string());
    match (signature::scheme(req), header, param) {
        (Scheme::Acs3, Some(h), Some(p)) if h != p => Err(Refusal::conflict(named, &h, &p)),
        (Scheme::Acs3, h, p) => Ok(h.or(p)),
        (Scheme::RpcV1, Some(h), p) if p.as_deref() != Some(h.as_str()) => Err(Refusal::unsigned(named)),
        (Scheme::RpcV1, _, p) => Ok(p),
    }
}

/// Only ECS's own version is served: another would name other operations and parameters.
fn check_version(version: Option<&str>) -> Result<(), Refusal> {
    match version {
        None => Err(Refusal::missing(VERSION.param)),
        Some(API_VERSION) => Ok(()),
        Some(other) => Err(Refusal::bad_version(other)),
    }
}

fn serve(ep: &mut Endpoint, req: &HttpRequest, now: u64) -> Reply {
    let params = Params::from_request(req);
    let action = signed_value(req, &params, ACTION)?.ok_or_else(|| Refusal::missing(ACTION.param))?;
    ep.note_api(&action);
    check_version(signed_value(req, &params, VERSION)?.as_deref())?;
    let Some(route) = Route::parse(&action) else {
        let w = Provider::Alibaba.spec().wire(&Failure::plain(ErrorKind::Unsupported, ""), Action::Accept);
        return Err(Refusal::from_wire(w, "Unsupported"));
    };
    let caller = signature::authenticate(ep, req, &params.0, now).map_err(|e| Refusal::auth(&e))?;
    let actor = caller.account;
    if route == Route::DescribeRegions {
        // Answered without the engine; the journal still says it succeeded.
        ep.note_refusal("ok");
        return describe_regions();
    }
    let region = match params.get("RegionId") {
        Some(r) => r.trim().to_string(),
        None => match route.instance_scoped() {
            Some(named) => region_of_instance(ep, &params, named)?,
            None => return Err(Refusal::missing("RegionId")),
        },
    };
    if !Provider::Alibaba.spec().regions.iter().any(|r| r.id == region) {
        let f = Failure::plain(ErrorKind::UnknownRegion, format!("unknown region `{region}`"));
        return Err(Refusal::from_wire(Provider::Alibaba.spec().wire(&f, Action::ListImages), "UnknownRegion"));
    }
    let cx = Cx { actor: &actor, region: &region, p: &params };
    match route {
        Route::ModifyImageSharePermission => modify_share_permission(ep, &cx),
        Route::DescribeImageSharePermission => describe_share_permission(ep, &cx),
        Route::DescribeImages => describe_images(ep, &cx),
        Route::DeleteImage => delete_image(ep, &cx),
        Route::CopyImage => copy_image(ep, &cx),
        Route::ModifyImageAttribute => modify_image_attribute(ep, &cx),
        Route::CreateImage => create_image(ep, &cx),
        Route::ImportImage => import_image(ep, &cx),
        Route::RunInstances => run_instances(ep, &cx),
        Route::ReplaceSystemDisk => replace_system_disk(ep, &cx),
        Route::ReInitDisk => reinit_disk(ep, &cx),
        Route::DescribeInstances => describe_instances(ep, &cx),
        Route::StopInstance => instance_lifecycle(ep, &cx, false),
        Route::DeleteInstance => instance_lifecycle(ep, &cx, true),
        Route::DescribeDisks => describe_disks(ep, &cx),
        Route::DescribeAccountAttributes => describe_account_attributes(ep, &cx),
        Route::DescribeRegions => describe_regions(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    ModifyImageSharePermission,
    DescribeImageSharePermission,
    DescribeImages,
    DeleteImage,
    CopyImage,
    ModifyImageAttribute,
    CreateImage,
    ImportImage,
    RunInstances,
    ReplaceSystemDisk,
    /// ReInitDisk, and ResetDisk taken as a re-initialization (snapshots are not modelled).
    ReInitDisk,
    DescribeInstances,
    StopInstance,
    DeleteInstance,
    DescribeDisks,
    DescribeAccountAttributes,
    DescribeRegions,
}

/// How an instance- or disk-scoped call names the instance it acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// `InstanceId`.
    Instance,
    /// `DiskId`, the system disk `d-X` of instance `i-X`.
    Disk,
}

impl Route {
    /// The calls the tea SDK sends without `RegionId` (instances.md §0): ECS takes the region
    /// from the instance or disk they name.
    fn instance_scoped(self) -> Option<Scope> {
        match self {
            Route::ReplaceSystemDisk | Route::StopInstance | Route::DeleteInstance => Some(Scope::Instance),
            Route::ReInitDisk => Some(Scope::Disk),
            _ => None,
        }
    }

    fn parse(action: &str) -> Option<Route> {
        Some(match action {
            "ModifyImageSharePermission" => Route::ModifyImageSharePermission,
            "DescribeImageSharePermission" => Route::DescribeImageSharePermission,
            "DescribeImages" => Route::DescribeImages,
            "DeleteImage" => Route::DeleteImage,
            "CopyImage" => Route::CopyImage,
            "ModifyImageAttribute" => Route::ModifyImageAttribute,
            "CreateImage" => Route::CreateImage,
            "ImportImage" => Route::ImportImage,
            "RunInstances" => Route::RunInstances,
            "ReplaceSystemDisk" => Route::ReplaceSystemDisk,
            "ReInitDisk" | "ResetDisk" => Route::ReInitDisk,
            "DescribeInstances" => Route::DescribeInstances,
            "StopInstance" => Route::StopInstance,
            "DeleteInstance" => Route::DeleteInstance,
            "DescribeDisks" => Route::DescribeDisks,
            "DescribeAccountAttributes" => Route::DescribeAccountAttributes,
            "DescribeRegions" => Route::DescribeRegions,
            _ => return None,
        })
    }
}

/// The region of the instance (or of the disk's instance) a call without `RegionId` names,
/// read from the engine's state without changing it. Whose instance it is, and whether it was
/// released, the engine decides when the call runs; an ID that names no instance at all is
/// ECS's not-found answer for the parameter the call took.
fn region_of_instance(ep: &Endpoint, params: &Params, scope: Scope) -> Result<String, Refusal> {
    let (id, instance) = match scope {
        Scope::Instance => {
            let id = params.required("InstanceId")?.trim().to_string();
            (id.clone(), Some(id))
        }
        Scope::Disk => {
            let id = params.required("DiskId")?.trim().to_string();
            let instance = instance_of(&id);
            (id, instance)
        }
    };
    let state = ep.engine().state();
    let region = instance
        .and_then(|i| state.index.instance_by_id.get(&i).copied())
        .and_then(|n| state.instances.get(n))
        .and_then(|inst| Provider::Alibaba.spec().regions.get(inst.region));
    match (region, scope) {
        (Some(r), _) => Ok(r.id.to_string()),
        (None, Scope::Instance) => {
            let f = Failure::plain(ErrorKind::InstanceNotFound, format!("instance `{id}` does not exist"));
            Err(Refusal::from_wire(Provider::Alibaba.spec().wire(&f, Action::ReplaceSystemDisk), "InstanceNotFound"))
        }
        (None, Scope::Disk) => Err(no_disk("InstanceNotFound", None)),
    }
}

/// ECS's answer for a disk ID that names no disk of the caller's (inferred from ECS's
/// `Invalid<Parameter>.NotFound` pattern; instances.md §3.2).
fn no_disk(outcome: &str, rule: Option<&'static str>) -> Refusal {
    Refusal { rule, ..Refusal::new(404, "InvalidDiskId.NotFound", "The specified disk does not exist.", outcome) }
}

/// Who calls, in which region, with what.
struct Cx<'a> {
    actor: &'a str,
    region: &'a str,
    p: &'a Params,
}

impl Cx<'_> {
    fn run(&self, ep: &mut Endpoint, op: Operation) -> Result<Output, Refusal> {
        let action = op.action();
        ep.apply(self.actor, Some(self.region), op).map_err(|f| Refusal::engine(&f, action))
    }
}

/// Runs `f`; on failure, or for a dry run, puts the engine back as it was, so a request with
/// several engine steps is all or nothing. A dry run that passes answers `DryRunOperation`.
fn transaction(ep: &mut Endpoint, dry_run: bool, steps: usize, f: impl FnOnce(&mut Endpoint) -> Reply) -> Reply {
    if !dry_run && steps <= 1 {
        return f(ep);
    }
    let saved = ep.engine().clone();
    let reply = f(ep);
    if dry_run || reply.is_err() {
        ep.replace_engine(saved);
    }
    match reply {
        Ok(_) if dry_run => Err(Refusal::dry_run()),
        other => other,
    }
}

fn done() -> Reply {
    Ok(Map::new())
}

// ----- operations ----------------------------------------------------------------------------

fn modify_share_permission(ep: &mut Endpoint, cx: &Cx) -> Reply {
    let image = cx.p.required("ImageId")?.trim().to_string();
    let (add, remove) = (cx.p.list("AddAccount")?, cx.p.list("RemoveAccount")?);
    // Publishing a community image is not modelled; unpublishing one that is not public is a no-op.
    if cx.p.bool("IsPublic")? == Some(true) {
        let f = Failure::plain(ErrorKind::Unsupported, "sharesim does not publish community images");
        return Err(Refusal::from_wire(Provider::Alibaba.spec().wire(&f, Action::Share), "Unsupported"));
    }
    let dry = cx.p.dry_run()?;
    let steps = usize::from(!add.is_empty()) + usize::from(!remove.is_empty());
    transaction(ep, dry, steps, |ep| {
        // Removes first, so one call can swap accounts on an image at its limit.
        if !remove.is_empty() {
            cx.run(ep, Operation::CancelShare { image: image.clone(), recipients: remove })?;
        }
        if !add.is_empty() {
            cx.run(ep, Operation::Share { images: vec![image.clone()], recipients: add, options: Default::default() })?;
        }
        if steps == 0 {
            // Nothing to change: still only the owner may call it on an image that exists.
            cx.run(ep, Operation::ListShares { image })?;
        }
        done()
    })
}

fn describe_share_permission(ep: &mut Endpoint, cx: &Cx) -> Reply {
    let image = cx.p.required("ImageId")?.trim().to_string();
    let (number, size) = cx.p.paging(10)?;
    if cx.p.dry_run()? {
        return Err(Refusal::dry_run());
    }
    let Output::Members { members } = cx.run(ep, Operation::ListShares { image: image.clone() })? else {
        return Err(unexpected());
    };
    let public = matches!(
        cx.run(ep, Operation::Describe { image: image.clone() }),
        Ok(Output::Image { image }) if image.visibility == Visibility::Public
    );
    let total = members.len();
    let accounts: Vec<Value> = page(members, number, size)
        .into_iter()
        .map(|m| json!({ "AliyunId": m.recipient, "SharedTime": m.shared_at }))
        .collect();
    let groups: Vec<Value> = if public { vec![json!({ "Group": "all" })] } else { vec![] };
    Ok(object(json!({
        "RegionId": cx.region,
        "ImageId": image,
        "PageNumber": number,
        "PageSize": size,
        "TotalCount": total,
        "ShareGroups": { "ShareGroup": groups },
        "Accounts": { "Account": accounts },
    })))
}

/// One image of a DescribeImages answer, before rendering.
struct Row {
    view: ImageView,
    alias: &'static str,
    /// For the caller's own images: whether it shares them (`IsSelfShared`).
    self_shared: Option<bool>,
}

fn describe_images(ep: &mut Endpoint, cx: &Cx) -> Reply {
    let p = cx.p;
    let (want_self, want_others) = match p.get("ImageOwnerAlias").map(str::trim) {
        None => (true, true),
        Some("self") => (true, false),
        Some("others") => (false, true),
        // sharesim has no public (system) or Marketplace images.
        Some("system" | "marketplace") => (false, false),
        Some(_) => {
            return Err(Refusal::new(
                400,
                "InvalidImageOwnerAlias.ValueNotSupported",
                "The specified ImageOwnerAlias is not supported.",
                "InvalidParameter",
            ));
        }
    };
    let ids: Option<BTreeSet<String>> = p.get("ImageId").map(|v| split_list(v).collect());
    let statuses: Vec<String> =
        split_list(p.get("Status").unwrap_or("Available")).map(|s| s.to_ascii_lowercase()).collect();
    let is_public = p.bool("IsPublic")?;
    let name = p.get("ImageName");
    let owner_id = match p.get("ImageOwnerId") {
        Some(v) => Some(v.trim().parse::<u64>().map_err(|_| Refusal::invalid("ImageOwnerId"))?),
        None => None,
    };
    let (number, size) = p.paging(10)?;
    if p.dry_run()? {
        return Err(Refusal::dry_run());
    }
    let wanted = |id: &str| ids.as_ref().is_none_or(|ids| ids.contains(id));
    let mut rows: Vec<Row> = Vec::new();
    if let Some(ids) = &ids {
        // Each named image is the engine's to describe (its visibility rules decide); one the
        // caller cannot see is left out of the answer, as ECS does, rather than refused.
        for id in ids {
            if let Ok(out) = cx.run(ep, Operation::Describe { image: id.clone() }) {
                let Output::Image { image } = out else { return Err(unexpected()) };
                let own = image.held_as == "owner";
                if (own && want_self) || (!own && want_others && is_public != Some(true)) {
                    rows.push(Row { view: image, alias: if own { "self" } else { "others" }, self_shared: None });
                }
            }
        }
        if rows.iter().any(|r| r.alias == "self") {
            let shared = my_shared(ep, cx);
            for r in rows.iter_mut().filter(|r| r.alias == "self") {
                r.self_shared = Some(shared.contains(&r.view.id));
            }
        }
    } else if want_self {
        let Output::Images { images } = cx.run(ep, Operation::ListImages)? else { return Err(unexpected()) };
        let shared = my_shared(ep, cx);
        for view in images {
            let self_shared = Some(shared.contains(&view.id));
            rows.push(Row { view, alias: "self", self_shared });
        }
    }
    // `others` with IsPublic=true asks for community images, which sharesim does not list.
    if ids.is_none() && want_others && is_public != Some(true) {
        let Output::SharedWithMe { images } = cx.run(ep, Operation::ListSharedWithMe)? else {
            return Err(unexpected());
        };
        for shared in images.into_iter().filter(|s| wanted(&s.image)) {
            if let Ok(Output::Image { image }) = cx.run(ep, Operation::Describe { image: shared.image }) {
                rows.push(Row { view: image, alias: "others", self_shared: None });
            }
        }
    }
    rows.retain(|r| {
        wanted(&r.view.id)
            && statuses.contains(&status(&r.view).to_ascii_lowercase())
            && name.is_none_or(|n| r.view.name.contains(n))
            && owner_id.is_none_or(|o| r.view.owner_id.parse::<u64>().ok() == Some(o))
            && (r.alias != "self" || is_public.is_none_or(|p| p == (r.view.visibility == Visibility::Public)))
    });
    let total = rows.len();
    let images: Vec<Value> = page(rows, number, size).iter().map(image_json).collect();
    Ok(object(json!({
        "RegionId": cx.region,
        "PageNumber": number,
        "PageSize": size,
        "TotalCount": total,
        "Images": { "Image": images },
    })))
}

/// The caller's images it shares with someone, for `IsSelfShared`.
fn my_shared(ep: &mut Endpoint, cx: &Cx) -> BTreeSet<String> {
    match cx.run(ep, Operation::ListMyShared) {
        Ok(Output::MyShared { images }) => images.into_iter().map(|i| i.image).collect(),
        _ => BTreeSet::new(),
    }
}

fn split_list(v: &str) -> impl Iterator<Item = String> + '_ {
    v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// ECS's image status for the engine's state.
fn status(v: &ImageView) -> &'static str {
    match v.state.as_str() {
        "available" => "Available",
        "creating" => "Creating",
        _ => "UnAvailable",
    }
}

/// The part of an ID after its `x-` prefix.
fn suffix(id: &str) -> &str {
    id.split_once('-').map(|(_, s)| s).unwrap_or(id)
}

fn image_json(r: &Row) -> Value {
    let v = &r.view;
    let available = status(v) == "Available";
    let progress = if available { "100%" } else { "0%" };
    let encrypted = v.encryption != crate::engine::EncryptionSpec::None;
    json!({
        "ImageId": v.id,
        "ImageName": v.name,
        "Description": v.description,
        "ImageOwnerAlias": r.alias,
        "ImageOwnerId": v.owner_id.parse::<u64>().unwrap_or(0),
        "Status": status(v),
        "Progress": progress,
        "IsPublic": v.visibility == Visibility::Public,
        "IsSelfShared": match r.self_shared { Some(true) => "true", Some(false) => "false", None => "" },
        "CreationTime": v.created_at,
        "Size": 40,
        "OSType": "linux",
        "Architecture": "x86_64",
        "Platform": "CentOS",
        "OSName": "CentOS  7.9 64位",
        "OSNameEn": "CentOS  7.9 64 bit",
        "Usage": "none",
        "IsCopied": false,
        "IsSubscribed": false,
        "IsSupportCloudinit": true,
        "IsSupportIoOptimized": true,
        "BootMode": "BIOS",
        "ImageVersion": "",
        "ImageFamily": "",
        "ProductCode": "",
        "ResourceGroupId": "",
        "Tags": { "Tag": [] },
        "DiskDeviceMappings": { "DiskDeviceMapping": [{
            "Type": "system",
            "Device": "/dev/xvda",
            "Size": "40",
            "SnapshotId": format!("s-{}", suffix(&v.id)),
            "Format": "",
            "Progress": progress,
            "RemainTime": 0,
            "Encrypted": if encrypted { "true" } else { "false" },
        }]},
    })
}

fn delete_image(ep: &mut Endpoint, cx: &Cx) -> Reply {
    let image = cx.p.required("ImageId")?.trim().to_string();
    // `Force` deletes images that instances use; the engine does not keep images for instances.
    cx.p.bool("Force")?;
    let dry = cx.p.dry_run()?;
    transaction(ep, dry, 1, |ep| {
        cx.run(ep, Operation::Delete { image })?;
        done()
    })
}

fn copy_image(ep: &mut Endpoint, cx: &Cx) -> Reply {
    let image = cx.p.required("ImageId")?.trim().to_string();
    let dest = cx.p.get("DestinationRegionId").map(str::trim).unwrap_or(cx.region).to_string();
    if !Provider::Alibaba.spec().regions.iter().any(|r| r.id == dest) {
        let f = Failure::plain(ErrorKind::UnknownRegion, format!("unknown region `{dest}`"));
        return Err(Refusal::from_wire(Provider::Alibaba.spec().wire(&f, Action::Copy), "UnknownRegion"));
    }
    let name = cx.p.get("DestinationImageName").map(str::to_string);
    let description = cx.p.get("DestinationDescription").map(str::to_string);
    let own_key = cx.p.bool("Encrypted")?.unwrap_or(false);
    let dry = cx.p.dry_run()?;
    let steps = 1 + usize::from(description.is_some());
    transaction(ep, dry, steps, |ep| {
        let op = Operation::Copy { image, to_region: dest.clone(), name, own_key };
        let Output::Copied { image: new_id, .. } = cx.run(ep, op)? else { return Err(unexpected()) };
        if let Some(d) = description {
            let modify = Operation::Modify { image: new_id.clone(), name: None, description: Some(d) };
            ep.apply(cx.actor, Some(&dest), modify).map_err(|f| Refusal::engine(&f, Action::Copy))?;
        }
        Ok(object(json!({ "ImageId": new_id })))
    })
}

fn modify_image_attribute(ep: &mut Endpoint, cx: &Cx) -> Reply {
    let image = cx.p.required("ImageId")?.trim().to_string();
    let name = cx.p.get("ImageName").map(str::to_string);
    let description = cx.p.get("Description").map(str::to_string);
    let dry = cx.p.dry_run()?;
    transaction(ep, dry, 1, |ep| {
        cx.run(ep, Operation::Modify { image, name, description })?;
        done()
    })
}

/// CreateImage from the caller's instance (`InstanceId`): the engine checks the instance is the
/// caller's and in `RegionId`, and the image takes its region. Without `InstanceId` (a snapshot
/// or disk mappings, which sharesim does not model) the image is made with no content behind it.
/// `Platform`, `Architecture`, `ImageFamily`, `Tag.N` and `ClientToken` describe content sharesim
/// does not keep; they are accepted and not stored.
fn create_image(ep: &mut Endpoint, cx: &Cx) -> Reply {
    let name = cx.p.get("ImageName").unwrap_or("custom-image").to_string();
    let description = cx.p.get("Description").unwrap_or("").to_string();
    let from = cx.p.get("InstanceId").map(|i| i.trim().to_string()).filter(|i| !i.is_empty());
    // ECS makes an image from an instance, a snapshot or a disk mapping. sharesim models no
    // snapshots; an image from a file is ImportImage.
    let from = match from {
        Some(instance) => Some(instance),
        None if cx.p.get("SnapshotId").is_some()
            || (1..=MAX_DISK_MAPPINGS).any(|n| cx.p.get(&format!("DiskDeviceMapping.{n}.SnapshotId")).is_some()) =>
        {
            let f = Failure::plain(
                ErrorKind::Unsupported,
                "sharesim makes ECS images from instances (InstanceId) or files (ImportImage); it models no snapshots",
            );
            return Err(Refusal::from_wire(Provider::Alibaba.spec().wire(&f, Action::CreateImage), "Unsupported"));
        }
        None => return Err(Refusal::missing("InstanceId")),
    };
    let dry = cx.p.dry_run()?;
    let new = NewImage { name, region: cx.region.to_string(), description, from, ..Default::default() };
    transaction(ep, dry, 1, |ep| {
        let Output::ImageCreated { image, .. } = cx.run(ep, Operation::CreateImage(new))? else {
            return Err(unexpected());
        };
        Ok(object(json!({ "ImageId": image })))
    })
}

/// ImportImage's `DiskDeviceMapping.N`: N = 1 is the system disk, 2 to 17 data disks.
const MAX_DISK_MAPPINGS: u32 = 17;
/// ImportImage's `Platform` values (ImportImageRequest).
const IMPORT_PLATFORMS: [&str; 27] = [
    "Aliyun",
    "Anolis",
    "CentOS",
    "Ubuntu",
    "CoreOS",
    "SUSE",
    "Debian",
    "OpenSUSE",
    "FreeBSD",
    "RedHat",
    "Kylin",
    "UOS",
    "Fedora",
    "Fedora CoreOS",
    "CentOS Stream",
    "AlmaLinux",
    "Rocky Linux",
    "Gentoo",
    "Customized Linux",
    "Others Linux",
    "Windows Server 2022",
    "Windows Server 2019",
    "Windows Server 2016",
    "Windows Server 2012",
    "Windows Server 2008",
    "Windows Server 2003",
    "Other Windows",
];

/// One `DiskDeviceMapping.N` of ImportImage: the file in OSS and what it holds.
#[derive(Debug, Default)]
struct DiskMapping {
    bucket: Option<String>,
    object: Option<String>,
}

/// ImportImage's `DiskDeviceMapping.N.*`, in N order. Each mapping names its OSS bucket and
/// object; `Format` is RAW, VHD, QCOW2 or VMDK (any case: the SDK examples send lowercase),
/// `DiskImageSize` (and the older `DiskImSize`) 1 to 2048 GiB; `Device` is deprecated and
/// ignored. Without a mapping there is no file to import (MissingParameter, inferred: ECS
/// documents the list as required in practice, not as a required parameter).
fn disk_mappings(p: &Params) -> Result<Vec<DiskMapping>, Refusal> {
    let mut by_index: std::collections::BTreeMap<u32, DiskMapping> = std::collections::BTreeMap::new();
    for (k, v) in &p.0 {
        let Some(rest) = k.strip_prefix("DiskDeviceMapping.") else { continue };
        let (n, field) = rest.split_once('.').ok_or_else(|| Refusal::invalid(k))?;
        let n =
            n.parse::<u32>().ok().filter(|n| (1..=MAX_DISK_MAPPINGS).contains(n)).ok_or_else(|| Refusal::invalid(k))?;
        let entry = by_index.entry(n).or_default();
        let v = v.trim();
        match field {
            "OSSBucket" => entry.bucket = Some(v.to_string()).filter(|v| !v.is_empty()),
            "OSSObject" => entry.object = Some(v.to_string()).filter(|v| !v.is_empty()),
            "Format" if v.is_empty() || ["RAW", "VHD", "QCOW2", "VMDK"].iter().any(|f| f.eq_ignore_ascii_case(v)) => {}
            "DiskImageSize" | "DiskImSize"
                if v.is_empty() || v.parse::<u32>().is_ok_and(|g| (1..=2048).contains(&g)) => {}
            "Device" => {}
            _ => return Err(Refusal::invalid(k)),
        }
    }
    if by_index.is_empty() {
        return Err(Refusal::missing("DiskDeviceMapping.1.OSSBucket"));
    }
    let mut out = Vec::new();
    for (n, m) in by_index {
        if m.bucket.is_none() {
            return Err(Refusal::missing(&format!("DiskDeviceMapping.{n}.OSSBucket")));
        }
        if m.object.is_none() {
            return Err(Refusal::missing(&format!("DiskDeviceMapping.{n}.OSSObject")));
        }
        out.push(m);
    }
    Ok(out)
}

/// An ECS image name: 2 to 128 characters, starting with a letter or a Chinese character, not
/// with `aliyun` or `acs:`, without `http://` or `https://`, and otherwise letters, digits,
/// `.`, `:`, `_` and `-` (ImportImageRequest's `ImageName`).
pub fn valid_image_name(n: &str) -> bool {
    let lower = n.to_ascii_lowercase();
    (2..=128).contains(&n.chars().count())
        && n.chars().next().is_some_and(char::is_alphabetic)
        && !lower.starts_with("aliyun")
        && !lower.starts_with("acs:")
        && !lower.contains("http://")
        && !lower.contains("https://")
        && n.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | ':' | '_' | '-'))
}

/// ImportImage: a private image from files in OSS, made in `RegionId`. The files, format, OS
/// and boot fields describe content sharesim does not keep: they are checked against the
/// values ImportImageRequest documents and not stored. The import task is not modelled: the
/// image is made at once and `TaskId` is derived from its ID. `ClientToken` is checked for form
/// only (a repeated token makes another image); `Tag.N`, `ResourceGroupId`, `RoleName`,
/// `Features.*` and `StorageLocationArn` are accepted and not kept.
///
/// Error codes: MissingParameter and InvalidParameter are ECS's generic ones; the
/// `InvalidImageName.Malformed` and `InvalidDescription.Malformed` codes are CreateImage's,
/// assumed to hold for ImportImage too. Without `ImageName` (optional in ECS) the image is
/// named `import-image`, as CreateImage here names an unnamed one `custom-image` (inferred).
fn import_image(ep: &mut Endpoint, cx: &Cx) -> Reply {
    let p = cx.p;
    let name = p.get("ImageName").map(str::trim).unwrap_or("import-image").to_string();
    if !valid_image_name(&name) {
        return Err(Refusal::new(
            400,
            "InvalidImageName.Malformed",
            "Specified image name is not valid.",
            "InvalidParameter",
        ));
    }
    let description = p.get("Description").unwrap_or("").to_string();
    let d_lower = description.to_ascii_lowercase();
    if !description.is_empty()
        && (!(2..=256).contains(&description.chars().count())
            || d_lower.starts_with("http://")
            || d_lower.starts_with("https://"))
    {
        return Err(Refusal::new(
            400,
            "InvalidDescription.Malformed",
            "Specified description is not valid.",
            "InvalidParameter",
        ));
    }
    let arch = p.choice("Architecture", &["i386", "x86_64", "arm64"])?.unwrap_or_else(|| "x86_64".into());
    let os = p.choice("OSType", &["windows", "linux"])?.unwrap_or_else(|| "linux".into());
    if let Some(platform) = p.choice("Platform", &IMPORT_PLATFORMS)?
        && platform.contains("Windows") != (os == "windows")
    {
        // Inferred: a platform of the other OS family is refused rather than stored inconsistent.
        return Err(Refusal::invalid("Platform"));
    }
    // "If `Architecture=arm64` … only UEFI can be specified."
    if p.choice("BootMode", &["BIOS", "UEFI"])?.is_some_and(|b| arch == "arm64" && b == "BIOS") {
        return Err(Refusal::invalid("BootMode"));
    }
    p.choice("LicenseType", &["Aliyun", "BYOL"])?;
    p.choice("DetectionStrategy", &["Standard"])?;
    if p.get("ClientToken").is_some_and(|t| t.len() > 64 || !t.is_ascii()) {
        return Err(Refusal::invalid("ClientToken"));
    }
    disk_mappings(p)?;
    let dry = p.dry_run()?;
    let new = NewImage { name, region: cx.region.to_string(), description, ..Default::default() };
    transaction(ep, dry, 1, |ep| {
        let Output::ImageCreated { image, .. } = cx.run(ep, Operation::CreateImage(new))? else {
            return Err(unexpected());
        };
        let task = format!("t-{}", suffix(&image));
        Ok(object(json!({ "ImageId": image, "TaskId": task, "RegionId": cx.region })))
    })
}

fn run_instances(ep: &mut Endpoint, cx: &Cx) -> Reply {
    let image = cx.p.required("ImageId")?.trim().to_string();
    let amount = cx.p.int("Amount", 1..=MAX_AMOUNT, 1)?;
    let dry = cx.p.dry_run()?;
    transaction(ep, dry, amount as usize, |ep| {
        let mut ids = Vec::new();
        for _ in 0..amount {
            let op = Operation::Launch { image: image.clone(), product: Product::Cvm };
            match cx.run(ep, op)? {
                Output::Launched { instance } => ids.push(instance),
                _ => return Err(unexpected()),
            }
        }
        Ok(object(json!({
            "InstanceIdSets": { "InstanceIdSet": ids },
            "OrderId": "",
            "TradePrice": 0.0,
        })))
    })
}

/// The system disk of instance `i-X` is `d-X`.
pub fn disk_of(instance: &str) -> String {
    format!("d-{}", suffix(instance))
}

/// The instance whose system disk `disk` is.
pub fn instance_of(disk: &str) -> Option<String> {
    disk.strip_prefix("d-").filter(|s| !s.is_empty()).map(|s| format!("i-{s}"))
}

fn replace_system_disk(ep: &mut Endpoint, cx: &Cx) -> Reply {
    let instance = cx.p.required("InstanceId")?.trim().to_string();
    let image = cx.p.required("ImageId")?.trim().to_string();
    let dry = cx.p.dry_run()?;
    transaction(ep, dry, 1, |ep| {
        cx.run(ep, Operation::ReplaceSystemDisk { instance: instance.clone(), image })?;
        Ok(object(json!({ "DiskId": disk_of(&instance) })))
    })
}

/// ReInitDisk (and ResetDisk) name the system disk; an unknown instance is an unknown disk.
fn reinit_disk(ep: &mut Endpoint, cx: &Cx) -> Reply {
    let disk = cx.p.required("DiskId")?.trim().to_string();
    let dry = cx.p.dry_run()?;
    let instance = instance_of(&disk).ok_or_else(|| no_disk("InvalidParameter", None))?;
    transaction(ep, dry, 1, |ep| match ep.apply(cx.actor, Some(cx.region), Operation::ReinitDisk { instance }) {
        Ok(_) => done(),
        Err(f) if f.kind == ErrorKind::InstanceNotFound => Err(no_disk("InstanceNotFound", f.rule)),
        Err(f) => Err(Refusal::engine(&f, Action::ReinitDisk)),
    })
}

/// ECS's instance status for the engine's state.
fn instance_status(v: &InstanceView) -> &'static str {
    if v.state == "stopped" { "Stopped" } else { "Running" }
}

/// The zone an instance is placed in: sharesim does not model zones, so every instance is in
/// the region's first.
fn zone_of(region: &str) -> String {
    format!("{region}-a")
}

fn my_instances(ep: &mut Endpoint, cx: &Cx) -> Result<Vec<InstanceView>, Refusal> {
    match cx.run(ep, Operation::ListInstances)? {
        Output::Instances { instances } => Ok(instances),
        _ => Err(unexpected()),
    }
}

/// The caller's instances in the region; one named in `InstanceIds` that is not the caller's
/// (or not there) is left out, as ECS lists only what the caller can see.
fn describe_instances(ep: &mut Endpoint, cx: &Cx) -> Reply {
    let ids = cx.p.json_ids("InstanceIds")?;
    let image = cx.p.get("ImageId").map(|i| i.trim().to_string());
    let status = cx.p.choice("Status", &["Pending", "Running", "Starting", "Stopping", "Stopped"])?;
    let (number, size) = cx.p.paging(10)?;
    if cx.p.dry_run()? {
        return Err(Refusal::dry_run());
    }
    let mut rows = my_instances(ep, cx)?;
    rows.retain(|v| {
        ids.as_ref().is_none_or(|ids| ids.contains(&v.id))
            && image.as_ref().is_none_or(|i| *i == v.image)
            && status.as_deref().is_none_or(|s| s == instance_status(v))
    });
    let total = rows.len();
    let instances: Vec<Value> = page(rows, number, size)
        .iter()
        .map(|v| {
            json!({
                "InstanceId": v.id,
                "InstanceName": v.id,
                "HostName": v.id,
                "ImageId": v.image,
                "Status": instance_status(v),
                "RegionId": v.region,
                "ZoneId": zone_of(&v.region),
                "InstanceType": "ecs.g7.large",
                "InstanceChargeType": "PostPaid",
                "Cpu": 2,
                "Memory": 8192,
                "OSType": "linux",
                "OSName": "CentOS  7.9 64位",
                "OSNameEn": "CentOS  7.9 64 bit",
                "Tags": { "Tag": [] },
            })
        })
        .collect();
    Ok(object(json!({
        "PageNumber": number,
        "PageSize": size,
        "TotalCount": total,
        "NextToken": "",
        "Instances": { "Instance": instances },
    })))
}

/// StopInstance or DeleteInstance on the caller's instance. `ForceStop`, `StoppedMode`, `Force`
/// and `TerminateSubscription` are checked for form only: the engine models no instance status
/// a stop or release would wait for.
fn instance_lifecycle(ep: &mut Endpoint, cx: &Cx, delete: bool) -> Reply {
    let instance = cx.p.required("InstanceId")?.trim().to_string();
    cx.p.bool("ForceStop")?;
    if delete {
        cx.p.bool("Force")?;
        cx.p.bool("TerminateSubscription")?;
    } else {
        cx.p.choice("StoppedMode", &["StopCharging", "KeepCharging", "Not-applicable"])?;
    }
    let dry = cx.p.dry_run()?;
    let op = if delete { Operation::DeleteInstance { instance } } else { Operation::StopInstance { instance } };
    transaction(ep, dry, 1, |ep| {
        cx.run(ep, op)?;
        done()
    })
}

/// The system disks of the caller's instances in the region (sharesim models no data disks):
/// disk `d-X` of instance `i-X`, built from the instance's image.
fn describe_disks(ep: &mut Endpoint, cx: &Cx) -> Reply {
    let instance = cx.p.get("InstanceId").map(|i| i.trim().to_string());
    let ids = cx.p.json_ids("DiskIds")?;
    let kind = cx.p.choice("DiskType", &["all", "system", "data"])?;
    let (number, size) = cx.p.paging(10)?;
    if cx.p.dry_run()? {
        return Err(Refusal::dry_run());
    }
    let mut rows = my_instances(ep, cx)?;
    rows.retain(|v| {
        kind.as_deref() != Some("data")
            && instance.as_ref().is_none_or(|i| *i == v.id)
            && ids.as_ref().is_none_or(|ids| ids.contains(&disk_of(&v.id)))
    });
    let total = rows.len();
    let disks: Vec<Value> = page(rows, number, size)
        .iter()
        .map(|v| {
            json!({
                "DiskId": disk_of(&v.id),
                "DiskName": "",
                "Type": "system",
                "Category": "cloud_essd",
                "Size": 40,
                "Device": "/dev/xvda",
                "ImageId": v.image,
                "InstanceId": v.id,
                "Status": "In_use",
                "RegionId": v.region,
                "ZoneId": zone_of(&v.region),
                "Portable": false,
                "DeleteWithInstance": true,
                "Encrypted": false,
                "Tags": { "Tag": [] },
            })
        })
        .collect();
    Ok(object(json!({
        "PageNumber": number,
        "PageSize": size,
        "TotalCount": total,
        "Disks": { "Disk": disks },
    })))
}

/// The account's attributes: the image quota as two (inferred) attributes, read from the
/// engine's `Quota`; ECS's documented attributes, which sharesim does not model, with no
/// values. Without `AttributeName.N` every attribute sharesim knows is listed.
fn describe_account_attributes(ep: &mut Endpoint, cx: &Cx) -> Reply {
    let names = cx.p.list("AttributeName")?;
    if names.len() > MAX_ATTRIBUTES {
        return Err(Refusal::invalid("AttributeName"));
    }
    let quota_names = [QUOTA_LIMIT_ATTRIBUTE, QUOTA_USED_ATTRIBUTE];
    if let Some(bad) =
        names.iter().find(|n| !quota_names.contains(&n.as_str()) && !DOCUMENTED_ATTRIBUTES.contains(&n.as_str()))
    {
        return Err(Refusal::new(
            400,
            "InvalidParameter",
            format!("The specified parameter \"AttributeName\" ({bad}) is not valid."),
            "InvalidParameter",
        ));
    }
    let names: Vec<String> = if names.is_empty() { quota_names.iter().map(|n| n.to_string()).collect() } else { names };
    let quota = if names.iter().any(|n| quota_names.contains(&n.as_str())) {
        match cx.run(ep, Operation::Quota)? {
            Output::Quota { used, limit } => Some((used, limit)),
            _ => return Err(unexpected()),
        }
    } else {
        None
    };
    let items: Vec<Value> = names
        .iter()
        .map(|n| {
            let value = match (n.as_str(), quota) {
                (QUOTA_LIMIT_ATTRIBUTE, Some((_, limit))) => Some(limit),
                (QUOTA_USED_ATTRIBUTE, Some((used, _))) => Some(used),
                _ => None,
            };
            let values: Vec<Value> = value
                .map(|v| json!({ "Value": v.to_string(), "Count": 1, "ExpiredTime": "", "ZoneId": "" }))
                .into_iter()
                .collect();
            json!({ "AttributeName": n, "AttributeValues": { "ValueItem": values } })
        })
        .collect();
    Ok(object(json!({ "AccountAttributeItems": { "AccountAttributeItem": items } })))
}

fn describe_regions() -> Reply {
    let regions: Vec<Value> = Provider::Alibaba
        .spec()
        .regions
        .iter()
        .map(|r| {
            json!({
                "RegionId": r.id,
                "LocalName": local_name(r.id),
                "RegionEndpoint": format!("ecs.{}.aliyuncs.com", r.id),
                "Status": "available",
            })
        })
        .collect();
    Ok(object(json!({ "Regions": { "Region": regions } })))
}

fn local_name(region: &str) -> &str {
    match region {
        "cn-hangzhou" => "华东1（杭州）",
        "cn-shanghai" => "华东2（上海）",
        "cn-beijing" => "华北2（北京）",
        other => other,
    }
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The engine answered with another output than the operation gives: a bug in sharesim,
/// answered as ECS answers its own internal errors rather than with a panic.
fn unexpected() -> Refusal {
    Refusal::new(
        500,
        "InternalError",
        "The request processing has failed due to some unknown error, exception or failure.",
        "internal",
    )
}
