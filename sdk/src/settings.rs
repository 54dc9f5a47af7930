//! Pack settings: deserialized from the JSON the host passes, with a schemars-generated schema,
//! and [`ExemptServices`], the `exempt-services` key several packs share.
//!
//! Settings are plain data: nothing here reads the project or reports findings.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A pack's settings type: kebab-case keys, unknown keys rejected, every key defaulted.
///
/// Derive `Deserialize`, `JsonSchema` and `Default` with
/// `#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]`; override [`validate`]
/// for checks a schema cannot express.
///
/// ```
/// #[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
/// #[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
/// struct Settings {
///     /// The label that names a service's owner.
///     owner_label: String,
/// }
///
/// impl plimsoll_sdk::PackSettings for Settings {
///     fn validate(&self) -> Result<(), String> {
///         match self.owner_label.trim().is_empty() {
///             true => Err("owner-label: must not be blank".into()),
///             false => Ok(()),
///         }
///     }
/// }
///
/// let settings: Settings = plimsoll_sdk::parse_settings(r#"{"owner-label": "team"}"#).unwrap();
/// assert_eq!(settings.owner_label, "team");
/// use plimsoll_sdk::PackSettings as _;
/// assert!(plimsoll_sdk::parse_settings::<Settings>(r#"{"owner-label": " "}"#).unwrap().validate().is_err());
/// ```
///
/// [`validate`]: PackSettings::validate
pub trait PackSettings: DeserializeOwned + JsonSchema + Default {
    /// Semantic checks beyond the schema; the error is shown to the user as is (see
    /// [`PackSettings`] for an example).
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

/// Settings for a pack that takes none.
///
/// ```
/// use plimsoll_sdk::{NoSettings, parse_settings};
/// assert!(parse_settings::<NoSettings>("{}").is_ok());
/// assert!(parse_settings::<NoSettings>(r#"{"surprise": 1}"#).is_err());
/// ```
#[derive(Debug, Default, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoSettings {}

impl PackSettings for NoSettings {}

/// The `exempt-services` setting: services left out of a pack's per-service rules, by name.
///
/// In JSON and in the schema it is a plain array of strings (default `[]`); the field's doc
/// comment is its description. Call [`ExemptServices::validate`] from [`PackSettings::validate`]
/// to reject blank names.
///
/// ```
/// use plimsoll_sdk::{ExemptServices, PackSettings, parse_settings};
///
/// #[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
/// #[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
/// struct Settings {
///     /// Services that need no limits, by name.
///     exempt_services: ExemptServices,
/// }
///
/// impl PackSettings for Settings {
///     fn validate(&self) -> Result<(), String> {
///         self.exempt_services.validate()
///     }
/// }
///
/// let settings: Settings = parse_settings(r#"{"exempt-services": ["init"]}"#).unwrap();
/// assert!(settings.exempt_services.exempts("init"));
/// assert!(!settings.exempt_services.exempts("api"));
/// let blank = parse_settings::<Settings>(r#"{"exempt-services": [" "]}"#).unwrap();
/// assert_eq!(blank.validate().unwrap_err(), "exempt-services: empty service name ` `");
/// let schema = plimsoll_sdk::settings_schema::<Settings>();
/// assert!(schema.contains(r#""exempt-services":{"description":"Services that need no limits, by name.","type":"array","default":[],"items":{"type":"string"}}"#), "{schema}");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExemptServices(Vec<String>);

impl ExemptServices {
    /// Whether `service` is exempt (names are compared exactly).
    pub fn exempts(&self, service: &str) -> bool {
        self.0.iter().any(|s| s == service)
    }

    /// The names, as written.
    pub fn names(&self) -> &[String] {
        &self.0
    }

    /// Reject blank names: `exempt-services: empty service name `…``.
    pub fn validate(&self) -> Result<(), String> {
        match self.0.iter().find(|s| s.trim().is_empty()) {
            Some(empty) => Err(format!("exempt-services: empty service name `{empty}`")),
            None => Ok(()),
        }
    }
}

impl<S: Into<String>> FromIterator<S> for ExemptServices {
    fn from_iter<I: IntoIterator<Item = S>>(names: I) -> Self {
        Self(names.into_iter().map(Into::into).collect())
    }
}

/// The schema of a list of strings, inlined, so a field of this type reads as `Vec<String>` does.
impl JsonSchema for ExemptServices {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        <Vec<String>>::schema_name()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        <Vec<String>>::json_schema(generator)
    }
}

/// Parse settings JSON; empty text or `null` gives the defaults.
///
/// ```
/// use plimsoll_sdk::{NoSettings, parse_settings};
/// assert!(parse_settings::<NoSettings>("").is_ok());
/// assert!(parse_settings::<NoSettings>("null").is_ok());
/// let err = parse_settings::<NoSettings>("[1]").unwrap_err();
/// assert!(err.starts_with("invalid settings"), "{err}");
/// ```
pub fn parse_settings<S: PackSettings>(json: &str) -> Result<S, String> {
    let trimmed = json.trim();
    if trimmed.is_empty() || trimmed == "null" {
        return Ok(S::default());
    }
    serde_json::from_str(trimmed).map_err(|e| format!("invalid settings: {e}"))
}

/// The JSON Schema of a settings type, as text.
///
/// ```
/// let schema = plimsoll_sdk::settings_schema::<plimsoll_sdk::NoSettings>();
/// let value: serde_json::Value = serde_json::from_str(&schema).unwrap();
/// assert_eq!(value["type"], "object");
/// ```
pub fn settings_schema<S: JsonSchema>() -> String {
    serde_json::to_string(&schemars::schema_for!(S)).unwrap_or_default()
}
