//! `image/package-cache-not-cleaned`: package manager caches (apt lists, pip, apk, yum) left in a
//! layer of the shipped image.

use plimsoll_sdk::model::{Dockerfile, Instruction, Project, Stage};
use plimsoll_sdk::query::{Manager, install, program, stage_chain};
use plimsoll_sdk::{Report, subject};

use crate::Settings;
use crate::common::{shipped_stages, short};

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags `RUN` instructions of the shipped stages that leave a package manager's cache in the
    /// layer: `apt-get install` without `rm -rf /var/lib/apt/lists/*` in the same `RUN`,
    /// `pip install` without `--no-cache-dir` (or `PIP_NO_CACHE_DIR`), `apk add` without
    /// `--no-cache`, `yum`/`dnf install` without `clean all`. A `--mount=type=cache` on the `RUN`
    /// is accepted. Builder stages that are only copied from are not checked.
    ///
    /// ## Why is this bad?
    /// Files deleted in a later `RUN` still sit in the earlier layer: the image carries tens to
    /// hundreds of megabytes of indexes and downloaded archives that are never used at run time.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y curl
    /// RUN pip install -r requirements.txt
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl \
    ///  && rm -rf /var/lib/apt/lists/*
    /// RUN pip install --no-cache-dir -r requirements.txt
    /// ```
    ///
    /// ## Settings
    /// None.
    ///
    /// ## References
    /// - [hadolint DL3009](https://github.com/hadolint/hadolint/wiki/DL3009),
    ///   [DL3042](https://github.com/hadolint/hadolint/wiki/DL3042),
    ///   [DL3019](https://github.com/hadolint/hadolint/wiki/DL3019)
    /// - [Docker: build cache mounts](https://docs.docker.com/build/cache/optimize/#use-cache-mounts)
    pub static RULE = {
        id: "package-cache-not-cleaned",
        severity: Low,
        category: "image",
        summary: "package manager cache is left in an image layer",
    }
}

/// Report every `RUN` of the shipped stages that leaves a cache behind.
pub fn check(project: &Project, _settings: &Settings, report: &mut Report) {
    for (df_index, dockerfile) in project.dockerfiles.iter().enumerate() {
        let shipped = shipped_stages(project, df_index as u32);
        for stage in dockerfile.stages.iter().filter(|s| shipped.contains(&s.index)) {
            let env = stage_env(dockerfile, stage);
            for index in &stage.instructions {
                let Some(instruction) = dockerfile.instructions.get(*index as usize) else { continue };
                if instruction.keyword != "RUN" || has_cache_mount(instruction) {
                    continue;
                }
                let left = caches_left(instruction, &env);
                if left.is_empty() {
                    continue;
                }
                report
                    .add(
                        &RULE,
                        subject::instruction(df_index as u32, *index),
                        format!("`{}` leaves {} in the layer", short(&instruction.text), left.join(" and ")),
                    )
                    .help(help(&left));
            }
        }
    }
}

fn help(left: &[&str]) -> String {
    let mut fixes = Vec::new();
    for item in left {
        fixes.push(match *item {
            "the apt lists" => "end the `RUN` with `&& rm -rf /var/lib/apt/lists/*`",
            "the pip cache" => "add `--no-cache-dir` to `pip install`",
            "the uv cache" => "add `--no-cache` to `uv pip install`",
            "the apk cache" => "use `apk add --no-cache`",
            _ => "end the `RUN` with `&& yum clean all` (or `dnf clean all`)",
        });
    }
    format!("{}, or use `RUN --mount=type=cache`", fixes.join("; "))
}

/// Names of the variables set by `ENV` in a stage chain.
fn stage_env(dockerfile: &Dockerfile, stage: &Stage) -> Vec<String> {
    stage_chain(dockerfile, stage)
        .iter()
        .flat_map(|s| s.instructions.iter())
        .filter_map(|i| dockerfile.instructions.get(*i as usize))
        .filter(|i| i.keyword == "ENV")
        .flat_map(|i| i.arguments.iter().map(|a| a.split('=').next().unwrap_or_default().to_string()))
        .collect()
}

