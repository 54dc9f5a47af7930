//! One service: its keys checked against the specification, its typed fields filled from the
//! coercions and the concern modules (ports, volumes, dependencies, resources, references), the
//! rest kept as `extensions`, and its interpolation templates recorded.
//!
//! Only the service's own node is read; cross-service checks (cycles) run in [`super::normalize`].

use super::dependencies::{depends_on, healthcheck};
use super::keys::{KeyKind, service_key};
use super::ports::ports;
use super::references::{Refs, network_refs, secret_refs, volumes_from_refs};
use super::resources::{resources, ulimits};
use super::scalar::Norm;
use super::volumes::volumes;
use crate::model::{Build, KeyValue, Logging, Service};
use crate::paths::{clean, is_remote_context, relative_slashed};
use crate::units::parse_image_ref;
use crate::yaml::{Node, Value};

/// Normalize the service `name` (its node is a mapping or null) into the model.
pub(super) fn normalize_service(n: &mut Norm<'_, '_>, name: &str, node: &Node, refs: &Refs<'_>) -> Service {
    let mut s = Service { name: name.to_owned(), ..Service::default() };
    s.extensions = extensions(n, name, node);
    collect_templates(node, &mut Vec::new(), &mut s.templates);
    let get = |key: &str| node.get(key);

    if let Some(v) = get("image") {
        s.image = n.string(v, "image").map(|raw| parse_image_ref(&raw));
    }
    if let Some(v) = get("build") {
        s.build = build(n, v);
        platforms(n, node, v);
    }
    if s.image.is_none() && s.build.is_none() && get("extends").is_none() && get("provider").is_none() {
        n.error(node, format!("service `{name}` has neither an image nor a build context specified"));
    }
    process(n, node, &mut s);
    if let Some(v) = get("ports") {
        s.ports = ports(n, v);
    }
    if let Some(v) = get("expose") {
        s.expose = n.strings(v, "expose");
    }
    if let Some(v) = get("volumes") {
        s.volumes = volumes(n, v, refs);
    }
    if let Some(v) = get("healthcheck") {
        s.healthcheck = healthcheck(n, v);
    }
    if let Some(v) = get("depends_on") {
        s.depends_on = depends_on(n, v, refs);
    }
    resources(n, node, &mut s);
    policies(n, node, &mut s);
    network_refs(n, node, &mut s, refs);
    if let Some(v) = get("secrets") {
        s.secrets = secret_refs(n, v, "secret", &refs.secrets);
    }
    if let Some(v) = get("configs") {
        s.configs = secret_refs(n, v, "config", &refs.configs);
    }
    if let Some(v) = get("ulimits") {
        s.ulimits = ulimits(n, v);
    }
    if let Some(v) = get("labels") {
        s.labels = n.key_values(v, "labels");
    }
    if let Some(v) = get("devices") {
        s.devices = devices(n, v);
    }
    if let Some(v) = get("volumes_from") {
        volumes_from_refs(n, v, refs);
    }
    s
}

/// The service's `x-` keys and the known keys the model does not type, as a JSON object; an
/// unknown key is an error.
fn extensions(n: &mut Norm<'_, '_>, name: &str, node: &Node) -> String {
    let mut ext = serde_json::Map::new();
    for (k, v) in node.as_map().unwrap_or_default() {
        let key = k.as_str().unwrap_or_default();
        let kind = service_key(key);
        if key.starts_with("x-") || kind == Some(KeyKind::Extension) {
            ext.insert(key.to_owned(), v.to_json());
        } else if kind.is_none() {
            n.error(k, format!("service `{name}` has an unknown key `{key}`"));
        }
    }
    if let Some(build) = node.get("build").and_then(build_extensions) {
        ext.insert("build".to_owned(), build);
    }
    serde_json::Value::Object(ext).to_string()
}

/// Keys of `build` the model types in its `Build` record (or reads as the Dockerfile).
const TYPED_BUILD_KEYS: &[&str] = &["context", "dockerfile", "dockerfile_inline", "target", "args"];

