//! The `{{id}}` policy pack.
//!
//! Each rule is a file under `rules/` with its documentation as its doc comment and a plain check
//! function over the model (unit-tested natively with `plimsoll_sdk::testkit`); this file lists
//! them and exports the pack as a component.

pub mod rules;
mod settings;

use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Pack, Report, Rule};

pub use settings::Settings;

/// The `{{id}}` pack.
pub struct ThisPack;

impl Pack for ThisPack {
    const ID: &'static str = "{{id}}";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const SUMMARY: &'static str = "house rules for our compose stacks";
    type Settings = Settings;

    fn rules() -> &'static [&'static Rule] {
        rules::ALL
    }

    fn evaluate(project: &Project, settings: &Settings, report: &mut Report) {
        rules::owner_label_missing::check(project, settings, report);
    }
}

plimsoll_sdk::export_pack!(ThisPack);
