//! The provider-neutral engine: one world, one provider's policy, every operation decided here.
//!
//! The engine knows no provider by name. Each decision reads a field of the provider's
//! [`Policy`](crate::rules::Policy), and each refusal carries the rule that made it, so the
//! same code serves all five clouds and the transcripts say *why*.

mod op;
mod outcome;
mod state;
#[cfg(test)]
mod tests;
mod validate;

pub use op::{
    Action, BlobRef, EncryptionSpec, ImageKind, NewImage, Operation, Product, PushedManifest, Request, ShareOptions,
    Validity, Visibility,
};
pub use outcome::{
    ErrorKind, Failure, ImageView, InstanceView, MemberView, MySharedView, Outcome, Output, ShareStatus,
    SharedImageView,
};
pub use state::{Account, AccountIx, Content, DirEntry, Image, ImageIx, Instance, ManifestEntry, Share, State};

pub mod content;

use serde::{Deserialize, Serialize};

use crate::clock::{EPOCH_START, iso8601};
use crate::ids::stable_hash;
use crate::providers::{Provider, Spec};
use crate::rules::{DeleteShared, EncryptedShare, IdentityKind, Overflow, Policy, Repeat, Rule};
use ErrorKind as K;

/// Knobs a world may turn where the sources disagree or give no figure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Overrides the per-image share limit (JD: the seed says 10, the API reference 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_limit: Option<u32>,
    /// Overrides the listing delay in seconds (JD-DELAY gives no figure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing_delay: Option<u64>,
    /// Overrides the per-account, per-region image quota.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_quota: Option<u32>,
    /// Overrides the largest blob a registry takes, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob_limit: Option<u64>,
    /// The most bytes one repository may hold (no limit unless set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_limit: Option<u64>,
}

/// Why a dump could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("state is not valid JSON for sharesim: {0}")]
    Json(#[from] serde_json::Error),
    #[error("state is for provider {found}, not {expected}")]
    WrongProvider { expected: Provider, found: String },
    #[error("state is inconsistent: {0}")]
    Inconsistent(String),
}

/// One provider's simulated cloud.
#[derive(Debug, Clone)]
pub struct Engine {
    provider: Provider,
    spec: &'static Spec,
    policy: &'static Policy,
    settings: Settings,
    state: State,
}

#[derive(Serialize, Deserialize)]
struct Dump {
    provider: String,
    settings: Settings,
    state: State,
}

/// How the caller holds an image it reached.
enum Role<'a> {
    Owner,
    Recipient(&'a Share),
    /// Anyone, using a public image.
    Anyone,
}

/// The caller of a registry's anonymous pull: no account. Only pulls take it (a public
/// repository is pulled without logging in); it never owns or holds anything.
const ANONYMOUS: AccountIx = AccountIx::MAX;

/// `a` or `an` before a noun phrase.
fn a(noun: &str) -> String {
    let vowel = noun.chars().next().is_some_and(|c| "aeiouAEIOU".contains(c));
    format!("{} {noun}", if vowel { "an" } else { "a" })
}

fn deny(kind: ErrorKind, rule: &Rule, msg: impl Into<String>) -> Failure {
    Failure::by(kind, rule, msg)
}

/// 1-64 letters, digits, `-`, `_` or `.`: what an account name may be wherever it comes from
/// (a world, a scenario, a loaded state).
pub fn valid_account_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

impl Engine {
    /// An empty world for `provider`; `seed` varies every generated ID.
    pub fn new(provider: Provider, seed: u64) -> Engine {
        Engine::with_settings(provider, seed, Settings::default())
    }

    pub fn with_settings(provider: Provider, seed: u64, settings: Settings) -> Engine {
        let state = State { seed, now: EPOCH_START, ..State::default() };
        Engine { provider, spec: provider.spec(), policy: provider.policy(), settings, state }
    }

