//! Normalization of a merged compose document into the policy model, with validation.
//!
//! Short and long syntaxes (ports with range expansion, volumes, environment, depends_on,
//! healthcheck `test`, `gpus`, ulimits…) become the typed [`crate::model`] records; units are parsed
//! exactly as Docker does ([`crate::units`]); legacy resource keys sit next to `deploy.resources`
//! with the effective values computed (deploy first, then legacy). Keys the model does not type go
//! into `extensions` as JSON. Every invalid value, unknown key or dangling reference (services,
//! networks, volumes, secrets, configs) and every dependency cycle becomes a located error; this
//! module reads no files.
//!
//! The work is split by concern: [`keys`](self) holds the one table of known keys, the scalar
//! coercions sit in `scalar`, one service in `service`, and `ports`, `volumes`, `dependencies`
//! (with healthchecks), `resources` and `references` each own their keys.

mod dependencies;
mod keys;
mod ports;
mod references;
mod resources;
mod scalar;
mod service;
mod volumes;

use std::collections::HashSet;
use std::path::Path;

use super::interpolate::Env;
use crate::diagnostic::Diagnostic;
use crate::model::{Project, ResourceDecl};
use crate::yaml::{Node, Value};
use dependencies::check_cycles;
use keys::TOP_LEVEL_KEYS;
use references::{Refs, declarations};
use scalar::{MapOrNull, Norm};
use service::normalize_service;

pub use dependencies::add_implicit_dependencies;
pub use ports::{expand_port_ranges, parse_port_spec};
pub use scalar::split_shell_words;
pub use volumes::clean_target;

/// What normalization needs besides the document.
pub struct Context<'a> {
    /// Absolute project directory (base of relative paths).
    pub project_dir: &'a Path,
    /// Active profiles (empty: every service).
    pub profiles: &'a [String],
    /// Interpolation variables (for `~` in bind sources: `HOME`).
    pub env: &'a Env,
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
    disabled_dependencies(&project, services, diags);
    duplicate_container_names(&project, services, ctx.profiles, diags);
    check_cycles(services, diags);
    project
}

/// Two services that run together with one `container_name` are an error, as in Compose
/// (`container name "x" is already in use`). With profiles selected (`*` included) every enabled
/// service runs together; with none (Plimsoll's "check every service") two services run together
/// when neither has profiles or they share one, so profiles that never run together may share a name.
fn duplicate_container_names(
    project: &Project,
    services: &[(Node, Node)],
    active: &[String],
    diags: &mut Vec<Diagnostic>,
) {
    let together = |a: &[String], b: &[String]| {
        !active.is_empty() || a.is_empty() && b.is_empty() || a.iter().any(|p| b.contains(p))
    };
    for (i, s) in project.services.iter().enumerate() {
        let Some(name) = s.container_name.as_deref() else { continue };
        let Some(first) = project.services[..i]
            .iter()
            .find(|o| o.container_name.as_deref() == Some(name) && together(&o.profiles, &s.profiles))
        else {
            continue;
        };
        let at = services
            .iter()
            .find(|(k, _)| k.as_str() == Some(s.name.as_str()))
            .map(|(_, v)| v.nearest(&["container_name".to_owned()]).location());
        diags.push(Diagnostic::error(
            at,
            format!("service `{}`: container name `{name}` is already used by service `{}`", s.name, first.name),
        ));
    }
}

/// A required dependency of an enabled service on a service its profiles disable is an error, as
/// in Compose (`docker compose --profile web config` refuses a `web` service that depends on a
/// `db` of another profile; it does not enable `db`). An optional one is kept.
fn disabled_dependencies(project: &Project, services: &[(Node, Node)], diags: &mut Vec<Diagnostic>) {
    let enabled: HashSet<&str> = project.services.iter().map(|s| s.name.as_str()).collect();
    let defined: HashSet<&str> = services.iter().filter_map(|(k, _)| k.as_str()).collect();
    for s in &project.services {
        for d in s.depends_on.iter().filter(|d| d.required) {
            if defined.contains(d.service.as_str()) && !enabled.contains(d.service.as_str()) {
                let at = services
                    .iter()
                    .find(|(k, _)| k.as_str() == Some(s.name.as_str()))
                    .map(|(_, v)| v.nearest(&["depends_on".to_owned(), d.service.clone()]).location());
                diags.push(Diagnostic::error(
                    at,
                    format!(
                        "service `{}` depends on service `{}`, which the selected profiles disable",
                        s.name, d.service
                    ),
                ));
            }
        }
    }
}

/// Whether a service with `profiles` runs when `active` profiles are selected (none: every service).
pub fn profile_enabled(profiles: &[String], active: &[String]) -> bool {
    active.is_empty()
        || profiles.is_empty()
        || active.iter().any(|a| a == "*")
        || profiles.iter().any(|p| active.iter().any(|a| a == p))
}
