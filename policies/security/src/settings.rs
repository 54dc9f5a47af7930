//! Settings of the `security` pack: the knowledge tables its rules use (capabilities, sockets,
//! sensitive paths, secret names and token formats, datastores, model-weight mounts, TLS switches),
//! with defaults users extend in `plimsoll.yaml` (`settings: { security: … }`).

use plimsoll_sdk::PackSettings;
use plimsoll_sdk::query::glob_match;
use schemars::JsonSchema;
use serde::Deserialize;

/// A known token format: a prefix followed by at least `min-length` token characters.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct TokenFormat {
    /// What it is, for messages (`GitHub token`).
    pub name: String,
    /// The literal prefix (`ghp_`).
    pub prefix: String,
    /// Token characters (`A-Za-z0-9_-`) required after the prefix.
    pub min_length: usize,
    /// For a prefix other values share (`sk-`): globs of the variable or flag names it is claimed
    /// for (`*OPENAI*`); elsewhere the value is judged by its name alone. Empty: any name.
    #[serde(default)]
    pub names: Vec<String>,
}

/// A datastore image and the ports it serves.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Datastore {
    /// Glob on the image's last path component (`postgres`, `postgis`, `*mysql*`).
    pub image: String,
    /// Container ports it listens on.
    pub ports: Vec<u32>,
}

/// A row of the base-image user table: images matching any glob run as `user` unless they set another.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ImageUser {
    /// Globs over `repository:tag` (registry included unless Docker Hub; `library/` dropped), e.g. `python:*`.
    pub images: Vec<String>,
    /// The image's default user (`root`, `nonroot`, `1001`).
    pub user: String,
}

/// Settings of the `security` pack (`settings: { security: … }` in plimsoll.yaml).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct Settings {
    /// Report image-only services (no `build:`) as root when compose sets no `user:` (`runs-as-root`);
    /// off by default since the image's own `USER` is unknown.
    pub assume_image_root: bool,
    /// Well-known images and their default users (`runs-as-root`), first match wins; a list given in
    /// `plimsoll.yaml` replaces the defaults. An image in no row has an unknown user, never reported as root.
    pub image_users: Vec<ImageUser>,
    /// Report, at `info`, built images whose base image has an unknown default user (`runs-as-root`).
    pub report_unknown_base_user: bool,
    /// Capabilities that amount to host access (`dangerous-capabilities`), without `CAP_`.
    pub dangerous_capabilities: Vec<String>,
    /// Globs of container runtime sockets (`docker-socket-mount`).
    pub socket_paths: Vec<String>,
    /// Host paths that must not be bind-mounted (`sensitive-host-mount`), exact paths.
    pub sensitive_host_paths: Vec<String>,
    /// Globs of variable and flag names that hold secrets (`secrets-in-*`), case-insensitive.
    pub secret_names: Vec<String>,
    /// Globs of names that match `secret-names` but hold public or non-secret values
    /// (`*_PUBLIC_KEY`, `*_KEY_ID`, `PRIMARY_KEY`).
    pub not_secret_names: Vec<String>,
    /// Known token formats found in any value (`secrets-in-*`).
    pub token_formats: Vec<TokenFormat>,
    /// Datastore images and their ports (`datastore-port-published`).
    pub datastores: Vec<Datastore>,
    /// Globs of variable names that configure allowed CORS origins (`cors-wildcard`).
    pub cors_names: Vec<String>,
    /// Globs of container paths that hold model weights (`model-weights-writable`).
    pub model_weight_paths: Vec<String>,
    /// Globs of volume names or host paths that hold model weights (`model-weights-writable`).
    pub model_weight_sources: Vec<String>,
    /// `NAME=VALUE` globs of environment settings that turn TLS verification off (`tls-verification-disabled`).
    pub insecure_env: Vec<String>,
    /// `PROGRAM WORD` globs of switches that turn package signature checks off (`package-signature-check-disabled`).
    pub unsigned_install_switches: Vec<String>,
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_string()).collect()
}

fn token(name: &str, prefix: &str, min_length: usize) -> TokenFormat {
    TokenFormat { name: name.to_string(), prefix: prefix.to_string(), min_length, names: Vec::new() }
}

