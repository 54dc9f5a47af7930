//! Normalization of every compose key the model types, and validation with located errors.

use std::collections::HashMap;
use std::path::Path;

use plimsoll_model::compose::load_project;
use plimsoll_model::model::{DeviceCount, MountKind, Service};
use plimsoll_model::{LoadOptions, LoadedProject};

fn load_text(text: &str) -> (tempfile::TempDir, LoadedProject) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("compose.yaml"), text).expect("write");
    let options = LoadOptions {
        environment: Some(HashMap::from([("HOME".to_owned(), "/home/u".to_owned())])),
        ..LoadOptions::default()
    };
    let p = load_project(&[dir.path().to_path_buf()], &options);
    (dir, p)
}

fn ok(text: &str) -> (tempfile::TempDir, LoadedProject) {
    let (d, p) = load_text(text);
    assert!(!p.has_errors(), "unexpected errors: {:?}", p.diagnostics);
    (d, p)
}

fn service<'a>(p: &'a LoadedProject, name: &str) -> &'a Service {
    p.model.services.iter().find(|s| s.name == name).expect("service")
}

fn errors(p: &LoadedProject) -> Vec<String> {
    p.diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            let l = d.location.as_ref().expect("every error is located");
            format!("{}:{}: {}", l.line, l.column, d.message)
        })
        .collect()
}

