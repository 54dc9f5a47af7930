//! The rules of the `image` pack, one per file.

pub mod add_instead_of_copy;
pub mod apt_no_install_recommends;
pub mod apt_update_alone;
pub mod build_context_large;
pub mod build_tools_in_final_stage;
pub mod copy_secrets;
pub mod digest_not_pinned;
pub mod dockerignore_incomplete;
pub mod dockerignore_missing;
pub mod layer_order_cache_bust;
pub mod multiple_cmd_or_healthcheck;
pub mod package_cache_not_cleaned;
pub mod shell_form_cmd;
pub mod tag_missing;
pub mod tag_mutable;
pub mod unknown_stage_reference;

use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, Rule};

use crate::Settings;

/// Every rule of the pack, in documentation order.
pub static ALL: &[&Rule] = &[
    &tag_missing::RULE,
    &tag_mutable::RULE,
    &digest_not_pinned::RULE,
    &dockerignore_missing::RULE,
    &dockerignore_incomplete::RULE,
    &build_context_large::RULE,
    &copy_secrets::RULE,
    &build_tools_in_final_stage::RULE,
    &layer_order_cache_bust::RULE,
    &package_cache_not_cleaned::RULE,
    &apt_no_install_recommends::RULE,
    &apt_update_alone::RULE,
    &add_instead_of_copy::RULE,
    &shell_form_cmd::RULE,
    &multiple_cmd_or_healthcheck::RULE,
    &unknown_stage_reference::RULE,
];

/// Run every rule.
pub fn check_all(project: &Project, settings: &Settings, report: &mut Report) {
    tag_missing::check(project, settings, report);
    tag_mutable::check(project, settings, report);
    digest_not_pinned::check(project, settings, report);
    dockerignore_missing::check(project, settings, report);
    dockerignore_incomplete::check(project, settings, report);
    build_context_large::check(project, settings, report);
    copy_secrets::check(project, settings, report);
    build_tools_in_final_stage::check(project, settings, report);
    layer_order_cache_bust::check(project, settings, report);
    package_cache_not_cleaned::check(project, settings, report);
    apt_no_install_recommends::check(project, settings, report);
    apt_update_alone::check(project, settings, report);
    add_instead_of_copy::check(project, settings, report);
    shell_form_cmd::check(project, settings, report);
    multiple_cmd_or_healthcheck::check(project, settings, report);
    unknown_stage_reference::check(project, settings, report);
}
