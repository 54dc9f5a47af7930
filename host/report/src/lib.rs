//! Output formats of `plimsoll check`: `human` (source snippets with carets), `json` (the contract
//! of DESIGN.md §7), `sarif` (2.1.0), `junit`, `github` (workflow commands), `gitlab` (code quality)
//! and `markdown` (a review report).
//!
//! Every format renders an [`Outcome`] to a string and nothing else: no format reads configuration,
//! filters findings or decides anything; that is the check pipeline's job (`plimsoll-check`). Paths
//! are shown as the outcome holds them (the front end chose their style when it ran the check).
//! The human and Markdown formats read the offending lines through one snippet reader
//! ([`snippets`]). No flags, no terminal detection here: the caller says whether to colour.
#![forbid(unsafe_code)]

mod github;
mod gitlab;
mod human;
mod junit;
mod markdown;
mod sarif;
pub mod snippets;

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
}

impl Format {
    /// Every format, in the order help texts list them.
    pub const ALL: [Format; 7] =
        [Format::Human, Format::Json, Format::Sarif, Format::Junit, Format::Github, Format::Gitlab, Format::Markdown];

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
        }
    }

    /// One line on what the format is for (the help of `--format`).
    pub fn description(self) -> &'static str {
        match self {
            Format::Human => "source snippets with carets, colored on a terminal, and a summary line",
            Format::Json => "one JSON object: decision, score, summary, findings, errors, stats",
            Format::Sarif => "SARIF 2.1.0, for code-scanning dashboards",
            Format::Junit => "JUnit XML: one test case per rule and service, a failure per finding",
            Format::Github => "GitHub Actions workflow commands (`::error file=…,line=…::`), shown as annotations",
            Format::Gitlab => "GitLab code quality report (JSON)",
            Format::Markdown => {
                "a Markdown review report: decision, score, findings by category, per-service resources"
            }
        }
    }
}

/// How to render.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// ANSI colors (human format only).
    pub color: bool,
    /// Show what packs logged or printed (human format only).
    pub verbose: bool,
}

/// Render an outcome in a format.
pub fn render(outcome: &Outcome, format: Format, options: RenderOptions) -> String {
    match format {
        Format::Human => human::render(outcome, options.color, options.verbose),
        Format::Json => pretty(&to_json(outcome)),
        Format::Sarif => pretty(&sarif::to_sarif(outcome)),
        Format::Junit => junit::render(outcome),
        Format::Github => github::render(outcome),
        Format::Gitlab => pretty(&gitlab::to_gitlab(outcome)),
        Format::Markdown => markdown::render(outcome),
    }
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
            "name": p.name, "path": p.path, "services": p.services, "decision": p.decision(),
            "findings": p.findings.len(), "suppressed": p.suppressed.len(), "errors": p.errors.len(),
            "duration_ms": p.duration_ms,
        })).collect::<Vec<_>>(),
        "stats": outcome.stats,
    })
}
