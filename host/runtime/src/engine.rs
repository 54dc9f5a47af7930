//! The runtime: one engine, its epoch ticker, the component cache, and evaluation.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use sha2::{Digest, Sha256};
use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, Trap};

use crate::bindings::{Policy, PolicyPre};
use crate::cache::{CacheOutcome, ComponentCache, compile_uncached};
use crate::convert::{self, PreparedProject};
use crate::error::{EvalError, PackError, SettingsError};
use crate::pack::{Budget, Limits, Pack, PackInfo, RawFinding, RuleInfo, RuleStatus};
use crate::sandbox::StoreState;
use crate::wire::{self, Lowering};

/// How to build a [`Runtime`].
#[derive(Debug, Clone)]
pub struct RuntimeOptions {
    /// Where compiled components are kept; `None` compiles every time.
    pub cache: Option<ComponentCache>,
    /// Epoch tick: the granularity of deadlines (default 10 ms).
    pub tick: Duration,
    /// Most evaluations alive at once: the number of sandboxes kept ready in the instance pool
    /// (default twice the available cores, from 4 to 64). More callers than this wait for a free
    /// sandbox; they never fail for lack of one. `0` turns the pool off: every evaluation maps
    /// and unmaps its own memory (slower; for comparison, or where address space is scarce, as
    /// under valgrind).
    pub sandboxes: usize,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Self {
            cache: ComponentCache::default_location(),
            tick: Duration::from_millis(10),
            sandboxes: (cores * 2).clamp(4, 64),
        }
    }
}

/// Largest linear memory a pack may be given (a pack manifest's `sandbox.memory` is at most 4 GiB).
const MAX_MEMORY_BYTES: usize = 4 << 30;
/// Core module instances one component may create (a Rust pack has 3, componentize-py 14,
/// componentize-js 4).
const CORE_INSTANCES_PER_SANDBOX: u32 = 32;
/// Linear memories one component may define (each of our three toolchains makes one). Each
/// reserves 4 GiB of address space (not memory) per sandbox.
const MEMORIES_PER_SANDBOX: u32 = 2;
/// Tables one component may define.
const TABLES_PER_SANDBOX: u32 = 16;
/// Bytes of each linear memory kept mapped between evaluations and reset in place: the pages a
/// Rust pack touches (its 1 MiB stack, data and the lowered project) are not faulted in again.
const MEMORY_KEEP_RESIDENT: usize = 4 << 20;

/// The instance pool: every sandbox's memories, tables and instance data are reserved once and
/// reused, so an evaluation costs no `mmap`/`munmap` and few page faults.
fn pooling(sandboxes: u32) -> PoolingAllocationConfig {
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(sandboxes)
        .total_core_instances(sandboxes * CORE_INSTANCES_PER_SANDBOX)
        .total_memories(sandboxes * MEMORIES_PER_SANDBOX)
        .total_tables(sandboxes * TABLES_PER_SANDBOX)
        .max_core_instances_per_component(CORE_INSTANCES_PER_SANDBOX)
        .max_memories_per_component(MEMORIES_PER_SANDBOX)
        .max_tables_per_component(TABLES_PER_SANDBOX)
        .max_memories_per_module(MEMORIES_PER_SANDBOX)
        .max_tables_per_module(TABLES_PER_SANDBOX)
        .max_memory_size(MAX_MEMORY_BYTES)
        .table_elements(1 << 18)
        .max_core_instance_size(16 << 20)
        .max_component_instance_size(64 << 20)
        .linear_memory_keep_resident(MEMORY_KEEP_RESIDENT)
        .table_keep_resident(64 << 10)
        .pagemap_scan(Enabled::Auto);
    pool
}

/// A counting semaphore over the pool's sandboxes: a caller past the pool's size waits.
#[derive(Debug)]
struct Sandboxes {
    free: Mutex<usize>,
    returned: Condvar,
}

impl Sandboxes {
    fn take(&self) -> SandboxTicket<'_> {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        while *free == 0 {
            free = self.returned.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        *free -= 1;
        SandboxTicket(self)
    }
}

