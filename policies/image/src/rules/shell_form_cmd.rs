//! `image/shell-form-cmd`: `CMD`/`ENTRYPOINT` in shell form, so the app is not PID 1 and never sees
//! `SIGTERM`.

use plimsoll_sdk::model::{InstructionForm, Project};
use plimsoll_sdk::{Report, subject};

use crate::Settings;
use crate::common::short;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags `CMD` and `ENTRYPOINT` written in shell form (`CMD python app.py`) instead of exec form
    /// (`CMD ["python", "app.py"]`).
    ///
    /// ## Why is this bad?
    /// Shell form runs the command as `/bin/sh -c "…"`: the shell is PID 1 and does not forward
    /// signals, so `docker stop` waits its 10-second grace period and then kills the app with
    /// `SIGKILL` — no graceful shutdown, lost in-flight requests, unflushed writes. A shell-form
    /// `ENTRYPOINT` also ignores `CMD` and `command:` arguments.
    ///
    /// ## Example
    /// ```dockerfile
    /// CMD python /sim/main.py
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// CMD ["python", "/sim/main.py"]
    /// ```
    /// (or `exec` at the end of an entrypoint script).
    ///
    /// ## Settings
    /// None.
    ///
    /// ## References
    /// - [hadolint DL3025](https://github.com/hadolint/hadolint/wiki/DL3025)
    /// - [Docker build check JSONArgsRecommended](https://docs.docker.com/reference/build-checks/json-args-recommended/)
    pub static RULE = {
        id: "shell-form-cmd",
        severity: Low,
        category: "image",
        summary: "`CMD`/`ENTRYPOINT` in shell form: signals never reach the app",
    }
}

/// Report every shell-form `CMD` and `ENTRYPOINT`.
pub fn check(project: &Project, _settings: &Settings, report: &mut Report) {
    for (df_index, dockerfile) in project.dockerfiles.iter().enumerate() {
        for (index, instruction) in dockerfile.instructions.iter().enumerate() {
            if !matches!(instruction.keyword.as_str(), "CMD" | "ENTRYPOINT")
                || instruction.form != InstructionForm::Shell
            {
                continue;
            }
            let words: Vec<String> = instruction
                .arguments
                .iter()
                .flat_map(|a| a.split_whitespace())
                .map(|w| format!("\"{}\"", w.replace('"', "\\\"")))
                .collect();
            report
                .add(
                    &RULE,
                    subject::instruction(df_index as u32, index as u32),
                    format!(
                        "`{}` is in shell form: `/bin/sh` is PID 1 and the app never receives `SIGTERM`",
                        short(&instruction.text)
                    ),
                )
                .help(format!("use the exec form: `{} [{}]`", instruction.keyword, words.join(", ")));
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose_with, run};

    use crate::Image;

    #[test]
    fn shell_form_only() {
        let project = from_compose_with(
            "services:\n  a:\n    build: .\n",
            &[
                ("Dockerfile", "FROM python:3.11\nENTRYPOINT [\"tini\", \"--\"]\nCMD python /sim/main.py\n"),
                (".dockerignore", ".git\n"),
            ],
        );
        let found: Vec<_> = run::<Image>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).collect();
        assert_eq!(found.len(), 1);
        assert!(found[0].message.starts_with("`CMD python /sim/main.py` is in shell form"));
        assert_eq!(found[0].help.as_deref(), Some("use the exec form: `CMD [\"python\", \"/sim/main.py\"]`"));
    }
}
