//! Locate: turn a policy's subjects into files, lines and columns, and give each finding its
//! fingerprint.
//!
//! Policies answer with subjects (paths in the model); only this step turns them into positions,
//! through the project's source map. Positions are relative to the project root. The rule's
//! configured severity (or `off`) is applied here too, since a finding of a rule that is off is
//! never located. Nothing here reads the working directory.

use std::path::Path;

use plimsoll_model::Location;
use plimsoll_model::model::Subject;
use plimsoll_runtime::{Pack, RawFinding};
use sha2::{Digest, Sha256};

use crate::configure::Context;
use crate::outcome::{Finding, Position};
use crate::{filter, host_rules};

/// Locate one raw finding of `pack`; `None` when its rule is unknown or turned off.
pub fn locate(context: &Context, pack: &Pack, raw: RawFinding) -> Option<Finding> {
    let loaded = context.loaded;
    let rule = pack.info.rule(&raw.rule)?;
    let id = format!("{}/{}", pack.info.id, rule.id);
    let severity = filter::configured_severity(context.cfg(), &id, raw.severity.unwrap_or(rule.severity))?;
    let location = loaded
        .locate(&raw.subject)
        .or_else(|| loaded.primary_file.as_ref().map(|f| Location::start_of(f.clone())))
        .unwrap_or_else(|| Location::start_of(loaded.directory.clone()));
    let related = raw
        .related
        .iter()
        .filter_map(|s| loaded.locate(s))
        .map(|l| Position { file: context.show(&l.file), line: l.line, column: l.column })
        .collect();
    let service = loaded.service_of(&raw.subject);
    let fingerprint = fingerprint(&id, context, &location.file, &raw.subject);
    Some(Finding {
        rule: id,
        pack: pack.info.id.clone(),
        severity,
        category: rule.category.clone(),
        message: raw.message,
        help: raw.help,
        file: context.show(&location.file),
        line: location.line,
        column: location.column,
        service,
        related,
        fingerprint,
        project: context.name.to_string(),
        fix: raw.fix,
        path: location.file,
    })
}

/// A finding of a host rule at `place`, after `rules:` and `--only`/`--skip`; `None` when the rule
/// is off or not selected.
pub fn host_finding(
    context: &Context,
    rule: &str,
    place: Location,
    message: String,
    help: String,
    subject: &str,
) -> Option<Finding> {
    let info = host_rules::rule(rule)?;
    let id = format!("{}/{rule}", host_rules::PACK);
    if !context.options.selects(&id) {
        return None;
    }
    let severity = filter::configured_severity(context.cfg(), &id, info.severity)?;
    let fingerprint = fingerprint(&id, context, &place.file, &Subject::File(subject.to_string()));
    Some(Finding {
        rule: id,
        pack: host_rules::PACK.to_string(),
        severity,
        category: info.category,
        message,
        help: Some(help),
        file: context.show(&place.file),
        line: place.line,
        column: place.column,
        service: None,
        related: Vec::new(),
        fingerprint,
        project: context.name.to_string(),
        fix: None,
        path: place.file,
    })
}

/// A fingerprint that survives unrelated edits: the rule, the project's identity (its path
/// relative to the repository root, never its name), the file relative to the project, and the
/// subject — a compose path without list indices (it names the service already), or a Dockerfile
/// instruction's stage, keyword and text — never line numbers. So moving lines, reordering
/// services or list entries, and adding or changing `name:` keep every fingerprint, while the same
/// finding in another project of the repository never shares one. Two findings of one rule on
/// one object can share a fingerprint; the baseline counts occurrences (see [`crate::baseline`]).
fn fingerprint(rule: &str, context: &Context, file: &Path, subject: &Subject) -> String {
    let (project, loaded) = (context.id, context.loaded);
    let directory = context.paths.of(&loaded.directory);
    let file = context.paths.of(file);
    let relative = file.strip_prefix(&directory).unwrap_or(&file);
    let mut hasher = Sha256::new();
    hasher.update(rule.as_bytes());
    hasher.update([0]);
    hasher.update(project.as_bytes());
    hasher.update([0]);
    hasher.update(relative.to_string_lossy().as_bytes());
    hasher.update([0]);
    match subject {
        Subject::Project => hasher.update(b"project"),
        Subject::Compose(path) => {
            let named: Vec<&str> =
                path.iter().map(String::as_str).filter(|p| !p.bytes().all(|b| b.is_ascii_digit())).collect();
            hasher.update(named.join("\u{1f}").as_bytes())
        }
        Subject::Instruction(r) => {
            let text = loaded
                .model
                .dockerfiles
                .get(r.dockerfile as usize)
                .and_then(|d| d.instructions.get(r.instruction as usize))
                .map(|i| format!("{:?}\u{1f}{}\u{1f}{}", i.stage, i.keyword, i.text))
                .unwrap_or_default();
            hasher.update(text.as_bytes())
        }
        Subject::File(path) => hasher.update(path.as_bytes()),
    }
    hex::encode(&hasher.finalize()[..8])
}
