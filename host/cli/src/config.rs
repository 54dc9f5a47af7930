//! `plimsoll.yaml`: the host profile, the gate threshold, rule overrides and pack settings.
//!
//! Found next to the checked project or given with `--config`. Unknown keys and wrong types are
//! errors located in the file. The JSON Schema of the file comes from these types (schemars).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plimsoll_model::model::{Gpu, HostProfile};
use plimsoll_model::units::parse_bytes;
use plimsoll_runtime::Severity;
use schemars::JsonSchema;
use serde::Deserialize;

/// The name of the configuration file looked for next to a project.
pub const FILE_NAME: &str = "plimsoll.yaml";

/// The whole `plimsoll.yaml`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Config {
    /// The machine the stack must fit on.
    pub host: Option<HostConfig>,
    /// Lowest severity that fails the gate (default `high`).
    pub fail_on: Option<SeverityName>,
    /// Extra packs: `.wasm` files or pack directories, relative to this file.
    #[serde(default)]
    pub packs: Vec<String>,
    /// Per-rule severity override or `off`, by `<pack>/<rule>` id.
    #[serde(default)]
    pub rules: BTreeMap<String, RuleSetting>,
    /// Per-pack settings, by pack id.
    #[serde(default)]
    pub settings: BTreeMap<String, serde_json::Value>,
}

/// A severity as written in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SeverityName {
    /// `info`.
    Info,
    /// `low`.
    Low,
    /// `medium`.
    Medium,
    /// `high`.
    High,
    /// `critical`.
    Critical,
}

impl From<SeverityName> for Severity {
    fn from(s: SeverityName) -> Self {
        match s {
            SeverityName::Info => Severity::Info,
            SeverityName::Low => Severity::Low,
            SeverityName::Medium => Severity::Medium,
            SeverityName::High => Severity::High,
            SeverityName::Critical => Severity::Critical,
        }
    }
}

/// A rule's configuration: `off`, a severity, or `{ severity: … }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RuleSetting {
    /// `off` (or a severity name).
    Word(RuleWord),
    /// `{ severity: medium }`.
    Detailed {
        /// The severity to report the rule's findings at.
        severity: SeverityName,
    },
}

/// `off` or a severity name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RuleWord {
    /// Disable the rule.
    Off,
    /// `info`.
    Info,
    /// `low`.
    Low,
    /// `medium`.
    Medium,
    /// `high`.
    High,
    /// `critical`.
    Critical,
}

impl RuleSetting {
    /// `None` when the rule is off, else the severity override.
    pub fn severity(&self) -> Option<Severity> {
        match self {
            RuleSetting::Word(RuleWord::Off) => None,
            RuleSetting::Word(RuleWord::Info) => Some(Severity::Info),
            RuleSetting::Word(RuleWord::Low) => Some(Severity::Low),
            RuleSetting::Word(RuleWord::Medium) => Some(Severity::Medium),
            RuleSetting::Word(RuleWord::High) => Some(Severity::High),
            RuleSetting::Word(RuleWord::Critical) => Some(Severity::Critical),
            RuleSetting::Detailed { severity } => Some((*severity).into()),
        }
    }
}

/// `host:`: the machine the stack must fit on.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct HostConfig {
    /// Memory, e.g. `16GiB`.
    pub memory: Option<Size>,
    /// CPUs, e.g. `4`.
    pub cpus: Option<f64>,
    /// What the OS and other software keep.
    pub reserved: Option<ReservedConfig>,
    /// GPUs and their VRAM.
    #[serde(default)]
    pub gpus: Vec<GpuConfig>,
}

/// `host.reserved`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ReservedConfig {
    /// Memory kept for the OS, e.g. `2GiB`.
    pub memory: Option<Size>,
    /// CPUs kept for the OS, e.g. `0.5`.
    pub cpus: Option<f64>,
}

/// `host.gpus[]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct GpuConfig {
    /// Model name.
    pub name: String,
    /// VRAM, e.g. `12GiB`.
    pub vram: Size,
}

/// A size such as `16GiB`, `512M` or a number of bytes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Size {
    /// Bytes.
    Bytes(u64),
    /// With a unit.
    Text(String),
}

impl Size {
    fn bytes(&self, what: &str) -> Result<u64, String> {
        match self {
            Size::Bytes(b) => Ok(*b),
            Size::Text(t) => parse_bytes(t).map_err(|e| format!("{what}: {e}")),
        }
    }
}

