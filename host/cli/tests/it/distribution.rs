//! Org-wide packs through a real registry (issue "Org-wide rule packs"): Debian's `docker-registry`
//! (distribution 2.8, no referrers API) started on 127.0.0.1 with a random port and a temp storage
//! directory, `skopeo` as a client nobody here wrote, and the real `plimsoll` binary for every step:
//! scaffold → build → push → sign → lock → `check --locked` with the same findings as the local
//! pack; a moved tag, unsigned, wrong-key and tampered packs refused; a corrupt store blob
//! detected; save → wipe the store, stop the registry → load → check.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use plimsoll::policy::Language;
use plimsoll_distribution::artifact::{self, Descriptor, PackConfig};
use plimsoll_distribution::registry::{Registry, RegistryOptions};
use plimsoll_distribution::{Reference, block_on};

use crate::policy_common::{acceptance_stacks, check_findings, scratch, stack_with_packs, text, toolchain, work_dir};

/// A `docker-registry` process of this test, stopped (by pid) when dropped.
struct TestRegistry {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl TestRegistry {
    fn start() -> TestRegistry {
        Self::start_with("")
    }

    /// A registry whose config has `extra` appended (e.g. an `auth:` section).
    fn start_with(extra: &str) -> TestRegistry {
        let binary = ["/usr/bin/docker-registry", "/usr/sbin/docker-registry"]
            .into_iter()
            .find(|p| Path::new(p).is_file())
            .expect("docker-registry is installed (Debian package docker-registry; .ci/run installs it)");
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr = format!("127.0.0.1:{port}");
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\n  accesslog: {{ disabled: true }}\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete: {{ enabled: true }}\nhttp:\n  addr: {addr}\n{}",
                dir.path().join("data").display(),
                extra.replace("{dir}", &dir.path().display().to_string())
            ),
        )
        .unwrap();
        let child = Command::new(binary)
            .arg("serve")
            .arg(&config)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start docker-registry");
        let registry = TestRegistry { child, addr, _dir: dir };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(&registry.addr).is_err() {
            assert!(Instant::now() < deadline, "docker-registry did not listen on {}", registry.addr);
            std::thread::sleep(Duration::from_millis(50));
        }
        registry
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `plimsoll ARGS` in `dir` with this test's store.
fn run(dir: &Path, store: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_plimsoll"));
    command
        .current_dir(dir)
        .args(args)
        .env("PLIMSOLL_STORE", store)
        .env("PLIMSOLL_CACHE_DIR", scratch("policy-cache"))
        .env("CARGO_TARGET_DIR", scratch("policy-packs-target"))
        .env("DOCKER_CONFIG", store.join("no-docker-config"))
        .env("NO_COLOR", "1");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("run plimsoll")
}

fn ok(output: Output, what: &str) -> String {
    assert!(output.status.success(), "{what}: {}", text(&output));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

fn fails(output: &Output, code: i32, needles: &[&str], what: &str) {
    let all = text(output);
    assert_eq!(output.status.code(), Some(code), "{what}: {all}");
    for needle in needles {
        assert!(all.contains(needle), "{what}: `{needle}` not in {all}");
    }
}

fn skopeo(args: &[&str]) -> Output {
    Command::new("skopeo").args(args).output().expect("skopeo is installed (Debian package skopeo)")
}

fn digest_in(text: &str) -> String {
    let at = text.find("sha256:").unwrap_or_else(|| panic!("no digest in {text}"));
    text[at..at + 71].to_string()
}

/// The stack copy's findings of `pack` via `check --locked`.
fn locked_findings(stack: &Path, store: &Path, pack: &str) -> Vec<crate::policy_common::Finding> {
    let output = run(stack, store, &["check", ".", "--format", "json", "--locked"], &[]);
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&output)));
    let errors: Vec<&serde_json::Value> = json["errors"].as_array().map(|a| a.iter().collect()).unwrap_or_default();
    assert!(errors.is_empty(), "check --locked: {errors:?}");
    let mut found: Vec<crate::policy_common::Finding> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["pack"] == pack)
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().rsplit('/').next().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

