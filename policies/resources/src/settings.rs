//! Settings of the `resources` pack: exemptions, budget ratios, the VRAM knowledge table and the
//! thresholds of app memory settings. Every key has a default; `validate` rejects values a schema
//! cannot rule out (ratios of zero, percentages above 100, unparsable sizes).

use plimsoll_sdk::units::parse_bytes;
use plimsoll_sdk::{ExemptServices, PackSettings};
use schemars::JsonSchema;
use serde::Deserialize;

/// Settings of the `resources` pack (`settings: { resources: … }` in plimsoll.yaml).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct Settings {
    /// Services that need no limits of their own (e.g. one-shot init jobs), by name.
    pub exempt_services: ExemptServices,
    /// How far memory limits may add up beyond the host's usable memory (1.0: not at all, 1.5: 50 % more).
    pub overcommit_ratio: f64,
    /// How far CPU limits may add up beyond the host's usable CPUs (CPU time is shared, not lost).
    pub cpu_overcommit_ratio: f64,
    /// Environment variables that carry a VRAM budget, as globs; the unit comes from the name's suffix
    /// (`_GB`, `_GIB`, `_MB`, `_MIB`).
    pub vram_env_vars: Vec<String>,
    /// VRAM kept free on every GPU for the CUDA context and the display (e.g. `256MiB`).
    pub vram_headroom: String,
    /// Image name fragments of vLLM servers, whose `--gpu-memory-utilization` defaults to 0.9.
    pub vllm_images: Vec<String>,
    /// JVM `-XX:MaxRAMPercentage` above this percentage of the limit leaves too little for the rest of the JVM.
    pub jvm_max_ram_percentage: f64,
    /// Postgres `shared_buffers` above this percentage of the limit is reported as high.
    pub postgres_shared_buffers_high: f64,
    /// Postgres `shared_buffers` above this percentage of the limit is reported as low.
    pub postgres_shared_buffers_low: f64,
    /// Environment variables whose value holds runtime options (`NODE_OPTIONS`, `JAVA_OPTS`, …).
    pub options_env_vars: Vec<String>,
    /// Globs of image names (last path component) that need more than the default 64 MB `/dev/shm` (`shm-size-missing`).
    pub shm_images: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            exempt_services: ExemptServices::default(),
            overcommit_ratio: 1.0,
            cpu_overcommit_ratio: 1.0,
            vram_env_vars: ["*VRAM*_GB", "*VRAM*_GIB", "*VRAM*_MB", "*VRAM*_MIB"].map(String::from).to_vec(),
            vram_headroom: "256MiB".to_string(),
            vllm_images: vec!["vllm".to_string()],
            jvm_max_ram_percentage: 90.0,
            postgres_shared_buffers_high: 40.0,
            postgres_shared_buffers_low: 25.0,
            options_env_vars: ["NODE_OPTIONS", "JAVA_OPTS", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS"]
                .map(String::from)
                .to_vec(),
            shm_images: [
                "postgres",
                "postgis",
                "timescaledb*",
                "pgvector",
                "*pytorch*",
                "vllm*",
                "tritonserver",
                "text-generation-inference",
                "sglang",
                "tensorrt-llm*",
                "deepspeed*",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}

impl Settings {
    /// The VRAM headroom in bytes (validated, so 0 only when it is written as 0).
    pub fn headroom_bytes(&self) -> u64 {
        parse_bytes(&self.vram_headroom).unwrap_or(0)
    }
}

impl PackSettings for Settings {
    fn validate(&self) -> Result<(), String> {
        self.exempt_services.validate()?;
        for (key, ratio) in
            [("overcommit-ratio", self.overcommit_ratio), ("cpu-overcommit-ratio", self.cpu_overcommit_ratio)]
        {
            if !(ratio.is_finite() && ratio > 0.0) {
                return Err(format!("{key}: must be a positive number, got {ratio}"));
            }
        }
        for (key, pct) in [
            ("jvm-max-ram-percentage", self.jvm_max_ram_percentage),
            ("postgres-shared-buffers-high", self.postgres_shared_buffers_high),
            ("postgres-shared-buffers-low", self.postgres_shared_buffers_low),
        ] {
            if !(pct.is_finite() && (0.0..=100.0).contains(&pct)) {
                return Err(format!("{key}: must be a percentage between 0 and 100, got {pct}"));
            }
        }
        if self.postgres_shared_buffers_low > self.postgres_shared_buffers_high {
            return Err(format!(
                "postgres-shared-buffers-low ({}) must not be above postgres-shared-buffers-high ({})",
                self.postgres_shared_buffers_low, self.postgres_shared_buffers_high
            ));
        }
        parse_bytes(&self.vram_headroom).map_err(|e| format!("vram-headroom: {e}"))?;
        for pattern in &self.vram_env_vars {
            if crate::rules::gpu_vram_budget::unit_of_env(pattern).is_none() {
                return Err(format!(
                    "vram-env-vars: `{pattern}` must end with a unit suffix (`_GB`, `_GIB`, `_MB` or `_MIB`)"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::{PackSettings, parse_settings};

    use super::Settings;

    #[test]
    fn defaults_are_valid_and_bad_values_are_rejected() {
        assert!(Settings::default().validate().is_ok());
        let bad = parse_settings::<Settings>(r#"{"overcommit-ratio": 0}"#).unwrap();
        assert!(bad.validate().unwrap_err().contains("overcommit-ratio"));
        let bad = parse_settings::<Settings>(r#"{"vram-env-vars": ["*VRAM*"]}"#).unwrap();
        assert!(bad.validate().unwrap_err().contains("unit suffix"));
        let bad = parse_settings::<Settings>(r#"{"vram-headroom": "lots"}"#).unwrap();
        assert!(bad.validate().unwrap_err().contains("vram-headroom"));
        assert!(parse_settings::<Settings>(r#"{"unknown": 1}"#).is_err());
    }
}
