//! JSON Schemas for editors and tools: of a scenario file (`sharesim schema`) and of the body
//! `POST /_sharesim/apply` takes (`sharesim schema --apply`).
//!
//! schemars derives the shapes from the same types the loader reads; this module then makes
//! the schema as strict as the loader is, so an editor flags what `sharesim run` would refuse:
//! one operation per step, and outcomes, providers, regions, identity forms and rule IDs as
//! enumerations.

use serde_json::{Map, Value, json};

use super::format::{ScenarioDoc, StepDoc};
use super::load::{FORMS, STEP_KEYWORDS};
use crate::engine::ErrorKind;
use crate::providers::{Provider, REGION_NAMES};

/// Properties that hold one of the abstract regions (`home`, `away`, `third`).
const REGION_FIELDS: [&str; 3] = ["in", "region", "to"];

/// The schema of a scenario file.
pub fn scenario() -> Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(ScenarioDoc)).unwrap_or_default();
    tighten(&mut schema);
    if let Some(rules) = schema.pointer_mut("/properties/rules/items") {
        let ids: Vec<&str> = Provider::ALL.iter().flat_map(|p| p.spec().rules.iter().map(|r| r.id)).collect();
        *rules = json!({ "enum": ids });
    }
    if let Some(providers) = schema.pointer_mut("/properties/settings") {
        providers["propertyNames"] = json!({ "$ref": "#/$defs/ProviderName" });
    }
    schema
}

/// The schema of one step on its own: the body of `POST /_sharesim/apply`.
pub fn apply() -> Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(StepDoc)).unwrap_or_default();
    // The root is the step itself; move it under $defs so `tighten` treats it like a file's.
    let mut defs = schema.get("$defs").cloned().unwrap_or_else(|| json!({}));
    let mut step = schema.clone();
    if let Some(obj) = step.as_object_mut() {
        for k in ["$schema", "$defs", "title"] {
            obj.remove(k);
        }
    }
    defs["StepDoc"] = step;
    schema = json!({
        "$schema": schema.get("$schema").cloned().unwrap_or(Value::Null),
        "title": "sharesim apply",
        "description": "One step, as a scenario file writes it, by the names of the server's world: POST it to /_sharesim/apply (Content-Type: application/json). Images are named by their world name or ID, instances by ID. `expect`, if given, is checked and a mismatch reported as `broke`. The engine's own request ({\"actor\": …, \"op\": {…}}, by IDs) is also taken.",
        "$ref": "#/$defs/StepDoc",
        "$defs": defs,
    });
    tighten(&mut schema);
    schema
}

/// Pretty JSON with a final newline, as the CLI prints it.
pub fn render(schema: &Value) -> String {
    serde_json::to_string_pretty(schema).unwrap_or_default() + "\n"
}

fn tighten(schema: &mut Value) {
    let Some(defs) = schema.get_mut("$defs").and_then(Value::as_object_mut) else { return };
    let outcomes: Vec<String> = ["ok", "error"]
        .into_iter()
        .map(str::to_string)
        .chain(ErrorKind::ALL.iter().map(|k| format!("{k:?}")))
        .collect();
    defs.insert(
        "Outcome".into(),
        json!({
            "description": "`ok`, `error` (any refusal), or a canonical error (`sharesim explain` lists which rule gives which).",
            "enum": outcomes,
        }),
    );
    let names: Vec<&str> = Provider::NAMES.iter().map(|(n, _)| *n).collect();
    defs.insert("ProviderName".into(), json!({ "description": "A provider, by its name or an alias.", "enum": names }));
    defs.insert(
        "ExpectDoc".into(),
        json!({
            "description": "An expected outcome for every provider, or a map from provider (or `others`) to one.",
            "anyOf": [
                { "$ref": "#/$defs/Outcome" },
                {
                    "type": "object",
                    "minProperties": 1,
                    "propertyNames": { "anyOf": [{ "$ref": "#/$defs/ProviderName" }, { "const": "others" }] },
                    "additionalProperties": { "$ref": "#/$defs/Outcome" },
                },
            ],
        }),
    );
    defs.insert(
        "ProvidersDoc".into(),
        json!({
            "description": "`all`, or a list of providers.",
            "anyOf": [
                { "const": "all" },
                { "type": "array", "minItems": 1, "items": { "$ref": "#/$defs/ProviderName" } },
            ],
        }),
    );
    if let Some(step) = defs.get_mut("StepDoc").and_then(Value::as_object_mut) {
        if let Some(props) = step.get_mut("properties").and_then(Value::as_object_mut) {
            for (_, p) in props.iter_mut() {
                drop_null(p);
            }
        }
        let one_each: Vec<Value> = STEP_KEYWORDS.iter().map(|k| json!({ "required": [k] })).collect();
        step.insert("oneOf".into(), Value::Array(one_each));
        step.insert("additionalProperties".into(), Value::Bool(false));
    }
    let forms: Vec<&str> = FORMS.iter().map(|(n, _)| *n).collect();
    for (_, def) in defs.iter_mut() {
        let Some(props) = def.get_mut("properties").and_then(Value::as_object_mut) else { continue };
        for (name, p) in props.iter_mut() {
            if REGION_FIELDS.contains(&name.as_str()) && allows_string(p) {
                set_enum(p, REGION_NAMES.iter().map(|r| Value::from(*r)).collect());
            }
            if name == "form" {
                set_enum(p, forms.iter().map(|f| Value::from(*f)).collect());
            }
        }
    }
}