/// One sandbox taken from the pool; dropping it gives the sandbox back.
struct SandboxTicket<'a>(&'a Sandboxes);

impl Drop for SandboxTicket<'_> {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.0.returned.notify_one();
    }
}

/// The result of one evaluation of one pack on one project.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// The pack id.
    pub pack: String,
    /// The findings, or why there are none.
    pub result: Result<Vec<RawFinding>, EvalError>,
    /// What the policy logged or printed (bounded).
    pub output: String,
    /// The budget accounts it reported (`host.report-budget`), for the reports.
    pub budgets: Vec<Budget>,
    /// Wall time of instantiation and the call.
    pub elapsed: Duration,
}

/// Increments the engine's epoch every tick until dropped.
struct Ticker {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Ticker {
    fn start(engine: Engine, tick: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::Builder::new()
            .name("plimsoll-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(tick);
                    engine.increment_epoch();
                }
            })
            .ok();
        Self { stop, handle }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

/// The policy runtime: one per process.
pub struct Runtime {
    engine: Engine,
    linker: Linker<StoreState>,
    cache: Option<ComponentCache>,
    tick: Duration,
    /// The pool's sandboxes; `None` without a pool.
    sandboxes: Option<Sandboxes>,
    _ticker: Ticker,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime").field("cache", &self.cache).field("tick", &self.tick).finish()
    }
}

