//! One or more tests per Huawei IMS rule. Each asserts the rule ID that decided, or, for rules
//! that allow rather than refuse, the policy field that carries the rule and the behaviour it
//! allows, so removing a rule from the table fails its test.

use rstest::rstest;

use crate::engine::{
    EncryptionSpec, ErrorKind as K, Operation, Output, Product, Request, ShareOptions, ShareStatus, Validity,
};
use crate::providers::Provider;
use crate::rules::{CopyScope, DeleteShared, EncryptedShare, IdentityKind, Repeat};
use crate::testkit::{World, assert_every_rule_tested, created, refused};

const P: Provider = Provider::HuaweiIms;

fn world() -> World {
    World::new(P, 0)
}

fn reject(w: &mut World, actor: &str, image: &str) -> crate::engine::Outcome {
    w.run(actor, Operation::Reject { images: vec![image.into()] })
}

/// The status `actor` sees for each image shared with it in `home`.
fn statuses(w: &mut World, actor: &str) -> Vec<(String, ShareStatus)> {
    match w.run(actor, Operation::ListSharedWithMe) {
        Ok(Output::SharedWithMe { images }) => images.into_iter().map(|i| (i.image, i.status)).collect(),
        other => panic!("expected a listing, got {other:?}"),
    }
}

fn project(w: &World, account: &str, region: &str) -> String {
    w.engine.identity_of(account, IdentityKind::ProjectId, region).unwrap()
}

fn authorize(w: &mut World, image: &str, to: &str) -> crate::engine::Outcome {
    let recipient = w.id(to);
    w.run("owner", Operation::AuthorizeKey { image: image.into(), recipient })
}

fn revoke(w: &mut World, image: &str, to: &str) -> crate::engine::Outcome {
    let recipient = w.id(to);
    w.run("owner", Operation::RevokeKey { image: image.into(), recipient })
}

fn key_of(w: &World, image: &str) -> Option<String> {
    w.engine.state().images.iter().find(|i| i.id == image).and_then(|i| i.key.clone())
}

#[test]
fn every_rule_has_a_test() {
    assert_every_rule_tested(P, include_str!("tests.rs"));
}

#[test]
fn identities_have_the_huawei_shapes() {
    let w = world();
    let hex32 = |s: &str| s.len() == 32 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let ids: Vec<_> = ["home", "away", "third"].iter().map(|r| project(&w, "alice", r)).collect();
    assert!(ids.iter().all(|i| hex32(i)), "{ids:?}");
    assert!(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2], "one project per region");
    let domain = w.engine.identity_of("alice", IdentityKind::DomainId, "home").unwrap();
    assert!(hex32(&domain) && !ids.contains(&domain));
    assert_eq!(w.engine.identity_of("alice", IdentityKind::AccountName, "home").unwrap(), "alice");
    assert_eq!((P.spec().classify)(&ids[0]), Some(IdentityKind::ProjectId));
    assert_eq!((P.spec().classify)("alice"), None);
    assert_eq!((P.spec().classify)(&ids[0].to_uppercase()), None);
    let mut w = w;
    let img = w.image("owner");
    assert_eq!(img.len(), 36, "image IDs are UUIDs: {img}");
    assert_eq!(w.instance("owner", &img).len(), 36, "ECS server IDs are UUIDs");
}

#[test]
fn share_accept_then_launch() {
    let mut w = world();
    let img = w.image("owner");
    assert!(w.share("owner", &img, &["alice"]).is_ok());
    assert_eq!(w.shared_with_me("alice"), vec![img.clone()]);
    w.accept("alice", &img).unwrap();
    assert!(w.launch("alice", &img).is_ok());
    assert!(w.shared_with_me("bob").is_empty());
}

#[rstest]
#[case::domain_id(Some(IdentityKind::DomainId))]
#[case::account_name(Some(IdentityKind::AccountName))]
#[case::malformed(None)]
fn project_id_only(#[case] kind: Option<IdentityKind>) {
    let mut w = world();
    let img = w.image("owner");
    let wrong = match kind {
        Some(k) => w.engine.identity_of("alice", k, "home").unwrap(),
        None => "0A1B2C3D-not-a-project".into(),
    };
    assert_eq!(refused(w.share_raw("owner", &img, vec![wrong])), (K::InvalidRecipient, "HI-PROJECT-ID"));
    assert_eq!(P.policy().recipient_identity.map(|(r, k)| (r.id, k)), Some(("HI-PROJECT-ID", IdentityKind::ProjectId)));
}

