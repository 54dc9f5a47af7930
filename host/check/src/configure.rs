//! Configure: one project's `plimsoll.yaml`, the extra packs it names, and its validated settings.
//!
//! Finds (or takes) the configuration, applies the host profile to the model, resolves `packs:`,
//! checks `rules:` and `settings:` against the packs, and validates each pack's settings (schema,
//! then the pack's own `validate-settings`). A project with any configuration error is not
//! evaluated. This step never evaluates a project.

use std::path::{Path, PathBuf};

use plimsoll_model::{LoadedProject, Location};
use plimsoll_runtime::Pack;

use crate::engine::Engine;
use crate::error::FileError;
use crate::options::{CheckOptions, ConfigSource, PathStyle};
use crate::outcome::{ErrorEntry, ErrorKind, ProjectResult};
use crate::{config, discover, host_rules};

/// A project's configuration, ready for evaluation.
pub struct Configured {
    /// The configuration in force.
    pub cfg: config::Loaded,
    /// Packs named by `packs:` in the configuration.
    pub extra: Vec<Pack>,
    /// Settings JSON per pack id, validated, in evaluation order (built-in packs first).
    pub settings: Vec<(String, String)>,
}

impl Configured {
    /// Every pack of this project: the engine's, then the configuration's.
    pub fn packs<'a>(&'a self, engine: &'a Engine) -> impl Iterator<Item = &'a Pack> {
        engine.packs.iter().chain(&self.extra)
    }
}

/// What the steps after configuration share about one project.
pub struct Context<'a> {
    /// The engine.
    pub engine: &'a Engine,
    /// The project.
    pub loaded: &'a LoadedProject,
    /// Its configuration.
    pub configured: &'a Configured,
    /// The check's options.
    pub options: &'a CheckOptions,
    /// The project name.
    pub name: &'a str,
    /// The project's identity: its path relative to the repository root.
    pub id: &'a str,
    /// The repository root (absolute).
    pub repository: &'a Path,
    /// Canonical paths, each resolved once for this project.
    pub paths: Canonical,
}

/// The canonical paths of one project's check, each resolved once: fingerprints, waivers and
/// exceptions ask for the same few files once per finding, and every `canonicalize` walks the
/// path with a `readlink` per component. Lives as long as the project's check, so a long-running
/// server never keeps a stale answer.
#[derive(Debug, Default)]
pub struct Canonical(std::sync::Mutex<std::collections::HashMap<PathBuf, PathBuf>>);

impl Canonical {
    /// The canonical form of `path` (absolute when it does not exist), as `load::canonical`.
    pub fn of(&self, path: &Path) -> PathBuf {
        let cached = self.0.lock().unwrap_or_else(|e| e.into_inner()).get(path).cloned();
        cached.unwrap_or_else(|| {
            let resolved = crate::load::canonical(path);
            self.0.lock().unwrap_or_else(|e| e.into_inner()).insert(path.to_path_buf(), resolved.clone());
            resolved
        })
    }
}

impl Context<'_> {
    /// The configuration in force.
    pub fn cfg(&self) -> &config::Loaded {
        &self.configured.cfg
    }

    /// The project root.
    pub fn root(&self) -> &Path {
        &self.loaded.directory
    }

    /// A path of this project as the outcome shows it.
    pub fn show(&self, path: &Path) -> String {
        self.options.path_style.show(path, self.root(), self.repository)
    }
}

