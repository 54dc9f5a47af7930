//! What a check produces: located findings, waived findings, errors and warnings per project, and
//! the run's decision, score and counters.
//!
//! These are plain data. Every file a value names is shown the way the check's
//! [`crate::PathStyle`] says (relative to the project root by default; the CLI asks for its working
//! directory). Nothing here reads configuration, evaluates or decides: the decision and the score
//! are derived from the findings by [`crate::gate`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use plimsoll_model::{LoadedProject, Location};
use plimsoll_runtime::Severity;
use serde::Serialize;

use crate::gate::{self, Decision};

/// A place in a file, for output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Position {
    /// File path as shown.
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
    /// File as shown.
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
        /// The configuration file as shown.
        file: String,
        /// Its `expires` date, when set.
        #[serde(skip_serializing_if = "Option::is_none")]
        expires: Option<String>,
    },
    /// A `# plimsoll-ignore:` comment.
    Inline {
        /// Its reason.
        reason: String,
        /// Where the comment is, as shown.
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

/// What kind of error an [`ErrorEntry`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorKind {
    /// The project could not be loaded (a broken compose file, a missing Dockerfile, …).
    Load,
    /// The configuration is wrong (`plimsoll.yaml`, a pack it names, pack settings).
    Config,
    /// A pack failed while evaluating (trap, timeout, memory, malformed answer).
    Evaluation,
}

impl ErrorKind {
    /// `load`, `config` or `evaluation`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Load => "load",
            ErrorKind::Config => "config",
            ErrorKind::Evaluation => "evaluation",
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What identifies an error across projects (see [`ErrorEntry::key`]).
pub type ErrorKey<'a> = (ErrorKind, Option<&'a str>, Option<u32>, Option<u32>, Option<&'a str>, &'a str);

