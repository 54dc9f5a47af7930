//! Evaluate: run every configured pack on one project in the sandbox and locate what it answers.
//!
//! Each pack gets a fresh sandbox (see `plimsoll-runtime`); a pack that traps, times out, runs out
//! of memory or answers garbage becomes an evaluation error of that pack for this project, and the
//! other packs' findings stand. Raw findings go straight to [`crate::locate`]; nothing is filtered
//! here.

use plimsoll_runtime::{EvalError, Pack, PreparedProject};

use crate::configure::Context;
use crate::locate;
use crate::outcome::{ErrorEntry, ErrorKind, ProjectResult};

/// Evaluate every pack of `context` on its project; findings and errors go to `result`.
pub fn evaluate(context: &Context, result: &mut ProjectResult) {
    let packs: Vec<&Pack> = context.configured.packs(context.engine).collect();
    let jobs: Vec<(&Pack, String)> = context
        .configured
        .settings
        .iter()
        .filter_map(|(id, text)| packs.iter().find(|p| &p.info.id == id).map(|p| (*p, text.clone())))
        .collect();
    let prepared = PreparedProject::new(&context.loaded.model);
    let runtime = &context.engine.runtime;
    let evaluations = if context.options.sequential {
        jobs.iter().map(|(pack, settings)| runtime.evaluate(pack, &prepared, settings)).collect()
    } else {
        runtime.evaluate_all(&jobs, &prepared)
    };
    for evaluation in evaluations {
        result.outputs.push((evaluation.pack.clone(), evaluation.output.clone()));
        result.timings.push((evaluation.pack.clone(), evaluation.elapsed));
        result.pack_budgets.extend(evaluation.budgets.iter().map(|b| (evaluation.pack.clone(), b.clone())));
        match evaluation.result {
            Ok(raw) => {
                let pack = packs.iter().find(|p| p.info.id == evaluation.pack).expect("evaluated pack exists");
                result.findings.extend(raw.into_iter().filter_map(|f| locate::locate(context, pack, f)));
            }
            Err(error) => result.errors.push(evaluation_error(context.name, &evaluation.pack, &error)),
        }
    }
}

fn evaluation_error(project: &str, pack: &str, error: &EvalError) -> ErrorEntry {
    ErrorEntry {
        kind: ErrorKind::Evaluation,
        file: None,
        line: None,
        column: None,
        pack: Some(pack.to_string()),
        error: Some(error.kind()),
        message: format!("pack `{pack}`: {error}"),
        project: project.to_string(),
    }
}
