//! `security/runs-as-root`: a service (or standalone image) whose effective user is root.

use plimsoll_sdk::model::{Origin, Project, Stage};
use plimsoll_sdk::query::{build_chain, env, target_stage};
use plimsoll_sdk::{Report, Severity, Subject, subject};

use crate::Settings;
use crate::common::is_root_user;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags services whose effective user is root: compose `user:` is unset, `0` or `root`, **and**
    /// the image they build ends as root. The user is followed down the whole chain: the final
    /// stage (the `build.target`), the stages it is built from, and — when a stage starts FROM an
    /// image another service of the project builds (`image: acme/base:1` with `build:`) — that
    /// image's Dockerfile. The last `USER` decides; with none, the base image's default user decides,
    /// from the `image-users` table (distroless `:nonroot`, Chainguard, Bitnami, Grafana, the
    /// Elastic and Jupyter images run as non-root users; the official OS and language images as
    /// root). A base the table does not know has an unknown user: it is not reported as root
    /// (`report-unknown-base-user` reports it at `info`). A standalone Dockerfile is judged the
    /// same way on its last stage. `C_FORCE_ROOT=true` is mentioned as evidence but proves nothing
    /// on its own. For services that only pull an image, the image's entrypoint may drop privileges:
    /// they are reported only with `user: root`/`0` (or with `assume-image-root`, which skips images
    /// the table knows as non-root).
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
    /// - `assume-image-root`: treat services that pull an image and set no `user:` as root (default
    ///   `false`); a Kubernetes container with `runAsNonRoot: true` is not.
    /// - `image-users`: rows of `images` globs (over `repository:tag`) and the `user` they run as;
    ///   first match wins, a list given replaces the defaults.
    /// - `report-unknown-base-user`: report built images whose base has an unknown user, at `info`
    ///   (default `false`).
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
            let Some((df_index, _, stage)) = target_stage(project, service) else { continue };
            if service.effective.user_origin == Origin::Image
                && service.effective.user.as_deref().is_some_and(|u| !is_root_user(u))
            {
                continue;
            }
            match root_reason(project, settings, df_index, stage) {
                Verdict::Root(why, related) => {
                    report
                        .add(&RULE, subject::service(&service.name, &[]), format!("service `{}` runs as root: {why}{evidence}", service.name))
                        .related(related)
                        .help("add `RUN useradd --uid 10001 app` and `USER app` to the final stage, or set `user:` on the service");
                }
                Verdict::Unknown(why, related) if settings.report_unknown_base_user => {
                    report
                        .add(&RULE, subject::service(&service.name, &[]), format!("service `{}` may run as root: {why}", service.name))
                        .severity(Severity::Info)
                        .related(related)
                        .help("set `USER` in the final stage or `user:` on the service, or add the base image to `image-users`");
                }
                _ => {}
            }
        } else if settings.assume_image_root {
            // Kubernetes refuses to start it as root (`runAsNonRoot: true`).
            if plimsoll_sdk::query::extension_flag(service, "x-kubernetes-run-as-non-root") {
                continue;
            }
            let known = service.image.as_ref().and_then(|i| settings.image_user(i));
            if known.is_some_and(|u| !is_root_user(u)) {
                continue; // a well-known image with a non-root default user
            }
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
            match root_reason(project, settings, df_index as u32, stage) {
                Verdict::Root(why, subject) => {
                    report
                        .add(&RULE, subject, format!("image of `{}` runs as root: {why}", dockerfile.path))
                        .help("add `RUN useradd --uid 10001 app` and `USER app` to the final stage");
                }
                Verdict::Unknown(why, subject) if settings.report_unknown_base_user => {
                    report
                        .add(&RULE, subject, format!("image of `{}` may run as root: {why}", dockerfile.path))
                        .severity(Severity::Info)
                        .help("set `USER` in the final stage, or add the base image to `image-users`");
                }
                _ => {}
            }
        }
    }
}

/// What the chain of a stage says about its user.
enum Verdict {
    /// It runs as root: why, and the instruction that shows it.
    Root(String, Subject),
    /// It runs as a non-root user.
    NotRoot,
    /// Its user is the default of a base image the user table does not know.
    Unknown(String, Subject),
}

