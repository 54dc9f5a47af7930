//! Kubernetes admission through the real binary: `POST /v1/admission/kubernetes` with an
//! `AdmissionReview` for every workload kind of `examples/kubernetes/` (the objects of the
//! Kubernetes documentation, and a hardened Deployment), the response checked field by field;
//! unknown kinds, `DELETE` and `CONNECT` allowed untouched; bad reviews `400`; audit mode and
//! failure policies.

use std::path::Path;

use serde_json::{Value, json};

use super::serve::{Server, request};

/// What a cluster operator sets: no memory limit or no probe at all fails the gate.
const ADMISSION_CONFIG: &str = "rules:\n  resources/memory-limit-missing: high\n  health/healthcheck-missing: high\n";

/// The objects of one example manifest, as JSON.
fn objects(name: &str) -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/kubernetes").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    plimsoll_model::yaml::parse(&text, &path).unwrap().iter().map(|n| n.to_json()).collect()
}

fn review(uid: &str, operation: &str, object: &Value) -> Value {
    let kind = object["kind"].as_str().unwrap_or("");
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": "", "version": "v1", "kind": kind},
            "resource": {"group": "", "version": "v1", "resource": format!("{}s", kind.to_lowercase())},
            "namespace": "default",
            "operation": operation,
            "userInfo": {"username": "admin"},
            "object": object,
            "oldObject": null,
            "dryRun": false
        }
    })
}

fn ask(server: &Server, body: &Value) -> (u16, Value) {
    let answer = request(
        server.port,
        "POST",
        "/v1/admission/kubernetes",
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    );
    (answer.status, answer.json())
}

