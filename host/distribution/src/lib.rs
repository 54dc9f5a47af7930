//! Plimsoll packs in OCI registries: publish, pull into a verified content-addressed store, sign
//! and verify offline, pin in `plimsoll.lock`, and carry into air-gapped sites as image layouts.
//!
//! [`Distribution`] is the one entry point the CLI and the check pipeline use: each operation is
//! synchronous (it runs its registry calls on a private runtime in its own thread, so it can be
//! called from a server's blocking pool). This crate moves and verifies bytes; it never loads or
//! runs a component (the runtime does) and never reads `plimsoll.yaml` (the check library passes
//! in what it needs).

pub mod artifact;
pub mod layout;
pub mod lock;
pub mod reference;
pub mod registry;
pub mod sign;
pub mod store;

use std::collections::BTreeMap;

pub use reference::Reference;
pub use store::Store;

use artifact::{
    Descriptor, EMPTY_BLOB, EMPTY_MEDIA_TYPE, INDEX_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, Manifest, PackArtifact,
    PackConfig, SIGNATURE_ARTIFACT_TYPE, SIGNATURE_MEDIA_TYPE, digest_of,
};
use registry::{Registry, RegistryOptions};
use sign::{PrivateKey, PublicKey, SignatureBlob};

/// The `plimsoll:policy` contract versions this host runs (every `0.1.x`).
pub const SUPPORTED_CONTRACT: &str = "0.1";

/// What can go wrong moving a pack.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A malformed reference.
    #[error("`{reference}` is not a pack reference: {message}")]
    Reference {
        /// The text given.
        reference: String,
        /// What is wrong with it.
        message: String,
    },
    /// The registry refused or failed.
    #[error("{0}")]
    Registry(String),
    /// The registry could not be reached.
    #[error("{0}")]
    Unreachable(String),
    /// The registry has no such tag, manifest or blob.
    #[error("{0}")]
    NotFound(String),
    /// A document that is not a valid pack artifact.
    #[error("{0}")]
    Artifact(String),
    /// Bytes that do not match their digest.
    #[error("digest mismatch for {what}: expected {expected}, got {actual}")]
    Digest {
        /// The digest that was asked for.
        expected: String,
        /// The digest of the bytes received.
        actual: String,
        /// What was checked.
        what: String,
    },
    /// A stored blob whose bytes no longer match its digest (it has been removed).
    #[error("store blob {digest} is corrupt (its bytes hash to {actual}); removed {}", path.display())]
    Corrupt {
        /// The blob's name.
        digest: String,
        /// What its bytes hash to.
        actual: String,
        /// The file that was removed.
        path: std::path::PathBuf,
    },
    /// The store could not be read or written.
    #[error("{0}")]
    Store(String),
    /// A key file problem.
    #[error("{0}")]
    Key(String),
    /// A signature problem, or a pack refused by `trust:`.
    #[error("{0}")]
    Trust(String),
    /// A lockfile problem, or a pack that does not match its lock.
    #[error("{0}")]
    Lock(String),
    /// An image layout problem.
    #[error("{0}")]
    Layout(String),
}

/// Signature policy: the trusted keys and whether a signature is required.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    /// Public keys signatures are checked against.
    pub keys: Vec<PublicKey>,
    /// Refuse a pack that no trusted key has signed.
    pub require_signatures: bool,
}

/// A pack read from the store, every blob verified.
#[derive(Debug, Clone)]
pub struct Opened {
    /// The reference, with its digest.
    pub reference: Reference,
    /// The manifest.
    pub manifest: Manifest,
    /// Its digest.
    pub manifest_digest: String,
    /// The config blob.
    pub config: PackConfig,
    /// The component bytes.
    pub component: Vec<u8>,
    /// The signatures stored for this manifest.
    pub signatures: Vec<SignatureBlob>,
}

