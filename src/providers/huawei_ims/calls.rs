//! How `sharesim run --via http` calls this provider: engine requests as the official SDK
//! (huaweicloudsdkims) would send them (see `wire::call`).
//!
//! The SDK acts in one project (`X-Project-Id`), which fixes the region of the call, so every
//! request names the actor's project in the call's region. Member operations are jobs: the
//! batch call answers `{"job_id"}` and a refusal that concerns the members is only in the job's
//! result, so the client queries the job as the SDK scripts do.
//!
//! Launches, OS reinstalls and changes, server listings and deletions go through ECS's API
//! (huaweicloudsdkecs), images from a server and images without one (imported from an OBS
//! file) through IMS's CreateImage, and key grants through
//! KMS (huaweicloudsdkkms), all on the same listener; ECS's and IMS's calls are jobs too.

use serde_json::{Value, json};

use crate::engine::{Action, EncryptionSpec, ImageKind, Operation, Product, Request, ShareOptions, Visibility};
use crate::providers::huawei_gateway::{seen_error, signed_request};
use crate::rules::IdentityKind;
use crate::wire::call::{Caller, SeenError, Sent, Transport};
use crate::wire::{HttpResponse, codec};

/// Engine actions this provider's API does not carry in sharesim, with the reason; these go
/// through the admin route (see `scenario::via_http::not_carried`).
pub const NOT_CARRIED: &[(Action, &str)] = &[
    (Action::SetVisibility, "IMS has no call that makes a private image public"),
    (Action::StopInstance, "stopping servers is ECS's batch action API, which sharesim does not serve"),
    (Action::ListMyShared, "IMS lists no images by 'shared by me'; the adapter serves no such listing"),
];

