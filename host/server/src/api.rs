//! The check API under `/v1`: `POST /v1/check`, `GET /v1/rules`, `GET /v1/rules/{pack}/{rule}` and
//! `GET /v1/openapi.json`.
//!
//! A check request is read completely (bounded by `--max-body`) before it waits for a worker; the
//! evaluation runs on the blocking pool behind a semaphore with a bounded queue (`503` with
//! `Retry-After` when it is full), under the request deadline (`504`). The caller's mistakes are
//! `4xx` with a JSON body saying what is wrong; the server never answers `500` with an internal
//! message for them. Evaluation is synchronous library code; this module only adapts HTTP to it.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use plimsoll_check::{CheckOptions, ConfigSource, ErrorKind, Outcome, ProjectSource, config};
use plimsoll_report::Format;
use serde::Deserialize;
use serde_json::json;

use crate::options::ServeOptions;
use crate::state::AppState;
use crate::upload::{self, Upload};

/// An API error: a status and a JSON body `{"error": {"status", "message", "errors"?}}`.
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// What is wrong, for the caller.
    pub message: String,
    /// Located errors (`file`, `line`, `column`, `message`), when there are some.
    pub errors: Vec<serde_json::Value>,
    /// Seconds after which a retry may succeed (`503`).
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error with a status and a message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError { status, message: message.into(), errors: Vec::new(), retry_after: None }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "error": {
            "status": self.status.as_u16(), "message": self.message, "errors": self.errors,
        }});
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// `?format=` of `POST /v1/check`.
#[derive(Debug, Deserialize)]
pub struct CheckQuery {
    format: Option<String>,
}

/// `POST /v1/check`.
pub async fn check(
    State(state): State<Arc<AppState>>,
    Query(query): Query<CheckQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    state.authorize(&headers)?;
    let format = match query.format.as_deref() {
        None | Some("json") => Format::Json,
        Some(name) => Format::ALL
            .into_iter()
            .find(|f| f.as_str() == name && !matches!(f, Format::Human | Format::Github))
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!("format: `{name}` is not one of json, sarif, junit, gitlab, markdown, html"),
                )
            })?,
    };
    let bytes = read_body(&state, body).await?;
    let content_type =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("application/json").to_string();
    let upload = if content_type.starts_with("application/gzip")
        || content_type.starts_with("application/x-gzip")
        || content_type.starts_with("application/x-tar")
    {
        upload::from_tar_gz(&bytes, state.options.max_body.saturating_mul(4))
    } else if content_type.starts_with("application/json") {
        upload::from_json(&bytes)
    } else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Content-Type `{content_type}`: send application/json or application/gzip (a .tar.gz)"),
        ));
    }
    .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.0))?;
    let policy = state.ready_policy()?;
    let options = options_for(upload, &policy.config, &state.options)?;

    let (result, elapsed) = state.run_check(policy, options).await?;
    let outcome = result.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    record(&outcome, elapsed);
    respond(outcome, format)
}

/// The whole request body, bounded by `--max-body` (`413`) and `--read-timeout` (`408`), read
/// before any worker is taken: a slow client holds none.
pub async fn read_body(state: &AppState, body: Body) -> Result<axum::body::Bytes, ApiError> {
    let read = tokio::time::timeout(
        state.options.read_timeout,
        http_body_util::Limited::new(body, state.options.max_body).collect(),
    )
    .await
    .map_err(|_| ApiError::new(StatusCode::REQUEST_TIMEOUT, "the request body did not arrive in time"))?;
    match read {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than {} bytes (--max-body)", state.options.max_body),
        )),
        Err(e) => Err(ApiError::new(StatusCode::BAD_REQUEST, format!("cannot read the request body: {e}"))),
    }
}

/// The check options of an upload under the server's configuration.
fn options_for(upload: Upload, server: &Arc<config::Loaded>, serve: &ServeOptions) -> Result<CheckOptions, ApiError> {
    let config = match upload.config {
        None => server.clone(),
        Some(_) if serve.forbid_request_config => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "config: this server does not accept a configuration from the request (--forbid-request-config); \
                 its own configuration decides",
            ));
        }
        Some(value) => {
            if value.get("packs").is_some() || value.get("extend").is_some() {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "config: `packs` and `extend` cannot be set by a request (they name files on the server)",
                ));
            }
            let request =
                config::from_json(value).map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("config: {e}")))?;
            let mut merged = (**server).clone();
            merged.config = config::merge(server.config.clone(), request.config, &server.directory());
            Arc::new(merged)
        }
    };
    Ok(CheckOptions {
        project: ProjectSource::Memory {
            files: upload.files,
            compose_files: upload.compose_files,
            project_name: upload.project_name,
        },
        profiles: upload.profiles,
        config: ConfigSource::Parsed(config),
        sequential: true,
        ignore_inline_waivers: serve.ignore_inline_waivers,
        ..CheckOptions::default()
    })
}

