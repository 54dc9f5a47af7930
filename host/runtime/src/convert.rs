//! Between the model and the bindings: a project prepared once for every pack, and answers
//! turned back into host types.
//!
//! The model types in `plimsoll-model` mirror the WIT records one to one, so a project crosses over
//! through serde: the model is laid out in the canonical ABI directly (see `wire`), once per
//! project, not once per evaluation, and never copied into the bindings' types on the way.

use plimsoll_model::model::{self, InstructionRef, Subject};

use crate::bindings;
use crate::bindings::plimsoll::policy::types as wit;
use crate::pack::{Fix, RawFinding, Severity};
use crate::wire::WireProject;

/// A project ready to pass to any number of evaluations (it borrows the model).
#[derive(Debug)]
pub struct PreparedProject<'m> {
    pub(crate) wit: WireProject<'m>,
    pub(crate) has_compose: bool,
    pub(crate) instructions: Vec<usize>,
}

impl<'m> PreparedProject<'m> {
    /// Prepare a model project; the layout for the sandbox is computed at the first evaluation.
    pub fn new(project: &'m model::Project) -> Self {
        Self {
            wit: WireProject::new(project),
            has_compose: !project.files.is_empty(),
            instructions: project.dockerfiles.iter().map(|d| d.instructions.len()).collect(),
        }
    }

    /// The project as the bindings see it, back as JSON (for the roundtrip test); the error
    /// when the model does not convert into the bindings (the model and the WIT have drifted).
    pub fn to_json(&self) -> Result<serde_json::Value, String> {
        serde_json::to_value(self.wit.project()?).map_err(|e| e.to_string())
    }

    /// Check that a subject names something in this project.
    pub(crate) fn check_subject(&self, subject: &Subject) -> Result<(), String> {
        match subject {
            Subject::Project => Ok(()),
            Subject::Compose(path) if path.is_empty() || path.iter().any(String::is_empty) => {
                Err("a compose subject with an empty path".to_string())
            }
            Subject::Compose(path) if !self.has_compose => {
                Err(format!("compose subject `{}` in a project without a compose file", path.join(".")))
            }
            Subject::Compose(_) => Ok(()),
            Subject::Instruction(r) => match self.instructions.get(r.dockerfile as usize) {
                Some(n) if (r.instruction as usize) < *n => Ok(()),
                _ => Err(format!("instruction {}:{} does not exist", r.dockerfile, r.instruction)),
            },
            Subject::File(path) if path.is_empty() || path.starts_with('/') => {
                Err(format!("file subject `{path}` is not a relative path"))
            }
            Subject::File(_) => Ok(()),
        }
    }
}

pub(crate) fn severity(s: wit::Severity) -> Severity {
    match s {
        wit::Severity::Info => Severity::Info,
        wit::Severity::Low => Severity::Low,
        wit::Severity::Medium => Severity::Medium,
        wit::Severity::High => Severity::High,
        wit::Severity::Critical => Severity::Critical,
    }
}

pub(crate) fn subject(s: wit::Subject) -> Subject {
    match s {
        wit::Subject::Project => Subject::Project,
        wit::Subject::Compose(path) => Subject::Compose(path),
        wit::Subject::Instruction(r) => {
            Subject::Instruction(InstructionRef { dockerfile: r.dockerfile, instruction: r.instruction })
        }
        wit::Subject::File(path) => Subject::File(path),
    }
}

pub(crate) fn finding(f: bindings::Finding) -> RawFinding {
    RawFinding {
        rule: f.rule,
        severity: f.severity.map(severity),
        message: f.message,
        subject: subject(f.subject),
        related: f.related.into_iter().map(subject).collect(),
        help: f.help,
        fix: f.fix.map(|fix| Fix {
            description: fix.description,
            edits: fix.edits.iter().map(|e| serde_json::to_value(e).unwrap_or_default()).collect(),
        }),
    }
}
