//! The repository root: what a project is identified by and what machine formats' paths are
//! relative to.
//!
//! The root is the nearest directory at or above the checked path that holds `.git` (a directory,
//! or the file of a worktree or submodule); without one it is the checked path itself (its
//! directory, for a file). A project's identity is its path relative to that root, so two projects
//! both named `docker` in one monorepo never share fingerprints, and a run from a subdirectory
//! sees the same identities as a run from the root. This module only looks at names on disk; it
//! never reads a file.

use std::path::{Path, PathBuf};

use crate::paths::{clean, relative, to_text};

/// The repository root for the checked `path` (absolute and cleaned).
pub fn root_of(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).map(|p| clean(&p)).unwrap_or_else(|_| path.to_path_buf());
    let start = if absolute.is_file() {
        absolute.parent().map(Path::to_path_buf).unwrap_or_else(|| absolute.clone())
    } else {
        absolute
    };
    start.ancestors().find(|dir| dir.join(".git").exists()).map(Path::to_path_buf).unwrap_or(start)
}

/// The identity of a project whose source (its directory, or a standalone Dockerfile) is `source`:
/// its path relative to `repository`, `/`-separated, `.` for the root itself.
pub fn project_id(source: &Path, repository: &Path) -> String {
    let absolute = std::path::absolute(source).map(|p| clean(&p)).unwrap_or_else(|_| source.to_path_buf());
    let text = to_text(&relative(&absolute, repository));
    if text.is_empty() { ".".to_string() } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_holds_git_else_it_is_the_checked_path() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().canonicalize().unwrap();
        std::fs::create_dir_all(d.join("repo/apps/billing/docker")).unwrap();
        std::fs::write(d.join("repo/apps/billing/docker/compose.yaml"), "services: {}\n").unwrap();
        assert_eq!(root_of(&d.join("repo/apps")), d.join("repo/apps"));
        std::fs::create_dir(d.join("repo/.git")).unwrap();
        assert_eq!(root_of(&d.join("repo/apps")), d.join("repo"));
        assert_eq!(root_of(&d.join("repo/apps/billing/docker/compose.yaml")), d.join("repo"));
        assert_eq!(root_of(&d.join("repo/apps/../apps/billing")), d.join("repo"));
        let repo = d.join("repo");
        assert_eq!(project_id(&d.join("repo/apps/billing/docker"), &repo), "apps/billing/docker");
        assert_eq!(project_id(&repo, &repo), ".");
        // A worktree's `.git` is a file.
        std::fs::create_dir_all(d.join("wt/x")).unwrap();
        std::fs::write(d.join("wt/.git"), "gitdir: elsewhere\n").unwrap();
        assert_eq!(root_of(&d.join("wt/x")), d.join("wt"));
    }
}
