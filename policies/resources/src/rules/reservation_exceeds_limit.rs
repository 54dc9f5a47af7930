//! `resources/reservation-exceeds-limit`: a memory or CPU reservation above the limit.

use plimsoll_sdk::model::Project;
use plimsoll_sdk::units::{format_bytes, format_cpus};
use plimsoll_sdk::{Report, subject};

use super::{memory_limit_key, memory_reservation_key};
use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags services whose memory or CPU reservation is larger than their limit.
    ///
    /// ## Why is this bad?
    /// A reservation is what the scheduler sets aside; a limit is the most the container may use.
    /// A reservation above the limit can never be used: the host sets aside memory or CPU that the
    /// container is not allowed to touch, and the budget of the host is planned on a number that
    /// cannot happen. It is almost always a typo or two values swapped.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     deploy:
    ///       resources:
    ///         limits: { memory: 512M }
    ///         reservations: { memory: 1G }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   api:
    ///     deploy:
    ///       resources:
    ///         limits: { memory: 1G }
    ///         reservations: { memory: 512M }
    /// ```
    ///
    /// ## Settings
    /// None.
    ///
    /// ## References
    /// - [Compose deploy specification: resources](https://docs.docker.com/reference/compose-file/deploy/#resources)
    pub static RULE = {
        id: "reservation-exceeds-limit",
        severity: High,
        category: "resources",
        summary: "memory or CPU reservation is larger than the limit",
    }
}

/// Report reservations above limits, for memory and for CPUs.
pub fn check(project: &Project, _settings: &Settings, report: &mut Report) {
    for service in &project.services {
        let res = &service.resources;
        if let (Some(reservation), Some(limit)) = (res.memory_reservation, res.memory_limit)
            && reservation > limit
        {
            let key = memory_reservation_key(service);
            report
                .add(
                    &RULE,
                    subject::service(&service.name, key),
                    format!(
                        "service `{}` reserves {} of memory but its limit is {}",
                        service.name,
                        format_bytes(reservation),
                        format_bytes(limit)
                    ),
                )
                .related(subject::service(&service.name, memory_limit_key(service)))
                .help("lower the memory reservation to at most the limit, or raise the limit");
        }
        if let (Some(reservation), Some(limit)) = (res.cpu_reservation, res.cpu_limit)
            && reservation > limit
        {
            report
                .add(
                    &RULE,
                    subject::service(&service.name, &["deploy", "resources", "reservations", "cpus"]),
                    format!(
                        "service `{}` reserves {} CPUs but its limit is {}",
                        service.name,
                        format_cpus(reservation),
                        format_cpus(limit)
                    ),
                )
                .help("lower `deploy.resources.reservations.cpus` to at most the limit, or raise the limit");
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::Subject;
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Resources;

    #[test]
    fn memory_and_cpu_reservations_above_limits() {
        let project = from_compose(
            "services:\n  api:\n    image: api:1\n    deploy:\n      resources:\n        limits: { memory: 512M, cpus: '0.5' }\n        reservations: { memory: 1G, cpus: '1' }\n  ok:\n    image: ok:1\n    deploy:\n      resources:\n        limits: { memory: 1G }\n        reservations: { memory: 512M }\n",
        );
        let findings: Vec<_> =
            run::<Resources>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).collect();
        assert_eq!(findings.len(), 2);
        assert_eq!(findings[0].message, "service `api` reserves 1 GiB of memory but its limit is 512 MiB");
        assert_eq!(
            findings[0].subject,
            Subject::Compose(
                ["services", "api", "deploy", "resources", "reservations", "memory"].map(String::from).to_vec()
            )
        );
        assert_eq!(findings[1].message, "service `api` reserves 1 CPUs but its limit is 0.5");
    }

    #[test]
    fn legacy_keys_count_too() {
        let project =
            from_compose("services:\n  api:\n    image: api:1\n    mem_limit: 256m\n    mem_reservation: 1g\n");
        let findings: Vec<_> =
            run::<Resources>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).collect();
        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].subject,
            Subject::Compose(["services", "api", "mem_reservation"].map(String::from).to_vec())
        );
    }
}
