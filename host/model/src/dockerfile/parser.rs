//! The Dockerfile lexer and instruction decoder: text in, located instructions out.
//!
//! The lexer follows BuildKit's parser: parser directives only before anything else, the escape
//! character for line continuations, comment and empty lines skipped inside continuations,
//! here-documents for `RUN`, `COPY` and `ADD` read after the instruction line. The decoder turns
//! each instruction's text into flags, form (exec JSON vs shell) and arguments, with the same
//! fallbacks as Docker (invalid JSON is shell form). It reports problems as located diagnostics
//! and never panics; it does not resolve stages (see `stages`).

use std::path::Path;

use crate::diagnostic::{Diagnostic, Location, Span};
use crate::model::{Flag, Heredoc, Instruction, InstructionForm, KeyValue};

/// Every instruction keyword Docker knows.
pub const KEYWORDS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// An instruction as the lexer found it: its joined text, heredocs and position.
#[derive(Debug, Clone)]
pub struct RawInstruction {
    /// Where it is.
    pub span: Span,
    /// Keyword in upper case.
    pub keyword: String,
    /// Everything after the keyword, continuations joined, leading whitespace removed.
    pub rest: String,
    /// Keyword and rest as written, continuations joined.
    pub text: String,
    /// Here-documents in order.
    pub heredocs: Vec<Heredoc>,
}

/// What the lexer found: directives, escape character and instructions.
#[derive(Debug, Default)]
pub struct Lexed {
    /// Parser directives in order.
    pub directives: Vec<KeyValue>,
    /// The escape character.
    pub escape: char,
    /// Instructions in order.
    pub instructions: Vec<RawInstruction>,
}

fn loc(file: &Path, line: u32, column: u32) -> Option<Location> {
    Some(Location::new(file, line, column))
}

/// Parse a directive line (`# key=value`) into its lowercase key and value.
fn directive(line: &str) -> Option<(String, String)> {
    let rest = line.trim_start().strip_prefix('#')?.trim_start();
    let key_len = rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len());
    let key = &rest[..key_len];
    if key.is_empty() || !key.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let value = rest[key_len..].trim_start().strip_prefix('=')?.trim();
    if value.is_empty() {
        return None;
    }
    Some((key.to_ascii_lowercase(), value.to_string()))
}

