//! The `junit` format: JUnit XML for CI test dashboards.
//!
//! One test suite per project; in it one test case per rule × service (class name the rule, name the
//! service), failing with one `<failure>` per finding. Findings that belong to no service go to a
//! test case named `(project)`; projects without services (a standalone Dockerfile) have one test
//! case per rule. A test case whose findings are all waived is `<skipped>`; each load,
//! configuration or evaluation error is a test case with an `<error>`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use plimsoll_check::{Finding, Outcome, Suppressed};

/// Escape text for XML attributes and content.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

const PROJECT_CASE: &str = "(project)";

/// One test case: the findings that fail it and the waived ones.
#[derive(Default)]
struct Case<'a> {
    failures: Vec<&'a Finding>,
    skipped: Vec<&'a Suppressed>,
}

pub(super) fn render(outcome: &Outcome) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let mut suites = String::new();
    let (mut total_tests, mut total_failures, mut total_errors, mut total_skipped) = (0, 0, 0, 0);
    let rule_ids: Vec<&str> = {
        let mut ids: Vec<&str> = outcome.rules.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        ids
    };
    for project in &outcome.projects {
        let services: Vec<String> = project
            .loaded
            .as_ref()
            .map(|l| l.model.services.iter().map(|s| s.name.clone()).collect())
            .unwrap_or_default();
        let mut table: BTreeMap<(&str, String), Case> = BTreeMap::new();
        if project.errors.is_empty() {
            for rule in &rule_ids {
                if services.is_empty() {
                    table.entry((rule, PROJECT_CASE.to_string())).or_default();
                }
                for service in &services {
                    table.entry((rule, service.clone())).or_default();
                }
            }
        }
        let key = |f: &Finding| f.service.clone().unwrap_or_else(|| PROJECT_CASE.to_string());
        for f in &project.findings {
            let rule = rule_ids.iter().find(|r| **r == f.rule).copied().unwrap_or(f.rule.as_str());
            table.entry((rule, key(f))).or_default().failures.push(f);
        }
        for s in &project.suppressed {
            let rule = rule_ids.iter().find(|r| **r == s.finding.rule).copied().unwrap_or(s.finding.rule.as_str());
            table.entry((rule, key(&s.finding))).or_default().skipped.push(s);
        }
        let failures = table.values().filter(|c| !c.failures.is_empty()).count();
        let skipped = table.values().filter(|c| c.failures.is_empty() && !c.skipped.is_empty()).count();
        let tests = table.len() + project.errors.len();
        total_tests += tests;
        total_failures += failures;
        total_errors += project.errors.len();
        total_skipped += skipped;
        let _ = writeln!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{}\" skipped=\"{skipped}\">",
            xml(&project.path),
            project.errors.len()
        );
        for e in &project.errors {
            let place = match (&e.file, e.line) {
                (Some(f), Some(l)) => format!("{f}:{l}: "),
                (Some(f), None) => format!("{f}: "),
                _ => String::new(),
            };
            let name = e.pack.as_ref().map(|p| format!("pack {p}")).unwrap_or_else(|| e.kind.to_string());
            let _ = writeln!(
                suites,
                "    <testcase classname=\"plimsoll/{}-error\" name=\"{}\">\n      <error type=\"{}\" message=\"{}\">{}</error>\n    </testcase>",
                e.kind,
                xml(&name),
                e.kind,
                xml(&e.message),
                xml(&format!("{place}{}", e.message))
            );
        }
        for ((rule, subject), case) in &table {
            let head = format!("    <testcase classname=\"{}\" name=\"{}\"", xml(rule), xml(subject));
            if case.failures.is_empty() && case.skipped.is_empty() {
                let _ = writeln!(suites, "{head}/>");
                continue;
            }
            let _ = writeln!(suites, "{head}>");
            for f in &case.failures {
                let mut body = format!("{}:{}:{}: {}", f.file, f.line, f.column, f.message);
                if let Some(help) = &f.help {
                    body.push_str("\nhelp: ");
                    body.push_str(help);
                }
                let _ = writeln!(
                    suites,
                    "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                    f.severity,
                    xml(&f.message),
                    xml(&body)
                );
            }
            if case.failures.is_empty() {
                let reasons: Vec<String> = case
                    .skipped
                    .iter()
                    .map(|s| {
                        format!("{} ({})", s.suppression.kind(), s.suppression.reason().unwrap_or("in the baseline"))
                    })
                    .collect();
                let _ = writeln!(suites, "      <skipped message=\"waived: {}\"/>", xml(&reasons.join("; ")));
            }
            let _ = writeln!(suites, "    </testcase>");
        }
        let _ = writeln!(suites, "  </testsuite>");
    }
    let _ = writeln!(
        out,
        "<testsuites name=\"plimsoll\" tests=\"{total_tests}\" failures=\"{total_failures}\" errors=\"{total_errors}\" skipped=\"{total_skipped}\">"
    );
    out.push_str(&suites);
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_xml() {
        assert_eq!(xml("a<b & \"c\" 'd'>\u{1}"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
    }
}