#[test]
fn unknown_project_is_refused() {
    let mut w = world();
    let img = w.image("owner");
    let nobody = "0123456789abcdef0123456789abcdef".to_string();
    assert_eq!(refused(w.share_raw("owner", &img, vec![nobody])), (K::RecipientNotFound, "HI-PROJECT-EXISTS"));
}

#[test]
fn not_with_yourself() {
    let mut w = world();
    let img = w.image("owner");
    assert_eq!(refused(w.share("owner", &img, &["owner"])), (K::ShareWithSelf, "HI-SELF-SHARE"));
}

#[rstest]
#[case::cancel("cancel")]
#[case::list("list")]
#[case::authorize_key("authorize")]
#[case::revoke_key("revoke")]
fn owner_only(#[case] what: &str) {
    let mut w = world();
    let img = w.encrypted("owner", EncryptionSpec::CustomKey);
    authorize(&mut w, &img, "alice").unwrap();
    w.share("owner", &img, &["alice"]).unwrap();
    w.accept("alice", &img).unwrap();
    let bob = w.id("bob");
    let image = img.clone();
    let op = match what {
        "cancel" => Operation::CancelShare { image, recipients: vec![bob] },
        "list" => Operation::ListShares { image },
        "authorize" => Operation::AuthorizeKey { image, recipient: bob },
        _ => Operation::RevokeKey { image, recipient: bob },
    };
    assert_eq!(refused(w.run("alice", op)), (K::NotOwner, "HI-OWNER"));
}

#[test]
fn no_reshare() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    w.accept("alice", &img).unwrap();
    assert_eq!(refused(w.share("alice", &img, &["bob"])), (K::ReshareForbidden, "HI-NO-RESHARE"));
    // The way to pass it on: replicate it into an own private image and share that.
    let mine = created(w.copy("alice", &img, "home"));
    assert!(w.share("alice", &mine, &["bob"]).is_ok());
}

#[test]
fn public_images_are_not_shared() {
    let mut w = world();
    let img = w.public("owner");
    assert_eq!(refused(w.share("owner", &img, &["alice"])), (K::PublicNotShareable, "HI-PUBLIC"));
}

#[test]
fn only_active_images() {
    let mut w = world();
    let img = w.image_with("owner", |n| n.ready_after = 60);
    assert_eq!(refused(w.share("owner", &img, &["alice"])), (K::ImageNotAvailable, "HI-AVAILABLE"));
    w.run("owner", Operation::AdvanceClock { seconds: 60 }).unwrap();
    assert!(w.share("owner", &img, &["alice"]).is_ok());
}

#[test]
fn default_key_images_are_not_shared() {
    let mut w = world();
    let img = w.encrypted("owner", EncryptionSpec::DefaultKey);
    assert_eq!(refused(w.share("owner", &img, &["alice"])), (K::EncryptedNotShareable, "HI-ENCRYPTED-KEY"));
    assert_eq!(
        P.policy().encryption.map(|(r, d, c)| (r.id, d, c)),
        Some(("HI-ENCRYPTED-KEY", EncryptedShare::Refused, EncryptedShare::NeedsKeyGrant))
    );
}

#[test]
fn custom_key_images_need_the_key_authorized_to_each_recipient() {
    let mut w = world();
    let img = w.encrypted("owner", EncryptionSpec::CustomKey);
    assert_eq!(refused(w.share("owner", &img, &["alice"])), (K::KeyNotAuthorized, "HI-ENCRYPTED-KEY"));
    authorize(&mut w, &img, "alice").unwrap();
    // Authorized to alice only: a request naming bob too is refused whole.
    assert_eq!(refused(w.share("owner", &img, &["alice", "bob"])), (K::KeyNotAuthorized, "HI-ENCRYPTED-KEY"));
    assert!(w.members("owner", &img).is_empty(), "nobody was added");
    assert!(w.share("owner", &img, &["alice"]).is_ok());
    // A key can only be authorized for an image that has a custom key.
    let plain = w.image("owner");
    assert_eq!(refused(authorize(&mut w, &plain, "alice")), (K::InvalidParameter, "HI-ENCRYPTED-KEY"));
}

