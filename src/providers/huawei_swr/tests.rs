//! One or more tests per SWR rule. Each asserts the rule ID that decided, or for rules that allow
//! rather than refuse, that the policy carries the rule and the behaviour follows it.

use rstest::rstest;

use super::identity;
use crate::engine::{
    Action, EncryptionSpec, ErrorKind as K, ImageKind, MemberView, NewImage, Operation, Outcome, Output, Product,
    ShareOptions, SharedImageView, Validity, Visibility,
};
use crate::providers::Provider;
use crate::rules::{DeleteShared, IdentityKind, Overflow, Repeat};
use crate::testkit::{World, assert_every_rule_tested, created, refused};

const P: Provider = Provider::HuaweiSwr;
const HOUR: u64 = 3600;

fn world() -> World {
    World::new(P, 0)
}

/// A world where `owner`'s repository `base` is shared with `alice`.
fn shared() -> (World, String) {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    (w, img)
}

fn pulled(o: Outcome) -> String {
    match o {
        Ok(Output::Pulled { image }) => image,
        other => panic!("expected a pull, got {other:?}"),
    }
}

fn with_me(w: &mut World, actor: &str) -> Vec<SharedImageView> {
    match w.run(actor, Operation::ListSharedWithMe) {
        Ok(Output::SharedWithMe { images }) => images,
        other => panic!("expected a listing, got {other:?}"),
    }
}

fn member_views(w: &mut World, image: &str) -> Vec<MemberView> {
    match w.run("owner", Operation::ListShares { image: image.into() }) {
        Ok(Output::Members { members }) => members,
        other => panic!("expected members, got {other:?}"),
    }
}

fn describe(w: &mut World, actor: &str, image: &str) -> Outcome {
    w.run(actor, Operation::Describe { image: image.into() })
}

fn modify_share(w: &mut World, actor: &str, image: &str, to: &str, options: ShareOptions) -> Outcome {
    let recipient = w.id(to);
    w.run(actor, Operation::ModifyShare { image: image.into(), recipient, options })
}

fn valid_for(w: &World, seconds: u64) -> ShareOptions {
    ShareOptions { validity: Some(Validity::Until(w.engine.now() + seconds)), ..Default::default() }
}

fn advance(w: &mut World, seconds: u64) {
    w.run("owner", Operation::AdvanceClock { seconds }).unwrap();
}

fn repo(name: &str) -> Operation {
    Operation::CreateImage(NewImage { name: name.into(), region: "home".into(), ..Default::default() })
}

#[test]
fn every_rule_has_a_test() {
    assert_every_rule_tested(P, include_str!("tests.rs"));
}

// ----- identities and IDs --------------------------------------------------------------------

#[test]
fn repositories_are_namespace_slash_name_and_recipients_are_account_names() {
    let mut w = world();
    assert_eq!(w.image("owner"), "ns-owner/base");
    assert_eq!(w.id("alice"), "alice");
    let domain = w.engine.identity_of("alice", IdentityKind::DomainId, "home").unwrap();
    assert_eq!(identity::classify(&domain), Some(IdentityKind::DomainId));
    let home = w.engine.identity_of("alice", IdentityKind::ProjectId, "home").unwrap();
    let away = w.engine.identity_of("alice", IdentityKind::ProjectId, "away").unwrap();
    assert_ne!(home, away, "one project per region");
    assert_eq!(P.spec().regions.iter().map(|r| r.id).collect::<Vec<_>>(), ["cn-north-4", "cn-east-3", "cn-south-1"]);
}

#[rstest]
#[case::account_name("recipient-account", Some(IdentityKind::AccountName))]
#[case::dotted_name("team.ops_1", Some(IdentityKind::AccountName))]
#[case::domain_id("0a1b2c3d4e5f60718293a4b5c6d7e8f9", Some(IdentityKind::DomainId))]
#[case::upper_hex("0A1B2C3D4E5F60718293A4B5C6D7E8F9", None)]
#[case::starts_with_digit("1account", None)]
#[case::space("an account", None)]
#[case::empty("", None)]
#[case::too_long("a23456789012345678901234567890123456789012345678901234567890123456", None)]
fn classify_shapes(#[case] s: &str, #[case] kind: Option<IdentityKind>) {
    assert_eq!(identity::classify(s), kind);
}

#[test]
fn namespaces_and_repository_names_follow_swr_patterns() {
    let valid_ns = |ns: &str| {
        ns.len() <= 64
            && ns.as_bytes()[0].is_ascii_lowercase()
            && ns.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'))
    };
    assert_eq!(identity::namespace("owner"), "ns-owner");
    let upper = identity::namespace("Owner");
    assert!(upper.starts_with("ns-owner-") && valid_ns(&upper), "{upper}");
    assert_ne!(upper, identity::namespace("owner"), "`Owner` and `owner` do not share a namespace");
    let long = identity::namespace(&"a".repeat(64));
    assert!(valid_ns(&long), "{long}");
    assert_eq!(identity::repository(1, "My App"), "my-app");
    assert_eq!(identity::repository(1, "app/web"), "app/web");
    assert_eq!(identity::repository(1, "-busybox-"), "busybox");
    assert_eq!(identity::repository(1, &"x".repeat(200)).len(), 128);
    assert!(identity::repository(1, "???").starts_with("repo-"));
    assert!(identity::instance_id(1).starts_with("pull-"));
}

