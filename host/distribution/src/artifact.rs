//! The pack artifact: an OCI image-spec 1.1 manifest with Plimsoll's `artifactType`, the pack's
//! identity as its config blob, and the component as its one layer (`docs/distribution.md`).
//!
//! This module builds and checks the JSON documents (manifests, indexes, descriptors) and hashes
//! bytes; it never talks to a registry and never loads a component. A manifest of another artifact
//! type, a second layer or a blob larger than the limits is refused here, before anything is
//! fetched or stored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::Error;

/// The `artifactType` of a pack manifest.
pub const PACK_ARTIFACT_TYPE: &str = "application/vnd.plimsoll.pack.v1";
/// The media type of a pack's config blob ([`PackConfig`]).
pub const PACK_CONFIG_MEDIA_TYPE: &str = "application/vnd.plimsoll.pack.config.v1+json";
/// The media type of the component layer.
pub const WASM_MEDIA_TYPE: &str = "application/wasm";
/// The `artifactType` of a signature manifest (its subject is the pack manifest).
pub const SIGNATURE_ARTIFACT_TYPE: &str = "application/vnd.plimsoll.signature.v1";
/// The media type of a signature blob ([`crate::sign::SignatureBlob`]).
pub const SIGNATURE_MEDIA_TYPE: &str = "application/vnd.plimsoll.signature.v1+json";
/// OCI image manifest.
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index.
pub const INDEX_MEDIA_TYPE: &str = "application/vnd.oci.image.index.v1+json";
/// The empty descriptor's media type (a signature manifest's config).
pub const EMPTY_MEDIA_TYPE: &str = "application/vnd.oci.empty.v1+json";
/// The empty blob, `{}`.
pub const EMPTY_BLOB: &[u8] = b"{}";

/// Largest component layer accepted (a built-in pack is about 1 MiB, a Python pack about 40 MiB).
pub const MAX_LAYER_BYTES: u64 = 128 << 20;
/// Largest config, manifest, index or signature blob accepted.
pub const MAX_DOCUMENT_BYTES: u64 = 4 << 20;

/// Annotation: the reference a manifest was saved under (`policy save`).
pub const REFERENCE_ANNOTATION: &str = "dev.plimsoll.reference";
/// Annotation: the key id of a signature manifest.
pub const KEY_ID_ANNOTATION: &str = "dev.plimsoll.signature.key-id";
/// Annotation: the tag an image-layout entry answers to (`oci:DIR:TAG`).
pub const REF_NAME_ANNOTATION: &str = "org.opencontainers.image.ref.name";

/// `sha256:<hex>` of `bytes`.
pub fn digest_of(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// An OCI content descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// The content's media type.
    pub media_type: String,
    /// `sha256:<hex>`.
    pub digest: String,
    /// Size in bytes.
    pub size: u64,
    /// The artifact type of the manifest this describes (referrers, indexes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl Descriptor {
    /// The descriptor of `bytes` as `media_type`.
    pub fn of(media_type: &str, bytes: &[u8]) -> Self {
        Self {
            media_type: media_type.to_string(),
            digest: digest_of(bytes),
            size: bytes.len() as u64,
            artifact_type: None,
            annotations: BTreeMap::new(),
        }
    }
}

/// An OCI image manifest (the subset artifacts use).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Always 2.
    pub schema_version: u32,
    /// [`MANIFEST_MEDIA_TYPE`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// What the artifact is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// The config blob.
    pub config: Descriptor,
    /// The layers.
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    /// The manifest this one refers to (a signature's pack).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// An OCI image index (image layouts, the referrers API and its tag fallback).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Index {
    /// Always 2.
    pub schema_version: u32,
    /// [`INDEX_MEDIA_TYPE`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// The manifests.
    #[serde(default)]
    pub manifests: Vec<Descriptor>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl Index {
    /// An empty index.
    pub fn new() -> Self {
        Self { schema_version: 2, media_type: Some(INDEX_MEDIA_TYPE.into()), ..Self::default() }
    }

    /// The index as JSON.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).expect("an index serializes")
    }
}

/// One rule of a pack, as the config blob lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ConfigRule {
    /// The rule id (without the pack id).
    pub id: String,
    /// Its default severity.
    pub severity: String,
}