#[test]
fn encrypted_share_lifecycle_and_key_revocation() {
    let mut w = world();
    let img = w.encrypted("owner", EncryptionSpec::CustomKey);
    authorize(&mut w, &img, "alice").unwrap();
    w.share("owner", &img, &["alice"]).unwrap();
    assert_eq!(refused(w.launch("alice", &img)), (K::NotAccepted, "HI-ACCEPT"));
    w.accept("alice", &img).unwrap();
    let inst = w.instance("alice", &img);
    // Replicating re-encrypts the recipient's copy with a key of its own (HI-ENCRYPTED-USE).
    let mine = created(w.copy("alice", &img, "home"));
    assert!(key_of(&w, &mine).is_some() && key_of(&w, &mine) != key_of(&w, &img));
    // The owner cancels the key authorization: the shared image is unusable to alice.
    revoke(&mut w, &img, "alice").unwrap();
    assert_eq!(refused(w.launch("alice", &img)), (K::KeyNotAuthorized, "HI-KEY-REVOKE"));
    assert_eq!(refused(w.reinit("alice", &inst)), (K::KeyNotAuthorized, "HI-KEY-REVOKE"));
    assert_eq!(refused(w.copy("alice", &img, "home")), (K::KeyNotAuthorized, "HI-KEY-REVOKE"));
    // ... but the copy she replicated before is hers and still launches.
    assert!(w.launch("alice", &mine).is_ok());
    // Authorizing the key again makes the share usable again.
    authorize(&mut w, &img, "alice").unwrap();
    assert!(w.launch("alice", &img).is_ok());
    assert_eq!(P.policy().key_revocation.map(|r| r.id), Some("HI-KEY-REVOKE"));
}

#[test]
fn limit_128_at_the_boundary() {
    let mut w = World::new(P, 129);
    let img = w.image("owner");
    let first100 = w.users(1, 100);
    w.share_raw("owner", &img, first100).unwrap();
    let next27 = w.users(101, 127);
    w.share_raw("owner", &img, next27).unwrap();
    let the_128th = w.users(128, 128);
    assert!(w.share_raw("owner", &img, the_128th).is_ok(), "the 128th member is allowed");
    let the_129th = w.users(129, 129);
    assert_eq!(refused(w.share_raw("owner", &img, the_129th)), (K::ShareLimitExceeded, "HI-LIMIT-128"));
    assert_eq!(w.members("owner", &img).len(), 128);
}

#[test]
fn limit_refuses_a_batch_whole() {
    let mut w = World::new(P, 129);
    let img = w.image("owner");
    let first100 = w.users(1, 100);
    w.share_raw("owner", &img, first100).unwrap();
    let next29 = w.users(101, 129);
    assert_eq!(refused(w.share_raw("owner", &img, next29)), (K::ShareLimitExceeded, "HI-LIMIT-128"));
    assert_eq!(w.members("owner", &img).len(), 100, "nobody of the refused request was added");
}

#[test]
fn full_ecs_limit_10_at_the_boundary() {
    let mut w = World::new(P, 11);
    let img = w.full_server("owner");
    let first10 = w.users(1, 10);
    assert!(w.share_raw("owner", &img, first10).is_ok(), "10 members are allowed");
    let eleventh = w.users(11, 11);
    assert_eq!(refused(w.share_raw("owner", &img, eleventh)), (K::ShareLimitExceeded, "HI-FULL-ECS-LIMIT-10"));
    // A disk image of the same owner is not bound by the full-ECS limit.
    let disk = w.image("owner");
    let eleven = w.users(1, 11);
    assert!(w.share_raw("owner", &disk, eleven).is_ok());
}

#[test]
fn many_images_with_many_projects_in_one_request() {
    let mut w = world();
    let images = vec![w.image("owner"), w.image("owner"), w.image("owner")];
    let recipients = w.ids(&["alice", "bob"]);
    let op = Operation::Share { images: images.clone(), recipients, options: ShareOptions::default() };
    assert!(w.run("owner", op).is_ok());
    for img in &images {
        assert_eq!(w.members("owner", img), vec!["alice".to_string(), "bob".to_string()]);
    }
    assert_eq!(w.shared_with_me("alice").len(), 3);
    assert_eq!(P.policy().images_per_request.map(|(r, many)| (r.id, many)), Some(("HI-BATCH", true)));
}

