//! Alibaba Cloud ECS's error codes for each canonical error. ECS answers an error with a 4xx
//! status and `{"RequestId","HostId","Code","Message"}`; the SDKs raise on status ≥ 400 and read
//! `Code` and `Message` (providers/alibaba.md §2.2). Codes and messages come from §3.3, §4 and §5
//! of that file; where it marks a code as inferred, or lists no message, the comment says so.
//!
//! The action picks the API: Share and CancelShare are ModifyImageSharePermission, ListShares is
//! DescribeImageSharePermission, Describe and the listings are DescribeImages, Delete is
//! DeleteImage, Copy is CopyImage, Launch is RunInstances, ReinitDisk is ReInitDisk,
//! ReplaceSystemDisk is ReplaceSystemDisk, ListInstances is DescribeInstances (and
//! DescribeDisks), StopInstance and DeleteInstance are themselves, and Quota is
//! DescribeAccountAttributes.
//!
//! Codes the adapter answers itself (`api.rs`), all inferred from ECS's naming pattern since our
//! sources list none for these calls: `InvalidDiskId.NotFound` (a disk that names no instance of
//! the caller's), `InvalidInstanceIds.Malformed` / `InvalidDiskIds.Malformed` (an ID list that is
//! not a JSON array of at most 100 strings), and `InvalidParameter` for an attribute name that is
//! neither documented nor sharesim's inferred `max-custom-image-count` / `used-custom-image-count`.

use crate::engine::{Action, ErrorKind as K};
use crate::providers::WireError;

/// DescribeImages does not refuse an image the caller cannot see: it leaves it out of a
/// successful answer. That empty answer is what the wire carries for a refused `describe`.
pub(super) const ABSENT: WireError = WireError::new(200, "empty Images", "DescribeImages lists no such image.");
const NOT_FOUND: WireError = WireError::new(404, "InvalidImageId.NotFound", "The specified ImageId does not exist.");
const BAD_ACCOUNT: WireError = WireError::new(
    404,
    "InvalidAccount.NotFound",
    "The specified parameter \"AddAccount.n\" or \"RemoveAccount.n\"  does not exist.",
);
const BAD_PARAMETER: WireError = WireError::new(400, "InvalidParameter", "The specified parameter is not valid.");

/// Operations ECS has no API for at all; the gateway answers as for an unknown action.
fn no_such_api(action: Action) -> bool {
    matches!(
        action,
        Action::Accept
            | Action::Reject
            | Action::AuthorizeKey
            | Action::RevokeKey
            | Action::ModifyShare
            | Action::ShareToLighthouse
    )
}

