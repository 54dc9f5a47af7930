//! `plimsoll.yaml`: the host profile, the gate threshold, rule overrides and pack settings.
//!
//! Found next to the checked project (the nearest file up to the repository root) or given with
//! `--config`. A file may `extend:` another (a relative path) to inherit its keys and override them
//! (see [`merge`]). Unknown keys and wrong types are errors located in the file, in plain words
//! that name the key and the allowed values. The JSON Schema of the file comes from these types
//! (schemars).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plimsoll_model::model::{Gpu, HostProfile};
use plimsoll_model::units::parse_bytes;
use plimsoll_runtime::Severity;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::error::FileError;

/// The name of the configuration file looked for next to a project.
pub const FILE_NAME: &str = "plimsoll.yaml";

/// The whole `plimsoll.yaml`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Config {
    /// Another configuration file (relative to this one) whose keys this one inherits and
    /// overrides: `rules:` and `settings:` are merged key by key, `packs:` and `exceptions:` are
    /// added to, the other keys replace the inherited ones.
    pub extend: Option<String>,
    /// The machine the stack must fit on.
    pub host: Option<HostConfig>,
    /// Lowest severity that fails the gate (default `high`).
    pub fail_on: Option<SeverityName>,
    /// Extra packs: `.wasm` files or pack directories, relative to this file, or registry
    /// references `oci://host[:port]/repository:tag` / `oci://…@sha256:…`.
    #[serde(default)]
    pub packs: Vec<String>,
    /// Which keys sign the registry packs, and whether a signature is required.
    pub trust: Option<TrustConfig>,
    /// Per-rule severity override or `off`, by `<pack>/<rule>` id.
    #[serde(default)]
    pub rules: BTreeMap<String, RuleSetting>,
    /// Per-pack settings, by pack id.
    #[serde(default)]
    pub settings: BTreeMap<String, serde_json::Value>,
    /// Waivers: findings of these rules on these services or files are not reported.
    #[serde(default)]
    pub exceptions: Vec<Exception>,
    /// How `plimsoll serve --docker-authz-socket` admits containers (ignored by `check`).
    pub docker_authz: Option<DockerAuthzConfig>,
    /// How `plimsoll serve` answers Kubernetes `AdmissionReview`s (ignored by `check`).
    pub kubernetes: Option<KubernetesConfig>,
}

/// `trust:`: the public keys registry packs are verified against.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct TrustConfig {
    /// Public keys (ed25519, PEM): paths relative to this file, or the PEM text itself.
    #[serde(default)]
    pub keys: Vec<String>,
    /// Refuse a registry pack that no listed key has signed (default `false`).
    #[serde(default)]
    pub require_signatures: bool,
}

/// `kubernetes:`: how the Kubernetes admission webhook answers.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct KubernetesConfig {
    /// `enforce` (deny what fails the gate, the default) or `audit` (allow it with warnings).
    pub mode: Option<AdmissionMode>,
    /// What a pack error or a server without a policy does: `fail` (deny, the default) or `ignore`.
    pub failure_policy: Option<FailurePolicy>,
}

/// `docker-authz:`: how the Docker Engine authorization plugin admits containers.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct DockerAuthzConfig {
    /// `enforce` (deny what fails the gate, the default) or `audit` (allow it, log it and count it).
    pub mode: Option<AdmissionMode>,
    /// What a pack error or a server without a policy does: `fail` (deny, the default) or `ignore`.
    pub failure_policy: Option<FailurePolicy>,
    /// The gated endpoints (default: `POST /containers/create` and `POST /containers/{id}/update`,
    /// under any API version prefix); every other request is allowed.
    pub endpoints: Option<Vec<GatedEndpoint>>,
    /// Directories (relative to this file) below which the compose files a container's Docker
    /// Compose labels name may be read, to check the whole project; empty (the default): never.
    #[serde(default)]
    pub project_roots: Vec<String>,
    /// Count the containers the daemon already has (running or created) against the host budgets
    /// (default `true`).
    pub live_budget: Option<bool>,
    /// When the Docker API cannot be asked for what runs: `profile` (check against the configured
    /// host profile alone and log it, the default) or `deny`.
    pub docker_unreachable: Option<UnreachablePolicy>,
}

/// An endpoint the Docker authorization plugin checks.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct GatedEndpoint {
    /// HTTP method (default `POST`).
    #[serde(default = "post")]
    pub method: String,
    /// Path without the version prefix; `{id}` matches one segment (`/containers/{id}/update`).
    pub path: String,
    /// This endpoint's mode (default: the section's).
    pub mode: Option<AdmissionMode>,
}

