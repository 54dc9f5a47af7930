//! The `markdown` format: a review report a person reads in a pull request or a wiki.
//!
//! By default it fits a pull-request comment (GitHub stops at 65,536 characters; the report stays
//! under [`COMMENT_LIMIT`]): the decision, the score, the counts and the three most important
//! problems; the findings that fail the gate in detail (rule, severity, service, the offending line
//! and the fix), worst first; the other findings as a table per rule and, per project, in a folded
//! `<details>` list; waived findings as counts; the resource tables folded per project. Whatever
//! does not fit is counted, with a pointer to the full report. With `full` it is the complete
//! review, in the order of a hand review: the summary; per project the resource budget (each
//! service's memory and CPU limits and reservations, totals, and a line per host resource with the
//! usable capacity and a verdict, from [`crate::budgets`]), the GPU VRAM per GPU (the accounts the
//! resources pack reports), the startup ([`crate::startup`]) and the
//! images and builds ([`crate::builds`]); then the findings by category → rule → occurrences, the
//! waived findings with their reasons, and the errors.

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

/// CPUs without trailing zeros (`0.5`, `2`, `0.125`).
pub(crate) fn cpus(n: f64) -> String {
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

/// The most bytes the default report takes (a GitHub comment holds 65,536 characters; a byte is
/// never more than a character, and the margin leaves room for a bot's own header).
pub const COMMENT_LIMIT: usize = 60_000;

pub(super) fn render(outcome: &Outcome, full: bool) -> String {
    if full { render_full(outcome) } else { render_comment(outcome) }
}

/// Appends sections while they fit under [`COMMENT_LIMIT`], counting what is left out.
struct Budget {
    out: String,
    /// Reserved for the closing lines.
    reserve: usize,
    omitted: usize,
}

impl Budget {
    /// Append `text` if it fits; `false` (and nothing appended) otherwise.
    fn push(&mut self, text: &str) -> bool {
        if self.out.len() + text.len() + self.reserve > COMMENT_LIMIT {
            return false;
        }
        self.out.push_str(text);
        true
    }
}

fn header(out: &mut String, outcome: &Outcome) {
    let total = outcome.total_findings();
    let counts = crate::severity_counts(outcome, |s| s.to_string());
    let _ = writeln!(out, "# Plimsoll review\n");
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ =
        writeln!(out, "| Decision | **{}** (fails on `{}` and above) |", outcome.decision.as_str(), outcome.fail_on);
    let _ = writeln!(out, "| Score | {}/100 |", outcome.score);
    let _ = writeln!(
        out,
        "| Findings | {total}{} |",
        if counts.is_empty() { String::new() } else { format!(" ({})", counts.join(", ")) }
    );
    let mut waived: BTreeMap<&str, usize> = BTreeMap::new();
    for s in outcome.projects.iter().flat_map(|p| &p.suppressed) {
        *waived.entry(s.suppression.kind()).or_default() += 1;
    }
    let by: Vec<String> = waived.iter().map(|(k, n)| format!("{n} by {k}")).collect();
    let _ = writeln!(
        out,
        "| Waived | {}{} |",
        outcome.stats.suppressed,
        if by.is_empty() { String::new() } else { format!(" ({})", by.join(", ")) }
    );
    let paths: Vec<String> = outcome.projects.iter().take(10).map(|p| format!("`{}`", cell(&p.path))).collect();
    let more = outcome.projects.len().saturating_sub(10);
    let _ = writeln!(
        out,
        "| Projects | {}{}{} |",
        outcome.projects.len(),
        if paths.is_empty() { String::new() } else { format!(": {}", paths.join(", ")) },
        if more > 0 { format!(" and {more} more") } else { String::new() }
    );
    let top = crate::top_problems(outcome, 3);
    if !top.is_empty() {
        let _ = writeln!(out, "\n**Most important problems**\n");
        for (i, (rule, severity, first, more)) in top.into_iter().enumerate() {
            let also = if more > 0 { format!(" (and {more} more)") } else { String::new() };
            // Bounded: the header is written before the comment's size budget applies.
            let mut message = first.message.replace('\n', " ");
            if message.len() > 300 {
                let cut = (0..=300).rev().find(|i| message.is_char_boundary(*i)).unwrap_or(0);
                message.truncate(cut);
                message.push('…');
            }
            let _ = writeln!(out, "{}. **{severity}** `{rule}`: {message}{also}.", i + 1);
        }
    }
}

fn errors_section(out: &mut String, outcome: &Outcome) {
    let errors: Vec<_> = outcome.errors().collect();
    if errors.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n## Errors\n");
    for e in errors {
        let place = match (&e.file, e.line) {
            (Some(f), Some(l)) => format!("`{f}:{l}` "),
            (Some(f), None) => format!("`{f}` "),
            _ => String::new(),
        };
        let shared = outcome.projects_with(e);
        let projects = if shared > 1 { format!(" ({shared} projects)") } else { String::new() };
        let _ = writeln!(out, "- **{} error** {place}{}{projects}", e.kind, e.message.replace('\n', " "));
    }
}

fn detail(sources: &mut crate::snippets::Snippets, f: &Finding) -> String {
    let service = f.service.as_ref().map(|s| format!(" · service `{s}`")).unwrap_or_default();
    format!("#### `{}` · {}{}\n\n{}", f.rule, f.severity, service, occurrence(sources, f))
}

/// The default report: one that fits a pull-request comment.
fn render_comment(outcome: &Outcome) -> String {
    let mut sources = crate::snippets::Snippets::of(outcome);
    let mut out = String::new();
    header(&mut out, outcome);
    errors_section(&mut out, outcome);
    let mut budget = Budget { out, reserve: 400, omitted: 0 };
    let mut failing: Vec<&Finding> = Vec::new();
    let mut other: Vec<(&ProjectResult, &Finding)> = Vec::new();
    for p in &outcome.projects {
        for f in &p.findings {
            if f.severity >= p.fail_on() { failing.push(f) } else { other.push((p, f)) }
        }
    }
    failing.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| (&a.file, a.line).cmp(&(&b.file, b.line))));
    if failing.is_empty() && other.is_empty() {
        budget.push("\n## Findings\n\nNo findings.\n");
    }
    if !failing.is_empty() {
        budget.push(&format!("\n## Findings that fail the gate ({})\n\n", failing.len()));
        for (i, f) in failing.iter().enumerate() {
            if !budget.push(&detail(&mut sources, f)) {
                budget.omitted += failing.len() - i;
                break;
            }
        }
    }
    if !other.is_empty() {
        budget.push(&format!("\n## Other findings ({})\n\n", other.len()));
        let mut by_rule: BTreeMap<&str, (plimsoll_runtime::Severity, Vec<String>)> = BTreeMap::new();
        for (_, f) in &other {
            let entry = by_rule.entry(f.rule.as_str()).or_insert((f.severity, Vec::new()));
            entry.0 = entry.0.max(f.severity);
            let what = f.service.clone().unwrap_or_else(|| f.file.clone());
            if !entry.1.contains(&what) {
                entry.1.push(what);
            }
        }
        let mut rules: Vec<_> = by_rule.into_iter().collect();
        rules.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
        let mut table = String::from("| rule | severity | findings | where |\n|---|---|---:|---|\n");
        for (rule, (severity, places)) in &rules {
            let count = other.iter().filter(|(_, f)| f.rule == *rule).count();
            let shown: Vec<String> = places.iter().take(5).map(|p| format!("`{}`", cell(p))).collect();
            let more = places.len().saturating_sub(5);
            let _ = writeln!(
                table,
                "| `{rule}` | {severity} | {count} | {}{} |",
                shown.join(", "),
                if more > 0 { format!(" and {more} more") } else { String::new() }
            );
        }
        table.push('\n');
        budget.push(&table);
        for p in &outcome.projects {
            let listed: Vec<&Finding> = other.iter().filter(|(q, _)| std::ptr::eq(*q, p)).map(|(_, f)| *f).collect();
            if listed.is_empty() {
                continue;
            }
            let mut section = format!(
                "<details><summary><code>{}</code>: {} finding{} below <code>{}</code></summary>\n\n| severity | rule | where | message |\n|---|---|---|---|\n",
                html(&p.path),
                listed.len(),
                if listed.len() == 1 { "" } else { "s" },
                p.fail_on()
            );
            for f in &listed {
                let _ = writeln!(
                    section,
                    "| {} | `{}` | `{}:{}` | {} |",
                    f.severity,
                    f.rule,
                    cell(&f.file),
                    f.line,
                    cell(&f.message)
                );
            }
            section.push_str("\n</details>\n\n");
            if !budget.push(&section) {
                budget.omitted += listed.len();
            }
        }
    }
    let several = outcome.projects.len() > 1;
    for project in &outcome.projects {
        let mut table = String::new();
        resources(&mut table, project, several);
        if table.is_empty() {
            continue;
        }
        let folded = format!(
            "<details><summary>Resources of <code>{}</code></summary>\n\n{}</details>\n\n",
            html(&project.path),
            table.replacen(&format!("## Resources of `{}`\n\n", project.path), "", 1).replacen(
                "## Resources\n\n",
                "",
                1
            )
        );
        budget.push(&folded);
    }
    let mut out = budget.out;
    if budget.omitted > 0 {
        let _ = writeln!(
            out,
            "\n{} finding{} not shown to keep this report within a pull-request comment; \
             `plimsoll check --format markdown --full` writes the complete review.",
            budget.omitted,
            if budget.omitted == 1 { " is" } else { "s are" }
        );
    }
    out
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The complete review (`--full`), in the order of a hand review: the summary, then per project
/// the resource budget, the startup and the images and builds, then the findings by category →
/// rule → occurrences, the waived findings and the errors.
fn render_full(outcome: &Outcome) -> String {
    let mut out = String::new();
    let mut sources = crate::snippets::Snippets::of(outcome);
    let findings: Vec<&Finding> = outcome.findings().collect();
    header(&mut out, outcome);
    out.push('\n');
    let several = outcome.projects.len() > 1;
    for project in &outcome.projects {
        resources(&mut out, project, several);
        accounts(&mut out, project, several);
        startup(&mut out, project, several);
        builds(&mut out, project, several);
    }
    let _ = writeln!(out, "## Findings\n");
    if findings.is_empty() {
        let _ = writeln!(out, "No findings.\n");
    }
    let mut by_category: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &findings {
        by_category.entry(f.category.as_str()).or_default().push(f);
    }
    for (category, list) in by_category {
        let _ = writeln!(out, "### {} ({})\n", category, list.len());
        for mut group in crate::rule_groups(list) {
            // Worst first, then by place across projects.
            group
                .findings
                .sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| (&a.file, a.line).cmp(&(&b.file, b.line))));
            let (rule, fs) = (group.rule, &group.findings);
            let services = group.services();
            let hits = if services.is_empty() {
                String::new()
            } else {
                format!(" — {}", services.iter().map(|s| format!("`{}`", cell(s))).collect::<Vec<_>>().join(", "))
            };
            let _ = writeln!(
                out,
                "#### `{rule}` · {} · {} finding{}{hits}\n",
                fs[0].severity,
                fs.len(),
                if fs.len() == 1 { "" } else { "s" }
            );
            out.push_str(&occurrence(&mut sources, fs[0]));
            if fs.len() > 1 {
                let _ = writeln!(out, "Also:\n");
                for f in &fs[1..] {
                    let service = f.service.as_ref().map(|s| format!(" `{}`", cell(s))).unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "- `{}:{}:{}`{service} ({}): {}",
                        f.file,
                        f.line,
                        f.column,
                        f.severity,
                        f.message.replace('\n', " ")
                    );
                }
                out.push('\n');
            }
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
    errors_section(&mut out, outcome);
    out
}

