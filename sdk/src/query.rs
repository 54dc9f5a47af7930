//! Questions rules keep asking of the model: which Dockerfile and stage a service builds, which
//! instructions end up in the image, whether a package is installed, which packages a command
//! installs.
//!
//! Everything here is a plain function over the model, so rules that use it stay testable natively.

use crate::model::{Dockerfile, ImageRef, Instruction, Project, Service, SimpleCommand, Stage, StageBase};

/// The Dockerfile a service builds, with its index.
///
/// ```
/// # #[cfg(feature = "testkit")] {
/// use plimsoll_sdk::query;
/// let project = plimsoll_sdk::testkit::from_compose_with(
///     "services:\n  api:\n    build: { context: ., target: runtime }\n",
///     &[("Dockerfile", "FROM python:3.12-slim AS base\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.*\nFROM base AS runtime\nCMD [\"app\"]\n")],
/// );
/// let service = &project.services[0];
/// let (index, dockerfile) = query::service_dockerfile(&project, service).unwrap();
/// assert_eq!((index, dockerfile.path.as_str()), (0, "Dockerfile"));
/// # }
/// ```
pub fn service_dockerfile<'a>(project: &'a Project, service: &Service) -> Option<(u32, &'a Dockerfile)> {
    let index = service.build.as_ref()?.dockerfile_index?;
    Some((index, project.dockerfiles.get(index as usize)?))
}

/// The stage a service builds (its `build.target`, else the last stage), with the Dockerfile index.
///
/// ```
/// # #[cfg(feature = "testkit")] {
/// use plimsoll_sdk::query;
/// let project = plimsoll_sdk::testkit::from_compose_with(
///     "services:\n  api:\n    build: { context: ., target: runtime }\n",
///     &[("Dockerfile", "FROM python:3.12-slim AS base\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.*\nFROM base AS runtime\nCMD [\"app\"]\n")],
/// );
/// let service = &project.services[0];
/// let (_, _, stage) = query::target_stage(&project, service).unwrap();
/// assert_eq!(stage.name.as_deref(), Some("runtime"));
/// # }
/// ```
pub fn target_stage<'a>(project: &'a Project, service: &Service) -> Option<(u32, &'a Dockerfile, &'a Stage)> {
    let (index, dockerfile) = service_dockerfile(project, service)?;
    let stage = service.build.as_ref()?.target_stage.or_else(|| dockerfile.stages.last().map(|s| s.index))?;
    Some((index, dockerfile, dockerfile.stages.get(stage as usize)?))
}

/// A stage and the stages it is built `FROM`, the stage itself first (cycles are cut).
///
/// ```
/// # #[cfg(feature = "testkit")] {
/// use plimsoll_sdk::query;
/// let project = plimsoll_sdk::testkit::from_compose_with(
///     "services:\n  api:\n    build: { context: ., target: runtime }\n",
///     &[("Dockerfile", "FROM python:3.12-slim AS base\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.*\nFROM base AS runtime\nCMD [\"app\"]\n")],
/// );
/// let service = &project.services[0];
/// let (_, dockerfile, stage) = query::target_stage(&project, service).unwrap();
/// let names: Vec<_> = query::stage_chain(dockerfile, stage).iter().map(|s| s.name.clone().unwrap_or_default()).collect();
/// assert_eq!(names, ["runtime", "base"]);
/// # }
/// ```
pub fn stage_chain<'a>(dockerfile: &'a Dockerfile, stage: &'a Stage) -> Vec<&'a Stage> {
    let mut chain = vec![stage];
    let mut current = stage;
    while let StageBase::Stage(parent) = current.base {
        match dockerfile.stages.get(parent as usize) {
            Some(p) if !chain.iter().any(|s| s.index == p.index) => {
                chain.push(p);
                current = p;
            }
            _ => break,
        }
    }
    chain
}

/// Every instruction that ends up in a stage's image: those of its base stages first, then its own.
///
/// ```
/// # #[cfg(feature = "testkit")] {
/// use plimsoll_sdk::query;
/// let project = plimsoll_sdk::testkit::from_compose_with(
///     "services:\n  api:\n    build: { context: ., target: runtime }\n",
///     &[("Dockerfile", "FROM python:3.12-slim AS base\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.*\nFROM base AS runtime\nCMD [\"app\"]\n")],
/// );
/// let service = &project.services[0];
/// let (_, dockerfile, stage) = query::target_stage(&project, service).unwrap();
/// let keywords: Vec<_> = query::image_instructions(dockerfile, stage).iter().map(|(_, i)| i.keyword.as_str()).collect();
/// assert_eq!(keywords, ["FROM", "RUN", "FROM", "CMD"]);
/// # }
/// ```
pub fn image_instructions<'a>(dockerfile: &'a Dockerfile, stage: &'a Stage) -> Vec<(u32, &'a Instruction)> {
    stage_chain(dockerfile, stage)
        .into_iter()
        .rev()
        .flat_map(|s| s.instructions.iter())
        .filter_map(|i| dockerfile.instructions.get(*i as usize).map(|ins| (*i, ins)))
        .collect()
}

