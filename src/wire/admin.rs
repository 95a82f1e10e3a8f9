//! The admin API on every listener, under `/_sharesim/`: reset, world, clock, state, journal,
//! and `apply`, which hands one engine request straight to the engine.
//! It speaks plain JSON (`{"error": …}` on failure), not a provider's format.

use serde_json::json;

use super::endpoint::JOURNAL_CAPACITY;
use super::{Endpoint, HttpRequest, HttpResponse};
use crate::engine::{Engine, Request};

/// What `POST /_sharesim/apply` takes: one engine request, as scenario steps become. It is the
/// setup path for steps a provider's API does not carry here (an image made from an instance,
/// the virtual clock) and answers with the engine's own outcome, never a provider's format.
const APPLY_EXAMPLE: &str = r#"{"actor": "owner", "op": {"op": "quota"}}"#;

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
        ("apply", "POST") => match serde_json::from_slice::<Request>(&req.body) {
            Ok(r) => {
                let outcome = ep.apply(&r.actor, r.region.as_deref(), r.op);
                ok(match outcome {
                    Ok(out) => json!({ "ok": out }),
                    Err(f) => json!({ "err": f }),
                })
            }
            Err(e) => error(400, format!("send an engine request, e.g. {APPLY_EXAMPLE}: {e}")),
        },
        ("apply", _) => not_allowed(req, "POST"),
        _ => error(
            404,
            format!(
                "no admin route `{}`; routes: reset, world, clock, clock/advance, state, journal, apply",
                req.path()
            ),
        ),
    };
    ep.note_refusal(if resp.status < 400 { "admin" } else { "admin-error" });
    resp
}
