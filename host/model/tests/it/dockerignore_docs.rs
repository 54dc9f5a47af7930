//! The `.dockerignore` matcher against every example of Docker's documentation and moby's rules.

use plimsoll_model::dockerignore::{Matcher, read_patterns};

fn matcher(text: &str) -> Matcher {
    Matcher::new(&read_patterns(text)).expect("valid patterns")
}

#[test]
fn docs_example_comment_and_temp_patterns() {
    let m = matcher("# comment\n*/temp*\n*/*/temp*\ntemp?\n");
    // `*/temp*`: names starting with temp in any immediate subdirectory of the root.
    assert!(m.matches("somedir/temporary.txt"));
    assert!(m.matches("somedir/temp"));
    assert!(m.matches("somedir/temp/inner.txt"), "a matched directory excludes its contents");
    // `*/*/temp*`: two levels below the root.
    assert!(m.matches("somedir/subdir/temporary.txt"));
    // `temp?`: one-character extension in the root.
    assert!(m.matches("tempa"));
    assert!(m.matches("tempb"));
    assert!(!m.matches("temp"));
    assert!(!m.matches("temporary.txt"), "root files do not match `*/temp*`");
    assert!(!m.matches("a/b/c/temp.txt"));
    assert!(!m.matches("# comment"));
    assert_eq!(read_patterns("# comment\n*/temp*\n"), ["*/temp*"]);
}

#[test]
fn docs_example_leading_slash_and_root_are_the_same() {
    for p in ["/foo/bar", "foo/bar", "./foo/bar", "foo//bar/", "foo/./bar"] {
        let m = matcher(p);
        assert!(m.matches("foo/bar"), "{p}");
        assert!(m.matches("foo/bar/baz.txt"), "{p}");
        assert!(!m.matches("bar"), "{p}");
        assert!(!m.matches("x/foo/bar"), "{p}");
    }
    assert_eq!(read_patterns("/foo/bar\n  ./a/../b  \n!/c\n"), ["foo/bar", "b", "!c"]);
}

#[test]
fn docs_example_double_star() {
    let m = matcher("**/*.go");
    assert!(m.matches("main.go"), "`**` matches zero directories");
    assert!(m.matches("cmd/app/main.go"));
    assert!(!m.matches("main.gox"));
}

#[test]
fn docs_example_exception() {
    let m = matcher("*.md\n!README.md\n");
    assert!(m.matches("CHANGELOG.md"));
    assert!(!m.matches("README.md"));
}

#[test]
fn docs_example_exception_order_matters() {
    let m = matcher("*.md\n!README*.md\nREADME-secret.md\n");
    assert!(m.matches("CHANGELOG.md"));
    assert!(!m.matches("README.md"));
    assert!(m.matches("README-secret.md"));

    let m = matcher("*.md\nREADME-secret.md\n!README*.md\n");
    assert!(!m.matches("README-secret.md"), "the last matching line decides");
    assert!(!m.matches("README.md"));
    assert!(m.matches("CHANGELOG.md"));
}

#[test]
fn docs_example_exclude_the_dockerfile_and_ignore_file() {
    let m = matcher("Dockerfile\n.dockerignore\n");
    assert!(m.matches("Dockerfile"));
    assert!(m.matches(".dockerignore"));
    assert!(!m.matches("src/Dockerfile"));
}

#[test]
fn docs_example_include_list() {
    let m = matcher("*\n!src\n!package.json\n");
    assert!(m.matches("node_modules/x/index.js"));
    assert!(m.matches(".git/HEAD"));
    assert!(!m.matches("package.json"));
    assert!(!m.matches("src"));
    assert!(!m.matches("src/main.rs"), "an exception on a directory re-includes its contents");
}

#[test]
fn exceptions_below_excluded_directories() {
    let m = matcher("docs\n!docs/README.md\n");
    assert!(m.matches("docs/guide.md"));
    assert!(!m.matches("docs/README.md"));
    assert!(m.may_include_below("docs"));
    assert!(!m.may_include_below("other"));
    let m = matcher("node_modules\n");
    assert!(!m.may_include_below("node_modules"));
    let m = matcher("build\n!**/keep.txt\n");
    assert!(m.may_include_below("build"), "a wildcard exception may match anywhere");
}

#[test]
fn character_classes_escapes_and_question_marks() {
    let m = matcher("file[0-9].txt\n\\*literal\nlog?.txt\n");
    assert!(m.matches("file7.txt"));
    assert!(!m.matches("filex.txt"));
    assert!(m.matches("*literal"));
    assert!(!m.matches("xliteral"));
    assert!(m.matches("log1.txt"));
    assert!(!m.matches("log/.txt"), "`?` never matches `/`");
}

#[test]
fn prefix_and_suffix_double_star() {
    let m = matcher("logs/**\n");
    assert!(m.matches("logs/a/b.log"));
    let m = matcher("**/.env\n");
    assert!(m.matches(".env"));
    assert!(m.matches("services/api/.env"));
    assert!(!m.matches("services/api/.envrc"));
    let m = matcher("**\n!keep\n");
    assert!(m.matches("anything/at/all"));
    assert!(!m.matches("keep"));
}

#[test]
fn invalid_patterns_are_errors_not_panics() {
    assert!(Matcher::new(&["!"]).is_err());
    assert!(Matcher::new(&["[a-"]).is_err());
    assert!(Matcher::new(&["[z-a]"]).is_err());
    let (m, patterns, errors) = Matcher::from_text_lenient("*.log\n[oops\n!keep.log\n");
    assert_eq!(patterns.len(), 3);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].to_string(), "invalid .dockerignore pattern `[oops`: unclosed character class");
    assert!(m.matches("a.log"));
    assert!(!m.matches("keep.log"));
}