/// `plimsoll serve --locked` with the stack's configuration answers `/v1/check` with the registry
/// pack's finding for a service without the owner label.
fn served_finds(stack: &Path, store: &Path, pack: &str) {
    let log = stack.join("serve.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json", "--locked", "--config", "plimsoll.yaml"])
        .current_dir(stack)
        .env("PLIMSOLL_STORE", store)
        .env("PLIMSOLL_CACHE_DIR", scratch("policy-cache"))
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("start plimsoll serve");
    let started = Instant::now();
    let port = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(port) = text.lines().find_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            v["listen"].as_str()?.rsplit(':').next()?.parse::<u16>().ok()
        }) {
            break port;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "serve did not listen: {text}");
        std::thread::sleep(Duration::from_millis(20));
    };
    while crate::serve::request(port, "GET", "/readyz", &[], b"").status != 200 {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(started.elapsed() < Duration::from_secs(60), "serve never ready: {text}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let body = serde_json::json!({ "files": { "compose.yaml": "services:\n  api:\n    image: nginx:1.27.0\n" } });
    let answer = crate::serve::request(
        port,
        "POST",
        "/v1/check",
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    );
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
    let json = answer.json();
    let rules: Vec<&str> = json["findings"].as_array().unwrap().iter().filter_map(|f| f["rule"].as_str()).collect();
    assert!(rules.contains(&format!("{pack}/owner-label-missing").as_str()), "{json}");
}

fn blob_path(store: &Path, digest: &str) -> PathBuf {
    store.join("blobs/sha256").join(&digest["sha256:".len()..])
}

#[test]
fn registry_round_trip_with_signatures_lock_and_air_gap() {
    let test = "registry_round_trip_with_signatures_lock_and_air_gap";
    if !toolchain(Language::Rust, test) {
        return;
    }
    let mut registry = TestRegistry::start();
    let work = work_dir("distribution");
    let store = work.join("store");
    let name = "team-oci";
    let pack = work.join(name);

    // scaffold → build (the same Rust path an author takes).
    ok(run(&work, &store, &["policy", "new", name, "--lang", "rust"], &[]), "policy new");
    ok(run(&work, &store, &["policy", "build", name], &[]), "policy build");

    // push: prints the digest reference; pushing the same bytes again leaves the tag alone.
    let tag_ref = format!("oci://{}/acme/{name}:1.0", registry.addr);
    let epoch = [("SOURCE_DATE_EPOCH", "1700000000")];
    let pinned = ok(run(&work, &store, &["policy", "push", name, &tag_ref], &epoch), "policy push");
    assert!(pinned.starts_with(&format!("oci://{}/acme/{name}@sha256:", registry.addr)), "{pinned}");
    let d1 = digest_in(&pinned);
    let again = run(&work, &store, &["policy", "push", name, &tag_ref], &epoch);
    assert!(String::from_utf8_lossy(&again.stderr).contains("unchanged"), "{}", text(&again));
    assert_eq!(digest_in(&ok(again, "push again")), d1);

    // skopeo reads the artifact the way we wrote it.
    let bare = tag_ref.trim_start_matches("oci://");
    let raw = skopeo(&["inspect", "--raw", "--tls-verify=false", &format!("docker://{bare}")]);
    assert!(raw.status.success(), "skopeo inspect: {}", text(&raw));
    let manifest: serde_json::Value = serde_json::from_slice(&raw.stdout).unwrap();
    assert_eq!(manifest["artifactType"], artifact::PACK_ARTIFACT_TYPE);
    assert_eq!(manifest["config"]["mediaType"], artifact::PACK_CONFIG_MEDIA_TYPE);
    assert_eq!(manifest["layers"][0]["mediaType"], "application/wasm");
    assert_eq!(manifest["annotations"]["org.opencontainers.image.title"], name);
    assert_eq!(manifest["annotations"]["org.opencontainers.image.created"], "2023-11-14T22:13:20Z");
    assert_eq!(artifact::digest_of(&raw.stdout), d1, "skopeo sees the manifest we pushed, byte for byte");

    // keys, sign, verify.
    let keys = work.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let team_key = ok(run(&work, &store, &["policy", "keygen", "keys/team"], &[]), "keygen");
    let team_id = team_key.split_whitespace().nth(2).unwrap().to_string();
    ok(run(&work, &store, &["policy", "keygen", "keys/other"], &[]), "keygen other");
    fails(&run(&work, &store, &["policy", "keygen", "keys/team"], &[]), 2, &["already exists"], "keygen again");
    ok(run(&work, &store, &["policy", "sign", &tag_ref, "--key", "keys/team.key"], &[]), "sign");
    ok(run(&work, &store, &["policy", "verify", &tag_ref, "--key", "keys/team.pub"], &[]), "verify");
    fails(
        &run(&work, &store, &["policy", "verify", &tag_ref, "--key", "keys/other.pub"], &[]),
        1,
        &["unknown key", &team_id],
        "verify with another key",
    );
    let inspect = ok(run(&work, &store, &["policy", "inspect", &tag_ref, "--key", "keys/team.pub"], &[]), "inspect");
    assert!(inspect.contains(&format!("signature by key {team_id}: verified")), "{inspect}");
    assert!(inspect.contains(&d1) && inspect.contains(&format!("{name}/owner-label-missing")), "{inspect}");
    let rules = ok(run(&work, &store, &["rules", "--pack", &tag_ref], &[]), "rules --pack oci://");
    assert!(rules.contains(&format!("{name}/owner-label-missing")), "{rules}");

    // The local pack's findings on an acceptance stack, then the registry pack's.
    let stack = acceptance_stacks().into_iter().find(|s| s.ends_with("ziggie-before")).expect("ziggie-before");
    let local = stack_with_packs(&stack, &work.join("local"), &[&pack]);
    let (mut expected, errors) = check_findings(&local, name);
    assert!(errors.is_empty() && !expected.is_empty(), "{errors:?}");
    for f in &mut expected {
        f.1 = f.1.rsplit('/').next().unwrap().to_string();
    }
    expected.sort();
    let remote = work.join("remote");
    crate::policy_common::copy_tree(&stack, &remote);
    let config = remote.join("plimsoll.yaml");
    let mut yaml = std::fs::read_to_string(&config).unwrap_or_default();
    let trust = format!(
        "\npacks: [\"{tag_ref}\"]\ntrust:\n  keys: [\"{}\"]\n  require-signatures: true\n",
        keys.join("team.pub").display()
    );
    yaml.push_str(&trust);
    std::fs::write(&config, &yaml).unwrap();

    // --locked without a lock: refused, naming the pack.
    fails(&run(&remote, &store, &["check", ".", "--locked"], &[]), 2, &["is not in", "plimsoll.lock"], "no lock");
    ok(run(&remote, &store, &["policy", "lock"], &[]), "policy lock");
    let lock = std::fs::read_to_string(remote.join("plimsoll.lock")).unwrap();
    assert!(lock.contains(&d1) && lock.contains(&format!("signer: \"{team_id}\"")), "{lock}");
    assert_eq!(locked_findings(&remote, &store, name), expected, "registry pack = local pack");
    served_finds(&remote, &store, name);

    // The tag moves: refused by push without --force, then by `check` (a lock exists) and by `lock`.
    let moved = [("SOURCE_DATE_EPOCH", "1800000000")];
    fails(
        &run(&work, &store, &["policy", "push", name, &tag_ref], &moved),
        2,
        &["already points at", &d1, "--force"],
        "push over a tag",
    );
    let d2 = digest_in(&ok(run(&work, &store, &["policy", "push", name, &tag_ref, "--force"], &moved), "push --force"));
    assert_ne!(d1, d2);
    fails(&run(&remote, &store, &["check", "."], &[]), 2, &["moved", &d1, &d2], "moved tag");
    // `--locked` never resolves a tag: it runs the locked digest from the store (d1: d2 is unsigned
    // and `trust:` requires signatures, so running d2 would be an error).
    assert_eq!(locked_findings(&remote, &store, name), expected, "--locked runs d1 after the tag moved");
    fails(&run(&remote, &store, &["policy", "lock"], &[]), 2, &["moved", &d1, &d2, "--update"], "lock, moved tag");
    // `lock --update` will not pin what `trust:` refuses: d2 is unsigned.
    fails(&run(&remote, &store, &["policy", "lock", "--update", name], &[]), 2, &["not signed", &d2], "lock unsigned");
    let lock = std::fs::read_to_string(remote.join("plimsoll.lock")).unwrap();
    assert!(lock.contains(&d1) && !lock.contains(&d2), "a refused update leaves the lock alone: {lock}");

    // `check` with d2 by digest: unsigned, then signed by an unknown key, then a tampered signature.
    let by_digest = yaml.replace(&tag_ref, &format!("oci://{}/acme/{name}@{d2}", registry.addr));
    std::fs::write(&config, &by_digest).unwrap();
    fails(&run(&remote, &store, &["check", "."], &[]), 2, &["not signed", &d2, name], "unsigned");
    ok(run(&work, &store, &["policy", "sign", &tag_ref, "--key", "keys/other.key"], &[]), "sign with other");
    fails(&run(&remote, &store, &["check", "."], &[]), 2, &["unknown key", &d2], "wrong key");
    let dist =
        plimsoll_distribution::Distribution::new(plimsoll_distribution::Store::at(&store), RegistryOptions::default());
    {
        // A signature by the trusted key over d1, relabelled as d2's: stored as a registry would serve it.
        let key = plimsoll_distribution::sign::PrivateKey::read(&keys.join("team.key")).unwrap();
        let mut forged = key.sign(&d1);
        forged.digest = d2.clone();
        let m2 = std::fs::read(blob_path(&store, &d2)).unwrap();
        let sig = plimsoll_distribution::sign::signature_artifact(
            &forged,
            Descriptor::of(artifact::MANIFEST_MEDIA_TYPE, &m2),
            "2026-01-01T00:00:00Z",
        );
        dist.store.put(&artifact::digest_of(&sig.blob), &sig.blob).unwrap();
        dist.store.put(&artifact::digest_of(artifact::EMPTY_BLOB), artifact::EMPTY_BLOB).unwrap();
        dist.store.put(&sig.manifest_digest, &sig.manifest).unwrap();
        dist.store.add_referrer(&d2, &sig.manifest_digest).unwrap();
    }
    fails(&run(&remote, &store, &["check", "."], &[]), 2, &["tampered", &d2], "tampered signature");
    ok(run(&work, &store, &["policy", "sign", &tag_ref, "--key", "keys/team.key"], &[]), "sign d2");
    std::fs::write(&config, &yaml).unwrap();
    ok(run(&remote, &store, &["policy", "lock", "--update", name], &[]), "lock --update");
    let lock = std::fs::read_to_string(remote.join("plimsoll.lock")).unwrap();
    assert!(lock.contains(&d2) && lock.contains(&format!("signer: \"{team_id}\"")), "{lock}");
    assert_eq!(locked_findings(&remote, &store, name), expected, "d2 signed by the team key");

    // A corrupt store blob is detected, removed and fetched again while the registry is up.
    let layer = lock.lines().find_map(|l| l.trim().strip_prefix("layer: ")).unwrap().to_string();
    std::fs::write(blob_path(&store, &layer), b"not the component").unwrap();
    assert_eq!(locked_findings(&remote, &store, name), expected, "re-fetched");
    assert_eq!(artifact::digest_of(&std::fs::read(blob_path(&store, &layer)).unwrap()), layer);

    // Air gap: save (with the lock), read it with skopeo, and copy with skopeo into a layout.
    let archive = work.join("packs.tar");
    ok(
        run(
            &remote,
            &store,
            &["policy", "save", &tag_ref, "-o", archive.to_str().unwrap(), "--lock", "plimsoll.lock"],
            &[],
        ),
        "save",
    );
    let unpacked = work.join("unpacked");
    std::fs::create_dir_all(&unpacked).unwrap();
    let untar = Command::new("tar").arg("-xf").arg(&archive).arg("-C").arg(&unpacked).output().unwrap();
    assert!(untar.status.success(), "{}", text(&untar));
    let inspected = skopeo(&["inspect", "--raw", &format!("oci:{}:1.0", unpacked.display())]);
    assert!(inspected.status.success(), "skopeo inspect oci: {}", text(&inspected));
    assert_eq!(artifact::digest_of(&inspected.stdout), d2);
    let copied = work.join("skopeo-layout");
    let copy = skopeo(&[
        "copy",
        "--insecure-policy",
        "--src-tls-verify=false",
        &format!("docker://{bare}"),
        &format!("oci:{}:1.0", copied.display()),
    ]);
    assert!(copy.status.success(), "skopeo copy: {}", text(&copy));
    let other_store = work.join("store-from-skopeo");
    let loaded = ok(run(&work, &other_store, &["policy", "load", copied.to_str().unwrap()], &[]), "load skopeo layout");
    assert!(loaded.contains(name), "{loaded}");
    assert!(blob_path(&other_store, &layer).is_file());

    // Stop the registry: the store alone runs the check.
    registry.stop();
    assert_eq!(locked_findings(&remote, &store, name), expected, "registry stopped");
    served_finds(&remote, &store, name);
    // Offline, a corrupt blob cannot be fetched again: refused, never loaded.
    std::fs::write(blob_path(&store, &layer), b"corrupt").unwrap();
    fails(&run(&remote, &store, &["check", ".", "--locked"], &[]), 2, &["corrupt", &layer], "corrupt offline");

    // Wipe the store, load the archive under the configuration's trust, check with no registry.
    std::fs::remove_dir_all(&store).unwrap();
    let loaded = ok(
        run(&remote, &store, &["policy", "load", archive.to_str().unwrap(), "--config", "plimsoll.yaml"], &[]),
        "load",
    );
    assert!(loaded.contains(&format!("signed by {team_id}")) && loaded.contains("plimsoll.lock"), "{loaded}");
    assert_eq!(locked_findings(&remote, &store, name), expected, "from the archive, no registry");
    // Under a key that signed nothing here, the archive is refused and the store is not written.
    ok(run(&work, &store, &["policy", "keygen", "keys/stranger"], &[]), "keygen stranger");
    let strict = work.join("store-strict");
    fails(
        &run(&work, &strict, &["policy", "load", archive.to_str().unwrap(), "--key", "keys/stranger.pub"], &[]),
        2,
        &["unknown key", name],
        "load under another key",
    );
    assert!(!strict.join("blobs").exists(), "nothing written");
    let _ = std::fs::remove_dir_all(&work);
}

/// Push a hand-made manifest (and its blobs) to the registry.
fn push_raw(reference: &Reference, blobs: &[&[u8]], manifest: &[u8]) {
    let registry = Registry::new(reference, &RegistryOptions::default());
    block_on(async {
        for b in blobs {
            registry.push_blob(reference, b).await.unwrap();
        }
        registry.push_manifest(reference, manifest, artifact::MANIFEST_MEDIA_TYPE).await.unwrap();
    });
}

#[test]
fn bad_references_and_bad_artifacts_are_clear_errors_and_write_nothing() {
    let registry = TestRegistry::start();
    let work = tempfile::tempdir().unwrap();
    let store = work.path().join("store");
    let pull = |reference: &str| run(work.path(), &store, &["policy", "pull", reference], &[]);

    fails(&pull("oci://127.0.0.1:5000/acme"), 2, &["no tag or digest"], "no tag");
    fails(&pull("oci://acme/pack:1"), 2, &["is not a registry host"], "no registry");
    fails(&pull("oci://127.0.0.1:5000/Acme:1"), 2, &["is not a path component"], "uppercase");
    fails(&pull(&format!("oci://{}/acme/absent:1.0", registry.addr)), 2, &["has no", "absent:1.0"], "absent tag");

    let component = b"\0asm\x0d\0\x01\0component".to_vec();
    let config = |contract: &str| PackConfig {
        id: "acme".into(),
        version: "0.1.0".into(),
        rules: Vec::new(),
        settings_schema_digest: None,
        contract: contract.into(),
        minimum_plimsoll: None,
        settings: Default::default(),
        sandbox: Default::default(),
    };
    let at = |repo: &str| Reference::parse(&format!("oci://{}/acme/{repo}:1", registry.addr)).unwrap();

    // Another artifact type.
    let good = artifact::build_pack(component.clone(), &config("0.1.0"), Default::default());
    let mut other: serde_json::Value = serde_json::from_slice(&good.manifest).unwrap();
    other["artifactType"] = "application/vnd.example.thing".into();
    push_raw(&at("other"), &[&good.layer, &good.config], &serde_json::to_vec(&other).unwrap());
    // A layer that is not a component.
    let not_wasm = artifact::build_pack(b"hello, world".to_vec(), &config("0.1.0"), Default::default());
    push_raw(&at("not-wasm"), &[&not_wasm.layer, &not_wasm.config], &not_wasm.manifest);
    // A contract this host does not run.
    let future = artifact::build_pack(component.clone(), &config("0.2.0"), Default::default());
    push_raw(&at("future"), &[&future.layer, &future.config], &future.manifest);
    // A layer that declares more than the limit.
    let mut huge: serde_json::Value = serde_json::from_slice(&good.manifest).unwrap();
    huge["layers"][0]["size"] = (artifact::MAX_LAYER_BYTES + 1).into();
    push_raw(&at("huge"), &[&good.layer, &good.config], &serde_json::to_vec(&huge).unwrap());
    // A layer whose bytes are not what the manifest says (served by a registry that lies).
    let mut lying: serde_json::Value = serde_json::from_slice(&good.manifest).unwrap();
    lying["layers"][0]["size"] = 4.into();
    push_raw(&at("short"), &[&good.layer, &good.config], &serde_json::to_vec(&lying).unwrap());

    for (repo, needle) in [
        ("other", "is not a Plimsoll pack"),
        ("not-wasm", "is not a WebAssembly component"),
        ("future", "contract `plimsoll:policy@0.2.0`"),
        ("huge", "more than the 128 MiB allowed"),
        ("short", "sent more than the 4 bytes"),
    ] {
        fails(&pull(&at(repo).to_string()), 2, &[needle], repo);
        assert!(!store.join("blobs").exists(), "{repo}: nothing may be written to the store");
    }
    // The same registry and client accept a valid artifact (the refusals above are the checks'):
    // it lands in the store under its digest.
    push_raw(&at("good"), &[&good.layer, &good.config], &good.manifest);
    let pinned = ok(pull(&at("good").to_string()), "pull a valid artifact");
    assert_eq!(digest_in(&pinned), good.manifest_digest);
    assert!(blob_path(&store, &good.manifest_digest).is_file());
    assert!(blob_path(&store, &artifact::digest_of(&good.layer)).is_file());
}

/// bcrypt of `s3cr3t` (htpasswd keeps only hashes).
const HTPASSWD: &str = "alice:$2a$12$GnLAhVsCy3wcFJrlVIPdROvuTebsx8kPzhvhDYEnlhqT3PlusY.Yy\n";

#[test]
fn registry_credentials_come_from_the_environment_or_the_docker_config() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("htpasswd"), HTPASSWD).unwrap();
    let registry = TestRegistry::start_with(&format!(
        "auth:\n  htpasswd:\n    realm: plimsoll-test\n    path: {}\n",
        dir.path().join("htpasswd").display()
    ));
    let store = dir.path().join("store");
    let at = |repo: &str| format!("oci://{}/acme/{repo}:1", registry.addr);
    let config = PackConfig {
        id: "acme".into(),
        version: "0.1.0".into(),
        rules: Vec::new(),
        settings_schema_digest: None,
        contract: "0.1.0".into(),
        minimum_plimsoll: None,
        settings: Default::default(),
        sandbox: Default::default(),
    };
    let built = artifact::build_pack(b"\0asm\x0d\0\x01\0c".to_vec(), &config, Default::default());
    // Pushed with credentials given to the library.
    let reference = Reference::parse(&at("private")).unwrap();
    let registry_ref = reference.clone();
    let push = std::thread::spawn(move || {
        let registry = Registry::with_auth(&registry_ref, &RegistryOptions::default(), oci_auth("alice", "s3cr3t"));
        block_on(async {
            registry.push_blob(&registry_ref, &built.layer).await?;
            registry.push_blob(&registry_ref, &built.config).await?;
            registry.push_manifest(&registry_ref, &built.manifest, artifact::MANIFEST_MEDIA_TYPE).await
        })
    });
    push.join().unwrap().expect("push with credentials");

    // Anonymous: refused, and the error names the registry.
    let anonymous = run(dir.path(), &store, &["policy", "pull", &at("private")], &[]);
    fails(&anonymous, 2, &[&format!("registry {}", registry.addr)], "anonymous pull");
    // From the environment.
    let env = [("PLIMSOLL_REGISTRY_USERNAME", "alice"), ("PLIMSOLL_REGISTRY_PASSWORD", "s3cr3t")];
    ok(run(dir.path(), &store, &["policy", "pull", &at("private")], &env), "pull with the environment's credentials");
    // From a Docker config.json (`auths`, base64 user:pass): DOCKER_CONFIG points at store/no-docker-config.
    let docker = store.join("no-docker-config");
    std::fs::create_dir_all(&docker).unwrap();
    std::fs::write(
        docker.join("config.json"),
        format!("{{\"auths\": {{\"{}\": {{\"auth\": \"YWxpY2U6czNjcjN0\"}}}}}}", registry.addr),
    )
    .unwrap();
    std::fs::remove_dir_all(store.join("blobs")).unwrap();
    ok(run(dir.path(), &store, &["policy", "pull", &at("private")], &[]), "pull with config.json credentials");
    // A wrong password is refused.
    let wrong = [("PLIMSOLL_REGISTRY_USERNAME", "alice"), ("PLIMSOLL_REGISTRY_PASSWORD", "nope")];
    std::fs::remove_dir_all(store.join("blobs")).unwrap();
    fails(
        &run(dir.path(), &store, &["policy", "pull", &at("private")], &wrong),
        2,
        &[&registry.addr],
        "wrong password",
    );
}

fn oci_auth(user: &str, pass: &str) -> plimsoll_distribution::registry::Auth {
    plimsoll_distribution::registry::Auth::Basic(user.into(), pass.into())
}
