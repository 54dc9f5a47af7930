//! Air-gap transport: packs, their signatures and the lock as an OCI image layout (`oci-layout`,
//! `index.json`, `blobs/sha256/…`) in a tar archive, and back into the store.
//!
//! `save` reads only the store (pull first); `load` accepts the archive or a layout directory
//! (what `skopeo copy … oci:DIR:TAG` writes), verifies every blob by digest and, under `trust:`,
//! every pack's signature before it writes anything to the store.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::Path;

use crate::artifact::{
    self, Descriptor, Index, MANIFEST_MEDIA_TYPE, REF_NAME_ANNOTATION, REFERENCE_ANNOTATION, SIGNATURE_ARTIFACT_TYPE,
    digest_of,
};
use crate::{Distribution, Error, Opened, Reference, Trust, check_trust, lock};

/// The `oci-layout` file's contents.
const OCI_LAYOUT: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;

/// Largest archive member read (a component layer and then some).
const MAX_MEMBER: u64 = artifact::MAX_LAYER_BYTES + (1 << 20);

/// What a layout held, once loaded into the store.
#[derive(Debug, Clone)]
pub struct LoadedLayout {
    /// The packs imported (with the signer that verified, when one did).
    pub packs: Vec<(Opened, Option<String>)>,
    /// The lock carried in the archive, if any.
    pub lock: Option<String>,
}

impl Distribution {
    /// Write the packs `references` name (already in the store), their stored signatures and the
    /// lock at `lock_path`, as an image layout tar at `out` (temp file + rename).
    pub fn save(&self, references: &[Reference], lock_path: Option<&Path>, out: &Path) -> Result<usize, Error> {
        let mut blobs: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        let mut index = Index::new();
        for reference in references {
            let digest = match &reference.digest {
                Some(d) => d.clone(),
                None => {
                    let tag = reference.tag.as_deref().unwrap_or_default();
                    self.store.tag(&reference.registry, &reference.repository, tag).ok_or_else(|| {
                        Error::Layout(format!(
                            "{reference} is not in the store; run `plimsoll policy pull {reference}` first"
                        ))
                    })?
                }
            };
            let opened = self.open(&reference.with_digest(&digest))?;
            let manifest_bytes = self.store.get(&digest)?.expect("open read it");
            let config_bytes = self.store.get(&opened.manifest.config.digest)?.expect("open read it");
            blobs.insert(opened.manifest.config.digest.clone(), config_bytes);
            blobs.insert(opened.layer_digest().to_string(), opened.component.clone());
            let mut d = Descriptor::of(MANIFEST_MEDIA_TYPE, &manifest_bytes);
            d.artifact_type = opened.manifest.artifact_type.clone();
            d.annotations.insert(REFERENCE_ANNOTATION.into(), reference.to_string());
            if let Some(tag) = &reference.tag {
                d.annotations.insert(REF_NAME_ANNOTATION.into(), tag.clone());
            }
            blobs.insert(digest.clone(), manifest_bytes);
            index.manifests.push(d);
            for referrer in self.store.referrers(&digest) {
                let Some(bytes) = self.store.get(&referrer)? else { continue };
                let manifest = artifact::parse_manifest(&bytes, &referrer)?;
                for blob in manifest.layers.iter().chain([&manifest.config]) {
                    if let Some(b) = self.store.get(&blob.digest)? {
                        blobs.insert(blob.digest.clone(), b);
                    }
                }
                let mut d = Descriptor::of(MANIFEST_MEDIA_TYPE, &bytes);
                d.artifact_type = Some(SIGNATURE_ARTIFACT_TYPE.into());
                blobs.insert(referrer, bytes);
                index.manifests.push(d);
            }
        }
        let lock_text = lock_path
            .map(|p| {
                std::fs::read_to_string(p).map_err(|e| Error::Layout(format!("{}: cannot read: {e}", p.display())))
            })
            .transpose()?;
        if let (Some(text), Some(p)) = (&lock_text, lock_path) {
            lock::parse(text, p)?;
        }
        let mut tar = tar::Builder::new(Vec::new());
        let mut add = |name: &str, bytes: &[u8]| -> Result<(), Error> {
            let mut header = tar::Header::new_ustar();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_mtime(0);
            header.set_cksum();
            tar.append_data(&mut header, name, bytes)
                .map_err(|e| Error::Layout(format!("cannot write the archive: {e}")))
        };
        add("oci-layout", OCI_LAYOUT)?;
        add("index.json", &index.to_bytes())?;
        for (digest, bytes) in &blobs {
            add(&format!("blobs/sha256/{}", &digest["sha256:".len()..]), bytes)?;
        }
        if let Some(text) = &lock_text {
            add(lock::FILE_NAME, text.as_bytes())?;
        }
        let bytes = tar.into_inner().map_err(|e| Error::Layout(format!("cannot write the archive: {e}")))?;
        crate::store::write_atomic(out, &bytes).map_err(|e| Error::Layout(e.to_string()))?;
        Ok(references.len())
    }

