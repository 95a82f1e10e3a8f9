//! The vocabulary every provider's rule table is written in.
//!
//! A provider's sharing policy is a list of [`Rule`]s. Each rule carries its ID (from `RULES.md`,
//! or a new ID in the same style for rules the API references state), the document it comes from,
//! and one typed [`Effect`] that the engine interprets. The engine never asks "which provider is
//! this?": it asks the [`Policy`] folded from the table, so a rule lives in exactly one place and
//! the policy matrix, `explain` and the engine's decisions can never drift apart.

use serde::Serialize;

use crate::engine::Action;

/// A rule's stable ID, e.g. `TC-LIMIT-50`.
pub type RuleId = &'static str;

/// Where a rule's behaviour comes from; `explain` prints it so users can check our reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// Stated in the provider's seed document (`RULES.md`).
    Seed,
    /// Stated in the provider's API reference or observed with its SDK, not in the seed.
    ApiReference,
    /// No source says what happens: we chose the conservative behaviour.
    Assumed,
}

impl Basis {
    pub fn label(self) -> &'static str {
        match self {
            Basis::Seed => "seed",
            Basis::ApiReference => "api-reference",
            Basis::Assumed => "assumed",
        }
    }
}

/// The question a rule answers; rows of the policy matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Topic {
    Recipient,
    Ownership,
    Reshare,
    Preconditions,
    Encrypted,
    Limits,
    Batch,
    Region,
    Acceptance,
    Expiry,
    Permissions,
    Listing,
    Quota,
    Deletion,
    AfterUnshare,
    Copy,
    Api,
}

impl Topic {
    pub const ALL: [Topic; 17] = [
        Topic::Recipient,
        Topic::Ownership,
        Topic::Reshare,
        Topic::Preconditions,
        Topic::Encrypted,
        Topic::Limits,
        Topic::Batch,
        Topic::Region,
        Topic::Acceptance,
        Topic::Expiry,
        Topic::Permissions,
        Topic::Listing,
        Topic::Quota,
        Topic::Deletion,
        Topic::AfterUnshare,
        Topic::Copy,
        Topic::Api,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Topic::Recipient => "Recipient identity",
            Topic::Ownership => "Who may share",
            Topic::Reshare => "Re-share by recipient",
            Topic::Preconditions => "Image preconditions",
            Topic::Encrypted => "Encrypted images",
            Topic::Limits => "Recipients per image",
            Topic::Batch => "Per request",
            Topic::Region => "Region scope",
            Topic::Acceptance => "Acceptance",
            Topic::Expiry => "Validity",
            Topic::Permissions => "What a recipient may do",
            Topic::Listing => "Listings",
            Topic::Quota => "Quota",
            Topic::Deletion => "Delete while shared",
            Topic::AfterUnshare => "After unshare / delete",
            Topic::Copy => "Copy",
            Topic::Api => "Operations without an API",
        }
    }
}

/// How a provider names the account an image is shared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    /// JD Cloud customer identification code.
    Pin,
    /// Numeric account ID (JD, Alibaba).
    AccountId,
    /// Mobile phone number bound to an account (JD).
    Phone,
    /// Tencent root (main) account ID.
    RootAccountId,
    /// Tencent collaborator / sub-user ID: a real ID that is not a root account.
    SubAccountId,
    /// Tencent APPID, which looks numeric but names no account.
    AppId,
    /// Huawei project ID: one per account per region.
    ProjectId,
    /// Huawei account (domain) ID.
    DomainId,
    /// Huawei account (domain) name.
    AccountName,
    /// A login e-mail address.
    LoginEmail,
}

impl IdentityKind {
    pub fn label(self) -> &'static str {
        match self {
            IdentityKind::Pin => "PIN",
            IdentityKind::AccountId => "account ID",
            IdentityKind::Phone => "phone number",
            IdentityKind::RootAccountId => "root account ID",
            IdentityKind::SubAccountId => "sub-account ID",
            IdentityKind::AppId => "APPID",
            IdentityKind::ProjectId => "project ID",
            IdentityKind::DomainId => "account (domain) ID",
            IdentityKind::AccountName => "account name",
            IdentityKind::LoginEmail => "login e-mail",
        }
    }
}

