//! `sharesim serve`: one HTTP listener per provider on 127.0.0.1, each routing raw requests to
//! its provider's endpoint. The server only moves bytes; adapters decide everything.
//!
//! It is what users leave running for hours under SDKs, CI jobs and browsers, so no client can
//! hold it: a request head must arrive within [`Limits::header_timeout`] (which is also how long
//! a kept-alive connection may sit idle), a body within [`Limits::body_timeout`], connections
//! are capped at [`Limits::max_connections`] (the rest wait in the kernel's backlog), accept
//! errors such as running out of file descriptors back off instead of spinning, and shutdown
//! drops whatever is still open after [`Limits::shutdown_timeout`].

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

use crate::providers::Provider;
use crate::wire::admin::{self, MAX_ADMIN_BODY_BYTES};
use crate::wire::store::{StateFile, StoreError};
use crate::wire::{Door, Endpoint, HttpRequest, HttpResponse, MAX_BODY_BYTES, Rejection, adapters};
use crate::world::{World, WorldError};

/// Request heads larger than this (request line and headers) are refused in the provider's
/// format. hyper itself refuses heads over its buffer (~400 KB) and URIs over 64 KB with an
/// empty 431/414 before the server sees them; below those, the provider answers.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Request targets (path and query) longer than this are refused in the provider's format.
pub const MAX_TARGET_BYTES: usize = 32 * 1024;

/// The server's time and connection limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A request head must arrive within this; it also closes kept-alive connections idle for
    /// this long (hyper starts the clock when it waits for the next head).
    pub header_timeout: Duration,
    /// A request body must arrive within this once its head has.
    pub body_timeout: Duration,
    /// After SIGTERM, in-flight requests get this long; then every connection is dropped.
    pub shutdown_timeout: Duration,
    /// Connections served at once, over all listeners; more wait in the backlog.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(30),
            shutdown_timeout: Duration::from_secs(5),
            max_connections: default_max_connections(),
        }
    }
}

/// Descriptors left for listeners, state files and the runtime when connections are capped.
const RESERVED_FDS: u64 = 64;

/// As many connections as the open-file limit allows after [`RESERVED_FDS`], between 8 and
/// 4,096: at `ulimit -n 1024` that is 960, so the server stops accepting before `accept` fails.
pub fn default_max_connections() -> usize {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes only into the struct it is given.
    let soft = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 { limit.rlim_cur } else { 1024 };
    soft.saturating_sub(RESERVED_FDS).clamp(8, 4096) as usize
}

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// First port; providers get `port`, `port + 1` … in provider order. 0 = any free ports.
    pub port: u16,
    pub world: World,
    pub verify_signatures: bool,
    pub providers: Vec<Provider>,
    pub limits: Limits,
    /// When set, every admin request must carry it in `X-Sharesim-Admin-Token`.
    pub admin_token: Option<String>,
    /// When set, each provider's state is loaded from and saved to `DIR/<provider>.json`.
    pub state_dir: Option<PathBuf>,
}

