//! Every output format on the acceptance stacks: insta snapshots (paths relative to the crate, the
//! run time redacted), SARIF validated against the OASIS 2.1.0 schema, GitHub workflow commands
//! checked against the runner's syntax and escaping, and the structure of JUnit and GitLab reports.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plimsoll_check::{CheckOptions, Engine, Outcome, PathStyle};
use plimsoll_report::{Format, RenderOptions, render, to_json};

const STACKS: [&str; 5] = ["ziggie-before", "ziggie-after", "e2i", "nsn-local", "vx11"];
const FORMATS: [(Format, &str); 8] = [
    (Format::Human, "human"),
    (Format::Json, "json"),
    (Format::Sarif, "sarif"),
    (Format::Junit, "junit"),
    (Format::Github, "github"),
    (Format::Gitlab, "gitlab"),
    (Format::Markdown, "markdown"),
    (Format::Html, "html"),
];

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(None).expect("the engine starts"))
}

fn stack(name: &str) -> PathBuf {
    Path::new("../../examples").join(name)
}

fn check(paths: Vec<PathBuf>) -> Outcome {
    // As `plimsoll check` does: positions shown relative to the working directory.
    let cwd = std::env::current_dir().unwrap();
    let options = CheckOptions { path_style: PathStyle::RelativeTo(cwd), ..CheckOptions::paths(paths) };
    engine().check(&options).expect("the check runs")
}

fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string("tests/data/sarif-schema-2.1.0.json").unwrap();
    // The rtm.5 schema's `run.language` pattern is not a valid regular expression (an unbalanced
    // `]`); the OASIS errata schema fixes it to this one (see tests/data/ORIGIN.md).
    let broken = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    assert!(text.contains(broken), "the vendored schema changed: review this fix-up");
    let text = text.replace(broken, r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#);
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).expect("the SARIF schema compiles")
}

fn assert_valid_sarif(document: &serde_json::Value) {
    let validator = sarif_validator();
    let errors: Vec<String> =
        validator.iter_errors(document).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF output is not valid against the 2.1.0 schema:\n{}", errors.join("\n"));
}

#[test]
fn snapshots_of_every_format_on_the_acceptance_stacks() {
    for name in STACKS {
        let outcome = check(vec![stack(name)]);
        assert!(!outcome.projects.is_empty(), "{name}: no project checked");
        for (format, format_name) in FORMATS {
            // The repository root (SARIF's SRCROOT) is where this checkout happens to be.
            let root = format!("file://{}/", outcome.projects[0].repository.display());
            let text = render(&outcome, format, RenderOptions::default()).replace(&root, "file://[repository]/");
            insta::with_settings!({
                filters => vec![(r#""duration_ms": \d+"#, r#""duration_ms": "[ms]""#)],
                prepend_module_to_snapshot => false,
            }, {
                insta::assert_snapshot!(format!("{name}.{format_name}"), text);
            });
        }
        // The human format as tools that parse it read it: one block per finding in file order.
        let none = RenderOptions { group: plimsoll_report::Group::None, ..RenderOptions::default() };
        let expanded = RenderOptions { expand: true, ..RenderOptions::default() };
        let text = render(&outcome, Format::Human, none);
        insta::with_settings!({ prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("{name}.human-none"), text);
        });
        // Grouped and expanded: every finding's place, exactly once, and the same summary line.
        let grouped = render(&outcome, Format::Human, expanded);
        for f in outcome.findings() {
            let place = format!("{}:{}:{}: ", f.file, f.line, f.column);
            assert_eq!(
                grouped.matches(&format!("{place}{} {}", f.severity, f.rule)).count(),
                text.matches(&format!("{place}{} {}", f.severity, f.rule)).count(),
                "{name}: {place}{}",
                f.rule
            );
        }
        assert_eq!(grouped.lines().last(), text.lines().last(), "{name}: the summary line");
    }
}

#[test]
fn sarif_is_valid_against_the_schema_on_every_stack_and_with_waivers_and_errors() {
    for name in STACKS {
        let outcome = check(vec![stack(name)]);
        let text = render(&outcome, Format::Sarif, RenderOptions::default());
        let document: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_valid_sarif(&document);
        let run = &document["runs"][0];
        assert_eq!(document["version"], "2.1.0");
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        // No dead links: without a configured base URL there is no helpUri, the help is inline.
        assert!(rules.iter().all(|r| r.get("helpUri").is_none()));
        assert!(run["tool"]["driver"].get("informationUri").is_none());
        assert!(rules.iter().all(|r| r["help"]["markdown"].as_str().unwrap_or_default().contains("## What it does")));
        // Security rules are ranked by code scanning.
        for r in rules.iter().filter(|r| r["id"].as_str().unwrap().starts_with("security/")) {
            let score: f64 = r["properties"]["security-severity"].as_str().unwrap().parse().unwrap();
            assert!((0.0..=10.0).contains(&score), "{r}");
        }
        // Fingerprints are unique per result.
        let mut fingerprints: Vec<&str> = run["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["partialFingerprints"]["plimsoll/v2"].as_str().unwrap())
            .collect();
        let count = fingerprints.len();
        fingerprints.sort_unstable();
        fingerprints.dedup();
        assert_eq!(fingerprints.len(), count, "{name}: partialFingerprints are unique");
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), outcome.findings().count() + outcome.stats.suppressed);
        for r in results {
            let index = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], r["ruleId"], "ruleIndex points at the rule");
        }
    }
    // Waived findings (suppressions) and a broken project (notifications).
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("compose.yaml"),
        "services:\n  web:\n    image: nginx:latest # plimsoll-ignore: image/tag-mutable -- pinned by the registry\n",
    )
    .unwrap();
    std::fs::create_dir(tmp.path().join("broken")).unwrap();
    std::fs::write(tmp.path().join("broken/compose.yaml"), "services:\n  web: [\n").unwrap();
    let outcome = check(vec![tmp.path().to_path_buf()]);
    assert!(outcome.stats.suppressed >= 1 && outcome.errors().count() >= 1);
    let document: serde_json::Value =
        serde_json::from_str(&render(&outcome, Format::Sarif, RenderOptions::default())).unwrap();
    assert_valid_sarif(&document);
    let results = document["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["suppressions"][0]["kind"] == "inSource"));
    assert_eq!(document["runs"][0]["invocations"][0]["executionSuccessful"], false);
}

