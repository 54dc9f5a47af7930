//! Fuzz the whole in-memory compose pipeline: YAML → interpolation → canonicalization → merge of
//! two files (the input split at the first NUL byte) → normalization and validation. Must never panic.
#![no_main]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (a, b) = text.split_once('\0').unwrap_or((&text, ""));
    let env: HashMap<String, String> =
        [("A", "1"), ("EMPTY", ""), ("PORT", "8080")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let texts = vec![(PathBuf::from("compose.yaml"), a.to_owned()), (PathBuf::from("compose.override.yaml"), b.to_owned())];
    let project = plimsoll_model::compose::load_from_texts(&texts, Path::new("/nonexistent-fuzz-dir"), &env);
    // Locating every subject path that exists must not panic either.
    if let Some(doc) = &project.compose {
        let _ = doc.nearest(&["services".to_owned(), "a".to_owned(), "ports".to_owned(), "0".to_owned()]);
    }
});
