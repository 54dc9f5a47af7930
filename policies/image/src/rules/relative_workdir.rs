//! `image/relative-workdir`: a relative `WORKDIR`, or a `RUN cd …` that changes nothing.

use plimsoll_sdk::model::Project;
use plimsoll_sdk::query::program;
use plimsoll_sdk::{Report, subject};

use crate::Settings;
use crate::common::short;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags `WORKDIR` with a relative path (`WORKDIR app`), and a `RUN` whose last command is
    /// `cd` (`RUN cd /app`, `RUN make && cd /srv`): the directory change ends with the `RUN`.
    /// A `cd` followed by the commands it is for (`RUN cd /src && make`) is fine and not reported.
    /// Paths starting with a variable (`WORKDIR $HOME/app`) are taken as absolute.
    ///
    /// ## Why is this bad?
    /// A relative `WORKDIR` is resolved against the previous one, which depends on the base image
    /// (and changes when it does): the same Dockerfile ends up in `/app` or `/usr/src/app/app`. A
    /// trailing `cd` looks like it sets the directory for the next instructions but does nothing.
    ///
    /// ## Example
    /// ```dockerfile
    /// WORKDIR app
    /// RUN cd /srv
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// WORKDIR /srv/app
    /// ```
    ///
    /// ## References
    /// - [hadolint DL3000](https://github.com/hadolint/hadolint/wiki/DL3000)
    /// - [Docker build checks: WorkdirRelativePath](https://docs.docker.com/reference/build-checks/workdir-relative-path/)
    pub static RULE = {
        id: "relative-workdir",
        severity: Low,
        category: "image",
        summary: "relative `WORKDIR` or a `RUN cd` that changes nothing",
    }
}

/// Whether a `WORKDIR` path is absolute (Unix, Windows drive, or starting with a variable).
fn is_absolute(path: &str) -> bool {
    let p = path.trim_matches(['"', '\'']);
    p.starts_with('/') || p.starts_with('$') || p.starts_with('\\') || p.chars().nth(1) == Some(':')
}

/// Report each relative `WORKDIR` and each `RUN` that ends with `cd`.
pub fn check(project: &Project, _settings: &Settings, report: &mut Report) {
    for (df_index, dockerfile) in project.dockerfiles.iter().enumerate() {
        for (index, instruction) in dockerfile.instructions.iter().enumerate() {
            let at = subject::instruction(df_index as u32, index as u32);
            match instruction.keyword.as_str() {
                "WORKDIR" => {
                    let Some(path) = instruction.arguments.first() else { continue };
                    if is_absolute(path) {
                        continue;
                    }
                    report
                        .add(&RULE, at, format!("`WORKDIR {path}` in `{}` is relative to the base image's directory", dockerfile.path))
                        .help(format!("use an absolute path, e.g. `WORKDIR /{path}`"));
                }
                "RUN" if instruction.heredocs.is_empty() => {
                    let last = instruction.commands.last().and_then(program);
                    if last.is_some_and(|(_, p)| p == "cd") {
                        report
                            .add(&RULE, at, format!("`{}` ends with `cd`, which no later instruction sees", short(&instruction.text)))
                            .help("set the directory with `WORKDIR /path`");
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose_with, run};

    use crate::Image;

    #[test]
    fn relative_paths_and_trailing_cd() {
        let project = from_compose_with(
            "services:\n  a:\n    build: .\n",
            &[
                ("Dockerfile", "FROM debian:12\nWORKDIR app\nWORKDIR /srv\nWORKDIR $HOME/x\nRUN cd /tmp\nRUN cd /src && make\nRUN make && cd /out\n"),
                (".dockerignore", ".git\n"),
            ],
        );
        let found: Vec<String> =
            run::<Image>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).map(|f| f.message).collect();
        assert_eq!(
            found,
            [
                "`WORKDIR app` in `Dockerfile` is relative to the base image's directory",
                "`RUN cd /tmp` ends with `cd`, which no later instruction sees",
                "`RUN make && cd /out` ends with `cd`, which no later instruction sees",
            ]
        );
    }
}
