//! One or more tests per Tencent rule. Each asserts the rule ID that decided, so removing a
//! rule from the table fails its test.

use rstest::rstest;

use crate::engine::{
    EncryptionSpec, ErrorKind as K, NewImage, Operation, Output, Product, Settings, ShareOptions, Validity,
};
use crate::providers::Provider;
use crate::rules::IdentityKind;
use crate::testkit::{World, assert_every_rule_tested, created, refused};

const P: Provider = Provider::Tencent;

fn world() -> World {
    World::new(P, 0)
}

#[test]
fn every_rule_has_a_test() {
    assert_every_rule_tested(P, include_str!("tests.rs"));
}

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
#[case::sub_account(IdentityKind::SubAccountId, K::RecipientNotAccount, "FailedOperation.NotMasterAccount")]
#[case::app_id(IdentityKind::AppId, K::InvalidRecipient, "InvalidAccountId.NotFound")]
fn root_id_only(#[case] kind: IdentityKind, #[case] refusal: K, #[case] code: &str) {
    let mut w = world();
    let img = w.image("owner");
    let wrong = w.engine.identity_of("alice", kind, "home").unwrap();
    let failure = w.share_raw("owner", &img, vec![wrong]).unwrap_err();
    assert_eq!((failure.kind, failure.rule), (refusal, Some("TC-ROOT-ID")));
    // TC-ROOT-ID's notes and the CVM SDK's error list: a collaborator is NotMasterAccount.
    assert_eq!(super::SPEC.wire(&failure, crate::engine::Action::Share).code, code);
    assert_eq!(refused(w.share_raw("owner", &img, vec!["not-a-number".into()])), (K::InvalidRecipient, "TC-ROOT-ID"));
}

#[test]
fn an_unknown_access_key_reads_as_the_http_layer_answers_it() {
    let f = crate::engine::Failure::plain(K::UnknownAccount, "no such account");
    assert_eq!(super::SPEC.wire(&f, crate::engine::Action::Share).code, "AuthFailure.SecretIdNotFound");
}

#[test]
fn unknown_root_id_is_refused() {
    let mut w = world();
    let img = w.image("owner");
    assert_eq!(
        refused(w.share_raw("owner", &img, vec!["100000000000".into()])),
        (K::RecipientNotFound, "TC-ACCOUNT-EXISTS")
    );
}

#[test]
fn not_with_yourself() {
    let mut w = world();
    let img = w.image("owner");
    assert_eq!(refused(w.share("owner", &img, &["owner"])), (K::ShareWithSelf, "TC-SELF-SHARE"));
}

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
    assert_eq!(refused(w.run("alice", op)), (K::NotOwner, "TC-OWNER"));
}

#[test]
fn no_reshare() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    assert_eq!(refused(w.share("alice", &img, &["bob"])), (K::ReshareForbidden, "TC-NO-RESHARE"));
}

#[test]
fn public_images_are_not_shared() {
    let mut w = world();
    let img = w.public("owner");
    assert_eq!(refused(w.share("owner", &img, &["alice"])), (K::PublicNotShareable, "TC-CUSTOM-ONLY"));
}

#[test]
fn only_normal_images() {
    let mut w = world();
    let img = w.image_with("owner", |n| n.ready_after = 60);
    assert_eq!(refused(w.share("owner", &img, &["alice"])), (K::ImageNotAvailable, "TC-AVAILABLE"));
    w.run("owner", Operation::AdvanceClock { seconds: 60 }).unwrap();
    assert!(w.share("owner", &img, &["alice"]).is_ok());
}

#[rstest]
#[case::default_key(EncryptionSpec::DefaultKey)]
#[case::custom_key(EncryptionSpec::CustomKey)]
fn encrypted_not_shareable(#[case] e: EncryptionSpec) {
    let mut w = world();
    let img = w.encrypted("owner", e);
    assert_eq!(refused(w.share("owner", &img, &["alice"])), (K::EncryptedNotShareable, "TC-ENCRYPTED"));
}

