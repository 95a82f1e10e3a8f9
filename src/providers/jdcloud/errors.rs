//! JD Cloud's errors for each canonical error. JD answers an API error with an HTTP status equal to
//! `error.code` and the body `{"requestId":"…","error":{"code":<status>,"status":"<STATUS>",
//! "message":"…"}}` (providers/jdcloud.md §4). Here `status` is that HTTP status and `code` the
//! STATUS string. Messages come from the ShareImage and CopyImages error tables (§6); real
//! messages quote the image or PIN (`Pin 'xx' not found`), which a static message leaves out.
//! Where no table lists the situation (§7) the answer is inferred and marked so.

use crate::engine::{Action, ErrorKind as K};
use crate::providers::WireError;

const fn precondition(message: &'static str) -> WireError {
    WireError::new(400, "FAILED_PRECONDITION", message)
}

const NOT_FOUND: WireError = WireError::new(404, "NOT_FOUND", "Image not found");
const NOT_PRIVATE: WireError = precondition("Can't use this image");
const INVALID: WireError = WireError::new(400, "INVALID_ARGUMENT", "Invalid parameter");

pub fn wire_error(kind: K, action: Action) -> WireError {
    match (kind, action) {
        // The generic return code (instances.md §1.2); the adapter's message names the instance
        // (`Instance 'i-…' not found`), inferred after `Image 'xx' not found`. Unknown, deleted,
        // someone else's and another region's instances alike.
        (K::InstanceNotFound, _) => WireError::new(404, "NOT_FOUND", "Instance not found"),
        // The region is in every path: an image of another region is simply not there.
        (K::NotFound | K::CrossRegion | K::RecipientInOtherRegion, _) => NOT_FOUND,
        // "Only your own private image": ShareImage's `Can't use this image`, which the API
        // reference also gives for unshare, members, copy and delete of images that are not
        // the caller's private image (the re-share and recipient cases are inferred).
        (K::NotOwner | K::ReshareForbidden | K::PermissionDenied | K::PublicNotShareable, _) => NOT_PRIVATE,
        // Inferred: these cannot happen on JD (no key grants, no acceptance, no validity).
        (K::KeyNotAuthorized | K::NotAccepted | K::Expired, _) => NOT_PRIVATE,
        (K::StillShared, _) => precondition("Image has been shared, cancel sharing first"),
        (K::InvalidRecipient | K::RecipientNotAccount, _) => precondition("Invalid pin"),
        (K::RecipientNotFound, _) => precondition("Pin not found"),
        (K::ShareWithSelf, _) => precondition("Can't share image to yourself"),
        (K::AlreadyShared, _) => precondition("Image has been shared to this pin"),
        (K::NotShared, _) => precondition("Image is not shared to this pin"),
        (K::AlreadyExists, _) => WireError::new(409, "ALREADY_EXISTS", "Image already exists"),
        (K::ShareLimitExceeded, _) => WireError::new(429, "QUOTA_EXCEEDED", "Image share quota limit exceeded"),
        (K::QuotaExceeded, _) => WireError::new(429, "QUOTA_EXCEEDED", "Image quota limit exceeded"),
        (K::BatchLimitExceeded, _) => INVALID,
        (K::ImageNotAvailable, Action::Share) => precondition("Conflict with underlay image task"),
        (K::ImageNotAvailable, _) => precondition("Invalid image status"),
        (K::EncryptedNotShareable, _) => precondition("Share encrypted snapshot is not support."),
        (K::EncryptedNotCopyable, _) => precondition("Copy encrypted snapshot is not support."),
        // A share option is an unknown body parameter; an operation JD lacks has no route.
        (K::Unsupported, Action::Share) => INVALID,
        (K::Unsupported, _) => WireError::new(404, "NOT_FOUND", "no route and no API found with those values"),
        (K::InvalidParameter, _) => INVALID,
        (K::UnknownAccount, _) => WireError::new(401, "ACCESS_ERROR", "Invalid accessKey"),
        (K::UnknownRegion, _) => WireError::new(400, "INVALID_ARGUMENT", "Invalid region"),
    }
}
