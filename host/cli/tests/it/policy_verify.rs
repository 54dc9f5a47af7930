//! `policy build` refuses, with a clear message, a component of the wrong world, a pack with
//! duplicate rule ids, one with an invalid settings schema, and one whose docs lack a section.

use std::path::Path;

use crate::policy_common::*;

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).expect("write");
}

fn build_fails_with(pack: &Path, expected: &str) {
    let out = plimsoll(pack, &["policy", "build"]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stderr.contains(expected), "expected {expected:?} in:\n{}", text(&out));
}

#[test]
fn build_rejects_wrong_world_duplicate_ids_bad_schema_and_missing_docs() {
    let work = work_dir("verify");
    let pack = work.join("broken");
    let _ = std::fs::remove_dir_all(&pack);
    let new = plimsoll(&work, &["policy", "new", "broken", "--lang", "rust"]);
    assert!(new.status.success(), "{}", text(&new));
    let ok = plimsoll(&pack, &["policy", "build"]);
    assert!(ok.status.success(), "{}", text(&ok));
    let component = pack.join("dist/broken.wasm");
    let good = std::fs::read(&component).expect("the built component");

    // Duplicate rule ids: a second rule file that declares the same id.
    let rules = pack.join("src/rules/mod.rs");
    let copy = pack.join("src/rules/owner_label_copy.rs");
    std::fs::copy(pack.join("src/rules/owner_label_missing.rs"), &copy).expect("copy the rule");
    edit(&rules, "    owner_label_missing,\n", "    owner_label_missing,\n    owner_label_copy,\n");
    build_fails_with(&pack, "rule id `owner-label-missing` is declared twice");
    // A failed build leaves the previous component in place.
    assert_eq!(std::fs::read(&component).expect("component"), good);
    edit(&rules, "    owner_label_copy,\n", "");
    std::fs::remove_file(&copy).expect("remove the copy");

    // An invalid settings schema: `minLength` must be a non-negative integer.
    let settings = pack.join("src/settings.rs");
    edit(&settings, "#[schemars(length(min = 1))]", "#[schemars(extend(\"minLength\" = \"one\"))]");
    build_fails_with(&pack, "settings schema is not a valid JSON Schema");
    edit(&settings, "#[schemars(extend(\"minLength\" = \"one\"))]", "#[schemars(length(min = 1))]");

    // Docs without a required section.
    let rule = pack.join("src/rules/owner_label_missing.rs");
    edit(&rule, "    /// ## Why is this bad?\n", "    /// ## Why\n");
    build_fails_with(&pack, "the docs of rule `broken/owner-label-missing` lack ## Why is this bad?");
    edit(&rule, "    /// ## Why\n", "    /// ## Why is this bad?\n");

    // The wrong world: a WASI command (a `main`) instead of a policy.
    std::fs::write(pack.join("src/main.rs"), "fn main() {\n    println!(\"hello\");\n}\n").expect("write main.rs");
    edit(
        &pack.join("Cargo.toml"),
        "[lib]\ncrate-type = [\"cdylib\", \"rlib\"]\n",
        "[[bin]]\nname = \"broken\"\npath = \"src/main.rs\"\n\n[lib]\ncrate-type = [\"rlib\"]\n",
    );
    let cargo = std::process::Command::new("cargo")
        .current_dir(&pack)
        .env("CARGO_TARGET_DIR", scratch("policy-packs-target"))
        .args(["build", "--release", "--target", "wasm32-wasip2", "--bin", "broken", "--quiet"])
        .output()
        .expect("run cargo");
    assert!(cargo.status.success(), "{}", text(&cargo));
    let command = scratch("policy-packs-target").join("wasm32-wasip2/release/broken.wasm");
    let wrong = pack.join("dist/wrong-world.wasm");
    std::fs::copy(&command, &wrong).expect("copy the command component");
    let out = plimsoll(&pack, &["policy", "inspect", "dist/wrong-world.wasm"]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(stderr.contains("does not implement the `plimsoll:policy` world (0.1.x)"), "{}", text(&out));
    // The same component named by a manifest is refused by `policy build`'s checks, too.
    let runtime =
        plimsoll_runtime::Runtime::new(plimsoll_runtime::RuntimeOptions { cache: None, ..Default::default() })
            .expect("runtime");
    let bytes = std::fs::read(&wrong).expect("read");
    let problems = plimsoll::policy::verify::verify(&runtime, &bytes, "wrong-world.wasm", Default::default(), None)
        .expect_err("a command is not a policy");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("wrong-world.wasm does not implement the `plimsoll:policy` world"), "{problems:?}");
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn new_refuses_an_existing_directory_and_keeps_it() {
    let work = work_dir("verify-existing");
    let existing = work.join("mine");
    std::fs::create_dir_all(&existing).expect("create");
    std::fs::write(existing.join("notes.txt"), "keep me").expect("write");
    let out = plimsoll(&work, &["policy", "new", "mine", "--lang", "python"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(existing.join("notes.txt")).expect("read"), "keep me");
    assert_eq!(std::fs::read_dir(&existing).expect("read dir").count(), 1);
}
