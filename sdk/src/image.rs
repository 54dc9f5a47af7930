//! Image references: split `registry/repository:tag@digest` the way the host does, and the
//! questions rules ask of them (the name without tag, whether it is a Docker Official Image).
//!
//! The model already carries every image it names as an [`ImageRef`]; parse text here only when a
//! rule reads an image from somewhere untyped (an environment variable, a label, a setting).

use crate::model::ImageRef;

/// Split an image reference as written: the first path component is a registry when it contains
/// `.` or `:` or is `localhost`; a tag follows the last `:` after the last `/`; a digest follows `@`.
/// Nothing is normalized (`postgres` stays `postgres`).
///
/// ```
/// let image = plimsoll_sdk::image::parse_image_ref("ghcr.io/acme/api:1.2@sha256:abc");
/// assert_eq!(image.registry.as_deref(), Some("ghcr.io"));
/// assert_eq!(image.repository, "acme/api");
/// assert_eq!(image.tag.as_deref(), Some("1.2"));
/// assert_eq!(image.digest.as_deref(), Some("sha256:abc"));
/// ```
pub fn parse_image_ref(raw: &str) -> ImageRef {
    let text = raw.trim();
    let (name_tag, digest) = match text.split_once('@') {
        Some((n, d)) => (n, Some(d.to_string()).filter(|d| !d.is_empty())),
        None => (text, None),
    };
    let last_slash = name_tag.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name_tag[last_slash..].rfind(':') {
        Some(i) => {
            let at = last_slash + i;
            (&name_tag[..at], Some(name_tag[at + 1..].to_string()).filter(|t| !t.is_empty()))
        }
        None => (name_tag, None),
    };
    let (registry, repository) = match name.split_once('/') {
        Some((first, rest)) if first.contains('.') || first.contains(':') || first == "localhost" => {
            (Some(first.to_string()), rest.to_string())
        }
        _ => (None, name.to_string()),
    };
    ImageRef { raw: raw.to_string(), registry, repository, tag, digest }
}

/// The image name without tag or digest: `ghcr.io/acme/api`, `python`.
///
/// ```
/// use plimsoll_sdk::image::{image_name, parse_image_ref};
/// assert_eq!(image_name(&parse_image_ref("ghcr.io/acme/api:1.2")), "ghcr.io/acme/api");
/// assert_eq!(image_name(&parse_image_ref("python:3.12-slim")), "python");
/// ```
pub fn image_name(image: &ImageRef) -> String {
    match &image.registry {
        Some(registry) => format!("{registry}/{}", image.repository),
        None => image.repository.clone(),
    }
}

/// Whether an image is a Docker Official Image: on Docker Hub, without a namespace.
///
/// ```
/// use plimsoll_sdk::image::{is_official, parse_image_ref};
/// assert!(is_official(&parse_image_ref("postgres:16")));
/// assert!(is_official(&parse_image_ref("docker.io/library/node:22")));
/// assert!(!is_official(&parse_image_ref("bitnami/redis:7")));
/// assert!(!is_official(&parse_image_ref("ghcr.io/acme/api:1")));
/// ```
pub fn is_official(image: &ImageRef) -> bool {
    let hub = image.registry.as_deref().is_none_or(|r| r == "docker.io" || r == "index.docker.io");
    let repository = image.repository.strip_prefix("library/").unwrap_or(&image.repository);
    hub && !repository.contains('/')
}
