//! Writing what the CLI produces: reports, baselines and other files the user owns are replaced
//! through a temporary file in the same directory and a rename, never overwritten in place. A path
//! that is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO) is written to directly: renaming
//! over it would replace the device with a file.

use std::path::Path;

/// Write `text` to `path` through a temporary file in the same directory and a rename; a missing
/// directory is created (`-o reports/plimsoll.sarif` in a fresh CI workspace).
pub fn write_atomic(path: &Path, text: &[u8]) -> Result<(), String> {
    // A symbolic link is followed (`/dev/stdout` → `/proc/self/fd/1` → a pipe, a terminal or the
    // file the shell redirected to), so the link itself is never replaced.
    let resolved;
    let path = if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        resolved = std::fs::canonicalize(path).map_err(|e| format!("{}: cannot resolve: {e}", path.display()))?;
        resolved.as_path()
    } else {
        path
    };
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
        && !meta.is_dir()
    {
        return std::fs::write(path, text).map_err(|e| format!("{}: cannot write: {e}", path.display()));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_written_to_and_files_replaced() {
        write_atomic(Path::new("/dev/null"), b"report").unwrap();
        let meta = std::fs::metadata("/dev/null").unwrap();
        assert!(!meta.is_file(), "/dev/null must stay a device");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sub/report.txt");
        write_atomic(&file, b"one").unwrap();
        write_atomic(&file, b"two").unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(file.parent().unwrap()).unwrap().count(), 1, "no temporary file left");
        // A link to a file: the file is replaced, the link stays a link.
        let link = dir.path().join("latest.txt");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        write_atomic(&link, b"three").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read(&file).unwrap(), b"three");
    }
}
