//! The Tencent Cloud CVM API (version 2017-03-12), and beside it Lighthouse's hand-over of CVM
//! images (version 2020-03-24, `lighthouse.rs`), as the official SDKs speak them
//! (providers/tencent.md): TC3-HMAC-SHA256 over POST JSON or GET query, or the legacy v1
//! `Signature` parameter; the action in `X-TC-Action` (v1: `Action`), the region in
//! `X-TC-Region` (v1: `Region`). Every answer is HTTP 200 with `Content-Type: application/json`
//! (never a charset: the Python SDK then ignores errors) and `{"Response":{…,"RequestId"}}`;
//! errors are `{"Response":{"Error":{"Code","Message"},"RequestId"}}`.
//!
//! The two APIs share the signature algorithm and even an action name
//! (`ModifyImageSharePermission`), so a request is routed by its API version, which also names
//! the TC3 scope's service (`cvm` or `lighthouse`) its signature must be made for. Instance,
//! image-creation and quota calls live in `instances.rs`.

use serde_json::{Map, Value, json};

use super::signature::{self, AuthError, Caller};
use crate::engine::{Action, ErrorKind, Failure, ImageView, Operation, Output, Product, ShareOptions, Visibility};
use crate::wire::{Adapter, Endpoint, HttpRequest, HttpResponse, Rejection, codec};

pub const ADAPTER: Adapter = Adapter { handle, reject };

/// CVM's API version.
pub const VERSION: &str = "2017-03-12";
/// Lighthouse's API version.
pub const LIGHTHOUSE_VERSION: &str = "2020-03-24";
/// Exactly this, without a charset (providers/tencent.md §2.3).
pub const CONTENT_TYPE: &str = "application/json";

/// `DescribeImages`: default and largest page.
pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;
/// `DescribeImages`: at most this many filters, each with at most this many values.
pub const MAX_FILTERS: usize = 10;
pub const MAX_FILTER_VALUES: usize = 5;
/// `RunInstances`: `InstanceCount` range.
pub const MAX_INSTANCE_COUNT: i64 = 100;
/// The most dot-separated parts a flattened parameter name may have. The deepest name CVM's
/// SDKs send is `Filters.0.Values.0` (four); the bound keeps the unflattened tree, which is
/// built, converted and dropped recursively, shallow whatever a client sends.
pub const MAX_PARAM_DEPTH: usize = 8;

pub(super) type Handler = fn(&mut Call<'_>) -> Result<Map<String, Value>, ApiError>;

/// One of the Tencent APIs served: its TC3 signing service, version and actions.
pub struct Service {
    pub name: &'static str,
    pub version: &'static str,
    actions: &'static [(&'static str, Handler)],
}

/// CVM's actions.
pub const CVM: Service = Service {
    name: signature::SERVICE,
    version: VERSION,
    actions: &[
        ("ModifyImageSharePermission", modify_image_share_permission),
        ("DescribeImageSharePermission", describe_image_share_permission),
        ("DescribeImages", describe_images),
        ("DeleteImages", delete_images),
        ("SyncImages", sync_images),
        ("ModifyImageAttribute", modify_image_attribute),
        ("RunInstances", run_instances),
        ("ResetInstance", reset_instance),
        ("CreateImage", super::instances::create_image),
        ("ImportImage", super::instances::import_image),
        ("DescribeImageQuota", super::instances::describe_image_quota),
        ("DescribeInstances", super::instances::describe_instances),
        ("TerminateInstances", super::instances::terminate_instances),
    ],
};

/// Lighthouse's actions that hand CVM images over.
pub const LIGHTHOUSE: Service = Service {
    name: signature::LIGHTHOUSE_SERVICE,
    version: LIGHTHOUSE_VERSION,
    actions: &[
        ("ModifyImageSharePermission", super::lighthouse::modify_image_share_permission),
        ("DescribeImagesToShare", super::lighthouse::describe_images_to_share),
        ("CreateInstances", super::lighthouse::create_instances),
        ("ResetInstance", super::lighthouse::reset_instance),
        ("CreateBlueprint", super::lighthouse::create_blueprint),
    ],
};

const SERVICES: [&Service; 2] = [&CVM, &LIGHTHOUSE];

/// The service a version names.
fn service_of(version: Option<&str>) -> Option<&'static Service> {
    SERVICES.into_iter().find(|s| Some(s.version) == version)
}

/// The names of the CVM actions sharesim serves.
pub fn actions() -> impl Iterator<Item = &'static str> {
    CVM.actions.iter().map(|(name, _)| *name)
}

