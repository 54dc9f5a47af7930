//! Compose projects loaded as Docker Compose would run them: discovery, `.env`, interpolation,
//! `extends`, `include`, multi-file merge, profiles and normalization into the model.
//!
//! [`load_project`] is the entry point. It finds the compose files (paths, `-f`, `COMPOSE_FILE` or
//! `compose.yaml`/`docker-compose.yml` plus `*.override.*`), reads each into a located YAML tree,
//! interpolates it, resolves `extends` and `include` per file (relative to that file, as compose-go
//! does), merges the files in order ([`merge`]), applies profiles, and normalizes the merged document
//! into [`crate::model::Project`] ([`normalize`]). Every problem becomes a located [`Diagnostic`]; the
//! merged document is kept so findings can be located. It never panics and never fails.

pub mod interpolate;
pub mod merge;
pub mod normalize;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Location};
use crate::paths::relative_slashed;
use crate::source::{LoadOptions, LoadedProject};
use crate::yaml::{self, Node, Value};
use interpolate::Env;

pub use crate::paths::{absolute, clean, is_remote_context, parent_dir};
pub use crate::source::normalize_project_name;

/// Compose file names looked for in a directory, in order of preference.
pub const COMPOSE_FILE_NAMES: [&str; 4] = ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"];

/// Most files `extends` and `include` may pull in for one project.
const MAX_EXTRA_FILES: usize = 256;

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
        (None, Some(p)) if p.is_dir() => p.clone(),
        (None, Some(p)) => parent_dir(p),
        (None, None) => PathBuf::from("."),
    };
    let env = build_env(&search_dir, &options.env_files, &process_env, &mut diagnostics);

    // Which files?
    let mut files: Vec<PathBuf> = Vec::new();
    let mut dockerfile: Option<PathBuf> = None;
    if !options.files.is_empty() {
        files.extend(options.files.iter().map(|f| clean(f)));
    } else if paths.is_empty() {
        discover(&search_dir, &env, &mut files, &mut dockerfile);
    } else {
        for p in paths {
            if p.is_dir() {
                discover(p, &env, &mut files, &mut dockerfile);
            } else if is_dockerfile_name(p) {
                dockerfile.get_or_insert_with(|| clean(p));
            } else {
                files.push(clean(p));
            }
        }
    }
    if files.is_empty() {
        if let Some(df) = dockerfile {
            return crate::link::load_standalone(&df, options);
        }
        let dir = paths.first().map(|p| if p.is_dir() { p.clone() } else { parent_dir(p) }).unwrap_or(search_dir);
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
    let doc = merged.unwrap_or_else(|| Node::new(Value::Map(Vec::new()), std::sync::Arc::new(files[0].clone()), 1, 1));
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
    let ctx = normalize::Context { project_dir: &abs_dir, profiles: &profiles, env: &env };
    let mut model = normalize::normalize(&doc, &ctx, &mut diagnostics);
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
    let doc = merged.unwrap_or_else(|| Node::new(Value::Map(Vec::new()), std::sync::Arc::new(file.clone()), 1, 1));
    let mut diagnostics = loader.diagnostics;
    let ctx = normalize::Context { project_dir, profiles: &[], env };
    let mut model = normalize::normalize(&doc, &ctx, &mut diagnostics);
    model.name = normalize_project_name(doc.get("name").and_then(Node::as_str).unwrap_or("project"));
    LoadedProject {
        directory: project_dir.to_path_buf(),
        model,
        compose: Some(doc),
        dockerfiles: Vec::new(),
        primary_file: Some(file),
        diagnostics,
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

/// Whether a file name looks like a Dockerfile (`Dockerfile`, `*.Dockerfile`, `Dockerfile.*`).
pub fn is_dockerfile_name(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // `Dockerfile.dockerignore` is the ignore file of a Dockerfile, not a Dockerfile.
    let ignore_file = name.ends_with(".dockerignore");
    !ignore_file
        && (name == "Dockerfile"
            || name.ends_with(".Dockerfile")
            || name.starts_with("Dockerfile.")
            || name == "Containerfile")
}

/// Find the compose files of `dir`: `COMPOSE_FILE`, else the first standard name plus its override.
fn discover(dir: &Path, env: &Env, files: &mut Vec<PathBuf>, dockerfile: &mut Option<PathBuf>) {
    if let Some(list) = env.get("COMPOSE_FILE").filter(|s| !s.is_empty()) {
        let sep = env.get("COMPOSE_PATH_SEPARATOR").map(String::as_str).unwrap_or(":");
        let sep = if sep.is_empty() { ":" } else { sep };
        for f in list.split(sep).filter(|s| !s.is_empty()) {
            files.push(clean(&dir.join(f)));
        }
        return;
    }
    for name in COMPOSE_FILE_NAMES {
        let candidate = dir.join(name);
        if candidate.is_file() {
            files.push(clean(&candidate));
            let (stem, ext) = name.rsplit_once('.').unwrap_or((name, "yaml"));
            for ext in [ext, if ext == "yaml" { "yml" } else { "yaml" }] {
                let over = dir.join(format!("{stem}.override.{ext}"));
                if over.is_file() {
                    files.push(clean(&over));
                    break;
                }
            }
            return;
        }
    }
    let df = dir.join("Dockerfile");
    if df.is_file() && dockerfile.is_none() {
        *dockerfile = Some(clean(&df));
    }
}

/// Variables for interpolation: the process environment over `.env` in `dir` over the `--env-file`s.
fn build_env(dir: &Path, env_files: &[PathBuf], process: &Env, diagnostics: &mut Vec<Diagnostic>) -> Env {
    let mut env = Env::new();
    let mut read = |path: &Path, required: bool, env: &mut Env| match std::fs::read_to_string(path) {
        Ok(text) => match interpolate::parse_dotenv(&text, process) {
            Ok(vars) => env.extend(vars),
            Err((line, message)) => diagnostics.push(Diagnostic::error(Some(Location::new(path, line, 1)), message)),
        },
        Err(e) if required => diagnostics.push(Diagnostic::error(
            Some(Location::start_of(path)),
            format!("cannot read env file `{}`: {e}", path.display()),
        )),
        Err(_) => {}
    };
    for f in env_files.iter().rev() {
        read(f, true, &mut env);
    }
    read(&clean(&dir.join(".env")), false, &mut env);
    env.extend(process.iter().map(|(k, v)| (k.clone(), v.clone())));
    env
}

struct Loader<'a> {
    env: &'a Env,
    process_env: &'a Env,
    diagnostics: Vec<Diagnostic>,
    extra_files: usize,
    /// Files read for `extends`, interpolated and canonicalized (before their own extends).
    cache: HashMap<PathBuf, Option<Node>>,
}

impl Loader<'_> {
    fn error(&mut self, node: &Node, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::error(Some(node.location()), message));
    }

    /// Read, parse, interpolate and canonicalize one file; then resolve its `extends` and `include`.
    fn load_file(&mut self, file: &Path, include_stack: &[PathBuf]) -> Option<Node> {
        let text = self.read(file)?;
        self.load_text(file, &text, include_stack)
    }

    fn read(&mut self, file: &Path) -> Option<String> {
        match std::fs::read(file) {
            Ok(bytes) if bytes.len() > yaml::MAX_INPUT_BYTES => {
                self.diagnostics.push(Diagnostic::error(
                    Some(Location::start_of(file)),
                    format!("compose file `{}` is too large ({} bytes)", file.display(), bytes.len()),
                ));
                None
            }
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => Some(t),
                Err(_) => {
                    self.diagnostics.push(Diagnostic::error(
                        Some(Location::start_of(file)),
                        format!("compose file `{}` is not valid utf-8", file.display()),
                    ));
                    None
                }
            },
            Err(e) => {
                self.diagnostics.push(Diagnostic::error(
                    Some(Location::start_of(file)),
                    format!("cannot read compose file `{}`: {e}", file.display()),
                ));
                None
            }
        }
    }

    /// Parse, interpolate and canonicalize a text (no extends, no include).
    fn parse_text(&mut self, file: &Path, text: &str, env: &Env) -> Option<Node> {
        let docs = match yaml::parse(text, file) {
            Ok(d) => d,
            Err(d) => {
                self.diagnostics.push(d);
                return None;
            }
        };
        let mut merged: Option<Node> = None;
        for doc in docs {
            if doc.is_null() {
                continue;
            }
            if doc.as_map().is_none() {
                self.error(&doc, format!("a compose file must be a mapping, found {}", doc.kind_name()));
                continue;
            }
            // Documents of one file merge in order; a lone document keeps its tags for the file merge.
            merged = match merged {
                None => Some(doc),
                Some(m) => merge::merge(Some(m), doc, &mut Vec::new()),
            };
        }
        let mut doc =
            merged.unwrap_or_else(|| Node::new(Value::Map(Vec::new()), std::sync::Arc::new(file.to_path_buf()), 1, 1));
        interpolate::interpolate_tree(&mut doc, env, &mut self.diagnostics);
        merge::canonicalize(&mut doc);
        Some(doc)
    }

    fn load_text(&mut self, file: &Path, text: &str, include_stack: &[PathBuf]) -> Option<Node> {
        let env = self.env;
        let mut doc = self.parse_text(file, text, env)?;
        self.resolve_extends(&mut doc, file, env);
        self.apply_include(&mut doc, file, include_stack);
        Some(doc)
    }

    /// Resolve every `extends` of the services of `doc` (from `file`).
    fn resolve_extends(&mut self, doc: &mut Node, file: &Path, env: &Env) {
        let Some(services) = doc.get("services").and_then(Node::as_map) else { return };
        if !services.iter().any(|(_, s)| s.get("extends").is_some()) {
            return;
        }
        let services: Vec<(Node, Node)> = services.to_vec();
        let mut resolved: HashMap<String, Node> = HashMap::new();
        let key = clean(file);
        for (name, _) in &services {
            let Some(name) = name.as_str() else { continue };
            let mut stack = Vec::new();
            if let Some(node) = self.resolve_service(&services, &key, name, env, &mut stack, &mut resolved) {
                resolved.insert(name.to_owned(), node);
            }
        }
        if let Some(Value::Map(entries)) = doc_services_mut(doc) {
            for (k, v) in entries.iter_mut() {
                if let Some(node) = k.as_str().and_then(|n| resolved.remove(n)) {
                    *v = node;
                }
            }
        }
    }

    /// The service `name` of `services` (from `file`) with its `extends` chain applied.
    fn resolve_service(
        &mut self,
        services: &[(Node, Node)],
        file: &Path,
        name: &str,
        env: &Env,
        stack: &mut Vec<(PathBuf, String)>,
        memo: &mut HashMap<String, Node>,
    ) -> Option<Node> {
        if let Some(done) = memo.get(name) {
            return Some(done.clone());
        }
        let service = services.iter().find(|(k, _)| k.as_str() == Some(name)).map(|(_, v)| v.clone())?;
        let Some(ext) = service.get("extends").cloned() else { return Some(service) };
        let frame = (file.to_path_buf(), name.to_owned());
        if stack.contains(&frame) {
            let mut chain: Vec<String> = stack.iter().map(|(_, n)| n.clone()).collect();
            chain.push(name.to_owned());
            self.error(&ext, format!("service `{name}` extends itself: {}", chain.join(" -> ")));
            return None;
        }
        let Some(base_name) = ext.get("service").and_then(Node::as_str).map(str::to_owned) else {
            self.error(&ext, format!("`extends` of service `{name}` needs a `service`"));
            return Some(without_extends(service));
        };
        stack.push(frame);
        let base = match ext.get("file").and_then(Node::as_str) {
            None => {
                if !services.iter().any(|(k, _)| k.as_str() == Some(base_name.as_str())) {
                    self.error(&ext, format!("service `{name}` extends undefined service `{base_name}`"));
                    None
                } else {
                    let mut local = HashMap::new();
                    self.resolve_service(services, file, &base_name, env, stack, &mut local)
                }
            }
            Some(other) => {
                let path = clean(&parent_dir(file).join(other));
                match self.extends_file(&path, &ext, env) {
                    Some(other_doc) => {
                        let other_services: Vec<(Node, Node)> =
                            other_doc.get("services").and_then(Node::as_map).map(<[_]>::to_vec).unwrap_or_default();
                        if !other_services.iter().any(|(k, _)| k.as_str() == Some(base_name.as_str())) {
                            self.error(
                                &ext,
                                format!("service `{name}` extends undefined service `{base_name}` of `{other}`"),
                            );
                            None
                        } else {
                            let mut local = HashMap::new();
                            let base = self.resolve_service(&other_services, &path, &base_name, env, stack, &mut local);
                            base.map(|mut b| {
                                if parent_dir(&path) != parent_dir(file) {
                                    absolutize_service_paths(&mut b, &absolute(&parent_dir(&path)));
                                }
                                b
                            })
                        }
                    }
                    None => None,
                }
            }
        };
        stack.pop();
        let child = without_extends(service);
        let result = match base {
            Some(base) => {
                let mut path = vec!["services".to_owned(), name.to_owned()];
                merge::merge(Some(without_extends(base)), child, &mut path)
            }
            None => Some(child),
        };
        if let Some(r) = &result {
            memo.insert(name.to_owned(), r.clone());
        }
        result
    }

    /// Another file named by `extends.file`: parsed, interpolated, canonicalized (cached).
    fn extends_file(&mut self, path: &Path, at: &Node, env: &Env) -> Option<Node> {
        if let Some(cached) = self.cache.get(path) {
            return cached.clone();
        }
        self.extra_files += 1;
        if self.extra_files > MAX_EXTRA_FILES {
            self.error(at, format!("too many files pulled in by `extends` and `include` (over {MAX_EXTRA_FILES})"));
            return None;
        }
        if !path.is_file() {
            self.error(at, format!("cannot read the file `{}` named by `extends`", path.display()));
            self.cache.insert(path.to_path_buf(), None);
            return None;
        }
        let doc = self.read(path).and_then(|text| self.parse_text(path, &text, env));
        self.cache.insert(path.to_path_buf(), doc.clone());
        doc
    }

    /// Apply the top-level `include` of `doc` (from `file`): load each included project and add its resources.
    fn apply_include(&mut self, doc: &mut Node, file: &Path, stack: &[PathBuf]) {
        let Some(include) = doc.get("include").cloned() else { return };
        let Some(items) = include.as_seq() else {
            self.error(&include, "`include` must be a list");
            return;
        };
        let base_dir = parent_dir(file);
        for item in items {
            let (paths, project_dir, env_files): (Vec<&Node>, Option<&Node>, Vec<&Node>) = match &item.value {
                Value::Scalar(_) => (vec![item], None, Vec::new()),
                Value::Map(_) => {
                    let paths = match item.get("path") {
                        Some(p) if p.as_seq().is_some() => p.as_seq().unwrap_or_default().iter().collect(),
                        Some(p) => vec![p],
                        None => {
                            self.error(item, "an `include` entry needs a `path`");
                            continue;
                        }
                    };
                    let env_files = match item.get("env_file") {
                        Some(e) if e.as_seq().is_some() => e.as_seq().unwrap_or_default().iter().collect(),
                        Some(e) => vec![e],
                        None => Vec::new(),
                    };
                    (paths, item.get("project_directory"), env_files)
                }
                _ => {
                    self.error(item, "an `include` entry must be a path or a mapping");
                    continue;
                }
            };
            let files: Vec<PathBuf> =
                paths.iter().filter_map(|p| p.as_str()).map(|p| clean(&base_dir.join(p))).collect();
            let Some(first) = files.first() else {
                self.error(item, "an `include` entry needs a `path`");
                continue;
            };
            if stack.contains(first) || clean(file) == *first {
                self.error(item, format!("`include` cycle: `{}` includes itself", first.display()));
                continue;
            }
            self.extra_files += files.len();
            if self.extra_files > MAX_EXTRA_FILES {
                self.error(
                    item,
                    format!("too many files pulled in by `extends` and `include` (over {MAX_EXTRA_FILES})"),
                );
                return;
            }
            let inc_dir = match project_dir.and_then(Node::as_str) {
                Some(d) => clean(&base_dir.join(d)),
                None => parent_dir(first),
            };
            // The included project's variables: the process environment over its env files (default `.env`).
            let mut env = Env::new();
            let env_paths: Vec<PathBuf> = if env_files.is_empty() {
                vec![inc_dir.join(".env")]
            } else {
                env_files.iter().filter_map(|e| e.as_str()).map(|e| clean(&base_dir.join(e))).collect()
            };
            for p in &env_paths {
                match std::fs::read_to_string(p) {
                    Ok(text) => match interpolate::parse_dotenv(&text, self.process_env) {
                        Ok(vars) => env.extend(vars),
                        Err((line, m)) => self.diagnostics.push(Diagnostic::error(Some(Location::new(p, line, 1)), m)),
                    },
                    Err(_) if env_files.is_empty() => {}
                    Err(e) => self.error(item, format!("cannot read env file `{}`: {e}", p.display())),
                }
            }
            env.extend(self.process_env.iter().map(|(k, v)| (k.clone(), v.clone())));
            let mut inner_stack = stack.to_vec();
            inner_stack.push(clean(file));
            let mut included: Option<Node> = None;
            for f in &files {
                if !f.is_file() {
                    self.error(item, format!("cannot read the included file `{}`", f.display()));
                    continue;
                }
                let Some(text) = self.read(f) else { continue };
                let Some(mut d) = self.parse_text(f, &text, &env) else { continue };
                self.resolve_extends(&mut d, f, &env);
                self.apply_include(&mut d, f, &inner_stack);
                included = merge::merge(included, d, &mut Vec::new());
            }
            let Some(mut included) = included else { continue };
            let abs_inc = absolute(&inc_dir);
            if let Some(Value::Map(services)) = doc_services_mut(&mut included) {
                for (_, s) in services.iter_mut() {
                    absolutize_service_paths(s, &abs_inc);
                }
            }
            self.add_included(doc, included);
        }
    }

    /// Add the resources of an included project to `doc`; a name defined in both is an error.
    fn add_included(&mut self, doc: &mut Node, included: Node) {
        let Value::Map(inc) = included.value else { return };
        let Value::Map(top) = &mut doc.value else { return };
        for (section_key, section) in inc {
            let Some(section_name) = section_key.as_str().map(str::to_owned) else { continue };
            if !matches!(section_name.as_str(), "services" | "networks" | "volumes" | "secrets" | "configs") {
                continue;
            }
            let Value::Map(entries) = section.value else { continue };
            let pos = match top.iter().position(|(k, _)| k.as_str() == Some(section_name.as_str())) {
                Some(p) => p,
                None => {
                    top.push((section_key.clone(), section_key.with_value(Value::Map(Vec::new()))));
                    top.len() - 1
                }
            };
            let target = &mut top[pos].1;
            if target.is_null() {
                target.value = Value::Map(Vec::new());
            }
            let Value::Map(existing) = &mut target.value else { continue };
            for (k, v) in entries {
                let name = k.as_str().unwrap_or_default().to_owned();
                if let Some((ek, _)) = existing.iter().find(|(ek, _)| ek.as_str() == Some(name.as_str())) {
                    let at = ek.location();
                    self.diagnostics.push(Diagnostic::error(
                        Some(at),
                        format!(
                            "{} `{name}` is also defined by the included file `{}`",
                            singular(&section_name),
                            k.file.display()
                        ),
                    ));
                    continue;
                }
                existing.push((k, v));
            }
        }
    }
}

