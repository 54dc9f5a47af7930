//! Settings of the `health` pack.

use plimsoll_sdk::PackSettings;
use schemars::JsonSchema;
use serde::Deserialize;

/// Settings of the `health` pack (`settings: { health: … }` in plimsoll.yaml).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct Settings {}

impl PackSettings for Settings {}
