//! The one table of keys the Compose specification allows, and what the model does with each.
//!
//! Every reader of "is this a known key" and "does the model type it" looks here; nothing else
//! in the crate may keep its own list of service keys. This module only answers lookups.

use KeyKind::{Extension, Typed};

/// Top-level keys of the Compose specification.
pub(super) const TOP_LEVEL_KEYS: &[&str] =
    &["version", "name", "services", "networks", "volumes", "secrets", "configs", "include", "models"];

/// What the model does with a known service key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyKind {
    /// A typed field of the model's `Service`.
    Typed,
    /// Kept as JSON in the service's `extensions`.
    Extension,
}

/// Service keys of the Compose specification, sorted (the schema rejects any other key not
/// starting with `x-`).
const SERVICE_KEYS: &[(&str, KeyKind)] = &[
    ("annotations", Extension),
    ("attach", Extension),
    ("blkio_config", Extension),
    ("build", Typed),
    ("cap_add", Typed),
    ("cap_drop", Typed),
    ("cgroup", Extension),
    ("cgroup_parent", Extension),
    ("command", Typed),
    ("configs", Typed),
    ("container_name", Typed),
    ("cpu_count", Extension),
    ("cpu_percent", Extension),
    ("cpu_period", Extension),
    ("cpu_quota", Extension),
    ("cpu_rt_period", Extension),
    ("cpu_rt_runtime", Extension),
    ("cpu_shares", Typed),
    ("cpus", Typed),
    ("cpuset", Extension),
    ("credential_spec", Extension),
    ("depends_on", Typed),
    ("deploy", Typed),
    ("develop", Extension),
    ("device_cgroup_rules", Extension),
    ("devices", Typed),
    ("dns", Extension),
    ("dns_opt", Extension),
    ("dns_search", Extension),
    ("domainname", Extension),
    ("entrypoint", Typed),
    ("env_file", Typed),
    ("environment", Typed),
    ("expose", Typed),
    ("extends", Typed),
    ("external_links", Extension),
    ("extra_hosts", Extension),
    ("gpus", Typed),
    ("group_add", Extension),
    ("healthcheck", Typed),
    ("hostname", Extension),
    ("image", Typed),
    ("init", Extension),
    ("ipc", Typed),
    ("isolation", Extension),
    ("label_file", Extension),
    ("labels", Typed),
    ("links", Extension),
    ("logging", Typed),
    ("mac_address", Extension),
    ("mem_limit", Typed),
    ("mem_reservation", Typed),
    ("mem_swappiness", Extension),
    ("memswap_limit", Typed),
    ("models", Extension),
    ("network_mode", Typed),
    ("networks", Typed),
    ("oom_kill_disable", Extension),
    ("oom_score_adj", Extension),
    ("pid", Typed),
    ("pids_limit", Typed),
    ("platform", Extension),
    ("ports", Typed),
    ("post_start", Extension),
    ("pre_stop", Extension),
    ("privileged", Typed),
    ("profiles", Typed),
    ("provider", Extension),
    ("pull_policy", Extension),
    ("pull_refresh_after", Extension),
    ("read_only", Typed),
    ("restart", Typed),
    ("runtime", Typed),
    ("scale", Typed),
    ("secrets", Typed),
    ("security_opt", Typed),
    ("shm_size", Typed),
    ("stdin_open", Extension),
    ("stop_grace_period", Extension),
    ("stop_signal", Extension),
    ("storage_opt", Extension),
    ("sysctls", Extension),
    ("tmpfs", Extension),
    ("tty", Extension),
    ("ulimits", Typed),
    ("use_api_socket", Extension),
    ("user", Typed),
    ("userns_mode", Typed),
    ("uts", Extension),
    ("volumes", Typed),
    ("volumes_from", Extension),
    ("working_dir", Typed),
];

/// What the model does with the service key `key`; `None` when the specification has no such key.
pub(super) fn service_key(key: &str) -> Option<KeyKind> {
    SERVICE_KEYS.binary_search_by(|(k, _)| (*k).cmp(key)).ok().map(|i| SERVICE_KEYS[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_answers_lookups() {
        assert!(SERVICE_KEYS.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(service_key("image"), Some(Typed));
        assert_eq!(service_key("dns"), Some(Extension));
        assert_eq!(service_key("annotations"), Some(Extension));
        assert_eq!(service_key("working_dir"), Some(Typed));
        assert_eq!(service_key("x-foo"), None);
        assert_eq!(service_key("imagee"), None);
    }
}
