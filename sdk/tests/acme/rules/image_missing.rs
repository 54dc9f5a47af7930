//! `acme/image-missing`: a service without an `image:` (exemptions do not apply).

use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, subject};

use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags services without an image name.
    pub static RULE = { id: "image-missing", severity: Low, category: "image", summary: "service has no image" }
}

/// Report services without an image name.
pub fn check(project: &Project, _: &Settings, report: &mut Report) {
    for service in project.services.iter().filter(|s| s.image.is_none()) {
        report.add(&RULE, subject::service(&service.name, &[]), format!("service `{}` has no image", service.name));
    }
}
