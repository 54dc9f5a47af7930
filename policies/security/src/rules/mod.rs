//! The rules of the `security` pack, one per file.

pub mod cors_wildcard;
pub mod dangerous_capabilities;
pub mod datastore_port_published;
pub mod docker_socket_mount;
pub mod host_namespaces;
pub mod model_weights_writable;
pub mod port_unbound_interface;
pub mod privileged;
pub mod runs_as_root;
pub mod secrets_in_build;
pub mod secrets_in_command;
pub mod secrets_in_environment;
pub mod sensitive_host_mount;
pub mod tls_verification_disabled;

use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Report, Rule};

use crate::Settings;

/// Every rule of the pack, in documentation order.
pub static ALL: &[&Rule] = &[
    &runs_as_root::RULE,
    &privileged::RULE,
    &dangerous_capabilities::RULE,
    &docker_socket_mount::RULE,
    &sensitive_host_mount::RULE,
    &host_namespaces::RULE,
    &secrets_in_environment::RULE,
    &secrets_in_command::RULE,
    &secrets_in_build::RULE,
    &datastore_port_published::RULE,
    &port_unbound_interface::RULE,
    &cors_wildcard::RULE,
    &model_weights_writable::RULE,
    &tls_verification_disabled::RULE,
];

/// Run every rule.
pub fn check_all(project: &Project, settings: &Settings, report: &mut Report) {
    runs_as_root::check(project, settings, report);
    privileged::check(project, settings, report);
    dangerous_capabilities::check(project, settings, report);
    docker_socket_mount::check(project, settings, report);
    sensitive_host_mount::check(project, settings, report);
    host_namespaces::check(project, settings, report);
    secrets_in_environment::check(project, settings, report);
    secrets_in_command::check(project, settings, report);
    secrets_in_build::check(project, settings, report);
    datastore_port_published::check(project, settings, report);
    port_unbound_interface::check(project, settings, report);
    cors_wildcard::check(project, settings, report);
    model_weights_writable::check(project, settings, report);
    tls_verification_disabled::check(project, settings, report);
}
