//! `plimsoll policy build [DIR]`: build a pack directory into a component and verify it.
//!
//! Rust packs build with `cargo build --target wasm32-wasip2 --release`, Python packs with
//! componentize-py, JavaScript packs with componentize-js (WASI `http` and `fetch-event` disabled,
//! since the sandbox provides neither), both against the contract embedded in this binary. The component is written beside the manifest at its
//! `component:` path only after [`super::verify`] accepts it, through a temporary file and a
//! rename, so a failed build never leaves a broken component where `packs:` would load it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use plimsoll_runtime::{Pack, Runtime};

use plimsoll_check::manifest::{self, Language, LoadedManifest};

use super::source::WIT_FILES;
use super::{tools, verify};

/// A built and verified pack.
#[derive(Debug)]
pub struct Built {
    /// The manifest of the pack directory.
    pub manifest: LoadedManifest,
    /// The component file written.
    pub component: PathBuf,
    /// The loaded pack.
    pub pack: Pack,
    /// Time spent in the toolchain.
    pub build_time: Duration,
    /// Wall time of the whole build: the toolchain, then compiling and verifying the component.
    pub total_time: Duration,
}

/// Build the pack in `dir` and verify the component; every problem is one message.
pub fn build(runtime: &Runtime, dir: &Path) -> Result<Built, Vec<String>> {
    // Toolchains run inside the pack directory: every path handed to them must be absolute.
    let dir = &dir.canonicalize().map_err(|e| vec![format!("{}: {e}", dir.display())])?;
    let manifest = manifest::load(dir).map_err(|e| vec![e])?;
    let language = manifest.language().ok_or_else(|| {
        vec![format!(
            "{}: cannot tell the pack's language: set `language: rust|python|js` in {}",
            dir.display(),
            manifest::FILE_NAME
        )]
    })?;
    let component = manifest.component_path();
    let out_dir = component.parent().map(Path::to_path_buf).unwrap_or_else(|| dir.to_path_buf());
    std::fs::create_dir_all(&out_dir).map_err(|e| vec![format!("{}: cannot create: {e}", out_dir.display())])?;
    let name = component.file_name().and_then(|n| n.to_str()).unwrap_or("pack.wasm");
    let tmp = out_dir.join(format!(".{name}.{}.plimsoll-tmp", std::process::id()));
    let start = Instant::now();
    let produced = match language {
        Language::Rust => build_rust(dir, &tmp),
        Language::Python => build_python(dir, &tmp),
        Language::Js => build_js(dir, &tmp),
    };
    let build_time = start.elapsed();
    if let Err(e) = produced {
        let _ = std::fs::remove_file(&tmp);
        return Err(vec![e]);
    }
    let bytes = std::fs::read(&tmp).map_err(|e| vec![format!("{}: cannot read: {e}", tmp.display())])?;
    let origin = component.display().to_string();
    let limits = manifest.limits().map_err(|e| vec![e])?;
    let pack = match verify::verify(runtime, &bytes, &origin, limits, Some(&manifest)) {
        Ok(pack) => pack,
        Err(problems) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(problems);
        }
    };
    std::fs::rename(&tmp, &component).map_err(|e| vec![format!("{}: cannot write: {e}", component.display())])?;
    Ok(Built { manifest, component, pack, build_time, total_time: start.elapsed() })
}

/// Whether the component is missing or older than a source file of the pack.
pub fn is_stale(manifest: &LoadedManifest) -> bool {
    let Ok(built) = std::fs::metadata(manifest.component_path()).and_then(|m| m.modified()) else { return true };
    newest_source(manifest.dir(), 0).is_some_and(|newest| newest > built)
}

fn newest_source(dir: &Path, depth: usize) -> Option<std::time::SystemTime> {
    const SKIP: &[&str] = &["target", "dist", "node_modules", "__pycache__", "tests", ".git"];
    let mut newest = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || (path.is_dir() && SKIP.contains(&name.as_ref())) {
            continue;
        }
        let time = if path.is_dir() {
            if depth > 8 { None } else { newest_source(&path, depth + 1) }
        } else {
            entry.metadata().and_then(|m| m.modified()).ok()
        };
        newest = newest.max(time);
    }
    newest
}

