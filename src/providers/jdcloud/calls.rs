//! How `sharesim run --via http` calls JD Cloud: engine requests as the Python SDK (VmClient)
//! sends them — REST paths under `/v1/regions/{regionId}`, JSON bodies for POST, a JDCLOUD3
//! signature over `content-type` and `host` — and JD's error read back from the envelope
//! (`error.status` is the code, `error.code` the HTTP status; the SDK ignores the status line).

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

use super::signature::{self, Algorithm, Signer};
use crate::engine::{Action, EncryptionSpec, ImageKind, NewImage, Operation, Product, Request, Visibility};
use crate::wire::call::{Caller, SeenError, Sent, Transport};
use crate::wire::{HttpRequest, codec};

/// Engine actions JD's API does not carry in sharesim, with the reason.
pub const NOT_CARRIED: &[(Action, &str)] = &[
    (Action::SetVisibility, "JD has no call that makes a private image public"),
    (Action::Accept, "JD has no accept step (JD-NO-ACCEPT)"),
    (Action::Reject, "JD has no reject step (JD-NO-ACCEPT)"),
];

/// The password a rebuild sets, as the SDK's examples do.
const PASSWORD: &str = "Sharesim-1234";

/// Nonces must differ between requests signed in the same second.
static NONCE: AtomicU64 = AtomicU64::new(0);

