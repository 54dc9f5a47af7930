//! Docker Engine API → Compose: a container-create body (or a container as `inspect` shows it)
//! becomes a Compose service with the same values.
//!
//! Field by field, the create body's `Config` part (top level) and its `HostConfig` are written
//! as the Compose keys Docker Compose itself turns into them (`HostConfig.Memory` ↔ `mem_limit`,
//! `NanoCpus` ↔ `cpus`, `DeviceRequests` ↔ `deploy.resources.reservations.devices`, durations in
//! nanoseconds ↔ milliseconds), so a rule sees the same service either way. Wrong types are errors
//! naming the field; fields the model has no use for are left out. Nothing here talks to a daemon.

use serde_json::{Map, Value};

use crate::compose::{Translated, Tree};
use crate::fields::{Fields, kind};

/// A create body that cannot be translated: which field, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranslateError(pub String);

impl std::fmt::Display for TranslateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TranslateError {}

type Result<T> = std::result::Result<T, TranslateError>;

/// The Docker Compose labels of a container: which project and service it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposeLabels {
    /// `com.docker.compose.project`.
    pub project: String,
    /// `com.docker.compose.service`.
    pub service: String,
    /// `com.docker.compose.project.working_dir`.
    pub working_dir: Option<String>,
    /// `com.docker.compose.project.config_files`, split at commas.
    pub config_files: Vec<String>,
}

/// A container the daemon already has, as `GET /containers/{id}/json` shows it, counted for the
/// host's budgets.
#[derive(Debug, Clone)]
pub struct Existing {
    /// The container's name (without the leading `/`).
    pub name: String,
    /// The inspect document.
    pub inspect: Value,
}

/// The Compose labels of a create body, when Docker Compose created it.
pub fn compose_labels(body: &Value) -> Option<ComposeLabels> {
    let labels = body.get("Labels")?.as_object()?;
    let text = |key: &str| labels.get(key).and_then(Value::as_str).map(str::to_string);
    Some(ComposeLabels {
        project: text("com.docker.compose.project")?,
        service: text("com.docker.compose.service")?,
        working_dir: text("com.docker.compose.project.working_dir"),
        config_files: text("com.docker.compose.project.config_files")
            .map(|s| s.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect())
            .unwrap_or_default(),
    })
}

/// The service name a create is checked under: the Compose service when Docker Compose created
/// it, else the container's name, else `container`; made a valid Compose service name.
pub fn service_name(body: &Value, container_name: Option<&str>) -> String {
    let from_labels = compose_labels(body).map(|l| l.service);
    let raw = from_labels.or_else(|| container_name.map(|n| n.trim_start_matches('/').to_string())).unwrap_or_default();
    let cleaned: String =
        raw.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '-' }).collect();
    let cleaned = cleaned.trim_start_matches(['.', '-', '_']).to_string();
    if cleaned.is_empty() { "container".into() } else { cleaned }
}

/// Translate a create body (`POST /containers/create?name=…`) into a one-service Compose
/// document, with the containers the daemon already runs as further services (named
/// `running-<name>`) so the host's budgets count them.
pub fn translate_create(body: &Value, container_name: Option<&str>, existing: &[Existing]) -> Result<Translated> {
    if !body.is_object() {
        return Err(TranslateError(format!("the create body is {}, not a JSON object", kind(body))));
    }
    // The daemon reads field names case-insensitively (Go's encoding/json): read them as it does.
    let body = &canonical(body, &CONTAINER, "")?;
    let object = body.as_object().expect("checked above");
    let host = match object.get("HostConfig") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(v @ Value::Object(_)) => v.clone(),
        Some(other) => return Err(TranslateError(format!("HostConfig: expected an object, found {}", kind(other)))),
    };
    let name = service_name(body, container_name);
    let project = compose_labels(body).map(|l| l.project).unwrap_or_else(|| "docker".into());
    let mut root = Tree::map();
    root.set("name", Tree::scalar(clean_project(&project)));
    root.set("x-plimsoll-source", source("docker"));
    let mut declared = Declared::default();
    let mut admitted = service(body, "", &host, "HostConfig", &mut declared)?;
    if let Some(n) = container_name.filter(|n| !n.is_empty()) {
        admitted.set("container_name", Tree::scalar(n.trim_start_matches('/')));
    }
    let mut notes = Vec::new();
    let services = vec![(name.clone(), String::new())];
    root.entry("services").set(&name, admitted.from(""));
    for (i, other) in existing.iter().enumerate() {
        let config = other.inspect.get("Config").cloned().unwrap_or(Value::Null);
        let host = other.inspect.get("HostConfig").cloned().unwrap_or(Value::Null);
        let origin = format!("running[{i}]");
        let (config, host) =
            match (canonical(&config, &CONTAINER, "Config"), canonical(&host, &HOST_CONFIG, "HostConfig")) {
                (Ok(c), Ok(h)) => (c, h),
                (Err(e), _) | (_, Err(e)) => {
                    notes.push(format!("running container `{}` is not counted: {e}", other.name));
                    continue;
                }
            };
        match service(&config, &format!("{origin}.Config"), &host, &format!("{origin}.HostConfig"), &mut declared) {
            Ok(mut s) => {
                // A running container's image and name matter only for the budgets and for
                // conflicts; what it was built from is not this request's business.
                s.set("container_name", Tree::scalar(other.name.clone()));
                let base = format!("running-{}", service_name(&Value::Null, Some(&other.name)));
                let services = root.entry("services");
                let mut running = base.clone();
                let mut n = 2;
                // Never the admitted service's name, never another running one's.
                while services.get(&running).is_some() {
                    running = format!("{base}-{n}");
                    n += 1;
                }
                services.set(&running, s.from(origin));
            }
            Err(e) => notes.push(format!("running container `{}` is not counted: {e}", other.name)),
        }
    }
    declared.write(&mut root);
    let mut doc = Translated::write(&root, "");
    doc.services = services;
    doc.notes = notes;
    Ok(doc)
}

