//! Provider-neutral engine tests: determinism, typed errors for bad input, dumps, robustness.

use rstest::rstest;

use super::*;
use crate::ids::splitmix;

fn world(p: Provider) -> Engine {
    let mut e = Engine::new(p, 42);
    for a in ["owner", "alice", "bob"] {
        e.add_account(a).unwrap();
    }
    e
}

fn create(e: &mut Engine, name: &str) -> String {
    let new = NewImage { name: name.into(), region: "home".into(), ..Default::default() };
    match e.apply(&Request::new("owner", Operation::CreateImage(new))) {
        Ok(Output::ImageCreated { image, .. }) => image,
        other => panic!("{other:?}"),
    }
}

/// A fixed little story that touches most operations.
fn story(p: Provider) -> (Engine, Vec<String>) {
    let mut e = world(p);
    let img = create(&mut e, "base");
    let alice = e.recipient_id("alice", "home").unwrap();
    let ops = vec![
        Request::new(
            "owner",
            Operation::Share {
                images: vec![img.clone()],
                recipients: vec![alice.clone()],
                options: Default::default(),
            },
        ),
        Request::new("alice", Operation::Accept { images: vec![img.clone()] }),
        Request::new("alice", Operation::ListSharedWithMe),
        Request::new("alice", Operation::Launch { image: img.clone(), product: Product::Cvm }),
        Request::new("owner", Operation::AdvanceClock { seconds: 90 }),
        Request::new("owner", Operation::ListShares { image: img.clone() }),
        Request::new(
            "owner",
            Operation::Copy { image: img.clone(), to_region: "away".into(), name: None, own_key: false },
        ),
        Request::new("owner", Operation::Delete { image: img.clone() }),
        Request::new("owner", Operation::CancelShare { image: img.clone(), recipients: vec![alice] }),
        Request::new("owner", Operation::Delete { image: img }),
    ];
    let log = ops.iter().map(|r| format!("{:?}", e.apply(r))).collect();
    (e, log)
}

#[rstest]
fn the_same_operations_give_byte_identical_dumps(
    #[values(Provider::Jdcloud, Provider::Tencent, Provider::Alibaba, Provider::HuaweiIms, Provider::HuaweiSwr)]
    p: Provider,
) {
    let (a, log_a) = story(p);
    let (b, log_b) = story(p);
    assert_eq!(log_a, log_b);
    assert_eq!(a.dump(), b.dump());
}

#[test]
fn a_different_seed_gives_different_ids() {
    let mut a = Engine::new(Provider::Tencent, 1);
    let mut b = Engine::new(Provider::Tencent, 2);
    a.add_account("owner").unwrap();
    b.add_account("owner").unwrap();
    assert_ne!(create(&mut a, "x"), create(&mut b, "x"));
}

#[rstest]
fn dumps_load_back(
    #[values(Provider::Jdcloud, Provider::Tencent, Provider::Alibaba, Provider::HuaweiIms, Provider::HuaweiSwr)]
    p: Provider,
) {
    let (e, _) = story(p);
    let loaded = Engine::load(p, &e.dump()).unwrap();
    assert_eq!(loaded.dump(), e.dump());
    assert_eq!(loaded.state().index, e.state().index, "indices rebuild to the same lookups");
}

#[test]
fn bad_dumps_are_typed_errors() {
    let (e, _) = story(Provider::Tencent);
    assert!(matches!(Engine::load(Provider::Alibaba, &e.dump()), Err(LoadError::WrongProvider { .. })));
    assert!(matches!(Engine::load(Provider::Tencent, "{"), Err(LoadError::Json(_))));
    let broken = e.dump().replacen("\"owner\": 0", "\"owner\": 99", 1);
    assert!(matches!(Engine::load(Provider::Tencent, &broken), Err(LoadError::Inconsistent(_))));
}

