//! The normalized project model that policies see, mirroring `wit/model.wit` type for type.
//!
//! Every type here has the same name, fields and variants as the Rust bindings generated
//! from the WIT contract, so that a model serializes to JSON that the SDK and the runtime
//! deserialize into their bindings unchanged (a roundtrip test in `plimsoll-runtime` keeps
//! the two in step). This module holds data only: loading lives in the other modules and
//! nothing here touches files.

use serde::{Deserialize, Serialize};

/// A name and an optional value (environment variables, build args, labels, options).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyValue {
    /// Variable or key name.
    pub name: String,
    /// `None` for a bare `KEY` (taken from the environment at run time).
    pub value: Option<String>,
}

/// An image reference split into its parts (`registry/repository:tag@digest`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ImageRef {
    /// The reference as written, after interpolation.
    pub raw: String,
    /// Registry host when one is given (`ghcr.io`, `localhost:5000`).
    pub registry: Option<String>,
    /// Repository path without the registry.
    pub repository: String,
    /// Tag, if any.
    pub tag: Option<String>,
    /// `sha256:…` when pinned.
    pub digest: Option<String>,
}

/// Resource values of one kind (limits or reservations).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResourceSet {
    /// Bytes.
    pub memory: Option<u64>,
    /// CPUs (1.5 = one and a half CPUs).
    pub cpus: Option<f64>,
    /// Maximum number of processes.
    pub pids: Option<i64>,
}

/// How many devices a request takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DeviceCount {
    /// Every device (`count: all`, `gpus: all`).
    All,
    /// A number of devices.
    Count(u32),
}

/// A device reservation (`deploy.resources.reservations.devices`, or `gpus:`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DeviceRequest {
    /// Capabilities such as `gpu`.
    pub capabilities: Vec<String>,
    /// Driver such as `nvidia`.
    pub driver: Option<String>,
    /// `None` when neither `count` nor `device_ids` is set, which takes every device (Compose
    /// prints `count: -1`, like `count: all`).
    pub count: Option<DeviceCount>,
    /// Device ids.
    pub device_ids: Vec<String>,
    /// Driver options.
    pub options: Vec<KeyValue>,
}

/// The legacy per-service resource keys, as written.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LegacyResources {
    /// `mem_limit` in bytes.
    pub mem_limit: Option<u64>,
    /// `mem_reservation` in bytes.
    pub mem_reservation: Option<u64>,
    /// `memswap_limit` in bytes (-1 for unlimited).
    pub memswap_limit: Option<i64>,
    /// `cpus`.
    pub cpus: Option<f64>,
    /// `cpu_shares`.
    pub cpu_shares: Option<u64>,
    /// `pids_limit`.
    pub pids_limit: Option<i64>,
}

/// A service's resources: `deploy.resources` and the legacy keys side by side, plus effective values.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Resources {
    /// `deploy.resources.limits`.
    pub limits: ResourceSet,
    /// `deploy.resources.reservations` (without devices).
    pub reservations: ResourceSet,
    /// `mem_limit`, `cpus`, … as written.
    pub legacy: LegacyResources,
    /// Effective memory limit in bytes (deploy, else `mem_limit`).
    pub memory_limit: Option<u64>,
    /// Effective memory reservation in bytes (deploy, else `mem_reservation`).
    pub memory_reservation: Option<u64>,
    /// Effective CPU limit (deploy, else `cpus`).
    pub cpu_limit: Option<f64>,
    /// Effective CPU reservation (deploy).
    pub cpu_reservation: Option<f64>,
    /// Effective pids limit (deploy, else `pids_limit`).
    pub pids_limit: Option<i64>,
    /// Device reservations (GPUs), from `deploy` and `gpus:`.
    pub devices: Vec<DeviceRequest>,
    /// `shm_size` in bytes.
    pub shm_size: Option<u64>,
}

/// A healthcheck, normalized; durations in milliseconds.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Healthcheck {
    /// `["CMD", …]`, `["CMD-SHELL", "…"]` or `["NONE"]`; empty when only timings are set.
    pub test: Vec<String>,
    /// `disable: true`, `test: ["NONE"]` or `HEALTHCHECK NONE`.
    pub disabled: bool,
    /// Milliseconds between checks.
    pub interval: Option<u64>,
    /// Milliseconds before a check counts as failed.
    pub timeout: Option<u64>,
    /// Milliseconds of grace at start.
    pub start_period: Option<u64>,
    /// Milliseconds between checks during the start period.
    pub start_interval: Option<u64>,
    /// Consecutive failures before unhealthy.
    pub retries: Option<u32>,
}

