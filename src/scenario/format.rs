//! The scenario file format as it is written: YAML mapped onto these types by serde-saphyr.
//!
//! A step is a mapping with exactly one operation key (`share: {…}`) and an optional `expect`.
//! It is a struct of optional fields rather than an enum because serde-saphyr keeps source
//! positions through structs but not through tagged enums, and every error must say where.
//! `deny_unknown_fields` everywhere turns a typo into an error that lists the valid names.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use crate::engine::{EncryptionSpec, ImageKind, Product, Visibility};

/// `providers: all` or a list of provider names.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum ProvidersDoc {
    All(String),
    List(Vec<String>),
}

/// Per-provider settings: only the knobs of `engine::Settings`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsDoc {
    /// Per-image share limit (JD: 10 in the seed, 20 in the API reference).
    pub share_limit: Option<u32>,
    /// Seconds before a new share shows in listings (JD-DELAY).
    pub listing_delay: Option<u64>,
    /// Images an account may own per region.
    pub image_quota: Option<u32>,
    /// The largest blob (layer) a registry takes, in bytes (SWR: 10 GiB).
    pub blob_limit: Option<u64>,
    /// The most bytes one repository may hold (SWR: no limit unless set).
    pub repository_limit: Option<u64>,
}

/// A whole scenario file.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioDoc {
    /// Short name; shown in reports.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// What the scenario shows, in a sentence or two.
    #[serde(default)]
    pub about: String,
    /// The rule IDs this scenario exercises (from any provider).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub rules: Vec<Spanned<String>>,
    /// `all` (the default) or a list of providers.
    #[serde(default)]
    #[schemars(with = "Option<ProvidersDoc>")]
    pub providers: Option<Spanned<ProvidersDoc>>,
    /// Abstract account names (`owner`, `alice`). Crowd accounts (`crowd1`…) are added as needed.
    #[schemars(with = "Vec<String>")]
    pub accounts: Spanned<Vec<Spanned<String>>>,
    /// Settings per provider name.
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, SettingsDoc>>")]
    pub settings: Option<Spanned<BTreeMap<String, SettingsDoc>>>,
    #[schemars(with = "Vec<StepDoc>")]
    pub steps: Spanned<Vec<Spanned<StepDoc>>>,
}

/// Who acts and where. Every step but `advance_clock` has these.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActorArgs {
    /// The acting account.
    #[serde(rename = "as")]
    #[schemars(with = "String")]
    pub actor: Spanned<String>,
    /// The region the call is made in (default: the image's region, or `home`).
    #[serde(rename = "in", default)]
    #[schemars(with = "Option<String>")]
    pub region: Option<Spanned<String>>,
}

/// A recipient: an account name, or a map choosing its form.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum RecipientDoc {
    /// An account of the scenario, named the way the provider names recipients.
    Account(String),
    Detailed(RecipientDetail),
}

