//! The built-in `security` pack: privileges, secrets, exposure, mounts.
//!
//! Written exactly like a user's pack: each rule is a file under `rules/` with its documentation as
//! its doc comment and a plain check function over the model; this file only lists them.

mod common;
pub mod rules;
mod settings;

use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Pack, Report, Rule};

pub use settings::Settings;

/// The `security` pack.
pub struct Security;

impl Pack for Security {
    const ID: &'static str = "security";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const SUMMARY: &'static str = "privileges, secrets, exposure, mounts";
    type Settings = Settings;

    fn rules() -> &'static [&'static Rule] {
        rules::ALL
    }

    fn evaluate(project: &Project, settings: &Settings, report: &mut Report) {
        rules::check_all(project, settings, report);
    }
}

plimsoll_sdk::export_pack!(Security);
