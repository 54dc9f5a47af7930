//! The Docker Engine authorization plugin: `/Plugin.Activate`, `/AuthZPlugin.AuthZReq` and
//! `/AuthZPlugin.AuthZRes`, on a unix socket (`--docker-authz-socket`) and under `/docker/…` on
//! the TCP listener.
//!
//! A gated request (by default `POST /containers/create` and `POST /containers/{id}/update`, any
//! API version) is translated into a Compose project (see [`plimsoll_admission::docker`]), with the
//! containers the daemon already has counted for the host budgets, and checked with the policy in
//! force; findings at or above `fail-on` deny it, one line each in `Msg`. Every other request is
//! allowed. It fails closed: a gated request without a readable JSON body, a server without a
//! policy, a pack error or an untranslatable body is denied (unless `failure-policy: ignore`
//! allows the last three). File contents never reach `Msg` or the log.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use plimsoll_admission::docker::{self as translate, Existing};
use plimsoll_check::config::{AdmissionMode, DockerAuthzConfig, FailurePolicy, GatedEndpoint, UnreachablePolicy};
use plimsoll_check::{CheckOptions, ConfigSource, ErrorKind, Outcome, ProjectSource, config};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::policy::Policy;
use crate::state::AppState;

/// The plugin protocol's content type.
pub const CONTENT_TYPE: &str = "application/vnd.docker.plugins.v1.1+json";

/// Most findings listed in a deny message; the rest are counted.
const MAX_LINES: usize = 12;

/// Longest deny message, in bytes.
const MAX_MESSAGE: usize = 4000;

/// The plugin's routes below `prefix` (`""` on the socket, `/docker` on the TCP listener, where
/// they need the bearer token when one is configured, as the check API does).
pub fn routes(prefix: &str, state: &Arc<AppState>) -> Router<Arc<AppState>> {
    let router = Router::new()
        .route(&format!("{prefix}/Plugin.Activate"), post(activate))
        .route(&format!("{prefix}/AuthZPlugin.AuthZReq"), post(authz_request))
        .route(&format!("{prefix}/AuthZPlugin.AuthZRes"), post(authz_response));
    if prefix.is_empty() {
        router
    } else {
        router.route_layer(axum::middleware::from_fn_with_state(state.clone(), require_token))
    }
}

async fn require_token(
    State(state): State<Arc<AppState>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match state.authorize(request.headers()) {
        Ok(()) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}

/// The spec file for `/etc/docker/plugins/<name>.spec`: the socket's address.
pub fn plugin_spec(socket: &Path) -> String {
    let absolute = std::path::absolute(socket).unwrap_or_else(|_| socket.to_path_buf());
    format!("unix://{}\n", absolute.display())
}

/// What the daemon sends (moby `pkg/authorization.Request`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AuthzRequest {
    #[serde(default)]
    user: String,
    #[serde(default)]
    request_method: String,
    #[serde(rename = "RequestURI", alias = "RequestUri", default)]
    request_uri: String,
    /// Base64 (Go's `[]byte` in JSON).
    #[serde(default)]
    request_body: Option<String>,
    #[serde(default)]
    request_headers: Option<std::collections::HashMap<String, String>>,
}

/// The plugin's answer (moby `pkg/authorization.Response`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Whether the daemon goes on.
    pub allow: bool,
    /// Why not (shown to the client).
    pub msg: String,
    /// An error of the plugin itself (the daemon denies then too).
    pub err: String,
}

impl Answer {
    fn allow() -> Self {
        Answer { allow: true, msg: String::new(), err: String::new() }
    }

    fn deny(msg: impl Into<String>) -> Self {
        Answer { allow: false, msg: msg.into(), err: String::new() }
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut body = json!({ "Allow": self.allow });
        if !self.msg.is_empty() {
            body["Msg"] = json!(self.msg);
        }
        if !self.err.is_empty() {
            body["Err"] = json!(self.err);
        }
        let decision = if self.allow { "allow" } else { "deny" };
        (
            [(header::CONTENT_TYPE, CONTENT_TYPE), (header::HeaderName::from_static("x-plimsoll-decision"), decision)],
            body.to_string(),
        )
            .into_response()
    }
}

async fn activate() -> Response {
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], json!({ "Implements": ["authz"] }).to_string()).into_response()
}

