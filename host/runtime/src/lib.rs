//! Plimsoll's runtime: the sandbox that runs policy components.
//!
//! This crate wraps wasmtime and narrows it to what Plimsoll needs, with the limits always on: one
//! [`Runtime`] (an engine with the component model and epoch interruption, a ticker thread, an
//! on-disk cache of compiled components keyed by digest and engine compatibility), [`Pack`]s
//! (a component compiled once, its `InstancePre`, its cached `describe`), and [`Runtime::evaluate`],
//! which runs one pack on one project in a fresh store with a memory cap, a deadline and a WASI with
//! nothing in it (no files, environment, arguments or sockets; fixed clocks; seeded randomness;
//! output captured into a bounded buffer). Nothing ambient reaches a policy, and every way a
//! policy can fail — trap, timeout, memory cap, malformed answer — becomes an [`EvalError`] for
//! that pack and project, never a panic or a hang of the host. This is the only `bindgen!`.
#![deny(unsafe_code)]

mod bindings;
mod cache;
mod convert;
mod engine;
mod error;
mod pack;
mod sandbox;
mod wire;

pub use cache::ComponentCache;
pub use convert::PreparedProject;
pub use engine::{Evaluation, Runtime, RuntimeOptions};
pub use error::{EvalError, PackError, SettingsError};
pub use pack::{Budget, BudgetShare, Fix, Limits, Pack, PackInfo, RawFinding, RuleInfo, RuleStatus, Severity};
pub use wire::{LOWERING_SECTION, Lowering, ONE_BLOCK_MAX};
