//! `plimsoll`: check Docker Compose stacks against policy packs that run in a WebAssembly sandbox.
//!
//! This file only parses the command line and prints; the work is in the library.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use plimsoll::display::display_path;
use plimsoll_check::{CheckOptions, ConfigSource, Engine, PathStyle, ProjectSource};
use plimsoll_distribution::Distribution;
use plimsoll_report::{self as report, Format, RenderOptions};
use plimsoll_runtime::ComponentCache;

/// mimalloc instead of glibc malloc: a check allocates and frees many small objects (the model, its
/// lowering into each sandbox, findings), and the server does so on every request.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Plimsoll checks Docker Compose projects (their compose files, overrides, Dockerfiles and build
/// contexts) against policy packs and reports located findings.
///
/// Start with `plimsoll check` in a repository: it finds every compose project and standalone
/// Dockerfile below the current directory, checks them with the built-in packs (resources, health,
/// image, security) and prints each finding with the offending line. `plimsoll rules` lists the rules;
/// `plimsoll rules <id>` explains one. Configure the gate with a `plimsoll.yaml` next to the project
/// (`plimsoll config schema` prints its JSON Schema; docs/configuration.md describes it).
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
    /// Reach this registry (`host[:port]`) over plain HTTP although it is not on this machine
    /// (repeatable; loopback registries never need it).
    #[arg(long = "insecure-registry", global = true, value_name = "HOST")]
    insecure_registries: Vec<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check projects and report findings; the exit code is the gate's decision.
    ///
    /// Each PATH is a compose file, a Dockerfile, or a directory. A directory is searched
    /// recursively (respecting `.gitignore`): every directory holding a compose file is a project,
    /// and every Dockerfile that no compose project builds is a project of its own. Projects are
    /// checked in parallel; a progress bar shows on a terminal.
    ///
    /// Findings can be waived three ways, each reported as waived rather than hidden: `exceptions:`
    /// in plimsoll.yaml (with a reason and an optional expiry date), inline comments
    /// `# plimsoll-ignore: <rule>[, <rule>] -- <reason>` on the offending line or the line above,
    /// and a baseline file (`--write-baseline`, then `--baseline`).
    ///
    /// Examples:
    ///
    ///   plimsoll check                                  # every project below .
    ///
    ///   plimsoll check -f compose.yaml -f compose.prod.yaml
    ///
    ///   plimsoll check --format sarif --output plimsoll.sarif
    ///
    ///   plimsoll check --write-baseline .plimsoll-baseline.json   # accept today's findings
    ///
    ///   plimsoll check --baseline .plimsoll-baseline.json         # report only new ones
    #[command(verbatim_doc_comment)]
    Check(Box<CheckArgs>),
    /// List the rules of the loaded packs, or print one rule's documentation.
    Rules {
        /// A rule id (`resources/memory-limit-missing`) or a pack id (`resources`).
        id: Option<String>,
        /// Add the packs of this plimsoll.yaml (default: the nearest one, from the current
        /// directory up to the repository root, as `check` finds it).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Add this pack: a `.wasm` file, a pack directory or `oci://host/repo:tag` (repeatable).
        #[arg(long = "pack", value_name = "PATH")]
        packs: Vec<PathBuf>,
        /// `human` (default) or `json`.
        #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
        format: RulesFormat,
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
        /// Add `locations`: the file:line:column every compose value and Dockerfile instruction came from.
        #[arg(long)]
        locations: bool,
    },
    /// Write, build, test and inspect policy packs (Rust, Python, JavaScript).
    Policy {
        #[command(subcommand)]
        command: plimsoll::policy::PolicyCommand,
    },
    /// Run the admission server: the check API over HTTP(S), with health and metrics endpoints.
    ///
    /// `POST /v1/check` takes a project (JSON `{"files": {...}}` or a .tar.gz) and answers with the
    /// report of `plimsoll check --format json`; `GET /healthz`, `/readyz` and `/metrics` are for
    /// operators (on `--ops-listen` when given). The configuration and its packs are reloaded on
    /// SIGHUP and when their files change; SIGTERM drains in-flight requests. See docs/server.md.
    Serve(Box<ServeArgs>),
    /// Probe a health endpoint: exit 0 when `GET URL` answers 2xx within 3 s, else 1 (for container
    /// `HEALTHCHECK`s in images without curl). Plain `http://` URLs only.
    Probe {
        /// `http://HOST:PORT/PATH`.
        url: String,
    },
    /// Configuration file helpers.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Print a shell completion script.
    ///
    /// For example `plimsoll completions bash > ~/.local/share/bash-completion/completions/plimsoll`,
    /// `plimsoll completions zsh > ~/.zfunc/_plimsoll`, or
    /// `plimsoll completions fish > ~/.config/fish/completions/plimsoll.fish`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `--format` of `plimsoll check`: the formats of `plimsoll-report`, named and described there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FormatArg(Format);

