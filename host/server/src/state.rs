//! What every request shares: the options, the policy in force, the workers and the queue, the
//! bearer token, and the metrics handle.
//!
//! Nothing here runs a check or answers HTTP; handlers in [`crate::api`] and [`crate::ops`] use it.

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use axum::http::{HeaderMap, StatusCode, header};
use tokio::sync::Semaphore;

use crate::api::ApiError;
use crate::options::ServeOptions;
use crate::policy::Current;

/// The server's shared state.
pub struct AppState {
    /// The options it was started with.
    pub options: ServeOptions,
    /// The policy in force.
    pub current: Current,
    /// One permit per concurrent evaluation.
    pub workers: Arc<Semaphore>,
    /// Requests waiting for a worker now.
    pub waiting: AtomicUsize,
    /// The bearer token `/v1/check` requires, when one is configured.
    pub token: Option<String>,
    /// Renders `/metrics`.
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
}

impl AppState {
    /// The policy in force, or `503` while none is loaded (fail closed: no policy, no answer).
    pub fn ready_policy(&self) -> Result<Arc<crate::policy::Policy>, ApiError> {
        self.current.get().ok_or_else(|| {
            let reason = self.current.last_error().unwrap_or_else(|| "the policy packs are still loading".into());
            let mut error = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {reason}"));
            error.retry_after = Some(1);
            error
        })
    }

    /// `Ok` when no token is configured or the request carries it (compared in constant time).
    pub fn authorize(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let Some(token) = &self.token else { return Ok(()) };
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if constant_time_eq(given.as_bytes(), token.as_bytes()) {
            Ok(())
        } else {
            Err(ApiError::new(StatusCode::UNAUTHORIZED, "a valid `Authorization: Bearer <token>` header is required"))
        }
    }
}

/// Equality whose time depends only on the lengths, not on where the bytes differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, x) in a.iter().enumerate() {
        diff |= usize::from(x ^ b.get(i % b.len().max(1)).copied().unwrap_or(0));
    }
    diff == 0 && !b.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_exactly() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secreT", b"secret"));
        assert!(!constant_time_eq(b"secret1", b"secret"));
        assert!(!constant_time_eq(b"", b"secret"));
        assert!(!constant_time_eq(b"", b""));
    }
}
