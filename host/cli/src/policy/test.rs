//! `plimsoll policy test [DIR]`: run a pack's fixtures through its real component.
//!
//! Fixtures live in `tests/fixtures/` of the pack (compose files and Dockerfiles annotated with
//! `# expect: <rule-id>`, and case directories whose `plimsoll.yaml` gives a settings variant); they
//! run through [`plimsoll_check::fixtures`], the runner the built-in packs use, on an engine that holds the
//! built-in packs and this one with its manifest's default settings and limits. A run fails when a
//! fixture misses or adds a finding, when a rule has no fixture expecting it, or when there are no
//! fixtures at all: it never passes vacuously.

use std::path::PathBuf;

use plimsoll_check::Engine;
use plimsoll_check::fixtures::{self, CaseResult};
use plimsoll_check::manifest::LoadedManifest;

/// Where a pack's fixtures are, relative to its directory.
pub const FIXTURES_DIR: &str = "tests/fixtures";

/// The outcome of a pack's fixtures.
#[derive(Debug, Clone)]
pub struct TestReport {
    /// The pack id.
    pub pack: String,
    /// The fixtures directory.
    pub dir: PathBuf,
    /// One result per fixture.
    pub results: Vec<CaseResult>,
    /// Rules with no fixture that expects them.
    pub uncovered: Vec<String>,
}

impl TestReport {
    /// Whether every fixture passed, every rule is covered, and there was at least one fixture.
    pub fn passed(&self) -> bool {
        !self.results.is_empty() && self.results.iter().all(CaseResult::passed) && self.uncovered.is_empty()
    }

    /// The report as printed: one line per fixture, diffs of the failed ones, a closing count;
    /// `verbose` adds what the pack printed or logged on each fixture, below its line.
    pub fn render(&self, verbose: bool) -> String {
        let mut out = String::new();
        for r in &self.results {
            let shown = r.path.strip_prefix(&self.dir).unwrap_or(&r.path).display().to_string();
            if r.passed() {
                out.push_str(&format!("ok      {shown} ({} expected)\n", r.expected));
            } else {
                out.push_str(&format!("FAILED  {shown}\n"));
                for line in r.describe().lines().skip(1) {
                    out.push_str(&format!("    {}\n", line.trim_start()));
                }
            }
            if verbose {
                if r.output.trim().is_empty() {
                    out.push_str("    (the pack printed and logged nothing)\n");
                }
                for line in r.output.lines() {
                    out.push_str(&format!("    | {line}\n"));
                }
            }
        }
        if self.results.is_empty() {
            out.push_str(&format!("no fixtures in {}\n", self.dir.display()));
        }
        for rule in &self.uncovered {
            out.push_str(&format!("FAILED  rule `{rule}` has no fixture that expects it\n"));
        }
        let passed = self.results.iter().filter(|r| r.passed()).count();
        let failed = self.results.len() - passed + self.uncovered.len() + usize::from(self.results.is_empty());
        out.push_str(&format!("{}: {passed} passed, {failed} failed\n", self.pack));
        out
    }
}

/// Add the component of `manifest` to `engine` and run its fixtures.
pub fn run(engine: &mut Engine, manifest: &LoadedManifest) -> Result<TestReport, String> {
    let component = manifest.component_path();
    let bytes = std::fs::read(&component).map_err(|e| format!("{}: cannot read: {e}", component.display()))?;
    let limits = manifest.limits()?;
    let pack = engine.add_pack(&bytes, &component.display().to_string(), limits).map_err(|e| e.to_string())?;
    plimsoll_check::manifest::check_identity(manifest, &pack.info)?;
    let id = pack.info.id.clone();
    let rules: Vec<String> = pack.info.rules.iter().map(|r| format!("{id}/{}", r.id)).collect();
    engine.set_default_settings(&id, manifest.manifest.settings.clone());
    let dir = manifest.dir().join(FIXTURES_DIR);
    let results = fixtures::run_all(engine, &id, &dir);
    let covered = fixtures::expected_rules(&dir, &id);
    let uncovered = rules.into_iter().filter(|r| !covered.contains(r)).collect();
    Ok(TestReport { pack: id, dir, results, uncovered })
}
