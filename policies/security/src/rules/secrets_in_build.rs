//! `security/secrets-in-build`: secrets passed as build arguments or baked in with `ARG`/`ENV`.

use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, subject};

use crate::Settings;
use crate::common::{is_literal, is_trivial};

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags secrets that go into an image's build: compose `build.args` with a secret's name and
    /// a literal value or a known token, Dockerfile `ARG` instructions with a secret's name, and
    /// `ENV` instructions that set a secret's name or hold a known token.
    ///
    /// ## Why is this bad?
    /// Build arguments and `ENV` values are stored in the image: `docker history` shows build
    /// arguments used by `RUN`, and `docker inspect` shows every `ENV`. Anyone who can pull the
    /// image can read them, long after the secret was thought to be temporary.
    ///
    /// ## Example
    /// ```dockerfile
    /// ARG NPM_TOKEN
    /// RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// RUN --mount=type=secret,id=npm_token \
    ///     NPM_TOKEN=$(cat /run/secrets/npm_token) npm ci
    /// ```
    /// with `build: { secrets: [npm_token] }` in compose.
    ///
    /// ## Settings
    /// - `secret-names`: globs of secret variable names.
    /// - `token-formats`: known token formats.
    ///
    /// ## References
    /// - [Docker: build secrets](https://docs.docker.com/build/building/secrets/)
    /// - [Docker build check SecretsUsedInArgOrEnv](https://docs.docker.com/reference/build-checks/secrets-used-in-arg-or-env/)
    pub static RULE = {
        id: "secrets-in-build",
        severity: High,
        category: "security",
        summary: "secret in `build.args`, `ARG` or `ENV`",
    }
}

/// Report secret build args, `ARG`s and `ENV`s.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in &project.services {
        let Some(build) = &service.build else { continue };
        for arg in &build.args {
            let Some(value) = &arg.value else { continue };
            let what = if let Some(token) = settings.token_in(&arg.name, value) {
                format!("a literal {}", token.name)
            } else if settings.is_secret_name(&arg.name) && is_literal(value) && !is_trivial(value) {
                "a literal secret".to_string()
            } else {
                continue;
            };
            report
                .add(
                    &RULE,
                    subject::service(&service.name, &["build", "args", &arg.name]),
                    format!(
                        "service `{}` passes {what} as build argument `{}`: it is stored in the image history",
                        service.name, arg.name
                    ),
                )
                .help("pass it as a build secret (`build.secrets` and `RUN --mount=type=secret`)");
        }
    }
    for (df_index, dockerfile) in project.dockerfiles.iter().enumerate() {
        for (index, instruction) in dockerfile.instructions.iter().enumerate() {
            if !matches!(instruction.keyword.as_str(), "ARG" | "ENV") {
                continue;
            }
            for argument in &instruction.arguments {
                let (name, value) = match argument.split_once('=') {
                    Some((n, v)) => (n, Some(v)),
                    None => (argument.as_str(), None),
                };
                let what = if let Some(token) = value.and_then(|v| settings.token_in(name, v)) {
                    format!("holds a literal {}", token.name)
                } else if settings.is_secret_name(name) && !value.is_some_and(is_trivial) {
                    "is a secret's name".to_string()
                } else {
                    continue;
                };
                let stored = if instruction.keyword == "ENV" {
                    "`docker inspect` shows it"
                } else {
                    "build arguments stay in the image history"
                };
                report
                    .add(
                        &RULE,
                        subject::instruction(df_index as u32, index as u32),
                        format!("`{} {name}` {what}: {stored}", instruction.keyword),
                    )
                    .help("use a build secret (`RUN --mount=type=secret`) at build time and a runtime secret or variable for the container");
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose_with, run};

    use crate::Security;

    #[test]
    fn build_args_arg_and_env() {
        let project = from_compose_with(
            "services:\n  a:\n    build:\n      context: .\n      args:\n        NPM_TOKEN: abc123def\n        VERSION: \"1.2\"\n",
            &[(
                "Dockerfile",
                "FROM node:20\nARG NPM_TOKEN\nARG VERSION\nENV DB_PASSWORD=postgres\nENV DB_PASSWORD_FILE=/run/secrets/db NODE_ENV=production\nENV HF=hf_0123456789abcdefghijklmnopqrstuvwxyz\n",
            )],
        );
        let found: Vec<String> = run::<Security>(&project, "")
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.message)
            .collect();
        assert_eq!(
            found,
            [
                "service `a` passes a literal secret as build argument `NPM_TOKEN`: it is stored in the image history",
                "`ARG NPM_TOKEN` is a secret's name: build arguments stay in the image history",
                "`ENV DB_PASSWORD` is a secret's name: `docker inspect` shows it",
                "`ENV HF` holds a literal Hugging Face token: `docker inspect` shows it",
            ]
        );
    }
}