// ----- errors and responses ----------------------------------------------------------------------

/// A refusal in Tencent's words, with what the journal and `x-sharesim-*` headers say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ApiError {
    code: String,
    message: String,
    outcome: String,
    rule: Option<&'static str>,
}

impl ApiError {
    pub(super) fn new(code: &str, message: impl Into<String>, outcome: &str) -> ApiError {
        ApiError { code: code.into(), message: message.into(), outcome: outcome.into(), rule: None }
    }

    pub(super) fn parameter(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(code, message, "InvalidParameter")
    }

    pub(super) fn missing(name: &str) -> ApiError {
        ApiError::parameter("MissingParameter", format!("The request is missing a required parameter `{name}`."))
    }

    fn wrong_type(name: &str, expected: &str) -> ApiError {
        ApiError::parameter("InvalidParameter", format!("The parameter `{name}` must be {expected}."))
    }

    pub(super) fn bad_value(name: &str, value: impl std::fmt::Display, why: &str) -> ApiError {
        ApiError::parameter(
            "InvalidParameterValue",
            format!("The value `{value}` of parameter `{name}` is invalid: {why}."),
        )
    }

    /// An engine refusal, worded by the provider's error table.
    pub(super) fn engine(f: &Failure, action: Action) -> ApiError {
        let w = super::SPEC.wire(f, action);
        ApiError { code: w.code.into(), message: w.message.into(), outcome: f.kind.to_string(), rule: f.rule }
    }

    fn auth(e: AuthError) -> ApiError {
        ApiError::new(e.code, e.message, e.outcome)
    }

    fn internal(what: &str) -> ApiError {
        ApiError::new("InternalError", format!("Internal error: {what}."), "internal")
    }

    fn dry_run() -> ApiError {
        ApiError::new(
            "DryRunOperation",
            "DryRun Operation. It indicates that the request would have succeeded, but the DryRun parameter was used.",
            "dry-run",
        )
    }
}

fn respond(ep: &mut Endpoint, result: Result<Map<String, Value>, ApiError>) -> HttpResponse {
    let request_id = ep.request_uuid();
    match result {
        Ok(mut fields) => {
            fields.insert("RequestId".into(), Value::String(request_id));
            ep.decide("ok", None);
            HttpResponse::json(200, CONTENT_TYPE, &json!({ "Response": fields }))
        }
        Err(e) => {
            ep.decide(&e.outcome, e.rule);
            let body = json!({
                "Response": { "Error": { "Code": e.code, "Message": e.message }, "RequestId": request_id }
            });
            HttpResponse::json(200, CONTENT_TYPE, &body)
        }
    }
}

fn handle(ep: &mut Endpoint, req: &HttpRequest, now: u64) -> HttpResponse {
    let result = serve(ep, req, now);
    respond(ep, result)
}

fn reject(ep: &mut Endpoint, why: &Rejection) -> HttpResponse {
    let err = match why {
        Rejection::BodyTooLarge { limit } => ApiError::new(
            "RequestSizeLimitExceeded",
            format!("The request size exceeds the upper limit of {limit} bytes."),
            "body-too-large",
        ),
        Rejection::Unreadable(detail) => {
            ApiError::new("InvalidParameter", format!("The request could not be read: {detail}."), "unreadable")
        }
    };
    respond(ep, Err(err))
}

// ----- reading a request -------------------------------------------------------------------------

fn content_type_is(req: &HttpRequest, wanted: &str) -> bool {
    req.get("Content-Type")
        .is_some_and(|ct| ct.split(';').next().is_some_and(|mime| mime.trim().eq_ignore_ascii_case(wanted)))
}

/// The decoded `k=v` pairs of a form body.
fn form_pairs(body: &[u8]) -> Result<Vec<(String, String)>, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::parameter("InvalidParameter", "The request body is not valid UTF-8."))?;
    Ok(codec::query_pairs(text))
}

