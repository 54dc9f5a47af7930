//! `image/add-instead-of-copy`: `ADD` used to copy local files.

use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, subject};

use crate::Settings;
use crate::common::short;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags `ADD` instructions whose sources are all local files or directories. `ADD` of a URL, a
    /// Git repository, or a local tar archive (which `ADD` extracts) is left alone.
    ///
    /// ## Why is this bad?
    /// `ADD` does more than copy: it fetches URLs and unpacks archives. Using it for plain files
    /// hides which of those behaviours is intended, and a source renamed to `.tar.gz` later is
    /// silently extracted instead of copied. `COPY` says exactly what happens.
    ///
    /// ## Example
    /// ```dockerfile
    /// ADD . /app
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// COPY . /app
    /// ```
    ///
    /// ## Settings
    /// None.
    ///
    /// ## References
    /// - [hadolint DL3020](https://github.com/hadolint/hadolint/wiki/DL3020)
    /// - [Docker: ADD or COPY](https://docs.docker.com/build/building/best-practices/#add-or-copy)
    pub static RULE = {
        id: "add-instead-of-copy",
        severity: Low,
        category: "image",
        summary: "`ADD` used for local files instead of `COPY`",
    }
}

const ARCHIVES: &[&str] =
    &[".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tbz2", ".tar.xz", ".txz", ".tar.zst", ".gz", ".bz2", ".xz"];

/// Report every `ADD` of only local, non-archive sources.
pub fn check(project: &Project, _settings: &Settings, report: &mut Report) {
    for (df_index, dockerfile) in project.dockerfiles.iter().enumerate() {
        for (index, instruction) in dockerfile.instructions.iter().enumerate() {
            if instruction.keyword != "ADD" || !instruction.heredocs.is_empty() {
                continue;
            }
            if instruction.flags.iter().any(|f| matches!(f.name.as_str(), "checksum" | "keep-git-dir")) {
                continue;
            }
            let Some((_, sources)) = instruction.arguments.split_last() else { continue };
            let local = !sources.is_empty()
                && sources.iter().all(|s| {
                    let lower = s.to_ascii_lowercase();
                    !lower.contains("://")
                        && !lower.starts_with("git@")
                        && !lower.contains('$')
                        && !ARCHIVES.iter().any(|a| lower.ends_with(a))
                });
            if local {
                report
                    .add(
                        &RULE,
                        subject::instruction(df_index as u32, index as u32),
                        format!("`{}` copies local files with `ADD`", short(&instruction.text)),
                    )
                    .help("use `COPY`; keep `ADD` for URLs and archives it should extract");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose_with, run};

    use crate::Image;

    #[test]
    fn local_adds_only() {
        let project = from_compose_with(
            "services:\n  a:\n    build: .\n",
            &[
                (
                    "Dockerfile",
                    "FROM debian:12\nADD . /app\nADD https://example.com/x.sh /x.sh\nADD rootfs.tar.gz /\nCOPY . /b\n",
                ),
                (".dockerignore", ".git\n"),
            ],
        );
        let found: Vec<_> =
            run::<Image>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).collect();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].message, "`ADD . /app` copies local files with `ADD`");
    }
}
