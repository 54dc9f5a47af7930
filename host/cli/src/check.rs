//! The check pipeline: load each project, evaluate every pack on it in the sandbox, locate and
//! filter the findings, and decide.
//!
//! Policies answer with subjects; only this module turns them into files, lines and columns (via the
//! project's source map), applies the configuration (rules off, severity overrides), computes
//! fingerprints, and derives the decision, the score and the exit code.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use plimsoll_model::model::Subject;
use plimsoll_model::{LoadOptions, LoadedProject, Location};
use plimsoll_runtime::{ComponentCache, EvalError, Limits, Pack, PreparedProject, Runtime, RuntimeOptions, Severity};
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::builtin::BUILTIN_PACKS;
use crate::{config, discover, host_rules, waivers};
use plimsoll_model::compose;

/// What to check and how.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Compose files, directories or Dockerfiles; each is a project.
    pub paths: Vec<PathBuf>,
    /// `-f` files: together, one project.
    pub files: Vec<PathBuf>,
    /// `--project-directory`.
    pub project_directory: Option<PathBuf>,
    /// `--profile`.
    pub profiles: Vec<String>,
    /// `--env-file`.
    pub env_files: Vec<PathBuf>,
    /// `--config`: used for every project instead of discovery.
    pub config: Option<PathBuf>,
    /// `--only`: evaluate only these rules (`<pack>/<rule>`) or packs (`<pack>`); empty means all.
    pub only: Vec<String>,
    /// `--skip`: do not report these rules or packs.
    pub skip: Vec<String>,
    /// `--baseline`: findings it records are not reported.
    pub baseline: Option<crate::baseline::Baseline>,
    /// The date exceptions expire against (default: today).
    pub today: Option<config::Date>,
}

impl CheckOptions {
    /// Whether `--only`/`--skip` select the rule `id` (`<pack>/<rule>`).
    pub fn selects(&self, id: &str) -> bool {
        let pack = id.split_once('/').map_or(id, |(p, _)| p);
        let named = |list: &[String]| list.iter().any(|r| r == id || r == pack);
        (self.only.is_empty() || named(&self.only)) && !named(&self.skip)
    }
}

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

/// A path made absolute and canonical when possible, for comparing paths.
fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().or_else(|_| std::path::absolute(path)).unwrap_or_else(|_| path.to_path_buf())
}

/// A place in a file, for output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Position {
    /// File path as shown to the user (relative to the working directory when below it).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

/// A located finding, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// `<pack>/<rule>`.
    pub rule: String,
    /// Pack id.
    pub pack: String,
    /// Severity after configuration.
    pub severity: Severity,
    /// Rule category.
    pub category: String,
    /// Message.
    pub message: String,
    /// What to change.
    pub help: Option<String>,
    /// File shown to the user.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// The service the finding belongs to.
    pub service: Option<String>,
    /// Other places involved.
    pub related: Vec<Position>,
    /// Stable identity across unrelated edits (rule, file, service or stage, subject path).
    pub fingerprint: String,
    /// The project the finding belongs to.
    pub project: String,
    /// A machine-applicable fix, if the policy offered one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<plimsoll_runtime::Fix>,
    /// The file on disk (for source snippets and waivers).
    #[serde(skip)]
    pub path: PathBuf,
}

/// Why a finding is not reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Suppression {
    /// An entry of `exceptions:` in `plimsoll.yaml`.
    Exception {
        /// Its reason.
        reason: String,
        /// The configuration file.
        file: String,
        /// Its `expires` date, when set.
        #[serde(skip_serializing_if = "Option::is_none")]
        expires: Option<String>,
    },
    /// A `# plimsoll-ignore:` comment.
    Inline {
        /// Its reason.
        reason: String,
        /// Where the comment is.
        file: String,
        /// Its line.
        line: u32,
    },
    /// The `--baseline` file.
    Baseline,
}

impl Suppression {
    /// `exception`, `inline` or `baseline`.
    pub fn kind(&self) -> &'static str {
        match self {
            Suppression::Exception { .. } => "exception",
            Suppression::Inline { .. } => "inline",
            Suppression::Baseline => "baseline",
        }
    }

    /// The reason given, if any.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Suppression::Exception { reason, .. } | Suppression::Inline { reason, .. } => Some(reason),
            Suppression::Baseline => None,
        }
    }
}

/// A finding that is not reported, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Suppressed {
    /// The finding.
    #[serde(flatten)]
    pub finding: Finding,
    /// What waived it.
    pub suppression: Suppression,
}

/// A load, configuration or evaluation error, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorEntry {
    /// `load`, `config` or `evaluation`.
    pub kind: &'static str,
    /// The file, when known.
    pub file: Option<String>,
    /// The line, when known.
    pub line: Option<u32>,
    /// The column, when known.
    pub column: Option<u32>,
    /// The pack, for evaluation errors.
    pub pack: Option<String>,
    /// The typed evaluation error kind (`timeout`, `memory-limit`, …).
    pub error: Option<&'static str>,
    /// Message.
    pub message: String,
    /// The project.
    pub project: String,
}