fn header(req: &HttpRequest, name: &str) -> Option<String> {
    req.get(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

fn serve(ep: &mut Endpoint, req: &HttpRequest, now: u64) -> Result<Map<String, Value>, ApiError> {
    let method = req.method.to_ascii_uppercase();
    if method != "GET" && method != "POST" {
        return Err(ApiError::new(
            "UnsupportedProtocol",
            format!("HTTP(S) request protocol error: {method} is not supported; only GET and POST requests are."),
            "unsupported-method",
        ));
    }
    let tc3 = req.get("Authorization").is_some() || req.get("X-TC-Action").is_some();
    let (caller, action, version, region, params) = if tc3 {
        if let Some(name) = header(req, "X-TC-Action") {
            ep.note_api(&name);
        }
        // The version names the service the signature was made for; an unknown one is
        // answered after the signature, as for any request.
        let service = service_of(header(req, "X-TC-Version").as_deref()).unwrap_or(&CVM);
        let caller = signature::verify_tc3(ep, req, now, service.name).map_err(ApiError::auth)?;
        let params = if method == "GET" {
            Params::loose(codec::query_pairs(req.query()))?
        } else if content_type_is(req, "application/x-www-form-urlencoded") {
            Params::loose(form_pairs(&req.body)?)?
        } else {
            Params::json(&req.body)?
        };
        (caller, header(req, "X-TC-Action"), header(req, "X-TC-Version"), header(req, "X-TC-Region"), params)
    } else {
        let pairs = if method == "GET" { codec::query_pairs(req.query()) } else { form_pairs(&req.body)? };
        let get = |name: &str| pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let (action, version, region) = (get("Action"), get("Version"), get("Region"));
        if let Some(name) = &action {
            ep.note_api(name);
        }
        if get("SecretId").is_none() && get("Signature").is_none() {
            return Err(ApiError::auth(AuthError {
                code: "AuthFailure.InvalidAuthorization",
                message: "The request carries neither an Authorization header nor SecretId and Signature parameters."
                    .into(),
                outcome: "malformed-authorization",
            }));
        }
        let caller = signature::verify_legacy(ep, req, &pairs, now).map_err(ApiError::auth)?;
        let own: Vec<(String, String)> =
            pairs.into_iter().filter(|(k, _)| !signature::LEGACY_COMMON.contains(&k.as_str())).collect();
        (caller, action, version, region, Params::loose(own)?)
    };
    let action = action.filter(|a| !a.is_empty()).ok_or_else(|| ApiError::missing("Action"))?;
    let version = version.filter(|v| !v.is_empty()).ok_or_else(|| ApiError::missing("Version"))?;
    let Some(service) = service_of(Some(&version)) else {
        return Err(ApiError::new(
            "NoSuchVersion",
            format!(
                "The API version `{version}` does not exist; CVM serves {VERSION}, Lighthouse {LIGHTHOUSE_VERSION}."
            ),
            "unknown-version",
        ));
    };
    let Some(&(_, handler)) = service.actions.iter().find(|(name, _)| *name == action) else {
        return Err(ApiError::new("InvalidAction", format!("The API `{action}` does not exist."), "unknown-action"));
    };
    let region = region.filter(|r| !r.is_empty()).ok_or_else(|| ApiError::missing("Region"))?;
    known_region(&region, Action::Describe)?;
    let Caller { account, .. } = caller;
    let mut call = Call { ep, actor: account, region, params };
    handler(&mut call)
}

/// Refuses anything but one of the provider's region IDs (abstract names such as `home` are
/// the engine's, not the API's).
pub(super) fn known_region(region: &str, action: Action) -> Result<(), ApiError> {
    if super::SPEC.regions.iter().any(|r| r.id == region) {
        Ok(())
    } else {
        let known: Vec<&str> = super::SPEC.regions.iter().map(|r| r.id).collect();
        let f = Failure::plain(ErrorKind::UnknownRegion, format!("unknown region `{region}`; {}", known.join(", ")));
        Err(ApiError::engine(&f, action))
    }
}

// ----- parameters --------------------------------------------------------------------------------

/// An action's parameters: a JSON body, or flattened `Name.0.Field=…` pairs turned into the same
/// tree with string leaves (`loose`: numbers and `True`/`False` are then read from strings).
#[derive(Debug)]
pub(super) struct Params {
    map: Map<String, Value>,
    loose: bool,
}

enum Node {
    Leaf(String),
    Branch(std::collections::BTreeMap<String, Node>),
}

impl Node {
    fn into_value(self, path: &str) -> Result<Value, ApiError> {
        match self {
            Node::Leaf(s) => Ok(Value::String(s)),
            Node::Branch(children) => {
                let numeric = children.keys().all(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()));
                if numeric {
                    let mut items: Vec<(usize, Node)> = Vec::with_capacity(children.len());
                    for (k, n) in children {
                        let i = k.parse::<usize>().map_err(|_| ApiError::wrong_type(path, "a list numbered from 0"))?;
                        items.push((i, n));
                    }
                    items.sort_by_key(|(i, _)| *i);
                    let mut out = Vec::with_capacity(items.len());
                    for (expected, (i, n)) in items.into_iter().enumerate() {
                        if i != expected {
                            return Err(ApiError::wrong_type(path, "a list numbered 0, 1, 2 … without gaps"));
                        }
                        out.push(n.into_value(&format!("{path}.{i}"))?);
                    }
                    Ok(Value::Array(out))
                } else {
                    let mut map = Map::new();
                    for (k, n) in children {
                        let v = n.into_value(&format!("{path}.{k}"))?;
                        map.insert(k, v);
                    }
                    Ok(Value::Object(map))
                }
            }
        }
    }
}

impl Params {
    fn json(body: &[u8]) -> Result<Params, ApiError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Params { map: Map::new(), loose: false });
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Ok(Params { map, loose: false }),
            Ok(_) => Err(ApiError::parameter("InvalidParameter", "The request body must be a JSON object.")),
            Err(e) => Err(ApiError::parameter("InvalidParameter", format!("The request body is not valid JSON: {e}."))),
        }
    }

    /// Unflattens `AccountIds.0=…&Filters.0.Values.0=…` (0-based, as the SDK sends them).
    fn loose(pairs: Vec<(String, String)>) -> Result<Params, ApiError> {
        let mut root: std::collections::BTreeMap<String, Node> = Default::default();
        for (key, value) in pairs {
            if key.split('.').nth(MAX_PARAM_DEPTH).is_some() {
                return Err(ApiError::parameter(
                    "InvalidParameter",
                    format!(
                        "The parameter name `{}…` has more than {MAX_PARAM_DEPTH} dot-separated parts.",
                        key.chars().take(64).collect::<String>()
                    ),
                ));
            }
            let parts: Vec<&str> = key.split('.').collect();
            if parts.iter().any(|p| p.is_empty()) {
                return Err(ApiError::parameter(
                    "InvalidParameter",
                    format!("The parameter name `{key}` is malformed."),
                ));
            }
            let clash = || {
                ApiError::parameter(
                    "InvalidParameter",
                    format!("The parameter `{key}` is given twice or clashes with another."),
                )
            };
            let mut level = &mut root;
            for (i, part) in parts.iter().enumerate() {
                if i + 1 == parts.len() {
                    if level.insert(part.to_string(), Node::Leaf(value.clone())).is_some() {
                        return Err(clash());
                    }
                } else {
                    let next = level.entry(part.to_string()).or_insert_with(|| Node::Branch(Default::default()));
                    match next {
                        Node::Branch(children) => level = children,
                        Node::Leaf(_) => return Err(clash()),
                    }
                }
            }
        }
        let mut map = Map::new();
        for (k, n) in root {
            let v = n.into_value(&k)?;
            map.insert(k, v);
        }
        Ok(Params { map, loose: true })
    }

    /// A parameter's value; JSON `null` counts as absent.
    pub(super) fn get(&self, name: &str) -> Option<&Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    pub(super) fn string(&self, name: &str) -> Result<Option<String>, ApiError> {
        self.get(name).map(|v| as_string(v, name)).transpose()
    }

    pub(super) fn required_string(&self, name: &str) -> Result<String, ApiError> {
        self.string(name)?.ok_or_else(|| ApiError::missing(name))
    }

    pub(super) fn strings(&self, name: &str) -> Result<Option<Vec<String>>, ApiError> {
        self.get(name).map(|v| as_strings(v, self.loose, name)).transpose()
    }

    /// A list that must be given and not be empty.
    pub(super) fn required_strings(&self, name: &str) -> Result<Vec<String>, ApiError> {
        self.strings(name)?.filter(|l| !l.is_empty()).ok_or_else(|| ApiError::missing(name))
    }

    pub(super) fn integer(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.get(name).map(|v| as_integer(v, self.loose, name)).transpose()
    }

    pub(super) fn boolean(&self, name: &str) -> Result<Option<bool>, ApiError> {
        self.get(name).map(|v| as_bool(v, self.loose, name)).transpose()
    }

    pub(super) fn flag(&self, name: &str) -> Result<bool, ApiError> {
        Ok(self.boolean(name)?.unwrap_or(false))
    }
}

