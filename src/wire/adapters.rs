//! Which HTTP adapter serves which provider. A provider's rule pack (`providers/<p>/rules.rs`,
//! `identity.rs`, `errors.rs`) is what the engine reads; its HTTP API (`providers/<p>/api.rs`)
//! calls the engine. Keeping the list here, not in `providers::Spec`, keeps the layers one way:
//! engine <- rule packs <- wire adapters.

use super::Adapter;
use crate::providers::{self, Provider};

/// The HTTP API of `provider`.
pub fn adapter(provider: Provider) -> Adapter {
    match provider {
        Provider::Jdcloud => providers::jdcloud::api::ADAPTER,
        Provider::Tencent => providers::tencent::api::ADAPTER,
        Provider::Alibaba => providers::alibaba::api::ADAPTER,
        Provider::HuaweiIms => providers::huawei_ims::api::ADAPTER,
        Provider::HuaweiSwr => providers::huawei_swr::api::ADAPTER,
    }
}

/// The provider's container registry, on a listener of its own, where it has one: SWR's
/// registry serves the repositories its API shares (`providers/huawei_swr/registry/`).
pub fn registry(provider: Provider) -> Option<Adapter> {
    match provider {
        Provider::HuaweiSwr => Some(providers::huawei_swr::registry::ADAPTER),
        _ => None,
    }
}

/// The name a registry's listener goes by in `serve`'s start-up line.
pub fn registry_name(provider: Provider) -> String {
    format!("{}-registry", provider.name())
}