pub fn wire_error(kind: K, action: Action) -> WireError {
    match (kind, action) {
        // Inferred from ECS's naming pattern (instances.md §3.2): unknown, released, someone
        // else's and another region's instances alike.
        (K::InstanceNotFound, _) => {
            WireError::new(404, "InvalidInstanceId.NotFound", "The specified InstanceId does not exist.")
        }
        // ReInitDisk on a disk whose image is deleted or no longer shared: the RunInstances code
        // for an image that is "disabled or is deleted" (ReInitDisk's own list is not in our sources).
        (K::NotFound, Action::ReinitDisk) => {
            WireError::new(403, "OperationDenied.ImageNotValid", "The specified Image is disabled or is deleted.")
        }
        // Unknown, deleted, unshared and other accounts' images all look absent (RunInstances,
        // DeleteImage, CopyImage, ModifyImageSharePermission, DescribeImageSharePermission).
        (K::NotFound, Action::Describe) => ABSENT,
        (K::NotFound, _) => NOT_FOUND,
        // A recipient copying to another region (AL-COPY-SHARED). A copy called in the wrong source
        // region gets the same code: the canonical error does not say which case it was.
        (K::CrossRegion, Action::Copy) => WireError::new(
            403,
            "OperationDenied.SameRegionOnly",
            "The image shared from others can not be copied to another region directly.",
        ),
        // A call in another region does not find the image (inferred).
        (K::CrossRegion | K::RecipientInOtherRegion, _) => NOT_FOUND,
        // Calls on someone else's image, or on an image shared with you, are answered as if the
        // image did not exist (inferred; providers/alibaba.md §5, §6).
        (K::NotOwner | K::ReshareForbidden | K::PermissionDenied, _) => NOT_FOUND,
        (K::StillShared, _) => WireError::new(
            403,
            "ImageUseShared",
            "The specified image has been shared to others. You can use the DescribeImageSharePermission API \
             to query the users who have been shared.",
        ),
        (K::InvalidRecipient | K::RecipientNotAccount | K::RecipientNotFound | K::NotShared, _) => BAD_ACCOUNT,
        (K::ShareWithSelf, _) => {
            WireError::new(404, "InvalidAccount.Forbbiden", "The specified Account does not yourself.")
        }
        // Not raised: a repeated AddAccount is a no-op (AL-DUPLICATE); no code is documented.
        (K::AlreadyShared, _) => BAD_PARAMETER,
        // CopyImage / CreateImage code; the message is not in our sources.
        (K::AlreadyExists, _) => {
            WireError::new(400, "InvalidImageName.Duplicated", "The specified Image name has already been used.")
        }
        (K::ShareLimitExceeded, _) => {
            WireError::new(403, "QuotaExceed.ShareImageUser", "The shared Image user Quota exceeds.")
        }
        // ImageId is a single value; several images in one call cannot be expressed on the wire.
        (K::BatchLimitExceeded, _) => {
            WireError::new(400, "InvalidParameter", "The specified parameter ImageId is not valid.")
        }
        (K::ImageNotAvailable, Action::Copy) => WireError::new(400, "IncorrectImageStatus", "The image not available."),
        (K::ImageNotAvailable, _) => WireError::new(400, "IncorrectImageStatus", "The image is not available."),
        (K::PublicNotShareable, _) => WireError::new(
            403,
            "InvalidParameter.IsPublic",
            "The specified parameter IsPublic is conflicted with other parameters.",
        ),
        (K::EncryptedNotShareable, _) => WireError::new(
            403,
            "InvalidOperation.ServiceKeyEncryptedImageUnsupported",
            "The specified service key encrypted image is not supported for this operation. Please switch to a \
             CMK (Customer Master Key) encrypted image and retry.",
        ),
        // Not raised (ECS copies encrypted images); CopyImage's code, message adapted from the share one.
        (K::EncryptedNotCopyable, _) => WireError::new(
            403,
            "OperationDeined.EncryptedSnapshot",
            "The image contains encrypted snapshots, which do not support copy.",
        ),
        // Not raised (CMK-encrypted images need no per-recipient grant); the nearest documented
        // precondition of sharing an encrypted image.
        (K::KeyNotAuthorized, _) => WireError::new(
            403,
            "AssumeRoleError",
            "Requires a RAM role of AliyunECSShareEncryptImageDefaultRole before sharing encrypted image.",
        ),
        // Not raised: ECS has neither acceptance nor validity; an unusable image looks absent.
        (K::NotAccepted | K::Expired, _) => NOT_FOUND,
        // CreateImage / CopyImage code; the message is not in our sources.
        (K::QuotaExceeded, _) => WireError::new(403, "QuotaExceed.Image", "The Image Quota exceeds."),
        // The gateway's answer to an unknown Action (not in our sources).
        (K::Unsupported, a) if no_such_api(a) => WireError::new(
            404,
            "InvalidAction.NotFound",
            "Specified api is not found, please check your url and method.",
        ),
        // Share options, Lighthouse launches, full-server images: parameters ECS does not take.
        (K::Unsupported, _) => WireError::new(400, "InvalidParameter", "The specified parameter is not supported."),
        (K::InvalidParameter, _) => BAD_PARAMETER,
        // The acting account is unknown: its AccessKey is not found (§3.3).
        (K::UnknownAccount, _) => {
            WireError::new(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        }
        // CopyImage lists the code; the messages of both region errors are not in our sources.
        (K::UnknownRegion, Action::Copy) => {
            WireError::new(400, "DestinationRegion.NotFound", "The specified DestinationRegionId does not exist.")
        }
        (K::UnknownRegion, _) => {
            WireError::new(404, "InvalidRegionId.NotFound", "The specified RegionId does not exist.")
        }
    }
}
