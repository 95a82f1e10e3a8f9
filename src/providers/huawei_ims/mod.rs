//! Huawei Cloud IMS: private images shared by project ID (one per account per region), up to 100
//! projects and many images per request, inside the image's region, accepted before use;
//! encrypted images only with a custom key authorized to the recipient.

pub mod api;
pub mod calls;
mod ecs;
mod errors;
mod identity;
mod images;
mod jobs;
mod keystone;
pub mod kms;
mod members;
mod rules;
#[cfg(test)]
mod tests;

use super::{Provider, RegionMap, Spec};

pub use rules::RULES;

pub static SPEC: Spec = Spec {
    provider: Provider::HuaweiIms,
    name: "huawei-ims",
    title: "Huawei Cloud IMS",
    seed: "003_232af1e1485036f8.txt",
    rules: RULES,
    regions: &[
        RegionMap { name: "home", id: "cn-north-4" },
        RegionMap { name: "away", id: "cn-east-3" },
        RegionMap { name: "third", id: "cn-south-1" },
    ],
    identities: identity::identities,
    classify: identity::classify,
    image_id: identity::image_id,
    instance_id: identity::instance_id,
    signature: "SDK-HMAC-SHA256 (Huawei's API gateway): an HMAC-SHA256, keyed by the secret key, over a canonical request with X-Sdk-Date; the project in X-Project-Id names the region.",
    image_name: super::no_image_name,
    key_id: identity::key_id,
    wire_error: errors::wire_error,
    keys: super::KeyShape { id_prefix: "", id_len: 20, id_alphabet: crate::ids::UPPER_ALNUM, secret_len: 40 },
};

/// Whether `s` is shaped as a KMS key ID (for tests beside the adapter).
#[cfg(test)]
fn kms_is_key_id(s: &str) -> bool {
    kms::is_key_id(s)
}
