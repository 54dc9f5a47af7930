//! Resources: `deploy.resources` (limits, reservations, device requests), `gpus`, the legacy keys
//! (`mem_limit`, `cpus`, `pids_limit`…) and the effective values (deploy first, then legacy),
//! `deploy.replicas` / `scale`, `deploy.restart_policy` and `ulimits`.
//!
//! Units are parsed as Docker does; nothing here compares resources with the host.

use super::scalar::Norm;
use crate::model::{DeviceCount, DeviceRequest, ResourceSet, RestartPolicy, Service, Ulimit};
use crate::yaml::{Node, Value};

/// One of `deploy.resources.limits` and `deploy.resources.reservations`.
fn resource_set(n: &mut Norm<'_, '_>, node: Option<&Node>, what: &str) -> ResourceSet {
    let mut set = ResourceSet::default();
    let Some(node) = node else { return set };
    set.memory = node.get("memory").and_then(|v| n.bytes(v, &format!("deploy.resources.{what}.memory")));
    set.cpus = node.get("cpus").and_then(|v| n.cpus(v, &format!("deploy.resources.{what}.cpus")));
    set.pids = node.get("pids").and_then(|v| n.int(v, &format!("deploy.resources.{what}.pids")));
    set
}

/// One device request of `deploy.resources.reservations.devices` or `gpus`.
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
        if let Some(c) = item.get("count") {
            let m = format!("`count` and `device_ids` of a device request of service `{}` are exclusive", n.service);
            n.error(c, m);
        }
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

/// The resources, replicas and restart policy of a service, from `deploy` and the legacy keys.
pub(super) fn resources(n: &mut Norm<'_, '_>, node: &Node, s: &mut Service) {
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
    let scale = node.get("scale").and_then(|v| n.int::<u32>(v, "scale"));
    if let (Some(scale), Some(replicas)) = (scale, s.replicas)
        && scale != replicas
        && let Some(at) = node.get("scale")
    {
        let m = format!("service `{}` sets distinct values on `scale` and `deploy.replicas`", n.service);
        n.error(at, m);
    }
    if s.replicas.is_none() {
        s.replicas = scale;
    }
    conflicts(n, node, &s.resources, res.and_then(|r| r.get("limits")), res.and_then(|r| r.get("reservations")));
}

/// Compose refuses a legacy key next to a `deploy.resources` section (`limits` for `cpus`,
/// `mem_limit` and `pids_limit`, `reservations` for `mem_reservation`) that gives it another value;
/// a value missing from that section counts as zero, as in compose-go. Reported at the legacy key.
fn conflicts(
    n: &mut Norm<'_, '_>,
    node: &Node,
    r: &crate::model::Resources,
    limits: Option<&Node>,
    reservations: Option<&Node>,
) {
    let l = &r.legacy;
    let nano = |c: f64| (c * 1e9).round() as i64;
    let pairs: [(&str, bool, bool, &str); 4] = [
        (
            "cpus",
            limits.is_some(),
            l.cpus.is_some_and(|c| c != 0.0 && nano(c) != nano(r.limits.cpus.unwrap_or(0.0))),
            "deploy.resources.limits.cpus",
        ),
        (
            "mem_limit",
            limits.is_some(),
            l.mem_limit.is_some_and(|m| m != 0 && Some(m) != r.limits.memory.or(Some(0))),
            "deploy.resources.limits.memory",
        ),
        (
            "mem_reservation",
            reservations.is_some(),
            l.mem_reservation.is_some_and(|m| m != 0 && Some(m) != r.reservations.memory.or(Some(0))),
            "deploy.resources.reservations.memory",
        ),
        (
            "pids_limit",
            limits.is_some(),
            l.pids_limit.is_some_and(|p| p != 0 && Some(p) != r.limits.pids.or(Some(0))),
            "deploy.resources.limits.pids",
        ),
    ];
    for (key, section, differs, other) in pairs {
        if section
            && differs
            && let Some(at) = node.get(key)
        {
            let m = format!("service `{}` sets distinct values on `{key}` and `{other}`", n.service);
            n.error(at, m);
        }
    }
}

/// The `ulimits` of a service (a number, or `soft` and `hard`).
pub(super) fn ulimits(n: &mut Norm<'_, '_>, node: &Node) -> Vec<Ulimit> {
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