/// Strip a trailing escape character (and the spaces and tabs after it); `true` when it was there.
fn trim_continuation(line: &str, escape: char) -> (&str, bool) {
    let trimmed = line.trim_end_matches([' ', '\t']);
    match trimmed.strip_suffix(escape) {
        Some(stripped) => (stripped, true),
        None => (line, false),
    }
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// Split a Dockerfile's text into directives and raw instructions.
pub fn lex(text: &str, file: &Path, diagnostics: &mut Vec<Diagnostic>) -> Lexed {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
    let mut lexed = Lexed { escape: '\\', ..Lexed::default() };
    let mut directives_done = false;
    let mut i = 0usize;
    while i < lines.len() {
        let line = lines[i];
        let line_no = (i + 1) as u32;
        if !directives_done {
            match directive(line) {
                Some((key, value)) if matches!(key.as_str(), "syntax" | "escape" | "check") => {
                    if lexed.directives.iter().any(|d| d.name == key) {
                        diagnostics.push(Diagnostic::error(
                            loc(file, line_no, 1),
                            format!("only one `{key}` parser directive can be used"),
                        ));
                    } else {
                        if key == "escape" {
                            match value.as_str() {
                                "\\" => lexed.escape = '\\',
                                "`" => lexed.escape = '`',
                                _ => diagnostics.push(Diagnostic::error(
                                    loc(file, line_no, 1),
                                    format!("invalid escape character `{value}`: expected `\\` or a backtick"),
                                )),
                            }
                        }
                        lexed.directives.push(KeyValue { name: key, value: Some(value) });
                    }
                    i += 1;
                    continue;
                }
                _ => directives_done = true,
            }
        }
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            i += 1;
            continue;
        }
        let column = (line.chars().count() - trimmed.chars().count() + 1) as u32;
        let (first, mut continued) = trim_continuation(trimmed, lexed.escape);
        let mut joined = first.to_string();
        let mut end = i;
        while continued && end + 1 < lines.len() {
            end += 1;
            let next = lines[end];
            if is_comment(next) || next.trim().is_empty() {
                continue;
            }
            let (part, more) = trim_continuation(next, lexed.escape);
            joined.push_str(part);
            continued = more;
        }
        let keyword_len = joined.find(char::is_whitespace).unwrap_or(joined.len());
        let keyword = joined[..keyword_len].to_ascii_uppercase();
        let rest = joined[keyword_len..].trim().to_string();
        let mut raw = RawInstruction {
            span: Span { line: line_no, column, end_line: (end + 1) as u32 },
            keyword,
            rest,
            text: joined.trim_end().to_string(),
            heredocs: Vec::new(),
        };
        i = end + 1;
        if matches!(raw.keyword.as_str(), "RUN" | "COPY" | "ADD") {
            let markers = heredoc_markers(&raw.rest, lexed.escape);
            for (name, strip) in markers {
                let mut body = String::new();
                let mut terminated = false;
                while i < lines.len() {
                    let l = lines[i];
                    i += 1;
                    let l = if strip { l.trim_start_matches('\t') } else { l };
                    if l == name {
                        terminated = true;
                        break;
                    }
                    body.push_str(l);
                    body.push('\n');
                }
                raw.span.end_line = i as u32;
                if !terminated {
                    diagnostics.push(Diagnostic::error(
                        loc(file, raw.span.line, raw.span.column),
                        format!("unterminated heredoc `{name}` in `{}`", raw.keyword),
                    ));
                }
                raw.heredocs.push(Heredoc { name, body, destination: None });
            }
        }
        lexed.instructions.push(raw);
    }
    lexed
}

/// Heredoc markers (`<<EOF`, `<<-EOF`, `<<"EOF"`, `3<<EOF`) in an instruction's arguments, in
/// order, with whether leading tabs are stripped. JSON (exec) form has none.
fn heredoc_markers(rest: &str, escape: char) -> Vec<(String, bool)> {
    if !rest.contains("<<") || parse_json_array(rest).is_some() {
        return Vec::new();
    }
    let (_, after_flags) = extract_flags(rest, escape);
    let mut out = Vec::new();
    for (raw, _) in split_words(after_flags, escape) {
        let digits = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
        let Some(marker) = raw[digits..].strip_prefix("<<") else { continue };
        let (strip, name) = match marker.strip_prefix('-') {
            Some(n) => (true, n),
            None => (false, marker),
        };
        if name.contains('<') {
            continue;
        }
        let name = unquote(name, escape);
        if !name.is_empty() {
            out.push((name, strip));
        }
    }
    out
}

/// Split on unquoted whitespace; each word as written and after quote removal.
pub fn split_words(text: &str, escape: char) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut raw = String::new();
    let mut word = String::new();
    let mut any = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => {
                raw.push(c);
                quote = None;
            }
            Some('"') if c == escape => {
                raw.push(c);
                match chars.next() {
                    Some(n) => {
                        raw.push(n);
                        if !matches!(n, '"' | '$') && n != escape {
                            word.push(c);
                        }
                        word.push(n);
                    }
                    None => word.push(c),
                }
            }
            Some(_) => {
                raw.push(c);
                word.push(c);
            }
            None if c.is_whitespace() => {
                if any {
                    out.push((std::mem::take(&mut raw), std::mem::take(&mut word)));
                    any = false;
                }
            }
            None if c == '"' || c == '\'' => {
                raw.push(c);
                quote = Some(c);
                any = true;
            }
            None if c == escape => {
                raw.push(c);
                any = true;
                match chars.next() {
                    Some(n) => {
                        raw.push(n);
                        word.push(n);
                    }
                    None => word.push(c),
                }
            }
            None => {
                raw.push(c);
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push((raw, word));
    }
    out
}

