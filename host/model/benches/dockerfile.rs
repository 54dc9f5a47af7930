//! Dockerfile parse time (every corpus Dockerfile, and the median one) and context scan throughput.
//!
//! Run with `cargo bench -p plimsoll-model --bench dockerfile`; numbers go in `bench/README.md`.

// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use plimsoll_model::context::{ScanLimits, scan};
use plimsoll_model::dockerfile;
use plimsoll_model::dockerignore::Matcher;

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared");

fn corpus() -> Vec<(PathBuf, String)> {
    let manifest = std::fs::read_to_string(Path::new(SHARED).join("corpus/MANIFEST.tsv")).unwrap_or_default();
    manifest
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .filter(|p| p.rsplit('/').next().is_some_and(|n| n.to_ascii_lowercase().contains("dockerfile")))
        .filter(|p| !p.ends_with(".dockerignore") && !p.ends_with(".template"))
        .filter_map(|p| {
            let path = Path::new(SHARED).join("corpus").join(p);
            std::fs::read_to_string(&path).ok().map(|t| (path, t))
        })
        .collect()
}

fn parse_benches(c: &mut Criterion) {
    let files = corpus();
    // Median parse time per file, measured directly so it can be reported as one number.
    let mut times: Vec<(f64, usize)> = files
        .iter()
        .map(|(path, text)| {
            let runs = 200;
            let start = Instant::now();
            for _ in 0..runs {
                black_box(dockerfile::parse(black_box(text), path, &[]));
            }
            (start.elapsed().as_secs_f64() * 1e6 / runs as f64, text.len())
        })
        .collect();
    times.sort_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((median, bytes)) = times.get(times.len() / 2) {
        let max = times.last().map(|t| t.0).unwrap_or_default();
        println!("corpus: {} Dockerfiles, median {median:.1} µs ({bytes} bytes), max {max:.1} µs", times.len());
    }
    let median_file = files.iter().min_by_key(|(_, t)| t.len().abs_diff(times[times.len() / 2].1));
    if let Some((path, text)) = median_file {
        c.bench_function("parse median corpus Dockerfile", |b| {
            b.iter(|| dockerfile::parse(black_box(text), path, &[]))
        });
    }
    c.bench_function("parse whole corpus", |b| {
        b.iter(|| {
            for (path, text) in &files {
                black_box(dockerfile::parse(text, path, &[]));
            }
        })
    });
}

fn scan_benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    // 5 000 files in 100 directories, with a node_modules-like tree and an ignore file.
    for d in 0..100 {
        let sub = dir.path().join(format!("pkg{d}/src"));
        std::fs::create_dir_all(&sub).expect("mkdir");
        for f in 0..50 {
            std::fs::write(sub.join(format!("file{f}.py")), b"print('hello')\n").expect("write");
        }
    }
    let matcher = Matcher::new(&["**/*.pyc", "pkg1*", "!pkg10/src/file1.py", "**/__pycache__"]).expect("patterns");
    let files = 5_000u64;
    let start = Instant::now();
    let s = scan(dir.path(), &matcher, &ScanLimits::default());
    let secs = start.elapsed().as_secs_f64();
    println!(
        "scan: {} entries walked ({} sent) in {:.1} ms: {:.0} files/s",
        files,
        s.file_count,
        secs * 1e3,
        files as f64 / secs
    );
    c.bench_function("scan 5000-file context", |b| {
        b.iter(|| scan(black_box(dir.path()), &matcher, &ScanLimits::default()))
    });
}

criterion_group!(benches, parse_benches, scan_benches);
criterion_main!(benches);
