//! The loader's file access: every read, existence probe and directory listing of the loader goes
//! through here, so that two things hold while a project loads.
//!
//! - **Confinement** ([`LoadOptions::confine`](crate::LoadOptions)): no file outside that directory
//!   is read — not a compose file named by `extends` or `include`, not an `env_file`, not a
//!   Dockerfile, not a `.dockerignore`, not a build context. A path outside is an error of kind
//!   `PermissionDenied` whose message says so, which the read sites turn into located errors.
//! - **In-memory projects** ([`LoadOptions::memory`](crate::LoadOptions)): the server's uploads and
//!   the admission front ends' generated documents are loaded from a [`MemoryFiles`] set below a
//!   virtual root that exists nowhere on disk, so a check writes no temporary file. Such a project
//!   is confined to its root by construction; there are no symbolic links in it.
//!
//! The mode is per thread (the loader runs on one) and ends when the [`Guard`] drops. Nothing here
//! interprets a file.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A project's files held in memory, below a virtual root directory.
pub struct MemoryFiles {
    root: PathBuf,
    files: BTreeMap<String, Vec<u8>>,
}

impl std::fmt::Debug for MemoryFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryFiles").field("root", &self.root).field("files", &self.files.len()).finish()
    }
}

/// What a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A regular file (symbolic links followed, unless asked not to) of this many bytes.
    File(u64),
    /// A directory.
    Dir,
    /// A symbolic link (only from [`symlink_kind`] on disk).
    Symlink(u64),
    /// Anything else (a socket, a device).
    Other,
}

impl Kind {
    /// The bytes of a file or link; 0 for a directory or anything else.
    pub fn bytes(self) -> u64 {
        match self {
            Kind::File(len) | Kind::Symlink(len) => len,
            Kind::Dir | Kind::Other => 0,
        }
    }
}

static NEXT_ROOT: AtomicU64 = AtomicU64::new(0);

/// A project file's name as the project's files are keyed: relative, `/`-separated, without `.`
/// and empty segments (`./a//b` → `a/b`). A name that is empty, absolute, holds a NUL or climbs
/// out with `..` is refused with a message naming it.
pub fn relative_name(name: &str) -> Result<String, String> {
    let relative = Path::new(name);
    let inside = !name.is_empty()
        && !name.contains('\0')
        && relative.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        && relative.components().any(|c| matches!(c, Component::Normal(_)));
    if !inside {
        return Err(format!("`{name}` is not a relative path inside the project (no absolute paths, no `..`)"));
    }
    Ok(name.split('/').filter(|p| !p.is_empty() && *p != ".").collect::<Vec<_>>().join("/"))
}

impl MemoryFiles {
    /// Hold `files` (relative, `/`-separated names; `.` and empty segments are dropped) below a new
    /// virtual root `/.plimsoll-memory/<n>/project`. A name that is empty, absolute or climbs out
    /// with `..` is refused with a message naming it.
    pub fn new(files: BTreeMap<String, Vec<u8>>) -> Result<Self, String> {
        let mut held = BTreeMap::new();
        for (name, bytes) in files {
            held.insert(relative_name(&name)?, bytes);
        }
        // A file that is also a directory of another (`a` and `a/b`) cannot be on disk either.
        for key in held.keys() {
            let mut prefix = String::new();
            for part in key.split('/').collect::<Vec<_>>().iter().rev().skip(1).rev() {
                if !prefix.is_empty() {
                    prefix.push('/');
                }
                prefix.push_str(part);
                if held.contains_key(&prefix) {
                    return Err(format!("`{prefix}` is both a file and the directory of `{key}`"));
                }
            }
        }
        let n = NEXT_ROOT.fetch_add(1, Ordering::Relaxed);
        Ok(MemoryFiles { root: PathBuf::from(format!("/.plimsoll-memory/{n}/project")), files: held })
    }

