//! One or more tests per JD Cloud rule. Each asserts the rule ID that decided (or, for a rule that
//! allows rather than refuses, the policy field that carries it), so removing a rule from the
//! table fails its test.

use rstest::rstest;

use crate::engine::{
    Action, EncryptionSpec, Engine, ErrorKind as K, NewImage, Operation, Output, Settings, ShareOptions, ShareStatus,
    Validity,
};
use crate::providers::Provider;
use crate::rules::{CopyScope, IdentityKind};
use crate::testkit::{World, assert_every_rule_tested, created, refused};

const P: Provider = Provider::Jdcloud;

fn world() -> World {
    World::new(P, 0)
}

/// A world with `settings`: `owner`, `alice`, `bob` and `user1`…`userN`, as `World::new` makes.
fn world_with(settings: Settings, n: usize) -> World {
    let mut engine = Engine::with_settings(P, 7, settings);
    for a in ["owner", "alice", "bob"] {
        engine.add_account(a).unwrap();
    }
    for i in 1..=n {
        engine.add_account(&format!("user{i}")).unwrap();
    }
    World { engine }
}

fn advance(w: &mut World, seconds: u64) {
    w.run("owner", Operation::AdvanceClock { seconds }).unwrap();
}

fn my_shared(w: &mut World, actor: &str) -> Vec<(String, usize)> {
    match w.run(actor, Operation::ListMyShared) {
        Ok(Output::MyShared { images }) => images.into_iter().map(|i| (i.image, i.members)).collect(),
        other => panic!("expected a listing, got {other:?}"),
    }
}

fn held_as(w: &mut World, actor: &str, image: &str) -> (String, String) {
    match w.run(actor, Operation::Describe { image: image.into() }) {
        Ok(Output::Image { image }) => (image.held_as, image.region),
        other => panic!("expected an image, got {other:?}"),
    }
}

#[test]
fn every_rule_has_a_test() {
    assert_every_rule_tested(P, include_str!("tests.rs"));
}

// ----- identities and IDs -----------------------------------------------------------------

#[test]
fn identities_have_jd_shapes() {
    let w = world();
    let pin = w.id("alice");
    assert_eq!(pin, "jdpin_alice", "the PIN shape of the SDK captures");
    assert_eq!(w.engine.recipient_kind(), IdentityKind::Pin);
    let account = w.engine.identity_of("alice", IdentityKind::AccountId, "home").unwrap();
    assert!(account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()), "{account}");
    let phone = w.engine.identity_of("alice", IdentityKind::Phone, "home").unwrap();
    assert!(phone.len() == 11 && phone.starts_with('1') && phone.bytes().all(|b| b.is_ascii_digit()), "{phone}");
    assert!(matches!(phone.as_bytes()[1], b'3'..=b'9'), "{phone}");
    let classify = P.spec().classify;
    assert_eq!(classify(&pin), Some(IdentityKind::Pin));
    assert_eq!(classify(&account), Some(IdentityKind::AccountId));
    assert_eq!(classify(&phone), Some(IdentityKind::Phone));
}

#[rstest]
#[case::pin("jdpin_nobody", Some(IdentityKind::Pin))]
#[case::login_like("Zhang.San-01", Some(IdentityKind::Pin))]
#[case::letters_and_digits("a1", Some(IdentityKind::Pin))]
#[case::account_id("123456789012", Some(IdentityKind::AccountId))]
#[case::phone("13800138000", Some(IdentityKind::Phone))]
#[case::eleven_digits_not_mobile("23800138000", None)]
#[case::other_digits("12345", None)]
#[case::one_char("a", None)]
#[case::too_long(&"a".repeat(65), None)]
#[case::email("alice@example.com", None)]
#[case::space("jd pin", None)]
#[case::empty("", None)]
fn classify_shapes(#[case] s: &str, #[case] kind: Option<IdentityKind>) {
    assert_eq!((P.spec().classify)(s), kind);
}

#[test]
fn pins_stay_pin_shaped_and_unique() {
    let mut w = world();
    let long = "x".repeat(64);
    for a in ["Alice", "ALICE", long.as_str()] {
        w.engine.add_account(a).unwrap();
    }
    let pins: Vec<String> = ["alice", "Alice", "ALICE", long.as_str()].iter().map(|a| w.id(a)).collect();
    for p in &pins {
        assert_eq!((P.spec().classify)(p), Some(IdentityKind::Pin), "{p}");
    }
    let mut unique = pins.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), pins.len(), "{pins:?}");
}

