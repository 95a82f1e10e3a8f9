//! Property test: arbitrary and adversarial requests against each provider's adapter, with
//! signatures verified and not. Long dotted names, deep JSON, huge numbers, invalid UTF-8,
//! duplicated keys, path traversal and garbage authorization headers must never panic or
//! overflow a stack, and every refusal must be in the provider's own error format.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::Value;
use sharesim::Provider;
use sharesim::wire::{Endpoint, HttpRequest, HttpResponse};
use sharesim::world::World;

fn endpoint(p: Provider, verify: bool) -> Endpoint {
    World::default_world().endpoint(p, verify).expect("the default world serves every provider")
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Paths each provider's API routes on, to get past routing into parameter parsing.
fn paths(p: Provider) -> Vec<&'static str> {
    match p {
        Provider::Jdcloud => vec![
            "/v1/regions/cn-north-1/images/img-abc:share",
            "/v1/regions/cn-north-1/images/img-abc/shareInfo",
            "/v1/regions/cn-north-1/images",
            "/v1/regions/cn-north-1/instances",
        ],
        Provider::Tencent => vec!["/"],
        Provider::Alibaba => vec!["/", "/?Action=DescribeImages"],
        Provider::HuaweiIms => vec![
            "/v1/cloudimages/members",
            "/v2/cloudimages",
            "/v1/cloudimages/0f0e0d0c-0000-0000-0000-000000000000/members",
            "/v2/images/x/members/y",
        ],
        Provider::HuaweiSwr => vec![
            "/v2/manage/namespaces/ns-owner/repos/base/access-domains",
            "/v2/manage/namespaces/ns-owner/repos",
            "/v2/manage/namespaces",
        ],
    }
}

/// Parameter names that reach each provider's parsers, and adversarial ones.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Action".to_string()),
        Just("ImageId".to_string()),
        Just("ImageIds.0".to_string()),
        Just("AccountIds.0".to_string()),
        Just("Filters.0.Values.0".to_string()),
        Just("Filters.0.Name".to_string()),
        Just("AddAccount.1".to_string()),
        Just("Version".to_string()),
        Just("RegionId".to_string()),
        Just("limit".to_string()),
        (1usize..6000).prop_map(|n| vec!["a"; n].join(".")),
        (1usize..200).prop_map(|n| format!("Filters{}", ".0".repeat(n))),
        "[A-Za-z.%0-9]{0,24}",
        Just("%FF%FE".to_string()),
        Just("a..b".to_string()),
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("img-abc".to_string()),
        Just("99999999999999999999999999999999".to_string()),
        Just("-1".to_string()),
        Just("1e999999".to_string()),
        Just("%FF%C0%AF".to_string()),
        Just("True".to_string()),
        Just("2017-03-12".to_string()),
        Just("DescribeImages".to_string()),
        Just("ModifyImageSharePermission".to_string()),
        Just("cn-hangzhou".to_string()),
        Just("../../etc".to_string()),
        "[ -~]{0,40}",
        (1usize..100_000).prop_map(|n| "9".repeat(n)),
    ]
}

