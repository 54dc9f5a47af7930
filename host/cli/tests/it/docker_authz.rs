//! The Docker Engine authorization plugin through the real binary: the plugin protocol on the TCP
//! listener (`/docker/…`) with bad bodies, modes, failure policies and the packs' findings; then a
//! real `dockerd` (Debian's docker.io) with `plimsoll serve --docker-authz-socket` as its plugin,
//! driven by the real `docker` client and the real Docker Compose v2: creates denied and allowed,
//! a compose stack partly refused, a host budget counting what already runs, and the create
//! bodies Compose really sends giving the same findings as `plimsoll check` on the compose file.
//! Every daemon is started in a temp dir and stopped by pid; nothing is ever pulled.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

use super::serve::{Server, request};

/// An `AuthZReq` the daemon would send for `method uri` with `body`.
fn authz_request(method: &str, uri: &str, body: Option<&[u8]>) -> Value {
    let mut request = json!({ "User": "", "RequestMethod": method, "RequestUri": uri, "RequestHeaders": {} });
    if let Some(body) = body {
        request["RequestBody"] = json!(base64::engine::general_purpose::STANDARD.encode(body));
        request["RequestHeaders"] =
            json!({ "Content-Type": "application/json", "Content-Length": body.len().to_string() });
    }
    request
}

/// POST an `AuthZReq` to `/docker/AuthZPlugin.AuthZReq`; the answer.
fn ask(server: &Server, request_body: &Value) -> Value {
    let answer = request(
        server.port,
        "POST",
        "/docker/AuthZPlugin.AuthZReq",
        &[("Content-Type", "application/json")],
        request_body.to_string().as_bytes(),
    );
    assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
    answer.json()
}

fn create(server: &Server, body: &Value) -> Value {
    ask(server, &authz_request("POST", "/v1.41/containers/create?name=web", Some(body.to_string().as_bytes())))
}

/// What an operator admitting containers sets: a container without a memory limit fails the gate.
const ADMISSION_CONFIG: &str = "rules:\n  resources/memory-limit-missing: high\n";

/// A container every default rule at or above `high` accepts.
fn good_body() -> Value {
    json!({
        "Image": "local/tiny:1", "User": "1000", "Cmd": ["sleep", "30"],
        "Healthcheck": {"Test": ["CMD", "true"], "Interval": 30_000_000_000i64, "Timeout": 5_000_000_000i64, "Retries": 3},
        "HostConfig": {"Memory": 268435456, "MemoryReservation": 134217728, "NanoCpus": 500_000_000, "PidsLimit": 64,
            "ReadonlyRootfs": true, "CapDrop": ["ALL"], "SecurityOpt": ["no-new-privileges:true"],
            "RestartPolicy": {"Name": "unless-stopped"}, "LogConfig": {"Type": "json-file", "Config": {"max-size": "10m"}}}
    })
}

