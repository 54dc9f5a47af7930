//! Settings of the `{{id}}` pack: `settings: { {{id}}: … }` in plimsoll.yaml.

use plimsoll_sdk::{ExemptServices, PackSettings};
use schemars::JsonSchema;
use serde::Deserialize;

/// Settings of the `{{id}}` pack; the JSON Schema the host validates against is derived from it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct Settings {
    /// The label that names the team owning a service.
    #[schemars(length(min = 1))]
    pub owner_label: String,
    /// Services that need no owner label, by name.
    pub exempt_services: ExemptServices,
}

impl Default for Settings {
    fn default() -> Self {
        Self { owner_label: "com.example.owner".to_string(), exempt_services: ExemptServices::default() }
    }
}

impl PackSettings for Settings {
    fn validate(&self) -> Result<(), String> {
        if self.owner_label.trim().is_empty() {
            return Err("owner-label: must not be blank".to_string());
        }
        Ok(())
    }
}
