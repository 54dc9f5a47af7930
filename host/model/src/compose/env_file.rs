//! Env files: the variables a project interpolates with (`.env`, `--env-file`, the env files of an
//! `include` entry, under the process environment), and each service's `env_file:` read into its
//! `environment` the way Compose resolves it.
//!
//! The syntax lives in [`super::dotenv`]; this module reads the files and turns problems into
//! located diagnostics. A service's env-file variables are written into the merged document as
//! `environment` entries located in the env file (its line and column), so the model sees them
//! and a finding about one points into the env file. Nothing here interpolates a compose file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::dotenv::{self, Assignment, Format};
use super::interpolate::Env;
use super::normalize::profile_enabled;
use crate::diagnostic::{Diagnostic, Location};
use crate::paths::clean;
use crate::yaml::{Node, Style, Value};

/// Largest env file read, in bytes.
const MAX_ENV_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Variables for interpolation: the process environment over the `--env-file`s (later files win),
/// or, when none is given, over the optional `.env` of `dir` (`--env-file` replaces `.env`, as in
/// Compose).
pub(super) fn build_env(dir: &Path, env_files: &[PathBuf], process: &Env, diagnostics: &mut Vec<Diagnostic>) -> Env {
    let mut env = Env::new();
    if env_files.is_empty() {
        read_env_file(&clean(&dir.join(".env")), None, process, &mut env, diagnostics);
    }
    for f in env_files {
        read_env_file(f, Some(Location::start_of(f)), process, &mut env, diagnostics);
    }
    env.extend(process.iter().map(|(k, v)| (k.clone(), v.clone())));
    env
}

/// Add the variables of the env file at `path` to `env`; names are looked up in `process`, then
/// in `env` (compose-go's order).
///
/// A syntax error is reported at its line and column; an unreadable file is an error at
/// `required_at`, or skipped silently when `required_at` is `None` (an optional `.env`).
pub(super) fn read_env_file(
    path: &Path,
    required_at: Option<Location>,
    process: &Env,
    env: &mut Env,
    diagnostics: &mut Vec<Diagnostic>,
) {
    match read_text(path) {
        Ok(text) => {
            if let Err(e) = dotenv::parse(&text, Format::Dotenv, &|k| process.get(k).cloned(), env) {
                diagnostics.push(Diagnostic::error(Some(Location::new(path, e.line, e.column)), e.message));
            }
        }
        Err(e) => {
            if let Some(at) = required_at {
                diagnostics
                    .push(Diagnostic::error(Some(at), format!("cannot read env file `{}`: {e}", path.display())));
            }
        }
    }
}

/// The text of an env file (bounded, UTF-8).
fn read_text(path: &Path) -> Result<String, String> {
    crate::confine::check(path).map_err(|e| e.to_string())?;
    let kind = crate::confine::kind(path).map_err(|e| e.to_string())?;
    if kind == crate::confine::Kind::Dir {
        return Err("it is a directory".to_owned());
    }
    let len = kind.bytes();
    if len > MAX_ENV_FILE_BYTES {
        return Err(format!("it is too large ({len} bytes, the limit is {MAX_ENV_FILE_BYTES})"));
    }
    let bytes = crate::confine::read(path).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "it is not valid utf-8".to_owned())
}

/// One `env_file` entry of a service.
struct EnvFileEntry<'n> {
    /// The node naming the path (where a missing file is reported).
    node: &'n Node,
    /// The file, absolute.
    path: PathBuf,
    /// `required` (default true).
    required: bool,
    /// `format`.
    format: Format,
}

