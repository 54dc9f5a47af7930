//! Compiles workspace crates to `wasm32-wasip2` components from a build script.
//!
//! Used by the build scripts of `plimsoll` (the built-in packs) and `plimsoll-tests` (the hostile
//! guest). The nested `cargo build` gets its own target directory so it never waits on the outer
//! build's lock, and a missing target stops the build with one clear error naming the fix.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The target directory for nested wasm builds: `$CARGO_TARGET_DIR/wasm`, else `<root>/target/wasm`.
pub fn wasm_target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| if p.is_absolute() { p } else { root.join(p) })
        .unwrap_or_else(|| root.join("target"))
        .join("wasm")
}

/// Every file below `dir` that a component build reads (sources, manifests, WIT), skipping build
/// output, for `cargo:rerun-if-changed` lines. Directories are listed too, so added files count.
pub fn source_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name == "target" || name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            out.extend(source_files(&path));
        } else if ["rs", "toml", "wit"].iter().any(|ext| path.extension().is_some_and(|e| e == *ext)) {
            out.push(path);
        }
    }
    out
}

/// Initial linear memory of the components built here, in bytes.
const INITIAL_MEMORY: usize = 2 << 20;

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
    for var in
        ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "RUSTC_WRAPPER", "RUSTC_WORKSPACE_WRAPPER", "CARGO_BUILD_TARGET"]
    {
        cmd.env_remove(var);
    }
    // Start with 2 MiB of memory (1 MiB of it the stack) instead of the linker's minimum: an
    // evaluation of a typical project then never grows memory, and growing costs two `mprotect`
    // calls per evaluation (one to grow, one when the sandbox is reset for the next instance).
    cmd.env("CARGO_TARGET_WASM32_WASIP2_RUSTFLAGS", format!("-C link-arg=--initial-memory={INITIAL_MEMORY}"));
    let status = cmd.status().expect("run cargo to build the policy components");
    if !status.success() {
        panic!("building the policy components for wasm32-wasip2 failed (see the errors above)");
    }
    crates
        .map(|krate| target_dir.join("wasm32-wasip2/policy").join(format!("{}.wasm", krate.replace('-', "_"))))
        .collect()
}

/// Stop with a clear error when the `wasm32-wasip2` target is missing.
pub fn check_target_installed() {
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
