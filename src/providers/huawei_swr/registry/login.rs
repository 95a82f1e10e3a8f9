//! How a container client proves who it is to SWR's registry (providers/huawei-swr-registry.md
//! §2–3): `docker login` with a user `{region}@{AK}` and a password derived from the access
//! key, then Docker's token flow. The registry answers an unauthenticated `/v2/` with a Bearer
//! challenge naming the token service; the client sends its login there as Basic and gets a
//! token it shows on every later request.
//!
//! - **Long-term login key** (documented): the lower-case hex HMAC-SHA256 of the AK keyed by
//!   the SK, valid as long as the key pair.
//! - **Temporary login** (CreateSecret, `POST /v2/manage/utils/secret`): SWR documents the
//!   response, not how the password is made, so sharesim makes it stateless and unforgeable:
//!   the hex HMAC-SHA256, keyed by the SK, of `temporary:{region}:{expiry}`, followed by the
//!   expiry (virtual seconds, 16 hex digits). It ends on the virtual clock and survives a
//!   restart.
//! - **Tokens** are not JWTs (clients treat them as opaque): base64url claims (who, region,
//!   granted scopes, expiry on the virtual clock) and an HMAC over them keyed by the caller's
//!   SK, so only the key's holder or the registry could have made one. Anonymous tokens carry no
//!   account and grant only what anyone may do; every request is still decided by the engine,
//!   so a token outliving a share grants nothing.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::wire::{KeyStore, codec};

/// SWR's token service path on the registry host.
pub const TOKEN_PATH: &str = "/swr/auth/v2/registry/auth/";
/// The `service` SWR's challenge names.
pub const SERVICE: &str = "dockyard";
/// How long a token lasts, in virtual seconds (≈900 s observed on SWR).
pub const TOKEN_SECS: u64 = 900;
/// A temporary login's default lifetime: 6 hours (SWR's FAQ; the newest API takes
/// `duration_seconds` from 15 minutes to 24 hours).
pub const TEMPORARY_SECS: u64 = 6 * 3600;
pub const TEMPORARY_RANGE: std::ops::RangeInclusive<u64> = 900..=86_400;
/// At most this many repository scopes in one token; a client asks for one or two.
pub const MAX_SCOPES: usize = 16;
/// Tokens longer than this are not read.
const MAX_TOKEN_LEN: usize = 8 * 1024;
/// Signs anonymous tokens; they grant nothing an anonymous request could not do.
const ANONYMOUS_KEY: &[u8] = b"sharesim-swr-anonymous-token";

/// What a request may do to one repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Want {
    Pull,
    Push,
}

impl Want {
    pub fn name(self) -> &'static str {
        match self {
            Want::Pull => "pull",
            Want::Push => "push",
        }
    }
}

/// The long-term login key of an access key pair.
pub fn login_key(access_key: &str, secret: &str) -> String {
    codec::hex(&codec::hmac_sha256(secret.as_bytes(), access_key.as_bytes()))
}

/// A temporary login password, valid until `expiry` (virtual seconds) in `region`.
pub fn temporary_password(secret: &str, region: &str, expiry: u64) -> String {
    let mac = codec::hmac_sha256(secret.as_bytes(), format!("temporary:{region}:{expiry}").as_bytes());
    format!("{}{expiry:016x}", codec::hex(&mac))
}

/// An account that logged in: its name in the engine, its access key and the region its
/// login names (an index into SWR's regions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub account: String,
    pub access_key: String,
    pub region: Option<usize>,
}

/// Why a login was refused; SWR answers every one with 401 DENIED "Authenticate Error".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLogin(pub String);

