//! The `html` format: one self-contained review page — inline CSS and SVG, no external request,
//! readable without JavaScript — with the decision and score, the most important problems, per
//! project the resource budgets (memory, CPU and each GPU's VRAM) drawn as stacked bars against the **Plimsoll line** (the host's
//! usable capacity; what passes it is red), the findings in a table a small inline script can
//! filter by severity and pack, the waived findings and the errors.
//!
//! It renders an [`Outcome`] and nothing else: the numbers come from [`crate::budgets`], as the
//! JSON and Markdown formats' do, so the three always agree.

use std::fmt::Write as _;

use plimsoll_check::{Finding, Outcome, ProjectResult};
use plimsoll_runtime::Severity;

use crate::budgets::{self, Budget};
use crate::markdown::{account_amount, amount, bytes};

/// Text for HTML element content and attribute values (the XML escaping of the JUnit format).
fn esc(text: &str) -> String {
    crate::junit::xml(text)
}

/// Text with Markdown code spans (`` `redis` ``) as `<code>` elements, the rest escaped; an
/// unpaired backtick stays a backtick.
fn prose(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return esc(text);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { format!("<code>{}</code>", esc(part)) } else { esc(part) })
        .collect()
}

const STYLE: &str = r#"
:root { --fg: #1d2330; --muted: #5b6475; --line: #d5dae3; --bg: #ffffff; --band: #f4f6fa;
  --critical: #7b1fa2; --high: #c62828; --medium: #b26a00; --low: #00796b; --info: #1565c0; --over: #d32f2f; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg);
  margin: 0 auto; max-width: 72rem; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .5rem; } h2 { font-size: 1.3rem; margin-top: 2rem; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin-top: 1.5rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .9rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--band); } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font: .85rem/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; background: var(--band); padding: 0 .2rem; border-radius: 3px; }
