//! Per-evaluation cost of one pack on a 20-service project, fresh instance each time, and its parts.
//!
//! `resources/20-services` is the whole cost; `hostile-ok/20-services` is a trivial guest on the same
//! project (instantiation, lowering the project, a trivial call); `hostile-ok/empty` is the trivial
//! guest on an empty project (instantiation and call). Lowering is about the difference of the last
//! two; the guest's own work about the difference of the first two. `prepare/20-services` is
//! `hostile-ok/20-services` with a fresh project each time: the difference is laying the model out.
//! Run with `cargo bench -p plimsoll-tests --bench evaluate`. With `PLIMSOLL_BENCH_PACK=<component.wasm>`
//! (settings `{}`) that pack is measured too, as `custom/20-services`, in the same run: the way to
//! compare two builds of a pack.

#![allow(missing_docs)] // criterion_group! generates an undocumented function

use criterion::{Criterion, criterion_group, criterion_main};
use plimsoll_check::builtin::pack_bytes;
use plimsoll_model::{LoadOptions, load};
use plimsoll_runtime::{Limits, PreparedProject, Runtime, RuntimeOptions};
use plimsoll_tests::{HOSTILE_WASM, workspace_root};

fn bench(c: &mut Criterion) {
    let rt = Runtime::new(RuntimeOptions { cache: None, ..RuntimeOptions::default() }).unwrap();
    let unpooled = Runtime::new(RuntimeOptions { cache: None, sandboxes: 0, ..RuntimeOptions::default() }).unwrap();
    let resources_unpooled =
        unpooled.load_pack(pack_bytes("resources").unwrap(), "resources", Limits::default()).unwrap();
    let resources = rt.load_pack(pack_bytes("resources").unwrap(), "resources", Limits::default()).unwrap();
    let hostile = rt.load_pack(HOSTILE_WASM, "hostile", Limits::default()).unwrap();
    let loaded = load(&[workspace_root().join("bench/data/twenty.yaml")], &LoadOptions::default());
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    assert_eq!(loaded.model.services.len(), 20);
    let twenty = PreparedProject::new(&loaded.model);
    let empty_model = plimsoll_model::model::Project::default();
    let empty = PreparedProject::new(&empty_model);
    let ok = r#"{"mode":"ok"}"#;

    let custom = std::env::var_os("PLIMSOLL_BENCH_PACK").map(|path| {
        let wasm = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.to_string_lossy()));
        rt.load_pack(&wasm, &path.to_string_lossy(), Limits::default()).unwrap()
    });

    let mut group = c.benchmark_group("evaluate");
    if let Some(custom) = &custom {
        group.bench_function("custom/20-services", |b| {
            b.iter(|| assert!(rt.evaluate(custom, &twenty, "{}").result.is_ok()))
        });
    }
    group.bench_function("resources/20-services", |b| {
        b.iter(|| assert!(rt.evaluate(&resources, &twenty, "{}").result.is_ok()))
    });
    group.bench_function("resources/20-services/no-pool", |b| {
        b.iter(|| assert!(unpooled.evaluate(&resources_unpooled, &twenty, "{}").result.is_ok()))
    });
    group.bench_function("hostile-ok/20-services", |b| {
        b.iter(|| assert!(rt.evaluate(&hostile, &twenty, ok).result.is_ok()))
    });
    group.bench_function("hostile-ok/empty", |b| b.iter(|| assert!(rt.evaluate(&hostile, &empty, ok).result.is_ok())));
    group.finish();

    // A fresh project each time: the layout of the model in the canonical ABI, then the trivial call.
    c.bench_function("prepare/20-services", |b| {
        b.iter(|| assert!(rt.evaluate(&hostile, &PreparedProject::new(&loaded.model), ok).result.is_ok()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