/// The image a stage ultimately starts from (`None` for `scratch`).
///
/// ```
/// # #[cfg(feature = "testkit")] {
/// use plimsoll_sdk::query;
/// let project = plimsoll_sdk::testkit::from_compose_with(
///     "services:\n  api:\n    build: { context: ., target: runtime }\n",
///     &[("Dockerfile", "FROM python:3.12-slim AS base\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.*\nFROM base AS runtime\nCMD [\"app\"]\n")],
/// );
/// let service = &project.services[0];
/// let (_, dockerfile, stage) = query::target_stage(&project, service).unwrap();
/// assert_eq!(query::base_image(dockerfile, stage).unwrap().raw, "python:3.12-slim");
/// # }
/// ```
pub fn base_image<'a>(dockerfile: &'a Dockerfile, stage: &'a Stage) -> Option<&'a ImageRef> {
    match &stage_chain(dockerfile, stage).last()?.base {
        StageBase::Image(image) => Some(image),
        _ => None,
    }
}

/// A stage's image traced through the project: the Dockerfile stages that build it, across
/// Dockerfiles when a stage starts FROM an image another service of the project builds
/// (`image: acme/base:1` with `build:`), and the image it finally starts from.
#[derive(Debug, Clone)]
pub struct BuildChain<'a> {
    /// Every instruction that ends up in the image, first base first: (Dockerfile index, instruction index, instruction).
    pub instructions: Vec<(u32, u32, &'a Instruction)>,
    /// The image outside the project the chain starts from (`None` for `scratch`, an unresolved
    /// stage or a named build context that is no image); a `FROM` naming a `docker-image://` build
    /// context is that image.
    pub base: Option<std::borrow::Cow<'a, ImageRef>>,
    /// Whether the chain starts `FROM scratch`.
    pub scratch: bool,
    /// Where the chain's first `FROM` is: (Dockerfile index, instruction index).
    pub root_from: (u32, u32),
}

/// What a named build context (`build.additional_contexts`) stands for when a `FROM` or
/// `COPY --from` names it.
#[derive(Debug, Clone, PartialEq)]
pub enum NamedContext {
    /// `service:NAME`: the image another service of the project builds.
    Service(String),
    /// `docker-image://REF`: that image, pulled.
    Image(ImageRef),
    /// A local directory, a Git or HTTP URL, or an `oci-layout://` store, as written: nothing is pulled.
    Other(String),
}

/// The named build context `name` that a service building Dockerfile `df_index` defines in
/// `build.additional_contexts` (the model keeps it in the service's `extensions`, under `build`).
///
/// ```
/// # #[cfg(feature = "testkit")] {
/// use plimsoll_sdk::query::{self, NamedContext};
/// let project = plimsoll_sdk::testkit::from_compose_with(
///     "services:\n  api:\n    build:\n      context: .\n      additional_contexts: [\"py=docker-image://python:3.12-slim\", \"vendor=./vendor\"]\n",
///     &[("Dockerfile", "FROM py\nCOPY --from=vendor / /vendor\n")],
/// );
/// let Some(NamedContext::Image(image)) = query::named_context(&project, 0, "py") else { panic!() };
/// assert_eq!(image.raw, "python:3.12-slim");
/// assert_eq!(query::named_context(&project, 0, "vendor"), Some(NamedContext::Other("./vendor".into())));
/// assert_eq!(query::named_context(&project, 0, "python"), None);
/// # }
/// ```
pub fn named_context(project: &Project, df_index: u32, name: &str) -> Option<NamedContext> {
    project.services.iter().filter(|s| s.build.as_ref().is_some_and(|b| b.dockerfile_index == Some(df_index))).find_map(
        |service| {
            if !service.extensions.contains("additional_contexts") {
                return None;
            }
            let extensions: serde_json::Value = serde_json::from_str(&service.extensions).ok()?;
            let value = extensions.get("build")?.get("additional_contexts")?.get(name)?.as_str()?;
            Some(if let Some(service) = value.strip_prefix("service:") {
                NamedContext::Service(service.to_string())
            } else if let Some(image) = value.strip_prefix("docker-image://") {
                NamedContext::Image(crate::image::parse_image_ref(image))
            } else {
                NamedContext::Other(value.to_string())
            })
        },
    )
}

/// The stage of this project that builds `image`: a service with `build:` whose `image:` is the same
/// reference (`acme/base:1`, or `acme/base` and `acme/base:latest`), or — for a `FROM base` in
/// Dockerfile `except` where `base` is a named build context `service:api` — the service `api`;
/// never Dockerfile `except` itself.
///
/// ```
/// # #[cfg(feature = "testkit")] {
/// use plimsoll_sdk::{image::parse_image_ref, query};
/// let project = plimsoll_sdk::testkit::from_compose_with(
///     "services:\n  base:\n    image: acme/base:1\n    build: { context: ., dockerfile: base.Dockerfile }\n  api:\n    build: .\n",
///     &[("base.Dockerfile", "FROM python:3.12-slim\nUSER app\n"), ("Dockerfile", "FROM acme/base:1\n")],
/// );
/// let (df, _, _) = query::project_built(&project, &parse_image_ref("acme/base:1"), None).unwrap();
/// assert_eq!(project.dockerfiles[df as usize].path, "base.Dockerfile");
/// # }
/// ```
pub fn project_built<'a>(
    project: &'a Project,
    image: &ImageRef,
    except: Option<u32>,
) -> Option<(u32, &'a Dockerfile, &'a Stage)> {
    let context = except.and_then(|df| named_context(project, df, &image.raw));
    built_from(project, image, except, context.as_ref())
}

