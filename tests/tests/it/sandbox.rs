//! The hostile guest against the sandbox: every failure mode ends in its typed error within the
//! deadline plus 20 %, leaves the runtime usable, and every escape attempt gets nothing.

use std::time::{Duration, Instant};

use plimsoll_model::model::Project;
use plimsoll_runtime::{EvalError, Evaluation, Limits, Pack, PreparedProject, Runtime, RuntimeOptions};
use plimsoll_tests::HOSTILE_WASM;

fn runtime() -> Runtime {
    Runtime::new(RuntimeOptions { cache: None, ..RuntimeOptions::default() }).expect("runtime starts")
}

/// A runtime whose pool holds a single sandbox, reused by every evaluation.
fn one_sandbox_runtime() -> Runtime {
    Runtime::new(RuntimeOptions { cache: None, sandboxes: 1, ..RuntimeOptions::default() }).expect("runtime starts")
}

/// A small project for the hostile guest; it lives for the whole test binary.
fn project() -> PreparedProject<'static> {
    static MODEL: std::sync::OnceLock<Project> = std::sync::OnceLock::new();
    PreparedProject::new(MODEL.get_or_init(|| Project {
        name: "p".into(),
        extensions: "{}".into(),
        ..Project::default()
    }))
}

fn run(rt: &Runtime, pack: &Pack, mode: &str) -> Evaluation {
    rt.evaluate(pack, &project(), &format!(r#"{{"mode":"{mode}"}}"#))
}

fn message(e: &Evaluation) -> String {
    match &e.result {
        Ok(findings) => findings.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("\n"),
        Err(err) => panic!("expected findings, got {err}"),
    }
}

/// Run a failing mode, check its error kind and time, then prove the pack still works.
fn fails_with(mode: &str, kind: &str, limits: Limits) -> EvalError {
    let rt = runtime();
    let pack = rt.load_pack(HOSTILE_WASM, "hostile", limits).expect("hostile guest loads");
    let start = Instant::now();
    let evaluation = run(&rt, &pack, mode);
    let elapsed = start.elapsed();
    let error = evaluation.result.clone().expect_err("the mode must fail");
    assert_eq!(error.kind(), kind, "mode {mode}: {error}");
    let bound = limits.deadline + limits.deadline / 5;
    assert!(elapsed <= bound, "mode {mode} took {elapsed:?}, more than {bound:?}");
    let after = run(&rt, &pack, "ok");
    assert_eq!(message(&after), "saw 0 services", "the runtime must stay usable after {mode}");
    error
}

#[test]
fn infinite_loop_times_out_at_the_deadline() {
    let limits = Limits { deadline: Duration::from_millis(300), ..Limits::default() };
    let error = fails_with("loop", "timeout", limits);
    assert_eq!(error, EvalError::Timeout { deadline: Duration::from_millis(300) });
}

#[test]
fn infinite_loop_times_out_with_the_default_deadline() {
    fails_with("loop", "timeout", Limits::default());
}

#[test]
fn allocation_past_the_cap_is_a_memory_error() {
    let error = fails_with("alloc", "memory-limit", Limits::default());
    assert_eq!(error.to_string(), "policy exceeded its memory limit of 64 MiB");
}

#[test]
fn smaller_memory_cap_is_enforced() {
    fails_with("alloc", "memory-limit", Limits { memory_bytes: 8 << 20, ..Limits::default() });
}

#[test]
fn unbounded_recursion_overflows_the_stack() {
    fails_with("recurse", "stack-overflow", Limits::default());
}

#[test]
fn shadow_stack_exhaustion_is_a_trap() {
    // Large frames live in linear memory: the shadow stack runs out before the wasm stack does.
    let error = fails_with("recurse-frames", "trap", Limits::default());
    assert!(error.to_string().contains("out of bounds memory access"), "{error}");
}

#[test]
fn panic_is_a_trap_with_the_message() {
    let error = fails_with("panic", "trap", Limits::default());
    assert!(error.to_string().contains("hostile guest panics on purpose"), "{error}");
}

#[test]
fn returned_error_is_a_policy_error() {
    let error = fails_with("error", "policy-error", Limits::default());
    assert_eq!(error.to_string(), "policy reported an error: the policy refuses");
}

#[test]
fn unknown_rule_id_is_a_bad_answer() {
    let error = fails_with("unknown-rule", "bad-answer", Limits::default());
    assert!(error.to_string().contains("unknown rule `no-such-rule`"), "{error}");
}

#[test]
fn invalid_subject_is_a_bad_answer() {
    let error = fails_with("bad-subject", "bad-answer", Limits::default());
    assert!(error.to_string().contains("instruction 7:3 does not exist"), "{error}");
}

#[test]
fn huge_finding_list_is_a_bad_answer() {
    let error = fails_with("huge", "bad-answer", Limits::default());
    assert!(error.to_string().contains("20000 findings, more than the limit of 10000"), "{error}");
}

#[test]
fn flooding_stdout_is_an_output_error() {
    fails_with("flood", "output-limit", Limits::default());
}

#[test]
fn log_is_captured() {
    let rt = runtime();
    let pack = rt.load_pack(HOSTILE_WASM, "hostile", Limits::default()).unwrap();
    let evaluation = run(&rt, &pack, "log");
    assert!(evaluation.result.is_ok());
    assert!(evaluation.output.contains("[info] hello from the guest"), "{}", evaluation.output);
}

#[test]
fn files_are_unreachable() {
    let rt = runtime();
    let pack = rt.load_pack(HOSTILE_WASM, "hostile", Limits::default()).unwrap();
    let got = message(&run(&rt, &pack, "file"));
    assert!(got.starts_with("read: Err("), "{got}");
    assert!(got.contains("dir: Err("), "{got}");
    assert!(got.contains("write: Err("), "{got}");
    assert!(!std::path::Path::new("escape.txt").exists());
}

#[test]
fn environment_and_arguments_are_empty() {
    let rt = runtime();
    let pack = rt.load_pack(HOSTILE_WASM, "hostile", Limits::default()).unwrap();
    assert_eq!(message(&run(&rt, &pack, "env")), "vars: 0; HOME: None; PATH: None");
    assert_eq!(message(&run(&rt, &pack, "args")), "args: 0");
}

#[test]
fn clocks_are_fixed_and_the_same_every_run() {
    let rt = runtime();
    let pack = rt.load_pack(HOSTILE_WASM, "hostile", Limits::default()).unwrap();
    let first = message(&run(&rt, &pack, "clock"));
    assert_eq!(first, "wall: Ok(1704067200000000000) Ok(1704067200000000000); monotonic elapsed: 0ns; spin 0");
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(message(&run(&rt, &pack, "clock")), first);
}

#[test]
fn network_is_unreachable() {
    let rt = runtime();
    let pack = rt.load_pack(HOSTILE_WASM, "hostile", Limits::default()).unwrap();
    let got = message(&run(&rt, &pack, "socket"));
    assert!(got.starts_with("tcp: Err("), "{got}");
    assert!(got.contains("dns: Err("), "{got}");
    assert!(!got.contains("connected") && !got.contains("bound"), "{got}");
}

#[test]
fn randomness_is_seeded() {
    let rt = runtime();
    let pack = rt.load_pack(HOSTILE_WASM, "hostile", Limits::default()).unwrap();
    let first = message(&run(&rt, &pack, "random"));
    assert_eq!(message(&run(&rt, &pack, "random")), first);
    let other = runtime();
    let pack2 = other.load_pack(HOSTILE_WASM, "hostile", Limits::default()).unwrap();
    assert_eq!(message(&run(&other, &pack2, "random")), first);
}

#[test]
fn settings_are_checked_by_the_pack() {
    let rt = runtime();
    let pack = rt.load_pack(HOSTILE_WASM, "hostile", Limits::default()).unwrap();
    assert!(rt.check_settings(&pack, &serde_json::json!({"mode": "ok"})).is_ok());
    let err = rt.check_settings(&pack, &serde_json::json!({"mode": "reject"})).unwrap_err();
    assert_eq!(err.to_string(), "invalid settings for pack `hostile`: mode `reject` is rejected");
}

#[test]
fn many_failures_in_parallel_leave_the_host_usable() {
    let rt = runtime();
    let pack = rt
        .load_pack(HOSTILE_WASM, "hostile", Limits { deadline: Duration::from_millis(200), ..Limits::default() })
        .unwrap();
    let jobs: Vec<(&Pack, String)> = ["loop", "alloc", "panic", "ok", "recurse", "huge"]
        .iter()
        .map(|m| (&pack, format!(r#"{{"mode":"{m}"}}"#)))
        .collect();
    let kinds: Vec<String> = rt
        .evaluate_all(&jobs, &project())
        .iter()
        .map(|e| e.result.as_ref().map(|_| "ok".to_string()).unwrap_or_else(|e| e.kind().to_string()))
        .collect();
    assert_eq!(kinds, ["timeout", "memory-limit", "trap", "ok", "stack-overflow", "bad-answer"]);
}

#[test]
fn a_module_that_is_not_a_component_is_refused() {
    let rt = runtime();
    let err = rt.load_pack(b"\0asm\x01\0\0\0", "not-a-component.wasm", Limits::default()).unwrap_err();
    assert!(err.to_string().starts_with("pack `not-a-component.wasm` is not a plimsoll:policy@0.1 component"), "{err}");
    let err = rt.load_pack(b"hello", "garbage.wasm", Limits::default()).unwrap_err();
    assert!(err.to_string().contains("garbage.wasm"), "{err}");
}

#[test]
fn a_reused_sandbox_starts_clean() {
    // The pool hands the same memory slot to evaluation after evaluation: nothing of the last one
    // may show, neither in globals nor in memory the guest grows.
    let rt = one_sandbox_runtime();
    let pack = rt.load_pack(HOSTILE_WASM, "hostile", Limits::default()).unwrap();
    for _ in 0..5 {
        assert_eq!(message(&run(&rt, &pack, "remember")), "calls: 1; fresh page: 0x0");
    }
}

#[test]
fn more_callers_than_sandboxes_wait_instead_of_failing() {
    let rt = one_sandbox_runtime();
    let pack = rt.load_pack(HOSTILE_WASM, "hostile", Limits::default()).unwrap();
    let messages: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..6)
            .map(|_| scope.spawn(|| (0..5).map(|_| message(&run(&rt, &pack, "ok"))).collect::<Vec<_>>()))
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap()).collect()
    });
    assert_eq!(messages.len(), 30);
    assert!(messages.iter().all(|m| m == "saw 0 services"), "{messages:?}");
}