impl Runtime {
    /// An engine with the component model, epoch interruption and an instance pool, and its ticker.
    pub fn new(options: RuntimeOptions) -> wasmtime::Result<Self> {
        let mut config = Config::new();
        config.wasm_component_model(true).epoch_interruption(true);
        let sandboxes = match u32::try_from(options.sandboxes.min(1024)).unwrap_or(1024) {
            0 => None,
            n => {
                config.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling(n)));
                Some(Sandboxes { free: Mutex::new(n as usize), returned: Condvar::new() })
            }
        };
        if std::env::var_os("PLIMSOLL_PERFMAP").is_some_and(|v| v == "1") {
            // Names the policies' compiled functions in `perf report` (bench/README.md, "Profiling").
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        let engine = Engine::new(&config)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        Policy::add_to_linker::<StoreState, HasSelf<StoreState>>(&mut linker, |state| state)?;
        let tick = options.tick.max(Duration::from_millis(1));
        let ticker = Ticker::start(engine.clone(), tick);
        Ok(Self { engine, linker, cache: options.cache, tick, sandboxes, _ticker: ticker })
    }

    /// The compiled-component cache in use.
    pub fn cache(&self) -> Option<&ComponentCache> {
        self.cache.as_ref()
    }

    /// Load a component: compile it (or take it from the cache), pre-instantiate it, and call
    /// `describe` once.
    pub fn load_pack(&self, wasm: &[u8], origin: &str, limits: Limits) -> Result<Pack, PackError> {
        let invalid = |message: String| PackError::Invalid { origin: origin.to_string(), message };
        let digest = hex::encode(Sha256::digest(wasm));
        let compiled = match &self.cache {
            Some(cache) => cache.load_or_compile(&self.engine, &digest, wasm),
            None => compile_uncached(&self.engine, wasm),
        };
        let (component, outcome) = compiled.map_err(|e| invalid(format!("{e:#}")))?;
        let imports = component.component_type().imports(&self.engine).map(|(name, _)| name.to_string()).collect();
        let instance_pre = self.linker.instantiate_pre(&component).map_err(|e| invalid(format!("{e:#}")))?;
        let pre = PolicyPre::new(instance_pre).map_err(|e| invalid(format!("{e:#}")))?;
        let mut pack = Pack {
            pre,
            digest,
            origin: origin.to_string(),
            info: PackInfo {
                id: String::new(),
                version: String::new(),
                summary: String::new(),
                settings_schema: String::new(),
                rules: Vec::new(),
            },
            limits,
            cache_hit: outcome == CacheOutcome::Hit,
            imports,
            lowering: Lowering::of_component(wasm),
        };
        let describe_error = |message: String| PackError::Describe { origin: origin.to_string(), message };
        let (answer, _output, _) = self.call(&pack, |policy, store| policy.call_describe(store));
        let info = answer.map_err(|e| describe_error(e.to_string()))?;
        pack.info = validate_info(info).map_err(describe_error)?;
        Ok(pack)
    }

    /// Check settings (JSON) against the pack's schema, then with its `validate-settings`.
    pub fn check_settings(&self, pack: &Pack, settings: &serde_json::Value) -> Result<(), SettingsError> {
        let error = |message: String| SettingsError { pack: pack.info.id.clone(), message };
        if !pack.info.settings_schema.trim().is_empty() {
            let schema: serde_json::Value = serde_json::from_str(&pack.info.settings_schema)
                .map_err(|e| error(format!("the pack's settings schema is not JSON: {e}")))?;
            let validator =
                jsonschema::validator_for(&schema).map_err(|e| error(format!("the pack's settings schema: {e}")))?;
            let problems: Vec<String> = validator
                .iter_errors(settings)
                .map(|e| {
                    let path = e.instance_path().to_string();
                    if path.is_empty() { e.to_string() } else { format!("{path}: {e}") }
                })
                .collect();
            if !problems.is_empty() {
                return Err(error(problems.join("\n")));
            }
        }
        let text = settings.to_string();
        let (answer, _output, _) = self.call(pack, |policy, store| policy.call_validate_settings(store, &text));
        match answer {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(error(message)),
            Err(e) => Err(error(format!("`validate-settings` failed: {e}"))),
        }
    }

    /// Evaluate one pack on one project, in a fresh sandbox.
    pub fn evaluate(&self, pack: &Pack, project: &PreparedProject<'_>, settings: &str) -> Evaluation {
        let start = Instant::now();
        let (answer, output, budgets) =
            self.call(pack, |policy, store| wire::call_evaluate(policy, store, &project.wit, pack.lowering, settings));
        let result = answer
            .and_then(|r| r.map_err(|message| EvalError::Policy { message }))
            .and_then(|findings| validate_findings(pack, project, findings));
        // Accounts of a failed evaluation are not trusted.
        let budgets = if result.is_ok() { budgets.into_iter().map(Budget::from).collect() } else { Vec::new() };
        Evaluation { pack: pack.info.id.clone(), result, output, budgets, elapsed: start.elapsed() }
    }

    /// Evaluate several packs (each with its settings JSON) on one project, in parallel.
    pub fn evaluate_all(&self, packs: &[(&Pack, String)], project: &PreparedProject<'_>) -> Vec<Evaluation> {
        packs.par_iter().map(|(pack, settings)| self.evaluate(pack, project, settings)).collect()
    }

    /// Run `f` on a fresh instance of `pack` under its limits; classify every failure.
    fn call<R>(
        &self,
        pack: &Pack,
        f: impl FnOnce(&Policy, &mut Store<StoreState>) -> wasmtime::Result<R>,
    ) -> (Result<R, EvalError>, String, Vec<crate::bindings::plimsoll::policy::host::Budget>) {
        let limits = pack.limits;
        let _sandbox = self.sandboxes.as_ref().map(Sandboxes::take); // dropped after the store
        let mut store = Store::new(&self.engine, StoreState::new(limits.memory_bytes, limits.output_bytes));
        store.limiter(|state| &mut state.limiter);
        let ticks = limits.deadline.as_nanos().div_ceil(self.tick.as_nanos().max(1)) as u64;
        store.set_epoch_deadline(ticks.max(1));
        store.epoch_deadline_trap();
        let result = match pack.pre.instantiate_prechecked(&mut store) {
            Ok(policy) => f(&policy, &mut store).map_err(|e| classify(e, store.data(), &limits)),
            Err(e) => {
                let classified = classify(e, store.data(), &limits);
                Err(match classified {
                    EvalError::Trap { message } => EvalError::Instantiate { message },
                    other => other,
                })
            }
        };
        let output = store.data().captured_output();
        let budgets = std::mem::take(&mut store.data_mut().budgets);
        (result, output, budgets)
    }
}

