//! A guest's own errors reach the author (issue "Custom packs are first-class"): in JavaScript a
//! thrown `Error` (and a real `TypeError`) and in Python any exception become a `policy-error`
//! with the type, the message and where it was raised, from `evaluate` and from
//! `validate-settings` — through packs scaffolded, patched with the bugs and built by the real
//! toolchains, and reported by `plimsoll check`.

use std::path::Path;

use crate::policy_common::*;
use plimsoll::policy::Language;

/// Insert `text` after the first occurrence of `anchor` in `file`.
fn insert_after(file: &Path, anchor: &str, text: &str) {
    let source = std::fs::read_to_string(file).unwrap();
    let at = source.find(anchor).unwrap_or_else(|| panic!("`{anchor}` not in {}", file.display())) + anchor.len();
    std::fs::write(file, format!("{}{text}{}", &source[..at], &source[at..])).unwrap();
}

/// `plimsoll check --format json` of a project with one service `service` and `settings`; the
/// whole JSON answer as text.
fn check_text(work: &Path, pack: &Path, name: &str, service: &str, owner_label: &str) -> String {
    let dir = work.join(format!("project-{service}-{owner_label}"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    std::fs::write(dir.join("compose.yaml"), format!("services:\n  {service}:\n    image: nginx:1.27.0\n")).unwrap();
    std::fs::write(
        dir.join("plimsoll.yaml"),
        format!("packs: [{:?}]\nsettings:\n  {name}: {{ owner-label: {owner_label} }}\n", pack.display().to_string()),
    )
    .unwrap();
    let output = plimsoll(&dir, &["check", ".", "--format", "json"]);
    assert!(!output.stdout.is_empty(), "{}", text(&output));
    String::from_utf8_lossy(&output.stdout).to_string()
}

fn guest_errors(language: Language) {
    let test = "guest_errors_reach_the_author";
    if !toolchain(language, test) {
        return;
    }
    let work = work_dir(&format!("errors-{language}"));
    let name = format!("errs-{language}");
    let pack = work.join(&name);
    let new = plimsoll(&work, &["policy", "new", &name, "--lang", language.as_str()]);
    assert!(new.status.success(), "{}", text(&new));
    match language {
        Language::Js => {
            let file = pack.join("pack.js");
            insert_after(
                &file,
                "    if (settings['exempt-services'].includes(service.name)) continue;\n",
                "    if (service.name === 'boom') throw new Error('boom');\n    if (service.name === 'typo') service.nolabels.some((kv) => kv);\n    if (service.name === 'ports') service.ports.forEach((p, i) => { if (p.target === 8002 || p.target === 9000) findings.push({ rule: OWNER_LABEL_MISSING.id, severity: undefined, message: `port ${p.target}`, subject: serviceSubject(service.name, 'ports', i), related: [], help: undefined, fix: undefined }); });\n",
            );
            insert_after(
                &file,
                "  const settings = { ...DEFAULTS, ...given };\n",
                "  if (settings['owner-label'] === 'explode') settings.missing.trim();\n",
            );
        }
        Language::Python => {
            let file = pack.join("pack.py");
            insert_after(
                &file,
                "        if service.name in settings[\"exempt-services\"]:\n            continue\n",
                "        if service.name == \"boom\":\n            raise RuntimeError(\"boom\")\n        if service.name == \"typo\":\n            service.nolabels\n        if service.name == \"ports\":\n            for i, p in enumerate(service.ports):\n                if p.target in (8002, 9000):\n                    findings.append(finding(OWNER_LABEL_MISSING.id, f\"port {p.target}\", service_subject(service.name, \"ports\", i)))\n",
            );
            insert_after(
                &file,
                "    settings = dict(DEFAULTS, **given)\n",
                "    if settings[\"owner-label\"] == \"explode\":\n        settings[\"missing\"].strip()\n",
            );
        }
        Language::Rust => unreachable!("Rust packs return their errors as values"),
    }
    let build = plimsoll(&work, &["policy", "build", &name]);
    assert!(build.status.success(), "{language} build: {}", text(&build));
    let component = pack.join(format!("dist/{name}.wasm"));
    let built = std::fs::read(&component).unwrap();

    // The toolchain's output differs run to run (componentize-py#247, ComponentizeJS#321): a build
    // of unchanged inputs keeps the component, byte for byte, and says so; the inputs digest it
    // recorded is shown by `policy inspect`.
    let again = plimsoll(&work, &["policy", "build", &name]);
    let said = String::from_utf8_lossy(&again.stdout).to_string();
    assert!(again.status.success() && said.starts_with("unchanged "), "{language} rebuild: {}", text(&again));
    assert_eq!(std::fs::read(&component).unwrap(), built, "{language}: an unchanged pack was rebuilt");
    let inspected = plimsoll(&work, &["policy", "inspect", &name]);
    let shown = String::from_utf8_lossy(&inspected.stdout).to_string();
    let inputs =
        shown.lines().find(|l| l.starts_with("inputs   sha256:")).unwrap_or_else(|| panic!("{shown}")).to_string();
    if language == Language::Python {
        // A changed source is a new build, with new inputs.
        let file = pack.join("pack.py");
        let source = std::fs::read_to_string(&file).unwrap();
        std::fs::write(&file, format!("{source}\n# changed\n")).unwrap();
        let rebuilt = plimsoll(&work, &["policy", "build", &name]);
        let said = String::from_utf8_lossy(&rebuilt.stdout).to_string();
        assert!(rebuilt.status.success() && said.starts_with("built "), "{}", text(&rebuilt));
        let shown = String::from_utf8_lossy(&plimsoll(&work, &["policy", "inspect", &name]).stdout).to_string();
        assert!(shown.contains("inputs   sha256:") && !shown.contains(&inputs), "{shown}");
    }

    // `policy test --verbose` shows what the pack logged on each fixture (the scaffold logs the
    // number of services at debug level).
    let tested = plimsoll(&pack, &["policy", "test", "--no-build", "--verbose"]);
    let out = String::from_utf8_lossy(&tested.stdout).to_string();
    assert!(tested.status.success(), "{}", text(&tested));
    assert!(out.contains("    | ") && out.contains(&format!("{name}: 4 services")), "{out}");

    // A healthy run first: the patches change nothing for other services.
    let fine = check_text(&work, &pack, &name, "web", "team");
    assert!(fine.contains(&format!("{name}/owner-label-missing")), "{fine}");

    let boom = check_text(&work, &pack, &name, "boom", "team");
    let expected = if language == Language::Js { "boom" } else { "RuntimeError: boom" };
    assert!(boom.contains(expected), "{language} evaluate, thrown error: {boom}");
    assert!(!boom.contains("unreachable") && !boom.contains("unexpected exception"), "{boom}");

    let typo = check_text(&work, &pack, &name, "typo", "team");
    let kind = if language == Language::Js { "TypeError" } else { "AttributeError" };
    assert!(typo.contains(kind) && typo.contains("nolabels"), "{language} evaluate, {kind}: {typo}");
    if language == Language::Python {
        assert!(typo.contains("pack.py:") && typo.contains("in owner_label_missing"), "traceback lines: {typo}");
    }

    // A finding built with the scaffold's subject helper from a port's model index lands on the
    // line that port was written on, after a range the model expanded into four ports.
    let dir = work.join("project-ports");
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    let compose = "services:\n  ports:\n    image: nginx:1.27.0\n    ports:\n      - \"80:80\"\n      - \"8000-8003:8000-8003\"\n      - \"9000:9000\"\n";
    std::fs::write(dir.join("compose.yaml"), compose).unwrap();
    std::fs::write(dir.join("plimsoll.yaml"), format!("packs: [{:?}]\n", pack.display().to_string())).unwrap();
    let (found, errors) = check_findings(&dir, &name);
    assert!(errors.is_empty(), "{errors:?}");
    let mut at: Vec<(String, u64, u64)> =
        found.into_iter().filter(|f| f.4.starts_with("port ")).map(|f| (f.4, f.2, f.3)).collect();
    at.sort();
    assert_eq!(at, [("port 8002".to_string(), 6, 9), ("port 9000".to_string(), 7, 9)], "{language}");

    let explode = check_text(&work, &pack, &name, "web", "explode");
    let kind = if language == Language::Js { "TypeError" } else { "KeyError" };
    assert!(explode.contains(kind) && explode.contains("missing"), "{language} validate-settings, {kind}: {explode}");
    assert!(!explode.contains("unreachable") && !explode.contains("unexpected exception"), "{explode}");
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn javascript_errors_reach_the_author() {
    guest_errors(Language::Js);
}

#[test]
fn python_exceptions_reach_the_author() {
    guest_errors(Language::Python);
}

/// `plimsoll ARGS` in `dir` with only these toolchain variables set (the rest of the environment kept).
fn with_tools(dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_plimsoll"));
    command.current_dir(dir).args(args).env("NO_COLOR", "1");
    for var in ["PLIMSOLL_COMPONENTIZE_PY", "PLIMSOLL_COMPONENTIZE_JS", "PLIMSOLL_TOOLS_DIR"] {
        command.env_remove(var);
    }
    for (k, v) in vars {
        command.env(k, v);
    }
    command.output().unwrap()
}

#[test]
fn toolchain_lookup_says_where_it_looked_and_an_explicit_command_wins() {
    let work = tempfile::tempdir().unwrap();
    let empty = work.path().join("empty-tools");
    std::fs::create_dir_all(&empty).unwrap();
    let empty_text = empty.display().to_string();

    // Nothing anywhere: doctor says so for Python and JavaScript, with every place tried, exit 1.
    let doctor = with_tools(work.path(), &["policy", "doctor"], &[("PLIMSOLL_TOOLS_DIR", &empty_text)]);
    let out = String::from_utf8_lossy(&doctor.stdout).to_string();
    assert_eq!(doctor.status.code(), Some(1), "{}", text(&doctor));
    for needle in [
        "python: not found",
        "js: not found",
        "$PLIMSOLL_COMPONENTIZE_PY: not set",
        &format!("$PLIMSOLL_TOOLS_DIR: {empty_text}/python/bin/componentize-py: no such file"),
        "PATH: no `componentize-py`",
        "rust: ok",
    ] {
        assert!(out.contains(needle), "`{needle}` not in:\n{out}");
    }

    // `policy build` of a Python pack fails with the same list and the script's full path.
    let new = with_tools(work.path(), &["policy", "new", "py-pack", "--lang", "python"], &[]);
    assert!(new.status.success(), "{}", text(&new));
    let build = with_tools(work.path(), &["policy", "build", "py-pack"], &[("PLIMSOLL_TOOLS_DIR", &empty_text)]);
    let err = String::from_utf8_lossy(&build.stderr).to_string();
    assert_ne!(build.status.code(), Some(0), "{}", text(&build));
    assert!(err.contains("looked for it in:") && err.contains(&empty_text), "{err}");
    assert!(err.contains("/scripts/install-toolchains.sh"), "{err}");

    // An explicitly named command wins over a tools directory that has the real one.
    let real_tools = root().join(".tools");
    let doctor = with_tools(
        work.path(),
        &["policy", "doctor"],
        &[("PLIMSOLL_TOOLS_DIR", real_tools.to_str().unwrap()), ("PLIMSOLL_COMPONENTIZE_PY", "/bin/echo")],
    );
    let out = String::from_utf8_lossy(&doctor.stdout).to_string();
    assert!(out.contains("$PLIMSOLL_COMPONENTIZE_PY: /bin/echo (used)"), "{out}");

    // `policy test` outside a pack says what a pack directory is.
    let outside = with_tools(work.path(), &["policy", "test"], &[]);
    let err = String::from_utf8_lossy(&outside.stderr).to_string();
    assert_eq!(outside.status.code(), Some(2), "{}", text(&outside));
    assert!(err.contains("is not a pack directory") && err.contains("plimsoll policy new NAME"), "{err}");
}
