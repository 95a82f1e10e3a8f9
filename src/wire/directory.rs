//! What a client needs to look up before it calls: an account's identities (a Huawei project ID
//! per region), an image's name and region, an instance's region and product, the region IDs and
//! the virtual clock. `run --via http` keeps one per scenario run and refreshes it only after a
//! step that can change state, instead of copying the whole engine before every call. Decisions
//! are the server's; nothing here decides anything.

use std::collections::HashMap;

use crate::engine::{Engine, Product};
use crate::providers::{Identity, Provider};
use crate::rules::IdentityKind;

/// An image as a client knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageEntry {
    pub name: String,
    /// Index into the provider's regions.
    pub region: usize,
    pub owner: String,
    /// The customer key it is encrypted with, which key-grant calls (Huawei KMS) name.
    pub key: Option<String>,
}

/// An instance as a client knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceEntry {
    pub region: usize,
    pub product: Product,
}

/// A read-only view of the world for clients.
#[derive(Debug, Clone)]
pub struct Directory {
    provider: Provider,
    accounts: HashMap<String, Vec<Identity>>,
    images: HashMap<String, ImageEntry>,
    instances: HashMap<String, InstanceEntry>,
    now: u64,
}

impl Directory {
    pub fn new(engine: &Engine) -> Directory {
        let accounts = engine.state().accounts.iter().map(|a| (a.name.clone(), a.identities.clone())).collect();
        let mut d = Directory {
            provider: engine.provider(),
            accounts,
            images: HashMap::new(),
            instances: HashMap::new(),
            now: 0,
        };
        d.refresh(engine);
        d
    }

    /// Catches up with the engine's images, instances and clock. Accounts are fixed when a world
    /// is built, so they are read once.
    pub fn refresh(&mut self, engine: &Engine) {
        let state = engine.state();
        if state.accounts.len() != self.accounts.len() {
            self.accounts = state.accounts.iter().map(|a| (a.name.clone(), a.identities.clone())).collect();
        }
        self.images.clear();
        for img in &state.images {
            // Later images with a reused ID (an SWR repository made again) replace earlier ones.
            let owner = state.accounts.get(img.owner as usize).map(|a| a.name.clone()).unwrap_or_default();
            self.images.insert(
                img.id.clone(),
                ImageEntry { name: img.name.clone(), region: img.region, owner, key: img.key.clone() },
            );
        }
        self.instances.clear();
        for inst in state.instances.iter().filter(|i| i.deleted_at.is_none()) {
            self.instances.insert(inst.id.clone(), InstanceEntry { region: inst.region, product: inst.product });
        }
        self.now = engine.now();
    }

    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// Seconds since the Unix epoch on the virtual clock when the directory was last refreshed.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// An abstract region name (`away`) or a region ID, as an index into the provider's regions.
    pub fn resolve_region(&self, s: &str) -> Option<usize> {
        self.provider.spec().regions.iter().position(|r| r.name == s || r.id == s)
    }

    /// `account`'s identity of `kind` (in `region`, for per-region identities).
    pub fn identity(&self, account: &str, kind: IdentityKind, region: Option<usize>) -> Option<&str> {
        self.accounts
            .get(account)?
            .iter()
            .find(|i| i.kind == kind && (i.region.is_none() || i.region == region))
            .map(|i| i.value.as_str())
    }

    /// The account with this identity, and the identity (Huawei KMS names a grantee by the
    /// domain ID of the account whose project a step names).
    pub fn account_of(&self, value: &str) -> Option<(&str, &Identity)> {
        let mut found: Vec<(&str, &Identity)> = self
            .accounts
            .iter()
            .flat_map(|(name, ids)| ids.iter().filter(|i| i.value == value).map(move |i| (name.as_str(), i)))
            .collect();
        // HashMap order is not stable; the smallest name wins should two accounts share one.
        found.sort_by_key(|(name, _)| *name);
        found.into_iter().next()
    }

    pub fn image(&self, id: &str) -> Option<&ImageEntry> {
        self.images.get(id)
    }

    pub fn instance(&self, id: &str) -> Option<InstanceEntry> {
        self.instances.get(id).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{NewImage, Operation, Output, Request};

    #[test]
    fn it_follows_the_engine_only_when_refreshed() {
        let mut e = Engine::new(Provider::HuaweiIms, 1);
        e.add_account("owner").unwrap();
        let mut d = Directory::new(&e);
        let project = d.identity("owner", IdentityKind::ProjectId, Some(1)).map(str::to_string);
        assert!(project.is_some());
        assert_ne!(project.as_deref(), d.identity("owner", IdentityKind::ProjectId, Some(0)));
        let new = NewImage { name: "base".into(), region: "away".into(), ..Default::default() };
        let Ok(Output::ImageCreated { image, .. }) = e.apply(&Request::new("owner", Operation::CreateImage(new)))
        else {
            panic!("image")
        };
        assert!(d.image(&image).is_none());
        d.refresh(&e);
        assert_eq!(d.image(&image).map(|i| (i.region, i.owner.as_str())), Some((1, "owner")));
        assert_eq!(d.resolve_region("away"), Some(1));
        assert_eq!(d.resolve_region("mars"), None);
    }
}