/// Checks a Basic `Authorization` value: user `{region}@{AK}`, password the login key or a
/// temporary password not yet expired at `now` (virtual seconds).
pub fn basic(
    keys: &KeyStore,
    regions: &[crate::providers::RegionMap],
    value: &str,
    now: u64,
) -> Result<Login, BadLogin> {
    let bad = |why: &str| BadLogin(why.to_string());
    let encoded = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic ")).ok_or(bad("not Basic"))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| bad("the Basic credentials are not base64"))?;
    let text = String::from_utf8(decoded).map_err(|_| bad("the Basic credentials are not UTF-8"))?;
    let (user, password) = text.split_once(':').ok_or(bad("the Basic credentials have no `:`"))?;
    let (region_id, access_key) = user.split_once('@').ok_or(bad("the user is not `{region}@{AK}`"))?;
    let region = regions.iter().position(|r| r.id == region_id).ok_or(bad("the user names no SWR region"))?;
    let key = keys.get(access_key).ok_or(bad("the access key does not exist"))?;
    let expected = login_key(access_key, &key.secret);
    let long_term = bool::from(password.as_bytes().ct_eq(expected.as_bytes()));
    let temporary = !long_term && password.len() == 80 && {
        let expiry = u64::from_str_radix(&password[64..], 16).unwrap_or(0);
        let made = temporary_password(&key.secret, region_id, expiry);
        bool::from(password.as_bytes().ct_eq(made.as_bytes())) && now < expiry
    };
    if !long_term && !temporary {
        return Err(bad("the password is neither the login key nor a live temporary login"));
    }
    Ok(Login { account: key.account.clone(), access_key: access_key.to_string(), region: Some(region) })
}

/// What a token says: who, where, what it grants and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The access key; empty for an anonymous token.
    pub sub: String,
    #[serde(default)]
    pub region: Option<usize>,
    /// Repository name and the actions granted on it.
    pub access: Vec<(String, Vec<Want>)>,
    /// Virtual seconds.
    pub exp: u64,
}

impl Claims {
    pub fn grants(&self, repository: &str, want: Want) -> bool {
        self.access.iter().any(|(r, acts)| r == repository && acts.contains(&want))
    }
}

fn mac(key: &[u8], body: &str) -> String {
    codec::hex(&codec::hmac_sha256(key, body.as_bytes()))
}

/// Issues a token for `claims`, signed with the caller's secret (anonymous: the fixed key).
pub fn issue(claims: &Claims, secret: Option<&str>) -> String {
    let body = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let key = secret.map(str::as_bytes).unwrap_or(ANONYMOUS_KEY);
    format!("{body}.{}", mac(key, &body))
}

/// Why a token was not taken; the client is sent back to the token service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadToken(pub &'static str);

/// Reads a Bearer token: well formed, signed by its subject's key (or the anonymous key), not
/// expired at `now` (virtual seconds).
pub fn bearer(keys: &KeyStore, value: &str, now: u64) -> Result<(Claims, Option<String>), BadToken> {
    let token =
        value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")).ok_or(BadToken("not Bearer"))?;
    let token = token.trim();
    if token.len() > MAX_TOKEN_LEN {
        return Err(BadToken("the token is too long"));
    }
    let (body, sig) = token.split_once('.').ok_or(BadToken("the token is malformed"))?;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(body).map_err(|_| BadToken("malformed"))?;
    let claims: Claims = serde_json::from_slice(&raw).map_err(|_| BadToken("the token is malformed"))?;
    let (key, account) = if claims.sub.is_empty() {
        (ANONYMOUS_KEY.to_vec(), None)
    } else {
        let k = keys.get(&claims.sub).ok_or(BadToken("the token's key no longer exists"))?;
        (k.secret.as_bytes().to_vec(), Some(k.account.clone()))
    };
    if !bool::from(mac(&key, body).as_bytes().ct_eq(sig.as_bytes())) {
        return Err(BadToken("the token's signature does not match"));
    }
    if now >= claims.exp {
        return Err(BadToken("the token has expired"));
    }
    Ok((claims, account))
}

