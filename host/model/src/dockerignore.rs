//! The `.dockerignore` matcher with Docker's own semantics (moby/patternmatcher), not gitignore's.
//!
//! Reading ([`read_patterns`]) does what Docker's ignore-file reader does: `#` in column 1 is a
//! comment, lines are trimmed, empty lines dropped, `!` marks an exception, and every pattern is
//! cleaned like Go's `filepath.Clean` with a leading `/` removed. Matching ([`Matcher`]) is
//! relative to the context root: `*` and `?` never cross a `/`, `**` spans any number of
//! directories, `[…]` classes and `\` escapes work, a pattern that matches a parent directory
//! matches everything below it, and patterns apply in order so the last one that matches decides.
//! This module only matches paths; walking a context is `crate::context`'s job.

use std::fmt;

/// A `.dockerignore` pattern that cannot be compiled (an unclosed `[`, a lone `!`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    /// The pattern as given.
    pub pattern: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid .dockerignore pattern `{}`: {}", self.pattern, self.reason)
    }
}

impl std::error::Error for PatternError {}

/// The patterns of an ignore file's text, in order, as Docker reads them.
pub fn read_patterns(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        let mut pattern = line.trim();
        if pattern.is_empty() {
            continue;
        }
        let invert = pattern.starts_with('!');
        if invert {
            pattern = pattern[1..].trim();
        }
        let mut cleaned = if pattern.is_empty() { String::new() } else { clean(pattern) };
        if cleaned.len() > 1 && cleaned.starts_with('/') {
            cleaned.remove(0);
        }
        out.push(if invert { format!("!{cleaned}") } else { cleaned });
    }
    out
}

/// Lexical path cleaning like Go's `filepath.Clean` for `/`-separated paths.
pub fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Lit(char),
    /// `?`: one character other than `/`.
    One,
    /// `*`: any run of characters other than `/`.
    Star,
    /// `**/` (or `**` inside a pattern): empty, or anything ending with `/`.
    DirsOpt,
    /// `**` at the end: anything.
    Any,
    /// `[…]`.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Exact,
    Prefix(String),
    Suffix(String),
    Tokens(Vec<Token>),
}

/// One compiled pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    text: String,
    exclusion: bool,
    kind: Kind,
}

impl Pattern {
    /// The cleaned pattern without its `!`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether it is an exception (`!pattern`).
    pub fn is_exception(&self) -> bool {
        self.exclusion
    }

