//! A Compose document built in memory, written as YAML with one origin per line.
//!
//! Values are written as JSON scalars (valid YAML), `$` doubled so Compose interpolation leaves
//! them as given; list items that are mappings are written in flow style on one line. Nothing here
//! knows Docker or Kubernetes: the translators build the [`Tree`].

use serde_json::Value;

/// A node of the document: a scalar, a mapping (keys in order) or a list.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A string, number, boolean or null.
    Scalar(Value),
    /// A mapping, in the order it is written.
    Map(Vec<(String, Tree)>),
    /// A list.
    List(Vec<Tree>),
}

/// A node and the request field it came from (`None`: its parent's).
#[derive(Debug, Clone, PartialEq)]
pub struct Tree {
    /// The node.
    pub node: Node,
    /// The JSON path of the request field, e.g. `HostConfig.Memory`.
    pub origin: Option<String>,
}

impl Tree {
    /// A scalar.
    pub fn scalar(value: impl Into<Value>) -> Self {
        Tree { node: Node::Scalar(value.into()), origin: None }
    }

    /// An empty mapping.
    pub fn map() -> Self {
        Tree { node: Node::Map(Vec::new()), origin: None }
    }

    /// A list of trees.
    pub fn list(items: Vec<Tree>) -> Self {
        Tree { node: Node::List(items), origin: None }
    }

    /// A list of strings.
    pub fn strings<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Self {
        Tree::list(items.into_iter().map(|s| Tree::scalar(s.into())).collect())
    }

    /// This tree, remembered as coming from `origin`.
    pub fn from(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// Set `key` of a mapping (replacing an earlier value); does nothing on other nodes.
    pub fn set(&mut self, key: &str, value: Tree) {
        if let Node::Map(entries) = &mut self.node {
            match entries.iter_mut().find(|(k, _)| k == key) {
                Some((_, old)) => *old = value,
                None => entries.push((key.to_string(), value)),
            }
        }
    }

    /// `key` of a mapping, created as an empty mapping when absent.
    pub fn entry(&mut self, key: &str) -> &mut Tree {
        let Node::Map(entries) = &mut self.node else { panic!("Tree::entry on a node that is not a mapping") };
        let index = match entries.iter().position(|(k, _)| k == key) {
            Some(i) => i,
            None => {
                entries.push((key.to_string(), Tree::map()));
                entries.len() - 1
            }
        };
        &mut entries[index].1
    }

    /// `key` of a mapping, when present.
    pub fn get(&self, key: &str) -> Option<&Tree> {
        match &self.node {
            Node::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, t)| t),
            _ => None,
        }
    }

    /// Whether this is a mapping or list with nothing in it.
    pub fn is_empty(&self) -> bool {
        match &self.node {
            Node::Map(m) => m.is_empty(),
            Node::List(l) => l.is_empty(),
            Node::Scalar(_) => false,
        }
    }

    /// The document as JSON (strings exactly as given, without the `$` doubling).
    pub fn to_json(&self) -> Value {
        match &self.node {
            Node::Scalar(v) => v.clone(),
            Node::Map(entries) => Value::Object(entries.iter().map(|(k, t)| (k.clone(), t.to_json())).collect()),
            Node::List(items) => Value::Array(items.iter().map(Tree::to_json).collect()),
        }
    }
}

/// A generated Compose document and where each of its lines came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Translated {
    /// The Compose file's text.
    pub text: String,
    /// Origin of each line (index 0 is line 1): the JSON path of the request field.
    pub lines: Vec<String>,
    /// The services the request is about (those whose findings are its answer), in order, with
    /// the JSON path of the object each came from.
    pub services: Vec<(String, String)>,
    /// What could not be translated, for the log (never values).
    pub notes: Vec<String>,
}

impl Translated {
    /// Write `root` (a mapping) as the document, with `root_origin` for lines without one.
    pub fn write(root: &Tree, root_origin: &str) -> Self {
        let mut out = Translated::default();
        if let Node::Map(entries) = &root.node {
            out.map(entries, 0, root.origin.as_deref().unwrap_or(root_origin));
        }
        out
    }

    /// The request field a 1-based `line` of the document came from (`""` when unknown).
    pub fn origin_of(&self, line: u32) -> &str {
        (line as usize).checked_sub(1).and_then(|i| self.lines.get(i)).map_or("", String::as_str)
    }

    /// `message` prefixed with the request field its `line` came from (`HostConfig.Memory: …`), or
    /// as it is when the line has no origin.
    pub fn explain(&self, line: Option<u32>, message: &str) -> String {
        match self.origin_of(line.unwrap_or(0)) {
            "" => message.to_string(),
            at => format!("{at}: {message}"),
        }
    }

    /// The request path of the service named `name`, when it is one of [`Translated::services`].
    pub fn service_origin(&self, name: &str) -> Option<&str> {
        self.services.iter().find(|(n, _)| n == name).map(|(_, o)| o.as_str())
    }

    /// End the line being written (already in `text`) with its origin.
    fn end_line(&mut self, origin: &str) {
        self.text.push('\n');
        self.lines.push(origin.to_string());
    }