/// A published or exposed port (ranges are expanded like Compose does).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Port {
    /// Container port.
    pub target: u32,
    /// Host port or range as written; `None` for a random port.
    pub published: Option<String>,
    /// Host interface; `None` listens on every interface.
    pub host_ip: Option<String>,
    /// `tcp` or `udp`.
    pub protocol: String,
    /// `ingress` or `host` when set.
    pub mode: Option<String>,
}

/// Kind of a service mount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MountKind {
    /// A host path.
    Bind,
    /// A named or anonymous volume.
    Volume,
    /// A tmpfs.
    Tmpfs,
    /// A Windows named pipe.
    Npipe,
    /// A cluster volume.
    Cluster,
    /// An image mounted as a volume.
    Image,
}

/// A service mount, long or short syntax.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mount {
    /// Kind of mount.
    pub kind: MountKind,
    /// Host path for binds (absolute), volume name, or none.
    pub source: Option<String>,
    /// Path inside the container.
    pub target: String,
    /// Mounted read-only.
    pub read_only: bool,
}

/// A `depends_on` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dependency {
    /// The service depended on.
    pub service: String,
    /// `service_started`, `service_healthy` or `service_completed_successfully`.
    pub condition: String,
    /// Whether the dependency is required.
    pub required: bool,
    /// Whether to restart with the dependency.
    pub restart: bool,
}

/// The `logging` section.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Logging {
    /// Logging driver.
    pub driver: Option<String>,
    /// Driver options.
    pub options: Vec<KeyValue>,
}

/// `deploy.restart_policy`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RestartPolicy {
    /// `none`, `on-failure` or `any`.
    pub condition: Option<String>,
    /// Milliseconds between attempts.
    pub delay: Option<u64>,
    /// Attempts before giving up.
    pub max_attempts: Option<u32>,
    /// Milliseconds to decide whether a restart succeeded.
    pub window: Option<u64>,
}

/// A `ulimits` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ulimit {
    /// Limit name (`nofile`).
    pub name: String,
    /// Soft limit.
    pub soft: i64,
    /// Hard limit.
    pub hard: i64,
}

/// The `build` section, linked to the model's Dockerfiles and contexts.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Build {
    /// Context as written (path or URL).
    pub context: String,
    /// Index into `Project::contexts`.
    pub context_index: Option<u32>,
    /// Dockerfile path as written.
    pub dockerfile: Option<String>,
    /// Index into `Project::dockerfiles` when it could be read.
    pub dockerfile_index: Option<u32>,
    /// Target stage name.
    pub target: Option<String>,
    /// Index of the stage that is built (the target, else the last).
    pub target_stage: Option<u32>,
    /// Build arguments.
    pub args: Vec<KeyValue>,
}

/// Where an effective value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Origin {
    /// Nothing sets it.
    #[default]
    Unset,
    /// The compose file.
    Compose,
    /// The image's Dockerfile.
    Image,
}

/// Values that need the compose file and the Dockerfile, each with its origin.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Effective {
    /// Effective user.
    pub user: Option<String>,
    /// Where the user came from.
    pub user_origin: Origin,
    /// Effective healthcheck.
    pub healthcheck: Option<Healthcheck>,
    /// Where the healthcheck came from.
    pub healthcheck_origin: Origin,
    /// Effective command.
    pub command: Option<Vec<String>>,
    /// Where the command came from.
    pub command_origin: Origin,
    /// Effective entrypoint.
    pub entrypoint: Option<Vec<String>>,
    /// Where the entrypoint came from.
    pub entrypoint_origin: Origin,
    /// `EXPOSE`d ports of the image and the service's `expose`.
    pub exposed_ports: Vec<String>,
    /// Image `ENV` overridden by the service's environment.
    pub environment: Vec<KeyValue>,
}