impl ServeOptions {
    /// Every provider of `world`, any free ports, signatures verified, default limits.
    pub fn new(world: World) -> ServeOptions {
        ServeOptions {
            port: 0,
            world,
            verify_signatures: true,
            providers: Provider::ALL.to_vec(),
            limits: Limits::default(),
            admin_token: None,
            state_dir: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{0}")]
    World(#[from] WorldError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error(
        "--port {port}: {count} listeners (one per provider, then SWR's registry) take consecutive ports {port}-{last}, past the highest port 65535; \
         choose --port {highest} or lower (or 0 for any free ports)",
        last = *port as u32 + *count as u32 - 1,
        highest = 65536 - *count as u32
    )]
    PortsDoNotFit { port: u16, count: usize },
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// Shared endpoints, one per provider.
pub type Endpoints = BTreeMap<Provider, Arc<Mutex<Endpoint>>>;

/// A running server: its addresses, endpoints and a way to stop it.
pub struct Running {
    pub addrs: BTreeMap<Provider, SocketAddr>,
    /// The container registries, for the providers that have one (SWR), on listeners of their
    /// own over the same endpoint.
    pub registries: BTreeMap<Provider, SocketAddr>,
    pub endpoints: Endpoints,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// Unix seconds now: signature windows are judged on the wall clock, not the virtual one.
pub fn wall_clock() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn into_response(resp: HttpResponse) -> Response<Full<Bytes>> {
    let mut out = Response::new(Full::new(resp.body));
    *out.status_mut() = StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in resp.headers {
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(&value)) {
            out.headers_mut().append(n, v);
        }
    }
    out
}

/// Locks an endpoint; a panic elsewhere must not take the whole server down with it.
pub fn lock(ep: &Mutex<Endpoint>) -> std::sync::MutexGuard<'_, Endpoint> {
    ep.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What a connection's requests are served with.
#[derive(Clone)]
struct Conn {
    ep: Arc<Mutex<Endpoint>>,
    limits: Limits,
    door: Door,
    provider: Provider,
}

/// Why the server refuses a request head it has read, before any adapter sees it.
fn head_problem(parts: &hyper::http::request::Parts, target: &str) -> Option<String> {
    if target.len() > MAX_TARGET_BYTES {
        return Some(format!("the request target is {} bytes; at most {MAX_TARGET_BYTES} are read", target.len()));
    }
    let head: usize = target.len() + parts.headers.iter().map(|(n, v)| n.as_str().len() + v.len() + 4).sum::<usize>();
    (head > MAX_HEAD_BYTES).then(|| format!("the request head is {head} bytes; at most {MAX_HEAD_BYTES} are read"))
}

/// Serves one request. The service is hyper's own, not a router's: every path goes to the
/// endpoint, and a router cost a tenth of the throughput (benches/serve.rs).
async fn serve_one(conn: Conn, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let method = parts.method.as_str().to_string();
    let target = parts.uri.path_and_query().map(|pq| pq.as_str().to_string()).unwrap_or_else(|| "/".into());
    if let Some(why) = head_problem(&parts, &target) {
        return reject(&conn, &method, &target, &Rejection::Unreadable(why));
    }
    let limit = match conn.door {
        _ if admin::is_admin(&target) => MAX_ADMIN_BODY_BYTES,
        Door::Registry => crate::wire::MAX_REGISTRY_BODY_BYTES,
        Door::Api => MAX_BODY_BYTES,
    };
    let body = match collect_within(conn.limits.body_timeout, Limited::new(body, limit).collect()).await {
        Ok(Ok(b)) => b.to_bytes(),
        Ok(Err(e)) => {
            let why = if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
                Rejection::BodyTooLarge { limit }
            } else {
                Rejection::Unreadable(e.to_string())
            };
            return reject(&conn, &method, &target, &why);
        }
        Err(_) => {
            let why = Rejection::Unreadable(format!(
                "the body did not arrive within {} s",
                conn.limits.body_timeout.as_secs_f64()
            ));
            let mut resp = reject(&conn, &method, &target, &why);
            // The rest of the body may never come: the connection is not reused.
            resp.headers_mut().insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
            return resp;
        }
    };
    let headers = parts
        .headers
        .iter()
        .map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let request = HttpRequest { method, target, headers, body };
    let now = wall_clock();
    let started = std::time::Instant::now();
    let (resp, answered) = {
        let mut ep = lock_async(&conn.ep).await;
        let resp = ep.handle_at(conn.door, &request, now);
        let logging = tracing::enabled!(target: "sharesim::request", tracing::Level::WARN);
        (resp, if logging { ep.take_answered() } else { None })
    };
    if let Some(entry) = answered {
        log_request(&conn, &entry, started.elapsed());
    }
    into_response(resp)
}

/// Refuses a request no adapter could read (head too large, body too large or too slow), in
/// the listener's own format, journalled and logged like any other request.
fn reject(conn: &Conn, method: &str, target: &str, why: &Rejection) -> Response<Full<Bytes>> {
    let started = std::time::Instant::now();
    let (resp, answered) = {
        let mut ep = lock(&conn.ep);
        let resp = ep.reject_at(conn.door, method, target, why);
        let logging = tracing::enabled!(target: "sharesim::request", tracing::Level::WARN);
        (resp, if logging { ep.take_answered() } else { None })
    };
    if let Some(entry) = answered {
        log_request(conn, &entry, started.elapsed());
    }
    into_response(resp)
}

/// One line per request on stderr (`serve --log-format text|json`, `--log-level`): which
/// listener, what was asked and by whom, what was decided and by which rule, the status and
/// how long it took. Off unless `serve` set up a subscriber.
fn log_request(conn: &Conn, e: &crate::wire::JournalEntry, took: Duration) {
    let listener = match conn.door {
        Door::Api => conn.provider.name().to_string(),
        Door::Registry => adapters::registry_name(conn.provider),
    };
    let level_warn = e.status >= 500;
    // A hostile target can be 32 KiB: a log line keeps its first 200 characters.
    let path: std::borrow::Cow<'_, str> = match e.path.char_indices().nth(200) {
        Some((cut, _)) => format!("{}… ({} bytes)", &e.path[..cut], e.path.len()).into(),
        None => e.path.as_str().into(),
    };
    macro_rules! line {
        ($level:ident) => {
            tracing::$level!(
                target: "sharesim::request",
                listener = %listener,
                method = %e.method,
                path = %path,
                api = e.api.as_deref().unwrap_or(""),
                caller = e.actor.as_deref().unwrap_or(""),
                decision = %e.decision,
                rule = e.rule.unwrap_or(""),
                code = e.code.unwrap_or(""),
                status = e.status,
                micros = took.as_micros() as u64,
                "{} {} -> {} {}",
                e.method,
                path,
                e.status,
                e.decision
            )
        };
    }
    if level_warn {
        line!(warn);
    } else {
        line!(info);
    }
}

