//! Huawei Cloud IMS's HTTP API, as the official SDK (huaweicloudsdkims) calls it
//! (providers/huawei-ims.md): the member APIs (BatchAddMembers, BatchUpdateMembers,
//! BatchDeleteMembers and their jobs), image listings, the v1 and Glance member queries, image
//! show/update/delete, copies within and across regions and the quota, plus IAM's project listing the SDK calls
//! when it is given a region instead of a project ID.
//!
//! Every call passes the API gateway first ([`huawei_gateway`]): an unknown route is
//! `404 APIGW.0101`, a bad signature `401 APIGW.0301`. The caller is the access key's account,
//! acting in the project of `X-Project-Id` (or of the `{project_id}` path parameter), whose
//! region is the region of the call. IMS's own refusals are `{"error":{"code":"IMG.xxxx",
//! "message":…}}` with the status of [`Spec::wire`](crate::providers::Spec::wire); every
//! response carries `X-Request-Id`, `x-sharesim-outcome` (`ok`, the canonical error, or the
//! gateway's or the adapter's refusal) and, when a rule decided, `x-sharesim-rule`.
//!
//! Member operations answer `{"job_id"}` and their effect is applied at once (the job is
//! `SUCCESS` on the first query). A refusal that concerns the request as a whole (its format, an
//! image that cannot be shared, too many projects) is answered at once with 400; one that
//! concerns the members (a project of another region, the member limit, yourself …) is reported
//! by the job: `FAIL` with the IMS code in `error_code` and its message in `fail_reason`.
//!
//! This file routes, authenticates and holds what every call shares (the caller's context
//! [`Cx`], body parsing, responses, query strings); the calls live beside it by API:
//! `members.rs`, `images.rs`, `jobs.rs` (one job namespace), `keystone.rs`.

use serde_json::{Map, Value, json};

use crate::engine::{Action, ErrorKind as K, Failure, Operation, Outcome};
use crate::providers::huawei_gateway::{self as gateway, Denial};
use crate::wire::{Adapter, Endpoint, HttpRequest, HttpResponse, MAX_BODY_BYTES, Rejection, codec};

use super::SPEC;

pub const ADAPTER: Adapter = Adapter { handle, reject };

const JSON: &str = "application/json;charset=UTF-8";
const FORMAT_CODE: &str = "IMG.0001";
const FORMAT_MESSAGE: &str = "The request message format is invalid.";
pub(super) const INVALID_PROJECT: &str = "The project ID and token in the request are invalid.";
/// At most this many images or members in one listing page.
const MAX_LIMIT: usize = 1000;

// ----- routes ------------------------------------------------------------------------------

/// The APIs served, by the SDK's operation names.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    BatchAddMembers,
    BatchUpdateMembers,
    BatchDeleteMembers,
    ShowJob {
        project: String,
        job: String,
    },
    ShowJobProgress {
        job: String,
    },
    ListImages,
    ListImageMembers {
        project: String,
        image: String,
    },
    ShowImageMember {
        project: String,
        image: String,
        member: String,
    },
    GlanceListImages,
    GlanceShowImage {
        image: String,
    },
    GlanceUpdateImage {
        image: String,
    },
    GlanceDeleteImage {
        image: String,
    },
    GlanceListImageMembers {
        image: String,
    },
    GlanceAddImageMember {
        image: String,
    },
    GlanceShowImageMember {
        image: String,
        member: String,
    },
    GlanceUpdateImageMember {
        image: String,
        member: String,
    },
    GlanceDeleteImageMember {
        image: String,
        member: String,
    },
    CopyImageCrossRegion {
        image: String,
    },
    CopyImageInRegion {
        image: String,
    },
    ShowImageQuota,
    KeystoneListProjects,
    /// IMS CreateImage (`/v2/cloudimages/action`): an image from a server or from an OBS file.
    CreateImage,
    /// ECS CreatePostPaidServers (`/v1/`) and CreateServers (`/v1.1/`).
    CreateServers {
        project: String,
        v11: bool,
    },
    ShowServer {
        project: String,
        server: String,
    },
    ListServersDetails {
        project: String,
    },
    DeleteServers {
        project: String,
    },
    ReinstallServerOs {
        project: String,
        server: String,
    },
    ChangeServerOs {
        project: String,
        server: String,
    },
    CreateGrant {
        project: String,
    },
    ListGrants {
        project: String,
    },
    RevokeGrant {
        project: String,
    },
}

/// The service a route belongs to, which fixes the shape of its errors: IMS and ECS answer
/// `{"error":{"code","message"}}` with their own codes, KMS `{"error":{"error_code","error_msg"}}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Service {
    Ims,
    Ecs,
    Kms,
}

impl Route {
    fn parse(method: &str, path: &str) -> Option<Route> {
        let segments: Vec<String> =
            path.trim_start_matches('/').trim_end_matches('/').split('/').map(|s| codec::decode(s, false)).collect();
        let s: Vec<&str> = segments.iter().map(String::as_str).collect();
        let o = |x: &str| x.to_string();
        use Route::*;
        Some(match (method, s.as_slice()) {
            ("POST", ["v1", "cloudimages", "members"]) => BatchAddMembers,
            ("PUT", ["v1", "cloudimages", "members"]) => BatchUpdateMembers,
            ("DELETE", ["v1", "cloudimages", "members"]) => BatchDeleteMembers,
            ("GET", ["v1", "cloudimages", "quota"]) => ShowImageQuota,
            ("GET", ["v1", "cloudimages", "job", job]) => ShowJobProgress { job: o(job) },
            ("POST", ["v1", "cloudimages", image, "cross_region_copy"]) => CopyImageCrossRegion { image: o(image) },
            ("POST", ["v1", "cloudimages", image, "copy"]) => CopyImageInRegion { image: o(image) },
            ("GET", ["v1", project, "jobs", job]) => ShowJob { project: o(project), job: o(job) },
            ("GET", ["v1", project, "cloudimages", image, "members"]) => {
                ListImageMembers { project: o(project), image: o(image) }
            }
            ("GET", ["v1", project, "cloudimages", image, "members", member]) => {
                ShowImageMember { project: o(project), image: o(image), member: o(member) }
            }
            ("GET", ["v2", "cloudimages"]) => ListImages,
            ("GET", ["v2", "images"]) => GlanceListImages,
            ("GET", ["v2", "images", image]) => GlanceShowImage { image: o(image) },
            ("PATCH", ["v2", "images", image]) => GlanceUpdateImage { image: o(image) },
            ("DELETE", ["v2", "images", image]) => GlanceDeleteImage { image: o(image) },
            ("GET", ["v2", "images", image, "members"]) => GlanceListImageMembers { image: o(image) },
            ("POST", ["v2", "images", image, "members"]) => GlanceAddImageMember { image: o(image) },
            ("GET", ["v2", "images", image, "members", member]) => {
                GlanceShowImageMember { image: o(image), member: o(member) }
            }
            ("PUT", ["v2", "images", image, "members", member]) => {
                GlanceUpdateImageMember { image: o(image), member: o(member) }
            }
            ("DELETE", ["v2", "images", image, "members", member]) => {
                GlanceDeleteImageMember { image: o(image), member: o(member) }
            }
            ("GET", ["v3", "projects"]) => KeystoneListProjects,
            ("POST", ["v2", "cloudimages", "action"]) => CreateImage,
            ("POST", ["v1", project, "cloudservers"]) => CreateServers { project: o(project), v11: false },
            ("POST", ["v1.1", project, "cloudservers"]) => CreateServers { project: o(project), v11: true },
            ("GET", ["v1", project, "cloudservers", "detail"]) => ListServersDetails { project: o(project) },
            ("POST", ["v1", project, "cloudservers", "delete"]) => DeleteServers { project: o(project) },
            ("GET", ["v1", project, "cloudservers", server]) => ShowServer { project: o(project), server: o(server) },
            ("POST", ["v2", project, "cloudservers", server, "reinstallos"]) => {
                ReinstallServerOs { project: o(project), server: o(server) }
            }
            ("POST", ["v2", project, "cloudservers", server, "changeos"]) => {
                ChangeServerOs { project: o(project), server: o(server) }
            }
            ("POST", ["v1.0", project, "kms", "create-grant"]) => CreateGrant { project: o(project) },
            ("POST", ["v1.0", project, "kms", "list-grants"]) => ListGrants { project: o(project) },
            ("POST", ["v1.0", project, "kms", "revoke-grant"]) => RevokeGrant { project: o(project) },
            _ => return None,
        })
    }

    fn api(&self) -> &'static str {
        use Route::*;
        match self {
            BatchAddMembers => "BatchAddMembers",
            BatchUpdateMembers => "BatchUpdateMembers",
            BatchDeleteMembers => "BatchDeleteMembers",
            ShowJob { .. } => "ShowJob",
            ShowJobProgress { .. } => "ShowJobProgress",
            ListImages => "ListImages",
            ListImageMembers { .. } => "ListImageMembers",
            ShowImageMember { .. } => "ShowImageMember",
            GlanceListImages => "GlanceListImages",
            GlanceShowImage { .. } => "GlanceShowImage",
            GlanceUpdateImage { .. } => "GlanceUpdateImage",
            GlanceDeleteImage { .. } => "GlanceDeleteImage",
            GlanceListImageMembers { .. } => "GlanceListImageMembers",
            GlanceAddImageMember { .. } => "GlanceAddImageMember",
            GlanceShowImageMember { .. } => "GlanceShowImageMember",
            GlanceUpdateImageMember { .. } => "GlanceUpdateImageMember",
            GlanceDeleteImageMember { .. } => "GlanceDeleteImageMember",
            CopyImageCrossRegion { .. } => "CopyImageCrossRegion",
            CopyImageInRegion { .. } => "CopyImageInRegion",
            ShowImageQuota => "ShowImageQuota",
            KeystoneListProjects => "KeystoneListProjects",
            CreateImage => "CreateImage",
            CreateServers { v11: false, .. } => "CreatePostPaidServers",
            CreateServers { v11: true, .. } => "CreateServers",
            ShowServer { .. } => "ShowServer",
            ListServersDetails { .. } => "ListServersDetails",
            DeleteServers { .. } => "DeleteServers",
            ReinstallServerOs { .. } => "ReinstallServerWithCloudInit",
            ChangeServerOs { .. } => "ChangeServerOsWithCloudInit",
            CreateGrant { .. } => "CreateGrant",
            ListGrants { .. } => "ListGrants",
            RevokeGrant { .. } => "CancelGrant",
        }
    }

    /// The `{project_id}` path parameter, for routes that have one.
    fn project(&self) -> Option<&str> {
        match self {
            Route::ShowJob { project, .. }
            | Route::ListImageMembers { project, .. }
            | Route::ShowImageMember { project, .. }
            | Route::CreateServers { project, .. }
            | Route::ShowServer { project, .. }
            | Route::ListServersDetails { project }
            | Route::DeleteServers { project }
            | Route::ReinstallServerOs { project, .. }
            | Route::ChangeServerOs { project, .. }
            | Route::CreateGrant { project }
            | Route::ListGrants { project }
            | Route::RevokeGrant { project } => Some(project),
            _ => None,
        }
    }

    /// The service whose error shapes the route answers with. `ShowJob` is ECS's and IMS's at
    /// once (one job namespace, instances.md §0); it keeps IMS's errors, as before ECS was served.
    fn service(&self) -> Service {
        use Route::*;
        match self {
            CreateServers { .. }
            | ShowServer { .. }
            | ListServersDetails { .. }
            | DeleteServers { .. }
            | ReinstallServerOs { .. }
            | ChangeServerOs { .. } => Service::Ecs,
            CreateGrant { .. } | ListGrants { .. } | RevokeGrant { .. } => Service::Kms,
            _ => Service::Ims,
        }
    }
}

