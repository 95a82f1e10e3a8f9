//! IMS's image APIs: listings (IMS's and Glance's), show, update and delete (Glance), copies
//! within and across regions (jobs) and the quota.

use serde_json::{Map, Value, json};

use crate::engine::{Action, ErrorKind as K, Failure, Image, Operation, Output, ShareStatus};
use crate::providers::huawei_gateway as gateway;
use crate::wire::{HttpRequest, HttpResponse};

use super::SPEC;
use super::api::{Cx, Query, Reply, ok, page};
use super::jobs::JobKind;
use super::members::status_name;

impl Cx<'_> {
    // ----- images --------------------------------------------------------------------------

    pub(super) fn list_images(&mut self, req: &HttpRequest, glance: bool) -> Reply {
        let q = Query::parse(req.query());
        let member_status = q.get("member_status");
        if member_status.is_some_and(|s| !matches!(s, "pending" | "accepted" | "rejected" | "all")) {
            return Err(self.malformed());
        }
        let visibility = q.get("visibility");
        let imagetype = q.get("__imagetype");
        let want_shared = matches!(visibility, None | Some("shared")) && matches!(imagetype, None | Some("shared"));
        let want_own = member_status.is_none()
            && matches!(visibility, None | Some("private") | Some("public"))
            && matches!(imagetype, None | Some("private") | Some("shared") | Some("gold"));
        // (image index, member status for images shared with the caller)
        let mut found: Vec<(u32, Option<ShareStatus>)> = Vec::new();
        if want_own {
            match self.apply(Operation::ListImages) {
                Ok(Output::Images { images }) => found.extend(
                    images
                        .iter()
                        .map(|v| (v.id.clone(), None))
                        .filter_map(|(id, s)| self.ep.engine().state().index.image_by_id.get(&id).map(|&ix| (ix, s))),
                ),
                Ok(_) => {}
                Err(f) => return Err(self.failed(&f, Action::ListImages)),
            }
        }
        if want_shared {
            let wanted = member_status.unwrap_or("accepted");
            match self.apply(Operation::ListSharedWithMe) {
                Ok(Output::SharedWithMe { images }) => {
                    for v in images {
                        if wanted != "all" && status_name(v.status) != wanted {
                            continue;
                        }
                        if let Some(&ix) = self.ep.engine().state().index.image_by_id.get(&v.image) {
                            found.push((ix, Some(v.status)));
                        }
                    }
                }
                Ok(_) => {}
                Err(f) => return Err(self.failed(&f, Action::ListSharedWithMe)),
            }
        }
        // Newest first, as IMS sorts by creation time.
        found.sort_by_key(|f| std::cmp::Reverse(f.0));
        found.dedup_by_key(|f| f.0);
        let engine = self.ep.engine();
        let infos: Vec<Value> = found
            .iter()
            .map(|&(ix, s)| image_info(engine, &engine.state().images[ix as usize], s))
            .filter(|info| q.matches(info))
            .collect();
        let ids: Vec<&str> = infos.iter().map(|i| i["id"].as_str().unwrap_or_default()).collect();
        let Some((start, end, more)) = page(&ids, &q, if glance { 25 } else { 500 }) else {
            return Err(self.malformed());
        };
        let next = if more { ids.get(end.wrapping_sub(1)).map(|s| s.to_string()) } else { None };
        let images = infos[start..end].to_vec();
        if glance {
            let mut body =
                json!({ "images": images, "schema": "/v2/schemas/images", "first": q.link("/v2/images", None) });
            if let Some(marker) = next {
                body["next"] = json!(q.link("/v2/images", Some(&marker)));
            }
            return Ok(ok(body));
        }
        let mut body = json!({ "images": images });
        if let Some(marker) = next {
            body["page_info"] = json!({ "next_marker": marker });
        }
        Ok(ok(body))
    }

    /// An image the caller reached, with the status of its membership when it is shared in.
    pub(super) fn reached_image(&self, image: &str) -> Option<Value> {
        let engine = self.ep.engine();
        let state = engine.state();
        let img = &state.images[*state.index.image_by_id.get(image)? as usize];
        let status = (img.owner != self.account_ix).then(|| img.shares.get(&self.account_ix).map(|s| s.status));
        Some(image_info(engine, img, status.flatten()))
    }

    pub(super) fn show_image(&mut self, image: &str) -> Reply {
        match self.apply(Operation::Describe { image: image.to_string() }) {
            Ok(_) => self.reached_image(image).map(ok).ok_or_else(|| self.refuse_as(K::NotFound, Action::Describe)),
            Err(f) => Err(self.failed(&f, Action::Describe)),
        }
    }

    pub(super) fn update_image(&mut self, req: &HttpRequest, image: &str) -> Reply {
        let Some(Value::Array(ops)) = self.json_body(req, true)? else { return Err(self.malformed()) };
        let (mut name, mut description) = (None, None);
        for op in &ops {
            let (Some(kind), Some(path)) =
                (op.get("op").and_then(Value::as_str), op.get("path").and_then(Value::as_str))
            else {
                return Err(self.malformed());
            };
            if !matches!(kind, "add" | "replace" | "remove") {
                return Err(self.malformed());
            }
            let value = op.get("value").and_then(Value::as_str).map(str::to_string);
            match (kind, path) {
                ("add" | "replace", "/name") => name = Some(value.ok_or(()).map_err(|()| self.malformed())?),
                ("add" | "replace", "/__description" | "/description") => description = value,
                ("remove", "/__description" | "/description") => description = Some(String::new()),
                // Other attributes (min_ram, tags, __os_version …) are not modelled.
                _ => {}
            }
        }
        match self.apply(Operation::Modify { image: image.to_string(), name, description }) {
            Ok(_) => self.reached_image(image).map(ok).ok_or_else(|| self.refuse_as(K::NotFound, Action::Modify)),
            Err(f) => Err(self.failed(&f, Action::Modify)),
        }
    }

    pub(super) fn delete_image(&mut self, req: &HttpRequest, image: &str) -> Reply {
        match self.json_body(req, false)? {
            None => {}
            Some(Value::Object(m)) if m.get("delete_backup").is_none_or(|v| v.is_boolean() || v.is_null()) => {}
            Some(_) => return Err(self.malformed()),
        }
        match self.apply(Operation::Delete { image: image.to_string() }) {
            Ok(_) => Ok(HttpResponse::empty(204)),
            Err(f) => Err(self.failed(&f, Action::Delete)),
        }
    }

    pub(super) fn copy(&mut self, req: &HttpRequest, image: &str) -> Reply {
        let body = self.object(req)?;
        let name = self.string(&body, "name", true)?;
        let region = self.string(&body, "region", true)?.unwrap_or_default();
        self.string(&body, "project_name", true)?;
        self.string(&body, "agency_name", true)?;
        self.string(&body, "description", false)?;
        // cross_region_copy refuses the image's own region (IMG.0142, HI-COPY); the engine
        // allows that copy, which is CopyImageInRegion's. Only for an image the caller reaches.
        let own_region = {
            let state = self.ep.engine().state();
            let target = SPEC.regions.iter().position(|r| r.id == region || r.name == region);
            state.index.image_by_id.get(image).map(|&ix| &state.images[ix as usize]).is_some_and(|img| {
                !img.is_deleted()
                    && (img.owner == self.account_ix || img.shares.contains_key(&self.account_ix))
                    && target == Some(img.region)
            })
        };
        if own_region && let Some(rule) = SPEC.provider.rule("HI-COPY") {
            let f = Failure::by(K::InvalidParameter, rule, "cross_region_copy needs another region");
            return Err(self.refuse_by(f, Action::Copy));
        }
        let op = Operation::Copy { image: image.to_string(), to_region: region, name, own_key: false };
        match self.apply(op) {
            Ok(Output::Copied { image: copy, .. }) => self.job_reply(JobKind::Copy, Ok((vec![copy], Vec::new()))),
            Ok(_) => Err(self.refuse_as(K::NotFound, Action::Copy)),
            Err(f) => Err(self.failed(&f, Action::Copy)),
        }
    }

    /// CopyImageInRegion: a copy in the region of the call, re-encrypted when `cmk_id` names a
    /// key (the engine makes the caller's own key; which one is not modelled).
    pub(super) fn copy_in_region(&mut self, req: &HttpRequest, image: &str) -> Reply {
        let body = self.object(req)?;
        let name = self.string(&body, "name", true)?;
        self.string(&body, "description", false)?;
        self.string(&body, "enterprise_project_id", false)?;
        let own_key = self.string(&body, "cmk_id", false)?.is_some_and(|k| !k.trim().is_empty());
        let to_region = SPEC.regions[self.region].id.to_string();
        match self.apply(Operation::Copy { image: image.to_string(), to_region, name, own_key }) {
            Ok(Output::Copied { image: copy, .. }) => {
                self.job_reply(JobKind::CopyInRegion, Ok((vec![copy], Vec::new())))
            }
            Ok(_) => Err(self.refuse_as(K::NotFound, Action::Copy)),
            Err(f) => Err(self.failed(&f, Action::Copy)),
        }
    }

    pub(super) fn quota(&mut self) -> Reply {
        match self.apply(Operation::Quota) {
            Ok(Output::Quota { used, limit }) => Ok(ok(json!({ "quotas": { "resources": [
                { "type": "image", "used": used, "quota": limit, "min": 1, "max": limit.max(1000) }
            ] } }))),
            Ok(_) => Err(self.refuse_as(K::Unsupported, Action::Quota)),
            Err(f) => Err(self.failed(&f, Action::Quota)),
        }
    }
}

