//! Conformance: every compose file of the shared corpus loads without a panic, and the acceptance
//! stacks load without errors with the normalized values their reviews talk about.

use std::path::{Path, PathBuf};

use plimsoll_model::compose::load_project;
use plimsoll_model::model::DeviceCount;
use plimsoll_model::{LoadOptions, LoadedProject};

fn shared() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("note: {} is absent, skipping", dir.display());
        None
    }
}

fn options() -> LoadOptions {
    // A fixed, empty environment: the result must not depend on the machine.
    LoadOptions { environment: Some(Default::default()), ..LoadOptions::default() }
}

fn load(path: &Path) -> LoadedProject {
    load_project(&[path.to_path_buf()], &options())
}

fn errors(p: &LoadedProject) -> Vec<String> {
    p.diagnostics.iter().filter(|d| d.is_error()).map(ToString::to_string).collect()
}

/// Whether a YAML text is a compose file: a top-level `services:` or `include:` key.
fn is_compose_text(text: &str) -> bool {
    text.lines().any(|l| l.starts_with("services:") || l.starts_with("include:"))
}

/// Compose files listed in the corpus manifest.
fn corpus_compose_files(shared: &Path) -> Vec<PathBuf> {
    let manifest = std::fs::read_to_string(shared.join("corpus/MANIFEST.tsv")).expect("manifest");
    manifest
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .filter(|p| p.ends_with(".yaml") || p.ends_with(".yml"))
        .map(|p| shared.join("corpus").join(p))
        .filter(|p| is_compose_text(&std::fs::read_to_string(p).unwrap_or_default()))
        .collect()
}

#[test]
fn every_corpus_compose_file_loads_without_panic() {
    let Some(shared) = shared() else { return };
    let files = corpus_compose_files(&shared);
    assert!(files.len() > 50, "expected the corpus to list compose files, found {}", files.len());
    let mut with_errors = 0;
    for f in &files {
        let p = load(f);
        if p.has_errors() {
            with_errors += 1;
            if std::env::var_os("PLIMSOLL_VERBOSE").is_some() {
                for e in errors(&p) {
                    eprintln!("{e}");
                }
            }
        }
        assert!(p.compose.is_some() || p.has_errors(), "{}: no document and no error", f.display());
    }
    eprintln!("{} corpus files loaded, {} with errors", files.len(), with_errors);
}

fn acceptance(shared: &Path, stack: &str, file: &str) -> LoadedProject {
    let p = load(&shared.join("acceptance").join(stack).join(file));
    assert_eq!(errors(&p), Vec::<String>::new(), "{stack} loads without errors");
    p
}

#[test]
fn acceptance_stacks_load_without_errors() {
    let Some(shared) = shared() else { return };
    for (stack, file) in [
        ("ziggie-before", "compose.yaml"),
        ("ziggie-after", "compose.yaml"),
        ("vx11", "docker-compose.yml"),
        ("e2i", "docker/docker-compose.yml"),
        ("nsn-local", "docker-compose.yml"),
    ] {
        let p = acceptance(&shared, stack, file);
        assert!(!p.model.services.is_empty(), "{stack} has services");
    }
}

#[test]
fn acceptance_values_are_normalized() {
    let Some(shared) = shared() else { return };
    let p = acceptance(&shared, "ziggie-after", "compose.yaml");
    let redis = p.model.services.iter().find(|s| s.name == "redis").expect("redis");
    assert_eq!(redis.resources.limits.memory, Some(512 << 20));
    assert_eq!(redis.resources.memory_limit, Some(512 << 20));
    assert_eq!(redis.resources.limits.cpus, Some(0.3));
    assert_eq!(redis.resources.limits.pids, Some(50));
    assert_eq!(redis.resources.reservations.memory, Some(256 << 20));
    let loc = p.locate(&plimsoll_model::model::Subject::Compose(
        ["services", "redis", "deploy", "resources", "limits", "memory"].map(String::from).to_vec(),
    ));
    let loc = loc.expect("located");
    assert_eq!((loc.line, loc.column), (98, 11));

    let p = acceptance(&shared, "vx11", "docker-compose.yml");
    let madre = p.model.services.iter().find(|s| s.name == "madre").expect("madre");
    let env: Vec<(&str, Option<&str>)> =
        madre.environment.iter().map(|kv| (kv.name.as_str(), kv.value.as_deref())).collect();
    assert!(env.contains(&("PYTHONUNBUFFERED", Some("1"))), "{env:?}");
    assert!(env.contains(&("LOG_LEVEL", Some("info"))), "{env:?}");
    assert!(env.contains(&("MODULE", Some("madre"))), "{env:?}");
    assert_eq!(madre.healthcheck.as_ref().map(|h| h.test[0].as_str()), Some("CMD-SHELL"));
    assert_eq!(madre.healthcheck.as_ref().and_then(|h| h.interval), Some(30_000));
    // A value brought by a merge key points at the anchor's definition (line 6: `LOG_LEVEL: info`).
    let loc = p
        .locate(&plimsoll_model::model::Subject::Compose(
            ["services", "madre", "environment", "LOG_LEVEL"].map(String::from).to_vec(),
        ))
        .expect("located");
    assert_eq!((loc.line, loc.column), (6, 3));
    let hormiguero = p.model.services.iter().find(|s| s.name == "hormiguero").expect("hormiguero");
    assert_eq!(hormiguero.depends_on[0].service, "madre");
    assert_eq!(hormiguero.depends_on[0].condition, "service_started");

    let p = acceptance(&shared, "e2i", "docker/docker-compose.yml");
    let api = p.model.services.iter().find(|s| s.name == "api").expect("api");
    let build = api.build.as_ref().expect("build");
    assert_eq!(build.context, "..");
    assert_eq!(build.dockerfile.as_deref(), Some("docker/Dockerfile"));
    assert_eq!(build.target.as_deref(), Some("api"));

    let p = acceptance(&shared, "nsn-local", "docker-compose.yml");
    let vortex = p.model.services.iter().find(|s| s.name == "vortex").expect("vortex");
    assert_eq!(vortex.resources.devices.len(), 1);
    assert_eq!(vortex.resources.devices[0].count, Some(DeviceCount::Count(1)));
    assert_eq!(vortex.resources.devices[0].capabilities, vec!["gpu".to_owned()]);
    assert_eq!(vortex.resources.devices[0].driver.as_deref(), Some("nvidia"));
    let vram = vortex.environment.iter().find(|kv| kv.name == "VORTEX_MAX_VRAM_GB").expect("env");
    assert_eq!(vram.value.as_deref(), Some("11.8"));
}

#[test]
fn container_names_clash_only_between_services_that_run_together() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("compose.yaml");
    std::fs::write(
        &file,
        "services:\n  api:\n    image: a\n    container_name: app\n  worker:\n    image: a\n    container_name: app\n  dev:\n    image: a\n    profiles: [dev]\n    container_name: tool\n  ci:\n    image: a\n    profiles: [ci]\n    container_name: tool\n",
    )
    .unwrap();
    let loaded = load(&file);
    let errors = errors(&loaded);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("compose.yaml:7:")
            && errors[0].contains("container name `app` is already used by service `api`"),
        "{errors:?}"
    );
    // With every profile selected (as `--profile '*'`), dev and ci run together too.
    let all = load_project(std::slice::from_ref(&file), &LoadOptions { profiles: vec!["*".into()], ..options() });
    assert_eq!(all.diagnostics.iter().filter(|d| d.is_error()).count(), 2);
}
