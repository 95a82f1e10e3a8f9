//! Scenarios over the wire: `sharesim run --via http`.
//!
//! Each scenario gets its own server on 127.0.0.1, started in process with the scenario's world,
//! and each step goes out as the signed request(s) the provider's SDK would send, built by the
//! provider's `calls::perform`. The adapter decodes them into the same engine operations an
//! in-process run applies; the engine's decision comes back in the trace header and the
//! provider's own error is read from the response and checked against the provider's error
//! table. A step no provider API carries (an image made from an instance, the virtual clock, an
//! operation the provider lacks) goes to the admin route `POST /_sharesim/apply`, so the engine
//! still answers it — "no API" reads the same in both modes — and the run counts every such
//! step, so a reader sees how much of a run crossed the provider's API.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use serde::Serialize;

use super::model::Scenario;
use super::run::{Door, ProviderRun, SetupError, run_on, setup};
use crate::engine::{Action, Engine, ErrorKind, Failure, Operation, Outcome, Request};
use crate::providers::{self, Provider};
use crate::server::{self, Running};
use crate::wire::call::{Caller, Perform, SeenError, Sent, Transport};
use crate::wire::client::HttpClient;
use crate::wire::directory::Directory;
use crate::wire::trace::{self, TRACE_HEADER};
use crate::wire::{Endpoint, HttpRequest, HttpResponse, KeyStore};

/// How a run's steps crossed the wire.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Routes {
    /// HTTP requests sent to the provider's API (several for a step that polls a job).
    pub requests: usize,
    /// Requests the provider's API carried, by engine action.
    pub api: BTreeMap<&'static str, usize>,
    /// Requests the admin route carried instead, by engine action.
    pub admin: BTreeMap<&'static str, usize>,
    /// Requests the provider's API has a call for but cannot say (and the admin route carried),
    /// by the client's reason.
    pub inexpressible: BTreeMap<&'static str, usize>,
    /// The provider's API operations the server answered (its journal's names), with counts.
    #[serde(skip)]
    pub calls: BTreeMap<String, usize>,
}

