//! The five clouds. Each folder holds one provider's knowledge: its rule table (`rules.rs`), the
//! shapes of its identities and IDs (`identity.rs`) and its error codes (`errors.rs`). Nothing
//! outside a provider's folder knows anything specific to it.

pub mod alibaba;
pub mod huawei_gateway;
pub mod huawei_ims;
pub mod huawei_swr;
pub mod jdcloud;
pub mod tencent;

use std::sync::OnceLock;

use serde::Serialize;

use crate::engine::{Action, ErrorKind, Failure};
use crate::rules::{Effect, IdentityKind, Policy, Rule};

/// One of the simulated clouds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Provider {
    Jdcloud,
    Tencent,
    Alibaba,
    HuaweiIms,
    HuaweiSwr,
}

/// An abstract region name and the provider's real region ID for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RegionMap {
    pub name: &'static str,
    pub id: &'static str,
}

/// One way of naming an account on a provider. Huawei project IDs exist once per region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Identity {
    pub kind: IdentityKind,
    pub value: String,
    /// Index into the provider's regions, for per-region identities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<usize>,
}

/// The provider's own error for a canonical one: what the wire returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WireError {
    pub status: u16,
    pub code: &'static str,
    pub message: &'static str,
    /// Where the code comes from: a provider's API reference, or inferred (`Assumed`) where
    /// no reference gives a code for this refusal. `explain` shows it.
    #[serde(skip)]
    pub basis: crate::rules::Basis,
    /// Why an inferred code was chosen.
    #[serde(skip)]
    pub note: &'static str,
}

impl WireError {
    /// A code the provider's API reference (or its SDK's error list) gives for this refusal.
    pub const fn new(status: u16, code: &'static str, message: &'static str) -> WireError {
        WireError { status, code, message, basis: crate::rules::Basis::ApiReference, note: "" }
    }

    /// The same code, marked as inferred for this refusal: no reference says so, `why` says
    /// why it was chosen.
    pub const fn inferred(self, why: &'static str) -> WireError {
        WireError { basis: crate::rules::Basis::Assumed, note: why, ..self }
    }
}

/// Everything the engine and the renderers need to know about one provider.
pub struct Spec {
    pub provider: Provider,
    /// CLI name: `jdcloud`, `tencent`, `alibaba`, `huawei-ims`, `huawei-swr`.
    pub name: &'static str,
    pub title: &'static str,
    /// The seed document the rules come from.
    pub seed: &'static str,
    pub rules: &'static [Rule],
    /// Abstract region names in order: `home`, `away`, `third`.
    pub regions: &'static [RegionMap],
    /// Every identity an account has on this provider, derived from its abstract name.
    pub identities: fn(account: &str, regions: &[RegionMap]) -> Vec<Identity>,
    /// The identity kind a string is shaped like, for strings that name no known account.
    pub classify: fn(&str) -> Option<IdentityKind>,
    /// A new image ID from a stable hash, the owner's account name and the image's name
    /// (SWR repositories are addressed as `namespace/name`).
    pub image_id: fn(hash: u64, owner: &str, name: &str) -> String,
    /// A new instance ID from a stable hash.
    pub instance_id: fn(u64) -> String,
    /// The name of the image `owner` would address by `id`, where IDs follow from names (an
    /// SWR repository `ns-<owner>/<name>`): a push there creates it (`Effect::PushCreates`).
    pub image_name: fn(owner: &str, id: &str) -> Option<String>,
    /// How a request proves who sent it, in a sentence (the teaching report shows it).
    pub signature: &'static str,
    /// A new customer key's ID from a stable hash. Huawei's images name their key by its KMS
    /// key ID (a 36-character UUID), which the KMS API checks; the others show no key ID on any
    /// call sharesim serves and keep [`plain_key_id`].
    pub key_id: fn(u64) -> String,
    /// The provider's error for a canonical error raised by an action.
    pub wire_error: fn(ErrorKind, Action) -> WireError,
    /// What the provider's access keys look like.
    pub keys: KeyShape,
}

