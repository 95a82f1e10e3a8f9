//! Helpers for the rule tests: a small world and one-line operations.

use crate::engine::{
    EncryptionSpec, Engine, ErrorKind, Failure, ImageKind, NewImage, Operation, Outcome, Output, Request, ShareOptions,
    Visibility,
};
use crate::providers::Provider;

pub struct World {
    pub engine: Engine,
}

/// The image ID from a successful create or copy; panics in tests only.
pub fn created(o: Outcome) -> String {
    match o {
        Ok(Output::ImageCreated { image, .. } | Output::Copied { image, .. }) => image,
        other => panic!("expected an image, got {other:?}"),
    }
}

/// The rule a refusal names; panics in tests when the operation succeeded.
pub fn refused(o: Outcome) -> (ErrorKind, &'static str) {
    match o {
        Err(Failure { kind, rule, .. }) => (kind, rule.unwrap_or("-")),
        Ok(out) => panic!("expected a refusal, got {out:?}"),
    }
}

impl World {
    /// A world with `owner`, `alice`, `bob` and `n` generated accounts `user1`…`userN`.
    pub fn new(p: Provider, n: usize) -> World {
        World::with_settings(p, n, crate::engine::Settings::default())
    }

    /// [`World::new`] with a world's settings.
    pub fn with_settings(p: Provider, n: usize, settings: crate::engine::Settings) -> World {
        let mut engine = Engine::with_settings(p, 7, settings);
        for a in ["owner", "alice", "bob"] {
            engine.add_account(a).expect("fixed names are valid");
        }
        for i in 1..=n {
            engine.add_account(&format!("user{i}")).expect("generated names are valid");
        }
        World { engine }
    }

    pub fn run(&mut self, actor: &str, op: Operation) -> Outcome {
        self.engine.apply(&Request::new(actor, op))
    }

    pub fn run_in(&mut self, actor: &str, region: &str, op: Operation) -> Outcome {
        self.engine.apply(&Request::new(actor, op).in_region(region))
    }

    pub fn image_with(&mut self, owner: &str, f: impl FnOnce(&mut NewImage)) -> String {
        let mut new = NewImage { name: "base".into(), region: "home".into(), ..Default::default() };
        f(&mut new);
        created(self.run(owner, Operation::CreateImage(new)))
    }

    pub fn image(&mut self, owner: &str) -> String {
        self.image_with(owner, |_| {})
    }

    pub fn encrypted(&mut self, owner: &str, e: EncryptionSpec) -> String {
        self.image_with(owner, |n| n.encryption = e)
    }

    pub fn public(&mut self, owner: &str) -> String {
        self.image_with(owner, |n| n.visibility = Visibility::Public)
    }

    pub fn full_server(&mut self, owner: &str) -> String {
        self.image_with(owner, |n| n.kind = ImageKind::FullServer)
    }

    /// The recipient identity of `account` in `home`.
    pub fn id(&self, account: &str) -> String {
        self.engine.recipient_id(account, "home").expect("test accounts exist")
    }

    pub fn ids(&self, accounts: &[&str]) -> Vec<String> {
        accounts.iter().map(|a| self.id(a)).collect()
    }

    pub fn users(&self, from: usize, to: usize) -> Vec<String> {
        (from..=to).map(|i| self.id(&format!("user{i}"))).collect()
    }

    pub fn share(&mut self, actor: &str, image: &str, to: &[&str]) -> Outcome {
        let recipients = self.ids(to);
        self.share_raw(actor, image, recipients)
    }

    pub fn share_raw(&mut self, actor: &str, image: &str, recipients: Vec<String>) -> Outcome {
        self.run(actor, Operation::Share { images: vec![image.into()], recipients, options: ShareOptions::default() })
    }

    pub fn share_with(&mut self, actor: &str, image: &str, to: &[&str], options: ShareOptions) -> Outcome {
        let recipients = self.ids(to);
        self.run(actor, Operation::Share { images: vec![image.into()], recipients, options })
    }

    pub fn cancel(&mut self, actor: &str, image: &str, to: &[&str]) -> Outcome {
        let recipients = self.ids(to);
        self.run(actor, Operation::CancelShare { image: image.into(), recipients })
    }

    pub fn accept(&mut self, actor: &str, image: &str) -> Outcome {
        self.run(actor, Operation::Accept { images: vec![image.into()] })
    }

    pub fn launch(&mut self, actor: &str, image: &str) -> Outcome {
        self.run(actor, Operation::Launch { image: image.into(), product: Default::default() })
    }