/// `anyOf: [X, {type: null}]` → `X`: in a step, an operation or `expect` given as null says
/// nothing, and the loader refuses it.
fn drop_null(p: &mut Value) {
    let Some(any) = p.get("anyOf").and_then(Value::as_array) else { return };
    let kept: Vec<&Value> = any.iter().filter(|v| v.get("type") != Some(&json!("null"))).collect();
    if let [only] = kept.as_slice() {
        let only = (*only).clone();
        if let Some(obj) = p.as_object_mut() {
            obj.remove("anyOf");
            if let Some(o) = only.as_object() {
                for (k, v) in o {
                    obj.insert(k.clone(), v.clone());
                }
            }
        }
    }
}

fn allows_string(p: &Value) -> bool {
    match p.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
        _ => false,
    }
}

/// Keeps the description; replaces the type with an enumeration (still optional when the
/// field was: the loader's `Option` fields are simply left out).
fn set_enum(p: &mut Value, values: Vec<Value>) {
    let mut out = Map::new();
    if let Some(d) = p.get("description") {
        out.insert("description".into(), d.clone());
    }
    out.insert("enum".into(), Value::Array(values));
    *p = Value::Object(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_holds_exactly_one_operation_of_the_loaders_list() {
        let s = scenario();
        let step = &s["$defs"]["StepDoc"];
        let one_of = step["oneOf"].as_array().unwrap();
        assert_eq!(one_of.len(), STEP_KEYWORDS.len());
        for k in STEP_KEYWORDS {
            assert!(step["properties"][k].is_object(), "{k} is a property");
            assert!(step["properties"][k].get("anyOf").is_none(), "{k} may not be null");
        }
        assert_eq!(step["additionalProperties"], false);
    }

    #[test]
    fn outcomes_providers_regions_and_rules_are_enumerations() {
        let s = scenario();
        let outcomes = s["$defs"]["Outcome"]["enum"].as_array().unwrap();
        assert!(outcomes.contains(&json!("StillShared")) && outcomes.contains(&json!("ok")));
        let providers = s["$defs"]["ProviderName"]["enum"].as_array().unwrap();
        for p in Provider::ALL {
            assert!(providers.contains(&json!(p.name())));
        }
        assert_eq!(s["$defs"]["ActorArgs"]["properties"]["in"]["enum"], json!(["home", "away", "third"]));
        assert_eq!(s["$defs"]["CopyArgs"]["properties"]["to"]["enum"], json!(["home", "away", "third"]));
        assert!(s["properties"]["rules"]["items"]["enum"].as_array().unwrap().contains(&json!("TC-LIMIT-50")));
        assert_eq!(s["properties"]["settings"]["propertyNames"]["$ref"], "#/$defs/ProviderName");
    }

    #[test]
    fn the_apply_schema_is_one_step() {
        let a = apply();
        assert_eq!(a["$ref"], "#/$defs/StepDoc");
        assert_eq!(a["$defs"]["StepDoc"]["oneOf"].as_array().unwrap().len(), STEP_KEYWORDS.len());
        assert!(a["$defs"]["Outcome"].is_object());
    }
}
