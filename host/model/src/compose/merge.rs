//! Merging located compose documents with the Compose specification's merge rules.
//!
//! Used for override files (`-f a -f b`), `extends` and `include`. Mappings merge key by key;
//! sequences append, except the "unique resources" (`ports` by ip/published/target/protocol,
//! `volumes`, `secrets` and `configs` by target) whose entries with the same key replace each
//! other, and the shell commands (`command`, `entrypoint`, `healthcheck.test`) which replace. The
//! tags `!reset` (remove the value) and `!override` (replace without merging) are honoured. Every
//! node keeps its own location, so a value set by an override file points at that file.
//!
//! [`canonicalize`] first rewrites the forms the merge keys on (list-form `environment`, `labels`,
//! `build.args`…, list-form `depends_on` and `networks`, string `build` and `extends`) into
//! mappings, keeping each entry's location.

use std::collections::HashMap;

use super::normalize::clean_target;
use crate::yaml::{Node, Style, Value};

/// How a value at a given path merges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// Mappings merge, sequences append, scalars replace.
    Default,
    /// The override replaces the value.
    Replace,
    /// Sequence entries with the same key replace each other; others append.
    Keyed(KeyKind),
    /// Sequence of scalars appended without duplicates.
    Unique,
    /// `logging`: a different driver replaces the whole section.
    Logging,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Port,
    Target,
    SecretTarget,
}

fn rule_for(path: &[&str]) -> Rule {
    match path {
        ["services", _, "command" | "entrypoint"] => Rule::Replace,
        ["services", _, "healthcheck", "test"] => Rule::Replace,
        ["services", _, "ports"] => Rule::Keyed(KeyKind::Port),
        ["services", _, "volumes"] => Rule::Keyed(KeyKind::Target),
        ["services", _, "secrets" | "configs"] => Rule::Keyed(KeyKind::SecretTarget),
        ["services", _, "logging"] => Rule::Logging,
        [
            "services",
            _,
            "cap_add"
            | "cap_drop"
            | "devices"
            | "dns"
            | "dns_opt"
            | "dns_search"
            | "env_file"
            | "expose"
            | "external_links"
            | "links"
            | "volumes_from"
            | "profiles"
            | "security_opt"
            | "tmpfs"
            | "group_add"
            | "device_cgroup_rules"
            | "extra_hosts",
        ] => Rule::Unique,
        ["services", _, "build", "tags" | "platforms" | "cache_from" | "cache_to"] => Rule::Unique,
        _ => Rule::Default,
    }
}

/// Merge `over` onto `base` at `path` (owned key strings); `None` means the value is removed (`!reset`).
pub fn merge(base: Option<Node>, over: Node, path: &mut Vec<String>) -> Option<Node> {
    if over.has_tag("!reset") {
        return None;
    }
    if over.has_tag("!override") {
        return Some(strip_tags(over));
    }
    let Some(base) = base else {
        return Some(strip_tags(over));
    };
    let refs: Vec<&str> = path.iter().map(String::as_str).collect();
    let rule = rule_for(&refs);
    drop(refs);
    match (base.value, over.value) {
        (Value::Map(b), Value::Map(o)) => {
            if rule == Rule::Logging && logging_driver_differs(&b, &o) {
                let over = Node { value: Value::Map(o), ..over_meta(&over.file, over.line, over.column) };
                return Some(strip_tags(over));
            }
            let merged = merge_maps(b, o, path);
            Some(Node {
                value: Value::Map(merged),
                file: base.file,
                line: base.line,
                column: base.column,
                style: Style::Plain,
                tag: None,
                template: None,
            })
        }
        (Value::Seq(b), Value::Seq(o)) if rule != Rule::Replace => {
            let items = match rule {
                Rule::Keyed(kind) => merge_keyed(b, o, kind),
                Rule::Unique => merge_unique(b, o),
                _ => {
                    let mut items = b;
                    items.extend(o.into_iter().map(strip_tags));
                    items
                }
            };
            Some(Node {
                value: Value::Seq(items),
                file: base.file,
                line: base.line,
                column: base.column,
                style: Style::Plain,
                tag: None,
                template: None,
            })
        }
        (_, value) => Some(strip_tags(Node { value, ..over })),
    }
}

fn over_meta(file: &std::sync::Arc<std::path::PathBuf>, line: u32, column: u32) -> Node {
    Node::new(Value::Null, file.clone(), line, column)
}

