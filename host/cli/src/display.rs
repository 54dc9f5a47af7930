//! Paths as the CLI shows them: relative to the working directory, so a terminal can open them.
//!
//! The check library shows paths relative to each project's root unless told otherwise; `plimsoll
//! check` asks it for paths relative to the working directory (`PathStyle::RelativeTo`), and
//! `plimsoll model --locations` uses [`display_path`]. Only the CLI lets the working directory shape
//! output.

use std::path::Path;

use plimsoll_check::paths;

/// A path as shown to the user: relative to the working directory when below it (or sharing more
/// than the root with it).
pub fn display_path(path: &Path) -> String {
    let shown = match std::env::current_dir() {
        Ok(cwd) => paths::relative(path, &cwd),
        Err(_) => path.to_path_buf(),
    };
    paths::to_text(&shown)
}
