//! `security/privileged`: a service running with `privileged: true`.

use plimsoll_sdk::query;
use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, subject};

use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags services with `privileged: true`.
    ///
    /// ## Why is this bad?
    /// A privileged container gets every capability, every device of the host and no seccomp or
    /// AppArmor profile. Root in it is root on the host: it can mount the host's disks, load kernel
    /// modules and escape in one command. A compromise of the service is a compromise of the machine.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   cadvisor:
    ///     image: gcr.io/cadvisor/cadvisor:v0.49.1
    ///     privileged: true
    /// ```
    ///
    /// ## Use instead
    /// Grant only what is needed: specific `devices:`, a narrow `cap_add:`, read-only mounts of the
    /// host paths it reads. Where privileged mode is truly required, record an exception with a reason.
    ///
    /// ## Settings
    /// None.
    ///
    /// ## References
    /// - [Docker: runtime privilege and Linux capabilities](https://docs.docker.com/engine/containers/run/#runtime-privilege-and-linux-capabilities)
    pub static RULE = {
        id: "privileged",
        severity: High,
        category: "security",
        summary: "service runs with `privileged: true`",
    }
}

/// Report every privileged service.
pub fn check(project: &Project, _settings: &Settings, report: &mut Report) {
    for service in project.services.iter().filter(|s| s.privileged) {
        report
            .add(
                &RULE,
                subject::service(&service.name, &["privileged"]),
                format!("service `{}` runs privileged: root in it is root on the host", service.name),
            )
            .help(query::source(project).say(
                "remove `privileged: true`; grant specific `devices:` or `cap_add:` entries instead",
                "drop `--privileged`; grant specific `--device` or `--cap-add` entries instead",
                "remove `securityContext.privileged: true`; add specific `capabilities` instead",
            ));
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Security;

    #[test]
    fn privileged_services() {
        let project = from_compose(
            "services:\n  a:\n    image: x:1\n    privileged: true\n  b:\n    image: x:1\n    privileged: false\n",
        );
        let found: Vec<_> = run::<Security>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).collect();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].message, "service `a` runs privileged: root in it is root on the host");
    }
}
