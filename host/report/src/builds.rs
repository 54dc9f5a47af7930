//! Images and builds: per service that builds an image, what the build sends (the context after
//! `.dockerignore`, with the notable entries it still sends), the Dockerfile, its stages, the base
//! image of the stage that is built and the user the container runs as.
//!
//! Read off the loaded model for the Markdown and HTML reviews; it judges nothing (the `image/*`
//! rules do) and reads no files.

use plimsoll_check::ProjectResult;
use plimsoll_model::model::{Origin, StageBase};

/// One built service.
#[derive(Debug, Clone, PartialEq)]
pub struct Built {
    /// The service.
    pub service: String,
    /// The context as written.
    pub context: String,
    /// Bytes and files sent, when the context is a scanned directory.
    pub sent: Option<(u64, u64)>,
    /// The `.dockerignore` in force.
    pub dockerignore: Option<String>,
    /// Notable entries still sent (`path`, `kind`, bytes).
    pub notable: Vec<(String, String, u64)>,
    /// The Dockerfile.
    pub dockerfile: String,
    /// Number of stages.
    pub stages: usize,
    /// The base image of the built stage, followed through earlier stages (`scratch` for none).
    pub base: Option<String>,
    /// The user it runs as, and where that comes from (`compose`, `Dockerfile`, or unset: root).
    pub user: (String, &'static str),
}

/// The built services of a project, in compose order.
pub fn of(project: &ProjectResult) -> Vec<Built> {
    let Some(loaded) = &project.loaded else { return Vec::new() };
    let model = &loaded.model;
    let mut out = Vec::new();
    for s in &model.services {
        let Some(build) = &s.build else { continue };
        let context = build.context_index.and_then(|i| model.contexts.get(i as usize));
        let dockerfile = build.dockerfile_index.and_then(|i| model.dockerfiles.get(i as usize));
        let base = dockerfile.and_then(|d| {
            let mut stage =
                d.stages.get(build.target_stage.unwrap_or(d.stages.len().saturating_sub(1) as u32) as usize)?;
            for _ in 0..d.stages.len() {
                match &stage.base {
                    StageBase::Image(image) => return Some(image.raw.clone()),
                    StageBase::Scratch => return Some("scratch".to_string()),
                    StageBase::Stage(i) => stage = d.stages.get(*i as usize)?,
                }
            }
            None
        });
        let user = match (&s.effective.user, s.effective.user_origin) {
            (Some(u), Origin::Compose) => (u.clone(), "compose"),
            (Some(u), Origin::Image) => (u.clone(), "Dockerfile"),
            (Some(u), Origin::Unset) => (u.clone(), "compose"),
            (None, _) => ("root".to_string(), "unset: the base image's user, root for most"),
        };
        out.push(Built {
            service: s.name.clone(),
            context: build.context.clone(),
            sent: context
                .filter(|c| c.kind == plimsoll_model::model::ContextKind::Directory)
                .map(|c| (c.bytes, c.file_count)),
            dockerignore: context.and_then(|c| c.dockerignore.clone()),
            notable: context
                .map(|c| {
                    c.notable.iter().filter(|n| !n.ignored).map(|n| (n.path.clone(), n.kind.clone(), n.bytes)).collect()
                })
                .unwrap_or_default(),
            dockerfile: dockerfile
                .map(|d| d.path.clone())
                .or_else(|| build.dockerfile.clone())
                .unwrap_or_else(|| "Dockerfile".to_string()),
            stages: dockerfile.map_or(0, |d| d.stages.len()),
            base,
            user,
        });
    }
    out
}
