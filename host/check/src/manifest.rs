//! `plimsoll-pack.yaml`: a pack directory's manifest, and resolving a `packs:` entry of
//! `plimsoll.yaml` (a pack directory or a loose `.wasm` file) into component bytes and limits.
//!
//! The manifest says which component to load and how (default settings, sandbox limits, the
//! oldest Plimsoll that can run it); the component's own `describe` stays the only source of its
//! rules. Unknown keys are errors, and a manifest whose `id` or `version` disagrees with what the
//! component describes is refused when the pack is loaded.

use std::path::{Path, PathBuf};
use std::time::Duration;

use plimsoll_runtime::Limits;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The languages a pack can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// `rust`; see [`Language::description`].
    Rust,
    /// `python`.
    Python,
    /// `js`.
    Js,
}

impl Language {
    /// Every language, in the order help texts list them.
    pub const ALL: [Language; 3] = [Language::Rust, Language::Python, Language::Js];

    /// How a pack in this language is built (the help of `--lang`).
    pub fn description(self) -> &'static str {
        match self {
            Language::Rust => "Rust with `plimsoll-sdk`, built by `cargo build --target wasm32-wasip2`",
            Language::Python => "Python, built by componentize-py",
            Language::Js => "JavaScript, built by componentize-js",
        }
    }

    /// The lowercase name (`rust`, `python`, `js`).
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Rust => "rust",
            Language::Python => "python",
            Language::Js => "js",
        }
    }

    /// Guess a pack directory's language from its files (`Cargo.toml`, `pack.py`, `pack.js`).
    pub fn detect(dir: &Path) -> Option<Language> {
        if dir.join("Cargo.toml").is_file() {
            Some(Language::Rust)
        } else if dir.join("pack.py").is_file() {
            Some(Language::Python)
        } else if dir.join("pack.js").is_file() {
            Some(Language::Js)
        } else {
            None
        }
    }
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether `id` is a valid pack or rule id: kebab-case, starting with a letter.
pub fn is_kebab(id: &str) -> bool {
    id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .split('-')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
}

/// The manifest's file name in a pack directory.
pub const FILE_NAME: &str = "plimsoll-pack.yaml";

/// Highest memory cap a manifest may ask for (a 32-bit linear memory cannot use more).
pub const MAX_MEMORY: u64 = 4 << 30;

/// Longest deadline a manifest may ask for.
pub const MAX_DEADLINE: Duration = Duration::from_secs(60);

/// The contents of `plimsoll-pack.yaml`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Manifest {
    /// The pack id (kebab-case); must equal the id the component describes.
    pub id: String,
    /// The pack version; must equal the version the component describes.
    pub version: String,
    /// The language the pack is written in (guessed from the directory's files when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    /// The component file, relative to the manifest (what `plimsoll policy build` writes).
    pub component: String,
    /// Default settings, overridden key by key by `settings.<id>` in plimsoll.yaml.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub settings: serde_json::Map<String, serde_json::Value>,
    /// The oldest Plimsoll version that can run the pack (`0.1.0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_plimsoll: Option<String>,
    /// Sandbox limits raised for this pack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<SandboxLimits>,
    /// What the pack is for (the published artifact's description; default: the pack's summary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where its source lives (a URL; default: the git remote of the pack directory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Its licence, as an SPDX expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licenses: Option<String>,
}

/// `sandbox:` in the manifest: limits that replace the defaults (64 MiB, 1 s) for this pack.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct SandboxLimits {
    /// Linear memory cap, e.g. `128MiB` (at most 4GiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
    /// Deadline of one call, e.g. `5s` (at most 60s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
}

/// A manifest and the directory it was read from.
#[derive(Debug, Clone)]
pub struct LoadedManifest {
    /// The manifest file.
    pub path: PathBuf,
    /// Its contents.
    pub manifest: Manifest,
}

impl LoadedManifest {
    /// The pack directory.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// The component file the manifest names.
    pub fn component_path(&self) -> PathBuf {
        self.dir().join(&self.manifest.component)
    }

    /// The pack's language: the manifest's, else guessed from the directory.
    pub fn language(&self) -> Option<Language> {
        self.manifest.language.or_else(|| Language::detect(self.dir()))
    }