impl Opened {
    /// The component layer's digest.
    pub fn layer_digest(&self) -> &str {
        &self.manifest.layers[0].digest
    }
}

/// The outcome of [`Distribution::push`].
#[derive(Debug, Clone)]
pub struct Pushed {
    /// `oci://…@sha256:…`.
    pub pinned: Reference,
    /// Whether the tag already pointed at this digest.
    pub unchanged: bool,
}

/// Options of [`Distribution::resolve`], the check pipeline's entry.
#[derive(Debug, Clone, Default)]
pub struct ResolveOptions {
    /// `--locked`: every pack must be in the lock, and only locked digests run.
    pub locked: bool,
    /// The lock of the configuration, when there is one.
    pub lock: Option<lock::Loaded>,
    /// The configuration's `trust:`.
    pub trust: Trust,
}

/// A pack resolved for a check.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The pack, from the store.
    pub opened: Opened,
    /// The key id of a trusted signature over it, when one verified.
    pub signer: Option<String>,
}

/// The store and how to reach registries.
#[derive(Debug, Clone)]
pub struct Distribution {
    /// The content-addressed store.
    pub store: Store,
    /// Registry options.
    pub options: RegistryOptions,
}

impl Default for Distribution {
    fn default() -> Self {
        Self { store: Store::at(Store::default_location()), options: RegistryOptions::default() }
    }
}

/// Run `future` to completion on a private current-thread runtime in its own thread (callable
/// from anywhere, including a tokio runtime's blocking pool).
pub fn block_on<F: std::future::Future + Send>(future: F) -> F::Output
where
    F::Output: Send,
{
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a current-thread runtime starts")
                    .block_on(future)
            })
            .join()
            .expect("the registry thread does not panic")
    })
}

impl Distribution {
    /// A distribution over `store` with `options`.
    pub fn new(store: Store, options: RegistryOptions) -> Self {
        Self { store, options }
    }

    fn registry(&self, reference: &Reference) -> Registry {
        Registry::new(reference, &self.options)
    }

    /// Push `artifact` to `reference` (a tag); refuses to move a tag that points at another
    /// digest unless `force`.
    pub fn push(&self, artifact: &PackArtifact, reference: &Reference, force: bool) -> Result<Pushed, Error> {
        if reference.digest.is_some() || reference.tag.is_none() {
            return Err(Error::Reference {
                reference: reference.to_string(),
                message: "push needs a tag (and no digest): `oci://host/repo:TAG`".into(),
            });
        }
        let registry = self.registry(reference);
        block_on(async {
            let existing = match registry.resolve(reference).await {
                Ok(d) => Some(d),
                Err(Error::NotFound(_)) => None,
                Err(e) => return Err(e),
            };
            if let Some(existing) = &existing
                && existing != &artifact.manifest_digest
                && !force
            {
                return Err(Error::Registry(format!(
                    "{reference} already points at {existing}; this pack is {}. Push it under a new tag, or pass --force to move the tag",
                    artifact.manifest_digest
                )));
            }
            let unchanged = existing.as_deref() == Some(artifact.manifest_digest.as_str());
            registry.push_blob(reference, &artifact.layer).await?;
            registry.push_blob(reference, &artifact.config).await?;
            registry.push_manifest(reference, &artifact.manifest, MANIFEST_MEDIA_TYPE).await?;
            Ok(Pushed { pinned: reference.with_digest(&artifact.manifest_digest), unchanged })
        })
    }

    /// The manifest digest `reference` names: its digest, else what the registry's tag points at.
    pub fn resolve_digest(&self, reference: &Reference) -> Result<String, Error> {
        if let Some(d) = &reference.digest {
            return Ok(d.clone());
        }
        let registry = self.registry(reference);
        block_on(registry.resolve(reference))
    }