/// The shape of a provider's access key ID and secret, for generated worlds.
#[derive(Debug, Clone, Copy)]
pub struct KeyShape {
    pub id_prefix: &'static str,
    pub id_len: usize,
    pub id_alphabet: &'static [u8],
    pub secret_len: usize,
}

impl Spec {
    /// The provider's error for a failure of `action`. A refused share option is reported as
    /// that option (`SetDescription`, `SetPermission`, `SetValidity`), which providers answer
    /// with their own codes (SWR: 413 for a long description).
    pub fn wire(&self, f: &Failure, action: Action) -> WireError {
        let action = match (f.kind, f.rule.and_then(|id| self.provider.rule(id)).map(|r| r.effect)) {
            (ErrorKind::InvalidParameter, Some(Effect::ShareDescription { .. })) => Action::SetDescription,
            (ErrorKind::InvalidParameter, Some(Effect::PullOnly)) => Action::SetPermission,
            (ErrorKind::InvalidParameter, Some(Effect::ShareValidity)) => Action::SetValidity,
            // A describe made in another region is a describe of an image that is not there.
            (ErrorKind::CrossRegion, Some(Effect::SameRegion)) if action == Action::Describe => {
                return (self.wire_error)(ErrorKind::NotFound, Action::Describe);
            }
            // A registry is per region too: a pull or push there answers as the registry
            // answers a repository the caller cannot reach.
            (ErrorKind::CrossRegion, Some(Effect::SameRegion))
                if matches!(action, Action::Launch | Action::Push) && self.provider.policy().layer_size.is_some() =>
            {
                action
            }
            // Any other call made in another region never reaches the operation: the provider
            // answers as it answers a lookup of an image it does not have there.
            (ErrorKind::CrossRegion, Some(Effect::SameRegion)) => Action::Describe,
            _ => action,
        };
        (self.wire_error)(f.kind, action)
    }
}

static POLICIES: [OnceLock<Policy>; 5] = [const { OnceLock::new() }; 5];

impl Provider {
    pub const ALL: [Provider; 5] =
        [Provider::Jdcloud, Provider::Tencent, Provider::Alibaba, Provider::HuaweiIms, Provider::HuaweiSwr];

    pub fn spec(self) -> &'static Spec {
        match self {
            Provider::Jdcloud => &jdcloud::SPEC,
            Provider::Tencent => &tencent::SPEC,
            Provider::Alibaba => &alibaba::SPEC,
            Provider::HuaweiIms => &huawei_ims::SPEC,
            Provider::HuaweiSwr => &huawei_swr::SPEC,
        }
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The policy folded from the rule table. Tables are static and `tests::every_table_folds`
    /// proves each folds, so a conflict here is a bug in this crate, not bad input.
    pub fn policy(self) -> &'static Policy {
        POLICIES[self as usize].get_or_init(|| match Policy::from_rules(self.spec().rules) {
            Ok(p) => p,
            Err(e) => panic!("{} rule table: {e}", self.name()),
        })
    }

    /// Parses a CLI or scenario provider name (`tencent`, `tc`, `huawei-ims`, `ims` …).
    pub fn parse(s: &str) -> Option<Provider> {
        let s = s.to_ascii_lowercase().replace('_', "-");
        Provider::NAMES.iter().find(|(name, _)| *name == s).map(|(_, p)| *p)
    }

    /// Every name a provider answers to: its own first, then its aliases (case and `_`/`-`
    /// do not matter when parsing; the scenario schema lists these spellings).
    pub const NAMES: &'static [(&'static str, Provider)] = &[
        ("jdcloud", Provider::Jdcloud),
        ("jd", Provider::Jdcloud),
        ("jd-cloud", Provider::Jdcloud),
        ("tencent", Provider::Tencent),
        ("tc", Provider::Tencent),
        ("tencentcloud", Provider::Tencent),
        ("cvm", Provider::Tencent),
        ("alibaba", Provider::Alibaba),
        ("al", Provider::Alibaba),
        ("aliyun", Provider::Alibaba),
        ("ecs", Provider::Alibaba),
        ("huawei-ims", Provider::HuaweiIms),
        ("ims", Provider::HuaweiIms),
        ("hi", Provider::HuaweiIms),
        ("huawei-swr", Provider::HuaweiSwr),
        ("swr", Provider::HuaweiSwr),
        ("hs", Provider::HuaweiSwr),
    ];

    /// The rule with this ID in this provider's table.
    pub fn rule(self, id: &str) -> Option<&'static Rule> {
        self.spec().rules.iter().find(|r| r.id.eq_ignore_ascii_case(id))
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// For providers whose image IDs are generated, not derived from names.
pub fn no_image_name(_owner: &str, _id: &str) -> Option<String> {
    None
}

