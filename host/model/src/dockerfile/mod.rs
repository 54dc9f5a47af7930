//! Dockerfiles parsed with positions: instructions, stages and their graph, `RUN` commands.
//!
//! [`parse`] turns a Dockerfile's text into the model's [`Dockerfile`] (instructions with flags,
//! form, arguments, heredocs and the simple commands of every `RUN`; stages with their base,
//! platform and the stages they copy from), one [`Span`] per instruction for the source map, and
//! located diagnostics. Build arguments (`build.args` in compose) override `ARG` defaults before
//! the first `FROM`, where BuildKit substitutes them (`FROM ${BASE}`, stage names). It reads no
//! files except through [`parse_file`] and never panics on any input. [`image_config`] computes
//! what the built image carries (user, healthcheck, command, entrypoint, exposed ports,
//! environment) for a target stage, following the stage's base chain.

pub mod expand;
pub mod parser;
pub mod shell;

use std::collections::HashMap;
use std::path::Path;

use crate::diagnostic::{Diagnostic, Location, Span};
use crate::image::parse_image_ref;
use crate::model::{Dockerfile, Healthcheck, Instruction, InstructionForm, KeyValue, SimpleCommand, Stage, StageBase};

/// The result of parsing one Dockerfile.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// The model's view (its `path` is left empty for the caller to fill).
    pub dockerfile: Dockerfile,
    /// One span per instruction, in order.
    pub spans: Vec<Span>,
    /// Errors and warnings, located in `file`.
    pub diagnostics: Vec<Diagnostic>,
}

/// Platform arguments BuildKit defines for every build (used when `FROM` refers to them).
const BUILTIN_ARGS: &[(&str, &str)] = &[
    ("BUILDPLATFORM", "linux/amd64"),
    ("BUILDOS", "linux"),
    ("BUILDARCH", "amd64"),
    ("BUILDVARIANT", ""),
    ("TARGETPLATFORM", "linux/amd64"),
    ("TARGETOS", "linux"),
    ("TARGETARCH", "amd64"),
    ("TARGETVARIANT", ""),
];

/// Read and parse the Dockerfile at `file` with `build_args`.
pub fn parse_file(file: &Path, build_args: &[KeyValue]) -> std::io::Result<Parsed> {
    let bytes = crate::confine::read(file)?;
    let text = String::from_utf8_lossy(&bytes);
    Ok(parse(&text, file, build_args))
}

/// Parse a Dockerfile's text; `file` is used for diagnostics' locations.
pub fn parse(text: &str, file: &Path, build_args: &[KeyValue]) -> Parsed {
    let mut diagnostics = Vec::new();
    let lexed = parser::lex(text, file, &mut diagnostics);
    let escape = lexed.escape;
    let mut instructions = Vec::with_capacity(lexed.instructions.len());
    let mut spans = Vec::with_capacity(lexed.instructions.len());
    for raw in &lexed.instructions {
        if !parser::KEYWORDS.contains(&raw.keyword.as_str()) {
            let word = raw.text.split_whitespace().next().unwrap_or_default();
            diagnostics.push(Diagnostic::error(
                Some(Location::new(file, raw.span.line, raw.span.column)),
                format!("unknown instruction `{word}`"),
            ));
            continue;
        }
        let mut ins = parser::decode(raw, escape, file, &mut diagnostics);
        if ins.keyword == "RUN" {
            ins.commands = run_commands(&ins);
        }
        instructions.push(ins);
        spans.push(raw.span);
    }
    let mut dockerfile = Dockerfile {
        path: String::new(),
        escape: escape.to_string(),
        directives: lexed.directives,
        instructions,
        stages: Vec::new(),
    };
    resolve_stages(&mut dockerfile, &spans, file, build_args, &mut diagnostics);
    if dockerfile.instructions.is_empty() && diagnostics.iter().all(|d| !d.is_error()) {
        diagnostics.push(Diagnostic::error(Some(Location::start_of(file)), "dockerfile has no instructions"));
    } else if dockerfile.stages.is_empty() && !dockerfile.instructions.is_empty() {
        let at = spans.first().map(|s| Location::new(file, s.line, s.column));
        diagnostics.push(Diagnostic::error(at, "dockerfile has no `FROM` instruction"));
    } else if let Some(first) = dockerfile.instructions.iter().position(|i| i.stage.is_none() && i.keyword != "ARG") {
        let s = spans[first];
        diagnostics.push(Diagnostic::error(
            Some(Location::new(file, s.line, s.column)),
            format!("`{}` before the first `FROM`: only `ARG` may come first", dockerfile.instructions[first].keyword),
        ));
    }
    Parsed { dockerfile, spans, diagnostics }
}

