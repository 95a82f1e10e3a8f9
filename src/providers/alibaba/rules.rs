//! Alibaba Cloud ECS's sharing rules. Seed: `002_cd8cc4c3fcb62042.txt`; API facts:
//! `providers/alibaba.md` (ModifyImageSharePermission, DescribeImageSharePermission,
//! DescribeImages, DeleteImage, CopyImage, RunInstances; API version 2014-05-26).

use crate::engine::Action as A;
use crate::rules::{
    Basis::*, CopyScope, DeleteShared, Effect::*, EncryptedShare, IdentityKind, Overflow, Repeat, Rule, Topic::*,
};

const SEED: &str = "seed 002 (002_cd8cc4c3fcb62042.txt)";

pub static RULES: &[Rule] = &[
    Rule {
        id: "AL-ACCOUNT-ID",
        topic: Recipient,
        text: "The recipient is named by its Alibaba Cloud account ID.",
        short: "account ID (16 digits)",
        basis: Seed,
        source: SEED,
        quote: "select Alibaba Cloud Account ID in the Account Type drop-down list. Then, enter the account ID that \
                you want to share the image with in the Account box.",
        url: "https://www.alibabacloud.com/help/doc-detail/25463.htm",
        notes: "The console's Account Type is \"Alibaba Cloud Account ID\"; the API takes AddAccount.N. \
                A login e-mail or anything else that is not an account ID is refused with InvalidAccount.NotFound.",
        effect: RecipientIdentity { kind: IdentityKind::AccountId },
    },
    Rule {
        id: "AL-ACCOUNT-EXISTS",
        topic: Recipient,
        text: "Sharing with an account ID that does not exist fails.",
        short: "must exist",
        basis: ApiReference,
        source: "API reference: ModifyImageSharePermission errors (404 InvalidAccount.NotFound)",
        quote: "The specified parameter \"AddAccount.n\" or \"RemoveAccount.n\" does not exist.",
        url: "https://help.aliyun.com/en/ecs/developer-reference/api-ecs-2014-05-26-modifyimagesharepermission",
        notes: "",
        effect: RecipientMustExist,
    },
    Rule {
        id: "AL-SELF-SHARE",
        topic: Recipient,
        text: "An image cannot be shared with the account that owns it.",
        short: "not yourself",
        basis: ApiReference,
        source: "API reference: ModifyImageSharePermission errors (404 InvalidAccount.Forbbiden, sic)",
        quote: "The specified Account does not yourself.",
        url: "https://help.aliyun.com/en/ecs/developer-reference/api-ecs-2014-05-26-modifyimagesharepermission",
        notes: "",
        effect: NoSelfShare,
    },
    Rule {
        id: "AL-DUPLICATE",
        topic: Recipient,
        text: "Sharing again with an account that already has the image succeeds and changes nothing.",
        short: "no-op",
        basis: Assumed,
        source: "not documented (providers/alibaba.md §6)",
        quote: "",
        url: "",
        notes: "No error code for a repeated AddAccount is documented; the call is taken as idempotent.",
        effect: DuplicateShare { repeat: Repeat::Ignore },
    },
    Rule {
        id: "AL-CANCEL-NON-MEMBER",
        topic: Recipient,
        text: "Cancelling a share for an account that does not have it succeeds and changes nothing.",
        short: "no-op",
        basis: Assumed,
        source: "not documented (providers/alibaba.md §6)",
        quote: "",
        url: "",
        notes: "No error code for a RemoveAccount that names a non-member is documented; the call is taken as idempotent.",
        effect: CancelNonMember { repeat: Repeat::Ignore },
    },
    Rule {
        id: "AL-OWNER",
        topic: Ownership,
        text: "Only the image's owner can cancel its shares or list the accounts it is shared with.",
        short: "owner only",
        basis: ApiReference,
        source: "API reference: ModifyImageSharePermission / DescribeImageSharePermission (own custom images only)",
        quote: "Sharing limits: You can share only the custom images that you created.",
        url: "https://help.aliyun.com/en/ecs/developer-reference/api-ecs-2014-05-26-modifyimagesharepermission",
        notes: "The error a recipient gets is not documented; InvalidImageId.NotFound is inferred \
                (providers/alibaba.md §5, §6).",
        effect: OwnerOnly { actions: &[A::CancelShare, A::ListShares] },
    },
    Rule {
        id: "AL-OWN-ONLY",
        topic: Reshare,
        text: "Only custom images that the account created can be shared, not images shared with it.",
        short: "forbidden",
        basis: Seed,
        source: SEED,
        quote: "You can only share custom images you have created, not custom images created and shared by other \
                users.",
        url: "https://www.alibabacloud.com/help/doc-detail/25463.htm",
        notes: "The API answers as if the image did not exist (InvalidImageId.NotFound, inferred).",
        effect: NoReshare,
    },
    Rule {
        id: "AL-CUSTOM-ONLY",
        topic: Preconditions,
        text: "Only custom (private) images can be shared; public, community and Marketplace images cannot.",
        short: "custom images only",
        basis: ApiReference,
        source: "API reference: ModifyImageSharePermission (own custom images only; IsPublic publishes a community image)",
        quote: "Sharing limits: You can share only the custom images that you created. … Feature restrictions: \
                Community images cannot be shared, exported, or copied.",
        url: "https://help.aliyun.com/en/ecs/developer-reference/api-ecs-2014-05-26-modifyimagesharepermission",
        notes: "The seed says the same (\"You can only share custom images you have created\"). A community \
                (public) image given AddAccount is answered with InvalidParameter.IsPublic.",
        effect: PrivateOnly,
    },
    Rule {
        id: "AL-AVAILABLE",
        topic: Preconditions,
        text: "Only images in the Available state can be shared or copied.",
        short: "Available state",
        basis: ApiReference,
        source: "API reference: ModifyImageSharePermission / CopyImage errors (400 IncorrectImageStatus)",
        quote: "自定义镜像的状态必须为可用（`Available`）。",
        url: "https://www.alibabacloud.com/help/zh/ecs/developer-reference/api-copyimage",
        notes: "The quote is CopyImage's. For ModifyImageSharePermission no current sentence states it: the 2018 \
                reference lists 400 IncorrectImageStatus (\"The image is not available.\"), the current one 403 \
                OperationDenied.InvalidImageStatus for deprecated images.",
        effect: RequiresAvailable,
    },
    Rule {
        id: "AL-ENCRYPTED",
        topic: Encrypted,
        text: "An image encrypted with a customer master key (CMK) can be shared; one encrypted with the \
               service key cannot.",
        short: "CMK: yes; service key: no",
        basis: ApiReference,
        source: "API reference (2025): ModifyImageSharePermission \
                 (403 InvalidOperation.ServiceKeyEncryptedImageUnsupported)",
        quote: "You can share only images that are encrypted with a Customer Master Key (CMK). You can no longer \
                share images that are encrypted with a service key.",
        url: "https://help.aliyun.com/en/ecs/developer-reference/api-ecs-2014-05-26-modifyimagesharepermission",
        notes: "The seed says nothing about encryption. The real service also needs the \
                AliyunECSShareEncryptImageDefaultRole RAM role and refuses encrypted images with several \
                snapshots; neither is modelled.",
        effect: Encryption { default_key: EncryptedShare::Refused, custom_key: EncryptedShare::Allowed },
    },
    Rule {
        id: "AL-LIMIT-50",
        topic: Limits,
        text: "One image can be shared with at most 50 accounts.",
        short: "50",
        basis: Seed,
        source: SEED,
        quote: "Each custom image can be shared with up to 50 users within the same Alibaba Cloud region.",
        url: "https://www.alibabacloud.com/help/doc-detail/25463.htm",
        notes: "The API answers QuotaExceed.ShareImageUser. A request that would pass the limit is refused \
                whole (assumed; the reference does not say). The account-wide quota of shared images \
                (QuotaExceed.ShareImage) is not modelled.",
        effect: ShareLimit { max: 50, full_server_only: false },
    },
    Rule {
        id: "AL-BATCH-10",
        topic: Batch,
        text: "One request names at most 10 accounts; if more are given, only the first 10 are processed \
               and the excess are ignored.",
        short: "10 accounts; excess ignored",
        basis: ApiReference,
        source: "API reference: ModifyImageSharePermission AddAccount.N (N = 1..10)",
        quote: "If you specify more than 10 account IDs, the system processes only the first 10 account IDs. The \
                excess account IDs are ignored.",
        url: "https://intl.aliyun.com/help/doc-detail/25540.htm",
        notes: "The ignored accounts are not reported. RemoveAccount.N has the same bound (N = 1..10), so \
                a cancel of more than 10 accounts removes only the first 10.",
        effect: RecipientsPerRequest { max: 10, overflow: Overflow::Truncate },
    },
    Rule {
        id: "AL-ONE-IMAGE",
        topic: Batch,
        text: "One request shares one image (ImageId is a single value).",
        short: "1 image",
        basis: ApiReference,
        source: "API reference: ModifyImageSharePermission parameters",
        quote: "The ID of the custom image to be shared.",
        url: "https://help.aliyun.com/en/ecs/developer-reference/api-ecs-2014-05-26-modifyimagesharepermission",
        notes: "No sentence says one image per request; ImageId is a single string, and the quote is its \
                description.",
        effect: ImagesPerRequest { many: false },
    },
    Rule {
        id: "AL-SAME-REGION",
        topic: Region,
        text: "Sharing stays within one region; an image cannot be shared across regions.",
        short: "same region; copy first",
        basis: Seed,
        source: SEED,
        quote: "That is, an image cannot be shared across regions.",
        url: "https://www.alibabacloud.com/help/doc-detail/25463.htm",
        notes: "A call made in another region does not find the image (InvalidImageId.NotFound, inferred). \
                To share elsewhere, the owner copies the image to that region (AL-COPY) and shares the copy.",
        effect: SameRegion,
    },
    Rule {
        id: "AL-NO-ACCEPT",
        topic: Acceptance,
        text: "A share is usable at once; there is no accept or reject step.",
        short: "none",
        basis: ApiReference,
        source: "API reference: no accept API; shared images list at once under DescribeImages ImageOwnerAlias=others",
        quote: "others：其他阿里云用户共享给您的镜像。",
        url: "https://help.aliyun.com/document_detail/25534.html",
        notes: "No sentence says there is no accept step; the quote (DescribeImages ImageOwnerAlias) is the \
                closest. The seed's next steps go straight from sharing to creating instances.",
        effect: NoAcceptance,
    },
    Rule {
        id: "AL-RECIPIENT-USE",
        topic: Permissions,
        text: "A recipient can create instances from a shared image and replace a system disk with it.",
        short: "launch, replace disk, copy",
        basis: Seed,
        source: SEED,
        quote: "After an image is shared with other users, they can use it to create one or more instances. … They \
                can also use the shared image to Replace the system disk",
        url: "https://www.alibabacloud.com/help/doc-detail/25463.htm",
        notes: "Re-initializing a disk created from the image and describing it are implied by the seed \
                (both are lost on unshare); copying within the region comes from CopyImage (AL-COPY-SHARED).",
        effect: RecipientUse { actions: &[A::Describe, A::Launch, A::ReinitDisk, A::ReplaceSystemDisk, A::Copy] },
    },
    Rule {
        id: "AL-RECIPIENT-READONLY",
        topic: Permissions,
        text: "A recipient cannot rename, re-describe or delete an image shared with it.",
        short: "no modify, no delete",
        basis: Assumed,
        source: "not documented",
        quote: "",
        url: "",
        notes: "The references describe ModifyImageAttribute and DeleteImage for your own custom images only; \
                a recipient is assumed to get InvalidImageId.NotFound (providers/alibaba.md §6).",
        effect: RecipientMayNot { actions: &[A::Modify, A::Delete] },
    },
    Rule {
        id: "AL-SHARED-LIST",
        topic: Listing,
        text: "A recipient lists images shared with it (DescribeImages with ImageOwnerAlias=others).",
        short: "ImageOwnerAlias=others",
        basis: ApiReference,
        source: "API reference: DescribeImages ImageOwnerAlias",
        quote: "others：其他阿里云用户共享给您的镜像。",
        url: "https://help.aliyun.com/document_detail/25534.html",
        notes: "The seed's console path is Images > Shared Image, in the same region. DescribeImages lists \
                only Available images unless Status says otherwise.",
        effect: SharedWithMeListing,
    },
    Rule {
        id: "AL-MY-SHARED",
        topic: Listing,
        text: "The owner lists who an image is shared with (DescribeImageSharePermission); DescribeImages \
               marks its shared images with IsSelfShared.",
        short: "DescribeImageSharePermission",
        basis: ApiReference,
        source: "API reference: DescribeImageSharePermission; DescribeImages IsSelfShared",
        quote: "查询一份自定义镜像已经共享的所有用户。",
        url: "https://help.aliyun.com/document_detail/25541.html",
        notes: "",
        effect: MySharedListing,
    },
    Rule {
        id: "AL-NO-QUOTA",
        topic: Quota,
        text: "Shared images do not consume the sharing account's image quota.",
        short: "owner: free",
        basis: Seed,
        source: SEED,
        quote: "shared images do not consume the image quota of the account from which an image is shared.",
        url: "https://www.alibabacloud.com/help/doc-detail/25463.htm",
        notes: "",
        effect: OwnerQuotaFree,
    },
    Rule {
        id: "AL-RECIPIENT-QUOTA",
        topic: Quota,
        text: "Images shared with an account do not count against its custom image quota.",
        short: "recipient: free",
        basis: Assumed,
        source: "not documented",
        quote: "",
        url: "",
        notes: "Sharing grants a permission and creates no image in the recipient's account; a copy the \
                recipient makes (AL-COPY-SHARED) is its own image and does count.",
        effect: RecipientQuotaFree,
    },
    Rule {
        id: "AL-IMAGE-QUOTA",
        topic: Quota,
        text: "An account holds at most 100 custom images per region.",
        short: "100 / region",
        basis: Assumed,
        source: "CreateImage / CopyImage list 403 QuotaExceed.Image; the figure is not in our sources",
        quote: "",
        url: "",
        notes: "100 is the per-region default of older ECS Limits pages; current pages defer to Quota Center. \
                Set `image_quota` in a world to change it.",
        effect: ImageQuota { max: 100 },
    },
    Rule {
        id: "AL-DELETE-SHARED",
        topic: Deletion,
        text: "All share relationships must be removed before the image can be deleted.",
        short: "refused",
        basis: Seed,
        source: SEED,
        quote: "If your custom image has been shared with other accounts, you must remove all the sharing \
                relationships for that image before you can delete the image.",
        url: "https://www.alibabacloud.com/help/doc-detail/25463.htm",
        notes: "DeleteImage answers 403 ImageUseShared.",
        effect: DeleteWhileShared { then: DeleteShared::Refuse },
    },
    Rule {
        id: "AL-AFTER-UNSHARE",
        topic: AfterUnshare,
        text: "Once sharing is cancelled, that account can no longer query or use the image, and its \
               instances created from it cannot re-initialize their system disks.",
        short: "access lost; no re-init",
        basis: Seed,
        source: SEED,
        quote: "After you cancel the sharing, that account will be unable to query and use the image. This means \
                that i that account has already created an instance by using this shared image, the instance will \
                be unable to re-initialize the system disk.",
        url: "https://www.alibabacloud.com/help/doc-detail/25463.htm",
        notes: "Running instances are not touched. Sharing again restores access.",
        effect: LoseAccessOnUnshare,
    },
    Rule {
        id: "AL-AFTER-DELETE",
        topic: AfterUnshare,
        text: "Once a shared image is deleted, recipients can neither find it nor create instances or replace \
               system disks with it, and instances created from it cannot re-initialize their system disks.",
        short: "gone; no re-init",
        basis: Seed,
        source: SEED,
        quote: "Users who are using the shared image will no longer be able to find the image through the ECS \
                console or ECS API, nor can they use the image to create ECS instances or replace system disks. … \
                ECS instances that are created from the shared image cannot re-initialize their system disks.",
        url: "https://www.alibabacloud.com/help/doc-detail/25463.htm",
        notes: "Deletion needs every share cancelled first (AL-DELETE-SHARED), so the former recipients \
                have already lost access; this applies to the owner's instances too.",
        effect: LoseAccessOnDelete,
    },
    Rule {
        id: "AL-COPY",
        topic: Copy,
        text: "The owner copies a custom image within its region or to another region (CopyImage).",
        short: "owner: any region",
        basis: ApiReference,
        source: "API reference: CopyImage (DestinationRegionId)",
        quote: "镜像是您账号下的自定义镜像时，可以跨地域复制镜像；镜像是其他人共享给您的镜像时，只能同地域复制镜像。",
        url: "https://help.aliyun.com/zh/ecs/developer-reference/api-copyimage",
        notes: "The reference says an owner copies across regions; that it may also copy within the region is \
                read from the same sentence (shared images are copied there). A copy is a new custom image of the \
                caller and counts against its quota.",
        effect: OwnerCopy { scope: CopyScope::ANY },
    },
    Rule {
        id: "AL-COPY-SHARED",
        topic: Copy,
        text: "A recipient can copy a shared image into its own custom image only within the image's region.",
        short: "recipient: same region",
        basis: ApiReference,
        source: "API reference: CopyImage errors (403 OperationDenied.SameRegionOnly)",
        quote: "The image shared from others can not be copied to another region directly.",
        url: "https://help.aliyun.com/zh/ecs/developer-reference/api-copyimage",
        notes: "\"The image shared from others can not be copied to another region directly\": copy it in \
                its region first, then copy your copy.",
        effect: RecipientCopy { scope: CopyScope::SAME, needs_acceptance: false },
    },
    Rule {
        id: "AL-NO-API",
        topic: Api,
        text: "ECS has no key grants, no share modification, no Lighthouse hand-over and no share options \
               (validity, description, permission).",
        short: "keys, share options",
        basis: ApiReference,
        source: "API reference: ModifyImageSharePermission takes RegionId, ImageId, AddAccount.N, \
                 RemoveAccount.N, IsPublic only",
        quote: "You can specify up to 10 Alibaba Cloud account IDs by using AddAccount.N or RemoveAccount.N.",
        url: "https://intl.aliyun.com/help/doc-detail/25540.htm",
        notes: "No sentence lists what ECS lacks; the rule follows from the parameter list, whose account \
                parameters the quote names.",
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
