//! `image/maintainer-deprecated`: the deprecated `MAINTAINER` instruction.

use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, subject};

use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags `MAINTAINER` instructions.
    ///
    /// ## Why is this bad?
    /// `MAINTAINER` has been deprecated since Docker 1.13: it sets a legacy field that tools no
    /// longer show, and `docker build --check` warns about it. A label is read by registries,
    /// scanners and `docker inspect` alike.
    ///
    /// ## Example
    /// ```dockerfile
    /// MAINTAINER Jane Doe <jane@example.com>
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// LABEL org.opencontainers.image.authors="Jane Doe <jane@example.com>"
    /// ```
    ///
    /// ## References
    /// - [hadolint DL4000](https://github.com/hadolint/hadolint/wiki/DL4000)
    /// - [Docker build checks: MaintainerDeprecated](https://docs.docker.com/reference/build-checks/maintainer-deprecated/)
    pub static RULE = {
        id: "maintainer-deprecated",
        severity: Info,
        category: "image",
        summary: "`MAINTAINER` is deprecated",
    }
}

/// Report each `MAINTAINER` instruction.
pub fn check(project: &Project, _settings: &Settings, report: &mut Report) {
    for (df_index, dockerfile) in project.dockerfiles.iter().enumerate() {
        for (index, instruction) in dockerfile.instructions.iter().enumerate() {
            if instruction.keyword != "MAINTAINER" {
                continue;
            }
            let who = instruction.arguments.join(" ");
            report
                .add(
                    &RULE,
                    subject::instruction(df_index as u32, index as u32),
                    format!("`MAINTAINER` in `{}` is deprecated", dockerfile.path),
                )
                .help(format!("use `LABEL org.opencontainers.image.authors=\"{who}\"`"));
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose_with, run};

    use crate::Image;

    #[test]
    fn maintainer_is_reported() {
        let project = from_compose_with(
            "services:\n  a:\n    build: .\n",
            &[("Dockerfile", "FROM debian:12\nMAINTAINER Jane <j@example.com>\nLABEL maintainer=jane\n"), (".dockerignore", ".git\n")],
        );
        let found: Vec<_> = run::<Image>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).collect();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].message, "`MAINTAINER` in `Dockerfile` is deprecated");
    }
}
