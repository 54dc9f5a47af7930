//! Kubernetes → Compose: a Pod, or the pod template of a workload, becomes one Compose service per
//! container and init container, named `<object>/<container>`.
//!
//! Resources come from `limits` (limits) and `requests` (reservations) in Kubernetes quantities,
//! extended `*/gpu` resources become GPU device requests, the liveness probe (else readiness, else
//! startup) becomes the healthcheck with the kubelet's defaults, the pod's and the container's
//! security contexts become user and privileges, host namespaces, `hostPath` volumes and host ports
//! what Compose calls them, `valueFrom` variables stay references (never literals), and what the
//! kubelet does by default is written out (logs rotated, containers restarted). Each value keeps the
//! JSON path of the field it came from. Nothing here talks to a cluster.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::compose::{Translated, Tree};
use crate::docker::TranslateError;
use crate::fields::{Fields, join, kind};

type Result<T> = std::result::Result<T, TranslateError>;

/// The kinds whose pod spec is checked, and where it is.
pub const KINDS: &[(&str, &str)] = &[
    ("Pod", "spec"),
    ("Deployment", "spec.template.spec"),
    ("StatefulSet", "spec.template.spec"),
    ("DaemonSet", "spec.template.spec"),
    ("ReplicaSet", "spec.template.spec"),
    ("ReplicationController", "spec.template.spec"),
    ("Job", "spec.template.spec"),
    ("CronJob", "spec.jobTemplate.spec.template.spec"),
];

/// Whether objects of `kind` are checked.
pub fn is_checked(kind: &str) -> bool {
    KINDS.iter().any(|(k, _)| *k == kind)
}

/// Translate one object (a Pod or a workload) into a Compose document; `None` for kinds that
/// carry no pod spec. `prefix` is put before every origin (`""`, or `items[2]` in a list).
pub fn translate(object: &Value, prefix: &str) -> Result<Option<Translated>> {
    let mut root = Tree::map();
    root.set("x-plimsoll-source", crate::docker::source("kubernetes"));
    let mut services = Vec::new();
    let mut notes = Vec::new();
    if !add_object(object, prefix, &mut root, &mut services, &mut notes)? {
        return Ok(None);
    }
    let mut doc = Translated::write(&root, prefix);
    doc.services = services;
    doc.notes = notes;
    Ok(Some(doc))
}

/// Translate the objects of a manifest (several documents) into one project; objects of other
/// kinds are skipped. `None` when none carries a pod spec.
pub fn translate_all(objects: &[(Value, String)]) -> Result<Option<Translated>> {
    let mut root = Tree::map();
    root.set("x-plimsoll-source", crate::docker::source("kubernetes"));
    let mut services = Vec::new();
    let mut notes = Vec::new();
    let mut any = false;
    for (object, prefix) in objects {
        // `kind: List` (what `kubectl get -o yaml` writes) holds its objects in `items`.
        if object.get("kind").and_then(Value::as_str) == Some("List") {
            for (i, item) in
                object.get("items").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default().iter().enumerate()
            {
                any |= add_object(item, &join(prefix, &format!("items[{i}]")), &mut root, &mut services, &mut notes)?;
            }
            continue;
        }
        any |= add_object(object, prefix, &mut root, &mut services, &mut notes)?;
    }
    if !any {
        return Ok(None);
    }
    let mut doc = Translated::write(&root, "");
    doc.services = services;
    doc.notes = notes;
    Ok(Some(doc))
}

