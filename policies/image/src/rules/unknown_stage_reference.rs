//! `image/unknown-stage-reference`: `COPY --from`, `--mount=from=` or `FROM` naming a stage that
//! does not exist, comes later, or is the stage itself.

use plimsoll_sdk::model::{Dockerfile, Project, StageBase};
use plimsoll_sdk::{Report, query, subject};

use crate::Settings;
use crate::common::{short, stage_references};

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags `COPY --from=<name>` and `RUN --mount=from=<name>` where `<name>` is not an earlier
    /// stage of the Dockerfile and does not look like an image reference (no `:`, `/` or `@`), a
    /// numeric stage index that is not an earlier stage, and a stage built `FROM` itself.
    ///
    /// ## Why is this bad?
    /// Docker treats an unknown `--from` name as an image to pull: a typo (`--from=buidler`) or a
    /// renamed stage fails the build with a confusing pull error, or — worse — pulls an unrelated
    /// public image of that name. A stage can only use stages defined before it.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.22 AS build
    /// FROM alpine:3.19
    /// COPY --from=builder /out/app /app
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// COPY --from=build /out/app /app
    /// ```
    ///
    /// ## Settings
    /// None.
    ///
    /// ## References
    /// - [hadolint DL3022](https://github.com/hadolint/hadolint/wiki/DL3022),
    ///   [DL3023](https://github.com/hadolint/hadolint/wiki/DL3023)
    /// - [Docker: multi-stage builds](https://docs.docker.com/build/building/multi-stage/)
    pub static RULE = {
        id: "unknown-stage-reference",
        severity: High,
        category: "image",
        summary: "`COPY --from` or `FROM` names a stage that does not exist, or itself",
    }
}

/// Report every reference to a missing, later or same stage.
pub fn check(project: &Project, _settings: &Settings, report: &mut Report) {
    for (df_index, dockerfile) in project.dockerfiles.iter().enumerate() {
        for stage in &dockerfile.stages {
            if let StageBase::Image(image) = &stage.base
                && stage.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(&image.raw))
            {
                report
                    .add(
                        &RULE,
                        subject::instruction(df_index as u32, stage.from_instruction),
                        format!("stage `{}` is built `FROM` itself", image.raw),
                    )
                    .help("build it from an earlier stage or an image, and give the stage another name");
            }
            for index in &stage.instructions {
                let Some(instruction) = dockerfile.instructions.get(*index as usize) else { continue };
                for reference in stage_references(instruction) {
                    let Some(problem) = problem(dockerfile, stage.index, &reference) else { continue };
                    if query::named_context(project, df_index as u32, &reference).is_some() {
                        continue; // a build context (`additional_contexts`), not a stage
                    }
                    report
                        .add(
                            &RULE,
                            subject::instruction(df_index as u32, *index),
                            format!("`{}` refers to `{reference}`, {problem}", short(&instruction.text)),
                        )
                        .help(format!("use one of the earlier stages: {}", earlier_names(dockerfile, stage.index)));
                }
            }
        }
    }
}

/// The stage names an instruction refers to with `--from=` or `--mount=…,from=…`.
fn problem(dockerfile: &Dockerfile, current: u32, reference: &str) -> Option<String> {
    if let Ok(n) = reference.parse::<u32>() {
        return if n == current {
            Some("the stage itself".to_string())
        } else if n > current {
            Some(format!("stage #{n}, which is not defined before this stage"))
        } else {
            None
        };
    }
    let named = dockerfile.stages.iter().find(|s| s.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(reference)));
    match named {
        Some(s) if s.index < current => None,
        Some(s) if s.index == current => Some("the stage itself".to_string()),
        Some(_) => Some("a stage defined later in the Dockerfile".to_string()),
        None if reference.contains([':', '/', '@']) => None, // an image reference
        None => Some("which is not a stage of this Dockerfile (Docker will try to pull it as an image)".to_string()),
    }
}

fn earlier_names(dockerfile: &Dockerfile, current: u32) -> String {
    let names: Vec<String> = dockerfile
        .stages
        .iter()
        .filter(|s| s.index < current)
        .map(|s| s.name.clone().map(|n| format!("`{n}`")).unwrap_or_else(|| format!("`{}`", s.index)))
        .collect();
    if names.is_empty() { "none is defined before this stage".to_string() } else { names.join(", ") }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose_with, run};

    use crate::Image;

    #[test]
    fn missing_later_and_self_references() {
        let project = from_compose_with(
            "services:\n  a:\n    build: .\n",
            &[
                (
                    "Dockerfile",
                    "FROM golang:1.22 AS build\nFROM alpine:3.19 AS final\nCOPY --from=builder /x /x\nCOPY --from=build /y /y\nCOPY --from=nginx:1.25 /etc/nginx /n\nCOPY --from=final /z /z\nCOPY --from=later /w /w\nRUN --mount=type=bind,from=nope,target=/m true\nFROM alpine:3.19 AS later\n",
                ),
                (".dockerignore", ".git\n"),
            ],
        );
        let found: Vec<String> = run::<Image>(&project, "")
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.message)
            .collect();
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found[0].starts_with("`COPY --from=builder /x /x` refers to `builder`, which is not a stage"));
        assert!(found[1].ends_with("refers to `final`, the stage itself"));
        assert!(found[2].ends_with("a stage defined later in the Dockerfile"));
        assert!(found[3].contains("`nope`"));
    }
}
