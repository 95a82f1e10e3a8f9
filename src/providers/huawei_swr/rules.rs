//! Huawei Cloud SWR's sharing rules. Seed: `004_a15df96eeb7cc037.txt` ("Sharing Private Images");
//! API facts: `providers/huawei-swr.md` (access domains §5.1–5.5, shared-repositories §5.6,
//! repository lifecycle §5.7, rules §6, error codes §7).
//!
//! Seed 004 is, word for word, the Open Telekom Cloud edition of Huawei's SWR user guide page "Sharing Private
//! Images" (opentelekomcloud-docs/software-repository-container, umn); Huawei's own support.huaweicloud.com edition
//! words its constraints differently ("Only IAM users authorized…"), so seed rules link the OTC page. API rules
//! quote support.huaweicloud.com pages (HS-PUSH-CREATES: Huawei's Chinese doc snapshot on GitHub).
//!
//! An SWR share is an "access domain" on a repository: one recipient account name, the permit
//! `read`, a deadline (`forever` or a UTC time) and a description.

use crate::engine::Action as A;
use crate::rules::{Basis::*, DeleteShared, Effect::*, IdentityKind, Overflow, Repeat, Rule, Topic::*};

const SEED: &str = "seed 004 (004_a15df96eeb7cc037.txt)";
const CREATE: &str = "API reference: CreateRepoDomains (POST /v2/manage/namespaces/{namespace}/repositories/{repository}/access-domains)";

