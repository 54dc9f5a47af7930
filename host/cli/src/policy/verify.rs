//! Checks a built component against the contract before anyone ships it.
//!
//! The runtime already refuses what it cannot run (a core module, another world, a `describe` that
//! traps, non-kebab or duplicate rule ids, a settings schema that is not JSON Schema); this module
//! turns those refusals into messages an author can act on and adds the author-facing checks: a
//! supported `plimsoll:policy` version, at least one rule, the required documentation sections, the
//! manifest agreeing with the component, and the manifest's default settings passing the schema.

use plimsoll_runtime::{Limits, Pack, PackError, Runtime};

use plimsoll_check::manifest::{self, LoadedManifest};

/// The contract versions this host runs: every `0.1.x`.
pub const SUPPORTED_CONTRACT: &str = plimsoll_distribution::SUPPORTED_CONTRACT;

/// The sections every rule's documentation must have.
pub const REQUIRED_SECTIONS: &[&str] = &["## What it does", "## Why is this bad?", "## Example"];

/// Load `bytes` as a pack and check it; every problem found is returned, one message each.
pub fn verify(
    runtime: &Runtime,
    bytes: &[u8],
    origin: &str,
    limits: Limits,
    manifest: Option<&LoadedManifest>,
) -> Result<Pack, Vec<String>> {
    if let Some(problem) = not_a_component(bytes, origin) {
        return Err(vec![problem]);
    }
    let pack = runtime.load_pack(bytes, origin, limits).map_err(|e| {
        vec![match e {
            PackError::Invalid { message, .. } => format!(
                "{origin} does not implement the `plimsoll:policy` world ({SUPPORTED_CONTRACT}.x): {}",
                first_line(&message)
            ),
            PackError::Describe { message, .. } => format!("{origin}: `describe` is not valid: {message}"),
        }]
    })?;
    let mut problems = Vec::new();
    for import in &pack.imports {
        if let Some(rest) = import.strip_prefix("plimsoll:policy/")
            && let Some((_, version)) = rest.split_once('@')
            && !(version == SUPPORTED_CONTRACT || version.starts_with(&format!("{SUPPORTED_CONTRACT}.")))
        {
            problems.push(format!(
                "{origin}: imports `{import}`, but this plimsoll runs `plimsoll:policy@{SUPPORTED_CONTRACT}.x`"
            ));
        }
    }
    problems.extend(check_info(origin, &pack.info));
    if let Some(manifest) = manifest {
        if let Err(e) = manifest::check_identity(manifest, &pack.info) {
            problems.push(e);
        }
        let defaults = serde_json::Value::Object(manifest.manifest.settings.clone());
        if let Err(e) = runtime.check_settings(&pack, &defaults) {
            problems.push(format!("{}: settings: {e}", manifest.path.display()));
        }
    }
    if problems.is_empty() { Ok(pack) } else { Err(problems) }
}

/// Author-facing checks of a pack's description (ids and the schema are checked by the runtime).
pub fn check_info(origin: &str, info: &plimsoll_runtime::PackInfo) -> Vec<String> {
    let mut problems = Vec::new();
    if manifest::parse_version(&info.version).is_none() {
        problems.push(format!("{origin}: pack version `{}` is not a version such as 0.1.0", info.version));
    }
    if info.summary.trim().is_empty() {
        problems.push(format!("{origin}: pack `{}` has an empty summary", info.id));
    }
    if info.rules.is_empty() {
        problems.push(format!("{origin}: pack `{}` declares no rules", info.id));
    }
    for rule in &info.rules {
        let id = format!("{}/{}", info.id, rule.id);
        if rule.summary.trim().is_empty() {
            problems.push(format!("{origin}: rule `{id}` has an empty summary"));
        }
        if rule.category.trim().is_empty() {
            problems.push(format!("{origin}: rule `{id}` has an empty category"));
        }
        let missing: Vec<&str> = REQUIRED_SECTIONS
            .iter()
            .copied()
            .filter(|section| !rule.docs.lines().any(|line| line.trim_end() == *section))
            .collect();
        if !missing.is_empty() {
            problems.push(format!("{origin}: the docs of rule `{id}` lack {}", missing.join(", ")));
        }
    }
    if !info.settings_schema.trim().is_empty()
        && let Ok(schema) = serde_json::from_str::<serde_json::Value>(&info.settings_schema)
        && !schema.is_object()
    {
        problems.push(format!("{origin}: the settings schema of pack `{}` is not a JSON object", info.id));
    }
    problems
}

/// A clear message when the bytes are not a component at all.
fn not_a_component(bytes: &[u8], origin: &str) -> Option<String> {
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return Some(format!("{origin} is not a WebAssembly file"));
    }
    if bytes[4..8] == [1, 0, 0, 0] {
        return Some(format!(
            "{origin} is a core WebAssembly module, not a component (build for `wasm32-wasip2`, or with componentize-py or componentize-js)"
        ));
    }
    None
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use plimsoll_runtime::{PackInfo, RuleInfo, RuleStatus, Severity};

    fn rule(id: &str, docs: &str) -> RuleInfo {
        RuleInfo {
            id: id.into(),
            summary: "s".into(),
            severity: Severity::Low,
            category: "c".into(),
            docs: docs.into(),
            status: RuleStatus::Stable,
            fixable: false,
        }
    }

    #[test]
    fn docs_need_every_required_section() {
        let info = PackInfo {
            id: "acme".into(),
            version: "0.1.0".into(),
            summary: "house rules".into(),
            settings_schema: String::new(),
            rules: vec![
                rule("good", "## What it does\nx\n\n## Why is this bad?\ny\n\n## Example\nz"),
                rule("bad", "## What it does\nx\n"),
            ],
        };
        let problems = check_info("acme.wasm", &info);
        assert_eq!(problems, vec!["acme.wasm: the docs of rule `acme/bad` lack ## Why is this bad?, ## Example"]);
    }

    #[test]
    fn empty_packs_and_bad_versions_are_reported() {
        let info = PackInfo {
            id: "acme".into(),
            version: "latest".into(),
            summary: String::new(),
            settings_schema: "[]".into(),
            rules: vec![],
        };
        let problems = check_info("a.wasm", &info);
        assert_eq!(problems.len(), 4, "{problems:?}");
    }

    #[test]
    fn core_modules_and_garbage_are_named() {
        assert!(not_a_component(b"hello world", "x.wasm").unwrap().contains("not a WebAssembly file"));
        assert!(not_a_component(b"\0asm\x01\0\0\0", "x.wasm").unwrap().contains("core WebAssembly module"));
        assert!(not_a_component(b"\0asm\x0d\0\x01\0", "x.wasm").is_none());
    }
}
