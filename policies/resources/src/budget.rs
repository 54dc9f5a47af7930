//! The host budget shared by `host-memory-budget` and `host-cpu-budget`: what every service
//! reserves and may use, times its replicas, next to what the host profile leaves usable.
//!
//! Only arithmetic over the model lives here; messages and severities stay in the two rules.

use plimsoll_sdk::model::{Project, Service};
use plimsoll_sdk::{FindingBuilder, subject};

use crate::Settings;

/// One service's share of the budget (amounts already multiplied by its replicas).
#[derive(Debug, Clone)]
pub struct Share<'a> {
    /// The service.
    pub service: &'a Service,
    /// Its reservation times replicas, if it has one.
    pub reservation: Option<f64>,
    /// Its limit times replicas, if it has one.
    pub limit: Option<f64>,
}

/// The sums of a budget.
#[derive(Debug, Default)]
pub struct Budget<'a> {
    /// Every counted service (replicas 0 and exempt services without values are left out).
    pub shares: Vec<Share<'a>>,
    /// Σ reservations × replicas.
    pub reservations: f64,
    /// Σ limits × replicas.
    pub limits: f64,
    /// Services that are neither exempt nor scaled to zero and have no limit.
    pub unlimited: Vec<&'a Service>,
}

impl<'a> Budget<'a> {
    /// Add up one kind of resource: `reservation` and `limit` read it from a service.
    pub fn collect(
        project: &'a Project,
        settings: &Settings,
        reservation: impl Fn(&Service) -> Option<f64>,
        limit: impl Fn(&Service) -> Option<f64>,
    ) -> Self {
        let mut budget = Budget::default();
        for service in &project.services {
            let replicas = f64::from(service.replicas.unwrap_or(1));
            if replicas == 0.0 {
                continue;
            }
            let share = Share {
                service,
                reservation: reservation(service).map(|r| r * replicas),
                limit: limit(service).map(|l| l * replicas),
            };
            budget.reservations += share.reservation.unwrap_or(0.0);
            budget.limits += share.limit.unwrap_or(0.0);
            if share.limit.is_none() && !settings.exempt_services.exempts(&service.name) {
                budget.unlimited.push(service);
            }
            budget.shares.push(share);
        }
        budget
    }

    /// The services with the largest limits, largest first.
    pub fn largest_limits(&self, n: usize) -> Vec<(&'a Service, f64)> {
        let mut with: Vec<(&Service, f64)> = self.shares.iter().filter_map(|s| Some((s.service, s.limit?))).collect();
        with.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.name.cmp(&b.0.name)));
        with.truncate(n);
        with
    }

    /// The services with the largest reservations, largest first.
    pub fn largest_reservations(&self, n: usize) -> Vec<(&'a Service, f64)> {
        let mut with: Vec<(&Service, f64)> =
            self.shares.iter().filter_map(|s| Some((s.service, s.reservation?))).collect();
        with.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.name.cmp(&b.0.name)));
        with.truncate(n);
        with
    }
}

/// The subject of a project-wide budget finding: the `services` key.
/// Report the services without a limit, which make a host budget unverifiable (low severity):
/// `{n} services without a {what} limit ({names}): the {usable} host budget cannot be verified`.
pub fn report_unverifiable(
    report: &mut plimsoll_sdk::Report,
    rule: &plimsoll_sdk::Rule,
    unlimited: &[&Service],
    what: &str,
    usable: &str,
    key: &str,
) {
    if unlimited.is_empty() {
        return;
    }
    let names: Vec<&str> = unlimited.iter().map(|s| s.name.as_str()).collect();
    report
        .add(
            rule,
            services_subject(),
            format!(
                "{} without a {what} limit ({}): the {usable} host budget cannot be verified",
                services_count(names.len()),
                name_list(&names, 8)
            ),
        )
        .severity(plimsoll_sdk::Severity::Low)
        .help(format!("set `{key}` on every service so the budget can be added up"));
}

pub fn services_subject() -> plimsoll_sdk::Subject {
    subject::compose(["services"])
}

/// Point a finding at the keys of the given services.
pub fn relate<'b>(
    mut finding: FindingBuilder<'b>,
    services: &[(&Service, f64)],
    key: impl Fn(&Service) -> Vec<&'static str>,
) -> FindingBuilder<'b> {
    for (service, _) in services {
        finding = finding.related(subject::service(&service.name, &key(service)));
    }
    finding
}

/// `` `a`, `b` and `c` `` for a list of names, with at most `max` shown.
pub fn name_list(names: &[&str], max: usize) -> String {
    let shown: Vec<String> = names.iter().take(max).map(|n| format!("`{n}`")).collect();
    let rest = names.len().saturating_sub(max);
    match (shown.len(), rest) {
        (0, _) => String::new(),
        (1, 0) => shown[0].clone(),
        (_, 0) => format!("{} and {}", shown[..shown.len() - 1].join(", "), shown[shown.len() - 1]),
        (_, rest) => format!("{} and {rest} more", shown.join(", ")),
    }
}

/// `1 service` / `3 services`.
pub fn services_count(n: usize) -> String {
    if n == 1 { "1 service".to_string() } else { format!("{n} services") }
}

#[cfg(test)]
mod tests {
    use super::name_list;

    #[test]
    fn name_lists_read_naturally() {
        assert_eq!(name_list(&["a"], 5), "`a`");
        assert_eq!(name_list(&["a", "b", "c"], 5), "`a`, `b` and `c`");
        assert_eq!(name_list(&["a", "b", "c"], 2), "`a`, `b` and 1 more");
    }
}
