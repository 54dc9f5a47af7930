//! `health/healthcheck-tool-missing`: a healthcheck that runs a tool the image does not have.

use plimsoll_sdk::model::{ImageRef, Origin, Project, Service};
use plimsoll_sdk::{Report, Subject, query, subject};

use super::{active_healthcheck, healthcheck_subject};
use crate::Settings;
use crate::settings::KNOWN_TOOLS;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags healthchecks that run `curl`, `wget`, `nc`, `bash` (or need `sh`, for `CMD-SHELL`) in an
    /// image that lacks it. For a service that builds its image, the final stage for its
    /// `build.target` is followed to its base image — through its stages and through the project's
    /// own base images (a `FROM` naming an image another service builds) — : `scratch` has nothing,
    /// and the base is looked up in the `tools-missing` knowledge table (Debian `*-slim` lacks curl
    /// and wget, Alpine lacks curl but has busybox wget, distroless lacks everything), unless a
    /// `RUN` anywhere in that chain installs the tool (`apt-get install curl`, `apk add curl`) or a
    /// `COPY` brings it in. A service that only names an `image:` is looked up in the table
    /// directly. A base the table does not know is assumed to have the tool: never reported.
    ///
    /// ## Why is this bad?
    /// The check fails with `executable file not found` on every run: the service is never healthy,
    /// everything that waits for it with `service_healthy` never starts, and an orchestrator that
    /// restarts unhealthy containers restarts a working service forever.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.11-slim
    /// ```
    /// ```yaml
    /// healthcheck:
    ///   test: ["CMD", "curl", "-f", "http://localhost:8000/health"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// healthcheck:
    ///   test: ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:8000/health')"]
    /// ```
    ///
    /// ## Settings
    /// - `tools-missing`: rows of `images` (globs over `repository:tag`) and the tools they lack.
    ///
    /// ## References
    /// - [Compose services: healthcheck](https://docs.docker.com/reference/compose-file/services/#healthcheck)
    /// - [Docker Official Images: python (slim variants)](https://hub.docker.com/_/python)
    /// - [GoogleContainerTools/distroless](https://github.com/GoogleContainerTools/distroless)
    pub static RULE = {
        id: "healthcheck-tool-missing",
        severity: High,
        category: "health",
        summary: "healthcheck runs a tool the image does not have",
    }
}

/// The tools a healthcheck test needs, in order of appearance (`sh` for `CMD-SHELL`).
pub fn tools_of(test: &[String]) -> Vec<String> {
    let mut tools = Vec::new();
    let mut add = |word: &str| {
        let name = word.rsplit('/').next().unwrap_or(word);
        if KNOWN_TOOLS.contains(&name) && !tools.iter().any(|t| t == name) {
            tools.push(name.to_string());
        }
    };
    match test.first().map(String::as_str) {
        Some("CMD") => {
            if let Some(program) = test.get(1) {
                add(program);
            }
        }
        Some("CMD-SHELL") => {
            add("sh");
            let script = test.get(1).map(String::as_str).unwrap_or("");
            for segment in script.split(['&', '|', ';', '(', ')', '\n']) {
                let first = segment.split_whitespace().find(|w| !w.contains('=') || w.starts_with('-'));
                if let Some(first) = first {
                    add(first);
                }
            }
        }
        _ => {}
    }
    tools
}

/// Packages that provide a tool.
fn packages_of(tool: &str) -> &'static [&'static str] {
    match tool {
        "curl" => &["curl"],
        "wget" => &["wget"],
        "nc" => &["netcat-openbsd", "netcat-traditional", "netcat", "ncat", "nmap-ncat", "busybox-extras"],
        "bash" => &["bash"],
        _ => &[],
    }
}

/// The text a knowledge-table glob is matched against: `registry/repository:tag`.
fn image_text(image: &ImageRef) -> String {
    let repo = match &image.registry {
        Some(r) => format!("{r}/{}", image.repository),
        None => image.repository.clone(),
    };
    format!("{repo}:{}", image.tag.as_deref().unwrap_or("latest"))
}

fn lacks(settings: &Settings, image: &ImageRef, tool: &str) -> bool {
    let text = image_text(image);
    let bare = format!("{}:{}", image.repository, image.tag.as_deref().unwrap_or("latest"));
    settings.tools_missing.iter().any(|row| {
        row.missing.iter().any(|t| t == tool)
            && row.images.iter().any(|g| query::glob_match(g, &text) || query::glob_match(g, &bare))
    })
}

/// What the image is, for messages, and the instruction that picks it (the `FROM`).
struct Base {
    text: String,
    from: Option<Subject>,
}

