//! Packs from `packs:` are first-class (issue "Custom packs are first-class"): `--only`/`--skip`
//! name their rules and packs, inline waivers of their rules waive (and are not reported as
//! unknown), a waiver naming an unknown rule waives nothing, and `plimsoll rules` lists them with
//! `--config`, with the nearest `plimsoll.yaml`, or with `--pack`. Through the real binary, with the
//! test suite's `hostile` pack (rule `hostile/report`, one finding per project).

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn project(compose: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), compose).unwrap();
    std::fs::write(dir.path().join("plimsoll.yaml"), "packs: [hostile.wasm]\nsettings:\n  hostile: { mode: ok }\n")
        .unwrap();
    std::fs::write(dir.path().join("hostile.wasm"), plimsoll_tests::HOSTILE_WASM).unwrap();
    // A repository of its own, so the configuration is found from the project only.
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    dir
}

fn plimsoll(dir: &Path, args: &[&str]) -> (Option<i32>, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(args)
        .current_dir(dir)
        .env("PLIMSOLL_CACHE_DIR", std::env::temp_dir().join("plimsoll-cli-tests-cache"))
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code(), json, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn rules(report: &Value) -> Vec<String> {
    let mut rules: Vec<String> =
        report["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect();
    rules.sort();
    rules
}

const COMPOSE: &str = "services:\n  web:\n    image: nginx:1.27.0\n    privileged: true\n";

#[test]
fn only_and_skip_name_the_rules_of_configured_packs() {
    let dir = project(COMPOSE);
    let (code, report, stderr) = plimsoll(dir.path(), &["check", "--format", "json", "--only", "hostile"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(rules(&report), vec!["hostile/report"]);
    let (code, report, stderr) = plimsoll(dir.path(), &["check", "--format", "json", "--only", "hostile/report"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(rules(&report), vec!["hostile/report"]);
    let (_, report, stderr) = plimsoll(dir.path(), &["check", "--format", "json", "--skip", "hostile/report"]);
    assert!(!rules(&report).contains(&"hostile/report".to_string()), "{stderr}");
    assert!(rules(&report).contains(&"security/privileged".to_string()));
    // Unknown to every pack of the run: still an error, exit 2.
    let (code, _, stderr) = plimsoll(dir.path(), &["check", "--format", "json", "--only", "hostile/nope"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("unknown rule or pack `hostile/nope`"), "{stderr}");
    // SARIF describes the configured pack's rule like a built-in one.
    let (_, sarif, _) = plimsoll(dir.path(), &["check", "--format", "sarif"]);
    let ids: Vec<&str> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"hostile/report"), "{ids:?}");
}

#[test]
fn waivers_of_configured_rules_waive_and_unknown_ones_waive_nothing() {
    let waived = format!("# plimsoll-ignore: hostile/report -- the report is expected here\n{COMPOSE}");
    let dir = project(&waived);
    let (_, report, stderr) = plimsoll(dir.path(), &["check", "--format", "json"]);
    let found = rules(&report);
    assert!(!found.contains(&"hostile/report".to_string()), "waived: {found:?} {stderr}");
    assert!(!found.contains(&"plimsoll/invalid-waiver".to_string()), "not unknown: {report}");
    assert_eq!(report["suppressed"][0]["rule"], "hostile/report", "{report}");

    // A waiver naming a rule nobody has is invalid and waives nothing, even the rules it names
    // that exist.
    let mixed = format!("# plimsoll-ignore: hostile/report, hostile/nope -- typo\n{COMPOSE}");
    let dir = project(&mixed);
    let (_, report, _) = plimsoll(dir.path(), &["check", "--format", "json"]);
    let found = rules(&report);
    assert!(found.contains(&"hostile/report".to_string()), "an invalid waiver waived: {found:?}");
    assert!(found.contains(&"plimsoll/invalid-waiver".to_string()), "{found:?}");
    assert!(!found.contains(&"plimsoll/unused-waiver".to_string()), "{found:?}");
}

#[test]
fn rules_lists_configured_and_given_packs() {
    let dir = project(COMPOSE);
    let listed = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
            .args(args)
            .current_dir(dir.path())
            .env("PLIMSOLL_CACHE_DIR", std::env::temp_dir().join("plimsoll-cli-tests-cache"))
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // The nearest plimsoll.yaml, as `check` finds it.
    let (code, text, stderr) = listed(&["rules"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(text.contains("hostile/report"), "{text}");
    let (_, text, _) = listed(&["rules", "hostile/report"]);
    assert!(text.contains("hostile/report"), "one rule's documentation: {text}");
    // --config and --pack, from elsewhere.
    let elsewhere = tempfile::tempdir().unwrap();
    let config = dir.path().join("plimsoll.yaml");
    let out = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(["rules", "--format", "json", "--config"])
        .arg(&config)
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("\"hostile/report\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(["rules", "--pack"])
        .arg(dir.path().join("hostile.wasm"))
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("hostile/report"));
    // Without them, only the built-in packs.
    let out = Command::new(env!("CARGO_BIN_EXE_plimsoll")).arg("rules").current_dir(elsewhere.path()).output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("hostile/"));
    // A pack that is not there: an error naming the resolved path.
    let out = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(["rules", "--pack", "missing.wasm"])
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let resolved = format!("looked for {}", elsewhere.path().join("missing.wasm").display());
    assert!(stderr.contains("missing.wasm") && stderr.contains(&resolved), "the resolved path is shown: {stderr}");
}

#[test]
fn settings_a_pack_refuses_are_its_errors_at_its_entry() {
    let dir = project(COMPOSE);
    std::fs::write(dir.path().join("plimsoll.yaml"), "packs: [hostile.wasm]\nsettings:\n  hostile: { mode: reject }\n")
        .unwrap();
    let (code, report, stderr) = plimsoll(dir.path(), &["check", "--format", "json"]);
    assert_eq!(code, Some(2), "{stderr}");
    let error = &report["errors"][0];
    assert_eq!(error["pack"], "hostile", "{report}");
    assert_eq!((error["file"].as_str(), error["line"].as_u64()), (Some("plimsoll.yaml"), Some(3)), "{report}");
    assert!(error["message"].as_str().unwrap().contains("mode `reject` is rejected"), "{report}");
}
