//! Budgets: what a project's services reserve and may use of each host resource (memory and
//! CPU), times their replicas, next to what the host profile leaves usable, with a verdict; and
//! the accounts packs hand the host (`host.report-budget`: each GPU's VRAM from the resources
//! pack), with the same verdicts.
//!
//! Plain arithmetic over the loaded model and the packs' accounts, shared by the JSON `budgets`
//! object, the Markdown resource tables and the HTML bars so that they always agree. It decides
//! nothing about the gate (the `resources/host-*-budget` and `gpu-vram-budget` rules do), computes
//! no pack's numbers itself (a pack's demand logic stays in the pack) and reads no files.

use serde::Serialize;

use plimsoll_check::ProjectResult;
use plimsoll_model::model::Service;

/// One service's share of a resource (amounts multiplied by its replicas).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Share {
    /// The service.
    pub service: String,
    /// Its replicas (1 when unset).
    pub replicas: u32,
    /// Limit × replicas, when it has a limit.
    pub limit: Option<f64>,
    /// Reservation × replicas, when it has one.
    pub reservation: Option<f64>,
}

/// How a resource's budget stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every service has a limit and the limits fit in the usable capacity.
    Fits,
    /// The reservations fit, but some services have no limit: the totals are a lower bound.
    Unbounded,
    /// The limits add up to more than the usable capacity (the reservations fit).
    Overcommitted,
    /// The reservations alone add up to more than the usable capacity.
    OverReserved,
    /// No host profile gives the capacity.
    Unknown,
}

impl Verdict {
    /// One sentence for reports.
    pub fn sentence(self) -> &'static str {
        match self {
            Verdict::Fits => "fits: every service has a limit and the limits fit in the usable capacity",
            Verdict::Unbounded => "unbounded: some services have no limit, so the total is a lower bound",
            Verdict::Overcommitted => "overcommitted: the limits add up to more than the usable capacity",
            Verdict::OverReserved => "over-reserved: the reservations alone exceed the usable capacity",
            Verdict::Unknown => "unknown: no host profile (`host:` in plimsoll.yaml) gives the capacity",
        }
    }
}

/// The budget of one host resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Budget {
    /// `bytes` or `cpus`.
    pub unit: &'static str,
    /// The host's capacity, when a host profile gives it.
    pub capacity: Option<f64>,
    /// What the profile keeps for the host itself.
    pub reserved_for_host: f64,
    /// Capacity minus what the host keeps.
    pub usable: Option<f64>,
    /// Per service, in the compose order (services scaled to zero left out).
    pub services: Vec<Share>,
    /// Σ limits × replicas.
    pub limits: f64,
    /// Σ reservations × replicas.
    pub reservations: f64,
    /// Services without a limit.
    pub unlimited: Vec<String>,
    /// Limits as a percentage of the usable capacity.
    pub limits_percent: Option<f64>,
    /// Reservations as a percentage of the usable capacity.
    pub reservations_percent: Option<f64>,
    /// How it stands.
    pub verdict: Verdict,
}

/// The budgets of one project, per host resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Budgets {
    /// Memory, in bytes.
    pub memory: Budget,
    /// CPU, in CPUs.
    pub cpu: Budget,
    /// The packs' accounts (one per GPU for VRAM), in the order the packs reported them.
    pub accounts: Vec<Account>,
}

/// A pack's account of one host resource (`host.report-budget`), with its totals and verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Account {
    /// What is counted (`vram`).
    pub kind: String,
    /// Which one (`gpu 0 (RTX 3060)`).
    pub name: String,
    /// The pack that reported it.
    pub pack: String,
    /// `bytes` for memory and VRAM, else `units`.
    pub unit: &'static str,
    /// Its capacity.
    pub capacity: u64,
    /// What is kept free of it (headroom).
    pub reserved: u64,
    /// Capacity minus what is kept free.
    pub usable: u64,
    /// Who takes what, and where the number comes from.
    pub services: Vec<AccountShare>,
    /// Σ of the shares.
    pub total: u64,
    /// The total as a percentage of the usable capacity (`None` when nothing is usable).
    pub percent: Option<f64>,
    /// Services placed on it whose demand the pack could not read (counted 0).
    pub unknown: Vec<String>,
    /// `fits`, `unbounded` (fits, with unknown demands) or `overcommitted`.
    pub verdict: Verdict,
}

/// One service's share in an [`Account`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountShare {
    /// The service.
    pub service: String,
    /// What it takes.
    pub amount: u64,
    /// Where the number comes from.
    pub source: String,
    /// The pack could not read its demand (`amount` is 0).
    pub unknown: bool,
}

