//! Shared helpers of the `policy_*` tests: run the real `plimsoll` binary with a test cache, find
//! the acceptance stacks, and decide whether a language's toolchain is here.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use plimsoll::policy::{Language, tools};

/// The checkout.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the checkout exists")
}

/// A scratch directory shared by runs (the cargo target directory and the component cache, which
/// are safe to share: cargo locks, cache entries are written atomically).
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

/// A work directory of this test process only: two `cargo test` runs in one checkout never touch
/// each other's packs and stack copies.
pub fn work_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a work directory");
    dir
}

/// `plimsoll ARGS` in `dir`, with a shared component cache and a shared cargo target directory.
pub fn plimsoll(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .current_dir(dir)
        .args(args)
        .env("PLIMSOLL_CACHE_DIR", scratch("policy-cache"))
        .env("CARGO_TARGET_DIR", scratch("policy-packs-target"))
        .env("NO_COLOR", "1")
        .output()
        .expect("run plimsoll")
}

/// Output as text, for assertion messages.
pub fn text(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Whether the toolchain of `language` is installed; prints why a test is skipped when not.
pub fn toolchain(language: Language, test: &str) -> bool {
    match tools::available(language) {
        Ok(()) => true,
        Err(reason) => {
            if std::env::var_os("CI").is_some() {
                panic!("{test}: the {language} toolchain must be installed in CI: {reason}");
            }
            eprintln!("skipped {test} for {language}: {reason}");
            false
        }
    }
}

/// The acceptance stacks: `../shared/acceptance` beside the checkout, else the copies in `examples/`.
pub use plimsoll_tests::acceptance_stacks;

/// Copy a directory tree.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a directory");
    for entry in std::fs::read_dir(from).expect("read a directory").flatten() {
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &dest);
        } else if path.is_file() {
            std::fs::copy(&path, &dest).expect("copy a file");
        }
    }
}

/// A copy of `stack` in `dir` whose plimsoll.yaml also loads `packs`.
pub fn stack_with_packs(stack: &Path, dir: &Path, packs: &[&Path]) -> PathBuf {
    let copy = dir.join(stack.file_name().expect("a stack name"));
    let _ = std::fs::remove_dir_all(&copy);
    copy_tree(stack, &copy);
    let config = copy.join("plimsoll.yaml");
    let mut text = std::fs::read_to_string(&config).unwrap_or_default();
    assert!(!text.lines().any(|l| l.starts_with("packs:")), "{} already has packs:", config.display());
    let list: Vec<String> = packs.iter().map(|p| format!("{:?}", p.display().to_string())).collect();
    text.push_str(&format!("\npacks: [{}]\n", list.join(", ")));
    std::fs::write(&config, text).expect("write plimsoll.yaml");
    copy
}

/// A finding as compared: (rule, file, line, column, message).
pub type Finding = (String, String, u64, u64, String);

/// `plimsoll check --format json` of a stack: the findings of `pack` as (rule, file, line, column,
/// message), and the errors.
pub fn check_findings(stack: &Path, pack: &str) -> (Vec<Finding>, Vec<String>) {
    let output = plimsoll(stack, &["check", ".", "--format", "json"]);
    // Machine formats show paths relative to the repository root (this checkout, when the stack
    // is below it): make them relative to the stack.
    let stack_abs = stack.canonicalize().unwrap_or_else(|_| stack.to_path_buf());
    let repository = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the checkout");
    let below_stack = |file: &str| -> String {
        let absolute = repository.join(file);
        match absolute.strip_prefix(&stack_abs) {
            Ok(rest) if stack_abs.starts_with(&repository) => rest.to_string_lossy().replace('\\', "/"),
            _ => file.to_string(),
        }
    };
    let json: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("check of {} did not print JSON ({e}):\n{}", stack.display(), text(&output)));
    let findings = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["pack"] == pack)
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                below_stack(f["file"].as_str().unwrap_or_default()),
                f["line"].as_u64().unwrap_or_default(),
                f["column"].as_u64().unwrap_or_default(),
                f["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let errors = json["errors"]
        .as_array()
        .map(|errors| errors.iter().map(|e| e["message"].as_str().unwrap_or_default().to_string()).collect())
        .unwrap_or_default();
    (findings, errors)
}