/// Quote removal of one word.
pub fn unquote(text: &str, escape: char) -> String {
    split_words(text, escape).into_iter().map(|(_, w)| w).collect::<Vec<_>>().join(" ")
}

/// Leading `--flag[=value]` words; returns the flags and the text after them.
pub fn extract_flags(rest: &str, escape: char) -> (Vec<Flag>, &str) {
    let mut flags = Vec::new();
    let mut remaining = rest.trim_start();
    while remaining.starts_with("--") {
        // The flag word ends at the first unquoted whitespace.
        let mut quote: Option<char> = None;
        let mut end = remaining.len();
        let mut prev_escape = false;
        for (idx, c) in remaining.char_indices() {
            if prev_escape {
                prev_escape = false;
                continue;
            }
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == escape => prev_escape = true,
                None if c == '"' || c == '\'' => quote = Some(c),
                None if c.is_whitespace() => {
                    end = idx;
                    break;
                }
                None => {}
            }
        }
        let word = &remaining[..end];
        remaining = remaining[end..].trim_start();
        if word == "--" {
            break;
        }
        let body = &word[2..];
        let flag = match body.split_once('=') {
            Some((name, value)) => Flag { name: name.to_string(), value: Some(unquote(value, escape)) },
            None => Flag { name: body.to_string(), value: None },
        };
        flags.push(flag);
    }
    (flags, remaining)
}

/// The items of a JSON array of strings, or `None` when the text is not one (then it is shell form).
pub fn parse_json_array(text: &str) -> Option<Vec<String>> {
    let t = text.trim();
    if !t.starts_with('[') {
        return None;
    }
    serde_json::from_str::<Vec<String>>(t).ok()
}

/// Flags each instruction accepts (instructions not listed take none and are not scanned for flags).
fn allowed_flags(keyword: &str) -> Option<&'static [&'static str]> {
    Some(match keyword {
        "FROM" => &["platform"],
        "RUN" => &["mount", "network", "security", "device"],
        "COPY" => &["from", "chown", "chmod", "link", "parents", "exclude"],
        "ADD" => &["chown", "chmod", "link", "keep-git-dir", "checksum", "exclude", "unpack"],
        "HEALTHCHECK" => &["interval", "timeout", "start-period", "start-interval", "retries"],
        _ => return None,
    })
}