/// Performs `req` over JD's VM API.
pub fn perform(req: &Request, caller: &Caller<'_>, transport: &mut dyn Transport) -> Result<Sent, String> {
    let spec = caller.directory.provider().spec();
    // The region is in the path: a call on an instance goes to the instance's region unless
    // the step names one; an image made from an instance goes to the image's region.
    let instance_region = match &req.op {
        Operation::ReinitDisk { instance }
        | Operation::ReplaceSystemDisk { instance, .. }
        | Operation::StopInstance { instance }
        | Operation::DeleteInstance { instance }
            if req.region.is_none() =>
        {
            caller.directory.instance(instance).map(|i| i.region)
        }
        Operation::CreateImage(new) => caller.directory.resolve_region(&new.region),
        _ => None,
    };
    let region = spec
        .regions
        .get(instance_region.unwrap_or(caller.region))
        .map(|r| r.id)
        .ok_or("the call's region is not JD's")?;
    let images = format!("/v1/regions/{region}/images");
    let instances = format!("/v1/regions/{region}/instances");
    // IDs go into the path percent-encoded, as the SDK's URL builder does.
    let id = |s: &str| codec::encode(s);
    let (method, target, body) = match &req.op {
        Operation::Share { images: list, recipients, options } => {
            if list.len() != 1 {
                return Ok(Sent::Inexpressible { why: "ShareImage names one image" });
            }
            if options.validity.is_some() || options.description.is_some() || options.permission.is_some() {
                return Ok(Sent::Inexpressible { why: "ShareImage takes no share options" });
            }
            let id = &list[0];
            (
                "POST",
                format!("{images}/{id}:share"),
                Some(json!({ "regionId": region, "imageId": id, "pins": recipients })),
            )
        }
        Operation::CancelShare { image, recipients } => (
            "POST",
            format!("{images}/{}:unshare", id(image)),
            Some(json!({ "regionId": region, "imageId": image, "pins": recipients })),
        ),
        Operation::ListShares { image } => ("GET", format!("{images}/{}/members", id(image)), None),
        Operation::ListSharedWithMe => ("GET", format!("{images}?imageSource=shared&pageSize=100"), None),
        Operation::ListMyShared => {
            ("GET", format!("{images}?imageSource=private&launchPermission=specifiedUsers&pageSize=100"), None)
        }
        Operation::Describe { image } => ("GET", format!("{images}/{}", id(image)), None),
        Operation::Delete { image } => ("DELETE", format!("{images}/{}", id(image)), None),
        Operation::Copy { image, to_region, name, own_key } => {
            if *own_key {
                return Ok(Sent::Inexpressible { why: "CopyImages takes no key of the caller's" });
            }
            let dest = caller.region_id(to_region);
            let mut body = json!({ "regionId": region, "sourceImageIds": [image], "destinationRegion": dest });
            if let Some(n) = name {
                body["name"] = json!(n);
            }
            ("POST", format!("{images}:copyImages"), Some(body))
        }
        Operation::Modify { image, name, description } => {
            let mut body = json!({ "regionId": region, "imageId": image });
            if let Some(n) = name {
                body["name"] = json!(n);
            }
            if let Some(d) = description {
                body["description"] = json!(d);
            }
            ("POST", format!("{images}/{}:modifyImageAttribute", id(image)), Some(body))
        }
        Operation::Launch { image, product: Product::Cvm } => {
            let body = json!({
                "regionId": region,
                "instanceSpec": {
                    "az": format!("{region}a"),
                    "instanceType": "g.n2.medium",
                    "imageId": image,
                    "name": "sharesim-vm",
                    "primaryNetworkInterface": { "networkInterface": { "subnetId": "subnet-sharesim" } },
                    "systemDisk": { "diskCategory": "cloud" },
                },
                "maxCount": 1,
            });
            ("POST", instances.clone(), Some(body))
        }
        Operation::Launch { product: Product::Lighthouse, .. } => {
            return Ok(Sent::Inexpressible { why: "JD CreateInstances has no Lighthouse product" });
        }
        // RebuildInstance without an image rebuilds from the instance's own.
        Operation::ReinitDisk { instance } => (
            "POST",
            format!("{instances}/{}:rebuildInstance", id(instance)),
            Some(json!({ "regionId": region, "instanceId": instance, "password": PASSWORD })),
        ),
        Operation::ReplaceSystemDisk { instance, image } => (
            "POST",
            format!("{instances}/{}:rebuildInstance", id(instance)),
            Some(json!({ "regionId": region, "instanceId": instance, "imageId": image, "password": PASSWORD })),
        ),
        Operation::ListInstances => ("GET", format!("{instances}?pageSize=100"), None),
        Operation::StopInstance { instance } => (
            "POST",
            format!("{instances}/{}:stopInstance", id(instance)),
            Some(json!({ "regionId": region, "instanceId": instance })),
        ),
        Operation::DeleteInstance { instance } => ("DELETE", format!("{instances}/{}", id(instance)), None),
        Operation::Quota => {
            ("GET", format!("/v1/regions/{region}/quotas?filters.1.name=resourceTypes&filters.1.values.1=image"), None)
        }
        Operation::CreateImage(new) => {
            if new.visibility != Visibility::Private
                || new.encryption != EncryptionSpec::None
                || new.kind != ImageKind::SystemDisk
                || new.ready_after != 0
            {
                return Ok(Sent::Inexpressible {
                    why: match new.from {
                        Some(_) => {
                            "CreateImage takes an instance, a name and a description: no visibility, encryption, kind or delay"
                        }
                        None => {
                            "ImportImage takes a file, a name and a description: no visibility, encryption, kind or delay"
                        }
                    },
                });
            }
            let Some(instance) = &new.from else {
                // An image from no instance is an imported one: a file in object storage.
                if let Some(why) = unsayable_import(new, caller) {
                    return Ok(Sent::Inexpressible { why });
                }
                let body = import_body(new, region);
                return finish(caller, region, "POST", &format!("{images}:import"), Some(body), transport);
            };
            let mut body = json!({ "regionId": region, "instanceId": instance, "name": new.name });
            if !new.description.is_empty() {
                body["description"] = json!(new.description);
            }
            ("POST", format!("{instances}/{}:createImage", id(instance)), Some(body))
        }
        _ => return Ok(Sent::NoApi),
    };
    finish(caller, region, method, &target, body, transport)
}