// ----- responses ---------------------------------------------------------------------------

pub(super) fn ims_error(status: u16, code: &str, message: &str) -> HttpResponse {
    HttpResponse::json(status, JSON, &json!({ "error": { "code": code, "message": message } }))
}

/// KMS's error body (instances.md §4.3, from the CancelGrant reference).
pub(super) fn kms_error(status: u16, code: &str, message: &str) -> HttpResponse {
    HttpResponse::json(status, JSON, &json!({ "error": { "error_code": code, "error_msg": message } }))
}

impl Service {
    pub(super) fn error(self, status: u16, code: &str, message: &str) -> HttpResponse {
        match self {
            Service::Ims | Service::Ecs => ims_error(status, code, message),
            Service::Kms => kms_error(status, code, message),
        }
    }

    /// A body that is not the JSON the call takes. ECS: `Ecs.0005`, KMS: `KMS.0204`; neither
    /// reference gives the code for an unparsable body, so both are inferred from their wording
    /// ("invalid parameter", "parameters missing").
    fn malformed(self) -> (&'static str, &'static str) {
        match self {
            Service::Ims => (FORMAT_CODE, FORMAT_MESSAGE),
            Service::Ecs => ("Ecs.0005", "Invalid parameter."),
            Service::Kms => ("KMS.0204", "Invalid or missing request parameters."),
        }
    }

    /// The path's `{project_id}` is not the caller's project. IMS: `IMG.0030`; ECS and KMS
    /// answer 403 with their permission codes (inferred: no reference names the code for a
    /// foreign project in the path).
    fn not_yours(self) -> HttpResponse {
        match self {
            Service::Ims => ims_error(403, "IMG.0030", INVALID_PROJECT),
            Service::Ecs => ims_error(403, "Ecs.0003", "You do not have permission to perform this operation."),
            Service::Kms => kms_error(403, "KMS.0203", "Forbidden: the project ID does not match the token."),
        }
    }
}

pub(super) fn ok(body: Value) -> HttpResponse {
    HttpResponse::json(200, JSON, &body)
}

fn reject(ep: &mut Endpoint, why: &Rejection) -> HttpResponse {
    let request_id = gateway::request_id(ep);
    let (status, label) = match why {
        Rejection::BodyTooLarge { .. } => (413, "body-too-large"),
        Rejection::Unreadable(_) => (400, "unreadable"),
    };
    gateway::finish(ep, ims_error(status, FORMAT_CODE, FORMAT_MESSAGE), &request_id, label, None)
}

fn handle(ep: &mut Endpoint, req: &HttpRequest, now: u64) -> HttpResponse {
    if req.body.len() > MAX_BODY_BYTES {
        return reject(ep, &Rejection::BodyTooLarge { limit: MAX_BODY_BYTES });
    }
    let request_id = gateway::request_id(ep);
    let denied =
        |ep: &mut Endpoint, d: Denial| gateway::finish(ep, d.response(&request_id), &request_id, d.label, None);
    let Some(route) = Route::parse(&req.method, req.path()) else {
        return denied(ep, Denial::unknown_route());
    };
    let service = route.service();
    let not_yours = |ep: &mut Endpoint| gateway::finish(ep, service.not_yours(), &request_id, "project", None);
    ep.note_api(route.api());
    let caller = match gateway::verify(ep.keys(), req, now, ep.verify_signatures()) {
        Ok(c) => c,
        Err(d) => return denied(ep, d),
    };
    let Some(&account_ix) = ep.engine().state().index.account_by_name.get(&caller.account) else {
        return denied(ep, Denial::unknown_key(&caller.access_key));
    };
    // The project acted in: `X-Project-Id`, else the path's `{project_id}`, else the region of
    // the host name (`ims.cn-east-3.myhuaweicloud.com`), else the first region. A `{project_id}`
    // in the path must be that project.
    let header = req.get("X-Project-Id").map(|p| p.trim().to_string()).filter(|p| !p.is_empty());
    let (project, region) = match (header, route.project()) {
        (Some(p), _) => match gateway::project_region(ep.engine(), &caller.account, &p) {
            Some(r) => (p, r),
            None => return denied(ep, Denial::foreign_project(&p)),
        },
        (None, Some(p)) => match gateway::project_region(ep.engine(), &caller.account, p) {
            Some(r) => (p.to_string(), r),
            None => return not_yours(ep),
        },
        (None, None) => {
            let r = region_of_host(req).unwrap_or(0);
            (gateway::project_id(ep.engine(), &caller.account, r).unwrap_or_default(), r)
        }
    };
    if route.project().is_some_and(|p| p != project) {
        return not_yours(ep);
    }
    let mut cx =
        Cx { ep, account: caller.account, account_ix, project, region, service, outcome: "ok".into(), rule: None };
    let resp = cx.serve(&route, req).unwrap_or_else(|e| e);
    let (outcome, rule) = (std::mem::take(&mut cx.outcome), cx.rule);
    gateway::finish(cx.ep, resp, &request_id, &outcome, rule)
}

fn region_of_host(req: &HttpRequest) -> Option<usize> {
    let host = req.get("Host")?;
    host.split(['.', ':']).find_map(|label| SPEC.regions.iter().position(|r| r.id == label))
}

// ----- one call ----------------------------------------------------------------------------

pub(super) type Reply = Result<HttpResponse, HttpResponse>;

/// One authenticated call: the caller, its project and region, and the decision so far.
pub(super) struct Cx<'e> {
    pub(super) ep: &'e mut Endpoint,
    pub(super) account: String,
    pub(super) account_ix: u32,
    pub(super) project: String,
    pub(super) region: usize,
    pub(super) service: Service,
    pub(super) outcome: String,
    pub(super) rule: Option<&'static str>,
}

impl Cx<'_> {
    pub(super) fn apply(&mut self, op: Operation) -> Outcome {
        let region = SPEC.regions[self.region].id;
        let out = self.ep.apply(&self.account, Some(region), op);
        match &out {
            Ok(_) => (self.outcome, self.rule) = ("ok".into(), None),
            Err(f) => (self.outcome, self.rule) = (f.kind.to_string(), f.rule),
        }
        out
    }

    /// A refusal the adapter makes itself, before or instead of the engine.
    pub(super) fn refuse(&mut self, label: &str, status: u16, code: &str, message: &str) -> HttpResponse {
        self.ep.note_refusal(label);
        (self.outcome, self.rule) = (label.into(), None);
        self.service.error(status, code, message)
    }

    /// A canonical error the adapter decides (no engine call fits), in IMS's words.
    pub(super) fn refuse_as(&mut self, kind: K, action: Action) -> HttpResponse {
        self.refuse_by(Failure::plain(kind, ""), action)
    }

    /// A refusal the adapter makes for a rule of the provider's table.
    pub(super) fn refuse_by(&mut self, f: Failure, action: Action) -> HttpResponse {
        let w = SPEC.wire(&f, action);
        let resp = self.refuse(&f.kind.to_string(), w.status, w.code, w.message);
        self.rule = f.rule;
        resp
    }

    pub(super) fn malformed(&mut self) -> HttpResponse {
        let (code, message) = self.service.malformed();
        self.refuse("malformed", 400, code, message)
    }

    /// The engine's refusal in the words of the service called.
    pub(super) fn failed(&self, f: &Failure, action: Action) -> HttpResponse {
        let w = SPEC.wire(f, action);
        self.service.error(w.status, w.code, w.message)
    }

    fn serve(&mut self, route: &Route, req: &HttpRequest) -> Reply {
        use Route::*;
        match route {
            BatchAddMembers => self.batch_add(req),
            BatchUpdateMembers => self.batch_update(req),
            BatchDeleteMembers => self.batch_delete(req),
            ShowJob { job, .. } => self.show_job(job, false),
            ShowJobProgress { job } => self.show_job(job, true),
            ListImages => self.list_images(req, false),
            GlanceListImages => self.list_images(req, true),
            ListImageMembers { image, .. } => self.list_members(req, image, false),
            GlanceListImageMembers { image } => self.list_members(req, image, true),
            ShowImageMember { image, member, .. } | GlanceShowImageMember { image, member } => {
                self.show_member(image, member)
            }
            GlanceAddImageMember { image } => self.add_member(req, image),
            GlanceUpdateImageMember { image, member } => self.update_member(req, image, member),
            GlanceDeleteImageMember { image, member } => self.delete_member(image, member),
            GlanceShowImage { image } => self.show_image(image),
            GlanceUpdateImage { image } => self.update_image(req, image),
            GlanceDeleteImage { image } => self.delete_image(req, image),
            CopyImageCrossRegion { image } => self.copy(req, image),
            CopyImageInRegion { image } => self.copy_in_region(req, image),
            ShowImageQuota => self.quota(),
            KeystoneListProjects => self.list_projects(req),
            CreateImage => self.create_image(req),
            CreateServers { v11, .. } => self.create_servers(req, *v11),
            ShowServer { server, .. } => self.show_server(server),
            ListServersDetails { .. } => self.list_servers(),
            DeleteServers { .. } => self.delete_servers(req),
            ReinstallServerOs { server, .. } => self.reinstall_os(req, server),
            ChangeServerOs { server, .. } => self.change_os(req, server),
            CreateGrant { .. } => self.create_grant(req),
            ListGrants { .. } => self.list_grants(req),
            RevokeGrant { .. } => self.revoke_grant(req),
        }
    }

    // ----- request bodies ------------------------------------------------------------------

    /// The JSON body; `None` when empty and optional. Empty and required: IMG.0007.
    pub(super) fn json_body(&mut self, req: &HttpRequest, required: bool) -> Result<Option<Value>, HttpResponse> {
        if req.body.iter().all(u8::is_ascii_whitespace) {
            if required {
                let (code, message) = match self.service {
                    Service::Ims => ("IMG.0007", "The request body is empty."),
                    other => other.malformed(),
                };
                return Err(self.refuse("empty-body", 400, code, message));
            }
            return Ok(None);
        }
        serde_json::from_slice(&req.body).map(Some).map_err(|_| self.malformed())
    }

    pub(super) fn object(&mut self, req: &HttpRequest) -> Result<Map<String, Value>, HttpResponse> {
        match self.json_body(req, true)? {
            Some(Value::Object(m)) => Ok(m),
            _ => Err(self.malformed()),
        }
    }

    /// A list of strings; absent or null is empty.
    pub(super) fn strings(&mut self, body: &Map<String, Value>, key: &str) -> Result<Vec<String>, HttpResponse> {
        match body.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => {
                items.iter().map(|v| v.as_str().map(str::to_string)).collect::<Option<Vec<_>>>().ok_or(())
            }
            Some(_) => Err(()),
        }
        .map_err(|()| self.malformed())
    }

    /// A string field; absent or null is `None`, `required` makes that malformed.
    pub(super) fn string(
        &mut self,
        body: &Map<String, Value>,
        key: &str,
        required: bool,
    ) -> Result<Option<String>, HttpResponse> {
        match body.get(key) {
            Some(Value::String(s)) => Ok(Some(s.clone())),
            None | Some(Value::Null) if !required => Ok(None),
            _ => Err(self.malformed()),
        }
    }

    /// Recipients of a batch body: `projects`, and `domains` and `organizations`, which the
    /// engine refuses by its project-ID rule.
    pub(super) fn recipients(&mut self, body: &Map<String, Value>) -> Result<Vec<String>, HttpResponse> {
        let mut all = self.strings(body, "projects")?;
        all.extend(self.strings(body, "domains")?);
        all.extend(self.strings(body, "organizations")?);
        Ok(all)
    }
}

