//! Compose projects loaded as Docker Compose would run them: discovery, `.env`, interpolation,
//! `extends`, `include`, multi-file merge, profiles and normalization into the model.
//!
//! [`load_project`] is the entry point. It finds the compose files (paths, `-f`, `COMPOSE_FILE` or
//! `compose.yaml`/`docker-compose.yml` plus `*.override.*`), reads each into a located YAML tree,
//! interpolates it, resolves `extends` and `include` per file (relative to that file, as compose-go
//! does), merges the files in order ([`merge`]), applies profiles, and normalizes the merged document
//! into [`crate::model::Project`] ([`normalize`]). Every problem becomes a located [`Diagnostic`]; the
//! merged document is kept so findings can be located. It never panics and never fails.

mod discover;
pub mod dotenv;
mod env_file;
mod extends;
mod include;
pub mod interpolate;
mod loader;
pub mod merge;
pub mod normalize;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::paths::relative_slashed;
use crate::source::{LoadOptions, LoadedProject};
use crate::yaml::{Node, Value};
use interpolate::Env;
use loader::Loader;

pub use crate::paths::{absolute, clean, is_remote_context, parent_dir};
pub use crate::source::normalize_project_name;
pub use discover::{COMPOSE_FILE_NAMES, is_dockerfile_name};

/// Load and merge the compose files of a project into the model (see the module documentation).
pub fn load_project(paths: &[PathBuf], options: &LoadOptions) -> LoadedProject {
    let process_env: Env = match &options.environment {
        Some(env) => env.clone(),
        None => std::env::vars().collect(),
    };
    let mut diagnostics = Vec::new();

    // The directory the project is looked for in (before we know the files).
    let first = paths.first().cloned().or_else(|| options.files.first().cloned());
    let search_dir = match (&options.project_directory, &first) {
        (Some(d), _) => d.clone(),
        (None, Some(p)) if crate::confine::is_dir(p) => p.clone(),
        (None, Some(p)) => parent_dir(p),
        (None, None) => PathBuf::from("."),
    };
    let env = env_file::build_env(&search_dir, &options.env_files, &process_env, &mut diagnostics);

    let (files, dockerfile) = discover::project_files(paths, options, &search_dir, &env);
    if files.is_empty() {
        if let Some(df) = dockerfile {
            return crate::link::load_standalone(&df, options);
        }
        let dir = paths
            .first()
            .map(|p| if crate::confine::is_dir(p) { p.clone() } else { parent_dir(p) })
            .unwrap_or(search_dir);
        diagnostics.push(Diagnostic::error(
            None,
            format!(
                "no compose file found in `{}` (looked for {}, or a Dockerfile)",
                display_dir(&dir),
                COMPOSE_FILE_NAMES.join(", ")
            ),
        ));
        return LoadedProject { directory: absolute(&dir), diagnostics, ..LoadedProject::default() };
    }

    let project_dir = options.project_directory.clone().unwrap_or_else(|| parent_dir(&files[0]));
    let mut loader =
        Loader { env: &env, process_env: &process_env, diagnostics, extra_files: 0, cache: HashMap::new() };
    let mut merged: Option<Node> = None;
    for file in &files {
        let Some(doc) = loader.load_file(file, &[]) else { continue };
        let mut path = Vec::new();
        merged = merge::merge(merged, doc, &mut path);
    }
    let mut doc =
        merged.unwrap_or_else(|| Node::new(Value::Map(Vec::new()), std::sync::Arc::new(files[0].clone()), 1, 1));
    let mut diagnostics = loader.diagnostics;

    let profiles = if !options.profiles.is_empty() {
        options.profiles.clone()
    } else {
        env.get("COMPOSE_PROFILES")
            .map(|s| s.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let project_name = options
        .project_name
        .clone()
        .or_else(|| env.get("COMPOSE_PROJECT_NAME").filter(|s| !s.is_empty()).cloned())
        .or_else(|| doc.get("name").and_then(Node::as_str).filter(|s| !s.is_empty()).map(str::to_owned))
        .unwrap_or_else(|| {
            absolute(&project_dir).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
        });

    let abs_dir = absolute(&project_dir);
    env_file::resolve_environments(&mut doc, &abs_dir, &env, &profiles, &mut diagnostics);
    normalize::add_implicit_dependencies(&mut doc);
    let ctx = normalize::Context { project_dir: &abs_dir, profiles: &profiles, env: &env };
    let mut model = normalize::normalize(&doc, &ctx, &mut diagnostics);
    normalize::expand_port_ranges(&mut doc);
    model.name = normalize_project_name(&project_name);
    model.files = files.iter().map(|f| relative_slashed(&absolute(f), &abs_dir)).collect();
    model.profiles = profiles;

    sort_diagnostics(&mut diagnostics);
    LoadedProject {
        directory: abs_dir,
        model,
        compose: Some(doc),
        dockerfiles: Vec::new(),
        primary_file: files.first().cloned(),
        diagnostics,
        memory: None,
    }
}

/// Load a project from in-memory compose texts (merged in order) with no discovery: for fuzzing and benchmarks.
///
/// `extends` and `include` of other files still read the file system relative to `project_dir`.
pub fn load_from_texts(texts: &[(PathBuf, String)], project_dir: &Path, env: &Env) -> LoadedProject {
    let mut loader = Loader { env, process_env: env, diagnostics: Vec::new(), extra_files: 0, cache: HashMap::new() };
    let mut merged: Option<Node> = None;
    for (file, text) in texts {
        let Some(doc) = loader.load_text(file, text, &[]) else { continue };
        merged = merge::merge(merged, doc, &mut Vec::new());
    }
    let file = texts.first().map(|(f, _)| f.clone()).unwrap_or_default();
    let mut doc = merged.unwrap_or_else(|| Node::new(Value::Map(Vec::new()), std::sync::Arc::new(file.clone()), 1, 1));
    normalize::add_implicit_dependencies(&mut doc);
    let mut diagnostics = loader.diagnostics;
    let ctx = normalize::Context { project_dir, profiles: &[], env };
    let mut model = normalize::normalize(&doc, &ctx, &mut diagnostics);
    normalize::expand_port_ranges(&mut doc);
    model.name = normalize_project_name(doc.get("name").and_then(Node::as_str).unwrap_or("project"));
    LoadedProject {
        directory: project_dir.to_path_buf(),
        model,
        compose: Some(doc),
        dockerfiles: Vec::new(),
        primary_file: Some(file),
        diagnostics,
        memory: None,
    }
}

/// Sort diagnostics by file, line and column (stable: same-place diagnostics keep their order).
fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| match (&a.location, &b.location) {
        (Some(x), Some(y)) => x.cmp(y),
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
}

/// A directory for a message (`.` for the empty path).
fn display_dir(dir: &Path) -> String {
    let s = dir.display().to_string();
    if s.is_empty() { ".".to_owned() } else { s }
}