/// The config blob of a pack: who it is, what it needs, what it brings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct PackConfig {
    /// The pack id (what the component describes).
    pub id: String,
    /// The pack version.
    pub version: String,
    /// The rules and their default severities.
    pub rules: Vec<ConfigRule>,
    /// `sha256:` of the settings schema the component declares (absent: no schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings_schema_digest: Option<String>,
    /// The `plimsoll:policy` contract version the component imports, e.g. `0.1.0`.
    pub contract: String,
    /// The oldest Plimsoll that runs it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_plimsoll: Option<String>,
    /// Default settings (the manifest's `settings:`).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub settings: serde_json::Map<String, serde_json::Value>,
    /// Sandbox limits raised by the manifest (`memory`, `deadline`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sandbox: BTreeMap<String, String>,
}

/// A pack ready to push or store: its three blobs and the manifest over them.
#[derive(Debug, Clone)]
pub struct PackArtifact {
    /// The manifest's bytes (what its digest is computed over).
    pub manifest: Vec<u8>,
    /// The manifest's digest.
    pub manifest_digest: String,
    /// The config blob.
    pub config: Vec<u8>,
    /// The component.
    pub layer: Vec<u8>,
}

/// Build the artifact of `component` with `config` and the `org.opencontainers.image.*`
/// `annotations` (title, version, description, … as the caller has them).
pub fn build_pack(component: Vec<u8>, config: &PackConfig, annotations: BTreeMap<String, String>) -> PackArtifact {
    let config_bytes = serde_json::to_vec_pretty(config).expect("a pack config serializes");
    let mut layer = Descriptor::of(WASM_MEDIA_TYPE, &component);
    layer.annotations.insert("org.opencontainers.image.title".into(), format!("{}.wasm", config.id));
    let manifest = Manifest {
        schema_version: 2,
        media_type: Some(MANIFEST_MEDIA_TYPE.into()),
        artifact_type: Some(PACK_ARTIFACT_TYPE.into()),
        config: Descriptor::of(PACK_CONFIG_MEDIA_TYPE, &config_bytes),
        layers: vec![layer],
        subject: None,
        annotations,
    };
    let bytes = serde_json::to_vec_pretty(&manifest).expect("a manifest serializes");
    PackArtifact { manifest_digest: digest_of(&bytes), manifest: bytes, config: config_bytes, layer: component }
}

/// Parse manifest bytes (any artifact type), refusing oversized or malformed documents.
pub fn parse_manifest(bytes: &[u8], what: &str) -> Result<Manifest, Error> {
    if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(Error::Artifact(format!(
            "{what}: the manifest is {} bytes, more than the 4 MiB allowed",
            bytes.len()
        )));
    }
    let manifest: Manifest = serde_json::from_slice(bytes)
        .map_err(|e| Error::Artifact(format!("{what}: not an OCI image manifest: {e}")))?;
    if manifest.schema_version != 2 {
        return Err(Error::Artifact(format!("{what}: schemaVersion {} (expected 2)", manifest.schema_version)));
    }
    if let Some(mt) = &manifest.media_type
        && mt != MANIFEST_MEDIA_TYPE
    {
        return Err(Error::Artifact(format!("{what}: manifest media type `{mt}` (expected `{MANIFEST_MEDIA_TYPE}`)")));
    }
    for d in manifest.layers.iter().chain([&manifest.config]) {
        crate::reference::check_digest(&d.digest).map_err(|m| Error::Artifact(format!("{what}: {m}")))?;
    }
    Ok(manifest)
}

