//! Registry access: push and pull pack artifacts and their signatures over the OCI distribution
//! API, through `oci-client` (rustls with ring, no aws-lc).
//!
//! Credentials come from `PLIMSOLL_REGISTRY_USERNAME`/`_PASSWORD` or `~/.docker/config.json`
//! (`auths`, base64 `user:pass`); plain HTTP is used only for loopback registries and for hosts
//! given with `--insecure-registry` (with a warning). Reads are tried three times on 5xx, 429 and
//! broken transfers; a refused or timed-out connection is not retried (the caller falls back to the
//! store at once). Every error
//! names the registry and what it refused. Nothing here writes to the store or to disk.

use std::time::Duration;

use base64::Engine as _;
use futures_util::StreamExt as _;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::OciDistributionError;
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, RegistryOperation};

use crate::Error;
use crate::artifact::{Descriptor, INDEX_MEDIA_TYPE, Index, MANIFEST_MEDIA_TYPE, MAX_DOCUMENT_BYTES, digest_of};
use crate::reference::Reference;

/// How to reach registries.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// Hosts (`host[:port]`) reached over plain HTTP although they are not loopback.
    pub insecure: Vec<String>,
}

/// A connection to one registry.
pub struct Registry {
    client: Client,
    auth: RegistryAuth,
    registry: String,
}

/// Registry credentials.
pub use oci_client::secrets::RegistryAuth as Auth;

/// How many times a read is tried.
const ATTEMPTS: u32 = 3;

/// Whether `reference`'s registry is reached over plain HTTP: a loopback registry, or one named by
/// `--insecure-registry` (exactly, `host[:port]`); every other registry is HTTPS only.
pub fn plain_http(reference: &Reference, options: &RegistryOptions) -> bool {
    reference.is_loopback() || options.insecure.iter().any(|h| h == &reference.registry)
}

impl Registry {
    /// A client for the registry of `reference`, with the credentials of [`credentials`].
    pub fn new(reference: &Reference, options: &RegistryOptions) -> Self {
        Self::with_auth(reference, options, credentials(&reference.registry))
    }

