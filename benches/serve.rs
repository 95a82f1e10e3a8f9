//! Signed requests per second through `sharesim serve` against a bare hyper server that answers
//! a fixed body, in the same run, same clients, same machine: `cargo bench --bench serve`.
//!
//! Requests are signed before the clock starts, except Alibaba's and JD's, which need one nonce
//! each; the figures measure the server: parsing, signature verification, the engine and the
//! response.

/// The allocator the `sharesim` binary uses, so the figures are those of `sharesim serve`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
use sharesim::providers::{alibaba, huawei_gateway, jdcloud, tencent};
use sharesim::server::{ServeOptions, start};
use sharesim::wire::HttpRequest;
use sharesim::wire::client::HttpClient;
use sharesim::world::World;

const CLIENTS: usize = 16;
/// Numbers every request of the run, so Alibaba's and JD's nonces never repeat.
static SEQ: AtomicU64 = AtomicU64::new(0);
const SECONDS: f64 = 1.5;
/// Bare and sharesim runs alternate this many times; the medians are reported.
const ROUNDS: usize = 5;

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

/// Makes the n-th request of a client. Alibaba's and JD's sign each request with a fresh nonce
/// (a nonce is accepted once); the others reuse one signed request. Bare hyper's clients do the same work.
type Maker = Arc<dyn Fn(u64) -> HttpRequest + Send + Sync>;

