//! `security/port-unbound-interface`: a published port without a host IP, listening on every interface.

use plimsoll_sdk::Report;
use plimsoll_sdk::model::Project;

use crate::Settings;
use crate::common::{entry, port_mappings};

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
        for mapping in port_mappings(&service.ports) {
            if mapping.first.host_ip.is_some() {
                continue;
            }
            let (noun, target) = if mapping.is_range() { ("ports", mapping.target_text()) } else { ("port", mapping.target_text()) };
            let published = mapping.published_text();
            let host = match &published {
                Some(p) if mapping.is_range() => format!("host ports {p}"),
                Some(p) => format!("host port {p}"),
                None if mapping.is_range() => "random host ports".to_string(),
                None => "a random host port".to_string(),
            };
            report
                .add(
                    &RULE,
                    entry(&service.name, "ports", mapping.entry),
                    format!("service `{}` publishes {noun} {target} as {host} on every interface", service.name),
                )
                .help(format!(
                    "bind it to an interface, e.g. `\"127.0.0.1:{}:{}\"`, or remove it if only other services use it",
                    published.as_deref().unwrap_or(""),
                    target
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
            "services:\n  a:\n    image: x:1\n    ports:\n      - \"8080:80\"\n      - \"127.0.0.1:9090:9090\"\n      - \"3000\"\n      - target: 443\n        published: \"8443\"\n        host_ip: 0.0.0.0\n      - \"7000-7100:7000-7100/udp\"\n",
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
                "service `a` publishes port 3000 as a random host port on every interface",
                "service `a` publishes ports 7000-7100 as host ports 7000-7100 on every interface"
            ]
        );
    }
}