/// The create body a container would have after `POST /containers/{id}/update` with `update`:
/// its inspect document's `Config` with its `HostConfig` overlaid by the update's resource fields.
/// As the daemon does, a zero, empty or null field changes nothing (the client sends every field).
pub fn after_update(inspect: &Value, update: &Value) -> Result<Value> {
    if !update.is_object() {
        return Err(TranslateError(format!("the update body is {}, not a JSON object", kind(update))));
    }
    let update = canonical(update, &HOST_CONFIG, "")?;
    let changes = update.as_object().expect("checked above");
    let mut body = inspect.get("Config").cloned().unwrap_or_else(|| Value::Object(Map::new()));
    let mut host = inspect.get("HostConfig").cloned().unwrap_or_else(|| Value::Object(Map::new()));
    if let (Some(host), Some(body)) = (host.as_object_mut(), body.as_object_mut()) {
        // Inspect shows the daemon's defaults as if chosen: the cgroup namespace is `host` by
        // default on cgroup v1 hosts. An update cannot change it; the create was checked for it.
        host.remove("CgroupnsMode");
        for (key, value) in changes {
            // `PidsLimit` is a pointer in an update: any number is a change, 0 or less is unlimited.
            if key == "PidsLimit" && value.is_number() {
                host.insert(key.clone(), value.clone());
                continue;
            }
            let unchanged = match value {
                Value::Null => true,
                Value::Number(n) => n.as_f64() == Some(0.0),
                Value::String(s) => s.is_empty(),
                Value::Array(a) => a.is_empty(),
                Value::Object(o) => o.get("Name").and_then(Value::as_str) == Some("") || o.is_empty(),
                Value::Bool(_) => false,
            };
            if !unchanged {
                host.insert(key.clone(), value.clone());
            }
        }
        body.insert("HostConfig".into(), Value::Object(host.clone()));
    }
    Ok(body)
}

/// The fields of a struct the daemon decodes, and what each holds.
struct Schema {
    fields: &'static [(&'static str, Child)],
}