/// The simple commands of a `RUN` instruction (shell form, `sh -c` exec form and heredoc scripts).
fn run_commands(ins: &Instruction) -> Vec<SimpleCommand> {
    const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh"];
    let is_shell = |w: &str| SHELLS.contains(&w.rsplit('/').next().unwrap_or(w));
    match ins.form {
        InstructionForm::Exec => {
            let a = &ins.arguments;
            if a.len() >= 3 && is_shell(&a[0]) && a[1..a.len() - 1].iter().all(|w| w.starts_with('-')) {
                let flags = &a[1..a.len() - 1];
                if flags.iter().any(|f| f.contains('c')) {
                    return shell::split_commands(&a[a.len() - 1]);
                }
            }
            if a.is_empty() { Vec::new() } else { vec![SimpleCommand { words: a.clone() }] }
        }
        InstructionForm::Shell | InstructionForm::None => {
            let text = ins.arguments.first().map(String::as_str).unwrap_or_default();
            let mut commands = shell::split_commands(text);
            // A heredoc is the script when it is the whole command (BuildKit runs it with the
            // shell) or when it is fed to a shell reading stdin (`bash <<EOF`, `sh -e <<EOF`).
            let script = match commands.as_slice() {
                [] => true,
                [only] => {
                    is_shell(&only.words[0]) && only.words[1..].iter().all(|w| w.starts_with('-') && !w.contains('c'))
                }
                _ => false,
            };
            if script {
                for h in &ins.heredocs {
                    let first = h.body.lines().next().unwrap_or_default();
                    let foreign_shebang = first.starts_with("#!") && !SHELLS.iter().any(|s| first.contains(s));
                    if !foreign_shebang {
                        commands.extend(shell::split_commands(&h.body));
                    }
                }
            }
            commands
        }
    }
}

