//! `sharesim world`: the accounts, keys and images a server would serve, for a person (tables)
//! or a program (JSON, the same object as the start-up line's `providers`).

use serde_json::Value;

use super::{Format, Rows, Screen, finish};
use crate::world::CROWD_ACCOUNT_PREFIX;

/// Renders the world described by [`crate::world::World::describe_all`] (already narrowed).
pub fn world(described: &Value, format: Format, screen: &Screen) -> String {
    if format == Format::Json {
        return serde_json::to_string_pretty(described).unwrap_or_default() + "\n";
    }
    let mut out = String::new();
    let heading = |title: &str| match format {
        Format::Markdown => format!("## {title}\n\n"),
        _ => format!("{title}\n"),
    };
    for (provider, w) in described.as_object().into_iter().flatten() {
        let title = w["title"].as_str().unwrap_or(provider);
        out.push_str(&heading(&format!("{title} ({provider})")));
        let regions: Vec<String> = w["regions"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, id)| format!("{name} = {}", id.as_str().unwrap_or("")))
            .collect();
        out.push_str(&format!("regions: {}\n\n", regions.join(", ")));
        out.push_str(&accounts(w["accounts"].as_array().map(Vec::as_slice).unwrap_or(&[]), format, screen));
        out.push('\n');
        out.push_str(&images(w["images"].as_array().map(Vec::as_slice).unwrap_or(&[]), format, screen));
        out.push('\n');
    }
    out
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Whether an account is one of the numbered crowd (`crowd1`…) that scenarios share with in
/// bulk: hundreds of rows nobody reads one by one, so a table folds them into one line.
fn is_crowd(a: &Value) -> bool {
    a["name"].as_str().and_then(|n| n.strip_prefix(CROWD_ACCOUNT_PREFIX)).is_some_and(|n| n.parse::<u32>().is_ok())
}

fn accounts(list: &[Value], format: Format, screen: &Screen) -> String {
    let mut b = Rows::default();
    b.push_record(["account", "id", "identities", "access key id", "access key secret"]);
    let (crowd, named): (Vec<&Value>, Vec<&Value>) = list.iter().partition(|a| is_crowd(a));
    let line = if format == Format::Markdown { "<br>" } else { "\n" };
    for a in &named {
        let identities: Vec<String> = a["identities"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(kind, id)| format!("{kind}: {}", text(id)))
            .collect();
        b.push_record([
            text(&a["name"]),
            text(&a["id"]),
            identities.join(line),
            text(&a["access_key_id"]),
            text(&a["access_key_secret"]),
        ]);
    }
    if let (Some(first), Some(last)) = (crowd.first(), crowd.last()) {
        b.push_record([
            format!("{} … {}", text(&first["name"]), text(&last["name"])),
            format!("{} accounts", crowd.len()),
            "—".into(),
            "--account NAME or".into(),
            "--format json for their keys".into(),
        ]);
    }
    finish(b, format, screen, |_| None)
}

fn images(list: &[Value], format: Format, screen: &Screen) -> String {
    let mut b = Rows::default();
    b.push_record(["image", "id", "owner", "region", "kind", "encryption"]);
    for i in list {
        b.push_record(["name", "id", "owner", "region", "kind", "encryption"].map(|k| text(&i[k])));
    }
    if list.is_empty() {
        return "no images\n".into();
    }
    finish(b, format, screen, |_| None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_name_every_account_and_image_and_fold_the_crowd() {
        let w = crate::world::World::default_world().describe_all().unwrap();
        let table = world(&w, Format::Table, &Screen::PLAIN);
        for provider in w.as_object().unwrap().values() {
            for i in provider["images"].as_array().unwrap() {
                assert!(table.contains(i["id"].as_str().unwrap()), "{}", i["id"]);
            }
            for a in provider["accounts"].as_array().unwrap().iter().filter(|a| !is_crowd(a)) {
                assert!(table.contains(a["access_key_id"].as_str().unwrap()), "{}", a["name"]);
            }
        }
        assert!(table.contains("crowd1 … crowd") && !table.contains("crowd17 "), "{table}");
        let md = world(&w, Format::Markdown, &Screen::PLAIN);
        assert!(md.contains("## Tencent Cloud CVM (tencent)") && md.contains("| account "), "{md}");
        let json: Value = serde_json::from_str(&world(&w, Format::Json, &Screen::PLAIN)).unwrap();
        assert_eq!(json, w);
    }
}