/// Awaits `fut` for at most `limit`. Most bodies have arrived with their head (or there is
/// none), so the future is polled once first and a timer is set only when it must wait: a timer
/// per request was measurable in benches/serve.rs.
async fn collect_within<F: std::future::Future>(
    limit: Duration,
    fut: F,
) -> Result<F::Output, tokio::time::error::Elapsed> {
    let mut fut = std::pin::pin!(fut);
    let first = fut.as_mut().poll(&mut std::task::Context::from_waker(std::task::Waker::noop()));
    if let std::task::Poll::Ready(out) = first {
        return Ok(out);
    }
    tokio::time::timeout(limit, fut).await
}

/// Takes the endpoint's lock without parking a runtime worker: while another worker holds it,
/// this task yields so the worker serves other connections, and parks only after many tries
/// (a long admin load). With two workers and sixteen clients, parking a worker on a contended
/// lock cost more than the request itself (docs/PERFORMANCE.md).
async fn lock_async(ep: &Mutex<Endpoint>) -> std::sync::MutexGuard<'_, Endpoint> {
    for _ in 0..64 {
        if let Some(guard) = try_lock(ep) {
            return guard;
        }
        tokio::task::yield_now().await;
    }
    lock(ep)
}

/// The lock if it is free now (a poisoned lock is taken as in [`lock`]).
fn try_lock(ep: &Mutex<Endpoint>) -> Option<std::sync::MutexGuard<'_, Endpoint>> {
    match ep.try_lock() {
        Ok(guard) => Some(guard),
        Err(std::sync::TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
        Err(std::sync::TryLockError::WouldBlock) => None,
    }
}

/// Waits until `flag` is true (or its sender is gone).
async fn raised(mut flag: watch::Receiver<bool>) {
    while !*flag.borrow_and_update() {
        if flag.changed().await.is_err() {
            return;
        }
    }
}

/// Serves HTTP/1.1 connections on `listener` until `stopped` turns true, then lets in-flight
/// requests finish for `shutdown_timeout` and drops what is left. Connections are served by
/// hyper's HTTP/1 builder directly: `axum::serve` sniffs every connection for HTTP/2, which
/// cost a third of the throughput (benches/serve.rs), and no provider's SDK speaks HTTP/2 to
/// these endpoints.
async fn accept_loop(
    listener: TcpListener,
    conn: Conn,
    limits: Limits,
    slots: Arc<Semaphore>,
    mut stopped: watch::Receiver<bool>,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let (force, forced) = watch::channel(false);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.keep_alive(true).timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(limits.header_timeout);
    let mut backoff = Duration::ZERO;
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot,
            _ = stopped.changed() => break,
        };
        let Ok(slot) = slot else { break };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped.changed() => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => {
                backoff = Duration::ZERO;
                stream
            }
            Err(e) => {
                // Out of descriptors (EMFILE) or memory: retrying at once would spin a core
                // and starve the connections that are being served. Wait, longer each time.
                drop(slot);
                if backoff.is_zero() {
                    eprintln!("sharesim: accept failed ({e}); backing off until connections close");
                }
                backoff = (backoff * 2).clamp(Duration::from_millis(5), Duration::from_secs(1));
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => continue,
                    _ = stopped.changed() => break,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let for_service = conn.clone();
        let service = hyper::service::service_fn(move |req| {
            let conn = for_service.clone();
            async move { Ok::<_, Infallible>(serve_one(conn, req).await) }
        });
        let served = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        let watched = graceful.watch(served);
        let forced = forced.clone();
        tokio::spawn(async move {
            let _slot = slot;
            tokio::select! {
                _ = watched => {},
                _ = raised(forced) => {},
            }
        });
        if *stopped.borrow() {
            break;
        }
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_timeout, graceful.shutdown()).await.is_err() {
        let _ = force.send(true);
    }
}

