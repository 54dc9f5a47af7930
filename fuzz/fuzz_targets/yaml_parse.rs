//! Fuzz the located YAML tree builder (anchors, aliases, merge keys, limits). Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(docs) = plimsoll_model::yaml::parse(text, "fuzz.yaml")
    {
        for d in &docs {
            let _ = d.to_json();
        }
    }
});
