//! `security/secrets-in-command`: credentials in a service's `command` or `entrypoint` arguments.

use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, query};

use crate::Settings;
use crate::common::{entry, is_literal, words};

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags credentials passed as arguments in `command` or `entrypoint`: a secret-named option
    /// with a literal value (`--password=…`, `--requirepass …`, `--api-key …`), `--user=name:password`,
    /// URLs with a password (`postgres://app:pw@db/app`) and values in a known token format.
    /// Values left to the shell (`$VAR`) are not reported. The value is never printed.
    ///
    /// ## Why is this bad?
    /// Arguments are world-readable: every process on the host sees them in `ps` and
    /// `/proc/*/cmdline`, `docker inspect` and `docker ps --no-trunc` print them, and they are
    /// committed with the compose file.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   turn:
    ///     command: ["--lt-cred-mech", "--user=dev:devpass"]
    /// ```
    ///
    /// ## Use instead
    /// Read credentials from a file or the environment: a `secrets:` entry mounted under
    /// `/run/secrets`, or the server's config file.
    ///
    /// ## Settings
    /// - `secret-names`: globs of secret option names (matched without leading dashes).
    /// - `token-formats`: known token formats.
    ///
    /// ## References
    /// - [Compose: secrets](https://docs.docker.com/compose/how-tos/use-secrets/)
    pub static RULE = {
        id: "secrets-in-command",
        severity: Medium,
        category: "security",
        summary: "credentials in `command` or `entrypoint` arguments",
    }
}

/// Report every argument carrying a credential, once per argument.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in &project.services {
        for (key, command) in [("command", &service.command), ("entrypoint", &service.entrypoint)] {
            let Some(command) = command else { continue };
            let split = words(command);
            let mut reported: Vec<usize> = Vec::new();
            for (pos, (index, word)) in split.iter().enumerate() {
                let next = split.get(pos + 1).map(|(_, w)| w.as_str());
                let Some(what) = credential(settings, word, next) else { continue };
                let path = format!("{key}.{index}");
                let interpolated = !query::written_literally(service, &path, word)
                    || next.is_some_and(|n| !query::written_literally(service, &path, n));
                if interpolated || reported.contains(index) {
                    continue;
                }
                reported.push(*index);
                report
                    .add(&RULE, entry(&service.name, key, *index), format!("service `{}` passes {what} in its `{key}`", service.name))
                    .help("read the credential from a `secrets:` file or an environment variable set from an uncommitted `.env`");
            }
        }
    }
}

/// What credential a word (with the word after it) carries, if any.
fn credential(settings: &Settings, word: &str, next: Option<&str>) -> Option<String> {
    let flag_name = word.strip_prefix('-').map(|w| w.split('=').next().unwrap_or(w)).unwrap_or("");
    if let Some(token) = settings.token_in(flag_name, word) {
        return Some(format!("a literal {}", token.name));
    }
    if let Some((scheme, rest)) = word.split_once("://")
        && let Some((userinfo, _)) = rest.split_once('@')
        && let Some((_, password)) = userinfo.split_once(':')
        && is_literal(password)
        && !scheme.is_empty()
    {
        return Some(format!("a password in a `{scheme}://` URL"));
    }
    if !word.starts_with('-') {
        return None;
    }
    let (flag, value) = match word.split_once('=') {
        Some((flag, value)) => (flag, Some(value)),
        None => (word, next.filter(|n| !n.starts_with('-'))),
    };
    let value = value?;
    let name = flag.trim_start_matches('-');
    if name == "user" {
        // `name:password` for some servers (coturn, curl); `uid:gid` or `user:group` for others.
        let password =
            value.split_once(':').filter(|(u, p)| is_literal(p) && p != u && !p.chars().all(|c| c.is_ascii_digit()));
        return password.map(|_| format!("a password in `{flag}` (`name:password`)"));
    }
    (settings.is_secret_name(name) && is_literal(value)).then(|| format!("a literal value for `{flag}`"))
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Security;

    #[test]
    fn passwords_from_variables_are_not_literals() {
        let project = plimsoll_sdk::testkit::from_compose_with(
            "services:\n  redis:\n    image: redis:7\n    command: redis-server --requirepass ${REDIS_PASSWORD}\n  turn:\n    image: coturn/coturn:4\n    command: [\"turnserver\", \"--user=dev:devpass\", \"--realm=${REALM}\"]\n",
            &[(".env", "REDIS_PASSWORD=s3cret-s3cret\nREALM=example.org\n")],
        );
        let found: Vec<_> =
            run::<Security>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).collect();
        let messages: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert!(messages[0].starts_with("service `turn` passes"), "{messages:?}");
    }

    #[test]
    fn credentials_in_arguments() {
        let project = from_compose(
            "services:\n  turn:\n    image: coturn/coturn:4.6.2\n    command: [\"--listening-port=3479\", \"--user=dev:devpass\", \"--realm=nsn.local\"]\n  redis:\n    image: redis:7\n    command: redis-server --requirepass hunter22 --appendonly yes\n  app:\n    image: x:1\n    entrypoint: [\"sh\", \"-c\", \"exec app --db postgres://app:pw@db/app --token $$TOKEN\"]\n  ok:\n    image: x:1\n    command: [\"--user\", \"1000:1000\"]\n",
        );
        let found: Vec<String> = run::<Security>(&project, "")
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.message)
            .collect();
        assert_eq!(
            found,
            [
                "service `turn` passes a password in `--user` (`name:password`) in its `command`",
                "service `redis` passes a literal value for `--requirepass` in its `command`",
                "service `app` passes a password in a `postgres://` URL in its `entrypoint`",
            ]
        );
    }
}
