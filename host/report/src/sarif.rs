//! The `sarif` format: SARIF 2.1.0 (OASIS), for code-scanning dashboards.
//!
//! One run; the driver lists every rule of the run with its summary and its full Markdown
//! documentation as help text (a `helpUri` only when the caller gives a base URL: no dead links);
//! security rules carry a `security-severity` so code scanning ranks them. Each finding is a result
//! with its location relative to the repository root (`uriBaseId` `SRCROOT`, declared in
//! `originalUriBaseIds`), related locations, a partial fingerprint unique within the run and, for
//! waived findings, a suppression. Load, configuration and evaluation errors are tool execution
//! notifications with their location, each once.

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

/// The base id of repository-relative URIs.
pub const SRCROOT: &str = "SRCROOT";

fn location(file: &str, line: u32, column: u32) -> Value {
    let uri = uri(file);
    let artifact =
        if uri.starts_with("file://") { json!({ "uri": uri }) } else { json!({ "uri": uri, "uriBaseId": SRCROOT }) };
    json!({
        "physicalLocation": {
            "artifactLocation": artifact,
            "region": { "startLine": line.max(1), "startColumn": column.max(1) }
        }
    })
}

/// GitHub code scanning's `security-severity` (a CVSS-like score) for a security rule's severity.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

fn result(finding: &Finding, fingerprint: &str, rule_index: Option<usize>, suppression: Option<&Suppression>) -> Value {
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
        "partialFingerprints": { "plimsoll/v2": fingerprint },
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

/// The SARIF document of an outcome; `help_base_url` is where rule documentation is published.
pub fn to_sarif(outcome: &Outcome, help_base_url: Option<&str>) -> Value {
    let mut rules: Vec<plimsoll_check::RuleMeta> = outcome.rules.to_vec();
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    let index_of = |id: &str| rules.binary_search_by(|r| r.id.as_str().cmp(id)).ok();
    let descriptors: Vec<Value> = rules
        .iter()
        .map(|r| {
            let mut properties = json!({ "category": r.category, "severity": r.severity, "tags": [r.category] });
            if (r.pack == "security" || r.category == "security")
                && let Some(p) = properties.as_object_mut()
            {
                p.insert("security-severity".into(), json!(security_severity(r.severity)));
                if r.category != "security" {
                    p.insert("tags".into(), json!([r.category, "security"]));
                }
            }
            let mut descriptor = json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.summary },
                "help": { "text": r.docs, "markdown": format!("**{}** — {}\n\n{}", r.id, r.summary, r.docs) },
                "defaultConfiguration": { "level": level(r.severity) },
                "properties": properties,
            });
            if let (Some(base), Some(d)) = (help_base_url, descriptor.as_object_mut()) {
                d.insert("helpUri".into(), json!(format!("{}/{}", base.trim_end_matches('/'), r.id)));
            }
            descriptor
        })
        .collect();
    let suppressed: Vec<_> = outcome.projects.iter().flat_map(|p| &p.suppressed).collect();
    let all: Vec<&Finding> = outcome.findings().chain(suppressed.iter().map(|s| &s.finding)).collect();
    let fingerprints = crate::unique_fingerprints(all.iter().copied());
    let listed = outcome.findings().count();
    let mut results: Vec<Value> =
        outcome.findings().zip(&fingerprints).map(|(f, fp)| result(f, fp, index_of(&f.rule), None)).collect();
    results.extend(
        suppressed
            .iter()
            .zip(&fingerprints[listed..])
            .map(|(s, fp)| result(&s.finding, fp, index_of(&s.finding.rule), Some(&s.suppression))),
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
    let successful = outcome.errors().next().is_none();
    let mut run = json!({
        "tool": {
            "driver": {
                "name": "plimsoll",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": descriptors,
            }
        },
        "invocations": [{
            "executionSuccessful": successful,
            "toolExecutionNotifications": notifications,
        }],
        "results": results,
        "properties": { "decision": outcome.decision, "score": outcome.score, "fail-on": outcome.fail_on },
    });
    if let (Some(root), Some(r)) = (outcome.projects.first().map(|p| &p.repository), run.as_object_mut())
        && root.is_absolute()
    {
        let mut text = uri(&root.to_string_lossy());
        if !text.ends_with('/') {
            text.push('/');
        }
        r.insert("originalUriBaseIds".into(), json!({ SRCROOT: { "uri": text } }));
    }
    if let (Some(base), Some(d)) = (help_base_url, run.pointer_mut("/tool/driver").and_then(Value::as_object_mut)) {
        d.insert("informationUri".into(), json!(base));
    }
    json!({ "$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run] })
}
