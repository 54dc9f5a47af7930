//! Build context scans: what a build would send, after `.dockerignore`.
//!
//! [`load_context`] finds the ignore file in force (`<Dockerfile>.dockerignore` next to the
//! Dockerfile first, then `.dockerignore` at the context root), walks the context as BuildKit
//! would (excluded directories skipped unless an exception may re-include something below them;
//! symbolic links counted, never followed), and records file count, bytes sent and notable entries
//! (`.git`, `node_modules`, virtualenvs, `.env*` files, private keys, model weights, build output,
//! large files), each with whether it is ignored. The walk is bounded in files and time and marks
//! the result `truncated` when it stops early. URL and missing contexts are recorded with a note;
//! nothing here stops a run or panics on odd trees.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::diagnostic::{Diagnostic, Location};
use crate::dockerignore::{MatchInfo, Matcher};
use crate::model::{BuildContext, ContextKind, NotableEntry};
use crate::paths::relative_absolute;

/// Whether a compose `build.context` is remote (git or URL) rather than a path ([`crate::paths::is_remote_context`]).
pub use crate::paths::is_remote_context as is_url;

/// Bounds and thresholds of a scan.
#[derive(Debug, Clone)]
pub struct ScanLimits {
    /// Stop after this many entries (files, links and directories).
    pub max_entries: u64,
    /// Stop after this long.
    pub max_duration: Duration,
    /// Files at least this big are `large-file` entries.
    pub large_file: u64,
    /// `*.bin` files at least this big are `model-weights` entries.
    pub weights_bin: u64,
}

impl Default for ScanLimits {
    fn default() -> Self {
        Self {
            max_entries: 200_000,
            max_duration: Duration::from_secs(5),
            large_file: 50 * 1024 * 1024,
            weights_bin: 10 * 1024 * 1024,
        }
    }
}

/// What a walk found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scan {
    /// Files (and links) sent.
    pub file_count: u64,
    /// Bytes sent.
    pub bytes: u64,
    /// Notable entries in walk order (sorted by name within a directory).
    pub notable: Vec<NotableEntry>,
    /// The walk stopped at a bound.
    pub truncated: bool,
    /// Why it stopped, or what could not be read.
    pub note: Option<String>,
}

/// The ignore file in force for a context: `<Dockerfile>.dockerignore` next to the Dockerfile,
/// else `.dockerignore` at the context root.
pub fn find_dockerignore(context_dir: &Path, dockerfile: Option<&Path>) -> Option<PathBuf> {
    if let Some(df) = dockerfile
        && let Some(name) = df.file_name()
    {
        let mut specific = name.to_os_string();
        specific.push(".dockerignore");
        let candidate = df.with_file_name(specific);
        if crate::confine::is_file(&candidate) {
            return Some(candidate);
        }
    }
    let root = context_dir.join(".dockerignore");
    crate::confine::is_file(&root).then_some(root)
}

/// Build the model's record of a context directory (or URL, or missing path).
///
/// `written` is the context as the compose file has it; `dir` the resolved directory;
/// `project_dir` the base of the model's relative paths. `at` locates diagnostics.
pub fn load_context(
    written: &str,
    dir: &Path,
    dockerfile: Option<&Path>,
    project_dir: &Path,
    limits: &ScanLimits,
    at: Option<Location>,
) -> (BuildContext, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    if is_url(written) {
        let ctx = BuildContext {
            path: written.to_string(),
            kind: ContextKind::Url,
            note: Some(format!("context `{written}` is a URL: it is not scanned")),
            ..BuildContext::default()
        };
        return (ctx, diagnostics);
    }
    let path = relative_absolute(dir, project_dir);
    if let Err(e) = crate::confine::check(dir) {
        let note = format!("build context `{path}` is not read: {e}");
        diagnostics.push(Diagnostic::error(at, note.clone()));
        return (
            BuildContext { path, kind: ContextKind::Missing, note: Some(note), ..BuildContext::default() },
            diagnostics,
        );
    }
    if !crate::confine::is_dir(dir) {
        let note = format!("context directory `{path}` does not exist");
        diagnostics.push(Diagnostic::warning(at, note.clone()));
        return (
            BuildContext { path, kind: ContextKind::Missing, note: Some(note), ..BuildContext::default() },
            diagnostics,
        );
    }
    let mut ctx = BuildContext { path, kind: ContextKind::Directory, ..BuildContext::default() };
    let mut matcher = Matcher::default();
    if let Some(ignore) = find_dockerignore(dir, dockerfile) {
        ctx.dockerignore = Some(relative_absolute(&ignore, project_dir));
        match crate::confine::read(&ignore) {
            Ok(bytes) => {
                let (m, patterns, errors) = Matcher::from_text_lenient(&String::from_utf8_lossy(&bytes));
                for e in errors {
                    diagnostics.push(Diagnostic::warning(Some(Location::start_of(&ignore)), e.to_string()));
                }
                matcher = m;
                ctx.dockerignore_patterns = patterns;
            }
            Err(e) => diagnostics.push(Diagnostic::warning(
                Some(Location::start_of(&ignore)),
                format!("cannot read `{}`: {e}", ignore.display()),
            )),
        }
    }
    let scan = scan(dir, &matcher, limits);
    ctx.file_count = scan.file_count;
    ctx.bytes = scan.bytes;
    ctx.notable = scan.notable;
    ctx.truncated = scan.truncated;
    ctx.note = scan.note;
    (ctx, diagnostics)
}

