//! `plimsoll`: check Docker Compose stacks against policy packs that run in a WebAssembly sandbox.
//!
//! This file only parses the command line and prints; the work is in the library.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use plimsoll::check::{CheckOptions, Engine};
use plimsoll::report::{self, Format};
use plimsoll_runtime::ComponentCache;

/// Plimsoll checks a Docker Compose project (its compose files, overrides, Dockerfiles and build
/// contexts) against policy packs and reports located findings.
///
/// Exit codes: 0 when nothing reaches `fail-on`, 1 when findings reach it or a pack fails, 2 for
/// usage, configuration or input errors.
#[derive(Debug, Parser)]
#[command(name = "plimsoll", version, about, long_about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Do not use the compiled-component cache (`$PLIMSOLL_CACHE_DIR`, else `$XDG_CACHE_HOME/plimsoll`).
    #[arg(long, global = true)]
    no_cache: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check projects: each PATH is a compose file, a directory with one, or a Dockerfile.
    Check(CheckArgs),
    /// List the rules of the loaded packs, or print one rule's documentation.
    Rules {
        /// A rule id (`resources/memory-limit-missing`) or a pack id (`resources`).
        id: Option<String>,
        /// `human` (default) or `json`.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Print the normalized project model as JSON (what policies see).
    Model {
        /// A compose file, a directory, or a Dockerfile (default: the current directory).
        path: Option<PathBuf>,
        /// Compose files, in order, as `docker compose -f`.
        #[arg(short = 'f', long = "file")]
        files: Vec<PathBuf>,
        /// Activate a profile (repeatable).
        #[arg(long = "profile")]
        profiles: Vec<String>,
        /// Print the loading diagnostics too.
        #[arg(long)]
        diagnostics: bool,
    },
    /// Write, build, test and inspect policy packs (Rust, Python, JavaScript).
    Policy {
        #[command(subcommand)]
        command: plimsoll::policy::PolicyCommand,
    },
    /// Configuration file helpers.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print the JSON Schema of plimsoll.yaml (for editors).
    Schema,
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// Compose files, directories or Dockerfiles; each is checked as its own project (default: `.`).
    paths: Vec<PathBuf>,
    /// Compose files, in order, merged into one project (as `docker compose -f a -f b`).
    #[arg(short = 'f', long = "file")]
    files: Vec<PathBuf>,
    /// Base directory for relative paths and `.env` (as `docker compose --project-directory`).
    #[arg(long)]
    project_directory: Option<PathBuf>,
    /// Activate a profile (repeatable); without one, every service is checked.
    #[arg(long = "profile")]
    profiles: Vec<String>,
    /// Extra `.env` file (repeatable).
    #[arg(long = "env-file")]
    env_files: Vec<PathBuf>,
    /// Configuration file (default: `plimsoll.yaml` next to each project).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Write the report to a file (atomically) instead of standard output.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Show what packs logged or printed.
    #[arg(long, short = 'v')]
    verbose: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn cache(no_cache: bool) -> Option<ComponentCache> {
    if no_cache {
        return None;
    }
    match std::env::var_os("PLIMSOLL_CACHE_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => Some(ComponentCache::new(dir)),
        None => ComponentCache::default_location(),
    }
}

fn run(cli: Cli) -> Result<u8, String> {
    match cli.command {
        Command::Check(args) => {
            let engine = Engine::new(cache(cli.no_cache))?;
            let outcome = engine.check(&CheckOptions {
                paths: args.paths,
                files: args.files,
                project_directory: args.project_directory,
                profiles: args.profiles,
                env_files: args.env_files,
                config: args.config,
            });
            let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
            let color = to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            let text = report::render(&outcome, args.format, color, args.verbose);
            emit(&text, args.output.as_deref())?;
            Ok(outcome.exit_code() as u8)
        }
        Command::Rules { id, format } => {
            let engine = Engine::new(cache(cli.no_cache))?;
            print_rules(&engine, id.as_deref(), format)
        }
        Command::Model { path, files, profiles, diagnostics } => {
            let options = plimsoll_model::LoadOptions { files, profiles, ..Default::default() };
            let paths: Vec<PathBuf> = path.into_iter().collect();
            let loaded = plimsoll_model::load(&paths, &options);
            let mut value = serde_json::to_value(&loaded.model).map_err(|e| e.to_string())?;
            if diagnostics && let Some(obj) = value.as_object_mut() {
                obj.insert(
                    "diagnostics".into(),
                    loaded.diagnostics.iter().map(|d| serde_json::Value::String(d.to_string())).collect(),
                );
            }
            emit(&(serde_json::to_string_pretty(&value).map_err(|e| e.to_string())? + "\n"), None)?;
            for d in loaded.diagnostics.iter().filter(|d| d.is_error()) {
                eprintln!("error: {d}");
            }
            Ok(if loaded.has_errors() { 2 } else { 0 })
        }
        Command::Policy { command } => plimsoll::policy::run(command, cache(cli.no_cache)),
        Command::Config { command: ConfigCommand::Schema } => {
            let text = serde_json::to_string_pretty(&plimsoll::config::schema()).map_err(|e| e.to_string())?;
            emit(&(text + "\n"), None)?;
            Ok(0)
        }
    }
}

fn print_rules(engine: &Engine, id: Option<&str>, format: Format) -> Result<u8, String> {
    if let Some(id) = id
        && id.contains('/')
    {
        let (pack, rule) = engine.rule_info(id).ok_or_else(|| format!("unknown rule `{id}` (see `plimsoll rules`)"))?;
        let text = match format {
            Format::Json => serde_json::to_string_pretty(rule).map_err(|e| e.to_string())? + "\n",
            Format::Human => format!(
                "# {}/{}\n\n{} · severity {} · category {}\n\n{}\n",
                pack.info.id, rule.id, rule.summary, rule.severity, rule.category, rule.docs
            ),
        };
        emit(&text, None)?;
        return Ok(0);
    }
    let packs: Vec<_> = engine.packs().iter().filter(|p| id.is_none_or(|id| p.info.id == id)).collect();
    if packs.is_empty() {
        return Err(format!("unknown pack `{}` (see `plimsoll rules`)", id.unwrap_or_default()));
    }
    let text = match format {
        Format::Json => {
            let rules: Vec<_> = packs
                .iter()
                .flat_map(|p| {
                    p.info.rules.iter().map(|r| {
                        serde_json::json!({
                            "id": format!("{}/{}", p.info.id, r.id), "pack": p.info.id, "summary": r.summary,
                            "severity": r.severity, "category": r.category, "status": r.status, "docs": r.docs,
                        })
                    })
                })
                .collect();
            serde_json::to_string_pretty(&rules).map_err(|e| e.to_string())? + "\n"
        }
        Format::Human => {
            let mut out = String::new();
            for p in packs {
                out.push_str(&format!("{} {} — {}\n", p.info.id, p.info.version, p.info.summary));
                for r in &p.info.rules {
                    out.push_str(&format!("  {:<48} {:<8} {}\n", format!("{}/{}", p.info.id, r.id), r.severity, r.summary));
                }
            }
            out
        }
    };
    emit(&text, None)?;
    Ok(0)
}

/// Print to stdout, or write a file atomically (temporary file in the same directory, then rename).
fn emit(text: &str, output: Option<&Path>) -> Result<(), String> {
    match output {
        None => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth reporting.
            let _ = stdout.write_all(text.as_bytes());
            Ok(())
        }
        Some(path) => {
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let tmp = dir.join(format!(".{}.plimsoll-tmp", path.file_name().and_then(|n| n.to_str()).unwrap_or("out")));
            std::fs::write(&tmp, text).map_err(|e| format!("{}: cannot write: {e}", tmp.display()))?;
            std::fs::rename(&tmp, path).map_err(|e| format!("{}: cannot write: {e}", path.display()))
        }
    }
}
