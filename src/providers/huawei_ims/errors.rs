//! Huawei IMS's error codes for each canonical error. IMS extension APIs answer refusals with
//! HTTP 400 and `{"error":{"code":"IMG.xxxx","message":…}}` (providers/huawei-ims.md §8, messages
//! from the IMS API reference's error-code table). The Glance-compatible image routes
//! (`GET`/`DELETE /v2/images/{image_id}`) answer a missing image with 404; authentication goes
//! through API Gateway (401 `APIGW.0301`, unknown route 404 `APIGW.0101`, §5).

use crate::engine::{Action, ErrorKind as K};
use crate::providers::WireError;

const fn e(code: &'static str, message: &'static str) -> WireError {
    WireError::new(400, code, message)
}

const NO_IMAGE: &str = "The image ID in the request does not exist.";
const OWNER_ONLY: WireError = e("IMG.0047", "This operation can be performed only by the image owner.");
const UNAVAILABLE: WireError = e("IMG.0046", "The image is unavailable.");
const NO_TENANT: WireError = e("IMG.0108", "The tenant ID was not found in the current region.");
const FORMAT: WireError = e("IMG.0001", "The request message format is invalid.");
const UNSUPPORTED: WireError = e("IMG.0105", "The operation is not supported.")
    .inferred("no reference gives a code for an operation IMS does not offer; IMG.0105's wording fits");

/// The calls KMS serves.
macro_rules! KEY_CALLS {
    () => {
        Action::AuthorizeKey | Action::RevokeKey | Action::ListKeyGrants
    };
}

pub fn wire_error(kind: K, action: Action) -> WireError {
    match (kind, action) {
        // KMS's grant calls name a key: one that is not the caller's own is a key its project
        // does not have. The code is documented, its use for these refusals is inferred.
        (K::NotOwner | K::PermissionDenied | K::ReshareForbidden | K::NotFound, KEY_CALLS!()) => {
            WireError::new(400, "KMS.0205", "Invalid key ID.")
                .inferred("KMS answers a key the caller's project does not have as an invalid key ID")
        }
        (
            K::InvalidRecipient | K::RecipientNotAccount | K::RecipientNotFound | K::RecipientInOtherRegion,
            KEY_CALLS!(),
        ) => WireError::new(400, "KMS.0206", "Invalid user ID.")
            .inferred("the message is KMS's documented grant message; its code number is not published"),
        // IMS CreateImage names a server that is not the caller's (IMS error-code table).
        (K::InstanceNotFound, Action::CreateImage) => e("IMG.0005", "The ECS does not exist."),
        // ECS refusals about the image (launch, reinstall, change OS) end the ECS job FAIL with
        // these IMS codes (instances.md §4.4 gives no ECS code for them; inferred there).
        (K::InstanceNotFound, _) => WireError::new(404, "Ecs.0114", "The ECS does not exist."),
        // Glance-compatible routes say 404 Not Found; the IMS extension APIs say IMG.0027.
        (K::NotFound, Action::Describe | Action::Delete) => WireError::new(404, "IMG.0027", NO_IMAGE),
        (K::NotFound, _) => e("IMG.0027", NO_IMAGE),
        // Member APIs: the recipient's project is in another region. Elsewhere the call was made
        // at another region's endpoint, which does not know the image.
        (K::RecipientInOtherRegion, _) => NO_TENANT,
        (K::CrossRegion, Action::Copy) => e("IMG.0147", "The entered region information is incorrect.")
            .inferred("no reference names the code for a replication asked of another region's image"),
        (K::CrossRegion, _) => e("IMG.0027", NO_IMAGE),
        (K::NotOwner | K::PermissionDenied, Action::Delete) => {
            e("IMG.0092", "The image can only be deleted by the owner.")
        }
        (K::NotOwner | K::ReshareForbidden | K::PermissionDenied, _) => OWNER_ONLY,
        // IMS lets a shared image be deleted; there is no "still shared" code.
        (K::StillShared, _) => UNSUPPORTED,
        (K::InvalidRecipient | K::RecipientNotAccount, _) => e("IMG.0067", "The project ID is incorrect."),
        (K::RecipientNotFound, _) => NO_TENANT,
        (K::ShareWithSelf, _) => e("IMG.0076", "You cannot share an image with yourself."),
        (K::AlreadyShared, _) => e("IMG.0112", "Failed to add the tenant."),
        (K::AlreadyExists, _) => e("IMG.0009", "The image name already exists.")
            .inferred("IMS image IDs are generated; no reference gives a code for a duplicate"),
        (K::NotShared, Action::CancelShare) => e("IMG.0113", "Failed to delete the tenant."),
        (K::NotShared, _) => e("IMG.0114", "Failed to query the tenant details."),
        (K::ShareLimitExceeded, _) => e("IMG.0088", "The number of shared images has reached the maximum allowed.")
            .inferred("the limit is documented (HI-LIMIT-128), the code for passing it is not"),
        // More than 100 project IDs: no documented code; the body is refused as malformed.
        (K::BatchLimitExceeded, _) => {
            FORMAT.inferred("more than 100 project IDs has no documented code; the body is refused as malformed")
        }
        (K::ImageNotAvailable, Action::Delete) => e("IMG.0090", "The image being created cannot be deleted."),
        (K::ImageNotAvailable, _) => UNAVAILABLE,
        (K::PublicNotShareable, _) => e("IMG.0089", "The public image or Marketplace image cannot be shared."),
        (K::EncryptedNotShareable, _) => {
            e("IMG.0098", "The encrypted image cannot be shared or published in Marketplace.")
        }
        (K::EncryptedNotCopyable, _) => e("IMG.0143", "An encrypted image cannot be replicated cross regions."),
        (K::KeyNotAuthorized, _) => e("IMG.0099", "You do not have the permission to access the key."),
        (K::NotAccepted, Action::Copy) => {
            e("IMG.0196", "The image cannot be replicated because it is not accepted by the recipient.")
        }
        // A pending or rejected image is not usable for servers.
        (K::NotAccepted | K::Expired, _) => {
            UNAVAILABLE.inferred("no reference gives the code for using a share that is not accepted")
        }
        (K::QuotaExceeded, _) => e("IMG.0015", "The number of private images has reached the maximum allowed.")
            .inferred("the quota is documented (HI-IMAGE-QUOTA), the code for reaching it is not"),
        (K::InvalidParameter, Action::Copy) => e("IMG.0142", "Replication must be performed across regions."),
        (K::InvalidParameter, Action::AuthorizeKey | Action::RevokeKey) => e("IMG.0095", "The KMS key does not exist."),
        (K::InvalidParameter, _) => FORMAT,
        (K::Unsupported, _) => UNSUPPORTED,
        (K::UnknownAccount, _) => WireError::new(
            401,
            "APIGW.0301",
            "Incorrect IAM authentication information: Get secretKey failed, ak not exist",
        ),
        (K::UnknownRegion, Action::Copy) => e("IMG.0147", "The entered region information is incorrect.")
            .inferred("chosen by its wording for a replication to a region that does not exist"),
        (K::UnknownRegion, _) => {
            WireError::new(404, "APIGW.0101", "The API does not exist or has not been published in the environment")
        }
    }
}
