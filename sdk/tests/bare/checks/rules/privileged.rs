//! `bare/privileged`: a privileged service, in a pack without settings.

use plimsoll_sdk::model::Project;
use plimsoll_sdk::{NoSettings, Report, subject};

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags privileged services.
    pub static RULE = { id: "privileged", severity: High, category: "security", summary: "service is privileged" }
}

/// Report privileged services.
pub fn check(project: &Project, _: &NoSettings, report: &mut Report) {
    for service in project.services.iter().filter(|s| s.privileged) {
        report.add(&RULE, subject::service(&service.name, &["privileged"]), format!("service `{}` is privileged", service.name));
    }
}