#[test]
fn a_batch_with_one_bad_image_adds_nobody() {
    let mut w = world();
    let (good, public) = (w.image("owner"), w.public("owner"));
    let recipients = w.ids(&["alice"]);
    let op = Operation::Share { images: vec![good.clone(), public], recipients, options: ShareOptions::default() };
    assert_eq!(refused(w.run("owner", op)), (K::PublicNotShareable, "HI-PUBLIC"));
    assert!(w.members("owner", &good).is_empty(), "HI-BATCH requests are validated whole");
}

#[test]
fn at_most_100_projects_per_request() {
    let mut w = World::new(P, 101);
    let img = w.image("owner");
    let hundred = w.users(1, 100);
    assert!(w.share_raw("owner", &img, hundred).is_ok(), "100 project IDs in one request");
    let other = w.image("owner");
    let hundred_and_one = w.users(1, 101);
    assert_eq!(refused(w.share_raw("owner", &other, hundred_and_one)), (K::BatchLimitExceeded, "HI-100-PER-REQUEST"));
    assert!(w.members("owner", &other).is_empty(), "nothing is truncated or added");
}

#[test]
fn same_region_only() {
    let mut w = world();
    let img = w.image("owner");
    // alice's project in `away` names the right account in the wrong region.
    let alice_away = project(&w, "alice", "away");
    assert_eq!(refused(w.share_raw("owner", &img, vec![alice_away])), (K::RecipientInOtherRegion, "HI-SAME-REGION"));
    // A call made in another region does not reach the image.
    let alice = w.id("alice");
    let op = Operation::Share { images: vec![img.clone()], recipients: vec![alice], options: ShareOptions::default() };
    assert_eq!(refused(w.run_in("owner", "away", op)), (K::CrossRegion, "HI-SAME-REGION"));
    w.share("owner", &img, &["alice"]).unwrap();
    w.accept("alice", &img).unwrap();
    let launch = Operation::Launch { image: img, product: Product::Cvm };
    assert_eq!(refused(w.run_in("alice", "away", launch)), (K::CrossRegion, "HI-SAME-REGION"));
}

#[test]
fn replicate_then_share_in_another_region() {
    let mut w = world();
    let img = w.image("owner");
    let copy = created(w.copy("owner", &img, "away"));
    let alice_away = project(&w, "alice", "away");
    let op =
        Operation::Share { images: vec![copy.clone()], recipients: vec![alice_away], options: ShareOptions::default() };
    assert!(w.run_in("owner", "away", op).is_ok());
    match w.run_in("alice", "away", Operation::ListSharedWithMe) {
        Ok(Output::SharedWithMe { images }) => assert_eq!(images[0].image, copy),
        other => panic!("{other:?}"),
    }
    assert!(w.shared_with_me("alice").is_empty(), "nothing in home");
}

#[test]
fn pending_until_accepted_and_rejected_stays_usable() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    assert_eq!(statuses(&mut w, "alice"), vec![(img.clone(), ShareStatus::Pending)]);
    assert_eq!(refused(w.launch("alice", &img)), (K::NotAccepted, "HI-ACCEPT"));
    w.accept("alice", &img).unwrap();
    assert_eq!(statuses(&mut w, "alice"), vec![(img.clone(), ShareStatus::Accepted)]);
    let inst = w.instance("alice", &img);
    reject(&mut w, "alice", &img).unwrap();
    assert_eq!(statuses(&mut w, "alice"), vec![(img.clone(), ShareStatus::Rejected)]);
    // The API reference: a rejected image is hidden, but "the user can still use it to create
    // ECSs" (issue 10 corrected the earlier reading that a rejected share is unusable).
    assert!(w.launch("alice", &img).is_ok());
    assert!(w.reinit("alice", &inst).is_ok());
    // Replicating still needs an accepted share (HI-COPY-ACCEPTED).
    let copy = w.run(
        "alice",
        crate::engine::Operation::Copy { image: img.clone(), to_region: "away".into(), name: None, own_key: false },
    );
    assert_eq!(refused(copy).0, K::NotAccepted);
    // A rejected image can be accepted again.
    w.accept("alice", &img).unwrap();
    assert!(w.launch("alice", &img).is_ok());
    assert!(w.reinit("alice", &inst).is_ok());
}

#[test]
fn only_recipients_accept() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    assert_eq!(refused(w.accept("owner", &img)), (K::NotShared, "HI-ACCEPT"));
    assert_eq!(refused(w.accept("bob", &img)).0, K::NotFound);
}

