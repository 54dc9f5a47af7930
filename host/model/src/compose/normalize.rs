//! Normalization of a merged compose document into the policy model, with validation.
//!
//! Short and long syntaxes (ports with range expansion, volumes, environment, depends_on,
//! healthcheck `test`, `gpus`, ulimits…) become the typed [`crate::model`] records; units are parsed
//! exactly as Docker does ([`crate::units`]); legacy resource keys sit next to `deploy.resources`
//! with the effective values computed (deploy first, then legacy). Keys the model does not type go
//! into `extensions` as JSON. Every invalid value, unknown key or dangling reference (services,
//! networks, volumes, secrets, configs) and every dependency cycle becomes a located error; this
//! module reads no files.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::interpolate::Env;
use crate::diagnostic::Diagnostic;
use crate::model::{
    Build, Dependency, DeviceCount, DeviceRequest, Healthcheck, KeyValue, Logging, Mount, MountKind, Port, Project,
    ResourceDecl, ResourceSet, RestartPolicy, Service, Ulimit,
};
use crate::paths::{clean, is_remote_context, relative_slashed};
use crate::units::{parse_bytes, parse_duration_ms, parse_image_ref};
use crate::yaml::{Node, Style, Value};

/// What normalization needs besides the document.
pub struct Context<'a> {
    /// Absolute project directory (base of relative paths).
    pub project_dir: &'a Path,
    /// Active profiles (empty: every service).
    pub profiles: &'a [String],
    /// Interpolation variables (for `~` in bind sources: `HOME`).
    pub env: &'a Env,
}

/// Top-level keys of the Compose specification.
const TOP_LEVEL_KEYS: &[&str] =
    &["version", "name", "services", "networks", "volumes", "secrets", "configs", "include", "models"];

/// Service keys of the Compose specification (the schema rejects any other key not starting with `x-`).
const SERVICE_KEYS: &[&str] = &[
    "annotations",
    "attach",
    "blkio_config",
    "build",
    "cap_add",
    "cap_drop",
    "cgroup",
    "cgroup_parent",
    "command",
    "configs",
    "container_name",
    "cpu_count",
    "cpu_percent",
    "cpu_period",
    "cpu_quota",
    "cpu_rt_period",
    "cpu_rt_runtime",
    "cpu_shares",
    "cpus",
    "cpuset",
    "credential_spec",
    "depends_on",
    "deploy",
    "develop",
    "device_cgroup_rules",
    "devices",
    "dns",
    "dns_opt",
    "dns_search",
    "domainname",
    "entrypoint",
    "env_file",
    "environment",
    "expose",
    "extends",
    "external_links",
    "extra_hosts",
    "gpus",
    "group_add",
    "healthcheck",
    "hostname",
    "image",
    "init",
    "ipc",
    "isolation",
    "label_file",
    "labels",
    "links",
    "logging",
    "mac_address",
    "mem_limit",
    "mem_reservation",
    "mem_swappiness",
    "memswap_limit",
    "models",
    "network_mode",
    "networks",
    "oom_kill_disable",
    "oom_score_adj",
    "pid",
    "pids_limit",
    "platform",
    "ports",
    "post_start",
    "pre_stop",
    "privileged",
    "profiles",
    "provider",
    "pull_policy",
    "pull_refresh_after",
    "read_only",
    "restart",
    "runtime",
    "scale",
    "secrets",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "storage_opt",
    "sysctls",
    "tmpfs",
    "tty",
    "ulimits",
    "use_api_socket",
    "user",
    "userns_mode",
    "uts",
    "volumes",
    "volumes_from",
    "working_dir",
];

/// Service keys the model types (everything else goes to `extensions`).
const TYPED_KEYS: &[&str] = &[
    "image",
    "build",
    "profiles",
    "command",
    "entrypoint",
    "environment",
    "env_file",
    "user",
    "working_dir",
    "ports",
    "expose",
    "volumes",
    "healthcheck",
    "depends_on",
    "deploy",
    "mem_limit",
    "mem_reservation",
    "memswap_limit",
    "cpus",
    "cpu_shares",
    "pids_limit",
    "shm_size",
    "gpus",
    "scale",
    "restart",
    "logging",
    "privileged",
    "read_only",
    "cap_add",
    "cap_drop",
    "security_opt",
    "network_mode",
    "pid",
    "ipc",
    "userns_mode",
    "runtime",
    "networks",
    "secrets",
    "configs",
    "ulimits",
    "labels",
    "devices",
    "container_name",
    "extends",
];

struct Norm<'a, 'd> {
    ctx: &'a Context<'a>,
    diags: &'d mut Vec<Diagnostic>,
    service: String,
}

impl Norm<'_, '_> {
    fn error(&mut self, node: &Node, message: impl Into<String>) {
        self.diags.push(Diagnostic::error(Some(node.location()), message));
    }

