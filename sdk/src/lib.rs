//! The Plimsoll SDK: everything a Rust author needs to write a policy pack.
//!
//! A pack is a `cdylib` crate built for `wasm32-wasip2`. It declares its rules with
//! [`declare_rule!`] (the doc comment *is* the rule's documentation), writes each rule as a plain
//! function over the [`model`] (testable natively), collects findings in a [`Report`], and exports
//! itself with [`export_pack!`]. This crate holds the only `wit_bindgen::generate!` of the project:
//! the guest side of the contract in `wit/`.
//!
//! ```ignore
//! use plimsoll_sdk::{Pack, Report, model::Project};
//!
//! struct Acme;
//! impl Pack for Acme {
//!     const ID: &'static str = "acme";
//!     const VERSION: &'static str = "0.1.0";
//!     const SUMMARY: &'static str = "Acme's house rules";
//!     type Settings = plimsoll_sdk::NoSettings;
//!     fn rules() -> &'static [&'static plimsoll_sdk::Rule] { &[&rules::NO_LATEST] }
//!     fn evaluate(project: &Project, _: &Self::Settings, report: &mut Report) {
//!         rules::no_latest(project, report);
//!     }
//! }
//! plimsoll_sdk::export_pack!(Acme);
//! ```

extern crate self as plimsoll_sdk;

#[cfg(all(target_arch = "wasm32", not(feature = "system-allocator")))]
mod arena;
pub mod bindings;
pub mod image;
mod pack;
pub mod query;
mod report;
mod rule;
mod settings;
pub mod subject;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod units;

pub use bindings::plimsoll::policy::model;
pub use bindings::plimsoll::policy::types::{
    Edit, Fix, InstructionRef, ReplaceEdit, RuleInfo, RuleStatus, SetEdit, Severity, Subject,
};
pub use bindings::{Finding, PackInfo};
pub use pack::{Pack, describe, evaluate, validate_settings};
pub use report::{FindingBuilder, Report};
pub use rule::Rule;
pub use settings::{NoSettings, PackSettings, parse_settings, settings_schema};

#[doc(hidden)]
pub use wit_bindgen as __wit_bindgen;

/// Write a message to the host's captured log (shown with `plimsoll check --verbose`).
///
/// On a native build (unit tests) the message goes to standard error instead.
///
/// ```
/// use plimsoll_sdk::bindings::plimsoll::policy::host::LogLevel;
/// plimsoll_sdk::log(LogLevel::Debug, "acme: 3 services without an owner");
/// ```
pub fn log(level: bindings::plimsoll::policy::host::LogLevel, message: &str) {
    #[cfg(target_arch = "wasm32")]
    bindings::plimsoll::policy::host::log(level, message);
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("[{level:?}] {message}");
}

/// Packs allocate from an arena (see `arena.rs`); the `system-allocator` feature turns it off.
#[cfg(all(target_arch = "wasm32", not(feature = "system-allocator")))]
#[global_allocator]
static ARENA: arena::Arena = arena::Arena::new();
