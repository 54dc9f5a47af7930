//! `plimsoll serve`: the admission server — the check pipeline behind an HTTP API that answers
//! "may this run?" in milliseconds, with the same packs, configuration and decision as
//! `plimsoll check`.
//!
//! tokio and axum carry the HTTP; evaluation stays synchronous library code (`plimsoll-check`) on
//! the blocking pool behind a semaphore sized to the workers and a bounded queue ([`api`]). One
//! engine (runtime, pooled instances, compiled packs) serves every request and is swapped
//! atomically on reload ([`policy`]). Operations endpoints ([`ops`]) can listen on their own port.
//! Connections are served by [`listen`] (plain or TLS, header read timeouts, graceful shutdown).
//! This crate has no flags (the CLI fills [`ServeOptions`]) and never evaluates outside the check
//! library.
#![forbid(unsafe_code)]

pub mod api;
pub mod docker;
pub mod docker_api;
pub mod kubernetes;
pub mod listen;
pub mod openapi;
pub mod ops;
pub mod options;
pub mod policy;
pub mod state;
pub mod upload;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use tokio::sync::Semaphore;

pub use options::{ServeOptions, TlsFiles};

use crate::policy::{Current, Policy};

use crate::state::AppState;

/// Why the server could not start (after it started, problems are logged, never fatal).
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A listener could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// TLS material or another input file is wrong.
    #[error("{0}")]
    Input(String),
    /// The async runtime could not start.
    #[error("cannot start the server runtime: {0}")]
    Runtime(std::io::Error),
}

/// Run the server until `SIGTERM` or `SIGINT`, then drain; `Ok` after a clean shutdown.
pub fn run(options: ServeOptions) -> Result<(), ServeError> {
    init_logging(options.log_json);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(options.workers.max(1) + 4)
        .build()
        .map_err(ServeError::Runtime)?;
    runtime.block_on(serve(options))
}

fn init_logging(json: bool) {
    let builder = tracing_subscriber::fmt().with_writer(std::io::stderr).with_target(false);
    let _ = if json { builder.json().flatten_event(true).try_init() } else { builder.with_ansi(false).try_init() };
}

/// The server's routes: the check API, and the operations endpoints unless they have their own port.
pub fn router(state: Arc<AppState>, with_ops: bool) -> Router {
    let mut router = Router::new()
        .route("/v1/check", post(api::check))
        .route("/v1/rules", get(api::rules))
        .route("/v1/rules/{pack}/{rule}", get(api::rule))
        .route("/v1/openapi.json", get(api::openapi))
        .route("/v1/admission/kubernetes", post(kubernetes::review))
        .merge(docker::routes("/docker", &state));
    if with_ops {
        router = router.merge(ops_router());
    }
    router.fallback(not_found).layer(axum::middleware::from_fn_with_state(state.clone(), observe)).with_state(state)
}

fn ops_router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
}

async fn not_found() -> api::ApiError {
    api::ApiError::new(axum::http::StatusCode::NOT_FOUND, "no such endpoint (see GET /v1/openapi.json)")
}

