//! Questions several `image` rules ask of the model: which images a project pulls, which stages of a
//! Dockerfile end up in an image that ships, and which build contexts a Dockerfile is built with.
//!
//! Plain functions over the model; rule-specific logic stays in the rule files.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use plimsoll_sdk::image::parse_image_ref;
use plimsoll_sdk::model::{ImageRef, Instruction, Project, Service, StageBase};
use plimsoll_sdk::query::NamedContext;
use plimsoll_sdk::{Subject, query, subject};

/// An image the project pulls: a service's `image:` (when it is not built) or a `FROM` of a Dockerfile.
pub struct Pulled<'a> {
    /// Where to report.
    pub subject: Subject,
    /// The reference.
    pub image: Cow<'a, ImageRef>,
    /// Who uses it, for messages: ``service `redis` `` or `` `api/Dockerfile` ``.
    pub user: String,
}

/// Every image the project pulls; references still holding an unresolved `$` are skipped.
pub fn pulled_images(project: &Project) -> Vec<Pulled<'_>> {
    let mut out = Vec::new();
    for service in &project.services {
        if service.build.is_some() {
            continue; // `image:` names the image being built, not one that is pulled.
        }
        if let Some(image) = &service.image
            && !image.raw.contains('$')
        {
            out.push(Pulled {
                subject: subject::service(&service.name, &["image"]),
                image: Cow::Borrowed(image),
                user: format!("service `{}`", service.name),
            });
        }
    }
    for (df_index, dockerfile) in project.dockerfiles.iter().enumerate() {
        for (index, instruction) in dockerfile.instructions.iter().enumerate() {
            // `COPY --from=<image>` and `RUN --mount=from=<image>` pull images too; a bare name that
            // is no stage is `unknown-stage-reference`'s to report.
            for reference in stage_references(instruction) {
                let is_stage = reference.parse::<u32>().is_ok()
                    || dockerfile
                        .stages
                        .iter()
                        .any(|s| s.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(&reference)));
                if is_stage || !reference.contains([':', '/', '@']) {
                    continue;
                }
                out.push(Pulled {
                    subject: subject::instruction(df_index as u32, index as u32),
                    image: Cow::Owned(parse_image_ref(&reference)),
                    user: format!("`{}`", dockerfile.path),
                });
            }
        }
        for stage in &dockerfile.stages {
            if let StageBase::Image(image) = &stage.base
                && !image.raw.is_empty()
                && !image.raw.contains('$')
                && !is_stage_name(project, df_index, &image.raw)
            {
                // A `FROM` naming a build context (`additional_contexts`) pulls only when the context
                // is `docker-image://…`, and then that image.
                let (image, user) = match query::named_context(project, df_index as u32, &image.raw) {
                    None => (Cow::Borrowed(image), format!("`{}`", dockerfile.path)),
                    Some(NamedContext::Image(pulled)) => {
                        (Cow::Owned(pulled), format!("`{}` (build context `{}`)", dockerfile.path, image.raw))
                    }
                    Some(_) => continue,
                };
                out.push(Pulled {
                    subject: subject::instruction(df_index as u32, stage.from_instruction),
                    image,
                    user,
                });
            }
        }
    }
    out
}

/// The stages or images an instruction reads from: `COPY --from=…` and `RUN --mount=…,from=…`
/// (references still holding an unresolved `$` are skipped).
pub fn stage_references(instruction: &Instruction) -> Vec<String> {
    let mut out = Vec::new();
    for flag in &instruction.flags {
        let Some(value) = &flag.value else { continue };
        if flag.name == "from" && instruction.keyword != "FROM" {
            out.push(value.clone());
        } else if flag.name == "mount" {
            out.extend(value.split(',').filter_map(|kv| kv.strip_prefix("from=")).map(str::to_string));
        }
    }
    out.retain(|r| !r.contains('$'));
    out
}

/// Whether a `FROM` reference names a stage of the Dockerfile, or an image another service of the
/// project builds from another Dockerfile (`image: base` with `build:`), which is not pulled. A service
/// that builds this very Dockerfile under the name of its base (`image: alpine`, `build: .`, `FROM alpine`)
/// does not count: the base cannot be the image being built, so it is pulled.
fn is_stage_name(project: &Project, df_index: usize, raw: &str) -> bool {
    project.dockerfiles[df_index].stages.iter().any(|s| s.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(raw)))
        || project.services.iter().any(|s| {
            let other = s.build.as_ref().is_some_and(|b| b.dockerfile_index != Some(df_index as u32));
            other && s.image.as_ref().is_some_and(|i| i.raw == raw)
        })
}