fn add_object(
    object: &Value,
    prefix: &str,
    root: &mut Tree,
    services: &mut Vec<(String, String)>,
    notes: &mut Vec<String>,
) -> Result<bool> {
    let Some(map) = object.as_object() else {
        return Err(TranslateError(format!("{}: expected an object, found {}", origin_or_root(prefix), kind(object))));
    };
    let Some(kind_name) = map.get("kind").and_then(Value::as_str) else {
        return Err(TranslateError(format!("{}: the object has no `kind`", join(prefix, "kind"))));
    };
    let Some((_, spec_path)) = KINDS.iter().find(|(k, _)| *k == kind_name) else { return Ok(false) };
    let name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .or_else(|| object.pointer("/metadata/generateName").and_then(Value::as_str))
        .unwrap_or("object")
        .trim_end_matches('-')
        .to_string();
    let spec_origin = join(prefix, spec_path);
    let pointer = format!("/{}", spec_path.replace('.', "/"));
    let Some(spec) = object.pointer(&pointer) else {
        return Err(TranslateError(format!("{spec_origin}: the {kind_name} has no pod spec")));
    };
    let pod = Fields::new(spec, &spec_origin);
    // The pod (template)'s metadata sits next to its spec: `metadata`, `spec.template.metadata`, …
    let metadata_path = format!("{}metadata", spec_path.strip_suffix("spec").unwrap_or_default());
    let metadata_value = object.pointer(&format!("/{}", metadata_path.replace('.', "/"))).unwrap_or(&Value::Null);
    let metadata = Fields::new(metadata_value, &join(prefix, &metadata_path));
    let replicas = if matches!(kind_name, "Deployment" | "StatefulSet" | "ReplicaSet" | "ReplicationController") {
        let f = Fields::new(object.get("spec").unwrap_or(&Value::Null), &join(prefix, "spec"));
        Some(f.int("replicas")?.unwrap_or(1))
    } else {
        None
    };
    let restart = match pod.string("restartPolicy")? {
        Some("Always") | None if kind_name != "Job" && kind_name != "CronJob" => Some("always"),
        Some("Always") => Some("always"),
        Some("OnFailure") => Some("on-failure"),
        Some("Never") => Some("no"),
        None => None,
        Some(other) => {
            return Err(TranslateError(format!("{}: unknown restart policy `{other}`", pod.path("restartPolicy"))));
        }
    };
    let volumes = pod_volumes(&pod)?;
    let pod_security = pod.object("securityContext")?;
    let mut declared_volumes: Vec<String> = Vec::new();
    // Init containers run to completion first (unless they are sidecars, `restartPolicy: Always`);
    // ephemeral containers (`kubectl debug`) join a running pod.
    for (list, init) in [("initContainers", true), ("containers", false), ("ephemeralContainers", false)] {
        for (i, container) in pod.array(list)?.iter().enumerate() {
            let c = Fields::new(container, &format!("{}[{i}]", pod.path(list)));
            let Some(cname) = c.string("name")? else {
                return Err(TranslateError(format!("{}: a container needs a `name`", c.path("name"))));
            };
            let init = init && c.string("restartPolicy")? != Some("Always");
            // Two objects of one name (a Deployment and a CronJob `web`, say): the kind tells them apart.
            let mut service_name = format!("{name}/{cname}");
            if root.get("services").and_then(|s| s.get(&service_name)).is_some() {
                service_name = format!("{name}.{}/{cname}", kind_name.to_lowercase());
            }
            let mut n = 2;
            while root.get("services").and_then(|s| s.get(&service_name)).is_some() {
                service_name = format!("{name}.{}-{n}/{cname}", kind_name.to_lowercase());
                n += 1;
            }
            let legacy = legacy_profiles(&metadata, cname)?;
            let mut s = container_service(&c, &pod, pod_security, &legacy, &volumes, &mut declared_volumes, notes)?;
            if let Some(r) = replicas.filter(|_| !init) {
                s.entry("deploy").set("replicas", Tree::scalar(r).from(join(prefix, "spec.replicas")));
            }
            if let Some(restart) = restart.filter(|_| !init) {
                s.set("restart", Tree::scalar(restart).from(pod.path("restartPolicy")));
            }
            if init {
                // An init container runs to completion before the others: a job, not a server.
                s.set("restart", Tree::scalar("no").from(c.origin.clone()));
            }
            if pod.bool("hostNetwork")? {
                s.set("network_mode", Tree::scalar("host").from(pod.path("hostNetwork")));
            }
            if pod.bool("hostPID")? {
                s.set("pid", Tree::scalar("host").from(pod.path("hostPID")));
            }
            if pod.bool("hostIPC")? {
                s.set("ipc", Tree::scalar("host").from(pod.path("hostIPC")));
            }
            root.entry("services").set(&service_name, s.from(c.origin.clone()));
            services.push((service_name, c.origin.clone()));
        }
    }
    if !declared_volumes.is_empty() {
        let section = root.entry("volumes");
        for v in declared_volumes {
            section.set(&v, Tree::map());
        }
    }
    Ok(true)
}

/// A pod volume, as far as a container's mount of it matters.
#[derive(Debug, Clone)]
enum PodVolume {
    /// `hostPath`: a bind mount of this host path.
    HostPath(String),
    /// `emptyDir` with `medium: Memory`, and its size limit in bytes.
    Memory(Option<u64>),
    /// Anything else (emptyDir on disk, configMap, secret, persistentVolumeClaim, …).
    Other,
}

