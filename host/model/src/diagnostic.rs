//! Positions in source files and the located diagnostics found while loading a project.
//!
//! A [`Location`] is a file, line and column; a [`Span`] the lines of one Dockerfile instruction.
//! Every problem the loaders find becomes a [`Diagnostic`] with the file, line and column it
//! comes from, formatted as `compose.yaml:14:9: invalid memory value "12 GB"`. This module is the
//! bottom of the crate: it depends on no other module.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// A position in a file: 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// The file, as given or discovered (absolute or relative to the working directory).
    pub file: PathBuf,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

impl Location {
    /// A location at `line:column` of `file`.
    pub fn new(file: impl Into<PathBuf>, line: u32, column: u32) -> Self {
        Self { file: file.into(), line, column }
    }

    /// The start of a file (line 1, column 1).
    pub fn start_of(file: impl Into<PathBuf>) -> Self {
        Self::new(file, 1, 1)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// Where one Dockerfile instruction is: 1-based line and column of its first character and its last line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// First line.
    pub line: u32,
    /// Column of the keyword.
    pub column: u32,
    /// Last line (continuations and heredocs included).
    pub end_line: u32,
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The project cannot be loaded as written (exit code 2).
    Error,
    /// Loaded, but something is likely not what the author meant (an unset variable).
    Warning,
}

/// One problem found while loading.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub level: Level,
    /// Where it is, when known.
    pub location: Option<Location>,
    /// Lowercase message naming the object, no trailing period.
    pub message: String,
}

impl Diagnostic {
    /// An error at a location.
    pub fn error(location: Option<Location>, message: impl Into<String>) -> Self {
        Self { level: Level::Error, location, message: message.into() }
    }

    /// A warning at a location.
    pub fn warning(location: Option<Location>, message: impl Into<String>) -> Self {
        Self { level: Level::Warning, location, message: message.into() }
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.location {
            write!(f, "{loc}: ")?;
        }
        if self.level == Level::Warning {
            write!(f, "warning: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}
