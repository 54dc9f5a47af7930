//! Settings of the `health` pack: the startup target, what marks a slow starter, what marks a
//! one-shot job, and the knowledge tables of base images (those that lack the usual healthcheck
//! tools, those that ship a `HEALTHCHECK`) and of stateful images. Every key has a default; `validate`
//! rejects entries a schema cannot rule out (empty patterns, unknown tools).

use plimsoll_sdk::{ExemptServices, PackSettings};
use schemars::JsonSchema;
use serde::Deserialize;

/// Settings of the `health` pack (`settings: { health: … }` in plimsoll.yaml).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct Settings {
    /// Every service must be healthy within this many seconds of `docker compose up` (off unless set).
    pub max_startup_seconds: Option<u64>,
    /// Services that reserve a GPU get at least this long before their healthcheck may mark them unhealthy.
    pub min_start_period_seconds: u64,
    /// Slow starters by image name fragment, each with the time they need (model servers, databases).
    pub slow_starters: Vec<SlowStarter>,
    /// Whether services that reserve a GPU count as slow starters.
    pub gpu_services_are_slow: bool,
    /// Base images that lack healthcheck tools: image globs (`repository:tag`) and the tools they lack.
    pub tools_missing: Vec<ToolsMissing>,
    /// Services left out of the per-service rules, by name.
    pub exempt_services: ExemptServices,
    /// Globs over `repository:tag` of images known to ship a `HEALTHCHECK` (`healthcheck-missing`):
    /// a service that runs one, or builds FROM one, has the image's check.
    pub images_with_healthcheck: Vec<String>,
    /// Profiles whose services are one-shot jobs (`setup`, `migrate`, …): a service that runs only
    /// under them needs no restart policy or healthcheck.
    pub job_profiles: Vec<String>,
    /// Globs over a service's command (words joined by spaces) that run a job and exit: migrations,
    /// seeds, bucket setup. Matched against the last command of a `sh -c` script.
    pub job_commands: Vec<String>,
    /// Shortest healthcheck interval, in seconds, before `healthcheck-interval-too-frequent` reports.
    pub min_interval_seconds: u64,
    /// Stateful images and the container paths that hold their data (`stateful-without-volume`).
    pub stateful_images: Vec<StatefulImage>,
}

/// A stateful image and where it keeps its data.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct StatefulImage {
    /// Globs on the image's last path component (`postgres`, `mysql`, `*mongo*`).
    pub images: Vec<String>,
    /// Container paths that hold its data (`/var/lib/postgresql/data`).
    pub data_paths: Vec<String>,
}

/// One row of the knowledge table: images matching any glob lack the tools listed.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ToolsMissing {
    /// Globs over `repository:tag` (with the registry when there is one), e.g. `python:*slim*`.
    pub images: Vec<String>,
    /// Tools the images lack: `curl`, `wget`, `nc`, `bash`, `sh`.
    pub missing: Vec<String>,
}

/// Slow starters: images whose name contains any fragment need `min-seconds` before a healthcheck may fail them.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct SlowStarter {
    /// Image name fragments (`vllm`, `postgres`), matched against the repository, case-insensitively.
    pub images: Vec<String>,
    /// Seconds the service needs before failures may count.
    pub min_seconds: u64,
}

/// The tools a healthcheck commonly runs that a base image may lack.
pub const KNOWN_TOOLS: &[&str] = &["curl", "wget", "nc", "bash", "sh"];

fn row(images: &[&str], missing: &[&str]) -> ToolsMissing {
    ToolsMissing {
        images: images.iter().map(|s| s.to_string()).collect(),
        missing: missing.iter().map(|s| s.to_string()).collect(),
    }
}

