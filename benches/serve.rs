//! Signed requests per second through `sharesim serve` against a bare hyper server that answers
//! a fixed body, in the same run, same clients, same machine: `cargo bench --bench serve`.
//!
//! Requests are signed before the clock starts (Alibaba's need one nonce each), so the figures
//! measure the server: parsing, signature verification, the engine and the response.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use sharesim::Provider;
use sharesim::providers::{alibaba, tencent};
use sharesim::server::{ServeOptions, start};
use sharesim::wire::HttpRequest;
use sharesim::wire::client::HttpClient;
use sharesim::world::World;

const CLIENTS: usize = 16;
const SECONDS: f64 = 3.0;

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// A bare hyper server answering every request with a fixed JSON body.
async fn bare_hyper() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            tokio::spawn(async move {
                let svc = service_fn(|_req| async {
                    Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from_static(
                        b"{\"Response\":{\"RequestId\":\"fixed\"}}",
                    ))))
                });
                let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
            });
        }
    });
    format!("http://{addr}")
}

/// Each client sends its own requests in a loop on one kept-alive connection for `SECONDS`.
async fn drive(base: &str, per_client: Vec<Vec<HttpRequest>>) -> (f64, u64) {
    let done = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for reqs in per_client {
        let (base, done, errors, stop) = (base.to_string(), done.clone(), errors.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let client = HttpClient::new();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                match client.send(&base, &reqs[i % reqs.len()]).await {
                    Ok(r) if r.status < 500 => done.fetch_add(1, Ordering::Relaxed),
                    _ => errors.fetch_add(1, Ordering::Relaxed),
                };
                i += 1;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (start_count, t) = (done.load(Ordering::Relaxed), Instant::now());
    tokio::time::sleep(Duration::from_secs_f64(SECONDS)).await;
    let n = done.load(Ordering::Relaxed) - start_count;
    let secs = t.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    (n as f64 / secs, errors.load(Ordering::Relaxed))
}

fn key(world: &Value, name: &str) -> (String, String) {
    let a = world["accounts"].as_array().and_then(|a| a.iter().find(|x| x["name"] == name)).expect("account");
    (a["access_key_id"].as_str().unwrap_or_default().into(), a["access_key_secret"].as_str().unwrap_or_default().into())
}

fn image(world: &Value) -> String {
    world["images"][0]["id"].as_str().unwrap_or_default().to_string()
}

/// The signed read each provider's clients send: who is `base` shared with?
fn signed(p: Provider, host: &str, world: &Value, client: usize, n: usize) -> Vec<HttpRequest> {
    let (id, secret) = key(world, "owner");
    let img = image(world);
    let region = world["regions"]["home"].as_str().unwrap_or_default().to_string();
    match p {
        Provider::Tencent => {
            vec![tencent::client::request(
                host,
                "DescribeImageSharePermission",
                &region,
                &json!({"ImageId": img}),
                &id,
                &secret,
                now(),
            )]
        }
        Provider::Alibaba => (0..n)
            .map(|i| {
                let params = vec![("RegionId".to_string(), region.clone()), ("ImageId".to_string(), img.clone())];
                alibaba::client::request(
                    host,
                    "DescribeImageSharePermission",
                    &params,
                    &id,
                    &secret,
                    now(),
                    &format!("bench-{client}-{i}"),
                )
            })
            .collect(),
        _ => vec![],
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async {
        let bare = bare_hyper().await;
        let providers = vec![Provider::Tencent, Provider::Alibaba];
        let opts = ServeOptions { port: 0, world: World::default_world(), verify_signatures: true, providers: providers.clone() };
        let running = start(&opts).await.expect("serve");
        let banner = running.banner();
        let unverified = start(&ServeOptions { verify_signatures: false, ..opts.clone() }).await.expect("serve");
        let unverified_banner = unverified.banner();
        println!("{CLIENTS} clients, kept-alive connections, {SECONDS} s per run, 2 worker threads, loopback");
        for p in providers {
            let base = banner["endpoints"][p.name()].as_str().unwrap_or_default().to_string();
            let host = base.trim_start_matches("http://").to_string();
            let world = &banner["providers"][p.name()];
            let per_client: Vec<Vec<HttpRequest>> = (0..CLIENTS).map(|c| signed(p, &host, world, c, 60_000)).collect();
            let (hyper_rps, hyper_err) = drive(&bare, per_client.clone()).await;
            let (sim_rps, sim_err) = drive(&base, per_client.clone()).await;
            let plain = unverified_banner["endpoints"][p.name()].as_str().unwrap_or_default().to_string();
            let (plain_rps, _) = drive(&plain, per_client).await;
            println!(
                "{:<8} bare hyper {hyper_rps:>7.0} req/s | sharesim verified {sim_rps:>7.0} req/s (ratio {:.2}) | unverified {plain_rps:>7.0} req/s (ratio {:.2}) | errors {hyper_err}/{sim_err}",
                p.name(),
                sim_rps / hyper_rps,
                plain_rps / hyper_rps
            );
        }
        running.shutdown().await;
        unverified.shutdown().await;
    });
}