    /// The virtual root directory: the project directory of the files.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The relative key of `path`, when it is below the root (lexically; relative paths are taken
    /// from the root).
    fn key(&self, path: &Path) -> Option<String> {
        let joined =
            if path.is_absolute() { crate::paths::clean(path) } else { crate::paths::clean(&self.root.join(path)) };
        let below = joined.strip_prefix(&self.root).ok()?;
        Some(below.components().filter_map(|c| c.as_os_str().to_str()).collect::<Vec<_>>().join("/"))
    }

    /// What `path` is, if anything.
    pub fn kind(&self, path: &Path) -> std::io::Result<Kind> {
        self.kind_of(&self.key(path).ok_or_else(outside)?)
    }

    /// What the entry keyed `key` is, if anything.
    fn kind_of(&self, key: &str) -> std::io::Result<Kind> {
        if key.is_empty() {
            return Ok(Kind::Dir);
        }
        if let Some(bytes) = self.files.get(key) {
            return Ok(Kind::File(bytes.len() as u64));
        }
        let prefix = format!("{key}/");
        match self.files.range(prefix.clone()..).next() {
            Some((k, _)) if k.starts_with(&prefix) => Ok(Kind::Dir),
            _ => Err(std::io::Error::from(std::io::ErrorKind::NotFound)),
        }
    }

    /// The bytes of the file at `path`, borrowed.
    fn bytes(&self, path: &Path) -> std::io::Result<&[u8]> {
        let key = self.key(path).ok_or_else(outside)?;
        match self.files.get(&key) {
            Some(bytes) => Ok(bytes),
            None if self.kind_of(&key).is_ok() => Err(std::io::Error::other("it is a directory")),
            None => Err(std::io::Error::from(std::io::ErrorKind::NotFound)),
        }
    }

    /// The bytes of the file at `path`.
    pub fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        self.bytes(path).map(<[u8]>::to_vec)
    }

    /// The text of the file at `path`.
    pub fn read_to_string(&self, path: &Path) -> std::io::Result<String> {
        String::from_utf8(self.read(path)?)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "stream did not contain valid UTF-8"))
    }

    /// The entries of the directory at `path`, by name, sorted.
    pub fn read_dir(&self, path: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
        let key = self.key(path).ok_or_else(outside)?;
        if self.kind_of(&key)? != Kind::Dir {
            return Err(std::io::Error::other("Not a directory"));
        }
        let prefix = if key.is_empty() { String::new() } else { format!("{key}/") };
        let dir = self.root.join(&key);
        let mut names: Vec<String> = Vec::new();
        for k in self.files.range(prefix.clone()..).map(|(k, _)| k).take_while(|k| k.starts_with(&prefix)) {
            let name = k[prefix.len()..].split('/').next().unwrap_or_default();
            if names.last().map(String::as_str) != Some(name) {
                names.push(name.to_owned());
            }
        }
        Ok(names.into_iter().map(|n| (n.clone(), dir.join(n))).collect())
    }
}

/// The mode of this thread's loader.
enum Mode {
    /// Reads from disk, confined to this directory.
    Confined(PathBuf),
    /// Reads from these files only.
    Memory(Arc<MemoryFiles>),
}

thread_local! {
    static MODE: RefCell<Option<Arc<Mode>>> = const { RefCell::new(None) };
}

/// A mode in force on this thread until dropped (the previous one is restored).
pub struct Guard {
    previous: Option<Arc<Mode>>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        MODE.with(|mode| *mode.borrow_mut() = previous);
    }
}

fn replace(mode: Option<Mode>) -> Guard {
    let previous = MODE.with(|current| {
        let mut current = current.borrow_mut();
        match mode {
            Some(mode) => current.replace(Arc::new(mode)),
            None => current.clone(),
        }
    });
    Guard { previous }
}

/// Confine this thread's reads to `root` (nothing changes when `None`).
pub fn enter(root: Option<&Path>) -> Guard {
    replace(root.map(|r| Mode::Confined(r.canonicalize().unwrap_or_else(|_| crate::paths::absolute(r)))))
}

