//! `LoadedProject::locations` and `locate`: every value knows where it came from, through overrides.

use plimsoll_model::model::{InstructionRef, Subject};
use plimsoll_model::{LoadOptions, load};

#[test]
fn override_values_point_at_the_override_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  redis:\n    image: redis:7\n    mem_limit: 1g\n  api:\n    build: .\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("compose.override.yaml"), "services:\n  redis:\n    mem_limit: 2g\n").unwrap();
    std::fs::write(dir.path().join("Dockerfile"), "FROM python:3.12-slim\n\nRUN pip install flask\n").unwrap();
    let project = load(&[dir.path().to_path_buf()], &LoadOptions::default());
    assert!(!project.has_errors(), "{:?}", project.diagnostics);
    let locations = project.locations();
    let mem = &locations["services.redis.mem_limit"];
    assert_eq!(mem.file.file_name().unwrap(), "compose.override.yaml");
    assert_eq!((mem.line, mem.column), (3, 16));
    let image = &locations["services.redis.image"];
    assert_eq!(image.file.file_name().unwrap(), "compose.yaml");
    assert_eq!(image.line, 3);
    let run = &locations["dockerfiles[0].instructions[1]"];
    assert_eq!((run.line, run.column), (3, 1));

    // Subjects resolve the same way (a key path points at the key).
    let subject = Subject::Compose(["services", "redis", "mem_limit"].map(String::from).to_vec());
    let loc = project.locate(&subject).unwrap();
    assert_eq!(
        (loc.file.file_name().unwrap().to_str().unwrap(), loc.line, loc.column),
        ("compose.override.yaml", 3, 5)
    );
    let missing = Subject::Compose(["services", "redis", "deploy", "resources"].map(String::from).to_vec());
    assert_eq!(project.locate(&missing).unwrap().line, 2, "a missing path resolves to its nearest parent");
    let instruction = Subject::Instruction(InstructionRef { dockerfile: 0, instruction: 1 });
    assert_eq!(project.locate(&instruction).unwrap().line, 3);
    assert_eq!(project.service_of(&instruction).as_deref(), Some("api"));
}
