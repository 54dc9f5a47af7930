//! `security/runs-as-root`: a service (or standalone image) whose effective user is root.

use plimsoll_sdk::model::{Dockerfile, Origin, Project, Stage};
use plimsoll_sdk::query::{env, image_instructions, stage_chain, target_stage};
use plimsoll_sdk::{Report, Subject, subject};

use crate::Settings;
use crate::common::is_root_user;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags services whose effective user is root: compose `user:` is unset, `0` or `root`, **and**
    /// the image they build ends as root — its final stage (the `build.target`) and the stages it
    /// is built from set no `USER`, or the last one is root. A standalone Dockerfile is reported
    /// when its last stage ends as root. `C_FORCE_ROOT=true` is mentioned as evidence but proves
    /// nothing on its own. For services that only pull an image, the image's user is unknown: they
    /// are reported only with `user: root`/`0` (or with `assume-image-root`).
    ///
    /// ## Why is this bad?
    /// Root in a container is root on the host's kernel, held back only by namespaces and
    /// capabilities. Any container escape, writable host mount or misconfiguration (a socket, a
    /// device) becomes root on the host; as a non-root user the same bug usually stays contained.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.11-slim
    /// COPY . /app
    /// CMD ["gunicorn", "app:app"]
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// FROM python:3.11-slim
    /// RUN useradd --create-home --uid 10001 app
    /// COPY --chown=app . /app
    /// USER app
    /// CMD ["gunicorn", "app:app"]
    /// ```
    /// or `user: "10001:10001"` on the service.
    ///
    /// ## Settings
    /// - `assume-image-root`: treat services that pull an image and set no `user:` as root (default `false`).
    ///
    /// ## References
    /// - [hadolint DL3002](https://github.com/hadolint/hadolint/wiki/DL3002)
    /// - [Docker: USER](https://docs.docker.com/reference/dockerfile/#user)
    pub static RULE = {
        id: "runs-as-root",
        severity: Medium,
        category: "security",
        summary: "container runs as root",
    }
}

/// Report services and standalone images whose effective user is root.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in &project.services {
        let evidence = if env(&service.effective.environment, "C_FORCE_ROOT")
            .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
        {
            " (`C_FORCE_ROOT=true` expects it)"
        } else {
            ""
        };
        match service.user.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            Some(user) if is_root_user(user) => {
                report
                    .add(
                        &RULE,
                        subject::service(&service.name, &["user"]),
                        format!("service `{}` runs as root (`user: {user}`){evidence}", service.name),
                    )
                    .help("run as an unprivileged user: `user: \"10001:10001\"`, or a `USER` in the image");
                continue;
            }
            Some(_) => continue,
            None => {}
        }
        if service.build.is_some() {
            let Some((df_index, dockerfile, stage)) = target_stage(project, service) else { continue };
            if service.effective.user_origin == Origin::Image
                && service.effective.user.as_deref().is_some_and(|u| !is_root_user(u))
            {
                continue;
            }
            let Some((why, related)) = root_reason(df_index, dockerfile, stage) else { continue };
            report
                .add(&RULE, subject::service(&service.name, &[]), format!("service `{}` runs as root: {why}{evidence}", service.name))
                .related(related)
                .help("add `RUN useradd --uid 10001 app` and `USER app` to the final stage, or set `user:` on the service");
        } else if settings.assume_image_root {
            let image = service.image.as_ref().map(|i| i.raw.as_str()).unwrap_or("its image");
            report
                .add(
                    &RULE,
                    subject::service(&service.name, &[]),
                    format!(
                        "service `{}` sets no `user:` and is assumed to run `{image}` as root{evidence}",
                        service.name
                    ),
                )
                .help("set `user:` to an unprivileged uid the image supports");
        }
    }
    if project.services.is_empty() {
        for (df_index, dockerfile) in project.dockerfiles.iter().enumerate() {
            let Some(stage) = dockerfile.stages.last() else { continue };
            let Some((why, subject)) = root_reason(df_index as u32, dockerfile, stage) else { continue };
            report
                .add(&RULE, subject, format!("image of `{}` runs as root: {why}", dockerfile.path))
                .help("add `RUN useradd --uid 10001 app` and `USER app` to the final stage");
        }
    }
}

/// Why a stage's image runs as root, and the instruction that shows it (the last `USER root`, or
/// the `FROM` of the final stage when no `USER` is set); `None` when it does not.
fn root_reason(df_index: u32, dockerfile: &Dockerfile, stage: &Stage) -> Option<(String, Subject)> {
    let last_user = image_instructions(dockerfile, stage).into_iter().rev().find(|(_, i)| i.keyword == "USER");
    let name = stage.name.as_deref().map(|n| format!("stage `{n}`")).unwrap_or_else(|| "the final stage".to_string());
    match last_user {
        Some((index, instruction)) => {
            let user = instruction.arguments.first().map(String::as_str).unwrap_or_default();
            is_root_user(user).then(|| {
                (
                    format!("the last `USER` of {name} in `{}` is `{user}`", dockerfile.path),
                    subject::instruction(df_index, index),
                )
            })
        }
        None => {
            let from =
                stage_chain(dockerfile, stage).first().map(|s| s.from_instruction).unwrap_or(stage.from_instruction);
            Some((format!("{name} of `{}` never sets `USER`", dockerfile.path), subject::instruction(df_index, from)))
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose_with, run};

    use crate::Security;

    fn messages(compose: &str, files: &[(&str, &str)], settings: &str) -> Vec<String> {
        let project = from_compose_with(compose, files);
        run::<Security>(&project, settings)
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.message)
            .collect()
    }

    #[test]
    fn effective_user_across_compose_and_target() {
        let dockerfile =
            "FROM python:3.11-slim AS base\nRUN useradd app\nFROM base AS api\nUSER app\nFROM base AS worker\n";
        let compose = "services:\n  api:\n    build: { context: ., target: api }\n  worker:\n    build: { context: ., target: worker }\n  celery:\n    build: { context: ., target: api }\n    environment: { C_FORCE_ROOT: \"true\" }\n  spawner:\n    build: { context: ., target: api }\n    user: root\n  pulled:\n    image: redis:7\n  pinned:\n    build: { context: ., target: worker }\n    user: \"1000\"\n";
        assert_eq!(
            messages(compose, &[("Dockerfile", dockerfile)], ""),
            [
                "service `worker` runs as root: stage `worker` of `Dockerfile` never sets `USER`",
                "service `spawner` runs as root (`user: root`)",
            ]
        );
        let assumed = messages(compose, &[("Dockerfile", dockerfile)], r#"{"assume-image-root": true}"#);
        assert!(assumed.iter().any(|m| m.starts_with("service `pulled` sets no `user:`")), "{assumed:?}");
    }

    #[test]
    fn user_root_at_the_end() {
        let dockerfile = "FROM node:20\nUSER node\nRUN npm ci\nUSER root\n";
        assert_eq!(
            messages("services:\n  a:\n    build: .\n", &[("Dockerfile", dockerfile)], ""),
            ["service `a` runs as root: the last `USER` of the final stage in `Dockerfile` is `root`"]
        );
    }
}
