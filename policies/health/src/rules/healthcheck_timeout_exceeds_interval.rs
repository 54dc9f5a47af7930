//! `health/healthcheck-timeout-exceeds-interval`: a check that may run longer than the time between checks.

use plimsoll_sdk::Report;
use plimsoll_sdk::model::Project;
use plimsoll_sdk::units::format_duration_ms;

use super::{Timings, active_healthcheck, healthcheck_subject};
use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags healthchecks whose `timeout` is at least their `interval`, with Docker's defaults
    /// (30s interval, 30s timeout) filled in for the one that is not written; with one of them
    /// defaulted, only a timeout strictly above the interval is reported. Healthchecks that set
    /// neither are left alone: their defaults are Docker's choice, not the author's.
    ///
    /// ## Why is this bad?
    /// A check that may take as long as the interval means a slow service is probed again before
    /// the previous probe gave up: probes pile up on a service that is already struggling, and the
    /// time to detect a failure is longer than the interval suggests.
    ///
    /// ## Example
    /// ```yaml
    /// healthcheck:
    ///   test: curl -fsS http://localhost:8004/health || exit 1
    ///   interval: 30s
    ///   timeout: 30s
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// healthcheck:
    ///   test: curl -fsS http://localhost:8004/health || exit 1
    ///   interval: 30s
    ///   timeout: 5s
    /// ```
    ///
    /// ## Settings
    /// None.
    ///
    /// ## References
    /// - [Compose services: healthcheck](https://docs.docker.com/reference/compose-file/services/#healthcheck)
    /// - [Dockerfile reference: HEALTHCHECK](https://docs.docker.com/reference/dockerfile/#healthcheck)
    pub static RULE = {
        id: "healthcheck-timeout-exceeds-interval",
        severity: Medium,
        category: "health",
        summary: "healthcheck timeout is not shorter than its interval",
    }
}

/// Report healthchecks with `timeout >= interval`.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in &project.services {
        let Some(hc) = active_healthcheck(service) else { continue };
        if settings.exempt_services.exempts(&service.name) || (hc.interval.is_none() && hc.timeout.is_none()) {
            continue;
        }
        let t = Timings::of(hc);
        // Docker's own defaults are 30s and 30s: an explicit interval with the default timeout is
        // only reported when the interval is shorter than that default.
        let defaulted = hc.timeout.is_none() || hc.interval.is_none();
        if t.timeout < t.interval || (defaulted && t.timeout == t.interval) {
            continue;
        }
        let key = if hc.timeout.is_some() { "timeout" } else { "interval" };
        let (subject, related) = healthcheck_subject(project, service, &[key]);
        let defaulted = |set: bool| if set { "" } else { " (default)" };
        let mut finding = report
            .add(
                &RULE,
                subject,
                format!(
                    "service `{}` has a healthcheck timeout of {}{} {} its interval of {}{}",
                    service.name,
                    format_duration_ms(t.timeout),
                    defaulted(hc.timeout.is_some()),
                    if t.timeout == t.interval { "equal to" } else { "above" },
                    format_duration_ms(t.interval),
                    defaulted(hc.interval.is_some()),
                ),
            )
            .help("set `timeout` well below `interval` (e.g. interval 30s, timeout 5s)");
        for r in related {
            finding = finding.related(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Health;

    #[test]
    fn equal_and_defaulted_timeouts() {
        let project = from_compose(
            "services:\n  a:\n    image: a:1\n    healthcheck: { test: [CMD, x], interval: 30s, timeout: 30s }\n  b:\n    image: b:1\n    healthcheck: { test: [CMD, x], interval: 10s }\n  c:\n    image: c:1\n    healthcheck: { test: [CMD, x] }\n  d:\n    image: d:1\n    healthcheck: { test: [CMD, x], interval: 10s, timeout: 3s }\n",
        );
        let messages: Vec<_> = run::<Health>(&project, "")
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.message)
            .collect();
        assert_eq!(
            messages,
            [
                "service `a` has a healthcheck timeout of 30s equal to its interval of 30s",
                "service `b` has a healthcheck timeout of 30s (default) above its interval of 10s"
            ]
        );
    }
}
