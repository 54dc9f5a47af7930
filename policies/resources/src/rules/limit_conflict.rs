//! `resources/limit-conflict`: legacy resource keys and `deploy.resources` that disagree.

use plimsoll_sdk::model::{Project, Service};
use plimsoll_sdk::units::{format_bytes, format_cpus};
use plimsoll_sdk::{Report, subject};

use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags services that set a resource twice with different values: the legacy `mem_limit`,
    /// `mem_reservation`, `cpus` or `pids_limit` next to `deploy.resources` with another value.
    ///
    /// ## Why is this bad?
    /// Only one of the two applies, and which one depends on the Compose version and on whether
    /// the stack runs with `docker compose` or in Swarm. Whoever reads the file sees two budgets
    /// and cannot tell which is real; the other one is usually a stale edit.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     mem_limit: 1g
    ///     deploy:
    ///       resources:
    ///         limits: { memory: 2G }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   api:
    ///     deploy:
    ///       resources:
    ///         limits: { memory: 2G }
    /// ```
    ///
    /// ## Settings
    /// None.
    ///
    /// ## References
    /// - [Compose services: mem_limit, cpus, pids_limit](https://docs.docker.com/reference/compose-file/services/)
    /// - [Compose deploy specification: resources](https://docs.docker.com/reference/compose-file/deploy/#resources)
    pub static RULE = {
        id: "limit-conflict",
        severity: Medium,
        category: "resources",
        summary: "legacy resource key and `deploy.resources` disagree",
    }
}

/// Report each legacy key whose value differs from its `deploy.resources` counterpart.
pub fn check(project: &Project, _settings: &Settings, report: &mut Report) {
    for service in &project.services {
        let res = &service.resources;
        let legacy = &res.legacy;
        if let (Some(old), Some(new)) = (legacy.mem_limit, res.limits.memory)
            && old != new
        {
            conflict(report, service, "mem_limit", &["limits", "memory"], &format_bytes(old), &format_bytes(new));
        }
        if let (Some(old), Some(new)) = (legacy.mem_reservation, res.reservations.memory)
            && old != new
        {
            conflict(
                report,
                service,
                "mem_reservation",
                &["reservations", "memory"],
                &format_bytes(old),
                &format_bytes(new),
            );
        }
        if let (Some(old), Some(new)) = (legacy.cpus, res.limits.cpus)
            && (old - new).abs() > 1e-9
        {
            conflict(report, service, "cpus", &["limits", "cpus"], &format_cpus(old), &format_cpus(new));
        }
        if let (Some(old), Some(new)) = (legacy.pids_limit, res.limits.pids)
            && old != new
        {
            conflict(report, service, "pids_limit", &["limits", "pids"], &old.to_string(), &new.to_string());
        }
    }
}

fn conflict(report: &mut Report, service: &Service, legacy_key: &str, deploy: &[&str; 2], old: &str, new: &str) {
    let deploy_path = ["deploy", "resources", deploy[0], deploy[1]];
    report
        .add(
            &RULE,
            subject::service(&service.name, &[legacy_key]),
            format!(
                "service `{}` sets `{legacy_key}: {old}` but `deploy.resources.{}.{}` is {new}",
                service.name, deploy[0], deploy[1]
            ),
        )
        .related(subject::service(&service.name, &deploy_path))
        .help(format!("remove `{legacy_key}` and keep the value under `deploy.resources`"));
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::Subject;
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Resources;

    #[test]
    fn differing_values_conflict_and_equal_values_do_not() {
        // Compose refuses a compose file with such a conflict (the model reports a load error), so
        // the conflicting value is set in memory, as a front end that builds the model would.
        let mut project = from_compose(
            "services:\n  a:\n    image: a:1\n    mem_limit: 1g\n    cpus: 1\n    deploy: { resources: { limits: { memory: 1G, cpus: '1' } } }\n  b:\n    image: b:1\n    mem_limit: 1g\n    deploy: { resources: { limits: { memory: 1G } } }\n",
        );
        project.services[0].resources.limits.memory = Some(2 << 30);
        let findings: Vec<_> =
            run::<Resources>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).collect();
        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].message,
            "service `a` sets `mem_limit: 1 GiB` but `deploy.resources.limits.memory` is 2 GiB"
        );
        assert_eq!(findings[0].subject, Subject::Compose(["services", "a", "mem_limit"].map(String::from).to_vec()));
    }
}