pub(super) fn image_info(engine: &crate::engine::Engine, img: &Image, member: Option<ShareStatus>) -> Value {
    use crate::engine::{EncryptionSpec, ImageKind, Visibility};
    let owner = &engine.state().accounts[img.owner as usize].name;
    let owner_project = gateway::project_id(engine, owner, img.region).unwrap_or_default();
    let public = img.visibility == Visibility::Public;
    let (visibility, imagetype) = match (member, public) {
        (Some(_), _) => ("shared", "shared"),
        (None, true) => ("public", "gold"),
        (None, false) if !img.shares.is_empty() => ("private", "shared"),
        (None, false) => ("private", "private"),
    };
    let status = match img.state_name(engine.now()) {
        "available" => "active",
        "creating" => "queued",
        other => other,
    };
    let created = crate::clock::iso8601(img.created_at);
    let mut info = json!({
        "id": img.id, "name": img.name, "status": status, "visibility": visibility, "__imagetype": imagetype,
        "owner": owner_project, "protected": false, "min_disk": 40, "min_ram": 0, "disk_format": "zvhd2",
        "container_format": "bare", "virtual_env_type": "FusionCompute", "created_at": created,
        "updated_at": created, "self": format!("/v2/images/{}", img.id), "file": format!("/v2/images/{}/file", img.id),
        "schema": "/v2/schemas/image", "tags": [], "__os_type": "Linux", "__platform": "Ubuntu",
        "__os_version": "Ubuntu 22.04 server 64bit", "__os_bit": "64", "__isregistered": "true",
        "__image_size": "42949672960", "__image_source_type": "uds", "__description": img.description,
        "__system_support_market": false, "enterprise_project_id": "0",
        "__whole_image": if img.kind == ImageKind::FullServer { "true" } else { "false" },
    });
    if img.encryption != EncryptionSpec::None {
        info["__system_encrypted"] = json!("1");
        if let Some(key) = &img.key {
            info["__system__cmkid"] = json!(key);
        }
    }
    info
}

