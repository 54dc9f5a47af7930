//! `POST /v1/admission/kubernetes`: a validating admission webhook for Pods and workloads.
//!
//! Takes an `AdmissionReview` (`admission.k8s.io/v1`) and answers one: the request's `uid`,
//! `allowed`, on deny `status.code` 403 and a `status.message` listing the findings at or above
//! `fail-on` with the JSON path of each field, `warnings` for the findings below it (each under
//! 120 characters, at most [`MAX_WARNINGS`]), and `auditAnnotations`. Unknown kinds, `DELETE` and
//! `CONNECT` are allowed untouched. The object is translated by
//! [`plimsoll_admission::kubernetes`] and checked like any project. It fails closed: an object that
//! cannot be translated, a pack error or a server without a policy denies (unless
//! `kubernetes.failure-policy: ignore`). A request that is not an `AdmissionReview` is the caller's
//! mistake: `400`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use plimsoll_check::config::{AdmissionMode, FailurePolicy};
use plimsoll_check::{CheckOptions, ConfigSource, ErrorKind, ProjectSource};
use serde_json::{Value, json};

use crate::api::{ApiError, read_body};
use crate::state::AppState;

/// Most warnings in one answer; the last says how many more there were.
pub const MAX_WARNINGS: usize = 20;

/// Longest warning, in characters (Kubernetes asks for under 120).
const WARNING_LENGTH: usize = 119;

/// Longest `status.message`, in bytes.
const MAX_MESSAGE: usize = 4000;

