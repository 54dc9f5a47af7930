//! The `gitlab` format: a GitLab code quality report (a JSON array of issues).
//!
//! Severities map to GitLab's (`info`, `minor`, `major`, `critical`, `blocker`); each issue's
//! fingerprint is the baseline fingerprint, made unique within the report when two findings of one
//! project share it (never depending on the other projects in the run). Paths are as the outcome
//! holds them (the CLI gives repository-relative ones). Every load, configuration or evaluation
//! error is a `blocker` issue at its place, so a failing job never shows an empty widget.

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
    let fingerprints = crate::unique_fingerprints(outcome.findings());
    let mut issues: Vec<Value> = outcome
        .errors()
        .map(|e| {
            let place = format!("{}:{}:{}:{}", e.kind, e.file.as_deref().unwrap_or(""), e.line.unwrap_or(1), e.message);
            json!({
                "type": "issue",
                "check_name": format!("plimsoll/{}-error", e.kind),
                "description": format!("{} error: {}", e.kind, e.message),
                "categories": ["Bug Risk"],
                "severity": "blocker",
                "fingerprint": hex::encode(&Sha256::digest(place.as_bytes())[..8]),
                "location": { "path": e.file.clone().unwrap_or_default(), "lines": { "begin": e.line.unwrap_or(1) } },
            })
        })
        .collect();
    issues.extend(outcome.findings().zip(fingerprints).map(|(f, fingerprint)| {
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
    }));
    Value::Array(issues)
}