/// Why an image from no instance cannot go out as ImportImage, if it cannot: the call takes a
/// name of 2-32 letters, digits, `_`, `-` or `.`, a description of at most 256 characters and
/// a region JD has; anything else would be refused before the engine is asked.
fn unsayable_import(new: &NewImage, caller: &Caller<'_>) -> Option<&'static str> {
    let ok_char = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.');
    if !(2..=32).contains(&new.name.chars().count()) || !new.name.chars().all(ok_char) {
        return Some("ImportImage's imageName is 2-32 letters, digits, `_`, `-` or `.`; the step's name is not");
    }
    if new.description.chars().count() > 256 {
        return Some("ImportImage's description is at most 256 characters");
    }
    if caller.directory.resolve_region(&new.region).is_none() {
        return Some("ImportImage's region is in its path; the step names none JD has");
    }
    None
}

/// ImportImage's body: the step's name and description, and plausible fixed values for what the
/// step does not say (a Linux qcow2 file named after the image in a sharesim bucket).
fn import_body(new: &NewImage, region: &str) -> Value {
    let mut body = json!({
        "regionId": region,
        "architecture": "x86_64",
        "osType": "linux",
        "platform": "Other Linux",
        "diskFormat": "qcow2",
        "systemDiskSizeGB": 40,
        "imageUrl": format!("https://sharesim-images.s3.{region}.jdcloud-oss.com/{}.qcow2", new.name),
        "imageName": new.name,
    });
    if !new.description.is_empty() {
        body["description"] = json!(new.description);
    }
    body
}

/// Signs and sends one request, and reads JD's envelope back.
fn finish(
    caller: &Caller<'_>,
    region: &str,
    method: &str,
    target: &str,
    body: Option<Value>,
    transport: &mut dyn Transport,
) -> Result<Sent, String> {
    let http = signed(caller, region, method, target, body);
    let resp = transport.send(http)?;
    let envelope: Value = serde_json::from_slice(&resp.body)
        .map_err(|e| format!("{method} {target}: the answer is not JD's JSON envelope: {e}"))?;
    if envelope["requestId"].as_str().is_none_or(str::is_empty) {
        return Err(format!("{method} {target}: the answer has no requestId"));
    }
    Ok(Sent::Api { error: error_of(&envelope) })
}

/// A request as the Python SDK sends it, signed for the caller.
fn signed(caller: &Caller<'_>, region: &str, method: &str, target: &str, body: Option<Value>) -> HttpRequest {
    let n = NONCE.fetch_add(1, Ordering::Relaxed);
    let nonce = format!("{:08x}-0000-4000-8000-{n:012x}", caller.now & 0xffff_ffff);
    let mut req = HttpRequest::new(method, target)
        .header("Host", caller.host)
        .header("User-Agent", "JdcloudSdkPython/1.2.9 vm/1.6.1 (sharesim --via http)")
        .header("Content-Type", "application/json");
    if let Some(b) = body {
        req = req.body(serde_json::to_vec(&b).unwrap_or_default());
    }
    let signer = Signer {
        algorithm: Algorithm::V3,
        access_key: caller.key_id,
        secret: caller.secret,
        region,
        nonce: &nonce,
        signed: &["content-type", "host"],
    };
    signature::sign(req, &signer, caller.now)
}

/// JD's error, as the SDK reads it: `error.status` is the code, `error.code` the HTTP status.
fn error_of(envelope: &Value) -> Option<SeenError> {
    let e = envelope.get("error").filter(|e| !e.is_null())?;
    Some(SeenError {
        code: e["status"].as_str().unwrap_or_default().to_string(),
        status: e["code"].as_u64().and_then(|s| u16::try_from(s).ok()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{NewImage, Output, ShareOptions, Validity};
    use crate::providers::Provider;
    use crate::testkit::Wire;

    const NOW: u64 = 1_767_225_600;

    fn world() -> (Wire, String) {
        let mut w = Wire::new(Provider::Jdcloud, NOW);
        let image = w.image("web");
        (w, image)
    }

    fn share(image: &str, to: &str) -> Operation {
        Operation::Share { images: vec![image.into()], recipients: vec![to.into()], options: Default::default() }
    }

    #[test]
    fn a_share_is_a_signed_share_call_and_a_refusal_is_read_back() {
        let (mut w, image) = world();
        let alice = w.id("alice");
        assert_eq!(w.perform(perform, "owner", 0, share(&image, &alice)), Sent::Api { error: None });
        let sent = &w.sent[0];
        assert_eq!(
            (sent.method.as_str(), sent.path()),
            ("POST", format!("/v1/regions/cn-north-1/images/{image}:share").as_str())
        );
        assert_eq!(
            signature::verify(sent, &w.keys, true, NOW).map(|k| w.keys.get(&k).unwrap().account.clone()),
            Ok("owner".into())
        );
        // A recipient re-sharing the image is refused, and the SDK's view of the error is JD's.
        let want = w.ep.engine().clone().apply(&Request::new("alice", share(&image, &alice)));
        let want = Provider::Jdcloud.spec().wire(&want.unwrap_err(), Action::Share);
        let refused = w.perform(perform, "alice", 0, share(&image, &alice));
        let Sent::Api { error: Some(e) } = refused else { panic!("{refused:?}") };
        assert_eq!((e.code.as_str(), e.status), (want.code, Some(want.status)));
    }

    #[test]
    fn what_the_api_cannot_say_is_not_sent() {
        let (mut w, image) = world();
        let two = Operation::Share {
            images: vec![image.clone(), image.clone()],
            recipients: vec![],
            options: Default::default(),
        };
        assert!(matches!(w.perform(perform, "owner", 0, two), Sent::Inexpressible { .. }));
        let options = ShareOptions { validity: Some(Validity::Forever), ..Default::default() };
        let timed = Operation::Share { images: vec![image], recipients: vec![], options };
        assert!(matches!(w.perform(perform, "owner", 0, timed), Sent::Inexpressible { .. }));
        assert_eq!(w.perform(perform, "owner", 0, Operation::Accept { images: vec![] }), Sent::NoApi);
        let bare = NewImage { name: "n".into(), region: "home".into(), ..Default::default() };
        assert!(matches!(w.perform(perform, "owner", 0, Operation::CreateImage(bare)), Sent::Inexpressible { .. }));
        assert!(w.sent.is_empty());
    }

    /// A `create_image` without an instance goes out as ImportImage in the image's region, and
    /// the engine makes the image as in process; what the call cannot say stays unsent.
    #[test]
    fn an_image_from_no_instance_is_imported() {
        let (mut w, _) = world();
        let new =
            NewImage { name: "golden".into(), region: "away".into(), description: "d".into(), ..Default::default() };
        assert_eq!(w.perform(perform, "owner", 0, Operation::CreateImage(new)), Sent::Api { error: None });
        let sent = &w.sent[0];
        assert_eq!((sent.method.as_str(), sent.path()), ("POST", "/v1/regions/cn-east-2/images:import"));
        let body: Value = serde_json::from_slice(&sent.body).unwrap();
        assert_eq!((body["imageName"].as_str(), body["description"].as_str()), (Some("golden"), Some("d")));
        assert_eq!(body["regionId"], "cn-east-2");
        let made = w.ep.engine().state().images.iter().find(|i| i.name == "golden").map(|i| i.region);
        assert_eq!(made, Some(1), "made in `away`");
        w.sent.clear();
        let plain = NewImage { name: "golden".into(), region: "home".into(), ..Default::default() };
        let cases = [
            NewImage { visibility: Visibility::Public, ..plain.clone() },
            NewImage { encryption: EncryptionSpec::CustomKey, ..plain.clone() },
            NewImage { kind: ImageKind::FullServer, ..plain.clone() },
            NewImage { ready_after: 60, ..plain.clone() },
            NewImage { name: "has space".into(), ..plain.clone() },
            NewImage { description: "d".repeat(257), ..plain.clone() },
            NewImage { region: "nowhere".into(), ..plain },
        ];
        for new in cases {
            let sent = w.perform(perform, "owner", 0, Operation::CreateImage(new.clone()));
            assert!(matches!(sent, Sent::Inexpressible { .. }), "{new:?}: {sent:?}");
        }
        assert!(w.sent.is_empty());
    }

    #[test]
    fn listings_and_copies_use_jds_paths() {
        let (mut w, image) = world();
        let ops = [
            (
                Operation::ListShares { image: image.clone() },
                "GET",
                format!("/v1/regions/cn-north-1/images/{image}/members"),
            ),
            (Operation::ListSharedWithMe, "GET", "/v1/regions/cn-north-1/images".to_string()),
            (Operation::Describe { image: image.clone() }, "GET", format!("/v1/regions/cn-north-1/images/{image}")),
            (
                Operation::Copy {
                    image: image.clone(),
                    to_region: "away".into(),
                    name: Some("c".into()),
                    own_key: false,
                },
                "POST",
                "/v1/regions/cn-north-1/images:copyImages".to_string(),
            ),
        ];
        for (op, method, path) in ops {
            assert_eq!(w.perform(perform, "owner", 0, op), Sent::Api { error: None });
            let sent = &w.sent[0];
            assert_eq!((sent.method.as_str(), sent.path()), (method, path.as_str()));
        }
        assert!(String::from_utf8_lossy(&w.sent[0].body).contains("\"destinationRegion\":\"cn-east-2\""));
    }

    #[test]
    fn an_id_that_names_nothing_is_sent_percent_encoded() {
        let (mut w, _) = world();
        let nothing = Operation::Describe { image: "<web was not created>".into() };
        let Sent::Api { error: Some(e) } = w.perform(perform, "owner", 0, nothing) else { panic!("{:?}", w.sent) };
        assert_eq!(w.sent[0].path(), "/v1/regions/cn-north-1/images/%3Cweb%20was%20not%20created%3E");
        assert_eq!((e.code.as_str(), e.status), ("NOT_FOUND", Some(404)));
    }

    /// The instance half goes out on JD's instance paths, in the instance's region, and the
    /// engine decides each step as it would in process.
    #[test]
    fn instance_calls_use_jds_instance_paths() {
        let (mut w, image) = world();
        let launched =
            w.perform(perform, "owner", 0, Operation::Launch { image: image.clone(), product: Default::default() });
        assert_eq!(launched, Sent::Api { error: None });
        assert_eq!((w.sent[0].method.as_str(), w.sent[0].path()), ("POST", "/v1/regions/cn-north-1/instances"));
        let instance = w.ep.engine().state().instances[0].id.clone();
        let new = NewImage {
            name: "golden".into(),
            region: "home".into(),
            from: Some(instance.clone()),
            ..Default::default()
        };
        let cases = [
            (Operation::CreateImage(new), "POST", format!("/v1/regions/cn-north-1/instances/{instance}:createImage")),
            (
                Operation::ReinitDisk { instance: instance.clone() },
                "POST",
                format!("/v1/regions/cn-north-1/instances/{instance}:rebuildInstance"),
            ),
            (
                Operation::ReplaceSystemDisk { instance: instance.clone(), image: image.clone() },
                "POST",
                format!("/v1/regions/cn-north-1/instances/{instance}:rebuildInstance"),
            ),
            (
                Operation::Modify { image: image.clone(), name: Some("renamed".into()), description: None },
                "POST",
                format!("/v1/regions/cn-north-1/images/{image}:modifyImageAttribute"),
            ),
            (Operation::ListInstances, "GET", "/v1/regions/cn-north-1/instances".to_string()),
            (
                Operation::StopInstance { instance: instance.clone() },
                "POST",
                format!("/v1/regions/cn-north-1/instances/{instance}:stopInstance"),
            ),
            (
                Operation::DeleteInstance { instance: instance.clone() },
                "DELETE",
                format!("/v1/regions/cn-north-1/instances/{instance}"),
            ),
        ];
        for (op, method, path) in cases {
            w.sent.clear();
            assert_eq!(w.perform(perform, "owner", 0, op.clone()), Sent::Api { error: None }, "{op:?}");
            assert_eq!((w.sent[0].method.as_str(), w.sent[0].path()), (method, path.as_str()));
        }
        assert!(
            matches!(w.ep.engine().clone().apply(&Request::new("owner", Operation::ListInstances)), Ok(Output::Instances { instances }) if instances.is_empty())
        );
        // The image quota (JD-IMAGE-QUOTA) through describeQuotas.
        w.sent.clear();
        assert_eq!(w.perform(perform, "owner", 0, Operation::Quota), Sent::Api { error: None }, "{:?}", w.sent);
        assert_eq!(w.sent[0].path(), "/v1/regions/cn-north-1/quotas");
    }
}