/// The properties a GitHub workflow command may carry.
const GITHUB_PROPERTIES: [&str; 6] = ["file", "line", "col", "endLine", "endColumn", "title"];

/// Check one workflow command line against the runner's syntax: `::cmd k=v,k=v::message`, with
/// `%`, `\r`, `\n` escaped in the message and also `:` and `,` in property values.
fn check_github_command(line: &str) -> Result<(), String> {
    let rest = line.strip_prefix("::").ok_or("no leading ::")?;
    let (head, message) = rest.split_once("::").ok_or("no :: before the message")?;
    let (command, properties) = head.split_once(' ').ok_or("no properties")?;
    if !["error", "warning", "notice"].contains(&command) {
        return Err(format!("unknown command `{command}`"));
    }
    for property in properties.split(',') {
        let (key, value) = property.split_once('=').ok_or(format!("property without `=`: {property}"))?;
        if !GITHUB_PROPERTIES.contains(&key) {
            return Err(format!("unknown property `{key}`"));
        }
        if ["line", "col"].contains(&key) && value.parse::<u32>().is_err() {
            return Err(format!("`{key}` is not a number: {value}"));
        }
        if value.contains(':') || value.contains('\n') {
            return Err(format!("unescaped value: {value}"));
        }
        check_escapes(value)?;
    }
    if message.contains('\r') {
        return Err("raw carriage return in the message".into());
    }
    check_escapes(message)
}

/// Every `%` must start one of the escapes the runner decodes.
fn check_escapes(text: &str) -> Result<(), String> {
    let mut rest = text;
    while let Some(i) = rest.find('%') {
        let code = rest.get(i + 1..i + 3).unwrap_or("");
        if !["25", "0D", "0A", "3A", "2C"].contains(&code) {
            return Err(format!("unescaped `%` in {text}"));
        }
        rest = &rest[i + 1..];
    }
    Ok(())
}

