//! Each provider's share lifecycle as a picture: a Graphviz graph written from the provider's
//! policy (its rule table folded), laid out and drawn as SVG by `layout-rs`, a pure-Rust
//! Graphviz renderer, so the picture changes when a rule does and nothing is drawn by hand.

use layout::backends::svg::SVGWriter;
use layout::gv::{DotParser, GraphBuilder};

use crate::providers::Provider;
use crate::rules::{CopyScope, DeleteShared};

/// The lifecycle graph in Graphviz's dot language. Edge labels name what moves an image (or a
/// share) from one state to the next, and the rule that says so.
pub fn lifecycle_dot(p: Provider) -> String {
    let pol = p.policy();
    let mut edges: Vec<(String, String, String)> = Vec::new();
    let mut edge = |from: &str, to: &str, label: String| edges.push((from.into(), to.into(), label));
    let id = |r: &crate::rules::Rule| r.id;
    let share_rule = pol.share_limit.map(|(r, n)| format!("share (≤ {n}) {}", id(r))).unwrap_or_else(|| "share".into());
    match pol.acceptance_required {
        Some(r) => {
            edge("private", "pending", share_rule);
            edge("pending", "accepted", format!("recipient accepts {}", r.id));
            edge("pending", "rejected", format!("recipient rejects {}", r.id));
            edge("rejected", "accepted", "recipient accepts later".into());
            edge("accepted", "private", "owner cancels".into());
        }
        None => {
            edge("private", "shared", share_rule);
            edge("shared", "private", "owner cancels".into());
        }
    }
    let live = if pol.acceptance_required.is_some() { "accepted" } else { "shared" };
    if let Some(r) = pol.share_validity {
        edge(live, "expired", format!("deadline passes {}", r.id));
        edge("expired", live, "owner extends".into());
    }
    if let Some(r) = pol.visibility_change {
        edge("private", "public", format!("make public {}", r.id));
        edge("public", "private", "make private".into());
    }
    match pol.delete_while_shared {
        Some((r, DeleteShared::Refuse)) => {
            edge(live, "delete refused", format!("delete {}", r.id));
            edge("private", "deleted", "delete (not shared)".into());
        }
        Some((r, _)) => {
            edge(live, "deleted", format!("delete: shares end {}", r.id));
            edge("private", "deleted", "delete".into());
        }
        None => edge("private", "deleted", "delete".into()),
    }
    if let Some((r, scope)) = pol.owner_copy {
        let CopyScope { same_region, other_region } = scope;
        let where_ = match (same_region, other_region) {
            (true, true) => "any region",
            (false, true) => "another region",
            (true, false) => "same region",
            (false, false) => "nowhere",
        };
        edge("private", "copy (new image)", format!("copy to {where_} {}", r.id));
    }
    let mut dot = String::from("digraph lifecycle {\n");
    for (from, to, label) in edges {
        dot.push_str(&format!("  \"{from}\" -> \"{to}\" [label=\"{}\"];\n", label.replace('"', "'")));
    }
    dot.push('}');
    dot
}

/// The lifecycle as SVG; `None` if the renderer refused the graph (never for the graphs above).
pub fn lifecycle_svg(p: Provider) -> Option<String> {
    let dot = lifecycle_dot(p);
    let mut parser = DotParser::new(&dot);
    let graph = parser.process().ok()?;
    let mut builder = GraphBuilder::new();
    builder.visit_graph(&graph);
    let mut visual = builder.get();
    let mut svg = SVGWriter::new();
    visual.do_it(false, false, false, &mut svg);
    // Inline in HTML: from `<svg` on, without the XML declaration HTML has no syntax for.
    Some(svg.finalize()).map(|s| s[s.find("<svg").unwrap_or(0)..].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_has_a_lifecycle_drawn_from_its_rules() {
        for p in Provider::ALL {
            let svg = lifecycle_svg(p).expect("the renderer takes the graph");
            assert!(svg.contains("<svg") && svg.contains("private"), "{p}");
        }
        assert!(lifecycle_dot(Provider::HuaweiIms).contains("pending"), "IMS asks the recipient to accept");
        assert!(lifecycle_dot(Provider::HuaweiSwr).contains("expired"), "SWR shares end");
        assert!(lifecycle_dot(Provider::Tencent).contains("delete refused"), "Tencent refuses");
    }
}
