//! The pipeline: a check top to bottom, in the order the data flows.
//!
//! [`Engine::check_with`] discovers and loads the projects ([`crate::load`]), then per project
//! configures ([`crate::configure`]), evaluates ([`crate::evaluate`]; subjects are located there by
//! [`crate::locate`]), filters ([`crate::filter`]), applies exceptions ([`crate::exceptions`]),
//! inline waivers ([`crate::waivers`]) and the baseline ([`crate::baselined`]); then the gate
//! ([`crate::gate`], through [`Outcome::recompute`]). Each step lives in its own module; this one
//! only sequences them. No terminal, no flags, no HTTP here.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use plimsoll_runtime::Severity;
use rayon::prelude::*;

use crate::engine::Engine;
use crate::error::CheckError;
use crate::gate::Decision;
use crate::load::Target;
use crate::options::{CheckOptions, PathStyle};
use crate::outcome::{ErrorEntry, ErrorKind, Outcome, ProjectResult, Stats, WarningEntry};
use crate::{baselined, configure, evaluate, exceptions, filter, load, paths, repository, waivers};

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

impl Engine {
    /// Check every project named by `options`.
    pub fn check(&self, options: &CheckOptions) -> Result<Outcome, CheckError> {
        self.check_with(options, &NoProgress)
    }

    /// Check every project named by `options`, reporting progress per project.
    pub fn check_with(&self, options: &CheckOptions, progress: &dyn Progress) -> Result<Outcome, CheckError> {
        let start = Instant::now();
        let targets = load::load_all(options)?;
        progress.start(targets.len());
        let one = |target: Target| {
            let started = Instant::now();
            let mut result = self.check_project(target, options);
            result.duration_ms = duration_ms(started.elapsed());
            progress.advance(&result.path);
            result
        };
        let mut projects: Vec<ProjectResult> = if options.sequential {
            targets.into_iter().map(one).collect()
        } else {
            targets.into_par_iter().map(one).collect()
        };
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
            rules: self.shared_catalog(),
        };
        // Rules of packs that configurations added are known to the run as well as the built-in ones.
        let mut extra: Vec<crate::outcome::RuleMeta> = Vec::new();
        for rule in outcome.projects.iter().flat_map(|p| &p.extra_rules) {
            if !outcome.rules.iter().chain(&extra).any(|r| r.id == rule.id) {
                extra.push(rule.clone());
            }
        }
        if !extra.is_empty() {
            let mut all = (*outcome.rules).clone();
            all.extend(extra);
            outcome.rules = std::sync::Arc::new(all);
        }
        outcome.recompute();
        Ok(outcome)
    }

    /// One project through configure → evaluate → locate → filter → exceptions → waivers →
    /// baseline.
    fn check_project(&self, target: Target, options: &CheckOptions) -> ProjectResult {
        let Target { loaded, repository } = target;
        let mut loaded = loaded;
        let root = loaded.directory.clone();
        let source = loaded
            .primary_file
            .clone()
            .filter(|f| plimsoll_model::compose::is_dockerfile_name(f) || crate::manifests::is_manifest(f))
            .unwrap_or_else(|| loaded.directory.clone());
        let name = loaded.model.name.clone();
        let id = repository::project_id(&source, &repository);
        // The project as the caller named it, or shown in the requested style.
        let path = match &options.path_style {
            PathStyle::ProjectRoot => paths::to_text(&paths::clean(&source)),
            style => style.show(&source, &root, &repository),
        };
        let mut result = ProjectResult {
            name: name.clone(),
            path: if path.is_empty() { ".".to_string() } else { path },
            id: id.clone(),
            config: Vec::new(),
            services: loaded.model.services.len(),
            findings: Vec::new(),
            suppressed: Vec::new(),
            hidden: Vec::new(),
            stale_baseline: Vec::new(),
            repository: repository.clone(),
            duration_ms: 0,
            errors: Vec::new(),
            warnings: Vec::new(),
            outputs: Vec::new(),
            pack_budgets: Vec::new(),
            timings: Vec::new(),
            extra_rules: Vec::new(),
            loaded: None,
            fail_on_threshold: None,
            rules_in_force: Vec::new(),
        };
        let show = |path: &std::path::Path| options.path_style.show(path, &root, &repository);
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
                result.warnings.push(WarningEntry::new(&name, &show, d.location.as_ref(), &d.message));
            }
        }
        let configured = configure::configure(self, &mut loaded, &repository, options, &mut result);
        let Some(configured) = configured else {
            locate_errors(&mut result, &loaded, &show);
            result.loaded = Some(loaded);
            return result;
        };
        result.extra_rules = crate::engine::rules_of(&configured.extra);
        let context = configure::Context {
            engine: self,
            loaded: &loaded,
            configured: &configured,
            options,
            name: &name,
            id: &id,
            repository: &repository,
            paths: configure::Canonical::default(),
        };
        evaluate::evaluate(&context, &mut result);
        result.findings.retain(|f| options.selects(&f.rule));
        let failed_packs: Vec<String> = result.errors.iter().filter_map(|e| e.pack.clone()).collect();
        let evaluated = |rule: &str| {
            options.selects(rule)
                && rule.split_once('/').is_some_and(|(pack, _)| !failed_packs.iter().any(|p| p == pack))
                && filter::configured_severity(&configured.cfg, rule, Severity::Info).is_some()
        };
        result.rules_in_force = configured
            .packs(self)
            .flat_map(|p| p.info.rules.iter().map(move |r| (format!("{}/{}", p.info.id, r.id), r.severity)))
            .filter(|(id, _)| evaluated(id))
            .filter_map(|(id, default)| filter::configured_severity(&configured.cfg, &id, default).map(|s| (id, s)))
            .collect();
        exceptions::apply(&context, &mut result);
        if !options.ignore_inline_waivers {
            waivers::apply(&context, &mut result, &evaluated);
        }
        if let Some(recorded) = &options.baseline {
            baselined::apply(&context, &mut result, recorded, &evaluated);
        }
        result.sort_findings();
        locate_errors(&mut result, &loaded, &show);
        result.loaded = Some(loaded);
        result
    }
}

/// Give every error a file: one with no place of its own (a pack that trapped, a model too big to
/// hand over) is about the whole project, so it points at the project's first compose file (or
/// Dockerfile, or directory). Annotations and code quality widgets need a file to show anything.
fn locate_errors(
    result: &mut ProjectResult,
    loaded: &plimsoll_model::LoadedProject,
    show: &dyn Fn(&std::path::Path) -> String,
) {
    let place = loaded.primary_file.clone().unwrap_or_else(|| loaded.directory.clone());
    for e in result.errors.iter_mut().filter(|e| e.file.is_none()) {
        e.file = Some(show(&place));
        if loaded.primary_file.is_some() {
            e.line = Some(1);
            e.column = Some(1);
        }
    }
}

fn duration_ms(d: Duration) -> u64 {
    d.as_millis().min(u128::from(u64::MAX)) as u64
}
