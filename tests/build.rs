//! Builds the hostile guest component for `wasm32-wasip2` for the sandbox tests.

use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest_dir.join("..").canonicalize().expect("the workspace root exists");
    for dir in ["tests/guests", "sdk", "wit"] {
        for file in plimsoll_wasm_build::source_files(&root.join(dir)) {
            println!("cargo:rerun-if-changed={}", file.display());
        }
    }
    let target_dir = plimsoll_wasm_build::wasm_target_dir(&root);
    let wasm = plimsoll_wasm_build::build_wasm(&root, &target_dir, ["plimsoll-guest-hostile"].into_iter());
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::copy(&wasm[0], out_dir.join("hostile.wasm")).expect("copy the hostile guest");
}