/// What happens when a request names more recipients than one call may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Overflow {
    /// The whole request is refused.
    Reject,
    /// Only the first `max` are processed, the rest silently ignored.
    Truncate,
}

/// How an encrypted image may be shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EncryptedShare {
    Refused,
    Allowed,
    /// Allowed once the key is authorized to each recipient.
    NeedsKeyGrant,
}

/// What deleting an image that still has shares does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeleteShared {
    /// Refused until every share is cancelled.
    Refuse,
    /// Allowed; the shares disappear with the image.
    Cascade,
}

/// What a duplicate share (or a cancel for someone who is not a member) does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Repeat {
    /// Accepted and changes nothing.
    Ignore,
    /// Refused with an error.
    Refuse,
}

/// Where copies may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CopyScope {
    pub same_region: bool,
    pub other_region: bool,
}

impl CopyScope {
    pub const NONE: CopyScope = CopyScope { same_region: false, other_region: false };
    pub const SAME: CopyScope = CopyScope { same_region: true, other_region: false };
    pub const OTHER: CopyScope = CopyScope { same_region: false, other_region: true };
    pub const ANY: CopyScope = CopyScope { same_region: true, other_region: true };
}

/// The typed meaning of a rule: what the engine does because of it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// Recipients are named in this form; other known forms are refused as invalid.
    RecipientIdentity { kind: IdentityKind },
    /// A well-formed recipient that names no account is refused.
    RecipientMustExist,
    /// Sharing with yourself is refused.
    NoSelfShare,
    /// These actions are for the image's owner only (others get `NotOwner`).
    OwnerOnly { actions: &'static [Action] },
    /// A recipient cannot share what was shared with it.
    NoReshare,
    /// Only private images can be shared.
    PrivateOnly,
    /// Only images in the available state can be shared.
    RequiresAvailable,
    /// How encrypted images may be shared.
    Encryption { default_key: EncryptedShare, custom_key: EncryptedShare },
    /// At most `max` recipients per image (per image kind when `full_server` is set).
    ShareLimit { max: u32, full_server_only: bool },
    /// At most `max` recipients in one request.
    RecipientsPerRequest { max: u32, overflow: Overflow },
    /// Whether one request may name several images.
    ImagesPerRequest { many: bool },
    /// Shares, and the API calls that reach them, stay inside the image's region.
    SameRegion,
    /// The owner can make an image public, or private again.
    VisibilityChange,
    /// Making a shared image public keeps its shares (they apply again once it is private).
    SharesSurvivePublic,
    /// Recipients accept or reject a share; a pending one cannot be used. Whether a rejected
    /// one can (it is only hidden from the recipient's listing) is the provider's to say.
    AcceptanceRequired { rejected_usable: bool },
    /// Shares are usable at once; there is no accept or reject step.
    NoAcceptance,
    /// A share may carry a validity end (or be permanent), checked on the virtual clock.
    ShareValidity,
    /// A share may carry a description of at most `max` characters.
    ShareDescription { max: u32 },
    /// The only permission a share can grant is pull (read).
    PullOnly,
    /// A recipient may use a shared image for exactly these actions.
    RecipientUse { actions: &'static [Action] },
    /// A recipient may not perform these actions on a shared image.
    RecipientMayNot { actions: &'static [Action] },
    /// Sharing an account that is already a member.
    DuplicateShare { repeat: Repeat },
    /// Cancelling a share for an account that is not a member.
    CancelNonMember { repeat: Repeat },
    /// A request that would pass the limit is refused as a whole (no partial add).
    AtomicBatch,
    /// New shares show in listings only after this many seconds.
    ListingDelay { seconds: u64 },
    /// Recipients list what was shared with them.
    SharedWithMeListing,
    /// Owners list what they have shared and with whom.
    MySharedListing,
    /// Shared images never count against the recipient's image quota.
    RecipientQuotaFree,
    /// Sharing never consumes the owner's image quota.
    OwnerQuotaFree,
    /// Each account may own at most `max` images per region.
    ImageQuota { max: u32 },
    /// What deleting a shared image does.
    DeleteWhileShared { then: DeleteShared },
    /// Once unshared, the former recipient cannot find or use the image, and its instances
    /// cannot re-initialize their system disks from it.
    LoseAccessOnUnshare,
    /// Once the image is deleted, nobody can use it, and instances created from it cannot
    /// re-initialize their system disks.
    LoseAccessOnDelete,
    /// Revoking the key grant makes an accepted encrypted share unusable until replicated.
    KeyRevocation,
    /// Copies an owner may make.
    OwnerCopy { scope: CopyScope },
    /// Copies a recipient may make of a shared image (into its own private image).
    RecipientCopy { scope: CopyScope, needs_acceptance: bool },
    /// Encrypted images cannot be copied: to another region only, or anywhere.
    NoEncryptedCopy { cross_region_only: bool },
    /// A custom image may be used by the same account's Lighthouse.
    LighthouseShare,
    /// The owner may change a share's validity and description.
    ModifyShare,
    /// An image's name is its identity: it cannot be renamed.
    FixedName,
    /// The provider has no API for these actions.
    NoApi { actions: &'static [Action] },
    /// A registry holds the repositories' content: each blob (layer) pushed is at most
    /// `max_bytes` (a world's `blob_limit` can lower or raise it).
    LayerSize { max_bytes: u64 },
    /// A repository holds at most a world's `repository_limit` bytes (no limit unless set).
    RepositorySize,
    /// Pushing content to an image of the caller's that does not exist creates it, private.
    PushCreates,
    /// Documented behaviour with nothing for the engine to decide.
    Informational,
}

/// One rule of a provider's table.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Rule {
    pub id: RuleId,
    pub topic: Topic,
    /// One line: what the rule says.
    pub text: &'static str,
    /// A few words for the policy matrix cell.
    pub short: &'static str,
    pub basis: Basis,
    /// The document it comes from (seed file or API reference section).
    pub source: &'static str,
    /// The sentence of that document the rule rests on, quoted exactly (short); empty for an
    /// assumed rule, which no source states.
    pub quote: &'static str,
    /// The public URL of the provider's documentation page the quote is from.
    pub url: &'static str,
    /// Where sources disagree or what we assumed.
    pub notes: &'static str,
    pub effect: Effect,
}

/// A provider's policy, folded once from its rule table so the engine reads fields, not lists.
///
/// Every field holds the rule that decides it, so a denial always names its rule.
#[derive(Debug, Default)]
pub struct Policy {
    pub recipient_identity: Option<(&'static Rule, IdentityKind)>,
    pub recipient_must_exist: Option<&'static Rule>,
    pub no_self_share: Option<&'static Rule>,
    pub owner_only: Vec<(&'static Rule, &'static [Action])>,
    pub no_reshare: Option<&'static Rule>,
    pub private_only: Option<&'static Rule>,
    pub requires_available: Option<&'static Rule>,
    pub encryption: Option<(&'static Rule, EncryptedShare, EncryptedShare)>,
    pub share_limit: Option<(&'static Rule, u32)>,
    pub full_server_limit: Option<(&'static Rule, u32)>,
    pub recipients_per_request: Option<(&'static Rule, u32, Overflow)>,
    pub images_per_request: Option<(&'static Rule, bool)>,
    pub same_region: Option<&'static Rule>,
    pub acceptance_required: Option<&'static Rule>,
    pub visibility_change: Option<&'static Rule>,
    pub shares_survive_public: Option<&'static Rule>,
    pub no_acceptance: Option<&'static Rule>,
    pub share_validity: Option<&'static Rule>,
    pub share_description: Option<(&'static Rule, u32)>,
    pub pull_only: Option<&'static Rule>,
    pub recipient_use: Option<(&'static Rule, &'static [Action])>,
    pub recipient_may_not: Vec<(&'static Rule, &'static [Action])>,
    pub duplicate_share: Option<(&'static Rule, Repeat)>,
    pub cancel_non_member: Option<(&'static Rule, Repeat)>,
    pub atomic_batch: Option<&'static Rule>,
    pub listing_delay: Option<(&'static Rule, u64)>,
    pub shared_with_me: Option<&'static Rule>,
    pub my_shared: Option<&'static Rule>,
    pub recipient_quota_free: Option<&'static Rule>,
    pub owner_quota_free: Option<&'static Rule>,
    pub image_quota: Option<(&'static Rule, u32)>,
    /// The provider has a registry: content is pushed and pulled, each blob at most this big.
    pub layer_size: Option<(&'static Rule, u64)>,
    pub repository_size: Option<&'static Rule>,
    pub push_creates: Option<&'static Rule>,
    pub delete_while_shared: Option<(&'static Rule, DeleteShared)>,
    pub lose_access_on_unshare: Option<&'static Rule>,
    pub lose_access_on_delete: Option<&'static Rule>,
    pub key_revocation: Option<&'static Rule>,
    pub owner_copy: Option<(&'static Rule, CopyScope)>,
    pub recipient_copy: Option<(&'static Rule, CopyScope, bool)>,
    pub no_encrypted_copy: Option<(&'static Rule, bool)>,
    pub lighthouse: Option<&'static Rule>,
    pub modify_share: Option<&'static Rule>,
    pub fixed_name: Option<&'static Rule>,
    pub no_api: Vec<(&'static Rule, &'static [Action])>,
}

/// A rule table that cannot be folded into a policy: two rules claim the same decision.
#[derive(Debug, thiserror::Error)]
#[error("rule {second} decides the same thing as rule {first}")]
pub struct PolicyConflict {
    pub first: RuleId,
    pub second: RuleId,
}

fn set_once<T>(slot: &mut Option<T>, value: T, id: RuleId, first: impl Fn(&T) -> RuleId) -> Result<(), PolicyConflict> {
    if let Some(existing) = slot.as_ref() {
        return Err(PolicyConflict { first: first(existing), second: id });
    }
    *slot = Some(value);
    Ok(())
}

impl Policy {
    /// Fold a rule table into a policy; refuses tables where two rules decide the same thing.
    pub fn from_rules(rules: &'static [Rule]) -> Result<Policy, PolicyConflict> {
        let mut p = Policy::default();
        for r in rules {
            let id = r.id;
            let one = |x: &&'static Rule| x.id;
            match r.effect {
                Effect::RecipientIdentity { kind } => set_once(&mut p.recipient_identity, (r, kind), id, |x| x.0.id)?,
                Effect::RecipientMustExist => set_once(&mut p.recipient_must_exist, r, id, one)?,
                Effect::NoSelfShare => set_once(&mut p.no_self_share, r, id, one)?,
                Effect::OwnerOnly { actions } => p.owner_only.push((r, actions)),
                Effect::NoReshare => set_once(&mut p.no_reshare, r, id, one)?,
                Effect::PrivateOnly => set_once(&mut p.private_only, r, id, one)?,
                Effect::RequiresAvailable => set_once(&mut p.requires_available, r, id, one)?,
                Effect::Encryption { default_key, custom_key } => {
                    set_once(&mut p.encryption, (r, default_key, custom_key), id, |x| x.0.id)?
                }
                Effect::ShareLimit { max, full_server_only: false } => {
                    set_once(&mut p.share_limit, (r, max), id, |x| x.0.id)?
                }
                Effect::ShareLimit { max, full_server_only: true } => {
                    set_once(&mut p.full_server_limit, (r, max), id, |x| x.0.id)?
                }
                Effect::RecipientsPerRequest { max, overflow } => {
                    set_once(&mut p.recipients_per_request, (r, max, overflow), id, |x| x.0.id)?
                }
                Effect::ImagesPerRequest { many } => set_once(&mut p.images_per_request, (r, many), id, |x| x.0.id)?,
                Effect::SameRegion => set_once(&mut p.same_region, r, id, one)?,
                Effect::AcceptanceRequired { .. } => set_once(&mut p.acceptance_required, r, id, one)?,
                Effect::VisibilityChange => set_once(&mut p.visibility_change, r, id, one)?,
                Effect::SharesSurvivePublic => set_once(&mut p.shares_survive_public, r, id, one)?,
                Effect::NoAcceptance => set_once(&mut p.no_acceptance, r, id, one)?,
                Effect::ShareValidity => set_once(&mut p.share_validity, r, id, one)?,
                Effect::ShareDescription { max } => set_once(&mut p.share_description, (r, max), id, |x| x.0.id)?,
                Effect::PullOnly => set_once(&mut p.pull_only, r, id, one)?,
                Effect::RecipientUse { actions } => set_once(&mut p.recipient_use, (r, actions), id, |x| x.0.id)?,
                Effect::RecipientMayNot { actions } => p.recipient_may_not.push((r, actions)),
                Effect::DuplicateShare { repeat } => set_once(&mut p.duplicate_share, (r, repeat), id, |x| x.0.id)?,
                Effect::CancelNonMember { repeat } => set_once(&mut p.cancel_non_member, (r, repeat), id, |x| x.0.id)?,
                Effect::AtomicBatch => set_once(&mut p.atomic_batch, r, id, one)?,
                Effect::ListingDelay { seconds } => set_once(&mut p.listing_delay, (r, seconds), id, |x| x.0.id)?,
                Effect::SharedWithMeListing => set_once(&mut p.shared_with_me, r, id, one)?,
                Effect::MySharedListing => set_once(&mut p.my_shared, r, id, one)?,
                Effect::RecipientQuotaFree => set_once(&mut p.recipient_quota_free, r, id, one)?,
                Effect::OwnerQuotaFree => set_once(&mut p.owner_quota_free, r, id, one)?,
                Effect::ImageQuota { max } => set_once(&mut p.image_quota, (r, max), id, |x| x.0.id)?,
                Effect::DeleteWhileShared { then } => set_once(&mut p.delete_while_shared, (r, then), id, |x| x.0.id)?,
                Effect::LoseAccessOnUnshare => set_once(&mut p.lose_access_on_unshare, r, id, one)?,
                Effect::LoseAccessOnDelete => set_once(&mut p.lose_access_on_delete, r, id, one)?,
                Effect::KeyRevocation => set_once(&mut p.key_revocation, r, id, one)?,
                Effect::OwnerCopy { scope } => set_once(&mut p.owner_copy, (r, scope), id, |x| x.0.id)?,
                Effect::RecipientCopy { scope, needs_acceptance } => {
                    set_once(&mut p.recipient_copy, (r, scope, needs_acceptance), id, |x| x.0.id)?
                }
                Effect::NoEncryptedCopy { cross_region_only } => {
                    set_once(&mut p.no_encrypted_copy, (r, cross_region_only), id, |x| x.0.id)?
                }
                Effect::LighthouseShare => set_once(&mut p.lighthouse, r, id, one)?,
                Effect::ModifyShare => set_once(&mut p.modify_share, r, id, one)?,
                Effect::FixedName => set_once(&mut p.fixed_name, r, id, one)?,
                Effect::NoApi { actions } => p.no_api.push((r, actions)),
                Effect::LayerSize { max_bytes } => set_once(&mut p.layer_size, (r, max_bytes), id, |x| x.0.id)?,
                Effect::RepositorySize => set_once(&mut p.repository_size, r, id, one)?,
                Effect::PushCreates => set_once(&mut p.push_creates, r, id, one)?,
                Effect::Informational => {}
            }
        }
        Ok(p)
    }

    /// The rule that forbids a recipient this action, if any.
    pub fn recipient_forbidden(&self, action: Action) -> Option<&'static Rule> {
        self.recipient_may_not.iter().find(|(_, acts)| acts.contains(&action)).map(|(r, _)| *r)
    }

    /// The rule that reserves this action for the owner, if any.
    pub fn owner_only_rule(&self, action: Action) -> Option<&'static Rule> {
        self.owner_only.iter().find(|(_, acts)| acts.contains(&action)).map(|(r, _)| *r)
    }

    /// The rule saying this provider has no API for the action, if any.
    pub fn no_api_rule(&self, action: Action) -> Option<&'static Rule> {
        self.no_api.iter().find(|(_, acts)| acts.contains(&action)).map(|(r, _)| *r)
    }
}

impl Rule {
    /// The short cell text for the policy matrix, with the rule ID.
    pub fn cell(&self) -> String {
        let mark = if self.basis == Basis::Assumed { " (assumed)" } else { "" };
        format!("{}{} [{}]", self.short, mark, self.id)
    }
}
