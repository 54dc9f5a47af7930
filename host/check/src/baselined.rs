//! Baselined: the pipeline step that hides the findings a [`Baseline`] records and reports its
//! stale entries.
//!
//! Entries apply to the project they name (its identity, see [`crate::repository`]); each recorded
//! occurrence hides one finding. An entry of a checked project whose rule ran and that hid nothing
//! is reported as `plimsoll/stale-baseline-entry` at its line of the file. This step only moves
//! findings and adds host findings; it never reads or writes the file.

use std::collections::BTreeMap;

use plimsoll_model::Location;

use crate::baseline::Baseline;
use crate::configure::Context;
use crate::outcome::{Finding, ProjectResult, Suppressed, Suppression};
use crate::{host_rules, locate};

/// Hide the findings of `result`'s project that `baseline` records (each recorded occurrence hides
/// one finding); they stay visible as waived by the baseline. Entries of this project that match
/// nothing, for a rule that ran (`evaluated`), are reported as stale and remembered in
/// `result.stale_baseline`.
pub fn apply(context: &Context, result: &mut ProjectResult, baseline: &Baseline, evaluated: &dyn Fn(&str) -> bool) {
    let mut open: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, e) in baseline.entries.iter().enumerate().filter(|(_, e)| e.project == context.id) {
        open.entry(e.fingerprint.as_str()).or_default().push(i);
    }
    if open.is_empty() {
        return;
    }
    let (hidden, kept): (Vec<Finding>, Vec<Finding>) = std::mem::take(&mut result.findings)
        .into_iter()
        .partition(|f| open.get_mut(f.fingerprint.as_str()).and_then(|indices| indices.pop()).is_some());
    result.findings = kept;
    result
        .suppressed
        .extend(hidden.into_iter().map(|finding| Suppressed { finding, suppression: Suppression::Baseline }));
    let mut stale: Vec<usize> =
        open.into_values().flatten().filter(|i| evaluated(&baseline.entries[*i].rule)).collect();
    stale.sort_unstable();
    let Some(file) = &baseline.path else {
        result.stale_baseline = stale;
        return;
    };
    for &i in &stale {
        let entry = &baseline.entries[i];
        let message = format!(
            "baseline entry for `{}` at {} matches no finding any more: {}",
            entry.rule, entry.file, entry.message
        );
        let help = "remove it with `--prune-baseline`, so it cannot hide a future finding".to_string();
        let place = Location::new(file.clone(), baseline.lines[i], 5);
        let subject = format!("baseline/{}", entry.fingerprint);
        if let Some(f) = locate::host_finding(context, host_rules::STALE_BASELINE_ENTRY, place, message, help, &subject)
        {
            result.findings.push(f);
        }
    }
    result.stale_baseline = stale;
}
