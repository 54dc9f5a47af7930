//! `security/host-namespaces`: a service sharing the host's network, PID, IPC or user namespace.

use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, subject};

use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags `network_mode: host`, `pid: host`, `ipc: host` and `userns_mode: host`.
    ///
    /// ## Why is this bad?
    /// Each one removes a layer of isolation. Host networking exposes every port the service opens
    /// on every interface of the host, bypassing `ports:` and the firewall rules Docker writes;
    /// host PID lets the container see and signal (with `SYS_PTRACE`, read) every host process;
    /// host IPC shares shared memory with the host; `userns_mode: host` undoes user-namespace
    /// remapping, so root in the container is root on the host.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   exporter:
    ///     network_mode: host
    ///     pid: host
    /// ```
    ///
    /// ## Use instead
    /// Publish the ports the service needs with `ports:` on a specific interface, and mount only the
    /// host paths it reads, read-only.
    ///
    /// ## Settings
    /// None.
    ///
    /// ## References
    /// - [Compose: network_mode, pid, ipc, userns_mode](https://docs.docker.com/reference/compose-file/services/)
    pub static RULE = {
        id: "host-namespaces",
        severity: Medium,
        category: "security",
        summary: "service shares the host's network, PID, IPC or user namespace",
    }
}

/// Report every host namespace a service joins.
pub fn check(project: &Project, _settings: &Settings, report: &mut Report) {
    for service in &project.services {
        let modes = [
            ("network_mode", &service.network_mode, "the host's network: every port it opens is exposed"),
            ("pid", &service.pid, "the host's processes"),
            ("ipc", &service.ipc, "the host's shared memory"),
            ("userns_mode", &service.userns_mode, "the host's user namespace: root in it is root on the host"),
        ];
        for (key, value, what) in modes {
            if value.as_deref().map(str::trim) != Some("host") {
                continue;
            }
            report
                .add(
                    &RULE,
                    subject::service(&service.name, &[key]),
                    format!("service `{}` sets `{key}: host` and shares {what}", service.name),
                )
                .help(format!("remove `{key}: host` unless the service cannot work without it"));
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Security;

    #[test]
    fn each_host_namespace() {
        let project = from_compose(
            "services:\n  a:\n    image: x:1\n    network_mode: host\n    pid: host\n    ipc: shareable\n  b:\n    image: x:1\n    userns_mode: host\n",
        );
        let found: Vec<String> = run::<Security>(&project, "")
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.message)
            .collect();
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].starts_with("service `a` sets `network_mode: host`"));
    }
}
