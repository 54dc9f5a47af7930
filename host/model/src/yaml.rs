//! YAML with positions: a document tree where every node keeps its file, line and column.
//!
//! Built from `saphyr-parser`'s event stream (the parser gives a span for every event), this
//! module resolves anchors, aliases and merge keys (`<<:`, single and list) into a plain tree while
//! keeping each node's *own* location: an alias expands to a copy of the anchored node that still
//! points at the anchor's definition, and entries brought in by a merge key point where the merged
//! mapping wrote them. Duplicate keys are errors; alias expansion, nesting depth and input size are
//! bounded so a hostile file ("billion laughs") is rejected quickly with a clear error. Scalars
//! keep their text, their style (plain or quoted) and their tag (`!reset`, `!override`, `!!str`):
//! typing is left to the consumer, which follows YAML 1.2 (`yes`/`on` are strings) like compose-go.
//!
//! Locations: [`Node::nearest`] walks a key path and returns the node whose location a finding
//! should point at. For a step through a mapping entry that is the entry's *key* node (so
//! `["services","redis","mem_limit"]` points at the `mem_limit:` line and column, where users look);
//! for a step through a sequence it is the item. [`Node::get_path`] returns value nodes instead.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use crate::diagnostic::{Diagnostic, Location};

/// Largest YAML input accepted, in bytes.
pub const MAX_INPUT_BYTES: usize = 16 * 1024 * 1024;
/// Deepest nesting of collections accepted.
pub const MAX_DEPTH: usize = 128;
/// Most nodes that alias expansion (including merge keys) may create in one file.
pub const MAX_ALIAS_NODES: usize = 200_000;

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Style {
    /// Plain (unquoted) scalar, or a collection.
    #[default]
    Plain,
    /// Single- or double-quoted scalar.
    Quoted,
    /// Literal (`|`) or folded (`>`) block scalar.
    Block,
}

/// A YAML node with its location.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// File it came from.
    pub file: Arc<PathBuf>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// Scalar style (plain for collections).
    pub style: Style,
    /// Tag as written, e.g. `!reset`, `!override`, `!!str` (`None` when untagged).
    pub tag: Option<Arc<str>>,
    /// The scalar as written before interpolation, when it referenced a variable (`${PASSWORD}`).
    pub template: Option<Arc<str>>,
}

/// A YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or empty (plain scalars only).
    Null,
    /// A scalar as text.
    Scalar(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping in document order (keys are unique).
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// A node at a location with no tag and plain style.
    pub fn new(value: Value, file: Arc<PathBuf>, line: u32, column: u32) -> Self {
        Self { value, file, line, column, style: Style::Plain, tag: None, template: None }
    }

    /// A copy of this node's location (file, line, column) holding `value`, untagged.
    pub fn with_value(&self, value: Value) -> Node {
        Node {
            value,
            file: self.file.clone(),
            line: self.line,
            column: self.column,
            style: Style::Plain,
            tag: None,
            template: None,
        }
    }

    /// A plain-style string scalar at this node's location (quoted style so it is never retyped).
    pub fn string_at(&self, text: impl Into<String>) -> Node {
        let mut n = self.with_value(Value::Scalar(text.into()));
        n.style = Style::Quoted;
        n
    }

    /// Where this node starts.
    pub fn location(&self) -> Location {
        Location::new(self.file.as_ref().clone(), self.line, self.column)
    }

    /// The node whose location a finding about `path` should point at, or the nearest existing
    /// parent; for map entries this is the key node (see the module documentation).
    pub fn nearest(&self, path: &[String]) -> &Node {
        let mut node = self;
        let mut shown = self;
        for key in path {
            match &node.value {
                Value::Map(entries) => match entries.iter().find(|(k, _)| k.as_str() == Some(key.as_str())) {
                    Some((k, v)) => {
                        shown = k;
                        node = v;
                    }
                    None => break,
                },
                Value::Seq(items) => match key.parse::<usize>().ok().and_then(|i| items.get(i)) {
                    Some(item) => {
                        shown = item;
                        node = item;
                    }
                    None => break,
                },
                _ => break,
            }
        }
        shown
    }

    /// The value node at `path` (map keys, or sequence indexes as decimal strings), if it exists.
    pub fn get_path<S: AsRef<str>>(&self, path: &[S]) -> Option<&Node> {
        let mut node = self;
        for key in path {
            let key = key.as_ref();
            node = match &node.value {
                Value::Map(_) => node.get(key)?,
                Value::Seq(items) => items.get(key.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The value of `key` when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The scalar text, if this is a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The entries, if this is a mapping.
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The items, if this is a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// Whether the node carries the tag `tag` (e.g. `"!reset"`).
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tag.as_deref() == Some(tag)
    }

    /// Short name of the node's kind for messages (`a mapping`, `a sequence`, `a scalar`, `null`).
    pub fn kind_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Scalar(_) => "a scalar",
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a mapping",
        }
    }

    /// Number of nodes in this subtree (keys included).
    pub fn size(&self) -> usize {
        match &self.value {
            Value::Null | Value::Scalar(_) => 1,
            Value::Seq(items) => 1 + items.iter().map(Node::size).sum::<usize>(),
            Value::Map(entries) => 1 + entries.iter().map(|(k, v)| k.size() + v.size()).sum::<usize>(),
        }
    }

    /// JSON for this node, typing plain scalars with the YAML 1.2 core schema (quoted scalars stay strings).
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Scalar(s) => {
                if self.style == Style::Plain && self.tag.as_deref() != Some("!!str") {
                    plain_scalar_json(s)
                } else {
                    serde_json::Value::String(s.clone())
                }
            }
            Value::Seq(items) => serde_json::Value::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| {
                        (k.as_str().map(str::to_owned).unwrap_or_else(|| k.to_json().to_string()), v.to_json())
                    })
                    .collect(),
            ),
        }
    }
}