#[test]
fn image_and_instance_ids() {
    let mut w = world();
    let img = w.image("owner");
    let inst = w.instance("owner", &img);
    let tail = |s: &str, prefix: &str| {
        let t = s.strip_prefix(prefix).unwrap_or_else(|| panic!("{s}"));
        t.len() == 10 && t.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    };
    assert!(tail(&img, "img-"), "{img}");
    assert!(tail(&inst, "i-"), "{inst}");
    assert_eq!(held_as(&mut w, "owner", &img), ("owner".into(), "cn-north-1".into()));
}

// ----- the seed's rules -------------------------------------------------------------------

#[test]
fn share_then_recipient_sees_and_launches() {
    let mut w = world();
    let img = w.image("owner");
    let out = w.share("owner", &img, &["alice"]).unwrap();
    assert_eq!(out, Output::Shared { added: vec!["jdpin_alice".into()], unchanged: vec![] });
    assert_eq!(w.shared_with_me("alice"), vec![img.clone()]);
    assert!(w.launch("alice", &img).is_ok());
    assert!(w.shared_with_me("bob").is_empty());
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
    assert_eq!(refused(w.run("alice", op)), (K::NotOwner, "JD-OWNER"));
    assert_eq!(w.members("owner", &img).len(), 2, "nothing was cancelled");
}

#[test]
fn a_stranger_does_not_see_the_image() {
    let mut w = world();
    let img = w.image("owner");
    assert_eq!(refused(w.share("bob", &img, &["alice"])), (K::NotFound, "-"));
}

#[test]
fn no_reshare() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    assert_eq!(refused(w.share("alice", &img, &["bob"])), (K::ReshareForbidden, "JD-NO-RESHARE"));
    assert!(w.shared_with_me("bob").is_empty());
}

#[test]
fn only_available_images() {
    let mut w = world();
    let img = w.image_with("owner", |n| n.ready_after = 60);
    assert_eq!(refused(w.share("owner", &img, &["alice"])), (K::ImageNotAvailable, "JD-AVAILABLE"));
    advance(&mut w, 59);
    assert_eq!(refused(w.share("owner", &img, &["alice"])), (K::ImageNotAvailable, "JD-AVAILABLE"));
    advance(&mut w, 1);
    assert!(w.share("owner", &img, &["alice"]).is_ok());
}

#[test]
fn copying_needs_an_available_image_too() {
    let mut w = world();
    let img = w.image_with("owner", |n| n.ready_after = 60);
    assert_eq!(refused(w.copy("owner", &img, "away")), (K::ImageNotAvailable, "JD-AVAILABLE"));
}

#[rstest]
#[case::account_id(IdentityKind::AccountId)]
#[case::phone(IdentityKind::Phone)]
fn pin_only(#[case] kind: IdentityKind) {
    let mut w = world();
    let img = w.image("owner");
    let wrong = w.engine.identity_of("alice", kind, "home").unwrap();
    assert_eq!(refused(w.share_raw("owner", &img, vec![wrong])), (K::InvalidRecipient, "JD-PIN"));
    assert!(w.members("owner", &img).is_empty());
}

#[rstest]
#[case::unknown_account_id("100000000000")]
#[case::unknown_phone("13900000000")]
#[case::email("alice@example.com")]
#[case::spaces("jd pin")]
#[case::empty("")]
fn malformed_pins_are_invalid(#[case] recipient: &str) {
    let mut w = world();
    let img = w.image("owner");
    assert_eq!(refused(w.share_raw("owner", &img, vec![recipient.into()])), (K::InvalidRecipient, "JD-PIN"));
}

#[rstest]
#[case::unknown("jdpin_nobody")]
#[case::wrong_case("JDPIN_ALICE")]
fn unknown_pin_is_refused(#[case] recipient: &str) {
    let mut w = world();
    let img = w.image("owner");
    assert_eq!(refused(w.share_raw("owner", &img, vec![recipient.into()])), (K::RecipientNotFound, "JD-PIN-EXISTS"));
}

#[test]
fn one_bad_pin_refuses_the_whole_request() {
    let mut w = world();
    let img = w.image("owner");
    let recipients = vec![w.id("alice"), "jdpin_nobody".into()];
    assert_eq!(refused(w.share_raw("owner", &img, recipients)), (K::RecipientNotFound, "JD-PIN-EXISTS"));
    assert!(w.members("owner", &img).is_empty(), "alice was not added either");
}

