//! A hostile policy: on command (the `mode` setting) it misbehaves in one way, or tries to escape
//! the sandbox and reports what it got back as a finding's message.
//!
//! Modes: `ok`, `loop`, `alloc`, `recurse`, `recurse-frames`, `panic`, `error`, `unknown-rule`, `bad-subject`,
//! `huge`, `flood`, and the escape attempts `file`, `env`, `args`, `clock`, `socket`, `random`, and `remember`
//! (looks for traces of an earlier evaluation in its globals and fresh memory, then leaves some);
//! `echo` returns the project it received as JSON (in the error), to test the host's lowering.
#![allow(missing_docs)]

use std::hash::{BuildHasher, Hasher};
use std::hint::black_box;

use plimsoll_sdk::bindings::Guest;
use plimsoll_sdk::model::Project;
use plimsoll_sdk::{Finding, PackInfo, RuleInfo, RuleStatus, Severity, Subject};

struct Hostile;

fn finding(rule: &str, message: String) -> Finding {
    Finding {
        rule: rule.to_string(),
        severity: None,
        message,
        subject: Subject::Project,
        related: Vec::new(),
        help: None,
        fix: None,
    }
}

/// Recursion with scalar locals only: it exhausts the wasm call stack.
fn recurse(depth: u64) -> u64 {
    if black_box(depth) == u64::MAX { depth } else { recurse(depth + 1).wrapping_add(black_box(depth)) }
}

/// Recursion with large frames: it exhausts the shadow stack in linear memory first.
fn recurse_frames(depth: u64, pad: [u64; 64]) -> u64 {
    let pad = black_box(pad);
    if black_box(depth) == u64::MAX { pad[0] } else { recurse_frames(depth + 1, pad) + pad[(depth % 64) as usize] }
}

fn attempt(mode: &str) -> String {
    match mode {
        "file" => {
            let read = std::fs::read_to_string("/etc/passwd").map(|t| format!("read {} bytes", t.len()));
            let dir = std::fs::read_dir(".").map(|d| format!("listed {} entries", d.count()));
            let write = std::fs::write("escape.txt", "x").map(|_| "wrote".to_string());
            format!("read: {read:?}; dir: {dir:?}; write: {write:?}")
        }
        "env" => {
            let vars: Vec<(String, String)> = std::env::vars().collect();
            format!(
                "vars: {}; HOME: {:?}; PATH: {:?}",
                vars.len(),
                std::env::var("HOME").ok(),
                std::env::var("PATH").ok()
            )
        }
        "args" => format!("args: {}", std::env::args().count()),
        "clock" => {
            let a = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos());
            let mono = std::time::Instant::now();
            let mut spin = 0u64;
            for i in 0..100_000u64 {
                spin = black_box(spin.wrapping_add(i));
            }
            let b = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos());
            format!("wall: {a:?} {b:?}; monotonic elapsed: {:?}; spin {}", mono.elapsed(), spin % 2)
        }
        "socket" => {
            let tcp = std::net::TcpStream::connect("127.0.0.1:80").map(|_| "connected");
            let dns = std::net::ToSocketAddrs::to_socket_addrs("localhost:80").map(|a| a.count());
            let udp = std::net::UdpSocket::bind("0.0.0.0:0").map(|_| "bound");
            format!("tcp: {tcp:?}; dns: {dns:?}; udp: {udp:?}")
        }
        "random" => {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(42);
            format!("hash: {}", h.finish())
        }
        "remember" => {
            static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let calls = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            #[cfg(target_arch = "wasm32")]
            let fresh = {
                // A page just grown: whatever an earlier instance left at this address shows here.
                let page = core::arch::wasm32::memory_grow(0, 1);
                assert_ne!(page, usize::MAX, "memory grows");
                let word = (page * 65536) as *mut u64;
                // SAFETY: the page was just added to this instance's memory and nothing else uses it.
                unsafe {
                    let before = word.read_volatile();
                    word.write_volatile(0x5eed_5eed_5eed_5eed);
                    before
                }
            };
            #[cfg(not(target_arch = "wasm32"))]
            let fresh = 0u64;
            format!("calls: {calls}; fresh page: {fresh:#x}")
        }
        other => format!("unknown mode {other}"),
    }
}

impl Guest for Hostile {
    fn describe() -> PackInfo {
        PackInfo {
            id: "hostile".into(),
            version: "0.0.1".into(),
            summary: "misbehaves on command".into(),
            settings_schema: String::new(),
            rules: vec![RuleInfo {
                id: "report".into(),
                summary: "reports what happened".into(),
                severity: Severity::Low,
                category: "test".into(),
                docs: "## What it does\nMisbehaves.".into(),
                status: RuleStatus::Preview,
                fixable: false,
            }],
        }
    }

    fn validate_settings(settings: String) -> Result<(), String> {
        if settings.contains("reject") { Err("mode `reject` is rejected".into()) } else { Ok(()) }
    }

    fn evaluate(project: Project, settings: String) -> Result<Vec<Finding>, String> {
        let value: serde_json::Value = serde_json::from_str(&settings).map_err(|e| e.to_string())?;
        let mode = value["mode"].as_str().unwrap_or("ok").to_string();
        match mode.as_str() {
            "ok" => {
                let services = project.services.len();
                std::mem::forget(project); // as `export_pack!` does
                Ok(vec![finding("report", format!("saw {services} services"))])
            }
            "loop" => {
                let mut x = 0u64;
                loop {
                    x = black_box(x.wrapping_add(1));
                }
            }
            "alloc" => {
                let mut blocks: Vec<Vec<u8>> = Vec::new();
                loop {
                    blocks.push(vec![1u8; 1 << 20]);
                    black_box(&blocks);
                }
            }
            "recurse" => Ok(vec![finding("report", format!("{}", recurse(0)))]),
            "recurse-frames" => Ok(vec![finding("report", format!("{}", recurse_frames(0, [1; 64])))]),
            "panic" => panic!("hostile guest panics on purpose"),
            // Passes the server's dry check of an empty project, then panics on every real one.
            "panic-on-services" if project.services.is_empty() => Ok(Vec::new()),
            "panic-on-services" => panic!("hostile guest panics on a project with services"),
            "error" => Err("the policy refuses".into()),
            // The whole project as this guest received it, for the test of the host's lowering.
            "echo" => Err(serde_json::to_string(&project).unwrap_or_else(|e| format!("cannot serialize: {e}"))),
            "unknown-rule" => Ok(vec![finding("no-such-rule", "x".into())]),
            "bad-subject" => Ok(vec![Finding {
                subject: Subject::Instruction(plimsoll_sdk::InstructionRef { dockerfile: 7, instruction: 3 }),
                ..finding("report", "x".into())
            }]),
            "huge" => Ok((0..20_000).map(|i| finding("report", format!("finding {i}"))).collect()),
            "flood" => {
                for _ in 0..1_000_000 {
                    println!("{}", "flood ".repeat(100));
                }
                Ok(Vec::new())
            }
            "log" => {
                plimsoll_sdk::log(
                    plimsoll_sdk::bindings::plimsoll::policy::host::LogLevel::Info,
                    "hello from the guest",
                );
                Ok(Vec::new())
            }
            escape => Ok(vec![finding("report", attempt(escape))]),
        }
    }
}

plimsoll_sdk::bindings::__export_policy_world!(Hostile);