fn pod_volumes(pod: &Fields<'_>) -> Result<Vec<(String, PodVolume)>> {
    let mut out = Vec::new();
    for (i, v) in pod.array("volumes")?.iter().enumerate() {
        let f = Fields::new(v, &format!("{}[{i}]", pod.path("volumes")));
        let Some(name) = f.string("name")? else {
            return Err(TranslateError(format!("{}: a volume needs a `name`", f.path("name"))));
        };
        let volume = if let Some(host) = f.object("hostPath")? {
            let h = Fields { object: Some(host), origin: f.path("hostPath") };
            match h.string("path")? {
                Some(p) => PodVolume::HostPath(p.to_string()),
                None => return Err(TranslateError(format!("{}: `hostPath` needs a `path`", h.path("path")))),
            }
        } else if let Some(empty) = f.object("emptyDir")? {
            let e = Fields { object: Some(empty), origin: f.path("emptyDir") };
            if e.string("medium")? == Some("Memory") {
                let limit = match e.raw("sizeLimit") {
                    None => None,
                    Some(q) => Some(bytes(q, &e.path("sizeLimit"))?),
                };
                PodVolume::Memory(limit)
            } else {
                PodVolume::Other
            }
        } else {
            PodVolume::Other
        };
        out.push((name.to_string(), volume));
    }
    Ok(out)
}

fn container_service(
    c: &Fields<'_>,
    pod: &Fields<'_>,
    pod_security: Option<&Map<String, Value>>,
    legacy: &LegacyProfiles,
    volumes: &[(String, PodVolume)],
    declared: &mut Vec<String>,
    notes: &mut Vec<String>,
) -> Result<Tree> {
    let mut s = Tree::map();
    match c.string("image")? {
        Some(image) => s.set("image", Tree::scalar(image).from(c.path("image"))),
        None => return Err(TranslateError(format!("{}: the container names no image", c.path("image")))),
    }
    if c.raw("command").is_some() {
        s.set("entrypoint", Tree::strings(c.strings("command")?).from(c.path("command")));
    }
    if c.raw("args").is_some() {
        s.set("command", Tree::strings(c.strings("args")?).from(c.path("args")));
    }
    if let Some(dir) = c.string("workingDir")? {
        s.set("working_dir", Tree::scalar(dir).from(c.path("workingDir")));
    }
    let env = c.array("env")?;
    if !env.is_empty() {
        let mut map = Tree::map().from(c.path("env"));
        for (i, e) in env.iter().enumerate() {
            let f = Fields::new(e, &format!("{}[{i}]", c.path("env")));
            let Some(name) = f.string("name")? else {
                return Err(TranslateError(format!("{}: an environment variable needs a `name`", f.path("name"))));
            };
            // `valueFrom` (a secret, a config map, a field) is a reference: the value is not in
            // the object, so it is a variable without a value, never a literal.
            let value = match (f.raw("value"), f.raw("valueFrom")) {
                (Some(Value::String(v)), _) => Value::String(v.clone()),
                (Some(other), _) => return Err(f.wrong("value", "a string", other)),
                (None, _) => Value::Null,
            };
            map.set(name, Tree::scalar(value).from(f.origin.clone()));
        }
        s.set("environment", map);
    }
    resources(c, &mut s)?;
    healthcheck(c, &mut s)?;
    security(c, pod, pod_security, legacy, &mut s)?;
    // Ports: a host port is published on the node; the rest are what the container listens on.
    let mut published = Vec::new();
    let mut exposed = Vec::new();
    for (i, p) in c.array("ports")?.iter().enumerate() {
        let f = Fields::new(p, &format!("{}[{i}]", c.path("ports")));
        let Some(port) = f.int("containerPort")? else {
            return Err(TranslateError(format!("{}: a port needs `containerPort`", f.path("containerPort"))));
        };
        let protocol = f.string("protocol")?.unwrap_or("TCP").to_ascii_lowercase();
        match f.int("hostPort")?.filter(|p| *p > 0) {
            Some(host) => {
                let mut item = Tree::map();
                item.set("target", Tree::scalar(port));
                item.set("published", Tree::scalar(host.to_string()));
                if let Some(ip) = f.string("hostIP")? {
                    item.set("host_ip", Tree::scalar(ip));
                }
                item.set("protocol", Tree::scalar(protocol));
                published.push(item.from(f.origin.clone()));
            }
            None => exposed.push(Tree::scalar(format!("{port}/{protocol}")).from(f.origin.clone())),
        }
    }
    if !published.is_empty() {
        s.set("ports", Tree::list(published).from(c.path("ports")));
    }
    if !exposed.is_empty() {
        s.set("expose", Tree::list(exposed).from(c.path("ports")));
    }
    // Mounts.
    let mut mounts = Vec::new();
    for (i, m) in c.array("volumeMounts")?.iter().enumerate() {
        let f = Fields::new(m, &format!("{}[{i}]", c.path("volumeMounts")));
        let (Some(name), Some(target)) = (f.string("name")?, f.string("mountPath")?) else {
            return Err(TranslateError(format!("{}: a volume mount needs `name` and `mountPath`", f.origin)));
        };
        let read_only = f.bool("readOnly")?;
        let Some((_, volume)) = volumes.iter().find(|(n, _)| n == name) else {
            return Err(TranslateError(format!("{}: no pod volume is named `{name}`", f.path("name"))));
        };
        let mut item = Tree::map();
        match volume {
            PodVolume::HostPath(path) => {
                item.set("type", Tree::scalar("bind"));
                item.set("source", Tree::scalar(path.clone()));
            }
            PodVolume::Memory(limit) if target == "/dev/shm" => {
                // The pod's way to size shared memory.
                let size = limit.unwrap_or(0);
                if size > 0 {
                    s.set("shm_size", Tree::scalar(size).from(f.origin.clone()));
                } else {
                    notes.push(format!("{}: /dev/shm in memory without a sizeLimit", f.origin));
                }
                continue;
            }
            PodVolume::Memory(_) => {
                item.set("type", Tree::scalar("tmpfs"));
            }
            PodVolume::Other => {
                item.set("type", Tree::scalar("volume"));
                item.set("source", Tree::scalar(name));
                if !declared.iter().any(|d| d == name) {
                    declared.push(name.to_string());
                }
            }
        }
        item.set("target", Tree::scalar(target));
        if read_only {
            item.set("read_only", Tree::scalar(true));
        }
        mounts.push(item.from(f.origin.clone()));
    }
    if !mounts.is_empty() {
        s.set("volumes", Tree::list(mounts).from(c.path("volumeMounts")));
    }
    // The kubelet rotates container logs (10 MiB × 5 by default).
    let mut logging = Tree::map().from(c.origin.clone());
    logging.set("driver", Tree::scalar("json-file"));
    let mut options = Tree::map();
    options.set("max-size", Tree::scalar("10m"));
    options.set("max-file", Tree::scalar("5"));
    logging.set("options", options);
    s.set("logging", logging);
    Ok(s)
}