#[rstest]
#[case::modify(Operation::Modify { image: String::new(), name: Some("mine".into()), description: None })]
#[case::delete(Operation::Delete { image: String::new() })]
fn recipient_is_read_only(#[case] mut op: Operation) {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    w.accept("alice", &img).unwrap();
    if let Operation::Modify { image, .. } | Operation::Delete { image } = &mut op {
        *image = img.clone();
    }
    assert_eq!(refused(w.run("alice", op.clone())), (K::PermissionDenied, "HI-RECIPIENT-READONLY"));
    assert!(w.run("owner", op).is_ok(), "the owner may");
}

#[test]
fn recipient_creates_reinstalls_replaces_and_replicates() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    w.accept("alice", &img).unwrap();
    let inst = w.instance("alice", &img);
    assert!(w.reinit("alice", &inst).is_ok());
    let own = w.image("alice");
    let other = w.instance("alice", &own);
    assert!(w.run("alice", Operation::ReplaceSystemDisk { instance: other, image: img.clone() }).is_ok());
    assert!(w.copy("alice", &img, "home").is_ok());
    assert!(w.run("alice", Operation::Describe { image: img }).is_ok());
    let (rule, actions) = P.policy().recipient_use.unwrap();
    assert_eq!(rule.id, "HI-ENCRYPTED-USE");
    assert!(actions.contains(&crate::engine::Action::Launch) && actions.contains(&crate::engine::Action::Copy));
}

#[test]
fn duplicate_share_is_a_no_op() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    w.accept("alice", &img).unwrap();
    let out = w.share("owner", &img, &["alice"]).unwrap();
    assert_eq!(out, Output::Shared { added: vec![], unchanged: vec![w.id("alice")] });
    assert_eq!(statuses(&mut w, "alice"), vec![(img, ShareStatus::Accepted)], "the member keeps its status");
    assert_eq!(P.policy().duplicate_share.map(|(r, rep)| (r.id, rep)), Some(("HI-DUPLICATE", Repeat::Ignore)));
}

#[test]
fn cancel_for_a_non_member_is_a_no_op() {
    let mut w = world();
    let img = w.image("owner");
    let out = w.cancel("owner", &img, &["bob"]).unwrap();
    assert_eq!(out, Output::Unshared { removed: vec![], absent: vec![w.id("bob")] });
    assert_eq!(
        P.policy().cancel_non_member.map(|(r, rep)| (r.id, rep)),
        Some(("HI-CANCEL-NON-MEMBER", Repeat::Ignore))
    );
}

#[rstest]
#[case::shared_with_me(Operation::ListSharedWithMe, "HI-SHARED-LIST")]
#[case::my_shared(Operation::ListMyShared, "HI-MY-SHARED")]
fn listings_exist(#[case] op: Operation, #[case] rule: &str) {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice", "bob"]).unwrap();
    let actor = if rule == "HI-SHARED-LIST" { "alice" } else { "owner" };
    match w.run(actor, op) {
        Ok(Output::SharedWithMe { images }) => assert_eq!(images[0].status, ShareStatus::Pending),
        Ok(Output::MyShared { images }) => assert_eq!(images[0].members, 2),
        other => panic!("{other:?}"),
    }
    let field = match rule {
        "HI-SHARED-LIST" => P.policy().shared_with_me,
        _ => P.policy().my_shared,
    };
    assert_eq!(field.map(|r| r.id), Some(rule));
}

#[test]
fn image_quota_50_per_region() {
    let mut w = world();
    assert_eq!(w.run("owner", Operation::Quota).unwrap(), Output::Quota { used: 0, limit: 50 });
    for _ in 0..50 {
        w.image("owner");
    }
    let new = crate::engine::NewImage { name: "one-too-many".into(), region: "home".into(), ..Default::default() };
    assert_eq!(refused(w.run("owner", Operation::CreateImage(new.clone()))), (K::QuotaExceeded, "HI-IMAGE-QUOTA"));
    let away = crate::engine::NewImage { region: "away".into(), ..new };
    assert!(w.run("owner", Operation::CreateImage(away)).is_ok(), "the quota is per region");
}

