//! The env-file syntax, parsed exactly as Docker Compose v2 parses it, with the position of every
//! variable.
//!
//! Two formats exist. The default (`.env`, `--env-file`, `env_file:`) is compose-go's dotenv:
//! `KEY=VALUE` or `KEY: VALUE`, an optional `export` prefix, `#` comment lines and ` #` trailing
//! comments on unquoted values, single quotes (no interpolation), double quotes (shell escapes, then
//! interpolation; both may span lines), unquoted values interpolated, and a bare `KEY` taking its
//! value from the lookup. `format: raw` is `docker run --env-file`'s syntax: one `KEY=VALUE` per
//! line, the value verbatim. Interpolation looks a name up in the caller's lookup first, then in
//! the variables assigned so far (compose-go's order). This module parses text only: it reads no
//! files and never touches the process environment; it never panics on any input.

use std::collections::HashMap;

use super::interpolate::interpolate_with;

/// One assignment of an env file, in file order, with where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The variable name.
    pub key: String,
    /// Its value after quotes, escapes and interpolation.
    pub value: String,
    /// 1-based line of the name.
    pub line: u32,
    /// 1-based column (in characters) of the name.
    pub column: u32,
    /// 1-based line where the value starts.
    pub value_line: u32,
    /// 1-based column (in characters) where the value starts.
    pub value_column: u32,
    /// The value as written when it referenced a variable (`${HOST}:5432`).
    pub template: Option<String>,
    /// Variables the value referenced that are not set (Compose warns and uses "").
    pub unset: Vec<String>,
}

/// A syntax or interpolation error at a position of an env file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters).
    pub column: u32,
    /// What is wrong (lowercase, no trailing period).
    pub message: String,
}

/// The two formats `env_file` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// compose-go's dotenv syntax (the default).
    #[default]
    Dotenv,
    /// `docker run --env-file` syntax: values verbatim.
    Raw,
}

/// Parse an env file's text in `format`.
///
/// `vars` holds the variables assigned so far (by earlier files, or a service's `environment`)
/// and receives every assignment; interpolation and bare names consult `lookup` first, then `vars`
/// (bare names consult `lookup` only), as compose-go does. Returns the assignments in file order.
pub fn parse(
    text: &str,
    format: Format,
    lookup: &dyn Fn(&str) -> Option<String>,
    vars: &mut HashMap<String, String>,
) -> Result<Vec<Assignment>, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines = LineIndex::new(text);
    match format {
        Format::Dotenv => Dotenv { src: text, lines: &lines, lookup, vars, out: Vec::new() }.run(),
        Format::Raw => raw(text, &lines, lookup, vars),
    }
}

/// Byte offsets of line starts, to turn an offset into a line and a character column.
struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { text, starts }
    }

    /// 1-based line and character column of the byte offset `at`.
    fn position(&self, at: usize) -> (u32, u32) {
        let at = at.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= at).saturating_sub(1);
        let start = self.starts[line];
        let column = self.text.get(start..at).map_or(0, |s| s.chars().count());
        (to_u32(line + 1), to_u32(column + 1))
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Go's `isSpace` of the dotenv parser: blanks that are not a line break.
fn is_space(c: char) -> bool {
    matches!(c, '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}')
}

/// The dotenv parser: a port of compose-go's `dotenv/parser.go` that tracks byte offsets.
struct Dotenv<'s, 'l> {
    src: &'s str,
    lines: &'l LineIndex<'s>,
    lookup: &'l dyn Fn(&str) -> Option<String>,
    vars: &'l mut HashMap<String, String>,
    out: Vec<Assignment>,
}

impl Dotenv<'_, '_> {
    fn error(&self, at: usize, message: String) -> Error {
        let (line, column) = self.lines.position(at);
        Error { line, column, message }
    }

    fn run(mut self) -> Result<Vec<Assignment>, Error> {
        let mut pos = 0;
        loop {
            pos = self.statement_start(pos);
            if pos >= self.src.len() {
                return Ok(self.out);
            }
            let (key, key_at, rest, inherited) = self.key_name(pos)?;
            if key.contains(' ') {
                return Err(self.error(key_at, format!("invalid variable name {key:?}: a name cannot contain a space")));
            }
            if inherited {
                if let Some(value) = (self.lookup)(&key) {
                    self.assign(key, value, key_at, key_at, None, Vec::new());
                }
                pos = rest;
                continue;
            }
            let (value, template, unset, value_at, next) = self.value(rest, &key)?;
            self.assign(key, value, key_at, value_at, template, unset);
            pos = next;
        }
    }

    fn assign(
        &mut self,
        key: String,
        value: String,
        key_at: usize,
        value_at: usize,
        template: Option<String>,
        unset: Vec<String>,
    ) {
        let (line, column) = self.lines.position(key_at);
        let (value_line, value_column) = self.lines.position(value_at);
        self.vars.insert(key.clone(), value.clone());
        self.out.push(Assignment { key, value, line, column, value_line, value_column, template, unset });
    }

