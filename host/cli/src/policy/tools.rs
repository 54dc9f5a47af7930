//! Finding the toolchains that build packs: cargo, componentize-py and componentize-js.
//!
//! The Python and JavaScript toolchains are pinned and installed by `scripts/install-toolchains.sh`
//! into `.tools/` of the checkout; `PLIMSOLL_TOOLS_DIR` points elsewhere, and
//! `PLIMSOLL_COMPONENTIZE_PY` / `PLIMSOLL_COMPONENTIZE_JS` name the commands directly. A missing tool
//! is an error that says how to install it; this module never downloads anything itself.

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

/// The command that builds packs of `language`, ready for arguments; an error says how to install it.
pub fn command(language: Language) -> Result<Command, String> {
    match language {
        Language::Rust => Ok(Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))),
        Language::Python => {
            if let Some(exe) = std::env::var_os("PLIMSOLL_COMPONENTIZE_PY").filter(|v| !v.is_empty()) {
                return Ok(Command::new(exe));
            }
            if let Some(exe) = tools_dir().map(|d| d.join("python/bin/componentize-py")).filter(|p| p.is_file()) {
                return Ok(Command::new(exe));
            }
            if on_path("componentize-py") {
                return Ok(Command::new("componentize-py"));
            }
            Err(missing("componentize-py", COMPONENTIZE_PY_VERSION, "pip install componentize-py"))
        }
        Language::Js => {
            if let Some(exe) = std::env::var_os("PLIMSOLL_COMPONENTIZE_JS").filter(|v| !v.is_empty()) {
                return Ok(Command::new(exe));
            }
            let cli = tools_dir().map(|d| d.join("node/node_modules/@bytecodealliance/componentize-js/src/cli.js"));
            if let Some(cli) = cli.filter(|p| p.is_file()) {
                let mut cmd = Command::new("node");
                cmd.arg(cli);
                return Ok(cmd);
            }
            if on_path("componentize-js") {
                return Ok(Command::new("componentize-js"));
            }
            Err(missing("componentize-js", COMPONENTIZE_JS_VERSION, "npm install @bytecodealliance/componentize-js"))
        }
    }
}

/// Whether the toolchain for `language` can be found (tests skip with a reason when it cannot).
pub fn available(language: Language) -> Result<(), String> {
    let mut cmd = command(language)?;
    let ok = cmd.arg("--version").output().map(|o| o.status.success()).unwrap_or(false);
    if ok { Ok(()) } else { Err(format!("the {language} toolchain does not run ({cmd:?} --version failed)")) }
}

fn missing(tool: &str, version: &str, manual: &str) -> String {
    format!(
        "{tool} {version} is not installed: run `scripts/install-toolchains.sh` in the plimsoll checkout, \
         or `{manual}@{version}` and set PLIMSOLL_TOOLS_DIR or put it on PATH"
    )
    .replace("componentize-py@", "componentize-py==")
}

fn on_path(name: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(name).is_file()))
}