    /// Pull `reference` into the store (every blob verified, nothing written unless the whole pack
    /// is valid), with the signatures the registry has for it.
    pub fn pull(&self, reference: &Reference) -> Result<Opened, Error> {
        let registry = self.registry(reference);
        let digest = block_on(async {
            let digest = match &reference.digest {
                Some(d) => d.clone(),
                None => registry.resolve(reference).await?,
            };
            let pinned = reference.with_digest(&digest);
            self.fetch_pack(&registry, &pinned).await?;
            if let Err(e) = self.fetch_signatures(&registry, &pinned).await {
                eprintln!("warning: {pinned}: signatures not fetched: {e}");
            }
            Ok::<_, Error>(digest)
        })?;
        if let Some(tag) = &reference.tag {
            self.store.set_tag(&reference.registry, &reference.repository, tag, &digest)?;
        }
        self.open(&reference.with_digest(&digest))
    }

    /// Fetch and check the pack at `pinned` (a digest reference), then store its blobs.
    async fn fetch_pack(&self, registry: &Registry, pinned: &Reference) -> Result<(), Error> {
        let digest = pinned.digest.as_deref().expect("pinned");
        if self.open(pinned).is_ok() {
            return Ok(());
        }
        let (bytes, _) = registry.manifest(pinned).await?;
        let what = pinned.to_string();
        let manifest = artifact::parse_manifest(&bytes, &what)?;
        artifact::check_pack_manifest(&manifest, &what)?;
        let config_bytes = registry.blob(pinned, &manifest.config).await?;
        let config = artifact::parse_config(&config_bytes, &what)?;
        check_config(&config, &what)?;
        let layer = registry.blob(pinned, &manifest.layers[0]).await?;
        artifact::check_component_bytes(&layer, &what)?;
        self.store.put(&manifest.layers[0].digest, &layer)?;
        self.store.put(&manifest.config.digest, &config_bytes)?;
        self.store.put(digest, &bytes)?;
        Ok(())
    }

    /// Fetch the signatures the registry lists for `pinned` into the store.
    async fn fetch_signatures(&self, registry: &Registry, pinned: &Reference) -> Result<usize, Error> {
        let subject = pinned.digest.as_deref().expect("pinned");
        let mut n = 0;
        for d in registry.referrers(pinned, subject).await? {
            if d.artifact_type.as_deref() != Some(SIGNATURE_ARTIFACT_TYPE) || d.size > artifact::MAX_DOCUMENT_BYTES {
                continue;
            }
            let at = pinned.with_digest(&d.digest);
            let (bytes, _) = registry.manifest(&at).await?;
            let manifest = artifact::parse_manifest(&bytes, &at.to_string())?;
            let Some(layer) = signature_layer(&manifest, subject) else { continue };
            if layer.size > artifact::MAX_DOCUMENT_BYTES {
                continue;
            }
            let blob = registry.blob(&at, layer).await?;
            SignatureBlob::parse(&blob)?;
            self.store.put(&layer.digest, &blob)?;
            self.store.put(&d.digest, &bytes)?;
            self.store.add_referrer(subject, &d.digest)?;
            n += 1;
        }
        Ok(n)
    }

    /// The pack at `pinned` (a digest reference) from the store, every blob verified.
    pub fn open(&self, pinned: &Reference) -> Result<Opened, Error> {
        let digest = pinned
            .digest
            .clone()
            .ok_or_else(|| Error::Reference { reference: pinned.to_string(), message: "no digest".into() })?;
        let what = pinned.to_string();
        let missing = |d: &str| Error::Store(format!("{what}: blob {d} is not in the store"));
        let bytes = self.store.get(&digest)?.ok_or_else(|| missing(&digest))?;
        let manifest = artifact::parse_manifest(&bytes, &what)?;
        artifact::check_pack_manifest(&manifest, &what)?;
        let config_bytes = self.store.get(&manifest.config.digest)?.ok_or_else(|| missing(&manifest.config.digest))?;
        let config = artifact::parse_config(&config_bytes, &what)?;
        let component =
            self.store.get(&manifest.layers[0].digest)?.ok_or_else(|| missing(&manifest.layers[0].digest))?;
        let signatures = self.stored_signatures(&digest);
        Ok(Opened { reference: pinned.clone(), manifest, manifest_digest: digest, config, component, signatures })
    }

