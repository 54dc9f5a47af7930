//! The built-in `health` pack: healthchecks, startup, dependencies, restarts, logs.
//!
//! Written exactly like a user's pack: each rule is a file under `rules/` with its documentation as
//! its doc comment and a plain check function over the model; `rules/mod.rs` lists them and this
//! file declares the pack.

pub mod rules;
mod settings;

pub use settings::Settings;

plimsoll_sdk::pack! {
    /// The `health` pack.
    pub struct Health {
        id: "health",
        summary: "healthchecks, startup, dependencies, restarts, logs",
        settings: Settings,
        rules: rules,
    }
}
