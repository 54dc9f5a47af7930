//! The rules of the `resources` pack, one per file, and the compose keys several of them point at.

use plimsoll_sdk::model::Service;

plimsoll_sdk::rules! {
    memory_limit_missing,
    cpu_limit_missing,
    memory_reservation_missing,
    pids_limit_missing,
    reservation_exceeds_limit,
    limit_conflict,
    host_memory_budget,
    host_cpu_budget,
    app_memory_exceeds_limit,
    gpu_vram_budget,
    gpu_reservation_unbounded,
    shm_size_missing,
    gpu_legacy_runtime,
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
