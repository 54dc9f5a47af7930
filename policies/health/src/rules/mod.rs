//! The rules of the `health` pack, one per file, and what several of them ask: a service's
//! effective healthcheck with Docker's default timings, where it is written, and whether a service
//! is a one-shot job.

use plimsoll_sdk::model::{Healthcheck, Origin, Project, Service};
use plimsoll_sdk::{Subject, query, subject};

plimsoll_sdk::rules! {
    healthcheck_missing,
    healthcheck_disabled,
    healthcheck_timeout_exceeds_interval,
    healthcheck_start_period_too_short,
    startup_budget_exceeded,
    healthcheck_tool_missing,
    depends_on_not_healthy,
    depends_on_healthy_without_healthcheck,
    restart_policy_missing,
    logging_rotation_missing,
}

/// Docker's default healthcheck interval and timeout (30 s each).
pub const DEFAULT_INTERVAL_MS: u64 = 30_000;
/// Docker's default healthcheck timeout.
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;
/// Docker's default number of retries.
pub const DEFAULT_RETRIES: u32 = 3;

/// A healthcheck's timings with Docker's defaults filled in (0 means "default" too, as in Docker).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timings {
    /// Milliseconds between checks.
    pub interval: u64,
    /// Milliseconds a check may take.
    pub timeout: u64,
    /// Milliseconds during which failures do not count.
    pub start_period: u64,
    /// Consecutive failures before unhealthy.
    pub retries: u32,
}

impl Timings {
    /// The timings of a healthcheck.
    pub fn of(hc: &Healthcheck) -> Self {
        let or = |v: Option<u64>, d: u64| v.filter(|v| *v > 0).unwrap_or(d);
        Timings {
            interval: or(hc.interval, DEFAULT_INTERVAL_MS),
            timeout: or(hc.timeout, DEFAULT_TIMEOUT_MS),
            start_period: hc.start_period.unwrap_or(0),
            retries: hc.retries.filter(|r| *r > 0).unwrap_or(DEFAULT_RETRIES),
        }
    }

    /// Worst case to healthy: start period, then every retry failing after its interval and timeout.
    pub fn worst_case_ms(&self) -> u64 {
        self.start_period + u64::from(self.retries) * (self.interval + self.timeout)
    }
}

/// The service's effective healthcheck when it runs (not disabled).
pub fn active_healthcheck(service: &Service) -> Option<&Healthcheck> {
    service.effective.healthcheck.as_ref().filter(|h| !h.disabled)
}

/// Where a service's effective healthcheck is written, pointing at `key` below `healthcheck` when it
/// is in the compose file, else at the image's `HEALTHCHECK` instruction (with the service as related).
pub fn healthcheck_subject(project: &Project, service: &Service, key: &[&str]) -> (Subject, Vec<Subject>) {
    if service.effective.healthcheck_origin == Origin::Image
        && let Some(instruction) = image_healthcheck(project, service)
    {
        return (instruction, vec![subject::service(&service.name, &["build"])]);
    }
    let mut path = vec!["healthcheck"];
    path.extend_from_slice(key);
    (subject::service(&service.name, &path), Vec::new())
}

/// The image's last `HEALTHCHECK` instruction for the stage the service builds.
pub fn image_healthcheck(project: &Project, service: &Service) -> Option<Subject> {
    let (df, dockerfile, stage) = query::target_stage(project, service)?;
    query::image_instructions(dockerfile, stage)
        .into_iter()
        .rev()
        .find(|(_, i)| i.keyword == "HEALTHCHECK")
        .map(|(index, _)| subject::instruction(df, index))
}

/// Programs that print or test something and exit: a service whose command is one of them is a job.
const EXITING_PROGRAMS: &[&str] = &["echo", "true", "false", "printf", "exit"];

/// Whether a service is a one-shot job: others wait for it to complete
/// (`service_completed_successfully`), it is told never to restart (`restart: "no"`), or its command
/// is a program that exits at once (`echo hello`, `/bin/true`), or it runs no command on a bare OS
/// image (a build-only service, or a shell that exits without a terminal).
pub fn is_one_shot(project: &Project, service: &Service) -> bool {
    let awaited = project.services.iter().any(|other| {
        other.depends_on.iter().any(|d| d.service == service.name && d.condition == "service_completed_successfully")
    });
    let never_restarts = service.restart.as_deref() == Some("no");
    let exits = service
        .effective
        .entrypoint
        .as_ref()
        .filter(|e| !e.is_empty())
        .or(service.effective.command.as_ref())
        .and_then(|c| c.first())
        .and_then(|w| w.split_whitespace().next())
        .is_some_and(|p| EXITING_PROGRAMS.contains(&p.rsplit('/').next().unwrap_or(p)));
    awaited || never_restarts || exits || runs_bare_shell(project, service)
}

/// Base images whose default command is a shell, which exits at once without a terminal.
const SHELL_IMAGES: &[&str] = &["alpine", "busybox", "debian", "ubuntu", "fedora", "centos", "rockylinux", "almalinux"];

/// Whether a service runs no command of its own on a bare OS image (or `scratch`) without a
/// terminal: its container starts a shell that exits, or cannot start at all (build-only services).
fn runs_bare_shell(project: &Project, service: &Service) -> bool {
    let eff = &service.effective;
    if eff.command.is_some() || eff.entrypoint.is_some() || service.extensions.contains("\"tty\":true") {
        return false;
    }
    let bare = |repo: &str| SHELL_IMAGES.contains(&repo.strip_prefix("library/").unwrap_or(repo));
    match query::target_stage(project, service) {
        Some((_, dockerfile, stage)) => {
            query::is_from_scratch(dockerfile, stage)
                || query::base_image(dockerfile, stage).is_some_and(|i| bare(&i.repository))
        }
        None => service.build.is_none() && service.image.as_ref().is_some_and(|i| bare(&i.repository)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_defaults_fill_the_gaps() {
        let hc = Healthcheck {
            test: vec![],
            disabled: false,
            interval: None,
            timeout: Some(10_000),
            start_period: Some(60_000),
            start_interval: None,
            retries: None,
        };
        let t = Timings::of(&hc);
        assert_eq!(t, Timings { interval: 30_000, timeout: 10_000, start_period: 60_000, retries: 3 });
        assert_eq!(t.worst_case_ms(), 180_000);
    }

    #[test]
    fn one_shot_jobs() {
        let project = plimsoll_sdk::testkit::from_compose_with(
            "services:\n  build-only:\n    build: .\n  shell:\n    image: alpine:3.20\n  server:\n    image: alpine:3.20\n    command: top\n  tty:\n    image: alpine:3.20\n    tty: true\n",
            &[("Dockerfile", "FROM alpine:3.20\nRUN echo built\n")],
        );
        let one_shot: Vec<_> =
            project.services.iter().filter(|s| is_one_shot(&project, s)).map(|s| s.name.as_str()).collect();
        assert_eq!(one_shot, ["build-only", "shell"]);
    }
}
