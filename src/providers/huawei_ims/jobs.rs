//! IMS jobs: member operations and copies answer `{"job_id"}` and their effect is applied at
//! once, so the job is `SUCCESS` (or `FAIL` with the IMS code) on the first query. A refusal
//! that concerns the request as a whole is answered at once with 400; one that concerns the
//! members is reported by the job (`error_code`, `fail_reason`).
//!
//! ECS's jobs (create, reinstall, change OS, delete servers) live in the same namespace: ECS and
//! IMS both answer `GET /v1/{project_id}/jobs/{job_id}` and either SDK may poll a job the other
//! made (instances.md §0). An ECS job answers with ECS's entities (`server_id`, `sub_jobs`).

use std::collections::{HashMap, VecDeque};

use serde_json::{Map, Value, json};

use crate::engine::{Action, ErrorKind as K, Failure};
use crate::providers::huawei_gateway as gateway;
use crate::wire::Endpoint;

use super::SPEC;
use super::api::{Cx, Reply, dedup, ok};

impl Cx<'_> {
    pub(super) fn job_reply(&mut self, kind: JobKind, out: Result<(Vec<String>, Vec<String>), Failure>) -> Reply {
        let (images, members, failure) = match out {
            Ok((images, members)) => (images, members, None),
            Err(f) if reported_by_job(f.kind) => (Vec::new(), Vec::new(), Some((f.kind, f.rule))),
            Err(f) => return Err(self.failed(&f, kind.action())),
        };
        let state = self.ep.engine().state();
        let image_ixs = images.iter().filter_map(|id| state.index.image_by_id.get(id).copied()).collect();
        let member_ixs =
            members.iter().filter_map(|p| state.index.directory.get(p.trim()).map(|e| e.account)).collect();
        Ok(ok(json!({ "job_id": self.open_job(kind, dedup(image_ixs), dedup(member_ixs), Vec::new(), failure) })))
    }

    /// Records a job of the caller's in the call's region and returns its ID.
    pub(super) fn open_job(
        &mut self,
        kind: JobKind,
        images: Vec<u32>,
        members: Vec<u32>,
        servers: Vec<String>,
        failure: Option<(K, Option<&'static str>)>,
    ) -> String {
        let job = Job {
            kind,
            seq: self.ep.seq(),
            creator: self.account_ix,
            region: self.region,
            at: self.ep.engine().now(),
            images,
            members,
            servers,
            failure,
        };
        record(self.ep, &job)
    }

    pub(super) fn show_job(&mut self, id: &str, progress: bool) -> Reply {
        let job = lookup(self.ep, id).filter(|j| j.creator == self.account_ix && j.region == self.region);
        let Some(job) = job else {
            return Err(self.refuse("not-found", 404, "IMG.0023", "An exception occurred during task query."));
        };
        let engine = self.ep.engine();
        let state = engine.state();
        let images: Vec<String> = job.images.iter().map(|&ix| state.images[ix as usize].id.clone()).collect();
        let members: Vec<String> = job
            .members
            .iter()
            .filter_map(|&a| gateway::project_id(engine, &state.accounts[a as usize].name, job.region))
            .collect();
        let mut entities = Map::new();
        if let Some(first) = images.first() {
            entities.insert("image_id".into(), json!(first));
        }
        let (status, error_code, fail_reason) = match job.failure {
            None => ("SUCCESS", Value::Null, Value::Null),
            Some((kind, rule)) => {
                let w = SPEC.wire(&Failure { kind, rule, message: String::new() }, job.kind.action());
                ("FAIL", json!(w.code), json!(w.message))
            }
        };
        if job.kind.is_ecs() {
            // ECS's job: one sub-job per server, each with the job's outcome.
            entities.remove("image_id");
            let sub_jobs: Vec<Value> = job
                .servers
                .iter()
                .map(|s| {
                    json!({
                        "status": status, "job_id": "", "job_type": job.kind.sub_job_type(),
                        "entities": { "server_id": s }, "error_code": error_code, "fail_reason": fail_reason,
                    })
                })
                .collect();
            entities.insert("server_id".into(), json!(job.servers.first().cloned().unwrap_or_default()));
            entities.insert("sub_jobs_total".into(), json!(sub_jobs.len()));
            entities.insert("sub_jobs".into(), Value::Array(sub_jobs));
        } else if job.failure.is_none() {
            entities.insert("process_percent".into(), json!(1.0));
            if matches!(job.kind, JobKind::Copy | JobKind::CopyInRegion | JobKind::CreateImage | JobKind::ImportImage) {
                if let Some(&ix) = job.images.first() {
                    entities.insert("image_name".into(), json!(state.images[ix as usize].name));
                }
            } else {
                let results: Vec<Value> = images
                    .iter()
                    .flat_map(|i| {
                        members.iter().map(move |m| json!({"image_id": i, "project_id": m, "status": "success"}))
                    })
                    .collect();
                entities.insert("results".into(), Value::Array(results));
            }
        }
        if progress {
            entities.insert("subJobId".into(), json!(""));
        }
        let time = huawei_time(job.at);
        Ok(ok(json!({
            "status": status,
            "job_id": id,
            "job_type": job.kind.job_type(),
            "begin_time": time,
            "end_time": time,
            "error_code": error_code,
            "fail_reason": fail_reason,
            "entities": entities,
        })))
    }
}

