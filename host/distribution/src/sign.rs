//! Offline ed25519 signatures over pack manifest digests.
//!
//! Keys are standard PEM files (PKCS#8 private keys, SubjectPublicKeyInfo public keys), so
//! `openssl pkey` reads them; a key's id is the first 16 hex digits of the SHA-256 of its public
//! key. A signature is a small JSON blob stored as an OCI artifact whose `subject` is the pack's
//! manifest. Verification needs only the blob and the trusted public keys: no network, no
//! transparency log, no identity provider. Nothing here writes a key over an existing file.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::Error;
use crate::artifact::{
    Descriptor, EMPTY_BLOB, EMPTY_MEDIA_TYPE, KEY_ID_ANNOTATION, MANIFEST_MEDIA_TYPE, Manifest,
    SIGNATURE_ARTIFACT_TYPE, SIGNATURE_MEDIA_TYPE, digest_of,
};

/// PKCS#8 v1 prefix of an ed25519 private key (RFC 8410), followed by the 32-byte seed.
const PKCS8_PREFIX: [u8; 16] =
    [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
/// SubjectPublicKeyInfo prefix of an ed25519 public key, followed by the 32-byte key.
const SPKI_PREFIX: [u8; 12] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];

/// What a signature signs: this prefix, the manifest digest and a newline.
pub const SIGNED_PREFIX: &str = "plimsoll-pack-signature-v1\n";

/// A public key that signatures are checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
    /// The key id.
    pub id: String,
}

impl PublicKey {
    /// Parse a PEM public key (`-----BEGIN PUBLIC KEY-----`).
    pub fn from_pem(text: &str, what: &str) -> Result<Self, Error> {
        let der = pem_body(text, "PUBLIC KEY").map_err(|m| Error::Key(format!("{what}: {m}")))?;
        let raw = der
            .strip_prefix(&SPKI_PREFIX[..])
            .filter(|k| k.len() == 32)
            .ok_or_else(|| Error::Key(format!("{what}: not an ed25519 public key")))?;
        let bytes: [u8; 32] = raw.try_into().expect("32 bytes");
        let key = VerifyingKey::from_bytes(&bytes).map_err(|e| Error::Key(format!("{what}: {e}")))?;
        Ok(Self { id: key_id(&bytes), key })
    }

    /// Read a PEM public key file.
    pub fn read(path: &Path) -> Result<Self, Error> {
        let text =
            std::fs::read_to_string(path).map_err(|e| Error::Key(format!("{}: cannot read: {e}", path.display())))?;
        Self::from_pem(&text, &path.display().to_string())
    }

    /// The key as PEM.
    pub fn to_pem(&self) -> String {
        let mut der = SPKI_PREFIX.to_vec();
        der.extend_from_slice(self.key.as_bytes());
        pem("PUBLIC KEY", &der)
    }
}

/// A private signing key.
pub struct PrivateKey {
    key: SigningKey,
}

impl PrivateKey {
    /// A fresh key from the operating system's randomness.
    pub fn generate() -> Result<Self, Error> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| Error::Key(format!("no randomness for a key: {e}")))?;
        Ok(Self { key: SigningKey::from_bytes(&seed) })
    }

    /// Read a PEM private key file (`-----BEGIN PRIVATE KEY-----`).
    pub fn read(path: &Path) -> Result<Self, Error> {
        let what = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| Error::Key(format!("{what}: cannot read: {e}")))?;
        let der = pem_body(&text, "PRIVATE KEY").map_err(|m| Error::Key(format!("{what}: {m}")))?;
        let seed = der
            .strip_prefix(&PKCS8_PREFIX[..])
            .filter(|k| k.len() == 32)
            .ok_or_else(|| Error::Key(format!("{what}: not an ed25519 private key (PKCS#8)")))?;
        Ok(Self { key: SigningKey::from_bytes(&seed.try_into().expect("32 bytes")) })
    }

    /// The matching public key.
    pub fn public(&self) -> PublicKey {
        let key = self.key.verifying_key();
        PublicKey { id: key_id(key.as_bytes()), key }
    }

    fn to_pem(&self) -> String {
        let mut der = PKCS8_PREFIX.to_vec();
        der.extend_from_slice(self.key.as_bytes());
        pem("PRIVATE KEY", &der)
    }

    /// Sign manifest `digest`.
    pub fn sign(&self, digest: &str) -> SignatureBlob {
        let signature = self.key.sign(signed_message(digest).as_bytes());
        SignatureBlob {
            digest: digest.to_string(),
            key_id: self.public().id,
            signature: STANDARD.encode(signature.to_bytes()),
        }
    }
}

