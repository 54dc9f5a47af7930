//! The policy in force: the engine (runtime and packs) and the configuration, swapped atomically on
//! reload.
//!
//! A [`Policy`] is built and validated off the request path (its packs loaded, its settings checked
//! by a dry check of an empty project); requests take an `Arc` of the current one, so a reload
//! never disturbs a request in flight. A new configuration that fails to validate never replaces a
//! good one: the failure is kept for `/readyz` and the metrics. This module never answers HTTP.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use plimsoll_check::{CheckOptions, ConfigSource, Engine, ProjectSource, config};

/// An engine and a configuration, validated together.
pub struct Policy {
    /// The runtime and the built-in packs (and the configuration's packs, cached by path).
    pub engine: Engine,
    /// The configuration (defaults when the server has none).
    pub config: Arc<config::Loaded>,
    /// The packs in force: built-in pack ids, then the configuration's `packs:` entries.
    pub packs: Vec<String>,
    /// The files this policy was read from (configuration and packs), with their modification times.
    pub files: Vec<(PathBuf, Option<SystemTime>)>,
}

impl Policy {
    /// Load and validate the policy of `config_path`; the error is a located, printable message.
    pub fn load(
        config_path: Option<&Path>,
        cache: Option<plimsoll_runtime::ComponentCache>,
        registry: plimsoll_check::packs::RegistrySettings,
    ) -> Result<Policy, String> {
        let mut engine = Engine::new(cache).map_err(|e| e.to_string())?;
        engine.set_registry(registry);
        let config = match config_path {
            Some(path) => config::load(path).map_err(|e| e.to_string())?,
            None => config::Loaded::default(),
        };
        let config = Arc::new(config);
        // A dry check of an empty project loads every configured pack and validates every pack's
        // settings exactly as a request would.
        let dry = CheckOptions {
            project: ProjectSource::Memory {
                files: [("compose.yaml".to_string(), b"services: {}\n".to_vec())].into(),
                compose_files: Vec::new(),
                project_name: Some("readiness".into()),
            },
            config: ConfigSource::Parsed(config.clone()),
            ..CheckOptions::default()
        };
        let outcome = engine.check(&dry).map_err(|e| e.to_string())?;
        let errors: Vec<String> = outcome
            .errors()
            .map(|e| match (&e.file, e.line) {
                (Some(f), Some(l)) if config_path.is_some() => format!("{f}:{l}: {}", e.message),
                _ => e.message.clone(),
            })
            .collect();
        if !errors.is_empty() {
            return Err(errors.join("; "));
        }
        let mut packs: Vec<String> = engine.packs().iter().map(|p| p.info.id.clone()).collect();
        packs.extend(config.config.packs.iter().cloned());
        let pack_files = pack_files(&config);
        let mut watched: Vec<PathBuf> = config.files().map(Path::to_path_buf).collect();
        watched.extend(pack_files);
        let files = watched.into_iter().map(|f| (f.clone(), modified(&f))).collect();
        Ok(Policy { engine, config, packs, files })
    }

    /// Whether a watched file changed since this policy was loaded.
    pub fn stale(&self) -> bool {
        self.files.iter().any(|(f, time)| modified(f) != *time)
    }
}

/// The files the configuration's `packs:` name (a pack directory counts by its manifest and
/// `dist/` components).
fn pack_files(config: &config::Loaded) -> Vec<PathBuf> {
    let base = config.directory();
    // A registry pack changes only through its lock (a tag is resolved once per policy).
    let mut out = vec![plimsoll_distribution::lock::path_in(&base)];
    for entry in &config.config.packs {
        if plimsoll_distribution::reference::is_oci(entry) {
            continue;
        }
        // The files the pack is read from, as `check` resolves the entry; one that does not
        // resolve is watched where it would be, so fixing it reloads.
        match plimsoll_check::manifest::resolve_entry(&base, entry) {
            Ok(source) => {
                if let Some(manifest) = &source.manifest {
                    out.push(manifest.dir().join(plimsoll_check::manifest::FILE_NAME));
                }
                out.push(source.component);
            }
            Err(_) => out.push(base.join(entry)),
        }
    }
    out
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The current policy (none until the first one loads) and the last load's failure.
#[derive(Default)]
pub struct Current {
    policy: RwLock<Option<Arc<Policy>>>,
    last_error: RwLock<Option<String>>,
}

impl Current {
    /// The policy in force now; `None` while the first one is loading or when it failed to load.
    pub fn get(&self) -> Option<Arc<Policy>> {
        self.policy.read().map(|p| p.clone()).unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Replace the policy (requests in flight keep the one they took).
    pub fn swap(&self, policy: Policy) {
        if let Ok(mut current) = self.policy.write() {
            *current = Some(Arc::new(policy));
        }
        self.set_error(None);
    }

    /// The last failed reload's message, if the last reload failed.
    pub fn last_error(&self) -> Option<String> {
        self.last_error.read().ok().and_then(|e| e.clone())
    }

    /// Record the outcome of a reload.
    pub fn set_error(&self, error: Option<String>) {
        if let Ok(mut last) = self.last_error.write() {
            *last = error;
        }
    }
}