    fn compile(text: String, exclusion: bool) -> Result<Self, PatternError> {
        #[derive(PartialEq)]
        enum Item {
            Lit(char),
            Esc(char),
            One,
            Star,
            DirsOpt,
            Any,
            Open,
            Close,
        }
        #[derive(PartialEq, Clone, Copy)]
        enum Detected {
            Exact,
            Prefix,
            Suffix,
            Regexp,
        }
        let chars: Vec<char> = text.chars().collect();
        let mut items = Vec::new();
        let mut detected = Detected::Exact;
        let mut i = 0;
        let mut scanned = 0usize;
        while i < chars.len() {
            let c = chars[i];
            i += 1;
            match c {
                '*' if chars.get(i) == Some(&'*') => {
                    i += 1;
                    if chars.get(i) == Some(&'/') {
                        i += 1;
                    }
                    if i >= chars.len() {
                        if detected == Detected::Exact {
                            detected = Detected::Prefix;
                        } else {
                            items.push(Item::Any);
                            detected = Detected::Regexp;
                        }
                    } else {
                        items.push(Item::DirsOpt);
                        detected = Detected::Regexp;
                    }
                    if scanned == 0 {
                        detected = Detected::Suffix;
                    }
                }
                '*' => {
                    items.push(Item::Star);
                    detected = Detected::Regexp;
                }
                '?' => {
                    items.push(Item::One);
                    detected = Detected::Regexp;
                }
                '\\' => match chars.get(i) {
                    Some(&n) => {
                        i += 1;
                        items.push(Item::Esc(n));
                        detected = Detected::Regexp;
                    }
                    None => items.push(Item::Lit('\\')),
                },
                '[' => {
                    items.push(Item::Open);
                    detected = Detected::Regexp;
                }
                ']' => {
                    items.push(Item::Close);
                    detected = Detected::Regexp;
                }
                _ => items.push(Item::Lit(c)),
            }
            scanned += 1;
        }
        let kind = match detected {
            Detected::Exact => Kind::Exact,
            Detected::Prefix => Kind::Prefix(text[..text.len() - 2].to_string()),
            Detected::Suffix => Kind::Suffix(text[2..].to_string()),
            Detected::Regexp => {
                let mut tokens = Vec::new();
                let mut it = items.into_iter().peekable();
                while let Some(item) = it.next() {
                    match item {
                        Item::Lit(c) | Item::Esc(c) => tokens.push(Token::Lit(c)),
                        Item::One => tokens.push(Token::One),
                        Item::Star => tokens.push(Token::Star),
                        Item::DirsOpt => tokens.push(Token::DirsOpt),
                        Item::Any => tokens.push(Token::Any),
                        Item::Close => tokens.push(Token::Lit(']')),
                        Item::Open => {
                            let mut members: Vec<char> = Vec::new();
                            let mut negated = false;
                            let mut closed = false;
                            let mut first = true;
                            for inner in it.by_ref() {
                                let ch = match inner {
                                    Item::Close if !(first && members.is_empty()) => {
                                        closed = true;
                                        break;
                                    }
                                    Item::Close => ']',
                                    Item::Lit('^') if first && !negated => {
                                        negated = true;
                                        continue;
                                    }
                                    Item::Lit(c) | Item::Esc(c) => c,
                                    Item::Open => '[',
                                    Item::One => '?',
                                    Item::Star | Item::DirsOpt | Item::Any => '*',
                                };
                                first = false;
                                members.push(ch);
                            }
                            if !closed || members.is_empty() {
                                return Err(PatternError { pattern: text, reason: "unclosed character class" });
                            }
                            let mut ranges = Vec::new();
                            let mut k = 0;
                            while k < members.len() {
                                if k + 2 < members.len() && members[k + 1] == '-' {
                                    if members[k] > members[k + 2] {
                                        return Err(PatternError { pattern: text, reason: "invalid character range" });
                                    }
                                    ranges.push((members[k], members[k + 2]));
                                    k += 3;
                                } else {
                                    ranges.push((members[k], members[k]));
                                    k += 1;
                                }
                            }
                            tokens.push(Token::Class { negated, ranges });
                        }
                    }
                }
                Kind::Tokens(tokens)
            }
        };
        Ok(Pattern { text, exclusion, kind })
    }

    /// Whether the pattern matches `path` itself (no parent matching).
    pub fn matches(&self, path: &str) -> bool {
        match &self.kind {
            Kind::Exact => path == self.text,
            Kind::Prefix(p) => path.starts_with(p.as_str()),
            Kind::Suffix(s) => path.ends_with(s.as_str()) || (s.starts_with('/') && path == &s[1..]),
            Kind::Tokens(tokens) => match_tokens(tokens, path),
        }
    }
}

/// Full match of `tokens` against `path` by dynamic programming (linear in tokens × characters).
fn match_tokens(tokens: &[Token], path: &str) -> bool {
    let s: Vec<char> = path.chars().collect();
    let n = s.len();
    // next[p]: tokens[t+1..] match s[p..]; cur[p]: tokens[t..] match s[p..].
    let mut next = vec![false; n + 1];
    next[n] = true;
    let mut cur = vec![false; n + 1];
    for token in tokens.iter().rev() {
        match token {
            Token::Star | Token::Any => {
                cur[n] = next[n];
                for p in (0..n).rev() {
                    let extend = matches!(token, Token::Any) || s[p] != '/';
                    cur[p] = next[p] || (extend && cur[p + 1]);
                }
            }
            Token::DirsOpt => {
                // Empty, or any run ending with `/`.
                let mut later = false;
                cur[n] = next[n];
                for p in (0..n).rev() {
                    if s[p] == '/' && next[p + 1] {
                        later = true;
                    }
                    cur[p] = next[p] || later;
                }
            }
            _ => {
                cur[n] = false;
                for p in 0..n {
                    let ok = match token {
                        Token::Lit(c) => s[p] == *c,
                        Token::One => s[p] != '/',
                        Token::Class { negated, ranges } => {
                            ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&s[p])) != *negated
                        }
                        _ => false,
                    };
                    cur[p] = ok && next[p + 1];
                }
            }
        }
        std::mem::swap(&mut cur, &mut next);
    }
    next[0]
}

/// Per-pattern results for a directory, passed down while walking (Docker's `MatchInfo`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchInfo {
    parent_matched: Vec<bool>,
}

/// Compiled `.dockerignore` patterns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Matcher {
    patterns: Vec<Pattern>,
    exclusions: bool,
    wildcard_exceptions: bool,
}

