//! `health/startup-budget-exceeded`: the worst case to healthy, through `service_healthy` chains, is above the target.

use std::collections::BTreeMap;

use plimsoll_sdk::Report;
use plimsoll_sdk::model::{Project, Service};
use plimsoll_sdk::units::format_duration_ms;

use super::{Timings, active_healthcheck, healthcheck_subject};
use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Computes, for every service, the worst-case time until it is healthy after
    /// `docker compose up`: its own `start_period + retries × (interval + timeout)` (with Docker's
    /// defaults: 30s interval, 30s timeout, 0s start period, 3 retries), after the slowest of the
    /// services it waits for with `condition: service_healthy`, through whole chains. Services above
    /// `max-startup-seconds` are reported with the chain that makes them slow.
    ///
    /// Off unless `max-startup-seconds` is set.
    ///
    /// ## Why is this bad?
    /// A healthcheck decides how long Compose waits before it gives up on a service. When the worst
    /// case is longer than the stack's startup target, a service that is merely slow makes
    /// `docker compose up --wait`, CI jobs and deploy scripts time out, and a failure takes minutes
    /// to be noticed.
    ///
    /// ## Example
    /// ```yaml
    /// # plimsoll.yaml: settings: { health: { max-startup-seconds: 120 } }
    /// services:
    ///   vortex:
    ///     healthcheck:
    ///       test: ["CMD", "python3", "-c", "import torch"]
    ///       start_period: 60s
    ///       timeout: 10s      # 60 + 3 × (30 + 10) = 180 s
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    ///     healthcheck:
    ///       test: ["CMD", "python3", "-c", "import torch"]
    ///       start_period: 60s
    ///       interval: 10s
    ///       timeout: 5s       # 60 + 3 × (10 + 5) = 105 s
    /// ```
    ///
    /// ## Settings
    /// - `max-startup-seconds` (off unless set).
    ///
    /// ## References
    /// - [Compose services: healthcheck](https://docs.docker.com/reference/compose-file/services/#healthcheck)
    /// - [Compose: control startup order](https://docs.docker.com/compose/how-tos/startup-order/)
    pub static RULE = {
        id: "startup-budget-exceeded",
        severity: Medium,
        category: "health",
        summary: "worst-case time to healthy is above `max-startup-seconds`",
    }
}

/// A service's worst case to healthy and the chain behind it (the service first).
#[derive(Debug, Clone)]
struct Worst {
    total_ms: u64,
    own_ms: u64,
    chain: Vec<String>,
}

fn worst<'a>(
    project: &'a Project,
    service: &'a Service,
    memo: &mut BTreeMap<String, Worst>,
    visiting: &mut Vec<String>,
) -> Worst {
    if let Some(w) = memo.get(&service.name) {
        return w.clone();
    }
    let own_ms = active_healthcheck(service).map(|hc| Timings::of(hc).worst_case_ms()).unwrap_or(0);
    visiting.push(service.name.clone());
    let mut slowest: Option<Worst> = None;
    for dep in service.depends_on.iter().filter(|d| d.condition == "service_healthy") {
        if visiting.contains(&dep.service) {
            continue;
        }
        let Some(target) = project.services.iter().find(|s| s.name == dep.service) else { continue };
        let w = worst(project, target, memo, visiting);
        if slowest.as_ref().is_none_or(|s| w.total_ms > s.total_ms) {
            slowest = Some(w);
        }
    }
    visiting.pop();
    let mut chain = vec![service.name.clone()];
    let mut total_ms = own_ms;
    if let Some(s) = slowest {
        total_ms += s.total_ms;
        chain.extend(s.chain);
    }
    let w = Worst { total_ms, own_ms, chain };
    memo.insert(service.name.clone(), w.clone());
    w
}

/// Report services whose worst case to healthy is above the target.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    let Some(max_s) = settings.max_startup_seconds else { return };
    let max_ms = max_s * 1000;
    let mut memo = BTreeMap::new();
    for service in &project.services {
        if settings.exempt_services.exempts(&service.name) {
            continue;
        }
        let w = worst(project, service, &mut memo, &mut Vec::new());
        if w.total_ms <= max_ms {
            continue;
        }
        let own = match active_healthcheck(service) {
            Some(hc) => {
                let t = Timings::of(hc);
                format!(
                    "{} start period + {} × ({} + {})",
                    format_duration_ms(t.start_period),
                    t.retries,
                    format_duration_ms(t.interval),
                    format_duration_ms(t.timeout)
                )
            }
            None => "no healthcheck of its own".to_string(),
        };
        let chain = if w.chain.len() > 1 {
            format!(
                ", after {} through {}",
                format_duration_ms(w.total_ms - w.own_ms),
                w.chain[1..].iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" → ")
            )
        } else {
            String::new()
        };
        let (subject, related) = if active_healthcheck(service).is_some() {
            healthcheck_subject(project, service, &[])
        } else {
            (plimsoll_sdk::subject::service(&service.name, &["depends_on"]), Vec::new())
        };
        let mut finding = report
            .add(
                &RULE,
                subject,
                format!(
                    "service `{}` may take {} to become healthy ({own}{chain}), above max-startup-seconds {max_s}",
                    service.name,
                    format_duration_ms(w.total_ms)
                ),
            )
            .help("shorten the interval and timeout (a quick probe every 5-10s), or raise `max-startup-seconds`");
        for r in related {
            finding = finding.related(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Health;

    fn messages(yaml: &str, settings: &str) -> Vec<String> {
        run::<Health>(&from_compose(yaml), settings)
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.message)
            .collect()
    }

    #[test]
    fn own_and_chained_worst_cases() {
        let yaml = "services:\n  vortex:\n    image: v:1\n    healthcheck: { test: [CMD, x], start_period: 60s, timeout: 10s }\n  db:\n    image: postgres:16\n    healthcheck: { test: [CMD, x], interval: 10s, timeout: 5s, retries: 5 }\n  api:\n    image: api:1\n    depends_on: { db: { condition: service_healthy } }\n    healthcheck: { test: [CMD, x], interval: 10s, timeout: 5s }\n";
        assert_eq!(
            messages(yaml, r#"{"max-startup-seconds": 100}"#),
            [
                "service `vortex` may take 3m to become healthy (1m start period + 3 × (30s + 10s)), above max-startup-seconds 100",
                "service `api` may take 2m to become healthy (0s start period + 3 × (10s + 5s), after 1m15s through `db`), above max-startup-seconds 100"
            ]
        );
        assert!(messages(yaml, "").is_empty());
    }
}
