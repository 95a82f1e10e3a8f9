//! Huawei account and resource IDs. An account (domain) has one project per region, and IMS names
//! share recipients by project ID: 32 lowercase hex digits, the same shape as the domain ID, so a
//! domain ID or the project ID of another region is the usual mistake. The account name is the
//! login name and names no recipient. Image and ECS server IDs are UUIDs, and so are KMS key IDs
//! (`^[0-9a-z]{8}-…-[0-9a-z]{12}$`, instances.md §4.3), which an encrypted image shows as
//! `__system__cmkid`.

use crate::ids::{hex32, uuid};
use crate::providers::{Identity, RegionMap, identity_hash};
use crate::rules::IdentityKind;

pub fn identities(account: &str, regions: &[RegionMap]) -> Vec<Identity> {
    let h = |kind: &str| identity_hash("huawei-ims", kind, account);
    let mut ids: Vec<Identity> = regions
        .iter()
        .enumerate()
        .map(|(i, r)| Identity {
            kind: IdentityKind::ProjectId,
            value: hex32(h(&format!("project:{}", r.id))),
            region: Some(i),
        })
        .collect();
    ids.push(Identity { kind: IdentityKind::DomainId, value: hex32(h("domain")), region: None });
    ids.push(Identity { kind: IdentityKind::AccountName, value: account.to_string(), region: None });
    ids
}

/// 32 lowercase hex digits look like a project ID (a domain ID has the same shape, but every
/// known domain ID is in the directory, so an unknown one is taken for a project ID).
pub fn classify(s: &str) -> Option<IdentityKind> {
    let hex = s.len() == 32 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    hex.then_some(IdentityKind::ProjectId)
}

pub fn image_id(h: u64, _owner: &str, _name: &str) -> String {
    uuid(h)
}

pub fn instance_id(h: u64) -> String {
    uuid(h)
}

pub fn key_id(h: u64) -> String {
    uuid(h)
}
