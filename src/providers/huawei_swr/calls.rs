//! How `sharesim run --via http` calls this provider: engine requests as the official SDK
//! (huaweicloudsdkswr) would send them (see `wire::call`).
//!
//! SWR names a repository by namespace and name in the path, and a share (an access domain) by
//! one recipient account per request, always with a permit and a deadline. Requests carry the
//! actor's project of the call's region, as the SDK does when given one.

use serde_json::{Value, json};

use super::{api, identity};
use crate::clock::{iso8601, parse_iso8601};
use crate::engine::{Action, EncryptionSpec, ImageKind, Operation, Request, ShareOptions, Validity, Visibility};
use crate::providers::huawei_gateway::{seen_error, signed_request};
use crate::rules::IdentityKind;
use crate::wire::call::{Caller, Sent, Transport};
use crate::wire::codec;

/// Engine actions this provider's API does not carry in sharesim, with the reason; these go
/// through the admin route (see `scenario::via_http::not_carried`).
pub const NOT_CARRIED: &[(Action, &str)] = &[
    (Action::Accept, "SWR shares need no acceptance; there is no API to accept one"),
    (Action::Reject, "SWR shares need no acceptance; there is no API to reject one"),
    (Action::ListImages, "the adapter serves no repository listing (ListRepos)"),
];

/// Performs `req` over SWR's API in the caller's project of the call's region.
pub fn perform(req: &Request, caller: &Caller<'_>, transport: &mut dyn Transport) -> Result<Sent, String> {
    let mut region = caller.region;
    let repo_path = |image: &str| segments(image).map(|(ns, repo)| format!("/v2/manage/namespaces/{ns}/repos/{repo}"));
    let domains_path = |image: &str| {
        segments(image).map(|(ns, repo)| format!("/v2/manage/namespaces/{ns}/repositories/{repo}/access-domains"))
    };
    let (method, target, body) = match &req.op {
        Operation::CreateImage(new) => {
            // CreateRepo makes the repository in the region of the call, public or not; SWR has
            // no build time, encryption or full-server repositories.
            let plain =
                new.ready_after == 0 && new.encryption == EncryptionSpec::None && new.kind == ImageKind::default();
            if !plain {
                return Ok(Sent::Inexpressible { why: "CreateRepo makes a ready, unencrypted repository" });
            }
            if !api::valid_repository(&new.name) {
                return Ok(Sent::Inexpressible { why: "CreateRepo takes only names SWR accepts as they are" });
            }
            let Some(r) = caller.directory.resolve_region(&new.region) else {
                return Ok(Sent::Inexpressible { why: "CreateRepo is made in a region the provider has" });
            };
            region = r;
            let body = json!({
                "repository": new.name, "is_public": new.visibility == Visibility::Public,
                "category": "other", "description": new.description,
            });
            let ns = codec::encode(&identity::namespace(caller.actor));
            ("POST", Some(format!("/v2/manage/namespaces/{ns}/repos")), Some(body))
        }
        Operation::Share { images, recipients, options } => {
            let ([image], [recipient]) = (images.as_slice(), recipients.as_slice()) else {
                return Ok(Sent::Inexpressible { why: "CreateRepoDomains shares one repository with one account" });
            };
            let mut body = share_body(options, options.validity.unwrap_or(Validity::Forever));
            body["access_domain"] = json!(recipient);
            ("POST", domains_path(image), Some(body))
        }
        Operation::ModifyShare { image, recipient, options } => {
            let target = domains_path(image).map(|p| format!("{p}/{}", codec::encode(recipient)));
            // UpdateRepoDomains always sets a deadline; keeping the share's own means reading it
            // first (ShowAccessDomain), as a client of the SDK would.
            let validity = match (options.validity, &target) {
                (Some(v), _) => v,
                (None, Some(t)) => match current_validity(caller, region, t, transport)? {
                    Some(Validity::Until(end)) if end <= caller.directory.now() => {
                        return Ok(Sent::Inexpressible {
                            why: "UpdateRepoDomains cannot keep a deadline that has passed",
                        });
                    }
                    Some(v) => v,
                    // No such share to read: the update is refused whatever it says.
                    None => Validity::Forever,
                },
                (None, None) => Validity::Forever,
            };
            ("PATCH", target, Some(share_body(options, validity)))
        }
        Operation::CancelShare { image, recipients } => {
            let [recipient] = recipients.as_slice() else {
                return Ok(Sent::Inexpressible { why: "DeleteRepoDomains removes one account's access" });
            };
            ("DELETE", domains_path(image).map(|p| format!("{p}/{}", codec::encode(recipient))), None)
        }
        Operation::ListShares { image } => ("GET", domains_path(image), None),
        Operation::ListSharedWithMe => {
            ("GET", Some("/v2/manage/shared-repositories?center=thirdparty".to_string()), None)
        }
        Operation::ListMyShared => ("GET", Some("/v2/manage/shared-repositories?center=self".to_string()), None),
        Operation::Describe { image } => ("GET", repo_path(image), None),
        Operation::Modify { image, name, description } => {
            if name.is_some() {
                return Ok(Sent::Inexpressible { why: "UpdateRepo cannot rename a repository" });
            }
            let body = match description {
                Some(d) => json!({ "description": d }),
                None => json!({}),
            };
            ("PATCH", repo_path(image), Some(body))
        }
        Operation::SetVisibility { image, visibility } => {
            ("PATCH", repo_path(image), Some(json!({ "is_public": *visibility == Visibility::Public })))
        }
        Operation::Delete { image } => ("DELETE", repo_path(image), None),
        // Pulls and pushes are the registry's (docker pull, docker push).
        Operation::Launch { .. } | Operation::Push { .. } => {
            return super::registry::client::perform(req, caller, transport);
        }
        _ => return Ok(Sent::NoApi),
    };
    let Some(target) = target else {
        return Ok(Sent::Inexpressible { why: "SWR addresses a repository as namespace/name" });
    };
    let project = caller
        .directory
        .identity(caller.actor, IdentityKind::ProjectId, Some(region))
        .map(str::to_string)
        .ok_or_else(|| format!("`{}` has no project in region {region}", caller.actor))?;
    let resp = transport.send(signed_request(caller, Some(&project), method, &target, body.as_ref()))?;
    Ok(Sent::Api { error: seen_error(&resp)? })
}

