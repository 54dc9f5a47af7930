//! Fuzz variable interpolation and `.env` parsing. Must never panic.
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let env: HashMap<String, String> = [("A".to_owned(), "x".to_owned()), ("E".to_owned(), String::new())].into();
        let _ = plimsoll_model::compose::interpolate::interpolate(text, &env);
        let _ = plimsoll_model::compose::interpolate::parse_dotenv(text, &env);
    }
});