/// A configuration file and where it was read from.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// The file, when there was one.
    pub path: Option<PathBuf>,
    /// Its contents.
    pub config: Config,
}

impl Loaded {
    /// The gate threshold.
    pub fn fail_on(&self) -> Severity {
        self.config.fail_on.map(Severity::from).unwrap_or(Severity::High)
    }

    /// The host profile for the model.
    pub fn host_profile(&self) -> Result<Option<HostProfile>, String> {
        let Some(host) = &self.config.host else { return Ok(None) };
        let reserved = host.reserved.clone().unwrap_or_default();
        let mut gpus = Vec::new();
        for (i, gpu) in host.gpus.iter().enumerate() {
            gpus.push(Gpu { name: gpu.name.clone(), vram: gpu.vram.bytes(&format!("host.gpus[{i}].vram"))? });
        }
        Ok(Some(HostProfile {
            memory: host.memory.as_ref().map(|m| m.bytes("host.memory")).transpose()?,
            cpus: host.cpus,
            reserved_memory: reserved.memory.as_ref().map(|m| m.bytes("host.reserved.memory")).transpose()?.unwrap_or(0),
            reserved_cpus: reserved.cpus.unwrap_or(0.0),
            gpus,
        }))
    }
}

/// Read and check a configuration file; errors are `file:line:column: message`.
pub fn load(path: &Path) -> Result<Loaded, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    parse(&text, path)
}

/// Parse configuration text read from `path`.
pub fn parse(text: &str, path: &Path) -> Result<Loaded, String> {
    let config: Config = if text.trim().is_empty() {
        Config::default()
    } else {
        serde_norway::from_str(text).map_err(|e| match e.location() {
            Some(loc) => format!("{}:{}:{}: {}", path.display(), loc.line(), loc.column(), strip_location(&e.to_string())),
            None => format!("{}: {e}", path.display()),
        })?
    };
    let loaded = Loaded { path: Some(path.to_path_buf()), config };
    loaded.host_profile().map_err(|e| format!("{}: {e}", path.display()))?;
    for (name, value) in &loaded.config.settings {
        if !value.is_object() && !value.is_null() {
            return Err(format!("{}: settings.{name}: expected a mapping of the pack's settings", path.display()));
        }
    }
    Ok(loaded)
}

/// Find `plimsoll.yaml` in a project directory.
pub fn discover(project_dir: &Path) -> Option<PathBuf> {
    let candidate = project_dir.join(FILE_NAME);
    candidate.is_file().then_some(candidate)
}

/// The JSON Schema of `plimsoll.yaml`.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Config)).unwrap_or_default()
}

fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_design_example() {
        let text = "host:\n  memory: 16GiB\n  cpus: 4\n  reserved: { memory: 2GiB, cpus: 0.5 }\n  gpus: [{ name: RTX 3060, vram: 12GiB }]\nfail-on: high\nrules:\n  image/digest-not-pinned: off\n  resources/cpu-limit-missing: { severity: medium }\nsettings:\n  health: { max-startup-seconds: 120 }\n";
        let loaded = parse(text, Path::new("plimsoll.yaml")).unwrap();
        let host = loaded.host_profile().unwrap().unwrap();
        assert_eq!(host.memory, Some(16 << 30));
        assert_eq!(host.reserved_memory, 2 << 30);
        assert_eq!(host.gpus[0].vram, 12 << 30);
        assert_eq!(loaded.fail_on(), Severity::High);
        assert_eq!(loaded.config.rules["image/digest-not-pinned"].severity(), None);
        assert_eq!(loaded.config.rules["resources/cpu-limit-missing"].severity(), Some(Severity::Medium));
    }

    #[test]
    fn unknown_keys_are_located_errors() {
        let err = parse("host:\n  memroy: 16GiB\n", Path::new("plimsoll.yaml")).unwrap_err();
        assert!(err.starts_with("plimsoll.yaml:2:3: "), "{err}");
        assert!(err.contains("unknown field `memroy`"), "{err}");
    }

    #[test]
    fn bad_sizes_are_errors() {
        let err = parse("host:\n  memory: lots\n", Path::new("p.yaml")).unwrap_err();
        assert!(err.contains("host.memory"), "{err}");
    }
}
