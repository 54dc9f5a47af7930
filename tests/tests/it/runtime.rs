//! The runtime's cache and the model bridge, through real components.

use plimsoll_check::builtin::BUILTIN_PACKS;
use plimsoll_model::{LoadOptions, load};
use plimsoll_runtime::{ComponentCache, LOWERING_SECTION, Limits, Lowering, PreparedProject, Runtime, RuntimeOptions};
use plimsoll_tests::{HOSTILE_WASM, acceptance_dir, shared_dir};

/// The acceptance stacks that load without errors.
const ACCEPTANCE_STACKS: [&str; 5] = ["ziggie-before", "ziggie-after", "nsn-local", "vx11", "e2i/docker"];

/// A runtime without the component cache, with the default sandbox pool.
fn pooled() -> Runtime {
    Runtime::new(RuntimeOptions { cache: None, ..RuntimeOptions::default() }).unwrap()
}

/// A runtime without the component cache and without the pool (`sandboxes: 0`).
fn unpooled() -> Runtime {
    Runtime::new(RuntimeOptions { cache: None, sandboxes: 0, ..RuntimeOptions::default() }).unwrap()
}

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
    let empty_model = plimsoll_model::model::Project::default();
    let project = PreparedProject::new(&empty_model);
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
    let rt = pooled();
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
    let acceptance = acceptance_dir();
    for stack in ACCEPTANCE_STACKS {
        let loaded = load(&[acceptance.join(stack)], &LoadOptions::default());
        assert!(!loaded.has_errors(), "{stack}: {:?}", loaded.diagnostics);
        let prepared = PreparedProject::new(&loaded.model);
        assert_eq!(prepared.to_json().unwrap(), serde_json::to_value(&loaded.model).unwrap(), "{stack}");
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
    let (pooled, unpooled) = (pooled(), unpooled());
    let loaded = load(&[acceptance_dir().join("ziggie-before")], &LoadOptions::default());
    let project = PreparedProject::new(&loaded.model);
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

/// The built-in resources pack as it was built against the contract before `host.report-budget`
/// existed (`plimsoll:policy@0.1.0` with `log` only), committed as a fixture.
static RESOURCES_BEFORE_REPORT_BUDGET: &[u8] = include_bytes!("../../fixtures/resources-0.1.0.wasm");

#[test]
fn a_component_built_before_report_budget_loads_and_answers_alike() {
    let rt = pooled();
    let mut loaded = load(&[acceptance_dir().join("nsn-local")], &LoadOptions::default());
    loaded.model.host = Some(plimsoll_model::model::HostProfile {
        memory: Some(16 << 30),
        cpus: Some(8.0),
        reserved_memory: 2 << 30,
        reserved_cpus: 1.0,
        gpus: vec![plimsoll_model::model::Gpu { name: "RTX 3060".into(), vram: 12 << 30 }],
    });
    let project = PreparedProject::new(&loaded.model);
    let current = BUILTIN_PACKS.iter().find(|(id, _)| *id == "resources").unwrap().1;
    let run = |bytes: &[u8]| {
        let pack = rt.load_pack(bytes, "resources", Limits::default()).unwrap();
        let evaluation = rt.evaluate(&pack, &project, "{}");
        let findings = evaluation.result.unwrap();
        (
            findings.iter().map(|f| format!("{} {:?} {}", f.rule, f.subject, f.message)).collect::<Vec<_>>(),
            evaluation.budgets,
        )
    };
    let (old_findings, old_budgets) = run(RESOURCES_BEFORE_REPORT_BUDGET);
    let (new_findings, new_budgets) = run(current);
    assert!(!old_findings.is_empty(), "the old component evaluates");
    assert!(old_budgets.is_empty(), "it cannot report budgets");
    assert_eq!(old_findings, new_findings, "the rules answer the same");
    assert_eq!(new_budgets.len(), 1, "one account for the one gpu: {new_budgets:?}");
    let vram = &new_budgets[0];
    assert_eq!((vram.kind.as_str(), vram.name.as_str(), vram.capacity), ("vram", "gpu 0 (RTX 3060)", 12 << 30));
    assert!(!vram.shares.is_empty(), "nsn-local places services on the gpu");
}

/// Where the name of the custom section that declares the one-block lowering starts in `wasm`.
fn lowering_section_at(wasm: &[u8]) -> usize {
    let name = LOWERING_SECTION.as_bytes();
    wasm.windows(name.len()).position(|w| w == name).expect("the SDK declares its lowering")
}

/// `wasm` with the custom section that declares the one-block lowering renamed (same length), so
/// that the component no longer declares it.
fn without_lowering_section(wasm: &[u8]) -> Vec<u8> {
    let mut out = wasm.to_vec();
    out[lowering_section_at(wasm) + LOWERING_SECTION.len() - 1] = b'_';
    assert_eq!(Lowering::of_component(&out), Lowering::PerBlock);
    out
}

#[test]
fn the_lowering_is_read_from_the_component_and_unreadable_bytes_get_the_canonical_one() {
    // The linker puts the SDK's declaration after the code section, which the scan skips over.
    assert_eq!(Lowering::of_component(HOSTILE_WASM), Lowering::OneBlock);
    let at = lowering_section_at(HOSTILE_WASM);
    assert!(at > HOSTILE_WASM.len() / 2, "the declaration follows the code");
    for cut in [&HOSTILE_WASM[..at], &HOSTILE_WASM[..at / 2], &HOSTILE_WASM[..8], b"\0asm\x0d\0\x01\0junk", &[]] {
        assert_eq!(Lowering::of_component(cut), Lowering::PerBlock, "{} bytes", cut.len());
    }
}

#[test]
fn every_policy_receives_exactly_the_model_the_host_sends() {
    // The host lays each project out in the canonical ABI once and copies it into every instance;
    // the hostile guest's `echo` mode sends back what it received. Stacks with Dockerfiles, build
    // contexts, GPUs and variants (acceptance), and every corpus compose file that loads.
    let (pooled, unpooled) = (pooled(), unpooled());
    let packs = [&pooled, &unpooled].map(|rt| rt.load_pack(HOSTILE_WASM, "hostile", Limits::default()).unwrap());
    // The SDK declares that its arena takes the project as one block; the same guest with the
    // declaration renamed away gets one `cabi_realloc` per block, as the canonical ABI has it.
    let per_block = pooled.load_pack(&without_lowering_section(HOSTILE_WASM), "hostile", Limits::default()).unwrap();
    assert_eq!(packs.each_ref().map(|p| p.lowering), [Lowering::OneBlock; 2]);
    assert_eq!(per_block.lowering, Lowering::PerBlock);
    let acceptance = acceptance_dir();
    let mut paths: Vec<_> = ACCEPTANCE_STACKS.iter().map(|s| acceptance.join(s)).collect();
    // The corpus has no copy in examples/: without ../shared the acceptance stacks and the large
    // project below are what is checked.
    if let Some(shared) = shared_dir() {
        let manifest = std::fs::read_to_string(shared.join("corpus/MANIFEST.tsv")).unwrap();
        paths.extend(
            manifest
                .lines()
                .skip(1)
                .filter_map(|l| l.split('\t').next())
                .filter(|p| p.ends_with("compose.yaml") || p.ends_with("compose.yml"))
                .map(|p| shared.join("corpus").join(p)),
        );
    }
    // A project whose image is larger than the one block, with lists larger than a carved block.
    let large = large_project(500);
    paths.push(large.path().to_path_buf());
    let mut checked = 0;
    for path in &paths {
        let loaded = load(std::slice::from_ref(path), &LoadOptions::default());
        if loaded.has_errors() {
            continue;
        }
        let project = PreparedProject::new(&loaded.model);
        let sent = project.to_json().unwrap();
        // Twice per runtime: the first lowering lays the project out, the second reuses the
        // layout; then through the canonical ABI's block-by-block lowering.
        for (rt, pack) in [(&pooled, &packs[0]), (&unpooled, &packs[1]), (&pooled, &packs[0]), (&pooled, &per_block)] {
            let echoed = match rt.evaluate(pack, &project, r#"{"mode":"echo"}"#).result {
                Err(plimsoll_runtime::EvalError::Policy { message }) => message,
                other => panic!("{}: expected the echo, got {other:?}", path.display()),
            };
            let received: serde_json::Value = serde_json::from_str(&echoed).unwrap_or_else(|e| panic!("{e}: {echoed}"));
            assert_eq!(received, sent, "{}", path.display());
        }
        checked += 1;
    }
    assert!(checked > 40, "only {checked} projects checked");
}

/// A directory holding a `compose.yaml` of `services` services, half of them with a memory limit.
fn large_project(services: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut compose = String::from("services:\n");
    for i in 0..services {
        compose.push_str(&format!(
            "  svc{i:03}:\n    image: acme/svc{i:03}:1.{i}\n    environment:\n      LOG_LEVEL: info\n      PORT: '{port}'\n    ports:\n      - \"{host}:{port}\"\n    healthcheck:\n      test: [\"CMD\", \"wget\", \"-qO-\", \"http://localhost:{port}/health\"]\n      interval: 10s\n",
            port = 8000 + i,
            host = 10000 + i,
        ));
        if i % 2 == 1 {
            compose.push_str(&format!("    mem_limit: 512m\n    depends_on:\n      - svc{:03}\n", i - 1));
        }
    }
    std::fs::write(dir.path().join("compose.yaml"), compose).unwrap();
    dir
}

#[test]
fn a_large_project_evaluates_under_the_default_memory_cap() {
    // SDK packs allocate from an arena that only takes back the newest block (the instance is
    // thrown away after the call); a project twenty-five times the benchmark's must still fit in
    // the default 64 MiB with every built-in pack.
    let dir = large_project(500);
    let loaded = load(&[dir.path().to_path_buf()], &LoadOptions::default());
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    let project = PreparedProject::new(&loaded.model);
    let rt = pooled();
    for (id, bytes) in BUILTIN_PACKS {
        let pack = rt.load_pack(bytes, id, Limits::default()).unwrap();
        let findings = rt.evaluate(&pack, &project, "{}").result.unwrap_or_else(|e| panic!("{id}: {e}"));
        if *id == "resources" {
            let missing = findings.iter().filter(|f| f.rule == "memory-limit-missing").count();
            assert_eq!(missing, 250, "every service without mem_limit, and only those");
        }
    }
}