/// Refusals that concern the members of a batch rather than the request: reported by the job.
pub(super) fn reported_by_job(kind: K) -> bool {
    matches!(
        kind,
        K::InvalidRecipient
            | K::RecipientNotAccount
            | K::RecipientNotFound
            | K::RecipientInOtherRegion
            | K::ShareWithSelf
            | K::AlreadyShared
            | K::NotShared
            | K::ShareLimitExceeded
            | K::KeyNotAuthorized
    )
}

/// `04-Jun-2015 18:11:06:586`, the time format of IMS jobs.
pub(super) fn huawei_time(secs: u64) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let iso = crate::clock::iso8601(secs);
    let month = iso[5..7].parse::<usize>().unwrap_or(1).clamp(1, 12);
    format!("{}-{}-{} {}:000", &iso[8..10], MONTHS[month - 1], &iso[0..4], &iso[11..19])
}

// ----- jobs --------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum JobKind {
    Add,
    Delete,
    Accept,
    Reject,
    Copy,
    CopyInRegion,
    /// IMS CreateImage from a server.
    CreateImage,
    /// IMS CreateImage from an OBS file (`image_url`).
    ImportImage,
    /// ECS jobs.
    CreateServers,
    ReinstallOs,
    ChangeOs,
    DeleteServers,
}

impl JobKind {
    pub(super) fn job_type(self) -> &'static str {
        match self {
            JobKind::Add => "batchAddMembers",
            JobKind::Delete => "batchDeleteMembers",
            JobKind::Accept | JobKind::Reject => "batchUpdateMembers",
            JobKind::Copy => "copyImageCrossRegion",
            JobKind::CopyInRegion => "copyImageInRegion",
            JobKind::CreateImage => "createImageByInstance",
            // Not published for imports; named as the create-from-server job is (inferred).
            JobKind::ImportImage => "createImageByFile",
            // ECS job types are not published (instances.md §6); these are inferred.
            JobKind::CreateServers => "createServer",
            JobKind::ReinstallOs => "reinstallServerOS",
            JobKind::ChangeOs => "changeServerOS",
            JobKind::DeleteServers => "deleteServer",
        }
    }

    fn is_ecs(self) -> bool {
        matches!(self, JobKind::CreateServers | JobKind::ReinstallOs | JobKind::ChangeOs | JobKind::DeleteServers)
    }

    /// The `job_type` of an ECS job's per-server sub-jobs (inferred, as the job types are).
    fn sub_job_type(self) -> &'static str {
        match self {
            JobKind::CreateServers => "createSingleServer",
            JobKind::DeleteServers => "deleteSingleServer",
            other => other.job_type(),
        }
    }

    pub(super) fn action(self) -> Action {
        match self {
            JobKind::Add => Action::Share,
            JobKind::Delete => Action::CancelShare,
            JobKind::Accept => Action::Accept,
            JobKind::Reject => Action::Reject,
            JobKind::Copy | JobKind::CopyInRegion => Action::Copy,
            JobKind::CreateImage | JobKind::ImportImage => Action::CreateImage,
            JobKind::CreateServers => Action::Launch,
            JobKind::ReinstallOs => Action::ReinitDisk,
            JobKind::ChangeOs => Action::ReplaceSystemDisk,
            JobKind::DeleteServers => Action::DeleteInstance,
        }
    }
}

/// What a job did: by whom (account and region index), when, on which images (indices into
/// the state) for which members (account indices) or servers, and the refusal when it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Job {
    pub(super) kind: JobKind,
    /// The request that made it, so two jobs never share an ID.
    pub(super) seq: u64,
    pub(super) creator: u32,
    pub(super) region: usize,
    pub(super) at: u64,
    pub(super) images: Vec<u32>,
    pub(super) members: Vec<u32>,
    /// ECS servers the job concerns (made, rebuilt or deleted).
    pub(super) servers: Vec<String>,
    pub(super) failure: Option<(K, Option<&'static str>)>,
}

/// Where jobs are kept: beside the engine in the endpoint, under 32-hex IDs as IMS hands out,
/// at most `CAPACITY` of them (the oldest go first). A reset or a state load forgets them.
const CAPACITY: usize = 1000;

#[derive(Default)]
pub(super) struct Jobs {
    order: VecDeque<String>,
    by_id: HashMap<String, Job>,
}

pub(super) fn record(ep: &mut Endpoint, job: &Job) -> String {
    let seed = format!("{:?}", (job.seq, job.creator, job.region, job.at));
    let id = crate::ids::hex32(crate::ids::stable_hash(&["huawei-ims", "job", &seed]));
    let jobs = ep.extension::<Jobs>();
    if jobs.order.len() == CAPACITY
        && let Some(old) = jobs.order.pop_front()
    {
        jobs.by_id.remove(&old);
    }
    jobs.order.push_back(id.clone());
    jobs.by_id.insert(id.clone(), job.clone());
    id
}

/// The job with this ID, if this endpoint handed it out and still keeps it.
pub(super) fn lookup(ep: &Endpoint, id: &str) -> Option<Job> {
    ep.extension_ref::<Jobs>()?.by_id.get(id).cloned()
}
