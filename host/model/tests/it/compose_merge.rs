//! Multi-file merge per the Compose specification (13-merge.md): mappings merge, sequences append,
//! unique resources merge by key, shell commands replace, `!reset` and `!override`; discovery of
//! override files, `-f` order and `COMPOSE_FILE`; and the location of every merged value.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use plimsoll_model::compose::load_project;
use plimsoll_model::model::{Service, Subject};
use plimsoll_model::{LoadOptions, LoadedProject};

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
}

fn options(env: &[(&str, &str)]) -> LoadOptions {
    LoadOptions {
        environment: Some(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<HashMap<_, _>>()),
        ..LoadOptions::default()
    }
}

fn load(files: &[(&str, &str)]) -> (tempfile::TempDir, LoadedProject) {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), files);
    let p = load_project(&[dir.path().to_path_buf()], &options(&[]));
    assert!(!p.has_errors(), "unexpected errors: {:?}", p.diagnostics);
    (dir, p)
}

fn service<'a>(p: &'a LoadedProject, name: &str) -> &'a Service {
    p.model.services.iter().find(|s| s.name == name).expect("service")
}

fn path(parts: &[&str]) -> Subject {
    Subject::Compose(parts.iter().map(|s| (*s).to_owned()).collect())
}

const BASE: &str = "services:
  web:
    image: nginx:1.25
    command: [\"nginx\", \"-g\", \"daemon off;\"]
    ports:
      - \"8080:80\"
      - \"9090:90\"
    environment:
      A: base
      B: base
    dns:
      - 1.1.1.1
    mem_limit: 256m
";

#[test]
fn override_file_is_discovered_and_merged() {
    let (_d, p) = load(&[
        ("compose.yaml", BASE),
        (
            "compose.override.yaml",
            "services:
  web:
    command: nginx-debug
    ports:
      - \"8080:80\"
      - \"8443:443\"
    environment:
      - B=override
      - C=new
    dns:
      - 8.8.8.8
    mem_limit: 1g
",
        ),
    ]);
    assert_eq!(p.model.files, vec!["compose.yaml".to_owned(), "compose.override.yaml".to_owned()]);
    let web = service(&p, "web");
    // command replaces, and a string command is split like a shell would.
    assert_eq!(web.command, Some(vec!["nginx-debug".to_owned()]));
    // ports merge by (ip, published, target, protocol): 8080:80 is not duplicated.
    let ports: Vec<(u32, Option<&str>)> = web.ports.iter().map(|p| (p.target, p.published.as_deref())).collect();
    assert_eq!(ports, vec![(80, Some("8080")), (90, Some("9090")), (443, Some("8443"))]);
    // environment merges by key across list and map forms.
    let env: Vec<(&str, Option<&str>)> =
        web.environment.iter().map(|kv| (kv.name.as_str(), kv.value.as_deref())).collect();
    assert_eq!(env, vec![("A", Some("base")), ("B", Some("override")), ("C", Some("new"))]);
    assert_eq!(web.resources.legacy.mem_limit, Some(1 << 30));
    assert_eq!(web.resources.memory_limit, Some(1 << 30));
    let dns = p.compose.as_ref().and_then(|c| c.get_path(&["services", "web", "dns"])).expect("dns");
    assert_eq!(dns.as_seq().map(<[_]>::len), Some(2), "sequences append");
}

#[test]
fn values_set_by_an_override_point_at_the_override_file() {
    let (_d, p) = load(&[
        ("compose.yaml", BASE),
        ("compose.override.yaml", "services:\n  web:\n    mem_limit: 1g\n    environment:\n      B: o\n"),
    ]);
    let loc = p.locate(&path(&["services", "web", "mem_limit"])).expect("located");
    assert!(loc.file.ends_with("compose.override.yaml"), "{loc}");
    assert_eq!((loc.line, loc.column), (3, 5));
    let loc = p.locate(&path(&["services", "web", "environment", "B"])).expect("located");
    assert!(loc.file.ends_with("compose.override.yaml"), "{loc}");
    assert_eq!((loc.line, loc.column), (5, 7));
    // Untouched values keep the base file.
    let loc = p.locate(&path(&["services", "web", "environment", "A"])).expect("located");
    assert!(loc.file.ends_with("compose.yaml"), "{loc}");
    assert_eq!((loc.line, loc.column), (9, 7));
    // A missing path resolves to its nearest existing parent.
    let loc = p.locate(&path(&["services", "web", "deploy", "resources", "limits", "memory"])).expect("located");
    assert_eq!((loc.line, loc.column), (2, 3));
}

#[test]
fn reset_removes_and_override_replaces() {
    let (_d, p) = load(&[
        ("compose.yaml", BASE),
        (
            "compose.override.yaml",
            "services:
  web:
    ports: !override
      - \"8443:443\"
    environment:
      A: !reset null
    dns: !reset []
    mem_limit: !reset
",
        ),
    ]);
    let web = service(&p, "web");
    assert_eq!(web.ports.len(), 1);
    assert_eq!(web.ports[0].target, 443);
    assert_eq!(web.environment.iter().map(|kv| kv.name.as_str()).collect::<Vec<_>>(), vec!["B"]);
    assert_eq!(web.resources.legacy.mem_limit, None);
    let doc = p.compose.as_ref().expect("doc");
    assert!(doc.get_path(&["services", "web", "dns"]).is_none());
    assert!(doc.get_path(&["services", "web", "ports"]).is_some_and(|n| n.tag.is_none()), "tags are consumed");
}

#[test]
fn volumes_merge_by_target_and_healthcheck_test_replaces() {
    let (_d, p) = load(&[
        (
            "compose.yaml",
            "services:\n  db:\n    image: postgres\n    volumes:\n      - data:/var/lib/postgresql/data\n      - ./init:/docker-entrypoint-initdb.d\n    healthcheck:\n      test: [\"CMD\", \"pg_isready\"]\n      interval: 10s\nvolumes:\n  data: {}\n  other: {}\n",
        ),
        (
            "compose.override.yaml",
            "services:\n  db:\n    volumes:\n      - other:/var/lib/postgresql/data\n    healthcheck:\n      test: pg_isready -U app\n",
        ),
    ]);
    let db = service(&p, "db");
    assert_eq!(db.volumes.len(), 2);
    assert_eq!(db.volumes[0].source.as_deref(), Some("other"));
    let h = db.healthcheck.as_ref().expect("healthcheck");
    assert_eq!(h.test, vec!["CMD-SHELL".to_owned(), "pg_isready -U app".to_owned()]);
    assert_eq!(h.interval, Some(10_000), "the rest of the healthcheck merges");
}

#[test]
fn explicit_files_merge_in_order_and_compose_file_is_honoured() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        &[
            ("a.yaml", "services:\n  s:\n    image: one\n"),
            ("b.yaml", "services:\n  s:\n    image: two\n"),
            ("compose.yaml", "services:\n  s:\n    image: default\n"),
        ],
    );
    let files: Vec<PathBuf> = vec![dir.path().join("b.yaml"), dir.path().join("a.yaml")];
    let p = load_project(&[], &LoadOptions { files, ..options(&[]) });
    assert_eq!(service(&p, "s").image.as_ref().map(|i| i.raw.as_str()), Some("one"));
    let p = load_project(&[dir.path().to_path_buf()], &options(&[("COMPOSE_FILE", "a.yaml:b.yaml")]));
    assert_eq!(service(&p, "s").image.as_ref().map(|i| i.raw.as_str()), Some("two"));
    assert_eq!(p.model.files, vec!["a.yaml".to_owned(), "b.yaml".to_owned()]);
    let p = load_project(&[dir.path().to_path_buf()], &options(&[]));
    assert_eq!(service(&p, "s").image.as_ref().map(|i| i.raw.as_str()), Some("default"));
}