fn generic_token(name: &str, prefix: &str, min_length: usize, names: &[&str]) -> TokenFormat {
    TokenFormat { names: strings(names), ..token(name, prefix, min_length) }
}

fn store(image: &str, ports: &[u32]) -> Datastore {
    Datastore { image: image.to_string(), ports: ports.to_vec() }
}

fn users(user: &str, images: &[&str]) -> ImageUser {
    ImageUser { images: strings(images), user: user.to_string() }
}

/// The default base-image user table: non-root images first (their root variants before them).
pub fn default_image_users() -> Vec<ImageUser> {
    vec![
        // Chainguard images run as `nonroot`, except their `-dev` variants.
        users("root", &["cgr.dev/chainguard/*:*-dev", "cgr.dev/chainguard/*:latest-dev*"]),
        users("nonroot", &["cgr.dev/chainguard/*"]),
        users("nonroot", &["*distroless*:nonroot*", "*distroless*:debug-nonroot*", "*distroless*:*-nonroot"]),
        users("root", &["*distroless*"]),
        users("app", &["mcr.microsoft.com/dotnet/*:*chiseled*", "mcr.microsoft.com/dotnet/*:*-noble-chiseled*"]),
        users("elasticsearch", &["elasticsearch:*", "*/elasticsearch/elasticsearch:*", "*/elasticsearch:*"]),
        users("kibana", &["kibana:*", "*/kibana/kibana:*", "*/kibana:*"]),
        users("logstash", &["logstash:*", "*/logstash/logstash:*", "*/logstash:*"]),
        users("jovyan", &["jupyter/*", "quay.io/jupyter/*"]),
        users("472", &["grafana/grafana*", "grafana/loki*", "grafana/tempo*", "grafana/promtail*"]),
        users("1001", &["bitnami/*", "*/bitnami/*"]),
        users("nobody", &["prom/prometheus*", "prom/alertmanager*", "prom/node-exporter*", "quay.io/prometheus/*"]),
        users("nginx", &["nginxinc/nginx-unprivileged*", "*/nginxinc/nginx-unprivileged*"]),
        users("curl_user", &["curlimages/curl*"]),
        users("jenkins", &["jenkins/jenkins*"]),
        users("sonarqube", &["sonarqube:*"]),
        users("node", &["n8nio/n8n*", "docker.n8n.io/n8nio/n8n*"]),
        users("1000", &["ghcr.io/open-webui/*", "opensearchproject/opensearch*"]),
        // Official OS and language images, and the common bases built on them, run as root.
        users(
            "root",
            &[
                "debian:*",
                "ubuntu:*",
                "alpine:*",
                "busybox:*",
                "fedora:*",
                "centos:*",
                "rockylinux:*",
                "almalinux:*",
                "amazonlinux:*",
                "archlinux:*",
                "oraclelinux:*",
                "opensuse/*",
                "redhat/ubi*",
                "registry.access.redhat.com/ubi*",
                "python:*",
                "node:*",
                "golang:*",
                "rust:*",
                "ruby:*",
                "php:*",
                "perl:*",
                "openjdk:*",
                "eclipse-temurin:*",
                "amazoncorretto:*",
                "ibm-semeru-runtimes:*",
                "maven:*",
                "gradle:*",
                "elixir:*",
                "erlang:*",
                "haskell:*",
                "julia:*",
                "r-base:*",
                "swift:*",
                "dart:*",
                "clojure:*",
                "groovy:*",
                "buildpack-deps:*",
                "nginx:*",
                "httpd:*",
                "tomcat:*",
                "docker:*",
                "nvidia/cuda:*",
                "nvcr.io/nvidia/*",
                "pytorch/pytorch:*",
                "tensorflow/tensorflow:*",
                "continuumio/*",
                "condaforge/*",
                "mambaorg/micromamba:*",
                "oven/bun:*",
                "denoland/deno:*",
                "mcr.microsoft.com/dotnet/*",
                "mcr.microsoft.com/devcontainers/*",
                "ghcr.io/astral-sh/uv:*",
                "tiangolo/*",
                "nikolaik/python-nodejs:*",
                "continuumio/miniconda3:*",
            ],
        ),
    ]
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            assume_image_root: false,
            image_users: default_image_users(),
            report_unknown_base_user: false,
            dangerous_capabilities: strings(&[
                "ALL",
                "SYS_ADMIN",
                "NET_ADMIN",
                "SYS_PTRACE",
                "SYS_MODULE",
                "SYS_RAWIO",
                "SYS_BOOT",
                "SYS_TIME",
                "DAC_READ_SEARCH",
                "BPF",
                "PERFMON",
                "MAC_ADMIN",
                "MAC_OVERRIDE",
                "SYSLOG",
            ]),
            socket_paths: strings(&[
                "*/docker.sock",
                "*/podman.sock",
                "*/containerd.sock",
                "*/crio.sock",
                "*/dockershim.sock",
            ]),
            sensitive_host_paths: strings(&[
                "/",
                "/etc",
                "/proc",
                "/sys",
                "/var/run",
                "/run",
                "/dev",
                "/root",
                "/boot",
                "/var/lib/docker",
            ]),
            secret_names: strings(&[
                "*password",
                "*passwd",
                "*_pass",
                "*_pwd",
                "*secret",
                "*secret_key",
                "*secret_key_base",
                "*token",
                "*api_key",
                "*apikey",
                "*access_key",
                "*access_key_id",
                "*private_key",
                "*credentials",
                "*credential",
                "*_key",
                "*_master_key",
                "*_encryption_key",
                "*_signing_key",
                "*_pass",
                "*_passphrase",
                "requirepass",
            ]),
            not_secret_names: strings(&[
                "*public_key",
                "*publishable_key",
                "*site_key",
                "*_key_name",
                "*_key_path",
                "*_key_file",
                "*_key_prefix",
                "primary_key",
                "*_primary_key",
                "*sort_key",
                "*partition_key",
                "*routing_key",
                "*cache_key",
                "*idempotency_key",
                "*_gpg_key",
                "gpg_key",
                "*_bypass",
                "*_compass",
                "next_public_*",
                "vite_*",
                "react_app_*",
            ]),
            token_formats: vec![
                token("GitHub token", "ghp_", 30),
                token("GitHub token", "gho_", 30),
                token("GitHub token", "ghs_", 30),
                token("GitHub token", "ghu_", 30),
                token("GitHub token", "ghr_", 30),
                token("GitHub token", "github_pat_", 40),
                token("GitLab token", "glpat-", 20),
                token("Anthropic key", "sk-ant-", 20),
                token("OpenAI key", "sk-proj-", 20),
                token("OpenAI key", "sk-svcacct-", 20),
                token("OpenAI key", "sk-admin-", 20),
                generic_token("OpenAI key", "sk-", 20, &["*openai*", "*gpt*"]),
                token("AWS access key", "AKIA", 16),
                token("AWS access key", "ASIA", 16),
                token("Slack token", "xoxb-", 10),
                token("Slack token", "xoxp-", 10),
                token("Slack token", "xoxa-", 10),
                token("Stripe key", "sk_live_", 16),
                token("Google API key", "AIza", 35),
                token("Hugging Face token", "hf_", 30),
                token("private key", "PRIVATE KEY-----", 0),
            ],
            datastores: vec![
                store("postgres", &[5432]),
                store("postgresql", &[5432]),
                store("postgis", &[5432]),
                store("timescaledb*", &[5432]),
                store("pgvector", &[5432]),
                store("mysql", &[3306, 33060]),
                store("mariadb", &[3306]),
                store("percona*", &[3306]),
                store("redis", &[6379]),
                store("redis-stack*", &[6379]),
                store("valkey", &[6379]),
                store("keydb", &[6379]),
                store("falkordb", &[6379]),
                store("mongo", &[27017]),
                store("mongodb*", &[27017]),
                store("elasticsearch", &[9200, 9300]),
                store("opensearch", &[9200, 9300]),
                store("memcached", &[11211]),
                store("cassandra", &[9042]),
                store("scylla", &[9042]),
                store("couchdb", &[5984]),
                store("influxdb", &[8086]),
                store("neo4j", &[7474, 7687]),
                store("clickhouse-server", &[8123, 9000]),
                store("clickhouse", &[8123, 9000]),
                store("etcd", &[2379]),
                store("qdrant", &[6333, 6334]),
                store("milvus*", &[19530]),
                store("weaviate", &[8080]),
                store("chroma", &[8000]),
            ],
            cors_names: strings(&["*origins", "*origin", "*cors*"]),
            model_weight_paths: strings(&[
                "/models",
                "/models/*",
                "/model",
                "/weights",
                "/weights/*",
                "/checkpoints",
                "*/huggingface",
                "*/huggingface/*",
                "*/.cache/torch*",
            ]),
            model_weight_sources: strings(&[
                "*model*",
                "*weights*",
                "*checkpoints*",
                "*huggingface*",
                "hf_cache",
                "hf-cache",
            ]),
            insecure_env: strings(&[
                "NODE_TLS_REJECT_UNAUTHORIZED=0",
                "PYTHONHTTPSVERIFY=0",
                "GIT_SSL_NO_VERIFY=*",
                "NPM_CONFIG_STRICT_SSL=false",
                "YARN_STRICT_SSL=false",
                "PIP_TRUSTED_HOST=*",
                "REQUESTS_CA_BUNDLE=",
                "CURL_CA_BUNDLE=",
                "CURL_INSECURE=*",
                "SSL_VERIFY=false",
                "*_SSL_VERIFY=false",
                "*_VERIFY_SSL=false",
                "*_TLS_VERIFY=false",
                "*_TLS_SKIP_VERIFY=true",
                "*_INSECURE_SKIP_VERIFY=true",
            ]),
            unsigned_install_switches: strings(&[
                "apt-get --allow-unauthenticated",
                "apt --allow-unauthenticated",
                "apt-get --force-yes",
                "apt --force-yes",
                "apt-get --allow-insecure-repositories",
                "apt --allow-insecure-repositories",
                "apt-get *AllowUnauthenticated=*true*",
                "apt-get *AllowInsecureRepositories=*true*",
                "* *[trusted=yes*",
                "* *trusted=yes]*",
                "rpm --nosignature",
                "rpm --nodigest",
                "yum --nogpgcheck",
                "dnf --nogpgcheck",
                "microdnf --nogpgcheck",
                "tdnf --nogpgcheck",
                "yum --setopt=*gpgcheck=0",
                "dnf --setopt=*gpgcheck=0",
                "* *gpgcheck=0*",
                "* *gpgcheck=false*",
                "* *sslverify=0*",
                "* *sslverify=false*",
                "apk --allow-untrusted",
                "zypper --no-gpg-checks",
            ]),
        }
    }
}