/// A load, configuration or evaluation error, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorEntry {
    /// What failed.
    pub kind: ErrorKind,
    /// The file as shown, when known.
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
    /// What makes two errors the same error (reported once): kind, place, pack and message; an
    /// error with no file belongs to its project alone.
    pub fn key(&self) -> ErrorKey<'_> {
        let project = if self.file.is_none() { Some(self.project.as_str()) } else { None };
        (
            self.kind,
            self.file.as_deref().or(project),
            self.line,
            self.column,
            self.pack.as_deref(),
            self.message.as_str(),
        )
    }

    /// An error of `kind` in `project`, at `location` when known (its file shown with `show`).
    pub fn at(
        kind: ErrorKind,
        project: &str,
        show: &dyn Fn(&Path) -> String,
        location: Option<&Location>,
        message: String,
    ) -> Self {
        Self {
            kind,
            file: location.map(|l| show(&l.file)),
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

impl WarningEntry {
    /// A warning of `project` at `location` (its file shown with `show`).
    pub fn new(project: &str, show: &dyn Fn(&Path) -> String, location: Option<&Location>, text: &str) -> Self {
        let message = match location {
            Some(l) => format!("{}:{}:{}: {text}", show(&l.file), l.line, l.column),
            None => text.to_string(),
        };
        WarningEntry { message, project: project.to_string() }
    }
}

/// What one project produced.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectResult {
    /// Project name.
    pub name: String,
    /// The path it was loaded from: as the caller named it, or shown in the check's path style.
    pub path: String,
    /// Its identity: the project's path relative to the repository root (`.` for the root), the
    /// same from any working directory; fingerprints and baselines use it.
    pub id: String,
    /// The configuration files it used, shown in the check's path style: the file, then the ones it
    /// extends (empty: the defaults).
    pub config: Vec<String>,
    /// Number of services.
    pub services: usize,
    /// Located findings, sorted by file, line, rule.
    pub findings: Vec<Finding>,
    /// Findings waived by exceptions, inline waivers or the baseline.
    pub suppressed: Vec<Suppressed>,
    /// Findings below `--severity` that do not reach `fail-on`: not listed, still counted.
    #[serde(skip)]
    pub hidden: Vec<Finding>,
    /// The indices (in the baseline file) of the baseline entries of this project that matched
    /// nothing (see [`crate::baseline`]).
    #[serde(skip)]
    pub stale_baseline: Vec<usize>,
    /// The repository root the project belongs to (absolute).
    #[serde(skip)]
    pub repository: PathBuf,
    /// Time to configure, evaluate and filter this project (loading excluded), in milliseconds.
    pub duration_ms: u64,
    /// Errors.
    pub errors: Vec<ErrorEntry>,
    /// Warnings.
    pub warnings: Vec<WarningEntry>,
    /// What policies printed or logged, per pack (shown with `--verbose`).
    #[serde(skip)]
    pub outputs: Vec<(String, String)>,
    /// The budget accounts packs reported (`host.report-budget`), per pack, for the reports.
    #[serde(skip)]
    pub pack_budgets: Vec<(String, plimsoll_runtime::Budget)>,
    /// How long each pack's evaluation took.
    #[serde(skip)]
    pub timings: Vec<(String, std::time::Duration)>,
    /// The rules of the packs this project's configuration added (`packs:`).
    #[serde(skip)]
    pub extra_rules: Vec<RuleMeta>,
    /// The loaded project (for source snippets and resource tables).
    #[serde(skip)]
    pub loaded: Option<LoadedProject>,
    /// `fail-on` of the project's configuration.
    #[serde(skip)]
    pub fail_on_threshold: Option<Severity>,
    /// The rules in force for this project with their configured severity (selected, not `off`,
    /// their pack evaluated): the applicable checks of the score.
    #[serde(skip)]
    pub rules_in_force: Vec<(String, Severity)>,
}

impl ProjectResult {
    /// This project's decision under its own `fail-on` (hidden findings count).
    pub fn decision(&self) -> Decision {
        gate::decide(self.all_findings().map(|f| &f.severity), self.fail_on(), self.errors.len())
    }

    /// Every reported finding, listed or hidden by `--severity`.
    pub fn all_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().chain(&self.hidden)
    }

    /// What this project's score is made of (hidden findings count, waived ones do not).
    pub fn tally(&self) -> gate::Tally {
        gate::Tally::new(
            self.rules_in_force.iter().map(|(id, s)| (id.as_str(), *s)),
            self.services,
            self.all_findings().map(|f| (f.rule.as_str(), f.service.as_deref(), f.severity)),
            self.errors.len(),
        )
    }

    /// The gate threshold of this project's configuration.
    pub fn fail_on(&self) -> Severity {
        self.fail_on_threshold.unwrap_or(Severity::High)
    }

    /// Sort the findings and waived findings by file, line, column, rule and message.
    pub fn sort_findings(&mut self) {
        let key = |f: &Finding| (f.file.clone(), f.line, f.column, f.rule.clone(), f.message.clone());
        self.findings.sort_by_key(key);
        self.suppressed.sort_by_key(|s| key(&s.finding));
    }
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

/// The outcome of a check.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The gate's decision.
    pub decision: Decision,
    /// 0–100, see [`gate::score`].
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
    pub rules: Arc<Vec<RuleMeta>>,
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

    /// Every error of the run, once: an error that several projects share (a broken
    /// `plimsoll.yaml` they all use) is listed for the first of them only.
    pub fn errors(&self) -> impl Iterator<Item = &ErrorEntry> {
        let mut seen = std::collections::HashSet::new();
        self.projects.iter().flat_map(|p| p.errors.iter()).filter(move |e| seen.insert(e.key()))
    }

    /// The number of projects that share `error` (1 for an error of one project).
    pub fn projects_with(&self, error: &ErrorEntry) -> usize {
        let key = error.key();
        self.projects.iter().filter(|p| p.errors.iter().any(|e| e.key() == key)).count()
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

    /// Stop listing findings below `floor` (`--severity`) that do not fail the gate; the
    /// summary, every decision and the score keep counting them. A finding that fails the gate is
    /// always listed, so no report can say less about the gate than the exit code does.
    pub fn hide_below(&mut self, floor: Severity) {
        for p in &mut self.projects {
            let fail_on = p.fail_on();
            let (listed, hidden): (Vec<Finding>, Vec<Finding>) =
                std::mem::take(&mut p.findings).into_iter().partition(|f| f.severity >= floor || f.severity >= fail_on);
            p.findings = listed;
            p.hidden.extend(hidden);
        }
        self.stats.hidden = self.projects.iter().map(|p| p.hidden.len()).sum();
    }

    /// Findings reported in all (listed, or hidden by `--severity`).
    pub fn total_findings(&self) -> usize {
        self.summary.values().sum()
    }

    /// Recompute the summary, the decision, the score and the counters from the projects.
    pub fn recompute(&mut self) {
        self.fail_on = self.projects.first().map(ProjectResult::fail_on).unwrap_or(Severity::High);
        let mut summary: BTreeMap<Severity, usize> = Severity::ALL.iter().map(|s| (*s, 0)).collect();
        let mut decision = Decision::Pass;
        for p in &self.projects {
            for f in p.all_findings() {
                *summary.entry(f.severity).or_default() += 1;
            }
            decision = decision.max(p.decision());
        }
        self.summary = summary;
        self.decision = decision;
        // Errors several projects share count once, as in the listing.
        let tally = self.projects.iter().map(ProjectResult::tally).fold(gate::Tally::default(), gate::Tally::plus);
        self.score = gate::score(gate::Tally { errors: self.errors().count(), ..tally });
        self.stats.suppressed = self.projects.iter().map(|p| p.suppressed.len()).sum();
    }

    /// The process exit code: 2 for input or configuration errors, 1 for a failed gate, else 0
    /// (see [`gate::exit_code`]).
    pub fn exit_code(&self) -> i32 {
        gate::exit_code(self.errors().any(|e| e.kind != ErrorKind::Evaluation), self.decision)
    }
}
