//! `image/tag-mutable`: an image pinned to a tag that moves (`latest`, `main`, `nightly`, …).

use plimsoll_sdk::Report;
use plimsoll_sdk::model::Project;

use crate::Settings;
use crate::common::pulled_images;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags images pulled by a tag that is moved to new content on purpose: `latest`, `main`,
    /// `master`, `mainline`, `edge`, `nightly`, `rawhide`, `release`, `dev`, `stable`, and the
    /// families `latest-*`, `*-latest`, `*-dev`, `mainline-*`, `stable-*`, … — unless a `@sha256:`
    /// digest pins them. Images are read wherever a build pulls one: `image:`, `FROM`,
    /// `COPY --from=<image>` and `RUN --mount=from=<image>`.
    ///
    /// ## Why is this bad?
    /// A moving tag is the same as no version at all: every pull may bring a different image, with
    /// breaking changes, new defaults or a new major version. Deployments stop being reproducible
    /// and rollbacks stop being possible.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   open-webui:
    ///     image: ghcr.io/open-webui/open-webui:main
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   open-webui:
    ///     image: ghcr.io/open-webui/open-webui:v0.6.5
    /// ```
    ///
    /// ## Settings
    /// - `mutable-tags`: the tags that move (globs, case-insensitive); the default lists `latest`,
    ///   `main`, `master`, `edge`, `nightly`, `dev`, `develop`, `stable`, `canary`, `beta`, `rolling`, …
    ///
    /// ## References
    /// - [hadolint DL3007](https://github.com/hadolint/hadolint/wiki/DL3007)
    /// - [Docker: pin base image versions](https://docs.docker.com/build/building/best-practices/#pin-base-image-versions)
    pub static RULE = {
        id: "tag-mutable",
        severity: Medium,
        category: "image",
        summary: "image uses a tag that moves, such as `latest` or `main`",
    }
}

/// Report every pulled image whose tag is in `mutable-tags` and that has no digest.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for pulled in pulled_images(project) {
        let Some(tag) = &pulled.image.tag else { continue };
        if pulled.image.digest.is_some() || !settings.is_mutable_tag(tag) {
            continue;
        }
        report
            .add(&RULE, pulled.subject, format!("{} uses `{}`: `{tag}` is a moving tag", pulled.user, pulled.image.raw))
            .help("pin a release tag (e.g. `1.7.1`), ideally with its `@sha256:` digest");
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Image;

    #[test]
    fn moving_tags_are_reported_unless_pinned_by_digest() {
        let project = from_compose(
            "services:\n  a:\n    image: ollama/ollama:latest\n  b:\n    image: ghcr.io/open-webui/open-webui:main\n  c:\n    image: postgres:15-alpine\n  d:\n    image: nginx:latest@sha256:0000000000000000000000000000000000000000000000000000000000000000\n",
        );
        let findings: Vec<_> = run::<Image>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).collect();
        assert_eq!(findings.len(), 2);
        assert_eq!(findings[0].message, "service `a` uses `ollama/ollama:latest`: `latest` is a moving tag");
        assert!(findings[1].message.contains("`main` is a moving tag"));
    }

    #[test]
    fn copy_from_and_mount_from_images_and_tag_families() {
        let project = plimsoll_sdk::testkit::from_compose_with(
            "services:\n  a:\n    build: .\n  b:\n    image: nginx:mainline-alpine\n  c:\n    image: nginx:mainline\n  d:\n    image: cgr.dev/chainguard/python:latest-dev\n  e:\n    image: acme/tool:2024-latest\n",
            &[
                ("Dockerfile", "FROM python:3.12-slim AS build\nCOPY --from=ghcr.io/astral-sh/uv:latest /uv /bin/uv\nRUN --mount=type=bind,from=acme/assets:edge,target=/assets cp -r /assets /srv\nCOPY --from=build /x /y\nCOPY --from=ghcr.io/astral-sh/uv:0.4.18 /uv /bin/uv2\n"),
                (".dockerignore", ".git\n"),
            ],
        );
        let messages: Vec<_> =
            run::<Image>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).map(|f| f.message).collect();
        assert_eq!(
            messages,
            [
                "service `b` uses `nginx:mainline-alpine`: `mainline-alpine` is a moving tag",
                "service `c` uses `nginx:mainline`: `mainline` is a moving tag",
                "service `d` uses `cgr.dev/chainguard/python:latest-dev`: `latest-dev` is a moving tag",
                "service `e` uses `acme/tool:2024-latest`: `2024-latest` is a moving tag",
                "`Dockerfile` uses `ghcr.io/astral-sh/uv:latest`: `latest` is a moving tag",
                "`Dockerfile` uses `acme/assets:edge`: `edge` is a moving tag",
            ]
        );
    }

    #[test]
    fn the_table_is_a_setting() {
        let project = from_compose("services:\n  a:\n    image: acme/app:rc\n  b:\n    image: acme/app:latest\n");
        let findings: Vec<_> = run::<Image>(&project, r#"{"mutable-tags": ["rc"]}"#)
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .collect();
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.contains("`rc`"));
    }
}
