//! A pack: its identity, its rules, and the glue from the contract's exports to plain functions.
//!
//! [`crate::pack!`] writes a pack's `lib.rs` from its id, summary, settings and rules module;
//! [`crate::export_pack!`] alone exports a hand-written [`Pack`]. Nothing here checks a project.

use crate::model::Project;
use crate::{Finding, PackInfo, PackSettings, Report, Rule, parse_settings, settings_schema};

/// A policy pack written in Rust. Declare it with [`crate::pack!`], or implement it by hand and
/// export it with [`crate::export_pack!`].
///
/// ```
/// use plimsoll_sdk::model::Project;
/// use plimsoll_sdk::{NoSettings, Pack, Report, Rule, subject};
///
/// plimsoll_sdk::declare_rule! {
///     /// ## What it does
///     /// Flags privileged services.
///     ///
///     /// ## Why is this bad?
///     /// A privileged container is root on the host.
///     ///
///     /// ## Example
///     /// `privileged: true`
///     pub static PRIVILEGED = { id: "privileged", severity: High, category: "security", summary: "service is privileged" }
/// }
///
/// struct Acme;
///
/// impl Pack for Acme {
///     const ID: &'static str = "acme";
///     const VERSION: &'static str = "0.1.0";
///     const SUMMARY: &'static str = "acme's house rules";
///     type Settings = NoSettings;
///     fn rules() -> &'static [&'static Rule] {
///         static RULES: &[&Rule] = &[&PRIVILEGED];
///         RULES
///     }
///     fn evaluate(project: &Project, _: &NoSettings, report: &mut Report) {
///         for service in project.services.iter().filter(|s| s.privileged) {
///             report.add(&PRIVILEGED, subject::service(&service.name, &["privileged"]), format!("service `{}` is privileged", service.name));
///         }
///     }
/// }
///
/// let info = plimsoll_sdk::describe::<Acme>();
/// assert_eq!((info.id.as_str(), info.rules[0].id.as_str()), ("acme", "privileged"));
/// ```
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

/// The `describe` export of a pack: id, version, summary, rules with their docs, settings schema.
///
/// ```
/// # struct Empty;
/// # impl plimsoll_sdk::Pack for Empty {
/// #     const ID: &'static str = "empty"; const VERSION: &'static str = "1.0.0"; const SUMMARY: &'static str = "nothing";
/// #     type Settings = plimsoll_sdk::NoSettings;
/// #     fn rules() -> &'static [&'static plimsoll_sdk::Rule] { &[] }
/// #     fn evaluate(_: &plimsoll_sdk::model::Project, _: &Self::Settings, _: &mut plimsoll_sdk::Report) {}
/// # }
/// let info = plimsoll_sdk::describe::<Empty>();
/// assert_eq!(info.version, "1.0.0");
/// assert!(info.settings_schema.contains("\"object\""));
/// ```
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

/// The `validate-settings` export of a pack: parse, then [`crate::PackSettings::validate`].
///
/// ```
/// # struct Empty;
/// # impl plimsoll_sdk::Pack for Empty {
/// #     const ID: &'static str = "empty"; const VERSION: &'static str = "1.0.0"; const SUMMARY: &'static str = "nothing";
/// #     type Settings = plimsoll_sdk::NoSettings;
/// #     fn rules() -> &'static [&'static plimsoll_sdk::Rule] { &[] }
/// #     fn evaluate(_: &plimsoll_sdk::model::Project, _: &Self::Settings, _: &mut plimsoll_sdk::Report) {}
/// # }
/// assert!(plimsoll_sdk::validate_settings::<Empty>("{}").is_ok());
/// assert!(plimsoll_sdk::validate_settings::<Empty>(r#"{"unknown": true}"#).is_err());
/// ```
pub fn validate_settings<P: Pack>(settings: &str) -> Result<(), String> {
    parse_settings::<P::Settings>(settings)?.validate()
}

