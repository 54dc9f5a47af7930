//! `security/cors-wildcard`: a CORS origin setting of `*`, which lets any website call the service.

use plimsoll_sdk::model::Project;
use plimsoll_sdk::query::glob_match;
use plimsoll_sdk::{Report, subject};

use crate::Settings;
use crate::common::{entry, words};

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags environment variables that configure allowed origins (`OLLAMA_ORIGINS`,
    /// `CORS_ALLOW_ORIGIN`, `*_CORS_*`, …) set to `*` or to a list containing `*`, and command
    /// options about origins or CORS (`--cors-allowed-origins=*`) with a `*` value. Host
    /// allowlists are not CORS: Django's `ALLOWED_HOSTS=*` says which `Host` headers the server
    /// answers, not which web pages may read its answers, and is not reported.
    ///
    /// ## Why is this bad?
    /// A wildcard origin lets any web page the user visits send requests to the service from the
    /// user's browser and read the answers. For services bound to `localhost` or an internal
    /// network — model servers, admin APIs — that turns every website into a client of the API.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   ollama:
    ///     environment:
    ///       - OLLAMA_ORIGINS=*
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   ollama:
    ///     environment:
    ///       - OLLAMA_ORIGINS=https://chat.example.com
    /// ```
    ///
    /// ## Settings
    /// - `cors-names`: globs of variable names that list allowed origins.
    ///
    /// ## References
    /// - [MDN: Cross-Origin Resource Sharing](https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS)
    /// - [PortSwigger: CORS misconfiguration](https://portswigger.net/web-security/cors)
    pub static RULE = {
        id: "cors-wildcard",
        severity: Low,
        category: "security",
        summary: "CORS origins set to `*`",
    }
}

/// Whether a list of origins (comma, space or JSON) contains `*`.
fn has_wildcard(value: &str) -> bool {
    value.split([',', ' ', '[', ']', '"', '\'']).any(|item| item.trim() == "*")
}

/// Report wildcard origins in the environment and in command options.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in &project.services {
        for kv in &service.environment {
            let Some(value) = &kv.value else { continue };
            if !settings.cors_names.iter().any(|p| glob_match(p, &kv.name)) || !has_wildcard(value) {
                continue;
            }
            report
                .add(
                    &RULE,
                    subject::service(&service.name, &["environment", &kv.name]),
                    format!(
                        "service `{}` sets `{}` to `{value}`: any website can call it from a browser",
                        service.name, kv.name
                    ),
                )
                .help(format!("list the origins that need access in `{}`", kv.name));
        }
        let Some(command) = &service.command else { continue };
        let split = words(command);
        for (pos, (index, word)) in split.iter().enumerate() {
            let lower = word.to_ascii_lowercase();
            if !lower.starts_with("--") || !(lower.contains("origin") || lower.contains("cors")) {
                continue;
            }
            let (flag, value) = match word.split_once('=') {
                Some((f, v)) => (f, v),
                None => (word.as_str(), split.get(pos + 1).map(|(_, w)| w.as_str()).unwrap_or_default()),
            };
            if !has_wildcard(value) {
                continue;
            }
            report
                .add(
                    &RULE,
                    entry(&service.name, "command", *index),
                    format!("service `{}` passes `{flag} *`: any website can call it from a browser", service.name),
                )
                .help(format!("list the origins that need access in `{flag}`"));
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Security;

    #[test]
    fn wildcard_origins() {
        let project = from_compose(
            "services:\n  ollama:\n    image: ollama/ollama:0.3\n    environment:\n      - OLLAMA_ORIGINS=*\n      - OLLAMA_HOST=0.0.0.0\n  api:\n    image: x:1\n    environment:\n      CORS_ALLOWED_ORIGINS: https://a.example, https://b.example\n    command: [\"serve\", \"--cors-allowed-origins\", \"*\"]\n",
        );
        let found: Vec<String> = run::<Security>(&project, "")
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.message)
            .collect();
        assert_eq!(
            found,
            [
                "service `ollama` sets `OLLAMA_ORIGINS` to `*`: any website can call it from a browser",
                "service `api` passes `--cors-allowed-origins *`: any website can call it from a browser",
            ]
        );
    }
}
