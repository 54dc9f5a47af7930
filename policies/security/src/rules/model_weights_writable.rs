//! `security/model-weights-writable`: a volume holding model weights mounted read-write.

use plimsoll_sdk::Report;
use plimsoll_sdk::model::{MountKind, Project};
use plimsoll_sdk::query::glob_match;

use crate::Settings;
use crate::common::entry;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags volumes and bind mounts that hold model weights — mounted at `/models`, `/weights`, a
    /// Hugging Face cache, or named like `model-weights` — without `:ro`.
    ///
    /// ## Why is this bad?
    /// Model weights are code: a pickled checkpoint runs arbitrary Python when loaded, and a
    /// subtly modified weight file changes what the model answers. A serving container that can
    /// write its weights lets one compromise persist across restarts and spread to every service
    /// sharing the volume. Serving only needs to read them.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   vortex:
    ///     volumes:
    ///       - model-weights:/models
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   vortex:
    ///     volumes:
    ///       - model-weights:/models:ro
    /// ```
    /// and download weights in a separate one-shot service that mounts the volume read-write.
    ///
    /// ## Settings
    /// - `model-weight-paths`: globs of container paths that hold weights.
    /// - `model-weight-sources`: globs of volume names or host paths that hold weights.
    ///
    /// ## References
    /// - [Hugging Face: pickle scanning and safetensors](https://huggingface.co/docs/hub/security-pickle)
    /// - [OWASP ML06: AI supply chain attacks](https://owasp.org/www-project-machine-learning-security-top-10/)
    pub static RULE = {
        id: "model-weights-writable",
        severity: Medium,
        category: "security",
        summary: "volume holding model weights is mounted read-write",
    }
}

/// Report every writable mount that holds model weights.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in &project.services {
        for (index, mount) in service.volumes.iter().enumerate() {
            if mount.read_only || !matches!(mount.kind, MountKind::Bind | MountKind::Volume) {
                continue;
            }
            let by_path = settings.model_weight_paths.iter().any(|p| glob_match(p, mount.target.trim_end_matches('/')));
            let by_source = mount.source.as_deref().is_some_and(|s| {
                let name = s.trim_end_matches('/').rsplit('/').next().unwrap_or(s);
                settings.model_weight_sources.iter().any(|p| glob_match(p, name))
            });
            if !by_path && !by_source {
                continue;
            }
            let source = mount.source.as_deref().map(|s| format!("`{s}` ")).unwrap_or_default();
            report
                .add(
                    &RULE,
                    entry(&service.name, "volumes", index),
                    format!("service `{}` mounts model weights {source}read-write at `{}`", service.name, mount.target),
                )
                .help("add `:ro` to the mount and download weights in a separate one-shot service");
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Security;

    #[test]
    fn writable_weight_mounts() {
        let project = from_compose(
            "services:\n  a:\n    image: x:1\n    volumes:\n      - model-weights:/models\n      - out:/output\n      - ./hf:/root/.cache/huggingface:ro\n      - cache:/root/.cache/huggingface\nvolumes:\n  model-weights:\n  out:\n  cache:\n",
        );
        let found: Vec<String> = run::<Security>(&project, "")
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.message)
            .collect();
        assert_eq!(
            found,
            [
                "service `a` mounts model weights `model-weights` read-write at `/models`",
                "service `a` mounts model weights `cache` read-write at `/root/.cache/huggingface`"
            ]
        );
    }
}
