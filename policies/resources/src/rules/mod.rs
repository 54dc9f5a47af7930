//! The rules of the `resources` pack, one per file.

pub mod memory_limit_missing;
pub mod reservation_exceeds_limit;

use plimsoll_sdk::Rule;

/// Every rule of the pack, in documentation order.
pub static ALL: &[&Rule] = &[&memory_limit_missing::RULE, &reservation_exceeds_limit::RULE];