#[test]
fn same_repository_name_twice_already_exists() {
    let mut w = world();
    assert_eq!(created(w.run("owner", repo("busybox"))), "ns-owner/busybox");
    assert_eq!(refused(w.run("owner", repo("busybox"))), (K::AlreadyExists, "-"));
    assert_eq!(refused(w.run("owner", repo("BusyBox"))), (K::AlreadyExists, "-"), "names are lower case");
    assert_eq!(created(w.run("alice", repo("busybox"))), "ns-alice/busybox", "another namespace");
}

#[rstest]
#[case::encrypted(|n: &mut NewImage| n.encryption = EncryptionSpec::DefaultKey)]
#[case::full_server(|n: &mut NewImage| n.kind = ImageKind::FullServer)]
fn no_encrypted_or_full_server_repositories(#[case] f: fn(&mut NewImage)) {
    let mut w = world();
    let mut new = NewImage { name: "base".into(), region: "home".into(), ..Default::default() };
    f(&mut new);
    assert_eq!(refused(w.run("owner", Operation::CreateImage(new))), (K::Unsupported, "-"));
}

// ----- sharing ---------------------------------------------------------------------------------

#[test]
fn share_then_recipient_sees_and_pulls() {
    let (mut w, img) = shared();
    let listed = with_me(&mut w, "alice");
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].image.as_str(), listed[0].owner_id.as_str(), listed[0].valid), (img.as_str(), "owner", true));
    assert_eq!(pulled(w.launch("alice", &img)), img);
    assert!(w.engine.state().instances.is_empty(), "a pull creates no instance");
    match describe(&mut w, "alice", &img) {
        Ok(Output::Image { image }) => assert_eq!(image.held_as, "shared"),
        other => panic!("{other:?}"),
    }
    assert!(with_me(&mut w, "bob").is_empty());
    assert_eq!(refused(w.launch("bob", &img)), (K::NotFound, "-"));
}

#[rstest]
#[case::domain_id(IdentityKind::DomainId)]
#[case::project_id(IdentityKind::ProjectId)]
fn recipient_is_an_account_name(#[case] kind: IdentityKind) {
    let mut w = world();
    let img = w.image("owner");
    let wrong = w.engine.identity_of("alice", kind, "home").unwrap();
    assert_eq!(refused(w.share_raw("owner", &img, vec![wrong])), (K::InvalidRecipient, "HS-ACCOUNT-NAME"));
    assert_eq!(
        refused(w.share_raw("owner", &img, vec!["not an account!".into()])),
        (K::InvalidRecipient, "HS-ACCOUNT-NAME")
    );
    assert_eq!(
        refused(w.share_raw("owner", &img, vec!["ffffffffffffffffffffffffffffffff".into()])),
        (K::InvalidRecipient, "HS-ACCOUNT-NAME"),
        "an unknown domain ID is still not an account name"
    );
    assert!(w.share_raw("owner", &img, vec!["alice".into()]).is_ok());
}

#[test]
fn unknown_account_name_is_refused() {
    let mut w = world();
    let img = w.image("owner");
    assert_eq!(
        refused(w.share_raw("owner", &img, vec!["nobody-here".into()])),
        (K::RecipientNotFound, "HS-ACCOUNT-EXISTS")
    );
}

#[test]
fn not_with_yourself() {
    let mut w = world();
    let img = w.image("owner");
    assert_eq!(refused(w.share("owner", &img, &["owner"])), (K::ShareWithSelf, "HS-SELF-SHARE"));
}

#[rstest]
#[case::cancel(Action::CancelShare)]
#[case::list(Action::ListShares)]
#[case::update(Action::ModifyShare)]
fn only_managers_handle_access_domains(#[case] action: Action) {
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    w.share("owner", &img, &["bob"]).unwrap();
    let bob = w.id("bob");
    let op = match action {
        Action::CancelShare => Operation::CancelShare { image: img.clone(), recipients: vec![bob] },
        Action::ListShares => Operation::ListShares { image: img.clone() },
        _ => Operation::ModifyShare { image: img.clone(), recipient: bob, options: ShareOptions::default() },
    };
    assert_eq!(refused(w.run("alice", op.clone())), (K::NotOwner, "HS-MANAGE-SHARES"));
    assert!(w.run("owner", op).is_ok());
}

#[test]
fn recipient_cannot_share_on() {
    let (mut w, img) = shared();
    assert_eq!(refused(w.share("alice", &img, &["bob"])), (K::ReshareForbidden, "HS-MANAGER-ONLY"));
    assert_eq!(refused(w.share("bob", &img, &["alice"])), (K::NotFound, "-"), "a stranger does not see it");
}

#[test]
fn public_repositories_are_not_shared() {
    let mut w = world();
    let img = w.public("owner");
    assert_eq!(refused(w.share("owner", &img, &["alice"])), (K::PublicNotShareable, "HS-PRIVATE-ONLY"));
    let private = w.image_with("owner", |n| (n.name, n.visibility) = ("private".into(), Visibility::Private));
    assert!(w.share("owner", &private, &["alice"]).is_ok());
}

