//! Inline waivers: `# plimsoll-ignore: <rule>[, <rule>] -- <reason>` comments in compose files and
//! Dockerfiles.
//!
//! A waiver written after the content of a line (a trailing comment) applies to findings on that
//! line. A waiver on a line of its own applies to the next line that is neither blank nor a comment
//! (so several waiver lines can be stacked above one key or instruction); one in the comment block
//! at the top of a file also applies to findings about the whole file or project (line 1). A waiver
//! must give a reason and name known rules; one that does not is reported by the host rule
//! `plimsoll/invalid-waiver` and waives nothing, and a valid waiver that waives nothing is reported
//! by `plimsoll/unused-waiver`. Scanning ([`scan`]) only reads comments; [`apply`] moves the
//! findings they waive to the project's waived findings and raises the host findings.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use plimsoll_model::Location;

use crate::configure::Context;
use crate::outcome::{ProjectResult, Suppressed, Suppression};
use crate::{host_rules, locate};

/// The marker that starts a waiver in a comment.
pub const MARKER: &str = "plimsoll-ignore";

/// One `# plimsoll-ignore:` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    /// The file it is written in.
    pub file: PathBuf,
    /// 1-based line of the comment.
    pub line: u32,
    /// 1-based column of the `#`.
    pub column: u32,
    /// Lines whose findings it waives.
    pub targets: Vec<u32>,
    /// Rule ids as written.
    pub rules: Vec<String>,
    /// The text after `--`, if any.
    pub reason: Option<String>,
}

impl Waiver {
    /// Whether the waiver applies to a finding of `rule` at `line` of its file.
    pub fn covers(&self, rule: &str, line: u32) -> bool {
        self.targets.contains(&line) && self.rules.iter().any(|r| r == rule)
    }
}

/// Every waiver in `text`, the contents of `file`.
pub fn scan(text: &str, file: &Path) -> Vec<Waiver> {
    let lines: Vec<&str> = text.lines().collect();
    let is_comment_or_blank = |l: &str| {
        let t = l.trim_start();
        t.is_empty() || t.starts_with('#')
    };
    let header_end = lines.iter().position(|l| !is_comment_or_blank(l)).unwrap_or(lines.len());
    let mut waivers = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let Some((hash, body)) = comment_with_marker(line) else { continue };
        let full_line = line[..hash].trim().is_empty();
        let number = index as u32 + 1;
        let targets = if full_line {
            let next = lines.iter().enumerate().skip(index + 1).find(|(_, l)| !is_comment_or_blank(l));
            let mut targets: Vec<u32> = next.map(|(i, _)| i as u32 + 1).into_iter().collect();
            if index < header_end {
                targets.push(1);
            }
            targets
        } else {
            vec![number]
        };
        let (rules_text, reason) = match body.split_once("--") {
            Some((rules, reason)) => (rules, Some(reason.trim()).filter(|r| !r.is_empty()).map(str::to_string)),
            None => (body, None),
        };
        let rules = rules_text.split(',').map(str::trim).filter(|r| !r.is_empty()).map(str::to_string).collect();
        waivers.push(Waiver {
            file: file.to_path_buf(),
            line: number,
            column: line[..hash].chars().count() as u32 + 1,
            targets,
            rules,
            reason,
        });
    }
    waivers
}

/// The byte offset of the `#` of a `# plimsoll-ignore:` comment on `line`, and the text after the colon.
fn comment_with_marker(line: &str) -> Option<(usize, &str)> {
    let mut search = 0;
    while let Some(found) = line[search..].find('#') {
        let hash = search + found;
        search = hash + 1;
        let starts_comment = hash == 0 || line[..hash].ends_with(char::is_whitespace);
        if !starts_comment {
            continue;
        }
        let after = line[hash + 1..].trim_start();
        if let Some(rest) = after.strip_prefix(MARKER) {
            let rest = rest.trim_start();
            return Some((hash, rest.strip_prefix(':').unwrap_or(rest)));
        }
    }
    None
}

