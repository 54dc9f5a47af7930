//! The configuration examples of the documentation are valid: every ```yaml block that starts with
//! `# plimsoll.yaml` in `docs/*.md` validates against `plimsoll config schema` and loads with the
//! configuration loader (which also checks what the schema cannot, such as sizes and dates).

use std::path::Path;

fn examples() -> Vec<(String, String)> {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
    let mut found = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&docs).unwrap().flatten().map(|e| e.path()).collect();
    files.sort();
    for file in files.into_iter().filter(|p| p.extension().is_some_and(|e| e == "md")) {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut rest = text.as_str();
        let mut index = 0;
        while let Some(start) = rest.find("```yaml\n") {
            let body = &rest[start + 8..];
            let end = body.find("```").expect("the block is closed");
            if body.starts_with("# plimsoll.yaml") {
                index += 1;
                let name = format!("{} example {index}", file.file_name().unwrap().to_string_lossy());
                found.push((name, body[..end].to_string()));
            }
            rest = &body[end + 3..];
        }
    }
    found
}

#[test]
fn every_config_example_in_the_docs_is_valid() {
    let schema = plimsoll_check::config::schema();
    let validator = jsonschema::validator_for(&schema).expect("the configuration schema compiles");
    let examples = examples();
    assert!(examples.len() >= 2, "expected the examples of docs/configuration.md, found {}", examples.len());
    for (name, text) in &examples {
        let value: serde_json::Value = serde_norway::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let errors: Vec<String> =
            validator.iter_errors(&value).map(|e| format!("{e} at {}", e.instance_path())).collect();
        assert!(errors.is_empty(), "{name} does not match the schema:\n{}", errors.join("\n"));
        plimsoll_check::config::parse(text, Path::new("plimsoll.yaml")).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn the_schema_rejects_what_the_loader_rejects() {
    let schema = plimsoll_check::config::schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for bad in [
        "fail-on: severe\n",
        "exceptions:\n  - rules: [a/b]\n",
        "exceptions:\n  - rules: [a/b]\n    reason: x\n    expires: June\n",
        "host:\n  memroy: 1G\n",
    ] {
        let value: serde_json::Value = serde_norway::from_str(bad).unwrap();
        assert!(!validator.is_valid(&value), "the schema accepts {bad:?}");
        assert!(plimsoll_check::config::parse(bad, Path::new("plimsoll.yaml")).is_err(), "the loader accepts {bad:?}");
    }
}
