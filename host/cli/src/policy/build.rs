//! `plimsoll policy build [DIR]`: build a pack directory into a component and verify it.
//!
//! Rust packs build with `cargo build --target wasm32-wasip2 --release`, Python packs with
//! componentize-py, JavaScript packs with componentize-js (WASI `http` and `fetch-event` disabled,
//! since the sandbox provides neither), both against the contract embedded in this binary. The component is written beside the manifest at its
//! `component:` path only after [`super::verify`] accepts it, through a temporary file and a
//! rename, so a failed build never leaves a broken component where `packs:` would load it.
//!
//! Rust builds are reproducible (the same sources give the same bytes). componentize-py and
//! componentize-js are not (their pre-initialized snapshots hold build-time randomness and clocks:
//! componentize-py#247, ComponentizeJS#321), so for Python and JavaScript packs the component
//! records a digest of its inputs (sources, contract, toolchain version) in a custom section, and a
//! build whose inputs did not change keeps the component as it is: an unchanged pack keeps its
//! bytes, its cache entry and its registry digest. `--force` rebuilds anyway.

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
    /// The component was kept: its recorded inputs are this build's (Python and JavaScript packs).
    pub unchanged: bool,
}

/// Name of the custom section in which a Python or JavaScript pack's component records the digest
/// of the inputs it was built from.
pub const INPUTS_SECTION: &str = "plimsoll:inputs";

/// Build the pack in `dir` and verify the component; every problem is one message. A Python or
/// JavaScript pack whose component records this build's inputs is verified and kept as it is,
/// unless `force`.
pub fn build(runtime: &Runtime, dir: &Path, force: bool) -> Result<Built, Vec<String>> {
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
    let origin = component.display().to_string();
    let limits = manifest.limits().map_err(|e| vec![e])?;
    let start = Instant::now();
    let inputs = match language {
        Language::Rust => None,
        Language::Python | Language::Js => Some(inputs_digest(dir, language, &component).map_err(|e| vec![e])?),
    };
    if let Some(inputs) = inputs.as_deref().filter(|_| !force)
        && let Ok(bytes) = std::fs::read(&component)
        && recorded_inputs(&bytes).as_deref() == Some(inputs)
    {
        let pack = verify::verify(runtime, &bytes, &origin, limits, Some(&manifest))?;
        // Up to date from now on for the staleness check of `policy test` (content untouched).
        if let Ok(file) = std::fs::File::options().append(true).open(&component) {
            let _ = file.set_modified(std::time::SystemTime::now());
        }
        return Ok(Built {
            manifest,
            component,
            pack,
            build_time: Duration::ZERO,
            total_time: start.elapsed(),
            unchanged: true,
        });
    }
    let out_dir = component.parent().map(Path::to_path_buf).unwrap_or_else(|| dir.to_path_buf());
    std::fs::create_dir_all(&out_dir).map_err(|e| vec![format!("{}: cannot create: {e}", out_dir.display())])?;
    let name = component.file_name().and_then(|n| n.to_str()).unwrap_or("pack.wasm");
    let tmp = out_dir.join(format!(".{name}.{}.plimsoll-tmp", std::process::id()));
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
    let mut bytes = std::fs::read(&tmp).map_err(|e| vec![format!("{}: cannot read: {e}", tmp.display())])?;
    if let Some(inputs) = &inputs {
        append_custom_section(&mut bytes, INPUTS_SECTION, inputs.as_bytes());
        if let Err(e) = std::fs::write(&tmp, &bytes) {
            let _ = std::fs::remove_file(&tmp);
            return Err(vec![format!("{}: cannot write: {e}", tmp.display())]);
        }
    }
    let pack = match verify::verify(runtime, &bytes, &origin, limits, Some(&manifest)) {
        Ok(pack) => pack,
        Err(problems) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(problems);
        }
    };
    std::fs::rename(&tmp, &component).map_err(|e| vec![format!("{}: cannot write: {e}", component.display())])?;
    Ok(Built { manifest, component, pack, build_time, total_time: start.elapsed(), unchanged: false })
}