/// Performs `req` over IMS's API in the caller's project of the call's region.
pub fn perform(req: &Request, caller: &Caller<'_>, transport: &mut dyn Transport) -> Result<Sent, String> {
    let region = caller.region;
    let project = caller
        .directory
        .identity(caller.actor, IdentityKind::ProjectId, Some(region))
        .map(str::to_string)
        .ok_or_else(|| format!("`{}` has no project in region {region}", caller.actor))?;
    let call = Call { caller, project: &project };
    let (method, target, body) = match &req.op {
        Operation::Share { images, recipients, options } => {
            if *options != ShareOptions::default() {
                return Ok(Sent::Inexpressible { why: "BatchAddMembers takes no validity, description or permission" });
            }
            let body = json!({ "images": images, "projects": recipients });
            return call.job(transport, "POST", "/v1/cloudimages/members", &body);
        }
        Operation::CancelShare { image, recipients } => {
            let body = json!({ "images": [image], "projects": recipients });
            return call.job(transport, "DELETE", "/v1/cloudimages/members", &body);
        }
        Operation::Accept { images } | Operation::Reject { images } => {
            let status = if matches!(req.op, Operation::Accept { .. }) { "accepted" } else { "rejected" };
            let body = json!({ "images": images, "project_id": project, "status": status });
            return call.job(transport, "PUT", "/v1/cloudimages/members", &body);
        }
        Operation::Copy { image, to_region, name, own_key } => {
            let dest = caller.directory.resolve_region(to_region);
            let source = caller.directory.image(image);
            // The engine names a copy after its source when no name is given; the API needs one.
            let name = name.clone().or_else(|| source.map(|i| i.name.clone())).unwrap_or_default();
            let image = codec::encode(image);
            if dest.is_some() && dest == source.map(|i| i.region) {
                // Within the region: CopyImageInRegion, which re-encrypts with the caller's key.
                let mut body = json!({ "name": name });
                if *own_key {
                    body["cmk_id"] = json!(format!("own-key-of-{}", caller.actor));
                }
                return call.job(transport, "POST", &format!("/v1/cloudimages/{image}/copy"), &body);
            }
            if *own_key {
                return Ok(Sent::Inexpressible { why: "CopyImageCrossRegion takes no key of the caller's" });
            }
            let region_id = caller.region_id(to_region);
            let body = json!({
                "name": name, "region": region_id, "project_name": region_id, "agency_name": "ims_admin_agency",
            });
            return call.job(transport, "POST", &format!("/v1/cloudimages/{image}/cross_region_copy"), &body);
        }
        Operation::ListShares { image } => {
            ("GET", format!("/v1/{project}/cloudimages/{}/members", codec::encode(image)), None)
        }
        Operation::ListSharedWithMe => {
            ("GET", "/v2/cloudimages?__imagetype=shared&member_status=all&visibility=shared".to_string(), None)
        }
        Operation::ListImages => ("GET", format!("/v2/cloudimages?owner={project}"), None),
        Operation::Describe { image } => ("GET", format!("/v2/images/{}", codec::encode(image)), None),
        Operation::Modify { image, name, description } => {
            let mut patch = Vec::new();
            if let Some(n) = name {
                patch.push(json!({ "op": "replace", "path": "/name", "value": n }));
            }
            if let Some(d) = description {
                patch.push(json!({ "op": "replace", "path": "/__description", "value": d }));
            }
            ("PATCH", format!("/v2/images/{}", codec::encode(image)), Some(Value::Array(patch)))
        }
        Operation::Delete { image } => {
            ("DELETE", format!("/v2/images/{}", codec::encode(image)), Some(json!({ "delete_backup": false })))
        }
        Operation::Quota => ("GET", "/v1/cloudimages/quota".to_string(), None),
        Operation::CreateImage(new) => {
            let (body, why) = match &new.from {
                Some(server) => (
                    json!({ "name": new.name, "instance_id": server, "description": new.description }),
                    "IMS CreateImage from a server takes no encryption, visibility, kind or creation time",
                ),
                // No server: an image imported from an OBS file. The file is not modelled, so
                // any well-formed `<bucket>:<file>` names it.
                None => (
                    json!({
                        "name": new.name, "description": new.description,
                        "image_url": format!("{IMPORT_BUCKET}:{}.qcow2", new.name),
                        "min_disk": 40, "os_version": IMPORT_OS, "type": "ECS",
                    }),
                    "an IMS import from OBS makes a private system-disk image, ready when its job ends; \
                     a key it names (cmk_id) cannot become the key the engine makes",
                ),
            };
            if new.encryption != EncryptionSpec::None
                || new.visibility != Visibility::Private
                || new.kind != ImageKind::SystemDisk
                || new.ready_after > 0
            {
                return Ok(Sent::Inexpressible { why });
            }
            // The image is made where the step says, by the project of that region. An import
            // has no server whose region could stand in for one the provider does not have.
            let region = match caller.directory.resolve_region(&new.region) {
                Some(r) => r,
                None if new.from.is_some() => region,
                None => {
                    return Ok(Sent::Inexpressible {
                        why: "an IMS import is made in the region of its project; the step names no region IMS has",
                    });
                }
            };
            let project = caller
                .directory
                .identity(caller.actor, IdentityKind::ProjectId, Some(region))
                .ok_or_else(|| format!("`{}` has no project in region {region}", caller.actor))?;
            return Call { caller, project }.job(transport, "POST", "/v2/cloudimages/action", &body);
        }
        Operation::Launch { image, product } => {
            if *product != Product::Cvm {
                return Ok(Sent::Inexpressible { why: "ECS has no Lighthouse: its servers are ECS servers" });
            }
            let body = json!({ "server": {
                "imageRef": image, "flavorRef": "s6.small.1", "name": format!("{}-server", caller.actor),
                "vpcid": "sharesim-vpc", "nics": [{ "subnet_id": "sharesim-subnet" }],
                "root_volume": { "volumetype": "SSD" }, "count": 1,
            } });
            return call.job(transport, "POST", &format!("/v1/{project}/cloudservers"), &body);
        }
        Operation::ReinitDisk { instance } => {
            let body = json!({ "os-reinstall": { "adminpass": ADMIN_PASS, "mode": "withStopServer" } });
            let target = format!("/v2/{project}/cloudservers/{}/reinstallos", codec::encode(instance));
            return call.job(transport, "POST", &target, &body);
        }
        Operation::ReplaceSystemDisk { instance, image } => {
            let body = json!({ "os-change": { "adminpass": ADMIN_PASS, "imageid": image, "mode": "withStopServer" } });
            let target = format!("/v2/{project}/cloudservers/{}/changeos", codec::encode(instance));
            return call.job(transport, "POST", &target, &body);
        }
        Operation::ListInstances => ("GET", format!("/v1/{project}/cloudservers/detail"), None),
        Operation::DeleteInstance { instance } => {
            let body = json!({ "servers": [{ "id": instance }], "delete_publicip": false, "delete_volume": true });
            return call.job(transport, "POST", &format!("/v1/{project}/cloudservers/delete"), &body);
        }
        Operation::AuthorizeKey { image, recipient } | Operation::RevokeKey { image, recipient } => {
            let Some(key) = caller.directory.image(image).and_then(|i| i.key.clone()) else {
                return Ok(Sent::Inexpressible { why: "KMS grants name a key; the image has no custom key" });
            };
            let Some(domain) = grantee(caller, image, recipient) else {
                return Ok(Sent::Inexpressible {
                    why: "KMS grants name an account (domain ID); the step names no project of the image's region",
                });
            };
            if matches!(req.op, Operation::AuthorizeKey { .. }) {
                let body = json!({
                    "key_id": key, "grantee_principal": domain, "grantee_principal_type": "domain",
                    "operations": ["describe-key", "create-datakey", "decrypt-datakey"],
                });
                ("POST", format!("/v1.0/{project}/kms/create-grant"), Some(body))
            } else {
                // A real client reads the grant ID from CreateGrant's answer or ListGrants; here
                // it is a stable function of key and grantee (`kms::grant_id`), so the client
                // derives it instead of keeping one.
                let body = json!({ "key_id": key, "grant_id": super::kms::grant_id(&key, &domain) });
                ("POST", format!("/v1.0/{project}/kms/revoke-grant"), Some(body))
            }
        }
        Operation::ListKeyGrants { image } => {
            let Some(key) = caller.directory.image(image).and_then(|i| i.key.clone()) else {
                return Ok(Sent::Inexpressible { why: "KMS grants name a key; the image has no custom key" });
            };
            ("POST", format!("/v1.0/{project}/kms/list-grants"), Some(json!({ "key_id": key })))
        }
        _ => return Ok(Sent::NoApi),
    };
    let resp = call.send(transport, method, &target, body.as_ref())?;
    Ok(Sent::Api { error: seen_error(&resp)? })
}

