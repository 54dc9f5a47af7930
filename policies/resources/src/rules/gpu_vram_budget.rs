//! `resources/gpu-vram-budget`: the services placed on a GPU ask for more VRAM than it has.

use plimsoll_sdk::model::{DeviceCount, DeviceRequest, HostProfile, Project, Service};
use plimsoll_sdk::units::{GIB, MIB, format_bytes};
use plimsoll_sdk::bindings::plimsoll::policy::host::{Budget, BudgetShare};
use plimsoll_sdk::{Report, query, subject};

use crate::Settings;
use crate::budget::name_list;

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Places every GPU service on the GPUs of the host profile (`host.gpus` in `plimsoll.yaml`) by
    /// its device reservation (`device_ids` name GPUs by index, `count: N` takes the first N,
    /// `count: all` or neither takes every GPU), adds up the VRAM each one asks for, and reports
    /// every GPU where the sum is larger than its VRAM minus `vram-headroom`.
    ///
    /// A service's demand is read from, in order:
    /// - `x-plimsoll: { vram: 8GiB }` on the service;
    /// - an environment variable matching `vram-env-vars` (default: names containing `VRAM` with a
    ///   unit suffix, `VORTEX_MAX_VRAM_GB=11.8`);
    /// - a framework fraction of the GPU's VRAM: vLLM `--gpu-memory-utilization` (0.9 when a vLLM
    ///   image does not set it), JAX `XLA_PYTHON_CLIENT_MEM_FRACTION`.
    ///
    /// An absolute demand is split evenly over the GPUs a service takes. Services whose demand
    /// cannot be read are left out of the sum.
    ///
    /// Every GPU's account (who is placed on it, with how much and where the number came from) is
    /// handed to the reports, which draw it in the Markdown review, the HTML page and the JSON
    /// `budgets`, fitting or not.
    ///
    /// ## Why is this bad?
    /// VRAM is not overcommitted: the second model to load fails with `CUDA out of memory`, or a
    /// framework that preallocates a fraction of the card starves every other process on it. The
    /// failure only shows when both services are up and busy.
    ///
    /// ## Example
    /// ```yaml
    /// # plimsoll.yaml: host: { gpus: [{ name: RTX 3060, vram: 12GiB }] }
    /// services:
    ///   llm:
    ///     image: vllm/vllm-openai:v0.6.3
    ///     command: ["--gpu-memory-utilization", "0.9"]
    ///     deploy: { resources: { reservations: { devices: [{ capabilities: [gpu], count: 1 }] } } }
    ///   tts:
    ///     x-plimsoll: { vram: 3GiB }
    ///     deploy: { resources: { reservations: { devices: [{ capabilities: [gpu], count: 1 }] } } }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// services:
    ///   llm:
    ///     command: ["--gpu-memory-utilization", "0.6"]
    /// ```
    ///
    /// ## Settings
    /// - `vram-env-vars`: globs of environment variables that carry a VRAM budget, with a unit suffix.
    /// - `vram-headroom` (default `256MiB`): VRAM kept free on every GPU.
    /// - `vllm-images`: image name fragments of vLLM servers.
    ///
    /// ## References
    /// - [Compose: enable GPU access](https://docs.docker.com/compose/how-tos/gpu-support/)
    /// - [vLLM engine arguments: --gpu-memory-utilization](https://docs.vllm.ai/en/latest/serving/engine_args.html)
    /// - [JAX: GPU memory allocation](https://docs.jax.dev/en/latest/gpu_memory_allocation.html)
    pub static RULE = {
        id: "gpu-vram-budget",
        severity: High,
        category: "resources",
        summary: "services placed on a GPU ask for more VRAM than it has",
    }
}

/// Bytes per unit of an environment variable named with a unit suffix (`_GB`, `_GIB`, `_MB`, `_MIB`).
pub fn unit_of_env(name: &str) -> Option<f64> {
    let upper = name.to_ascii_uppercase();
    if upper.ends_with("_GIB") {
        Some(GIB as f64)
    } else if upper.ends_with("_GB") {
        Some(1e9)
    } else if upper.ends_with("_MIB") {
        Some(MIB as f64)
    } else if upper.ends_with("_MB") {
        Some(1e6)
    } else {
        None
    }
}

/// Whether a device request asks for GPUs.
pub fn is_gpu(request: &DeviceRequest) -> bool {
    request.capabilities.iter().any(|c| c == "gpu")
        || request.driver.as_deref().is_some_and(|d| d == "nvidia" || d == "amd")
}

