//! Evaluate one pack on `bench/data/twenty.yaml` N times, for profilers and instruction counters
//! (`perf record`, `valgrind --tool=callgrind`) that need a plain loop rather than criterion.
//!
//! `cargo run --release -p plimsoll-tests --example evaluate_loop -- [N] [PACK] [no-pool]` where PACK
//! is a built-in pack id (default `resources`) or a component file, and `no-pool` runs without the
//! sandbox pool (needed under valgrind, which refuses the pool's address-space reservation).
//! Running it with N = 0 and N = 1000 and subtracting gives the cost of one evaluation without the
//! setup (bench/README.md).

use plimsoll_check::builtin::pack_bytes;
use plimsoll_model::{LoadOptions, load};
use plimsoll_runtime::{Limits, PreparedProject, Runtime, RuntimeOptions};
use plimsoll_tests::workspace_root;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(1000, |a| a.parse().expect("N is a number"));
    let pack = args.next().unwrap_or_else(|| "resources".to_string());
    let wasm = match pack_bytes(&pack) {
        Some(bytes) => bytes.to_vec(),
        None => std::fs::read(&pack).unwrap_or_else(|e| panic!("{pack}: {e}")),
    };
    let mut options = RuntimeOptions { cache: None, ..RuntimeOptions::default() };
    if args.next().as_deref() == Some("no-pool") {
        options.sandboxes = 0;
    }
    let rt = Runtime::new(options).expect("runtime starts");
    let pack = rt.load_pack(&wasm, &pack, Limits::default()).expect("the pack loads");
    let loaded = load(&[workspace_root().join("bench/data/twenty.yaml")], &LoadOptions::default());
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    let project = PreparedProject::new(&loaded.model);
    let mut findings = 0;
    for _ in 0..n {
        findings += rt.evaluate(&pack, &project, "{}").result.expect("the pack evaluates").len();
    }
    println!("{n} evaluations, {findings} findings");
}