impl Routes {
    pub fn add(&mut self, other: &Routes) {
        self.requests += other.requests;
        for (k, v) in &other.calls {
            *self.calls.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &other.api {
            *self.api.entry(k).or_default() += v;
        }
        for (k, v) in &other.admin {
            *self.admin.entry(k).or_default() += v;
        }
        for (k, v) in &other.inexpressible {
            *self.inexpressible.entry(k).or_default() += v;
        }
    }
}

/// The provider's client: how its SDK would send each engine request.
pub fn client_of(p: Provider) -> Perform {
    match p {
        Provider::Jdcloud => providers::jdcloud::calls::perform,
        Provider::Tencent => providers::tencent::calls::perform,
        Provider::Alibaba => providers::alibaba::calls::perform,
        Provider::HuaweiIms => providers::huawei_ims::calls::perform,
        Provider::HuaweiSwr => providers::huawei_swr::calls::perform,
    }
}

/// The engine actions provider `p`'s API does not carry in sharesim, and why: the only steps
/// that may go through the admin route.
pub fn not_carried(p: Provider) -> Vec<(Action, &'static str)> {
    let listed: &[(Action, &str)] = match p {
        Provider::Jdcloud => providers::jdcloud::calls::NOT_CARRIED,
        Provider::Tencent => providers::tencent::calls::NOT_CARRIED,
        Provider::Alibaba => providers::alibaba::calls::NOT_CARRIED,
        Provider::HuaweiIms => providers::huawei_ims::calls::NOT_CARRIED,
        Provider::HuaweiSwr => providers::huawei_swr::calls::NOT_CARRIED,
    };
    let mut out = listed.to_vec();
    // The clock is sharesim's own; no provider has an API for it.
    out.push((Action::AdvanceClock, "the virtual clock is sharesim's, moved by its admin API"));
    for a in Action::ALL {
        if let Some(rule) = p.policy().no_api_rule(a) {
            out.push((a, rule.id));
        }
    }
    out
}

/// Runs `s` on provider `p` through a fresh in-process server.
pub fn run(s: &Scenario, p: Provider) -> Result<ProviderRun, SetupError> {
    let engine = setup(s, p)?;
    let mut door = HttpDoor::start(engine).map_err(|message| SetupError { provider: p, message })?;
    let mut run = run_on(s, &mut door);
    for entry in server::lock(&door.endpoint).journal(crate::wire::endpoint::JOURNAL_CAPACITY) {
        if let Some(api) = entry.api.filter(|a| a != "admin") {
            *door.routes.calls.entry(api).or_default() += 1;
        }
    }
    run.routes = Some(door.routes.clone());
    Ok(run)
}

/// A running server for one provider and a client that speaks its API.
pub struct HttpDoor {
    provider: Provider,
    endpoint: Arc<Mutex<Endpoint>>,
    base: String,
    /// The provider's container registry (`http://…`), where it has one.
    registry: Option<String>,
    host: String,
    client: HttpClient,
    /// Account name → access key ID and secret.
    keys: HashMap<String, (String, String)>,
    perform: Perform,
    /// What clients look up; refreshed after a step that may have changed the state.
    directory: Directory,
    stale: bool,
    /// The last exchange of the last request carried, for [`Door::take_exchange`].
    exchange: Option<crate::scenario::run::Exchange>,
    pub routes: Routes,
    // Dropped last: stopping the runtime ends the server's tasks.
    _running: Running,
    rt: tokio::runtime::Runtime,
}

impl HttpDoor {
    /// Serves `engine` on a free loopback port, with signature checks on and a key per account.
    pub fn start(engine: Engine) -> Result<HttpDoor, String> {
        let p = engine.provider();
        let mut store = KeyStore::default();
        let mut keys = HashMap::new();
        for a in &engine.state().accounts {
            let (id, secret) = KeyStore::derive(p, &a.name, 0);
            store.insert(&id, &a.name, &secret);
            keys.insert(a.name.clone(), (id, secret));
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start a runtime: {e}"))?;
        let directory = Directory::new(&engine);
        let endpoint = Endpoint::new(engine, store, true);
        let running = rt.block_on(server::listen(vec![(p, endpoint)], 0)).map_err(|e| e.to_string())?;
        let addr = running.addrs.get(&p).copied().ok_or("the server did not listen")?;
        let registry = running.registries.get(&p).map(|a| format!("http://{a}"));
        let endpoint = running.endpoints.get(&p).cloned().ok_or("the server has no endpoint")?;
        Ok(HttpDoor {
            provider: p,
            endpoint,
            base: format!("http://{addr}"),
            registry,
            host: addr.to_string(),
            client: HttpClient::new(),
            keys,
            perform: client_of(p),
            directory,
            stale: false,
            exchange: None,
            routes: Routes::default(),
            _running: running,
            rt,
        })
    }

    /// The region a call is made in: the step's own, else that of the image or instance it
    /// names, else home. `None` for a region the provider does not have (the engine says so).
    fn call_region(&self, req: &Request) -> Option<usize> {
        self.look(|e| {
            if let Some(r) = &req.region {
                return e.resolve_region(r).ok();
            }
            let state = e.state();
            let image = match &req.op {
                Operation::Share { images, .. } | Operation::Accept { images } | Operation::Reject { images } => {
                    images.first()
                }
                Operation::CancelShare { image, .. }
                | Operation::ListShares { image }
                | Operation::Describe { image }
                | Operation::Modify { image, .. }
                | Operation::Delete { image }
                | Operation::Copy { image, .. }
                | Operation::Launch { image, .. }
                | Operation::ReplaceSystemDisk { image, .. }
                | Operation::AuthorizeKey { image, .. }
                | Operation::RevokeKey { image, .. }
                | Operation::ModifyShare { image, .. }
                | Operation::ShareToLighthouse { image }
                | Operation::ShareToCvm { image }
                | Operation::CancelLighthouseShare { image } => Some(image),
                _ => None,
            };
            let from_image =
                image.and_then(|id| state.index.image_by_id.get(id)).map(|&ix| state.images[ix as usize].region);
            let instance = match &req.op {
                Operation::ReinitDisk { instance }
                | Operation::StopInstance { instance }
                | Operation::DeleteInstance { instance } => Some(instance),
                Operation::CreateImage(new) => new.from.as_ref(),
                _ => None,
            };
            // An image made without an instance is made in the region the step names.
            if let Operation::CreateImage(new) = &req.op
                && new.from.is_none()
            {
                return e.resolve_region(&new.region).ok();
            }
            let from_instance = instance
                .and_then(|id| state.index.instance_by_id.get(id))
                .and_then(|&n| state.instances.get(n))
                .map(|i| i.region);
            Some(from_image.or(from_instance).unwrap_or(0))
        })
    }

    /// Asks the engine through the admin route: for steps no provider API carries or can say.
    fn through_admin(&mut self, req: &Request, inexpressible: Option<&'static str>) -> (Outcome, Option<String>) {
        match inexpressible {
            Some(why) => *self.routes.inexpressible.entry(why).or_default() += 1,
            None => *self.routes.admin.entry(req.op.action().name()).or_default() += 1,
        }
        let body = match serde_json::to_vec(req) {
            Ok(b) => b,
            Err(e) => return (Err(Failure::plain(ErrorKind::InvalidParameter, format!("client: {e}"))), None),
        };
        let http = HttpRequest::new("POST", "/_sharesim/apply").header("Content-Type", "application/json").body(body);
        let mut tx = self.transport();
        let sent = tx.send(http);
        let traces = std::mem::take(&mut tx.traces);
        let fault = tx.fault.take();
        let last = tx.last.take();
        self.exchange = last;
        match (sent, fault) {
            (Err(e), _) | (Ok(_), Some(e)) => (Err(Failure::plain(ErrorKind::InvalidParameter, e)), None),
            (Ok(_), None) => judge(self.provider, req.op.action(), traces, Sent::NoApi),
        }
    }

    fn transport(&self) -> Tx<'_> {
        Tx { door: self, traces: Vec::new(), sent: 0, fault: None, last: None }
    }
}

impl Door for HttpDoor {
    fn provider(&self) -> Provider {
        self.provider
    }

