//! `resources/gpu-legacy-runtime`: a GPU requested with `runtime: nvidia` or `NVIDIA_VISIBLE_DEVICES`
//! alone instead of a device reservation.

use plimsoll_sdk::model::Project;
use plimsoll_sdk::query::env;
use plimsoll_sdk::{Report, subject};

use super::gpu_vram_budget::gpu_requests;
use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags services that get their GPU the legacy way: `runtime: nvidia`, or only an
    /// `NVIDIA_VISIBLE_DEVICES` environment variable (other than `void`/`none`), with no
    /// `deploy.resources.reservations.devices` entry (or `gpus:`).
    ///
    /// ## Why is this bad?
    /// The `nvidia` runtime must be installed and registered on every host, and it hands the
    /// container whatever `NVIDIA_VISIBLE_DEVICES` says — often `all` — outside of anything
    /// Compose or the budget rules can see: two services on one GPU go unnoticed until one runs
    /// out of memory. A device reservation works with the stock runtime (the NVIDIA container
    /// toolkit's CDI or hook) and states which GPUs and how many.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   ollama:
    ///     image: ollama/ollama:0.3.12
    ///     runtime: nvidia
    ///     environment: [NVIDIA_VISIBLE_DEVICES=all]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   ollama:
    ///     image: ollama/ollama:0.3.12
    ///     deploy:
    ///       resources:
    ///         reservations:
    ///           devices: [{ driver: nvidia, count: 1, capabilities: [gpu] }]
    /// ```
    ///
    /// ## References
    /// - [Compose: GPU support](https://docs.docker.com/compose/how-tos/gpu-support/)
    pub static RULE = {
        id: "gpu-legacy-runtime",
        severity: Low,
        category: "resources",
        summary: "GPU requested with `runtime: nvidia` or an environment variable instead of a device reservation",
    }
}

/// Report each service that uses the legacy runtime or variable without a device reservation.
pub fn check(project: &Project, _settings: &Settings, report: &mut Report) {
    for service in &project.services {
        if gpu_requests(service).next().is_some() {
            continue;
        }
        if service.runtime.as_deref() == Some("nvidia") {
            report
                .add(
                    &RULE,
                    subject::service(&service.name, &["runtime"]),
                    format!("service `{}` gets its GPU through `runtime: nvidia`, not a device reservation", service.name),
                )
                .help("replace it with `deploy.resources.reservations.devices: [{ driver: nvidia, count: 1, capabilities: [gpu] }]`");
            continue;
        }
        let Some(devices) = env(&service.environment, "NVIDIA_VISIBLE_DEVICES") else { continue };
        if matches!(devices.trim(), "" | "void" | "none" | "NoDevFiles") {
            continue;
        }
        report
            .add(
                &RULE,
                subject::service(&service.name, &["environment", "NVIDIA_VISIBLE_DEVICES"]),
                format!(
                    "service `{}` selects GPUs with `NVIDIA_VISIBLE_DEVICES={devices}` but reserves no device",
                    service.name
                ),
            )
            .help("reserve the GPUs with `deploy.resources.reservations.devices` (`device_ids` or `count`)");
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Resources;

    #[test]
    fn legacy_runtime_and_variable() {
        let project = from_compose(
            "services:\n  a:\n    image: x:1\n    runtime: nvidia\n  b:\n    image: x:1\n    environment: [NVIDIA_VISIBLE_DEVICES=0]\n  c:\n    image: x:1\n    environment: [NVIDIA_VISIBLE_DEVICES=all]\n    deploy: { resources: { reservations: { devices: [{ driver: nvidia, count: 1, capabilities: [gpu] }] } } }\n  d:\n    image: x:1\n    environment: [NVIDIA_VISIBLE_DEVICES=void]\n",
        );
        let found: Vec<String> =
            run::<Resources>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).map(|f| f.message).collect();
        assert_eq!(
            found,
            [
                "service `a` gets its GPU through `runtime: nvidia`, not a device reservation",
                "service `b` selects GPUs with `NVIDIA_VISIBLE_DEVICES=0` but reserves no device",
            ]
        );
    }
}
