//! JD Cloud VM: private images shared by PIN, at most 10 accounts per image (the seed; the API
//! reference says 20), inside the image's region, usable at once, never re-shared.

pub mod api;
pub mod calls;
mod errors;
mod identity;
mod rules;
pub mod signature;
#[cfg(test)]
mod tests;

use super::{Provider, RegionMap, Spec};

pub use rules::RULES;

pub static SPEC: Spec = Spec {
    provider: Provider::Jdcloud,
    name: "jdcloud",
    title: "JD Cloud VM",
    seed: "000_b7ed9cef97505928.txt",
    rules: RULES,
    regions: &[
        RegionMap { name: "home", id: "cn-north-1" },
        RegionMap { name: "away", id: "cn-east-2" },
        RegionMap { name: "third", id: "cn-south-1" },
    ],
    identities: identity::identities,
    classify: identity::classify,
    image_id: identity::image_id,
    instance_id: identity::instance_id,
    signature: "JDCLOUD3-HMAC-SHA256: an HMAC-SHA256 over a canonical request (method, path, query, signed headers, body hash), keyed by a key derived from the secret, the date, the region and the service; a nonce in x-jdcloud-nonce makes each request single-use.",
    image_name: super::no_image_name,
    key_id: super::plain_key_id,
    wire_error: errors::wire_error,
    keys: super::KeyShape { id_prefix: "", id_len: 32, id_alphabet: crate::ids::UPPER_HEX, secret_len: 32 },
};
