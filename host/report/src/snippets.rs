//! The snippet reader the human and Markdown formats share: the lines of the files findings point
//! at, each file read once per rendering.
//!
//! It only reads files the outcome names (by their path on disk); a file that cannot be read gives
//! no snippet, never an error.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Files read so far, by path.
#[derive(Debug, Default)]
pub struct Snippets {
    files: HashMap<PathBuf, Option<Vec<String>>>,
}

impl Snippets {
    /// Line `line` (1-based) of `path`, when the file and the line exist.
    pub fn line(&mut self, path: &Path, line: u32) -> Option<&str> {
        let lines = self
            .files
            .entry(path.to_path_buf())
            .or_insert_with(|| std::fs::read_to_string(path).ok().map(|t| t.lines().map(str::to_string).collect()));
        lines.as_ref()?.get(line.saturating_sub(1) as usize).map(String::as_str)
    }
}
