//! Baselines: the fingerprints of the findings a team accepted on the day it adopted Plimsoll.
//!
//! `--write-baseline FILE` records today's findings; `--baseline FILE` hides the findings whose
//! fingerprint it records, so only new findings are reported. Fingerprints use the rule, the project,
//! the file relative to its project, the service or Dockerfile instruction, and the subject path —
//! never line numbers — so unrelated edits keep them. A fingerprint recorded N times hides at most N
//! findings. The file is JSON, sorted, one entry per finding, readable in a review.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::FileError;
use crate::outcome::{Finding, Outcome, Suppressed, Suppression};

/// The version of the baseline file format.
pub const VERSION: u32 = 1;

/// A baseline file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineFile {
    /// Format version ([`VERSION`]).
    pub version: u32,
    /// One entry per accepted finding.
    pub findings: Vec<Entry>,
}

/// One accepted finding: its fingerprint, and what it was, for people reading the file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The finding's fingerprint.
    pub fingerprint: String,
    /// Rule id.
    pub rule: String,
    /// File as shown when it was recorded.
    pub file: String,
    /// Message when it was recorded.
    pub message: String,
}

/// A loaded baseline: how many findings each fingerprint may still hide.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    remaining: BTreeMap<String, usize>,
}

impl Baseline {
    /// Read a baseline file; errors name the file.
    pub fn load(path: &Path) -> Result<Baseline, FileError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| FileError::new(path, format!("cannot read the baseline: {e}")))?;
        let file: BaselineFile = serde_json::from_str(&text).map_err(|e| {
            FileError::at(path, e.line() as u32, e.column() as u32, format!("not a plimsoll baseline: {e}"))
        })?;
        if file.version != VERSION {
            return Err(FileError::new(
                path,
                format!(
                    "baseline version {} is not supported (expected {VERSION}): write it again with --write-baseline",
                    file.version
                ),
            ));
        }
        Ok(Baseline::from_fingerprints(file.findings.iter().map(|e| e.fingerprint.as_str())))
    }

    /// A baseline hiding these fingerprints (each once per occurrence).
    pub fn from_fingerprints<'a>(fingerprints: impl IntoIterator<Item = &'a str>) -> Baseline {
        let mut remaining = BTreeMap::new();
        for f in fingerprints {
            *remaining.entry(f.to_string()).or_insert(0) += 1;
        }
        Baseline { remaining }
    }

    /// Whether `finding` is in the baseline; each recorded occurrence hides one finding.
    pub fn take(&mut self, finding: &Finding) -> bool {
        match self.remaining.get_mut(&finding.fingerprint) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }
}

/// Hide the findings `baseline` records in `outcome` (each recorded occurrence hides one finding);
/// they stay visible as waived by the baseline.
pub fn apply(outcome: &mut Outcome, mut baseline: Baseline) {
    for p in &mut outcome.projects {
        let (hidden, kept): (Vec<Finding>, Vec<Finding>) =
            std::mem::take(&mut p.findings).into_iter().partition(|f| baseline.take(f));
        p.findings = kept;
        p.suppressed
            .extend(hidden.into_iter().map(|finding| Suppressed { finding, suppression: Suppression::Baseline }));
    }
    outcome.recompute();
}

/// The baseline file text recording `findings`.
pub fn render<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> String {
    let mut entries: Vec<Entry> = findings
        .into_iter()
        .map(|f| Entry {
            fingerprint: f.fingerprint.clone(),
            rule: f.rule.clone(),
            file: f.file.clone(),
            message: f.message.clone(),
        })
        .collect();
    entries.sort();
    let file = BaselineFile { version: VERSION, findings: entries };
    serde_json::to_string_pretty(&file).unwrap_or_default() + "\n"
}