#[test]
fn unknown_account_region_and_image_are_typed_errors() {
    let mut e = world(Provider::Tencent);
    let img = create(&mut e, "base");
    let r = e.apply(&Request::new("mallory", Operation::ListSharedWithMe));
    assert_eq!(r.unwrap_err().kind, ErrorKind::UnknownAccount);
    let r = e.apply(&Request::new("owner", Operation::Describe { image: img.clone() }).in_region("mars"));
    let f = r.unwrap_err();
    assert_eq!(f.kind, ErrorKind::UnknownRegion);
    assert!(f.message.contains("ap-guangzhou"), "the error lists the known regions: {}", f.message);
    let r = e.apply(&Request::new("owner", Operation::Describe { image: "img-nothere".into() }));
    assert_eq!(r.unwrap_err(), Failure::plain(ErrorKind::NotFound, "image `img-nothere` does not exist"));
    let new = NewImage { name: "x".into(), region: "mars".into(), ..Default::default() };
    assert_eq!(
        e.apply(&Request::new("owner", Operation::CreateImage(new))).unwrap_err().kind,
        ErrorKind::UnknownRegion
    );
    assert_eq!(e.recipient_id("nobody", "home").unwrap_err().kind, ErrorKind::UnknownAccount);
}

#[test]
fn account_names_are_checked() {
    let mut e = world(Provider::Tencent);
    assert_eq!(e.add_account("alice").unwrap_err().kind, ErrorKind::InvalidParameter);
    assert_eq!(e.add_account("").unwrap_err().kind, ErrorKind::InvalidParameter);
    assert_eq!(e.add_account("a b").unwrap_err().kind, ErrorKind::InvalidParameter);
}

#[test]
fn regions_resolve_by_name_or_id() {
    let e = world(Provider::Alibaba);
    assert_eq!(e.resolve_region("home").unwrap(), e.resolve_region(e.provider().spec().regions[0].id).unwrap());
}

/// Random operations with random (often nonsensical) arguments never panic, on any provider.
#[rstest]
fn random_operations_never_panic(
    #[values(Provider::Jdcloud, Provider::Tencent, Provider::Alibaba, Provider::HuaweiIms, Provider::HuaweiSwr)]
    p: Provider,
) {
    let mut e = world(p);
    let mut images = vec![create(&mut e, "seed"), "img-bogus".to_string(), String::new()];
    let mut instances = vec!["i-bogus".to_string()];
    let actors = ["owner", "alice", "bob", "ghost"];
    let regions = ["home", "away", "third", "nowhere"];
    let mut h = 1u64;
    let mut pick = |n: usize| {
        h = splitmix(h);
        (h % n as u64) as usize
    };
    for _ in 0..3000 {
        let img = images[pick(images.len())].clone();
        let who = actors[pick(4)];
        let recipient = match pick(4) {
            0 => e.recipient_id(actors[pick(3)], regions[pick(3)]).unwrap_or_default(),
            1 => "garbage".to_string(),
            2 => "123456789012".to_string(),
            _ => e.state().accounts[pick(3)].identities[0].value.clone(),
        };
        let op = match pick(20) {
            0 => Operation::CreateImage(NewImage {
                name: format!("n{}", pick(5)),
                region: regions[pick(4)].into(),
                encryption: [EncryptionSpec::None, EncryptionSpec::DefaultKey, EncryptionSpec::CustomKey][pick(3)],
                kind: [ImageKind::SystemDisk, ImageKind::FullServer][pick(2)],
                ready_after: pick(3) as u64 * 10,
                ..Default::default()
            }),
            1 | 2 => Operation::Share { images: vec![img], recipients: vec![recipient], options: Default::default() },
            3 => Operation::CancelShare { image: img, recipients: vec![recipient] },
            4 => Operation::Accept { images: vec![img] },
            5 => Operation::Reject { images: vec![img] },
            6 => Operation::ListSharedWithMe,
            7 => Operation::ListShares { image: img },
            8 => Operation::Delete { image: img },
            9 => Operation::Copy { image: img, to_region: regions[pick(4)].into(), name: None, own_key: pick(2) == 0 },
            10 => Operation::Launch { image: img, product: [Product::Cvm, Product::Lighthouse][pick(2)] },
            11 => Operation::ReinitDisk { instance: instances[pick(instances.len())].clone() },
            12 => Operation::AuthorizeKey { image: img, recipient },
            13 => Operation::ModifyShare {
                image: img,
                recipient,
                options: ShareOptions {
                    validity: Some(Validity::Until(EPOCH_START + pick(100) as u64 * 60)),
                    ..Default::default()
                },
            },
            14 => Operation::AdvanceClock { seconds: pick(100) as u64 },
            15 => Operation::ListInstances,
            16 => Operation::StopInstance { instance: instances[pick(instances.len())].clone() },
            17 => Operation::DeleteInstance { instance: instances[pick(instances.len())].clone() },
            18 => Operation::ListKeyGrants { image: img },
            _ => Operation::Describe { image: img },
        };
        let req =
            Request { actor: who.into(), region: [None, Some(regions[pick(4)].to_string())][pick(2)].clone(), op };
        match e.apply(&req) {
            Ok(Output::ImageCreated { image, .. } | Output::Copied { image, .. }) => images.push(image),
            Ok(Output::Launched { instance }) => instances.push(instance),
            _ => {}
        }
    }
    if let Err(e) = Engine::load(p, &e.dump()) {
        panic!("{p}: a dump of random operations does not load back: {e}");
    }
}

