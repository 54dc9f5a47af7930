//! Links services that build to their Dockerfiles and contexts, and computes effective values.
//!
//! [`link`] runs after the compose loader: for each service's `build` it resolves the Dockerfile
//! as Compose does (relative to the context; an absolute path stays), parses each distinct
//! (Dockerfile, build args) pair once into `model.dockerfiles` with its spans, scans each distinct
//! context (and ignore file) once into `model.contexts`, picks the target stage, and computes every
//! service's [`Effective`] values with their origin (compose over image). [`load_standalone`]
//! makes a project of one Dockerfile. Problems are located diagnostics; nothing here panics or
//! stops the run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::context::{self, ScanLimits};
use crate::diagnostic::{Diagnostic, Location};
use crate::dockerfile::{self, ImageConfig};
use crate::model::{Effective, Healthcheck, KeyValue, Origin, Service};
use crate::paths::{clean, is_remote_context, parent_dir, relative_absolute};
use crate::source::{DockerfileSource, LoadOptions, LoadedProject, normalize_project_name};

/// A parsed Dockerfile is shared by services with the same file and the same build args.
type DockerfileKey = (PathBuf, Vec<(String, Option<String>)>);

/// Link every service that builds to its Dockerfile and context, and compute effective values.
pub fn link(project: &mut LoadedProject) {
    let limits = ScanLimits::default();
    let dir = project.directory.clone();
    let mut dockerfiles: HashMap<DockerfileKey, Option<u32>> = HashMap::new();
    let mut contexts: HashMap<(String, Option<PathBuf>), u32> = HashMap::new();
    for i in 0..project.model.services.len() {
        let name = project.model.services[i].name.clone();
        let Some(mut build) = project.model.services[i].build.clone() else {
            let service = &mut project.model.services[i];
            service.effective = effective(service, None);
            continue;
        };
        let locate = |project: &LoadedProject, key: &[&str]| -> Option<Location> {
            let mut path = vec!["services".to_string(), name.clone(), "build".to_string()];
            path.extend(key.iter().map(|k| k.to_string()));
            project.compose.as_ref().map(|n| n.nearest(&path).location())
        };
        let at = locate(project, &[]);
        let mut config = None;
        if is_remote_context(&build.context) {
            let key = (build.context.clone(), None);
            let index = *contexts.entry(key).or_insert_with(|| {
                let (ctx, diags) = context::load_context(&build.context, &dir, None, &dir, &limits, at.clone());
                project.diagnostics.extend(diags);
                project.model.contexts.push(ctx);
                (project.model.contexts.len() - 1) as u32
            });
            build.context_index = Some(index);
        } else {
            let context_dir = clean(&dir.join(&build.context));
            let written = build.dockerfile.clone().unwrap_or_else(|| "Dockerfile".to_string());
            let df_path = clean(&context_dir.join(&written));
            let ignore = context::find_dockerignore(&context_dir, Some(&df_path));
            let key = (context_dir.to_string_lossy().into_owned(), ignore);
            let index = *contexts.entry(key).or_insert_with(|| {
                let (ctx, diags) =
                    context::load_context(&build.context, &context_dir, Some(&df_path), &dir, &limits, at.clone());
                project.diagnostics.extend(diags);
                project.model.contexts.push(ctx);
                (project.model.contexts.len() - 1) as u32
            });
            build.context_index = Some(index);

            let mut args: Vec<(String, Option<String>)> =
                build.args.iter().map(|kv| (kv.name.clone(), kv.value.clone())).collect();
            args.sort();
            let inline = project
                .compose
                .as_ref()
                .and_then(|d| d.get_path(&["services", name.as_str(), "build", "dockerfile_inline"]))
                .filter(|n| n.as_str().is_some())
                .cloned();
            let key_path = match &inline {
                // An inline Dockerfile is keyed by where it is written.
                Some(node) => PathBuf::from(format!("{}#{}:{}", node.file.display(), node.line, node.column)),
                None => df_path.clone(),
            };
            let df_index = *dockerfiles.entry((key_path, args)).or_insert_with(|| {
                if let Some(node) = &inline {
                    let (parsed, file) = parse_inline(node, &build.args);
                    let mut df = parsed.dockerfile;
                    df.path = relative_absolute(&file, &dir);
                    project.diagnostics.extend(parsed.diagnostics);
                    project.model.dockerfiles.push(df);
                    project.dockerfiles.push(DockerfileSource { file, spans: parsed.spans });
                    return Some((project.model.dockerfiles.len() - 1) as u32);
                }
                let rel = relative_absolute(&df_path, &dir);
                match dockerfile::parse_file(&df_path, &build.args) {
                    Ok(parsed) => {
                        let mut df = parsed.dockerfile;
                        df.path = rel;
                        project.diagnostics.extend(parsed.diagnostics);
                        project.model.dockerfiles.push(df);
                        project.dockerfiles.push(DockerfileSource { file: df_path.clone(), spans: parsed.spans });
                        Some((project.model.dockerfiles.len() - 1) as u32)
                    }
                    Err(e) => {
                        let message = if e.kind() == std::io::ErrorKind::NotFound {
                            format!("dockerfile `{rel}` of service `{name}` does not exist")
                        } else {
                            format!("cannot read dockerfile `{rel}` of service `{name}`: {e}")
                        };
                        // A Dockerfile outside a confined project is a reference that leaves it: an
                        // error, as every such reference is.
                        if e.kind() == std::io::ErrorKind::PermissionDenied && crate::confine::check(&df_path).is_err()
                        {
                            project.diagnostics.push(Diagnostic::error(at.clone(), message));
                        } else {
                            project.diagnostics.push(Diagnostic::warning(at.clone(), message));
                        }
                        None
                    }
                }
            });
            build.dockerfile_index = df_index;
            if let Some(d) = df_index {
                let df = &project.model.dockerfiles[d as usize];
                build.target_stage = dockerfile::target_stage(df, build.target.as_deref());
                match (build.target_stage, &build.target) {
                    (Some(stage), _) => config = Some(dockerfile::image_config(df, stage)),
                    (None, Some(target)) => {
                        let message =
                            format!("service `{name}` targets stage `{target}`, which `{}` does not define", df.path);
                        let at = locate(project, &["target"]);
                        project.diagnostics.push(Diagnostic::error(at, message));
                    }
                    (None, None) => {}
                }
            }
        }
        let service = &mut project.model.services[i];
        service.build = Some(build);
        service.effective = effective(service, config.as_ref());
    }
}

