//! The admin API on every listener, under `/_sharesim/`: health, reset, world, clock, state,
//! journal, the live page (`ui`), and `apply`, which hands one engine request straight to the
//! engine.
//! It speaks plain JSON (`{"error": …}` with a 4xx/5xx status on failure), never a provider's
//! format, so a script that checks the status is never told a refusal worked.
//!
//! The admin API can read every secret key and change any state, and the user's browser can
//! reach loopback: [`guard`] refuses what only a web page would send (a foreign `Host`, as in
//! DNS rebinding; a foreign `Origin`; a write that is not `application/json`, which a
//! cross-origin form or `text/plain` fetch cannot send without a preflight), and, when the
//! server was given one, a request without the admin token.

use serde_json::json;

use super::endpoint::JOURNAL_CAPACITY;
use super::{Endpoint, HttpRequest, HttpResponse, codec};
use crate::engine::{Engine, Request};
use crate::scenario::run::Door;

/// What `POST /_sharesim/apply` takes, in the words a scenario step uses (docs/APPLY.md has an
/// example of every operation). It is the setup path for what a provider's API does not carry
/// here (an image made from an instance, the virtual clock) and answers with the engine's own
/// outcome, never a provider's format.
const APPLY_EXAMPLE: &str = r#"{"share": {"as": "owner", "image": "base", "with": "alice"}}"#;

pub const PREFIX: &str = "/_sharesim/";
/// The header that carries `--admin-token`.
pub const TOKEN_HEADER: &str = "X-Sharesim-Admin-Token";
/// Admin request bodies may be this large: a state dump of a busy world is many megabytes,
/// far above what a provider request may carry (`MAX_BODY_BYTES`).
pub const MAX_ADMIN_BODY_BYTES: usize = 256 * 1024 * 1024;

/// Whether `target` (path and query) is an admin route.
pub fn is_admin(target: &str) -> bool {
    target.starts_with(PREFIX)
}

/// `localhost`, `127.0.0.0/8` or `::1`, with or without a port: the only hosts a request for
/// the admin API may name.
fn loopback_host(host: &str) -> bool {
    codec::host_without_port(host).is_some_and(|name| {
        name.eq_ignore_ascii_case("localhost") || codec::host_ip(name).is_some_and(|ip| ip.is_loopback())
    })
}

/// `http(s)://` and a loopback host: an `Origin` a page served from this machine sends.
fn loopback_origin(origin: &str) -> bool {
    let rest = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
    rest.is_some_and(|host| !host.contains('/') && loopback_host(host))
}

/// Refuses an admin request a web page could have made, or one without the admin token.
pub fn guard(req: &HttpRequest, token: Option<&str>) -> Result<(), HttpResponse> {
    match req.get("Host") {
        Some(host) if loopback_host(&host) => {}
        Some(host) => {
            return Err(error(
                403,
                format!(
                    "the admin API answers only requests for a loopback host (localhost, 127.0.0.1, [::1]), not `{host}`"
                ),
            ));
        }
        None => return Err(error(403, "the admin API needs a Host header naming a loopback host")),
    }
    if let Some(origin) = req.get("Origin")
        && !loopback_origin(&origin)
    {
        return Err(error(403, format!("the admin API refuses requests from the web origin `{origin}`")));
    }
    if let Some(want) = token {
        match req.get(TOKEN_HEADER) {
            Some(got) if codec::same(got.trim(), want) => {}
            Some(_) => return Err(error(401, format!("the {TOKEN_HEADER} header does not match --admin-token"))),
            None => {
                return Err(error(
                    401,
                    format!("this server was started with --admin-token: send it as {TOKEN_HEADER}"),
                ));
            }
        }
    }
    let writes = !matches!(req.method.as_str(), "GET" | "HEAD" | "OPTIONS");
    let json = req.get("Content-Type").is_some_and(|ct| {
        ct.split(';').next().is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
    });
    if writes && !json {
        return Err(error(
            415,
            format!("{} {} must be sent as Content-Type: application/json", req.method, req.path()),
        ));
    }
    Ok(())
}

/// The admin API's answer to a request the server could not read.
pub fn rejection(why: &super::Rejection) -> HttpResponse {
    match why {
        super::Rejection::BodyTooLarge { limit } => {
            error(413, format!("admin request bodies are limited to {limit} bytes"))
        }
        super::Rejection::Unreadable(detail) => error(400, format!("the request could not be read: {detail}")),
    }
}