impl ErrorEntry {
    fn at(kind: &'static str, project: &str, location: Option<&Location>, message: String) -> Self {
        Self {
            kind,
            file: location.map(|l| display_path(&l.file)),
            line: location.map(|l| l.line),
            column: location.map(|l| l.column),
            pack: None,
            error: None,
            message,
            project: project.to_string(),
        }
    }
}

/// A warning from loading (unset variables and the like).
#[derive(Debug, Clone, Serialize)]
pub struct WarningEntry {
    /// `file:line:col: message`.
    pub message: String,
    /// The project.
    pub project: String,
}

/// What one project produced.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectResult {
    /// Project name.
    pub name: String,
    /// The path it was loaded from.
    pub path: String,
    /// Number of services.
    pub services: usize,
    /// Located findings, sorted by file, line, rule.
    pub findings: Vec<Finding>,
    /// Findings waived by exceptions, inline waivers or the baseline.
    pub suppressed: Vec<Suppressed>,
    /// Time to configure, evaluate and filter this project (loading excluded), in milliseconds.
    pub duration_ms: u64,
    /// Errors.
    pub errors: Vec<ErrorEntry>,
    /// Warnings.
    pub warnings: Vec<WarningEntry>,
    /// What policies printed or logged, per pack (shown with `--verbose`).
    #[serde(skip)]
    pub outputs: Vec<(String, String)>,
    /// The loaded project (for source snippets).
    #[serde(skip)]
    pub loaded: Option<LoadedProject>,
    /// `fail-on` of the project's configuration.
    #[serde(skip)]
    pub fail_on_threshold: Option<Severity>,
}

/// `pass`, `warn` or `fail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// Nothing found.
    Pass,
    /// Findings below `fail-on`.
    Warn,
    /// Findings at or above `fail-on`, or an evaluation error.
    Fail,
}

/// Counters for the run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    /// Projects checked.
    pub projects: usize,
    /// Services seen.
    pub services: usize,
    /// Packs loaded.
    pub packs: usize,
    /// Rules available.
    pub rules: usize,
    /// Evaluations run.
    pub evaluations: usize,
    /// Packs taken from the compiled-component cache.
    pub cache_hits: usize,
    /// Findings not reported because an exception, an inline waiver or the baseline waives them.
    pub suppressed: usize,
    /// Findings below `--severity`: counted in the summary and the decision, not listed.
    pub hidden: usize,
    /// Wall time of the whole check, in milliseconds.
    pub duration_ms: u64,
}

/// The outcome of `plimsoll check`.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The gate's decision.
    pub decision: Decision,
    /// 0–100, see [`score`].
    pub score: u32,
    /// The gate threshold in force (of the first project's configuration).
    pub fail_on: Severity,
    /// Findings per severity.
    pub summary: BTreeMap<Severity, usize>,
    /// Per project.
    pub projects: Vec<ProjectResult>,
    /// Counters.
    pub stats: Stats,
    /// Every rule known to the run (packs and host rules), for formats that describe rules.
    #[serde(skip)]
    pub rules: Vec<RuleMeta>,
}

/// A rule as reports describe it.
#[derive(Debug, Clone, Serialize)]
pub struct RuleMeta {
    /// `<pack>/<rule>`.
    pub id: String,
    /// Pack id.
    pub pack: String,
    /// One line.
    pub summary: String,
    /// Default severity.
    pub severity: Severity,
    /// Category.
    pub category: String,
    /// Markdown documentation.
    pub docs: String,
}

impl RuleMeta {
    /// Where the rule's documentation is published.
    pub fn help_uri(&self) -> String {
        format!("{}/blob/main/docs/rules/{}.md", env!("CARGO_PKG_REPOSITORY"), self.id)
    }
}

