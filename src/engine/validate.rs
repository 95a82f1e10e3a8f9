//! What a loaded state must satisfy before the engine may run on it. The engine indexes
//! accounts, images and regions directly and trusts the derived lookups, so a state file that
//! names region 99 or two images with one ID would panic or answer wrongly much later, far from
//! the file that caused it. Every invariant the engine and the adapters rely on is checked here,
//! once, with a message that names the offending record.

use std::collections::HashSet;

use super::state::{AccountIx, State};
use crate::clock::MAX_SECS;
use crate::providers::Spec;

/// Checks `state` against `spec`; the error names the first record that breaks an invariant.
pub fn state(spec: &Spec, state: &State) -> Result<(), String> {
    let regions = spec.regions.len();
    let n_acc = state.accounts.len();
    if n_acc > AccountIx::MAX as usize || state.images.len() > u32::MAX as usize {
        return Err("more accounts or images than the engine can index".into());
    }
    let account = |a: AccountIx| (a as usize) < n_acc;
    if state.now > MAX_SECS {
        return Err(format!("the clock ({}) is past the last second sharesim can show ({MAX_SECS})", state.now));
    }
    accounts(spec, state)?;
    // An ID may come back after its image was deleted (an SWR repository made again under
    // its name); lookups then find the last one, so every earlier one must be deleted.
    let mut last_with_id = std::collections::HashMap::new();
    for (i, img) in state.images.iter().enumerate() {
        last_with_id.insert(img.id.as_str(), i);
    }
    for (i, img) in state.images.iter().enumerate() {
        let at = || format!("images[{i}] (`{}`)", img.id);
        if img.id.is_empty() || (last_with_id.get(img.id.as_str()) != Some(&i) && !img.is_deleted()) {
            return Err(format!("{}: image IDs must be non-empty and name one image that is not deleted", at()));
        }
        if !account(img.owner) {
            return Err(format!("{}: owner {} is not an account (there are {n_acc})", at(), img.owner));
        }
        if img.region >= regions {
            return Err(format!("{}: region {} does not exist ({} has {regions})", at(), img.region, spec.title));
        }
        if let Some(&a) = img.shares.keys().chain(&img.former_members).find(|&&a| !account(a)) {
            return Err(format!("{}: member {a} is not an account (there are {n_acc})", at()));
        }
        if img.shares.contains_key(&img.owner) {
            return Err(format!("{}: the owner is listed as a member of its own image", at()));
        }
        content(&img.content).map_err(|why| format!("{}: content: {why}", at()))?;
    }
    let mut instance_ids = HashSet::new();
    for (n, inst) in state.instances.iter().enumerate() {
        let at = || format!("instances[{n}] (`{}`)", inst.id);
        if inst.id.is_empty() || !instance_ids.insert(inst.id.as_str()) {
            return Err(format!("{}: instance IDs must be non-empty and unique", at()));
        }
        if !account(inst.owner) || inst.image as usize >= state.images.len() || inst.region >= regions {
            return Err(format!("{}: names an account, image or region that does not exist", at()));
        }
    }
    if let Some((key, a)) = state.key_grants.iter().find(|(_, a)| !account(*a)) {
        return Err(format!("key grant of `{key}`: account {a} does not exist (there are {n_acc})"));
    }
    Ok(())
}

/// A repository's references hang together: well-formed digests and tags, every tag naming a
/// manifest of the repository and every manifest's blobs linked to it. The registry serves
/// content by these references, so a dangling one would be a pull that cannot be answered.
fn content(c: &super::state::Content) -> Result<(), String> {
    use super::content::{valid_digest, valid_tag};
    if let Some(d) = c.blobs.keys().chain(c.manifests.keys()).find(|d| !valid_digest(d)) {
        return Err(format!("`{d}` is not a sha256 digest"));
    }
    for (digest, m) in &c.manifests {
        if m.media_type.is_empty() || m.media_type.len() > 255 {
            return Err(format!("manifest {digest} has no media type, or one over 255 characters"));
        }
        if let Some(b) = m.blobs.iter().find(|b| !c.blobs.contains_key(*b)) {
            return Err(format!("manifest {digest} references blob {b}, which the repository does not hold"));
        }
    }
    for (tag, digest) in &c.tags {
        if !valid_tag(tag) {
            return Err(format!("`{tag}` is not a valid tag"));
        }
        if !c.manifests.contains_key(digest) {
            return Err(format!("tag `{tag}` names manifest {digest}, which the repository does not hold"));
        }
    }
    Ok(())
}

