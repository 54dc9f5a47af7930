//! `image/build-tools-in-final-stage`: compilers, `build-essential`, `*-dev` packages or a CUDA
//! `-devel` base in the stage chain that becomes the shipped image.

use std::collections::BTreeSet;

use plimsoll_sdk::model::{Dockerfile, Project, SimpleCommand, StageBase};
use plimsoll_sdk::query::{Manager, glob_match, install, operands, program, stage_chain, subcommand};
use plimsoll_sdk::{Report, subject};

use crate::Settings;
use crate::common::shipped_stages;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags build tools in the image that ships: system packages such as `build-essential`, `gcc`,
    /// `make`, `*-dev` headers installed in the final stage or in a stage it is built `FROM`, and a
    /// CUDA `-devel` base image. The final stage is the service's `build.target`, else the last
    /// stage. Tools installed in builder stages that are only copied from are fine, and so are
    /// packages removed again (`apt-get purge`, `apk del .build-deps`, `apt-mark auto` with
    /// `apt-get purge --auto-remove`).
    ///
    /// ## Why is this bad?
    /// Compilers and headers add hundreds of megabytes (a CUDA `-devel` image is 3–4 GB larger than
    /// `-runtime`), slow every pull and deployment, and give an attacker who gets a shell in the
    /// container a toolchain to build exploits with.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM nvidia/cuda:12.1.0-devel-ubuntu22.04
    /// RUN apt-get update && apt-get install -y build-essential python3-pip
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// FROM nvidia/cuda:12.1.0-devel-ubuntu22.04 AS build
    /// RUN apt-get update && apt-get install -y build-essential python3-pip && pip wheel -w /wheels .
    ///
    /// FROM nvidia/cuda:12.1.0-runtime-ubuntu22.04
    /// COPY --from=build /wheels /wheels
    /// ```
    ///
    /// ## Settings
    /// - `build-packages`: package globs that are build tools (default `build-essential`, `gcc*`,
    ///   `g++*`, `clang*`, `make`, `cmake`, `*-dev`, `*-devel`, `build-base`, `musl-dev`, …).
    /// - `build-base-tags`: base image tag globs that carry a toolchain (default `*-devel`, `*-devel-*`).
    ///
    /// ## References
    /// - [Docker: multi-stage builds](https://docs.docker.com/build/building/multi-stage/)
    /// - [NVIDIA CUDA images: base, runtime, devel](https://hub.docker.com/r/nvidia/cuda)
    pub static RULE = {
        id: "build-tools-in-final-stage",
        severity: Medium,
        category: "image",
        summary: "compilers, `-dev` packages or a `-devel` base end up in the final image",
    }
}

/// Report build-tool installs and `-devel` bases in the shipped stage chains, once per instruction.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for (df_index, dockerfile) in project.dockerfiles.iter().enumerate() {
        let shipped = shipped_stages(project, df_index as u32);
        let final_names = final_stage_names(dockerfile, &shipped);
        let removed = removed_packages(dockerfile, &shipped);
        for stage in dockerfile.stages.iter().filter(|s| shipped.contains(&s.index)) {
            if let StageBase::Image(image) = &stage.base
                && let Some(tag) = &image.tag
                && settings.build_base_tags.iter().any(|p| glob_match(p, tag))
            {
                report
                    .add(
                        &RULE,
                        subject::instruction(df_index as u32, stage.from_instruction),
                        format!(
                            "final image ({final_names}) is built on `{}`, a `-devel` image with the full toolchain",
                            image.raw
                        ),
                    )
                    .help("build in a `-devel` stage and copy the result into a `-runtime` or slim base");
            }
            for index in &stage.instructions {
                let Some(instruction) = dockerfile.instructions.get(*index as usize) else { continue };
                if instruction.keyword != "RUN" {
                    continue;
                }
                let mut tools: Vec<String> = Vec::new();
                if purges_auto_installed(&instruction.commands) {
                    continue; // `apt-mark auto` + `apt-get purge --auto-remove`: installed for this RUN only
                }
                for command in &instruction.commands {
                    let Some(inst) = install(command) else { continue };
                    if !matches!(inst.manager, Manager::Apt | Manager::Apk | Manager::Yum) {
                        continue;
                    }
                    let virtual_name = inst.option_value(&["--virtual", "-t"]);
                    if virtual_name.is_some_and(|v| removed.contains(v)) {
                        continue;
                    }
                    for package in inst.packages() {
                        if Some(package) == virtual_name
                            || removed.contains(package)
                            || tools.iter().any(|t| t == package)
                            || !settings.build_packages.iter().any(|p| glob_match(p, package))
                        {
                            continue;
                        }
                        tools.push(package.to_string());
                    }
                }
                if tools.is_empty() {
                    continue;
                }
                let names: Vec<String> = tools.iter().map(|t| format!("`{t}`")).collect();
                let is_ancestor = dockerfile
                    .stages
                    .iter()
                    .any(|o| shipped.contains(&o.index) && matches!(o.base, StageBase::Stage(p) if p == stage.index));
                let via = match &stage.name {
                    Some(name) if is_ancestor => format!(" from stage `{name}`"),
                    _ => String::new(),
                };
                report
                    .add(
                        &RULE,
                        subject::instruction(df_index as u32, *index),
                        format!("final image ({final_names}) keeps build tools {}{via}", names.join(", ")),
                    )
                    .help("install build tools in a builder stage and `COPY --from` only the artifacts, or purge them in the same `RUN`");
            }
        }
    }
}

