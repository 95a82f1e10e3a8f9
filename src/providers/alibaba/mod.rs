//! Alibaba Cloud ECS: custom images shared by 16-digit account ID, at most 50 accounts per image
//! and 10 per request, in the image's region only; a shared image cannot be deleted.

pub mod api;
#[cfg(test)]
mod api_tests;
pub mod calls;
pub mod client;
mod errors;
mod identity;
mod rules;
pub mod signature;
#[cfg(test)]
mod tests;

use super::{Provider, RegionMap, Spec};

pub use rules::RULES;

pub static SPEC: Spec = Spec {
    provider: Provider::Alibaba,
    name: "alibaba",
    title: "Alibaba Cloud ECS",
    seed: "002_cd8cc4c3fcb62042.txt",
    rules: RULES,
    regions: &[
        RegionMap { name: "home", id: "cn-hangzhou" },
        RegionMap { name: "away", id: "cn-shanghai" },
        RegionMap { name: "third", id: "cn-beijing" },
    ],
    identities: identity::identities,
    classify: identity::classify,
    image_id: identity::image_id,
    instance_id: identity::instance_id,
    signature: "ACS3-HMAC-SHA256 (the tea SDK) or the RPC signature v1 (HMAC-SHA1 over the sorted query, the core SDK): both sign the action's parameters with the AccessKey secret; a signature nonce makes each request single-use.",
    image_name: super::no_image_name,
    key_id: super::plain_key_id,
    wire_error: errors::wire_error,
    keys: super::KeyShape { id_prefix: "LTAI5t", id_len: 24, id_alphabet: crate::ids::MIXED_ALNUM, secret_len: 30 },
};
