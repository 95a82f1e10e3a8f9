//! Huawei Cloud IMS's sharing rules. Seed: `003_232af1e1485036f8.txt` ("Sharing Specified
//! Images"); API facts: `providers/huawei-ims.md` (BatchAddMembers, BatchUpdateMembers,
//! BatchDeleteMembers, ListImages, DeleteImage, cross_region_copy, quota; error codes §8) and the
//! IMS constraints page (support.huaweicloud.com productdesc-ims ims_01_0005).
//!
//! Seed 003 is, word for word, the Open Telekom Cloud edition of Huawei's IMS user guide page "Sharing
//! Specified Images" (opentelekomcloud-docs/image-management-service, umn, commit 863eb1c); the
//! support.huaweicloud.com editions found read differently (e.g. ME-Abu Dhabi: account names), so seed rules link
//! the OTC page that holds the quoted sentences. API rules quote support.huaweicloud.com pages (HI-SHARED-LIST: the
//! OTC API reference).

use crate::engine::Action as A;
use crate::rules::{
    Basis::*, CopyScope, DeleteShared, Effect::*, EncryptedShare, IdentityKind, Overflow, Repeat, Rule, Topic::*,
};

const SEED: &str = "seed 003 (003_232af1e1485036f8.txt)";

pub static RULES: &[Rule] = &[
    Rule {
        id: "HI-PROJECT-ID",
        topic: Recipient,
        text: "The recipient tenant is named by its project ID.",
        short: "project ID",
        basis: Seed,
        source: SEED,
        quote: "In the Share Image dialog box, enter the project ID of the target tenant.",
        url: "https://docs.otc.t-systems.com/image-management-service/umn/managing_private_images/sharing_images/sharing_specified_images.html",
        notes: "A project ID exists once per account per region: the project ID of the same account in \
                another region is refused as cross-region by HI-SAME-REGION (IMG.0108). An account \
                (domain) ID or account name is refused with IMG.0067. Newer API versions also take \
                `domains` and `organizations` in BatchAddMembers; the simulator does not model them.",
        effect: RecipientIdentity { kind: IdentityKind::ProjectId },
    },
    Rule {
        id: "HI-PROJECT-EXISTS",
        topic: Recipient,
        text: "Sharing with a well-formed project ID that names no tenant fails.",
        short: "must exist",
        basis: ApiReference,
        source: "providers/huawei-ims.md §7–8 (IMG.0067 The project ID is incorrect / IMG.0108 The tenant ID was not found in the current region)",
        quote: "The project ID is incorrect. … The tenant ID was not found in the current region.",
        url: "https://support.huaweicloud.com/en-us/api-ims/ims_03_0908.html",
        notes: "Which of the two codes the API returns is not documented; the simulator answers IMG.0108.",
        effect: RecipientMustExist,
    },
    Rule {
        id: "HI-SELF-SHARE",
        topic: Recipient,
        text: "An image cannot be shared with the owner's own project.",
        short: "not yourself",
        basis: ApiReference,
        source: "providers/huawei-ims.md §7–8 (IMG.0076 You cannot share an image with yourself)",
        quote: "You cannot share an image with yourself.",
        url: "https://support.huaweicloud.com/en-us/api-ims/ims_03_0908.html",
        notes: "",
        effect: NoSelfShare,
    },
    Rule {
        id: "HI-DUPLICATE",
        topic: Recipient,
        text: "Adding a project that is already a member changes nothing and succeeds.",
        short: "no-op",
        basis: Assumed,
        source: "providers/huawei-ims.md §9 (no IMS code documented for re-adding a member)",
        quote: "",
        url: "",
        notes: "The doc marks idempotent success as inferred (OpenStack Glance answers 409 Conflict). \
                The member keeps its status: re-sharing does not turn a rejected share back to pending.",
        effect: DuplicateShare { repeat: Repeat::Ignore },
    },
    Rule {
        id: "HI-CANCEL-NON-MEMBER",
        topic: Recipient,
        text: "Removing a project that is not a member changes nothing and succeeds.",
        short: "no-op",
        basis: Assumed,
        source: "not documented for BatchDeleteMembers",
        quote: "",
        url: "",
        notes: "No IMS code fits (IMG.0113 is a generic failure); the batch delete is treated as idempotent.",
        effect: CancelNonMember { repeat: Repeat::Ignore },
    },
    Rule {
        id: "HI-OWNER",
        topic: Ownership,
        text: "Only the image's owner can remove members, list them, or authorize and revoke the image's key.",
        short: "owner only",
        basis: ApiReference,
        source: "providers/huawei-ims.md §6.3, §6.6–6.7 (IMG.0047 This operation can be performed only by the image owner)",
        quote: "This operation can be performed only by the image owner.",
        url: "https://support.huaweicloud.com/en-us/api-ims/ims_03_0908.html",
        notes: "Under Glance semantics a member may read its own member record; the simulator refuses a \
                recipient's member listing as a whole.",
        effect: OwnerOnly {
            actions: &[A::CancelShare, A::ListShares, A::AuthorizeKey, A::RevokeKey, A::ListKeyGrants],
        },
    },
    Rule {
        id: "HI-NO-RESHARE",
        topic: Reshare,
        text: "Only the owner's own private images can be shared; a recipient cannot share an image shared with it.",
        short: "forbidden",
        basis: ApiReference,
        source: "providers/huawei-ims.md §6.1, §7 (images: the owner's private images; IMG.0047)",
        quote: "You cannot directly share such images with other tenants. If you do need to do so, you can replicate \
                the shared images to private images and share the private images.",
        url: "https://support.huaweicloud.com/en-us/ims_faq/faq_20190802_1.html",
        notes: "The seed is silent; the quote is the IMS FAQ's answer to \"Can I Share Accepted Shared Images with \
                Other Tenants?\". To pass an image on, a recipient replicates it into its own private image first.",
        effect: NoReshare,
    },
    Rule {
        id: "HI-PUBLIC",
        topic: Preconditions,
        text: "Public and Marketplace images cannot be shared; only private images can.",
        short: "private images only",
        basis: ApiReference,
        source: "providers/huawei-ims.md §7–8 (IMG.0089, IMG.0107)",
        quote: "The public image or Marketplace image cannot be shared. … The Marketplace image cannot be shared.",
        url: "https://support.huaweicloud.com/en-us/api-ims/ims_03_0908.html",
        notes: "Marketplace (KooGallery) images are not modelled.",
        effect: PrivateOnly,
    },
    Rule {
        id: "HI-AVAILABLE",
        topic: Preconditions,
        text: "Only images in the normal (active) state can be shared.",
        short: "active state",
        basis: ApiReference,
        source: "providers/huawei-ims.md §8 (IMG.0046 The image is unavailable); IMS constraints: private image status Normal",
        quote: "Private image status … Normal",
        url: "https://support.huaweicloud.com/eu/productdesc-ims/ims_01_0005.html",
        notes: "The quote is a row of the IMS constraints page's table on sharing images (Huawei Cloud Europe \
                edition; the intl edition's sharing table was not readable here). The API answers a share of an \
                image that is not usable with IMG.0046 \"The image is unavailable.\"",
        effect: RequiresAvailable,
    },
    Rule {
        id: "HI-ENCRYPTED-KEY",
        topic: Encrypted,
        text: "Sharing an encrypted image requires authorizing its key to the recipient, and the key must be a custom key.",
        short: "custom key, authorized per recipient",
        basis: Seed,
        source: SEED,
        quote: "If the image to be shared is an encrypted image, authorize the key (it must be a custom key) used \
                for encrypting the image.",
        url: "https://docs.otc.t-systems.com/image-management-service/umn/managing_private_images/sharing_images/sharing_specified_images.html",
        notes: "The API reference and the constraints page say encrypted images cannot be shared at all \
                (IMG.0098); the seed is the default. An image encrypted with the default KMS key is \
                refused with IMG.0098; a custom-key image is refused with IMG.0099 until the owner \
                authorizes the key to each recipient project (`authorize_key`).",
        effect: Encryption { default_key: EncryptedShare::Refused, custom_key: EncryptedShare::NeedsKeyGrant },
    },
    Rule {
        id: "HI-KEY-REVOKE",
        topic: Encrypted,
        text: "If the key authorization is cancelled after the recipient accepted but before it replicated the image, the image becomes unavailable to the recipient.",
        short: "revoked: shared image unusable",
        basis: Seed,
        source: SEED,
        quote: "If the tenant has accepted the shared image but have not performed any other operations, do not \
                cancel the authorization of the key. Otherwise, the shared image will be unavailable to the tenant.",
        url: "https://docs.otc.t-systems.com/image-management-service/umn/managing_private_images/sharing_images/sharing_specified_images.html",
        notes: "Creating servers, reinstalling and replicating from the shared image are refused (IMG.0099) \
                until the key is authorized again. A copy the recipient already made is its own, \
                re-encrypted with its own key, and is not affected.",
        effect: KeyRevocation,
    },
    Rule {
        id: "HI-LIMIT-128",
        topic: Limits,
        text: "A system-disk or data-disk image can be shared with at most 128 tenants.",
        short: "128 (disk images)",
        basis: ApiReference,
        source: "providers/huawei-ims.md §7; IMS Notes and Constraints (support.huaweicloud.com/intl/en-us/productdesc-ims/ims_01_0005.html)",
        quote: "A system disk image or data disk image can be shared with a maximum of 128 tenants, and a full-ECS \
                image can be shared with a maximum of 10 tenants.",
        url: "https://support.huaweicloud.com/intl/th-th/api-ims/ims_03_0903.html",
        notes: "Over the limit answers IMG.0088 (which code is inferred). A request that would pass the limit is \
                refused whole (assumed; no source says whether a partial batch is applied). Some Huawei-based clouds \
                (Open Telekom Cloud) allow 256; set `share_limit` in a world to model them. Quoted from the API \
                reference's Restrictions on Image Sharing (intl site; the page was found under the th-th locale, in \
                English); the constraints page's sharing table gives the same 128 / 10.",
        effect: ShareLimit { max: 128, full_server_only: false },
    },
    Rule {
        id: "HI-FULL-ECS-LIMIT-10",
        topic: Limits,
        text: "A full-ECS image can be shared with at most 10 tenants.",
        short: "10 (full-ECS images)",
        basis: ApiReference,
        source: "providers/huawei-ims.md §7; IMS Notes and Constraints (support.huaweicloud.com/intl/en-us/productdesc-ims/ims_01_0005.html)",
        quote: "A system disk image or data disk image can be shared with a maximum of 128 tenants, and a full-ECS \
                image can be shared with a maximum of 10 tenants.",
        url: "https://support.huaweicloud.com/intl/th-th/api-ims/ims_03_0903.html",
        notes: "Only full-ECS images created from a CBR backup can be shared at all (IMG.0135); the simulator does \
                not model an image's origin, so every full-ECS image is shareable. Same sentence as HI-LIMIT-128.",
        effect: ShareLimit { max: 10, full_server_only: true },
    },
    Rule {
        id: "HI-BATCH",
        topic: Batch,
        text: "One request can share several images with several projects.",
        short: "many images × many projects",
        basis: Seed,
        source: SEED,
        quote: "Select the private images to share and click Share above the image list. … To share images with more \
                than one tenant, separate their project IDs with commas (,).",
        url: "https://docs.otc.t-systems.com/image-management-service/umn/managing_private_images/sharing_images/sharing_specified_images.html",
        notes: "BatchAddMembers takes `images` and `projects` arrays; every pair becomes a pending member. \
                The request is validated whole, so one refused pair adds nobody (assumed; no source says \
                whether the other pairs are applied, and the job reports one result for all of them).",
        effect: ImagesPerRequest { many: true },
    },
    Rule {
        id: "HI-100-PER-REQUEST",
        topic: Batch,
        text: "One request names at most 100 project IDs.",
        short: "≤ 100 project IDs",
        basis: Seed,
        source: SEED,
        quote: "You can enter a maximum of 100 project IDs at a time.",
        url: "https://docs.otc.t-systems.com/image-management-service/umn/managing_private_images/sharing_images/sharing_specified_images.html",
        notes: "The seed states it for the console's Share dialog; the API reference gives no figure, so \
                the API is held to it too. A longer list is refused whole (IMG.0001, inferred); nothing \
                is truncated.",
        effect: RecipientsPerRequest { max: 100, overflow: Overflow::Reject },
    },
    Rule {
        id: "HI-SAME-REGION",
        topic: Region,
        text: "Images can be shared only within their region.",
        short: "same region; replicate first",
        basis: Seed,
        source: SEED,
        quote: "You can share images only within the region where they reside.",
        url: "https://docs.otc.t-systems.com/image-management-service/umn/managing_private_images/sharing_images/sharing_specified_images.html",
        notes: "A recipient's project ID of another region is refused (IMG.0108), and calls made in another \
                region do not find the image (IMG.0027). To share elsewhere, replicate the image to that \
                region and share the copy there.",
        effect: SameRegion,
    },
    Rule {
        id: "HI-ACCEPT",
        topic: Acceptance,
        text: "A recipient accepts or rejects a shared image on its \"Images Shared with Me\" page (seed). \
               What each state allows is the API reference's: a pending share cannot be used, an accepted \
               one can, and a rejected one is hidden from the recipient's listing but can still be used \
               to create ECSs, and accepted again.",
        short: "accept or reject; pending is unusable",
        basis: Seed,
        source: "seed 003 (003_232af1e1485036f8.txt): accepting or rejecting; API reference \
                 (BatchUpdateMembers, providers/huawei-ims.md §6.2): what pending, accepted and rejected allow",
        quote: "After you share images with a tenant, the tenant can accept the shared images on the Images Shared \
                with Me page on the IMS console. For detailed operations, see … Accepting or Rejecting Shared Images",
        url: "https://docs.otc.t-systems.com/image-management-service/umn/managing_private_images/sharing_images/sharing_specified_images.html",
        notes: "The seed says only that the recipient accepts or rejects on \"Images Shared with Me\". The \
                API reference says an accepted image appears in the recipient's shared list and is usable, \
                a rejected one is hidden from that list but \"the user can still use it to create ECSs\", \
                and a rejected image can be accepted again (an accepted one rejected). New members are \
                pending, and a pending share cannot be used. Replicating a shared image still needs an \
                accepted share (HI-COPY-ACCEPTED, from the API reference's IMG.0196).",
        effect: AcceptanceRequired { rejected_usable: true },
    },
    Rule {
        id: "HI-ENCRYPTED-USE",
        topic: Permissions,
        text: "After accepting an encrypted image, a recipient can create servers from it or replicate it to re-encrypt it with its own key.",
        short: "create ECSs, reinstall, replicate",
        basis: Seed,
        source: SEED,
        quote: "If the shared image is an encrypted image and is accepted by a tenant, the tenant can use this image \
                to apply for ECSs or replace the key of this image with its own by replicating the shared image.",
        url: "https://docs.otc.t-systems.com/image-management-service/umn/managing_private_images/sharing_images/sharing_specified_images.html",
        notes: "Holds for every shared image, encrypted or not. A recipient's replica of an encrypted image \
                is re-encrypted with a new key of the recipient. The API reference lists IMG.0197 \
                (a shared encrypted image cannot be replicated); the seed is the default.",
        effect: RecipientUse { actions: &[A::Describe, A::Launch, A::ReinitDisk, A::ReplaceSystemDisk, A::Copy] },
    },
    Rule {
        id: "HI-RECIPIENT-READONLY",
        topic: Permissions,
        text: "A recipient cannot change or delete an image shared with it.",
        short: "no modify, no delete",
        basis: Assumed,
        source: "providers/huawei-ims.md §6.8 (IMG.0092 only the owner deletes); Glance semantics",
        quote: "",
        url: "",
        notes: "Deleting is documented as owner-only (IMG.0092); that a recipient cannot modify the image \
                either is assumed from Glance, where only the owner updates an image. A recipient that \
                no longer wants the image rejects it instead.",
        effect: RecipientMayNot { actions: &[A::Modify, A::Delete] },
    },
    Rule {
        id: "HI-SHARED-LIST",
        topic: Listing,
        text: "A recipient lists images shared with it by member status (GET /v2/cloudimages?visibility=shared&member_status=pending|accepted|rejected).",
        short: "visibility=shared",
        basis: ApiReference,
        source: "providers/huawei-ims.md §6.5",
        quote: "Specifies the member status. The value can be accepted, rejected, or pending. … To use this \
                parameter, set visibility to shared during the query.",
        url: "https://docs.otc.t-systems.com/image-management-service/api-ref/ims_apis/image/querying_images.html",
        notes: "The simulator lists every status at once, each image with its status. Quoted from the Open Telekom \
                Cloud edition of the IMS API reference (Querying Images): the query parameters of Huawei's own page \
                were not readable here.",
        effect: SharedWithMeListing,
    },
    Rule {
        id: "HI-MY-SHARED",
        topic: Listing,
        text: "The owner lists its shared images and each image's members with their status (GET /v1/{project_id}/cloudimages/{image_id}/members).",
        short: "members API",
        basis: ApiReference,
        source: "providers/huawei-ims.md §6.5–6.6",
        quote: "This API is used to query the tenants with whom an image is shared using search criteria and to \
                display the tenants in a list. … Specifies the image sharing status.",
        url: "https://support.huaweicloud.com/intl/ja-jp/api-ims/ims_03_0723.html",
        notes: "Quoted from the Glance-style member list (GET /v2/images/{image_id}/members); the v1 page \
                (ims_03_0661) describes its list as \"the members that accepted a shared image\", which the \
                simulator does not follow: it lists every member with its status.",
        effect: MySharedListing,
    },
    Rule {
        id: "HI-IMAGE-QUOTA",
        topic: Quota,
        text: "An account can create at most 50 private images per region.",
        short: "50 / region",
        basis: ApiReference,
        source: "IMS Notes and Constraints (support.huaweicloud.com/intl/en-us/productdesc-ims/ims_01_0005.html); quota API GET /v1/cloudimages/quota (providers/huawei-ims.md §6.10)",
        quote: "Maximum number of private images that can be created in a region … 50 … If you need more, submit a \
                service ticket to increase your quota.",
        url: "https://support.huaweicloud.com/intl/en-us/productdesc-ims/ims_01_0005.html",
        notes: "The quota can be raised by service ticket; set `image_quota` in a world. Exceeding it \
                answers IMG.0015.",
        effect: ImageQuota { max: 50 },
    },
    Rule {
        id: "HI-RECIPIENT-QUOTA",
        topic: Quota,
        text: "Images shared with a tenant do not count against its image quota.",
        short: "recipient: free",
        basis: ApiReference,
        source: "IMS FAQ: \"Do Shared Images Affect My Private Image Quota?\"",
        quote: "Do Shared Images Affect My Private Image Quota?… No.",
        url: "https://support.huaweicloud.com/en-us/ims_faq/faq_20190802_1.html",
        notes: "Was assumed until the IMS FAQ's answer was found. A share gives the recipient no copy of the \
                image; a recipient's replica is its own private image and does count (HI-IMAGE-QUOTA).",
        effect: RecipientQuotaFree,
    },
    Rule {
        id: "HI-OWNER-QUOTA",
        topic: Quota,
        text: "Sharing adds members, not images, so it does not use the owner's image quota.",
        short: "owner: free",
        basis: ApiReference,
        source: "providers/huawei-ims.md §6.10 (quota types image, image_shared, image_member are separate)",
        quote: "Specifies the type of the resource to be queried. … image: private image … image_shared: shared \
                image … image_member: image recipient",
        url: "https://support.huaweicloud.com/intl/en-us/api-ims/ims_03_0630.html",
        notes: "The separate image_member quota is the per-image limit of HI-LIMIT-128. No page says in so many \
                words that sharing leaves the owner's image quota alone; it follows from the separate quota types. \
                The IMS FAQ answers \"Do Shared Images Affect My Private Image Quota?\" with \"No.\"",
        effect: OwnerQuotaFree,
    },
    Rule {
        id: "HI-DELETE-SHARED",
        topic: Deletion,
        text: "The owner may delete a shared image at any time, without notifying its recipients; the members disappear with it.",
        short: "allowed; members removed",
        basis: ApiReference,
        source: "providers/huawei-ims.md §6.8",
        quote: "You can delete shared image anytime without notifying the recipient.",
        url: "https://support.huaweicloud.com/intl/th-th/api-ims/ims_03_0903.html",
        notes: "",
        effect: DeleteWhileShared { then: DeleteShared::Cascade },
    },
    Rule {
        id: "HI-AFTER-UNSHARE",
        topic: AfterUnshare,
        text: "After the owner removes a member, that tenant can no longer query or use the image; its servers cannot be reinstalled from it.",
        short: "access lost",
        basis: ApiReference,
        source: "providers/huawei-ims.md §6.3",
        quote: "After you stop sharing an image: … The image will be invisible to the recipient on the management \
                console and no data will be returned when the recipient query the image through an API. … The \
                recipient cannot reinstall the OS of the ECSs created from the shared image or create instances \
                identical with these ECSs.",
        url: "https://support.huaweicloud.com/intl/en-us/usermanual-ims/ims_01_0310.html",
        notes: "The user guide (Stopping Sharing Images) states both the lost access and the refused reinstall. \
                Running servers are not touched.",
        effect: LoseAccessOnUnshare,
    },
    Rule {
        id: "HI-AFTER-DELETE",
        topic: AfterUnshare,
        text: "A deleted image cannot be used or reinstalled from, by its owner or its former recipients.",
        short: "gone for everyone",
        basis: Assumed,
        source: "not documented beyond \"members disappear\" (providers/huawei-ims.md §6.8)",
        quote: "",
        url: "",
        notes: "Follows from the image being gone; servers created from it keep running.",
        effect: LoseAccessOnDelete,
    },
    Rule {
        id: "HI-COPY",
        topic: Copy,
        text: "The owner replicates a private image within its region (CopyImageInRegion, which can change the key) or to another region (cross_region_copy).",
        short: "owner: same or other region",
        basis: ApiReference,
        source: "providers/huawei-ims.md §6.9; huaweicloudsdkims CopyImageInRegion",
        quote: "This API is an extension one and is used to replicate a private from one region to another region to \
                create ECSs of the same type. … The destination region cannot be the same as the source region.",
        url: "https://support.huaweicloud.com/intl/en-us/api-ims/ims_03_0628.html",
        notes: "cross_region_copy refuses the image's own region (IMG.0142 Replication must be performed across \
                regions); a copy into the same region is the in-region API's job. Full-ECS images can only be \
                replicated across regions (constraints page); the simulator does not tell the kinds apart here. \
                Replication within a region is a separate API (Replicating an Image Within a Region, ims_03_0627_1: \
                \"used to copy an existing image to another image\").",
        effect: OwnerCopy { scope: CopyScope::ANY },
    },
    Rule {
        id: "HI-COPY-ENCRYPTED",
        topic: Copy,
        text: "An encrypted image cannot be replicated to another region.",
        short: "not across regions",
        basis: ApiReference,
        source: "providers/huawei-ims.md §6.9 (IMG.0143 An encrypted image cannot be replicated cross regions)",
        quote: "Encrypted images cannot be replicated across regions.",
        url: "https://support.huaweicloud.com/intl/en-us/api-ims/ims_03_0628.html",
        notes: "Replicating an encrypted image within its region is allowed; that is how its key is changed.",
        effect: NoEncryptedCopy { cross_region_only: true },
    },
    Rule {
        id: "HI-COPY-ACCEPTED",
        topic: Copy,
        text: "A recipient can replicate a shared image into its own private image, in the image's region, once it has accepted it.",
        short: "recipient: same region, after accepting",
        basis: ApiReference,
        source: "providers/huawei-ims.md §7–8 (IMG.0196 not accepted by the recipient); seed 003 (replicate to use its own key)",
        quote: "The image cannot be replicated because it is not accepted by the recipient.",
        url: "https://support.huaweicloud.com/en-us/api-ims/ims_03_0908.html",
        notes: "Whether a recipient may replicate a shared image straight to another region is not \
                documented; it is refused (assumed): replicate within the region, then replicate the copy. \
                A copy while the share is pending or rejected is refused by this rule (IMG.0196).",
        effect: RecipientCopy { scope: CopyScope::SAME, needs_acceptance: true },
    },
    Rule {
        id: "HI-NO-API",
        topic: Api,
        text: "IMS shares carry no validity, description or permission, cannot be modified once made, and there is no Lighthouse.",
        short: "share options, modify share",
        basis: ApiReference,
        source: "providers/huawei-ims.md §6.1–6.2 (BatchAddMembers takes images and projects; members only change status)",
        quote: "This API is an extension one and used to share more than one image with multiple tenants. … At least \
                one of projects, domains, and organizations must be specified.",
        url: "https://support.huaweicloud.com/intl/en-us/api-ims/ims_03_0624.html",
        notes: "No sentence says that a share carries no validity, description or permission, or that it cannot be \
                modified: the rule follows from BatchAddMembers taking only images and projects (or domains or \
                organizations), and BatchUpdateMembers changing only the member status.",
        effect: NoApi {
            actions: &[
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
