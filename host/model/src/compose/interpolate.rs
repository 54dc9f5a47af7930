//! Variable interpolation as the Compose specification defines it, and `.env` files.
//!
//! [`interpolate`] expands `${V}`, `$V`, `${V:-d}`, `${V-d}`, `${V:?e}`, `${V?e}`, `${V:+r}`,
//! `${V+r}`, nested expressions in defaults (`${V:-${W:-x}}`) and `$$`. [`interpolate_tree`]
//! applies it to every scalar *value* of a document (never to keys, as compose-go does), turning
//! problems into located diagnostics. [`parse_dotenv`] reads `.env`/`--env-file` files the way
//! compose-go's dotenv does. Nothing here reads the process environment: callers pass a lookup.

use std::collections::HashMap;

use crate::diagnostic::Diagnostic;
use crate::yaml::{Node, Value};

/// Variables available to interpolation, in precedence order already resolved.
pub type Env = HashMap<String, String>;

/// What interpolating one string produced besides its text.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Variables referenced without a default that are not set (Compose warns and uses "").
    pub unset: Vec<String>,
    /// Whether the input referenced any variable (so the value is not a literal of the file).
    pub referenced: bool,
}

/// Most nesting of `${…}` inside defaults accepted.
const MAX_NESTING: usize = 32;

/// Expand the variables of `input` from `env`.
///
/// Errors name the problem: an invalid template, or a required variable (`:?`/`?`) that is missing.
pub fn interpolate(input: &str, env: &Env) -> Result<(String, Outcome), String> {
    let mut outcome = Outcome::default();
    let text = expand(input, env, &mut outcome, 0)?;
    Ok((text, outcome))
}

fn is_name_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic()
}

fn is_name_char(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric()
}

