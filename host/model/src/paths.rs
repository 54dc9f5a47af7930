//! Lexical path helpers shared by every loader: cleaning, absolute and relative paths, the
//! directory of a file, and whether a build context is remote.
//!
//! Everything here is pure string and component work, the way Compose (Go's `filepath`) does it:
//! nothing touches the file system, follows symbolic links or fails. [`clean`] and [`relative`] are
//! public so the check pipeline can share them with the model. This module's code depends on no
//! other module of the crate and must stay that way.

use std::path::{Component, Path, PathBuf};

/// Lexically clean a path like Go's `filepath.Clean`: drop `.` and duplicate separators, fold
/// `a/..`, drop `..` right after the root; an empty result is `.` (never touches the file system).
pub fn clean(path: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            _ => out.push(c),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

/// An absolute, [`clean`]ed path (a relative path is joined to the working directory).
pub fn absolute(path: &Path) -> PathBuf {
    clean(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// The directory of a file: its parent, or `.` for a bare name.
pub fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `path` relative to `base` for display: the part below `base` when `path` is inside it; else,
/// when both are absolute and share more than the root, with `..` steps; else `path` as given.
///
/// With base `/work/main/host/cli`: `/work/main/host/cli/a.yaml` → `a.yaml`,
/// `/work/main/examples/x/compose.yaml` → `../../examples/x/compose.yaml`, `/etc/compose.yaml`
/// stays as is, and so does the relative `rel/c.yaml`. Purely lexical: clean both paths first
/// when they may hold `.` or `..`.
pub fn relative(path: &Path, base: &Path) -> PathBuf {
    if let Ok(below) = path.strip_prefix(base) {
        return below.to_path_buf();
    }
    if !path.is_absolute() || !base.is_absolute() {
        return path.to_path_buf();
    }
    let (common, steps) = steps(path, base);
    if common <= 1 {
        return path.to_path_buf();
    }
    steps.iter().collect()
}

/// `path` relative to `base` as the model writes it: `/`-separated, `..` where needed (even up to
/// the root), `.` when they are equal. Both should be [`clean`] and either both absolute or both
/// relative to the same directory.
pub(crate) fn relative_slashed(path: &Path, base: &Path) -> String {
    let (_, steps) = steps(path, base);
    if steps.is_empty() { ".".to_owned() } else { steps.join("/") }
}

/// `path` relative to `base` after making both [`absolute`]; `path` as it is (with `/` separators)
/// when they share nothing (another drive on Windows).
pub(crate) fn relative_absolute(path: &Path, base: &Path) -> String {
    let (path, base) = (absolute(path), absolute(base));
    let (common, steps) = steps(&path, &base);
    if common == 0 {
        return path.to_string_lossy().replace('\\', "/");
    }
    if steps.is_empty() { ".".to_owned() } else { steps.join("/") }
}

/// The number of leading components `path` and `base` share, and the steps from `base` to `path`
/// (`..` for each remaining component of `base`, then the rest of `path`).
fn steps(path: &Path, base: &Path) -> (usize, Vec<String>) {
    let p: Vec<Component> = path.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut steps = vec!["..".to_owned(); b.len() - common];
    steps.extend(p[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned()));
    (common, steps)
}

/// Whether a build context is remote (a git repository or a URL) rather than a local path, as
/// Compose decides it: anything with `://` (`https://`, `git://`, `ssh://`, `docker-image://`…),
/// a `git@host:repo` address, or a `github.com/` path.
pub fn is_remote_context(context: &str) -> bool {
    context.contains("://") || context.starts_with("git@") || context.starts_with("github.com/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_folds_dots_like_go() {
        for (input, want) in [
            ("a/./b", "a/b"),
            ("a//b/", "a/b"),
            ("a/b/../c", "a/c"),
            ("../a", "../a"),
            ("../../a/..", "../.."),
            ("/../a", "/a"),
            ("/a/../..", "/"),
            ("./", "."),
            ("", "."),
            ("a/..", "."),
        ] {
            assert_eq!(clean(Path::new(input)), PathBuf::from(want), "{input:?}");
            // The `/`-separated cleaning of ignore patterns agrees.
            assert_eq!(crate::dockerignore::clean(input), want, "{input:?}");
        }
    }

    #[test]
    fn relative_for_display() {
        let base = Path::new("/work/main/host/cli");
        for (path, want) in [
            ("/work/main/host/cli/a.yaml", "a.yaml"),
            ("/work/main/examples/x/compose.yaml", "../../examples/x/compose.yaml"),
            ("/etc/compose.yaml", "/etc/compose.yaml"),
            ("rel/c.yaml", "rel/c.yaml"),
        ] {
            assert_eq!(relative(Path::new(path), base), PathBuf::from(want), "{path}");
        }
    }

    #[test]
    fn relative_as_the_model_writes_it() {
        let base = Path::new("/p/proj");
        for (path, want) in
            [("/p/proj", "."), ("/p/proj/api", "api"), ("/p/other/x", "../other/x"), ("/srv/app", "../../srv/app")]
        {
            assert_eq!(relative_slashed(Path::new(path), base), want, "{path}");
            assert_eq!(relative_absolute(Path::new(path), base), want, "{path}");
        }
        assert_eq!(relative_absolute(Path::new("/p/proj/a/../b"), Path::new("/p/./proj")), "b");
    }

    #[test]
    fn parent_of_a_bare_name_is_dot() {
        assert_eq!(parent_dir(Path::new("compose.yaml")), PathBuf::from("."));
        assert_eq!(parent_dir(Path::new("a/compose.yaml")), PathBuf::from("a"));
        assert_eq!(parent_dir(Path::new("/compose.yaml")), PathBuf::from("/"));
    }

    #[test]
    fn remote_build_contexts() {
        for (context, remote) in [
            ("git@github.com:x/y.git", true),
            ("https://github.com/x/y.git#main", true),
            ("http://example.com/context.tar.gz", true),
            ("git://example.com/x/y", true),
            ("github.com/x/y", true),
            ("ssh://git@example.com/x/y.git", true),
            ("docker-image://alpine", true),
            ("./dir", false),
            ("dir", false),
            ("/srv/app", false),
            ("../github.com/x", false),
            // Compose has no `.git#` rule: this is a local directory.
            ("repo.git#main", false),
        ] {
            assert_eq!(is_remote_context(context), remote, "{context}");
        }
    }
}
