//! One verdict however the gate is invoked, in a generated git repository with two projects of the
//! same name (`apps/billing/docker` and `apps/search/docker`, both called `docker`), through the real
//! binary: baselines that cannot be fooled by a finding moving between same-named projects, stale
//! baseline entries and their pruning, fingerprints that survive `name:` and line moves,
//! repository-relative paths from any working directory, configuration found up to the
//! repository root and `extend:`, decisions that agree in every format, located configuration
//! errors reported once, and each CI format's conventions.

use std::path::{Path, PathBuf};
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn plimsoll_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let cache = std::env::temp_dir().join("plimsoll-cli-tests-cache");
    let mut command = Command::new(env!("CARGO_BIN_EXE_plimsoll"));
    command.args(args).current_dir(dir).env("PLIMSOLL_CACHE_DIR", cache);
    for var in ["NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "TERM", "GITHUB_STEP_SUMMARY"] {
        command.env_remove(var);
    }
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command.output().expect("the binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn plimsoll(dir: &Path, args: &[&str]) -> Run {
    plimsoll_env(dir, args, &[("NO_COLOR", "1")])
}

fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", run.stdout, run.stderr))
}

const PRIVILEGED: &str = "security/privileged";

fn service(privileged: bool) -> String {
    format!(
        "services:\n  api:\n    image: nginx:1.27.0\n{}    deploy:\n      resources:\n        limits: {{ memory: 256M, cpus: \"0.5\" }}\n",
        if privileged { "    privileged: true\n" } else { "" }
    )
}

/// A git repository with two projects named `docker`; billing's service runs privileged.
fn monorepo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let status = Command::new("git").args(["init", "-q"]).current_dir(d).status().expect("git runs");
    assert!(status.success());
    write(d, "apps/billing/docker/compose.yaml", &service(true));
    write(d, "apps/search/docker/compose.yaml", &service(false));
    dir
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn findings(report: &serde_json::Value) -> Vec<&serde_json::Value> {
    report["findings"].as_array().unwrap().iter().collect()
}

fn of_rule<'a>(report: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    findings(report).into_iter().filter(|f| f["rule"] == rule).collect()
}

#[test]
fn a_finding_moved_to_a_same_named_project_is_new_and_the_old_entry_is_stale() {
    let repo = monorepo();
    let d = repo.path();
    let recorded = plimsoll(d, &["check", "--write-baseline", "baseline.json"]);
    assert_eq!(recorded.code, 0, "{}{}", recorded.stdout, recorded.stderr);
    let baseline: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("baseline.json")).unwrap()).unwrap();
    let projects: Vec<&str> =
        baseline["findings"].as_array().unwrap().iter().map(|e| e["project"].as_str().unwrap()).collect();
    assert!(projects.contains(&"apps/billing/docker") && projects.contains(&"apps/search/docker"), "{projects:?}");

    // The privileged flag moves from billing to search: the same rule, service and file name in a
    // project of the same name. The gate must fail.
    write(d, "apps/billing/docker/compose.yaml", &service(false));
    write(d, "apps/search/docker/compose.yaml", &service(true));
    let run = plimsoll(d, &["check", "--baseline", "baseline.json", "--format", "json"]);
    assert_eq!(run.code, 1, "the moved finding is new: {}", run.stdout);
    let report = json(&run);
    let new = of_rule(&report, PRIVILEGED);
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(new[0]["file"], "apps/search/docker/compose.yaml");
    let stale = of_rule(&report, "plimsoll/stale-baseline-entry");
    assert_eq!(stale.len(), 1, "billing's accepted finding is gone: {stale:?}");
    assert_eq!(stale[0]["file"], "baseline.json");
    assert_eq!(stale[0]["severity"], "info");
    let line = stale[0]["line"].as_u64().unwrap() as usize;
    let text = std::fs::read_to_string(d.join("baseline.json")).unwrap();
    assert!(text.lines().nth(line - 1).unwrap().contains("\"fingerprint\""), "the finding points at the entry");
    assert!(stale[0]["message"].as_str().unwrap().contains(PRIVILEGED), "{}", stale[0]["message"]);

    // A run of another project leaves billing's entries alone; pruning from the root removes it.
    let other = plimsoll(d, &["check", "apps/search/docker", "--baseline", "baseline.json", "--format", "json"]);
    assert!(of_rule(&json(&other), "plimsoll/stale-baseline-entry").is_empty(), "{}", other.stdout);
    let pruned = plimsoll(d, &["check", "--baseline", "baseline.json", "--prune-baseline"]);
    assert!(pruned.stderr.contains("pruned 1 stale entry from baseline.json"), "{}", pruned.stderr);
    let after = std::fs::read_to_string(d.join("baseline.json")).unwrap();
    assert_eq!(after.matches("\"fingerprint\"").count(), text.matches("\"fingerprint\"").count() - 1);
    let again = plimsoll(d, &["check", "--baseline", "baseline.json", "--format", "json"]);
    assert!(of_rule(&json(&again), "plimsoll/stale-baseline-entry").is_empty());
    assert_eq!(of_rule(&json(&again), PRIVILEGED).len(), 1, "pruning never hides the new finding");
}