/// After the daemon acted: nothing left to decide (the request was admitted before).
async fn authz_response() -> Answer {
    Answer::allow()
}

async fn authz_request(State(state): State<Arc<AppState>>, body: Bytes) -> Answer {
    let answer = match serde_json::from_slice::<AuthzRequest>(&body) {
        Ok(request) => decide(&state, request).await,
        Err(e) => Answer {
            allow: false,
            msg: String::new(),
            err: format!("plimsoll: the plugin request is not valid JSON: {e}"),
        },
    };
    metrics::counter!("plimsoll_admission_decisions_total", "point" => "docker",
        "decision" => if answer.allow { "allow" } else { "deny" })
    .increment(1);
    answer
}

/// The section in force, with defaults.
struct Settings {
    mode: AdmissionMode,
    failure: FailurePolicy,
    endpoints: Vec<GatedEndpoint>,
    roots: Vec<PathBuf>,
    live_budget: bool,
    unreachable: UnreachablePolicy,
}

impl Settings {
    fn of(loaded: &config::Loaded) -> Self {
        let section = loaded.config.docker_authz.clone().unwrap_or_default();
        let base = loaded.directory();
        Settings::from_section(section, &base)
    }

    fn from_section(section: DockerAuthzConfig, base: &Path) -> Self {
        Settings {
            mode: section.mode.unwrap_or(AdmissionMode::Enforce),
            failure: section.failure_policy.unwrap_or(FailurePolicy::Fail),
            endpoints: section.endpoints.unwrap_or_else(default_endpoints),
            roots: section.project_roots.iter().map(|r| plimsoll_check::paths::clean(&base.join(r))).collect(),
            live_budget: section.live_budget.unwrap_or(true),
            unreachable: section.docker_unreachable.unwrap_or(UnreachablePolicy::Profile),
        }
    }
}

fn default_endpoints() -> Vec<GatedEndpoint> {
    ["/containers/create", "/containers/{id}/update"]
        .into_iter()
        .map(|path| GatedEndpoint { method: "POST".into(), path: path.into(), mode: None })
        .collect()
}

/// The request's path as the daemon routes it — absolute-form target dropped, percent-decoded,
/// `.`/`..` and empty segments resolved — without the API version prefix, and the query.
fn split_uri(uri: &str) -> (String, String) {
    let (target, query) = uri.split_once('?').unwrap_or((uri, ""));
    let target = match target.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => target,
    };
    let decoded = percent_decode_path(target);
    let mut segments: Vec<&str> = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    if segments.first().is_some_and(|s| {
        s.strip_prefix('v').is_some_and(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.'))
    }) {
        segments.remove(0);
    }
    (format!("/{}", segments.join("/")), query.to_string())
}

/// Whether `path` matches `pattern` (`{…}` matches one segment).
fn matches(pattern: &str, path: &str) -> bool {
    let p: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let s: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    p.len() == s.len() && p.iter().zip(&s).all(|(p, s)| (p.starts_with('{') && p.ends_with('}')) || p == s)
}

/// A query parameter, percent-decoded.
fn query_value(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == name).then(|| percent_decode(v))
    })
}

