//! `security/secrets-in-environment`: literal secrets in a service's `environment`.

use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, query, subject};

use crate::Settings;
use crate::common::{is_literal, is_trivial};

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags `environment` entries of a service that hold a secret written in the compose file:
    /// a value in a known token format (GitHub, GitLab, OpenAI, Anthropic, AWS, Slack, Stripe,
    /// Hugging Face, a private key block) under any name, or a literal value under a secret's name
    /// (`*PASSWORD`, `*SECRET`, `*TOKEN`, `*_KEY`, `*_MASTER_KEY`, `*_ENCRYPTION_KEY`, `*_PASS`,
    /// `*_CREDENTIALS`, …) that is not a public one (`*_PUBLIC_KEY`, `*_PUBLISHABLE_KEY`,
    /// `*_SITE_KEY`, `SORT_KEY`, …). A prefix other values share (`sk-`) names its format only under
    /// a name that fits it: `SECRET_KEY=sk-…` is a literal secret, not an OpenAI key. References
    /// such as `$VAR` left for the shell, `/run/secrets/…` paths, booleans and numbers are not
    /// secrets. The value is never printed.
    ///
    /// ## Why is this bad?
    /// The compose file is committed, shared and pasted into issues; the values are also visible to
    /// anyone who can run `docker inspect`. A leaked token has to be rotated everywhere it is used.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   grafana:
    ///     environment:
    ///       - GF_SECURITY_ADMIN_PASSWORD=admin
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   grafana:
    ///     environment:
    ///       - GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/grafana_admin
    ///     secrets: [grafana_admin]
    /// ```
    /// or `GF_SECURITY_ADMIN_PASSWORD=${GRAFANA_ADMIN_PASSWORD}` with the value in an uncommitted `.env`.
    ///
    /// ## Settings
    /// - `secret-names`: globs of secret variable names.
    /// - `not-secret-names`: globs of names that match `secret-names` but hold public values.
    /// - `token-formats`: known token formats (`name`, `prefix`, `min-length`, and `names` for a
    ///   shared prefix).
    ///
    /// ## References
    /// - [Compose: secrets](https://docs.docker.com/compose/how-tos/use-secrets/)
    /// - [OWASP secrets management cheat sheet](https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html)
    pub static RULE = {
        id: "secrets-in-environment",
        severity: High,
        category: "security",
        summary: "literal secret in a service's `environment`",
    }
}

/// Report every environment entry holding a token or a literal value under a secret's name.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in &project.services {
        for kv in &service.environment {
            let Some(value) = &kv.value else { continue };
            if !query::written_literally(service, &format!("environment.{}", kv.name), value) {
                continue; // `${VAR}`: the value comes from the environment, not the file
            }
            let message = if let Some(token) = settings.token_in(&kv.name, value) {
                format!("service `{}` has a literal {} in `{}`", service.name, token.name, kv.name)
            } else if settings.is_secret_name(&kv.name) && is_literal(value) && !is_trivial(value) {
                format!("service `{}` sets secret `{}` to a literal value", service.name, kv.name)
            } else {
                continue;
            };
            report
                .add(&RULE, subject::service(&service.name, &["environment", &kv.name]), message)
                .help(format!(
                    "move the value out of the compose file: `{}: ${{{}}}` with an uncommitted `.env`, or a `secrets:` entry",
                    kv.name, kv.name
                ));
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::Subject;
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Security;

    #[test]
    fn values_from_variables_are_not_literals() {
        let project = plimsoll_sdk::testkit::from_compose_with(
            "services:\n  db:\n    image: postgres:16\n    environment:\n      - POSTGRES_PASSWORD=${POSTGRES_PASSWORD}\n      - ADMIN_PASSWORD=hunter2\n",
            &[(".env", "POSTGRES_PASSWORD=correct-horse-battery\n")],
        );
        assert_eq!(
            plimsoll_sdk::query::template(&project.services[0], "environment.POSTGRES_PASSWORD"),
            Some("${POSTGRES_PASSWORD}")
        );
        let found: Vec<_> =
            run::<Security>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).collect();
        let messages: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(messages, ["service `db` sets secret `ADMIN_PASSWORD` to a literal value"]);
    }

    #[test]
    fn tokens_and_secret_names() {
        let project = from_compose(
            "services:\n  a:\n    image: x:1\n    environment:\n      - ACCESS_TOKEN=ghp_0EXAMPLE0EXAMPLE0EXAMPLE0EXAMPLE0000\n      - GF_SECURITY_ADMIN_PASSWORD=admin\n      - DB_PASSWORD_FILE=/run/secrets/db\n      - SECRET_ROTATION=true\n      - RUNNER_SCOPE=org\n      - API_TOKEN\n",
        );
        let found: Vec<_> =
            run::<Security>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).collect();
        let messages: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "service `a` has a literal GitHub token in `ACCESS_TOKEN`",
                "service `a` sets secret `GF_SECURITY_ADMIN_PASSWORD` to a literal value"
            ]
        );
        assert_eq!(
            found[0].subject,
            Subject::Compose(["services", "a", "environment", "ACCESS_TOKEN"].map(String::from).to_vec())
        );
    }
}
