//! `resources/memory-limit-missing`: a service without a memory limit.

use plimsoll_sdk::query;
use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, subject};

use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags services that have no memory limit: neither `deploy.resources.limits.memory` nor the
    /// legacy `mem_limit`.
    ///
    /// ## Why is this bad?
    /// A container without a memory limit may take all of the host's memory. When one service
    /// leaks or a cache grows, the kernel's OOM killer picks a victim among every container on the
    /// host — often the database, not the service that leaked — and the whole stack goes down.
    /// Without limits, the host's memory budget cannot be checked either.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   redis:
    ///     image: redis:7.2
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   redis:
    ///     image: redis:7.2
    ///     deploy:
    ///       resources:
    ///         limits:
    ///           memory: 512M
    /// ```
    ///
    /// ## Settings
    /// - `exempt-services`: service names that need no limit (one-shot jobs).
    ///
    /// ## References
    /// - [Compose deploy specification: resources](https://docs.docker.com/reference/compose-file/deploy/#resources)
    /// - [Docker: runtime options with memory, CPUs, and GPUs](https://docs.docker.com/engine/containers/resource_constraints/)
    pub static RULE = {
        id: "memory-limit-missing",
        severity: Medium,
        category: "resources",
        summary: "service has no memory limit",
    }
}

/// Report every service without an effective memory limit.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in &project.services {
        if service.resources.memory_limit.is_some() || settings.exempt_services.exempts(&service.name) {
            continue;
        }
        report
            .add(&RULE, subject::service(&service.name, &[]), format!("service `{}` has no memory limit", service.name))
            .help(query::source(project).say(
                "set `deploy.resources.limits.memory` (e.g. `512M`) to what the service needs at peak",
                "run it with `--memory 512m` (`HostConfig.Memory`) sized to what it needs at peak",
                "set `resources.limits.memory` (e.g. `512Mi`) on the container to what it needs at peak",
            ));
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, rule_ids, run};

    use crate::Resources;

    #[test]
    fn reports_services_without_a_limit_and_only_them() {
        let project = from_compose(
            "services:\n  redis:\n    image: redis:7\n  api:\n    image: api:1\n    mem_limit: 512m\n  db:\n    image: postgres:16\n    deploy: { resources: { limits: { memory: 1G } } }\n",
        );
        let findings = run::<Resources>(&project, "");
        let mine: Vec<_> = findings.iter().filter(|f| f.rule == super::RULE.id).collect();
        assert_eq!(mine.len(), 1, "{:?}", rule_ids(&findings));
        assert_eq!(mine[0].message, "service `redis` has no memory limit");
    }

    #[test]
    fn exempt_services_are_skipped() {
        let project = from_compose("services:\n  init:\n    image: busybox:1\n");
        let findings = run::<Resources>(&project, r#"{"exempt-services": ["init"]}"#);
        assert!(findings.iter().all(|f| f.rule != super::RULE.id));
    }
}
