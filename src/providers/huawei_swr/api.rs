//! Huawei Cloud SWR's HTTP API for sharing private repositories, as the official SDK
//! (huaweicloudsdkswr) calls it (providers/huawei-swr.md): namespaces, repositories, their
//! access domains (one per recipient account) and the shared-repository listings.
//!
//! | API | route | engine operation |
//! |---|---|---|
//! | CreateNamespace | `POST /v2/manage/namespaces` | none (see below) |
//! | ListNamespaces / ShowNamespace / DeleteNamespaces | `GET /v2/manage/namespaces[/{ns}]`, `DELETE …/{ns}` | none |
//! | CreateRepo | `POST /v2/manage/namespaces/{ns}/repos` | `CreateImage` |
//! | ShowRepository / UpdateRepo / DeleteRepo | `GET` / `PATCH` / `DELETE …/repos/{repo}` | `Describe` / `Modify` / `Delete` |
//! | CreateRepoDomains / ListRepoDomains | `POST` / `GET …/repositories/{repo}/access-domains` | `Share` / `ListShares` |
//! | ShowAccessDomain / UpdateRepoDomains / DeleteRepoDomains | `GET` / `PATCH` / `DELETE …/access-domains/{domain}` | `ListShares` / `ModifyShare` / `CancelShare` |
//! | ListSharedReposDetails | `GET /v2/manage/shared-repositories?center=thirdparty\|self` (or `filter=center::…\|…`) | `ListSharedWithMe` / `ListMyShared` |
//! | ListSharedRepoDetails | `GET /v3/manage/shared-repositories?shared_by=thirdparty\|self` | the same |
//! | ShowShareFeatureGates | `GET /v2/manage/projects/{project_id}/feature-gates` | none |
//! | CreateSecret | `POST /v2/manage/utils/secret?projectname={region}[&duration_seconds=]` | none (a temporary registry login, `registry::login`) |
//!
//! Every call passes the API gateway first ([`huawei_gateway`](crate::providers::huawei_gateway)):
//! an unknown route is `404 APIGW.0101`, a bad or stale signature or an unknown key
//! `401 APIGW.0301`. The caller is the access key's account; `X-Project-Id`, when sent, must be
//! one of its projects and gives the region of the call, else the region is the provider's
//! first (home). A repository is addressed as `{namespace}/{repository}`, the engine's image ID;
//! in a path a `/` inside the repository name is sent as `%2F` or as `$`.
//!
//! Namespaces are not modelled by the engine: each account has exactly one, derived from its
//! name (`ns-<account>`, see `identity.rs`), which always exists. Creating it answers 201, or 409
//! (`SVCSTG.SWR.4090060`) once it holds a repository in the region; any other namespace is
//! another account's (403, or 409 on create) or nobody's (404).
//!
//! SWR's refusals are `{"errors":[{"errorCode","errorMessage","detail"}],"error_code","error_msg",
//! "details":[…]}` (plus top-level `errorCode`/`errorMessage`, which Terraform reads) with the
//! status of [`Spec::wire`](crate::providers::Spec::wire). Every response carries `X-Request-Id`,
//! `x-sharesim-outcome` (`ok`; the canonical error the engine decided; a canonical error the
//! adapter decided without the engine, such as `NotOwner`/`NotFound`/`AlreadyExists` for
//! namespaces or `NotShared` for a missing access domain; or a refusal before the engine: the
//! gateway's `route`, `unauthenticated`, `unknown-key`, `signature`, `expired`, `project`, and
//! the adapter's `malformed`, `missing-parameter`, `InvalidParameter`, `visibility-change`,
//! `namespace-in-use`, `body-too-large`, `unreadable`) and, when a rule decided,
//! `x-sharesim-rule`. Pulls and pushes (`docker pull`, `docker push`) are the registry's, on a
//! listener of its own (`registry/`).

use serde_json::{Map, Value, json};

use super::{SPEC, identity, registry};
use crate::clock::{iso8601, parse_iso8601};
use crate::engine::{
    Action, ErrorKind as K, Failure, NewImage, Operation, Outcome, Output, ShareOptions, Validity, Visibility,
};
use crate::providers::huawei_gateway::{self as gateway, Denial};
use crate::rules::IdentityKind;
use crate::wire::{Adapter, Endpoint, HttpRequest, HttpResponse, MAX_BODY_BYTES, Rejection, codec};

pub const ADAPTER: Adapter = Adapter { handle, reject };

const JSON: &str = "application/json";
const INVALID: &str = "SVCSTG.SWR.4000014";
const MISSING: &str = "SVCSTG.SWR.4001014";
const NAMESPACE_NAME: &str = "SVCSTG.SWR.4001028";
const REPOSITORY_NAME: &str = "SVCSTG.SWR.4001029";
const NAMESPACE_EXISTS: &str = "SVCSTG.SWR.4090060";
const NAMESPACE_MISSING: &str = "SVCSTG.SWR.4040058";
const NAMESPACE_IN_USE: &str = "SVCSTG.SWR.4060074";
const NOT_YOURS: &str = "SVCSTG.SWR.4039001";
/// What Terraform takes for "this access domain does not exist" on the show call.
const NO_ACCESS_DOMAIN: &str = "SVCSTG.SWR.4001090";
/// Repository categories the API takes.
const CATEGORIES: [&str; 8] = ["app_server", "linux", "framework_app", "database", "lang", "other", "windows", "arm"];
/// The category shown: the engine keeps none.
const CATEGORY: &str = "other";
/// The most items one listing page holds.
const MAX_LIMIT: usize = 1000;
/// The v3 listing's page size when `limit` is not given.
const V3_DEFAULT_LIMIT: usize = 100;
/// The access level a namespace's owner has (7 = manage).
const MANAGE: u8 = 7;

// ----- routes ------------------------------------------------------------------------------

