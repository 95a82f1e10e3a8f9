//! Worlds: the accounts and images a server starts with. The embedded default serves SDK tests
//! out of the box; `--world FILE` loads another of the same shape (YAML or JSON).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::engine::{EncryptionSpec, Engine, ImageKind, NewImage, Operation, Output, Request, Settings, Visibility};
use crate::providers::Provider;
use crate::wire::{Endpoint, KeyStore};

/// The embedded default world.
pub const DEFAULT: &str = include_str!("default.yaml");

/// The most generated accounts a world may ask for.
pub const CROWD_MAX: u32 = 5_000;
/// Generated accounts are this prefix and a number from 1: `crowd1`, `crowd2`, ….
pub const CROWD_ACCOUNT_PREFIX: &str = "crowd";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageSpec {
    pub name: String,
    pub owner: String,
    #[serde(default = "home")]
    pub region: String,
    #[serde(default)]
    pub visibility: Visibility,
    #[serde(default)]
    pub encryption: EncryptionSpec,
    #[serde(default)]
    pub kind: ImageKind,
    #[serde(default)]
    pub description: String,
    /// Only on these providers (default: all).
    #[serde(default)]
    pub providers: Option<Vec<String>>,
}

fn home() -> String {
    "home".into()
}

/// A world file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct World {
    #[serde(default)]
    pub seed: u64,
    pub accounts: Vec<String>,
    /// Generated accounts `crowd1`…`crowdN`.
    #[serde(default)]
    pub crowd: u32,
    #[serde(default)]
    pub images: Vec<ImageSpec>,
    /// Per-provider settings (`share_limit`, `listing_delay`, `image_quota`).
    #[serde(default)]
    pub settings: BTreeMap<String, Settings>,
}

/// A world that cannot be built, with where and why.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}: {message}")]
pub struct WorldError {
    pub source_name: String,
    pub message: String,
}

impl World {
    pub fn default_world() -> World {
        World::parse("default world", DEFAULT).expect("the embedded default world is valid (tested)")
    }

    /// Parses and checks a world file; `source_name` is used in errors.
    pub fn parse(source_name: &str, text: &str) -> Result<World, WorldError> {
        let err = |message: String| WorldError { source_name: source_name.to_string(), message };
        let opts = serde_saphyr::options! {
            budget: serde_saphyr::budget! { max_depth: 32, max_documents: 1, max_aliases: 1_000, max_total_scalar_bytes: 16 * 1024 * 1024 },
        };
        let world: World = serde_saphyr::from_str_with_options(text, opts).map_err(|e| err(e.to_string()))?;
        if world.accounts.is_empty() {
            return Err(err("a world has at least one account".into()));
        }
        if world.crowd > CROWD_MAX {
            return Err(err(format!("crowd {} is more than the {CROWD_MAX} allowed", world.crowd)));
        }
        for name in world.settings.keys() {
            Provider::parse(name).ok_or_else(|| err(format!("settings name an unknown provider `{name}`")))?;
        }
        for img in &world.images {
            if !world.accounts.contains(&img.owner) {
                return Err(err(format!("image `{}` is owned by `{}`, who is not in `accounts`", img.name, img.owner)));
            }
            for p in img.providers.iter().flatten() {
                Provider::parse(p)
                    .ok_or_else(|| err(format!("image `{}` names an unknown provider `{p}`", img.name)))?;
            }
        }
        // Build every provider once so errors surface at load time, not at the first request.
        for p in Provider::ALL {
            world.build(p).map_err(|e| err(e.message))?;
        }
        Ok(world)
    }

