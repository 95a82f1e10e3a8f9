//! SWR's container registry through `sharesim serve` against a bare hyper server answering the
//! same bytes with the same headers, in the same run, same clients, same machine:
//! `cargo bench --bench registry`.
//!
//! Three figures: (a) pull throughput of one 64 MiB blob (MB/s = 10^6 bytes/s, the whole body
//! read on a kept-alive connection), (b) manifest GETs per second from a few kept-alive
//! clients, and (c) memory while the same 64 MiB layer is uploaded again, bytes and all, to
//! 100 repositories: the content store must hold it once. Bare and sharesim rounds alternate so
//! machine noise hits both alike; the medians are reported.
//!
//! `cargo bench` passes `--bench`; without it (run by `cargo test --benches`, or by hand), or
//! with `SHARESIM_BENCH_QUICK=1`, a quick smoke run: two short rounds and 10 repositories.

/// The allocator the `sharesim` binary uses, so the figures are those of `sharesim serve`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

unsafe extern "C" {
    /// mimalloc's own (linked in with the allocator above): returns the memory it holds freed
    /// to the system at once instead of after its purge delay.
    fn mi_collect(force: bool);
}

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use sharesim::Provider;
use sharesim::engine::content::digest_of;
use sharesim::providers::huawei_swr::registry::login::login_key;
use sharesim::server::{ServeOptions, lock, start, wall_clock};
use sharesim::wire::client::HttpClient;
use sharesim::wire::{Door, HttpRequest, HttpResponse, codec};
use sharesim::world::World;

const P: Provider = Provider::HuaweiSwr;
const BLOB_BYTES: usize = 64 << 20;
/// The repository every pull reads, the default world's `base`.
const REPO: &str = "ns-owner/base";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// Concurrent manifest clients, each on its own kept-alive connection.
const CLIENTS: usize = 4;

/// How long and how much to measure.
struct Mode {
    quick: bool,
    /// Bare and sharesim runs alternate this many times; the medians are reported.
    rounds: usize,
    /// Seconds per manifest run.
    seconds: f64,
    /// Sequential 64 MiB GETs per blob run.
    pulls: usize,
    /// Repositories the layer is pushed to for the memory figure.
    repos: usize,
}

fn mode() -> Mode {
    let args: Vec<String> = std::env::args().collect();
    let asked = std::env::var("SHARESIM_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let quick = asked || args.iter().any(|a| a == "--quick") || !args.iter().any(|a| a == "--bench");
    if quick {
        Mode { quick, rounds: 2, seconds: 0.3, pulls: 2, repos: 10 }
    } else {
        Mode { quick, rounds: 5, seconds: 1.5, pulls: 8, repos: 100 }
    }
}

/// Deterministic, incompressible bytes (xorshift64*), so every run pulls the same blob.
fn blob(len: usize) -> Bytes {
    let mut out = Vec::with_capacity(len + 8);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while out.len() < len {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out.extend_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    Bytes::from(out)
}

/// The image pushed: its config, its one layer and the OCI manifest naming them.
struct Image {
    layer: Bytes,
    config: Vec<u8>,
    manifest: Vec<u8>,
}

impl Image {
    fn new(layer: Bytes) -> Image {
        let config = serde_json::to_vec(&json!({
            "architecture": "amd64", "os": "linux",
            "rootfs": { "type": "layers", "diff_ids": [digest_of(&layer)] },
        }))
        .unwrap_or_default();
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest_of(&config), "size": config.len() },
            "layers": [{ "mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest_of(&layer), "size": layer.len() }],
        }))
        .unwrap_or_default();
        Image { layer, config, manifest }
    }
}

/// The registry's side of `docker login` and the token flow: a Bearer token for `repo`.
async fn token(client: &HttpClient, base: &str, ak: &str, sk: &str, repo: &str) -> String {
    let basic = codec::base64(format!("cn-north-4@{ak}:{}", login_key(ak, sk)).as_bytes());
    let target = format!("/swr/auth/v2/registry/auth/?service=dockyard&scope=repository:{repo}:pull,push");
    let req = HttpRequest::new("GET", &target).header("Authorization", &format!("Basic {basic}"));
    let resp = client.send(base, &req).await.expect("token request");
    assert_eq!(resp.status, 200, "token refused: {}", String::from_utf8_lossy(&resp.body));
    let body = resp.json_body().unwrap_or_default();
    format!("Bearer {}", body["token"].as_str().unwrap_or_default())
}

