//! The `github` format: GitHub Actions workflow commands, which the runner turns into annotations
//! on the pull request (`::error file=…,line=…,col=…,title=…::message`).
//!
//! Errors come first (each once, with its file), then findings that reach `fail-on` (`error`s,
//! worst first), then `medium` and `low` ones as `warning`s and `info` ones as `notice`s: GitHub
//! shows only about ten annotations of each level per step. Values are escaped as the runner
//! expects: in the message `%`, `\r` and `\n`; in properties also `:` and `,`. A plain summary
//! line ends the output; [`step_summary`] is the Markdown for `$GITHUB_STEP_SUMMARY`.

use std::fmt::Write as _;

use plimsoll_runtime::Severity;

use plimsoll_check::Outcome;

/// Escape a workflow command's message (`%`, `\r`, `\n`).
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escape a workflow command's property value (`%`, `\r`, `\n`, `:`, `,`).
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

pub(super) fn render(outcome: &Outcome) -> String {
    let mut out = String::new();
    // GitHub shows about ten annotations of each level per step: errors first, then the findings
    // that fail the gate, worst first, then the rest.
    for e in outcome.errors() {
        let mut props = Vec::new();
        if let Some(file) = &e.file {
            props.push(format!("file={}", escape_property(file)));
            if let Some(line) = e.line {
                props.push(format!("line={line}"));
            }
            if let Some(col) = e.column {
                props.push(format!("col={col}"));
            }
        }
        props.push(format!("title={}", escape_property(&format!("plimsoll {} error", e.kind))));
        let _ = writeln!(out, "::error {}::{}", props.join(","), escape_data(&e.message));
    }
    let mut findings: Vec<(&plimsoll_check::Finding, bool)> =
        outcome.projects.iter().flat_map(|p| p.findings.iter().map(move |f| (f, f.severity >= p.fail_on()))).collect();
    findings.sort_by(|(a, fa), (b, fb)| fb.cmp(fa).then(b.severity.cmp(&a.severity)));
    for (f, fails) in findings {
        let command = if fails {
            "error"
        } else if f.severity == Severity::Info {
            "notice"
        } else {
            "warning"
        };
        let mut message = f.message.clone();
        if let Some(help) = &f.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        let title = format!("{} ({})", f.rule, f.severity);
        let _ = writeln!(
            out,
            "::{command} file={},line={},col={},title={}::{}",
            escape_property(&f.file),
            f.line,
            f.column,
            escape_property(&title),
            escape_data(&message)
        );
    }
    let _ = writeln!(out, "{}", summary_line(outcome));
    out
}

/// The plain summary line: every reported finding counts, listed or not.
fn summary_line(outcome: &Outcome) -> String {
    let total = outcome.total_findings();
    let hidden = outcome.stats.hidden;
    format!(
        "plimsoll: {total} finding{}{} in {} project{}, {} waived; decision: {} (fail-on {}), score {}/100",
        if total == 1 { "" } else { "s" },
        if hidden > 0 { format!(" ({hidden} below --severity not annotated)") } else { String::new() },
        outcome.projects.len(),
        if outcome.projects.len() == 1 { "" } else { "s" },
        outcome.stats.suppressed,
        outcome.decision.as_str(),
        outcome.fail_on,
        outcome.score
    )
}

/// Markdown for `$GITHUB_STEP_SUMMARY`: the decision, the counts, the errors and the ten rules
/// with the most findings.
pub(super) fn step_summary(outcome: &Outcome) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## Plimsoll: {} (fail-on `{}`), score {}/100\n",
        outcome.decision.as_str(),
        outcome.fail_on,
        outcome.score
    );
    let counts = crate::severity_counts(outcome, |s| s.to_string());
    let total = outcome.total_findings();
    let _ = writeln!(
        out,
        "{total} finding{}{} in {} project{}, {} waived.\n",
        if total == 1 { "" } else { "s" },
        if counts.is_empty() { String::new() } else { format!(" ({})", counts.join(", ")) },
        outcome.projects.len(),
        if outcome.projects.len() == 1 { "" } else { "s" },
        outcome.stats.suppressed
    );
    let errors: Vec<_> = outcome.errors().collect();
    if !errors.is_empty() {
        let _ = writeln!(out, "### Errors\n");
        for e in errors {
            let place = match (&e.file, e.line) {
                (Some(f), Some(l)) => format!("`{f}:{l}` "),
                (Some(f), None) => format!("`{f}` "),
                _ => String::new(),
            };
            let _ = writeln!(out, "- **{} error** {place}{}", e.kind, e.message.replace('\n', " "));
        }
        out.push('\n');
    }
    let mut by_rule: std::collections::BTreeMap<&str, (Severity, usize, bool)> = std::collections::BTreeMap::new();
    for p in &outcome.projects {
        for f in p.all_findings() {
            let entry = by_rule.entry(f.rule.as_str()).or_insert((f.severity, 0, false));
            entry.0 = entry.0.max(f.severity);
            entry.1 += 1;
            entry.2 |= f.severity >= p.fail_on();
        }
    }
    if !by_rule.is_empty() {
        let mut rules: Vec<_> = by_rule.into_iter().collect();
        rules.sort_by(|a, b| (b.1.2, b.1.0, b.1.1).cmp(&(a.1.2, a.1.0, a.1.1)).then(a.0.cmp(b.0)));
        let _ = writeln!(out, "| rule | severity | findings | fails the gate |\n|---|---|---:|---|");
        for (rule, (severity, count, fails)) in rules.iter().take(10) {
            let _ = writeln!(out, "| `{rule}` | {severity} | {count} | {} |", if *fails { "yes" } else { "no" });
        }
        if rules.len() > 10 {
            let _ = writeln!(out, "\n… and {} more rules.", rules.len() - 10);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_runner_expects() {
        assert_eq!(escape_data("50% of a\r\nb: c, d"), "50%25 of a%0D%0Ab: c, d");
        assert_eq!(escape_property("a:b,c%\nd"), "a%3Ab%2Cc%25%0Ad");
    }
}