/// [`project_built`] with the named build context of `image`'s `FROM` already looked up.
fn built_from<'a>(
    project: &'a Project,
    image: &ImageRef,
    except: Option<u32>,
    context: Option<&NamedContext>,
) -> Option<(u32, &'a Dockerfile, &'a Stage)> {
    if let Some(NamedContext::Service(name)) = context {
        let service = project.services.iter().find(|s| &s.name == name)?;
        return target_stage(project, service).filter(|(df, _, _)| Some(*df) != except);
    }
    let key = |i: &ImageRef| {
        (
            crate::image::image_name(i).trim_start_matches("docker.io/").trim_start_matches("library/").to_string(),
            i.tag.clone().unwrap_or_else(|| "latest".to_string()),
        )
    };
    let wanted = key(image);
    project.services.iter().find_map(|service| {
        let (df, _, stage) = target_stage(project, service)?;
        let same = service.image.as_ref().is_some_and(|built| key(built) == wanted);
        (same && Some(df) != except).then(|| (df, &project.dockerfiles[df as usize], stage))
    })
}

/// The build chain of a stage of Dockerfile `df_index`, following `FROM`s into the project's own
/// Dockerfiles (at most 8 deep; a cycle stops the walk).
///
/// ```
/// # #[cfg(feature = "testkit")] {
/// use plimsoll_sdk::query;
/// let project = plimsoll_sdk::testkit::from_compose_with(
///     "services:\n  base:\n    image: acme/base:1\n    build: { context: ., dockerfile: base.Dockerfile }\n  api:\n    build: .\n",
///     &[("base.Dockerfile", "FROM python:3.12-slim\nUSER app\n"), ("Dockerfile", "FROM acme/base:1\nCMD [\"app\"]\n")],
/// );
/// let (df, _, stage) = query::target_stage(&project, &project.services[1]).unwrap();
/// let chain = query::build_chain(&project, df, stage);
/// assert_eq!(chain.base.unwrap().raw, "python:3.12-slim");
/// assert!(chain.instructions.iter().any(|(_, _, i)| i.keyword == "USER"));
/// # }
/// ```
pub fn build_chain<'a>(project: &'a Project, df_index: u32, stage: &'a Stage) -> BuildChain<'a> {
    let mut parts: Vec<(u32, &'a Dockerfile, &'a Stage)> = Vec::new();
    let mut current = (df_index, stage);
    let mut seen = Vec::new();
    let (base, scratch, root_from) = loop {
        let Some(dockerfile) = project.dockerfiles.get(current.0 as usize) else { break (None, false, (current.0, 0)) };
        parts.push((current.0, dockerfile, current.1));
        seen.push(current.0);
        let chain = stage_chain(dockerfile, current.1);
        let root = chain.last().copied().unwrap_or(current.1);
        let root_from = (current.0, root.from_instruction);
        match &root.base {
            StageBase::Scratch => break (None, true, root_from),
            StageBase::Stage(_) => break (None, false, root_from),
            StageBase::Image(image) => {
                let context = named_context(project, current.0, &image.raw);
                match built_from(project, image, Some(current.0), context.as_ref()) {
                    Some((df, _, next)) if !seen.contains(&df) && seen.len() < 8 => current = (df, next),
                    _ => {
                        let base = match context {
                            Some(NamedContext::Image(image)) => Some(std::borrow::Cow::Owned(image)),
                            Some(_) => None,
                            None => Some(std::borrow::Cow::Borrowed(image)),
                        };
                        break (base, false, root_from);
                    }
                }
            }
        }
    };
    let instructions = parts
        .iter()
        .rev()
        .flat_map(|(df, dockerfile, stage)| {
            image_instructions(dockerfile, stage).into_iter().map(move |(index, instruction)| (*df, index, instruction))
        })
        .collect();
    BuildChain { instructions, base, scratch, root_from }
}

/// An image reference as the knowledge tables match it: `repository:tag` (tag `latest` when
/// absent), with the registry unless it is Docker Hub, and without Docker Hub's `library/`.
///
/// ```
/// use plimsoll_sdk::{image::parse_image_ref, query::table_key};
/// assert_eq!(table_key(&parse_image_ref("docker.io/library/python:3.12@sha256:ab")), "python:3.12");
/// assert_eq!(table_key(&parse_image_ref("ghcr.io/acme/api")), "ghcr.io/acme/api:latest");
/// ```
pub fn table_key(image: &ImageRef) -> String {
    let registry = image.registry.as_deref().filter(|r| *r != "docker.io" && *r != "index.docker.io");
    let repository = image.repository.strip_prefix("library/").unwrap_or(&image.repository);
    let name = match registry {
        Some(r) => format!("{r}/{repository}"),
        None => repository.to_string(),
    };
    format!("{name}:{}", image.tag.as_deref().unwrap_or("latest"))
}

/// Whether a stage chain starts `FROM scratch`.
///
/// ```
/// # #[cfg(feature = "testkit")] {
/// use plimsoll_sdk::query;
/// let project = plimsoll_sdk::testkit::from_compose_with(
///     "services:\n  api:\n    build: { context: ., target: runtime }\n",
///     &[("Dockerfile", "FROM python:3.12-slim AS base\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.*\nFROM base AS runtime\nCMD [\"app\"]\n")],
/// );
/// let service = &project.services[0];
/// let (_, dockerfile, stage) = query::target_stage(&project, service).unwrap();
/// assert!(!query::is_from_scratch(dockerfile, stage));
/// # }
/// ```
pub fn is_from_scratch(dockerfile: &Dockerfile, stage: &Stage) -> bool {
    matches!(stage_chain(dockerfile, stage).last().map(|s| &s.base), Some(StageBase::Scratch))
}

