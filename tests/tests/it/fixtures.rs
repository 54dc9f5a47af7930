//! Every built-in pack's fixtures, run through the real embedded components.
//!
//! A fixture fails when an expected finding is missing or an unexpected one appears; every rule of
//! every pack must have at least one fixture that expects it, so no rule goes untested — except the
//! rules of [`UNREACHABLE_FROM_COMPOSE`], which no loadable compose file can trigger.

use plimsoll_check::{Engine, fixtures};
use plimsoll_tests::workspace_root;

/// Rules no compose file can reach because Docker Compose refuses every project they would flag
/// (the model reports those as load errors, as Compose does); each is unit-tested on a project
/// changed in memory instead.
const UNREACHABLE_FROM_COMPOSE: &[(&str, &str)] = &[
    (
        "resources/limit-conflict",
        "docker-compose v2.40.3 refuses `mem_limit`, `mem_reservation`, `cpus` or `pids_limit` next to a \
         `deploy.resources` section with another value (\"can't set distinct values\")",
    ),
    (
        "health/duplicate-container-name",
        "docker-compose v2.40.3 refuses two services that run together with one `container_name` \
         (\"container name ... is already in use\"); services of profiles that never run together pass",
    ),
];

#[test]
fn builtin_pack_fixtures_pass_and_cover_every_rule() {
    let engine = Engine::new(None).expect("engine starts");
    let mut failures = Vec::new();
    let mut uncovered = Vec::new();
    for pack in engine.packs() {
        let dir = workspace_root().join("policies").join(&pack.info.id).join("tests/fixtures");
        let results = fixtures::run_all(&engine, &pack.info.id, &dir);
        failures.extend(results.iter().filter(|r| !r.passed()).map(|r| r.describe()));
        assert!(!results.is_empty(), "{}: no fixtures in {}", pack.info.id, dir.display());
        let covered = fixtures::expected_rules(&dir, &pack.info.id);
        for rule in &pack.info.rules {
            let id = format!("{}/{}", pack.info.id, rule.id);
            if !covered.contains(&id) && !UNREACHABLE_FROM_COMPOSE.iter().any(|(r, _)| *r == id) {
                uncovered.push(id);
            }
        }
    }
    assert!(failures.is_empty(), "fixtures failed:\n{}", failures.join("\n"));
    assert!(uncovered.is_empty(), "rules without a fixture that expects them: {uncovered:?}");
}

#[test]
fn a_fixture_with_a_wrong_expectation_fails() {
    let engine = Engine::new(None).expect("engine starts");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wrong.yaml");
    // The finding is on the `redis:` line, but the expectation sits on `image:` (the CPU and pids
    // limits keep the pack's other per-service rules quiet).
    std::fs::write(
        &file,
        "services:\n  redis:\n    cpus: 1\n    pids_limit: 100\n    image: redis:7  # expect: memory-limit-missing\n",
    )
    .unwrap();
    let result = fixtures::run_case(&engine, "resources", &file);
    assert!(!result.passed());
    assert_eq!(result.missing.len(), 1, "{}", result.describe());
    assert_eq!(result.unexpected.len(), 1, "{}", result.describe());
    // A misspelled rule id is named, with the rule it probably means.
    std::fs::write(
        &file,
        "services:\n  redis:  # expect: memory-limit-mising\n    cpus: 1\n    pids_limit: 100\n    image: redis:7\n",
    )
    .unwrap();
    let result = fixtures::run_case(&engine, "resources", &file);
    assert!(!result.passed());
    let said = result.errors.join("\n");
    assert!(
        said.contains("`# expect: resources/memory-limit-mising` names no rule of pack `resources`; did you mean `resources/memory-limit-missing`?"),
        "{said}"
    );
}

/// What a pack reported on one fixture, as a reviewer reads it: one line per finding with its place
/// (relative to the fixture), rule, severity and message.
fn rendered(result: &fixtures::CaseResult) -> String {
    let lines: Vec<String> = result
        .findings
        .iter()
        .map(|f| format!("{}:{}:{} {} {}: {}", f.file, f.line, f.column, f.rule, f.severity, f.message))
        .collect();
    lines.join("\n") + "\n"
}

/// Whether a message follows the house style: starts lowercase (or with a quoted object or a
/// number), names its object in backticks — or, for a finding about a whole budget, its numbers —
/// and has no trailing period.
fn message_style_problem(message: &str) -> Option<&'static str> {
    let first = message.chars().next()?;
    if first.is_uppercase() {
        return Some("starts with a capital letter");
    }
    if message.ends_with('.') && !message.ends_with("...") {
        return Some("ends with a period");
    }
    if !message.contains('`') && !message.chars().any(|c| c.is_ascii_digit()) {
        return Some("names no object in backticks");
    }
    None
}

#[test]
fn every_fixture_s_findings_are_snapshotted_with_their_messages_in_house_style() {
    let engine = Engine::new(None).expect("engine starts");
    let mut style = Vec::new();
    let mut snapshots = 0;
    for pack in engine.packs() {
        let id = &pack.info.id;
        let dir = workspace_root().join("policies").join(id).join("tests/fixtures");
        for result in fixtures::run_all(&engine, id, &dir) {
            let case = result.path.strip_prefix(&dir).unwrap();
            let name = case.to_string_lossy().replace(['/', '.'], "_");
            insta::with_settings!({
                snapshot_path => "snapshots/fixtures",
                prepend_module_to_snapshot => false,
                description => format!("findings of the `{id}` pack on its fixture {}", case.display()),
                omit_expression => true,
            }, {
                insta::assert_snapshot!(format!("{id}__{name}"), rendered(&result));
            });
            snapshots += 1;
            for f in &result.findings {
                if let Some(problem) = message_style_problem(&f.message) {
                    style.push(format!("{} ({}:{}): {problem}: {}", f.rule, result.path.display(), f.line, f.message));
                }
            }
        }
    }
    assert!(snapshots > 40, "only {snapshots} fixtures found");
    assert!(style.is_empty(), "messages out of house style:\n{}", style.join("\n"));
}

#[test]
fn the_style_check_catches_bad_messages() {
    assert_eq!(message_style_problem("Service `a` has no limit"), Some("starts with a capital letter"));
    assert_eq!(message_style_problem("service `a` has no limit."), Some("ends with a period"));
    assert_eq!(message_style_problem("service a has no limit"), Some("names no object in backticks"));
    assert_eq!(message_style_problem("memory limits add up to 15.5 GiB but the host has 14 GiB"), None);
    assert_eq!(message_style_problem("service `a` has no memory limit"), None);
}

#[test]
fn host_rules_have_the_documentation_sections_of_every_rule() {
    for rule in plimsoll_check::host_rules::rules() {
        for section in ["## What it does", "## Why is this bad?", "## Example"] {
            assert!(rule.docs.contains(section), "plimsoll/{} has no `{section}`", rule.id);
        }
        assert!(message_style_problem(&format!("`{}` {}", rule.id, rule.summary)).is_none(), "{}", rule.summary);
        assert!(rule.summary.chars().next().is_some_and(|c| !c.is_uppercase()), "{}", rule.summary);
    }
}
