//! `health/healthcheck-missing`: a service with no healthcheck in compose and none in its image.

use plimsoll_sdk::model::{ImageRef, Project, Service};
use plimsoll_sdk::{Report, query, subject};

use super::is_one_shot;
use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags services that have no healthcheck: none under `healthcheck:` in the compose file **and**
    /// no `HEALTHCHECK` in the image they build (the final stage for their `build.target`, the
    /// stages it is built from, and the project's own base images it starts FROM). An image known
    /// to ship a `HEALTHCHECK` (the `images-with-healthcheck` table) counts for a service that runs
    /// it or builds FROM it: `HEALTHCHECK` is inherited. An image outside the table is not assumed
    /// to have one. One-shot jobs are skipped: services that others wait for with
    /// `service_completed_successfully`, services with `restart: "no"`, services that run only
    /// under job profiles (`setup`, `migrate`, …), and services whose command — or the last command
    /// of their `sh -c` script — exits at once (`echo`, `true`) or is a job (a migration).
    ///
    /// ## Why is this bad?
    /// Without a healthcheck, Docker only knows whether the process runs, not whether it answers.
    /// A deadlocked API or a database still replaying its log looks "up": `depends_on` cannot wait
    /// for it, `docker ps` shows nothing wrong, and dependent services fail on their first request.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: acme/api:2.0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   api:
    ///     image: acme/api:2.0
    ///     healthcheck:
    ///       test: ["CMD", "curl", "-fsS", "http://localhost:8000/health"]
    ///       interval: 10s
    ///       timeout: 3s
    ///       retries: 3
    /// ```
    ///
    /// ## Settings
    /// - `exempt-services`: services that need no healthcheck.
    /// - `images-with-healthcheck`: globs over `repository:tag` of images that ship a `HEALTHCHECK`.
    /// - `job-profiles`, `job-commands`: what marks a one-shot job.
    ///
    /// ## References
    /// - [Compose services: healthcheck](https://docs.docker.com/reference/compose-file/services/#healthcheck)
    /// - [Dockerfile reference: HEALTHCHECK](https://docs.docker.com/reference/dockerfile/#healthcheck)
    /// - [hadolint DL3057](https://github.com/hadolint/hadolint/wiki/DL3057)
    pub static RULE = {
        id: "healthcheck-missing",
        severity: Medium,
        category: "health",
        summary: "service has no healthcheck in compose or in its image",
    }
}

/// Report every service without an effective healthcheck.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in &project.services {
        if service.effective.healthcheck.is_some() || settings.exempt_services.exempts(&service.name) || is_one_shot(project, service, settings)
        {
            continue;
        }
        if image_has_healthcheck(project, service, settings) {
            continue;
        }
        let (message, related) = match query::target_stage(project, service) {
            Some((df, dockerfile, stage)) => (
                format!(
                    "service `{}` has no healthcheck, and `{}` has no `HEALTHCHECK`",
                    service.name, dockerfile.path
                ),
                Some(subject::instruction(df, stage.from_instruction)),
            ),
            None => (format!("service `{}` has no healthcheck", service.name), None),
        };
        let mut finding = report
            .add(&RULE, subject::service(&service.name, &[]), message)
            .help(query::source(project).say(
                "add a `healthcheck:` that asks the service itself whether it works (an HTTP probe, `pg_isready`, `redis-cli ping`)",
                "run it with `--health-cmd` (`Healthcheck`) asking the service itself whether it works, or use an image with a `HEALTHCHECK`",
                "add a `livenessProbe` and a `readinessProbe` (`httpGet`, `exec`, `tcpSocket` or `grpc`) to the container",
            ));
        if let Some(related) = related {
            finding = finding.related(related);
        }
    }
}

/// Whether the image a service runs has a `HEALTHCHECK` the model's effective value does not show:
/// one in a project-built base image, or a base (or pulled image) the table knows ships one.
fn image_has_healthcheck(project: &Project, service: &Service, settings: &Settings) -> bool {
    let known = |image: &ImageRef| {
        let key = query::table_key(image);
        settings.images_with_healthcheck.iter().any(|g| query::glob_match(g, &key))
    };
    match query::target_stage(project, service) {
        Some((df, _, stage)) => {
            let chain = query::build_chain(project, df, stage);
            chain.instructions.iter().any(|(_, _, i)| i.keyword == "HEALTHCHECK") || chain.base.as_deref().is_some_and(known)
        }
        None => service.build.is_none() && service.image.as_ref().is_some_and(known),
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose_with, run};

    use crate::Health;

    #[test]
    fn image_healthchecks_count_and_jobs_are_skipped() {
        let project = from_compose_with(
            "services:\n  a:\n    build: .\n  b:\n    image: b:1\n    depends_on: { migrate: { condition: service_completed_successfully } }\n    healthcheck: { test: [CMD, true] }\n  migrate:\n    image: m:1\n  seed:\n    image: s:1\n    restart: \"no\"\n  hello:\n    image: alpine:3.20\n    command: echo hello\n  c:\n    build: { context: ., dockerfile: Dockerfile.c }\n",
            &[
                ("Dockerfile", "FROM alpine:3.20\nHEALTHCHECK CMD wget -q --spider http://localhost/\n"),
                ("Dockerfile.c", "FROM alpine:3.20\nCMD [\"/app/run\"]\n"),
            ],
        );
        let messages: Vec<_> = run::<Health>(&project, "")
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.message)
            .collect();
        assert_eq!(messages, ["service `c` has no healthcheck, and `Dockerfile.c` has no `HEALTHCHECK`"]);
    }

    #[test]
    fn inherited_and_known_image_healthchecks_count() {
        let project = from_compose_with(
            "services:\n  base:\n    image: acme/base:1\n    build: { context: ., dockerfile: base.Dockerfile }\n  api:\n    build: { context: ., dockerfile: api.Dockerfile }\n  vault:\n    image: vaultwarden/server:1.32.0\n  derived:\n    build: { context: ., dockerfile: derived.Dockerfile }\n  other:\n    image: acme/other:1\n",
            &[
                ("base.Dockerfile", "FROM python:3.12-slim\nHEALTHCHECK CMD python -c 'print(1)'\n"),
                ("api.Dockerfile", "FROM acme/base:1\nCMD [\"app\"]\n"),
                ("derived.Dockerfile", "FROM vaultwarden/server:1.32.0\nCOPY x /x\n"),
            ],
        );
        let messages: Vec<_> = run::<Health>(&project, "")
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.message)
            .collect();
        assert_eq!(messages, ["service `other` has no healthcheck"]);
    }
}
