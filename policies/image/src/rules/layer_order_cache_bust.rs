//! `image/layer-order-cache-bust`: `COPY . .` before the dependency install, so every source change
//! reinstalls every dependency.

use plimsoll_sdk::model::{Instruction, Project};
use plimsoll_sdk::query::stage_chain;
use plimsoll_sdk::{Report, subject};

use crate::Settings;
use crate::common::starts_with_words;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags a `COPY`/`ADD` of the whole context (`COPY . .`) that comes, in the same stage, before
    /// the command installing dependencies from a manifest (`pip install -r`, `npm ci`,
    /// `cargo build`, `go mod download`, …) when the manifest was not copied and installed first.
    /// A dependency layer before the copy — an install, or a prefetch such as `cargo chef cook`,
    /// `cargo fetch`, `pip download` or `go mod download`, in the stage or a stage it starts
    /// FROM — satisfies the rule: the later build step reuses it.
    ///
    /// ## Why is this bad?
    /// Docker reuses a layer only while everything before it is unchanged. With the whole source
    /// copied first, editing any file invalidates the install layer: every build downloads and
    /// compiles every dependency again, turning a 5-second rebuild into minutes.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY . /app
    /// RUN pip install -r requirements.txt
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// COPY requirements.txt /app/
    /// RUN pip install -r requirements.txt
    /// COPY . /app
    /// ```
    ///
    /// ## Settings
    /// - `dependency-installs`: the install commands, as word prefixes (options between words are
    ///   skipped: `pip install -r` matches `pip install --no-cache-dir -r x`).
    /// - `dependency-prefetches`: commands that give the dependencies a layer of their own from the
    ///   copied manifests (`cargo chef cook`, `cargo fetch`, `pip download`, `go mod download`); a
    ///   stage that runs one before `COPY . .`, or starts FROM a stage that does, is not reported.
    ///
    /// ## References
    /// - [Docker: optimize cache usage](https://docs.docker.com/build/cache/optimize/)
    pub static RULE = {
        id: "layer-order-cache-bust",
        severity: Low,
        category: "image",
        summary: "`COPY . .` comes before the dependency install and busts its cache",
    }
}

/// Report the first broad copy of each stage that precedes its first dependency install.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for (df_index, dockerfile) in project.dockerfiles.iter().enumerate() {
        for stage in &dockerfile.stages {
            // A dependency layer built by a stage this one starts FROM already caches the dependencies.
            let inherited = stage_chain(dockerfile, stage).iter().skip(1).any(|s| {
                s.instructions
                    .iter()
                    .filter_map(|i| dockerfile.instructions.get(*i as usize))
                    .any(|i| dependency_install(i, settings).is_some() || dependency_prefetch(i, settings))
            });
            if inherited {
                continue;
            }
            let mut broad: Option<(u32, &Instruction)> = None;
            for index in &stage.instructions {
                let Some(instruction) = dockerfile.instructions.get(*index as usize) else { continue };
                if broad.is_none() && dependency_prefetch(instruction, settings) {
                    break; // `cargo chef cook`, `go mod download`, …: the dependencies have a layer of their own
                }
                if broad.is_none() && is_broad_copy(instruction) {
                    broad = Some((*index, instruction));
                    continue;
                }
                let Some(install) = dependency_install(instruction, settings) else { continue };
                if let Some((copy_index, copy)) = broad {
                    report
                        .add(
                            &RULE,
                            subject::instruction(df_index as u32, copy_index),
                            format!(
                                "`{}` comes before `{install}`: every source change reinstalls the dependencies",
                                copy.text
                            ),
                        )
                        .related(subject::instruction(df_index as u32, *index))
                        .help("copy only the dependency manifests first, install, then copy the rest of the source");
                }
                // Only the first install of a stage matters: later ones (`pip install -e .`) need the source.
                break;
            }
        }
    }
}

/// `COPY . x` / `ADD . x` from the context.
fn is_broad_copy(instruction: &Instruction) -> bool {
    if !matches!(instruction.keyword.as_str(), "COPY" | "ADD") || instruction.flags.iter().any(|f| f.name == "from") {
        return false;
    }
    let Some((_, sources)) = instruction.arguments.split_last() else { return false };
    sources.iter().any(|s| matches!(s.as_str(), "." | "./" | "*" | "./*"))
}

/// The dependency install a `RUN` performs, as written.
/// Whether a `RUN` only fetches or builds the dependencies from copied manifests (`cargo chef cook`,
/// `cargo fetch`, `pip download`, `go mod download`).
fn dependency_prefetch(instruction: &Instruction, settings: &Settings) -> bool {
    instruction.keyword == "RUN"
        && instruction
            .commands
            .iter()
            .any(|c| settings.dependency_prefetches.iter().any(|p| starts_with_words(&c.words, p)))
}

fn dependency_install(instruction: &Instruction, settings: &Settings) -> Option<String> {
    if instruction.keyword != "RUN" {
        return None;
    }
    instruction.commands.iter().find_map(|c| {
        settings.dependency_installs.iter().any(|p| starts_with_words(&c.words, p)).then(|| c.words.join(" "))
    })
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
    fn copy_all_before_install() {
        assert_eq!(
            messages(
                "FROM python:3.11-slim\nWORKDIR /app\nCOPY . /app\nRUN pip install --no-cache-dir -r requirements.txt\n"
            ),
            [
                "`COPY . /app` comes before `pip install --no-cache-dir -r requirements.txt`: every source change reinstalls the dependencies"
            ]
        );
    }

    #[test]
    fn dependency_layers_before_the_copy_are_fine() {
        let chef = "FROM rust:1.80 AS chef\nRUN cargo install cargo-chef\nFROM chef AS planner\nCOPY . .\nRUN cargo chef prepare --recipe-path recipe.json\nFROM chef AS builder\nCOPY --from=planner /app/recipe.json recipe.json\nRUN cargo chef cook --release --recipe-path recipe.json\nCOPY . .\nRUN cargo build --release\n";
        assert!(messages(chef).is_empty(), "{:?}", messages(chef));
        let go = "FROM golang:1.22\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build ./...\n";
        assert!(messages(go).is_empty());
        let pip = "FROM python:3.12 AS deps\nCOPY requirements.txt .\nRUN pip download -r requirements.txt -d /wheels\nFROM deps\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt\n";
        assert!(messages(pip).is_empty());
        let fetch = "FROM rust:1.80\nCOPY Cargo.toml Cargo.lock ./\nRUN cargo fetch --locked\nCOPY . .\nRUN cargo build --release\n";
        assert!(messages(fetch).is_empty());
        // Without the dependency layer, the same build is reported.
        assert_eq!(messages("FROM rust:1.80\nCOPY . .\nRUN cargo build --release\n").len(), 1);
    }

    #[test]
    fn manifest_first_is_fine() {
        assert!(messages("FROM node:20\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n").is_empty());
        assert!(
            messages("FROM python:3.11\nCOPY r.txt .\nRUN pip install -r r.txt\nCOPY . .\nRUN pip install -e .\n")
                .is_empty()
        );
    }
}