/// Count the outcome's evaluations and decision.
fn record(outcome: &Outcome, elapsed: std::time::Duration) {
    metrics::histogram!("plimsoll_check_duration_seconds").record(elapsed.as_secs_f64());
    metrics::counter!("plimsoll_decisions_total", "decision" => outcome.decision.as_str()).increment(1);
    for project in &outcome.projects {
        let failed: Vec<(&str, &str)> =
            project.errors.iter().filter_map(|e| Some((e.pack.as_deref()?, e.error.unwrap_or("error")))).collect();
        for (pack, elapsed) in &project.timings {
            metrics::histogram!("plimsoll_evaluation_duration_seconds", "pack" => pack.clone())
                .record(elapsed.as_secs_f64());
        }
        for (pack, _) in &project.outputs {
            let outcome = failed.iter().find(|(p, _)| p == pack).map_or("ok", |(_, kind)| kind);
            metrics::counter!("plimsoll_evaluations_total", "pack" => pack.clone(), "outcome" => outcome.to_string())
                .increment(1);
        }
    }
}

/// The answer to a check: `400` with the located errors when the project does not load or the
/// configuration is wrong, `504` when a pack ran out of time, else `200` with the report.
fn respond(outcome: Outcome, format: Format) -> Result<Response, ApiError> {
    let located = |kinds: &[ErrorKind]| -> Vec<serde_json::Value> {
        outcome
            .errors()
            .filter(|e| kinds.contains(&e.kind))
            .map(
                |e| json!({ "kind": e.kind, "file": e.file, "line": e.line, "column": e.column, "message": e.message }),
            )
            .collect()
    };
    let input = located(&[ErrorKind::Load, ErrorKind::Config]);
    if !input.is_empty() {
        let mut error = ApiError::new(StatusCode::BAD_REQUEST, "the project cannot be checked: see `errors`");
        error.errors = input;
        return Err(error);
    }
    if let Some(slow) = outcome.errors().find(|e| e.error == Some("timeout")) {
        let mut error = ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            format!("pack `{}` ran out of time: {}", slow.pack.as_deref().unwrap_or("?"), slow.message),
        );
        error.errors = located(&[ErrorKind::Evaluation]);
        return Err(error);
    }
    let text = plimsoll_report::render(&outcome, format, plimsoll_report::RenderOptions::default());
    let content_type = match format {
        Format::Junit => "application/xml",
        Format::Markdown => "text/markdown; charset=utf-8",
        Format::Html => "text/html; charset=utf-8",
        Format::Sarif => "application/sarif+json",
        _ => "application/json",
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::HeaderName::from_static("x-plimsoll-decision"), outcome.decision.as_str()),
        ],
        text,
    )
        .into_response())
}

/// `GET /v1/rules`: every rule of the policy in force (as `plimsoll rules --format json`).
pub async fn rules(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let policy = state.ready_policy()?;
    let rules: Vec<serde_json::Value> = policy
        .engine
        .catalog()
        .iter()
        .map(|r| {
            json!({ "id": r.id, "pack": r.pack, "summary": r.summary, "severity": r.severity, "category": r.category })
        })
        .collect();
    Ok(axum::Json(json!({ "rules": rules })).into_response())
}

/// `GET /v1/rules/{pack}/{rule}`: one rule with its documentation.
pub async fn rule(
    State(state): State<Arc<AppState>>,
    Path((pack, rule)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = format!("{pack}/{rule}");
    let policy = state.ready_policy()?;
    Ok(match policy.engine.catalog().into_iter().find(|r| r.id == id) {
        Some(r) => axum::Json(json!({
            "id": r.id, "pack": r.pack, "summary": r.summary, "severity": r.severity, "category": r.category,
            "docs": r.docs,
        }))
        .into_response(),
        None => {
            ApiError::new(StatusCode::NOT_FOUND, format!("unknown rule `{id}` (see GET /v1/rules)")).into_response()
        }
    })
}

/// `GET /v1/openapi.json`.
pub async fn openapi() -> Response {
    axum::Json(crate::openapi::document()).into_response()
}
