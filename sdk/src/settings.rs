//! Pack settings: deserialized from the JSON the host passes, with a schemars-generated schema.

use schemars::JsonSchema;
use serde::de::DeserializeOwned;

/// A pack's settings type: kebab-case keys, unknown keys rejected, every key defaulted.
///
/// Derive `Deserialize`, `JsonSchema` and `Default` with
/// `#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]`; override [`validate`]
/// for checks a schema cannot express.
///
/// [`validate`]: PackSettings::validate
pub trait PackSettings: DeserializeOwned + JsonSchema + Default {
    /// Semantic checks beyond the schema; the error is shown to the user as is.
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

/// Settings for a pack that takes none.
#[derive(Debug, Default, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoSettings {}

impl PackSettings for NoSettings {}

/// Parse settings JSON; empty text or `null` gives the defaults.
pub fn parse_settings<S: PackSettings>(json: &str) -> Result<S, String> {
    let trimmed = json.trim();
    if trimmed.is_empty() || trimmed == "null" {
        return Ok(S::default());
    }
    serde_json::from_str(trimmed).map_err(|e| format!("invalid settings: {e}"))
}

/// The JSON Schema of a settings type, as text.
pub fn settings_schema<S: JsonSchema>() -> String {
    serde_json::to_string(&schemars::schema_for!(S)).unwrap_or_default()
}