fn post() -> String {
    "POST".into()
}

/// Whether an admission point denies or only reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AdmissionMode {
    /// Deny what fails the gate.
    Enforce,
    /// Allow everything; log and count what would have been denied.
    Audit,
}

/// What an admission point does when it cannot decide (a pack error, no policy loaded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FailurePolicy {
    /// Deny (fail closed).
    Fail,
    /// Allow.
    Ignore,
}

/// What the Docker plugin does when the Docker API cannot tell it what already runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum UnreachablePolicy {
    /// Check against the configured host profile alone.
    Profile,
    /// Deny.
    Deny,
}

/// One entry of `exceptions:`: which findings it waives, why, and until when.
///
/// A finding is waived when its rule is listed and, if `services` is given, its service is listed,
/// and, if `files` is given, its file matches one of the patterns (globs relative to this file's
/// directory; `dir/` means everything below `dir`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Exception {
    /// Rule ids (`security/privileged`), or `<pack>/*` for every rule of a pack.
    pub rules: Vec<String>,
    /// Service names; empty means every service.
    #[serde(default)]
    pub services: Vec<String>,
    /// File globs relative to this configuration file; empty means every file.
    #[serde(default)]
    pub files: Vec<String>,
    /// Why the findings are acceptable (required, shown in reports).
    pub reason: String,
    /// Last day the exception applies (`YYYY-MM-DD`); after it the findings are reported again.
    pub expires: Option<Date>,
    /// The file, line and column of this entry (set when the file is read): `files:` patterns are
    /// relative to that file's directory, and an expired exception is reported there.
    #[serde(skip)]
    #[schemars(skip)]
    pub origin: Option<(PathBuf, u32, u32)>,
}

impl Exception {
    /// Whether the exception names `rule` (exactly or through `<pack>/*`).
    pub fn covers_rule(&self, rule: &str) -> bool {
        self.rules.iter().any(|r| match r.strip_suffix("/*") {
            Some(pack) => rule.split_once('/').is_some_and(|(p, _)| p == pack),
            None => r == rule,
        })
    }
}

/// A calendar date, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
    /// Day, 1–31.
    pub day: u32,
}

impl Date {
    /// Today in UTC, from the system clock.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        Date::from_days((secs / 86_400) as i64)
    }

    /// The date `days` days after 1970-01-01 (Howard Hinnant's `civil_from_days`).
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl TryFrom<String> for Date {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        let bad = || format!("invalid date `{text}`, expected YYYY-MM-DD");
        let mut parts = text.trim().splitn(3, '-');
        let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else { return Err(bad()) };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let (year, month, day): (i32, u32, u32) =
            (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return Err(bad()),
        };
        if day == 0 || day > days_in_month {
            return Err(bad());
        }
        Ok(Date { year, month, day })
    }
}

impl JsonSchema for Date {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Date".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "description": "A calendar date, `YYYY-MM-DD`."
        })
    }
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
    /// The files it extends, nearest first (empty without `extend:`).
    pub extends: Vec<PathBuf>,
    /// Its contents.
    pub config: Config,
    /// The located YAML tree, to point at entries (expired exceptions).
    pub tree: Option<plimsoll_model::yaml::Node>,
}

impl Loaded {
    /// Line and column of `exceptions[index]` in the file.
    pub fn exception_location(&self, index: usize) -> Option<(u32, u32)> {
        let node = self.tree.as_ref()?.get("exceptions")?.as_seq()?.get(index)?;
        let location = node.location();
        Some((location.line, location.column))
    }

    /// Line and column of the key `path` (`["rules", "image/tag-mutable"]`) in this file.
    pub fn key_location(&self, path: &[&str]) -> Option<(u32, u32)> {
        let (last, parents) = path.split_last()?;
        let mut node = self.tree.as_ref()?;
        for key in parents {
            node = node.get(key)?;
        }
        let (key, _) = node.as_map()?.iter().find(|(k, _)| k.as_str() == Some(last))?;
        let location = key.location();
        Some((location.line, location.column))
    }

    /// A located error about the key `path` of this file (the whole file when it has no such key).
    pub fn error_at(&self, path: &[&str], message: impl Into<String>) -> Option<FileError> {
        let file = self.path.clone()?;
        Some(match self.key_location(path) {
            Some((line, column)) => FileError::at(file, line, column, message),
            None => FileError::new(file, message),
        })
    }

