//! Every Dockerfile of the shared corpus parses without a panic and without errors.

use std::path::{Path, PathBuf};

use plimsoll_model::dockerfile;

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared");

fn corpus_dockerfiles() -> Vec<PathBuf> {
    let manifest = std::fs::read_to_string(Path::new(SHARED).join("corpus/MANIFEST.tsv")).expect("corpus manifest");
    manifest
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .filter(|p| p.rsplit('/').next().is_some_and(|name| name.to_ascii_lowercase().contains("dockerfile")))
        .filter(|p| !p.ends_with(".dockerignore"))
        .map(|p| Path::new(SHARED).join("corpus").join(p))
        .collect()
}

/// Corpus files that are not valid Dockerfiles: jq/Go templates and a compose test fixture that is
/// broken on purpose. They must give located errors, not a panic.
fn is_known_broken(path: &Path) -> bool {
    let p = path.to_string_lossy();
    p.ends_with(".template") || p.contains("wrong-composefile")
}

#[test]
fn every_corpus_dockerfile_parses_without_errors() {
    let files = corpus_dockerfiles();
    assert!(files.len() >= 100, "expected the corpus Dockerfiles, found {}", files.len());
    let mut failures = Vec::new();
    let mut broken_seen = 0;
    for file in &files {
        let parsed = dockerfile::parse_file(file, &[]).expect("readable corpus file");
        assert_eq!(parsed.spans.len(), parsed.dockerfile.instructions.len());
        let errors: Vec<_> = parsed.diagnostics.iter().filter(|d| d.is_error()).collect();
        if is_known_broken(file) {
            broken_seen += 1;
            assert!(!errors.is_empty(), "{} is broken but gave no error", file.display());
            for e in errors {
                let at = e.location.as_ref().expect("errors are located");
                assert!(at.line >= 1 && at.column >= 1, "{e}");
                assert!(!e.message.starts_with(char::is_uppercase) && !e.message.ends_with('.'), "{e}");
            }
            continue;
        }
        assert!(!parsed.dockerfile.stages.is_empty(), "{} has no stage", file.display());
        failures.extend(errors.iter().map(|d| d.to_string()));
    }
    assert_eq!(broken_seen, 6, "known-broken corpus files");
    assert!(failures.is_empty(), "errors:\n{}", failures.join("\n"));
}

#[test]
fn broken_line_gives_located_error() {
    let file = Path::new(SHARED).join("corpus/compose-e2e/wrong-composefile/service1/Dockerfile");
    let parsed = dockerfile::parse_file(&file, &[]).expect("readable");
    let e = parsed.diagnostics.iter().find(|d| d.is_error()).expect("an error");
    assert_eq!(e.message, "unknown instruction `WRONG`");
    let at = e.location.as_ref().expect("located");
    assert_eq!((at.line, at.column), (17, 1));
    assert_eq!(parsed.dockerfile.instructions.len(), 1, "the valid FROM is kept");
}

#[test]
fn every_acceptance_dockerfile_parses_without_errors() {
    let mut stack = vec![Path::new(SHARED).join("acceptance")];
    let mut count = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("acceptance dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("Dockerfile")) {
                let parsed = dockerfile::parse_file(&path, &[]).expect("readable");
                let errors: Vec<_> = parsed.diagnostics.iter().filter(|d| d.is_error()).collect();
                assert!(errors.is_empty(), "{errors:?}");
                count += 1;
            }
        }
    }
    assert!(count >= 10, "found {count} acceptance Dockerfiles");
}