/// The GPU device requests of a service.
pub fn gpu_requests(service: &Service) -> impl Iterator<Item = &DeviceRequest> {
    service.resources.devices.iter().filter(|d| is_gpu(d))
}

/// The host GPUs (by index) a service is placed on.
fn placement(service: &Service, gpus: usize) -> Vec<usize> {
    let mut placed = Vec::new();
    for request in gpu_requests(service) {
        let ids: Vec<usize> = request.device_ids.iter().filter_map(|id| id.trim().parse().ok()).collect();
        let take: Vec<usize> = if !request.device_ids.is_empty() {
            ids.into_iter().filter(|i| *i < gpus).collect()
        } else {
            match request.count {
                Some(DeviceCount::Count(n)) => (0..(n as usize).min(gpus)).collect(),
                Some(DeviceCount::All) | None => (0..gpus).collect(),
            }
        };
        for i in take {
            if !placed.contains(&i) {
                placed.push(i);
            }
        }
    }
    placed
}

/// What a service asks for on each GPU it is placed on.
enum Demand {
    /// Bytes in total, split over its GPUs, and where the number comes from.
    Bytes(f64, String),
    /// A fraction of each GPU's VRAM, and where it comes from.
    Fraction(f64, String),
}

fn demand(service: &Service, settings: &Settings) -> Option<Demand> {
    if let Some(bytes) = declared_vram(&service.extensions) {
        return Some(Demand::Bytes(bytes as f64, "`x-plimsoll.vram`".to_string()));
    }
    let env = &service.effective.environment;
    for kv in env {
        let Some(value) = kv.value.as_deref() else { continue };
        if settings.vram_env_vars.iter().any(|p| query::glob_match(p, &kv.name))
            && let (Some(unit), Ok(number)) = (unit_of_env(&kv.name), value.trim().parse::<f64>())
            && number.is_finite()
            && number > 0.0
        {
            return Some(Demand::Bytes(number * unit, format!("`{}={value}`", kv.name)));
        }
    }
    let args: Vec<&str> = service
        .effective
        .entrypoint
        .iter()
        .chain(service.effective.command.iter())
        .flatten()
        .flat_map(|a| a.split_whitespace())
        .collect();
    for (i, arg) in args.iter().enumerate() {
        let value = if let Some(v) = arg.strip_prefix("--gpu-memory-utilization=") {
            Some(v)
        } else if *arg == "--gpu-memory-utilization" {
            args.get(i + 1).copied()
        } else {
            None
        };
        if let Some(fraction) = value.and_then(|v| v.parse::<f64>().ok()).filter(|f| *f > 0.0 && *f <= 1.0) {
            return Some(Demand::Fraction(fraction, format!("`--gpu-memory-utilization {fraction}`")));
        }
    }
    let image = service.image.as_ref().map(|i| i.repository.to_ascii_lowercase()).unwrap_or_default();
    let runs_vllm = settings.vllm_images.iter().any(|p| !p.is_empty() && image.contains(&p.to_ascii_lowercase()))
        || args.iter().take(3).any(|a| *a == "vllm" || a.starts_with("vllm.entrypoints"));
    if runs_vllm {
        return Some(Demand::Fraction(0.9, "vLLM's default `--gpu-memory-utilization 0.9`".to_string()));
    }
    if let Some(value) = query::env(env, "XLA_PYTHON_CLIENT_MEM_FRACTION")
        && let Some(fraction) = value.trim().parse::<f64>().ok().filter(|f| *f > 0.0 && *f <= 1.0)
    {
        return Some(Demand::Fraction(fraction, format!("`XLA_PYTHON_CLIENT_MEM_FRACTION={value}`")));
    }
    None
}

/// `x-plimsoll: { vram: 8GiB }` from a service's extensions JSON.
fn declared_vram(extensions: &str) -> Option<u64> {
    let value: serde_json::Value = serde_json::from_str(extensions).ok()?;
    match value.get("x-plimsoll")?.get("vram")? {
        serde_json::Value::String(s) => plimsoll_sdk::units::parse_bytes(s).ok(),
        serde_json::Value::Number(n) => n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64),
        _ => None,
    }
}