impl Outcome {
    /// Every finding of every project.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.projects.iter().flat_map(|p| p.findings.iter())
    }

    /// Every finding the baseline hides.
    pub fn baselined(&self) -> impl Iterator<Item = &Finding> {
        self.projects
            .iter()
            .flat_map(|p| p.suppressed.iter())
            .filter(|s| s.suppression == Suppression::Baseline)
            .map(|s| &s.finding)
    }

    /// Hide the findings `baseline` records (each recorded occurrence hides one finding).
    pub fn apply_baseline(&mut self, mut baseline: crate::baseline::Baseline) {
        for p in &mut self.projects {
            let (hidden, kept): (Vec<Finding>, Vec<Finding>) =
                std::mem::take(&mut p.findings).into_iter().partition(|f| baseline.take(f));
            p.findings = kept;
            p.suppressed
                .extend(hidden.into_iter().map(|finding| Suppressed { finding, suppression: Suppression::Baseline }));
        }
        self.recompute();
    }

    /// Accept every reported finding into the baseline (after `--write-baseline`).
    pub fn accept_all(&mut self) {
        for p in &mut self.projects {
            let findings = std::mem::take(&mut p.findings);
            p.suppressed
                .extend(findings.into_iter().map(|finding| Suppressed { finding, suppression: Suppression::Baseline }));
        }
        self.recompute();
    }

    /// Stop listing findings below `floor` (`--severity`); the summary, the decision and the score
    /// keep counting them.
    pub fn hide_below(&mut self, floor: Severity) {
        for p in &mut self.projects {
            let before = p.findings.len();
            p.findings.retain(|f| f.severity >= floor);
            self.stats.hidden += before - p.findings.len();
        }
    }

    /// Recompute the summary, the decision, the score and the counters from the projects.
    pub fn recompute(&mut self) {
        self.fail_on = self.projects.first().map(ProjectResult::fail_on).unwrap_or(Severity::High);
        let mut summary: BTreeMap<Severity, usize> = Severity::ALL.iter().map(|s| (*s, 0)).collect();
        let mut decision = Decision::Pass;
        for p in &self.projects {
            for f in &p.findings {
                *summary.entry(f.severity).or_default() += 1;
            }
            decision = decision.max(p.decision());
        }
        self.summary = summary;
        self.decision = decision;
        self.score = score(self.findings().map(|f| &f.severity), self.errors().count());
        self.stats.suppressed = self.projects.iter().map(|p| p.suppressed.len()).sum();
    }

    /// Every error of every project.
    pub fn errors(&self) -> impl Iterator<Item = &ErrorEntry> {
        self.projects.iter().flat_map(|p| p.errors.iter())
    }

    /// The process exit code: 2 for input or configuration errors, 1 for a failed gate, else 0.
    pub fn exit_code(&self) -> i32 {
        if self.errors().any(|e| e.kind != "evaluation") {
            2
        } else if self.decision == Decision::Fail {
            1
        } else {
            0
        }
    }
}

/// The score: `round(100 × e^(−penalty / 50))`, where the penalty adds 25 per critical finding or
/// error (load, configuration or evaluation), 10 per high, 4 per medium, 1 per low and 0 per info
/// finding.
///
/// Every term is non-negative and grows with severity, so more or worse findings never raise it.
pub fn score<'a>(severities: impl IntoIterator<Item = &'a Severity>, errors: usize) -> u32 {
    let penalty: f64 = severities
        .into_iter()
        .map(|s| match s {
            Severity::Critical => 25.0,
            Severity::High => 10.0,
            Severity::Medium => 4.0,
            Severity::Low => 1.0,
            Severity::Info => 0.0,
        })
        .sum::<f64>()
        + 25.0 * errors as f64;
    (100.0 * (-penalty / 50.0).exp()).round() as u32
}

/// The runtime with its packs loaded.
pub struct Engine {
    runtime: Runtime,
    packs: Vec<Pack>,
    config_packs: crate::policy::packs::ConfigPacks,
    /// Outcome of `check_settings` per (pack digest, settings JSON): the same for every project that
    /// shares them, so the schema is compiled and `validate-settings` instantiated once per run.
    settings_checked: std::sync::Mutex<HashMap<(String, String), Result<(), String>>>,
}

impl Engine {
    /// A runtime with the built-in packs; `cache` is the compiled-component cache (`None`: no cache).
    pub fn new(cache: Option<ComponentCache>) -> Result<Self, String> {
        let runtime = Runtime::new(RuntimeOptions { cache, ..RuntimeOptions::default() })
            .map_err(|e| format!("cannot start the policy runtime: {e}"))?;
        let packs: Result<Vec<Pack>, String> = BUILTIN_PACKS
            .par_iter()
            .map(|(id, bytes)| {
                runtime.load_pack(bytes, &format!("builtin:{id}"), Limits::default()).map_err(|e| e.to_string())
            })
            .collect();
        Ok(Self { runtime, packs: packs?, config_packs: Default::default(), settings_checked: Default::default() })
    }