    pub fn provider(&self) -> Provider {
        self.provider
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// Seconds since the Unix epoch on the virtual clock.
    pub fn now(&self) -> u64 {
        self.state.now
    }

    /// Adds an account; its provider identities are derived from its name.
    pub fn add_account(&mut self, name: &str) -> Result<(), Failure> {
        if !valid_account_name(name) {
            return Err(Failure::plain(
                K::InvalidParameter,
                format!("account name `{name}` must be 1-64 characters of letters, digits, `-`, `_` or `.`"),
            ));
        }
        if self.state.index.account_by_name.contains_key(name) {
            return Err(Failure::plain(K::InvalidParameter, format!("account `{name}` already exists")));
        }
        // Derived identities could collide in principle; salt deterministically until unique.
        let mut salt = 0u32;
        let identities = loop {
            let basis = if salt == 0 { name.to_string() } else { format!("{name}#{salt}") };
            let ids = (self.spec.identities)(&basis, self.spec.regions);
            if ids.iter().all(|i| !self.state.index.directory.contains_key(&i.value)) {
                break ids;
            }
            salt += 1;
        };
        let ix = self.state.accounts.len() as AccountIx;
        for id in &identities {
            self.state
                .index
                .directory
                .insert(id.value.clone(), DirEntry { account: ix, kind: id.kind, region: id.region });
        }
        self.state.index.account_by_name.insert(name.to_string(), ix);
        self.state.accounts.push(Account { name: name.to_string(), identities });
        Ok(())
    }

    /// The identity the provider uses to name `account` as a share recipient, in `region`.
    pub fn recipient_id(&self, account: &str, region: &str) -> Result<String, Failure> {
        let kind = self.recipient_kind();
        self.identity_of(account, kind, region)
    }

    /// One of `account`'s identities of `kind` (per-region kinds are taken in `region`).
    pub fn identity_of(&self, account: &str, kind: IdentityKind, region: &str) -> Result<String, Failure> {
        let a = self.actor(account)?;
        let r = self.resolve_region(region)?;
        let acc = &self.state.accounts[a as usize];
        acc.identities
            .iter()
            .find(|i| i.kind == kind && i.region.is_none_or(|x| x == r))
            .map(|i| i.value.clone())
            .ok_or_else(|| {
                Failure::plain(K::InvalidParameter, format!("{} accounts have no {}", self.spec.title, kind.label()))
            })
    }

    /// The identity kind this provider takes for recipients.
    pub fn recipient_kind(&self) -> IdentityKind {
        self.policy.recipient_identity.map(|(_, k)| k).unwrap_or(IdentityKind::AccountId)
    }

    /// The region index for an abstract name (`home`) or a provider region ID.
    pub fn resolve_region(&self, s: &str) -> Result<usize, Failure> {
        self.spec.regions.iter().position(|r| r.name == s || r.id == s).ok_or_else(|| {
            let known: Vec<_> = self.spec.regions.iter().map(|r| format!("{} ({})", r.name, r.id)).collect();
            Failure::plain(
                K::UnknownRegion,
                format!("unknown region `{s}`; {} has {}", self.spec.title, known.join(", ")),
            )
        })
    }

    fn actor(&self, name: &str) -> Result<AccountIx, Failure> {
        self.state
            .index
            .account_by_name
            .get(name)
            .copied()
            .ok_or_else(|| Failure::plain(K::UnknownAccount, format!("no account named `{name}` in this world")))
    }

    /// A fresh image ID; refuses names that map to an ID already taken (SWR repositories).
    fn new_image_id(&mut self, owner: AccountIx, name: &str) -> Result<String, Failure> {
        let hash = self.next_hash("image");
        let id = (self.spec.image_id)(hash, &self.state.accounts[owner as usize].name, name);
        // A deleted image's ID may be taken again (SWR repositories are named by their path);
        // the index then points at the new image, as `State::reindex` would.
        if let Some(&old) = self.state.index.image_by_id.get(&id)
            && !self.image(old).is_deleted()
        {
            return Err(Failure::plain(K::AlreadyExists, format!("image `{id}` already exists")));
        }
        Ok(id)
    }

    fn next_hash(&mut self, what: &str) -> u64 {
        self.state.counter += 1;
        let seed = self.state.seed.to_string();
        let counter = self.state.counter.to_string();
        stable_hash(&[self.spec.name, what, &seed, &counter])
    }

    /// Applies one operation; never panics on any input.
    pub fn apply(&mut self, req: &Request) -> Outcome {
        let anonymous_pull =
            req.actor.is_empty() && self.policy.layer_size.is_some() && req.op.action() == Action::Launch;
        let actor = if anonymous_pull { ANONYMOUS } else { self.actor(&req.actor)? };
        let region = req.region.as_deref().map(|r| self.resolve_region(r)).transpose()?;
        let action = req.op.action();
        if let Some(rule) = self.policy.no_api_rule(action) {
            return Err(deny(K::Unsupported, rule, format!("{} has no API for {}", self.spec.title, action.name())));
        }
        match &req.op {
            Operation::CreateImage(new) => self.create_image(actor, new),
            Operation::Share { images, recipients, options } => self.share(actor, region, images, recipients, options),
            Operation::CancelShare { image, recipients } => self.cancel_share(actor, region, image, recipients),
            Operation::Accept { images } => self.set_status(actor, region, images, ShareStatus::Accepted),
            Operation::Reject { images } => self.set_status(actor, region, images, ShareStatus::Rejected),
            Operation::ListShares { image } => self.list_shares(actor, region, image),
            Operation::ListSharedWithMe => match self.policy.shared_with_me {
                Some(_) => Ok(self.list_shared_with_me(actor, region.unwrap_or(0))),
                None => {
                    Err(Failure::plain(K::Unsupported, format!("{} lists no images shared with you", self.spec.title)))
                }
            },
            Operation::ListMyShared => match self.policy.my_shared {
                Some(_) => Ok(self.list_my_shared(actor, region.unwrap_or(0))),
                None => Err(Failure::plain(K::Unsupported, format!("{} lists no images you shared", self.spec.title))),
            },
            Operation::ListImages => Ok(self.list_images(actor, region.unwrap_or(0))),
            Operation::Describe { image } => self.describe(actor, region, image),
            Operation::Modify { image, name, description } => self.modify(actor, region, image, name, description),
            Operation::Delete { image } => self.delete(actor, region, image),
            Operation::Copy { image, to_region, name, own_key } => {
                self.copy(actor, region, image, to_region, name.as_deref(), *own_key)
            }
            Operation::Launch { image, product } => self.launch(actor, region, image, *product),
            Operation::ReinitDisk { instance } => self.reinit(actor, region, instance),
            Operation::ReplaceSystemDisk { instance, image } => self.replace_disk(actor, region, instance, image),
            Operation::AuthorizeKey { image, recipient } => self.key_grant(actor, region, image, recipient, true),
            Operation::RevokeKey { image, recipient } => self.key_grant(actor, region, image, recipient, false),
            Operation::ModifyShare { image, recipient, options } => {
                self.modify_share(actor, region, image, recipient, options)
            }
            Operation::Quota => self.quota(actor, region.unwrap_or(0)),
            Operation::ShareToLighthouse { image } => self.hand_over(actor, region, image, Product::Lighthouse),
            Operation::ShareToCvm { image } => self.hand_over(actor, region, image, Product::Cvm),
            Operation::CancelLighthouseShare { image } => self.take_back_from_lighthouse(actor, region, image),
            Operation::ListInstances => self.list_instances(actor, region),
            Operation::StopInstance { instance } => self.instance_lifecycle(actor, region, instance, false),
            Operation::DeleteInstance { instance } => self.instance_lifecycle(actor, region, instance, true),
            Operation::ListKeyGrants { image } => self.list_key_grants(actor, region, image),
            Operation::AdvanceClock { seconds } => Ok(Output::Clock { now: self.advance_clock(*seconds) }),
            Operation::SetVisibility { image, visibility } => self.set_visibility(actor, region, image, *visibility),
            Operation::Push { image, blobs, manifest, tag } => {
                self.push(actor, region, image, blobs, manifest.as_ref(), tag.as_deref())
            }
        }
    }

    /// Moves the virtual clock on (the admin API does this without an actor).
    pub fn advance_clock(&mut self, seconds: u64) -> String {
        self.state.now = crate::clock::advance(self.state.now, seconds);
        iso8601(self.state.now)
    }

    // ----- reaching an image -------------------------------------------------------------

    fn image_ix(&self, id: &str) -> Result<ImageIx, Failure> {
        self.state
            .index
            .image_by_id
            .get(id)
            .copied()
            .ok_or_else(|| Failure::plain(K::NotFound, format!("image `{id}` does not exist")))
    }

    fn image(&self, ix: ImageIx) -> &Image {
        &self.state.images[ix as usize]
    }

    /// Finds an image the caller may address and says how it holds it. Applies the rules that
    /// every action shares: deletion, lost access, region scope, ownership, re-share, the
    /// recipient's permissions, acceptance, validity and key grants.
    fn reach(
        &self,
        actor: AccountIx,
        id: &str,
        region: Option<usize>,
        action: Action,
    ) -> Result<(ImageIx, Role<'_>), Failure> {
        let ix = self.image_ix(id)?;
        let img = self.image(ix);
        let p = self.policy;
        let involved = img.owner == actor || img.shares.contains_key(&actor) || img.former_members.contains(&actor);
        if img.is_deleted() {
            // Only those who held the image learn that it was deleted; to anyone else it never was.
            return Err(if involved {
                Failure::maybe(K::NotFound, p.lose_access_on_delete, format!("image `{id}` has been deleted"))
            } else {
                Failure::plain(K::NotFound, format!("image `{id}` does not exist"))
            });
        }
        let role = if img.owner == actor {
            Role::Owner
        } else if let Some(share) = img.shares.get(&actor) {
            Role::Recipient(share)
        } else if img.visibility == Visibility::Public && action == Action::Launch {
            // Public means anyone may use it (SWR: "all users can pull a public image").
            Role::Anyone
        } else if img.visibility == Visibility::Public && action == Action::Push && !img.former_members.contains(&actor)
        {
            return Err(Failure::maybe(
                K::PermissionDenied,
                p.visibility_change,
                format!("anyone may pull the public `{id}`; only its owner may push to it"),
            ));
        } else if img.former_members.contains(&actor) {
            return Err(Failure::maybe(
                K::NotFound,
                p.lose_access_on_unshare,
                format!("image `{id}` is no longer shared with you"),
            ));
        } else {
            return Err(Failure::plain(K::NotFound, format!("image `{id}` does not exist")));
        };
        if let Some(r) = region
            && r != img.region
        {
            return Err(Failure::maybe(
                K::CrossRegion,
                p.same_region,
                format!("image `{id}` is in {}, not {}", self.spec.regions[img.region].id, self.spec.regions[r].id),
            ));
        }
        let Role::Recipient(share) = role else { return Ok((ix, role)) };
        if action == Action::Share {
            return Err(match p.no_reshare {
                Some(rule) => deny(K::ReshareForbidden, rule, "an image shared with you cannot be shared again"),
                None => Failure::plain(K::NotOwner, "only the owner can share this image"),
            });
        }
        if let Some(rule) = p.owner_only_rule(action) {
            return Err(deny(K::NotOwner, rule, format!("only the image's owner can {}", action.name())));
        }
        if let Some(rule) = p.recipient_forbidden(action) {
            return Err(deny(
                K::PermissionDenied,
                rule,
                format!("a recipient cannot {} a shared image", action.name()),
            ));
        }
        if let Some((rule, allowed)) = p.recipient_use
            && !allowed.contains(&action)
        {
            return Err(deny(
                K::PermissionDenied,
                rule,
                format!("a recipient cannot {} a shared image", action.name()),
            ));
        }
        let uses = matches!(action, Action::Launch | Action::ReinitDisk | Action::ReplaceSystemDisk | Action::Copy);
        if let (Some(rule), Some(until)) = (p.share_validity, share.valid_until)
            && self.state.now >= until
        {
            return Err(deny(K::Expired, rule, format!("the share ended at {}", iso8601(until))));
        }
        if uses && let Some(rule) = p.acceptance_required {
            // A copy before acceptance is refused by the copy rule where the provider has one.
            let rule = match (action, p.recipient_copy) {
                (Action::Copy, Some((copy_rule, _, true))) => copy_rule,
                _ => rule,
            };
            let rejected_usable =
                matches!(rule.effect, crate::rules::Effect::AcceptanceRequired { rejected_usable: true });
            match share.status {
                ShareStatus::Pending => {
                    return Err(deny(K::NotAccepted, rule, "accept the shared image before using it"));
                }
                ShareStatus::Rejected if !rejected_usable => {
                    return Err(deny(K::NotAccepted, rule, "you rejected this shared image"));
                }
                ShareStatus::Rejected | ShareStatus::Accepted | ShareStatus::Active => {}
            }
        }
        if uses
            && let (Some(key), Some((enc_rule, _, EncryptedShare::NeedsKeyGrant))) = (&img.key, p.encryption)
            && !self.state.key_grants.contains(&(key.clone(), actor))
        {
            let rule = p.key_revocation.unwrap_or(enc_rule);
            return Err(deny(K::KeyNotAuthorized, rule, format!("key `{key}` is not authorized to you")));
        }
        Ok((ix, role))
    }

    /// An image being created cannot be used. Without a rule saying so (SWR), it can.
    fn require_available(&self, ix: ImageIx, rule: Option<&Rule>) -> Result<(), Failure> {
        let img = self.image(ix);
        if img.is_available(self.state.now) || rule.is_none() {
            Ok(())
        } else {
            Err(Failure::maybe(
                K::ImageNotAvailable,
                rule,
                format!("image `{}` is {}", img.id, img.state_name(self.state.now)),
            ))
        }
    }

    /// Turns a recipient string into an account, by the provider's identity rules.
    fn resolve_recipient(&self, s: &str, image_region: usize) -> Result<AccountIx, Failure> {
        let p = self.policy;
        let (id_rule, kind) = match p.recipient_identity {
            Some((r, k)) => (Some(r), k),
            None => (None, IdentityKind::AccountId),
        };
        match self.state.index.directory.get(s) {
            Some(e) if e.kind == kind => {
                if let Some(r) = e.region
                    && r != image_region
                {
                    return Err(Failure::maybe(
                        K::RecipientInOtherRegion,
                        p.same_region,
                        format!(
                            "`{s}` is a {} in {}, the image is in {}",
                            kind.label(),
                            self.spec.regions[r].id,
                            self.spec.regions[image_region].id
                        ),
                    ));
                }
                Ok(e.account)
            }
            // A sub-account is a real identity, but of a user inside an account: providers that
            // name it (Tencent) refuse it apart from a malformed or foreign identity.
            Some(e) if e.kind == IdentityKind::SubAccountId => Err(Failure::maybe(
                K::RecipientNotAccount,
                id_rule,
                format!("`{s}` is {}; {} names recipients by {}", a(e.kind.label()), self.spec.title, kind.label()),
            )),
            Some(e) => Err(Failure::maybe(
                K::InvalidRecipient,
                id_rule,
                format!("`{s}` is {}; {} names recipients by {}", a(e.kind.label()), self.spec.title, kind.label()),
            )),
            None if (self.spec.classify)(s) == Some(kind) => Err(Failure::maybe(
                K::RecipientNotFound,
                p.recipient_must_exist.or(id_rule),
                format!("no account has the {} `{s}`", kind.label()),
            )),
            None => Err(Failure::maybe(
                K::InvalidRecipient,
                id_rule,
                format!("`{s}` is not {}", a(&format!("valid {}", kind.label()))),
            )),
        }
    }

    /// The identity shown for a member: its recipient identity in the image's region.
    fn display_id(&self, account: AccountIx, region: usize) -> String {
        let kind = self.recipient_kind();
        self.state.accounts[account as usize]
            .identities
            .iter()
            .find(|i| i.kind == kind && i.region.is_none_or(|r| r == region))
            .map(|i| i.value.clone())
            .unwrap_or_default()
    }

    fn name_of(&self, account: AccountIx) -> String {
        self.state.accounts[account as usize].name.clone()
    }

    fn listing_delay(&self) -> u64 {
        // The setting tunes the rule's figure; without the rule there is no delay at all.
        self.policy.listing_delay.map(|(_, s)| self.settings.listing_delay.unwrap_or(s)).unwrap_or(0)
    }

    // ----- operations ---------------------------------------------------------------------

    fn create_image(&mut self, actor: AccountIx, new: &NewImage) -> Outcome {
        // An image made from an instance lives where the instance does, in its product; it may
        // leave the region out.
        let from = new.from.as_ref().map(|i| self.own_instance(actor, i).map(|n| (i, n))).transpose()?;
        let region = match from {
            Some((_, n)) if new.region.is_empty() => self.state.instances[n].region,
            _ => self.resolve_region(&new.region)?,
        };
        if new.name.trim().is_empty() {
            return Err(Failure::plain(K::InvalidParameter, "an image needs a name"));
        }
        if new.kind == ImageKind::FullServer && self.policy.full_server_limit.is_none() {
            return Err(Failure::plain(K::Unsupported, format!("{} has no full-server images", self.spec.title)));
        }
        if new.encryption != EncryptionSpec::None && self.policy.encryption.is_none() {
            return Err(Failure::plain(K::Unsupported, format!("{} images are not encrypted", self.spec.title)));
        }
        // Only a provider whose images wait in a creating state (a rule that shares only
        // available images) has a state to wait for; elsewhere (SWR) `ready_after` would be a
        // silent no-op, so it is refused like encryption is.
        if new.ready_after > 0 && self.policy.requires_available.is_none() {
            return Err(Failure::plain(
                K::Unsupported,
                format!("{} images have no creating state to wait for (ready_after)", self.spec.title),
            ));
        }
        let (region, home) = match from {
            Some((instance, n)) => {
                let inst = &self.state.instances[n];
                if inst.region != region {
                    return Err(Failure::plain(
                        K::InstanceNotFound,
                        format!("instance `{instance}` is not in {}", self.spec.regions[region].id),
                    ));
                }
                (inst.region, inst.product)
            }
            None => (region, Product::Cvm),
        };
        self.check_quota(actor, region, 1)?;
        let id = self.new_image_id(actor, &new.name)?;
        let key = (new.encryption == EncryptionSpec::CustomKey).then(|| (self.spec.key_id)(self.next_hash("key")));
        let now = self.state.now;
        let ix = self.state.images.len() as ImageIx;
        self.state.images.push(Image {
            id: id.clone(),
            name: new.name.clone(),
            description: new.description.clone(),
            owner: actor,
            region,
            created_at: now,
            ready_at: now.saturating_add(new.ready_after),
            deleted_at: None,
            visibility: new.visibility,
            encryption: new.encryption,
            key,
            kind: new.kind,
            shares: Default::default(),
            former_members: Default::default(),
            lighthouse: false,
            home,
            cvm: false,
            content: Content::default(),
        });
        self.state.index.image_by_id.insert(id.clone(), ix);
        self.state.index.owned.entry(actor).or_default().insert(ix);
        Ok(Output::ImageCreated { image: id, region: self.spec.regions[region].id.to_string() })
    }

    /// Images `actor` holds in `region` for quota purposes, by the quota rules.
    fn quota_used(&self, actor: AccountIx, region: usize) -> u32 {
        let live = |ix: &ImageIx| {
            let img = self.image(*ix);
            !img.is_deleted() && img.region == region
        };
        let owned: Vec<ImageIx> =
            self.state.index.owned.get(&actor).map(|s| s.iter().copied().filter(live).collect()).unwrap_or_default();
        let mut used = owned.len();
        if self.policy.owner_quota_free.is_none() {
            used += owned.iter().map(|ix| self.image(*ix).shares.len()).sum::<usize>();
        }
        if self.policy.recipient_quota_free.is_none() {
            used +=
                self.state.index.shared_with.get(&actor).map(|s| s.iter().filter(|ix| live(ix)).count()).unwrap_or(0);
        }
        used as u32
    }

    /// The image quota: the rule's figure, or the setting's when a world tunes it. A provider
    /// without a quota rule has no quota, whatever the settings say.
    fn quota_limit(&self) -> Option<(Option<&'static Rule>, u32)> {
        self.policy.image_quota.map(|(r, n)| (Some(r), self.settings.image_quota.unwrap_or(n)))
    }

    fn check_quota(&self, actor: AccountIx, region: usize, extra: u32) -> Result<(), Failure> {
        if let Some((rule, limit)) = self.quota_limit() {
            let used = self.quota_used(actor, region);
            if used + extra > limit {
                return Err(Failure::maybe(K::QuotaExceeded, rule, format!("image quota used: {used} of {limit}")));
            }
        }
        Ok(())
    }

    fn quota(&self, actor: AccountIx, region: usize) -> Outcome {
        match self.quota_limit() {
            Some((_, limit)) => Ok(Output::Quota { used: self.quota_used(actor, region), limit }),
            None => Err(Failure::plain(K::Unsupported, format!("{} reports no image quota", self.spec.title))),
        }
    }

    fn check_share_options(&self, opts: &ShareOptions) -> Result<Option<u64>, Failure> {
        let p = self.policy;
        let unsupported = |action: Action| match p.no_api_rule(action) {
            Some(rule) => deny(K::Unsupported, rule, format!("{} shares have no {}", self.spec.title, action.name())),
            None => Failure::plain(K::Unsupported, format!("{} shares have no {}", self.spec.title, action.name())),
        };
        let mut until = None;
        if let Some(v) = opts.validity {
            let Some(rule) = p.share_validity else { return Err(unsupported(Action::SetValidity)) };
            if let Validity::Until(t) = v {
                if t <= self.state.now {
                    return Err(deny(
                        K::InvalidParameter,
                        rule,
                        format!("the validity end {} is not in the future", iso8601(t)),
                    ));
                }
                until = Some(t);
            }
        }
        if let Some(d) = &opts.description {
            let Some((rule, max)) = p.share_description else { return Err(unsupported(Action::SetDescription)) };
            let n = d.chars().count();
            if n > max as usize {
                return Err(deny(
                    K::InvalidParameter,
                    rule,
                    format!("the description has {n} characters, at most {max} are allowed"),
                ));
            }
        }
        if let Some(perm) = &opts.permission {
            let Some(rule) = p.pull_only else { return Err(unsupported(Action::SetPermission)) };
            if !matches!(perm.to_ascii_lowercase().as_str(), "pull" | "read") {
                return Err(deny(
                    K::InvalidParameter,
                    rule,
                    format!("permission `{perm}` is not supported; only pull (read) is"),
                ));
            }
        }
        Ok(until)
    }

    fn share(
        &mut self,
        actor: AccountIx,
        region: Option<usize>,
        images: &[String],
        recipients: &[String],
        opts: &ShareOptions,
    ) -> Outcome {
        let p = self.policy;
        if images.is_empty() || recipients.is_empty() {
            return Err(Failure::plain(K::InvalidParameter, "a share names at least one image and one recipient"));
        }
        if images.len() > 1
            && let Some((rule, false)) = p.images_per_request
        {
            return Err(deny(
                K::BatchLimitExceeded,
                rule,
                format!("one request shares one image, not {}", images.len()),
            ));
        }
        let recipients = self.cap_recipients(recipients)?;
        let until = self.check_share_options(opts)?;
        // Validate everything before changing anything: a refused request adds nobody.
        let mut plan: Vec<(ImageIx, Vec<AccountIx>)> = Vec::new();
        let mut unchanged = Vec::new();
        let mut added_names = Vec::new();
        for id in images {
            let (ix, _) = self.reach(actor, id, region, Action::Share)?;
            let img = self.image(ix);
            if let Some(rule) = p.private_only
                && img.visibility == Visibility::Public
            {
                return Err(deny(
                    K::PublicNotShareable,
                    rule,
                    format!("image `{id}` is public; only private images can be shared"),
                ));
            }
            if !img.usable_in(Product::Cvm) {
                return Err(Failure::maybe(
                    K::PermissionDenied,
                    p.lighthouse,
                    format!("image `{id}` is a Lighthouse image; share it to your CVM before sharing it with accounts"),
                ));
            }
            self.require_available(ix, p.requires_available)?;
            let grant_needed = self.check_encryption_for_share(img)?;
            let mut new_members: Vec<AccountIx> = Vec::new();
            for r in recipients {
                let r = r.trim();
                let acc = self.resolve_recipient(r, img.region)?;
                if acc == actor {
                    return Err(Failure::maybe(
                        K::ShareWithSelf,
                        p.no_self_share,
                        "you cannot share an image with yourself",
                    ));
                }
                if let (true, Some(key)) = (grant_needed, &img.key)
                    && !self.state.key_grants.contains(&(key.clone(), acc))
                {
                    let rule = p.encryption.map(|(r, _, _)| r);
                    return Err(Failure::maybe(
                        K::KeyNotAuthorized,
                        rule,
                        format!("authorize key `{key}` to `{r}` before sharing the encrypted image"),
                    ));
                }
                if img.shares.contains_key(&acc) || new_members.contains(&acc) {
                    if let Some((rule, Repeat::Refuse)) = p.duplicate_share {
                        return Err(deny(K::AlreadyShared, rule, format!("image `{id}` is already shared with `{r}`")));
                    }
                    unchanged.push(r.to_string());
                    continue;
                }
                new_members.push(acc);
                if !added_names.iter().any(|n| n == r) {
                    added_names.push(r.to_string());
                }
            }
            let limit = match (img.kind, p.full_server_limit) {
                (ImageKind::FullServer, Some((rule, n))) => Some((rule, n)),
                _ => p.share_limit.map(|(rule, n)| (rule, self.settings.share_limit.unwrap_or(n))),
            };
            if let Some((rule, max)) = limit {
                let total = img.shares.len() + new_members.len();
                if total > max as usize {
                    return Err(deny(
                        K::ShareLimitExceeded,
                        rule,
                        format!("image `{id}` would have {total} recipients; at most {max} are allowed"),
                    ));
                }
            }
            plan.push((ix, new_members));
        }
        let now = self.state.now;
        let status = if p.acceptance_required.is_some() { ShareStatus::Pending } else { ShareStatus::Active };
        let visible_at = now.saturating_add(self.listing_delay());
        let description: Option<Box<str>> = opts.description.as_deref().map(Into::into);
        for (ix, members) in plan {
            for acc in members {
                let img = &mut self.state.images[ix as usize];
                img.former_members.remove(&acc);
                img.shares.insert(
                    acc,
                    Share { status, created_at: now, visible_at, valid_until: until, description: description.clone() },
                );
                self.state.index.shared_with.entry(acc).or_default().insert(ix);
            }
        }
        Ok(Output::Shared { added: added_names, unchanged })
    }

    /// Whether sharing this image needs a key grant per recipient; refuses what cannot be shared.
    fn check_encryption_for_share(&self, img: &Image) -> Result<bool, Failure> {
        let Some((rule, default_key, custom_key)) = self.policy.encryption else { return Ok(false) };
        let how = match img.encryption {
            EncryptionSpec::None => return Ok(false),
            EncryptionSpec::DefaultKey => default_key,
            EncryptionSpec::CustomKey => custom_key,
        };
        match how {
            EncryptedShare::Refused => Err(deny(
                K::EncryptedNotShareable,
                rule,
                format!("image `{}` is encrypted and cannot be shared", img.id),
            )),
            EncryptedShare::Allowed => Ok(false),
            EncryptedShare::NeedsKeyGrant => Ok(true),
        }
    }

    /// Applies the per-request recipient cap (shares and cancels alike): refuse the request,
    /// or keep only the first `max` recipients, as the provider's rule says.
    fn cap_recipients<'a>(&self, recipients: &'a [String]) -> Result<&'a [String], Failure> {
        match self.policy.recipients_per_request {
            Some((rule, max, overflow)) if recipients.len() > max as usize => match overflow {
                Overflow::Reject => Err(deny(
                    K::BatchLimitExceeded,
                    rule,
                    format!("one request names at most {max} recipients, not {}", recipients.len()),
                )),
                Overflow::Truncate => Ok(&recipients[..max as usize]),
            },
            _ => Ok(recipients),
        }
    }

    fn cancel_share(&mut self, actor: AccountIx, region: Option<usize>, id: &str, recipients: &[String]) -> Outcome {
        if recipients.is_empty() {
            return Err(Failure::plain(K::InvalidParameter, "name at least one recipient to stop sharing with"));
        }
        let recipients = self.cap_recipients(recipients)?;
        let (ix, _) = self.reach(actor, id, region, Action::CancelShare)?;
        let img = self.image(ix);
        let mut remove = Vec::new();
        let (mut removed, mut absent) = (Vec::new(), Vec::new());
        for r in recipients {
            let r = r.trim();
            // A well-formed recipient naming no account is simply not a member: the
            // cancel-non-member rule decides, not the sharing-time existence check.
            let acc = match self.resolve_recipient(r, img.region) {
                Ok(acc) => Some(acc),
                Err(f) if f.kind == K::RecipientNotFound => None,
                Err(f) => return Err(f),
            };
            if let Some(acc) = acc.filter(|a| img.shares.contains_key(a) && !remove.contains(a)) {
                remove.push(acc);
                removed.push(r.to_string());
            } else {
                if let Some((rule, Repeat::Refuse)) = self.policy.cancel_non_member {
                    return Err(deny(K::NotShared, rule, format!("image `{id}` is not shared with `{r}`")));
                }
                absent.push(r.to_string());
            }
        }
        for acc in remove {
            let img = &mut self.state.images[ix as usize];
            img.shares.remove(&acc);
            img.former_members.insert(acc);
            self.unlink_member(acc, ix);
        }
        Ok(Output::Unshared { removed, absent })
    }

    /// Drops `ix` from the account's shared-with index, keeping the index canonical (no empty
    /// sets), so a live index equals one rebuilt from a dump.
    fn unlink_member(&mut self, acc: AccountIx, ix: ImageIx) {
        if let Some(set) = self.state.index.shared_with.get_mut(&acc) {
            set.remove(&ix);
            if set.is_empty() {
                self.state.index.shared_with.remove(&acc);
            }
        }
    }

    fn set_status(
        &mut self,
        actor: AccountIx,
        region: Option<usize>,
        images: &[String],
        status: ShareStatus,
    ) -> Outcome {
        let p = self.policy;
        if let Some(rule) = p.no_acceptance {
            return Err(deny(
                K::Unsupported,
                rule,
                format!("{} shares need no acceptance; there is nothing to accept or reject", self.spec.title),
            ));
        }
        if images.is_empty() {
            return Err(Failure::plain(K::InvalidParameter, "name at least one image"));
        }
        let mut targets = Vec::new();
        for id in images {
            let ix = self.image_ix(id)?;
            let img = self.image(ix);
            if img.owner == actor {
                return Err(Failure::maybe(
                    K::NotShared,
                    p.acceptance_required,
                    format!("image `{id}` is yours; only recipients accept or reject"),
                ));
            }
            // Accepting or rejecting answers a share: a recipient's region check and validity
            // still apply, but not the "must have accepted" one.
            self.reach(actor, id, region, Action::Describe)?;
            targets.push(ix);
        }
        for ix in targets {
            if let Some(s) = self.state.images[ix as usize].shares.get_mut(&actor) {
                s.status = status;
            }
        }
        Ok(Output::StatusSet { images: images.to_vec(), status })
    }

    fn member_view(&self, img: &Image, acc: AccountIx, s: &Share) -> MemberView {
        MemberView {
            account: self.name_of(acc),
            recipient: self.display_id(acc, img.region),
            status: s.status,
            shared_at: iso8601(s.created_at),
            valid_until: s.valid_until.map(iso8601),
            description: s.description.as_deref().map(str::to_string),
            valid: s.valid_until.is_none_or(|t| self.state.now < t),
        }
    }

    fn list_shares(&self, actor: AccountIx, region: Option<usize>, id: &str) -> Outcome {
        let (ix, _) = self.reach(actor, id, region, Action::ListShares)?;
        let img = self.image(ix);
        let now = self.state.now;
        let members =
            img.shares.iter().filter(|(_, s)| s.visible_at <= now).map(|(&a, s)| self.member_view(img, a, s)).collect();
        Ok(Output::Members { members })
    }

    fn list_shared_with_me(&self, actor: AccountIx, region: usize) -> Output {
        let now = self.state.now;
        let mut images = Vec::new();
        if let Some(set) = self.state.index.shared_with.get(&actor) {
            for &ix in set {
                let img = self.image(ix);
                let Some(s) = img.shares.get(&actor) else { continue };
                if img.is_deleted() || img.region != region || s.visible_at > now {
                    continue;
                }
                images.push(SharedImageView {
                    image: img.id.clone(),
                    name: img.name.clone(),
                    owner: self.name_of(img.owner),
                    owner_id: self.display_id(img.owner, img.region),
                    status: s.status,
                    valid: s.valid_until.is_none_or(|t| now < t),
                    valid_until: s.valid_until.map(iso8601),
                });
            }
        }
        Output::SharedWithMe { images }
    }

    fn list_my_shared(&self, actor: AccountIx, region: usize) -> Output {
        let now = self.state.now;
        let mut images = Vec::new();
        if let Some(set) = self.state.index.owned.get(&actor) {
            for &ix in set {
                let img = self.image(ix);
                let members = img.shares.values().filter(|s| s.visible_at <= now).count();
                if img.is_deleted() || img.region != region || members == 0 {
                    continue;
                }
                images.push(MySharedView { image: img.id.clone(), name: img.name.clone(), members });
            }
        }
        Output::MyShared { images }
    }

    fn list_images(&self, actor: AccountIx, region: usize) -> Output {
        let mut images = Vec::new();
        if let Some(set) = self.state.index.owned.get(&actor) {
            for &ix in set {
                let img = self.image(ix);
                if !img.is_deleted() && img.region == region {
                    images.push(self.image_view(img, true));
                }
            }
        }
        Output::Images { images }
    }

    fn describe(&self, actor: AccountIx, region: Option<usize>, id: &str) -> Outcome {
        let (ix, role) = self.reach(actor, id, region, Action::Describe)?;
        Ok(Output::Image { image: self.image_view(self.image(ix), matches!(role, Role::Owner)) })
    }

    fn image_view(&self, img: &Image, owned: bool) -> ImageView {
        ImageView {
            id: img.id.clone(),
            name: img.name.clone(),
            description: img.description.clone(),
            owner: self.name_of(img.owner),
            owner_id: self.display_id(img.owner, img.region),
            region: self.spec.regions[img.region].id.to_string(),
            state: img.state_name(self.state.now).to_string(),
            visibility: img.visibility,
            encryption: img.encryption,
            kind: img.kind,
            created_at: iso8601(img.created_at),
            held_as: if owned { "owner" } else { "shared" }.to_string(),
        }
    }

    fn modify(
        &mut self,
        actor: AccountIx,
        region: Option<usize>,
        id: &str,
        name: &Option<String>,
        description: &Option<String>,
    ) -> Outcome {
        let (ix, _) = self.reach(actor, id, region, Action::Modify)?;
        if name.as_deref().is_some_and(|n| n.trim().is_empty()) {
            return Err(Failure::plain(K::InvalidParameter, "an image name cannot be empty"));
        }
        if let (Some(n), Some(rule)) = (name, self.policy.fixed_name)
            && *n != self.image(ix).name
        {
            return Err(deny(
                K::InvalidParameter,
                rule,
                format!("`{id}` cannot be renamed; its name is part of its address"),
            ));
        }
        let img = &mut self.state.images[ix as usize];
        if let Some(n) = name {
            img.name = n.clone();
        }
        if let Some(d) = description {
            img.description = d.clone();
        }
        Ok(Output::Done)
    }

    fn delete(&mut self, actor: AccountIx, region: Option<usize>, id: &str) -> Outcome {
        let (ix, _) = self.reach(actor, id, region, Action::Delete)?;
        let img = self.image(ix);
        if !img.shares.is_empty() {
            match self.policy.delete_while_shared {
                Some((rule, DeleteShared::Refuse)) => {
                    return Err(deny(
                        K::StillShared,
                        rule,
                        format!(
                            "image `{id}` is shared with {} account(s); cancel every share first",
                            img.shares.len()
                        ),
                    ));
                }
                Some((_, DeleteShared::Cascade)) | None => {}
            }
        }
        let members: Vec<AccountIx> = img.shares.keys().copied().collect();
        let img = &mut self.state.images[ix as usize];
        img.deleted_at = Some(self.state.now);
        img.shares.clear();
        img.former_members.extend(members.iter().copied());
        for acc in members {
            self.unlink_member(acc, ix);
        }
        Ok(Output::Done)
    }

    fn copy(
        &mut self,
        actor: AccountIx,
        region: Option<usize>,
        id: &str,
        to: &str,
        name: Option<&str>,
        own_key: bool,
    ) -> Outcome {
        let p = self.policy;
        let dest = self.resolve_region(to)?;
        let (ix, role) = self.reach(actor, id, region, Action::Copy)?;
        let img = self.image(ix);
        let same = dest == img.region;
        match role {
            // Only a pull reaches an image as anyone's.
            Role::Anyone => return Err(Failure::plain(K::NotFound, format!("image `{id}` does not exist"))),
            Role::Owner => {
                if let Some((rule, scope)) = p.owner_copy {
                    let ok = if same { scope.same_region } else { scope.other_region };
                    if !ok {
                        let why =
                            if same { "a copy must go to another region" } else { "copies stay in the image's region" };
                        return Err(deny(K::InvalidParameter, rule, why));
                    }
                }
            }
            Role::Recipient(share) => {
                let Some((rule, scope, needs_acceptance)) = p.recipient_copy else {
                    return Err(Failure::maybe(
                        K::PermissionDenied,
                        p.recipient_use.map(|(r, _)| r),
                        "a recipient cannot copy a shared image",
                    ));
                };
                if !same && !scope.other_region {
                    return Err(deny(
                        K::CrossRegion,
                        rule,
                        "an image shared with you can be copied only within its region",
                    ));
                }
                if same && !scope.same_region {
                    return Err(deny(K::InvalidParameter, rule, "a copy must go to another region"));
                }
                if needs_acceptance && share.status != ShareStatus::Accepted {
                    return Err(deny(K::NotAccepted, rule, "accept the shared image before copying it"));
                }
            }
        }
        if img.encryption != EncryptionSpec::None
            && let Some((rule, cross_region_only)) = p.no_encrypted_copy
            && (!same || !cross_region_only)
        {
            let where_to = if cross_region_only { " to another region" } else { "" };
            return Err(deny(K::EncryptedNotCopyable, rule, format!("an encrypted image cannot be copied{where_to}")));
        }
        self.require_available(ix, p.requires_available)?;
        self.check_quota(actor, dest, 1)?;
        let is_owner = matches!(role, Role::Owner);
        let (src_name, src_desc, src_enc, src_key, kind) =
            (img.name.clone(), img.description.clone(), img.encryption, img.key.clone(), img.kind);
        // A recipient's copy is its own: encrypted copies are re-encrypted with its own key.
        let encryption =
            if own_key || (!is_owner && src_enc != EncryptionSpec::None) { EncryptionSpec::CustomKey } else { src_enc };
        let new_name = name.map(str::to_string).unwrap_or(src_name);
        let new_id = self.new_image_id(actor, &new_name)?;
        let key = match encryption {
            EncryptionSpec::CustomKey if is_owner && !own_key => src_key,
            EncryptionSpec::CustomKey => Some((self.spec.key_id)(self.next_hash("key"))),
            _ => None,
        };
        let now = self.state.now;
        let new_ix = self.state.images.len() as ImageIx;
        self.state.images.push(Image {
            id: new_id.clone(),
            name: new_name,
            description: src_desc,
            owner: actor,
            region: dest,
            created_at: now,
            ready_at: now,
            deleted_at: None,
            visibility: Visibility::Private,
            encryption,
            key,
            kind,
            shares: Default::default(),
            former_members: Default::default(),
            lighthouse: false,
            home: Product::Cvm,
            cvm: false,
            content: Content::default(),
        });
        self.state.index.image_by_id.insert(new_id.clone(), new_ix);
        self.state.index.owned.entry(actor).or_default().insert(new_ix);
        Ok(Output::Copied { image: new_id, region: self.spec.regions[dest].id.to_string() })
    }

    fn launch(&mut self, actor: AccountIx, region: Option<usize>, id: &str, product: Product) -> Outcome {
        let p = self.policy;
        let (ix, role) = self.reach(actor, id, region, Action::Launch)?;
        self.require_available(ix, self.policy.requires_available)?;
        if product == Product::Lighthouse {
            let Some(rule) = p.lighthouse else {
                return Err(Failure::maybe(
                    K::Unsupported,
                    p.no_api_rule(Action::ShareToLighthouse),
                    format!("{} has no Lighthouse", self.spec.title),
                ));
            };
            if !matches!(role, Role::Owner) || !self.image(ix).usable_in(product) {
                return Err(deny(K::PermissionDenied, rule, "share the image to your own Lighthouse first"));
            }
        } else if !self.image(ix).usable_in(product) {
            return Err(Failure::maybe(
                K::PermissionDenied,
                p.lighthouse,
                "a Lighthouse image builds CVM instances only once its owner shares it to CVM",
            ));
        }
        if p.pull_only.is_some() {
            return Ok(Output::Pulled { image: id.to_string() });
        }
        let inst_id = (self.spec.instance_id)(self.next_hash("instance"));
        let region = self.image(ix).region;
        self.state.index.instance_by_id.insert(inst_id.clone(), self.state.instances.len());
        self.state.instances.push(Instance {
            id: inst_id.clone(),
            owner: actor,
            image: ix,
            region,
            product,
            stopped: false,
            deleted_at: None,
        });
        Ok(Output::Launched { instance: inst_id })
    }

    /// Puts content into a repository: links `blobs` and, with a manifest, records it (and its
    /// tag). Only the owner pushes (a recipient's share is pull only); each blob and the whole
    /// repository stay within their size limits. Content is held by digest, so pushing what the
    /// repository already has changes nothing.
    fn push(
        &mut self,
        actor: AccountIx,
        region: Option<usize>,
        id: &str,
        blobs: &[BlobRef],
        manifest: Option<&PushedManifest>,
        tag: Option<&str>,
    ) -> Outcome {
        let p = self.policy;
        let Some((layer_rule, layer_max)) = p.layer_size else {
            return Err(Failure::maybe(
                K::Unsupported,
                p.no_api_rule(Action::Push),
                format!("{} has no registry to push to", self.spec.title),
            ));
        };
        if let Some(name) = self.creatable(actor, id) {
            if blobs.is_empty() && manifest.is_none() {
                // Asking whether one may push creates nothing.
                return Ok(Output::Pushed { image: id.to_string(), tag: None, digest: None });
            }
            let region = region.map(|r| self.spec.regions[r].id).unwrap_or(self.spec.regions[0].id);
            let new = NewImage { name, region: region.to_string(), ..NewImage::default() };
            self.create_image(actor, &new)?;
        }
        let (ix, role) = self.reach(actor, id, region, Action::Push)?;
        if !matches!(role, Role::Owner) {
            return Err(Failure::maybe(K::PermissionDenied, p.pull_only, "only the repository's owner can push to it"));
        }
        let invalid = |what: String| Failure::plain(K::InvalidParameter, what);
        let max_blob = self.settings.blob_limit.unwrap_or(layer_max);
        for b in blobs {
            if !content::valid_digest(&b.digest) {
                return Err(invalid(format!("`{}` is not a sha256 digest", b.digest)));
            }
            if b.size > max_blob {
                return Err(deny(K::QuotaExceeded, layer_rule, format!("a layer may be at most {max_blob} bytes")));
            }
        }
        if let Some(tag) = tag {
            if manifest.is_none() {
                return Err(invalid(format!("tag `{tag}` names no manifest")));
            }
            if !content::valid_tag(tag) {
                return Err(invalid(format!("`{tag}` is not a valid tag")));
            }
        }
        if let Some(m) = manifest {
            if !content::valid_digest(&m.digest) {
                return Err(invalid(format!("`{}` is not a sha256 digest", m.digest)));
            }
            if m.media_type.is_empty() || m.media_type.len() > 255 {
                return Err(invalid("a manifest needs a media type of at most 255 characters".into()));
            }
            if let Some(b) = m.blobs.iter().find(|b| !blobs.contains(b)) {
                return Err(invalid(format!("the manifest's blob {} is not among the blobs pushed with it", b.digest)));
            }
        }
        let content = &self.image(ix).content;
        let added = blobs
            .iter()
            .filter(|b| !content.blobs.contains_key(&b.digest))
            .map(|b| b.size)
            .chain(manifest.filter(|m| !content.manifests.contains_key(&m.digest)).map(|m| m.size))
            .fold(0u64, u64::saturating_add);
        if let (Some(rule), Some(limit)) = (p.repository_size, self.settings.repository_limit) {
            let total = content.size().saturating_add(added);
            if total > limit {
                return Err(deny(
                    K::QuotaExceeded,
                    rule,
                    format!("a repository may hold at most {limit} bytes in this world"),
                ));
            }
        }
        let content = &mut self.state.images[ix as usize].content;
        for b in blobs {
            content.blobs.insert(b.digest.clone(), b.size);
        }
        if let Some(m) = manifest {
            content.manifests.insert(
                m.digest.clone(),
                ManifestEntry {
                    media_type: m.media_type.clone(),
                    size: m.size,
                    blobs: m.blobs.iter().map(|b| b.digest.clone()).collect(),
                },
            );
            if let Some(tag) = tag {
                content.tags.insert(tag.to_string(), m.digest.clone());
            }
        }
        let digest = manifest.map(|m| m.digest.clone());
        Ok(Output::Pushed { image: id.to_string(), tag: tag.map(str::to_string), digest })
    }

    /// The name of the image a push to `id` would create for `actor` (HS-PUSH-CREATES): the
    /// provider derives IDs from names, `id` is what the actor's image of that name would be,
    /// and no live image has it.
    fn creatable(&self, actor: AccountIx, id: &str) -> Option<String> {
        self.policy.push_creates?;
        let live = self.state.index.image_by_id.get(id).is_some_and(|&ix| !self.image(ix).is_deleted());
        let owner = self.state.accounts.get(actor as usize)?;
        if live { None } else { (self.spec.image_name)(&owner.name, id) }
    }

    /// The largest blob a push may carry, and the rule that says so, where the provider has a
    /// registry: a registry refuses an upload growing past it before holding all of it.
    pub fn blob_limit(&self) -> Option<(&'static Rule, u64)> {
        self.policy.layer_size.map(|(rule, max)| (rule, self.settings.blob_limit.unwrap_or(max)))
    }

    /// What a registry holds for an image (repository), by reference, whoever asks: callers
    /// ask the engine whether the caller may pull first.
    pub fn content(&self, id: &str) -> Option<&Content> {
        let ix = *self.state.index.image_by_id.get(id)?;
        let img = self.image(ix);
        (!img.is_deleted()).then_some(&img.content)
    }

    /// The caller's own live instance: someone else's, a deleted one and an unknown ID are all
    /// "not found", as every provider answers them.
    fn own_instance(&self, actor: AccountIx, id: &str) -> Result<usize, Failure> {
        match self.state.index.instance_by_id.get(id) {
            Some(&n) if self.state.instances[n].owner == actor && self.state.instances[n].deleted_at.is_none() => Ok(n),
            _ => Err(Failure::plain(K::InstanceNotFound, format!("instance `{id}` does not exist"))),
        }
    }

    /// `own_instance`, and when the call names a region, in that region: an instance is
    /// addressed in its own region (a call elsewhere does not find it).
    fn own_instance_in(&self, actor: AccountIx, region: Option<usize>, id: &str) -> Result<usize, Failure> {
        let n = self.own_instance(actor, id)?;
        if region.is_some_and(|r| r != self.state.instances[n].region) {
            return Err(Failure::plain(K::InstanceNotFound, format!("instance `{id}` is in another region")));
        }
        Ok(n)
    }

    fn list_instances(&self, actor: AccountIx, region: Option<usize>) -> Outcome {
        let instances = self
            .state
            .instances
            .iter()
            .filter(|i| i.owner == actor && i.deleted_at.is_none() && region.is_none_or(|r| r == i.region))
            .map(|i| InstanceView {
                id: i.id.clone(),
                image: self.image(i.image).id.clone(),
                region: self.spec.regions[i.region].id.to_string(),
                product: i.product,
                state: if i.stopped { "stopped" } else { "running" }.to_string(),
            })
            .collect();
        Ok(Output::Instances { instances })
    }

    /// Stops or deletes the caller's instance. Neither depends on the image it runs, so a
    /// recipient whose share ended can still stop and release what it launched.
    fn instance_lifecycle(&mut self, actor: AccountIx, region: Option<usize>, id: &str, delete: bool) -> Outcome {
        let n = self.own_instance_in(actor, region, id)?;
        let now = self.state.now;
        let inst = &mut self.state.instances[n];
        if delete {
            inst.deleted_at = Some(now);
        } else {
            inst.stopped = true;
        }
        Ok(Output::Done)
    }

    /// Who the image's customer key is authorized to; only the key's owner may ask.
    fn list_key_grants(&self, actor: AccountIx, region: Option<usize>, id: &str) -> Outcome {
        let (ix, role) = self.reach(actor, id, region, Action::ListKeyGrants)?;
        let rule = self.policy.encryption.map(|(r, _, _)| r);
        if !matches!(role, Role::Owner) {
            return Err(Failure::maybe(K::NotOwner, rule, "only the key's owner can list its grants"));
        }
        let Some(key) = self.image(ix).key.clone() else {
            return Err(Failure::maybe(
                K::InvalidParameter,
                rule,
                format!("image `{id}` is not encrypted with a custom key"),
            ));
        };
        let grantees = self
            .state
            .key_grants
            .iter()
            .filter(|(k, _)| *k == key)
            .map(|(_, a)| self.state.accounts[*a as usize].name.clone())
            .collect();
        Ok(Output::KeyGrants { key, grantees })
    }

    fn reinit(&mut self, actor: AccountIx, region: Option<usize>, instance: &str) -> Outcome {
        let n = self.own_instance_in(actor, region, instance)?;
        let inst = &self.state.instances[n];
        let image_id = self.image(inst.image).id.clone();
        let (ix, _) = self.reach(actor, &image_id, Some(inst.region), Action::ReinitDisk)?;
        self.require_available(ix, self.policy.requires_available)?;
        Ok(Output::DiskReset { instance: instance.to_string(), image: image_id })
    }

    fn replace_disk(&mut self, actor: AccountIx, region: Option<usize>, instance: &str, image: &str) -> Outcome {
        let n = self.own_instance_in(actor, region, instance)?;
        let region = self.state.instances[n].region;
        let (ix, _) = self.reach(actor, image, Some(region), Action::ReplaceSystemDisk)?;
        self.require_available(ix, self.policy.requires_available)?;
        self.state.instances[n].image = ix;
        Ok(Output::DiskReset { instance: instance.to_string(), image: image.to_string() })
    }

    fn key_grant(
        &mut self,
        actor: AccountIx,
        region: Option<usize>,
        id: &str,
        recipient: &str,
        grant: bool,
    ) -> Outcome {
        let action = if grant { Action::AuthorizeKey } else { Action::RevokeKey };
        let (ix, role) = self.reach(actor, id, region, action)?;
        let rule = self.policy.encryption.map(|(r, _, _)| r);
        if !matches!(role, Role::Owner) {
            return Err(Failure::maybe(K::NotOwner, rule, "only the key's owner can authorize or revoke it"));
        }
        let img = self.image(ix);
        let Some(key) = img.key.clone() else {
            return Err(Failure::maybe(
                K::InvalidParameter,
                rule,
                format!("image `{id}` is not encrypted with a custom key"),
            ));
        };
        let acc = self.resolve_recipient(recipient.trim(), img.region)?;
        if grant {
            self.state.key_grants.insert((key, acc));
        } else {
            self.state.key_grants.remove(&(key, acc));
        }
        Ok(Output::Done)
    }

    fn modify_share(
        &mut self,
        actor: AccountIx,
        region: Option<usize>,
        id: &str,
        recipient: &str,
        opts: &ShareOptions,
    ) -> Outcome {
        let (ix, _) = self.reach(actor, id, region, Action::ModifyShare)?;
        let until = self.check_share_options(opts)?;
        let img = self.image(ix);
        let acc = self.resolve_recipient(recipient.trim(), img.region)?;
        if !img.shares.contains_key(&acc) {
            let rule = self.policy.cancel_non_member.map(|(r, _)| r);
            return Err(Failure::maybe(K::NotShared, rule, format!("image `{id}` is not shared with `{recipient}`")));
        }
        let share = self.state.images[ix as usize].shares.get_mut(&acc);
        if let Some(s) = share {
            if let Some(v) = opts.validity {
                s.valid_until = match v {
                    Validity::Forever => None,
                    Validity::Until(_) => until,
                };
            }
            if let Some(d) = &opts.description {
                s.description = Some(d.as_str().into());
            }
        }
        Ok(Output::Done)
    }

    /// Makes an image public or private again, where a rule says the owner can. A shared image
    /// keeps its shares where a rule says so; without one it cannot be made public while shared.
    fn set_visibility(&mut self, actor: AccountIx, region: Option<usize>, id: &str, to: Visibility) -> Outcome {
        let Some(rule) = self.policy.visibility_change else {
            return Err(Failure::plain(
                K::Unsupported,
                format!("{} images cannot be made public or private after they are made", self.spec.title),
            ));
        };
        let (ix, _) = self.reach(actor, id, region, Action::SetVisibility)?;
        let shared = !self.image(ix).shares.is_empty();
        if to == Visibility::Public && shared && self.policy.shares_survive_public.is_none() {
            return Err(deny(K::StillShared, rule, format!("image `{id}` is shared; cancel its shares first")));
        }
        self.state.images[ix as usize].visibility = to;
        Ok(Output::Done)
    }

    /// The image and the Lighthouse rule, for the hand-over in either direction.
    fn reach_lighthouse(
        &self,
        actor: AccountIx,
        region: Option<usize>,
        id: &str,
        action: Action,
    ) -> Result<(ImageIx, &'static crate::rules::Rule), Failure> {
        let (ix, _) = self.reach(actor, id, region, action)?;
        let Some(rule) = self.policy.lighthouse else {
            return Err(Failure::maybe(
                K::Unsupported,
                self.policy.no_api_rule(action),
                format!("{} has no Lighthouse", self.spec.title),
            ));
        };
        Ok((ix, rule))
    }

    /// Hands the owner's image to its other product: a CVM image to Lighthouse, or a
    /// Lighthouse image to CVM. Both stay within the account.
    fn hand_over(&mut self, actor: AccountIx, region: Option<usize>, id: &str, to: Product) -> Outcome {
        let action = match to {
            Product::Lighthouse => Action::ShareToLighthouse,
            Product::Cvm => Action::ShareToCvm,
        };
        let (ix, rule) = self.reach_lighthouse(actor, region, id, action)?;
        // Lighthouse's API reference: an image that has been shared cannot be shared again.
        if self.image(ix).usable_in(to) {
            let there = match to {
                Product::Lighthouse => "Lighthouse",
                Product::Cvm => "CVM",
            };
            return Err(deny(K::AlreadyShared, rule, format!("image `{id}` is already in {there}")));
        }
        self.require_available(ix, self.policy.requires_available)?;
        let img = &mut self.state.images[ix as usize];
        match to {
            Product::Lighthouse => img.lighthouse = true,
            Product::Cvm => img.cvm = true,
        }
        Ok(Output::Done)
    }

    /// Ends a CVM image's hand-over to the owner's Lighthouse. Lighthouse instances already
    /// built from it stay; new ones need the hand-over again.
    fn take_back_from_lighthouse(&mut self, actor: AccountIx, region: Option<usize>, id: &str) -> Outcome {
        let action = Action::ShareToLighthouse;
        let (ix, rule) = self.reach_lighthouse(actor, region, id, action)?;
        let img = &mut self.state.images[ix as usize];
        if img.home == Product::Lighthouse || !img.lighthouse {
            return Err(deny(K::NotShared, rule, format!("image `{id}` is not shared to Lighthouse")));
        }
        img.lighthouse = false;
        Ok(Output::Done)
    }

    // ----- state dumps ----------------------------------------------------------------------

    /// The whole state as pretty JSON; byte-identical for the same operations.
    pub fn dump(&self) -> String {
        let dump =
            Dump { provider: self.spec.name.to_string(), settings: self.settings.clone(), state: self.state.clone() };
        serde_json::to_string_pretty(&dump).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// Loads a dump made by [`Engine::dump`] for the same provider.
    pub fn load(provider: Provider, json: &str) -> Result<Engine, LoadError> {
        let dump: Dump = serde_json::from_str(json)?;
        if dump.provider != provider.name() {
            return Err(LoadError::WrongProvider { expected: provider, found: dump.provider });
        }
        let mut state = dump.state;
        let spec = provider.spec();
        validate::state(spec, &state).map_err(LoadError::Inconsistent)?;
        state.reindex();
        Ok(Engine { provider, spec, policy: provider.policy(), settings: dump.settings, state })
    }
}
