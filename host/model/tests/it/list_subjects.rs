//! Subjects of list entries: `services.S.<list>.I` names the model's `<list>[I]` and locates where
//! that entry was written — port ranges expanded into one port per number included — on a stack
//! written for it and, as an invariant, on every compose file of the corpus (or of `examples/`).

use std::path::{Path, PathBuf};

use plimsoll_model::model::{Service, Subject};
use plimsoll_model::yaml::{Node, Value};
use plimsoll_model::{LoadOptions, LoadedProject, load};

fn subject(service: &str, key: &str, index: usize) -> Subject {
    Subject::Compose(vec!["services".into(), service.into(), key.into(), index.to_string()])
}

/// The 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> u32 {
    text.lines().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("`{needle}` not in the file")) as u32 + 1
}

#[test]
fn every_expanded_port_locates_at_the_item_it_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let compose = "services:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"80:80\"\n      - \"8000-8003:8000-8003\"\n      - target: 9000\n        published: \"9000\"\n      - \"127.0.0.1:7000-7001:7000-7001/udp\"\n      - \"3000\"\n    cap_add: [NET_ADMIN, SYS_TIME]\n    environment:\n      - MODE=prod\n      - DB_PASSWORD=hunter2\n";
    let over = "services:\n  web:\n    ports:\n      - \"6000-6001:6000-6001\"\n    volumes:\n      - ./data:/data\n      - type: tmpfs\n        target: /tmp\n";
    std::fs::write(dir.path().join("compose.yaml"), compose).unwrap();
    std::fs::write(dir.path().join("compose.override.yaml"), over).unwrap();
    let project =
        load(&[dir.path().to_path_buf()], &LoadOptions { environment: Some(Default::default()), ..Default::default() });
    assert!(!project.has_errors(), "{:?}", project.diagnostics);
    let web = &project.model.services[0];
    let targets: Vec<u32> = web.ports.iter().map(|p| p.target).collect();
    assert_eq!(targets, [80, 8000, 8001, 8002, 8003, 9000, 7000, 7001, 3000, 6000, 6001]);
    let main = (dir.path().join("compose.yaml"), compose);
    let other = (dir.path().join("compose.override.yaml"), over);
    let expected = [
        (&main, "\"80:80\""),
        (&main, "8000-8003"),
        (&main, "8000-8003"),
        (&main, "8000-8003"),
        (&main, "8000-8003"),
        (&main, "target: 9000"),
        (&main, "7000-7001"),
        (&main, "7000-7001"),
        (&main, "\"3000\""),
        (&other, "6000-6001"),
        (&other, "6000-6001"),
    ];
    for (i, ((file, text), needle)) in expected.iter().enumerate() {
        let at = project.locate(&subject("web", "ports", i)).unwrap();
        assert_eq!(
            (at.file.file_name(), at.line),
            (file.file_name(), line_of(text, needle)),
            "ports[{i}] (target {}) located at {at}",
            web.ports[i].target
        );
    }
    // One past the end resolves to the list itself, never to another entry.
    let key = Subject::Compose(["services", "web", "ports"].map(String::from).to_vec());
    assert_eq!(project.locate(&subject("web", "ports", 11)), project.locate(&key));
    // Other lists: the model's order is the written one, through the override.
    assert_eq!(project.locate(&subject("web", "cap_add", 1)).unwrap().line, line_of(compose, "cap_add"));
    assert_eq!(project.locate(&subject("web", "cap_add", 1)).unwrap().column, 26);
    assert_eq!(web.volumes[1].target, "/tmp");
    assert_eq!(project.locate(&subject("web", "volumes", 1)).unwrap().line, line_of(over, "type: tmpfs"));
    // A variable of a list-form environment is found by its name.
    let env = Subject::Compose(["services", "web", "environment", "DB_PASSWORD"].map(String::from).to_vec());
    assert_eq!(project.locate(&env).unwrap().line, line_of(compose, "DB_PASSWORD"));
}

/// The compose files to check the invariant on: the corpus's, or the examples' when it is absent.
fn compose_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let shared = root.join("../shared/corpus");
    let mut out = Vec::new();
    let base = if shared.is_dir() { shared } else { root.join("examples") };
    let mut stack = vec![base];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let name = path.file_name().unwrap_or_default().to_string_lossy().to_string();
            if path.is_dir() {
                stack.push(path);
            } else if (name.ends_with(".yml") || name.ends_with(".yaml"))
                && std::fs::read_to_string(&path).is_ok_and(|t| t.lines().any(|l| l.starts_with("services:")))
            {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The written items of a service's list key in the merged document, when it is a list.
fn items<'a>(project: &'a LoadedProject, service: &str, key: &str) -> Option<&'a [Node]> {
    let node = project.compose.as_ref()?.get_path(&["services", service, key])?;
    match &node.value {
        Value::Seq(items) => Some(items),
        _ => None,
    }
}

fn lengths(s: &Service) -> [(&'static str, usize); 7] {
    [
        ("ports", s.ports.len()),
        ("volumes", s.volumes.len()),
        ("cap_add", s.cap_add.len()),
        ("cap_drop", s.cap_drop.len()),
        ("security_opt", s.security_opt.len()),
        ("devices", s.devices.len()),
        ("expose", s.expose.len()),
    ]
}

#[test]
fn model_lists_and_written_lists_have_one_entry_per_index_on_every_compose_file() {
    let files = compose_files();
    assert!(files.len() >= 10, "expected compose files to check, found {}", files.len());
    let (mut checked, mut ranges) = (0, 0);
    for file in &files {
        let options = LoadOptions { environment: Some(Default::default()), ..Default::default() };
        let project = load(std::slice::from_ref(file), &options);
        if project.has_errors() {
            continue;
        }
        for service in &project.model.services {
            for (key, len) in lengths(service) {
                let Some(written) = items(&project, &service.name, key) else { continue };
                assert_eq!(written.len(), len, "{}: service `{}`: `{key}`", file.display(), service.name);
                checked += 1;
                if key == "ports" {
                    ranges += written.windows(2).filter(|w| w[0].location() == w[1].location()).count();
                }
            }
        }
    }
    eprintln!("{checked} lists of {} files agree ({ranges} ports share a range's item)", files.len());
    assert!(checked > 20, "only {checked} lists were compared");
}