    /// Offset of the name after an `export` prefix at `at`.
    fn skip_export(&self, at: usize) -> usize {
        let after = at + "export".len();
        after + self.src[after..].find(|c: char| !is_space(c)).unwrap_or(self.src.len() - after)
    }

    /// Skip whitespace and comment lines from `pos`; the offset of the next statement (or the end).
    fn statement_start(&self, mut pos: usize) -> usize {
        loop {
            match self.src[pos..].find(|c: char| !c.is_whitespace()) {
                None => return self.src.len(),
                Some(i) => pos += i,
            }
            if !self.src[pos..].starts_with('#') {
                return pos;
            }
            match self.src[pos..].find('\n') {
                None => return self.src.len(),
                Some(i) => pos += i,
            }
        }
    }

    /// The variable name at `pos`: the name, its offset, the offset after its separator, and
    /// whether it is a bare name (ended by a line break).
    fn key_name(&self, pos: usize) -> Result<(String, usize, usize, bool), Error> {
        let mut start = pos;
        let s = &self.src[pos..];
        // `^export\s+` (Go's `\s`: ASCII blanks and line breaks), then the blanks after `export`.
        if let Some(after) = s.strip_prefix("export")
            && after.starts_with([' ', '\t', '\n', '\u{c}', '\r'])
        {
            start = self.skip_export(pos);
        }
        let src = &self.src[start..];
        let mut end = None;
        for (i, c) in src.char_indices() {
            if is_space(c) {
                continue;
            }
            match c {
                '=' | ':' | '\n' => {
                    end = Some((i, c == '\n'));
                    break;
                }
                '_' | '.' | '-' | '[' | ']' => {}
                c if c.is_alphanumeric() => {}
                c => {
                    let first_line = src.split('\n').next().unwrap_or_default();
                    return Err(
                        self.error(start + i, format!("unexpected character {c:?} in variable name {first_line:?}"))
                    );
                }
            }
        }
        // A last line with no separator: compose-go reads it as the value of an empty name.
        let (key, offset, inherited) = match end {
            Some((i, inherited)) => (&src[..i], i + 1, inherited),
            None => ("", 0, false),
        };
        let key = key.trim_end();
        let rest = start + offset;
        let rest = rest + self.src[rest..].find(|c: char| !is_space(c)).unwrap_or(self.src.len() - rest);
        Ok((key.to_owned(), start, rest, inherited))
    }

    /// The value at `pos`: its text, template, unset names, start offset and the offset after it.
    #[allow(clippy::type_complexity)]
    fn value(&self, pos: usize, key: &str) -> Result<(String, Option<String>, Vec<String>, usize, usize), Error> {
        let src = &self.src[pos..];
        let quote = match src.as_bytes().first() {
            Some(q @ (b'"' | b'\'')) => *q,
            _ => {
                let (line, next) = match src.find('\n') {
                    Some(i) => (&src[..i], pos + i + 1),
                    None => (src, self.src.len()),
                };
                let line = line.split(" #").next().unwrap_or_default().trim_end();
                let (value, template, unset) = self.expand(line, pos)?;
                return Ok((value, template, unset, pos, next));
            }
        };
        let bytes = src.as_bytes();
        let mut chars: Vec<u8> = Vec::new();
        let mut escaped = false;
        for (i, &b) in bytes.iter().enumerate().skip(1) {
            if b != quote {
                if !escaped && b == b'\\' {
                    escaped = true;
                    continue;
                }
                if escaped {
                    escaped = false;
                    chars.push(b'\\');
                }
                chars.push(b);
                continue;
            }
            if escaped {
                escaped = false;
                chars.push(b);
                continue;
            }
            let value = String::from_utf8_lossy(&chars).into_owned();
            let next = pos + i + 1;
            if quote == b'"' {
                let (value, template, unset) = self.expand(&expand_escapes(&value), pos)?;
                return Ok((value, template, unset, pos, next));
            }
            return Ok((value, None, Vec::new(), pos, next));
        }
        let first_line = src.split('\n').next().unwrap_or_default();
        Err(self.error(pos, format!("unterminated quoted value {first_line} of `{key}`")))
    }

    /// Interpolate a value written at `at` (lookup first, then the variables so far).
    fn expand(&self, value: &str, at: usize) -> Result<(String, Option<String>, Vec<String>), Error> {
        let lookup = |name: &str| (self.lookup)(name).or_else(|| self.vars.get(name).cloned());
        match interpolate_with(value, &lookup) {
            Ok((text, outcome)) => Ok((text, outcome.referenced.then(|| value.to_owned()), outcome.unset)),
            Err(message) => Err(self.error(at, message)),
        }
    }
}