#[test]
fn fingerprints_survive_a_name_line_moves_and_reordering_but_not_another_project() {
    let repo = monorepo();
    let d = repo.path();
    let fingerprints = |dir: &Path| -> Vec<(String, String)> {
        let report = json(&plimsoll(dir, &["check", "--format", "json"]));
        let mut list: Vec<(String, String)> = findings(&report)
            .iter()
            .filter(|f| f["file"].as_str().unwrap().starts_with("apps/billing/"))
            .map(|f| (f["rule"].as_str().unwrap().to_string(), f["fingerprint"].as_str().unwrap().to_string()))
            .collect();
        list.sort();
        list
    };
    let before = fingerprints(d);
    assert!(before.len() > 2, "{before:?}");
    // `name:`, a comment that moves every line, and the keys in another order.
    write(
        d,
        "apps/billing/docker/compose.yaml",
        "name: plex-prod\n# moved down\nservices:\n  api:\n    privileged: true\n    deploy:\n      resources:\n        limits: { cpus: \"0.5\", memory: 256M }\n    image: nginx:1.27.0\n",
    );
    assert_eq!(fingerprints(d), before, "fingerprints changed with name:, line moves or reordering");

    let report = json(&plimsoll(d, &["check", "--format", "json"]));
    let billing: Vec<&str> = findings(&report)
        .iter()
        .filter(|f| f["file"].as_str().unwrap().starts_with("apps/billing/"))
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    let search: Vec<&str> = findings(&report)
        .iter()
        .filter(|f| f["file"].as_str().unwrap().starts_with("apps/search/"))
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    assert!(!search.is_empty());
    assert!(billing.iter().all(|f| !search.contains(f)), "same-named projects share no fingerprint");

    // GitLab's fingerprints of a project do not depend on which other projects are in the run.
    let gitlab = |dir: &Path, args: &[&str]| -> Vec<String> {
        let run = plimsoll(dir, &[&["check", "--format", "gitlab"], args].concat());
        let issues: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let mut list: Vec<String> = issues
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["location"]["path"].as_str().unwrap().starts_with("apps/search/"))
            .map(|i| i["fingerprint"].as_str().unwrap().to_string())
            .collect();
        list.sort();
        list
    };
    assert_eq!(gitlab(d, &[]), gitlab(d, &["apps/search/docker"]));
}

