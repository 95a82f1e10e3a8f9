//! The world's state: accounts, images, shares, instances, key grants and the clock.
//!
//! Everything here serializes deterministically (vectors and B-tree maps only), so a state dump
//! is byte-identical for the same operations. Lookup indices are derived and rebuilt on load.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::op::{EncryptionSpec, ImageKind, Product, Visibility};
use super::outcome::ShareStatus;
use crate::providers::Identity;
use crate::rules::IdentityKind;

/// Index of an account in [`State::accounts`].
pub type AccountIx = u32;
/// Index of an image in [`State::images`]; deleted images keep their slot.
pub type ImageIx = u32;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub identities: Vec<Identity>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Share {
    pub status: ShareStatus,
    pub created_at: u64,
    /// Listings show the share from this time on (eventual consistency).
    pub visible_at: u64,
    /// End of validity; `None` is permanent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Box<str>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Image {
    pub id: String,
    pub name: String,
    pub description: String,
    pub owner: AccountIx,
    pub region: usize,
    pub created_at: u64,
    /// The image is in the creating state until this time.
    pub ready_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<u64>,
    pub visibility: Visibility,
    pub encryption: EncryptionSpec,
    /// The customer key that encrypts the image, for `CustomKey`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub kind: ImageKind,
    /// Current members, by account.
    pub shares: BTreeMap<AccountIx, Share>,
    /// Accounts whose share was cancelled (or removed with the image): they lost access.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub former_members: BTreeSet<AccountIx>,
    /// Shared with the owner's Lighthouse (Tencent).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lighthouse: bool,
    /// The product the image was made in: a Lighthouse instance makes a Lighthouse image.
    #[serde(default, skip_serializing_if = "is_cvm")]
    pub home: Product,
    /// A Lighthouse image handed to the owner's CVM (Tencent).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cvm: bool,
    /// What a registry holds for the repository (SWR), by reference only.
    #[serde(default, skip_serializing_if = "Content::is_empty")]
    pub content: Content,
}

/// What a registry holds for one repository, by reference: digests and sizes. The bytes live in
/// the registry's content store (`wire::content`), shared by every repository that links them,
/// so a state dump stays small whatever was pushed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Content {
    /// Blobs linked to the repository (uploaded, mounted or referenced by a manifest put):
    /// digest to size.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub blobs: BTreeMap<String, u64>,
    /// Manifests put into the repository, by digest.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub manifests: BTreeMap<String, ManifestEntry>,
    /// Tag to manifest digest.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

impl Content {
    pub fn is_empty(&self) -> bool {
        self.blobs.is_empty() && self.manifests.is_empty() && self.tags.is_empty()
    }

    /// Bytes the repository holds: its distinct blobs and manifests.
    pub fn size(&self) -> u64 {
        self.blobs.values().chain(self.manifests.values().map(|m| &m.size)).fold(0u64, |a, &b| a.saturating_add(b))
    }
}

/// A manifest of a repository: its media type, size and the blobs it references.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ManifestEntry {
    pub media_type: String,
    pub size: u64,
    pub blobs: Vec<String>,
}

fn is_cvm(p: &Product) -> bool {
    *p == Product::Cvm
}

impl Image {
    /// Whether instances of `product` can be built from the image: the product it was made in,
    /// or the other one once handed over.
    pub fn usable_in(&self, product: Product) -> bool {
        self.home == product
            || match product {
                Product::Lighthouse => self.lighthouse,
                Product::Cvm => self.cvm,
            }
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }

    pub fn is_available(&self, now: u64) -> bool {
        !self.is_deleted() && now >= self.ready_at
    }

    pub fn state_name(&self, now: u64) -> &'static str {
        if self.is_deleted() {
            "deleted"
        } else if now >= self.ready_at {
            "available"
        } else {
            "creating"
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Instance {
    pub id: String,
    pub owner: AccountIx,
    /// The image the system disk was last built from.
    pub image: ImageIx,
    pub region: usize,
    pub product: Product,
    /// Stopped by its owner (Alibaba's StopInstance); nothing in the model requires it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stopped: bool,
    /// Deleted (released, terminated) by its owner; it answers to no call any more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<u64>,
}

/// Where a recipient string points in the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirEntry {
    pub account: AccountIx,
    pub kind: IdentityKind,
    pub region: Option<usize>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct State {
    pub seed: u64,
    /// Seconds since the Unix epoch on the virtual clock.
    pub now: u64,
    /// Counts every ID handed out, so IDs depend only on the order of operations.
    pub counter: u64,
    pub accounts: Vec<Account>,
    pub images: Vec<Image>,
    pub instances: Vec<Instance>,
    /// (key, account) pairs: the owner authorized its key to that account.
    pub key_grants: BTreeSet<(String, AccountIx)>,
    #[serde(skip)]
    pub index: Index,
}

/// Lookups derived from the state; never serialized.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Index {
    pub account_by_name: HashMap<String, AccountIx>,
    pub directory: HashMap<String, DirEntry>,
    pub image_by_id: HashMap<String, ImageIx>,
    pub instance_by_id: HashMap<String, usize>,
    /// Images shared with each account (current members only).
    pub shared_with: HashMap<AccountIx, BTreeSet<ImageIx>>,
    /// Images owned by each account, deleted ones included.
    pub owned: HashMap<AccountIx, BTreeSet<ImageIx>>,
}

impl State {
    /// Rebuilds the lookup indices, e.g. after loading a dump.
    pub fn reindex(&mut self) {
        let mut ix = Index::default();
        for (a, acc) in self.accounts.iter().enumerate() {
            let a = a as AccountIx;
            ix.account_by_name.insert(acc.name.clone(), a);
            for id in &acc.identities {
                ix.directory.insert(id.value.clone(), DirEntry { account: a, kind: id.kind, region: id.region });
            }
        }
        for (i, img) in self.images.iter().enumerate() {
            let i = i as ImageIx;
            ix.image_by_id.insert(img.id.clone(), i);
            ix.owned.entry(img.owner).or_default().insert(i);
            for &m in img.shares.keys() {
                ix.shared_with.entry(m).or_default().insert(i);
            }
        }
        for (n, inst) in self.instances.iter().enumerate() {
            ix.instance_by_id.insert(inst.id.clone(), n);
        }
        self.index = ix;
    }
}
