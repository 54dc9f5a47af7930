//! The `plimsoll policy` subcommands: flags, dispatch, printing and exit codes.
//!
//! Exit codes follow `plimsoll check`: 0 success, 1 a pack that fails its checks or its fixtures,
//! 2 usage or input errors (no manifest, a missing toolchain, an existing directory).

use std::path::{Path, PathBuf};

use plimsoll_runtime::{ComponentCache, Runtime, RuntimeOptions};

use plimsoll_check::Engine;

use plimsoll_check::manifest::{self, Language};

use super::{build, inspect, registry, scaffold, test};
use plimsoll_distribution::Distribution;

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
        /// Run the toolchain even when a Python or JavaScript pack's inputs are unchanged.
        #[arg(long)]
        force: bool,
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
        /// Show what the pack printed or logged on each fixture.
        #[arg(long, short = 'v')]
        verbose: bool,
    },
    /// Show a component's pack, rules, settings schema, imports, size and digest (for
    /// `oci://…`: also the manifest digest and the signatures the registry has).
    Inspect {
        /// The component (`.wasm`), a pack directory, or `oci://host/repo:tag`.
        file: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Public key to check an `oci://` pack's signatures with (repeatable).
        #[arg(long = "key", value_name = "PUB")]
        keys: Vec<PathBuf>,
    },
    /// Show where the Rust, Python and JavaScript toolchains were looked for and what was found.
    Doctor,
    /// Verify a pack (as `build` does) and push it to a registry; prints `oci://…@sha256:…`.
    Push {
        /// The pack directory (built), its manifest, or a `.wasm` component.
        path: PathBuf,
        /// Where to push: `oci://host[:port]/repository:tag`.
        reference: String,
        /// Move the tag even when it points at another digest.
        #[arg(long)]
        force: bool,
    },
    /// Pull a pack (and its signatures) into the local store.
    Pull {
        /// `oci://host[:port]/repository:tag` or `…@sha256:…`.
        reference: String,
    },
    /// Pin the registry packs of plimsoll.yaml in plimsoll.lock (next to it).
    Lock {
        /// The configuration (default: the plimsoll.yaml found from the current directory).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Take what the tags point at now: every pack, or the one named (reference or pack id).
        #[arg(long, value_name = "PACK", num_args = 0..=1, default_missing_value = "")]
        update: Option<String>,
    },
    /// Generate an ed25519 key pair: NAME.key (mode 0600) and NAME.pub.
    Keygen {
        /// Path prefix of the two files.
        name: PathBuf,
    },
    /// Sign a pack in its registry (the signature is stored next to it).
    Sign {
        /// The pack: `oci://host/repository:tag` or `…@sha256:…`.
        reference: String,
        /// The private key (`policy keygen`).
        #[arg(long, value_name = "KEY")]
        key: PathBuf,
    },
    /// Check that a pack in its registry is signed by one of the keys; exit 1 when not.
    Verify {
        /// The pack: `oci://host/repository:tag` or `…@sha256:…`.
        reference: String,
        /// A trusted public key (repeatable).
        #[arg(long = "key", value_name = "PUB", required = true)]
        keys: Vec<PathBuf>,
    },
    /// Write packs, their signatures (and a lock) as an OCI image layout archive, for places
    /// without a registry.
    Save {
        /// The packs (`oci://…`), pulled first when the registry is reachable.
        #[arg(required = true)]
        references: Vec<String>,
        /// The archive to write.
        #[arg(short = 'o', long, value_name = "FILE")]
        output: PathBuf,
        /// A plimsoll.lock to carry along.
        #[arg(long, value_name = "FILE")]
        lock: Option<PathBuf>,
    },
    /// Import an archive from `policy save` (or a layout directory) into the store.
    Load {
        /// The archive or layout directory.
        archive: PathBuf,
        /// Verify signatures with this public key (repeatable; implies signatures are required).
        #[arg(long = "key", value_name = "PUB")]
        keys: Vec<PathBuf>,
        /// Verify signatures under this configuration's `trust:`.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Refuse packs without a trusted signature.
        #[arg(long)]
        require_signatures: bool,
    },
}

