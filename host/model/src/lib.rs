//! Plimsoll's model: everything a deployment would use, loaded from files into one normalized,
//! located [`Project`](model::Project).
//!
//! Loading is pure Rust and never touches wasmtime. A [`LoadedProject`] carries the model that
//! policies see, the merged compose document with a file, line and column for every node, the
//! location of every Dockerfile instruction, and the diagnostics (errors and warnings) found while
//! loading. Bad input is reported as located [`Diagnostic`]s, never as a panic.
#![forbid(unsafe_code)]

pub mod compose;
pub mod confine;
pub mod context;
pub mod diagnostic;
pub mod dockerfile;
pub mod dockerignore;
pub mod image;
pub mod link;
pub mod model;
pub mod paths;
pub mod project;
pub mod source;
pub mod units;
pub mod yaml;

pub use diagnostic::{Diagnostic, Level, Location};
pub use project::load;
pub use source::{LoadOptions, LoadedProject};
