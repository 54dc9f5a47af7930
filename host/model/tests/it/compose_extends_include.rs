//! `extends` (same file, other file, chains, cycles), `include` (paths, project_directory,
//! env_file) and profiles, with the locations of the values they bring.

use std::collections::HashMap;
use std::path::Path;

use plimsoll_model::compose::load_project;
use plimsoll_model::model::{MountKind, Service, Subject};
use plimsoll_model::{LoadOptions, LoadedProject};

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
}

fn options(env: &[(&str, &str)], profiles: &[&str]) -> LoadOptions {
    LoadOptions {
        environment: Some(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<HashMap<_, _>>()),
        profiles: profiles.iter().map(|p| (*p).to_owned()).collect(),
        ..LoadOptions::default()
    }
}

fn service<'a>(p: &'a LoadedProject, name: &str) -> &'a Service {
    p.model.services.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("service {name}"))
}

fn subject(parts: &[&str]) -> Subject {
    Subject::Compose(parts.iter().map(|s| (*s).to_owned()).collect())
}

#[test]
fn extends_from_another_file_brings_values_located_in_that_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        &[
            (
                "compose.yaml",
                "services:\n  web:\n    extends:\n      file: common/base.yaml\n      service: app\n    environment:\n      MODE: web\n",
            ),
            (
                "common/base.yaml",
                "services:\n  app:\n    build: .\n    mem_limit: 512m\n    volumes:\n      - ./data:/data\n    environment:\n      MODE: base\n      LEVEL: info\n",
            ),
        ],
    );
    let p = load_project(&[dir.path().to_path_buf()], &options(&[], &[]));
    assert!(!p.has_errors(), "{:?}", p.diagnostics);
    let web = service(&p, "web");
    assert_eq!(web.resources.legacy.mem_limit, Some(512 << 20));
    // Relative paths of the base service are relative to the base file.
    assert_eq!(web.build.as_ref().map(|b| b.context.as_str()), Some("common"));
    assert_eq!(web.volumes[0].kind, MountKind::Bind);
    let expected = plimsoll_model::compose::absolute(&dir.path().join("common/data"));
    assert_eq!(web.volumes[0].source.as_deref(), Some(expected.to_string_lossy().as_ref()));
    let env: Vec<(&str, Option<&str>)> =
        web.environment.iter().map(|kv| (kv.name.as_str(), kv.value.as_deref())).collect();
    assert_eq!(env, vec![("MODE", Some("web")), ("LEVEL", Some("info"))]);
    let loc = p.locate(&subject(&["services", "web", "mem_limit"])).expect("located");
    assert!(loc.file.ends_with("common/base.yaml"), "{loc}");
    assert_eq!((loc.line, loc.column), (4, 5));
    let loc = p.locate(&subject(&["services", "web", "environment", "MODE"])).expect("located");
    assert!(loc.file.ends_with("compose.yaml") && !loc.file.ends_with("base.yaml"), "{loc}");
}

#[test]
fn extends_chains_in_the_same_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        &[(
            "compose.yaml",
            "services:\n  a:\n    image: a\n    cpus: 0.5\n  b:\n    extends: a\n    mem_limit: 1g\n  c:\n    extends:\n      service: b\n    image: c\n",
        )],
    );
    let p = load_project(&[dir.path().to_path_buf()], &options(&[], &[]));
    assert!(!p.has_errors(), "{:?}", p.diagnostics);
    let c = service(&p, "c");
    assert_eq!(c.image.as_ref().map(|i| i.raw.as_str()), Some("c"));
    assert_eq!(c.resources.cpu_limit, Some(0.5));
    assert_eq!(c.resources.memory_limit, Some(1 << 30));
    let doc = p.compose.as_ref().expect("doc");
    assert!(doc.get_path(&["services", "c", "extends"]).is_none(), "extends is resolved away");
}

#[test]
fn extends_cycles_and_unknown_services_are_located_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        &[(
            "compose.yaml",
            "services:\n  a:\n    extends: b\n  b:\n    extends: a\n  c:\n    extends: nope\n    image: c\n",
        )],
    );
    let p = load_project(&[dir.path().to_path_buf()], &options(&[], &[]));
    let messages: Vec<String> = p.diagnostics.iter().filter(|d| d.is_error()).map(ToString::to_string).collect();
    assert!(messages.iter().any(|m| m.contains("extends itself: a -> b -> a")), "{messages:?}");
    assert!(
        messages.iter().any(|m| m.ends_with("compose.yaml:7:14: service `c` extends undefined service `nope`")),
        "{messages:?}"
    );
}

