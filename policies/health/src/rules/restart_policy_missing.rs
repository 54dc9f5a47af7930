//! `health/restart-policy-missing`: a long-running service that stays down after a crash or a reboot.

use plimsoll_sdk::query;
use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, subject};

use super::is_one_shot;
use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags services with neither `restart:` nor `deploy.restart_policy`. One-shot jobs are skipped:
    /// services that others wait for with `service_completed_successfully`, and services whose
    /// command exits at once (`echo`, `true`).
    ///
    /// ## Why is this bad?
    /// Docker's default is `restart: "no"`: a service that crashes, is OOM-killed or runs on a host
    /// that reboots stays down until someone notices and restarts it by hand.
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
    ///     restart: unless-stopped
    /// ```
    ///
    /// ## Settings
    /// - `exempt-services`: services that should not restart (jobs run by hand).
    ///
    /// ## References
    /// - [Compose services: restart](https://docs.docker.com/reference/compose-file/services/#restart)
    /// - [Docker: start containers automatically](https://docs.docker.com/engine/containers/start-containers-automatically/)
    pub static RULE = {
        id: "restart-policy-missing",
        severity: Low,
        category: "health",
        summary: "long-running service has no restart policy",
    }
}

/// Report services without any restart policy.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in &project.services {
        if service.restart.is_some()
            || service.restart_policy.is_some()
            || settings.exempt_services.exempts(&service.name)
            || is_one_shot(project, service, settings)
        {
            continue;
        }
        report
            .add(
                &RULE,
                subject::service(&service.name, &[]),
                format!("service `{}` has no restart policy", service.name),
            )
            .help(query::source(project).say(
                "set `restart: unless-stopped` (or `on-failure` for workers that may exit cleanly)",
                "run it with `--restart unless-stopped` (or `on-failure` for workers that may exit cleanly)",
                "",
            ));
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Health;

    #[test]
    fn either_key_counts_and_jobs_are_skipped() {
        let project = from_compose(
            "services:\n  a:\n    image: a:1\n  b:\n    image: b:1\n    restart: always\n  c:\n    image: c:1\n    deploy: { restart_policy: { condition: on-failure } }\n    depends_on: { init: { condition: service_completed_successfully } }\n  init:\n    image: i:1\n",
        );
        let messages: Vec<_> = run::<Health>(&project, "")
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.message)
            .collect();
        assert_eq!(messages, ["service `a` has no restart policy"]);
    }
}