pub(super) trait WithStatus {
    fn with_status(self, status: u16) -> Self;
}

impl WithStatus for HttpResponse {
    fn with_status(mut self, status: u16) -> HttpResponse {
        self.status = status;
        self
    }
}

pub(super) fn dedup<T: PartialEq + Clone>(items: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

// ----- query strings -----------------------------------------------------------------------

/// A decoded query (the last of repeated keys wins, except for link building).
pub(super) struct Query {
    pairs: Vec<(String, String)>,
}

/// ImageInfo fields a listing filters on by equality.
const FILTERS: &[&str] = &[
    "id",
    "name",
    "owner",
    "status",
    "visibility",
    "__imagetype",
    "protected",
    "disk_format",
    "container_format",
    "min_disk",
    "min_ram",
    "virtual_env_type",
    "enterprise_project_id",
    "__os_type",
    "__platform",
    "__os_bit",
    "__isregistered",
    "__whole_image",
];

impl Query {
    pub(super) fn parse(raw: &str) -> Query {
        let pairs = raw
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (codec::decode(k, false), codec::decode(v, false))
            })
            .collect();
        Query { pairs }
    }

    pub(super) fn get(&self, key: &str) -> Option<&str> {
        self.pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Whether an ImageInfo passes the equality filters and tags.
    pub(super) fn matches(&self, info: &Value) -> bool {
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let equal =
            FILTERS.iter().all(|f| self.get(f).is_none_or(|want| info.get(*f).map(text).as_deref() == Some(want)));
        // Images carry no tags in the simulator, so a tag filter matches none.
        equal && self.get("tag").is_none()
    }

    /// A listing link with this query, the marker replaced.
    pub(super) fn link(&self, path: &str, marker: Option<&str>) -> String {
        let mut parts: Vec<String> = self
            .pairs
            .iter()
            .filter(|(k, _)| k != "marker" || marker.is_none())
            .map(|(k, v)| format!("{}={}", codec::encode(k), codec::encode(v)))
            .collect();
        if let Some(m) = marker {
            parts.push(format!("marker={}", codec::encode(m)));
        }
        if parts.is_empty() { path.to_string() } else { format!("{path}?{}", parts.join("&")) }
    }
}

/// The page of `ids` after `marker`, at most `limit` long: (start, end, more follow).
/// `None` for a bad limit or an unknown marker.
pub(super) fn page(ids: &[&str], q: &Query, default_limit: usize) -> Option<(usize, usize, bool)> {
    let limit = match q.get("limit") {
        None => default_limit,
        Some(l) => l.parse::<usize>().ok().filter(|&n| n > 0)?.min(MAX_LIMIT),
    };
    let start = match q.get("marker") {
        None | Some("") => 0,
        Some(m) => ids.iter().position(|id| *id == m)? + 1,
    };
    let end = start.saturating_add(limit).min(ids.len());
    Some((start, end, end < ids.len()))
}

#[cfg(test)]
mod tests {
    use super::super::jobs::{self, Job, JobKind, huawei_time};
    use super::*;
    use crate::clock::EPOCH_START;
    use crate::engine::{Engine, NewImage, Output, Request};
    use crate::providers::Provider;
    use crate::wire::KeyStore;

    const P: Provider = Provider::HuaweiIms;
    /// The wall clock the tests pretend: the signatures are made and checked at this time.
    const NOW: u64 = EPOCH_START + 3_600;
    const HOME: usize = 0;
    const AWAY: usize = 1;

    struct T {
        ep: Endpoint,
        image: String,
    }

    /// `owner` with one private image in `home`, `alice`, `bob` and `user1`…`userN`.
    fn world(users: usize) -> T {
        let mut engine = Engine::new(P, 0);
        let mut keys = KeyStore::default();
        let names: Vec<String> = ["owner", "alice", "bob"]
            .iter()
            .map(|s| s.to_string())
            .chain((1..=users).map(|i| format!("user{i}")))
            .collect();
        for n in &names {
            engine.add_account(n).unwrap();
            let (id, secret) = KeyStore::derive(P, n, 0);
            keys.insert(&id, n, &secret);
        }
        let new = NewImage { name: "base".into(), region: "home".into(), ..Default::default() };
        let image = match engine.apply(&Request::new("owner", Operation::CreateImage(new))) {
            Ok(Output::ImageCreated { image, .. }) => image,
            other => panic!("{other:?}"),
        };
        T { ep: Endpoint::new(engine, keys, true), image }
    }

    impl T {
        fn pid(&self, account: &str, region: usize) -> String {
            gateway::project_id(self.ep.engine(), account, region).unwrap()
        }

        /// A request as the Python SDK sends it, signed by `who` acting in `project`.
        fn request(&self, who: &str, project: Option<&str>, method: &str, target: &str, body: &str) -> HttpRequest {
            let mut req = HttpRequest::new(method, target)
                .header("User-Agent", "huaweicloud-usdk-python/3.0; sharesim-test")
                .header(
                    "Content-Type",
                    if body.is_empty() { "application/json" } else { "application/json;charset=utf-8" },
                )
                .header("Host", "127.0.0.1:8080")
                .body(body);
            let mut signed = vec!["content-type", "host", "user-agent", "x-sdk-date"];
            if let Some(p) = project {
                req = req.header("X-Project-Id", p);
                signed.push("x-project-id");
            }
            let (ak, sk) = KeyStore::derive(P, who, 0);
            gateway::sign(&mut req, &ak, &sk, &signed, NOW);
            req
        }

        /// `who` calls in its `home` project.
        fn call(&mut self, who: &str, method: &str, target: &str, body: &str) -> HttpResponse {
            let pid = self.pid(who, HOME);
            self.call_in(who, &pid, method, target, body)
        }

        fn call_in(&mut self, who: &str, project: &str, method: &str, target: &str, body: &str) -> HttpResponse {
            let req = self.request(who, Some(project), method, target, body);
            let resp = self.ep.handle(&req, NOW);
            assert!(resp.header("X-Request-Id").is_some_and(|r| r.len() == 32), "{resp:?}");
            assert!(resp.header("x-sharesim-outcome").is_some(), "{resp:?}");
            resp
        }

        /// Runs a batch call; returns the job as its creator sees it.
        fn job(&mut self, who: &str, project: &str, method: &str, target: &str, body: &str) -> Value {
            let resp = self.call_in(who, project, method, target, body);
            assert_eq!(resp.status, 200, "{}", text(&resp));
            let id = resp.json_body().unwrap()["job_id"].as_str().unwrap().to_string();
            let job = self.call_in(who, project, "GET", &format!("/v1/{project}/jobs/{id}"), "");
            assert_eq!(job.status, 200, "{}", text(&job));
            let body = job.json_body().unwrap();
            assert_eq!(body["job_id"], id.as_str());
            body
        }

        fn share(&mut self, image: &str, to: &[String]) -> Value {
            let owner = self.pid("owner", HOME);
            let body = json!({ "images": [image], "projects": to }).to_string();
            self.job("owner", &owner, "POST", "/v1/cloudimages/members", &body)
        }

        fn shared_ids(&mut self, who: &str, project: &str, status: &str) -> Vec<String> {
            let target = format!("/v2/cloudimages?__imagetype=shared&member_status={status}&visibility=shared");
            let resp = self.call_in(who, project, "GET", &target, "");
            assert_eq!(resp.status, 200, "{}", text(&resp));
            let body = resp.json_body().unwrap();
            body["images"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
        }
    }

    fn text(r: &HttpResponse) -> String {
        format!("{} {:?} {}", r.status, r.headers, String::from_utf8_lossy(&r.body))
    }

    fn ims_code(r: &HttpResponse) -> String {
        r.json_body().and_then(|b| b["error"]["code"].as_str().map(str::to_string)).unwrap_or_else(|| text(r))
    }

    fn gateway_code(r: &HttpResponse) -> String {
        r.json_body().and_then(|b| b["error_code"].as_str().map(str::to_string)).unwrap_or_else(|| text(r))
    }

