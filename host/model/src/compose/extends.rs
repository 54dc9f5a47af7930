//! `extends`: a service built on another service of the same file or of another file.
//!
//! Resolution follows compose-go: a chain is resolved base first and merged with the Compose merge
//! rules; a base from another directory has its relative paths made absolute against that
//! directory; cycles, missing services and missing files are located errors. Nothing here
//! handles `include` or merges files of the project.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::interpolate::Env;
use super::loader::{Loader, MAX_EXTRA_FILES, absolutize_service_paths, doc_services_mut};
use super::merge;
use crate::paths::{absolute, clean, parent_dir};
use crate::yaml::{Node, Value};

impl Loader<'_> {
    /// Resolve every `extends` of the services of `doc` (from `file`).
    pub(super) fn resolve_extends(&mut self, doc: &mut Node, file: &Path, env: &Env) {
        let Some(services) = doc.get("services").and_then(Node::as_map) else { return };
        if !services.iter().any(|(_, s)| s.get("extends").is_some()) {
            return;
        }
        let services: Vec<(Node, Node)> = services.to_vec();
        let mut resolved: HashMap<String, Node> = HashMap::new();
        let key = clean(file);
        for (name, _) in &services {
            let Some(name) = name.as_str() else { continue };
            let mut stack = Vec::new();
            if let Some(node) = self.resolve_service(&services, &key, name, env, &mut stack, &mut resolved) {
                resolved.insert(name.to_owned(), node);
            }
        }
        if let Some(Value::Map(entries)) = doc_services_mut(doc) {
            for (k, v) in entries.iter_mut() {
                if let Some(node) = k.as_str().and_then(|n| resolved.remove(n)) {
                    *v = node;
                }
            }
        }
    }

    /// The service `name` of `services` (from `file`) with its `extends` chain applied.
    fn resolve_service(
        &mut self,
        services: &[(Node, Node)],
        file: &Path,
        name: &str,
        env: &Env,
        stack: &mut Vec<(PathBuf, String)>,
        memo: &mut HashMap<String, Node>,
    ) -> Option<Node> {
        if let Some(done) = memo.get(name) {
            return Some(done.clone());
        }
        let service = services.iter().find(|(k, _)| k.as_str() == Some(name)).map(|(_, v)| v.clone())?;
        let Some(ext) = service.get("extends").cloned() else { return Some(service) };
        let frame = (file.to_path_buf(), name.to_owned());
        if stack.contains(&frame) {
            let mut chain: Vec<String> = stack.iter().map(|(_, n)| n.clone()).collect();
            chain.push(name.to_owned());
            self.error(&ext, format!("service `{name}` extends itself: {}", chain.join(" -> ")));
            return None;
        }
        let Some(base_name) = ext.get("service").and_then(Node::as_str).map(str::to_owned) else {
            self.error(&ext, format!("`extends` of service `{name}` needs a `service`"));
            return Some(without_extends(service));
        };
        stack.push(frame);
        let base = match ext.get("file").and_then(Node::as_str) {
            None => {
                if !services.iter().any(|(k, _)| k.as_str() == Some(base_name.as_str())) {
                    self.error(&ext, format!("service `{name}` extends undefined service `{base_name}`"));
                    None
                } else {
                    let mut local = HashMap::new();
                    self.resolve_service(services, file, &base_name, env, stack, &mut local)
                }
            }
            Some(other) => {
                let path = clean(&parent_dir(file).join(other));
                match self.extends_file(&path, &ext, env) {
                    Some(other_doc) => {
                        let other_services: Vec<(Node, Node)> =
                            other_doc.get("services").and_then(Node::as_map).map(<[_]>::to_vec).unwrap_or_default();
                        if !other_services.iter().any(|(k, _)| k.as_str() == Some(base_name.as_str())) {
                            self.error(
                                &ext,
                                format!("service `{name}` extends undefined service `{base_name}` of `{other}`"),
                            );
                            None
                        } else {
                            let mut local = HashMap::new();
                            let base = self.resolve_service(&other_services, &path, &base_name, env, stack, &mut local);
                            base.map(|mut b| {
                                if parent_dir(&path) != parent_dir(file) {
                                    absolutize_service_paths(&mut b, &absolute(&parent_dir(&path)));
                                }
                                b
                            })
                        }
                    }
                    None => None,
                }
            }
        };
        stack.pop();
        let child = without_extends(service);
        let result = match base {
            Some(base) => {
                let mut path = vec!["services".to_owned(), name.to_owned()];
                merge::merge(Some(without_extends(base)), child, &mut path)
            }
            None => Some(child),
        };
        if let Some(r) = &result {
            memo.insert(name.to_owned(), r.clone());
        }
        result
    }

    /// Another file named by `extends.file`: parsed, interpolated, canonicalized (cached).
    fn extends_file(&mut self, path: &Path, at: &Node, env: &Env) -> Option<Node> {
        if let Some(cached) = self.cache.get(path) {
            return cached.clone();
        }
        self.extra_files += 1;
        if self.extra_files > MAX_EXTRA_FILES {
            self.error(at, format!("too many files pulled in by `extends` and `include` (over {MAX_EXTRA_FILES})"));
            return None;
        }
        if let Err(e) = crate::confine::check(path) {
            self.error(at, format!("cannot read the file `{}` named by `extends`: {e}", path.display()));
            self.cache.insert(path.to_path_buf(), None);
            return None;
        }
        if !crate::confine::is_file(path) {
            self.error(at, format!("cannot read the file `{}` named by `extends`", path.display()));
            self.cache.insert(path.to_path_buf(), None);
            return None;
        }
        let doc = self.read(path).and_then(|text| self.parse_text(path, &text, env));
        self.cache.insert(path.to_path_buf(), doc.clone());
        doc
    }
}

/// The service without its `extends` key.
fn without_extends(mut service: Node) -> Node {
    if let Value::Map(entries) = &mut service.value {
        entries.retain(|(k, _)| k.as_str() != Some("extends"));
    }
    service
}
