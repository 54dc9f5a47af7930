//! `plimsoll policy inspect FILE.wasm`: what a component is and what it could reach.
//!
//! A reviewer reads the pack's id, version, rules with severities, settings schema, size and digest,
//! and every import with what the sandbox gives behind it — so it is plain that a pack cannot open a
//! file or reach the network even when its toolchain imported the whole of WASI. Nothing is
//! evaluated; the component is compiled (or taken from the cache) and asked to `describe` itself.

use std::path::Path;

use plimsoll_runtime::{Limits, Runtime};
use serde::Serialize;

use super::verify;

/// What `policy inspect` reports.
#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    /// The file inspected.
    pub file: String,
    /// Size in bytes.
    pub size: u64,
    /// sha256 of the bytes, hex.
    pub digest: String,
    /// Whether the compiled component came from the cache.
    pub cache_hit: bool,
    /// The digest of the sources, contract and toolchain a Python or JavaScript pack was built
    /// from (its `plimsoll:inputs` section), when recorded.
    pub inputs: Option<String>,
    /// The pack's description.
    pub pack: plimsoll_runtime::PackInfo,
    /// Imports with what the sandbox provides for each.
    pub imports: Vec<Import>,
    /// Problems `policy build` would refuse the component for.
    pub problems: Vec<String>,
}

/// One import of the component.
#[derive(Debug, Clone, Serialize)]
pub struct Import {
    /// The import name (`wasi:filesystem/preopens@0.2.3`).
    pub name: String,
    /// What the sandbox gives behind it.
    pub sandbox: &'static str,
}

/// What the sandbox provides behind an import.
pub fn sandbox_note(import: &str) -> &'static str {
    let name = import.split('@').next().unwrap_or(import);
    match name {
        "plimsoll:policy/host" => "log messages, captured (the pack's only capability)",
        "plimsoll:policy/types" | "plimsoll:policy/model" => "types of the contract",
        "wasi:filesystem/preopens" => "no directories: nothing can be opened",
        "wasi:cli/environment" => "no variables, no arguments",
        "wasi:cli/stdin" => "empty",
        "wasi:cli/stdout" | "wasi:cli/stderr" => "captured into a bounded buffer (`plimsoll check --verbose`)",
        "wasi:cli/exit" => "ends the call with an error",
        "wasi:clocks/wall-clock" | "wasi:clocks/monotonic-clock" => "a fixed instant",
        _ if name.starts_with("wasi:random/") => "seeded: the same values every run",
        _ if name.starts_with("wasi:sockets/") => "every address and name lookup is denied",
        _ if name.starts_with("wasi:filesystem/") => "types only: there is no directory to open",
        _ if name.starts_with("wasi:io/") => "streams and polling for the above",
        _ if name.starts_with("wasi:cli/terminal") => "no terminal",
        _ => "not provided: the component cannot be loaded",
    }
}

/// Inspect a component file.
pub fn inspect(runtime: &Runtime, path: &Path) -> Result<Inspection, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let origin = path.display().to_string();
    let (pack, problems) = match verify::verify(runtime, &bytes, &origin, Limits::default(), None) {
        Ok(pack) => (pack, Vec::new()),
        Err(problems) => match runtime.load_pack(&bytes, &origin, Limits::default()) {
            Ok(pack) => (pack, problems),
            Err(_) => return Err(problems.join("\n")),
        },
    };
    Ok(Inspection {
        file: origin,
        size: bytes.len() as u64,
        digest: pack.digest.clone(),
        cache_hit: pack.cache_hit,
        inputs: super::build::recorded_inputs(&bytes),
        imports: pack.imports.iter().map(|name| Import { name: name.clone(), sandbox: sandbox_note(name) }).collect(),
        pack: pack.info,
        problems,
    })
}

