//! The native test kit: load a fixture with the host's own loader and run rules on it without a
//! component, so rule logic is tested as plain functions over plain data.
//!
//! Enabled by the `testkit` feature, for dev-dependencies only:
//! `plimsoll-sdk = { workspace = true, features = ["testkit"] }`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::model::Project;
use crate::{Finding, Pack};

/// Load a compose file, a directory or a Dockerfile exactly as `plimsoll check` would.
///
/// Panics with the loader's diagnostics when the fixture has errors: a broken fixture is a broken test.
pub fn load(path: impl AsRef<Path>) -> Project {
    let path = path.as_ref();
    let loaded = plimsoll_model::load(&[path.to_path_buf()], &plimsoll_model::LoadOptions::default());
    if loaded.has_errors() {
        let errors: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
        panic!("fixture {} does not load:\n{}", path.display(), errors.join("\n"));
    }
    convert(&loaded.model)
}

/// Load a project from compose text (written to a fresh temporary directory as `compose.yaml`),
/// with `files` written beside it (`("Dockerfile", "FROM …")`).
pub fn from_compose_with(yaml: &str, files: &[(&str, &str)]) -> Project {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir: PathBuf = std::env::temp_dir().join(format!(
        "plimsoll-testkit-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    std::fs::write(dir.join("compose.yaml"), yaml).expect("write compose.yaml");
    for (name, text) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create a fixture directory");
        }
        std::fs::write(path, text).expect("write a fixture file");
    }
    let project = load(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    project
}

/// Load a project from compose text alone.
pub fn from_compose(yaml: &str) -> Project {
    from_compose_with(yaml, &[])
}

/// Convert a host model into the guest's model types (they mirror each other field for field).
pub fn convert(model: &plimsoll_model::model::Project) -> Project {
    let value = serde_json::to_value(model).expect("serialize the model");
    serde_json::from_value(value).expect("the host model matches the WIT model")
}

/// Run a pack natively with settings JSON (`""` for the defaults).
pub fn run<P: Pack>(project: &Project, settings: &str) -> Vec<Finding> {
    crate::evaluate::<P>(project, settings).unwrap_or_else(|e| panic!("evaluate failed: {e}"))
}

/// The rule ids of findings, in order (handy in assertions).
pub fn rule_ids(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.rule.as_str()).collect()
}
