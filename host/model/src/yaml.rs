//! YAML with positions: a document tree where every node keeps its file, line and column.
//!
//! (Placeholder API: being implemented.)

use std::path::PathBuf;
use std::sync::Arc;

use crate::diagnostic::Location;

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
}

/// A YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or empty.
    Null,
    /// A scalar as text.
    Scalar(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping in document order.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// Where this node starts.
    pub fn location(&self) -> Location {
        Location::new(self.file.as_ref().clone(), self.line, self.column)
    }

    /// The node at `path` (map keys, or sequence indexes as decimal strings), or the nearest existing parent.
    pub fn nearest(&self, path: &[String]) -> &Node {
        let mut node = self;
        for key in path {
            let next = match &node.value {
                Value::Map(entries) => {
                    entries.iter().find(|(k, _)| matches!(&k.value, Value::Scalar(s) if s == key)).map(|(_, v)| v)
                }
                Value::Seq(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node
    }
}