/// Add up the VRAM demand per GPU of the host profile.
pub fn check(project: &Project, settings: &Settings, report: &mut Report) {
    let Some(HostProfile { gpus, .. }) = &project.host else { return };
    if gpus.is_empty() {
        return;
    }
    let headroom = settings.headroom_bytes() as f64;
    // Per GPU: (service, bytes, source).
    let mut per_gpu: Vec<Vec<(&Service, f64, String)>> = vec![Vec::new(); gpus.len()];
    // Per GPU: the services placed on it whose demand cannot be read.
    let mut unknown: Vec<Vec<&str>> = vec![Vec::new(); gpus.len()];
    for service in &project.services {
        if service.replicas == Some(0) || gpu_requests(service).next().is_none() {
            continue;
        }
        let placed = placement(service, gpus.len());
        let Some(demand) = demand(service, settings) else {
            for &gpu in &placed {
                unknown[gpu].push(service.name.as_str());
            }
            continue;
        };
        let replicas = f64::from(service.replicas.unwrap_or(1));
        for &gpu in &placed {
            let (bytes, source) = match &demand {
                Demand::Bytes(b, source) => (b / placed.len() as f64, source.clone()),
                Demand::Fraction(f, source) => (f * gpus[gpu].vram as f64, source.clone()),
            };
            per_gpu[gpu].push((service, bytes * replicas, source));
        }
    }
    account(gpus, &per_gpu, &unknown, headroom, report);
    for (index, users) in per_gpu.iter().enumerate() {
        let gpu = &gpus[index];
        let total: f64 = users.iter().map(|u| u.1).sum();
        let usable = (gpu.vram as f64 - headroom).max(0.0);
        if users.is_empty() || total <= usable {
            continue;
        }
        let mut sorted: Vec<&(&Service, f64, String)> = users.iter().collect();
        sorted.sort_by(|a, b| b.1.total_cmp(&a.1));
        let parts: Vec<String> =
            sorted.iter().map(|(s, b, src)| format!("`{}` {} ({src})", s.name, format_bytes(*b as u64))).collect();
        let names: Vec<&str> = sorted.iter().map(|(s, _, _)| s.name.as_str()).collect();
        let mut finding = report
            .add(
                &RULE,
                subject::service(&sorted[0].0.name, &["deploy", "resources", "reservations", "devices"]),
                format!(
                    "gpu {index} (`{}`, {}) is asked for {} of vram by {}: more than the {} usable after {} headroom",
                    gpu.name,
                    format_bytes(gpu.vram),
                    format_bytes(total as u64),
                    parts.join(", "),
                    format_bytes(usable as u64),
                    format_bytes(headroom as u64)
                ),
            )
            .help(format!(
                "lower the vram budgets of {}, or place them on different gpus with `device_ids`",
                name_list(&names, 5)
            ));
        for (service, _, _) in sorted.iter().skip(1) {
            finding =
                finding.related(subject::service(&service.name, &["deploy", "resources", "reservations", "devices"]));
        }
    }
}