/// One service of the project.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Service {
    /// Service name.
    pub name: String,
    /// Parsed `image:`.
    pub image: Option<ImageRef>,
    /// The `build:` section.
    pub build: Option<Build>,
    /// `profiles:`.
    pub profiles: Vec<String>,
    /// `command` as a list.
    pub command: Option<Vec<String>>,
    /// `entrypoint` as a list.
    pub entrypoint: Option<Vec<String>>,
    /// `environment` with the variables of its `env_file`s (in order, `environment` winning), as
    /// Compose resolves them; a bare entry takes its value from `.env` or the process environment.
    pub environment: Vec<KeyValue>,
    /// `env_file` paths as written.
    pub env_files: Vec<String>,
    /// `user:`.
    pub user: Option<String>,
    /// `working_dir:`.
    pub working_dir: Option<String>,
    /// `ports:`.
    pub ports: Vec<Port>,
    /// `expose:`.
    pub expose: Vec<String>,
    /// `volumes:`.
    pub volumes: Vec<Mount>,
    /// `healthcheck:`.
    pub healthcheck: Option<Healthcheck>,
    /// `depends_on:`.
    pub depends_on: Vec<Dependency>,
    /// Limits, reservations, devices.
    pub resources: Resources,
    /// `deploy.replicas` (or `scale`).
    pub replicas: Option<u32>,
    /// `restart:`.
    pub restart: Option<String>,
    /// `deploy.restart_policy`.
    pub restart_policy: Option<RestartPolicy>,
    /// `logging:`.
    pub logging: Option<Logging>,
    /// `privileged:`.
    pub privileged: bool,
    /// `read_only:`.
    pub read_only: bool,
    /// `cap_add:`.
    pub cap_add: Vec<String>,
    /// `cap_drop:`.
    pub cap_drop: Vec<String>,
    /// `security_opt:`.
    pub security_opt: Vec<String>,
    /// `network_mode:`.
    pub network_mode: Option<String>,
    /// `pid:`.
    pub pid: Option<String>,
    /// `ipc:`.
    pub ipc: Option<String>,
    /// `userns_mode:`.
    pub userns_mode: Option<String>,
    /// `runtime:`.
    pub runtime: Option<String>,
    /// Network names.
    pub networks: Vec<String>,
    /// Secret names.
    pub secrets: Vec<String>,
    /// Config names.
    pub configs: Vec<String>,
    /// `ulimits:`.
    pub ulimits: Vec<Ulimit>,
    /// `labels:`.
    pub labels: Vec<KeyValue>,
    /// `devices:`.
    pub devices: Vec<String>,
    /// `container_name:`.
    pub container_name: Option<String>,
    /// Values computed from the compose file and the image.
    pub effective: Effective,
    /// JSON object of the `x-*` keys and keys the model does not type (the untyped keys of `build` under `build`).
    pub extensions: String,
    /// Values that came from variable interpolation: their key path below the service
    /// (`environment.DB_PASSWORD`, `command`) and the text as written (`${DB_PASSWORD}`).
    pub templates: Vec<KeyValue>,
}

/// A top-level network, volume, secret or config.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResourceDecl {
    /// Its key.
    pub name: String,
    /// `external: true`.
    pub external: bool,
    /// Driver, if set.
    pub driver: Option<String>,
    /// JSON object of the remaining keys.
    pub extensions: String,
}

/// How an instruction's arguments are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum InstructionForm {
    /// Shell form (`RUN apt-get update`).
    Shell,
    /// Exec (JSON) form (`CMD ["app"]`).
    Exec,
    /// Neither (instructions without a command).
    #[default]
    None,
}

/// An instruction flag such as `--from=builder`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    /// Flag name without dashes.
    pub name: String,
    /// Value after `=`.
    pub value: Option<String>,
}

/// A heredoc attached to an instruction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Heredoc {
    /// Delimiter.
    pub name: String,
    /// Body text.
    pub body: String,
    /// Destination path for `COPY <<EOF /path`.
    pub destination: Option<String>,
}

/// A simple command of a shell script.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimpleCommand {
    /// Words after quote removal.
    pub words: Vec<String>,
}

/// One Dockerfile instruction.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Instruction {
    /// Upper-case keyword.
    pub keyword: String,
    /// Stage index, `None` before the first `FROM`.
    pub stage: Option<u32>,
    /// Flags (`--from`, `--mount`, …).
    pub flags: Vec<Flag>,
    /// Shell, exec or none.
    pub form: InstructionForm,
    /// Arguments (see the WIT for their shape per form).
    pub arguments: Vec<String>,
    /// Heredocs.
    pub heredocs: Vec<Heredoc>,
    /// Simple commands of a `RUN`.
    pub commands: Vec<SimpleCommand>,
    /// Text after continuations are joined.
    pub text: String,
}