pub(super) fn as_string(v: &Value, name: &str) -> Result<String, ApiError> {
    v.as_str().map(str::to_string).ok_or_else(|| ApiError::wrong_type(name, "a String"))
}

fn as_strings(v: &Value, loose: bool, name: &str) -> Result<Vec<String>, ApiError> {
    match v {
        Value::Array(items) => {
            items.iter().enumerate().map(|(i, item)| as_string(item, &format!("{name}.{i}"))).collect()
        }
        // `AccountIds=1` instead of `AccountIds.0=1` in a query: one value.
        Value::String(s) if loose => Ok(vec![s.clone()]),
        _ => Err(ApiError::wrong_type(name, "an Array of String")),
    }
}

fn as_integer(v: &Value, loose: bool, name: &str) -> Result<i64, ApiError> {
    match v {
        Value::Number(n) => n.as_i64().ok_or_else(|| ApiError::wrong_type(name, "an Integer")),
        Value::String(s) if loose => s.trim().parse::<i64>().map_err(|_| ApiError::wrong_type(name, "an Integer")),
        _ => Err(ApiError::wrong_type(name, "an Integer")),
    }
}

fn as_bool(v: &Value, loose: bool, name: &str) -> Result<bool, ApiError> {
    match v {
        Value::Bool(b) => Ok(*b),
        // The Python SDK writes booleans in a query as `True` / `False`.
        Value::String(s) if loose && s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if loose && s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(ApiError::wrong_type(name, "a Boolean")),
    }
}