    fn look<R>(&self, f: impl FnOnce(&Engine) -> R) -> R {
        f(server::lock(&self.endpoint).engine())
    }

    fn take_exchange(&mut self) -> Option<crate::scenario::run::Exchange> {
        self.exchange.take()
    }

    fn apply(&mut self, req: &Request) -> (Outcome, Option<String>) {
        if std::mem::take(&mut self.stale) {
            self.directory.refresh(server::lock(&self.endpoint).engine());
        }
        self.stale = req.op.action().changes_state();
        let (Some(region), Some((key_id, secret))) = (self.call_region(req), self.keys.get(&req.actor).cloned()) else {
            // An unknown region or account: no client could sign or address this call.
            return self.through_admin(req, None);
        };
        let caller = Caller {
            directory: &self.directory,
            actor: &req.actor,
            key_id: &key_id,
            secret: &secret,
            host: &self.host,
            now: server::wall_clock(),
            region,
        };
        let perform = self.perform;
        let mut tx = self.transport();
        let sent = perform(req, &caller, &mut tx);
        let (traces, count, fault) = (std::mem::take(&mut tx.traces), tx.sent, tx.fault.take());
        let last = tx.last.take();
        self.exchange = last;
        self.routes.requests += count;
        // A client may read before it finds it cannot say the request (SWR reads a share's
        // deadline to keep it); those reads decided nothing, so the engine still answers.
        match sent {
            Ok(Sent::NoApi) => return self.through_admin(req, None),
            Ok(Sent::Inexpressible { why }) => return self.through_admin(req, Some(why)),
            _ => {}
        }
        *self.routes.api.entry(req.op.action().name()).or_default() += 1;
        match (sent, fault) {
            (Err(e), _) | (Ok(_), Some(e)) => {
                (Err(Failure::plain(ErrorKind::InvalidParameter, format!("client fault: {e}"))), None)
            }
            (Ok(sent), None) => judge(self.provider, req.op.action(), traces, sent),
        }
    }
}

/// Sends requests for one step and collects the engine's traced decisions.
struct Tx<'a> {
    door: &'a HttpDoor,
    traces: Vec<(Action, Outcome)>,
    sent: usize,
    fault: Option<String>,
    /// The last request sent and its response.
    last: Option<crate::scenario::run::Exchange>,
}

impl Transport for Tx<'_> {
    fn send(&mut self, req: HttpRequest) -> Result<HttpResponse, String> {
        let base = self.door.base.clone();
        self.send_to(&base, req)
    }

    fn send_registry(&mut self, req: HttpRequest) -> Result<HttpResponse, String> {
        let base = self.door.registry.clone().ok_or("this provider has no registry")?;
        self.send_to(&base, req)
    }
}

