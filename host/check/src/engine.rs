//! The engine: the runtime, the built-in and added packs, and what every check of a process shares
//! (extra packs named by configurations, settings already validated).
//!
//! This module knows no pipeline step: the steps read the engine, and [`crate::pipeline`] runs
//! them. No terminal, no flags, no HTTP here.

use std::collections::HashMap;
use std::sync::Mutex;

use plimsoll_runtime::{ComponentCache, Limits, Pack, Runtime, RuntimeOptions};
use rayon::prelude::*;

use crate::builtin::BUILTIN_PACKS;
use crate::error::CheckError;
use std::sync::Arc;

use crate::host_rules;
use crate::outcome::RuleMeta;
use crate::packs::{ConfigPacks, RegistrySettings};

/// The rules of `packs`, as reports describe them.
pub fn rules_of(packs: &[Pack]) -> Vec<RuleMeta> {
    packs.iter().flat_map(|p| p.info.rules.iter().map(move |r| meta(&p.info.id, r.clone()))).collect()
}

fn meta(pack: &str, r: plimsoll_runtime::RuleInfo) -> RuleMeta {
    RuleMeta {
        id: format!("{pack}/{}", r.id),
        pack: pack.to_string(),
        summary: r.summary,
        severity: r.severity,
        category: r.category,
        docs: r.docs,
    }
}

/// The runtime with its packs loaded.
pub struct Engine {
    pub(crate) runtime: Runtime,
    pub(crate) packs: Vec<Pack>,
    pub(crate) config_packs: ConfigPacks,
    pub(crate) registry: RegistrySettings,
    /// Outcome of `check_settings` per (pack digest, settings JSON): the same for every project that
    /// shares them, so the schema is compiled and `validate-settings` instantiated once per run.
    settings_checked: Mutex<HashMap<(String, String), Result<(), String>>>,
    /// The catalog, built once (every outcome carries it; packs never change after the first check).
    catalog: std::sync::OnceLock<Arc<Vec<RuleMeta>>>,
}

impl Engine {
    /// A runtime with the built-in packs; `cache` is the compiled-component cache (`None`: no cache).
    pub fn new(cache: Option<ComponentCache>) -> Result<Self, CheckError> {
        let runtime = Runtime::new(RuntimeOptions { cache, ..RuntimeOptions::default() })
            .map_err(|e| CheckError::Runtime(e.to_string()))?;
        let packs: Result<Vec<Pack>, CheckError> = BUILTIN_PACKS
            .par_iter()
            .map(|(id, bytes)| {
                runtime
                    .load_pack(bytes, &format!("builtin:{id}"), Limits::default())
                    .map_err(|e| CheckError::Pack(e.to_string()))
            })
            .collect();
        Ok(Self {
            runtime,
            packs: packs?,
            config_packs: ConfigPacks::default(),
            registry: RegistrySettings::default(),
            settings_checked: Default::default(),
            catalog: std::sync::OnceLock::new(),
        })
    }

    /// Add a pack from component bytes.
    pub fn add_pack(&mut self, bytes: &[u8], origin: &str, limits: Limits) -> Result<&Pack, CheckError> {
        let pack = self.runtime.load_pack(bytes, origin, limits).map_err(|e| CheckError::Pack(e.to_string()))?;
        if self.packs.iter().any(|p| p.info.id == pack.info.id) {
            return Err(CheckError::Pack(format!("{origin}: a pack with id `{}` is already loaded", pack.info.id)));
        }
        self.packs.push(pack);
        self.catalog = std::sync::OnceLock::new();
        Ok(self.packs.last().expect("just pushed"))
    }

    /// How registry packs are fetched (the store, registries, `--locked`).
    pub fn set_registry(&mut self, registry: RegistrySettings) {
        self.registry = registry;
    }

    /// Default settings for a pack added with [`Engine::add_pack`] (its manifest's `settings:`).
    pub fn set_default_settings(&mut self, pack: &str, settings: serde_json::Map<String, serde_json::Value>) {
        self.config_packs.set_defaults(pack, settings);
    }

    /// The loaded packs.
    pub fn packs(&self) -> &[Pack] {
        &self.packs
    }

    /// The runtime.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// The catalog shared by every outcome of this engine (built on first use).
    pub fn shared_catalog(&self) -> Arc<Vec<RuleMeta>> {
        self.catalog.get_or_init(|| Arc::new(self.catalog())).clone()
    }

    /// Every rule known to this engine: the packs' and the host's.
    pub fn catalog(&self) -> Vec<RuleMeta> {
        let host = host_rules::rules().into_iter().map(|r| (host_rules::PACK, r));
        let mut out = rules_of(&self.packs);
        out.extend(host.map(|(pack, r)| meta(pack, r)));
        out
    }

    /// Add the packs a configuration names (`packs:`, relative to its file), as `check` would
    /// load them for a project using it, with their manifests' default settings; their ids.
    pub fn add_config_packs(&mut self, config: &crate::config::Loaded) -> Result<Vec<String>, CheckError> {
        let base = config.directory();
        let resolved = self.config_packs.resolve(
            &self.runtime,
            &base,
            &config.config.packs,
            config.config.trust.as_ref(),
            &self.packs,
            &self.registry,
        );
        if let Some(e) = resolved.errors.first() {
            let file = config.path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default();
            return Err(CheckError::Pack(format!("{file}{e}")));
        }
        let ids: Vec<String> = resolved.packs.iter().map(|p| p.info.id.clone()).collect();
        self.packs.extend(resolved.packs);
        self.catalog = std::sync::OnceLock::new();
        Ok(ids)
    }

    /// The rule info for a `<pack>/<rule>` id (not the host rules: see [`host_rules`]).
    pub fn rule_info(&self, id: &str) -> Option<(&Pack, &plimsoll_runtime::RuleInfo)> {
        let (pack_id, rule_id) = id.split_once('/')?;
        let pack = self.packs.iter().find(|p| p.info.id == pack_id)?;
        Some((pack, pack.info.rule(rule_id)?))
    }

    /// `Runtime::check_settings`, remembered per pack digest and settings text for the rest of the run.
    pub(crate) fn check_settings_once(
        &self,
        pack: &Pack,
        settings: &serde_json::Value,
        text: &str,
    ) -> Result<(), String> {
        let key = (pack.digest.clone(), text.to_string());
        if let Some(known) = self.settings_checked.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return known.clone();
        }
        let outcome = self.runtime.check_settings(pack, settings).map_err(|e| e.to_string());
        self.settings_checked.lock().unwrap_or_else(|e| e.into_inner()).insert(key, outcome.clone());
        outcome
    }
}