pub(super) fn id_shaped(s: &str, prefix: &str) -> bool {
    s.len() == prefix.len() + 8
        && s.starts_with(prefix)
        && s[prefix.len()..].bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// `img-` and eight lowercase letters or digits.
pub(super) fn image_id(s: String) -> Result<String, ApiError> {
    if id_shaped(&s, "img-") {
        Ok(s)
    } else {
        Err(ApiError::parameter("InvalidImageId.Malformed", format!("Invalid image ID format: `{s}`.")))
    }
}

fn image_ids(list: Vec<String>) -> Result<Vec<String>, ApiError> {
    list.into_iter().map(image_id).collect()
}

// ----- one call ----------------------------------------------------------------------------------

pub(super) struct Call<'a> {
    pub(super) ep: &'a mut Endpoint,
    pub(super) actor: String,
    pub(super) region: String,
    pub(super) params: Params,
}

impl Call<'_> {
    pub(super) fn run(&mut self, op: Operation) -> Result<Output, ApiError> {
        let action = op.action();
        self.ep.apply(&self.actor, Some(&self.region), op).map_err(|f| ApiError::engine(&f, action))
    }

    /// Runs `ops` as one unit: the first refusal answers and undoes the others. A dry run undoes
    /// everything and answers `DryRunOperation` when every operation would have succeeded.
    pub(super) fn run_all(&mut self, ops: Vec<Operation>, dry_run: bool) -> Result<Vec<Output>, ApiError> {
        let mut snapshot = (ops.len() > 1 || dry_run).then(|| self.ep.engine().clone());
        let mut outs = Vec::with_capacity(ops.len());
        for op in ops {
            match self.run(op) {
                Ok(out) => outs.push(out),
                Err(e) => {
                    if let Some(s) = snapshot.take() {
                        self.ep.replace_engine(s);
                    }
                    return Err(e);
                }
            }
        }
        if dry_run {
            if let Some(s) = snapshot.take() {
                self.ep.replace_engine(s);
            }
            return Err(ApiError::dry_run());
        }
        Ok(outs)
    }
}

pub(super) fn unexpected(out: &Output) -> ApiError {
    ApiError::internal(&format!("unexpected engine result {out:?}"))
}

// ----- actions -----------------------------------------------------------------------------------

fn modify_image_share_permission(c: &mut Call<'_>) -> Result<Map<String, Value>, ApiError> {
    let image = image_id(c.params.required_string("ImageId")?)?;
    let recipients = c.params.required_strings("AccountIds")?;
    let permission = c.params.required_string("Permission")?;
    let op = match permission.as_str() {
        "SHARE" => Operation::Share { images: vec![image], recipients, options: ShareOptions::default() },
        "CANCEL" => Operation::CancelShare { image, recipients },
        other => return Err(ApiError::bad_value("Permission", other, "it must be SHARE or CANCEL")),
    };
    c.run(op)?;
    Ok(Map::new())
}

fn describe_image_share_permission(c: &mut Call<'_>) -> Result<Map<String, Value>, ApiError> {
    let image = image_id(c.params.required_string("ImageId")?)?;
    match c.run(Operation::ListShares { image })? {
        Output::Members { members } => {
            let set: Vec<Value> =
                members.iter().map(|m| json!({ "CreatedTime": m.shared_at, "AccountId": m.recipient })).collect();
            Ok(Map::from_iter([("SharePermissionSet".to_string(), Value::Array(set))]))
        }
        other => Err(unexpected(&other)),
    }
}