.decision { display: inline-block; font-weight: 700; text-transform: uppercase; padding: .1rem .6rem; border-radius: 4px; color: #fff; }
.decision.pass { background: #2e7d32; } .decision.warn { background: #b26a00; } .decision.fail { background: #c62828; }
.sev { font-weight: 600; } .sev.critical { color: var(--critical); } .sev.high { color: var(--high); }
.sev.medium { color: var(--medium); } .sev.low { color: var(--low); } .sev.info { color: var(--info); }
.verdict { color: var(--muted); margin: .25rem 0 .5rem; }
.verdict.bad { color: var(--over); font-weight: 600; }
figure { margin: 1rem 0; } figcaption { font-weight: 600; }
svg.bars { width: 100%; height: auto; max-width: 60rem; }
svg.bars text { font: 12px system-ui, sans-serif; fill: var(--fg); }
svg.bars .plimsoll { stroke: var(--over); stroke-width: 3; }
svg.bars .over { fill: var(--over); }
.filters { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; padding: .5rem; background: var(--band); border-radius: 4px; }
.filters fieldset { border: 0; margin: 0; padding: 0; display: flex; gap: .6rem; }
tr[hidden] { display: none; }
@media print { .filters { display: none !important; } body { max-width: none; padding: 0; } a { color: inherit; } }
"#;

const SCRIPT: &str = r#"
(function () {
  var form = document.getElementById('filters');
  if (!form) return;
  form.hidden = false;
  var rows = Array.prototype.slice.call(document.querySelectorAll('#findings tbody tr'));
  function apply() {
    var severities = {};
    Array.prototype.forEach.call(form.querySelectorAll('input[name=severity]'), function (box) { severities[box.value] = box.checked; });
    var pack = form.querySelector('select[name=pack]').value;
    var shown = 0;
    rows.forEach(function (row) {
      var visible = severities[row.dataset.severity] && (pack === '' || row.dataset.pack === pack);
      row.hidden = !visible;
      if (visible) shown++;
    });
    document.getElementById('shown').textContent = shown + ' of ' + rows.length + ' shown';
  }
  form.addEventListener('change', apply);
  apply();
})();
"#;

/// The page.
pub(super) fn render(outcome: &Outcome) -> String {
    let mut out = String::new();
    let decision = outcome.decision.as_str();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Plimsoll review: {decision}, score {}/100</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        outcome.score
    );
    header(&mut out, outcome);
    out.push_str("<main>\n");
    important(&mut out, outcome);
    for (i, project) in outcome.projects.iter().enumerate() {
        budgets_section(&mut out, project, i, outcome.projects.len() > 1);
        accounts_section(&mut out, project, i, outcome.projects.len() > 1);
        startup_section(&mut out, project, outcome.projects.len() > 1);
        builds_section(&mut out, project, outcome.projects.len() > 1);
    }
    findings_section(&mut out, outcome);
    waived_section(&mut out, outcome);
    errors_section(&mut out, outcome);
    let _ = write!(out, "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n");
    out
}

fn header(out: &mut String, outcome: &Outcome) {
    let decision = outcome.decision.as_str();
    let counts = crate::severity_counts(outcome, |s| s.to_string());
    let _ = writeln!(out, "<header>\n<h1>Plimsoll review</h1>");
    let _ = writeln!(
        out,
        "<p><span class=\"decision {decision}\">{decision}</span> fails on <code>{}</code> and above · score <strong>{}/100</strong></p>",
        outcome.fail_on, outcome.score
    );
    let _ = writeln!(out, "<table class=\"summary\">\n<tbody>");
    let _ = writeln!(
        out,
        "<tr><th scope=\"row\">Findings</th><td>{}{}</td></tr>",
        outcome.total_findings(),
        if counts.is_empty() { String::new() } else { format!(" ({})", esc(&counts.join(", "))) }
    );
    let _ = writeln!(out, "<tr><th scope=\"row\">Waived</th><td>{}</td></tr>", outcome.stats.suppressed);
    let _ = writeln!(out, "<tr><th scope=\"row\">Errors</th><td>{}</td></tr>", outcome.errors().count());
    let paths: Vec<String> = outcome.projects.iter().map(|p| format!("<code>{}</code>", esc(&p.path))).collect();
    let _ = writeln!(
        out,
        "<tr><th scope=\"row\">Projects</th><td>{}: {}</td></tr>",
        outcome.projects.len(),
        paths.join(", ")
    );
    let _ = writeln!(out, "</tbody>\n</table>\n</header>");
}

/// The three rules that matter most (worst severity, then most findings), one sentence each.
fn important(out: &mut String, outcome: &Outcome) {
    let top = crate::top_problems(outcome, 3);
    let _ = writeln!(out, "<section id=\"summary\">\n<h2>Most important problems</h2>");
    if top.is_empty() {
        let _ = writeln!(out, "<p>No findings.</p>\n</section>");
        return;
    }
    let _ = writeln!(out, "<ol>");
    for (rule, severity, first, more) in top {
        let also = if more > 0 { format!(" (and {more} more)") } else { String::new() };
        let _ = writeln!(
            out,
            "<li><span class=\"sev {s}\">{s}</span> <code>{}</code>: {}{also}.</li>",
            esc(rule),
            prose(&first.message),
            s = severity.as_str()
        );
    }
    let _ = writeln!(out, "</ol>\n</section>");
}

fn budgets_section(out: &mut String, project: &ProjectResult, index: usize, several: bool) {
    let Some(b) = budgets::of(project) else { return };
    let title = if several { format!(" of <code>{}</code>", esc(&project.path)) } else { String::new() };
    let _ = writeln!(out, "<section class=\"budgets\">\n<h2>Resource budget{title}</h2>");
    for (id, name, budget) in [("memory", "Memory", &b.memory), ("cpu", "CPU", &b.cpu)] {
        // The project's place in the run keeps ids unique (`a/b` and `a-b` have one slug).
        let anchor = if index == 0 {
            format!("{}-{id}", slug(&project.path))
        } else {
            format!("{}-{index}-{id}", slug(&project.path))
        };
        let bad = matches!(budget.verdict, budgets::Verdict::Overcommitted | budgets::Verdict::OverReserved);
        let _ = writeln!(out, "<figure id=\"{anchor}\">\n<figcaption>{name}</figcaption>");
        let _ = writeln!(
            out,
            "<p class=\"verdict{}\">{}</p>",
            if bad { " bad" } else { "" },
            prose(&crate::markdown::budget_line(name, budget).replace("**", ""))
        );
        bars(out, &anchor, name, budget);
        table(out, name, budget);
        let _ = writeln!(out, "</figure>");
    }
    let _ = writeln!(out, "</section>");
}

fn slug(text: &str) -> String {
    let s: String =
        text.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    format!("p-{}", s.trim_matches('-'))
}

/// Two stacked bars — reservations, then limits — one segment per service, against the Plimsoll
/// line at the usable capacity; every part of a segment past the line is red.
fn bars(out: &mut String, anchor: &str, name: &str, b: &Budget) {
    let line = b.usable.map(|u| format!("the Plimsoll line, the usable capacity, is at {}", amount(b, u)));
    let desc = format!(
        "Reservations add up to {}, limits to {}; {}. The table below lists every service.",
        amount(b, b.reservations),
        amount(b, b.limits),
        line.as_deref().unwrap_or("no host profile gives the capacity")
    );
    let rows: Vec<Row> = [
        ("reservations", (|s: &budgets::Share| s.reservation) as fn(&budgets::Share) -> Option<f64>),
        ("limits", |s| s.limit),
    ]
    .into_iter()
    .map(|(label, pick)| Row {
        label,
        segments: b
            .services
            .iter()
            .filter_map(|share| {
                let v = pick(share).filter(|v| *v > 0.0)?;
                let tip = format!("{}: {} {}", share.service, amount(b, v), label.trim_end_matches('s'));
                let tip = if share.replicas > 1 { format!("{tip} ({} replicas)", share.replicas) } else { tip };
                Some((tip, v))
            })
            .collect(),
        total: if label == "limits" { b.limits } else { b.reservations },
    })
    .collect();
    let chart = Chart { anchor, title: &format!("{name}: reservations and limits of every service"), desc: &desc };
    draw(out, &chart, &rows, b.usable, &|v| amount(b, v));
}

/// One bar of a chart: its label, its segments (hover title, amount) and their total.
struct Row {
    label: &'static str,
    segments: Vec<(String, f64)>,
    total: f64,
}

/// What a chart is called and says in words (its text alternative).
struct Chart<'a> {
    anchor: &'a str,
    title: &'a str,
    desc: &'a str,
}

