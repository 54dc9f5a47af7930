//! Differential conformance against the real Docker Compose v2.40.3: every compose file of the
//! shared corpus, of the acceptance stacks and `examples/`, of the packs' fixtures and of
//! `tests/fixtures/differential` (constructs the corpus lacks) is loaded by
//! the model and by `docker-compose -f FILE --profile '*' config --format json` (run in the file's
//! directory with an environment holding only `PATH`, so `.env` is the only variable source), and
//! the two must agree on accepting the file and on every compared field of every service.
//!
//! The model library is called directly: `plimsoll model` prints `serde_json::to_value` of
//! `plimsoll_model::load(..).model` and nothing else, so this compares exactly what it prints
//! without building the CLI (and wasmtime). The comparison normalizes representation only (Go
//! durations vs milliseconds, byte strings vs integers, Compose doubling `$` in its output,
//! absolute vs project-relative paths, `disable: true` vs `test: [NONE]`, unordered lists); a
//! real disagreement must be fixed in the loader. The only exceptions are Compose's own bugs,
//! listed in [`COMPOSE_BUGS`] with their reason.
//!
//! `docker-compose` comes from `scripts/install-toolchains.sh` (`.tools/bin/docker-compose`, or
//! `$PLIMSOLL_TOOLS_DIR/bin`, or `$PLIMSOLL_DOCKER_COMPOSE`); without it this test fails.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use plimsoll_model::model::{DeviceCount, MountKind, Service};
use plimsoll_model::{LoadOptions, LoadedProject, load};
use serde_json::{Value, json};

/// Compose's own bugs: (path suffix of the file, reason). Such a file is loaded by both but not compared.
const COMPOSE_BUGS: &[(&str, &str)] = &[(
    "compose-e2e/build-test/ssh/compose.yaml",
    "`config --format json` fails to marshal `build.ssh` (json: error calling MarshalJSON for type types.SSHKey); \
     `config --format yaml` accepts the file",
)];

fn workspace() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn docker_compose() -> PathBuf {
    let candidates = [
        std::env::var_os("PLIMSOLL_DOCKER_COMPOSE").map(PathBuf::from),
        std::env::var_os("PLIMSOLL_TOOLS_DIR").map(|d| PathBuf::from(d).join("bin/docker-compose")),
        Some(workspace().join(".tools/bin/docker-compose")),
    ];
    candidates.into_iter().flatten().find(|p| p.is_file()).unwrap_or_else(|| {
        panic!(
            "docker-compose v2.40.3 is not installed: run `scripts/install-toolchains.sh` (it puts it in .tools/bin)"
        )
    })
}

/// Whether a YAML text is a compose file: a top-level `services:` or `include:` key.
fn is_compose_text(text: &str) -> bool {
    text.lines().any(|l| l.starts_with("services:") || l.starts_with("include:"))
}

fn yaml_files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files_under(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml")
            && is_compose_text(&std::fs::read_to_string(&p).unwrap_or_default())
        {
            out.push(p);
        }
    }
}

/// Every input: the corpus (by its manifest), the acceptance stacks, `examples/` and the packs' fixtures.
fn inputs() -> Vec<PathBuf> {
    let root = workspace();
    let mut files = Vec::new();
    let shared = root.join("../shared");
    if shared.join("corpus/MANIFEST.tsv").is_file() {
        let manifest = std::fs::read_to_string(shared.join("corpus/MANIFEST.tsv")).expect("manifest");
        let mut corpus: Vec<PathBuf> = manifest
            .lines()
            .skip(1)
            .filter_map(|l| l.split('\t').next())
            .filter(|p| p.ends_with(".yaml") || p.ends_with(".yml"))
            .map(|p| shared.join("corpus").join(p))
            .filter(|p| is_compose_text(&std::fs::read_to_string(p).unwrap_or_default()))
            .collect();
        assert!(corpus.len() > 50, "the corpus lists too few compose files ({})", corpus.len());
        files.append(&mut corpus);
        yaml_files_under(&shared.join("acceptance"), &mut files);
    }
    yaml_files_under(&root.join("examples"), &mut files);
    // Cases written for this test: the constructs the corpus lacks (env files, implicit dependencies…).
    yaml_files_under(&root.join("host/model/tests/fixtures/differential"), &mut files);
    for pack in ["policies", "examples/policies"] {
        let Ok(entries) = std::fs::read_dir(root.join(pack)) else { continue };
        for e in entries.flatten() {
            yaml_files_under(&e.path().join("tests/fixtures"), &mut files);
        }
    }
    files.iter().map(|f| f.canonicalize().unwrap_or_else(|_| f.clone())).collect()
}

