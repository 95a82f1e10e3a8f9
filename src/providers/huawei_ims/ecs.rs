//! Huawei ECS's server API, as huaweicloudsdkecs calls it (instances.md §4.1): create servers
//! from an image (CreatePostPaidServers `/v1/`, CreateServers `/v1.1/`), reinstall the OS
//! (`reinstallos`, the server's own image), change the OS (`changeos`, another image), show,
//! list and delete servers. IMS and ECS share one listener, so they share the gateway, the
//! caller's project and the job namespace (`jobs.rs`).
//!
//! ECS is asynchronous: a well-formed request answers `{"job_id"}` and a refusal about the image
//! (not shared, pending, cancelled, its key not granted …) ends the job `FAIL` with the code in
//! `error_code`. No reference publishes ECS codes for those (instances.md §4.4, §6), so the job
//! carries the IMS code the engine's decision maps to (`IMG.0046`, `IMG.0027`, `IMG.0099`),
//! as IMS states them for the image (inferred). A server that is not the caller's, not in the
//! call's region, or unknown is answered at once: 404 `Ecs.0114` (documented). A body that is
//! not what the call takes: 400 `Ecs.0005` (inferred).

use serde_json::{Map, Value, json};

use crate::engine::{Action, ErrorKind as K, InstanceView, Operation, Output, Product};
use crate::wire::HttpRequest;

use super::SPEC;
use super::api::{Cx, Reply, ok};
use super::jobs::JobKind;

/// At most this many servers in one create or delete request (ECS's own batch limit is not
/// modelled; this only bounds the work one request can ask for).
const MAX_SERVERS: u64 = 100;