/// Binds every provider's listener and starts serving.
pub async fn start(opts: &ServeOptions) -> Result<Running, ServeError> {
    let mut endpoints = Vec::new();
    for &p in &opts.providers {
        let mut ep = opts.world.endpoint(p, opts.verify_signatures)?;
        ep.set_admin_token(opts.admin_token.clone());
        if let Some(dir) = &opts.state_dir {
            let file = StateFile::in_dir(dir, p)?;
            if let Some(engine) = file.load(p)? {
                ep.replace_engine(engine);
            }
            ep.set_store(file)?;
        }
        endpoints.push((p, ep));
    }
    listen_with(endpoints, opts.port, opts.limits).await
}

/// Serves ready-made endpoints (a scenario's world, say) on 127.0.0.1, from `port` on (0 = any
/// free ports), with the default limits.
pub async fn listen(endpoints: Vec<(Provider, Endpoint)>, port: u16) -> Result<Running, ServeError> {
    listen_with(endpoints, port, Limits::default()).await
}

/// [`listen`] with chosen limits.
pub async fn listen_with(
    endpoints: Vec<(Provider, Endpoint)>,
    port: u16,
    limits: Limits,
) -> Result<Running, ServeError> {
    let doors: Vec<(Provider, Door)> = endpoints
        .iter()
        .map(|(p, _)| (*p, Door::Api))
        .chain(endpoints.iter().filter(|(p, _)| adapters::registry(*p).is_some()).map(|(p, _)| (*p, Door::Registry)))
        .collect();
    if port != 0 && port as usize + doors.len() > 65536 {
        return Err(ServeError::PortsDoNotFit { port, count: doors.len() });
    }
    let (stop, stopped) = watch::channel(false);
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut addrs = BTreeMap::new();
    let mut registries = BTreeMap::new();
    let mut shared = BTreeMap::new();
    let mut tasks = Vec::new();
    for (p, ep) in endpoints {
        shared.insert(p, Arc::new(Mutex::new(ep)));
    }
    // Providers take the first ports in order, registries the ones after them.
    for (i, (p, door)) in doors.into_iter().enumerate() {
        let Some(ep) = shared.get(&p).cloned() else { continue };
        let port = if port == 0 { 0 } else { port + i as u16 };
        let addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port);
        let listener = TcpListener::bind(addr).await.map_err(|source| ServeError::Bind { addr, source })?;
        let local = listener.local_addr().map_err(|source| ServeError::Bind { addr, source })?;
        let conn = Conn { ep: ep.clone(), limits, door, provider: p };
        tasks.push(tokio::spawn(accept_loop(listener, conn, limits, slots.clone(), stopped.clone())));
        match door {
            Door::Api => addrs.insert(p, local),
            Door::Registry => {
                lock(&ep).set_registry_host(format!("{local}"));
                registries.insert(p, local)
            }
        };
    }
    Ok(Running { addrs, registries, endpoints: shared, stop, tasks })
}

impl Running {
    /// The one JSON line `sharesim serve` prints once every listener is up.
    pub fn banner(&self) -> Value {
        let endpoints: serde_json::Map<String, Value> = self
            .addrs
            .iter()
            .map(|(p, a)| (p.name().to_string(), json!(format!("http://{a}"))))
            .chain(self.registries.iter().map(|(p, a)| (adapters::registry_name(*p), json!(format!("http://{a}")))))
            .collect();
        let providers: serde_json::Map<String, Value> =
            self.endpoints.iter().map(|(p, ep)| (p.name().to_string(), lock(ep).world().clone())).collect();
        json!({ "endpoints": endpoints, "providers": providers })
    }

    /// Stops accepting, lets in-flight requests finish (for at most the shutdown timeout),
    /// waits for the listeners, and saves every state that has a file.
    pub async fn shutdown(self) -> Result<(), StoreError> {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        let mut first_error = None;
        for ep in self.endpoints.values() {
            if let Err(e) = lock(ep).save() {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// Waits for SIGINT or SIGTERM.
pub async fn interrupted() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