/// A package manager.
///
/// ```
/// # #[cfg(feature = "testkit")] {
/// use plimsoll_sdk::query;
/// let project = plimsoll_sdk::testkit::from_compose_with(
///     "services:\n  api:\n    build: { context: ., target: runtime }\n",
///     &[("Dockerfile", "FROM python:3.12-slim AS base\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.*\nFROM base AS runtime\nCMD [\"app\"]\n")],
/// );
/// let service = &project.services[0];
/// let (_, dockerfile, stage) = query::target_stage(&project, service).unwrap();
/// assert_eq!(query::installs(dockerfile, stage)[0].1.manager, query::Manager::Apt);
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    /// `apt-get install`, `apt install`.
    Apt,
    /// `apk add`.
    Apk,
    /// `yum install`, `dnf install`, `microdnf install`.
    Yum,
    /// `pip install`, `pip3 install`, `python -m pip install`, `uv pip install`.
    Pip,
    /// `npm install`/`npm i`/`npm ci`, `yarn add`, `pnpm add`.
    Npm,
}

/// A package install found in a command.
///
/// ```
/// # #[cfg(feature = "testkit")] {
/// use plimsoll_sdk::query;
/// let project = plimsoll_sdk::testkit::from_compose_with(
///     "services:\n  api:\n    build: { context: ., target: runtime }\n",
///     &[("Dockerfile", "FROM python:3.12-slim AS base\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.*\nFROM base AS runtime\nCMD [\"app\"]\n")],
/// );
/// let service = &project.services[0];
/// let (_, dockerfile, stage) = query::target_stage(&project, service).unwrap();
/// let (_, install) = &query::installs(dockerfile, stage)[0];
/// assert!(install.has_option("--no-install-recommends"));
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Install<'a> {
    /// Which manager.
    pub manager: Manager,
    /// The options written between the program and the subcommand (`apt-get -y -q install`).
    pub options: &'a [String],
    /// The words after the subcommand (options and packages).
    pub args: &'a [String],
}

impl Install<'_> {
    /// The package names (words that are not options), without version pins (`curl=7.*` → `curl`).
    ///
    /// ```
    /// # #[cfg(feature = "testkit")] {
    /// use plimsoll_sdk::query;
    /// let project = plimsoll_sdk::testkit::from_compose_with(
    ///     "services:\n  api:\n    build: { context: ., target: runtime }\n",
    ///     &[("Dockerfile", "FROM python:3.12-slim AS base\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.*\nFROM base AS runtime\nCMD [\"app\"]\n")],
    /// );
    /// let service = &project.services[0];
    /// let (_, dockerfile, stage) = query::target_stage(&project, service).unwrap();
    /// let (_, install) = &query::installs(dockerfile, stage)[0];
    /// assert_eq!(install.packages().collect::<Vec<_>>(), ["curl"]);
    /// # }
    /// ```
    pub fn packages(&self) -> impl Iterator<Item = &str> {
        let program = match self.manager {
            Manager::Apt => "apt-get",
            Manager::Apk => "apk",
            Manager::Yum => "dnf",
            Manager::Pip => "pip",
            Manager::Npm => "npm",
        };
        operands(program, self.args).into_iter().map(|a| {
            let end = a.find(['=', '<', '>', '~', '!', '[']).unwrap_or(a.len());
            // `@` pins a version for npm/apk, but may also start a scoped npm package name.
            let name = &a[..end];
            match name.rfind('@') {
                Some(at) if at > 0 => &name[..at],
                _ => name,
            }
        })
    }

    /// Whether an option is present (`--no-cache-dir`, `-y`).
    ///
    /// ```
    /// # #[cfg(feature = "testkit")] {
    /// use plimsoll_sdk::query;
    /// let project = plimsoll_sdk::testkit::from_compose_with(
    ///     "services:\n  api:\n    build: { context: ., target: runtime }\n",
    ///     &[("Dockerfile", "FROM python:3.12-slim AS base\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.*\nFROM base AS runtime\nCMD [\"app\"]\n")],
    /// );
    /// let service = &project.services[0];
    /// let (_, dockerfile, stage) = query::target_stage(&project, service).unwrap();
    /// assert!(query::installs(dockerfile, stage)[0].1.has_option("-y"));
    /// # }
    /// ```
    pub fn has_option(&self, option: &str) -> bool {
        self.options.iter().chain(self.args).any(|a| a == option || a.starts_with(&format!("{option}=")))
    }

    /// The value of an option written before or after the subcommand (`-t .deps`, `--virtual=.deps`).
    ///
    /// ```
    /// use plimsoll_sdk::model::SimpleCommand;
    /// let words = ["apk", "add", "--virtual", ".deps", "gcc"].map(String::from).to_vec();
    /// let command = SimpleCommand { words };
    /// let install = plimsoll_sdk::query::install(&command).unwrap();
    /// assert_eq!(install.option_value(&["--virtual", "-t"]), Some(".deps"));
    /// ```
    pub fn option_value(&self, names: &[&str]) -> Option<&str> {
        let words: Vec<&String> = self.options.iter().chain(self.args).collect();
        words.iter().enumerate().find_map(|(i, w)| {
            names.iter().find_map(|n| {
                if w.as_str() == *n {
                    words.get(i + 1).map(|v| v.as_str())
                } else {
                    w.strip_prefix(n).and_then(|rest| rest.strip_prefix('='))
                }
            })
        })
    }
}