fn expand(input: &str, env: &Env, outcome: &mut Outcome, depth: usize) -> Result<String, String> {
    if depth > MAX_NESTING {
        return Err("variable substitutions are nested too deeply".to_owned());
    }
    if !input.contains('$') {
        return Ok(input.to_owned());
    }
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let mut chars = after.chars();
        match chars.next() {
            Some('$') => {
                out.push('$');
                rest = &after[1..];
            }
            Some('{') => {
                let body_start = 1;
                let end = matching_brace(after)
                    .ok_or_else(|| format!("invalid interpolation format in {input:?}: missing `}}`"))?;
                let body = &after[body_start..end];
                out.push_str(&braced(body, input, env, outcome, depth)?);
                rest = &after[end + 1..];
            }
            Some(c) if is_name_start(c) => {
                let len = after.find(|c: char| !is_name_char(c)).unwrap_or(after.len());
                let name = &after[..len];
                outcome.referenced = true;
                match env.get(name) {
                    Some(v) => out.push_str(v),
                    None => outcome.unset.push(name.to_owned()),
                }
                rest = &after[len..];
            }
            _ => {
                return Err(format!(
                    "invalid interpolation format in {input:?}: a `$` must start a variable; write `$$` for a literal `$`"
                ));
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Index of the `}` closing the `{` at the start of `s`, counting nested `${`.
fn matching_brace(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn braced(body: &str, input: &str, env: &Env, outcome: &mut Outcome, depth: usize) -> Result<String, String> {
    let name_len = body.find(|c: char| !is_name_char(c)).unwrap_or(body.len());
    let name = &body[..name_len];
    let op = &body[name_len..];
    if name.is_empty() || !name.starts_with(is_name_start) {
        return Err(format!(
            "invalid interpolation format in {input:?}: {:?} is not a variable name",
            format!("${{{body}}}")
        ));
    }
    outcome.referenced = true;
    let value = env.get(name);
    let (op, arg) = if let Some(a) = op.strip_prefix(":-") {
        (":-", a)
    } else if let Some(a) = op.strip_prefix(":?") {
        (":?", a)
    } else if let Some(a) = op.strip_prefix(":+") {
        (":+", a)
    } else if let Some(a) = op.strip_prefix('-') {
        ("-", a)
    } else if let Some(a) = op.strip_prefix('?') {
        ("?", a)
    } else if let Some(a) = op.strip_prefix('+') {
        ("+", a)
    } else if op.is_empty() {
        ("", "")
    } else {
        return Err(format!("invalid interpolation format in {input:?}: unexpected {op:?} after `{name}`"));
    };
    let set_nonempty = value.is_some_and(|v| !v.is_empty());
    Ok(match op {
        "" => match value {
            Some(v) => v.clone(),
            None => {
                outcome.unset.push(name.to_owned());
                String::new()
            }
        },
        ":-" if set_nonempty => value.cloned().unwrap_or_default(),
        "-" if value.is_some() => value.cloned().unwrap_or_default(),
        ":-" | "-" => expand(arg, env, outcome, depth + 1)?,
        ":?" if set_nonempty => value.cloned().unwrap_or_default(),
        "?" if value.is_some() => value.cloned().unwrap_or_default(),
        ":?" | "?" => {
            let message = expand(arg, env, outcome, depth + 1)?;
            return Err(if message.is_empty() {
                format!("required variable `{name}` is missing a value")
            } else {
                format!("required variable `{name}` is missing a value: {message}")
            });
        }
        ":+" if set_nonempty => expand(arg, env, outcome, depth + 1)?,
        "+" if value.is_some() => expand(arg, env, outcome, depth + 1)?,
        _ => String::new(),
    })
}

/// Interpolate every scalar value of `node` in place (keys are left as written).
///
/// Errors (invalid templates, missing required variables) and warnings (unset variables) are
/// pushed to `diagnostics`, located at the scalar.
pub fn interpolate_tree(node: &mut Node, env: &Env, diagnostics: &mut Vec<Diagnostic>) {
    if let Value::Scalar(s) = &node.value
        && s.contains('$')
    {
        match interpolate(s, env) {
            Ok((text, outcome)) => {
                for name in outcome.unset {
                    diagnostics.push(Diagnostic::warning(
                        Some(node.location()),
                        format!("variable `{name}` is not set, defaulting to a blank string"),
                    ));
                }
                if outcome.referenced {
                    node.template = Some(std::sync::Arc::from(s.as_str()));
                }
                node.value = Value::Scalar(text);
            }
            Err(message) => diagnostics.push(Diagnostic::error(Some(node.location()), message)),
        }
        return;
    }
    match &mut node.value {
        Value::Seq(items) => {
            for item in items {
                interpolate_tree(item, env, diagnostics);
            }
        }
        Value::Map(entries) => {
            for (_, v) in entries {
                interpolate_tree(v, env, diagnostics);
            }
        }
        _ => {}
    }
}

/// Parse a `.env` file: `KEY=VALUE` lines, `export` prefixes, `#` comments, single quotes
/// (literal), double quotes (escapes, may span lines) and unquoted values (trailing ` #` comment
/// removed). Values are interpolated with the variables defined so far, then `base`.
///
/// Returns the variables in file order, or a message with the 1-based line of the first error.
pub fn parse_dotenv(text: &str, base: &Env) -> Result<Vec<(String, String)>, (u32, String)> {
    let mut vars: Vec<(String, String)> = Vec::new();
    let mut scope: Env = base.clone();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let line = lines[i].trim_start_matches('\u{feff}').trim();
        i += 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map(str::trim_start).unwrap_or(line);
        let Some((key, raw)) = line.split_once('=') else {
            // A bare name inherits from the environment when set.
            if line.chars().all(is_name_char) {
                if let Some(v) = base.get(line) {
                    vars.push((line.to_owned(), v.clone()));
                }
                continue;
            }
            return Err((line_no, format!("invalid line {line:?}: expected KEY=VALUE")));
        };
        let key = key.trim();
        if key.is_empty() || key.chars().any(|c| c.is_whitespace()) {
            return Err((line_no, format!("invalid variable name {key:?}")));
        }
        let raw = raw.trim_start();
        let value = if let Some(body) = raw.strip_prefix('\'') {
            match body.find('\'') {
                Some(end) => body[..end].to_owned(),
                None => return Err((line_no, format!("unterminated single quote in the value of `{key}`"))),
            }
        } else if let Some(body) = raw.strip_prefix('"') {
            // Double quotes may span lines.
            let mut collected = body.to_owned();
            loop {
                if let Some(end) = closing_double_quote(&collected) {
                    collected.truncate(end);
                    break;
                }
                match lines.get(i) {
                    Some(next) => {
                        collected.push('\n');
                        collected.push_str(next);
                        i += 1;
                    }
                    None => return Err((line_no, format!("unterminated double quote in the value of `{key}`"))),
                }
            }
            let unescaped = unescape_double(&collected);
            interpolate(&unescaped, &scope).map(|(t, _)| t).map_err(|e| (line_no, e))?
        } else {
            let without_comment = match raw.find(" #") {
                Some(at) => &raw[..at],
                None => raw,
            };
            interpolate(without_comment.trim_end(), &scope).map(|(t, _)| t).map_err(|e| (line_no, e))?
        };
        scope.entry(key.to_owned()).or_insert_with(|| value.clone());
        vars.push((key.to_owned(), value));
    }
    Ok(vars)
}

fn closing_double_quote(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

fn unescape_double(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn dotenv_forms() {
        let vars =
            parse_dotenv("# c\nA=1\nexport B = two # comment\nC='lit $A'\nD=\"x\\ny ${A}\"\nE=${A}b\n", &Env::new())
                .expect("valid");
        let map: HashMap<_, _> = vars.into_iter().collect();
        assert_eq!(map["A"], "1");
        assert_eq!(map["B"], "two");
        assert_eq!(map["C"], "lit $A");
        assert_eq!(map["D"], "x\ny 1");
        assert_eq!(map["E"], "1b");
    }

    #[test]
    fn braces_and_escapes() {
        let e = env(&[("A", "a")]);
        assert_eq!(interpolate("$$A-${A}", &e).map(|r| r.0), Ok("$A-a".to_owned()));
        assert!(interpolate("${A", &e).is_err());
        assert!(interpolate("${ A }", &e).is_err());
        assert!(interpolate("cost $5", &e).is_err());
    }
}