#[test]
fn github_commands_follow_the_runner_syntax() {
    for name in STACKS {
        let outcome = check(vec![stack(name)]);
        let text = render(&outcome, Format::Github, RenderOptions::default());
        let lines: Vec<&str> = text.lines().collect();
        let (summary, commands) = lines.split_last().unwrap();
        assert!(summary.starts_with("plimsoll: "), "{summary}");
        assert_eq!(commands.len(), outcome.findings().count() + outcome.errors().count());
        for line in commands {
            check_github_command(line).unwrap_or_else(|e| panic!("{name}: {e}: {line}"));
        }
    }
    // Escaping of awkward text in both places.
    assert_eq!(plimsoll_report::github_escape_property("a:b,c%d\r\n"), "a%3Ab%2Cc%25d%0D%0A");
    assert_eq!(plimsoll_report::github_escape_data("50%: a,b\nc"), "50%25: a,b%0Ac");
    assert!(check_github_command("::error file=a:b::x").is_err(), "the checker rejects unescaped values");
}

#[test]
fn junit_has_one_case_per_rule_and_service_and_a_failure_per_gate_failing_finding() {
    let outcome = check(vec![stack("ziggie-before")]);
    let text = render(&outcome, Format::Junit, RenderOptions::default());
    let services = outcome.projects[0].services;
    let rules = outcome.rules.len();
    let mut project_level: Vec<&str> =
        outcome.findings().filter(|f| f.service.is_none()).map(|f| f.rule.as_str()).collect();
    project_level.sort_unstable();
    project_level.dedup();
    assert_eq!(text.matches("<testcase ").count(), rules * services + project_level.len());
    let failing = outcome.findings().filter(|f| f.severity >= outcome.fail_on).count();
    assert!(failing > 0 && failing < outcome.findings().count(), "the stack has findings on both sides of fail-on");
    assert_eq!(text.matches("<failure ").count(), failing, "only findings that reach fail-on fail a case");
    // The others are listed in the passing cases' output.
    for f in outcome.findings().filter(|f| f.severity < outcome.fail_on) {
        let line = format!("{}:{}:{}: {} ({})", f.file, f.line, f.column, f.rule, f.severity);
        assert!(text.contains(&line), "{line} is in a system-out");
    }
    // Class name and name pairs are unique, and every case with findings names its file.
    let mut pairs: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("<testcase classname=\""))
        .map(|rest| {
            let (class, rest) = rest.split_once('"').unwrap();
            let name = rest.split_once("name=\"").unwrap().1.split_once('"').unwrap().0;
            (class.to_string(), name.to_string())
        })
        .collect();
    let cases = pairs.len();
    pairs.sort();
    pairs.dedup();
    assert_eq!(pairs.len(), cases, "duplicate classname/name pairs");
    assert!(text.contains("\" file=\""), "cases name their file");
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "));
    assert_eq!(text.matches("<testsuite ").count(), text.matches("</testsuite>").count());
}

#[test]
fn gitlab_issues_have_unique_fingerprints_and_known_severities() {
    for name in STACKS {
        let outcome = check(vec![stack(name)]);
        let report = to_gitlab(&outcome);
        let issues = report.as_array().unwrap();
        assert_eq!(issues.len(), outcome.findings().count());
        let mut fingerprints: Vec<&str> = issues.iter().map(|i| i["fingerprint"].as_str().unwrap()).collect();
        fingerprints.sort_unstable();
        fingerprints.dedup();
        assert_eq!(fingerprints.len(), issues.len(), "{name}: duplicate fingerprints");
        for issue in issues {
            assert!(["info", "minor", "major", "critical", "blocker"].contains(&issue["severity"].as_str().unwrap()));
            assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
            assert!(!issue["location"]["path"].as_str().unwrap().starts_with('/'), "paths are relative");
        }
    }
}

fn to_gitlab(outcome: &Outcome) -> serde_json::Value {
    serde_json::from_str(&render(outcome, Format::Gitlab, RenderOptions::default())).unwrap()
}

#[test]
fn json_lists_every_project_below_a_directory() {
    let outcome = check(vec![PathBuf::from("../../examples")]);
    let json = to_json(&outcome);
    let paths: Vec<&str> = json["projects"].as_array().unwrap().iter().map(|p| p["path"].as_str().unwrap()).collect();
    // The five acceptance stacks and the Kubernetes manifests (one project each), in order, among
    // the example policies' fixture projects.
    let stacks: Vec<&str> = paths.iter().copied().filter(|p| !p.starts_with("../../examples/policies/")).collect();
    let manifests = [
        "cronjob",
        "daemonset",
        "deployment",
        "hardened-deployment",
        "job",
        "pod",
        "replicaset",
        "replicationcontroller",
        "statefulset",
    ];
    let manifests: Vec<String> = manifests.iter().map(|m| format!("../../examples/kubernetes/{m}.yaml")).collect();
    assert_eq!(
        stacks,
        [
            vec!["../../examples/e2i/docker"],
            manifests.iter().map(String::as_str).collect(),
            vec![
                "../../examples/nsn-local",
                "../../examples/vx11",
                "../../examples/ziggie-after",
                "../../examples/ziggie-before"
            ]
        ]
        .concat()
    );
}

