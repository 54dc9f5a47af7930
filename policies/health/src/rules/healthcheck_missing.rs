//! `health/healthcheck-missing`: a service with no healthcheck in compose and none in its image.

use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, query, subject};

use super::is_one_shot;
use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags services that have no healthcheck: none under `healthcheck:` in the compose file **and**
    /// no `HEALTHCHECK` in the image they build (the final stage for their `build.target`).
    /// One-shot jobs are skipped: services that others wait for with `service_completed_successfully`,
    /// services with `restart: "no"`, and services whose command exits at once (`echo`, `true`).
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
        if service.effective.healthcheck.is_some() || settings.exempt_services.exempts(&service.name) || is_one_shot(project, service)
        {
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
            .help("add a `healthcheck:` that asks the service itself whether it works (an HTTP probe, `pg_isready`, `redis-cli ping`)");
        if let Some(related) = related {
            finding = finding.related(related);
        }
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
}
