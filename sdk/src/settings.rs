//! Pack settings: deserialized from the JSON the host passes, with a schemars-generated schema.

use schemars::JsonSchema;
use serde::de::DeserializeOwned;

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
///     /// Services that need no limits.
///     exempt_services: Vec<String>,
/// }
///
/// impl plimsoll_sdk::PackSettings for Settings {
///     fn validate(&self) -> Result<(), String> {
///         match self.exempt_services.iter().find(|s| s.is_empty()) {
///             Some(_) => Err("exempt-services: empty service name".into()),
///             None => Ok(()),
///         }
///     }
/// }
///
/// let settings: Settings = plimsoll_sdk::parse_settings(r#"{"exempt-services": ["init"]}"#).unwrap();
/// assert_eq!(settings.exempt_services, ["init"]);
/// use plimsoll_sdk::PackSettings as _;
/// assert!(plimsoll_sdk::parse_settings::<Settings>(r#"{"exempt-services": [""]}"#).unwrap().validate().is_err());
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