/// Check that `manifest` is a Plimsoll pack: its artifact type, config and single component layer.
pub fn check_pack_manifest(manifest: &Manifest, what: &str) -> Result<(), Error> {
    let artifact_type = manifest.artifact_type.as_deref().unwrap_or(manifest.config.media_type.as_str());
    if artifact_type != PACK_ARTIFACT_TYPE {
        return Err(Error::Artifact(format!(
            "{what} is not a Plimsoll pack: its artifact type is `{artifact_type}` (expected `{PACK_ARTIFACT_TYPE}`)"
        )));
    }
    if manifest.config.media_type != PACK_CONFIG_MEDIA_TYPE {
        return Err(Error::Artifact(format!(
            "{what}: config media type `{}` (expected `{PACK_CONFIG_MEDIA_TYPE}`)",
            manifest.config.media_type
        )));
    }
    if manifest.config.size > MAX_DOCUMENT_BYTES {
        return Err(Error::Artifact(format!(
            "{what}: the config blob is {} bytes (at most 4 MiB)",
            manifest.config.size
        )));
    }
    let [layer] = manifest.layers.as_slice() else {
        return Err(Error::Artifact(format!(
            "{what}: a pack has exactly one layer (the component), this manifest has {}",
            manifest.layers.len()
        )));
    };
    if layer.media_type != WASM_MEDIA_TYPE {
        return Err(Error::Artifact(format!(
            "{what}: layer media type `{}` (expected `{WASM_MEDIA_TYPE}`)",
            layer.media_type
        )));
    }
    if layer.size > MAX_LAYER_BYTES {
        return Err(Error::Artifact(format!(
            "{what}: the component layer is {} bytes, more than the {} MiB allowed",
            layer.size,
            MAX_LAYER_BYTES >> 20
        )));
    }
    Ok(())
}

/// Parse and check a pack config blob against what the manifest says of it.
pub fn parse_config(bytes: &[u8], what: &str) -> Result<PackConfig, Error> {
    serde_json::from_slice(bytes).map_err(|e| Error::Artifact(format!("{what}: the pack config is not valid: {e}")))
}

/// Check that `bytes` start like a WebAssembly component (not a core module, not something else).
pub fn check_component_bytes(bytes: &[u8], what: &str) -> Result<(), Error> {
    match bytes.get(..8) {
        Some([0, b'a', b's', b'm', _, _, 1, 0]) => Ok(()),
        Some([0, b'a', b's', b'm', 1, 0, 0, 0]) => {
            Err(Error::Artifact(format!("{what}: the layer is a core WebAssembly module, not a component")))
        }
        _ => Err(Error::Artifact(format!("{what}: the layer is not a WebAssembly component"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> PackConfig {
        PackConfig {
            id: "acme".into(),
            version: "0.1.0".into(),
            rules: vec![ConfigRule { id: "r".into(), severity: "high".into() }],
            settings_schema_digest: None,
            contract: "0.1.0".into(),
            minimum_plimsoll: None,
            settings: Default::default(),
            sandbox: Default::default(),
        }
    }

    #[test]
    fn the_empty_descriptor_has_the_spec_digest() {
        assert_eq!(digest_of(EMPTY_BLOB), "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    }

    #[test]
    fn a_built_pack_parses_back_and_checks() {
        let built = build_pack(b"\0asm\x0d\0\x01\0rest".to_vec(), &config(), BTreeMap::new());
        let manifest = parse_manifest(&built.manifest, "x").unwrap();
        check_pack_manifest(&manifest, "x").unwrap();
        assert_eq!(manifest.layers[0].digest, digest_of(&built.layer));
        assert_eq!(parse_config(&built.config, "x").unwrap(), config());
        check_component_bytes(&built.layer, "x").unwrap();
    }

    #[test]
    fn wrong_artifacts_are_refused() {
        let built = build_pack(b"\0asm\x0d\0\x01\0".to_vec(), &config(), BTreeMap::new());
        let mut manifest = parse_manifest(&built.manifest, "x").unwrap();
        manifest.artifact_type = Some("application/vnd.example".into());
        let err = check_pack_manifest(&manifest, "oci://r/x:1").unwrap_err().to_string();
        assert!(err.contains("is not a Plimsoll pack"), "{err}");
        let mut manifest = parse_manifest(&built.manifest, "x").unwrap();
        manifest.layers[0].size = MAX_LAYER_BYTES + 1;
        let err = check_pack_manifest(&manifest, "x").unwrap_err().to_string();
        assert!(err.contains("more than the 128 MiB allowed"), "{err}");
        let err = check_component_bytes(b"\0asm\x01\0\0\0", "x").unwrap_err().to_string();
        assert!(err.contains("core WebAssembly module"), "{err}");
        let err = parse_manifest(b"{\"schemaVersion\": 1}", "x").unwrap_err().to_string();
        assert!(err.contains("not an OCI image manifest"), "{err}");
    }
}
