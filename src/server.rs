//! `sharesim serve`: one HTTP listener per provider on 127.0.0.1, each routing raw requests to
//! its provider's endpoint. The server only moves bytes; adapters decide everything.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, Request, Response, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::providers::Provider;
use crate::wire::{Endpoint, HttpRequest, HttpResponse, MAX_BODY_BYTES, Rejection};
use crate::world::{World, WorldError};

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// First port; providers get `port`, `port + 1` … in provider order. 0 = any free ports.
    pub port: u16,
    pub world: World,
    pub verify_signatures: bool,
    pub providers: Vec<Provider>,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{0}")]
    World(#[from] WorldError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
}

/// Shared endpoints, one per provider.
pub type Endpoints = BTreeMap<Provider, Arc<Mutex<Endpoint>>>;

/// A running server: its addresses, endpoints and a way to stop it.
pub struct Running {
    pub addrs: BTreeMap<Provider, SocketAddr>,
    pub endpoints: Endpoints,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// Unix seconds now: signature windows are judged on the wall clock, not the virtual one.
pub fn wall_clock() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn into_response(resp: HttpResponse) -> Response<Body> {
    let mut out = Response::new(Body::from(resp.body));
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

async fn serve_one(State(ep): State<Arc<Mutex<Endpoint>>>, req: Request<Body>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let method = parts.method.as_str().to_string();
    let target = parts.uri.path_and_query().map(|pq| pq.as_str().to_string()).unwrap_or_else(|| "/".into());
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b.to_vec(),
        Err(e) => {
            let why = if e.to_string().contains("length limit") {
                Rejection::BodyTooLarge { limit: MAX_BODY_BYTES }
            } else {
                Rejection::Unreadable(e.to_string())
            };
            return into_response(lock(&ep).reject(&method, &target, &why));
        }
    };
    let headers = parts
        .headers
        .iter()
        .map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let request = HttpRequest { method, target, headers, body };
    let now = wall_clock();
    let resp = lock(&ep).handle(&request, now);
    into_response(resp)
}

/// Serves HTTP/1.1 connections on `listener` until `stopped` turns true, then lets in-flight
/// requests finish. Connections are served by hyper's HTTP/1 builder directly: `axum::serve`
/// sniffs every connection for HTTP/2, which cost a third of the throughput (benches/serve.rs),
/// and no provider's SDK speaks HTTP/2 to these endpoints.
async fn accept_loop(listener: TcpListener, app: Router, mut stopped: watch::Receiver<bool>) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        let conn = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped.changed() => break,
        };
        let Ok((stream, _)) = conn else { continue };
        let _ = stream.set_nodelay(true);
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let conn = hyper::server::conn::http1::Builder::new()
            .keep_alive(true)
            .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        let watched = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = watched.await;
        });
        if *stopped.borrow() {
            break;
        }
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Binds every provider's listener and starts serving.
pub async fn start(opts: &ServeOptions) -> Result<Running, ServeError> {
    let mut endpoints = Vec::new();
    for &p in &opts.providers {
        endpoints.push((p, opts.world.endpoint(p, opts.verify_signatures)?));
    }
    listen(endpoints, opts.port).await
}

/// Serves ready-made endpoints (a scenario's world, say) on 127.0.0.1, from `port` on (0 = any
/// free ports).
pub async fn listen(endpoints: Vec<(Provider, Endpoint)>, port: u16) -> Result<Running, ServeError> {
    let (stop, stopped) = watch::channel(false);
    let mut addrs = BTreeMap::new();
    let mut shared = BTreeMap::new();
    let mut tasks = Vec::new();
    for (i, (p, ep)) in endpoints.into_iter().enumerate() {
        let ep = Arc::new(Mutex::new(ep));
        let port = if port == 0 { 0 } else { port.saturating_add(i as u16) };
        let addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port);
        let listener = TcpListener::bind(addr).await.map_err(|source| ServeError::Bind { addr, source })?;
        let local = listener.local_addr().map_err(|source| ServeError::Bind { addr, source })?;
        let app = Router::new().fallback(serve_one).with_state(ep.clone());
        tasks.push(tokio::spawn(accept_loop(listener, app, stopped.clone())));
        addrs.insert(p, local);
        shared.insert(p, ep);
    }
    Ok(Running { addrs, endpoints: shared, stop, tasks })
}

impl Running {
    /// The one JSON line `sharesim serve` prints once every listener is up.
    pub fn banner(&self) -> Value {
        let endpoints: serde_json::Map<String, Value> =
            self.addrs.iter().map(|(p, a)| (p.name().to_string(), json!(format!("http://{a}")))).collect();
        let providers: serde_json::Map<String, Value> =
            self.endpoints.iter().map(|(p, ep)| (p.name().to_string(), lock(ep).world().clone())).collect();
        json!({ "endpoints": endpoints, "providers": providers })
    }

    /// Stops accepting, lets in-flight requests finish, and waits for the listeners.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
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