#[test]
fn sharing_uses_no_quota() {
    let mut w = world();
    let (a, b) = (w.image("owner"), w.image("owner"));
    w.share("owner", &a, &["alice", "bob"]).unwrap();
    w.share("owner", &b, &["alice"]).unwrap();
    assert_eq!(w.run("alice", Operation::Quota).unwrap(), Output::Quota { used: 0, limit: 50 }, "HI-RECIPIENT-QUOTA");
    assert_eq!(w.run("owner", Operation::Quota).unwrap(), Output::Quota { used: 2, limit: 50 }, "HI-OWNER-QUOTA");
    assert_eq!(P.policy().recipient_quota_free.map(|r| r.id), Some("HI-RECIPIENT-QUOTA"));
    assert_eq!(P.policy().owner_quota_free.map(|r| r.id), Some("HI-OWNER-QUOTA"));
    // A recipient's replica is its own image and counts.
    w.accept("alice", &a).unwrap();
    w.copy("alice", &a, "home").unwrap();
    assert_eq!(w.run("alice", Operation::Quota).unwrap(), Output::Quota { used: 1, limit: 50 });
}

#[test]
fn delete_while_shared_is_allowed_and_members_lose_it() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice", "bob"]).unwrap();
    w.accept("alice", &img).unwrap();
    assert!(w.delete("owner", &img).is_ok(), "no need to remove the members first");
    assert!(w.shared_with_me("alice").is_empty());
    assert!(w.shared_with_me("bob").is_empty());
    assert_eq!(refused(w.launch("alice", &img)), (K::NotFound, "HI-AFTER-DELETE"));
    assert_eq!(
        P.policy().delete_while_shared.map(|(r, then)| (r.id, then)),
        Some(("HI-DELETE-SHARED", DeleteShared::Cascade))
    );
}

#[test]
fn after_unshare_access_is_lost() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    w.accept("alice", &img).unwrap();
    let inst = w.instance("alice", &img);
    w.cancel("owner", &img, &["alice"]).unwrap();
    assert!(w.shared_with_me("alice").is_empty());
    assert_eq!(refused(w.launch("alice", &img)), (K::NotFound, "HI-AFTER-UNSHARE"));
    assert_eq!(refused(w.reinit("alice", &inst)), (K::NotFound, "HI-AFTER-UNSHARE"));
    assert_eq!(refused(w.run("alice", Operation::Describe { image: img })), (K::NotFound, "HI-AFTER-UNSHARE"));
}

#[test]
fn after_delete_nobody_uses_it() {
    let mut w = world();
    let img = w.image("owner");
    let inst = w.instance("owner", &img);
    w.delete("owner", &img).unwrap();
    assert_eq!(refused(w.reinit("owner", &inst)), (K::NotFound, "HI-AFTER-DELETE"));
    assert_eq!(refused(w.launch("owner", &img)), (K::NotFound, "HI-AFTER-DELETE"));
}

#[rstest]
#[case::within_the_region("home")]
#[case::across_regions("away")]
fn owner_replicates_anywhere(#[case] to: &str) {
    let mut w = world();
    let img = w.image("owner");
    assert!(w.copy("owner", &img, to).is_ok());
    assert_eq!(P.policy().owner_copy.map(|(r, s)| (r.id, s)), Some(("HI-COPY", CopyScope::ANY)));
}

#[rstest]
#[case::custom_key(EncryptionSpec::CustomKey)]
#[case::default_key(EncryptionSpec::DefaultKey)]
fn encrypted_images_stay_in_their_region(#[case] e: EncryptionSpec) {
    let mut w = world();
    let img = w.encrypted("owner", e);
    assert_eq!(refused(w.copy("owner", &img, "away")), (K::EncryptedNotCopyable, "HI-COPY-ENCRYPTED"));
    assert!(w.copy("owner", &img, "home").is_ok(), "in-region replication is allowed");
    // Replicating with an own key changes the key.
    let op = Operation::Copy { image: img.clone(), to_region: "home".into(), name: None, own_key: true };
    let rekeyed = created(w.run("owner", op));
    assert!(key_of(&w, &rekeyed).is_some() && key_of(&w, &rekeyed) != key_of(&w, &img));
}