/// One finding under its rule's heading: the message, where, the offending line, related places
/// and the fix.
fn occurrence(sources: &mut crate::snippets::Snippets, f: &Finding) -> String {
    let mut out = String::new();
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
    out
}

/// The startup table: per service its healthcheck's grace, what it waits for and the worst case to
/// healthy, with the chain that dominates the whole stack's.
fn startup(out: &mut String, project: &ProjectResult, several: bool) {
    use crate::startup::duration;
    let all = crate::startup::of(project);
    let Some(slowest) = all.iter().rev().max_by_key(|s| (s.worst_ms, s.chain.len())) else { return };
    let title = if several { format!("## Startup of `{}`\n", project.path) } else { "## Startup\n".to_string() };
    let _ = writeln!(out, "{title}");
    let chain = slowest.chain.iter().map(|s| format!("`{}`", cell(s))).collect::<Vec<_>>().join(" → ");
    let _ = writeln!(
        out,
        "Worst case to healthy: **{}**, along {chain} (each healthcheck's `start_period + retries × interval`, Docker's defaults where unset, added up along `service_healthy` dependencies).\n",
        duration(slowest.worst_ms)
    );
    let _ = writeln!(out, "| service | healthcheck grace | waits for (healthy) | worst case to healthy |");
    let _ = writeln!(out, "|---|---:|---|---:|");
    for s in &all {
        let waits = if s.waits_for.is_empty() {
            "—".to_string()
        } else {
            s.waits_for.iter().map(|w| format!("`{}`", cell(w))).collect::<Vec<_>>().join(", ")
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {waits} | {} |",
            cell(&s.service),
            s.grace_ms.map(duration).unwrap_or_else(|| "no healthcheck".to_string()),
            duration(s.worst_ms)
        );
    }
    out.push('\n');
}

