//! `resources/host-cpu-budget`: the services' CPUs do not fit the host profile.

use plimsoll_sdk::model::{Project, Service};
use plimsoll_sdk::units::format_cpus;
use plimsoll_sdk::{Report, Severity};

use crate::Settings;
use crate::budget::{Budget, relate, report_unverifiable, services_subject};

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Adds up the CPUs of every service, times its `deploy.replicas`, and compares them with the
    /// host profile of `plimsoll.yaml` (`host.cpus` minus `host.reserved.cpus`):
    /// - reservations that do not fit are reported as **medium**;
    /// - limits that add up to more than the usable CPUs times `cpu-overcommit-ratio` are reported
    ///   as **low**: CPU time is shared, so overcommitted limits mean throttling, not crashes;
    /// - services without a CPU limit make the budget unverifiable, reported as **low** with their
    ///   names.
    ///
    /// Nothing is reported when `plimsoll.yaml` has no `host.cpus`.
    ///
    /// ## Why is this bad?
    /// When limits add up to more than the host has, busy hours throttle every service at once:
    /// latency rises, health checks time out and healthy containers get restarted.
    ///
    /// ## Example
    /// ```yaml
    /// # plimsoll.yaml: host: { cpus: 4, reserved: { cpus: 0.5 } }
    /// services:
    ///   api:    { deploy: { resources: { limits: { cpus: "2" } } } }
    ///   worker: { deploy: { resources: { limits: { cpus: "2" } } } }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   api:    { deploy: { resources: { limits: { cpus: "1.5" } } } }
    ///   worker: { deploy: { resources: { limits: { cpus: "2" } } } }
    /// ```
    ///
    /// ## Settings
    /// - `cpu-overcommit-ratio` (default `1.0`): how far limits may add up beyond the usable CPUs.
    /// - `exempt-services`: services left out of the list of services without a limit.
    ///
    /// ## References
    /// - [Compose deploy specification: resources](https://docs.docker.com/reference/compose-file/deploy/#resources)
    /// - [Docker: CPU constraints](https://docs.docker.com/engine/containers/resource_constraints/#cpu)
    pub static RULE = {
        id: "host-cpu-budget",
        severity: Medium,
        category: "resources",
        summary: "CPU reservations or limits do not fit the host",
    }
}

fn cpu_limit_key(service: &Service) -> Vec<&'static str> {
    if service.resources.limits.cpus.is_some() { vec!["deploy", "resources", "limits", "cpus"] } else { vec!["cpus"] }
}

/// Compare the services' CPUs with the host profile.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    let Some(host) = &project.host else { return };
    let Some(total) = host.cpus else { return };
    let usable = (total - host.reserved_cpus).max(0.0);
    let host_text = if host.reserved_cpus > 0.0 {
        format!("the host has {} after {} reserved", format_cpus(usable), format_cpus(host.reserved_cpus))
    } else {
        format!("the host has {}", format_cpus(usable))
    };
    let budget = Budget::collect(project, settings, |s| s.resources.cpu_reservation, |s| s.resources.cpu_limit);
    if budget.reservations > usable + 1e-9 {
        let largest = budget.largest_reservations(3);
        let finding = report.add(
            &RULE,
            services_subject(),
            format!("cpu reservations add up to {} but {host_text}", format_cpus(budget.reservations)),
        );
        relate(finding, &largest, |_| vec!["deploy", "resources", "reservations", "cpus"]).help(format!(
            "lower the reservations of the largest services ({}) or plan a larger host",
            described(&largest)
        ));
    }
    let allowed = usable * settings.cpu_overcommit_ratio;
    if budget.limits > allowed + 1e-9 {
        let largest = budget.largest_limits(3);
        let finding = report
            .add(
                &RULE,
                services_subject(),
                format!("cpu limits add up to {} but {host_text}", format_cpus(budget.limits)),
            )
            .severity(Severity::Low);
        relate(finding, &largest, cpu_limit_key).help(format!(
            "lower the limits of the largest services ({}), or raise `cpu-overcommit-ratio` if they never peak together",
            described(&largest)
        ));
    }
    let usable = format!("{} cpu", format_cpus(usable));
    report_unverifiable(report, &RULE, &budget.unlimited, "cpu", &usable, "deploy.resources.limits.cpus");
}

fn described(services: &[(&Service, f64)]) -> String {
    services.iter().map(|(s, c)| format!("`{}` {}", s.name, format_cpus(*c))).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::Severity;
    use plimsoll_sdk::model::HostProfile;
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Resources;

    fn findings(yaml: &str, settings: &str) -> Vec<(String, Option<Severity>)> {
        let mut project = from_compose(yaml);
        project.host = Some(HostProfile {
            memory: None,
            cpus: Some(4.0),
            reserved_memory: 0,
            reserved_cpus: 0.5,
            gpus: Vec::new(),
        });
        run::<Resources>(&project, settings)
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| (f.message, f.severity))
            .collect()
    }

    #[test]
    fn limits_and_reservations_over_the_host() {
        let yaml = "services:\n  a:\n    image: a:1\n    deploy: { replicas: 2, resources: { limits: { cpus: '1.5' }, reservations: { cpus: '1' } } }\n  b:\n    image: b:1\n    cpus: 1.45\n";
        assert_eq!(
            findings(yaml, ""),
            vec![(
                "cpu limits add up to 4.45 but the host has 3.5 after 0.5 reserved".to_string(),
                Some(Severity::Low)
            )]
        );
        assert!(findings(yaml, r#"{"cpu-overcommit-ratio": 1.5}"#).is_empty());
        let yaml = "services:\n  a:\n    image: a:1\n    deploy: { replicas: 4, resources: { limits: { cpus: '1' }, reservations: { cpus: '1' } } }\n";
        assert_eq!(
            findings(yaml, "")[0],
            ("cpu reservations add up to 4 but the host has 3.5 after 0.5 reserved".to_string(), None)
        );
    }

    #[test]
    fn unlimited_services_are_named() {
        let yaml = "services:\n  a:\n    image: a:1\n  b:\n    image: b:1\n    deploy: { replicas: 0 }\n";
        assert_eq!(
            findings(yaml, ""),
            vec![(
                "1 service without a cpu limit (`a`): the 3.5 cpu host budget cannot be verified".to_string(),
                Some(Severity::Low)
            )]
        );
    }
}