#[test]
fn limit_50_at_the_boundary() {
    let mut w = World::new(P, 51);
    let img = w.image("owner");
    let first49 = w.users(1, 49);
    assert!(w.share_raw("owner", &img, first49).is_ok());
    let fiftieth = w.users(50, 50);
    assert!(w.share_raw("owner", &img, fiftieth).is_ok(), "the 50th share is allowed");
    let fifty_first = w.users(51, 51);
    assert_eq!(refused(w.share_raw("owner", &img, fifty_first)), (K::ShareLimitExceeded, "TC-LIMIT-50"));
    assert_eq!(w.members("owner", &img).len(), 50);
}

#[test]
fn limit_refuses_a_batch_whole() {
    let mut w = World::new(P, 51);
    let img = w.image("owner");
    let all = w.users(1, 51);
    assert_eq!(refused(w.share_raw("owner", &img, all)), (K::ShareLimitExceeded, "TC-LIMIT-50"));
    assert!(w.members("owner", &img).is_empty(), "nobody was added");
}

#[test]
fn limit_can_follow_the_api_reference() {
    let mut w = World::new(P, 60);
    w.engine = crate::engine::Engine::with_settings(P, 7, Settings { share_limit: Some(500), ..Default::default() });
    w.engine.add_account("owner").unwrap();
    for i in 1..=60 {
        w.engine.add_account(&format!("user{i}")).unwrap();
    }
    let img = w.image("owner");
    let all = w.users(1, 60);
    assert!(w.share_raw("owner", &img, all).is_ok());
}

#[test]
fn one_image_per_request() {
    let mut w = world();
    let (a, b) = (w.image("owner"), w.image("owner"));
    let alice = w.id("alice");
    let op = Operation::Share { images: vec![a, b], recipients: vec![alice], options: ShareOptions::default() };
    assert_eq!(refused(w.run("owner", op)), (K::BatchLimitExceeded, "TC-ONE-IMAGE"));
}

#[test]
fn same_region_only() {
    let mut w = world();
    let img = w.image("owner");
    let alice = w.id("alice");
    let op = Operation::Share { images: vec![img.clone()], recipients: vec![alice], options: ShareOptions::default() };
    assert_eq!(refused(w.run_in("owner", "away", op)), (K::CrossRegion, "TC-SAME-REGION"));
    w.share("owner", &img, &["alice"]).unwrap();
    let launch = Operation::Launch { image: img, product: Product::Cvm };
    assert_eq!(refused(w.run_in("alice", "away", launch)), (K::CrossRegion, "TC-SAME-REGION"));
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
    assert!(w.shared_with_me("alice").is_empty(), "nothing in home");
}

#[test]
fn owner_copies_only_to_other_regions() {
    let mut w = world();
    let img = w.image("owner");
    assert_eq!(refused(w.copy("owner", &img, "home")), (K::InvalidParameter, "TC-SYNC-REGION"));
}

#[rstest]
#[case::accept(Operation::Accept { images: vec![] })]
#[case::reject(Operation::Reject { images: vec![] })]
fn no_acceptance(#[case] mut op: Operation) {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    if let Operation::Accept { images } | Operation::Reject { images } = &mut op {
        images.push(img);
    }
    assert_eq!(refused(w.run("alice", op)), (K::Unsupported, "TC-NO-ACCEPT"));
}

#[test]
fn recipient_cannot_rename() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    let op = Operation::Modify { image: img.clone(), name: Some("mine".into()), description: None };
    assert_eq!(refused(w.run("alice", op.clone())), (K::PermissionDenied, "TC-READONLY-META"));
    assert!(w.run("owner", op).is_ok());
}

#[test]
fn recipient_cannot_delete() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    assert_eq!(refused(w.delete("alice", &img)), (K::PermissionDenied, "TC-RECIPIENT-NO-DELETE"));
}

