//! The `human` format: for each project, one block per finding with the offending line and carets,
//! then a summary line with the decision and the score.

use std::fmt::Write as _;

use plimsoll_runtime::Severity;

use plimsoll_check::{Decision, Outcome};

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

/// The human format: per project, warnings, errors and one block per finding with the offending
/// line, then a summary line (per project too when there are several).
pub(super) fn render(outcome: &Outcome, color: bool, verbose: bool) -> String {
    let p = Palette { on: color };
    let mut out = String::new();
    let mut sources = crate::snippets::Snippets::default();
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
        for f in &project.findings {
            let service = f.service.as_ref().map(|s| format!(" [{s}]")).unwrap_or_default();
            let _ = writeln!(
                out,
                "{}: {} {}{}: {}",
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
                let _ = writeln!(out, "{:width$} {}", "", p.paint("34", "|"));
                let _ = writeln!(out, "{} {} {}", p.paint("34", &f.line.to_string()), p.paint("34", "|"), text);
                let _ = writeln!(
                    out,
                    "{:width$} {} {}{}",
                    "",
                    p.paint("34", "|"),
                    " ".repeat(text.chars().take(col).count()),
                    p.paint("1;31", &"^".repeat(token_len))
                );
            }
            for r in &f.related {
                let _ = writeln!(out, "  {} {}:{}:{}", p.paint("34", "= related:"), r.file, r.line, r.column);
            }
            if let Some(help) = &f.help {
                let _ = writeln!(out, "  {} {help}", p.paint("32", "= help:"));
            }
            out.push('\n');
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
