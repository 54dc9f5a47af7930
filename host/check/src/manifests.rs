//! Kubernetes manifests on disk: a YAML file of Pods and workloads checked like a compose project,
//! with every finding located at the manifest's own line and column.
//!
//! The objects are translated into a Compose document ([`plimsoll_admission::kubernetes`]) that the
//! model loads from a private temporary directory; then every location of the loaded project (the
//! compose tree's nodes, the diagnostics, the primary file) is moved from the generated document
//! to the manifest field it came from, so locating, waivers, snippets and fingerprints see the
//! manifest. This module never evaluates; it only loads.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use plimsoll_model::yaml::{Node, Value};
use plimsoll_model::{Diagnostic, LoadOptions, LoadedProject, Location};

/// Bytes read to tell a manifest from other YAML.
const SNIFF_BYTES: usize = 64 * 1024;

/// Whether `path` is a template of a Helm chart (below a `templates/` directory next to a
/// `Chart.yaml`): Go template text, not YAML until `helm template` renders it.
pub fn is_helm_template(path: &Path) -> bool {
    path.ancestors()
        .skip(1)
        .any(|dir| dir.file_name().is_some_and(|n| n == "templates") && dir.with_file_name("Chart.yaml").is_file())
}

/// Whether `path` looks like a Kubernetes manifest: a `.yaml`/`.yml` file that is not a compose or
/// configuration file and has top-level `apiVersion:` and `kind:` keys.
pub fn is_manifest(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let yaml = name.ends_with(".yaml") || name.ends_with(".yml");
    if !yaml
        || plimsoll_model::compose::COMPOSE_FILE_NAMES.contains(&name)
        || name == crate::config::FILE_NAME
        || name.starts_with("compose.")
        || name.starts_with("docker-compose")
    {
        return false;
    }
    let Ok(file) = std::fs::File::open(path) else { return false };
    let mut head = Vec::new();
    let _ = std::io::Read::read_to_end(&mut std::io::Read::take(file, SNIFF_BYTES as u64), &mut head);
    let text = String::from_utf8_lossy(&head);
    let top = |key: &str| text.lines().any(|l| l.starts_with(key));
    top("apiVersion:") && top("kind:")
}

/// Load a manifest as a project; `None` when it holds no Pod or workload. A manifest that cannot
/// be read, parsed or translated is a project with one located error.
pub fn load(path: &Path, options: &LoadOptions) -> Option<LoadedProject> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            return Some(failed(
                path,
                Diagnostic::error(Some(Location::start_of(path.to_path_buf())), format!("cannot read: {e}")),
            ));
        }
    };
    let documents = match plimsoll_model::yaml::parse(&text, path) {
        Ok(docs) => docs,
        Err(d) => return Some(failed(path, d)),
    };
    let mut objects = Vec::new();
    let mut positions = HashMap::new();
    for (i, doc) in documents.iter().enumerate() {
        if doc.is_null() {
            continue;
        }
        let prefix = format!("#{i}");
        walk(doc, &prefix, &mut positions);
        objects.push((doc.to_json(), prefix));
    }
    let translated = match plimsoll_admission::kubernetes::translate_all(&objects) {
        Ok(Some(t)) => t,
        Ok(None) => return None,
        Err(e) => {
            // The message starts with the field's path: point at it.
            let field = e.0.split(':').next().unwrap_or("");
            let at = position(&positions, field).unwrap_or((1, 1));
            let message = strip_prefix(&e.0);
            return Some(failed(path, Diagnostic::error(Some(Location::new(path, at.0, at.1)), message)));
        }
    };
    let files = std::collections::BTreeMap::from([("compose.yaml".to_string(), translated.text.clone().into_bytes())]);
    let memory = match plimsoll_model::confine::MemoryFiles::new(files) {
        Ok(memory) => Arc::new(memory),
        Err(e) => return Some(failed(path, Diagnostic::error(Some(Location::start_of(path.to_path_buf())), e))),
    };
    let compose = memory.root().join("compose.yaml");
    let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("kubernetes").to_lowercase();
    let mut load = options.clone();
    load.files = vec![compose.clone()];
    load.project_directory = Some(memory.root().to_path_buf());
    load.project_name = Some(name.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect());
    load.environment = Some(HashMap::new());
    load.confine = None;
    load.memory = Some(memory);
    let mut loaded = plimsoll_model::load(&[], &load);
    let manifest = Arc::new(path.to_path_buf());
    let relocate = |line: u32| -> (u32, u32) {
        let origin = translated.origin_of(line);
        position(&positions, origin).unwrap_or((1, 1))
    };
    if let Some(root) = loaded.compose.as_mut() {
        move_nodes(root, &compose, &manifest, &relocate);
    }
    for d in &mut loaded.diagnostics {
        if let Some(l) = d.location.as_mut().filter(|l| l.file == compose) {
            let (line, column) = relocate(l.line);
            *l = Location::new(path, line, column);
            d.message = d.message.replace(&compose.display().to_string(), &path.display().to_string());
        }
    }
    loaded.primary_file = Some(path.to_path_buf());
    loaded.directory = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
    loaded.model.files = vec![path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()];
    // Every location now points into the manifest on disk: snippets read it from there.
    loaded.memory = None;
    Some(loaded)
}

