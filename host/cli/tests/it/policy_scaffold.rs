//! The author's path in every language, through the real binary: `policy new` → `policy build` →
//! `policy test` → the pack used by `plimsoll check` on an acceptance stack via `packs:`.
//!
//! Python and JavaScript are skipped, with the reason printed, only when their toolchain is absent
//! outside CI (`scripts/install-toolchains.sh` installs them; CI must have them).

use crate::policy_common::*;
use plimsoll::policy::Language;

fn author_path(language: Language) {
    let test = "scaffold_build_test_check";
    if !toolchain(language, test) {
        return;
    }
    let work = work_dir(&format!("scaffold-{language}"));
    let name = format!("team-{language}");
    let pack = work.join(&name);
    let _ = std::fs::remove_dir_all(&pack);

    let new = plimsoll(&work, &["policy", "new", &name, "--lang", language.as_str()]);
    assert!(new.status.success(), "{}", text(&new));
    for file in ["plimsoll-pack.yaml", "README.md", "tests/fixtures/owner-label-missing/services.yaml"] {
        assert!(pack.join(file).is_file(), "{language}: {file} missing");
    }

    let again = plimsoll(&work, &["policy", "new", &name, "--lang", language.as_str()]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"), "{}", text(&again));

    // Built from the parent directory: the toolchains must get absolute paths.
    let build = plimsoll(&work, &["policy", "build", &name]);
    assert!(build.status.success(), "{language} build: {}", text(&build));
    let component = pack.join(format!("dist/{name}.wasm"));
    assert!(component.is_file(), "{}", component.display());

    if language == Language::Rust {
        // Rust builds are reproducible: the crate compiled again from the same sources gives the
        // same component, byte for byte.
        let built = std::fs::read(&component).unwrap();
        let lib = pack.join("src/lib.rs");
        let source = std::fs::read(&lib).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&lib, &source).unwrap();
        let rebuilt = plimsoll(&work, &["policy", "build", &name]);
        assert!(rebuilt.status.success(), "{}", text(&rebuilt));
        assert_eq!(std::fs::read(&component).unwrap(), built, "the same Rust sources built two components");
    }

    if language == Language::Rust {
        // The scaffold's unit tests run natively with the SDK's test kit.
        let unit = std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .current_dir(&pack)
            .env("CARGO_TARGET_DIR", scratch("policy-packs-target"))
            .args(["test", "--quiet"])
            .output()
            .expect("run cargo test");
        assert!(unit.status.success(), "cargo test of the scaffold: {}", text(&unit));
        assert!(String::from_utf8_lossy(&unit.stdout).contains("2 passed"), "{}", text(&unit));
    }

    let tested = plimsoll(&pack, &["policy", "test", "--no-build"]);
    let out = String::from_utf8_lossy(&tested.stdout).to_string();
    assert!(tested.status.success(), "{language} test: {}", text(&tested));
    assert!(out.contains(&format!("{name}: 2 passed, 0 failed")), "{out}");

    // A broken expectation makes `policy test` fail with a diff and exit 1.
    let fixture = pack.join("tests/fixtures/owner-label-missing/services.yaml");
    let original = std::fs::read_to_string(&fixture).expect("read the fixture");
    std::fs::write(&fixture, original.replace("  api:\n", "  api:  # expect: owner-label-missing\n")).expect("edit");
    let failing = plimsoll(&pack, &["policy", "test", "--no-build"]);
    std::fs::write(&fixture, &original).expect("restore the fixture");
    let out = String::from_utf8_lossy(&failing.stdout).to_string();
    assert_eq!(failing.status.code(), Some(1), "{}", text(&failing));
    assert!(out.contains("- missing") && out.contains(&format!("{name}/owner-label-missing")), "{out}");

    // Use it in `plimsoll check` on an acceptance stack.
    let stack = acceptance_stacks().into_iter().find(|s| s.ends_with("ziggie-before")).expect("ziggie-before");
    let copy = stack_with_packs(&stack, &work, &[&pack]);
    let (findings, errors) = check_findings(&copy, &name);
    assert!(errors.is_empty(), "{language}: {errors:?}");
    assert!(!findings.is_empty(), "{language}: no findings of the new pack on {}", stack.display());
    assert!(findings.iter().all(|f| f.0 == format!("{name}/owner-label-missing")), "{findings:?}");
    assert!(findings.iter().any(|f| f.4.contains("has no `com.example.owner` label")), "{findings:?}");
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn rust_pack_from_scaffold_to_check() {
    author_path(Language::Rust);
}

#[test]
fn python_pack_from_scaffold_to_check() {
    author_path(Language::Python);
}

#[test]
fn js_pack_from_scaffold_to_check() {
    author_path(Language::Js);
}
