//! `resources/shm-size-missing`: a Postgres or GPU/ML service left on Docker's 64 MB `/dev/shm`.

use plimsoll_sdk::model::{Project, Service};
use plimsoll_sdk::query::{base_image, extension_strings, glob_match, target_stage};
use plimsoll_sdk::{Report, subject};

use super::gpu_vram_budget::gpu_requests;
use crate::Settings;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags services that need more shared memory than Docker's default 64 MB `/dev/shm` and set
    /// no `shm_size`: images from the `shm-images` table (Postgres and its variants, PyTorch,
    /// vLLM, Triton, …, matched on the image's last path component or the base of the image a
    /// service builds) and services that reserve a GPU (or use `runtime: nvidia`). A service with
    /// `ipc: host` or a mount on `/dev/shm` has its own shared memory and passes.
    ///
    /// ## Why is this bad?
    /// Postgres allocates parallel query workers' memory in `/dev/shm` and fails queries with
    /// `could not resize shared memory segment` once 64 MB is used; PyTorch data loaders and NCCL
    /// (multi-GPU) pass tensors through it and crash with `bus error` or hang. The failures come
    /// under load, long after the stack looked healthy.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16
    ///     shm_size: 256mb
    /// ```
    ///
    /// ## Settings
    /// - `shm-images`: globs of image names that need a larger `/dev/shm`.
    /// - `exempt-services`: services left out.
    ///
    /// ## References
    /// - [Postgres image: shm](https://github.com/docker-library/docs/blob/master/postgres/README.md#caveats)
    /// - [PyTorch: shared memory in Docker](https://github.com/pytorch/pytorch#docker-image)
    pub static RULE = {
        id: "shm-size-missing",
        severity: Low,
        category: "resources",
        summary: "Postgres or GPU service runs with the default 64 MB `/dev/shm`",
    }
}

/// The last path component of the image a service runs (its `image:`, or the base it builds FROM).
fn image_name(project: &Project, service: &Service) -> Option<String> {
    let image = match target_stage(project, service) {
        Some((_, dockerfile, stage)) => base_image(dockerfile, stage)?,
        None => service.image.as_ref()?,
    };
    Some(image.repository.rsplit('/').next().unwrap_or(&image.repository).to_string())
}

/// Report each service that needs shared memory and has only the default.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    for service in &project.services {
        if service.resources.shm_size.is_some()
            || service.ipc.as_deref().is_some_and(|i| i == "host" || i.starts_with("container:") || i.starts_with("service:"))
            || service.volumes.iter().any(|m| m.target.trim_end_matches('/') == "/dev/shm")
            || extension_strings(service, "tmpfs").iter().any(|t| t.split(':').next() == Some("/dev/shm"))
            || settings.exempt_services.exempts(&service.name)
        {
            continue;
        }
        let name = image_name(project, service);
        let why = match &name {
            Some(n) if settings.shm_images.iter().any(|g| glob_match(g, n)) => format!("runs `{n}`"),
            _ if gpu_requests(service).next().is_some() || service.runtime.as_deref() == Some("nvidia") => {
                "uses a GPU".to_string()
            }
            _ => continue,
        };
        report
            .add(
                &RULE,
                subject::service(&service.name, &[]),
                format!("service `{}` {why} with the default 64 MB `/dev/shm`", service.name),
            )
            .help("set `shm_size` (e.g. `256mb` for Postgres, `8gb` for multi-GPU inference) or `ipc: host`");
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Resources;

    #[test]
    fn postgres_and_gpu_services() {
        let project = from_compose(
            "services:\n  db:\n    image: postgres:16\n  db-ok:\n    image: postgres:16\n    shm_size: 256mb\n  vllm:\n    image: vllm/vllm-openai:v0.5.4\n    ipc: host\n  train:\n    image: acme/train:1\n    deploy: { resources: { reservations: { devices: [{ driver: nvidia, count: 1, capabilities: [gpu] }] } } }\n  api:\n    image: acme/api:1\n",
        );
        let found: Vec<String> =
            run::<Resources>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).map(|f| f.message).collect();
        assert_eq!(
            found,
            [
                "service `db` runs `postgres` with the default 64 MB `/dev/shm`",
                "service `train` uses a GPU with the default 64 MB `/dev/shm`",
            ]
        );
    }
}
