//! The `plimsoll policy` subcommands: flags, dispatch, printing and exit codes.
//!
//! Exit codes follow `plimsoll check`: 0 success, 1 a pack that fails its checks or its fixtures,
//! 2 usage or input errors (no manifest, a missing toolchain, an existing directory).

use std::path::{Path, PathBuf};

use plimsoll_runtime::{ComponentCache, Runtime, RuntimeOptions};

use plimsoll_check::Engine;

use plimsoll_check::manifest::{self, Language};

use super::{build, inspect, scaffold, test};

/// `--lang` of `plimsoll policy new`: the languages of the pack manifest, named and described there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LanguageArg(pub Language);

impl clap::ValueEnum for LanguageArg {
    fn value_variants<'a>() -> &'a [Self] {
        static VARIANTS: std::sync::LazyLock<Vec<LanguageArg>> =
            std::sync::LazyLock::new(|| Language::ALL.into_iter().map(LanguageArg).collect());
        &VARIANTS
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.0.as_str()).help(self.0.description()))
    }
}

/// `plimsoll policy …`: write, build, test and inspect policy packs.
#[derive(Debug, clap::Subcommand)]
pub enum PolicyCommand {
    /// Create a new pack that builds and passes its tests right away.
    New {
        /// The directory to create; its name is the pack id (kebab-case).
        name: PathBuf,
        /// The language to write the pack in.
        #[arg(long = "lang", value_enum, default_value_t = LanguageArg(Language::Rust))]
        language: LanguageArg,
        /// The `sdk/` directory of a plimsoll checkout (Rust packs; default: the checkout plimsoll was built from).
        #[arg(long)]
        sdk_path: Option<PathBuf>,
    },
    /// Build a pack directory into its component and check it against the contract.
    Build {
        /// The pack directory (default: the current directory).
        dir: Option<PathBuf>,
    },
    /// Run a pack's fixtures (`tests/fixtures`) through its component.
    Test {
        /// The pack directory (default: the current directory).
        dir: Option<PathBuf>,
        /// Use the component as it is, even when sources are newer.
        #[arg(long, conflicts_with = "build")]
        no_build: bool,
        /// Rebuild the component first, even when it looks up to date.
        #[arg(long)]
        build: bool,
    },
    /// Show a component's pack, rules, settings schema, imports, size and digest.
    Inspect {
        /// The component (`.wasm`), or a pack directory.
        file: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Run a `policy` subcommand; `Err` is a usage or input error (exit code 2).
pub fn run(command: PolicyCommand, cache: Option<ComponentCache>) -> Result<u8, String> {
    match command {
        PolicyCommand::New { name, language, sdk_path } => {
            let language = language.0;
            let written = scaffold::scaffold(&scaffold::NewOptions { path: name.clone(), language, sdk_path })?;
            println!(
                "created {} pack `{}` in {} ({} files)",
                language,
                pack_name(&name),
                name.display(),
                written.len()
            );
            println!("next: cd {} && plimsoll policy test", name.display());
            Ok(0)
        }
        PolicyCommand::Build { dir } => {
            let dir = dir.unwrap_or_else(|| PathBuf::from("."));
            let runtime = runtime(cache)?;
            eprintln!("building {}", dir.display());
            match build::build(&runtime, &dir) {
                Ok(built) => {
                    print_built(&built);
                    Ok(0)
                }
                Err(problems) => fail(&problems),
            }
        }
        PolicyCommand::Test { dir, no_build, build: force } => {
            let dir = dir.unwrap_or_else(|| PathBuf::from("."));
            let loaded = manifest::load(&dir)?;
            let mut engine = Engine::new(cache).map_err(|e| e.to_string())?;
            if force || (!no_build && build::is_stale(&loaded)) {
                eprintln!("building {}", dir.display());
                match build::build(engine.runtime(), &dir) {
                    Ok(built) => print_built(&built),
                    Err(problems) => return fail(&problems),
                }
            }
            let report = test::run(&mut engine, &loaded)?;
            print!("{}", report.render());
            Ok(if report.passed() { 0 } else { 1 })
        }
        PolicyCommand::Inspect { file, json } => {
            let file = if file.is_dir() { manifest::load(&file)?.component_path() } else { file };
            let runtime = runtime(cache)?;
            let inspection = inspect::inspect(&runtime, &file)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&inspection).map_err(|e| e.to_string())?);
            } else {
                print!("{}", inspect::render_human(&inspection));
            }
            Ok(if inspection.problems.is_empty() { 0 } else { 1 })
        }
    }
}

fn runtime(cache: Option<ComponentCache>) -> Result<Runtime, String> {
    Runtime::new(RuntimeOptions { cache, ..RuntimeOptions::default() })
        .map_err(|e| format!("cannot start the policy runtime: {e}"))
}

fn print_built(built: &build::Built) {
    let info = &built.pack.info;
    let size = std::fs::metadata(&built.component).map(|m| m.len()).unwrap_or(0);
    println!(
        "built {} ({} {}, {} rules, {} bytes, {:.1}s)",
        built.component.display(),
        info.id,
        info.version,
        info.rules.len(),
        size,
        built.build_time.as_secs_f64()
    );
}

fn fail(problems: &[String]) -> Result<u8, String> {
    for problem in problems {
        eprintln!("error: {problem}");
    }
    Ok(1)
}

fn pack_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default()
}
