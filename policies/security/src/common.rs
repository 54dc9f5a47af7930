//! Helpers several `security` rules share: compose subjects for list entries, and what counts as a
//! literal value (as opposed to a reference resolved at run time).
//!
//! Plain functions over the model; rule-specific logic stays in the rule files.

use plimsoll_sdk::{Subject, subject};

/// The subject of entry `index` of a service's list key (`["volumes", "2"]`).
pub fn entry(service: &str, key: &str, index: usize) -> Subject {
    subject::service(service, &[key, &index.to_string()])
}

/// Whether a value is written literally, rather than left to the shell or a secret file
/// (`$VAR`, `${VAR}`, `/run/secrets/…`), and is not empty.
pub fn is_literal(value: &str) -> bool {
    let v = value.trim();
    !v.is_empty() && !v.starts_with('$') && !v.starts_with("/run/secrets/")
}

/// Whether a value is a plain switch or number rather than a secret (`true`, `0`, `none`).
pub fn is_trivial(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    matches!(v.as_str(), "true" | "false" | "yes" | "no" | "on" | "off" | "none" | "null" | "disabled" | "enabled")
        || v.chars().all(|c| c.is_ascii_digit())
}

/// Whether a user (`root`, `0`, `0:0`, `root:root`) is root.
pub fn is_root_user(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or_default().trim();
    name == "root" || name == "0"
}

/// The words of a command, with words holding spaces (`sh -c "…"`) split further.
pub fn words(command: &[String]) -> Vec<(usize, String)> {
    command
        .iter()
        .enumerate()
        .flat_map(|(i, w)| w.split_whitespace().map(move |part| (i, part.trim_matches(['"', '\'']).to_string())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_roots_and_words() {
        assert!(is_literal("admin") && !is_literal("${X}") && !is_literal("") && !is_literal("/run/secrets/db"));
        assert!(is_trivial("true") && is_trivial("3600") && !is_trivial("admin"));
        assert!(is_root_user("0:0") && is_root_user("root") && !is_root_user("1000") && !is_root_user("rootless"));
        let split = words(&["sh".into(), "-c".into(), "run --password=x 'y'".into()]);
        assert_eq!(split[3], (2, "--password=x".to_string()));
        assert_eq!(split[4], (2, "y".to_string()));
    }
}