/// Pushes `img` to `repo`: both blobs uploaded whole (one POST each, `?digest=`), then the
/// manifest as tag `v1`. Every byte of the layer crosses the wire each time.
async fn push(client: &HttpClient, base: &str, bearer: &str, repo: &str, img: &Image) {
    for data in [&img.layer[..], &img.config[..]] {
        let target = format!("/v2/{repo}/blobs/uploads/?digest={}", digest_of(data));
        let req = HttpRequest::new("POST", &target)
            .header("Authorization", bearer)
            .header("Content-Type", "application/octet-stream")
            .body(data);
        let resp = client.send(base, &req).await.expect("blob upload");
        assert_eq!(resp.status, 201, "{repo}: upload refused: {}", String::from_utf8_lossy(&resp.body));
    }
    let req = HttpRequest::new("PUT", &format!("/v2/{repo}/manifests/v1"))
        .header("Authorization", bearer)
        .header("Content-Type", OCI_MANIFEST)
        .body(img.manifest.clone());
    let resp = client.send(base, &req).await.expect("manifest push");
    assert_eq!(resp.status, 201, "{repo}: manifest refused: {}", String::from_utf8_lossy(&resp.body));
}

/// A bare hyper server answering the blob's path with the blob and every other path with the
/// manifest, each with the headers sharesim answered it with (hyper adds `content-length` and
/// `date` itself, as it does for sharesim).
async fn bare_hyper(blob: (Bytes, Vec<(String, String)>), manifest: (Bytes, Vec<(String, String)>)) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let fixed = Arc::new((blob, manifest));
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let _ = stream.set_nodelay(true);
            let fixed = fixed.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let (body, headers) = if req.uri().path().contains("/blobs/") { &fixed.0 } else { &fixed.1 };
                    let mut resp = hyper::Response::new(Full::new(body.clone()));
                    for (n, v) in headers {
                        if let (Ok(n), Ok(v)) = (
                            hyper::header::HeaderName::from_bytes(n.as_bytes()),
                            hyper::header::HeaderValue::from_str(v),
                        ) {
                            resp.headers_mut().append(n, v);
                        }
                    }
                    async move { Ok::<_, Infallible>(resp) }
                });
                let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
            });
        }
    });
    format!("http://{addr}")
}

/// What the bare server replays of an answer: its body and headers but those hyper sets.
fn replayed(resp: &HttpResponse) -> (Bytes, Vec<(String, String)>) {
    let headers = resp
        .headers
        .iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case("content-length") && !n.eq_ignore_ascii_case("date"))
        .cloned()
        .collect();
    (resp.body.clone(), headers)
}

/// One blob run: `pulls` GETs one after another on one kept-alive connection, each body read
/// whole. MB/s (10^6 bytes per second).
async fn pull_blob(client: &HttpClient, base: &str, req: &HttpRequest, pulls: usize) -> f64 {
    let t = Instant::now();
    let mut bytes = 0usize;
    for _ in 0..pulls {
        let resp = client.send(base, req).await.expect("blob pull");
        assert!(resp.status == 200 && resp.body.len() == BLOB_BYTES, "{base}: blob pull gave {}", resp.status);
        bytes += resp.body.len();
    }
    bytes as f64 / t.elapsed().as_secs_f64() / 1e6
}