    fn account_names(&self) -> impl Iterator<Item = String> + '_ {
        self.accounts.iter().cloned().chain((1..=self.crowd).map(|i| format!("{CROWD_ACCOUNT_PREFIX}{i}")))
    }

    fn on(&self, img: &ImageSpec, p: Provider) -> bool {
        img.providers.as_ref().is_none_or(|list| list.iter().any(|n| Provider::parse(n) == Some(p)))
    }

    /// The engine for `p`, with the images (name → ID) created in it.
    pub fn build(&self, p: Provider) -> Result<(Engine, Vec<(String, String)>), WorldError> {
        let err = |message: String| WorldError { source_name: p.name().to_string(), message };
        let settings = self.settings.iter().find(|(n, _)| Provider::parse(n) == Some(p)).map(|(_, s)| s.clone());
        let mut engine = Engine::with_settings(p, self.seed, settings.unwrap_or_default());
        for a in self.account_names() {
            engine.add_account(&a).map_err(|f| err(f.message))?;
        }
        let mut images = Vec::new();
        for img in self.images.iter().filter(|i| self.on(i, p)) {
            let new = NewImage {
                name: img.name.clone(),
                region: img.region.clone(),
                visibility: img.visibility,
                encryption: img.encryption,
                kind: img.kind,
                ready_after: 0,
                description: img.description.clone(),
                from: None,
            };
            match engine.apply(&Request::new(img.owner.clone(), Operation::CreateImage(new))) {
                Ok(Output::ImageCreated { image, .. }) => images.push((img.name.clone(), image)),
                Ok(other) => return Err(err(format!("creating `{}` gave {other:?}", img.name))),
                Err(f) => return Err(err(format!("image `{}`: {}", img.name, f.message))),
            }
        }
        Ok((engine, images))
    }

    /// Access keys for every account on `p`.
    pub fn keys(&self, p: Provider) -> KeyStore {
        let mut keys = KeyStore::default();
        for a in self.account_names() {
            let (id, secret) = KeyStore::derive(p, &a, self.seed);
            keys.insert(&id, &a, &secret);
        }
        keys
    }

    /// A ready endpoint for `p`.
    pub fn endpoint(&self, p: Provider, verify_signatures: bool) -> Result<Endpoint, WorldError> {
        let (engine, images) = self.build(p)?;
        let keys = self.keys(p);
        let describe = describe(&engine, &keys, &images);
        let mut ep = Endpoint::new(engine, keys, verify_signatures);
        ep.set_world(describe);
        Ok(ep)
    }

    /// What `sharesim world --format json` prints: per provider, regions, accounts (identities,
    /// access keys) and images.
    pub fn describe_all(&self) -> Result<Value, WorldError> {
        let mut out = serde_json::Map::new();
        for p in Provider::ALL {
            let (engine, images) = self.build(p)?;
            out.insert(p.name().to_string(), describe(&engine, &self.keys(p), &images));
        }
        Ok(Value::Object(out))
    }
}

/// One provider's world as JSON.
pub fn describe(engine: &Engine, keys: &KeyStore, images: &[(String, String)]) -> Value {
    let spec = engine.provider().spec();
    let regions: serde_json::Map<String, Value> =
        spec.regions.iter().map(|r| (r.name.to_string(), json!(r.id))).collect();
    let accounts: Vec<Value> = engine
        .state()
        .accounts
        .iter()
        .map(|a| {
            let mut identities = serde_json::Map::new();
            for id in &a.identities {
                let key =
                    serde_json::to_value(id.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
                match id.region {
                    None => {
                        identities.insert(key, json!(id.value));
                    }
                    Some(r) => {
                        let per = identities.entry(key).or_insert_with(|| json!({}));
                        per[spec.regions[r].name] = json!(id.value);
                    }
                }
            }
            let (key_id, key) =
                keys.id_of(&a.name).map(|(id, k)| (id.to_string(), k.secret.clone())).unwrap_or_default();
            json!({
                "name": a.name,
                "id": engine.recipient_id(&a.name, "home").unwrap_or_default(),
                "access_key_id": key_id,
                "access_key_secret": key,
                "identities": identities,
            })
        })
        .collect();
    let images: Vec<Value> = images
        .iter()
        .filter_map(|(name, id)| {
            let ix = *engine.state().index.image_by_id.get(id)?;
            let img = &engine.state().images[ix as usize];
            Some(json!({
                "name": name,
                "id": id,
                "owner": engine.state().accounts[img.owner as usize].name,
                "region": spec.regions[img.region].id,
                "encryption": img.encryption,
                "kind": img.kind,
            }))
        })
        .collect();
    json!({ "title": spec.title, "regions": regions, "accounts": accounts, "images": images })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_world_builds_everywhere() {
        let w = World::default_world();
        let all = w.describe_all().unwrap();
        for p in Provider::ALL {
            let d = &all[p.name()];
            assert_eq!(d["accounts"].as_array().map(Vec::len), Some(3 + 510), "{p}");
            assert!(d["images"].as_array().is_some_and(|i| i.iter().any(|x| x["name"] == "base")), "{p}");
            assert!(d["accounts"][0]["access_key_id"].as_str().is_some_and(|s| !s.is_empty()));
        }
        assert_eq!(all["huawei-ims"]["images"].as_array().map(Vec::len), Some(4));
        assert_eq!(all["huawei-swr"]["images"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn bad_worlds_say_why() {
        let e = World::parse("w.yaml", "accounts: [owner]\nimages: [{name: x, owner: nobody}]\n").unwrap_err();
        assert!(e.to_string().contains("`nobody`"), "{e}");
        let e = World::parse("w.yaml", "accounts: [owner]\nsettings: {aws: {}}\n").unwrap_err();
        assert!(e.to_string().contains("aws"), "{e}");
        let e = World::parse("w.yaml", "acounts: [owner]\n").unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
        let e =
            World::parse("w.yaml", "accounts: [owner]\nimages: [{name: x, owner: owner, region: mars}]\n").unwrap_err();
        assert!(e.to_string().contains("mars"), "{e}");
    }
}