struct Filter {
    name: String,
    values: Vec<String>,
}

const IMAGE_TYPES: [&str; 3] = ["PRIVATE_IMAGE", "PUBLIC_IMAGE", "SHARED_IMAGE"];
const PLATFORM: &str = "TencentOS";

fn filters(p: &Params) -> Result<Vec<Filter>, ApiError> {
    let Some(v) = p.get("Filters") else { return Ok(vec![]) };
    let Value::Array(items) = v else { return Err(ApiError::wrong_type("Filters", "an Array of Filter")) };
    if items.len() > MAX_FILTERS {
        return Err(ApiError::parameter(
            "InvalidParameterValue.LimitExceeded",
            format!("The number of parameter values exceeds the limit: at most {MAX_FILTERS} Filters."),
        ));
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("Filters.{i}");
        let Value::Object(f) = item else { return Err(ApiError::wrong_type(&path, "a Filter object")) };
        let name = match f.get("Name").filter(|v| !v.is_null()) {
            Some(v) => as_string(v, &format!("{path}.Name"))?,
            None => return Err(ApiError::missing(&format!("{path}.Name"))),
        };
        let values = match f.get("Values").filter(|v| !v.is_null()) {
            Some(v) => as_strings(v, p.loose, &format!("{path}.Values"))?,
            None => return Err(ApiError::missing(&format!("{path}.Values"))),
        };
        if values.len() > MAX_FILTER_VALUES {
            return Err(ApiError::parameter(
                "InvalidFilterValue.LimitExceeded",
                format!("The number of Filter values exceeds the limit: at most {MAX_FILTER_VALUES} for `{name}`."),
            ));
        }
        let known = matches!(
            name.as_str(),
            "image-id"
                | "image-type"
                | "image-name"
                | "platform"
                | "tag-key"
                | "tag-value"
                | "dedicated-cluster-id"
                | "cdc-cache-status"
        ) || name.starts_with("tag:");
        if !known {
            return Err(ApiError::parameter("InvalidFilter", format!("Invalid filter `{name}`.")));
        }
        if name == "image-type"
            && let Some(bad) = values.iter().find(|v| !IMAGE_TYPES.contains(&v.as_str()))
        {
            return Err(ApiError::bad_value(
                &format!("{path}.Values"),
                bad,
                "image-type is PRIVATE_IMAGE, PUBLIC_IMAGE or SHARED_IMAGE",
            ));
        }
        out.push(Filter { name, values });
    }
    Ok(out)
}

fn matches(f: &Filter, img: &ImageView, kind: &str) -> bool {
    match f.name.as_str() {
        "image-id" => f.values.contains(&img.id),
        "image-type" => f.values.iter().any(|v| v == kind),
        "image-name" => f.values.iter().any(|v| img.name.to_lowercase().contains(&v.to_lowercase())),
        "platform" => f.values.iter().any(|v| v.eq_ignore_ascii_case(PLATFORM)),
        // No image carries tags, a dedicated cluster or a CDC cache.
        _ => false,
    }
}

pub(super) fn image_json(img: &ImageView, kind: &str) -> Value {
    let state = match img.state.as_str() {
        "available" => "NORMAL".to_string(),
        "creating" => "CREATING".to_string(),
        other => other.to_ascii_uppercase(),
    };
    json!({
        "ImageId": img.id,
        "OsName": "TencentOS Server 3.1",
        "ImageType": kind,
        "CreatedTime": img.created_at,
        "ImageName": img.name,
        "ImageDescription": img.description,
        "ImageSize": 50,
        "Architecture": "x86_64",
        "ImageState": state,
        "Platform": PLATFORM,
        "ImageCreator": img.owner_id,
        "ImageSource": "CREATE_IMAGE",
        "SyncPercent": null,
        "IsSupportCloudinit": true,
        "SnapshotSet": [],
        "Tags": [],
        "LicenseType": "TencentCloud",
        "ImageFamily": "",
        "ImageDeprecated": false,
        "CdcCacheStatus": "",
    })
}

