//! Cost per evaluation of the same pack in Rust, Python and JavaScript, and what the cache of
//! compiled components saves on the next start.
//!
//! Run after building the example packs (`plimsoll policy build examples/policies/<lang>`):
//! `cargo run -p plimsoll --example policy_bench -- [STACK]` (default: the ziggie-before acceptance
//! stack). For each language it measures: load with an empty cache (compile), load from the cache,
//! and evaluate on a fresh instance (median and p90 of 200 runs). Numbers go to `bench/README.md`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use plimsoll_runtime::{ComponentCache, Limits, PreparedProject, Runtime, RuntimeOptions};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let stack = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| {
        let shared = root.join("../shared/acceptance/ziggie-before");
        if shared.is_dir() { shared } else { root.join("examples/ziggie-before") }
    });
    let loaded = plimsoll_model::load(std::slice::from_ref(&stack), &plimsoll_model::LoadOptions::default());
    let prepared = PreparedProject::new(&loaded.model);
    println!(
        "stack {} ({} services, {} Dockerfiles)",
        stack.display(),
        loaded.model.services.len(),
        loaded.model.dockerfiles.len()
    );
    println!(
        "| language | component | first load (compile) | load from cache | evaluate, fresh instance (median / p90) | findings |"
    );
    println!("|---|---|---|---|---|---|");
    for language in ["rust", "python", "js"] {
        let component = root.join("examples/policies").join(language).join("dist/acme.wasm");
        let Ok(bytes) = std::fs::read(&component) else {
            println!("| {language} | not built ({}) | | | | |", component.display());
            continue;
        };
        let cache_dir = std::env::temp_dir().join(format!("plimsoll-bench-cache-{}-{language}", std::process::id()));
        let _ = std::fs::remove_dir_all(&cache_dir);
        let runtime = |dir: &Path| {
            Runtime::new(RuntimeOptions { cache: Some(ComponentCache::new(dir)), ..RuntimeOptions::default() })
                .expect("runtime")
        };
        let cold_runtime = runtime(&cache_dir);
        let start = Instant::now();
        let cold = cold_runtime.load_pack(&bytes, language, Limits::default()).expect("load");
        let compile = start.elapsed();
        drop(cold);
        // A new runtime, as the next `plimsoll check` would start.
        let warm_runtime = runtime(&cache_dir);
        let start = Instant::now();
        let pack = warm_runtime.load_pack(&bytes, language, Limits::default()).expect("load");
        let cached = start.elapsed();
        assert!(pack.cache_hit, "the second load must come from the cache");
        let mut times = Vec::new();
        let mut findings = 0;
        for _ in 0..200 {
            let evaluation = warm_runtime.evaluate(&pack, &prepared, "{}");
            findings = evaluation.result.as_ref().map(Vec::len).unwrap_or_else(|e| panic!("{language}: {e}"));
            times.push(evaluation.elapsed);
        }
        times.sort();
        let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
        println!(
            "| {language} | {:.1} MB | {} | {} | {} / {} | {findings} |",
            bytes.len() as f64 / 1e6,
            show(compile),
            show(cached),
            show(at(0.5)),
            show(at(0.9))
        );
        let _ = std::fs::remove_dir_all(&cache_dir);
    }
}

fn show(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        format!("{:.2} s", d.as_secs_f64())
    } else if d >= Duration::from_millis(1) {
        format!("{:.2} ms", d.as_secs_f64() * 1e3)
    } else {
        format!("{} µs", d.as_micros())
    }
}