    /// Import the layout at `path` (a tar archive or a directory) into the store.
    pub fn load(&self, path: &Path, trust: &Trust) -> Result<LoadedLayout, Error> {
        let files = read_layout(path)?;
        let name = path.display().to_string();
        let get = |rel: &str| files.get(rel).ok_or_else(|| Error::Layout(format!("{name}: no `{rel}`")));
        let layout: serde_json::Value = serde_json::from_slice(get("oci-layout")?)
            .map_err(|e| Error::Layout(format!("{name}: oci-layout is not JSON: {e}")))?;
        if layout.get("imageLayoutVersion").and_then(|v| v.as_str()) != Some("1.0.0") {
            return Err(Error::Layout(format!("{name}: oci-layout: imageLayoutVersion is not 1.0.0")));
        }
        let index: Index = serde_json::from_slice(get("index.json")?)
            .map_err(|e| Error::Layout(format!("{name}: index.json is not an image index: {e}")))?;
        let blob = |digest: &str| -> Result<&Vec<u8>, Error> {
            crate::reference::check_digest(digest).map_err(|m| Error::Layout(format!("{name}: {m}")))?;
            let bytes = get(&format!("blobs/sha256/{}", &digest["sha256:".len()..]))?;
            let actual = digest_of(bytes);
            if actual != digest {
                return Err(Error::Digest { expected: digest.into(), actual, what: format!("{name}: blob") });
            }
            Ok(bytes)
        };
        // Read and check everything first; the store is written only when all of it holds.
        let mut writes: Vec<(String, Vec<u8>)> = Vec::new();
        let mut packs: Vec<(Descriptor, Opened)> = Vec::new();
        let mut signatures: Vec<(String, String, Vec<u8>)> = Vec::new();
        for d in &index.manifests {
            let bytes = blob(&d.digest)?;
            let what = format!("{name}: {}", d.digest);
            let manifest = artifact::parse_manifest(bytes, &what)?;
            if manifest.artifact_type.as_deref() == Some(SIGNATURE_ARTIFACT_TYPE) {
                let Some(subject) = manifest.subject.as_ref().map(|s| s.digest.clone()) else { continue };
                for l in manifest.layers.iter().chain([&manifest.config]) {
                    writes.push((l.digest.clone(), blob(&l.digest)?.clone()));
                }
                let sig_layer = manifest.layers.iter().find(|l| l.media_type == artifact::SIGNATURE_MEDIA_TYPE);
                if let Some(l) = sig_layer {
                    signatures.push((subject, d.digest.clone(), blob(&l.digest)?.clone()));
                }
                writes.push((d.digest.clone(), bytes.clone()));
                continue;
            }
            artifact::check_pack_manifest(&manifest, &what)?;
            let config = artifact::parse_config(blob(&manifest.config.digest)?, &what)?;
            crate::check_config(&config, &what)?;
            let component = blob(&manifest.layers[0].digest)?.clone();
            artifact::check_component_bytes(&component, &what)?;
            writes.push((manifest.config.digest.clone(), blob(&manifest.config.digest)?.clone()));
            writes.push((manifest.layers[0].digest.clone(), component.clone()));
            writes.push((d.digest.clone(), bytes.clone()));
            let reference = d
                .annotations
                .get(REFERENCE_ANNOTATION)
                .and_then(|r| Reference::parse(r).ok())
                .map(|r| r.with_digest(&d.digest))
                .unwrap_or_else(|| Reference {
                    registry: "layout.invalid".into(),
                    repository: "pack".into(),
                    tag: d.annotations.get(REF_NAME_ANNOTATION).cloned(),
                    digest: Some(d.digest.clone()),
                });
            let opened = Opened {
                reference,
                manifest_digest: d.digest.clone(),
                manifest,
                config,
                component,
                signatures: Vec::new(),
            };
            packs.push((d.clone(), opened));
        }
        let mut loaded = Vec::new();
        for (_, opened) in &mut packs {
            for (subject, _, blob) in &signatures {
                if subject == &opened.manifest_digest
                    && let Ok(sig) = crate::sign::SignatureBlob::parse(blob)
                {
                    opened.signatures.push(sig);
                }
            }
            let signer = check_trust(opened, trust)?;
            loaded.push((opened.clone(), signer));
        }
        let lock = files.get(lock::FILE_NAME).map(|b| String::from_utf8_lossy(b).to_string());
        if let Some(text) = &lock {
            let parsed = lock::parse(text, Path::new(lock::FILE_NAME))?;
            for (entry, l) in &parsed.packs {
                if !packs.iter().any(|(_, o)| o.manifest_digest == l.manifest) {
                    return Err(Error::Layout(format!(
                        "{name}: the lock pins `{entry}` at {}, which the archive does not hold",
                        l.manifest
                    )));
                }
            }
        }
        for (digest, bytes) in &writes {
            self.store.put(digest, bytes)?;
        }
        for (subject, referrer, _) in &signatures {
            self.store.add_referrer(subject, referrer)?;
        }
        for (d, opened) in &packs {
            if let Some(r) = d.annotations.get(REFERENCE_ANNOTATION).and_then(|r| Reference::parse(r).ok())
                && let Some(tag) = &r.tag
            {
                self.store.set_tag(&r.registry, &r.repository, tag, &opened.manifest_digest)?;
            }
        }
        Ok(LoadedLayout { packs: loaded, lock })
    }
}

