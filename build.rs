//! Re-runs the build when scenario files change, so `tests/scenarios.rs` (rstest `#[files]`,
//! expanded at compile time) picks up new and removed scenarios.
fn main() {
    println!("cargo::rerun-if-changed=scenarios");
    println!("cargo::rerun-if-changed=tests/malformed");
    println!("cargo::rerun-if-changed=tests/sdk");
}
