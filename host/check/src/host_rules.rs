//! The host's own rules, pack `plimsoll`: findings about the way findings are waived.
//!
//! They are not policies (no component evaluates them): the check pipeline raises them while it
//! applies inline waivers, `exceptions:` and the baseline. They are listed by `plimsoll rules`, can be turned off or
//! re-graded in `plimsoll.yaml` like any rule, and appear in every report format.

use plimsoll_runtime::{PackInfo, RuleInfo, RuleStatus, Severity};

/// The pack id of the host rules.
pub const PACK: &str = "plimsoll";
/// Rule id (without the pack): a waiver comment without a reason, or naming an unknown rule.
pub const INVALID_WAIVER: &str = "invalid-waiver";
/// Rule id: a waiver comment that waives nothing.
pub const UNUSED_WAIVER: &str = "unused-waiver";
/// Rule id: an exception of `plimsoll.yaml` past its `expires` date that still matches findings.
pub const EXPIRED_EXCEPTION: &str = "expired-exception";
/// Rule id: an entry of the `--baseline` file that matches no finding of its project.
pub const STALE_BASELINE_ENTRY: &str = "stale-baseline-entry";
/// The category of the host rules.
pub const CATEGORY: &str = "waivers";

/// The host rules, as `plimsoll rules` shows them.
pub fn rules() -> Vec<RuleInfo> {
    let rule = |id: &str, summary: &str, severity, docs: &str| RuleInfo {
        id: id.to_string(),
        summary: summary.to_string(),
        severity,
        category: CATEGORY.to_string(),
        docs: docs.to_string(),
        status: RuleStatus::Stable,
        fixable: false,
    };
    vec![
        rule(
            INVALID_WAIVER,
            "a `# plimsoll-ignore:` comment without a reason or naming an unknown rule",
            Severity::Medium,
            "## What it does\nReports an inline waiver that has no `-- <reason>` or names a rule that does not exist.\n\n\
             ## Why is this bad?\nA waiver without a reason cannot be reviewed, and a misspelled rule id waives nothing. \
             An invalid waiver waives nothing: the findings it meant to hide are reported too.\n\n\
             ## Example\n```yaml\nservices:\n  cadvisor:\n    privileged: true  # plimsoll-ignore: security/privileged\n```\n\
             Use instead:\n```yaml\n    privileged: true  # plimsoll-ignore: security/privileged -- reads host metrics\n```\n",
        ),
        rule(
            UNUSED_WAIVER,
            "a `# plimsoll-ignore:` comment that waives no finding",
            Severity::Low,
            "## What it does\nReports an inline waiver whose rules report nothing on the line it applies to.\n\n\
             ## Why is this bad?\nA stale waiver would silently hide a future finding on that line. Remove it.\n\n\
             ## Example\n```dockerfile\n# plimsoll-ignore: image/tag-mutable -- pinned by renovate\nFROM python:3.12.4-slim\n```\n",
        ),
        rule(
            EXPIRED_EXCEPTION,
            "an exception in `plimsoll.yaml` is past its `expires` date",
            Severity::Medium,
            "## What it does\nReports an entry of `exceptions:` whose `expires` date has passed while it still matches \
             findings. Those findings are reported again.\n\n\
             ## Why is this bad?\nAn exception is a promise to fix something by a date; the date has passed.\n\n\
             ## Example\n```yaml\nexceptions:\n  - rules: [security/privileged]\n    services: [cadvisor]\n    reason: reads host metrics\n    expires: 2024-06-30\n```\n",
        ),
        rule(
            STALE_BASELINE_ENTRY,
            "a baseline entry matches no finding of its project any more",
            Severity::Info,
            "## What it does\nReports an entry of the `--baseline` file whose project was checked, whose rule ran, and \
             which hid no finding: what it accepted was fixed or removed. Entries of projects that were not part of \
             the run are left alone.\n\n\
             ## Why is this bad?\nA stale entry would silently hide the same finding if it came back. Run the check \
             again with `--baseline FILE --prune-baseline` to remove stale entries (the file is rewritten atomically).\n\n\
             ## Example\n```json\n{ \"project\": \"apps/billing\", \"fingerprint\": \"4f1c…\", \"rule\": \"security/privileged\", \
             \"file\": \"apps/billing/compose.yaml\", \"message\": \"service `api` runs privileged\" }\n```\n",
        ),
    ]
}

/// The host rules as a pack description, for listings.
pub fn pack_info() -> PackInfo {
    PackInfo {
        id: PACK.to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        summary: "the host's own rules: invalid and unused waivers, expired exceptions, stale baseline entries"
            .to_string(),
        settings_schema: String::new(),
        rules: rules(),
    }
}

/// The info of a host rule by id (without the pack).
pub fn rule(id: &str) -> Option<RuleInfo> {
    rules().into_iter().find(|r| r.id == id)
}

/// Whether `id` (`plimsoll/<rule>`) is a host rule.
pub fn is_host_rule(id: &str) -> bool {
    id.split_once('/').is_some_and(|(pack, rule)| pack == PACK && self::rule(rule).is_some())
}
