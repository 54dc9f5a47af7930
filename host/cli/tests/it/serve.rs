//! `plimsoll serve` through the real binary on 127.0.0.1 (a port the kernel picks): the check API
//! agrees with `plimsoll check` for JSON and `.tar.gz` uploads, refuses escapes and bad input with
//! 4xx, times out a looping pack with 504, sheds load with 503, survives a panicking pack, reloads
//! its configuration without failing requests, drains on SIGTERM, serves TLS and mTLS, and exposes
//! health, readiness, metrics and an OpenAPI document that matches its answers. Every loop is
//! bounded; every server is stopped by pid.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(crate) struct Server {
    child: Child,
    pub(crate) port: u16,
    log: PathBuf,
    /// The server's `TMPDIR`: a directory that does not exist, so that any temporary file the
    /// server tried to create would fail its request.
    pub(crate) tmp: PathBuf,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Start `plimsoll serve` with `args` in a fresh directory holding `files`; wait until ready.
    pub(crate) fn start(files: &[(&str, &[u8])], args: &[&str]) -> Server {
        Self::start_with(files, args, true)
    }

    pub(crate) fn start_with(files: &[(&str, &[u8])], args: &[&str], wait_ready: bool) -> Server {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        let log = dir.path().join("server.log");
        let tmp = dir.path().join("no-tmp");
        let child = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
            .arg("serve")
            .args(["--listen", "127.0.0.1:0", "--log-format", "json"])
            .args(args)
            .current_dir(dir.path())
            .env("PLIMSOLL_CACHE_DIR", std::env::temp_dir().join("plimsoll-cli-tests-cache"))
            .env("TMPDIR", &tmp)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("the server starts");
        let mut server = Server { child, port: 0, log, tmp, _dir: dir };
        let started = Instant::now();
        while server.port == 0 {
            assert!(started.elapsed() < Duration::from_secs(60), "no listen line: {}", server.log_text());
            if let Some(port) = server.log_text().lines().find_map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).ok()?;
                v["listen"].as_str()?.rsplit(':').next()?.parse().ok()
            }) {
                server.port = port;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if wait_ready {
            server.wait_ready();
        }
        server
    }

    fn wait_ready(&self) {
        self.wait_ready_on(self.port);
    }

    fn wait_ready_on(&self, port: u16) {
        let started = Instant::now();
        loop {
            if request(port, "GET", "/readyz", &[], b"").status == 200 {
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(120), "never ready: {}", self.log_text());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub(crate) fn dir(&self) -> &Path {
        self._dir.path()
    }

    pub(crate) fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub(crate) fn get(&self, path: &str) -> Response {
        request(self.port, "GET", path, &[], b"")
    }

    fn check(&self, body: &serde_json::Value) -> Response {
        request(self.port, "POST", "/v1/check", &[("Content-Type", "application/json")], body.to_string().as_bytes())
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill").args([&format!("-{name}"), &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }

    /// Wait (bounded) for the process to exit; its exit code.
    fn wait(&mut self, limit: Duration) -> Option<i32> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Response {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, String::from_utf8_lossy(&self.body)))
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request on a fresh connection (`Connection: close`).
pub(crate) fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    exchange(&mut stream, method, path, headers, body)
}

fn exchange(stream: &mut impl ReadWrite, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    parse_response(&raw)
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

fn parse_response(raw: &[u8]) -> Response {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or_else(|| {
        panic!("no HTTP response: {:?}", String::from_utf8_lossy(raw));
    });
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split_whitespace().nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))).collect();
    let mut body = raw[split + 4..].to_vec();
    if headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v == "chunked") {
        body = dechunk(&body);
    }
    Response { status, headers, body }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[end + 4 + size..];
    }
    out
}