fn query() -> impl Strategy<Value = String> {
    proptest::collection::vec((name(), value()), 0..6).prop_map(|pairs| {
        // Duplicated keys are likely: names are drawn from a small set.
        pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        proptest::collection::vec(any::<u8>(), 0..256),
        (1usize..200_000).prop_map(|n| format!("{}{}", "[".repeat(n), "]".repeat(n)).into_bytes()),
        (1usize..50_000).prop_map(|n| format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n)).into_bytes()),
        Just(br#"{"ImageId":"img-1","ImageId":"img-2","AccountIds":["1","1"]}"#.to_vec()),
        Just(br#"{"projects":["a"],"images":[1e999999],"status":"accepted"}"#.to_vec()),
        Just(br#"{"ImageIds":[99999999999999999999999999999999999999]}"#.to_vec()),
        Just(b"\xff\xfe{\"a\":1}".to_vec()),
        query().prop_map(String::into_bytes),
        (1usize..6000).prop_map(|n| format!("{}=1", vec!["x"; n].join(".")).into_bytes()),
        Just(br#"{"namespace":"..","repository":"a/../../b","users":[{"user_id":"u","permit":"read","deadline":"2026-02-31T00:00:00Z"}]}"#.to_vec()),
    ]
}

fn authorization() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("TC3-HMAC-SHA256 Credential=AKIDx/2026-01-01/cvm/tc3_request, SignedHeaders=content-type;host, Signature=00".to_string())),
        Just(Some("ACS3-HMAC-SHA256 Credential=LTAIx,SignedHeaders=host;x-acs-action,Signature=00".to_string())),
        Just(Some("SDK-HMAC-SHA256 Access=x, SignedHeaders=host;x-sdk-date, Signature=00".to_string())),
        Just(Some("JDCLOUD3-HMAC-SHA256 Credential=x/20260101/cn-north-1/vm/jdcloud3_request, SignedHeaders=host, Signature=00".to_string())),
        "[ -~]{0,120}".prop_map(Some),
        (1usize..5000).prop_map(|n| Some(format!("TC3-HMAC-SHA256 {}", ",".repeat(n)))),
    ]
}

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let pick = prop_oneof![
        Just(("Content-Type".to_string(), "application/json".to_string())),
        Just(("Content-Type".to_string(), "application/x-www-form-urlencoded".to_string())),
        Just(("X-TC-Action".to_string(), "DescribeImages".to_string())),
        Just(("X-TC-Version".to_string(), "2017-03-12".to_string())),
        Just(("X-TC-Region".to_string(), "ap-guangzhou".to_string())),
        Just(("X-TC-Timestamp".to_string(), "99999999999999999999".to_string())),
        Just(("x-acs-action".to_string(), "DeleteImage".to_string())),
        Just(("x-acs-version".to_string(), "2014-05-26".to_string())),
        Just(("X-Sdk-Date".to_string(), "20260101T000000Z".to_string())),
        Just(("X-Sdk-Content-Sha256".to_string(), "UNSIGNED-PAYLOAD".to_string())),
        Just(("X-Project-Id".to_string(), "%FF".to_string())),
        Just(("x-jdcloud-date".to_string(), "20260101T000000Z".to_string())),
        Just(("x-jdcloud-nonce".to_string(), "n".to_string())),
        Just(("x-sharesim-trace".to_string(), "1".to_string())),
        ("[A-Za-z-]{1,20}", "[ -~]{0,60}"),
    ];
    proptest::collection::vec(pick, 0..8)
}

fn requests(p: Provider) -> impl Strategy<Value = HttpRequest> {
    let methods = prop_oneof![Just("GET"), Just("POST"), Just("PUT"), Just("DELETE"), Just("PATCH"), Just("BREW")];
    let paths = proptest::sample::select(paths(p));
    let suffix = prop_oneof![Just(String::new()), "(/[a-z.%0-9]{0,12}){0,4}", Just("/../../x".to_string())];
    (methods, paths, suffix, query(), headers(), authorization(), body()).prop_map(
        |(method, path, suffix, query, mut headers, auth, body)| {
            let path = if path.contains('?') { path.to_string() } else { format!("{path}{suffix}") };
            let sep = if path.contains('?') { '&' } else { '?' };
            let target = if query.is_empty() { path } else { format!("{path}{sep}{query}") };
            headers.push(("Host".into(), "127.0.0.1:1".into()));
            if let Some(a) = auth {
                headers.push(("Authorization".into(), a));
            }
            HttpRequest { method: method.into(), target, headers, body: body.into() }
        },
    )
}

/// Whether `resp` is an answer in `p`'s own format (success bodies are JSON when not empty).
fn in_provider_format(p: Provider, resp: &HttpResponse) -> Result<(), String> {
    let json: Option<Value> = serde_json::from_slice(&resp.body).ok();
    let show = || format!("{} {}", resp.status, String::from_utf8_lossy(&resp.body));
    if resp.body.is_empty() && resp.status < 400 {
        return Ok(());
    }
    let v = json.ok_or_else(|| format!("not JSON: {}", show()))?;
    let has = |k: &str| v.get(k).is_some();
    let ok = match p {
        // Tencent answers everything with HTTP 200 and a `Response` envelope.
        Provider::Tencent => resp.status == 200 && v["Response"]["RequestId"].is_string(),
        Provider::Alibaba => resp.status < 400 || (has("Code") && has("Message") && has("RequestId")),
        Provider::Jdcloud => has("requestId") && (resp.status < 400 || v["error"]["code"] == resp.status),
        Provider::HuaweiIms => {
            resp.status < 400
                || has("error_code")
                || v["error"]["code"].is_string()
                || v["error"]["error_code"].is_string()
        }
        Provider::HuaweiSwr => resp.status < 400 || has("error_code") || has("errorCode"),
    };
    if ok { Ok(()) } else { Err(format!("not in {p}'s format: {}", show())) }
}

