//! `security/sensitive-host-mount`: a bind mount of `/`, `/etc`, `/proc`, `/sys`, `/dev`, `/root`, …

use plimsoll_sdk::model::{MountKind, Project};
use plimsoll_sdk::{Report, Severity};

use crate::Settings;
use crate::common::entry;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags bind mounts of sensitive host directories: `/`, `/etc`, `/proc`, `/sys`, `/var/run`,
    /// `/run`, `/dev`, `/root`, `/boot`, `/var/lib/docker`. Read-write mounts are reported at
    /// `medium`, read-only ones at `low`. Subdirectories (`/etc/localtime`) are not reported.
    ///
    /// ## Why is this bad?
    /// These directories hold the host's configuration, credentials, devices and kernel
    /// interfaces. Writable, they let the container change the host (`/etc/cron.d`, `/root/.ssh`,
    /// `/sys/kernel`); even read-only, they leak secrets such as `/etc/shadow` and other containers'
    /// files.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   node-exporter:
    ///     volumes:
    ///       - /:/rootfs
    /// ```
    ///
    /// ## Use instead
    /// Mount the narrowest path read-only (`/proc:/host/proc:ro`), and record an exception for
    /// monitoring agents that need it.
    ///
    /// ## Settings
    /// - `sensitive-host-paths`: the host paths to report (exact paths).
    ///
    /// ## References
    /// - [Docker: bind mounts](https://docs.docker.com/engine/storage/bind-mounts/)
    /// - [CIS Docker Benchmark 5.5: sensitive host system directories](https://www.cisecurity.org/benchmark/docker)
    pub static RULE = {
        id: "sensitive-host-mount",
        severity: Medium,
        category: "security",
        summary: "sensitive host directory is bind-mounted",
    }
}

/// Report every bind mount of a sensitive host path.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in &project.services {
        for (index, mount) in service.volumes.iter().enumerate() {
            if mount.kind != MountKind::Bind {
                continue;
            }
            let Some(source) = &mount.source else { continue };
            let trimmed = source.trim_end_matches('/');
            let path = if trimmed.is_empty() { "/" } else { trimmed };
            if !settings
                .sensitive_host_paths
                .iter()
                .any(|p| p.trim_end_matches('/') == path || (p == "/" && path == "/"))
            {
                continue;
            }
            let access = if mount.read_only { "read-only" } else { "read-write" };
            let finding = report
                .add(
                    &RULE,
                    entry(&service.name, "volumes", index),
                    format!("service `{}` mounts host path `{path}` {access} at `{}`", service.name, mount.target),
                )
                .help(if mount.read_only {
                    "mount only the subdirectory the service needs".to_string()
                } else {
                    format!("mount only the subdirectory the service needs, read-only (`{path}:{}:ro`)", mount.target)
                });
            if mount.read_only {
                finding.severity(Severity::Low);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::Severity;
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Security;

    #[test]
    fn exact_sensitive_paths_with_access() {
        let project = from_compose(
            "services:\n  a:\n    image: x:1\n    volumes:\n      - /proc:/host/proc:ro\n      - /:/rootfs\n      - /etc/localtime:/etc/localtime:ro\n      - /var/log:/var/log:ro\n",
        );
        let found: Vec<_> =
            run::<Security>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).collect();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].message, "service `a` mounts host path `/proc` read-only at `/host/proc`");
        assert_eq!(found[0].severity, Some(Severity::Low));
        assert_eq!(found[1].message, "service `a` mounts host path `/` read-write at `/rootfs`");
        assert_eq!(found[1].severity, None);
    }
}