fn path_env() -> HashMap<String, String> {
    std::env::var("PATH").map(|p| HashMap::from([("PATH".to_owned(), p)])).unwrap_or_default()
}

/// `docker-compose config --format json` of one file: the document, or the error it printed.
fn compose_config(bin: &Path, file: &Path) -> Result<Value, String> {
    compose_config_with(bin, file, "*")
}

/// [`compose_config`] with one `--profile`.
fn compose_config_with(bin: &Path, file: &Path, profile: &str) -> Result<Value, String> {
    let mut cmd = Command::new(bin);
    cmd.args(["-f"]).arg(file).args(["--profile", profile, "config", "--format", "json"]);
    cmd.current_dir(file.parent().expect("a file has a directory")).env_clear().envs(path_env());
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("docker-compose printed invalid json: {e}"))
}

fn plimsoll(file: &Path) -> LoadedProject {
    plimsoll_with(file, "*")
}

/// [`plimsoll`] with one `--profile`.
fn plimsoll_with(file: &Path, profile: &str) -> LoadedProject {
    let options = LoadOptions {
        files: vec![file.to_path_buf()],
        profiles: vec![profile.to_owned()],
        environment: Some(path_env()),
        ..LoadOptions::default()
    };
    load(&[], &options)
}

/// Compose doubles every `$` of its output (so the output interpolates back to the same value).
fn undollar(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(s.replace("$$", "$")),
        Value::Array(items) => Value::Array(items.iter().map(undollar).collect()),
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), undollar(v))).collect()),
        other => other.clone(),
    }
}

/// A Go duration (`1m30s`, `500ms`, `1h`) in milliseconds.
fn go_duration_ms(v: &Value) -> Value {
    let Some(s) = v.as_str() else { return v.clone() };
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let n = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let (num, after) = rest.split_at(n);
        let u = after.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(after.len());
        let (unit, next) = after.split_at(u);
        let num: f64 = num.parse().unwrap_or(f64::NAN);
        total += num
            * match unit {
                "h" => 3_600_000.0,
                "m" => 60_000.0,
                "s" => 1000.0,
                "ms" => 1.0,
                "us" | "µs" => 0.001,
                "ns" => 0.000_001,
                _ => f64::NAN,
            };
        rest = next;
    }
    json!(total.trunc() as u64)
}

/// A byte size as Compose prints it (a decimal string, or a number) as an integer.
fn bytes(v: Option<&Value>) -> Value {
    match v {
        Some(Value::String(s)) => s.parse::<u64>().map(Value::from).unwrap_or_else(|_| Value::String(s.clone())),
        Some(Value::Number(n)) => Value::Number(n.clone()),
        _ => Value::Null,
    }
}

fn opt<T: serde::Serialize>(v: &Option<T>) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn sorted(mut items: Vec<Value>) -> Value {
    items.sort_by_key(|v| v.to_string());
    Value::Array(items)
}

fn string_list(v: Option<&Value>) -> Value {
    match v {
        Some(Value::Array(items)) => sorted(items.clone()),
        _ => json!([]),
    }
}

fn key_values(kvs: &[plimsoll_model::model::KeyValue]) -> Value {
    Value::Object(kvs.iter().map(|kv| (kv.name.clone(), opt(&kv.value))).collect())
}

fn map_or_empty(v: Option<&Value>) -> Value {
    match v {
        Some(Value::Object(m)) => Value::Object(m.clone()),
        _ => json!({}),
    }
}

fn float(v: Option<&Value>) -> Value {
    match v {
        Some(Value::String(s)) => s.parse::<f64>().map(|f| json!(f)).unwrap_or_else(|_| json!(s)),
        Some(Value::Number(n)) => json!(n.as_f64()),
        _ => Value::Null,
    }
}

fn healthcheck_compose(h: Option<&Value>) -> Value {
    let Some(h) = h.filter(|h| h.is_object()) else { return Value::Null };
    let test = h.get("test").cloned().unwrap_or(Value::Null);
    let disabled = h.get("disable") == Some(&json!(true)) || test == json!(["NONE"]);
    if disabled {
        return json!({"disabled": true});
    }
    let d = |k: &str| h.get(k).map(go_duration_ms).unwrap_or(Value::Null);
    json!({
        "test": if test.is_null() { json!([]) } else { test },
        "interval": d("interval"), "timeout": d("timeout"), "start_period": d("start_period"),
        "start_interval": d("start_interval"), "retries": h.get("retries").cloned().unwrap_or(Value::Null),
    })
}