#[test]
fn machine_formats_show_repository_paths_from_any_working_directory() {
    let repo = monorepo();
    let d = repo.path().canonicalize().unwrap();
    let expected = "apps/billing/docker/compose.yaml";
    let absolute = d.join("apps/billing/docker");
    let runs: Vec<(PathBuf, String)> = vec![
        (d.clone(), ".".to_string()),
        (d.join("apps"), "billing/docker".to_string()),
        (d.join("apps/billing/docker"), ".".to_string()),
        (PathBuf::from("/"), absolute.display().to_string()),
    ];
    for (cwd, arg) in &runs {
        let report = json(&plimsoll(cwd, &["check", arg, "--format", "json"]));
        let files: Vec<&str> = of_rule(&report, PRIVILEGED).iter().map(|f| f["file"].as_str().unwrap()).collect();
        assert_eq!(files, vec![expected], "from {} with {arg}", cwd.display());

        let sarif: serde_json::Value =
            serde_json::from_str(&plimsoll(cwd, &["check", arg, "--format", "sarif"]).stdout).unwrap();
        let run = &sarif["runs"][0];
        assert_eq!(run["originalUriBaseIds"]["SRCROOT"]["uri"], format!("file://{}/", d.display()));
        let result = run["results"].as_array().unwrap().iter().find(|r| r["ruleId"] == PRIVILEGED).unwrap();
        let artifact = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(artifact["uri"], expected);
        assert_eq!(artifact["uriBaseId"], "SRCROOT");

        let github = plimsoll(cwd, &["check", arg, "--format", "github"]);
        assert!(github.stdout.contains(&format!("file={expected},")), "{}", github.stdout);
    }
    // The human format stays relative to the working directory, for clickable terminals.
    let human = plimsoll(&d.join("apps"), &["check", "billing/docker"]);
    assert!(human.stdout.contains("billing/docker/compose.yaml:"), "{}", human.stdout);
}

#[test]
fn configuration_resolves_to_the_repository_root_and_extends() {
    let repo = monorepo();
    let d = repo.path();
    write(
        d,
        "plimsoll.yaml",
        "rules:\n  health/restart-policy-missing: off\nexceptions:\n  - rules: [security/privileged]\n    services: [api]\n    files: [apps/billing/]\n    reason: the billing agent reads host metrics\n",
    );
    let decisions = |cwd: &Path, arg: &str| -> (i32, Vec<String>) {
        let run = plimsoll(cwd, &["check", arg, "--format", "json"]);
        let report = json(&run);
        let mut rules: Vec<String> = findings(&report)
            .iter()
            .filter(|f| f["file"].as_str().unwrap().starts_with("apps/billing/"))
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect();
        rules.sort();
        (run.code, rules)
    };
    let from_root = decisions(d, ".");
    assert!(!from_root.1.contains(&PRIVILEGED.to_string()), "the root exception applies: {from_root:?}");
    assert!(!from_root.1.iter().any(|r| r == "health/restart-policy-missing"), "root rules apply");
    assert_eq!(decisions(d, "apps/billing/docker"), from_root, "a PATH below the root finds the root config");
    assert_eq!(decisions(&d.join("apps/billing/docker"), "."), from_root, "so does a run from the project");

    // A nearer file wins; with `extend:` it inherits the root's keys and overrides some.
    write(d, "apps/billing/plimsoll.yaml", "extend: ../../plimsoll.yaml\nfail-on: critical\n");
    let run = plimsoll(d, &["check", "--format", "json", "-v"]);
    let report = json(&run);
    let billing = report["projects"].as_array().unwrap().iter().find(|p| p["id"] == "apps/billing/docker").unwrap();
    assert_eq!(billing["config"], serde_json::json!(["apps/billing/plimsoll.yaml", "plimsoll.yaml"]));
    let search = report["projects"].as_array().unwrap().iter().find(|p| p["id"] == "apps/search/docker").unwrap();
    assert_eq!(search["config"], serde_json::json!(["plimsoll.yaml"]));
    assert_eq!(decisions(d, ".").1, from_root.1, "the inherited exception and rules still apply");
    let human = plimsoll(d, &["check", "-v"]);
    assert!(
        human.stdout.contains("apps/billing/docker uses apps/billing/plimsoll.yaml (extends plimsoll.yaml)"),
        "{}",
        human.stdout
    );

    // Without `extend:` the nearer file replaces the root one.
    write(d, "apps/billing/plimsoll.yaml", "fail-on: critical\n");
    let (_, rules) = decisions(d, ".");
    assert!(rules.contains(&PRIVILEGED.to_string()) && rules.iter().any(|r| r == "health/restart-policy-missing"));

    // A cycle is a located error.
    write(d, "plimsoll.yaml", "extend: apps/billing/plimsoll.yaml\n");
    write(d, "apps/billing/plimsoll.yaml", "extend: ../../plimsoll.yaml\n");
    let run = plimsoll(d, &["check", "apps/billing/docker", "--format", "json"]);
    assert_eq!(run.code, 2);
    let errors = json(&run)["errors"].clone();
    assert!(errors[0]["message"].as_str().unwrap().contains("a cycle"), "{errors}");
    assert_eq!(errors[0]["line"], 1);
}

