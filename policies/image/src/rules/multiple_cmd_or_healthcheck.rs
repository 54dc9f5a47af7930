//! `image/multiple-cmd-or-healthcheck`: more than one `CMD`, `ENTRYPOINT` or `HEALTHCHECK` in a
//! stage, where only the last one takes effect.

use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, subject};

use crate::Settings;
use crate::common::short;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags every `CMD`, `ENTRYPOINT` or `HEALTHCHECK` of a stage that a later one of the same kind
    /// in the same stage overrides.
    ///
    /// ## Why is this bad?
    /// Only the last one counts. The earlier ones are dead code that readers take for the real
    /// command — usually a leftover from editing, or an attempt to run two processes that silently
    /// runs only one.
    ///
    /// ## Example
    /// ```dockerfile
    /// CMD ["worker"]
    /// CMD ["api"]
    /// ```
    ///
    /// ## Use instead
    /// One `CMD` per stage; run a second process as its own service.
    ///
    /// ## Settings
    /// None.
    ///
    /// ## References
    /// - [hadolint DL4003](https://github.com/hadolint/hadolint/wiki/DL4003),
    ///   [DL4004](https://github.com/hadolint/hadolint/wiki/DL4004),
    ///   [DL3012](https://github.com/hadolint/hadolint/wiki/DL3012)
    /// - [Docker build check MultipleInstructionsDisallowed](https://docs.docker.com/reference/build-checks/multiple-instructions-disallowed/)
    pub static RULE = {
        id: "multiple-cmd-or-healthcheck",
        severity: Medium,
        category: "image",
        summary: "more than one `CMD`, `ENTRYPOINT` or `HEALTHCHECK` in a stage",
    }
}

/// Report every overridden `CMD`/`ENTRYPOINT`/`HEALTHCHECK`, pointing at the one that wins.
pub fn check(project: &Project, _settings: &Settings, report: &mut Report) {
    for (df_index, dockerfile) in project.dockerfiles.iter().enumerate() {
        for stage in &dockerfile.stages {
            for keyword in ["CMD", "ENTRYPOINT", "HEALTHCHECK"] {
                let all: Vec<u32> = stage
                    .instructions
                    .iter()
                    .copied()
                    .filter(|i| dockerfile.instructions.get(*i as usize).is_some_and(|ins| ins.keyword == keyword))
                    .collect();
                let Some((last, earlier)) = all.split_last() else { continue };
                for index in earlier {
                    let text = dockerfile.instructions.get(*index as usize).map(|i| short(&i.text)).unwrap_or_default();
                    let stage_name =
                        stage.name.clone().map(|n| format!("`{n}`")).unwrap_or_else(|| format!("#{}", stage.index));
                    report
                        .add(
                            &RULE,
                            subject::instruction(df_index as u32, *index),
                            format!("`{text}` has no effect: stage {stage_name} has {} `{keyword}` instructions and only the last counts", all.len()),
                        )
                        .related(subject::instruction(df_index as u32, *last))
                        .help(format!("remove the earlier `{keyword}`"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose_with, run};

    use crate::Image;

    #[test]
    fn earlier_duplicates_per_stage() {
        let project = from_compose_with(
            "services:\n  a:\n    build: .\n",
            &[
                (
                    "Dockerfile",
                    "FROM node:20 AS a\nCMD [\"a\"]\nFROM node:20\nCMD [\"worker\"]\nHEALTHCHECK NONE\nCMD [\"api\"]\n",
                ),
                (".dockerignore", ".git\n"),
            ],
        );
        let found: Vec<_> =
            run::<Image>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).collect();
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "`CMD [\"worker\"]` has no effect: stage #1 has 2 `CMD` instructions and only the last counts"
        );
    }
}
