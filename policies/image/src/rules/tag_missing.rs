//! `image/tag-missing`: an image pulled without a tag (or digest), which means `latest`.

use plimsoll_sdk::Report;
use plimsoll_sdk::model::Project;

use crate::Settings;
use crate::common::pulled_images;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags images that are pulled with neither a tag nor a digest: a service's `image:` (when the
    /// service does not build it) and a Dockerfile's `FROM`.
    ///
    /// ## Why is this bad?
    /// An image without a tag is `:latest`. What runs changes whenever the publisher pushes, so two
    /// hosts deployed a day apart run different software, a rebuild picks up a new major version
    /// without anyone deciding to, and a rollback has nothing to roll back to.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   watchtower:
    ///     image: containrrr/watchtower
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   watchtower:
    ///     image: containrrr/watchtower:1.7.1
    /// ```
    ///
    /// ## Settings
    /// None.
    ///
    /// ## References
    /// - [hadolint DL3006](https://github.com/hadolint/hadolint/wiki/DL3006)
    /// - [Docker: image tags](https://docs.docker.com/reference/cli/docker/image/tag/)
    pub static RULE = {
        id: "tag-missing",
        severity: Medium,
        category: "image",
        summary: "image is pulled without a tag, so it means `latest`",
    }
}

/// Report every pulled image with neither tag nor digest.
pub fn check(project: &Project, _settings: &Settings, report: &mut Report) {
    for pulled in pulled_images(project) {
        if pulled.image.tag.is_some() || pulled.image.digest.is_some() {
            continue;
        }
        report
            .add(
                &RULE,
                pulled.subject,
                format!("{} uses `{}` without a tag, which means `latest`", pulled.user, pulled.image.raw),
            )
            .help(format!(
                "pin a version tag such as `{}:<version>`, ideally with its `@sha256:` digest",
                pulled.image.raw
            ));
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose_with, run};

    use crate::Image;

    #[test]
    fn untagged_images_in_compose_and_from() {
        let project = from_compose_with(
            "services:\n  a:\n    image: containrrr/watchtower\n  b:\n    image: redis:7\n  c:\n    image: built\n    build: .\n",
            &[("Dockerfile", "FROM node AS build\nFROM build\nFROM scratch\n")],
        );
        let findings: Vec<_> = run::<Image>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).collect();
        let messages: Vec<_> = findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "service `a` uses `containrrr/watchtower` without a tag, which means `latest`",
                "`Dockerfile` uses `node` without a tag, which means `latest`",
            ]
        );
    }

    #[test]
    fn a_base_named_like_the_image_built_from_it_is_pulled() {
        // `image: alpine` + `build: .` names the result; the Dockerfile's `FROM alpine` is still pulled. Another
        // Dockerfile's `FROM alpine` would mean the image this project builds.
        let project = from_compose_with(
            "services:\n  app:\n    image: alpine\n    build: .\n  user:\n    build: { context: ., dockerfile: Dockerfile.user }\n",
            &[("Dockerfile", "FROM alpine\n"), ("Dockerfile.user", "FROM alpine\n")],
        );
        let findings: Vec<_> = run::<Image>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).collect();
        let messages: Vec<_> = findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(messages, ["`Dockerfile` uses `alpine` without a tag, which means `latest`"]);
    }

    #[test]
    fn a_base_named_by_a_build_context_is_not_pulled_by_that_name() {
        // `additional_contexts`: `FROM deps` is the `base` service's image, `FROM src` a directory,
        // `FROM os` the image `docker-image://debian` (untagged, so reported, naming the context).
        let project = from_compose_with(
            "services:\n  base:\n    build: { context: ., dockerfile: base.Dockerfile }\n  service:\n    build:\n      context: .\n      dockerfile: service.Dockerfile\n      additional_contexts:\n        deps: service:base\n        src: ../other\n        os: docker-image://debian\n",
            &[
                ("base.Dockerfile", "FROM alpine:3.20\n"),
                ("service.Dockerfile", "FROM deps\nFROM src\nFROM os\nCOPY --from=src / /\nFROM redis\n"),
            ],
        );
        let messages: Vec<String> =
            run::<Image>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).map(|f| f.message).collect();
        assert_eq!(
            messages,
            [
                "`service.Dockerfile` (build context `os`) uses `debian` without a tag, which means `latest`",
                "`service.Dockerfile` uses `redis` without a tag, which means `latest`",
            ]
        );
        // Without a build context of that name, `FROM base` is Docker Hub's `base`.
        let plain = from_compose_with(
            "services:\n  base:\n    build: { context: ., dockerfile: base.Dockerfile }\n  service:\n    build: { context: ., dockerfile: service.Dockerfile }\n",
            &[("base.Dockerfile", "FROM alpine:3.20\n"), ("service.Dockerfile", "FROM base\n")],
        );
        let messages: Vec<String> =
            run::<Image>(&plain, "").into_iter().filter(|f| f.rule == super::RULE.id).map(|f| f.message).collect();
        assert_eq!(messages, ["`service.Dockerfile` uses `base` without a tag, which means `latest`"]);
    }
}