/// A service's effective values: the compose file over the image built from its Dockerfile.
pub fn effective(service: &Service, image: Option<&ImageConfig>) -> Effective {
    let mut e = Effective::default();
    let from = |compose: bool, image: bool| {
        if compose {
            Origin::Compose
        } else if image {
            Origin::Image
        } else {
            Origin::Unset
        }
    };
    let image_hc = image.and_then(|c| c.healthcheck.clone());
    (e.healthcheck, e.healthcheck_origin) = match (&service.healthcheck, image_hc) {
        (Some(c), Some(i)) if c.test.is_empty() && !c.disabled => (Some(merge_healthcheck(c, &i)), Origin::Compose),
        (Some(c), _) => (Some(c.clone()), Origin::Compose),
        (None, Some(i)) => (Some(i), Origin::Image),
        (None, None) => (None, Origin::Unset),
    };
    let image_user = image.and_then(|c| c.user.clone());
    e.user_origin = from(service.user.is_some(), image_user.is_some());
    e.user = service.user.clone().or(image_user);

    let image_ep = image.and_then(|c| c.entrypoint.clone());
    e.entrypoint_origin = from(service.entrypoint.is_some(), image_ep.is_some());
    e.entrypoint = service.entrypoint.clone().or(image_ep);
    // Overriding the entrypoint clears the image's command, as `docker run --entrypoint` does.
    let image_cmd = if service.entrypoint.is_some() { None } else { image.and_then(|c| c.cmd.clone()) };
    e.command_origin = from(service.command.is_some(), image_cmd.is_some());
    e.command = service.command.clone().or(image_cmd);

    if let Some(c) = image {
        e.exposed_ports = c.exposed.clone();
        e.environment = c.env.clone();
    }
    for p in &service.expose {
        if !e.exposed_ports.contains(p) {
            e.exposed_ports.push(p.clone());
        }
    }
    for kv in &service.environment {
        e.environment.retain(|x| x.name != kv.name);
        e.environment.push(KeyValue { name: kv.name.clone(), value: kv.value.clone() });
    }
    e
}

