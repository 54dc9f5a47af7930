//! The snippet reader the human and Markdown formats share: the lines of the files findings point
//! at, each file read once per rendering.
//!
//! It only reads files the outcome names: by their path on disk, or from an in-memory project's
//! files when the path is below its virtual root. A file that cannot be read gives no snippet,
//! never an error.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Files read so far, by path.
#[derive(Debug, Default)]
pub struct Snippets {
    files: HashMap<PathBuf, Option<Vec<String>>>,
    memory: Vec<std::sync::Arc<plimsoll_model::confine::MemoryFiles>>,
}

impl Snippets {
    /// A reader for the files of `outcome` (its in-memory projects' files included).
    pub fn of(outcome: &plimsoll_check::Outcome) -> Self {
        let memory = outcome.projects.iter().filter_map(|p| p.loaded.as_ref()?.memory.clone()).collect();
        Snippets { files: HashMap::new(), memory }
    }

    fn read(&self, path: &Path) -> Option<String> {
        match self.memory.iter().find(|m| path.starts_with(m.root())) {
            Some(files) => files.read_to_string(path).ok(),
            None => std::fs::read_to_string(path).ok(),
        }
    }

    /// Line `line` (1-based) of `path`, when the file and the line exist.
    pub fn line(&mut self, path: &Path, line: u32) -> Option<&str> {
        if !self.files.contains_key(path) {
            let lines = self.read(path).map(|t| t.lines().map(str::to_string).collect());
            self.files.insert(path.to_path_buf(), lines);
        }
        let lines = self.files.get(path)?;
        lines.as_ref()?.get(line.saturating_sub(1) as usize).map(String::as_str)
    }
}