fn resolve_stages(
    df: &mut Dockerfile,
    spans: &[Span],
    file: &Path,
    build_args: &[KeyValue],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let escape = df.escape.chars().next().unwrap_or('\\');
    let overrides: HashMap<&str, &str> =
        build_args.iter().filter_map(|kv| Some((kv.name.as_str(), kv.value.as_deref()?))).collect();
    let mut meta: HashMap<String, String> = HashMap::new();
    let mut stages: Vec<Stage> = Vec::new();
    for (idx, ins) in df.instructions.iter_mut().enumerate() {
        let lookup = |meta: &HashMap<String, String>, n: &str| -> Option<String> {
            meta.get(n).cloned().or_else(|| BUILTIN_ARGS.iter().find(|(k, _)| *k == n).map(|(_, v)| v.to_string()))
        };
        match ins.keyword.as_str() {
            "ARG" if stages.is_empty() => {
                for a in &ins.arguments {
                    let (name, default) = match a.split_once('=') {
                        Some((n, d)) => (n, Some(d)),
                        None => (a.as_str(), None),
                    };
                    let value = match overrides.get(name) {
                        Some(v) => Some(v.to_string()),
                        None => default.map(|d| expand::expand(d, escape, false, &|n| lookup(&meta, n))),
                    };
                    if let Some(v) = value {
                        meta.insert(name.to_string(), v);
                    }
                }
            }
            "FROM" => {
                let index = stages.len() as u32;
                let at = Some(Location::new(file, spans[idx].line, spans[idx].column));
                let written = ins.arguments.first().cloned().unwrap_or_default();
                let image = expand::expand(&written, escape, false, &|n| lookup(&meta, n));
                let name = ins
                    .arguments
                    .get(2)
                    .map(|n| expand::expand(n, escape, false, &|v| lookup(&meta, v)).to_ascii_lowercase());
                let base = if image.eq_ignore_ascii_case("scratch") {
                    StageBase::Scratch
                } else if let Some(s) = stages.iter().find(|s| s.name.as_deref() == Some(&image.to_ascii_lowercase())) {
                    StageBase::Stage(s.index)
                } else {
                    if image.trim().is_empty() && !written.is_empty() {
                        diagnostics.push(Diagnostic::warning(
                            at.clone(),
                            format!("base image `{written}` of stage {index} is empty after variable substitution"),
                        ));
                    }
                    StageBase::Image(parse_image_ref(&image))
                };
                if let Some(n) = &name
                    && stages.iter().any(|s| s.name.as_deref() == Some(n))
                {
                    diagnostics.push(Diagnostic::error(at, format!("duplicate stage name `{n}`")));
                }
                let platform = ins.flags.iter().find(|f| f.name == "platform").and_then(|f| f.value.clone());
                stages.push(Stage {
                    index,
                    name,
                    base,
                    platform,
                    from_instruction: idx as u32,
                    instructions: Vec::new(),
                    copies_from: Vec::new(),
                });
            }
            _ => {}
        }
        if let Some(stage) = stages.last_mut() {
            ins.stage = Some(stage.index);
            stage.instructions.push(idx as u32);
        }
    }
    // Second pass: `COPY --from` and `RUN --mount=from=` may name any stage of the file.
    let resolve = |reference: &str, stages: &[Stage]| -> Option<u32> {
        let r = expand::expand(reference, escape, true, &|n| meta.get(n).cloned()).to_ascii_lowercase();
        if let Ok(i) = r.parse::<u32>() {
            return ((i as usize) < stages.len()).then_some(i);
        }
        stages.iter().find(|s| s.name.as_deref() == Some(r.as_str())).map(|s| s.index)
    };
    let mut edges: Vec<(usize, u32)> = Vec::new();
    for (si, stage) in stages.iter().enumerate() {
        for &ii in &stage.instructions {
            let ins = &df.instructions[ii as usize];
            for flag in &ins.flags {
                let Some(value) = flag.value.as_deref() else { continue };
                let reference = match (ins.keyword.as_str(), flag.name.as_str()) {
                    ("COPY", "from") => Some(value.to_string()),
                    ("RUN", "mount") => mount_option(value, "from"),
                    _ => None,
                };
                if let Some(target) = reference.and_then(|r| resolve(&r, &stages))
                    && target as usize != si
                {
                    edges.push((si, target));
                }
            }
        }
    }
    for (si, target) in edges {
        if !stages[si].copies_from.contains(&target) {
            stages[si].copies_from.push(target);
        }
    }
    df.stages = stages;
}

/// The value of `key` in a `--mount` spec (`type=cache,from=builder,target=/x`).
pub fn mount_option(spec: &str, key: &str) -> Option<String> {
    spec.split(',').find_map(|part| {
        let (k, v) = part.split_once('=')?;
        k.trim().eq_ignore_ascii_case(key).then(|| v.trim().trim_matches('"').to_string())
    })
}

/// The stage a build targets: the stage named `target`, else the last; `None` when the target is unknown.
pub fn target_stage(df: &Dockerfile, target: Option<&str>) -> Option<u32> {
    match target {
        Some(t) => {
            let t = t.to_ascii_lowercase();
            df.stages.iter().find(|s| s.name.as_deref() == Some(t.as_str())).map(|s| s.index)
        }
        None => df.stages.last().map(|s| s.index),
    }
}

/// The stages a stage is built on, root first, ending with `stage` itself.
pub fn stage_chain(df: &Dockerfile, stage: u32) -> Vec<u32> {
    let mut chain = Vec::new();
    let mut current = Some(stage);
    while let Some(s) = current {
        if chain.contains(&s) || s as usize >= df.stages.len() {
            break;
        }
        chain.push(s);
        current = match df.stages[s as usize].base {
            StageBase::Stage(b) => Some(b),
            _ => None,
        };
    }
    chain.reverse();
    chain
}