/// Type a plain scalar per the YAML 1.2 core schema: bools, ints, floats; everything else a string.
pub fn plain_scalar_json(s: &str) -> serde_json::Value {
    match s {
        "true" | "True" | "TRUE" => return serde_json::Value::Bool(true),
        "false" | "False" | "FALSE" => return serde_json::Value::Bool(false),
        _ => {}
    }
    if let Ok(i) = s.parse::<i64>() {
        return serde_json::Value::from(i);
    }
    if s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && let Ok(f) = s.parse::<f64>()
        && let Some(n) = serde_json::Number::from_f64(f)
    {
        return serde_json::Value::Number(n);
    }
    serde_json::Value::String(s.to_owned())
}

/// Parse YAML text into its documents (a file usually holds one); errors are located in `file`.
pub fn parse(text: &str, file: impl Into<PathBuf>) -> Result<Vec<Node>, Diagnostic> {
    let file = Arc::new(file.into());
    if text.len() > MAX_INPUT_BYTES {
        return Err(Diagnostic::error(
            Some(Location::start_of(file.as_ref().clone())),
            format!("yaml file is too large ({} bytes, the limit is {} bytes)", text.len(), MAX_INPUT_BYTES),
        ));
    }
    // go-yaml accepts flow collections whose lines sit left of where saphyr wants them (a closing
    // bracket at the parent key's indentation): such lines are padded, and columns shifted back.
    let padded = pad_flow_lines(text);
    let (text, pads) = match &padded {
        Some((t, pads)) => (t.as_str(), pads.clone()),
        None => (text, Vec::new()),
    };
    // The parser is third-party code: a panic in it must become an error, never a crash.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut builder = Builder::new(file.clone());
        builder.pads = pads;
        builder.run(text)
    }));
    match result {
        Ok(r) => r,
        Err(_) => {
            Err(Diagnostic::error(Some(Location::start_of(file.as_ref().clone())), "yaml parser failed on this file"))
        }
    }
}

enum Frame {
    Seq {
        node: Node,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        node: Node,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        keys: HashSet<String>,
        key: Option<Node>,
        merges: Vec<Node>,
    },
}

struct Builder {
    file: Arc<PathBuf>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    alias_nodes: usize,
    docs: Vec<Node>,
    /// Spaces [`pad_flow_lines`] added at the start of each 1-based line (index 0 unused).
    pads: Vec<u32>,
}

fn is_null_text(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

fn tag_text(tag: &saphyr_parser::Tag) -> Arc<str> {
    if tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!" {
        Arc::from(format!("!!{}", tag.suffix))
    } else {
        Arc::from(format!("{}{}", tag.handle, tag.suffix))
    }
}

impl Builder {
    fn new(file: Arc<PathBuf>) -> Self {
        Self { file, stack: Vec::new(), anchors: HashMap::new(), alias_nodes: 0, docs: Vec::new(), pads: Vec::new() }
    }

    /// 1-based line and column in the original text of a 0-based parser column on a 1-based line.
    fn position(&self, line: usize, col: usize) -> (u32, u32) {
        let pad = self.pads.get(line).copied().unwrap_or(0);
        (to_u32(line), to_u32(col.saturating_add(1)).saturating_sub(pad).max(1))
    }

    fn loc(&self, span: &Span) -> (u32, u32) {
        self.position(span.start.line(), span.start.col())
    }

    fn err(&self, line: u32, column: u32, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(Some(Location::new(self.file.as_ref().clone(), line, column)), message)
    }

