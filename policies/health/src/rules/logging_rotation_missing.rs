//! `health/logging-rotation-missing`: container logs that grow without bound.

use plimsoll_sdk::query;
use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, subject};

use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags services that log with the `json-file` driver (Docker's default, used when `logging`
    /// is absent) without a `max-size` option. The `local` driver rotates by default and is not
    /// flagged; other drivers ship logs elsewhere.
    ///
    /// ## Why is this bad?
    /// `json-file` keeps every line forever by default. A chatty service (or one stuck in an error
    /// loop) fills the host's disk with its log file, and then every container on the host fails to
    /// write. The daemon's own default may rotate, but the compose file cannot tell.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   loki:
    ///     image: grafana/loki:3.2.0
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   loki:
    ///     image: grafana/loki:3.2.0
    ///     logging:
    ///       driver: json-file
    ///       options: { max-size: 10m, max-file: "3" }
    /// ```
    ///
    /// ## Settings
    /// - `exempt-services`: services whose logging is handled elsewhere.
    ///
    /// ## References
    /// - [Docker: JSON File logging driver](https://docs.docker.com/engine/logging/drivers/json-file/)
    /// - [Compose services: logging](https://docs.docker.com/reference/compose-file/services/#logging)
    pub static RULE = {
        id: "logging-rotation-missing",
        severity: Low,
        category: "health",
        summary: "`json-file` logging without `max-size`",
    }
}

/// Report services whose logs are kept without rotation.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in &project.services {
        if settings.exempt_services.exempts(&service.name) {
            continue;
        }
        let driver = service.logging.as_ref().and_then(|l| l.driver.as_deref()).unwrap_or("json-file");
        if driver != "json-file" {
            continue;
        }
        let rotated = service.logging.as_ref().is_some_and(|l| l.options.iter().any(|o| o.name == "max-size"));
        if rotated {
            continue;
        }
        let (path, how): (&[&str], &str) = match &service.logging {
            Some(_) => (&["logging"], "logs with `json-file` without `max-size`"),
            None => (&[], "logs with the default `json-file` driver without `max-size`"),
        };
        report
            .add(&RULE, subject::service(&service.name, path), format!("service `{}` {how}: its log grows without bound", service.name))
            .help(query::source(project).say(
                "set `logging: { driver: json-file, options: { max-size: 10m, max-file: \"3\" } }` (an `x-logging` anchor keeps it short)",
                "run it with `--log-opt max-size=10m --log-opt max-file=3`, or set `log-opts` in the daemon's `daemon.json`",
                "",
            ));
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Health;

    #[test]
    fn default_and_unbounded_json_file() {
        let project = from_compose(
            "services:\n  a:\n    image: a:1\n  b:\n    image: b:1\n    logging: { driver: json-file }\n  c:\n    image: c:1\n    logging: { options: { max-size: 10m } }\n  d:\n    image: d:1\n    logging: { driver: local }\n",
        );
        let messages: Vec<_> = run::<Health>(&project, "")
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.message)
            .collect();
        assert_eq!(
            messages,
            [
                "service `a` logs with the default `json-file` driver without `max-size`: its log grows without bound",
                "service `b` logs with `json-file` without `max-size`: its log grows without bound"
            ]
        );
    }
}