#[test]
fn the_plugin_protocol_fails_closed_and_answers_with_the_packs_findings() {
    let server = Server::start(&[("plimsoll.yaml", ADMISSION_CONFIG.as_bytes())], &["--config", "plimsoll.yaml"]);
    let activate = request(server.port, "POST", "/docker/Plugin.Activate", &[], b"{}");
    assert_eq!(activate.json(), json!({"Implements": ["authz"]}));
    assert_eq!(
        activate.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-type")).map(|(_, v)| v.as_str()),
        Some("application/vnd.docker.plugins.v1.1+json")
    );
    // Not gated: allowed, with or without a body.
    assert_eq!(ask(&server, &authz_request("GET", "/v1.41/containers/json", None))["Allow"], true);
    assert_eq!(ask(&server, &authz_request("POST", "/v1.41/images/create?fromImage=x", None))["Allow"], true);
    let response = request(server.port, "POST", "/docker/AuthZPlugin.AuthZRes", &[], b"{}");
    assert_eq!(response.json()["Allow"], true);

    // Gated, and the body missing, empty, not JSON, or cut by the daemon: denied, saying why.
    let denied = |request_body: Value, why: &str| {
        let answer = ask(&server, &request_body);
        assert_eq!(answer["Allow"], false, "{answer}");
        let msg = answer["Msg"].as_str().unwrap();
        assert!(msg.contains(why), "{msg}");
        assert!(msg.starts_with("plimsoll: POST /containers/create is gated and "), "{msg}");
    };
    denied(authz_request("POST", "/v1.41/containers/create", None), "forwarded no body");
    denied(authz_request("POST", "/containers/create", Some(b"")), "forwarded no body");
    denied(authz_request("POST", "/v1.43/containers/create", Some(b"{\"Image\": ")), "not JSON");
    let mut cut = authz_request("POST", "/v1.41/containers/create", Some(b"{\"Image\": \"a\"}"));
    cut["RequestHeaders"]["Content-Length"] = json!("2097152");
    denied(cut, "cut (14 of 2097152 bytes forwarded)");
    denied(authz_request("POST", "/v1.41/containers/create", Some(b"[]")), "not a JSON object");
    let garbage = request(server.port, "POST", "/docker/AuthZPlugin.AuthZReq", &[], b"not json");
    assert_eq!(garbage.json()["Allow"], false);
    assert!(garbage.json()["Err"].as_str().unwrap().contains("not valid JSON"));
    // A body that cannot become a service: denied naming the field.
    let answer = create(&server, &json!({"Image": "a:1", "HostConfig": {"Memory": "1g"}}));
    assert_eq!(answer["Allow"], false);
    assert!(answer["Msg"].as_str().unwrap().contains("HostConfig.Memory: expected an integer, found a string"));

    // The packs decide: no memory limit, privileged → denied, one line per finding naming the
    // rule and the field; the good container is allowed.
    let mut bad = good_body();
    bad["HostConfig"].as_object_mut().unwrap().remove("Memory");
    bad["HostConfig"]["Privileged"] = json!(true);
    let answer = create(&server, &bad);
    assert_eq!(answer["Allow"], false, "{answer}");
    let msg = answer["Msg"].as_str().unwrap();
    assert!(msg.starts_with("plimsoll: POST /containers/create denied ("), "{msg}");
    assert!(msg.contains("service web: ") && msg.contains("(resources/memory-limit-missing"), "{msg}");
    assert!(msg.contains("(security/privileged; HostConfig.Privileged)"), "{msg}");
    let answer = create(&server, &good_body());
    assert_eq!(answer["Allow"], true, "{answer}");
    assert!(answer.get("Msg").is_none());
    // Field names in any case, as the daemon reads them, and the gated path however it is spelled.
    let mut sneaky = good_body();
    sneaky["hostconfig"] = sneaky["HostConfig"].take();
    sneaky.as_object_mut().unwrap().remove("HostConfig");
    sneaky["hostconfig"]["privileged"] = json!(true);
    let answer = create(&server, &sneaky);
    assert!(answer["Allow"] == false && answer["Msg"].as_str().unwrap().contains("security/privileged"), "{answer}");
    let privileged = json!({"Image": "a:1", "HostConfig": {"Privileged": true, "Memory": 1 << 28}}).to_string();
    for uri in ["/v1.41/containers/%63reate", "http://docker/v1.41/containers/create", "//v1.41/containers/./create"] {
        let answer = ask(&server, &authz_request("POST", uri, Some(privileged.as_bytes())));
        assert_eq!(answer["Allow"], false, "{uri}: {answer}");
    }
    // The same under an update: the daemon is not configured, so the container cannot be read.
    let answer = ask(&server, &authz_request("POST", "/v1.41/containers/abc/update", Some(b"{\"Memory\": 0}")));
    assert_eq!(answer["Allow"], false);
    assert!(answer["Msg"].as_str().unwrap().contains("no Docker API is configured"), "{answer}");
    let metrics = String::from_utf8(server.get("/metrics").body).unwrap();
    assert!(metrics.contains("plimsoll_admission_decisions_total{point=\"docker\",decision=\"deny\"}"), "{metrics}");
}