fn resources(c: &Fields<'_>, s: &mut Tree) -> Result<()> {
    let Some(res) = c.object("resources")? else { return Ok(()) };
    let r = Fields { object: Some(res), origin: c.path("resources") };
    let mut gpus: Option<(String, i64, String)> = None;
    for (section, key) in [("limits", "limits"), ("requests", "reservations")] {
        let Some(values) = r.object(section)? else { continue };
        let f = Fields { object: Some(values), origin: r.path(section) };
        if let Some(q) = f.raw("memory") {
            let b = bytes(q, &f.path("memory"))?;
            s.entry("deploy").entry("resources").entry(key).set("memory", Tree::scalar(b).from(f.path("memory")));
        }
        if let Some(q) = f.raw("cpu") {
            let cpus = quantity(q, &f.path("cpu"))?;
            s.entry("deploy").entry("resources").entry(key).set("cpus", Tree::scalar(cpus).from(f.path("cpu")));
        }
        for (name, q) in values {
            if name.ends_with("/gpu") && gpus.is_none() {
                let count = quantity(q, &f.path(name))?;
                let vendor = name.split('/').next().unwrap_or("").to_string();
                gpus = Some((vendor, count.round() as i64, f.path(name)));
            }
        }
    }
    if let Some((vendor, count, origin)) = gpus.filter(|(_, n, _)| *n > 0) {
        let mut item = Tree::map();
        if vendor == "nvidia.com" {
            item.set("driver", Tree::scalar("nvidia"));
        }
        item.set("count", Tree::scalar(count));
        item.set("capabilities", Tree::strings(["gpu"]));
        s.entry("deploy").entry("resources").entry("reservations").set("devices", Tree::list(vec![item.from(origin)]));
    }
    Ok(())
}