impl Cx<'_> {
    /// CreateImage (`POST /v2/cloudimages/action`), from a server (`instance_id`) or imported
    /// from an OBS file (`image_url`). From a server: the engine's `CreateImage` with `from`, in
    /// the call's region (the image takes the server's region; a server of someone else's or of
    /// another region is `IMG.0005`, "The ECS does not exist."). The refusal is answered at once
    /// (IMS's CreateImage errors are 400s); success is a job whose `entities.image_id` is the
    /// new image. Naming neither is `IMG.0012` ("The ECS ID is empty."), both `IMG.0001`.
    pub(super) fn create_image(&mut self, req: &HttpRequest) -> Reply {
        let body = self.object(req)?;
        let name = self.string(&body, "name", true)?.unwrap_or_default();
        let instance = self.string(&body, "instance_id", false)?.filter(|i| !i.trim().is_empty());
        let image_url = self.string(&body, "image_url", false)?.filter(|u| !u.trim().is_empty());
        let description = self.string(&body, "description", false)?.unwrap_or_default();
        for key in ["enterprise_project_id", "cmk_id", "os_version", "os_type", "type", "architecture"] {
            self.string(&body, key, false)?;
        }
        for key in ["is_quick_import", "is_config"] {
            if !matches!(body.get(key), None | Some(Value::Null | Value::Bool(_))) {
                return Err(self.malformed());
            }
        }
        for key in ["min_disk", "min_ram", "max_ram"] {
            if !matches!(body.get(key), None | Some(Value::Null)) && body.get(key).and_then(Value::as_u64).is_none() {
                return Err(self.malformed());
            }
        }
        for key in ["data_images", "image_tags", "tags"] {
            if !matches!(body.get(key), None | Some(Value::Null | Value::Array(_))) {
                return Err(self.malformed());
            }
        }
        let from = match (instance, image_url) {
            // Two sources at once: the request is not one IMS takes (inferred code).
            (Some(_), Some(_)) => return Err(self.malformed()),
            (Some(instance), None) => Some(instance),
            (None, Some(url)) => {
                self.import_checks(&body, &url)?;
                None
            }
            (None, None) => return Err(self.refuse("no-instance", 400, "IMG.0012", "The ECS ID is empty.")),
        };
        let kind = if from.is_some() { JobKind::CreateImage } else { JobKind::ImportImage };
        let new = crate::engine::NewImage {
            name,
            region: SPEC.regions[self.region].id.to_string(),
            description,
            from,
            ..Default::default()
        };
        match self.apply(Operation::CreateImage(new)) {
            Ok(Output::ImageCreated { image, .. }) => {
                let ix = self.ep.engine().state().index.image_by_id.get(&image).copied();
                let job = self.open_job(kind, ix.into_iter().collect(), Vec::new(), Vec::new(), None);
                Ok(ok(json!({ "job_id": job })))
            }
            Ok(_) => Err(self.refuse_as(K::NotFound, Action::CreateImage)),
            Err(f) => Err(self.failed(&f, Action::CreateImage)),
        }
    }

    /// What an import from OBS must say (huaweicloudsdkims `CreateImageRequestBody`): `image_url`
    /// as `<bucket>:<file>`, `min_disk` from 40 to 1024 GB, `os_version` when `is_quick_import`,
    /// `type` and `architecture` among IMS's values. The file itself is not modelled: any
    /// well-formed name imports. A `cmk_id` is refused: the engine makes the encrypted image's
    /// key itself (its ID is the engine's), so the key the caller names cannot become the
    /// image's key, and an encrypted import is not served.
    fn import_checks(&mut self, body: &Map<String, Value>, url: &str) -> Result<(), HttpResponse> {
        if !obs_url(url) {
            // Documented code; its use for a malformed `image_url` is inferred from its wording.
            return Err(self.refuse(
                "bad-image-url",
                400,
                "IMG.0057",
                "The image file does not exist, is empty, or in the incorrect format.",
            ));
        }
        // `min_disk` is required for an import (inferred code for its absence: the body's format).
        let Some(min_disk) = body.get("min_disk").and_then(Value::as_u64) else { return Err(self.malformed()) };
        if !(MIN_DISK_GB..=MAX_DISK_GB).contains(&min_disk) {
            return Err(self.refuse("bad-min-disk", 400, "IMG.0055", "The memory or disk size is invalid."));
        }
        let quick = body.get("is_quick_import").and_then(Value::as_bool).unwrap_or(false);
        let os_version = body.get("os_version").and_then(Value::as_str).filter(|v| !v.trim().is_empty());
        if quick && os_version.is_none() {
            return Err(self.malformed());
        }
        if !matches!(body.get("os_type").and_then(Value::as_str), None | Some("Linux" | "Windows")) {
            return Err(self.refuse("bad-os-type", 400, "IMG.0056", "The OS type is invalid."));
        }
        if !matches!(body.get("type").and_then(Value::as_str), None | Some("ECS" | "BMS" | "FusionCompute" | "Ironic"))
            || !matches!(body.get("architecture").and_then(Value::as_str), None | Some("x86" | "arm"))
        {
            return Err(self.malformed());
        }
        if body.get("cmk_id").and_then(Value::as_str).is_some_and(|k| !k.trim().is_empty()) {
            return Err(self.refuse_as(K::Unsupported, Action::CreateImage));
        }
        Ok(())
    }
}

/// `min_disk` of an import, in GB (huaweicloudsdkims: "取值为40～1024GB").
const MIN_DISK_GB: u64 = 40;
const MAX_DISK_GB: u64 = 1024;

/// `<bucket>:<file>` with an OBS bucket name (3 to 63 lowercase letters, digits, `-` and `.`,
/// starting and ending with a letter or digit) and a file name of at most 1024 bytes.
fn obs_url(url: &str) -> bool {
    let Some((bucket, file)) = url.split_once(':') else { return false };
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    (3..=63).contains(&bucket.len())
        && bucket.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && edge(bucket.chars().next())
        && edge(bucket.chars().last())
        && !file.trim().is_empty()
        && file.len() <= 1024
}
