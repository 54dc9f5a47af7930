//! The loaded project's data types: the model policies see plus the host's source map.
//!
//! [`LoadedProject`] is what every loader produces and [`LoadOptions`] what they take; both are
//! plain data with the lookups the host needs to locate findings ([`LoadedProject::locate`],
//! [`LoadedProject::locations`]). The compose and Dockerfile loaders depend on this module; it
//! must never depend on them (it reads no files except in [`LoadedProject::read_source`]). The
//! project-name rule every loader applies ([`normalize_project_name`]) lives here too.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Location, Span};
use crate::model::{self, Subject};
use crate::yaml::Node;

/// What to load and how, mirroring `docker compose` flags.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Compose files in `-f` order; empty means discover from the paths or the working directory.
    pub files: Vec<PathBuf>,
    /// `--project-directory`: base for relative paths and `.env`; default: the first file's directory.
    pub project_directory: Option<PathBuf>,
    /// `--project-name`.
    pub project_name: Option<String>,
    /// `--profile` values; empty means every service (and `COMPOSE_PROFILES` when set).
    pub profiles: Vec<String>,
    /// `--env-file` files (lowest precedence after the process environment and `.env`).
    pub env_files: Vec<PathBuf>,
    /// Variables to interpolate with instead of the process environment (tests); `None` uses the process's.
    pub environment: Option<HashMap<String, String>>,
    /// Read nothing outside this directory (see [`crate::confine`]): a reference that leaves it is a
    /// located error. The server sets it to the upload's directory.
    pub confine: Option<PathBuf>,
    /// Load from these files instead of the disk (see [`crate::confine::MemoryFiles`]): paths
    /// below its virtual root name them, and nothing else is read. The server and the admission
    /// front ends set it.
    pub memory: Option<std::sync::Arc<crate::confine::MemoryFiles>>,
}

/// The host-side record of a Dockerfile in the model: its file and its instruction spans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerfileSource {
    /// The file on disk.
    pub file: PathBuf,
    /// One span per instruction, in `model::Dockerfile::instructions` order.
    pub spans: Vec<Span>,
}

/// A project loaded from disk: the model policies see and the host's source map.
#[derive(Debug, Clone, Default)]
pub struct LoadedProject {
    /// The project directory (base of relative paths).
    pub directory: PathBuf,
    /// The model passed to policies.
    pub model: model::Project,
    /// The merged compose document with a location on every node (`None` for a standalone Dockerfile).
    pub compose: Option<Node>,
    /// Source of each `model.dockerfiles[i]`.
    pub dockerfiles: Vec<DockerfileSource>,
    /// The file a `Subject::Project` points at (first compose file, or the Dockerfile).
    pub primary_file: Option<PathBuf>,
    /// Errors and warnings found while loading.
    pub diagnostics: Vec<Diagnostic>,
    /// The files an in-memory project was loaded from (its paths are below their virtual root).
    pub memory: Option<std::sync::Arc<crate::confine::MemoryFiles>>,
}

impl LoadedProject {
    /// Whether loading found errors (the project should not be evaluated).
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Turn a subject into a location; a compose path that does not exist resolves to its
    /// nearest existing parent; `None` when the subject names nothing in this project.
    pub fn locate(&self, subject: &Subject) -> Option<Location> {
        match subject {
            Subject::Project => self.primary_file.as_ref().map(|f| Location::start_of(f.clone())),
            Subject::Compose(path) => self.compose.as_ref().map(|root| root.nearest(path).location()),
            Subject::Instruction(r) => {
                let source = self.dockerfiles.get(r.dockerfile as usize)?;
                let span = source.spans.get(r.instruction as usize)?;
                Some(Location::new(source.file.clone(), span.line, span.column))
            }
            Subject::File(path) => Some(Location::start_of(self.directory.join(path))),
        }
    }

    /// The service a subject belongs to, if any (`["services", NAME, …]`, or a Dockerfile a service builds).
    pub fn service_of(&self, subject: &Subject) -> Option<String> {
        match subject {
            Subject::Compose(path) if path.len() >= 2 && path[0] == "services" => Some(path[1].clone()),
            Subject::Instruction(r) => self
                .model
                .services
                .iter()
                .find(|s| s.build.as_ref().and_then(|b| b.dockerfile_index) == Some(r.dockerfile))
                .map(|s| s.name.clone()),
            _ => None,
        }
    }

    /// Every value of the merged compose document and every Dockerfile instruction with the place it
    /// came from: `services.redis.deploy.resources.limits.memory` → `compose.override.yaml:7:19`,
    /// `dockerfiles[0].instructions[3]` → `api/Dockerfile:4:1` (for `plimsoll model --locations`).
    pub fn locations(&self) -> std::collections::BTreeMap<String, Location> {
        fn walk(node: &Node, path: &mut Vec<String>, out: &mut std::collections::BTreeMap<String, Location>) {
            match &node.value {
                crate::yaml::Value::Map(entries) => {
                    for (key, value) in entries {
                        path.push(key.as_str().unwrap_or("?").to_string());
                        out.insert(path.join("."), value.location());
                        walk(value, path, out);
                        path.pop();
                    }
                }
                crate::yaml::Value::Seq(items) => {
                    for (i, item) in items.iter().enumerate() {
                        path.push(i.to_string());
                        out.insert(path.join("."), item.location());
                        walk(item, path, out);
                        path.pop();
                    }
                }
                _ => {}
            }
        }
        let mut out = std::collections::BTreeMap::new();
        if let Some(root) = &self.compose {
            walk(root, &mut Vec::new(), &mut out);
        }
        for (d, source) in self.dockerfiles.iter().enumerate() {
            for (i, span) in source.spans.iter().enumerate() {
                out.insert(
                    format!("dockerfiles[{d}].instructions[{i}]"),
                    Location::new(source.file.clone(), span.line, span.column),
                );
            }
        }
        out
    }

    /// The file text at `path`, for source snippets (read on demand): from the project's
    /// in-memory files when it has them, else from disk.
    pub fn read_source(&self, path: &Path) -> Option<String> {
        match &self.memory {
            Some(files) => files.read_to_string(path).ok(),
            None => crate::confine::read_to_string(path).ok(),
        }
    }
}

/// Lower-case a project name and keep the characters Compose allows (`a-z0-9_-`), with no leading `_` or `-`.
pub fn normalize_project_name(name: &str) -> String {
    let lowered: String = name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    lowered.trim_start_matches(['_', '-']).to_owned()
}

#[cfg(test)]
mod tests {
    use super::normalize_project_name;

    #[test]
    fn project_names_as_compose_normalizes_them() {
        for (raw, want) in [("My_Project!X", "my_projectx"), ("--a.b-c", "ab-c"), ("Ünïcode 1", "ncode1"), ("__", "")]
        {
            assert_eq!(normalize_project_name(raw), want, "{raw}");
        }
    }
}