    /// A scalar as text; null is `None`; a collection is an error.
    fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match &node.value {
            Value::Scalar(s) => Some(s.clone()),
            Value::Null => None,
            _ => {
                let m = format!("`{what}` of service `{}` must be a string, found {}", self.service, node.kind_name());
                self.error(node, m);
                None
            }
        }
    }

    fn bool(&mut self, node: &Node, what: &str) -> Option<bool> {
        let s = node.as_str()?;
        match s.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "on" => Some(true),
            "false" | "no" | "n" | "off" => Some(false),
            _ => {
                let m = format!("invalid boolean {s:?} for `{what}` of service `{}`", self.service);
                self.error(node, m);
                None
            }
        }
    }

    fn bytes(&mut self, node: &Node, what: &str) -> Option<u64> {
        let s = node.as_str()?;
        match parse_bytes(s.trim()) {
            Ok(v) => Some(v),
            Err(_) => {
                let m = format!("invalid memory value {s:?} for `{what}` of service `{}`", self.service);
                self.error(node, m);
                None
            }
        }
    }

    /// Bytes where `-1` means unlimited.
    fn signed_bytes(&mut self, node: &Node, what: &str) -> Option<i64> {
        if node.as_str().map(str::trim) == Some("-1") {
            return Some(-1);
        }
        self.bytes(node, what).map(|v| i64::try_from(v).unwrap_or(i64::MAX))
    }

    fn duration(&mut self, node: &Node, what: &str) -> Option<u64> {
        let s = node.as_str()?;
        match parse_duration_ms(s.trim()) {
            Ok(v) => Some(v),
            Err(e) => {
                let m = format!("{e} for `{what}` of service `{}`", self.service);
                self.error(node, m);
                None
            }
        }
    }

    fn int<T: std::str::FromStr>(&mut self, node: &Node, what: &str) -> Option<T> {
        let s = node.as_str()?;
        match s.trim().parse::<T>() {
            Ok(v) => Some(v),
            Err(_) => {
                let m = format!("invalid number {s:?} for `{what}` of service `{}`", self.service);
                self.error(node, m);
                None
            }
        }
    }

    fn cpus(&mut self, node: &Node, what: &str) -> Option<f64> {
        let s = node.as_str()?;
        match s.trim().parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => Some(v),
            _ => {
                let m = format!("invalid cpu value {s:?} for `{what}` of service `{}`", self.service);
                self.error(node, m);
                None
            }
        }
    }

    fn strings(&mut self, node: &Node, what: &str) -> Vec<String> {
        match &node.value {
            Value::Seq(items) => items.iter().filter_map(|i| self.string(i, what)).collect(),
            Value::Scalar(s) => vec![s.clone()],
            Value::Null => Vec::new(),
            Value::Map(_) => {
                let m = format!("`{what}` of service `{}` must be a list", self.service);
                self.error(node, m);
                Vec::new()
            }
        }
    }

    /// A mapping (already canonicalized from list form) as key/value pairs.
    fn key_values(&mut self, node: &Node, what: &str) -> Vec<KeyValue> {
        match &node.value {
            Value::Map(entries) => entries
                .iter()
                .map(|(k, v)| KeyValue {
                    name: k.as_str().unwrap_or_default().to_owned(),
                    value: match &v.value {
                        Value::Scalar(s) => Some(s.clone()),
                        Value::Null => None,
                        _ => Some(v.to_json().to_string()),
                    },
                })
                .collect(),
            Value::Null => Vec::new(),
            _ => {
                let m = format!("`{what}` of service `{}` must be a mapping or a list", self.service);
                self.error(node, m);
                Vec::new()
            }
        }
    }

    /// A command or entrypoint: a list as is, a string split like a POSIX shell.
    fn command(&mut self, node: &Node, what: &str) -> Option<Vec<String>> {
        match &node.value {
            Value::Null => None,
            Value::Seq(items) => Some(items.iter().filter_map(|i| self.string(i, what)).collect()),
            Value::Scalar(s) => match split_shell_words(s) {
                Ok(words) => Some(words),
                Err(e) => {
                    let m = format!("invalid `{what}` of service `{}`: {e}", self.service);
                    self.error(node, m);
                    None
                }
            },
            Value::Map(_) => {
                let m = format!("`{what}` of service `{}` must be a string or a list", self.service);
                self.error(node, m);
                None
            }
        }
    }
}

