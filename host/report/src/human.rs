//! The `human` format: for each project, one block per rule (worst first) naming the services or
//! files it hits, with the offending line and carets of its first occurrence (every occurrence with
//! `expand`, or one block per finding in file order with [`Group::None`]), then a table of rules ×
//! counts and a summary line with the decision and the score.

use std::fmt::Write as _;

use plimsoll_runtime::Severity;

use plimsoll_check::{Decision, Finding, Outcome};

use crate::{Group, RuleGroup, rule_groups};

struct Palette {
    on: bool,
}

impl Palette {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.on { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
    }
    fn severity(&self, s: Severity) -> String {
        let code = match s {
            Severity::Critical => "1;35",
            Severity::High => "1;31",
            Severity::Medium => "1;33",
            Severity::Low => "1;36",
            Severity::Info => "1;34",
        };
        self.paint(code, s.as_str())
    }
}

/// The human format: per project, warnings, errors and the findings (grouped by rule, or one block
/// per finding), then a table of rules × counts and a summary line (per project too when there are
/// several).
pub(super) fn render(outcome: &Outcome, color: bool, verbose: bool, group: Group, expand: bool) -> String {
    let p = Palette { on: color };
    let mut out = String::new();
    let mut sources = crate::snippets::Snippets::of(outcome);
    let several = outcome.projects.len() > 1;
    let mut printed = std::collections::HashSet::new();
    for project in &outcome.projects {
        // An error several projects share (their `plimsoll.yaml`) is printed once, with the count.
        let errors: Vec<_> = project.errors.iter().filter(|e| printed.insert(e.key())).collect();
        if several && (!project.findings.is_empty() || !errors.is_empty() || !project.warnings.is_empty()) {
            let _ = writeln!(out, "{}\n", p.paint("1", &format!("── {} ({})", project.path, project.name)));
        }
        for w in &project.warnings {
            let _ = writeln!(out, "{}: {}", p.paint("1;33", "warning"), w.message);
        }
        if verbose {
            let config = match project.config.split_first() {
                None => "defaults (no plimsoll.yaml)".to_string(),
                Some((file, [])) => file.clone(),
                Some((file, extends)) => format!("{file} (extends {})", extends.join(", ")),
            };
            let _ = writeln!(out, "{} {} uses {config}", p.paint("34", "config:"), project.path);
        }
        for e in &errors {
            let place = match (&e.file, e.line, e.column) {
                (Some(f), Some(l), Some(c)) => format!("{f}:{l}:{c}: "),
                (Some(f), _, _) => format!("{f}: "),
                _ => String::new(),
            };
            let shared = outcome.projects_with(e);
            let projects = if shared > 1 { format!(" (in {shared} projects)") } else { String::new() };
            let _ = writeln!(out, "{place}{}: {}{projects}", p.paint("1;31", &format!("{} error", e.kind)), e.message);
        }
        if !errors.is_empty() {
            out.push('\n');
        }
        match group {
            Group::None => {
                for f in &project.findings {
                    block(&mut out, &p, &mut sources, f, "");
                }
            }
            Group::Rule => grouped(&mut out, &p, &mut sources, &project.findings, expand),
        }
        if verbose {
            for (pack, output) in &project.outputs {
                if !output.trim().is_empty() {
                    let _ = writeln!(out, "--- output of pack `{pack}` on project `{}`:\n{output}", project.name);
                }
            }
        }
    }
    if several {
        for project in &outcome.projects {
            let _ = writeln!(
                out,
                "  {:<9} {}: {} finding{}{}{}",
                decision(&p, project.decision()),
                project.path,
                project.all_findings().count(),
                plural(project.all_findings().count()),
                if project.suppressed.is_empty() {
                    String::new()
                } else {
                    format!(", {} waived", project.suppressed.len())
                },
                if project.errors.is_empty() {
                    String::new()
                } else {
                    format!(", {} error{}", project.errors.len(), plural(project.errors.len()))
                },
            );
        }
    }
    if group == Group::Rule {
        summary_table(&mut out, &p, outcome);
    }
    let total: usize = outcome.summary.values().sum();
    let counts = crate::severity_counts(outcome, |s| p.severity(s));
    let errors = outcome.errors().count();
    let _ = write!(
        out,
        "{} finding{}{} in {} project{}",
        total,
        plural(total),
        if counts.is_empty() { String::new() } else { format!(" ({})", counts.join(", ")) },
        outcome.projects.len(),
        plural(outcome.projects.len()),
    );
    if outcome.stats.suppressed > 0 {
        let _ = write!(out, ", {} waived", outcome.stats.suppressed);
    }
    if outcome.stats.hidden > 0 {
        let _ = write!(out, ", {} below --severity not listed", outcome.stats.hidden);
    }
    if errors > 0 {
        let _ = write!(out, ", {errors} error{}", plural(errors));
    }
    let _ = writeln!(
        out,
        "; decision: {} (fail-on {}), score {}/100",
        decision(&p, outcome.decision),
        outcome.fail_on,
        outcome.score
    );
    out
}