fn stack_dir() -> PathBuf {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/acceptance/ziggie-before");
    if shared.is_dir() { shared } else { Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/ziggie-before") }
}

fn files_below(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
                out.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// (rule, file, line, column, message) of a JSON report, sorted.
fn findings(report: &serde_json::Value) -> Vec<(String, String, u64, u64, String)> {
    let mut list: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    list.sort();
    list
}

const HOSTILE_CONFIG: &str = "packs: [hostile.wasm]\nsettings:\n  hostile: { mode: ok }\n";

fn hostile_files() -> Vec<(&'static str, &'static [u8])> {
    vec![("plimsoll.yaml", HOSTILE_CONFIG.as_bytes()), ("hostile.wasm", plimsoll_tests::HOSTILE_WASM)]
}

fn small_project() -> serde_json::Value {
    serde_json::json!({ "files": { "compose.yaml": "services:\n  web:\n    image: nginx:1.27.0\n    privileged: true\n" } })
}

fn with_mode(mode: &str) -> serde_json::Value {
    let mut body = small_project();
    body["config"] = serde_json::json!({ "settings": { "hostile": { "mode": mode } } });
    body
}

#[test]
fn uploads_as_json_and_tar_gz_agree_with_plimsoll_check() {
    // The stack, copied outside any repository so that the CLI's paths are the stack's own.
    let copy = tempfile::tempdir().unwrap();
    let files = files_below(&stack_dir());
    for (name, bytes) in &files {
        let path = copy.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    let cli = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(["check", ".", "--format", "json", "--config", "plimsoll.yaml"])
        .current_dir(copy.path())
        .env("PLIMSOLL_CACHE_DIR", std::env::temp_dir().join("plimsoll-cli-tests-cache"))
        .output()
        .unwrap();
    let expected: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();
    assert!(findings(&expected).len() > 20, "the stack has findings to compare");

    // The server runs with the stack's plimsoll.yaml as its configuration.
    let config = std::fs::read(copy.path().join("plimsoll.yaml")).unwrap();
    let server = Server::start(&[("plimsoll.yaml", &config)], &["--config", "plimsoll.yaml"]);
    let body = serde_json::json!({
        "files": files.iter().map(|(n, b)| (n.clone(), serde_json::Value::String(String::from_utf8_lossy(b).to_string()))).collect::<serde_json::Map<_, _>>(),
    });
    let answer = server.check(&body);
    assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
    let report = answer.json();
    assert_eq!(report["decision"], expected["decision"]);
    assert_eq!(findings(&report), findings(&expected));
    assert!(answer.header("x-request-id").is_some());

    let tarball = copy.path().join("../stack.tar.gz");
    let status = Command::new("tar").arg("czf").arg(&tarball).arg("-C").arg(copy.path()).arg(".").status().unwrap();
    assert!(status.success());
    let bytes = std::fs::read(&tarball).unwrap();
    let answer = request(server.port, "POST", "/v1/check", &[("Content-Type", "application/gzip")], &bytes);
    assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
    assert_eq!(findings(&answer.json()), findings(&expected));
    let _ = std::fs::remove_file(tarball);

    // Another format, and the catalog.
    let sarif = request(
        server.port,
        "POST",
        "/v1/check?format=sarif",
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    );
    assert_eq!(sarif.status, 200);
    assert_eq!(sarif.json()["version"], "2.1.0");
    let rules = server.get("/v1/rules").json();
    assert!(rules["rules"].as_array().unwrap().iter().any(|r| r["id"] == "security/privileged"));
    let rule = server.get("/v1/rules/security/privileged").json();
    assert!(rule["docs"].as_str().unwrap().contains("## What it does"));
    assert_eq!(server.get("/v1/rules/security/nope").status, 404);
    // Uploads are loaded from memory: with a `TMPDIR` that does not exist, every request above
    // still answered (a temporary directory per upload would have failed them), and none made it.
    assert!(!server.tmp.exists(), "the server created its TMPDIR");
}

#[test]
fn bad_input_is_a_4xx_that_says_why_and_the_server_recovers() {
    let server = Server::start(&[], &["--max-body", "64KiB"]);
    let escape = |name: &str| server.check(&serde_json::json!({ "files": { name: "services: {}\n" } }));
    for name in ["../compose.yaml", "/etc/compose.yaml", "a/../../compose.yaml"] {
        let answer = escape(name);
        assert_eq!(answer.status, 400, "{name}");
        assert!(answer.json()["error"]["message"].as_str().unwrap().contains("not a relative path inside"));
    }
    // A symlink in a tar is refused, never followed.
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("compose.yaml")).unwrap();
    let tarball = dir.path().join("x.tar.gz");
    let status =
        Command::new("tar").arg("czf").arg(&tarball).arg("-C").arg(dir.path()).arg("compose.yaml").status().unwrap();
    assert!(status.success());
    let answer = request(
        server.port,
        "POST",
        "/v1/check",
        &[("Content-Type", "application/gzip")],
        &std::fs::read(&tarball).unwrap(),
    );
    assert_eq!(answer.status, 400);
    assert!(answer.json()["error"]["message"].as_str().unwrap().contains("symbolic link"));

    let malformed =
        request(server.port, "POST", "/v1/check", &[("Content-Type", "application/json")], b"{\"files\": [");
    assert_eq!(malformed.status, 400);
    assert!(malformed.json()["error"]["message"].as_str().unwrap().starts_with("request body: line 1"));
    let broken = server.check(&serde_json::json!({ "files": { "compose.yaml": "services:\n  web: [\n" } }));
    assert_eq!(broken.status, 400);
    let errors = broken.json()["error"]["errors"].clone();
    assert_eq!(errors[0]["file"], "compose.yaml", "{errors}");
    assert!(errors[0]["line"].as_u64().is_some(), "{errors}");
    let big = serde_json::json!({ "files": { "compose.yaml": "#".repeat(70_000) } });
    assert_eq!(server.check(&big).status, 413);
    let wrong_type = request(server.port, "POST", "/v1/check", &[("Content-Type", "text/plain")], b"x");
    assert_eq!(wrong_type.status, 415);
    let bad_config = server.check(
        &serde_json::json!({ "files": { "compose.yaml": "services: {}\n" }, "config": { "packs": ["/etc/x.wasm"] } }),
    );
    assert_eq!(bad_config.status, 400);
    assert_eq!(server.get("/nowhere").status, 404);
    // The process environment never fills a variable of an upload.
    let env = server.check(
        &serde_json::json!({ "files": { "compose.yaml": "services:\n  web:\n    image: \"nginx:${HOME:-unset}\"\n" } }),
    );
    assert_eq!(env.status, 200);
    assert!(!String::from_utf8_lossy(&env.body).contains(&std::env::var("HOME").unwrap_or_else(|_| "/root".into())));
    // References that leave the upload are located errors, and nothing outside is read.
    let secret = tempfile::tempdir().unwrap();
    std::fs::write(secret.path().join("secret.env"), "TOKEN=do-not-leak-7f3a\n").unwrap();
    std::fs::write(secret.path().join("base.yaml"), "services:\n  base:\n    image: do-not-leak-7f3a:1\n").unwrap();
    std::fs::write(secret.path().join("Dockerfile"), "FROM do-not-leak-7f3a:1\n").unwrap();
    let outside = secret.path().display().to_string();
    let cases = [
        format!("services:\n  web:\n    image: nginx:1.27.0\n    env_file: {outside}/secret.env\n"),
        format!("services:\n  web:\n    extends:\n      file: {outside}/base.yaml\n      service: base\n"),
        format!("include:\n  - {outside}/base.yaml\nservices:\n  web:\n    image: nginx:1.27.0\n"),
        format!("services:\n  web:\n    build:\n      context: {outside}\n"),
        "services:\n  web:\n    build:\n      context: .\n      dockerfile: ../../../../../../etc/hostname\n"
            .to_string(),
    ];
    for compose in &cases {
        let answer = server.check(&serde_json::json!({ "files": { "compose.yaml": compose } }));
        let text = String::from_utf8_lossy(&answer.body).to_string();
        assert_eq!(answer.status, 400, "{compose}: {text}");
        assert!(text.contains("outside the project directory"), "{compose}: {text}");
        assert!(!text.contains("do-not-leak-7f3a"), "{compose}: {text}");
        assert_eq!(answer.json()["error"]["errors"][0]["file"], "compose.yaml", "{text}");
    }
    assert_eq!(server.check(&small_project()).status, 200, "the server recovers");
}

#[test]
fn a_locked_server_takes_neither_a_configuration_nor_waivers_from_the_request() {
    let waived = serde_json::json!({ "files": { "compose.yaml":
        "services:\n  web:\n    image: nginx:1.27.0\n    privileged: true  # plimsoll-ignore: security/privileged -- trust me\n" } });
    let relaxed = {
        let mut body = small_project();
        body["config"] = serde_json::json!({ "fail-on": "critical", "rules": { "security/privileged": "off" } });
        body
    };
    let rules = |answer: &Response| findings(&answer.json()).into_iter().map(|f| f.0).collect::<Vec<_>>();
    // By default a request may bring its configuration and waive in its files.
    let open = Server::start(&[], &[]);
    let answer = open.check(&waived);
    assert_eq!(answer.status, 200);
    assert!(!rules(&answer).contains(&"security/privileged".to_string()), "{:?}", rules(&answer));
    let answer = open.check(&relaxed);
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["decision"], "warn", "{}", answer.json());
    assert!(!rules(&answer).contains(&"security/privileged".to_string()), "{:?}", rules(&answer));
    drop(open);
    // Locked: the waiver waives nothing, and a request carrying `config` is refused, saying why.
    let locked = Server::start(&[], &["--forbid-request-config", "--ignore-inline-waivers"]);
    let answer = locked.check(&waived);
    assert_eq!(answer.status, 200);
    assert!(rules(&answer).contains(&"security/privileged".to_string()), "{:?}", rules(&answer));
    assert_eq!(answer.json()["decision"], "fail");
    let answer = locked.check(&relaxed);
    assert_eq!(answer.status, 403);
    let message = answer.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(message.starts_with("config: ") && message.contains("--forbid-request-config"), "{message}");
    assert_eq!(locked.check(&small_project()).status, 200);
}

#[test]
fn a_looping_pack_times_out_a_panicking_one_fails_only_its_requests_and_a_full_queue_sheds_load() {
    let server =
        Arc::new(Server::start(&hostile_files(), &["--config", "plimsoll.yaml", "--workers", "2", "--queue", "0"]));
    let slow = server.check(&with_mode("loop"));
    assert_eq!(slow.status, 504, "{}", String::from_utf8_lossy(&slow.body));
    assert!(slow.json()["error"]["message"].as_str().unwrap().contains("pack `hostile` ran out of time"));
    assert_eq!(server.check(&small_project()).status, 200, "recovers after a timeout");

    // A panicking pack fails its own request's decision; concurrent good requests pass through.
    let panicking = {
        let server = server.clone();
        std::thread::spawn(move || (0..4).map(|_| server.check(&with_mode("panic"))).collect::<Vec<_>>())
    };
    for _ in 0..8 {
        let good = server.check(&small_project());
        assert!(good.status == 200 || good.status == 503, "{}", good.status);
        if good.status == 200 {
            assert!(good.json()["errors"].as_array().unwrap().is_empty());
        }
    }
    for answer in panicking.join().unwrap() {
        if answer.status == 503 {
            continue;
        }
        assert_eq!(answer.status, 200);
        let report = answer.json();
        assert_eq!(report["decision"], "fail", "a trapped pack fails the decision");
        assert_eq!(report["errors"][0]["pack"], "hostile");
    }

    // Two workers busy with looping packs and no queue: the third request is shed with 503.
    let busy: Vec<_> = (0..2)
        .map(|_| {
            let server = server.clone();
            std::thread::spawn(move || server.check(&with_mode("loop")).status)
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let shed = server.check(&small_project());
    assert_eq!(shed.status, 503);
    assert_eq!(shed.header("retry-after"), Some("1"));
    for b in busy {
        assert_eq!(b.join().unwrap(), 504);
    }
    assert_eq!(server.check(&small_project()).status, 200, "recovers once the workers are free");

    let metrics = String::from_utf8(server.get("/metrics").body).unwrap();
    assert!(metrics.contains("plimsoll_evaluations_total{pack=\"hostile\",outcome=\"timeout\"}"), "{metrics}");
    assert!(metrics.contains("plimsoll_http_requests_total{endpoint=\"/v1/check\",status=\"503\"}"), "{metrics}");
}

#[test]
fn reloads_keep_serving_and_a_broken_config_keeps_the_old_one() {
    let server = Arc::new(Server::start(&[("plimsoll.yaml", b"fail-on: high\n")], &["--config", "plimsoll.yaml"]));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stream = {
        let (server, stop) = (server.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut statuses = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::SeqCst) && statuses.len() < 2000 {
                statuses.push(server.check(&small_project()).status);
            }
            statuses
        })
    };
    let has_privileged = || {
        server.check(&small_project()).json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "security/privileged")
    };
    assert!(has_privileged());
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(server.dir().join("plimsoll.yaml"), "rules:\n  security/privileged: off\n").unwrap();
    let started = Instant::now();
    while has_privileged() {
        assert!(started.elapsed() < Duration::from_secs(30), "the new configuration never took effect");
        std::thread::sleep(Duration::from_millis(100));
    }
    // A broken configuration keeps the good one, is reported, and the server stays ready.
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(server.dir().join("plimsoll.yaml"), "rules:\n  security/privileged: sometimes\n").unwrap();
    let started = Instant::now();
    loop {
        let ready = server.get("/readyz");
        assert_eq!(ready.status, 200);
        if let Some(error) = ready.json()["last_reload_error"].as_str() {
            assert!(error.contains("plimsoll.yaml:2"), "{error}");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the failed reload was never reported");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!has_privileged(), "the last good configuration is still in force");
    // SIGHUP reloads too (here: the same broken file, counted again).
    server.signal("HUP");
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let statuses = stream.join().unwrap();
    assert!(statuses.len() > 5 && statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let started = Instant::now();
    loop {
        let metrics = String::from_utf8(server.get("/metrics").body).unwrap();
        let count = |result: &str| {
            metrics
                .lines()
                .find(|l| l.starts_with(&format!("plimsoll_config_reloads_total{{result=\"{result}\"}}")))
                .and_then(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
                .unwrap_or(0)
        };
        if count("failed") >= 2 {
            assert_eq!(count("ok"), 2, "the first load and one good reload: {metrics}");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "SIGHUP did not reload: {metrics}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn sigterm_drains_in_flight_requests_and_exits_0() {
    let mut server = Server::start(&hostile_files(), &["--config", "plimsoll.yaml", "--shutdown-grace", "10s"]);
    let port = server.port;
    let slow = std::thread::spawn(move || {
        request(
            port,
            "POST",
            "/v1/check",
            &[("Content-Type", "application/json")],
            with_mode("loop").to_string().as_bytes(),
        )
    });
    std::thread::sleep(Duration::from_millis(300));
    server.signal("TERM");
    let answer = slow.join().unwrap();
    assert_eq!(answer.status, 504, "the request in flight is answered, not dropped");
    assert_eq!(server.wait(Duration::from_secs(20)), Some(0), "{}", server.log_text());
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err(), "no longer listening");
}

#[test]
fn health_readiness_metrics_and_openapi() {
    // Without the compiled-component cache the packs take a while to compile: long enough to see
    // the server alive but not ready, refusing checks.
    let server = Server::start_with(&[], &["--no-cache", "--ops-listen", "127.0.0.1:0"], false);
    assert_eq!(server.get("/healthz").status, 404, "health is on the ops port only");
    let ops_port = server
        .log_text()
        .lines()
        .find_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            v["ops"].as_str()?.rsplit(':').next()?.parse::<u16>().ok()
        })
        .expect("the ops port is logged");
    assert_eq!(request(ops_port, "GET", "/healthz", &[], b"").status, 200, "alive while loading");
    let loading = request(ops_port, "GET", "/readyz", &[], b"");
    assert_eq!(loading.status, 503, "{}", String::from_utf8_lossy(&loading.body));
    assert!(loading.json()["reasons"][0].as_str().unwrap().contains("loading"));
    let refused = server.check(&small_project());
    assert_eq!(refused.status, 503, "no policy, no answer (fail closed)");
    server.wait_ready_on(ops_port);
    assert_eq!(request(ops_port, "GET", "/healthz", &[], b"").status, 200);
    // The image's HEALTHCHECK: `plimsoll probe` exits 0 on a 2xx, 1 otherwise.
    let probe =
        |url: String| Command::new(env!("CARGO_BIN_EXE_plimsoll")).args(["probe", &url]).status().unwrap().code();
    assert_eq!(probe(format!("http://127.0.0.1:{ops_port}/healthz")), Some(0));
    assert_eq!(probe(format!("http://127.0.0.1:{}/healthz", server.port)), Some(1), "404 is unhealthy");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    assert_eq!(probe(format!("http://127.0.0.1:{closed}/healthz")), Some(1));
    let ready = request(ops_port, "GET", "/readyz", &[], b"").json();
    assert_eq!(ready["packs"], serde_json::json!(["resources", "health", "image", "security"]));

    let count = |text: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with("plimsoll_http_requests_total{endpoint=\"/v1/check\",status=\"200\"}"))
            .and_then(|l| l.rsplit(' ').next()?.parse().ok())
            .unwrap_or(0.0)
    };
    let before = String::from_utf8(request(ops_port, "GET", "/metrics", &[], b"").body).unwrap();
    for _ in 0..3 {
        assert_eq!(server.check(&small_project()).status, 200);
    }
    let after = String::from_utf8(request(ops_port, "GET", "/metrics", &[], b"").body).unwrap();
    assert_eq!(count(&after), count(&before) + 3.0, "{after}");
    // Prometheus text: comments, blank lines, or `name{labels} value`.
    for line in after.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (name, value) = line.rsplit_once(' ').expect("name and value");
        assert!(value.parse::<f64>().is_ok(), "{line}");
        let metric = name.split('{').next().unwrap();
        assert!(metric.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'), "{line}");
        assert!(!name.contains('{') || name.ends_with('}'), "{line}");
    }
    for name in [
        "plimsoll_build_info",
        "plimsoll_packs_loaded",
        "plimsoll_decisions_total",
        "plimsoll_http_request_duration_seconds",
    ] {
        assert!(after.contains(name), "{name} missing: {after}");
    }

    // The OpenAPI document describes what the server answers.
    let document = server.get("/v1/openapi.json").json();
    let validate = |schema: &str, value: &serde_json::Value| {
        let root = serde_json::json!({ "$ref": format!("#/components/schemas/{schema}"), "components": document["components"] });
        let validator = jsonschema::validator_for(&root).expect("a valid schema");
        let errors: Vec<String> =
            validator.iter_errors(value).map(|e| format!("{e} at {}", e.instance_path())).collect();
        assert!(errors.is_empty(), "{schema}: {errors:?}");
    };
    validate("Report", &server.check(&small_project()).json());
    validate("Error", &server.check(&serde_json::json!({ "files": { "../x": "" } })).json());
    validate("Rule", &server.get("/v1/rules/security/privileged").json());
    validate("CheckRequest", &small_project());
    for path in ["/v1/check", "/v1/rules", "/v1/rules/{pack}/{rule}", "/healthz", "/readyz", "/metrics"] {
        assert!(document["paths"][path].is_object(), "{path}");
    }
}

#[test]
fn the_deployment_files_are_clean_by_plimsoll_itself() {
    let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy");
    let output = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(["check", ".", "--format", "json"])
        .current_dir(&deploy)
        .env("PLIMSOLL_CACHE_DIR", std::env::temp_dir().join("plimsoll-cli-tests-cache"))
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["findings"], serde_json::json!([]), "{report}");
    assert_eq!(report["errors"], serde_json::json!([]), "{report}");
    // The compose deployment, and the Kubernetes Deployment (the other manifests hold no pods).
    let projects: Vec<(&str, u64)> = report["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["path"].as_str().unwrap(), p["services"].as_u64().unwrap()))
        .collect();
    assert_eq!(projects, vec![("deploy", 1), ("deploy/kubernetes/deployment.yaml", 1)], "{report}");
    for manifest in ["deployment.yaml", "service.yaml", "hpa.yaml", "pdb.yaml", "configmap.yaml"] {
        let text = std::fs::read_to_string(deploy.join("kubernetes").join(manifest)).unwrap();
        assert!(text.contains("namespace: plimsoll"), "{manifest}");
    }
}

#[test]
fn bearer_tokens_tls_and_client_certificates() {
    let ca = rcgen::CertifiedIssuer::self_signed(
        {
            let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
            params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
            params
        },
        rcgen::KeyPair::generate().unwrap(),
    )
    .unwrap();
    let server_key = rcgen::KeyPair::generate().unwrap();
    let server_cert = rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&server_key, &ca)
        .unwrap();
    let client_key = rcgen::KeyPair::generate().unwrap();
    let client_cert =
        rcgen::CertificateParams::new(vec!["client".to_string()]).unwrap().signed_by(&client_key, &ca).unwrap();
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("tls.crt", server_cert.pem().into_bytes()),
        ("tls.key", server_key.serialize_pem().into_bytes()),
        ("ca.crt", ca.pem().into_bytes()),
        ("token", b"s3cret-token\n".to_vec()),
    ];
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let server = Server::start_with(
        &refs,
        &["--tls-cert", "tls.crt", "--tls-key", "tls.key", "--client-ca", "ca.crt", "--auth-token-file", "token"],
        false,
    );

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.der().clone()).unwrap();
    let connect = |with_client_cert: bool| -> Result<rustls::StreamOwned<rustls::ClientConnection, TcpStream>, String> {
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots.clone());
        let config = if with_client_cert {
            let key = rustls::pki_types::PrivateKeyDer::try_from(client_key.serialize_der()).unwrap();
            builder.with_client_auth_cert(vec![client_cert.der().clone()], key).unwrap()
        } else {
            builder.with_no_client_auth()
        };
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let connection = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
        let tcp = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut stream = rustls::StreamOwned::new(connection, tcp);
        stream.flush().map_err(|e| e.to_string())?;
        // Complete the handshake (the server may refuse only after the client's certificate).
        while stream.conn.is_handshaking() {
            stream.conn.complete_io(&mut stream.sock).map_err(|e| e.to_string())?;
        }
        Ok(stream)
    };
    let started = Instant::now();
    loop {
        let mut stream = connect(true).expect("mutual TLS works");
        if exchange(&mut stream, "GET", "/readyz", &[], b"").status == 200 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "never ready");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Without a client certificate the handshake (or the first read) fails.
    match connect(false) {
        Err(_) => {}
        Ok(mut stream) => {
            let _ = stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut raw = Vec::new();
            assert!(stream.read_to_end(&mut raw).is_err() || raw.is_empty(), "served without a client certificate");
        }
    }
    // A plain-text client gets nothing either.
    let plain = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    plain.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut plain = plain;
    let _ = plain.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    let mut raw = Vec::new();
    let _ = plain.read_to_end(&mut raw);
    assert!(!String::from_utf8_lossy(&raw).contains("200 OK"));

    let body = small_project().to_string();
    let mut stream = connect(true).unwrap();
    let denied = exchange(&mut stream, "POST", "/v1/check", &[("Content-Type", "application/json")], body.as_bytes());
    assert_eq!(denied.status, 401);
    let mut stream = connect(true).unwrap();
    let wrong = exchange(
        &mut stream,
        "POST",
        "/v1/check",
        &[("Content-Type", "application/json"), ("Authorization", "Bearer s3cret-tokeN")],
        body.as_bytes(),
    );
    assert_eq!(wrong.status, 401);
    let mut stream = connect(true).unwrap();
    let allowed = exchange(
        &mut stream,
        "POST",
        "/v1/check",
        &[("Content-Type", "application/json"), ("Authorization", "Bearer s3cret-token")],
        body.as_bytes(),
    );
    assert_eq!(allowed.status, 200, "{}", String::from_utf8_lossy(&allowed.body));
    assert_eq!(allowed.json()["decision"], "fail");
}
