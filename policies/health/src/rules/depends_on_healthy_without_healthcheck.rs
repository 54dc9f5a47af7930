//! `health/depends-on-healthy-without-healthcheck`: waiting for a service to be healthy that never can be.

use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, subject};

use super::active_healthcheck;
use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags `depends_on` entries with `condition: service_healthy` on a service that has no
    /// healthcheck, in compose or in its image (or whose healthcheck is disabled).
    ///
    /// ## Why is this bad?
    /// A container without a healthcheck never becomes healthy. `docker compose up` fails with
    /// `dependency failed to start: container … has no healthcheck configured`, and the dependent
    /// service never starts.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     depends_on:
    ///       redis: { condition: service_healthy }
    ///   redis:
    ///     image: redis:7.2
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    ///   redis:
    ///     image: redis:7.2
    ///     healthcheck:
    ///       test: ["CMD", "redis-cli", "ping"]
    /// ```
    ///
    /// ## Settings
    /// None.
    ///
    /// ## References
    /// - [Compose: control startup order](https://docs.docker.com/compose/how-tos/startup-order/)
    /// - [Compose services: depends_on](https://docs.docker.com/reference/compose-file/services/#depends_on)
    pub static RULE = {
        id: "depends-on-healthy-without-healthcheck",
        severity: High,
        category: "health",
        summary: "`condition: service_healthy` on a service without a healthcheck",
    }
}

/// Report `service_healthy` dependencies on services without an active healthcheck.
pub fn check(project: &Project, _settings: &Settings, report: &mut Report) {
    for service in &project.services {
        for dep in service.depends_on.iter().filter(|d| d.condition == "service_healthy") {
            let Some(target) = project.services.iter().find(|s| s.name == dep.service) else { continue };
            if active_healthcheck(target).is_some() {
                continue;
            }
            let why = if target.effective.healthcheck.is_some() {
                "has its healthcheck disabled"
            } else {
                "has no healthcheck"
            };
            report
                .add(
                    &RULE,
                    subject::service(&service.name, &["depends_on", &dep.service, "condition"]),
                    format!(
                        "service `{}` waits for `{}` to be healthy, but `{}` {why}",
                        service.name, dep.service, dep.service
                    ),
                )
                .related(subject::service(&dep.service, &[]))
                .help(format!("add a healthcheck to `{}`, or wait with `condition: service_started`", dep.service));
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Health;

    #[test]
    fn healthy_condition_needs_a_healthcheck() {
        let project = from_compose(
            "services:\n  api:\n    image: api:1\n    depends_on: { redis: { condition: service_healthy }, db: { condition: service_healthy } }\n  redis:\n    image: redis:7\n  db:\n    image: postgres:16\n    healthcheck: { test: [CMD, pg_isready] }\n",
        );
        let messages: Vec<_> = run::<Health>(&project, "")
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.message)
            .collect();
        assert_eq!(messages, ["service `api` waits for `redis` to be healthy, but `redis` has no healthcheck"]);
    }
}