/// Options of common tools that take the next word as their value (`apt-get -o X=Y`,
/// `pip --trusted-host h`, `xargs -n 1`), so that word is neither a subcommand nor a package.
///
/// ```
/// assert!(plimsoll_sdk::query::takes_value("pip", "--trusted-host"));
/// assert!(plimsoll_sdk::query::takes_value("apt-get", "-o"));
/// assert!(!plimsoll_sdk::query::takes_value("apt-get", "-y"));
/// ```
pub fn takes_value(program: &str, option: &str) -> bool {
    if option.contains('=') || !option.starts_with('-') {
        return false;
    }
    let list: &[&str] = match program {
        "apt-get" | "apt" | "apt-cache" | "apt-mark" => &[
            "-o",
            "--option",
            "-c",
            "--config-file",
            "-t",
            "--target-release",
            "--default-release",
            "-a",
            "--host-architecture",
        ],
        "apk" => &[
            "-X",
            "--repository",
            "-t",
            "--virtual",
            "-p",
            "--root",
            "--arch",
            "--repositories-file",
            "--cache-dir",
            "--keys-dir",
        ],
        "yum" | "dnf" | "microdnf" | "tdnf" => &[
            "-c",
            "--config",
            "--installroot",
            "--releasever",
            "--enablerepo",
            "--disablerepo",
            "-x",
            "--exclude",
            "--setopt",
            "-d",
            "--debuglevel",
            "-e",
            "--errorlevel",
            "--repo",
            "--repoid",
        ],
        "rpm" => &["--root", "--dbpath", "--define", "-D"],
        "npm" | "yarn" | "pnpm" => &[
            "--prefix",
            "-w",
            "--workspace",
            "--registry",
            "--cache",
            "--omit",
            "--loglevel",
            "--userconfig",
            "--filter",
            "-C",
            "--dir",
        ],
        "xargs" => &[
            "-n",
            "-I",
            "-i",
            "-P",
            "-L",
            "-l",
            "-d",
            "-E",
            "-e",
            "-s",
            "-a",
            "--max-args",
            "--max-procs",
            "--delimiter",
            "--arg-file",
        ],
        p if p.starts_with("pip") || p == "uv" => &[
            "-i",
            "--index-url",
            "--extra-index-url",
            "--trusted-host",
            "-r",
            "--requirement",
            "-c",
            "--constraint",
            "-e",
            "--editable",
            "--proxy",
            "--cert",
            "--client-cert",
            "--cache-dir",
            "--log",
            "--timeout",
            "--retries",
            "-t",
            "--target",
            "--prefix",
            "--root",
            "--src",
            "-f",
            "--find-links",
            "--platform",
            "--python-version",
            "--implementation",
            "--abi",
            "--only-binary",
            "--no-binary",
            "--progress-bar",
            "--exists-action",
            "--python",
            "--upgrade-strategy",
            "--report",
            "--global-option",
            "--config-settings",
            "-C",
        ],
        _ => &[],
    };
    list.contains(&option)
}

/// The operands of a command's arguments: the words that are neither options nor their values.
///
/// ```
/// let args = ["-t", "bookworm-backports", "-y", "curl"].map(String::from);
/// assert_eq!(plimsoll_sdk::query::operands("apt-get", &args), ["curl"]);
/// ```
pub fn operands<'a>(program: &str, args: &'a [String]) -> Vec<&'a String> {
    let mut out = Vec::new();
    let mut skip = false;
    let mut ended = false;
    for a in args {
        if skip {
            skip = false;
        } else if ended || !a.starts_with('-') || a == "-" {
            out.push(a);
        } else if a == "--" {
            ended = true;
        } else {
            skip = takes_value(program, a);
        }
    }
    out
}

/// A command's subcommand: the first operand after the program (`install` in
/// `apt-get -y -q install curl`), with the options before it and the words after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subcommand<'a> {
    /// The program name without its path.
    pub program: &'a str,
    /// The options between the program and the subcommand.
    pub options: &'a [String],
    /// The subcommand (`install`).
    pub name: &'a str,
    /// The words after the subcommand.
    pub args: &'a [String],
}

/// The subcommand a command runs, reading options before it wherever the tool accepts them
/// (`apt-get --no-install-recommends install`, `pip --trusted-host x install`).
///
/// ```
/// use plimsoll_sdk::model::SimpleCommand;
/// let words = ["pip", "--trusted-host", "pypi.org", "install", "flask"].map(String::from).to_vec();
/// let command = SimpleCommand { words };
/// let sub = plimsoll_sdk::query::subcommand(&command).unwrap();
/// assert_eq!((sub.program, sub.name, sub.options.len(), sub.args.len()), ("pip", "install", 2, 1));
/// ```
pub fn subcommand(command: &SimpleCommand) -> Option<Subcommand<'_>> {
    let (at, program) = self::program(command)?;
    let rest = &command.words[at + 1..];
    let mut i = 0;
    while i < rest.len() {
        let w = rest[i].as_str();
        if !w.starts_with('-') {
            return Some(Subcommand { program, options: &rest[..i], name: w, args: &rest[i + 1..] });
        }
        i += if takes_value(program, w) { 2 } else { 1 };
    }
    None
}

