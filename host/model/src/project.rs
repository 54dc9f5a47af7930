//! The single entry point from paths to a [`LoadedProject`].
//!
//! [`load`] discovers the compose files (or a standalone Dockerfile), loads and merges them
//! ([`crate::compose`]) and links every service that builds to its Dockerfile and context
//! ([`crate::link`]). The loaded-project types live in [`crate::source`] (re-exported here); this
//! module holds no logic of its own and nothing below it may depend on it.

use std::path::PathBuf;

pub use crate::diagnostic::Span;
pub use crate::source::{DockerfileSource, LoadOptions, LoadedProject};

/// Load the project at `paths` (compose files, directories, or a Dockerfile) with `options`.
///
/// Never fails: problems become [`Diagnostic`](crate::Diagnostic)s in the result.
pub fn load(paths: &[PathBuf], options: &LoadOptions) -> LoadedProject {
    let _mode = match &options.memory {
        Some(files) => crate::confine::enter_memory(files.clone()),
        None => crate::confine::enter(options.confine.as_deref()),
    };
    let mut project = crate::compose::load_project(paths, options);
    crate::link::link(&mut project);
    project.memory.clone_from(&options.memory);
    project
}
