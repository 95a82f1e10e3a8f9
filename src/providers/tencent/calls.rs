//! How `sharesim run --via http` calls this provider: engine requests as the provider's SDK
//! would send them (see `wire::call`). Every CVM call is a TC3-signed `POST /` with a JSON body;
//! errors come back with HTTP 200 in `Response.Error.Code`.

use serde_json::{Value, json};

use super::{api, client, signature};
use crate::engine::{Action, EncryptionSpec, ImageKind, Operation, Product, Request, ShareOptions, Visibility};
use crate::wire::call::{Caller, SeenError, Sent, Transport};
use crate::wire::{HttpResponse, codec};

/// Engine actions this provider's API does not carry in sharesim, with the reason; these go
/// through the admin route (see `scenario::via_http::not_carried`).
pub const NOT_CARRIED: &[(Action, &str)] = &[
    (Action::SetVisibility, "CVM has no call that makes a private image public"),
    (Action::Accept, "CVM shares need no acceptance: there is no accept call"),
    (Action::Reject, "CVM shares need no acceptance: there is no reject call"),
    (Action::ListMyShared, "CVM lists shares per image (DescribeImageSharePermission), not per owner"),
    (Action::StopInstance, "the adapter does not serve StopInstances"),
    (
        Action::ShareToCvm,
        "no source names the call that hands a Lighthouse image to CVM (the seed says it can be done; \
         Lighthouse's API reference documents only the CVM-to-Lighthouse direction)",
    ),
];

