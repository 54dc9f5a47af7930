//! `docs/model-reference.md` is generated from `wit/model.wit` and `wit/types.wit`: this test
//! regenerates it and fails when the committed file differs (run with `PLIMSOLL_BLESS=1` to write
//! it). It also checks that the authoring guide has its sections and links the reference.

use std::path::Path;

/// Render the records, enums and variants of a WIT interface as Markdown, with their doc comments.
fn render(wit: &str, title: &str) -> String {
    let mut out = format!("## {title}\n\n");
    let mut docs: Vec<String> = Vec::new();
    let mut in_type = false;
    // An enum written one case per line (each with its doc comment): its cases so far.
    let mut enum_cases: Option<Vec<(String, String)>> = None;
    for line in wit.lines() {
        let t = line.trim();
        if let Some(doc) = t.strip_prefix("///") {
            docs.push(doc.trim().to_string());
            continue;
        }
        if let Some(cases) = enum_cases.as_mut() {
            if t == "}" {
                let list: Vec<String> = cases.iter().map(|(c, _)| format!("`{c}`")).collect();
                out.push_str(&format!("One of {}.\n\n| case | meaning |\n|---|---|\n", list.join(", ")));
                for (case, doc) in cases.iter() {
                    out.push_str(&format!("| `{case}` | {} |\n", doc.replace('|', "\\|")));
                }
                out.push('\n');
                enum_cases = None;
            } else if !t.is_empty() {
                cases.push((t.trim_end_matches(',').to_string(), docs.join(" ")));
            }
            docs.clear();
            continue;
        }
        if let Some(rest) = t.strip_prefix("record ").or_else(|| t.strip_prefix("variant ")) {
            let kind = if t.starts_with("record") { "record" } else { "variant" };
            let name = rest.trim_end_matches('{').trim();
            out.push_str(&format!("### `{name}` ({kind})\n\n"));
            if !docs.is_empty() {
                out.push_str(&format!("{}\n\n", docs.join(" ")));
            }
            out.push_str(if kind == "record" {
                "| field | type | meaning |\n|---|---|---|\n"
            } else {
                "| case | payload | meaning |\n|---|---|---|\n"
            });
            docs.clear();
            in_type = true;
            continue;
        }
        if let Some(rest) = t.strip_prefix("enum ") {
            let (name, cases) = rest.split_once('{').unwrap_or((rest, ""));
            let cases: Vec<String> = cases
                .trim_end_matches('}')
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(|c| format!("`{c}`"))
                .collect();
            out.push_str(&format!("### `{}` (enum)\n\n", name.trim()));
            if !docs.is_empty() {
                out.push_str(&format!("{}\n\n", docs.join(" ")));
            }
            if cases.is_empty() && !rest.contains('}') {
                enum_cases = Some(Vec::new());
            } else {
                out.push_str(&format!("One of {}.\n\n", cases.join(", ")));
            }
            docs.clear();
            continue;
        }
        if in_type && t == "}" {
            out.push('\n');
            in_type = false;
            docs.clear();
            continue;
        }
        if in_type && !t.is_empty() {
            let item = t.trim_end_matches(',');
            let (name, ty) = match item.split_once(':') {
                Some((n, ty)) => (n.trim().trim_start_matches('%').to_string(), ty.trim().to_string()),
                None => match item.split_once('(') {
                    Some((n, ty)) => (n.trim().to_string(), ty.trim_end_matches(')').to_string()),
                    None => (item.to_string(), String::new()),
                },
            };
            let ty = if ty.is_empty() { String::new() } else { format!("`{ty}`") };
            out.push_str(&format!("| `{name}` | {ty} | {} |\n", docs.join(" ").replace('|', "\\|")));
            docs.clear();
            continue;
        }
        if !t.starts_with("///") {
            docs.clear();
        }
    }
    out
}

fn generated(root: &Path) -> String {
    let model = std::fs::read_to_string(root.join("wit/model.wit")).expect("wit/model.wit");
    let types = std::fs::read_to_string(root.join("wit/types.wit")).expect("wit/types.wit");
    format!(
        "# Model reference\n\n<!-- Generated from wit/model.wit and wit/types.wit by host/cli/tests/policy_docs.rs; \
         regenerate with `PLIMSOLL_BLESS=1 cargo test -p plimsoll --test it -- policy_docs`. -->\n\n\
         What a policy receives (`evaluate(project, settings)`) and answers (`list<finding>`). Field names \
         are the WIT's: Rust uses snake_case (`memory_limit`), Python snake_case, JavaScript camelCase \
         (`memoryLimit`). `plimsoll model PATH` prints the same model as JSON.\n\n{}{}",
        render(&model, "The model (`plimsoll:policy/model`)"),
        render(&types, "Pack description and findings (`plimsoll:policy/types`)")
    )
}

#[test]
fn model_reference_is_generated_from_the_wit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = root.join("docs/model-reference.md");
    let text = generated(&root);
    assert!(text.contains("### `service` (record)") && text.contains("| `memory-limit` |"), "{text}");
    // Every enum lists its cases, however the WIT writes them.
    assert!(!text.contains("One of ."), "an enum rendered without its cases: {text}");
    assert!(text.contains("One of `unset`, `compose`, `image`."), "{text}");
    if std::env::var_os("PLIMSOLL_BLESS").is_some() {
        std::fs::write(&path, &text).expect("write docs/model-reference.md");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "docs/model-reference.md is stale: run `PLIMSOLL_BLESS=1 cargo test -p plimsoll --test it -- policy_docs`"
    );
}

#[test]
fn the_authoring_guide_has_its_sections_and_links_the_reference() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let guide = std::fs::read_to_string(root.join("docs/authoring.md")).expect("docs/authoring.md");
    assert!(guide.contains("model-reference.md"), "the guide links the generated reference");
    for section in
        ["## Ten minutes", "## The manifest", "## The model", "## The sandbox and its limits", "## Debugging"]
    {
        assert!(guide.contains(section), "docs/authoring.md lacks {section}");
    }
}
