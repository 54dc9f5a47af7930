//! Fuzz the env-file parser (`env_file:`, `.env`), both formats, on its own: it must never panic,
//! must answer the same twice, and every position it reports (an assignment's name and value, an
//! error) must lie inside the text.
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use plimsoll_model::compose::dotenv::{self, Format};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let lines = text.split('\n').count() as u32;
    let env: HashMap<String, String> = [("HOST".to_owned(), "db".to_owned()), ("EMPTY".to_owned(), String::new())].into();
    let lookup = |k: &str| env.get(k).cloned();
    for format in [Format::Dotenv, Format::Raw] {
        let mut first = HashMap::new();
        let answer = dotenv::parse(text, format, &lookup, &mut first);
        let mut second = HashMap::new();
        assert_eq!(answer, dotenv::parse(text, format, &lookup, &mut second), "not deterministic");
        assert_eq!(first, second);
        match answer {
            Ok(assignments) => {
                for a in assignments {
                    // The name may be empty: a last line without `=` or newline (`NAME` at the end of
                    // the file) is compose-go's `""=NAME`, and Docker Compose 2.40.3 loads it so.
                    assert!((1..=lines).contains(&a.line) && a.column >= 1, "name at {}:{}", a.line, a.column);
                    assert!(
                        (a.line..=lines).contains(&a.value_line) && a.value_column >= 1,
                        "value at {}:{}",
                        a.value_line,
                        a.value_column
                    );
                    assert!(first.contains_key(&a.key), "`{}` assigned but not recorded", a.key);
                }
            }
            Err(e) => assert!((1..=lines).contains(&e.line) && e.column >= 1, "error at {}:{}", e.line, e.column),
        }
    }
});