/// `sha256:<hex>` of what a Python or JavaScript build reads: the toolchain's `--version`, the
/// contract, and every source file of the pack directory (relative path and bytes, sorted; the
/// component itself, `tests/`, dot files and the directories of [`SKIP`] excluded, 8 levels deep).
/// Modules imported from outside the pack directory (site-packages) are not inputs: after
/// upgrading one, `policy build --force`.
fn inputs_digest(dir: &Path, language: Language, component: &Path) -> Result<String, String> {
    use sha2::{Digest, Sha256};
    let mut version = tools::command(language)?;
    let program = version.get_program().to_string_lossy().to_string();
    let output = version.arg("--version").output().map_err(|e| format!("cannot run `{program} --version`: {e}"))?;
    if !output.status.success() {
        return Err(format!("`{program} --version` failed: {}", String::from_utf8_lossy(&output.stderr).trim()));
    }
    let mut hash = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    };
    field(b"plimsoll-pack-inputs-v1");
    field(language.as_str().as_bytes());
    field(String::from_utf8_lossy(&output.stdout).trim().as_bytes());
    for (name, text) in WIT_FILES {
        field(name.as_bytes());
        field(text.as_bytes());
    }
    let mut files = Vec::new();
    source_files(dir, dir, 0, &mut files);
    files.sort();
    let component = component.canonicalize().unwrap_or_else(|_| component.to_path_buf());
    for relative in files {
        let path = dir.join(&relative);
        if path == component {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        field(relative.as_bytes());
        field(&bytes);
    }
    Ok(format!("sha256:{}", hex::encode(hash.finalize())))
}

/// Directories a pack's sources never live in.
const SKIP: &[&str] = &["target", "dist", "node_modules", "__pycache__", "tests", ".git"];

/// Every file below `dir`, as `/`-separated paths relative to `root` (dot files and [`SKIP`] left out).
fn source_files(root: &Path, dir: &Path, depth: usize, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            if depth < 8 && !SKIP.contains(&name.as_str()) {
                source_files(root, &path, depth + 1, out);
            }
        } else if path.is_file()
            && let Ok(relative) = path.strip_prefix(root)
        {
            // Regular files only (links followed): a socket, a FIFO or a dangling link is no source.
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// Append a custom section (`id 0`, name, payload) to a component or module binary.
fn append_custom_section(bytes: &mut Vec<u8>, name: &str, payload: &[u8]) {
    let mut body = Vec::new();
    leb128(&mut body, name.len() as u64);
    body.extend_from_slice(name.as_bytes());
    body.extend_from_slice(payload);
    bytes.push(0);
    leb128(bytes, body.len() as u64);
    bytes.extend_from_slice(&body);
}

fn leb128(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// The payload of the component's [`INPUTS_SECTION`], if it has one (top-level sections only).
pub fn recorded_inputs(bytes: &[u8]) -> Option<String> {
    fn read_leb(bytes: &[u8], at: &mut usize) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *bytes.get(*at)?;
            *at += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }
    let mut at = 8; // magic and version/layer
    let mut found = None;
    while at < bytes.len() {
        let id = bytes[at];
        at += 1;
        let size = usize::try_from(read_leb(bytes, &mut at)?).ok()?;
        let end = at.checked_add(size).filter(|e| *e <= bytes.len())?;
        if id == 0 {
            let mut name_at = at;
            let len = usize::try_from(read_leb(bytes, &mut name_at)?).ok()?;
            let name_end = name_at.checked_add(len).filter(|e| *e <= end)?;
            if &bytes[name_at..name_end] == INPUTS_SECTION.as_bytes() {
                found = Some(String::from_utf8_lossy(&bytes[name_end..end]).to_string());
            }
        }
        at = end;
    }
    found
}

/// Whether the component is missing or older than a source file of the pack (the files the
/// inputs digest reads).
pub fn is_stale(manifest: &LoadedManifest) -> bool {
    let Ok(built) = std::fs::metadata(manifest.component_path()).and_then(|m| m.modified()) else { return true };
    let dir = manifest.dir();
    let mut files = Vec::new();
    source_files(dir, dir, 0, &mut files);
    files.iter().filter_map(|f| std::fs::metadata(dir.join(f)).and_then(|m| m.modified()).ok()).any(|t| t > built)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inputs_section_round_trips_and_is_found_among_other_sections() {
        // A component preamble, one non-custom section, another custom section.
        let mut bytes = vec![0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
        bytes.extend([1, 3, 0xaa, 0xbb, 0xcc]);
        append_custom_section(&mut bytes, "name", b"x");
        assert_eq!(recorded_inputs(&bytes), None);
        let long = format!("sha256:{}", "ab".repeat(100));
        append_custom_section(&mut bytes, INPUTS_SECTION, long.as_bytes());
        assert_eq!(recorded_inputs(&bytes).as_deref(), Some(long.as_str()));
        // A cut binary is read as far as it goes, never past its end.
        assert_eq!(recorded_inputs(&bytes[..bytes.len() - 1]), None);
        let mut big = Vec::new();
        leb128(&mut big, 300);
        assert_eq!(big, [0xac, 0x02]);
    }
}