impl Tx<'_> {
    fn send_to(&mut self, base: &str, mut req: HttpRequest) -> Result<HttpResponse, String> {
        req.headers.push((TRACE_HEADER.into(), "1".into()));
        let d = self.door;
        let resp = d.rt.block_on(d.client.send(base, &req))?;
        self.last = Some(exchange(&req, &resp));
        if !req.path().starts_with(crate::wire::admin::PREFIX) {
            self.sent += 1;
        }
        match resp.header(TRACE_HEADER).map(|h| trace::decode(d.provider, h)) {
            Some(Ok(t)) => self.traces.extend(t),
            Some(Err(e)) => self.fault = Some(e),
            None => self.fault = Some(format!("{} {} came back without a trace", req.method, req.path())),
        }
        Ok(resp)
    }
}

/// Bodies are shown up to this many bytes.
const SHOWN_BODY: usize = 2048;

/// A request and its response as text, without sharesim's own trace header.
fn exchange(req: &HttpRequest, resp: &HttpResponse) -> crate::scenario::run::Exchange {
    let body = |b: &[u8]| match std::str::from_utf8(b)
        .ok()
        .filter(|t| !t.contains(|c: char| c.is_control() && !c.is_whitespace()))
    {
        Some(t) if t.len() > SHOWN_BODY => {
            let cut = (0..=SHOWN_BODY).rev().find(|&i| t.is_char_boundary(i)).unwrap_or(0);
            format!("{}… ({} bytes in all)", &t[..cut], t.len())
        }
        Some(t) => t.to_string(),
        None => format!("({} bytes of binary content)", b.len()),
    };
    let headers = |h: &[(String, String)]| {
        h.iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case(TRACE_HEADER))
            .map(|(n, v)| format!("{n}: {v}\n"))
            .collect::<String>()
    };
    let request = format!("{} {} HTTP/1.1\n{}\n{}", req.method, req.target, headers(&req.headers), body(&req.body));
    let response = format!("HTTP/1.1 {}\n{}\n{}", resp.status, headers(&resp.headers), body(&resp.body));
    crate::scenario::run::Exchange { request, response }
}

