//! Extra packs named by `packs:` in `plimsoll.yaml`, loaded once per process and shared by every
//! project whose configuration names them.
//!
//! Entries are resolved relative to the configuration file ([`crate::manifest::resolve_entry`]),
//! compiled through the runtime's cache, checked against their manifest, and kept by canonical
//! path, so ten projects naming the same pack load it once. A pack that fails to load is an error of
//! the configuration that named it, never of the other projects.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use plimsoll_distribution::{Distribution, ResolveOptions, Trust, lock, reference, sign::PublicKey};
use plimsoll_runtime::{Pack, Runtime};

use crate::config::TrustConfig;
use crate::manifest;

/// How registry packs (`oci://…` entries) are fetched: the store and registries, and `--locked`.
#[derive(Debug, Clone, Default)]
pub struct RegistrySettings {
    /// The store and registry options.
    pub distribution: Distribution,
    /// `--locked`: only digests pinned in `plimsoll.lock` run.
    pub locked: bool,
}

/// Settings a pack brings itself (its manifest's `settings:`), by pack id.
pub type DefaultSettings = serde_json::Map<String, serde_json::Value>;

/// A `packs:` entry loaded, or why it could not be.
type LoadResult = Result<(Pack, DefaultSettings), String>;

/// The loaded extra packs of a process.
#[derive(Debug, Default)]
pub struct ConfigPacks {
    loaded: Mutex<HashMap<PathBuf, LoadResult>>,
    defaults: BTreeMap<String, DefaultSettings>,
}

/// The extra packs of one configuration.
#[derive(Debug, Default)]
pub struct Resolved {
    /// The packs, in `packs:` order.
    pub packs: Vec<Pack>,
    /// One message per entry that could not be loaded.
    pub errors: Vec<String>,
}

impl ConfigPacks {
    /// Remember default settings for a pack added directly to the engine (`policy test`).
    pub fn set_defaults(&mut self, pack: &str, settings: DefaultSettings) {
        self.defaults.insert(pack.to_string(), settings);
    }

    /// The settings to evaluate `pack` with: its defaults, then `configured` key by key.
    pub fn settings_for(&self, pack: &str, configured: Option<&serde_json::Value>) -> serde_json::Value {
        let from_manifest = self.loaded.lock().ok().and_then(|loaded| {
            loaded.values().find_map(|r| r.as_ref().ok().filter(|(p, _)| p.info.id == pack).map(|(_, s)| s.clone()))
        });
        let defaults = self.defaults.get(pack).cloned().or(from_manifest).unwrap_or_default();
        match configured {
            Some(value) if !value.is_null() && !value.is_object() => value.clone(),
            _ => manifest::merge_settings(&defaults, configured),
        }
    }

    /// Load the packs `entries` name, relative to `base` (the configuration file's directory;
    /// registry packs are pinned by the `plimsoll.lock` there and checked against `trust`); a pack
    /// whose id is already taken by one of `loaded` or an earlier entry is an error.
    pub fn resolve(
        &self,
        runtime: &Runtime,
        base: &Path,
        entries: &[String],
        trust: Option<&TrustConfig>,
        loaded: &[Pack],
        registry: &RegistrySettings,
    ) -> Resolved {
        let mut resolved = Resolved::default();
        for entry in entries {
            let oci = reference::is_oci(entry);
            let key = if oci {
                PathBuf::from(format!("{}#{entry}", base.display()))
            } else {
                let key = base.join(entry);
                key.canonicalize().unwrap_or(key)
            };
            let cached = self.loaded.lock().ok().and_then(|loaded| loaded.get(&key).cloned());
            let result = match cached {
                Some(result) => result,
                None => {
                    let result = if oci {
                        load_oci(runtime, base, entry, trust, registry)
                    } else {
                        load_entry(runtime, base, entry)
                    };
                    if let Ok(mut loaded) = self.loaded.lock() {
                        loaded.insert(key, result.clone());
                    }
                    result
                }
            };
            match result {
                Ok((pack, _)) if loaded.iter().chain(&resolved.packs).any(|p| p.info.id == pack.info.id) => {
                    resolved
                        .errors
                        .push(format!("packs: `{entry}`: a pack with id `{}` is already loaded", pack.info.id));
                }
                Ok((pack, _)) => resolved.packs.push(pack),
                Err(e) => resolved.errors.push(format!("packs: {e}")),
            }
        }
        resolved
    }
}

