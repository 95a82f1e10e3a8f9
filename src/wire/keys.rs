//! Access keys: each account of a world gets one key pair per provider, derived from its name,
//! so a world file need not list secrets and two runs hand out the same keys.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::ids::{MIXED_ALNUM, chars, stable_hash};
use crate::providers::Provider;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessKey {
    pub account: String,
    pub secret: String,
}

/// Access key ID → account and secret. The caller's identity comes only from a verified key.
#[derive(Debug, Clone, Default)]
pub struct KeyStore {
    keys: BTreeMap<String, AccessKey>,
}

impl KeyStore {
    /// The key pair `account` gets on `provider`, in the provider's key shape.
    pub fn derive(provider: Provider, account: &str, seed: u64) -> (String, String) {
        let shape = provider.spec().keys;
        let seed = seed.to_string();
        let h = stable_hash(&[provider.name(), "access-key", &seed, account]);
        let s = stable_hash(&[provider.name(), "secret", &seed, account]);
        let id_len = shape.id_len.saturating_sub(shape.id_prefix.len());
        (format!("{}{}", shape.id_prefix, chars(h, id_len, shape.id_alphabet)), chars(s, shape.secret_len, MIXED_ALNUM))
    }

    pub fn insert(&mut self, id: &str, account: &str, secret: &str) {
        self.keys.insert(id.to_string(), AccessKey { account: account.to_string(), secret: secret.to_string() });
    }

    pub fn get(&self, id: &str) -> Option<&AccessKey> {
        self.keys.get(id)
    }

    /// The key ID of an account (its first, in ID order).
    pub fn id_of(&self, account: &str) -> Option<(&str, &AccessKey)> {
        self.keys.iter().find(|(_, k)| k.account == account).map(|(id, k)| (id.as_str(), k))
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_each_providers_shape() {
        let (id, secret) = KeyStore::derive(Provider::Alibaba, "owner", 0);
        assert!(id.starts_with("LTAI5t") && id.len() == 24 && secret.len() == 30);
        let (id, _) = KeyStore::derive(Provider::Tencent, "owner", 0);
        assert!(id.starts_with("AKID") && id.len() == 36);
        assert_eq!(KeyStore::derive(Provider::Tencent, "owner", 0), KeyStore::derive(Provider::Tencent, "owner", 0));
        assert_ne!(KeyStore::derive(Provider::Tencent, "owner", 0), KeyStore::derive(Provider::Tencent, "alice", 0));
    }
}