fn has_cache_mount(instruction: &Instruction) -> bool {
    instruction.flags.iter().any(|f| f.name == "mount" && f.value.as_deref().is_some_and(|v| v.contains("type=cache")))
}

/// Which caches a `RUN` leaves behind.
fn caches_left(instruction: &Instruction, env: &[String]) -> Vec<&'static str> {
    let removes = |needle: &str| {
        instruction
            .commands
            .iter()
            .any(|c| program(c).is_some_and(|(_, p)| p == "rm") && c.words.iter().any(|w| w.contains(needle)))
    };
    let runs = |prog: &[&str], sub: &str| {
        instruction
            .commands
            .iter()
            .any(|c| program(c).is_some_and(|(at, p)| prog.contains(&p) && c.words[at + 1..].iter().any(|w| w == sub)))
    };
    let mut left = Vec::new();
    for command in &instruction.commands {
        let Some(inst) = install(command) else { continue };
        let uv = program(command).is_some_and(|(_, p)| p == "uv");
        let item = match inst.manager {
            Manager::Apt if !removes("/var/lib/apt/lists") && !runs(&["apt-get", "apt"], "dist-clean") => {
                "the apt lists"
            }
            // `--no-network` installs from the local cache only: nothing is downloaded, nothing is left.
            Manager::Apk
                if !inst.has_option("--no-cache") && !inst.has_option("--no-network") && !removes("/var/cache/apk") =>
            {
                "the apk cache"
            }
            Manager::Yum
                if !runs(&["yum", "dnf", "microdnf"], "clean")
                    && !removes("/var/cache/yum")
                    && !removes("/var/cache/dnf") =>
            {
                "the yum cache"
            }
            Manager::Pip if uv && !inst.has_option("--no-cache") && !env.iter().any(|e| e == "UV_NO_CACHE") => {
                "the uv cache"
            }
            Manager::Pip
                if !uv
                    && !inst.has_option("--no-cache-dir")
                    && !env.iter().any(|e| e == "PIP_NO_CACHE_DIR")
                    && !removes("/root/.cache")
                    && !runs(&["pip", "pip3"], "purge") =>
            {
                "the pip cache"
            }
            _ => continue,
        };
        if !left.contains(&item) {
            left.push(item);
        }
    }
    left
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose_with, run};

    use crate::Image;

    fn messages(dockerfile: &str) -> Vec<String> {
        let project = from_compose_with(
            "services:\n  a:\n    build: .\n",
            &[("Dockerfile", dockerfile), (".dockerignore", ".git\n")],
        );
        run::<Image>(&project, "")
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.message)
            .collect()
    }

    #[test]
    fn the_official_alpine_pattern_leaves_no_cache() {
        let run = "FROM alpine:3.20\nRUN apk add --no-cache --virtual .build-deps gcc && make && scanelf --needed /usr/local | xargs -rt apk add --no-network --virtual .rundeps && apk del --no-network .build-deps\n";
        assert!(messages(run).is_empty(), "{:?}", messages(run));
        assert_eq!(messages("FROM alpine:3.20\nRUN apk add curl\n").len(), 1);
    }

    #[test]
    fn caches_left_behind() {
        let found = messages(
            "FROM python:3.11\nRUN apt-get update && apt-get install -y curl\nRUN pip install feast==0.36.0\nRUN apk add curl\n",
        );
        assert_eq!(
            found,
            [
                "`RUN apt-get update && apt-get install -y curl` leaves the apt lists in the layer",
                "`RUN pip install feast==0.36.0` leaves the pip cache in the layer",
                "`RUN apk add curl` leaves the apk cache in the layer",
            ]
        );
    }

    #[test]
    fn cleaned_caches_mounts_and_builder_stages_pass() {
        let found = messages(
            "FROM python:3.11 AS build\nRUN pip install x\nFROM python:3.11\nENV PIP_NO_CACHE_DIR=1\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\nRUN pip install y\nRUN --mount=type=cache,target=/root/.cache pip install z\nRUN apk add --no-cache curl\n",
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
