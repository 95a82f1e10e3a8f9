//! JD Cloud VM's sharing rules. Seed: `000_b7ed9cef97505928.txt`; API facts: `providers/jdcloud.md`
//! (ShareImage, UnShareImage, DescribeImageMembers, DescribeImages, DeleteImage, CopyImages) and
//! the interface notes of the `jdcloud_sdk` 1.6.354 `vm` requests.

use crate::engine::Action as A;
use crate::rules::{
    Basis::*, CopyScope, DeleteShared, Effect::*, EncryptedShare, IdentityKind, Repeat, Rule, Topic::*,
};

const SEED: &str = "seed 000 (000_b7ed9cef97505928.txt)";

pub static RULES: &[Rule] = &[
    Rule {
        id: "JD-PIN",
        topic: Recipient,
        text: "The recipient is named by its PIN (customer identification code); an account ID or a phone number is rejected.",
        short: "PIN",
        basis: Seed,
        source: SEED,
        notes: "A 12-digit account ID or an 11-digit mobile number is refused as `Invalid pin`. ShareImage also \
                takes `loginNames` (JD Cloud account login names, as the console does); they are not modelled.",
        effect: RecipientIdentity { kind: IdentityKind::Pin },
    },
    Rule {
        id: "JD-PIN-EXISTS",
        topic: Recipient,
        text: "Sharing with a PIN that does not exist fails (\"the JD Cloud account does not exist\").",
        short: "must exist",
        basis: Seed,
        source: SEED,
        notes: "The API answers FAILED_PRECONDITION `Pin 'xx' not found`.",
        effect: RecipientMustExist,
    },
    Rule {
        id: "JD-SELF-SHARE",
        topic: Recipient,
        text: "An image cannot be shared with its own account.",
        short: "not yourself",
        basis: ApiReference,
        source: "API reference: ShareImage interface notes (不可以共享给自己)",
        notes: "The error code is not documented; FAILED_PRECONDITION like the other share preconditions.",
        effect: NoSelfShare,
    },
    Rule {
        id: "JD-DUPLICATE",
        topic: Recipient,
        text: "Sharing again with a PIN that already has the image changes nothing and succeeds.",
        short: "no-op",
        basis: Assumed,
        source: "not documented (providers/jdcloud.md §7)",
        notes: "ShareImage lists no error for a repeated PIN, so it is taken as idempotent; a repeat does not \
                count again against JD-LIMIT-10.",
        effect: DuplicateShare { repeat: Repeat::Ignore },
    },
    Rule {
        id: "JD-CANCEL-NON-MEMBER",
        topic: Recipient,
        text: "Cancelling a share for a PIN that does not have the image changes nothing and succeeds.",
        short: "no-op",
        basis: Assumed,
        source: "not documented (providers/jdcloud.md §7)",
        notes: "UnShareImage lists no error for a PIN that is not a member, so it is taken as idempotent.",
        effect: CancelNonMember { repeat: Repeat::Ignore },
    },
    Rule {
        id: "JD-OWNER",
        topic: Ownership,
        text: "Only the image's owner may share it, cancel a share or list who it is shared with.",
        short: "owner only",
        basis: Seed,
        source: "seed 000; API reference: UnShareImage, DescribeImageMembers (只允许操作用户的私有镜像)",
        notes: "A recipient that tries to share is refused by JD-NO-RESHARE; any other account does not see the \
                image at all (NOT_FOUND).",
        effect: OwnerOnly { actions: &[A::CancelShare, A::ListShares] },
    },
    Rule {
        id: "JD-NO-RESHARE",
        topic: Reshare,
        text: "A recipient cannot share an image that was shared with it.",
        short: "forbidden",
        basis: Seed,
        source: SEED,
        notes: "The API answer is inferred: FAILED_PRECONDITION `Can't use this image`, as for any image that is \
                not the caller's private image.",
        effect: NoReshare,
    },
    Rule {
        id: "JD-PRIVATE-ONLY",
        topic: Preconditions,
        text: "Only private images can be shared; official, marketplace and public images cannot.",
        short: "private images only",
        basis: ApiReference,
        source: "API reference: ShareImage interface notes (只允许共享用户的私有镜像) and errors (Can't use this image)",
        notes: "The seed says the same (\"Only private images ... support sharing\"). Community images answer \
                `Community image can't be shared`; publishing to the community is not modelled.",
        effect: PrivateOnly,
    },
    Rule {
        id: "JD-AVAILABLE",
        topic: Preconditions,
        text: "Only private images in the Available state can be shared.",
        short: "Available state",
        basis: Seed,
        source: SEED,
        notes: "The seed's \"private\" is JD-PRIVATE-ONLY. The API's status value is `ready`; an image still being \
                created answers `Conflict with underlay image task`. The engine also applies this rule to \
                CopyImages, whose reference likewise copies only images that are Available.",
        effect: RequiresAvailable,
    },
    Rule {
        id: "JD-ENCRYPTED",
        topic: Encrypted,
        text: "A private image that contains an encrypted snapshot cannot be shared.",
        short: "not shareable",
        basis: Seed,
        source: SEED,
        notes: "The API answers FAILED_PRECONDITION `Share encrypted snapshot 'xx' is not support.`. JD has no \
                per-recipient key grant, so the key kind makes no difference.",
        effect: Encryption { default_key: EncryptedShare::Refused, custom_key: EncryptedShare::Refused },
    },
    Rule {
        id: "JD-LIMIT-10",
        topic: Limits,
        text: "One image can be shared with at most 10 users.",
        short: "10",
        basis: Seed,
        source: SEED,
        notes: "The API reference and the SDK's ShareImage notes say 20, and DescribeQuotas has a per-image \
                `imageShare` quota, so the live figure may differ. The seed is the default; set \
                `share_limit: 20` in a world to model the API reference. A request that would pass the limit is \
                refused whole with QUOTA_EXCEEDED (assumed; the reference does not say, providers/jdcloud.md §7).",
        effect: ShareLimit { max: 10, full_server_only: false },
    },
    Rule {
        id: "JD-ONE-IMAGE",
        topic: Batch,
        text: "One request shares one image (the image ID is in the request path).",
        short: "1 image",
        basis: ApiReference,
        source: "API reference: ShareImage `POST /v1/regions/{regionId}/images/{imageId}:share`",
        notes: "The per-request maximum of `pins` is not documented.",
        effect: ImagesPerRequest { many: false },
    },
    Rule {
        id: "JD-REGIONAL",
        topic: Region,
        text: "Images and their shares belong to one region: every call names the region in its path, and an image of another region is not found there.",
        short: "same region; copy first",
        basis: ApiReference,
        source: "API reference: every vm path starts `/v1/regions/{regionId}/`",
        notes: "A call in another region answers NOT_FOUND `Image 'xx' not found`. To share elsewhere, copy the \
                image to that region (JD-COPY) and share the copy. A PIN names the account in every region.",
        effect: SameRegion,
    },
    Rule {
        id: "JD-NO-ACCEPT",
        topic: Acceptance,
        text: "A share is usable at once; there is no accept or reject step.",
        short: "none",
        basis: ApiReference,
        source: "API reference: no accept API; DescribeImages imageSource=shared lists shared images",
        notes: "",
        effect: NoAcceptance,
    },
    Rule {
        id: "JD-RECIPIENT-USE",
        topic: Permissions,
        text: "A recipient can view a shared image, create instances from it, reset or rebuild a system disk with it, and copy it into its own private image.",
        short: "launch, rebuild, copy",
        basis: ApiReference,
        source: "API reference: UnShareImage and CopyImages interface notes (jdcloud_sdk 1.6.354)",
        notes: "UnShareImage says a former recipient can no longer create instances from the image or reset \
                instances to it, so a recipient can while shared.",
        effect: RecipientUse { actions: &[A::Describe, A::Launch, A::ReinitDisk, A::ReplaceSystemDisk, A::Copy] },
    },
    Rule {
        id: "JD-RECIPIENT-READONLY",
        topic: Permissions,
        text: "A recipient cannot rename, re-describe or delete an image shared with it.",
        short: "no modify, no delete",
        basis: Assumed,
        source: "DeleteImage interface notes (只能操作私有镜像); ModifyImageAttribute says nothing of recipients",
        notes: "DeleteImage operates on the caller's private images only, so a recipient's delete is refused; that \
                ModifyImageAttribute refuses a recipient too is assumed (conservative). The answer is taken to \
                be FAILED_PRECONDITION `Can't use this image`.",
        effect: RecipientMayNot { actions: &[A::Modify, A::Delete] },
    },
    Rule {
        id: "JD-DELAY",
        topic: Listing,
        text: "After sharing, the share may show up in listings only after a delay (eventual consistency).",
        short: "listing may lag",
        basis: Seed,
        source: SEED,
        notes: "The seed gives no figure, so the default is 0 seconds; a world or scenario setting \
                `listing_delay` models the lag (the engine applies the setting only while this rule exists). \
                That the delay hides the share from the owner's and the recipient's listings but not from \
                use (the share is in force at once), and that a cancel is never delayed, are choices \
                (assumed): the seed says only that listings may lag.",
        effect: ListingDelay { seconds: 0 },
    },
    Rule {
        id: "JD-SHARED-LIST",
        topic: Listing,
        text: "A recipient lists images shared with it (DescribeImages, imageSource=shared).",
        short: "imageSource=shared",
        basis: ApiReference,
        source: "API reference: DescribeImages imageSource",
        notes: "",
        effect: SharedWithMeListing,
    },
    Rule {
        id: "JD-MY-SHARED",
        topic: Listing,
        text: "The owner lists its shared images (DescribeImages, imageSource=private, launchPermission=specifiedUsers) and each image's PINs (DescribeImageMembers).",
        short: "specifiedUsers; members",
        basis: ApiReference,
        source: "API reference: DescribeImages launchPermission, DescribeImageMembers",
        notes: "",
        effect: MySharedListing,
    },
    Rule {
        id: "JD-DELETE-SHARED",
        topic: Deletion,
        text: "A shared image cannot be deleted until every share is cancelled.",
        short: "refused",
        basis: ApiReference,
        source: "API reference: DeleteImage interface notes (已共享的私有镜像在取消共享关系前不可以删除)",
        notes: "The error code is not documented; FAILED_PRECONDITION is inferred.",
        effect: DeleteWhileShared { then: DeleteShared::Refuse },
    },
    Rule {
        id: "JD-CANCEL",
        topic: AfterUnshare,
        text: "The owner cancels sharing per account; that account then loses the image and cannot create instances from it or reset its instances to it.",
        short: "access lost",
        basis: Seed,
        source: "seed 000; API reference: UnShareImage interface notes",
        notes: "Running instances are not touched; only new launches and system-disk resets are refused.",
        effect: LoseAccessOnUnshare,
    },
    Rule {
        id: "JD-AFTER-DELETE",
        topic: AfterUnshare,
        text: "A deleted image cannot be used by anyone, and instances created from it cannot be reset to it.",
        short: "gone",
        basis: ApiReference,
        source: "API reference: RebuildInstance interface notes (私有镜像已被删除，则无法使用原镜像重置系统)",
        notes: "Deletion needs every share cancelled first (JD-DELETE-SHARED), so in practice only the owner's \
                instances are affected.",
        effect: LoseAccessOnDelete,
    },
    Rule {
        id: "JD-COPY",
        topic: Copy,
        text: "The owner copies a private image to another region or within its region (CopyImages).",
        short: "owner: any region",
        basis: ApiReference,
        source: "API reference: CopyImages interface notes (支持同地域复制镜像, jdcloud_sdk 1.6.354)",
        notes: "Older CopyImages references allow other regions only; the current SDK notes allow the same \
                region. Only cloud-disk system-disk images can be copied; the root device type is not modelled.",
        effect: OwnerCopy { scope: CopyScope::ANY },
    },
    Rule {
        id: "JD-RECIPIENT-COPY",
        topic: Copy,
        text: "A recipient may copy a shared image into its own private image, which it then owns and may share.",
        short: "recipient: any region (assumed)",
        basis: ApiReference,
        source: "API reference: CopyImages interface notes (复制共享镜像时，允许共享的用户将镜像复制为私有镜像)",
        notes: "The API reference says that a recipient may copy a shared image into its own private image; \
                where to is not said. That a recipient copies to any region the owner may is assumed, \
                because nothing restricts it. No acceptance is needed (JD-NO-ACCEPT).",
        effect: RecipientCopy { scope: CopyScope::ANY, needs_acceptance: false },
    },
    Rule {
        id: "JD-COPY-ENCRYPTED",
        topic: Copy,
        text: "An image with an encrypted snapshot cannot be copied, to any region.",
        short: "encrypted: no copy",
        basis: ApiReference,
        source: "API reference: CopyImages interface notes and errors (Copy encrypted snapshot 'xx' is not support.)",
        notes: "",
        effect: NoEncryptedCopy { cross_region_only: false },
    },
    Rule {
        id: "JD-IMAGE-QUOTA",
        topic: Quota,
        text: "An account holds at most 20 private images per region.",
        short: "20 / region",
        basis: Assumed,
        source: "API reference: describeQuotas reports resource type `image` (limit, used); createImage lists 429 QUOTA_EXCEEDED. The figure is not in our sources",
        notes: "The call and the refusal are documented, the default figure is not; 20 is assumed, as \
                Tencent's and Alibaba's figures are. Set `image_quota` in a world to change it. The \
                `imageShare` resource type of the same call is the per-image share limit, JD-LIMIT-10.",
        effect: ImageQuota { max: 20 },
    },
    Rule {
        id: "JD-NO-QUOTA",
        topic: Quota,
        text: "Images shared with other users do not occupy the sharer's own image quota.",
        short: "owner: free",
        basis: Assumed,
        source: "not documented: the seed and the API reference say nothing of shares and quota",
        notes: "Chosen because a share is a permission on the owner's one image, not a copy; Tencent's \
                and Alibaba's seeds say so of the sharer's quota, and nothing says otherwise for JD.",
        effect: OwnerQuotaFree,
    },
    Rule {
        id: "JD-RECIPIENT-QUOTA",
        topic: Quota,
        text: "An image shared with an account does not count against that account's image quota.",
        short: "recipient: free",
        basis: Assumed,
        source: "not documented",
        notes: "The recipient holds no copy of the image; nothing says a share uses its quota.",
        effect: RecipientQuotaFree,
    },
    Rule {
        id: "JD-NO-API",
        topic: Api,
        text: "JD Cloud VM has no key grants, no share options (validity, description, permission), no way to change a share and no Lighthouse.",
        short: "keys, share options",
        basis: ApiReference,
        source: "API reference: ShareImage takes only `pins` (and `loginNames`)",
        notes: "",
        effect: NoApi {
            actions: &[
                A::AuthorizeKey,
                A::RevokeKey,
                A::ListKeyGrants,
                A::ModifyShare,
                A::ShareToLighthouse,
                A::ShareToCvm,
                A::SetValidity,
                A::SetDescription,
                A::SetPermission,
            ],
        },
    },
];
