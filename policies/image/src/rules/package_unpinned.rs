//! `image/package-unpinned`: apt, apk, pip or npm installs that name packages without versions.

use plimsoll_sdk::model::Project;
use plimsoll_sdk::query::{Manager, install, operands};
use plimsoll_sdk::{Report, subject};

use crate::Settings;
use crate::common::short;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags `RUN` instructions that install named packages without a version: `apt-get install
    /// curl` (not `curl=7.88.1-10+deb12u5`), `apk add curl` (not `curl=8.9.0-r0`), `pip install
    /// flask` (not `flask==3.0.3`), `npm install -g pnpm` (not `pnpm@9.5.0`). Installs from a
    /// manifest or lock file (`pip install -r`, `npm ci`, a bare `npm install`), local paths,
    /// archives and URLs are pinned elsewhere and pass. It is a hygiene rule, reported at `info`
    /// by default: a digest-pinned base image and a lock file are often the better pin.
    ///
    /// ## Why is this bad?
    /// An unpinned install takes whatever the index has the day the image is built: two builds of
    /// the same commit differ, a new release can break the build or the app, and a compromised
    /// release is picked up automatically.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN pip install --no-cache-dir flask gunicorn
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// RUN pip install --no-cache-dir flask==3.0.3 gunicorn==22.0.0
    /// ```
    /// or a `requirements.txt` with pinned versions (and hashes).
    ///
    /// ## Settings
    /// - `unpinned-packages-allowed`: package names that need no pin (`pip`, `setuptools`, `ca-certificates`, …).
    ///
    /// ## References
    /// - [hadolint DL3008](https://github.com/hadolint/hadolint/wiki/DL3008), [DL3013](https://github.com/hadolint/hadolint/wiki/DL3013), [DL3016](https://github.com/hadolint/hadolint/wiki/DL3016), [DL3018](https://github.com/hadolint/hadolint/wiki/DL3018)
    pub static RULE = {
        id: "package-unpinned",
        severity: Info,
        category: "image",
        summary: "packages are installed without versions",
    }
}

/// Whether an install operand is pinned, or is not a package name (a path, an archive, a URL).
fn pinned(manager: Manager, operand: &str) -> bool {
    let scoped = manager == Manager::Npm && operand.starts_with('@');
    let not_a_name = (!scoped && operand.contains('/'))
        || operand.starts_with('.')
        || operand.contains("://")
        || operand.starts_with('$');
    let archive = [".deb", ".rpm", ".apk", ".whl", ".tar.gz", ".tgz", ".zip"].iter().any(|e| operand.ends_with(e));
    if not_a_name || archive {
        return true;
    }
    match manager {
        Manager::Apt | Manager::Apk | Manager::Yum => operand.contains(['=', '~', '<', '>']),
        Manager::Pip => operand.contains(['=', '<', '>', '~', '@']),
        Manager::Npm => operand.chars().skip(1).any(|c| c == '@'),
    }
}

/// The program name `operands` expects for a manager.
fn program_of(manager: Manager) -> &'static str {
    match manager {
        Manager::Apt => "apt-get",
        Manager::Apk => "apk",
        Manager::Yum => "dnf",
        Manager::Pip => "pip",
        Manager::Npm => "npm",
    }
}

/// Report each `RUN` that installs packages without versions, naming them.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for (df_index, dockerfile) in project.dockerfiles.iter().enumerate() {
        for (index, instruction) in dockerfile.instructions.iter().enumerate() {
            if instruction.keyword != "RUN" {
                continue;
            }
            let mut unpinned: Vec<String> = Vec::new();
            for inst in instruction.commands.iter().filter_map(install) {
                if inst.manager == Manager::Yum {
                    continue; // the catalog rule covers apt, apk, pip and npm
                }
                for operand in operands(program_of(inst.manager), inst.args) {
                    let name = operand.split(['=', '<', '>', '~', '[', '@']).next().unwrap_or(operand);
                    if operand.is_empty()
                        || pinned(inst.manager, operand)
                        || settings.unpinned_packages_allowed.iter().any(|a| a.eq_ignore_ascii_case(name))
                        || unpinned.iter().any(|u| u == operand)
                    {
                        continue;
                    }
                    unpinned.push(operand.clone());
                }
            }
            if unpinned.is_empty() {
                continue;
            }
            let shown: Vec<String> = unpinned.iter().take(5).map(|p| format!("`{p}`")).collect();
            let more = if unpinned.len() > 5 { format!(" and {} more", unpinned.len() - 5) } else { String::new() };
            report
                .add(
                    &RULE,
                    subject::instruction(df_index as u32, index as u32),
                    format!("`{}` installs {}{more} without a version", short(&instruction.text), shown.join(", ")),
                )
                .help("pin versions (`curl=7.88.1-10+deb12u5`, `flask==3.0.3`, `pnpm@9.5.0`) or install from a pinned lock file");
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose_with, run};

    use crate::Image;

    #[test]
    fn unpinned_names_are_listed() {
        let project = from_compose_with(
            "services:\n  a:\n    build: .\n",
            &[
                (
                    "Dockerfile",
                    "FROM python:3.12-slim\nRUN apt-get install -y --no-install-recommends curl=7.88.1-10 git ca-certificates\nRUN pip install --no-cache-dir flask==3.0.3 gunicorn -r requirements.txt ./local\nRUN npm install -g pnpm@9.5.0 @scope/tool typescript\nRUN npm ci && npm install\nRUN apk add --no-cache bash=5.2.26-r0\n",
                ),
                (".dockerignore", ".git\n"),
            ],
        );
        let found: Vec<String> =
            run::<Image>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).map(|f| f.message).collect();
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].ends_with("installs `git` without a version"), "{}", found[0]);
        assert!(found[1].ends_with("installs `gunicorn` without a version"), "{}", found[1]);
        assert!(found[2].ends_with("installs `@scope/tool`, `typescript` without a version"), "{}", found[2]);
    }
}
