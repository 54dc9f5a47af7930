//! Project discovery: which projects `plimsoll check PATH…` checks.
//!
//! A file argument is one project (a compose file, or a Dockerfile). A directory argument is searched
//! recursively, respecting `.gitignore`, `.ignore` and hidden files as git and ripgrep do: every
//! directory that holds a compose file (`compose.yaml`, `docker-compose.yml`, …) is a compose
//! project, every Kubernetes manifest (a YAML file with top-level `apiVersion:` and `kind:`, see
//! [`crate::manifests`]) is a project, and every Dockerfile found is a candidate standalone project
//! — the check pipeline keeps only the Dockerfiles that no compose project builds. A directory with
//! none of them is still returned as a target so that loading reports "no compose file found" with
//! its name. This module looks at names on disk and at the first bytes of YAML files; it never
//! parses a file.

use std::path::{Path, PathBuf};

use plimsoll_model::compose::{COMPOSE_FILE_NAMES, is_dockerfile_name};

use crate::paths::clean;

/// What to load as one project, and where its `plimsoll.yaml` may be looked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The path handed to the loader: a directory with a compose file, a compose file, or a Dockerfile.
    pub path: PathBuf,
    /// The argument it was found under: `plimsoll.yaml` is looked for from the project up to here.
    pub root: PathBuf,
}

/// The targets below one command-line path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovered {
    /// Compose projects (or explicit files), checked unconditionally.
    pub projects: Vec<Target>,
    /// Dockerfiles found while walking: standalone projects unless a compose project builds them.
    pub dockerfiles: Vec<Target>,
}

/// Find the projects below `path` (see the module documentation).
pub fn discover(path: &Path) -> Discovered {
    if !path.is_dir() {
        let root = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        return Discovered { projects: vec![Target { path: path.to_path_buf(), root }], dockerfiles: Vec::new() };
    }
    let root = path.to_path_buf();
    let mut found = Discovered::default();
    let walker =
        ignore::WalkBuilder::new(path).require_git(false).follow_links(false).sort_by_file_name(Ord::cmp).build();
    for entry in walker.flatten() {
        let Some(kind) = entry.file_type() else { continue };
        let entry_path = entry.path();
        if kind.is_dir() {
            if COMPOSE_FILE_NAMES.iter().any(|name| entry_path.join(name).is_file()) {
                found.projects.push(Target { path: entry_path.to_path_buf(), root: root.clone() });
            }
        } else if kind.is_file() && is_dockerfile_name(entry_path) {
            found.dockerfiles.push(Target { path: entry_path.to_path_buf(), root: root.clone() });
        } else if kind.is_file()
            && crate::manifests::is_manifest(entry_path)
            && !crate::manifests::is_helm_template(entry_path)
        {
            found.projects.push(Target { path: entry_path.to_path_buf(), root: root.clone() });
        }
    }
    if found.projects.is_empty() && found.dockerfiles.is_empty() {
        found.projects.push(Target { path: root.clone(), root });
    }
    found
}

/// The `plimsoll.yaml` nearest to `directory`, looking upward no further than `root`. The path is
/// given in the form `directory` was (`apps/api/../plimsoll.yaml` cleaned to `apps/plimsoll.yaml`).
pub fn find_config(directory: &Path, root: &Path) -> Option<PathBuf> {
    let root = std::path::absolute(root).ok().map(|r| clean(&r));
    let mut dir = clean(&std::path::absolute(directory).ok()?);
    let mut shown = directory.to_path_buf();
    loop {
        let candidate = dir.join(crate::config::FILE_NAME);
        if candidate.is_file() {
            return Some(clean(&shown.join(crate::config::FILE_NAME)));
        }
        if root.as_deref().is_none_or(|r| !dir.starts_with(r) || dir == r) || !dir.pop() {
            return None;
        }
        shown.push("..");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn finds_nested_projects_and_dockerfiles_and_respects_gitignore() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write(d, "compose.yaml", "services: {}\n");
        write(d, "apps/api/docker-compose.yml", "services: {}\n");
        write(d, "apps/api/Dockerfile", "FROM alpine:3.20\n");
        write(d, "tools/Dockerfile.lint", "FROM alpine:3.20\n");
        write(d, "vendor/compose.yaml", "services: {}\n");
        write(d, ".hidden/compose.yaml", "services: {}\n");
        write(d, ".gitignore", "vendor/\n");
        let found = discover(d);
        let projects: Vec<_> = found.projects.iter().map(|t| t.path.strip_prefix(d).unwrap().to_path_buf()).collect();
        assert_eq!(projects, vec![PathBuf::from(""), PathBuf::from("apps/api")]);
        let dockerfiles: Vec<_> =
            found.dockerfiles.iter().map(|t| t.path.strip_prefix(d).unwrap().to_path_buf()).collect();
        assert_eq!(dockerfiles, vec![PathBuf::from("apps/api/Dockerfile"), PathBuf::from("tools/Dockerfile.lint")]);
        assert!(found.projects.iter().all(|t| t.root == d));
    }

    #[test]
    fn an_empty_directory_is_still_a_target() {
        let tmp = tempfile::tempdir().unwrap();
        let found = discover(tmp.path());
        assert_eq!(found.projects, vec![Target { path: tmp.path().to_path_buf(), root: tmp.path().to_path_buf() }]);
    }

    #[test]
    fn a_file_is_one_project() {
        let found = discover(Path::new("some/compose.yaml"));
        assert_eq!(
            found.projects,
            vec![Target { path: PathBuf::from("some/compose.yaml"), root: PathBuf::from("some") }]
        );
    }

    #[test]
    fn config_is_looked_for_up_to_the_root() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write(d, "plimsoll.yaml", "fail-on: low\n");
        write(d, "a/b/compose.yaml", "services: {}\n");
        assert_eq!(find_config(&d.join("a/b"), d), Some(d.join("plimsoll.yaml")));
        assert_eq!(find_config(&d.join("a/b"), &d.join("a")), None);
        write(d, "a/b/plimsoll.yaml", "fail-on: low\n");
        assert_eq!(find_config(&d.join("a/b"), d), Some(d.join("a/b/plimsoll.yaml")));
    }
}
