//! Huawei Cloud SWR: private container image repositories shared with other accounts by account
//! name ("access domains"), pull (read) only, at most 500 accounts per repository, same region,
//! each share valid until a date or forever.
//!
//! In the engine an SWR "image" is a repository (`namespace/name`) and `launch` is `docker pull`:
//! there are no instances, disks, keys or copies.
//!
//! `api.rs` serves SWR's HTTP API (namespaces, repositories, access domains, shared-repository
//! listings) to the official SDK, behind the shared API gateway (`providers::huawei_gateway`).

pub mod api;
pub mod calls;
mod errors;
mod identity;
pub mod registry;
mod rules;
#[cfg(test)]
mod tests;

use super::{Provider, RegionMap, Spec};

pub use rules::RULES;

pub static SPEC: Spec = Spec {
    provider: Provider::HuaweiSwr,
    name: "huawei-swr",
    title: "Huawei Cloud SWR",
    seed: "004_a15df96eeb7cc037.txt",
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
    signature: "SDK-HMAC-SHA256 for SWR's API, like IMS's; the registry takes docker login (user {region}@{AK}, password the HMAC-SHA256 of the AK keyed by the SK) and hands out Bearer tokens.",
    image_name: identity::image_name,
    key_id: super::plain_key_id,
    wire_error: errors::wire_error,
    keys: super::KeyShape { id_prefix: "", id_len: 20, id_alphabet: crate::ids::UPPER_ALNUM, secret_len: 40 },
};
