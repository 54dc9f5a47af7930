//! `image/apt-no-install-recommends`: `apt-get install` that also pulls in recommended packages.

use plimsoll_sdk::model::Project;
use plimsoll_sdk::query::{Manager, install};
use plimsoll_sdk::{Report, subject};

use crate::Settings;
use crate::common::short;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags `apt-get install` (and `apt install`) without `--no-install-recommends`, unless the
    /// Dockerfile turns recommends off with `APT::Install-Recommends` (an apt.conf entry or `-o`).
    ///
    /// ## Why is this bad?
    /// By default apt also installs every *recommended* package: `apt-get install python3-pip`
    /// brings in a compiler toolchain, documentation and X11 libraries. Images grow by hundreds of
    /// megabytes and carry more software to patch.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y curl
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
    /// - [hadolint DL3015](https://github.com/hadolint/hadolint/wiki/DL3015)
    /// - [Docker: apt-get best practices](https://docs.docker.com/build/building/best-practices/#apt-get)
    pub static RULE = {
        id: "apt-no-install-recommends",
        severity: Low,
        category: "image",
        summary: "`apt-get install` without `--no-install-recommends`",
    }
}

/// Report every `RUN` with an apt install that does not turn recommends off.
pub fn check(project: &Project, _settings: &Settings, report: &mut Report) {
    for (df_index, dockerfile) in project.dockerfiles.iter().enumerate() {
        if dockerfile.instructions.iter().any(|i| i.keyword == "RUN" && i.text.contains("Install-Recommends")) {
            continue; // configured globally (apt.conf) or per command with `-o APT::Install-Recommends=false`
        }
        for (index, instruction) in dockerfile.instructions.iter().enumerate() {
            if instruction.keyword != "RUN" {
                continue;
            }
            let missing = instruction.commands.iter().filter_map(install).any(|inst| {
                inst.manager == Manager::Apt
                    && !inst.has_option("--no-install-recommends")
                    && inst.packages().next().is_some()
            });
            if missing {
                report
                    .add(
                        &RULE,
                        subject::instruction(df_index as u32, index as u32),
                        format!("`{}` installs recommended packages too", short(&instruction.text)),
                    )
                    .help("add `--no-install-recommends` to `apt-get install`");
            }
        }
    }
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
    fn installs_without_the_flag() {
        assert_eq!(
            count(
                "FROM debian:12\nRUN apt-get update && apt-get install -y curl\nRUN apt-get install -y --no-install-recommends git\n"
            ),
            1
        );
        assert_eq!(
            count(
                "FROM debian:12\nRUN echo 'APT::Install-Recommends \"0\";' > /etc/apt/apt.conf.d/no-rec\nRUN apt-get install -y curl\n"
            ),
            0
        );
    }
}
