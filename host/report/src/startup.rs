//! Startup: per service the longest it can take to be declared healthy — its healthcheck's grace
//! (`start_period + retries × interval`, Docker's defaults where unset: 30 s interval, 3 retries)
//! plus the slowest `service_healthy` dependency before it — and the chain of dependencies that
//! dominates it.
//!
//! Arithmetic over the loaded model for the Markdown and HTML reviews; it judges nothing (the
//! `health/*` rules do) and reads no files.

use std::collections::HashMap;

use plimsoll_check::ProjectResult;
use plimsoll_model::model::Service;

/// Docker's default healthcheck interval and retries.
const DEFAULT_INTERVAL_MS: u64 = 30_000;
const DEFAULT_RETRIES: u32 = 3;

/// One service's startup.
#[derive(Debug, Clone, PartialEq)]
pub struct Startup {
    /// The service.
    pub service: String,
    /// Its own healthcheck's grace in milliseconds; `None` without a healthcheck (it counts as
    /// ready when started).
    pub grace_ms: Option<u64>,
    /// The services it waits for to be healthy.
    pub waits_for: Vec<String>,
    /// The worst case to healthy, dependencies included, in milliseconds.
    pub worst_ms: u64,
    /// The `service_healthy` chain that dominates it, first started first, ending with the service.
    pub chain: Vec<String>,
}

/// The grace of a service's effective healthcheck (the compose file's, else the image's).
fn grace(service: &Service) -> Option<u64> {
    let h = service.effective.healthcheck.as_ref().filter(|h| !h.disabled && !h.test.is_empty())?;
    let interval = h.interval.unwrap_or(DEFAULT_INTERVAL_MS);
    Some(
        h.start_period
            .unwrap_or(0)
            .saturating_add(u64::from(h.retries.unwrap_or(DEFAULT_RETRIES)).saturating_mul(interval)),
    )
}

/// Every service's startup, in compose order (empty when the project was not loaded).
pub fn of(project: &ProjectResult) -> Vec<Startup> {
    let Some(loaded) = &project.loaded else { return Vec::new() };
    let services = &loaded.model.services;
    let by_name: HashMap<&str, &Service> = services.iter().map(|s| (s.name.as_str(), s)).collect();
    let mut memo: HashMap<String, (u64, Vec<String>)> = HashMap::new();
    services
        .iter()
        .map(|s| {
            let (worst_ms, chain) = ready(s, &by_name, &mut memo, &mut Vec::new());
            Startup {
                service: s.name.clone(),
                grace_ms: grace(s),
                waits_for: healthy_deps(s).map(str::to_string).collect(),
                worst_ms,
                chain,
            }
        })
        .collect()
}

fn healthy_deps(s: &Service) -> impl Iterator<Item = &str> {
    s.depends_on.iter().filter(|d| d.condition == "service_healthy").map(|d| d.service.as_str())
}

/// The worst case to healthy of `s` and its chain; a dependency cycle (refused when loading)
/// stops the walk.
fn ready(
    s: &Service,
    by_name: &HashMap<&str, &Service>,
    memo: &mut HashMap<String, (u64, Vec<String>)>,
    walking: &mut Vec<String>,
) -> (u64, Vec<String>) {
    if let Some(done) = memo.get(&s.name) {
        return done.clone();
    }
    walking.push(s.name.clone());
    let mut before: (u64, Vec<String>) = (0, Vec::new());
    for dep in healthy_deps(s) {
        let Some(d) = by_name.get(dep) else { continue };
        if walking.iter().any(|w| w == dep) {
            continue;
        }
        let candidate = ready(d, by_name, memo, walking);
        if candidate.0 > before.0 || before.1.is_empty() {
            before = candidate;
        }
    }
    walking.pop();
    let mut chain = before.1;
    chain.push(s.name.clone());
    let result = (before.0.saturating_add(grace(s).unwrap_or(0)), chain);
    memo.insert(s.name.clone(), result.clone());
    result
}

/// A duration for reports: `45s`, `2m 30s`, `1h 5m`.
pub fn duration(ms: u64) -> String {
    let s = ms / 1000;
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m {s}s"),
        (h, 0, _) => format!("{h}h"),
        (h, m, _) => format!("{h}h {m}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(duration(45_000), "45s");
        assert_eq!(duration(150_000), "2m 30s");
        assert_eq!(duration(120_000), "2m");
        assert_eq!(duration(3_900_000), "1h 5m");
    }
}