    /// The sandbox limits for this pack (defaults, raised by `sandbox:`).
    pub fn limits(&self) -> Result<Limits, String> {
        let mut limits = Limits::default();
        let name = self.path.display();
        if let Some(sandbox) = &self.manifest.sandbox {
            if let Some(memory) = &sandbox.memory {
                let bytes =
                    plimsoll_model::units::parse_bytes(memory).map_err(|e| format!("{name}: sandbox.memory: {e}"))?;
                if bytes == 0 || bytes > MAX_MEMORY {
                    return Err(format!("{name}: sandbox.memory: `{memory}` is outside 1 byte to 4GiB"));
                }
                limits.memory_bytes = usize::try_from(bytes).unwrap_or(usize::MAX);
            }
            if let Some(deadline) = &sandbox.deadline {
                let ms = plimsoll_model::units::parse_duration_ms(deadline)
                    .map_err(|e| format!("{name}: sandbox.deadline: {e}"))?;
                let deadline_value = Duration::from_millis(ms);
                if ms == 0 || deadline_value > MAX_DEADLINE {
                    return Err(format!("{name}: sandbox.deadline: `{deadline}` is outside 1ms to 60s"));
                }
                limits.deadline = deadline_value;
            }
        }
        Ok(limits)
    }

    /// Fail when the pack needs a newer Plimsoll than this one.
    pub fn check_minimum_version(&self) -> Result<(), String> {
        let Some(minimum) = &self.manifest.minimum_plimsoll else { return Ok(()) };
        let wanted = parse_version(minimum)
            .ok_or_else(|| format!("{}: minimum-plimsoll: `{minimum}` is not a version", self.path.display()))?;
        let current = parse_version(env!("CARGO_PKG_VERSION")).unwrap_or_default();
        if wanted > current {
            return Err(format!(
                "{}: pack `{}` needs plimsoll {minimum} or newer, this is {}",
                self.path.display(),
                self.manifest.id,
                env!("CARGO_PKG_VERSION")
            ));
        }
        Ok(())
    }
}

/// `major.minor.patch` as numbers (a missing part is 0; a pre-release suffix is ignored).
pub fn parse_version(text: &str) -> Option<(u64, u64, u64)> {
    let core = text.trim().trim_start_matches('v').split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>());
    let major = parts.next()?.ok()?;
    let minor = parts.next().transpose().ok()?.unwrap_or(0);
    let patch = parts.next().transpose().ok()?.unwrap_or(0);
    parts.next().is_none().then_some((major, minor, patch))
}

/// Read `plimsoll-pack.yaml` in `dir` (or the manifest file itself).
pub fn load(path: &Path) -> Result<LoadedManifest, String> {
    let path = if path.is_dir() { path.join(FILE_NAME) } else { path.to_path_buf() };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let shown = std::path::absolute(dir).map(|d| crate::paths::clean(&d)).unwrap_or(dir.to_path_buf());
            format!(
                "{} is not a pack directory: it has no {FILE_NAME} (give the pack's directory, e.g. \
                 `plimsoll policy test path/to/pack`, or create one with `plimsoll policy new NAME`)",
                shown.display()
            )
        } else {
            format!("{}: cannot read: {e}", path.display())
        }
    })?;
    parse(&text, &path)
}

/// Parse manifest text read from `path`.
pub fn parse(text: &str, path: &Path) -> Result<LoadedManifest, String> {
    let manifest: Manifest = serde_norway::from_str(text).map_err(|e| match e.location() {
        Some(loc) => format!("{}:{}:{}: {}", path.display(), loc.line(), loc.column(), strip_location(&e.to_string())),
        None => format!("{}: {e}", path.display()),
    })?;
    if !is_kebab(&manifest.id) {
        return Err(format!("{}: id: `{}` is not kebab-case", path.display(), manifest.id));
    }
    if parse_version(&manifest.version).is_none() {
        return Err(format!("{}: version: `{}` is not a version such as 0.1.0", path.display(), manifest.version));
    }
    if manifest.component.trim().is_empty() {
        return Err(format!("{}: component: empty path", path.display()));
    }
    let loaded = LoadedManifest { path: path.to_path_buf(), manifest };
    loaded.limits()?;
    Ok(loaded)
}

