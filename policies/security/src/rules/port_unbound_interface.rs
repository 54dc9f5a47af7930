//! `security/port-unbound-interface`: a published port without a host IP, listening on every interface.

use plimsoll_sdk::Report;
use plimsoll_sdk::model::Project;

use crate::Settings;
use crate::common::entry;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags published ports that do not name a host interface (`"8080:80"` rather than
    /// `"127.0.0.1:8080:80"`). Entries expanded from one range are reported once.
    ///
    /// ## Why is this bad?
    /// Without a host IP, Docker listens on `0.0.0.0` (and `::`): the port is reachable from every
    /// network the host is on, and Docker's iptables rules bypass host firewalls such as `ufw`.
    /// Admin UIs and dev servers meant for `localhost` end up on the internet.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   grafana:
    ///     ports:
    ///       - "3000:3000"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   grafana:
    ///     ports:
    ///       - "127.0.0.1:3000:3000"   # behind a reverse proxy
    /// ```
    ///
    /// ## Settings
    /// None.
    ///
    /// ## References
    /// - [Compose: ports](https://docs.docker.com/reference/compose-file/services/#ports)
    /// - [Docker: packet filtering and firewalls](https://docs.docker.com/engine/network/packet-filtering-firewalls/)
    pub static RULE = {
        id: "port-unbound-interface",
        severity: Low,
        category: "security",
        summary: "published port listens on every interface",
    }
}

/// Report every published port without a host IP.
pub fn check(project: &Project, _settings: &Settings, report: &mut Report) {
    for service in &project.services {
        let mut previous: Option<(&Option<String>, u32)> = None;
        for (index, port) in service.ports.iter().enumerate() {
            // Entries of one expanded range share their `published` text and have consecutive targets.
            let same_range = previous.is_some_and(|(p, t)| p == &port.published && port.target == t + 1)
                && port.published.as_deref().is_some_and(|p| p.contains('-'));
            previous = Some((&port.published, port.target));
            if port.host_ip.is_some() || same_range {
                continue;
            }
            let host = port
                .published
                .as_deref()
                .map(|p| format!("host port {p}"))
                .unwrap_or_else(|| "a random host port".to_string());
            report
                .add(
                    &RULE,
                    entry(&service.name, "ports", index),
                    format!("service `{}` publishes port {} as {host} on every interface", service.name, port.target),
                )
                .help(format!(
                    "bind it to an interface, e.g. `\"127.0.0.1:{}:{}\"`, or remove it if only other services use it",
                    port.published.as_deref().unwrap_or(""),
                    port.target
                ));
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Security;

    #[test]
    fn ports_without_host_ip() {
        let project = from_compose(
            "services:\n  a:\n    image: x:1\n    ports:\n      - \"8080:80\"\n      - \"127.0.0.1:9090:9090\"\n      - \"3000\"\n      - target: 443\n        published: \"8443\"\n        host_ip: 0.0.0.0\n",
        );
        let found: Vec<String> = run::<Security>(&project, "")
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.message)
            .collect();
        assert_eq!(
            found,
            [
                "service `a` publishes port 80 as host port 8080 on every interface",
                "service `a` publishes port 3000 as a random host port on every interface"
            ]
        );
    }
}
