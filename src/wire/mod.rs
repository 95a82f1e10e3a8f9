//! The second front door: HTTP requests in each provider's own API, turned into engine
//! operations by per-provider adapters (`providers/<p>/api.rs`), and the provider's own
//! responses and errors back out. Nothing here knows a provider but `adapters`, the one list
//! of which adapter serves which provider; servers only move bytes.

pub mod adapters;
pub mod admin;
pub mod call;
pub mod client;
pub mod codec;
pub mod content;
pub mod directory;
pub mod endpoint;
pub mod http;
pub mod keys;
#[cfg(feature = "wiremock")]
pub mod mock;
pub mod store;
pub mod trace;

pub use adapters::adapter;
pub use endpoint::{Door, Endpoint, JournalEntry};
pub use http::{HttpRequest, HttpResponse};
pub use keys::{AccessKey, KeyStore};

/// Bodies larger than this are refused before an adapter sees them (the provider's own error).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// A container registry's bodies (a monolithic blob upload or a chunk) may be this large.
pub const MAX_REGISTRY_BODY_BYTES: usize = 1024 * 1024 * 1024;

/// Why a request was refused before its adapter could read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    BodyTooLarge { limit: usize },
    Unreadable(String),
}

/// A provider's HTTP API: the handler, and how it words transport-level refusals.
#[derive(Clone, Copy)]
pub struct Adapter {
    /// Answers one request. `now` is wall-clock Unix seconds, used only for signature freshness.
    pub handle: fn(&mut Endpoint, &HttpRequest, u64) -> HttpResponse,
    /// The provider's error body for a request refused before parsing.
    pub reject: fn(&mut Endpoint, &Rejection) -> HttpResponse,
}

impl std::fmt::Debug for Adapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Adapter")
    }
}