#[rstest]
#[case::default_key(EncryptionSpec::DefaultKey)]
#[case::custom_key(EncryptionSpec::CustomKey)]
fn encrypted_not_shareable(#[case] e: EncryptionSpec) {
    let mut w = world();
    let img = w.encrypted("owner", e);
    assert_eq!(refused(w.share("owner", &img, &["alice"])), (K::EncryptedNotShareable, "JD-ENCRYPTED"));
    assert!(w.members("owner", &img).is_empty());
}

#[test]
fn limit_10_at_the_boundary() {
    let mut w = World::new(P, 11);
    let img = w.image("owner");
    let first9 = w.users(1, 9);
    assert!(w.share_raw("owner", &img, first9).is_ok());
    let tenth = w.users(10, 10);
    assert!(w.share_raw("owner", &img, tenth).is_ok(), "the 10th share is allowed");
    let eleventh = w.users(11, 11);
    assert_eq!(refused(w.share_raw("owner", &img, eleventh)), (K::ShareLimitExceeded, "JD-LIMIT-10"));
    assert_eq!(w.members("owner", &img).len(), 10);
    assert!(w.shared_with_me("user11").is_empty());
}

#[test]
fn limit_refuses_a_batch_of_11_whole() {
    let mut w = World::new(P, 11);
    let img = w.image("owner");
    let all = w.users(1, 11);
    assert_eq!(refused(w.share_raw("owner", &img, all)), (K::ShareLimitExceeded, "JD-LIMIT-10"));
    assert!(w.members("owner", &img).is_empty(), "nobody was added");
}

#[test]
fn limit_counts_accounts_not_requests() {
    let mut w = World::new(P, 10);
    let img = w.image("owner");
    let all = w.users(1, 10);
    w.share_raw("owner", &img, all).unwrap();
    // Sharing again with a member is JD-DUPLICATE's no-op, not an 11th recipient.
    let again = w.users(3, 3);
    assert!(w.share_raw("owner", &img, again).is_ok());
    // A cancelled share frees its place.
    let first = w.users(1, 1);
    w.run("owner", Operation::CancelShare { image: img.clone(), recipients: first }).unwrap();
    assert!(w.share("owner", &img, &["alice"]).is_ok());
    assert_eq!(refused(w.share("owner", &img, &["bob"])), (K::ShareLimitExceeded, "JD-LIMIT-10"));
}

#[test]
fn limit_can_follow_the_api_reference() {
    let mut w = world_with(Settings { share_limit: Some(20), ..Default::default() }, 21);
    let img = w.image("owner");
    let twenty = w.users(1, 20);
    assert!(w.share_raw("owner", &img, twenty).is_ok(), "20 accounts, as the API reference says");
    let more = w.users(21, 21);
    assert_eq!(refused(w.share_raw("owner", &img, more)), (K::ShareLimitExceeded, "JD-LIMIT-10"));
    assert_eq!(w.members("owner", &img).len(), 20);
}

#[test]
fn no_listing_delay_by_default() {
    assert_eq!(P.policy().listing_delay.map(|(r, s)| (r.id, s)), Some(("JD-DELAY", 0)));
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    assert_eq!(w.shared_with_me("alice"), vec![img.clone()]);
    assert_eq!(w.members("owner", &img), vec!["alice".to_string()]);
}

#[test]
fn listing_delay_setting_hides_a_new_share_until_it_passes() {
    let mut w = world_with(Settings { listing_delay: Some(30), ..Default::default() }, 0);
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    assert!(w.shared_with_me("alice").is_empty(), "JD-DELAY");
    assert!(w.members("owner", &img).is_empty());
    assert!(my_shared(&mut w, "owner").is_empty());
    advance(&mut w, 29);
    assert!(w.shared_with_me("alice").is_empty());
    assert!(w.members("owner", &img).is_empty());
    advance(&mut w, 1);
    assert_eq!(w.shared_with_me("alice"), vec![img.clone()]);
    assert_eq!(w.members("owner", &img), vec!["alice".to_string()]);
    assert_eq!(my_shared(&mut w, "owner"), vec![(img, 1)]);
}