/// Resolve every enabled service's `environment` as Compose does: bare entries (`- NAME`, `NAME:`)
/// take their value from `project_env` (the process environment and `.env`) when it is set, then
/// the service's env files are read in order (relative paths against `project_dir`), and
/// `environment` takes precedence over them. Env-file variables are added to the document located
/// in their file; a missing required env file or a syntax error is a located error.
pub(super) fn resolve_environments(
    doc: &mut Node,
    project_dir: &Path,
    project_env: &Env,
    profiles: &[String],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(Value::Map(services)) = super::loader::doc_services_mut(doc) else { return };
    for (name, service) in services.iter_mut() {
        let name = name.as_str().unwrap_or_default().to_owned();
        let service_profiles: Vec<String> = service
            .get("profiles")
            .and_then(Node::as_seq)
            .map(|items| items.iter().filter_map(Node::as_str).map(str::to_owned).collect())
            .unwrap_or_default();
        if service.as_map().is_none() || !profile_enabled(&service_profiles, profiles) {
            continue;
        }
        resolve_service(service, &name, project_dir, project_env, diagnostics);
    }
}

fn resolve_service(
    service: &mut Node,
    name: &str,
    project_dir: &Path,
    project_env: &Env,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Value::Map(entries) = &mut service.value else { return };
    // Bare entries take their value from the project's environment when it is set.
    if let Some((_, env)) = entries.iter_mut().find(|(k, _)| k.as_str() == Some("environment"))
        && let Value::Map(vars) = &mut env.value
    {
        for (k, v) in vars.iter_mut() {
            if v.is_null()
                && let Some(value) = k.as_str().and_then(|k| project_env.get(k))
            {
                let template = format!("${{{}}}", k.as_str().unwrap_or_default());
                *v = v.string_at(value.clone());
                v.template = Some(Arc::from(template));
            }
        }
    }
    let Some(env_file) = entries.iter().find(|(k, _)| k.as_str() == Some("env_file")).map(|(_, v)| v.clone()) else {
        return;
    };
    let files = env_file_entries(&env_file, name, project_dir, diagnostics);
    if files.is_empty() {
        return;
    }
    let environment: Vec<(Node, Node)> = entries
        .iter()
        .find(|(k, _)| k.as_str() == Some("environment"))
        .and_then(|(_, v)| v.as_map())
        .map(<[_]>::to_vec)
        .unwrap_or_default();
    let service_env: HashMap<String, String> =
        environment.iter().filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v.as_str()?.to_owned()))).collect();
    let lookup = |k: &str| project_env.get(k).or_else(|| service_env.get(k)).cloned();
    let mut vars = service_env.clone();
    let mut assigned: Vec<(Arc<PathBuf>, Assignment)> = Vec::new();
    let mut failed = false;
    for entry in &files {
        let text = match read_text(&entry.path) {
            Ok(text) => text,
            Err(e) => {
                // A file outside the project says so, whether or not it exists.
                let readable = crate::confine::exists(&entry.path) || crate::confine::check(&entry.path).is_err();
                if !readable && !entry.required {
                    continue;
                }
                let what = if readable {
                    format!("cannot read env file `{}`: {e}", entry.path.display())
                } else {
                    format!("env file `{}` of service `{name}` not found", entry.path.display())
                };
                diagnostics.push(Diagnostic::error(Some(entry.node.location()), what));
                failed = true;
                continue;
            }
        };
        match dotenv::parse(&text, entry.format, &lookup, &mut vars) {
            Ok(list) => {
                let file = Arc::new(entry.path.clone());
                for a in &list {
                    for unset in &a.unset {
                        diagnostics.push(Diagnostic::warning(
                            Some(Location::new(entry.path.clone(), a.value_line, a.value_column)),
                            format!("variable `{unset}` is not set, defaulting to a blank string"),
                        ));
                    }
                }
                assigned.extend(list.into_iter().map(|a| (file.clone(), a)));
            }
            Err(e) => {
                let at = Location::new(entry.path.clone(), e.line, e.column);
                diagnostics.push(Diagnostic::error(Some(at), format!("invalid env file: {}", e.message)));
                failed = true;
            }
        }
    }
    if failed || assigned.is_empty() {
        return;
    }
    // Env-file variables in order of first assignment (the last assignment wins), then
    // `environment`, which takes precedence.
    let mut merged: Vec<(Node, Node)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (file, a) in assigned {
        let mut key = Node::new(Value::Scalar(a.key.clone()), file.clone(), a.line, a.column);
        key.style = Style::Quoted;
        let mut value = Node::new(Value::Scalar(a.value), file, a.value_line, a.value_column);
        value.style = Style::Quoted;
        value.template = a.template.map(Arc::from);
        match index.get(&a.key) {
            Some(&i) => merged[i] = (key, value),
            None => {
                index.insert(a.key, merged.len());
                merged.push((key, value));
            }
        }
    }
    for (k, v) in environment {
        match k.as_str().and_then(|s| index.get(s)) {
            Some(&i) => merged[i] = (k, v),
            None => {
                index.insert(k.as_str().unwrap_or_default().to_owned(), merged.len());
                merged.push((k, v));
            }
        }
    }
    match entries.iter_mut().find(|(k, _)| k.as_str() == Some("environment")) {
        Some((_, env)) => env.value = Value::Map(merged),
        None => {
            let (k, _) = entries.iter().find(|(k, _)| k.as_str() == Some("env_file")).cloned().unwrap_or_else(|| {
                let n = Node::new(Value::Null, Arc::new(PathBuf::new()), 0, 0);
                (n.clone(), n)
            });
            // The section is implied by `env_file:`: it is located there.
            entries.push((k.string_at("environment"), k.with_value(Value::Map(merged))));
        }
    }
}

