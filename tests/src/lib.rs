//! End-to-end tests of Plimsoll: built-in pack fixtures and the acceptance stacks through the real
//! components, and hostile components that test every limit of the sandbox.
//!
//! This library only locates shared test data (falling back to `examples/` when `../shared` is absent) and exposes the hostile guest component built by the
//! build script; the tests live in `tests/`.

use std::path::PathBuf;

/// The hostile guest component (see `guests/hostile`).
pub static HOSTILE_WASM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/hostile.wasm"));

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `../shared` beside the checkout (CI places it there), if present.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = workspace_root().join("../shared");
    dir.is_dir().then(|| dir.canonicalize().unwrap_or(dir))
}

/// The acceptance stacks: `../shared/acceptance` when it is beside the checkout, else the copies in
/// `examples/` (each with its `expected.tsv`). Panics when neither holds a stack, so a test that
/// uses them can never pass by finding nothing.
pub fn acceptance_dir() -> PathBuf {
    let shared = shared_dir().map(|s| s.join("acceptance")).filter(|d| d.join("ziggie-before/expected.tsv").is_file());
    let dir = shared.unwrap_or_else(|| workspace_root().join("examples"));
    assert!(
        dir.join("ziggie-before/expected.tsv").is_file(),
        "no acceptance stacks: neither ../shared/acceptance nor examples/ holds ziggie-before/expected.tsv"
    );
    dir
}

/// Every acceptance stack (a directory with an `expected.tsv`) of [`acceptance_dir`], sorted.
pub fn acceptance_stacks() -> Vec<PathBuf> {
    let dir = acceptance_dir();
    let mut stacks: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the acceptance directory is readable")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("expected.tsv").is_file())
        .collect();
    stacks.sort();
    assert!(!stacks.is_empty(), "no acceptance stacks in {}", dir.display());
    stacks
}