/// `?limit=N` of the journal: absent is 100, more than is kept is all that is kept, anything
/// but a whole number is an error rather than a silent default.
/// `GET /_sharesim/journal?action=&account=&outcome=&since=&limit=`: the requests a test
/// wants to verify, as WireMock's request journal answers. Every parameter narrows; an unknown
/// parameter or a bad value is a 400, never ignored.
struct JournalQuery {
    limit: usize,
    action: Option<String>,
    account: Option<String>,
    outcome: Option<String>,
    /// After this request number, or at or after this wall-clock time.
    since_seq: Option<u64>,
    since_wall: Option<u64>,
}

impl JournalQuery {
    fn parse(query: &str) -> Result<JournalQuery, HttpResponse> {
        let mut q =
            JournalQuery { limit: 100, action: None, account: None, outcome: None, since_seq: None, since_wall: None };
        for (k, v) in crate::wire::codec::query_pairs(query) {
            match k.as_str() {
                "limit" => {
                    q.limit = v.parse::<usize>().map(|n| n.min(JOURNAL_CAPACITY)).map_err(|_| {
                        error(
                            400,
                            format!("journal: limit must be a whole number from 0 to {JOURNAL_CAPACITY}, not `{v}`"),
                        )
                    })?
                }
                "action" => q.action = Some(v),
                "account" => q.account = Some(v),
                "outcome" => q.outcome = Some(v),
                "since" => match (v.parse::<u64>(), crate::clock::parse_iso8601(&v)) {
                    (Ok(n), _) => q.since_seq = Some(n),
                    (_, Some(t)) => q.since_wall = Some(t),
                    _ => {
                        return Err(error(
                            400,
                            format!(
                                "journal: since is a request number or a UTC time like 2026-01-01T00:00:00Z, not `{v}`"
                            ),
                        ));
                    }
                },
                other => {
                    return Err(error(
                        400,
                        format!("journal: unknown parameter `{other}`; use action, account, outcome, since or limit"),
                    ));
                }
            }
        }
        Ok(q)
    }

    fn keeps(&self, e: &super::endpoint::JournalEntry) -> bool {
        let same = |want: &Option<String>, got: Option<&str>| {
            want.as_deref().is_none_or(|w| got.is_some_and(|g| g.eq_ignore_ascii_case(w)))
        };
        same(&self.action, e.action.or(e.api.as_deref()))
            && same(&self.account, e.actor.as_deref())
            && same(&self.outcome, Some(e.decision.as_str()))
            && self.since_seq.is_none_or(|s| e.seq > s)
            && self.since_wall.is_none_or(|t| e.wall >= t)
    }
}

/// The server's engine as a scenario runner sees one, so a step sent to `apply` becomes the
/// same operation it becomes in a scenario file.
struct AdminDoor<'a>(&'a mut Endpoint);

impl Door for AdminDoor<'_> {
    fn provider(&self) -> crate::providers::Provider {
        self.0.engine().provider()
    }

    fn look<R>(&self, f: impl FnOnce(&Engine) -> R) -> R {
        f(self.0.engine())
    }

    fn apply(&mut self, req: &Request) -> (crate::engine::Outcome, Option<String>) {
        (self.0.apply(&req.actor, req.region.as_deref(), req.op.clone()), None)
    }
}

/// `POST /_sharesim/apply`: one step as a scenario writes it, by the world's names
/// (`{"share": {"as": "owner", "image": "base", "with": "alice"}}`), or the engine's own
/// request by IDs (`{"actor": "owner", "op": {"op": "quota"}}`), which scripts written before
/// steps were taken still send. Both answer `{"ok": output}` or `{"err": failure}`.
fn apply(ep: &mut Endpoint, body: &[u8]) -> HttpResponse {
    let Ok(text) = std::str::from_utf8(body) else {
        return error(400, format!("the body is not UTF-8 JSON; send a step, e.g. {APPLY_EXAMPLE}"));
    };
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return error(400, format!("the body is not JSON ({e}); send a step, e.g. {APPLY_EXAMPLE}")),
    };
    if value.get("op").is_some() {
        return match serde_json::from_value::<Request>(value) {
            Ok(r) => ok(match ep.apply(&r.actor, r.region.as_deref(), r.op) {
                Ok(out) => json!({ "ok": out }),
                Err(f) => json!({ "err": f }),
            }),
            Err(e) => error(400, format!("an engine request (it has `op`) that does not parse: {e}")),
        };
    }
    let provider = ep.engine().provider();
    let images = crate::scenario::run::image_handles(ep.engine());
    let known = crate::scenario::run::known(ep.engine(), &images);
    let step = match crate::scenario::load::parse_step("request body", text, provider, &known) {
        Ok(step) => step,
        Err(e) => {
            let body = json!({
                "error": e.to_string(),
                "code": e.code,
                "line": e.line,
                "column": e.column,
                "hint": e.hint,
                "example": APPLY_EXAMPLE,
            });
            return HttpResponse::json(400, "application/json", &body);
        }
    };
    let (entry, outcome) = crate::scenario::run::apply_step(&mut AdminDoor(ep), &step, images);
    let mut answer = match outcome {
        Ok(out) => json!({ "ok": out }),
        Err(f) => json!({ "err": f }),
    };
    answer["step"] = json!(entry.call);
    answer["detail"] = json!(entry.detail);
    if let Some(wire) = entry.wire {
        answer["wire"] = json!(wire);
    }
    if let Some(broke) = entry.broke {
        answer["broke"] = json!(broke);
    }
    ok(answer)
}

