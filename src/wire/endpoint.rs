//! One provider's endpoint: its engine, the world to reset to, access keys, seen nonces and a
//! bounded journal of decisions. A server holds one per listener behind a lock.

use std::any::{Any, TypeId};
use std::collections::{HashMap, VecDeque};

use serde::Serialize;

use super::content::ContentStore;
use super::store::StateFile;
use super::trace::{TRACE_HEADER, Traced};
use super::{HttpRequest, HttpResponse, KeyStore, Rejection};
use crate::engine::{Engine, Operation, Outcome, Output, Request};
use crate::providers::Provider;

/// The canonical decision of a provider request: `ok`, a canonical error, or a refusal word.
pub const OUTCOME_HEADER: &str = "x-sharesim-outcome";
/// The rule that made a refusal, when one did.
pub const RULE_HEADER: &str = "x-sharesim-rule";

/// How many requests the journal keeps; older ones are dropped.
pub const JOURNAL_CAPACITY: usize = 1000;
/// How long a nonce is remembered: twice the widest signature window (15 minutes either side of
/// the server's clock), since a request first sent at the early edge of its window stays
/// acceptable until the late edge, 30 minutes on.
pub const NONCE_WINDOW_SECS: u64 = 2 * 15 * 60;
/// At most this many nonces are remembered; the oldest go first.
pub const NONCE_CAPACITY: usize = 100_000;

/// One request as the journal records it.
#[derive(Debug, Clone, Serialize)]
pub struct JournalEntry {
    pub seq: u64,
    /// When the request arrived, on the wall clock (Unix seconds, shown as UTC).
    #[serde(serialize_with = "as_utc")]
    pub wall: u64,
    /// The virtual clock when it was answered (shown as UTC).
    #[serde(serialize_with = "as_utc")]
    pub at: u64,
    pub method: String,
    pub path: String,
    pub status: u16,
    /// The provider's operation name (e.g. `ModifyImageSharePermission`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// `ok`, a canonical error, or a transport/authentication refusal such as `signature`.
    pub decision: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<&'static str>,
    /// The engine action that decided, and the operation as the engine got it (the parameters
    /// that decided), when the engine was asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<Operation>,
    /// The provider's error code for the engine's refusal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
}

/// Seconds as the journal shows them: ISO 8601 UTC. Formatted when read, not per request.
fn as_utc<S: serde::Serializer>(secs: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::clock::iso8601(*secs))
}

pub struct Endpoint {
    provider: Provider,
    initial: Engine,
    engine: Engine,
    keys: KeyStore,
    verify_signatures: bool,
    nonces: HashMap<String, u64>,
    nonce_order: VecDeque<(u64, String)>,
    journal: VecDeque<JournalEntry>,
    seq: u64,
    /// What the request being handled did, for its journal entry.
    current: Option<JournalEntry>,
    /// The world as `GET /_sharesim/world` shows it.
    world: serde_json::Value,
    /// State an adapter keeps beside the engine (IMS's asynchronous jobs), one value per type.
    extensions: HashMap<TypeId, Box<dyn Any + Send>>,
    /// The decisions of the request being handled, when it asked for them (`wire::trace`).
    trace: Option<Vec<Traced>>,
    /// `--admin-token`: when set, every admin request must carry it.
    admin_token: Option<String>,
    /// `--state-dir`: where the engine's state is saved after every change.
    store: Option<StateFile>,
    /// The state may differ from what `store` holds.
    dirty: bool,
    /// A registry's blobs and manifests, by digest (SWR); empty for the other providers.
    content: ContentStore,
    /// `host:port` of the provider's registry listener, once it listens: the API names it
    /// where a client is told where to log in (SWR's CreateSecret).
    registry_host: Option<String>,
    /// The request just answered (admin calls included), for the server's log line.
    answered: Option<JournalEntry>,
}

/// Which of a provider's HTTP doors a request came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    /// The provider's API (SDKs, CLIs).
    Api,
    /// The provider's container registry (docker, skopeo), where it has one.
    Registry,
}

