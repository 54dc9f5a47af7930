//! Every built-in pack's fixtures, run through the real embedded components.
//!
//! A fixture fails when an expected finding is missing or an unexpected one appears; every rule of
//! every pack must have at least one fixture that expects it, so no rule goes untested.

use std::collections::BTreeSet;

use plimsoll::check::Engine;
use plimsoll::fixtures;
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
        let mut covered = BTreeSet::new();
        for case in fixtures::discover(&dir) {
            let files = if case.is_dir() {
                std::fs::read_dir(&case).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_file()).collect()
            } else {
                vec![case.clone()]
            };
            for file in files {
                let text = std::fs::read_to_string(&file).unwrap_or_default();
                covered.extend(fixtures::expectations_in(&file, &text, &pack.info.id).into_iter().map(|(_, _, r)| r));
            }
        }
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