/// `stage `api`` / `stages `api`, `worker``: the stages that ship, named for messages.
fn final_stage_names(dockerfile: &Dockerfile, shipped: &BTreeSet<u32>) -> String {
    let finals: Vec<String> = dockerfile
        .stages
        .iter()
        .filter(|s| shipped.contains(&s.index))
        .filter(|s| {
            // A final stage is one no other shipped stage is built FROM.
            !dockerfile
                .stages
                .iter()
                .any(|o| shipped.contains(&o.index) && matches!(o.base, StageBase::Stage(p) if p == s.index))
        })
        .map(|s| s.name.clone().map(|n| format!("`{n}`")).unwrap_or_else(|| format!("#{}", s.index)))
        .collect();
    let plural = if finals.len() > 1 { "stages" } else { "stage" };
    format!("{plural} {}", finals.join(", "))
}

/// Packages (and apk virtual names) removed again in the shipped stages.
fn removed_packages(dockerfile: &Dockerfile, shipped: &BTreeSet<u32>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for stage in dockerfile.stages.iter().filter(|s| shipped.contains(&s.index)) {
        for chain_stage in stage_chain(dockerfile, stage) {
            for index in &chain_stage.instructions {
                let Some(instruction) = dockerfile.instructions.get(*index as usize) else { continue };
                for command in &instruction.commands {
                    out.extend(removals(command));
                }
            }
        }
    }
    out
}

fn removals(command: &SimpleCommand) -> Vec<String> {
    let Some(sub) = subcommand(command) else { return Vec::new() };
    let removes = match sub.program {
        "apt-get" | "apt" => matches!(sub.name, "remove" | "purge" | "autoremove"),
        "apk" => sub.name == "del",
        "yum" | "dnf" | "microdnf" | "tdnf" => matches!(sub.name, "remove" | "erase"),
        _ => false,
    };
    if !removes {
        return Vec::new();
    }
    operands(sub.program, sub.args).into_iter().map(|w| w.trim_end_matches('*').to_string()).collect()
}

/// Whether a `RUN` removes what it installed with apt's auto-removal (`apt-mark auto …` followed by
/// `apt-get purge --auto-remove` or `apt-get autoremove`), as the official images do.
fn purges_auto_installed(commands: &[SimpleCommand]) -> bool {
    let runs = |prog: &str, word: &str| {
        commands
            .iter()
            .any(|c| program(c).is_some_and(|(at, p)| p == prog && c.words[at + 1..].iter().any(|w| w == word)))
    };
    let purges = commands.iter().filter_map(subcommand).any(|sub| {
        matches!(sub.program, "apt-get" | "apt")
            && (sub.name == "autoremove"
                || (matches!(sub.name, "purge" | "remove")
                    && sub.options.iter().chain(sub.args).any(|w| w == "--auto-remove" || w == "--autoremove")))
    });
    runs("apt-mark", "auto") && purges
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose_with, run};

    use crate::Image;

    fn findings(compose: &str, dockerfile: &str) -> Vec<String> {
        let project = from_compose_with(compose, &[("Dockerfile", dockerfile), (".dockerignore", ".git\n")]);
        run::<Image>(&project, "")
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.message)
            .collect()
    }

    #[test]
    fn inherited_from_the_base_stage_of_the_target() {
        let dockerfile = "FROM python:3.11-slim AS base\nRUN apt-get install -y --no-install-recommends build-essential libgomp1\nFROM base AS api\nUSER app\nFROM python:3.11-slim AS other\n";
        let found = findings("services:\n  api:\n    build: { context: ., target: api }\n", dockerfile);
        assert_eq!(found, ["final image (stage `api`) keeps build tools `build-essential` from stage `base`"]);
    }

    #[test]
    fn builder_stages_and_purged_tools_are_fine() {
        let dockerfile = "FROM rust:1.75 AS builder\nRUN apt-get install -y clang libclang-dev\nFROM debian:bookworm-slim\nRUN apk add --virtual .deps gcc musl-dev && apk del .deps\nRUN apt-get install -y gcc && apt-get purge -y gcc\nRUN saved=\"$(apt-mark showmanual)\"; apt-get install -y gcc libc6-dev; make; apt-mark auto '.*' > /dev/null; apt-get purge -y --auto-remove\nCOPY --from=builder /x /x\n";
        assert!(findings("services:\n  a:\n    build: .\n", dockerfile).is_empty());
        // The official images' pattern: `apt-mark showmanual | xargs apt-mark auto`, options first.
        let official = "FROM debian:bookworm-slim\nRUN savedAptMark=\"$(apt-mark showmanual)\"; apt-get update; apt-get install -y --no-install-recommends gcc libssl-dev; make; apt-mark showmanual | xargs apt-mark auto > /dev/null; apt-mark manual $savedAptMark; apt-get -y purge --auto-remove -o APT::AutoRemove::RecommendsImportant=false; rm -rf /var/lib/apt/lists/*\n";
        assert!(findings("services:\n  a:\n    build: .\n", official).is_empty());
    }

    #[test]
    fn devel_base_and_packages_in_a_single_stage() {
        let dockerfile =
            "FROM nvidia/cuda:12.1.0-devel-ubuntu22.04\nRUN apt-get install -y python3 build-essential git\n";
        let found = findings("services:\n  a:\n    build: .\n", dockerfile);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].contains("`nvidia/cuda:12.1.0-devel-ubuntu22.04`"));
        assert!(found[1].ends_with("keeps build tools `build-essential`"), "{}", found[1]);
    }
}