fn describe_images(c: &mut Call<'_>) -> Result<Map<String, Value>, ApiError> {
    // An empty list is as good as none (the SDK leaves unset lists out).
    let ids = c.params.strings("ImageIds")?.filter(|l| !l.is_empty()).map(image_ids).transpose()?;
    let filters = filters(&c.params)?;
    if ids.is_some() && !filters.is_empty() {
        return Err(ApiError::parameter(
            "InvalidParameter.InvalidParameterCoexistImageIdsFilters",
            "ImageIds and Filters cannot be given together.",
        ));
    }
    let offset = c.params.integer("Offset")?.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::bad_value("Offset", offset, "it must not be negative"));
    }
    let limit = c.params.integer("Limit")?.unwrap_or(DEFAULT_LIMIT);
    if !(0..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::parameter(
            "InvalidParameterValue.InvalidParameterValueLimit",
            format!("The value `{limit}` of parameter `Limit` is out of range: 0 to {MAX_LIMIT}."),
        ));
    }
    c.params.string("InstanceType")?;
    // Which listings to ask the engine for: the image-type filter, else all of them.
    let types: Vec<&str> =
        filters.iter().filter(|f| f.name == "image-type").flat_map(|f| f.values.iter().map(String::as_str)).collect();
    let wants = |t: &str| types.is_empty() || types.contains(&t);
    let mut found: Vec<(ImageView, &'static str)> = Vec::new();
    if let Some(ids) = &ids {
        // Each named image is the engine's to describe (its visibility rules decide); one the
        // caller cannot see is left out of the set, as CVM does, rather than refused.
        for id in ids {
            if let Ok(out) = c.run(Operation::Describe { image: id.clone() }) {
                let Output::Image { image } = out else { return Err(unexpected(&out)) };
                let kind = match (image.held_as.as_str(), image.visibility) {
                    (_, Visibility::Public) => "PUBLIC_IMAGE",
                    ("owner", _) => "PRIVATE_IMAGE",
                    _ => "SHARED_IMAGE",
                };
                found.push((image, kind));
            }
        }
    } else if wants("PRIVATE_IMAGE") || wants("PUBLIC_IMAGE") {
        match c.run(Operation::ListImages)? {
            Output::Images { images } => found.extend(images.into_iter().map(|img| {
                let kind = if img.visibility == Visibility::Public { "PUBLIC_IMAGE" } else { "PRIVATE_IMAGE" };
                (img, kind)
            })),
            other => return Err(unexpected(&other)),
        }
    }
    if ids.is_none() && wants("SHARED_IMAGE") {
        let shared = match c.run(Operation::ListSharedWithMe)? {
            Output::SharedWithMe { images } => images,
            other => return Err(unexpected(&other)),
        };
        for s in shared {
            match c.run(Operation::Describe { image: s.image })? {
                Output::Image { image } => found.push((image, "SHARED_IMAGE")),
                other => return Err(unexpected(&other)),
            }
        }
    }
    let selected: Vec<Value> = found
        .iter()
        .filter(|(img, kind)| {
            ids.as_ref().is_none_or(|ids| ids.contains(&img.id)) && filters.iter().all(|f| matches(f, img, kind))
        })
        .map(|(img, kind)| image_json(img, kind))
        .collect();
    let total = selected.len();
    let page: Vec<Value> = selected.into_iter().skip(offset as usize).take(limit as usize).collect();
    Ok(Map::from_iter([("TotalCount".to_string(), json!(total)), ("ImageSet".to_string(), Value::Array(page))]))
}

fn delete_images(c: &mut Call<'_>) -> Result<Map<String, Value>, ApiError> {
    let images = image_ids(c.params.required_strings("ImageIds")?)?;
    c.params.boolean("DeleteBindedSnap")?;
    let dry_run = c.params.flag("DryRun")?;
    let ops = images.into_iter().map(|image| Operation::Delete { image }).collect();
    c.run_all(ops, dry_run)?;
    Ok(Map::new())
}

fn sync_images(c: &mut Call<'_>) -> Result<Map<String, Value>, ApiError> {
    let images = image_ids(c.params.required_strings("ImageIds")?)?;
    let regions = c.params.required_strings("DestinationRegions")?;
    let name = c.params.string("ImageName")?;
    let dry_run = c.params.flag("DryRun")?;
    let set_required = c.params.flag("ImageSetRequired")?;
    let own_key = c.params.flag("Encrypt")?;
    c.params.string("KmsKeyId")?;
    for r in &regions {
        known_region(r, Action::Copy)?;
    }
    let mut ops = Vec::with_capacity(images.len() * regions.len());
    for image in &images {
        for to in &regions {
            ops.push(Operation::Copy { image: image.clone(), to_region: to.clone(), name: name.clone(), own_key });
        }
    }
    let outs = c.run_all(ops, dry_run)?;
    let mut fields = Map::new();
    if set_required {
        let mut set = Vec::with_capacity(outs.len());
        for out in outs {
            match out {
                Output::Copied { image, region } => set.push(json!({ "ImageId": image, "Region": region })),
                other => return Err(unexpected(&other)),
            }
        }
        fields.insert("ImageSet".into(), Value::Array(set));
    }
    Ok(fields)
}

