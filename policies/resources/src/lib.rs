//! The built-in `resources` pack: memory and CPU limits, reservations, budgets, GPUs and app memory.
//!
//! Written exactly like a user's pack: each rule is a file under `rules/` with its documentation as
//! its doc comment and a plain check function over the model; `rules/mod.rs` lists them and this
//! file declares the pack.

mod budget;
pub mod rules;
mod settings;

pub use settings::Settings;

plimsoll_sdk::pack! {
    /// The `resources` pack.
    pub struct Resources {
        id: "resources",
        summary: "memory and CPU limits, reservations, host budgets, GPUs and app memory settings",
        settings: Settings,
        rules: rules,
    }
}
