//! The built-in `image` pack: images, Dockerfiles, build contexts.
//!
//! Written exactly like a user's pack: each rule is a file under `rules/` with its documentation as
//! its doc comment and a plain check function over the model; this file only lists them.

mod common;
pub mod rules;
mod settings;

use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Pack, Report, Rule};

pub use settings::Settings;

/// The `image` pack.
pub struct Image;

impl Pack for Image {
    const ID: &'static str = "image";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const SUMMARY: &'static str = "images, Dockerfiles, build contexts";
    type Settings = Settings;

    fn rules() -> &'static [&'static Rule] {
        rules::ALL
    }

    fn evaluate(project: &Project, settings: &Settings, report: &mut Report) {
        rules::check_all(project, settings, report);
    }
}

plimsoll_sdk::export_pack!(Image);