fn logging_driver_differs(base: &[(Node, Node)], over: &[(Node, Node)]) -> bool {
    let driver = |entries: &[(Node, Node)]| {
        entries.iter().find(|(k, _)| k.as_str() == Some("driver")).and_then(|(_, v)| v.as_str().map(str::to_owned))
    };
    match (driver(base), driver(over)) {
        (Some(b), Some(o)) => b != o,
        _ => false,
    }
}

fn merge_maps(mut base: Vec<(Node, Node)>, over: Vec<(Node, Node)>, path: &mut Vec<String>) -> Vec<(Node, Node)> {
    let mut index: HashMap<String, usize> = HashMap::with_capacity(base.len());
    for (i, (k, _)) in base.iter().enumerate() {
        if let Some(s) = k.as_str() {
            index.insert(s.to_owned(), i);
        }
    }
    let mut removed = vec![false; base.len()];
    for (k, v) in over {
        let name = k.as_str().unwrap_or_default().to_owned();
        path.push(name.clone());
        match index.get(&name).copied() {
            Some(i) => {
                let old = std::mem::replace(&mut base[i].1, Node::new(Value::Null, k.file.clone(), 0, 0));
                let replaced =
                    !(matches!(old.value, Value::Map(_)) && matches!(v.value, Value::Map(_))) || v.has_tag("!override");
                match merge(Some(old), v, path) {
                    Some(n) => {
                        base[i].1 = n;
                        if replaced {
                            // The value now comes from the override: so does its key's location.
                            base[i].0 = k;
                        }
                        removed[i] = false;
                    }
                    None => removed[i] = true,
                }
            }
            None => {
                if let Some(n) = merge(None, v, path) {
                    index.insert(name, base.len());
                    base.push((k, n));
                    removed.push(false);
                }
            }
        }
        path.pop();
    }
    if removed.iter().any(|r| *r) {
        base.into_iter().zip(removed).filter(|(_, r)| !r).map(|(e, _)| e).collect()
    } else {
        base
    }
}

/// Remove `!reset` entries and `!override` tags from a subtree that has nothing under it to merge with.
pub fn strip_tags(mut node: Node) -> Node {
    if node.tag.as_deref().is_some_and(|t| t == "!override" || t == "!reset") {
        node.tag = None;
    }
    match node.value {
        Value::Map(entries) => {
            node.value = Value::Map(
                entries.into_iter().filter(|(_, v)| !v.has_tag("!reset")).map(|(k, v)| (k, strip_tags(v))).collect(),
            );
        }
        Value::Seq(items) => {
            node.value = Value::Seq(items.into_iter().filter(|v| !v.has_tag("!reset")).map(strip_tags).collect());
        }
        _ => {}
    }
    node
}

fn merge_unique(mut base: Vec<Node>, over: Vec<Node>) -> Vec<Node> {
    for item in over {
        let item = strip_tags(item);
        let duplicate = match item.as_str() {
            Some(s) => base.iter().any(|b| b.as_str() == Some(s)),
            None => false,
        };
        if !duplicate {
            base.push(item);
        }
    }
    base
}

fn merge_keyed(mut base: Vec<Node>, over: Vec<Node>, kind: KeyKind) -> Vec<Node> {
    for item in over {
        let item = strip_tags(item);
        let key = item_key(&item, kind);
        match key.as_ref().and_then(|k| base.iter().position(|b| item_key(b, kind).as_ref() == Some(k))) {
            Some(i) => base[i] = item,
            None => base.push(item),
        }
    }
    base
}

