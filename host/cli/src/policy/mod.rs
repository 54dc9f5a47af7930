//! `plimsoll policy`: everything a policy author needs, from an empty directory to a shipped pack.
//!
//! [`scaffold`] writes a new pack (Rust, Python or JavaScript) that builds and passes its tests at
//! once; [`build`] turns a pack directory into a component with the language's toolchain and then
//! [`verify`]s it against the contract; [`test`] runs the pack's fixtures through the real component
//! with the shared fixture runner; [`inspect`] shows what a component is and what it may reach;
//! [`manifest`] (in `plimsoll-check`) reads `plimsoll-pack.yaml`, the file that `packs:` in
//! `plimsoll.yaml` points at. This module never evaluates a project itself: it goes through
//! [`plimsoll_check::Engine`] like `plimsoll check` does, so a pack behaves the same under test and
//! in use.

pub mod build;
pub mod cli;
pub mod inspect;
pub mod registry;
pub mod scaffold;
pub mod source;
pub mod test;
pub mod tools;
pub mod verify;

pub use cli::{PolicyCommand, run};
pub use plimsoll_check::manifest::{self, Language, is_kebab};
pub use source::{WIT_FILES, source_checkout};