fn healthcheck_model(h: &Option<plimsoll_model::model::Healthcheck>) -> Value {
    let Some(h) = h else { return Value::Null };
    if h.disabled {
        return json!({"disabled": true});
    }
    json!({
        "test": h.test, "interval": h.interval, "timeout": h.timeout, "start_period": h.start_period,
        "start_interval": h.start_interval, "retries": h.retries,
    })
}

fn device_compose(d: &Value, gpus: bool) -> Value {
    let mut caps: BTreeSet<String> = d
        .get("capabilities")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    if gpus {
        // Docker gives `gpus:` requests the `gpu` capability (Compose's output leaves it implied).
        caps.insert("gpu".to_owned());
    }
    let count = match d.get("count").and_then(Value::as_i64) {
        Some(-1) => json!("all"),
        Some(n) => json!(n),
        None => Value::Null,
    };
    let ids: BTreeSet<String> = d
        .get("device_ids")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    json!({"capabilities": caps, "driver": d.get("driver").cloned().unwrap_or(Value::Null), "count": count, "device_ids": ids})
}

/// The compared fields of one service, from Compose's output (project directory `dir`).
fn compose_fields(s: &Value) -> BTreeMap<&'static str, Value> {
    let s = undollar(s);
    let get = |k: &str| s.get(k).filter(|v| !v.is_null());
    let deploy = |path: &[&str]| {
        let mut v = s.get("deploy")?;
        for p in path {
            v = v.get(p)?;
        }
        Some(v).filter(|v| !v.is_null())
    };
    let mut f = BTreeMap::new();
    f.insert("image", get("image").cloned().unwrap_or(Value::Null));
    let build = get("build");
    let b = |k: &str| build.and_then(|b| b.get(k)).filter(|v| !v.is_null()).cloned().unwrap_or(Value::Null);
    f.insert("build.context", b("context"));
    f.insert(
        "build.dockerfile",
        if build.is_some() && b("dockerfile").is_null() && b("dockerfile_inline").is_null() {
            json!("Dockerfile")
        } else {
            b("dockerfile")
        },
    );
    f.insert("build.target", b("target"));
    f.insert("build.args", if build.is_some() { map_or_empty(build.and_then(|b| b.get("args"))) } else { Value::Null });
    f.insert("memory_limit", bytes(deploy(&["resources", "limits", "memory"]).or(get("mem_limit"))));
    f.insert("memory_reservation", bytes(deploy(&["resources", "reservations", "memory"]).or(get("mem_reservation"))));
    f.insert("cpu_limit", float(deploy(&["resources", "limits", "cpus"]).or(get("cpus"))));
    f.insert("cpu_reservation", float(deploy(&["resources", "reservations", "cpus"])));
    f.insert(
        "pids_limit",
        deploy(&["resources", "limits", "pids"]).or(get("pids_limit")).cloned().unwrap_or(Value::Null),
    );
    f.insert("healthcheck", healthcheck_compose(get("healthcheck")));
    let ports = get("ports").and_then(Value::as_array).cloned().unwrap_or_default();
    f.insert(
        "ports",
        sorted(
            ports
                .iter()
                .map(|p| {
                    json!([
                        p.get("target"),
                        p.get("published").filter(|v| !v.is_null() && *v != "").cloned(),
                        p.get("host_ip").cloned(),
                        p.get("protocol").cloned().unwrap_or(json!("tcp"))
                    ])
                })
                .collect(),
        ),
    );
    f.insert("environment", map_or_empty(get("environment")));
    let deps = get("depends_on").and_then(Value::as_object).cloned().unwrap_or_default();
    f.insert(
        "depends_on",
        Value::Object(
            deps.iter()
                .map(|(k, d)| {
                    let condition = d.get("condition").cloned().unwrap_or(json!("service_started"));
                    let required = d.get("required").cloned().unwrap_or(json!(true));
                    let restart = d.get("restart").cloned().unwrap_or(json!(false));
                    (k.clone(), json!([condition, required, restart]))
                })
                .collect(),
        ),
    );
    f.insert("restart", get("restart").cloned().unwrap_or(Value::Null));
    f.insert("user", get("user").cloned().unwrap_or(Value::Null));
    f.insert("command", get("command").cloned().unwrap_or(Value::Null));
    f.insert("entrypoint", get("entrypoint").cloned().unwrap_or(Value::Null));
    f.insert("profiles", string_list(get("profiles")));
    let volumes = get("volumes").and_then(Value::as_array).cloned().unwrap_or_default();
    f.insert(
        "volumes",
        sorted(
            volumes
                .iter()
                .map(|v| {
                    json!([
                        v.get("type"),
                        v.get("source").filter(|s| *s != "").cloned(),
                        v.get("target"),
                        v.get("read_only").cloned().unwrap_or(json!(false))
                    ])
                })
                .collect(),
        ),
    );
    f.insert("privileged", get("privileged").cloned().unwrap_or(json!(false)));
    f.insert("cap_add", string_list(get("cap_add")));
    f.insert("cap_drop", string_list(get("cap_drop")));
    f.insert("network_mode", get("network_mode").cloned().unwrap_or(Value::Null));
    f.insert("replicas", deploy(&["replicas"]).or(get("scale")).cloned().unwrap_or(Value::Null));
    let mut devices: Vec<Value> = deploy(&["resources", "reservations", "devices"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|d| device_compose(d, false))
        .collect();
    devices.extend(get("gpus").and_then(Value::as_array).into_iter().flatten().map(|d| device_compose(d, true)));
    f.insert("gpu_devices", sorted(devices));
    f.insert(
        "logging",
        match get("logging") {
            Some(l) => json!({"driver": l.get("driver").cloned().unwrap_or(Value::Null), "options": map_or_empty(l.get("options"))}),
            None => Value::Null,
        },
    );
    f.insert("shm_size", bytes(get("shm_size")));
    let ulimits = get("ulimits").and_then(Value::as_object).cloned().unwrap_or_default();
    f.insert(
        "ulimits",
        Value::Object(
            ulimits
                .iter()
                .map(|(k, u)| match u {
                    Value::Object(_) => (k.clone(), json!([u.get("soft"), u.get("hard")])),
                    n => (k.clone(), json!([n, n])),
                })
                .collect(),
        ),
    );
    f
}

