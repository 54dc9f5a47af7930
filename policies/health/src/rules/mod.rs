//! The rules of the `health` pack, one per file, and what several of them ask: a service's
//! effective healthcheck with Docker's default timings, where it is written, and whether a service
//! is a one-shot job.

use plimsoll_sdk::model::{Healthcheck, Origin, Project, Service};
use plimsoll_sdk::{Subject, query, subject};

use crate::Settings;

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
    healthcheck_interval_too_frequent,
    stateful_without_volume,
    duplicate_container_name,
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
const EXITING_PROGRAMS: &[&str] = &["echo", "true", "false", "printf", "exit", "return", ":"];

/// Shells whose `-c` script is the service's real command.
const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh"];

/// Whether a service is a one-shot job: others wait for it to complete
/// (`service_completed_successfully`), it is told never to restart (`restart: "no"`), it runs only
/// under job profiles (`setup`, `migrate`, … from `job-profiles`), its command — or the last
/// command of its `sh -c` script — exits at once (`echo hello`, `/bin/true`) or is a job from
/// `job-commands` (migrations, seeds), or it runs no command on a bare OS image (a build-only
/// service, or a shell that exits without a terminal).
pub fn is_one_shot(project: &Project, service: &Service, settings: &Settings) -> bool {
    let awaited = project.services.iter().any(|other| {
        other.depends_on.iter().any(|d| d.service == service.name && d.condition == "service_completed_successfully")
    });
    let never_restarts = service.restart.as_deref() == Some("no");
    let job_profile = !service.profiles.is_empty()
        && service.profiles.iter().all(|p| settings.job_profiles.iter().any(|j| j.eq_ignore_ascii_case(p)));
    let command = service
        .effective
        .entrypoint
        .as_ref()
        .filter(|e| !e.is_empty())
        .map(|e| e.iter().chain(service.effective.command.iter().flatten()).cloned().collect::<Vec<_>>())
        .or_else(|| service.effective.command.clone());
    let exits = command.as_deref().and_then(last_command).is_some_and(|last| {
        let first = last.split_whitespace().next().unwrap_or_default();
        let program = first.rsplit('/').next().unwrap_or(first);
        EXITING_PROGRAMS.contains(&program)
            || EXITING_PROGRAMS.contains(&last.trim())
            || settings.job_commands.iter().any(|g| query::glob_match(g, last.trim()))
    });
    awaited || never_restarts || job_profile || exits || runs_bare_shell(project, service)
}

/// The command a service ends with: for `sh -c "a && b; c"`, the script's last command (`c`); for
/// any other command, its words joined by spaces.
fn last_command(command: &[String]) -> Option<String> {
    let first = command.first()?;
    let program = first.rsplit('/').next().unwrap_or(first);
    if SHELLS.contains(&program) {
        let at = command
            .iter()
            .position(|w| w == "-c" || (w.starts_with('-') && !w.starts_with("--") && w.contains('c')))?;
        let script = command[at + 1..].join(" ");
        let last = script
            .split(['\n', ';'])
            .flat_map(|part| part.split("&&"))
            .flat_map(|part| part.split("||"))
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .last()?;
        return Some(last.trim_start_matches("exec ").to_string());
    }
    let joined = command.join(" ");
    if command.len() == 1 && joined.contains(' ') {
        return last_command(&["sh".to_string(), "-c".to_string(), joined]);
    }
    Some(joined)
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
        let settings = Settings::default();
        let one_shot: Vec<_> =
            project.services.iter().filter(|s| is_one_shot(&project, s, &settings)).map(|s| s.name.as_str()).collect();
        assert_eq!(one_shot, ["build-only", "shell"]);
    }

    #[test]
    fn jobs_by_profile_script_and_command() {
        let project = plimsoll_sdk::testkit::from_compose(
            "services:\n  setup:\n    image: acme/app:1\n    profiles: [setup]\n  dev-ui:\n    image: acme/ui:1\n    profiles: [dev]\n  hello:\n    image: acme/app:1\n    command: [sh, -c, \"echo ready && echo done\"]\n  migrate:\n    image: acme/app:1\n    command: python manage.py migrate --noinput\n  serve:\n    image: acme/app:1\n    command: sh -c \"python manage.py migrate && exec gunicorn app.wsgi\"\n  buckets:\n    image: minio/mc:RELEASE.2024-07-16T23-46-41Z\n    entrypoint: [/bin/sh, -c]\n    command: [\"mc alias set local http://minio:9000 a b; mc mb --ignore-existing local/data; exit 0\"]\n",
        );
        let settings = Settings::default();
        let one_shot: Vec<_> =
            project.services.iter().filter(|s| is_one_shot(&project, s, &settings)).map(|s| s.name.as_str()).collect();
        assert_eq!(one_shot, ["setup", "hello", "migrate", "buckets"]);
    }
}