fn healthcheck(c: &Fields<'_>, s: &mut Tree) -> Result<()> {
    let Some((key, probe)) = ["livenessProbe", "readinessProbe", "startupProbe"]
        .into_iter()
        .find_map(|k| c.object(k).transpose().map(|p| (k, p)))
    else {
        return Ok(());
    };
    let probe = probe?;
    let p = Fields { object: Some(probe), origin: c.path(key) };
    let mut check = Tree::map().from(p.origin.clone());
    if let Some(exec) = p.object("exec")? {
        let e = Fields { object: Some(exec), origin: p.path("exec") };
        let mut test = vec!["CMD".to_string()];
        test.extend(e.strings("command")?.into_iter().map(str::to_string));
        check.set("test", Tree::strings(test).from(e.path("command")));
    } else {
        // httpGet, tcpSocket and grpc probes are made by the kubelet from outside the container:
        // no tool in the image runs them. Written as a shell comment, the test names the probe
        // and runs nothing.
        let what = ["httpGet", "tcpSocket", "grpc"].into_iter().find(|k| p.raw(k).is_some());
        let Some(what) = what else {
            return Err(TranslateError(format!("{}: a probe needs exec, httpGet, tcpSocket or grpc", p.origin)));
        };
        let target = p.raw(what).map(|v| v.to_string()).unwrap_or_default();
        check.set(
            "test",
            Tree::strings(["CMD-SHELL".to_string(), format!("# {what} probe by the kubelet: {target}")])
                .from(p.path(what)),
        );
    }
    let seconds = |key: &str, default: i64| -> Result<(String, Option<String>)> {
        Ok(match p.int(key)? {
            Some(n) => (format!("{n}s"), Some(p.path(key))),
            None => (format!("{default}s"), None),
        })
    };
    for (compose, field, default) in [("interval", "periodSeconds", 10), ("timeout", "timeoutSeconds", 1)] {
        let (value, origin) = seconds(field, default)?;
        let mut tree = Tree::scalar(value);
        if let Some(o) = origin {
            tree = tree.from(o);
        }
        check.set(compose, tree);
    }
    if let Some(n) = p.int("initialDelaySeconds")?.filter(|n| *n > 0) {
        check.set("start_period", Tree::scalar(format!("{n}s")).from(p.path("initialDelaySeconds")));
    }
    let retries = p.int("failureThreshold")?.unwrap_or(3);
    check.set("retries", Tree::scalar(retries).from(p.path("failureThreshold")));
    s.set("healthcheck", check);
    Ok(())
}

/// Profile kind (`apparmor`, `seccomp`) → (JSON path of the annotation, its value).
type LegacyProfiles = BTreeMap<&'static str, (String, String)>;

/// The legacy AppArmor and seccomp annotations of a pod (template) that apply to container `name`.
/// A container's own annotation wins over the pod's seccomp annotation.
fn legacy_profiles(metadata: &Fields<'_>, name: &str) -> Result<LegacyProfiles> {
    let mut out = BTreeMap::new();
    let Some(annotations) = metadata.object("annotations")? else { return Ok(out) };
    let f = Fields { object: Some(annotations), origin: metadata.path("annotations") };
    let keys = [
        ("apparmor", format!("container.apparmor.security.beta.kubernetes.io/{name}")),
        ("seccomp", format!("container.seccomp.security.alpha.kubernetes.io/{name}")),
        ("seccomp", "seccomp.security.alpha.kubernetes.io/pod".to_string()),
    ];
    for (kind, key) in keys {
        if out.contains_key(kind) {
            continue;
        }
        if let Some(value) = f.string(&key)? {
            out.insert(kind, (format!("{}[\"{key}\"]", f.origin), value.to_string()));
        }
    }
    Ok(out)
}

fn security(
    c: &Fields<'_>,
    pod: &Fields<'_>,
    pod_security: Option<&Map<String, Value>>,
    legacy: &LegacyProfiles,
    s: &mut Tree,
) -> Result<()> {
    let container = c.object("securityContext")?;
    let cs = container.map(|m| Fields { object: Some(m), origin: c.path("securityContext") });
    let ps = pod_security.map(|m| Fields { object: Some(m), origin: pod.path("securityContext") });
    // The container's value wins over the pod's.
    let pick = |key: &str| -> Option<(&Fields<'_>, &Value)> {
        cs.as_ref()
            .and_then(|f| f.raw(key).map(|v| (f, v)))
            .or_else(|| ps.as_ref().and_then(|f| f.raw(key).map(|v| (f, v))))
    };
    // `runAsNonRoot: true` without a user: the kubelet refuses to start the container as root.
    if pick("runAsUser").is_none() && pick("runAsNonRoot").is_some_and(|(_, v)| v.as_bool() == Some(true)) {
        let (f, _) = pick("runAsNonRoot").expect("just seen");
        s.set("x-kubernetes-run-as-non-root", Tree::scalar(true).from(f.path("runAsNonRoot")));
    }
    if let Some((f, v)) = pick("runAsUser") {
        let uid = v.as_i64().ok_or_else(|| f.wrong("runAsUser", "an integer", v))?;
        let user = match pick("runAsGroup") {
            Some((g, gv)) => format!("{uid}:{}", gv.as_i64().ok_or_else(|| g.wrong("runAsGroup", "an integer", gv))?),
            None => uid.to_string(),
        };
        s.set("user", Tree::scalar(user).from(f.path("runAsUser")));
    }
    for (key, compose) in [("privileged", "privileged"), ("readOnlyRootFilesystem", "read_only")] {
        if let Some((f, v)) = pick(key)
            && v.as_bool().ok_or_else(|| f.wrong(key, "true or false", v))?
        {
            s.set(compose, Tree::scalar(true).from(f.path(key)));
        }
    }
    let mut options = Vec::new();
    if let Some((f, v)) = pick("allowPrivilegeEscalation")
        && v.as_bool() == Some(false)
    {
        options.push(Tree::scalar("no-new-privileges:true").from(f.path("allowPrivilegeEscalation")));
    }
    for (key, name) in [("seccompProfile", "seccomp"), ("appArmorProfile", "apparmor")] {
        // The field decides; without it, the annotation Kubernetes read before the field (AppArmor
        // until 1.30, seccomp until 1.27).
        let unconfined = match pick(key) {
            Some((f, v)) => (v.get("type").and_then(Value::as_str) == Some("Unconfined")).then(|| f.path(key)),
            None => legacy.get(name).filter(|(_, value)| value == "unconfined").map(|(path, _)| path.clone()),
        };
        if let Some(origin) = unconfined {
            options.push(Tree::scalar(format!("{name}:unconfined")).from(origin));
        }
    }
    // `procMount: Unmasked` leaves `/proc` unmasked, as Docker's `systempaths=unconfined` does.
    if let Some(cs) = &cs
        && cs.string("procMount")? == Some("Unmasked")
    {
        options.push(Tree::scalar("systempaths=unconfined").from(cs.path("procMount")));
    }
    if !options.is_empty() {
        s.set("security_opt", Tree::list(options));
    }
    if let Some(cs) = &cs
        && let Some(caps) = cs.object("capabilities")?
    {
        let f = Fields { object: Some(caps), origin: cs.path("capabilities") };
        for (key, field) in [("cap_add", "add"), ("cap_drop", "drop")] {
            let list = f.strings(field)?;
            if !list.is_empty() {
                s.set(key, Tree::strings(list).from(f.path(field)));
            }
        }
    }
    Ok(())
}

