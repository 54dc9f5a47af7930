//! Fuzz variable interpolation and the env-file parser (both formats). Must never panic.
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use plimsoll_model::compose::dotenv::{self, Format};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let env: HashMap<String, String> = [("A".to_owned(), "x".to_owned()), ("E".to_owned(), String::new())].into();
        let _ = plimsoll_model::compose::interpolate::interpolate(text, &env);
        let lookup = |k: &str| env.get(k).cloned();
        for format in [Format::Dotenv, Format::Raw] {
            let mut vars = HashMap::new();
            let _ = dotenv::parse(text, format, &lookup, &mut vars);
        }
    }
});
