//! `security/read-only-rootfs-missing`: a service whose root filesystem is writable.

use plimsoll_sdk::query;
use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, subject};

use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags services without `read_only: true`. It is a hardening rule: reported at `info` by
    /// default, since many images write outside their volumes and need `tmpfs:` entries first.
    ///
    /// ## Why is this bad?
    /// A writable root filesystem lets an attacker who gets code execution drop tools, change the
    /// application's code or configuration, and persist until the container is recreated. With a
    /// read-only root, writes go only where the compose file says (volumes, `tmpfs`), which also
    /// documents where the service keeps state.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: acme/api:1.4
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   api:
    ///     image: acme/api:1.4
    ///     read_only: true
    ///     tmpfs: [/tmp]
    /// ```
    ///
    /// ## References
    /// - [Compose: read_only](https://docs.docker.com/reference/compose-file/services/#read_only)
    pub static RULE = {
        id: "read-only-rootfs-missing",
        severity: Info,
        category: "security",
        summary: "service's root filesystem is writable",
    }
}

/// Report each service without `read_only: true`.
pub fn check(project: &Project, _settings: &Settings, report: &mut Report) {
    for service in project.services.iter().filter(|s| !s.read_only) {
        report
            .add(
                &RULE,
                subject::service(&service.name, &[]),
                format!("service `{}` has a writable root filesystem (no `read_only: true`)", service.name),
            )
            .help(query::source(project).say(
                "set `read_only: true` and give the paths it writes a volume or a `tmpfs:` entry",
                "run it with `--read-only` and `--tmpfs` or volumes for the paths it writes",
                "set `securityContext.readOnlyRootFilesystem: true` and mount an `emptyDir` where it writes",
            ));
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Security;

    #[test]
    fn read_only_services_pass() {
        let project = from_compose("services:\n  a:\n    image: x:1\n  b:\n    image: x:1\n    read_only: true\n");
        let found: Vec<String> =
            run::<Security>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).map(|f| f.message).collect();
        assert_eq!(found, ["service `a` has a writable root filesystem (no `read_only: true`)"]);
    }
}