/// Walk `dir` as a build would send it with `matcher`'s `.dockerignore`.
pub fn scan(dir: &Path, matcher: &Matcher, limits: &ScanLimits) -> Scan {
    let mut walker = Walker { matcher, limits, start: Instant::now(), entries: 0, scan: Scan::default() };
    walker.walk(dir, "", &MatchInfo::default(), false, 0);
    walker.scan
}

struct Walker<'a> {
    matcher: &'a Matcher,
    limits: &'a ScanLimits,
    start: Instant,
    entries: u64,
    scan: Scan,
}

const MAX_DEPTH: usize = 256;

impl Walker<'_> {
    fn stop(&mut self) -> bool {
        if self.scan.truncated {
            return true;
        }
        if self.entries >= self.limits.max_entries {
            self.scan.truncated = true;
            self.scan.note = Some(format!("scan stopped after {} entries", self.limits.max_entries));
        } else if self.entries.is_multiple_of(256) && self.start.elapsed() > self.limits.max_duration {
            self.scan.truncated = true;
            self.scan.note = Some(format!("scan stopped after {} s", self.limits.max_duration.as_secs_f64()));
        }
        self.scan.truncated
    }

    /// Walk one directory; returns the bytes of every file seen below it (sent or not).
    fn walk(&mut self, abs: &Path, rel: &str, info: &MatchInfo, quiet: bool, depth: usize) -> u64 {
        if depth > MAX_DEPTH {
            self.scan.truncated = true;
            self.scan.note = Some(format!("scan stopped at `{rel}`: deeper than {MAX_DEPTH} directories"));
            return 0;
        }
        let mut entries: Vec<(String, PathBuf)> = match crate::confine::read_dir(abs) {
            Ok(entries) => entries,
            Err(e) => {
                if self.scan.note.is_none() {
                    self.scan.note = Some(format!("cannot read `{}`: {e}", if rel.is_empty() { "." } else { rel }));
                }
                return 0;
            }
        };
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut total = 0u64;
        for (name, path) in entries {
            if self.stop() {
                break;
            }
            self.entries += 1;
            let child = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
            let Ok(meta) = crate::confine::symlink_kind(&path) else { continue };
            let (excluded, child_info) = self.matcher.matches_with_parent(&child, info);
            if meta == crate::confine::Kind::Dir {
                let kind = if quiet { None } else { dir_kind(&name, &path) };
                if excluded && !self.matcher.may_include_below(&child) {
                    if let Some(kind) = kind {
                        self.scan.notable.push(NotableEntry {
                            path: child,
                            kind: kind.into(),
                            bytes: 0,
                            ignored: true,
                        });
                    }
                    continue;
                }
                let slot = kind.map(|kind| {
                    self.scan.notable.push(NotableEntry {
                        path: child.clone(),
                        kind: kind.into(),
                        bytes: 0,
                        ignored: excluded,
                    });
                    self.scan.notable.len() - 1
                });
                let bytes = self.walk(&path, &child, &child_info, quiet || kind.is_some(), depth + 1);
                if let Some(i) = slot {
                    self.scan.notable[i].bytes = bytes;
                }
                total += bytes;
            } else {
                let size = meta.bytes();
                total += size;
                if !excluded {
                    self.scan.file_count += 1;
                    self.scan.bytes += size;
                }
                if !quiet && let Some(kind) = file_kind(&name, size, self.limits) {
                    self.scan.notable.push(NotableEntry {
                        path: child,
                        kind: kind.into(),
                        bytes: size,
                        ignored: excluded,
                    });
                }
            }
        }
        total
    }
}

/// The notable kind of a directory, if any.
fn dir_kind(name: &str, path: &Path) -> Option<&'static str> {
    Some(match name {
        ".git" | ".hg" | ".svn" => "git",
        "node_modules" => "node-modules",
        ".venv" | "venv" => "virtualenv",
        "target" | "dist" | "build" | "__pycache__" | ".next" | ".pytest_cache" | ".mypy_cache" => "build-output",
        _ if crate::confine::is_file(&path.join("pyvenv.cfg")) => "virtualenv",
        _ => return None,
    })
}

/// The notable kind of a file, if any.
fn file_kind(name: &str, size: u64, limits: &ScanLimits) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
    if lower == ".env" || (lower.starts_with(".env") && !is_env_template(&lower)) {
        return Some("env-file");
    }
    if matches!(lower.as_str(), "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519")
        || matches!(ext, "pem" | "key" | "p12" | "pfx")
    {
        return Some("private-key");
    }
    if matches!(ext, "safetensors" | "gguf" | "ggml" | "pt" | "pth" | "onnx" | "ckpt" | "h5")
        || (ext == "bin" && size >= limits.weights_bin)
    {
        return Some("model-weights");
    }
    if size >= limits.large_file {
        return Some("large-file");
    }
    None
}

/// `.env.example` and friends document variables; they hold no secrets.
fn is_env_template(lower: &str) -> bool {
    [".example", ".sample", ".template", ".dist", ".defaults"].iter().any(|s| lower.ends_with(s))
}
