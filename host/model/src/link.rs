//! Links services that build to their Dockerfiles and contexts, and computes effective values.

use crate::project::LoadedProject;

/// Link every service that builds to its Dockerfile and context (placeholder).
pub fn link(_project: &mut LoadedProject) {}

/// Load a standalone Dockerfile as a project (placeholder until the Dockerfile loader lands).
pub fn load_standalone(dockerfile: &std::path::Path, _options: &crate::project::LoadOptions) -> LoadedProject {
    LoadedProject {
        primary_file: Some(dockerfile.to_path_buf()),
        diagnostics: vec![crate::diagnostic::Diagnostic::error(
            Some(crate::diagnostic::Location::start_of(dockerfile)),
            "standalone Dockerfiles are not supported yet",
        )],
        ..LoadedProject::default()
    }
}
