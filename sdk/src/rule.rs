//! Rule declarations: id, severity, category, status and Markdown docs taken from the doc comment.

use crate::{RuleInfo, RuleStatus, Severity};

/// A rule of a pack, declared once with [`crate::declare_rule!`] and referenced by its findings.
///
/// ```
/// plimsoll_sdk::declare_rule! {
///     /// ## What it does
///     /// Flags services that have no memory limit.
///     ///
///     /// ## Why is this bad?
///     /// One leaking service can take the host's memory.
///     ///
///     /// ## Example
///     /// ```yaml
///     /// services: { redis: { image: "redis:7" } }
///     /// ```
///     pub static MEMORY_LIMIT_MISSING = {
///         id: "memory-limit-missing",
///         severity: Medium,
///         category: "resources",
///         summary: "service has no memory limit",
///     }
/// }
/// assert_eq!(MEMORY_LIMIT_MISSING.id, "memory-limit-missing");
/// assert_eq!(MEMORY_LIMIT_MISSING.severity, plimsoll_sdk::Severity::Medium);
/// ```
#[derive(Debug)]
pub struct Rule {
    /// kebab-case id without the pack prefix (`memory-limit-missing`).
    pub id: &'static str,
    /// One line: what the rule flags.
    pub summary: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// Category used to group findings in reports.
    pub category: &'static str,
    /// Raw doc comment text (one line per `///` line).
    pub docs: &'static str,
    /// Stable or preview.
    pub status: RuleStatus,
    /// Whether findings may carry a fix.
    pub fixable: bool,
}

impl Rule {
    /// The rule's Markdown documentation, with the doc comment's leading spaces removed.
    ///
    /// ```
    /// # plimsoll_sdk::declare_rule! {
    /// #         /// ## What it does
    /// #         /// Flags services that have no memory limit.
    /// #     ///
    /// #         /// ## Why is this bad?
    /// #         /// One leaking service can take the host's memory.
    /// #     ///
    /// #         /// ## Example
    /// #         /// ```yaml
    /// #         /// services: { redis: { image: "redis:7" } }
    /// #         /// ```
    /// #     pub static MEMORY_LIMIT_MISSING = {
    /// #         id: "memory-limit-missing",
    /// #         severity: Medium,
    /// #         category: "resources",
    /// #         summary: "service has no memory limit",
    /// #     }
    /// # }
    /// assert!(MEMORY_LIMIT_MISSING.markdown().starts_with("## What it does\nFlags services"));
    /// ```
    pub fn markdown(&self) -> String {
        let mut out = String::with_capacity(self.docs.len());
        for line in self.docs.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out.trim().to_string()
    }

    /// The rule as the contract describes it.
    ///
    /// ```
    /// # plimsoll_sdk::declare_rule! {
    /// #         /// ## What it does
    /// #         /// Flags services that have no memory limit.
    /// #     ///
    /// #         /// ## Why is this bad?
    /// #         /// One leaking service can take the host's memory.
    /// #     ///
    /// #         /// ## Example
    /// #         /// ```yaml
    /// #         /// services: { redis: { image: "redis:7" } }
    /// #         /// ```
    /// #     pub static MEMORY_LIMIT_MISSING = {
    /// #         id: "memory-limit-missing",
    /// #         severity: Medium,
    /// #         category: "resources",
    /// #         summary: "service has no memory limit",
    /// #     }
    /// # }
    /// let info = MEMORY_LIMIT_MISSING.info();
    /// assert_eq!(info.category, "resources");
    /// assert!(info.docs.contains("## Why is this bad?"));
    /// ```
    pub fn info(&self) -> RuleInfo {
        RuleInfo {
            id: self.id.to_string(),
            summary: self.summary.to_string(),
            severity: self.severity,
            category: self.category.to_string(),
            docs: self.markdown(),
            status: self.status,
            fixable: self.fixable,
        }
    }
}

/// Declare a rule: its doc comment becomes its Markdown documentation.
///
/// `status: Preview` and `fixable: true` may follow the summary.
///
/// ```
/// plimsoll_sdk::declare_rule! {
///     /// ## What it does
///     /// Flags services that have no memory limit.
///     ///
///     /// ## Why is this bad?
///     /// One leaking service can take the host's memory.
///     ///
///     /// ## Example
///     /// ```yaml
///     /// services: { redis: { image: "redis:7" } }
///     /// ```
///     pub static MEMORY_LIMIT_MISSING = {
///         id: "memory-limit-missing",
///         severity: Medium,
///         category: "resources",
///         summary: "service has no memory limit",
///     }
/// }
/// assert_eq!(MEMORY_LIMIT_MISSING.status, plimsoll_sdk::RuleStatus::Stable);
/// assert!(!MEMORY_LIMIT_MISSING.fixable);
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:expr])*
        $vis:vis static $name:ident = {
            id: $id:literal,
            severity: $sev:ident,
            category: $cat:literal,
            summary: $summary:literal
            $(, status: $status:ident)?
            $(, fixable: $fixable:literal)?
            $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        $vis static $name: $crate::Rule = $crate::Rule {
            id: $id,
            summary: $summary,
            severity: $crate::Severity::$sev,
            category: $cat,
            docs: concat!($($doc, "\n"),*),
            status: $crate::__status!($($status)?),
            fixable: $crate::__fixable!($($fixable)?),
        };
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __status {
    () => {
        $crate::RuleStatus::Stable
    };
    ($status:ident) => {
        $crate::RuleStatus::$status
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __fixable {
    () => {
        false
    };
    ($fixable:literal) => {
        $fixable
    };
}