/// `key-<16 hex>`: a key ID for providers whose APIs never show one.
pub fn plain_key_id(h: u64) -> String {
    format!("key-{}", &crate::ids::hex32(h)[..16])
}

/// The three abstract regions every provider maps.
pub const REGION_NAMES: [&str; 3] = ["home", "away", "third"];

/// Per-kind identity derivation shared by the providers: a stable hash of provider, kind and name.
pub(crate) fn identity_hash(provider: &str, kind: &str, account: &str) -> u64 {
    crate::ids::stable_hash(&[provider, kind, account])
}

impl std::fmt::Debug for Spec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spec").field("name", &self.name).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Basis;
    use std::collections::BTreeSet;

    #[test]
    fn every_table_folds() {
        for p in Provider::ALL {
            Policy::from_rules(p.spec().rules).unwrap_or_else(|e| panic!("{p}: {e}"));
        }
    }

    #[test]
    fn rule_ids_are_unique_and_prefixed() {
        let mut seen = BTreeSet::new();
        for p in Provider::ALL {
            let prefix = match p {
                Provider::Jdcloud => "JD-",
                Provider::Tencent => "TC-",
                Provider::Alibaba => "AL-",
                Provider::HuaweiIms => "HI-",
                Provider::HuaweiSwr => "HS-",
            };
            for r in p.spec().rules {
                assert!(r.id.starts_with(prefix), "{} in {p}", r.id);
                assert!(seen.insert(r.id), "duplicate rule {}", r.id);
                assert!(!r.text.is_empty() && !r.source.is_empty() && !r.short.is_empty(), "{}", r.id);
                if r.basis == Basis::Assumed {
                    assert!(!r.notes.is_empty(), "assumed rule {} must say why in its notes", r.id);
                }
            }
        }
    }

    #[test]
    fn every_provider_maps_three_regions() {
        for p in Provider::ALL {
            let names: Vec<_> = p.spec().regions.iter().map(|r| r.name).collect();
            assert_eq!(names, REGION_NAMES, "{p}");
        }
    }

    #[test]
    fn every_canonical_error_has_a_wire_error_for_every_action() {
        // The mapping is an exhaustive match, so this checks that it answers sensibly:
        // errors are 4xx (Tencent: 200 in the envelope) and carry a code.
        for p in Provider::ALL {
            for kind in ErrorKind::ALL {
                for action in crate::engine::Action::ALL {
                    let w = (p.spec().wire_error)(kind, action);
                    assert!(!w.code.is_empty() && !w.message.is_empty(), "{p} {kind:?} {action:?}");
                    // A refused describe on Alibaba is an empty listing (HTTP 200), not an error.
                    let listing = w.code.starts_with("empty ");
                    let ok = if p == Provider::Tencent || listing {
                        w.status == 200
                    } else {
                        (400..500).contains(&w.status)
                    };
                    assert!(ok, "{p} {kind:?} {action:?} -> {}", w.status);
                }
            }
        }
    }

    #[test]
    fn names_parse_back() {
        for p in Provider::ALL {
            assert_eq!(Provider::parse(p.name()), Some(p));
        }
        assert_eq!(Provider::parse("aws"), None);
    }
}