/// The APIs served, by the SDK's operation names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Api {
    CreateNamespace,
    ListNamespaces,
    ShowNamespace,
    DeleteNamespaces,
    CreateRepo,
    ShowRepository,
    UpdateRepo,
    DeleteRepo,
    CreateRepoDomains,
    ListRepoDomains,
    ShowAccessDomain,
    UpdateRepoDomains,
    DeleteRepoDomains,
    ListSharedReposDetails,
    ListSharedRepoDetails,
    ShowShareFeatureGates,
    CreateSecret,
}

impl Api {
    fn name(self) -> &'static str {
        match self {
            Api::CreateNamespace => "CreateNamespace",
            Api::ListNamespaces => "ListNamespaces",
            Api::ShowNamespace => "ShowNamespace",
            Api::DeleteNamespaces => "DeleteNamespaces",
            Api::CreateRepo => "CreateRepo",
            Api::ShowRepository => "ShowRepository",
            Api::UpdateRepo => "UpdateRepo",
            Api::DeleteRepo => "DeleteRepo",
            Api::CreateRepoDomains => "CreateRepoDomains",
            Api::ListRepoDomains => "ListRepoDomains",
            Api::ShowAccessDomain => "ShowAccessDomain",
            Api::UpdateRepoDomains => "UpdateRepoDomains",
            Api::DeleteRepoDomains => "DeleteRepoDomains",
            Api::ListSharedReposDetails => "ListSharedReposDetails",
            Api::ListSharedRepoDetails => "ListSharedRepoDetails",
            Api::ShowShareFeatureGates => "ShowShareFeatureGates",
            Api::CreateSecret => "CreateSecret",
        }
    }
}

/// A routed request: the API and its path parameters (decoded; empty when the API has none).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Call {
    api: Api,
    namespace: String,
    repository: String,
    domain: String,
    project: String,
}

/// Matches the path: split on `/` as sent, each segment percent-decoded on its own, so `%2F`
/// stays inside its segment; `$` in a repository name means `/` (SWR's own convention).
fn route(method: &str, raw_path: &str) -> Option<Call> {
    let segments: Vec<String> =
        raw_path.trim_start_matches('/').trim_end_matches('/').split('/').map(|s| codec::decode(s, false)).collect();
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    let call = |api, namespace: &str, repository: &str, domain: &str| {
        let params = [namespace, repository, domain];
        // A parameter the route has must not be empty (`/namespaces//repos`).
        let needed = match api {
            Api::ShowNamespace | Api::DeleteNamespaces | Api::CreateRepo => 1,
            Api::ShowRepository | Api::UpdateRepo | Api::DeleteRepo | Api::CreateRepoDomains | Api::ListRepoDomains => {
                2
            }
            Api::ShowAccessDomain | Api::UpdateRepoDomains | Api::DeleteRepoDomains => 3,
            _ => 0,
        };
        if params[..needed].iter().any(|p| p.trim().is_empty()) {
            return None;
        }
        Some(Call {
            api,
            namespace: namespace.to_string(),
            repository: repository.replace('$', "/"),
            domain: domain.to_string(),
            project: String::new(),
        })
    };
    match (method, s.as_slice()) {
        ("POST", ["v2", "manage", "namespaces"]) => call(Api::CreateNamespace, "", "", ""),
        ("GET", ["v2", "manage", "namespaces"]) => call(Api::ListNamespaces, "", "", ""),
        ("GET", ["v2", "manage", "namespaces", ns]) => call(Api::ShowNamespace, ns, "", ""),
        ("DELETE", ["v2", "manage", "namespaces", ns]) => call(Api::DeleteNamespaces, ns, "", ""),
        ("POST", ["v2", "manage", "namespaces", ns, "repos"]) => call(Api::CreateRepo, ns, "", ""),
        (m, ["v2", "manage", "namespaces", ns, "repos", repo]) => match m {
            "GET" => call(Api::ShowRepository, ns, repo, ""),
            "PATCH" => call(Api::UpdateRepo, ns, repo, ""),
            "DELETE" => call(Api::DeleteRepo, ns, repo, ""),
            _ => None,
        },
        (m, ["v2", "manage", "namespaces", ns, "repositories", repo, "access-domains"]) => match m {
            "POST" => call(Api::CreateRepoDomains, ns, repo, ""),
            "GET" => call(Api::ListRepoDomains, ns, repo, ""),
            _ => None,
        },
        (m, ["v2", "manage", "namespaces", ns, "repositories", repo, "access-domains", domain]) => match m {
            "GET" => call(Api::ShowAccessDomain, ns, repo, domain),
            "PATCH" => call(Api::UpdateRepoDomains, ns, repo, domain),
            "DELETE" => call(Api::DeleteRepoDomains, ns, repo, domain),
            _ => None,
        },
        ("GET", ["v2", "manage", "shared-repositories"]) => call(Api::ListSharedReposDetails, "", "", ""),
        ("GET", ["v3", "manage", "shared-repositories"]) => call(Api::ListSharedRepoDetails, "", "", ""),
        ("POST", ["v2", "manage", "utils", "secret"]) => call(Api::CreateSecret, "", "", ""),
        ("GET", ["v2", "manage", "projects", project, "feature-gates"]) if !project.trim().is_empty() => {
            call(Api::ShowShareFeatureGates, "", "", "").map(|c| Call { project: project.to_string(), ..c })
        }
        _ => None,
    }
}

// ----- responses ---------------------------------------------------------------------------

/// SWR's error body: the current format, which carries the old fields too.
fn swr_error(status: u16, code: &str, message: &str) -> HttpResponse {
    let body = json!({
        "errors": [{ "errorCode": code, "errorMessage": message, "detail": "" }],
        "error_code": code,
        "error_msg": message,
        "details": [{ "error_code": code, "error_msg": "" }],
        "errorCode": code,
        "errorMessage": message,
    });
    HttpResponse::json(status, JSON, &body)
}

