//! A corpus of malformed scenario files (`tests/malformed/`): each must be refused with its own
//! error code at the right line and column, with a message, and never a panic.
//! `tests/malformed/EXPECTED` lists `file code line:column` for every file in the corpus.

use std::path::Path;

use sharesim::scenario::parse;

fn expected() -> Vec<(String, String, u64, u64)> {
    include_str!("malformed/EXPECTED")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(parts.len(), 3, "EXPECTED line `{l}` is `file code line:column`");
            let (line, col) = parts[2].split_once(':').expect("line:column");
            (parts[0].to_string(), parts[1].to_string(), line.parse().expect("line"), col.parse().expect("column"))
        })
        .collect()
}

fn code_name(code: sharesim::scenario::ErrorCode) -> String {
    serde_json::to_value(code).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

#[test]
fn every_malformed_file_gets_its_error_with_a_position() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/malformed");
    let want = expected();
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("tests/malformed exists")
        .map(|e| e.expect("readable").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 30, "the corpus holds at least 30 files, not {}", files.len());
    let mut problems = Vec::new();
    for f in &files {
        let bytes = std::fs::read(dir.join(f)).expect("readable");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let result = std::panic::catch_unwind(|| parse(f, &text).map_err(Box::new));
        let got = match result {
            Err(_) => {
                problems.push(format!("{f}: PANICKED"));
                continue;
            }
            Ok(Ok(_)) => {
                problems.push(format!("{f}: was accepted"));
                continue;
            }
            Ok(Err(e)) => e,
        };
        let line = format!("{f} {} {}:{}", code_name(got.code), got.line, got.column);
        assert!(!got.message.is_empty(), "{f}: empty message");
        assert!(
            got.to_string().starts_with(&format!("{f}:{}:{}: ", got.line, got.column)),
            "{f}: `{got}` names file:line:column"
        );
        match want.iter().find(|(name, ..)| name == f) {
            None => problems.push(format!("{line}    <- not in EXPECTED ({})", got.message)),
            Some((_, code, l, c)) if *code != code_name(got.code) || *l != got.line || *c != got.column => {
                problems.push(format!("{line}    <- expected {code} {l}:{c} ({})", got.message))
            }
            Some(_) => {}
        }
    }
    for (name, ..) in &want {
        if !files.contains(name) {
            problems.push(format!("{name}: listed in EXPECTED but missing"));
        }
    }
    assert!(problems.is_empty(), "malformed corpus:\n{}", problems.join("\n"));
}