/// The compared fields of one service of the model (project directory `dir`).
fn model_fields(s: &Service, loaded: &LoadedProject, dir: &Path) -> BTreeMap<&'static str, Value> {
    let mut f = BTreeMap::new();
    f.insert("image", s.image.as_ref().map(|i| json!(i.raw)).unwrap_or(Value::Null));
    let build = s.build.as_ref();
    let context = build.map(|b| {
        if plimsoll_model::compose::is_remote_context(&b.context) {
            json!(b.context)
        } else {
            json!(plimsoll_model::compose::clean(&dir.join(&b.context)).to_string_lossy())
        }
    });
    f.insert("build.context", context.unwrap_or(Value::Null));
    // No `dockerfile` is `Dockerfile`, unless the Dockerfile is written inline in a compose file.
    // (The model parsed it from the `dockerfile_inline` scalar of the merged document.)
    let inline = |b: &plimsoll_model::model::Build| {
        let written = loaded
            .compose
            .as_ref()
            .and_then(|d| d.get_path(&["services", s.name.as_str(), "build", "dockerfile_inline"]));
        let parsed = b.dockerfile_index.and_then(|i| loaded.dockerfiles.get(i as usize));
        matches!((written, parsed), (Some(w), Some(p)) if *w.file == p.file)
    };
    f.insert(
        "build.dockerfile",
        build
            .map(|b| {
                if b.dockerfile.is_none() && inline(b) {
                    Value::Null
                } else {
                    opt(&b.dockerfile.clone().or(Some("Dockerfile".to_owned())))
                }
            })
            .unwrap_or(Value::Null),
    );
    f.insert("build.target", build.map(|b| opt(&b.target)).unwrap_or(Value::Null));
    f.insert("build.args", build.map(|b| key_values(&b.args)).unwrap_or(Value::Null));
    let r = &s.resources;
    f.insert("memory_limit", opt(&r.memory_limit));
    f.insert("memory_reservation", opt(&r.memory_reservation));
    f.insert("cpu_limit", opt(&r.cpu_limit));
    f.insert("cpu_reservation", opt(&r.cpu_reservation));
    f.insert("pids_limit", opt(&r.pids_limit));
    f.insert("healthcheck", healthcheck_model(&s.healthcheck));
    f.insert("ports", sorted(s.ports.iter().map(|p| json!([p.target, p.published, p.host_ip, p.protocol])).collect()));
    f.insert("environment", key_values(&s.environment));
    f.insert(
        "depends_on",
        Value::Object(
            s.depends_on.iter().map(|d| (d.service.clone(), json!([d.condition, d.required, d.restart]))).collect(),
        ),
    );
    f.insert("restart", opt(&s.restart));
    f.insert("user", opt(&s.user));
    f.insert("command", opt(&s.command));
    f.insert("entrypoint", opt(&s.entrypoint));
    f.insert("profiles", sorted(s.profiles.iter().map(|p| json!(p)).collect()));
    let kind = |k: MountKind| match k {
        MountKind::Bind => "bind",
        MountKind::Volume => "volume",
        MountKind::Tmpfs => "tmpfs",
        MountKind::Npipe => "npipe",
        MountKind::Cluster => "cluster",
        MountKind::Image => "image",
    };
    f.insert(
        "volumes",
        sorted(s.volumes.iter().map(|m| json!([kind(m.kind), m.source, m.target, m.read_only])).collect()),
    );
    f.insert("privileged", json!(s.privileged));
    f.insert("cap_add", sorted(s.cap_add.iter().map(|c| json!(c)).collect()));
    f.insert("cap_drop", sorted(s.cap_drop.iter().map(|c| json!(c)).collect()));
    f.insert("network_mode", opt(&s.network_mode));
    f.insert("replicas", opt(&s.replicas));
    f.insert(
        "gpu_devices",
        sorted(
            r.devices
                .iter()
                .map(|d| {
                    let count = match &d.count {
                        Some(DeviceCount::All) => json!("all"),
                        Some(DeviceCount::Count(n)) => json!(n),
                        // The model leaves `count` unset when neither it nor `device_ids` is
                        // written (documented as every device); Compose prints -1 for that.
                        None if d.device_ids.is_empty() => json!("all"),
                        None => Value::Null,
                    };
                    // With `device_ids` alone the model counts them; Compose prints no count.
                    let count = if !d.device_ids.is_empty()
                        && d.count == Some(DeviceCount::Count(u32::try_from(d.device_ids.len()).unwrap_or(0)))
                    {
                        Value::Null
                    } else {
                        count
                    };
                    let caps: BTreeSet<&String> = d.capabilities.iter().collect();
                    let ids: BTreeSet<&String> = d.device_ids.iter().collect();
                    json!({"capabilities": caps, "driver": d.driver, "count": count, "device_ids": ids})
                })
                .collect(),
        ),
    );
    f.insert(
        "logging",
        s.logging
            .as_ref()
            .map(|l| json!({"driver": l.driver, "options": key_values(&l.options)}))
            .unwrap_or(Value::Null),
    );
    f.insert("shm_size", opt(&r.shm_size));
    f.insert("ulimits", Value::Object(s.ulimits.iter().map(|u| (u.name.clone(), json!([u.soft, u.hard]))).collect()));
    f
}

