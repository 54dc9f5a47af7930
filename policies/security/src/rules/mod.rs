//! The rules of the `security` pack, one per file.

use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, Rule};

use crate::Settings;

/// Every rule of the pack, in documentation order.
pub static ALL: &[&Rule] = &[];

/// Run every rule.
pub fn check_all(_project: &Project, _settings: &Settings, _report: &mut Report) {}
