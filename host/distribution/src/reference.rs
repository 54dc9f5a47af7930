//! `oci://registry[:port]/repository[:tag][@sha256:…]`: the reference of a pack in a registry.
//!
//! The registry is always explicit (there is no default registry a pack could silently come from),
//! names follow the distribution spec's grammar, and a reference without a tag or digest is an
//! error rather than an implicit `latest`. This module parses and prints; it never touches the
//! network.

use std::fmt;

use crate::Error;

/// The scheme `packs:` entries and the `policy` commands use for registry references.
pub const SCHEME: &str = "oci://";

/// A parsed pack reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    /// `host[:port]`.
    pub registry: String,
    /// The repository path, e.g. `acme/ports`.
    pub repository: String,
    /// The tag, when given.
    pub tag: Option<String>,
    /// The manifest digest (`sha256:<hex>`), when given.
    pub digest: Option<String>,
}

/// Whether `text` is a registry reference (`oci://…`) rather than a local path.
pub fn is_oci(text: &str) -> bool {
    text.starts_with(SCHEME)
}

impl Reference {
    /// Parse `oci://…` (the scheme may be left out on the command line).
    pub fn parse(text: &str) -> Result<Self, Error> {
        let bad = |why: &str| Error::Reference { reference: text.to_string(), message: why.to_string() };
        let rest = text.strip_prefix(SCHEME).unwrap_or(text);
        if rest.is_empty() {
            return Err(bad("empty reference"));
        }
        if rest.contains("://") {
            return Err(bad("only the `oci://` scheme is supported"));
        }
        let (rest, digest) = match rest.split_once('@') {
            Some((name, digest)) => {
                check_digest(digest).map_err(|m| bad(&m))?;
                (name, Some(digest.to_string()))
            }
            None => (rest, None),
        };
        let Some((registry, path)) = rest.split_once('/') else {
            return Err(bad("no repository: expected `oci://host[:port]/repository:tag`"));
        };
        check_registry(registry).map_err(|m| bad(&m))?;
        // A tag follows the last `:` after the last `/` (a port's colon comes before the first `/`).
        let (repository, tag) = match path.rsplit_once(':') {
            Some((repo, tag)) if !tag.contains('/') => (repo, Some(tag.to_string())),
            _ => (path, None),
        };
        check_repository(repository).map_err(|m| bad(&m))?;
        if let Some(tag) = &tag {
            check_tag(tag).map_err(|m| bad(&m))?;
        }
        if tag.is_none() && digest.is_none() {
            return Err(bad("no tag or digest: add `:TAG` or `@sha256:…` (there is no implicit `latest`)"));
        }
        Ok(Self { registry: registry.to_string(), repository: repository.to_string(), tag, digest })
    }

    /// The same repository at `digest` (the tag kept for display).
    pub fn with_digest(&self, digest: &str) -> Self {
        Self { digest: Some(digest.to_string()), ..self.clone() }
    }

    /// The same repository at `tag`, without a digest.
    pub fn with_tag(&self, tag: &str) -> Self {
        Self { tag: Some(tag.to_string()), digest: None, ..self.clone() }
    }

    /// `oci://registry/repository@digest` (by digest only), or the reference itself without one.
    pub fn pinned(&self) -> String {
        match &self.digest {
            Some(d) => format!("{SCHEME}{}/{}@{d}", self.registry, self.repository),
            None => self.to_string(),
        }
    }

    /// The reference without scheme, as `oci-client` and `skopeo` spell it (`host/repo:tag`).
    pub fn bare(&self) -> String {
        self.to_string().trim_start_matches(SCHEME).to_string()
    }

    /// The `oci-client` reference (by digest when there is one).
    pub(crate) fn client_ref(&self) -> oci_client::Reference {
        match (&self.digest, &self.tag) {
            (Some(d), _) => {
                oci_client::Reference::with_digest(self.registry.clone(), self.repository.clone(), d.clone())
            }
            (None, Some(t)) => {
                oci_client::Reference::with_tag(self.registry.clone(), self.repository.clone(), t.clone())
            }
            (None, None) => {
                oci_client::Reference::with_tag(self.registry.clone(), self.repository.clone(), "latest".into())
            }
        }
    }

    /// Whether the registry is on this machine (plain HTTP is allowed there without a flag).
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(&self.registry)
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME}{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// Whether `registry` (`host[:port]`) names this machine.
pub fn is_loopback_host(registry: &str) -> bool {
    let host = match registry.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(rest),
        None => registry.split(':').next().unwrap_or(registry),
    };
    host == "localhost"
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
        || host.ends_with(".localhost")
}