/// A project that did not load, with one error at the manifest.
fn failed(path: &Path, diagnostic: Diagnostic) -> LoadedProject {
    let directory = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
    let mut loaded = plimsoll_model::load(
        &[],
        &LoadOptions { files: Vec::new(), project_directory: Some(directory.clone()), ..LoadOptions::default() },
    );
    loaded.diagnostics = vec![diagnostic];
    loaded.primary_file = Some(path.to_path_buf());
    loaded.directory = directory;
    loaded.compose = None;
    loaded
}

/// A path without its document prefix (`#0.spec.x` → `spec.x`), for messages.
fn strip_prefix(text: &str) -> String {
    match text.strip_prefix('#') {
        Some(rest) => {
            let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
            rest.strip_prefix('.').unwrap_or(rest).to_string()
        }
        None => text.to_string(),
    }
}

/// Record the line and column of every key and list item below `node` by its JSON path.
fn walk(node: &Node, path: &str, out: &mut HashMap<String, (u32, u32)>) {
    out.entry(path.to_string()).or_insert((node.line, node.column));
    match &node.value {
        Value::Map(entries) => {
            for (key, value) in entries {
                let name = key.as_str().unwrap_or("");
                let child = format!("{path}.{name}");
                out.insert(child.clone(), (key.line, key.column));
                walk_children(value, &child, out);
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Below a key: its value's children (the key's own position stays recorded).
fn walk_children(node: &Node, path: &str, out: &mut HashMap<String, (u32, u32)>) {
    if matches!(node.value, Value::Map(_) | Value::Seq(_)) {
        walk(node, path, out);
    }
}

/// The position of `path`, or of its nearest recorded parent.
fn position(positions: &HashMap<String, (u32, u32)>, path: &str) -> Option<(u32, u32)> {
    let mut path = path.to_string();
    loop {
        if let Some(p) = positions.get(&path) {
            return Some(*p);
        }
        let cut = path.rfind(['.', '['])?;
        path.truncate(cut);
    }
}

/// Move every node of the generated document to the manifest position its line came from.
fn move_nodes(node: &mut Node, generated: &Path, manifest: &Arc<PathBuf>, relocate: &dyn Fn(u32) -> (u32, u32)) {
    if node.file.as_path() == generated {
        let (line, column) = relocate(node.line);
        node.file = manifest.clone();
        node.line = line;
        node.column = column;
    }
    match &mut node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                move_nodes(k, generated, manifest, relocate);
                move_nodes(v, generated, manifest, relocate);
            }
        }
        Value::Seq(items) => {
            for item in items {
                move_nodes(item, generated, manifest, relocate);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_are_told_from_other_yaml() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, text).unwrap();
            p
        };
        assert!(is_manifest(&write("pod.yaml", "# a pod\napiVersion: v1\nkind: Pod\n")));
        assert!(!is_manifest(&write("ci.yml", "jobs:\n  kind: x\n")));
        assert!(!is_manifest(&write("compose.yaml", "apiVersion: v1\nkind: Pod\n")));
        // A Helm chart's templates are Go templates; the chart's other YAML is not below `templates/`.
        let chart = write("chart/Chart.yaml", "apiVersion: v2\nname: web\nversion: 1.0.0\n");
        let template =
            write("chart/templates/deploy/pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {{ .Values.x }}\n");
        assert!(is_helm_template(&template) && !is_helm_template(&chart));
        assert!(!is_helm_template(&write("templates/pod.yaml", "apiVersion: v1\nkind: Pod\n")));
        assert!(!is_manifest(&write("pod.json", "apiVersion: v1\nkind: Pod\n")));
        assert_eq!(strip_prefix("#12.spec.containers[0]: no"), "spec.containers[0]: no");
    }

    #[test]
    fn positions_fall_back_to_the_nearest_parent() {
        let path = Path::new("m.yaml");
        let docs =
            plimsoll_model::yaml::parse("kind: Pod\nspec:\n  containers:\n  - name: a\n    image: i\n", path).unwrap();
        let mut positions = HashMap::new();
        walk(&docs[0], "#0", &mut positions);
        assert_eq!(position(&positions, "#0.spec.containers[0].image"), Some((5, 5)));
        assert_eq!(position(&positions, "#0.spec.containers[0].resources.limits"), Some((4, 5)));
        assert_eq!(position(&positions, "#0.spec"), Some((2, 1)));
    }
}
