//! `plimsoll.lock`: each registry pack of `plimsoll.yaml` pinned to the manifest it resolved to.
//!
//! The file is YAML, sorted by the `packs:` entry as written, one key per line, so a change reads
//! as a small diff; it is written through a temp file and a rename. This module reads, compares
//! and writes the lock; it never resolves a tag itself.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::Error;

/// The lock's file name, next to `plimsoll.yaml`.
pub const FILE_NAME: &str = "plimsoll.lock";

/// The lockfile format version this host reads and writes.
pub const VERSION: u32 = 1;

/// One pinned pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct LockEntry {
    /// The manifest digest the reference resolved to.
    pub manifest: String,
    /// The component layer's digest.
    pub layer: String,
    /// The pack id.
    pub pack: String,
    /// The pack version.
    pub version: String,
    /// The key id of the signature verified when locking, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
}

/// The contents of `plimsoll.lock`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Lockfile {
    /// Format version.
    pub version: u32,
    /// Entries by the `packs:` reference exactly as written.
    #[serde(default)]
    pub packs: BTreeMap<String, LockEntry>,
}

/// A lockfile and where it lives.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The file (it may not exist yet).
    pub path: PathBuf,
    /// Its contents (empty when the file does not exist).
    pub lock: Lockfile,
    /// Whether the file exists.
    pub exists: bool,
}

/// The lock next to a configuration file in `dir`.
pub fn path_in(dir: &Path) -> PathBuf {
    dir.join(FILE_NAME)
}

/// Read the lock at `path` (an absent file is an empty lock).
pub fn load(path: &Path) -> Result<Loaded, Error> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Loaded {
                path: path.to_path_buf(),
                lock: Lockfile { version: VERSION, packs: BTreeMap::new() },
                exists: false,
            });
        }
        Err(e) => return Err(Error::Lock(format!("{}: cannot read: {e}", path.display()))),
    };
    let lock = parse(&text, path)?;
    Ok(Loaded { path: path.to_path_buf(), lock, exists: true })
}

/// Parse lock text read from `path`.
pub fn parse(text: &str, path: &Path) -> Result<Lockfile, Error> {
    let lock: Lockfile = serde_norway::from_str(text).map_err(|e| match e.location() {
        Some(l) => Error::Lock(format!("{}:{}:{}: {}", path.display(), l.line(), l.column(), strip(&e.to_string()))),
        None => Error::Lock(format!("{}: {e}", path.display())),
    })?;
    if lock.version != VERSION {
        return Err(Error::Lock(format!(
            "{}: version {} (this plimsoll reads version {VERSION})",
            path.display(),
            lock.version
        )));
    }
    for (reference, entry) in &lock.packs {
        for digest in [&entry.manifest, &entry.layer] {
            crate::reference::check_digest(digest)
                .map_err(|m| Error::Lock(format!("{}: `{reference}`: {m}", path.display())))?;
        }
    }
    Ok(lock)
}

fn strip(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// The lock as text: a header comment, then sorted YAML.
pub fn render(lock: &Lockfile) -> String {
    let mut out = String::from(
        "# plimsoll.lock: the registry packs of plimsoll.yaml, pinned by `plimsoll policy lock`.\n\
         # Commit it; `plimsoll check --locked` runs exactly these digests.\n",
    );
    out.push_str(&format!("version: {}\npacks:", lock.version));
    if lock.packs.is_empty() {
        out.push_str(" {}\n");
        return out;
    }
    out.push('\n');
    for (reference, e) in &lock.packs {
        out.push_str(&format!("  {}:\n", quote(reference)));
        out.push_str(&format!("    manifest: {}\n", e.manifest));
        out.push_str(&format!("    layer: {}\n", e.layer));
        out.push_str(&format!("    pack: {}\n", quote(&e.pack)));
        out.push_str(&format!("    version: {}\n", quote(&e.version)));
        if let Some(signer) = &e.signer {
            out.push_str(&format!("    signer: {}\n", quote(signer)));
        }
    }
    out
}

fn quote(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}

/// Write `lock` to `path` atomically.
pub fn write(path: &Path, lock: &Lockfile) -> Result<(), Error> {
    crate::store::write_atomic(path, render(lock).as_bytes()).map_err(|e| Error::Lock(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_sorted_and_reads_back() {
        let d = |c: char| format!("sha256:{}", c.to_string().repeat(64));
        let mut lock = Lockfile { version: VERSION, packs: BTreeMap::new() };
        for (r, c) in [("oci://127.0.0.1:5000/b:1", 'b'), ("oci://127.0.0.1:5000/a:1", 'a')] {
            lock.packs.insert(
                r.into(),
                LockEntry { manifest: d(c), layer: d(c), pack: "p".into(), version: "0.1.0".into(), signer: None },
            );
        }
        let text = render(&lock);
        assert!(text.find("/a:1").unwrap() < text.find("/b:1").unwrap(), "{text}");
        assert_eq!(parse(&text, Path::new("plimsoll.lock")).unwrap(), lock);
        let err = parse("version: 9\npacks: {}\n", Path::new("x.lock")).unwrap_err().to_string();
        assert!(err.contains("x.lock: version 9"), "{err}");
        let err = parse("version: 1\npacks:\n  a:\n    manifest: nope\n", Path::new("x.lock")).unwrap_err().to_string();
        assert!(err.contains("x.lock"), "{err}");
    }
}
