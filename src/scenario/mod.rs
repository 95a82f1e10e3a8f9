//! Scenario files: one provider-neutral case, run on every provider, checked against a snapshot.

// A `ScenarioError` carries the file's text so miette can show the offending line; it is built
// once per invalid file, never on a hot path, so its size does not matter.
#![allow(clippy::result_large_err)]

pub mod format;
pub mod load;
pub mod model;
pub mod review;
pub mod run;
pub mod schema;
pub mod snapshot;
pub mod suite;
pub mod transcript;
pub mod via_http;

pub use load::{ErrorCode, ScenarioError, parse};
pub use model::Scenario;
pub use run::{Entry, ProviderRun, run};
pub use suite::{SuiteOptions, SuiteReport, Via, load_file, run_suite};

/// The JSON Schema of scenario files, for editors (strict: see [`schema`]).
pub fn json_schema() -> String {
    schema::render(&schema::scenario())
}
