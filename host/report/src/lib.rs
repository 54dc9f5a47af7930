//! Output formats of `plimsoll check`: `human` (source snippets with carets), `json` (the contract
//! of DESIGN.md §7), `sarif` (2.1.0), `junit`, `github` (workflow commands), `gitlab` (code quality)
//! `markdown` (a review report) and `html` (a self-contained review page with the budgets drawn
//! against the Plimsoll line).
//!
//! Every format renders an [`Outcome`] to a string and nothing else: no format reads configuration,
//! filters findings or decides anything; that is the check pipeline's job (`plimsoll-check`). Paths
//! are shown as the outcome holds them (the front end chose their style when it ran the check).
//! The human and Markdown formats read the offending lines through one snippet reader
//! ([`snippets`]). No flags, no terminal detection here: the caller says whether to colour.
#![forbid(unsafe_code)]

pub mod budgets;
pub mod builds;
mod github;
mod gitlab;
mod html;
mod human;
mod junit;
mod markdown;
mod sarif;
pub mod snippets;
pub mod startup;

use serde_json::json;

use plimsoll_check::{Finding, Outcome};

pub use github::escape_data as github_escape_data;
pub use github::escape_property as github_escape_property;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `human`; see [`Format::description`].
    Human,
    /// `json`.
    Json,
    /// `sarif`.
    Sarif,
    /// `junit`.
    Junit,
    /// `github`.
    Github,
    /// `gitlab`.
    Gitlab,
    /// `markdown`.
    Markdown,
    /// `html`.
    Html,
}

impl Format {
    /// Every format, in the order help texts list them.
    pub const ALL: [Format; 8] = [
        Format::Human,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Github,
        Format::Gitlab,
        Format::Markdown,
        Format::Html,
    ];

    /// The format's name (`human`, `json`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Github => "github",
            Format::Gitlab => "gitlab",
            Format::Markdown => "markdown",
            Format::Html => "html",
        }
    }

    /// One line on what the format is for (the help of `--format`).
    pub fn description(self) -> &'static str {
        match self {
            Format::Human => {
                "findings grouped by rule with the first occurrence's source line, a table of rules, a summary line"
            }
            Format::Json => "one JSON object: decision, score, summary, findings, errors, stats",
            Format::Sarif => "SARIF 2.1.0, for code-scanning dashboards",
            Format::Junit => {
                "JUnit XML: one test case per rule and service, failing only for findings that reach fail-on"
            }
            Format::Github => "GitHub Actions workflow commands (`::error file=…,line=…::`), shown as annotations",
            Format::Gitlab => "GitLab code quality report (JSON)",
            Format::Markdown => "a Markdown review that fits a pull-request comment (`--full`: the complete review)",
            Format::Html => {
                "one self-contained HTML page: budgets drawn against the Plimsoll line, filterable findings"
            }
        }
    }
}

/// How the human format lists findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Group {
    /// One block per rule and project, worst first (the default).
    #[default]
    Rule,
    /// One block per finding in file order (for tools that parse the output).
    None,
}

/// How to render.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// ANSI colors (human format only).
    pub color: bool,
    /// Show what packs logged or printed, and the configuration each project used (human format).
    pub verbose: bool,
    /// Markdown: the complete review instead of one that fits a pull-request comment.
    pub full: bool,
    /// Human: group findings by rule, or list each in file order.
    pub group: Group,
    /// Human, grouped: print every occurrence of a rule in full, not only the first.
    pub expand: bool,
    /// SARIF: where rule documentation is published (`<base>/<pack>/<rule>`); without it no
    /// `helpUri` is written (the help text is inline).
    pub help_base_url: Option<String>,
}

/// Render an outcome in a format.
pub fn render(outcome: &Outcome, format: Format, options: RenderOptions) -> String {
    match format {
        Format::Human => human::render(outcome, options.color, options.verbose, options.group, options.expand),
        Format::Json => pretty(&to_json(outcome)),
        Format::Sarif => pretty(&sarif::to_sarif(outcome, options.help_base_url.as_deref())),
        Format::Junit => junit::render(outcome),
        Format::Github => github::render(outcome),
        Format::Gitlab => pretty(&gitlab::to_gitlab(outcome)),
        Format::Markdown => markdown::render(outcome, options.full),
        Format::Html => html::render(outcome),
    }
}

/// The GitHub step summary of an outcome (Markdown for `$GITHUB_STEP_SUMMARY`): the decision, the
/// counts and the rules with the most findings.
pub fn github_step_summary(outcome: &Outcome) -> String {
    github::step_summary(outcome)
}

/// The findings per severity, worst first, without the zeros (`6 high`, `55 medium`), each
/// severity named by `name` (plain, or colored on a terminal).
pub fn severity_counts(outcome: &Outcome, name: impl Fn(plimsoll_runtime::Severity) -> String) -> Vec<String> {
    outcome.summary.iter().rev().filter(|(_, n)| **n > 0).map(|(s, n)| format!("{n} {}", name(*s))).collect()
}