#[test]
fn every_workload_kind_is_reviewed_and_answered_field_by_field() {
    let server = Server::start(&[("plimsoll.yaml", ADMISSION_CONFIG.as_bytes())], &["--config", "plimsoll.yaml"]);
    for (file, kind, container) in [
        ("pod.yaml", "Pod", "nginx/nginx"),
        ("deployment.yaml", "Deployment", "nginx-deployment/nginx"),
        ("statefulset.yaml", "StatefulSet", "web/nginx"),
        ("daemonset.yaml", "DaemonSet", "fluentd-elasticsearch/fluentd-elasticsearch"),
        ("replicaset.yaml", "ReplicaSet", "frontend/php-redis"),
        ("replicationcontroller.yaml", "ReplicationController", "nginx/nginx"),
        ("job.yaml", "Job", "pi/pi"),
        ("cronjob.yaml", "CronJob", "hello/hello"),
    ] {
        let object = objects(file).remove(0);
        assert_eq!(object["kind"], kind);
        let uid = format!("uid-{kind}");
        let (status, answer) = ask(&server, &review(&uid, "CREATE", &object));
        assert_eq!(status, 200, "{file}: {answer}");
        assert_eq!(answer["apiVersion"], "admission.k8s.io/v1");
        assert_eq!(answer["kind"], "AdmissionReview");
        let response = &answer["response"];
        assert_eq!(response["uid"], uid.as_str());
        // The documentation's objects set no memory limit (the DaemonSet does, but has no probe):
        // every one is denied, naming the container and the rule.
        assert_eq!(response["allowed"], false, "{file}: {response:#}");
        assert_eq!(response["status"]["code"], 403);
        let message = response["status"]["message"].as_str().unwrap();
        assert!(message.starts_with(&format!("plimsoll: {kind} ")), "{message}");
        assert!(message.contains(&format!("{container}: ")), "{file}: {message}");
        assert_eq!(response["auditAnnotations"]["decision"], "deny");
        let failing = response["auditAnnotations"]["failing-rules"].as_str().unwrap();
        if file != "daemonset.yaml" {
            assert!(failing.contains("resources/memory-limit-missing"), "{file}: {failing}");
            assert!(message.contains("(resources/memory-limit-missing"), "{message}");
        } else {
            assert!(!failing.contains("resources/memory-limit-missing"), "the DaemonSet sets limits: {failing}");
            assert!(
                message.contains("(health/healthcheck-missing; object.spec.template.spec.containers[0])"),
                "{message}"
            );
        }
        for warning in response["warnings"].as_array().map(Vec::as_slice).unwrap_or_default() {
            let w = warning.as_str().unwrap();
            assert!(w.chars().count() < 120, "{w}");
        }
        assert!(response["warnings"].as_array().map_or(0, Vec::len) <= 20);
    }

    // The hardened Deployment is allowed; what it still lacks comes back as warnings.
    let hardened = objects("hardened-deployment.yaml").remove(0);
    let (status, answer) = ask(&server, &review("uid-ok", "CREATE", &hardened));
    assert_eq!(status, 200);
    let response = &answer["response"];
    assert_eq!(response["allowed"], true, "{response:#}");
    assert!(response.get("status").is_none());
    assert_eq!(response["auditAnnotations"]["decision"], "allow");
    // A field of the object is pointed at by its JSON path: raise the memory request over the limit.
    let mut over = hardened.clone();
    over["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["memory"] = json!("1Gi");
    let (_, answer) = ask(&server, &review("uid-over", "UPDATE", &over));
    let all = answer["response"].to_string();
    assert!(all.contains("spec.template.spec.containers[0].resources"), "{all}");

    // Privileged and host namespaces are denied, pointing into the object.
    let mut privileged = hardened.clone();
    privileged["spec"]["template"]["spec"]["containers"][0]["securityContext"]["privileged"] = json!(true);
    privileged["spec"]["template"]["spec"]["hostPID"] = json!(true);
    let (_, answer) = ask(&server, &review("uid-priv", "CREATE", &privileged));
    let message = answer["response"]["status"]["message"].as_str().unwrap();
    assert!(
        message.contains("(security/privileged; object.spec.template.spec.containers[0].securityContext.privileged)"),
        "{message}"
    );
    let warnings = answer["response"]["warnings"].to_string();
    assert!(warnings.contains("(security/host-namespaces; object.spec.tem"), "{warnings}");

    // Unknown kinds, DELETE and CONNECT: allowed untouched.
    let service = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {}});
    for (operation, object) in [("CREATE", &service), ("DELETE", &privileged), ("CONNECT", &privileged)] {
        let (status, answer) = ask(&server, &review("uid-x", operation, object));
        assert_eq!(status, 200);
        assert_eq!(answer["response"], json!({"uid": "uid-x", "allowed": true}), "{operation}");
    }
    // An object that cannot be translated is denied saying why.
    let mut broken = hardened.clone();
    broken["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"] = json!("lots");
    let (_, answer) = ask(&server, &review("uid-b", "CREATE", &broken));
    assert_eq!(answer["response"]["allowed"], false);
    assert_eq!(answer["response"]["status"]["code"], 400);
    assert!(answer["response"]["status"]["message"].as_str().unwrap().contains("`lots` is not a Kubernetes quantity"));

    // Not an AdmissionReview: the caller's mistake, 400 naming the field.
    for (body, why) in [
        (json!({"kind": "Pod"}), "kind: expected `AdmissionReview`"),
        (json!({"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1beta1", "request": {}}), "apiVersion"),
        (json!({"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1"}), "request:"),
        (
            json!({"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1", "request": {"object": {}}}),
            "request.uid",
        ),
    ] {
        let (status, answer) = ask(&server, &body);
        assert_eq!(status, 400, "{body}");
        assert!(answer["error"]["message"].as_str().unwrap().contains(why), "{answer}");
    }
    let garbage = request(server.port, "POST", "/v1/admission/kubernetes", &[], b"{not json");
    assert_eq!(garbage.status, 400);
}

