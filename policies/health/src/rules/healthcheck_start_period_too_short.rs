//! `health/healthcheck-start-period-too-short`: a slow starter marked unhealthy before it can be up.

use plimsoll_sdk::Report;
use plimsoll_sdk::model::{Project, Service};
use plimsoll_sdk::units::format_duration_ms;

use super::{Timings, active_healthcheck, healthcheck_subject};
use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags slow starters whose healthcheck may mark them unhealthy before they can be up: the
    /// `start_period` is below the time they need **and** so is the whole grace before the first
    /// unhealthy verdict (`start_period + retries × interval`, with Docker's defaults).
    ///
    /// Slow starters are services that reserve a GPU (`gpu-services-are-slow`, needing
    /// `min-start-period-seconds`) and services whose image (or built base image) matches a row of
    /// `slow-starters`: model servers such as vLLM, Ollama, TGI and Triton and search databases
    /// (60 s by default), relational and document databases (30 s by default).
    ///
    /// ## Why is this bad?
    /// Loading model weights or recovering a database takes minutes. Without a start period the
    /// container is declared unhealthy while it is still loading: services that wait for it with
    /// `service_healthy` fail to start, and orchestration that restarts unhealthy containers kills it
    /// in a loop.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   llm:
    ///     image: vllm/vllm-openai:v0.6.3
    ///     healthcheck:
    ///       test: ["CMD", "curl", "-f", "http://localhost:8000/health"]
    ///       interval: 5s
    ///       retries: 3
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    ///     healthcheck:
    ///       test: ["CMD", "curl", "-f", "http://localhost:8000/health"]
    ///       interval: 5s
    ///       retries: 3
    ///       start_period: 120s
    /// ```
    ///
    /// ## Settings
    /// - `min-start-period-seconds` (default `60`): what GPU services need.
    /// - `slow-starters`: rows of `images` (name fragments) and `min-seconds`.
    /// - `gpu-services-are-slow` (default `true`).
    ///
    /// ## References
    /// - [Compose services: healthcheck start_period](https://docs.docker.com/reference/compose-file/services/#healthcheck)
    /// - [Dockerfile reference: HEALTHCHECK --start-period](https://docs.docker.com/reference/dockerfile/#healthcheck)
    pub static RULE = {
        id: "healthcheck-start-period-too-short",
        severity: Medium,
        category: "health",
        summary: "slow starter's healthcheck leaves it too little time to start",
    }
}

/// Why a service counts as a slow starter and how long it needs (milliseconds), if it does.
pub fn slow_starter(project: &Project, service: &Service, settings: &Settings) -> Option<(String, u64)> {
    if settings.gpu_services_are_slow
        && service
            .resources
            .devices
            .iter()
            .any(|d| d.capabilities.iter().any(|c| c == "gpu") || d.driver.as_deref() == Some("nvidia"))
    {
        return Some(("reserves a gpu".to_string(), settings.min_start_period_seconds * 1000));
    }
    let image = service.image.as_ref().map(|i| i.repository.clone()).or_else(|| {
        let (_, dockerfile, stage) = plimsoll_sdk::query::target_stage(project, service)?;
        plimsoll_sdk::query::base_image(dockerfile, stage).map(|i| i.repository.clone())
    })?;
    let lower = image.to_ascii_lowercase();
    settings
        .slow_starters
        .iter()
        .find(|row| row.images.iter().any(|p| lower.contains(&p.to_ascii_lowercase())))
        .map(|row| (format!("runs `{image}`"), row.min_seconds * 1000))
}

/// Report slow starters whose healthcheck grace is below what they need.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in &project.services {
        let Some(hc) = active_healthcheck(service) else { continue };
        if settings.exempt_services.exempts(&service.name) {
            continue;
        }
        let Some((why, min_ms)) = slow_starter(project, service, settings) else { continue };
        let t = Timings::of(hc);
        let grace = t.start_period + u64::from(t.retries) * t.interval;
        if t.start_period >= min_ms || grace >= min_ms {
            continue;
        }
        let (subject, related) = healthcheck_subject(project, service, &["start_period"]);
        let mut finding = report
            .add(
                &RULE,
                subject,
                format!(
                    "service `{}` {why} but may be marked unhealthy after {} (start_period {} + {} retries × {} interval), below {}",
                    service.name,
                    format_duration_ms(grace),
                    format_duration_ms(t.start_period),
                    t.retries,
                    format_duration_ms(t.interval),
                    format_duration_ms(min_ms)
                ),
            )
            .help(format!(
                "set `start_period` to at least {} (the time it takes to load and become ready)",
                format_duration_ms(min_ms)
            ));
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
    fn short_grace_for_model_servers_and_gpu_services() {
        let project = from_compose(
            "services:\n  llm:\n    image: vllm/vllm-openai:v0.6.3\n    healthcheck: { test: [CMD, x], interval: 5s }\n  ok:\n    image: ollama/ollama:0.3.14\n    healthcheck: { test: [CMD, x], interval: 5s, start_period: 90s }\n  db:\n    image: postgres:16\n    healthcheck: { test: [CMD, x] }\n  web:\n    image: nginx:1.27\n    healthcheck: { test: [CMD, x], interval: 2s }\n",
        );
        let messages: Vec<_> = run::<Health>(&project, "")
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.message)
            .collect();
        assert_eq!(
            messages,
            [
                "service `llm` runs `vllm/vllm-openai` but may be marked unhealthy after 15s (start_period 0s + 3 retries × 5s interval), below 1m"
            ]
        );
    }
}
