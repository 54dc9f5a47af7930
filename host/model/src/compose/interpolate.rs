//! Variable interpolation as the Compose specification defines it.
//!
//! [`interpolate`] expands `${V}`, `$V`, `${V:-d}`, `${V-d}`, `${V:?e}`, `${V?e}`, `${V:+r}`,
//! `${V+r}`, nested expressions in defaults (`${V:-${W:-x}}`) and `$$`. [`interpolate_tree`]
//! applies it to every scalar *value* of a document (never to keys, as compose-go does), turning
//! problems into located diagnostics (env files use it through [`super::dotenv`]). A `$` that starts
//! nothing (`$(date)`, `5$`) is a literal, as in compose-go. Nothing here reads the process
//! environment: callers pass a lookup.

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
    interpolate_with(input, &|name| env.get(name).cloned())
}

/// [`interpolate`] with variables from a lookup function (env files look in several places).
pub fn interpolate_with(input: &str, lookup: Lookup<'_>) -> Result<(String, Outcome), String> {
    let mut outcome = Outcome::default();
    let text = expand(input, lookup, &mut outcome, 0)?;
    Ok((text, outcome))
}

/// A variable lookup: the value of a name, `None` when it is not set.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

fn is_name_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic()
}

fn is_name_char(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric()
}

fn expand(input: &str, env: Lookup<'_>, outcome: &mut Outcome, depth: usize) -> Result<String, String> {
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
                match env(name) {
                    Some(v) => out.push_str(&v),
                    None => outcome.unset.push(name.to_owned()),
                }
                rest = &after[len..];
            }
            // As in compose-go, a `$` that starts nothing (`$(date)`, `5$`, `$1`) is a literal.
            _ => {
                out.push('$');
                rest = after;
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

fn braced(body: &str, input: &str, env: Lookup<'_>, outcome: &mut Outcome, depth: usize) -> Result<String, String> {
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
    let value = env(name);
    let value = value.as_ref();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn braces_and_escapes() {
        let e = env(&[("A", "a")]);
        assert_eq!(interpolate("$$A-${A}", &e).map(|r| r.0), Ok("$A-a".to_owned()));
        assert!(interpolate("${A", &e).is_err());
        assert!(interpolate("${ A }", &e).is_err());
        // A `$` that starts nothing is a literal (compose-go's pattern does not match it).
        for literal in ["cost $5", "$(date)", "5$", "$1", "a $ b", "$-x"] {
            assert_eq!(interpolate(literal, &e).map(|r| r.0), Ok(literal.to_owned()), "{literal}");
        }
        assert!(interpolate("${}", &e).is_err());
    }
}
