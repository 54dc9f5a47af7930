//! `health/healthcheck-interval-too-frequent`: a healthcheck that runs every second or two.

use plimsoll_sdk::Report;
use plimsoll_sdk::model::Project;
use plimsoll_sdk::units::format_duration_ms;

use super::{active_healthcheck, healthcheck_subject};
use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags healthchecks whose `interval` is shorter than `min-interval-seconds` (5 s by default),
    /// in compose or in the image's `HEALTHCHECK`. `start_interval`, which applies only while the
    /// container starts, is not checked.
    ///
    /// ## Why is this bad?
    /// Each check starts a process in the container (`curl`, `pg_isready`, a Python interpreter).
    /// Every second, that is measurable CPU on small hosts, noise in the daemon's events and logs,
    /// and load on the very service being checked — while a slower check detects the same failures
    /// a few seconds later. To become healthy fast at start, use `start_interval` instead.
    ///
    /// ## Example
    /// ```yaml
    /// healthcheck:
    ///   test: ["CMD", "pg_isready", "-U", "app"]
    ///   interval: 1s
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// healthcheck:
    ///   test: ["CMD", "pg_isready", "-U", "app"]
    ///   interval: 30s
    ///   start_period: 30s
    ///   start_interval: 1s
    /// ```
    ///
    /// ## Settings
    /// - `min-interval-seconds`: the shortest interval accepted (default 5).
    ///
    /// ## References
    /// - [Compose: healthcheck](https://docs.docker.com/reference/compose-file/services/#healthcheck)
    pub static RULE = {
        id: "healthcheck-interval-too-frequent",
        severity: Low,
        category: "health",
        summary: "healthcheck runs more often than every few seconds",
    }
}

/// Report each active healthcheck whose explicit interval is below the minimum.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    let min_ms = settings.min_interval_seconds.saturating_mul(1000);
    for service in &project.services {
        let Some(hc) = active_healthcheck(service) else { continue };
        let Some(interval) = hc.interval.filter(|i| *i > 0 && *i < min_ms) else { continue };
        if settings.exempt_services.exempts(&service.name) {
            continue;
        }
        let (subject, related) = healthcheck_subject(project, service, &["interval"]);
        let mut finding = report
            .add(
                &RULE,
                subject,
                format!(
                    "service `{}` runs its healthcheck every {}, below the {} minimum",
                    service.name,
                    format_duration_ms(interval),
                    format_duration_ms(min_ms)
                ),
            )
            .help("check every 10–30s and use `start_interval` to become healthy quickly at start");
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
    fn short_intervals() {
        let project = from_compose(
            "services:\n  a:\n    image: x:1\n    healthcheck: { test: [CMD, \"true\"], interval: 1s }\n  b:\n    image: x:1\n    healthcheck: { test: [CMD, \"true\"], interval: 5s }\n  c:\n    image: x:1\n    healthcheck: { test: [CMD, \"true\"], start_interval: 1s }\n",
        );
        let found: Vec<String> =
            run::<Health>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).map(|f| f.message).collect();
        assert_eq!(found, ["service `a` runs its healthcheck every 1s, below the 5s minimum"]);
    }
}
