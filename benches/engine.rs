//! Figures for docs/PERFORMANCE.md: `cargo bench --bench engine`.
//!
//! - the whole scenario library on all providers (in-process, snapshots compared);
//! - engine operations per second (share, cancel, list) at growing world sizes, to show that
//!   share/cancel do not slow down as the world grows and listing costs O(result);
//! - memory per share in a world of 10^6 shares, counted by a tracking allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use sharesim::engine::{NewImage, Operation, Output, Request, ShareOptions};
use sharesim::scenario::{SuiteOptions, Via, run_suite};
use sharesim::{Engine, Provider, Settings};

/// Counts live heap bytes so memory figures are exact, not sampled.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size(), Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new, Ordering::Relaxed);
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn library(via: Via, rounds: u32) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let opts = SuiteOptions {
        paths: vec![root.join("scenarios")],
        providers: vec![],
        filter: None,
        snapshots: root.join("snapshots"),
        update: false,
        via,
        partition: None,
    };
    let warm = run_suite(&opts, |_, _, _| {});
    let scenarios = warm.results.len();
    let runs: usize = warm.results.iter().map(|r| r.runs.len()).sum();
    let steps: usize = warm.results.iter().flat_map(|r| &r.runs).map(|r| r.entries.len()).sum();
    let t = Instant::now();
    for _ in 0..rounds {
        let r = run_suite(&opts, |_, _, _| {});
        assert_eq!(r.exit_code(), warm.exit_code());
    }
    let per = t.elapsed() / rounds;
    println!(
        "library {via:?}: {scenarios} scenarios, {runs} provider runs, {steps} steps: {:.1} ms per full run, {:.1} µs per step (mean of {rounds}; exit code {})",
        per.as_secs_f64() * 1e3,
        per.as_secs_f64() * 1e6 / steps as f64,
        warm.exit_code()
    );
}

/// A Tencent world with `images` images, each shared with 50 of `accounts` accounts when `share`.
fn world(images: usize, accounts: usize, share: bool) -> (Engine, Vec<String>, Vec<String>) {
    // The image quota is a rule under test elsewhere; here it would only cap the world's size.
    let settings = Settings { image_quota: Some(u32::MAX), ..Settings::default() };
    let mut e = Engine::with_settings(Provider::Tencent, 1, settings);
    e.add_account("owner").unwrap();
    let mut ids = Vec::with_capacity(accounts);
    for i in 0..accounts {
        let name = format!("a{i}");
        e.add_account(&name).unwrap();
        ids.push(e.recipient_id(&name, "home").unwrap());
    }
    let mut imgs = Vec::with_capacity(images);
    for i in 0..images {
        let new = NewImage { name: format!("img{i}"), region: "home".into(), ..Default::default() };
        match e.apply(&Request::new("owner", Operation::CreateImage(new))) {
            Ok(Output::ImageCreated { image, .. }) => imgs.push(image),
            other => panic!("{other:?}"),
        }
    }
    if share {
        for (i, img) in imgs.iter().enumerate() {
            let recipients: Vec<String> = (0..50).map(|k| ids[(i * 7 + k * 13) % accounts].clone()).collect();
            let op = Operation::Share { images: vec![img.clone()], recipients, options: ShareOptions::default() };
            e.apply(&Request::new("owner", op)).expect("within the limit");
        }
    }
    (e, imgs, ids)
}

fn ops_per_second() {
    for images in [200usize, 2_000, 20_000] {
        let accounts = 1_000;
        let (mut e, imgs, ids) = world(images, accounts, true);
        // Each round cancels one share and adds it back: the world's size stays the same.
        let n = 200_000;
        let t = Instant::now();
        for i in 0..n {
            let img = &imgs[i % imgs.len()];
            let who = ids[((i % imgs.len()) * 7) % accounts].clone();
            let cancel = Operation::CancelShare { image: img.clone(), recipients: vec![who.clone()] };
            e.apply(&Request::new("owner", cancel)).expect("cancel");
            let share =
                Operation::Share { images: vec![img.clone()], recipients: vec![who], options: ShareOptions::default() };
            e.apply(&Request::new("owner", share)).expect("share");
        }
        let secs = t.elapsed().as_secs_f64();
        let shares = images * 50;
        println!(
            "share+cancel with {shares:>9} shares in the world: {:>9.0} operations/s ({:.2} µs each)",
            2.0 * n as f64 / secs,
            secs * 1e6 / (2.0 * n as f64)
        );
        // Listing what was shared with one account: cost follows the result.
        let per_account = shares / accounts;
        let rounds = 2_000;
        let t = Instant::now();
        for i in 0..rounds {
            let r = Request::new(format!("a{}", i % accounts), Operation::ListSharedWithMe);
            let _ = e.apply(&r);
        }
        let each = t.elapsed().as_secs_f64() / rounds as f64;
        println!(
            "  list_shared_with_me, {per_account:>5} images in the result: {:.1} µs per call ({:.0} ns per listed image)",
            each * 1e6,
            each * 1e9 / per_account as f64
        );
    }
}

fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

fn memory() {
    let before = live();
    let (shared, _, _) = world(20_000, 1_000, true);
    let with_shares = live() - before;
    let shares: usize = shared.state().images.iter().map(|i| i.shares.len()).sum();
    let before = live();
    let (bare, _, _) = world(20_000, 1_000, false);
    let without = live() - before;
    let share_bytes = with_shares - without;
    println!(
        "memory: {shares} shares over 20000 images and 1001 accounts: {:.1} MiB live, of which {:.1} MiB for the shares: {:.0} bytes per share (record and both indices)",
        with_shares as f64 / (1 << 20) as f64,
        share_bytes as f64 / (1 << 20) as f64,
        share_bytes as f64 / shares as f64
    );
    drop((shared, bare));
}

fn main() {
    // `cargo bench` passes `--bench`; no other arguments are taken.
    library(Via::InProcess, 20);
    // Every scenario starts its own loopback server and signs every request.
    library(Via::Http, 5);
    ops_per_second();
    memory();
}