/// The keys of a `build` mapping the model does not type (`additional_contexts`, `ssh`, `secrets`,
/// `network`, `cache_from`, …) as a JSON object, `additional_contexts` always as a mapping of name to
/// value as written (its list form `name=value` converted); `None` when there are none.
fn build_extensions(build: &Node) -> Option<serde_json::Value> {
    let mut out = serde_json::Map::new();
    for (k, v) in build.as_map()? {
        let Some(key) = k.as_str().filter(|key| !TYPED_BUILD_KEYS.contains(key)) else { continue };
        let value = match (key, &v.value) {
            ("additional_contexts", Value::Seq(items)) => serde_json::Value::Object(
                items
                    .iter()
                    .filter_map(Node::as_str)
                    .map(|item| match item.split_once('=') {
                        Some((name, value)) => (name.to_owned(), serde_json::Value::String(value.to_owned())),
                        None => (item.to_owned(), serde_json::Value::Null),
                    })
                    .collect(),
            ),
            _ => v.to_json(),
        };
        out.insert(key.to_owned(), value);
    }
    (!out.is_empty()).then_some(serde_json::Value::Object(out))
}

/// The process the service runs: profiles, command, entrypoint, environment, env files, user and
/// working directory.
fn process(n: &mut Norm<'_, '_>, node: &Node, s: &mut Service) {
    let get = |key: &str| node.get(key);
    if let Some(v) = get("profiles") {
        s.profiles = n.strings(v, "profiles");
    }
    if let Some(v) = get("command") {
        s.command = n.command(v, "command");
    }
    if let Some(v) = get("entrypoint") {
        s.entrypoint = n.command(v, "entrypoint");
    }
    if let Some(v) = get("environment") {
        s.environment = n.key_values(v, "environment");
    }
    if let Some(v) = get("env_file") {
        s.env_files = match &v.value {
            Value::Seq(items) => items
                .iter()
                .filter_map(|i| match &i.value {
                    Value::Map(_) => i.get("path").and_then(Node::as_str).map(str::to_owned),
                    _ => i.as_str().map(str::to_owned),
                })
                .collect(),
            _ => n.strings(v, "env_file"),
        };
    }
    if let Some(v) = get("user") {
        s.user = n.string(v, "user");
    }
    if let Some(v) = get("working_dir") {
        s.working_dir = n.string(v, "working_dir");
    }
}

/// Restart, logging and the security and namespace settings (`privileged`, `cap_add`,
/// `network_mode`, `pid`…, `container_name`).
fn policies(n: &mut Norm<'_, '_>, node: &Node, s: &mut Service) {
    let get = |key: &str| node.get(key);
    if let Some(v) = get("restart") {
        s.restart = n.string(v, "restart");
        if let Some(r) = &s.restart {
            let base = r.split(':').next().unwrap_or_default();
            if !matches!(base, "no" | "always" | "on-failure" | "unless-stopped") {
                let m = format!("invalid restart policy {r:?} for service `{}`", s.name);
                n.error(v, m);
            }
        }
    }
    if let Some(v) = get("logging") {
        let driver = v.get("driver").and_then(|d| n.string(d, "logging.driver"));
        let options = v.get("options").map(|o| n.key_values(o, "logging.options")).unwrap_or_default();
        s.logging = Some(Logging { driver, options });
    }
    if let Some(v) = get("privileged") {
        s.privileged = n.bool(v, "privileged").unwrap_or(false);
    }
    if let Some(v) = get("read_only") {
        s.read_only = n.bool(v, "read_only").unwrap_or(false);
    }
    for (key, field) in
        [("cap_add", &mut s.cap_add), ("cap_drop", &mut s.cap_drop), ("security_opt", &mut s.security_opt)]
    {
        if let Some(v) = get(key) {
            *field = n.strings(v, key);
        }
    }
    for (key, field) in [
        ("network_mode", &mut s.network_mode),
        ("pid", &mut s.pid),
        ("ipc", &mut s.ipc),
        ("userns_mode", &mut s.userns_mode),
        ("runtime", &mut s.runtime),
        ("container_name", &mut s.container_name),
    ] {
        if let Some(v) = get(key) {
            *field = n.string(v, key);
        }
    }
}