#[test]
fn display_filters_never_change_the_verdict_and_empty_selections_are_errors() {
    let repo = monorepo();
    let d = repo.path();
    let human = plimsoll(d, &["check"]);
    assert_eq!(human.code, 1);
    let filtered = plimsoll(d, &["check", "--severity", "critical", "--format", "json"]);
    assert_eq!(filtered.code, 1);
    let report = json(&filtered);
    assert_eq!(report["decision"], "fail");
    let billing = report["projects"].as_array().unwrap().iter().find(|p| p["id"] == "apps/billing/docker").unwrap();
    assert_eq!(billing["decision"], "fail", "the project's decision counts what --severity does not list");
    assert_eq!(of_rule(&report, PRIVILEGED).len(), 1, "a finding that fails the gate is always listed");
    let junit = plimsoll(d, &["check", "--severity", "critical", "--format", "junit"]);
    assert!(!junit.stdout.contains("failures=\"0\" errors=\"0\" skipped=\"0\">\n  <testsuite name=\"apps/billing"));
    assert!(junit.stdout.contains("<failure type=\"high\""), "{}", junit.stdout);
    let total: u64 = report["summary"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    let github = plimsoll(d, &["check", "--severity", "critical", "--format", "github"]);
    assert!(github.stdout.contains(&format!("plimsoll: {total} findings")), "{}", github.stdout);
    assert!(human.stdout.contains(&format!("{total} findings")), "{}", human.stdout);

    let empty = plimsoll(d, &["check", "--only", PRIVILEGED, "--skip", PRIVILEGED]);
    assert_eq!(empty.code, 2);
    assert!(empty.stderr.contains("select no rule"), "{}", empty.stderr);
}

#[test]
fn a_configuration_error_is_reported_once_located_in_every_format() {
    let repo = monorepo();
    let d = repo.path();
    write(d, "plimsoll.yaml", "fail-on: [high]\n");
    let human = plimsoll(d, &["check"]);
    assert_eq!(human.code, 2);
    let message = "plimsoll.yaml:1:10: config error: fail-on: expected one severity, one of `info`, `low`, `medium`, `high`, `critical`, found a sequence";
    assert_eq!(human.stdout.matches(message).count(), 1, "{}", human.stdout);
    assert!(human.stdout.contains("(in 2 projects)"), "{}", human.stdout);
    assert!(!human.stdout.contains("YAML tag"), "{}", human.stdout);

    let report = json(&plimsoll(d, &["check", "--format", "json"]));
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!((errors[0]["file"].as_str(), errors[0]["line"].as_u64()), (Some("plimsoll.yaml"), Some(1)));

    let gitlab: serde_json::Value =
        serde_json::from_str(&plimsoll(d, &["check", "--format", "gitlab"]).stdout).unwrap();
    let issues: Vec<&serde_json::Value> =
        gitlab.as_array().unwrap().iter().filter(|i| i["check_name"] == "plimsoll/config-error").collect();
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0]["location"]["path"], "plimsoll.yaml");
    assert_eq!(issues[0]["severity"], "blocker");

    let junit = plimsoll(d, &["check", "--format", "junit"]).stdout;
    assert_eq!(junit.matches("<error type=\"config\"").count(), 1, "{junit}");
    let github = plimsoll(d, &["check", "--format", "github"]).stdout;
    assert_eq!(github.matches("::error file=plimsoll.yaml,line=1,col=10,").count(), 1, "{github}");
    let sarif: serde_json::Value = serde_json::from_str(&plimsoll(d, &["check", "--format", "sarif"]).stdout).unwrap();
    let notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "plimsoll.yaml");

    // Plain words instead of the deserializer's, with the line, and a suggestion for a typo.
    write(d, "plimsoll.yaml", "rules:\n  image/tag-mutable:\n    b: c\n");
    let run = plimsoll(d, &["check", "--format", "json"]);
    let error = &json(&run)["errors"][0];
    assert_eq!(error["line"], 3, "{error}");
    assert!(
        error["message"].as_str().unwrap().starts_with("rules.image/tag-mutable: expected `off`, a severity"),
        "{error}"
    );
    write(d, "plimsoll.yaml", "fail-on: high\nrules:\n  image/tag-mutabel: off\n");
    let error = &json(&plimsoll(d, &["check", "--format", "json"]))["errors"][0];
    assert_eq!((error["file"].as_str(), error["line"].as_u64()), (Some("plimsoll.yaml"), Some(3)), "{error}");
    assert!(error["message"].as_str().unwrap().contains("did you mean `image/tag-mutable`?"), "{error}");
}

