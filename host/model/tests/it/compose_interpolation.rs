//! Interpolation as the Compose specification defines it: every form, the sources and their
//! precedence, located errors for required variables and located warnings for unset ones.

use std::collections::HashMap;
use std::path::PathBuf;

use plimsoll_model::compose::interpolate::{Env, interpolate};
use plimsoll_model::compose::load_project;
use plimsoll_model::{Level, LoadOptions, LoadedProject};

fn env(pairs: &[(&str, &str)]) -> Env {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn expand(input: &str, vars: &Env) -> Result<String, String> {
    interpolate(input, vars).map(|(text, _)| text)
}

#[test]
fn plain_and_braced_variables() {
    let e = env(&[("V", "value"), ("EMPTY", "")]);
    assert_eq!(expand("${V}", &e).as_deref(), Ok("value"));
    assert_eq!(expand("$V", &e).as_deref(), Ok("value"));
    assert_eq!(expand("a-$V-b", &e).as_deref(), Ok("a-value-b"));
    assert_eq!(expand("$V.x", &e).as_deref(), Ok("value.x"));
    assert_eq!(expand("${EMPTY}", &e).as_deref(), Ok(""));
}

#[test]
fn unset_variables_become_empty_and_are_reported() {
    let (text, outcome) = interpolate("x${NOPE}y$ALSO_NOPE", &Env::new()).expect("valid");
    assert_eq!(text, "xy");
    assert_eq!(outcome.unset, vec!["NOPE".to_owned(), "ALSO_NOPE".to_owned()]);
}

#[test]
fn default_forms_distinguish_unset_from_empty() {
    let e = env(&[("SET", "s"), ("EMPTY", "")]);
    assert_eq!(expand("${SET:-d}", &e).as_deref(), Ok("s"));
    assert_eq!(expand("${EMPTY:-d}", &e).as_deref(), Ok("d"));
    assert_eq!(expand("${UNSET:-d}", &e).as_deref(), Ok("d"));
    assert_eq!(expand("${SET-d}", &e).as_deref(), Ok("s"));
    assert_eq!(expand("${EMPTY-d}", &e).as_deref(), Ok(""));
    assert_eq!(expand("${UNSET-d}", &e).as_deref(), Ok("d"));
    assert_eq!(expand("${UNSET:-}", &e).as_deref(), Ok(""));
    assert_eq!(expand("${UNSET:-a b:c}", &e).as_deref(), Ok("a b:c"));
}

#[test]
fn required_forms_fail_with_the_message() {
    let e = env(&[("SET", "s"), ("EMPTY", "")]);
    assert_eq!(expand("${SET:?boom}", &e).as_deref(), Ok("s"));
    assert_eq!(expand("${SET?boom}", &e).as_deref(), Ok("s"));
    assert_eq!(expand("${EMPTY?boom}", &e).as_deref(), Ok(""));
    let err = expand("${EMPTY:?must be set}", &e).expect_err("empty is missing for :?");
    assert_eq!(err, "required variable `EMPTY` is missing a value: must be set");
    let err = expand("${UNSET?}", &e).expect_err("unset is missing for ?");
    assert_eq!(err, "required variable `UNSET` is missing a value");
}

#[test]
fn alternative_forms() {
    let e = env(&[("SET", "s"), ("EMPTY", "")]);
    assert_eq!(expand("${SET:+r}", &e).as_deref(), Ok("r"));
    assert_eq!(expand("${EMPTY:+r}", &e).as_deref(), Ok(""));
    assert_eq!(expand("${UNSET:+r}", &e).as_deref(), Ok(""));
    assert_eq!(expand("${SET+r}", &e).as_deref(), Ok("r"));
    assert_eq!(expand("${EMPTY+r}", &e).as_deref(), Ok("r"));
    assert_eq!(expand("${UNSET+r}", &e).as_deref(), Ok(""));
}

#[test]
fn nested_defaults_and_escapes() {
    let e = env(&[("W", "w")]);
    assert_eq!(expand("${V:-${W:-x}}", &e).as_deref(), Ok("w"));
    assert_eq!(expand("${V:-${U:-x}}", &Env::new()).as_deref(), Ok("x"));
    assert_eq!(expand("${V:-pre-${W}-post}", &e).as_deref(), Ok("pre-w-post"));
    assert_eq!(expand("$$V", &e).as_deref(), Ok("$V"));
    assert_eq!(expand("$${W}", &e).as_deref(), Ok("${W}"));
    assert_eq!(expand("echo $$HOME && $$$W", &e).as_deref(), Ok("echo $HOME && $w"));
}

#[test]
fn invalid_templates_are_errors() {
    assert!(expand("${", &Env::new()).is_err());
    assert!(expand("${V", &Env::new()).is_err());
    assert!(expand("${1V}", &Env::new()).is_err());
    assert!(expand("${V!x}", &Env::new()).is_err());
    // A `$` that starts nothing is a literal, as in compose-go.
    assert_eq!(expand("price: $9 $(date) 5$", &Env::new()).as_deref(), Ok("price: $9 $(date) 5$"));
}

fn write(dir: &std::path::Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
}

fn load_dir(dir: &std::path::Path, process: &[(&str, &str)], env_files: Vec<PathBuf>) -> LoadedProject {
    let options = LoadOptions {
        environment: Some(process.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<HashMap<_, _>>()),
        env_files,
        ..LoadOptions::default()
    };
    load_project(&[dir.to_path_buf()], &options)
}

fn env_of(p: &LoadedProject, service: &str, name: &str) -> Option<String> {
    let s = p.model.services.iter().find(|s| s.name == service)?;
    s.environment.iter().find(|kv| kv.name == name).and_then(|kv| kv.value.clone())
}

#[test]
fn process_environment_over_env_file_which_replaces_dotenv() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        &[
            (
                "compose.yaml",
                "services:\n  app:\n    image: app:${TAG}\n    environment:\n      A: ${A}\n      B: ${B}\n      C: ${C}\n",
            ),
            (".env", "A=dotenv\nB=dotenv\nTAG=1.0\n"),
            ("extra.env", "A=file\nB=file\nC=file\n"),
        ],
    );
    // Without --env-file, `.env` is read; the process environment wins over it.
    let p = load_dir(dir.path(), &[("A", "process")], Vec::new());
    assert!(!p.has_errors(), "{:?}", p.diagnostics);
    assert_eq!(env_of(&p, "app", "A").as_deref(), Some("process"));
    assert_eq!(env_of(&p, "app", "B").as_deref(), Some("dotenv"));
    assert_eq!(env_of(&p, "app", "C").as_deref(), Some(""));
    let image = p.model.services[0].image.as_ref().expect("image");
    assert_eq!(image.raw, "app:1.0");
    assert_eq!(image.tag.as_deref(), Some("1.0"));
    // --env-file replaces `.env` (docker-compose v2.40.3 does the same): TAG is no longer set.
    let p = load_dir(dir.path(), &[("A", "process")], vec![dir.path().join("extra.env")]);
    assert!(!p.has_errors(), "{:?}", p.diagnostics);
    assert_eq!(env_of(&p, "app", "A").as_deref(), Some("process"));
    assert_eq!(env_of(&p, "app", "B").as_deref(), Some("file"));
    assert_eq!(env_of(&p, "app", "C").as_deref(), Some("file"));
    assert_eq!(p.model.services[0].image.as_ref().expect("image").raw, "app:");
}

