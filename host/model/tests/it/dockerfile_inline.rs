//! `build.dockerfile_inline`: the Dockerfile written in the compose file is parsed, its
//! instructions are located inside the compose file, and no "does not exist" warning appears.

use plimsoll_model::model::{InstructionRef, StageBase, Subject};
use plimsoll_model::{LoadOptions, load};

#[test]
fn inline_dockerfiles_are_parsed_in_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    let compose = "services:\n  app:\n    build:\n      context: .\n      dockerfile_inline: |\n        FROM alpine:3.20\n        RUN apk add curl\n        USER app\n  one:\n    build:\n      dockerfile_inline: \"FROM busybox:1.36\"\n";
    std::fs::write(dir.path().join("compose.yaml"), compose).expect("write");
    let p = load(&[dir.path().to_path_buf()], &LoadOptions::default());
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let app = p.model.services.iter().find(|s| s.name == "app").expect("app");
    let index = app.build.as_ref().and_then(|b| b.dockerfile_index).expect("parsed");
    let df = &p.model.dockerfiles[index as usize];
    assert_eq!(df.path, "compose.yaml");
    assert_eq!(df.instructions.len(), 3);
    assert!(matches!(&df.stages[0].base, StageBase::Image(i) if i.raw == "alpine:3.20"));
    assert_eq!(app.effective.user.as_deref(), Some("app"));
    // Instructions point into the compose file, at their own line and column.
    let at = |i: u32| {
        let loc =
            p.locate(&Subject::Instruction(InstructionRef { dockerfile: index, instruction: i })).expect("located");
        (loc.file.file_name().and_then(|f| f.to_str()).map(str::to_owned), loc.line, loc.column)
    };
    assert_eq!(at(0), (Some("compose.yaml".to_owned()), 6, 9));
    assert_eq!(at(2), (Some("compose.yaml".to_owned()), 8, 9));
    let one = p.model.services.iter().find(|s| s.name == "one").expect("one");
    let index = one.build.as_ref().and_then(|b| b.dockerfile_index).expect("parsed");
    let loc = p.locate(&Subject::Instruction(InstructionRef { dockerfile: index, instruction: 0 })).expect("located");
    assert_eq!((loc.line, loc.column), (11, 27));
}
