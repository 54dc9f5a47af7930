//! Uploads: a check request's project, as JSON (`{"files": {…}}`) or as a `.tar.gz`.
//!
//! The upload is the project. Names that leave it (absolute, `..`, empty) are refused, and so is
//! anything in a tar that is not a regular file or a directory (symlinks, hard links, devices):
//! nothing the caller sends can make the server read one of its own files. Errors name the entry,
//! never echo file contents. This module only decodes; it never loads or checks a project.

use std::collections::BTreeMap;
use std::io::Read;

use plimsoll_model::confine::relative_name;
use serde::Deserialize;

/// Most entries of one upload.
pub const MAX_FILES: usize = 10_000;

/// A decoded check request.
#[derive(Debug, Default)]
pub struct Upload {
    /// Relative, `/`-separated names → contents.
    pub files: BTreeMap<String, Vec<u8>>,
    /// The compose files, in order (empty: discovery at the upload's root).
    pub compose_files: Vec<String>,
    /// `--profile` values.
    pub profiles: Vec<String>,
    /// `plimsoll.yaml` keys that override the server's configuration for this request.
    pub config: Option<serde_json::Value>,
    /// The project name (as `docker compose -p`).
    pub project_name: Option<String>,
}

/// The JSON body of `POST /v1/check`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonRequest {
    files: BTreeMap<String, String>,
    #[serde(default)]
    compose_files: Vec<String>,
    #[serde(default)]
    profiles: Vec<String>,
    #[serde(default)]
    config: Option<serde_json::Value>,
    #[serde(default)]
    project_name: Option<String>,
}

/// Why an upload is refused (a `400`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UploadError(pub String);

/// Decode a JSON request body.
pub fn from_json(body: &[u8]) -> Result<Upload, UploadError> {
    let request: JsonRequest = serde_json::from_slice(body).map_err(|e| {
        UploadError(format!("request body: line {}, column {}: {}", e.line(), e.column(), plain(&e.to_string())))
    })?;
    if request.files.len() > MAX_FILES {
        return Err(UploadError(format!("files: {} entries, at most {MAX_FILES}", request.files.len())));
    }
    let mut files = BTreeMap::new();
    for (name, text) in request.files {
        let key = relative_name(&name).map_err(|e| UploadError(format!("files: {e}")))?;
        files.insert(key, text.into_bytes());
    }
    let mut compose_files = Vec::new();
    for name in &request.compose_files {
        let key = relative_name(name).map_err(|e| UploadError(format!("compose_files: {e}")))?;
        if !files.contains_key(&key) {
            return Err(UploadError(format!("compose_files: `{name}` is not among the uploaded files")));
        }
        compose_files.push(key);
    }
    Ok(Upload {
        files,
        compose_files,
        profiles: request.profiles,
        config: request.config,
        project_name: request.project_name,
    })
}

/// Decode a `.tar.gz` body: the project's files; `max_bytes` bounds the unpacked size.
pub fn from_tar_gz(body: &[u8], max_bytes: usize) -> Result<Upload, UploadError> {
    let decoder = flate2::read::GzDecoder::new(body);
    let mut archive = tar::Archive::new(decoder);
    let entries = archive.entries().map_err(|e| UploadError(format!("not a .tar.gz: {e}")))?;
    let mut files = BTreeMap::new();
    let mut total = 0usize;
    for entry in entries {
        let mut entry = entry.map_err(|e| UploadError(format!("not a .tar.gz: {e}")))?;
        let name = entry.path().map_err(|e| UploadError(format!("tar: an entry name is not valid: {e}")))?;
        let name = name.to_string_lossy().replace('\\', "/");
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            // A directory creates nothing by itself; the names of the files in it are checked.
            continue;
        }
        if kind.is_pax_global_extensions() || kind.is_pax_local_extensions() || kind.is_gnu_longname() {
            continue;
        }
        if !kind.is_file() {
            return Err(UploadError(format!(
                "tar: `{name}` is a {}: only regular files and directories are accepted",
                if kind.is_symlink() {
                    "symbolic link"
                } else if kind.is_hard_link() {
                    "hard link"
                } else {
                    "special file"
                }
            )));
        }
        let key = relative_name(&name).map_err(|e| UploadError(format!("tar: {e}")))?;
        let mut bytes = Vec::new();
        let limit = (max_bytes.saturating_sub(total) + 1) as u64;
        entry.by_ref().take(limit).read_to_end(&mut bytes).map_err(|e| UploadError(format!("tar: `{name}`: {e}")))?;
        total += bytes.len();
        if total > max_bytes {
            return Err(UploadError(format!("tar: the unpacked project is larger than {max_bytes} bytes")));
        }
        if files.len() >= MAX_FILES {
            return Err(UploadError(format!("tar: more than {MAX_FILES} files")));
        }
        files.insert(key, bytes);
    }
    if files.is_empty() {
        return Err(UploadError("tar: the archive holds no files".into()));
    }
    Ok(Upload { files, ..Upload::default() })
}

