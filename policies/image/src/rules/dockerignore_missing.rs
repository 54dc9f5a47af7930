//! `image/dockerignore-missing`: a build context without a `.dockerignore`.

use plimsoll_sdk::Report;
use plimsoll_sdk::model::{ContextKind, Project};
use plimsoll_sdk::units::format_bytes;

use crate::Settings;
use crate::common::{build_subject, context_users, plural};

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags build contexts (directories a service builds from) that have no `.dockerignore`, neither
    /// `<Dockerfile>.dockerignore` nor one at the context root. Reported at every service that builds it.
    ///
    /// ## Why is this bad?
    /// Without a `.dockerignore`, `docker build` sends the whole directory to the builder: `.git`,
    /// `node_modules`, virtualenvs, local `.env` files, datasets and model weights. Builds get slow,
    /// every file change busts the cache of `COPY . .`, and secrets end up in image layers.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     build: ./api   # ./api has no .dockerignore
    /// ```
    ///
    /// ## Use instead
    /// Add `./api/.dockerignore`:
    /// ```text
    /// .git
    /// .env*
    /// .venv
    /// node_modules
    /// __pycache__
    /// ```
    ///
    /// ## Settings
    /// None.
    ///
    /// ## References
    /// - [Docker: .dockerignore files](https://docs.docker.com/build/concepts/context/#dockerignore-files)
    pub static RULE = {
        id: "dockerignore-missing",
        severity: Medium,
        category: "image",
        summary: "build context has no `.dockerignore`",
    }
}

/// Report every directory context that services build without a `.dockerignore`.
pub fn check(project: &Project, _settings: &Settings, report: &mut Report) {
    for (index, services) in context_users(project) {
        let Some(context) = project.contexts.get(index as usize) else { continue };
        if context.kind != ContextKind::Directory || context.dockerignore.is_some() {
            continue;
        }
        let mut sent: Vec<String> = context
            .notable
            .iter()
            .filter(|n| !n.ignored && n.kind != "large-file")
            .map(|n| format!("`{}`", n.path))
            .collect();
        sent.truncate(4);
        let what = if sent.is_empty() { String::new() } else { format!(", including {}", sent.join(", ")) };
        for service in &services {
            report
                .add(
                    &RULE,
                    build_subject(service),
                    format!(
                        "build context `{}` of service `{}` has no `.dockerignore`: it sends {} ({}){what}",
                        context.path,
                        service.name,
                        plural(context.file_count, "file"),
                        format_bytes(context.bytes)
                    ),
                )
                .help(format!(
                    "add `{}/.dockerignore` excluding `.git`, `.env*`, virtualenvs, `node_modules` and build output",
                    context.path
                ));
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::Subject;
    use plimsoll_sdk::testkit::{from_compose_with, run};

    use crate::Image;

    #[test]
    fn reported_at_every_service_building_a_context_without_dockerignore() {
        let project = from_compose_with(
            "services:\n  a:\n    build: ./api\n  b:\n    build: ./api\n  c:\n    build: ./web\n",
            &[
                ("api/Dockerfile", "FROM scratch\n"),
                ("api/.env", "X=1\n"),
                ("web/Dockerfile", "FROM scratch\n"),
                ("web/.dockerignore", ".git\n"),
            ],
        );
        let findings: Vec<_> =
            run::<Image>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).collect();
        assert_eq!(findings.len(), 2, "{findings:?}");
        assert!(
            findings[0]
                .message
                .starts_with("build context `api` of service `a` has no `.dockerignore`: it sends 2 files")
        );
        assert!(findings[0].message.ends_with("including `.env`"), "{}", findings[0].message);
        assert_eq!(
            findings[0].subject,
            Subject::Compose(["services", "a", "build", "context"].map(String::from).to_vec())
        );
    }
}
