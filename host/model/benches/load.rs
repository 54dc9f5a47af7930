//! Load-time benchmark of Compose projects: a realistic 20-service project, and a generated
//! 500-service project with 3 override files (targets: under 1 ms and under 30 ms).
//!
//! Run with `CARGO_TARGET_DIR=/work/target-compose cargo bench -p plimsoll-model --bench load`.

#![allow(missing_docs)] // criterion_group! generates an undocumented function

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use plimsoll_model::LoadOptions;
use plimsoll_model::compose::load_project;

/// A service with the keys real stacks use (anchors, ports, volumes, healthcheck, deploy…).
fn service(out: &mut String, i: usize) {
    let _ = write!(
        out,
        "  svc{i}:
    <<: *defaults
    image: registry.example.com/team/svc{i}:${{TAG:-1.0.{i}}}
    command: [\"serve\", \"--port\", \"{port}\"]
    environment:
      - SERVICE_NAME=svc{i}
      - LOG_LEVEL=${{LOG_LEVEL:-info}}
      - DB_URL=postgres://db:5432/svc{i}
    ports:
      - \"{port}:{port}\"
    volumes:
      - ./data/svc{i}:/data
      - cache:/cache:ro
    healthcheck:
      test: curl -fsS http://localhost:{port}/health || exit 1
      interval: 30s
      timeout: 5s
      retries: 3
    depends_on:
      db:
        condition: service_healthy
    deploy:
      resources:
        limits: {{ memory: 512M, cpus: '0.5' }}
        reservations: {{ memory: 128M }}
    labels:
      com.example.team: team{team}
",
        port = 10000 + i,
        team = i % 7
    );
}

fn base(n: usize) -> String {
    let mut out = String::from(
        "name: bench
x-defaults: &defaults
  restart: unless-stopped
  logging:
    driver: json-file
    options: { max-size: 10m, max-file: \"3\" }
services:
  db:
    image: postgres:16
    healthcheck:
      test: [\"CMD\", \"pg_isready\"]
      interval: 10s
",
    );
    for i in 0..n {
        service(&mut out, i);
    }
    out.push_str("volumes:\n  cache: {}\n");
    out
}

fn override_file(n: usize, k: usize) -> String {
    let mut out = String::from("services:\n");
    for i in (k..n).step_by(1) {
        let _ = write!(
            out,
            "  svc{i}:\n    environment:\n      LOG_LEVEL: debug{k}\n    ports:\n      - \"{p}:{p}\"\n    shm_size: {m}m\n",
            p = 20000 + i + k * 1000,
            m = 256 + k
        );
    }
    out
}

fn write_project(dir: &Path, n: usize, overrides: usize) -> Vec<PathBuf> {
    let mut files = vec![dir.join("compose.yaml")];
    std::fs::write(&files[0], base(n)).expect("write");
    for k in 0..overrides {
        let f = dir.join(format!("override{k}.yaml"));
        std::fs::write(&f, override_file(n, k)).expect("write");
        files.push(f);
    }
    files
}

fn bench(c: &mut Criterion) {
    let options = LoadOptions { environment: Some(HashMap::new()), ..LoadOptions::default() };
    for (name, n, overrides) in [("load 20 services", 20, 0), ("load 500 services + 3 overrides", 500, 3)] {
        let dir = tempfile::tempdir().expect("tempdir");
        let files = write_project(dir.path(), n, overrides);
        let opts = LoadOptions { files, ..options.clone() };
        let check = load_project(&[], &opts);
        assert!(!check.has_errors(), "{:?}", check.diagnostics.first());
        assert_eq!(check.model.services.len(), n + 1);
        c.bench_function(name, |b| b.iter(|| load_project(&[], &opts)));
    }
    for n in [100, 200, 400] {
        let dir = tempfile::tempdir().expect("tempdir");
        let opts = LoadOptions { files: write_project(dir.path(), n, 3), ..options.clone() };
        c.bench_function(&format!("load {n} services + 3 overrides"), |b| b.iter(|| load_project(&[], &opts)));
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