#[test]
fn markdown_has_the_review_sections() {
    let outcome = check(vec![stack("ziggie-before")]);
    let full = RenderOptions { full: true, ..RenderOptions::default() };
    let text = render(&outcome, Format::Markdown, full);
    assert!(text.starts_with("# Plimsoll review\n"));
    assert!(text.contains(&format!("| Decision | **{}**", outcome.decision.as_str())));
    assert!(text.contains(&format!("| Score | {}/100 |", outcome.score)));
    assert!(text.contains("## Resources\n"));
    for category in outcome.findings().map(|f| &f.category) {
        assert!(text.contains(&format!("### {category} (")), "category {category}");
    }
    // The budget lines use the numbers of the JSON `budgets`: the usable capacity (16 GiB less the
    // 2 GiB the host keeps; 4 CPUs less 0.5), the percentages and the verdict.
    let json = to_json(&outcome);
    let budgets = &json["budgets"][outcome.projects[0].path.as_str()];
    let memory = &budgets["memory"];
    assert_eq!(memory["usable"].as_f64(), Some((14u64 << 30) as f64), "{budgets}");
    assert_eq!(budgets["cpu"]["usable"].as_f64(), Some(3.5), "{budgets}");
    for (name, b) in [("Memory", memory), ("CPU", &budgets["cpu"])] {
        let line =
            text.lines().find(|l| l.starts_with(&format!("**{name}:**"))).unwrap_or_else(|| panic!("{name} line"));
        let percent = format!(
            "limits {:.0} %, reservations {:.0} %",
            b["limits_percent"].as_f64().unwrap(),
            b["reservations_percent"].as_f64().unwrap()
        );
        assert!(line.contains(&percent), "{line} vs {b}");
        let verdict = b["verdict"].as_str().unwrap();
        assert!(line.contains(&format!("Verdict: {verdict}")), "{line} vs {verdict}");
    }
    assert!(text.contains("of 14 GiB usable (16 GiB, 2 GiB kept for the host)"), "{text}");
    // One table row per service the JSON counts.
    let section = text.split("## Resources\n").nth(1).unwrap().split("\n## ").next().unwrap();
    let rows = section.lines().filter(|l| l.starts_with("| `")).count();
    assert_eq!(rows, memory["services"].as_array().unwrap().len());
    assert!(text.contains("## Images and builds\n") && text.contains("| `ziggie-api` |"), "{text}");
    assert!(text.contains("**Most important problems**\n\n1. **high**"), "{text}");

    // The default fits a comment: the gate's findings in detail first, the rest folded.
    let comment = render(&outcome, Format::Markdown, RenderOptions::default());
    assert!(comment.len() < text.len() && comment.len() <= 65_536, "{} bytes", comment.len());
    let failing = comment.find("## Findings that fail the gate (").expect("gate section");
    let other = comment.find("## Other findings (").expect("other findings");
    assert!(failing < other);
    assert!(comment.contains("<details><summary>Resources of <code>"), "{comment}");
    assert!(comment.contains("of 14 GiB usable (16 GiB, 2 GiB kept for the host)"));
}

#[test]
fn startup_adds_healthcheck_graces_along_service_healthy_dependencies() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  db:\n    image: postgres:16.4\n    healthcheck:\n      test: [CMD, pg_isready]\n      interval: 10s\n      retries: 5\n      start_period: 30s\n  cache:\n    image: redis:7.4\n    healthcheck:\n      test: [CMD, redis-cli, ping]\n      interval: 5s\n  api:\n    image: example/api:1.0\n    depends_on:\n      db: { condition: service_healthy }\n      cache: { condition: service_healthy }\n    healthcheck:\n      test: [CMD, /app/health]\n  web:\n    image: nginx:1.27\n    depends_on:\n      api: { condition: service_healthy }\n",
    )
    .unwrap();
    let outcome = check(vec![dir.path().to_path_buf()]);
    let full = render(&outcome, Format::Markdown, RenderOptions { full: true, ..RenderOptions::default() });
    // db 30s + 5 × 10s = 80s, then api's default 3 × 30s = 90s: web is healthy-started after 2m 50s.
    assert!(full.contains("Worst case to healthy: **2m 50s**, along `db` → `api` → `web`"), "{full}");
    assert!(full.contains("| `cache` | 15s | — | 15s |"), "{full}");
    assert!(full.contains("| `api` | 1m 30s | `db`, `cache` | 2m 50s |"), "{full}");
    assert!(full.contains("| `web` | no healthcheck | `api` | 2m 50s |"), "{full}");
    let html = render(&outcome, Format::Html, RenderOptions::default());
    assert!(html.contains("Worst case to healthy: <strong>2m 50s</strong>"), "{html}");
}