/// The OBS bucket an image without a server is imported from (`image_url`), and its OS.
const IMPORT_BUCKET: &str = "sharesim-images";
const IMPORT_OS: &str = "Ubuntu 22.04 server 64bit";

/// The password a reinstall or OS change sets (ECS requires a password or a key pair).
const ADMIN_PASS: &str = "Sharesim@2026";

/// The domain ID of the account whose project in the image's region `recipient` is: KMS
/// grants to the account, the engine names the recipient by that project.
fn grantee(caller: &Caller<'_>, image: &str, recipient: &str) -> Option<String> {
    let region = caller.directory.image(image)?.region;
    let (name, id) = caller.directory.account_of(recipient.trim())?;
    if id.kind != IdentityKind::ProjectId || id.region != Some(region) {
        return None;
    }
    caller.directory.identity(name, IdentityKind::DomainId, None).map(str::to_string)
}

/// One step's calls: who signs, and the project they act in.
struct Call<'a> {
    caller: &'a Caller<'a>,
    project: &'a str,
}

impl Call<'_> {
    fn send(
        &self,
        transport: &mut dyn Transport,
        method: &str,
        target: &str,
        body: Option<&Value>,
    ) -> Result<HttpResponse, String> {
        let req = signed_request(self.caller, Some(self.project), method, target, body);
        transport.send(req)
    }

    /// A batch call and then its job: the batch's own refusal, else the job's.
    fn job(&self, transport: &mut dyn Transport, method: &str, target: &str, body: &Value) -> Result<Sent, String> {
        let resp = self.send(transport, method, target, Some(body))?;
        if let Some(error) = seen_error(&resp)? {
            return Ok(Sent::Api { error: Some(error) });
        }
        let json = resp.json_body().ok_or_else(|| format!("{method} {target} answered no JSON"))?;
        let job_id = json["job_id"].as_str().ok_or_else(|| format!("{method} {target} answered no job_id: {json}"))?;
        let query = format!("/v1/{}/jobs/{}", self.project, codec::encode(job_id));
        let resp = self.send(transport, "GET", &query, None)?;
        if let Some(error) = seen_error(&resp)? {
            return Ok(Sent::Api { error: Some(error) });
        }
        let job = resp.json_body().ok_or_else(|| format!("job {job_id} answered no JSON"))?;
        match job["status"].as_str() {
            Some("SUCCESS") => Ok(Sent::Api { error: None }),
            Some("FAIL") => {
                let code =
                    job["error_code"].as_str().ok_or_else(|| format!("failed job {job_id} has no error_code"))?;
                Ok(Sent::Api { error: Some(SeenError { code: code.to_string(), status: None }) })
            }
            other => Err(format!("job {job_id} is not finished: status {other:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::EPOCH_START;
    use crate::engine::Validity;
    use crate::providers::Provider;
    use crate::providers::huawei_gateway::verify;
    use crate::testkit::Wire;
    use crate::wire::{HttpRequest, KeyStore};

    const P: Provider = Provider::HuaweiIms;
    const NOW: u64 = EPOCH_START + 60;

    /// `owner` with image `base` in home; `alice` and `bob`.
    fn world() -> (Wire, KeyStore, String) {
        let mut w = Wire::new(P, NOW);
        let image = w.image("base");
        let keys = w.keys.clone();
        (w, keys, image)
    }

    /// Performs `op` as `actor` in region `region` through `t`.
    fn perform_as(t: &mut Wire, actor: &str, region: usize, op: Operation) -> Sent {
        t.perform(perform, actor, region, op)
    }

    fn pid(t: &Wire, account: &str, region: usize) -> String {
        crate::providers::huawei_gateway::project_id(t.ep.engine(), account, region).unwrap()
    }

    fn body(req: &HttpRequest) -> Value {
        serde_json::from_slice(&req.body).unwrap()
    }

    fn share(image: &str, to: &str) -> Operation {
        Operation::Share { images: vec![image.into()], recipients: vec![to.into()], options: Default::default() }
    }

    #[test]
    fn a_share_is_a_signed_batch_then_its_job() {
        let (mut t, keys, img) = world();
        let (owner, alice) = (pid(&t, "owner", 0), pid(&t, "alice", 0));
        assert_eq!(perform_as(&mut t, "owner", 0, share(&img, &alice)), Sent::Api { error: None });
        let [add, job] = t.sent.as_slice() else { panic!("{:?}", t.sent) };
        assert_eq!((add.method.as_str(), add.target.as_str()), ("POST", "/v1/cloudimages/members"));
        assert_eq!(body(add), json!({ "images": [img], "projects": [alice] }));
        assert_eq!(add.get("X-Project-Id").as_deref(), Some(owner.as_str()));
        assert!(job.target.starts_with(&format!("/v1/{owner}/jobs/")), "{}", job.target);
        for req in &t.sent {
            assert_eq!(verify(&keys, req, NOW, true).map(|c| c.account), Ok("owner".into()));
        }
        assert!(t.ep.engine().state().images[0].shares.len() == 1, "the share was made");
    }

    #[test]
    fn refusals_are_read_from_the_job_or_the_batch() {
        let (mut t, _, img) = world();
        // A project of another region: the job fails.
        let bob_away = pid(&t, "bob", 1);
        let sent = perform_as(&mut t, "owner", 0, share(&img, &bob_away));
        assert_eq!(sent, Sent::Api { error: Some(SeenError { code: "IMG.0108".into(), status: None }) });
        assert_eq!(t.sent.len(), 2, "the job was queried");
        // An image alice cannot see: the batch itself is refused.
        let bob = pid(&t, "bob", 0);
        let sent = perform_as(&mut t, "alice", 0, share(&img, &bob));
        assert_eq!(sent, Sent::Api { error: Some(SeenError { code: "IMG.0027".into(), status: Some(400) }) });
        assert_eq!(t.sent.len(), 1, "no job to query");
    }

    #[test]
    fn cancel_accept_and_listings_name_their_routes() {
        let (mut t, _, img) = world();
        let (owner, alice) = (pid(&t, "owner", 0), pid(&t, "alice", 0));
        perform_as(&mut t, "owner", 0, share(&img, &alice));
        let accepted = perform_as(&mut t, "alice", 0, Operation::Accept { images: vec![img.clone()] });
        assert_eq!(accepted, Sent::Api { error: None });
        assert_eq!(t.sent[0].method, "PUT");
        assert_eq!(body(&t.sent[0]), json!({ "images": [img], "project_id": alice, "status": "accepted" }));
        perform_as(&mut t, "alice", 0, Operation::ListSharedWithMe);
        assert_eq!(t.sent[0].target, "/v2/cloudimages?__imagetype=shared&member_status=all&visibility=shared");
        perform_as(&mut t, "owner", 0, Operation::ListShares { image: img.clone() });
        assert_eq!(t.sent[0].target, format!("/v1/{owner}/cloudimages/{img}/members"));
        let cancel = Operation::CancelShare { image: img.clone(), recipients: vec![alice.clone()] };
        assert_eq!(perform_as(&mut t, "owner", 0, cancel), Sent::Api { error: None });
        assert_eq!(
            (t.sent[0].method.as_str(), body(&t.sent[0])),
            ("DELETE", json!({ "images": [img], "projects": [alice] }))
        );
        assert!(t.ep.engine().state().images[0].shares.is_empty(), "the member was removed");
    }

    #[test]
    fn what_the_api_cannot_say_sends_nothing() {
        let (mut t, _, img) = world();
        let alice = pid(&t, "alice", 0);
        let options = ShareOptions { validity: Some(Validity::Forever), ..Default::default() };
        let op = Operation::Share { images: vec![img.clone()], recipients: vec![alice], options };
        assert!(matches!(perform_as(&mut t, "owner", 0, op), Sent::Inexpressible { .. }));
        let far = Operation::Copy { image: img, to_region: "away".into(), name: None, own_key: true };
        assert!(matches!(perform_as(&mut t, "owner", 0, far), Sent::Inexpressible { .. }));
        assert_eq!(perform_as(&mut t, "owner", 0, Operation::ListMyShared), Sent::NoApi);
        assert!(t.sent.is_empty());
    }

    #[test]
    fn copies_in_and_across_regions_take_their_own_apis() {
        let (mut t, _, img) = world();
        let here = Operation::Copy { image: img.clone(), to_region: "home".into(), name: None, own_key: true };
        assert_eq!(perform_as(&mut t, "owner", 0, here), Sent::Api { error: None });
        assert_eq!(t.sent[0].target, format!("/v1/cloudimages/{img}/copy"));
        assert_eq!(body(&t.sent[0])["name"], "base", "named after its source");
        let away =
            Operation::Copy { image: img.clone(), to_region: "away".into(), name: Some("c".into()), own_key: false };
        assert_eq!(perform_as(&mut t, "owner", 0, away), Sent::Api { error: None });
        assert_eq!(t.sent[0].target, format!("/v1/cloudimages/{img}/cross_region_copy"));
        assert_eq!(body(&t.sent[0])["region"], "cn-east-3");
        assert_eq!(t.ep.engine().state().images.len(), 3);
    }

    fn launched(t: &mut Wire, actor: &str, image: &str) -> String {
        let op = Operation::Launch { image: image.into(), product: Product::Cvm };
        assert_eq!(perform_as(t, actor, 0, op), Sent::Api { error: None });
        let state = t.ep.engine().state();
        state.instances.last().map(|i| i.id.clone()).expect("a server was made")
    }

    #[test]
    fn servers_and_images_from_them_go_through_ecs_and_ims() {
        let (mut t, _, img) = world();
        let owner = pid(&t, "owner", 0);
        let vm = launched(&mut t, "owner", &img);
        let [create, job] = t.sent.as_slice() else { panic!("{:?}", t.sent) };
        assert_eq!(create.target, format!("/v1/{owner}/cloudservers"));
        assert_eq!(body(create)["server"]["imageRef"], img.as_str());
        assert!(job.target.starts_with(&format!("/v1/{owner}/jobs/")), "{}", job.target);
        let reinit = Operation::ReinitDisk { instance: vm.clone() };
        assert_eq!(perform_as(&mut t, "owner", 0, reinit), Sent::Api { error: None });
        assert_eq!(t.sent[0].target, format!("/v2/{owner}/cloudservers/{vm}/reinstallos"));
        let change = Operation::ReplaceSystemDisk { instance: vm.clone(), image: img.clone() };
        assert_eq!(perform_as(&mut t, "owner", 0, change), Sent::Api { error: None });
        assert_eq!(body(&t.sent[0])["os-change"]["imageid"], img.as_str());
        // An image from the server: IMS CreateImage, then its job.
        let new = crate::engine::NewImage {
            name: "golden".into(),
            region: "home".into(),
            from: Some(vm.clone()),
            ..Default::default()
        };
        assert_eq!(perform_as(&mut t, "owner", 0, Operation::CreateImage(new.clone())), Sent::Api { error: None });
        assert_eq!(
            (t.sent[0].target.as_str(), body(&t.sent[0])["instance_id"].as_str()),
            ("/v2/cloudimages/action", Some(vm.as_str()))
        );
        // Someone else's server: the IMS refusal, at once.
        let sent = perform_as(&mut t, "alice", 0, Operation::CreateImage(new.clone()));
        assert_eq!(sent, Sent::Api { error: Some(SeenError { code: "IMG.0005".into(), status: Some(400) }) });
        // A stranger's launch: the job fails.
        let op = Operation::Launch { image: img.clone(), product: Product::Cvm };
        let Sent::Api { error: Some(e) } = perform_as(&mut t, "bob", 0, op) else { panic!("refused") };
        assert_eq!(e.status, None, "reported by the job: {e:?}");
        // What ECS/IMS cannot say.
        let full = crate::engine::NewImage { kind: ImageKind::FullServer, ..new };
        assert!(matches!(perform_as(&mut t, "owner", 0, Operation::CreateImage(full)), Sent::Inexpressible { .. }));
        let lh = Operation::Launch { image: img.clone(), product: Product::Lighthouse };
        assert!(matches!(perform_as(&mut t, "owner", 0, lh), Sent::Inexpressible { .. }));
        // Listing and deleting.
        assert_eq!(perform_as(&mut t, "owner", 0, Operation::ListInstances), Sent::Api { error: None });
        assert_eq!(t.sent[0].target, format!("/v1/{owner}/cloudservers/detail"));
        let delete = Operation::DeleteInstance { instance: vm.clone() };
        assert_eq!(perform_as(&mut t, "owner", 0, delete.clone()), Sent::Api { error: None });
        let sent = perform_as(&mut t, "owner", 0, delete);
        assert_eq!(sent, Sent::Api { error: Some(SeenError { code: "Ecs.0114".into(), status: Some(404) }) });
    }

    #[test]
    fn an_image_without_a_server_is_imported_from_obs() {
        let (mut t, _, _) = world();
        let away = pid(&t, "owner", 1);
        let new = crate::engine::NewImage {
            name: "golden".into(),
            region: "away".into(),
            description: "no server".into(),
            ..Default::default()
        };
        assert_eq!(perform_as(&mut t, "owner", 0, Operation::CreateImage(new.clone())), Sent::Api { error: None });
        let [import, job] = t.sent.as_slice() else { panic!("{:?}", t.sent) };
        assert_eq!(import.target, "/v2/cloudimages/action");
        assert_eq!(import.get("X-Project-Id").as_deref(), Some(away.as_str()), "the project of the step's region");
        let b = body(import);
        assert_eq!(
            (b["image_url"].as_str(), b["min_disk"].as_u64(), b.get("instance_id")),
            (Some("sharesim-images:golden.qcow2"), Some(40), None)
        );
        assert!(job.target.starts_with(&format!("/v1/{away}/jobs/")), "{}", job.target);
        let made = t.ep.engine().state().images.last().map(|i| (i.name.clone(), i.region, i.description.clone()));
        assert_eq!(made, Some(("golden".into(), 1, "no server".into())));
        // What the import cannot say: nothing is sent.
        let unsayable = [
            crate::engine::NewImage { encryption: EncryptionSpec::CustomKey, ..new.clone() },
            crate::engine::NewImage { encryption: EncryptionSpec::DefaultKey, ..new.clone() },
            crate::engine::NewImage { visibility: Visibility::Public, ..new.clone() },
            crate::engine::NewImage { kind: ImageKind::FullServer, ..new.clone() },
            crate::engine::NewImage { ready_after: 60, ..new.clone() },
            crate::engine::NewImage { region: "mars".into(), ..new },
        ];
        for n in unsayable {
            assert!(matches!(perform_as(&mut t, "owner", 0, Operation::CreateImage(n)), Sent::Inexpressible { .. }));
        }
        assert!(t.sent.is_empty());
    }

    #[test]
    fn key_grants_go_through_kms_by_the_recipients_domain() {
        let (mut t, _, plain) = world();
        let new = crate::engine::NewImage {
            name: "secret".into(),
            region: "home".into(),
            encryption: EncryptionSpec::CustomKey,
            ..Default::default()
        };
        let mut engine = t.ep.engine().clone();
        let Ok(crate::engine::Output::ImageCreated { image, .. }) =
            engine.apply(&Request::new("owner", Operation::CreateImage(new)))
        else {
            panic!("image")
        };
        t.ep.replace_engine(engine);
        let (owner, alice) = (pid(&t, "owner", 0), pid(&t, "alice", 0));
        let domain = t.ep.engine().identity_of("alice", IdentityKind::DomainId, "home").unwrap();
        let grant = Operation::AuthorizeKey { image: image.clone(), recipient: alice.clone() };
        assert_eq!(perform_as(&mut t, "owner", 0, grant), Sent::Api { error: None });
        assert_eq!(t.sent[0].target, format!("/v1.0/{owner}/kms/create-grant"));
        assert_eq!(body(&t.sent[0])["grantee_principal"], domain.as_str());
        assert_eq!(t.ep.engine().state().key_grants.len(), 1);
        let listed = Operation::ListKeyGrants { image: image.clone() };
        assert_eq!(perform_as(&mut t, "owner", 0, listed), Sent::Api { error: None });
        // Alice is not the key's owner: KMS's refusal.
        let by_alice = Operation::AuthorizeKey { image: image.clone(), recipient: pid(&t, "bob", 0) };
        let sent = perform_as(&mut t, "alice", 0, by_alice);
        assert_eq!(sent, Sent::Api { error: Some(SeenError { code: "KMS.0205".into(), status: Some(400) }) });
        let revoke = Operation::RevokeKey { image: image.clone(), recipient: alice.clone() };
        assert_eq!(perform_as(&mut t, "owner", 0, revoke), Sent::Api { error: None });
        assert_eq!(t.sent[0].target, format!("/v1.0/{owner}/kms/revoke-grant"));
        assert!(t.ep.engine().state().key_grants.is_empty(), "the grant was revoked");
        // No key, or a recipient KMS cannot name: inexpressible, nothing sent.
        let no_key = Operation::AuthorizeKey { image: plain, recipient: alice };
        assert!(matches!(perform_as(&mut t, "owner", 0, no_key), Sent::Inexpressible { .. }));
        let far = Operation::AuthorizeKey { image, recipient: pid(&t, "alice", 1) };
        assert!(matches!(perform_as(&mut t, "owner", 0, far), Sent::Inexpressible { .. }));
        assert!(t.sent.is_empty());
    }
}
