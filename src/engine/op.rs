//! The provider-neutral operations: what a scenario step or an HTTP request becomes.

use serde::{Deserialize, Serialize};

/// The kind of an operation; rules name these to say what they allow or forbid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    CreateImage,
    Share,
    CancelShare,
    Accept,
    Reject,
    ListShares,
    ListSharedWithMe,
    ListMyShared,
    /// The caller's own images in a region.
    ListImages,
    Describe,
    Modify,
    Delete,
    Copy,
    /// Launch an instance (VM providers) or pull the image (SWR).
    Launch,
    ReinitDisk,
    ReplaceSystemDisk,
    AuthorizeKey,
    RevokeKey,
    ModifyShare,
    Quota,
    ShareToLighthouse,
    /// Handing a Lighthouse image to the owner's CVM (the other direction of `ShareToLighthouse`).
    ShareToCvm,
    /// The caller's own instances.
    ListInstances,
    StopInstance,
    DeleteInstance,
    /// Who a customer key is authorized to (KMS's ListGrants).
    ListKeyGrants,
    AdvanceClock,
    /// Giving a share an end of validity (an option of `Share`).
    SetValidity,
    /// Giving a share a description (an option of `Share`).
    SetDescription,
    /// Naming a permission for a share (an option of `Share`).
    SetPermission,
    /// Making an image public or private (SWR's `is_public`).
    SetVisibility,
    /// Putting content into a repository (a registry's blob upload or manifest put).
    Push,
}

impl Action {
    /// Whether the action can change the state: listings, descriptions and quota reads cannot
    /// (the engine serves them from `&self`), so a server that persists state skips them.
    pub fn changes_state(self) -> bool {
        !matches!(
            self,
            Action::ListShares
                | Action::ListSharedWithMe
                | Action::ListMyShared
                | Action::ListImages
                | Action::Describe
                | Action::Quota
                | Action::ListInstances
                | Action::ListKeyGrants
        )
    }

    pub const ALL: [Action; 32] = [
        Action::CreateImage,
        Action::Share,
        Action::CancelShare,
        Action::Accept,
        Action::Reject,
        Action::ListShares,
        Action::ListSharedWithMe,
        Action::ListMyShared,
        Action::ListImages,
        Action::Describe,
        Action::Modify,
        Action::Delete,
        Action::Copy,
        Action::Launch,
        Action::ReinitDisk,
        Action::ReplaceSystemDisk,
        Action::AuthorizeKey,
        Action::RevokeKey,
        Action::ModifyShare,
        Action::Quota,
        Action::ShareToLighthouse,
        Action::ShareToCvm,
        Action::ListInstances,
        Action::StopInstance,
        Action::DeleteInstance,
        Action::ListKeyGrants,
        Action::AdvanceClock,
        Action::SetValidity,
        Action::SetDescription,
        Action::SetPermission,
        Action::SetVisibility,
        Action::Push,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Action::CreateImage => "create_image",
            Action::Share => "share",
            Action::CancelShare => "cancel_share",
            Action::Accept => "accept",
            Action::Reject => "reject",
            Action::ListShares => "list_shares",
            Action::ListSharedWithMe => "list_shared_with_me",
            Action::ListMyShared => "list_my_shared",
            Action::ListImages => "list_images",
            Action::Describe => "describe",
            Action::Modify => "modify",
            Action::Delete => "delete_image",
            Action::Copy => "copy_image",
            Action::Launch => "launch",
            Action::ReinitDisk => "reinit_disk",
            Action::ReplaceSystemDisk => "replace_system_disk",
            Action::AuthorizeKey => "authorize_key",
            Action::RevokeKey => "revoke_key",
            Action::ModifyShare => "modify_share",
            Action::Quota => "quota",
            Action::ShareToLighthouse => "share_to_lighthouse",
            Action::ShareToCvm => "share_to_cvm",
            Action::ListInstances => "list_instances",
            Action::StopInstance => "stop_instance",
            Action::DeleteInstance => "delete_instance",
            Action::ListKeyGrants => "list_key_grants",
            Action::AdvanceClock => "advance_clock",
            Action::SetValidity => "share validity",
            Action::SetDescription => "share description",
            Action::SetPermission => "share permission",
            Action::SetVisibility => "set_visibility",
            Action::Push => "push",
        }
    }
}

/// Whether an image is private to its owner or public.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    #[default]
    Private,
    Public,
}

/// How an image is encrypted when it is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EncryptionSpec {
    #[default]
    None,
    /// The provider's default (service-managed) key.
    DefaultKey,
    /// A customer-managed key owned by the image's owner.
    CustomKey,
}

/// IMS distinguishes system-disk images from full-server (full-ECS) images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImageKind {
    #[default]
    SystemDisk,
    FullServer,
}

/// The product an instance is launched in (Tencent CVM or Lighthouse).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Product {
    #[default]
    Cvm,
    Lighthouse,
}

/// When a share stops being valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Validity {
    Forever,
    /// Seconds since the Unix epoch on the virtual clock.
    Until(u64),
}

/// Options of a share; only providers whose rules allow them accept them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity: Option<Validity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `pull`/`read` is the only permission SWR knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission: Option<String>,
}

/// Parameters of a new image.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewImage {
    pub name: String,
    /// Abstract region name (`home`) or the provider's region ID; empty with `from` means the
    /// instance's region.
    pub region: String,
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
    /// The owner's instance the image is made from. The image takes the instance's region and
    /// product (an image of a Lighthouse instance is a Lighthouse image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