/// `NAME.key` (mode 0600) and `NAME.pub` written by [`keygen`].
#[derive(Debug, Clone)]
pub struct KeyFiles {
    /// The private key file.
    pub private: PathBuf,
    /// The public key file.
    pub public: PathBuf,
    /// The key id.
    pub id: String,
}

/// Generate a key pair as `NAME.key` and `NAME.pub`; refuses to write over either file.
pub fn keygen(name: &Path) -> Result<KeyFiles, Error> {
    let private = with_suffix(name, "key");
    let public = with_suffix(name, "pub");
    for path in [&private, &public] {
        if path.exists() {
            return Err(Error::Key(format!("{} already exists; not overwriting a key", path.display())));
        }
    }
    let key = PrivateKey::generate()?;
    write_new(&private, key.to_pem().as_bytes(), 0o600)?;
    let pub_key = key.public();
    if let Err(e) = write_new(&public, pub_key.to_pem().as_bytes(), 0o644) {
        let _ = std::fs::remove_file(&private);
        return Err(e);
    }
    Ok(KeyFiles { private, public, id: pub_key.id })
}

fn with_suffix(name: &Path, suffix: &str) -> PathBuf {
    let mut s = name.as_os_str().to_os_string();
    s.push(".");
    s.push(suffix);
    PathBuf::from(s)
}

fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), Error> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let fail = |e: std::io::Error| Error::Key(format!("{}: cannot write: {e}", path.display()));
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(mode).open(path).map_err(fail)?;
    file.write_all(bytes).map_err(fail)?;
    file.sync_all().map_err(fail)
}

/// The signature blob (JSON, [`SIGNATURE_MEDIA_TYPE`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct SignatureBlob {
    /// The signed manifest digest.
    pub digest: String,
    /// The signing key's id.
    pub key_id: String,
    /// The ed25519 signature over [`SIGNED_PREFIX`] + digest + `\n`, base64.
    pub signature: String,
}

impl SignatureBlob {
    /// The blob's JSON.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).expect("a signature serializes")
    }

    /// Parse a blob.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        serde_json::from_slice(bytes).map_err(|e| Error::Trust(format!("a signature blob is not valid: {e}")))
    }

    /// Check this signature over manifest `digest` with `keys`; the id of the key that verifies it.
    pub fn verify(&self, digest: &str, keys: &[PublicKey]) -> Result<String, Error> {
        let key = keys.iter().find(|k| k.id == self.key_id).ok_or_else(|| {
            Error::Trust(format!("signature by unknown key {} (trusted: {})", self.key_id, key_list(keys)))
        })?;
        if self.digest != digest {
            return Err(Error::Trust(format!(
                "signature by key {} is over {}, not over {digest}",
                self.key_id, self.digest
            )));
        }
        let raw = STANDARD
            .decode(&self.signature)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
            .ok_or_else(|| Error::Trust(format!("signature by key {} is not 64 bytes of base64", self.key_id)))?;
        let signature = ed25519_dalek::Signature::from_bytes(&raw);
        key.key.verify(signed_message(digest).as_bytes(), &signature).map_err(|_| {
            Error::Trust(format!("signature by key {} does not verify over {digest} (tampered)", self.key_id))
        })?;
        Ok(key.id.clone())
    }
}

