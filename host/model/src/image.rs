//! Image references (`registry/repository:tag@digest`) split into their parts.
//!
//! The split follows Docker's reference grammar closely enough for policies: the first path
//! component is a registry when it contains a `.` or a `:` or is `localhost`; a tag follows the
//! last `:` after the last `/`; a digest follows `@`. Nothing is normalized (`postgres` stays
//! `postgres`, not `docker.io/library/postgres`) and nothing here fails: odd input is kept as the
//! repository.

use crate::model::ImageRef;

/// Split an image reference as written (after interpolation) into its parts.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_every_part() {
        let r = parse_image_ref("ghcr.io/org/app:1.2@sha256:abc");
        assert_eq!(r.registry.as_deref(), Some("ghcr.io"));
        assert_eq!(r.repository, "org/app");
        assert_eq!(r.tag.as_deref(), Some("1.2"));
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
    }

    #[test]
    fn registry_with_port_is_not_a_tag() {
        let r = parse_image_ref("localhost:5000/app");
        assert_eq!(r.registry.as_deref(), Some("localhost:5000"));
        assert_eq!(r.repository, "app");
        assert_eq!(r.tag, None);
    }

    #[test]
    fn docker_hub_names_stay_as_written() {
        let r = parse_image_ref("python:3.11-slim");
        assert_eq!(r.registry, None);
        assert_eq!(r.repository, "python");
        assert_eq!(r.tag.as_deref(), Some("3.11-slim"));
        let r = parse_image_ref("bitnami/redis");
        assert_eq!(r.repository, "bitnami/redis");
        assert_eq!(r.tag, None);
    }
}