    /// Launches and returns the instance ID.
    pub fn instance(&mut self, actor: &str, image: &str) -> String {
        match self.launch(actor, image) {
            Ok(Output::Launched { instance }) => instance,
            other => panic!("expected an instance, got {other:?}"),
        }
    }

    pub fn reinit(&mut self, actor: &str, instance: &str) -> Outcome {
        self.run(actor, Operation::ReinitDisk { instance: instance.into() })
    }

    pub fn delete(&mut self, actor: &str, image: &str) -> Outcome {
        self.run(actor, Operation::Delete { image: image.into() })
    }

    pub fn copy(&mut self, actor: &str, image: &str, to: &str) -> Outcome {
        self.run(actor, Operation::Copy { image: image.into(), to_region: to.into(), name: None, own_key: false })
    }

    pub fn shared_with_me(&mut self, actor: &str) -> Vec<String> {
        match self.run(actor, Operation::ListSharedWithMe) {
            Ok(Output::SharedWithMe { images }) => images.into_iter().map(|i| i.image).collect(),
            other => panic!("expected a listing, got {other:?}"),
        }
    }

    pub fn members(&mut self, actor: &str, image: &str) -> Vec<String> {
        match self.run(actor, Operation::ListShares { image: image.into() }) {
            Ok(Output::Members { members }) => members.into_iter().map(|m| m.account).collect(),
            other => panic!("expected members, got {other:?}"),
        }
    }
}

/// Every rule ID of `p` must appear in its test source: the guard that no rule goes untested.
pub fn assert_every_rule_tested(p: Provider, test_source: &str) {
    let missing: Vec<_> =
        p.spec().rules.iter().map(|r| r.id).filter(|id| !test_source.contains(&format!("\"{id}\""))).collect();
    assert!(missing.is_empty(), "{p}: rules without a test: {missing:?}");
}

/// A provider's endpoint answering in process, for the tests of the HTTP clients
/// (`providers/<p>/calls.rs`): `owner`, `alice` and `bob` with their keys, and the requests of
/// the last [`Wire::perform`] kept for inspection.
pub struct Wire {
    pub ep: crate::wire::Endpoint,
    pub keys: crate::wire::KeyStore,
    pub sent: Vec<crate::wire::HttpRequest>,
    /// Wall-clock seconds the requests are signed and checked at.
    pub now: u64,
}

impl crate::wire::call::Transport for Wire {
    fn send(&mut self, req: crate::wire::HttpRequest) -> Result<crate::wire::HttpResponse, String> {
        let resp = self.ep.handle(&req, self.now);
        self.sent.push(req);
        Ok(resp)
    }
}

impl Wire {
    pub fn new(p: Provider, now: u64) -> Wire {
        let mut engine = Engine::new(p, 0);
        let mut keys = crate::wire::KeyStore::default();
        for a in ["owner", "alice", "bob"] {
            engine.add_account(a).expect("fixed names are valid");
            let (id, secret) = crate::wire::KeyStore::derive(p, a, 0);
            keys.insert(&id, a, &secret);
        }
        Wire { ep: crate::wire::Endpoint::new(engine, keys.clone(), true), keys, sent: Vec::new(), now }
    }

    /// Makes `owner`'s image `name` in home, straight in the engine; returns its ID.
    pub fn image(&mut self, name: &str) -> String {
        let new = NewImage { name: name.into(), region: "home".into(), ..Default::default() };
        let mut engine = self.ep.engine().clone();
        let id = created(engine.apply(&Request::new("owner", Operation::CreateImage(new))));
        self.ep.replace_engine(engine);
        id
    }

    /// How a share names `account` in home.
    pub fn id(&self, account: &str) -> String {
        self.ep.engine().recipient_id(account, "home").expect("a fixed account")
    }

    /// Performs `op` as `actor` in region `region` with `perform`, the provider's client; the
    /// requests it sent are in `sent` afterwards.
    pub fn perform(
        &mut self,
        perform: crate::wire::call::Perform,
        actor: &str,
        region: usize,
        op: Operation,
    ) -> crate::wire::call::Sent {
        let directory = crate::wire::directory::Directory::new(self.ep.engine());
        let (key_id, secret) = crate::wire::KeyStore::derive(directory.provider(), actor, 0);
        let caller = crate::wire::call::Caller {
            directory: &directory,
            actor,
            key_id: &key_id,
            secret: &secret,
            host: "127.0.0.1:8080",
            now: self.now,
            region,
        };
        self.sent.clear();
        perform(&Request::new(actor, op), &caller, self).unwrap_or_else(|e| panic!("client fault: {e}"))
    }
}
