//! The content-addressed store of pulled packs: `blobs/sha256/<hex>`, plus what a registry would
//! answer offline (`refs/` for tags, `referrers/` for signatures).
//!
//! Every write goes to a temp file in the same directory and is renamed into place; every read is
//! hashed again, and a blob whose bytes no longer match its name is deleted and reported, never
//! returned. The store never talks to a registry.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::Error;
use crate::artifact::digest_of;

/// The store at a directory.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

/// Environment variable that overrides the store's location.
pub const STORE_ENV: &str = "PLIMSOLL_STORE";

impl Store {
    /// The store at `root` (created on first write).
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// `$PLIMSOLL_STORE`, else `$XDG_CACHE_HOME/plimsoll/store`, else `~/.cache/plimsoll/store`.
    pub fn default_location() -> PathBuf {
        if let Some(dir) = std::env::var_os(STORE_ENV).filter(|v| !v.is_empty()) {
            return PathBuf::from(dir);
        }
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .unwrap_or_else(std::env::temp_dir);
        cache.join("plimsoll").join("store")
    }

    /// The store's directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The path of blob `digest`.
    pub fn blob_path(&self, digest: &str) -> Result<PathBuf, Error> {
        crate::reference::check_digest(digest).map_err(|m| Error::Store(m.to_string()))?;
        Ok(self.root.join("blobs").join("sha256").join(&digest["sha256:".len()..]))
    }

    /// Whether blob `digest` is present (not verified: [`Store::get`] verifies).
    pub fn has(&self, digest: &str) -> bool {
        self.blob_path(digest).is_ok_and(|p| p.is_file())
    }

    /// Store `bytes` under `expected` (their digest); a mismatch writes nothing.
    pub fn put(&self, expected: &str, bytes: &[u8]) -> Result<(), Error> {
        let actual = digest_of(bytes);
        if actual != expected {
            return Err(Error::Digest { expected: expected.to_string(), actual, what: "blob".into() });
        }
        let path = self.blob_path(expected)?;
        if path.is_file() && self.get(expected).ok().flatten().is_some() {
            return Ok(());
        }
        write_atomic(&path, bytes)
    }

    /// The bytes of blob `digest`, verified; `Ok(None)` when absent. A blob whose bytes do not
    /// match its digest is removed and reported as [`Error::Corrupt`].
    pub fn get(&self, digest: &str) -> Result<Option<Vec<u8>>, Error> {
        let path = self.blob_path(digest)?;
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::Store(format!("{}: cannot read: {e}", path.display()))),
        };
        let actual = digest_of(&bytes);
        if actual != digest {
            let _ = std::fs::remove_file(&path);
            return Err(Error::Corrupt { digest: digest.to_string(), actual, path });
        }
        Ok(Some(bytes))
    }

    /// Remember that `reference` (with a tag, no digest) named manifest `digest` when last seen.
    pub fn set_tag(&self, registry: &str, repository: &str, tag: &str, digest: &str) -> Result<(), Error> {
        write_atomic(&self.tag_path(registry, repository, tag), format!("{digest}\n").as_bytes())
    }

    /// The manifest digest a tag named when last seen, if any.
    pub fn tag(&self, registry: &str, repository: &str, tag: &str) -> Option<String> {
        let text = std::fs::read_to_string(self.tag_path(registry, repository, tag)).ok()?;
        let digest = text.trim().to_string();
        crate::reference::check_digest(&digest).ok().map(|()| digest)
    }

    fn tag_path(&self, registry: &str, repository: &str, tag: &str) -> PathBuf {
        // Every part is validated by `Reference::parse`: no `..`, no separators in a tag.
        self.root.join("refs").join(registry.replace(['[', ']'], "")).join(repository).join(tag)
    }

    /// Record `referrer` (a signature manifest's digest) as referring to `subject`.
    pub fn add_referrer(&self, subject: &str, referrer: &str) -> Result<(), Error> {
        let mut known = self.referrers(subject);
        if known.iter().any(|r| r == referrer) {
            return Ok(());
        }
        known.push(referrer.to_string());
        known.sort();
        let path = self.referrers_path(subject)?;
        write_atomic(&path, (known.join("\n") + "\n").as_bytes())
    }

    /// The referrers recorded for `subject`.
    pub fn referrers(&self, subject: &str) -> Vec<String> {
        let Ok(path) = self.referrers_path(subject) else { return Vec::new() };
        std::fs::read_to_string(path)
            .map(|t| {
                t.lines()
                    .map(str::trim)
                    .filter(|l| crate::reference::check_digest(l).is_ok())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    }

    fn referrers_path(&self, subject: &str) -> Result<PathBuf, Error> {
        crate::reference::check_digest(subject).map_err(|m| Error::Store(m.to_string()))?;
        Ok(self.root.join("referrers").join("sha256").join(&subject["sha256:".len()..]))
    }
}

/// Write `bytes` to `path` through a temp file in the same directory and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let fail = |e: std::io::Error| Error::Store(format!("{}: cannot write: {e}", path.display()));
    std::fs::create_dir_all(dir).map_err(fail)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_are_verified_on_write_and_on_every_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path());
        let digest = digest_of(b"component");
        let err = store.put(&digest, b"other").unwrap_err().to_string();
        assert!(err.contains("digest mismatch"), "{err}");
        assert!(!store.has(&digest));
        store.put(&digest, b"component").unwrap();
        assert_eq!(store.get(&digest).unwrap().unwrap(), b"component");
        std::fs::write(store.blob_path(&digest).unwrap(), b"tampered").unwrap();
        let err = store.get(&digest).unwrap_err();
        assert!(matches!(err, Error::Corrupt { .. }), "{err}");
        assert!(!store.has(&digest), "a corrupt blob is removed");
        assert_eq!(store.get(&digest).unwrap(), None);
    }

    #[test]
    fn tags_and_referrers_are_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path());
        let d = digest_of(b"m");
        store.set_tag("127.0.0.1:5000", "acme/ports", "1.0", &d).unwrap();
        assert_eq!(store.tag("127.0.0.1:5000", "acme/ports", "1.0"), Some(d.clone()));
        assert_eq!(store.tag("127.0.0.1:5000", "acme/ports", "2.0"), None);
        let s = digest_of(b"sig");
        store.add_referrer(&d, &s).unwrap();
        store.add_referrer(&d, &s).unwrap();
        assert_eq!(store.referrers(&d), vec![s]);
    }
}