/// A path percent-decoded (`+` stays `+` in a path).
fn percent_decode_path(text: &str) -> String {
    percent_decode(&text.replace('+', "%2B"))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decide one `AuthZReq`.
async fn decide(state: &AppState, request: AuthzRequest) -> Answer {
    let method = request.request_method.to_ascii_uppercase();
    let (path, query) = split_uri(&request.request_uri);
    // The endpoints are the policy's; without a policy the defaults gate (fail closed).
    let policy = state.current.get();
    let settings = match &policy {
        Some(p) => Settings::of(&p.config),
        None => Settings::from_section(DockerAuthzConfig::default(), Path::new(".")),
    };
    let Some(endpoint) =
        settings.endpoints.iter().find(|e| e.method.eq_ignore_ascii_case(&method) && matches(&e.path, &path))
    else {
        return Answer::allow();
    };
    let mode = endpoint.mode.unwrap_or(settings.mode);
    let answer = gated(state, policy, &settings, &request, &path, &query).await;
    if answer.allow {
        return answer;
    }
    match mode {
        AdmissionMode::Enforce => {
            tracing::info!(point = "docker", method = %method, path = %path, user = %request.user, "denied");
            answer
        }
        AdmissionMode::Audit => {
            metrics::counter!("plimsoll_admission_audit_denials_total", "point" => "docker").increment(1);
            tracing::warn!(point = "docker", method = %method, path = %path, user = %request.user,
                would_deny = %answer.msg.lines().next().unwrap_or(""), "audit: allowed what enforce would deny");
            Answer::allow()
        }
    }
}

/// The answer to a gated request, before the mode applies.
async fn gated(
    state: &AppState,
    policy: Option<Arc<Policy>>,
    settings: &Settings,
    request: &AuthzRequest,
    path: &str,
    query: &str,
) -> Answer {
    let what = format!("{} {path}", request.request_method.to_ascii_uppercase());
    let body = match read_body(request) {
        Ok(body) => body,
        Err(why) => return Answer::deny(format!("plimsoll: {what} is gated and {why}; denied")),
    };
    let cannot_decide = |why: String| match settings.failure {
        FailurePolicy::Fail => Answer::deny(format!("plimsoll: {why}; denied (failure-policy: fail)")),
        FailurePolicy::Ignore => {
            tracing::warn!(point = "docker", reason = %why, "cannot decide: allowed (failure-policy: ignore)");
            Answer::allow()
        }
    };
    let Some(policy) = policy else {
        let reason = state.current.last_error().unwrap_or_else(|| "the policy packs are still loading".into());
        return cannot_decide(format!("no policy is in force ({reason})"));
    };
    // What the container will be: the body, or for an update the container with the update on top.
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let is_update = segments.len() == 3 && segments[0] == "containers" && segments[2] == "update";
    let (create, name, own_id) = if is_update {
        let id = segments[1];
        let Some(api) = &state.docker else {
            return Answer::deny(format!(
                "plimsoll: {what} needs the container's configuration but no Docker API is configured; denied"
            ));
        };
        let inspect = match api.get(&format!("/containers/{id}/json")).await {
            Ok(inspect) => inspect,
            Err(e) => return Answer::deny(format!("plimsoll: {what}: cannot read the container: {e}; denied")),
        };
        let name = inspect.get("Name").and_then(Value::as_str).map(|n| n.trim_start_matches('/').to_string());
        let own = inspect.get("Id").and_then(Value::as_str).map(str::to_string);
        match translate::after_update(&inspect, &body) {
            Ok(create) => (create, name, own),
            Err(e) => return Answer::deny(format!("plimsoll: {what}: {e}; denied")),
        }
    } else {
        (body, query_value(query, "name").filter(|n| !n.is_empty()), None)
    };
    let mut config = (*policy.config).clone();
    let existing = match live_view(state, settings, &mut config, name.as_deref(), own_id.as_deref()).await {
        Ok(existing) => existing,
        Err(answer) => return answer,
    };
    let labels = translate::compose_labels(&create);
    let from_disk = labels.as_ref().and_then(|l| compose_context(settings, l));
    let config = Arc::new(config);
    // The body is what the daemon will run: it is always translated and checked.
    let translated = match translate::translate_create(&create, name.as_deref(), &existing) {
        Ok(t) => t,
        Err(e) => return Answer::deny(format!("plimsoll: {what}: {e}; denied")),
    };
    for note in &translated.notes {
        tracing::info!(point = "docker", note = %note, "translation");
    }
    let options = CheckOptions {
        project: ProjectSource::Memory {
            files: [("compose.yaml".to_string(), translated.text.clone().into_bytes())].into(),
            compose_files: vec!["compose.yaml".into()],
            project_name: None,
        },
        config: ConfigSource::Parsed(config.clone()),
        sequential: true,
        ..CheckOptions::default()
    };
    let shown: Vec<String> = translated.services.iter().map(|(n, _)| n.clone()).collect();
    let outcome = match state.run_check(policy.clone(), options).await {
        Ok((Ok(outcome), _)) => outcome,
        Ok((Err(e), _)) => return cannot_decide(format!("the check failed: {e}")),
        Err(e) => return cannot_decide(e.message),
    };
    let answer = verdict(&outcome, &shown, Some(&translated), &what, &existing, settings);
    let Some((files, directory, root)) = from_disk else { return answer };
    // With the compose context, the project on disk adds what only it knows: the other services
    // (`depends_on`), and the budgets of the whole project.
    let labels = labels.as_ref().expect("labels give the compose context");
    let options = CheckOptions {
        project: ProjectSource::Files {
            files,
            project_directory: Some(directory),
            project_name: Some(labels.project.clone()),
        },
        config: ConfigSource::Parsed(config),
        confine: Some(root),
        environment: Some(Default::default()),
        sequential: true,
        ..CheckOptions::default()
    };
    let outcome = match state.run_check(policy, options).await {
        Ok((Ok(outcome), _)) => outcome,
        Ok((Err(e), _)) => return cannot_decide(format!("the compose project's check failed: {e}")),
        Err(e) => return cannot_decide(e.message),
    };
    let errors = outcome.errors().filter(|e| matches!(e.kind, ErrorKind::Load | ErrorKind::Config)).count();
    if errors > 0
        || !outcome
            .projects
            .iter()
            .any(|p| p.loaded.as_ref().is_some_and(|l| l.model.services.iter().any(|s| s.name == labels.service)))
    {
        // Never the loader's messages: they may quote the files.
        tracing::info!(point = "docker", project = %labels.project, service = %labels.service, errors,
            "compose context not used: the project does not load or has no such service; checking the container alone");
        return answer;
    }
    let from_project = verdict(&outcome, std::slice::from_ref(&labels.service), None, &what, &[], settings);
    match (answer.allow, from_project.allow) {
        (true, _) => from_project,
        (false, true) => answer,
        // Both deny: the body's findings, then what only the project showed.
        (false, false) => {
            let rule_of =
                |line: &str| line.rsplit_once(" (").map(|(_, r)| r.split([';', ')']).next().unwrap_or("").to_string());
            let extra: Vec<&str> = from_project
                .msg
                .lines()
                .skip(1)
                .filter(|l| rule_of(l).is_some_and(|r| !answer.msg.contains(&format!("({r}"))))
                .collect();
            if extra.is_empty() {
                return answer;
            }
            Answer::deny(bounded(format!("{}\nfrom the compose project:\n{}", answer.msg, extra.join("\n"))))
        }
    }
}

/// The gated request's body: present, complete and JSON, or why not.
fn read_body(request: &AuthzRequest) -> Result<Value, String> {
    let encoded = request.request_body.as_deref().unwrap_or("");
    if encoded.is_empty() {
        return Err(
            "the daemon forwarded no body (an empty body, or one of 1 MiB or more, which the daemon does not forward)"
                .into(),
        );
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|e| format!("its body is not valid base64 ({e})"))?;
    let declared = request.request_headers.as_ref().and_then(|h| {
        h.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse::<usize>().ok())
    });
    if let Some(length) = declared
        && length != bytes.len()
    {
        return Err(format!("its body was cut ({} of {length} bytes forwarded)", bytes.len()));
    }
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| format!("its body is not JSON ({e})"))?;
    if !value.is_object() {
        return Err("its body is not a JSON object".into());
    }
    Ok(value)
}

