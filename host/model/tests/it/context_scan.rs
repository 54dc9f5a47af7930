//! Build context scans on temporary trees: ignore-file precedence, notable entries, bounds,
//! symbolic links, URL and missing contexts.

use std::fs;
use std::path::Path;
use std::time::Duration;

use plimsoll_model::context::{ScanLimits, find_dockerignore, is_url, load_context, scan};
use plimsoll_model::dockerignore::Matcher;
use plimsoll_model::model::{ContextKind, NotableEntry};

fn write(root: &Path, rel: &str, bytes: usize) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(path, vec![b'x'; bytes]).expect("write");
}

fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = dir.path();
    write(r, "Dockerfile", 10);
    write(r, "app/main.py", 100);
    write(r, ".env", 5);
    write(r, ".env.example", 5);
    write(r, ".git/HEAD", 20);
    write(r, ".git/objects/ab/cdef", 1000);
    write(r, "node_modules/left-pad/index.js", 50);
    write(r, "node_modules/left-pad/.env", 1);
    write(r, "env/pyvenv.cfg", 10);
    write(r, "env/lib/site.py", 10);
    write(r, "keys/id_rsa", 30);
    write(r, "keys/server.pem", 30);
    write(r, "models/llama.gguf", 64);
    write(r, "models/small.bin", 64);
    write(r, "dist/bundle.js", 7);
    dir
}

fn find<'a>(notable: &'a [NotableEntry], path: &str) -> &'a NotableEntry {
    notable.iter().find(|n| n.path == path).unwrap_or_else(|| panic!("{path} not in {notable:?}"))
}

#[test]
fn notable_entries_without_dockerignore() {
    let dir = tree();
    let s = scan(dir.path(), &Matcher::default(), &ScanLimits::default());
    assert_eq!(s.file_count, 15);
    assert_eq!(s.bytes, 10 + 100 + 5 + 5 + 20 + 1000 + 50 + 1 + 10 + 10 + 30 + 30 + 64 + 64 + 7);
    let kinds: Vec<(&str, &str)> = s.notable.iter().map(|n| (n.path.as_str(), n.kind.as_str())).collect();
    assert_eq!(
        kinds,
        [
            (".env", "env-file"),
            (".git", "git"),
            ("dist", "build-output"),
            ("env", "virtualenv"),
            ("keys/id_rsa", "private-key"),
            ("keys/server.pem", "private-key"),
            ("models/llama.gguf", "model-weights"),
            ("node_modules", "node-modules"),
        ],
        "`.env.example` is a template, entries inside notable directories are not repeated, small .bin is not weights"
    );
    assert_eq!(find(&s.notable, ".git").bytes, 1020);
    assert!(s.notable.iter().all(|n| !n.ignored));
    assert!(!s.truncated);
}

#[test]
fn dockerignore_excludes_and_marks_ignored() {
    let dir = tree();
    fs::write(
        dir.path().join(".dockerignore"),
        "# sent nothing secret\n.git\n**/.env\nnode_modules\nkeys/*\n!keys/server.pem\n",
    )
    .expect("write");
    let (ctx, diags) =
        load_context(".", dir.path(), Some(&dir.path().join("Dockerfile")), dir.path(), &ScanLimits::default(), None);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(ctx.dockerignore.as_deref(), Some(".dockerignore"));
    assert_eq!(ctx.dockerignore_patterns, [".git", "**/.env", "node_modules", "keys/*", "!keys/server.pem"]);
    assert!(find(&ctx.notable, ".git").ignored);
    assert_eq!(find(&ctx.notable, ".git").bytes, 0, "an ignored directory is not walked");
    assert!(find(&ctx.notable, ".env").ignored);
    assert!(find(&ctx.notable, "node_modules").ignored);
    assert!(find(&ctx.notable, "keys/id_rsa").ignored);
    assert!(!find(&ctx.notable, "keys/server.pem").ignored);
    // Sent: Dockerfile, .dockerignore, app/main.py, .env.example, env/*, server.pem, models/*, dist/*.
    assert_eq!(ctx.file_count, 10);
}

