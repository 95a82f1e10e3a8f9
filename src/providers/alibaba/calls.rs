//! How `sharesim run --via http` calls this provider: engine requests as the provider's SDK
//! would send them (see `wire::call`). Every ECS call is an ACS3-signed `POST /?<params>`;
//! errors come back with a 4xx/5xx status and `{"Code", "Message", "RequestId"}`.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

use super::api::{QUOTA_LIMIT_ATTRIBUTE, QUOTA_USED_ATTRIBUTE, disk_of};
use super::client;
use crate::engine::{
    Action, EncryptionSpec, ImageKind, NewImage, Operation, Product, Request, ShareOptions, Visibility,
};
use crate::wire::HttpResponse;
use crate::wire::call::{Caller, SeenError, Sent, Transport};

/// Engine actions this provider's API does not carry in sharesim, with the reason; these go
/// through the admin route (see `scenario::via_http::not_carried`).
pub const NOT_CARRIED: &[(Action, &str)] = &[
    (Action::SetVisibility, "ECS has no call that makes a private image public"),
    (Action::Accept, "ECS shares need no acceptance: there is no accept call"),
    (Action::Reject, "ECS shares need no acceptance: there is no reject call"),
];

/// One step as ECS calls it, or why it does not cross the API.
enum Call {
    Api { action: &'static str, params: Vec<(String, String)> },
    NoApi,
    Inexpressible(&'static str),
}

/// The server refuses a reused `x-acs-signature-nonce`; a process-wide counter keeps them apart
/// even for identical requests signed in the same second.
static NONCE: AtomicU64 = AtomicU64::new(0);

/// Performs `req` over ECS's API: one call per step.
pub fn perform(req: &Request, caller: &Caller<'_>, transport: &mut dyn Transport) -> Result<Sent, String> {
    let (action, mut params) = match encode(req, caller) {
        Call::Api { action, params } => (action, params),
        Call::NoApi => return Ok(Sent::NoApi),
        Call::Inexpressible(why) => return Ok(Sent::Inexpressible { why }),
    };
    let region = match &req.op {
        // A new image is made in its own region, whatever the step's.
        // An image made from an instance without a region of its own is made in the
        // instance's (the call's region, which the runner takes from the instance).
        Operation::CreateImage(new) if !new.region.is_empty() => Some(caller.region_id(&new.region)),
        // The tea SDK names no region for calls on an instance or its disk: ECS takes the
        // instance's. A step made in a named region sends it, as the core SDK always does.
        Operation::StopInstance { .. }
        | Operation::DeleteInstance { .. }
        | Operation::ReinitDisk { .. }
        | Operation::ReplaceSystemDisk { .. }
            if req.region.is_none() =>
        {
            None
        }
        _ => Some(super::SPEC.regions.get(caller.region).ok_or("the call's region is not one of Alibaba's")?.id),
    };
    if let Some(region) = region {
        params.push(("RegionId".into(), region.into()));
    }
    let nonce = format!("sharesim-{}-{}", caller.now, NONCE.fetch_add(1, Ordering::Relaxed));
    let http = client::request(caller.host, action, &params, caller.key_id, caller.secret, caller.now, &nonce);
    let resp = transport.send(http)?;
    let mut error = read_error(&resp)?;
    // DescribeImages leaves an image the caller cannot see out of its answer instead of
    // refusing; the error table names that answer (`errors::ABSENT`).
    if let (Operation::Describe { image }, None) = (&req.op, &error)
        && !lists_image(&resp, image)?
    {
        error = Some(SeenError { code: super::errors::ABSENT.code.into(), status: Some(resp.status) });
    }
    Ok(Sent::Api { error })
}

fn encode(req: &Request, caller: &Caller<'_>) -> Call {
    let api = |action, params: &[(&str, &str)]| Call::Api {
        action,
        params: params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
    };
    match &req.op {
        Operation::CreateImage(new) => {
            // The image inherits the instance's disk (or the file's content), encryption
            // included; neither CreateImage nor ImportImage has a parameter that makes it
            // public, encrypted, a full-server image or slow to create.
            let plain = new.visibility == Visibility::Private
                && new.encryption == EncryptionSpec::None
                && new.kind == ImageKind::SystemDisk
                && new.ready_after == 0;
            let Some(instance) = &new.from else {
                if !plain {
                    return Call::Inexpressible(
                        "ImportImage takes a file, a name and a description: no visibility, encryption, kind or delay",
                    );
                }
                return import(new, caller);
            };
            if !plain {
                return Call::Inexpressible(
                    "CreateImage takes an instance, a name and a description: no visibility, encryption, kind or delay",
                );
            }
            with_instance(instance, || {
                let mut params = vec![("InstanceId", instance.as_str()), ("ImageName", new.name.as_str())];
                if !new.description.is_empty() {
                    params.push(("Description", new.description.as_str()));
                }
                api("CreateImage", &params)
            })
        }
        Operation::Share { images, recipients, options } => {
            if *options != ShareOptions::default() {
                return Call::Inexpressible("ModifyImageSharePermission takes no validity, description or permission");
            }
            let [image] = images.as_slice() else {
                return Call::Inexpressible("ModifyImageSharePermission names one image");
            };
            with_image(image, || accounts(image, "AddAccount", recipients))
        }
        Operation::CancelShare { image, recipients } => {
            with_image(image, || accounts(image, "RemoveAccount", recipients))
        }
        Operation::ListShares { image } => {
            with_image(image, || api("DescribeImageSharePermission", &[("ImageId", image), ("PageSize", "100")]))
        }
        Operation::ListSharedWithMe => api("DescribeImages", &[("ImageOwnerAlias", "others"), ("PageSize", "100")]),
        // The owner's images say whether it shares them (`IsSelfShared`).
        Operation::ListImages | Operation::ListMyShared => {
            api("DescribeImages", &[("ImageOwnerAlias", "self"), ("PageSize", "100")])
        }
        Operation::Describe { image } => with_image(image, || {
            api("DescribeImages", &[("ImageId", image), ("Status", "Creating,Available,UnAvailable")])
        }),
        Operation::Modify { image, name, description } => with_image(image, || {
            let mut params = vec![("ImageId", image.as_str())];
            if let Some(n) = name {
                params.push(("ImageName", n));
            }
            if let Some(d) = description {
                params.push(("Description", d));
            }
            api("ModifyImageAttribute", &params)
        }),
        Operation::Delete { image } => with_image(image, || api("DeleteImage", &[("ImageId", image)])),
        Operation::Copy { image, to_region, name, own_key } => with_image(image, || {
            let mut params = vec![("ImageId", image.as_str()), ("DestinationRegionId", caller.region_id(to_region))];
            if let Some(n) = name {
                params.push(("DestinationImageName", n));
            }
            if *own_key {
                params.push(("Encrypted", "true"));
            }
            api("CopyImage", &params)
        }),
        Operation::Launch { image, product: Product::Cvm } => with_image(image, || {
            api("RunInstances", &[("ImageId", image), ("InstanceType", "ecs.g7.large"), ("Amount", "1")])
        }),
        Operation::Launch { product: Product::Lighthouse, .. } => {
            Call::Inexpressible("ECS RunInstances has no Lighthouse product")
        }
        Operation::ReinitDisk { instance } => {
            with_instance(instance, || api("ReInitDisk", &[("DiskId", &disk_of(instance)), ("Password", PASSWORD)]))
        }
        Operation::ReplaceSystemDisk { instance, image } => with_instance(instance, || {
            with_image(image, || {
                api("ReplaceSystemDisk", &[("InstanceId", instance), ("ImageId", image), ("Password", PASSWORD)])
            })
        }),
        Operation::ListInstances => api("DescribeInstances", &[("PageSize", "100")]),
        Operation::StopInstance { instance } => {
            with_instance(instance, || api("StopInstance", &[("InstanceId", instance)]))
        }
        // `Force` releases a running instance, as the SDK capture sends it (instances.md §3.1).
        Operation::DeleteInstance { instance } => {
            with_instance(instance, || api("DeleteInstance", &[("InstanceId", instance), ("Force", "true")]))
        }
        Operation::Quota => api(
            "DescribeAccountAttributes",
            &[("AttributeName.1", QUOTA_LIMIT_ATTRIBUTE), ("AttributeName.2", QUOTA_USED_ATTRIBUTE)],
        ),
        Operation::Accept { .. }
        | Operation::Reject { .. }
        | Operation::AuthorizeKey { .. }
        | Operation::RevokeKey { .. }
        | Operation::ModifyShare { .. }
        | Operation::ShareToLighthouse { .. }
        | Operation::ShareToCvm { .. }
        | Operation::CancelLighthouseShare { .. }
        | Operation::ListKeyGrants { .. }
        | Operation::AdvanceClock { .. }
        | Operation::SetVisibility { .. }
        | Operation::Push { .. } => Call::NoApi,
    }
}

/// An image from no instance is an imported one: ImportImage with the step's name and
/// description and plausible fixed values for what the step does not say (a Linux QCOW2 file
/// in a sharesim bucket, named after the image). `RegionId` is added by `perform`. A name or
/// description ECS would refuse before the engine is asked, or a region ECS does not have,
/// cannot be said.
fn import(new: &NewImage, caller: &Caller<'_>) -> Call {
    if !super::api::valid_image_name(&new.name) {
        return Call::Inexpressible(
            "ImportImage's ImageName is 2-128 characters from a letter, without `aliyun`/`acs:`; the step's name is not",
        );
    }
    let d = new.description.to_ascii_lowercase();
    if !new.description.is_empty()
        && (!(2..=256).contains(&new.description.chars().count())
            || d.starts_with("http://")
            || d.starts_with("https://"))
    {
        return Call::Inexpressible("ImportImage's Description is 2-256 characters, not a link; the step's is not");
    }
    if caller.directory.resolve_region(&new.region).is_none() {
        return Call::Inexpressible("ImportImage needs a RegionId; the step names no region ECS has");
    }
    let object = format!("{}.qcow2", new.name);
    let mut params = vec![
        ("ImageName", new.name.as_str()),
        ("OSType", "linux"),
        ("Platform", "Others Linux"),
        ("Architecture", "x86_64"),
        ("DiskDeviceMapping.1.OSSBucket", "sharesim-images"),
        ("DiskDeviceMapping.1.OSSObject", object.as_str()),
        ("DiskDeviceMapping.1.Format", "QCOW2"),
        ("DiskDeviceMapping.1.DiskImageSize", "40"),
    ];
    if !new.description.is_empty() {
        params.push(("Description", new.description.as_str()));
    }
    Call::Api { action: "ImportImage", params: params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() }
}

/// The password the SDK examples set when a system disk is rebuilt; ECS requires none.
const PASSWORD: &str = "Sharesim-1234";

const UNNAMED: &str = "the image or instance was never made, so no ECS ID names it";

/// `AddAccount.1`, `AddAccount.2` … (1-based, as the SDK flattens lists).
fn accounts(image: &str, list: &str, recipients: &[String]) -> Call {
    let mut params = vec![("ImageId".to_string(), image.to_string())];
    params.extend(recipients.iter().enumerate().map(|(i, r)| (format!("{list}.{}", i + 1), r.clone())));
    Call::Api { action: "ModifyImageSharePermission", params }
}

/// `prefix` and twenty lowercase letters or digits: what ECS IDs look like.
fn is_id(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix)
        .is_some_and(|rest| rest.len() == 20 && rest.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

fn with_image(image: &str, call: impl FnOnce() -> Call) -> Call {
    if is_id(image, "m-") { call() } else { Call::Inexpressible(UNNAMED) }
}

fn with_instance(instance: &str, call: impl FnOnce() -> Call) -> Call {
    if is_id(instance, "i-") { call() } else { Call::Inexpressible(UNNAMED) }
}

fn body_of(resp: &HttpResponse) -> Result<Value, String> {
    resp.json_body().ok_or_else(|| format!("HTTP {}: the answer is not JSON", resp.status))
}

/// ECS's error: `Code` in the body of an answer whose status is not 2xx.
fn read_error(resp: &HttpResponse) -> Result<Option<SeenError>, String> {
    if (200..300).contains(&resp.status) {
        return Ok(None);
    }
    let body = body_of(resp)?;
    let code = body.get("Code").and_then(Value::as_str).ok_or_else(|| format!("HTTP {}: no Code", resp.status))?;
    Ok(Some(SeenError { code: code.to_string(), status: Some(resp.status) }))
}

fn lists_image(resp: &HttpResponse, image: &str) -> Result<bool, String> {
    let body = body_of(resp)?;
    let list =
        body.pointer("/Images/Image").and_then(Value::as_array).ok_or("DescribeImages answered without Images")?;
    Ok(list.iter().any(|i| i.get("ImageId").and_then(Value::as_str) == Some(image)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Validity;
    use crate::providers::Provider;
    use crate::providers::alibaba::signature::authenticate;
    use crate::testkit::Wire;
    use crate::wire::{Endpoint, codec};

    const NOW: u64 = 1_800_000_000;

    /// An ECS endpoint; `owner` holds image `base`.
    struct Cloud {
        w: Wire,
        base: String,
    }

    impl Cloud {
        fn new() -> Cloud {
            let mut w = Wire::new(Provider::Alibaba, NOW);
            let base = w.image("base");
            Cloud { w, base }
        }

        fn id(&self, account: &str) -> String {
            self.w.id(account)
        }

        fn perform(&mut self, actor: &str, op: Operation) -> Sent {
            self.w.perform(perform, actor, 0, op)
        }

        /// The last request's action and parameters, after checking (on a fresh endpoint, as
        /// nonces are single-use) that its signature names `actor`.
        fn last(&self, actor: &str) -> (String, Vec<(String, String)>) {
            let req = self.w.sent.last().unwrap();
            let params = codec::query_pairs(req.query());
            let mut verifier = Endpoint::new(self.w.ep.engine().clone(), self.w.keys.clone(), true);
            assert_eq!(authenticate(&mut verifier, req, &params, NOW).unwrap().account, actor);
            (req.get("x-acs-action").unwrap().into_owned(), params)
        }
    }

    fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
        params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn ok() -> Sent {
        Sent::Api { error: None }
    }

    fn refused(code: &str, status: u16) -> Sent {
        Sent::Api { error: Some(SeenError { code: code.into(), status: Some(status) }) }
    }

    #[test]
    fn share_cancel_and_list_go_out_as_the_sdk_sends_them() {
        let mut c = Cloud::new();
        let (base, alice) = (c.base.clone(), c.id("alice"));
        let share = Operation::Share {
            images: vec![base.clone()],
            recipients: vec![alice.clone()],
            options: Default::default(),
        };
        assert_eq!(c.perform("owner", share), ok());
        let (action, params) = c.last("owner");
        assert_eq!(action, "ModifyImageSharePermission");
        assert_eq!(
            (param(&params, "ImageId"), param(&params, "AddAccount.1"), param(&params, "RegionId")),
            (Some(base.as_str()), Some(alice.as_str()), Some("cn-hangzhou"))
        );

        assert_eq!(c.perform("owner", Operation::ListShares { image: base.clone() }), ok());
        let (action, params) = c.last("owner");
        assert_eq!((action.as_str(), param(&params, "ImageId")), ("DescribeImageSharePermission", Some(base.as_str())));

        assert_eq!(c.perform("alice", Operation::ListSharedWithMe), ok());
        let (action, params) = c.last("alice");
        assert_eq!((action.as_str(), param(&params, "ImageOwnerAlias")), ("DescribeImages", Some("others")));

        let cancel = Operation::CancelShare { image: base.clone(), recipients: vec![alice.clone()] };
        assert_eq!(c.perform("owner", cancel), ok());
        let (_, params) = c.last("owner");
        assert_eq!((param(&params, "RemoveAccount.1"), param(&params, "AddAccount.1")), (Some(alice.as_str()), None));
        assert!(c.w.ep.engine().state().images.iter().all(|i| i.shares.is_empty()), "the cancel reached the engine");
    }

    #[test]
    fn a_refused_share_reads_the_code_and_status_back() {
        let mut c = Cloud::new();
        let (base, owner, alice) = (c.base.clone(), c.id("owner"), c.id("alice"));
        let share = |to: &str| Operation::Share {
            images: vec![base.clone()],
            recipients: vec![to.to_string()],
            options: Default::default(),
        };
        assert_eq!(c.perform("owner", share(&owner)), refused("InvalidAccount.Forbbiden", 404));
        assert_eq!(c.perform("owner", share(&alice)), ok());
        // A recipient may not pass the image on; ECS says the image is not found.
        assert_eq!(c.perform("alice", share(&owner)), refused("InvalidImageId.NotFound", 404));
    }

    #[test]
    fn an_image_missing_from_describe_images_is_not_found() {
        let mut c = Cloud::new();
        let base = c.base.clone();
        assert_eq!(c.perform("owner", Operation::Describe { image: base.clone() }), ok());
        let (action, params) = c.last("owner");
        assert_eq!((action.as_str(), param(&params, "ImageId")), ("DescribeImages", Some(base.as_str())));
        let unseen = Sent::Api { error: Some(SeenError { code: "empty Images".into(), status: Some(200) }) };
        assert_eq!(c.perform("alice", Operation::Describe { image: base }), unseen);
    }

    /// A `create_image` without an instance goes out as ImportImage with the image's region,
    /// and the engine makes the image as in process; what the call cannot say stays unsent.
    #[test]
    fn an_image_from_no_instance_is_imported() {
        let mut c = Cloud::new();
        let new =
            NewImage { name: "golden".into(), region: "away".into(), description: "gold".into(), ..Default::default() };
        assert_eq!(c.perform("owner", Operation::CreateImage(new)), ok());
        let (action, params) = c.last("owner");
        assert_eq!(action, "ImportImage");
        let wanted = [
            ("RegionId", "cn-shanghai"),
            ("ImageName", "golden"),
            ("Description", "gold"),
            ("DiskDeviceMapping.1.OSSBucket", "sharesim-images"),
            ("DiskDeviceMapping.1.OSSObject", "golden.qcow2"),
        ];
        for (k, v) in wanted {
            assert_eq!(param(&params, k), Some(v), "{k}");
        }
        let made = c.w.ep.engine().state().images.iter().find(|i| i.name == "golden").map(|i| i.region);
        assert_eq!(made, Some(1), "made in `away`");
        let plain = NewImage { name: "golden".into(), region: "home".into(), ..Default::default() };
        let cases = [
            NewImage { visibility: Visibility::Public, ..plain.clone() },
            NewImage { encryption: EncryptionSpec::CustomKey, ..plain.clone() },
            NewImage { kind: ImageKind::FullServer, ..plain.clone() },
            NewImage { ready_after: 60, ..plain.clone() },
            NewImage { name: "aliyun-image".into(), ..plain.clone() },
            NewImage { name: "x".into(), ..plain.clone() },
            NewImage { description: "d".into(), ..plain.clone() },
            NewImage { region: "nowhere".into(), ..plain },
        ];
        for new in cases {
            let out = c.perform("owner", Operation::CreateImage(new.clone()));
            assert!(matches!(out, Sent::Inexpressible { .. }), "{new:?}: {out:?}");
        }
        assert!(c.w.sent.is_empty());
    }

    #[test]
    fn what_the_api_cannot_say_is_not_sent() {
        let mut c = Cloud::new();
        let (base, alice) = (c.base.clone(), c.id("alice"));
        let two = Operation::Share {
            images: vec![base.clone(), base.clone()],
            recipients: vec![alice.clone()],
            options: Default::default(),
        };
        assert!(matches!(c.perform("owner", two), Sent::Inexpressible { .. }));
        let options = ShareOptions { validity: Some(Validity::Forever), ..Default::default() };
        let dated = Operation::Share { images: vec![base], recipients: vec![alice], options };
        assert!(matches!(c.perform("owner", dated), Sent::Inexpressible { .. }));
        assert_eq!(c.perform("alice", Operation::Accept { images: vec![] }), Sent::NoApi);
        assert!(c.w.sent.is_empty());
    }

    /// The instance half: an image from an instance, the quota, and instance calls sent as
    /// the tea SDK sends them (no `RegionId`); a create_image naming no instance is not sent.
    #[test]
    fn instance_calls_go_out_as_the_tea_sdk_sends_them() {
        let mut c = Cloud::new();
        let base = c.base.clone();
        let launch = Operation::Launch { image: base.clone(), product: Product::Cvm };
        assert_eq!(c.perform("owner", launch), ok());
        let instance = c.w.ep.engine().state().instances[0].id.clone();

        let new = crate::engine::NewImage {
            name: "golden".into(),
            region: "home".into(),
            description: "d".into(),
            from: Some(instance.clone()),
            ..Default::default()
        };
        assert_eq!(c.perform("owner", Operation::CreateImage(new.clone())), ok());
        let (action, params) = c.last("owner");
        assert_eq!(
            (action.as_str(), param(&params, "InstanceId"), param(&params, "RegionId")),
            ("CreateImage", Some(instance.as_str()), Some("cn-hangzhou"))
        );
        let bare = crate::engine::NewImage { from: None, ..new };
        assert!(matches!(c.perform("owner", Operation::CreateImage(bare)), Sent::Inexpressible { .. }));

        assert_eq!(c.perform("owner", Operation::Quota), ok());
        let (action, params) = c.last("owner");
        assert_eq!(
            (action.as_str(), param(&params, "AttributeName.1")),
            ("DescribeAccountAttributes", Some(QUOTA_LIMIT_ATTRIBUTE))
        );

        let ops = [
            (Operation::ReinitDisk { instance: instance.clone() }, "ReInitDisk"),
            (Operation::ReplaceSystemDisk { instance: instance.clone(), image: base.clone() }, "ReplaceSystemDisk"),
            (Operation::StopInstance { instance: instance.clone() }, "StopInstance"),
            (Operation::DeleteInstance { instance: instance.clone() }, "DeleteInstance"),
        ];
        for (op, name) in ops {
            assert_eq!(c.perform("owner", op), ok(), "{name}");
            let (action, params) = c.last("owner");
            assert_eq!((action.as_str(), param(&params, "RegionId")), (name, None));
        }
        // Released: the next call on it is ECS's not-found.
        assert_eq!(
            c.perform("owner", Operation::StopInstance { instance }),
            refused("InvalidInstanceId.NotFound", 404)
        );
        assert_eq!(c.perform("owner", Operation::ListInstances), ok());
        assert_eq!(c.last("owner").0, "DescribeInstances");
    }
}
