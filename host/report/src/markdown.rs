//! The `markdown` format: a review report a person reads in a pull request or a wiki.
//!
//! It opens with the decision, the score and the counts; then the findings grouped by category, each
//! with its rule, severity, service, the offending line quoted from the file and the fix; then the
//! waived findings with their reasons; and last, per project, a table of each service's memory and
//! CPU limits and reservations taken from the model, with totals against the host profile.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use plimsoll_model::model::DeviceCount;

use plimsoll_check::{Finding, Outcome, ProjectResult};

/// Bytes as a short binary size (`512 MiB`, `1.5 GiB`).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text} {}", UNITS[unit])
}

fn cpus(n: f64) -> String {
    let text = format!("{n:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn fence(file: &str) -> &'static str {
    if file.ends_with(".yaml") || file.ends_with(".yml") {
        "yaml"
    } else if plimsoll_model::compose::is_dockerfile_name(std::path::Path::new(file)) {
        "dockerfile"
    } else {
        ""
    }
}

pub(super) fn render(outcome: &Outcome) -> String {
    let mut out = String::new();
    let mut sources = crate::snippets::Snippets::default();
    let findings: Vec<&Finding> = outcome.findings().collect();
    let counts: Vec<String> =
        outcome.summary.iter().rev().filter(|(_, n)| **n > 0).map(|(s, n)| format!("{n} {s}")).collect();
    let _ = writeln!(out, "# Plimsoll review\n");
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ =
        writeln!(out, "| Decision | **{}** (fails on `{}` and above) |", outcome.decision.as_str(), outcome.fail_on);
    let _ = writeln!(out, "| Score | {}/100 |", outcome.score);
    let _ = writeln!(
        out,
        "| Findings | {}{} |",
        findings.len(),
        if counts.is_empty() { String::new() } else { format!(" ({})", counts.join(", ")) }
    );
    let _ = writeln!(out, "| Waived | {} |", outcome.stats.suppressed);
    let paths: Vec<String> = outcome.projects.iter().map(|p| format!("`{}`", cell(&p.path))).collect();
    let _ = writeln!(out, "| Projects | {} |", paths.join(", "));
    let errors: Vec<_> = outcome.errors().collect();
    if !errors.is_empty() {
        let _ = writeln!(out, "\n## Errors\n");
        for e in errors {
            let place = match (&e.file, e.line) {
                (Some(f), Some(l)) => format!("`{f}:{l}` "),
                (Some(f), None) => format!("`{f}` "),
                _ => String::new(),
            };
            let _ = writeln!(out, "- **{} error** {place}{}", e.kind, e.message);
        }
    }
    let _ = writeln!(out, "\n## Findings\n");
    if findings.is_empty() {
        let _ = writeln!(out, "No findings.");
    }
    let mut by_category: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &findings {
        by_category.entry(f.category.as_str()).or_default().push(f);
    }
    for (category, mut list) in by_category {
        list.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| (&a.file, a.line).cmp(&(&b.file, b.line))));
        let _ = writeln!(out, "### {} ({})\n", category, list.len());
        for f in list {
            let service = f.service.as_ref().map(|s| format!(" · service `{s}`")).unwrap_or_default();
            let _ = writeln!(out, "#### `{}` · {}{}\n", f.rule, f.severity, service);
            let _ = writeln!(out, "{}\n", f.message);
            let _ = writeln!(out, "`{}:{}:{}`", f.file, f.line, f.column);
            if let Some(text) = sources.line(&f.path, f.line) {
                let _ = writeln!(out, "```{}\n{}\n```", fence(&f.file), text);
            }
            for r in &f.related {
                let _ = writeln!(out, "- related: `{}:{}:{}`", r.file, r.line, r.column);
            }
            if let Some(help) = &f.help {
                let _ = writeln!(out, "\n**Fix:** {help}");
            }
            out.push('\n');
        }
    }
    let suppressed: Vec<_> = outcome.projects.iter().flat_map(|p| &p.suppressed).collect();
    if !suppressed.is_empty() {
        let _ = writeln!(out, "## Waived findings\n");
        let _ = writeln!(out, "| rule | where | by | reason |\n|---|---|---|---|");
        for s in suppressed {
            let f = &s.finding;
            let _ = writeln!(
                out,
                "| `{}` | `{}:{}` | {} | {} |",
                f.rule,
                cell(&f.file),
                f.line,
                s.suppression.kind(),
                cell(s.suppression.reason().unwrap_or("accepted in the baseline"))
            );
        }
        out.push('\n');
    }
    for project in &outcome.projects {
        resources(&mut out, project, outcome.projects.len() > 1);
    }
    out
}

