//! Output formats of `plimsoll check`: `human` (source snippets with carets) and `json`
//! (the contract of DESIGN.md §7).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use plimsoll_runtime::Severity;
use serde_json::json;

use crate::check::{Finding, Outcome};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Source snippets with carets, colored on a terminal.
    Human,
    /// One JSON object: decision, score, summary, findings, errors, stats.
    Json,
}

/// Render an outcome in a format.
pub fn render(outcome: &Outcome, format: Format, color: bool, verbose: bool) -> String {
    match format {
        Format::Human => human(outcome, color, verbose),
        Format::Json => serde_json::to_string_pretty(&to_json(outcome)).unwrap_or_default() + "\n",
    }
}

/// The JSON document of an outcome.
pub fn to_json(outcome: &Outcome) -> serde_json::Value {
    let findings: Vec<&Finding> = outcome.findings().collect();
    let errors: Vec<_> = outcome.errors().collect();
    let warnings: Vec<_> = outcome.projects.iter().flat_map(|p| p.warnings.iter()).collect();
    let summary: serde_json::Map<String, serde_json::Value> =
        outcome.summary.iter().map(|(s, n)| (s.as_str().to_string(), json!(n))).collect();
    json!({
        "decision": outcome.decision,
        "score": outcome.score,
        "fail_on": outcome.fail_on,
        "summary": summary,
        "findings": findings,
        "errors": errors,
        "warnings": warnings,
        "projects": outcome.projects.iter().map(|p| json!({
            "name": p.name, "path": p.path, "services": p.services,
            "findings": p.findings.len(), "errors": p.errors.len(),
        })).collect::<Vec<_>>(),
        "stats": outcome.stats,
    })
}

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

/// The human format: one block per finding with the offending line, then a summary.
fn human(outcome: &Outcome, color: bool, verbose: bool) -> String {
    let p = Palette { on: color };
    let mut out = String::new();
    let mut sources: HashMap<String, Option<Vec<String>>> = HashMap::new();
    for project in &outcome.projects {
        for w in &project.warnings {
            let _ = writeln!(out, "{}: {}", p.paint("1;33", "warning"), w.message);
        }
        for e in &project.errors {
            let place = match (&e.file, e.line, e.column) {
                (Some(f), Some(l), Some(c)) => format!("{f}:{l}:{c}: "),
                (Some(f), _, _) => format!("{f}: "),
                _ => String::new(),
            };
            let _ = writeln!(out, "{place}{}: {}", p.paint("1;31", &format!("{} error", e.kind)), e.message);
        }
        for f in &project.findings {
            let _ = writeln!(
                out,
                "{}: {} {}: {}",
                p.paint("1", &format!("{}:{}:{}", f.file, f.line, f.column)),
                p.severity(f.severity),
                p.paint("1", &f.rule),
                f.message
            );
            let lines = sources.entry(f.file.clone()).or_insert_with(|| {
                std::fs::read_to_string(Path::new(&f.file)).ok().map(|t| t.lines().map(str::to_string).collect())
            });
            if let Some(text) = lines.as_ref().and_then(|l| l.get(f.line.saturating_sub(1) as usize)) {
                let width = f.line.to_string().len();
                let col = (f.column.max(1) - 1) as usize;
                let rest: String = text.chars().skip(col).collect();
                let token_len =
                    rest.chars().take_while(|c| !c.is_whitespace() && *c != ':').count().max(1);
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
    let total: usize = outcome.summary.values().sum();
    let counts: Vec<String> = outcome
        .summary
        .iter()
        .rev()
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let errors = outcome.errors().count();
    let decision = match outcome.decision {
        crate::check::Decision::Pass => p.paint("1;32", "pass"),
        crate::check::Decision::Warn => p.paint("1;33", "warn"),
        crate::check::Decision::Fail => p.paint("1;31", "fail"),
    };
    let _ = write!(
        out,
        "{} finding{}{} in {} project{}",
        total,
        if total == 1 { "" } else { "s" },
        if counts.is_empty() { String::new() } else { format!(" ({})", counts.join(", ")) },
        outcome.projects.len(),
        if outcome.projects.len() == 1 { "" } else { "s" },
    );
    if errors > 0 {
        let _ = write!(out, ", {errors} error{}", if errors == 1 { "" } else { "s" });
    }
    let _ = writeln!(out, "; decision: {decision} (fail-on {}), score {}/100", outcome.fail_on, outcome.score);
    out
}
