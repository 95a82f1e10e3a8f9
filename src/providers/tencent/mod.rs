//! Tencent Cloud CVM: custom images shared by root account ID, at most 50 per image, same region.

pub mod api;
#[cfg(test)]
mod api_tests;
pub mod calls;
pub mod client;
mod errors;
mod identity;
mod instances;
mod lighthouse;
mod rules;
pub mod signature;
#[cfg(test)]
mod tests;

use super::{Provider, RegionMap, Spec};

pub use rules::RULES;

pub static SPEC: Spec = Spec {
    provider: Provider::Tencent,
    name: "tencent",
    title: "Tencent Cloud CVM",
    seed: "001_9c427a79157c49cc.txt",
    rules: RULES,
    regions: &[
        RegionMap { name: "home", id: "ap-guangzhou" },
        RegionMap { name: "away", id: "ap-shanghai" },
        RegionMap { name: "third", id: "ap-beijing" },
    ],
    identities: identity::identities,
    classify: identity::classify,
    image_id: identity::image_id,
    instance_id: identity::instance_id,
    signature: "TC3-HMAC-SHA256: an HMAC-SHA256 over a canonical request and a credential scope (date, service, tc3_request), keyed by a chain of HMACs from the secret; the action, version and region travel in X-TC-* headers.",
    image_name: super::no_image_name,
    key_id: super::plain_key_id,
    wire_error: errors::wire_error,
    keys: super::KeyShape { id_prefix: "AKID", id_len: 36, id_alphabet: crate::ids::MIXED_ALNUM, secret_len: 32 },
};