#[test]
fn recipient_only_views_and_pulls() {
    let (mut w, img) = shared();
    assert_eq!(
        P.policy().recipient_use.map(|(r, a)| (r.id, a)),
        Some(("HS-PULL-ONLY", &[Action::Describe, Action::Launch][..]))
    );
    assert!(describe(&mut w, "alice", &img).is_ok());
    assert!(w.launch("alice", &img).is_ok());
    assert_eq!(refused(w.delete("alice", &img)), (K::PermissionDenied, "HS-PULL-ONLY"));
    let change = Operation::Modify { image: img.clone(), name: None, description: Some("mine now".into()) };
    assert_eq!(refused(w.run("alice", change.clone())), (K::PermissionDenied, "HS-PULL-ONLY"));
    assert!(w.run("owner", change).is_ok(), "the owner updates its repository");
}

#[rstest]
#[case::read("read", true)]
#[case::pull("pull", true)]
#[case::upper("Read", true)]
#[case::push("push", false)]
#[case::write("write", false)]
#[case::manage("manage", false)]
#[case::empty("", false)]
fn permit_must_be_read(#[case] permit: &str, #[case] ok: bool) {
    let mut w = world();
    let img = w.image("owner");
    let options = ShareOptions { permission: Some(permit.into()), ..Default::default() };
    let out = w.share_with("owner", &img, &["alice"], options.clone());
    if ok {
        assert!(out.is_ok(), "{out:?}");
        assert!(modify_share(&mut w, "owner", &img, "alice", options).is_ok());
    } else {
        assert_eq!(refused(out), (K::InvalidParameter, "HS-PERMIT-READ"));
        assert!(w.members("owner", &img).is_empty());
        w.share("owner", &img, &["alice"]).unwrap();
        assert_eq!(
            refused(modify_share(&mut w, "owner", &img, "alice", options)),
            (K::InvalidParameter, "HS-PERMIT-READ")
        );
    }
}

#[test]
fn launch_is_a_pull() {
    let (mut w, img) = shared();
    assert_eq!(P.policy().pull_only.map(|r| r.id), Some("HS-PERMIT-READ"));
    assert_eq!(pulled(w.launch("owner", &img)), img);
    assert_eq!(pulled(w.launch("alice", &img)), img);
    let lighthouse = Operation::Launch { image: img, product: Product::Lighthouse };
    assert_eq!(refused(w.run("alice", lighthouse)), (K::Unsupported, "HS-NO-API"));
}

#[test]
fn limit_500_at_the_boundary() {
    let mut w = World::new(P, 501);
    let img = w.image("owner");
    // One account per request (HS-ONE-ACCOUNT), so 500 requests.
    for i in 1..=500 {
        let user = w.users(i, i);
        assert!(w.share_raw("owner", &img, user).is_ok(), "share {i} is allowed");
    }
    let five_hundred_first = w.users(501, 501);
    assert_eq!(refused(w.share_raw("owner", &img, five_hundred_first)), (K::ShareLimitExceeded, "HS-LIMIT-500"));
    assert_eq!(w.members("owner", &img).len(), 500);
    // Freeing a place lets the next one in.
    w.cancel("owner", &img, &["user1"]).unwrap();
    assert!(w.share("owner", &img, &["user501"]).is_ok());
}

#[test]
fn one_account_per_request() {
    let mut w = world();
    let img = w.image("owner");
    assert_eq!(
        P.policy().recipients_per_request.map(|(r, n, o)| (r.id, n, o)),
        Some(("HS-ONE-ACCOUNT", 1, Overflow::Reject))
    );
    assert_eq!(refused(w.share("owner", &img, &["alice", "bob"])), (K::BatchLimitExceeded, "HS-ONE-ACCOUNT"));
    assert!(w.members("owner", &img).is_empty(), "nobody was added");
}

#[test]
fn one_repository_per_request() {
    let mut w = world();
    let a = w.image("owner");
    let b = w.image_with("owner", |n| n.name = "other".into());
    let alice = w.id("alice");
    let op = Operation::Share { images: vec![a, b], recipients: vec![alice], options: ShareOptions::default() };
    assert_eq!(refused(w.run("owner", op)), (K::BatchLimitExceeded, "HS-ONE-IMAGE"));
}