/// Decode a raw instruction into the model's instruction (without stage and commands).
pub fn decode(raw: &RawInstruction, escape: char, file: &Path, diagnostics: &mut Vec<Diagnostic>) -> Instruction {
    let at = loc(file, raw.span.line, raw.span.column);
    let keyword = raw.keyword.as_str();
    let mut ins = Instruction {
        keyword: raw.keyword.clone(),
        text: raw.text.clone(),
        heredocs: raw.heredocs.clone(),
        ..Instruction::default()
    };
    let mut rest = raw.rest.as_str();
    if let Some(allowed) = allowed_flags(keyword) {
        let (flags, after) = extract_flags(rest, escape);
        for f in &flags {
            if !allowed.contains(&f.name.as_str()) {
                diagnostics.push(Diagnostic::error(at.clone(), format!("unknown flag `--{}` for `{keyword}`", f.name)));
            }
        }
        ins.flags = flags;
        rest = after;
    }
    let rest = rest.trim();
    if rest.is_empty() && raw.heredocs.is_empty() {
        diagnostics.push(Diagnostic::error(at.clone(), format!("`{keyword}` requires at least one argument")));
        return ins;
    }
    let words = || split_words(rest, escape).into_iter().map(|(_, w)| w).collect::<Vec<_>>();
    match keyword {
        "RUN" | "CMD" | "ENTRYPOINT" | "SHELL" => match parse_json_array(rest) {
            Some(items) => {
                ins.form = InstructionForm::Exec;
                ins.arguments = items;
            }
            None => {
                if keyword == "SHELL" {
                    diagnostics.push(Diagnostic::error(at, "`SHELL` requires its arguments in JSON form"));
                }
                ins.form = InstructionForm::Shell;
                ins.arguments = vec![rest.to_string()];
            }
        },
        "COPY" | "ADD" | "VOLUME" => {
            match parse_json_array(rest) {
                Some(items) => {
                    ins.form = InstructionForm::Exec;
                    ins.arguments = items;
                }
                None => ins.arguments = words(),
            }
            if keyword != "VOLUME" {
                // Heredoc markers are sources; the last other word is the destination.
                let non_heredoc: Vec<&String> = ins.arguments.iter().filter(|a| !a.contains("<<")).collect();
                if ins.arguments.len() < 2 {
                    diagnostics.push(Diagnostic::error(at, format!("`{keyword}` requires at least two arguments")));
                }
                if !raw.heredocs.is_empty() {
                    let dest = non_heredoc.last().map(|s| s.to_string());
                    for h in &mut ins.heredocs {
                        h.destination = dest.clone();
                    }
                }
            }
        }
        "FROM" => {
            ins.arguments = words();
            let n = ins.arguments.len();
            if !(n == 1 || (n == 3 && ins.arguments[1].eq_ignore_ascii_case("as"))) {
                diagnostics
                    .push(Diagnostic::error(at, "`FROM` requires either one argument, or three: `FROM image AS name`"));
            }
        }
        "ENV" | "LABEL" => match name_values(rest, escape) {
            Ok(pairs) => ins.arguments = pairs.into_iter().map(|(k, v)| format!("{k}={v}")).collect(),
            Err(message) => {
                diagnostics.push(Diagnostic::error(at, format!("`{keyword}`: {message}")));
                ins.arguments = words();
            }
        },
        "ARG" => {
            ins.arguments = words();
            for a in &ins.arguments {
                let name = a.split('=').next().unwrap_or_default();
                if name.is_empty() {
                    diagnostics.push(Diagnostic::error(at.clone(), format!("`ARG` has an empty name in `{a}`")));
                }
            }
        }
        "EXPOSE" => ins.arguments = words(),
        "USER" | "WORKDIR" | "STOPSIGNAL" | "MAINTAINER" => ins.arguments = vec![rest.to_string()],
        "HEALTHCHECK" => {
            let (kind, body) = match rest.find(char::is_whitespace) {
                Some(i) => (&rest[..i], rest[i..].trim()),
                None => (rest, ""),
            };
            match kind.to_ascii_uppercase().as_str() {
                "NONE" => {
                    ins.arguments = vec!["NONE".into()];
                    if !body.is_empty() || !ins.flags.is_empty() {
                        diagnostics.push(Diagnostic::error(at, "`HEALTHCHECK NONE` takes no other arguments"));
                    }
                }
                "CMD" => {
                    ins.arguments = vec!["CMD".into()];
                    if body.is_empty() {
                        diagnostics.push(Diagnostic::error(at.clone(), "`HEALTHCHECK CMD` requires a command"));
                    }
                    match parse_json_array(body) {
                        Some(items) => {
                            ins.form = InstructionForm::Exec;
                            ins.arguments.extend(items);
                        }
                        None => {
                            ins.form = InstructionForm::Shell;
                            ins.arguments.push(body.to_string());
                        }
                    }
                    for f in &ins.flags {
                        let value = f.value.as_deref().unwrap_or_default();
                        let ok = if f.name == "retries" {
                            value.parse::<u32>().is_ok()
                        } else {
                            parse_go_duration_ms(value).is_some()
                        };
                        if !ok {
                            diagnostics.push(Diagnostic::error(
                                at.clone(),
                                format!("invalid value `{value}` for `HEALTHCHECK --{}`", f.name),
                            ));
                        }
                    }
                }
                _ => {
                    diagnostics.push(Diagnostic::error(
                        at,
                        format!("unknown type `{kind}` for `HEALTHCHECK`: expected `CMD` or `NONE`"),
                    ));
                    ins.arguments = words();
                }
            }
        }
        "ONBUILD" => {
            let (inner, body) = match rest.find(char::is_whitespace) {
                Some(i) => (&rest[..i], rest[i..].trim()),
                None => (rest, ""),
            };
            let inner = inner.to_ascii_uppercase();
            if matches!(inner.as_str(), "ONBUILD" | "FROM" | "MAINTAINER") {
                diagnostics.push(Diagnostic::error(at, format!("`{inner}` is not allowed in `ONBUILD`")));
            } else if !KEYWORDS.contains(&inner.as_str()) {
                diagnostics.push(Diagnostic::error(at, format!("unknown instruction `{inner}` in `ONBUILD`")));
            }
            ins.arguments = vec![inner, body.to_string()];
        }
        _ => ins.arguments = words(),
    }
    ins
}

