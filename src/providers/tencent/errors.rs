//! Tencent's error codes for each canonical error. Tencent answers every API error with HTTP 200
//! and `{"Response":{"Error":{"Code","Message"},"RequestId"}}`; the SDK raises on `Error`.
//! Codes come from the CVM SDK's per-API error lists (providers/tencent.md §5).

use crate::engine::{Action, ErrorKind as K};
use crate::providers::WireError;

const fn e(code: &'static str, message: &'static str) -> WireError {
    WireError::new(200, code, message)
}

/// DescribeImages does not refuse an image the caller cannot see: it leaves it out of a
/// successful answer. That empty answer is what the wire carries for a refused `describe`.
pub(super) const ABSENT: WireError = WireError::new(200, "empty ImageSet", "DescribeImages lists no such image.");

pub fn wire_error(kind: K, action: Action) -> WireError {
    match (kind, action) {
        (K::NotFound, Action::Describe) => ABSENT,
        // The hand-over between CVM and Lighthouse is Lighthouse's call, with Lighthouse's codes.
        (K::AlreadyShared, Action::ShareToLighthouse) => {
            e("UnsupportedOperation.ImageAlreadyShared", "The image has already been shared.")
        }
        (K::AlreadyShared, Action::ShareToCvm) => {
            e("UnsupportedOperation.ImageAlreadyShared", "The image has already been shared.")
                .inferred("Lighthouse's code for the other direction; no source names this direction's call")
        }
        (K::NotShared, Action::ShareToLighthouse) => {
            e("FailedOperation.ImageOperationFailed", "The image operation failed.")
                .inferred("Lighthouse lists this generic code for the call; none names cancelling what is not shared")
        }
        (K::NotFound, Action::ShareToLighthouse) => {
            e("ResourceNotFound.ImageIdNotFound", "The image ID does not exist.")
        }
        (K::InstanceNotFound, _) => e("InvalidInstanceId.NotFound", "The instance cannot be found."),
        (K::NotFound | K::CrossRegion | K::RecipientInOtherRegion, _) => {
            e("InvalidImageId.NotFound", "The image cannot be found.")
        }
        (K::NotOwner | K::PermissionDenied, Action::Delete) => {
            e("InvalidParameterValue.InvalidImageIdIsShared", "The specified image ID is a shared image.")
        }
        (K::PermissionDenied, Action::Copy) => {
            e("InvalidParameterValue.InvalidImageId", "The image does not support this operation.")
        }
        (K::NotOwner | K::ReshareForbidden | K::PermissionDenied, _) => {
            e("UnauthorizedOperation.ImageNotBelongToAccount", "The specified image does not belong to the user.")
        }
        (K::StillShared, _) => e("InvalidImageId.InShared", "The image is being shared."),
        (K::RecipientNotAccount, _) => {
            e("FailedOperation.NotMasterAccount", "The account is a collaborator account, not a root account.")
        }
        (K::InvalidRecipient, _) => e("InvalidAccountId.NotFound", "Invalid account ID."),
        (K::RecipientNotFound | K::NotShared, _) => e("InvalidAccountId.NotFound", "Invalid account ID."),
        (K::ShareWithSelf, _) => e("FailedOperation.AccountIsYourSelf", "You cannot share images with yourself."),
        (K::AlreadyShared, _) => e("FailedOperation.AccountAlreadyExists", "The account already exists."),
        (K::AlreadyExists, _) => e("InvalidImageName.Duplicate", "The image name already exists."),
        (K::ShareLimitExceeded, _) => e("OverQuota", "The number of shared images exceeds the quota."),
        (K::BatchLimitExceeded, _) => {
            e("InvalidParameterValue.LimitExceeded", "The number of parameter values exceeds the limit.")
        }
        (K::ImageNotAvailable, Action::Delete) => e("InvalidImageId.IncorrectState", "Invalid image status."),
        (K::ImageNotAvailable, _) => e(
            "InvalidParameterValue.InvalidImageState",
            "The image has another ongoing task. Please check and try again later.",
        ),
        (K::PublicNotShareable, _) => {
            e("InvalidParameterValue.InvalidImageId", "The image does not support this operation.")
        }
        (K::EncryptedNotShareable, _) => {
            e("UnsupportedOperation.EncryptedImagesNotSupported", "Encrypted images are not supported.")
        }
        (K::EncryptedNotCopyable, _) => {
            e("UnsupportedOperation.SyncEncryptImageNotSupport", "Encrypted images cannot be synchronized.")
        }
        (K::KeyNotAuthorized | K::NotAccepted | K::Expired | K::Unsupported, _) => {
            e("UnsupportedOperation", "Unsupported operation.")
        }
        (K::QuotaExceeded, _) => e("ImageQuotaLimitExceeded", "The image quota has been exceeded."),
        (K::InvalidParameter, Action::Copy) => {
            e("InvalidParameterValue.InvalidRegion", "The Region ID is unavailable.").inferred(
                "SyncImages lists it for bad regions; that it answers a copy to the image's own region is inferred",
            )
        }
        (K::InvalidParameter, _) => e("InvalidParameterValue", "The parameter value is invalid."),
        // What the HTTP layer answers for an access key no account holds (signature.rs).
        (K::UnknownAccount, _) => e("AuthFailure.SecretIdNotFound", "The SecretId does not exist or is disabled."),
        (K::UnknownRegion, _) => e("InvalidRegion.NotFound", "The region cannot be found."),
    }
}
