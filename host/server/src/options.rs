//! What `plimsoll serve` is told: listeners, TLS, limits, authentication and logging.
//!
//! Plain data filled by the CLI from its flags (or by a test); nothing here parses flags, opens
//! sockets or reads files.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The server's settings.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address of the check API.
    pub listen: SocketAddr,
    /// Address of `/healthz`, `/readyz` and `/metrics` (default: served on `listen` too).
    pub ops_listen: Option<SocketAddr>,
    /// `plimsoll.yaml` of every check (watched and reloaded); `None`: the defaults.
    pub config: Option<PathBuf>,
    /// PEM certificate chain and private key: serve HTTPS.
    pub tls: Option<TlsFiles>,
    /// Largest request body, in bytes.
    pub max_body: usize,
    /// Deadline of one check request (body read excluded).
    pub request_timeout: Duration,
    /// Concurrent evaluations (default: the number of cores).
    pub workers: usize,
    /// Requests that may wait for a worker before the server answers `503`.
    pub queue: usize,
    /// A file holding the bearer token `/v1/check` requires.
    pub auth_token_file: Option<PathBuf>,
    /// How long in-flight requests may take to finish after `SIGTERM`/`SIGINT`.
    pub shutdown_grace: Duration,
    /// Read timeout of request headers and bodies (slow clients cannot hold workers).
    pub read_timeout: Duration,
    /// Log lines as JSON objects (else text).
    pub log_json: bool,
    /// How often the configuration and pack files are looked at for changes.
    pub watch_interval: Duration,
    /// The compiled-component cache.
    pub cache: Option<plimsoll_runtime::ComponentCache>,
    /// Serve the Docker Engine authorization plugin protocol on this unix socket.
    pub docker_authz_socket: Option<PathBuf>,
    /// The Docker Engine API the plugin asks what already runs (`None`: `DOCKER_HOST`, else
    /// `/var/run/docker.sock`; only asked when the plugin is served).
    pub docker_host: Option<crate::docker_api::DockerHost>,
    /// How registry packs (`oci://…` in `packs:`) are fetched, and `--locked`.
    pub registry: plimsoll_check::packs::RegistrySettings,
    /// Refuse (`403`) a `/v1/check` request that carries a `config`: only the operator's
    /// configuration decides.
    pub forbid_request_config: bool,
    /// `# plimsoll-ignore:` comments in uploaded files waive nothing.
    pub ignore_inline_waivers: bool,
}

/// TLS material, as PEM files.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// Certificate chain.
    pub cert: PathBuf,
    /// Private key.
    pub key: PathBuf,
    /// CA bundle clients must present a certificate from (mTLS); `None`: no client certificates.
    pub client_ca: Option<PathBuf>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            ops_listen: None,
            config: None,
            tls: None,
            max_body: 10 << 20,
            request_timeout: Duration::from_secs(5),
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            queue: 64,
            auth_token_file: None,
            shutdown_grace: Duration::from_secs(10),
            read_timeout: Duration::from_secs(10),
            log_json: false,
            watch_interval: Duration::from_secs(1),
            cache: None,
            registry: Default::default(),
            docker_authz_socket: None,
            docker_host: None,
            forbid_request_config: false,
            ignore_inline_waivers: false,
        }
    }
}