/// Stacked bars, one segment per service (a hue each, in order), against the Plimsoll line at
/// `usable`; every part of a segment past the line is red.
fn draw(out: &mut String, chart: &Chart, rows: &[Row], usable: Option<f64>, amount: &dyn Fn(f64) -> String) {
    const LEFT: f64 = 110.0;
    const WIDTH: f64 = 640.0;
    const ROW: f64 = 34.0;
    let anchor = chart.anchor;
    let limit = usable.unwrap_or(0.0);
    let largest = rows.iter().map(|r| r.total).fold(limit, f64::max);
    let scale_max = largest.max(f64::MIN_POSITIVE) * 1.08;
    let x = |v: f64| LEFT + WIDTH * v / scale_max;
    let bottom = 20.0 + rows.len() as f64 * ROW;
    let _ = writeln!(
        out,
        "<svg class=\"bars\" viewBox=\"0 0 {:.0} {:.0}\" role=\"img\" aria-labelledby=\"{anchor}-t {anchor}-d\">",
        LEFT + WIDTH + 150.0,
        bottom + 34.0
    );
    let _ = writeln!(out, "<title id=\"{anchor}-t\">{}</title>", esc(chart.title));
    let _ = writeln!(out, "<desc id=\"{anchor}-d\">{}</desc>", esc(chart.desc));
    for (row, bar) in rows.iter().enumerate() {
        let y = 20.0 + row as f64 * ROW;
        let _ = writeln!(out, "<text x=\"0\" y=\"{:.1}\">{}</text>", y + 16.0, bar.label);
        let mut at = 0.0;
        for (i, (tip, v)) in bar.segments.iter().enumerate() {
            let (x0, x1) = (at, at + v);
            at = x1;
            let hue = (i * 47) % 360;
            let fits_to = if usable.is_some() { x1.min(limit) } else { x1 };
            if fits_to > x0 {
                let _ = writeln!(
                    out,
                    "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"24\" fill=\"hsl({hue} 55% 62%)\" stroke=\"#fff\"><title>{}</title></rect>",
                    x(x0),
                    (x(fits_to) - x(x0)).max(0.5),
                    esc(tip)
                );
            }
            if usable.is_some() && x1 > limit {
                let from = x0.max(limit);
                let _ = writeln!(
                    out,
                    "<rect class=\"over\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"24\" stroke=\"#fff\"><title>{} (past the usable capacity)</title></rect>",
                    x(from),
                    (x(x1) - x(from)).max(0.5),
                    esc(tip)
                );
            }
        }
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            x(bar.total) + 6.0,
            y + 16.0,
            esc(&amount(bar.total))
        );
    }
    if let Some(u) = usable {
        let lx = x(u);
        let _ = writeln!(
            out,
            "<line class=\"plimsoll\" x1=\"{lx:.1}\" y1=\"8\" x2=\"{lx:.1}\" y2=\"{bottom:.1}\"><title>usable capacity: {}</title></line>",
            esc(&amount(u))
        );
        let _ = writeln!(
            out,
            "<text x=\"{lx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">usable {}</text>",
            bottom + 16.0,
            esc(&amount(u))
        );
    }
    let _ = writeln!(out, "</svg>");
}

