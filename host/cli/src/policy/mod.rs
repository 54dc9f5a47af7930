//! `plimsoll policy`: everything a policy author needs, from an empty directory to a shipped pack.
//!
//! [`scaffold`] writes a new pack (Rust, Python or JavaScript) that builds and passes its tests at
//! once; [`build`] turns a pack directory into a component with the language's toolchain and then
//! [`verify`]s it against the contract; [`test`] runs the pack's fixtures through the real component
//! with the shared fixture runner; [`inspect`] shows what a component is and what it may reach;
//! [`manifest`] (in `plimsoll-check`) reads `plimsoll-pack.yaml`, the file that `packs:` in
//! `plimsoll.yaml` points at. This module never evaluates a project itself: it goes through
//! [`plimsoll_check::Engine`] like `plimsoll check` does, so a pack behaves the same under test and
//! in use.

pub mod build;
pub mod cli;
pub mod inspect;
pub mod scaffold;
pub mod test;
pub mod tools;
pub mod verify;

use std::path::{Path, PathBuf};

pub use cli::{PolicyCommand, run};
pub use plimsoll_check::manifest::{self, Language, is_kebab};

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