#[test]
fn missing_required_variable_is_a_located_error_and_unset_a_located_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        &[(
            "compose.yaml",
            "services:\n  app:\n    image: ${IMAGE:?set IMAGE}\n    environment:\n      - X=${UNSET_X}\n",
        )],
    );
    let p = load_dir(dir.path(), &[], Vec::new());
    let err = p.diagnostics.iter().find(|d| d.level == Level::Error).expect("an error");
    assert_eq!(err.message, "required variable `IMAGE` is missing a value: set IMAGE");
    let loc = err.location.as_ref().expect("located");
    assert!(loc.file.ends_with("compose.yaml"));
    assert_eq!((loc.line, loc.column), (3, 12));
    let warn = p.diagnostics.iter().find(|d| d.level == Level::Warning).expect("a warning");
    assert_eq!(warn.message, "variable `UNSET_X` is not set, defaulting to a blank string");
    assert_eq!(warn.location.as_ref().map(|l| (l.line, l.column)), Some((5, 9)));
}

#[test]
fn keys_are_not_interpolated_and_escapes_survive() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        &[(
            "compose.yaml",
            "services:\n  app:\n    image: busybox\n    command: echo $$HOME\n    labels:\n      ${KEY}: v\n",
        )],
    );
    let p = load_dir(dir.path(), &[("KEY", "k")], Vec::new());
    assert!(!p.has_errors(), "{:?}", p.diagnostics);
    let s = &p.model.services[0];
    assert_eq!(s.command, Some(vec!["echo".to_owned(), "$HOME".to_owned()]));
    assert_eq!(s.labels[0].name, "${KEY}");
}
