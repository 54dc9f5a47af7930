//! Discover and load: from the caller's project source to loaded projects.
//!
//! Paths are searched for projects ([`crate::discover`]) and loaded in parallel; Dockerfiles found
//! while walking become standalone projects only when no compose project builds them. An in-memory
//! project is loaded from memory below a virtual root ([`MemoryFiles`]): nothing is written. This step only loads: it never
//! reads configuration or evaluates.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use plimsoll_model::confine::MemoryFiles;
use plimsoll_model::{LoadOptions, LoadedProject};
use rayon::prelude::*;

use crate::error::CheckError;
use crate::options::{CheckOptions, ProjectSource};
use crate::{discover, repository};

/// One loaded project and what the rest of the pipeline needs to know about where it came from.
pub struct Target {
    /// The project.
    pub loaded: LoadedProject,
    /// The repository root (absolute; see [`crate::repository`]): the project's identity is its
    /// path relative to it, and `plimsoll.yaml` is looked for up to it.
    pub repository: PathBuf,
}

impl Target {
    fn new(loaded: LoadedProject, repository: PathBuf) -> Self {
        Target { loaded, repository }
    }
}

/// Load every project `options` names.
pub fn load_all(options: &CheckOptions) -> Result<Vec<Target>, CheckError> {
    let load_options = |files: Vec<PathBuf>, project_directory: Option<PathBuf>| LoadOptions {
        files,
        project_directory,
        profiles: options.profiles.clone(),
        env_files: options.env_files.clone(),
        confine: options.confine.clone(),
        environment: options.environment.clone(),
        ..LoadOptions::default()
    };
    match &options.project {
        ProjectSource::Loaded(loaded) => {
            let root = crate::paths::clean(&std::path::absolute(&loaded.directory).unwrap_or_default());
            Ok(vec![Target::new((**loaded).clone(), root)])
        }
        ProjectSource::Files { files, project_directory, project_name } => {
            let root = project_directory
                .clone()
                .or_else(|| files.first().and_then(|f| f.parent()).map(Path::to_path_buf))
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or_else(|| PathBuf::from("."));
            let mut load = load_options(files.clone(), project_directory.clone());
            load.project_name.clone_from(project_name);
            let loaded = plimsoll_model::load(&[], &load);
            Ok(vec![Target::new(loaded, repository::root_of(&root))])
        }
        ProjectSource::Memory { files, compose_files, project_name } => {
            let memory =
                Arc::new(MemoryFiles::new(files.clone()).map_err(|e| CheckError::Input(format!("files: {e}")))?);
            let root = memory.root().to_path_buf();
            let compose: Vec<PathBuf> = compose_files.iter().map(|f| root.join(f)).collect();
            // The upload is the project: the process environment (the server's) never fills a
            // variable; `.env` among the files does.
            // Nothing outside the upload is read, whatever its files reference.
            let named = |mut o: LoadOptions| {
                o.project_name = project_name.clone();
                o.environment = Some(std::collections::HashMap::new());
                o.confine = None;
                o.memory = Some(memory.clone());
                o
            };
            let loaded = if compose.is_empty() {
                plimsoll_model::load(std::slice::from_ref(&root), &named(load_options(Vec::new(), None)))
            } else {
                plimsoll_model::load(&[], &named(load_options(compose, Some(root.clone()))))
            };
            Ok(vec![Target::new(loaded, root)])
        }
        ProjectSource::Paths(paths) => Ok(load_paths(paths, &load_options(Vec::new(), None))),
    }
}

fn load_paths(paths: &[PathBuf], load_options: &LoadOptions) -> Vec<Target> {
    let paths = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths.to_vec() };
    let mut targets = Vec::new();
    let mut dockerfiles = Vec::new();
    let mut seen = HashSet::new();
    for path in &paths {
        let found = discover::discover(path);
        targets.extend(found.projects.into_iter().filter(|t| seen.insert(canonical(&t.path))));
        dockerfiles.extend(found.dockerfiles);
    }
    let load = |t: &discover::Target| {
        Target::new(plimsoll_model::load(std::slice::from_ref(&t.path), load_options), repository::root_of(&t.root))
    };
    // A Kubernetes manifest is a project of its own (none when it holds no workload).
    let load_any = |t: &discover::Target| {
        if t.path.is_file() && crate::manifests::is_manifest(&t.path) {
            let loaded = crate::manifests::load(&t.path, load_options)?;
            Some(Target::new(loaded, repository::root_of(&t.root)))
        } else {
            Some(load(t))
        }
    };
    let mut loaded: Vec<Target> = targets.par_iter().filter_map(load_any).collect();
    let built: HashSet<PathBuf> = loaded
        .iter()
        .flat_map(|t| {
            let l = &t.loaded;
            l.dockerfiles.iter().map(|d| canonical(&d.file)).chain(l.primary_file.iter().map(|f| canonical(f)))
        })
        .collect();
    let standalone: Vec<_> = dockerfiles
        .into_iter()
        .filter(|t| !built.contains(&canonical(&t.path)) && seen.insert(canonical(&t.path)))
        .collect();
    loaded.extend(standalone.par_iter().map(load).collect::<Vec<_>>());
    loaded
}

/// A path made absolute and canonical when possible, for comparing paths.
pub(crate) fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().or_else(|_| std::path::absolute(path)).unwrap_or_else(|_| path.to_path_buf())
}
