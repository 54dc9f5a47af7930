//! `plimsoll policy new NAME --lang rust|python|js`: a new pack that builds and passes its tests
//! right away.
//!
//! Every scaffold has one example rule (`owner-label-missing`) with its documentation, settings with
//! a JSON Schema, fixtures (one of them a settings variant), a manifest and a README. The files are
//! written into a temporary sibling directory and renamed into place, and an existing directory is
//! never touched. A Rust pack depends on `plimsoll-sdk` by path: the SDK is not published, so the
//! path comes from `--sdk-path`, `$PLIMSOLL_SDK_PATH`, or the checkout this binary was built from.

use std::path::{Path, PathBuf};

use plimsoll_check::manifest::{Language, is_kebab};

use super::source::{WIT_FILES, source_checkout};

const MANIFEST: &str = include_str!("templates/common/plimsoll-pack.yaml");
const README: &str = include_str!("templates/common/README.md");
const GITIGNORE: &str = include_str!("templates/common/gitignore");
const FIXTURE: &str = include_str!("templates/common/services.yaml");
const VARIANT_COMPOSE: &str = include_str!("templates/common/custom-compose.yaml");
const VARIANT_CONFIG: &str = include_str!("templates/common/custom-plimsoll.yaml");
const RUST_CARGO: &str = include_str!("templates/rust/Cargo.toml");
const RUST_LIB: &str = include_str!("templates/rust/lib.rs");
const RUST_SETTINGS: &str = include_str!("templates/rust/settings.rs");
const RUST_RULES: &str = include_str!("templates/rust/rules_mod.rs");
const RUST_RULE: &str = include_str!("templates/rust/owner_label_missing.rs");
const PYTHON_PACK: &str = include_str!("templates/python/pack.py");
const JS_PACK: &str = include_str!("templates/js/pack.js");

/// What `policy new` needs.
#[derive(Debug, Clone)]
pub struct NewOptions {
    /// The directory to create; its name is the pack id.
    pub path: PathBuf,
    /// The pack's language.
    pub language: Language,
    /// The `sdk/` directory of a plimsoll checkout (Rust only).
    pub sdk_path: Option<PathBuf>,
}

/// Create the pack; returns the files written, relative to the pack directory.
pub fn scaffold(options: &NewOptions) -> Result<Vec<String>, String> {
    let path = &options.path;
    let id = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| format!("`{}` does not end with a pack name", path.display()))?
        .to_string();
    if !is_kebab(&id) {
        return Err(format!(
            "pack name `{id}` is not kebab-case (lowercase letters, digits and `-`, starting with a letter)"
        ));
    }
    if path.exists() {
        return Err(format!(
            "{} already exists: `plimsoll policy new` never overwrites, pick another name",
            path.display()
        ));
    }
    let files = files(&id, options)?;
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| format!("{}: cannot create: {e}", parent.display()))?;
    let staging = parent.join(format!(".{id}.plimsoll-new-{}", std::process::id()));
    let written = write_all(&staging, &files);
    let result = written.and_then(|()| {
        if path.exists() {
            return Err(format!("{} appeared while scaffolding: left untouched", path.display()));
        }
        std::fs::rename(&staging, path).map_err(|e| format!("{}: cannot create: {e}", path.display()))
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result.map(|()| files.into_iter().map(|(name, _)| name).collect())
}

fn write_all(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<(), String> {
    for (name, bytes) in files {
        let file = dir.join(name);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: cannot create: {e}", parent.display()))?;
        }
        std::fs::write(&file, bytes).map_err(|e| format!("{}: cannot write: {e}", file.display()))?;
    }
    Ok(())
}

/// The `sdk/` directory a Rust pack depends on.
pub fn resolve_sdk(explicit: Option<&Path>) -> Result<PathBuf, String> {
    let candidate = explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("PLIMSOLL_SDK_PATH").filter(|v| !v.is_empty()).map(PathBuf::from))
        .or_else(|| source_checkout().map(|root| root.join("sdk")))
        .ok_or_else(|| {
            "plimsoll-sdk is not published yet: pass `--sdk-path` with the `sdk/` directory of a plimsoll checkout"
                .to_string()
        })?;
    let manifest = candidate.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).map_err(|e| format!("{}: cannot read: {e}", manifest.display()))?;
    if !text.lines().any(|l| l.trim().replace(' ', "") == "name=\"plimsoll-sdk\"") {
        return Err(format!("{} is not plimsoll-sdk's manifest", manifest.display()));
    }
    Ok(candidate.canonicalize().unwrap_or(candidate))
}