/// Parses one `scope` parameter: `repository:{name}:{actions}`. Other resource types (the
/// catalog's `registry:catalog:*`) grant nothing here.
pub fn scope(s: &str) -> Option<(String, Vec<Want>)> {
    let rest = s.strip_prefix("repository:")?;
    let (name, actions) = rest.rsplit_once(':')?;
    let mut wants = Vec::new();
    for a in actions.split(',') {
        let w = match a.trim() {
            "pull" => Want::Pull,
            "push" => Want::Push,
            "*" => {
                wants.extend([Want::Pull, Want::Push]);
                continue;
            }
            _ => continue,
        };
        if !wants.contains(&w) {
            wants.push(w);
        }
    }
    Some((name.to_string(), wants))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::huawei_swr::SPEC;

    fn keys() -> KeyStore {
        let mut k = KeyStore::default();
        k.insert("AKOWNER", "owner", "secret-of-owner");
        k
    }

    fn basic_of(user: &str, password: &str) -> String {
        format!("Basic {}", codec::base64(format!("{user}:{password}").as_bytes()))
    }

    #[test]
    fn the_login_key_is_the_documented_hmac_of_the_access_key() {
        // printf AK | openssl dgst -sha256 -hmac SK, as SWR's guide derives it.
        assert_eq!(
            login_key("AKOWNER", "secret-of-owner"),
            codec::hex(&codec::hmac_sha256(b"secret-of-owner", b"AKOWNER"))
        );
        let ok =
            basic(&keys(), SPEC.regions, &basic_of("cn-north-4@AKOWNER", &login_key("AKOWNER", "secret-of-owner")), 0);
        assert_eq!(ok.unwrap().region, Some(0));
        for (user, pass, why) in [
            ("cn-north-4@AKOWNER", "wrong", "password"),
            ("mars-1@AKOWNER", "x", "region"),
            ("AKOWNER", "x", "{region}@{AK}"),
            ("cn-north-4@AKNOBODY", "x", "does not exist"),
        ] {
            let err = basic(&keys(), SPEC.regions, &basic_of(user, pass), 0).unwrap_err();
            assert!(err.0.contains(why), "{user}: {}", err.0);
        }
        assert!(basic(&keys(), SPEC.regions, "Basic !!!", 0).is_err());
    }

    #[test]
    fn a_temporary_login_ends_on_the_virtual_clock() {
        let pass = temporary_password("secret-of-owner", "cn-north-4", 1000);
        let header = basic_of("cn-north-4@AKOWNER", &pass);
        assert!(basic(&keys(), SPEC.regions, &header, 999).is_ok());
        assert!(basic(&keys(), SPEC.regions, &header, 1000).is_err(), "expired");
        let moved = pass.replace(&format!("{:016x}", 1000), &format!("{:016x}", 5000));
        assert!(basic(&keys(), SPEC.regions, &basic_of("cn-north-4@AKOWNER", &moved), 999).is_err(), "forged expiry");
        let elsewhere = basic_of("cn-east-3@AKOWNER", &pass);
        assert!(basic(&keys(), SPEC.regions, &elsewhere, 999).is_err(), "bound to its region");
    }

    #[test]
    fn tokens_cannot_be_forged_or_outlive_their_expiry() {
        let claims = Claims {
            sub: "AKOWNER".into(),
            region: Some(0),
            access: vec![("ns-owner/base".into(), vec![Want::Pull, Want::Push])],
            exp: 100,
        };
        let token = issue(&claims, Some("secret-of-owner"));
        let (read, account) = bearer(&keys(), &format!("Bearer {token}"), 50).unwrap();
        assert_eq!((read, account.as_deref()), (claims.clone(), Some("owner")));
        assert!(bearer(&keys(), &format!("Bearer {token}"), 100).is_err(), "expired");
        let anonymous_signed = issue(&claims, None);
        assert!(
            bearer(&keys(), &format!("Bearer {anonymous_signed}"), 50).is_err(),
            "claims an account it cannot sign for"
        );
        for junk in ["Bearer ", "Bearer a.b", "Bearer ....", "Basic x", &format!("Bearer {}", "a".repeat(9000))] {
            assert!(bearer(&keys(), junk, 0).is_err(), "{junk:.20}");
        }
    }

    #[test]
    fn scopes_read_as_the_token_spec_writes_them() {
        assert_eq!(scope("repository:ns-a/b/c:pull,push"), Some(("ns-a/b/c".into(), vec![Want::Pull, Want::Push])));
        assert_eq!(scope("repository:ns-a/b:*"), Some(("ns-a/b".into(), vec![Want::Pull, Want::Push])));
        assert_eq!(scope("repository:ns-a/b:delete"), Some(("ns-a/b".into(), vec![])));
        assert_eq!(scope("registry:catalog:*"), None);
    }
}