    fn run(mut self, text: &str) -> Result<Vec<Node>, Diagnostic> {
        let mut parser = Parser::new_from_str(text);
        while let Some(event) = parser.next_event() {
            let (event, span) = match event {
                Ok(e) => e,
                Err(e) => {
                    let m = e.marker();
                    let (line, column) = self.position(m.line(), m.col());
                    return Err(self.err(line, column, format!("invalid yaml: {}", e.info())));
                }
            };
            let (line, column) = self.loc(&span);
            match event {
                Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart(_) => {}
                Event::DocumentEnd => self.anchors.clear(),
                Event::Alias(id) => {
                    let Some(node) = self.anchors.get(&id) else {
                        return Err(self.err(line, column, "yaml alias refers to an unknown anchor"));
                    };
                    let size = node.size();
                    self.alias_nodes = self.alias_nodes.saturating_add(size);
                    if self.alias_nodes > MAX_ALIAS_NODES {
                        return Err(self.err(
                            line,
                            column,
                            format!("yaml aliases expand to more than {MAX_ALIAS_NODES} nodes (an alias bomb?)"),
                        ));
                    }
                    let node = node.clone();
                    self.complete(node, 0)?;
                }
                Event::Scalar(text, style, anchor, tag) => {
                    let tag = tag.map(|t| tag_text(&t));
                    let style = match style {
                        ScalarStyle::Plain => Style::Plain,
                        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Style::Quoted,
                        _ => Style::Block,
                    };
                    let explicit_str = tag.as_deref().is_some_and(|t| t == "!!str");
                    let value = if style == Style::Plain && !explicit_str && is_null_text(&text) {
                        Value::Null
                    } else {
                        Value::Scalar(text.into_owned())
                    };
                    let node = Node { value, file: self.file.clone(), line, column, style, tag, template: None };
                    self.complete(node, anchor)?;
                }
                Event::SequenceStart(anchor, tag) => {
                    self.check_depth(line, column)?;
                    let mut node = Node::new(Value::Null, self.file.clone(), line, column);
                    node.tag = tag.map(|t| tag_text(&t));
                    self.stack.push(Frame::Seq { node, anchor, items: Vec::new() });
                }
                Event::MappingStart(anchor, tag) => {
                    self.check_depth(line, column)?;
                    let mut node = Node::new(Value::Null, self.file.clone(), line, column);
                    node.tag = tag.map(|t| tag_text(&t));
                    self.stack.push(Frame::Map {
                        node,
                        anchor,
                        entries: Vec::new(),
                        keys: HashSet::new(),
                        key: None,
                        merges: Vec::new(),
                    });
                }
                Event::SequenceEnd => match self.stack.pop() {
                    Some(Frame::Seq { mut node, anchor, items }) => {
                        node.value = Value::Seq(items);
                        self.complete(node, anchor)?;
                    }
                    _ => return Err(self.err(line, column, "invalid yaml: unbalanced sequence")),
                },
                Event::MappingEnd => match self.stack.pop() {
                    Some(Frame::Map { mut node, anchor, mut entries, mut keys, merges, .. }) => {
                        // Merge keys: explicit keys win, then earlier merged mappings over later ones.
                        for source in merges {
                            let Value::Map(src) = source.value else { continue };
                            for (k, v) in src {
                                let Some(name) = k.as_str().map(str::to_owned) else { continue };
                                if keys.insert(name) {
                                    entries.push((k, v));
                                }
                            }
                        }
                        node.value = Value::Map(entries);
                        self.complete(node, anchor)?;
                    }
                    _ => return Err(self.err(line, column, "invalid yaml: unbalanced mapping")),
                },
            }
        }
        Ok(self.docs)
    }