    /// Add a pack from component bytes.
    pub fn add_pack(&mut self, bytes: &[u8], origin: &str, limits: Limits) -> Result<&Pack, String> {
        let pack = self.runtime.load_pack(bytes, origin, limits).map_err(|e| e.to_string())?;
        if self.packs.iter().any(|p| p.info.id == pack.info.id) {
            return Err(format!("{origin}: a pack with id `{}` is already loaded", pack.info.id));
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

    /// Check every project named by `options`.
    pub fn check(&self, options: &CheckOptions) -> Outcome {
        self.check_with(options, &NoProgress)
    }

    /// Check every project named by `options`, reporting progress per project.
    pub fn check_with(&self, options: &CheckOptions, progress: &dyn Progress) -> Outcome {
        let start = Instant::now();
        let loaded = self.load_all(options);
        progress.start(loaded.len());
        let mut projects: Vec<ProjectResult> = loaded
            .into_par_iter()
            .map(|(loaded, root)| {
                let started = Instant::now();
                let mut result = self.check_project(loaded, &root, options);
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
        outcome
    }

    /// Discover and load every project (see [`crate::discover`]), each with the root its
    /// configuration is looked for up to. Dockerfiles found while walking become standalone projects
    /// only when no compose project builds them.
    fn load_all(&self, options: &CheckOptions) -> Vec<(LoadedProject, PathBuf)> {
        let load_options = LoadOptions {
            files: options.files.clone(),
            project_directory: options.project_directory.clone(),
            profiles: options.profiles.clone(),
            env_files: options.env_files.clone(),
            ..LoadOptions::default()
        };
        if !options.files.is_empty() {
            let root = options
                .project_directory
                .clone()
                .or_else(|| options.files[0].parent().map(Path::to_path_buf))
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or_else(|| PathBuf::from("."));
            return vec![(plimsoll_model::load(&[], &load_options), root)];
        }
        let paths = if options.paths.is_empty() { vec![PathBuf::from(".")] } else { options.paths.clone() };
        let mut targets = Vec::new();
        let mut dockerfiles = Vec::new();
        let mut seen = HashSet::new();
        for path in &paths {
            let found = discover::discover(path);
            targets.extend(found.projects.into_iter().filter(|t| seen.insert(canonical(&t.path))));
            dockerfiles.extend(found.dockerfiles);
        }
        let mut loaded: Vec<(LoadedProject, PathBuf)> = targets
            .par_iter()
            .map(|t| (plimsoll_model::load(std::slice::from_ref(&t.path), &load_options), t.root.clone()))
            .collect();
        let built: HashSet<PathBuf> = loaded
            .iter()
            .flat_map(|(l, _)| {
                l.dockerfiles.iter().map(|d| canonical(&d.file)).chain(l.primary_file.iter().map(|f| canonical(f)))
            })
            .collect();
        let standalone: Vec<_> = dockerfiles
            .into_iter()
            .filter(|t| !built.contains(&canonical(&t.path)) && seen.insert(canonical(&t.path)))
            .collect();
        loaded.extend(
            standalone
                .par_iter()
                .map(|t| (plimsoll_model::load(std::slice::from_ref(&t.path), &load_options), t.root.clone()))
                .collect::<Vec<_>>(),
        );
        loaded
    }

    /// `Runtime::check_settings`, remembered per pack digest and settings text for the rest of the run.
    fn check_settings_once(&self, pack: &Pack, settings: &serde_json::Value, text: &str) -> Result<(), String> {
        let key = (pack.digest.clone(), text.to_string());
        if let Some(known) = self.settings_checked.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return known.clone();
        }
        let outcome = self.runtime.check_settings(pack, settings).map_err(|e| e.to_string());
        self.settings_checked.lock().unwrap_or_else(|e| e.into_inner()).insert(key, outcome.clone());
        outcome
    }

    fn check_project(&self, mut loaded: LoadedProject, root: &Path, options: &CheckOptions) -> ProjectResult {
        let path = loaded
            .primary_file
            .as_deref()
            .filter(|f| compose::is_dockerfile_name(f))
            .map(display_path)
            .unwrap_or_else(|| display_path(&loaded.directory));
        let path = if path.is_empty() { ".".to_string() } else { path };
        let name = loaded.model.name.clone();
        let mut result = ProjectResult {
            name: name.clone(),
            path,
            services: loaded.model.services.len(),
            findings: Vec::new(),
            suppressed: Vec::new(),
            duration_ms: 0,
            errors: Vec::new(),
            warnings: Vec::new(),
            outputs: Vec::new(),
            loaded: None,
            fail_on_threshold: None,
        };
        for d in &loaded.diagnostics {
            if d.is_error() {
                result.errors.push(ErrorEntry::at("load", &name, d.location.as_ref(), d.message.clone()));
            } else {
                result.warnings.push(WarningEntry { message: display_diagnostic(d), project: name.clone() });
            }
        }
        let config_path = options.config.clone().or_else(|| discover::find_config(&loaded.directory, root));
        let config_path = config_path.map(|p| PathBuf::from(display_path(&p)));
        let cfg = match config_path.as_deref().map(config::load).transpose() {
            Ok(cfg) => cfg.unwrap_or_default(),
            Err(message) => {
                result.errors.push(ErrorEntry::at("config", &name, None, message));
                result.loaded = Some(loaded);
                return result;
            }
        };
        let cfg_name = cfg.path.as_deref().map(display_path).unwrap_or_else(|| config::FILE_NAME.to_string());
        match cfg.host_profile() {
            Ok(host) => loaded.model.host = host,
            Err(message) => result.errors.push(ErrorEntry::at("config", &name, None, format!("{cfg_name}: {message}"))),
        }
        // Extra packs named by `packs:`, relative to the configuration file (see `policy::packs`).
        let base =
            cfg.path.as_deref().and_then(Path::parent).map_or_else(|| loaded.directory.clone(), Path::to_path_buf);
        let extra = self.config_packs.resolve(&self.runtime, &base, &cfg.config.packs, &self.packs);
        for e in &extra.errors {
            result.errors.push(ErrorEntry::at("config", &name, None, format!("{cfg_name}: {e}")));
        }
        let all_packs: Vec<&Pack> = self.packs.iter().chain(&extra.packs).collect();
        for rule in cfg.config.rules.keys().filter(|r| !host_rules::is_host_rule(r)) {
            if self.rule_info(rule).is_none() && !extra.has_rule(rule) {
                result.errors.push(ErrorEntry::at(
                    "config",
                    &name,
                    None,
                    format!("{cfg_name}: rules: unknown rule `{rule}` (see `plimsoll rules`)"),
                ));
            }
        }
        let mut jobs: Vec<(&Pack, String)> = Vec::new();
        for pack_id in cfg.config.settings.keys() {
            if !all_packs.iter().any(|p| &p.info.id == pack_id) {
                result.errors.push(ErrorEntry::at(
                    "config",
                    &name,
                    None,
                    format!("{cfg_name}: settings: unknown pack `{pack_id}`"),
                ));
            }
        }
        for pack in all_packs.iter().copied() {
            let settings = self.config_packs.settings_for(&pack.info.id, cfg.config.settings.get(&pack.info.id));
            let text = settings.to_string();
            match self.check_settings_once(pack, &settings, &text) {
                Ok(()) => jobs.push((pack, text)),
                Err(e) => result.errors.push(ErrorEntry::at("config", &name, None, format!("{cfg_name}: {e}"))),
            }
        }
        result.fail_on_threshold = Some(cfg.fail_on());
        if !result.errors.is_empty() {
            result.loaded = Some(loaded);
            return result;
        }
        let prepared = match PreparedProject::new(&loaded.model) {
            Ok(p) => p,
            Err(message) => {
                result.errors.push(ErrorEntry::at("load", &name, None, message));
                result.loaded = Some(loaded);
                return result;
            }
        };
        for evaluation in self.runtime.evaluate_all(&jobs, &prepared) {
            result.outputs.push((evaluation.pack.clone(), evaluation.output.clone()));
            match evaluation.result {
                Ok(raw) => {
                    let pack = all_packs.iter().find(|p| p.info.id == evaluation.pack).expect("evaluated pack exists");
                    for f in raw {
                        if let Some(finding) = self.locate(&loaded, pack, f, &cfg, &name) {
                            result.findings.push(finding);
                        }
                    }
                }
                Err(error) => result.errors.push(evaluation_error(&name, &evaluation.pack, &error)),
            }
        }
        result.findings.retain(|f| options.selects(&f.rule));
        let failed_packs: HashSet<String> = result.errors.iter().filter_map(|e| e.pack.clone()).collect();
        let evaluated = |rule: &str| {
            options.selects(rule)
                && rule.split_once('/').is_some_and(|(pack, _)| !failed_packs.contains(pack))
                && cfg.config.rules.get(rule).is_none_or(|s| s.severity().is_some())
        };
        let today = options.today.unwrap_or_else(config::Date::today);
        self.apply_exceptions(&mut result, &loaded, &cfg, today, options);
        self.apply_waivers(&mut result, &loaded, &cfg, &evaluated, options);
        let sort_key = |f: &Finding| (f.file.clone(), f.line, f.column, f.rule.clone(), f.message.clone());
        result.findings.sort_by_key(sort_key);
        result.suppressed.sort_by_key(|s| sort_key(&s.finding));
        result.loaded = Some(loaded);
        result
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

    /// Move the findings that `exceptions:` waive to `suppressed`; report expired exceptions that
    /// still match findings (those findings stay reported).
    fn apply_exceptions(
        &self,
        result: &mut ProjectResult,
        loaded: &LoadedProject,
        cfg: &config::Loaded,
        today: config::Date,
        options: &CheckOptions,
    ) {
        if cfg.config.exceptions.is_empty() {
            return;
        }
        let base = canonical(&cfg.directory());
        let globs: Vec<Vec<globset::GlobMatcher>> = cfg
            .config
            .exceptions
            .iter()
            .map(|e| e.files.iter().filter_map(|f| config::file_glob(f).ok()).collect())
            .collect();
        let config_file = cfg.path.as_deref().map(display_path).unwrap_or_else(|| config::FILE_NAME.to_string());
        let mut expired_hits: BTreeMap<usize, usize> = BTreeMap::new();
        let mut kept = Vec::new();
        for finding in std::mem::take(&mut result.findings) {
            let path = canonical(&finding.path);
            let relative = path.strip_prefix(&base).unwrap_or(&path).to_path_buf();
            let matching = cfg.config.exceptions.iter().enumerate().filter(|(i, e)| {
                e.covers_rule(&finding.rule)
                    && (e.services.is_empty() || finding.service.as_ref().is_some_and(|s| e.services.contains(s)))
                    && (globs[*i].is_empty() || globs[*i].iter().any(|g| g.is_match(&relative)))
            });
            let mut waived = None;
            for (i, e) in matching {
                if e.expires.is_some_and(|d| d < today) {
                    *expired_hits.entry(i).or_default() += 1;
                } else if waived.is_none() {
                    waived = Some(e);
                }
            }
            match waived {
                Some(e) => result.suppressed.push(Suppressed {
                    finding,
                    suppression: Suppression::Exception {
                        reason: e.reason.clone(),
                        file: config_file.clone(),
                        expires: e.expires.map(|d| d.to_string()),
                    },
                }),
                None => kept.push(finding),
            }
        }
        result.findings = kept;
        let Some(config_path) = cfg.path.clone() else { return };
        for (index, count) in expired_hits {
            let e = &cfg.config.exceptions[index];
            let (line, column) = cfg.exception_location(index).unwrap_or((1, 1));
            let expires = e.expires.map(|d| d.to_string()).unwrap_or_default();
            let message = format!(
                "exception for `{}` expired on {expires} ({}): its {count} finding{} {} reported again",
                e.rules.join("`, `"),
                e.reason,
                if count == 1 { "" } else { "s" },
                if count == 1 { "is" } else { "are" },
            );
            let help = "fix the findings, or extend `expires` with a new reason after review".to_string();
            let subject = format!("exceptions/{index}");
            if let Some(f) = self.host_finding(
                host_rules::EXPIRED_EXCEPTION,
                Location::new(config_path.clone(), line, column),
                message,
                help,
                &subject,
                loaded,
                cfg,
                options,
                &result.name,
            ) {
                result.findings.push(f);
            }
        }
    }

    /// Apply `# plimsoll-ignore:` comments of the project's compose files and Dockerfiles (and of
    /// any other file a finding points at); report invalid and unused waivers.
    fn apply_waivers(
        &self,
        result: &mut ProjectResult,
        loaded: &LoadedProject,
        cfg: &config::Loaded,
        evaluated: &dyn Fn(&str) -> bool,
        options: &CheckOptions,
    ) {
        let mut files: Vec<PathBuf> = loaded.model.files.iter().map(|f| loaded.directory.join(f)).collect();
        files.extend(loaded.dockerfiles.iter().map(|d| d.file.clone()));
        files.extend(result.findings.iter().map(|f| f.path.clone()));
        let mut seen = HashSet::new();
        files.retain(|f| seen.insert(canonical(f)));
        let mut waivers: Vec<(waivers::Waiver, PathBuf, bool)> = Vec::new();
        for file in files {
            let Some(text) = LoadedProject::read_source(&file) else { continue };
            if !text.contains(waivers::MARKER) {
                continue;
            }
            let key = canonical(&file);
            waivers.extend(waivers::scan(&text, &file).into_iter().map(|w| (w, key.clone(), false)));
        }
        if waivers.is_empty() {
            return;
        }
        let mut host = Vec::new();
        for (w, _, _) in &waivers {
            let place = Location::new(w.file.clone(), w.line, w.column);
            let subject = format!("waiver/{}", w.rules.join(","));
            let mut invalid = |message: String, help: &str| {
                host.push((host_rules::INVALID_WAIVER, place.clone(), message, help.to_string(), subject.clone()));
            };
            if w.rules.is_empty() {
                invalid(
                    "waiver names no rule".into(),
                    "write `# plimsoll-ignore: <pack>/<rule> -- <reason>` (see `plimsoll rules`)",
                );
            }
            if w.reason.is_none() {
                invalid(
                    format!("waiver for `{}` has no reason", w.rules.join("`, `")),
                    "add ` -- <why this is acceptable>` after the rule ids; a waiver without a reason waives nothing",
                );
            }
            for rule in &w.rules {
                if self.rule_info(rule).is_none() && !host_rules::is_host_rule(rule) {
                    invalid(format!("waiver names unknown rule `{rule}`"), "check the id with `plimsoll rules`");
                }
            }
        }
        let mut kept = Vec::new();
        for finding in std::mem::take(&mut result.findings) {
            let path = canonical(&finding.path);
            let waiver = waivers
                .iter_mut()
                .find(|(w, file, _)| *file == path && w.reason.is_some() && w.covers(&finding.rule, finding.line));
            match waiver {
                Some((w, _, used)) => {
                    *used = true;
                    let suppression = Suppression::Inline {
                        reason: w.reason.clone().unwrap_or_default(),
                        file: display_path(&w.file),
                        line: w.line,
                    };
                    result.suppressed.push(Suppressed { finding, suppression });
                }
                None => kept.push(finding),
            }
        }
        result.findings = kept;
        for (w, _, used) in &waivers {
            let known = w.rules.iter().all(|r| self.rule_info(r).is_some() || host_rules::is_host_rule(r));
            if !*used && w.reason.is_some() && known && !w.rules.is_empty() && w.rules.iter().all(|r| evaluated(r)) {
                host.push((
                    host_rules::UNUSED_WAIVER,
                    Location::new(w.file.clone(), w.line, w.column),
                    format!("waiver for `{}` waives no finding", w.rules.join("`, `")),
                    "remove the comment: nothing on the line it applies to is reported".to_string(),
                    format!("waiver/{}", w.rules.join(",")),
                ));
            }
        }
        for (rule, place, message, help, subject) in host {
            if let Some(f) = self.host_finding(rule, place, message, help, &subject, loaded, cfg, options, &result.name)
            {
                result.findings.push(f);
            }
        }
    }

    /// A finding of a host rule, after `rules:` and `--only`/`--skip`.
    #[allow(clippy::too_many_arguments)]
    fn host_finding(
        &self,
        rule: &str,
        place: Location,
        message: String,
        help: String,
        subject: &str,
        loaded: &LoadedProject,
        cfg: &config::Loaded,
        options: &CheckOptions,
        project: &str,
    ) -> Option<Finding> {
        let info = host_rules::rule(rule)?;
        let id = format!("{}/{rule}", host_rules::PACK);
        if !options.selects(&id) {
            return None;
        }
        let severity = match cfg.config.rules.get(&id) {
            Some(setting) => setting.severity()?,
            None => info.severity,
        };
        let fingerprint = fingerprint(&id, project, loaded, &place.file, None, &Subject::File(subject.to_string()));
        Some(Finding {
            rule: id,
            pack: host_rules::PACK.to_string(),
            severity,
            category: info.category,
            message,
            help: Some(help),
            file: display_path(&place.file),
            line: place.line,
            column: place.column,
            service: None,
            related: Vec::new(),
            fingerprint,
            project: project.to_string(),
            fix: None,
            path: place.file,
        })
    }

    /// The rule info for a `<pack>/<rule>` id (not the host rules: see [`host_rules`]).
    pub fn rule_info(&self, id: &str) -> Option<(&Pack, &plimsoll_runtime::RuleInfo)> {
        let (pack_id, rule_id) = id.split_once('/')?;
        let pack = self.packs.iter().find(|p| p.info.id == pack_id)?;
        Some((pack, pack.info.rule(rule_id)?))
    }

    fn locate(
        &self,
        loaded: &LoadedProject,
        pack: &Pack,
        raw: plimsoll_runtime::RawFinding,
        cfg: &config::Loaded,
        project: &str,
    ) -> Option<Finding> {
        let rule = pack.info.rule(&raw.rule)?;
        let id = format!("{}/{}", pack.info.id, rule.id);
        let severity = match cfg.config.rules.get(&id) {
            Some(setting) => setting.severity()?,
            None => raw.severity.unwrap_or(rule.severity),
        };
        let location = loaded
            .locate(&raw.subject)
            .or_else(|| loaded.primary_file.as_ref().map(|f| Location::start_of(f.clone())))
            .unwrap_or_else(|| Location::start_of(loaded.directory.clone()));
        let related = raw
            .related
            .iter()
            .filter_map(|s| loaded.locate(s))
            .map(|l| Position { file: display_path(&l.file), line: l.line, column: l.column })
            .collect();
        let service = loaded.service_of(&raw.subject);
        let file = display_path(&location.file);
        let fingerprint = fingerprint(&id, project, loaded, &location.file, service.as_deref(), &raw.subject);
        Some(Finding {
            rule: id,
            pack: pack.info.id.clone(),
            severity,
            category: rule.category.clone(),
            message: raw.message,
            help: raw.help,
            file,
            line: location.line,
            column: location.column,
            service,
            related,
            fingerprint,
            project: project.to_string(),
            fix: raw.fix,
            path: location.file,
        })
    }
}

impl Decision {
    /// `pass`, `warn` or `fail`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Pass => "pass",
            Decision::Warn => "warn",
            Decision::Fail => "fail",
        }
    }
}

/// The decision for findings of these severities under `fail_on`: `fail` when one reaches it or
/// when there is an error (a project that could not be loaded, configured or evaluated is not
/// verified), else `warn` when there is any finding, else `pass`.
pub fn decide<'a>(severities: impl IntoIterator<Item = &'a Severity>, fail_on: Severity, errors: usize) -> Decision {
    let mut decision = if errors > 0 { Decision::Fail } else { Decision::Pass };
    for s in severities {
        if *s >= fail_on {
            return Decision::Fail;
        }
        if decision == Decision::Pass {
            decision = Decision::Warn;
        }
    }
    decision
}

impl ProjectResult {
    /// This project's decision under its own `fail-on`.
    pub fn decision(&self) -> Decision {
        decide(self.findings.iter().map(|f| &f.severity), self.fail_on(), self.errors.len())
    }

