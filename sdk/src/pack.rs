//! A pack: its identity, its rules, and the glue from the contract's exports to plain functions.

use crate::model::Project;
use crate::{Finding, PackInfo, PackSettings, Report, Rule, parse_settings, settings_schema};

/// A policy pack written in Rust. Implement it and export it with [`crate::export_pack!`].
pub trait Pack {
    /// kebab-case pack id; rule ids become `<ID>/<rule>`.
    const ID: &'static str;
    /// The pack's version (usually `env!("CARGO_PKG_VERSION")`).
    const VERSION: &'static str;
    /// One line about the pack.
    const SUMMARY: &'static str;
    /// The pack's settings.
    type Settings: PackSettings;
    /// Every rule the pack can report.
    fn rules() -> &'static [&'static Rule];
    /// Run every rule over the project.
    fn evaluate(project: &Project, settings: &Self::Settings, report: &mut Report);
}

/// The `describe` export of a pack.
pub fn describe<P: Pack>() -> PackInfo {
    let schema = settings_schema::<P::Settings>();
    PackInfo {
        id: P::ID.to_string(),
        version: P::VERSION.to_string(),
        summary: P::SUMMARY.to_string(),
        settings_schema: schema,
        rules: P::rules().iter().map(|r| r.info()).collect(),
    }
}

/// The `validate-settings` export of a pack.
pub fn validate_settings<P: Pack>(settings: &str) -> Result<(), String> {
    parse_settings::<P::Settings>(settings)?.validate()
}

/// The `evaluate` export of a pack (also the native entry point of tests).
pub fn evaluate<P: Pack>(project: &Project, settings: &str) -> Result<Vec<Finding>, String> {
    let settings = parse_settings::<P::Settings>(settings)?;
    settings.validate()?;
    let mut report = Report::new();
    P::evaluate(project, &settings, &mut report);
    Ok(report.into_findings())
}

/// Export a [`Pack`] as the component's `describe`, `validate-settings` and `evaluate`.
#[macro_export]
macro_rules! export_pack {
    ($pack:ty) => {
        #[doc(hidden)]
        pub struct __PlimsollPackGuest;

        impl $crate::bindings::Guest for __PlimsollPackGuest {
            fn describe() -> $crate::PackInfo {
                $crate::describe::<$pack>()
            }
            fn validate_settings(settings: String) -> Result<(), String> {
                $crate::validate_settings::<$pack>(&settings)
            }
            fn evaluate(project: $crate::model::Project, settings: String) -> Result<Vec<$crate::Finding>, String> {
                $crate::evaluate::<$pack>(&project, &settings)
            }
        }

        $crate::bindings::__export_policy_world!(__PlimsollPackGuest);
    };
}
