//! `health/duplicate-container-name`: two services set the same `container_name`, so the second
//! cannot be created.

use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, subject};

use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags a service whose `container_name` another service of the project already uses
    /// (compared without case, as Docker does). Services whose profiles never run together are
    /// not compared.
    ///
    /// ## Why is this bad?
    /// Container names are unique on a Docker host: `docker compose up` creates the first container
    /// and fails on the second with "the container name is already in use". The stack never comes
    /// up whole, and which service wins depends on start order.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:    { image: "acme/api:1", container_name: app }
    ///   worker: { image: "acme/api:1", container_name: app }
    /// ```
    ///
    /// ## Use instead
    /// Give each service its own name, or drop `container_name` and let Compose name containers
    /// `<project>-<service>-<n>`.
    ///
    /// ## References
    /// - [Compose: container_name](https://docs.docker.com/reference/compose-file/services/#container_name)
    pub static RULE = {
        id: "duplicate-container-name",
        severity: High,
        category: "health",
        summary: "two services set the same `container_name`",
    }
}

/// Report each service whose `container_name` an earlier service already uses.
pub fn check(project: &Project, _settings: &Settings, report: &mut Report) {
    for (i, service) in project.services.iter().enumerate() {
        let Some(name) = service.container_name.as_deref().filter(|n| !n.is_empty()) else { continue };
        let earlier = project.services[..i].iter().find(|other| {
            other.container_name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name))
                && (other.profiles.is_empty()
                    || service.profiles.is_empty()
                    || other.profiles.iter().any(|p| service.profiles.contains(p)))
        });
        let Some(other) = earlier else { continue };
        report
            .add(
                &RULE,
                subject::service(&service.name, &["container_name"]),
                format!("service `{}` sets `container_name: {name}` that service `{}` already uses", service.name, other.name),
            )
            .help("give each service its own `container_name`, or remove it and let Compose name the containers");
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Health;

    #[test]
    fn same_name_twice() {
        let project = from_compose(
            "services:\n  a:\n    image: x:1\n    container_name: app\n  b:\n    image: x:1\n    container_name: App\n  c:\n    image: x:1\n    container_name: other\n  d:\n    image: x:1\n    profiles: [x]\n    container_name: solo\n  e:\n    image: x:1\n    profiles: [y]\n    container_name: solo\n",
        );
        let found: Vec<String> =
            run::<Health>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).map(|f| f.message).collect();
        assert_eq!(found, ["service `b` sets `container_name: App` that service `a` already uses"]);
    }
}
