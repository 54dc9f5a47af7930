//! Compose services linked to their Dockerfiles and contexts, on the shared acceptance stacks.

use std::path::{Path, PathBuf};

use plimsoll_model::model::{ContextKind, Origin, Service, StageBase};
use plimsoll_model::{LoadOptions, LoadedProject, load};

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared");

fn stack(path: &str) -> LoadedProject {
    let options = LoadOptions { environment: Some(Default::default()), ..LoadOptions::default() };
    let project = load(&[PathBuf::from(SHARED).join("acceptance").join(path)], &options);
    let errors: Vec<String> = project.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    project
}

fn service<'a>(project: &'a LoadedProject, name: &str) -> &'a Service {
    project.model.services.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("service {name}"))
}

#[test]
fn vx11_context_dot_sends_env_and_venv() {
    let p = stack("vx11");
    let madre = service(&p, "madre");
    let build = madre.build.as_ref().expect("build");
    let ctx = &p.model.contexts[build.context_index.expect("context") as usize];
    assert_eq!(ctx.path, ".");
    assert_eq!(ctx.kind, ContextKind::Directory);
    assert_eq!(ctx.dockerignore, None, "no .dockerignore at the context root");
    let sent = |kind: &str, path: &str| ctx.notable.iter().any(|n| n.kind == kind && n.path == path && !n.ignored);
    assert!(sent("env-file", ".env"), "{:?}", ctx.notable);
    assert!(sent("virtualenv", ".venv"), "{:?}", ctx.notable);
    assert!(ctx.file_count >= 10 && ctx.bytes >= 600_000, "{} files, {} bytes", ctx.file_count, ctx.bytes);
    // The four services building from `.` share one scan; each has its own Dockerfile.
    let dot_users =
        p.model.services.iter().filter(|s| s.build.as_ref().and_then(|b| b.context_index) == build.context_index);
    assert_eq!(dot_users.count(), 4);
    let df = &p.model.dockerfiles[build.dockerfile_index.expect("dockerfile") as usize];
    assert_eq!(df.path, "madre/Dockerfile");
    // operator-frontend's context has its own .dockerignore.
    let front = service(&p, "operator-frontend").build.as_ref().expect("build");
    let ctx = &p.model.contexts[front.context_index.expect("context") as usize];
    assert_eq!(ctx.path, "operator_backend/frontend");
    assert_eq!(ctx.dockerignore.as_deref(), Some("operator_backend/frontend/.dockerignore"));
    assert_eq!(service(&p, "operator-frontend").effective.healthcheck_origin, Origin::Image);
}

