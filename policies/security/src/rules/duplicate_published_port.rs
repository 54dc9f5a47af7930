//! `security/duplicate-published-port`: two services publish the same host port, so the second
//! fails to start.

use std::collections::BTreeSet;

use plimsoll_sdk::model::{Port, Project, Service};
use plimsoll_sdk::Report;

use crate::Settings;
use crate::common::{PortMapping, entry, port_mappings};

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags a service that publishes a host port another service already publishes on the same
    /// interface and protocol (`0.0.0.0`, `::` and no host IP overlap every interface). Services
    /// whose profiles never run together are not compared. A range that overlaps is reported
    /// once, with the first shared port.
    ///
    /// ## Why is this bad?
    /// Only one socket can listen on a host port: `docker compose up` starts the first service and
    /// fails the second with "port is already allocated", often only on the machine where both
    /// profiles or override files are in use.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:  { image: "nginx:1.27", ports: ["8080:80"] }
    ///   docs: { image: "nginx:1.27", ports: ["8080:80"] }
    /// ```
    ///
    /// ## Use instead
    /// Give each service its own host port (`8081:80`), or publish only the entry point.
    ///
    /// ## References
    /// - [Compose: ports](https://docs.docker.com/reference/compose-file/services/#ports)
    pub static RULE = {
        id: "duplicate-published-port",
        severity: Medium,
        category: "security",
        summary: "two services publish the same host port",
    }
}

/// Whether two host interfaces overlap: equal, or either listens on every interface.
fn same_interface(a: &Port, b: &Port) -> bool {
    let all = |p: &Port| p.host_ip.as_deref().is_none_or(|ip| matches!(ip, "0.0.0.0" | "::" | "[::]" | ""));
    all(a) || all(b) || a.host_ip == b.host_ip
}

/// Whether two services can run together: one has no profile, or they share one.
fn run_together(a: &Service, b: &Service) -> bool {
    a.profiles.is_empty() || b.profiles.is_empty() || a.profiles.iter().any(|p| b.profiles.contains(p))
}

/// The first host port both mappings publish on an overlapping interface and protocol.
fn clash(a: &PortMapping<'_>, b: &PortMapping<'_>) -> Option<u32> {
    let ((a0, a1), (b0, b1)) = (a.published?, b.published?);
    let shared = a0.max(b0);
    (shared <= a1.min(b1) && a.first.protocol == b.first.protocol && same_interface(a.first, b.first)).then_some(shared)
}

/// Report each service's mapping that clashes with an earlier service's, once per mapping.
pub fn check(project: &Project, _settings: &Settings, report: &mut Report) {
    let mappings: Vec<(&Service, Vec<PortMapping<'_>>)> =
        project.services.iter().map(|s| (s, port_mappings(&s.ports))).collect();
    for (i, (service, own)) in mappings.iter().enumerate() {
        let mut reported = BTreeSet::new();
        for mapping in own {
            let earlier = mappings[..i].iter().filter(|(other, _)| run_together(service, other)).find_map(|(other, theirs)| {
                theirs.iter().find_map(|m| clash(mapping, m)).map(|port| (other, port))
            });
            let Some((other, port)) = earlier else { continue };
            if !reported.insert(mapping.entry) {
                continue;
            }
            report
                .add(
                    &RULE,
                    entry(&service.name, "ports", mapping.entry),
                    format!(
                        "service `{}` publishes host port {port}/{} that service `{}` already publishes",
                        service.name, mapping.first.protocol, other.name
                    ),
                )
                .help("give one of them another host port, or drop the mapping that is not needed");
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Security;

    #[test]
    fn clashes_across_services_interfaces_and_profiles() {
        let project = from_compose(
            "services:\n  a:\n    image: x:1\n    ports: [\"127.0.0.1:8080:80\", \"5000-5010:5000-5010\", \"53:53/udp\"]\n  b:\n    image: x:1\n    ports: [\"8080:8080\", \"5005:5005\", \"53:53/tcp\"]\n  c:\n    image: x:1\n    ports: [\"127.0.0.2:9000:9000\"]\n  d:\n    image: x:1\n    ports: [\"127.0.0.3:9000:9000\"]\n  e:\n    image: x:1\n    profiles: [dev]\n    ports: [\"9100:9100\"]\n  f:\n    image: x:1\n    profiles: [prod]\n    ports: [\"9100:9100\"]\n",
        );
        let found: Vec<String> =
            run::<Security>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).map(|f| f.message).collect();
        assert_eq!(
            found,
            [
                "service `b` publishes host port 8080/tcp that service `a` already publishes",
                "service `b` publishes host port 5005/tcp that service `a` already publishes",
            ]
        );
    }
}