pub static RULES: &[Rule] = &[
    Rule {
        id: "HS-ACCOUNT-NAME",
        topic: Recipient,
        text: "The recipient is named by its account name (access_domain), not by an account or project ID.",
        short: "account name",
        basis: ApiReference,
        source: CREATE,
        quote: "access_domain … Image sharing account name.",
        url: "https://support.huaweicloud.com/en-us/api-swr/swr_02_0070.html",
        notes: "The seed's console field says \"Enter an account name\"; the API calls it access_domain (\"共享租户名称\"). \
                A domain or project ID is refused as an invalid user name (SVCSTG.SWR.4001067).",
        effect: RecipientIdentity { kind: IdentityKind::AccountName },
    },
    Rule {
        id: "HS-ACCOUNT-EXISTS",
        topic: Recipient,
        text: "Sharing with an account name that names no account fails.",
        short: "must exist",
        basis: Assumed,
        source: "not documented (providers/huawei-swr.md §8)",
        quote: "",
        url: "",
        notes: "The reference gives no code for an unknown recipient; refusing is the conservative reading. \
                Answered as an invalid domain parameter (SVCSTG.SWR.4001041).",
        effect: RecipientMustExist,
    },
    Rule {
        id: "HS-SELF-SHARE",
        topic: Recipient,
        text: "A repository cannot be shared with its own account.",
        short: "not yourself",
        basis: Assumed,
        source: "not documented (providers/huawei-swr.md §8)",
        quote: "",
        url: "",
        notes: "The owner already holds every permission on its repository, so an access domain for itself \
                means nothing; refusing is the conservative reading (SVCSTG.SWR.4001041, code inferred).",
        effect: NoSelfShare,
    },
    Rule {
        id: "HS-DUPLICATE",
        topic: Recipient,
        text: "Sharing a repository again with an account that already has an access domain on it is refused.",
        short: "duplicate refused (409)",
        basis: ApiReference,
        source: CREATE,
        quote: "409 … The repository has been shared.",
        url: "https://support.huaweicloud.com/en-us/api-swr/swr_02_0070.html",
        notes: "HTTP 409 \"共享帐号已存在\" (account already shared) is documented; the code SVCSTG.SWR.4090089 \
                \"Permission already exists\" is inferred. Use update (HS-UPDATE) to change a share. An expired \
                access domain still exists and is refused the same way. The English page words the 409 \"The \
                repository has been shared.\"",
        effect: DuplicateShare { repeat: Repeat::Refuse },
    },
    Rule {
        id: "HS-CANCEL-NON-MEMBER",
        topic: Recipient,
        text: "Deleting (or updating) an access domain that does not exist is refused.",
        short: "refused (404)",
        basis: ApiReference,
        source: "API reference: DeleteRepoDomains (DELETE …/access-domains/{access_domain})",
        quote: "Delete an account used for image sharing.",
        url: "https://support.huaweicloud.com/en-us/api-swr/swr_02_0071.html",
        notes: "The code SVCSTG.SWR.4040091 \"permission does not exist\" is inferred (providers/huawei-swr.md \
                §5.5). The show call answers a missing access domain with 400 SVCSTG.SWR.4001090 (Terraform). No \
                sentence says that deleting a missing access domain is refused: the page lists only 204, 400, 401 \
                and 500. The quote is the API's purpose.",
        effect: CancelNonMember { repeat: Repeat::Refuse },
    },
    Rule {
        id: "HS-MANAGE-SHARES",
        topic: Ownership,
        text: "Only users who manage the repository list, update or delete its access domains.",
        short: "managers only",
        basis: ApiReference,
        source: "API reference: access-domain APIs under /v2/manage (403 SVCSTG.SWR.4039002 / 4037020)",
        quote: "Manage: Users can pull and push images, delete images or tags, edit image attributes, grant \
                permissions, add triggers, and share images with other users.",
        url: "https://support.huaweicloud.com/intl/eu-west-0-usermanual-swr/swr_01_0015.html",
        notes: "Huawei grants manage rights to IAM users of the owning account; the simulator models accounts, so \
                the repository's owner is its manager. No API-reference sentence says who may list, update or delete \
                access domains; the quote (user guide, User Permissions, Huawei Cloud Paris edition) reserves \
                sharing to the Manage permission.",
        effect: OwnerOnly { actions: &[A::CancelShare, A::ListShares, A::ModifyShare] },
    },
    Rule {
        id: "HS-MANAGER-ONLY",
        topic: Reshare,
        text: "Only users authorized to manage the private image can share it; a recipient has read-only access and cannot share it on.",
        short: "forbidden",
        basis: Seed,
        source: SEED,
        quote: "Only users authorized to manage the private images can share images. The users with whom you share \
                your images only have the read-only permission, which only allows them to pull the images.",
        url: "https://docs.otc.t-systems.com/software-repository-container/umn/image_management/sharing_private_images.html",
        notes: "A recipient's share call is refused with 403 (SVCSTG.SWR.4039002).",
        effect: NoReshare,
    },
    Rule {
        id: "HS-PRIVATE-ONLY",
        topic: Preconditions,
        text: "Only private images (repositories) can be shared; public images cannot.",
        short: "private only",
        basis: Seed,
        source: SEED,
        quote: "Only private images can be shared. Public images cannot be shared.",
        url: "https://docs.otc.t-systems.com/software-repository-container/umn/image_management/sharing_private_images.html",
        notes: "The error code is not documented; 400 SVCSTG.SWR.4000014 (invalid parameter) is inferred.",
        effect: PrivateOnly,
    },
    Rule {
        id: "HS-MAKE-PUBLIC",
        topic: Preconditions,
        text: "The owner can make a repository public, or private again (UpdateRepo's is_public).",
        short: "owner can make public / private",
        basis: ApiReference,
        source: "API reference: UpdateRepo (PATCH /v2/manage/namespaces/{namespace}/repos/{repository}, is_public)",
        quote: "Update the brief information on an image in an organization of a tenant, including the category, \
                is_public, and description.",
        url: "https://support.huaweicloud.com/intl/en-us/api-swr/swr_02_0032.html",
        notes: "Public means every user can pull; private, pulls are governed by permissions and access \
                domains. Only the owner may change it; a recipient's attempt is refused like any other \
                change (HS-PULL-ONLY).",
        effect: VisibilityChange,
    },
    Rule {
        id: "HS-PUBLIC-KEEPS-SHARES",
        topic: Preconditions,
        text: "Making a shared private repository public keeps its shares; they apply again once it is private.",
        short: "public keeps its shares",
        basis: Assumed,
        source: "none: no source says what happens to access domains when a repository is made public",
        quote: "",
        url: "",
        notes: "Chosen because the access domains are resources of their own that no source says are \
                deleted, keeping them loses nothing (while public, everyone may pull anyway), and making \
                the repository private again then restores exactly the access the owner granted. New \
                shares of a public repository are still refused (HS-PRIVATE-ONLY).",
        effect: SharesSurvivePublic,
    },
    Rule {
        id: "HS-LIMIT-500",
        topic: Limits,
        text: "One private image can be shared with at most 500 tenants.",
        short: "500",
        basis: Seed,
        source: SEED,
        quote: "A private image can be shared with a maximum of 500 tenants.",
        url: "https://docs.otc.t-systems.com/software-repository-container/umn/image_management/sharing_private_images.html",
        notes: "The error code for the 501st is not documented; 400 SVCSTG.SWR.4000014 is inferred. \
                Expired access domains still count until they are deleted (assumed).",
        effect: ShareLimit { max: 500, full_server_only: false },
    },
    Rule {
        id: "HS-LAYER-10GB",
        topic: Limits,
        text: "Each layer (blob) pushed to a repository is at most 10 GB.",
        short: "layer ≤ 10 GB",
        basis: ApiReference,
        source: "FAQ: Pushing an Image (\"What Is the Maximum Size of an SWR Layer?\"); user guide: Uploading an \
                Image Through a Container Engine Client (客户端上传镜像)",
        quote: "If you use the container engine client to push images to SWR, each image layer cannot exceed 10 GB.",
        url: "https://support.huaweicloud.com/intl/en-us/swr_faq/swr_faq_0039.html",
        notes: "sharesim holds pushed content in memory (and in --state-dir), so a world may set a lower blob_limit; \
                the registry refuses a larger blob with 403 DENIED (code inferred). Whether 10 GB means 10^10 bytes \
                or 10 GiB is not said; 10 GiB is taken (assumed). The Chinese user-guide snapshot \
                (huaweicloudDocs/swr, 2022, 客户端上传镜像) words it \"使用客户端上传镜像，镜像的每个layer大小不能超过10G。\"; the wording \
                \"每个镜像层不能超过10G\" was not found. A 2025 edition of the English user guide (Pushing an Image, \
                swr_01_0011) says \"The size of each image layer cannot exceed 50 GB.\"; the FAQ still says 10 GB, \
                which is kept.",
        effect: LayerSize { max_bytes: 10 * 1024 * 1024 * 1024 },
    },
    Rule {
        id: "HS-REPO-SIZE",
        topic: Limits,
        text: "A repository holds at most the bytes a world allows (repository_limit); unlimited unless set.",
        short: "world's limit",
        basis: Assumed,
        source: "none: no source gives a per-repository size limit",
        quote: "",
        url: "",
        notes: "SWR documents namespace and repository quotas only as counts (ListQuotas) and no size per \
                repository. sharesim lets a world set one so a test can reach the limit; a push past it is \
                refused with 403 DENIED (inferred). Blobs shared by several repositories are stored once \
                but count in each.",
        effect: RepositorySize,
    },
    Rule {
        id: "HS-PUSH-CREATES",
        topic: Ownership,
        text: "Pushing to a repository that does not exist in your own organization (namespace) creates it, private.",
        short: "push creates, private",
        basis: ApiReference,
        source: "user guide: Editing Image Attributes (编辑镜像属性): \"镜像上传后默认为私有镜像\"",
        quote: "镜像上传后默认为私有镜像，您可以设置镜像的属性，包括镜像的类型（“公开”或“私有”）、分类及描述。",
        url: "https://github.com/huaweicloudDocs/swr/blob/master/cn.zh-cn/%E7%94%A8%E6%88%B7%E6%8C%87%E5%8D%97/%E7%BC%96%E8%BE%91%E9%95%9C%E5%83%8F%E5%B1%9E%E6%80%A7.md",
        notes: "A push into another account's namespace is refused (401 DENIED), as SWR answers for a namespace the \
                caller cannot use. A repository deleted earlier is made anew, with no shares. Asking whether one may \
                push (the token service) creates nothing; only content does. The repository is made in the region of \
                the login. Quoted from Huawei's Chinese user-guide snapshot on GitHub (huaweicloudDocs/swr, 编辑镜像属性, \
                page swr_01_0016); the support.huaweicloud.com copy was not found here. The English edition (Open \
                Telekom Cloud) reads \"After uploading an image, you can set image attributes, including its type \
                (private by default), category and description.\"",
        effect: PushCreates,
    },
    Rule {
        id: "HS-ONE-ACCOUNT",
        topic: Batch,
        text: "One request shares with one account: access_domain is a single account name.",
        short: "1 account",
        basis: ApiReference,
        source: CREATE,
        quote: "access_domain … String … Image sharing account name.",
        url: "https://support.huaweicloud.com/en-us/api-swr/swr_02_0070.html",
        notes: "A request naming several accounts is refused whole. The newer `…/shares` API (share_principals) \
                takes a list but is not in the SDK the mock serves. No sentence says one account per request: the \
                reference types access_domain as a single String.",
        effect: RecipientsPerRequest { max: 1, overflow: Overflow::Reject },
    },
    Rule {
        id: "HS-ONE-IMAGE",
        topic: Batch,
        text: "One request shares one repository: namespace and repository are path parameters.",
        short: "1 repository",
        basis: ApiReference,
        source: CREATE,
        quote: "POST /v2/manage/namespaces/{namespace}/repositories/{repository}/access-domains",
        url: "https://support.huaweicloud.com/en-us/api-swr/swr_02_0070.html",
        notes: "No sentence says one repository per request: namespace and repository are path parameters of the URI \
                quoted.",
        effect: ImagesPerRequest { many: false },
    },
    Rule {
        id: "HS-SAME-REGION",
        topic: Region,
        text: "Images can be shared only with accounts in the same region; cross-region sharing is not supported.",
        short: "same region",
        basis: Seed,
        source: SEED,
        quote: "You can share images only with accounts in the same region. Cross-region image sharing is not \
                supported.",
        url: "https://docs.otc.t-systems.com/software-repository-container/umn/image_management/sharing_private_images.html",
        notes: "Each region has its own SWR endpoint: a call or a pull in another region does not find the \
                repository (404 SVCSTG.SWR.4040010).",
        effect: SameRegion,
    },
    Rule {
        id: "HS-NO-ACCEPT",
        topic: Acceptance,
        text: "A share is usable at once; the recipient finds it under Images From Others without accepting it.",
        short: "none",
        basis: ApiReference,
        source: "API reference: no accept API; ListSharedRepos center=thirdparty lists the share at once",
        quote: "View the list of shared images. … thirdparty: third-party shared images",
        url: "https://support.huaweicloud.com/en-us/api-swr/swr_02_0075.html",
        notes: "The seed's procedure has no accept step either. No sentence says a share needs no acceptance: the \
                API reference has no accept call, and the shared-images list shows what others shared (center \
                thirdparty).",
        effect: NoAcceptance,
    },
    Rule {
        id: "HS-VALID-UNTIL",
        topic: Expiry,
        text: "A share is valid until a date or permanently; after it ends the recipient loses access, and the share stays listed as invalid.",
        short: "date or forever",
        basis: Seed,
        source: SEED,
        quote: "Set a validity period. If you want the image to be permanently accessible to the account, select \
                Permanently valid.",
        url: "https://docs.otc.t-systems.com/software-repository-container/umn/image_management/sharing_private_images.html",
        notes: "After the deadline the recipient can neither pull nor describe the repository (Expired, answered \
                403 SVCSTG.SWR.4037020, code assumed); listings keep the access domain with status false (valid: \
                false), as the API reference's `status` field describes. Assumed: a deadline that is not in the \
                future is refused when sharing or updating (400 SVCSTG.SWR.4000014); the reference does not say. \
                The wire API requires `deadline`; an omitted validity means `forever` here.",
        effect: ShareValidity,
    },
    Rule {
        id: "HS-DESCRIPTION",
        topic: Expiry,
        text: "A share's description is at most 1,000 characters.",
        short: "≤ 1000 chars",
        basis: Seed,
        source: SEED,
        quote: "Enter a maximum of 1,000 characters.",
        url: "https://docs.otc.t-systems.com/software-repository-container/umn/image_management/sharing_private_images.html",
        notes: "Characters, not bytes, are counted. Over the limit: 413 SVCSTG.SWR.4131012 (documented code; \
                that it applies to access domains is inferred).",
        effect: ShareDescription { max: 1000 },
    },
    Rule {
        id: "HS-UPDATE",
        topic: Expiry,
        text: "The owner updates a share's deadline and description (PATCH access domain); extending an expired share restores access.",
        short: "update deadline, description",
        basis: ApiReference,
        source: "API reference: UpdateRepoDomains (PATCH …/access-domains/{access_domain})",
        quote: "Update an account used for image sharing. … Valid until (UTC). If the sharing is permanent, the \
                value is forever.",
        url: "https://support.huaweicloud.com/intl/en-us/ae-ad-1-api-swr/swr_02_0072.html",
        notes: "The PATCH body requires permit (`read`) and deadline; the simulator leaves out what is not given. \
                Quoted from the ME-Abu Dhabi edition of the API reference, the one whose copy of this page was \
                found. That extending an expired share restores access is not stated; it follows from the deadline \
                being the share's validity.",
        effect: ModifyShare,
    },
    Rule {
        id: "HS-PULL-ONLY",
        topic: Permissions,
        text: "Recipients get read-only access: they can view and pull the image, nothing else.",
        short: "view, pull",
        basis: Seed,
        source: SEED,
        quote: "The users with whom you share your images only have the read-only permission, which only allows them \
                to pull the images.",
        url: "https://docs.otc.t-systems.com/software-repository-container/umn/image_management/sharing_private_images.html",
        notes: "A recipient cannot change, delete or push to the repository (403 SVCSTG.SWR.4037020). \
                Covers the read-only recipient: no separate rule.",
        effect: RecipientUse { actions: &[A::Describe, A::Launch] },
    },
    Rule {
        id: "HS-PERMIT-READ",
        topic: Permissions,
        text: "The only permission a share can grant is read (pull): permit must be `read`.",
        short: "permit = read",
        basis: ApiReference,
        source: CREATE,
        quote: "Currently, only the read permission is supported.",
        url: "https://support.huaweicloud.com/en-us/api-swr/swr_02_0070.html",
        notes: "The seed: \"Only the Pull permission is supported currently.\" `pull` is taken as a synonym. \
                Any other permit is refused with 400 SVCSTG.SWR.4001066 (code inferred). In the engine this \
                rule also makes `launch` a `docker pull`.",
        effect: PullOnly,
    },
    Rule {
        id: "HS-FROM-OTHERS",
        topic: Listing,
        text: "Recipients list what was shared with them (Images From Others), with tags and the pull command.",
        short: "Images From Others",
        basis: Seed,
        source: SEED,
        quote: "A user under the account with which you shared the image can then log in to the SWR console to view \
                the image by clicking My Images > Images From Others. On the tab, the user can click the target \
                image to check its details, such as the image tag and image pull command.",
        url: "https://docs.otc.t-systems.com/software-repository-container/umn/image_management/sharing_private_images.html",
        notes: "API: GET /v2/manage/shared-repositories?center=thirdparty. Expired shares stay listed with \
                status false (inferred from the field's meaning).",
        effect: SharedWithMeListing,
    },
    Rule {
        id: "HS-MY-SHARED",
        topic: Listing,
        text: "Owners list what they have shared (My shared images).",
        short: "My shared images",
        basis: Seed,
        source: SEED,
        quote: "To view all the images that you have shared, choose My Images in the navigation pane, click the \
                Private Images tab, and select My shared images.",
        url: "https://docs.otc.t-systems.com/software-repository-container/umn/image_management/sharing_private_images.html",
        notes: "API: GET /v2/manage/shared-repositories?center=self; the accounts of one repository come from \
                GET …/access-domains.",
        effect: MySharedListing,
    },
    Rule {
        id: "HS-DELETE-SHARED",
        topic: Deletion,
        text: "Deleting a shared repository is allowed; its access domains go with it.",
        short: "allowed; shares dropped",
        basis: Assumed,
        source: "API reference: DeleteRepo (DELETE /v2/manage/namespaces/{namespace}/repos/{repository})",
        quote: "",
        url: "",
        notes: "No source blocks deleting a shared repository or says what happens to its access domains; \
                they are assumed removed (providers/huawei-swr.md §5.7 [INF]). The API refuses to delete a \
                repository that still holds images (406 SVCSTG.SWR.4060012); the simulator's delete is the \
                console's, which removes the images with the repository.",
        effect: DeleteWhileShared { then: DeleteShared::Cascade },
    },
    Rule {
        id: "HS-AFTER-UNSHARE",
        topic: AfterUnshare,
        text: "Once its access domain is deleted, the account can no longer see or pull the repository.",
        short: "access lost",
        basis: ApiReference,
        source: "API reference: DeleteRepoDomains",
        quote: "Delete an account used for image sharing.",
        url: "https://support.huaweicloud.com/en-us/api-swr/swr_02_0071.html",
        notes: "The access domain is the recipient's only permission; without it the repository is another account's \
                private repository (404). No sentence says what the account loses: the reference says sharing is \
                what grants it \"permissions to pull the images\" (CreateRepoDomains).",
        effect: LoseAccessOnUnshare,
    },
    Rule {
        id: "HS-AFTER-DELETE",
        topic: AfterUnshare,
        text: "A deleted repository cannot be pulled or seen by anyone, owner or recipient.",
        short: "gone",
        basis: ApiReference,
        source: "API reference: DeleteRepo",
        quote: "Delete an image repository in an organization.",
        url: "https://support.huaweicloud.com/en-us/api-swr/swr_02_0031.html",
        notes: "Follows from HS-DELETE-SHARED: the access domains are gone with the repository. No sentence says a \
                deleted repository can no longer be pulled or seen; it follows from the repository being gone.",
        effect: LoseAccessOnDelete,
    },
    Rule {
        id: "HS-NO-API",
        topic: Api,
        text: "SWR has no instances, disks, copies of shared images, key grants or Lighthouse: a pull is the only use.",
        short: "copy, disks, keys",
        basis: ApiReference,
        source: "API reference: SWR API (repositories, tags, access domains, shared repositories)",
        quote: "You can query information about organizations, image repositories, and images, and manage \
                organizations, image repositories, and images by using APIs provided by SWR.",
        url: "https://support.huaweicloud.com/intl/en-us/api-swr/swr_02_0065.html",
        notes: "A recipient who wants its own copy pulls, re-tags and pushes to its own namespace: that is outside \
                the sharing API. The mock answers these with 404 APIGW.0101. No sentence lists what SWR lacks: the \
                API reference's chapters cover organizations, repositories, tags, shared accounts, permissions, \
                image synchronization, triggers, retention policies, login commands and quotas.",
        effect: NoApi {
            actions: &[
                A::Copy,
                A::ReinitDisk,
                A::ReplaceSystemDisk,
                A::AuthorizeKey,
                A::RevokeKey,
                A::ListKeyGrants,
                A::ShareToLighthouse,
                A::ShareToCvm,
                A::StopInstance,
                A::DeleteInstance,
                A::ListInstances,
            ],
        },
    },
    Rule {
        id: "HS-NO-RENAME",
        topic: Permissions,
        text: "A repository's name is part of its address: it cannot be renamed, only its description and visibility changed.",
        short: "no rename",
        basis: ApiReference,
        source: "API reference: UpdateRepo (PATCH …/repos/{repo}: is_public, category, description)",
        quote: "Update the brief information on an image in an organization of a tenant, including the category, \
                is_public, and description.",
        url: "https://support.huaweicloud.com/intl/en-us/api-swr/swr_02_0032.html",
        notes: "No sentence says a repository cannot be renamed: UpdateRepo changes only category, is_public and \
                description, and the name is a path parameter.",
        effect: FixedName,
    },
    Rule {
        id: "HS-NO-QUOTA",
        topic: Quota,
        text: "Repository quotas are not modelled; sharing uses no quota of owner or recipient.",
        short: "not modelled",
        basis: Assumed,
        source: "API reference: ListQuotas (GET /v2/manage/projects/{project_id}/quotas)",
        quote: "",
        url: "",
        notes: "SWR's ListQuotas reports namespace quotas, and repository and tag quotas only when image quotas \
                are switched on, with no documented defaults; no source says sharing counts against any of \
                them. The mock does not publish ListQuotas (404 APIGW.0101).",
        effect: NoApi { actions: &[A::Quota] },
    },
];