/// The ids of `keys`, for messages.
pub fn key_list(keys: &[PublicKey]) -> String {
    if keys.is_empty() {
        return "none".into();
    }
    keys.iter().map(|k| k.id.as_str()).collect::<Vec<_>>().join(", ")
}

fn signed_message(digest: &str) -> String {
    format!("{SIGNED_PREFIX}{digest}\n")
}

/// A signature as an artifact: the manifest and its blob.
#[derive(Debug, Clone)]
pub struct SignatureArtifact {
    /// The manifest bytes.
    pub manifest: Vec<u8>,
    /// Its digest.
    pub manifest_digest: String,
    /// The signature blob.
    pub blob: Vec<u8>,
}

/// The signature artifact of `blob` for the pack manifest `subject`.
pub fn signature_artifact(blob: &SignatureBlob, subject: Descriptor, created: &str) -> SignatureArtifact {
    let bytes = blob.to_bytes();
    let mut annotations = BTreeMap::new();
    annotations.insert(KEY_ID_ANNOTATION.to_string(), blob.key_id.clone());
    annotations.insert("org.opencontainers.image.created".to_string(), created.to_string());
    let manifest = Manifest {
        schema_version: 2,
        media_type: Some(MANIFEST_MEDIA_TYPE.into()),
        artifact_type: Some(SIGNATURE_ARTIFACT_TYPE.into()),
        config: Descriptor::of(EMPTY_MEDIA_TYPE, EMPTY_BLOB),
        layers: vec![Descriptor::of(SIGNATURE_MEDIA_TYPE, &bytes)],
        subject: Some(subject),
        annotations,
    };
    let manifest = serde_json::to_vec_pretty(&manifest).expect("a manifest serializes");
    SignatureArtifact { manifest_digest: digest_of(&manifest), manifest, blob: bytes }
}

fn key_id(public: &[u8; 32]) -> String {
    hex::encode(&Sha256::digest(public)[..8])
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn pem_body(text: &str, label: &str) -> Result<Vec<u8>, String> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin).ok_or_else(|| format!("no `{begin}` block"))? + begin.len();
    let stop = text[start..].find(&end).ok_or_else(|| format!("no `{end}` line"))? + start;
    let body: String = text[start..stop].chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD.decode(body).map_err(|e| format!("the PEM block is not base64: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    #[test]
    fn sign_and_verify_and_every_way_to_fail() {
        let key = PrivateKey::generate().unwrap();
        let other = PrivateKey::generate().unwrap();
        let trusted = vec![key.public()];
        let sig = key.sign(D1);
        assert_eq!(sig.verify(D1, &trusted).unwrap(), key.public().id);
        let err = sig.verify(D2, &trusted).unwrap_err().to_string();
        assert!(err.contains("not over"), "{err}");
        let err = other.sign(D1).verify(D1, &trusted).unwrap_err().to_string();
        assert!(err.contains("unknown key"), "{err}");
        let mut forged = key.sign(D2);
        forged.digest = D1.into();
        let err = forged.verify(D1, &trusted).unwrap_err().to_string();
        assert!(err.contains("tampered"), "{err}");
        assert_eq!(SignatureBlob::parse(&sig.to_bytes()).unwrap(), sig);
    }

    #[test]
    fn keys_round_trip_through_pem_and_are_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let files = keygen(&dir.path().join("team")).unwrap();
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(std::fs::metadata(&files.private).unwrap().permissions().mode() & 0o777, 0o600);
        let private = PrivateKey::read(&files.private).unwrap();
        let public = PublicKey::read(&files.public).unwrap();
        assert_eq!(private.public(), public);
        assert_eq!(public.id, files.id);
        let before = std::fs::read(&files.private).unwrap();
        let err = keygen(&dir.path().join("team")).unwrap_err().to_string();
        assert!(err.contains("already exists"), "{err}");
        assert_eq!(std::fs::read(&files.private).unwrap(), before);
        let err = PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "k.pub")
            .unwrap_err()
            .to_string();
        assert!(err.contains("k.pub: not an ed25519 public key"), "{err}");
    }
}