/// The containers already on the daemon (for the budgets), and the daemon's machine as the host
/// profile when the configuration has none. An unreachable daemon is logged and either ignored
/// (`docker-unreachable: profile`) or a deny.
async fn live_view(
    state: &AppState,
    settings: &Settings,
    config: &mut config::Loaded,
    name: Option<&str>,
    own_id: Option<&str>,
) -> Result<Vec<Existing>, Answer> {
    let Some(api) = &state.docker else { return Ok(Vec::new()) };
    if !settings.live_budget {
        return Ok(Vec::new());
    }
    let unreachable = |e: String| match settings.unreachable {
        UnreachablePolicy::Profile => {
            tracing::warn!(point = "docker", error = %e, "the Docker API cannot tell what runs: checking against the configured host profile alone");
            metrics::counter!("plimsoll_docker_api_errors_total").increment(1);
            Ok(Vec::new())
        }
        UnreachablePolicy::Deny => Err(Answer::deny(format!(
            "plimsoll: cannot count what already runs on this host ({e}); denied (docker-unreachable: deny)"
        ))),
    };
    if config.config.host.is_none() {
        let info = state
            .docker_info
            .get_or_init(|| async {
                match api.get("/info").await {
                    Ok(info) => Some((
                        info.get("MemTotal").and_then(Value::as_u64).unwrap_or(0),
                        info.get("NCPU").and_then(Value::as_f64).unwrap_or(0.0),
                    )),
                    Err(e) => {
                        tracing::warn!(error = %e, "no host profile from the daemon's /info");
                        None
                    }
                }
            })
            .await;
        if let Some((memory, cpus)) = info.filter(|(m, c)| *m > 0 && *c > 0.0) {
            config.config.host = Some(config::HostConfig {
                memory: Some(config::Size::Bytes(memory)),
                cpus: Some(cpus),
                ..config::HostConfig::default()
            });
        }
    }
    match api.containers().await {
        Ok(list) => Ok(list
            .into_iter()
            .filter(|c| Some(c.name.as_str()) != name && Some(c.id.as_str()) != own_id)
            .map(|c| Existing { name: c.name, inspect: c.inspect })
            .collect()),
        Err(e) => unreachable(e),
    }
}