fn ok(body: serde_json::Value) -> HttpResponse {
    HttpResponse::json(200, "application/json", &body)
}

/// An admin (or sharesim-internal) failure: `{"error": …}` with `status`.
pub fn error(status: u16, message: impl Into<String>) -> HttpResponse {
    HttpResponse::json(status, "application/json", &json!({ "error": message.into() }))
}

fn not_allowed(req: &HttpRequest, allowed: &str) -> HttpResponse {
    error(405, format!("{} {} is not allowed; use {allowed}", req.method, req.path())).with_header("Allow", allowed)
}

pub fn handle(ep: &mut Endpoint, req: &HttpRequest) -> HttpResponse {
    // Health is for probes (docker, CI's wait loops): it tells nothing secret, so it needs no
    // token and answers any method that reads.
    if req.path().trim_end_matches('/') == "/_sharesim/health" && matches!(req.method.as_str(), "GET" | "HEAD") {
        return ok(json!({
            "status": "ok", "provider": ep.provider().name(),
            "now": crate::clock::iso8601(ep.engine().now()), "requests": ep.seq(),
        }));
    }
    if let Err(refused) = guard(req, ep.admin_token()) {
        ep.note_refusal("admin-refused");
        return refused;
    }
    let what = req.path().trim_start_matches(PREFIX).trim_end_matches('/');
    let method = req.method.as_str();
    if let Some(rest) = what.strip_prefix("ui").filter(|r| r.is_empty() || r.starts_with('/')) {
        return match method {
            "GET" | "HEAD" => crate::report::live::serve(ep, rest),
            _ => not_allowed(req, "GET"),
        };
    }
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
            body: ep.engine().dump().into_bytes().into(),
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
        ("journal", "GET") => match JournalQuery::parse(req.query()) {
            Ok(q) => ok(json!({ "capacity": JOURNAL_CAPACITY, "entries": ep.journal_where(q.limit, |e| q.keeps(e)) })),
            Err(resp) => resp,
        },
        ("journal", "DELETE") => {
            ep.clear_journal();
            ok(json!({ "cleared": true }))
        }
        ("journal", _) => not_allowed(req, "GET, DELETE"),
        ("apply", "POST") => apply(ep, &req.body),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn admin(method: &str, path: &str) -> HttpRequest {
        HttpRequest::new(method, path).header("Host", "127.0.0.1:8080").header("Content-Type", "application/json")
    }

    fn status(r: Result<(), HttpResponse>) -> u16 {
        match r {
            Ok(()) => 200,
            Err(resp) => {
                assert!(resp.json_body().is_some_and(|b| b["error"].is_string()), "admin errors are {{\"error\"}}");
                resp.status
            }
        }
    }

    #[test]
    fn only_loopback_hosts_are_admin_hosts() {
        for ok in ["localhost", "LOCALHOST:1", "127.0.0.1", "127.8.9.10:65535", "[::1]", "[::1]:80"] {
            assert!(loopback_host(ok), "{ok}");
        }
        for bad in ["evil.example", "evil.example:80", "10.0.0.1", "localhost.evil.example", "[::2]", "127.0.0.1:x", ""]
        {
            assert!(!loopback_host(bad), "{bad}");
        }
    }

    #[test]
    fn a_dns_rebinding_page_cannot_read_the_world() {
        // The defect: any Host header could read `/_sharesim/world`, which holds every secret key.
        let req = HttpRequest::new("GET", "/_sharesim/world").header("Host", "rebind.example:8080");
        assert_eq!(status(guard(&req, None)), 403);
        assert_eq!(status(guard(&HttpRequest::new("GET", "/_sharesim/world"), None)), 403, "no Host");
    }

    #[test]
    fn a_cross_origin_text_plain_post_is_refused() {
        // The defect: a `text/plain` POST from any web page deleted an image through `apply`.
        let page = HttpRequest::new("POST", "/_sharesim/apply")
            .header("Host", "127.0.0.1:8080")
            .header("Origin", "https://evil.example")
            .header("Content-Type", "text/plain");
        assert_eq!(status(guard(&page, None)), 403);
        let same_machine_text = admin("POST", "/_sharesim/apply");
        let mut same_machine_text = same_machine_text.clone();
        same_machine_text.headers.retain(|(n, _)| n != "Content-Type");
        same_machine_text.headers.push(("Content-Type".into(), "text/plain".into()));
        assert_eq!(status(guard(&same_machine_text, None)), 415);
        let local_page = admin("POST", "/_sharesim/apply").header("Origin", "http://localhost:3000");
        assert_eq!(status(guard(&local_page, None)), 200);
        assert_eq!(status(guard(&admin("POST", "/_sharesim/apply").header("Origin", "null"), None)), 403);
        assert_eq!(status(guard(&HttpRequest::new("GET", "/_sharesim/clock").header("Host", "localhost"), None)), 200);
    }

    #[test]
    fn the_admin_token_is_required_when_set() {
        assert_eq!(status(guard(&admin("GET", "/_sharesim/world"), Some("s3cret"))), 401);
        assert_eq!(status(guard(&admin("GET", "/_sharesim/world").header(TOKEN_HEADER, "wrong"), Some("s3cret"))), 401);
        assert_eq!(
            status(guard(&admin("GET", "/_sharesim/world").header(TOKEN_HEADER, "s3cret"), Some("s3cret"))),
            200
        );
    }

    #[test]
    fn a_journal_limit_that_is_not_a_number_is_refused() {
        // The defect: `limit=abc` and `limit=-1` silently returned 100 entries.
        let limit = |q: &str| JournalQuery::parse(q).map(|j| j.limit).map_err(|r| r.status);
        for bad in ["limit=abc", "limit=-1", "limit=", "limit=1.5", "since=yesterday", "colour=red"] {
            assert_eq!(limit(bad), Err(400), "{bad}");
        }
        assert_eq!(limit("").ok(), Some(100));
        assert_eq!(limit("limit=7").ok(), Some(7));
        assert_eq!(limit("limit=99999").ok(), Some(JOURNAL_CAPACITY));
    }

    #[test]
    fn the_journal_answers_queries_by_action_account_outcome_and_time() {
        let mut ep =
            crate::world::World::default_world().endpoint(crate::providers::Provider::HuaweiSwr, true).unwrap();
        let apply = |ep: &mut Endpoint, body: &str| {
            let req =
                admin("POST", "/_sharesim/apply").header("Content-Type", "application/json").body(body.to_string());
            ep.handle(&req, 1_700_000_000)
        };
        apply(&mut ep, r#"{"actor":"owner","op":{"op":"list_my_shared"}}"#);
        // Admin calls drive the mock: they are not journalled as provider calls.
        let all = |ep: &mut Endpoint, q: &str| {
            let resp = ep.handle(&admin("GET", &format!("/_sharesim/journal{q}")), 1_700_000_000);
            (resp.status, resp.json_body().unwrap_or_default()["entries"].as_array().cloned().unwrap_or_default())
        };
        assert_eq!(all(&mut ep, "").1.len(), 0);
        // A provider call that the gateway refuses, and one the registry answers.
        ep.handle(&admin("GET", "/v2/manage/namespaces"), 1_700_000_000);
        let registry = admin("GET", "/swr/auth/v2/registry/auth/?service=dockyard&scope=repository:ns-owner/base:pull");
        ep.handle_at(crate::wire::Door::Registry, &registry, 1_700_000_100);
        let (status, entries) = all(&mut ep, "");
        assert_eq!((status, entries.len()), (200, 2));
        assert_eq!(entries[1]["action"], "launch", "the registry asked the engine whether anyone may pull");
        assert_eq!(entries[1]["code"], "DENIED");
        assert!(entries[1]["operation"]["image"] == "ns-owner/base" && entries[1]["wall"] == "2023-11-14T22:15:00Z");
        assert_eq!(all(&mut ep, "?action=launch").1.len(), 1);
        assert_eq!(all(&mut ep, "?outcome=notfound").1.len(), 1, "case does not matter");
        let first = entries[0]["seq"].as_u64().unwrap();
        assert_eq!(all(&mut ep, &format!("?since={first}")).1.len(), 1, "after the first request");
        assert_eq!(all(&mut ep, "?since=2023-11-14T22:14:00Z").1.len(), 1);
        assert_eq!(all(&mut ep, "?account=alice").1.len(), 0);
        assert_eq!(all(&mut ep, "?since=soon").0, 400);
        assert_eq!(ep.handle(&admin("DELETE", "/_sharesim/journal"), 0).status, 200);
        assert_eq!(all(&mut ep, "").1.len(), 0, "cleared");
    }

    /// The request bodies in docs/APPLY.md, in order.
    fn documented_bodies() -> Vec<String> {
        let doc = include_str!("../../docs/APPLY.md");
        let mut out = Vec::new();
        let mut rest = doc.split_once("## Every operation").map(|(_, r)| r).unwrap_or_default();
        while let Some((_, after)) = rest.split_once("```json\n") {
            let (body, next) = after.split_once("```").unwrap_or((after, ""));
            out.push(body.trim().to_string());
            rest = next;
        }
        out
    }

    fn post(ep: &mut Endpoint, body: &str) -> (u16, serde_json::Value) {
        let mut req = admin("POST", "/_sharesim/apply");
        req.body = body.as_bytes().to_vec().into();
        let resp = handle(ep, &req);
        (resp.status, resp.json_body().unwrap_or_default())
    }

    #[test]
    fn every_documented_apply_example_parses_on_every_provider_and_covers_every_step() {
        let bodies = documented_bodies();
        for k in crate::scenario::load::STEP_KEYWORDS {
            assert!(bodies.iter().any(|b| b.starts_with(&format!("{{\"{k}\""))), "docs/APPLY.md has no `{k}` example");
        }
        let world = crate::world::World::default_world();
        for p in crate::providers::Provider::ALL {
            let mut ep = world.endpoint(p, true).unwrap();
            let mut instance: Option<String> = None;
            for body in &bodies {
                let body = match &instance {
                    Some(id) => body.replace("i-0000000000", id),
                    None => body.clone(),
                };
                let (status, answer) = post(&mut ep, &body);
                assert_eq!(status, 200, "{p}: {body}: {answer}");
                assert!(answer.get("ok").is_some() || answer.get("err").is_some(), "{p}: {body}: {answer}");
                if let Some(id) = answer["ok"]["instance"].as_str() {
                    instance = Some(id.to_string());
                }
            }
        }
    }

    #[test]
    fn apply_takes_names_and_answers_bad_steps_with_where_and_what() {
        let world = crate::world::World::default_world();
        let mut ep = world.endpoint(crate::providers::Provider::Tencent, true).unwrap();
        let (status, ok) = post(&mut ep, r#"{"share": {"as": "owner", "image": "base", "with": "alice"}}"#);
        assert_eq!((status, ok["ok"]["result"].as_str()), (200, Some("shared")), "{ok}");
        assert_eq!(ok["step"], "owner: share base with alice");
        let (_, refused) = post(&mut ep, r#"{"delete_image": {"as": "owner", "image": "base"}, "expect": "ok"}"#);
        assert_eq!(refused["err"]["rule"], "TC-DELETE-SHARED", "{refused}");
        assert_eq!(refused["wire"]["code"], "InvalidImageId.InShared", "{refused}");
        assert_eq!(refused["broke"], "expected ok, got StillShared", "{refused}");
        let (status, typo) = post(&mut ep, r#"{"share": {"as": "owner", "image": "bsae", "with": "alice"}}"#);
        assert_eq!(status, 400);
        assert_eq!((typo["line"].as_u64(), typo["column"].as_u64()), (Some(1), Some(36)), "{typo}");
        assert_eq!(typo["hint"], "did you mean `base`?", "{typo}");
        for bad in [
            r#"{"shar": {"as": "owner"}}"#,
            r#"{"share": {"as": "owner", "image": "base", "with": "alice"}, "quota": {"as": "owner"}}"#,
            r#"{"quota": {"as": "mallory"}}"#,
            r#"{"copy_image": {"as": "owner", "image": "base", "to": "mars", "name": "x"}}"#,
            r#"{"create_image": {"as": "owner", "name": "base"}}"#,
            "[1, 2]",
            "not json",
            "",
        ] {
            let (status, answer) = post(&mut ep, bad);
            assert_eq!(status, 400, "{bad}: {answer}");
            assert!(answer["error"].is_string(), "{bad}: {answer}");
        }
        // The engine's own form, by IDs, still works.
        let (status, quota) = post(&mut ep, r#"{"actor": "owner", "op": {"op": "quota"}}"#);
        assert_eq!((status, quota["ok"]["result"].as_str()), (200, Some("quota")), "{quota}");
    }
}
