//! Confinement: while a project loads with [`LoadOptions::confine`](crate::LoadOptions) set, no file
//! outside that directory is read — not a compose file named by `extends` or `include`, not an
//! `env_file`, not a Dockerfile, not a `.dockerignore`, not a build context.
//!
//! The server loads uploads this way: the upload is the project, and nothing a caller writes in it
//! can make the server read one of its own files. Every read of the loader goes through [`read`],
//! [`read_to_string`] or [`check`]; a path outside is an error of kind `PermissionDenied` whose
//! message says so, which the read sites turn into located errors. The confinement is per thread
//! (the loader runs on one) and ends when the [`Guard`] drops. Nothing here interprets a file.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

thread_local! {
    static ROOT: RefCell<Option<PathBuf>> = const { RefCell::new(None) };
}

/// Confinement in force on this thread until dropped (the previous one is restored).
pub struct Guard {
    previous: Option<PathBuf>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        ROOT.with(|root| *root.borrow_mut() = previous);
    }
}

/// Confine this thread's reads to `root` (nothing when `None`).
pub fn enter(root: Option<&Path>) -> Guard {
    let canonical = root.map(|r| r.canonicalize().unwrap_or_else(|_| crate::paths::absolute(r)));
    let previous = ROOT.with(|current| {
        let mut current = current.borrow_mut();
        match canonical {
            Some(root) => current.replace(root),
            None => current.clone(),
        }
    });
    Guard { previous }
}

/// `Ok` when `path` may be read: no confinement, or it resolves (symbolic links followed) inside
/// the root.
pub fn check(path: &Path) -> std::io::Result<()> {
    ROOT.with(|root| {
        let root = root.borrow();
        let Some(root) = root.as_ref() else { return Ok(()) };
        let resolved = path.canonicalize().unwrap_or_else(|_| crate::paths::absolute(path));
        if resolved.starts_with(root) {
            Ok(())
        } else {
            Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                "it is outside the project directory, and nothing outside it is read",
            ))
        }
    })
}

/// [`std::fs::read`] under the confinement.
pub fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    check(path)?;
    std::fs::read(path)
}

/// [`std::fs::read_to_string`] under the confinement.
pub fn read_to_string(path: &Path) -> std::io::Result<String> {
    check(path)?;
    std::fs::read_to_string(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stay_inside_while_confined() {
        let tmp = tempfile::tempdir().unwrap();
        let inside = tmp.path().join("project");
        std::fs::create_dir(&inside).unwrap();
        std::fs::write(inside.join("a"), "x").unwrap();
        std::fs::write(tmp.path().join("secret"), "s").unwrap();
        std::os::unix::fs::symlink(tmp.path().join("secret"), inside.join("link")).unwrap();
        assert!(read(&tmp.path().join("secret")).is_ok(), "no confinement, no limit");
        {
            let _guard = enter(Some(&inside));
            assert_eq!(read(&inside.join("a")).unwrap(), b"x");
            let err = read(&inside.join("../secret")).unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied);
            assert!(err.to_string().contains("outside the project directory"));
            assert!(read(&inside.join("link")).is_err(), "a symbolic link is followed before the check");
            assert!(read_to_string(Path::new("/etc/hostname")).is_err());
        }
        assert!(read(&tmp.path().join("secret")).is_ok(), "the guard restores");
    }
}