    #[test]
    fn share_accept_list_and_members_end_to_end() {
        let mut t = world(0);
        let img = t.image.clone();
        let (owner, alice) = (t.pid("owner", HOME), t.pid("alice", HOME));

        let job = t.share(&img, std::slice::from_ref(&alice));
        assert_eq!(job["status"], "SUCCESS", "{job}");
        assert_eq!(job["job_type"], "batchAddMembers");
        assert_eq!(job["error_code"], Value::Null);
        assert_eq!(job["entities"]["results"], json!([{ "image_id": img, "project_id": alice, "status": "success" }]));
        assert_eq!(job["begin_time"], "01-Jan-2026 00:00:00:000");

        assert_eq!(t.shared_ids("alice", &alice, "pending"), vec![img.clone()]);
        assert!(t.shared_ids("alice", &alice, "accepted").is_empty());
        let listing =
            t.call("alice", "GET", "/v2/cloudimages?__imagetype=shared&member_status=pending&visibility=shared", "");
        let info = &listing.json_body().unwrap()["images"][0];
        assert_eq!((info["owner"].as_str(), info["visibility"].as_str()), (Some(owner.as_str()), Some("shared")));
        assert_eq!((info["__imagetype"].as_str(), info["status"].as_str()), (Some("shared"), Some("active")));

        let accept = json!({ "images": [img], "project_id": alice, "status": "accepted" }).to_string();
        let job = t.job("alice", &alice, "PUT", "/v1/cloudimages/members", &accept);
        assert_eq!(job["status"], "SUCCESS", "{job}");
        assert_eq!(job["job_type"], "batchUpdateMembers");
        assert_eq!(job["entities"]["results"][0]["project_id"], alice.as_str());
        assert_eq!(t.shared_ids("alice", &alice, "accepted"), vec![img.clone()]);
        assert!(t.shared_ids("alice", &alice, "pending").is_empty());
        // Glance's default member status is `accepted`.
        let glance = t.call("alice", "GET", "/v2/images?visibility=shared", "");
        assert_eq!(glance.json_body().unwrap()["images"][0]["id"], img.as_str());

        // The owner sees the member, v1 and Glance; the recipient sees its own record.
        let members = t.call("owner", "GET", &format!("/v1/{owner}/cloudimages/{img}/members"), "");
        assert_eq!(members.status, 200, "{}", text(&members));
        let m = members.json_body().unwrap();
        assert_eq!(m["members"][0]["member_id"], alice.as_str());
        assert_eq!(m["members"][0]["status"], "accepted");
        assert_eq!(m["page_info"]["current_count"], 1);
        let one = t.call("owner", "GET", &format!("/v1/{owner}/cloudimages/{img}/members/{alice}"), "");
        assert_eq!(one.json_body().unwrap()["status"], "accepted", "{}", text(&one));
        let glance = t.call("owner", "GET", &format!("/v2/images/{img}/members"), "");
        assert_eq!(glance.json_body().unwrap()["members"][0]["member_id"], alice.as_str());
        let mine = t.call("alice", "GET", &format!("/v2/images/{img}/members/{alice}"), "");
        assert_eq!(mine.json_body().unwrap()["status"], "accepted", "{}", text(&mine));
        // Members are the owner's to list (HI-OWNER); nobody else's record is shown.
        let listed = t.call("alice", "GET", &format!("/v2/images/{img}/members"), "");
        assert_eq!((listed.status, ims_code(&listed)), (400, "IMG.0047".into()));
        assert_eq!(listed.header("x-sharesim-rule"), Some("HI-OWNER"));
        let bob = t.pid("bob", HOME);
        let none = t.call("owner", "GET", &format!("/v2/images/{img}/members/{bob}"), "");
        assert_eq!(none.status, 404, "{}", text(&none));

        // The owner's own listing shows the image as shared out; the owner filter works.
        let own = t.call("owner", "GET", &format!("/v2/cloudimages?owner={owner}"), "");
        let own = own.json_body().unwrap();
        assert_eq!(own["images"][0]["__imagetype"], "shared");
        assert_eq!(own["images"][0]["visibility"], "private");
        let nobody = t.call("owner", "GET", &format!("/v2/cloudimages?owner={alice}"), "");
        assert_eq!(nobody.json_body().unwrap()["images"], json!([]));

        // The job belongs to its project: another caller cannot read it.
        let add = t.call(
            "owner",
            "POST",
            "/v1/cloudimages/members",
            &json!({"images": [img], "projects": [alice]}).to_string(),
        );
        let id = add.json_body().unwrap()["job_id"].as_str().unwrap().to_string();
        let foreign = t.call("alice", "GET", &format!("/v1/{alice}/jobs/{id}"), "");
        assert_eq!((foreign.status, ims_code(&foreign)), (404, "IMG.0023".into()));
        let progress = t.call("owner", "GET", &format!("/v1/cloudimages/job/{id}"), "");
        assert_eq!(progress.json_body().unwrap()["status"], "SUCCESS", "{}", text(&progress));
        let forged = t.call("owner", "GET", &format!("/v1/cloudimages/job/{}0", &id[..id.len() - 1]), "");
        assert_eq!(forged.status, 404);
        let sdk_sample = t.call("owner", "GET", &format!("/v1/{owner}/jobs/ff8080814dbd65d7014dbe0d84db0013"), "");
        assert_eq!(sdk_sample.status, 404);

        // Reject, then the owner removes the member in a batch; the recipient loses the image.
        let reject = json!({ "images": [img], "project_id": alice, "status": "rejected" }).to_string();
        assert_eq!(t.job("alice", &alice, "PUT", "/v1/cloudimages/members", &reject)["status"], "SUCCESS");
        assert_eq!(t.shared_ids("alice", &alice, "rejected"), vec![img.clone()]);
        let delete = json!({ "images": [img], "projects": [alice] }).to_string();
        let job = t.job("owner", &owner, "DELETE", "/v1/cloudimages/members", &delete);
        assert_eq!((job["status"].as_str(), job["job_type"].as_str()), (Some("SUCCESS"), Some("batchDeleteMembers")));
        assert!(t.shared_ids("alice", &alice, "all").is_empty());
        let gone = t.call("alice", "GET", &format!("/v2/images/{img}/members/{alice}"), "");
        assert_eq!(gone.header("x-sharesim-rule"), Some("HI-AFTER-UNSHARE"), "{}", text(&gone));
    }

    #[test]
    fn the_101st_project_is_refused_whole() {
        let mut t = world(101);
        let img = t.image.clone();
        let projects: Vec<String> = (1..=101).map(|i| t.pid(&format!("user{i}"), HOME)).collect();
        let body = json!({ "images": [img], "projects": projects }).to_string();
        let resp = t.call("owner", "POST", "/v1/cloudimages/members", &body);
        assert_eq!((resp.status, ims_code(&resp)), (400, "IMG.0001".into()));
        assert_eq!(resp.header("x-sharesim-outcome"), Some("BatchLimitExceeded"));
        assert_eq!(resp.header("x-sharesim-rule"), Some("HI-100-PER-REQUEST"));
        let job = t.share(&img, &projects[..100]);
        assert_eq!(job["status"], "SUCCESS");
        assert_eq!(job["entities"]["results"].as_array().unwrap().len(), 100);
    }

    #[test]
    fn member_refusals_are_reported_by_the_job() {
        let mut t = world(0);
        let img = t.image.clone();
        // alice's project in another region: IMG.0108 by HI-SAME-REGION.
        let alice_away = t.pid("alice", AWAY);
        let owner = t.pid("owner", HOME);
        let body = json!({ "images": [img], "projects": [alice_away] }).to_string();
        let resp = t.call("owner", "POST", "/v1/cloudimages/members", &body);
        assert_eq!(resp.status, 200);
        assert_eq!(resp.header("x-sharesim-outcome"), Some("RecipientInOtherRegion"));
        assert_eq!(resp.header("x-sharesim-rule"), Some("HI-SAME-REGION"));
        let job = t.job("owner", &owner, "POST", "/v1/cloudimages/members", &body);
        assert_eq!(job["status"], "FAIL");
        assert_eq!(job["error_code"], "IMG.0108");
        assert_eq!(job["fail_reason"], "The tenant ID was not found in the current region.");
        // Yourself, an account ID, an unknown project.
        let domain = t.ep.engine().identity_of("alice", crate::rules::IdentityKind::DomainId, "home").unwrap();
        for (to, code) in
            [(owner.clone(), "IMG.0076"), (domain, "IMG.0067"), ("0123456789abcdef0123456789abcdef".into(), "IMG.0108")]
        {
            let job = t.share(&img, &[to]);
            assert_eq!((job["status"].as_str(), job["error_code"].as_str()), (Some("FAIL"), Some(code)), "{job}");
        }
        // Nobody was added.
        let alice = t.pid("alice", HOME);
        assert!(t.shared_ids("alice", &alice, "all").is_empty());
        // Image-level refusals are immediate: an unknown image, and a recipient re-sharing.
        let resp = t.call(
            "owner",
            "POST",
            "/v1/cloudimages/members",
            &json!({"images": ["nope"], "projects": [alice]}).to_string(),
        );
        assert_eq!((resp.status, ims_code(&resp)), (400, "IMG.0027".into()));
        t.share(&img, std::slice::from_ref(&alice));
        let bob = t.pid("bob", HOME);
        let resp = t.call(
            "alice",
            "POST",
            "/v1/cloudimages/members",
            &json!({"images": [img], "projects": [bob]}).to_string(),
        );
        assert_eq!((resp.status, ims_code(&resp)), (400, "IMG.0047".into()));
        assert_eq!(resp.header("x-sharesim-rule"), Some("HI-NO-RESHARE"));
        // The owner cannot accept its own image: the job fails.
        let accept = json!({ "images": [img], "project_id": owner, "status": "accepted" }).to_string();
        let job = t.job("owner", &owner, "PUT", "/v1/cloudimages/members", &accept);
        assert_eq!((job["status"].as_str(), job["error_code"].as_str()), (Some("FAIL"), Some("IMG.0114")));
        // Accepting for another project is refused.
        let accept = json!({ "images": [img], "project_id": bob, "status": "accepted" }).to_string();
        let resp = t.call("alice", "PUT", "/v1/cloudimages/members", &accept);
        assert_eq!((resp.status, ims_code(&resp)), (403, "IMG.0030".into()));
    }

    #[test]
    fn batch_delete_is_all_or_nothing() {
        let mut t = world(0);
        let img = t.image.clone();
        let alice = t.pid("alice", HOME);
        t.share(&img, std::slice::from_ref(&alice));
        let body = json!({ "images": [img, "no-such-image"], "projects": [alice] }).to_string();
        let resp = t.call("owner", "DELETE", "/v1/cloudimages/members", &body);
        assert_eq!((resp.status, ims_code(&resp)), (400, "IMG.0027".into()));
        assert_eq!(t.shared_ids("alice", &alice, "pending"), vec![img], "the first image kept its member");
    }

    #[test]
    fn copy_to_another_region_then_share_there() {
        let mut t = world(0);
        let img = t.image.clone();
        let (owner, owner_away, alice_away) = (t.pid("owner", HOME), t.pid("owner", AWAY), t.pid("alice", AWAY));
        let body = json!({"name": "copy-1", "region": "cn-east-3", "project_name": "cn-east-3", "agency_name": "ims_admin_agency"});
        let job =
            t.job("owner", &owner, "POST", &format!("/v1/cloudimages/{img}/cross_region_copy"), &body.to_string());
        assert_eq!((job["status"].as_str(), job["job_type"].as_str()), (Some("SUCCESS"), Some("copyImageCrossRegion")));
        assert_eq!(job["entities"]["image_name"], "copy-1");
        let copy = job["entities"]["image_id"].as_str().unwrap().to_string();
        assert_ne!(copy, img);
        // The copy is in cn-east-3: the owner's project there shares it with alice's.
        let share = json!({ "images": [copy], "projects": [alice_away] }).to_string();
        let job = t.job("owner", &owner_away, "POST", "/v1/cloudimages/members", &share);
        assert_eq!(job["status"], "SUCCESS", "{job}");
        assert_eq!(t.shared_ids("alice", &alice_away, "pending"), vec![copy.clone()]);
        let alice_home = t.pid("alice", HOME);
        assert!(t.shared_ids("alice", &alice_home, "all").is_empty());
        // From home the copy is out of reach, and a copy into its own region is refused.
        let resp = t.call_in("owner", &owner, "POST", "/v1/cloudimages/members", &share);
        assert_eq!((resp.status, ims_code(&resp)), (400, "IMG.0027".into()));
        let same = json!({"name": "c", "region": "cn-north-4", "project_name": "cn-north-4", "agency_name": "a"});
        let resp = t.call("owner", "POST", &format!("/v1/cloudimages/{img}/cross_region_copy"), &same.to_string());
        assert_eq!((resp.status, ims_code(&resp)), (400, "IMG.0142".into()));
        assert_eq!(resp.header("x-sharesim-rule"), Some("HI-COPY"));
        let nowhere = json!({"name": "c", "region": "mars-1", "project_name": "mars-1", "agency_name": "a"});
        let resp = t.call("owner", "POST", &format!("/v1/cloudimages/{img}/cross_region_copy"), &nowhere.to_string());
        assert_eq!((resp.status, ims_code(&resp)), (400, "IMG.0147".into()));
        let resp = t.call("owner", "POST", &format!("/v1/cloudimages/{img}/cross_region_copy"), "{\"name\": \"c\"}");
        assert_eq!((resp.status, ims_code(&resp)), (400, "IMG.0001".into()));
    }