/// What a stage starts from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StageBase {
    /// An image.
    Image(ImageRef),
    /// An earlier stage, by index.
    Stage(u32),
    /// `FROM scratch`.
    Scratch,
}

/// A build stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    /// Stage index.
    pub index: u32,
    /// `AS name`.
    pub name: Option<String>,
    /// What it starts from.
    pub base: StageBase,
    /// `--platform`.
    pub platform: Option<String>,
    /// Index of its `FROM` instruction.
    pub from_instruction: u32,
    /// Indexes of its instructions (FROM included).
    pub instructions: Vec<u32>,
    /// Stages it copies from.
    pub copies_from: Vec<u32>,
}

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Dockerfile {
    /// Path relative to the project directory.
    pub path: String,
    /// The escape character.
    pub escape: String,
    /// Parser directives.
    pub directives: Vec<KeyValue>,
    /// Instructions in order.
    pub instructions: Vec<Instruction>,
    /// Stages in order.
    pub stages: Vec<Stage>,
}

/// Kind of a build context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ContextKind {
    /// A local directory.
    #[default]
    Directory,
    /// A URL (git or tarball): not scanned.
    Url,
    /// A path that does not exist.
    Missing,
}

/// A file or directory worth a rule's attention in a build context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotableEntry {
    /// Path relative to the context.
    pub path: String,
    /// `git`, `node-modules`, `virtualenv`, `env-file`, `private-key`, `model-weights`, `large-file`, …
    pub kind: String,
    /// Bytes (of the whole directory for directories).
    pub bytes: u64,
    /// Whether `.dockerignore` excludes it.
    pub ignored: bool,
}

/// What a build would send: the context after `.dockerignore`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BuildContext {
    /// Path relative to the project directory, or the URL.
    pub path: String,
    /// Directory, URL or missing.
    pub kind: ContextKind,
    /// The `.dockerignore` in force.
    pub dockerignore: Option<String>,
    /// Its patterns.
    pub dockerignore_patterns: Vec<String>,
    /// Files sent.
    pub file_count: u64,
    /// Bytes sent.
    pub bytes: u64,
    /// Notable entries.
    pub notable: Vec<NotableEntry>,
    /// The scan stopped at a bound.
    pub truncated: bool,
    /// A note for the user.
    pub note: Option<String>,
}

/// A GPU of the host profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gpu {
    /// Name (`RTX 3060`).
    pub name: String,
    /// Bytes of VRAM.
    pub vram: u64,
}

/// The machine the stack must fit on.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct HostProfile {
    /// Bytes of memory.
    pub memory: Option<u64>,
    /// CPUs.
    pub cpus: Option<f64>,
    /// Bytes kept for the OS.
    pub reserved_memory: u64,
    /// CPUs kept for the OS.
    pub reserved_cpus: f64,
    /// GPUs.
    pub gpus: Vec<Gpu>,
}

/// The whole project as policies see it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Project {
    /// Project name.
    pub name: String,
    /// Compose files in merge order.
    pub files: Vec<String>,
    /// Services.
    pub services: Vec<Service>,
    /// Top-level networks.
    pub networks: Vec<ResourceDecl>,
    /// Top-level volumes.
    pub volumes: Vec<ResourceDecl>,
    /// Top-level secrets.
    pub secrets: Vec<ResourceDecl>,
    /// Top-level configs.
    pub configs: Vec<ResourceDecl>,
    /// Dockerfiles the services build.
    pub dockerfiles: Vec<Dockerfile>,
    /// Build contexts.
    pub contexts: Vec<BuildContext>,
    /// Host profile.
    pub host: Option<HostProfile>,
    /// Active profiles.
    pub profiles: Vec<String>,
    /// JSON object of top-level `x-*` keys.
    pub extensions: String,
}

/// An instruction of a Dockerfile, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InstructionRef {
    /// Index into `Project::dockerfiles`.
    pub dockerfile: u32,
    /// Index into its instructions.
    pub instruction: u32,
}

/// Where a finding points (mirrors the WIT `subject`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Subject {
    /// The project as a whole.
    Project,
    /// A key path in the merged compose document.
    Compose(Vec<String>),
    /// A Dockerfile instruction.
    Instruction(InstructionRef),
    /// A file relative to the project directory.
    File(String),
}
