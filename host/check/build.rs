//! Builds the built-in policy packs for `wasm32-wasip2` and embeds them in the binary.
//!
//! The packs are workspace members compiled by a nested `cargo build` with its own target
//! directory (`<target>/wasm`), so `cargo run -- check …` and `cargo test` need no extra step once
//! the target is installed. A missing target stops the build with one clear error.

use std::path::PathBuf;

/// The built-in packs: (pack id, crate name).
const PACKS: &[(&str, &str)] = &[
    ("resources", "plimsoll-policy-resources"),
    ("health", "plimsoll-policy-health"),
    ("image", "plimsoll-policy-image"),
    ("security", "plimsoll-policy-security"),
];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest_dir.join("../..").canonicalize().expect("the workspace root exists");
    // Every source file, listed one by one: a directory's mtime does not change when a file in a
    // subdirectory is edited, so watching directories alone can embed stale components.
    for dir in ["policies", "sdk", "wit"] {
        for file in plimsoll_wasm_build::source_files(&root.join(dir)) {
            println!("cargo:rerun-if-changed={}", file.display());
        }
    }
    println!("cargo:rerun-if-changed=build.rs");

    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target_dir = plimsoll_wasm_build::wasm_target_dir(&root);

    let wasm = plimsoll_wasm_build::build_wasm(&root, &target_dir, PACKS.iter().map(|(_, krate)| *krate));
    let mut generated = String::from(
        "/// The built-in packs: (pack id, component bytes).\npub static BUILTIN_PACKS: &[(&str, &[u8])] = &[\n",
    );
    for ((id, krate), path) in PACKS.iter().zip(wasm) {
        let dest = out_dir.join(format!("{}.wasm", krate.replace('-', "_")));
        std::fs::copy(&path, &dest).unwrap_or_else(|e| panic!("copy {}: {e}", path.display()));
        generated.push_str(&format!("    ({id:?}, include_bytes!({:?})),\n", dest.display().to_string()));
    }
    generated.push_str("];\n");
    std::fs::write(out_dir.join("builtin_packs.rs"), generated).expect("write builtin_packs.rs");
}