/// One operation on the engine. Images are named by their provider ID, recipients by the
/// identity string the provider's API takes (a PIN, an account ID, a project ID …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Operation {
    CreateImage(NewImage),
    Share {
        images: Vec<String>,
        recipients: Vec<String>,
        #[serde(default)]
        options: ShareOptions,
    },
    CancelShare {
        image: String,
        recipients: Vec<String>,
    },
    Accept {
        images: Vec<String>,
    },
    Reject {
        images: Vec<String>,
    },
    ListShares {
        image: String,
    },
    ListSharedWithMe,
    ListMyShared,
    ListImages,
    Describe {
        image: String,
    },
    Modify {
        image: String,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        description: Option<String>,
    },
    Delete {
        image: String,
    },
    Copy {
        image: String,
        to_region: String,
        #[serde(default)]
        name: Option<String>,
        /// Re-encrypt the copy with the caller's own key.
        #[serde(default)]
        own_key: bool,
    },
    Launch {
        image: String,
        #[serde(default)]
        product: Product,
    },
    ReinitDisk {
        instance: String,
    },
    ReplaceSystemDisk {
        instance: String,
        image: String,
    },
    AuthorizeKey {
        image: String,
        recipient: String,
    },
    RevokeKey {
        image: String,
        recipient: String,
    },
    ModifyShare {
        image: String,
        recipient: String,
        #[serde(default)]
        options: ShareOptions,
    },
    Quota,
    ShareToLighthouse {
        image: String,
    },
    ShareToCvm {
        image: String,
    },
    /// Takes a CVM image back from the owner's Lighthouse (Lighthouse's `Permission: CANCEL`);
    /// the same action as the hand-over, so the same rules decide.
    CancelLighthouseShare {
        image: String,
    },
    /// The caller's instances in the request's region (all regions when it names none).
    ListInstances,
    StopInstance {
        instance: String,
    },
    DeleteInstance {
        instance: String,
    },
    /// The accounts an encrypted image's customer key is authorized to.
    ListKeyGrants {
        image: String,
    },
    AdvanceClock {
        seconds: u64,
    },
    /// Makes an image public or private again.
    SetVisibility {
        image: String,
        visibility: Visibility,
    },
    /// Puts content into a repository: links blobs the registry holds (an upload's end, a
    /// cross-repository mount) and, with a manifest, records it under its digest and `tag`.
    /// Nothing to link and no manifest asks only whether the caller may push (a registry's
    /// upload start or token request). The bytes never enter the engine.
    Push {
        image: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        blobs: Vec<BlobRef>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        manifest: Option<PushedManifest>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tag: Option<String>,
    },
}

/// A manifest as the engine keeps it: its digest, media type and size, and the blobs it
/// references, by digest and size. The bytes live in the registry's content store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushedManifest {
    pub digest: String,
    pub media_type: String,
    pub size: u64,
    pub blobs: Vec<BlobRef>,
}

/// A blob by digest and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobRef {
    pub digest: String,
    pub size: u64,
}

impl Operation {
    pub fn action(&self) -> Action {
        match self {
            Operation::CreateImage(_) => Action::CreateImage,
            Operation::Share { .. } => Action::Share,
            Operation::CancelShare { .. } => Action::CancelShare,
            Operation::Accept { .. } => Action::Accept,
            Operation::Reject { .. } => Action::Reject,
            Operation::ListShares { .. } => Action::ListShares,
            Operation::ListSharedWithMe => Action::ListSharedWithMe,
            Operation::ListMyShared => Action::ListMyShared,
            Operation::ListImages => Action::ListImages,
            Operation::Describe { .. } => Action::Describe,
            Operation::Modify { .. } => Action::Modify,
            Operation::Delete { .. } => Action::Delete,
            Operation::Copy { .. } => Action::Copy,
            Operation::Launch { .. } => Action::Launch,
            Operation::ReinitDisk { .. } => Action::ReinitDisk,
            Operation::ReplaceSystemDisk { .. } => Action::ReplaceSystemDisk,
            Operation::AuthorizeKey { .. } => Action::AuthorizeKey,
            Operation::RevokeKey { .. } => Action::RevokeKey,
            Operation::ModifyShare { .. } => Action::ModifyShare,
            Operation::Quota => Action::Quota,
            Operation::ShareToLighthouse { .. } => Action::ShareToLighthouse,
            Operation::ShareToCvm { .. } => Action::ShareToCvm,
            Operation::CancelLighthouseShare { .. } => Action::ShareToLighthouse,
            Operation::ListInstances => Action::ListInstances,
            Operation::StopInstance { .. } => Action::StopInstance,
            Operation::DeleteInstance { .. } => Action::DeleteInstance,
            Operation::ListKeyGrants { .. } => Action::ListKeyGrants,
            Operation::AdvanceClock { .. } => Action::AdvanceClock,
            Operation::SetVisibility { .. } => Action::SetVisibility,
            Operation::Push { .. } => Action::Push,
        }
    }
}

/// Who asks, where, and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The acting account's abstract name (`owner`, `alice`).
    pub actor: String,
    /// The region the call is made in (abstract name or provider region ID). `None` means the
    /// image's own region, or `home` for calls that name no image.
    #[serde(default)]
    pub region: Option<String>,
    pub op: Operation,
}

impl Request {
    pub fn new(actor: impl Into<String>, op: Operation) -> Request {
        Request { actor: actor.into(), region: None, op }
    }

    pub fn in_region(mut self, region: impl Into<String>) -> Request {
        self.region = Some(region.into());
        self
    }
}
