//! The `junit` format: JUnit XML for CI test dashboards.
//!
//! One test suite per project (named by its path); in it one test case per rule × service, named
//! so that no two cases of a report share a class name and name: the class name is the project's
//! path and the service (`apps/billing/docker.api`; `(project)` for findings that belong to no
//! service, and for projects without services), the name the rule id; `file` is where the case's
//! first finding is. Only findings that reach the project's `fail-on` are `<failure>`s; a case whose
//! findings are all below it passes, with them listed in `<system-out>`, so a passing gate never
//! shows a red report. A case whose findings are all waived is `<skipped>` with the reasons. Each
//! load, configuration or evaluation error is a test case with an `<error>`, reported once.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use plimsoll_check::{Finding, Outcome, Suppressed};

/// Escape text for XML (and HTML) attributes and content; control characters XML cannot hold are
/// dropped.
pub(crate) fn xml(text: &str) -> String {
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

/// One test case: the findings that fail it, those that do not, and the waived ones.
#[derive(Default)]
struct Case<'a> {
    failures: Vec<&'a Finding>,
    passed: Vec<&'a Finding>,
    skipped: Vec<&'a Suppressed>,
}

impl Case<'_> {
    fn file(&self) -> Option<&str> {
        self.failures
            .iter()
            .chain(&self.passed)
            .map(|f| f.file.as_str())
            .next()
            .or_else(|| self.skipped.first().map(|s| s.finding.file.as_str()))
    }
}

fn finding_text(f: &Finding) -> String {
    let mut body = format!("{}:{}:{}: {} ({}): {}", f.file, f.line, f.column, f.rule, f.severity, f.message);
    if let Some(help) = &f.help {
        body.push_str("\nhelp: ");
        body.push_str(help);
    }
    body
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
    let mut reported_errors = HashSet::new();
    for project in &outcome.projects {
        let services: Vec<String> = project
            .loaded
            .as_ref()
            .map(|l| l.model.services.iter().map(|s| s.name.clone()).collect())
            .unwrap_or_default();
        let fail_on = project.fail_on();
        let mut table: BTreeMap<(String, &str), Case> = BTreeMap::new();
        if project.errors.is_empty() {
            for rule in &rule_ids {
                if services.is_empty() {
                    table.entry((PROJECT_CASE.to_string(), rule)).or_default();
                }
                for service in &services {
                    table.entry((service.clone(), rule)).or_default();
                }
            }
        }
        let key = |f: &Finding| f.service.clone().unwrap_or_else(|| PROJECT_CASE.to_string());
        for f in &project.findings {
            let rule = rule_ids.iter().find(|r| **r == f.rule).copied().unwrap_or(f.rule.as_str());
            let case = table.entry((key(f), rule)).or_default();
            if f.severity >= fail_on { case.failures.push(f) } else { case.passed.push(f) }
        }
        for s in &project.suppressed {
            let rule = rule_ids.iter().find(|r| **r == s.finding.rule).copied().unwrap_or(s.finding.rule.as_str());
            table.entry((key(&s.finding), rule)).or_default().skipped.push(s);
        }
        let errors: Vec<_> = project.errors.iter().filter(|e| reported_errors.insert(e.key())).collect();
        let failures = table.values().filter(|c| !c.failures.is_empty()).count();
        let skipped =
            table.values().filter(|c| c.failures.is_empty() && c.passed.is_empty() && !c.skipped.is_empty()).count();
        let tests = table.len() + errors.len();
        total_tests += tests;
        total_failures += failures;
        total_errors += errors.len();
        total_skipped += skipped;
        let _ = writeln!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{}\" skipped=\"{skipped}\">",
            xml(&project.path),
            errors.len()
        );
        for e in errors {
            let place = match (&e.file, e.line) {
                (Some(f), Some(l)) => format!("{f}:{l}: "),
                (Some(f), None) => format!("{f}: "),
                _ => String::new(),
            };
            let name = e.pack.as_ref().map(|p| format!("pack {p}")).unwrap_or_else(|| e.kind.to_string());
            let file = e.file.as_ref().map(|f| format!(" file=\"{}\"", xml(f))).unwrap_or_default();
            let _ = writeln!(
                suites,
                "    <testcase classname=\"{}\" name=\"plimsoll/{}-error: {}\"{file}>\n      <error type=\"{}\" message=\"{}\">{}</error>\n    </testcase>",
                xml(&project.id),
                e.kind,
                xml(&name),
                e.kind,
                xml(&e.message),
                xml(&format!("{place}{}", e.message))
            );
        }
        for ((subject, rule), case) in &table {
            let file = case.file().map(|f| format!(" file=\"{}\"", xml(f))).unwrap_or_default();
            let head = format!(
                "    <testcase classname=\"{}\" name=\"{}\"{file}",
                xml(&format!("{}.{subject}", project.id)),
                xml(rule)
            );
            if case.failures.is_empty() && case.passed.is_empty() && case.skipped.is_empty() {
                let _ = writeln!(suites, "{head}/>");
                continue;
            }
            let _ = writeln!(suites, "{head}>");
            for f in &case.failures {
                let _ = writeln!(
                    suites,
                    "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                    f.severity,
                    xml(&f.message),
                    xml(&finding_text(f))
                );
            }
            if case.failures.is_empty() && case.passed.is_empty() {
                let reasons: Vec<String> = case
                    .skipped
                    .iter()
                    .map(|s| {
                        format!("{} ({})", s.suppression.kind(), s.suppression.reason().unwrap_or("in the baseline"))
                    })
                    .collect();
                let _ = writeln!(suites, "      <skipped message=\"waived: {}\"/>", xml(&reasons.join("; ")));
            }
            if !case.passed.is_empty() {
                let text: Vec<String> = case.passed.iter().map(|f| finding_text(f)).collect();
                let _ = writeln!(
                    suites,
                    "      <system-out>below fail-on ({fail_on}), not failing the gate:\n{}</system-out>",
                    xml(&text.join("\n"))
                );
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