/// The compose files, project directory and allowed root of a Docker Compose container, when the
/// operator allows reading below that root and every file is there; else `None` (logged).
fn compose_context(settings: &Settings, labels: &translate::ComposeLabels) -> Option<(Vec<PathBuf>, PathBuf, PathBuf)> {
    if settings.roots.is_empty() || labels.config_files.is_empty() {
        return None;
    }
    let canonical = |p: &str| std::fs::canonicalize(p).ok();
    let files: Option<Vec<PathBuf>> = labels.config_files.iter().map(|f| canonical(f)).collect();
    let directory = labels.working_dir.as_deref().and_then(canonical);
    let fallback = |why: &str| {
        tracing::info!(point = "docker", project = %labels.project, service = %labels.service, reason = why,
            "compose context not used: checking the container alone");
        None
    };
    let (Some(files), Some(directory)) = (files, directory) else {
        return fallback("its compose files or working directory cannot be read");
    };
    let Some(root) = settings
        .roots
        .iter()
        .filter_map(|r| std::fs::canonicalize(r).ok())
        .find(|root| directory.starts_with(root) && files.iter().all(|f| f.starts_with(root)))
    else {
        return fallback("its compose files are not below a `docker-authz.project-roots` directory");
    };
    Some((files, directory, root))
}

/// Allow, or deny with the findings at or above `fail-on` of the admitted services (and of the
/// project as a whole, such as the host budgets), one line each.
fn verdict(
    outcome: &Outcome,
    services: &[String],
    translated: Option<&plimsoll_admission::Translated>,
    what: &str,
    existing: &[Existing],
    settings: &Settings,
) -> Answer {
    // The generated document does not load: something in the request the model refuses. That is
    // the request's fault, never a reason to let it pass, whatever the failure policy says.
    let refused: Vec<String> = match translated {
        Some(t) => {
            outcome.errors().filter(|e| e.kind == ErrorKind::Load).map(|e| t.explain(e.line, &e.message)).collect()
        }
        None => Vec::new(),
    };
    if !refused.is_empty() {
        return Answer::deny(bounded(format!("plimsoll: {what} cannot be checked: {}; denied", refused.join("; "))));
    }
    let errors: Vec<String> = outcome
        .errors()
        .filter(|e| matches!(e.kind, ErrorKind::Load | ErrorKind::Config | ErrorKind::Evaluation))
        .map(|e| match (translated, &e.file) {
            (Some(t), _) => t.explain(e.line, &e.message),
            (None, Some(file)) => format!("{file}: {}", e.message),
            (None, None) => e.message.clone(),
        })
        .collect();
    if !errors.is_empty() {
        let text = format!("plimsoll: {what} cannot be checked: {}", errors.join("; "));
        return match settings.failure {
            FailurePolicy::Fail => Answer::deny(bounded(text)),
            FailurePolicy::Ignore => {
                tracing::warn!(point = "docker", "cannot decide: allowed (failure-policy: ignore)");
                Answer::allow()
            }
        };
    }
    let fail_on = outcome.fail_on;
    let failing: Vec<&plimsoll_check::Finding> = outcome
        .findings()
        .filter(|f| f.severity >= fail_on)
        .filter(|f| f.service.as_ref().is_none_or(|s| services.contains(s)))
        .collect();
    if failing.is_empty() {
        return Answer::allow();
    }
    let mut lines = Vec::new();
    for f in failing.iter().take(MAX_LINES) {
        let whom = match &f.service {
            Some(s) => format!("service {s}"),
            None => "host".to_string(),
        };
        let at = match translated {
            Some(t) => t.origin_of(f.line).to_string(),
            None => format!("{}:{}", f.file, f.line),
        };
        let at = if at.is_empty() { String::new() } else { format!("; {at}") };
        lines.push(format!("{whom}: {} ({}{at})", f.message, f.rule));
    }
    if failing.len() > MAX_LINES {
        lines.push(format!("… and {} more", failing.len() - MAX_LINES));
    }
    if failing.iter().any(|f| f.service.is_none()) && !existing.is_empty() {
        let names: Vec<&str> = existing.iter().take(8).map(|e| e.name.as_str()).collect();
        let more = if existing.len() > 8 { format!(" and {} more", existing.len() - 8) } else { String::new() };
        lines.push(format!("already on this host: {}{more}", names.join(", ")));
    }
    Answer::deny(bounded(format!(
        "plimsoll: {what} denied ({} at or above {}):\n{}",
        count(failing.len()),
        fail_on.as_str(),
        lines.join("\n")
    )))
}