/// Each client sends `req` in a loop on one kept-alive connection for `seconds`; requests per
/// second and the count of non-2xx answers.
async fn drive(base: &str, req: &HttpRequest, seconds: f64) -> (f64, u64) {
    let done = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (base, req, done, errors, stop) =
            (base.to_string(), req.clone(), done.clone(), errors.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let client = HttpClient::new();
            while !stop.load(Ordering::Relaxed) {
                match client.send(&base, &req).await {
                    Ok(r) if r.status < 300 => done.fetch_add(1, Ordering::Relaxed),
                    _ => errors.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (start_count, t) = (done.load(Ordering::Relaxed), Instant::now());
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
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

fn best(xs: &[f64]) -> f64 {
    xs.iter().copied().fold(0.0, f64::max)
}

/// A line of /proc/self/status in MiB (`VmRSS`, `VmHWM`); 0 where there is none.
fn proc_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn key(world: &Value, name: &str) -> (String, String) {
    let a = world["accounts"].as_array().and_then(|a| a.iter().find(|x| x["name"] == name)).expect("account");
    (a["access_key_id"].as_str().unwrap_or_default().into(), a["access_key_secret"].as_str().unwrap_or_default().into())
}

/// The endpoint alone, in process, no HTTP: what one registry GET costs inside the lock.
fn handler_costs(running: &sharesim::server::Running, manifest: &HttpRequest, blob: &HttpRequest) {
    const N: usize = 20_000;
    let mut ep = lock(&running.endpoints[&P]);
    let mut line = "in process, Endpoint::handle_at(Door::Registry) alone (mean of 20,000):".to_string();
    for (what, req) in [("manifest GET", manifest), ("blob GET", blob)] {
        let t = Instant::now();
        let refused = (0..N).filter(|_| ep.handle_at(Door::Registry, req, wall_clock()).status >= 300).count();
        let per = t.elapsed().as_secs_f64() / N as f64 * 1e6;
        line.push_str(&format!(" | {what} {per:.2} µs (refused {refused})"));
    }
    println!("{line}");
}

fn main() {
    let mode = mode();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async {
        let opts = ServeOptions { providers: vec![P], ..ServeOptions::new(World::default_world()) };
        let running = start(&opts).await.expect("serve");
        let base = format!("http://{}", running.registries[&P]);
        let (ak, sk) = key(&running.banner()["providers"][P.name()], "owner");
        let client = HttpClient::new();

        let img = Image::new(blob(BLOB_BYTES));
        let layer_digest = digest_of(&img.layer);
        let bearer = token(&client, &base, &ak, &sk, REPO).await;
        push(&client, &base, &bearer, REPO, &img).await;

        let get_blob = HttpRequest::new("GET", &format!("/v2/{REPO}/blobs/{layer_digest}"))
            .header("Authorization", &bearer)
            .header("Accept", "*/*");
        let get_manifest = HttpRequest::new("GET", &format!("/v2/{REPO}/manifests/v1"))
            .header("Authorization", &bearer)
            .header("Accept", OCI_MANIFEST);
        // What is measured must really be served: the blob and the manifest as pushed.
        let blob_answer = client.send(&base, &get_blob).await.expect("blob probe");
        assert!(blob_answer.status == 200 && digest_of(&blob_answer.body) == layer_digest, "blob probe");
        let manifest_answer = client.send(&base, &get_manifest).await.expect("manifest probe");
        assert!(manifest_answer.status == 200 && manifest_answer.body[..] == img.manifest[..], "manifest probe");
        let bare = bare_hyper(replayed(&blob_answer), replayed(&manifest_answer)).await;
        for (req, answer) in [(&get_blob, &blob_answer), (&get_manifest, &manifest_answer)] {
            let b = client.send(&bare, req).await.expect("bare probe");
            let same_headers = answer.headers.iter().all(|(n, v)| n == "date" || b.header(n) == Some(v.as_str()));
            assert!(b.status == 200 && b.body == answer.body && same_headers, "bare hyper answers as sharesim does");
        }
        drop((blob_answer, manifest_answer));

        let rounds = mode.rounds;
        println!(
            "SWR registry vs bare hyper{}: {rounds} alternating rounds, medians (best in brackets); 2 worker threads; loopback",
            if mode.quick { " (QUICK smoke run: figures not comparable)" } else { "" }
        );
        handler_costs(&running, &get_manifest, &get_blob);

        // (a) blob pulls: one client, whole bodies, one kept-alive connection per server.
        let (sim_client, bare_client) = (HttpClient::new(), HttpClient::new());
        let (mut bare_runs, mut sim_runs) = (vec![], vec![]);
        pull_blob(&bare_client, &bare, &get_blob, 1).await;
        pull_blob(&sim_client, &base, &get_blob, 1).await;
        for _ in 0..rounds {
            bare_runs.push(pull_blob(&bare_client, &bare, &get_blob, mode.pulls).await);
            sim_runs.push(pull_blob(&sim_client, &base, &get_blob, mode.pulls).await);
        }
        let (b, s) = (median(bare_runs.clone()), median(sim_runs.clone()));
        println!(
            "(a) 64 MiB blob GET, {} pulls per round, MB/s: bare hyper {b:>6.0} [{:.0}] | sharesim {s:>6.0} [{:.0}] | ratio {:.2} (best/best {:.2})",
            mode.pulls,
            best(&bare_runs),
            best(&sim_runs),
            s / b,
            best(&sim_runs) / best(&bare_runs)
        );

        // (b) manifest GETs: CLIENTS kept-alive clients for `seconds` each run.
        let (mut bare_runs, mut sim_runs) = (vec![], vec![]);
        let mut errors = 0;
        for _ in 0..rounds {
            let (r, e) = drive(&bare, &get_manifest, mode.seconds).await;
            bare_runs.push(r);
            errors += e;
            let (r, e) = drive(&base, &get_manifest, mode.seconds).await;
            sim_runs.push(r);
            errors += e;
        }
        let (b, s) = (median(bare_runs.clone()), median(sim_runs.clone()));
        println!(
            "(b) manifest GET ({} bytes), {CLIENTS} clients, {} s runs, req/s: bare hyper {b:>7.0} [{:.0}] | sharesim {s:>7.0} [{:.0}] | ratio {:.2} | errors {errors}",
            img.manifest.len(),
            mode.seconds,
            best(&bare_runs),
            best(&sim_runs),
            s / b
        );

        // (c) memory: the same layer uploaded again, whole, to `repos` new repositories.
        let held = |r: &sharesim::server::Running| {
            let mut ep = lock(&r.endpoints[&P]);
            (ep.content().held_bytes(), ep.content().len())
        };
        let (held_before, blobs_before) = held(&running);
        // SAFETY (here and below): mi_collect takes no pointers; it only hands freed pages back.
        unsafe { mi_collect(true) };
        let rss_before = proc_mib("VmRSS");
        // VmRSS after 1, 10, 25, 50 … pushes: one upload's transient buffers show in the first;
        // growth per repository would show in the rest. Both ends are read with the allocator's
        // freed pages returned, so they compare what is live.
        let mut checkpoints = vec![];
        let t = Instant::now();
        for i in 0..mode.repos {
            let repo = format!("ns-owner/r{i}");
            let bearer = token(&client, &base, &ak, &sk, &repo).await;
            push(&client, &base, &bearer, &repo, &img).await;
            if [1, 10, 25, 50, 75].contains(&(i + 1)) && i + 1 < mode.repos {
                checkpoints.push(format!("{}: {:.0}", i + 1, proc_mib("VmRSS")));
            }
        }
        let secs = t.elapsed().as_secs_f64();
        let rss_after = proc_mib("VmRSS");
        checkpoints.push(format!("{}: {rss_after:.0}", mode.repos));
        unsafe { mi_collect(true) };
        let rss_collected = proc_mib("VmRSS");
        let (held_after, blobs_after) = held(&running);
        let last = format!("ns-owner/r{}", mode.repos - 1);
        let bearer = token(&client, &base, &ak, &sk, &last).await;
        let req = HttpRequest::new("GET", &format!("/v2/{last}/blobs/{layer_digest}")).header("Authorization", &bearer);
        let pulled = client.send(&base, &req).await.expect("pull from the last repository");
        assert!(pulled.status == 200 && digest_of(&pulled.body) == layer_digest, "{last} pulls the layer");
        let uploaded = (mode.repos * img.layer.len()) as u64;
        println!(
            "(c) the 64 MiB layer re-uploaded to {} repositories ({:.0} MiB sent in {secs:.1} s, {:.0} MB/s incl. login and manifest):",
            mode.repos,
            mib(uploaded),
            uploaded as f64 / secs / 1e6
        );
        println!(
            "    content store: {held_before} bytes held ({blobs_before} blobs) before, {held_after} ({blobs_after} blobs) after; one image is {} bytes (layer {}, config {}, manifest {})",
            img.layer.len() + img.config.len() + img.manifest.len(),
            img.layer.len(),
            img.config.len(),
            img.manifest.len()
        );
        println!(
            "    VmRSS: {rss_before:.0} MiB before; after n pushes (n: MiB) {}; {rss_collected:.0} MiB ({:+.0}) once mimalloc has returned the freed upload buffers | VmHWM {:.0} MiB",
            checkpoints.join(", "),
            rss_collected - rss_before,
            proc_mib("VmHWM")
        );
        running.shutdown().await.expect("no state files to save");
    });
}