/// Read only `files` on this thread.
pub fn enter_memory(files: Arc<MemoryFiles>) -> Guard {
    replace(Some(Mode::Memory(files)))
}

fn mode() -> Option<Arc<Mode>> {
    MODE.with(|mode| mode.borrow().clone())
}

fn outside() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::PermissionDenied,
        "it is outside the project directory, and nothing outside it is read",
    )
}

/// `Ok` when `path` may be read: no confinement, or it resolves (symbolic links followed) inside
/// the root.
pub fn check(path: &Path) -> std::io::Result<()> {
    match mode().as_deref() {
        None => Ok(()),
        Some(Mode::Memory(files)) => files.key(path).map(|_| ()).ok_or_else(outside),
        Some(Mode::Confined(root)) => {
            let resolved = path.canonicalize().unwrap_or_else(|_| crate::paths::absolute(path));
            if resolved.starts_with(root) { Ok(()) } else { Err(outside()) }
        }
    }
}

/// [`std::fs::read`] in this thread's mode.
pub fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    match mode().as_deref() {
        Some(Mode::Memory(files)) => files.read(path),
        _ => {
            check(path)?;
            std::fs::read(path)
        }
    }
}

/// [`std::fs::read_to_string`] in this thread's mode.
pub fn read_to_string(path: &Path) -> std::io::Result<String> {
    match mode().as_deref() {
        Some(Mode::Memory(files)) => files.read_to_string(path),
        _ => {
            check(path)?;
            std::fs::read_to_string(path)
        }
    }
}

/// At most `limit` bytes from the start of the file at `path`.
pub fn read_head(path: &Path, limit: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    match mode().as_deref() {
        Some(Mode::Memory(files)) => files.bytes(path).map(|b| b[..b.len().min(limit)].to_vec()),
        _ => {
            check(path)?;
            let mut head = Vec::new();
            std::fs::File::open(path)?.take(limit as u64).read_to_end(&mut head)?;
            Ok(head)
        }
    }
}

fn kind_of(meta: &std::fs::Metadata) -> Kind {
    let file_type = meta.file_type();
    if file_type.is_symlink() {
        Kind::Symlink(meta.len())
    } else if file_type.is_dir() {
        Kind::Dir
    } else if file_type.is_file() {
        Kind::File(meta.len())
    } else {
        Kind::Other
    }
}

/// What `path` is, symbolic links followed ([`std::fs::metadata`]). On disk this probes without
/// the confinement check, as `Path::is_file` does; reads are checked.
pub fn kind(path: &Path) -> std::io::Result<Kind> {
    match mode().as_deref() {
        Some(Mode::Memory(files)) => files.kind(path),
        _ => std::fs::metadata(path).map(|m| kind_of(&m)),
    }
}

/// What `path` itself is, symbolic links not followed ([`std::fs::symlink_metadata`]).
pub fn symlink_kind(path: &Path) -> std::io::Result<Kind> {
    match mode().as_deref() {
        Some(Mode::Memory(files)) => files.kind(path),
        _ => std::fs::symlink_metadata(path).map(|m| kind_of(&m)),
    }
}

/// Whether `path` is a regular file ([`Path::is_file`] in this thread's mode).
pub fn is_file(path: &Path) -> bool {
    matches!(kind(path), Ok(Kind::File(_)))
}

/// Whether `path` is a directory ([`Path::is_dir`] in this thread's mode).
pub fn is_dir(path: &Path) -> bool {
    matches!(kind(path), Ok(Kind::Dir))
}

/// Whether anything is at `path` ([`Path::exists`] in this thread's mode).
pub fn exists(path: &Path) -> bool {
    kind(path).is_ok()
}