fn check(p: Provider, verify: bool, req: &HttpRequest) -> Result<(), TestCaseError> {
    let mut ep = endpoint(p, verify);
    let resp = ep.handle(req, now());
    in_provider_format(p, &resp).map_err(|e| TestCaseError::fail(format!("{e}\nrequest: {req:?}")))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn tencent_never_panics_and_answers_in_its_format(req in requests(Provider::Tencent), verify in any::<bool>()) {
        check(Provider::Tencent, verify, &req)?;
    }

    #[test]
    fn alibaba_never_panics_and_answers_in_its_format(req in requests(Provider::Alibaba), verify in any::<bool>()) {
        check(Provider::Alibaba, verify, &req)?;
    }

    #[test]
    fn jdcloud_never_panics_and_answers_in_its_format(req in requests(Provider::Jdcloud), verify in any::<bool>()) {
        check(Provider::Jdcloud, verify, &req)?;
    }

    #[test]
    fn huawei_ims_never_panics_and_answers_in_its_format(req in requests(Provider::HuaweiIms), verify in any::<bool>()) {
        check(Provider::HuaweiIms, verify, &req)?;
    }

    #[test]
    fn huawei_swr_never_panics_and_answers_in_its_format(req in requests(Provider::HuaweiSwr), verify in any::<bool>()) {
        check(Provider::HuaweiSwr, verify, &req)?;
    }
}

// ----- past authentication: the owner's own key, signatures not checked ---------------------

/// The default world's `owner` on `p`: its access key ID and, on Huawei, its home project.
fn owner(p: Provider) -> (String, String) {
    static WORLD: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    let world = WORLD.get_or_init(|| World::default_world().describe_all().expect("the world describes itself"));
    let a = &world[p.name()]["accounts"][0];
    let key = a["access_key_id"].as_str().unwrap_or_default().to_string();
    let project = a["identities"]["project_id"]["home"].as_str().unwrap_or_default().to_string();
    (key, project)
}

/// Calls of the use half of each API (issue 11): instance, image-creation, quota and key-grant
/// calls, so that their parsers, not the signature check, meet the hostile input.
fn use_half_target(p: Provider) -> Vec<String> {
    let (_, project) = owner(p);
    match p {
        Provider::Jdcloud => vec![
            "POST /v1/regions/cn-north-1/instances".into(),
            "GET /v1/regions/cn-north-1/instances".into(),
            "GET /v1/regions/cn-north-1/quotas".into(),
            "POST /v1/regions/cn-north-1/instances/i-abc:rebuildInstance".into(),
            "POST /v1/regions/cn-north-1/instances/i-abc:createImage".into(),
            "POST /v1/regions/cn-north-1/instances/i-abc:stopInstance".into(),
            "DELETE /v1/regions/cn-north-1/instances/i-abc".into(),
            "POST /v1/regions/cn-north-1/images/img-abc:modifyImageAttribute".into(),
        ],
        Provider::Tencent => [
            "CreateImage",
            "DescribeInstances",
            "TerminateInstances",
            "DescribeImageQuota",
            "RunInstances",
            "ResetInstance",
            "ModifyImageSharePermission",
            "DescribeImagesToShare",
        ]
        .iter()
        .map(|a| format!("POST / {a}"))
        .collect(),
        Provider::Alibaba => [
            "CreateImage",
            "DescribeInstances",
            "StopInstance",
            "DeleteInstance",
            "DescribeDisks",
            "DescribeAccountAttributes",
            "ReplaceSystemDisk",
            "ReInitDisk",
            "RunInstances",
        ]
        .iter()
        .map(|a| format!("POST / {a}"))
        .collect(),
        Provider::HuaweiIms | Provider::HuaweiSwr => vec![
            format!("POST /v1/{project}/cloudservers"),
            format!("POST /v1.1/{project}/cloudservers"),
            format!("GET /v1/{project}/cloudservers/detail"),
            format!("GET /v1/{project}/cloudservers/x"),
            format!("POST /v1/{project}/cloudservers/delete"),
            format!("POST /v2/{project}/cloudservers/x/reinstallos"),
            format!("POST /v2/{project}/cloudservers/x/changeos"),
            format!("POST /v1.0/{project}/kms/create-grant"),
            format!("POST /v1.0/{project}/kms/list-grants"),
            format!("POST /v1.0/{project}/kms/revoke-grant"),
            "POST /v2/cloudimages/action".into(),
            format!("GET /v1/{project}/jobs/x"),
        ],
    }
}

