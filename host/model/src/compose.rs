//! Compose files: discovery, interpolation, merge, extends, include, profiles and normalization into the model.

use std::path::PathBuf;

use crate::project::{LoadOptions, LoadedProject};

/// Load and merge the compose files of a project into the model (placeholder).
pub fn load_project(_paths: &[PathBuf], _options: &LoadOptions) -> LoadedProject {
    LoadedProject::default()
}