/// serde's message without its own position suffix.
fn plain(message: &str) -> String {
    plimsoll_check::config::strip_location(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_gz(entries: &[(&str, tar::EntryType, &[u8], Option<&str>)]) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast()));
        for (name, kind, bytes, link) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(*kind);
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            if let Some(link) = link {
                header.set_link_name(link).unwrap();
            }
            // Names are written raw so that hostile ones (`../x`) reach the decoder.
            let raw = name.as_bytes();
            header.as_old_mut().name[..raw.len()].copy_from_slice(raw);
            header.set_cksum();
            builder.append(&header, *bytes).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn json_names_must_stay_inside() {
        let ok =
            from_json(br#"{"files": {"./compose.yaml": "services: {}\n", "api/Dockerfile": "FROM a\n"}}"#).unwrap();
        assert_eq!(ok.files.keys().collect::<Vec<_>>(), vec!["api/Dockerfile", "compose.yaml"]);
        for bad in ["../x", "/etc/passwd", "a/../../b", ""] {
            let body = serde_json::json!({ "files": { bad: "x" } }).to_string();
            let err = from_json(body.as_bytes()).unwrap_err().0;
            assert!(err.contains("not a relative path inside the project"), "{bad}: {err}");
        }
        let err = from_json(b"{\"files\": {\"a\": 1}}").unwrap_err().0;
        assert!(err.starts_with("request body: line 1, column "), "{err}");
        let err = from_json(br#"{"files": {"a": "x"}, "compose_files": ["b.yaml"]}"#).unwrap_err().0;
        assert!(err.contains("not among the uploaded files"), "{err}");
    }

    #[test]
    fn tar_entries_must_be_plain_files_inside() {
        let ok = tar_gz(&[("compose.yaml", tar::EntryType::Regular, b"services: {}\n", None)]);
        assert_eq!(from_tar_gz(&ok, 1 << 20).unwrap().files.len(), 1);
        let link = tar_gz(&[("compose.yaml", tar::EntryType::Symlink, b"", Some("/etc/passwd"))]);
        assert!(from_tar_gz(&link, 1 << 20).unwrap_err().0.contains("symbolic link"));
        let hard = tar_gz(&[("x", tar::EntryType::Link, b"", Some("/etc/passwd"))]);
        assert!(from_tar_gz(&hard, 1 << 20).unwrap_err().0.contains("hard link"));
        let escape = tar_gz(&[("../compose.yaml", tar::EntryType::Regular, b"services: {}\n", None)]);
        assert!(from_tar_gz(&escape, 1 << 20).unwrap_err().0.contains("not a relative path"));
        let big = tar_gz(&[("a", tar::EntryType::Regular, &[b'x'; 4096], None)]);
        assert!(from_tar_gz(&big, 1000).unwrap_err().0.contains("larger than 1000 bytes"));
        assert!(from_tar_gz(b"not gzip", 1 << 20).is_err());
    }
}
