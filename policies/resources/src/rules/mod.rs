//! The rules of the `resources` pack, one per file, and the compose keys several of them point at.

pub mod app_memory_exceeds_limit;
pub mod cpu_limit_missing;
pub mod gpu_reservation_unbounded;
pub mod gpu_vram_budget;
pub mod host_cpu_budget;
pub mod host_memory_budget;
pub mod limit_conflict;
pub mod memory_limit_missing;
pub mod memory_reservation_missing;
pub mod pids_limit_missing;
pub mod reservation_exceeds_limit;

use plimsoll_sdk::model::{Project, Service};
use plimsoll_sdk::{Report, Rule};

use crate::Settings;

/// Every rule of the pack, in documentation order.
pub static ALL: &[&Rule] = &[
    &memory_limit_missing::RULE,
    &cpu_limit_missing::RULE,
    &memory_reservation_missing::RULE,
    &pids_limit_missing::RULE,
    &reservation_exceeds_limit::RULE,
    &limit_conflict::RULE,
    &host_memory_budget::RULE,
    &host_cpu_budget::RULE,
    &app_memory_exceeds_limit::RULE,
    &gpu_vram_budget::RULE,
    &gpu_reservation_unbounded::RULE,
];

/// Run every rule.
pub fn check_all(project: &Project, settings: &Settings, report: &mut Report) {
    memory_limit_missing::check(project, settings, report);
    cpu_limit_missing::check(project, settings, report);
    memory_reservation_missing::check(project, settings, report);
    pids_limit_missing::check(project, settings, report);
    reservation_exceeds_limit::check(project, settings, report);
    limit_conflict::check(project, settings, report);
    host_memory_budget::check(project, settings, report);
    host_cpu_budget::check(project, settings, report);
    app_memory_exceeds_limit::check(project, settings, report);
    gpu_vram_budget::check(project, settings, report);
    gpu_reservation_unbounded::check(project, settings, report);
}

/// The key that sets a service's memory limit: `deploy.resources.limits.memory`, else `mem_limit`.
pub fn memory_limit_key(service: &Service) -> &'static [&'static str] {
    if service.resources.limits.memory.is_some() {
        &["deploy", "resources", "limits", "memory"]
    } else {
        &["mem_limit"]
    }
}

/// The key that sets a service's memory reservation: `deploy.resources.reservations.memory`, else `mem_reservation`.
pub fn memory_reservation_key(service: &Service) -> &'static [&'static str] {
    if service.resources.reservations.memory.is_some() {
        &["deploy", "resources", "reservations", "memory"]
    } else {
        &["mem_reservation"]
    }
}