#[test]
fn same_region_only() {
    let mut w = world();
    let img = w.image("owner");
    let alice = w.id("alice");
    let share = Operation::Share { images: vec![img.clone()], recipients: vec![alice], options: Default::default() };
    assert_eq!(refused(w.run_in("owner", "away", share)), (K::CrossRegion, "HS-SAME-REGION"));
    w.share("owner", &img, &["alice"]).unwrap();
    let pull = Operation::Launch { image: img.clone(), product: Product::Cvm };
    assert_eq!(refused(w.run_in("alice", "away", pull.clone())), (K::CrossRegion, "HS-SAME-REGION"));
    assert!(w.run_in("alice", "home", pull).is_ok());
    match w.run_in("alice", "away", Operation::ListSharedWithMe) {
        Ok(Output::SharedWithMe { images }) => assert!(images.is_empty(), "nothing shared in cn-east-3"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_repository_in_another_region_is_shared_there() {
    let mut w = world();
    let img = w.image_with("owner", |n| n.region = "away".into());
    let alice = w.id("alice");
    let share = Operation::Share { images: vec![img.clone()], recipients: vec![alice], options: Default::default() };
    assert!(w.run_in("owner", "away", share).is_ok());
    match w.run_in("alice", "away", Operation::ListSharedWithMe) {
        Ok(Output::SharedWithMe { images }) => assert_eq!(images[0].image, img),
        other => panic!("{other:?}"),
    }
    assert!(with_me(&mut w, "alice").is_empty(), "nothing in cn-north-4");
}

// ----- validity, description, update -------------------------------------------------------

#[test]
fn access_ends_with_the_validity() {
    let mut w = world();
    let img = w.image("owner");
    let options = valid_for(&w, HOUR);
    w.share_with("owner", &img, &["alice"], options).unwrap();
    assert!(w.launch("alice", &img).is_ok());
    advance(&mut w, HOUR - 1);
    assert!(w.launch("alice", &img).is_ok(), "valid until the last second");
    advance(&mut w, 1);
    assert_eq!(refused(w.launch("alice", &img)), (K::Expired, "HS-VALID-UNTIL"));
    assert_eq!(refused(describe(&mut w, "alice", &img)), (K::Expired, "HS-VALID-UNTIL"));
    let listed = with_me(&mut w, "alice");
    assert_eq!(listed.len(), 1, "an expired share stays listed");
    assert_eq!((listed[0].image.as_str(), listed[0].valid), (img.as_str(), false));
    assert_eq!(listed[0].valid_until.as_deref(), Some("2026-01-01T01:00:00Z"));
    let members = member_views(&mut w, &img);
    assert_eq!((members.len(), members[0].valid), (1, false), "the owner sees it as invalid");
    assert!(w.launch("owner", &img).is_ok(), "the owner is not affected");
}

#[rstest]
#[case::now(0)]
#[case::past(1)]
fn validity_must_end_in_the_future(#[case] ago: u64) {
    let mut w = world();
    let img = w.image("owner");
    advance(&mut w, HOUR);
    let options = ShareOptions { validity: Some(Validity::Until(w.engine.now() - ago)), ..Default::default() };
    assert_eq!(
        refused(w.share_with("owner", &img, &["alice"], options.clone())),
        (K::InvalidParameter, "HS-VALID-UNTIL")
    );
    w.share("owner", &img, &["alice"]).unwrap();
    assert_eq!(refused(modify_share(&mut w, "owner", &img, "alice", options)), (K::InvalidParameter, "HS-VALID-UNTIL"));
}

#[test]
fn forever_is_permanent() {
    let mut w = world();
    let img = w.image("owner");
    let options = ShareOptions { validity: Some(Validity::Forever), ..Default::default() };
    w.share_with("owner", &img, &["alice"], options).unwrap();
    advance(&mut w, 10 * 365 * 24 * HOUR);
    assert!(w.launch("alice", &img).is_ok());
    let listed = with_me(&mut w, "alice");
    assert_eq!((listed[0].valid, listed[0].valid_until.as_deref()), (true, None));
    assert_eq!(P.policy().share_validity.map(|r| r.id), Some("HS-VALID-UNTIL"));
}

#[test]
fn update_extends_an_expired_share() {
    let mut w = world();
    let img = w.image("owner");
    let options = valid_for(&w, HOUR);
    w.share_with("owner", &img, &["alice"], options).unwrap();
    advance(&mut w, HOUR);
    assert_eq!(refused(w.launch("alice", &img)), (K::Expired, "HS-VALID-UNTIL"));
    let mut longer = valid_for(&w, HOUR);
    longer.description = Some("one more hour".into());
    assert!(modify_share(&mut w, "owner", &img, "alice", longer).is_ok(), "HS-UPDATE");
    assert_eq!(P.policy().modify_share.map(|r| r.id), Some("HS-UPDATE"));
    assert!(w.launch("alice", &img).is_ok(), "access is back");
    let m = &member_views(&mut w, &img)[0];
    assert_eq!((m.valid, m.description.as_deref()), (true, Some("one more hour")));
    let forever = ShareOptions { validity: Some(Validity::Forever), ..Default::default() };
    modify_share(&mut w, "owner", &img, "alice", forever).unwrap();
    advance(&mut w, 100 * HOUR);
    assert!(w.launch("alice", &img).is_ok());
    assert_eq!(member_views(&mut w, &img)[0].valid_until, None);
}

#[test]
fn update_of_a_missing_access_domain_is_refused() {
    let mut w = world();
    let img = w.image("owner");
    assert_eq!(
        refused(modify_share(&mut w, "owner", &img, "bob", ShareOptions::default())),
        (K::NotShared, "HS-CANCEL-NON-MEMBER")
    );
}

#[rstest]
#[case::ascii("d", 1000, true)]
#[case::ascii_over("d", 1001, false)]
#[case::multibyte("共", 1000, true)]
#[case::multibyte_over("共", 1001, false)]
fn description_at_most_1000_characters(#[case] unit: &str, #[case] n: usize, #[case] ok: bool) {
    let mut w = world();
    let img = w.image("owner");
    let options = ShareOptions { description: Some(unit.repeat(n)), ..Default::default() };
    let out = w.share_with("owner", &img, &["alice"], options.clone());
    if ok {
        assert!(out.is_ok(), "{out:?}");
        assert_eq!(member_views(&mut w, &img)[0].description.as_deref().map(|d| d.chars().count()), Some(n));
    } else {
        assert_eq!(refused(out), (K::InvalidParameter, "HS-DESCRIPTION"));
        w.share("owner", &img, &["alice"]).unwrap();
        assert_eq!(
            refused(modify_share(&mut w, "owner", &img, "alice", options)),
            (K::InvalidParameter, "HS-DESCRIPTION")
        );
    }
}

// ----- listings, repeats, deletion ---------------------------------------------------------

#[rstest]
#[case::from_others(Operation::ListSharedWithMe, "HS-FROM-OTHERS")]
#[case::my_shared(Operation::ListMyShared, "HS-MY-SHARED")]
fn listings_exist(#[case] op: Operation, #[case] rule: &str) {
    let (mut w, img) = shared();
    let field = match rule {
        "HS-FROM-OTHERS" => P.policy().shared_with_me,
        _ => P.policy().my_shared,
    };
    assert_eq!(field.map(|r| r.id), Some(rule));
    let actor = if rule == "HS-FROM-OTHERS" { "alice" } else { "owner" };
    match w.run(actor, op) {
        Ok(Output::SharedWithMe { images }) => assert_eq!(images[0].image, img),
        Ok(Output::MyShared { images }) => assert_eq!((images[0].image.as_str(), images[0].members), (img.as_str(), 1)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn duplicate_share_is_refused() {
    let (mut w, img) = shared();
    assert_eq!(P.policy().duplicate_share.map(|(r, x)| (r.id, x)), Some(("HS-DUPLICATE", Repeat::Refuse)));
    assert_eq!(refused(w.share("owner", &img, &["alice"])), (K::AlreadyShared, "HS-DUPLICATE"));
    assert_eq!(w.members("owner", &img).len(), 1);
}

#[test]
fn cancel_for_a_non_member_is_refused() {
    let (mut w, img) = shared();
    assert_eq!(refused(w.cancel("owner", &img, &["bob"])), (K::NotShared, "HS-CANCEL-NON-MEMBER"));
    w.cancel("owner", &img, &["alice"]).unwrap();
    assert_eq!(refused(w.cancel("owner", &img, &["alice"])), (K::NotShared, "HS-CANCEL-NON-MEMBER"), "twice");
}

#[test]
fn deleting_a_shared_repository_drops_its_shares() {
    let (mut w, img) = shared();
    assert_eq!(
        P.policy().delete_while_shared.map(|(r, d)| (r.id, d)),
        Some(("HS-DELETE-SHARED", DeleteShared::Cascade))
    );
    assert!(w.delete("owner", &img).is_ok());
    assert!(with_me(&mut w, "alice").is_empty());
    assert_eq!(refused(w.launch("alice", &img)), (K::NotFound, "HS-AFTER-DELETE"));
    match w.run("owner", Operation::ListMyShared) {
        Ok(Output::MyShared { images }) => assert!(images.is_empty()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn after_unshare_access_is_lost() {
    let (mut w, img) = shared();
    w.cancel("owner", &img, &["alice"]).unwrap();
    assert!(with_me(&mut w, "alice").is_empty());
    assert_eq!(refused(w.launch("alice", &img)), (K::NotFound, "HS-AFTER-UNSHARE"));
    assert_eq!(refused(describe(&mut w, "alice", &img)), (K::NotFound, "HS-AFTER-UNSHARE"));
    w.share("owner", &img, &["alice"]).unwrap();
    assert!(w.launch("alice", &img).is_ok(), "sharing again restores access");
}

#[test]
fn after_delete_nobody_pulls_it() {
    let mut w = world();
    let img = w.image("owner");
    w.delete("owner", &img).unwrap();
    assert_eq!(refused(w.launch("owner", &img)), (K::NotFound, "HS-AFTER-DELETE"));
    assert_eq!(refused(describe(&mut w, "owner", &img)), (K::NotFound, "HS-AFTER-DELETE"));
    assert_eq!(refused(w.launch("bob", &img)), (K::NotFound, "-"), "a stranger never knew it");
}

/// Real SWR lets an owner create a repository again after deleting it. The engine keeps deleted
/// images in its ID index, so `new_image_id` refuses the name for good (see the pack's report).
#[test]
fn a_deleted_repository_name_can_be_used_again() {
    let mut w = world();
    let img = w.image("owner");
    w.delete("owner", &img).unwrap();
    assert_eq!(created(w.run("owner", repo("base"))), img);
}

// ----- what SWR does not have -------------------------------------------------------------

#[rstest]
#[case::accept(Operation::Accept { images: vec![] })]
#[case::reject(Operation::Reject { images: vec![] })]
fn no_acceptance(#[case] mut op: Operation) {
    let (mut w, img) = shared();
    if let Operation::Accept { images } | Operation::Reject { images } = &mut op {
        images.push(img.clone());
    }
    assert_eq!(refused(w.run("alice", op)), (K::Unsupported, "HS-NO-ACCEPT"));
    assert!(w.launch("alice", &img).is_ok(), "usable without accepting");
}

#[rstest]
#[case::copy(|img: String| Operation::Copy { image: img, to_region: "home".into(), name: None, own_key: false })]
#[case::reinit(|_| Operation::ReinitDisk { instance: "pull-000000000000".into() })]
#[case::replace(|img| Operation::ReplaceSystemDisk { instance: "pull-000000000000".into(), image: img })]
#[case::authorize(|img| Operation::AuthorizeKey { image: img, recipient: "alice".into() })]
#[case::revoke(|img| Operation::RevokeKey { image: img, recipient: "alice".into() })]
#[case::lighthouse(|img| Operation::ShareToLighthouse { image: img })]
fn no_api(#[case] op: fn(String) -> Operation) {
    let (mut w, img) = shared();
    assert_eq!(refused(w.run("owner", op(img.clone()))), (K::Unsupported, "HS-NO-API"));
    assert_eq!(refused(w.run("alice", op(img))), (K::Unsupported, "HS-NO-API"));
}

#[test]
fn no_quota() {
    let mut w = world();
    assert_eq!(refused(w.run("owner", Operation::Quota)), (K::Unsupported, "HS-NO-QUOTA"));
    assert!(P.policy().image_quota.is_none());
}

// ----- wire errors -------------------------------------------------------------------------

#[rstest]
#[case::pull_not_found(K::NotFound, Action::Launch, 401, "DENIED")]
#[case::not_found(K::NotFound, Action::Describe, 404, "SVCSTG.SWR.4040010")]
#[case::push_denied(K::PermissionDenied, Action::Push, 401, "DENIED")]
#[case::push_too_big(K::QuotaExceeded, Action::Push, 403, "DENIED")]
#[case::push_invalid(K::InvalidParameter, Action::Push, 400, "MANIFEST_INVALID")]
#[case::cross_region(K::CrossRegion, Action::Share, 404, "SVCSTG.SWR.4040010")]
#[case::not_shared(K::NotShared, Action::CancelShare, 404, "SVCSTG.SWR.4040091")]
#[case::duplicate(K::AlreadyShared, Action::Share, 409, "SVCSTG.SWR.4090089")]
#[case::exists(K::AlreadyExists, Action::CreateImage, 409, "SVCSTG.SWR.4090006")]
#[case::not_owner(K::NotOwner, Action::ListShares, 403, "SVCSTG.SWR.4039002")]
#[case::reshare(K::ReshareForbidden, Action::Share, 403, "SVCSTG.SWR.4039002")]
#[case::denied(K::PermissionDenied, Action::Delete, 403, "SVCSTG.SWR.4037020")]
#[case::expired(K::Expired, Action::Launch, 401, "DENIED")]
#[case::expired_describe(K::Expired, Action::Describe, 403, "SVCSTG.SWR.4037020")]
#[case::description(K::InvalidParameter, Action::SetDescription, 413, "SVCSTG.SWR.4131012")]
#[case::permission(K::InvalidParameter, Action::SetPermission, 400, "SVCSTG.SWR.4001066")]
#[case::deadline(K::InvalidParameter, Action::SetValidity, 400, "SVCSTG.SWR.4000014")]
#[case::repo_name(K::InvalidParameter, Action::CreateImage, 400, "SVCSTG.SWR.4001029")]
#[case::invalid(K::InvalidParameter, Action::Share, 400, "SVCSTG.SWR.4000014")]
#[case::invalid_recipient(K::InvalidRecipient, Action::Share, 400, "SVCSTG.SWR.4001067")]
#[case::unknown_recipient(K::RecipientNotFound, Action::Share, 400, "SVCSTG.SWR.4001041")]
#[case::public(K::PublicNotShareable, Action::Share, 400, "SVCSTG.SWR.4000014")]
#[case::limit(K::ShareLimitExceeded, Action::Share, 400, "SVCSTG.SWR.4000014")]
#[case::no_api(K::Unsupported, Action::Copy, 404, "APIGW.0101")]
#[case::no_accept(K::Unsupported, Action::Accept, 404, "APIGW.0101")]
#[case::bad_param(K::Unsupported, Action::CreateImage, 400, "SVCSTG.SWR.4000014")]
#[case::auth(K::UnknownAccount, Action::Share, 401, "APIGW.0301")]
fn wire_errors(#[case] kind: K, #[case] action: Action, #[case] status: u16, #[case] code: &str) {
    let w = (P.spec().wire_error)(kind, action);
    assert_eq!((w.status, w.code), (status, code), "{kind:?} {action:?}");
}

#[test]
fn every_wire_error_is_an_swr_or_gateway_4xx() {
    for kind in K::ALL {
        for action in Action::ALL {
            let w = (P.spec().wire_error)(kind, action);
            assert!((400..500).contains(&w.status), "{kind:?} {action:?}");
            if matches!(action, Action::Launch | Action::Push) && !matches!(kind, K::Unsupported | K::UnknownRegion) {
                // The registry's: the distribution spec's codes.
                assert!(w.code.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'), "{}", w.code);
            } else {
                assert!(w.code.starts_with("SVCSTG.SWR.") || w.code.starts_with("APIGW."), "{}", w.code);
            }
            assert!(!w.message.is_empty());
        }
    }
}

#[test]
fn repositories_are_not_renamed() {
    let mut w = World::new(P, 0);
    let repo = w.image("owner");
    let rename = Operation::Modify { image: repo.clone(), name: Some("other".into()), description: None };
    assert_eq!(refused(w.run("owner", rename)), (K::InvalidParameter, "HS-NO-RENAME"));
    let describe = Operation::Modify { image: repo, name: None, description: Some("new text".into()) };
    assert!(w.run("owner", describe).is_ok(), "the description can change");
}

#[test]
fn an_unknown_access_key_reads_as_the_gateway_answers_it() {
    // The gateway refuses a key it does not know with "Get secretKey failed … ak not exist",
    // not with the words of a signature mismatch.
    let f = crate::engine::Failure::plain(K::UnknownAccount, "no such account");
    let w = super::SPEC.wire(&f, Action::Share);
    assert_eq!((w.status, w.code), (401, "APIGW.0301"));
    assert!(w.message.contains("Get secretKey failed") && w.message.ends_with("ak not exist"), "{}", w.message);
}

#[test]
fn a_repository_cannot_be_made_to_wait() {
    // Issue 10: `ready_after` used to be accepted and ignored, so a "creating" repository was
    // shared and pulled at once. SWR repositories have no state; the option is refused.
    let mut w = crate::testkit::World::new(Provider::HuaweiSwr, 0);
    let new =
        crate::engine::NewImage { name: "slow".into(), region: "home".into(), ready_after: 60, ..Default::default() };
    let f = w.run("owner", crate::engine::Operation::CreateImage(new)).unwrap_err();
    assert_eq!((f.kind, f.rule), (K::Unsupported, None));
    assert!(f.message.contains("ready_after"), "{}", f.message);
    for p in [Provider::Jdcloud, Provider::Tencent, Provider::Alibaba, Provider::HuaweiIms] {
        let mut w = crate::testkit::World::new(p, 0);
        w.image_with("owner", |n| n.ready_after = 60);
    }
}

#[test]
fn the_owner_makes_a_shared_repository_public_and_private_again() {
    use crate::engine::{Operation, Visibility};
    let mut w = world();
    let img = w.image("owner");
    w.share("owner", &img, &["alice"]).unwrap();
    let set =
        |w: &mut World, who: &str, visibility| w.run(who, Operation::SetVisibility { image: img.clone(), visibility });
    // "HS-MAKE-PUBLIC": the owner may; a recipient may not (pull only).
    assert_eq!(refused(set(&mut w, "alice", Visibility::Public)).0, K::PermissionDenied);
    assert!(set(&mut w, "owner", Visibility::Public).is_ok());
    // "HS-PUBLIC-KEEPS-SHARES" (assumed): alice's share stays; new shares are refused while public.
    assert_eq!(w.members("owner", &img), vec!["alice".to_string()]);
    assert_eq!(refused(w.share("owner", &img, &["bob"])), (K::PublicNotShareable, "HS-PRIVATE-ONLY"));
    assert!(set(&mut w, "owner", Visibility::Private).is_ok());
    assert!(w.share("owner", &img, &["bob"]).is_ok());
    assert!(w.launch("alice", &img).is_ok());
}

#[test]
fn other_providers_cannot_change_an_images_visibility() {
    use crate::engine::{Operation, Visibility};
    for p in [Provider::Jdcloud, Provider::Tencent, Provider::Alibaba, Provider::HuaweiIms] {
        let mut w = World::new(p, 0);
        let img = w.image("owner");
        let f = w.run("owner", Operation::SetVisibility { image: img, visibility: Visibility::Public }).unwrap_err();
        assert_eq!((f.kind, f.rule), (K::Unsupported, None), "{p}");
    }
}

// ----- the registry's content: push ----------------------------------------------------------

fn blob(content: &[u8]) -> crate::engine::BlobRef {
    crate::engine::BlobRef { digest: crate::engine::content::digest_of(content), size: content.len() as u64 }
}

fn push(w: &mut World, actor: &str, image: &str, tag: &str, layer: &[u8]) -> Outcome {
    let (config, layer) = (blob(b"{}"), blob(layer));
    let manifest = crate::engine::PushedManifest {
        digest: crate::engine::content::digest_of(format!("{tag}{}", layer.digest).as_bytes()),
        media_type: "application/vnd.oci.image.manifest.v1+json".into(),
        size: 300,
        blobs: vec![config.clone(), layer.clone()],
    };
    let op = Operation::Push {
        image: image.into(),
        blobs: vec![config, layer],
        manifest: Some(manifest),
        tag: Some(tag.into()),
    };
    w.run(actor, op)
}

#[test]
fn only_the_owner_pushes_and_recipients_pull_what_it_pushed() {
    let (mut w, img) = shared();
    match push(&mut w, "owner", &img, "v1", b"layer") {
        Ok(Output::Pushed { tag, digest: Some(_), .. }) => assert_eq!(tag.as_deref(), Some("v1")),
        other => panic!("expected a push, got {other:?}"),
    }
    // HS-PULL-ONLY: a recipient's share is read only.
    assert_eq!(refused(push(&mut w, "alice", &img, "v2", b"mine")), (K::PermissionDenied, "HS-PULL-ONLY"));
    assert_eq!(pulled(w.launch("alice", &img)), img);
    let content = w.engine.content(&img).unwrap();
    assert_eq!((content.tags.len(), content.blobs.len(), content.manifests.len()), (1, 2, 1));
    // A stranger learns nothing.
    assert_eq!(refused(push(&mut w, "bob", &img, "v3", b"x")).0, K::NotFound);
}

#[test]
fn a_push_checks_shapes_before_it_links_anything() {
    let mut w = world();
    let img = w.image("owner");
    let bad_tag = Operation::Push { image: img.clone(), blobs: vec![], manifest: None, tag: Some("v1".into()) };
    assert_eq!(w.run("owner", bad_tag).unwrap_err().kind, K::InvalidParameter, "a tag names a manifest");
    let bad_digest = crate::engine::BlobRef { digest: "sha256:../../x".into(), size: 1 };
    let op = Operation::Push { image: img.clone(), blobs: vec![bad_digest], manifest: None, tag: None };
    assert_eq!(w.run("owner", op).unwrap_err().kind, K::InvalidParameter);
    assert!(w.engine.content(&img).unwrap().is_empty(), "nothing half-linked");
}

#[test]
fn layer_size() {
    // HS-LAYER-10GB: 10 GiB per layer unless the world lowers it.
    assert_eq!(P.policy().layer_size.map(|(r, max)| (r.id, max)), Some(("HS-LAYER-10GB", 10 << 30)));
    let mut w = World::with_settings(P, 0, crate::engine::Settings { blob_limit: Some(4), ..Default::default() });
    let img = w.image("owner");
    assert_eq!(refused(push(&mut w, "owner", &img, "v1", b"12345")), (K::QuotaExceeded, "HS-LAYER-10GB"));
    assert!(push(&mut w, "owner", &img, "v1", b"1234").is_ok());
}

#[test]
fn repository_size() {
    // HS-REPO-SIZE: no limit unless the world sets one; content a repository has counts once.
    let settings = crate::engine::Settings { repository_limit: Some(320), ..Default::default() };
    let mut w = World::with_settings(P, 0, settings);
    let img = w.image("owner");
    assert!(push(&mut w, "owner", &img, "v1", b"1234").is_ok(), "2 + 4 + 300 bytes");
    assert!(push(&mut w, "owner", &img, "v1", b"1234").is_ok(), "the same content again adds nothing");
    assert_eq!(refused(push(&mut w, "owner", &img, "v2", b"123456")), (K::QuotaExceeded, "HS-REPO-SIZE"));
    let other = w.image_with("owner", |n| n.name = "other".into());
    assert!(push(&mut w, "owner", &other, "v1", b"123456").is_ok(), "the limit is per repository");
}

#[test]
fn push_creates() {
    // HS-PUSH-CREATES: content pushed to a repository of one's own namespace that does not
    // exist makes it, private; asking whether one may push makes nothing.
    let mut w = world();
    let fresh = format!("{}/fresh", identity::namespace("owner"));
    let ask = Operation::Push { image: fresh.clone(), blobs: vec![], manifest: None, tag: None };
    assert!(w.run("owner", ask).is_ok());
    assert!(w.engine.content(&fresh).is_none(), "nothing made by asking");
    assert!(push(&mut w, "owner", &fresh, "v1", b"layer").is_ok());
    let made = w.engine.state().images.iter().find(|i| i.id == fresh).unwrap();
    assert_eq!(made.visibility, Visibility::Private);
    assert_eq!(refused(push(&mut w, "alice", &fresh, "v1", b"x")).0, K::NotFound, "not in another's namespace");
    // A deleted repository is made anew, without its shares.
    w.share("owner", &fresh, &["alice"]).unwrap();
    w.delete("owner", &fresh).unwrap();
    assert!(push(&mut w, "owner", &fresh, "v2", b"layer").is_ok());
    assert_eq!(refused(w.launch("alice", &fresh)).0, K::NotFound);
    assert!(P.policy().push_creates.is_some_and(|r| r.id == "HS-PUSH-CREATES"));
}

#[test]
fn anyone_pulls_a_public_repository_and_only_pulls_it() {
    let mut w = world();
    let img = w.public("owner");
    assert_eq!(pulled(w.launch("bob", &img)), img, "a logged-in stranger");
    assert_eq!(
        pulled(
            w.engine.apply(&crate::engine::Request::new(
                "",
                Operation::Launch { image: img.clone(), product: Product::Cvm }
            ))
        ),
        img,
        "anyone, not logged in"
    );
    let private = w.image_with("owner", |n| n.name = "private".into());
    let anonymous = crate::engine::Request::new("", Operation::Launch { image: private, product: Product::Cvm });
    assert_eq!(w.engine.apply(&anonymous).unwrap_err().kind, K::NotFound);
    let anonymous_push = crate::engine::Request::new(
        "",
        Operation::Push { image: img.clone(), blobs: vec![], manifest: None, tag: None },
    );
    assert_eq!(w.engine.apply(&anonymous_push).unwrap_err().kind, K::UnknownAccount, "only pulls are anonymous");
    assert_eq!(
        refused(push(&mut w, "bob", &img, "v1", b"x")),
        (K::PermissionDenied, "HS-MAKE-PUBLIC"),
        "public is not writable"
    );
}