/// Per GPU (each account a pack reported): a bar of the services' VRAM demands against the
/// Plimsoll line at the usable VRAM, and a table of who asks for what and why.
fn accounts_section(out: &mut String, project: &ProjectResult, index: usize, several: bool) {
    let Some(b) = budgets::of(project) else { return };
    if b.accounts.is_empty() {
        return;
    }
    let of = if several { format!(" of <code>{}</code>", esc(&project.path)) } else { String::new() };
    let heading = budgets::accounts_heading(&b.accounts);
    let _ = writeln!(out, "<section class=\"budgets\">\n<h2>{heading}{of}</h2>");
    for (i, a) in b.accounts.iter().enumerate() {
        let anchor = if index == 0 {
            format!("{}-acct-{i}", slug(&project.path))
        } else {
            format!("{}-{index}-acct-{i}", slug(&project.path))
        };
        let n = |v: f64| account_amount(a, v as u64);
        let bad = a.verdict == budgets::Verdict::Overcommitted;
        let _ = writeln!(out, "<figure id=\"{anchor}\">\n<figcaption>{}</figcaption>", esc(&a.name));
        let _ = writeln!(
            out,
            "<p class=\"verdict{}\">{} of {} usable ({}, {} kept free). Verdict: {}.</p>",
            if bad { " bad" } else { "" },
            esc(&n(a.total as f64)),
            esc(&n(a.usable as f64)),
            esc(&n(a.capacity as f64)),
            esc(&n(a.reserved as f64)),
            esc(a.sentence())
        );
        let row = Row {
            label: "demand",
            segments: a
                .services
                .iter()
                .filter(|s| !s.unknown && s.amount > 0)
                .map(|s| {
                    (format!("{}: {} ({})", s.service, n(s.amount as f64), s.source.replace('`', "")), s.amount as f64)
                })
                .collect(),
            total: a.total as f64,
        };
        let desc = format!(
            "The services placed on it ask for {} of {} usable; the Plimsoll line is at the usable VRAM. The table below lists every service.",
            n(a.total as f64),
            n(a.usable as f64)
        );
        let chart =
            Chart { anchor: &anchor, title: &format!("{}: VRAM demand of every service on it", a.name), desc: &desc };
        draw(out, &chart, &[row], Some(a.usable as f64), &n);
        let _ = writeln!(
            out,
            "<table>\n<caption class=\"verdict\">{} per service</caption>\n\
             <thead><tr><th scope=\"col\">service</th><th scope=\"col\" class=\"num\">demand</th><th scope=\"col\">from</th></tr></thead>\n<tbody>",
            esc(&a.name)
        );
        for s in &a.services {
            let demand = if s.unknown { "?".to_string() } else { n(s.amount as f64) };
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td>{}</td></tr>",
                esc(&s.service),
                esc(&demand),
                prose(&s.source)
            );
        }
        let _ = writeln!(
            out,
            "</tbody>\n<tfoot><tr><th scope=\"row\">total</th><td class=\"num\">{}</td><td></td></tr></tfoot>\n</table>\n</figure>",
            esc(&n(a.total as f64))
        );
    }
    let _ = writeln!(out, "</section>");
}