/// compose-go's `expandEscapes`: `\a \b \f \n \r \t \v \" \\` and octal `\0NNN`; `\$` becomes `$$`
/// (a literal `$` for the interpolation that follows); any other backslash stays.
fn expand_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let simple = match after.chars().next() {
            Some('a') => Some('\u{7}'),
            Some('b') => Some('\u{8}'),
            Some('f') => Some('\u{c}'),
            Some('n') => Some('\n'),
            Some('r') => Some('\r'),
            Some('t') => Some('\t'),
            Some('v') => Some('\u{b}'),
            Some('"') => Some('"'),
            Some('\\') => Some('\\'),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            rest = &after[1..];
        } else if let Some(r) = after.strip_prefix('$') {
            out.push_str("$$");
            rest = r;
        } else if let Some(r) = after.strip_prefix('0') {
            // `\0` and up to three digits; Go unquotes `\NNN` (exactly three octal digits, ≤ 255).
            let digits = r.bytes().take(3).take_while(u8::is_ascii_digit).count();
            let octal = &r[..digits];
            match (digits, u32::from_str_radix(octal, 8)) {
                (3, Ok(v)) if v <= 255 => out.push(char::from_u32(v).unwrap_or('\u{fffd}')),
                _ => {
                    out.push('\\');
                    out.push('0');
                    out.push_str(octal);
                }
            }
            rest = &r[digits..];
        } else {
            out.push('\\');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// `format: raw` (docker/cli's kvfile): leading blanks trimmed, blank and `#` lines skipped,
/// `KEY=VALUE` with the value verbatim, a bare `KEY` looked up (skipped when unset).
fn raw(
    text: &str,
    lines: &LineIndex<'_>,
    lookup: &dyn Fn(&str) -> Option<String>,
    vars: &mut HashMap<String, String>,
) -> Result<Vec<Assignment>, Error> {
    let mut out = Vec::new();
    let mut offset = 0;
    for raw_line in text.split_inclusive('\n') {
        let start = offset;
        offset += raw_line.len();
        let line = raw_line.strip_suffix('\n').unwrap_or(raw_line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        let trimmed = line.trim_start();
        let at = start + (line.len() - trimmed.len());
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (variable, value) = match trimmed.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (trimmed, None),
        };
        let error = |message: String| {
            let (line, column) = lines.position(at);
            Error { line, column, message }
        };
        if variable.is_empty() {
            return Err(error(format!("no variable name on line {trimmed:?}")));
        }
        if variable.contains([' ', '\t', '\n', '\u{b}', '\u{c}', '\r']) {
            return Err(error(format!("variable {variable:?} contains whitespaces")));
        }
        let (value, value_at) = match value {
            Some(v) => (v.to_owned(), at + variable.len() + 1),
            None => match lookup(variable) {
                Some(v) => (v, at),
                None => continue,
            },
        };
        let (line, column) = lines.position(at);
        let (value_line, value_column) = lines.position(value_at);
        vars.insert(variable.to_owned(), value.clone());
        out.push(Assignment {
            key: variable.to_owned(),
            value,
            line,
            column,
            value_line,
            value_column,
            template: None,
            unset: Vec::new(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, format: Format, lookup: &[(&str, &str)]) -> Result<Vec<Assignment>, Error> {
        let lookup: HashMap<String, String> = lookup.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        parse(text, format, &|k| lookup.get(k).cloned(), &mut HashMap::new())
    }

    fn pairs(a: &[Assignment]) -> Vec<(&str, &str)> {
        a.iter().map(|a| (a.key.as_str(), a.value.as_str())).collect()
    }

    #[test]
    fn dotenv_syntax_as_compose_reads_it() {
        // Each expectation below was checked against `docker-compose config` (v2.40.3).
        let text = "# comment\nA=1\r\nB=\"x\\ty\\$z\\\\\"\nC='a\\nb'\nD=\" sp \"\n E = q \n   # c\nF=\nG=#x\nH=a#b\n\
                    I=v # trailing\nexport  J=3\nK: yaml\nL=\"x\" junk\nM=${A}b\nN=a$$b\nO=\\$x\nP=${DOT}\nDOT=mine\nQ=${DOT}\n";
        let got = run(text, Format::Dotenv, &[("DOT", "project")]).expect("valid");
        assert_eq!(
            pairs(&got),
            vec![
                ("A", "1"),
                ("B", "x\ty$z\\"),
                ("C", "a\\nb"),
                ("D", " sp "),
                ("E", "q"),
                ("F", ""),
                ("G", "#x"),
                ("H", "a#b"),
                ("I", "v"),
                ("J", "3"),
                ("K", "yaml"),
                ("L", "x"),
                ("M", "1b"),
                ("N", "a$b"),
                ("O", "\\"),
                ("P", "project"),
                ("DOT", "mine"),
                ("Q", "project"),
            ]
        );
        // `O=\$x`: unquoted values take no escapes, so `$x` is an (unset) variable.
        assert_eq!(got[14].unset, vec!["x".to_owned()]);
        assert_eq!(got[12].template.as_deref(), Some("${A}b"));
    }

    #[test]
    fn positions_point_at_names_and_values() {
        let got = run("\n# c\n  export KEY=value\nMULTI=\"a\nb\"\nÉ=x\n", Format::Dotenv, &[]).expect("valid");
        let at: Vec<(u32, u32, u32, u32)> =
            got.iter().map(|a| (a.line, a.column, a.value_line, a.value_column)).collect();
        assert_eq!(at, vec![(3, 10, 3, 14), (4, 1, 4, 7), (6, 1, 6, 3)]);
        assert_eq!(got[1].value, "a\nb");
    }

    #[test]
    fn bare_names_and_the_last_line() {
        let got = run("SET\nUNSET\nA=1\nFOO", Format::Dotenv, &[("SET", "from-env")]).expect("valid");
        // A bare name takes the lookup's value or nothing; a last line without `=` is the value
        // of an empty name (compose-go's behaviour, checked against docker-compose).
        assert_eq!(pairs(&got), vec![("SET", "from-env"), ("A", "1"), ("", "FOO")]);
    }

    #[test]
    fn errors_are_located() {
        let e = run("OK=1\nA B=1\n", Format::Dotenv, &[]).expect_err("space");
        assert_eq!((e.line, e.column), (2, 1));
        assert!(e.message.contains("cannot contain a space"), "{}", e.message);
        let e = run("OK=1\nX=\"open\n", Format::Dotenv, &[]).expect_err("unterminated");
        assert_eq!((e.line, e.column), (2, 3));
        assert!(e.message.contains("unterminated"), "{}", e.message);
        let e = run("A=${B\n", Format::Dotenv, &[]).expect_err("template");
        assert_eq!((e.line, e.column), (1, 3));
        let e = run("A=1\nB!=2\n", Format::Dotenv, &[]).expect_err("character");
        assert_eq!((e.line, e.column), (2, 2));
    }

    #[test]
    fn a_last_bare_name_without_newline_is_an_empty_name_as_in_compose() {
        // compose-go reads `NAME` at the very end of the file (no `=`, no newline) as the value of
        // an empty name; Docker Compose 2.40.3 prints `"": "MONO_GP"` for this env file (found by
        // the `env_file` fuzz target, checked against the real binary). With a newline it is a
        // bare name taking its value from the lookup.
        let got = run("A=1\nMONO_GP", Format::Dotenv, &[("MONO_GP", "zz")]).expect("ok");
        assert_eq!(pairs(&got), vec![("A", "1"), ("", "MONO_GP")]);
        let got = run("A=1\nMONO_GP\n", Format::Dotenv, &[("MONO_GP", "zz")]).expect("ok");
        assert_eq!(pairs(&got), vec![("A", "1"), ("MONO_GP", "zz")]);
    }

    #[test]
    fn raw_values_are_verbatim() {
        let got =
            run("# c\n\nA=\"quoted ${X}\"\nB=x # y\n  C=1\nNOEQ\nSET\n", Format::Raw, &[("SET", "s")]).expect("ok");
        assert_eq!(pairs(&got), vec![("A", "\"quoted ${X}\""), ("B", "x # y"), ("C", "1"), ("SET", "s")]);
        assert_eq!((got[2].line, got[2].column, got[2].value_column), (5, 3, 5));
        let e = run("OK=1\n  SP = v\n", Format::Raw, &[]).expect_err("whitespace");
        assert_eq!((e.line, e.column), (2, 3));
    }

    #[test]
    fn never_panics_on_generated_input() {
        // Deterministic pseudo-random env files from the syntax's sharp edges (the fuzz target
        // `interpolate` explores further); every one must parse or fail with an error.
        const PIECES: [&str; 24] = [
            "A", "=", ":", "\n", "\r\n", " ", "\t", "#", " #", "'", "\"", "\\", "$", "${", "}", ":-", "?", "export ",
            "É", "\u{feff}", "\\0123", "\\$", "[", ".",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            let mut text = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 24) as usize;
            let mut x = seed;
            for _ in 0..len {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                text.push_str(PIECES[(x >> 33) as usize % PIECES.len()]);
            }
            for format in [Format::Dotenv, Format::Raw] {
                if let Ok(list) = run(&text, format, &[("A", "x")]) {
                    for a in list {
                        assert!(a.line >= 1 && a.column >= 1 && a.value_line >= a.line, "{text:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn escapes() {
        assert_eq!(expand_escapes(r"\a\0101\01\0\q\\n"), "\u{7}A\\01\\0\\q\\n");
    }
}
