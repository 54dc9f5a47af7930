//! The `{{id}}` policy pack.
//!
//! Each rule is a file under `rules/` with its documentation as its doc comment and a plain check
//! function over the model (unit-tested natively with `plimsoll_sdk::testkit`); `rules/mod.rs`
//! lists them and this file declares the pack and exports it as a component.

pub mod rules;
mod settings;

pub use settings::Settings;

plimsoll_sdk::pack! {
    /// The `{{id}}` pack.
    pub struct ThisPack {
        id: "{{id}}",
        summary: "house rules for our compose stacks",
        settings: Settings,
        rules: rules,
    }
}
