//! Every built-in pack's fixtures, run through the real embedded components.
//!
//! A fixture fails when an expected finding is missing or an unexpected one appears; every rule of
//! every pack must have at least one fixture that expects it, so no rule goes untested.

use plimsoll_check::{Engine, fixtures};
use plimsoll_tests::workspace_root;

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
            if !covered.contains(&id) {
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
}
