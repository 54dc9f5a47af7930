//! The on-disk cache of compiled components.
//!
//! An entry is keyed by the component's sha256 digest and the engine's compatibility hash, so a
//! `.cwasm` compiled by another wasmtime version or configuration is never used. Each entry is a
//! `.cwasm` file and a `.cwasm.blake3` checksum beside it, both written atomically (temporary file,
//! then rename; the checksum first). Loading hashes the memory-mapped `.cwasm` (in parallel) and
//! compares before wasmtime maps it: a corrupt, truncated or orphaned entry is removed and
//! recompiled, never trusted. Large components (Python, JavaScript: tens of MB compiled) load in
//! milliseconds because nothing is copied. The cache guards against corruption, not against someone
//! who can write the user's cache directory.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use wasmtime::Engine;
use wasmtime::component::Component;

/// A directory of compiled components.
#[derive(Debug, Clone)]
pub struct ComponentCache {
    dir: PathBuf,
}

/// How a component was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Loaded from a valid cache entry.
    Hit,
    /// Compiled (no entry, or the entry was corrupt or stale) and stored.
    Compiled,
    /// Compiled without a cache.
    Uncached,
}

impl ComponentCache {
    /// A cache in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The default cache: `$XDG_CACHE_HOME/plimsoll/components` or `~/.cache/plimsoll/components`.
    pub fn default_location() -> Option<Self> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".cache")))?;
        Some(Self::new(base.join("plimsoll").join("components")))
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The entry path for a component digest under this engine.
    pub fn entry_path(&self, engine: &Engine, digest: &str) -> PathBuf {
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        self.dir.join(format!("{digest}-{:016x}.cwasm", hasher.finish()))
    }

    /// Load the component with `digest` from the cache, or compile `wasm` and store it.
    pub fn load_or_compile(
        &self,
        engine: &Engine,
        digest: &str,
        wasm: &[u8],
    ) -> wasmtime::Result<(Component, CacheOutcome)> {
        let path = self.entry_path(engine, digest);
        if let Some(component) = read_entry(engine, &path) {
            return Ok((component, CacheOutcome::Hit));
        }
        let compiled = engine.precompile_component(wasm)?;
        // A failed write only costs a recompilation next time.
        let _ = write_entry(&path, &compiled);
        Ok((deserialize(engine, &compiled)?, CacheOutcome::Compiled))
    }
}

/// Compile a component without a cache.
pub(crate) fn compile_uncached(engine: &Engine, wasm: &[u8]) -> wasmtime::Result<(Component, CacheOutcome)> {
    Ok((Component::new(engine, wasm)?, CacheOutcome::Uncached))
}

fn checksum_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".blake3");
    PathBuf::from(name)
}

fn read_entry(engine: &Engine, path: &Path) -> Option<Component> {
    let expected = std::fs::read_to_string(checksum_path(path)).ok()?;
    let valid = blake3::Hasher::new()
        .update_mmap_rayon(path)
        .map(|h| h.finalize().to_hex().as_str() == expected.trim())
        .unwrap_or(false);
    let component = if valid { deserialize_file(engine, path).ok() } else { None };
    if component.is_none() {
        // Corrupt, truncated or refused by this engine: never trust it again.
        let _ = std::fs::remove_file(path);
        let _ = std::fs::remove_file(checksum_path(path));
    }
    component
}

fn write_entry(path: &Path, compiled: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().ok_or_else(|| std::io::Error::other("cache entry has no directory"))?;
    std::fs::create_dir_all(dir)?;
    write_atomically(dir, &checksum_path(path), blake3::hash(compiled).to_hex().as_bytes())?;
    write_atomically(dir, path, compiled)
}

fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[allow(unsafe_code)]
fn deserialize_file(engine: &Engine, path: &Path) -> wasmtime::Result<Component> {
    // SAFETY: the file's blake3 checksum matched the one this code wrote beside it after compiling
    // it with `Engine::precompile_component`; wasmtime itself rejects artifacts of another version or
    // configuration. The file is only replaced by atomic renames, never written in place.
    unsafe { Component::deserialize_file(engine, path) }
}

#[allow(unsafe_code)]
fn deserialize(engine: &Engine, compiled: &[u8]) -> wasmtime::Result<Component> {
    // SAFETY: `compiled` is the output of `Engine::precompile_component` in this process.
    unsafe { Component::deserialize(engine, compiled) }
}