/// Normalize a merged compose document into the model (name, files and profiles are set by the caller).
pub fn normalize(doc: &Node, ctx: &Context<'_>, diags: &mut Vec<Diagnostic>) -> Project {
    let mut project = Project::default();
    let mut top_ext = serde_json::Map::new();
    if let Some(entries) = doc.as_map() {
        for (k, v) in entries {
            let key = k.as_str().unwrap_or_default();
            if key.starts_with("x-") {
                top_ext.insert(key.to_owned(), v.to_json());
            } else if !TOP_LEVEL_KEYS.contains(&key) {
                diags.push(Diagnostic::error(Some(k.location()), format!("unknown top-level key `{key}`")));
            }
        }
    }
    project.extensions = serde_json::Value::Object(top_ext).to_string();
    project.networks = declarations(doc.get("networks"), "network", diags);
    project.volumes = declarations(doc.get("volumes"), "volume", diags);
    project.secrets = declarations(doc.get("secrets"), "secret", diags);
    project.configs = declarations(doc.get("configs"), "config", diags);

    let services_node = doc.get("services");
    let services: &[(Node, Node)] = match services_node.map(|n| &n.value) {
        Some(Value::Map(entries)) => entries,
        Some(Value::Null) | None => &[],
        Some(_) => {
            if let Some(n) = services_node {
                diags.push(Diagnostic::error(Some(n.location()), "`services` must be a mapping"));
            }
            &[]
        }
    };
    let names: HashSet<&str> = services.iter().filter_map(|(k, _)| k.as_str()).collect();
    let declared = |list: &[ResourceDecl]| list.iter().map(|d| d.name.clone()).collect::<HashSet<String>>();
    let refs = Refs {
        services: &names,
        networks: declared(&project.networks),
        volumes: declared(&project.volumes),
        secrets: declared(&project.secrets),
        configs: declared(&project.configs),
    };
    for (k, v) in services {
        let name = k.as_str().unwrap_or_default();
        if !v.is_map_or_null() {
            diags.push(Diagnostic::error(Some(v.location()), format!("service `{name}` must be a mapping")));
            continue;
        }
        let mut norm = Norm { ctx, diags, service: name.to_owned() };
        let service = normalize_service(&mut norm, name, v, &refs);
        if profile_enabled(&service.profiles, ctx.profiles) {
            project.services.push(service);
        }
    }
    check_cycles(services, diags);
    project
}

trait MapOrNull {
    fn is_map_or_null(&self) -> bool;
}

impl MapOrNull for Node {
    fn is_map_or_null(&self) -> bool {
        matches!(self.value, Value::Map(_) | Value::Null)
    }
}

/// Whether a service with `profiles` runs when `active` profiles are selected (none: every service).
pub fn profile_enabled(profiles: &[String], active: &[String]) -> bool {
    active.is_empty()
        || profiles.is_empty()
        || active.iter().any(|a| a == "*")
        || profiles.iter().any(|p| active.iter().any(|a| a == p))
}

struct Refs<'a> {
    services: &'a HashSet<&'a str>,
    networks: HashSet<String>,
    volumes: HashSet<String>,
    secrets: HashSet<String>,
    configs: HashSet<String>,
}