    #[test]
    fn copy_within_the_region_with_or_without_a_new_key() {
        use crate::engine::EncryptionSpec;
        let mut t = world(0);
        let img = t.image.clone();
        let owner = t.pid("owner", HOME);
        let target = format!("/v1/cloudimages/{img}/copy");
        let job = t.job("owner", &owner, "POST", &target, &json!({"name": "here"}).to_string());
        assert_eq!((job["status"].as_str(), job["job_type"].as_str()), (Some("SUCCESS"), Some("copyImageInRegion")));
        assert_eq!(job["entities"]["image_name"], "here");
        let plain = job["entities"]["image_id"].as_str().unwrap().to_string();
        let job = t.job("owner", &owner, "POST", &target, &json!({"name": "keyed", "cmk_id": "k-1"}).to_string());
        let keyed = job["entities"]["image_id"].as_str().unwrap().to_string();
        {
            let state = t.ep.engine().state();
            let enc = |id: &str| state.images[state.index.image_by_id[id] as usize].encryption;
            assert_eq!((enc(&plain), enc(&keyed)), (EncryptionSpec::None, EncryptionSpec::CustomKey));
            assert_eq!(state.images[state.index.image_by_id[&plain] as usize].region, HOME);
        }
        // From another region's project the image is out of reach; the name is required.
        let away = t.pid("owner", AWAY);
        let resp = t.call_in("owner", &away, "POST", &target, &json!({"name": "x"}).to_string());
        assert_eq!((resp.status, ims_code(&resp)), (400, "IMG.0027".into()));
        let resp = t.call("owner", "POST", &target, "{}");
        assert_eq!((resp.status, ims_code(&resp)), (400, "IMG.0001".into()));
    }

    #[test]
    fn glance_member_routes_show_and_delete_image() {
        let mut t = world(0);
        let img = t.image.clone();
        let alice = t.pid("alice", HOME);
        let add = t.call("owner", "POST", &format!("/v2/images/{img}/members"), &json!({"member": alice}).to_string());
        assert_eq!(add.status, 200, "{}", text(&add));
        let m = add.json_body().unwrap();
        assert_eq!((m["status"].as_str(), m["member_id"].as_str()), (Some("pending"), Some(alice.as_str())));
        assert_eq!(m["schema"], "/v2/schemas/member");
        let target = format!("/v2/images/{img}/members/{alice}");
        // Only the member sets its status; the owner asking is refused by HI-ACCEPT.
        let by_owner = t.call("owner", "PUT", &target, "{\"status\": \"accepted\"}");
        assert_eq!(by_owner.header("x-sharesim-rule"), Some("HI-ACCEPT"), "{}", text(&by_owner));
        let by_bob = t.call("bob", "PUT", &target, "{\"status\": \"accepted\"}");
        assert_eq!(by_bob.status, 404);
        let up = t.call("alice", "PUT", &target, "{\"status\": \"accepted\"}");
        assert_eq!(up.json_body().unwrap()["status"], "accepted", "{}", text(&up));
        let bad = t.call("alice", "PUT", &target, "{\"status\": \"maybe\"}");
        assert_eq!((bad.status, ims_code(&bad)), (400, "IMG.0001".into()));
        // Show the image: the recipient sees it as shared, the owner as its own.
        let shown = t.call("alice", "GET", &format!("/v2/images/{img}"), "");
        assert_eq!(shown.json_body().unwrap()["visibility"], "shared", "{}", text(&shown));
        let shown = t.call("bob", "GET", &format!("/v2/images/{img}"), "");
        assert_eq!((shown.status, ims_code(&shown)), (404, "IMG.0027".into()));
        // Rename by json-patch: the owner may, the recipient may not.
        let patch = "[{\"op\": \"replace\", \"path\": \"/name\", \"value\": \"renamed\"}]";
        let r = t.call("owner", "PATCH", &format!("/v2/images/{img}"), patch);
        assert_eq!(r.json_body().unwrap()["name"], "renamed", "{}", text(&r));
        let r = t.call("alice", "PATCH", &format!("/v2/images/{img}"), patch);
        assert_eq!(r.header("x-sharesim-rule"), Some("HI-RECIPIENT-READONLY"), "{}", text(&r));
        // Delete the member (204), then the image, with the optional body (204).
        let del = t.call("owner", "DELETE", &target, "");
        assert_eq!((del.status, del.body.len()), (204, 0));
        assert!(t.shared_ids("alice", &alice, "all").is_empty());
        let del = t.call("owner", "DELETE", &format!("/v2/images/{img}"), "{\"delete_backup\": false}");
        assert_eq!(del.status, 204, "{}", text(&del));
        let again = t.call("owner", "DELETE", &format!("/v2/images/{img}"), "");
        assert_eq!((again.status, ims_code(&again)), (404, "IMG.0027".into()));
        let bad = t.call("owner", "DELETE", &format!("/v2/images/{img}"), "{\"delete_backup\": \"no\"}");
        assert_eq!((bad.status, ims_code(&bad)), (400, "IMG.0001".into()));
    }