/// Turn a wasmtime error into the typed error, by the store's state first, then the trap code.
fn classify(error: wasmtime::Error, state: &StoreState, limits: &Limits) -> EvalError {
    if state.limiter.memory_refused {
        return EvalError::MemoryLimit { limit: limits.memory_bytes };
    }
    if state.stdout.contents().len() >= limits.output_bytes || state.stderr.contents().len() >= limits.output_bytes {
        return EvalError::OutputLimit { limit: limits.output_bytes };
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => EvalError::Timeout { deadline: limits.deadline },
        Some(Trap::StackOverflow) => EvalError::StackOverflow,
        Some(trap) => {
            let stderr = String::from_utf8_lossy(&state.stderr.contents()).to_string();
            let tail: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).rev().take(3).collect();
            let mut message = trap.to_string();
            if !tail.is_empty() {
                let lines: Vec<&str> = tail.into_iter().rev().collect();
                message = format!("{message}; stderr: {}", lines.join(" | "));
            }
            EvalError::Trap { message }
        }
        None => EvalError::Trap { message: format!("{error:#}") },
    }
}

fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && id
            .split('-')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
        && id.starts_with(|c: char| c.is_ascii_lowercase())
}

fn validate_info(info: crate::bindings::PackInfo) -> Result<PackInfo, String> {
    if !is_kebab(&info.id) {
        return Err(format!("pack id `{}` is not kebab-case", info.id));
    }
    let mut rules: Vec<RuleInfo> = Vec::with_capacity(info.rules.len());
    for rule in info.rules {
        if !is_kebab(&rule.id) {
            return Err(format!("rule id `{}` is not kebab-case", rule.id));
        }
        if rules.iter().any(|r| r.id == rule.id) {
            return Err(format!("rule id `{}` is declared twice", rule.id));
        }
        rules.push(RuleInfo {
            id: rule.id,
            summary: rule.summary,
            severity: convert::severity(rule.severity),
            category: rule.category,
            docs: rule.docs,
            status: match rule.status {
                crate::bindings::plimsoll::policy::types::RuleStatus::Stable => RuleStatus::Stable,
                crate::bindings::plimsoll::policy::types::RuleStatus::Preview => RuleStatus::Preview,
            },
            fixable: rule.fixable,
        });
    }
    if !info.settings_schema.trim().is_empty() {
        let schema: serde_json::Value =
            serde_json::from_str(&info.settings_schema).map_err(|e| format!("settings schema is not JSON: {e}"))?;
        jsonschema::validator_for(&schema).map_err(|e| format!("settings schema is not a valid JSON Schema: {e}"))?;
    }
    Ok(PackInfo {
        id: info.id,
        version: info.version,
        summary: info.summary,
        settings_schema: info.settings_schema,
        rules,
    })
}

fn validate_findings(
    pack: &Pack,
    project: &PreparedProject<'_>,
    findings: Vec<crate::bindings::Finding>,
) -> Result<Vec<RawFinding>, EvalError> {
    let bad = |message: String| EvalError::BadAnswer { message };
    let limits = &pack.limits;
    if findings.len() > limits.max_findings {
        return Err(bad(format!("{} findings, more than the limit of {}", findings.len(), limits.max_findings)));
    }
    let mut out = Vec::with_capacity(findings.len());
    for finding in findings {
        let finding = convert::finding(finding);
        if pack.info.rule(&finding.rule).is_none() {
            return Err(bad(format!("a finding for unknown rule `{}`", finding.rule)));
        }
        if finding.message.trim().is_empty() {
            return Err(bad(format!("a finding of `{}` with an empty message", finding.rule)));
        }
        let too_long = |t: &str| t.len() > limits.max_text;
        if too_long(&finding.message) || finding.help.as_deref().is_some_and(too_long) {
            return Err(bad(format!("a finding of `{}` longer than {} bytes", finding.rule, limits.max_text)));
        }
        if finding.related.len() > 64 {
            return Err(bad(format!(
                "a finding of `{}` with {} related subjects",
                finding.rule,
                finding.related.len()
            )));
        }
        for subject in std::iter::once(&finding.subject).chain(&finding.related) {
            project.check_subject(subject).map_err(|e| bad(format!("a finding of `{}` with {e}", finding.rule)))?;
        }
        out.push(finding);
    }
    Ok(out)
}