    /// A client for the registry of `reference` with `auth`.
    pub fn with_auth(reference: &Reference, options: &RegistryOptions, auth: Auth) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let host = reference.registry.clone();
        let plain = plain_http(reference, options);
        if plain && !reference.is_loopback() {
            eprintln!("warning: using plain HTTP for registry {host} (--insecure-registry)");
        }
        let protocol = if plain { ClientProtocol::HttpsExcept(vec![host.clone()]) } else { ClientProtocol::Https };
        let client = Client::new(ClientConfig {
            protocol,
            use_monolithic_push: true,
            connect_timeout: Some(Duration::from_secs(5)),
            read_timeout: Some(Duration::from_secs(60)),
            user_agent: concat!("plimsoll/", env!("CARGO_PKG_VERSION")),
            platform_resolver: None,
            ..ClientConfig::default()
        });
        Self { client, auth, registry: host }
    }

    /// The manifest digest `reference`'s tag points at now.
    pub async fn resolve(&self, reference: &Reference) -> Result<String, Error> {
        let r = reference.client_ref();
        let digest = self
            .retry(|| self.client.fetch_manifest_digest(&r, &self.auth))
            .await
            .map_err(|e| self.error("resolve", reference, e))?;
        crate::reference::check_digest(&digest)
            .map_err(|m| Error::Registry(format!("registry {} answered for {reference}: {m}", self.registry)))?;
        Ok(digest)
    }

    /// The manifest bytes of `reference` (by digest when it has one), with the digest checked.
    pub async fn manifest(&self, reference: &Reference) -> Result<(Vec<u8>, String), Error> {
        let r = reference.client_ref();
        let (bytes, _) = self
            .retry(|| self.client.pull_manifest_raw(&r, &self.auth, &[MANIFEST_MEDIA_TYPE, INDEX_MEDIA_TYPE]))
            .await
            .map_err(|e| self.error("pull", reference, e))?;
        if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
            return Err(Error::Artifact(format!("{reference}: the manifest is larger than 4 MiB")));
        }
        let digest = digest_of(&bytes);
        if let Some(expected) = &reference.digest
            && expected != &digest
        {
            return Err(Error::Digest {
                expected: expected.clone(),
                actual: digest,
                what: format!("manifest of {reference}"),
            });
        }
        Ok((bytes.to_vec(), digest))
    }

    /// The bytes of blob `descriptor` of `reference`'s repository, at most its declared size, with
    /// the digest checked.
    pub async fn blob(&self, reference: &Reference, descriptor: &Descriptor) -> Result<Vec<u8>, Error> {
        let r = reference.client_ref();
        let mut last = None;
        for attempt in 0..ATTEMPTS {
            match self.blob_once(&r, descriptor).await {
                Ok(bytes) => {
                    let actual = digest_of(&bytes);
                    if actual != descriptor.digest {
                        return Err(Error::Digest {
                            expected: descriptor.digest.clone(),
                            actual,
                            what: format!("blob of {reference} from registry {}", self.registry),
                        });
                    }
                    return Ok(bytes);
                }
                Err(BlobError::TooLarge) => {
                    return Err(Error::Artifact(format!(
                        "{reference}: registry {} sent more than the {} bytes blob {} declares",
                        self.registry, descriptor.size, descriptor.digest
                    )));
                }
                Err(BlobError::Client(e)) => {
                    if !retryable(&e) || attempt + 1 == ATTEMPTS {
                        return Err(self.error("pull", reference, e));
                    }
                    last = Some(e);
                }
                Err(BlobError::Io(e)) => return Err(Error::Registry(format!("registry {}: {e}", self.registry))),
            }
            tokio::time::sleep(backoff(attempt)).await;
        }
        Err(self.error("pull", reference, last.expect("an error was kept")))
    }

    async fn blob_once(&self, r: &oci_client::Reference, d: &Descriptor) -> Result<Vec<u8>, BlobError> {
        let mut stream = self.client.pull_blob_stream(r, d.digest.as_str()).await.map_err(BlobError::Client)?;
        let mut out = Vec::with_capacity(usize::try_from(d.size).unwrap_or(0).min(1 << 26));
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(BlobError::Io)?;
            if (out.len() + chunk.len()) as u64 > d.size {
                return Err(BlobError::TooLarge);
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    /// Push `bytes` as a blob (skipped when the registry has it already).
    pub async fn push_blob(&self, reference: &Reference, bytes: &[u8]) -> Result<(), Error> {
        let r = reference.client_ref();
        self.client
            .auth(&r, &self.auth, RegistryOperation::Push)
            .await
            .map_err(|e| self.error("push", reference, e))?;
        let digest = digest_of(bytes);
        if self.client.blob_exists(&r, &digest).await.unwrap_or(false) {
            return Ok(());
        }
        self.client.push_blob(&r, bytes.to_vec(), &digest).await.map_err(|e| self.error("push", reference, e))?;
        Ok(())
    }

    /// Push manifest `bytes` of `media_type` at `reference` (its tag, or its digest).
    pub async fn push_manifest(&self, reference: &Reference, bytes: &[u8], media_type: &str) -> Result<(), Error> {
        let r = reference.client_ref();
        self.client
            .auth(&r, &self.auth, RegistryOperation::Push)
            .await
            .map_err(|e| self.error("push", reference, e))?;
        let content_type = media_type.parse().map_err(|_| Error::Registry(format!("bad media type `{media_type}`")))?;
        self.client
            .push_manifest_raw(&r, bytes.to_vec(), content_type)
            .await
            .map_err(|e| self.error("push", reference, e))?;
        Ok(())
    }

    /// The referrers of manifest `subject` in `reference`'s repository: the referrers API, else
    /// (registries without it) the index tagged `sha256-<hex>`; an empty list when neither exists.
    pub async fn referrers(&self, reference: &Reference, subject: &str) -> Result<Vec<Descriptor>, Error> {
        let at = reference.with_digest(subject);
        if let Ok(index) = self.client.pull_referrers(&at.client_ref(), None).await {
            let json = serde_json::to_value(&index).unwrap_or_default();
            let index: Index = serde_json::from_value(json).unwrap_or_default();
            if !index.manifests.is_empty() {
                return Ok(index.manifests);
            }
        }
        Ok(self.fallback_index(reference, subject).await?.map(|i| i.manifests).unwrap_or_default())
    }

    /// The referrers tag-schema index for `subject`, if the registry has one.
    pub async fn fallback_index(&self, reference: &Reference, subject: &str) -> Result<Option<Index>, Error> {
        let tag = fallback_tag(subject);
        let at = reference.with_tag(&tag);
        match self.client.pull_manifest_raw(&at.client_ref(), &self.auth, &[INDEX_MEDIA_TYPE]).await {
            Ok((bytes, _)) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| Error::Registry(format!("registry {}: {at} is not an image index: {e}", self.registry))),
            Err(e) if not_found(&e) => Ok(None),
            Err(e) => Err(self.error("pull", &at, e)),
        }
    }

    async fn retry<T, F, Fut>(&self, mut op: F) -> Result<T, OciDistributionError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, OciDistributionError>>,
    {
        let mut attempt = 0;
        loop {
            match op().await {
                Ok(v) => return Ok(v),
                Err(e) if retryable(&e) && attempt + 1 < ATTEMPTS => {
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn error(&self, action: &str, reference: &Reference, e: OciDistributionError) -> Error {
        let verb = match action {
            "push" => "refused the push of",
            "resolve" => "could not resolve",
            _ => "could not serve",
        };
        if not_found(&e) {
            return Error::NotFound(format!("registry {} has no {reference}", self.registry));
        }
        if unreachable(&e) {
            return Error::Unreachable(format!("registry {} is unreachable: {}", self.registry, plain(&e)));
        }
        Error::Registry(format!("registry {} {verb} {reference}: {}", self.registry, plain(&e)))
    }
}

/// The referrers fallback tag of `subject` (`sha256-<hex>`).
pub fn fallback_tag(subject: &str) -> String {
    subject.replacen(':', "-", 1)
}

enum BlobError {
    TooLarge,
    Client(OciDistributionError),
    Io(std::io::Error),
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(200 * 3u64.pow(attempt))
}

fn not_found(e: &OciDistributionError) -> bool {
    match e {
        OciDistributionError::ImageManifestNotFoundError(_) => true,
        OciDistributionError::ServerError { code, .. } => *code == 404,
        OciDistributionError::RegistryError { envelope, .. } => envelope
            .errors
            .iter()
            .any(|e| matches!(format!("{:?}", e.code).as_str(), "ManifestUnknown" | "BlobUnknown" | "NameUnknown")),
        _ => false,
    }
}

fn unreachable(e: &OciDistributionError) -> bool {
    match e {
        OciDistributionError::RequestError(e) => e.is_connect() || e.is_timeout(),
        _ => false,
    }
}

fn retryable(e: &OciDistributionError) -> bool {
    match e {
        // A refused or timed-out connection means the registry is not there: the caller falls back
        // to the store at once instead of waiting through retries.
        OciDistributionError::RequestError(e) => !e.is_connect() && !e.is_timeout() && (e.is_request() || e.is_body()),
        OciDistributionError::ServerError { code, .. } => *code >= 500 || *code == 429,
        _ => false,
    }
}

/// The error's message with its source chain, on one line.
fn plain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// Credentials for `registry`: the environment, else Docker's `config.json`, else anonymous.
pub fn credentials(registry: &str) -> RegistryAuth {
    if let (Ok(user), Ok(pass)) =
        (std::env::var("PLIMSOLL_REGISTRY_USERNAME"), std::env::var("PLIMSOLL_REGISTRY_PASSWORD"))
    {
        return RegistryAuth::Basic(user, pass);
    }
    let dir = std::env::var_os("DOCKER_CONFIG")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".docker")));
    let Some(text) = dir.and_then(|d| std::fs::read_to_string(d.join("config.json")).ok()) else {
        return RegistryAuth::Anonymous;
    };
    docker_auth(&text, registry).unwrap_or(RegistryAuth::Anonymous)
}

/// The `auths` entry of a Docker `config.json` for `registry` (keys may carry a scheme).
pub fn docker_auth(config_json: &str, registry: &str) -> Option<RegistryAuth> {
    let value: serde_json::Value = serde_json::from_str(config_json).ok()?;
    let auths = value.get("auths")?.as_object()?;
    let entry = auths.iter().find_map(|(key, v)| {
        let host = key.trim_start_matches("https://").trim_start_matches("http://");
        let host = host.split('/').next().unwrap_or(host);
        (host == registry).then_some(v)
    })?;
    let encoded = entry.get("auth")?.as_str()?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, pass) = text.split_once(':')?;
    Some(RegistryAuth::Basic(user.to_string(), pass.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_for_loopback_or_named_insecure_registries() {
        let r = |s: &str| Reference::parse(s).unwrap();
        let none = RegistryOptions::default();
        let named = RegistryOptions { insecure: vec!["registry.lan:5000".into()] };
        assert!(plain_http(&r("oci://127.0.0.1:5000/a/b:1"), &none));
        assert!(plain_http(&r("oci://localhost:5000/a/b:1"), &none));
        assert!(!plain_http(&r("oci://registry.lan:5000/a/b:1"), &none));
        assert!(plain_http(&r("oci://registry.lan:5000/a/b:1"), &named));
        // The port is part of the name: another port of the same host stays HTTPS.
        assert!(!plain_http(&r("oci://registry.lan/a/b:1"), &named));
        assert!(!plain_http(&r("oci://ghcr.io/a/b:1"), &named));
    }

    #[test]
    fn docker_config_auths_are_read() {
        let config = r#"{"auths": {"https://127.0.0.1:5000": {"auth": "YWxpY2U6czNjcjN0"}, "other:1": {}}}"#;
        match docker_auth(config, "127.0.0.1:5000") {
            Some(RegistryAuth::Basic(u, p)) => assert_eq!((u.as_str(), p.as_str()), ("alice", "s3cr3t")),
            other => panic!("{other:?}"),
        }
        assert!(docker_auth(config, "other:1").is_none());
        assert!(docker_auth(config, "nowhere:1").is_none());
        assert_eq!(fallback_tag("sha256:ab"), "sha256-ab");
    }
}