impl Cx<'_> {
    /// CreatePostPaidServers / CreateServers: `count` launches of `server.imageRef`; the job
    /// fails with the engine's refusal of the first launch refused.
    pub(super) fn create_servers(&mut self, req: &HttpRequest, v11: bool) -> Reply {
        let body = self.object(req)?;
        let dry_run = match body.get("dry_run") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(self.malformed()),
        };
        let Some(Value::Object(server)) = body.get("server") else { return Err(self.malformed()) };
        let image = self.string(server, "imageRef", true)?.unwrap_or_default();
        for key in ["flavorRef", "name", "vpcid", "availability_zone", "adminPass", "key_name"] {
            self.string(server, key, false)?;
        }
        for key in ["root_volume", "extendparam", "metadata", "publicip"] {
            if !matches!(server.get(key), None | Some(Value::Null | Value::Object(_))) {
                return Err(self.malformed());
            }
        }
        let count = match server.get("count") {
            None | Some(Value::Null) => 1,
            Some(v) => match v.as_u64().filter(|n| (1..=MAX_SERVERS).contains(n)) {
                Some(n) => n,
                None => return Err(self.malformed()),
            },
        };
        if image.trim().is_empty() {
            return Err(self.malformed());
        }
        let launch = Operation::Launch { image: image.clone(), product: Product::Cvm };
        if dry_run {
            return self.dry_run(launch);
        }
        let mut servers = Vec::new();
        let mut failure = None;
        for _ in 0..count {
            match self.apply(launch.clone()) {
                Ok(Output::Launched { instance }) => servers.push(instance),
                Ok(_) => {}
                Err(f) => {
                    failure = Some((f.kind, f.rule));
                    break;
                }
            }
        }
        let job = self.open_job(JobKind::CreateServers, Vec::new(), Vec::new(), servers.clone(), failure);
        let mut answer = json!({ "job_id": job, "serverIds": servers });
        // CreateServers (v1.1) answers an order for yearly/monthly servers; it is not modelled.
        if v11
            && server.get("extendparam").and_then(|e| e.get("chargingMode")).and_then(Value::as_str) == Some("prePaid")
        {
            answer["order_id"] = json!("");
        }
        Ok(ok(answer))
    }

    /// `dry_run`: the checks without the launch, on a copy of the world; 202 when it would pass,
    /// the refusal at once otherwise (ECS answers a dry run's findings synchronously).
    fn dry_run(&mut self, op: Operation) -> Reply {
        let region = SPEC.regions[self.region].id;
        let mut probe = self.ep.engine().clone();
        let req = crate::engine::Request::new(self.account.clone(), op).in_region(region);
        match probe.apply(&req) {
            Ok(_) => Ok(crate::wire::HttpResponse::json(202, "application/json;charset=UTF-8", &json!({}))),
            Err(f) => {
                let resp = self.failed(&f, Action::Launch);
                (self.outcome, self.rule) = (f.kind.to_string(), f.rule);
                Err(resp)
            }
        }
    }

    /// ShowServer: the caller's servers in the call's region (the engine's `ListInstances`),
    /// then the one asked for.
    pub(super) fn show_server(&mut self, server: &str) -> Reply {
        let found = self.servers()?.into_iter().find(|i| i.id == server);
        match found {
            Some(view) => {
                let detail = self.server_detail(&view);
                Ok(ok(json!({ "server": detail })))
            }
            None => Err(self.refuse_as(K::InstanceNotFound, Action::ListInstances)),
        }
    }

    /// ListServersDetails: every server of the caller's in the call's region.
    pub(super) fn list_servers(&mut self) -> Reply {
        let servers: Vec<Value> = self.servers()?.iter().map(|v| self.server_detail(v)).collect();
        Ok(ok(json!({ "count": servers.len(), "servers": servers })))
    }

    fn servers(&mut self) -> Result<Vec<InstanceView>, crate::wire::HttpResponse> {
        match self.apply(Operation::ListInstances) {
            Ok(Output::Instances { instances }) => Ok(instances),
            Ok(_) => Ok(Vec::new()),
            Err(f) => Err(self.failed(&f, Action::ListInstances)),
        }
    }

    /// ECS's ServerDetail for an instance. The engine keeps no server name, flavor or times:
    /// the name is derived from the ID and the times are the virtual clock's.
    fn server_detail(&self, v: &InstanceView) -> Value {
        let engine = self.ep.engine();
        let state = engine.state();
        let image_name = state.index.image_by_id.get(&v.image).map(|&ix| state.images[ix as usize].name.clone());
        let now = crate::clock::iso8601(engine.now());
        let short = v.id.get(..8).unwrap_or(&v.id);
        let (status, vm_state) = if v.state == "stopped" { ("SHUTOFF", "stopped") } else { ("ACTIVE", "active") };
        json!({
            "id": v.id, "name": format!("ecs-{short}"), "status": status, "OS-EXT-STS:vm_state": vm_state,
            "image": { "id": v.image },
            "flavor": { "id": "s6.small.1", "name": "s6.small.1", "vcpus": "1", "ram": "1024", "disk": "0" },
            "metadata": { "image_name": image_name.unwrap_or_default(), "os_type": "Linux" },
            "tenant_id": self.project, "user_id": "", "hostId": "", "key_name": "", "locked": false,
            "OS-EXT-AZ:availability_zone": format!("{}a", v.region),
            "created": now, "updated": now, "addresses": {}, "security_groups": [],
            "os-extended-volumes:volumes_attached": [], "tags": [],
        })
    }

    /// DeleteServers: each server is the caller's own (404 `Ecs.0114` at once otherwise);
    /// the job names them.
    pub(super) fn delete_servers(&mut self, req: &HttpRequest) -> Reply {
        let body = self.object(req)?;
        for key in ["delete_publicip", "delete_volume"] {
            if !matches!(body.get(key), None | Some(Value::Null | Value::Bool(_))) {
                return Err(self.malformed());
            }
        }
        let ids: Option<Vec<String>> = match body.get("servers") {
            Some(Value::Array(items)) if !items.is_empty() && items.len() as u64 <= MAX_SERVERS => {
                items.iter().map(|s| s.get("id").and_then(Value::as_str).map(str::to_string)).collect()
            }
            _ => None,
        };
        let Some(ids) = ids else { return Err(self.malformed()) };
        for id in &ids {
            if let Err(f) = self.apply(Operation::DeleteInstance { instance: id.clone() }) {
                return Err(self.failed(&f, Action::DeleteInstance));
            }
        }
        let job = self.open_job(JobKind::DeleteServers, Vec::new(), Vec::new(), ids, None);
        Ok(ok(json!({ "job_id": job })))
    }

    /// ReinstallServerWithCloudInit: the server's own image again (the engine's `ReinitDisk`).
    pub(super) fn reinstall_os(&mut self, req: &HttpRequest, server: &str) -> Reply {
        let body = self.object(req)?;
        self.os_options(&body, "os-reinstall")?;
        self.server_job(JobKind::ReinstallOs, server, Operation::ReinitDisk { instance: server.to_string() })
    }

    /// ChangeServerOsWithCloudInit: another image (`imageid`, the engine's `ReplaceSystemDisk`).
    pub(super) fn change_os(&mut self, req: &HttpRequest, server: &str) -> Reply {
        let body = self.object(req)?;
        let options = self.os_options(&body, "os-change")?;
        let image = self.string(&options, "imageid", true)?.unwrap_or_default();
        if image.trim().is_empty() {
            return Err(self.malformed());
        }
        let op = Operation::ReplaceSystemDisk { instance: server.to_string(), image };
        self.server_job(JobKind::ChangeOs, server, op)
    }

    /// The `os-reinstall` / `os-change` object: a password or key pair, optional metadata and
    /// `mode` (only `withStopServer` exists).
    fn os_options(
        &mut self,
        body: &Map<String, Value>,
        key: &str,
    ) -> Result<Map<String, Value>, crate::wire::HttpResponse> {
        let Some(Value::Object(options)) = body.get(key) else { return Err(self.malformed()) };
        for k in ["adminpass", "keyname", "userid"] {
            self.string(options, k, false)?;
        }
        if !matches!(options.get("metadata"), None | Some(Value::Null | Value::Object(_))) {
            return Err(self.malformed());
        }
        match self.string(options, "mode", false)?.as_deref() {
            None | Some("withStopServer") => Ok(options.clone()),
            Some(_) => Err(self.malformed()),
        }
    }

    /// A job on one server. An ECS endpoint knows only its region's servers, so a server of
    /// another region is not found, as one that is not the caller's (the engine says so).
    fn server_job(&mut self, kind: JobKind, server: &str, op: Operation) -> Reply {
        let elsewhere = {
            let state = self.ep.engine().state();
            state.index.instance_by_id.get(server).is_some_and(|&n| state.instances[n].region != self.region)
        };
        if elsewhere {
            return Err(self.refuse_as(K::InstanceNotFound, kind.action()));
        }
        let failure = match self.apply(op) {
            Ok(_) => None,
            Err(f) if f.kind == K::InstanceNotFound => return Err(self.failed(&f, kind.action())),
            Err(f) => Some((f.kind, f.rule)),
        };
        let job = self.open_job(kind, Vec::new(), Vec::new(), vec![server.to_string()], failure);
        Ok(ok(json!({ "job_id": job })))
    }
}