/// `ENV`/`LABEL` arguments: `k=v k2="v 2"` or the legacy `k v w`.
fn name_values(rest: &str, escape: char) -> Result<Vec<(String, String)>, String> {
    let words = split_words(rest, escape);
    let Some((first_raw, _)) = words.first() else { return Err("requires at least one argument".into()) };
    if !first_raw.contains('=') {
        // Legacy form: the first word is the name, the rest of the line is the value.
        let name = unquote(first_raw, escape);
        let value_text = rest.trim_start()[first_raw.len()..].trim();
        if value_text.is_empty() {
            return Err(format!("`{name}` has no value (write `{name}=value`)"));
        }
        let value = split_words(value_text, escape).into_iter().map(|(_, w)| w).collect::<Vec<_>>().join(" ");
        return Ok(vec![(name, value)]);
    }
    let mut out = Vec::new();
    for (raw, _) in words {
        let Some((name, value)) = raw.split_once('=') else {
            return Err(format!("can't find `=` in `{raw}`: write `name=value`"));
        };
        let name = unquote(name, escape);
        if name.is_empty() {
            return Err(format!("empty name in `{raw}`"));
        }
        out.push((name, unquote(value, escape)));
    }
    Ok(out)
}

/// A Go duration (`30s`, `1m30s`, `500ms`, `1.5h`) in milliseconds.
pub fn parse_go_duration_ms(text: &str) -> Option<u64> {
    let mut s = text.trim();
    if s == "0" {
        return Some(0);
    }
    if s.is_empty() {
        return None;
    }
    let mut total = 0f64;
    while !s.is_empty() {
        let num_len = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
        if num_len == 0 {
            return None;
        }
        let n: f64 = s[..num_len].parse().ok()?;
        s = &s[num_len..];
        let unit_len = s.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(s.len());
        let factor = match &s[..unit_len] {
            "ns" => 1e-6,
            "us" | "µs" | "μs" => 1e-3,
            "ms" => 1.0,
            "s" => 1e3,
            "m" => 60e3,
            "h" => 3600e3,
            _ => return None,
        };
        total += n * factor;
        s = &s[unit_len..];
    }
    (total.is_finite() && total < u64::MAX as f64).then(|| total.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_go_duration_ms("1m30s"), Some(90_000));
        assert_eq!(parse_go_duration_ms("500ms"), Some(500));
        assert_eq!(parse_go_duration_ms("1.5s"), Some(1500));
        assert_eq!(parse_go_duration_ms("10"), None);
        assert_eq!(parse_go_duration_ms("5x"), None);
    }

    #[test]
    fn words_with_quotes() {
        let w: Vec<String> = split_words(r#"a "b c" 'd e' f\ g "h\"i""#, '\\').into_iter().map(|(_, w)| w).collect();
        assert_eq!(w, ["a", "b c", "d e", "f g", "h\"i"]);
    }

    #[test]
    fn flags_stop_at_first_word() {
        let (flags, rest) = extract_flags("--from=build --chown=\"a:b\" --link src dst", '\\');
        assert_eq!(flags.len(), 3);
        assert_eq!(flags[1].value.as_deref(), Some("a:b"));
        assert_eq!(flags[2].value, None);
        assert_eq!(rest, "src dst");
    }
}
