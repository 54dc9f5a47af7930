//! The runtime's cache and the model bridge, through real components.

use plimsoll::builtin::BUILTIN_PACKS;
use plimsoll_model::{LoadOptions, load};
use plimsoll_runtime::{ComponentCache, Limits, PreparedProject, Runtime, RuntimeOptions};
use plimsoll_tests::{HOSTILE_WASM, shared_dir};

#[test]
fn cache_is_used_and_a_corrupt_entry_is_recompiled() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ComponentCache::new(dir.path());
    let rt = Runtime::new(RuntimeOptions { cache: Some(cache.clone()), ..RuntimeOptions::default() }).unwrap();
    let first = rt.load_pack(HOSTILE_WASM, "hostile", Limits::default()).unwrap();
    assert!(!first.cache_hit, "an empty cache cannot hit");
    let mut entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.path()).collect();
    entries.sort();
    assert_eq!(entries.len(), 2, "an entry and its checksum, no temporary files left: {entries:?}");
    let entry = &entries[0];
    assert!(entries[1].to_string_lossy().ends_with(".cwasm.blake3"), "{entries:?}");
    assert!(entry.file_name().unwrap().to_string_lossy().starts_with(&first.digest));

    let second = rt.load_pack(HOSTILE_WASM, "hostile", Limits::default()).unwrap();
    assert!(second.cache_hit, "the second load must come from the cache");

    // Flip one byte in the middle of the compiled code: the checksum catches it.
    let mut bytes = std::fs::read(entry).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(entry, &bytes).unwrap();
    let third = rt.load_pack(HOSTILE_WASM, "hostile", Limits::default()).unwrap();
    assert!(!third.cache_hit, "a corrupt entry must not be trusted");
    let project = PreparedProject::new(&Default::default()).unwrap();
    assert!(rt.evaluate(&third, &project, r#"{"mode":"ok"}"#).result.is_ok());

    // A truncated entry too.
    std::fs::write(entry, &bytes[..100]).unwrap();
    assert!(!rt.load_pack(HOSTILE_WASM, "hostile", Limits::default()).unwrap().cache_hit);
    assert!(rt.load_pack(HOSTILE_WASM, "hostile", Limits::default()).unwrap().cache_hit);

    // An entry whose checksum is missing is not trusted either.
    std::fs::remove_file(&entries[1]).unwrap();
    assert!(!rt.load_pack(HOSTILE_WASM, "hostile", Limits::default()).unwrap().cache_hit);
    assert!(rt.load_pack(HOSTILE_WASM, "hostile", Limits::default()).unwrap().cache_hit);
}

#[test]
fn builtin_packs_describe_themselves() {
    let rt = Runtime::new(RuntimeOptions { cache: None, ..RuntimeOptions::default() }).unwrap();
    for (id, bytes) in BUILTIN_PACKS {
        let pack = rt.load_pack(bytes, id, Limits::default()).unwrap();
        assert_eq!(&pack.info.id, id);
        assert!(!pack.info.settings_schema.is_empty(), "{id} has a settings schema");
        for rule in &pack.info.rules {
            for section in ["## What it does", "## Why is this bad?", "## Example"] {
                assert!(rule.docs.contains(section), "{id}/{} docs lack `{section}`", rule.id);
            }
        }
        // A built-in pack imports nothing but the contract and WASI's stdio plumbing: no files,
        // sockets or HTTP even before the sandbox takes them away.
        for import in &pack.imports {
            let allowed = ["plimsoll:policy/", "wasi:io/", "wasi:cli/", "wasi:clocks/", "wasi:random/"];
            assert!(allowed.iter().any(|a| import.starts_with(a)), "{id} imports {import}");
        }
    }
}

#[test]
fn the_model_crosses_into_the_bindings_unchanged() {
    let Some(shared) = shared_dir() else {
        eprintln!("../shared is absent: skipped");
        return;
    };
    let stacks = ["ziggie-before", "ziggie-after", "nsn-local", "vx11", "e2i/docker"];
    for stack in stacks {
        let loaded = load(&[shared.join("acceptance").join(stack)], &LoadOptions::default());
        assert!(!loaded.has_errors(), "{stack}: {:?}", loaded.diagnostics);
        let prepared = PreparedProject::new(&loaded.model).unwrap();
        assert_eq!(prepared.to_json(), serde_json::to_value(&loaded.model).unwrap(), "{stack}");
    }
}

#[test]
fn host_and_guest_split_image_references_alike() {
    // The host (model) and the guest SDK each carry the reference grammar; they must never drift.
    let cases = [
        "postgres",
        "postgres:16-alpine",
        "ghcr.io/acme/api:1.2@sha256:abc",
        "localhost:5000/team/app",
        "registry.example.com:443/a/b/c:tag",
        "redis@sha256:0123",
        "ollama/ollama:latest",
        "  spaced:1  ",
        "",
        ":",
        "a/b:",
    ];
    for raw in cases {
        let host = plimsoll_model::image::parse_image_ref(raw);
        let guest = plimsoll_sdk::image::parse_image_ref(raw);
        assert_eq!(serde_json::to_value(&host).unwrap(), serde_json::to_value(&guest).unwrap(), "{raw:?}");
    }
}

#[test]
fn a_runtime_without_the_pool_gives_the_same_findings() {
    let Some(shared) = shared_dir() else {
        eprintln!("skipped: ../shared is not beside the checkout");
        return;
    };
    let pooled = Runtime::new(RuntimeOptions { cache: None, ..RuntimeOptions::default() }).unwrap();
    let unpooled = Runtime::new(RuntimeOptions { cache: None, sandboxes: 0, ..RuntimeOptions::default() }).unwrap();
    let loaded = load(&[shared.join("acceptance/ziggie-before")], &LoadOptions::default());
    let project = PreparedProject::new(&loaded.model).unwrap();
    for (id, bytes) in BUILTIN_PACKS {
        let run = |rt: &Runtime| {
            let pack = rt.load_pack(bytes, id, Limits::default()).unwrap();
            let findings = rt.evaluate(&pack, &project, "{}").result.unwrap();
            findings.iter().map(|f| format!("{} {:?} {}", f.rule, f.subject, f.message)).collect::<Vec<_>>()
        };
        let (a, b) = (run(&pooled), run(&unpooled));
        assert_eq!(a, b, "{id}");
        if *id == "resources" {
            assert!(!a.is_empty(), "the resources pack finds something in ziggie-before");
        }
    }
}