fn reject(ep: &mut Endpoint, why: &Rejection) -> HttpResponse {
    let request_id = gateway::request_id(ep);
    let (status, label, message) = match why {
        Rejection::BodyTooLarge { limit } => {
            (413, "body-too-large", format!("Invalid parameter: the request body is larger than {limit} bytes."))
        }
        Rejection::Unreadable(e) => {
            (400, "unreadable", format!("Invalid parameter: the request could not be read: {e}"))
        }
    };
    gateway::finish(ep, swr_error(status, INVALID, &message), &request_id, label, None)
}

fn handle(ep: &mut Endpoint, req: &HttpRequest, now: u64) -> HttpResponse {
    if req.body.len() > MAX_BODY_BYTES {
        return reject(ep, &Rejection::BodyTooLarge { limit: MAX_BODY_BYTES });
    }
    let request_id = gateway::request_id(ep);
    let denied =
        |ep: &mut Endpoint, d: Denial| gateway::finish(ep, d.response(&request_id), &request_id, d.label, None);
    let Some(call) = route(&req.method, req.path()) else {
        return denied(ep, Denial::unknown_route());
    };
    ep.note_api(call.api.name());
    let caller = match gateway::verify(ep.keys(), req, now, ep.verify_signatures()) {
        Ok(c) => c,
        Err(d) => return denied(ep, d),
    };
    let Some(&account_ix) = ep.engine().state().index.account_by_name.get(&caller.account) else {
        return denied(ep, Denial::unknown_key(&caller.access_key));
    };
    let region = match req.get("X-Project-Id").map(|p| p.trim().to_string()).filter(|p| !p.is_empty()) {
        Some(p) => match gateway::project_region(ep.engine(), &caller.account, &p) {
            Some(r) => r,
            None => return denied(ep, Denial::foreign_project(&p)),
        },
        None => 0,
    };
    let mut cx = Cx { ep, account: caller.account, account_ix, region, outcome: "ok".into(), rule: None };
    let resp = cx.serve(&call, req).unwrap_or_else(|e| e);
    let (outcome, rule) = (std::mem::take(&mut cx.outcome), cx.rule);
    gateway::finish(cx.ep, resp, &request_id, &outcome, rule)
}

// ----- request parameters -------------------------------------------------------------------

/// Why a parameter was refused.
enum Bad {
    Missing(&'static str),
    Invalid(String),
}

/// A string field; absent or `null` is `None`.
fn text(body: &Map<String, Value>, key: &'static str, required: bool) -> Result<Option<String>, Bad> {
    match body.get(key) {
        Some(Value::String(s)) => Ok(Some(s.clone())),
        None | Some(Value::Null) if required => Err(Bad::Missing(key)),
        None | Some(Value::Null) => Ok(None),
        Some(_) => Err(Bad::Invalid(format!("Invalid parameter: {key} must be a string."))),
    }
}

/// A boolean field: a JSON boolean (the SDK sends real ones; `"false"` is refused).
fn flag(body: &Map<String, Value>, key: &'static str, required: bool) -> Result<Option<bool>, Bad> {
    match body.get(key) {
        Some(Value::Bool(b)) => Ok(Some(*b)),
        None | Some(Value::Null) if required => Err(Bad::Missing(key)),
        None | Some(Value::Null) => Ok(None),
        Some(_) => Err(Bad::Invalid(format!("Invalid parameter: {key} must be true or false."))),
    }
}

/// `forever` or a UTC time (`2030-10-01T16:00:00.000Z`, `2030-10-01T16:00:00Z`, `2030-10-01`).
fn validity(deadline: &str) -> Option<Validity> {
    let d = deadline.trim();
    if d.eq_ignore_ascii_case("forever") { Some(Validity::Forever) } else { parse_iso8601(d).map(Validity::Until) }
}

/// A deadline as the API shows it: `forever` or `2030-10-01T16:00:00.000Z`.
fn deadline_text(valid_until: Option<&str>) -> String {
    match valid_until {
        None => "forever".into(),
        Some(t) => t.strip_suffix('Z').map(|b| format!("{b}.000Z")).unwrap_or_else(|| t.to_string()),
    }
}

/// SWR's namespace pattern: `^[a-z][a-z0-9._-]{0,63}$`. It has no `/`, so a namespace is one
/// path segment, and starting with a letter it is never `.` or `..`.
pub(super) fn valid_namespace(ns: &str) -> bool {
    (1..=64).contains(&ns.len())
        && ns.as_bytes()[0].is_ascii_lowercase()
        && ns.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'))
}

/// A name CreateRepo takes, kept by the engine as it is: at most 128 characters, `/`-separated
/// parts each of lower-case letters and digits joined by one `.`, one `-` or one or two `_`
/// (SWR's rule as its Terraform provider checks it: periods, hyphens and underscores never
/// side by side, at most two underscores in a row). No part is empty, `.` or `..`, so the name
/// cannot climb out of its namespace where a path is made of it.
pub(super) fn valid_repository(name: &str) -> bool {
    (1..=128).contains(&name.len()) && name.split('/').all(valid_name_part) && identity::repository(0, name) == name
}

fn valid_name_part(part: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    part.starts_with(alnum)
        && part.ends_with(alnum)
        && part.split(alnum).filter(|sep| !sep.is_empty()).all(|sep| matches!(sep, "." | "-" | "_" | "__"))
}

/// A repository name a path may address: at most 128 characters of SWR's alphabet, no part
/// empty, `.` or `..`. Looser than [`valid_repository`] so that every repository the engine
/// holds (some made through the admin route, before these rules) stays addressable.
pub(super) fn addressable_repository(name: &str) -> bool {
    let alphabet = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-' | b'/');
    (1..=128).contains(&name.len())
        && name.bytes().all(alphabet)
        && name.split('/').all(|part| !matches!(part, "" | "." | ".."))
}

/// `namespace/repository` split at the first `/`.
fn split_id(id: &str) -> (&str, &str) {
    id.split_once('/').unwrap_or(("", id))
}

/// The query of a shared-repositories listing: plain parameters, then those of `filter`
/// (`center::thirdparty|name::x|limit::10`), which do not override plain ones.
fn listing_params(raw_query: &str) -> Result<Vec<(String, String)>, Bad> {
    let mut params: Vec<(String, String)> = Vec::new();
    let mut filters = Vec::new();
    for (k, v) in codec::query_pairs(raw_query) {
        if k == "filter" {
            filters.push(v);
        } else if !params.iter().any(|(p, _)| *p == k) {
            params.push((k, v));
        }
    }
    for filter in filters {
        for item in filter.split('|').filter(|i| !i.trim().is_empty()) {
            let Some((k, v)) = item.split_once("::") else {
                return Err(Bad::Invalid(format!("Invalid parameter: filter item `{item}` is not key::value.")));
            };
            let k = k.trim().to_string();
            if !params.iter().any(|(p, _)| *p == k) {
                params.push((k, v.trim().to_string()));
            }
        }
    }
    Ok(params)
}

fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

/// A whole number in `range`, or absent.
fn number(
    params: &[(String, String)],
    key: &str,
    range: std::ops::RangeInclusive<usize>,
) -> Result<Option<usize>, Bad> {
    match param(params, key) {
        None => Ok(None),
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if range.contains(&n) => Ok(Some(n)),
            _ => Err(Bad::Invalid(format!(
                "Invalid parameter: {key} `{v}` is not a whole number in [{}, {}].",
                range.start(),
                range.end()
            ))),
        },
    }
}

