//! Conformance against the official Compose JSON Schema: every compose file of the corpus that the
//! schema accepts loads without a schema-level error, and every file it rejects gets a located
//! error from us. Errors the schema cannot see (dangling references, cycles, files that `extends`,
//! `include` or `env_file` cannot find, required variables, values emptied by an unset variable,
//! a `platform` missing from `build.platforms`) are allowed on schema-valid files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use plimsoll_model::LoadOptions;
use plimsoll_model::compose::load_project;
use plimsoll_model::yaml;

fn shared() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("note: {} is absent, skipping", dir.display());
        None
    }
}

fn compose_files(shared: &Path) -> Vec<PathBuf> {
    let manifest = std::fs::read_to_string(shared.join("corpus/MANIFEST.tsv")).expect("manifest");
    manifest
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .filter(|p| p.ends_with(".yaml") || p.ends_with(".yml"))
        .map(|p| shared.join("corpus").join(p))
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            text.lines().any(|l| l.starts_with("services:") || l.starts_with("include:"))
        })
        .collect()
}

/// Semantic errors beyond what a JSON Schema can check.
fn is_semantic(message: &str) -> bool {
    [
        "undefined",
        "cycle",
        "extends itself",
        "cannot read",
        "is also defined by the included file",
        "required variable",
        "neither an image nor a build context",
        "invalid interpolation",
        "not found",
        "must include its platform",
    ]
    .iter()
    .any(|m| message.contains(m))
}

#[test]
fn schema_valid_files_load_and_invalid_files_get_located_errors() {
    let Some(shared) = shared() else { return };
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(shared.join("schema/compose-spec.json")).expect("schema"))
            .expect("schema json");
    let validator = jsonschema::validator_for(&schema).expect("compiles");
    let options = LoadOptions { environment: Some(HashMap::new()), ..LoadOptions::default() };
    let (mut valid, mut invalid) = (0, 0);
    let mut problems = Vec::new();
    for file in compose_files(&shared) {
        let text = std::fs::read_to_string(&file).expect("read");
        let instance = match yaml::parse(&text, &file) {
            Ok(docs) => docs.first().map(yaml::Node::to_json).unwrap_or(serde_json::Value::Null),
            Err(_) => continue,
        };
        let loaded = load_project(std::slice::from_ref(&file), &options);
        let errors: Vec<_> = loaded.diagnostics.iter().filter(|d| d.is_error()).collect();
        if validator.is_valid(&instance) {
            valid += 1;
            // A value emptied by an unset variable (warned about at the same place) is not the file's fault.
            let unset_at: Vec<_> = loaded.diagnostics.iter().filter(|d| !d.is_error()).map(|d| &d.location).collect();
            for e in errors.iter().filter(|e| !is_semantic(&e.message) && !unset_at.contains(&&e.location)) {
                problems.push(format!("schema-valid file got an error: {e}"));
            }
        } else {
            invalid += 1;
            if !errors.iter().any(|e| e.location.is_some()) {
                let why: Vec<String> = validator.iter_errors(&instance).take(2).map(|e| e.to_string()).collect();
                problems.push(format!(
                    "{}: schema rejects it ({why:?}) but it loads without a located error",
                    file.display()
                ));
            }
        }
    }
    eprintln!("schema: {valid} valid, {invalid} invalid");
    assert!(valid > 50, "expected many schema-valid files, got {valid}");
    assert!(problems.is_empty(), "{} mismatches:\n{}", problems.len(), problems.join("\n"));
}
