//! `acme/base-image-not-allowed`: a service built from a base image outside the allowed sources.
//!
//! A cross-file rule: it starts from a compose service, follows its `build` to the Dockerfile and
//! the target stage, walks the stage chain (`FROM builder` → `FROM python:3.12-slim AS builder`) to
//! the image the build really starts from, and reports the `FROM` line that names it.

use plimsoll_sdk::model::{ImageRef, Project};
use plimsoll_sdk::image::{image_name, is_official};
use plimsoll_sdk::{Report, query, subject};

use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags services whose image is built from a base image that is neither a Docker Official
    /// Image (unless `allow-official` is off) nor named by an entry of `allowed-images`. The stage
    /// chain is followed, so `FROM builder` counts as the image `builder` starts from.
    ///
    /// ## Why is this bad?
    /// A base image is code that runs in production. Images from unknown publishers are not
    /// scanned, not rebuilt when a CVE lands, and may disappear or change under the same tag.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM someuser/python-tools:3.12
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// ```
    ///
    /// ## Settings
    /// - `allow-official` (default `true`): Docker Official Images are allowed.
    /// - `allowed-images`: image name prefixes that are allowed, e.g. `ghcr.io/acme/`.
    pub static RULE = {
        id: "base-image-not-allowed",
        severity: Medium,
        category: "supply-chain",
        summary: "service is built from a base image outside the allowed sources",
    }
}

/// Whether the settings allow an image as a base.
pub fn is_allowed(image: &ImageRef, settings: &Settings) -> bool {
    let name = image_name(image);
    (settings.allow_official && is_official(image))
        || settings.allowed_images.iter().any(|p| name.starts_with(p.as_str()))
}

/// Report every built service whose base image is not allowed, at the `FROM` that names it.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in &project.services {
        let Some((index, dockerfile, stage)) = query::target_stage(project, service) else { continue };
        let Some(image) = query::base_image(dockerfile, stage) else { continue };
        if is_allowed(image, settings) {
            continue;
        }
        let Some(from) = query::stage_chain(dockerfile, stage).last().map(|s| s.from_instruction) else { continue };
        report
            .add(
                &RULE,
                subject::instruction(index, from),
                format!("service `{}` builds from `{}`, which is not an allowed base image", service.name, image.raw),
            )
            .related(subject::service(&service.name, &["build"]))
            .help("start from an official image, or add the image's prefix to `allowed-images`");
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::Subject;
    use plimsoll_sdk::testkit::{from_compose_with, run};

    use crate::Acme;

    const COMPOSE: &str = "services:\n  api:\n    build: .\n    labels: { com.example.owner: a }\n";

    fn base_findings(dockerfile: &str, settings: &str) -> Vec<plimsoll_sdk::Finding> {
        let project = from_compose_with(COMPOSE, &[("Dockerfile", dockerfile)]);
        run::<Acme>(&project, settings).into_iter().filter(|f| f.rule == "base-image-not-allowed").collect()
    }

    #[test]
    fn follows_the_stage_chain_to_the_image() {
        let findings = base_findings("FROM someuser/tools:1 AS base\nRUN true\nFROM base\nCMD [\"x\"]\n", "");
        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].message,
            "service `api` builds from `someuser/tools:1`, which is not an allowed base image"
        );
        let Subject::Instruction(at) = &findings[0].subject else { panic!("{:?}", findings[0].subject) };
        assert_eq!(at.instruction, 0);
    }

    #[test]
    fn official_images_and_allowed_prefixes_pass() {
        assert!(base_findings("FROM python:3.12-slim\n", "").is_empty());
        assert!(base_findings("FROM docker.io/library/node:22\n", "").is_empty());
        assert!(base_findings("FROM ghcr.io/acme/base:1\n", r#"{"allowed-images": ["ghcr.io/acme/"]}"#).is_empty());
        assert_eq!(base_findings("FROM python:3.12\n", r#"{"allow-official": false}"#).len(), 1);
        assert!(base_findings("FROM scratch\n", "").is_empty());
    }
}