fn modify_image_attribute(c: &mut Call<'_>) -> Result<Map<String, Value>, ApiError> {
    let image = image_id(c.params.required_string("ImageId")?)?;
    let name = c.params.string("ImageName")?;
    let description = c.params.string("ImageDescription")?;
    c.run(Operation::Modify { image, name, description })?;
    Ok(Map::new())
}

/// `ap-guangzhou-6` → `ap-guangzhou`.
pub(super) fn region_of_zone(zone: &str) -> Option<&str> {
    let (region, n) = zone.rsplit_once('-')?;
    (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && !region.is_empty()).then_some(region)
}

fn run_instances(c: &mut Call<'_>) -> Result<Map<String, Value>, ApiError> {
    let image = image_id(c.params.required_string("ImageId")?)?;
    if let Some(placement) = c.params.get("Placement") {
        let Value::Object(p) = placement else { return Err(ApiError::wrong_type("Placement", "a Placement object")) };
        if let Some(zone) = p.get("Zone").filter(|v| !v.is_null()) {
            let zone = as_string(zone, "Placement.Zone")?;
            if region_of_zone(&zone) != Some(c.region.as_str()) {
                return Err(ApiError::parameter(
                    "InvalidZone.MismatchRegion",
                    format!("The specified zone `{zone}` does not match the region `{}`.", c.region),
                ));
            }
        }
    }
    let count = c.params.integer("InstanceCount")?.unwrap_or(1);
    if !(1..=MAX_INSTANCE_COUNT).contains(&count) {
        return Err(ApiError::bad_value("InstanceCount", count, "it must be 1 to 100"));
    }
    c.params.string("InstanceType")?;
    let dry_run = c.params.flag("DryRun")?;
    let ops = (0..count).map(|_| Operation::Launch { image: image.clone(), product: Product::Cvm }).collect();
    let outs = c.run_all(ops, dry_run)?;
    let mut ids = Vec::with_capacity(outs.len());
    for out in outs {
        match out {
            Output::Launched { instance } => ids.push(Value::String(instance)),
            other => return Err(unexpected(&other)),
        }
    }
    Ok(Map::from_iter([("InstanceIdSet".to_string(), Value::Array(ids))]))
}

fn reset_instance(c: &mut Call<'_>) -> Result<Map<String, Value>, ApiError> {
    let instance = c.params.required_string("InstanceId")?;
    if !id_shaped(&instance, "ins-") {
        return Err(ApiError::parameter(
            "InvalidInstanceId.Malformed",
            format!("The specified instance ID `{instance}` has an invalid format."),
        ));
    }
    let image = c.params.string("ImageId")?.map(image_id).transpose()?;
    // The caller's instance: its current image decides between a reinstall from the same image
    // and a system disk replaced by another one. The engine refuses an instance of another
    // region or account.
    let op = reset_operation(c, instance, image, |_| true);
    c.run(op)?;
    Ok(Map::new())
}

/// The caller's own live instance that `accept` admits: its region and the image it was last
/// built from.
pub(super) fn own_instance(
    c: &Call<'_>,
    instance: &str,
    accept: impl Fn(&crate::engine::Instance) -> bool,
) -> Option<(usize, String)> {
    let state = c.ep.engine().state();
    let actor = state.index.account_by_name.get(&c.actor).copied();
    let inst = state.index.instance_by_id.get(instance).and_then(|&n| state.instances.get(n))?;
    (Some(inst.owner) == actor && inst.deleted_at.is_none() && accept(inst))
        .then(|| state.images.get(inst.image as usize).map(|img| (inst.region, img.id.clone())))
        .flatten()
}

/// A reset names the image to rebuild from, or none: the instance's own image is a reinstall,
/// another one replaces the system disk. Both CVM's and Lighthouse's `ResetInstance` mean this.
pub(super) fn reset_operation(
    c: &Call<'_>,
    instance: String,
    image: Option<String>,
    accept: impl Fn(&crate::engine::Instance) -> bool,
) -> Operation {
    match (own_instance(c, &instance, accept), image) {
        (Some((_, cur)), Some(img)) if img != cur => Operation::ReplaceSystemDisk { instance, image: img },
        _ => Operation::ReinitDisk { instance },
    }
}
