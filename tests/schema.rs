//! `sharesim schema` is as strict as the loader: every scenario in the library validates, and
//! what the loader refuses for its shape (two operations in a step, an unknown outcome,
//! provider or region) does not. `sharesim schema --apply` accepts every body in
//! docs/APPLY.md. Checked with the `jsonschema` package from the pinned SDK virtualenv.

use std::path::Path;
use std::process::Command;

#[path = "support/python.rs"]
mod support_python;
use support_python::python;

const CHECK: &str = r###"
import datetime, json, pathlib, sys
import jsonschema, yaml

def plain(v):
    # PyYAML reads dates as dates; the loader reads them as text.
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v

scenario_schema = json.load(open(sys.argv[1]))
apply_schema = json.load(open(sys.argv[2]))
root = pathlib.Path(sys.argv[3])
jsonschema.Draft202012Validator.check_schema(scenario_schema)
jsonschema.Draft202012Validator.check_schema(apply_schema)
scenarios = jsonschema.Draft202012Validator(scenario_schema)
steps = jsonschema.Draft202012Validator(apply_schema)
failures = []
files = sorted((root / "scenarios").rglob("*.yaml"))
assert len(files) > 50, files
for f in files:
    doc = plain(yaml.safe_load(f.read_text()))
    errs = [e.message for e in scenarios.iter_errors(doc)]
    if errs:
        failures.append(f"{f}: {errs[:3]}")

base = {"name": "x", "accounts": ["owner", "alice"], "steps": []}
def with_step(step):
    return dict(base, steps=[step])
refused = {
    "two operations": with_step({"share": {"as": "owner", "image": "b", "with": "alice"}, "delete_image": {"as": "owner", "image": "b"}}),
    "no operation": with_step({"expect": "ok"}),
    "unknown step": with_step({"shar": {"as": "owner"}}),
    "unknown outcome": with_step({"quota": {"as": "owner"}, "expect": "StilShared"}),
    "unknown provider in expect": with_step({"quota": {"as": "owner"}, "expect": {"aws": "ok"}}),
    "unknown provider": dict(base, providers=["tencent", "aws"], steps=[{"quota": {"as": "owner"}}]),
    "unknown region": with_step({"quota": {"as": "owner", "in": "mars"}}),
    "unknown rule": dict(base, rules=["TC-LIMIT-5O"], steps=[{"quota": {"as": "owner"}}]),
    "null operation": with_step({"quota": None}),
    "unknown setting provider": dict(base, settings={"aws": {"share_limit": 3}}, steps=[{"quota": {"as": "owner"}}]),
}
for what, doc in refused.items():
    if scenarios.is_valid(doc):
        failures.append(f"the schema accepts a scenario with {what}")
accepted = with_step({"quota": {"as": "owner", "in": "away"}, "expect": {"tencent": "ok", "swr": "Unsupported", "others": "error"}})
if not scenarios.is_valid(accepted):
    failures.append(f"a good scenario is refused: {[e.message for e in scenarios.iter_errors(accepted)]}")

doc = (root / "docs" / "APPLY.md").read_text().split("## Every operation", 1)[1]
bodies = [b.split("```", 1)[0] for b in doc.split("```json\n")[1:]]
assert len(bodies) >= 25, len(bodies)
for b in bodies:
    errs = [e.message for e in steps.iter_errors(json.loads(b))]
    if errs:
        failures.append(f"apply schema refuses {b.strip()}: {errs[:3]}")
if steps.is_valid({"share": {"as": "owner", "image": "b", "with": "a"}, "quota": {"as": "owner"}}):
    failures.append("the apply schema accepts two operations")

print("\n".join(failures) or f"ok: {len(files)} scenarios, {len(refused)} refusals, {len(bodies)} apply bodies")
sys.exit(1 if failures else 0)
"###;

#[test]
fn the_schemas_take_the_library_and_refuse_what_the_loader_refuses() {
    let py = match python() {
        Ok(p) => p,
        Err(e) => panic!("{e}\nThis test needs Python 3 and PyPI; .ci/run sets them up."),
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let mut files = Vec::new();
    for (name, args) in [("scenario", &["schema"][..]), ("apply", &["schema", "--apply"][..])] {
        let out = Command::new(env!("CARGO_BIN_EXE_sharesim")).args(args).output().expect("the binary runs");
        assert!(out.status.success(), "sharesim {args:?}");
        let path = dir.join(format!("{name}-{}.schema.json", std::process::id()));
        std::fs::write(&path, &out.stdout).expect("schema written");
        files.push(path);
    }
    let out = Command::new(py)
        .args(["-c", CHECK])
        .args(&files)
        .arg(root)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("python runs");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for f in files {
        let _ = std::fs::remove_file(f);
    }
}