/// The per-service table of limits and reservations of one project.
fn resources(out: &mut String, project: &ProjectResult, several: bool) {
    let Some(loaded) = &project.loaded else { return };
    let services = &loaded.model.services;
    if services.is_empty() {
        return;
    }
    let title = if several { format!("## Resources of `{}`\n", project.path) } else { "## Resources\n".to_string() };
    let _ = writeln!(out, "{title}");
    let _ = writeln!(
        out,
        "| service | replicas | memory limit | memory reservation | CPU limit | CPU reservation | pids limit | GPUs |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---|");
    let dash = || "—".to_string();
    let (mut limit_total, mut reservation_total, mut cpu_total, mut unlimited) = (0u64, 0u64, 0f64, 0);
    for s in services {
        let r = &s.resources;
        let replicas = u64::from(s.replicas.unwrap_or(1));
        limit_total += r.memory_limit.unwrap_or(0) * replicas;
        reservation_total += r.memory_reservation.unwrap_or(0) * replicas;
        cpu_total += r.cpu_limit.unwrap_or(0.0) * replicas as f64;
        unlimited += usize::from(r.memory_limit.is_none());
        let gpus = if r.devices.is_empty() {
            dash()
        } else {
            r.devices
                .iter()
                .map(|d| match (&d.count, d.device_ids.is_empty()) {
                    (Some(DeviceCount::All), _) => "all".to_string(),
                    (Some(DeviceCount::Count(n)), _) => n.to_string(),
                    (None, false) => format!("ids {}", d.device_ids.join(",")),
                    (None, true) => "all".to_string(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} | {} | {} |",
            cell(&s.name),
            replicas,
            r.memory_limit.map(bytes).unwrap_or_else(dash),
            r.memory_reservation.map(bytes).unwrap_or_else(dash),
            r.cpu_limit.map(cpus).unwrap_or_else(dash),
            r.cpu_reservation.map(cpus).unwrap_or_else(dash),
            r.pids_limit.map(|p| p.to_string()).unwrap_or_else(dash),
            gpus
        );
    }
    let _ = writeln!(
        out,
        "| **total** | | **{}** | **{}** | **{}** | | | |",
        bytes(limit_total),
        bytes(reservation_total),
        cpus(cpu_total)
    );
    out.push('\n');
    if unlimited > 0 {
        let _ = writeln!(
            out,
            "{unlimited} of {} service{} ha{} no memory limit: the total is a lower bound.\n",
            services.len(),
            if services.len() == 1 { "" } else { "s" },
            if unlimited == 1 { "s" } else { "ve" }
        );
    }
    if let Some(host) = &loaded.model.host
        && let Some(memory) = host.memory
    {
        let usable = memory.saturating_sub(host.reserved_memory);
        let _ = writeln!(
            out,
            "Host: {} of memory, {} reserved: {} usable; memory limits use {:.0} % of it.\n",
            bytes(memory),
            bytes(host.reserved_memory),
            bytes(usable),
            if usable == 0 { 0.0 } else { 100.0 * limit_total as f64 / usable as f64 }
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_well() {
        assert_eq!(bytes(512 << 20), "512 MiB");
        assert_eq!(bytes(3 << 29), "1.5 GiB");
        assert_eq!(bytes(100), "100 B");
        assert_eq!(cpus(0.5), "0.5");
        assert_eq!(cpus(2.0), "2");
    }
}
