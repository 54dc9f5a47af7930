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

/// Settings of the `security` pack (`settings: { security: … }` in plimsoll.yaml).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct Settings {
    /// Report image-only services (no `build:`) as root when compose sets no `user:` (`runs-as-root`);
    /// off by default since the image's own `USER` is unknown.
    pub assume_image_root: bool,
    /// Capabilities that amount to host access (`dangerous-capabilities`), without `CAP_`.
    pub dangerous_capabilities: Vec<String>,
    /// Globs of container runtime sockets (`docker-socket-mount`).
    pub socket_paths: Vec<String>,
    /// Host paths that must not be bind-mounted (`sensitive-host-mount`), exact paths.
    pub sensitive_host_paths: Vec<String>,
    /// Globs of variable and flag names that hold secrets (`secrets-in-*`), case-insensitive.
    pub secret_names: Vec<String>,
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
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_string()).collect()
}

fn token(name: &str, prefix: &str, min_length: usize) -> TokenFormat {
    TokenFormat { name: name.to_string(), prefix: prefix.to_string(), min_length }
}

fn store(image: &str, ports: &[u32]) -> Datastore {
    Datastore { image: image.to_string(), ports: ports.to_vec() }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            assume_image_root: false,
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
                "requirepass",
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
                token("OpenAI key", "sk-", 20),
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
            cors_names: strings(&["*origins", "*origin", "*cors*", "*allowed_hosts"]),
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
                "CURL_INSECURE=*",
                "SSL_VERIFY=false",
                "*_SSL_VERIFY=false",
                "*_VERIFY_SSL=false",
                "*_TLS_VERIFY=false",
                "*_TLS_SKIP_VERIFY=true",
                "*_INSECURE_SKIP_VERIFY=true",
            ]),
        }
    }
}

impl Settings {
    /// Whether a variable or flag name is a secret's name.
    pub fn is_secret_name(&self, name: &str) -> bool {
        let name = name.trim_start_matches('-').replace('-', "_");
        self.secret_names.iter().any(|p| glob_match(p, &name))
    }

    /// The known token format found in `value`, if any.
    pub fn token_in(&self, value: &str) -> Option<&TokenFormat> {
        self.token_formats.iter().find(|format| {
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
            s.token_in("ghp_0EXAMPLE0EXAMPLE0EXAMPLE0EXAMPLE0000").map(|t| t.name.as_str()),
            Some("GitHub token")
        );
        assert_eq!(
            s.token_in("Bearer sk-proj-EXAMPLEexampleEXAMPLEexample0123456789").map(|t| t.name.as_str()),
            Some("OpenAI key")
        );
        assert!(s.token_in("task-runner").is_none());
        assert!(s.token_in("disk-0123456789012345678901234").is_none());
        assert!(s.token_in("sk-short").is_none());
        assert!(s.is_secret_name("GF_SECURITY_ADMIN_PASSWORD"));
        assert!(s.is_secret_name("--auth-token"));
        assert!(!s.is_secret_name("POSTGRES_PASSWORD_FILE"));
        assert!(s.is_insecure_env("NODE_TLS_REJECT_UNAUTHORIZED", "0"));
        assert!(!s.is_insecure_env("NODE_TLS_REJECT_UNAUTHORIZED", "1"));
    }
}