/// Whether a stage's image runs as root, following its stages and the project's own base images:
/// the last `USER` decides; with none, the base image's default user from `image-users`.
fn root_reason(project: &Project, settings: &Settings, df_index: u32, stage: &Stage) -> Verdict {
    let chain = build_chain(project, df_index, stage);
    let Some(dockerfile) = project.dockerfiles.get(df_index as usize) else { return Verdict::NotRoot };
    let name = stage.name.as_deref().map(|n| format!("stage `{n}`")).unwrap_or_else(|| "the final stage".to_string());
    if let Some((df, index, instruction)) = chain.instructions.iter().rev().find(|(_, _, i)| i.keyword == "USER") {
        let user = instruction.arguments.first().map(String::as_str).unwrap_or_default();
        if !is_root_user(user) {
            return Verdict::NotRoot;
        }
        let path = project.dockerfiles.get(*df as usize).map(|d| d.path.as_str()).unwrap_or(&dockerfile.path);
        return Verdict::Root(
            format!("the last `USER` of {name} in `{path}` is `{user}`"),
            subject::instruction(*df, *index),
        );
    }
    let from = subject::instruction(chain.root_from.0, chain.root_from.1);
    let never = format!("{name} of `{}` never sets `USER`", dockerfile.path);
    if chain.scratch {
        return Verdict::Root(format!("{never} and starts from `scratch`"), from);
    }
    let Some(base) = chain.base else { return Verdict::NotRoot };
    // The reference without its digest: the digest says which build, not whose user.
    let shown = base.raw.split('@').next().unwrap_or(&base.raw);
    match settings.image_user(&base) {
        Some(user) if is_root_user(user) => Verdict::Root(format!("{never} and `{shown}` runs as root"), from),
        Some(_) => Verdict::NotRoot,
        None => Verdict::Unknown(format!("{never} and the default user of `{shown}` is not known"), from),
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
                "service `worker` runs as root: stage `worker` of `Dockerfile` never sets `USER` and `python:3.11-slim` runs as root",
                "service `spawner` runs as root (`user: root`)",
            ]
        );
        let assumed = messages(compose, &[("Dockerfile", dockerfile)], r#"{"assume-image-root": true}"#);
        assert!(assumed.iter().any(|m| m.starts_with("service `pulled` sets no `user:`")), "{assumed:?}");
    }

    #[test]
    fn the_user_is_inherited_from_the_base_image() {
        let compose = "services:\n  base:\n    image: acme/base:1\n    build: { context: ., dockerfile: base.Dockerfile }\n  api:\n    build: { context: ., dockerfile: api.Dockerfile }\n  static:\n    build: { context: ., dockerfile: static.Dockerfile }\n  chainguard:\n    build: { context: ., dockerfile: cg.Dockerfile }\n  chainguard-dev:\n    build: { context: ., dockerfile: cgdev.Dockerfile }\n  unknown:\n    build: { context: ., dockerfile: unknown.Dockerfile }\n";
        let files = [
            ("base.Dockerfile", "FROM python:3.12-slim\nRUN useradd -u 10001 app\nUSER app\n"),
            ("api.Dockerfile", "FROM acme/base:1\nCMD [\"app\"]\n"),
            ("static.Dockerfile", "FROM gcr.io/distroless/static-debian12:nonroot\nCOPY app /app\n"),
            ("cg.Dockerfile", "FROM cgr.dev/chainguard/python:latest\nCOPY app /app\n"),
            ("cgdev.Dockerfile", "FROM cgr.dev/chainguard/python:latest-dev\nCOPY app /app\n"),
            ("unknown.Dockerfile", "FROM ghcr.io/acme/runtime:3\nCOPY app /app\n"),
        ];
        assert_eq!(
            messages(compose, &files, ""),
            [
                "service `chainguard-dev` runs as root: the final stage of `cgdev.Dockerfile` never sets `USER` and `cgr.dev/chainguard/python:latest-dev` runs as root",
            ]
        );
        let with_unknown = messages(compose, &files, r#"{"report-unknown-base-user": true}"#);
        assert_eq!(with_unknown.len(), 2, "{with_unknown:?}");
        assert_eq!(
            with_unknown[1],
            "service `unknown` may run as root: the final stage of `unknown.Dockerfile` never sets `USER` and the default user of `ghcr.io/acme/runtime:3` is not known"
        );
        // `FROM core` naming a build context (`additional_contexts`) is followed: `service:base` into
        // that service's Dockerfile, `docker-image://debian:12` to that image; a local directory is
        // no image, so its user is not claimed.
        let ctx = messages(
            "services:\n  base:\n    build: { context: ., dockerfile: base.Dockerfile }\n  service:\n    build:\n      context: .\n      dockerfile: service.Dockerfile\n      additional_contexts: { core: \"service:base\" }\n  job:\n    build:\n      context: .\n      dockerfile: job.Dockerfile\n      additional_contexts: [\"os=docker-image://debian:12\"]\n  dir:\n    build:\n      context: .\n      dockerfile: dir.Dockerfile\n      additional_contexts: [\"rootfs=./rootfs\"]\n",
            &[
                ("base.Dockerfile", "FROM alpine:3.20\n"),
                ("service.Dockerfile", "FROM core\nCOPY app /app\n"),
                ("job.Dockerfile", "FROM os\nCMD [\"job\"]\n"),
                ("dir.Dockerfile", "FROM rootfs\nCMD [\"job\"]\n"),
            ],
            r#"{"report-unknown-base-user": true}"#,
        );
        assert_eq!(
            ctx,
            [
                "service `base` runs as root: the final stage of `base.Dockerfile` never sets `USER` and `alpine:3.20` runs as root",
                "service `service` runs as root: the final stage of `service.Dockerfile` never sets `USER` and `alpine:3.20` runs as root",
                "service `job` runs as root: the final stage of `job.Dockerfile` never sets `USER` and `debian:12` runs as root",
            ]
        );
        // Without the build context, `FROM base` is Docker Hub's `base`, not the service.
        let plain = messages(
            "services:\n  base:\n    build: { context: ., dockerfile: base.Dockerfile }\n  service:\n    build: { context: ., dockerfile: service.Dockerfile }\n",
            &[("base.Dockerfile", "FROM alpine:3.20\n"), ("service.Dockerfile", "FROM base\nCOPY app /app\n")],
            r#"{"report-unknown-base-user": true}"#,
        );
        assert!(plain[1].ends_with("the default user of `base` is not known"), "{plain:?}");
        // A table row users add: their runtime image runs as a non-root user.
        let own = r#"{"image-users": [{"images": ["ghcr.io/acme/runtime:*"], "user": "app"}], "report-unknown-base-user": true}"#;
        let found = messages(compose, &files, own);
        assert!(!found.iter().any(|m| m.contains("`unknown`")), "{found:?}");
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