#[test]
fn instances_are_listed_stopped_and_deleted_by_their_owner_only() {
    let mut e = Engine::new(Provider::Alibaba, 7);
    for a in ["owner", "alice"] {
        e.add_account(a).unwrap();
    }
    let new = NewImage { name: "base".into(), region: "home".into(), ..Default::default() };
    let Ok(Output::ImageCreated { image, .. }) = e.apply(&Request::new("owner", Operation::CreateImage(new))) else {
        panic!("image")
    };
    let Ok(Output::Launched { instance }) =
        e.apply(&Request::new("owner", Operation::Launch { image: image.clone(), product: Product::Cvm }))
    else {
        panic!("launch")
    };
    let list = |e: &mut Engine, who: &str| match e.apply(&Request::new(who, Operation::ListInstances)) {
        Ok(Output::Instances { instances }) => instances.into_iter().map(|i| (i.id, i.state)).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(list(&mut e, "owner"), vec![(instance.clone(), "running".to_string())]);
    assert!(list(&mut e, "alice").is_empty());
    let stop = Operation::StopInstance { instance: instance.clone() };
    assert_eq!(e.apply(&Request::new("alice", stop.clone())).unwrap_err().kind, ErrorKind::InstanceNotFound);
    e.apply(&Request::new("owner", stop)).unwrap();
    assert_eq!(list(&mut e, "owner"), vec![(instance.clone(), "stopped".to_string())]);
    // A call that names another region than the instance's does not find it.
    for op in [
        Operation::ReinitDisk { instance: instance.clone() },
        Operation::ReplaceSystemDisk { instance: instance.clone(), image: image.clone() },
    ] {
        let elsewhere = Request::new("owner", op.clone()).in_region("away");
        assert_eq!(e.apply(&elsewhere).unwrap_err().kind, ErrorKind::InstanceNotFound);
        e.apply(&Request::new("owner", op.clone()).in_region("home")).unwrap();
        e.apply(&Request::new("owner", op)).unwrap();
    }
    let away = Request::new("owner", Operation::DeleteInstance { instance: instance.clone() }).in_region("away");
    assert_eq!(e.apply(&away).unwrap_err().kind, ErrorKind::InstanceNotFound);
    e.apply(&Request::new("owner", Operation::DeleteInstance { instance: instance.clone() })).unwrap();
    assert!(list(&mut e, "owner").is_empty());
    let reinit = Operation::ReinitDisk { instance };
    assert_eq!(e.apply(&Request::new("owner", reinit)).unwrap_err().kind, ErrorKind::InstanceNotFound);
    assert!(Engine::load(Provider::Alibaba, &e.dump()).is_ok());
}