/// `POST /v1/admission/kubernetes`.
pub async fn review(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    state.authorize(&headers)?;
    let bytes = read_body(&state, body).await?;
    let review: Value = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("the body is not JSON: {e}")))?;
    let bad = |message: &str| ApiError::new(StatusCode::BAD_REQUEST, message.to_string());
    if review.get("kind").and_then(Value::as_str) != Some("AdmissionReview") {
        return Err(bad("kind: expected `AdmissionReview`"));
    }
    let api_version = review.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    if api_version != "admission.k8s.io/v1" {
        return Err(bad(&format!("apiVersion: `{api_version}` is not supported; send admission.k8s.io/v1")));
    }
    let Some(request) = review.get("request").filter(|r| r.is_object()) else {
        return Err(bad("request: an AdmissionReview needs a `request` object"));
    };
    let Some(uid) = request.get("uid").and_then(Value::as_str).filter(|u| !u.is_empty()) else {
        return Err(bad("request.uid: required"));
    };
    let answer = decide(&state, request).await;
    metrics::counter!("plimsoll_admission_decisions_total", "point" => "kubernetes",
        "decision" => if answer.allowed { "allow" } else { "deny" })
    .increment(1);
    let mut response = json!({ "uid": uid, "allowed": answer.allowed });
    if !answer.allowed {
        response["status"] = json!({ "code": answer.code, "message": answer.message });
    }
    if !answer.warnings.is_empty() {
        response["warnings"] = json!(answer.warnings);
    }
    if !answer.annotations.is_empty() {
        response["auditAnnotations"] = Value::Object(answer.annotations);
    }
    let decision = if answer.allowed { "allow" } else { "deny" };
    Ok((
        [(axum::http::header::HeaderName::from_static("x-plimsoll-decision"), decision)],
        axum::Json(json!({ "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response })),
    )
        .into_response())
}

/// The parts of an answer.
#[derive(Debug, Default)]
struct Answer {
    allowed: bool,
    code: u16,
    message: String,
    warnings: Vec<String>,
    annotations: serde_json::Map<String, Value>,
}

impl Answer {
    fn allow() -> Self {
        Answer { allowed: true, ..Answer::default() }
    }

    fn deny(code: u16, message: impl Into<String>) -> Self {
        Answer { allowed: false, code, message: bounded(message.into()), ..Answer::default() }
    }
}

async fn decide(state: &AppState, request: &Value) -> Answer {
    let operation = request.get("operation").and_then(Value::as_str).unwrap_or("CREATE");
    if matches!(operation, "DELETE" | "CONNECT") {
        return Answer::allow();
    }
    let Some(object) = request.get("object").filter(|o| o.is_object()) else {
        return Answer::allow();
    };
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
    if !plimsoll_admission::kubernetes::is_checked(kind) {
        return Answer::allow();
    }
    let policy = state.current.get();
    let (mode, failure) = match &policy {
        Some(p) => {
            let section = p.config.config.kubernetes.clone().unwrap_or_default();
            (section.mode.unwrap_or(AdmissionMode::Enforce), section.failure_policy.unwrap_or(FailurePolicy::Fail))
        }
        None => (AdmissionMode::Enforce, FailurePolicy::Fail),
    };
    let cannot_decide = |why: String| match failure {
        FailurePolicy::Fail => Answer::deny(500, format!("plimsoll: {why}; denied (failure-policy: fail)")),
        FailurePolicy::Ignore => {
            tracing::warn!(point = "kubernetes", reason = %why, "cannot decide: allowed (failure-policy: ignore)");
            let mut answer = Answer::allow();
            answer.warnings.push(cut(&format!("plimsoll could not check this object: {why}")));
            answer
        }
    };
    let Some(policy) = policy else {
        let reason = state.current.last_error().unwrap_or_else(|| "the policy packs are still loading".into());
        return cannot_decide(format!("no policy is in force ({reason})"));
    };
    let translated = match plimsoll_admission::kubernetes::translate(object, "object") {
        Ok(Some(t)) => t,
        Ok(None) => return Answer::allow(),
        Err(e) => return Answer::deny(400, format!("plimsoll: the {kind} cannot be checked: {e}")),
    };
    let options = CheckOptions {
        project: ProjectSource::Memory {
            files: [("compose.yaml".to_string(), translated.text.clone().into_bytes())].into(),
            compose_files: vec!["compose.yaml".into()],
            project_name: Some("kubernetes".into()),
        },
        config: ConfigSource::Parsed(policy.config.clone()),
        sequential: true,
        ..CheckOptions::default()
    };
    let outcome = match state.run_check(policy, options).await {
        Ok((Ok(outcome), _)) => outcome,
        Ok((Err(e), _)) => return cannot_decide(format!("the check failed: {e}")),
        Err(e) => return cannot_decide(e.message),
    };
    let errors: Vec<String> = outcome
        .errors()
        .filter(|e| matches!(e.kind, ErrorKind::Load | ErrorKind::Config | ErrorKind::Evaluation))
        .map(|e| translated.explain(e.line, &e.message))
        .collect();
    if !errors.is_empty() {
        return cannot_decide(format!("the {kind} cannot be checked: {}", errors.join("; ")));
    }
    let fail_on = outcome.fail_on;
    let ours = |f: &&plimsoll_check::Finding| f.service.as_ref().is_none_or(|s| translated.service_origin(s).is_some());
    let line = |f: &plimsoll_check::Finding| {
        let at = translated.origin_of(f.line);
        let whom = f.service.as_deref().unwrap_or("pod");
        if at.is_empty() {
            format!("{whom}: {} ({})", f.message, f.rule)
        } else {
            format!("{whom}: {} ({}; {at})", f.message, f.rule)
        }
    };
    let failing: Vec<&plimsoll_check::Finding> =
        outcome.findings().filter(ours).filter(|f| f.severity >= fail_on).collect();
    let below: Vec<&plimsoll_check::Finding> =
        outcome.findings().filter(ours).filter(|f| f.severity < fail_on).collect();
    let mut warnings: Vec<String> = below.iter().take(MAX_WARNINGS).map(|f| cut(&line(f))).collect();
    if below.len() > MAX_WARNINGS {
        warnings.pop();
        warnings.push(format!(
            "… and {} more findings below {} (plimsoll)",
            below.len() - MAX_WARNINGS + 1,
            fail_on.as_str()
        ));
    }
    let mut annotations = serde_json::Map::new();
    annotations.insert("decision".into(), json!(if failing.is_empty() { "allow" } else { "deny" }));
    annotations.insert("findings".into(), json!((failing.len() + below.len()).to_string()));
    if !failing.is_empty() {
        let mut rules: Vec<&str> = failing.iter().map(|f| f.rule.as_str()).collect();
        rules.sort();
        rules.dedup();
        annotations.insert("failing-rules".into(), json!(rules.join(",")));
    }
    let mut answer = if failing.is_empty() {
        Answer::allow()
    } else {
        let lines: Vec<String> = failing.iter().map(|f| line(f)).collect();
        let name = object.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
        let text = format!(
            "plimsoll: {kind} {name} denied ({} at or above {}): {}",
            if failing.len() == 1 { "1 finding".to_string() } else { format!("{} findings", failing.len()) },
            fail_on.as_str(),
            lines.join("; ")
        );
        match mode {
            AdmissionMode::Enforce => Answer::deny(403, text),
            AdmissionMode::Audit => {
                metrics::counter!("plimsoll_admission_audit_denials_total", "point" => "kubernetes").increment(1);
                tracing::warn!(point = "kubernetes", kind, name, "audit: allowed what enforce would deny");
                warnings.insert(0, cut(&format!("audit: {text}")));
                warnings.truncate(MAX_WARNINGS);
                Answer::allow()
            }
        }
    };
    answer.warnings = warnings;
    answer.annotations = annotations;
    answer
}

/// A warning cut to [`WARNING_LENGTH`] characters.
fn cut(text: &str) -> String {
    if text.chars().count() <= WARNING_LENGTH {
        return text.to_string();
    }
    let mut out: String = text.chars().take(WARNING_LENGTH - 1).collect();
    out.push('…');
    out
}

fn bounded(text: String) -> String {
    crate::state::bounded(text, MAX_MESSAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_stay_under_120_characters() {
        assert_eq!(cut("short"), "short");
        let long = cut(&"é".repeat(300));
        assert_eq!(long.chars().count(), WARNING_LENGTH);
        assert!(long.ends_with('…'));
        assert!(bounded("x".repeat(9000)).len() <= MAX_MESSAGE);
    }
}
