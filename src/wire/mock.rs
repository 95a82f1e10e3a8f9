//! A stateful provider mock for Rust tests on wiremock: `MockProvider` implements
//! [`wiremock::Respond`], so a wiremock `MockServer` answers like the provider, with state.
//!
//! ```no_run
//! # async fn demo() {
//! use sharesim::Provider;
//! use sharesim::wire::mock::MockProvider;
//! use wiremock::{Mock, MockServer, matchers::any};
//!
//! let server = MockServer::start().await;
//! let tencent = MockProvider::default_world(Provider::Tencent);
//! Mock::given(any()).respond_with(tencent.clone()).mount(&server).await;
//! // Point a Tencent client at server.uri(), signing with a key from `tencent.world()`.
//! # }
//! ```
//!
//! Behind the `wiremock` feature, off by default so that building the binary does not compile
//! wiremock: a test suite enables it in its `[dev-dependencies]` with
//! `sharesim = { path = "…", features = ["wiremock"] }` (or `git = "…"`), beside `wiremock`
//! (sharesim's own tests enable it through a dev-dependency on itself, so `cargo test` needs no
//! flag).
//!
//! wiremock re-parses request URLs, so a client that sends an unusual percent-encoding may see
//! a signature refused here that `sharesim serve` (which keeps the raw target) accepts.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use wiremock::{Respond, ResponseTemplate};

use super::{Endpoint, HttpRequest};
use crate::providers::Provider;
use crate::world::{World, WorldError};

/// One provider's endpoint behind a lock, shareable between mocks and the test.
#[derive(Clone)]
pub struct MockProvider {
    endpoint: Arc<Mutex<Endpoint>>,
}

impl MockProvider {
    /// A mock of `provider` serving `world`, verifying signatures.
    pub fn new(provider: Provider, world: &World) -> Result<MockProvider, WorldError> {
        Ok(MockProvider { endpoint: Arc::new(Mutex::new(world.endpoint(provider, true)?)) })
    }

    /// A mock of `provider` serving the embedded default world.
    pub fn default_world(provider: Provider) -> MockProvider {
        let world = World::default_world();
        MockProvider::new(provider, &world).expect("the default world builds for every provider (tested)")
    }

    /// The endpoint, to inspect its engine or journal, or to change its state.
    pub fn endpoint(&self) -> MutexGuard<'_, Endpoint> {
        self.endpoint.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The world as JSON: accounts with their identities and access keys, images with IDs.
    pub fn world(&self) -> serde_json::Value {
        self.endpoint().world().clone()
    }
}

impl Respond for MockProvider {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let target = match request.url.query() {
            Some(q) => format!("{}?{q}", request.url.path()),
            None => request.url.path().to_string(),
        };
        let headers = request
            .headers
            .iter()
            .map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let req = HttpRequest {
            method: request.method.as_str().to_string(),
            target,
            headers,
            body: request.body.clone().into(),
        };
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let resp = self.endpoint().handle(&req, now);
        let mut t = ResponseTemplate::new(resp.status).set_body_bytes(resp.body);
        for (n, v) in resp.headers {
            t = t.insert_header(n.as_str(), v.as_str());
        }
        t
    }
}
