//! `resources/pids-limit-missing`: a service without a limit on its number of processes.

use plimsoll_sdk::query;
use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, subject};

use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags services that have no pids limit: neither `deploy.resources.limits.pids` nor the
    /// legacy `pids_limit`. Kubernetes workloads are not flagged: Kubernetes has no per-container
    /// limit, the kubelet limits each pod (`podPidsLimit`).
    ///
    /// ## Why is this bad?
    /// Without a pids limit, a fork bomb or a leak of threads or subprocesses in one container
    /// exhausts the host's process table, and then nothing on the host can start a process: not the
    /// other containers, not `docker exec`, not `sshd`.
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
    ///     deploy:
    ///       resources:
    ///         limits:
    ///           pids: 200
    /// ```
    ///
    /// ## Settings
    /// - `exempt-services`: service names that need no limit.
    ///
    /// ## References
    /// - [Compose deploy specification: resources](https://docs.docker.com/reference/compose-file/deploy/#resources)
    /// - [Compose services: pids_limit](https://docs.docker.com/reference/compose-file/services/#pids_limit)
    pub static RULE = {
        id: "pids-limit-missing",
        severity: Low,
        category: "resources",
        summary: "service has no pids limit",
    }
}

/// Report every service without an effective pids limit (a negative limit means unlimited).
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    // Kubernetes has no per-container pids limit: the kubelet limits each pod (`podPidsLimit`).
    if query::source(project) == query::Source::Kubernetes {
        return;
    }
    for service in &project.services {
        if service.resources.pids_limit.is_some_and(|p| p > 0) || settings.exempt_services.exempts(&service.name) {
            continue;
        }
        report
            .add(&RULE, subject::service(&service.name, &[]), format!("service `{}` has no pids limit", service.name))
            .help(query::source(project).say(
                "set `deploy.resources.limits.pids` (e.g. `200`) above the number of processes and threads the service runs",
                "run it with `--pids-limit 200` (`HostConfig.PidsLimit`), above the processes and threads it runs",
                "",
            ));
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Resources;

    #[test]
    fn unlimited_and_missing_pids_are_reported() {
        let project = from_compose(
            "services:\n  a:\n    image: a:1\n  b:\n    image: b:1\n    pids_limit: 100\n  c:\n    image: c:1\n    pids_limit: -1\n  d:\n    image: d:1\n    deploy: { resources: { limits: { pids: 50 } } }\n",
        );
        let findings: Vec<_> =
            run::<Resources>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).collect();
        let messages: Vec<_> = findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(messages, ["service `a` has no pids limit", "service `c` has no pids limit"]);
    }
}
