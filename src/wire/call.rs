//! The client side of a provider's API, for `sharesim run --via http`: each provider's
//! `client::perform` turns one engine request into the signed HTTP request(s) that provider's
//! SDK would send, sends them, and reads the provider's error back out of the response.
//!
//! The runner then takes the engine's decision from the trace (`wire::trace`) and checks that
//! the error the provider's response carried is the one the provider's error table gives for
//! that decision, so a transcript over HTTP matches the in-process one only if the request was
//! encoded, decoded, decided and answered alike.

use super::directory::Directory;
use crate::engine::Request;
use crate::wire::{HttpRequest, HttpResponse};

/// Who calls, from where, with which key; and the world as set up, for identity lookups.
pub struct Caller<'a> {
    /// The world as the client knows it, for lookups only (an account's project ID, an image's
    /// region, an instance's product); decisions are the server's.
    pub directory: &'a Directory,
    /// The acting account's name.
    pub actor: &'a str,
    pub key_id: &'a str,
    pub secret: &'a str,
    /// `127.0.0.1:PORT`, for the `Host` header that signatures cover.
    pub host: &'a str,
    /// Wall-clock Unix seconds, for signature dates.
    pub now: u64,
    /// The region the call is made in (index into the provider's regions): the step's region,
    /// else the region of the image it names, else home.
    pub region: usize,
}

impl Caller<'_> {
    /// A region as the provider's API names it: an abstract name (`away`) becomes its ID;
    /// anything else goes as written, for the server to judge.
    pub fn region_id<'r>(&self, region: &'r str) -> &'r str {
        let regions = self.directory.provider().spec().regions;
        match self.directory.resolve_region(region).and_then(|ix| regions.get(ix)) {
            Some(r) => r.id,
            None => region,
        }
    }
}

/// Sends a request to the provider's listener and returns its response.
pub trait Transport {
    fn send(&mut self, req: HttpRequest) -> Result<HttpResponse, String>;

    /// Sends a request to the provider's container registry, where it has one.
    fn send_registry(&mut self, req: HttpRequest) -> Result<HttpResponse, String> {
        Err(format!("{} {}: this provider has no registry", req.method, req.path()))
    }
}

/// The provider's error as a client reads it from a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenError {
    pub code: String,
    /// The HTTP status that carried it; `None` when it came in an asynchronous job's result
    /// (IMS), whose own query answers 200.
    pub status: Option<u16>,
}

/// What a provider's client did with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Sent over the provider's API; the error the last response carried, if any.
    Api { error: Option<SeenError> },
    /// The provider has no API that carries this request (or sharesim does not serve it): the
    /// runner asks the engine through the admin route instead, and counts it.
    NoApi,
    /// The provider's API has the call but cannot say this request (two images where it takes
    /// one): the engine's refusal comes through the admin route, and the run counts it apart.
    Inexpressible { why: &'static str },
}

/// One provider's client: performs `req` as `caller` through `transport`. An `Err` is a client
/// fault (a response it could not read), shown in the transcript.
pub type Perform = fn(req: &Request, caller: &Caller<'_>, transport: &mut dyn Transport) -> Result<Sent, String>;