/// JSON values of every shape, nested a little, under the names the new calls read.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        Just(serde_json::json!(1e300)),
        "[ -~]{0,12}".prop_map(Value::String),
        Just(Value::String("i-abc".into())),
        Just(Value::String("ins-abcdefgh".into())),
        Just(Value::String("img-abcdefgh".into())),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(param_name(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn param_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("ImageName"),
        Just("InstanceId"),
        Just("InstanceIds"),
        Just("SnapshotIds"),
        Just("Filters"),
        Just("Limit"),
        Just("Offset"),
        Just("ImageId"),
        Just("Permission"),
        Just("DryRun"),
        Just("Force"),
        Just("RegionId"),
        Just("DiskId"),
        Just("AttributeName.1"),
        Just("instanceSpec"),
        Just("maxCount"),
        Just("imageId"),
        Just("name"),
        Just("filters"),
        Just("server"),
        Just("imageRef"),
        Just("count"),
        Just("server_ids"),
        Just("os-reinstall"),
        Just("os-change"),
        Just("instance_id"),
        Just("key_id"),
        Just("grantee_principal"),
        Just("grantee_principal_type"),
        Just("operations"),
        Just("grant_id"),
        Just("dry_run"),
        Just("extendparam"),
        Just("delete_volume"),
        Just("Name"),
        Just("Values"),
    ]
    .prop_map(str::to_string)
}

