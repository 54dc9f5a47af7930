//! Fuzz the `.dockerignore` matcher: patterns read from any text compile or fail cleanly, and
//! matching any path never panics, directly or directory by directory as a walk does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_model::dockerignore::{MatchInfo, Matcher};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // First line: a path; the rest: the ignore file.
    let (path, patterns) = text.split_once('\n').unwrap_or((&text, "*"));
    let (matcher, _, _) = Matcher::from_text_lenient(patterns);
    let _ = matcher.matches(path);
    // Walk-time matching, directory by directory (Docker's two algorithms may differ in corner
    // cases, so only the absence of panics is checked).
    let clean = plimsoll_model::dockerignore::clean(path);
    if !clean.starts_with('/') && !clean.starts_with("..") && clean != "." {
        let mut info = MatchInfo::default();
        let mut prefix = String::new();
        for part in clean.split('/') {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            let (_, next) = matcher.matches_with_parent(&prefix, &info);
            info = next;
        }
    }
    let _ = matcher.may_include_below(path);
});
