//! Volumes: the short (`src:target[:mode]`) and long syntaxes of a service's `volumes` into the
//! model's [`Mount`]s, bind sources made absolute (`~` from `HOME`; an absolute source is kept as
//! written, as Compose does), targets path-cleaned ([`clean_target`], also used before merging),
//! named volumes checked against the top-level declarations.
//!
//! Nothing here touches the file system: a bind source that does not exist is not an error.

use std::path::Path;

use super::references::Refs;
use super::scalar::Norm;
use crate::model::{Mount, MountKind};
use crate::paths::clean;
use crate::yaml::{Node, Value};

/// The `volumes` of a service.
pub(super) fn volumes(n: &mut Norm<'_, '_>, node: &Node, refs: &Refs<'_>) -> Vec<Mount> {
    let mut out = Vec::new();
    let Some(items) = node.as_seq() else {
        if !node.is_null() {
            let m = format!("`volumes` of service `{}` must be a list", n.service);
            n.error(node, m);
        }
        return out;
    };
    for item in items {
        let mount = match &item.value {
            Value::Scalar(s) => short_volume(n, s),
            Value::Map(_) => {
                let kind = match item.get("type").and_then(Node::as_str).unwrap_or("volume") {
                    "bind" => MountKind::Bind,
                    "volume" => MountKind::Volume,
                    "tmpfs" => MountKind::Tmpfs,
                    "npipe" => MountKind::Npipe,
                    "cluster" => MountKind::Cluster,
                    "image" => MountKind::Image,
                    other => {
                        let m = format!("unknown volume type {other:?} in service `{}`", n.service);
                        n.error(item.get("type").unwrap_or(item), m);
                        continue;
                    }
                };
                let Some(target) =
                    item.get("target").and_then(|t| n.string(t, "volumes.target")).map(|t| clean_target(&t))
                else {
                    let m = format!("a volume of service `{}` has no `target`", n.service);
                    n.error(item, m);
                    continue;
                };
                let mut source = item.get("source").and_then(|t| n.string(t, "volumes.source"));
                if kind == MountKind::Bind {
                    source = source.map(|s| absolute_bind(n, &s));
                }
                let read_only = item.get("read_only").and_then(|r| n.bool(r, "volumes.read_only")).unwrap_or(false);
                Some(Mount { kind, source, target, read_only })
            }
            _ => {
                let m = format!("a volume of service `{}` must be a string or a mapping", n.service);
                n.error(item, m);
                None
            }
        };
        let Some(mount) = mount else {
            if let Some(s) = item.as_str() {
                let m = format!("invalid volume {s:?} of service `{}`", n.service);
                n.error(item, m);
            }
            continue;
        };
        if mount.kind == MountKind::Volume
            && let Some(src) = &mount.source
            && !src.is_empty()
            && !refs.volumes.contains(src)
        {
            let m = format!("service `{}` refers to undefined volume `{src}`", n.service);
            n.error(item, m);
        }
        out.push(mount);
    }
    out
}

/// One short-syntax volume; `None` when it is malformed (the caller reports it).
fn short_volume(n: &mut Norm<'_, '_>, spec: &str) -> Option<Mount> {
    let parts: Vec<&str> = spec.split(':').collect();
    let (source, target, mode) = match parts.as_slice() {
        [t] => (None, *t, None),
        [s, t] => (Some(*s), *t, None),
        [s, t, m] => (Some(*s), *t, Some(*m)),
        _ => return None,
    };
    if target.is_empty() {
        return None;
    }
    let read_only = mode.is_some_and(|m| m.split(',').any(|o| o == "ro"));
    let target = clean_target(target);
    let target = target.as_str();
    Some(match source {
        None => Mount { kind: MountKind::Volume, source: None, target: target.to_owned(), read_only },
        Some(s) if s.starts_with('.') || s.starts_with('/') || s.starts_with('~') || s.contains('/') => {
            Mount { kind: MountKind::Bind, source: Some(absolute_bind(n, s)), target: target.to_owned(), read_only }
        }
        Some("") => return None,
        Some(s) => Mount { kind: MountKind::Volume, source: Some(s.to_owned()), target: target.to_owned(), read_only },
    })
}

/// A container path cleaned as Go's `path.Clean` does (`/data/` and `/data/./` are `/data`);
/// anything that is not an absolute POSIX path is kept as written.
pub fn clean_target(target: &str) -> String {
    if target.starts_with('/') { clean(Path::new(target)).to_string_lossy().into_owned() } else { target.to_owned() }
}

/// Whether `s` is an absolute Windows path (`C:\dir`, `C:/dir`).
fn is_windows_absolute(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/')
}

/// A bind source as an absolute path: `~` is `HOME`, a relative path is joined to the project
/// (and cleaned), an absolute one is kept as written (Compose does not clean it).
fn absolute_bind(n: &Norm<'_, '_>, source: &str) -> String {
    if source.starts_with('/') || is_windows_absolute(source) {
        return source.to_owned();
    }
    if let Some(rest) = source.strip_prefix('~')
        && (rest.is_empty() || rest.starts_with('/'))
        && let Some(home) = n.ctx.env.get("HOME")
    {
        return clean(&Path::new(home).join(rest.trim_start_matches('/'))).to_string_lossy().into_owned();
    }
    clean(&n.ctx.project_dir.join(source)).to_string_lossy().into_owned()
}