/// The accounts packs reported for a project.
fn accounts(project: &ProjectResult) -> Vec<Account> {
    project
        .pack_budgets
        .iter()
        .map(|(pack, b)| {
            let usable = b.capacity.saturating_sub(b.reserved);
            let services: Vec<AccountShare> = b
                .shares
                .iter()
                .map(|s| AccountShare {
                    service: s.service.clone(),
                    amount: s.amount.unwrap_or(0),
                    source: s.source.clone(),
                    unknown: s.amount.is_none(),
                })
                .collect();
            let total = services.iter().fold(0u64, |sum, s| sum.saturating_add(s.amount));
            let unknown: Vec<String> = services.iter().filter(|s| s.unknown).map(|s| s.service.clone()).collect();
            let verdict = if total > usable {
                Verdict::Overcommitted
            } else if !unknown.is_empty() {
                Verdict::Unbounded
            } else {
                Verdict::Fits
            };
            Account {
                kind: b.kind.clone(),
                name: b.name.clone(),
                pack: pack.clone(),
                unit: if matches!(b.kind.as_str(), "vram" | "memory") { "bytes" } else { "units" },
                capacity: b.capacity,
                reserved: b.reserved,
                usable,
                services,
                total,
                percent: (usable > 0).then(|| 100.0 * total as f64 / usable as f64),
                unknown,
                verdict,
            }
        })
        .collect()
}

/// The heading of a project's accounts in the reviews: `GPU VRAM` when they are all VRAM.
pub fn accounts_heading(accounts: &[Account]) -> &'static str {
    if accounts.iter().all(|a| a.kind == "vram") { "GPU VRAM" } else { "Accounts" }
}

impl Account {
    /// One sentence for reports.
    pub fn sentence(&self) -> &'static str {
        match self.verdict {
            Verdict::Fits => "fits: the demands add up to no more than the usable capacity",
            Verdict::Unbounded => "fits as far as known: some services' demand could not be read",
            _ => "overcommitted: the demands add up to more than the usable capacity",
        }
    }
}

/// The budgets of a project that was loaded and has services; `None` otherwise.
pub fn of(project: &ProjectResult) -> Option<Budgets> {
    let loaded = project.loaded.as_ref()?;
    let model = &loaded.model;
    if model.services.is_empty() {
        return None;
    }
    let host = model.host.as_ref();
    let memory = budget(
        "bytes",
        &model.services,
        host.and_then(|h| h.memory).map(|m| m as f64),
        host.map_or(0.0, |h| h.reserved_memory as f64),
        |s| s.resources.memory_limit.map(|b| b as f64),
        |s| s.resources.memory_reservation.map(|b| b as f64),
    );
    let cpu = budget(
        "cpus",
        &model.services,
        host.and_then(|h| h.cpus),
        host.map_or(0.0, |h| h.reserved_cpus),
        |s| s.resources.cpu_limit,
        |s| s.resources.cpu_reservation,
    );
    Some(Budgets { memory, cpu, accounts: accounts(project) })
}

fn budget(
    unit: &'static str,
    services: &[Service],
    capacity: Option<f64>,
    reserved_for_host: f64,
    limit: impl Fn(&Service) -> Option<f64>,
    reservation: impl Fn(&Service) -> Option<f64>,
) -> Budget {
    let mut shares = Vec::new();
    let (mut limits, mut reservations) = (0.0, 0.0);
    let mut unlimited = Vec::new();
    for s in services {
        let replicas = s.replicas.unwrap_or(1);
        if replicas == 0 {
            continue;
        }
        let n = f64::from(replicas);
        // Values too large to add up (`cpus: 1e308` × replicas) count as no value.
        let finite = |v: Option<f64>| v.map(|v| v * n).filter(|v| v.is_finite() && *v >= 0.0);
        let share =
            Share { service: s.name.clone(), replicas, limit: finite(limit(s)), reservation: finite(reservation(s)) };
        limits += share.limit.unwrap_or(0.0);
        reservations += share.reservation.unwrap_or(0.0);
        if share.limit.is_none() {
            unlimited.push(s.name.clone());
        }
        shares.push(share);
    }
    let limits = if limits.is_finite() { limits } else { f64::MAX };
    let reservations = if reservations.is_finite() { reservations } else { f64::MAX };
    let capacity = capacity.filter(|c| c.is_finite() && *c >= 0.0);
    let reserved_for_host = if reserved_for_host.is_finite() { reserved_for_host.max(0.0) } else { 0.0 };
    let usable = capacity.map(|c| (c - reserved_for_host).max(0.0));
    let percent = |amount: f64| usable.filter(|u| *u > 0.0).map(|u| 100.0 * amount / u);
    let verdict = match usable {
        None => Verdict::Unknown,
        Some(u) if reservations > u => Verdict::OverReserved,
        Some(u) if limits > u => Verdict::Overcommitted,
        Some(_) if !unlimited.is_empty() => Verdict::Unbounded,
        Some(_) => Verdict::Fits,
    };
    Budget {
        unit,
        capacity,
        reserved_for_host,
        usable,
        services: shares,
        limits,
        reservations,
        unlimited,
        limits_percent: percent(limits),
        reservations_percent: percent(reservations),
        verdict,
    }
}
