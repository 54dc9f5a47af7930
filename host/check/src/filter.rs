//! Filter: what the configuration and the selection let through, and in which order.
//!
//! `rules:` in `plimsoll.yaml` re-grades a rule or turns it `off`; `--only`/`--skip` select rules
//! and packs ([`crate::CheckOptions::selects`]); findings are then sorted
//! ([`crate::ProjectResult::sort_findings`]). Nothing here waives a finding: exceptions, inline waivers and the baseline are their
//! own steps, and each waived finding stays visible as waived.

use plimsoll_runtime::Severity;

use crate::config;

/// The severity `rules:` gives rule `id` whose finding has `default`; `None` when it is `off`.
pub fn configured_severity(cfg: &config::Loaded, id: &str, default: Severity) -> Option<Severity> {
    match cfg.config.rules.get(id) {
        Some(setting) => setting.severity(),
        None => Some(default),
    }
}
