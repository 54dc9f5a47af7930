//! What to check and how: the project source, the configuration source, and the selection.
//!
//! Front ends fill a [`CheckOptions`] from their own input (flags, an HTTP body, an admission
//! request); nothing here parses flags or reads files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use plimsoll_model::LoadedProject;

use crate::baseline::Baseline;
use crate::{config, paths};

/// Where the projects come from.
#[derive(Debug, Clone)]
pub enum ProjectSource {
    /// Compose files, directories or Dockerfiles; each is a project, directories are searched
    /// (see [`crate::discover`]). Empty means the current directory.
    Paths(Vec<PathBuf>),
    /// Compose files merged into one project, as `docker compose -f a -f b`.
    Files {
        /// The files, in order.
        files: Vec<PathBuf>,
        /// `--project-directory`.
        project_directory: Option<PathBuf>,
        /// `--project-name`.
        project_name: Option<String>,
    },
    /// A project given as file contents (relative, `/`-separated names → bytes). It is written to
    /// a private temporary directory and loaded from there; names that leave the project
    /// (absolute, `..`) are refused.
    Memory {
        /// The files.
        files: BTreeMap<String, Vec<u8>>,
        /// The compose files, in order; empty means discovery at the project root.
        compose_files: Vec<String>,
        /// The project name (as `docker compose -p`); default: the compose file's `name:`, else
        /// the temporary directory's name.
        project_name: Option<String>,
    },
    /// A project already built (by an admission front end, say); its paths are used as they are.
    Loaded(Box<LoadedProject>),
}

impl Default for ProjectSource {
    fn default() -> Self {
        ProjectSource::Paths(Vec::new())
    }
}

/// Where the configuration comes from.
#[derive(Debug, Clone, Default)]
pub enum ConfigSource {
    /// The `plimsoll.yaml` nearest to each project (see [`crate::discover::find_config`]).
    #[default]
    Discover,
    /// This file, for every project.
    File(PathBuf),
    /// This configuration, already parsed, for every project.
    Parsed(Arc<config::Loaded>),
}

/// How the outcome shows file paths (positions and the paths messages name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PathStyle {
    /// Relative to each project's root (`api/Dockerfile`, `../plimsoll.yaml`).
    #[default]
    ProjectRoot,
    /// Relative to this directory when below it or sharing more than the root with it, else as
    /// loaded: the CLI passes its working directory, so a terminal can open what it prints.
    RelativeTo(PathBuf),
    /// Relative to each project's repository root (see [`crate::repository`]), whatever the working
    /// directory and however the project was named: what code scanning, annotations and merge
    /// request widgets map onto the repository. The CLI uses it for every machine format.
    Repository,
}

impl PathStyle {
    /// `path` (as loaded) shown in this style, for a project whose root is `root` in the
    /// repository whose root is `repository` (absolute).
    pub fn show(&self, path: &Path, root: &Path, repository: &Path) -> String {
        match self {
            PathStyle::ProjectRoot => paths::shown(path, root),
            PathStyle::RelativeTo(base) => paths::to_text(&paths::relative(path, base)),
            PathStyle::Repository => {
                let absolute = std::path::absolute(path).map(|p| paths::clean(&p)).unwrap_or_else(|_| path.into());
                paths::to_text(&paths::relative(&absolute, repository))
            }
        }
    }
}

/// What to check and how.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// The projects.
    pub project: ProjectSource,
    /// `--profile`.
    pub profiles: Vec<String>,
    /// `--env-file`.
    pub env_files: Vec<PathBuf>,
    /// The configuration.
    pub config: ConfigSource,
    /// `--only`: evaluate only these rules (`<pack>/<rule>`) or packs (`<pack>`); empty means all.
    pub only: Vec<String>,
    /// `--skip`: do not report these rules or packs.
    pub skip: Vec<String>,
    /// `--baseline`: findings it records are not reported.
    pub baseline: Option<Baseline>,
    /// The date exceptions expire against (default: today).
    pub today: Option<config::Date>,
    /// How paths are shown.
    pub path_style: PathStyle,
    /// Check projects and evaluate packs one after the other on the calling thread instead of in
    /// parallel: a server runs many checks at once, and parallelism inside each only adds contention.
    pub sequential: bool,
    /// Read nothing outside this directory, whatever the project's files reference (a project
    /// named by untrusted input, such as a container's labels).
    pub confine: Option<PathBuf>,
    /// The variables interpolation sees instead of the process environment (`.env` still applies).
    pub environment: Option<std::collections::HashMap<String, String>>,
    /// `# plimsoll-ignore:` comments in the project's files waive nothing (a server whose callers
    /// must not waive the operator's policy).
    pub ignore_inline_waivers: bool,
}

impl CheckOptions {
    /// Check these paths (each a project, directories searched).
    pub fn paths(paths: impl IntoIterator<Item = impl Into<PathBuf>>) -> Self {
        CheckOptions { project: ProjectSource::Paths(paths.into_iter().map(Into::into).collect()), ..Self::default() }
    }

    /// Whether `--only`/`--skip` select the rule `id` (`<pack>/<rule>`).
    pub fn selects(&self, id: &str) -> bool {
        let pack = id.split_once('/').map_or(id, |(p, _)| p);
        let named = |list: &[String]| list.iter().any(|r| r == id || r == pack);
        (self.only.is_empty() || named(&self.only)) && !named(&self.skip)
    }
}
