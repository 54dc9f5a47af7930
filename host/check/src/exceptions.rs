//! Exceptions: the `exceptions:` entries of `plimsoll.yaml` that waive findings, and the host
//! finding for an exception past its `expires` date.
//!
//! A finding is waived by the first matching exception that has not expired; it moves to the
//! project's waived findings with the exception's reason. An expired exception that still matches
//! findings waives nothing and is reported (`plimsoll/expired-exception`) at its entry.

use std::collections::BTreeMap;

use plimsoll_model::Location;

use crate::configure::Context;
use crate::load::canonical;
use crate::outcome::{ProjectResult, Suppressed, Suppression};
use crate::{config, host_rules, locate};

/// Move the findings that `exceptions:` waive to `result.suppressed`; report expired exceptions
/// that still match findings (those findings stay reported).
pub fn apply(context: &Context, result: &mut ProjectResult) {
    let cfg = context.cfg();
    if cfg.config.exceptions.is_empty() {
        return;
    }
    let today = context.options.today.unwrap_or_else(config::Date::today);
    // `files:` patterns are relative to the configuration file that holds the entry (a file may
    // extend another), or to the project root for a configuration given as a value.
    let directory_of = |file: &std::path::Path| match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let bases: Vec<std::path::PathBuf> = cfg
        .config
        .exceptions
        .iter()
        .map(|e| canonical(&e.origin.as_ref().map_or_else(|| context.root().to_path_buf(), |(f, ..)| directory_of(f))))
        .collect();
    let files: Vec<String> = cfg
        .config
        .exceptions
        .iter()
        .map(|e| e.origin.as_ref().map_or_else(|| config::FILE_NAME.to_string(), |(f, ..)| context.show(f)))
        .collect();
    let globs: Vec<Vec<globset::GlobMatcher>> = cfg
        .config
        .exceptions
        .iter()
        .map(|e| e.files.iter().filter_map(|f| config::file_glob(f).ok()).collect())
        .collect();
    let mut expired_hits: BTreeMap<usize, usize> = BTreeMap::new();
    let mut kept = Vec::new();
    for finding in std::mem::take(&mut result.findings) {
        let path = context.paths.of(&finding.path);
        let matching = cfg.config.exceptions.iter().enumerate().filter(|(i, e)| {
            let relative = path.strip_prefix(&bases[*i]).unwrap_or(&path);
            e.covers_rule(&finding.rule)
                && (e.services.is_empty() || finding.service.as_ref().is_some_and(|s| e.services.contains(s)))
                && (globs[*i].is_empty() || globs[*i].iter().any(|g| g.is_match(relative)))
        });
        let mut waived = None;
        for (i, e) in matching {
            if e.expires.is_some_and(|d| d < today) {
                *expired_hits.entry(i).or_default() += 1;
            } else if waived.is_none() {
                waived = Some((i, e));
            }
        }
        match waived {
            Some((i, e)) => result.suppressed.push(Suppressed {
                finding,
                suppression: Suppression::Exception {
                    reason: e.reason.clone(),
                    file: files[i].clone(),
                    expires: e.expires.map(|d| d.to_string()),
                },
            }),
            None => kept.push(finding),
        }
    }
    result.findings = kept;
    for (index, count) in expired_hits {
        let e = &cfg.config.exceptions[index];
        let Some((config_path, line, column)) = e.origin.clone() else { continue };
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
        let place = Location::new(config_path, line, column);
        if let Some(f) = locate::host_finding(context, host_rules::EXPIRED_EXCEPTION, place, message, help, &subject) {
            result.findings.push(f);
        }
    }
}
