//! How `sharesim run --via http` calls this provider: engine requests as the provider's SDK
//! would send them (see `wire::call`).

use crate::engine::{Action, Request};
use crate::wire::call::{Caller, Sent, Transport};

/// Engine actions this provider's API does not carry in sharesim, with the reason; these go
/// through the admin route (see `scenario::via_http::not_carried`).
pub const NOT_CARRIED: &[(Action, &str)] = &[];

/// Performs `req` over this provider's API. Nothing is carried over the API yet: every step
/// goes through the admin route, which the run reports.
pub fn perform(_req: &Request, _caller: &Caller<'_>, _transport: &mut dyn Transport) -> Result<Sent, String> {
    Ok(Sent::NoApi)
}
