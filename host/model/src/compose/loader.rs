//! The per-file loader: read, parse, interpolate and canonicalize one compose file, then resolve
//! its `extends` ([`super::extends`]) and `include` ([`super::include`]).
//!
//! A [`Loader`] collects diagnostics for a whole project and bounds the files `extends` and
//! `include` may pull in. It merges nothing across the project's files (the caller does) and
//! never normalizes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::interpolate::{self, Env};
use super::merge;
use crate::diagnostic::{Diagnostic, Location};
use crate::paths::{clean, is_remote_context};
use crate::yaml::{self, Node, Value};

/// Most files `extends` and `include` may pull in for one project.
pub(super) const MAX_EXTRA_FILES: usize = 256;

/// Loads the files of one project, sharing diagnostics, the file budget and the `extends` cache.
pub(super) struct Loader<'a> {
    /// Variables for interpolation.
    pub(super) env: &'a Env,
    /// The process environment (for the env files of `include`).
    pub(super) process_env: &'a Env,
    /// Everything found so far.
    pub(super) diagnostics: Vec<Diagnostic>,
    /// Files pulled in by `extends` and `include` so far.
    pub(super) extra_files: usize,
    /// Files read for `extends`, interpolated and canonicalized (before their own extends).
    pub(super) cache: HashMap<PathBuf, Option<Node>>,
}

impl Loader<'_> {
    /// Report an error at `node`.
    pub(super) fn error(&mut self, node: &Node, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::error(Some(node.location()), message));
    }

    /// Read, parse, interpolate and canonicalize one file; then resolve its `extends` and `include`.
    pub(super) fn load_file(&mut self, file: &Path, include_stack: &[PathBuf]) -> Option<Node> {
        let text = self.read(file)?;
        self.load_text(file, &text, include_stack)
    }

    /// The text of a compose file (at most [`yaml::MAX_INPUT_BYTES`], UTF-8), or a located error.
    pub(super) fn read(&mut self, file: &Path) -> Option<String> {
        match crate::confine::read(file) {
            Ok(bytes) if bytes.len() > yaml::MAX_INPUT_BYTES => {
                self.diagnostics.push(Diagnostic::error(
                    Some(Location::start_of(file)),
                    format!("compose file `{}` is too large ({} bytes)", file.display(), bytes.len()),
                ));
                None
            }
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => Some(t),
                Err(_) => {
                    self.diagnostics.push(Diagnostic::error(
                        Some(Location::start_of(file)),
                        format!("compose file `{}` is not valid utf-8", file.display()),
                    ));
                    None
                }
            },
            Err(e) => {
                self.diagnostics.push(Diagnostic::error(
                    Some(Location::start_of(file)),
                    format!("cannot read compose file `{}`: {e}", file.display()),
                ));
                None
            }
        }
    }

    /// Parse, interpolate and canonicalize a text (no extends, no include).
    pub(super) fn parse_text(&mut self, file: &Path, text: &str, env: &Env) -> Option<Node> {
        let docs = match yaml::parse(text, file) {
            Ok(d) => d,
            Err(d) => {
                self.diagnostics.push(d);
                return None;
            }
        };
        let mut merged: Option<Node> = None;
        for doc in docs {
            if doc.is_null() {
                continue;
            }
            if doc.as_map().is_none() {
                self.error(&doc, format!("a compose file must be a mapping, found {}", doc.kind_name()));
                continue;
            }
            // Documents of one file merge in order; a lone document keeps its tags for the file merge.
            merged = match merged {
                None => Some(doc),
                Some(m) => merge::merge(Some(m), doc, &mut Vec::new()),
            };
        }
        let mut doc =
            merged.unwrap_or_else(|| Node::new(Value::Map(Vec::new()), std::sync::Arc::new(file.to_path_buf()), 1, 1));
        interpolate::interpolate_tree(&mut doc, env, &mut self.diagnostics);
        merge::canonicalize(&mut doc);
        Some(doc)
    }

    /// [`Self::parse_text`], then resolve the file's `extends` and `include`.
    pub(super) fn load_text(&mut self, file: &Path, text: &str, include_stack: &[PathBuf]) -> Option<Node> {
        let env = self.env;
        let mut doc = self.parse_text(file, text, env)?;
        self.resolve_extends(&mut doc, file, env);
        self.apply_include(&mut doc, file, include_stack);
        Some(doc)
    }
}

/// The value of the top-level `services` key of `doc`, to edit in place.
pub(super) fn doc_services_mut(doc: &mut Node) -> Option<&mut Value> {
    let Value::Map(top) = &mut doc.value else { return None };
    top.iter_mut().find(|(k, _)| k.as_str() == Some("services")).map(|(_, v)| &mut v.value)
}

/// Make the relative paths of a service (build context, env files, bind sources) absolute against `dir`.
///
/// Used for services brought in by `extends` from another directory and by `include`, whose paths
/// are relative to their own file (as compose-go resolves them).
pub(super) fn absolutize_service_paths(service: &mut Node, dir: &Path) {
    let fix = |n: &mut Node| {
        if let Value::Scalar(s) = &mut n.value
            && !s.is_empty()
            && !Path::new(s.as_str()).is_absolute()
            && !is_remote_context(s)
            && !s.starts_with('~')
        {
            *s = clean(&dir.join(s.as_str())).to_string_lossy().into_owned();
        }
    };
    let Value::Map(entries) = &mut service.value else { return };
    for (k, v) in entries.iter_mut() {
        match k.as_str().unwrap_or_default() {
            "build" => {
                if let Value::Map(b) = &mut v.value {
                    match b.iter_mut().find(|(k, _)| k.as_str() == Some("context")) {
                        Some((_, c)) => fix(c),
                        None => {
                            let key = v.string_at("context");
                            let value = v.string_at(dir.to_string_lossy());
                            if let Value::Map(b) = &mut v.value {
                                b.push((key, value));
                            }
                        }
                    }
                }
            }
            "env_file" | "label_file" => match &mut v.value {
                Value::Scalar(_) => fix(v),
                Value::Seq(items) => {
                    for item in items {
                        match &mut item.value {
                            Value::Scalar(_) => fix(item),
                            Value::Map(m) => {
                                if let Some((_, p)) = m.iter_mut().find(|(k, _)| k.as_str() == Some("path")) {
                                    fix(p);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            },
            "volumes" => {
                let Value::Seq(items) = &mut v.value else { continue };
                for item in items {
                    match &mut item.value {
                        Value::Scalar(s) => {
                            if s.starts_with('.')
                                && let Some((src, rest)) = s.split_once(':')
                            {
                                let abs = clean(&dir.join(src)).to_string_lossy().into_owned();
                                *s = format!("{abs}:{rest}");
                            }
                        }
                        Value::Map(m) => {
                            let is_bind =
                                m.iter().any(|(k, v)| k.as_str() == Some("type") && v.as_str() == Some("bind"));
                            if is_bind && let Some((_, src)) = m.iter_mut().find(|(k, _)| k.as_str() == Some("source"))
                            {
                                fix(src);
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}
