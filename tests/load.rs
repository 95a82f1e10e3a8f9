//! 64 concurrent clients share one image with 64 distinct accounts through `sharesim serve`:
//! exactly the provider's limit succeeds, the rest get the limit error, and the member list
//! ends with exactly the limit — nothing lost, nothing over. Loopback only, bounded in time.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use sharesim::Provider;
use sharesim::providers::{alibaba, tencent};
use sharesim::server::{ServeOptions, start};
use sharesim::wire::client::HttpClient;
use sharesim::world::World;

const CLIENTS: usize = 64;
const LIMIT: usize = 50;

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn account<'a>(world: &'a Value, name: &str) -> &'a Value {
    world["accounts"].as_array().and_then(|a| a.iter().find(|x| x["name"] == name)).expect("account in the world")
}

fn image(world: &Value, name: &str) -> String {
    world["images"].as_array().and_then(|a| a.iter().find(|x| x["name"] == name)).expect("image")["id"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_shares_stop_exactly_at_the_limit() {
    let opts = ServeOptions {
        providers: vec![Provider::Tencent, Provider::Alibaba],
        ..ServeOptions::new(World::default_world())
    };
    let running = start(&opts).await.expect("the server starts on loopback");
    let banner = running.banner();
    let outcome = tokio::time::timeout(Duration::from_secs(60), async {
        tencent_race(&banner).await;
        alibaba_race(&banner).await;
    })
    .await;
    running.shutdown().await.expect("no state files to save");
    assert!(outcome.is_ok(), "the load test finished within 60 s");
}

async fn tencent_race(banner: &Value) {
    let base = banner["endpoints"]["tencent"].as_str().unwrap().to_string();
    let host = base.trim_start_matches("http://").to_string();
    let world = &banner["providers"]["tencent"];
    let owner = account(world, "owner");
    let (key, secret) = (
        owner["access_key_id"].as_str().unwrap().to_string(),
        owner["access_key_secret"].as_str().unwrap().to_string(),
    );
    let img = image(world, "base");
    let region = world["regions"]["home"].as_str().unwrap().to_string();
    let mut tasks = Vec::new();
    for i in 1..=CLIENTS {
        let recipient = account(world, &format!("crowd{i}"))["id"].as_str().unwrap().to_string();
        let (base, host, key, secret, img, region) =
            (base.clone(), host.clone(), key.clone(), secret.clone(), img.clone(), region.clone());
        tasks.push(tokio::spawn(async move {
            let body = json!({"ImageId": img, "AccountIds": [recipient], "Permission": "SHARE"});
            let req =
                tencent::client::request(&host, "ModifyImageSharePermission", &region, &body, &key, &secret, now());
            let resp = HttpClient::new().send(&base, &req).await.expect("the server answers");
            let body: Value = serde_json::from_slice(&resp.body).expect("JSON");
            body["Response"]["Error"]["Code"].as_str().unwrap_or("ok").to_string()
        }));
    }
    let mut ok = 0;
    let mut over = 0;
    for t in tasks {
        match t.await.expect("task").as_str() {
            "ok" => ok += 1,
            "OverQuota" => over += 1,
            other => panic!("unexpected Tencent answer {other}"),
        }
    }
    assert_eq!((ok, over), (LIMIT, CLIENTS - LIMIT), "exactly the limit succeeds");
    let req = tencent::client::request(
        &host,
        "DescribeImageSharePermission",
        &region,
        &json!({"ImageId": img}),
        &key,
        &secret,
        now(),
    );
    let resp = HttpClient::new().send(&base, &req).await.unwrap();
    let body: Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(body["Response"]["SharePermissionSet"].as_array().map(Vec::len), Some(LIMIT), "{body}");
}

async fn alibaba_race(banner: &Value) {
    let base = banner["endpoints"]["alibaba"].as_str().unwrap().to_string();
    let host = base.trim_start_matches("http://").to_string();
    let world = &banner["providers"]["alibaba"];
    let owner = account(world, "owner");
    let (key, secret) = (
        owner["access_key_id"].as_str().unwrap().to_string(),
        owner["access_key_secret"].as_str().unwrap().to_string(),
    );
    let img = image(world, "base");
    let region = world["regions"]["home"].as_str().unwrap().to_string();
    let mut tasks = Vec::new();
    for i in 1..=CLIENTS {
        let recipient = account(world, &format!("crowd{i}"))["id"].as_str().unwrap().to_string();
        let (base, host, key, secret, img, region) =
            (base.clone(), host.clone(), key.clone(), secret.clone(), img.clone(), region.clone());
        tasks.push(tokio::spawn(async move {
            let params = vec![
                ("RegionId".to_string(), region),
                ("ImageId".to_string(), img),
                ("AddAccount.1".to_string(), recipient),
            ];
            let req = alibaba::client::request(
                &host,
                "ModifyImageSharePermission",
                &params,
                &key,
                &secret,
                now(),
                &format!("load-{i}"),
            );
            let resp = HttpClient::new().send(&base, &req).await.expect("the server answers");
            let body: Value = serde_json::from_slice(&resp.body).expect("JSON");
            body["Code"].as_str().unwrap_or("ok").to_string()
        }));
    }
    let mut ok = 0;
    let mut over = 0;
    for t in tasks {
        match t.await.expect("task").as_str() {
            "ok" => ok += 1,
            "QuotaExceed.ShareImageUser" => over += 1,
            other => panic!("unexpected Alibaba answer {other}"),
        }
    }
    assert_eq!((ok, over), (LIMIT, CLIENTS - LIMIT), "exactly the limit succeeds");
    let params = vec![
        ("RegionId".to_string(), region),
        ("ImageId".to_string(), img),
        ("PageSize".to_string(), "100".to_string()),
    ];
    let req =
        alibaba::client::request(&host, "DescribeImageSharePermission", &params, &key, &secret, now(), "load-list");
    let resp = HttpClient::new().send(&base, &req).await.unwrap();
    let body: Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(body["Accounts"]["Account"].as_array().map(Vec::len), Some(LIMIT), "{body}");
}
