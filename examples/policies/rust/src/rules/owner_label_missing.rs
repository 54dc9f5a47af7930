//! `acme/owner-label-missing`: a service without a label naming its owner.

use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, subject};

use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags services without an owner label (`com.example.owner` unless the `owner-label` setting
    /// names another), or whose owner label is empty.
    ///
    /// ## Why is this bad?
    /// When a service misbehaves at 3 a.m., the person on call must know which team to wake up.
    /// A label on the service is the one place that travels with it into `docker ps`, logs and
    /// monitoring.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    ///     labels:
    ///       com.example.owner: storefront
    /// ```
    ///
    /// ## Settings
    /// - `owner-label`: the label that names the owner (default `com.example.owner`).
    /// - `exempt-services`: services that need no owner.
    pub static RULE = {
        id: "owner-label-missing",
        severity: Low,
        category: "ownership",
        summary: "service has no owner label",
    }
}

/// Report every service without a non-empty owner label.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in &project.services {
        if settings.exempt_services.exempts(&service.name) {
            continue;
        }
        let owned = service.labels.iter().any(|label| {
            label.name == settings.owner_label && label.value.as_deref().is_some_and(|v| !v.trim().is_empty())
        });
        if !owned {
            report
                .add(
                    &RULE,
                    subject::service(&service.name, &[]),
                    format!("service `{}` has no `{}` label", service.name, settings.owner_label),
                )
                .help(format!(
                    "add `labels: {{ {}: <team> }}` naming the team that owns the service",
                    settings.owner_label
                ));
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, rule_ids, run};

    use crate::Acme;

    #[test]
    fn reports_services_without_an_owner_and_only_them() {
        let project = from_compose(
            "services:\n  web:\n    image: nginx:1.27\n  api:\n    image: api:1\n    labels: { com.example.owner: payments }\n",
        );
        let findings = run::<Acme>(&project, "");
        assert_eq!(rule_ids(&findings), ["owner-label-missing"]);
        assert_eq!(findings[0].message, "service `web` has no `com.example.owner` label");
    }

    #[test]
    fn the_label_name_and_exemptions_come_from_the_settings() {
        let project = from_compose(
            "services:\n  api:\n    image: api:1\n    labels: { team: payments }\n  init:\n    image: busybox:1\n",
        );
        let findings = run::<Acme>(&project, r#"{"owner-label": "team", "exempt-services": ["init"]}"#);
        assert!(findings.is_empty(), "{:?}", rule_ids(&findings));
    }
}