#[test]
fn listing_delay_does_not_delay_the_share_itself() {
    // Current behaviour: only listings lag; the share is in force, and counts, at once.
    let mut w = world_with(Settings { listing_delay: Some(30), ..Default::default() }, 0);
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    assert!(w.launch("alice", &img).is_ok());
    assert_eq!(
        w.share("owner", &img, &["alice"]).unwrap(),
        Output::Shared { added: vec![], unchanged: vec!["jdpin_alice".into()] }
    );
}

#[test]
fn after_cancel_the_recipient_loses_the_image() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice", "bob"]).unwrap();
    let inst = w.instance("alice", &img);
    let out = w.cancel("owner", &img, &["alice"]).unwrap();
    assert_eq!(out, Output::Unshared { removed: vec!["jdpin_alice".into()], absent: vec![] });
    assert!(w.shared_with_me("alice").is_empty());
    assert_eq!(refused(w.launch("alice", &img)), (K::NotFound, "JD-CANCEL"));
    assert_eq!(refused(w.reinit("alice", &inst)), (K::NotFound, "JD-CANCEL"));
    let describe = Operation::Describe { image: img.clone() };
    assert_eq!(refused(w.run("alice", describe)), (K::NotFound, "JD-CANCEL"));
    assert_eq!(refused(w.copy("alice", &img, "home")), (K::NotFound, "JD-CANCEL"));
    assert!(w.launch("bob", &img).is_ok(), "cancelling is per account");
    assert_eq!(w.members("owner", &img), vec!["bob".to_string()]);
}

#[test]
fn sharing_again_after_cancel_restores_access() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    let inst = w.instance("alice", &img);
    w.cancel("owner", &img, &["alice"]).unwrap();
    w.share("owner", &img, &["alice"]).unwrap();
    assert!(w.reinit("alice", &inst).is_ok());
}

// ----- rules from the API reference ---------------------------------------------------------

#[test]
fn public_images_are_not_shared() {
    let mut w = world();
    let img = w.public("owner");
    assert_eq!(refused(w.share("owner", &img, &["alice"])), (K::PublicNotShareable, "JD-PRIVATE-ONLY"));
}

#[test]
fn not_with_yourself() {
    let mut w = world();
    let img = w.image("owner");
    assert_eq!(refused(w.share("owner", &img, &["owner"])), (K::ShareWithSelf, "JD-SELF-SHARE"));
    assert_eq!(refused(w.share("owner", &img, &["alice", "owner"])), (K::ShareWithSelf, "JD-SELF-SHARE"));
    assert!(w.members("owner", &img).is_empty());
}

#[test]
fn one_image_per_request() {
    let mut w = world();
    let (a, b) = (w.image("owner"), w.image("owner"));
    let alice = w.id("alice");
    let op = Operation::Share { images: vec![a, b], recipients: vec![alice], options: ShareOptions::default() };
    assert_eq!(refused(w.run("owner", op)), (K::BatchLimitExceeded, "JD-ONE-IMAGE"));
}

#[test]
fn images_stay_in_their_region() {
    let mut w = world();
    let img = w.image("owner");
    let alice = w.id("alice");
    let op = Operation::Share { images: vec![img.clone()], recipients: vec![alice], options: ShareOptions::default() };
    assert_eq!(refused(w.run_in("owner", "away", op)), (K::CrossRegion, "JD-REGIONAL"));
    w.share("owner", &img, &["alice"]).unwrap();
    let launch = Operation::Launch { image: img.clone(), product: Default::default() };
    assert_eq!(refused(w.run_in("alice", "cn-east-2", launch)), (K::CrossRegion, "JD-REGIONAL"));
    let members = Operation::ListShares { image: img.clone() };
    assert_eq!(refused(w.run_in("owner", "third", members)), (K::CrossRegion, "JD-REGIONAL"));
    match w.run_in("alice", "away", Operation::ListSharedWithMe) {
        Ok(Output::SharedWithMe { images }) => assert!(images.is_empty(), "nothing in cn-east-2"),
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
    assert!(w.shared_with_me("alice").is_empty(), "nothing in cn-north-1");
}

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
    assert_eq!(refused(w.run("alice", op)), (K::Unsupported, "JD-NO-ACCEPT"));
    match w.run("alice", Operation::ListSharedWithMe) {
        Ok(Output::SharedWithMe { images }) => assert_eq!(images[0].status, ShareStatus::Active),
        other => panic!("{other:?}"),
    }
    assert!(w.launch("alice", &img).is_ok(), "usable without accepting");
}

