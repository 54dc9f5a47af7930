//! The `plimsoll` command: load projects, evaluate policy packs on them, and report.
//!
//! The binary (`main.rs`) only parses flags; this library holds the pieces the tests use too: the
//! built-in packs ([`builtin`]), `plimsoll.yaml` ([`config`]), the check pipeline that turns raw
//! findings into located, filtered findings with a decision and a score ([`check`]), the output
//! formats ([`report`]) and the fixture runner shared by `plimsoll policy test` and the built-in
//! packs' tests ([`fixtures`]).
#![forbid(unsafe_code)]

pub mod baseline;
pub mod builtin;
pub mod check;
pub mod config;
pub mod discover;
pub mod fixtures;
pub mod host_rules;
pub mod policy;
pub mod report;
pub mod waivers;