/// Numbers compare by value (`1` and `1.0` are one CPU).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

#[derive(Default)]
struct Tally {
    inputs: usize,
    load_agree: usize,
    compared_inputs: usize,
    field_agree_inputs: usize,
    services: usize,
    fields: usize,
    exceptions: usize,
    mismatches: Vec<String>,
}

fn compare(shown: &str, compose: &Value, loaded: &LoadedProject, t: &mut Tally) -> bool {
    let model = &loaded.model;
    let dir = &loaded.directory;
    let mut ok = true;
    let services = compose.get("services").and_then(Value::as_object).cloned().unwrap_or_default();
    let theirs: BTreeSet<&String> = services.keys().collect();
    let ours: BTreeSet<&String> = model.services.iter().map(|s| &s.name).collect();
    if theirs != ours {
        t.mismatches.push(format!("{shown} (services): plimsoll={ours:?} compose={theirs:?}"));
        ok = false;
    }
    for s in &model.services {
        let Some(c) = services.get(&s.name) else { continue };
        t.services += 1;
        let want = compose_fields(c);
        let got = model_fields(s, loaded, dir);
        for (field, w) in &want {
            t.fields += 1;
            let g = got.get(field).unwrap_or(&Value::Null);
            if !same(g, w) {
                t.mismatches.push(format!("{shown} {} {field}: plimsoll={g} compose={w}", s.name));
                ok = false;
            }
        }
    }
    ok
}

