//! The engine: the runtime with its packs, and the pipeline that runs a check top to bottom.
//!
//! [`Engine::check_with`] reads like the data flow: discover and load the projects
//! ([`crate::load`]), then per project configure ([`crate::configure`]), evaluate
//! ([`crate::evaluate`]), locate ([`crate::locate`]), filter ([`crate::filter`]), apply exceptions
//! ([`crate::exceptions`]) and inline waivers ([`crate::waivers`]); then the baseline
//! ([`crate::baseline`]) and the gate ([`crate::gate`]). Each step lives in its own module; this one
//! only sequences them and owns what they share. No terminal, no flags, no HTTP here.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use plimsoll_runtime::{ComponentCache, Limits, Pack, Runtime, RuntimeOptions, Severity};
use rayon::prelude::*;

use crate::builtin::BUILTIN_PACKS;
use crate::error::CheckError;
use crate::gate::Decision;
use crate::load::Target;
use crate::options::CheckOptions;
use crate::outcome::{ErrorEntry, ErrorKind, Outcome, ProjectResult, RuleMeta, Stats, WarningEntry};
use crate::packs::ConfigPacks;
use crate::{configure, evaluate, exceptions, filter, host_rules, load, paths, waivers};

/// Reports progress while projects are checked (a progress bar on a terminal).
pub trait Progress: Sync {
    /// Checking starts: `total` projects.
    fn start(&self, _total: usize) {}
    /// One project is done.
    fn advance(&self, _project: &str) {}
    /// Every project is done.
    fn finish(&self) {}
}

/// No progress reporting.
pub struct NoProgress;

impl Progress for NoProgress {}