fn authenticated(p: Provider) -> impl Strategy<Value = HttpRequest> {
    let (key, _) = owner(p);
    let targets = proptest::sample::select(use_half_target(p));
    let body = prop_oneof![
        proptest::collection::btree_map(param_name(), json_value(), 0..6)
            .prop_map(|m| serde_json::to_vec(&Value::Object(m.into_iter().collect())).unwrap_or_default()),
        body(),
    ];
    let version = prop_oneof![Just("2017-03-12"), Just("2020-03-24"), Just("2014-05-26"), Just("x")];
    (targets, body, query(), version).prop_map(move |(target, body, query, version)| {
        let mut parts = target.splitn(3, ' ');
        let method = parts.next().unwrap_or("POST").to_string();
        let path = parts.next().unwrap_or("/").to_string();
        let action = parts.next().unwrap_or_default().to_string();
        let now = now().to_string();
        let mut req = HttpRequest::new(&method, &format!("{path}?{query}")).header("Host", "127.0.0.1:1");
        req = match p {
            Provider::Tencent => req
                .header("Content-Type", "application/json")
                .header("Authorization", &format!("TC3-HMAC-SHA256 Credential={key}/2026-01-01/cvm/tc3_request, SignedHeaders=content-type;host, Signature={}", "0".repeat(64)))
                .header("X-TC-Action", &action)
                .header("X-TC-Version", version)
                .header("X-TC-Region", "ap-guangzhou")
                .header("X-TC-Timestamp", &now),
            Provider::Alibaba => req
                .header("Authorization", &format!("ACS3-HMAC-SHA256 Credential={key},SignedHeaders=host;x-acs-action,Signature={}", "0".repeat(64)))
                .header("x-acs-action", &action)
                .header("x-acs-version", version)
                .header("x-acs-date", "2026-01-01T00:00:00Z")
                .header("x-acs-signature-nonce", &now),
            Provider::Jdcloud => req
                .header("Content-Type", "application/json")
                .header("x-jdcloud-date", "20260101T000000Z")
                .header("x-jdcloud-nonce", &now)
                .header("Authorization", &format!("JDCLOUD3-HMAC-SHA256 Credential={key}/20260101/cn-north-1/vm/jdcloud3_request, SignedHeaders=content-type;host;x-jdcloud-date;x-jdcloud-nonce, Signature={}", "0".repeat(64))),
            Provider::HuaweiIms | Provider::HuaweiSwr => req
                .header("Content-Type", "application/json")
                .header("X-Sdk-Date", "20260101T000000Z")
                .header("Authorization", &format!("SDK-HMAC-SHA256 Access={key}, SignedHeaders=host;x-sdk-date, Signature={}", "0".repeat(64))),
        };
        req.body(body)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_use_half_never_panics_past_authentication(
        (p, req) in proptest::sample::select(vec![Provider::Jdcloud, Provider::Tencent, Provider::Alibaba, Provider::HuaweiIms])
            .prop_flat_map(|p| authenticated(p).prop_map(move |r| (p, r)))
    ) {
        check(p, false, &req)?;
    }
}

/// The requests above get past authentication, so the property exercises the calls' parsers:
/// an empty JSON body to every target is answered by the call itself, not refused as a caller.
#[test]
fn authenticated_requests_reach_the_calls() {
    let auth_refusals =
        ["signature", "unknown-key", "malformed-authorization", "unauthenticated", "expired", "route", "no-route"];
    for p in [Provider::Jdcloud, Provider::Tencent, Provider::Alibaba, Provider::HuaweiIms] {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        for target in use_half_target(p) {
            let strategy = authenticated(p).prop_filter("this target", {
                let target = target.clone();
                move |r| target.split(' ').nth(1).is_some_and(|path| r.target.starts_with(path))
            });
            let req = strategy.new_tree(&mut runner).expect("a request").current();
            let req = HttpRequest { body: b"{}".to_vec().into(), ..req };
            let resp = endpoint(p, false).handle(&req, now());
            let decision = resp.header("x-sharesim-outcome").unwrap_or_default().to_string();
            assert!(!auth_refusals.contains(&decision.as_str()), "{p} {target}: {decision}");
        }
    }
}

/// The request that crashed the server, in process: a Tencent name of 4,000 dotted parts
/// through both TC3 transports, with signatures not verified (as in the report).
#[test]
fn a_tencent_name_of_four_thousand_parts_is_an_invalid_parameter() {
    let world = World::default_world();
    let key = world.describe_all().expect("the world describes itself")["tencent"]["accounts"][0]["access_key_id"]
        .as_str()
        .expect("a key")
        .to_string();
    let name = vec!["a"; 4000].join(".");
    for (method, target, body) in
        [("GET", format!("/?{name}=1"), Vec::new()), ("POST", "/".to_string(), format!("{name}=1").into_bytes())]
    {
        let req = HttpRequest::new(method, &target)
            .header("Host", "127.0.0.1:1")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header(
                "Authorization",
                &format!("TC3-HMAC-SHA256 Credential={key}/2026-01-01/cvm/tc3_request, SignedHeaders=content-type;host, Signature={}", "0".repeat(64)),
            )
            .header("X-TC-Action", "DescribeImages")
            .header("X-TC-Version", "2017-03-12")
            .header("X-TC-Region", "ap-guangzhou")
            .header("X-TC-Timestamp", &now().to_string())
            .body(body);
        let resp = endpoint(Provider::Tencent, false).handle(&req, now());
        let v = resp.json_body().expect("JSON");
        assert_eq!(v["Response"]["Error"]["Code"], "InvalidParameter", "{method}: {v}");
    }
}

// ----- SWR's registry: anonymous, logged in and with the owner's token ------------------------

/// A Basic login and a pull/push token of the default world's SWR `owner`.
fn registry_owner() -> (String, String) {
    let world = World::default_world().describe_all().expect("the world describes itself");
    let a = &world["huawei-swr"]["accounts"][0];
    let (ak, sk) =
        (a["access_key_id"].as_str().unwrap_or_default(), a["access_key_secret"].as_str().unwrap_or_default());
    let login = sharesim::providers::huawei_swr::registry::login::login_key(ak, sk);
    let basic = format!("Basic {}", sharesim::wire::codec::base64(format!("cn-north-4@{ak}:{login}").as_bytes()));
    let mut ep = endpoint(Provider::HuaweiSwr, true);
    let target = "/swr/auth/v2/registry/auth/?service=dockyard&scope=repository:ns-owner/base:pull,push";
    let resp = ep.handle_at(
        sharesim::wire::Door::Registry,
        &HttpRequest::new("GET", target).header("Authorization", &basic),
        now(),
    );
    let token = resp.json_body().and_then(|v| v["token"].as_str().map(str::to_string)).unwrap_or_default();
    (basic, format!("Bearer {token}"))
}

fn registry_requests() -> impl Strategy<Value = HttpRequest> {
    let (basic, bearer) = registry_owner();
    let methods =
        prop_oneof![Just("GET"), Just("HEAD"), Just("POST"), Just("PUT"), Just("PATCH"), Just("DELETE"), Just("BREW")];
    let paths = proptest::sample::select(vec![
        "/v2/",
        "/v2/_catalog",
        "/swr/auth/v2/registry/auth/",
        "/v2/ns-owner/base/tags/list",
        "/v2/ns-owner/base/manifests/v1",
        "/v2/ns-owner/base/manifests/sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "/v2/ns-owner/base/blobs/sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "/v2/ns-owner/base/blobs/uploads/",
        "/v2/ns-owner/base/blobs/uploads/0f0e0d0c-0000-0000-0000-000000000000",
        "/v2/ns-owner/../../x/manifests/v1",
        "/v2/ns-owner/a/b/c/d/e/f/g/tags/list",
        "/v2/manifests/blobs/uploads/tags/list",
    ]);
    let suffix = prop_oneof![Just(String::new()), "(/[a-z.%0-9:]{0,12}){0,3}"];
    let queries = prop_oneof![
        query(),
        Just("scope=repository:ns-owner/base:pull,push&service=dockyard".to_string()),
        Just("scope=repository:ns-owner/base:pull&scope=repository:ns-alice/x:*&scope=registry:catalog:*".to_string()),
        Just("digest=sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".to_string()),
        Just(
            "mount=sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855&from=ns-owner/../x"
                .to_string()
        ),
        Just("n=-1&last=%FF".to_string()),
        (1usize..40).prop_map(|n| vec!["scope=repository:ns-owner/base:pull"; n].join("&")),
    ];
    let auth = prop_oneof![
        Just(None),
        Just(Some(basic)),
        Just(Some(bearer.clone())),
        Just(Some(format!("{bearer}x"))),
        Just(Some("Bearer e30.00".to_string())),
        "[ -~]{0,120}".prop_map(Some),
    ];
    let extra = prop_oneof![
        Just(("Content-Type".to_string(), "application/vnd.oci.image.manifest.v1+json".to_string())),
        Just(("Content-Type".to_string(), "application/vnd.docker.distribution.manifest.list.v2+json".to_string())),
        Just(("Content-Range".to_string(), "99999999999999999999-1".to_string())),
        Just(("Content-Range".to_string(), "0-0".to_string())),
        ("[A-Za-z-]{1,20}", "[ -~]{0,60}"),
    ];
    let manifest = prop_oneof![
        body(),
        Just(br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":-5},"layers":[]}"#.to_vec()),
        Just(br#"{"schemaVersion":2,"config":{"digest":"sha256:../../etc/passwd","size":1},"layers":[{"digest":"x","size":1e999}]}"#.to_vec()),
    ];
    (methods, paths, suffix, queries, proptest::collection::vec(extra, 0..4), auth, manifest).prop_map(
        |(method, path, suffix, query, mut headers, auth, body)| {
            let path = format!("{path}{suffix}");
            let target = if query.is_empty() { path } else { format!("{path}?{query}") };
            headers.push(("Host".into(), "127.0.0.1:1".into()));
            if let Some(a) = auth {
                headers.push(("Authorization".into(), a));
            }
            HttpRequest { method: method.into(), target, headers, body: body.into() }
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 120, failure_persistence: None, ..ProptestConfig::default() })]

    /// Every refusal is the distribution spec's `{"errors":[{"code","message"}]}` with a 4xx
    /// (or, for content a state file damaged, 500), and nothing panics.
    #[test]
    fn swr_registry_never_panics_and_answers_in_the_registry_format(req in registry_requests()) {
        let mut ep = endpoint(Provider::HuaweiSwr, true);
        let resp = ep.handle_at(sharesim::wire::Door::Registry, &req, now());
        if resp.status >= 400 {
            let v: Value = serde_json::from_slice(&resp.body).map_err(|e| TestCaseError::fail(format!("{e}: {req:?}")))?;
            prop_assert!(v["errors"][0]["code"].is_string() && v["errors"][0]["message"].is_string(), "{v} for {req:?}");
            prop_assert!(resp.status < 500, "{} for {req:?}", resp.status);
        }
        prop_assert_eq!(resp.header("Docker-Distribution-API-Version"), Some("registry/2.0"));
    }
}