#[test]
fn audit_mode_warns_and_a_failing_pack_denies_unless_ignored() {
    let config = format!("{ADMISSION_CONFIG}kubernetes: {{ mode: audit }}\n");
    let server = Server::start(&[("plimsoll.yaml", config.as_bytes())], &["--config", "plimsoll.yaml"]);
    let (_, answer) = ask(&server, &review("u1", "CREATE", &objects("pod.yaml")[0]));
    assert_eq!(answer["response"]["allowed"], true);
    let first = answer["response"]["warnings"][0].as_str().unwrap();
    assert!(first.starts_with("audit: plimsoll: Pod nginx denied"), "{first}");

    let panicking = "packs: [hostile.wasm]\nsettings:\n  hostile: { mode: panic-on-services }\n";
    for (extra, allowed) in [("", false), ("kubernetes: { failure-policy: ignore }\n", true)] {
        let config = format!("{panicking}{extra}");
        let server = Server::start(
            &[("plimsoll.yaml", config.as_bytes()), ("hostile.wasm", plimsoll_tests::HOSTILE_WASM)],
            &["--config", "plimsoll.yaml"],
        );
        let (_, answer) = ask(&server, &review("u2", "CREATE", &objects("hardened-deployment.yaml")[0]));
        assert_eq!(answer["response"]["allowed"], allowed, "{extra}: {answer}");
        if !allowed {
            assert_eq!(answer["response"]["status"]["code"], 500);
            assert!(answer["response"]["status"]["message"].as_str().unwrap().contains("cannot be checked"));
        }
    }
}

#[test]
fn manifests_on_disk_are_checked_with_findings_at_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    // Two documents, one of them not a workload; a privileged container in the second.
    let manifest = "\
apiVersion: v1
kind: Service
metadata: { name: web }
spec: { ports: [{ port: 80 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.27.0
          securityContext:
            privileged: true
          resources:
            limits: { memory: 128Mi }
            requests: { memory: 1Gi }
";
    std::fs::write(dir.path().join("web.yaml"), manifest).unwrap();
    std::fs::write(dir.path().join("ci.yaml"), "jobs:\n  build: { runs-on: ubuntu }\n").unwrap();
    let (code, report) = check_json(dir.path(), ".");
    assert_eq!(code, Some(1), "{report}");
    let projects: Vec<&str> =
        report["projects"].as_array().unwrap().iter().map(|p| p["path"].as_str().unwrap()).collect();
    assert_eq!(projects, vec!["web.yaml"], "other YAML is not a project: {report}");
    let at = |rule: &str| {
        let f = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == rule)
            .unwrap_or_else(|| panic!("{rule}: {report}"));
        (
            f["file"].as_str().unwrap().to_string(),
            f["line"].as_u64().unwrap(),
            f["column"].as_u64().unwrap(),
            f["service"].as_str().unwrap().to_string(),
        )
    };
    assert_eq!(at("security/privileged"), ("web.yaml".into(), 17, 13, "web/web".into()));
    // The help names the fix where a manifest writes it; Kubernetes has no per-container pids limit.
    let privileged =
        report["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "security/privileged").unwrap();
    assert!(privileged["help"].as_str().unwrap().contains("securityContext.privileged"), "{privileged}");
    assert!(!report["findings"].to_string().contains("resources/pids-limit-missing"), "{report}");
    let (file, line, _, _) = at("resources/reservation-exceeds-limit");
    assert_eq!((file.as_str(), line), ("web.yaml", 20), "the request's line");
    // An inline waiver in the manifest applies like one in a compose file.
    let waived = manifest.replace(
        "privileged: true",
        "privileged: true # plimsoll-ignore: security/privileged -- the CNI agent needs it",
    );
    std::fs::write(dir.path().join("web.yaml"), waived).unwrap();
    let (_, report) = check_json(dir.path(), ".");
    assert!(!report["findings"].to_string().contains("security/privileged"), "{report}");
    // A manifest that cannot be translated is an error at its field.
    std::fs::write(dir.path().join("web.yaml"), manifest.replace("128Mi", "lots")).unwrap();
    let (code, report) = check_json(dir.path(), "web.yaml");
    assert_eq!(code, Some(2), "{report}");
    let error = &report["errors"][0];
    assert_eq!((error["file"].as_str(), error["line"].as_u64()), (Some("web.yaml"), Some(19)), "{report}");
    assert!(error["message"].as_str().unwrap().contains("`lots` is not a Kubernetes quantity"), "{report}");
}

/// `plimsoll check PATH --format json` in `dir`: the exit code and the report.
fn check_json(dir: &Path, path: &str) -> (Option<i32>, Value) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(["check", path, "--format", "json"])
        .current_dir(dir)
        .output()
        .unwrap();
    (out.status.code(), serde_json::from_slice(&out.stdout).unwrap())
}
