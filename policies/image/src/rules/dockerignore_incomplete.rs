//! `image/dockerignore-incomplete`: a `.dockerignore` that still lets `.git`, `.env`, virtualenvs,
//! `node_modules`, model weights or build output into the build context.

use plimsoll_sdk::model::Project;
use plimsoll_sdk::units::format_bytes;
use plimsoll_sdk::{Report, subject};

use crate::Settings;
use crate::common::{build_subject, context_users};

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags build contexts whose `.dockerignore` does not exclude entries that never belong in a
    /// build: `.git`, `node_modules`, virtualenvs, `.env*` files, model weights and build output.
    /// Contexts with no `.dockerignore` at all are reported by `dockerignore-missing` instead.
    ///
    /// ## Why is this bad?
    /// Everything the context holds is sent to the builder on every build and lands in the image
    /// with `COPY . .`: a `.git` directory leaks history, `.env` leaks secrets, a local virtualenv or
    /// `node_modules` built for the host's platform shadows the one installed in the image, and
    /// gigabytes of weights slow every build down.
    ///
    /// ## Example
    /// ```text
    /// # .dockerignore
    /// __pycache__
    /// ```
    /// while the context holds `.git/` and `.venv/`.
    ///
    /// ## Use instead
    /// ```text
    /// __pycache__
    /// .git
    /// .venv
    /// ```
    ///
    /// ## Settings
    /// - `ignore-kinds`: the kinds of entries that must be excluded (default `git`, `node-modules`,
    ///   `virtualenv`, `env-file`, `model-weights`, `build-output`).
    ///
    /// ## References
    /// - [Docker: .dockerignore files](https://docs.docker.com/build/concepts/context/#dockerignore-files)
    pub static RULE = {
        id: "dockerignore-incomplete",
        severity: Low,
        category: "image",
        summary: "`.dockerignore` lets `.git`, `.env`, virtualenvs or build output into the context",
    }
}

/// Report every context with a `.dockerignore` that still sends entries of `ignore-kinds`, at each
/// service building it, with the `.dockerignore` as related.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for (index, services) in context_users(project) {
        let Some(context) = project.contexts.get(index as usize) else { continue };
        let Some(dockerignore) = &context.dockerignore else { continue };
        let sent: Vec<_> = context
            .notable
            .iter()
            .filter(|n| !n.ignored && settings.ignore_kinds.iter().any(|k| k == &n.kind))
            .collect();
        if sent.is_empty() {
            continue;
        }
        let bytes: u64 = sent.iter().map(|n| n.bytes).sum();
        let mut names: Vec<String> = sent.iter().take(5).map(|n| format!("`{}` ({})", n.path, n.kind)).collect();
        if sent.len() > 5 {
            names.push(format!("{} more", sent.len() - 5));
        }
        for service in &services {
            report
                .add(
                    &RULE,
                    build_subject(service),
                    format!(
                        "`{dockerignore}` does not exclude {} from build context `{}` ({})",
                        names.join(", "),
                        context.path,
                        format_bytes(bytes)
                    ),
                )
                .help(format!(
                    "add {} to `{dockerignore}`",
                    sent.iter().take(5).map(|n| format!("`{}`", n.path)).collect::<Vec<_>>().join(", ")
                ))
                .related(subject::file(dockerignore.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose_with, run};

    use crate::Image;

    #[test]
    fn entries_the_dockerignore_forgets() {
        let project = from_compose_with(
            "services:\n  a:\n    build: .\n",
            &[
                ("Dockerfile", "FROM scratch\n"),
                (".dockerignore", "__pycache__\n.git\n"),
                (".git/HEAD", "ref\n"),
                (".venv/pyvenv.cfg", "home = /usr\n"),
                ("node_modules/x/index.js", "1\n"),
            ],
        );
        let findings: Vec<_> =
            run::<Image>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).collect();
        assert_eq!(findings.len(), 1, "{findings:?}");
        let message = &findings[0].message;
        assert!(message.starts_with("`.dockerignore` does not exclude "), "{message}");
        assert!(
            message.contains("`.venv` (virtualenv)") && message.contains("`node_modules` (node-modules)"),
            "{message}"
        );
        assert!(!message.contains(".git`"), "{message}");
    }

    #[test]
    fn silent_when_everything_is_excluded() {
        let project = from_compose_with(
            "services:\n  a:\n    build: .\n",
            &[("Dockerfile", "FROM scratch\n"), (".dockerignore", ".venv\n"), (".venv/pyvenv.cfg", "home = /usr\n")],
        );
        assert!(run::<Image>(&project, "").iter().all(|f| f.rule != super::RULE.id));
    }
}
