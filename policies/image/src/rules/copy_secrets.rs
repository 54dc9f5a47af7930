//! `image/copy-secrets`: a `COPY`/`ADD` that sends `.env` files, keys or credentials from the build
//! context into the image.

use plimsoll_sdk::model::{Instruction, Project};
use plimsoll_sdk::query::glob_match;
use plimsoll_sdk::{Report, subject};

use crate::Settings;
use crate::common::contexts_of;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags `COPY` and `ADD` instructions whose sources cover a secret in the build context — a
    /// `.env` file, a private key — that `.dockerignore` does not exclude. Typically `COPY . /app`
    /// next to a local `.env`.
    ///
    /// ## Why is this bad?
    /// Whatever is copied is stored in an image layer forever, even if a later `RUN rm` deletes it.
    /// Anyone who can pull the image — a registry, a CI cache, a customer — can read the secret
    /// with `docker save` or `docker history`.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY . /app
    /// ```
    /// with `.env` in the context and no `.dockerignore` entry for it.
    ///
    /// ## Use instead
    /// Add `.env*` and `*.pem`/`*.key` to `.dockerignore`, copy only what the image needs
    /// (`COPY src/ /app/src/`), and pass secrets at run time (`env_file:`, `secrets:`) or at build
    /// time with `RUN --mount=type=secret`.
    ///
    /// ## Settings
    /// - `secret-kinds`: the kinds of context entries that are secrets (default `env-file`, `private-key`).
    ///
    /// ## References
    /// - [Docker: build secrets](https://docs.docker.com/build/building/secrets/)
    /// - [Trivy DS-0031](https://avd.aquasec.com/misconfig/ds031)
    pub static RULE = {
        id: "copy-secrets",
        severity: High,
        category: "image",
        summary: "`COPY`/`ADD` sends `.env` files, keys or credentials into the image",
    }
}

/// Report every `COPY`/`ADD` from the context that covers a secret entry of one of its contexts.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for (df_index, dockerfile) in project.dockerfiles.iter().enumerate() {
        let contexts = contexts_of(project, df_index as u32);
        for (i_index, instruction) in dockerfile.instructions.iter().enumerate() {
            let Some(sources) = context_sources(instruction) else { continue };
            let mut leaked: Vec<String> = Vec::new();
            let mut context_path = String::new();
            for context in contexts.iter().filter_map(|c| project.contexts.get(*c as usize)) {
                for entry in &context.notable {
                    if entry.ignored
                        || !settings.secret_kinds.iter().any(|k| k == &entry.kind)
                        || !sources.iter().any(|s| covers(s, &entry.path))
                        || leaked.contains(&entry.path)
                    {
                        continue;
                    }
                    leaked.push(entry.path.clone());
                    context_path.clone_from(&context.path);
                }
            }
            if leaked.is_empty() {
                continue;
            }
            let names: Vec<String> = leaked.iter().map(|p| format!("`{p}`")).collect();
            report
                .add(
                    &RULE,
                    subject::instruction(df_index as u32, i_index as u32),
                    format!(
                        "`{}` copies {} from build context `{context_path}` into the image",
                        instruction.text.lines().next().unwrap_or_default(),
                        names.join(", ")
                    ),
                )
                .help(format!(
                    "exclude {} in `.dockerignore` and pass secrets at run time (`env_file:`, `secrets:`) or with `RUN --mount=type=secret`",
                    names.join(", ")
                ));
        }
    }
}

/// The context paths a `COPY`/`ADD` reads (none for `--from`, heredocs and remote `ADD` sources).
fn context_sources(instruction: &Instruction) -> Option<Vec<String>> {
    if !matches!(instruction.keyword.as_str(), "COPY" | "ADD") || instruction.flags.iter().any(|f| f.name == "from") {
        return None;
    }
    let (_, sources) = instruction.arguments.split_last()?;
    let sources: Vec<String> = sources
        .iter()
        .filter(|s| !s.contains("://") && !s.starts_with("git@") && !s.starts_with("<<"))
        .map(|s| normalize(s))
        .collect();
    (!sources.is_empty()).then_some(sources)
}

fn normalize(source: &str) -> String {
    let mut s = source.trim();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    let s = s.trim_start_matches('/').trim_end_matches('/');
    if s == "." { String::new() } else { s.to_string() }
}

/// Whether a normalized source covers a context path (a directory covers what is below it).
fn covers(source: &str, path: &str) -> bool {
    if source.is_empty() || source == path || path.starts_with(&format!("{source}/")) {
        return true;
    }
    source.contains(['*', '?', '[']) && (glob_match(source, path) || glob_match(&format!("{source}/*"), path))
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose_with, run};

    use super::covers;
    use crate::Image;

    #[test]
    fn broad_copies_of_a_context_with_secrets() {
        let project = from_compose_with(
            "services:\n  a:\n    build: .\n",
            &[
                (
                    "Dockerfile",
                    "FROM python:3.12-slim\nCOPY requirements.txt .\nCOPY . /app\nCOPY --from=x . /y\nCOPY config/ /cfg\n",
                ),
                (".dockerignore", ".git\n"),
                (".env", "KEY=1\n"),
                ("config/deploy.pem", "-----BEGIN PRIVATE KEY-----\n"),
                (".env.example", "KEY=\n"),
            ],
        );
        let findings: Vec<_> = run::<Image>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).collect();
        assert_eq!(findings.len(), 2, "{findings:?}");
        assert!(findings[0].message.starts_with("`COPY . /app` copies "), "{}", findings[0].message);
        assert!(findings[0].message.contains("`.env`") && !findings[0].message.contains(".env.example"));
        assert_eq!(
            findings[1].message,
            "`COPY config/ /cfg` copies `config/deploy.pem` from build context `.` into the image"
        );
    }

    #[test]
    fn ignored_secrets_are_not_sent() {
        let project = from_compose_with(
            "services:\n  a:\n    build: .\n",
            &[
                ("Dockerfile", "FROM python:3.12-slim\nCOPY . /app\n"),
                (".dockerignore", ".env*\n"),
                (".env", "KEY=1\n"),
            ],
        );
        assert!(run::<Image>(&project, "").iter().all(|f| f.rule != super::RULE.id));
    }

    #[test]
    fn source_coverage() {
        assert!(covers("", ".env"));
        assert!(covers("app", "app/.env"));
        assert!(!covers("app", "apple/.env"));
        assert!(covers("*", "x/.env"));
        assert!(!covers("*.py", ".env"));
    }
}
