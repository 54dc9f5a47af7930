//! Finding the toolchains that build packs: cargo, componentize-py and componentize-js.
//!
//! The Python and JavaScript toolchains are pinned and installed by `scripts/install-toolchains.sh`
//! into `.tools/` of the checkout. The order: `PLIMSOLL_COMPONENTIZE_PY` / `PLIMSOLL_COMPONENTIZE_JS`
//! (a command named explicitly wins), then `PLIMSOLL_TOOLS_DIR` (else the checkout's `.tools/`),
//! then `PATH`. A missing tool is an error that lists the places tried and how to install it
//! (`plimsoll policy doctor` prints the same); this module never downloads anything itself.

use std::path::PathBuf;
use std::process::Command;

use plimsoll_check::manifest::Language;

/// componentize-py version the install script pins.
pub const COMPONENTIZE_PY_VERSION: &str = "0.25.1";

/// @bytecodealliance/componentize-js version the install script pins.
pub const COMPONENTIZE_JS_VERSION: &str = "0.23.0";

/// The directory holding the pinned toolchains: `$PLIMSOLL_TOOLS_DIR`, else `.tools/` of the checkout.
pub fn tools_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PLIMSOLL_TOOLS_DIR").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    super::source::source_checkout().map(|root| root.join(".tools"))
}

/// Where the toolchain of a language was looked for, in order, and what was found.
#[derive(Debug)]
pub struct Lookup {
    /// The places tried, in order, each with what was there (`found`, `not set`, `no such file`).
    pub tried: Vec<String>,
    /// The command found, if any.
    pub found: Option<Command>,
}

/// Look for the toolchain of `language`: `$PLIMSOLL_COMPONENTIZE_PY` / `_JS` (an explicit command
/// wins), then `$PLIMSOLL_TOOLS_DIR` or `.tools/` of the checkout plimsoll was built from, then `PATH`.
pub fn lookup(language: Language) -> Lookup {
    let mut tried = Vec::new();
    let (var, tool, in_tools) = match language {
        Language::Rust => {
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            tried.push(format!("$CARGO or PATH: {}", cargo.to_string_lossy()));
            return Lookup { tried, found: Some(Command::new(cargo)) };
        }
        Language::Python => ("PLIMSOLL_COMPONENTIZE_PY", "componentize-py", "python/bin/componentize-py"),
        Language::Js => (
            "PLIMSOLL_COMPONENTIZE_JS",
            "componentize-js",
            "node/node_modules/@bytecodealliance/componentize-js/src/cli.js",
        ),
    };
    match std::env::var_os(var).filter(|v| !v.is_empty()) {
        Some(exe) => {
            tried.push(format!("${var}: {} (used)", exe.to_string_lossy()));
            return Lookup { tried, found: Some(Command::new(exe)) };
        }
        None => tried.push(format!("${var}: not set")),
    }
    let (dir, source) = match std::env::var_os("PLIMSOLL_TOOLS_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => (Some(PathBuf::from(dir)), "$PLIMSOLL_TOOLS_DIR"),
        None => (tools_dir(), "the checkout's .tools"),
    };
    match dir {
        Some(dir) => {
            let path = dir.join(in_tools);
            if path.is_file() {
                tried.push(format!("{source}: {} (used)", path.display()));
                let command = if language == Language::Js {
                    let mut cmd = Command::new("node");
                    cmd.arg(path);
                    cmd
                } else {
                    Command::new(path)
                };
                return Lookup { tried, found: Some(command) };
            }
            tried.push(format!("{source}: {}: no such file", path.display()));
        }
        None => tried.push(format!("{source}: none (this plimsoll was not built from a checkout)")),
    }
    if on_path(tool) {
        tried.push(format!("PATH: {tool} (used)"));
        return Lookup { tried, found: Some(Command::new(tool)) };
    }
    tried.push(format!("PATH: no `{tool}`"));
    Lookup { tried, found: None }
}

/// The command that builds packs of `language`, ready for arguments; an error says where it
/// looked and how to install it.
pub fn command(language: Language) -> Result<Command, String> {
    let found = lookup(language);
    if let Some(command) = found.found {
        return Ok(command);
    }
    let (tool, version, manual) = match language {
        Language::Python => ("componentize-py", COMPONENTIZE_PY_VERSION, "pip install componentize-py"),
        _ => ("componentize-js", COMPONENTIZE_JS_VERSION, "npm install @bytecodealliance/componentize-js"),
    };
    Err(format!("{}; looked for it in: {}", missing(tool, version, manual), found.tried.join("; ")))
}

/// `plimsoll policy doctor`: every toolchain, where it was looked for and what answers
/// `--version`; whether all of them work.
pub fn doctor() -> (String, bool) {
    let mut out = String::new();
    let mut all = true;
    for language in Language::ALL {
        let found = lookup(language);
        let version = found.found.map(|mut cmd| {
            cmd.arg("--version")
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).lines().next().unwrap_or_default().trim().to_string())
        });
        let state = match &version {
            Some(Some(v)) => format!("ok ({v})"),
            Some(None) => {
                all = false;
                "found, but `--version` failed".to_string()
            }
            None => {
                all = false;
                "not found: run scripts/install-toolchains.sh (or see docs/authoring.md, Toolchains)".to_string()
            }
        };
        out.push_str(&format!("{language}: {state}\n"));
        for place in &found.tried {
            out.push_str(&format!("  {place}\n"));
        }
    }
    (out, all)
}

/// Whether the toolchain for `language` can be found (tests skip with a reason when it cannot).
pub fn available(language: Language) -> Result<(), String> {
    let mut cmd = command(language)?;
    let ok = cmd.arg("--version").output().map(|o| o.status.success()).unwrap_or(false);
    if ok { Ok(()) } else { Err(format!("the {language} toolchain does not run ({cmd:?} --version failed)")) }
}

fn missing(tool: &str, version: &str, manual: &str) -> String {
    let checkout = super::source::source_checkout()
        .map(|root| format!("`{}/scripts/install-toolchains.sh`", root.display()))
        .unwrap_or_else(|| "`scripts/install-toolchains.sh` of a plimsoll checkout".to_string());
    format!(
        "{tool} {version} is not installed: run {checkout}, or `{manual}@{version}` and put it on PATH \
         (or set PLIMSOLL_TOOLS_DIR to a directory holding `python/bin/componentize-py` or \
         `node/node_modules/@bytecodealliance/componentize-js`)"
    )
    .replace("componentize-py@", "componentize-py==")
}

fn on_path(name: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(name).is_file()))
}
