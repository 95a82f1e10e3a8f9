//! sharesim as a wiremock responder: a `MockServer` becomes a stateful Tencent mock that
//! verifies signatures and remembers shares between requests.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use sharesim::Provider;
use sharesim::providers::tencent;
use sharesim::wire::client::HttpClient;
use sharesim::wire::mock::MockProvider;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer};

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

#[tokio::test]
async fn a_wiremock_server_becomes_a_stateful_tencent() {
    let server = MockServer::start().await;
    let tencent = MockProvider::default_world(Provider::Tencent);
    Mock::given(any()).respond_with(tencent.clone()).mount(&server).await;

    let world = tencent.world();
    let find = |name: &str| world["accounts"].as_array().unwrap().iter().find(|a| a["name"] == name).unwrap().clone();
    let (owner, alice) = (find("owner"), find("alice"));
    let image = world["images"][0]["id"].as_str().unwrap().to_string();
    let host = server.uri().trim_start_matches("http://").to_string();
    let call = |who: &Value, action: &str, body: Value| {
        let (id, secret) = (who["access_key_id"].as_str().unwrap(), who["access_key_secret"].as_str().unwrap());
        tencent::client::request(&host, action, "ap-guangzhou", &body, id, secret, now())
    };
    let client = HttpClient::new();

    let share = call(
        &owner,
        "ModifyImageSharePermission",
        json!({"ImageId": image, "AccountIds": [alice["id"]], "Permission": "SHARE"}),
    );
    let r: Value = serde_json::from_slice(&client.send(&server.uri(), &share).await.unwrap().body).unwrap();
    assert!(r["Response"]["Error"].is_null(), "{r}");

    // State carries over to the next request: alice now sees the image.
    let list = call(&alice, "DescribeImages", json!({"Filters": [{"Name": "image-type", "Values": ["SHARED_IMAGE"]}]}));
    let r: Value = serde_json::from_slice(&client.send(&server.uri(), &list).await.unwrap().body).unwrap();
    assert_eq!(r["Response"]["ImageSet"][0]["ImageId"], image.as_str(), "{r}");

    // The provider's rules apply: deleting a shared image is refused with Tencent's code.
    let delete = call(&owner, "DeleteImages", json!({"ImageIds": [image]}));
    let resp = client.send(&server.uri(), &delete).await.unwrap();
    let r: Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!((resp.status, r["Response"]["Error"]["Code"].as_str()), (200, Some("InvalidImageId.InShared")), "{r}");
    assert_eq!(resp.header("x-sharesim-rule"), Some("TC-DELETE-SHARED"));

    // Signatures are verified: a wrong secret is refused.
    let forged = tencent::client::request(
        &host,
        "DescribeImages",
        "ap-guangzhou",
        &json!({}),
        owner["access_key_id"].as_str().unwrap(),
        "wrong",
        now(),
    );
    let r: Value = serde_json::from_slice(&client.send(&server.uri(), &forged).await.unwrap().body).unwrap();
    assert_eq!(r["Response"]["Error"]["Code"], "AuthFailure.SignatureFailure", "{r}");

    // The test can look inside: the journal recorded the decisions.
    let journal = tencent.endpoint().journal(10);
    assert!(journal.iter().any(|e| e.rule == Some("TC-DELETE-SHARED")), "{journal:?}");
}
