//! The rules of the `{{id}}` pack, one per file.

pub mod owner_label_missing;

use plimsoll_sdk::Rule;

/// Every rule of the pack, in documentation order.
pub static ALL: &[&Rule] = &[&owner_label_missing::RULE];