#[test]
fn include_adds_services_with_their_own_directory_and_env_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        &[
            (
                "compose.yaml",
                "include:\n  - path: infra/compose.yaml\n    env_file: infra/infra.env\nservices:\n  app:\n    image: app\n    depends_on: [cache]\n",
            ),
            (
                "infra/compose.yaml",
                "services:\n  cache:\n    image: redis:${REDIS_TAG}\n    volumes:\n      - ./conf:/usr/local/etc/redis\n",
            ),
            ("infra/infra.env", "REDIS_TAG=7.2\n"),
        ],
    );
    let p = load_project(&[dir.path().to_path_buf()], &options(&[], &[]));
    assert!(!p.has_errors(), "{:?}", p.diagnostics);
    let cache = service(&p, "cache");
    assert_eq!(cache.image.as_ref().and_then(|i| i.tag.as_deref()), Some("7.2"));
    let conf = plimsoll_model::compose::absolute(&dir.path().join("infra/conf"));
    assert_eq!(cache.volumes[0].source.as_deref(), Some(conf.to_string_lossy().as_ref()));
    let loc = p.locate(&subject(&["services", "cache", "image"])).expect("located");
    assert!(loc.file.ends_with("infra/compose.yaml"), "{loc}");
    assert_eq!((loc.line, loc.column), (3, 5));
}

#[test]
fn include_conflicts_and_cycles_are_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        &[
            ("compose.yaml", "include:\n  - other.yaml\nservices:\n  app:\n    image: app\n"),
            ("other.yaml", "include:\n  - compose.yaml\nservices:\n  app:\n    image: other\n"),
        ],
    );
    let p = load_project(&[dir.path().to_path_buf()], &options(&[], &[]));
    let messages: Vec<String> = p.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.message.clone()).collect();
    assert!(messages.iter().any(|m| m.contains("`include` cycle")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("service `app` is also defined by the included file")), "{messages:?}");
}

const PROFILED: &str = "services:\n  app:\n    image: app\n  debug:\n    image: busybox\n    profiles: [debug]\n  metrics:\n    image: prom\n    profiles: [ops, metrics]\n";

fn names(p: &LoadedProject) -> Vec<&str> {
    p.model.services.iter().map(|s| s.name.as_str()).collect()
}

#[test]
fn profiles_select_like_compose() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), &[("compose.yaml", PROFILED)]);
    let root = [dir.path().to_path_buf()];
    // No profile: every service is checked.
    assert_eq!(names(&load_project(&root, &options(&[], &[]))), vec!["app", "debug", "metrics"]);
    // With profiles: services without profiles plus the matching ones.
    let p = load_project(&root, &options(&[], &["debug"]));
    assert_eq!(names(&p), vec!["app", "debug"]);
    assert_eq!(p.model.profiles, vec!["debug".to_owned()]);
    assert_eq!(names(&load_project(&root, &options(&[("COMPOSE_PROFILES", "ops")], &[]))), vec!["app", "metrics"]);
    assert_eq!(names(&load_project(&root, &options(&[], &["*"]))), vec!["app", "debug", "metrics"]);
}

#[test]
fn a_selected_service_depending_on_a_disabled_one_is_a_located_error() {
    // docker-compose v2.40.3 `--profile front config` refuses this file rather than enabling `db`.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  web:\n    image: w\n    profiles: [front]\n    depends_on: [db]\n  db:\n    image: d\n    profiles: [data]\n",
    )
    .expect("write");
    let p = load_project(&[dir.path().to_path_buf()], &options(&[], &["front"]));
    let errors: Vec<String> = p.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.to_string()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].ends_with("5:18: service `web` depends on service `db`, which the selected profiles disable"),
        "{errors:?}"
    );
    let p = load_project(&[dir.path().to_path_buf()], &options(&[], &["front", "data"]));
    assert!(!p.has_errors(), "{:?}", p.diagnostics);
}