    fn check_depth(&self, line: u32, column: u32) -> Result<(), Diagnostic> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.err(line, column, format!("yaml nesting is deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    /// A node is finished: remember its anchor and attach it to its parent.
    fn complete(&mut self, node: Node, anchor: usize) -> Result<(), Diagnostic> {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        let file = self.file.clone();
        let err =
            |n: &Node, m: String| Diagnostic::error(Some(Location::new(file.as_ref().clone(), n.line, n.column)), m);
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, keys, key, merges, .. }) => match key.take() {
                None => {
                    if !matches!(node.value, Value::Scalar(_) | Value::Null) {
                        return Err(err(&node, "mapping keys must be scalars".to_owned()));
                    }
                    *key = Some(node);
                }
                Some(k) => {
                    let name = match &k.value {
                        Value::Scalar(s) => s.clone(),
                        _ => "null".to_owned(),
                    };
                    if name == "<<" && k.style == Style::Plain {
                        match node.value {
                            Value::Map(_) => merges.push(node),
                            Value::Seq(items) => {
                                for item in items {
                                    if !matches!(item.value, Value::Map(_)) {
                                        return Err(err(
                                            &item,
                                            "a merge key (`<<`) takes a mapping or a list of mappings".to_owned(),
                                        ));
                                    }
                                    merges.push(item);
                                }
                            }
                            _ => {
                                return Err(err(
                                    &node,
                                    "a merge key (`<<`) takes a mapping or a list of mappings".to_owned(),
                                ));
                            }
                        }
                        return Ok(());
                    }
                    if !keys.insert(name.clone()) {
                        return Err(err(&k, format!("duplicate key `{name}` in mapping")));
                    }
                    let k = if k.is_null() { k.string_at("null") } else { k };
                    entries.push((k, node));
                }
            },
        }
        Ok(())
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Pad the lines inside flow collections (`[…]`, `{…}` spanning lines) that start left of the
/// column after their opening line's indentation, which go-yaml accepts and saphyr rejects
/// ("invalid indentation"). Leading blanks of a continuation line inside a flow collection are not
/// content (line folding drops them), so values are unchanged. Returns the padded text and the
/// spaces added per 1-based line, or `None` when no line needs padding.
fn pad_flow_lines(text: &str) -> Option<(String, Vec<u32>)> {
    if !text.contains(['[', '{']) {
        return None;
    }
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut pads = vec![0u32; lines.len() + 1];
    let mut depth = 0usize;
    let mut need = 0usize;
    let mut quote: Option<char> = None;
    // A block scalar (`|`, `>`) skips the lines indented deeper than its key's line.
    let mut block_scalar: Option<usize> = None;
    for (i, line) in lines.iter().enumerate() {
        let body = line.trim_end_matches(['\n', '\r']);
        let indent = body.len() - body.trim_start_matches(' ').len();
        if let Some(base) = block_scalar {
            if body.trim().is_empty() || indent > base {
                continue;
            }
            block_scalar = None;
        }
        if depth > 0 && indent < need && !body.trim().is_empty() {
            pads[i + 1] = to_u32(need - indent);
        }
        // Every character this scan looks at is ASCII, and no byte of a multi-byte UTF-8 character
        // is: walking bytes finds the same structure as walking characters, without collecting them.
        let bytes = body.as_bytes();
        let mut j = 0;
        // In block context, where a node may start: after indentation, `- `, `? `, `key: `.
        let mut node_start = depth == 0 && quote.is_none();
        // The column block content starts at on this line (after `- ` and `? ` indicators).
        let mut content = indent;
        while j < bytes.len() {
            let (at, c) = (j, bytes[j] as char);
            if let Some(q) = quote {
                if q == '\'' && c == '\'' {
                    if bytes.get(j + 1) == Some(&b'\'') {
                        j += 2;
                        continue;
                    }
                    quote = None;
                } else if q == '"' && c == '\\' {
                    j += 2;
                    continue;
                } else if q == '"' && c == '"' {
                    quote = None;
                }
                j += 1;
                continue;
            }
            let prev_blank = j == 0 || bytes[j - 1] == b' ' || bytes[j - 1] == b'\t';
            if c == '#' && prev_blank {
                break;
            }
            if depth > 0 {
                match c {
                    '"' | '\'' if prev_blank || matches!(bytes[j - 1], b'[' | b'{' | b',' | b':') => quote = Some(c),
                    '[' | '{' => depth += 1,
                    ']' | '}' => {
                        depth -= 1;
                        if depth == 0 {
                            node_start = false;
                        }
                    }
                    _ => {}
                }
                j += 1;
                continue;
            }
            if c == ' ' || c == '\t' {
                j += 1;
                continue;
            }
            if node_start {
                match c {
                    '[' | '{' => {
                        depth = 1;
                        need = content + 1;
                        j += 1;
                        continue;
                    }
                    '"' | '\'' => {
                        quote = Some(c);
                        node_start = false;
                        j += 1;
                        continue;
                    }
                    '|' | '>' => {
                        block_scalar = Some(indent);
                        break;
                    }
                    '-' | '?' if bytes.get(j + 1).is_none_or(|n| *n == b' ') => {
                        j += 1;
                        while j < bytes.len() && bytes[j] == b' ' {
                            j += 1;
                        }
                        content = if j < bytes.len() { body[..j].chars().count() } else { at + 2 };
                        continue;
                    }
                    '&' | '!' => {
                        // An anchor or a tag before the node.
                        while j < bytes.len() && bytes[j] != b' ' {
                            j += 1;
                        }
                        continue;
                    }
                    _ => node_start = false,
                }
            }
            // `key: value`: a node starts after `: ` (or a `:` ending the line).
            if c == ':' && bytes.get(j + 1).is_none_or(|n| *n == b' ' || *n == b'\t') {
                node_start = true;
            }
            j += 1;
        }
    }
    if pads.iter().all(|p| *p == 0) {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 64);
    for (i, line) in lines.iter().enumerate() {
        out.extend(std::iter::repeat_n(' ', pads[i + 1] as usize));
        out.push_str(line);
    }
    Some((out, pads))
}