    /// The signature blobs stored for manifest `subject`.
    pub fn stored_signatures(&self, subject: &str) -> Vec<SignatureBlob> {
        let mut out = Vec::new();
        for referrer in self.store.referrers(subject) {
            let Ok(Some(bytes)) = self.store.get(&referrer) else { continue };
            let Ok(manifest) = artifact::parse_manifest(&bytes, &referrer) else { continue };
            let Some(layer) = signature_layer(&manifest, subject) else { continue };
            if let Ok(Some(blob)) = self.store.get(&layer.digest)
                && let Ok(sig) = SignatureBlob::parse(&blob)
            {
                out.push(sig);
            }
        }
        out
    }

    /// Sign the pack at `reference` with `key` and push the signature next to it (referrers API,
    /// and the tag fallback for registries without it). Also stored locally.
    pub fn sign(
        &self,
        reference: &Reference,
        key: &PrivateKey,
        created: &str,
    ) -> Result<(String, SignatureBlob), Error> {
        let registry = self.registry(reference);
        block_on(async {
            let (bytes, digest) = registry.manifest(reference).await?;
            let manifest = artifact::parse_manifest(&bytes, &reference.to_string())?;
            artifact::check_pack_manifest(&manifest, &reference.to_string())?;
            let pinned = reference.with_digest(&digest);
            let blob = key.sign(&digest);
            let subject = Descriptor::of(MANIFEST_MEDIA_TYPE, &bytes);
            let sig = sign::signature_artifact(&blob, subject, created);
            registry.push_blob(reference, EMPTY_BLOB).await?;
            registry.push_blob(reference, &sig.blob).await?;
            let at = pinned.with_digest(&sig.manifest_digest);
            registry.push_manifest(&at, &sig.manifest, MANIFEST_MEDIA_TYPE).await?;
            // Registries without the referrers API: add the signature to the `sha256-<hex>` index.
            let listed = registry.referrers(&pinned, &digest).await?.iter().any(|d| d.digest == sig.manifest_digest);
            if !listed {
                let mut index = registry.fallback_index(reference, &digest).await?.unwrap_or_else(artifact::Index::new);
                let mut d = Descriptor::of(MANIFEST_MEDIA_TYPE, &sig.manifest);
                d.artifact_type = Some(SIGNATURE_ARTIFACT_TYPE.into());
                d.annotations.insert(artifact::KEY_ID_ANNOTATION.into(), blob.key_id.clone());
                index.manifests.retain(|m| m.digest != d.digest);
                index.manifests.push(d);
                let tag = registry::fallback_tag(&digest);
                registry.push_manifest(&reference.with_tag(&tag), &index.to_bytes(), INDEX_MEDIA_TYPE).await?;
            }
            self.store.put(&digest_of(EMPTY_BLOB), EMPTY_BLOB)?;
            self.store.put(&digest_of(&sig.blob), &sig.blob)?;
            self.store.put(&sig.manifest_digest, &sig.manifest)?;
            self.store.add_referrer(&digest, &sig.manifest_digest)?;
            Ok((sig.manifest_digest, blob))
        })
    }

    /// The signatures the registry lists for `reference`'s manifest (fetched into the store), and
    /// the manifest digest.
    pub fn registry_signatures(&self, reference: &Reference) -> Result<(String, Vec<SignatureBlob>), Error> {
        let registry = self.registry(reference);
        let digest = block_on(async {
            let digest = match &reference.digest {
                Some(d) => d.clone(),
                None => registry.resolve(reference).await?,
            };
            self.fetch_signatures(&registry, &reference.with_digest(&digest)).await?;
            Ok::<_, Error>(digest)
        })?;
        let signatures = self.stored_signatures(&digest);
        Ok((digest, signatures))
    }

