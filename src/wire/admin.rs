//! The admin API on every listener, under `/_sharesim/`: reset, world, clock, state, journal.
//! It speaks plain JSON (`{"error": …}` on failure), not a provider's format.

use serde_json::json;

use super::endpoint::JOURNAL_CAPACITY;
use super::{Endpoint, HttpRequest, HttpResponse};
use crate::engine::Engine;

pub const PREFIX: &str = "/_sharesim/";

fn ok(body: serde_json::Value) -> HttpResponse {
    HttpResponse::json(200, "application/json", &body)
}

fn error(status: u16, message: impl Into<String>) -> HttpResponse {
    HttpResponse::json(status, "application/json", &json!({ "error": message.into() }))
}

fn not_allowed(req: &HttpRequest, allowed: &str) -> HttpResponse {
    error(405, format!("{} {} is not allowed; use {allowed}", req.method, req.path())).with_header("Allow", allowed)
}

pub fn handle(ep: &mut Endpoint, req: &HttpRequest) -> HttpResponse {
    let what = req.path().trim_start_matches(PREFIX).trim_end_matches('/');
    let method = req.method.as_str();
    let resp = match (what, method) {
        ("reset", "POST") => {
            ep.reset();
            ok(json!({ "reset": true, "now": crate::clock::iso8601(ep.engine().now()) }))
        }
        ("reset", _) => not_allowed(req, "POST"),
        ("world", "GET") => ok(ep.world().clone()),
        ("world", _) => not_allowed(req, "GET"),
        ("clock/advance", "POST") => {
            let seconds = serde_json::from_slice::<serde_json::Value>(&req.body)
                .ok()
                .and_then(|v| v.get("seconds").and_then(serde_json::Value::as_u64));
            match seconds {
                Some(s) => ok(json!({ "now": ep.advance_clock(s) })),
                None => error(400, "send {\"seconds\": N} with N a whole number of seconds"),
            }
        }
        ("clock", "GET") => ok(json!({ "now": crate::clock::iso8601(ep.engine().now()) })),
        ("clock/advance", _) => not_allowed(req, "POST"),
        ("state", "GET") => HttpResponse {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: ep.engine().dump().into_bytes(),
        },
        ("state", "PUT") => match std::str::from_utf8(&req.body)
            .map_err(|e| e.to_string())
            .and_then(|text| Engine::load(ep.provider(), text).map_err(|e| e.to_string()))
        {
            Ok(engine) => {
                ep.replace_engine(engine);
                ok(json!({ "loaded": true }))
            }
            Err(e) => error(400, e),
        },
        ("state", _) => not_allowed(req, "GET, PUT"),
        ("journal", "GET") => {
            let limit = crate::wire::codec::query_pairs(req.query())
                .into_iter()
                .find(|(k, _)| k == "limit")
                .and_then(|(_, v)| v.parse::<usize>().ok())
                .unwrap_or(100)
                .min(JOURNAL_CAPACITY);
            ok(json!({ "capacity": JOURNAL_CAPACITY, "entries": ep.journal(limit) }))
        }
        ("journal", _) => not_allowed(req, "GET"),
        _ => error(
            404,
            format!("no admin route `{}`; routes: reset, world, clock, clock/advance, state, journal", req.path()),
        ),
    };
    ep.note_refusal(if resp.status < 400 { "admin" } else { "admin-error" });
    resp
}
