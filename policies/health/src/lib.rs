//! The built-in `health` pack: healthchecks, startup, dependencies, restarts, logs.
//!
//! Written exactly like a user's pack: each rule is a file under `rules/` with its documentation as
//! its doc comment and a plain check function over the model; this file only lists them.

pub mod rules;
mod settings;

use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Pack, Report, Rule};

pub use settings::Settings;

/// The `health` pack.
pub struct Health;

impl Pack for Health {
    const ID: &'static str = "health";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const SUMMARY: &'static str = "healthchecks, startup, dependencies, restarts, logs";
    type Settings = Settings;

    fn rules() -> &'static [&'static Rule] {
        rules::ALL
    }

    fn evaluate(project: &Project, settings: &Settings, report: &mut Report) {
        rules::check_all(project, settings, report);
    }
}

plimsoll_sdk::export_pack!(Health);
