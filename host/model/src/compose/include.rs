//! `include`: other compose projects whose resources are added to this one.
//!
//! Each entry is loaded as its own project (its own env files, `extends` and nested `include`,
//! relative paths made absolute against its project directory); a resource name defined twice and
//! an include cycle are located errors. Nothing here merges override files.

use std::path::{Path, PathBuf};

use super::env_file::read_env_file;
use super::interpolate::Env;
use super::loader::{Loader, MAX_EXTRA_FILES, absolutize_service_paths, doc_services_mut};
use super::merge;
use crate::diagnostic::Diagnostic;
use crate::paths::{absolute, clean, parent_dir};
use crate::yaml::{Node, Value};

/// One `include` entry: the files to load, and the nodes naming its project directory and env files.
struct Entry<'n> {
    paths: Vec<&'n Node>,
    project_dir: Option<&'n Node>,
    env_files: Vec<&'n Node>,
}

impl Loader<'_> {
    /// Apply the top-level `include` of `doc` (from `file`): load each included project and add its resources.
    pub(super) fn apply_include(&mut self, doc: &mut Node, file: &Path, stack: &[PathBuf]) {
        let Some(include) = doc.get("include").cloned() else { return };
        let Some(items) = include.as_seq() else {
            self.error(&include, "`include` must be a list");
            return;
        };
        let base_dir = parent_dir(file);
        for item in items {
            let Some(entry) = self.entry(item) else { continue };
            let files: Vec<PathBuf> =
                entry.paths.iter().filter_map(|p| p.as_str()).map(|p| clean(&base_dir.join(p))).collect();
            let Some(first) = files.first() else {
                self.error(item, "an `include` entry needs a `path`");
                continue;
            };
            if stack.contains(first) || clean(file) == *first {
                self.error(item, format!("`include` cycle: `{}` includes itself", first.display()));
                continue;
            }
            self.extra_files += files.len();
            if self.extra_files > MAX_EXTRA_FILES {
                self.error(
                    item,
                    format!("too many files pulled in by `extends` and `include` (over {MAX_EXTRA_FILES})"),
                );
                return;
            }
            let inc_dir = match entry.project_dir.and_then(Node::as_str) {
                Some(d) => clean(&base_dir.join(d)),
                None => parent_dir(first),
            };
            let env = self.included_env(item, &entry.env_files, &base_dir, &inc_dir);
            let mut inner_stack = stack.to_vec();
            inner_stack.push(clean(file));
            let Some(mut included) = self.load_included(item, &files, &env, &inner_stack) else { continue };
            let abs_inc = absolute(&inc_dir);
            if let Some(Value::Map(services)) = doc_services_mut(&mut included) {
                for (_, s) in services.iter_mut() {
                    absolutize_service_paths(s, &abs_inc);
                }
            }
            self.add_included(doc, included);
        }
    }

    /// The parts of one `include` entry (a path, or a mapping with `path`, `project_directory` and
    /// `env_file`); `None` after reporting a malformed entry.
    fn entry<'n>(&mut self, item: &'n Node) -> Option<Entry<'n>> {
        match &item.value {
            Value::Scalar(_) => Some(Entry { paths: vec![item], project_dir: None, env_files: Vec::new() }),
            Value::Map(_) => {
                let paths = match item.get("path") {
                    Some(p) if p.as_seq().is_some() => p.as_seq().unwrap_or_default().iter().collect(),
                    Some(p) => vec![p],
                    None => {
                        self.error(item, "an `include` entry needs a `path`");
                        return None;
                    }
                };
                let env_files = match item.get("env_file") {
                    Some(e) if e.as_seq().is_some() => e.as_seq().unwrap_or_default().iter().collect(),
                    Some(e) => vec![e],
                    None => Vec::new(),
                };
                Some(Entry { paths, project_dir: item.get("project_directory"), env_files })
            }
            _ => {
                self.error(item, "an `include` entry must be a path or a mapping");
                None
            }
        }
    }

    /// The included project's variables: the process environment over its env files (default:
    /// an optional `.env` in its project directory; named env files must exist).
    fn included_env(&mut self, item: &Node, env_files: &[&Node], base_dir: &Path, inc_dir: &Path) -> Env {
        let mut env = Env::new();
        let env_paths: Vec<PathBuf> = if env_files.is_empty() {
            vec![inc_dir.join(".env")]
        } else {
            env_files.iter().filter_map(|e| e.as_str()).map(|e| clean(&base_dir.join(e))).collect()
        };
        let required_at = (!env_files.is_empty()).then(|| item.location());
        for p in &env_paths {
            read_env_file(p, required_at.clone(), self.process_env, &mut env, &mut self.diagnostics);
        }
        env.extend(self.process_env.iter().map(|(k, v)| (k.clone(), v.clone())));
        env
    }

    /// The files of one `include` entry, each with its own `extends` and `include`, merged in order.
    fn load_included(&mut self, item: &Node, files: &[PathBuf], env: &Env, stack: &[PathBuf]) -> Option<Node> {
        let mut included: Option<Node> = None;
        for f in files {
            if let Err(e) = crate::confine::check(f) {
                self.error(item, format!("cannot read the included file `{}`: {e}", f.display()));
                continue;
            }
            if !crate::confine::is_file(f) {
                self.error(item, format!("cannot read the included file `{}`", f.display()));
                continue;
            }
            let Some(text) = self.read(f) else { continue };
            let Some(mut d) = self.parse_text(f, &text, env) else { continue };
            self.resolve_extends(&mut d, f, env);
            self.apply_include(&mut d, f, stack);
            included = merge::merge(included, d, &mut Vec::new());
        }
        included
    }

    /// Add the resources of an included project to `doc`; a name defined in both is an error.
    fn add_included(&mut self, doc: &mut Node, included: Node) {
        let Value::Map(inc) = included.value else { return };
        let Value::Map(top) = &mut doc.value else { return };
        for (section_key, section) in inc {
            let Some(section_name) = section_key.as_str().map(str::to_owned) else { continue };
            if !matches!(section_name.as_str(), "services" | "networks" | "volumes" | "secrets" | "configs") {
                continue;
            }
            let Value::Map(entries) = section.value else { continue };
            let pos = match top.iter().position(|(k, _)| k.as_str() == Some(section_name.as_str())) {
                Some(p) => p,
                None => {
                    top.push((section_key.clone(), section_key.with_value(Value::Map(Vec::new()))));
                    top.len() - 1
                }
            };
            let target = &mut top[pos].1;
            if target.is_null() {
                target.value = Value::Map(Vec::new());
            }
            let Value::Map(existing) = &mut target.value else { continue };
            for (k, v) in entries {
                let name = k.as_str().unwrap_or_default().to_owned();
                if let Some((ek, _)) = existing.iter().find(|(ek, _)| ek.as_str() == Some(name.as_str())) {
                    let at = ek.location();
                    self.diagnostics.push(Diagnostic::error(
                        Some(at),
                        format!(
                            "{} `{name}` is also defined by the included file `{}`",
                            singular(&section_name),
                            k.file.display()
                        ),
                    ));
                    continue;
                }
                existing.push((k, v));
            }
        }
    }
}

/// `services` → `service`.
fn singular(section: &str) -> &str {
    section.strip_suffix('s').unwrap_or(section)
}
