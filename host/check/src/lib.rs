//! Plimsoll's check pipeline as a library: the one engine behind the CLI, the server and every
//! admission front end.
//!
//! A check reads top to bottom: discover and [`load`] the projects, [`configure`] each
//! (`plimsoll.yaml`, extra packs, validated settings), [`evaluate`] the packs in the sandbox,
//! [`locate`] their subjects, [`filter`] by configuration and selection, apply [`exceptions`],
//! inline [`waivers`] and the [`baseline`], and decide at the [`gate`]. The result is an
//! [`Outcome`] whose positions are relative to each project's root unless the front end asks for
//! another [`PathStyle`]; front ends render it with `plimsoll-report`. The built-in packs are embedded
//! here ([`builtin`]). This crate has no flags, no terminal and no HTTP.
#![forbid(unsafe_code)]

pub mod baseline;
pub mod baselined;
pub mod builtin;
pub mod config;
pub mod configure;
pub mod discover;
pub mod engine;
pub mod error;
pub mod evaluate;
pub mod exceptions;
pub mod filter;
pub mod fixtures;
pub mod gate;
pub mod host_rules;
pub mod load;
pub mod locate;
pub mod manifest;
pub mod manifests;
pub mod options;
pub mod outcome;
pub mod packs;
pub mod paths;
pub mod pipeline;
pub mod repository;
pub mod waivers;

pub use engine::Engine;
pub use error::{CheckError, FileError};
pub use gate::Decision;
pub use options::{CheckOptions, ConfigSource, PathStyle, ProjectSource};
pub use outcome::{
    ErrorEntry, ErrorKind, Finding, Outcome, Position, ProjectResult, RuleMeta, Stats, Suppressed, Suppression,
    WarningEntry,
};
pub use pipeline::{NoProgress, Progress};