/// Hand the reports the VRAM account of every GPU (when any service asks for one): who is placed
/// on it, with how much and why; a service whose demand cannot be read counts 0, and says so.
fn account(
    gpus: &[plimsoll_sdk::model::Gpu],
    per_gpu: &[Vec<(&Service, f64, String)>],
    unknown: &[Vec<&str>],
    headroom: f64,
    report: &mut Report,
) {
    if per_gpu.iter().all(Vec::is_empty) && unknown.iter().all(Vec::is_empty) {
        return;
    }
    for (index, gpu) in gpus.iter().enumerate() {
        let mut shares: Vec<BudgetShare> = per_gpu[index]
            .iter()
            .map(|(s, bytes, source)| BudgetShare {
                service: s.name.clone(),
                amount: Some(bytes.max(0.0) as u64),
                source: source.clone(),
            })
            .collect();
        shares.sort_by(|a, b| b.amount.cmp(&a.amount).then_with(|| a.service.cmp(&b.service)));
        // Unknown demands come last.
        shares.extend(unknown[index].iter().map(|name| BudgetShare {
            service: (*name).to_string(),
            amount: None,
            source: "not known: set `x-plimsoll.vram` or a VRAM variable".to_string(),
        }));
        report.budget(Budget {
            kind: "vram".to_string(),
            name: format!("gpu {index} ({})", gpu.name),
            capacity: gpu.vram,
            reserved: (headroom.max(0.0) as u64).min(gpu.vram),
            shares,
        });
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::model::{Gpu, HostProfile};
    use plimsoll_sdk::testkit::{from_compose, run};

    use crate::Resources;

    const GPU: &str =
        "deploy: { resources: { reservations: { devices: [{ driver: nvidia, count: 1, capabilities: [gpu] }] } } }";

    fn vram_findings(yaml: &str, cards: &[u64]) -> Vec<String> {
        let mut project = from_compose(yaml);
        project.host = Some(HostProfile {
            memory: None,
            cpus: None,
            reserved_memory: 0,
            reserved_cpus: 0.0,
            gpus: cards.iter().map(|g| Gpu { name: "RTX 3060".into(), vram: g << 30 }).collect(),
        });
        run::<Resources>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).map(|f| f.message).collect()
    }

    #[test]
    fn env_budget_in_decimal_gigabytes_fits_a_12_gib_card() {
        let yaml =
            format!("services:\n  vortex:\n    image: v:1\n    environment: [VORTEX_MAX_VRAM_GB=11.8]\n    {GPU}\n");
        assert!(vram_findings(&yaml, &[12]).is_empty());
    }

    #[test]
    fn two_services_on_one_card_overflow_it() {
        let yaml = format!(
            "services:\n  llm:\n    image: vllm/vllm-openai:v0.6.3\n    {GPU}\n  tts:\n    image: t:1\n    x-plimsoll: {{ vram: 3GiB }}\n    {GPU}\n"
        );
        let got = vram_findings(&yaml, &[12]);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(
            got[0].starts_with("gpu 0 (`RTX 3060`, 12 GiB) is asked for 13.8 GiB of vram by `llm` 10.8 GiB"),
            "{}",
            got[0]
        );
        // On two cards, `device_ids` puts them apart.
        let yaml = yaml.replacen("count: 1", "device_ids: ['1']", 1);
        assert!(vram_findings(&yaml, &[12, 12]).is_empty());
    }

    #[test]
    fn framework_fractions_count() {
        let yaml = format!(
            "services:\n  jax:\n    image: j:1\n    environment: {{ XLA_PYTHON_CLIENT_MEM_FRACTION: '0.75' }}\n    {GPU}\n  llm:\n    image: l:1\n    command: --model m --gpu-memory-utilization=0.5\n    {GPU}\n"
        );
        assert_eq!(vram_findings(&yaml, &[16]).len(), 1);
    }

    #[test]
    fn every_gpu_gets_an_account_for_the_reports() {
        let yaml = format!(
            "services:\n  llm:\n    image: vllm/vllm-openai:v0.6.3\n    {GPU}\n  tts:\n    image: t:1\n    x-plimsoll: {{ vram: 3GiB }}\n    {GPU}\n  odd:\n    image: o:1\n    {GPU}\n  web:\n    image: nginx:1\n"
        );
        let mut project = from_compose(&yaml);
        project.host = Some(HostProfile {
            memory: None,
            cpus: None,
            reserved_memory: 0,
            reserved_cpus: 0.0,
            gpus: vec![Gpu { name: "RTX 3060".into(), vram: 12 << 30 }, Gpu { name: "T4".into(), vram: 16 << 30 }],
        });
        let mut report = plimsoll_sdk::Report::new();
        super::check(&project, &crate::Settings::default(), &mut report);
        let budgets = report.budgets();
        assert_eq!(budgets.len(), 2, "one account per gpu");
        assert_eq!((budgets[0].kind.as_str(), budgets[0].name.as_str()), ("vram", "gpu 0 (RTX 3060)"));
        assert_eq!((budgets[0].capacity, budgets[0].reserved), (12 << 30, 256 << 20));
        let shares: Vec<(&str, Option<u64>, &str)> =
            budgets[0].shares.iter().map(|s| (s.service.as_str(), s.amount, s.source.as_str())).collect();
        let vllm = (0.9 * (12u64 << 30) as f64) as u64;
        assert_eq!(shares[0], ("llm", Some(vllm), "vLLM's default `--gpu-memory-utilization 0.9`"));
        assert_eq!(shares[1], ("tts", Some(3 << 30), "`x-plimsoll.vram`"));
        assert_eq!((shares[2].0, shares[2].1), ("odd", None));
        assert!(shares[2].2.starts_with("not known"), "{shares:?}");
        // `count: 1` takes the first gpu only: the second is empty.
        assert!(budgets[1].shares.is_empty());
        // No gpu service, no account.
        let mut quiet = from_compose("services:\n  web:\n    image: nginx:1\n");
        quiet.host = project.host.clone();
        let mut report = plimsoll_sdk::Report::new();
        super::check(&quiet, &crate::Settings::default(), &mut report);
        assert!(report.budgets().is_empty());
    }
}