/// One step as CVM calls it, or why it does not cross the API.
enum Call {
    Api {
        action: &'static str,
        body: Value,
    },
    /// A call of Lighthouse's API (its own version and signing service).
    Lighthouse {
        action: &'static str,
        body: Value,
    },
    NoApi,
    Inexpressible(&'static str),
}

/// Performs `req` over CVM's API: one call per step.
pub fn perform(req: &Request, caller: &Caller<'_>, transport: &mut dyn Transport) -> Result<Sent, String> {
    let (service, action, body) = match encode(req, caller) {
        Call::Api { action, body } => ((signature::SERVICE, api::VERSION), action, body),
        Call::Lighthouse { action, body } => ((signature::LIGHTHOUSE_SERVICE, api::LIGHTHOUSE_VERSION), action, body),
        Call::NoApi => return Ok(Sent::NoApi),
        Call::Inexpressible(why) => return Ok(Sent::Inexpressible { why }),
    };
    let region = super::SPEC.regions.get(caller.region).ok_or("the call's region is not one of Tencent's")?.id;
    let http =
        client::service_request(service, caller.host, action, region, &body, caller.key_id, caller.secret, caller.now);
    let resp = transport.send(http)?;
    let mut error = read_error(&resp)?;
    // DescribeImages answers an image the caller cannot see with an empty set, not an error;
    // the error table names that answer (`errors::ABSENT`).
    if let (Operation::Describe { image }, None) = (&req.op, &error)
        && !lists_image(&resp, image)?
    {
        error = Some(SeenError { code: super::errors::ABSENT.code.into(), status: Some(resp.status) });
    }
    Ok(Sent::Api { error })
}

fn encode(req: &Request, caller: &Caller<'_>) -> Call {
    let api = |action, body| Call::Api { action, body };
    match &req.op {
        Operation::Share { images, recipients, options } => {
            if *options != ShareOptions::default() {
                return Call::Inexpressible("ModifyImageSharePermission takes no validity, description or permission");
            }
            let [image] = images.as_slice() else {
                return Call::Inexpressible("ModifyImageSharePermission names one image");
            };
            if !is_id(image, "img-") {
                return Call::Inexpressible(UNNAMED);
            }
            api(
                "ModifyImageSharePermission",
                json!({ "ImageId": image, "AccountIds": recipients, "Permission": "SHARE" }),
            )
        }
        Operation::CancelShare { image, recipients } => with_image(image, || {
            api(
                "ModifyImageSharePermission",
                json!({ "ImageId": image, "AccountIds": recipients, "Permission": "CANCEL" }),
            )
        }),
        Operation::ListShares { image } => {
            with_image(image, || api("DescribeImageSharePermission", json!({ "ImageId": image })))
        }
        Operation::ListSharedWithMe => api("DescribeImages", image_type("SHARED_IMAGE")),
        Operation::ListImages => api("DescribeImages", image_type("PRIVATE_IMAGE")),
        Operation::Describe { image } => with_image(image, || api("DescribeImages", json!({ "ImageIds": [image] }))),
        Operation::Modify { image, name, description } => with_image(image, || {
            let mut body = json!({ "ImageId": image });
            if let Some(n) = name {
                body["ImageName"] = json!(n);
            }
            if let Some(d) = description {
                body["ImageDescription"] = json!(d);
            }
            api("ModifyImageAttribute", body)
        }),
        Operation::Delete { image } => with_image(image, || api("DeleteImages", json!({ "ImageIds": [image] }))),
        Operation::Copy { image, to_region, name, own_key } => with_image(image, || {
            let to = caller.region_id(to_region);
            let mut body = json!({ "ImageIds": [image], "DestinationRegions": [to], "ImageSetRequired": true });
            if let Some(n) = name {
                body["ImageName"] = json!(n);
            }
            if *own_key {
                body["Encrypt"] = json!(true);
            }
            api("SyncImages", body)
        }),
        Operation::Launch { image, product: Product::Cvm } => with_image(image, || {
            let zone = super::SPEC.regions.get(caller.region).map(|r| format!("{}-1", r.id));
            api("RunInstances", json!({ "ImageId": image, "InstanceCount": 1, "Placement": { "Zone": zone } }))
        }),
        // Lighthouse's own instance calls; a handed-over CVM image is named by its ID (inferred).
        Operation::Launch { image, product: Product::Lighthouse } => with_image(image, || Call::Lighthouse {
            action: "CreateInstances",
            body: json!({
                "BundleId": "bundle_starter_mc_promo_med2_02",
                "BlueprintId": image,
                "InstanceChargePrepaid": { "Period": 1 },
            }),
        }),
        Operation::ReinitDisk { instance } if is_lighthouse(caller, instance) => {
            Call::Lighthouse { action: "ResetInstance", body: json!({ "InstanceId": instance }) }
        }
        Operation::ReplaceSystemDisk { instance, image } if is_lighthouse(caller, instance) => {
            with_image(image, || Call::Lighthouse {
                action: "ResetInstance",
                body: json!({ "InstanceId": instance, "BlueprintId": image }),
            })
        }
        Operation::ReinitDisk { instance } => {
            with_instance(caller, instance, || api("ResetInstance", json!({ "InstanceId": instance })))
        }
        Operation::ReplaceSystemDisk { instance, image } => with_instance(caller, instance, || {
            with_image(image, || api("ResetInstance", json!({ "InstanceId": instance, "ImageId": image })))
        }),
        Operation::CreateImage(new) => {
            let plain = new.visibility == Visibility::Private
                && new.encryption == EncryptionSpec::None
                && new.kind == ImageKind::SystemDisk
                && new.ready_after == 0;
            match &new.from {
                _ if !plain => Call::Inexpressible(
                    "CVM CreateImage and ImportImage make a private, unencrypted system-disk image, ready when made",
                ),
                // An image with no instance behind it is an imported one: a file in COS.
                None => {
                    let region = super::SPEC.regions.get(caller.region).map(|r| r.id).unwrap_or_default();
                    let mut body = json!({
                        "Architecture": "x86_64",
                        "OsType": "TencentOS",
                        "OsVersion": "3.1",
                        "ImageUrl": format!(
                            "https://sharesim-1250000000.cos.{region}.myqcloud.com/{}.qcow2",
                            codec::encode(&new.name)
                        ),
                        "ImageName": new.name,
                    });
                    if !new.description.is_empty() {
                        body["ImageDescription"] = json!(new.description);
                    }
                    api("ImportImage", body)
                }
                Some(instance) if is_lighthouse(caller, instance) => {
                    let mut body = json!({ "BlueprintName": new.name, "InstanceId": instance });
                    if !new.description.is_empty() {
                        body["Description"] = json!(new.description);
                    }
                    Call::Lighthouse { action: "CreateBlueprint", body }
                }
                Some(instance) => with_instance(caller, instance, || {
                    let mut body = json!({ "ImageName": new.name, "InstanceId": instance });
                    if !new.description.is_empty() {
                        body["ImageDescription"] = json!(new.description);
                    }
                    api("CreateImage", body)
                }),
            }
        }
        Operation::Quota => api("DescribeImageQuota", json!({})),
        Operation::ListInstances => api("DescribeInstances", json!({})),
        Operation::DeleteInstance { instance } => {
            with_instance(caller, instance, || api("TerminateInstances", json!({ "InstanceIds": [instance] })))
        }
        Operation::ShareToLighthouse { image } => with_image(image, || Call::Lighthouse {
            action: "ModifyImageSharePermission",
            body: json!({ "ImageId": image, "Permission": "SHARE" }),
        }),
        Operation::CancelLighthouseShare { image } => with_image(image, || Call::Lighthouse {
            action: "ModifyImageSharePermission",
            body: json!({ "ImageId": image, "Permission": "CANCEL" }),
        }),
        Operation::Accept { .. }
        | Operation::Reject { .. }
        | Operation::ListMyShared
        | Operation::AuthorizeKey { .. }
        | Operation::RevokeKey { .. }
        | Operation::ModifyShare { .. }
        | Operation::ShareToCvm { .. }
        | Operation::StopInstance { .. }
        | Operation::ListKeyGrants { .. }
        | Operation::AdvanceClock { .. }
        | Operation::SetVisibility { .. }
        | Operation::Push { .. } => Call::NoApi,
    }
}

const UNNAMED: &str = "the image or instance was never made, so no CVM ID names it";

/// `DescribeImages` filtered to one image type.
fn image_type(kind: &str) -> Value {
    json!({ "Filters": [{ "Name": "image-type", "Values": [kind] }] })
}

/// `prefix` and eight lowercase letters or digits: what the API accepts as an ID at all.
fn is_id(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix)
        .is_some_and(|rest| rest.len() == 8 && rest.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

fn with_image(image: &str, call: impl FnOnce() -> Call) -> Call {
    if is_id(image, "img-") { call() } else { Call::Inexpressible(UNNAMED) }
}

fn is_lighthouse(caller: &Caller<'_>, instance: &str) -> bool {
    caller.directory.instance(instance).is_some_and(|i| i.product == Product::Lighthouse)
}

/// CVM's `ResetInstance` reaches CVM instances only; a Lighthouse instance is reset through
/// Lighthouse's own API.
fn with_instance(caller: &Caller<'_>, instance: &str, call: impl FnOnce() -> Call) -> Call {
    let product = caller.directory.instance(instance).map(|i| i.product);
    match product {
        Some(Product::Lighthouse) => Call::Inexpressible("CVM's instance calls cannot reach a Lighthouse instance"),
        _ if !is_id(instance, "ins-") => Call::Inexpressible(UNNAMED),
        _ => call(),
    }
}

/// The `{"Response": …}` object of a CVM answer.
fn response_of(resp: &HttpResponse) -> Result<Value, String> {
    let body = resp.json_body().ok_or_else(|| format!("HTTP {}: the answer is not JSON", resp.status))?;
    match body.get("Response") {
        Some(r @ Value::Object(_)) => Ok(r.clone()),
        _ => Err(format!("HTTP {}: the answer has no Response object", resp.status)),
    }
}

/// `Response.Error.Code`, carried with HTTP 200 like every CVM answer.
fn read_error(resp: &HttpResponse) -> Result<Option<SeenError>, String> {
    let r = response_of(resp)?;
    match r.get("Error") {
        None => Ok(None),
        Some(e) => {
            let code = e.get("Code").and_then(Value::as_str).ok_or("Response.Error has no Code")?;
            Ok(Some(SeenError { code: code.to_string(), status: Some(resp.status) }))
        }
    }
}

fn lists_image(resp: &HttpResponse, image: &str) -> Result<bool, String> {
    let r = response_of(resp)?;
    let set = r.get("ImageSet").and_then(Value::as_array).ok_or("DescribeImages answered without an ImageSet")?;
    Ok(set.iter().any(|i| i.get("ImageId").and_then(Value::as_str) == Some(image)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{NewImage, Validity};
    use crate::providers::Provider;
    use crate::providers::tencent::signature::verify_tc3;
    use crate::testkit::Wire;

    const NOW: u64 = 1_800_000_000;

    /// A Tencent endpoint; `owner` holds image `base`.
    struct Cloud {
        w: Wire,
        base: String,
    }

    impl Cloud {
        fn new() -> Cloud {
            let mut w = Wire::new(Provider::Tencent, NOW);
            let base = w.image("base");
            Cloud { w, base }
        }

        fn id(&self, account: &str) -> String {
            self.w.id(account)
        }

        fn perform(&mut self, actor: &str, op: Operation) -> Sent {
            self.w.perform(perform, actor, 0, op)
        }

        /// The last request's action, after checking its signature names `actor`.
        fn last(&self, actor: &str) -> (String, Value) {
            let req = self.w.sent.last().unwrap();
            let service = match req.get("X-TC-Version").as_deref() {
                Some(crate::providers::tencent::api::LIGHTHOUSE_VERSION) => "lighthouse",
                _ => "cvm",
            };
            assert_eq!(verify_tc3(&self.w.ep, req, NOW, service).unwrap().account, actor);
            assert_eq!(req.get("X-TC-Region").as_deref(), Some("ap-guangzhou"));
            (req.get("X-TC-Action").unwrap().into_owned(), serde_json::from_slice(&req.body).unwrap())
        }
    }

    fn ok() -> Sent {
        Sent::Api { error: None }
    }

    fn refused(code: &str) -> Sent {
        Sent::Api { error: Some(SeenError { code: code.into(), status: Some(200) }) }
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
        let (action, body) = c.last("owner");
        assert_eq!(action, "ModifyImageSharePermission");
        assert_eq!(body, json!({ "ImageId": base, "AccountIds": [alice], "Permission": "SHARE" }));

        assert_eq!(c.perform("owner", Operation::ListShares { image: base.clone() }), ok());
        assert_eq!(c.last("owner"), ("DescribeImageSharePermission".into(), json!({ "ImageId": base })));

        assert_eq!(c.perform("alice", Operation::ListSharedWithMe), ok());
        let (action, body) = c.last("alice");
        assert_eq!((action.as_str(), &body["Filters"][0]["Values"][0]), ("DescribeImages", &json!("SHARED_IMAGE")));

        assert_eq!(
            c.perform("owner", Operation::CancelShare { image: base.clone(), recipients: vec![alice.clone()] }),
            ok()
        );
        let (action, body) = c.last("owner");
        assert_eq!((action.as_str(), &body["Permission"]), ("ModifyImageSharePermission", &json!("CANCEL")));
        assert!(c.w.ep.engine().state().images.iter().all(|i| i.shares.is_empty()), "the cancel reached the engine");
    }

    #[test]
    fn making_using_and_handing_over_images_go_through_the_api() {
        let mut c = Cloud::new();
        let base = c.base.clone();
        let Sent::Api { error: None } =
            c.perform("owner", Operation::Launch { image: base.clone(), product: Product::Cvm })
        else {
            panic!("launch")
        };
        let vm = c.w.ep.engine().state().instances[0].id.clone();
        let new = NewImage { name: "golden".into(), from: Some(vm.clone()), ..Default::default() };
        assert_eq!(c.perform("owner", Operation::CreateImage(new)), ok());
        assert_eq!(c.last("owner"), ("CreateImage".into(), json!({ "ImageName": "golden", "InstanceId": vm })));
        let imported = NewImage { name: "x".into(), region: "home".into(), ..Default::default() };
        assert_eq!(c.perform("owner", Operation::CreateImage(imported)), ok());
        let (action, body) = c.last("owner");
        assert_eq!(
            (action.as_str(), &body["ImageName"], &body["Architecture"]),
            ("ImportImage", &json!("x"), &json!("x86_64"))
        );
        let public = NewImage { name: "p".into(), visibility: Visibility::Public, ..Default::default() };
        assert!(matches!(c.perform("owner", Operation::CreateImage(public)), Sent::Inexpressible { .. }));

        assert_eq!(c.perform("owner", Operation::Quota), ok());
        assert_eq!(c.last("owner").0, "DescribeImageQuota");
        assert_eq!(c.perform("owner", Operation::ListInstances), ok());
        assert_eq!(c.last("owner").0, "DescribeInstances");

        assert_eq!(c.perform("owner", Operation::ShareToLighthouse { image: base.clone() }), ok());
        let req = c.w.sent.last().unwrap();
        assert_eq!(req.get("X-TC-Version").as_deref(), Some(super::api::LIGHTHOUSE_VERSION));
        assert_eq!(
            c.last("owner"),
            ("ModifyImageSharePermission".into(), json!({ "ImageId": base, "Permission": "SHARE" }))
        );
        let again = c.perform("owner", Operation::ShareToLighthouse { image: base.clone() });
        assert_eq!(again, refused("UnsupportedOperation.ImageAlreadyShared"));

        assert_eq!(c.perform("owner", Operation::DeleteInstance { instance: vm.clone() }), ok());
        assert_eq!(c.last("owner"), ("TerminateInstances".into(), json!({ "InstanceIds": [vm] })));
    }

    #[test]
    fn a_refused_share_reads_tencents_error_back() {
        let mut c = Cloud::new();
        let (base, owner, alice) = (c.base.clone(), c.id("owner"), c.id("alice"));
        let share = |to: &str| Operation::Share {
            images: vec![base.clone()],
            recipients: vec![to.to_string()],
            options: Default::default(),
        };
        assert_eq!(c.perform("owner", share(&owner)), refused("FailedOperation.AccountIsYourSelf"));
        assert_eq!(c.perform("owner", share(&alice)), ok());
        assert_eq!(c.perform("owner", share(&alice)), refused("FailedOperation.AccountAlreadyExists"));
        // A recipient may not pass the image on.
        assert_eq!(c.perform("alice", share(&owner)), refused("UnauthorizedOperation.ImageNotBelongToAccount"));
    }

    #[test]
    fn an_image_missing_from_describe_images_is_not_found() {
        let mut c = Cloud::new();
        let base = c.base.clone();
        assert_eq!(c.perform("owner", Operation::Describe { image: base.clone() }), ok());
        assert_eq!(c.last("owner"), ("DescribeImages".into(), json!({ "ImageIds": [base] })));
        assert_eq!(c.perform("alice", Operation::Describe { image: base }), refused("empty ImageSet"));
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
}
