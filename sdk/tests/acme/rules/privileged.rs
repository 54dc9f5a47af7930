//! `acme/privileged`: a privileged service.

use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, subject};

use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags privileged services.
    pub static RULE = { id: "privileged", severity: High, category: "security", summary: "service is privileged" }
}

/// Report privileged services that are not exempt.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in project.services.iter().filter(|s| s.privileged && !settings.exempt_services.exempts(&s.name)) {
        report.add(&RULE, subject::service(&service.name, &["privileged"]), format!("service `{}` is privileged", service.name));
    }
}