/// The findings of one rule.
pub(crate) struct RuleGroup<'a> {
    /// `<pack>/<rule>`.
    pub rule: &'a str,
    /// The worst severity among them.
    pub worst: plimsoll_runtime::Severity,
    /// Worst first; equal severities in the order they were given.
    pub findings: Vec<&'a Finding>,
}

impl<'a> RuleGroup<'a> {
    /// The services the findings are about, in order of first occurrence.
    pub fn services(&self) -> Vec<&'a str> {
        let mut services: Vec<&str> = Vec::new();
        for f in &self.findings {
            if let Some(s) = f.service.as_deref()
                && !services.contains(&s)
            {
                services.push(s);
            }
        }
        services
    }
}

/// Findings grouped by rule: the worst severity first, then the rule id.
pub(crate) fn rule_groups<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Vec<RuleGroup<'a>> {
    let mut by_rule: std::collections::BTreeMap<&str, Vec<&Finding>> = std::collections::BTreeMap::new();
    for f in findings {
        by_rule.entry(f.rule.as_str()).or_default().push(f);
    }
    let mut out: Vec<RuleGroup<'_>> = by_rule
        .into_iter()
        .map(|(rule, mut findings)| {
            // Worst first; the sort is stable, so equal severities keep the given order.
            findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
            let worst = findings[0].severity;
            RuleGroup { rule, worst, findings }
        })
        .collect();
    out.sort_by(|a, b| b.worst.cmp(&a.worst).then_with(|| a.rule.cmp(b.rule)));
    out
}

/// The rules that matter most, at most `n`: worst severity first, then the most findings, then
/// the rule id; each with its severity, its first worst finding and how many more it has.
pub(crate) fn top_problems(outcome: &Outcome, n: usize) -> Vec<(&str, plimsoll_runtime::Severity, &Finding, usize)> {
    let mut groups = rule_groups(outcome.findings());
    // Stable: equal severity and count keep the rule order.
    groups.sort_by(|a, b| b.worst.cmp(&a.worst).then(b.findings.len().cmp(&a.findings.len())));
    groups.into_iter().take(n).map(|g| (g.rule, g.worst, g.findings[0], g.findings.len() - 1)).collect()
}

/// One line for a CI log when the report went to a file: the decision, the counts, and where.
pub fn one_line_summary(outcome: &Outcome, written_to: &str) -> String {
    let total = outcome.total_findings();
    let counts = severity_counts(outcome, |s| s.to_string());
    let errors = outcome.errors().count();
    format!(
        "plimsoll: {} (fail-on {}), {total} finding{}{}, {} waived{}, score {}/100; report written to {written_to}",
        outcome.decision.as_str(),
        outcome.fail_on,
        if total == 1 { "" } else { "s" },
        if counts.is_empty() { String::new() } else { format!(" ({})", counts.join(", ")) },
        outcome.stats.suppressed,
        if errors == 0 { String::new() } else { format!(", {errors} error{}", if errors == 1 { "" } else { "s" }) },
        outcome.score
    )
}

/// One fingerprint per finding, unique within the run: a finding's baseline fingerprint, or for
/// the n-th finding (n > 1) sharing it, a hash of it and `n`. Fingerprints include the project's
/// identity, so the result does not depend on which other projects are in the run.
pub fn unique_fingerprints<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Vec<String> {
    use sha2::{Digest, Sha256};
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    findings
        .into_iter()
        .map(|f| {
            let n = seen.entry(f.fingerprint.as_str()).or_insert(0);
            *n += 1;
            if *n == 1 {
                f.fingerprint.clone()
            } else {
                hex::encode(&Sha256::digest(format!("{}#{n}", f.fingerprint).as_bytes())[..8])
            }
        })
        .collect()
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

/// The JSON document of an outcome.
pub fn to_json(outcome: &Outcome) -> serde_json::Value {
    let findings: Vec<&Finding> = outcome.findings().collect();
    let errors: Vec<_> = outcome.errors().collect();
    let warnings: Vec<_> = outcome.projects.iter().flat_map(|p| p.warnings.iter()).collect();
    let suppressed: Vec<_> = outcome.projects.iter().flat_map(|p| p.suppressed.iter()).collect();
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
        "suppressed": suppressed,
        "projects": outcome.projects.iter().map(|p| json!({
            "name": p.name, "path": p.path, "id": p.id, "config": p.config, "services": p.services,
            "decision": p.decision(), "findings": p.all_findings().count(), "listed": p.findings.len(),
            "suppressed": p.suppressed.len(), "errors": p.errors.len(), "duration_ms": p.duration_ms,
        })).collect::<Vec<_>>(),
        "stats": outcome.stats,
        "budgets": outcome.projects.iter()
            .filter_map(|p| budgets::of(p).map(|b| (p.path.clone(), json!(b))))
            .collect::<serde_json::Map<String, serde_json::Value>>(),
    })
}