    /// Every file this configuration was read from: the file itself, then the ones it extends.
    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.path.iter().chain(&self.extends).map(PathBuf::as_path)
    }

    /// The directory `files:` patterns of exceptions are relative to.
    pub fn directory(&self) -> PathBuf {
        match self.path.as_deref().and_then(Path::parent) {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

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
            reserved_memory: reserved
                .memory
                .as_ref()
                .map(|m| m.bytes("host.reserved.memory"))
                .transpose()?
                .unwrap_or(0),
            reserved_cpus: reserved.cpus.unwrap_or(0.0),
            gpus,
        }))
    }
}

/// Read and check a configuration file and the files it extends; errors are located in them.
pub fn load(path: &Path) -> Result<Loaded, FileError> {
    load_chain(path, &mut Vec::new())
}

fn load_chain(path: &Path, seen: &mut Vec<PathBuf>) -> Result<Loaded, FileError> {
    let text = std::fs::read_to_string(path).map_err(|e| FileError::new(path, format!("cannot read: {e}")))?;
    let mut loaded = parse(&text, path)?;
    let Some(extend) = loaded.config.extend.clone() else { return Ok(loaded) };
    let identity = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    seen.push(identity(path));
    let parent_path = crate::paths::clean(&loaded.directory().join(&extend));
    let at = |message: String| loaded.error_at(&["extend"], message).unwrap_or_else(|| FileError::new(path, ""));
    if !parent_path.is_file() {
        return Err(at(format!("extend: `{extend}` is not a file (it is relative to this file's directory)")));
    }
    if seen.contains(&identity(&parent_path)) {
        return Err(at(format!("extend: `{extend}` extends this file again (a cycle)")));
    }
    let parent = load_chain(&parent_path, seen)?;
    loaded.extends = parent.files().map(Path::to_path_buf).collect();
    let parent_dir = parent.directory();
    loaded.config = merge(parent.config, std::mem::take(&mut loaded.config), &parent_dir);
    Ok(loaded)
}

/// `child` over `parent` (the file it extends, whose directory is `parent_dir`): `rules:` and
/// `settings:` (per pack, key by key) are merged with the child winning, `packs:` and
/// `exceptions:` are the parent's followed by the child's, every other key is the child's when it
/// sets it. The parent's `packs:` entries are made absolute, since they are relative to its file.
pub fn merge(parent: Config, child: Config, parent_dir: &Path) -> Config {
    let mut rules = parent.rules;
    rules.extend(child.rules);
    let mut settings = parent.settings;
    for (pack, value) in child.settings {
        match (settings.get_mut(&pack), value) {
            (Some(serde_json::Value::Object(base)), serde_json::Value::Object(over)) => base.extend(over),
            (_, value) => {
                settings.insert(pack, value);
            }
        }
    }
    let absolute = |entry: String| {
        if entry.contains("://") || Path::new(&entry).is_absolute() {
            return entry;
        }
        let joined = parent_dir.join(&entry);
        std::path::absolute(&joined).map(|p| crate::paths::clean(&p)).unwrap_or(joined).display().to_string()
    };
    let mut packs: Vec<String> = parent.packs.into_iter().map(absolute).collect();
    packs.extend(child.packs);
    let mut exceptions = parent.exceptions;
    exceptions.extend(child.exceptions);
    Config {
        extend: child.extend,
        host: child.host.or(parent.host),
        fail_on: child.fail_on.or(parent.fail_on),
        packs,
        rules,
        settings,
        exceptions,
        trust: child.trust.or_else(|| {
            parent.trust.map(|mut t| {
                for key in &mut t.keys {
                    if !key.contains("-----BEGIN") {
                        *key = absolute(std::mem::take(key));
                    }
                }
                t
            })
        }),
        docker_authz: child.docker_authz.or(parent.docker_authz),
        kubernetes: child.kubernetes.or(parent.kubernetes),
    }
}

/// Parse configuration text read from `path` (without following `extend:`).
pub fn parse(text: &str, path: &Path) -> Result<Loaded, FileError> {
    let tree = plimsoll_model::yaml::parse(text, path).ok().and_then(|docs| docs.into_iter().next());
    if let Some(tree) = &tree {
        plain_errors(tree).map_err(|(line, column, message)| FileError::at(path, line, column, message))?;
    }
    let mut config: Config = if text.trim().is_empty() {
        Config::default()
    } else {
        serde_norway::from_str(text).map_err(|e| match e.location() {
            Some(loc) => FileError::at(path, loc.line() as u32, loc.column() as u32, strip_location(&e.to_string())),
            None => FileError::new(path, e.to_string()),
        })?
    };
    let mut loaded = Loaded { path: Some(path.to_path_buf()), extends: Vec::new(), config: Config::default(), tree };
    for (i, exception) in config.exceptions.iter_mut().enumerate() {
        let (line, column) = loaded.exception_location(i).unwrap_or((1, 1));
        exception.origin = Some((path.to_path_buf(), line, column));
    }
    loaded.config = config;
    loaded.validate().map_err(|(location, message)| match location {
        Some((line, column)) => FileError::at(path, line, column, message),
        None => FileError::new(path, message),
    })?;
    Ok(loaded)
}

