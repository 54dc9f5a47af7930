//! `security/sudo-in-run`: `sudo` in a Dockerfile `RUN`.

use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, subject};

use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags Dockerfile `RUN` instructions that call `sudo` (also after `VAR=x` assignments, in any
    /// command of the script).
    ///
    /// ## Why is this bad?
    /// A build runs as root until a `USER` says otherwise, so `sudo` is not needed there; after a
    /// `USER`, `sudo` only works if the image keeps a passwordless sudoers entry, which lets any
    /// process in the running container become root again. It also brings TTY and signal
    /// handling quirks into the build.
    ///
    /// ## Example
    /// ```dockerfile
    /// USER app
    /// RUN sudo apt-get install -y curl
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// USER root
    /// RUN apt-get install -y --no-install-recommends curl
    /// USER app
    /// ```
    /// or `gosu`/`su-exec` in an entrypoint that must drop privileges at run time.
    ///
    /// ## References
    /// - [hadolint DL3004](https://github.com/hadolint/hadolint/wiki/DL3004)
    pub static RULE = {
        id: "sudo-in-run",
        severity: Medium,
        category: "security",
        summary: "`sudo` in a `RUN` instruction",
    }
}

/// Report each `RUN` whose script calls `sudo`, once.
pub fn check(project: &Project, _settings: &Settings, report: &mut Report) {
    for (df_index, dockerfile) in project.dockerfiles.iter().enumerate() {
        for (index, instruction) in dockerfile.instructions.iter().enumerate() {
            if instruction.keyword != "RUN" {
                continue;
            }
            let sudo = instruction.commands.iter().find_map(|c| {
                let at = c.words.iter().position(|w| !w.contains('=') || w.starts_with('-'))?;
                let word = c.words[at].rsplit('/').next().unwrap_or_default();
                (word == "sudo").then(|| c.words.get(at + 1).map(|next| format!("sudo {next}")).unwrap_or_else(|| "sudo".into()))
            });
            let Some(sudo) = sudo else { continue };
            report
                .add(
                    &RULE,
                    subject::instruction(df_index as u32, index as u32),
                    format!("`{sudo}` in `{}`: the build needs no `sudo`", dockerfile.path),
                )
                .help("switch with `USER root` for the step and back to the app user after it; drop `sudo` from the image");
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose_with, run};

    use crate::Security;

    #[test]
    fn sudo_anywhere_in_the_script() {
        let project = from_compose_with(
            "services:\n  a:\n    build: .\n",
            &[(
                "Dockerfile",
                "FROM ubuntu:24.04\nRUN apt-get update && sudo apt-get install -y curl\nRUN DEBIAN_FRONTEND=noninteractive /usr/bin/sudo -E make install\nRUN echo sudo is not run here\nRUN apt-get install -y sudo\nUSER app\n",
            )],
        );
        let found: Vec<String> =
            run::<Security>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).map(|f| f.message).collect();
        assert_eq!(
            found,
            [
                "`sudo apt-get` in `Dockerfile`: the build needs no `sudo`",
                "`sudo -E` in `Dockerfile`: the build needs no `sudo`",
            ]
        );
    }
}