/// The `devices` of a service as `source[:target[:permissions]]` strings (long syntax joined).
fn devices(n: &mut Norm<'_, '_>, v: &Node) -> Vec<String> {
    match &v.value {
        Value::Seq(items) => items
            .iter()
            .filter_map(|i| match &i.value {
                Value::Map(_) => {
                    let part = |k: &str| i.get(k).and_then(Node::as_str).unwrap_or_default().to_owned();
                    let mut d = part("source");
                    let t = part("target");
                    if !t.is_empty() {
                        d = format!("{d}:{t}");
                    }
                    let p = part("permissions");
                    if !p.is_empty() {
                        d = format!("{d}:{p}");
                    }
                    Some(d)
                }
                _ => i.as_str().map(str::to_owned),
            })
            .collect(),
        _ => n.strings(v, "devices"),
    }
}

/// Every scalar below a service that came from interpolation: its dotted key path and the text as
/// written (`environment.DB_PASSWORD` → `${DB_PASSWORD}`), so policies can tell literals from variables.
fn collect_templates(node: &Node, path: &mut Vec<String>, out: &mut Vec<KeyValue>) {
    if let Some(template) = &node.template {
        out.push(KeyValue { name: path.join("."), value: Some(template.to_string()) });
    }
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                path.push(k.as_str().unwrap_or_default().to_owned());
                collect_templates(v, path, out);
                path.pop();
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                collect_templates(item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The `build` of a service (canonicalized to a mapping); a local context is made relative to the project.
fn build(n: &mut Norm<'_, '_>, node: &Node) -> Option<Build> {
    if node.is_null() {
        return None;
    }
    if node.as_map().is_none() {
        let m = format!("`build` of service `{}` must be a string or a mapping", n.service);
        n.error(node, m);
        return None;
    }
    let context_raw = node.get("context").and_then(|c| n.string(c, "build.context")).unwrap_or_else(|| ".".to_owned());
    let context = if is_remote_context(&context_raw) {
        context_raw
    } else {
        let abs = clean(&n.ctx.project_dir.join(&context_raw));
        relative_slashed(&abs, n.ctx.project_dir)
    };
    // An empty `dockerfile` (an unset variable) is the default, as in Compose; `dockerfile_inline`
    // names no file.
    let dockerfile = node.get("dockerfile").and_then(|d| n.string(d, "build.dockerfile")).filter(|d| !d.is_empty());
    if dockerfile.is_some() && node.get("dockerfile_inline").is_some_and(|i| !i.is_null()) {
        let m = format!("service `{}` sets both `build.dockerfile` and `build.dockerfile_inline`", n.service);
        n.error(node.get("dockerfile_inline").unwrap_or(node), m);
    }
    let target = node.get("target").and_then(|t| n.string(t, "build.target"));
    let args = node.get("args").map(|a| n.key_values(a, "build.args")).unwrap_or_default();
    Some(Build { context, context_index: None, dockerfile, dockerfile_index: None, target, target_stage: None, args })
}

/// Compose refuses a service whose `platform` is not one of its `build.platforms`.
fn platforms(n: &mut Norm<'_, '_>, service: &Node, build: &Node) {
    let Some(list) = build.get("platforms").and_then(Node::as_seq).filter(|l| !l.is_empty()) else { return };
    let Some(platform) = service.get("platform").and_then(Node::as_str).filter(|p| !p.is_empty()) else { return };
    if !list.iter().any(|p| p.as_str() == Some(platform)) {
        let m = format!("`build.platforms` of service `{}` must include its platform {platform:?}", n.service);
        n.error(build.get("platforms").unwrap_or(build), m);
    }
}
