//! Which files make a project: the compose files named by the paths, `-f`, `COMPOSE_FILE` or found
//! in a directory (`compose.yaml`… plus its `*.override.*`), or a standalone Dockerfile.
//!
//! [`project_files`] only looks at names and at which files exist; it reads no file and reports
//! nothing (the caller turns "no file" into a diagnostic).

use std::path::{Path, PathBuf};

use super::interpolate::Env;
use crate::paths::clean;
use crate::source::LoadOptions;

/// Compose file names looked for in a directory, in order of preference.
pub const COMPOSE_FILE_NAMES: [&str; 4] = ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"];

/// The compose files of a project in merge order, and the first Dockerfile named or found (used
/// when there is no compose file): `-f` files first, else the `paths`, else `search_dir`.
pub(super) fn project_files(
    paths: &[PathBuf],
    options: &LoadOptions,
    search_dir: &Path,
    env: &Env,
) -> (Vec<PathBuf>, Option<PathBuf>) {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut dockerfile: Option<PathBuf> = None;
    if !options.files.is_empty() {
        files.extend(options.files.iter().map(|f| clean(f)));
    } else if paths.is_empty() {
        discover(search_dir, env, &mut files, &mut dockerfile);
    } else {
        for p in paths {
            if p.is_dir() {
                discover(p, env, &mut files, &mut dockerfile);
            } else if is_dockerfile_name(p) {
                dockerfile.get_or_insert_with(|| clean(p));
            } else {
                files.push(clean(p));
            }
        }
    }
    (files, dockerfile)
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

#[cfg(test)]
mod tests {
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
