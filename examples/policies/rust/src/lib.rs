//! The `acme` example pack: house rules written with `plimsoll-sdk`.
//!
//! Two rules show the two kinds of checks a team writes: `owner-label-missing` reads only the
//! compose model, `base-image-not-allowed` follows a service to the Dockerfile it builds and the
//! stage chain of its target. The Python and JavaScript examples implement the same rules and must
//! report the same findings.

pub mod rules;
mod settings;

use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Pack, Report, Rule};

pub use settings::Settings;

/// The `acme` pack.
pub struct Acme;

impl Pack for Acme {
    const ID: &'static str = "acme";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const SUMMARY: &'static str = "acme's house rules: service owners and allowed base images";
    type Settings = Settings;

    fn rules() -> &'static [&'static Rule] {
        rules::ALL
    }

    fn evaluate(project: &Project, settings: &Settings, report: &mut Report) {
        rules::owner_label_missing::check(project, settings, report);
        rules::base_image_not_allowed::check(project, settings, report);
    }
}

plimsoll_sdk::export_pack!(Acme);
