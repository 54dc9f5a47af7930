//! Writing what the CLI produces: reports, baselines and other files the user owns are replaced
//! through a temporary file in the same directory and a rename, never overwritten in place.

use std::path::Path;

/// Write `text` to `path` through a temporary file in the same directory and a rename; a missing
/// directory is created (`-o reports/plimsoll.sarif` in a fresh CI workspace).
pub fn write_atomic(path: &Path, text: &[u8]) -> Result<(), String> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: cannot create the directory: {e}", dir.display()))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = dir.join(format!(".{name}.{}.plimsoll-tmp", std::process::id()));
    std::fs::write(&tmp, text).map_err(|e| format!("{}: cannot write: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("{}: cannot write: {e}", path.display())
    })
}
