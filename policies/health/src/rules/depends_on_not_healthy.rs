//! `health/depends-on-not-healthy`: waiting only for a service to start when it could be waited on until healthy.

use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, subject};

use super::active_healthcheck;
use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags `depends_on` entries in the short form, or with `condition: service_started`, on a
    /// service that has a healthcheck (in compose or in its image).
    ///
    /// ## Why is this bad?
    /// `service_started` only waits for the container to be created. The dependent service then
    /// connects to a database that is still initialising, fails its first requests or crashes on
    /// start, and relies on restart loops to come up. The dependency already says when it is ready:
    /// its healthcheck.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     depends_on: [postgres]
    ///   postgres:
    ///     healthcheck: { test: ["CMD-SHELL", "pg_isready"] }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   api:
    ///     depends_on:
    ///       postgres:
    ///         condition: service_healthy
    /// ```
    ///
    /// ## Settings
    /// - `exempt-services`: services whose dependencies are not checked.
    ///
    /// ## References
    /// - [Compose: control startup order](https://docs.docker.com/compose/how-tos/startup-order/)
    /// - [Compose services: depends_on](https://docs.docker.com/reference/compose-file/services/#depends_on)
    pub static RULE = {
        id: "depends-on-not-healthy",
        severity: Low,
        category: "health",
        summary: "`depends_on` waits for a start, though the dependency has a healthcheck",
    }
}

/// Report `service_started` dependencies on services with a healthcheck.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in &project.services {
        if settings.exempt_services.exempts(&service.name) {
            continue;
        }
        for dep in service.depends_on.iter().filter(|d| d.condition == "service_started") {
            let Some(target) = project.services.iter().find(|s| s.name == dep.service) else { continue };
            if active_healthcheck(target).is_none() {
                continue;
            }
            report
                .add(
                    &RULE,
                    subject::service(&service.name, &["depends_on", &dep.service]),
                    format!(
                        "service `{}` waits only for `{}` to start, though `{}` has a healthcheck",
                        service.name, dep.service, dep.service
                    ),
                )
                .related(subject::service(&dep.service, &["healthcheck"]))
                .help(format!("use `depends_on: {{ {}: {{ condition: service_healthy }} }}`", dep.service));
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Health;

    #[test]
    fn short_form_on_a_healthchecked_service() {
        let project = from_compose(
            "services:\n  api:\n    image: api:1\n    depends_on: [db, cache]\n  worker:\n    image: w:1\n    depends_on: { db: { condition: service_healthy } }\n  db:\n    image: postgres:16\n    healthcheck: { test: [CMD, pg_isready] }\n  cache:\n    image: redis:7\n",
        );
        let messages: Vec<_> = run::<Health>(&project, "")
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.message)
            .collect();
        assert_eq!(messages, ["service `api` waits only for `db` to start, though `db` has a healthcheck"]);
    }
}