impl Endpoint {
    pub fn new(engine: Engine, keys: KeyStore, verify_signatures: bool) -> Endpoint {
        Endpoint {
            provider: engine.provider(),
            initial: engine.clone(),
            engine,
            keys,
            verify_signatures,
            nonces: HashMap::new(),
            nonce_order: VecDeque::new(),
            journal: VecDeque::new(),
            seq: 0,
            current: None,
            world: serde_json::Value::Null,
            extensions: HashMap::new(),
            trace: None,
            admin_token: None,
            store: None,
            dirty: false,
            content: ContentStore::new(),
            registry_host: None,
            answered: None,
        }
    }

    pub fn admin_token(&self) -> Option<&str> {
        self.admin_token.as_deref()
    }

    pub fn set_admin_token(&mut self, token: Option<String>) {
        self.admin_token = token;
    }

    /// Saves the state to `store` after every change from now on (and once now).
    pub fn set_store(&mut self, store: StateFile) -> Result<(), super::store::StoreError> {
        let dir = store.content_dir();
        self.content.set_dir(&dir).map_err(|source| super::store::StoreError::Dir { dir, source })?;
        store.save(&self.engine.dump())?;
        self.store = Some(store);
        self.dirty = false;
        Ok(())
    }

    /// Writes the state to its file if it may have changed since the last write.
    pub fn save(&mut self) -> Result<(), super::store::StoreError> {
        match &self.store {
            Some(store) if self.dirty => {
                store.save(&self.engine.dump())?;
                self.dirty = false;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// An adapter's own state of type `T` (created empty on first use). It is not part of the
    /// engine's state: reset and state loads clear it, as they make what it refers to obsolete.
    pub fn extension<T: Default + Send + 'static>(&mut self) -> &mut T {
        self.extensions
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Box::new(T::default()))
            .downcast_mut::<T>()
            .expect("the map is keyed by the value's own type")
    }

    /// Reads an adapter's state of type `T`, if it has any.
    pub fn extension_ref<T: 'static>(&self) -> Option<&T> {
        self.extensions.get(&TypeId::of::<T>()).and_then(|b| b.downcast_ref::<T>())
    }

    pub fn registry_host(&self) -> Option<&str> {
        self.registry_host.as_deref()
    }

    pub fn set_registry_host(&mut self, host: String) {
        self.registry_host = Some(host);
    }

    /// The registry's content store (blobs and manifests by digest).
    pub fn content(&mut self) -> &mut ContentStore {
        &mut self.content
    }

    pub fn world(&self) -> &serde_json::Value {
        &self.world
    }

    pub fn set_world(&mut self, world: serde_json::Value) {
        self.world = world;
    }

    /// Moves the virtual clock on; returns the new time.
    pub fn advance_clock(&mut self, seconds: u64) -> String {
        self.dirty = true;
        self.engine.advance_clock(seconds)
    }