/// Apply `# plimsoll-ignore:` comments of the project's compose files and Dockerfiles (and of any
/// other file a finding points at); report invalid and unused waivers. `evaluated` says whether a
/// rule ran on this project (an unused waiver of a rule that did not run is not reported).
pub fn apply(context: &Context, result: &mut ProjectResult, evaluated: &dyn Fn(&str) -> bool) {
    let loaded = context.loaded;
    let engine = context.engine;
    let mut files: Vec<PathBuf> = loaded.model.files.iter().map(|f| loaded.directory.join(f)).collect();
    files.extend(loaded.dockerfiles.iter().map(|d| d.file.clone()));
    files.extend(result.findings.iter().map(|f| f.path.clone()));
    let mut seen = HashSet::new();
    files.retain(|f| seen.insert(context.paths.of(f)));
    let mut waivers: Vec<(Waiver, PathBuf, bool)> = Vec::new();
    for file in files {
        let Some(text) = loaded.read_source(&file) else { continue };
        if !text.contains(MARKER) {
            continue;
        }
        let key = context.paths.of(&file);
        waivers.extend(scan(&text, &file).into_iter().map(|w| (w, key.clone(), false)));
    }
    if waivers.is_empty() {
        return;
    }
    let extra = &context.configured.extra;
    let in_extra = |rule: &str| {
        rule.split_once('/')
            .is_some_and(|(pack, id)| extra.iter().any(|p| p.info.id == pack && p.info.rule(id).is_some()))
    };
    let known = |rule: &str| engine.rule_info(rule).is_some() || in_extra(rule) || host_rules::is_host_rule(rule);
    // A waiver naming a rule no pack has is invalid, and an invalid waiver waives nothing.
    for (w, _, used) in waivers.iter_mut() {
        if w.rules.iter().any(|r| !known(r)) {
            w.targets.clear();
            // Reported as invalid below, not again as unused.
            *used = true;
        }
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
        for rule in w.rules.iter().filter(|r| !known(r)) {
            invalid(format!("waiver names unknown rule `{rule}`"), "check the id with `plimsoll rules`");
        }
    }
    let mut kept = Vec::new();
    for finding in std::mem::take(&mut result.findings) {
        let path = context.paths.of(&finding.path);
        let waiver = waivers
            .iter_mut()
            .find(|(w, file, _)| *file == path && w.reason.is_some() && w.covers(&finding.rule, finding.line));
        match waiver {
            Some((w, _, used)) => {
                *used = true;
                let suppression = Suppression::Inline {
                    reason: w.reason.clone().unwrap_or_default(),
                    file: context.show(&w.file),
                    line: w.line,
                };
                result.suppressed.push(Suppressed { finding, suppression });
            }
            None => kept.push(finding),
        }
    }
    result.findings = kept;
    for (w, _, used) in &waivers {
        let all_known = w.rules.iter().all(|r| known(r));
        if !*used && w.reason.is_some() && all_known && !w.rules.is_empty() && w.rules.iter().all(|r| evaluated(r)) {
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
        if let Some(f) = locate::host_finding(context, rule, place, message, help, &subject) {
            result.findings.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_and_own_line_waivers() {
        let text = "# plimsoll-ignore: resources/host-memory-budget -- sized by hand\nservices:\n  # plimsoll-ignore: security/privileged, security/dangerous-capabilities -- reads host metrics\n\n  # another comment\n  cadvisor:\n    image: x:latest # plimsoll-ignore: image/tag-mutable -- pinned by renovate\n    command: echo '#plimsoll-ignore: not/a-comment -- x'\n";
        let waivers = scan(text, Path::new("compose.yaml"));
        assert_eq!(waivers.len(), 3, "{waivers:?}");
        assert_eq!(waivers[0].targets, vec![2, 1]);
        assert_eq!(waivers[0].reason.as_deref(), Some("sized by hand"));
        assert_eq!(waivers[1].targets, vec![6]);
        assert_eq!(waivers[1].rules, vec!["security/privileged", "security/dangerous-capabilities"]);
        assert_eq!((waivers[1].line, waivers[1].column), (3, 3));
        assert!(waivers[1].covers("security/privileged", 6));
        assert!(!waivers[1].covers("security/privileged", 7));
        assert_eq!(waivers[2].targets, vec![7]);
        assert_eq!(waivers[2].column, 21);
    }

    #[test]
    fn a_waiver_without_reason_has_none() {
        let waivers = scan(
            "FROM x:latest # plimsoll-ignore: image/tag-mutable\nRUN a # plimsoll-ignore: image/x --  \n",
            Path::new("Dockerfile"),
        );
        assert_eq!(waivers.len(), 2);
        assert_eq!(waivers[0].reason, None);
        assert_eq!(waivers[0].rules, vec!["image/tag-mutable"]);
        assert_eq!(waivers[1].reason, None);
    }

    #[test]
    fn a_hash_inside_a_word_is_not_a_comment() {
        assert!(scan("image: a#plimsoll-ignore: x/y -- z\n", Path::new("c.yaml")).is_empty());
    }
}