/// A configuration given as a JSON value (the keys of `plimsoll.yaml`), checked as a file is;
/// `packs:` and `exceptions[].files` are then relative to the project directory.
pub fn from_json(value: serde_json::Value) -> Result<Loaded, String> {
    let config: Config = serde_json::from_value(value).map_err(|e| e.to_string())?;
    let loaded = Loaded { path: None, extends: Vec::new(), config, tree: None };
    loaded.validate().map_err(|(_, message)| message)?;
    Ok(loaded)
}

impl Loaded {
    /// Check what the types cannot: sizes, settings shapes, exceptions; errors with a location
    /// (line, column) when the tree has one.
    fn validate(&self) -> Result<(), (Option<(u32, u32)>, String)> {
        self.host_profile().map_err(|e| (None, e))?;
        for (name, value) in &self.config.settings {
            if !value.is_object() && !value.is_null() {
                return Err((None, format!("settings.{name}: expected a mapping of the pack's settings")));
            }
        }
        for (i, exception) in self.config.exceptions.iter().enumerate() {
            let at = self.exception_location(i);
            if exception.reason.trim().is_empty() {
                return Err((at, format!("exceptions[{i}]: `reason` is empty: say why these findings are acceptable")));
            }
            if exception.rules.is_empty() {
                return Err((at, format!("exceptions[{i}]: `rules` is empty: name the rules it waives")));
            }
            for pattern in &exception.files {
                file_glob(pattern).map_err(|e| (at, format!("exceptions[{i}].files: {e}")))?;
            }
        }
        Ok(())
    }
}

/// Compile an exception's `files:` pattern (`dir/` means everything below `dir`).
pub fn file_glob(pattern: &str) -> Result<globset::GlobMatcher, String> {
    let pattern = pattern.strip_prefix("./").unwrap_or(pattern);
    let pattern = if pattern.ends_with('/') { format!("{pattern}**") } else { pattern.to_string() };
    globset::GlobBuilder::new(&pattern)
        .literal_separator(true)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| format!("invalid pattern `{pattern}`: {e}"))
}

/// The JSON Schema of `plimsoll.yaml`.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Config)).unwrap_or_default()
}

/// The severity names, as messages list them.
const SEVERITIES: &str = "`info`, `low`, `medium`, `high`, `critical`";

/// Type errors the deserializer would word in its own terms (`expected a YAML tag starting with
/// '!'`, `did not match any variant of untagged enum`), said plainly with the key and the allowed
/// values: (line, column, message) of the first.
fn plain_errors(tree: &plimsoll_model::yaml::Node) -> Result<(), (u32, u32, String)> {
    use plimsoll_model::yaml::Value;
    let at = |node: &plimsoll_model::yaml::Node, message: String| {
        let l = node.location();
        Err((l.line, l.column, message))
    };
    let severity = |node: &plimsoll_model::yaml::Node| {
        node.as_str().and_then(Severity::parse).is_some() && matches!(node.value, Value::Scalar(_))
    };
    let Some(map) = tree.as_map() else {
        if tree.is_null() {
            return Ok(());
        }
        return at(
            tree,
            format!("expected a mapping of settings (`fail-on:`, `rules:`, …), found {}", tree.kind_name()),
        );
    };
    for (key, value) in map {
        match key.as_str() {
            Some("fail-on") if !severity(value) => {
                return at(
                    value,
                    format!("fail-on: expected one severity, one of {SEVERITIES}, found {}", shown(value)),
                );
            }
            Some("rules") if !value.is_null() => {
                let Some(rules) = value.as_map() else {
                    return at(
                        value,
                        format!("rules: expected a mapping of rule ids to settings, found {}", shown(value)),
                    );
                };
                for (rule, setting) in rules {
                    let name = rule.as_str().unwrap_or("?");
                    let ok = match &setting.value {
                        Value::Scalar(word) => word == "off" || severity(setting),
                        Value::Map(_) => {
                            setting.as_map().is_some_and(|m| m.len() == 1)
                                && setting.get("severity").is_some_and(severity)
                        }
                        _ => false,
                    };
                    if !ok {
                        return at(
                            setting,
                            format!(
                                "rules.{name}: expected `off`, a severity ({SEVERITIES}) or `{{ severity: <severity> }}`, found {}",
                                shown(setting)
                            ),
                        );
                    }
                }
            }
            Some(list @ ("packs" | "exceptions")) if !value.is_null() && value.as_seq().is_none() => {
                return at(value, format!("{list}: expected a list, found {}", shown(value)));
            }
            Some(map_key @ ("settings" | "host")) if !value.is_null() && value.as_map().is_none() => {
                return at(value, format!("{map_key}: expected a mapping, found {}", shown(value)));
            }
            Some("extend") if value.as_str().is_none() || !matches!(value.value, Value::Scalar(_)) => {
                return at(
                    value,
                    format!("extend: expected the path of another plimsoll.yaml, found {}", shown(value)),
                );
            }
            _ => {}
        }
    }
    Ok(())
}