/// The tools of the test the service's image lacks, with the base image described.
fn missing_tools(
    project: &Project,
    service: &Service,
    tools: &[String],
    settings: &Settings,
) -> Option<(Vec<String>, Base)> {
    if let Some((df, dockerfile, stage)) = query::target_stage(project, service) {
        // Follow the stages and the project's own base images down to the image it starts from.
        let chain = query::build_chain(project, df, stage);
        let from = Some(subject::instruction(chain.root_from.0, chain.root_from.1));
        let installed = |tool: &str| {
            chain.instructions.iter().filter(|(_, _, i)| i.keyword == "RUN").any(|(_, _, i)| {
                i.commands.iter().filter_map(query::install).any(|inst| {
                    inst.packages().any(|p| packages_of(tool).contains(&p))
                })
            })
        };
        let copied = |tool: &str| {
            chain.instructions.iter().any(|(_, _, i)| {
                (i.keyword == "COPY" || i.keyword == "ADD")
                    && i.arguments.iter().any(|a| a.rsplit('/').next() == Some(tool))
            })
        };
        let missing: Vec<String> = tools
            .iter()
            .filter(|tool| {
                let absent = chain.scratch || chain.base.as_deref().is_some_and(|img| lacks(settings, img, tool));
                absent && !installed(tool) && !copied(tool)
            })
            .cloned()
            .collect();
        let text = match chain.base {
            Some(img) => format!("`{}` (built FROM `{}`)", dockerfile.path, img.raw),
            None if chain.scratch => format!("`{}` (built FROM `scratch`)", dockerfile.path),
            None => return None,
        };
        return Some((missing, Base { text, from }));
    }
    if service.build.is_some() {
        // The Dockerfile could not be read: nothing is known about the image.
        return None;
    }
    let image = service.image.as_ref()?;
    let missing = tools.iter().filter(|t| lacks(settings, image, t)).cloned().collect();
    Some((missing, Base { text: format!("`{}`", image.raw), from: None }))
}

/// Report healthchecks that need a tool their image lacks.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in &project.services {
        let Some(hc) = active_healthcheck(service) else { continue };
        if settings.exempt_services.exempts(&service.name) {
            continue;
        }
        let tools = tools_of(&hc.test);
        if tools.is_empty() {
            continue;
        }
        let Some((missing, base)) = missing_tools(project, service, &tools, settings) else { continue };
        if missing.is_empty() {
            continue;
        }
        let key: &[&str] = if service.effective.healthcheck_origin == Origin::Compose { &["test"] } else { &[] };
        let (at, related) = healthcheck_subject(project, service, key);
        let list = missing.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(" and ");
        let mut finding = report
            .add(
                &RULE,
                at,
                format!("service `{}` healthcheck runs {list}, which {} has not", service.name, base.text),
            )
            .help(if missing.iter().any(|t| t == "sh") {
                "use the exec form (`[\"CMD\", …]`) with a binary the image ships, or a base image with a shell"
            } else {
                "install the tool in the final stage, or probe with what the image ships (`python -c`, `node -e`, busybox `wget`)"
            });
        for r in related.into_iter().chain(base.from) {
            finding = finding.related(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose_with, run};

    use super::tools_of;
    use crate::Health;

    #[test]
    fn tools_installed_in_a_project_built_base_count() {
        let project = from_compose_with(
            "services:\n  base:\n    image: acme/base:1\n    build: { context: ., dockerfile: base.Dockerfile }\n  api:\n    build: { context: ., dockerfile: api.Dockerfile }\n    healthcheck: { test: [CMD, curl, -f, http://localhost/] }\n  bare:\n    image: acme/bare:1\n    build: { context: ., dockerfile: bare.Dockerfile }\n  web:\n    build: { context: ., dockerfile: web.Dockerfile }\n    healthcheck: { test: [CMD, curl, -f, http://localhost/] }\n",
            &[
                ("base.Dockerfile", "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n"),
                ("api.Dockerfile", "FROM acme/base:1\nCMD [\"app\"]\n"),
                ("bare.Dockerfile", "FROM python:3.12-slim\nRUN pip install flask\n"),
                ("web.Dockerfile", "FROM acme/bare:1\nCMD [\"app\"]\n"),
            ],
        );
        let messages: Vec<_> = run::<Health>(&project, "")
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.message)
            .collect();
        assert_eq!(
            messages,
            ["service `web` healthcheck runs `curl`, which `web.Dockerfile` (built FROM `python:3.12-slim`) has not"]
        );
    }

    #[test]
    fn tools_of_exec_and_shell_tests() {
        let t = |v: &[&str]| tools_of(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(t(&["CMD", "curl", "-f", "http://x"]), ["curl"]);
        assert_eq!(t(&["CMD-SHELL", "curl -fsS http://x || exit 1"]), ["sh", "curl"]);
        assert_eq!(t(&["CMD-SHELL", "pg_isready -U x"]), ["sh"]);
        assert_eq!(t(&["CMD", "/usr/bin/wget", "-q"]), ["wget"]);
    }

    #[test]
    fn slim_without_curl_alpine_wget_and_installed_curl() {
        let project = from_compose_with(
            "services:\n  slim:\n    build: { context: ., dockerfile: Dockerfile.slim }\n    healthcheck: { test: [CMD, curl, -f, http://localhost/] }\n  fixed:\n    build: { context: ., dockerfile: Dockerfile.fixed }\n    healthcheck: { test: [CMD, curl, -f, http://localhost/] }\n  alpine:\n    image: python:3.12-alpine\n    healthcheck: { test: [CMD, wget, -q, --spider, http://localhost/] }\n  full:\n    image: node:20\n    healthcheck: { test: [CMD, curl, -f, http://localhost/] }\n  distroless:\n    image: gcr.io/distroless/static-debian12:nonroot\n    healthcheck: { test: [CMD-SHELL, /app/health] }\n",
            &[
                ("Dockerfile.slim", "FROM python:3.11-slim\nRUN pip install flask\n"),
                (
                    "Dockerfile.fixed",
                    "FROM python:3.11-slim AS base\nFROM base\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n",
                ),
            ],
        );
        let messages: Vec<_> = run::<Health>(&project, "")
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.message)
            .collect();
        assert_eq!(
            messages,
            [
                "service `slim` healthcheck runs `curl`, which `Dockerfile.slim` (built FROM `python:3.11-slim`) has not",
                "service `distroless` healthcheck runs `sh`, which `gcr.io/distroless/static-debian12:nonroot` has not"
            ]
        );
    }
}
