//! What an operation returns: success with data, or a canonical error naming its rule.

use serde::{Deserialize, Serialize};

use crate::rules::{Rule, RuleId};

/// Provider-neutral reasons an operation fails. Providers map each to their own error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ErrorKind {
    /// The image does not exist, or the caller cannot see it.
    NotFound,
    /// The instance does not exist or is not the caller's.
    InstanceNotFound,
    /// The call was made in another region than the image's, or names a recipient elsewhere.
    CrossRegion,
    /// Only the image's owner may do this.
    NotOwner,
    /// A recipient tried to share an image that was shared with it.
    ReshareForbidden,
    /// The image is still shared and cannot be deleted.
    StillShared,
    /// The recipient is named in a form the provider does not take.
    InvalidRecipient,
    /// The recipient is well formed but names no account.
    RecipientNotFound,
    /// The recipient names a user inside an account (a sub-account), not an account.
    RecipientNotAccount,
    /// The recipient identity belongs to another region than the image (Huawei project IDs).
    RecipientInOtherRegion,
    /// Sharing with yourself.
    ShareWithSelf,
    /// The account is already a member.
    AlreadyShared,
    /// An image with this ID (an SWR repository with this name) already exists.
    AlreadyExists,
    /// The account is not a member.
    NotShared,
    /// The image would have more recipients than the provider allows.
    ShareLimitExceeded,
    /// One request names more images or recipients than one call may carry.
    BatchLimitExceeded,
    /// The image is not in the available state.
    ImageNotAvailable,
    /// Public images cannot be shared.
    PublicNotShareable,
    /// This image's encryption forbids sharing it.
    EncryptedNotShareable,
    /// This image's encryption forbids copying it there.
    EncryptedNotCopyable,
    /// The image's key is not authorized to the recipient.
    KeyNotAuthorized,
    /// The recipient has not accepted the share.
    NotAccepted,
    /// The share's validity has ended.
    Expired,
    /// The recipient's permission does not cover this action.
    PermissionDenied,
    /// The account's image quota is used up.
    QuotaExceeded,
    /// A parameter is out of range or malformed.
    InvalidParameter,
    /// The provider has no API for this.
    Unsupported,
    /// The acting account is not in the world (bad input to the library).
    UnknownAccount,
    /// The region is neither an abstract region nor one of the provider's region IDs.
    UnknownRegion,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 29] = [
        ErrorKind::NotFound,
        ErrorKind::InstanceNotFound,
        ErrorKind::CrossRegion,
        ErrorKind::NotOwner,
        ErrorKind::ReshareForbidden,
        ErrorKind::StillShared,
        ErrorKind::InvalidRecipient,
        ErrorKind::RecipientNotFound,
        ErrorKind::RecipientNotAccount,
        ErrorKind::RecipientInOtherRegion,
        ErrorKind::ShareWithSelf,
        ErrorKind::AlreadyShared,
        ErrorKind::AlreadyExists,
        ErrorKind::NotShared,
        ErrorKind::ShareLimitExceeded,
        ErrorKind::BatchLimitExceeded,
        ErrorKind::ImageNotAvailable,
        ErrorKind::PublicNotShareable,
        ErrorKind::EncryptedNotShareable,
        ErrorKind::EncryptedNotCopyable,
        ErrorKind::KeyNotAuthorized,
        ErrorKind::NotAccepted,
        ErrorKind::Expired,
        ErrorKind::PermissionDenied,
        ErrorKind::QuotaExceeded,
        ErrorKind::InvalidParameter,
        ErrorKind::Unsupported,
        ErrorKind::UnknownAccount,
        ErrorKind::UnknownRegion,
    ];
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// A refused operation: the canonical reason, the rule that decided it (none for plain bad
/// input such as an unknown image ID), and a human-readable detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{kind}{}: {message}", rule.map(|r| format!(" ({r})")).unwrap_or_default())]
pub struct Failure {
    pub kind: ErrorKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<RuleId>,
    pub message: String,
}

impl Failure {
    pub fn by(kind: ErrorKind, rule: &Rule, message: impl Into<String>) -> Failure {
        Failure { kind, rule: Some(rule.id), message: message.into() }
    }

    pub fn plain(kind: ErrorKind, message: impl Into<String>) -> Failure {
        Failure { kind, rule: None, message: message.into() }
    }

    /// `by` when a rule decides, `plain` when the provider has no rule for it.
    pub fn maybe(kind: ErrorKind, rule: Option<&Rule>, message: impl Into<String>) -> Failure {
        Failure { kind, rule: rule.map(|r| r.id), message: message.into() }
    }
}

/// How a recipient's share stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareStatus {
    /// Usable at once (providers without acceptance).
    Active,
    Pending,
    Accepted,
    Rejected,
}

/// A member of an image's share list, as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub account: String,
    pub recipient: String,
    pub status: ShareStatus,
    pub shared_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// False once a share's validity has ended.
    pub valid: bool,
}

/// An image shared with the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedImageView {
    pub image: String,
    pub name: String,
    pub owner: String,
    pub owner_id: String,
    pub status: ShareStatus,
    pub valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
}

/// An image the caller has shared out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MySharedView {
    pub image: String,
    pub name: String,
    pub members: usize,
}

/// One image as `describe` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub owner: String,
    pub owner_id: String,
    pub region: String,
    pub state: String,
    pub visibility: super::Visibility,
    pub encryption: super::EncryptionSpec,
    pub kind: super::ImageKind,
    pub created_at: String,
    /// How the caller holds it: `owner` or `shared`.
    pub held_as: String,
}

/// One instance as its owner's listing shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceView {
    pub id: String,
    /// The image its system disk was last built from.
    pub image: String,
    pub region: String,
    pub product: super::Product,
    /// `running` or `stopped`.
    pub state: String,
}

/// The data of a successful operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Output {
    ImageCreated {
        image: String,
        region: String,
    },
    Shared {
        added: Vec<String>,
        unchanged: Vec<String>,
    },
    Unshared {
        removed: Vec<String>,
        absent: Vec<String>,
    },
    StatusSet {
        images: Vec<String>,
        status: ShareStatus,
    },
    Members {
        members: Vec<MemberView>,
    },
    SharedWithMe {
        images: Vec<SharedImageView>,
    },
    MyShared {
        images: Vec<MySharedView>,
    },
    Image {
        image: ImageView,
    },
    Images {
        images: Vec<ImageView>,
    },
    Done,
    Copied {
        image: String,
        region: String,
    },
    Launched {
        instance: String,
    },
    Pulled {
        image: String,
    },
    /// Content put into a repository: the manifest's digest (and its tag) when one was put.
    Pushed {
        image: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tag: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        digest: Option<String>,
    },
    DiskReset {
        instance: String,
        image: String,
    },
    Quota {
        used: u32,
        limit: u32,
    },
    Instances {
        instances: Vec<InstanceView>,
    },
    /// The image's customer key and the identities (the provider's recipient form) it is
    /// authorized to, in account order.
    KeyGrants {
        key: String,
        grantees: Vec<String>,
    },
    Clock {
        now: String,
    },
}

/// Success or a canonical failure.
pub type Outcome = Result<Output, Failure>;