#[test]
fn recipient_replicates_after_accepting_in_the_region() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    // Pending: the engine's acceptance check (HI-ACCEPT) decides first; the wire code is IMG.0196.
    let (kind, _) = refused(w.copy("alice", &img, "home"));
    assert_eq!(kind, K::NotAccepted);
    assert_eq!((P.spec().wire_error)(kind, crate::engine::Action::Copy).code, "IMG.0196");
    w.accept("alice", &img).unwrap();
    assert_eq!(refused(w.copy("alice", &img, "away")), (K::CrossRegion, "HI-COPY-ACCEPTED"));
    let mine = created(w.copy("alice", &img, "home"));
    // Her replica is her own private image: she may replicate it across regions.
    assert!(w.copy("alice", &mine, "away").is_ok());
    assert_eq!(
        P.policy().recipient_copy.map(|(r, s, n)| (r.id, s, n)),
        Some(("HI-COPY-ACCEPTED", CopyScope::SAME, true))
    );
}

#[rstest]
#[case::validity(ShareOptions { validity: Some(Validity::Forever), ..Default::default() })]
#[case::description(ShareOptions { description: Some("x".into()), ..Default::default() })]
#[case::permission(ShareOptions { permission: Some("pull".into()), ..Default::default() })]
fn no_share_options(#[case] options: ShareOptions) {
    let mut w = world();
    let img = w.image("owner");
    assert_eq!(refused(w.share_with("owner", &img, &["alice"], options)), (K::Unsupported, "HI-NO-API"));
}

#[test]
fn no_share_modification_and_no_lighthouse() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    let alice = w.id("alice");
    let modify = Operation::ModifyShare { image: img.clone(), recipient: alice, options: ShareOptions::default() };
    assert_eq!(refused(w.run("owner", modify)), (K::Unsupported, "HI-NO-API"));
    assert_eq!(refused(w.run("owner", Operation::ShareToLighthouse { image: img })), (K::Unsupported, "HI-NO-API"));
}

#[rstest]
#[case::unknown_image(K::NotFound, crate::engine::Action::Share, 400, "IMG.0027")]
#[case::glance_describe(K::NotFound, crate::engine::Action::Describe, 404, "IMG.0027")]
#[case::not_owner(K::NotOwner, crate::engine::Action::CancelShare, 400, "IMG.0047")]
#[case::reshare(K::ReshareForbidden, crate::engine::Action::Share, 400, "IMG.0047")]
#[case::recipient_delete(K::PermissionDenied, crate::engine::Action::Delete, 400, "IMG.0092")]
#[case::self_share(K::ShareWithSelf, crate::engine::Action::Share, 400, "IMG.0076")]
#[case::limit(K::ShareLimitExceeded, crate::engine::Action::Share, 400, "IMG.0088")]
#[case::public(K::PublicNotShareable, crate::engine::Action::Share, 400, "IMG.0089")]
#[case::encrypted(K::EncryptedNotShareable, crate::engine::Action::Share, 400, "IMG.0098")]
#[case::bad_project(K::InvalidRecipient, crate::engine::Action::Share, 400, "IMG.0067")]
#[case::no_project(K::RecipientNotFound, crate::engine::Action::Share, 400, "IMG.0108")]
#[case::project_elsewhere(K::RecipientInOtherRegion, crate::engine::Action::Share, 400, "IMG.0108")]
#[case::call_elsewhere(K::CrossRegion, crate::engine::Action::Launch, 400, "IMG.0027")]
#[case::copy_encrypted(K::EncryptedNotCopyable, crate::engine::Action::Copy, 400, "IMG.0143")]
#[case::copy_pending(K::NotAccepted, crate::engine::Action::Copy, 400, "IMG.0196")]
#[case::unavailable(K::ImageNotAvailable, crate::engine::Action::Share, 400, "IMG.0046")]
#[case::key(K::KeyNotAuthorized, crate::engine::Action::Launch, 400, "IMG.0099")]
#[case::quota(K::QuotaExceeded, crate::engine::Action::CreateImage, 400, "IMG.0015")]
#[case::auth(K::UnknownAccount, crate::engine::Action::Share, 401, "APIGW.0301")]
fn wire_errors(#[case] kind: K, #[case] action: crate::engine::Action, #[case] status: u16, #[case] code: &str) {
    let wire = (P.spec().wire_error)(kind, action);
    assert_eq!((wire.status, wire.code), (status, code), "{kind:?} {action:?}");
}

#[test]
fn requests_in_another_regions_id_resolve() {
    // Region IDs work wherever abstract names do.
    let mut w = world();
    let img = w.image("owner");
    let alice = w.id("alice");
    let op = Operation::Share { images: vec![img], recipients: vec![alice], options: ShareOptions::default() };
    assert!(w.engine.apply(&Request::new("owner", op).in_region("cn-north-4")).is_ok());
}