/// The program name of a command, without its path (`/usr/bin/pip3` → `pip3`), skipping `sudo`,
/// `env VAR=x`, leading `VAR=x` assignments and `xargs` with its options (`… | xargs apt-mark auto`).
///
/// ```
/// # #[cfg(feature = "testkit")] {
/// use plimsoll_sdk::query;
/// let project = plimsoll_sdk::testkit::from_compose_with(
///     "services:\n  api:\n    build: { context: ., target: runtime }\n",
///     &[("Dockerfile", "FROM python:3.12-slim AS base\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.*\nFROM base AS runtime\nCMD [\"app\"]\n")],
/// );
/// let service = &project.services[0];
/// let command = &project.dockerfiles[0].instructions[1].commands[1];
/// assert_eq!(query::program(command), Some((0, "apt-get")));
/// # }
/// ```
pub fn program(command: &SimpleCommand) -> Option<(usize, &str)> {
    let mut i = 0;
    let words = &command.words;
    let mut in_xargs = false;
    while i < words.len() {
        let w = words[i].as_str();
        if w == "sudo" || w == "env" || w == "exec" || w == "nohup" || (w.contains('=') && !w.starts_with('-')) {
            i += 1;
            continue;
        }
        if w == "xargs" || w.ends_with("/xargs") {
            in_xargs = true;
            i += 1;
            continue;
        }
        if in_xargs && w.starts_with('-') {
            i += if takes_value("xargs", w) { 2 } else { 1 };
            continue;
        }
        return Some((i, w.rsplit('/').next().unwrap_or(w)));
    }
    None
}

/// The package install a command performs, if any.
///
/// ```
/// # #[cfg(feature = "testkit")] {
/// use plimsoll_sdk::query;
/// let project = plimsoll_sdk::testkit::from_compose_with(
///     "services:\n  api:\n    build: { context: ., target: runtime }\n",
///     &[("Dockerfile", "FROM python:3.12-slim AS base\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.*\nFROM base AS runtime\nCMD [\"app\"]\n")],
/// );
/// let service = &project.services[0];
/// let commands = &project.dockerfiles[0].instructions[1].commands;
/// assert!(query::install(&commands[0]).is_none()); // apt-get update
/// assert!(query::install(&commands[1]).is_some()); // apt-get install
/// # }
/// ```
pub fn install(command: &SimpleCommand) -> Option<Install<'_>> {
    let (at, prog) = program(command)?;
    let rest = &command.words[at + 1..];
    let found = |names: &[&str]| -> Option<Install<'_>> {
        let sub = subcommand(command)?;
        let manager = match sub.program {
            "apt-get" | "apt" => Manager::Apt,
            "apk" => Manager::Apk,
            "yum" | "dnf" | "microdnf" | "tdnf" => Manager::Yum,
            "npm" | "yarn" | "pnpm" => Manager::Npm,
            _ => Manager::Pip,
        };
        names.contains(&sub.name).then_some(Install { manager, options: sub.options, args: sub.args })
    };
    match prog {
        "apt-get" | "apt" => found(&["install"]),
        "apk" => found(&["add"]),
        "yum" | "dnf" | "microdnf" | "tdnf" => found(&["install"]),
        "npm" => found(&["install", "i", "ci", "add"]),
        "yarn" | "pnpm" => found(&["add", "install"]),
        p if p.starts_with("pip") => found(&["install"]),
        "uv" => {
            let i = rest.iter().position(|w| w == "pip")?;
            (rest.get(i + 1)? == "install").then(|| Install {
                manager: Manager::Pip,
                options: &rest[..i],
                args: &rest[i + 2..],
            })
        }
        p if p.starts_with("python") => {
            let m = rest.iter().position(|w| w == "-m")?;
            if rest.get(m + 1).map(String::as_str) != Some("pip") {
                return None;
            }
            let after = &rest[m + 2..];
            let mut i = 0;
            while i < after.len() && after[i].starts_with('-') {
                i += if takes_value("pip", &after[i]) { 2 } else { 1 };
            }
            (after.get(i).map(String::as_str) == Some("install")).then(|| Install {
                manager: Manager::Pip,
                options: &after[..i],
                args: &after[i + 1..],
            })
        }
        _ => None,
    }
}

/// Every package install in the instructions of a stage's image, with the instruction index.
///
/// ```
/// # #[cfg(feature = "testkit")] {
/// use plimsoll_sdk::query;
/// let project = plimsoll_sdk::testkit::from_compose_with(
///     "services:\n  api:\n    build: { context: ., target: runtime }\n",
///     &[("Dockerfile", "FROM python:3.12-slim AS base\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.*\nFROM base AS runtime\nCMD [\"app\"]\n")],
/// );
/// let service = &project.services[0];
/// let (_, dockerfile, stage) = query::target_stage(&project, service).unwrap();
/// assert_eq!(query::installs(dockerfile, stage).len(), 1);
/// # }
/// ```
pub fn installs<'a>(dockerfile: &'a Dockerfile, stage: &'a Stage) -> Vec<(u32, Install<'a>)> {
    image_instructions(dockerfile, stage)
        .into_iter()
        .filter(|(_, i)| i.keyword == "RUN")
        .flat_map(|(index, i)| i.commands.iter().filter_map(move |c| install(c).map(|inst| (index, inst))))
        .collect()
}

/// The instruction that installs `package` into a stage's image, if any.
///
/// ```
/// # #[cfg(feature = "testkit")] {
/// use plimsoll_sdk::query;
/// let project = plimsoll_sdk::testkit::from_compose_with(
///     "services:\n  api:\n    build: { context: ., target: runtime }\n",
///     &[("Dockerfile", "FROM python:3.12-slim AS base\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.*\nFROM base AS runtime\nCMD [\"app\"]\n")],
/// );
/// let service = &project.services[0];
/// let (_, dockerfile, stage) = query::target_stage(&project, service).unwrap();
/// assert_eq!(query::installs_package(dockerfile, stage, "curl"), Some(1));
/// assert_eq!(query::installs_package(dockerfile, stage, "wget"), None);
/// # }
/// ```
pub fn installs_package(dockerfile: &Dockerfile, stage: &Stage, package: &str) -> Option<u32> {
    installs(dockerfile, stage).into_iter().find(|(_, inst)| inst.packages().any(|p| p == package)).map(|(i, _)| i)
}