    fn map(&mut self, entries: &[(String, Tree)], indent: usize, parent: &str) {
        for (key, tree) in entries {
            let origin = tree.origin.as_deref().unwrap_or(parent);
            push_pad(&mut self.text, indent);
            push_quoted(&mut self.text, key);
            match &tree.node {
                Node::Scalar(v) => {
                    self.text.push_str(": ");
                    push_scalar(&mut self.text, v);
                    self.end_line(origin);
                }
                Node::Map(m) if m.is_empty() => {
                    self.text.push_str(": {}");
                    self.end_line(origin);
                }
                Node::List(l) if l.is_empty() => {
                    self.text.push_str(": []");
                    self.end_line(origin);
                }
                Node::Map(m) => {
                    self.text.push(':');
                    self.end_line(origin);
                    self.map(m, indent + 2, origin);
                }
                Node::List(items) => {
                    self.text.push(':');
                    self.end_line(origin);
                    for item in items {
                        let item_origin = item.origin.as_deref().unwrap_or(origin);
                        push_pad(&mut self.text, indent + 2);
                        self.text.push_str("- ");
                        push_flow(&mut self.text, item);
                        self.end_line(item_origin);
                    }
                }
            }
        }
    }
}

/// `indent` spaces.
fn push_pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// A key or a string as a JSON string (a valid YAML double-quoted scalar), escaped as
/// `serde_json` escapes it.
fn push_quoted(out: &mut String, text: &str) {
    out.push('"');
    let mut plain = 0;
    for (i, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&text[plain..i]);
        plain = i + 1;
        if escape.is_empty() {
            out.push_str(&format!("\\u{byte:04x}"));
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(&text[plain..]);
    out.push('"');
}

/// A scalar as YAML: strings quoted with `$` doubled (no interpolation), the rest as JSON.
fn push_scalar(out: &mut String, value: &Value) {
    match value {
        Value::String(s) if s.contains('$') => push_quoted(out, &s.replace('$', "$$")),
        Value::String(s) => push_quoted(out, s),
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        other => out.push_str(&other.to_string()),
    }
}

/// A node in flow style on one line.
fn push_flow(out: &mut String, tree: &Tree) {
    match &tree.node {
        Node::Scalar(v) => push_scalar(out, v),
        Node::Map(entries) => {
            out.push('{');
            for (i, (k, t)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_quoted(out, k);
                out.push_str(": ");
                push_flow(out, t);
            }
            out.push('}');
        }
        Node::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_flow(out, item);
            }
            out.push(']');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_remember_their_origin_and_dollars_are_doubled() {
        let mut root = Tree::map();
        let service = root.entry("services").entry("web");
        service.set("image", Tree::scalar("nginx:1").from("Image"));
        service.set("environment", {
            let mut env = Tree::map().from("Env");
            env.set("A", Tree::scalar("x$y").from("Env[0]"));
            env.set("B", Tree::scalar(Value::Null).from("Env[1]"));
            env
        });
        service.set("volumes", Tree::list(vec![Tree::scalar("/a:/b").from("HostConfig.Binds[0]")]));
        service.set("cap_add", Tree::strings(Vec::<String>::new()));
        let doc = Translated::write(&root, "");
        assert_eq!(
            doc.text,
            "\"services\":\n  \"web\":\n    \"image\": \"nginx:1\"\n    \"environment\":\n      \"A\": \"x$$y\"\n      \"B\": null\n    \"volumes\":\n      - \"/a:/b\"\n    \"cap_add\": []\n"
        );
        assert_eq!(doc.origin_of(3), "Image");
        assert_eq!(doc.origin_of(4), "Env");
        assert_eq!(doc.origin_of(6), "Env[1]");
        assert_eq!(doc.origin_of(8), "HostConfig.Binds[0]");
        assert_eq!(doc.origin_of(1), "");
        assert_eq!(doc.origin_of(0), "");
        assert_eq!(doc.origin_of(99), "");
    }

    #[test]
    fn strings_are_escaped_exactly_as_json_escapes_them() {
        for text in
            ["plain", "a\"b", "back\\slash", "tab\tnew\nline\r", "\u{0}\u{1}\u{8}\u{c}\u{1f}\u{7f}", "ünï €", ""]
        {
            let mut out = String::new();
            push_quoted(&mut out, text);
            assert_eq!(out, serde_json::to_string(text).unwrap(), "{text:?}");
        }
        for value in [Value::Null, Value::Bool(true), Value::Bool(false), 42.into(), (-1.5).into(), "a$b".into()] {
            let mut out = String::new();
            push_scalar(&mut out, &value);
            let expected = match &value {
                Value::String(s) => serde_json::to_string(&s.replace('$', "$$")).unwrap(),
                other => other.to_string(),
            };
            assert_eq!(out, expected);
        }
    }

    #[test]
    fn list_items_that_are_mappings_are_one_flow_line() {
        let mut root = Tree::map();
        let mut item = Tree::map();
        item.set("type", Tree::scalar("bind"));
        item.set("read_only", Tree::scalar(true));
        item.set("caps", Tree::strings(["gpu"]));
        root.set("volumes", Tree::list(vec![item.from("Mounts[0]")]));
        let doc = Translated::write(&root, "");
        assert_eq!(doc.text, "\"volumes\":\n  - {\"type\": \"bind\", \"read_only\": true, \"caps\": [\"gpu\"]}\n");
        assert_eq!(doc.origin_of(2), "Mounts[0]");
    }
}
