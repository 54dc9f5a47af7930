//! Typed reads of the JSON objects a request holds, with errors that name the field's path
//! (`HostConfig.Memory: expected an integer, found a string`). Shared by the translators; nothing
//! here knows Docker or Kubernetes.

use serde_json::{Map, Value};

use crate::docker::TranslateError;

type Result<T> = std::result::Result<T, TranslateError>;

/// `prefix.path`, or either alone when the other is empty.
pub(crate) fn join(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path.is_empty()) {
        (true, _) => path.to_string(),
        (false, true) => prefix.to_string(),
        (false, false) => format!("{prefix}.{path}"),
    }
}

/// A JSON value's kind, for errors.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Typed reads of one JSON object, with errors naming `origin.Field`.
pub(crate) struct Fields<'a> {
    pub(crate) object: Option<&'a Map<String, Value>>,
    pub(crate) origin: String,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(value: &'a Value, origin: &str) -> Self {
        Fields { object: value.as_object(), origin: origin.to_string() }
    }

    pub(crate) fn path(&self, key: &str) -> String {
        join(&self.origin, key)
    }

    pub(crate) fn raw(&self, key: &str) -> Option<&'a Value> {
        self.object?.get(key).filter(|v| !v.is_null())
    }

    pub(crate) fn wrong(&self, key: &str, expected: &str, found: &Value) -> TranslateError {
        TranslateError(format!("{}: expected {expected}, found {}", self.path(key), kind(found)))
    }

    pub(crate) fn string(&self, key: &str) -> Result<Option<&'a str>> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.wrong(key, "a string", other)),
        }
    }

    pub(crate) fn int(&self, key: &str) -> Result<Option<i64>> {
        match self.raw(key) {
            None => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or_else(|| self.wrong(key, "an integer", v)),
        }
    }

    pub(crate) fn positive(&self, key: &str) -> Result<Option<i64>> {
        Ok(self.int(key)?.filter(|n| *n > 0))
    }

    pub(crate) fn bool(&self, key: &str) -> Result<bool> {
        match self.raw(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(self.wrong(key, "true or false", other)),
        }
    }

    pub(crate) fn strings(&self, key: &str) -> Result<Vec<&'a str>> {
        match self.raw(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| v.as_str().ok_or_else(|| self.wrong(&format!("{key}[{i}]"), "a string", v)))
                .collect(),
            Some(Value::String(s)) => Ok(vec![s.as_str()]),
            Some(other) => Err(self.wrong(key, "a list of strings", other)),
        }
    }

    pub(crate) fn array(&self, key: &str) -> Result<&'a [Value]> {
        match self.raw(key) {
            None => Ok(&[]),
            Some(Value::Array(items)) => Ok(items),
            Some(other) => Err(self.wrong(key, "a list", other)),
        }
    }

    pub(crate) fn object(&self, key: &str) -> Result<Option<&'a Map<String, Value>>> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(other) => Err(self.wrong(key, "an object", other)),
        }
    }
}
