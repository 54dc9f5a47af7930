//! Which files make a project: the compose files named by the paths, `-f`, `COMPOSE_FILE` or found
//! in a directory (`compose.yaml`… plus its `*.override.*`), or a standalone Dockerfile.
//!
//! [`project_files`] looks at names and at which files exist; it reads a file only when its name
//! does not tell whether it is a Dockerfile (`Dockerfile.yaml`, `app.docker`), to decide by its
//! first line. It reports nothing (the caller turns "no file" into a diagnostic).

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
            if crate::confine::is_dir(p) {
                discover(p, env, &mut files, &mut dockerfile);
            } else if is_dockerfile_name(p) || (!has_yaml_extension(p) && looks_like_dockerfile(p)) {
                // A Dockerfile is never loaded as YAML.
                dockerfile.get_or_insert_with(|| clean(p));
            } else {
                files.push(clean(p));
            }
        }
    }
    (files, dockerfile)
}

/// Whether a file is a Dockerfile by its name (`Dockerfile`, `Containerfile`, `*.Dockerfile`,
/// `*.dockerfile`, `Dockerfile.*`, `Dockerfile_*`, `Containerfile.*`); a name that is also a YAML
/// file's (`Dockerfile.yaml`) is decided by the content when the file can be read (a Dockerfile
/// instruction or parser directive first).
pub fn is_dockerfile_name(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // `Dockerfile.dockerignore` is the ignore file of a Dockerfile, not a Dockerfile.
    if name.ends_with(".dockerignore") {
        return false;
    }
    let by_name = name == "Dockerfile"
        || name == "Containerfile"
        || name.ends_with(".Dockerfile")
        || name.ends_with(".dockerfile")
        || name.starts_with("Dockerfile.")
        || name.starts_with("Dockerfile_")
        || name.starts_with("Containerfile.");
    if by_name && has_yaml_extension(path) {
        return looks_like_dockerfile(path);
    }
    by_name
}

/// Whether the name ends in `.yaml` or `.yml`.
fn has_yaml_extension(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// Dockerfile instructions, for recognizing a Dockerfile by its first instruction.
const KEYWORDS: [&str; 18] = [
    "FROM",
    "ARG",
    "RUN",
    "CMD",
    "LABEL",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "VOLUME",
    "USER",
    "WORKDIR",
    "ONBUILD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
    "MAINTAINER",
];

/// Whether the file at `path` reads as a Dockerfile: a parser directive (`# syntax=`, `# escape=`,
/// `# check=`) or an instruction keyword first (after blank and comment lines). Unreadable: no.
pub fn looks_like_dockerfile(path: &Path) -> bool {
    let Ok(head) = crate::confine::read_head(path, 64 * 1024) else { return false };
    text_looks_like_dockerfile(&String::from_utf8_lossy(&head))
}

/// [`looks_like_dockerfile`] on text.
fn text_looks_like_dockerfile(text: &str) -> bool {
    for line in text.lines().map(|l| l.trim_start_matches('\u{feff}').trim()) {
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let directive = comment.trim_start().split('=').next().unwrap_or_default().trim().to_ascii_lowercase();
            if comment.contains('=') && matches!(directive.as_str(), "syntax" | "escape" | "check") {
                return true;
            }
            continue;
        }
        let word = line.split_whitespace().next().unwrap_or_default();
        return line.len() > word.len() && KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(word));
    }
    false
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
        if crate::confine::is_file(&candidate) {
            files.push(clean(&candidate));
            let (stem, ext) = name.rsplit_once('.').unwrap_or((name, "yaml"));
            for ext in [ext, if ext == "yaml" { "yml" } else { "yaml" }] {
                let over = dir.join(format!("{stem}.override.{ext}"));
                if crate::confine::is_file(&over) {
                    files.push(clean(&over));
                    break;
                }
            }
            return;
        }
    }
    let df = dir.join("Dockerfile");
    if crate::confine::is_file(&df) && dockerfile.is_none() {
        *dockerfile = Some(clean(&df));
    }
}

#[cfg(test)]
mod tests {
    use super::is_dockerfile_name;
    use std::path::Path;

    #[test]
    fn dockerfiles_by_content() {
        for yes in ["FROM alpine\n", "# syntax=docker/dockerfile:1\nFROM x\n", "\n# comment\narg V=1\nFROM x\n"] {
            assert!(super::text_looks_like_dockerfile(yes), "{yes:?}");
        }
        for no in ["services:\n  a:\n", "from: x\n", "# just a comment\n", "FROM\n", ""] {
            assert!(!super::text_looks_like_dockerfile(no), "{no:?}");
        }
    }

    #[test]
    fn dockerfiles_and_not_their_ignore_files() {
        for yes in [
            "Dockerfile",
            "api.Dockerfile",
            "api.dockerfile",
            "Dockerfile.dev",
            "Dockerfile_prod",
            "Containerfile",
            "Containerfile.dev",
        ] {
            assert!(is_dockerfile_name(Path::new(yes)), "{yes}");
        }
        for no in ["Dockerfile.dockerignore", "Dockerfile.dev.dockerignore", ".dockerignore", "compose.yaml"] {
            assert!(!is_dockerfile_name(Path::new(no)), "{no}");
        }
    }
}