/// Run a `policy` subcommand; `Err` is a usage or input error (exit code 2).
pub fn run(command: PolicyCommand, cache: Option<ComponentCache>, dist: &Distribution) -> Result<u8, String> {
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
        PolicyCommand::Build { dir, force } => {
            let dir = dir.unwrap_or_else(|| PathBuf::from("."));
            let runtime = runtime(cache)?;
            eprintln!("building {}", dir.display());
            match build::build(&runtime, &dir, force) {
                Ok(built) => {
                    print_built(&built);
                    Ok(0)
                }
                Err(problems) => fail(&problems),
            }
        }
        PolicyCommand::Test { dir, no_build, build: force, verbose } => {
            let dir = dir.unwrap_or_else(|| PathBuf::from("."));
            let loaded = manifest::load(&dir)?;
            let mut engine = Engine::new(cache).map_err(|e| e.to_string())?;
            if force || (!no_build && build::is_stale(&loaded)) {
                eprintln!("building {}", dir.display());
                match build::build(engine.runtime(), &dir, force) {
                    Ok(built) => print_built(&built),
                    Err(problems) => return fail(&problems),
                }
            }
            let report = test::run(&mut engine, &loaded)?;
            print!("{}", report.render(verbose));
            Ok(if report.passed() { 0 } else { 1 })
        }
        PolicyCommand::Inspect { file, json, keys } => {
            let runtime = runtime(cache)?;
            let text = file.to_string_lossy().to_string();
            let (inspection, registry_lines) = if plimsoll_distribution::reference::is_oci(&text) {
                registry::inspect(&runtime, dist, &text, &keys)?
            } else {
                let file = if file.is_dir() { manifest::load(&file)?.component_path() } else { file };
                (inspect::inspect(&runtime, &file)?, Vec::new())
            };
            if json {
                let mut value = serde_json::to_value(&inspection).map_err(|e| e.to_string())?;
                if !registry_lines.is_empty()
                    && let Some(obj) = value.as_object_mut()
                {
                    obj.insert("registry".into(), registry_lines.clone().into());
                }
                println!("{}", serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?);
            } else {
                print!("{}", inspect::render_human(&inspection));
                if !registry_lines.is_empty() {
                    println!("\nregistry");
                    for line in &registry_lines {
                        println!("  {line}");
                    }
                }
            }
            Ok(if inspection.problems.is_empty() { 0 } else { 1 })
        }
        PolicyCommand::Push { path, reference, force } => {
            registry::push(&runtime(cache)?, dist, &path, &reference, force)
        }
        PolicyCommand::Pull { reference } => registry::pull(dist, &reference),
        PolicyCommand::Doctor => {
            let (report, all) = super::tools::doctor();
            print!("{report}");
            Ok(if all { 0 } else { 1 })
        }
        PolicyCommand::Lock { config, update } => {
            let update = update.map(|u| if u.is_empty() { None } else { Some(u) });
            registry::lock(&runtime(cache)?, dist, config.as_deref(), update)
        }
        PolicyCommand::Keygen { name } => registry::keygen(&name),
        PolicyCommand::Sign { reference, key } => registry::sign_ref(dist, &reference, &key),
        PolicyCommand::Verify { reference, keys } => registry::verify_ref(dist, &reference, &keys),
        PolicyCommand::Save { references, output, lock } => registry::save(dist, &references, lock.as_deref(), &output),
        PolicyCommand::Load { archive, keys, config, require_signatures } => {
            registry::load(dist, &archive, &keys, config.as_deref(), require_signatures)
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
    let what = format!(
        "{} ({} {}, {} rules, {} bytes",
        built.component.display(),
        info.id,
        info.version,
        info.rules.len(),
        size
    );
    if built.unchanged {
        println!(
            "unchanged {what}): built from these sources, contract and toolchain; kept as it is ({:.1}s verifying; --force rebuilds)",
            built.total_time.as_secs_f64()
        );
    } else {
        println!(
            "built {what}, {:.1}s: {:.1}s in the toolchain, {:.1}s compiling and verifying)",
            built.total_time.as_secs_f64(),
            built.build_time.as_secs_f64(),
            built.total_time.saturating_sub(built.build_time).as_secs_f64()
        );
    }
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
