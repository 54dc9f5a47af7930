//! A check built from in-memory files and an in-memory configuration, through `plimsoll-check`
//! alone, gives the same outcome as the same stack checked from disk — and in-memory names that
//! leave the project are refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use plimsoll_check::{CheckError, CheckOptions, ConfigSource, Engine, Outcome, ProjectSource, config, paths};

fn stack(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name)
}

fn files_below(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(dir: &Path, base: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, base, out);
            } else {
                let name = paths::to_text(path.strip_prefix(base).unwrap());
                out.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The outcome as JSON without what must differ: the timings, where the project was loaded from
/// (a directory of the checkout, or a temporary one), and the configuration files (a file on disk,
/// a value in memory). Every position is already relative to the project root.
fn comparable(outcome: Outcome) -> serde_json::Value {
    let mut value = serde_json::to_value(&outcome).unwrap();
    value["stats"]["duration_ms"] = 0.into();
    value["stats"]["cache_hits"] = 0.into();
    for p in value["projects"].as_array_mut().unwrap() {
        p["duration_ms"] = 0.into();
        p["path"] = "".into();
        p["config"] = serde_json::Value::Null;
    }
    value
}

/// Where two JSON values differ, as `path: left != right` lines.
fn differences(a: &serde_json::Value, b: &serde_json::Value, path: &str) -> Vec<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            let null = Value::Null;
            keys.into_iter()
                .flat_map(|k| differences(x.get(k).unwrap_or(&null), y.get(k).unwrap_or(&null), &format!("{path}.{k}")))
                .collect()
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().flat_map(|(i, (a, b))| differences(a, b, &format!("{path}[{i}]"))).collect()
        }
        _ if a == b => Vec::new(),
        _ => vec![format!("{path}: {a} != {b}")],
    }
}

#[test]
fn an_in_memory_project_and_configuration_check_like_the_same_files_on_disk() {
    let engine = Engine::new(None).expect("the engine starts");
    for name in ["nsn-local", "ziggie-before"] {
        // A copy outside the repository, so that on disk too the project is the root of its tree
        // (its identity, and so its fingerprints, are those of the in-memory project).
        let copy = tempfile::tempdir().unwrap();
        for (name, bytes) in files_below(&stack(name)) {
            let path = copy.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        let dir = copy.path().to_path_buf();
        let from_disk = engine.check(&CheckOptions::paths([&dir])).expect("the check runs");
        assert!(from_disk.findings().count() > 5, "{name}: the stack has findings to compare");

        // The configuration stays among the files (the build context scan counts it) but is given
        // to the check as a value: a parsed configuration wins over discovery.
        let files = files_below(&dir);
        let config_text = String::from_utf8(files["plimsoll.yaml"].clone()).unwrap();
        let config_value: serde_json::Value = serde_norway::from_str(&config_text).unwrap();
        let parsed = config::from_json(config_value).expect("the configuration is valid");
        let options = CheckOptions {
            project: ProjectSource::Memory {
                files,
                compose_files: Vec::new(),
                project_name: Some(from_disk.projects[0].name.clone()),
            },
            config: ConfigSource::Parsed(Arc::new(parsed)),
            ..CheckOptions::default()
        };
        let from_memory = engine.check(&options).expect("the check runs");
        assert_eq!(from_memory.decision, from_disk.decision, "{name}");
        let (memory, disk) = (comparable(from_memory), comparable(from_disk));
        let differences = differences(&memory, &disk, "");
        assert!(differences.is_empty(), "{name}: memory vs disk:\n{}", differences.join("\n"));
    }
}

#[test]
fn in_memory_names_that_leave_the_project_are_refused() {
    let engine = Engine::new(None).expect("the engine starts");
    for bad in ["../compose.yaml", "/etc/compose.yaml", "a/../../b", ""] {
        let files = BTreeMap::from([(bad.to_string(), b"services: {}\n".to_vec())]);
        let options = CheckOptions {
            project: ProjectSource::Memory { files, compose_files: Vec::new(), project_name: None },
            ..CheckOptions::default()
        };
        match engine.check(&options) {
            Err(CheckError::Input(message)) => assert!(message.contains("not a relative path inside"), "{message}"),
            other => panic!("{bad:?}: expected an input error, got {:?}", other.map(|o| o.decision)),
        }
    }
}