#[test]
fn ports_short_long_and_ranges() {
    let (_d, p) = ok("services:
  web:
    image: nginx
    ports:
      - 80
      - \"127.0.0.1:8080:80\"
      - 9000-9001:9000-9001/udp
      - target: 443
        published: \"8443\"
        host_ip: 0.0.0.0
        mode: host
");
    let ports = &service(&p, "web").ports;
    let got: Vec<(u32, Option<&str>, Option<&str>, &str)> =
        ports.iter().map(|p| (p.target, p.published.as_deref(), p.host_ip.as_deref(), p.protocol.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (80, None, None, "tcp"),
            (80, Some("8080"), Some("127.0.0.1"), "tcp"),
            (9000, Some("9000"), None, "udp"),
            (9001, Some("9001"), None, "udp"),
            (443, Some("8443"), Some("0.0.0.0"), "tcp"),
        ]
    );
    assert_eq!(ports[4].mode.as_deref(), Some("host"));
}

#[test]
fn volumes_short_and_long() {
    let (d, p) = ok("services:
  db:
    image: postgres
    volumes:
      - data:/var/lib/postgresql/data
      - ./init:/docker-entrypoint-initdb.d:ro
      - ~/.cache:/cache
      - /anonymous
      - type: bind
        source: ../shared
        target: /shared
        read_only: true
      - type: tmpfs
        target: /tmp
volumes:
  data:
");
    let v = &service(&p, "db").volumes;
    assert_eq!(v.len(), 6);
    assert_eq!((v[0].kind, v[0].source.as_deref(), v[0].read_only), (MountKind::Volume, Some("data"), false));
    let init = plimsoll_model::compose::absolute(&d.path().join("init"));
    assert_eq!((v[1].kind, v[1].source.as_deref(), v[1].read_only), (MountKind::Bind, init.to_str(), true));
    assert_eq!(v[2].source.as_deref(), Some("/home/u/.cache"));
    assert_eq!((v[3].kind, v[3].source.as_deref(), v[3].target.as_str()), (MountKind::Volume, None, "/anonymous"));
    let shared = plimsoll_model::compose::absolute(&d.path().join("../shared"));
    assert_eq!((v[4].source.as_deref(), v[4].read_only), (shared.to_str(), true));
    assert_eq!(v[5].kind, MountKind::Tmpfs);
}

#[test]
fn resources_deploy_first_then_legacy() {
    let (_d, p) = ok("services:
  a:
    image: a
    mem_limit: 512m
    mem_reservation: 256m
    memswap_limit: -1
    cpus: 0.5
    cpu_shares: 512
    pids_limit: 100
    shm_size: 64m
    deploy:
      replicas: 2
      resources:
        limits: { memory: 512M, cpus: '0.5', pids: 100 }
        reservations:
          memory: 256m
          devices:
            - driver: nvidia
              count: all
              capabilities: [gpu, utility]
      restart_policy: { condition: on-failure, delay: 5s, max_attempts: 3, window: 1m }
  b:
    image: b
    mem_limit: 2gb
    gpus: all
  c:
    image: c
    gpus:
      - driver: nvidia
        device_ids: ['0', '1']
  d:
    image: d
    mem_limit: 1g
    cpus: 1.5
    deploy:
      resources:
        reservations:
          devices:
            - capabilities: [gpu]
");
    let a = service(&p, "a");
    let r = &a.resources;
    assert_eq!(
        (r.limits.memory, r.legacy.mem_limit, r.memory_limit),
        (Some(512 << 20), Some(512 << 20), Some(512 << 20))
    );
    assert_eq!((r.limits.cpus, r.legacy.cpus, r.cpu_limit), (Some(0.5), Some(0.5), Some(0.5)));
    assert_eq!((r.memory_reservation, r.legacy.memswap_limit), (Some(256 << 20), Some(-1)));
    assert_eq!((r.legacy.cpu_shares, r.pids_limit, r.shm_size), (Some(512), Some(100), Some(64 << 20)));
    assert_eq!(r.devices[0].count, Some(DeviceCount::All));
    assert_eq!(r.devices[0].capabilities, vec!["gpu".to_owned(), "utility".to_owned()]);
    assert_eq!(a.replicas, Some(2));
    let rp = a.restart_policy.as_ref().expect("restart policy");
    assert_eq!(
        (rp.condition.as_deref(), rp.delay, rp.max_attempts, rp.window),
        (Some("on-failure"), Some(5000), Some(3), Some(60_000))
    );
    let b = service(&p, "b");
    assert_eq!(b.resources.memory_limit, Some(2 << 30));
    assert_eq!(b.resources.devices[0].count, Some(DeviceCount::All));
    let c = service(&p, "c");
    assert_eq!(c.resources.devices[0].count, Some(DeviceCount::Count(2)));
    assert_eq!(c.resources.devices[0].capabilities, vec!["gpu".to_owned()]);
    // Legacy keys alone are the effective values; a reservation with neither `count` nor
    // `device_ids` has no count (it takes every device).
    let d = service(&p, "d");
    assert_eq!((d.resources.memory_limit, d.resources.cpu_limit), (Some(1 << 30), Some(1.5)));
    assert_eq!(d.resources.devices[0].count, None);
}

#[test]
fn legacy_keys_that_disagree_with_deploy_are_located_errors_as_in_compose() {
    // docker-compose v2.40.3 refuses each of these ("can't set distinct values on …"); a value
    // missing from the deploy section it sits next to counts as zero, as in compose-go.
    let (_d, p) = load_text(
        "services:
  a:
    image: a
    mem_limit: 1g
    cpus: 0.5
    mem_reservation: 256m
    pids_limit: 10
    scale: 3
    deploy:
      replicas: 2
      resources:
        limits: { memory: 2G, cpus: '1' }
        reservations:
          devices:
            - driver: nvidia
              count: 2
              device_ids: ['0']
              capabilities: [gpu]
  same:
    image: s
    mem_limit: 1g
    scale: 2
    deploy: { replicas: 2, resources: { limits: { memory: 1G } } }
",
    );
    let errs = errors(&p);
    let expected = [
        "4:16: service `a` sets distinct values on `mem_limit` and `deploy.resources.limits.memory`",
        "5:11: service `a` sets distinct values on `cpus` and `deploy.resources.limits.cpus`",
        "6:22: service `a` sets distinct values on `mem_reservation` and `deploy.resources.reservations.memory`",
        "7:17: service `a` sets distinct values on `pids_limit` and `deploy.resources.limits.pids`",
        "8:12: service `a` sets distinct values on `scale` and `deploy.replicas`",
        "16:22: `count` and `device_ids` of a device request of service `a` are exclusive",
    ];
    assert_eq!(errs, expected, "{errs:#?}");
}

#[test]
fn commands_environment_healthchecks_and_the_rest() {
    let (_d, p) = ok("x-top: 1
services:
  app:
    image: ghcr.io/acme/app:2.1@sha256:abc
    build:
      context: ./src
      dockerfile: docker/Dockerfile
      target: prod
      args:
        - VERSION=1
        - BARE
    command: sh -c 'echo \"a b\"' x
    entrypoint: [\"/entry\", \"--flag\"]
    environment:
      - FOO=bar=baz
      - BARE
    env_file: [{ path: .env.app, required: false }, { path: .env.local, required: false }]
    user: \"1000\"
    working_dir: /app
    expose: [\"3000\", 4000]
    healthcheck:
      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost\"]
      interval: 1m30s
      timeout: 500ms
      start_period: 10s
      retries: 5
    depends_on:
      db:
        condition: service_healthy
        restart: true
    restart: unless-stopped
    logging:
      driver: json-file
      options: { max-size: 10m }
    privileged: true
    read_only: yes
    cap_add: [NET_ADMIN]
    cap_drop: [ALL]
    security_opt: [no-new-privileges:true]
    network_mode: bridge
    ulimits:
      nproc: 65535
      nofile: { soft: 1024, hard: 2048 }
    labels: { a.b: c }
    devices: [/dev/fuse]
    container_name: app1
    secrets: [token, { source: cert, target: /certs/c.pem }]
    hostname: app
    x-note: keep
  db:
    image: postgres:16
    healthcheck:
      disable: true
secrets:
  token: { file: ./token }
  cert: { external: true }
networks:
  back: { driver: overlay, attachable: true }
");
    let app = service(&p, "app");
    let image = app.image.as_ref().expect("image");
    assert_eq!(
        (image.registry.as_deref(), image.repository.as_str(), image.tag.as_deref(), image.digest.as_deref()),
        (Some("ghcr.io"), "acme/app", Some("2.1"), Some("sha256:abc"))
    );
    let build = app.build.as_ref().expect("build");
    assert_eq!(
        (build.context.as_str(), build.dockerfile.as_deref(), build.target.as_deref()),
        ("src", Some("docker/Dockerfile"), Some("prod"))
    );
    assert_eq!(
        build.args.iter().map(|kv| (kv.name.as_str(), kv.value.as_deref())).collect::<Vec<_>>(),
        vec![("VERSION", Some("1")), ("BARE", None)]
    );
    assert_eq!((build.context_index, build.dockerfile_index, build.target_stage), (None, None, None));
    assert_eq!(app.command, Some(vec!["sh".to_owned(), "-c".to_owned(), "echo \"a b\"".to_owned(), "x".to_owned()]));
    assert_eq!(app.entrypoint, Some(vec!["/entry".to_owned(), "--flag".to_owned()]));
    assert_eq!(
        app.environment.iter().map(|kv| (kv.name.as_str(), kv.value.as_deref())).collect::<Vec<_>>(),
        vec![("FOO", Some("bar=baz")), ("BARE", None)]
    );
    assert_eq!(app.env_files, vec![".env.app".to_owned(), ".env.local".to_owned()]);
    assert_eq!((app.user.as_deref(), app.working_dir.as_deref()), (Some("1000"), Some("/app")));
    assert_eq!(app.expose, vec!["3000".to_owned(), "4000".to_owned()]);
    let h = app.healthcheck.as_ref().expect("healthcheck");
    assert_eq!(
        (h.interval, h.timeout, h.start_period, h.retries, h.disabled),
        (Some(90_000), Some(500), Some(10_000), Some(5), false)
    );
    assert_eq!(h.test[0], "CMD");
    assert_eq!(
        (app.depends_on[0].condition.as_str(), app.depends_on[0].restart, app.depends_on[0].required),
        ("service_healthy", true, true)
    );
    assert_eq!(app.restart.as_deref(), Some("unless-stopped"));
    let logging = app.logging.as_ref().expect("logging");
    assert_eq!((logging.driver.as_deref(), logging.options[0].value.as_deref()), (Some("json-file"), Some("10m")));
    assert!(app.privileged && app.read_only);
    assert_eq!((app.cap_add.clone(), app.cap_drop.clone()), (vec!["NET_ADMIN".to_owned()], vec!["ALL".to_owned()]));
    assert_eq!(app.security_opt, vec!["no-new-privileges:true".to_owned()]);
    assert_eq!(app.network_mode.as_deref(), Some("bridge"));
    assert_eq!(
        app.ulimits.iter().map(|u| (u.name.as_str(), u.soft, u.hard)).collect::<Vec<_>>(),
        vec![("nproc", 65535, 65535), ("nofile", 1024, 2048)]
    );
    assert_eq!(app.labels[0].name, "a.b");
    assert_eq!(app.devices, vec!["/dev/fuse".to_owned()]);
    assert_eq!(app.container_name.as_deref(), Some("app1"));
    assert_eq!(app.secrets, vec!["token".to_owned(), "cert".to_owned()]);
    let ext: serde_json::Value = serde_json::from_str(&app.extensions).expect("json");
    assert_eq!(ext, serde_json::json!({"hostname": "app", "x-note": "keep"}));
    let db = service(&p, "db");
    let h = db.healthcheck.as_ref().expect("healthcheck");
    assert!(h.disabled);
    assert_eq!(h.test, vec!["NONE".to_owned()]);
    let top: serde_json::Value = serde_json::from_str(&p.model.extensions).expect("json");
    assert_eq!(top, serde_json::json!({"x-top": 1}));
    assert_eq!(
        p.model.secrets.iter().map(|s| (s.name.as_str(), s.external)).collect::<Vec<_>>(),
        vec![("token", false), ("cert", true)]
    );
    let back = &p.model.networks[0];
    assert_eq!((back.name.as_str(), back.driver.as_deref()), ("back", Some("overlay")));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&back.extensions).ok(),
        Some(serde_json::json!({"attachable": true}))
    );
}

#[test]
fn invalid_values_and_references_are_all_reported_located() {
    let (_d, p) = load_text(
        "services:
  redis:
    image: redis
    mem_limit: 12 gigs
    ports:
      - \"99999:80\"
    healthcheck:
      test: [\"CMD\", \"true\"]
      interval: 30
    depends_on: [ghost, worker]
    networks: [nowhere]
    volumes_from: [phantom]
    deploy:
      resources:
        reservations:
          devices:
            - driver: nvidia
              count: 1
    wrong_key: 1
  worker:
    image: w
    depends_on:
      redis:
        condition: service_started
    volumes:
      - undeclared:/data
",
    );
    let errs = errors(&p);
    let expected = [
        "4:16: invalid memory value \"12 gigs\" for `mem_limit` of service `redis`",
        "6:9: invalid port \"99999:80\" of service `redis`: invalid published port \"99999\"",
        "9:17: invalid duration \"30\": missing unit (use us, ms, s, m or h) for `healthcheck.interval` of service `redis`",
        "10:18: service `redis` depends on undefined service `ghost`",
        "11:16: service `redis` refers to undefined network `nowhere`",
        "12:20: service `redis` mounts volumes from undefined service `phantom`",
        "17:15: a device reservation of service `redis` has no `capabilities` (e.g. [gpu])",
        "19:5: service `redis` has an unknown key `wrong_key`",
        "26:9: service `worker` refers to undefined volume `undeclared`",
        "23:7: dependency cycle between services: redis -> worker -> redis",
    ];
    for e in expected {
        assert!(errs.iter().any(|x| x == e), "missing {e:?} in {errs:#?}");
    }
    assert_eq!(errs.len(), expected.len(), "{errs:#?}");
    // Diagnostics come sorted by file and position.
    let lines: Vec<u32> = p.diagnostics.iter().filter_map(|d| d.location.as_ref().map(|l| l.line)).collect();
    assert!(lines.windows(2).all(|w| w[0] <= w[1]), "{lines:?}");
    let first = p.diagnostics.iter().find(|d| d.is_error()).expect("error");
    assert!(first.to_string().contains("compose.yaml:4:16: invalid memory value"), "{first}");
}

#[test]
fn never_panics_on_odd_shapes() {
    for text in [
        "",
        "[]",
        "services: []",
        "services:\n  a: []\n",
        "services:\n  a:\n    ports: {}\n    volumes: 3\n    environment: 4\n    deploy: []\n    healthcheck: x\n    build: []\n    command: {}\n",
        "services:\n  a:\n    image: x\n    ulimits: { n: { soft: x } }\n    gpus: 3\n    depends_on: { b: [] }\n",
        "services:\n  a: !reset\n",
        "include: 3\nservices: {}\n",
        "include: [{}]\n",
        "services:\n  a:\n    extends: { file: /dev/null, service: b }\n",
        "services:\n  a:\n    extends: {}\n",
    ] {
        let (_d, p) = load_text(text);
        let _ = p.has_errors();
        assert!(p.diagnostics.iter().all(|d| !d.message.is_empty()));
    }
}

#[test]
fn paths_are_relative_to_the_project_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sub = dir.path().join("deploy");
    std::fs::create_dir_all(&sub).expect("mkdir");
    std::fs::write(
        sub.join("compose.yaml"),
        "services:\n  a:\n    build: ..\n  b:\n    build: { context: 'https://github.com/x/y.git#main' }\n",
    )
    .expect("write");
    let p = load_project(
        std::slice::from_ref(&sub),
        &LoadOptions { environment: Some(HashMap::new()), ..LoadOptions::default() },
    );
    assert!(!p.has_errors(), "{:?}", p.diagnostics);
    assert_eq!(service(&p, "a").build.as_ref().map(|b| b.context.as_str()), Some(".."));
    assert_eq!(service(&p, "b").build.as_ref().map(|b| b.context.as_str()), Some("https://github.com/x/y.git#main"));
    assert_eq!(p.directory, plimsoll_model::compose::absolute(&sub));
    assert!(p.primary_file.as_deref().is_some_and(|f: &Path| f.ends_with("deploy/compose.yaml")));
}

#[test]
fn links_namespaces_and_volumes_from_are_dependencies_as_in_compose() {
    // The dependencies docker-compose v2.40.3 prints for this file (`config --format json`).
    let (_d, p) = ok("services:
  a:
    image: a
    links: [b, 'c:alias']
    volumes_from: [d, 'container:other', 'e:ro']
    ipc: service:b
  b:
    image: b
    network_mode: service:c
    depends_on:
      c: { condition: service_healthy }
  c:
    image: c
  d:
    image: d
  e:
    image: e
");
    let deps = |name: &str| -> Vec<(String, String, bool)> {
        let mut d: Vec<_> =
            service(&p, name).depends_on.iter().map(|d| (d.service.clone(), d.condition.clone(), d.restart)).collect();
        d.sort();
        d
    };
    let started = |s: &str, restart: bool| (s.to_owned(), "service_started".to_owned(), restart);
    assert_eq!(deps("a"), vec![started("b", true), started("c", true), started("d", false), started("e", false)]);
    // An explicit entry is kept as written.
    assert_eq!(deps("b"), vec![("c".to_owned(), "service_healthy".to_owned(), false)]);
    // Each implicit edge points at what implies it.
    let loc = p
        .locate(&plimsoll_model::model::Subject::Compose(
            ["services", "a", "depends_on", "d"].map(String::from).to_vec(),
        ))
        .expect("located");
    assert_eq!((loc.line, loc.column), (5, 20));
}

#[test]
fn a_service_linking_to_itself_is_a_cycle() {
    let (_d, p) = load_text("services:\n  a:\n    image: a\n    links: [a]\n");
    assert_eq!(errors(&p), vec!["4:13: dependency cycle between services: a -> a".to_owned()]);
}