/// A Kubernetes quantity (`128Mi`, `1G`, `500m`, `1e3`, `0.5`) as a number.
pub fn parse_quantity(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-')).unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let base: f64 = number.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        e if e.starts_with(['e', 'E']) => 10f64.powi(e[1..].parse::<i32>().ok()?),
        _ => return None,
    };
    let value = base * factor;
    value.is_finite().then_some(value)
}

fn quantity(value: &Value, origin: &str) -> Result<f64> {
    let parsed = match value {
        Value::String(s) => parse_quantity(s),
        Value::Number(n) => n.as_f64(),
        _ => None,
    };
    parsed.filter(|v| *v >= 0.0).ok_or_else(|| {
        TranslateError(format!(
            "{origin}: `{}` is not a Kubernetes quantity (`128Mi`, `500m`, `2`)",
            value.to_string().trim_matches('"')
        ))
    })
}

fn bytes(value: &Value, origin: &str) -> Result<u64> {
    Ok(quantity(value, origin)?.ceil() as u64)
}

fn origin_or_root(prefix: &str) -> &str {
    if prefix.is_empty() { "the object" } else { prefix }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn quantities_parse_as_kubernetes_writes_them() {
        assert_eq!(parse_quantity("128Mi"), Some(128.0 * 1024.0 * 1024.0));
        assert_eq!(parse_quantity("1G"), Some(1e9));
        assert_eq!(parse_quantity("500m"), Some(0.5));
        assert_eq!(parse_quantity("2"), Some(2.0));
        assert_eq!(parse_quantity("1e3"), Some(1000.0));
        assert_eq!(parse_quantity("1.5Gi"), Some(1.5 * 1024f64.powi(3)));
        assert_eq!(parse_quantity("12Q"), None);
        assert_eq!(parse_quantity("Mi"), None);
    }

    fn deployment() -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": 3, "template": {"spec": {
                "securityContext": {"runAsUser": 1000, "runAsNonRoot": true},
                "hostNetwork": true,
                "volumes": [
                    {"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}},
                    {"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}},
                    {"name": "data", "persistentVolumeClaim": {"claimName": "d"}}
                ],
                "initContainers": [{"name": "migrate", "image": "app:1", "command": ["migrate"]}],
                "containers": [
                    {"name": "app", "image": "app:1", "args": ["serve"],
                     "env": [{"name": "MODE", "value": "prod"}, {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "p"}}}],
                     "resources": {"limits": {"memory": "512Mi", "cpu": "500m", "nvidia.com/gpu": 1}, "requests": {"memory": "256Mi", "cpu": "250m"}},
                     "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 5},
                     "securityContext": {"privileged": true, "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}, "readOnlyRootFilesystem": true},
                     "ports": [{"containerPort": 8080, "hostPort": 80}, {"containerPort": 9090}],
                     "volumeMounts": [{"name": "sock", "mountPath": "/var/run/docker.sock"}, {"name": "shm", "mountPath": "/dev/shm"}, {"name": "data", "mountPath": "/data", "readOnly": true}]}
                ]
            }}}
        })
    }

    #[test]
    fn unconfined_profiles_from_fields_annotations_and_proc_mount() {
        let deployment = json!({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"template": {
                "metadata": {"annotations": {
                    "container.apparmor.security.beta.kubernetes.io/legacy": "unconfined",
                    "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
                    "container.seccomp.security.alpha.kubernetes.io/pinned": "runtime/default"
                }},
                "spec": {"containers": [
                    {"name": "legacy", "image": "a:1"},
                    {"name": "pinned", "image": "a:1", "securityContext": {"procMount": "Unmasked"}},
                    {"name": "fields", "image": "a:1", "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}, "appArmorProfile": {"type": "Unconfined"}, "procMount": "Default"}}
                ]}
            }}
        });
        let doc = translate(&deployment, "").unwrap().unwrap();
        let t = &doc.text;
        let lines: Vec<(usize, &str)> = t.lines().enumerate().filter(|(_, l)| l.contains("unconfined")).collect();
        let found: Vec<(String, String)> = lines
            .iter()
            .map(|(i, l)| (l.trim().trim_start_matches("- ").to_string(), doc.origin_of(*i as u32 + 1).to_string()))
            .collect();
        let annotations = "spec.template.metadata.annotations";
        assert_eq!(
            found,
            [
                (
                    "\"seccomp:unconfined\"".to_string(),
                    format!("{annotations}[\"seccomp.security.alpha.kubernetes.io/pod\"]")
                ),
                (
                    "\"apparmor:unconfined\"".to_string(),
                    format!("{annotations}[\"container.apparmor.security.beta.kubernetes.io/legacy\"]")
                ),
                (
                    "\"systempaths=unconfined\"".to_string(),
                    "spec.template.spec.containers[1].securityContext.procMount".to_string()
                ),
                (
                    "\"apparmor:unconfined\"".to_string(),
                    "spec.template.spec.containers[2].securityContext.appArmorProfile".to_string()
                ),
            ],
            "{t}"
        );
    }

    #[test]
    fn a_deployment_becomes_one_service_per_container_with_its_origins() {
        let doc = translate(&deployment(), "").unwrap().unwrap();
        assert_eq!(
            doc.services,
            vec![
                ("web/migrate".to_string(), "spec.template.spec.initContainers[0]".to_string()),
                ("web/app".to_string(), "spec.template.spec.containers[0]".to_string())
            ]
        );
        let t = &doc.text;
        let line = |needle: &str| {
            t.lines().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle}: {t}")) as u32 + 1
        };
        assert_eq!(
            doc.origin_of(line("\"memory\": 536870912")),
            "spec.template.spec.containers[0].resources.limits.memory"
        );
        assert_eq!(doc.origin_of(line("\"cpus\": 0.25")), "spec.template.spec.containers[0].resources.requests.cpu");
        assert_eq!(
            doc.origin_of(line("\"driver\": \"nvidia\", \"count\": 1")),
            "spec.template.spec.containers[0].resources.limits.nvidia.com/gpu"
        );
        assert_eq!(doc.origin_of(line("\"DB_PASSWORD\": null")), "spec.template.spec.containers[0].env[1]");
        assert_eq!(
            doc.origin_of(line("\"privileged\": true")),
            "spec.template.spec.containers[0].securityContext.privileged"
        );
        assert_eq!(doc.origin_of(line("\"user\": \"1000\"")), "spec.template.spec.securityContext.runAsUser");
        assert_eq!(doc.origin_of(line("docker.sock\"")), "spec.template.spec.containers[0].volumeMounts[0]");
        assert_eq!(doc.origin_of(line("\"shm_size\": 1073741824")), "spec.template.spec.containers[0].volumeMounts[1]");
        assert_eq!(doc.origin_of(line("\"published\": \"80\"")), "spec.template.spec.containers[0].ports[0]");
        assert_eq!(doc.origin_of(line("\"9090/tcp\"")), "spec.template.spec.containers[0].ports[1]");
        assert_eq!(doc.origin_of(line("\"replicas\": 3")), "spec.replicas");
        assert_eq!(doc.origin_of(line("\"network_mode\": \"host\"")), "spec.template.spec.hostNetwork");
        assert_eq!(
            doc.origin_of(line("\"interval\": \"5s\"")),
            "spec.template.spec.containers[0].livenessProbe.periodSeconds"
        );
        assert!(t.contains("\"test\":\n        - \"CMD-SHELL\"\n        - \"# httpGet probe by the kubelet: {\\\"path\\\":\\\"/healthz\\\",\\\"port\\\":8080}\""), "{t}");
        assert!(t.contains("\"cap_drop\":\n      - \"ALL\""), "{t}");
        assert!(t.contains("\"no-new-privileges:true\""), "{t}");
        assert!(t.contains("\"entrypoint\":\n      - \"migrate\""), "{t}");
        assert!(t.contains("\"volumes\":\n  \"data\": {}"), "{t}");
    }

    #[test]
    fn every_workload_kind_finds_its_pod_spec_and_others_are_skipped() {
        let pod_spec = json!({"containers": [{"name": "c", "image": "i:1"}]});
        for (kind, path) in KINDS {
            let mut object = json!({"kind": kind, "metadata": {"name": "o"}});
            let mut at = &mut object;
            for part in path.split('.') {
                at = at.as_object_mut().unwrap().entry(part).or_insert(json!({}));
            }
            *at = pod_spec.clone();
            let doc = translate(&object, "").unwrap().unwrap_or_else(|| panic!("{kind}"));
            assert_eq!(doc.services, vec![("o/c".to_string(), format!("{path}.containers[0]"))], "{kind}");
        }
        assert_eq!(translate(&json!({"kind": "Service", "metadata": {"name": "s"}}), "").unwrap(), None);
    }

    #[test]
    fn run_as_non_root_without_a_user_is_said() {
        let pod = json!({"kind": "Pod", "metadata": {"name": "p"}, "spec": {"securityContext": {"runAsNonRoot": true},
            "containers": [{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1", "securityContext": {"runAsUser": 0}}]}});
        let doc = translate(&pod, "").unwrap().unwrap();
        let a = &doc.text[doc.text.find("\"p/a\"").unwrap()..doc.text.find("\"p/b\"").unwrap()];
        assert!(a.contains("\"x-kubernetes-run-as-non-root\": true"), "{a}");
        let b = &doc.text[doc.text.find("\"p/b\"").unwrap()..];
        assert!(b.contains("\"user\": \"0\"") && !b.contains("run-as-non-root"), "{b}");
    }

    #[test]
    fn sidecars_ephemeral_containers_lists_and_same_names() {
        let pod = json!({"kind": "Pod", "metadata": {"name": "p"}, "spec": {
            "initContainers": [{"name": "proxy", "image": "envoy:1", "restartPolicy": "Always"}, {"name": "setup", "image": "a:1"}],
            "containers": [{"name": "app", "image": "a:1"}],
            "ephemeralContainers": [{"name": "debug", "image": "busybox:1", "securityContext": {"privileged": true}}]}});
        let doc = translate(&pod, "").unwrap().unwrap();
        let names: Vec<&str> = doc.services.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["p/proxy", "p/setup", "p/app", "p/debug"]);
        assert_eq!(doc.service_origin("p/debug"), Some("spec.ephemeralContainers[0]"));
        // The sidecar keeps running like the app; the plain init container is a job.
        assert!(doc.text.contains("\"p/proxy\":\n    \"image\": \"envoy:1\""), "{}", doc.text);
        let proxy = &doc.text[doc.text.find("\"p/proxy\"").unwrap()..doc.text.find("\"p/setup\"").unwrap()];
        assert!(proxy.contains("\"restart\": \"always\""), "{proxy}");
        let list = json!({"kind": "List", "items": [
            {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "a:1"}]}}}},
            {"kind": "CronJob", "metadata": {"name": "web"}, "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "b:1"}]}}}}}}]});
        let doc = translate_all(&[(list, "#0".into())]).unwrap().unwrap();
        let names: Vec<&str> = doc.services.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["web/web", "web.cronjob/web"]);
        assert_eq!(
            doc.service_origin("web.cronjob/web"),
            Some("#0.items[1].spec.jobTemplate.spec.template.spec.containers[0]")
        );
    }

    #[test]
    fn bad_objects_are_errors_naming_the_field() {
        let err = |v: Value| translate(&v, "").unwrap_err().0;
        assert_eq!(err(json!({"kind": "Pod", "metadata": {"name": "p"}})), "spec: the Pod has no pod spec");
        assert_eq!(
            err(
                json!({"kind": "Pod", "spec": {"containers": [{"name": "c", "image": "i", "resources": {"limits": {"memory": "lots"}}}]}})
            ),
            "spec.containers[0].resources.limits.memory: `lots` is not a Kubernetes quantity (`128Mi`, `500m`, `2`)"
        );
        assert_eq!(
            err(json!({"kind": "Pod", "spec": {"containers": [{"name": "c"}]}})),
            "spec.containers[0].image: the container names no image"
        );
        assert_eq!(
            err(
                json!({"kind": "Pod", "spec": {"containers": [{"name": "c", "image": "i", "volumeMounts": [{"name": "x", "mountPath": "/x"}]}]}})
            ),
            "spec.containers[0].volumeMounts[0].name: no pod volume is named `x`"
        );
        assert_eq!(err(json!({"metadata": {}})), "kind: the object has no `kind`");
    }
}
