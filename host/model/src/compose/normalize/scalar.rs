//! Scalar coercion: how one compose value becomes a typed value, with the located error when it
//! cannot (strings, booleans, byte sizes, durations, numbers, CPU counts, lists, key/value
//! mappings, commands).
//!
//! [`Norm`] carries the service being normalized so every message names it; these helpers never
//! look at other keys or services.

use super::Context;
use crate::diagnostic::Diagnostic;
use crate::model::KeyValue;
use crate::units::{parse_bytes, parse_duration_ms};
use crate::yaml::{Node, Value};

/// The normalizer of one service: its context, the diagnostics sink and the service's name for messages.
pub(super) struct Norm<'a, 'd> {
    /// What normalization needs besides the document.
    pub(super) ctx: &'a Context<'a>,
    /// Where problems go.
    pub(super) diags: &'d mut Vec<Diagnostic>,
    /// The service being normalized.
    pub(super) service: String,
}

impl Norm<'_, '_> {
    /// Report an error at `node`.
    pub(super) fn error(&mut self, node: &Node, message: impl Into<String>) {
        self.diags.push(Diagnostic::error(Some(node.location()), message));
    }

    /// A scalar as text; null is `None`; a collection is an error.
    pub(super) fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match &node.value {
            Value::Scalar(s) => Some(s.clone()),
            Value::Null => None,
            _ => {
                let m = format!("`{what}` of service `{}` must be a string, found {}", self.service, node.kind_name());
                self.error(node, m);
                None
            }
        }
    }

    /// A YAML 1.1 boolean (`true`, `yes`, `on`…).
    pub(super) fn bool(&mut self, node: &Node, what: &str) -> Option<bool> {
        let s = node.as_str()?;
        match s.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "on" => Some(true),
            "false" | "no" | "n" | "off" => Some(false),
            _ => {
                let m = format!("invalid boolean {s:?} for `{what}` of service `{}`", self.service);
                self.error(node, m);
                None
            }
        }
    }

    /// A byte size as Docker parses it (`512m`).
    pub(super) fn bytes(&mut self, node: &Node, what: &str) -> Option<u64> {
        let s = node.as_str()?;
        match parse_bytes(s.trim()) {
            Ok(v) => Some(v),
            Err(_) => {
                let m = format!("invalid memory value {s:?} for `{what}` of service `{}`", self.service);
                self.error(node, m);
                None
            }
        }
    }

    /// Bytes where `-1` means unlimited.
    pub(super) fn signed_bytes(&mut self, node: &Node, what: &str) -> Option<i64> {
        if node.as_str().map(str::trim) == Some("-1") {
            return Some(-1);
        }
        self.bytes(node, what).map(|v| i64::try_from(v).unwrap_or(i64::MAX))
    }

    /// A duration in milliseconds as Docker parses it (`1m30s`).
    pub(super) fn duration(&mut self, node: &Node, what: &str) -> Option<u64> {
        let s = node.as_str()?;
        match parse_duration_ms(s.trim()) {
            Ok(v) => Some(v),
            Err(e) => {
                let m = format!("{e} for `{what}` of service `{}`", self.service);
                self.error(node, m);
                None
            }
        }
    }

    /// An integer.
    pub(super) fn int<T: std::str::FromStr>(&mut self, node: &Node, what: &str) -> Option<T> {
        let s = node.as_str()?;
        match s.trim().parse::<T>() {
            Ok(v) => Some(v),
            Err(_) => {
                let m = format!("invalid number {s:?} for `{what}` of service `{}`", self.service);
                self.error(node, m);
                None
            }
        }
    }

    /// A non-negative, finite CPU count.
    pub(super) fn cpus(&mut self, node: &Node, what: &str) -> Option<f64> {
        let s = node.as_str()?;
        match s.trim().parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => Some(v),
            _ => {
                let m = format!("invalid cpu value {s:?} for `{what}` of service `{}`", self.service);
                self.error(node, m);
                None
            }
        }
    }

    /// A list of strings (a lone string is a list of one).
    pub(super) fn strings(&mut self, node: &Node, what: &str) -> Vec<String> {
        match &node.value {
            Value::Seq(items) => items.iter().filter_map(|i| self.string(i, what)).collect(),
            Value::Scalar(s) => vec![s.clone()],
            Value::Null => Vec::new(),
            Value::Map(_) => {
                let m = format!("`{what}` of service `{}` must be a list", self.service);
                self.error(node, m);
                Vec::new()
            }
        }
    }

    /// A mapping (already canonicalized from list form) as key/value pairs.
    pub(super) fn key_values(&mut self, node: &Node, what: &str) -> Vec<KeyValue> {
        match &node.value {
            Value::Map(entries) => entries
                .iter()
                .map(|(k, v)| KeyValue {
                    name: k.as_str().unwrap_or_default().to_owned(),
                    value: match &v.value {
                        Value::Scalar(s) => Some(s.clone()),
                        Value::Null => None,
                        _ => Some(v.to_json().to_string()),
                    },
                })
                .collect(),
            Value::Null => Vec::new(),
            _ => {
                let m = format!("`{what}` of service `{}` must be a mapping or a list", self.service);
                self.error(node, m);
                Vec::new()
            }
        }
    }

    /// A command or entrypoint: a list as is, a string split like a POSIX shell.
    pub(super) fn command(&mut self, node: &Node, what: &str) -> Option<Vec<String>> {
        match &node.value {
            Value::Null => None,
            Value::Seq(items) => Some(items.iter().filter_map(|i| self.string(i, what)).collect()),
            Value::Scalar(s) => match split_shell_words(s) {
                Ok(words) => Some(words),
                Err(e) => {
                    let m = format!("invalid `{what}` of service `{}`: {e}", self.service);
                    self.error(node, m);
                    None
                }
            },
            Value::Map(_) => {
                let m = format!("`{what}` of service `{}` must be a string or a list", self.service);
                self.error(node, m);
                None
            }
        }
    }
}

/// Whether a node is a mapping or null (what a service may be).
pub(super) trait MapOrNull {
    /// A mapping or null.
    fn is_map_or_null(&self) -> bool;
}

impl MapOrNull for Node {
    fn is_map_or_null(&self) -> bool {
        matches!(self.value, Value::Map(_) | Value::Null)
    }
}

/// Split a command string into words like a POSIX shell (quotes and backslashes; no expansion).
pub fn split_shell_words(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => word.push(ch),
                        None => return Err("unterminated single quote".to_owned()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(ch @ ('"' | '\\' | '$' | '`')) => word.push(ch),
                            Some('\n') => {}
                            Some(ch) => {
                                word.push('\\');
                                word.push(ch);
                            }
                            None => return Err("unterminated double quote".to_owned()),
                        },
                        Some(ch) => word.push(ch),
                        None => return Err("unterminated double quote".to_owned()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') => {}
                    Some(ch) => word.push(ch),
                    None => word.push('\\'),
                }
            }
            _ => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::split_shell_words;

    #[test]
    fn shell_words() {
        assert_eq!(
            split_shell_words(r#"sh -c "echo \"hi\" $X" 'a b'"#).ok(),
            Some(vec!["sh".to_owned(), "-c".to_owned(), "echo \"hi\" $X".to_owned(), "a b".to_owned()])
        );
        assert!(split_shell_words("echo 'oops").is_err());
    }
}
