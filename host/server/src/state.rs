//! What every request shares: the options, the policy in force, the workers and the queue, the
//! bearer token, and the metrics handle.
//!
//! Nothing here runs a check or answers HTTP; handlers in [`crate::api`] and [`crate::ops`] use it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode, header};
use tokio::sync::Semaphore;

use crate::api::ApiError;
use crate::options::ServeOptions;
use crate::policy::{Current, Policy};

/// What one evaluation gives: the check's result and how long it ran.
pub type Evaluated = (Result<plimsoll_check::Outcome, plimsoll_check::CheckError>, Duration);

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
    /// The Docker Engine API the authorization plugin asks about what already runs.
    pub docker: Option<crate::docker_api::DockerApi>,
    /// The daemon's memory and CPUs (`/info`), asked once, for a host profile when the
    /// configuration has none.
    pub docker_info: tokio::sync::OnceCell<Option<(u64, f64)>>,
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

    /// Run `options` on a worker: at once when one is free, after a wait in the bounded queue,
    /// or `503` (queue full, shutting down, no worker before the deadline); `504` when the check
    /// outlives the request deadline. The worker stays busy until the evaluation really ends.
    pub async fn run_check(
        &self,
        policy: Arc<Policy>,
        options: plimsoll_check::CheckOptions,
    ) -> Result<Evaluated, ApiError> {
        let deadline = tokio::time::Instant::now() + self.options.request_timeout;
        let busy = |message: &str| {
            let mut error = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, message);
            error.retry_after = Some(1);
            error
        };
        let permit = match self.workers.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(tokio::sync::TryAcquireError::Closed) => {
                return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the server is shutting down"));
            }
            Err(tokio::sync::TryAcquireError::NoPermits) => {
                let waiting = self.waiting.fetch_add(1, Ordering::SeqCst);
                if waiting >= self.options.queue {
                    self.waiting.fetch_sub(1, Ordering::SeqCst);
                    return Err(busy("the server is at capacity: retry shortly"));
                }
                metrics::gauge!("plimsoll_queue_depth").set((waiting + 1) as f64);
                let permit = tokio::time::timeout_at(deadline, self.workers.clone().acquire_owned()).await;
                let left = self.waiting.fetch_sub(1, Ordering::SeqCst) - 1;
                metrics::gauge!("plimsoll_queue_depth").set(left as f64);
                match permit {
                    Ok(Ok(permit)) => permit,
                    Ok(Err(_)) => {
                        return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the server is shutting down"));
                    }
                    Err(_) => return Err(busy("no worker became free before the request deadline")),
                }
            }
        };
        // The permit moves into the evaluation: a worker is busy until the evaluation really ends,
        // even when the request has already been answered with 504.
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let started = Instant::now();
            let result = policy.engine.check(&options);
            (result, started.elapsed())
        });
        match tokio::time::timeout_at(deadline, task).await {
            Ok(Ok(done)) => Ok(done),
            Ok(Err(_)) => Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the evaluation was cancelled")),
            Err(_) => Err(ApiError::new(
                StatusCode::GATEWAY_TIMEOUT,
                format!("the check did not finish within the request deadline ({:?})", self.options.request_timeout),
            )),
        }
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

/// `text` cut to at most `max` bytes at a character boundary, ending in `…` when cut (deny
/// messages and statuses stay readable whatever the request held).
pub fn bounded(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max.saturating_sub('…'.len_utf8());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
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