/// Look up an environment variable in a list of key-values (last one wins).
///
/// ```
/// use plimsoll_sdk::model::KeyValue;
/// let vars = vec![
///     KeyValue { name: "MODE".into(), value: Some("dev".into()) },
///     KeyValue { name: "MODE".into(), value: Some("prod".into()) },
/// ];
/// assert_eq!(plimsoll_sdk::query::env(&vars, "MODE"), Some("prod"));
/// assert_eq!(plimsoll_sdk::query::env(&vars, "HOME"), None);
/// ```
pub fn env<'a>(vars: &'a [crate::model::KeyValue], name: &str) -> Option<&'a str> {
    vars.iter().rev().find(|kv| kv.name == name).and_then(|kv| kv.value.as_deref())
}

/// The strings a service's untyped key holds in its `extensions` (`tmpfs: /run` or
/// `tmpfs: [/run, /tmp]`, `cgroup: host`): a string is one item, a list its string items, a
/// mapping its keys; anything else, or a missing key, is empty.
///
/// ```
/// # #[cfg(feature = "testkit")] {
/// let project = plimsoll_sdk::testkit::from_compose("services:\n  a:\n    image: x:1\n    tmpfs: [/run, /tmp]\n    cgroup: host\n");
/// let service = &project.services[0];
/// assert_eq!(plimsoll_sdk::query::extension_strings(service, "tmpfs"), ["/run", "/tmp"]);
/// assert_eq!(plimsoll_sdk::query::extension_strings(service, "cgroup"), ["host"]);
/// assert!(plimsoll_sdk::query::extension_strings(service, "init").is_empty());
/// # }
/// ```
pub fn extension_strings(service: &Service, key: &str) -> Vec<String> {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(&service.extensions) else {
        return Vec::new();
    };
    match map.get(key) {
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        Some(serde_json::Value::Array(items)) => items.iter().filter_map(|v| v.as_str().map(String::from)).collect(),
        Some(serde_json::Value::Object(m)) => m.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Whether a service's untyped key (in its `extensions`) is `true`: `init: true`, or
/// `x-kubernetes-run-as-non-root: true`, which the Kubernetes translation writes for a container
/// the kubelet refuses to start as root.
///
/// ```
/// # #[cfg(feature = "testkit")] {
/// let project = plimsoll_sdk::testkit::from_compose("services:\n  a:\n    image: x:1\n    init: true\n");
/// assert!(plimsoll_sdk::query::extension_flag(&project.services[0], "init"));
/// assert!(!plimsoll_sdk::query::extension_flag(&project.services[0], "tty"));
/// # }
/// ```
pub fn extension_flag(service: &Service, key: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(&service.extensions)
        .ok()
        .and_then(|v| v.get(key)?.as_bool())
        .unwrap_or(false)
}

/// Whether `text` matches a glob `pattern` where `*` stands for any run of characters (case-insensitive):
/// `*VRAM*_GB` matches `VORTEX_MAX_VRAM_GB`, `python:*slim*` matches `python:3.11-slim`.
///
/// ```
/// assert!(plimsoll_sdk::query::glob_match("python:*slim*", "python:3.11-slim"));
/// assert!(!plimsoll_sdk::query::glob_match("node:*", "python:3.11"));
/// ```
pub fn glob_match(pattern: &str, text: &str) -> bool {
    // ASCII (nearly every name and image): compare bytes, folding case, without allocating.
    if pattern.is_ascii() && text.is_ascii() {
        return glob(pattern.as_bytes(), text.as_bytes(), b'*', |a, b| a.eq_ignore_ascii_case(&b));
    }
    let pattern: Vec<char> = pattern.to_lowercase().chars().collect();
    let text: Vec<char> = text.to_lowercase().chars().collect();
    glob(&pattern, &text, '*', |a, b| a == b)
}

/// [`glob_match`] over any symbols, with `star` for any run and `eq` for one symbol.
fn glob<T: Copy + PartialEq>(pattern: &[T], text: &[T], star_symbol: T, eq: impl Fn(T, T) -> bool) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == star_symbol {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && eq(pattern[p], text[t]) {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == star_symbol)
}

/// The text as written in the compose file for a service value that came from variable
/// interpolation, at `path` (dotted, below the service: `environment.DB_PASSWORD`, `command.2`) or,
/// failing that, at its nearest parent (a `command` string is one template for all its words).
pub fn template<'a>(service: &'a Service, path: &str) -> Option<&'a str> {
    let mut path = path;
    loop {
        if let Some(t) = service.templates.iter().find(|t| t.name == path) {
            return t.value.as_deref();
        }
        path = path.rsplit_once('.')?.0;
    }
}

