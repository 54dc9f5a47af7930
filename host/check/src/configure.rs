//! Configure: one project's `plimsoll.yaml`, the extra packs it names, and its validated settings.
//!
//! Finds (or takes) the configuration, applies the host profile to the model, resolves `packs:`,
//! checks `rules:` and `settings:` against the packs, and validates each pack's settings (schema,
//! then the pack's own `validate-settings`). A project with any configuration error is not
//! evaluated. This step never evaluates a project.

use std::path::{Path, PathBuf};

use plimsoll_model::LoadedProject;
use plimsoll_runtime::Pack;

use crate::engine::Engine;
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
        self.options.path_style.show(path, self.root())
    }
}

/// Configure `loaded`; configuration errors go to `result.errors` and give `None`.
pub fn configure(
    engine: &Engine,
    loaded: &mut LoadedProject,
    config_root: Option<&Path>,
    options: &CheckOptions,
    result: &mut ProjectResult,
) -> Option<Configured> {
    let name = result.name.clone();
    let root = loaded.directory.clone();
    let show = |path: &Path| options.path_style.show(path, &root);
    let error = |message: String| ErrorEntry::at(ErrorKind::Config, &name, &show, None, message);
    let cfg = match &options.config {
        ConfigSource::Parsed(cfg) => (**cfg).clone(),
        source => {
            let path = match source {
                ConfigSource::File(path) => Some(crate::paths::clean(path)),
                _ => discover::find_config(&loaded.directory, config_root.unwrap_or(&loaded.directory)),
            };
            // Shown relative to a working directory, the path still names the file from there, and
            // messages (and the packs it names) read the way the user wrote them.
            let path = match &options.path_style {
                PathStyle::RelativeTo(_) => path.map(|p| PathBuf::from(show(&p))),
                PathStyle::ProjectRoot => path,
            };
            match path.as_deref().map(config::load).transpose() {
                Ok(cfg) => cfg.unwrap_or_default(),
                Err(e) => {
                    result.errors.push(error(e.to_string()));
                    return None;
                }
            }
        }
    };
    let cfg_name = cfg.path.as_deref().map(|p| p.display().to_string()).unwrap_or_else(|| config::FILE_NAME.into());
    match cfg.host_profile() {
        Ok(host) => loaded.model.host = host,
        Err(message) => result.errors.push(error(format!("{cfg_name}: {message}"))),
    }
    // Extra packs named by `packs:`, relative to the configuration file (see `packs`).
    let base: PathBuf =
        cfg.path.as_deref().and_then(Path::parent).map_or_else(|| loaded.directory.clone(), Path::to_path_buf);
    let extra = engine.config_packs.resolve(&engine.runtime, &base, &cfg.config.packs, &engine.packs);
    for e in &extra.errors {
        result.errors.push(error(format!("{cfg_name}: {e}")));
    }
    for rule in cfg.config.rules.keys().filter(|r| !host_rules::is_host_rule(r)) {
        if engine.rule_info(rule).is_none() && !extra.has_rule(rule) {
            result.errors.push(error(format!("{cfg_name}: rules: unknown rule `{rule}` (see `plimsoll rules`)")));
        }
    }
    let all_packs: Vec<&Pack> = engine.packs.iter().chain(&extra.packs).collect();
    for pack_id in cfg.config.settings.keys() {
        if !all_packs.iter().any(|p| &p.info.id == pack_id) {
            result.errors.push(error(format!("{cfg_name}: settings: unknown pack `{pack_id}`")));
        }
    }
    let mut settings = Vec::new();
    for pack in all_packs {
        let value = engine.config_packs.settings_for(&pack.info.id, cfg.config.settings.get(&pack.info.id));
        let text = value.to_string();
        match engine.check_settings_once(pack, &value, &text) {
            Ok(()) => settings.push((pack.info.id.clone(), text)),
            Err(e) => result.errors.push(error(format!("{cfg_name}: {e}"))),
        }
    }
    result.fail_on_threshold = Some(cfg.fail_on());
    if !result.errors.is_empty() {
        return None;
    }
    Some(Configured { cfg, extra: extra.packs, settings })
}
