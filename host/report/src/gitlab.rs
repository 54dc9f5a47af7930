//! The `gitlab` format: a GitLab code quality report (a JSON array of issues).
//!
//! Severities map to GitLab's (`info`, `minor`, `major`, `critical`, `blocker`); each issue's
//! fingerprint is the baseline fingerprint, made unique within the report when two findings share it.

use std::collections::HashMap;

use plimsoll_runtime::Severity;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use plimsoll_check::Outcome;

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Low => "minor",
        Severity::Medium => "major",
        Severity::High => "critical",
        Severity::Critical => "blocker",
    }
}

/// The code quality report of an outcome.
pub fn to_gitlab(outcome: &Outcome) -> Value {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let issues: Vec<Value> = outcome
        .findings()
        .map(|f| {
            let n = seen.entry(f.fingerprint.as_str()).or_insert(0);
            *n += 1;
            let fingerprint = if *n == 1 {
                f.fingerprint.clone()
            } else {
                hex::encode(&Sha256::digest(format!("{}#{n}", f.fingerprint).as_bytes())[..8])
            };
            let mut description = f.message.clone();
            if let Some(help) = &f.help {
                description.push_str(" — ");
                description.push_str(help);
            }
            json!({
                "type": "issue",
                "check_name": f.rule,
                "description": description,
                "categories": [f.category],
                "severity": severity(f.severity),
                "fingerprint": fingerprint,
                "location": { "path": f.file, "lines": { "begin": f.line } },
            })
        })
        .collect();
    Value::Array(issues)
}