    pub fn provider(&self) -> Provider {
        self.provider
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn keys(&self) -> &KeyStore {
        &self.keys
    }

    pub fn keys_mut(&mut self) -> &mut KeyStore {
        &mut self.keys
    }

    pub fn verify_signatures(&self) -> bool {
        self.verify_signatures
    }

    pub fn set_verify_signatures(&mut self, on: bool) {
        self.verify_signatures = on;
    }

    /// Back to the loaded world (keys stay).
    pub fn reset(&mut self) {
        self.engine = self.initial.clone();
        self.journal.clear();
        self.dirty = true;
        self.extensions.clear();
        self.nonces.clear();
        self.nonce_order.clear();
    }

    pub fn replace_engine(&mut self, engine: Engine) {
        self.engine = engine;
        self.dirty = true;
        self.extensions.clear();
    }

    /// Applies an operation for `actor` and notes the decision for the journal.
    pub fn apply(&mut self, actor: &str, region: Option<&str>, op: Operation) -> Outcome {
        let req = Request { actor: actor.to_string(), region: region.map(str::to_string), op };
        let out = self.engine.apply(&req);
        // A pull changes nothing: a registry serving layers must not rewrite the state file.
        self.dirty |= req.op.action().changes_state() && !matches!(out, Ok(Output::Pulled { .. }));
        if let Some(trace) = self.trace.as_mut() {
            trace.push(Traced::new(req.op.action(), &out));
        }
        if let Some(cur) = self.current.as_mut() {
            cur.actor = Some(actor.to_string());
            let action = req.op.action();
            cur.action = Some(action.name());
            cur.operation = Some(req.op.clone());
            match &out {
                Ok(_) => {
                    cur.decision = "ok".into();
                    cur.rule = None;
                    cur.code = None;
                }
                Err(f) => {
                    cur.decision = f.kind.to_string();
                    cur.rule = f.rule;
                    cur.code = Some(self.provider.spec().wire(f, action).code);
                }
            }
        }
        out
    }

    /// Names the caller of the request being served, for the journal, when an adapter knows
    /// it before (or without) asking the engine.
    pub fn note_actor(&mut self, actor: &str) {
        if let Some(cur) = self.current.as_mut() {
            cur.actor = Some(actor.to_string());
        }
    }

    /// Names the provider operation being served, for the journal.
    pub fn note_api(&mut self, api: &str) {
        if let Some(cur) = self.current.as_mut() {
            cur.api = Some(api.to_string());
        }
    }

    /// Notes a refusal made before the engine was asked (bad signature, bad parameter …).
    pub fn note_refusal(&mut self, what: &str) {
        self.decide(what, None);
    }

    /// What the adapter told the caller: `ok`, the canonical error of the engine's refusal
    /// (with its rule), or its own word for a refusal made before the engine was asked. An
    /// adapter may ask the engine several things and still answer `ok` (a listing that leaves
    /// out what the caller cannot see), so the journal and the `x-sharesim-outcome` /
    /// `x-sharesim-rule` headers, which [`Endpoint::handle`] sets, say what the adapter decided.
    pub fn decide(&mut self, outcome: &str, rule: Option<&'static str>) {
        if let Some(cur) = self.current.as_mut() {
            cur.decision = outcome.to_string();
            cur.rule = rule;
        }
    }

    /// The number of the request being handled (1-based); adapters derive request IDs from it.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// A UUID-shaped request ID, stable for a given request number.
    pub fn request_uuid(&self) -> String {
        crate::ids::uuid(crate::ids::stable_hash(&[self.provider.name(), "request", &self.seq.to_string()]))
    }

    /// Records `nonce`; false when it was seen within the window (a replay).
    pub fn fresh_nonce(&mut self, nonce: &str, now: u64) -> bool {
        while let Some((t, _)) = self.nonce_order.front() {
            if now.saturating_sub(*t) > NONCE_WINDOW_SECS || self.nonce_order.len() >= NONCE_CAPACITY {
                let (_, old) = self.nonce_order.pop_front().expect("front exists");
                self.nonces.remove(&old);
            } else {
                break;
            }
        }
        if self.nonces.contains_key(nonce) {
            return false;
        }
        self.nonces.insert(nonce.to_string(), now);
        self.nonce_order.push_back((now, nonce.to_string()));
        true
    }

    fn begin(&mut self, req: &HttpRequest, wall: u64) {
        self.seq += 1;
        let traced = req.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(TRACE_HEADER));
        self.trace = traced.then(Vec::new);
        self.current = Some(JournalEntry {
            seq: self.seq,
            wall,
            at: 0,
            method: req.method.clone(),
            path: req.path().to_string(),
            status: 0,
            api: None,
            actor: None,
            decision: "unhandled".into(),
            rule: None,
            action: None,
            operation: None,
            code: None,
        });
    }

    /// Adds the decision headers SDKs ignore and `run --via http` reads: what the adapter
    /// decided (see [`Endpoint::decide`]), one place for all five adapters.
    fn with_decision(&self, resp: HttpResponse) -> HttpResponse {
        let Some(cur) = self.current.as_ref() else { return resp };
        let resp = resp.with_header(OUTCOME_HEADER, &cur.decision);
        match cur.rule {
            Some(rule) => resp.with_header(RULE_HEADER, rule),
            None => resp,
        }
    }

