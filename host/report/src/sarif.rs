//! The `sarif` format: SARIF 2.1.0 (OASIS), for code-scanning dashboards.
//!
//! One run; the driver lists every rule of the run with its summary, its Markdown documentation as
//! help text and a help URI; each finding is a result with its location, related locations, a
//! partial fingerprint (the baseline fingerprint) and, for waived findings, a suppression. Load,
//! configuration and evaluation errors are tool execution notifications.

use plimsoll_runtime::Severity;
use serde_json::{Value, json};

use plimsoll_check::{Finding, Outcome, Suppression};

/// The `$schema` written in the document.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// A path as a SARIF URI reference: relative paths stay relative, absolute ones become `file://`.
fn uri(path: &str) -> String {
    let mut out = String::new();
    for c in path.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '%' => out.push_str("%25"),
            '#' => out.push_str("%23"),
            '?' => out.push_str("%3F"),
            '\\' => out.push('/'),
            c => out.push(c),
        }
    }
    if out.starts_with('/') { format!("file://{out}") } else { out }
}

fn location(file: &str, line: u32, column: u32) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri(file) },
            "region": { "startLine": line.max(1), "startColumn": column.max(1) }
        }
    })
}

fn result(finding: &Finding, rule_index: Option<usize>, suppression: Option<&Suppression>) -> Value {
    let mut text = finding.message.clone();
    if let Some(help) = &finding.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let mut value = json!({
        "ruleId": finding.rule,
        "level": level(finding.severity),
        "message": { "text": text },
        "locations": [location(&finding.file, finding.line, finding.column)],
        "partialFingerprints": { "plimsoll/v1": finding.fingerprint },
        "properties": {
            "severity": finding.severity,
            "category": finding.category,
            "project": finding.project,
        }
    });
    let Some(obj) = value.as_object_mut() else { return value };
    if let Some(index) = rule_index {
        obj.insert("ruleIndex".into(), json!(index));
    }
    if let Some(service) = &finding.service
        && let Some(props) = obj.get_mut("properties").and_then(Value::as_object_mut)
    {
        props.insert("service".into(), json!(service));
    }
    if !finding.related.is_empty() {
        let related: Vec<Value> = finding
            .related
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut l = location(&r.file, r.line, r.column);
                if let Some(o) = l.as_object_mut() {
                    o.insert("id".into(), json!(i));
                }
                l
            })
            .collect();
        obj.insert("relatedLocations".into(), json!(related));
    }
    if let Some(s) = suppression {
        let kind = if matches!(s, Suppression::Inline { .. }) { "inSource" } else { "external" };
        let justification = match s {
            Suppression::Baseline => "in the baseline".to_string(),
            other => other.reason().unwrap_or_default().to_string(),
        };
        obj.insert("suppressions".into(), json!([{ "kind": kind, "justification": justification }]));
    }
    value
}

/// The SARIF document of an outcome.
pub fn to_sarif(outcome: &Outcome) -> Value {
    let mut rules = outcome.rules.clone();
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    let index_of = |id: &str| rules.binary_search_by(|r| r.id.as_str().cmp(id)).ok();
    let descriptors: Vec<Value> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.summary },
                "help": { "text": r.docs, "markdown": r.docs },
                "helpUri": r.help_uri(),
                "defaultConfiguration": { "level": level(r.severity) },
                "properties": { "category": r.category, "severity": r.severity, "tags": [r.category] }
            })
        })
        .collect();
    let mut results: Vec<Value> = outcome.findings().map(|f| result(f, index_of(&f.rule), None)).collect();
    results.extend(
        outcome
            .projects
            .iter()
            .flat_map(|p| &p.suppressed)
            .map(|s| result(&s.finding, index_of(&s.finding.rule), Some(&s.suppression))),
    );
    let notifications: Vec<Value> = outcome
        .errors()
        .map(|e| {
            let mut n = json!({
                "level": "error",
                "message": { "text": e.message },
                "descriptor": { "id": format!("plimsoll/{}-error", e.kind) },
            });
            if let (Some(file), Some(o)) = (&e.file, n.as_object_mut()) {
                o.insert("locations".into(), json!([location(file, e.line.unwrap_or(1), e.column.unwrap_or(1))]));
            }
            n
        })
        .collect();
    let successful =
        outcome.errors().all(|e| e.kind == plimsoll_check::ErrorKind::Evaluation) && outcome.errors().next().is_none();
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "plimsoll",
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "rules": descriptors,
                }
            },
            "invocations": [{
                "executionSuccessful": successful,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
            "properties": { "decision": outcome.decision, "score": outcome.score, "fail-on": outcome.fail_on },
        }]
    })
}
