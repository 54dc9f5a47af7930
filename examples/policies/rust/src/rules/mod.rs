//! The rules of the `acme` pack, one per file.

pub mod base_image_not_allowed;
pub mod owner_label_missing;

use plimsoll_sdk::Rule;

/// Every rule of the pack, in documentation order.
pub static ALL: &[&Rule] = &[&owner_label_missing::RULE, &base_image_not_allowed::RULE];