fn declarations(node: Option<&Node>, kind: &str, diags: &mut Vec<Diagnostic>) -> Vec<ResourceDecl> {
    let Some(node) = node else { return Vec::new() };
    let entries = match &node.value {
        Value::Map(e) => e,
        Value::Null => return Vec::new(),
        _ => {
            diags.push(Diagnostic::error(Some(node.location()), format!("top-level `{kind}s` must be a mapping")));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (k, v) in entries {
        let name = k.as_str().unwrap_or_default().to_owned();
        let mut decl = ResourceDecl { name: name.clone(), ..ResourceDecl::default() };
        let mut ext = serde_json::Map::new();
        match &v.value {
            Value::Map(fields) => {
                for (fk, fv) in fields {
                    match fk.as_str().unwrap_or_default() {
                        "external" => {
                            decl.external = match &fv.value {
                                Value::Scalar(s) => s.eq_ignore_ascii_case("true"),
                                Value::Map(_) => true,
                                _ => false,
                            };
                        }
                        "driver" => decl.driver = fv.as_str().map(str::to_owned),
                        other => {
                            ext.insert(other.to_owned(), fv.to_json());
                        }
                    }
                }
            }
            Value::Null => {}
            _ => diags.push(Diagnostic::error(Some(v.location()), format!("{kind} `{name}` must be a mapping"))),
        }
        decl.extensions = serde_json::Value::Object(ext).to_string();
        out.push(decl);
    }
    out
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

fn normalize_service(n: &mut Norm<'_, '_>, name: &str, node: &Node, refs: &Refs<'_>) -> Service {
    let mut s = Service { name: name.to_owned(), ..Service::default() };
    let mut ext = serde_json::Map::new();
    let entries = node.as_map().unwrap_or_default();
    for (k, v) in entries {
        let key = k.as_str().unwrap_or_default();
        if key.starts_with("x-") || (SERVICE_KEYS.contains(&key) && !TYPED_KEYS.contains(&key)) {
            ext.insert(key.to_owned(), v.to_json());
        } else if !SERVICE_KEYS.contains(&key) {
            n.error(k, format!("service `{name}` has an unknown key `{key}`"));
        }
    }
    s.extensions = serde_json::Value::Object(ext).to_string();
    collect_templates(node, &mut Vec::new(), &mut s.templates);
    let get = |key: &str| node.get(key);

    if let Some(v) = get("image") {
        s.image = n.string(v, "image").map(|raw| parse_image_ref(&raw));
    }
    if let Some(v) = get("build") {
        s.build = build(n, v);
    }
    if s.image.is_none() && s.build.is_none() && get("extends").is_none() && get("provider").is_none() {
        n.error(node, format!("service `{name}` has neither an image nor a build context specified"));
    }
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
    if let Some(v) = get("restart") {
        s.restart = n.string(v, "restart");
        if let Some(r) = &s.restart {
            let base = r.split(':').next().unwrap_or_default();
            if !matches!(base, "no" | "always" | "on-failure" | "unless-stopped") {
                n.error(v, format!("invalid restart policy {r:?} for service `{name}`"));
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
    if let Some(mode) = &s.network_mode
        && let Some(other) = mode.strip_prefix("service:")
        && !refs.services.contains(other)
        && let Some(v) = get("network_mode")
    {
        n.error(v, format!("service `{name}` uses the network of undefined service `{other}`"));
    }
    if let Some(v) = get("networks") {
        match &v.value {
            Value::Map(entries) => {
                for (k, _) in entries {
                    let net = k.as_str().unwrap_or_default().to_owned();
                    if net != "default" && !refs.networks.contains(&net) {
                        n.error(k, format!("service `{name}` refers to undefined network `{net}`"));
                    }
                    s.networks.push(net);
                }
            }
            Value::Null => {}
            _ => n.error(v, format!("`networks` of service `{name}` must be a list or a mapping")),
        }
    }
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
        s.devices = match &v.value {
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
        };
    }
    if let Some(v) = get("volumes_from") {
        for item in v.as_seq().unwrap_or_default() {
            let Some(text) = item.as_str() else { continue };
            let target = text.split(':').collect::<Vec<_>>();
            let service = match target.as_slice() {
                ["container", ..] => None,
                ["service", svc, ..] => Some(*svc),
                [svc, ..] => Some(*svc),
                [] => None,
            };
            if let Some(svc) = service
                && !refs.services.contains(svc)
            {
                n.error(item, format!("service `{name}` mounts volumes from undefined service `{svc}`"));
            }
        }
    }
    s
}

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
    let dockerfile = node.get("dockerfile").and_then(|d| n.string(d, "build.dockerfile"));
    let target = node.get("target").and_then(|t| n.string(t, "build.target"));
    let args = node.get("args").map(|a| n.key_values(a, "build.args")).unwrap_or_default();
    Some(Build { context, context_index: None, dockerfile, dockerfile_index: None, target, target_stage: None, args })
}

fn ports(n: &mut Norm<'_, '_>, node: &Node) -> Vec<Port> {
    let mut out = Vec::new();
    let Some(items) = node.as_seq() else {
        if !node.is_null() {
            let m = format!("`ports` of service `{}` must be a list", n.service);
            n.error(node, m);
        }
        return out;
    };
    for item in items {
        match &item.value {
            Value::Scalar(s) => match parse_port_spec(s) {
                Ok(mut ports) => out.append(&mut ports),
                Err(e) => {
                    let m = format!("invalid port {s:?} of service `{}`: {e}", n.service);
                    n.error(item, m);
                }
            },
            Value::Map(_) => {
                let target = item.get("target").and_then(|t| n.string(t, "ports.target"));
                let Some(target) = target else {
                    let m = format!("a port of service `{}` has no `target`", n.service);
                    n.error(item, m);
                    continue;
                };
                let Ok(target_port) =
                    target.trim().parse::<u32>().map_err(|_| ()).and_then(|p| valid_port(p).ok_or(()))
                else {
                    let m = format!("invalid port {target:?} of service `{}`", n.service);
                    n.error(item.get("target").unwrap_or(item), m);
                    continue;
                };
                let published = item.get("published").and_then(|p| n.string(p, "ports.published"));
                if let Some(p) = &published
                    && parse_range(p).is_none()
                {
                    let m = format!("invalid published port {p:?} of service `{}`", n.service);
                    n.error(item.get("published").unwrap_or(item), m);
                }
                let protocol = item
                    .get("protocol")
                    .and_then(|p| n.string(p, "ports.protocol"))
                    .unwrap_or_else(|| "tcp".to_owned());
                out.push(Port {
                    target: target_port,
                    published,
                    host_ip: item.get("host_ip").and_then(|h| n.string(h, "ports.host_ip")),
                    protocol,
                    mode: item.get("mode").and_then(|m| n.string(m, "ports.mode")),
                });
            }
            _ => {
                let m = format!("a port of service `{}` must be a string or a mapping", n.service);
                n.error(item, m);
            }
        }
    }
    out
}

fn valid_port(p: u32) -> Option<u32> {
    (1..=65535).contains(&p).then_some(p)
}

/// `8000` or `8000-8010` → (start, end).
fn parse_range(s: &str) -> Option<(u32, u32)> {
    let s = s.trim();
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let a: u32 = a.parse().ok()?;
    let b: u32 = b.parse().ok()?;
    if a > b || b > 65535 {
        return None;
    }
    Some((a, b))
}

/// Parse a short-syntax port (`[ip:][published:]target[/protocol]`), expanding ranges like Compose.
pub fn parse_port_spec(spec: &str) -> Result<Vec<Port>, String> {
    let spec = spec.trim();
    let (rest, protocol) = match spec.rsplit_once('/') {
        Some((r, p)) => (r, p.to_owned()),
        None => (spec, "tcp".to_owned()),
    };
    if !matches!(protocol.as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!("unknown protocol {protocol:?}"));
    }
    // Split off an IPv6 host address in brackets first.
    let (ip, rest) = if let Some(after) = rest.strip_prefix('[') {
        let (ip, tail) = after.split_once(']').ok_or("unclosed `[` in the host address")?;
        (Some(ip.to_owned()), tail.strip_prefix(':').ok_or("expected `:` after the host address")?)
    } else {
        (None, rest)
    };
    let parts: Vec<&str> = rest.split(':').collect();
    let (ip, published, target) = match (ip, parts.as_slice()) {
        (None, [t]) => (None, None, *t),
        (None, [p, t]) => (None, Some(*p), *t),
        (None, [i, p, t]) => (Some((*i).to_owned()), Some(*p), *t),
        (Some(i), [p, t]) => (Some(i), Some(*p), *t),
        (Some(i), [t]) => (Some(i), None, *t),
        _ => return Err("expected [host_ip:][published:]target[/protocol]".to_owned()),
    };
    let ip = ip.filter(|i| !i.is_empty());
    let published = published.filter(|p| !p.is_empty());
    let (t0, t1) =
        parse_range(target).filter(|(a, _)| *a > 0).ok_or_else(|| format!("invalid container port {target:?}"))?;
    let host = match published {
        Some(p) => Some(parse_range(p).ok_or_else(|| format!("invalid published port {p:?}"))?),
        None => None,
    };
    let count = t1 - t0 + 1;
    let mut out = Vec::new();
    for i in 0..count {
        let published = match host {
            None => None,
            Some((h0, h1)) if count == 1 => Some(if h0 == h1 { h0.to_string() } else { format!("{h0}-{h1}") }),
            Some((h0, h1)) if h1 - h0 + 1 == count => Some((h0 + i).to_string()),
            Some((h0, h1)) if h0 == h1 => Some((h0 + i).to_string()),
            Some(_) => return Err("the published and container port ranges have different sizes".to_owned()),
        };
        out.push(Port { target: t0 + i, published, host_ip: ip.clone(), protocol: protocol.clone(), mode: None });
    }
    Ok(out)
}

fn volumes(n: &mut Norm<'_, '_>, node: &Node, refs: &Refs<'_>) -> Vec<Mount> {
    let mut out = Vec::new();
    let Some(items) = node.as_seq() else {
        if !node.is_null() {
            let m = format!("`volumes` of service `{}` must be a list", n.service);
            n.error(node, m);
        }
        return out;
    };
    for item in items {
        let mount = match &item.value {
            Value::Scalar(s) => short_volume(n, s),
            Value::Map(_) => {
                let kind = match item.get("type").and_then(Node::as_str).unwrap_or("volume") {
                    "bind" => MountKind::Bind,
                    "volume" => MountKind::Volume,
                    "tmpfs" => MountKind::Tmpfs,
                    "npipe" => MountKind::Npipe,
                    "cluster" => MountKind::Cluster,
                    "image" => MountKind::Image,
                    other => {
                        let m = format!("unknown volume type {other:?} in service `{}`", n.service);
                        n.error(item.get("type").unwrap_or(item), m);
                        continue;
                    }
                };
                let Some(target) = item.get("target").and_then(|t| n.string(t, "volumes.target")) else {
                    let m = format!("a volume of service `{}` has no `target`", n.service);
                    n.error(item, m);
                    continue;
                };
                let mut source = item.get("source").and_then(|t| n.string(t, "volumes.source"));
                if kind == MountKind::Bind {
                    source = source.map(|s| absolute_bind(n, &s));
                }
                let read_only = item.get("read_only").and_then(|r| n.bool(r, "volumes.read_only")).unwrap_or(false);
                Some(Mount { kind, source, target, read_only })
            }
            _ => {
                let m = format!("a volume of service `{}` must be a string or a mapping", n.service);
                n.error(item, m);
                None
            }
        };
        let Some(mount) = mount else {
            if let Some(s) = item.as_str() {
                let m = format!("invalid volume {s:?} of service `{}`", n.service);
                n.error(item, m);
            }
            continue;
        };
        if mount.kind == MountKind::Volume
            && let Some(src) = &mount.source
            && !src.is_empty()
            && !refs.volumes.contains(src)
        {
            let m = format!("service `{}` refers to undefined volume `{src}`", n.service);
            n.error(item, m);
        }
        out.push(mount);
    }
    out
}

fn short_volume(n: &mut Norm<'_, '_>, spec: &str) -> Option<Mount> {
    let parts: Vec<&str> = spec.split(':').collect();
    let (source, target, mode) = match parts.as_slice() {
        [t] => (None, *t, None),
        [s, t] => (Some(*s), *t, None),
        [s, t, m] => (Some(*s), *t, Some(*m)),
        _ => return None,
    };
    if target.is_empty() {
        return None;
    }
    let read_only = mode.is_some_and(|m| m.split(',').any(|o| o == "ro"));
    Some(match source {
        None => Mount { kind: MountKind::Volume, source: None, target: target.to_owned(), read_only },
        Some(s) if s.starts_with('.') || s.starts_with('/') || s.starts_with('~') || s.contains('/') => {
            Mount { kind: MountKind::Bind, source: Some(absolute_bind(n, s)), target: target.to_owned(), read_only }
        }
        Some("") => return None,
        Some(s) => Mount { kind: MountKind::Volume, source: Some(s.to_owned()), target: target.to_owned(), read_only },
    })
}

fn absolute_bind(n: &Norm<'_, '_>, source: &str) -> String {
    if let Some(rest) = source.strip_prefix('~')
        && (rest.is_empty() || rest.starts_with('/'))
        && let Some(home) = n.ctx.env.get("HOME")
    {
        return clean(&Path::new(home).join(rest.trim_start_matches('/'))).to_string_lossy().into_owned();
    }
    clean(&n.ctx.project_dir.join(source)).to_string_lossy().into_owned()
}

fn healthcheck(n: &mut Norm<'_, '_>, node: &Node) -> Option<Healthcheck> {
    if node.is_null() {
        return None;
    }
    if node.as_map().is_none() {
        let m = format!("`healthcheck` of service `{}` must be a mapping", n.service);
        n.error(node, m);
        return None;
    }
    let mut h = Healthcheck::default();
    if let Some(t) = node.get("test") {
        h.test = match &t.value {
            Value::Scalar(s) => vec!["CMD-SHELL".to_owned(), s.clone()],
            Value::Seq(_) => n.strings(t, "healthcheck.test"),
            _ => Vec::new(),
        };
    }
    if let Some(d) = node.get("disable") {
        h.disabled = n.bool(d, "healthcheck.disable").unwrap_or(false);
        if h.disabled && h.test.is_empty() {
            h.test = vec!["NONE".to_owned()];
        }
    }
    if h.test.first().map(String::as_str) == Some("NONE") {
        h.disabled = true;
    }
    if let Some(first) = h.test.first()
        && !matches!(first.as_str(), "NONE" | "CMD" | "CMD-SHELL")
        && let Some(t) = node.get("test")
    {
        let m = format!(
            "the healthcheck test of service `{}` must start with \"CMD\", \"CMD-SHELL\" or \"NONE\", found {first:?}",
            n.service
        );
        n.error(t, m);
    }
    h.interval = node.get("interval").and_then(|v| n.duration(v, "healthcheck.interval"));
    h.timeout = node.get("timeout").and_then(|v| n.duration(v, "healthcheck.timeout"));
    h.start_period = node.get("start_period").and_then(|v| n.duration(v, "healthcheck.start_period"));
    h.start_interval = node.get("start_interval").and_then(|v| n.duration(v, "healthcheck.start_interval"));
    h.retries = node.get("retries").and_then(|v| n.int(v, "healthcheck.retries"));
    Some(h)
}

fn depends_on(n: &mut Norm<'_, '_>, node: &Node, refs: &Refs<'_>) -> Vec<Dependency> {
    let mut out = Vec::new();
    let Some(entries) = node.as_map() else {
        if !node.is_null() {
            let m = format!("`depends_on` of service `{}` must be a list or a mapping", n.service);
            n.error(node, m);
        }
        return out;
    };
    for (k, v) in entries {
        let service = k.as_str().unwrap_or_default().to_owned();
        let mut dep = Dependency {
            service: service.clone(),
            condition: "service_started".to_owned(),
            required: true,
            restart: false,
        };
        if let Some(c) = v.get("condition").and_then(|c| n.string(c, "depends_on.condition")) {
            if !matches!(c.as_str(), "service_started" | "service_healthy" | "service_completed_successfully") {
                let m = format!("invalid condition {c:?} for the dependency of service `{}` on `{service}`", n.service);
                n.error(v.get("condition").unwrap_or(v), m);
            }
            dep.condition = c;
        }
        if let Some(r) = v.get("required") {
            dep.required = n.bool(r, "depends_on.required").unwrap_or(true);
        }
        if let Some(r) = v.get("restart") {
            dep.restart = n.bool(r, "depends_on.restart").unwrap_or(false);
        }
        if !refs.services.contains(service.as_str()) {
            let m = format!("service `{}` depends on undefined service `{service}`", n.service);
            n.error(k, m);
        }
        out.push(dep);
    }
    out
}

fn resource_set(n: &mut Norm<'_, '_>, node: Option<&Node>, what: &str) -> ResourceSet {
    let mut set = ResourceSet::default();
    let Some(node) = node else { return set };
    set.memory = node.get("memory").and_then(|v| n.bytes(v, &format!("deploy.resources.{what}.memory")));
    set.cpus = node.get("cpus").and_then(|v| n.cpus(v, &format!("deploy.resources.{what}.cpus")));
    set.pids = node.get("pids").and_then(|v| n.int(v, &format!("deploy.resources.{what}.pids")));
    set
}

fn device_request(n: &mut Norm<'_, '_>, item: &Node, what: &str, default_gpu: bool) -> Option<DeviceRequest> {
    if item.as_map().is_none() {
        let m = format!("a device request in `{what}` of service `{}` must be a mapping", n.service);
        n.error(item, m);
        return None;
    }
    let mut d = DeviceRequest::default();
    match item.get("capabilities") {
        Some(c) => d.capabilities = n.strings(c, "capabilities"),
        None if default_gpu => d.capabilities = vec!["gpu".to_owned()],
        None => {
            let m = format!("a device reservation of service `{}` has no `capabilities` (e.g. [gpu])", n.service);
            n.error(item, m);
        }
    }
    d.driver = item.get("driver").and_then(|v| n.string(v, "driver"));
    if let Some(c) = item.get("count") {
        match c.as_str() {
            Some(s) if s.eq_ignore_ascii_case("all") => d.count = Some(DeviceCount::All),
            Some(s) if s.trim() == "-1" => d.count = Some(DeviceCount::All),
            Some(_) => d.count = n.int(c, "count").map(DeviceCount::Count),
            None => {}
        }
    }
    if let Some(ids) = item.get("device_ids") {
        d.device_ids = n.strings(ids, "device_ids");
        if d.count.is_none() {
            d.count = Some(DeviceCount::Count(u32::try_from(d.device_ids.len()).unwrap_or(u32::MAX)));
        }
    }
    if let Some(o) = item.get("options") {
        d.options = n.key_values(o, "options");
    }
    Some(d)
}

fn resources(n: &mut Norm<'_, '_>, node: &Node, s: &mut Service) {
    let deploy = node.get("deploy").filter(|d| !d.is_null());
    let res = deploy.and_then(|d| d.get("resources"));
    let r = &mut s.resources;
    r.limits = resource_set(n, res.and_then(|r| r.get("limits")), "limits");
    let reservations = res.and_then(|r| r.get("reservations"));
    r.reservations = resource_set(n, reservations, "reservations");
    if let Some(devices) = reservations.and_then(|r| r.get("devices")) {
        for item in devices.as_seq().unwrap_or_default() {
            if let Some(d) = device_request(n, item, "deploy.resources.reservations.devices", false) {
                r.devices.push(d);
            }
        }
    }
    if let Some(g) = node.get("gpus") {
        match &g.value {
            Value::Scalar(v) if v == "all" => {
                r.devices.push(DeviceRequest {
                    capabilities: vec!["gpu".to_owned()],
                    count: Some(DeviceCount::All),
                    ..DeviceRequest::default()
                });
            }
            Value::Seq(items) => {
                for item in items {
                    if let Some(d) = device_request(n, item, "gpus", true) {
                        r.devices.push(d);
                    }
                }
            }
            _ => {
                let m = format!("`gpus` of service `{}` must be `all` or a list", n.service);
                n.error(g, m);
            }
        }
    }
    let l = &mut r.legacy;
    l.mem_limit = node.get("mem_limit").and_then(|v| n.bytes(v, "mem_limit"));
    l.mem_reservation = node.get("mem_reservation").and_then(|v| n.bytes(v, "mem_reservation"));
    l.memswap_limit = node.get("memswap_limit").and_then(|v| n.signed_bytes(v, "memswap_limit"));
    l.cpus = node.get("cpus").and_then(|v| n.cpus(v, "cpus"));
    l.cpu_shares = node.get("cpu_shares").and_then(|v| n.int(v, "cpu_shares"));
    l.pids_limit = node.get("pids_limit").and_then(|v| n.int(v, "pids_limit"));
    r.shm_size = node.get("shm_size").and_then(|v| n.bytes(v, "shm_size"));
    r.memory_limit = r.limits.memory.or(l.mem_limit);
    r.memory_reservation = r.reservations.memory.or(l.mem_reservation);
    r.cpu_limit = r.limits.cpus.or(l.cpus);
    r.cpu_reservation = r.reservations.cpus;
    r.pids_limit = r.limits.pids.or(l.pids_limit);

    if let Some(d) = deploy {
        s.replicas = d.get("replicas").and_then(|v| n.int(v, "deploy.replicas"));
        if let Some(p) = d.get("restart_policy").filter(|p| !p.is_null()) {
            s.restart_policy = Some(RestartPolicy {
                condition: p.get("condition").and_then(|v| n.string(v, "deploy.restart_policy.condition")),
                delay: p.get("delay").and_then(|v| n.duration(v, "deploy.restart_policy.delay")),
                max_attempts: p.get("max_attempts").and_then(|v| n.int(v, "deploy.restart_policy.max_attempts")),
                window: p.get("window").and_then(|v| n.duration(v, "deploy.restart_policy.window")),
            });
        }
    }
    if s.replicas.is_none() {
        s.replicas = node.get("scale").and_then(|v| n.int(v, "scale"));
    }
}

fn secret_refs(n: &mut Norm<'_, '_>, node: &Node, kind: &str, declared: &HashSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    for item in node.as_seq().unwrap_or_default() {
        let (name, at) = match &item.value {
            Value::Scalar(s) => (s.clone(), item),
            Value::Map(_) => match item.get("source").and_then(Node::as_str) {
                Some(s) => (s.to_owned(), item.get("source").unwrap_or(item)),
                None => {
                    let m = format!("a {kind} of service `{}` has no `source`", n.service);
                    n.error(item, m);
                    continue;
                }
            },
            _ => continue,
        };
        if !declared.contains(&name) {
            let m = format!("service `{}` refers to undefined {kind} `{name}`", n.service);
            n.error(at, m);
        }
        out.push(name);
    }
    out
}

fn ulimits(n: &mut Norm<'_, '_>, node: &Node) -> Vec<Ulimit> {
    let mut out = Vec::new();
    for (k, v) in node.as_map().unwrap_or_default() {
        let name = k.as_str().unwrap_or_default().to_owned();
        match &v.value {
            Value::Scalar(_) => {
                if let Some(x) = n.int::<i64>(v, &format!("ulimits.{name}")) {
                    out.push(Ulimit { name, soft: x, hard: x });
                }
            }
            Value::Map(_) => {
                let soft = v.get("soft").and_then(|x| n.int::<i64>(x, &format!("ulimits.{name}.soft")));
                let hard = v.get("hard").and_then(|x| n.int::<i64>(x, &format!("ulimits.{name}.hard")));
                match (soft, hard) {
                    (Some(soft), Some(hard)) => out.push(Ulimit { name, soft, hard }),
                    _ => {
                        let m = format!("ulimit `{name}` of service `{}` needs `soft` and `hard`", n.service);
                        n.error(v, m);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Report `depends_on` cycles, once per cycle, at the first dependency that closes it.
fn check_cycles(services: &[(Node, Node)], diags: &mut Vec<Diagnostic>) {
    let mut graph: HashMap<&str, Vec<(&str, &Node)>> = HashMap::new();
    for (k, v) in services {
        let name = k.as_str().unwrap_or_default();
        let deps = v
            .get("depends_on")
            .and_then(Node::as_map)
            .map(|d| d.iter().filter_map(|(dk, _)| dk.as_str().map(|s| (s, dk))).collect())
            .unwrap_or_default();
        graph.insert(name, deps);
    }
    // Iterative DFS with colors: 0 new, 1 on stack, 2 done.
    let mut color: HashMap<&str, u8> = HashMap::new();
    for (k, _) in services {
        let Some(start) = k.as_str() else { continue };
        if color.get(start).copied().unwrap_or(0) != 0 {
            continue;
        }
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        color.insert(start, 1);
        while let Some((node, i)) = stack.last().copied() {
            let deps = graph.get(node).map(Vec::as_slice).unwrap_or_default();
            if let Some((dep, at)) = deps.get(i) {
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
                match color.get(dep).copied().unwrap_or(0) {
                    0 if graph.contains_key(dep) => {
                        color.insert(dep, 1);
                        stack.push((dep, 0));
                    }
                    1 => {
                        let from = stack.iter().position(|(n, _)| n == dep).unwrap_or(0);
                        let mut chain: Vec<&str> = stack[from..].iter().map(|(n, _)| *n).collect();
                        chain.push(dep);
                        diags.push(Diagnostic::error(
                            Some(at.location()),
                            format!("dependency cycle between services: {}", chain.join(" -> ")),
                        ));
                    }
                    _ => {}
                }
            } else {
                color.insert(node, 2);
                stack.pop();
            }
        }
    }
}

/// Split a command string into words like a POSIX shell (quotes and backslashes; no expansion).
pub fn split_shell_words(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => word.push(ch),
                        None => return Err("unterminated single quote".to_owned()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(ch @ ('"' | '\\' | '$' | '`')) => word.push(ch),
                            Some('\n') => {}
                            Some(ch) => {
                                word.push('\\');
                                word.push(ch);
                            }
                            None => return Err("unterminated double quote".to_owned()),
                        },
                        Some(ch) => word.push(ch),
                        None => return Err("unterminated double quote".to_owned()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') => {}
                    Some(ch) => word.push(ch),
                    None => word.push('\\'),
                }
            }
            _ => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// Whether a scalar was quoted (kept for callers that need to tell `"8080:80"` from a number).
pub fn is_quoted(node: &Node) -> bool {
    node.style == Style::Quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words() {
        assert_eq!(
            split_shell_words(r#"sh -c "echo \"hi\" $X" 'a b'"#).ok(),
            Some(vec!["sh".to_owned(), "-c".to_owned(), "echo \"hi\" $X".to_owned(), "a b".to_owned()])
        );
        assert!(split_shell_words("echo 'oops").is_err());
    }

    #[test]
    fn port_specs() {
        let p = parse_port_spec("127.0.0.1:8080:80/udp").expect("valid");
        assert_eq!(p.len(), 1);
        assert_eq!(
            (p[0].target, p[0].published.as_deref(), p[0].host_ip.as_deref()),
            (80, Some("8080"), Some("127.0.0.1"))
        );
        assert_eq!(p[0].protocol, "udp");
        let p = parse_port_spec("8000-8002:9000-9002").expect("valid");
        assert_eq!(
            p.iter().map(|x| (x.target, x.published.clone())).collect::<Vec<_>>(),
            vec![(9000, Some("8000".to_owned())), (9001, Some("8001".to_owned())), (9002, Some("8002".to_owned()))]
        );
        let p = parse_port_spec("[::1]:5000:5000").expect("valid");
        assert_eq!(p[0].host_ip.as_deref(), Some("::1"));
        assert_eq!(parse_port_spec("3000-3001").expect("valid").len(), 2);
        assert!(parse_port_spec("80000").is_err());
        assert!(parse_port_spec("0").is_err());
        assert!(parse_port_spec("8000-8001:9000-9005").is_err());
        assert!(parse_port_spec("80/icmp").is_err());
    }
}