/// The unique key of a `ports`, `volumes`, `secrets` or `configs` entry.
fn item_key(item: &Node, kind: KeyKind) -> Option<String> {
    match kind {
        KeyKind::Port => match &item.value {
            Value::Scalar(s) => {
                let (spec, proto) = s.rsplit_once('/').unwrap_or((s, "tcp"));
                let (rest, target) = spec.rsplit_once(':').unwrap_or(("", spec));
                let (ip, published) = match rest.rsplit_once(':') {
                    Some((ip, p)) => (ip.trim_start_matches('[').trim_end_matches(']'), p),
                    None => ("", rest),
                };
                Some(format!("{ip}|{published}|{target}|{proto}"))
            }
            Value::Map(_) => {
                let get = |k: &str| item.get(k).and_then(Node::as_str).unwrap_or_default().to_owned();
                let proto = item.get("protocol").and_then(Node::as_str).unwrap_or("tcp");
                Some(format!("{}|{}|{}|{}", get("host_ip"), get("published"), get("target"), proto))
            }
            _ => None,
        },
        KeyKind::Target => match &item.value {
            Value::Scalar(s) => {
                // Targets are path-cleaned before they are compared, as in compose-go.
                let parts: Vec<&str> = s.split(':').collect();
                match parts.len() {
                    0 | 1 => Some(clean_target(s)),
                    _ => parts.get(1).map(|t| clean_target(t)),
                }
            }
            Value::Map(_) => item.get("target").and_then(Node::as_str).map(clean_target),
            _ => None,
        },
        KeyKind::SecretTarget => match &item.value {
            Value::Scalar(s) => Some(s.clone()),
            Value::Map(_) => item
                .get("target")
                .or_else(|| item.get("source"))
                .and_then(Node::as_str)
                .map(|s| s.rsplit('/').next().unwrap_or(s).to_owned()),
            _ => None,
        },
    }
}

/// Rewrite the forms the merge keys on into mappings, in place, keeping locations (see module docs).
pub fn canonicalize(doc: &mut Node) {
    let Value::Map(top) = &mut doc.value else { return };
    for (k, services) in top.iter_mut() {
        if k.as_str() != Some("services") {
            continue;
        }
        let Value::Map(services) = &mut services.value else { continue };
        for (_, service) in services.iter_mut() {
            canonicalize_service(service);
        }
    }
}

/// Canonicalize one service definition (see [`canonicalize`]).
pub fn canonicalize_service(service: &mut Node) {
    let Value::Map(entries) = &mut service.value else { return };
    for (k, v) in entries.iter_mut() {
        match k.as_str().unwrap_or_default() {
            "environment" | "labels" | "annotations" | "sysctls" => list_to_map(v, '='),
            "depends_on" | "networks" => names_to_map(v),
            "build" => {
                if v.as_str().is_some() {
                    let key = v.string_at("context");
                    let mut ctx = v.clone();
                    ctx.tag = None;
                    *v = v.with_value(Value::Map(vec![(key, ctx)]));
                }
                if let Value::Map(build) = &mut v.value {
                    for (bk, bv) in build.iter_mut() {
                        if matches!(bk.as_str(), Some("args" | "labels")) {
                            list_to_map(bv, '=');
                        }
                    }
                }
            }
            "extends" if v.as_str().is_some() => {
                let key = v.string_at("service");
                let name = v.clone();
                *v = v.with_value(Value::Map(vec![(key, name)]));
            }
            "deploy" => {
                if let Value::Map(deploy) = &mut v.value {
                    for (dk, dv) in deploy.iter_mut() {
                        if dk.as_str() == Some("labels") {
                            list_to_map(dv, '=');
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// `["A=1", "B"]` → `{A: "1", B: null}`, each entry located at its item.
fn list_to_map(node: &mut Node, sep: char) {
    let Value::Seq(items) = &node.value else { return };
    let mut entries: Vec<(Node, Node)> = Vec::with_capacity(items.len());
    for item in items {
        let Some(text) = item.as_str() else { continue };
        let (key, value) = match text.split_once(sep) {
            Some((k, v)) => {
                let mut value = item.string_at(v);
                value.template = item.template.as_deref().and_then(|t| t.split_once(sep)).map(|(_, v)| v.into());
                if item.style == Style::Plain && !text.contains('\n') {
                    value.column = item.column.saturating_add(u32::try_from(k.chars().count() + 1).unwrap_or(0));
                }
                (item.string_at(k), value)
            }
            None => (item.string_at(text), item.with_value(Value::Null)),
        };
        if let Some(pos) = entries.iter().position(|(k, _)| k.as_str() == key.as_str()) {
            entries[pos] = (key, value);
        } else {
            entries.push((key, value));
        }
    }
    let tag = node.tag.clone();
    *node = node.with_value(Value::Map(entries));
    node.tag = tag;
}

/// `[a, b]` → `{a: null, b: null}`, each entry located at its item.
fn names_to_map(node: &mut Node) {
    let Value::Seq(items) = &node.value else { return };
    let entries = items
        .iter()
        .filter_map(|item| item.as_str().map(|name| (item.string_at(name), item.with_value(Value::Null))))
        .collect();
    let tag = node.tag.clone();
    *node = node.with_value(Value::Map(entries));
    node.tag = tag;
}