#[test]
fn the_model_agrees_with_docker_compose_on_every_input() {
    let bin = docker_compose();
    let files = inputs();
    assert!(files.len() >= 10, "too few inputs ({}): the examples and pack fixtures are missing", files.len());
    let root = workspace().canonicalize().expect("workspace");
    let shared = root.join("../shared").canonicalize().ok();
    let mut t = Tally::default();
    for file in &files {
        t.inputs += 1;
        let shown = shared
            .as_ref()
            .and_then(|s| file.strip_prefix(s).ok().map(|p| format!("../shared/{}", p.display())))
            .or_else(|| file.strip_prefix(&root).ok().map(|p| p.display().to_string()))
            .unwrap_or_else(|| file.display().to_string());
        if let Some((_, reason)) = COMPOSE_BUGS.iter().find(|(suffix, _)| shown.ends_with(suffix)) {
            eprintln!("not compared (compose bug): {shown}: {reason}");
            t.exceptions += 1;
            continue;
        }
        let theirs = compose_config(&bin, file);
        let ours = plimsoll(file);
        // `docker compose config` reads no Dockerfile: errors inside one (an unknown instruction)
        // are the model's own checks, outside what this test compares.
        let compose_files: Vec<PathBuf> = ours.model.files.iter().map(|f| ours.directory.join(f)).collect();
        let in_dockerfile = |d: &plimsoll_model::Diagnostic| {
            d.location
                .as_ref()
                .is_some_and(|l| ours.dockerfiles.iter().any(|s| s.file == l.file) && !compose_files.contains(&l.file))
        };
        let our_errors: Vec<String> =
            ours.diagnostics.iter().filter(|d| d.is_error() && !in_dockerfile(d)).map(ToString::to_string).collect();
        match (&theirs, our_errors.is_empty()) {
            (Ok(_), false) => {
                t.mismatches
                    .push(format!("{shown} (load): plimsoll=rejects ({}) compose=accepts", our_errors.join("; ")));
                continue;
            }
            (Err(e), true) => {
                t.mismatches.push(format!("{shown} (load): plimsoll=accepts compose=rejects ({e})"));
                continue;
            }
            (Err(e), false) => {
                t.load_agree += 1;
                if std::env::var_os("PLIMSOLL_VERBOSE").is_some() {
                    eprintln!("both reject {shown}:\n  plimsoll: {}\n  compose: {e}", our_errors.join("; "));
                }
                continue;
            }
            (Ok(_), true) => t.load_agree += 1,
        }
        let Ok(doc) = theirs else { continue };
        t.compared_inputs += 1;
        if compare(&shown, &doc, &ours, &mut t) {
            t.field_agree_inputs += 1;
        }
    }
    eprintln!(
        "{}/{} inputs agree on load, {}/{} agree on every field ({} services, {} fields compared; {} not compared: compose bugs)",
        t.load_agree,
        t.inputs - t.exceptions,
        t.field_agree_inputs,
        t.compared_inputs,
        t.services,
        t.fields,
        t.exceptions
    );
    for m in &t.mismatches {
        eprintln!("{m}");
    }
    assert!(t.services > 50 && t.fields > 1000, "the comparison is nearly vacuous ({} services)", t.services);
    assert!(t.mismatches.is_empty(), "{} mismatches with docker-compose (listed above)", t.mismatches.len());
}

#[test]
fn profile_selection_agrees_with_docker_compose() {
    // Compose does not enable the dependencies of a selected profile's services: a required one
    // on a disabled service is refused, an optional one is dropped from the selection.
    let bin = docker_compose();
    let file = workspace().join("host/model/tests/fixtures/differential/profiles/compose.yaml");
    let mut mismatches = Vec::new();
    for profile in ["*", "front", "data", "other", "x", "y", "none"] {
        let theirs = compose_config_with(&bin, &file, profile);
        let ours = plimsoll_with(&file, profile);
        let our_services: BTreeSet<String> = ours.model.services.iter().map(|s| s.name.clone()).collect();
        match theirs {
            Ok(doc) if !ours.has_errors() => {
                let their_services: BTreeSet<String> =
                    doc["services"].as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
                if their_services != our_services {
                    mismatches
                        .push(format!("--profile {profile}: plimsoll={our_services:?} compose={their_services:?}"));
                }
            }
            Ok(_) => mismatches
                .push(format!("--profile {profile}: plimsoll=rejects ({:?}) compose=accepts", ours.diagnostics)),
            Err(e) if !ours.has_errors() => {
                mismatches.push(format!("--profile {profile}: plimsoll=accepts compose=rejects ({e})"))
            }
            Err(_) => {}
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
