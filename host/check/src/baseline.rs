//! Baselines: the fingerprints of the findings a team accepted on the day it adopted Plimsoll.
//!
//! `--write-baseline FILE` records today's findings; `--baseline FILE` hides the findings whose
//! fingerprint it records, so only new findings are reported. Each entry names the project it was
//! recorded for by its identity (its path relative to the repository root), and fingerprints use
//! that identity, the rule, the file relative to its project and the subject — never line numbers
//! or the project's name (see [`crate::locate`]). A fingerprint recorded N times hides at most N
//! findings of that project. An entry of a checked project that matches nothing is stale: it is
//! reported (`plimsoll/stale-baseline-entry`, at its line of the file) and `--prune-baseline`
//! removes it ([`crate::baselined`] is the pipeline step). The file is JSON, sorted, one entry per
//! finding, readable in a review. This module reads and writes the file; it never filters findings.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::FileError;
use crate::host_rules;
use crate::outcome::{Outcome, Suppression};

/// The version of the baseline file format (2: entries name their project, fingerprints use the
/// project's path instead of its name).
pub const VERSION: u32 = 2;

/// A baseline file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineFile {
    /// Format version ([`VERSION`]).
    pub version: u32,
    /// One entry per accepted finding.
    pub findings: Vec<Entry>,
}

/// One accepted finding: its fingerprint and project, and what it was, for people reading the file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The project's identity (its path relative to the repository root).
    pub project: String,
    /// The finding's fingerprint.
    pub fingerprint: String,
    /// Rule id.
    pub rule: String,
    /// File as shown when it was recorded.
    pub file: String,
    /// Message when it was recorded.
    pub message: String,
}

/// A loaded baseline: its entries, and where each is in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    /// The file it was read from (`None`: built in memory).
    pub path: Option<PathBuf>,
    /// The entries, in file order.
    pub entries: Vec<Entry>,
    /// The 1-based line of each entry in the file.
    pub lines: Vec<u32>,
}

impl Baseline {
    /// Read a baseline file; errors name the file.
    pub fn load(path: &Path) -> Result<Baseline, FileError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| FileError::new(path, format!("cannot read the baseline: {e}")))?;
        let version = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("version").and_then(serde_json::Value::as_u64));
        if let Some(version) = version.filter(|v| *v != u64::from(VERSION)) {
            return Err(FileError::new(
                path,
                format!(
                    "baseline version {version} is not supported (expected {VERSION}; fingerprints now identify a project \
                     by its path in the repository, not its name): write it again with --write-baseline"
                ),
            ));
        }
        let file: BaselineFile = serde_json::from_str(&text).map_err(|e| {
            FileError::at(path, e.line() as u32, e.column() as u32, format!("not a plimsoll baseline: {e}"))
        })?;
        let lines = entry_lines(&text, &file.findings);
        Ok(Baseline { path: Some(path.to_path_buf()), entries: file.findings, lines })
    }

    /// A baseline of these entries, as if read from no file.
    pub fn from_entries(entries: Vec<Entry>) -> Baseline {
        let lines = vec![1; entries.len()];
        Baseline { path: None, entries, lines }
    }

    /// The file text without the entries at `stale` (indices into [`Baseline::entries`]).
    pub fn pruned(&self, stale: &[usize]) -> String {
        let kept: Vec<Entry> =
            self.entries.iter().enumerate().filter(|(i, _)| !stale.contains(i)).map(|(_, e)| e.clone()).collect();
        render_entries(kept)
    }
}

/// The line of each entry's fingerprint (entries are objects in file order, so the first
/// `"<fingerprint>"` after the previous entry's belongs to the next entry).
fn entry_lines(text: &str, entries: &[Entry]) -> Vec<u32> {
    let mut lines = Vec::with_capacity(entries.len());
    let mut from = 0;
    for entry in entries {
        let needle = format!("\"{}\"", entry.fingerprint);
        match text[from..].find(&needle) {
            Some(at) => {
                from += at + needle.len();
                lines.push(text[..from].matches('\n').count() as u32 + 1);
            }
            None => lines.push(1),
        }
    }
    lines
}

/// The baseline file text recording every reported finding of `outcome` (listed, hidden by
/// `--severity`, or already in the baseline).
pub fn render(outcome: &Outcome) -> String {
    let entries: Vec<Entry> = outcome
        .projects
        .iter()
        .flat_map(|p| {
            let baselined = p.suppressed.iter().filter(|s| s.suppression == Suppression::Baseline).map(|s| &s.finding);
            p.all_findings()
                .filter(|f| f.rule != format!("{}/{}", host_rules::PACK, host_rules::STALE_BASELINE_ENTRY))
                .chain(baselined)
                .map(|f| Entry {
                    project: p.id.clone(),
                    fingerprint: f.fingerprint.clone(),
                    rule: f.rule.clone(),
                    file: f.file.clone(),
                    message: f.message.clone(),
                })
        })
        .collect();
    render_entries(entries)
}

fn render_entries(mut entries: Vec<Entry>) -> String {
    entries.sort();
    let file = BaselineFile { version: VERSION, findings: entries };
    serde_json::to_string_pretty(&file).unwrap_or_default() + "\n"
}