    /// The request just answered, for one log line (taken, so it is logged once). Only a
    /// server that logs asks, so a copy is made only then.
    pub fn take_answered(&mut self) -> Option<JournalEntry> {
        if let Some(admin) = self.answered.take() {
            return Some(admin);
        }
        self.journal.back().filter(|e| e.seq == self.seq).cloned()
    }

    fn finish(&mut self, status: u16) {
        if let Some(mut cur) = self.current.take() {
            cur.status = status;
            cur.at = self.engine.now();
            if self.journal.len() == JOURNAL_CAPACITY {
                self.journal.pop_front();
            }
            self.journal.push_back(cur);
        }
    }

    /// The last `limit` journal entries, oldest first.
    pub fn journal(&self, limit: usize) -> Vec<JournalEntry> {
        let skip = self.journal.len().saturating_sub(limit);
        self.journal.iter().skip(skip).cloned().collect()
    }

    /// The last `limit` entries that `keep` accepts, oldest first.
    pub fn journal_where(&self, limit: usize, keep: impl Fn(&JournalEntry) -> bool) -> Vec<JournalEntry> {
        let mut found: Vec<JournalEntry> = self.journal.iter().rev().filter(|e| keep(e)).take(limit).cloned().collect();
        found.reverse();
        found
    }

    /// Forgets every request journalled so far.
    pub fn clear_journal(&mut self) {
        self.journal.clear();
    }

    /// Serves one request: the admin API under `/_sharesim/`, else the provider's adapter.
    pub fn handle(&mut self, req: &HttpRequest, now: u64) -> HttpResponse {
        self.handle_at(Door::Api, req, now)
    }

    /// The adapter behind `door`: the provider's API, or its registry (the API's where the
    /// provider has none).
    fn adapter(&self, door: Door) -> super::Adapter {
        match door {
            Door::Registry => super::adapters::registry(self.provider).unwrap_or(super::adapter(self.provider)),
            Door::Api => super::adapter(self.provider),
        }
    }

    /// [`Endpoint::handle`] for a request that came through `door`.
    pub fn handle_at(&mut self, door: Door, req: &HttpRequest, now: u64) -> HttpResponse {
        self.begin(req, now);
        let admin = super::admin::is_admin(req.path());
        let resp = if admin {
            self.note_api("admin");
            super::admin::handle(self, req)
        } else {
            let resp = (self.adapter(door).handle)(self, req, now);
            self.with_decision(resp)
        };
        let resp = match self.save() {
            Ok(()) => resp,
            // The change stands in memory but was not made durable: the client is not told
            // it succeeded, and the next successful write catches the file up.
            Err(e) => super::admin::error(500, format!("sharesim could not save its state: {e}")),
        };
        if admin {
            // Admin calls drive the mock; they are not provider calls to verify.
            if let Some(mut cur) = self.current.take() {
                cur.status = resp.status;
                cur.decision = if resp.status < 400 { "ok".into() } else { "admin-refused".into() };
                cur.at = self.engine.now();
                self.answered = Some(cur);
            }
        }
        self.finish(resp.status);
        match self.trace.take() {
            Some(trace) => resp.with_header(TRACE_HEADER, &super::trace::encode(&trace)),
            None => resp,
        }
    }

    /// Answers a request the server could not read, in the provider's own error format.
    pub fn reject(&mut self, method: &str, target: &str, why: &Rejection) -> HttpResponse {
        self.reject_at(Door::Api, method, target, why)
    }

    /// [`Endpoint::reject`] for a request that came through `door`.
    pub fn reject_at(&mut self, door: Door, method: &str, target: &str, why: &Rejection) -> HttpResponse {
        let wall = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        self.begin(&HttpRequest::new(method, target), wall);
        self.note_refusal(match why {
            Rejection::BodyTooLarge { .. } => "body-too-large",
            Rejection::Unreadable(_) => "unreadable",
        });
        // The admin API answers in its own format with a real status, whichever listener it
        // is on: a provider envelope (Tencent's is HTTP 200) would tell a script it worked.
        let resp = if super::admin::is_admin(target) {
            super::admin::rejection(why)
        } else {
            let resp = (self.adapter(door).reject)(self, why);
            self.with_decision(resp)
        };
        self.finish(resp.status);
        resp
    }
}