#[test]
fn project_name_precedence_and_normalization() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("My App_Dir");
    write(&root, &[("docker-compose.yml", "services:\n  s:\n    image: x\n")]);
    let p = load_project(std::slice::from_ref(&root), &options(&[]));
    assert_eq!(p.model.name, "myapp_dir");
    write(&root, &[("docker-compose.yml", "name: Named\nservices:\n  s:\n    image: x\n")]);
    let p = load_project(std::slice::from_ref(&root), &options(&[]));
    assert_eq!(p.model.name, "named");
    let p = load_project(&[root], &options(&[("COMPOSE_PROJECT_NAME", "fromenv")]));
    assert_eq!(p.model.name, "fromenv");
}

#[test]
fn nothing_to_load_names_the_directory_and_the_files_looked_for() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = load_project(&[dir.path().to_path_buf()], &options(&[]));
    let err = p.diagnostics.first().expect("an error");
    assert!(err.is_error());
    assert!(err.message.contains("no compose file found"), "{}", err.message);
    assert!(err.message.contains("compose.yaml") && err.message.contains("docker-compose.yml"), "{}", err.message);
}

#[test]
fn a_directory_with_only_a_dockerfile_is_a_standalone_project() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), &[("Dockerfile", "FROM alpine\n")]);
    let p = load_project(&[dir.path().to_path_buf()], &options(&[]));
    assert!(p.compose.is_none());
    assert!(p.primary_file.as_ref().is_some_and(|f| f.ends_with("Dockerfile")), "{:?}", p.primary_file);
}
