//! IAM's (Keystone's) project listing, `GET /v3/projects?name={region}`, which the SDK calls when
//! it is given a region instead of a project ID.

use serde_json::{Value, json};

use crate::providers::huawei_gateway as gateway;
use crate::wire::HttpRequest;

use super::SPEC;
use super::api::{Cx, Query, Reply, ok};

impl Cx<'_> {
    /// IAM `GET /v3/projects?name={region}`: the caller's projects, for the SDK's project lookup.
    pub(super) fn list_projects(&mut self, req: &HttpRequest) -> Reply {
        let q = Query::parse(req.query());
        let engine = self.ep.engine();
        let domain = engine
            .identity_of(&self.account, crate::rules::IdentityKind::DomainId, SPEC.regions[0].id)
            .unwrap_or_default();
        let projects: Vec<Value> = SPEC
            .regions
            .iter()
            .enumerate()
            .filter(|(_, r)| q.get("name").is_none_or(|n| n == r.id))
            .filter_map(|(i, r)| {
                let id = gateway::project_id(engine, &self.account, i)?;
                Some(json!({
                    "id": id, "name": r.id, "domain_id": domain, "parent_id": domain, "enabled": true,
                    "is_domain": false, "description": "", "links": { "self": format!("/v3/projects/{id}") },
                }))
            })
            .collect();
        Ok(ok(json!({ "projects": projects, "links": { "self": "/v3/projects", "next": null, "previous": null } })))
    }
}
