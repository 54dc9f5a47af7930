//! Operations endpoints: `GET /healthz` (alive), `GET /readyz` (ready to admit) and `GET /metrics`
//! (Prometheus text).
//!
//! Readiness means a policy is loaded and validated; a failed reload keeps the old policy (still
//! ready) and shows its error in the details. These handlers never run a check.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::state::AppState;

/// `GET /healthz`: the process serves requests.
pub async fn healthz() -> Response {
    axum::Json(json!({ "status": "ok" })).into_response()
}

/// `GET /readyz`: `200` when a validated policy with at least one pack is in force, else `503`
/// with the reasons.
pub async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let policy = state.current.get();
    let last_reload_error = state.current.last_error();
    let packs = policy.as_ref().map(|p| p.packs.clone()).unwrap_or_default();
    let mut reasons = Vec::new();
    match &policy {
        None => reasons.push(last_reload_error.clone().unwrap_or_else(|| "the policy packs are still loading".into())),
        Some(_) if packs.is_empty() => reasons.push("no pack is loaded".to_string()),
        Some(_) => {}
    }
    let ready = reasons.is_empty();
    let body = json!({
        "status": if ready { "ready" } else { "not ready" },
        "packs": packs,
        "config": state.options.config.as_ref().map(|p| p.display().to_string()),
        "last_reload_error": last_reload_error,
        "reasons": reasons,
    });
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, axum::Json(body)).into_response()
}

/// `GET /metrics`: the Prometheus text exposition.
pub async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let text = state.metrics.render();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
}
