//! `env_file:` read into `environment` as Compose does, with every variable located in its env
//! file; bare `environment` entries taken from `.env`; missing required env files as located errors.
//! The expected values were checked against `docker-compose config` v2.40.3.

use std::collections::HashMap;
use std::path::Path;

use plimsoll_model::model::Subject;
use plimsoll_model::{LoadOptions, LoadedProject, load};

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
}

fn load_dir(dir: &Path) -> LoadedProject {
    let options = LoadOptions { environment: Some(HashMap::new()), ..LoadOptions::default() };
    load(&[dir.to_path_buf()], &options)
}

fn env(p: &LoadedProject, service: &str) -> Vec<(String, Option<String>)> {
    let s = p.model.services.iter().find(|s| s.name == service).expect("service");
    let mut v: Vec<_> = s.environment.iter().map(|kv| (kv.name.clone(), kv.value.clone())).collect();
    v.sort();
    v
}

fn pair(k: &str, v: Option<&str>) -> (String, Option<String>) {
    (k.to_owned(), v.map(str::to_owned))
}

fn located(p: &LoadedProject, path: &[&str]) -> (String, u32, u32) {
    let loc = p.locate(&Subject::Compose(path.iter().map(|s| (*s).to_owned()).collect())).expect("located");
    (loc.file.file_name().expect("name").to_string_lossy().into_owned(), loc.line, loc.column)
}

#[test]
fn env_files_are_read_in_order_under_environment_and_located() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        &[
            (
                "compose.yaml",
                "services:\n  a:\n    image: alpine\n    env_file:\n      - a.env\n      - path: ./missing.env\n        required: false\n      - path: raw.env\n        format: raw\n    environment:\n      B: fromenv\n      C:\n      DOT:\n      X: $$lit\n",
            ),
            (
                "a.env",
                "# comment\nA=1\nexport B=2\nC=3 # c\nE='single $A'\nF=${A}b\nG=${DOT}\nH\nDOT=overridden\nI=${DOT}\nJAVA_OPTS=-Xmx4g\n",
            ),
            ("raw.env", "R=\"quoted ${A}\"\nS=x # y\nJAVA_OPTS=-Xmx8g\n"),
            (".env", "DOT=fromdotenv\n"),
        ],
    );
    let p = load_dir(dir.path());
    assert!(!p.has_errors(), "{:?}", p.diagnostics);
    assert_eq!(
        env(&p, "a"),
        vec![
            pair("A", Some("1")),
            pair("B", Some("fromenv")),
            // `C:` with no value in `environment` wins over the env file, and is unset (null).
            pair("C", None),
            pair("DOT", Some("fromdotenv")),
            pair("E", Some("single $A")),
            pair("F", Some("1b")),
            pair("G", Some("fromdotenv")),
            pair("I", Some("fromdotenv")),
            pair("JAVA_OPTS", Some("-Xmx8g")),
            pair("R", Some("\"quoted ${A}\"")),
            pair("S", Some("x # y")),
            pair("X", Some("$lit")),
        ]
    );
    // Each variable points at its line in the env file that set it last.
    assert_eq!(located(&p, &["services", "a", "environment", "JAVA_OPTS"]), ("raw.env".to_owned(), 3, 1));
    assert_eq!(located(&p, &["services", "a", "environment", "F"]), ("a.env".to_owned(), 6, 1));
    assert_eq!(located(&p, &["services", "a", "environment", "B"]), ("compose.yaml".to_owned(), 11, 7));
    let locations = p.locations();
    let f = &locations["services.a.environment.F"];
    assert_eq!((f.file.file_name().expect("name").to_str(), f.line, f.column), (Some("a.env"), 6, 3));
    // A value that came from interpolation in the env file keeps its template.
    let a = p.model.services.iter().find(|s| s.name == "a").expect("a");
    assert!(a.templates.iter().any(|t| t.name == "environment.F" && t.value.as_deref() == Some("${A}b")));
    // The effective environment sees them too.
    assert!(a.effective.environment.iter().any(|kv| kv.name == "JAVA_OPTS"));
}

#[test]
fn bare_entries_take_their_value_from_dotenv() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        &[
            (
                "compose.yaml",
                "services:\n  a:\n    image: alpine\n    environment:\n      - TOKEN\n      - UNSET\n  b:\n    image: alpine\n    environment:\n      TOKEN:\n",
            ),
            (".env", "TOKEN=s3cret\n"),
        ],
    );
    let p = load_dir(dir.path());
    assert!(!p.has_errors(), "{:?}", p.diagnostics);
    assert_eq!(env(&p, "a"), vec![pair("TOKEN", Some("s3cret")), pair("UNSET", None)]);
    assert_eq!(env(&p, "b"), vec![pair("TOKEN", Some("s3cret"))]);
    let a = p.model.services.iter().find(|s| s.name == "a").expect("a");
    assert!(a.templates.iter().any(|t| t.name == "environment.TOKEN" && t.value.as_deref() == Some("${TOKEN}")));
}

#[test]
fn a_missing_required_env_file_is_a_located_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), &[("compose.yaml", "services:\n  a:\n    image: alpine\n    env_file:\n      - nope.env\n")]);
    let p = load_dir(dir.path());
    let errors: Vec<_> = p.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let loc = errors[0].location.as_ref().expect("located");
    assert_eq!((loc.file.file_name().and_then(|f| f.to_str()), loc.line, loc.column), (Some("compose.yaml"), 5, 9));
    assert!(errors[0].message.contains("nope.env") && errors[0].message.contains("not found"), "{}", errors[0]);
}

#[test]
fn env_file_syntax_errors_point_into_the_env_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        &[
            ("compose.yaml", "services:\n  a:\n    image: alpine\n    env_file: bad.env\n"),
            ("bad.env", "OK=1\n\nA B=1\n"),
        ],
    );
    let p = load_dir(dir.path());
    let e = p.diagnostics.iter().find(|d| d.is_error()).expect("an error");
    let loc = e.location.as_ref().expect("located");
    assert_eq!((loc.file.file_name().and_then(|f| f.to_str()), loc.line, loc.column), (Some("bad.env"), 3, 1));
    assert!(e.message.contains("space"), "{e}");

    write(
        dir.path(),
        &[(
            "compose.yaml",
            "services:\n  a:\n    image: alpine\n    env_file:\n      - path: bad.env\n        format: yaml\n",
        )],
    );
    let p = load_dir(dir.path());
    let e = p.diagnostics.iter().find(|d| d.is_error()).expect("an error");
    assert_eq!(e.location.as_ref().map(|l| (l.line, l.column)), Some((6, 17)));
    assert!(e.message.contains("unsupported env_file format"), "{e}");
}

#[test]
fn env_files_of_an_extended_service_are_relative_to_its_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        &[
            ("compose.yaml", "services:\n  a:\n    extends:\n      file: sub/base.yaml\n      service: base\n"),
            ("sub/base.yaml", "services:\n  base:\n    image: alpine\n    env_file: base.env\n"),
            ("sub/base.env", "FROM_BASE=yes\n"),
        ],
    );
    let p = load_dir(dir.path());
    assert!(!p.has_errors(), "{:?}", p.diagnostics);
    assert_eq!(env(&p, "a"), vec![pair("FROM_BASE", Some("yes"))]);
    assert_eq!(located(&p, &["services", "a", "environment", "FROM_BASE"]), ("base.env".to_owned(), 1, 1));
}