fn table(out: &mut String, name: &str, b: &Budget) {
    let dash = || "—".to_string();
    let _ = writeln!(
        out,
        "<table>\n<caption class=\"verdict\">{name} per service (limits and reservations times replicas)</caption>\n\
         <thead><tr><th scope=\"col\">service</th><th scope=\"col\" class=\"num\">replicas</th><th scope=\"col\" class=\"num\">limit</th><th scope=\"col\" class=\"num\">reservation</th></tr></thead>\n<tbody>"
    );
    for s in &b.services {
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&s.service),
            s.replicas,
            s.limit.map(|v| amount(b, v)).unwrap_or_else(dash),
            s.reservation.map(|v| amount(b, v)).unwrap_or_else(dash)
        );
    }
    let _ = writeln!(
        out,
        "</tbody>\n<tfoot><tr><th scope=\"row\">total</th><td></td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr></tfoot>\n</table>",
        esc(&amount(b, b.limits)),
        esc(&amount(b, b.reservations))
    );
}

fn startup_section(out: &mut String, project: &ProjectResult, several: bool) {
    use crate::startup::duration;
    let all = crate::startup::of(project);
    let Some(slowest) = all.iter().rev().max_by_key(|s| (s.worst_ms, s.chain.len())) else { return };
    let title = if several { format!(" of <code>{}</code>", esc(&project.path)) } else { String::new() };
    let chain = slowest.chain.iter().map(|s| format!("<code>{}</code>", esc(s))).collect::<Vec<_>>().join(" → ");
    let _ = writeln!(
        out,
        "<section class=\"startup\">\n<h2>Startup{title}</h2>\n<p>Worst case to healthy: <strong>{}</strong>, along {chain} (each healthcheck's <code>start_period + retries × interval</code>, Docker's defaults where unset, added up along <code>service_healthy</code> dependencies).</p>",
        duration(slowest.worst_ms)
    );
    let _ = writeln!(
        out,
        "<table>\n<thead><tr><th scope=\"col\">service</th><th scope=\"col\" class=\"num\">healthcheck grace</th><th scope=\"col\">waits for (healthy)</th><th scope=\"col\" class=\"num\">worst case to healthy</th></tr></thead>\n<tbody>"
    );
    for s in &all {
        let waits: Vec<String> = s.waits_for.iter().map(|w| format!("<code>{}</code>", esc(w))).collect();
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            esc(&s.service),
            s.grace_ms.map(duration).unwrap_or_else(|| "no healthcheck".to_string()),
            if waits.is_empty() { "—".to_string() } else { waits.join(", ") },
            duration(s.worst_ms)
        );
    }
    let _ = writeln!(out, "</tbody>\n</table>\n</section>");
}

fn builds_section(out: &mut String, project: &ProjectResult, several: bool) {
    let built = crate::builds::of(project);
    if built.is_empty() {
        return;
    }
    let title = if several { format!(" of <code>{}</code>", esc(&project.path)) } else { String::new() };
    let _ = writeln!(
        out,
        "<section class=\"builds\">\n<h2>Images and builds{title}</h2>\n<table>\n<thead><tr><th scope=\"col\">service</th><th scope=\"col\" class=\"num\">context sent</th><th scope=\"col\">.dockerignore</th><th scope=\"col\">notable entries sent</th><th scope=\"col\">Dockerfile</th><th scope=\"col\" class=\"num\">stages</th><th scope=\"col\">base image</th><th scope=\"col\">user</th></tr></thead>\n<tbody>"
    );
    for b in built {
        let sent = match b.sent {
            Some((size, files)) => format!("{} ({files} files)", bytes(size)),
            None => "—".to_string(),
        };
        let notable: Vec<String> = b
            .notable
            .iter()
            .map(|(path, kind, size)| format!("<code>{}</code> ({}, {})", esc(path), esc(kind), bytes(*size)))
            .collect();
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td class=\"num\">{sent}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td><td>{}</td><td><code>{}</code> ({})</td></tr>",
            esc(&b.service),
            b.dockerignore.as_deref().map(|d| format!("<code>{}</code>", esc(d))).unwrap_or_else(|| "none".to_string()),
            if notable.is_empty() { "—".to_string() } else { notable.join(", ") },
            esc(&b.dockerfile),
            b.stages,
            b.base.as_deref().map(|i| format!("<code>{}</code>", esc(i))).unwrap_or_else(|| "—".to_string()),
            esc(&b.user.0),
            b.user.1
        );
    }
    let _ = writeln!(out, "</tbody>\n</table>\n</section>");
}