impl clap::ValueEnum for FormatArg {
    fn value_variants<'a>() -> &'a [Self] {
        static VARIANTS: std::sync::LazyLock<Vec<FormatArg>> =
            std::sync::LazyLock::new(|| Format::ALL.into_iter().map(FormatArg).collect());
        &VARIANTS
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.0.as_str()).help(self.0.description()))
    }
}

/// Output formats of `plimsoll rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum RulesFormat {
    /// A table, or a rule's documentation.
    Human,
    /// JSON.
    Json,
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
    /// Configuration file for every project (default: the `plimsoll.yaml` nearest to each project,
    /// looking upward as far as the repository root, the directory holding `.git`).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg(Format::Human))]
    format: FormatArg,
    /// Write the report to FILE (atomically: a temporary file, then a rename) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Check only these rules or packs (comma-separated or repeated: `security`, `image/tag-mutable`).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    only: Vec<String>,
    /// Do not check these rules or packs (comma-separated or repeated).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    skip: Vec<String>,
    /// List only findings at or above this severity; the decision and the score still count every finding.
    #[arg(long, value_name = "LEVEL", value_parser = ["info", "low", "medium", "high", "critical"])]
    severity: Option<String>,
    /// Do not report findings recorded in this baseline file.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Remove the stale entries of the `--baseline` file (entries of checked projects that match no
    /// finding any more), rewriting it atomically.
    #[arg(long, requires = "baseline")]
    prune_baseline: bool,
    /// Markdown: write the complete review instead of one that fits a pull-request comment.
    #[arg(long)]
    full: bool,
    /// Human: `rule` prints one block per rule (worst first) with its first occurrence; `none`
    /// prints one block per finding in file order, as tools that parse the output expect.
    #[arg(long, value_name = "HOW", value_parser = ["rule", "none"], default_value = "rule")]
    group: String,
    /// Human, grouped by rule: print every occurrence in full, not only the first.
    #[arg(long)]
    expand: bool,
    /// SARIF: where rule documentation is published; each rule gets `helpUri` `<URL>/<pack>/<rule>`
    /// (without it, the help text is inline only).
    #[arg(long, value_name = "URL")]
    help_url: Option<String>,
    /// Record today's findings in FILE (atomically) and accept them: the gate passes unless a
    /// project cannot be loaded or a pack fails.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Show what packs logged or printed.
    #[arg(long, short = 'v')]
    verbose: bool,
    /// Run registry packs only at the digests plimsoll.lock pins: a pack missing from the lock, a
    /// digest that differs or a tag that moved is an error.
    #[arg(long)]
    locked: bool,
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Address of the check API.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    listen: std::net::SocketAddr,
    /// Address of /healthz, /readyz and /metrics (default: on --listen).
    #[arg(long, value_name = "ADDR")]
    ops_listen: Option<std::net::SocketAddr>,
    /// The plimsoll.yaml every check uses (watched and reloaded on change or SIGHUP).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// PEM certificate chain: serve HTTPS (with --tls-key).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// PEM CA bundle: require client certificates signed by it (mTLS).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    client_ca: Option<PathBuf>,
    /// Largest request body in bytes (`10MiB`, `512k`, or a number).
    #[arg(long, default_value = "10MiB", value_name = "BYTES")]
    max_body: String,
    /// Deadline of one check (`5s`, `500ms`).
    #[arg(long, default_value = "5s", value_name = "DURATION")]
    request_timeout: String,
    /// Concurrent evaluations (default: the number of cores).
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
    /// Requests that may wait for a worker; beyond it the answer is 503 with Retry-After.
    #[arg(long, default_value_t = 64, value_name = "N")]
    queue: usize,
    /// A file holding the bearer token /v1/check requires.
    #[arg(long, value_name = "FILE")]
    auth_token_file: Option<PathBuf>,
    /// Refuse (403) a /v1/check request that carries a `config`: only this server's configuration decides.
    #[arg(long)]
    forbid_request_config: bool,
    /// `# plimsoll-ignore:` comments in uploaded files waive nothing.
    #[arg(long)]
    ignore_inline_waivers: bool,
    /// How long in-flight requests may take to finish after SIGTERM or SIGINT.
    #[arg(long, default_value = "10s", value_name = "DURATION")]
    shutdown_grace: String,
    /// Read timeout of request headers and bodies.
    #[arg(long, default_value = "10s", value_name = "DURATION")]
    read_timeout: String,
    /// Log format on standard error.
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    log_format: String,
    /// Serve the Docker Engine authorization plugin on this unix socket (see docs/server.md).
    #[arg(long, value_name = "PATH")]
    docker_authz_socket: Option<PathBuf>,
    /// The Docker Engine API the plugin asks what already runs (default: DOCKER_HOST, else
    /// unix:///var/run/docker.sock).
    #[arg(long, value_name = "URL", requires = "docker_authz_socket")]
    docker_host: Option<String>,
    /// Print the plugin spec file for /etc/docker/plugins/<name>.spec and exit.
    #[arg(long, requires = "docker_authz_socket")]
    print_docker_plugin_spec: bool,
    /// Run registry packs only at the digests plimsoll.lock pins (as `check --locked`).
    #[arg(long)]
    locked: bool,
}