fn stateful(images: &[&str], data_paths: &[&str]) -> StatefulImage {
    StatefulImage {
        images: images.iter().map(|s| s.to_string()).collect(),
        data_paths: data_paths.iter().map(|s| s.to_string()).collect(),
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_startup_seconds: None,
            min_start_period_seconds: 60,
            slow_starters: vec![
                // Model servers load weights; search and graph databases build indexes.
                SlowStarter {
                    images: [
                        "vllm",
                        "ollama",
                        "text-generation-inference",
                        "tritonserver",
                        "localai",
                        "elasticsearch",
                        "opensearch",
                        "cassandra",
                        "neo4j",
                    ]
                    .map(String::from)
                    .to_vec(),
                    min_seconds: 60,
                },
                // Relational and document databases run init scripts and recovery on start.
                SlowStarter {
                    images: ["postgres", "mysql", "mariadb", "mongo", "mssql", "clickhouse"].map(String::from).to_vec(),
                    min_seconds: 30,
                },
            ],
            gpu_services_are_slow: true,
            tools_missing: vec![
                // Debian slim variants ship neither curl nor wget.
                row(&["*:*slim*"], &["curl", "wget", "nc"]),
                // Alpine has busybox wget and nc, not curl.
                row(
                    &[
                        "alpine",
                        "alpine:*",
                        "python:*alpine*",
                        "node:*alpine*",
                        "golang:*alpine*",
                        "ruby:*alpine*",
                        "php:*alpine*",
                        "eclipse-temurin:*alpine*",
                        "openjdk:*alpine*",
                        "rust:*alpine*",
                    ],
                    &["curl", "bash"],
                ),
                // Distroless images have no shell and no tools at all.
                row(&["*distroless*", "cgr.dev/chainguard/static*"], &["curl", "wget", "nc", "bash", "sh"]),
            ],
            exempt_services: ExemptServices::default(),
            images_with_healthcheck: [
                "vaultwarden/server:*",
                "jellyfin/jellyfin:*",
                "pihole/pihole:*",
                "louislam/uptime-kuma:*",
                "jc21/nginx-proxy-manager:*",
                "ghcr.io/open-webui/open-webui:*",
                "ghcr.io/paperless-ngx/paperless-ngx:*",
                "ghcr.io/immich-app/immich-server:*",
                "ghcr.io/immich-app/immich-machine-learning:*",
                "syncthing/syncthing:*",
                "ghcr.io/goauthentik/server:*",
                "plexinc/pms-docker:*",
                "mailserver/docker-mailserver:*",
                "ghcr.io/docker-mailserver/docker-mailserver:*",
                "ghcr.io/gethomepage/homepage:*",
            ]
            .map(String::from)
            .to_vec(),
            job_profiles: [
                "setup",
                "init",
                "migrate",
                "migration",
                "migrations",
                "seed",
                "bootstrap",
                "tools",
                "cli",
                "job",
                "jobs",
                "oneshot",
                "one-shot",
                "backup",
                "restore",
                "manual",
                "debug",
                "test",
                "tests",
            ]
            .map(String::from)
            .to_vec(),
            job_commands: [
                "* migrate*",
                "*migrate *",
                "migrate",
                "*db:migrate*",
                "*db upgrade*",
                "*alembic upgrade*",
                "*prisma migrate deploy*",
                "*knex migrate:latest*",
                "*sequelize db:migrate*",
                "*flyway * migrate*",
                "*liquibase * update*",
                "*manage.py collectstatic*",
                "*loaddata*",
                "*createbuckets*",
                "mc mb *",
                "mc alias set *",
                "chown *",
                "chmod *",
                "cp *",
                "mkdir *",
                "touch *",
                "ln *",
                "rm *",
                "ping -c *",
                "ping * -c *",
            ]
            .map(String::from)
            .to_vec(),
            min_interval_seconds: 5,
            stateful_images: vec![
                stateful(
                    &["postgres", "postgis", "timescaledb*", "pgvector"],
                    &["/var/lib/postgresql/data", "/var/lib/postgresql", "/home/postgres/pgdata"],
                ),
                stateful(&["mysql", "mariadb", "percona*"], &["/var/lib/mysql"]),
                stateful(&["mongo", "mongodb*"], &["/data/db", "/data"]),
                stateful(&["redis", "redis-stack*", "valkey", "keydb"], &["/data"]),
                stateful(
                    &["elasticsearch", "opensearch"],
                    &["/usr/share/elasticsearch/data", "/usr/share/opensearch/data"],
                ),
                stateful(&["rabbitmq"], &["/var/lib/rabbitmq"]),
                stateful(&["influxdb"], &["/var/lib/influxdb2", "/var/lib/influxdb"]),
                stateful(&["neo4j"], &["/data"]),
                stateful(&["qdrant"], &["/qdrant/storage"]),
                stateful(&["minio"], &["/data"]),
            ],
        }
    }
}

impl PackSettings for Settings {
    fn validate(&self) -> Result<(), String> {
        if self.max_startup_seconds == Some(0) {
            return Err("max-startup-seconds: must be above 0".to_string());
        }
        for (i, row) in self.slow_starters.iter().enumerate() {
            if row.images.is_empty() || row.images.iter().any(|s| s.trim().is_empty()) {
                return Err(format!("slow-starters[{i}]: `images` needs at least one non-empty fragment"));
            }
        }
        for (i, row) in self.tools_missing.iter().enumerate() {
            if row.images.is_empty() || row.images.iter().any(|s| s.trim().is_empty()) {
                return Err(format!("tools-missing[{i}]: `images` needs at least one non-empty glob"));
            }
            if let Some(tool) = row.missing.iter().find(|t| !KNOWN_TOOLS.contains(&t.as_str())) {
                return Err(format!("tools-missing[{i}]: unknown tool `{tool}` (known: {})", KNOWN_TOOLS.join(", ")));
            }
        }
        for (key, list) in [
            ("images-with-healthcheck", &self.images_with_healthcheck),
            ("job-profiles", &self.job_profiles),
            ("job-commands", &self.job_commands),
        ] {
            if list.iter().any(|s| s.trim().is_empty()) {
                return Err(format!("{key}: empty entry"));
            }
        }
        if let Some((i, _)) =
            self.stateful_images.iter().enumerate().find(|(_, r)| r.images.is_empty() || r.data_paths.is_empty())
        {
            return Err(format!("stateful-images[{i}]: `images` and `data-paths` need at least one entry each"));
        }
        self.exempt_services.validate()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::{PackSettings, parse_settings};

    use super::Settings;

    #[test]
    fn accepts_the_design_example_and_rejects_bad_values() {
        let s = parse_settings::<Settings>(r#"{"max-startup-seconds": 120}"#).unwrap();
        assert_eq!(s.max_startup_seconds, Some(120));
        assert!(s.validate().is_ok());
        let bad =
            parse_settings::<Settings>(r#"{"tools-missing": [{"images": ["x:*"], "missing": ["telnet"]}]}"#).unwrap();
        assert!(bad.validate().unwrap_err().contains("unknown tool `telnet`"));
        assert!(parse_settings::<Settings>(r#"{"max-startup": 1}"#).is_err());
    }
}