#[test]
fn each_gpus_vram_is_drawn_from_the_resources_packs_account() {
    // nsn-local: one 12 GiB card, `vortex` budgets 11.8 GB through its environment.
    let outcome = check(vec![stack("nsn-local")]);
    let json = to_json(&outcome);
    let accounts = &json["budgets"][outcome.projects[0].path.as_str()]["accounts"];
    assert_eq!(accounts.as_array().map(Vec::len), Some(1), "{accounts}");
    let gpu = &accounts[0];
    assert_eq!(
        (gpu["kind"].as_str(), gpu["name"].as_str(), gpu["pack"].as_str()),
        (Some("vram"), Some("gpu 0 (RTX 3060)"), Some("resources"))
    );
    assert_eq!(gpu["usable"].as_u64(), Some((12u64 << 30) - (256 << 20)));
    assert_eq!(gpu["total"].as_u64(), Some(11_800_000_000));
    assert_eq!(gpu["services"][0]["source"], "`VORTEX_MAX_VRAM_GB=11.8`");
    assert_eq!(gpu["verdict"], "fits");
    let full = render(&outcome, Format::Markdown, RenderOptions { full: true, ..RenderOptions::default() });
    assert!(full.contains("## GPU VRAM\n\n### gpu 0 (RTX 3060)\n"), "{full}");
    assert!(full.contains("| `vortex` | 10.99 GiB | `VORTEX_MAX_VRAM_GB=11.8` |"), "{full}");
    assert!(full.contains("**gpu 0 (RTX 3060):** 10.99 GiB of 11.75 GiB usable (12 GiB, 256 MiB kept free), 94 %: 778.64 MiB to spare. Verdict: fits"), "{full}");

    // Two services on one card, more than it has: overcommitted, and red past the line.
    let dir = tempfile::tempdir().unwrap();
    let gpu =
        "deploy: { resources: { reservations: { devices: [{ driver: nvidia, count: 1, capabilities: [gpu] }] } } }";
    std::fs::write(
        dir.path().join("compose.yaml"),
        format!("services:\n  llm:\n    image: vllm/vllm-openai:v0.6.3\n    {gpu}\n  tts:\n    image: t:1\n    x-plimsoll: {{ vram: 3GiB }}\n    {gpu}\n  odd:\n    image: o:1\n    {gpu}\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join("plimsoll.yaml"), "host: { gpus: [{ name: RTX 3060, vram: 12GiB }] }\n").unwrap();
    let outcome = check(vec![dir.path().to_path_buf()]);
    let full = render(&outcome, Format::Markdown, RenderOptions { full: true, ..RenderOptions::default() });
    assert!(full.contains("| `llm` | 10.8 GiB | vLLM's default `--gpu-memory-utilization 0.9` |"), "{full}");
    assert!(full.contains("| `tts` | 3 GiB | `x-plimsoll.vram` |"), "{full}");
    assert!(full.contains("| `odd` | ? | not known: set `x-plimsoll.vram` or a VRAM variable |"), "{full}");
    assert!(full.contains("2.05 GiB short. Verdict: overcommitted"), "{full}");
    let html = render(&outcome, Format::Html, RenderOptions::default());
    let section =
        html.split("<h2>GPU VRAM</h2>").nth(1).expect("a GPU VRAM section").split("</section>").next().unwrap();
    assert!(section.contains("<line class=\"plimsoll\""), "{section}");
    assert!(section.contains("<rect class=\"over\""), "the part past the line is red: {section}");
    assert!(section.contains("<p class=\"verdict bad\">"), "{section}");
    assert!(section.contains("<td><code>x-plimsoll.vram</code></td>"), "{section}");
}