/// What an image built from a stage carries, as far as the Dockerfile says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageConfig {
    /// Last `USER`.
    pub user: Option<String>,
    /// Last `HEALTHCHECK`.
    pub healthcheck: Option<Healthcheck>,
    /// `CMD` in effect (shell form wrapped in the `SHELL`).
    pub cmd: Option<Vec<String>>,
    /// `ENTRYPOINT` in effect.
    pub entrypoint: Option<Vec<String>>,
    /// `EXPOSE`d ports in order.
    pub exposed: Vec<String>,
    /// `ENV` in order (later values override earlier ones).
    pub env: Vec<KeyValue>,
}

/// The image configuration of `stage` following its base chain (as BuildKit would set it).
pub fn image_config(df: &Dockerfile, stage: u32) -> ImageConfig {
    let escape = df.escape.chars().next().unwrap_or('\\');
    let mut cfg = ImageConfig::default();
    let mut shell: Vec<String> = vec!["/bin/sh".into(), "-c".into()];
    for s in stage_chain(df, stage) {
        let mut cmd_set = false;
        for &ii in &df.stages[s as usize].instructions {
            let Some(ins) = df.instructions.get(ii as usize) else { continue };
            let command = |ins: &Instruction, shell: &[String]| -> Vec<String> {
                match ins.form {
                    InstructionForm::Exec => ins.arguments.clone(),
                    _ => {
                        let mut v = shell.to_vec();
                        v.extend(ins.arguments.first().cloned());
                        v
                    }
                }
            };
            match ins.keyword.as_str() {
                "USER" => cfg.user = ins.arguments.first().cloned(),
                "SHELL" if ins.form == InstructionForm::Exec => shell = ins.arguments.clone(),
                "CMD" => {
                    cfg.cmd = Some(command(ins, &shell));
                    cmd_set = true;
                }
                "ENTRYPOINT" => {
                    cfg.entrypoint = Some(command(ins, &shell));
                    if !cmd_set {
                        cfg.cmd = None;
                    }
                }
                "EXPOSE" => {
                    for p in &ins.arguments {
                        if !cfg.exposed.contains(p) {
                            cfg.exposed.push(p.clone());
                        }
                    }
                }
                "ENV" => {
                    for a in &ins.arguments {
                        let (name, value) = a.split_once('=').unwrap_or((a.as_str(), ""));
                        let env = &cfg.env;
                        let value = expand::expand(value, escape, true, &|n| {
                            env.iter().find(|kv| kv.name == n).and_then(|kv| kv.value.clone())
                        });
                        cfg.env.retain(|kv| kv.name != name);
                        cfg.env.push(KeyValue { name: name.to_string(), value: Some(value) });
                    }
                }
                "HEALTHCHECK" => cfg.healthcheck = Some(healthcheck_of(ins)),
                _ => {}
            }
        }
    }
    cfg
}

/// The model's healthcheck for a `HEALTHCHECK` instruction.
pub fn healthcheck_of(ins: &Instruction) -> Healthcheck {
    let flag = |name: &str| ins.flags.iter().find(|f| f.name == name).and_then(|f| f.value.as_deref());
    let duration = |name: &str| flag(name).and_then(parser::parse_go_duration_ms);
    let mut hc = Healthcheck {
        interval: duration("interval"),
        timeout: duration("timeout"),
        start_period: duration("start-period"),
        start_interval: duration("start-interval"),
        retries: flag("retries").and_then(|r| r.parse().ok()),
        ..Healthcheck::default()
    };
    match ins.arguments.first().map(String::as_str) {
        Some("NONE") => {
            hc.test = vec!["NONE".into()];
            hc.disabled = true;
        }
        Some("CMD") => {
            if ins.form == InstructionForm::Exec {
                hc.test = ins.arguments.clone();
            } else {
                hc.test = vec!["CMD-SHELL".into()];
                hc.test.extend(ins.arguments.get(1).cloned());
            }
        }
        _ => {}
    }
    hc
}