// ----- one call ----------------------------------------------------------------------------

type Reply = Result<HttpResponse, HttpResponse>;

/// What the listings show of one repository.
struct Repo {
    /// A stable number for the repository (its place in the state, from 1).
    number: usize,
    namespace: String,
    name: String,
    description: String,
    is_public: bool,
    created: String,
    owner: String,
    owner_ix: u32,
    owner_domain_id: String,
    path: String,
    /// For the shared listings: `status`.
    status: bool,
}

/// One authenticated call: the caller, its region, and the decision so far.
struct Cx<'e> {
    ep: &'e mut Endpoint,
    account: String,
    account_ix: u32,
    region: usize,
    outcome: String,
    rule: Option<&'static str>,
}

impl Cx<'_> {
    fn apply(&mut self, op: Operation) -> Outcome {
        let region = SPEC.regions[self.region].id;
        let out = self.ep.apply(&self.account, Some(region), op);
        match &out {
            Ok(_) => (self.outcome, self.rule) = ("ok".into(), None),
            Err(f) => (self.outcome, self.rule) = (f.kind.to_string(), f.rule),
        }
        out
    }

    /// Runs an operation; a refusal becomes SWR's error for `action`.
    fn run(&mut self, op: Operation, action: Action) -> Result<Output, HttpResponse> {
        self.apply(op).map_err(|f| {
            let w = SPEC.wire(&f, action);
            swr_error(w.status, w.code, w.message)
        })
    }

    /// A refusal the adapter makes itself, before or instead of the engine.
    fn refuse(&mut self, label: &str, status: u16, code: &str, message: &str) -> HttpResponse {
        self.ep.note_refusal(label);
        (self.outcome, self.rule) = (label.into(), None);
        swr_error(status, code, message)
    }

    /// A canonical error the adapter decides, in SWR's words for `action`.
    fn refuse_as(&mut self, kind: K, action: Action) -> HttpResponse {
        let w = SPEC.wire(&Failure::plain(kind, ""), action);
        self.refuse(&kind.to_string(), w.status, w.code, w.message)
    }

    fn bad(&mut self, bad: Bad) -> HttpResponse {
        match bad {
            Bad::Missing(key) => {
                self.refuse("missing-parameter", 400, MISSING, &format!("Missing required parameter: {key}."))
            }
            Bad::Invalid(message) => self.refuse("InvalidParameter", 400, INVALID, &message),
        }
    }

    fn param<T>(&mut self, r: Result<T, Bad>) -> Result<T, HttpResponse> {
        r.map_err(|b| self.bad(b))
    }

    fn unexpected(&mut self, what: &str, out: &Output) -> HttpResponse {
        // The engine answers each operation with its own output kind; anything else is a bug here.
        self.refuse("internal", 500, "SVCSTG.SWR.5000001", &format!("Internal error: {what} gave {out:?}"))
    }

    /// The JSON object of the body; an empty body is an empty object (its required fields are
    /// then missing), anything else that is not a JSON object is malformed.
    fn object(&mut self, req: &HttpRequest) -> Result<Map<String, Value>, HttpResponse> {
        if req.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Map::new());
        }
        match serde_json::from_slice::<Value>(&req.body) {
            Ok(Value::Object(m)) => Ok(m),
            Ok(_) => Err(self.refuse("malformed", 400, INVALID, "Invalid parameter: the body must be a JSON object.")),
            Err(_) => Err(self.refuse("malformed", 400, INVALID, "Invalid parameter: the body is not valid JSON.")),
        }
    }

    /// Refuses a namespace or repository in the path that SWR's names cannot be: decoded
    /// (`%2e%2e`, `%2F`, `$` included), a `..` part would name something outside its namespace.
    fn check_path_names(&mut self, call: &Call) -> Result<(), HttpResponse> {
        if !call.namespace.is_empty() && !valid_namespace(&call.namespace) {
            let message = format!("Invalid namespace name: `{}` is not an SWR namespace.", call.namespace);
            return Err(self.refuse("InvalidParameter", 400, NAMESPACE_NAME, &message));
        }
        if !call.repository.is_empty() && !addressable_repository(&call.repository) {
            let message = format!(
                "Invalid repository name: `{}` has an empty, `.` or `..` part or a character SWR's names do not have.",
                call.repository
            );
            return Err(self.refuse("InvalidParameter", 400, REPOSITORY_NAME, &message));
        }
        Ok(())
    }

    fn serve(&mut self, call: &Call, req: &HttpRequest) -> Reply {
        self.check_path_names(call)?;
        match call.api {
            Api::CreateNamespace => self.create_namespace(req),
            Api::ListNamespaces => self.list_namespaces(req),
            Api::ShowNamespace => self.show_namespace(call),
            Api::DeleteNamespaces => self.delete_namespace(call),
            Api::CreateRepo => self.create_repo(call, req),
            Api::ShowRepository => self.show_repo(call),
            Api::UpdateRepo => self.update_repo(call, req),
            Api::DeleteRepo => self.delete_repo(call),
            Api::CreateRepoDomains => self.create_domain(call, req),
            Api::ListRepoDomains => self.list_domains(call),
            Api::ShowAccessDomain => self.show_domain(call),
            Api::UpdateRepoDomains => self.update_domain(call, req),
            Api::DeleteRepoDomains => self.delete_domain(call),
            Api::ListSharedReposDetails => self.list_shared(req),
            Api::ListSharedRepoDetails => self.list_shared_v3(req),
            Api::ShowShareFeatureGates => self.feature_gates(call),
            Api::CreateSecret => self.create_secret(req),
        }
    }

    // ----- namespaces ----------------------------------------------------------------------

    fn own_namespace(&self) -> String {
        identity::namespace(&self.account)
    }

    /// The account whose derived namespace `ns` is.
    fn namespace_owner(&self, ns: &str) -> Option<u32> {
        let state = self.ep.engine().state();
        state.accounts.iter().position(|a| identity::namespace(&a.name) == ns).map(|i| i as u32)
    }

    /// Refuses a namespace that is no account's: 404.
    fn known_namespace(&mut self, ns: &str) -> Result<(), HttpResponse> {
        match self.namespace_owner(ns) {
            Some(_) => Ok(()),
            None => Err(self.refuse("NotFound", 404, NAMESPACE_MISSING, "Namespace does not exist.")),
        }
    }

    /// Refuses a namespace that is not the caller's: 403 for another account's, 404 for nobody's.
    fn owned_namespace(&mut self, ns: &str, action: Action) -> Result<(), HttpResponse> {
        self.known_namespace(ns)?;
        if ns == self.own_namespace() { Ok(()) } else { Err(self.refuse_as(K::NotOwner, action)) }
    }

    /// Whether the caller owns a repository (not deleted) in the region of the call.
    fn has_repositories(&self) -> bool {
        let state = self.ep.engine().state();
        state.index.owned.get(&self.account_ix).is_some_and(|set| {
            set.iter().any(|&ix| {
                let img = &state.images[ix as usize];
                !img.is_deleted() && img.region == self.region
            })
        })
    }

    fn namespace_json(&self) -> Value {
        json!({
            "id": self.account_ix as u64 + 1,
            "name": self.own_namespace(),
            "creator_name": self.account,
            "auth": MANAGE,
        })
    }

    fn create_namespace(&mut self, req: &HttpRequest) -> Reply {
        let body = self.object(req)?;
        let ns = self.param(text(&body, "namespace", true))?.unwrap_or_default();
        if !valid_namespace(&ns) {
            return Err(self.refuse(
                "InvalidParameter",
                400,
                NAMESPACE_NAME,
                "Invalid namespace name: 1-64 characters, lower-case letters, digits, '.', '_' or '-', starting with a letter.",
            ));
        }
        if ns == self.own_namespace() {
            if self.has_repositories() {
                return Err(self.refuse("AlreadyExists", 409, NAMESPACE_EXISTS, "Namespace already exists."));
            }
            return Ok(HttpResponse::empty(201));
        }
        if self.namespace_owner(&ns).is_some() {
            return Err(self.refuse("AlreadyExists", 409, NAMESPACE_EXISTS, "Namespace already exists."));
        }
        let message = format!(
            "The user has no permission to perform this operation: sharesim gives each account one namespace, {}.",
            self.own_namespace()
        );
        Err(self.refuse("NotOwner", 403, "SVCSTG.SWR.4039002", &message))
    }

    fn list_namespaces(&mut self, req: &HttpRequest) -> Reply {
        let params = self.param(listing_params(req.query()))?;
        let own = self.own_namespace();
        let shown = param(&params, "namespace").is_none_or(|n| own.contains(n));
        let list: Vec<Value> = if shown { vec![self.namespace_json()] } else { Vec::new() };
        Ok(HttpResponse::json(200, JSON, &json!({ "namespaces": list })))
    }

    fn show_namespace(&mut self, call: &Call) -> Reply {
        self.owned_namespace(&call.namespace, Action::ListImages)?;
        Ok(HttpResponse::json(200, JSON, &self.namespace_json()))
    }

    fn delete_namespace(&mut self, call: &Call) -> Reply {
        self.owned_namespace(&call.namespace, Action::Delete)?;
        if self.has_repositories() {
            return Err(self.refuse(
                "namespace-in-use",
                406,
                NAMESPACE_IN_USE,
                "The namespace cannot be deleted: it still contains repositories.",
            ));
        }
        Ok(HttpResponse::empty(204))
    }

    // ----- repositories --------------------------------------------------------------------

    /// What the API shows of repository `id`, read from the state (after the engine allowed
    /// the caller to see it).
    fn repo(&self, id: &str, status: bool) -> Option<Repo> {
        let engine = self.ep.engine();
        let state = engine.state();
        let &ix = state.index.image_by_id.get(id)?;
        let img = state.images.get(ix as usize)?;
        let owner = state.accounts.get(img.owner as usize)?.name.clone();
        let region = SPEC.regions[img.region].id;
        let owner_domain_id = engine.identity_of(&owner, IdentityKind::DomainId, region).unwrap_or_default();
        let (ns, name) = split_id(&img.id);
        Some(Repo {
            number: ix as usize + 1,
            namespace: ns.to_string(),
            name: name.to_string(),
            description: img.description.clone(),
            is_public: img.visibility == Visibility::Public,
            created: iso8601(img.created_at),
            owner,
            owner_ix: img.owner,
            owner_domain_id,
            path: format!("swr.{region}.myhuaweicloud.com/{}", img.id),
            status,
        })
    }

    fn repo_id(call: &Call) -> String {
        format!("{}/{}", call.namespace, call.repository)
    }

    fn create_repo(&mut self, call: &Call, req: &HttpRequest) -> Reply {
        let body = self.object(req)?;
        let name = self.param(text(&body, "repository", true))?.unwrap_or_default();
        let is_public = self.param(flag(&body, "is_public", true))?.unwrap_or(false);
        let category = self.param(text(&body, "category", false))?;
        let description = self.param(text(&body, "description", false))?.unwrap_or_default();
        if !valid_repository(&name) {
            return Err(self.refuse_as(K::InvalidParameter, Action::CreateImage));
        }
        if let Some(c) = category.filter(|c| !CATEGORIES.contains(&c.as_str())) {
            let message = format!("Invalid parameter: category `{c}` is not one of {}.", CATEGORIES.join(", "));
            return Err(self.refuse("InvalidParameter", 400, INVALID, &message));
        }
        self.owned_namespace(&call.namespace, Action::CreateImage)?;
        let new = NewImage {
            name: name.clone(),
            region: SPEC.regions[self.region].id.to_string(),
            visibility: if is_public { Visibility::Public } else { Visibility::Private },
            description,
            ..Default::default()
        };
        match self.run(Operation::CreateImage(new), Action::CreateImage)? {
            Output::ImageCreated { .. } => Ok(HttpResponse::empty(201)),
            other => Err(self.unexpected("CreateImage", &other)),
        }
    }

    fn show_repo(&mut self, call: &Call) -> Reply {
        self.known_namespace(&call.namespace)?;
        let id = Self::repo_id(call);
        match self.run(Operation::Describe { image: id.clone() }, Action::Describe)? {
            Output::Image { .. } => {}
            other => return Err(self.unexpected("Describe", &other)),
        }
        let Some(r) = self.repo(&id, false) else {
            return Err(self.refuse_as(K::NotFound, Action::Describe));
        };
        Ok(HttpResponse::json(
            200,
            JSON,
            &json!({
                "id": r.number,
                "ns_id": r.owner_ix as u64 + 1,
                "name": r.name,
                "category": CATEGORY,
                "description": r.description,
                "creator_id": r.owner_domain_id,
                "creator_name": r.owner,
                "size": 0,
                "is_public": r.is_public,
                "num_images": 0,
                "num_download": 0,
                "url": "",
                "path": r.path,
                "internal_path": r.path,
                "created": r.created,
                "updated": r.created,
                "domain_id": r.owner_domain_id,
                "priority": 0,
            }),
        ))
    }

    fn update_repo(&mut self, call: &Call, req: &HttpRequest) -> Reply {
        let body = self.object(req)?;
        let is_public = self.param(flag(&body, "is_public", false))?;
        let category = self.param(text(&body, "category", false))?;
        let description = self.param(text(&body, "description", false))?;
        if let Some(c) = category.filter(|c| !CATEGORIES.contains(&c.as_str())) {
            let message = format!("Invalid parameter: category `{c}` is not one of {}.", CATEGORIES.join(", "));
            return Err(self.refuse("InvalidParameter", 400, INVALID, &message));
        }
        self.known_namespace(&call.namespace)?;
        let id = Self::repo_id(call);
        // The engine decides whether the caller may change the repository at all: through the
        // visibility when the body sets it (HS-MAKE-PUBLIC), else through a change of nothing.
        match is_public {
            Some(public) => {
                let visibility = if public { Visibility::Public } else { Visibility::Private };
                self.run(Operation::SetVisibility { image: id.clone(), visibility }, Action::SetVisibility)?;
            }
            None => {
                self.run(Operation::Modify { image: id.clone(), name: None, description: None }, Action::Modify)?;
            }
        }
        if description.is_some() {
            self.run(Operation::Modify { image: id, name: None, description }, Action::Modify)?;
        }
        Ok(HttpResponse::empty(201))
    }

    fn delete_repo(&mut self, call: &Call) -> Reply {
        self.known_namespace(&call.namespace)?;
        self.run(Operation::Delete { image: Self::repo_id(call) }, Action::Delete)?;
        Ok(HttpResponse::empty(204))
    }

    // ----- access domains ------------------------------------------------------------------

    /// `permit`, `deadline` and `description` of a create or update body as share options.
    fn share_options(&mut self, body: &Map<String, Value>) -> Result<ShareOptions, HttpResponse> {
        let permit = self.param(text(body, "permit", true))?;
        let deadline = self.param(text(body, "deadline", true))?.unwrap_or_default();
        let description = self.param(text(body, "description", false))?;
        let Some(v) = validity(&deadline) else {
            let w = SPEC.wire(&Failure::plain(K::InvalidParameter, ""), Action::SetValidity);
            return Err(self.refuse("InvalidParameter", w.status, w.code, w.message));
        };
        Ok(ShareOptions { validity: Some(v), description, permission: permit })
    }

    fn create_domain(&mut self, call: &Call, req: &HttpRequest) -> Reply {
        let body = self.object(req)?;
        let domain = self.param(text(&body, "access_domain", true))?.unwrap_or_default();
        let options = self.share_options(&body)?;
        self.known_namespace(&call.namespace)?;
        let op = Operation::Share { images: vec![Self::repo_id(call)], recipients: vec![domain], options };
        self.run(op, Action::Share)?;
        Ok(HttpResponse::empty(201))
    }

    /// The repository's access domains as the API shows them.
    fn domains(&mut self, call: &Call) -> Result<Vec<(String, Value)>, HttpResponse> {
        self.known_namespace(&call.namespace)?;
        let id = Self::repo_id(call);
        let members = match self.run(Operation::ListShares { image: id.clone() }, Action::ListShares)? {
            Output::Members { members } => members,
            other => return Err(self.unexpected("ListShares", &other)),
        };
        let Some(r) = self.repo(&id, false) else {
            return Err(self.refuse_as(K::NotFound, Action::ListShares));
        };
        Ok(members
            .into_iter()
            .map(|m| {
                let v = json!({
                    "namespace": r.namespace,
                    "repository": r.name,
                    "access_domain": m.recipient,
                    "permit": "read",
                    "deadline": deadline_text(m.valid_until.as_deref()),
                    "description": m.description.clone().unwrap_or_default(),
                    "creator_id": r.owner_domain_id,
                    "creator_name": r.owner,
                    "created": m.shared_at,
                    "updated": m.shared_at,
                    "status": m.valid,
                });
                (m.recipient, v)
            })
            .collect())
    }

    fn list_domains(&mut self, call: &Call) -> Reply {
        let list: Vec<Value> = self.domains(call)?.into_iter().map(|(_, v)| v).collect();
        Ok(HttpResponse::json(200, JSON, &Value::Array(list)))
    }

    fn show_domain(&mut self, call: &Call) -> Reply {
        let found = self.domains(call)?.into_iter().find(|(d, _)| *d == call.domain);
        match found {
            Some((_, mut v)) => {
                v["exist"] = json!(true);
                Ok(HttpResponse::json(200, JSON, &v))
            }
            // Terraform reads this code as "the sharing does not exist".
            None => Err(self.refuse("NotShared", 400, NO_ACCESS_DOMAIN, "The access domain does not exist.")),
        }
    }

    fn update_domain(&mut self, call: &Call, req: &HttpRequest) -> Reply {
        let body = self.object(req)?;
        let options = self.share_options(&body)?;
        self.known_namespace(&call.namespace)?;
        let op = Operation::ModifyShare { image: Self::repo_id(call), recipient: call.domain.clone(), options };
        self.run(op, Action::ModifyShare)?;
        Ok(HttpResponse::empty(201))
    }

    fn delete_domain(&mut self, call: &Call) -> Reply {
        self.known_namespace(&call.namespace)?;
        let op = Operation::CancelShare { image: Self::repo_id(call), recipients: vec![call.domain.clone()] };
        self.run(op, Action::CancelShare)?;
        Ok(HttpResponse::empty(204))
    }

    // ----- shared repositories -------------------------------------------------------------

    /// The repositories shared with the caller (`thirdparty`, status = the share is valid) or
    /// by the caller (`self`, status always false), in the region of the call.
    fn shared(&mut self, with_me: bool) -> Result<Vec<Repo>, HttpResponse> {
        let ids: Vec<(String, bool)> = if with_me {
            match self.run(Operation::ListSharedWithMe, Action::ListSharedWithMe)? {
                Output::SharedWithMe { images } => images.into_iter().map(|i| (i.image, i.valid)).collect(),
                other => return Err(self.unexpected("ListSharedWithMe", &other)),
            }
        } else {
            match self.run(Operation::ListMyShared, Action::ListMyShared)? {
                Output::MyShared { images } => images.into_iter().map(|i| (i.image, false)).collect(),
                other => return Err(self.unexpected("ListMyShared", &other)),
            }
        };
        Ok(ids.into_iter().filter_map(|(id, status)| self.repo(&id, status)).collect())
    }

    fn center(&mut self, value: Option<&str>, key: &'static str) -> Result<bool, HttpResponse> {
        match value {
            Some("thirdparty") => Ok(true),
            Some("self") => Ok(false),
            Some(other) => {
                Err(self.bad(Bad::Invalid(format!("Invalid parameter: {key} `{other}` is not thirdparty or self."))))
            }
            None => Err(self.bad(Bad::Missing(key))),
        }
    }

    fn list_shared(&mut self, req: &HttpRequest) -> Reply {
        let params = self.param(listing_params(req.query()))?;
        let with_me = self.center(param(&params, "center"), "center")?;
        let limit = self.param(number(&params, "limit", 1..=MAX_LIMIT))?;
        let offset = self.param(number(&params, "offset", 0..=usize::MAX))?.unwrap_or(0);
        let column = param(&params, "order_column").map(str::to_string);
        if let Some(c) = column.as_deref().filter(|c| !matches!(*c, "name" | "updated_at" | "created_at")) {
            let message = format!("Invalid parameter: order_column `{c}` is not name, updated_at or created_at.");
            return Err(self.bad(Bad::Invalid(message)));
        }
        let descending = match param(&params, "order_type") {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(
                    self.bad(Bad::Invalid(format!("Invalid parameter: order_type `{other}` is not asc or desc.")))
                );
            }
        };
        let namespace = param(&params, "namespace").map(str::to_string);
        let name = param(&params, "name").map(str::to_string);
        let mut repos = self.shared(with_me)?;
        repos.retain(|r| {
            namespace.as_deref().is_none_or(|n| r.namespace == n) && name.as_deref().is_none_or(|n| r.name.contains(n))
        });
        match column.as_deref() {
            Some("name") => repos.sort_by(|a, b| (&a.name, &a.namespace).cmp(&(&b.name, &b.namespace))),
            Some(_) => repos.sort_by(|a, b| (&a.created, a.number).cmp(&(&b.created, b.number))),
            None => {}
        }
        if descending {
            repos.reverse();
        }
        let total = repos.len();
        let page: Vec<Value> = repos
            .into_iter()
            .skip(offset)
            .take(limit.unwrap_or(usize::MAX))
            .map(|r| {
                json!({
                    "name": r.name,
                    "category": CATEGORY,
                    "description": r.description,
                    "size": 0,
                    "is_public": r.is_public,
                    "num_images": 0,
                    "num_download": 0,
                    "created_at": r.created,
                    "updated_at": r.created,
                    "logo": "",
                    "url": "",
                    "path": r.path,
                    "internal_path": r.path,
                    "domain_name": r.owner,
                    "namespace": r.namespace,
                    "tags": [],
                    "status": r.status,
                    "total_range": total,
                })
            })
            .collect();
        let range = format!("{offset}-{}/{total}", page.len());
        Ok(HttpResponse::json(200, JSON, &Value::Array(page)).with_header("Content-Range", &range))
    }

    fn list_shared_v3(&mut self, req: &HttpRequest) -> Reply {
        let params = codec::query_pairs(req.query());
        let with_me = self.center(param(&params, "shared_by"), "shared_by")?;
        let limit = self.param(number(&params, "limit", 1..=MAX_LIMIT))?.unwrap_or(V3_DEFAULT_LIMIT);
        let marker = self.param(number(&params, "marker", 0..=usize::MAX))?.unwrap_or(0);
        let status = match param(&params, "status") {
            None => None,
            Some(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Some(s) if s.eq_ignore_ascii_case("false") => Some(false),
            Some(other) => {
                return Err(
                    self.bad(Bad::Invalid(format!("Invalid parameter: status `{other}` is not true or false.")))
                );
            }
        };
        let namespace = param(&params, "namespace").map(str::to_string);
        let name = param(&params, "name").map(str::to_string);
        let mut repos = self.shared(with_me)?;
        repos.retain(|r| {
            r.number > marker
                && namespace.as_deref().is_none_or(|n| r.namespace == n)
                && name.as_deref().is_none_or(|n| r.name.contains(n))
                && status.is_none_or(|s| r.status == s)
        });
        repos.sort_by_key(|r| r.number);
        let more = repos.len() > limit;
        repos.truncate(limit);
        let next_marker = if more { repos.last().map_or(0, |r| r.number) } else { 0 };
        let list: Vec<Value> = repos
            .into_iter()
            .map(|r| {
                json!({
                    "id": r.number,
                    "name": r.name,
                    "category": CATEGORY,
                    "description": r.description,
                    "size": 0,
                    "is_public": r.is_public,
                    "num_images": 0,
                    "num_download": 0,
                    "created_at": r.created,
                    "updated_at": r.created,
                    "domain_name": r.owner,
                    "namespace_name": r.namespace,
                    "status": r.status,
                })
            })
            .collect();
        Ok(HttpResponse::json(200, JSON, &json!({ "repos": list, "nextMarker": next_marker })))
    }

    // ----- feature gates -------------------------------------------------------------------

    /// CreateSecret: a temporary `docker login` for the registry, in the region `projectname`
    /// names (else the call's), valid for `duration_seconds` (15 minutes to 24 hours; 6 hours
    /// when absent, SWR's FAQ) on the virtual clock. SWR does not say how the password is
    /// made; see `registry::login`.
    fn create_secret(&mut self, req: &HttpRequest) -> Reply {
        let query = codec::query_pairs(req.query());
        let param = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string());
        let region = match param("projectname") {
            Some(name) => match SPEC.regions.iter().find(|r| r.id == name) {
                Some(r) => r.id,
                None => {
                    let message = format!("Invalid parameter: projectname `{name}` is not an SWR region.");
                    return Err(self.refuse("InvalidParameter", 400, INVALID, &message));
                }
            },
            None => SPEC.regions[self.region].id,
        };
        let seconds = match param("duration_seconds") {
            None => registry::login::TEMPORARY_SECS,
            Some(s) => match s.parse::<u64>() {
                Ok(n) if registry::login::TEMPORARY_RANGE.contains(&n) => n,
                _ => {
                    let message = "Invalid parameter: duration_seconds must be 900 to 86400.";
                    return Err(self.refuse("InvalidParameter", 400, INVALID, message));
                }
            },
        };
        let Some((key_id, key)) = self.ep.keys().id_of(&self.account).map(|(id, k)| (id.to_string(), k.clone())) else {
            return Err(self.refuse("unknown-key", 401, "SVCSTG.SWR.4010000", "Authenticate Error"));
        };
        let expiry = self.ep.engine().now().saturating_add(seconds);
        let user = format!("{region}@{key_id}");
        let password = registry::login::temporary_password(&key.secret, region, expiry);
        let host = self.ep.registry_host().unwrap_or("swr.local").to_string();
        let auth = codec::base64(format!("{user}:{password}").as_bytes());
        Ok(HttpResponse::json(200, JSON, &json!({ "auths": { host.clone(): { "auth": auth } } }))
            .with_header("X-Swr-Dockerlogin", &format!("docker login -u {user} -p {password} {host}"))
            .with_header("X-Swr-Expireat", &iso8601(expiry).replace('Z', ".000000Z")))
    }

    fn feature_gates(&mut self, call: &Call) -> Reply {
        if gateway::project_region(self.ep.engine(), &self.account, call.project.trim()).is_none() {
            return Err(self.refuse("project", 403, NOT_YOURS, "The resource does not belong to the user."));
        }
        Ok(HttpResponse::json(
            200,
            JSON,
            &json!({
                "enable_experience": false,
                "enable_hss_service": false,
                "enable_image_scan": false,
                "enable_sm3": false,
                "enable_image_sync": false,
                "enable_cci_service": false,
                "enable_image_label": false,
                "enable_pipeline": false,
                "enable_authorization_token": false,
                "enable_resource": false,
                "enable_list_v3": true,
                "enable_image_quota": false,
            }),
        ))
    }
}

#[cfg(test)]
#[path = "api_tests.rs"]
mod tests;
