//! Byte sizes, durations and image references parsed exactly as Docker parses them.
//!
//! [`parse_bytes`] follows go-units `RAMInBytes` (binary multiples whatever the suffix says),
//! [`parse_duration_ms`] follows Go's `time.ParseDuration` (which compose-go uses for every
//! duration) truncated to milliseconds; both are the SDK's `sdk/src/units/parse.rs`, compiled into
//! this crate with `#[path]` so the host and the packs share one definition and one table of cases
//! (`sdk/tests/data/units.tsv`, tested in both crates). [`parse_image_ref`] follows the reference
//! grammar of `distribution/reference` closely enough to split a reference into registry,
//! repository, tag and digest (re-exported from [`crate::image`] so there is one implementation).
//! These are pure functions shared by the compose and Dockerfile loaders; they never panic.

#[path = "../../../sdk/src/units/parse.rs"]
mod parse;

/// Parse sizes (go-units `RAMInBytes`) and durations (Go's `time.ParseDuration`, in milliseconds):
/// the SDK's code, compiled here too, so host and packs read every value alike.
pub use parse::{parse_bytes, parse_duration_ms};

/// Split an image reference into registry, repository, tag and digest (one implementation, in [`crate::image`]).
pub use crate::image::parse_image_ref;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_refs() {
        let r = parse_image_ref("postgres");
        assert_eq!((r.registry, r.repository.as_str(), r.tag, r.digest), (None, "postgres", None, None));
        let r = parse_image_ref("localhost:5000/team/app:1.2@sha256:abc");
        assert_eq!(r.registry.as_deref(), Some("localhost:5000"));
        assert_eq!(r.repository, "team/app");
        assert_eq!(r.tag.as_deref(), Some("1.2"));
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
        let r = parse_image_ref("ghcr.io/org/img");
        assert_eq!((r.registry.as_deref(), r.repository.as_str(), r.tag), (Some("ghcr.io"), "org/img", None));
        let r = parse_image_ref("bitnami/redis:7.2");
        assert_eq!((r.registry, r.repository.as_str(), r.tag.as_deref()), (None, "bitnami/redis", Some("7.2")));
        let r = parse_image_ref("localhost/app");
        assert_eq!(r.registry.as_deref(), Some("localhost"));
    }
}
