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
///
/// ```
/// let dir = std::env::temp_dir().join(format!("plimsoll-doc-load-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// std::fs::write(dir.join("compose.yaml"), "services:\n  web:\n    image: nginx:1.27\n").unwrap();
/// let project = plimsoll_sdk::testkit::load(&dir);
/// assert_eq!(project.services[0].name, "web");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
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
///
/// ```
/// let project = plimsoll_sdk::testkit::from_compose_with(
///     "services:\n  api:\n    build: .\n",
///     &[("Dockerfile", "FROM python:3.12-slim\nUSER app\n")],
/// );
/// assert_eq!(project.dockerfiles[0].stages.len(), 1);
/// assert_eq!(project.services[0].effective.user.as_deref(), Some("app"));
/// ```
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
///
/// ```
/// let project = plimsoll_sdk::testkit::from_compose("services:\n  db:\n    image: postgres:16\n    mem_limit: 1g\n");
/// assert_eq!(project.services[0].resources.memory_limit, Some(1 << 30));
/// ```
pub fn from_compose(yaml: &str) -> Project {
    from_compose_with(yaml, &[])
}

/// Convert a host model into the guest's model types (they mirror each other field for field).
///
/// ```
/// let loaded = plimsoll_model::load(&[], &plimsoll_model::LoadOptions::default());
/// let project = plimsoll_sdk::testkit::convert(&loaded.model);
/// assert_eq!(project.services.len(), loaded.model.services.len());
/// ```
pub fn convert(model: &plimsoll_model::model::Project) -> Project {
    let value = serde_json::to_value(model).expect("serialize the model");
    serde_json::from_value(value).expect("the host model matches the WIT model")
}

/// Run a pack natively with settings JSON (`""` for the defaults).
///
/// ```
/// # plimsoll_sdk::declare_rule! { /// ## What it does
/// #     pub static NO_IMAGE = { id: "image-missing", severity: Low, category: "image", summary: "s" } }
/// # struct Acme;
/// # impl plimsoll_sdk::Pack for Acme {
/// #     const ID: &'static str = "acme"; const VERSION: &'static str = "0.1.0"; const SUMMARY: &'static str = "s";
/// #     type Settings = plimsoll_sdk::NoSettings;
/// #     fn rules() -> &'static [&'static plimsoll_sdk::Rule] { static R: &[&plimsoll_sdk::Rule] = &[&NO_IMAGE]; R }
/// #     fn evaluate(p: &plimsoll_sdk::model::Project, _: &Self::Settings, r: &mut plimsoll_sdk::Report) {
/// #         for s in p.services.iter().filter(|s| s.image.is_none()) {
/// #             r.add(&NO_IMAGE, plimsoll_sdk::subject::service(&s.name, &[]), format!("service `{}` has no image", s.name));
/// #         }
/// #     }
/// # }
/// let project = plimsoll_sdk::testkit::from_compose("services:\n  app:\n    build: .\n");
/// let findings = plimsoll_sdk::testkit::run::<Acme>(&project, "");
/// assert_eq!(findings[0].message, "service `app` has no image");
/// ```
pub fn run<P: Pack>(project: &Project, settings: &str) -> Vec<Finding> {
    crate::evaluate::<P>(project, settings).unwrap_or_else(|e| panic!("evaluate failed: {e}"))
}

/// The rule ids of findings, in order (handy in assertions).
///
/// ```
/// # plimsoll_sdk::declare_rule! { /// ## What it does
/// #     pub static NO_IMAGE = { id: "image-missing", severity: Low, category: "image", summary: "s" } }
/// # struct Acme;
/// # impl plimsoll_sdk::Pack for Acme {
/// #     const ID: &'static str = "acme"; const VERSION: &'static str = "0.1.0"; const SUMMARY: &'static str = "s";
/// #     type Settings = plimsoll_sdk::NoSettings;
/// #     fn rules() -> &'static [&'static plimsoll_sdk::Rule] { static R: &[&plimsoll_sdk::Rule] = &[&NO_IMAGE]; R }
/// #     fn evaluate(p: &plimsoll_sdk::model::Project, _: &Self::Settings, r: &mut plimsoll_sdk::Report) {
/// #         for s in p.services.iter().filter(|s| s.image.is_none()) {
/// #             r.add(&NO_IMAGE, plimsoll_sdk::subject::service(&s.name, &[]), format!("service `{}` has no image", s.name));
/// #         }
/// #     }
/// # }
/// let project = plimsoll_sdk::testkit::from_compose("services:\n  a:\n    build: .\n  b:\n    image: b:1\n");
/// assert_eq!(plimsoll_sdk::testkit::rule_ids(&plimsoll_sdk::testkit::run::<Acme>(&project, "")), ["image-missing"]);
/// ```
pub fn rule_ids(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.rule.as_str()).collect()
}