/// A YAML value in a message: a scalar quoted, a collection by its kind.
fn shown(node: &plimsoll_model::yaml::Node) -> String {
    match node.as_str() {
        Some(text) if node.as_map().is_none() && node.as_seq().is_none() => format!("`{text}`"),
        _ => node.kind_name().to_string(),
    }
}

/// A parser's message without the ` at line L column C` it ends with (the location is given
/// separately, as `file:line:column`).
pub fn strip_location(message: &str) -> String {
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
        let err = parse("host:\n  memroy: 16GiB\n", Path::new("plimsoll.yaml")).unwrap_err().to_string();
        assert!(err.starts_with("plimsoll.yaml:2:3: "), "{err}");
        assert!(err.contains("unknown field `memroy`"), "{err}");
    }

    #[test]
    fn exceptions_need_a_reason_and_a_valid_date() {
        let ok = "exceptions:\n  - rules: [security/privileged]\n    services: [cadvisor]\n    reason: reads host metrics\n    expires: 2027-06-30\n";
        let loaded = parse(ok, Path::new("plimsoll.yaml")).unwrap();
        let e = &loaded.config.exceptions[0];
        assert_eq!(e.expires, Some(Date { year: 2027, month: 6, day: 30 }));
        assert!(e.covers_rule("security/privileged") && !e.covers_rule("security/other"));
        assert_eq!(loaded.exception_location(0), Some((2, 5)));

        let missing = "exceptions:\n  - rules: [security/privileged]\n";
        let err = parse(missing, Path::new("plimsoll.yaml")).unwrap_err().to_string();
        assert!(err.starts_with("plimsoll.yaml:2:5: ") && err.contains("missing field `reason`"), "{err}");

        let empty = "exceptions:\n  - rules: [security/privileged]\n    reason: \"  \"\n";
        let err = parse(empty, Path::new("plimsoll.yaml")).unwrap_err().to_string();
        assert!(err.starts_with("plimsoll.yaml:2:5: exceptions[0]: `reason` is empty"), "{err}");

        let date = "exceptions:\n  - rules: [a/b]\n    reason: x\n    expires: 2027-02-30\n";
        let err = parse(date, Path::new("plimsoll.yaml")).unwrap_err().to_string();
        assert!(err.contains("invalid date `2027-02-30`") && err.starts_with("plimsoll.yaml:"), "{err}");

        let typo = "exceptions:\n  - rules: [a/b]\n    reason: x\n    service: [a]\n";
        let err = parse(typo, Path::new("plimsoll.yaml")).unwrap_err().to_string();
        assert!(err.starts_with("plimsoll.yaml:4:5: ") && err.contains("unknown field `service`"), "{err}");

        let pack = Exception {
            rules: vec!["image/*".into()],
            services: vec![],
            files: vec![],
            reason: "r".into(),
            expires: None,
            origin: None,
        };
        assert!(pack.covers_rule("image/tag-mutable") && !pack.covers_rule("imagex/a"));
    }

    #[test]
    fn dates_from_days() {
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_days(19_782).to_string(), "2024-02-29");
        assert_eq!(Date::from_days(-1).to_string(), "1969-12-31");
        assert!(Date::today().year >= 2025);
    }

    #[test]
    fn wrong_types_are_located_errors() {
        let err = parse("fail-on: severe\n", Path::new("plimsoll.yaml")).unwrap_err().to_string();
        assert!(err.starts_with("plimsoll.yaml:1:"), "{err}");
        let err =
            parse("rules:\n  image/tag-mutable: sometimes\n", Path::new("plimsoll.yaml")).unwrap_err().to_string();
        assert!(err.starts_with("plimsoll.yaml:2:"), "{err}");
    }

    #[test]
    fn bad_sizes_are_errors() {
        let err = parse("host:\n  memory: lots\n", Path::new("p.yaml")).unwrap_err().to_string();
        assert!(err.contains("host.memory"), "{err}");
    }
}