/// `GET url` over plain HTTP/1.1; the status code.
fn probe(url: &str) -> Result<u16, String> {
    use std::io::Read;
    let rest = url.strip_prefix("http://").ok_or("only http:// URLs can be probed")?;
    let (authority, path) = rest.split_once('/').map_or((rest, "/".to_string()), |(a, p)| (a, format!("/{p}")));
    let timeout = std::time::Duration::from_secs(3);
    let address = std::net::ToSocketAddrs::to_socket_addrs(authority)
        .map_err(|e| format!("cannot resolve {authority}: {e}"))?
        .next()
        .ok_or_else(|| format!("cannot resolve {authority}"))?;
    let mut stream = std::net::TcpStream::connect_timeout(&address, timeout).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    stream.set_write_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut head = [0u8; 64];
    let n = stream.read(&mut head).map_err(|e| e.to_string())?;
    let line = String::from_utf8_lossy(&head[..n]);
    line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| "not an HTTP response".to_string())
}

fn duration_flag(name: &str, text: &str) -> Result<std::time::Duration, String> {
    plimsoll_model::units::parse_duration_ms(text)
        .map(std::time::Duration::from_millis)
        .map_err(|e| format!("--{name}: {e}"))
}

fn serve(args: ServeArgs, cache: Option<ComponentCache>, dist: Distribution) -> Result<u8, String> {
    let defaults = plimsoll_server::ServeOptions::default();
    let tls = match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => Some(plimsoll_server::TlsFiles { cert, key, client_ca: args.client_ca }),
        _ => None,
    };
    if args.print_docker_plugin_spec {
        let socket =
            args.docker_authz_socket.as_deref().ok_or("--print-docker-plugin-spec needs --docker-authz-socket")?;
        print!("{}", plimsoll_server::docker::plugin_spec(socket));
        return Ok(0);
    }
    let docker_host = args
        .docker_host
        .as_deref()
        .map(plimsoll_server::docker_api::DockerHost::parse)
        .transpose()
        .map_err(|e| format!("--docker-host: {e}"))?;
    let max_body = plimsoll_model::units::parse_bytes(&args.max_body).map_err(|e| format!("--max-body: {e}"))? as usize;
    let options = plimsoll_server::ServeOptions {
        listen: args.listen,
        ops_listen: args.ops_listen,
        config: args.config,
        tls,
        max_body,
        request_timeout: duration_flag("request-timeout", &args.request_timeout)?,
        workers: args.workers.unwrap_or(defaults.workers).max(1),
        queue: args.queue,
        auth_token_file: args.auth_token_file,
        forbid_request_config: args.forbid_request_config,
        ignore_inline_waivers: args.ignore_inline_waivers,
        shutdown_grace: duration_flag("shutdown-grace", &args.shutdown_grace)?,
        read_timeout: duration_flag("read-timeout", &args.read_timeout)?,
        log_json: args.log_format == "json",
        cache,
        docker_authz_socket: args.docker_authz_socket,
        docker_host,
        registry: plimsoll_check::packs::RegistrySettings { distribution: dist, locked: args.locked },
        ..defaults
    };
    plimsoll_server::run(options).map_err(|e| e.to_string())?;
    Ok(0)
}

