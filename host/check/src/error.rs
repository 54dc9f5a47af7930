//! The library's typed errors: what can stop a check before it produces an [`crate::Outcome`].
//!
//! Problems found *in* a project (a broken compose file, a pack that traps) are not errors of this
//! kind: they are [`crate::ErrorEntry`] values inside the outcome, so one bad project never hides
//! the others. These errors are about the run itself: the runtime, a pack that cannot be added, an
//! input the caller gave that cannot be used.

use std::path::PathBuf;

/// A located problem in a file the caller gave (configuration, manifest, baseline).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", place(file, *line, *column))]
pub struct FileError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<u32>,
    /// 1-based column, when known.
    pub column: Option<u32>,
    /// What is wrong.
    pub message: String,
}

fn place(file: &std::path::Path, line: Option<u32>, column: Option<u32>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!("{}:{l}:{c}: ", file.display()),
        (Some(l), None) => format!("{}:{l}: ", file.display()),
        _ => format!("{}: ", file.display()),
    }
}

impl FileError {
    /// A problem with the whole file.
    pub fn new(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        FileError { file: file.into(), line: None, column: None, message: message.into() }
    }

    /// A problem at a line and column of the file.
    pub fn at(file: impl Into<PathBuf>, line: u32, column: u32, message: impl Into<String>) -> Self {
        FileError { file: file.into(), line: Some(line), column: Some(column), message: message.into() }
    }
}

/// Why a check could not run.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The wasmtime runtime could not start.
    #[error("cannot start the policy runtime: {0}")]
    Runtime(String),
    /// A pack could not be loaded or added.
    #[error("{0}")]
    Pack(String),
    /// A file the caller named is wrong.
    #[error(transparent)]
    File(#[from] FileError),
    /// An input of the caller is not usable (an in-memory file name that leaves the project, …).
    #[error("{0}")]
    Input(String),
}
