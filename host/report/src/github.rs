//! The `github` format: GitHub Actions workflow commands, which the runner turns into annotations
//! on the pull request (`::error file=…,line=…,col=…,title=…::message`).
//!
//! Findings at or above `fail-on` are `error`s, `medium` and `low` ones `warning`s, `info` ones
//! `notice`s. Values are escaped as the runner expects: in the message `%`, `\r` and `\n`; in
//! properties also `:` and `,`. A plain summary line ends the output.

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
    for project in &outcome.projects {
        for e in &project.errors {
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
        for f in &project.findings {
            let command = if f.severity >= project.fail_on() {
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
    }
    let total = outcome.findings().count();
    let _ = writeln!(
        out,
        "plimsoll: {total} finding{} in {} project{}, {} waived; decision: {} (fail-on {}), score {}/100",
        if total == 1 { "" } else { "s" },
        outcome.projects.len(),
        if outcome.projects.len() == 1 { "" } else { "s" },
        outcome.stats.suppressed,
        outcome.decision.as_str(),
        outcome.fail_on,
        outcome.score
    );
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
