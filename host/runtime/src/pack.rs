//! A loaded pack: its compiled component, its `InstancePre`, its description and its limits.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::bindings::PolicyPre;
use crate::sandbox::StoreState;
use crate::wire::Lowering;

/// How bad a finding is, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Should be fixed eventually.
    Low,
    /// Should be fixed.
    Medium,
    /// Must be fixed before production.
    High,
    /// Breaks the deployment or its security.
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 5] =
        [Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical];

    /// The lowercase name (`high`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parse a lowercase name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Maturity of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleStatus {
    /// Stable.
    Stable,
    /// May change.
    Preview,
}

/// One rule as its pack describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleInfo {
    /// Rule id without the pack prefix.
    pub id: String,
    /// One line.
    pub summary: String,
    /// Default severity.
    pub severity: Severity,
    /// Category.
    pub category: String,
    /// Markdown documentation.
    pub docs: String,
    /// Stable or preview.
    pub status: RuleStatus,
    /// Whether findings may carry a fix.
    pub fixable: bool,
}

/// A pack's description (its answer to `describe`, validated).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackInfo {
    /// Pack id.
    pub id: String,
    /// Version.
    pub version: String,
    /// One line.
    pub summary: String,
    /// JSON Schema of the settings (empty when none).
    pub settings_schema: String,
    /// Rules.
    pub rules: Vec<RuleInfo>,
}

impl PackInfo {
    /// The rule with this id (without the pack prefix).
    pub fn rule(&self, id: &str) -> Option<&RuleInfo> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// A machine-applicable fix, as the policy gave it (its edits are JSON in the WIT `edit` shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fix {
    /// What the fix does.
    pub description: String,
    /// The edits.
    pub edits: Vec<serde_json::Value>,
}

/// A finding as a policy answered it, validated but not yet located.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawFinding {
    /// Rule id without the pack prefix.
    pub rule: String,
    /// Severity override.
    pub severity: Option<Severity>,
    /// Message.
    pub message: String,
    /// Where it points.
    pub subject: plimsoll_model::model::Subject,
    /// Other places involved.
    pub related: Vec<plimsoll_model::model::Subject>,
    /// What to change.
    pub help: Option<String>,
    /// A fix.
    pub fix: Option<Fix>,
}

/// A pack's account of one host resource (`host.report-budget`), for the reports' budget tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    /// What is counted, kebab-case (`vram`).
    pub kind: String,
    /// Which one (`gpu 0 (RTX 3060)`).
    pub name: String,
    /// Its capacity, in the unit (bytes for memory and VRAM).
    pub capacity: u64,
    /// What is kept free of it (headroom).
    pub reserved: u64,
    /// Who takes what.
    pub shares: Vec<BudgetShare>,
}

/// One service's share in a [`Budget`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetShare {
    /// The service.
    pub service: String,
    /// What it takes, in the budget's unit; `None` when the pack cannot tell.
    pub amount: Option<u64>,
    /// Where the number comes from.
    pub source: String,
}

impl From<crate::bindings::plimsoll::policy::host::Budget> for Budget {
    fn from(b: crate::bindings::plimsoll::policy::host::Budget) -> Self {
        Budget {
            kind: b.kind,
            name: b.name,
            capacity: b.capacity,
            reserved: b.reserved,
            shares: b
                .shares
                .into_iter()
                .map(|s| BudgetShare { service: s.service, amount: s.amount, source: s.source })
                .collect(),
        }
    }
}

/// Per-pack sandbox limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Linear memory cap in bytes (default 64 MiB).
    pub memory_bytes: usize,
    /// Wall-clock deadline of one call (default 1 s).
    pub deadline: Duration,
    /// stdout and stderr buffer size each (default 64 KiB).
    pub output_bytes: usize,
    /// Most findings one evaluation may return (default 10 000).
    pub max_findings: usize,
    /// Longest message or help text (default 4 KiB).
    pub max_text: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory_bytes: 64 * 1024 * 1024,
            deadline: Duration::from_secs(1),
            output_bytes: 64 * 1024,
            max_findings: 10_000,
            max_text: 4096,
        }
    }
}

/// A pack ready to evaluate: compiled once, pre-instantiated, described.
#[derive(Clone)]
pub struct Pack {
    pub(crate) pre: PolicyPre<StoreState>,
    /// sha256 of the component bytes, hex.
    pub digest: String,
    /// Where it came from (a path, or `builtin:<id>`).
    pub origin: String,
    /// Its validated description.
    pub info: PackInfo,
    /// Its sandbox limits.
    pub limits: Limits,
    /// Whether it came from the compiled-component cache.
    pub cache_hit: bool,
    /// Imports the component declares (for `policy inspect`).
    pub imports: Vec<String>,
    /// How the project is copied into its instances (what the component declares).
    pub lowering: Lowering,
}

impl std::fmt::Debug for Pack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pack")
            .field("id", &self.info.id)
            .field("origin", &self.origin)
            .field("digest", &self.digest)
            .finish()
    }
}

impl Pack {
    /// The pack id.
    pub fn id(&self) -> &str {
        &self.info.id
    }
}
