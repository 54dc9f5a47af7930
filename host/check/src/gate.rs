//! The gate: the decision, the score and the exit code, derived from findings and errors.
//!
//! Pure functions over severities and counts; nothing here filters or locates findings. Both the
//! decision and the score are monotone: more or worse findings never make them better.

use plimsoll_runtime::Severity;
use serde::Serialize;

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

/// The weight of a check of this severity in the score: 10 critical, 6 high, 3 medium, 1 low,
/// 0 info.
pub fn weight(severity: Severity) -> f64 {
    match severity {
        Severity::Critical => 10.0,
        Severity::High => 6.0,
        Severity::Medium => 3.0,
        Severity::Low => 1.0,
        Severity::Info => 0.0,
    }
}

/// The highest score a run with a critical finding can have.
pub const CRITICAL_CAP: u32 = 40;
/// The highest score a run with an error (load, configuration or evaluation) can have: part of
/// it was not verified.
pub const ERROR_CAP: u32 = 20;

/// What the score of one project is made of: the checks that applied and the ones that failed.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    /// Sum of the weights of every applicable check: each rule in force, at its configured
    /// severity, once per service (once for a project without services).
    pub applicable: f64,
    /// Sum of the weights of the failed checks: each distinct (rule, service) pair with findings
    /// (findings about no service are one pair per rule), at its worst finding's severity.
    pub failed: f64,
    /// Whether a finding is critical.
    pub critical: bool,
    /// Errors of the project.
    pub errors: usize,
}

impl Tally {
    /// The tally of a project with `services` services, `rules` in force (`(id, severity)`) and
    /// these findings (`(rule, service, severity)`).
    pub fn new<'a>(
        rules: impl IntoIterator<Item = (&'a str, Severity)>,
        services: usize,
        findings: impl IntoIterator<Item = (&'a str, Option<&'a str>, Severity)>,
        errors: usize,
    ) -> Self {
        let units = services.max(1) as f64;
        let applicable = rules.into_iter().map(|(_, s)| weight(s) * units).sum();
        let mut worst: std::collections::BTreeMap<(&str, Option<&str>), Severity> = Default::default();
        let mut critical = false;
        for (rule, service, severity) in findings {
            critical |= severity == Severity::Critical;
            let entry = worst.entry((rule, service)).or_insert(severity);
            *entry = (*entry).max(severity);
        }
        let failed = worst.values().map(|s| weight(*s)).sum();
        Tally { applicable, failed, critical, errors }
    }

    /// Two tallies as one (several projects in one run).
    pub fn plus(self, other: Tally) -> Tally {
        Tally {
            applicable: self.applicable + other.applicable,
            failed: self.failed + other.failed,
            critical: self.critical || other.critical,
            errors: self.errors + other.errors,
        }
    }
}

/// What a failed check costs, in passing checks of the same weight: calibrated on the acceptance
/// stacks, so that nsn-local (a hand review gave it 72/100, with no critical problem) scores 74.
pub const FAILURE_COST: f64 = 4.0;

/// The score, 0–100: the weighted share of applicable checks that pass, each failed check
/// costing [`FAILURE_COST`] of them: `round(100 × max(0, 1 − 4 × failed / applicable))` (see
/// [`Tally`]; with nothing applicable, 100 unless something failed), at most [`CRITICAL_CAP`]
/// with a critical finding and [`ERROR_CAP`] with an error.
///
/// A rule that applies to 18 services is 18 checks, so fixing half of a project's problems moves
/// it about half-way. More findings only add failed pairs, worse ones only raise a pair's weight,
/// and the applicable checks do not depend on the findings: more or worse findings never raise it.
pub fn score(tally: Tally) -> u32 {
    let ratio = if tally.applicable > 0.0 {
        (1.0 - FAILURE_COST * tally.failed / tally.applicable).clamp(0.0, 1.0)
    } else if tally.failed > 0.0 {
        0.0
    } else {
        1.0
    };
    let mut score = (100.0 * ratio).round() as u32;
    if tally.critical {
        score = score.min(CRITICAL_CAP);
    }
    if tally.errors > 0 {
        score = score.min(ERROR_CAP);
    }
    score
}

/// The process exit code: 2 when the input or the configuration is broken (a load or
/// configuration error), 1 for a failed gate, else 0.
pub fn exit_code(input_errors: bool, decision: Decision) -> i32 {
    if input_errors {
        2
    } else if decision == Decision::Fail {
        1
    } else {
        0
    }
}
