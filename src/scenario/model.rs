//! A scenario after validation: every name resolved, every value checked, ready to run.

use std::collections::BTreeMap;

use crate::engine::{EncryptionSpec, ErrorKind, ImageKind, Product, Settings, Visibility};
use crate::providers::Provider;
use crate::rules::IdentityKind;

#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file it came from, as given (used in reports and snapshot names).
    pub path: String,
    pub name: String,
    pub about: String,
    pub rules: Vec<String>,
    pub providers: Vec<Provider>,
    pub accounts: Vec<String>,
    /// Crowd accounts `crowd1`…`crowdN` the steps need.
    pub crowd: u32,
    pub settings: BTreeMap<Provider, Settings>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone)]
pub struct Step {
    /// 1-based line of the step in its file.
    pub line: u64,
    /// The acting account (`None` only for `advance_clock`).
    pub actor: Option<String>,
    /// The region the call is made in, if the step says.
    pub region: Option<String>,
    pub op: StepOp,
    pub expect: Expect,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Recipient {
    /// An account of the scenario, optionally in another identity form or region.
    Account { name: String, form: Option<IdentityKind>, region: Option<String> },
    /// A literal string.
    Raw(String),
    /// Crowd accounts `crowd{from}`…`crowd{to}`.
    Crowd { from: u32, to: u32 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValiditySpec {
    Forever,
    /// Seconds from the moment of the step.
    For(u64),
    /// An absolute time, seconds since the epoch.
    At(u64),
}

#[derive(Debug, Clone)]
pub enum StepOp {
    CreateImage {
        name: String,
        region: String,
        visibility: Visibility,
        encryption: EncryptionSpec,
        kind: ImageKind,
        ready_after: u64,
        description: String,
        /// The handle of the instance the image is made from.
        from: Option<String>,
    },
    Share {
        images: Vec<String>,
        recipients: Vec<Recipient>,
        validity: Option<ValiditySpec>,
        description: Option<String>,
        permission: Option<String>,
        /// Recipients per request; `None` sends them all in one request.
        batch: Option<u32>,
    },
    CancelShare {
        image: String,
        recipients: Vec<Recipient>,
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
    Describe {
        image: String,
    },
    Modify {
        image: String,
        name: Option<String>,
        description: Option<String>,
    },
    Delete {
        image: String,
    },
    Copy {
        image: String,
        to: String,
        name: String,
        own_key: bool,
    },
    Launch {
        image: String,
        instance: Option<String>,
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
        recipient: Recipient,
    },
    RevokeKey {
        image: String,
        recipient: Recipient,
    },
    ModifyShare {
        image: String,
        recipient: Recipient,
        validity: Option<ValiditySpec>,
        description: Option<String>,
        permission: Option<String>,
    },
    Quota,
    ShareToLighthouse {
        image: String,
    },
    ShareToCvm {
        image: String,
    },
    AdvanceClock {
        seconds: u64,
    },
    SetVisibility {
        image: String,
        public: bool,
    },
    /// A sample image pushed under `tag` (`wire::content::SampleImage`).
    Push {
        image: String,
        tag: String,
    },
}

impl StepOp {
    /// The step's keyword in scenario files.
    pub fn keyword(&self) -> &'static str {
        match self {
            StepOp::CreateImage { .. } => "create_image",
            StepOp::Share { .. } => "share",
            StepOp::CancelShare { .. } => "cancel_share",
            StepOp::Accept { .. } => "accept",
            StepOp::Reject { .. } => "reject",
            StepOp::ListShares { .. } => "list_shares",
            StepOp::ListSharedWithMe => "list_shared_with_me",
            StepOp::ListMyShared => "list_my_shared",
            StepOp::Describe { .. } => "describe",
            StepOp::Modify { .. } => "modify",
            StepOp::Delete { .. } => "delete_image",
            StepOp::Copy { .. } => "copy_image",
            StepOp::Launch { .. } => "launch",
            StepOp::ReinitDisk { .. } => "reinit_disk",
            StepOp::ReplaceSystemDisk { .. } => "replace_system_disk",
            StepOp::AuthorizeKey { .. } => "authorize_key",
            StepOp::RevokeKey { .. } => "revoke_key",
            StepOp::ModifyShare { .. } => "modify_share",
            StepOp::Quota => "quota",
            StepOp::ShareToLighthouse { .. } => "share_to_lighthouse",
            StepOp::ShareToCvm { .. } => "share_to_cvm",
            StepOp::AdvanceClock { .. } => "advance_clock",
            StepOp::SetVisibility { .. } => "set_visibility",
            StepOp::Push { .. } => "push",
        }
    }
}

/// One expected outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    Ok,
    /// Any error.
    Error,
    Kind(ErrorKind),
}

impl std::fmt::Display for Want {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Want::Ok => f.write_str("ok"),
            Want::Error => f.write_str("error"),
            Want::Kind(k) => write!(f, "{k}"),
        }
    }
}

/// What a step expects, for all providers or per provider.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    pub per_provider: BTreeMap<Provider, Want>,
    /// For providers not named (or for all, when the step gives one value).
    pub others: Option<Want>,
}

impl Expect {
    pub fn for_provider(&self, p: Provider) -> Option<Want> {
        self.per_provider.get(&p).copied().or(self.others)
    }
}