impl Resolved {
    /// Whether one of these packs has the rule `<pack>/<rule>`.
    pub fn has_rule(&self, id: &str) -> bool {
        id.split_once('/')
            .is_some_and(|(pack, rule)| self.packs.iter().any(|p| p.info.id == pack && p.info.rule(rule).is_some()))
    }
}

/// The trusted keys of `trust:`: PEM text, or files relative to `base`.
pub fn trust_of(trust: Option<&TrustConfig>, base: &Path) -> Result<Trust, String> {
    let Some(trust) = trust else { return Ok(Trust::default()) };
    let mut keys = Vec::new();
    for (i, key) in trust.keys.iter().enumerate() {
        let parsed = if key.contains("-----BEGIN") {
            PublicKey::from_pem(key, &format!("trust.keys[{i}]"))
        } else {
            PublicKey::read(&base.join(key))
        };
        keys.push(parsed.map_err(|e| format!("trust.keys[{i}]: {e}"))?);
    }
    if trust.require_signatures && keys.is_empty() {
        return Err("trust: `require-signatures: true` needs at least one key in `keys:`".into());
    }
    Ok(Trust { keys, require_signatures: trust.require_signatures })
}

/// Load a registry pack: resolved through the lock and the store, checked against `trust:`, and
/// its config blob checked against what the component describes.
fn load_oci(
    runtime: &Runtime,
    base: &Path,
    entry: &str,
    trust: Option<&TrustConfig>,
    registry: &RegistrySettings,
) -> LoadResult {
    let trust = trust_of(trust, base)?;
    let lock = lock::load(&lock::path_in(base)).map_err(|e| e.to_string())?;
    let options = ResolveOptions { locked: registry.locked, lock: lock.exists.then_some(lock), trust };
    let resolved = registry.distribution.resolve(entry, &options).map_err(|e| format!("`{entry}`: {e}"))?;
    let opened = resolved.opened;
    let config = &opened.config;
    let sandbox = manifest::SandboxLimits {
        memory: config.sandbox.get("memory").cloned(),
        deadline: config.sandbox.get("deadline").cloned(),
    };
    let as_manifest = manifest::LoadedManifest {
        path: PathBuf::from(entry),
        manifest: manifest::Manifest {
            id: config.id.clone(),
            version: config.version.clone(),
            language: None,
            component: String::new(),
            settings: config.settings.clone(),
            minimum_plimsoll: config.minimum_plimsoll.clone(),
            sandbox: Some(sandbox),
            description: None,
            source: None,
            licenses: None,
        },
    };
    let limits = as_manifest.limits()?;
    let origin = opened.reference.pinned();
    let pack = runtime.load_pack(&opened.component, &origin, limits).map_err(|e| e.to_string())?;
    manifest::check_identity(&as_manifest, &pack.info)?;
    Ok((pack, config.settings.clone()))
}

fn load_entry(runtime: &Runtime, base: &Path, entry: &str) -> LoadResult {
    let source = manifest::resolve_entry(base, entry)?;
    let bytes =
        std::fs::read(&source.component).map_err(|e| format!("{}: cannot read: {e}", source.component.display()))?;
    let origin = source.component.display().to_string();
    let pack = runtime.load_pack(&bytes, &origin, source.limits).map_err(|e| e.to_string())?;
    if let Some(m) = &source.manifest {
        manifest::check_identity(m, &pack.info)?;
    }
    Ok((pack, source.settings))
}