/// `permit`, `deadline` and `description` of a create or update body. SWR's only permit is
/// `read`, which a share without one is given.
fn share_body(options: &ShareOptions, validity: Validity) -> Value {
    let deadline = match validity {
        Validity::Forever => "forever".to_string(),
        Validity::Until(t) => iso8601(t).replace('Z', ".000Z"),
    };
    let mut body = json!({ "permit": options.permission.as_deref().unwrap_or("read"), "deadline": deadline });
    if let Some(d) = &options.description {
        body["description"] = json!(d);
    }
    body
}

/// The deadline of the access domain at `target`, read with ShowAccessDomain; `None` when the
/// caller cannot read it (no such share, or not the caller's to see).
fn current_validity(
    caller: &Caller<'_>,
    region: usize,
    target: &str,
    transport: &mut dyn Transport,
) -> Result<Option<Validity>, String> {
    let project = caller
        .directory
        .identity(caller.actor, IdentityKind::ProjectId, Some(region))
        .map(str::to_string)
        .ok_or_else(|| format!("`{}` has no project in region {region}", caller.actor))?;
    let resp = transport.send(signed_request(caller, Some(&project), "GET", target, None))?;
    if seen_error(&resp)?.is_some() {
        return Ok(None);
    }
    let body = resp.json_body().ok_or_else(|| format!("GET {target} answered no JSON"))?;
    match body["deadline"].as_str() {
        Some("forever") => Ok(Some(Validity::Forever)),
        Some(t) => parse_iso8601(t)
            .map(|end| Some(Validity::Until(end)))
            .ok_or_else(|| format!("GET {target}: `{t}` is not a deadline")),
        None => Err(format!("GET {target} answered no deadline: {body}")),
    }
}

