//! The engine's decisions behind one HTTP request, for callers that ask for them.
//!
//! A provider's response says less than the engine decided: Alibaba answers a share with a bare
//! `RequestId`, and no provider names sharesim's rule IDs. A client that sends
//! `x-sharesim-trace: 1` gets every decision the request led to back in the response header of
//! the same name, so `sharesim run --via http` can print the same transcript as an in-process
//! run while the provider's own error code and status are still read from the response itself.
//! Requests without the header pay nothing.

use serde::{Deserialize, Serialize};

use crate::engine::{Action, ErrorKind, Failure, Outcome, Output};
use crate::providers::Provider;

/// Request header that asks for the trace, and response header that carries it.
pub const TRACE_HEADER: &str = "x-sharesim-trace";

/// One engine decision, as it travels in the header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Traced {
    pub action: Action,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ok: Option<Output>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub err: Option<TracedFailure>,
}

/// A [`Failure`] with an owned rule ID; [`decode`] turns it back into the provider's rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TracedFailure {
    pub kind: ErrorKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    pub message: String,
}

impl Traced {
    pub fn new(action: Action, out: &Outcome) -> Traced {
        match out {
            Ok(o) => Traced { action, ok: Some(o.clone()), err: None },
            Err(f) => Traced {
                action,
                ok: None,
                err: Some(TracedFailure { kind: f.kind, rule: f.rule.map(str::to_string), message: f.message.clone() }),
            },
        }
    }
}

/// The header value: JSON with every non-ASCII character escaped, as header values must be
/// visible ASCII.
pub fn encode(trace: &[Traced]) -> String {
    let json = serde_json::to_string(trace).unwrap_or_else(|_| "[]".into());
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    out
}

/// Reads a trace header back into outcomes, naming rules by `provider`'s own table.
pub fn decode(provider: Provider, value: &str) -> Result<Vec<(Action, Outcome)>, String> {
    let items: Vec<Traced> =
        serde_json::from_str(value).map_err(|e| format!("the {TRACE_HEADER} header is not a trace: {e}"))?;
    items
        .into_iter()
        .map(|t| {
            let outcome = match (t.ok, t.err) {
                (Some(o), None) => Ok(o),
                (None, Some(f)) => {
                    let rule = match &f.rule {
                        None => None,
                        Some(id) => Some(
                            provider
                                .rule(id)
                                .ok_or_else(|| {
                                    format!("the trace names rule `{id}`, which {provider:?} does not have")
                                })?
                                .id,
                        ),
                    };
                    Err(Failure { kind: f.kind, rule, message: f.message })
                }
                _ => return Err(format!("a traced {} has neither or both of `ok` and `err`", t.action.name())),
            };
            Ok((t.action, outcome))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{ErrorKind, MemberView, ShareStatus};

    #[test]
    fn a_trace_survives_the_header_and_names_the_providers_rule() {
        let members = Output::Members {
            members: vec![MemberView {
                account: "alice".into(),
                recipient: "1234".into(),
                status: ShareStatus::Active,
                shared_at: "2026-01-01T00:00:00Z".into(),
                valid_until: None,
                description: Some("für Ünïcode ✓ 𝄞".into()),
                valid: true,
            }],
        };
        let rule = Provider::Tencent.spec().rules[0].id;
        let refused = Err(Failure { kind: ErrorKind::NotOwner, rule: Some(rule), message: "no".into() });
        let header =
            encode(&[Traced::new(Action::ListShares, &Ok(members.clone())), Traced::new(Action::Share, &refused)]);
        assert!(header.is_ascii(), "{header}");
        let back = decode(Provider::Tencent, &header).unwrap();
        assert_eq!(back, vec![(Action::ListShares, Ok(members)), (Action::Share, refused)]);
    }

    #[test]
    fn a_rule_of_another_provider_or_a_garbled_header_is_an_error() {
        let refused = Err(Failure { kind: ErrorKind::NotOwner, rule: Some("XX-NOPE"), message: "no".into() });
        let header = encode(&[Traced::new(Action::Share, &refused)]);
        assert!(decode(Provider::Alibaba, &header).unwrap_err().contains("XX-NOPE"));
        assert!(decode(Provider::Alibaba, "{not json").is_err());
        assert!(decode(Provider::Alibaba, r#"[{"action":"share"}]"#).unwrap_err().contains("neither"));
    }
}