/// A compose healthcheck that sets only timings keeps the image's test.
fn merge_healthcheck(compose: &Healthcheck, image: &Healthcheck) -> Healthcheck {
    Healthcheck {
        test: image.test.clone(),
        disabled: image.disabled,
        interval: compose.interval.or(image.interval),
        timeout: compose.timeout.or(image.timeout),
        start_period: compose.start_period.or(image.start_period),
        start_interval: compose.start_interval.or(image.start_interval),
        retries: compose.retries.or(image.retries),
    }
}

/// A project made of one Dockerfile: no services, the Dockerfile is `model.dockerfiles[0]` and its
/// directory is the context `model.contexts[0]`.
pub fn load_standalone(dockerfile: &Path, options: &LoadOptions) -> LoadedProject {
    let directory = options.project_directory.clone().unwrap_or_else(|| parent_dir(dockerfile));
    let mut project = LoadedProject {
        directory: directory.clone(),
        primary_file: Some(dockerfile.to_path_buf()),
        ..Default::default()
    };
    project.model.name = options.project_name.clone().unwrap_or_else(|| project_name(&directory));
    project.model.extensions = "{}".to_string();
    let rel = relative_absolute(dockerfile, &directory);
    match dockerfile::parse_file(dockerfile, &[]) {
        Ok(parsed) => {
            let mut df = parsed.dockerfile;
            df.path = rel;
            project.diagnostics.extend(parsed.diagnostics);
            project.model.dockerfiles.push(df);
            project.dockerfiles.push(DockerfileSource { file: dockerfile.to_path_buf(), spans: parsed.spans });
        }
        Err(e) => {
            project.diagnostics.push(Diagnostic::error(
                Some(Location::start_of(dockerfile)),
                format!("cannot read dockerfile `{rel}`: {e}"),
            ));
            return project;
        }
    }
    let context_dir = parent_dir(dockerfile);
    let (ctx, diags) =
        context::load_context(".", &context_dir, Some(dockerfile), &directory, &ScanLimits::default(), None);
    project.diagnostics.extend(diags);
    project.model.contexts.push(ctx);
    project
}

/// The project name of a standalone Dockerfile: its directory's, normalized; `default` when that is empty.
fn project_name(dir: &Path) -> String {
    let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let base = abs.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let name = normalize_project_name(&base);
    if name.is_empty() { "default".to_string() } else { name }
}

/// Parse a `build.dockerfile_inline` scalar as a Dockerfile located inside the compose file: a
/// block scalar's lines start on the line after its indicator at the block's indentation, a
/// one-line scalar at its own column (after the quote). Returns the parse and the compose file.
fn parse_inline(node: &crate::yaml::Node, build_args: &[KeyValue]) -> (dockerfile::Parsed, PathBuf) {
    let file = node.file.as_ref().clone();
    let text = node.as_str().unwrap_or_default();
    let (line_offset, column_offset) = match node.style {
        crate::yaml::Style::Block => {
            // The node may start at its `|`/`>` indicator or at its first content line.
            let src = crate::confine::read_to_string(&file).unwrap_or_default();
            let lines: Vec<&str> = src.lines().collect();
            let at = (node.line as usize).saturating_sub(1);
            let indicator = lines.get(at).is_some_and(|l| {
                let t = l.split(" #").next().unwrap_or_default().trim_end();
                t.trim_end_matches(|c: char| c == '-' || c == '+' || c.is_ascii_digit()).ends_with(['|', '>'])
            });
            let first = if indicator { at + 1 } else { at };
            let indent = lines
                .iter()
                .skip(first)
                .find(|l| !l.trim().is_empty())
                .map_or(0, |l| l.chars().take_while(|c| *c == ' ').count());
            (u32::try_from(first).unwrap_or(0), u32::try_from(indent).unwrap_or(0))
        }
        crate::yaml::Style::Quoted => (node.line - 1, node.column),
        crate::yaml::Style::Plain => (node.line - 1, node.column - 1),
    };
    let mut parsed = dockerfile::parse(text, &file, build_args);
    for span in &mut parsed.spans {
        span.line += line_offset;
        span.end_line += line_offset;
        span.column += column_offset;
    }
    for d in &mut parsed.diagnostics {
        if let Some(loc) = &mut d.location
            && loc.file == file
        {
            loc.line += line_offset;
            loc.column += column_offset;
        }
    }
    (parsed, file)
}