/// The table of the services that build an image: what the build sends, the Dockerfile, its base
/// image and the user.
fn builds(out: &mut String, project: &ProjectResult, several: bool) {
    let built = crate::builds::of(project);
    if built.is_empty() {
        return;
    }
    let title = if several {
        format!("## Images and builds of `{}`\n", project.path)
    } else {
        "## Images and builds\n".to_string()
    };
    let _ = writeln!(out, "{title}");
    let _ = writeln!(
        out,
        "| service | context sent | .dockerignore | notable entries sent | Dockerfile | stages | base image | user |"
    );
    let _ = writeln!(out, "|---|---:|---|---|---|---:|---|---|");
    for b in built {
        let sent = match b.sent {
            Some((size, files)) => format!("{} ({files} files)", bytes(size)),
            None => "—".to_string(),
        };
        let notable = if b.notable.is_empty() {
            "—".to_string()
        } else {
            b.notable
                .iter()
                .map(|(path, kind, size)| format!("`{}` ({kind}, {})", cell(path), bytes(*size)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            out,
            "| `{}` | {sent} | {} | {notable} | `{}` | {} | {} | `{}` ({}) |",
            cell(&b.service),
            b.dockerignore.as_deref().map(|d| format!("`{}`", cell(d))).unwrap_or_else(|| "none".to_string()),
            cell(&b.dockerfile),
            b.stages,
            b.base.as_deref().map(|i| format!("`{}`", cell(i))).unwrap_or_else(|| "—".to_string()),
            cell(&b.user.0),
            b.user.1
        );
    }
    out.push('\n');
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
        limit_total = limit_total.saturating_add(r.memory_limit.unwrap_or(0).saturating_mul(replicas));
        reservation_total =
            reservation_total.saturating_add(r.memory_reservation.unwrap_or(0).saturating_mul(replicas));
        cpu_total += r.cpu_limit.unwrap_or(0.0) * replicas as f64;
        // As the budgets count them: a service scaled to zero takes nothing.
        unlimited += usize::from(r.memory_limit.is_none() && replicas > 0);
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
    if let Some(b) = crate::budgets::of(project) {
        for (name, budget) in [("Memory", &b.memory), ("CPU", &b.cpu)] {
            let _ = writeln!(out, "{}\n", budget_line(name, budget));
        }
    }
}

/// The packs' accounts (each GPU's VRAM): per account the services placed on it, their demand and
/// where the number came from, the total against the usable capacity, and the verdict.
fn accounts(out: &mut String, project: &ProjectResult, several: bool) {
    let Some(b) = crate::budgets::of(project) else { return };
    if b.accounts.is_empty() {
        return;
    }
    let of = if several { format!(" of `{}`", project.path) } else { String::new() };
    let _ = writeln!(out, "## {}{of}\n", crate::budgets::accounts_heading(&b.accounts));
    for a in &b.accounts {
        let n = |v| account_amount(a, v);
        let kind = if a.kind == "vram" { String::new() } else { format!("{} · ", a.kind) };
        let _ = writeln!(out, "### {kind}{}\n", cell(&a.name));
        if a.services.is_empty() {
            let _ = writeln!(
                out,
                "No service is placed on it: {} of {} free ({} kept free).\n",
                n(a.usable),
                n(a.capacity),
                n(a.reserved)
            );
            continue;
        }
        let _ = writeln!(out, "| service | demand | from |\n|---|---:|---|");
        for s in &a.services {
            let demand = if s.unknown { "?".to_string() } else { n(s.amount) };
            let _ = writeln!(out, "| `{}` | {} | {} |", cell(&s.service), demand, cell(&s.source));
        }
        let _ = writeln!(out, "| **total** | **{}** | |\n", n(a.total));
        let headroom = if a.total <= a.usable {
            format!("{} to spare", n(a.usable - a.total))
        } else {
            format!("{} short", n(a.total - a.usable))
        };
        let _ = writeln!(
            out,
            "**{}:** {} of {} usable ({}, {} kept free){}: {headroom}. Verdict: {}.\n",
            a.name,
            n(a.total),
            n(a.usable),
            n(a.capacity),
            n(a.reserved),
            a.percent.map(|p| format!(", {p:.0} %")).unwrap_or_default(),
            a.sentence()
        );
    }
}

/// An amount in an account's unit: `10.99 GiB`, or the number.
pub(crate) fn account_amount(a: &crate::budgets::Account, v: u64) -> String {
    if a.unit == "bytes" { bytes(v) } else { v.to_string() }
}

/// An amount of a budget's resource: `1.5 GiB`, `3.5 CPUs`.
pub(crate) fn amount(b: &crate::budgets::Budget, v: f64) -> String {
    if b.unit == "bytes" { bytes(v as u64) } else { format!("{} CPUs", cpus(v)) }
}

/// `Memory: limits 12 GiB, reservations 4 GiB of 14 GiB usable (16 GiB, 2 GiB kept for the host):
/// limits 86 %. Verdict: …`
pub(crate) fn budget_line(name: &str, b: &crate::budgets::Budget) -> String {
    let of = match (b.usable, b.capacity) {
        (Some(u), Some(c)) => format!(
            " of {} usable ({}, {} kept for the host): limits {:.0} %, reservations {:.0} %",
            amount(b, u),
            amount(b, c),
            amount(b, b.reserved_for_host),
            b.limits_percent.unwrap_or(0.0),
            b.reservations_percent.unwrap_or(0.0)
        ),
        _ => String::new(),
    };
    format!(
        "**{name}:** limits {}, reservations {}{of}. Verdict: {}.",
        amount(b, b.limits),
        amount(b, b.reservations),
        b.verdict.sentence()
    )
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
