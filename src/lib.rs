//! sharesim: a deterministic simulator of how five clouds let one account share a private image
//! with another. See `docs/ARCHITECTURE.md` for the shape of the crate.

pub mod clock;
pub mod engine;
pub mod ids;
pub mod providers;
pub mod render;
pub mod report;
pub mod rules;
pub mod scenario;
pub mod server;
pub mod wire;
pub mod world;

#[cfg(test)]
mod testkit;

pub use engine::{Engine, ErrorKind, Failure, Operation, Outcome, Output, Request, Settings};
pub use providers::Provider;
