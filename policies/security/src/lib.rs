//! The built-in `security` pack: privileges, secrets, exposure, mounts.
//!
//! Written exactly like a user's pack: each rule is a file under `rules/` with its documentation as
//! its doc comment and a plain check function over the model; `rules/mod.rs` lists them and this
//! file declares the pack.

mod common;
pub mod rules;
mod settings;

pub use settings::Settings;

plimsoll_sdk::pack! {
    /// The `security` pack.
    pub struct Security {
        id: "security",
        summary: "privileges, secrets, exposure, mounts",
        settings: Settings,
        rules: rules,
    }
}