/// Render an inspection for a person.
pub fn render_human(i: &Inspection) -> String {
    let mut out = String::new();
    let p = &i.pack;
    out.push_str(&format!("pack     {} {}\n", p.id, p.version));
    out.push_str(&format!("summary  {}\n", p.summary));
    out.push_str(&format!("file     {}\n", i.file));
    out.push_str(&format!("size     {} bytes ({})\n", i.size, human_size(i.size)));
    out.push_str(&format!("sha256   {}\n", i.digest));
    if let Some(inputs) = &i.inputs {
        out.push_str(&format!("inputs   {inputs} (sources, contract, toolchain)\n"));
    }
    out.push_str(&format!("\nrules ({})\n", p.rules.len()));
    // Columns as wide as their longest cell (`Severity`'s Display does not pad, so cells are strings).
    let ids: Vec<String> = p.rules.iter().map(|r| format!("{}/{}", p.id, r.id)).collect();
    let id_width = ids.iter().map(String::len).max().unwrap_or(0);
    let category_width = p.rules.iter().map(|r| r.category.len()).max().unwrap_or(0);
    for (r, id) in p.rules.iter().zip(&ids) {
        let status = if r.status == plimsoll_runtime::RuleStatus::Preview { " (preview)" } else { "" };
        out.push_str(&format!(
            "  {id:<id_width$}  {:<8}  {:<category_width$}  {}{status}\n",
            r.severity.to_string(),
            r.category,
            r.summary
        ));
    }
    out.push_str("\nsettings schema\n");
    if p.settings_schema.trim().is_empty() {
        out.push_str("  (none: the pack takes no settings)\n");
    } else {
        let pretty = serde_json::from_str::<serde_json::Value>(&p.settings_schema)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| p.settings_schema.clone());
        for line in pretty.lines() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out.push_str(&format!("\nimports ({})\n", i.imports.len()));
    let import_width = i.imports.iter().map(|i| i.name.len()).max().unwrap_or(0);
    for import in &i.imports {
        out.push_str(&format!("  {:<import_width$}  {}\n", import.name, import.sandbox));
    }
    if !i.problems.is_empty() {
        out.push_str("\nproblems\n");
        for problem in &i.problems {
            out.push_str(&format!("  {problem}\n"));
        }
    }
    out
}

fn human_size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_whatever_the_lengths() {
        let rule = |id: &str, severity, category: &str| plimsoll_runtime::RuleInfo {
            id: id.into(),
            summary: "s".into(),
            severity,
            category: category.into(),
            docs: String::new(),
            status: plimsoll_runtime::RuleStatus::Stable,
            fixable: false,
        };
        let inspection = Inspection {
            file: "p.wasm".into(),
            size: 1,
            digest: "d".into(),
            cache_hit: false,
            inputs: None,
            pack: plimsoll_runtime::PackInfo {
                id: "p".into(),
                version: "0.1.0".into(),
                summary: "s".into(),
                settings_schema: String::new(),
                rules: vec![
                    rule(
                        "a-very-long-rule-id-that-is-longer-than-forty-characters",
                        plimsoll_runtime::Severity::Low,
                        "c",
                    ),
                    rule("b", plimsoll_runtime::Severity::Critical, "a-long-category"),
                ],
            },
            imports: vec![],
            problems: vec![],
        };
        let text = render_human(&inspection);
        let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("  p/")).collect();
        let column = |row: &str, word: &str| row.find(word).unwrap();
        assert_eq!(column(rows[0], "low"), column(rows[1], "critical"), "{text}");
        assert_eq!(column(rows[0], "c "), column(rows[1], "a-long-category"), "{text}");
    }

    #[test]
    fn every_wasi_family_has_a_note() {
        assert_eq!(sandbox_note("wasi:filesystem/preopens@0.2.3"), "no directories: nothing can be opened");
        assert_eq!(sandbox_note("wasi:sockets/tcp@0.2.0"), "every address and name lookup is denied");
        assert_eq!(sandbox_note("plimsoll:policy/host@0.1.0"), "log messages, captured (the pack's only capability)");
        assert_eq!(sandbox_note("wasi:http/outgoing-handler@0.2.0"), "not provided: the component cannot be loaded");
    }
}