/// The entries of `env_file` (a path, or a list of paths and `{path, required, format}`).
fn env_file_entries<'n>(
    node: &'n Node,
    service: &str,
    project_dir: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<EnvFileEntry<'n>> {
    let items: Vec<&Node> = match &node.value {
        Value::Scalar(_) => vec![node],
        Value::Seq(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        Value::Map(_) => {
            let m = format!("`env_file` of service `{service}` must be a string or a list");
            diagnostics.push(Diagnostic::error(Some(node.location()), m));
            Vec::new()
        }
    };
    let mut out = Vec::new();
    for item in items {
        let (path_node, required, format) = match &item.value {
            Value::Scalar(_) => (item, true, Format::Dotenv),
            Value::Map(_) => {
                let Some(path) = item.get("path").filter(|p| p.as_str().is_some()) else {
                    let m = format!("an `env_file` entry of service `{service}` needs a `path`");
                    diagnostics.push(Diagnostic::error(Some(item.location()), m));
                    continue;
                };
                let required = match item.get("required").map(|r| (r, r.as_str())) {
                    None => true,
                    Some((_, Some("true" | "True" | "TRUE"))) => true,
                    Some((_, Some("false" | "False" | "FALSE"))) => false,
                    Some((r, _)) => {
                        let m = format!("`required` of an `env_file` entry of service `{service}` must be a boolean");
                        diagnostics.push(Diagnostic::error(Some(r.location()), m));
                        continue;
                    }
                };
                let format = match item.get("format").map(|f| (f, f.as_str())) {
                    None | Some((_, Some(".env"))) => Format::Dotenv,
                    Some((_, Some("raw"))) => Format::Raw,
                    Some((f, other)) => {
                        let m = format!(
                            "unsupported env_file format {:?} of service `{service}` (expected `raw` or none)",
                            other.unwrap_or_default()
                        );
                        diagnostics.push(Diagnostic::error(Some(f.location()), m));
                        continue;
                    }
                };
                (path, required, format)
            }
            _ => {
                let m = format!("an `env_file` entry of service `{service}` must be a path or a mapping");
                diagnostics.push(Diagnostic::error(Some(item.location()), m));
                continue;
            }
        };
        let written = path_node.as_str().unwrap_or_default();
        let path = clean(&project_dir.join(written));
        out.push(EnvFileEntry { node: path_node, path, required, format });
    }
    out
}