#[test]
fn recipient_only_launches_and_reinstalls() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    let inst = w.instance("alice", &img);
    assert!(w.reinit("alice", &inst).is_ok());
    assert_eq!(refused(w.copy("alice", &img, "home")), (K::PermissionDenied, "TC-USE-ONLY"));
}

#[test]
fn duplicate_share_is_refused() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    assert_eq!(refused(w.share("owner", &img, &["alice"])), (K::AlreadyShared, "TC-DUPLICATE"));
}

#[test]
fn cancel_for_a_non_member_is_a_no_op() {
    let mut w = world();
    let img = w.image("owner");
    let out = w.cancel("owner", &img, &["bob"]).unwrap();
    assert_eq!(out, Output::Unshared { removed: vec![], absent: vec![w.id("bob")] });
    // The rule decides: without it the engine would have nothing to say, so check it is there.
    assert_eq!(P.policy().cancel_non_member.map(|(r, _)| r.id), Some("TC-CANCEL-NON-MEMBER"));
}

#[rstest]
#[case::shared_with_me(Operation::ListSharedWithMe, "TC-SHARED-LIST")]
#[case::my_shared(Operation::ListMyShared, "TC-PERMISSION-LIST")]
fn listings_exist(#[case] op: Operation, #[case] rule: &str) {
    let mut w = world();
    assert!(w.run("owner", op).is_ok());
    let field = match rule {
        "TC-SHARED-LIST" => P.policy().shared_with_me,
        _ => P.policy().my_shared,
    };
    assert_eq!(field.map(|r| r.id), Some(rule));
}

#[test]
fn shared_images_do_not_use_the_recipients_quota() {
    let mut w = World::new(P, 0);
    w.engine = crate::engine::Engine::with_settings(P, 7, Settings { image_quota: Some(2), ..Default::default() });
    for a in ["owner", "alice"] {
        w.engine.add_account(a).unwrap();
    }
    let (a, b) = (w.image("owner"), w.image("owner"));
    w.share("owner", &a, &["alice"]).unwrap();
    w.share("owner", &b, &["alice"]).unwrap();
    assert_eq!(w.run("alice", Operation::Quota).unwrap(), Output::Quota { used: 0, limit: 2 }, "TC-RECIPIENT-QUOTA");
    assert_eq!(w.run("owner", Operation::Quota).unwrap(), Output::Quota { used: 2, limit: 2 }, "TC-NO-QUOTA");
    // The seed's sentence is about the sharer's quota; the recipient's is assumed.
    assert_eq!(P.policy().owner_quota_free.map(|r| r.id), Some("TC-NO-QUOTA"));
    assert_eq!(P.policy().recipient_quota_free.map(|r| r.id), Some("TC-RECIPIENT-QUOTA"));
}

#[test]
fn image_quota_500() {
    let mut w = world();
    assert_eq!(w.run("owner", Operation::Quota).unwrap(), Output::Quota { used: 0, limit: 500 });
    assert_eq!(P.policy().image_quota.map(|(r, n)| (r.id, n)), Some(("TC-IMAGE-QUOTA", 500)));
    for _ in 0..500 {
        w.image("owner");
    }
    let new = crate::engine::NewImage { name: "one-too-many".into(), region: "home".into(), ..Default::default() };
    assert_eq!(refused(w.run("owner", Operation::CreateImage(new))), (K::QuotaExceeded, "TC-IMAGE-QUOTA"));
}

#[test]
fn delete_while_shared_is_refused() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    assert_eq!(refused(w.delete("owner", &img)), (K::StillShared, "TC-DELETE-SHARED"));
    w.cancel("owner", &img, &["alice"]).unwrap();
    assert!(w.delete("owner", &img).is_ok());
}

#[test]
fn after_unshare_access_is_lost() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    let inst = w.instance("alice", &img);
    w.cancel("owner", &img, &["alice"]).unwrap();
    assert!(w.shared_with_me("alice").is_empty());
    assert_eq!(refused(w.launch("alice", &img)), (K::NotFound, "TC-AFTER-UNSHARE"));
    assert_eq!(refused(w.reinit("alice", &inst)), (K::NotFound, "TC-AFTER-UNSHARE"));
}