/// The `evaluate` export of a pack (also the native entry point of tests, see
/// `testkit::run`).
///
/// ```
/// # #[cfg(feature = "testkit")] {
/// # use plimsoll_sdk::model::Project;
/// # use plimsoll_sdk::{NoSettings, Pack, Report, Rule, subject};
///
/// # plimsoll_sdk::declare_rule! {
/// #     /// # What it does
/// #     /// Flags privileged services.
/// #     ///
/// #     /// # Why is this bad?
/// #     /// A privileged container is root on the host.
/// #     ///
/// #     /// # Example
/// #     /// `privileged: true`
/// #     pub static PRIVILEGED = { id: "privileged", severity: High, category: "security", summary: "service is privileged" }
/// # }
///
/// # struct Acme;
///
/// # impl Pack for Acme {
/// #     const ID: &'static str = "acme";
/// #     const VERSION: &'static str = "0.1.0";
/// #     const SUMMARY: &'static str = "acme's house rules";
/// #     type Settings = NoSettings;
/// #     fn rules() -> &'static [&'static Rule] {
/// #         static RULES: &[&Rule] = &[&PRIVILEGED];
/// #         RULES
/// #     }
/// #     fn evaluate(project: &Project, _: &NoSettings, report: &mut Report) {
/// #         for service in project.services.iter().filter(|s| s.privileged) {
/// #             report.add(&PRIVILEGED, subject::service(&service.name, &["privileged"]), format!("service `{}` is privileged", service.name));
/// #         }
/// #     }
/// # }
/// let project = plimsoll_sdk::testkit::from_compose("services:\n  web:\n    image: nginx:1.27\n    privileged: true\n");
/// let findings = plimsoll_sdk::evaluate::<Acme>(&project, "{}").unwrap();
/// assert_eq!(findings[0].message, "service `web` is privileged");
/// # }
/// ```
pub fn evaluate<P: Pack>(project: &Project, settings: &str) -> Result<Vec<Finding>, String> {
    let settings = parse_settings::<P::Settings>(settings)?;
    settings.validate()?;
    let mut report = Report::new();
    P::evaluate(project, &settings, &mut report);
    Ok(report.finish())
}

/// Export a [`Pack`] as the component's `describe`, `validate-settings` and `evaluate`.
///
/// Call it once, at the root of the pack's `cdylib` crate:
///
/// ```ignore
/// pub struct Acme;
/// impl plimsoll_sdk::Pack for Acme { /* … */ }
/// plimsoll_sdk::export_pack!(Acme);
/// ```
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
                let result = $crate::evaluate::<$pack>(&project, &settings);
                // The instance ends with this call: walking the project to free it is wasted work.
                ::core::mem::forget(project);
                result
            }
        }

        $crate::bindings::__export_policy_world!(__PlimsollPackGuest);
    };
}

/// Declare a pack: the struct, its [`Pack`] impl and [`crate::export_pack!`], in the crate root.
///
/// `rules` names the module that [`crate::rules!`] fills (its `ALL` and `check_all`); `settings`
/// is the settings type ([`crate::NoSettings`] for none). The version is the crate's
/// (`CARGO_PKG_VERSION`) unless `version: "…"` follows the summary. Doc comments and attributes
/// before `pub struct` go on the struct.
///
/// ```
/// mod rules {
///     use plimsoll_sdk::model::Project;
///     use plimsoll_sdk::{NoSettings, Report, Rule, subject};
///
///     plimsoll_sdk::declare_rule! {
///         /// ## What it does
///         /// Flags privileged services.
///         pub static PRIVILEGED = { id: "privileged", severity: High, category: "security", summary: "service is privileged" }
///     }
///
///     // What `plimsoll_sdk::rules! { privileged }` emits, written out (a doctest has no module files).
///     pub static ALL: &[&Rule] = &[&PRIVILEGED];
///     pub fn check_all(project: &Project, _: &NoSettings, report: &mut Report) {
///         for service in project.services.iter().filter(|s| s.privileged) {
///             report.add(&PRIVILEGED, subject::service(&service.name, &["privileged"]), "privileged");
///         }
///     }
/// }
///
/// plimsoll_sdk::pack! {
///     /// The `acme` pack.
///     pub struct Acme {
///         id: "acme",
///         summary: "acme's house rules",
///         settings: plimsoll_sdk::NoSettings,
///         rules: rules,
///     }
/// }
///
/// # fn main() {
/// let info = plimsoll_sdk::describe::<Acme>();
/// assert_eq!((info.id.as_str(), info.summary.as_str()), ("acme", "acme's house rules"));
/// assert_eq!(info.rules[0].id, "privileged");
/// # }
/// ```
#[macro_export]
macro_rules! pack {
    (
        $(#[$attr:meta])*
        $vis:vis struct $name:ident {
            id: $id:literal,
            summary: $summary:literal,
            $(version: $version:expr,)?
            settings: $settings:ty,
            rules: $($rules:ident)::+
            $(,)?
        }
    ) => {
        $(#[$attr])*
        $vis struct $name;

        impl $crate::Pack for $name {
            const ID: &'static str = $id;
            const VERSION: &'static str = $crate::__pack_version!($($version)?);
            const SUMMARY: &'static str = $summary;
            type Settings = $settings;

            fn rules() -> &'static [&'static $crate::Rule] {
                $($rules)::+::ALL
            }

            fn evaluate(project: &$crate::model::Project, settings: &$settings, report: &mut $crate::Report) {
                $($rules)::+::check_all(project, settings, report);
            }
        }

        $crate::export_pack!($name);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __pack_version {
    () => {
        env!("CARGO_PKG_VERSION")
    };
    ($version:expr) => {
        $version
    };
}
