//! The sandbox of one evaluation: store state, memory limiter and a WASI with nothing in it.
//!
//! A policy gets no preopened directories, no environment variables, no arguments, no sockets or
//! name lookups, an empty stdin, clocks that always answer the same instant, randomness from a fixed
//! seed, and stdout/stderr captured into bounded in-memory pipes. The same input therefore gives the
//! same output, always.

use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::StdRng;
use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, Result};
use wasmtime_wasi::p2::pipe::{ClosedInputStream, MemoryOutputPipe};
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::bindings::plimsoll::policy::host::{Budget, Host, LogLevel};

/// The instant every clock reports: 2024-01-01T00:00:00Z.
const FIXED_WALL_CLOCK: Duration = Duration::from_secs(1_704_067_200);
/// The seed of every random source.
const RANDOM_SEED: u64 = 0x504c_494d_534f_4c4c;
/// Most log lines kept from one evaluation.
const MAX_LOG_LINES: usize = 1000;
/// Longest log line kept.
const MAX_LOG_LINE: usize = 4096;
/// Most budget accounts kept per evaluation.
const MAX_BUDGETS: usize = 64;
/// Most shares kept per budget account.
const MAX_BUDGET_SHARES: usize = 1000;
/// Most bytes of a budget account's names and sources.
const MAX_BUDGET_TEXT: usize = 512;

/// Limits the memory and tables of one store, and remembers whether it had to refuse.
#[derive(Debug)]
pub(crate) struct Limiter {
    memory_bytes: usize,
    pub(crate) memory_refused: bool,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> Result<bool> {
        if desired > self.memory_bytes {
            self.memory_refused = true;
            return Err(wasmtime::format_err!("memory limit of {} bytes exceeded", self.memory_bytes));
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> Result<bool> {
        Ok(desired <= 1_000_000)
    }
}

/// The data of one store.
pub(crate) struct StoreState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: Limiter,
    pub(crate) stdout: MemoryOutputPipe,
    pub(crate) stderr: MemoryOutputPipe,
    pub(crate) logs: Vec<(LogLevel, String)>,
    /// The budget accounts the policy reported (bounded).
    pub(crate) budgets: Vec<Budget>,
}

impl StoreState {
    /// A fresh, locked-down state.
    pub(crate) fn new(memory_bytes: usize, output_bytes: usize) -> Self {
        let stdout = MemoryOutputPipe::new(output_bytes);
        let stderr = MemoryOutputPipe::new(output_bytes);
        let mut builder = WasiCtxBuilder::new();
        builder
            .stdin(ClosedInputStream)
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .wall_clock(FixedWallClock)
            .monotonic_clock(FixedMonotonicClock)
            .secure_random(StdRng::seed_from_u64(RANDOM_SEED))
            .insecure_random(StdRng::seed_from_u64(RANDOM_SEED))
            .insecure_random_seed(u128::from(RANDOM_SEED))
            .allow_ip_name_lookup(false)
            .allow_tcp(false)
            .allow_udp(false)
            .socket_addr_check(|_, _| Box::pin(async { false }));
        Self {
            wasi: builder.build(),
            table: ResourceTable::new(),
            limiter: Limiter { memory_bytes, memory_refused: false },
            stdout,
            stderr,
            logs: Vec::new(),
            budgets: Vec::new(),
        }
    }

    /// Everything the guest wrote (stdout, stderr, log), for `--verbose` and error messages.
    pub(crate) fn captured_output(&self) -> String {
        let mut out = String::new();
        for (level, line) in &self.logs {
            let level = match level {
                LogLevel::Trace => "trace",
                LogLevel::Debug => "debug",
                LogLevel::Info => "info",
                LogLevel::Warn => "warn",
                LogLevel::Error => "error",
            };
            out.push_str(&format!("[{level}] {line}\n"));
        }
        out.push_str(&String::from_utf8_lossy(&self.stdout.contents()));
        out.push_str(&String::from_utf8_lossy(&self.stderr.contents()));
        out
    }
}

impl WasiView for StoreState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// `text` cut to at most `max` bytes (at a character boundary), marked with `…` when cut.
fn bounded(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut cut = max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

impl Host for StoreState {
    fn log(&mut self, level: LogLevel, message: String) {
        if self.logs.len() < MAX_LOG_LINES {
            self.logs.push((level, bounded(message, MAX_LOG_LINE)));
        }
    }

    fn report_budget(&mut self, budget: Budget) {
        if self.budgets.len() >= MAX_BUDGETS {
            return;
        }
        let mut budget = budget;
        budget.kind = bounded(budget.kind, MAX_BUDGET_TEXT);
        budget.name = bounded(budget.name, MAX_BUDGET_TEXT);
        budget.shares.truncate(MAX_BUDGET_SHARES);
        for share in &mut budget.shares {
            share.service = bounded(std::mem::take(&mut share.service), MAX_BUDGET_TEXT);
            share.source = bounded(std::mem::take(&mut share.source), MAX_BUDGET_TEXT);
        }
        self.budgets.push(budget);
    }
}

struct FixedWallClock;

impl HostWallClock for FixedWallClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        FIXED_WALL_CLOCK
    }
}

struct FixedMonotonicClock;

impl HostMonotonicClock for FixedMonotonicClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}

impl crate::bindings::plimsoll::policy::types::Host for StoreState {}
impl crate::bindings::plimsoll::policy::model::Host for StoreState {}
