//! `plimsoll policy`: everything a policy author needs, from an empty directory to a shipped pack.
//!
//! [`scaffold`] writes a new pack (Rust, Python or JavaScript) that builds and passes its tests at
//! once; [`build`] turns a pack directory into a component with the language's toolchain and then
//! [`verify`]s it against the contract; [`test`] runs the pack's fixtures through the real component
//! with the shared fixture runner; [`inspect`] shows what a component is and what it may reach;
//! [`manifest`] reads `plimsoll-pack.yaml`, the file that `packs:` in `plimsoll.yaml` points at.
//! This module never evaluates a project itself: it goes through [`crate::check::Engine`] like
//! `plimsoll check` does, so a pack behaves the same under test and in use.

pub mod build;
pub mod cli;
pub mod inspect;
pub mod manifest;
pub mod packs;
pub mod scaffold;
pub mod test;
pub mod tools;
pub mod verify;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use cli::{PolicyCommand, run};

/// The languages a pack can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Rust with `plimsoll-sdk`, built by `cargo build --target wasm32-wasip2`.
    Rust,
    /// Python, built by componentize-py.
    Python,
    /// JavaScript, built by componentize-js.
    Js,
}

impl Language {
    /// The lowercase name (`rust`, `python`, `js`).
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Rust => "rust",
            Language::Python => "python",
            Language::Js => "js",
        }
    }

    /// Guess a pack directory's language from its files (`Cargo.toml`, `pack.py`, `pack.js`).
    pub fn detect(dir: &Path) -> Option<Language> {
        if dir.join("Cargo.toml").is_file() {
            Some(Language::Rust)
        } else if dir.join("pack.py").is_file() {
            Some(Language::Python)
        } else if dir.join("pack.js").is_file() {
            Some(Language::Js)
        } else {
            None
        }
    }
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether `id` is a valid pack or rule id: kebab-case, starting with a letter.
pub fn is_kebab(id: &str) -> bool {
    id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .split('-')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
}

/// The checkout this binary was built from, when it still exists (it holds `sdk/`, `wit/` and `.tools/`).
pub fn source_checkout() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.join("sdk/Cargo.toml").is_file().then(|| root.canonicalize().unwrap_or(root))
}

/// The WIT contract embedded in the binary: (file name, text), for scaffolds and builds.
pub const WIT_FILES: &[(&str, &str)] = &[
    ("host.wit", include_str!("../../../../wit/host.wit")),
    ("model.wit", include_str!("../../../../wit/model.wit")),
    ("types.wit", include_str!("../../../../wit/types.wit")),
    ("world.wit", include_str!("../../../../wit/world.wit")),
];

/// Write `text` to `path` through a temporary file in the same directory and a rename.
pub fn write_atomic(path: &Path, text: &[u8]) -> Result<(), String> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = dir.join(format!(".{name}.plimsoll-tmp"));
    std::fs::write(&tmp, text).map_err(|e| format!("{}: cannot write: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("{}: cannot write: {e}", path.display())
    })
}
