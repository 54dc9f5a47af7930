//! What the authoring commands take from the checkout and the binary: the checkout the binary was
//! built from (its `sdk/`, `wit/` and `.tools/`) and the WIT contract embedded in the binary.
//!
//! Nothing here builds, tests or evaluates a pack.

use std::path::{Path, PathBuf};

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
