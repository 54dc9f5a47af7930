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