#[test]
fn after_delete_nobody_uses_it() {
    let mut w = world();
    let img = w.image("owner");
    let inst = w.instance("owner", &img);
    w.delete("owner", &img).unwrap();
    assert_eq!(refused(w.reinit("owner", &inst)), (K::NotFound, "TC-AFTER-DELETE"));
}

#[test]
fn lighthouse_of_the_same_account() {
    let mut w = world();
    let img = w.image("owner");
    let lh = Operation::Launch { image: img.clone(), product: Product::Lighthouse };
    assert_eq!(refused(w.run("owner", lh.clone())), (K::PermissionDenied, "TC-LIGHTHOUSE"));
    w.run("owner", Operation::ShareToLighthouse { image: img.clone() }).unwrap();
    assert!(w.run("owner", lh).is_ok());
    let again = w.run("owner", Operation::ShareToLighthouse { image: img });
    assert_eq!(refused(again), (K::AlreadyShared, "TC-LIGHTHOUSE"));
}

#[test]
fn a_lighthouse_image_reaches_cvm_only_when_handed_over() {
    let mut w = world();
    let img = w.image("owner");
    w.run("owner", Operation::ShareToLighthouse { image: img.clone() }).unwrap();
    let Ok(Output::Launched { instance: lh }) =
        w.run("owner", Operation::Launch { image: img, product: Product::Lighthouse })
    else {
        panic!("the owner launches Lighthouse from its handed-over image")
    };
    let new = NewImage { name: "site".into(), region: "home".into(), from: Some(lh), ..Default::default() };
    let Ok(Output::ImageCreated { image: site, .. }) = w.run("owner", Operation::CreateImage(new)) else {
        panic!("an image is made from the Lighthouse instance")
    };
    assert_eq!(refused(w.launch("owner", &site)), (K::PermissionDenied, "TC-LIGHTHOUSE"));
    assert_eq!(refused(w.share("owner", &site, &["alice"])), (K::PermissionDenied, "TC-LIGHTHOUSE"));
    let to_cvm = Operation::ShareToCvm { image: site.clone() };
    assert_eq!(refused(w.run("alice", to_cvm.clone())).0, K::NotFound);
    w.run("owner", to_cvm.clone()).unwrap();
    assert_eq!(refused(w.run("owner", to_cvm)), (K::AlreadyShared, "TC-LIGHTHOUSE"));
    assert!(w.launch("owner", &site).is_ok());
    w.share("owner", &site, &["alice"]).unwrap();
    assert!(w.launch("alice", &site).is_ok());
}

#[test]
fn an_image_from_someone_elses_instance_is_refused() {
    let mut w = world();
    let img = w.image("owner");
    let inst = w.instance("owner", &img);
    let new = NewImage { name: "mine".into(), region: "home".into(), from: Some(inst), ..Default::default() };
    assert_eq!(refused(w.run("alice", Operation::CreateImage(new))).0, K::InstanceNotFound);
}

#[rstest]
#[case::validity(ShareOptions { validity: Some(Validity::Forever), ..Default::default() })]
#[case::description(ShareOptions { description: Some("x".into()), ..Default::default() })]
fn no_share_options(#[case] options: ShareOptions) {
    let mut w = world();
    let img = w.image("owner");
    assert_eq!(refused(w.share_with("owner", &img, &["alice"], options)), (K::Unsupported, "TC-NO-API"));
}

#[test]
fn encrypted_images_are_not_synced_to_other_regions() {
    let mut w = world();
    let img = w.encrypted("owner", EncryptionSpec::CustomKey);
    assert_eq!(refused(w.copy("owner", &img, "away")), (K::EncryptedNotCopyable, "TC-COPY-ENCRYPTED"));
}
