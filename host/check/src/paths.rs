//! Paths as the pipeline shows them: relative to a project root, cleaned lexically.
//!
//! Only string work on paths: nothing here reads the working directory or the file system, so a
//! check gives the same output wherever the process runs. Front ends that want other paths (the
//! CLI shows them relative to its working directory) ask for them with [`crate::PathStyle`].
//! Cleaning and relative paths are the model's (one implementation).

use std::path::{Component, Path, PathBuf};

pub use plimsoll_model::paths::{clean, relative};

/// A path as text with `/` separators and no leading `./`.
pub fn to_text(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").map(str::to_string).unwrap_or(text)
}

/// `path` as shown relative to the project `root` (both as the loader gave them, cleaned first).
pub fn shown(path: &Path, root: &Path) -> String {
    let (path, root) = (clean(path), clean(root));
    if root == Path::new(".") {
        return to_text(&path);
    }
    if let Ok(below) = path.strip_prefix(&root) {
        return to_text(below);
    }
    if path.is_absolute() == root.is_absolute() && !path.is_absolute() {
        // Both relative to the same directory: climb out of `root`.
        let (p, r): (Vec<Component>, Vec<Component>) = (path.components().collect(), root.components().collect());
        let common = p.iter().zip(&r).take_while(|(x, y)| x == y).count();
        if r[common..].iter().all(|c| matches!(c, Component::Normal(_))) {
            let mut out = PathBuf::new();
            for _ in common..r.len() {
                out.push("..");
            }
            for c in &p[common..] {
                out.push(c.as_os_str());
            }
            return to_text(&out);
        }
    }
    to_text(&relative(&path, &root))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        let base = Path::new("/work/main/host/cli");
        assert_eq!(relative(Path::new("/work/main/host/cli/a.yaml"), base), PathBuf::from("a.yaml"));
        assert_eq!(
            relative(Path::new("/work/main/examples/x/compose.yaml"), base),
            PathBuf::from("../../examples/x/compose.yaml")
        );
        assert_eq!(relative(Path::new("/etc/compose.yaml"), base), PathBuf::from("/etc/compose.yaml"));
        assert_eq!(relative(Path::new("rel/c.yaml"), base), PathBuf::from("rel/c.yaml"));
    }

    #[test]
    fn cleaning() {
        assert_eq!(clean(Path::new("./a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(clean(Path::new("../a/..")), PathBuf::from(".."));
        assert_eq!(clean(Path::new("a/..")), PathBuf::from("."));
        assert_eq!(clean(Path::new("/../a")), PathBuf::from("/a"));
        assert_eq!(clean(Path::new("x/y/../../plimsoll.yaml")), PathBuf::from("plimsoll.yaml"));
    }

    #[test]
    fn shown_relative_to_the_project_root() {
        assert_eq!(shown(Path::new("examples/x/api/Dockerfile"), Path::new("examples/x")), "api/Dockerfile");
        assert_eq!(shown(Path::new("examples/plimsoll.yaml"), Path::new("examples/x")), "../plimsoll.yaml");
        assert_eq!(shown(Path::new("/p/compose.yaml"), Path::new("/p")), "compose.yaml");
        assert_eq!(shown(Path::new("./compose.yaml"), Path::new(".")), "compose.yaml");
    }
}