#[test]
fn an_unreachable_docker_api_falls_back_to_the_profile_or_denies() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("plugin.sock");
    let nowhere = format!("unix://{}", dir.path().join("no-daemon.sock").display());
    let args =
        ["--config", "plimsoll.yaml", "--docker-authz-socket", socket.to_str().unwrap(), "--docker-host", &nowhere];
    let server = Server::start(&[("plimsoll.yaml", ADMISSION_CONFIG.as_bytes())], &args);
    assert_eq!(create(&server, &good_body())["Allow"], true);
    assert!(server.log_text().contains("the Docker API cannot tell what runs"), "{}", server.log_text());
    let metrics = String::from_utf8(server.get("/metrics").body).unwrap();
    assert!(metrics.contains("plimsoll_docker_api_errors_total"), "{metrics}");
    // The plugin socket answers the protocol too.
    assert!(socket.exists());
    let config = format!("{ADMISSION_CONFIG}docker-authz: {{ docker-unreachable: deny }}\n");
    let socket = dir.path().join("plugin2.sock");
    let args =
        ["--config", "plimsoll.yaml", "--docker-authz-socket", socket.to_str().unwrap(), "--docker-host", &nowhere];
    let server = Server::start(&[("plimsoll.yaml", config.as_bytes())], &args);
    let answer = create(&server, &good_body());
    assert_eq!(answer["Allow"], false);
    assert!(answer["Msg"].as_str().unwrap().contains("cannot count what already runs on this host"), "{answer}");
}

#[test]
fn the_tcp_plugin_routes_need_the_token_when_one_is_configured() {
    let files = [("plimsoll.yaml", ADMISSION_CONFIG.as_bytes()), ("token", b"s3cret\n".as_slice())];
    let server = Server::start(&files, &["--config", "plimsoll.yaml", "--auth-token-file", "token"]);
    let body = authz_request("POST", "/v1.41/containers/create", Some(good_body().to_string().as_bytes())).to_string();
    let denied = request(server.port, "POST", "/docker/AuthZPlugin.AuthZReq", &[], body.as_bytes());
    assert_eq!(denied.status, 401);
    let allowed = request(
        server.port,
        "POST",
        "/docker/AuthZPlugin.AuthZReq",
        &[("Authorization", "Bearer s3cret")],
        body.as_bytes(),
    );
    assert_eq!(allowed.status, 200);
    assert_eq!(allowed.json()["Allow"], true);
}

#[test]
fn the_plugin_spec_names_the_socket() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(["serve", "--docker-authz-socket", "/run/plimsoll/authz.sock", "--print-docker-plugin-spec"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "unix:///run/plimsoll/authz.sock\n");
}

#[test]
fn audit_mode_endpoints_and_failure_policies() {
    let config = "docker-authz:\n  mode: audit\n  endpoints:\n    - { path: /containers/create }\n    - { path: \"/containers/{id}/start\", mode: enforce }\n";
    let server = Server::start(&[("plimsoll.yaml", config.as_bytes())], &["--config", "plimsoll.yaml"]);
    let privileged = json!({"Image": "a:1", "HostConfig": {"Privileged": true}});
    assert_eq!(create(&server, &privileged)["Allow"], true, "audit allows");
    assert!(server.log_text().contains("audit: allowed what enforce would deny"), "{}", server.log_text());
    // An endpoint in enforce mode, and one that is no longer gated (update).
    let answer = ask(&server, &authz_request("POST", "/v1.41/containers/abc/start", None));
    assert_eq!(answer["Allow"], false, "{answer}");
    assert_eq!(ask(&server, &authz_request("POST", "/v1.41/containers/abc/update", None))["Allow"], true);

    // A pack that panics: denied (fail closed), or allowed under `failure-policy: ignore`.
    let panicking = "packs: [hostile.wasm]\nsettings:\n  hostile: { mode: panic-on-services }\n";
    for (extra, allowed) in [("", false), ("docker-authz: { failure-policy: ignore }\n", true)] {
        let config = format!("{panicking}{extra}");
        let server = Server::start(
            &[("plimsoll.yaml", config.as_bytes()), ("hostile.wasm", plimsoll_tests::HOSTILE_WASM)],
            &["--config", "plimsoll.yaml"],
        );
        let answer = create(&server, &good_body());
        assert_eq!(answer["Allow"], allowed, "{extra}: {answer}");
        if !allowed {
            assert!(answer["Msg"].as_str().unwrap().contains("cannot be checked"), "{answer}");
        }
    }
}

