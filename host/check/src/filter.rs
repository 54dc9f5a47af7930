//! Filter: what the configuration and the selection let through, and in which order.
//!
//! `rules:` in `plimsoll.yaml` re-grades a rule or turns it `off`; `--only`/`--skip` select rules
//! and packs ([`crate::CheckOptions::selects`]); findings are sorted by file, line, column, rule and
//! message. Nothing here waives a finding: exceptions, inline waivers and the baseline are their
//! own steps, and each waived finding stays visible as waived.

use plimsoll_runtime::Severity;

use crate::config;
use crate::outcome::{Finding, ProjectResult};

/// The severity `rules:` gives rule `id` whose finding has `default`; `None` when it is `off`.
pub fn configured_severity(cfg: &config::Loaded, id: &str, default: Severity) -> Option<Severity> {
    match cfg.config.rules.get(id) {
        Some(setting) => setting.severity(),
        None => Some(default),
    }
}

/// Sort a project's findings and waived findings by file, line, column, rule and message.
pub fn sort(result: &mut ProjectResult) {
    let key = |f: &Finding| (f.file.clone(), f.line, f.column, f.rule.clone(), f.message.clone());
    result.findings.sort_by_key(key);
    result.suppressed.sort_by_key(|s| key(&s.finding));
}
