//! Variable substitution as BuildKit does it in `FROM`, stage names and `ENV` values.
//!
//! Supports `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}`, `${VAR+alt}`,
//! `${VAR:?message}` and `${VAR?message}`; the escape character protects a `$`. Lookups go through a
//! closure so that callers choose what an unknown variable becomes (empty, as BuildKit does for
//! `FROM`, or kept as written, for `ENV` values that refer to the base image's environment).

/// Expand variables in `text`; `lookup` answers a variable's value, `keep_unknown` keeps `$X` as
/// written when `lookup` has no answer (otherwise it expands to nothing).
pub fn expand(text: &str, escape: char, keep_unknown: bool, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == escape && chars.get(i + 1) == Some(&'$') {
            out.push('$');
            i += 2;
            continue;
        }
        if c != '$' {
            out.push(c);
            i += 1;
            continue;
        }
        match chars.get(i + 1) {
            Some('{') => {
                // Find the matching `}` (nested braces in defaults are balanced).
                let mut depth = 0usize;
                let mut j = i + 1;
                let mut end = None;
                while j < chars.len() {
                    match chars[j] {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = Some(j);
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                let Some(end) = end else {
                    out.extend(&chars[i..]);
                    break;
                };
                let inner: String = chars[i + 2..end].iter().collect();
                let original: String = chars[i..=end].iter().collect();
                out.push_str(&expand_braced(&inner, &original, escape, keep_unknown, lookup));
                i = end + 1;
            }
            Some(&n) if n == '_' || n.is_ascii_alphabetic() => {
                let mut j = i + 1;
                while j < chars.len() && (chars[j] == '_' || chars[j].is_ascii_alphanumeric()) {
                    j += 1;
                }
                let name: String = chars[i + 1..j].iter().collect();
                match lookup(&name) {
                    Some(v) => out.push_str(&v),
                    None if keep_unknown => out.extend(&chars[i..j]),
                    None => {}
                }
                i = j;
            }
            _ => {
                out.push('$');
                i += 1;
            }
        }
    }
    out
}

fn expand_braced(
    inner: &str,
    original: &str,
    escape: char,
    keep_unknown: bool,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> String {
    let name_len = inner.find(|ch: char| !(ch == '_' || ch.is_ascii_alphanumeric())).unwrap_or(inner.len());
    let (name, rest) = inner.split_at(name_len);
    let value = lookup(name);
    let (colon, op, word) = if let Some(r) = rest.strip_prefix(':') {
        let mut it = r.chars();
        (true, it.next(), it.as_str())
    } else {
        let mut it = rest.chars();
        (false, it.next(), it.as_str())
    };
    let set = match &value {
        Some(v) => !(colon && v.is_empty()),
        None => false,
    };
    let word = || expand(word, escape, keep_unknown, lookup);
    match op {
        None => match value {
            Some(v) => v,
            None if keep_unknown => original.to_string(),
            None => String::new(),
        },
        Some('-') => {
            if set {
                value.unwrap_or_default()
            } else {
                word()
            }
        }
        Some('+') => {
            if set {
                word()
            } else {
                String::new()
            }
        }
        Some('?') => {
            if set {
                value.unwrap_or_default()
            } else if keep_unknown {
                original.to_string()
            } else {
                String::new()
            }
        }
        Some(_) => {
            if keep_unknown {
                original.to_string()
            } else {
                value.unwrap_or_default()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "A" => Some("a".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn expands_every_form() {
        let e = |t: &str| expand(t, '\\', false, &env);
        assert_eq!(e("x$A-${A}"), "xa-a");
        assert_eq!(e("${B:-def}/${EMPTY:-d2}/${EMPTY-d3}"), "def/d2/");
        assert_eq!(e("${A:+alt}${B:+no}"), "alt");
        assert_eq!(e("$B|${B}|\\$A"), "||$A");
        assert_eq!(e("${B:-${A}x}"), "ax");
    }

    #[test]
    fn keeps_unknown_when_asked() {
        assert_eq!(expand("$PATH:/x:${HOME}", '\\', true, &env), "$PATH:/x:${HOME}");
    }

    #[test]
    fn unbalanced_input_does_not_panic() {
        assert_eq!(expand("${A", '\\', false, &env), "${A");
        assert_eq!(expand("$", '`', false, &env), "$");
    }
}
