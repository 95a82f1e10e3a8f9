//! Tencent account and resource IDs. Root account IDs are 12 digits; collaborators (sub-users)
//! have IDs of the same shape that are not root accounts; an APPID is 10 digits and names no
//! account at all, which is the usual mistake when sharing.

use crate::ids::{DIGITS, LOWER_ALNUM, chars};
use crate::providers::{Identity, RegionMap, identity_hash};
use crate::rules::IdentityKind;

pub fn identities(account: &str, _regions: &[RegionMap]) -> Vec<Identity> {
    let h = |kind| identity_hash("tencent", kind, account);
    let one = |kind, value| Identity { kind, value, region: None };
    vec![
        one(IdentityKind::RootAccountId, format!("100{}", chars(h("root"), 9, DIGITS))),
        one(IdentityKind::SubAccountId, format!("200{}", chars(h("sub"), 9, DIGITS))),
        one(IdentityKind::AppId, format!("125{}", chars(h("appid"), 7, DIGITS))),
    ]
}

pub fn classify(s: &str) -> Option<IdentityKind> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match s.len() {
        12 => Some(IdentityKind::RootAccountId),
        10 => Some(IdentityKind::AppId),
        _ => None,
    }
}

pub fn image_id(h: u64, _owner: &str, _name: &str) -> String {
    format!("img-{}", chars(h, 8, LOWER_ALNUM))
}

pub fn instance_id(h: u64) -> String {
    format!("ins-{}", chars(h, 8, LOWER_ALNUM))
}