fn count(n: usize) -> String {
    if n == 1 { "1 finding".into() } else { format!("{n} findings") }
}

/// `text` cut to [`MAX_MESSAGE`] bytes.
fn bounded(text: String) -> String {
    crate::state::bounded(text, MAX_MESSAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_lose_their_version_and_match_patterns() {
        assert_eq!(split_uri("/v1.41/containers/create?name=web"), ("/containers/create".into(), "name=web".into()));
        assert_eq!(split_uri("/containers/abc/update"), ("/containers/abc/update".into(), String::new()));
        assert_eq!(split_uri("/v1/x"), ("/x".into(), String::new()));
        assert_eq!(split_uri("/version"), ("/version".into(), String::new()));
        // What the daemon routes, however the target is spelled.
        assert_eq!(split_uri("/v1.41/containers/%63reate").0, "/containers/create");
        assert_eq!(split_uri("/%761.41/containers/create").0, "/containers/create");
        assert_eq!(
            split_uri("http://d/v1.41/containers/create?name=x"),
            ("/containers/create".into(), "name=x".into())
        );
        assert_eq!(split_uri("//v1.41//containers/./x/../create").0, "/containers/create");
        assert_eq!(split_uri("/containers/x/upd%61te").0, "/containers/x/update");
        assert!(matches("/containers/{id}/update", "/containers/abc/update"));
        assert!(!matches("/containers/{id}/update", "/containers/update"));
        assert!(matches("/containers/create", "/containers/create"));
        assert!(!matches("/containers/create", "/containers/create/x"));
    }

    #[test]
    fn query_values_are_decoded() {
        assert_eq!(query_value("name=my%2Dweb&x=1", "name").as_deref(), Some("my-web"));
        assert_eq!(query_value("a=1", "name"), None);
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }

    fn request(body: Option<&[u8]>, length: Option<&str>) -> AuthzRequest {
        AuthzRequest {
            request_method: "POST".into(),
            request_uri: "/v1.41/containers/create".into(),
            request_body: body.map(|b| base64::engine::general_purpose::STANDARD.encode(b)),
            request_headers: length.map(|l| [("Content-Length".to_string(), l.to_string())].into()),
            ..AuthzRequest::default()
        }
    }

    #[test]
    fn gated_bodies_must_be_present_complete_json_objects() {
        assert!(read_body(&request(None, None)).unwrap_err().contains("forwarded no body"));
        assert!(read_body(&request(Some(b""), Some("0"))).unwrap_err().contains("forwarded no body"));
        assert!(read_body(&request(Some(b"{\"Image\""), None)).unwrap_err().contains("not JSON"));
        assert_eq!(
            read_body(&request(Some(b"{}"), Some("2000000"))).unwrap_err(),
            "its body was cut (2 of 2000000 bytes forwarded)"
        );
        assert_eq!(read_body(&request(Some(b"[1]"), None)).unwrap_err(), "its body is not a JSON object");
        let mut bad = request(None, None);
        bad.request_body = Some("@@@".into());
        assert!(read_body(&bad).unwrap_err().contains("not valid base64"));
        assert_eq!(read_body(&request(Some(b"{\"Image\":\"a\"}"), Some("13"))).unwrap(), json!({"Image": "a"}));
    }

    #[test]
    fn long_messages_are_bounded() {
        let text = bounded("é".repeat(5000));
        assert!(text.len() <= MAX_MESSAGE && text.ends_with('…'));
    }
}