/// A progress bar on standard error, drawn only on a terminal and for more than one project.
struct Bar(indicatif::ProgressBar);

impl plimsoll_check::Progress for Bar {
    fn start(&self, total: usize) {
        if total > 1 {
            self.0.set_length(total as u64);
            self.0.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
    }
    fn advance(&self, project: &str) {
        self.0.set_message(project.to_string());
        self.0.inc(1);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
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

/// How a format shows paths: the human format relative to the working directory, as a terminal
/// can open them; every machine format relative to the repository root, whatever the working
/// directory, as code scanning, annotations and merge request widgets expect.
fn path_style(format: Format) -> PathStyle {
    match format {
        Format::Human => std::env::current_dir().map_or(PathStyle::Repository, PathStyle::RelativeTo),
        _ => PathStyle::Repository,
    }
}

/// Whether to colour: `NO_COLOR` wins, then `FORCE_COLOR`/`CLICOLOR_FORCE` (set and not `0`), then
/// `TERM=dumb` turns it off; otherwise only on a terminal.
fn use_color(to_terminal: bool) -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    let forced = |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    if set("NO_COLOR") {
        false
    } else if forced("FORCE_COLOR") || forced("CLICOLOR_FORCE") {
        true
    } else if std::env::var("TERM").is_ok_and(|t| t == "dumb") {
        false
    } else {
        to_terminal
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

/// The store and registry options every command shares.
fn distribution(insecure: &[String]) -> Distribution {
    let options = plimsoll_distribution::registry::RegistryOptions { insecure: insecure.to_vec() };
    Distribution::new(plimsoll_distribution::Store::at(plimsoll_distribution::Store::default_location()), options)
}

fn run(cli: Cli) -> Result<u8, String> {
    let dist = distribution(&cli.insecure_registries);
    match cli.command {
        Command::Check(args) => {
            let mut engine = Engine::new(cache(cli.no_cache)).map_err(|e| e.to_string())?;
            engine.set_registry(plimsoll_check::packs::RegistrySettings { distribution: dist, locked: args.locked });
            // Names the built-in packs do not know may belong to packs a configuration adds: they
            // are checked against every rule the run knew, once it ran.
            let catalog = engine.catalog();
            let known = |catalog: &[plimsoll_check::RuleMeta], name: &str| {
                catalog.iter().any(|r| r.id == name || r.pack == name)
            };
            let deferred: Vec<String> =
                args.only.iter().chain(&args.skip).filter(|n| !known(&catalog, n)).cloned().collect();
            let selection = CheckOptions { only: args.only.clone(), skip: args.skip.clone(), ..Default::default() };
            let select_error = {
                let message = format!(
                    "--only {} --skip {} select no rule: nothing would be checked",
                    if args.only.is_empty() { "(all)".to_string() } else { args.only.join(",") },
                    args.skip.join(",")
                );
                move || message.clone()
            };
            let selects_nothing = !catalog.iter().any(|r| selection.selects(&r.id));
            if deferred.is_empty() && selects_nothing && !(args.only.is_empty() && args.skip.is_empty()) {
                return Err(select_error());
            }
            let baseline = args
                .baseline
                .as_deref()
                .map(plimsoll_check::baseline::Baseline::load)
                .transpose()
                .map_err(|e| e.to_string())?;
            let project = if args.files.is_empty() {
                ProjectSource::Paths(args.paths)
            } else {
                ProjectSource::Files {
                    files: args.files,
                    project_directory: args.project_directory,
                    project_name: None,
                }
            };
            let options = CheckOptions {
                project,
                profiles: args.profiles,
                env_files: args.env_files,
                config: args.config.map_or(ConfigSource::Discover, ConfigSource::File),
                only: args.only,
                skip: args.skip,
                baseline,
                today: None,
                path_style: path_style(args.format.0),
                ..CheckOptions::default()
            };
            let style = indicatif::ProgressStyle::with_template("{spinner} checking {pos}/{len} projects {wide_msg}")
                .map_err(|e| e.to_string())?;
            let bar = Bar(indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::hidden())
                .with_style(style));
            let mut outcome = engine.check_with(&options, &bar).map_err(|e| e.to_string())?;
            if let Some(name) = deferred.iter().find(|n| !known(&outcome.rules, n)) {
                return Err(format!(
                    "--only/--skip: unknown rule or pack `{name}` (see `plimsoll rules`, with `--config` for the packs a configuration adds)"
                ));
            }
            if !deferred.is_empty() && !outcome.rules.iter().any(|r| selection.selects(&r.id)) {
                return Err(select_error());
            }
            if args.prune_baseline
                && let (Some(path), Some(recorded)) = (&args.baseline, &options.baseline)
            {
                let mut stale: Vec<usize> = outcome.projects.iter().flat_map(|p| p.stale_baseline.clone()).collect();
                stale.sort_unstable();
                stale.dedup();
                if !stale.is_empty() {
                    plimsoll::output::write_atomic(path, recorded.pruned(&stale).as_bytes())?;
                }
                eprintln!(
                    "pruned {} stale entr{} from {}",
                    stale.len(),
                    if stale.len() == 1 { "y" } else { "ies" },
                    path.display()
                );
            }
            if let Some(path) = &args.write_baseline {
                let text = plimsoll_check::baseline::render(&outcome);
                emit(&text, Some(path))?;
                let count = outcome.findings().count();
                outcome.accept_all();
                eprintln!("wrote {} with {count} new finding{}", path.display(), if count == 1 { "" } else { "s" });
            }
            if let Some(level) = args.severity.as_deref().and_then(plimsoll_runtime::Severity::parse) {
                outcome.hide_below(level);
            }
            let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
            let color = args.output.is_none() && use_color(to_terminal);
            let render_options = RenderOptions {
                color,
                verbose: args.verbose,
                full: args.full,
                group: if args.group == "none" { plimsoll_report::Group::None } else { plimsoll_report::Group::Rule },
                expand: args.expand,
                help_base_url: args.help_url.clone(),
            };
            let text = report::render(&outcome, args.format.0, render_options);
            emit(&text, args.output.as_deref())?;
            if let Some(path) = &args.output {
                eprintln!("{}", report::one_line_summary(&outcome, &path.display().to_string()));
            }
            if args.format.0 == Format::Github
                && let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|v| !v.is_empty())
            {
                // The runner's protocol: append Markdown to the file it names.
                let mut file = std::fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(&summary)
                    .map_err(|e| format!("GITHUB_STEP_SUMMARY {}: {e}", PathBuf::from(&summary).display()))?;
                file.write_all(report::github_step_summary(&outcome).as_bytes())
                    .map_err(|e| format!("GITHUB_STEP_SUMMARY {}: {e}", PathBuf::from(&summary).display()))?;
            }
            Ok(outcome.exit_code() as u8)
        }
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut buffer = Vec::new();
            clap_complete::generate(shell, &mut command, "plimsoll", &mut buffer);
            emit(&String::from_utf8_lossy(&buffer), None)?;
            Ok(0)
        }
        Command::Rules { id, format, config, packs } => {
            let mut engine = Engine::new(cache(cli.no_cache)).map_err(|e| e.to_string())?;
            engine.set_registry(plimsoll_check::packs::RegistrySettings { distribution: dist, locked: false });
            let config = match config {
                Some(path) => Some(path),
                None => {
                    let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
                    plimsoll_check::discover::find_config(&cwd, &plimsoll_check::repository::root_of(&cwd))
                }
            };
            if let Some(path) = config {
                let loaded = plimsoll_check::config::load(&path).map_err(|e| e.to_string())?;
                engine.add_config_packs(&loaded).map_err(|e| e.to_string())?;
            }
            if !packs.is_empty() {
                let entries: Vec<String> = packs.iter().map(|p| p.display().to_string()).collect();
                let loaded = plimsoll_check::config::Loaded {
                    config: plimsoll_check::config::Config { packs: entries, ..Default::default() },
                    ..Default::default()
                };
                engine.add_config_packs(&loaded).map_err(|e| e.to_string())?;
            }
            print_rules(&engine, id.as_deref(), format)
        }
        Command::Model { path, files, profiles, diagnostics, locations } => {
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
            if locations && let Some(obj) = value.as_object_mut() {
                let map: serde_json::Map<String, serde_json::Value> = loaded
                    .locations()
                    .into_iter()
                    .map(|(path, loc)| {
                        let file = display_path(&loc.file);
                        (path, serde_json::Value::String(format!("{file}:{}:{}", loc.line, loc.column)))
                    })
                    .collect();
                obj.insert("locations".into(), serde_json::Value::Object(map));
            }
            emit(&(serde_json::to_string_pretty(&value).map_err(|e| e.to_string())? + "\n"), None)?;
            for d in loaded.diagnostics.iter().filter(|d| d.is_error()) {
                eprintln!("error: {d}");
            }
            Ok(if loaded.has_errors() { 2 } else { 0 })
        }
        Command::Policy { command } => plimsoll::policy::run(command, cache(cli.no_cache), &dist),
        Command::Serve(args) => serve(*args, cache(cli.no_cache), dist),
        Command::Probe { url } => match probe(&url) {
            Ok(status) if (200..300).contains(&status) => Ok(0),
            Ok(status) => {
                eprintln!("{url}: HTTP {status}");
                Ok(1)
            }
            Err(message) => {
                eprintln!("{url}: {message}");
                Ok(1)
            }
        },
        Command::Config { command: ConfigCommand::Schema } => {
            let text = serde_json::to_string_pretty(&plimsoll_check::config::schema()).map_err(|e| e.to_string())?;
            emit(&(text + "\n"), None)?;
            Ok(0)
        }
    }
}

fn print_rules(engine: &Engine, id: Option<&str>, format: RulesFormat) -> Result<u8, String> {
    let host = plimsoll_check::host_rules::pack_info();
    let infos: Vec<&plimsoll_runtime::PackInfo> =
        engine.packs().iter().map(|p| &p.info).chain(std::iter::once(&host)).collect();
    if let Some(id) = id
        && id.contains('/')
    {
        let (pack, rule_id) = id.split_once('/').unwrap_or((id, ""));
        let rule = infos
            .iter()
            .filter(|p| p.id == pack)
            .find_map(|p| p.rule(rule_id))
            .ok_or_else(|| format!("unknown rule `{id}` (see `plimsoll rules`)"))?;
        let text = match format {
            RulesFormat::Json => serde_json::to_string_pretty(rule).map_err(|e| e.to_string())? + "\n",
            RulesFormat::Human => format!(
                "# {pack}/{}\n\n{} · severity {} · category {}\n\n{}\n",
                rule.id, rule.summary, rule.severity, rule.category, rule.docs
            ),
        };
        emit(&text, None)?;
        return Ok(0);
    }
    let packs: Vec<_> = infos.into_iter().filter(|p| id.is_none_or(|id| p.id == id)).collect();
    if packs.is_empty() {
        return Err(format!("unknown pack `{}` (see `plimsoll rules`)", id.unwrap_or_default()));
    }
    let text = match format {
        RulesFormat::Json => {
            let rules: Vec<_> = packs
                .iter()
                .flat_map(|p| {
                    p.rules.iter().map(|r| {
                        serde_json::json!({
                            "id": format!("{}/{}", p.id, r.id), "pack": p.id, "summary": r.summary,
                            "severity": r.severity, "category": r.category, "status": r.status, "docs": r.docs,
                        })
                    })
                })
                .collect();
            serde_json::to_string_pretty(&rules).map_err(|e| e.to_string())? + "\n"
        }
        RulesFormat::Human => {
            let mut out = String::new();
            for p in packs {
                out.push_str(&format!("{} {} — {}\n", p.id, p.version, p.summary));
                for r in &p.rules {
                    out.push_str(&format!("  {:<48} {:<8} {}\n", format!("{}/{}", p.id, r.id), r.severity, r.summary));
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
        Some(path) => plimsoll::output::write_atomic(path, text.as_bytes()),
    }
}
