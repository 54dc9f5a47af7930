//! `resources/cpu-limit-missing`: a service without a CPU limit.

use plimsoll_sdk::query;
use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, subject};

use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags services that have no CPU limit: neither `deploy.resources.limits.cpus` nor the legacy
    /// `cpus`.
    ///
    /// ## Why is this bad?
    /// A container without a CPU limit may use every core of the host. One busy service (a build,
    /// a runaway loop, a model warming up) then slows down every other service, including the
    /// database and the health checks, which start to time out. Without limits, the host's CPU
    /// budget cannot be checked either.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: acme/worker:1.4
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   worker:
    ///     image: acme/worker:1.4
    ///     deploy:
    ///       resources:
    ///         limits:
    ///           cpus: "1.5"
    /// ```
    ///
    /// ## Settings
    /// - `exempt-services`: service names that need no limit (one-shot jobs).
    ///
    /// ## References
    /// - [Compose deploy specification: resources](https://docs.docker.com/reference/compose-file/deploy/#resources)
    /// - [Docker: configure the default CFS scheduler](https://docs.docker.com/engine/containers/resource_constraints/#cpu)
    pub static RULE = {
        id: "cpu-limit-missing",
        severity: Low,
        category: "resources",
        summary: "service has no CPU limit",
    }
}

/// Report every service without an effective CPU limit.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in &project.services {
        if service.resources.cpu_limit.is_some() || settings.exempt_services.exempts(&service.name) {
            continue;
        }
        report
            .add(&RULE, subject::service(&service.name, &[]), format!("service `{}` has no cpu limit", service.name))
            .help(query::source(project).say(
                "set `deploy.resources.limits.cpus` (e.g. `\"1.0\"`) to the share of the host the service may use",
                "run it with `--cpus 1.0` (`HostConfig.NanoCpus`): the share of the host it may use",
                "set `resources.limits.cpu` (e.g. `\"1\"` or `500m`) on the container",
            ));
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Resources;

    #[test]
    fn reports_services_without_a_cpu_limit_in_either_syntax() {
        let project = from_compose(
            "services:\n  a:\n    image: a:1\n  b:\n    image: b:1\n    cpus: 0.5\n  c:\n    image: c:1\n    deploy: { resources: { limits: { cpus: '2' } } }\n",
        );
        let findings: Vec<_> =
            run::<Resources>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).collect();
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].message, "service `a` has no cpu limit");
    }

    #[test]
    fn exempt_services_are_skipped() {
        let project = from_compose("services:\n  init:\n    image: busybox:1\n");
        let findings = run::<Resources>(&project, r#"{"exempt-services": ["init"]}"#);
        assert!(findings.iter().all(|f| f.rule != super::RULE.id));
    }
}
