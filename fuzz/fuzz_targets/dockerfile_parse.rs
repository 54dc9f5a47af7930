//! Fuzz the Dockerfile parser: any text parses without a panic, spans stay aligned with
//! instructions, every diagnostic is located, and stage references stay in bounds.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use plimsoll_model::dockerfile;
use plimsoll_model::model::{KeyValue, StageBase};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let args = [KeyValue { name: "BASE".into(), value: Some("alpine".into()) }];
    let parsed = dockerfile::parse(&text, Path::new("Dockerfile"), &args);
    let df = &parsed.dockerfile;
    assert_eq!(parsed.spans.len(), df.instructions.len());
    assert!(parsed.diagnostics.iter().all(|d| d.location.is_some()));
    for (i, stage) in df.stages.iter().enumerate() {
        assert_eq!(stage.index as usize, i);
        if let StageBase::Stage(b) = stage.base {
            assert!((b as usize) < i);
        }
        assert!(stage.copies_from.iter().all(|&s| (s as usize) < df.stages.len()));
        assert!(stage.instructions.iter().all(|&s| (s as usize) < df.instructions.len()));
        let _ = dockerfile::image_config(df, stage.index);
    }
    for span in &parsed.spans {
        assert!(span.line >= 1 && span.end_line >= span.line);
    }
});