#[test]
fn e2i_api_target_inherits_build_essential_from_base() {
    let p = stack("e2i/docker");
    let api = service(&p, "api");
    let build = api.build.as_ref().expect("build");
    assert_eq!(build.context, "..");
    let df_index = build.dockerfile_index.expect("dockerfile");
    let df = &p.model.dockerfiles[df_index as usize];
    // `..` + `docker/Dockerfile` is the Dockerfile next to the compose file.
    assert_eq!(df.path, "Dockerfile", "resolved from context `..`");
    let target = build.target_stage.expect("target stage");
    let stage = &df.stages[target as usize];
    assert_eq!(stage.name.as_deref(), Some("api"));
    let StageBase::Stage(base) = stage.base else { panic!("api is built on a stage: {:?}", stage.base) };
    assert_eq!(df.stages[base as usize].name.as_deref(), Some("base"));
    let installs_build_essential = df.stages[base as usize].instructions.iter().any(|&i| {
        df.instructions[i as usize].commands.iter().any(|c| {
            c.words.starts_with(&["apt-get".to_string(), "install".to_string()])
                && c.words.iter().any(|w| w == "build-essential")
        })
    });
    assert!(installs_build_essential);
    let ctx = &p.model.contexts[build.context_index.expect("context") as usize];
    assert_eq!(ctx.path, "..");
    assert_eq!(ctx.dockerignore.as_deref(), Some("../.dockerignore"));
    assert!(ctx.dockerignore_patterns.iter().any(|p| p == ".venv"));
    // The spans locate instructions in the real file.
    let source = &p.dockerfiles[df_index as usize];
    assert!(source.file.ends_with("e2i/docker/Dockerfile"));
    assert_eq!(source.spans.len(), df.instructions.len());
    assert_eq!((source.spans[0].line, source.spans[0].column), (2, 1));
    assert_eq!((source.spans[2].line, source.spans[2].end_line), (4, 6), "RUN with continuations");
    // Effective values: compose healthcheck, image user and command of the `api` stage.
    assert_eq!(api.effective.healthcheck_origin, Origin::Compose);
    assert_eq!(api.effective.user.as_deref(), Some("e2i"));
    assert_eq!(api.effective.user_origin, Origin::Image);
    assert_eq!(api.effective.command_origin, Origin::Image);
    assert_eq!(api.effective.exposed_ports, ["8000"]);
    assert!(api.effective.environment.iter().any(|kv| kv.name == "PYTHONUNBUFFERED"));
    assert!(api.effective.environment.iter().any(|kv| kv.name == "REDIS_URL"));
    // worker and scheduler share the parse of the same Dockerfile (same args).
    let worker = service(&p, "worker").build.as_ref().expect("build");
    assert_eq!(worker.dockerfile_index, Some(df_index));
    assert_eq!(service(&p, "worker").effective.command_origin, Origin::Compose);
}

#[test]
fn nsn_local_vortex_healthcheck_comes_from_its_dockerfile() {
    let p = stack("nsn-local");
    let vortex = service(&p, "vortex");
    assert_eq!(vortex.healthcheck, None);
    assert_eq!(vortex.effective.healthcheck_origin, Origin::Image);
    let hc = vortex.effective.healthcheck.as_ref().expect("healthcheck");
    assert_eq!(hc.test[0], "CMD-SHELL");
    assert!(hc.test[1].starts_with("python3 -c"));
    assert_eq!(
        (hc.interval, hc.timeout, hc.start_period, hc.retries),
        (Some(30_000), Some(10_000), Some(60_000), Some(3))
    );
    let df = &p.model.dockerfiles[vortex.build.as_ref().and_then(|b| b.dockerfile_index).expect("dockerfile") as usize];
    assert_eq!(df.path, "docker/Dockerfile.vortex");
}

#[test]
fn every_acceptance_stack_links_without_errors() {
    for name in ["ziggie-before", "ziggie-after", "nsn-local", "vx11", "e2i/docker"] {
        let p = stack(name);
        for s in &p.model.services {
            if let Some(b) = &s.build {
                assert!(b.context_index.is_some(), "{name}/{}", s.name);
                assert!(b.dockerfile_index.is_some(), "{name}/{}", s.name);
                assert!(b.target_stage.is_some(), "{name}/{}", s.name);
            }
        }
        assert_eq!(p.model.dockerfiles.len(), p.dockerfiles.len());
    }
}

#[test]
fn standalone_dockerfile_is_a_project() {
    let file = Path::new(SHARED).join("acceptance/e2i/docker/Dockerfile");
    let p = load(&[file], &LoadOptions::default());
    assert!(!p.has_errors(), "{:?}", p.diagnostics);
    assert!(p.model.services.is_empty());
    assert!(p.primary_file.as_ref().is_some_and(|f| f.ends_with("e2i/docker/Dockerfile")));
    assert_eq!(p.model.dockerfiles.len(), 1);
    assert_eq!(p.model.dockerfiles[0].path, "Dockerfile");
    assert_eq!(p.model.dockerfiles[0].stages.len(), 3);
    assert_eq!(p.model.contexts.len(), 1);
    assert_eq!(p.model.contexts[0].path, ".");
    assert!(p.model.contexts[0].file_count >= 3);
}
