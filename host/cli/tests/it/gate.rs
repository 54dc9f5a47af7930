//! `plimsoll check` as a pipeline gate, through the real binary: exit codes for pass, fail, waived,
//! baseline-hidden, broken input and broken configuration; baselines that survive edits; `--output`;
//! `--only`/`--skip`/`--severity`; completions and help; and a scripted first run of a new user.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A service whose memory reservation exceeds its limit: `resources/reservation-exceeds-limit`, high.
const OVERBOOKED: &str = "services:\n  api:\n    image: nginx:1.27.0\n    deploy:\n      resources:\n        limits:\n          memory: 256M\n        reservations:\n          memory: 512M\n";
const RULE: &str = "resources/reservation-exceeds-limit";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn plimsoll(dir: &Path, args: &[&str]) -> Run {
    let cache = std::env::temp_dir().join("plimsoll-cli-tests-cache");
    let output = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(args)
        .current_dir(dir)
        .env("PLIMSOLL_CACHE_DIR", cache)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn project(compose: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), compose).unwrap();
    dir
}

fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", run.stdout, run.stderr))
}

#[test]
fn exit_0_when_nothing_reaches_fail_on() {
    let dir = project("services:\n  api:\n    image: nginx:1.27.0\n");
    let run = plimsoll(dir.path(), &["check", "--only", "resources", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = json(&run);
    assert_ne!(report["decision"], "fail");
    assert!(report["findings"].as_array().unwrap().iter().all(|f| f["severity"] != "high"));
}

#[test]
fn exit_1_when_a_finding_reaches_fail_on() {
    let dir = project(OVERBOOKED);
    let run = plimsoll(dir.path(), &["check", "--only", RULE, "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = json(&run);
    assert_eq!(report["decision"], "fail");
    assert_eq!(report["findings"][0]["rule"], RULE);
    assert_eq!(report["findings"][0]["service"], "api");
}

#[test]
fn fail_on_in_the_config_moves_the_gate() {
    let dir = project(OVERBOOKED);
    std::fs::write(dir.path().join("plimsoll.yaml"), "fail-on: critical\n").unwrap();
    let run = plimsoll(dir.path(), &["check", "--only", RULE]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("decision: warn (fail-on critical)"), "{}", run.stdout);
}

#[test]
fn exit_0_when_an_inline_waiver_waives_the_finding() {
    let plain = json(&plimsoll(project(OVERBOOKED).path(), &["check", "--only", RULE, "--format", "json"]));
    let line = plain["findings"][0]["line"].as_u64().unwrap() as usize;
    // The waiver goes on a line of its own right above the reported line.
    let mut lines: Vec<&str> = OVERBOOKED.lines().collect();
    lines.insert(
        line - 1,
        "          # plimsoll-ignore: resources/reservation-exceeds-limit -- burst workload, sized by hand",
    );
    let waived = lines.join("\n") + "\n";
    let dir = project(&waived);
    let run = plimsoll(dir.path(), &["check", "--only", RULE, "--format", "json"]);
    let report = json(&run);
    let findings = report["findings"].as_array().unwrap();
    if findings.iter().any(|f| f["rule"] == RULE) {
        let line = findings[0]["line"].as_u64().unwrap();
        panic!("finding at line {line} not waived: {}", run.stdout);
    }
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(report["suppressed"][0]["suppression"]["kind"], "inline");
    assert_eq!(report["suppressed"][0]["suppression"]["reason"], "burst workload, sized by hand");
}

#[test]
fn a_waiver_without_reason_waives_nothing_and_is_reported() {
    let text = "services:\n  api: # plimsoll-ignore: resources/memory-limit-missing\n    image: nginx:1.27.0\n";
    let dir = project(text);
    let run = plimsoll(dir.path(), &["check", "--only", "resources,plimsoll", "--format", "json"]);
    let report = json(&run);
    let rules: Vec<&str> = report["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"plimsoll/invalid-waiver"), "{rules:?}");
    assert!(rules.contains(&"resources/memory-limit-missing"), "{rules:?}");
}

#[test]
fn an_unused_waiver_is_reported() {
    let text =
        "services:\n  api:\n    image: nginx:1.27.0 # plimsoll-ignore: resources/reservation-exceeds-limit -- old\n";
    let dir = project(text);
    let run = plimsoll(dir.path(), &["check", "--only", "resources,plimsoll", "--format", "json"]);
    let report = json(&run);
    let unused: Vec<_> =
        report["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "plimsoll/unused-waiver").collect();
    assert_eq!(unused.len(), 1, "{}", run.stdout);
    assert_eq!(unused[0]["line"], 3);
}

#[test]
fn exit_0_when_an_exception_waives_the_finding_and_1_once_it_expired() {
    let dir = project(OVERBOOKED);
    let config = |expires: &str| {
        format!(
            "exceptions:\n  - rules: [{RULE}]\n    services: [api]\n    reason: burst workload\n    expires: {expires}\n"
        )
    };
    std::fs::write(dir.path().join("plimsoll.yaml"), config("2999-12-31")).unwrap();
    let run = plimsoll(dir.path(), &["check", "--only", &format!("{RULE},plimsoll"), "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = json(&run);
    assert_eq!(report["suppressed"][0]["suppression"]["kind"], "exception");
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);

    std::fs::write(dir.path().join("plimsoll.yaml"), config("2001-01-01")).unwrap();
    let run = plimsoll(dir.path(), &["check", "--only", &format!("{RULE},plimsoll"), "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let report = json(&run);
    let rules: Vec<&str> = report["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&RULE) && rules.contains(&"plimsoll/expired-exception"), "{rules:?}");
    let expired = report["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "plimsoll/expired-exception");
    let expired = expired.unwrap();
    assert_eq!((expired["file"].as_str(), expired["line"].as_u64()), (Some("plimsoll.yaml"), Some(2)));
    assert!(expired["message"].as_str().unwrap().contains("expired on 2001-01-01"));
}

#[test]
fn exit_0_when_the_baseline_hides_the_finding_and_1_for_a_new_one() {
    let dir = project(OVERBOOKED);
    let write = plimsoll(dir.path(), &["check", "--only", RULE, "--write-baseline", "baseline.json"]);
    assert_eq!(write.code, 0, "{}", write.stderr);
    assert!(write.stderr.contains("wrote baseline.json with 1 new finding"), "{}", write.stderr);
    let run = plimsoll(dir.path(), &["check", "--only", RULE, "--baseline", "baseline.json", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(json(&run)["suppressed"][0]["suppression"]["kind"], "baseline");

    // A second overbooked service is new.
    let two = format!("{OVERBOOKED}{}", OVERBOOKED.trim_start_matches("services:\n").replace("api:", "worker:"));
    std::fs::write(dir.path().join("compose.yaml"), two).unwrap();
    let run = plimsoll(dir.path(), &["check", "--only", RULE, "--baseline", "baseline.json", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let report = json(&run);
    assert_eq!(report["findings"].as_array().unwrap().len(), 1);
    assert_eq!(report["findings"][0]["service"], "worker");
}

#[test]
fn baseline_fingerprints_survive_lines_inserted_above_the_finding() {
    let dir = project(OVERBOOKED);
    let first = json(&plimsoll(dir.path(), &["check", "--only", RULE, "--format", "json"]));
    assert!(plimsoll(dir.path(), &["check", "--only", RULE, "--write-baseline", "b.json"]).code == 0);
    let shifted = format!(
        "# a comment added later\nname: shifted\nx-common: &common\n  restart: unless-stopped\n\n{}",
        OVERBOOKED.replace("  api:\n", "  cache:\n    image: redis:7.2.4\n  api:\n    restart: always\n")
    );
    std::fs::write(dir.path().join("compose.yaml"), shifted).unwrap();
    let second = json(&plimsoll(dir.path(), &["check", "--only", RULE, "--format", "json"]));
    let (a, b) = (&first["findings"][0], &second["findings"][0]);
    assert_ne!(a["line"], b["line"], "the finding moved");
    // The project name is part of the fingerprint: `name:` changed it, so compare within the same name.
    let run = plimsoll(dir.path(), &["check", "--only", RULE, "--write-baseline", "b2.json"]);
    assert_eq!(run.code, 0);
    std::fs::write(
        dir.path().join("compose.yaml"),
        std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap().replacen(
            "# a comment",
            "# lines\n# more lines\n# a comment",
            1,
        ),
    )
    .unwrap();
    let run = plimsoll(dir.path(), &["check", "--only", RULE, "--baseline", "b2.json", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(json(&run)["findings"].as_array().unwrap().len(), 0);

    // Without `name:`, the directory names the project: the first baseline still applies after the edit.
    let unnamed = std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap().replace("name: shifted\n", "");
    std::fs::write(dir.path().join("compose.yaml"), unnamed).unwrap();
    let run = plimsoll(dir.path(), &["check", "--only", RULE, "--baseline", "b.json", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = json(&run);
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
    assert_eq!(report["suppressed"][0]["fingerprint"], a["fingerprint"]);
}

#[test]
fn exit_2_on_broken_input() {
    let dir = project("services:\n  api: [\n");
    let run = plimsoll(dir.path(), &["check", "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let report = json(&run);
    assert_eq!(report["errors"][0]["kind"], "load");
    assert_eq!(report["errors"][0]["file"], "compose.yaml");

    let empty = tempfile::tempdir().unwrap();
    let run = plimsoll(empty.path(), &["check"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains("no compose file found"), "{}", run.stdout);
}

#[test]
fn exit_2_on_broken_config() {
    let dir = project(OVERBOOKED);
    std::fs::write(
        dir.path().join("plimsoll.yaml"),
        "fail-on: high\nexceptions:\n  - rules: [x/y]\n    reasons: typo\n",
    )
    .unwrap();
    let run = plimsoll(dir.path(), &["check"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.contains("plimsoll.yaml:4:5: config error: exceptions[0]: unknown field `reasons`"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("decision: fail"), "a project that cannot be checked does not pass: {}", run.stdout);

    std::fs::write(dir.path().join("plimsoll.yaml"), "rules:\n  image/no-such-rule: off\n").unwrap();
    let run = plimsoll(dir.path(), &["check"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains("unknown rule `image/no-such-rule`"), "{}", run.stdout);

    let run = plimsoll(dir.path(), &["check", "--baseline", "missing.json"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("missing.json: cannot read the baseline"), "{}", run.stderr);
}

#[test]
fn exit_2_on_usage_errors() {
    let dir = project(OVERBOOKED);
    let run = plimsoll(dir.path(), &["check", "--only", "nope/rule"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("unknown rule or pack `nope/rule`"), "{}", run.stderr);
    let run = plimsoll(dir.path(), &["check", "--format", "yaml"]);
    assert_eq!(run.code, 2);
}

#[test]
fn only_skip_and_severity_select_what_is_reported() {
    let dir = project(OVERBOOKED);
    let all = json(&plimsoll(dir.path(), &["check", "--only", "resources", "--format", "json"]));
    let rules = |report: &serde_json::Value| -> Vec<String> {
        report["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect()
    };
    assert!(rules(&all).iter().all(|r| r.starts_with("resources/")));
    assert!(rules(&all).iter().any(|r| r == RULE));
    let skipped = json(&plimsoll(dir.path(), &["check", "--only", "resources", "--skip", RULE, "--format", "json"]));
    assert!(!rules(&skipped).iter().any(|r| r == RULE));
    assert_eq!(rules(&skipped).len() + 1, rules(&all).len());

    let floor = plimsoll(dir.path(), &["check", "--only", "resources", "--severity", "high", "--format", "json"]);
    assert_eq!(floor.code, 1);
    let floor = json(&floor);
    assert_eq!(rules(&floor), vec![RULE.to_string()]);
    assert_eq!(floor["summary"], all["summary"], "the summary still counts every finding");
    assert_eq!(floor["score"], all["score"]);
    assert_eq!(floor["stats"]["hidden"].as_u64().unwrap() as usize, rules(&all).len() - 1);
}

#[test]
fn output_is_written_atomically_and_replaces_the_file() {
    let dir = project(OVERBOOKED);
    std::fs::write(dir.path().join("report.sarif"), "old").unwrap();
    let run = plimsoll(dir.path(), &["check", "--only", RULE, "--format", "sarif", "--output", "report.sarif"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    let text = std::fs::read_to_string(dir.path().join("report.sarif")).unwrap();
    assert!(text.contains("\"version\": \"2.1.0\""));
    let leftovers: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().contains("tmp")))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn completions_and_help() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let run = plimsoll(dir.path(), &["completions", shell]);
        assert_eq!(run.code, 0);
        assert!(run.stdout.contains("plimsoll") && run.stdout.contains("write-baseline"), "{shell}");
    }
    let help = plimsoll(dir.path(), &["check", "--help"]);
    assert_eq!(help.code, 0);
    for text in ["plimsoll-ignore", "--write-baseline", "--severity", ".gitignore", "Examples:"] {
        assert!(help.stdout.contains(text), "help lacks {text}:\n{}", help.stdout);
    }
    let top = plimsoll(dir.path(), &["--help"]);
    assert!(top.stdout.contains("Exit codes: 0"), "{}", top.stdout);
}

#[test]
fn rules_json_lists_packs_and_host_rules() {
    let dir = tempfile::tempdir().unwrap();
    let run = plimsoll(dir.path(), &["rules", "--format", "json"]);
    assert_eq!(run.code, 0);
    let rules: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let ids: Vec<&str> = rules.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&RULE));
    assert!(ids.contains(&"plimsoll/unused-waiver") && ids.contains(&"plimsoll/invalid-waiver"));
    let one = plimsoll(dir.path(), &["rules", "plimsoll/expired-exception"]);
    assert_eq!(one.code, 0);
    assert!(one.stdout.contains("## Why is this bad?"), "{}", one.stdout);
}

#[test]
fn a_monorepo_is_checked_project_by_project() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (path, text) in [
        ("apps/a/compose.yaml", OVERBOOKED),
        ("apps/b/docker-compose.yml", "services:\n  web:\n    image: nginx:1.27.0\n"),
        ("tools/lint/Dockerfile", "FROM alpine:3.20\nRUN echo hi\n"),
        ("ignored/compose.yaml", OVERBOOKED),
    ] {
        std::fs::create_dir_all(d.join(path).parent().unwrap()).unwrap();
        std::fs::write(d.join(path), text).unwrap();
    }
    std::fs::write(d.join(".gitignore"), "ignored/\n").unwrap();
    let run = plimsoll(d, &["check", "--only", "resources", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let report = json(&run);
    let projects: Vec<(&str, &str)> = report["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["path"].as_str().unwrap(), p["decision"].as_str().unwrap()))
        .collect();
    assert_eq!(projects, vec![("apps/a", "fail"), ("apps/b", "warn"), ("tools/lint/Dockerfile", "pass")]);
    let human = plimsoll(d, &["check", "--only", "resources"]);
    assert!(human.stdout.contains("── apps/a (a)"), "{}", human.stdout);
    assert!(human.stdout.contains("fail      apps/a: "), "{}", human.stdout);
}

/// A new user's first steps: a compose file, a check that fails, an exception in `plimsoll.yaml`,
/// then a baseline for the rest — each step's output asserted.
#[test]
fn a_new_user_adopts_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("compose.yaml"), OVERBOOKED).unwrap();

    let first = plimsoll(d, &["check"]);
    assert_eq!(first.code, 1, "{}", first.stdout);
    assert!(first.stdout.contains("compose.yaml:"));
    assert!(first.stdout.contains(&format!("high {RULE} [api]")), "{}", first.stdout);
    assert!(first.stdout.contains("decision: fail (fail-on high)"), "{}", first.stdout);
    let total_first = json(&plimsoll(d, &["check", "--format", "json"]))["findings"].as_array().unwrap().len();

    std::fs::write(
        d.join("plimsoll.yaml"),
        format!("exceptions:\n  - rules: [{RULE}]\n    services: [api]\n    reason: the reservation is a burst budget\n    expires: 2999-01-01\n"),
    )
    .unwrap();
    let second = plimsoll(d, &["check"]);
    assert_ne!(second.code, 2, "{}", second.stdout);
    assert!(!second.stdout.contains(RULE), "{}", second.stdout);
    assert!(second.stdout.contains(", 1 waived;"), "{}", second.stdout);
    let report = json(&plimsoll(d, &["check", "--format", "json"]));
    assert_eq!(report["findings"].as_array().unwrap().len(), total_first - 1);

    let third = plimsoll(d, &["check", "--write-baseline", ".plimsoll-baseline.json"]);
    assert_eq!(third.code, 0, "{}{}", third.stdout, third.stderr);
    let baseline: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join(".plimsoll-baseline.json")).unwrap()).unwrap();
    assert_eq!(baseline["version"], 2);
    assert_eq!(baseline["findings"].as_array().unwrap().len(), total_first - 1);
    let fourth = plimsoll(d, &["check", "--baseline", ".plimsoll-baseline.json"]);
    assert_eq!(fourth.code, 0, "{}", fourth.stdout);
    assert!(fourth.stdout.starts_with("0 findings in 1 project"), "{}", fourth.stdout);
    assert!(fourth.stdout.contains(&format!("{} waived; decision: pass", total_first)), "{}", fourth.stdout);
}
