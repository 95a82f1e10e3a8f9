//! IMS's member APIs, v1 (BatchAddMembers, BatchUpdateMembers, BatchDeleteMembers, the member
//! listing and show) and Glance's (add, show, update, delete one member): each becomes the
//! engine's Share, Accept/Reject, CancelShare or ListShares.

use serde_json::{Value, json};

use crate::engine::{Action, ErrorKind as K, Operation, Output, ShareOptions, ShareStatus};
use crate::providers::huawei_gateway as gateway;
use crate::wire::{HttpRequest, HttpResponse};

use super::SPEC;
use super::api::{Cx, INVALID_PROJECT, Query, Reply, WithStatus, dedup, ok, page};
use super::jobs::JobKind;

impl Cx<'_> {
    pub(super) fn batch_add(&mut self, req: &HttpRequest) -> Reply {
        let body = self.object(req)?;
        let images = self.strings(&body, "images")?;
        let recipients = self.recipients(&body)?;
        let op = Operation::Share {
            images: images.clone(),
            recipients: recipients.clone(),
            options: ShareOptions::default(),
        };
        let out = self.apply(op).map(|_| (images, recipients));
        self.job_reply(JobKind::Add, out)
    }

    pub(super) fn batch_update(&mut self, req: &HttpRequest) -> Reply {
        let body = self.object(req)?;
        let images = self.strings(&body, "images")?;
        let project = self.string(&body, "project_id", true)?.unwrap_or_default();
        let status = self.string(&body, "status", true)?.unwrap_or_default();
        let (kind, op) = match status.as_str() {
            "accepted" => (JobKind::Accept, Operation::Accept { images: images.clone() }),
            "rejected" => (JobKind::Reject, Operation::Reject { images: images.clone() }),
            _ => return Err(self.malformed()),
        };
        if project.trim() != self.project {
            return Err(self.refuse("project", 403, "IMG.0030", INVALID_PROJECT));
        }
        let me = self.project.clone();
        let out = self.apply(op).map(|_| (images, vec![me]));
        self.job_reply(kind, out)
    }

    pub(super) fn batch_delete(&mut self, req: &HttpRequest) -> Reply {
        let body = self.object(req)?;
        let images = dedup(self.strings(&body, "images")?);
        let recipients = self.recipients(&body)?;
        if images.is_empty() {
            return Err(self.refuse_as(K::InvalidParameter, Action::CancelShare));
        }
        let ops: Vec<Operation> = images
            .iter()
            .map(|image| Operation::CancelShare { image: image.clone(), recipients: recipients.clone() })
            .collect();
        // All or nothing: try the batch on a copy of the world first; a refused image is then
        // asked of the real engine alone (same answer, nothing changed) so the journal has it.
        let mut probe = self.ep.engine().clone();
        let region = SPEC.regions[self.region].id;
        let refused = ops.iter().position(|op| {
            let req = crate::engine::Request::new(self.account.clone(), op.clone()).in_region(region);
            probe.apply(&req).is_err()
        });
        let todo = match refused {
            Some(k) => vec![ops[k].clone()],
            None => ops,
        };
        let mut out = Ok((images, recipients));
        for op in todo {
            if let Err(f) = self.apply(op) {
                out = Err(f);
                break;
            }
        }
        self.job_reply(JobKind::Delete, out)
    }

    pub(super) fn list_members(&mut self, req: &HttpRequest, image: &str, glance: bool) -> Reply {
        let members = match self.apply(Operation::ListShares { image: image.to_string() }) {
            Ok(Output::Members { members }) => members,
            Ok(_) => Vec::new(),
            Err(f) => return Err(self.failed(&f, Action::ListShares)),
        };
        let all: Vec<Value> =
            members.iter().map(|m| member_json(image, &m.recipient, m.status, &m.shared_at)).collect();
        if glance {
            return Ok(ok(json!({ "members": all, "schema": "/v2/schemas/members" })));
        }
        let q = Query::parse(req.query());
        let ids: Vec<&str> = all.iter().map(|m| m["member_id"].as_str().unwrap_or_default()).collect();
        let (start, end, more) = match page(&ids, &q, 25) {
            Some(p) => p,
            None => return Err(self.malformed()),
        };
        let page_members = all[start..end].to_vec();
        let mut page_info = json!({ "current_count": page_members.len() });
        if more && let Some(last) = ids.get(end.wrapping_sub(1)) {
            page_info["next_marker"] = json!(last);
        }
        Ok(ok(json!({ "members": page_members, "schema": "/v2/schemas/members", "page_info": page_info })))
    }

    pub(super) fn image_owner(&self, image: &str) -> Option<u32> {
        let state = self.ep.engine().state();
        state.index.image_by_id.get(image).map(|&ix| state.images[ix as usize].owner)
    }

    pub(super) fn show_member(&mut self, image: &str, member: &str) -> Reply {
        if member == self.project && self.image_owner(image) != Some(self.account_ix) {
            // A recipient reads its own member record from its shared-with-me list.
            if let Ok(Output::SharedWithMe { images }) = self.apply(Operation::ListSharedWithMe)
                && images.iter().any(|i| i.image == image)
                && let Some(m) = self.member_of(image, self.account_ix)
            {
                return Ok(ok(m));
            }
            // No longer (or never) a member: the engine says why.
            return match self.apply(Operation::ListShares { image: image.to_string() }) {
                Err(f) => Err(self.failed(&f, Action::ListShares)),
                Ok(_) => Err(self.refuse_as(K::NotShared, Action::ListShares).with_status(404)),
            };
        }
        match self.apply(Operation::ListShares { image: image.to_string() }) {
            Ok(Output::Members { members }) => match members.iter().find(|m| m.recipient == member) {
                Some(m) => Ok(ok(member_json(image, &m.recipient, m.status, &m.shared_at))),
                None => Err(self.refuse_as(K::NotShared, Action::ListShares).with_status(404)),
            },
            Ok(_) => Err(self.refuse_as(K::NotShared, Action::ListShares).with_status(404)),
            Err(f) => Err(self.failed(&f, Action::ListShares)),
        }
    }

    /// The member record of `account` on `image`, from the state.
    pub(super) fn member_of(&self, image: &str, account: u32) -> Option<Value> {
        let engine = self.ep.engine();
        let state = engine.state();
        let img = &state.images[*state.index.image_by_id.get(image)? as usize];
        let share = img.shares.get(&account)?;
        let project = gateway::project_id(engine, &state.accounts[account as usize].name, img.region)?;
        Some(member_json(image, &project, share.status, &crate::clock::iso8601(share.created_at)))
    }

    pub(super) fn add_member(&mut self, req: &HttpRequest, image: &str) -> Reply {
        let body = self.object(req)?;
        let member = self.string(&body, "member", true)?.unwrap_or_default();
        let op = Operation::Share {
            images: vec![image.to_string()],
            recipients: vec![member.clone()],
            options: ShareOptions::default(),
        };
        if let Err(f) = self.apply(op) {
            return Err(self.failed(&f, Action::Share));
        }
        let account = self.ep.engine().state().index.directory.get(member.trim()).map(|e| e.account);
        match account.and_then(|a| self.member_of(image, a)) {
            Some(m) => Ok(ok(m)),
            None => Err(self.refuse_as(K::NotShared, Action::Share)),
        }
    }

    pub(super) fn update_member(&mut self, req: &HttpRequest, image: &str, member: &str) -> Reply {
        let body = self.object(req)?;
        let status = self.string(&body, "status", true)?.unwrap_or_default();
        let (op, action) = match status.as_str() {
            "accepted" => (Operation::Accept { images: vec![image.to_string()] }, Action::Accept),
            "rejected" => (Operation::Reject { images: vec![image.to_string()] }, Action::Reject),
            _ => return Err(self.malformed()),
        };
        // Only the member sets its own status; the owner asking is the engine's to refuse.
        if member != self.project && self.image_owner(image) != Some(self.account_ix) {
            return Err(self.refuse_as(K::NotFound, Action::Describe));
        }
        if let Err(f) = self.apply(op) {
            return Err(self.failed(&f, action));
        }
        match self.member_of(image, self.account_ix) {
            Some(m) => Ok(ok(m)),
            None => Err(self.refuse_as(K::NotShared, action)),
        }
    }

    pub(super) fn delete_member(&mut self, image: &str, member: &str) -> Reply {
        let op = Operation::CancelShare { image: image.to_string(), recipients: vec![member.to_string()] };
        match self.apply(op) {
            Ok(_) => Ok(HttpResponse::empty(204)),
            Err(f) => Err(self.failed(&f, Action::CancelShare)),
        }
    }
}

// ----- shapes ------------------------------------------------------------------------------

pub(super) fn status_name(s: ShareStatus) -> &'static str {
    match s {
        ShareStatus::Pending => "pending",
        ShareStatus::Accepted | ShareStatus::Active => "accepted",
        ShareStatus::Rejected => "rejected",
    }
}

pub(super) fn member_json(image: &str, project: &str, status: ShareStatus, since: &str) -> Value {
    json!({
        "status": status_name(status), "created_at": since, "updated_at": since, "image_id": image,
        "member_id": project, "schema": "/v2/schemas/member", "member_type": "project",
    })
}