fn build_rust(dir: &Path, out: &Path) -> Result<(), String> {
    let metadata =
        run(tools::command(Language::Rust)?.current_dir(dir).args(["metadata", "--no-deps", "--format-version", "1"]))?;
    let meta: serde_json::Value = serde_json::from_slice(&metadata.stdout)
        .map_err(|e| format!("{}: `cargo metadata` answered something that is not JSON: {e}", dir.display()))?;
    let manifest_path = dir.join("Cargo.toml").canonicalize().unwrap_or_else(|_| dir.join("Cargo.toml"));
    let package = meta["packages"]
        .as_array()
        .and_then(|packages| {
            packages.iter().find(|p| {
                p["manifest_path"].as_str().is_some_and(|m| Path::new(m) == manifest_path) || packages.len() == 1
            })
        })
        .and_then(|p| p["name"].as_str())
        .ok_or_else(|| format!("{}: Cargo.toml has no package", dir.display()))?
        .to_string();
    let target_dir = meta["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| format!("{}: `cargo metadata` gave no target directory", dir.display()))?;
    let mut cmd = tools::command(Language::Rust)?;
    cmd.current_dir(dir).args(["build", "--release", "--target", "wasm32-wasip2", "--lib", "--quiet"]);
    for var in
        ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "RUSTC_WRAPPER", "RUSTC_WORKSPACE_WRAPPER", "CARGO_BUILD_TARGET"]
    {
        cmd.env_remove(var);
    }
    run(&mut cmd)?;
    let wasm = target_dir.join("wasm32-wasip2/release").join(format!("{}.wasm", package.replace('-', "_")));
    std::fs::copy(&wasm, out).map_err(|e| format!("{}: cannot copy the built component: {e}", wasm.display()))?;
    Ok(())
}

fn build_python(dir: &Path, out: &Path) -> Result<(), String> {
    require_source(dir, "pack.py")?;
    let wit = Contract::write(out)?;
    let mut cmd = tools::command(Language::Python)?;
    cmd.current_dir(dir)
        .arg("-d")
        .arg(&wit.0)
        .args(["-w", "policy", "componentize", "-p", ".", "-o"])
        .arg(out)
        .arg("pack");
    run(&mut cmd).map(|_| ())
}

fn build_js(dir: &Path, out: &Path) -> Result<(), String> {
    require_source(dir, "pack.js")?;
    let wit = Contract::write(out)?;
    let mut cmd = tools::command(Language::Js)?;
    cmd.current_dir(dir)
        .args(["pack.js", "--wit"])
        .arg(&wit.0)
        .args(["--world-name", "policy", "--disable", "http", "fetch-event", "--out"])
        .arg(out);
    run(&mut cmd).map(|_| ())
}

fn require_source(dir: &Path, file: &str) -> Result<(), String> {
    if dir.join(file).is_file() { Ok(()) } else { Err(format!("{}: {file} is missing", dir.display())) }
}

/// The contract this plimsoll runs, written beside the output for the toolchain and removed after:
/// Python and JavaScript packs always build against the host's own WIT, never a stale copy.
struct Contract(PathBuf);

impl Contract {
    fn write(out: &Path) -> Result<Self, String> {
        let parent = out.parent().unwrap_or(Path::new("."));
        let dir = parent.join(format!(".wit.{}.plimsoll-tmp", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
        let contract = Self(dir);
        for (name, text) in WIT_FILES {
            let file = contract.0.join(name);
            std::fs::write(&file, text).map_err(|e| format!("{}: cannot write: {e}", file.display()))?;
        }
        Ok(contract)
    }
}

impl Drop for Contract {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Run a command, capturing its output; a failure carries the end of what it printed.
fn run(cmd: &mut Command) -> Result<Output, String> {
    let program = cmd.get_program().to_string_lossy().to_string();
    let output = cmd.output().map_err(|e| format!("cannot run `{program}`: {e}"))?;
    if output.status.success() {
        return Ok(output);
    }
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(60)..].join("\n");
    let args: Vec<String> = cmd.get_args().map(|a| a.to_string_lossy().to_string()).collect();
    Err(format!("`{program} {}` failed ({}):\n{tail}", args.join(" "), output.status))
}
