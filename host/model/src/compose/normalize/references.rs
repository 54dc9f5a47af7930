//! References: the top-level declarations (`networks`, `volumes`, `secrets`, `configs`) and every
//! name a service uses that must be declared (networks, secrets, configs, `network_mode:
//! service:…`, `volumes_from`).
//!
//! Each dangling reference is a located error at the name; volumes and `depends_on` check their
//! own references with [`Refs`].

use std::collections::HashSet;

use super::scalar::Norm;
use crate::diagnostic::Diagnostic;
use crate::model::{ResourceDecl, Service};
use crate::yaml::{Node, Value};

/// The names a service may refer to: services and the top-level declarations.
pub(super) struct Refs<'a> {
    /// Services of the document.
    pub(super) services: &'a HashSet<&'a str>,
    /// Declared networks.
    pub(super) networks: HashSet<String>,
    /// Declared volumes.
    pub(super) volumes: HashSet<String>,
    /// Declared secrets.
    pub(super) secrets: HashSet<String>,
    /// Declared configs.
    pub(super) configs: HashSet<String>,
}

/// The declarations of one top-level section (`kind` is `network`, `volume`, `secret` or `config`).
pub(super) fn declarations(node: Option<&Node>, kind: &str, diags: &mut Vec<Diagnostic>) -> Vec<ResourceDecl> {
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

/// The names of a service's `secrets` or `configs`, each checked against the declarations.
pub(super) fn secret_refs(n: &mut Norm<'_, '_>, node: &Node, kind: &str, declared: &HashSet<String>) -> Vec<String> {
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

/// The service's `networks` (canonicalized to a mapping) and `network_mode: service:…`, each
/// checked against the declarations and the services.
pub(super) fn network_refs(n: &mut Norm<'_, '_>, node: &Node, s: &mut Service, refs: &Refs<'_>) {
    let name = s.name.clone();
    if let Some(mode) = &s.network_mode
        && let Some(other) = mode.strip_prefix("service:")
        && !refs.services.contains(other)
        && let Some(v) = node.get("network_mode")
    {
        n.error(v, format!("service `{name}` uses the network of undefined service `{other}`"));
    }
    if let Some(v) = node.get("networks") {
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
}

/// Check the services named by `volumes_from` (`service:name`, `name`; `container:…` is not checked).
pub(super) fn volumes_from_refs(n: &mut Norm<'_, '_>, v: &Node, refs: &Refs<'_>) {
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
            let m = format!("service `{}` mounts volumes from undefined service `{svc}`", n.service);
            n.error(item, m);
        }
    }
}
