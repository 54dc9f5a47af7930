//! `security/datastore-port-published`: a database or cache port published on the host.

use plimsoll_sdk::Report;
use plimsoll_sdk::model::{Port, Project};
use plimsoll_sdk::query::glob_match;

use crate::Settings;
use crate::common::{entry, port_mappings};

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags services running a datastore image (Postgres, MySQL, MariaDB, Redis, MongoDB,
    /// Elasticsearch, …) that publish the datastore's port on the host, unless it is bound to a
    /// loopback address (`127.0.0.1:5432:5432`).
    ///
    /// ## Why is this bad?
    /// The other services reach the datastore over the Compose network; publishing the port only
    /// adds a way in from outside. Docker's published ports bypass host firewalls such as `ufw`,
    /// and internet-wide scanners find open Redis, MongoDB and Elasticsearch instances within
    /// hours — ransomed databases usually start this way.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   postgres:
    ///     image: postgres:16
    ///     ports:
    ///       - "5432:5432"
    /// ```
    ///
    /// ## Use instead
    /// Remove `ports:` (services use `postgres:5432` on the network), or bind to loopback for local
    /// tools: `"127.0.0.1:5432:5432"`.
    ///
    /// ## Settings
    /// - `datastores`: image globs (last path component) and their ports.
    ///
    /// ## References
    /// - [Docker: packet filtering and firewalls](https://docs.docker.com/engine/network/packet-filtering-firewalls/)
    pub static RULE = {
        id: "datastore-port-published",
        severity: Medium,
        category: "security",
        summary: "database or cache port is published on the host",
    }
}

/// Whether a port listens only on a loopback interface.
pub fn is_loopback(port: &Port) -> bool {
    port.host_ip.as_deref().is_some_and(|ip| {
        let ip = ip.trim_start_matches('[').trim_end_matches(']');
        ip.starts_with("127.") || ip == "::1" || ip == "localhost"
    })
}

/// Report every published datastore port not bound to loopback.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in &project.services {
        let Some(image) = &service.image else { continue };
        let name = image.repository.rsplit('/').next().unwrap_or(&image.repository);
        let Some(store) = settings.datastores.iter().find(|d| glob_match(&d.image, name)) else { continue };
        let mut seen = Vec::new();
        for mapping in port_mappings(&service.ports) {
            let Some(target) = store.ports.iter().copied().find(|p| (mapping.targets.0..=mapping.targets.1).contains(p))
            else {
                continue;
            };
            let port = mapping.first;
            if is_loopback(port) || seen.contains(&target) {
                continue;
            }
            seen.push(target);
            let published = mapping.published.map(|(lo, _)| (lo + target - mapping.targets.0).to_string());
            let host = published.as_deref().or(port.published.as_deref()).unwrap_or("a random port");
            let on = port
                .host_ip
                .as_deref()
                .map(|ip| format!("on `{ip}`"))
                .unwrap_or_else(|| "on every interface".to_string());
            report
                .add(
                    &RULE,
                    entry(&service.name, "ports", mapping.entry),
                    format!(
                        "service `{}` ({name}) publishes its port {} as host port {host} {on}",
                        service.name, target
                    ),
                )
                .help(format!(
                    "remove the port (other services reach `{}:{}` on the network) or bind it to `127.0.0.1`",
                    service.name, target
                ));
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Security;

    #[test]
    fn published_datastores_not_on_loopback() {
        let project = from_compose(
            "services:\n  postgres:\n    image: postgres:15-alpine\n    ports: [\"5432:5432\"]\n  redis:\n    image: redis:7\n    ports: [\"127.0.0.1:6379:6379\"]\n  cache:\n    image: bitnami/redis:7\n    ports: [\"6380:6379\"]\n  api:\n    image: acme/api:1\n    ports: [\"5432:5432\"]\n",
        );
        let found: Vec<String> = run::<Security>(&project, "")
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.message)
            .collect();
        assert_eq!(
            found,
            [
                "service `postgres` (postgres) publishes its port 5432 as host port 5432 on every interface",
                "service `cache` (redis) publishes its port 6379 as host port 6380 on every interface",
            ]
        );
    }
}
