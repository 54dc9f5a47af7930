//! `image/copy-ignored-file`: a `COPY` or `ADD` of a path the build context's `.dockerignore`
//! excludes, so the build fails with "not found".

use plimsoll_sdk::model::{ContextKind, Project};
use plimsoll_sdk::{Report, subject};

use crate::Settings;
use crate::common::{contexts_of, short};

plimsoll_sdk::declare_rule! {
    /// ## What it does
    /// Flags `COPY`/`ADD` sources (without `--from`, not URLs, without wildcards or variables)
    /// that the `.dockerignore` in force for the build context excludes — the path itself or a
    /// directory above it — with Docker's matching rules: `*` and `?` stay within a path
    /// segment, `**` spans segments, later `!` exceptions re-include, and the last matching
    /// pattern wins.
    ///
    /// ## Why is this bad?
    /// Excluded files are never sent to the builder: the `COPY` fails with `"/config.yaml": not
    /// found` — or, on an old builder or with a wildcard, silently copies nothing. Either the
    /// file is needed and the ignore rule is wrong, or it is a secret that the `COPY` should not
    /// name.
    ///
    /// ## Example
    /// ```text
    /// # .dockerignore
    /// config/
    /// ```
    /// ```dockerfile
    /// COPY config/app.yaml /etc/app.yaml
    /// ```
    ///
    /// ## Use instead
    /// Re-include what the image needs (`!config/app.yaml` after `config/`), or stop copying it.
    ///
    /// ## References
    /// - [Docker: .dockerignore](https://docs.docker.com/build/concepts/context/#dockerignore-files)
    /// - [Docker build checks: CopyIgnoredFile](https://docs.docker.com/reference/build-checks/copy-ignored-file/)
    pub static RULE = {
        id: "copy-ignored-file",
        severity: Medium,
        category: "image",
        summary: "`COPY` of a path `.dockerignore` excludes",
    }
}

/// Clean a context-relative path: no leading `/` or `./`, no `.` segments, `..` resolved.
fn clean(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// Docker's pattern match on a `/`-separated path: `*` and `?` within a segment, `**` across
/// segments (`**/` also matching nothing), `\` escaping the next character.
fn glob(pattern: &[u8], path: &[u8]) -> bool {
    match pattern.first() {
        None => path.is_empty(),
        Some(b'*') if pattern.get(1) == Some(&b'*') => {
            let rest = &pattern[2..];
            let rest_after_slash = rest.strip_prefix(b"/").unwrap_or(rest);
            (0..=path.len()).any(|i| glob(rest, &path[i..]) || (rest.starts_with(b"/") && glob(rest_after_slash, &path[i..])))
        }
        Some(b'*') => {
            let rest = &pattern[1..];
            let mut i = 0;
            loop {
                if glob(rest, &path[i..]) {
                    return true;
                }
                if i == path.len() || path[i] == b'/' {
                    return false;
                }
                i += 1;
            }
        }
        Some(b'?') => path.first().is_some_and(|c| *c != b'/') && glob(&pattern[1..], &path[1..]),
        Some(b'\\') if pattern.len() > 1 => path.first() == Some(&pattern[1]) && glob(&pattern[2..], &path[1..]),
        Some(c) => path.first() == Some(c) && glob(&pattern[1..], &path[1..]),
    }
}

/// Whether `.dockerignore` patterns exclude a context-relative path (or a directory above it).
pub fn excluded(patterns: &[String], path: &str) -> bool {
    let path = clean(path);
    if path.is_empty() {
        return false;
    }
    let mut prefixes: Vec<&str> = path.match_indices('/').map(|(i, _)| &path[..i]).collect();
    prefixes.push(&path);
    let mut matched = false;
    for raw in patterns {
        let raw = raw.trim();
        let (exception, text) = match raw.strip_prefix('!') {
            Some(rest) => (true, rest.trim()),
            None => (false, raw),
        };
        let pattern = clean(text);
        if pattern.is_empty() || exception != matched {
            continue;
        }
        if prefixes.iter().any(|p| glob(pattern.as_bytes(), p.as_bytes())) {
            matched = !exception;
        }
    }
    matched
}

/// Report each `COPY`/`ADD` source a context's `.dockerignore` excludes.
pub fn check(project: &Project, _settings: &Settings, report: &mut Report) {
    for (df_index, dockerfile) in project.dockerfiles.iter().enumerate() {
        let contexts: Vec<_> = contexts_of(project, df_index as u32)
            .into_iter()
            .filter_map(|i| project.contexts.get(i as usize))
            .filter(|c| c.kind == ContextKind::Directory && c.dockerignore.is_some())
            .collect();
        if contexts.is_empty() {
            continue;
        }
        for (index, instruction) in dockerfile.instructions.iter().enumerate() {
            if !matches!(instruction.keyword.as_str(), "COPY" | "ADD")
                || instruction.flags.iter().any(|f| f.name == "from")
                || !instruction.heredocs.is_empty()
            {
                continue;
            }
            let Some((_, sources)) = instruction.arguments.split_last() else { continue };
            let found = sources.iter().find_map(|source| {
                if source.contains("://") || source.contains(['*', '?', '[', '$']) || clean(source).is_empty() {
                    return None;
                }
                contexts.iter().find(|c| excluded(&c.dockerignore_patterns, source)).map(|c| (source, c))
            });
            let Some((source, context)) = found else { continue };
            let ignore = context.dockerignore.clone().unwrap_or_default();
            report
                .add(
                    &RULE,
                    subject::instruction(df_index as u32, index as u32),
                    format!("`{}` copies `{source}`, which `{ignore}` excludes: the build fails with \"not found\"", short(&instruction.text)),
                )
                .related(subject::file(ignore))
                .help("re-include it with a `!` pattern in `.dockerignore`, or stop copying it");
        }
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_sdk::testkit::{from_compose_with, run};

    use super::excluded;
    use crate::Image;

    fn p(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn docker_matching() {
        assert!(excluded(&p(&["config/"]), "config/app.yaml"));
        assert!(excluded(&p(&["*.env"]), "prod.env"));
        assert!(!excluded(&p(&["*.env"]), "sub/prod.env"));
        assert!(excluded(&p(&["**/*.env"]), "sub/prod.env"));
        assert!(excluded(&p(&["**/*.env"]), "prod.env"));
        assert!(!excluded(&p(&["config", "!config/app.yaml"]), "config/app.yaml"));
        assert!(excluded(&p(&["*", "!src"]), "README.md"));
        assert!(!excluded(&p(&["*", "!src"]), "src/main.rs"));
        assert!(!excluded(&p(&["node_modules"]), "src/node_modules_helper.js"));
        assert!(excluded(&p(&["/docs"]), "./docs/index.md"));
    }

    #[test]
    fn copies_of_excluded_paths() {
        let project = from_compose_with(
            "services:\n  a:\n    build: .\n",
            &[
                ("Dockerfile", "FROM debian:12\nCOPY config/app.yaml /etc/app.yaml\nCOPY src /src\nCOPY . /all\nCOPY *.md /docs/\n"),
                (".dockerignore", ".git\nconfig/\n*.md\n"),
                ("config/app.yaml", "a: 1\n"),
                ("src/main.rs", "fn main() {}\n"),
            ],
        );
        let found: Vec<String> =
            run::<Image>(&project, "").into_iter().filter(|f| f.rule == super::RULE.id).map(|f| f.message).collect();
        assert_eq!(
            found,
            ["`COPY config/app.yaml /etc/app.yaml` copies `config/app.yaml`, which `.dockerignore` excludes: the build fails with \"not found\""]
        );
    }
}
