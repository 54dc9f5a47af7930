//! Env files: the variables a project interpolates with, from `.env`, `--env-file` and the env
//! files of an `include` entry, under the process environment.
//!
//! Reading and parsing live here ([`interpolate::parse_dotenv`](super::interpolate::parse_dotenv)
//! does the syntax); problems become located diagnostics. Nothing here interpolates a compose file.

use std::path::{Path, PathBuf};

use super::interpolate::{Env, parse_dotenv};
use crate::diagnostic::{Diagnostic, Location};
use crate::paths::clean;

/// Variables for interpolation: the process environment over `.env` in `dir` over the `--env-file`s.
pub(super) fn build_env(dir: &Path, env_files: &[PathBuf], process: &Env, diagnostics: &mut Vec<Diagnostic>) -> Env {
    let mut env = Env::new();
    for f in env_files.iter().rev() {
        read_env_file(f, Some(Location::start_of(f)), process, &mut env, diagnostics);
    }
    read_env_file(&clean(&dir.join(".env")), None, process, &mut env, diagnostics);
    env.extend(process.iter().map(|(k, v)| (k.clone(), v.clone())));
    env
}

/// Add the variables of the env file at `path` to `env` (its `${VAR}`s read from `process`).
///
/// A syntax error is reported at its line; an unreadable file is an error at `required_at`, or
/// skipped silently when `required_at` is `None` (an optional `.env`).
pub(super) fn read_env_file(
    path: &Path,
    required_at: Option<Location>,
    process: &Env,
    env: &mut Env,
    diagnostics: &mut Vec<Diagnostic>,
) {
    match crate::confine::read_to_string(path) {
        Ok(text) => match parse_dotenv(&text, process) {
            Ok(vars) => env.extend(vars),
            Err((line, message)) => diagnostics.push(Diagnostic::error(Some(Location::new(path, line, 1)), message)),
        },
        Err(e) => {
            if let Some(at) = required_at {
                let message = format!("cannot read env file `{}`: {e}", path.display());
                diagnostics.push(Diagnostic::error(Some(at), message));
            }
        }
    }
}
