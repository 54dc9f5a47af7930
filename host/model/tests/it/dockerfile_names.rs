//! Dockerfiles are recognized by every name Docker users give them, and by content when the name
//! is ambiguous; a Dockerfile is never loaded as YAML.

use std::path::Path;

use plimsoll_model::compose::is_dockerfile_name;
use plimsoll_model::{LoadOptions, load};

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

#[test]
fn every_dockerfile_name_loads_as_a_dockerfile() {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in [
        "api.dockerfile",
        "api.Dockerfile",
        "Dockerfile.dev",
        "Dockerfile_prod",
        "Containerfile",
        "Dockerfile.yaml",
        "app.docker",
    ] {
        let path = write(dir.path(), name, "# syntax=docker/dockerfile:1\nFROM alpine:3.20\nRUN echo hi\n");
        let p = load(std::slice::from_ref(&path), &LoadOptions::default());
        assert!(!p.has_errors(), "{name}: {:?}", p.diagnostics);
        assert_eq!(p.model.dockerfiles.len(), 1, "{name} is a Dockerfile project");
        assert_eq!(p.model.dockerfiles[0].instructions.len(), 2, "{name}");
        assert!(p.compose.is_none(), "{name} is not read as yaml");
    }
}

#[test]
fn an_ambiguous_name_is_decided_by_content() {
    let dir = tempfile::tempdir().expect("tempdir");
    let compose = write(dir.path(), "Dockerfile.yaml", "services:\n  a:\n    image: alpine:3.20\n");
    assert!(!is_dockerfile_name(&compose));
    let p = load(std::slice::from_ref(&compose), &LoadOptions::default());
    assert!(!p.has_errors(), "{:?}", p.diagnostics);
    assert_eq!(p.model.services.len(), 1);
    let df = write(dir.path(), "Dockerfile.yml", "FROM alpine:3.20\n");
    assert!(is_dockerfile_name(&df));
    assert!(!is_dockerfile_name(Path::new("Dockerfile.dockerignore")));
}
