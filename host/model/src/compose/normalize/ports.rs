//! Ports: the short syntax (`[ip:][published:]target[/protocol]`, ranges expanded like Compose)
//! and the long syntax, into the model's [`Port`]s.
//!
//! Only `ports` is read here (`expose` is a list of strings); nothing checks host conflicts.
//! [`expand_port_ranges`] gives the merged document one `ports` item per model port, so a subject's
//! list index is the model's index (as `docker compose config` lists them).

use super::scalar::Norm;
use crate::model::Port;
use crate::yaml::{Node, Value};

/// The `ports` of a service.
pub(super) fn ports(n: &mut Norm<'_, '_>, node: &Node) -> Vec<Port> {
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

/// Repeat every short-syntax `ports` item of the merged document once per port it expands to
/// (`"8000-8003:8000-8003"` becomes four items, each at the line and column of the one written),
/// so `services.S.ports.I` names the model's `ports[I]` and locates where that port was written.
/// Items that do not parse, and long-syntax items, stay one item (they are one model port, or an
/// error that stops evaluation).
pub fn expand_port_ranges(doc: &mut Node) {
    let Value::Map(top) = &mut doc.value else { return };
    let Some((_, services)) = top.iter_mut().find(|(k, _)| k.as_str() == Some("services")) else { return };
    let Value::Map(services) = &mut services.value else { return };
    for (_, service) in services.iter_mut() {
        let Value::Map(keys) = &mut service.value else { continue };
        let Some((_, ports)) = keys.iter_mut().find(|(k, _)| k.as_str() == Some("ports")) else { continue };
        let Value::Seq(items) = &mut ports.value else { continue };
        if !items.iter().any(|i| expanded_count(i) > 1) {
            continue;
        }
        let written = std::mem::take(items);
        for item in written {
            for _ in 1..expanded_count(&item) {
                items.push(item.clone());
            }
            items.push(item);
        }
    }
}

/// How many model ports one `ports` item becomes.
fn expanded_count(item: &Node) -> usize {
    match &item.value {
        Value::Scalar(s) => parse_port_spec(s).map(|p| p.len().max(1)).unwrap_or(1),
        _ => 1,
    }
}

/// A port number in `1..=65535`.
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

#[cfg(test)]
mod tests {
    use super::*;

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
