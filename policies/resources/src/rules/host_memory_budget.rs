//! `resources/host-memory-budget`: the services' memory does not fit the host profile.

use plimsoll_sdk::model::Project;
use plimsoll_sdk::units::format_bytes;
use plimsoll_sdk::{Report, Severity};

use super::{memory_limit_key, memory_reservation_key};
use crate::Settings;
use crate::budget::{Budget, relate, report_unverifiable, services_subject};

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Adds up the memory of every service, times its `deploy.replicas`, and compares it with the
    /// host profile of `plimsoll.yaml` (`host.memory` minus `host.reserved.memory`):
    /// - reservations that do not fit are reported as **high**: the stack cannot run as planned;
    /// - limits that add up to more than the usable memory times `overcommit-ratio` are reported
    ///   as **medium**: when several services peak together, the OOM killer picks a victim;
    /// - services without a memory limit make the budget unverifiable, reported as **low** with
    ///   their names.
    ///
    /// Nothing is reported when `plimsoll.yaml` has no `host.memory`.
    ///
    /// ## Why is this bad?
    /// Per-service limits that each look reasonable often add up to more than the machine has.
    /// The stack then runs until a busy hour, when the kernel kills whichever container it
    /// chooses, usually the largest: the database or the model server.
    ///
    /// ## Example
    /// ```yaml
    /// # plimsoll.yaml: host: { memory: 16GiB, reserved: { memory: 2GiB } }
    /// services:
    ///   ollama:   { deploy: { resources: { limits: { memory: 12G } } } }
    ///   postgres: { deploy: { resources: { limits: { memory: 4G } } } }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   ollama:   { deploy: { resources: { limits: { memory: 9G } } } }
    ///   postgres: { deploy: { resources: { limits: { memory: 3G } } } }
    /// ```
    ///
    /// ## Settings
    /// - `overcommit-ratio` (default `1.0`): how far limits may add up beyond the usable memory.
    /// - `exempt-services`: services left out of the list of services without a limit.
    ///
    /// ## References
    /// - [Compose deploy specification: resources](https://docs.docker.com/reference/compose-file/deploy/#resources)
    /// - [Docker: understand the risks of running out of memory](https://docs.docker.com/engine/containers/resource_constraints/#understand-the-risks-of-running-out-of-memory)
    pub static RULE = {
        id: "host-memory-budget",
        severity: High,
        category: "resources",
        summary: "memory reservations or limits do not fit the host",
    }
}

/// Compare the services' memory with the host profile.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    let Some(host) = &project.host else { return };
    let Some(total) = host.memory else { return };
    let usable = total.saturating_sub(host.reserved_memory);
    let host_text = if host.reserved_memory > 0 {
        format!("the host has {} after {} reserved", format_bytes(usable), format_bytes(host.reserved_memory))
    } else {
        format!("the host has {}", format_bytes(usable))
    };
    let budget = Budget::collect(
        project,
        settings,
        |s| s.resources.memory_reservation.map(|b| b as f64),
        |s| s.resources.memory_limit.map(|b| b as f64),
    );
    if budget.reservations > usable as f64 {
        let largest = budget.largest_reservations(3);
        let finding = report.add(
            &RULE,
            services_subject(),
            format!("memory reservations add up to {} but {host_text}", format_bytes(budget.reservations as u64)),
        );
        relate(finding, &largest, |s| memory_reservation_key(s).to_vec()).help(format!(
            "lower the reservations of the largest services ({}) or plan a larger host",
            described(&largest)
        ));
    }
    let allowed = usable as f64 * settings.overcommit_ratio;
    if budget.limits > allowed {
        let largest = budget.largest_limits(3);
        let ratio = if (settings.overcommit_ratio - 1.0).abs() > f64::EPSILON {
            format!(" (overcommit ratio {} allows {})", settings.overcommit_ratio, format_bytes(allowed as u64))
        } else {
            String::new()
        };
        let finding = report
            .add(
                &RULE,
                services_subject(),
                format!("memory limits add up to {} but {host_text}{ratio}", format_bytes(budget.limits as u64)),
            )
            .severity(Severity::Medium);
        relate(finding, &largest, |s| memory_limit_key(s).to_vec()).help(format!(
            "lower the limits of the largest services ({}), or raise `overcommit-ratio` if they never peak together",
            described(&largest)
        ));
    }
    let usable = format_bytes(usable);
    report_unverifiable(report, &RULE, &budget.unlimited, "memory", &usable, "deploy.resources.limits.memory");
}

fn described(services: &[(&plimsoll_sdk::model::Service, f64)]) -> String {
    services.iter().map(|(s, b)| format!("`{}` {}", s.name, format_bytes(*b as u64))).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::Severity;
    use plimsoll_sdk::model::HostProfile;
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Resources;

    fn host(memory_gib: u64, reserved_gib: u64) -> Option<HostProfile> {
        Some(HostProfile {
            memory: Some(memory_gib << 30),
            cpus: Some(4.0),
            reserved_memory: reserved_gib << 30,
            reserved_cpus: 0.0,
            gpus: Vec::new(),
        })
    }

    fn budget_findings(yaml: &str, memory: u64, reserved: u64, settings: &str) -> Vec<(String, Option<Severity>)> {
        let mut project = from_compose(yaml);
        project.host = host(memory, reserved);
        run::<Resources>(&project, settings)
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| (f.message, f.severity))
            .collect()
    }

    #[test]
    fn limits_over_the_host_with_replicas() {
        let yaml = "services:\n  a:\n    image: a:1\n    deploy: { replicas: 3, resources: { limits: { memory: 4G }, reservations: { memory: 1G } } }\n  b:\n    image: b:1\n    mem_limit: 3.5g\n    mem_reservation: 1g\n";
        let got = budget_findings(yaml, 16, 2, "");
        assert_eq!(
            got,
            vec![(
                "memory limits add up to 15.5 GiB but the host has 14 GiB after 2 GiB reserved".to_string(),
                Some(Severity::Medium)
            )]
        );
        assert!(budget_findings(yaml, 16, 2, r#"{"overcommit-ratio": 1.2}"#).is_empty());
    }

    #[test]
    fn reservations_over_the_host_are_high() {
        let yaml = "services:\n  a:\n    image: a:1\n    deploy: { resources: { limits: { memory: 6G }, reservations: { memory: 5G } } }\n";
        let got = budget_findings(yaml, 4, 0, "");
        assert_eq!(got[0], ("memory reservations add up to 5 GiB but the host has 4 GiB".to_string(), None));
        assert_eq!(got[1].1, Some(Severity::Medium));
    }

    #[test]
    fn services_without_limits_make_it_unverifiable() {
        let yaml = "services:\n  a:\n    image: a:1\n  b:\n    image: b:1\n    mem_limit: 1g\n  c:\n    image: c:1\n";
        let got = budget_findings(yaml, 16, 0, "");
        assert_eq!(
            got,
            vec![(
                "2 services without a memory limit (`a` and `c`): the 16 GiB host budget cannot be verified"
                    .to_string(),
                Some(Severity::Low)
            )]
        );
        assert_eq!(budget_findings(yaml, 16, 0, r#"{"exempt-services": ["a", "c"]}"#), vec![]);
    }

    #[test]
    fn no_host_profile_no_finding() {
        let project = from_compose("services:\n  a:\n    image: a:1\n");
        assert!(run::<Resources>(&project, "").iter().all(|f| f.rule != super::RULE.id));
    }
}