#[test]
fn recipient_uses_a_shared_image() {
    assert_eq!(
        P.policy().recipient_use.map(|(r, a)| (r.id, a.to_vec())),
        Some((
            "JD-RECIPIENT-USE",
            vec![Action::Describe, Action::Launch, Action::ReinitDisk, Action::ReplaceSystemDisk, Action::Copy]
        ))
    );
    let mut w = world();
    let img = w.image("owner");
    let own = w.image("alice");
    w.share("owner", &img, &["alice"]).unwrap();
    assert_eq!(held_as(&mut w, "alice", &img), ("shared".into(), "cn-north-1".into()));
    let inst = w.instance("alice", &img);
    assert!(w.reinit("alice", &inst).is_ok());
    let other = w.instance("alice", &own);
    let replace = Operation::ReplaceSystemDisk { instance: other.clone(), image: img.clone() };
    assert_eq!(w.run("alice", replace).unwrap(), Output::DiskReset { instance: other, image: img.clone() });
    assert!(w.copy("alice", &img, "home").is_ok());
}

#[rstest]
#[case::rename(Operation::Modify { image: String::new(), name: Some("mine".into()), description: None })]
#[case::describe(Operation::Modify { image: String::new(), name: None, description: Some("mine".into()) })]
#[case::delete(Operation::Delete { image: String::new() })]
fn recipient_cannot_modify_or_delete(#[case] mut op: Operation) {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    match &mut op {
        Operation::Modify { image, .. } | Operation::Delete { image } => *image = img.clone(),
        _ => unreachable!(),
    }
    assert_eq!(refused(w.run("alice", op)), (K::PermissionDenied, "JD-RECIPIENT-READONLY"));
    let rename = Operation::Modify { image: img.clone(), name: Some("renamed".into()), description: None };
    assert!(w.run("owner", rename).is_ok(), "the owner may");
    assert!(w.launch("alice", &img).is_ok(), "the image is still there");
}

#[test]
fn duplicate_share_is_a_no_op() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    let out = w.share("owner", &img, &["alice", "bob"]).unwrap();
    assert_eq!(out, Output::Shared { added: vec![w.id("bob")], unchanged: vec![w.id("alice")] });
    assert_eq!(w.members("owner", &img), vec!["alice".to_string(), "bob".to_string()]);
    // The same PIN twice in one request is added once.
    let other = w.image("owner");
    let twice = w.share("owner", &other, &["alice", "alice"]).unwrap();
    assert_eq!(twice, Output::Shared { added: vec![w.id("alice")], unchanged: vec![w.id("alice")] });
    assert_eq!(w.members("owner", &other).len(), 1);
    assert_eq!(P.policy().duplicate_share.map(|(r, _)| r.id), Some("JD-DUPLICATE"));
}

#[test]
fn cancel_for_a_non_member_is_a_no_op() {
    let mut w = world();
    let img = w.image("owner");
    let out = w.cancel("owner", &img, &["bob"]).unwrap();
    assert_eq!(out, Output::Unshared { removed: vec![], absent: vec![w.id("bob")] });
    assert_eq!(P.policy().cancel_non_member.map(|(r, _)| r.id), Some("JD-CANCEL-NON-MEMBER"));
    // A PIN that names no account is not a member either: nothing to cancel.
    let nobody = Operation::CancelShare { image: img.clone(), recipients: vec!["jdpin_nobody".into()] };
    assert!(w.run("owner", nobody).is_ok());
    // The form is still checked: an account ID is not a PIN.
    let alice_account = w.engine.identity_of("alice", crate::rules::IdentityKind::AccountId, "home").unwrap();
    let wrong = Operation::CancelShare { image: img, recipients: vec![alice_account] };
    assert_eq!(refused(w.run("owner", wrong)), (K::InvalidRecipient, "JD-PIN"));
}

#[rstest]
#[case::shared_with_me(Operation::ListSharedWithMe, "JD-SHARED-LIST")]
#[case::my_shared(Operation::ListMyShared, "JD-MY-SHARED")]
fn listings_exist(#[case] op: Operation, #[case] rule: &str) {
    let mut w = world();
    assert!(w.run("owner", op).is_ok());
    let field = match rule {
        "JD-SHARED-LIST" => P.policy().shared_with_me,
        _ => P.policy().my_shared,
    };
    assert_eq!(field.map(|r| r.id), Some(rule));
}