/// An image ID `ns/repo` as path segments; a `/` inside the repository name is sent encoded,
/// so it stays in its segment. `None` for an ID no SWR path can address: one that names no
/// namespace (an image a scenario never made), or whose names the API refuses in a path.
fn segments(image: &str) -> Option<(String, String)> {
    let (ns, repo) = image.split_once('/')?;
    (api::valid_namespace(ns) && api::addressable_repository(repo)).then(|| (codec::encode(ns), codec::encode(repo)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::EPOCH_START;
    use crate::engine::{ErrorKind, Failure, NewImage};
    use crate::providers::Provider;
    use crate::providers::huawei_gateway::verify;
    use crate::testkit::Wire;
    use crate::wire::HttpRequest;
    use crate::wire::call::SeenError;

    const P: Provider = Provider::HuaweiSwr;
    const NOW: u64 = EPOCH_START + 60;

    fn world() -> Wire {
        Wire::new(P, NOW)
    }

    /// Performs `op` as `actor` through `t`, from home, and checks every request's signature.
    fn perform_as(t: &mut Wire, actor: &str, op: Operation) -> Sent {
        let sent = t.perform(perform, actor, 0, op);
        for req in &t.sent {
            assert_eq!(verify(&t.keys, req, NOW, true).map(|c| c.account), Ok(actor.to_string()));
        }
        sent
    }

    fn body(req: &HttpRequest) -> Value {
        serde_json::from_slice(&req.body).unwrap()
    }

    fn share(to: &str, options: ShareOptions) -> Operation {
        Operation::Share { images: vec!["ns-owner/app".into()], recipients: vec![to.into()], options }
    }

    /// `owner` creates `app` over the API.
    fn with_app() -> Wire {
        let mut t = world();
        let new = NewImage { name: "app".into(), region: "home".into(), ..Default::default() };
        assert_eq!(perform_as(&mut t, "owner", Operation::CreateImage(new)), Sent::Api { error: None });
        assert_eq!(t.sent[0].target, "/v2/manage/namespaces/ns-owner/repos");
        assert_eq!(body(&t.sent[0])["repository"], "app");
        t
    }

    #[test]
    fn a_share_is_one_access_domain_with_a_deadline() {
        let mut t = with_app();
        assert_eq!(perform_as(&mut t, "owner", share("alice", ShareOptions::default())), Sent::Api { error: None });
        let [req] = t.sent.as_slice() else { panic!("{:?}", t.sent) };
        assert_eq!(
            (req.method.as_str(), req.target.as_str()),
            ("POST", "/v2/manage/namespaces/ns-owner/repositories/app/access-domains")
        );
        assert_eq!(body(req), json!({ "access_domain": "alice", "permit": "read", "deadline": "forever" }));
        let project = crate::providers::huawei_gateway::project_id(t.ep.engine(), "owner", 0);
        assert_eq!(req.get("X-Project-Id").map(|v| v.into_owned()), project);
        let until = ShareOptions { validity: Some(Validity::Until(EPOCH_START + 86_400)), ..Default::default() };
        perform_as(&mut t, "owner", share("bob", until));
        assert_eq!(body(&t.sent[0])["deadline"], "2026-01-02T00:00:00.000Z");
    }

    #[test]
    fn a_refused_share_is_read_back() {
        let mut t = with_app();
        perform_as(&mut t, "owner", share("alice", ShareOptions::default()));
        let again = perform_as(&mut t, "owner", share("alice", ShareOptions::default()));
        let want = P.spec().wire(&Failure::plain(ErrorKind::AlreadyShared, ""), Action::Share);
        assert_eq!(again, Sent::Api { error: Some(SeenError { code: want.code.into(), status: Some(want.status) }) });
    }

    #[test]
    fn cancel_list_and_modify_name_their_routes() {
        let mut t = with_app();
        let until = ShareOptions { validity: Some(Validity::Until(EPOCH_START + 86_400)), ..Default::default() };
        perform_as(&mut t, "owner", share("alice", until));
        perform_as(&mut t, "alice", Operation::ListSharedWithMe);
        assert_eq!(t.sent[0].target, "/v2/manage/shared-repositories?center=thirdparty");
        perform_as(&mut t, "owner", Operation::ListShares { image: "ns-owner/app".into() });
        assert_eq!(t.sent[0].target, "/v2/manage/namespaces/ns-owner/repositories/app/access-domains");
        // A new description keeps the share's own deadline, read first with ShowAccessDomain.
        let options = ShareOptions { description: Some("d".into()), ..Default::default() };
        let modify = Operation::ModifyShare { image: "ns-owner/app".into(), recipient: "alice".into(), options };
        assert_eq!(perform_as(&mut t, "owner", modify.clone()), Sent::Api { error: None });
        let domain = "/v2/manage/namespaces/ns-owner/repositories/app/access-domains/alice";
        let [read, patch] = t.sent.as_slice() else { panic!("{:?}", t.sent) };
        assert_eq!((read.method.as_str(), read.target.as_str()), ("GET", domain));
        assert_eq!((patch.method.as_str(), patch.target.as_str()), ("PATCH", domain));
        assert_eq!(
            body(patch),
            json!({ "permit": "read", "deadline": "2026-01-02T00:00:00.000Z", "description": "d" })
        );
        // Once that deadline has passed, no update can keep it: nothing more is sent.
        t.ep.advance_clock(2 * 86_400);
        assert!(matches!(perform_as(&mut t, "owner", modify), Sent::Inexpressible { .. }));
        assert_eq!(t.sent.len(), 1, "only the read");
        let cancel = Operation::CancelShare { image: "ns-owner/app".into(), recipients: vec!["alice".into()] };
        assert_eq!(perform_as(&mut t, "owner", cancel), Sent::Api { error: None });
        assert_eq!(
            (t.sent[0].method.as_str(), t.sent[0].target.as_str()),
            ("DELETE", "/v2/manage/namespaces/ns-owner/repositories/app/access-domains/alice")
        );
        assert!(t.ep.engine().state().images[0].shares.is_empty());
    }

    #[test]
    fn what_the_api_cannot_say_sends_nothing() {
        let mut t = with_app();
        let two = Operation::Share {
            images: vec!["ns-owner/app".into()],
            recipients: vec!["alice".into(), "bob".into()],
            options: ShareOptions::default(),
        };
        assert!(matches!(perform_as(&mut t, "owner", two), Sent::Inexpressible { .. }));
        let nowhere = Operation::Describe { image: "<never made>".into() };
        assert!(matches!(perform_as(&mut t, "owner", nowhere), Sent::Inexpressible { .. }));
        assert_eq!(perform_as(&mut t, "owner", Operation::Quota), Sent::NoApi);
        assert!(t.sent.is_empty());
    }
}
