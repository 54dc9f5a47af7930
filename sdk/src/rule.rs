//! Rule declarations: id, severity, category, status and Markdown docs taken from the doc comment,
//! and [`crate::rules!`], which lists a pack's rules once.
//!
//! Nothing here looks at a project: a rule's check is a plain function in the pack's own module.

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

/// List a pack's rules once, in documentation order: one line per rule module.
///
/// Goes in `src/rules/mod.rs`. Each name is a file `src/rules/<name>.rs` that declares
/// `pub static RULE` with [`crate::declare_rule!`] and
/// `pub fn check(project: &Project, settings: &Settings, report: &mut Report)`. The macro emits
/// `pub mod <name>;` for each, `pub static ALL: &[&Rule]` (what `describe` lists) and
/// `pub fn check_all(project, settings, report)` (what `evaluate` runs), both in the order written,
/// so adding a rule is one new file and one line here. The settings type is `crate::Settings`
/// unless a `settings: Type;` line comes first. [`crate::pack!`] uses `ALL` and `check_all`.
///
/// ```ignore
/// // src/rules/mod.rs
/// //! The rules of the `acme` pack, one per file.
///
/// plimsoll_sdk::rules! {
///     owner_label_missing,
///     base_image_not_allowed,
/// }
/// ```
///
/// With settings declared elsewhere than `crate::Settings`:
///
/// ```ignore
/// plimsoll_sdk::rules! {
///     settings: plimsoll_sdk::NoSettings;
///     privileged,
/// }
/// ```
///
/// (Runnable examples are the SDK's test packs `tests/acme` and `tests/bare`: module files cannot
/// live in a doctest.)
#[macro_export]
#[allow(clippy::crate_in_macro_def)] // `crate::Settings` is meant: the pack's settings, by default.
macro_rules! rules {
    (settings: $settings:ty; $($rule:ident),+ $(,)?) => {
        $(pub mod $rule;)+

        /// Every rule of the pack, in documentation order.
        pub static ALL: &[&$crate::Rule] = &[$(&$rule::RULE),+];

        /// Run every rule, in documentation order.
        pub fn check_all(project: &$crate::model::Project, settings: &$settings, report: &mut $crate::Report) {
            $($rule::check(project, settings, report);)+
        }
    };
    ($($rule:ident),+ $(,)?) => {
        $crate::rules! { settings: crate::Settings; $($rule),+ }
    };
}