#[test]
fn owner_lists_shared_images_and_their_members() {
    let mut w = world();
    let (a, b) = (w.image("owner"), w.image("owner"));
    w.share("owner", &a, &["alice", "bob"]).unwrap();
    assert_eq!(my_shared(&mut w, "owner"), vec![(a.clone(), 2)], "unshared `b` is not listed");
    match w.run("owner", Operation::ListShares { image: a }) {
        Ok(Output::Members { members }) => {
            let pins: Vec<_> = members.iter().map(|m| m.recipient.as_str()).collect();
            assert_eq!(pins, ["jdpin_alice", "jdpin_bob"]);
        }
        other => panic!("{other:?}"),
    }
    assert!(w.members("owner", &b).is_empty());
}

#[test]
fn delete_while_shared_is_refused() {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice", "bob"]).unwrap();
    assert_eq!(refused(w.delete("owner", &img)), (K::StillShared, "JD-DELETE-SHARED"));
    w.cancel("owner", &img, &["alice"]).unwrap();
    assert_eq!(refused(w.delete("owner", &img)), (K::StillShared, "JD-DELETE-SHARED"));
    w.cancel("owner", &img, &["bob"]).unwrap();
    assert!(w.delete("owner", &img).is_ok());
}

#[test]
fn after_delete_nobody_uses_it() {
    let mut w = world();
    let img = w.image("owner");
    let inst = w.instance("owner", &img);
    w.share("owner", &img, &["alice"]).unwrap();
    let theirs = w.instance("alice", &img);
    w.cancel("owner", &img, &["alice"]).unwrap();
    w.delete("owner", &img).unwrap();
    assert_eq!(refused(w.reinit("owner", &inst)), (K::NotFound, "JD-AFTER-DELETE"));
    assert_eq!(refused(w.launch("owner", &img)), (K::NotFound, "JD-AFTER-DELETE"));
    assert_eq!(refused(w.reinit("alice", &theirs)), (K::NotFound, "JD-AFTER-DELETE"));
    assert_eq!(refused(w.launch("bob", &img)), (K::NotFound, "-"), "bob never had it");
}

#[test]
fn owner_copies_anywhere() {
    assert_eq!(P.policy().owner_copy.map(|(r, s)| (r.id, s)), Some(("JD-COPY", CopyScope::ANY)));
    let mut w = world();
    let img = w.image("owner");
    let here = created(w.copy("owner", &img, "home"));
    let there = created(w.copy("owner", &img, "cn-east-2"));
    assert_eq!(held_as(&mut w, "owner", &here), ("owner".into(), "cn-north-1".into()));
    assert_eq!(held_as(&mut w, "owner", &there), ("owner".into(), "cn-east-2".into()));
}

#[test]
fn recipient_copies_into_its_own_private_image() {
    assert_eq!(
        P.policy().recipient_copy.map(|(r, s, a)| (r.id, s, a)),
        Some(("JD-RECIPIENT-COPY", CopyScope::ANY, false))
    );
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    let mine = created(w.copy("alice", &img, "home"));
    let away = created(w.copy("alice", &img, "away"));
    assert_eq!(held_as(&mut w, "alice", &mine), ("owner".into(), "cn-north-1".into()));
    assert_eq!(held_as(&mut w, "alice", &away), ("owner".into(), "cn-east-2".into()));
    // The copy is alice's own: it outlives the share and she may share it.
    w.cancel("owner", &img, &["alice"]).unwrap();
    assert!(w.launch("alice", &mine).is_ok());
    assert!(w.share("alice", &mine, &["bob"]).is_ok());
}

#[rstest]
#[case::same_region(EncryptionSpec::DefaultKey, "home")]
#[case::other_region(EncryptionSpec::CustomKey, "away")]
fn encrypted_images_are_not_copied(#[case] e: EncryptionSpec, #[case] to: &str) {
    let mut w = world();
    let img = w.encrypted("owner", e);
    assert_eq!(refused(w.copy("owner", &img, to)), (K::EncryptedNotCopyable, "JD-COPY-ENCRYPTED"));
}

#[rstest]
#[case::validity(ShareOptions { validity: Some(Validity::Forever), ..Default::default() })]
#[case::description(ShareOptions { description: Some("x".into()), ..Default::default() })]
#[case::permission(ShareOptions { permission: Some("pull".into()), ..Default::default() })]
fn no_share_options(#[case] options: ShareOptions) {
    let mut w = world();
    let img = w.image("owner");
    assert_eq!(refused(w.share_with("owner", &img, &["alice"], options)), (K::Unsupported, "JD-NO-API"));
    assert!(w.members("owner", &img).is_empty());
}

