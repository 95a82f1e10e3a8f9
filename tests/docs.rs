//! The README's policy matrix is rendered from the rule tables; it must not drift from them.

use sharesim::Provider;
use sharesim::render::{Format, Screen, policy_matrix};

#[test]
fn readme_matrix_is_current() {
    let readme = include_str!("../README.md");
    let start = "<!-- policy-matrix:start -->\n";
    let end = "<!-- policy-matrix:end -->";
    let from = readme.find(start).expect("README has the matrix start marker") + start.len();
    let to = readme.find(end).expect("README has the matrix end marker");
    let expected = policy_matrix(&Provider::ALL, Format::Markdown, &Screen::PLAIN);
    assert!(
        readme[from..to] == expected,
        "README's policy matrix is stale: replace it with the output of `cargo run -- policies --format markdown`"
    );
}

#[test]
fn ci_runs_the_readme_test_command() {
    let readme = include_str!("../README.md");
    let ci = include_str!("../.ci/run");
    assert!(readme.contains("\ncargo test "), "README's quick start names `cargo test`");
    assert!(readme.contains("\ncargo run --release -- run "), "README's quick start names the main job");
    assert!(ci.lines().any(|l| l.trim() == "cargo run --release -- run"), ".ci/run runs the main job");
    assert!(ci.lines().any(|l| l.trim() == "cargo test"), ".ci/run runs the same test command");
}
