//! `GET /_sharesim/ui` on any listener: the mock as it is now (accounts, images and their
//! shares, the journal as it grows, the virtual clock) as a page a browser reloads every few
//! seconds, with each rule that decided a request linked to its page, served from the binary
//! (`/_sharesim/ui/rules/<ID>.html`). Behind the admin API's guard like every admin route.

use crate::wire::{Endpoint, HttpResponse};

/// Where the live pages live.
pub const ROOT: &str = "/_sharesim/ui/";

fn html(status: u16, body: String) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
        body: body.into(),
    }
}

/// Answers `rest`, the path under `/_sharesim/ui` (empty for the page itself).
pub fn serve(ep: &Endpoint, rest: &str) -> HttpResponse {
    match rest.trim_start_matches('/') {
        "" | "index.html" => page(ep),
        "style.css" => HttpResponse {
            status: 200,
            headers: vec![("Content-Type".into(), "text/css; charset=utf-8".into())],
            body: super::STYLE.as_bytes().to_vec().into(),
        },
        other => match other.strip_prefix("rules/").and_then(|f| f.strip_suffix(".html")) {
            Some(id) => match ep.provider().rule(id) {
                Some(rule) => match super::live_rule_page(ep.provider(), rule) {
                    Ok(text) => html(200, text),
                    Err(e) => crate::wire::admin::error(500, e.to_string()),
                },
                None => crate::wire::admin::error(404, format!("{} has no rule `{id}`", ep.provider().spec().title)),
            },
            None => crate::wire::admin::error(404, format!("no page `{other}` under {ROOT}")),
        },
    }
}

fn page(ep: &Endpoint) -> HttpResponse {
    let engine = ep.engine();
    let spec = ep.provider().spec();
    let state = engine.state();
    let name = |a: u32| state.accounts.get(a as usize).map(|x| x.name.clone()).unwrap_or_default();
    let images: Vec<_> = state
        .images
        .iter()
        .map(|i| {
            serde_json::json!({
                "id": i.id, "name": i.name, "owner": name(i.owner),
                "region": spec.regions.get(i.region).map(|r| r.id).unwrap_or(""),
                "state": i.state_name(state.now),
                "members": i.shares.keys().map(|&a| name(a)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut journal = ep.journal(200);
    journal.reverse();
    let ctx = serde_json::json!({
        "root": ROOT, "live": true, "title": format!("{} live", spec.title), "provider_title": spec.title,
        "now": crate::clock::iso8601(state.now), "requests": ep.seq(),
        "accounts": state.accounts.iter().map(|a| a.name.clone()).collect::<Vec<_>>(),
        "images": images, "journal": journal, "all": [],
    });
    match super::render(&super::templates(), "live.html", minijinja::Value::from_serialize(ctx)) {
        Ok(text) => html(200, text),
        Err(e) => crate::wire::admin::error(500, e.to_string()),
    }
}