/// The runtime with its packs loaded.
pub struct Engine {
    pub(crate) runtime: Runtime,
    pub(crate) packs: Vec<Pack>,
    pub(crate) config_packs: ConfigPacks,
    /// Outcome of `check_settings` per (pack digest, settings JSON): the same for every project that
    /// shares them, so the schema is compiled and `validate-settings` instantiated once per run.
    settings_checked: Mutex<HashMap<(String, String), Result<(), String>>>,
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
        Ok(Self { runtime, packs: packs?, config_packs: ConfigPacks::default(), settings_checked: Default::default() })
    }

    /// Add a pack from component bytes.
    pub fn add_pack(&mut self, bytes: &[u8], origin: &str, limits: Limits) -> Result<&Pack, CheckError> {
        let pack = self.runtime.load_pack(bytes, origin, limits).map_err(|e| CheckError::Pack(e.to_string()))?;
        if self.packs.iter().any(|p| p.info.id == pack.info.id) {
            return Err(CheckError::Pack(format!("{origin}: a pack with id `{}` is already loaded", pack.info.id)));
        }
        self.packs.push(pack);
        Ok(self.packs.last().expect("just pushed"))
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

    /// Every rule known to this engine: the packs' and the host's.
    pub fn catalog(&self) -> Vec<RuleMeta> {
        let packs = self.packs.iter().flat_map(|p| p.info.rules.iter().map(move |r| (p.info.id.as_str(), r.clone())));
        let host = host_rules::rules().into_iter().map(|r| (host_rules::PACK, r));
        packs
            .chain(host)
            .map(|(pack, r)| RuleMeta {
                id: format!("{pack}/{}", r.id),
                pack: pack.to_string(),
                summary: r.summary,
                severity: r.severity,
                category: r.category,
                docs: r.docs,
            })
            .collect()
    }

    /// The rule info for a `<pack>/<rule>` id (not the host rules: see [`host_rules`]).
    pub fn rule_info(&self, id: &str) -> Option<(&Pack, &plimsoll_runtime::RuleInfo)> {
        let (pack_id, rule_id) = id.split_once('/')?;
        let pack = self.packs.iter().find(|p| p.info.id == pack_id)?;
        Some((pack, pack.info.rule(rule_id)?))
    }

    /// Check every project named by `options`.
    pub fn check(&self, options: &CheckOptions) -> Result<Outcome, CheckError> {
        self.check_with(options, &NoProgress)
    }

    /// Check every project named by `options`, reporting progress per project.
    pub fn check_with(&self, options: &CheckOptions, progress: &dyn Progress) -> Result<Outcome, CheckError> {
        let start = Instant::now();
        let targets = load::load_all(options)?;
        progress.start(targets.len());
        let mut projects: Vec<ProjectResult> = targets
            .into_par_iter()
            .map(|target| {
                let started = Instant::now();
                let mut result = self.check_project(target, options);
                result.duration_ms = duration_ms(started.elapsed());
                progress.advance(&result.path);
                result
            })
            .collect();
        progress.finish();
        projects.sort_by(|a, b| a.path.cmp(&b.path));
        let stats = Stats {
            projects: projects.len(),
            services: projects.iter().map(|p| p.services).sum(),
            packs: self.packs.len(),
            rules: self.packs.iter().map(|p| p.info.rules.len()).sum(),
            evaluations: projects.iter().map(|p| p.outputs.len()).sum(),
            cache_hits: self.packs.iter().filter(|p| p.cache_hit).count(),
            suppressed: 0,
            hidden: 0,
            duration_ms: duration_ms(start.elapsed()),
        };
        let mut outcome = Outcome {
            decision: Decision::Pass,
            score: 100,
            fail_on: Severity::High,
            summary: BTreeMap::new(),
            projects,
            stats,
            rules: self.catalog(),
        };
        if let Some(baseline) = &options.baseline {
            outcome.apply_baseline(baseline.clone());
        }
        outcome.recompute();
        Ok(outcome)
    }

    /// One project through configure → evaluate → locate → filter → exceptions → waivers.
    fn check_project(&self, target: Target, options: &CheckOptions) -> ProjectResult {
        let Target { loaded, config_root, scratch } = target;
        let mut loaded = loaded;
        let root = loaded.directory.clone();
        let source = loaded
            .primary_file
            .clone()
            .filter(|f| plimsoll_model::compose::is_dockerfile_name(f))
            .unwrap_or_else(|| loaded.directory.clone());
        let name = loaded.model.name.clone();
        let mut result = ProjectResult {
            name: name.clone(),
            path: options.path_style.show(&source, &root),
            services: loaded.model.services.len(),
            findings: Vec::new(),
            suppressed: Vec::new(),
            duration_ms: 0,
            errors: Vec::new(),
            warnings: Vec::new(),
            outputs: Vec::new(),
            loaded: None,
            fail_on_threshold: None,
            root: root.clone(),
            source,
            scratch,
        };
        if result.path.is_empty() {
            result.path = ".".to_string();
        }
        if options.path_style == crate::options::PathStyle::ProjectRoot {
            result.path = paths::to_text(&paths::clean(&result.source));
        }
        let show = |path: &std::path::Path| options.path_style.show(path, &root);
        for d in &loaded.diagnostics {
            if d.is_error() {
                result.errors.push(ErrorEntry::at(
                    ErrorKind::Load,
                    &name,
                    &show,
                    d.location.as_ref(),
                    d.message.clone(),
                ));
            } else {
                result.warnings.push(WarningEntry::new(&name, &show, d.location.clone(), d.message.clone()));
            }
        }
        let configured = configure::configure(self, &mut loaded, config_root.as_deref(), options, &mut result);
        let Some(configured) = configured else {
            result.loaded = Some(loaded);
            return result;
        };
        let context =
            configure::Context { engine: self, loaded: &loaded, configured: &configured, options, name: &name };
        evaluate::evaluate(&context, &mut result);
        result.findings.retain(|f| options.selects(&f.rule));
        let failed_packs: Vec<String> = result.errors.iter().filter_map(|e| e.pack.clone()).collect();
        let evaluated = |rule: &str| {
            options.selects(rule)
                && rule.split_once('/').is_some_and(|(pack, _)| !failed_packs.iter().any(|p| p == pack))
                && configured.cfg.config.rules.get(rule).is_none_or(|s| s.severity().is_some())
        };
        exceptions::apply(&context, &mut result);
        waivers::apply(&context, &mut result, &evaluated);
        filter::sort(&mut result);
        result.loaded = Some(loaded);
        result
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

fn duration_ms(d: Duration) -> u64 {
    d.as_millis().min(u128::from(u64::MAX)) as u64
}