/// Check a `sha256:<64 hex>` digest.
pub fn check_digest(digest: &str) -> Result<(), String> {
    let Some(hex) = digest.strip_prefix("sha256:") else {
        return Err(format!("digest `{digest}` is not `sha256:<64 hex digits>`"));
    };
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(format!("digest `{digest}` is not `sha256:<64 lowercase hex digits>`"));
    }
    Ok(())
}

fn check_registry(registry: &str) -> Result<(), String> {
    if registry.is_empty() {
        return Err("empty registry host".into());
    }
    let (host, port) = match registry.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((h, p)) => (h, p.strip_prefix(':')),
            None => return Err(format!("registry `{registry}`: unclosed `[`")),
        },
        None => match registry.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (registry, None),
        },
    };
    if host.is_empty() || !host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':')) {
        return Err(format!("registry host `{host}` is not a host name or address"));
    }
    if let Some(port) = port
        && port.parse::<u16>().is_err()
    {
        return Err(format!("registry port `{port}` is not a port number"));
    }
    if !registry.contains(['.', ':', '[']) && host != "localhost" {
        return Err(format!(
            "`{registry}` is not a registry host (a registry has a `.` or a `:port`, or is `localhost`); \
             write `oci://REGISTRY/{registry}/…`"
        ));
    }
    Ok(())
}

fn check_repository(repository: &str) -> Result<(), String> {
    if repository.is_empty() {
        return Err("empty repository".into());
    }
    for part in repository.split('/') {
        let ok = !part.is_empty()
            && part.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && part.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
        if !ok {
            return Err(format!(
                "repository `{repository}`: `{part}` is not a path component (lowercase letters, digits, `.`, `_`, `-`)"
            ));
        }
    }
    if repository.len() > 255 {
        return Err("repository is longer than 255 characters".into());
    }
    Ok(())
}

fn check_tag(tag: &str) -> Result<(), String> {
    let ok = !tag.is_empty()
        && tag.len() <= 128
        && tag.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && tag.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok { Ok(()) } else { Err(format!("tag `{tag}` is not a tag (letters, digits, `_`, `.`, `-`; at most 128)")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

    #[test]
    fn parses_tags_digests_and_ports() {
        let r = Reference::parse("oci://127.0.0.1:5000/acme/ports:1.0").unwrap();
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.repository, "acme/ports");
        assert_eq!(r.tag.as_deref(), Some("1.0"));
        assert!(r.is_loopback());
        assert_eq!(r.to_string(), "oci://127.0.0.1:5000/acme/ports:1.0");
        let r = Reference::parse(&format!("oci://registry.example.com/p@{D}")).unwrap();
        assert_eq!(r.digest.as_deref(), Some(D));
        assert!(!r.is_loopback());
        let r = Reference::parse(&format!("localhost:5000/p:v1@{D}")).unwrap();
        assert_eq!(r.pinned(), format!("oci://localhost:5000/p@{D}"));
        assert_eq!(r.bare(), format!("localhost:5000/p:v1@{D}"));
    }

    #[test]
    fn malformed_references_say_what_is_wrong() {
        for (text, needle) in [
            ("oci://", "empty reference"),
            ("oci://127.0.0.1:5000/acme", "no tag or digest"),
            ("oci://acme/ports:1", "is not a registry host"),
            ("oci://127.0.0.1:5000/Acme:1", "is not a path component"),
            ("oci://127.0.0.1:99999/a:1", "is not a port number"),
            ("oci://127.0.0.1:5000/a:bad tag", "is not a tag"),
            ("oci://127.0.0.1:5000/a@sha256:abc", "is not `sha256:<64 lowercase hex digits>`"),
            ("https://127.0.0.1/a:1", "only the `oci://` scheme"),
            ("oci://127.0.0.1:5000", "no repository"),
        ] {
            let err = Reference::parse(text).unwrap_err().to_string();
            assert!(err.contains(needle), "{text}: {err}");
            assert!(err.contains(text.trim_start_matches("oci://")) || text == "oci://", "{text}: {err}");
        }
    }

    #[test]
    fn loopback_hosts() {
        assert!(is_loopback_host("localhost:5000"));
        assert!(is_loopback_host("[::1]:5000"));
        assert!(is_loopback_host("127.0.0.2"));
        assert!(!is_loopback_host("10.0.0.1:5000"));
        assert!(!is_loopback_host("registry.local"));
    }
}