#[rstest]
#[case::authorize_key(Operation::AuthorizeKey { image: "img-0000000000".into(), recipient: "jdpin_alice".into() })]
#[case::revoke_key(Operation::RevokeKey { image: "img-0000000000".into(), recipient: "jdpin_alice".into() })]
#[case::modify_share(Operation::ModifyShare {
    image: "img-0000000000".into(),
    recipient: "jdpin_alice".into(),
    options: ShareOptions::default(),
})]
#[case::lighthouse(Operation::ShareToLighthouse { image: "img-0000000000".into() })]
fn operations_without_an_api(#[case] op: Operation) {
    let mut w = world();
    assert_eq!(refused(w.run("owner", op)), (K::Unsupported, "JD-NO-API"));
}

#[test]
fn the_image_quota_counts_own_images_only() {
    // "JD-IMAGE-QUOTA": 20 per region by default (assumed); "JD-NO-QUOTA" and
    // "JD-RECIPIENT-QUOTA": shares use neither side's quota.
    let mut w = world();
    let first = w.image("owner");
    w.share("owner", &first, &["alice"]).unwrap();
    assert!(matches!(w.run("owner", Operation::Quota), Ok(Output::Quota { used: 1, limit: 20 })));
    assert!(matches!(w.run("alice", Operation::Quota), Ok(Output::Quota { used: 0, limit: 20 })));
    for _ in 1..20 {
        w.image("owner");
    }
    let new = NewImage { name: "one-more".into(), region: "home".into(), ..Default::default() };
    assert_eq!(refused(w.run("owner", Operation::CreateImage(new.clone()))), (K::QuotaExceeded, "JD-IMAGE-QUOTA"));
    let away = NewImage { region: "away".into(), ..new };
    assert!(w.run("owner", Operation::CreateImage(away)).is_ok(), "the quota is per region");
}

// ----- wire errors ----------------------------------------------------------------------------

#[rstest]
#[case::limit(K::ShareLimitExceeded, Action::Share, 429, "QUOTA_EXCEEDED", "Image share quota limit exceeded")]
#[case::invalid_pin(K::InvalidRecipient, Action::Share, 400, "FAILED_PRECONDITION", "Invalid pin")]
#[case::unknown_pin(K::RecipientNotFound, Action::Share, 400, "FAILED_PRECONDITION", "Pin not found")]
#[case::not_private(K::PublicNotShareable, Action::Share, 400, "FAILED_PRECONDITION", "Can't use this image")]
#[case::reshare(K::ReshareForbidden, Action::Share, 400, "FAILED_PRECONDITION", "Can't use this image")]
#[case::encrypted(
    K::EncryptedNotShareable,
    Action::Share,
    400,
    "FAILED_PRECONDITION",
    "Share encrypted snapshot is not support."
)]
#[case::encrypted_copy(
    K::EncryptedNotCopyable,
    Action::Copy,
    400,
    "FAILED_PRECONDITION",
    "Copy encrypted snapshot is not support."
)]
#[case::busy(K::ImageNotAvailable, Action::Share, 400, "FAILED_PRECONDITION", "Conflict with underlay image task")]
#[case::not_found(K::NotFound, Action::Launch, 404, "NOT_FOUND", "Image not found")]
#[case::other_region(K::CrossRegion, Action::Share, 404, "NOT_FOUND", "Image not found")]
#[case::bad_ak(K::UnknownAccount, Action::Share, 401, "ACCESS_ERROR", "Invalid accessKey")]
fn wire_errors(
    #[case] kind: K,
    #[case] action: Action,
    #[case] status: u16,
    #[case] code: &str,
    #[case] message: &str,
) {
    let w = (P.spec().wire_error)(kind, action);
    assert_eq!((w.status, w.code, w.message), (status, code, message));
}

#[test]
fn every_wire_error_is_4xx_with_the_status_as_code() {
    for kind in K::ALL {
        for action in Action::ALL {
            let w = (P.spec().wire_error)(kind, action);
            assert!((400..500).contains(&w.status), "{kind:?} {action:?}");
            assert!(w.code.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'), "{kind:?} {action:?}: {}", w.code);
            assert!(!w.message.is_empty());
        }
    }
}