/// The files of a layout: a directory's `oci-layout`, `index.json`, `blobs/…` (and lock), or a
/// tar archive's members.
fn read_layout(path: &Path) -> Result<BTreeMap<String, Vec<u8>>, Error> {
    let name = path.display().to_string();
    let mut files = BTreeMap::new();
    if path.is_dir() {
        for rel in ["oci-layout", "index.json", lock::FILE_NAME] {
            if let Ok(bytes) = std::fs::read(path.join(rel)) {
                files.insert(rel.to_string(), bytes);
            }
        }
        let blobs = path.join("blobs").join("sha256");
        let entries = std::fs::read_dir(&blobs).map_err(|e| Error::Layout(format!("{}: {e}", blobs.display())))?;
        for entry in entries.flatten() {
            let meta = entry.metadata().map_err(|e| Error::Layout(format!("{name}: {e}")))?;
            if meta.len() > MAX_MEMBER {
                return Err(Error::Layout(format!("{}: larger than any pack blob", entry.path().display())));
            }
            let bytes = std::fs::read(entry.path()).map_err(|e| Error::Layout(format!("{name}: {e}")))?;
            files.insert(format!("blobs/sha256/{}", entry.file_name().to_string_lossy()), bytes);
        }
        return Ok(files);
    }
    let file = std::fs::File::open(path).map_err(|e| Error::Layout(format!("{name}: cannot open: {e}")))?;
    let mut archive = tar::Archive::new(file);
    let entries = archive.entries().map_err(|e| Error::Layout(format!("{name}: not a tar archive: {e}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| Error::Layout(format!("{name}: not a tar archive: {e}")))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let rel = entry.path().map_err(|e| Error::Layout(format!("{name}: {e}")))?.to_string_lossy().to_string();
        let rel = rel.trim_start_matches("./").to_string();
        if entry.size() > MAX_MEMBER {
            return Err(Error::Layout(format!("{name}: `{rel}` is larger than any pack blob")));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
        entry.read_to_end(&mut bytes).map_err(|e| Error::Layout(format!("{name}: `{rel}`: {e}")))?;
        files.insert(rel, bytes);
    }
    Ok(files)
}