static REQUEST_IDS: AtomicU64 = AtomicU64::new(1);
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// Per request: a request id (taken from `X-Request-Id` when it is sane, returned as a header),
/// the metrics, and one log line with the status, the decision and the duration — never a body.
async fn observe(State(_state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let endpoint =
        request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = request.method().to_string();
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty() && v.len() <= 128 && v.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
        .map(str::to_string)
        .unwrap_or_else(|| format!("{:x}-{:x}", std::process::id(), REQUEST_IDS.fetch_add(1, Ordering::Relaxed)));
    let in_flight = IN_FLIGHT.fetch_add(1, Ordering::SeqCst) + 1;
    metrics::gauge!("plimsoll_in_flight_requests").set(in_flight as f64);
    let mut response = next.run(request).await;
    let in_flight = IN_FLIGHT.fetch_sub(1, Ordering::SeqCst) - 1;
    metrics::gauge!("plimsoll_in_flight_requests").set(in_flight as f64);
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    metrics::counter!("plimsoll_http_requests_total", "endpoint" => endpoint.clone(), "status" => status.to_string())
        .increment(1);
    metrics::histogram!("plimsoll_http_request_duration_seconds", "endpoint" => endpoint.clone())
        .record(elapsed.as_secs_f64());
    let decision =
        response.headers().get("x-plimsoll-decision").and_then(|v| v.to_str().ok()).unwrap_or("-").to_string();
    tracing::info!(
        request_id = %id,
        method = %method,
        endpoint = %endpoint,
        status,
        decision = %decision,
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

async fn serve(options: ServeOptions) -> Result<(), ServeError> {
    let metrics_handle = metrics_exporter_prometheus::PrometheusBuilder::new()
        .set_buckets(&[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
        .map_err(|e| ServeError::Input(e.to_string()))?
        .install_recorder()
        .map_err(|e| ServeError::Input(format!("metrics: {e}")))?;
    metrics::gauge!("plimsoll_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    let token = match &options.auth_token_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| ServeError::Input(format!("{}: cannot read the token: {e}", path.display())))?;
            let token = text.trim().to_string();
            if token.is_empty() {
                return Err(ServeError::Input(format!("{}: the token file is empty", path.display())));
            }
            Some(token)
        }
        None => None,
    };
    let tls = options.tls.as_ref().map(listen::tls_acceptor).transpose()?;
    let docker = match (&options.docker_authz_socket, &options.docker_host) {
        (None, _) => None,
        (Some(_), Some(host)) => Some(host.clone()),
        (Some(_), None) => Some(docker_api::DockerHost::from_env().map_err(ServeError::Input)?),
    }
    .map(|host| docker_api::DockerApi::new(host, Duration::from_secs(2)));
    let state = Arc::new(AppState {
        docker,
        docker_info: tokio::sync::OnceCell::new(),
        workers: Arc::new(Semaphore::new(options.workers.max(1))),
        waiting: AtomicUsize::new(0),
        current: Current::default(),
        token,
        metrics: metrics_handle,
        options: options.clone(),
    });
    let api_listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|source| ServeError::Bind { addr: options.listen, source })?;
    let ops_listener = match options.ops_listen {
        Some(addr) => {
            Some(tokio::net::TcpListener::bind(addr).await.map_err(|source| ServeError::Bind { addr, source })?)
        }
        None => None,
    };
    tracing::info!(
        listen = %api_listener.local_addr().map(|a| a.to_string()).unwrap_or_default(),
        ops = %ops_listener.as_ref().and_then(|l| l.local_addr().ok()).map(|a| a.to_string()).unwrap_or_else(|| "same".into()),
        tls = tls.is_some(),
        workers = options.workers,
        "plimsoll serve is listening"
    );
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let graceful = Arc::new(hyper_util::server::graceful::GracefulShutdown::new());
    let mut servers = Vec::new();
    servers.push(tokio::spawn(listen::serve_listener(
        api_listener,
        router(state.clone(), ops_listener.is_none()),
        tls.clone(),
        options.read_timeout,
        stop_rx.clone(),
        graceful.clone(),
    )));
    if let Some(listener) = ops_listener {
        let ops = ops_router()
            .fallback(not_found)
            .layer(axum::middleware::from_fn_with_state(state.clone(), observe))
            .with_state(state.clone());
        servers.push(tokio::spawn(listen::serve_listener(
            listener,
            ops,
            None,
            options.read_timeout,
            stop_rx.clone(),
            graceful.clone(),
        )));
    }
    if let Some(socket) = &options.docker_authz_socket {
        let listener = listen::bind_unix(socket)?;
        let plugin = docker::routes("", &state)
            .fallback(not_found)
            .layer(axum::middleware::from_fn_with_state(state.clone(), observe))
            .with_state(state.clone());
        tracing::info!(socket = %socket.display(), docker = %state.docker.as_ref().map(|d| d.host().to_string()).unwrap_or_default(),
            "Docker authorization plugin is listening");
        servers.push(tokio::spawn(listen::serve_unix(
            listener,
            plugin,
            options.read_timeout,
            stop_rx.clone(),
            graceful.clone(),
        )));
    }
    let upkeep_handle = state.metrics.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(5)).await;
            upkeep_handle.run_upkeep();
        }
    });
    // The policy loads in the background: until it is in force the server is alive but not
    // ready, and check requests are refused with 503.
    tokio::spawn(reload_loop(state.clone()));
    wait_for_stop().await;
    tracing::info!(grace_seconds = options.shutdown_grace.as_secs_f64(), "shutting down: draining in-flight requests");
    let _ = stop_tx.send(true);
    for server in servers {
        let _ = server.await;
    }
    match Arc::try_unwrap(graceful) {
        Ok(graceful) => {
            if tokio::time::timeout(options.shutdown_grace, graceful.shutdown()).await.is_err() {
                tracing::warn!("the grace period ended with requests still in flight");
            }
        }
        Err(_) => tracing::warn!("a listener did not stop; not waiting for its connections"),
    }
    if let Some(socket) = &options.docker_authz_socket {
        let _ = std::fs::remove_file(socket);
    }
    tracing::info!("stopped");
    Ok(())
}

async fn wait_for_stop() {
    use tokio::signal::unix::{SignalKind, signal};
    match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Reload on `SIGHUP` and when a watched file changes; a failed reload keeps the old policy.
async fn reload_loop(state: Arc<AppState>) {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangup = signal(SignalKind::hangup()).ok();
    let mut last_failed: Option<Vec<Option<std::time::SystemTime>>> = None;
    let mut first = true;
    loop {
        let forced = first
            || tokio::select! {
                _ = async { match hangup.as_mut() { Some(h) => { h.recv().await; } None => std::future::pending::<()>().await } } => true,
                _ = tokio::time::sleep(state.options.watch_interval) => false,
            };
        first = false;
        let current = state.current.get();
        // What to watch: the policy's files, or (before one loaded) the configuration file.
        let files: Vec<std::path::PathBuf> = match &current {
            Some(policy) => policy.files.iter().map(|(f, _)| f.clone()).collect(),
            None => state.options.config.iter().cloned().collect(),
        };
        let times: Vec<Option<std::time::SystemTime>> =
            files.iter().map(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok()).collect();
        let changed = current.as_ref().is_none_or(|p| p.stale());
        if !forced && (!changed || last_failed.as_ref() == Some(&times)) {
            continue;
        }
        drop(current);
        let config = state.options.config.clone();
        let cache = state.options.cache.clone();
        let registry = state.options.registry.clone();
        let loaded = tokio::task::spawn_blocking(move || Policy::load(config.as_deref(), cache, registry)).await;
        match loaded {
            Ok(Ok(policy)) => {
                metrics::gauge!("plimsoll_packs_loaded").set(policy.packs.len() as f64);
                metrics::counter!("plimsoll_config_reloads_total", "result" => "ok").increment(1);
                tracing::info!(packs = policy.packs.len(), "configuration reloaded");
                state.current.swap(policy);
                last_failed = None;
            }
            Ok(Err(message)) => {
                metrics::counter!("plimsoll_config_reloads_total", "result" => "failed").increment(1);
                tracing::error!(error = %message, "configuration reload failed: keeping the previous one");
                state.current.set_error(Some(message));
                last_failed = Some(times);
            }
            Err(e) => tracing::error!(error = %e, "configuration reload did not finish"),
        }
    }
}
