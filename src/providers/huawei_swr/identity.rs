//! Huawei account identities and SWR repository IDs.
//!
//! SWR names a share's recipient (`access_domain`) by the recipient's **account name**, not by an
//! ID, so an account's name is its recipient identity. A Huawei account also has an account
//! (domain) ID of 32 lowercase hex digits and one project ID of the same shape per region; both
//! are refused as recipients, which is the usual mistake for users coming from IMS.
//!
//! A repository is addressed as `namespace/name`. SWR namespaces (organizations) match
//! `^[a-z][a-z0-9._-]{0,63}$` and repository names are lower case, so both are derived by
//! lower-casing and replacing other characters with `-`.

use crate::ids::{HEX, LOWER_ALNUM, chars, hex32};
use crate::providers::{Identity, RegionMap, identity_hash};
use crate::rules::IdentityKind;

/// The longest namespace SWR accepts.
const NAMESPACE_MAX: usize = 64;
/// The longest repository name SWR accepts.
const REPOSITORY_MAX: usize = 128;

pub fn identities(account: &str, regions: &[RegionMap]) -> Vec<Identity> {
    let mut ids = vec![
        Identity { kind: IdentityKind::AccountName, value: account.to_string(), region: None },
        Identity {
            kind: IdentityKind::DomainId,
            value: hex32(identity_hash("huawei-swr", "domain", account)),
            region: None,
        },
    ];
    for (i, r) in regions.iter().enumerate() {
        let kind = format!("project:{}", r.id);
        ids.push(Identity {
            kind: IdentityKind::ProjectId,
            value: hex32(identity_hash("huawei-swr", &kind, account)),
            region: Some(i),
        });
    }
    ids
}

/// What a string that names no known account looks like: 32 lowercase hex digits are a domain
/// (or project) ID; letters, digits, `-`, `_` and `.` starting with a letter, 1–64 characters,
/// are an account name.
pub fn classify(s: &str) -> Option<IdentityKind> {
    if s.len() == 32 && s.bytes().all(|b| HEX.contains(&b)) {
        return Some(IdentityKind::DomainId);
    }
    let name_like = (1..=64).contains(&s.len())
        && s.as_bytes()[0].is_ascii_alphabetic()
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    name_like.then_some(IdentityKind::AccountName)
}

/// Lower-cases and replaces every character outside `[a-z0-9]` and `keep` with `-`.
fn sanitize(s: &str, keep: &[char]) -> String {
    s.chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| if c.is_ascii_lowercase() || c.is_ascii_digit() || keep.contains(&c) { c } else { '-' })
        .collect()
}

/// The owner's namespace: `ns-<account name>`. A name that had to be changed to fit SWR's pattern
/// (upper case, too long) gets a short hash of the exact name, so `Owner` and `owner` never share
/// a namespace.
pub fn namespace(owner: &str) -> String {
    const PREFIX: &str = "ns-";
    let mut ns = sanitize(owner, &['.', '_', '-']);
    if ns != owner || PREFIX.len() + ns.len() > NAMESPACE_MAX {
        let tag = chars(identity_hash("huawei-swr", "namespace", owner), 6, LOWER_ALNUM);
        ns.truncate(NAMESPACE_MAX - PREFIX.len() - 1 - tag.len());
        ns = format!("{ns}-{tag}");
    }
    format!("{PREFIX}{ns}")
}

/// The repository part of the ID: the image's name lower-cased, with `/` kept (SWR repository
/// names may contain it), separators trimmed from both ends and at most 128 characters. A name
/// with nothing usable left becomes `repo-<hash>`.
pub fn repository(h: u64, name: &str) -> String {
    let s = sanitize(name.trim(), &['.', '_', '-', '/']);
    let is_sep = |c: char| matches!(c, '.' | '_' | '-' | '/');
    let s: String = s.trim_matches(is_sep).chars().take(REPOSITORY_MAX).collect();
    let s = s.trim_end_matches(is_sep);
    if s.is_empty() { format!("repo-{}", chars(h, 8, LOWER_ALNUM)) } else { s.to_string() }
}

/// `<namespace>/<repository>`: the same owner and name always give the same ID, so the engine
/// refuses a second repository with that name (`AlreadyExists`).
pub fn image_id(h: u64, owner: &str, name: &str) -> String {
    format!("{}/{}", namespace(owner), repository(h, name))
}

/// The repository name `owner` addresses by `id`: `id` is in the owner's namespace and names a
/// repository as it would be made (the image ID of that name is `id` itself).
pub fn image_name(owner: &str, id: &str) -> Option<String> {
    let (ns, repo) = id.split_once('/')?;
    (ns == namespace(owner) && !repo.is_empty() && image_id(0, owner, repo) == id).then(|| repo.to_string())
}

/// Never issued: a pull creates no instance. Shaped as a pull record ID should one be needed.
pub fn instance_id(h: u64) -> String {
    format!("pull-{}", chars(h, 12, HEX))
}