/// Whether `value`, found at `path` of a service, is written literally in the compose file: `false`
/// when it came from interpolation (`${DB_PASSWORD}`) and does not appear in the text as written.
pub fn written_literally(service: &Service, path: &str, value: &str) -> bool {
    template(service, path).is_none_or(|t| t.contains(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(words: &[&str]) -> SimpleCommand {
        SimpleCommand { words: words.iter().map(|w| w.to_string()).collect() }
    }

    #[test]
    fn recognizes_installs() {
        let c = cmd(&["apt-get", "install", "-y", "--no-install-recommends", "curl=7.88*", "ca-certificates"]);
        let i = install(&c).unwrap();
        assert_eq!(i.manager, Manager::Apt);
        assert_eq!(i.packages().collect::<Vec<_>>(), ["curl", "ca-certificates"]);
        assert!(i.has_option("--no-install-recommends"));
        let c = cmd(&["python3", "-m", "pip", "install", "--no-cache-dir", "-r", "requirements.txt"]);
        assert_eq!(install(&c).unwrap().manager, Manager::Pip);
        let c = cmd(&["DEBIAN_FRONTEND=noninteractive", "apk", "add", "--no-cache", "curl@edge"]);
        assert_eq!(install(&c).unwrap().packages().collect::<Vec<_>>(), ["curl"]);
        assert!(install(&cmd(&["apt-get", "update"])).is_none());
        // Options before the subcommand, wherever the tool accepts them.
        let c = cmd(&[
            "apt-get",
            "--no-install-recommends",
            "-o",
            "Dpkg::Options::=--force-confnew",
            "install",
            "-t",
            "bookworm-backports",
            "curl",
        ]);
        let i = install(&c).unwrap();
        assert!(i.has_option("--no-install-recommends"));
        assert_eq!(i.packages().collect::<Vec<_>>(), ["curl"]);
        let c = cmd(&["pip", "--trusted-host", "pypi.org", "install", "--no-cache-dir", "-r", "r.txt", "flask==3.0"]);
        let i = install(&c).unwrap();
        assert!(i.has_option("--no-cache-dir") && i.has_option("--trusted-host"));
        assert_eq!(i.packages().collect::<Vec<_>>(), ["flask"]);
        let c = cmd(&["python", "-m", "pip", "--disable-pip-version-check", "install", "x"]);
        assert_eq!(install(&c).unwrap().packages().collect::<Vec<_>>(), ["x"]);
        assert!(install(&cmd(&["apt-get", "-y", "-q", "install", "curl"])).unwrap().has_option("-y"));
        assert!(install(&cmd(&["apt-get", "-o", "install", "remove", "x"])).is_none());
        assert!(install(&cmd(&["echo", "apt-get", "install", "x"])).is_none());
    }

    #[test]
    fn xargs_runs_its_command() {
        assert_eq!(program(&cmd(&["xargs", "-r", "-n", "1", "apt-mark", "auto"])), Some((4, "apt-mark")));
        assert_eq!(program(&cmd(&["/usr/bin/xargs", "rm"])), Some((1, "rm")));
        let c = cmd(&["apt-get", "-y", "purge", "--auto-remove", "gcc"]);
        let sub = subcommand(&c).unwrap();
        assert_eq!((sub.name, sub.args.len()), ("purge", 2));
    }

    #[test]
    fn globs_match_like_shells_do() {
        assert!(glob_match("*VRAM*_GB", "VORTEX_MAX_VRAM_GB"));
        assert!(glob_match("python:*slim*", "python:3.11-slim-bookworm"));
        assert!(glob_match("alpine", "ALPINE"));
        assert!(!glob_match("*VRAM*_GB", "VORTEX_MAX_VRAM_GIB"));
        assert!(!glob_match("python:*slim*", "node:20-slim"));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("a*b*c", "axxbyy"));
        // Non-ASCII text folds case like `str::to_lowercase`, and the ASCII path agrees with it.
        assert!(glob_match("*ÉTÉ*", "l_été_2024"));
        assert!(!glob_match("*été*", "l_ete_2024"));
        for (p, t) in [("*KEY", "api_key"), ("a*", ""), ("", ""), ("*", "x"), ("a**b", "ab"), ("x*y", "xy_")] {
            let slow = {
                let (p, t): (Vec<char>, Vec<char>) =
                    (p.to_lowercase().chars().collect(), t.to_lowercase().chars().collect());
                glob(&p, &t, '*', |a, b| a == b)
            };
            assert_eq!(glob_match(p, t), slow, "{p} {t}");
        }
    }
}

/// Where a project came from: the admission point that built it, or files on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A Compose project (or a Dockerfile) on disk or uploaded.
    Compose,
    /// A container-create (or update) the Docker Engine authorization plugin admits.
    Docker,
    /// A Pod or workload from Kubernetes (an `AdmissionReview`, or a manifest on disk).
    Kubernetes,
}

impl Source {
    /// Pick the wording for this source: how the fix is spelled in a compose file, in a
    /// `docker run`/Docker API call, and in a Kubernetes manifest.
    pub fn say<'a>(self, compose: &'a str, docker: &'a str, kubernetes: &'a str) -> &'a str {
        match self {
            Source::Compose => compose,
            Source::Docker => docker,
            Source::Kubernetes => kubernetes,
        }
    }
}

/// Where `project` came from, as its top-level `x-plimsoll-source` extension says (the admission
/// front ends write it; a project without it is a Compose project).
///
/// ```
/// # #[cfg(feature = "testkit")] {
/// use plimsoll_sdk::query::{Source, source};
/// let k8s = plimsoll_sdk::testkit::from_compose("x-plimsoll-source: { kind: kubernetes }\nservices:\n  a: { image: x:1 }\n");
/// assert_eq!(source(&k8s), Source::Kubernetes);
/// assert_eq!(source(&plimsoll_sdk::testkit::from_compose("services:\n  a: { image: x:1 }\n")), Source::Compose);
/// # }
/// ```
pub fn source(project: &crate::model::Project) -> Source {
    let kind = serde_json::from_str::<serde_json::Value>(&project.extensions)
        .ok()
        .and_then(|v| v.get("x-plimsoll-source")?.get("kind")?.as_str().map(str::to_string));
    match kind.as_deref() {
        Some("docker") => Source::Docker,
        Some("kubernetes") => Source::Kubernetes,
        _ => Source::Compose,
    }
}