/// The services that build Dockerfile `df_index`.
pub fn builders(project: &Project, df_index: u32) -> Vec<&Service> {
    project.services.iter().filter(|s| s.build.as_ref().and_then(|b| b.dockerfile_index) == Some(df_index)).collect()
}

/// The stages of Dockerfile `df_index` that end up in a shipped image: the chains of the targets its
/// services build, or of its last stage when no service builds it (a standalone Dockerfile).
pub fn shipped_stages(project: &Project, df_index: u32) -> BTreeSet<u32> {
    let mut out = BTreeSet::new();
    let Some(dockerfile) = project.dockerfiles.get(df_index as usize) else { return out };
    let services = builders(project, df_index);
    let mut targets: Vec<u32> =
        services.iter().filter_map(|s| query::target_stage(project, s)).map(|t| t.2.index).collect();
    if services.is_empty()
        && let Some(last) = dockerfile.stages.last()
    {
        targets.push(last.index);
    }
    for target in targets {
        if let Some(stage) = dockerfile.stages.get(target as usize) {
            out.extend(query::stage_chain(dockerfile, stage).iter().map(|s| s.index));
        }
    }
    out
}

/// The build contexts Dockerfile `df_index` is built with: those of its services, or the project's
/// only context for a standalone Dockerfile.
pub fn contexts_of(project: &Project, df_index: u32) -> Vec<u32> {
    let services = builders(project, df_index);
    if services.is_empty() {
        return if project.services.is_empty() && project.contexts.len() == 1 { vec![0] } else { Vec::new() };
    }
    let set: BTreeSet<u32> = services.iter().filter_map(|s| s.build.as_ref().and_then(|b| b.context_index)).collect();
    set.into_iter().collect()
}

/// The services building each context, in service order.
pub fn context_users(project: &Project) -> BTreeMap<u32, Vec<&Service>> {
    let mut out: BTreeMap<u32, Vec<&Service>> = BTreeMap::new();
    for service in &project.services {
        if let Some(index) = service.build.as_ref().and_then(|b| b.context_index) {
            out.entry(index).or_default().push(service);
        }
    }
    out
}

/// The compose key of a service's build context (`build.context`, else `build` for the short form).
pub fn build_subject(service: &Service) -> Subject {
    subject::service(&service.name, &["build", "context"])
}

/// Whether a command's words start with `prefix`'s words (`pip install -r` matches
/// `pip install --no-cache-dir -r x`: options between the prefix's words are skipped).
pub fn starts_with_words(words: &[String], prefix: &str) -> bool {
    let start = match query::program(&plimsoll_sdk::model::SimpleCommand { words: words.to_vec() }) {
        Some((i, _)) => i,
        None => return false,
    };
    let mut rest = words[start..].iter().map(|w| w.rsplit('/').next().unwrap_or(w));
    let mut first = true;
    for want in prefix.split_whitespace() {
        loop {
            let Some(word) = rest.next() else { return false };
            if word == want {
                break;
            }
            // The program must match exactly; later, options may sit between the prefix's words.
            if first || !word.starts_with('-') {
                return false;
            }
        }
        first = false;
    }
    true
}

/// An instruction's text for a message: its first line, cut at 60 characters.
pub fn short(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default().trim_end_matches('\\').trim_end();
    if line.chars().count() > 60 {
        let cut: String = line.chars().take(57).collect();
        format!("{}…", cut.trim_end())
    } else {
        line.to_string()
    }
}

/// `1 file`, `2 files`.
pub fn plural(count: u64, noun: &str) -> String {
    if count == 1 { format!("1 {noun}") } else { format!("{count} {noun}s") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn word_prefixes_skip_options() {
        assert!(starts_with_words(&words(&["pip", "install", "--no-cache-dir", "-r", "r.txt"]), "pip install -r"));
        assert!(starts_with_words(&words(&["npm", "ci"]), "npm ci"));
        assert!(!starts_with_words(&words(&["npm", "run", "ci"]), "npm ci"));
        assert!(!starts_with_words(&words(&["pip", "install", "flask"]), "pip install -r"));
        assert!(starts_with_words(&words(&["/usr/local/bin/cargo", "build", "--release"]), "cargo build"));
    }
}