/// The entries of a directory as (name, path), in the order the system gives them (sorted in memory).
pub fn read_dir(path: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    match mode().as_deref() {
        Some(Mode::Memory(files)) => files.read_dir(path),
        _ => Ok(std::fs::read_dir(path)?
            .flatten()
            .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
            .collect()),
    }
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

    fn memory(files: &[(&str, &str)]) -> Arc<MemoryFiles> {
        Arc::new(MemoryFiles::new(files.iter().map(|(k, v)| (k.to_string(), v.as_bytes().to_vec())).collect()).unwrap())
    }

    #[test]
    fn memory_files_are_a_tree_below_a_virtual_root() {
        let m =
            memory(&[("compose.yaml", "services: {}\n"), ("./api//Dockerfile", "FROM a\n"), ("api/src/main.py", "x")]);
        let root = m.root().to_path_buf();
        assert!(root.starts_with("/.plimsoll-memory") && !root.exists(), "{root:?}");
        assert_eq!(m.kind(&root).unwrap(), Kind::Dir);
        assert_eq!(m.kind(&root.join("api")).unwrap(), Kind::Dir);
        assert_eq!(m.kind(&root.join("api/Dockerfile")).unwrap(), Kind::File(7));
        assert_eq!(m.kind(Path::new("api/./src/../Dockerfile")).unwrap(), Kind::File(7), "relative to the root");
        assert_eq!(m.kind(&root.join("ap")).unwrap_err().kind(), std::io::ErrorKind::NotFound);
        assert_eq!(m.kind(&root.join("../x")).unwrap_err().kind(), std::io::ErrorKind::PermissionDenied);
        assert_eq!(m.kind(Path::new("/etc/hostname")).unwrap_err().kind(), std::io::ErrorKind::PermissionDenied);
        let names: Vec<String> = m.read_dir(&root).unwrap().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["api", "compose.yaml"]);
        let below: Vec<PathBuf> = m.read_dir(&root.join("api")).unwrap().into_iter().map(|(_, p)| p).collect();
        assert_eq!(below, [root.join("api/Dockerfile"), root.join("api/src")]);
        assert!(m.read_dir(&root.join("compose.yaml")).is_err());
        assert_eq!(m.read_to_string(&root.join("compose.yaml")).unwrap(), "services: {}\n");
        assert!(m.read(&root.join("api")).unwrap_err().to_string().contains("directory"));
        // Two sets never share a root.
        assert_ne!(memory(&[("a", "")]).root(), memory(&[("a", "")]).root());
    }

    #[test]
    fn memory_names_must_stay_inside_and_be_one_tree() {
        for bad in ["../x", "/etc/passwd", "a/../../b", "", "a\0b"] {
            let files = BTreeMap::from([(bad.to_string(), Vec::new())]);
            assert!(MemoryFiles::new(files).unwrap_err().contains("not a relative path"), "{bad:?}");
        }
        let files = BTreeMap::from([("a".to_string(), Vec::new()), ("a/b".to_string(), Vec::new())]);
        assert!(MemoryFiles::new(files).unwrap_err().contains("both a file and the directory"));
    }

    #[test]
    fn the_memory_mode_answers_every_probe_and_nothing_on_disk() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("secret"), "s").unwrap();
        let m = memory(&[("compose.yaml", "services: {}\n"), ("ctx/a", "12345")]);
        let root = m.root().to_path_buf();
        {
            let _guard = enter_memory(m.clone());
            assert!(is_file(&root.join("compose.yaml")) && is_dir(&root.join("ctx")) && exists(&root));
            assert_eq!(symlink_kind(&root.join("ctx/a")).unwrap(), Kind::File(5));
            assert_eq!(read_head(&root.join("ctx/a"), 2).unwrap(), b"12");
            assert_eq!(read_dir(&root.join("ctx")).unwrap(), vec![("a".to_string(), root.join("ctx/a"))]);
            let secret = tmp.path().join("secret");
            assert!(!exists(&secret) && !is_file(&secret), "the disk is invisible");
            assert_eq!(read(&secret).unwrap_err().kind(), std::io::ErrorKind::PermissionDenied);
            assert!(check(&root.join("../../x")).is_err() && check(&root.join("ctx/../compose.yaml")).is_ok());
        }
        assert!(!is_file(&root.join("compose.yaml")), "the guard restores the disk");
    }
}
