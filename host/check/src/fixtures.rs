//! The fixture runner: compose files and Dockerfiles annotated with the findings they must produce,
//! run through the real components.
//!
//! An annotation is a comment `# expect: <rule-id>[, <rule-id>…]`. At the end of a line it expects
//! the findings on that line; on a line of its own it expects them on the next line that is neither
//! blank nor a comment (the form Dockerfiles need, where trailing comments are not comments). Rule ids
//! may omit the pack prefix. A fixture is a file, or a directory (a whole project, with its
//! `plimsoll.yaml`). Every expected finding must appear and no other finding of the pack may:
//! a fixture can fail both ways, so it never passes vacuously.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::engine::Engine;
use crate::options::CheckOptions;
use crate::outcome::Finding;

/// One expected or actual finding: canonical file, line, qualified rule id.
pub type Expectation = (PathBuf, u32, String);

/// The result of one fixture.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The fixture file or directory.
    pub path: PathBuf,
    /// How many findings were expected.
    pub expected: usize,
    /// Expected but not reported.
    pub missing: Vec<Expectation>,
    /// Reported but not expected.
    pub unexpected: Vec<Expectation>,
    /// Load, configuration or evaluation errors.
    pub errors: Vec<String>,
    /// What the pack reported, in report order (positions relative to the fixture).
    pub findings: Vec<Finding>,
    /// What the pack printed or logged while evaluating the fixture (`policy test --verbose`).
    pub output: String,
}

impl CaseResult {
    /// Whether the fixture passed.
    pub fn passed(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty() && self.errors.is_empty()
    }

    /// A readable diff of what went wrong.
    pub fn describe(&self) -> String {
        let mut out = format!("{}:\n", self.path.display());
        for e in &self.errors {
            out.push_str(&format!("  error: {e}\n"));
        }
        for (file, line, rule) in &self.missing {
            out.push_str(&format!("  - missing    {}:{line} {rule}\n", file.display()));
        }
        for (file, line, rule) in &self.unexpected {
            out.push_str(&format!("  + unexpected {}:{line} {rule}\n", file.display()));
        }
        out
    }
}

/// The expectations written in one file.
pub fn expectations_in(file: &Path, text: &str, pack: &str) -> Vec<Expectation> {
    let canonical = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
    let mut out = Vec::new();
    let mut pending: Vec<String> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index as u32 + 1;
        let trimmed = line.trim_start();
        let own_line = trimmed.starts_with('#');
        let rules = line.find("# expect:").map(|at| parse_rules(&line[at + "# expect:".len()..], pack));
        if own_line {
            pending.extend(rules.unwrap_or_default());
            continue;
        }
        if trimmed.is_empty() {
            continue;
        }
        for rule in pending.drain(..).chain(rules.unwrap_or_default()) {
            out.push((canonical.clone(), number, rule));
        }
    }
    out
}

fn parse_rules(list: &str, pack: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| r.split_whitespace().next().unwrap_or(r))
        .map(|r| if r.contains('/') { r.to_string() } else { format!("{pack}/{r}") })
        .collect()
}

/// Every fixture (file or case directory) below `dir`, sorted.
pub fn discover(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if is_case_dir(&path) {
                out.push(path);
            } else {
                out.extend(discover(&path));
            }
        } else if is_fixture_file(name) {
            out.push(path);
        }
    }
    out
}

fn is_case_dir(path: &Path) -> bool {
    ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml", "Dockerfile"]
        .iter()
        .any(|f| path.join(f).is_file())
}

fn is_fixture_file(name: &str) -> bool {
    (name.ends_with(".yaml") || name.ends_with(".yml")) && name != "plimsoll.yaml"
        || name.ends_with(".Dockerfile")
        || name == "Dockerfile"
}

/// Every expectation written in one fixture (a file, or every file below a case directory).
pub fn case_expectations(path: &Path, pack: &str) -> BTreeSet<Expectation> {
    let mut expected = BTreeSet::new();
    let files: Vec<PathBuf> = if path.is_dir() { walk_files(path) } else { vec![path.to_path_buf()] };
    for file in &files {
        if let Ok(text) = std::fs::read_to_string(file) {
            expected.extend(expectations_in(file, &text, pack));
        }
    }
    expected
}

/// Every rule id some fixture below `dir` expects (the same walk [`run_all`] runs).
pub fn expected_rules(dir: &Path, pack: &str) -> BTreeSet<String> {
    discover(dir).iter().flat_map(|case| case_expectations(case, pack)).map(|(_, _, rule)| rule).collect()
}

/// Run one fixture of `pack` through the engine.
pub fn run_case(engine: &Engine, pack: &str, path: &Path) -> CaseResult {
    let expected = case_expectations(path, pack);
    let outcome = match engine.check(&CheckOptions::paths([path])) {
        Ok(outcome) => outcome,
        Err(e) => {
            return CaseResult {
                path: path.to_path_buf(),
                expected: expected.len(),
                missing: expected.into_iter().collect(),
                unexpected: Vec::new(),
                errors: vec![e.to_string()],
                findings: Vec::new(),
                output: String::new(),
            };
        }
    };
    let mut errors: Vec<String> = outcome.errors().map(|e| e.message.clone()).collect();
    // An expectation naming a rule the pack does not have can never be met: say so, with the
    // nearest rule id, rather than only reporting it missing.
    let known: Vec<String> = engine
        .packs()
        .iter()
        .filter(|p| p.info.id == pack)
        .flat_map(|p| p.info.rules.iter().map(|r| format!("{pack}/{}", r.id)))
        .collect();
    if !known.is_empty() {
        for (file, line, rule) in &expected {
            if !known.contains(rule) {
                let hint = crate::configure::did_you_mean(rule, known.iter().map(String::as_str))
                    .map(|m| format!("; did you mean `{m}`?"))
                    .unwrap_or_default();
                errors.push(format!(
                    "{}:{line}: `# expect: {rule}` names no rule of pack `{pack}`{hint}",
                    file.display()
                ));
            }
        }
    }
    let output: String = outcome
        .projects
        .iter()
        .flat_map(|p| p.outputs.iter())
        .filter(|(p, text)| p == pack && !text.is_empty())
        .map(|(_, text)| text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let prefix = format!("{pack}/");
    let findings: Vec<Finding> = outcome.findings().filter(|f| f.rule.starts_with(&prefix)).cloned().collect();
    let actual: BTreeSet<Expectation> = findings
        .iter()
        .map(|f| (f.path.canonicalize().unwrap_or_else(|_| f.path.clone()), f.line, f.rule.clone()))
        .collect();
    CaseResult {
        path: path.to_path_buf(),
        expected: expected.len(),
        missing: expected.difference(&actual).cloned().collect(),
        unexpected: actual.difference(&expected).cloned().collect(),
        errors,
        findings,
        output,
    }
}

/// Run every fixture of `pack` below `dir`.
pub fn run_all(engine: &Engine, pack: &str, dir: &Path) -> Vec<CaseResult> {
    discover(dir).iter().map(|case| run_case(engine, pack, case)).collect()
}

fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk_files(&path));
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_and_leading_annotations() {
        let text = "services:\n  redis:  # expect: memory-limit-missing\n    image: redis\n  # expect: resources/other, x\n\n  api:\n";
        let got = expectations_in(Path::new("/nonexistent/c.yaml"), text, "resources");
        let lines: Vec<(u32, &str)> = got.iter().map(|(_, l, r)| (*l, r.as_str())).collect();
        assert_eq!(lines, vec![(2, "resources/memory-limit-missing"), (6, "resources/other"), (6, "resources/x")]);
    }
}
