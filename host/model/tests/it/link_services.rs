//! Linking on hand-built projects: missing Dockerfiles, unknown targets, URL contexts, build args
//! and effective values.

use std::fs;
use std::path::PathBuf;

use plimsoll_model::LoadedProject;
use plimsoll_model::link::link;
use plimsoll_model::model::{Build, ContextKind, Healthcheck, KeyValue, Origin, Service, StageBase};

fn service(name: &str, build: Build) -> Service {
    Service { name: name.into(), build: Some(build), ..Service::default() }
}

fn project(dir: PathBuf, services: Vec<Service>) -> LoadedProject {
    let mut p = LoadedProject { directory: dir, ..LoadedProject::default() };
    p.model.services = services;
    p
}

#[test]
fn missing_dockerfile_unknown_target_and_url_context() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::create_dir_all(dir.path().join("app")).expect("mkdir");
    fs::write(dir.path().join("app/Dockerfile"), "FROM alpine AS one\nFROM one AS two\n").expect("write");
    let mut p = project(
        dir.path().to_path_buf(),
        vec![
            service(
                "nofile",
                Build { context: "app".into(), dockerfile: Some("Dockerfile.missing".into()), ..Build::default() },
            ),
            service("badtarget", Build { context: "app".into(), target: Some("three".into()), ..Build::default() }),
            service("remote", Build { context: "https://github.com/x/y.git".into(), ..Build::default() }),
            service("ok", Build { context: "app".into(), target: Some("ONE".into()), ..Build::default() }),
        ],
    );
    link(&mut p);
    let msgs: Vec<String> = p.diagnostics.iter().map(|d| d.message.clone()).collect();
    assert_eq!(
        msgs,
        [
            "dockerfile `app/Dockerfile.missing` of service `nofile` does not exist",
            "service `badtarget` targets stage `three`, which `app/Dockerfile` does not define",
        ]
    );
    assert!(!p.diagnostics[0].is_error());
    assert!(p.diagnostics[1].is_error());
    let b = |i: usize| p.model.services[i].build.clone().expect("build");
    assert_eq!(b(0).dockerfile_index, None);
    assert_eq!(b(0).context_index, Some(0));
    assert_eq!(b(1).dockerfile_index, Some(0));
    assert_eq!(b(1).target_stage, None);
    assert_eq!(p.model.contexts[b(2).context_index.expect("ctx") as usize].kind, ContextKind::Url);
    assert_eq!(b(3).target_stage, Some(0));
    assert_eq!(b(3).dockerfile_index, Some(0), "one parse per (file, args)");
    assert_eq!(p.model.dockerfiles.len(), 1);
    assert_eq!(p.dockerfiles.len(), 1);
}

#[test]
fn build_args_flow_into_from_and_effective_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(
        dir.path().join("Dockerfile"),
        concat!(
            "ARG BASE=python:3.12-slim\n",
            "FROM ${BASE}\n",
            "ENV APP_ENV=prod PORT=8000\n",
            "USER app\n",
            "EXPOSE 8000\n",
            "HEALTHCHECK --interval=10s CMD curl -f http://localhost:8000/\n",
            "ENTRYPOINT [\"gunicorn\"]\n",
            "CMD [\"app:app\"]\n",
        ),
    )
    .expect("write");
    let args = vec![KeyValue { name: "BASE".into(), value: Some("python:3.11-alpine".into()) }];
    let mut with_args = service("a", Build { context: ".".into(), args, ..Build::default() });
    with_args.user = Some("root".into());
    with_args.environment = vec![KeyValue { name: "APP_ENV".into(), value: Some("dev".into()) }];
    with_args.expose = vec!["9000".into()];
    with_args.healthcheck = Some(Healthcheck { interval: Some(5_000), ..Healthcheck::default() });
    let mut plain = service("b", Build { context: ".".into(), ..Build::default() });
    plain.entrypoint = Some(vec!["sh".into()]);
    let image_only = Service { name: "c".into(), command: Some(vec!["redis-server".into()]), ..Service::default() };
    let mut p = project(dir.path().to_path_buf(), vec![with_args, plain, image_only]);
    link(&mut p);
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    assert_eq!(p.model.dockerfiles.len(), 2, "different args: two parses");
    let base = |i: usize| match &p.model.dockerfiles[i].stages[0].base {
        StageBase::Image(r) => r.raw.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(base(0), "python:3.11-alpine");
    assert_eq!(base(1), "python:3.12-slim");
    assert_eq!(p.model.contexts.len(), 1, "one scan per context");

    let a = &p.model.services[0].effective;
    assert_eq!((a.user.as_deref(), a.user_origin), (Some("root"), Origin::Compose));
    let hc = a.healthcheck.as_ref().expect("healthcheck");
    assert_eq!(hc.test, ["CMD-SHELL", "curl -f http://localhost:8000/"], "timings-only compose keeps the image test");
    assert_eq!(hc.interval, Some(5_000));
    assert_eq!(a.healthcheck_origin, Origin::Compose);
    assert_eq!(a.exposed_ports, ["8000", "9000"]);
    let env: Vec<(&str, Option<&str>)> =
        a.environment.iter().map(|kv| (kv.name.as_str(), kv.value.as_deref())).collect();
    assert_eq!(env, [("PORT", Some("8000")), ("APP_ENV", Some("dev"))]);
    assert_eq!((a.command.clone(), a.command_origin), (Some(vec!["app:app".to_string()]), Origin::Image));
    assert_eq!(a.entrypoint_origin, Origin::Image);

    let b = &p.model.services[1].effective;
    assert_eq!((b.user.as_deref(), b.user_origin), (Some("app"), Origin::Image));
    assert_eq!((b.entrypoint.clone(), b.entrypoint_origin), (Some(vec!["sh".to_string()]), Origin::Compose));
    assert_eq!(
        (b.command.clone(), b.command_origin),
        (None, Origin::Unset),
        "a compose entrypoint clears the image CMD"
    );
    assert_eq!(b.healthcheck_origin, Origin::Image);

    let c = &p.model.services[2].effective;
    assert_eq!(c.command_origin, Origin::Compose);
    assert_eq!((c.healthcheck_origin, c.user_origin), (Origin::Unset, Origin::Unset));
}
