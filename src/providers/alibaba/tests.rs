//! One or more tests per Alibaba rule. Each asserts the rule ID that decided, or, for rules
//! that allow rather than refuse, that the policy carries the rule and the behaviour follows,
//! so removing a rule from the table fails its test.

use rstest::rstest;

use crate::engine::{
    Action, EncryptionSpec, Engine, ErrorKind as K, NewImage, Operation, Output, Product, Settings, ShareOptions,
    Validity,
};
use crate::providers::Provider;
use crate::rules::{CopyScope, EncryptedShare, IdentityKind, Overflow, Repeat};
use crate::testkit::{World, assert_every_rule_tested, created, refused};

const P: Provider = Provider::Alibaba;

fn world() -> World {
    World::new(P, 0)
}

/// A world with `owner`, `alice`, `bob` and `user1..=n`, with its settings.
fn world_with(settings: Settings, n: usize) -> World {
    let mut w = world();
    w.engine = Engine::with_settings(P, 7, settings);
    for a in ["owner", "alice", "bob"] {
        w.engine.add_account(a).unwrap();
    }
    for i in 1..=n {
        w.engine.add_account(&format!("user{i}")).unwrap();
    }
    w
}

/// Shares in requests of at most 10 accounts, as AL-BATCH-10 requires.
fn share_in_batches(w: &mut World, img: &str, recipients: Vec<String>) {
    for chunk in recipients.chunks(10) {
        w.share_raw("owner", img, chunk.to_vec()).unwrap();
    }
}

fn replace_disk(w: &mut World, actor: &str, instance: &str, image: &str) -> crate::engine::Outcome {
    w.run(actor, Operation::ReplaceSystemDisk { instance: instance.into(), image: image.into() })
}

fn describe(w: &mut World, actor: &str, image: &str) -> crate::engine::Outcome {
    w.run(actor, Operation::Describe { image: image.into() })
}

#[test]
fn every_rule_has_a_test() {
    assert_every_rule_tested(P, include_str!("tests.rs"));
}

// ----- identities and IDs ----------------------------------------------------------------

