//! The Plimsoll SDK: everything a Rust author needs to write a policy pack.
//!
//! A pack is a `cdylib` crate built for `wasm32-wasip2`. Each rule is a file under `src/rules/`
//! that declares the rule with [`declare_rule!`] (the doc comment *is* the rule's documentation)
//! and checks it with a plain function over the [`model`] (testable natively), adding findings to a
//! [`Report`]. `src/rules/mod.rs` lists the rules once with [`rules!`], and `src/lib.rs` declares
//! and exports the pack with [`pack!`]. This crate holds the only `wit_bindgen::generate!` of the
//! project: the guest side of the contract in `wit/`. It must not depend on the host crates
//! (it compiles to wasm); the test kit alone uses the host's loader, natively.
//!
//! ```ignore
//! // src/lib.rs
//! pub mod rules;
//! mod settings;
//!
//! pub use settings::Settings;
//!
//! plimsoll_sdk::pack! {
//!     /// The `acme` pack.
//!     pub struct Acme {
//!         id: "acme",
//!         summary: "acme's house rules",
//!         settings: Settings,
//!         rules: rules,
//!     }
//! }
//!
//! // src/rules/mod.rs
//! plimsoll_sdk::rules! {
//!     owner_label_missing,
//!     base_image_not_allowed,
//! }
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
pub use settings::{ExemptServices, NoSettings, PackSettings, parse_settings, settings_schema};

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
