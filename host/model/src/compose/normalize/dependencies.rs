//! Dependencies and healthchecks: `depends_on` (conditions, `required`, `restart`, undefined
//! services, cycles) and a service's `healthcheck`.
//!
//! Cycles are found on the whole `services` mapping once, after every service is normalized; the
//! image's own healthcheck is merged later, when linking, not here.

use std::collections::HashMap;

use super::references::Refs;
use super::scalar::Norm;
use crate::diagnostic::Diagnostic;
use crate::model::{Dependency, Healthcheck};
use crate::yaml::{Node, Value};

/// The `healthcheck` of a service (`None` for null or a malformed value).
pub(super) fn healthcheck(n: &mut Norm<'_, '_>, node: &Node) -> Option<Healthcheck> {
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

/// The `depends_on` of a service (canonicalized to a mapping), each checked against the services.
pub(super) fn depends_on(n: &mut Norm<'_, '_>, node: &Node, refs: &Refs<'_>) -> Vec<Dependency> {
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

/// Report `depends_on` cycles, once per cycle, at the first dependency that closes it.
pub(super) fn check_cycles(services: &[(Node, Node)], diags: &mut Vec<Diagnostic>) {
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

/// Add the dependencies Compose infers, as `depends_on` entries of the merged document located at
/// what implies them: `links` (`svc` or `svc:alias`) and `network_mode`/`ipc`/`pid`/`uts`/`cgroup`
/// `service:svc` (condition started, restart), and `volumes_from` (`svc[:mode]`, not
/// `container:…`; no restart). An explicit entry is never changed. They take part in cycle
/// detection like any other. A `network_mode` or `volumes_from` naming an undefined service adds
/// nothing (its own check reports it, once).
pub fn add_implicit_dependencies(doc: &mut Node) {
    let Value::Map(top) = &mut doc.value else { return };
    let Some((_, services)) = top.iter_mut().find(|(k, _)| k.as_str() == Some("services")) else { return };
    let Value::Map(services) = &mut services.value else { return };
    let defined: std::collections::HashSet<String> =
        services.iter().filter_map(|(k, _)| k.as_str().map(str::to_owned)).collect();
    for (_, service) in services.iter_mut() {
        let mut implied: Vec<(Node, bool)> = Vec::new();
        let named = |node: &Node, name: &str| node.string_at(name);
        for item in service.get("links").and_then(Node::as_seq).unwrap_or_default() {
            if let Some(link) = item.as_str() {
                let parts: Vec<&str> = link.split(':').collect();
                let name = if parts.len() == 2 { parts[0] } else { link };
                implied.push((named(item, name), true));
            }
        }
        for key in ["network_mode", "ipc", "pid", "uts", "cgroup"] {
            if let Some(v) = service.get(key)
                && let Some(shared) = v.as_str().and_then(|s| s.strip_prefix("service:"))
                && (key != "network_mode" || defined.contains(shared))
            {
                implied.push((named(v, shared), true));
            }
        }
        for item in service.get("volumes_from").and_then(Node::as_seq).unwrap_or_default() {
            if let Some(spec) = item.as_str().filter(|s| !s.starts_with("container:")) {
                let spec = spec.strip_prefix("service:").unwrap_or(spec);
                let name = spec.split(':').next().unwrap_or_default();
                if defined.contains(name) {
                    implied.push((named(item, name), false));
                }
            }
        }
        if implied.is_empty() {
            continue;
        }
        let Value::Map(entries) = &mut service.value else { continue };
        let at = entries.len();
        let pos = entries.iter().position(|(k, _)| k.as_str() == Some("depends_on")).unwrap_or(at);
        if pos == at {
            let (key, _) = &implied[0];
            entries.push((key.string_at("depends_on"), key.with_value(Value::Map(Vec::new()))));
        }
        let deps = &mut entries[pos].1;
        if deps.is_null() {
            *deps = deps.with_value(Value::Map(Vec::new()));
        }
        let Value::Map(deps) = &mut deps.value else { continue };
        for (key, restart) in implied {
            let name = key.as_str().unwrap_or_default();
            if deps.iter().any(|(k, _)| k.as_str() == Some(name)) {
                continue;
            }
            let field = |k: &str, v: &str| (key.string_at(k), key.with_value(Value::Scalar(v.to_owned())));
            let value = key.with_value(Value::Map(vec![
                field("condition", "service_started"),
                field("restart", if restart { "true" } else { "false" }),
                field("required", "true"),
            ]));
            deps.push((key, value));
        }
    }
}
