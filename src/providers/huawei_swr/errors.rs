//! SWR's error codes for each canonical error. SWR answers errors with a 4xx status and
//! `{"errors":[{"errorCode","errorMessage","detail"}],"error_code","error_msg","details":[…]}`;
//! the SDK reads `error_code` / `error_msg`. The API gateway in front answers unknown APIs and bad
//! signatures with `APIGW.*` codes. Codes and meanings come from providers/huawei-swr.md §7; where
//! the reference does not say which code a case gets, the choice is marked *inferred*.

use crate::engine::{Action, ErrorKind as K};
use crate::providers::WireError;

const fn e(status: u16, code: &'static str, message: &'static str) -> WireError {
    WireError::new(status, code, message)
}

const NOT_FOUND: WireError = e(404, "SVCSTG.SWR.4040010", "Image does not exist.");
const INVALID: WireError = e(400, "SVCSTG.SWR.4000014", "Invalid parameter.");
const NO_API: WireError = e(404, "APIGW.0101", "The API does not exist or has not been published in the environment.");

/// The calls that manage a repository's access domains (as opposed to using the repository).
fn manages_shares(action: Action) -> bool {
    matches!(action, Action::Share | Action::CancelShare | Action::ListShares | Action::ModifyShare)
}

/// What SWR's registry answers a caller without permission (a stranger, a former recipient,
/// a recipient after the deadline or pushing): `DENIED` with HTTP 401, SWR's deviation from
/// the distribution spec's 403 (providers/huawei-swr-registry.md §4–5; observed for strangers,
/// inferred for the other cases, which no source shows).
const NO_PERMISSION: WireError = e(401, "DENIED", "you do not have the permission");

pub fn wire_error(kind: K, action: Action) -> WireError {
    match (kind, action) {
        // Pulls and pushes are the registry's: its codes, not the management API's.
        (K::QuotaExceeded, Action::Push) => e(403, "DENIED", "requested access to the resource is denied"),
        (K::InvalidParameter, Action::Push) => e(400, "MANIFEST_INVALID", "manifest invalid"),
        // A launch SWR cannot make (on Lighthouse): no API publishes it.
        (K::Unsupported | K::UnknownRegion, Action::Push | Action::Launch) => NO_API,
        (K::UnknownAccount, Action::Push | Action::Launch) => e(401, "DENIED", "Authenticate Error"),
        (_, Action::Push | Action::Launch) => NO_PERMISSION,
        (K::InstanceNotFound, _) => {
            WireError::new(404, "APIGW.0101", "The API does not exist or has not been published in the environment")
        }
        // Each region has its own endpoint: a repository elsewhere is simply not found there.
        // A repository with nothing pushed yet has nothing to pull.
        (K::NotFound | K::CrossRegion | K::RecipientInOtherRegion | K::ImageNotAvailable, _) => NOT_FOUND,
        (K::NotOwner | K::ReshareForbidden, _) => {
            e(403, "SVCSTG.SWR.4039002", "The user has no permission to perform this operation.")
        }
        (K::PermissionDenied, a) if manages_shares(a) => {
            e(403, "SVCSTG.SWR.4039002", "The user has no permission to perform this operation.")
        }
        (K::PermissionDenied, _) => e(403, "SVCSTG.SWR.4037020", "The user has no permission on this repository."),
        // Inferred: an expired access domain leaves the recipient without permission.
        (K::Expired, _) => {
            e(403, "SVCSTG.SWR.4037020", "The user has no permission on this repository: the share has expired.")
        }
        // Not raised: deleting a shared repository cascades (HS-DELETE-SHARED). The nearest
        // documented refusal of a delete is "still contains images".
        (K::StillShared, _) => e(406, "SVCSTG.SWR.4060012", "The repository cannot be deleted: it is still in use."),
        // A domain or project ID where an account name belongs.
        (K::InvalidRecipient | K::RecipientNotAccount, _) => e(400, "SVCSTG.SWR.4001067", "Invalid user name."),
        // Inferred: a well-formed name of no account, or the owner itself.
        (K::RecipientNotFound | K::ShareWithSelf, _) => e(400, "SVCSTG.SWR.4001041", "Invalid domain parameter."),
        // 409 documented; the code is inferred.
        (K::AlreadyShared, _) => e(409, "SVCSTG.SWR.4090089", "Permission already exists."),
        (K::AlreadyExists, _) => e(409, "SVCSTG.SWR.4090006", "Image already exists."),
        // Inferred.
        (K::NotShared, _) => e(404, "SVCSTG.SWR.4040091", "Permission does not exist."),
        // Not documented: the generic validation error.
        (K::ShareLimitExceeded, _) => e(
            400,
            "SVCSTG.SWR.4000014",
            "Invalid parameter: the repository is shared with the maximum number of accounts.",
        ),
        (K::BatchLimitExceeded, _) => {
            e(400, "SVCSTG.SWR.4000014", "Invalid parameter: one request shares one repository with one account.")
        }
        (K::PublicNotShareable, _) => {
            e(400, "SVCSTG.SWR.4000014", "Invalid parameter: public repositories cannot be shared.")
        }
        // Not raised: SWR has no encryption, key grants or acceptance.
        (K::EncryptedNotShareable | K::EncryptedNotCopyable | K::KeyNotAuthorized | K::NotAccepted, _) => INVALID,
        // Not raised: no quota is modelled (HS-NO-QUOTA).
        (K::QuotaExceeded, _) => INVALID,
        (K::InvalidParameter, Action::SetDescription) => {
            e(413, "SVCSTG.SWR.4131012", "The description exceeds the length limit.")
        }
        (K::InvalidParameter, Action::SetPermission) => e(400, "SVCSTG.SWR.4001066", "Invalid permission."),
        (K::InvalidParameter, Action::SetValidity) => {
            e(400, "SVCSTG.SWR.4000014", "Invalid parameter: deadline must be forever or a future UTC time.")
        }
        (K::InvalidParameter, Action::CreateImage | Action::Modify) => {
            e(400, "SVCSTG.SWR.4001029", "Invalid repository name.")
        }
        (K::InvalidParameter, _) => INVALID,
        // Parameters SWR does not have (encryption, full-server kind, share options).
        (
            K::Unsupported,
            Action::CreateImage
            | Action::Share
            | Action::ModifyShare
            | Action::SetValidity
            | Action::SetDescription
            | Action::SetPermission,
        ) => INVALID,
        // Operations SWR does not have: the gateway publishes no such API.
        (K::Unsupported, _) => NO_API,
        (K::UnknownAccount, _) => {
            // What the gateway answers for an access key no account holds (huawei_gateway.rs).
            e(401, "APIGW.0301", "Incorrect IAM authentication information: Get secretKey failed, ak not exist")
        }
        (K::UnknownRegion, _) => NO_API,
    }
}