fn singular(section: &str) -> &str {
    section.strip_suffix('s').unwrap_or(section)
}

fn doc_services_mut(doc: &mut Node) -> Option<&mut Value> {
    let Value::Map(top) = &mut doc.value else { return None };
    top.iter_mut().find(|(k, _)| k.as_str() == Some("services")).map(|(_, v)| &mut v.value)
}

fn without_extends(mut service: Node) -> Node {
    if let Value::Map(entries) = &mut service.value {
        entries.retain(|(k, _)| k.as_str() != Some("extends"));
    }
    service
}

/// Make the relative paths of a service (build context, env files, bind sources) absolute against `dir`.
///
/// Used for services brought in by `extends` from another directory and by `include`, whose paths
/// are relative to their own file (as compose-go resolves them).
fn absolutize_service_paths(service: &mut Node, dir: &Path) {
    let fix = |n: &mut Node| {
        if let Value::Scalar(s) = &mut n.value
            && !s.is_empty()
            && !Path::new(s.as_str()).is_absolute()
            && !is_remote_context(s)
            && !s.starts_with('~')
        {
            *s = clean(&dir.join(s.as_str())).to_string_lossy().into_owned();
        }
    };
    let Value::Map(entries) = &mut service.value else { return };
    for (k, v) in entries.iter_mut() {
        match k.as_str().unwrap_or_default() {
            "build" => {
                if let Value::Map(b) = &mut v.value {
                    match b.iter_mut().find(|(k, _)| k.as_str() == Some("context")) {
                        Some((_, c)) => fix(c),
                        None => {
                            let key = v.string_at("context");
                            let value = v.string_at(dir.to_string_lossy());
                            if let Value::Map(b) = &mut v.value {
                                b.push((key, value));
                            }
                        }
                    }
                }
            }
            "env_file" | "label_file" => match &mut v.value {
                Value::Scalar(_) => fix(v),
                Value::Seq(items) => {
                    for item in items {
                        match &mut item.value {
                            Value::Scalar(_) => fix(item),
                            Value::Map(m) => {
                                if let Some((_, p)) = m.iter_mut().find(|(k, _)| k.as_str() == Some("path")) {
                                    fix(p);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            },
            "volumes" => {
                let Value::Seq(items) = &mut v.value else { continue };
                for item in items {
                    match &mut item.value {
                        Value::Scalar(s) => {
                            if s.starts_with('.')
                                && let Some((src, rest)) = s.split_once(':')
                            {
                                let abs = clean(&dir.join(src)).to_string_lossy().into_owned();
                                *s = format!("{abs}:{rest}");
                            }
                        }
                        Value::Map(m) => {
                            let is_bind =
                                m.iter().any(|(k, v)| k.as_str() == Some("type") && v.as_str() == Some("bind"));
                            if is_bind && let Some((_, src)) = m.iter_mut().find(|(k, _)| k.as_str() == Some("source"))
                            {
                                fix(src);
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}

fn display_dir(dir: &Path) -> String {
    let s = dir.display().to_string();
    if s.is_empty() { ".".to_owned() } else { s }
}

/// Names of the services of a merged document.
pub fn service_names(doc: &Node) -> HashSet<String> {
    doc.get("services")
        .and_then(Node::as_map)
        .map(|s| s.iter().filter_map(|(k, _)| k.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod dockerfile_name_tests {
    use super::is_dockerfile_name;
    use std::path::Path;

    #[test]
    fn dockerfiles_and_not_their_ignore_files() {
        for yes in ["Dockerfile", "api.Dockerfile", "Dockerfile.dev", "Containerfile"] {
            assert!(is_dockerfile_name(Path::new(yes)), "{yes}");
        }
        for no in ["Dockerfile.dockerignore", "Dockerfile.dev.dockerignore", ".dockerignore", "compose.yaml"] {
            assert!(!is_dockerfile_name(Path::new(no)), "{no}");
        }
    }
}