#[test]
fn ci_conveniences_summary_line_step_summary_and_colour() {
    let repo = monorepo();
    let d = repo.path();
    let run = plimsoll(d, &["check", "--format", "sarif", "-o", "out/plimsoll.sarif"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("plimsoll: fail (fail-on high),")
            && run.stderr.contains("report written to out/plimsoll.sarif"),
        "{}",
        run.stderr
    );
    assert!(d.join("out/plimsoll.sarif").is_file());

    let summary = d.join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let run = plimsoll_env(d, &["check", "--format", "github"], &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())]);
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.starts_with("earlier step\n"), "the step summary is appended to");
    assert!(
        text.contains("## Plimsoll: fail (fail-on `high`)") && text.contains(&format!("`{PRIVILEGED}` | high")),
        "{text}"
    );
    // Annotations: the gate's findings come before the rest.
    let first_warning = run.stdout.find("::warning").unwrap_or(usize::MAX);
    let last_error = run.stdout.rfind("::error").unwrap();
    assert!(last_error < first_warning, "{}", run.stdout);

    let coloured = plimsoll_env(d, &["check"], &[("FORCE_COLOR", "1")]);
    assert!(coloured.stdout.contains("\x1b["), "FORCE_COLOR colours a pipe");
    let coloured = plimsoll_env(d, &["check"], &[("CLICOLOR_FORCE", "1")]);
    assert!(coloured.stdout.contains("\x1b["), "CLICOLOR_FORCE colours a pipe");
    let plain = plimsoll_env(d, &["check"], &[("FORCE_COLOR", "1"), ("NO_COLOR", "1")]);
    assert!(!plain.stdout.contains("\x1b["), "NO_COLOR wins");
    let dumb = plimsoll_env(d, &["check"], &[("TERM", "dumb")]);
    assert!(!dumb.stdout.contains("\x1b["));
}

#[test]
fn the_default_markdown_of_every_acceptance_stack_fits_a_pull_request_comment() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/acceptance");
    let stacks = if shared.is_dir() { shared } else { Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples") };
    let run = plimsoll(&stacks, &["check", "--format", "markdown"]);
    let full = plimsoll(&stacks, &["check", "--format", "markdown", "--full"]);
    assert!(full.stdout.len() > run.stdout.len(), "the full review has more detail");
    assert!(run.stdout.chars().count() < 65_536, "{} chars", run.stdout.chars().count());
    assert!(run.stdout.contains("## Findings that fail the gate ("), "{}", &run.stdout[..1000]);
    assert!(run.stdout.contains("--full"), "what does not fit is counted and the full report named");
}
