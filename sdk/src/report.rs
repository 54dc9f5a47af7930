//! Collecting findings: a [`Report`] and a builder for one finding; and the budget accounts a
//! pack hands the host for its reports (`host.report-budget`).

use crate::bindings::plimsoll::policy::host::Budget;
use crate::{Finding, Fix, Rule, Severity, Subject};

/// The findings of one evaluation, in the order rules add them, and its budget accounts.
///
/// ```
/// # use plimsoll_sdk::{Report, subject};
/// plimsoll_sdk::declare_rule! {
///     /// ## What it does
///     /// Flags services without a memory limit.
///     pub static MEMORY_LIMIT_MISSING = {
///         id: "memory-limit-missing",
///         severity: Medium,
///         category: "resources",
///         summary: "service has no memory limit",
///     }
/// }
/// let mut report = Report::new();
/// report
///     .add(&MEMORY_LIMIT_MISSING, subject::service("redis", &[]), "service `redis` has no memory limit")
///     .help("set `deploy.resources.limits.memory`");
/// assert_eq!(report.findings()[0].rule, "memory-limit-missing");
/// assert_eq!(report.findings()[0].help.as_deref(), Some("set `deploy.resources.limits.memory`"));
/// ```
#[derive(Debug, Default)]
pub struct Report {
    findings: Vec<Finding>,
    budgets: Vec<Budget>,
}

impl Report {
    /// An empty report.
    ///
    /// ```
    /// assert!(plimsoll_sdk::Report::new().findings().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a finding of `rule` at `subject`; refine it through the returned builder.
    ///
    /// ```
    /// # use plimsoll_sdk::{Report, subject};
    /// # plimsoll_sdk::declare_rule! { /// ## What it does
    /// #     pub static RULE = { id: "tag-missing", severity: Medium, category: "image", summary: "s" } }
    /// let mut report = Report::new();
    /// report.add(&RULE, subject::service("web", &["image"]), "service `web` has no image tag");
    /// assert_eq!(report.findings()[0].message, "service `web` has no image tag");
    /// ```
    pub fn add(&mut self, rule: &Rule, subject: Subject, message: impl Into<String>) -> FindingBuilder<'_> {
        self.findings.push(Finding {
            rule: rule.id.to_string(),
            severity: None,
            message: message.into(),
            subject,
            related: Vec::new(),
            help: None,
            fix: None,
        });
        let last = self.findings.len() - 1;
        FindingBuilder { finding: &mut self.findings[last] }
    }

    /// The findings so far.
    ///
    /// ```
    /// # use plimsoll_sdk::{Report, subject};
    /// # plimsoll_sdk::declare_rule! { /// ## What it does
    /// #     pub static RULE = { id: "r", severity: Low, category: "c", summary: "s" } }
    /// let mut report = Report::new();
    /// report.add(&RULE, subject::file(".env"), "`.env` is sent to the daemon");
    /// assert_eq!(report.findings().len(), 1);
    /// ```
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// Take the findings out of the report.
    ///
    /// ```
    /// let findings = plimsoll_sdk::Report::new().into_findings();
    /// assert!(findings.is_empty());
    /// ```
    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }

    /// Add an account of a host resource (one GPU's VRAM, say) for the reports' budget tables
    /// and charts. It is not a finding: it changes no decision. The host keeps at most 64.
    ///
    /// ```
    /// use plimsoll_sdk::bindings::plimsoll::policy::host::{Budget, BudgetShare};
    /// let mut report = plimsoll_sdk::Report::new();
    /// let share = BudgetShare { service: "llm".into(), amount: Some(8 << 30), source: "`x-plimsoll.vram`".into() };
    /// report.budget(Budget { kind: "vram".into(), name: "gpu 0".into(), capacity: 12 << 30, reserved: 0, shares: vec![share] });
    /// assert_eq!(report.budgets()[0].shares[0].service, "llm");
    /// ```
    pub fn budget(&mut self, budget: Budget) {
        self.budgets.push(budget);
    }

    /// The budget accounts added so far.
    pub fn budgets(&self) -> &[Budget] {
        &self.budgets
    }

    /// Hand the budget accounts to the host (in a component; dropped on a native build) and
    /// return the findings.
    pub fn finish(self) -> Vec<Finding> {
        #[cfg(target_arch = "wasm32")]
        for budget in &self.budgets {
            crate::bindings::plimsoll::policy::host::report_budget(budget);
        }
        self.findings
    }
}

/// Refines the finding just added to a [`Report`].
///
/// ```
/// # use plimsoll_sdk::{Report, Severity, subject};
/// # plimsoll_sdk::declare_rule! { /// ## What it does
/// #     pub static RULE = { id: "r", severity: Low, category: "c", summary: "s" } }
/// let mut report = Report::new();
/// report
///     .add(&RULE, subject::service("api", &["deploy", "resources", "reservations", "memory"]), "service `api` reserves more than its limit")
///     .related(subject::service("api", &["deploy", "resources", "limits", "memory"]))
///     .severity(Severity::High)
///     .help("lower the reservation");
/// let finding = &report.findings()[0];
/// assert_eq!(finding.related.len(), 1);
/// assert_eq!(finding.severity, Some(Severity::High));
/// ```
#[derive(Debug)]
pub struct FindingBuilder<'a> {
    finding: &'a mut Finding,
}

impl FindingBuilder<'_> {
    /// Say what to change (see [`FindingBuilder`] for an example).
    pub fn help(self, help: impl Into<String>) -> Self {
        self.finding.help = Some(help.into());
        self
    }

    /// Point at another place involved (e.g. the Dockerfile line behind a compose finding); see
    /// [`FindingBuilder`] for an example.
    pub fn related(self, subject: Subject) -> Self {
        self.finding.related.push(subject);
        self
    }

    /// Override the rule's default severity for this finding (see [`FindingBuilder`]).
    pub fn severity(self, severity: Severity) -> Self {
        self.finding.severity = Some(severity);
        self
    }

    /// Attach a machine-applicable fix.
    ///
    /// ```
    /// # use plimsoll_sdk::{Edit, Fix, Report, SetEdit, subject};
    /// # plimsoll_sdk::declare_rule! { /// ## What it does
    /// #     pub static RULE = { id: "r", severity: Low, category: "c", summary: "s", fixable: true } }
    /// let mut report = Report::new();
    /// let path: Vec<String> = ["services", "web", "restart"].map(String::from).to_vec();
    /// report.add(&RULE, subject::compose(path.clone()), "service `web` has no restart policy").fix(Fix {
    ///     description: "restart unless stopped".into(),
    ///     edits: vec![Edit::Set(SetEdit { path, yaml: "unless-stopped".into() })],
    /// });
    /// assert!(report.findings()[0].fix.is_some());
    /// ```
    pub fn fix(self, fix: Fix) -> Self {
        self.finding.fix = Some(fix);
        self
    }
}