    /// The gate threshold of this project's configuration.
    pub fn fail_on(&self) -> Severity {
        self.fail_on_threshold.unwrap_or(Severity::High)
    }
}

fn evaluation_error(project: &str, pack: &str, error: &EvalError) -> ErrorEntry {
    ErrorEntry {
        kind: "evaluation",
        file: None,
        line: None,
        column: None,
        pack: Some(pack.to_string()),
        error: Some(error.kind()),
        message: format!("pack `{pack}`: {error}"),
        project: project.to_string(),
    }
}

/// A fingerprint that survives unrelated edits: rule, file (relative to the project), service or
/// Dockerfile stage and instruction, and the subject path — never line numbers.
fn fingerprint(
    rule: &str,
    project: &str,
    loaded: &LoadedProject,
    file: &Path,
    service: Option<&str>,
    subject: &Subject,
) -> String {
    let directory = canonical(&loaded.directory);
    let file = canonical(file);
    let relative = file.strip_prefix(&directory).unwrap_or(&file);
    let mut hasher = Sha256::new();
    hasher.update(rule.as_bytes());
    hasher.update([0]);
    hasher.update(project.as_bytes());
    hasher.update([0]);
    hasher.update(relative.to_string_lossy().as_bytes());
    hasher.update([0]);
    hasher.update(service.unwrap_or("").as_bytes());
    hasher.update([0]);
    match subject {
        Subject::Project => hasher.update(b"project"),
        Subject::Compose(path) => hasher.update(path.join("\u{1f}").as_bytes()),
        Subject::Instruction(r) => {
            let text = loaded
                .model
                .dockerfiles
                .get(r.dockerfile as usize)
                .and_then(|d| d.instructions.get(r.instruction as usize))
                .map(|i| format!("{:?}\u{1f}{}\u{1f}{}", i.stage, i.keyword, i.text))
                .unwrap_or_default();
            hasher.update(text.as_bytes())
        }
        Subject::File(path) => hasher.update(path.as_bytes()),
    }
    hex::encode(&hasher.finalize()[..8])
}

/// A path as shown to the user: relative to the working directory when below it.
pub fn display_path(path: &Path) -> String {
    let shown = match std::env::current_dir() {
        Ok(cwd) => relative_path(path, &cwd),
        Err(_) => path.to_path_buf(),
    };
    let text = shown.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").map(str::to_string).unwrap_or(text)
}

/// `path` relative to `base` when both are absolute and share more than the root
/// (`/w/shared/x` from `/w/main` is `../shared/x`); else `path` as given.
fn relative_path(path: &Path, base: &Path) -> PathBuf {
    use std::path::Component;
    if let Ok(below) = path.strip_prefix(base) {
        return below.to_path_buf();
    }
    if !path.is_absolute() || !base.is_absolute() {
        return path.to_path_buf();
    }
    let (p, b): (Vec<Component>, Vec<Component>) = (path.components().collect(), base.components().collect());
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common <= 1 {
        return path.to_path_buf();
    }
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c.as_os_str());
    }
    out
}

fn display_diagnostic(d: &plimsoll_model::Diagnostic) -> String {
    match &d.location {
        Some(l) => format!("{}:{}:{}: {}", display_path(&l.file), l.line, l.column, d.message),
        None => d.message.clone(),
    }
}

fn duration_ms(d: Duration) -> u64 {
    d.as_millis().min(u128::from(u64::MAX)) as u64
}

#[cfg(test)]
mod display_path_tests {
    use std::path::{Path, PathBuf};

    use super::relative_path;

    #[test]
    fn paths_are_shown_relative_to_the_working_directory() {
        let base = Path::new("/work/main/host/cli");
        assert_eq!(relative_path(Path::new("/work/main/host/cli/a.yaml"), base), PathBuf::from("a.yaml"));
        assert_eq!(
            relative_path(Path::new("/work/main/examples/x/compose.yaml"), base),
            PathBuf::from("../../examples/x/compose.yaml")
        );
        assert_eq!(relative_path(Path::new("/etc/compose.yaml"), base), PathBuf::from("/etc/compose.yaml"));
        assert_eq!(relative_path(Path::new("rel/c.yaml"), base), PathBuf::from("rel/c.yaml"));
    }
}