fn files(id: &str, options: &NewOptions) -> Result<Vec<(String, Vec<u8>)>, String> {
    let language = options.language;
    let component = format!("dist/{id}.wasm");
    let mut vars: Vec<(&str, String)> = vec![
        ("id", id.to_string()),
        ("language", language.as_str().to_string()),
        ("component", component),
        ("plimsoll_version", env!("CARGO_PKG_VERSION").to_string()),
        ("crate", format!("plimsoll-pack-{id}")),
    ];
    let (language_name, table, notes) = match language {
        Language::Rust => (
            "Rust",
            "| `src/lib.rs` | the pack: id, version, summary, the list of rules |\n| `src/rules/owner_label_missing.rs` | the example rule: its docs (the doc comment), its check, its unit tests |\n| `src/settings.rs` | the settings; their JSON Schema is derived from the type |",
            "\n`cargo test` runs the rules' unit tests natively (`plimsoll_sdk::testkit` loads compose text\nwith the same loader as `plimsoll check`); `cargo doc --open -p plimsoll-sdk` documents the model.\n",
        ),
        Language::Python => (
            "Python",
            "| `pack.py` | the pack: rules, their docs, the settings schema, the checks |\n| `wit/` | a copy of the contract, to read (`policy build` uses the contract of the plimsoll that builds) |",
            "\nBuilt with componentize-py (`scripts/install-toolchains.sh` in the plimsoll checkout installs\nthe pinned version). The component embeds CPython: it is large (~20 MB) and its first load\ncompiles it (seconds); later loads come from Plimsoll's cache of compiled components.\n",
        ),
        Language::Js => (
            "JavaScript",
            "| `pack.js` | the pack: rules, their docs, the settings schema, the checks |\n| `wit/` | a copy of the contract, to read (`policy build` uses the contract of the plimsoll that builds) |",
            "\nBuilt with componentize-js (`scripts/install-toolchains.sh` in the plimsoll checkout installs\nthe pinned version), with the WASI features the sandbox lacks (`http`, `fetch-event`) disabled.\nThe component embeds a JavaScript engine: its first load compiles it (seconds); later loads\ncome from Plimsoll's cache of compiled components.\n",
        ),
    };
    vars.push(("language_name", language_name.to_string()));
    vars.push(("files_table", table.to_string()));
    vars.push(("language_notes", notes.to_string()));
    let mut out: Vec<(String, String)> = vec![
        ("plimsoll-pack.yaml".into(), MANIFEST.into()),
        ("README.md".into(), README.into()),
        (".gitignore".into(), GITIGNORE.into()),
        ("tests/fixtures/owner-label-missing/services.yaml".into(), FIXTURE.into()),
        ("tests/fixtures/owner-label-missing/custom-label/compose.yaml".into(), VARIANT_COMPOSE.into()),
        ("tests/fixtures/owner-label-missing/custom-label/plimsoll.yaml".into(), VARIANT_CONFIG.into()),
    ];
    let mut lockfile = None;
    match language {
        Language::Rust => {
            let sdk = resolve_sdk(options.sdk_path.as_deref())?;
            let sdk_text = sdk.to_string_lossy().replace('\\', "/");
            vars.push(("sdk_dependency", format!("path = {sdk_text:?}")));
            // Start from the checkout's lockfile so the pack builds with the versions the SDK is tested with.
            lockfile = sdk.parent().map(|root| root.join("Cargo.lock")).and_then(|l| std::fs::read(l).ok());
            out.push(("Cargo.toml".into(), RUST_CARGO.into()));
            out.push(("src/lib.rs".into(), RUST_LIB.into()));
            out.push(("src/settings.rs".into(), RUST_SETTINGS.into()));
            out.push(("src/rules/mod.rs".into(), RUST_RULES.into()));
            out.push(("src/rules/owner_label_missing.rs".into(), RUST_RULE.into()));
        }
        Language::Python => out.push(("pack.py".into(), PYTHON_PACK.into())),
        Language::Js => out.push(("pack.js".into(), JS_PACK.into())),
    }
    if language != Language::Rust {
        out.extend(WIT_FILES.iter().map(|(name, text)| (format!("wit/{name}"), text.to_string())));
    }
    let mut files: Vec<(String, Vec<u8>)> =
        out.into_iter().map(|(name, text)| (name, fill(&text, &vars).into_bytes())).collect();
    if let Some(lock) = lockfile {
        files.push(("Cargo.lock".into(), lock));
    }
    Ok(files)
}

/// Replace every `{{name}}` of `vars` in `template`.
fn fill(template: &str, vars: &[(&str, String)]) -> String {
    let mut text = template.to_string();
    for (name, value) in vars {
        text = text.replace(&format!("{{{{{name}}}}}"), value);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_all_filled() {
        for language in [Language::Rust, Language::Python, Language::Js] {
            let options = NewOptions { path: PathBuf::from("acme"), language, sdk_path: None };
            for (name, bytes) in files("acme", &options).unwrap() {
                if name == "Cargo.lock" || name.starts_with("wit/") {
                    continue;
                }
                let text = String::from_utf8(bytes).unwrap();
                let leftover = text.match_indices("{{").find(|(at, _)| {
                    text[at + 2..].starts_with(|c: char| c.is_ascii_lowercase()) && text[*at..].contains("}}")
                });
                assert!(leftover.is_none(), "{language}: {name} keeps a placeholder:\n{text}");
            }
        }
    }

    #[test]
    fn refuses_existing_directories_and_bad_names() {
        let dir = std::env::temp_dir().join(format!("plimsoll-scaffold-{}", std::process::id()));
        let existing = dir.join("taken");
        std::fs::create_dir_all(&existing).unwrap();
        std::fs::write(existing.join("keep.txt"), "mine").unwrap();
        let err =
            scaffold(&NewOptions { path: existing.clone(), language: Language::Python, sdk_path: None }).unwrap_err();
        assert!(err.contains("already exists"), "{err}");
        assert_eq!(std::fs::read_to_string(existing.join("keep.txt")).unwrap(), "mine");
        let err =
            scaffold(&NewOptions { path: dir.join("Bad_Name"), language: Language::Js, sdk_path: None }).unwrap_err();
        assert!(err.contains("not kebab-case"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
