//! `image/digest-not-pinned`: a versioned image without a `@sha256:` digest.

use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, Severity};

use crate::Settings;
use crate::common::pulled_images;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags images pulled by a version tag without a `@sha256:` digest. Images with no tag or with
    /// a moving tag are left to `tag-missing` and `tag-mutable`.
    ///
    /// ## Why is this bad?
    /// Even version tags can be re-pushed: publishers rebuild `python:3.12-slim` for security fixes,
    /// and a compromised registry account can replace any tag. Only a digest names exactly one image,
    /// so builds and deployments are reproducible and tamper-evident. Tools such as Renovate or
    /// Dependabot keep digests up to date.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// FROM python:3.12-slim@sha256:<digest>
    /// ```
    ///
    /// ## Settings
    /// - `strict-digest`: report at `medium` instead of `info` (default `false`).
    ///
    /// ## References
    /// - [Docker: pin base image versions](https://docs.docker.com/build/building/best-practices/#pin-base-image-versions)
    pub static RULE = {
        id: "digest-not-pinned",
        severity: Info,
        category: "image",
        summary: "image tag is not pinned to a digest",
    }
}

/// Report every pulled image with a stable tag and no digest.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for pulled in pulled_images(project) {
        let Some(tag) = &pulled.image.tag else { continue };
        if pulled.image.digest.is_some() || settings.is_mutable_tag(tag) {
            continue;
        }
        let finding = report
            .add(
                &RULE,
                pulled.subject,
                format!("{} uses `{}` without a `@sha256:` digest", pulled.user, pulled.image.raw),
            )
            .help(format!(
                "pin the digest: `{}@sha256:…` (`docker buildx imagetools inspect` prints it)",
                pulled.image.raw
            ));
        if settings.strict_digest {
            finding.severity(Severity::Medium);
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::Severity;
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Image;

    const STACK: &str = "services:\n  a:\n    image: redis:7.2\n  b:\n    image: redis:latest\n  c:\n    image: redis\n  d:\n    image: redis:7.2@sha256:0000000000000000000000000000000000000000000000000000000000000000\n";

    #[test]
    fn only_stable_tags_without_digest() {
        let findings: Vec<_> =
            run::<Image>(&from_compose(STACK), "").into_iter().filter(|f| f.rule == super::RULE.id).collect();
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].message, "service `a` uses `redis:7.2` without a `@sha256:` digest");
        assert_eq!(findings[0].severity, None);
    }

    #[test]
    fn strict_raises_the_severity() {
        let findings: Vec<_> = run::<Image>(&from_compose(STACK), r#"{"strict-digest": true}"#)
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .collect();
        assert_eq!(findings[0].severity, Some(Severity::Medium));
    }
}