    /// Resolve a `packs:` entry for a check: the lock's digest (or the tag's, without a lock
    /// entry), from the store, pulled on first use, checked against the lock and `trust:`.
    pub fn resolve(&self, entry: &str, options: &ResolveOptions) -> Result<Resolved, Error> {
        let reference = Reference::parse(entry)?;
        let lock_name =
            || options.lock.as_ref().map_or_else(|| lock::FILE_NAME.to_string(), |l| l.path.display().to_string());
        let locked = options.lock.as_ref().and_then(|l| l.lock.packs.get(entry));
        if options.locked && locked.is_none() {
            return Err(Error::Lock(format!(
                "`{entry}` is not in {} (--locked); run `plimsoll policy lock` to pin it",
                lock_name()
            )));
        }
        // The client is made only when the registry is asked: a locked pack in the store needs no
        // network (and no TLS set-up, which reads the system's certificate store).
        let client = std::cell::OnceCell::new();
        let registry = || client.get_or_init(|| self.registry(&reference));
        let digest = match (&reference.digest, locked) {
            (Some(d), Some(l)) if &l.manifest != d => {
                return Err(Error::Lock(format!(
                    "`{entry}` names {d}, but {} pins {}; run `plimsoll policy lock --update`",
                    lock_name(),
                    l.manifest
                )));
            }
            (Some(d), _) => d.clone(),
            // `--locked` runs exactly the locked digest: it never resolves a tag.
            (None, Some(l)) if options.locked => l.manifest.clone(),
            (None, Some(l)) => {
                // The lock decides; a tag that moved since is an error, never a silent upgrade. A
                // registry that cannot be reached leaves the locked digest (offline use).
                match block_on(registry().resolve(&reference)) {
                    Ok(now) if now != l.manifest => {
                        return Err(Error::Lock(format!(
                            "`{entry}` moved: {} pins {}, the registry now has {now}; run `plimsoll policy lock --update {entry}` to take it",
                            lock_name(),
                            l.manifest
                        )));
                    }
                    Ok(_) | Err(Error::Unreachable(_)) => l.manifest.clone(),
                    Err(e) => return Err(e),
                }
            }
            (None, None) => {
                let tag = reference.tag.as_deref().unwrap_or_default();
                match block_on(registry().resolve(&reference)) {
                    Ok(now) => {
                        self.store.set_tag(&reference.registry, &reference.repository, tag, &now)?;
                        now
                    }
                    Err(Error::Unreachable(why)) => self
                        .store
                        .tag(&reference.registry, &reference.repository, tag)
                        .ok_or_else(|| Error::Unreachable(format!("{entry}: {why}, and the store has no copy")))?,
                    Err(e) => return Err(e),
                }
            }
        };
        let pinned = reference.with_digest(&digest);
        let opened = match self.open(&pinned) {
            Ok(o) => o,
            Err(first) => {
                // Absent or corrupt (removed by `open`): fetch again; offline, say both.
                let registry = registry();
                match block_on(async {
                    self.fetch_pack(registry, &pinned).await?;
                    let _ = self.fetch_signatures(registry, &pinned).await;
                    Ok::<_, Error>(())
                }) {
                    Ok(()) => self.open(&pinned)?,
                    Err(Error::Unreachable(why)) => {
                        return Err(Error::Store(format!("{first}; cannot fetch it again: {why}")));
                    }
                    Err(e) => return Err(e),
                }
            }
        };
        if let Some(l) = locked
            && l.layer != opened.layer_digest()
        {
            return Err(Error::Lock(format!(
                "`{entry}`: {} pins layer {}, the manifest has {}",
                lock_name(),
                l.layer,
                opened.layer_digest()
            )));
        }
        let mut opened = opened;
        let signer = match check_trust(&opened, &options.trust) {
            Ok(signer) => signer,
            Err(e) if opened.signatures.is_empty() => {
                // Signed after the pull? Ask the registry once.
                match block_on(self.fetch_signatures(registry(), &pinned)) {
                    Ok(n) if n > 0 => {
                        opened.signatures = self.stored_signatures(&digest);
                        check_trust(&opened, &options.trust)?
                    }
                    _ => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        Ok(Resolved { opened, signer })
    }
}

/// The signature layer of a signature manifest whose subject is `subject`.
fn signature_layer<'a>(manifest: &'a Manifest, subject: &str) -> Option<&'a Descriptor> {
    if manifest.artifact_type.as_deref() != Some(SIGNATURE_ARTIFACT_TYPE)
        || manifest.subject.as_ref().is_none_or(|s| s.digest != subject)
        || manifest.config.media_type != EMPTY_MEDIA_TYPE
    {
        return None;
    }
    manifest.layers.iter().find(|l| l.media_type == SIGNATURE_MEDIA_TYPE)
}

/// Check a pack config: a contract this host runs and a Plimsoll version it satisfies.
pub fn check_config(config: &PackConfig, what: &str) -> Result<(), Error> {
    let contract = &config.contract;
    if !(contract == SUPPORTED_CONTRACT || contract.starts_with(&format!("{SUPPORTED_CONTRACT}."))) {
        return Err(Error::Artifact(format!(
            "{what}: pack `{}` speaks contract `plimsoll:policy@{contract}`; this plimsoll runs `{SUPPORTED_CONTRACT}.x`",
            config.id
        )));
    }
    if let Some(minimum) = &config.minimum_plimsoll {
        let parse = |t: &str| -> Option<(u64, u64, u64)> {
            let core = t.trim().trim_start_matches('v').split(['-', '+']).next()?;
            let mut p = core.split('.').map(|x| x.parse::<u64>().ok());
            Some((p.next()??, p.next().flatten().unwrap_or(0), p.next().flatten().unwrap_or(0)))
        };
        let current = env!("CARGO_PKG_VERSION");
        match (parse(minimum), parse(current)) {
            (Some(want), Some(have)) if want > have => {
                return Err(Error::Artifact(format!(
                    "{what}: pack `{}` needs plimsoll {minimum} or newer, this is {current}",
                    config.id
                )));
            }
            (None, _) => {
                return Err(Error::Artifact(format!("{what}: minimum-plimsoll `{minimum}` is not a version")));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Check `opened` against `trust`: the id of the first trusted key whose signature verifies;
/// `None` when signatures are not required and none verifies.
pub fn check_trust(opened: &Opened, trust: &Trust) -> Result<Option<String>, Error> {
    let mut reasons = Vec::new();
    for sig in &opened.signatures {
        match sig.verify(&opened.manifest_digest, &trust.keys) {
            Ok(id) => return Ok(Some(id)),
            Err(e) => reasons.push(e.to_string()),
        }
    }
    if !trust.require_signatures {
        return Ok(None);
    }
    let pack = &opened.config.id;
    let digest = &opened.manifest_digest;
    let why = if reasons.is_empty() { "it is not signed".to_string() } else { reasons.join("; ") };
    Err(Error::Trust(format!(
        "pack `{pack}` ({}@{digest}) is refused by trust.require-signatures: {why} (trusted keys: {})",
        opened.reference.bare().split('@').next().unwrap_or_default(),
        sign::key_list(&trust.keys)
    )))
}

/// The `org.opencontainers.image.*` annotations of a pack, from what its manifest and `describe` say.
pub fn annotations(fields: &[(&str, Option<String>)]) -> BTreeMap<String, String> {
    fields
        .iter()
        .filter_map(|(k, v)| {
            v.as_ref().filter(|v| !v.is_empty()).map(|v| (format!("org.opencontainers.image.{k}"), v.clone()))
        })
        .collect()
}