impl Settings {
    /// The default user of a well-known image (`root`, `nonroot`), `None` when unknown.
    pub fn image_user(&self, image: &plimsoll_sdk::model::ImageRef) -> Option<&str> {
        let key = plimsoll_sdk::query::table_key(image);
        self.image_users.iter().find(|row| row.images.iter().any(|g| glob_match(g, &key))).map(|r| r.user.as_str())
    }

    /// Whether a variable or flag name is a secret's name.
    pub fn is_secret_name(&self, name: &str) -> bool {
        let name = name.trim_start_matches('-').replace('-', "_");
        self.secret_names.iter().any(|p| glob_match(p, &name))
            && !self.not_secret_names.iter().any(|p| glob_match(p, &name))
    }

    /// The known token format found in `value`, held by the variable or flag `name` (empty when
    /// there is none): a format with a shared prefix is claimed only for the names it lists.
    pub fn token_in(&self, name: &str, value: &str) -> Option<&TokenFormat> {
        let name = name.trim_start_matches('-').replace('-', "_");
        self.token_formats.iter().find(|format| {
            if !format.names.is_empty() && !format.names.iter().any(|g| glob_match(g, &name)) {
                return false;
            }
            value.match_indices(format.prefix.as_str()).any(|(at, _)| {
                let boundary = value[..at].chars().last().is_none_or(|c| !c.is_ascii_alphanumeric());
                let tail = value[at + format.prefix.len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                    .count();
                boundary && tail >= format.min_length
            })
        })
    }

    /// Whether `NAME=VALUE` turns TLS verification off.
    pub fn is_insecure_env(&self, name: &str, value: &str) -> bool {
        let pair = format!("{name}={value}");
        self.insecure_env.iter().any(|p| glob_match(p, &pair))
    }
}

impl PackSettings for Settings {
    fn validate(&self) -> Result<(), String> {
        for (key, list) in [
            ("dangerous-capabilities", &self.dangerous_capabilities),
            ("socket-paths", &self.socket_paths),
            ("sensitive-host-paths", &self.sensitive_host_paths),
            ("secret-names", &self.secret_names),
            ("not-secret-names", &self.not_secret_names),
            ("cors-names", &self.cors_names),
            ("model-weight-paths", &self.model_weight_paths),
            ("model-weight-sources", &self.model_weight_sources),
        ] {
            if list.iter().any(|s| s.trim().is_empty()) {
                return Err(format!("{key}: empty entry"));
            }
        }
        if let Some(bad) = self.token_formats.iter().find(|t| t.prefix.len() < 3) {
            return Err(format!(
                "token-formats: prefix `{}` of `{}` is shorter than 3 characters",
                bad.prefix, bad.name
            ));
        }
        if let Some(bad) = self.datastores.iter().find(|d| d.ports.is_empty()) {
            return Err(format!("datastores: `{}` lists no ports", bad.image));
        }
        if let Some(bad) = self.unsigned_install_switches.iter().find(|e| !e.trim().contains(' ')) {
            return Err(format!("unsigned-install-switches: `{bad}` is not `PROGRAM WORD`"));
        }
        if let Some(bad) = self.insecure_env.iter().find(|e| !e.contains('=')) {
            return Err(format!("insecure-env: `{bad}` is not `NAME=VALUE`"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Settings;

    #[test]
    fn tokens_need_a_boundary_and_a_length() {
        let s = Settings::default();
        assert_eq!(
            s.token_in("", "ghp_0EXAMPLE0EXAMPLE0EXAMPLE0EXAMPLE0000").map(|t| t.name.as_str()),
            Some("GitHub token")
        );
        assert_eq!(
            s.token_in("", "Bearer sk-proj-EXAMPLEexampleEXAMPLEexample0123456789").map(|t| t.name.as_str()),
            Some("OpenAI key")
        );
        assert!(s.token_in("", "task-runner").is_none());
        assert!(s.token_in("", "disk-0123456789012345678901234").is_none());
        assert!(s.token_in("", "sk-short").is_none());
        // `sk-` alone is shared: an OpenAI key only under an OpenAI name.
        assert!(s.token_in("SECRET_KEY", "sk-django0insecure0EXAMPLE0example0123").is_none());
        assert_eq!(
            s.token_in("OPENAI_API_KEY", "sk-EXAMPLEexampleEXAMPLEexample0123").map(|t| t.name.as_str()),
            Some("OpenAI key")
        );
        for name in ["APP_KEY", "VAULT_MASTER_KEY", "DB_ENCRYPTION_KEY", "SMTP_PASS", "GCP_CREDENTIALS"] {
            assert!(s.is_secret_name(name), "{name}");
        }
        for name in ["STRIPE_PUBLISHABLE_KEY", "RECAPTCHA_SITE_KEY", "SORT_KEY", "NEXT_PUBLIC_API_KEY"] {
            assert!(!s.is_secret_name(name), "{name}");
        }
        assert!(s.is_secret_name("GF_SECURITY_ADMIN_PASSWORD"));
        assert!(s.is_secret_name("--auth-token"));
        assert!(!s.is_secret_name("POSTGRES_PASSWORD_FILE"));
        assert!(s.is_insecure_env("NODE_TLS_REJECT_UNAUTHORIZED", "0"));
        assert!(!s.is_insecure_env("NODE_TLS_REJECT_UNAUTHORIZED", "1"));
    }
}
