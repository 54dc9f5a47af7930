//! `health/healthcheck-disabled`: a healthcheck switched off in compose or in the image.

use plimsoll_sdk::model::{Origin, Project};
use plimsoll_sdk::{Report, subject};

use super::image_healthcheck;
use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags services whose effective healthcheck is disabled: `disable: true` or
    /// `test: ["NONE"]` in the compose file, or `HEALTHCHECK NONE` in the image.
    ///
    /// ## Why is this bad?
    /// Disabling a healthcheck usually silences one the image author wrote on purpose. The
    /// container is then "up" as soon as the process starts, whether or not it works, and nothing
    /// can wait for it with `condition: service_healthy`.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16
    ///     healthcheck:
    ///       disable: true
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16
    ///     healthcheck:
    ///       test: ["CMD-SHELL", "pg_isready -U postgres"]
    /// ```
    ///
    /// ## Settings
    /// - `exempt-services`: services allowed to run without a healthcheck.
    ///
    /// ## References
    /// - [Compose services: healthcheck](https://docs.docker.com/reference/compose-file/services/#healthcheck)
    /// - [Dockerfile reference: HEALTHCHECK](https://docs.docker.com/reference/dockerfile/#healthcheck)
    pub static RULE = {
        id: "healthcheck-disabled",
        severity: Low,
        category: "health",
        summary: "healthcheck is disabled",
    }
}

/// Report every service whose effective healthcheck is disabled.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in &project.services {
        let Some(hc) = &service.effective.healthcheck else { continue };
        if !hc.disabled || settings.exempt_services.exempts(&service.name) {
            continue;
        }
        let subject = match service.effective.healthcheck_origin {
            Origin::Image => {
                image_healthcheck(project, service).unwrap_or_else(|| subject::service(&service.name, &[]))
            }
            // `disable: true` and `test: ["NONE"]` normalize alike: point at the section.
            _ => subject::service(&service.name, &["healthcheck"]),
        };
        let from = if service.effective.healthcheck_origin == Origin::Image { " by its image" } else { "" };
        report
            .add(&RULE, subject, format!("service `{}` has its healthcheck disabled{from}", service.name))
            .help("write a healthcheck that probes the service instead of disabling it");
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose_with, run};

    use crate::Health;

    #[test]
    fn compose_and_image_disables() {
        let project = from_compose_with(
            "services:\n  a:\n    image: a:1\n    healthcheck: { disable: true }\n  b:\n    image: b:1\n    healthcheck: { test: [NONE] }\n  c:\n    build: .\n  d:\n    image: d:1\n    healthcheck: { test: [CMD, true] }\n",
            &[("Dockerfile", "FROM alpine:3.20\nHEALTHCHECK NONE\n")],
        );
        let messages: Vec<_> = run::<Health>(&project, "")
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.message)
            .collect();
        assert_eq!(
            messages,
            [
                "service `a` has its healthcheck disabled",
                "service `b` has its healthcheck disabled",
                "service `c` has its healthcheck disabled by its image"
            ]
        );
    }
}
