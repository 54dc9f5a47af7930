//! `resources/gpu-reservation-unbounded`: a GPU reservation that takes every GPU, or says it twice.

use plimsoll_sdk::model::{DeviceCount, Project};
use plimsoll_sdk::{Report, subject};

use super::gpu_vram_budget::{gpu_requests, is_gpu};
use crate::Settings;
use crate::budget::name_list;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags GPU device reservations that take every GPU of the host (`count: all`, or neither
    /// `count` nor `device_ids`) while other services of the project use GPUs too, and
    /// reservations that set `count` and `device_ids` together.
    ///
    /// ## Why is this bad?
    /// A reservation without a bound gives the container every GPU. With a second GPU service on
    /// the same host, both load their models on the same cards and the VRAM budget cannot be
    /// planned. `count` and `device_ids` are mutually exclusive in the Compose specification:
    /// which one wins depends on the engine.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   llm:
    ///     deploy:
    ///       resources:
    ///         reservations:
    ///           devices: [{ driver: nvidia, count: all, capabilities: [gpu] }]
    ///   whisper:
    ///     deploy:
    ///       resources:
    ///         reservations:
    ///           devices: [{ driver: nvidia, count: 1, capabilities: [gpu] }]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   llm:
    ///     deploy:
    ///       resources:
    ///         reservations:
    ///           devices: [{ driver: nvidia, device_ids: ["0"], capabilities: [gpu] }]
    ///   whisper:
    ///     deploy:
    ///       resources:
    ///         reservations:
    ///           devices: [{ driver: nvidia, device_ids: ["1"], capabilities: [gpu] }]
    /// ```
    ///
    /// ## Settings
    /// None.
    ///
    /// ## References
    /// - [Compose: enable GPU access](https://docs.docker.com/compose/how-tos/gpu-support/)
    /// - [Compose deploy specification: devices](https://docs.docker.com/reference/compose-file/deploy/#devices)
    pub static RULE = {
        id: "gpu-reservation-unbounded",
        severity: Medium,
        category: "resources",
        summary: "GPU reservation takes every GPU while other GPU services exist",
    }
}

/// Report unbounded GPU reservations next to other GPU services, and `count` with `device_ids`.
pub fn check(project: &Project, _settings: &Settings, report: &mut Report) {
    let gpu_services: Vec<&str> = project
        .services
        .iter()
        .filter(|s| gpu_requests(s).next().is_some() || s.runtime.as_deref() == Some("nvidia"))
        .map(|s| s.name.as_str())
        .collect();
    for service in &project.services {
        for (index, request) in service.resources.devices.iter().enumerate() {
            if !is_gpu(request) {
                continue;
            }
            let position = index.to_string();
            let path = ["deploy", "resources", "reservations", "devices", position.as_str()];
            // The loader fills `count` from `device_ids` when only they are given: a count that
            // disagrees with them was written next to them.
            let ids = request.device_ids.len();
            let both = ids > 0
                && match request.count {
                    Some(DeviceCount::All) => true,
                    Some(DeviceCount::Count(n)) => n as usize != ids,
                    None => false,
                };
            if both {
                report
                    .add(
                        &RULE,
                        subject::service(&service.name, &path),
                        format!("service `{}` sets both `count` and `device_ids` on a gpu reservation", service.name),
                    )
                    .help("keep `device_ids` to pin the GPUs, or `count` to take any N of them, not both");
                continue;
            }
            let unbounded = request.device_ids.is_empty() && !matches!(request.count, Some(DeviceCount::Count(_)));
            let others: Vec<&str> = gpu_services.iter().copied().filter(|n| *n != service.name).collect();
            if !unbounded || others.is_empty() {
                continue;
            }
            let how = if request.count.is_some() { "`count: all`" } else { "no `count` or `device_ids`" };
            report
                .add(
                    &RULE,
                    subject::service(&service.name, &path),
                    format!(
                        "service `{}` reserves every gpu ({how}) while {} also {} gpus",
                        service.name,
                        name_list(&others, 5),
                        if others.len() == 1 { "uses" } else { "use" }
                    ),
                )
                .help("set `count: 1` or `device_ids: [\"0\"]` so each GPU service gets its own share");
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Resources;

    fn messages(yaml: &str) -> Vec<String> {
        let project = from_compose(yaml);
        run::<Resources>(&project, "")
            .into_iter()
            .filter(|f| f.rule == super::RULE.id)
            .map(|f| f.message)
            .collect()
    }

    #[test]
    fn count_all_next_to_another_gpu_service() {
        let yaml = "services:\n  a:\n    image: a:1\n    deploy: { resources: { reservations: { devices: [{ capabilities: [gpu], count: all }] } } }\n  b:\n    image: b:1\n    deploy: { resources: { reservations: { devices: [{ capabilities: [gpu], count: 1 }] } } }\n";
        assert_eq!(messages(yaml), ["service `a` reserves every gpu (`count: all`) while `b` also uses gpus"]);
    }

    #[test]
    fn alone_on_the_host_it_may_take_everything() {
        let yaml = "services:\n  a:\n    image: a:1\n    deploy: { resources: { reservations: { devices: [{ capabilities: [gpu] }] } } }\n";
        assert!(messages(yaml).is_empty());
    }

    #[test]
    fn device_ids_alone_are_bounded() {
        let yaml = "services:\n  a:\n    image: a:1\n    deploy: { resources: { reservations: { devices: [{ capabilities: [gpu], device_ids: ['0'] }] } } }\n  b:\n    image: b:1\n    deploy: { resources: { reservations: { devices: [{ capabilities: [gpu], device_ids: ['1'] }] } } }\n";
        assert!(messages(yaml).is_empty());
    }
}