impl Matcher {
    /// Compile patterns as read by [`read_patterns`].
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Self, PatternError> {
        let mut m = Matcher::default();
        for p in patterns {
            let p = p.as_ref().trim();
            if p.is_empty() {
                continue;
            }
            let p = clean(p);
            let (exclusion, body) = match p.strip_prefix('!') {
                Some("") => return Err(PatternError { pattern: p.clone(), reason: "an exception needs a pattern" }),
                Some(b) => (true, b.to_string()),
                None => (false, p.clone()),
            };
            if exclusion {
                m.exclusions = true;
                if body.contains(['*', '?', '[', ']', '^', '\\']) {
                    m.wildcard_exceptions = true;
                }
            }
            m.patterns.push(Pattern::compile(body, exclusion)?);
        }
        Ok(m)
    }

    /// Compile the patterns of an ignore file's text, skipping (and returning) invalid ones.
    pub fn from_text_lenient(text: &str) -> (Self, Vec<String>, Vec<PatternError>) {
        let patterns = read_patterns(text);
        let mut valid = Vec::new();
        let mut errors = Vec::new();
        for p in &patterns {
            match Matcher::new(std::slice::from_ref(p)) {
                Ok(_) => valid.push(p.clone()),
                Err(e) => errors.push(e),
            }
        }
        let matcher = Matcher::new(&valid).unwrap_or_default();
        (matcher, patterns, errors)
    }

    /// The compiled patterns in order.
    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    /// Whether `path` (relative to the context, `/`-separated) is excluded: it or one of its parent
    /// directories matches a pattern, and no later exception matches it.
    pub fn matches(&self, path: &str) -> bool {
        let path = clean(path);
        if path == "." {
            return false;
        }
        let parents: Vec<&str> = match path.rfind('/') {
            Some(i) => {
                let parent = &path[..i];
                (0..parent.len())
                    .filter(|&k| parent.as_bytes()[k] == b'/')
                    .map(|k| &parent[..k])
                    .chain([parent])
                    .collect()
            }
            None => Vec::new(),
        };
        let mut matched = false;
        for pattern in &self.patterns {
            if pattern.exclusion != matched {
                continue;
            }
            let hit = pattern.matches(&path) || parents.iter().any(|p| pattern.matches(p));
            if hit {
                matched = !pattern.exclusion;
            }
        }
        matched
    }

    /// Like [`Matcher::matches`] for a walk: `parent` is the info of the directory containing
    /// `path` (default for the context root). Returns whether it is excluded and its own info.
    pub fn matches_with_parent(&self, path: &str, parent: &MatchInfo) -> (bool, MatchInfo) {
        let mut info = MatchInfo { parent_matched: vec![false; self.patterns.len()] };
        let mut matched = false;
        for (i, pattern) in self.patterns.iter().enumerate() {
            let mut hit = parent.parent_matched.get(i).copied().unwrap_or(false);
            if !hit {
                if pattern.exclusion != matched {
                    continue;
                }
                hit = pattern.matches(path);
            }
            info.parent_matched[i] = hit;
            if hit {
                matched = !pattern.exclusion;
            }
        }
        (matched, info)
    }

    /// Whether an exception could re-include something below the excluded directory `dir`
    /// (if not, a build skips the directory entirely).
    pub fn may_include_below(&self, dir: &str) -> bool {
        if !self.exclusions {
            return false;
        }
        if self.wildcard_exceptions {
            return true;
        }
        let dir_slash = format!("{dir}/");
        self.patterns.iter().any(|p| p.exclusion && format!("{}/", p.text).starts_with(&dir_slash))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_like_go() {
        assert_eq!(clean("./a//b/../c/"), "a/c");
        assert_eq!(clean("/../a"), "/a");
        assert_eq!(clean("../a"), "../a");
        assert_eq!(clean("./"), ".");
    }

    #[test]
    fn token_matching() {
        let m = |p: &str, s: &str| Pattern::compile(p.to_string(), false).map(|p| p.matches(s)).unwrap_or(false);
        assert!(m("*.go", "a.go"));
        assert!(!m("*.go", "d/a.go"));
        assert!(m("a/**/b", "a/b"));
        assert!(m("a/**/b", "a/x/y/b"));
        assert!(m("[a-c]?", "bz"));
        assert!(!m("[^a-c]?", "bz"));
        assert!(m("\\*", "*"));
        assert!(m("x/**", "x/y/z"));
        assert!(m("**/x", "x"));
        assert!(m("**/x", "a/x"));
        assert!(m("a*/**", "ab/c"));
        assert!(Pattern::compile("[a".to_string(), false).is_err());
    }
}