/// Render a manifest as YAML.
pub fn render(manifest: &Manifest) -> Result<String, String> {
    serde_norway::to_string(manifest).map_err(|e| format!("cannot render {FILE_NAME}: {e}"))
}

fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// A `packs:` entry resolved: what to load and how.
#[derive(Debug, Clone)]
pub struct PackSource {
    /// The component file.
    pub component: PathBuf,
    /// The manifest, for a pack directory.
    pub manifest: Option<LoadedManifest>,
    /// Sandbox limits.
    pub limits: Limits,
    /// Default settings (from the manifest).
    pub settings: serde_json::Map<String, serde_json::Value>,
}

/// Resolve a `packs:` entry relative to `base` (the directory of plimsoll.yaml): a directory with
/// `plimsoll-pack.yaml`, a manifest file, or a loose `.wasm` file.
pub fn resolve_entry(base: &Path, entry: &str) -> Result<PackSource, String> {
    let path = base.join(entry);
    if path.is_dir() || path.file_name().is_some_and(|n| n == FILE_NAME) {
        if path.is_dir() && !path.join(FILE_NAME).is_file() {
            let resolved = std::path::absolute(&path).map(|p| crate::paths::clean(&p)).unwrap_or(path.clone());
            return Err(format!("pack directory `{entry}` ({}) has no {FILE_NAME}", resolved.display()));
        }
        let loaded = load(&path)?;
        loaded.check_minimum_version()?;
        let component = loaded.component_path();
        if !component.is_file() {
            return Err(format!(
                "pack `{}`: component {} does not exist (run `plimsoll policy build {}`)",
                loaded.manifest.id,
                component.display(),
                loaded.dir().display()
            ));
        }
        return Ok(PackSource {
            component,
            limits: loaded.limits()?,
            settings: loaded.manifest.settings.clone(),
            manifest: Some(loaded),
        });
    }
    if path.extension().is_some_and(|e| e == "wasm") {
        if !path.is_file() {
            let resolved = std::path::absolute(&path).map(|p| crate::paths::clean(&p)).unwrap_or(path.clone());
            return Err(format!("pack `{entry}` does not exist (looked for {})", resolved.display()));
        }
        return Ok(PackSource {
            component: path,
            manifest: None,
            limits: Limits::default(),
            settings: Default::default(),
        });
    }
    let resolved = std::path::absolute(&path).map(|p| crate::paths::clean(&p)).unwrap_or(path.clone());
    if !path.exists() {
        return Err(format!("pack `{entry}` does not exist (looked for {})", resolved.display()));
    }
    Err(format!("pack `{entry}` ({}) is neither a directory with {FILE_NAME} nor a `.wasm` file", resolved.display()))
}

/// Check that a loaded component is the pack its manifest announces.
pub fn check_identity(manifest: &LoadedManifest, info: &plimsoll_runtime::PackInfo) -> Result<(), String> {
    let m = &manifest.manifest;
    if m.id != info.id {
        return Err(format!(
            "{}: id `{}` differs from the component's id `{}`",
            manifest.path.display(),
            m.id,
            info.id
        ));
    }
    if m.version != info.version {
        return Err(format!(
            "{}: version `{}` differs from the component's version `{}`",
            manifest.path.display(),
            m.version,
            info.version
        ));
    }
    Ok(())
}