/// Account names are unique and well formed, and each account has exactly the identities the
/// provider derives for an account (same kinds, same regions), each naming one account only:
/// the directory that resolves recipients is rebuilt from them.
fn accounts(spec: &Spec, state: &State) -> Result<(), String> {
    let mut names = HashSet::new();
    let mut values = HashSet::new();
    for (a, acc) in state.accounts.iter().enumerate() {
        let at = || format!("accounts[{a}] (`{}`)", acc.name);
        if !super::valid_account_name(&acc.name) || !names.insert(acc.name.as_str()) {
            return Err(format!("{}: account names must be unique, 1-64 letters, digits, `-`, `_` or `.`", at()));
        }
        let expected: Vec<_> =
            (spec.identities)(&acc.name, spec.regions).into_iter().map(|i| (i.kind, i.region)).collect();
        let found: Vec<_> = acc.identities.iter().map(|i| (i.kind, i.region)).collect();
        if found != expected {
            return Err(format!(
                "{}: identities must be one per kind and region as {} gives them ({} expected, {} found{})",
                at(),
                spec.title,
                expected.len(),
                found.len(),
                match acc.identities.iter().find_map(|i| i.region.filter(|&r| r >= spec.regions.len())) {
                    Some(r) => format!("; region {r} does not exist"),
                    None => String::new(),
                }
            ));
        }
        if let Some(dup) = acc.identities.iter().find(|i| i.value.is_empty() || !values.insert(i.value.as_str())) {
            return Err(format!("{}: identity `{}` is empty or names another account too", at(), dup.value));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::engine::{Engine, LoadError, NewImage, Operation, Request};
    use crate::providers::Provider;

    fn world(p: Provider) -> Engine {
        let mut e = Engine::new(p, 1);
        e.add_account("owner").unwrap();
        e.add_account("alice").unwrap();
        let new = NewImage { name: "base".into(), region: "home".into(), ..Default::default() };
        e.apply(&Request::new("owner", Operation::CreateImage(new))).unwrap();
        e
    }

    fn edited(p: Provider, edit: impl Fn(&mut serde_json::Value)) -> Result<Engine, LoadError> {
        let mut v: serde_json::Value = serde_json::from_str(&world(p).dump()).unwrap();
        edit(&mut v);
        Engine::load(p, &v.to_string())
    }

    fn refusal(p: Provider, edit: impl Fn(&mut serde_json::Value)) -> String {
        match edited(p, edit) {
            Err(LoadError::Inconsistent(why)) => why,
            Err(other) => panic!("refused for another reason: {other}"),
            Ok(_) => panic!("an inconsistent state was accepted"),
        }
    }

    #[test]
    fn a_dump_loads_back() {
        for p in Provider::ALL {
            let e = world(p);
            assert_eq!(Engine::load(p, &e.dump()).unwrap().dump(), e.dump(), "{p}");
        }
    }

    #[test]
    fn an_identity_in_a_region_that_does_not_exist_is_refused() {
        // The defect: region 99 was accepted, and later shares and listings panicked.
        let why = refusal(Provider::HuaweiIms, |v| v["state"]["accounts"][1]["identities"][1]["region"] = 99.into());
        assert!(why.contains("accounts[1] (`alice`)") && why.contains("region 99 does not exist"), "{why}");
    }

    #[test]
    fn every_broken_invariant_is_named() {
        let p = Provider::Tencent;
        type Edit = Box<dyn Fn(&mut serde_json::Value)>;
        let cases: Vec<(&str, Edit)> = vec![
            ("owner 7", Box::new(|v| v["state"]["images"][0]["owner"] = 7.into())),
            ("region 5", Box::new(|v| v["state"]["images"][0]["region"] = 5.into())),
            ("account names", Box::new(|v| v["state"]["accounts"][1]["name"] = "owner".into())),
            (
                "names another account",
                Box::new(|v| {
                    let first = v["state"]["accounts"][0]["identities"][0]["value"].clone();
                    v["state"]["accounts"][1]["identities"][0]["value"] = first;
                }),
            ),
            (
                "member 9",
                Box::new(|v| {
                    v["state"]["images"][0]["former_members"] = serde_json::json!([9]);
                }),
            ),
            (
                "own image",
                Box::new(|v| {
                    v["state"]["images"][0]["shares"] =
                        serde_json::json!({"0": {"status": "accepted", "created_at": 0, "visible_at": 0}});
                }),
            ),
            (
                "image IDs",
                Box::new(|v| {
                    let img = v["state"]["images"][0].clone();
                    v["state"]["images"].as_array_mut().unwrap().push(img);
                }),
            ),
            ("the clock", Box::new(|v| v["state"]["now"] = u64::MAX.into())),
            ("key grant", Box::new(|v| v["state"]["key_grants"] = serde_json::json!([["k", 3]]))),
        ];
        for (want, edit) in cases {
            let why = refusal(p, edit);
            assert!(why.contains(want), "expected `{want}` in `{why}`");
        }
    }
}