/// Each client sends requests in a loop on one kept-alive connection for `SECONDS`.
async fn drive(base: &str, per_client: Vec<Maker>) -> (f64, u64) {
    let done = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for make in per_client {
        let (base, done, errors, stop) = (base.to_string(), done.clone(), errors.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let client = HttpClient::new();
            while !stop.load(Ordering::Relaxed) {
                let req = make(SEQ.fetch_add(1, Ordering::Relaxed));
                match client.send(&base, &req).await {
                    Ok(r) if r.status < 300 => done.fetch_add(1, Ordering::Relaxed),
                    _ => errors.fetch_add(1, Ordering::Relaxed),
                };
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

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn key(world: &Value, name: &str) -> (String, String) {
    let a = world["accounts"].as_array().and_then(|a| a.iter().find(|x| x["name"] == name)).expect("account");
    (a["access_key_id"].as_str().unwrap_or_default().into(), a["access_key_secret"].as_str().unwrap_or_default().into())
}

fn image(world: &Value) -> String {
    world["images"][0]["id"].as_str().unwrap_or_default().to_string()
}

/// The signed read each provider's clients send: who is `base` shared with?
fn maker(p: Provider, host: &str, world: &Value) -> Maker {
    let (id, secret) = key(world, "owner");
    let img = image(world);
    let region = world["regions"]["home"].as_str().unwrap_or_default().to_string();
    let host = host.to_string();
    let once: HttpRequest = match p {
        Provider::Alibaba => {
            return Arc::new(move |n| {
                let params = vec![("RegionId".to_string(), region.clone()), ("ImageId".to_string(), img.clone())];
                alibaba::client::request(
                    &host,
                    "DescribeImageSharePermission",
                    &params,
                    &id,
                    &secret,
                    now(),
                    &format!("bench-{n}"),
                )
            });
        }
        Provider::Tencent => tencent::client::request(
            &host,
            "DescribeImageSharePermission",
            &region,
            &json!({"ImageId": img}),
            &id,
            &secret,
            now(),
        ),
        Provider::Jdcloud => {
            return Arc::new(move |n| {
                let path = format!("/v1/regions/{region}/images/{img}/members");
                let req =
                    HttpRequest::new("GET", &path).header("Content-Type", "application/json").header("Host", &host);
                let nonce = format!("bench-{n}");
                let signer = jdcloud::signature::Signer {
                    algorithm: jdcloud::signature::Algorithm::V3,
                    access_key: &id,
                    secret: &secret,
                    region: &region,
                    nonce: &nonce,
                    signed: &["content-type", "host"],
                };
                jdcloud::signature::sign(req, &signer, now())
            });
        }
        Provider::HuaweiIms | Provider::HuaweiSwr => {
            let owner =
                world["accounts"].as_array().and_then(|a| a.iter().find(|x| x["name"] == "owner")).expect("owner");
            let project = owner["identities"]["project_id"]["home"].as_str().unwrap_or_default();
            let path = if p == Provider::HuaweiIms {
                format!("/v1/{project}/cloudimages/{img}/members")
            } else {
                let (ns, repo) = img.split_once('/').unwrap_or_default();
                format!("/v2/manage/namespaces/{ns}/repositories/{repo}/access-domains")
            };
            let mut req = HttpRequest::new("GET", &path)
                .header("Content-Type", "application/json")
                .header("Host", &host)
                .header("X-Project-Id", project);
            huawei_gateway::sign(
                &mut req,
                &id,
                &secret,
                &["content-type", "host", "x-project-id", "x-sdk-date"],
                now(),
            );
            req
        }
    };
    Arc::new(move |_| once.clone())
}

/// The endpoint alone, in process, no HTTP: what one request costs inside the lock, with and
/// without signature verification (the same requests as the HTTP runs).
fn handler_costs(providers: &[Provider]) {
    let world = World::default_world();
    let Ok(all) = world.describe_all() else { return };
    println!("in process, Endpoint::handle alone (mean of 100,000 requests):");
    for &p in providers {
        let make = maker(p, "127.0.0.1:1", &all[p.name()]);
        let mut line = format!("{:<10}", p.name());
        for verify in [true, false] {
            let Ok(mut ep) = world.endpoint(p, verify) else { return };
            let reqs: Vec<HttpRequest> = (0..100_000u64).map(|_| make(SEQ.fetch_add(1, Ordering::Relaxed))).collect();
            let t = Instant::now();
            let refused = reqs.iter().filter(|r| ep.handle(r, now()).status >= 300).count();
            let per = t.elapsed().as_secs_f64() / reqs.len() as f64 * 1e6;
            let label = if verify { "verified" } else { "not verified" };
            line.push_str(&format!(" | {label} {per:>5.2} µs (refused {refused})"));
        }
        println!("{line}");
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async {
        let bare = bare_hyper().await;
        // SHARESIM_BENCH_PROVIDERS=jdcloud,tencent measures only those (for quick iterations).
        let only = std::env::var("SHARESIM_BENCH_PROVIDERS").unwrap_or_default();
        let providers: Vec<Provider> =
            Provider::ALL.into_iter().filter(|p| only.is_empty() || only.split(',').any(|o| o == p.name())).collect();
        handler_costs(&providers);
        let opts = ServeOptions { providers: providers.clone(), ..ServeOptions::new(World::default_world()) };
        let running = start(&opts).await.expect("serve");
        let banner = running.banner();
        let unverified = start(&ServeOptions { verify_signatures: false, ..opts.clone() }).await.expect("serve");
        let unverified_banner = unverified.banner();
        println!("requests/s, medians of {ROUNDS} alternating {SECONDS} s runs; {CLIENTS} clients on kept-alive connections; 2 worker threads; loopback");
        println!("(ratios are to bare hyper in the same round set)");
        for p in providers {
            let base = banner["endpoints"][p.name()].as_str().unwrap_or_default().to_string();
            let host = base.trim_start_matches("http://").to_string();
            let world = &banner["providers"][p.name()];
            let make = maker(p, &host, world);
            let per_client: Vec<Maker> = (0..CLIENTS).map(|_| make.clone()).collect();
            // The measured request must really succeed: a refused signature would be cheap and
            // flatter the figures. Non-2xx answers count as errors in every run.
            let probe = HttpClient::new().send(&base, &make(SEQ.fetch_add(1, Ordering::Relaxed))).await.expect("probe");
            let ok = probe.status < 300 && !String::from_utf8_lossy(&probe.body).contains("\"Error\"");
            assert!(ok, "{}: the benchmark request is refused: {} {}", p.name(), probe.status, String::from_utf8_lossy(&probe.body));
            let plain = unverified_banner["endpoints"][p.name()].as_str().unwrap_or_default().to_string();
            let (mut bare_runs, mut sim_runs, mut plain_runs) = (vec![], vec![], vec![]);
            let mut errors = 0;
            for _ in 0..ROUNDS {
                let (r, e) = drive(&bare, per_client.clone()).await;
                bare_runs.push(r);
                errors += e;
                let (r, e) = drive(&base, per_client.clone()).await;
                sim_runs.push(r);
                errors += e;
                plain_runs.push(drive(&plain, per_client.clone()).await.0);
            }
            let (b, v, u) = (median(bare_runs), median(sim_runs), median(plain_runs));
            println!(
                "{:<10} bare hyper {b:>7.0} | sharesim verified {v:>7.0} ({:.2}) | unverified {u:>7.0} ({:.2}) | errors {errors}",
                p.name(),
                v / b,
                u / b
            );
        }
        running.shutdown().await.expect("no state files to save");
        unverified.shutdown().await.expect("no state files to save");
    });
}