/// A recipient in a chosen form, a literal string, or a crowd of generated accounts.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecipientDetail {
    /// An account of the scenario.
    pub account: Option<String>,
    /// The identity form to use instead of the provider's own (e.g. `account_id` on JD).
    pub form: Option<String>,
    /// Take the account's per-region identity in this region (Huawei project IDs).
    pub region: Option<String>,
    /// A literal recipient string, sent as is.
    pub raw: Option<String>,
    /// Generated accounts: `50` means crowd1…crowd50, `"51..60"` a range.
    pub crowd: Option<CrowdDoc>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum CrowdDoc {
    Count(u32),
    Range(String),
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum RecipientsDoc {
    One(RecipientDoc),
    Many(Vec<RecipientDoc>),
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateImageArgs {
    #[serde(rename = "as")]
    #[schemars(with = "String")]
    pub actor: Spanned<String>,
    /// The scenario's handle for the image; also its name.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Abstract region (default `home`).
    #[schemars(with = "Option<String>")]
    pub region: Option<Spanned<String>>,
    #[serde(default)]
    pub visibility: Visibility,
    #[serde(default)]
    pub encryption: EncryptionSpec,
    #[serde(default)]
    pub kind: ImageKind,
    /// Seconds the image stays in the creating state.
    #[serde(default)]
    pub ready_after: u64,
    #[serde(default)]
    pub description: String,
    /// The handle of the owner's instance to make the image from; the image takes its region
    /// and product.
    #[schemars(with = "Option<String>")]
    pub from: Option<Spanned<String>>,
}

/// A share's validity: `forever`, seconds from now, or an ISO 8601 time.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareArgs {
    #[serde(rename = "as")]
    #[schemars(with = "String")]
    pub actor: Spanned<String>,
    #[serde(rename = "in", default)]
    #[schemars(with = "Option<String>")]
    pub region: Option<Spanned<String>>,
    /// One image handle.
    #[schemars(with = "Option<String>")]
    pub image: Option<Spanned<String>>,
    /// Several image handles in one request (IMS).
    #[schemars(with = "Option<Vec<String>>")]
    pub images: Option<Vec<Spanned<String>>>,
    /// Recipients.
    #[serde(rename = "with")]
    #[schemars(with = "RecipientsDoc")]
    pub recipients: Spanned<RecipientsDoc>,
    /// `forever`, a number of seconds from now, or an ISO 8601 time (SWR).
    #[schemars(with = "Option<ValidityDoc>")]
    pub valid: Option<Spanned<ValidityDoc>>,
    /// A description of the share (SWR).
    pub description: Option<String>,
    /// The permission granted (SWR: `read`/`pull`).
    pub permission: Option<String>,
    /// Send one request per this many recipients (SWR takes one account per request, Alibaba
    /// ten); the step stops at the first refused request.
    pub batch: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum ValidityDoc {
    Seconds(u64),
    Text(String),
}

/// `set_visibility`: make an image public (`public: true`) or private again.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VisibilityArgs {
    #[serde(rename = "as")]
    #[schemars(with = "String")]
    pub actor: Spanned<String>,
    #[serde(rename = "in", default)]
    #[schemars(with = "Option<String>")]
    pub region: Option<Spanned<String>>,
    #[schemars(with = "String")]
    pub image: Spanned<String>,
    pub public: bool,
}

/// `push: {as, image, tag}`: the owner pushes a small sample image to a repository (SWR's
/// registry), so there is content to pull.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PushArgs {
    #[serde(rename = "as")]
    #[schemars(with = "String")]
    pub actor: Spanned<String>,
    #[serde(rename = "in", default)]
    #[schemars(with = "Option<String>")]
    pub region: Option<Spanned<String>>,
    #[schemars(with = "String")]
    pub image: Spanned<String>,
    /// The tag to push under, e.g. `v1`.
    #[schemars(with = "String")]
    pub tag: Spanned<String>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageArgs {
    #[serde(rename = "as")]
    #[schemars(with = "String")]
    pub actor: Spanned<String>,
    #[serde(rename = "in", default)]
    #[schemars(with = "Option<String>")]
    pub region: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub image: Option<Spanned<String>>,
    /// Several images (accept/reject on IMS).
    #[schemars(with = "Option<Vec<String>>")]
    pub images: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelArgs {
    #[serde(rename = "as")]
    #[schemars(with = "String")]
    pub actor: Spanned<String>,
    #[serde(rename = "in", default)]
    #[schemars(with = "Option<String>")]
    pub region: Option<Spanned<String>>,
    #[schemars(with = "String")]
    pub image: Spanned<String>,
    #[serde(rename = "with")]
    #[schemars(with = "RecipientsDoc")]
    pub recipients: Spanned<RecipientsDoc>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModifyArgs {
    #[serde(rename = "as")]
    #[schemars(with = "String")]
    pub actor: Spanned<String>,
    #[serde(rename = "in", default)]
    #[schemars(with = "Option<String>")]
    pub region: Option<Spanned<String>>,
    #[schemars(with = "String")]
    pub image: Spanned<String>,
    pub name: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CopyArgs {
    #[serde(rename = "as")]
    #[schemars(with = "String")]
    pub actor: Spanned<String>,
    #[serde(rename = "in", default)]
    #[schemars(with = "Option<String>")]
    pub region: Option<Spanned<String>>,
    #[schemars(with = "String")]
    pub image: Spanned<String>,
    /// Destination region.
    #[schemars(with = "String")]
    pub to: Spanned<String>,
    /// The handle (and name) of the copy.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Re-encrypt the copy with the caller's own key.
    #[serde(default)]
    pub own_key: bool,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LaunchArgs {
    #[serde(rename = "as")]
    #[schemars(with = "String")]
    pub actor: Spanned<String>,
    #[serde(rename = "in", default)]
    #[schemars(with = "Option<String>")]
    pub region: Option<Spanned<String>>,
    #[schemars(with = "String")]
    pub image: Spanned<String>,
    /// A handle for the instance, to re-initialize it later.
    #[schemars(with = "Option<String>")]
    pub instance: Option<Spanned<String>>,
    #[serde(default)]
    pub product: Product,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstanceArgs {
    #[serde(rename = "as")]
    #[schemars(with = "String")]
    pub actor: Spanned<String>,
    #[schemars(with = "String")]
    pub instance: Spanned<String>,
    /// For `replace_system_disk`: the image to rebuild the disk from.
    #[schemars(with = "Option<String>")]
    pub image: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantArgs {
    #[serde(rename = "as")]
    #[schemars(with = "String")]
    pub actor: Spanned<String>,
    #[serde(rename = "in", default)]
    #[schemars(with = "Option<String>")]
    pub region: Option<Spanned<String>>,
    #[schemars(with = "String")]
    pub image: Spanned<String>,
    /// One recipient.
    #[serde(rename = "with")]
    #[schemars(with = "RecipientDoc")]
    pub recipient: Spanned<RecipientDoc>,
    /// For `modify_share`: the new validity.
    #[schemars(with = "Option<ValidityDoc>")]
    pub valid: Option<Spanned<ValidityDoc>>,
    /// For `modify_share`: the new description.
    pub description: Option<String>,
    /// For `modify_share`: the permission to name (SWR's `permit`).
    pub permission: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockArgs {
    #[serde(default)]
    pub seconds: u64,
    #[serde(default)]
    pub minutes: u64,
    #[serde(default)]
    pub hours: u64,
    #[serde(default)]
    pub days: u64,
}

/// An expected outcome: `ok`, a canonical error (`StillShared`), `error` (any error), or a
/// map from provider name (or `others`) to one of those.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum ExpectDoc {
    All(String),
    PerProvider(BTreeMap<String, String>),
}

/// One step: exactly one operation, plus an optional expectation and note.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepDoc {
    pub create_image: Option<CreateImageArgs>,
    pub share: Option<ShareArgs>,
    pub cancel_share: Option<CancelArgs>,
    pub accept: Option<ImageArgs>,
    pub reject: Option<ImageArgs>,
    pub list_shares: Option<ImageArgs>,
    pub list_shared_with_me: Option<ActorArgs>,
    pub list_my_shared: Option<ActorArgs>,
    pub describe: Option<ImageArgs>,
    pub modify: Option<ModifyArgs>,
    pub delete_image: Option<ImageArgs>,
    pub copy_image: Option<CopyArgs>,
    /// Launch an instance; on SWR this is `docker pull`.
    pub launch: Option<LaunchArgs>,
    /// Same as `launch`; reads better for SWR.
    pub pull: Option<LaunchArgs>,
    pub reinit_disk: Option<InstanceArgs>,
    pub replace_system_disk: Option<InstanceArgs>,
    pub authorize_key: Option<GrantArgs>,
    pub revoke_key: Option<GrantArgs>,
    pub modify_share: Option<GrantArgs>,
    pub quota: Option<ActorArgs>,
    pub share_to_lighthouse: Option<ImageArgs>,
    /// Hand a Lighthouse image to the owner's CVM (Tencent).
    pub share_to_cvm: Option<ImageArgs>,
    pub advance_clock: Option<ClockArgs>,
    /// Make an image public or private again (SWR's `is_public`).
    pub set_visibility: Option<VisibilityArgs>,
    /// Push a sample image under a tag (SWR's registry).
    pub push: Option<PushArgs>,
    #[schemars(with = "Option<ExpectDoc>")]
    pub expect: Option<Spanned<ExpectDoc>>,
    /// A remark printed in the transcript.
    pub note: Option<String>,
}