/// The step's outcome from what the engine decided and what the provider's response said.
/// The decision is the traced one of the step's own action (a listing may describe each image
/// it lists as well): its first refusal, as an adapter answers with the first one, else its
/// last success (a registry push asks first whether the caller may push at all, then pushes:
/// the push is what the step did). The note says where the response disagreed with it.
fn judge(p: Provider, action: Action, traces: Vec<(Action, Outcome)>, sent: Sent) -> (Outcome, Option<String>) {
    let decided = traces
        .iter()
        .position(|(a, o)| *a == action && o.is_err())
        .or_else(|| traces.iter().rposition(|(a, _)| *a == action))
        .or(traces.len().checked_sub(1));
    let decided = decided.and_then(|i| traces.into_iter().nth(i)).map(|(_, o)| o);
    let seen = match sent {
        Sent::Api { error } => Some(error),
        Sent::NoApi | Sent::Inexpressible { .. } => None,
    };
    let shown = |e: &SeenError| match e.status {
        Some(s) => format!("{} (HTTP {s})", e.code),
        None => format!("{} (in a job)", e.code),
    };
    match (decided, seen) {
        (None, Some(Some(e))) => {
            let f =
                Failure::plain(ErrorKind::InvalidParameter, format!("refused before the engine with {}", shown(&e)));
            (Err(f), None)
        }
        (None, _) => {
            (Err(Failure::plain(ErrorKind::InvalidParameter, "the server answered without asking the engine")), None)
        }
        // Through the admin route there is no provider response to check.
        (Some(out), None) => (out, None),
        (Some(Ok(out)), Some(None)) => (Ok(out), None),
        (Some(Ok(out)), Some(Some(e))) => {
            (Ok(out), Some(format!("the engine allowed it, the response said {}", shown(&e))))
        }
        (Some(Err(f)), Some(None)) => (Err(f), Some("the response carried no error".into())),
        (Some(Err(f)), Some(Some(e))) => {
            let want = p.spec().wire(&f, action);
            let agrees = e.code == want.code && e.status.is_none_or(|s| s == want.status);
            let note =
                (!agrees).then(|| format!("the response said {}, not {} (HTTP {})", shown(&e), want.code, want.status));
            (Err(f), note)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Output;

    fn refused(kind: ErrorKind) -> Outcome {
        Err(Failure::plain(kind, "no"))
    }

    #[test]
    fn the_steps_own_refusal_decides_and_a_disagreeing_wire_is_noted() {
        let p = Provider::Alibaba;
        let not_found = p.spec().wire(&Failure::plain(ErrorKind::NotFound, ""), Action::Delete);
        let agree = SeenError { code: not_found.code.into(), status: Some(not_found.status) };
        // A listing's own success comes first; a later refusal of the step's action decides.
        let traces = vec![
            (Action::ListMyShared, Ok(Output::Done)),
            (Action::Delete, Ok(Output::Done)),
            (Action::Delete, refused(ErrorKind::NotFound)),
        ];
        let (out, note) = judge(p, Action::Delete, traces.clone(), Sent::Api { error: Some(agree.clone()) });
        assert_eq!((out.map_err(|f| f.kind), note), (Err(ErrorKind::NotFound), None));
        // The same decision with another code, or with no error at all, is noted.
        let other = SeenError { code: "Elsewhere".into(), status: Some(400) };
        let (_, note) = judge(p, Action::Delete, traces.clone(), Sent::Api { error: Some(other) });
        assert!(note.is_some_and(|n| n.contains("Elsewhere") && n.contains(not_found.code)));
        let (_, note) = judge(p, Action::Delete, traces, Sent::Api { error: None });
        assert_eq!(note.as_deref(), Some("the response carried no error"));
        // An error inside a job has no status of its own: only the code is compared.
        let in_job = SeenError { code: not_found.code.into(), status: None };
        let (_, note) = judge(
            p,
            Action::Delete,
            vec![(Action::Delete, refused(ErrorKind::NotFound))],
            Sent::Api { error: Some(in_job) },
        );
        assert_eq!(note, None);
    }

    /// A listing of 500 members with 1,000-character descriptions is a trace of over 500 KB,
    /// more than an HTTP client reads as a response head by default.
    #[test]
    fn a_large_trace_comes_back_whole() {
        use crate::engine::{NewImage, ShareOptions};
        let mut engine = Engine::new(Provider::HuaweiSwr, 0);
        let members: Vec<String> = (1..=500).map(|i| format!("crowd{i}")).collect();
        for a in std::iter::once("owner".to_string()).chain(members.iter().cloned()) {
            engine.add_account(&a).unwrap();
        }
        let new = NewImage { name: "app".into(), region: "home".into(), ..Default::default() };
        let Ok(Output::ImageCreated { image, .. }) = engine.apply(&Request::new("owner", Operation::CreateImage(new)))
        else {
            panic!("no image")
        };
        for m in &members {
            let options = ShareOptions { description: Some("d".repeat(1000)), ..Default::default() };
            let recipients = vec![engine.recipient_id(m, "home").unwrap()];
            let share = Operation::Share { images: vec![image.clone()], recipients, options };
            engine.apply(&Request::new("owner", share)).unwrap();
        }
        let mut door = HttpDoor::start(engine).unwrap();
        let (out, note) = door.apply(&Request::new("owner", Operation::ListShares { image }));
        assert_eq!(note, None);
        match out {
            Ok(Output::Members { members }) => assert_eq!(members.len(), 500),
            other => panic!("{other:?}"),
        }
        assert_eq!(door.routes.api.get("list_shares"), Some(&1));
    }

    #[test]
    fn a_refusal_before_the_engine_or_a_silent_server_is_a_failure() {
        let p = Provider::Tencent;
        let seen = SeenError { code: "MissingParameter".into(), status: Some(200) };
        let (out, _) = judge(p, Action::Share, vec![], Sent::Api { error: Some(seen) });
        assert!(out.is_err_and(|f| f.message.contains("MissingParameter")));
        let (out, _) = judge(p, Action::Share, vec![], Sent::Api { error: None });
        assert!(out.is_err_and(|f| f.message.contains("without asking the engine")));
        let (out, note) = judge(
            p,
            Action::Share,
            vec![(Action::Share, Ok(Output::Done))],
            Sent::Api { error: Some(SeenError { code: "X".into(), status: Some(200) }) },
        );
        assert!(out.is_ok() && note.is_some_and(|n| n.contains("allowed")));
    }
}