/// One finding: its place, severity, rule, service and message, the offending line with carets,
/// related places and help, each line prefixed with `indent`.
fn block(out: &mut String, p: &Palette, sources: &mut crate::snippets::Snippets, f: &Finding, indent: &str) {
    let service = f.service.as_ref().map(|s| format!(" [{s}]")).unwrap_or_default();
    let _ = writeln!(
        out,
        "{indent}{}: {} {}{}: {}",
        p.paint("1", &format!("{}:{}:{}", f.file, f.line, f.column)),
        p.severity(f.severity),
        p.paint("1", &f.rule),
        service,
        f.message
    );
    if let Some(text) = sources.line(&f.path, f.line) {
        let width = f.line.to_string().len();
        let col = (f.column.max(1) - 1) as usize;
        let rest: String = text.chars().skip(col).collect();
        let token_len = rest.chars().take_while(|c| !c.is_whitespace() && *c != ':').count().max(1);
        let _ = writeln!(out, "{indent}{:width$} {}", "", p.paint("34", "|"));
        let _ = writeln!(out, "{indent}{} {} {}", p.paint("34", &f.line.to_string()), p.paint("34", "|"), text);
        let _ = writeln!(
            out,
            "{indent}{:width$} {} {}{}",
            "",
            p.paint("34", "|"),
            " ".repeat(text.chars().take(col).count()),
            p.paint("1;31", &"^".repeat(token_len))
        );
    }
    for r in &f.related {
        let _ = writeln!(out, "{indent}  {} {}:{}:{}", p.paint("34", "= related:"), r.file, r.line, r.column);
    }
    if let Some(help) = &f.help {
        let _ = writeln!(out, "{indent}  {} {help}", p.paint("32", "= help:"));
    }
    out.push('\n');
}

/// What a rule hits: `15 services — n8n, flowise, …` (services in order of first occurrence), or
/// `3 findings in 2 files` when some findings are about no service.
fn hits(group: &RuleGroup<'_>) -> String {
    let services = group.services();
    let n = group.findings.len();
    if group.findings.iter().all(|f| f.service.is_some()) {
        const SHOWN: usize = 8;
        let mut names = services.iter().take(SHOWN).copied().collect::<Vec<_>>().join(", ");
        if services.len() > SHOWN {
            names.push_str(", …");
        }
        let count = if n == services.len() {
            format!("{} service{}", services.len(), plural(services.len()))
        } else {
            format!("{n} findings in {} service{}", services.len(), plural(services.len()))
        };
        return format!("{count} — {names}");
    }
    let mut files: Vec<&str> = group.findings.iter().map(|f| f.file.as_str()).collect();
    files.sort_unstable();
    files.dedup();
    format!("{n} finding{} in {} file{}", plural(n), files.len(), plural(files.len()))
}

/// One block per rule: a header with the severity, the rule and what it hits, the first
/// occurrence in full, and the others as places (every one in full with `expand`).
fn grouped(out: &mut String, p: &Palette, sources: &mut crate::snippets::Snippets, findings: &[Finding], expand: bool) {
    for group in rule_groups(findings) {
        let _ = writeln!(out, "{} {}: {}", p.severity(group.worst), p.paint("1", group.rule), hits(&group));
        let (first, rest) = group.findings.split_first().expect("a group has a finding");
        block(out, p, sources, first, "  ");
        if rest.is_empty() {
            continue;
        }
        if expand {
            for f in rest {
                block(out, p, sources, f, "  ");
            }
            continue;
        }
        const PLACES: usize = 6;
        let places: Vec<String> = rest
            .iter()
            .take(PLACES)
            .map(|f| {
                let service = f.service.as_ref().map(|s| format!(" [{s}]")).unwrap_or_default();
                format!("{}:{}:{}{service}", f.file, f.line, f.column)
            })
            .collect();
        let more = if rest.len() > PLACES { ", …" } else { "" };
        let _ = writeln!(
            out,
            "  {} {} more: {}{more} (--expand shows each)\n",
            p.paint("34", "… and"),
            rest.len(),
            places.join(", ")
        );
    }
}

/// The closing table: one row per rule with findings in the run (worst first), its severity, the
/// findings listed and the services they hit.
fn summary_table(out: &mut String, p: &Palette, outcome: &Outcome) {
    let groups = rule_groups(outcome.findings());
    if groups.is_empty() {
        return;
    }
    let rows: Vec<(String, Severity, usize, usize)> = groups
        .iter()
        .map(|g| {
            let mut services: Vec<(&str, &str)> =
                g.findings.iter().filter_map(|f| f.service.as_deref().map(|s| (f.project.as_str(), s))).collect();
            services.sort_unstable();
            services.dedup();
            (g.rule.to_string(), g.worst, g.findings.len(), services.len())
        })
        .collect();
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(4).max(4);
    let _ = writeln!(out, "{:width$}  {:8}  {:>8}  {:>8}", "rule", "severity", "findings", "services");
    for (rule, severity, n, services) in &rows {
        // Pad the plain text, then paint: escape codes would count towards the width.
        let sev = format!("{:8}", severity.as_str());
        let painted = p.severity(*severity);
        let sev = sev.replacen(severity.as_str(), &painted, 1);
        let services = if *services == 0 { "-".to_string() } else { services.to_string() };
        let _ = writeln!(out, "{rule:width$}  {sev}  {n:>8}  {services:>8}");
    }
    out.push('\n');
}

fn decision(p: &Palette, decision: Decision) -> String {
    match decision {
        Decision::Pass => p.paint("1;32", "pass"),
        Decision::Warn => p.paint("1;33", "warn"),
        Decision::Fail => p.paint("1;31", "fail"),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
