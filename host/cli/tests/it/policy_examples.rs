//! The example packs in `examples/policies/{rust,python,js}`: each builds, passes its fixtures, and
//! all three report exactly the same findings on every acceptance stack. `policy inspect` shows
//! what a reviewer needs.

use std::collections::BTreeMap;

use crate::policy_common::*;
use plimsoll::policy::Language;

type Findings = Vec<Finding>;

#[test]
fn example_packs_build_pass_and_agree_on_every_acceptance_stack() {
    let stacks = acceptance_stacks();
    let work = work_dir("examples-check");
    let mut per_language: BTreeMap<&str, BTreeMap<String, Findings>> = BTreeMap::new();
    for language in [Language::Rust, Language::Python, Language::Js] {
        if !toolchain(language, "example_packs") {
            continue;
        }
        let dir = root().join("examples/policies").join(language.as_str());
        let tested = plimsoll(&dir, &["policy", "test", "--build"]);
        let out = String::from_utf8_lossy(&tested.stdout).to_string();
        assert!(tested.status.success(), "{language} example: {}", text(&tested));
        assert!(out.contains("acme: 4 passed, 0 failed"), "{out}");

        let lang_dir = work.join(language.as_str());
        let mut results = BTreeMap::new();
        for stack in &stacks {
            let copy = stack_with_packs(stack, &lang_dir, &[&dir]);
            let (mut findings, errors) = check_findings(&copy, "acme");
            assert!(errors.is_empty(), "{language} on {}: {errors:?}", stack.display());
            // Files are shown relative to the working directory: make them relative to the stack.
            for f in &mut findings {
                f.1 = f.1.trim_start_matches("./").to_string();
            }
            findings.sort();
            results.insert(stack.file_name().unwrap().to_string_lossy().to_string(), findings);
        }
        let total: usize = results.values().map(Vec::len).sum();
        assert!(total > 0, "{language}: the example found nothing on the acceptance stacks");
        assert!(
            results.values().flatten().any(|f| f.0 == "acme/base-image-not-allowed")
                || results.values().flatten().any(|f| f.0 == "acme/owner-label-missing"),
            "{results:?}"
        );
        per_language.insert(language.as_str(), results);
        if language == Language::Rust {
            inspect_shows_rules_schema_imports_size_and_digest();
            // A loose component in `packs:` works like its pack directory.
            let stack = stacks.iter().find(|s| s.ends_with("vx11")).unwrap_or(&stacks[0]);
            let loose = stack_with_packs(stack, &work.join("loose"), &[&dir.join("dist/acme.wasm")]);
            let (mut findings, errors) = check_findings(&loose, "acme");
            assert!(errors.is_empty(), "{errors:?}");
            for f in &mut findings {
                f.1 = f.1.trim_start_matches("./").to_string();
            }
            findings.sort();
            let name = stack.file_name().unwrap().to_string_lossy().to_string();
            assert_eq!(findings, per_language["rust"][&name], "a loose .wasm and its pack directory disagree");

            // The manifest's sandbox limits apply: 64KiB of memory cannot even start the pack.
            let starved = work.join("starved");
            std::fs::create_dir_all(starved.join("dist")).expect("create");
            std::fs::copy(dir.join("dist/acme.wasm"), starved.join("dist/acme.wasm")).expect("copy");
            let manifest = std::fs::read_to_string(dir.join("plimsoll-pack.yaml")).expect("manifest");
            std::fs::write(starved.join("plimsoll-pack.yaml"), format!("{manifest}sandbox:\n  memory: 64KiB\n"))
                .expect("write");
            let limited = stack_with_packs(stack, &work.join("starved-stack"), &[&starved]);
            let (findings, errors) = check_findings(&limited, "acme");
            assert!(findings.is_empty(), "{findings:?}");
            assert!(errors.iter().any(|e| e.contains("memory")), "{errors:?}");
        }
    }
    let mut languages = per_language.iter();
    if let Some((first, reference)) = languages.next() {
        for (other, results) in languages {
            for (stack, findings) in reference {
                assert_eq!(findings, &results[stack], "{first} and {other} disagree on {stack}");
            }
        }
    }
    let _ = std::fs::remove_dir_all(&work);
}

/// Run after the Rust example was built by the test above (tests of one file run in parallel, and
/// two builds of one directory must not overlap).
fn inspect_shows_rules_schema_imports_size_and_digest() {
    let dir = root().join("examples/policies/rust");
    let out = plimsoll(&dir, &["policy", "inspect", "dist/acme.wasm", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["pack"]["id"], "acme");
    assert_eq!(json["pack"]["version"], "0.1.0");
    let rules: Vec<(&str, &str)> = json["pack"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["severity"].as_str().unwrap()))
        .collect();
    assert_eq!(rules, [("owner-label-missing", "low"), ("base-image-not-allowed", "medium")]);
    let schema: serde_json::Value = serde_json::from_str(json["pack"]["settings_schema"].as_str().unwrap()).unwrap();
    assert!(schema["properties"]["allowed-images"].is_object(), "{schema}");
    assert_eq!(json["digest"].as_str().unwrap().len(), 64);
    let size = std::fs::metadata(dir.join("dist/acme.wasm")).unwrap().len();
    assert_eq!(json["size"].as_u64(), Some(size));
    let imports = json["imports"].as_array().unwrap();
    let preopens = imports.iter().find(|i| i["name"].as_str().unwrap().starts_with("wasi:filesystem/preopens"));
    if let Some(p) = preopens {
        assert_eq!(p["sandbox"], "no directories: nothing can be opened");
    }
    assert!(imports.iter().any(|i| i["name"].as_str().unwrap().starts_with("plimsoll:policy/")), "{imports:?}");
    assert!(imports.iter().all(|i| !i["sandbox"].as_str().unwrap().starts_with("not provided")), "{imports:?}");
    let human = plimsoll(&dir, &["policy", "inspect", "."]);
    let human = String::from_utf8_lossy(&human.stdout).to_string();
    assert!(human.contains("acme/base-image-not-allowed") && human.contains("sha256"), "{human}");
}
