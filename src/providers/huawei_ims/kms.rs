//! Huawei KMS's grant API, as huaweicloudsdkkms calls it (instances.md §4.3): CreateGrant,
//! ListGrants and CancelGrant (`revoke-grant`) on the custom key that encrypts an image. The
//! seed's "authorize the key" is a grant to the recipient's *account*: `grantee_principal` is
//! its domain ID with `grantee_principal_type: domain`.
//!
//! KMS names a key, the engine an image: the adapter finds the image whose key it is in the
//! state (a read-only lookup; keys are regional, so only the call's region is searched) and asks
//! the engine `AuthorizeKey`, `RevokeKey` or `ListKeyGrants` for it, naming the grantee as the
//! engine's recipient form (its project in the image's region). Errors are KMS's
//! `{"error":{"error_code":"KMS.xxxx","error_msg"}}`.
//!
//! Grant IDs (64 hex digits) are a stable function of the key and the grantee
//! ([`grant_id`]): the key's half, then the grantee's 32-hex identity. The engine keeps grants
//! as (key, account) pairs, so a grant ID needs no table and a revoke can name its grantee.

use serde_json::{Map, Value, json};

use crate::engine::{Action, Operation, Output};
use crate::providers::huawei_gateway as gateway;
use crate::rules::IdentityKind;
use crate::wire::{HttpRequest, HttpResponse};

use super::SPEC;
use super::api::{Cx, Reply, ok};

/// Operations a grant may allow (the SDK's documented set).
const OPERATIONS: &[&str] = &[
    "create-datakey",
    "create-datakey-without-plaintext",
    "encrypt-datakey",
    "decrypt-datakey",
    "describe-key",
    "create-grant",
    "retire-grant",
    "encrypt-data",
    "decrypt-data",
];
/// What a listed grant allows: the two operations the seed calls mandatory for an image's key
/// (the engine does not keep a grant's operations).
const GRANTED: &[&str] = &["describe-key", "decrypt-datakey"];
/// At most this many grants in one listing page (KMS's `limit`).
const MAX_LIMIT: usize = 100;

const INVALID_KEY: (&str, &str) = ("KMS.0205", "Invalid key ID.");
/// The messages are KMS's documented grant messages; the codes beside them are not published
/// (inferred).
const INVALID_USER: (&str, &str) = ("KMS.0206", "Invalid user ID.");
const INVALID_GRANT: (&str, &str) = ("KMS.0207", "Invalid grant ID.");
const GRANT_MISMATCH: (&str, &str) = ("KMS.0208", "grant_id and key_id do not match.");

/// A grant's ID: 32 hex digits of the key, then the grantee's 32-hex identity.
pub fn grant_id(key: &str, grantee: &str) -> String {
    format!("{}{grantee}", crate::ids::hex32(crate::ids::stable_hash(&["huawei-ims", "grant", key])))
}