fn findings_section(out: &mut String, outcome: &Outcome) {
    let mut findings: Vec<&Finding> = outcome.findings().collect();
    findings.sort_by(|a, b| {
        b.severity.cmp(&a.severity).then_with(|| (&a.rule, &a.file, a.line).cmp(&(&b.rule, &b.file, b.line)))
    });
    let _ = writeln!(out, "<section id=\"findings\">\n<h2>Findings ({})</h2>", findings.len());
    if findings.is_empty() {
        let _ = writeln!(out, "<p>No findings.</p>\n</section>");
        return;
    }
    let mut packs: Vec<&str> = findings.iter().map(|f| f.pack.as_str()).collect();
    packs.sort_unstable();
    packs.dedup();
    let _ = writeln!(out, "<form id=\"filters\" class=\"filters\" hidden>\n<fieldset><legend>Severity</legend>");
    for s in Severity::ALL.iter().rev() {
        let _ = writeln!(
            out,
            "<label><input type=\"checkbox\" name=\"severity\" value=\"{s}\" checked> {s}</label>",
            s = s.as_str()
        );
    }
    let _ = writeln!(out, "</fieldset>\n<label>Pack <select name=\"pack\"><option value=\"\">every pack</option>");
    for p in &packs {
        let _ = writeln!(out, "<option value=\"{p}\">{p}</option>", p = esc(p));
    }
    let _ = writeln!(out, "</select></label>\n<output id=\"shown\"></output>\n</form>");
    let _ = writeln!(
        out,
        "<table>\n<thead><tr><th scope=\"col\">severity</th><th scope=\"col\">rule</th><th scope=\"col\">service</th><th scope=\"col\">where</th><th scope=\"col\">message</th><th scope=\"col\">fix</th></tr></thead>\n<tbody>"
    );
    for f in findings {
        let _ = writeln!(
            out,
            "<tr data-severity=\"{s}\" data-pack=\"{}\"><td class=\"sev {s}\">{s}</td><td><code>{}</code></td><td>{}</td><td><code>{}:{}:{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(&f.pack),
            esc(&f.rule),
            f.service.as_deref().map(esc).unwrap_or_default(),
            esc(&f.file),
            f.line,
            f.column,
            prose(&f.message),
            f.help.as_deref().map(prose).unwrap_or_default(),
            s = f.severity.as_str()
        );
    }
    let _ = writeln!(out, "</tbody>\n</table>\n</section>");
}

fn waived_section(out: &mut String, outcome: &Outcome) {
    let waived: Vec<_> = outcome.projects.iter().flat_map(|p| &p.suppressed).collect();
    if waived.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<section id=\"waived\">\n<h2>Waived findings ({})</h2>\n<table>\n<thead><tr><th scope=\"col\">rule</th><th scope=\"col\">where</th><th scope=\"col\">by</th><th scope=\"col\">reason</th></tr></thead>\n<tbody>",
        waived.len()
    );
    for s in waived {
        let f = &s.finding;
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td><code>{}:{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(&f.rule),
            esc(&f.file),
            f.line,
            s.suppression.kind(),
            prose(s.suppression.reason().unwrap_or("accepted in the baseline"))
        );
    }
    let _ = writeln!(out, "</tbody>\n</table>\n</section>");
}

fn errors_section(out: &mut String, outcome: &Outcome) {
    let errors: Vec<_> = outcome.errors().collect();
    if errors.is_empty() {
        return;
    }
    let _ = writeln!(out, "<section id=\"errors\">\n<h2>Errors ({})</h2>\n<ul>", errors.len());
    for e in errors {
        let place = match (&e.file, e.line) {
            (Some(f), Some(l)) => format!("<code>{}:{l}</code> ", esc(f)),
            (Some(f), None) => format!("<code>{}</code> ", esc(f)),
            _ => String::new(),
        };
        let _ = writeln!(out, "<li><strong>{} error</strong> {place}{}</li>", e.kind, prose(&e.message));
    }
    let _ = writeln!(out, "</ul>\n</section>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_content_and_attributes() {
        assert_eq!(esc("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;");
        assert_eq!(slug("examples/ziggie-before"), "p-examples-ziggie-before");
        assert_eq!(prose("service `a<b>` has no `x`"), "service <code>a&lt;b&gt;</code> has no <code>x</code>");
        assert_eq!(prose("one ` tick"), "one ` tick");
    }
}
