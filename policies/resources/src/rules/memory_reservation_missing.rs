//! `resources/memory-reservation-missing`: a memory limit without a memory reservation.

use plimsoll_sdk::query;
use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, subject};

use super::memory_limit_key;
use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags services that set a memory limit but no memory reservation
    /// (`deploy.resources.reservations.memory` or the legacy `mem_reservation`). Services with no
    /// limit at all are left to `memory-limit-missing`.
    ///
    /// ## Why is this bad?
    /// The reservation is the memory a service needs to work; the limit is the most it may take.
    /// Without a reservation, the host's budget can only be planned on limits, which are meant to
    /// overcommit, and under memory pressure the kernel reclaims from this container as readily as
    /// from any other (the reservation is Docker's soft limit).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   cadvisor:
    ///     deploy:
    ///       resources:
    ///         limits: { memory: 256M }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   cadvisor:
    ///     deploy:
    ///       resources:
    ///         limits: { memory: 256M }
    ///         reservations: { memory: 128M }
    /// ```
    ///
    /// ## Settings
    /// - `exempt-services`: service names that need no reservation.
    ///
    /// ## References
    /// - [Compose deploy specification: resources](https://docs.docker.com/reference/compose-file/deploy/#resources)
    /// - [Docker: memory reservation](https://docs.docker.com/engine/containers/resource_constraints/#limit-a-containers-access-to-memory)
    pub static RULE = {
        id: "memory-reservation-missing",
        severity: Low,
        category: "resources",
        summary: "service has a memory limit but no memory reservation",
    }
}

/// Report every service with a memory limit and no memory reservation.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in &project.services {
        let res = &service.resources;
        let Some(limit) = res.memory_limit else { continue };
        if res.memory_reservation.is_some() || settings.exempt_services.exempts(&service.name) {
            continue;
        }
        report
            .add(
                &RULE,
                subject::service(&service.name, memory_limit_key(service)),
                format!(
                    "service `{}` has a {} memory limit but no memory reservation",
                    service.name,
                    plimsoll_sdk::units::format_bytes(limit)
                ),
            )
            .help(query::source(project).say(
                "set `deploy.resources.reservations.memory` to what the service needs in normal operation",
                "run it with `--memory-reservation` (`HostConfig.MemoryReservation`) at what it needs in normal operation",
                "set `resources.requests.memory` on the container to what it needs in normal operation",
            ));
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::Subject;
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Resources;

    #[test]
    fn a_limit_without_a_reservation_is_reported_at_the_limit() {
        let project = from_compose(
            "services:\n  a:\n    image: a:1\n    deploy: { resources: { limits: { memory: 256M } } }\n  b:\n    image: b:1\n    mem_limit: 1g\n    mem_reservation: 512m\n  c:\n    image: c:1\n",
        );
        let findings: Vec<_> =
            run::<Resources>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).collect();
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].message, "service `a` has a 256 MiB memory limit but no memory reservation");
        assert_eq!(
            findings[0].subject,
            Subject::Compose(["services", "a", "deploy", "resources", "limits", "memory"].map(String::from).to_vec())
        );
    }
}
