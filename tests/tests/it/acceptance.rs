//! The acceptance stacks of `../shared/acceptance` (or their copies in `examples/` when `../shared`
//! is absent): every row of every `expected.tsv`, checked on the JSON output of the real check
//! pipeline.
//!
//! A `yes` row must be reported, a `no` row must not be (at any severity), and every row's rule must
//! exist: a row for an unknown rule fails the test.

use plimsoll_check::{CheckOptions, Engine};
use plimsoll_report::to_json;
use plimsoll_tests::acceptance_stacks;
use serde_json::Value;

fn matches(finding: &Value, subject: &str) -> bool {
    if subject == "project" {
        return true;
    }
    if let Some(name) = subject.strip_prefix("service:") {
        return finding["service"].as_str() == Some(name)
            || finding["services"].as_array().is_some_and(|s| s.iter().any(|v| v.as_str() == Some(name)));
    }
    if let Some(path) = subject.strip_prefix("file:") {
        return finding["file"].as_str().is_some_and(|f| f.ends_with(path));
    }
    false
}

#[test]
fn acceptance_stacks_match_their_expectations() {
    let engine = Engine::new(None).expect("engine starts");
    let mut failures = Vec::new();
    let mut pending = Vec::new();
    let mut checked = 0;
    let stacks = acceptance_stacks();
    assert!(stacks.len() >= 5, "expected the five acceptance stacks, found {}", stacks.len());
    for stack in stacks {
        let name = stack.file_name().unwrap().to_string_lossy().to_string();
        let outcome = engine.check(&CheckOptions::paths([&stack])).expect("the check runs");
        let json = to_json(&outcome);
        let load_errors: Vec<_> =
            json["errors"].as_array().unwrap().iter().filter(|e| e["kind"] != "evaluation").collect();
        let findings = json["findings"].as_array().unwrap();
        let expected = std::fs::read_to_string(stack.join("expected.tsv")).unwrap();
        for row in expected.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
            let cols: Vec<&str> = row.split('\t').collect();
            let (rule, subject, want) = (cols[0], cols[1], cols[2] == "yes");
            if engine.rule_info(rule).is_none() {
                pending.push(format!("{name}: {row}"));
                continue;
            }
            checked += 1;
            let found = findings.iter().any(|f| f["rule"] == rule && matches(f, subject));
            if found != want {
                let why = cols.get(3).unwrap_or(&"");
                failures.push(format!(
                    "{name}: {rule} {subject}: expected {}, got {} ({why})",
                    if want { "a finding" } else { "none" },
                    if found { "one" } else { "none" }
                ));
            }
        }
        if !load_errors.is_empty() {
            failures.push(format!("{name}: errors: {load_errors:?}"));
        }
    }
    eprintln!("acceptance: {checked} rows checked, {} rows for rules not implemented yet", pending.len());
    for p in &pending {
        eprintln!("  pending: {p}");
    }
    assert!(checked > 0, "no acceptance row was checked");
    assert!(failures.is_empty(), "acceptance rows failed:\n{}", failures.join("\n"));
    assert!(pending.is_empty(), "{} rows name rules that do not exist", pending.len());
}