#[test]
fn ids_have_alibaba_shapes() {
    let mut w = world();
    let alice = w.id("alice");
    assert_eq!(alice.len(), 16);
    assert!(alice.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!((P.spec().classify)(&alice), Some(IdentityKind::AccountId));
    let email = w.engine.identity_of("alice", IdentityKind::LoginEmail, "home").unwrap();
    assert!(email.starts_with("alice@"), "{email}");
    assert_eq!((P.spec().classify)(&email), Some(IdentityKind::LoginEmail));
    assert_eq!((P.spec().classify)("12345"), None);
    let img = w.image("owner");
    assert!(img.starts_with("m-") && img.len() == 22, "{img}");
    assert!(img[2..].bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    let inst = w.instance("owner", &img);
    assert!(inst.starts_with("i-") && inst.len() == 22, "{inst}");
    match w.run("owner", Operation::Quota) {
        Ok(Output::Quota { .. }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(w.engine.resolve_region("cn-hangzhou").unwrap(), 0);
}

// ----- recipients --------------------------------------------------------------------------

#[test]
fn share_then_recipient_sees_and_launches() {
    let mut w = world();
    let img = w.image("owner");
    assert!(w.share("owner", &img, &["alice"]).is_ok());
    assert_eq!(w.shared_with_me("alice"), vec![img.clone()]);
    assert!(w.launch("alice", &img).is_ok());
    assert!(w.shared_with_me("bob").is_empty());
}

#[rstest]
#[case::login_email("alice@example.com")]
#[case::unknown_email("nobody@example.com")]
#[case::not_an_id("not-a-number")]
#[case::too_short("123456789012")]
fn account_id_only(#[case] wrong: &str) {
    let mut w = world();
    let img = w.image("owner");
    assert_eq!(
        w.engine.identity_of("alice", IdentityKind::LoginEmail, "home").unwrap(),
        "alice@example.com",
        "the first case is alice's real login e-mail"
    );
    assert_eq!(refused(w.share_raw("owner", &img, vec![wrong.into()])), (K::InvalidRecipient, "AL-ACCOUNT-ID"));
    assert!(w.members("owner", &img).is_empty());
}

#[test]
fn unknown_account_id_is_refused() {
    let mut w = world();
    let img = w.image("owner");
    assert_eq!(
        refused(w.share_raw("owner", &img, vec!["1000000000000000".into()])),
        (K::RecipientNotFound, "AL-ACCOUNT-EXISTS")
    );
}

#[test]
fn not_with_yourself() {
    let mut w = world();
    let img = w.image("owner");
    assert_eq!(refused(w.share("owner", &img, &["owner"])), (K::ShareWithSelf, "AL-SELF-SHARE"));
}

#[test]
fn duplicate_share_is_a_no_op() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    let out = w.share("owner", &img, &["alice", "bob"]).unwrap();
    assert_eq!(out, Output::Shared { added: vec![w.id("bob")], unchanged: vec![w.id("alice")] });
    assert_eq!(w.members("owner", &img).len(), 2);
    assert_eq!(P.policy().duplicate_share.map(|(r, x)| (r.id, x)), Some(("AL-DUPLICATE", Repeat::Ignore)));
}

#[test]
fn cancel_for_a_non_member_is_a_no_op() {
    let mut w = world();
    let img = w.image("owner");
    let out = w.cancel("owner", &img, &["bob"]).unwrap();
    assert_eq!(out, Output::Unshared { removed: vec![], absent: vec![w.id("bob")] });
    assert_eq!(P.policy().cancel_non_member.map(|(r, x)| (r.id, x)), Some(("AL-CANCEL-NON-MEMBER", Repeat::Ignore)));
}

// ----- who may share -----------------------------------------------------------------------

#[rstest]
#[case::cancel(Operation::CancelShare { image: String::new(), recipients: vec![] })]
#[case::list(Operation::ListShares { image: String::new() })]
fn owner_only(#[case] mut op: Operation) {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice", "bob"]).unwrap();
    let bob = w.id("bob");
    match &mut op {
        Operation::CancelShare { image, recipients } => (*image, *recipients) = (img.clone(), vec![bob]),
        Operation::ListShares { image } => *image = img.clone(),
        _ => unreachable!(),
    }
    assert_eq!(refused(w.run("alice", op)), (K::NotOwner, "AL-OWNER"));
    assert_eq!(w.members("owner", &img).len(), 2, "bob is still a member");
}

#[test]
fn recipient_cannot_reshare() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    assert_eq!(refused(w.share("alice", &img, &["bob"])), (K::ReshareForbidden, "AL-OWN-ONLY"));
    // A stranger does not even see the image.
    assert_eq!(refused(w.share("bob", &img, &["alice"])), (K::NotFound, "-"));
}

// ----- preconditions -----------------------------------------------------------------------

#[test]
fn public_images_are_not_shared() {
    let mut w = world();
    let img = w.public("owner");
    assert_eq!(refused(w.share("owner", &img, &["alice"])), (K::PublicNotShareable, "AL-CUSTOM-ONLY"));
}

#[test]
fn only_available_images() {
    let mut w = world();
    let img = w.image_with("owner", |n| n.ready_after = 60);
    assert_eq!(refused(w.share("owner", &img, &["alice"])), (K::ImageNotAvailable, "AL-AVAILABLE"));
    assert_eq!(refused(w.copy("owner", &img, "away")), (K::ImageNotAvailable, "AL-AVAILABLE"));
    w.run("owner", Operation::AdvanceClock { seconds: 60 }).unwrap();
    assert!(w.share("owner", &img, &["alice"]).is_ok());
}

#[test]
fn cmk_encrypted_is_shareable_service_key_is_not() {
    let mut w = world();
    let cmk = w.encrypted("owner", EncryptionSpec::CustomKey);
    assert!(w.share("owner", &cmk, &["alice"]).is_ok());
    assert!(w.launch("alice", &cmk).is_ok(), "no key grant is needed");
    let service = w.encrypted("owner", EncryptionSpec::DefaultKey);
    assert_eq!(refused(w.share("owner", &service, &["alice"])), (K::EncryptedNotShareable, "AL-ENCRYPTED"));
    assert!(w.members("owner", &service).is_empty());
    assert_eq!(
        P.policy().encryption.map(|(r, d, c)| (r.id, d, c)),
        Some(("AL-ENCRYPTED", EncryptedShare::Refused, EncryptedShare::Allowed))
    );
}

// ----- limits ------------------------------------------------------------------------------

#[test]
fn limit_50_at_the_boundary() {
    let mut w = World::new(P, 51);
    let img = w.image("owner");
    let first49 = w.users(1, 49);
    share_in_batches(&mut w, &img, first49);
    let fiftieth = w.users(50, 50);
    assert!(w.share_raw("owner", &img, fiftieth).is_ok(), "the 50th share is allowed");
    let fifty_first = w.users(51, 51);
    assert_eq!(refused(w.share_raw("owner", &img, fifty_first)), (K::ShareLimitExceeded, "AL-LIMIT-50"));
    assert_eq!(w.members("owner", &img).len(), 50);
}

#[test]
fn limit_refuses_a_request_whole() {
    let mut w = World::new(P, 55);
    let img = w.image("owner");
    let first45 = w.users(1, 45);
    share_in_batches(&mut w, &img, first45);
    let next10 = w.users(46, 55);
    assert_eq!(refused(w.share_raw("owner", &img, next10)), (K::ShareLimitExceeded, "AL-LIMIT-50"));
    assert_eq!(w.members("owner", &img).len(), 45, "nobody of the refused request was added");
}

#[test]
fn limit_can_be_set_per_world() {
    let mut w = world_with(Settings { share_limit: Some(3), ..Default::default() }, 4);
    let img = w.image("owner");
    let three = w.users(1, 3);
    assert!(w.share_raw("owner", &img, three).is_ok());
    let fourth = w.users(4, 4);
    assert_eq!(refused(w.share_raw("owner", &img, fourth)), (K::ShareLimitExceeded, "AL-LIMIT-50"));
}

#[test]
fn only_the_first_10_accounts_of_a_request_are_processed() {
    let mut w = World::new(P, 11);
    let img = w.image("owner");
    let eleven = w.users(1, 11);
    let out = w.share_raw("owner", &img, eleven.clone()).unwrap();
    assert_eq!(out, Output::Shared { added: eleven[..10].to_vec(), unchanged: vec![] });
    let members = w.members("owner", &img);
    assert_eq!(members.len(), 10);
    assert!(!members.contains(&"user11".to_string()), "the 11th account was ignored");
    assert_eq!(
        P.policy().recipients_per_request.map(|(r, n, o)| (r.id, n, o)),
        Some(("AL-BATCH-10", 10, Overflow::Truncate))
    );
}

#[test]
fn an_ignored_11th_account_is_not_even_checked() {
    let mut w = World::new(P, 10);
    let img = w.image("owner");
    let mut recipients = w.users(1, 10);
    recipients.push("not-an-account".into());
    assert!(w.share_raw("owner", &img, recipients).is_ok(), "AL-BATCH-10 drops it before AL-ACCOUNT-ID");
    assert_eq!(w.members("owner", &img).len(), 10);
}

#[test]
fn one_image_per_request() {
    let mut w = world();
    let (a, b) = (w.image("owner"), w.image("owner"));
    let alice = w.id("alice");
    let op = Operation::Share { images: vec![a, b], recipients: vec![alice], options: ShareOptions::default() };
    assert_eq!(refused(w.run("owner", op)), (K::BatchLimitExceeded, "AL-ONE-IMAGE"));
}

// ----- regions and copies ------------------------------------------------------------------

#[test]
fn same_region_only() {
    let mut w = world();
    let img = w.image("owner");
    let alice = w.id("alice");
    let op = Operation::Share { images: vec![img.clone()], recipients: vec![alice], options: ShareOptions::default() };
    assert_eq!(refused(w.run_in("owner", "away", op)), (K::CrossRegion, "AL-SAME-REGION"));
    w.share("owner", &img, &["alice"]).unwrap();
    let launch = Operation::Launch { image: img, product: Product::Cvm };
    assert_eq!(refused(w.run_in("alice", "cn-shanghai", launch)), (K::CrossRegion, "AL-SAME-REGION"));
    match w.run_in("alice", "away", Operation::ListSharedWithMe) {
        Ok(Output::SharedWithMe { images }) => assert!(images.is_empty(), "nothing shared in cn-shanghai"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn copy_then_share_in_another_region() {
    let mut w = world();
    let img = w.image("owner");
    let copy = created(w.copy("owner", &img, "away"));
    let alice = w.id("alice");
    let op = Operation::Share { images: vec![copy.clone()], recipients: vec![alice], options: ShareOptions::default() };
    assert!(w.run_in("owner", "away", op).is_ok());
    match w.run_in("alice", "away", Operation::ListSharedWithMe) {
        Ok(Output::SharedWithMe { images }) => assert_eq!(images[0].image, copy),
        other => panic!("{other:?}"),
    }
    assert!(w.shared_with_me("alice").is_empty(), "nothing in cn-hangzhou");
}

#[rstest]
#[case::same_region("home")]
#[case::other_region("away")]
fn owner_copies_anywhere(#[case] to: &str) {
    let mut w = world();
    let img = w.image("owner");
    assert!(w.copy("owner", &img, to).is_ok());
    assert_eq!(P.policy().owner_copy.map(|(r, s)| (r.id, s)), Some(("AL-COPY", CopyScope::ANY)));
}

#[test]
fn recipient_copies_only_within_the_region() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    let mine = created(w.copy("alice", &img, "home"));
    assert_eq!(refused(w.copy("alice", &img, "away")), (K::CrossRegion, "AL-COPY-SHARED"));
    // The copy is alice's own custom image: she may copy it on to another region.
    assert!(w.copy("alice", &mine, "away").is_ok());
    assert_eq!(
        P.policy().recipient_copy.map(|(r, s, a)| (r.id, s, a)),
        Some(("AL-COPY-SHARED", CopyScope::SAME, false))
    );
}

// ----- acceptance and permissions ----------------------------------------------------------

#[rstest]
#[case::accept(Operation::Accept { images: vec![] })]
#[case::reject(Operation::Reject { images: vec![] })]
fn no_acceptance(#[case] mut op: Operation) {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    if let Operation::Accept { images } | Operation::Reject { images } = &mut op {
        images.push(img.clone());
    }
    assert_eq!(refused(w.run("alice", op)), (K::Unsupported, "AL-NO-ACCEPT"));
    assert!(w.launch("alice", &img).is_ok(), "usable at once");
}

#[test]
fn recipient_launches_and_replaces_a_system_disk() {
    let mut w = world();
    let img = w.image("owner");
    let own = w.image("alice");
    w.share("owner", &img, &["alice"]).unwrap();
    let from_shared = w.instance("alice", &img);
    assert!(w.reinit("alice", &from_shared).is_ok());
    let inst = w.instance("alice", &own);
    let out = replace_disk(&mut w, "alice", &inst, &img).unwrap();
    assert_eq!(out, Output::DiskReset { instance: inst.clone(), image: img.clone() });
    assert!(w.reinit("alice", &inst).is_ok(), "re-initializes from the shared image now");
    match describe(&mut w, "alice", &img) {
        Ok(Output::Image { image }) => assert_eq!(image.held_as, "shared"),
        other => panic!("{other:?}"),
    }
    let (rule, actions) = P.policy().recipient_use.unwrap();
    assert_eq!(rule.id, "AL-RECIPIENT-USE");
    for a in [Action::Launch, Action::ReplaceSystemDisk, Action::ReinitDisk, Action::Describe, Action::Copy] {
        assert!(actions.contains(&a), "{a:?}");
    }
}

#[rstest]
#[case::rename(Operation::Modify { image: String::new(), name: Some("mine".into()), description: None })]
#[case::describe(Operation::Modify { image: String::new(), name: None, description: Some("mine".into()) })]
#[case::delete(Operation::Delete { image: String::new() })]
fn recipient_is_read_only(#[case] mut op: Operation) {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    match &mut op {
        Operation::Modify { image, .. } | Operation::Delete { image } => *image = img.clone(),
        _ => unreachable!(),
    }
    assert_eq!(refused(w.run("alice", op)), (K::PermissionDenied, "AL-RECIPIENT-READONLY"));
    assert_eq!(w.shared_with_me("alice"), vec![img]);
}

// ----- listings ----------------------------------------------------------------------------

#[test]
fn recipient_lists_shared_with_me() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    match w.run("alice", Operation::ListSharedWithMe) {
        Ok(Output::SharedWithMe { images }) => {
            assert_eq!(images.len(), 1);
            assert_eq!(images[0].owner_id, w.id("owner"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(P.policy().shared_with_me.map(|r| r.id), Some("AL-SHARED-LIST"));
}

#[test]
fn owner_lists_what_it_shared() {
    let mut w = world();
    let img = w.image("owner");
    w.image("owner");
    w.share("owner", &img, &["alice", "bob"]).unwrap();
    match w.run("owner", Operation::ListMyShared) {
        Ok(Output::MyShared { images }) => {
            assert_eq!(images.len(), 1, "only the shared image");
            assert_eq!((images[0].image.as_str(), images[0].members), (img.as_str(), 2));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(P.policy().my_shared.map(|r| r.id), Some("AL-MY-SHARED"));
}

// ----- quota -------------------------------------------------------------------------------

#[test]
fn sharing_does_not_use_the_owners_quota() {
    let mut w = world_with(Settings { image_quota: Some(2), ..Default::default() }, 0);
    let (a, b) = (w.image("owner"), w.image("owner"));
    w.share("owner", &a, &["alice", "bob"]).unwrap();
    w.share("owner", &b, &["alice", "bob"]).unwrap();
    assert_eq!(w.run("owner", Operation::Quota).unwrap(), Output::Quota { used: 2, limit: 2 });
    assert_eq!(P.policy().owner_quota_free.map(|r| r.id), Some("AL-NO-QUOTA"));
}

#[test]
fn shared_images_do_not_use_the_recipients_quota() {
    let mut w = world_with(Settings { image_quota: Some(2), ..Default::default() }, 0);
    let (a, b) = (w.image("owner"), w.image("owner"));
    w.share("owner", &a, &["alice"]).unwrap();
    w.share("owner", &b, &["alice"]).unwrap();
    assert_eq!(w.run("alice", Operation::Quota).unwrap(), Output::Quota { used: 0, limit: 2 });
    assert_eq!(P.policy().recipient_quota_free.map(|r| r.id), Some("AL-RECIPIENT-QUOTA"));
    // A copy is alice's own image and counts.
    w.copy("alice", &a, "home").unwrap();
    assert_eq!(w.run("alice", Operation::Quota).unwrap(), Output::Quota { used: 1, limit: 2 });
}

#[test]
fn image_quota_100() {
    let mut w = world();
    assert_eq!(w.run("owner", Operation::Quota).unwrap(), Output::Quota { used: 0, limit: 100 });
    assert_eq!(P.policy().image_quota.map(|(r, n)| (r.id, n)), Some(("AL-IMAGE-QUOTA", 100)));
    let mut last = String::new();
    for _ in 0..100 {
        last = w.image("owner");
    }
    let new = NewImage { name: "one-too-many".into(), region: "home".into(), ..Default::default() };
    assert_eq!(refused(w.run("owner", Operation::CreateImage(new))), (K::QuotaExceeded, "AL-IMAGE-QUOTA"));
    assert_eq!(refused(w.copy("owner", &last, "home")), (K::QuotaExceeded, "AL-IMAGE-QUOTA"));
    assert!(w.copy("owner", &last, "away").is_ok(), "the quota is per region");
}

// ----- delete, unshare ---------------------------------------------------------------------

#[test]
fn delete_while_shared_is_refused_until_every_share_is_cancelled() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice", "bob"]).unwrap();
    assert_eq!(refused(w.delete("owner", &img)), (K::StillShared, "AL-DELETE-SHARED"));
    w.cancel("owner", &img, &["alice"]).unwrap();
    assert_eq!(refused(w.delete("owner", &img)), (K::StillShared, "AL-DELETE-SHARED"));
    w.cancel("owner", &img, &["bob"]).unwrap();
    assert!(w.delete("owner", &img).is_ok());
}

#[test]
fn after_unshare_access_is_lost() {
    let mut w = world();
    let img = w.image("owner");
    let own = w.image("alice");
    w.share("owner", &img, &["alice"]).unwrap();
    let inst = w.instance("alice", &img);
    assert!(w.reinit("alice", &inst).is_ok());
    let other = w.instance("alice", &own);
    w.cancel("owner", &img, &["alice"]).unwrap();
    assert!(w.shared_with_me("alice").is_empty());
    assert_eq!(refused(w.launch("alice", &img)), (K::NotFound, "AL-AFTER-UNSHARE"));
    assert_eq!(refused(w.reinit("alice", &inst)), (K::NotFound, "AL-AFTER-UNSHARE"));
    assert_eq!(refused(describe(&mut w, "alice", &img)), (K::NotFound, "AL-AFTER-UNSHARE"));
    assert_eq!(refused(replace_disk(&mut w, "alice", &other, &img)), (K::NotFound, "AL-AFTER-UNSHARE"));
    // The owner is untouched, and sharing again restores access.
    assert!(w.launch("owner", &img).is_ok());
    w.share("owner", &img, &["alice"]).unwrap();
    assert!(w.reinit("alice", &inst).is_ok());
}

#[test]
fn after_delete_nobody_uses_it() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    let mine = w.instance("owner", &img);
    let hers = w.instance("alice", &img);
    w.cancel("owner", &img, &["alice"]).unwrap();
    w.delete("owner", &img).unwrap();
    for (who, inst) in [("owner", &mine), ("alice", &hers)] {
        assert_eq!(refused(w.reinit(who, inst)), (K::NotFound, "AL-AFTER-DELETE"), "{who}");
        assert_eq!(refused(w.launch(who, &img)), (K::NotFound, "AL-AFTER-DELETE"), "{who}");
        assert_eq!(refused(describe(&mut w, who, &img)), (K::NotFound, "AL-AFTER-DELETE"), "{who}");
    }
    assert_eq!(refused(replace_disk(&mut w, "alice", &hers, &img)), (K::NotFound, "AL-AFTER-DELETE"));
    // A stranger never knew it: plain not found.
    assert_eq!(refused(w.launch("bob", &img)), (K::NotFound, "-"));
    assert_eq!(refused(describe(&mut w, "bob", &img)), (K::NotFound, "-"));
    assert!(w.shared_with_me("alice").is_empty());
}

// ----- operations without an API -----------------------------------------------------------

#[rstest]
#[case::validity(ShareOptions { validity: Some(Validity::Forever), ..Default::default() })]
#[case::description(ShareOptions { description: Some("x".into()), ..Default::default() })]
#[case::permission(ShareOptions { permission: Some("pull".into()), ..Default::default() })]
fn no_share_options(#[case] options: ShareOptions) {
    let mut w = world();
    let img = w.image("owner");
    assert_eq!(refused(w.share_with("owner", &img, &["alice"], options)), (K::Unsupported, "AL-NO-API"));
    assert!(w.members("owner", &img).is_empty());
}

#[rstest]
#[case::authorize_key(true)]
#[case::lighthouse(false)]
fn no_key_grants_or_lighthouse(#[case] key: bool) {
    let mut w = world();
    let img = w.encrypted("owner", EncryptionSpec::CustomKey);
    let op = if key {
        Operation::AuthorizeKey { image: img, recipient: w.id("alice") }
    } else {
        Operation::ShareToLighthouse { image: img }
    };
    assert_eq!(refused(w.run("owner", op)), (K::Unsupported, "AL-NO-API"));
}

// ----- wire errors -------------------------------------------------------------------------

#[rstest]
#[case(K::ShareLimitExceeded, Action::Share, 403, "QuotaExceed.ShareImageUser")]
#[case(K::StillShared, Action::Delete, 403, "ImageUseShared")]
#[case(K::NotFound, Action::Launch, 404, "InvalidImageId.NotFound")]
#[case(K::NotFound, Action::ReinitDisk, 403, "OperationDenied.ImageNotValid")]
#[case(K::NotOwner, Action::CancelShare, 404, "InvalidImageId.NotFound")]
#[case(K::ReshareForbidden, Action::Share, 404, "InvalidImageId.NotFound")]
#[case(K::PermissionDenied, Action::Delete, 404, "InvalidImageId.NotFound")]
#[case(K::CrossRegion, Action::Share, 404, "InvalidImageId.NotFound")]
#[case(K::CrossRegion, Action::Copy, 403, "OperationDenied.SameRegionOnly")]
#[case(K::InvalidRecipient, Action::Share, 404, "InvalidAccount.NotFound")]
#[case(K::RecipientNotFound, Action::Share, 404, "InvalidAccount.NotFound")]
#[case(K::ShareWithSelf, Action::Share, 404, "InvalidAccount.Forbbiden")]
#[case(K::ImageNotAvailable, Action::Share, 400, "IncorrectImageStatus")]
#[case(K::EncryptedNotShareable, Action::Share, 403, "InvalidOperation.ServiceKeyEncryptedImageUnsupported")]
#[case(K::QuotaExceeded, Action::Copy, 403, "QuotaExceed.Image")]
#[case(K::Unsupported, Action::Accept, 404, "InvalidAction.NotFound")]
#[case(K::Unsupported, Action::Share, 400, "InvalidParameter")]
fn wire_errors(#[case] kind: K, #[case] action: Action, #[case] status: u16, #[case] code: &str) {
    let e = (P.spec().wire_error)(kind, action);
    assert_eq!((e.status, e.code), (status, code));
}

#[test]
fn documented_messages() {
    let e = |k, a| (P.spec().wire_error)(k, a).message;
    assert_eq!(e(K::NotFound, Action::Share), "The specified ImageId does not exist.");
    assert_eq!(e(K::ShareLimitExceeded, Action::Share), "The shared Image user Quota exceeds.");
    assert_eq!(e(K::ShareWithSelf, Action::Share), "The specified Account does not yourself.");
    assert!(e(K::StillShared, Action::Delete).starts_with("The specified image has been shared to others."));
}