/// What a field of a [`Schema`] holds, for the fields whose own keys are field names too.
#[derive(Clone, Copy)]
enum Child {
    /// A value whose keys (if any) are data, not field names.
    Leaf,
    /// A struct.
    Struct(&'static Schema),
    /// A list of structs.
    Structs(&'static Schema),
    /// A map (data keys) of lists of structs (`PortBindings`).
    MapOfStructs(&'static Schema),
}

const CONTAINER: Schema = Schema {
    fields: &[
        ("Image", Child::Leaf),
        ("User", Child::Leaf),
        ("WorkingDir", Child::Leaf),
        ("Entrypoint", Child::Leaf),
        ("Cmd", Child::Leaf),
        ("Env", Child::Leaf),
        ("Labels", Child::Leaf),
        ("Healthcheck", Child::Struct(&HEALTHCHECK)),
        ("ExposedPorts", Child::Leaf),
        ("StopSignal", Child::Leaf),
        ("Hostname", Child::Leaf),
        ("Domainname", Child::Leaf),
        ("Tty", Child::Leaf),
        ("OpenStdin", Child::Leaf),
        ("HostConfig", Child::Struct(&HOST_CONFIG)),
    ],
};

const HEALTHCHECK: Schema = Schema {
    fields: &[
        ("Test", Child::Leaf),
        ("Interval", Child::Leaf),
        ("Timeout", Child::Leaf),
        ("StartPeriod", Child::Leaf),
        ("StartInterval", Child::Leaf),
        ("Retries", Child::Leaf),
    ],
};

const HOST_CONFIG: Schema = Schema {
    fields: &[
        ("Memory", Child::Leaf),
        ("MemoryReservation", Child::Leaf),
        ("MemorySwap", Child::Leaf),
        ("ShmSize", Child::Leaf),
        ("CpuShares", Child::Leaf),
        ("NanoCpus", Child::Leaf),
        ("CpuQuota", Child::Leaf),
        ("CpuPeriod", Child::Leaf),
        ("PidsLimit", Child::Leaf),
        ("Privileged", Child::Leaf),
        ("ReadonlyRootfs", Child::Leaf),
        ("Init", Child::Leaf),
        ("OomKillDisable", Child::Leaf),
        ("CapAdd", Child::Leaf),
        ("CapDrop", Child::Leaf),
        ("SecurityOpt", Child::Leaf),
        ("GroupAdd", Child::Leaf),
        ("PidMode", Child::Leaf),
        ("IpcMode", Child::Leaf),
        ("UsernsMode", Child::Leaf),
        ("CgroupnsMode", Child::Leaf),
        ("Runtime", Child::Leaf),
        ("NetworkMode", Child::Leaf),
        ("Binds", Child::Leaf),
        ("Mounts", Child::Structs(&MOUNT)),
        ("Tmpfs", Child::Leaf),
        ("PortBindings", Child::MapOfStructs(&PORT_BINDING)),
        ("RestartPolicy", Child::Struct(&RESTART_POLICY)),
        ("LogConfig", Child::Struct(&LOG_CONFIG)),
        ("Devices", Child::Structs(&DEVICE)),
        ("DeviceRequests", Child::Structs(&DEVICE_REQUEST)),
        ("Ulimits", Child::Structs(&ULIMIT)),
        ("Sysctls", Child::Leaf),
        ("MaskedPaths", Child::Leaf),
        ("ReadonlyPaths", Child::Leaf),
        ("VolumesFrom", Child::Leaf),
    ],
};

const MOUNT: Schema = Schema {
    fields: &[("Type", Child::Leaf), ("Source", Child::Leaf), ("Target", Child::Leaf), ("ReadOnly", Child::Leaf)],
};
const PORT_BINDING: Schema = Schema { fields: &[("HostIp", Child::Leaf), ("HostPort", Child::Leaf)] };
const RESTART_POLICY: Schema = Schema { fields: &[("Name", Child::Leaf), ("MaximumRetryCount", Child::Leaf)] };
const LOG_CONFIG: Schema = Schema { fields: &[("Type", Child::Leaf), ("Config", Child::Leaf)] };
const DEVICE: Schema = Schema {
    fields: &[("PathOnHost", Child::Leaf), ("PathInContainer", Child::Leaf), ("CgroupPermissions", Child::Leaf)],
};
const DEVICE_REQUEST: Schema = Schema {
    fields: &[
        ("Driver", Child::Leaf),
        ("Count", Child::Leaf),
        ("DeviceIDs", Child::Leaf),
        ("Capabilities", Child::Leaf),
        ("Options", Child::Leaf),
    ],
};
const ULIMIT: Schema = Schema { fields: &[("Name", Child::Leaf), ("Soft", Child::Leaf), ("Hard", Child::Leaf)] };

/// Whether a JSON key names `field` as Go's encoding/json matches it: case-insensitively, with
/// the two non-ASCII letters that fold to ASCII (`ſ` is `s`, the Kelvin sign is `k`).
fn folds_to(key: &str, field: &str) -> bool {
    let fold = |c: char| match c {
        '\u{17F}' => 's',
        '\u{212A}' => 'k',
        c => c.to_ascii_lowercase(),
    };
    key.chars().map(fold).eq(field.chars().map(|c| c.to_ascii_lowercase()))
}

/// `value` with the keys of the struct `schema` spelled as the fields they decode into; two keys
/// for one field are an error (which one the daemon takes depends on their order).
fn canonical(value: &Value, schema: &Schema, origin: &str) -> Result<Value> {
    let Value::Object(map) = value else { return Ok(value.clone()) };
    let path = |key: &str| if origin.is_empty() { key.to_string() } else { format!("{origin}.{key}") };
    let mut out = Map::new();
    let mut taken: Vec<&str> = Vec::new();
    for (key, child) in map {
        let Some((field, kind)) = schema.fields.iter().find(|(f, _)| folds_to(key, f)) else {
            out.insert(key.clone(), child.clone());
            continue;
        };
        if taken.contains(field) {
            return Err(TranslateError(format!("{}: given twice, in different case", path(field))));
        }
        taken.push(field);
        let child = match kind {
            Child::Leaf => child.clone(),
            Child::Struct(s) => canonical(child, s, &path(field))?,
            Child::Structs(s) => match child {
                Value::Array(items) => Value::Array(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| canonical(item, s, &format!("{}[{i}]", path(field))))
                        .collect::<Result<_>>()?,
                ),
                other => other.clone(),
            },
            Child::MapOfStructs(s) => match child {
                Value::Object(entries) => {
                    let mut m = Map::new();
                    for (k, v) in entries {
                        let converted = match v {
                            Value::Array(items) => Value::Array(
                                items
                                    .iter()
                                    .enumerate()
                                    .map(|(i, item)| canonical(item, s, &format!("{}.{k}[{i}]", path(field))))
                                    .collect::<Result<_>>()?,
                            ),
                            other => other.clone(),
                        };
                        m.insert(k.clone(), converted);
                    }
                    Value::Object(m)
                }
                other => other.clone(),
            },
        };
        out.insert(field.to_string(), child);
    }
    Ok(Value::Object(out))
}

/// Named volumes and networks the service uses, declared at the top level as external (they
/// exist on the daemon already, or the daemon creates them).
#[derive(Default)]
struct Declared {
    volumes: Vec<String>,
    networks: Vec<String>,
}

impl Declared {
    fn write(self, root: &mut Tree) {
        for (key, names) in [("volumes", self.volumes), ("networks", self.networks)] {
            if names.is_empty() {
                continue;
            }
            let section = root.entry(key);
            for name in names {
                let mut decl = Tree::map();
                decl.set("external", Tree::scalar(true));
                section.set(&name, decl);
            }
        }
    }
}

/// One service from a container's `Config` (at `config_origin`) and `HostConfig` (at `host_origin`).
fn service(
    config: &Value,
    config_origin: &str,
    host: &Value,
    host_origin: &str,
    declared: &mut Declared,
) -> Result<Tree> {
    let c = Fields::new(config, config_origin);
    let h = Fields::new(host, host_origin);
    let mut s = Tree::map();
    let image = c.string("Image")?;
    if let Some(image) = image {
        s.set("image", Tree::scalar(image).from(c.path("Image")));
    } else if config_origin.is_empty() {
        return Err(TranslateError("Image: the create body names no image".into()));
    }
    if let Some(user) = c.string("User")? {
        s.set("user", Tree::scalar(user).from(c.path("User")));
    }
    if let Some(dir) = c.string("WorkingDir")? {
        s.set("working_dir", Tree::scalar(dir).from(c.path("WorkingDir")));
    }
    for (key, field) in [("entrypoint", "Entrypoint"), ("command", "Cmd")] {
        if c.raw(field).is_some() {
            let words = c.strings(field)?;
            s.set(key, Tree::strings(words).from(c.path(field)));
        }
    }
    let env = c.strings("Env")?;
    if !env.is_empty() {
        let mut map = Tree::map().from(c.path("Env"));
        for (i, entry) in env.iter().enumerate() {
            let (name, value) = match entry.split_once('=') {
                Some((n, v)) => (n, Value::String(v.to_string())),
                None => (*entry, Value::Null),
            };
            if name.is_empty() {
                return Err(TranslateError(format!("{}[{i}]: an environment entry needs a name", c.path("Env"))));
            }
            map.set(name, Tree::scalar(value).from(format!("{}[{i}]", c.path("Env"))));
        }
        s.set("environment", map);
    }
    if let Some(labels) = c.object("Labels")?
        && !labels.is_empty()
    {
        let mut map = Tree::map().from(c.path("Labels"));
        for (name, value) in labels {
            let text = value.as_str().ok_or_else(|| c.wrong(&format!("Labels.{name}"), "a string", value))?;
            map.set(name, Tree::scalar(text).from(format!("{}.{name}", c.path("Labels"))));
        }
        s.set("labels", map);
    }
    if let Some(check) = c.object("Healthcheck")? {
        s.set("healthcheck", healthcheck(check, &c.path("Healthcheck"))?);
    }
    if let Some(ports) = c.object("ExposedPorts")?
        && !ports.is_empty()
    {
        s.set("expose", Tree::strings(ports.keys().cloned()).from(c.path("ExposedPorts")));
    }
    for (key, field) in [("stop_signal", "StopSignal"), ("hostname", "Hostname"), ("domainname", "Domainname")] {
        if let Some(v) = c.string(field)? {
            s.set(key, Tree::scalar(v).from(c.path(field)));
        }
    }
    for (key, field) in [("tty", "Tty"), ("stdin_open", "OpenStdin")] {
        if c.bool(field)? {
            s.set(key, Tree::scalar(true).from(c.path(field)));
        }
    }
    host_config(&h, &mut s, declared)?;
    Ok(s)
}

/// The `HostConfig` part of a service.
fn host_config(h: &Fields<'_>, s: &mut Tree, declared: &mut Declared) -> Result<()> {
    for (key, field) in [
        ("mem_limit", "Memory"),
        ("mem_reservation", "MemoryReservation"),
        ("shm_size", "ShmSize"),
        ("cpu_shares", "CpuShares"),
    ] {
        if let Some(n) = h.positive(field)? {
            s.set(key, Tree::scalar(n).from(h.path(field)));
        }
    }
    if let Some(n) = h.int("MemorySwap")?.filter(|n| *n != 0) {
        s.set("memswap_limit", Tree::scalar(n).from(h.path("MemorySwap")));
    }
    if let Some(nano) = h.positive("NanoCpus")? {
        s.set("cpus", Tree::scalar(nano as f64 / 1e9).from(h.path("NanoCpus")));
    } else if let Some(quota) = h.positive("CpuQuota")? {
        let period = h.positive("CpuPeriod")?.unwrap_or(100_000);
        s.set("cpus", Tree::scalar(quota as f64 / period as f64).from(h.path("CpuQuota")));
    }
    if let Some(n) = h.int("PidsLimit")?.filter(|n| *n != 0) {
        s.set("pids_limit", Tree::scalar(n).from(h.path("PidsLimit")));
    }
    for (key, field) in [("privileged", "Privileged"), ("read_only", "ReadonlyRootfs"), ("init", "Init")] {
        if h.bool(field)? {
            s.set(key, Tree::scalar(true).from(h.path(field)));
        }
    }
    if h.bool("OomKillDisable")? {
        s.set("oom_kill_disable", Tree::scalar(true).from(h.path("OomKillDisable")));
    }
    for (key, field) in
        [("cap_add", "CapAdd"), ("cap_drop", "CapDrop"), ("security_opt", "SecurityOpt"), ("group_add", "GroupAdd")]
    {
        let list = h.strings(field)?;
        if !list.is_empty() {
            let items = list.iter().enumerate().map(|(i, v)| Tree::scalar(*v).from(format!("{}[{i}]", h.path(field))));
            s.set(key, Tree::list(items.collect()).from(h.path(field)));
        }
    }
    for (key, field) in
        [("pid", "PidMode"), ("ipc", "IpcMode"), ("userns_mode", "UsernsMode"), ("cgroup", "CgroupnsMode")]
    {
        if let Some(mode) = h.string(field)? {
            let default = matches!((field, mode), ("IpcMode", "private" | "shareable") | ("CgroupnsMode", "private"));
            if !default {
                s.set(key, Tree::scalar(mode).from(h.path(field)));
            }
        }
    }
    // `--security-opt systempaths=unconfined` reaches the daemon as empty masked and read-only paths.
    let empty = |key: &str| matches!(h.raw(key), Some(Value::Array(a)) if a.is_empty());
    if empty("MaskedPaths") || empty("ReadonlyPaths") {
        let origin = if empty("MaskedPaths") { h.path("MaskedPaths") } else { h.path("ReadonlyPaths") };
        let mut options: Vec<Tree> = match s.get("security_opt") {
            Some(Tree { node: crate::compose::Node::List(items), .. }) => items.clone(),
            _ => Vec::new(),
        };
        options.push(Tree::scalar("systempaths=unconfined").from(origin));
        s.set("security_opt", Tree::list(options).from(h.path("SecurityOpt")));
    }
    let from = h.strings("VolumesFrom")?;
    if !from.is_empty() {
        s.set("volumes_from", Tree::strings(from).from(h.path("VolumesFrom")));
    }
    if let Some(runtime) = h.string("Runtime")?.filter(|r| *r != "runc") {
        s.set("runtime", Tree::scalar(runtime).from(h.path("Runtime")));
    }
    network(h, s, declared)?;
    mounts(h, s, declared)?;
    ports(h, s)?;
    if let Some(policy) = h.object("RestartPolicy")? {
        let p = Fields { object: Some(policy), origin: h.path("RestartPolicy") };
        if let Some(name) = p.string("Name")? {
            let value = match (name, p.positive("MaximumRetryCount")?) {
                ("on-failure", Some(n)) => format!("on-failure:{n}"),
                (name, _) => name.to_string(),
            };
            s.set("restart", Tree::scalar(value).from(h.path("RestartPolicy")));
        }
    }
    if let Some(log) = h.object("LogConfig")? {
        let l = Fields { object: Some(log), origin: h.path("LogConfig") };
        if let Some(driver) = l.string("Type")? {
            let mut logging = Tree::map().from(h.path("LogConfig"));
            logging.set("driver", Tree::scalar(driver).from(l.path("Type")));
            if let Some(options) = l.object("Config")?
                && !options.is_empty()
            {
                let mut map = Tree::map().from(l.path("Config"));
                for (k, v) in options {
                    let text = v.as_str().ok_or_else(|| l.wrong(&format!("Config.{k}"), "a string", v))?;
                    map.set(k, Tree::scalar(text).from(format!("{}.{k}", l.path("Config"))));
                }
                logging.set("options", map);
            }
            s.set("logging", logging);
        }
    }
    let devices = h.array("Devices")?;
    if !devices.is_empty() {
        let mut items = Vec::new();
        for (i, d) in devices.iter().enumerate() {
            let f = Fields::new(d, &format!("{}[{i}]", h.path("Devices")));
            let Some(on_host) = f.string("PathOnHost")? else {
                return Err(TranslateError(format!("{}: a device needs `PathOnHost`", f.origin)));
            };
            let inside = f.string("PathInContainer")?.unwrap_or(on_host);
            let text = match f.string("CgroupPermissions")? {
                Some(p) => format!("{on_host}:{inside}:{p}"),
                None => format!("{on_host}:{inside}"),
            };
            items.push(Tree::scalar(text).from(f.origin.clone()));
        }
        s.set("devices", Tree::list(items).from(h.path("Devices")));
    }
    let requests = h.array("DeviceRequests")?;
    if !requests.is_empty() {
        let mut items = Vec::new();
        for (i, r) in requests.iter().enumerate() {
            let f = Fields::new(r, &format!("{}[{i}]", h.path("DeviceRequests")));
            let mut item = Tree::map();
            if let Some(driver) = f.string("Driver")? {
                item.set("driver", Tree::scalar(driver));
            }
            let ids = f.strings("DeviceIDs")?;
            match f.int("Count")? {
                Some(-1) => item.set("count", Tree::scalar("all")),
                Some(n) if n > 0 => item.set("count", Tree::scalar(n)),
                Some(n) if n < 0 => {
                    return Err(TranslateError(format!("{}: `Count` is {n}; -1 means all devices", f.origin)));
                }
                _ if ids.is_empty() => item.set("count", Tree::scalar("all")),
                _ => {}
            }
            if !ids.is_empty() {
                item.set("device_ids", Tree::strings(ids));
            }
            // `Capabilities` is a list of alternatives, each a list of capabilities; Compose
            // writes one alternative.
            let mut capabilities = Vec::new();
            for (j, alternative) in f.array("Capabilities")?.iter().enumerate() {
                let words = match alternative {
                    Value::Array(words) => words,
                    other => return Err(f.wrong(&format!("Capabilities[{j}]"), "a list of strings", other)),
                };
                for w in words {
                    let text =
                        w.as_str().ok_or_else(|| f.wrong(&format!("Capabilities[{j}]"), "a list of strings", w))?;
                    if !capabilities.contains(&text) {
                        capabilities.push(text);
                    }
                }
            }
            if capabilities.is_empty() {
                capabilities.push("gpu");
            }
            item.set("capabilities", Tree::strings(capabilities));
            if let Some(options) = f.object("Options")?
                && !options.is_empty()
            {
                let mut map = Tree::map();
                for (k, v) in options {
                    let text = v.as_str().ok_or_else(|| f.wrong(&format!("Options.{k}"), "a string", v))?;
                    map.set(k, Tree::scalar(text));
                }
                item.set("options", map);
            }
            items.push(item.from(f.origin.clone()));
        }
        s.entry("deploy")
            .entry("resources")
            .entry("reservations")
            .set("devices", Tree::list(items).from(h.path("DeviceRequests")));
    }
    let ulimits = h.array("Ulimits")?;
    if !ulimits.is_empty() {
        let mut map = Tree::map().from(h.path("Ulimits"));
        for (i, u) in ulimits.iter().enumerate() {
            let f = Fields::new(u, &format!("{}[{i}]", h.path("Ulimits")));
            let Some(name) = f.string("Name")? else {
                return Err(TranslateError(format!("{}: a ulimit needs `Name`", f.origin)));
            };
            let mut limit = Tree::map().from(f.origin.clone());
            limit.set("soft", Tree::scalar(f.int("Soft")?.unwrap_or(0)));
            limit.set("hard", Tree::scalar(f.int("Hard")?.unwrap_or(0)));
            map.set(name, limit);
        }
        s.set("ulimits", map);
    }
    if let Some(sysctls) = h.object("Sysctls")?
        && !sysctls.is_empty()
    {
        let mut map = Tree::map().from(h.path("Sysctls"));
        for (k, v) in sysctls {
            let text = v.as_str().ok_or_else(|| h.wrong(&format!("Sysctls.{k}"), "a string", v))?;
            map.set(k, Tree::scalar(text));
        }
        s.set("sysctls", map);
    }
    Ok(())
}

/// `NetworkMode`: the modes Compose writes as `network_mode`, else a network the service joins.
fn network(h: &Fields<'_>, s: &mut Tree, declared: &mut Declared) -> Result<()> {
    let Some(mode) = h.string("NetworkMode")? else { return Ok(()) };
    match mode {
        "default" | "bridge" => {}
        "host" | "none" => s.set("network_mode", Tree::scalar(mode).from(h.path("NetworkMode"))),
        m if m.starts_with("container:") => s.set("network_mode", Tree::scalar(m).from(h.path("NetworkMode"))),
        name => {
            let name = name.to_string();
            s.set("networks", Tree::strings([name.clone()]).from(h.path("NetworkMode")));
            if !declared.networks.contains(&name) {
                declared.networks.push(name);
            }
        }
    }
    Ok(())
}

/// `Binds`, `Mounts` and `Tmpfs` as Compose `volumes` (long syntax) and `tmpfs`.
fn mounts(h: &Fields<'_>, s: &mut Tree, declared: &mut Declared) -> Result<()> {
    let mut volumes = Vec::new();
    let named = |name: &str, declared: &mut Declared| {
        if !declared.volumes.iter().any(|v| v == name) {
            declared.volumes.push(name.to_string());
        }
    };
    for (i, bind) in h.strings("Binds")?.iter().enumerate() {
        let origin = format!("{}[{i}]", h.path("Binds"));
        let mut parts = bind.splitn(3, ':');
        let (Some(source), Some(target)) = (parts.next(), parts.next()) else {
            return Err(TranslateError(format!("{origin}: expected `SOURCE:TARGET[:OPTIONS]`")));
        };
        let options = parts.next().unwrap_or("");
        let read_only = options.split(',').any(|o| o == "ro");
        let bind_mount = source.starts_with('/') || source.starts_with('.') || source.starts_with('~');
        let mut item = Tree::map();
        item.set("type", Tree::scalar(if bind_mount { "bind" } else { "volume" }));
        item.set("source", Tree::scalar(source));
        item.set("target", Tree::scalar(target));
        if read_only {
            item.set("read_only", Tree::scalar(true));
        }
        if !bind_mount {
            named(source, declared);
        }
        volumes.push(item.from(origin));
    }
    for (i, mount) in h.array("Mounts")?.iter().enumerate() {
        let f = Fields::new(mount, &format!("{}[{i}]", h.path("Mounts")));
        let kind = f.string("Type")?.unwrap_or("volume");
        if !["bind", "volume", "tmpfs", "npipe", "cluster", "image"].contains(&kind) {
            return Err(TranslateError(format!("{}: unknown mount type `{kind}`", f.path("Type"))));
        }
        let Some(target) = f.string("Target")? else {
            return Err(TranslateError(format!("{}: a mount needs `Target`", f.origin)));
        };
        let mut item = Tree::map();
        item.set("type", Tree::scalar(kind));
        if let Some(source) = f.string("Source")? {
            item.set("source", Tree::scalar(source));
            if kind == "volume" {
                named(source, declared);
            }
        }
        item.set("target", Tree::scalar(target));
        if f.bool("ReadOnly")? {
            item.set("read_only", Tree::scalar(true));
        }
        volumes.push(item.from(f.origin.clone()));
    }
    if !volumes.is_empty() {
        s.set("volumes", Tree::list(volumes));
    }
    if let Some(tmpfs) = h.object("Tmpfs")?
        && !tmpfs.is_empty()
    {
        let items = tmpfs.iter().map(|(path, options)| match options.as_str() {
            Some(o) if !o.is_empty() => Tree::scalar(format!("{path}:{o}")),
            _ => Tree::scalar(path.clone()),
        });
        s.set("tmpfs", Tree::list(items.collect()).from(h.path("Tmpfs")));
    }
    Ok(())
}

/// `PortBindings` as Compose `ports` (long syntax).
fn ports(h: &Fields<'_>, s: &mut Tree) -> Result<()> {
    let Some(bindings) = h.object("PortBindings")? else { return Ok(()) };
    let mut items = Vec::new();
    for (port, hosts) in bindings {
        let origin = format!("{}.{port}", h.path("PortBindings"));
        let (number, protocol) = port.split_once('/').unwrap_or((port.as_str(), "tcp"));
        let target: u32 =
            number.parse().map_err(|_| TranslateError(format!("{origin}: `{port}` is not a port (`80/tcp`)")))?;
        let hosts: &[Value] = match hosts {
            Value::Array(list) => list,
            Value::Null => &[],
            other => return Err(TranslateError(format!("{origin}: expected a list, found {}", kind(other)))),
        };
        for (i, binding) in hosts.iter().enumerate() {
            let f = Fields::new(binding, &format!("{origin}[{i}]"));
            let mut item = Tree::map();
            item.set("target", Tree::scalar(target));
            if let Some(published) = f.string("HostPort")? {
                item.set("published", Tree::scalar(published));
            }
            if let Some(ip) = f.string("HostIp")? {
                item.set("host_ip", Tree::scalar(ip));
            }
            item.set("protocol", Tree::scalar(protocol));
            items.push(item.from(f.origin.clone()));
        }
    }
    if !items.is_empty() {
        s.set("ports", Tree::list(items).from(h.path("PortBindings")));
    }
    Ok(())
}

/// `Healthcheck` (durations in nanoseconds) as a Compose healthcheck (milliseconds).
fn healthcheck(check: &Map<String, Value>, origin: &str) -> Result<Tree> {
    let f = Fields { object: Some(check), origin: origin.to_string() };
    let mut out = Tree::map().from(origin);
    let test = f.strings("Test")?;
    if test.first() == Some(&"NONE") {
        out.set("disable", Tree::scalar(true).from(f.path("Test")));
        return Ok(out);
    }
    if !test.is_empty() {
        out.set("test", Tree::strings(test).from(f.path("Test")));
    }
    for (key, field) in [
        ("interval", "Interval"),
        ("timeout", "Timeout"),
        ("start_period", "StartPeriod"),
        ("start_interval", "StartInterval"),
    ] {
        if let Some(ns) = f.positive(field)? {
            out.set(key, Tree::scalar(duration(ns)).from(f.path(field)));
        }
    }
    if let Some(n) = f.positive("Retries")? {
        out.set("retries", Tree::scalar(n).from(f.path("Retries")));
    }
    Ok(out)
}

/// Nanoseconds as a Compose duration (`1500ms`; `1us` below a millisecond).
fn duration(ns: i64) -> String {
    if ns % 1_000_000 == 0 { format!("{}ms", ns / 1_000_000) } else { format!("{}us", (ns / 1_000).max(1)) }
}

/// The top-level `x-plimsoll-source` extension: where the project came from, for rules that word
/// their help per source.
pub fn source(kind: &str) -> Tree {
    let mut tree = Tree::map();
    tree.set("kind", Tree::scalar(kind));
    tree
}

/// A project name as Compose normalizes it (lowercase letters, digits, `-`, `_`).
fn clean_project(name: &str) -> String {
    let cleaned: String = name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_')
        .collect();
    let trimmed = cleaned.trim_start_matches(['-', '_']).to_string();
    if trimmed.is_empty() { "docker".into() } else { trimmed }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn text(body: Value) -> String {
        translate_create(&body, Some("web-1"), &[]).unwrap().text
    }

    #[test]
    fn a_docker_run_body_becomes_the_compose_service_it_stands_for() {
        let body = json!({
            "Image": "nginx:1.27", "User": "101", "Cmd": ["nginx", "-g", "daemon off;"], "Env": ["A=1", "B", "C=$x"],
            "Labels": {"team": "web"}, "ExposedPorts": {"80/tcp": {}},
            "Healthcheck": {"Test": ["CMD", "curl", "-f", "http://localhost"], "Interval": 30_000_000_000i64, "Timeout": 1_500_000_000i64, "Retries": 3},
            "HostConfig": {
                "Memory": 268435456, "MemoryReservation": 134217728, "MemorySwap": -1, "NanoCpus": 1_500_000_000i64,
                "PidsLimit": 100, "Privileged": true, "CapAdd": ["NET_ADMIN"], "CapDrop": ["ALL"],
                "SecurityOpt": ["no-new-privileges:true"], "ReadonlyRootfs": true,
                "Binds": ["/var/run/docker.sock:/var/run/docker.sock:ro", "data:/data"],
                "Mounts": [{"Type": "tmpfs", "Target": "/tmp"}],
                "NetworkMode": "host", "PidMode": "host", "IpcMode": "private", "PortBindings": {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]},
                "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3}, "LogConfig": {"Type": "json-file", "Config": {"max-size": "10m"}},
                "ShmSize": 67108864, "Devices": [{"PathOnHost": "/dev/fuse", "PathInContainer": "/dev/fuse", "CgroupPermissions": "rwm"}],
                "DeviceRequests": [{"Driver": "nvidia", "Count": -1, "Capabilities": [["gpu"]]}]
            }
        });
        let doc = translate_create(&body, Some("/web-1"), &[]).unwrap();
        let expected = r#""name": "docker"
"x-plimsoll-source":
  "kind": "docker"
"services":
  "web-1":
    "image": "nginx:1.27"
    "user": "101"
    "command":
      - "nginx"
      - "-g"
      - "daemon off;"
    "environment":
      "A": "1"
      "B": null
      "C": "$$x"
    "labels":
      "team": "web"
    "healthcheck":
      "test":
        - "CMD"
        - "curl"
        - "-f"
        - "http://localhost"
      "interval": "30000ms"
      "timeout": "1500ms"
      "retries": 3
    "expose":
      - "80/tcp"
    "mem_limit": 268435456
    "mem_reservation": 134217728
    "shm_size": 67108864
    "memswap_limit": -1
    "cpus": 1.5
    "pids_limit": 100
    "privileged": true
    "read_only": true
    "cap_add":
      - "NET_ADMIN"
    "cap_drop":
      - "ALL"
    "security_opt":
      - "no-new-privileges:true"
    "pid": "host"
    "network_mode": "host"
    "volumes":
      - {"type": "bind", "source": "/var/run/docker.sock", "target": "/var/run/docker.sock", "read_only": true}
      - {"type": "volume", "source": "data", "target": "/data"}
      - {"type": "tmpfs", "target": "/tmp"}
    "ports":
      - {"target": 80, "published": "8080", "protocol": "tcp"}
    "restart": "on-failure:3"
    "logging":
      "driver": "json-file"
      "options":
        "max-size": "10m"
    "devices":
      - "/dev/fuse:/dev/fuse:rwm"
    "deploy":
      "resources":
        "reservations":
          "devices":
            - {"driver": "nvidia", "count": "all", "capabilities": ["gpu"]}
    "container_name": "web-1"
"volumes":
  "data":
    "external": true
"#;
        assert_eq!(doc.text, expected);
        let line = |needle: &str| doc.text.lines().position(|l| l.contains(needle)).unwrap() as u32 + 1;
        assert_eq!(doc.origin_of(line("mem_limit")), "HostConfig.Memory");
        assert_eq!(doc.origin_of(line("\"cpus\"")), "HostConfig.NanoCpus");
        assert_eq!(doc.origin_of(line("docker.sock")), "HostConfig.Binds[0]");
        assert_eq!(doc.origin_of(line("\"B\"")), "Env[1]");
        assert_eq!(doc.origin_of(line("\"timeout\"")), "Healthcheck.Timeout");
        assert_eq!(doc.origin_of(line("nvidia")), "HostConfig.DeviceRequests[0]");
        assert_eq!(doc.origin_of(line("web-1\":")), "");
        assert_eq!(doc.services, vec![("web-1".to_string(), String::new())]);
    }

    #[test]
    fn compose_labels_name_the_service_and_project() {
        let body = json!({"Image": "a:1", "Labels": {
            "com.docker.compose.project": "Shop", "com.docker.compose.service": "api",
            "com.docker.compose.project.working_dir": "/srv/shop",
            "com.docker.compose.project.config_files": "/srv/shop/compose.yaml,/srv/shop/compose.override.yaml"}});
        let labels = compose_labels(&body).unwrap();
        assert_eq!(labels.service, "api");
        assert_eq!(labels.config_files, vec!["/srv/shop/compose.yaml", "/srv/shop/compose.override.yaml"]);
        let doc = translate_create(&body, Some("shop-api-1"), &[]).unwrap();
        assert!(
            doc.text.starts_with(
                "\"name\": \"shop\"\n\"x-plimsoll-source\":\n  \"kind\": \"docker\"\n\"services\":\n  \"api\":\n"
            ),
            "{}",
            doc.text
        );
    }

    #[test]
    fn cpu_quota_devices_by_id_and_user_networks() {
        let got = text(json!({"Image": "a:1", "HostConfig": {
            "CpuQuota": 50000, "CpuPeriod": 100000, "NetworkMode": "shop_default",
            "DeviceRequests": [{"DeviceIDs": ["0", "1"], "Capabilities": [["gpu", "utility"]]}]}}));
        assert!(got.contains("\"cpus\": 0.5"), "{got}");
        assert!(got.contains("{\"device_ids\": [\"0\", \"1\"], \"capabilities\": [\"gpu\", \"utility\"]}"), "{got}");
        assert!(got.contains("\"networks\":\n      - \"shop_default\""), "{got}");
        assert!(got.ends_with("\"networks\":\n  \"shop_default\":\n    \"external\": true\n"), "{got}");
    }

    #[test]
    fn healthcheck_none_disables_and_odd_durations_keep_their_precision() {
        let got = text(json!({"Image": "a:1", "Healthcheck": {"Test": ["NONE"]}}));
        assert!(got.contains("\"healthcheck\":\n      \"disable\": true"), "{got}");
        assert_eq!(duration(1_500_000), "1500us");
        assert_eq!(duration(2_000_000_000), "2000ms");
    }

    #[test]
    fn wrong_types_and_shapes_are_errors_naming_the_field() {
        let err = |body: Value| translate_create(&body, None, &[]).unwrap_err().0;
        assert_eq!(err(json!([])), "the create body is a list, not a JSON object");
        assert_eq!(err(json!({})), "Image: the create body names no image");
        assert_eq!(err(json!({"Image": "a", "HostConfig": 3})), "HostConfig: expected an object, found a number");
        assert_eq!(
            err(json!({"Image": "a", "HostConfig": {"Memory": "1g"}})),
            "HostConfig.Memory: expected an integer, found a string"
        );
        assert_eq!(err(json!({"Image": "a", "Env": ["=x"]})), "Env[0]: an environment entry needs a name");
        assert_eq!(
            err(json!({"Image": "a", "HostConfig": {"Binds": ["/only"]}})),
            "HostConfig.Binds[0]: expected `SOURCE:TARGET[:OPTIONS]`"
        );
        assert_eq!(
            err(json!({"Image": "a", "HostConfig": {"PortBindings": {"http/tcp": []}}})),
            "HostConfig.PortBindings.http/tcp: `http/tcp` is not a port (`80/tcp`)"
        );
    }

    #[test]
    fn running_containers_become_budget_services() {
        let running = Existing {
            name: "db".into(),
            inspect: json!({"Config": {"Image": "postgres:16"}, "HostConfig": {"Memory": 1073741824, "MemoryReservation": 536870912}}),
        };
        let doc = translate_create(&json!({"Image": "a:1"}), Some("web"), &[running]).unwrap();
        assert!(
            doc.text.contains("  \"running-db\":\n    \"image\": \"postgres:16\"\n    \"mem_limit\": 1073741824\n"),
            "{}",
            doc.text
        );
        let line = doc.text.lines().position(|l| l.contains("mem_reservation")).unwrap() as u32 + 1;
        assert_eq!(doc.origin_of(line), "running[0].HostConfig.MemoryReservation");
        assert_eq!(doc.services.len(), 1);
    }

    #[test]
    fn field_names_are_read_as_the_daemon_reads_them() {
        // Go's encoding/json matches field names case-insensitively (and `ſ` as `s`).
        let doc = translate_create(
            &json!({"image": "a:1", "hostconfig": {"privileged": true, "binds": ["/:/h"], "\u{17F}hmSize": 1}}),
            None,
            &[],
        )
        .unwrap();
        assert!(doc.text.contains("\"privileged\": true"), "{}", doc.text);
        assert!(doc.text.contains("\"source\": \"/\""), "{}", doc.text);
        assert!(doc.text.contains("\"shm_size\": 1"), "{}", doc.text);
        let err = translate_create(
            &json!({"Image": "a:1", "HostConfig": {"Privileged": false, "privileged": true}}),
            None,
            &[],
        )
        .unwrap_err();
        assert_eq!(err.0, "HostConfig.Privileged: given twice, in different case");
        // Masked paths emptied (`systempaths=unconfined`) and volumes from another container.
        let doc = translate_create(
            &json!({"Image": "a:1", "HostConfig": {"MaskedPaths": [], "VolumesFrom": ["traefik"]}}),
            None,
            &[],
        )
        .unwrap();
        assert!(doc.text.contains("\"systempaths=unconfined\""), "{}", doc.text);
        assert!(doc.text.contains("\"volumes_from\":\n      - \"traefik\""), "{}", doc.text);
    }

    #[test]
    fn a_running_container_never_takes_the_admitted_name() {
        let running =
            Existing { name: "db".into(), inspect: json!({"Config": {"Image": "postgres:16"}, "HostConfig": {}}) };
        let doc = translate_create(
            &json!({"Image": "a:1", "HostConfig": {"Privileged": true}}),
            Some("running-db"),
            &[running],
        )
        .unwrap();
        assert!(doc.text.contains("  \"running-db\":\n    \"image\": \"a:1\""), "{}", doc.text);
        assert!(doc.text.contains("  \"running-db-2\":\n    \"image\": \"postgres:16\""), "{}", doc.text);
    }

    #[test]
    fn service_names_are_made_valid() {
        assert_eq!(service_name(&Value::Null, Some("/my app")), "my-app");
        assert_eq!(service_name(&Value::Null, None), "container");
        assert_eq!(service_name(&Value::Null, Some("_x")), "x");
    }

    #[test]
    fn an_update_overlays_the_container_it_changes() {
        let inspect = json!({"Config": {"Image": "a:1"}, "HostConfig": {"Memory": 1, "NanoCpus": 2}});
        let update = json!({"Memory": 0, "CpuShares": 512, "RestartPolicy": {"Name": "", "MaximumRetryCount": 0}, "Devices": null});
        let body = after_update(&inspect, &update).unwrap();
        assert_eq!(body, json!({"Image": "a:1", "HostConfig": {"Memory": 1, "NanoCpus": 2, "CpuShares": 512}}));
        // An explicit pids limit of 0 removes the limit.
        let inspect = json!({"Config": {"Image": "a:1"}, "HostConfig": {"PidsLimit": 100}});
        let body = after_update(&inspect, &json!({"pidsLimit": 0})).unwrap();
        assert_eq!(body["HostConfig"]["PidsLimit"], 0);
    }
}
