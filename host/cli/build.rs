//! Builds the built-in policy packs for `wasm32-wasip2` and embeds them in the binary.
//!
//! The packs are workspace members compiled by a nested `cargo build` with its own target
//! directory (`<target>/wasm`), so `cargo run -- check …` and `cargo test` need no extra step once
//! the target is installed. A missing target stops the build with one clear error.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The built-in packs: (pack id, crate name).
const PACKS: &[(&str, &str)] = &[("resources", "plimsoll-policy-resources")];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest_dir.join("../..").canonicalize().expect("the workspace root exists");
    for dir in ["policies", "sdk", "wit"] {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
    }
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=PLIMSOLL_SKIP_POLICY_BUILD");

    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| if p.is_absolute() { p } else { root.join(p) })
        .unwrap_or_else(|| root.join("target"))
        .join("wasm");

    let wasm = build_wasm(&root, &target_dir, PACKS.iter().map(|(_, krate)| *krate));
    let mut generated = String::from("/// The built-in packs: (pack id, component bytes).\npub static BUILTIN_PACKS: &[(&str, &[u8])] = &[\n");
    for ((id, krate), path) in PACKS.iter().zip(wasm) {
        let dest = out_dir.join(format!("{}.wasm", krate.replace('-', "_")));
        std::fs::copy(&path, &dest).unwrap_or_else(|e| panic!("copy {}: {e}", path.display()));
        generated.push_str(&format!("    ({id:?}, include_bytes!({:?})),\n", dest.display().to_string()));
    }
    generated.push_str("];\n");
    std::fs::write(out_dir.join("builtin_packs.rs"), generated).expect("write builtin_packs.rs");
}

/// Build crates for wasm32-wasip2 with the `policy` profile; return their `.wasm` paths.
pub fn build_wasm<'a>(root: &Path, target_dir: &Path, crates: impl Iterator<Item = &'a str> + Clone) -> Vec<PathBuf> {
    check_target_installed();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args(["build", "--quiet", "--profile", "policy", "--target", "wasm32-wasip2"])
        .env("CARGO_TARGET_DIR", target_dir);
    for krate in crates.clone() {
        cmd.args(["-p", krate]);
    }
    for var in ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "RUSTC_WRAPPER", "RUSTC_WORKSPACE_WRAPPER", "CARGO_BUILD_TARGET"] {
        cmd.env_remove(var);
    }
    let status = cmd.status().expect("run cargo to build the policy components");
    if !status.success() {
        panic!("building the policy components for wasm32-wasip2 failed (see the errors above)");
    }
    crates.map(|krate| target_dir.join("wasm32-wasip2/policy").join(format!("{}.wasm", krate.replace('-', "_")))).collect()
}

fn check_target_installed() {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let sysroot = Command::new(rustc).args(["--print", "sysroot"]).output().ok().filter(|o| o.status.success());
    if let Some(out) = sysroot {
        let sysroot = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if !sysroot.join("lib/rustlib/wasm32-wasip2").is_dir() {
            eprintln!("error: the wasm32-wasip2 target is not installed; run `rustup target add wasm32-wasip2`");
            panic!("the wasm32-wasip2 target is not installed: run `rustup target add wasm32-wasip2`");
        }
    }
}