/// A test process serving the plugin protocol on a unix socket that allows everything and keeps
/// the create bodies the daemon forwards: the requests Docker Compose really makes.
struct Recorder {
    bodies: Arc<Mutex<Vec<(String, Value)>>>,
}

impl Recorder {
    fn start(socket: &Path) -> Recorder {
        let listener = std::os::unix::net::UnixListener::bind(socket).unwrap();
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let kept = bodies.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let kept = kept.clone();
                std::thread::spawn(move || serve_recorder(stream, &kept));
            }
        });
        Recorder { bodies }
    }

    /// The create bodies seen so far, by the `?name=` of their request.
    fn creates(&self) -> Vec<(String, Value)> {
        self.bodies.lock().unwrap().clone()
    }
}

fn serve_recorder(stream: std::os::unix::net::UnixStream, kept: &Mutex<Vec<(String, Value)>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut length = 0usize;
        let mut path = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if path.is_empty() {
                path = line.split_whitespace().nth(1).unwrap_or("").to_string();
            } else if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let answer = if path.ends_with("Plugin.Activate") {
            json!({"Implements": ["authz"]})
        } else {
            if path.ends_with("AuthZReq")
                && let Ok(request) = serde_json::from_slice::<Value>(&body)
                && request["RequestMethod"] == "POST"
                && uri_of(&request).contains("/containers/create")
                && let Some(encoded) = request["RequestBody"].as_str()
                && let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(encoded)
                && let Ok(create) = serde_json::from_slice::<Value>(&bytes)
            {
                let uri = uri_of(&request);
                let name = uri.split("name=").nth(1).unwrap_or("").split('&').next().unwrap_or("").to_string();
                kept.lock().unwrap().push((name, create));
            }
            json!({"Allow": true})
        };
        let text = answer.to_string();
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.plugins.v1.1+json\r\nContent-Length: {}\r\n\r\n",
            text.len()
        );
        if writer.write_all(head.as_bytes()).and_then(|_| writer.write_all(text.as_bytes())).is_err() {
            return;
        }
    }
}

/// The request's URI: moby spells the key `RequestUri`.
fn uri_of(request: &Value) -> &str {
    request["RequestUri"].as_str().or(request["RequestURI"].as_str()).unwrap_or("")
}

/// A `dockerd` of our own: temp data and exec roots, a unix socket, no networking, nothing pulled.
struct Daemon {
    child: Child,
    dir: tempfile::TempDir,
    specs: Vec<PathBuf>,
}

