//! `image/apt-update-alone`: `apt-get update` in a `RUN` of its own, so later installs use a stale
//! cached package index.

use plimsoll_sdk::model::{Instruction, Project};
use plimsoll_sdk::query::{Manager, install, subcommand};
use plimsoll_sdk::{Report, subject};

use crate::Settings;
use crate::common::short;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags a `RUN` that runs `apt-get update` (or `apt update`) without installing anything, when
    /// a later `RUN` of the same stage installs packages.
    ///
    /// ## Why is this bad?
    /// Docker caches the update layer. When the install line changes later, the build reuses the
    /// old package index: installs fail with 404s for versions that no longer exist, or silently get
    /// outdated packages without security fixes.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update
    /// RUN apt-get install -y curl
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl \
    ///  && rm -rf /var/lib/apt/lists/*
    /// ```
    ///
    /// ## Settings
    /// None.
    ///
    /// ## References
    /// - [Docker: apt-get best practices](https://docs.docker.com/build/building/best-practices/#apt-get)
    pub static RULE = {
        id: "apt-update-alone",
        severity: Low,
        category: "image",
        summary: "`apt-get update` in a `RUN` of its own",
    }
}

/// Report update-only `RUN`s followed by an install in the same stage.
pub fn check(project: &Project, _settings: &Settings, report: &mut Report) {
    for (df_index, dockerfile) in project.dockerfiles.iter().enumerate() {
        for stage in &dockerfile.stages {
            let runs: Vec<(u32, &Instruction)> = stage
                .instructions
                .iter()
                .filter_map(|i| dockerfile.instructions.get(*i as usize).map(|ins| (*i, ins)))
                .filter(|(_, ins)| ins.keyword == "RUN")
                .collect();
            for (pos, (index, instruction)) in runs.iter().enumerate() {
                if !updates(instruction) || installs_apt(instruction) {
                    continue;
                }
                let Some((later, _)) = runs[pos + 1..].iter().find(|(_, i)| installs_apt(i)) else { continue };
                report
                    .add(
                        &RULE,
                        subject::instruction(df_index as u32, *index),
                        format!("`{}` updates the package index in a layer of its own", short(&instruction.text)),
                    )
                    .related(subject::instruction(df_index as u32, *later))
                    .help("run `apt-get update && apt-get install …` in the same `RUN`");
            }
        }
    }
}

fn updates(instruction: &Instruction) -> bool {
    instruction
        .commands
        .iter()
        .filter_map(subcommand)
        .any(|sub| matches!(sub.program, "apt-get" | "apt") && sub.name == "update")
}

fn installs_apt(instruction: &Instruction) -> bool {
    instruction.commands.iter().filter_map(install).any(|i| i.manager == Manager::Apt)
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose_with, run};

    use crate::Image;

    fn count(dockerfile: &str) -> usize {
        let project = from_compose_with(
            "services:\n  a:\n    build: .\n",
            &[("Dockerfile", dockerfile), (".dockerignore", ".git\n")],
        );
        run::<Image>(&project, "").iter().filter(|f| f.rule == super::RULE.id).count()
    }

    #[test]
    fn update_alone_before_an_install() {
        assert_eq!(
            count(
                "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n"
            ),
            1
        );
        assert_eq!(count("FROM debian:12\nRUN apt-get update && apt-get upgrade -y\n"), 0);
        assert_eq!(
            count(
                "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n"
            ),
            0
        );
    }
}