/// KMS key IDs are UUIDs in lowercase (`^[0-9a-z]{8}-[0-9a-z]{4}-…-[0-9a-z]{12}$`).
pub(super) fn is_key_id(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()))
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Cx<'_> {
    fn kms_refuse(&mut self, label: &str, (code, message): (&str, &str)) -> HttpResponse {
        self.refuse(label, 400, code, message)
    }

    /// The key ID of the body: present and shaped as a KMS key ID.
    fn key_param(&mut self, body: &Map<String, Value>) -> Result<String, HttpResponse> {
        let key = self.string(body, "key_id", true)?.unwrap_or_default();
        if !is_key_id(&key) {
            return Err(self.kms_refuse("key-id", INVALID_KEY));
        }
        Ok(key)
    }

    /// The live image encrypted with `key` in the call's region (an owner's in-region copy
    /// shares its source's key; either names the same key). A key of another region, of no
    /// image, or only of deleted images is not a key this KMS endpoint has.
    fn image_of_key(&mut self, key: &str) -> Result<(String, usize), HttpResponse> {
        let found = {
            let state = self.ep.engine().state();
            state
                .images
                .iter()
                .find(|i| !i.is_deleted() && i.region == self.region && i.key.as_deref() == Some(key))
                .map(|i| (i.id.clone(), i.region))
        };
        found.ok_or_else(|| self.kms_refuse("unknown-key", INVALID_KEY))
    }

    /// The engine's recipient form of a grantee: a known account's project in the image's
    /// region; anything else as given, for the engine to judge.
    fn recipient_of(&self, grantee: &str, region: usize) -> String {
        let engine = self.ep.engine();
        let state = engine.state();
        match state.index.directory.get(grantee) {
            Some(e) if e.kind == IdentityKind::DomainId => {
                gateway::project_id(engine, &state.accounts[e.account as usize].name, region)
                    .unwrap_or_else(|| grantee.to_string())
            }
            _ => grantee.to_string(),
        }
    }

    /// CreateGrant: `AuthorizeKey` for the grantee account.
    pub(super) fn create_grant(&mut self, req: &HttpRequest) -> Reply {
        let body = self.object(req)?;
        let key = self.key_param(&body)?;
        let grantee = self.string(&body, "grantee_principal", true)?.unwrap_or_default();
        let kind = self.string(&body, "grantee_principal_type", false)?;
        for k in ["name", "retiring_principal", "sequence"] {
            self.string(&body, k, false)?;
        }
        let operations = self.strings(&body, "operations")?;
        if operations.is_empty()
            || operations.iter().any(|o| !OPERATIONS.contains(&o.as_str()))
            || operations.iter().all(|o| o == "create-grant")
        {
            return Err(self.malformed());
        }
        if grantee.is_empty() || grantee.len() > 64 || !grantee.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(self.kms_refuse("grantee", INVALID_USER));
        }
        match kind.as_deref() {
            Some("domain") => {}
            // sharesim has accounts, not IAM users: a user grantee (the SDK's default type)
            // names nobody it knows. The seed's grant is to the account (inferred answer).
            None | Some("user") => return Err(self.kms_refuse("grantee-type", INVALID_USER)),
            Some(_) => return Err(self.malformed()),
        }
        let (image, region) = self.image_of_key(&key)?;
        let recipient = self.recipient_of(&grantee, region);
        match self.apply(Operation::AuthorizeKey { image, recipient }) {
            Ok(_) => Ok(ok(json!({ "grant_id": grant_id(&key, &grantee) }))),
            Err(f) => Err(self.failed(&f, Action::AuthorizeKey)),
        }
    }

    /// ListGrants: `ListKeyGrants`, each grantee account by its domain ID.
    pub(super) fn list_grants(&mut self, req: &HttpRequest) -> Reply {
        let body = self.object(req)?;
        let key = self.key_param(&body)?;
        let limit = match self.string(&body, "limit", false)? {
            None => MAX_LIMIT,
            Some(l) => match l.parse::<usize>().ok().filter(|n| (1..=MAX_LIMIT).contains(n)) {
                Some(n) => n,
                None => return Err(self.malformed()),
            },
        };
        let start = match self.string(&body, "marker", false)?.filter(|m| !m.is_empty()) {
            None => 0,
            Some(m) => match m.parse::<usize>() {
                Ok(n) => n,
                Err(_) => return Err(self.malformed()),
            },
        };
        self.string(&body, "sequence", false)?;
        let (image, region) = self.image_of_key(&key)?;
        let grantees = match self.apply(Operation::ListKeyGrants { image }) {
            Ok(Output::KeyGrants { grantees, .. }) => grantees,
            Ok(_) => Vec::new(),
            Err(f) => return Err(self.failed(&f, Action::ListKeyGrants)),
        };
        let engine = self.ep.engine();
        let region_id = SPEC.regions[region].id;
        let domain = |name: &str| engine.identity_of(name, IdentityKind::DomainId, region_id).unwrap_or_default();
        let issuer = domain(&self.account);
        let created = (engine.now().saturating_mul(1000)).to_string();
        let all: Vec<Value> = grantees
            .iter()
            .map(|name| {
                let d = domain(name);
                json!({
                    "key_id": key, "grant_id": grant_id(&key, &d), "grantee_principal": d,
                    "grantee_principal_type": "domain", "operations": GRANTED, "issuing_principal": issuer,
                    "creation_date": created, "name": "", "retiring_principal": "",
                })
            })
            .collect();
        let total = all.len();
        let end = start.saturating_add(limit).min(total);
        let page = all.get(start..end).map(<[Value]>::to_vec).unwrap_or_default();
        let truncated = end < total;
        Ok(ok(json!({
            "grants": page,
            "next_marker": if truncated { end.to_string() } else { String::new() },
            "truncated": truncated.to_string(),
            "total": total,
        })))
    }

    /// CancelGrant (`revoke-grant`): `RevokeKey` for the grant's grantee.
    pub(super) fn revoke_grant(&mut self, req: &HttpRequest) -> Reply {
        let body = self.object(req)?;
        let key = self.key_param(&body)?;
        let grant = self.string(&body, "grant_id", true)?.unwrap_or_default();
        self.string(&body, "sequence", false)?;
        if !is_hex(&grant, 64) {
            return Err(self.kms_refuse("grant-id", INVALID_GRANT));
        }
        let (image, region) = self.image_of_key(&key)?;
        let (key_half, grantee) = grant.split_at(32);
        if !grant_id(&key, "").eq(key_half) {
            return Err(self.kms_refuse("grant-id", GRANT_MISMATCH));
        }
        if !self.ep.engine().state().index.directory.contains_key(grantee) {
            return Err(self.kms_refuse("grant-id", INVALID_GRANT));
        }
        let recipient = self.recipient_of(grantee, region);
        match self.apply(Operation::RevokeKey { image, recipient }) {
            Ok(_) => Ok(ok(json!({}))),
            Err(f) => Err(self.failed(&f, Action::RevokeKey)),
        }
    }
}
