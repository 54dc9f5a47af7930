//! Collecting findings: a [`Report`] and a builder for one finding.

use crate::{Finding, Fix, Rule, Severity, Subject};

/// The findings of one evaluation, in the order rules add them.
#[derive(Debug, Default)]
pub struct Report {
    findings: Vec<Finding>,
}

impl Report {
    /// An empty report.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a finding of `rule` at `subject`; refine it through the returned builder.
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
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// Take the findings out of the report.
    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }
}

/// Refines the finding just added to a [`Report`].
#[derive(Debug)]
pub struct FindingBuilder<'a> {
    finding: &'a mut Finding,
}

impl FindingBuilder<'_> {
    /// Say what to change.
    pub fn help(self, help: impl Into<String>) -> Self {
        self.finding.help = Some(help.into());
        self
    }

    /// Point at another place involved (e.g. the Dockerfile line behind a compose finding).
    pub fn related(self, subject: Subject) -> Self {
        self.finding.related.push(subject);
        self
    }

    /// Override the rule's default severity for this finding.
    pub fn severity(self, severity: Severity) -> Self {
        self.finding.severity = Some(severity);
        self
    }

    /// Attach a machine-applicable fix.
    pub fn fix(self, fix: Fix) -> Self {
        self.finding.fix = Some(fix);
        self
    }
}
