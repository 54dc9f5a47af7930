//! The gate with a pack that crashes: its evaluation error is reported with the pack's name, fails
//! the decision, exits 1 (not 2: the input and the configuration are fine), and every report format
//! shows it; the other packs' findings are still reported.

use plimsoll_check::{CheckOptions, Decision, Engine, ErrorKind};
use plimsoll_report::{Format, RenderOptions, render, to_json};
use plimsoll_runtime::Limits;
use plimsoll_tests::HOSTILE_WASM;

fn engine_with_hostile() -> Engine {
    let mut engine = Engine::new(None).expect("the engine starts");
    engine.add_pack(HOSTILE_WASM, "hostile.wasm", Limits::default()).expect("the hostile pack loads");
    engine
}

fn project(mode: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  api:\n    image: nginx:1.27.0\n    deploy:\n      resources:\n        limits: { memory: 256M }\n        reservations: { memory: 512M }\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("plimsoll.yaml"), format!("settings:\n  hostile: {{ mode: {mode} }}\n")).unwrap();
    dir
}

#[test]
fn a_crashing_pack_fails_the_gate_with_exit_1() {
    let engine = engine_with_hostile();
    let dir = project("panic");
    let outcome = engine.check(&CheckOptions::paths([dir.path()])).unwrap();
    let errors: Vec<_> = outcome.errors().collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].kind, ErrorKind::Evaluation);
    assert_eq!(errors[0].pack.as_deref(), Some("hostile"));
    assert_eq!(outcome.decision, Decision::Fail);
    assert_eq!(outcome.exit_code(), 1);
    assert!(outcome.findings().any(|f| f.rule == "resources/reservation-exceeds-limit"), "the other packs carry on");
    let json = to_json(&outcome);
    assert_eq!(json["errors"][0]["pack"], "hostile");
    for format in [Format::Human, Format::Sarif, Format::Junit, Format::Github, Format::Markdown] {
        let text = render(&outcome, format, RenderOptions::default());
        assert!(text.contains("hostile"), "{format:?} does not show the failing pack:\n{text}");
    }
}

#[test]
fn the_same_pack_behaving_passes_its_part() {
    let engine = engine_with_hostile();
    let dir = project("ok");
    let outcome = engine.check(&CheckOptions::paths([dir.path()])).unwrap();
    assert_eq!(outcome.errors().count(), 0, "{:?}", outcome.errors().collect::<Vec<_>>());
    // The high reservation finding still fails the gate, for its own reason.
    assert_eq!(outcome.exit_code(), 1);
    let only_hostile = CheckOptions { only: vec!["hostile".into()], ..CheckOptions::paths([dir.path()]) };
    let outcome = engine.check(&only_hostile).unwrap();
    assert_eq!(outcome.errors().count(), 0);
    assert!(outcome.findings().all(|f| f.rule.starts_with("hostile/")));
    let failing = outcome.findings().any(|f| f.severity >= outcome.fail_on);
    assert_eq!(outcome.exit_code(), i32::from(failing));
}
