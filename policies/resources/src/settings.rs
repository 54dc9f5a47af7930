//! Settings of the `resources` pack.

use plimsoll_sdk::PackSettings;
use schemars::JsonSchema;
use serde::Deserialize;

/// Settings of the `resources` pack (`settings: { resources: … }` in plimsoll.yaml).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct Settings {
    /// Services that need no limits of their own (e.g. one-shot init jobs), by name.
    pub exempt_services: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self { exempt_services: Vec::new() }
    }
}

impl Settings {
    /// Whether a service is exempt from per-service limit rules.
    pub fn is_exempt(&self, service: &str) -> bool {
        self.exempt_services.iter().any(|s| s == service)
    }
}

impl PackSettings for Settings {
    fn validate(&self) -> Result<(), String> {
        if let Some(empty) = self.exempt_services.iter().find(|s| s.trim().is_empty()) {
            return Err(format!("exempt-services: empty service name `{empty}`"));
        }
        Ok(())
    }
}
