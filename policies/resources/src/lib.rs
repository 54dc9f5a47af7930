//! The built-in `resources` pack: memory and CPU limits, reservations, budgets, GPUs and app memory.
//!
//! Written exactly like a user's pack: each rule is a file under `rules/` with its documentation as
//! its doc comment and a plain check function over the model; this file only lists them.

mod budget;
pub mod rules;
mod settings;

use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Pack, Report, Rule};

pub use settings::Settings;

/// The `resources` pack.
pub struct Resources;

impl Pack for Resources {
    const ID: &'static str = "resources";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const SUMMARY: &'static str = "memory and CPU limits, reservations, host budgets, GPUs and app memory settings";
    type Settings = Settings;

    fn rules() -> &'static [&'static Rule] {
        rules::ALL
    }

    fn evaluate(project: &Project, settings: &Settings, report: &mut Report) {
        rules::check_all(project, settings, report);
    }
}

plimsoll_sdk::export_pack!(Resources);