#[test]
fn dockerfile_specific_ignore_file_takes_precedence() {
    let dir = tree();
    let r = dir.path();
    write(r, "docker/Dockerfile.dev", 10);
    fs::write(r.join(".dockerignore"), "app\n").expect("write");
    fs::write(r.join("docker/Dockerfile.dev.dockerignore"), "models\n").expect("write");
    let dev = r.join("docker/Dockerfile.dev");
    assert_eq!(find_dockerignore(r, Some(&dev)), Some(r.join("docker/Dockerfile.dev.dockerignore")));
    assert_eq!(find_dockerignore(r, Some(&r.join("Dockerfile"))), Some(r.join(".dockerignore")));
    let (ctx, _) = load_context(".", r, Some(&dev), r, &ScanLimits::default(), None);
    assert_eq!(ctx.dockerignore.as_deref(), Some("docker/Dockerfile.dev.dockerignore"));
    // `models` is excluded and not walked; `app` (excluded by the root file only) is sent.
    assert!(ctx.notable.iter().all(|n| !n.path.starts_with("models")), "{:?}", ctx.notable);
    assert_eq!(ctx.file_count, 16);
}

#[test]
fn exceptions_reach_into_excluded_directories() {
    let dir = tree();
    let m = Matcher::new(&["node_modules", "!node_modules/left-pad/index.js"]).expect("patterns");
    let s = scan(dir.path(), &m, &ScanLimits::default());
    let nm = find(&s.notable, "node_modules");
    assert!(nm.ignored);
    assert_eq!(nm.bytes, 51, "walked because an exception may match below it");
    assert_eq!(s.file_count, 14, "only node_modules/left-pad/.env stays out");
}

#[test]
fn large_files_and_bounds() {
    let dir = tree();
    let limits = ScanLimits { large_file: 1000, weights_bin: 64, ..ScanLimits::default() };
    let s = scan(dir.path(), &Matcher::default(), &limits);
    assert_eq!(find(&s.notable, "models/small.bin").kind, "model-weights");
    assert_eq!(find(&s.notable, ".git").kind, "git", "files inside .git are not repeated as large files");

    let limits = ScanLimits { max_entries: 5, ..ScanLimits::default() };
    let s = scan(dir.path(), &Matcher::default(), &limits);
    assert!(s.truncated);
    assert_eq!(s.note.as_deref(), Some("scan stopped after 5 entries"));
    let limits = ScanLimits { max_duration: Duration::ZERO, max_entries: u64::MAX, ..ScanLimits::default() };
    assert!(scan(dir.path(), &Matcher::default(), &limits).truncated);
}

#[cfg(unix)]
#[test]
fn symlinks_are_counted_not_followed() {
    let dir = tree();
    let outside = tempfile::tempdir().expect("tempdir");
    write(outside.path(), "huge.safetensors", 4096);
    std::os::unix::fs::symlink(outside.path(), dir.path().join("linked")).expect("symlink");
    let s = scan(dir.path(), &Matcher::default(), &ScanLimits::default());
    assert_eq!(s.file_count, 16);
    assert!(s.notable.iter().all(|n| !n.path.starts_with("linked")));
}

#[test]
fn url_and_missing_contexts_are_recorded_with_a_note() {
    for url in ["https://github.com/docker/app.git#main", "git@github.com:docker/app.git", "github.com/docker/app"] {
        assert!(is_url(url), "{url}");
        let (ctx, diags) = load_context(url, Path::new("."), None, Path::new("."), &ScanLimits::default(), None);
        assert_eq!(ctx.kind, ContextKind::Url);
        assert_eq!(ctx.path, url);
        assert!(ctx.note.as_deref().is_some_and(|n| n.contains("is a URL")));
        assert!(diags.is_empty());
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (ctx, diags) = load_context("./nope", &dir.path().join("nope"), None, dir.path(), &ScanLimits::default(), None);
    assert_eq!(ctx.kind, ContextKind::Missing);
    assert_eq!(ctx.path, "nope");
    assert_eq!(ctx.note.as_deref(), Some("context directory `nope` does not exist"));
    assert_eq!(diags.len(), 1);
    assert!(!diags[0].is_error());
}