/// Settings for a pack: the manifest's defaults, then the configuration's keys on top.
pub fn merge_settings(
    defaults: &serde_json::Map<String, serde_json::Value>,
    configured: Option<&serde_json::Value>,
) -> serde_json::Value {
    let mut merged = defaults.clone();
    if let Some(serde_json::Value::Object(map)) = configured {
        for (k, v) in map {
            merged.insert(k.clone(), v.clone());
        }
    }
    serde_json::Value::Object(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = "id: acme\nversion: 0.2.0\nlanguage: python\ncomponent: dist/acme.wasm\nsettings:\n  owner-label: team\nminimum-plimsoll: 0.1.0\nsandbox:\n  memory: 128MiB\n  deadline: 5s\n";

    #[test]
    fn reads_every_field_and_raises_limits() {
        let loaded = parse(FULL, Path::new("/p/acme/plimsoll-pack.yaml")).unwrap();
        assert_eq!(loaded.manifest.id, "acme");
        assert_eq!(loaded.language(), Some(Language::Python));
        assert_eq!(loaded.component_path(), Path::new("/p/acme/dist/acme.wasm"));
        assert_eq!(loaded.manifest.settings["owner-label"], "team");
        let limits = loaded.limits().unwrap();
        assert_eq!(limits.memory_bytes, 128 << 20);
        assert_eq!(limits.deadline, Duration::from_secs(5));
        loaded.check_minimum_version().unwrap();
    }

    #[test]
    fn rejects_unknown_keys_bad_ids_and_absurd_limits() {
        let err = parse("id: acme\nversion: 1.0.0\ncomponent: a.wasm\nsandbox: { fuel: 3 }\n", Path::new("m.yaml"))
            .unwrap_err();
        assert!(err.contains("unknown field `fuel`"), "{err}");
        let err = parse("id: Acme\nversion: 1.0.0\ncomponent: a.wasm\n", Path::new("m.yaml")).unwrap_err();
        assert_eq!(err, "m.yaml: id: `Acme` is not kebab-case");
        let err =
            parse("id: acme\nversion: 1.0.0\ncomponent: a.wasm\nsandbox: { memory: 8GiB }\n", Path::new("m.yaml"))
                .unwrap_err();
        assert!(err.contains("sandbox.memory"), "{err}");
        let err =
            parse("id: acme\nversion: 1.0.0\ncomponent: a.wasm\nsandbox: { deadline: 2m }\n", Path::new("m.yaml"))
                .unwrap_err();
        assert!(err.contains("sandbox.deadline"), "{err}");
    }

    #[test]
    fn a_newer_minimum_version_is_refused() {
        let loaded =
            parse("id: acme\nversion: 1.0.0\ncomponent: a.wasm\nminimum-plimsoll: 99.0.0\n", Path::new("m.yaml"))
                .unwrap();
        let err = loaded.check_minimum_version().unwrap_err();
        assert!(err.contains("needs plimsoll 99.0.0 or newer"), "{err}");
    }

    #[test]
    fn versions_compare_numerically() {
        assert!(parse_version("0.10.0") > parse_version("0.9.3"));
        assert_eq!(parse_version("1.2"), Some((1, 2, 0)));
        assert_eq!(parse_version("1.2.3-rc.1"), Some((1, 2, 3)));
        assert_eq!(parse_version("one"), None);
    }

    #[test]
    fn configured_settings_override_defaults_key_by_key() {
        let defaults: serde_json::Map<String, serde_json::Value> = serde_json::from_str(r#"{"a": 1, "b": 2}"#).unwrap();
        let merged = merge_settings(&defaults, Some(&serde_json::json!({"b": 3})));
        assert_eq!(merged, serde_json::json!({"a": 1, "b": 3}));
        assert_eq!(merge_settings(&defaults, None), serde_json::json!({"a": 1, "b": 2}));
    }

    #[test]
    fn resolves_directories_and_loose_components() {
        let dir = std::env::temp_dir().join(format!("plimsoll-manifest-{}", std::process::id()));
        let pack = dir.join("rules/acme");
        std::fs::create_dir_all(pack.join("dist")).unwrap();
        std::fs::write(pack.join(FILE_NAME), "id: acme\nversion: 0.1.0\ncomponent: dist/acme.wasm\n").unwrap();
        let err = resolve_entry(&dir, "rules/acme").unwrap_err();
        assert!(err.contains("run `plimsoll policy build"), "{err}");
        std::fs::write(pack.join("dist/acme.wasm"), b"\0asm").unwrap();
        let source = resolve_entry(&dir, "rules/acme").unwrap();
        assert_eq!(source.component, pack.join("dist/acme.wasm"));
        let loose = resolve_entry(&dir, "rules/acme/dist/acme.wasm").unwrap();
        assert!(loose.manifest.is_none());
        let err = resolve_entry(&dir, "nothing").unwrap_err();
        assert!(err.contains("does not exist (looked for "), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
