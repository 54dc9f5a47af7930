//! Links services that build to their Dockerfiles and contexts, and computes effective values.

use crate::project::LoadedProject;

/// Link every service that builds to its Dockerfile and context (placeholder).
pub fn link(_project: &mut LoadedProject) {}