/// Configure `loaded`; configuration errors go to `result.errors` (located in the file when they
/// can be) and give `None`.
pub fn configure(
    engine: &Engine,
    loaded: &mut LoadedProject,
    repository: &Path,
    options: &CheckOptions,
    result: &mut ProjectResult,
) -> Option<Configured> {
    let name = result.name.clone();
    let root = loaded.directory.clone();
    let show = |path: &Path| options.path_style.show(path, &root, repository);
    let located = |e: &FileError| {
        let location = e.line.map(|line| Location::new(e.file.clone(), line, e.column.unwrap_or(1)));
        let mut entry = ErrorEntry::at(ErrorKind::Config, &name, &show, location.as_ref(), e.message.clone());
        if entry.file.is_none() {
            entry.file = Some(show(&e.file));
        }
        entry
    };
    let cfg = match &options.config {
        ConfigSource::Parsed(cfg) => (**cfg).clone(),
        source => {
            let path = match source {
                ConfigSource::File(path) => Some(crate::paths::clean(path)),
                _ => discover::find_config(&loaded.directory, repository),
            };
            // Shown relative to a working directory, the path still names the file from there, and
            // messages (and the packs it names) read the way the user wrote them.
            let path = match &options.path_style {
                PathStyle::RelativeTo(_) => path.map(|p| PathBuf::from(show(&p))),
                PathStyle::ProjectRoot | PathStyle::Repository => path,
            };
            match path.as_deref().map(config::load).transpose() {
                Ok(cfg) => cfg.unwrap_or_default(),
                Err(e) => {
                    result.errors.push(located(&e));
                    return None;
                }
            }
        }
    };
    result.config = cfg.files().map(&show).collect();
    let mut errors: Vec<FileError> = Vec::new();
    // A configuration given as a value has no file: its errors name `plimsoll.yaml`.
    let at = |key: &[&str], message: String| {
        cfg.error_at(key, message.clone()).unwrap_or_else(|| FileError::new(config::FILE_NAME, message))
    };
    match cfg.host_profile() {
        Ok(host) => loaded.model.host = host,
        Err(message) => errors.push(at(&["host"], message)),
    }
    // Extra packs named by `packs:`, relative to the configuration file (see `packs`).
    let base: PathBuf =
        cfg.path.as_deref().and_then(Path::parent).map_or_else(|| loaded.directory.clone(), Path::to_path_buf);
    let extra = engine.config_packs.resolve(
        &engine.runtime,
        &base,
        &cfg.config.packs,
        cfg.config.trust.as_ref(),
        &engine.packs,
        &engine.registry,
    );
    for e in &extra.errors {
        errors.push(at(&["packs"], e.clone()));
    }
    let known = || -> Vec<String> {
        engine
            .catalog()
            .into_iter()
            .map(|r| r.id)
            .chain(extra.packs.iter().flat_map(|p| p.info.rules.iter().map(|r| format!("{}/{}", p.info.id, r.id))))
            .collect()
    };
    for rule in cfg.config.rules.keys().filter(|r| !host_rules::is_host_rule(r)) {
        if engine.rule_info(rule).is_none() && !extra.has_rule(rule) {
            let known = known();
            let hint = did_you_mean(rule, known.iter().map(String::as_str))
                .map(|m| format!("; did you mean `{m}`?"))
                .unwrap_or_else(|| " (see `plimsoll rules`)".to_string());
            errors.push(at(&["rules", rule], format!("rules: unknown rule `{rule}`{hint}")));
        }
    }
    let all_packs: Vec<&Pack> = engine.packs.iter().chain(&extra.packs).collect();
    for pack_id in cfg.config.settings.keys() {
        if !all_packs.iter().any(|p| &p.info.id == pack_id) {
            let hint = did_you_mean(pack_id, all_packs.iter().map(|p| p.info.id.as_str()))
                .map(|m| format!("; did you mean `{m}`?"))
                .unwrap_or_default();
            errors.push(at(&["settings", pack_id], format!("settings: unknown pack `{pack_id}`{hint}")));
        }
    }
    let mut settings = Vec::new();
    // Settings a pack refuses: errors of that pack, at its entry of `settings:`.
    let mut refused: Vec<(FileError, String)> = Vec::new();
    for pack in all_packs {
        let value = engine.config_packs.settings_for(&pack.info.id, cfg.config.settings.get(&pack.info.id));
        let text = value.to_string();
        match engine.check_settings_once(pack, &value, &text) {
            Ok(()) => settings.push((pack.info.id.clone(), text)),
            Err(e) => refused.push((at(&["settings", &pack.info.id], e.to_string()), pack.info.id.clone())),
        }
    }
    result.errors.extend(errors.iter().map(located));
    result.errors.extend(refused.iter().map(|(e, pack)| {
        let mut entry = located(e);
        entry.pack = Some(pack.clone());
        entry
    }));
    result.fail_on_threshold = Some(cfg.fail_on());
    if !result.errors.is_empty() {
        return None;
    }
    Some(Configured { cfg, extra: extra.packs, settings })
}

/// The candidate closest to `name` by edit distance, when it is close enough to be a typo.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb)).min(row[j] + 1).min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_close_names_only() {
        let ids = ["image/tag-mutable", "image/tag-missing", "security/privileged"];
        assert_eq!(did_you_mean("image/tag-mutabel", ids), Some("image/tag-mutable"));
        assert_eq!(did_you_mean("security/privilege", ids), Some("security/privileged"));
        assert_eq!(did_you_mean("resources/whatever", ids), None);
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
