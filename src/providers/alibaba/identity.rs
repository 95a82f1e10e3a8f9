//! Alibaba Cloud account and resource IDs. An account is shared with by its 16-digit account ID
//! (UID, shown under Security Settings); the login e-mail an account signs in with is the usual
//! mistake, and ModifyImageSharePermission does not take it. Image IDs are `m-` and instance IDs
//! `i-` followed by 20 lowercase letters and digits (`m-bp1gbwvlscsk********`).

use crate::ids::{DIGITS, LOWER_ALNUM, chars};
use crate::providers::{Identity, RegionMap, identity_hash};
use crate::rules::IdentityKind;

pub fn identities(account: &str, _regions: &[RegionMap]) -> Vec<Identity> {
    let h = |kind| identity_hash("alibaba", kind, account);
    let one = |kind, value| Identity { kind, value, region: None };
    // The engine salts a colliding basis as `name#n`; `+n` keeps the address well formed.
    let local = account.to_ascii_lowercase().replace('#', "+");
    vec![
        one(IdentityKind::AccountId, format!("1{}", chars(h("account"), 15, DIGITS))),
        one(IdentityKind::LoginEmail, format!("{local}@example.com")),
    ]
}

pub fn classify(s: &str) -> Option<IdentityKind> {
    if s.len() == 16 && s.bytes().all(|b| b.is_ascii_digit()) {
        Some(IdentityKind::AccountId)
    } else if s.contains('@') {
        Some(IdentityKind::LoginEmail)
    } else {
        None
    }
}

pub fn image_id(h: u64, _owner: &str, _name: &str) -> String {
    format!("m-{}", chars(h, 20, LOWER_ALNUM))
}

pub fn instance_id(h: u64) -> String {
    format!("i-{}", chars(h, 20, LOWER_ALNUM))
}