    #[test]
    fn listings_page_and_filter() {
        let mut t = world(0);
        let mut ids = vec![t.image.clone()];
        for i in 0..4 {
            let new = NewImage { name: format!("img{i}"), region: "home".into(), ..Default::default() };
            match t.ep.apply("owner", None, Operation::CreateImage(new)) {
                Ok(Output::ImageCreated { image, .. }) => ids.push(image),
                other => panic!("{other:?}"),
            }
        }
        ids.reverse(); // newest first
        let page1 = t.call("owner", "GET", "/v2/cloudimages?limit=2", "").json_body().unwrap();
        let got: Vec<&str> = page1["images"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
        assert_eq!(got, [ids[0].as_str(), ids[1].as_str()]);
        assert_eq!(page1["page_info"]["next_marker"], ids[1].as_str());
        let page3 =
            t.call("owner", "GET", &format!("/v2/cloudimages?limit=2&marker={}", ids[3]), "").json_body().unwrap();
        assert_eq!(page3["images"].as_array().unwrap().len(), 1);
        assert!(page3.get("page_info").is_none());
        let glance = t.call("owner", "GET", "/v2/images?limit=4", "").json_body().unwrap();
        assert_eq!(glance["next"], format!("/v2/images?limit=4&marker={}", ids[3]));
        assert_eq!(glance["schema"], "/v2/schemas/images");
        let named = t.call("owner", "GET", "/v2/cloudimages?name=img2&__imagetype=private", "").json_body().unwrap();
        assert_eq!(named["images"].as_array().unwrap().len(), 1);
        for bad in ["limit=0", "limit=x", "marker=unknown", "member_status=maybe"] {
            let r = t.call("owner", "GET", &format!("/v2/cloudimages?{bad}"), "");
            assert_eq!((r.status, ims_code(&r)), (400, "IMG.0001".into()), "{bad}");
        }
        // The SDK's encoded-query capture, replayed as this caller: no image has that name.
        let r = t.call(
            "owner",
            "GET",
            "/v2/cloudimages?limit=10&name=my%20image%20%C3%BC%2B%2F~&protected=false&tag=k%3Dv",
            "",
        );
        assert_eq!(r.json_body().unwrap()["images"], json!([]), "{}", text(&r));
        let quota = t.call("owner", "GET", "/v1/cloudimages/quota", "").json_body().unwrap();
        assert_eq!(
            quota["quotas"]["resources"][0],
            json!({"type": "image", "used": 5, "quota": 50, "min": 1, "max": 1000})
        );
    }

    #[test]
    fn gateway_refusals_unknown_routes_and_projects() {
        let mut t = world(0);
        let owner = t.pid("owner", HOME);
        // Unknown routes and methods: the gateway's 404, before authentication.
        for (m, target) in
            [("GET", "/v2/nothing"), ("PATCH", "/v1/cloudimages/members"), ("GET", "/"), ("HEAD", "/v2/images")]
        {
            let r = t.ep.handle(&HttpRequest::new(m, target), NOW);
            assert_eq!((r.status, gateway_code(&r)), (404, "APIGW.0101".into()), "{m} {target}");
            assert_eq!(r.header("x-sharesim-outcome"), Some("route"));
        }
        // Unsigned, unknown key, stale date, bad signature.
        let r = t.ep.handle(&HttpRequest::new("GET", "/v2/cloudimages"), NOW);
        assert_eq!((r.status, gateway_code(&r)), (401, "APIGW.0301".into()));
        let body = r.json_body().unwrap();
        assert_eq!(body["request_id"].as_str(), r.header("X-Request-Id"));
        let mut req = t.request("owner", Some(&owner), "GET", "/v2/cloudimages", "");
        for h in req.headers.iter_mut().filter(|(n, _)| n == "Authorization") {
            h.1 = h.1.replace("Access=", "Access=X");
        }
        let r = t.ep.handle(&req, NOW);
        assert!(r.json_body().unwrap()["error_msg"].as_str().unwrap().contains("err:ak not exist"), "{}", text(&r));
        let req = t.request("owner", Some(&owner), "GET", "/v2/cloudimages", "");
        let r = t.ep.handle(&req, NOW + 16 * 60);
        assert_eq!((r.status, r.header("x-sharesim-outcome")), (401, Some("expired")));
        let mut req = t.request("owner", Some(&owner), "POST", "/v1/cloudimages/members", "{\"images\": []}");
        req.edit_body(|b| b[2] = b'j');
        let r = t.ep.handle(&req, NOW);
        assert_eq!((r.status, r.header("x-sharesim-outcome")), (401, Some("signature")));
        // With signature checks off the same request passes the gateway (and fails on its body).
        t.ep.set_verify_signatures(false);
        let r = t.ep.handle(&req, NOW);
        assert_eq!((r.status, ims_code(&r)), (400, "IMG.0001".into()), "{}", text(&r));
        t.ep.set_verify_signatures(true);
        // A project of another account: in the header 401, in the path 403.
        let alice = t.pid("alice", HOME);
        let r = t.call_in("owner", &alice, "GET", "/v2/cloudimages", "");
        assert_eq!((r.status, gateway_code(&r)), (401, "APIGW.0301".into()));
        assert_eq!(r.header("x-sharesim-outcome"), Some("project"));
        let r = t.call("owner", "GET", &format!("/v1/{alice}/jobs/x"), "");
        assert_eq!((r.status, ims_code(&r)), (403, "IMG.0030".into()));
        let req = t.request("owner", None, "GET", &format!("/v1/{alice}/jobs/x"), "");
        let r = t.ep.handle(&req, NOW);
        assert_eq!((r.status, ims_code(&r)), (403, "IMG.0030".into()));
        // The SDK without a project ID leaves the placeholder in the path.
        let req = t.request("owner", None, "GET", "/v1/%7Bproject_id%7D/jobs/x", "");
        assert_eq!(t.ep.handle(&req, NOW).status, 403);
        // Without X-Project-Id the project comes from the path, or the host's region.
        let req = t.request("owner", None, "GET", &format!("/v1/{owner}/jobs/x"), "");
        assert_eq!(ims_code(&t.ep.handle(&req, NOW)), "IMG.0023");
        // IAM's project lookup, as the SDK makes it when given a region.
        let req = t.request("owner", None, "GET", "/v3/projects?name=cn-east-3", "");
        let r = t.ep.handle(&req, NOW);
        let projects = r.json_body().unwrap()["projects"].clone();
        assert_eq!(projects.as_array().map(Vec::len), Some(1), "{}", text(&r));
        assert_eq!(projects[0]["id"], t.pid("owner", AWAY).as_str());
        // The journal names the API and the decision.
        let last = t.ep.journal(1).pop().unwrap();
        assert_eq!((last.api.as_deref(), last.decision.as_str()), (Some("KeystoneListProjects"), "ok"));
    }

    #[test]
    fn malformed_bodies_and_rejections_never_panic() {
        let mut t = world(0);
        let img = t.image.clone();
        let r = t.call("owner", "POST", "/v1/cloudimages/members", "");
        assert_eq!((r.status, ims_code(&r)), (400, "IMG.0007".into()));
        assert_eq!(r.header("x-sharesim-outcome"), Some("empty-body"));
        let r = t.call("owner", "POST", "/v1/cloudimages/members", "{\"images\": ");
        assert_eq!((r.status, ims_code(&r)), (400, "IMG.0001".into()));
        assert_eq!(r.header("x-sharesim-outcome"), Some("malformed"));
        let bodies = [
            "null",
            "[]",
            "42",
            "\"s\"",
            "{}",
            "{\"images\": \"x\"}",
            "{\"images\": [1]}",
            "{\"images\": [null]}",
            "{\"images\": [], \"projects\": []}",
            "{\"projects\": {}}",
            "{\"status\": 1}",
            "{\"member\": []}",
            "{\"region\": 5, \"name\": \"x\"}",
            "[{\"op\": 1}]",
            "[{\"op\": \"move\", \"path\": \"/name\"}]",
            "\u{0}\u{ff}",
            "{\"images\": [\"\u{1F600}\"], \"projects\": [\"\u{0}\"]}",
        ];
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let owner = t.pid("owner", HOME);
        let alice = t.pid("alice", HOME);
        let targets = [
            ("POST", "/v1/cloudimages/members".to_string()),
            ("PUT", "/v1/cloudimages/members".to_string()),
            ("DELETE", "/v1/cloudimages/members".to_string()),
            ("POST", format!("/v2/images/{img}/members")),
            ("PUT", format!("/v2/images/{img}/members/{alice}")),
            ("PATCH", format!("/v2/images/{img}")),
            ("POST", format!("/v1/cloudimages/{img}/cross_region_copy")),
            ("GET", format!("/v1/{owner}/jobs/a0-0-0-0---0-00000000")),
            ("GET", "/v1/cloudimages/job/%ZZ-%00".to_string()),
            ("GET", "/v2/cloudimages?limit=99999999999999999999999&marker=%FF".to_string()),
        ];
        for (m, target) in &targets {
            for body in bodies.iter().copied().chain([deep.as_str()]) {
                let r = t.call(if m == &"PUT" && target.contains("/v2/") { "alice" } else { "owner" }, m, target, body);
                assert!((200..500).contains(&r.status), "{m} {target} {body:.40}: {}", text(&r));
                if r.status >= 400 {
                    let b = r.json_body().unwrap_or_else(|| panic!("{m} {target}: {}", text(&r)));
                    assert!(b["error"]["code"].as_str().is_some_and(|c| c.starts_with("IMG.")), "{}", text(&r));
                }
            }
        }
        // Transport refusals: the IMS format with a request ID.
        for (why, status) in
            [(Rejection::BodyTooLarge { limit: MAX_BODY_BYTES }, 413), (Rejection::Unreadable("reset".into()), 400)]
        {
            let r = t.ep.reject("POST", "/v1/cloudimages/members", &why);
            assert_eq!((r.status, ims_code(&r)), (status, "IMG.0001".into()));
            assert!(r.header("X-Request-Id").is_some());
        }
        let mut big = t.request("owner", Some(&owner), "POST", "/v1/cloudimages/members", "");
        big.body = vec![b' '; MAX_BODY_BYTES + 1].into();
        assert_eq!(t.ep.handle(&big, NOW).status, 413);
    }

    #[test]
    fn job_ids_round_trip_and_refuse_garbage() {
        let t = world(0);
        let job = Job {
            kind: JobKind::Reject,
            seq: 77,
            creator: 1,
            region: 2,
            at: NOW,
            images: vec![0],
            members: vec![1, 2],
            servers: Vec::new(),
            failure: Some((K::RecipientInOtherRegion, Some("HI-SAME-REGION"))),
        };
        let mut ep = t.ep;
        let id = jobs::record(&mut ep, &job);
        assert_eq!(jobs::lookup(&ep, &id), Some(job.clone()));
        let ok_job = Job { failure: None, ..job };
        let ok_id = jobs::record(&mut ep, &ok_job);
        assert_eq!(jobs::lookup(&ep, &ok_id), Some(ok_job));
        assert_eq!(id.len(), 32, "IMS job IDs are 32 hex digits: {id}");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        let altered = format!("{}{}", if id.starts_with('0') { '1' } else { '0' }, &id[1..]);
        for bad in ["", "-", "x-y", "ff8080814dbd65d7014dbe0d84db0013", &altered] {
            assert_eq!(jobs::lookup(&ep, bad), None, "{bad}");
        }
        ep.reset();
        assert_eq!(jobs::lookup(&ep, &id), None, "a reset forgets the jobs");
        assert_eq!(huawei_time(1_433_441_466), "04-Jun-2015 18:11:06:000");
        assert!(!huawei_time(u64::MAX).is_empty(), "a forged job time does not panic");
    }

    #[test]
    fn every_route_parses_and_names_its_api() {
        let cases = [
            ("POST", "/v1/cloudimages/members", "BatchAddMembers"),
            ("PUT", "/v1/cloudimages/members/", "BatchUpdateMembers"),
            ("DELETE", "/v1/cloudimages/members", "BatchDeleteMembers"),
            ("GET", "/v1/p/jobs/j", "ShowJob"),
            ("GET", "/v1/cloudimages/job/j", "ShowJobProgress"),
            ("GET", "/v2/cloudimages", "ListImages"),
            ("GET", "/v1/p/cloudimages/i/members", "ListImageMembers"),
            ("GET", "/v1/p/cloudimages/i/members/m", "ShowImageMember"),
            ("GET", "/v2/images", "GlanceListImages"),
            ("GET", "/v2/images/i", "GlanceShowImage"),
            ("PATCH", "/v2/images/i", "GlanceUpdateImage"),
            ("DELETE", "/v2/images/i", "GlanceDeleteImage"),
            ("GET", "/v2/images/i/members", "GlanceListImageMembers"),
            ("POST", "/v2/images/i/members", "GlanceAddImageMember"),
            ("GET", "/v2/images/i/members/m", "GlanceShowImageMember"),
            ("PUT", "/v2/images/i/members/m", "GlanceUpdateImageMember"),
            ("DELETE", "/v2/images/i/members/m", "GlanceDeleteImageMember"),
            ("POST", "/v1/cloudimages/i/cross_region_copy", "CopyImageCrossRegion"),
            ("POST", "/v1/cloudimages/i/copy", "CopyImageInRegion"),
            ("GET", "/v1/cloudimages/quota", "ShowImageQuota"),
            ("GET", "/v3/projects", "KeystoneListProjects"),
            ("POST", "/v2/cloudimages/action", "CreateImage"),
            ("POST", "/v1/p/cloudservers", "CreatePostPaidServers"),
            ("POST", "/v1.1/p/cloudservers", "CreateServers"),
            ("GET", "/v1/p/cloudservers/s", "ShowServer"),
            ("GET", "/v1/p/cloudservers/detail", "ListServersDetails"),
            ("POST", "/v1/p/cloudservers/delete", "DeleteServers"),
            ("POST", "/v2/p/cloudservers/s/reinstallos", "ReinstallServerWithCloudInit"),
            ("POST", "/v2/p/cloudservers/s/changeos", "ChangeServerOsWithCloudInit"),
            ("POST", "/v1.0/p/kms/create-grant", "CreateGrant"),
            ("POST", "/v1.0/p/kms/list-grants", "ListGrants"),
            ("POST", "/v1.0/p/kms/revoke-grant", "CancelGrant"),
        ];
        for (m, path, api) in cases {
            assert_eq!(Route::parse(m, path).map(|r| r.api()), Some(api), "{m} {path}");
        }
        assert_eq!(
            Route::parse("GET", "/v1/%7Bproject_id%7D/jobs/j").and_then(|r| r.project().map(str::to_string)),
            Some("{project_id}".into())
        );
    }

    // ----- ECS, IMS CreateImage, KMS ---------------------------------------------------------

    fn kms_code(r: &HttpResponse) -> String {
        r.json_body().and_then(|b| b["error"]["error_code"].as_str().map(str::to_string)).unwrap_or_else(|| text(r))
    }

    impl T {
        /// A call that answers a job; returns the job as its creator sees it (the call's
        /// project is `who`'s home project).
        fn job_of(&mut self, who: &str, method: &str, target: &str, body: &str) -> (Value, Value) {
            let resp = self.call(who, method, target, body);
            assert_eq!(resp.status, 200, "{}", text(&resp));
            let answer = resp.json_body().unwrap();
            let id = answer["job_id"].as_str().unwrap().to_string();
            let pid = self.pid(who, HOME);
            let job = self.call(who, "GET", &format!("/v1/{pid}/jobs/{id}"), "");
            assert_eq!(job.status, 200, "{}", text(&job));
            (answer, job.json_body().unwrap())
        }

        fn launch(&mut self, who: &str, image: &str) -> (Value, Value) {
            let pid = self.pid(who, HOME);
            let body = json!({ "server": { "imageRef": image, "flavorRef": "s6.small.1", "name": "vm" } });
            self.job_of(who, "POST", &format!("/v1/{pid}/cloudservers"), &body.to_string())
        }

        fn domain(&self, who: &str) -> String {
            self.ep.engine().identity_of(who, crate::rules::IdentityKind::DomainId, "cn-north-4").unwrap()
        }
    }

    /// An import from OBS as huaweicloudsdkims sends it.
    fn import_body(name: &str) -> Value {
        json!({
            "name": name, "image_url": "sharesim-images:golden.qcow2", "min_disk": 40,
            "os_version": "Ubuntu 22.04 server 64bit", "description": "imported", "type": "ECS",
            "is_quick_import": false, "architecture": "x86",
        })
    }

    #[test]
    fn an_obs_import_is_an_image_the_owner_shares_and_the_recipient_accepts() {
        let mut t = world(0);
        let alice = t.pid("alice", HOME);
        let (_, job) = t.job_of("owner", "POST", "/v2/cloudimages/action", &import_body("imported").to_string());
        assert_eq!((job["status"].as_str(), job["job_type"].as_str()), (Some("SUCCESS"), Some("createImageByFile")));
        assert_eq!(job["entities"]["image_name"], "imported");
        let img = job["entities"]["image_id"].as_str().unwrap().to_string();
        let shown = t.call("owner", "GET", &format!("/v2/images/{img}"), "");
        let shown = shown.json_body().unwrap();
        assert_eq!((shown["name"].as_str(), shown["__description"].as_str()), (Some("imported"), Some("imported")));
        let state = t.ep.engine().state();
        let made = &state.images[state.index.image_by_id[&img] as usize];
        assert_eq!(made.region, HOME, "made in the region of the call");
        // The owner shares it, alice accepts it and sees it.
        assert_eq!(t.share(&img, std::slice::from_ref(&alice))["status"], "SUCCESS");
        let accept = json!({ "images": [img], "project_id": alice, "status": "accepted" }).to_string();
        assert_eq!(t.job("alice", &alice, "PUT", "/v1/cloudimages/members", &accept)["status"], "SUCCESS");
        assert_eq!(t.shared_ids("alice", &alice, "accepted"), vec![img.clone()]);
        // In the other region's project, the image is made there.
        let away = t.pid("owner", AWAY);
        let resp = t.call_in("owner", &away, "POST", "/v2/cloudimages/action", &import_body("far").to_string());
        assert_eq!(resp.status, 200, "{}", text(&resp));
        let state = t.ep.engine().state();
        assert_eq!(state.images.last().map(|i| (i.name.as_str(), i.region)), Some(("far", AWAY)));
    }

    #[test]
    fn an_obs_import_must_say_what_ims_requires() {
        let mut t = world(0);
        let count = t.ep.engine().state().images.len();
        let without = |key: &str| {
            let mut b = import_body("x");
            b.as_object_mut().unwrap().remove(key);
            b
        };
        let with = |key: &str, v: Value| {
            let mut b = import_body("x");
            b[key] = v;
            b
        };
        let cases = [
            (without("name"), "IMG.0001"),
            // Neither a server nor a file: the ECS ID is missing.
            (without("image_url"), "IMG.0012"),
            (without("min_disk"), "IMG.0001"),
            (with("min_disk", json!("40")), "IMG.0001"),
            (with("min_disk", json!(39)), "IMG.0055"),
            (with("min_disk", json!(1025)), "IMG.0055"),
            (with("image_url", json!("no-file-named")), "IMG.0057"),
            (with("image_url", json!("sharesim-images:")), "IMG.0057"),
            (with("image_url", json!("Upper_Case:f.qcow2")), "IMG.0057"),
            (with("instance_id", json!("some-server")), "IMG.0001"),
            (with("is_quick_import", json!(true)).tap_remove("os_version"), "IMG.0001"),
            (with("os_type", json!("BeOS")), "IMG.0056"),
            (with("type", json!("VM")), "IMG.0001"),
            (with("architecture", json!("mips")), "IMG.0001"),
            // The engine makes an encrypted image's key itself: a named key cannot be its key.
            (with("cmk_id", json!("0d0466b0-e727-4d9c-b35d-f84bb474a37f")), "IMG.0105"),
        ];
        for (body, code) in cases {
            let r = t.call("owner", "POST", "/v2/cloudimages/action", &body.to_string());
            assert_eq!((r.status, ims_code(&r)), (400, code.to_string()), "{body}");
        }
        // A project that is not the caller's: the gateway's refusal.
        let alice = t.pid("alice", HOME);
        let r = t.call_in("owner", &alice, "POST", "/v2/cloudimages/action", &import_body("x").to_string());
        assert_eq!((r.status, gateway_code(&r)), (401, "APIGW.0301".into()), "{}", text(&r));
        assert_eq!(t.ep.engine().state().images.len(), count, "nothing was made");
    }

    /// Removes a key from a JSON object in an expression.
    trait TapRemove {
        fn tap_remove(self, key: &str) -> Self;
    }

    impl TapRemove for Value {
        fn tap_remove(mut self, key: &str) -> Self {
            if let Some(m) = self.as_object_mut() {
                m.remove(key);
            }
            self
        }
    }

    #[test]
    fn ecs_servers_and_images_from_them_follow_the_share() {
        let mut t = world(0);
        let (owner, alice, bob) = (t.pid("owner", HOME), t.pid("alice", HOME), t.pid("bob", HOME));
        // The owner makes a server from its image, then an image from the server.
        let (answer, job) = t.launch("owner", &t.image.clone());
        assert_eq!((job["status"].as_str(), job["job_type"].as_str()), (Some("SUCCESS"), Some("createServer")));
        let server = answer["serverIds"][0].as_str().unwrap().to_string();
        assert_eq!(job["entities"]["server_id"], server.as_str());
        assert_eq!(job["entities"]["sub_jobs"][0]["entities"]["server_id"], server.as_str());
        let body = json!({ "name": "golden", "instance_id": server, "description": "from a server" }).to_string();
        let (_, job) = t.job_of("owner", "POST", "/v2/cloudimages/action", &body);
        assert_eq!(job["status"], "SUCCESS", "{job}");
        let img = job["entities"]["image_id"].as_str().unwrap().to_string();
        let shown = t.call("owner", "GET", &format!("/v2/images/{img}"), "");
        assert_eq!(shown.json_body().unwrap()["name"], "golden", "{}", text(&shown));
        // Someone else's server, no server, an import from OBS.
        let r = t.call("alice", "POST", "/v2/cloudimages/action", &body);
        assert_eq!((r.status, ims_code(&r)), (400, "IMG.0005".into()));
        let r = t.call("owner", "POST", "/v2/cloudimages/action", "{\"name\": \"x\"}");
        assert_eq!((r.status, ims_code(&r)), (400, "IMG.0012".into()));
        let r = t.call("owner", "POST", "/v2/cloudimages/action", "{\"name\": \"x\", \"image_url\": \"b:f\"}");
        assert_eq!((r.status, ims_code(&r)), (400, "IMG.0057".into()), "a bucket name is 3 to 63 characters");

        // Shared but pending: the recipient's create-server job fails (HI-ACCEPT).
        assert_eq!(t.share(&img, std::slice::from_ref(&alice))["status"], "SUCCESS");
        let (answer, job) = t.launch("alice", &img);
        assert_eq!((job["status"].as_str(), job["error_code"].as_str()), (Some("FAIL"), Some("IMG.0046")), "{job}");
        assert_eq!(answer["serverIds"], json!([]));
        let accept = json!({ "images": [img], "project_id": alice, "status": "accepted" }).to_string();
        t.job("alice", &alice, "PUT", "/v1/cloudimages/members", &accept);
        let (answer, job) = t.launch("alice", &img);
        assert_eq!(job["status"], "SUCCESS", "{job}");
        let vm = answer["serverIds"][0].as_str().unwrap().to_string();
        // CreateServers (v1.1) too; a stranger's launch fails.
        let v11 = json!({ "server": { "imageRef": img, "flavorRef": "f", "count": 1 } }).to_string();
        let (_, job) = t.job_of("alice", "POST", &format!("/v1.1/{alice}/cloudservers"), &v11);
        assert_eq!(job["status"], "SUCCESS", "{job}");
        let (_, job) = t.launch("bob", &img);
        assert_eq!(job["status"], "FAIL", "{job}");
        assert!(job["error_code"].as_str().is_some_and(|c| c.starts_with("IMG.")), "{job}");

        // After the owner cancels, reinstall and change OS fail; the server stays.
        let delete = json!({ "images": [img], "projects": [alice] }).to_string();
        t.job("owner", &owner, "DELETE", "/v1/cloudimages/members", &delete);
        let reinstall = json!({ "os-reinstall": { "adminpass": "P@ss", "mode": "withStopServer" } }).to_string();
        let (_, job) = t.job_of("alice", "POST", &format!("/v2/{alice}/cloudservers/{vm}/reinstallos"), &reinstall);
        assert_eq!((job["status"].as_str(), job["job_type"].as_str()), (Some("FAIL"), Some("reinstallServerOS")));
        let change = json!({ "os-change": { "adminpass": "P@ss", "imageid": img } }).to_string();
        let (_, job) = t.job_of("alice", "POST", &format!("/v2/{alice}/cloudservers/{vm}/changeos"), &change);
        assert_eq!(job["status"], "FAIL", "{job}");
        let shown = t.call("alice", "GET", &format!("/v1/{alice}/cloudservers/{vm}"), "");
        assert_eq!(shown.status, 200, "{}", text(&shown));
        let detail = shown.json_body().unwrap();
        assert_eq!(
            (detail["server"]["id"].as_str(), detail["server"]["image"]["id"].as_str()),
            (Some(vm.as_str()), Some(img.as_str()))
        );
        assert_eq!(detail["server"]["status"], "ACTIVE");
        // The owner's change-OS to its own image works.
        let own = json!({ "os-change": { "imageid": t.image } }).to_string();
        let (_, job) = t.job_of("owner", "POST", &format!("/v2/{owner}/cloudservers/{server}/changeos"), &own);
        assert_eq!(job["status"], "SUCCESS", "{job}");

        // Servers that are not the caller's, not in the region, unknown: 404 Ecs.0114.
        for (who, target) in
            [("bob", format!("/v1/{bob}/cloudservers/{vm}")), ("alice", format!("/v1/{alice}/cloudservers/nope"))]
        {
            let r = t.call(who, "GET", &target, "");
            assert_eq!((r.status, ims_code(&r)), (404, "Ecs.0114".into()), "{target}");
        }
        let away = t.pid("alice", AWAY);
        let r = t.call_in("alice", &away, "GET", &format!("/v1/{away}/cloudservers/{vm}"), "");
        assert_eq!((r.status, ims_code(&r)), (404, "Ecs.0114".into()));
        let r = t.call_in("alice", &away, "POST", &format!("/v2/{away}/cloudservers/{vm}/reinstallos"), &reinstall);
        assert_eq!((r.status, ims_code(&r)), (404, "Ecs.0114".into()));
        let r = t.call("bob", "POST", &format!("/v2/{bob}/cloudservers/{vm}/reinstallos"), &reinstall);
        assert_eq!((r.status, ims_code(&r)), (404, "Ecs.0114".into()));
        // Another account's project in the path.
        let r = t.call("bob", "GET", &format!("/v1/{alice}/cloudservers/{vm}"), "");
        assert_eq!((r.status, ims_code(&r)), (403, "Ecs.0003".into()));
        // List, delete, and the deleted server is gone.
        let list = t.call("alice", "GET", &format!("/v1/{alice}/cloudservers/detail"), "").json_body().unwrap();
        assert_eq!(list["count"], 2, "{list}");
        let del = json!({ "servers": [{ "id": vm }], "delete_volume": true }).to_string();
        let r = t.call("bob", "POST", &format!("/v1/{bob}/cloudservers/delete"), &del);
        assert_eq!((r.status, ims_code(&r)), (404, "Ecs.0114".into()));
        let (_, job) = t.job_of("alice", "POST", &format!("/v1/{alice}/cloudservers/delete"), &del);
        assert_eq!((job["status"].as_str(), job["job_type"].as_str()), (Some("SUCCESS"), Some("deleteServer")));
        let r = t.call("alice", "GET", &format!("/v1/{alice}/cloudservers/{vm}"), "");
        assert_eq!(r.status, 404);
        // A dry run checks without launching.
        let dry = json!({ "dry_run": true, "server": { "imageRef": img } }).to_string();
        let r = t.call("bob", "POST", &format!("/v1/{bob}/cloudservers"), &dry);
        assert!(r.status >= 400 && ims_code(&r).starts_with("IMG."), "{}", text(&r));
        let dry = json!({ "dry_run": true, "server": { "imageRef": t.image } }).to_string();
        let r = t.call("owner", "POST", &format!("/v1/{owner}/cloudservers"), &dry);
        assert_eq!(r.status, 202, "{}", text(&r));
        let quota = t.call("owner", "GET", "/v1/cloudimages/quota", "");
        assert_eq!(quota.status, 200);
    }

    #[test]
    fn kms_grants_decide_an_encrypted_images_use() {
        use crate::engine::EncryptionSpec;
        let mut t = world(0);
        let (owner, alice) = (t.pid("owner", HOME), t.pid("alice", HOME));
        let new = NewImage {
            name: "secret".into(),
            region: "home".into(),
            encryption: EncryptionSpec::CustomKey,
            ..Default::default()
        };
        let Ok(Output::ImageCreated { image: img, .. }) = t.ep.apply("owner", None, Operation::CreateImage(new)) else {
            panic!("image")
        };
        // The image names its key by a KMS key ID.
        let info = t.call("owner", "GET", &format!("/v2/images/{img}"), "").json_body().unwrap();
        let key = info["__system__cmkid"].as_str().unwrap().to_string();
        assert!(super::super::kms_is_key_id(&key), "{key}");
        assert_eq!(info["__system_encrypted"], "1");
        let domain = t.domain("alice");
        let grant = |key: &str, grantee: &str| {
            json!({ "key_id": key, "grantee_principal": grantee, "grantee_principal_type": "domain",
                    "operations": ["describe-key", "decrypt-datakey"] })
            .to_string()
        };
        let create = format!("/v1.0/{owner}/kms/create-grant");
        let list = format!("/v1.0/{owner}/kms/list-grants");
        let revoke = format!("/v1.0/{owner}/kms/revoke-grant");
        // Not granted: the share is refused by its job (HI-ENCRYPTED-KEY).
        assert_eq!(t.share(&img, std::slice::from_ref(&alice))["error_code"], "IMG.0099");
        let r = t.call("owner", "POST", &create, &grant(&key, &domain));
        assert_eq!(r.status, 200, "{}", text(&r));
        let grant_id = r.json_body().unwrap()["grant_id"].as_str().unwrap().to_string();
        assert_eq!(grant_id.len(), 64);
        let listed = t.call("owner", "POST", &list, &json!({ "key_id": key }).to_string()).json_body().unwrap();
        assert_eq!((listed["total"].as_u64(), listed["truncated"].as_str()), (Some(1), Some("false")), "{listed}");
        assert_eq!(listed["grants"][0]["grantee_principal"], domain.as_str());
        assert_eq!(listed["grants"][0]["grant_id"], grant_id.as_str());
        assert_eq!(t.share(&img, std::slice::from_ref(&alice))["status"], "SUCCESS");
        let accept = json!({ "images": [img], "project_id": alice, "status": "accepted" }).to_string();
        t.job("alice", &alice, "PUT", "/v1/cloudimages/members", &accept);
        assert_eq!(t.launch("alice", &img).1["status"], "SUCCESS");
        // Only the key's owner grants; others get KMS.0205.
        let r = t.call("alice", "POST", &format!("/v1.0/{alice}/kms/create-grant"), &grant(&key, &t.domain("bob")));
        assert_eq!((r.status, kms_code(&r)), (400, "KMS.0205".into()));
        assert_eq!(r.header("x-sharesim-rule"), Some("HI-OWNER"));
        // Revoked: the recipient's launch fails (HI-KEY-REVOKE) and the grant is gone.
        let body = json!({ "key_id": key, "grant_id": grant_id }).to_string();
        let r = t.call("owner", "POST", &revoke, &body);
        assert_eq!((r.status, r.json_body()), (200, Some(json!({}))));
        let (_, job) = t.launch("alice", &img);
        assert_eq!((job["status"].as_str(), job["error_code"].as_str()), (Some("FAIL"), Some("IMG.0099")));
        let listed = t.call("owner", "POST", &list, &json!({ "key_id": key }).to_string()).json_body().unwrap();
        assert_eq!(listed["total"], 0);

        // Bad input, all in KMS's format.
        let other = t.pid("alice", HOME);
        let cases = [
            (create.clone(), grant("key-0123", &domain), "KMS.0205"),
            (create.clone(), grant("00000000-0000-4000-8000-000000000000", &domain), "KMS.0205"),
            (create.clone(), grant(&key, "not-a-domain!"), "KMS.0206"),
            (create.clone(), grant(&key, "00000000000000000000000000000000"), "KMS.0206"),
            (
                create.clone(),
                json!({ "key_id": key, "grantee_principal": domain, "operations": ["describe-key"] }).to_string(),
                "KMS.0206",
            ),
            (
                create.clone(),
                json!({ "key_id": key, "grantee_principal": domain, "grantee_principal_type": "domain",
                        "operations": ["create-grant"] })
                .to_string(),
                "KMS.0204",
            ),
            (create.clone(), String::new(), "KMS.0204"),
            (create.clone(), "{\"key_id\": 1}".into(), "KMS.0204"),
            (revoke.clone(), json!({ "key_id": key, "grant_id": "zz" }).to_string(), "KMS.0207"),
            (revoke.clone(), json!({ "key_id": key, "grant_id": "0".repeat(64) }).to_string(), "KMS.0208"),
            (list.clone(), json!({ "key_id": key, "limit": "0" }).to_string(), "KMS.0204"),
            (list.clone(), json!({ "key_id": key, "marker": "x" }).to_string(), "KMS.0204"),
        ];
        for (target, body, code) in cases {
            let r = t.call("owner", "POST", &target, &body);
            assert_eq!((r.status, kms_code(&r)), (400, code.to_string()), "{target} {body}");
        }
        let wrong_key_half = format!("{}{}", "0".repeat(32), domain);
        let r = t.call("owner", "POST", &revoke, &json!({ "key_id": key, "grant_id": wrong_key_half }).to_string());
        assert_eq!(kms_code(&r), "KMS.0208");
        let r =
            t.call("owner", "POST", &format!("/v1.0/{other}/kms/list-grants"), &json!({ "key_id": key }).to_string());
        assert_eq!((r.status, kms_code(&r)), (403, "KMS.0203".into()));
        // The key lives in its region: the owner's other-region project does not have it.
        let away = t.pid("owner", AWAY);
        let r = t.call_in(
            "owner",
            &away,
            "POST",
            &format!("/v1.0/{away}/kms/list-grants"),
            &json!({ "key_id": key }).to_string(),
        );
        assert_eq!((r.status, kms_code(&r)), (400, "KMS.0205".into()));
        // Unknown KMS paths are the gateway's.
        let r = t.call("owner", "POST", &format!("/v1.0/{owner}/kms/retire-everything"), "{}");
        assert_eq!((r.status, gateway_code(&r)), (404, "APIGW.0101".into()));
    }

    #[test]
    fn ecs_and_kms_refuse_hostile_bodies_in_their_own_format() {
        let mut t = world(0);
        let img = t.image.clone();
        let owner = t.pid("owner", HOME);
        let (_, job) = t.launch("owner", &img);
        let vm = job["entities"]["server_id"].as_str().unwrap().to_string();
        let bodies = [
            "",
            "null",
            "[]",
            "42",
            "{}",
            "{\"server\": 1}",
            "{\"server\": {}}",
            "{\"server\": {\"imageRef\": 5}}",
            "{\"server\": {\"imageRef\": \"x\", \"count\": 0}}",
            "{\"server\": {\"imageRef\": \"x\", \"count\": 99999}}",
            "{\"servers\": []}",
            "{\"servers\": [{}]}",
            "{\"os-change\": {}}",
            "{\"os-reinstall\": {\"mode\": \"now\"}}",
            "{\"os-change\": {\"imageid\": \"\"}}",
            "{\"key_id\": null}",
            "{\"operations\": \"x\"}",
            "\u{0}\u{ff}",
        ];
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let targets = [
            (format!("/v1/{owner}/cloudservers"), "Ecs."),
            (format!("/v1.1/{owner}/cloudservers"), "Ecs."),
            (format!("/v1/{owner}/cloudservers/delete"), "Ecs."),
            (format!("/v2/{owner}/cloudservers/{vm}/reinstallos"), "Ecs."),
            (format!("/v2/{owner}/cloudservers/{vm}/changeos"), "Ecs."),
            ("/v2/cloudimages/action".to_string(), "IMG."),
            (format!("/v1.0/{owner}/kms/create-grant"), "KMS."),
            (format!("/v1.0/{owner}/kms/list-grants"), "KMS."),
            (format!("/v1.0/{owner}/kms/revoke-grant"), "KMS."),
        ];
        for (target, prefix) in &targets {
            for body in bodies.iter().copied().chain([deep.as_str()]) {
                let r = t.call("owner", "POST", target, body);
                assert!((200..500).contains(&r.status), "{target} {body:.40}: {}", text(&r));
                if r.status >= 400 {
                    let b = r.json_body().unwrap_or_else(|| panic!("{target}: {}", text(&r)));
                    let code = b["error"]["code"].as_str().or_else(|| b["error"]["error_code"].as_str());
                    assert!(code.is_some_and(|c| c.starts_with(prefix)), "{target} {body:.40}: {}", text(&r));
                }
            }
        }
        // Wrong methods on the new paths are unknown routes.
        for (m, target) in
            [("GET", format!("/v1.0/{owner}/kms/create-grant")), ("DELETE", format!("/v1/{owner}/cloudservers"))]
        {
            let r = t.call("owner", m, &target, "");
            assert_eq!((r.status, gateway_code(&r)), (404, "APIGW.0101".into()), "{m} {target}");
        }
    }
}