impl Daemon {
    /// Start one with these authorization plugins (name → socket); `Err` says why it cannot run here.
    fn start(dir: tempfile::TempDir, plugins: &[(&str, &Path)]) -> Result<Daemon, String> {
        let dockerd = ["/usr/sbin/dockerd", "/usr/bin/dockerd"].into_iter().find(|p| Path::new(p).exists());
        let Some(dockerd) = dockerd else { return Err("dockerd is not installed (apt-get install docker.io)".into()) };
        let uid = Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
        if uid.ok().as_deref() != Some("0") {
            return Err("dockerd needs root".into());
        }
        std::fs::create_dir_all("/etc/docker/plugins").map_err(|e| format!("/etc/docker/plugins: {e}"))?;
        let mut specs = Vec::new();
        let mut args: Vec<String> = vec![
            "--data-root".into(),
            dir.path().join("data").display().to_string(),
            "--exec-root".into(),
            dir.path().join("exec").display().to_string(),
            "--pidfile".into(),
            dir.path().join("d.pid").display().to_string(),
            "-H".into(),
            format!("unix://{}", dir.path().join("docker.sock").display()),
            "--iptables=false".into(),
            "--ip6tables=false".into(),
            "--bridge=none".into(),
            "--storage-driver=vfs".into(),
        ];
        for (name, socket) in plugins {
            let spec = PathBuf::from(format!("/etc/docker/plugins/{name}.spec"));
            std::fs::write(&spec, format!("unix://{}\n", socket.display())).unwrap();
            specs.push(spec);
            args.push(format!("--authorization-plugin={name}"));
        }
        let log = std::fs::File::create(dir.path().join("dockerd.log")).unwrap();
        let child = Command::new(dockerd)
            .args(&args)
            .env("HTTP_PROXY", "http://127.0.0.1:9")
            .env("HTTPS_PROXY", "http://127.0.0.1:9")
            .env("NO_PROXY", "")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("dockerd does not start: {e}"))?;
        let mut daemon = Daemon { child, dir, specs };
        let started = Instant::now();
        loop {
            if daemon.docker(&["version", "--format", "{{.Server.Version}}"]).0 {
                return Ok(daemon);
            }
            if let Ok(Some(status)) = daemon.child.try_wait() {
                return Err(format!("dockerd exited with {status}: {}", daemon.log()));
            }
            if started.elapsed() > Duration::from_secs(60) {
                return Err(format!("dockerd did not answer within 60 s: {}", daemon.log()));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn host(&self) -> String {
        format!("unix://{}", self.dir.path().join("docker.sock").display())
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dockerd.log")).unwrap_or_default()
    }

    /// Run the docker client against this daemon: (success, stdout, stderr).
    fn docker(&self, args: &[&str]) -> (bool, String, String) {
        self.run(Command::new("docker").args(args))
    }

    fn run(&self, command: &mut Command) -> (bool, String, String) {
        let out = command
            .env("DOCKER_HOST", self.host())
            .env("HTTP_PROXY", "http://127.0.0.1:9")
            .env("HTTPS_PROXY", "http://127.0.0.1:9")
            .env("DOCKER_CONFIG", self.dir.path().join("client"))
            .output()
            .expect("the docker client runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// A tiny local image (busybox), imported: nothing is pulled.
    fn import_tiny_image(&self) {
        let rootfs = self.dir.path().join("rootfs");
        std::fs::create_dir_all(rootfs.join("bin")).unwrap();
        let busybox = ["/bin/busybox", "/usr/bin/busybox"].into_iter().find(|p| Path::new(p).exists());
        if let Some(busybox) = busybox {
            std::fs::copy(busybox, rootfs.join("bin/busybox")).unwrap();
            for tool in ["sh", "sleep", "true"] {
                std::os::unix::fs::symlink("busybox", rootfs.join("bin").join(tool)).unwrap();
            }
        } else {
            std::fs::write(rootfs.join("bin/true"), b"").unwrap();
        }
        let tar = Command::new("tar").arg("-C").arg(&rootfs).args(["-cf", "-", "."]).output().unwrap();
        assert!(tar.status.success());
        let mut import = Command::new("docker")
            .args(["import", "-", "local/tiny:1"])
            .env("DOCKER_HOST", self.host())
            .env("DOCKER_CONFIG", self.dir.path().join("client"))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        import.stdin.take().unwrap().write_all(&tar.stdout).unwrap();
        let out = import.wait_with_output().unwrap();
        assert!(out.status.success(), "docker import: {}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.child.id().to_string()).status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        for spec in &self.specs {
            let _ = std::fs::remove_file(spec);
        }
    }
}

/// The daemon, or: outside CI skip with the reason; under CI fail.
fn daemon_or_skip(dir: tempfile::TempDir, plugins: &[(&str, &Path)]) -> Option<Daemon> {
    match Daemon::start(dir, plugins) {
        Ok(daemon) => Some(daemon),
        Err(why) if std::env::var_os("CI").is_none() => {
            eprintln!("SKIPPED: a real dockerd cannot start here: {why}");
            None
        }
        Err(why) => panic!("CI runs this test with a real dockerd, which cannot start: {why}"),
    }
}

fn compose_binary() -> PathBuf {
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/bin/docker-compose");
    assert!(local.exists(), "Docker Compose v2 is installed by scripts/install-toolchains.sh at {}", local.display());
    local
}

/// Rules that read other services of the compose file, which a container alone does not carry.
const CROSS_SERVICE: &[&str] = &["health/depends-on-not-healthy"];

const STACK: &str = "\
name: authz
services:
  good:
    image: local/tiny:1
    pull_policy: never
    command: [sleep, '30']
    user: '1000'
    read_only: true
    cap_drop: [ALL]
    security_opt: ['no-new-privileges:true']
    mem_limit: 256m
    mem_reservation: 128m
    cpus: 0.5
    pids_limit: 64
    network_mode: none
    restart: unless-stopped
    logging: { driver: json-file, options: { max-size: 10m } }
    healthcheck: { test: [CMD, 'true'], interval: 30s, timeout: 5s, retries: 3 }
  bad:
    image: local/tiny:1
    pull_policy: never
    command: [sleep, '30']
    network_mode: none
    privileged: true
    depends_on: [good]
";

#[test]
fn a_real_docker_engine_admits_through_the_plugin() {
    let dir = tempfile::Builder::new().prefix("plimsoll-authz-").tempdir_in("/tmp").unwrap();
    let plugin_socket = dir.path().join("plimsoll.sock");
    let recorder_socket = dir.path().join("recorder.sock");
    let recorder = Recorder::start(&recorder_socket);
    let unique = format!("{}-{}", std::process::id(), Instant::now().elapsed().as_nanos());
    let (plimsoll_name, recorder_name) = (format!("plimsoll-test-{unique}"), format!("recorder-test-{unique}"));
    // The daemon refuses every request until its plugins answer: plimsoll starts first, told
    // where the daemon will listen.
    let daemon_dir = tempfile::Builder::new().prefix("plimsoll-dockerd-").tempdir_in("/tmp").unwrap();
    let daemon_host = format!("unix://{}", daemon_dir.path().join("docker.sock").display());
    let config = format!("{ADMISSION_CONFIG}host:\n  memory: 1GiB\n  cpus: 4\n");
    let server = Server::start(
        &[("plimsoll.yaml", config.as_bytes())],
        &[
            "--config",
            "plimsoll.yaml",
            "--docker-authz-socket",
            plugin_socket.to_str().unwrap(),
            "--docker-host",
            &daemon_host,
        ],
    );
    let plugins =
        [(recorder_name.as_str(), recorder_socket.as_path()), (plimsoll_name.as_str(), plugin_socket.as_path())];
    let Some(daemon) = daemon_or_skip(daemon_dir, &plugins) else {
        return;
    };
    daemon.import_tiny_image();

    // docker create: denied without a memory limit, naming the rule; allowed with one.
    let (ok, _, stderr) =
        daemon.docker(&["create", "--pull", "never", "--network", "none", "local/tiny:1", "sleep", "30"]);
    assert!(!ok, "created without a memory limit");
    assert!(stderr.contains(&format!("authorization denied by plugin {plimsoll_name}")), "{stderr}");
    assert!(stderr.contains("resources/memory-limit-missing"), "{stderr}");
    let good = [
        "create",
        "--pull",
        "never",
        "--network",
        "none",
        "--user",
        "1000",
        "--read-only",
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges:true",
        "--memory",
        "256m",
        "--memory-reservation",
        "128m",
        "--cpus",
        "0.5",
        "--pids-limit",
        "64",
        "--restart",
        "unless-stopped",
        "--log-opt",
        "max-size=10m",
        "--health-cmd",
        "true",
        "--health-interval",
        "30s",
        "--health-timeout",
        "5s",
        "--health-retries",
        "3",
    ];
    let (ok, id, stderr) = daemon.docker(&[&good[..], &["--name", "first", "local/tiny:1", "sleep", "30"]].concat());
    assert!(ok, "the good container is refused: {stderr}\n{}", server.log_text());
    assert!(!id.trim().is_empty());
    let (ok, _, stderr) = daemon.docker(&[&good[..], &["--privileged", "local/tiny:1", "sleep", "30"]].concat());
    assert!(!ok && stderr.contains("security/privileged"), "privileged: {stderr}");
    // An update is checked as the container it makes (read from the daemon, the update on top).
    let (ok, _, stderr) = daemon.docker(&["update", "--cpus", "1", "first"]);
    assert!(ok, "a harmless update is refused: {stderr}");
    let (ok, _, stderr) = daemon.docker(&["update", "--memory-reservation", "1g", "first"]);
    assert!(!ok && stderr.contains("resources/reservation-exceeds-limit"), "reservation above the limit: {stderr}");

    // The host budget counts what already runs: 1 GiB, two containers reserving 400 MiB each
    // are admitted, the third is refused naming them.
    let reserve = |name: &str| {
        let mut args = good.to_vec();
        let at = args.iter().position(|a| *a == "128m").unwrap();
        args[at] = "400m";
        let at = args.iter().position(|a| *a == "256m").unwrap();
        args[at] = "450m";
        daemon.docker(&[&args[..], &["--name", name, "local/tiny:1", "sleep", "30"]].concat())
    };
    let (ok, _, stderr) = daemon.docker(&["rm", "-f", "first"]);
    assert!(ok, "{stderr}");
    for name in ["budget-a", "budget-b"] {
        let (ok, _, stderr) = reserve(name);
        assert!(ok, "{name}: {stderr}");
        let (ok, _, stderr) = daemon.docker(&["start", name]);
        assert!(ok, "{name} starts: {stderr}");
    }
    let (ok, _, stderr) = reserve("budget-c");
    assert!(!ok, "the third container fits a host already holding two");
    assert!(stderr.contains("resources/host-memory-budget"), "{stderr}");
    assert!(
        stderr.contains("already on this host: ") && stderr.contains("budget-a") && stderr.contains("budget-b"),
        "{stderr}"
    );
    for name in ["budget-a", "budget-b"] {
        daemon.docker(&["rm", "-f", name]);
    }

    // Docker Compose: the privileged service is refused, the good one created.
    let project = dir.path().join("stack");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join("compose.yaml"), STACK).unwrap();
    let (ok, _, stderr) =
        daemon.run(Command::new(compose_binary()).args(["up", "--no-start", "--pull", "never"]).current_dir(&project));
    assert!(!ok, "compose up succeeded with a privileged service");
    assert!(stderr.contains("security/privileged"), "{stderr}");
    let (_, names, _) =
        daemon.docker(&["ps", "-a", "--filter", "label=com.docker.compose.project=authz", "--format", "{{.Names}}"]);
    assert!(names.lines().any(|n| n.contains("good")), "good was not created: {names}\n{stderr}");
    assert!(!names.lines().any(|n| n.contains("bad")), "bad was created: {names}");

    // The bodies Compose sent, checked one by one with every finding listed (`fail-on: info`),
    // give the findings `plimsoll check` gives the compose file, service by service.
    let all = Server::start(
        &[("plimsoll.yaml", b"fail-on: info\ndocker-authz: { live-budget: false }\n")],
        &["--config", "plimsoll.yaml"],
    );
    std::fs::write(dir.path().join("all.yaml"), "fail-on: info\n").unwrap();
    let check = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(["check", "--format", "json", "--config"])
        .arg(dir.path().join("all.yaml"))
        .arg(project.join("compose.yaml"))
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&check.stdout).unwrap();
    let creates = recorder.creates();
    for service in ["good", "bad"] {
        let (name, body) = creates
            .iter()
            .find(|(_, b)| b["Labels"]["com.docker.compose.service"] == service)
            .unwrap_or_else(|| panic!("compose sent no create for {service}: {creates:?}"));
        let uri = format!("/v1.41/containers/create?name={name}");
        let answer = ask(&all, &authz_request("POST", &uri, Some(body.to_string().as_bytes())));
        let msg = answer["Msg"].as_str().unwrap_or("");
        let mut from_plugin: Vec<String> = msg
            .lines()
            .skip(1)
            .filter_map(|l| l.strip_prefix(&format!("service {service}: ")))
            .filter_map(|l| l.rsplit_once(" (").map(|(_, r)| r.split([';', ')']).next().unwrap().to_string()))
            .collect();
        from_plugin.sort();
        let mut from_check: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["service"] == service)
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect();
        from_check.sort();
        // `depends_on` lives in the compose file, not in the container: only the compose context
        // (below) sees it.
        let from_file: Vec<String> =
            from_check.iter().filter(|r| !CROSS_SERVICE.contains(&r.as_str())).cloned().collect();
        assert!(from_check.len() < 12, "the comparison needs every finding listed: {from_check:?}");
        assert_eq!(from_plugin, from_file, "{service}: the create body Compose sent\n{body:#}\n{msg}");
    }

    // With the stack's directory among `project-roots`, the labels Compose wrote lead to the whole
    // project: the cross-service finding appears, located in the compose file.
    let roots = format!(
        "fail-on: info\ndocker-authz:\n  live-budget: false\n  project-roots: [{:?}]\n",
        dir.path().display().to_string()
    );
    let context = Server::start(&[("plimsoll.yaml", roots.as_bytes())], &["--config", "plimsoll.yaml"]);
    // The body is always checked too: labels of the good service on a privileged body do not pass.
    let (_, good_sent) = creates.iter().find(|(_, b)| b["Labels"]["com.docker.compose.service"] == "good").unwrap();
    let mut forged = good_sent.clone();
    forged["HostConfig"]["Privileged"] = json!(true);
    let answer =
        ask(&context, &authz_request("POST", "/v1.41/containers/create?name=f", Some(forged.to_string().as_bytes())));
    assert!(answer["Allow"] == false && answer["Msg"].as_str().unwrap().contains("security/privileged"), "{answer}");
    let (name, bad) = creates.iter().find(|(_, b)| b["Labels"]["com.docker.compose.service"] == "bad").unwrap();
    let answer = ask(
        &context,
        &authz_request("POST", &format!("/v1.41/containers/create?name={name}"), Some(bad.to_string().as_bytes())),
    );
    let msg = answer["Msg"].as_str().unwrap();
    assert!(msg.contains("(health/depends-on-not-healthy; "), "{msg}");
    assert!(msg.contains("compose.yaml:"), "findings are located in the compose file: {msg}");
    // Labels naming files outside the roots: the container is checked alone, and the log says so.
    let mut outside = bad.clone();
    outside["Labels"]["com.docker.compose.project.config_files"] = json!("/etc/passwd");
    outside["Labels"]["com.docker.compose.project.working_dir"] = json!("/etc");
    let answer =
        ask(&context, &authz_request("POST", "/v1.41/containers/create?name=x", Some(outside.to_string().as_bytes())));
    let msg = answer["Msg"].as_str().unwrap();
    assert!(!msg.contains("depends-on-not-healthy") && !msg.contains("root:"), "{msg}");
    assert!(context.log_text().contains("compose context not used"), "{}", context.log_text());
    drop(server);
    drop(daemon);
}
