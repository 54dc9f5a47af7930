//! The located YAML tree: anchors, aliases and merge keys keep their definitions' locations,
//! duplicate keys are located errors, scalars keep their text and style, and hostile input (alias
//! bombs, deep nesting) is rejected quickly with a clear error.

use std::time::{Duration, Instant};

use plimsoll_model::yaml::{self, Style, Value};

fn parse_one(text: &str) -> yaml::Node {
    let mut docs = yaml::parse(text, "t.yaml").expect("valid yaml");
    assert_eq!(docs.len(), 1);
    docs.remove(0)
}

#[test]
fn nodes_know_their_line_and_column() {
    let doc = parse_one("services:\n  redis:\n    image: redis\n    mem_limit: 12g\n");
    let v = doc.get_path(&["services", "redis", "mem_limit"]).expect("value");
    assert_eq!((v.line, v.column), (4, 16));
    // `nearest` points at the key of a map entry, where users look.
    let k = doc.nearest(&["services".into(), "redis".into(), "mem_limit".into()]);
    assert_eq!((k.line, k.column), (4, 5));
    // A missing path stops at the nearest existing parent's key.
    let k = doc.nearest(&["services".into(), "redis".into(), "deploy".into(), "resources".into()]);
    assert_eq!((k.line, k.column), (2, 3));
}

#[test]
fn aliases_point_at_the_anchor_and_merge_keys_follow_yaml_rules() {
    let text = "x-mem: &mem 512m\nx-base: &base\n  restart: always\n  cpus: 1\nx-more: &more\n  cpus: 2\n  user: app\nservices:\n  a:\n    mem_limit: *mem\n    <<: [*base, *more]\n    user: root\n";
    let doc = parse_one(text);
    let mem = doc.get_path(&["services", "a", "mem_limit"]).expect("alias");
    assert_eq!(mem.as_str(), Some("512m"));
    assert_eq!((mem.line, mem.column), (1, 8), "an aliased value points at the anchor (`&mem 512m`)");
    // Earlier mappings of a merge list win; explicit keys win over merged ones.
    assert_eq!(doc.get_path(&["services", "a", "cpus"]).and_then(|n| n.as_str()), Some("1"));
    assert_eq!(doc.get_path(&["services", "a", "user"]).and_then(|n| n.as_str()), Some("root"));
    let restart = doc.nearest(&["services".into(), "a".into(), "restart".into()]);
    assert_eq!((restart.line, restart.column), (3, 3), "a merged entry points where the anchor wrote it");
    assert!(doc.get_path(&["services", "a", "<<"]).is_none());
}

#[test]
fn duplicate_keys_are_located_errors() {
    let err = yaml::parse("services:\n  a:\n    image: x\n    image: y\n", "dup.yaml").expect_err("duplicate");
    assert_eq!(err.to_string(), "dup.yaml:4:5: duplicate key `image` in mapping");
}

#[test]
fn alias_bomb_is_rejected_fast() {
    let mut text = String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    let names = ["b", "c", "d", "e", "f", "g", "h", "i"];
    let mut prev = "a";
    for n in names {
        text.push_str(&format!(
            "{n}: &{n} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
        prev = n;
    }
    let start = Instant::now();
    let err = yaml::parse(&text, "bomb.yaml").expect_err("rejected");
    assert!(start.elapsed() < Duration::from_millis(500), "took {:?}", start.elapsed());
    assert!(err.message.contains("alias bomb"), "{}", err.message);
    assert!(err.location.is_some());
}

#[test]
fn nesting_and_size_limits() {
    let deep: String = (0..200).map(|i| format!("{}k{i}:\n", " ".repeat(i))).collect();
    let err = yaml::parse(&deep, "deep.yaml").expect_err("too deep");
    assert!(err.message.contains("nesting is deeper than 128"), "{}", err.message);
    let flow = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
    assert!(yaml::parse(&flow, "flow.yaml").is_err());
    let big = "#".repeat(yaml::MAX_INPUT_BYTES + 1);
    let err = yaml::parse(&big, "big.yaml").expect_err("too big");
    assert!(err.message.contains("too large"), "{}", err.message);
}

#[test]
fn scalars_keep_text_style_and_tags() {
    let doc = parse_one("a: \"8080:80\"\nb: 8080\nc: yes\nd: ~\ne: !reset []\nf: !!str 1\ng: 'null'\n");
    let a = doc.get("a").expect("a");
    assert_eq!((a.as_str(), a.style), (Some("8080:80"), Style::Quoted));
    assert_eq!(doc.get("b").map(|n| n.to_json()), Some(serde_json::json!(8080)));
    // YAML 1.2: `yes` is a string.
    assert_eq!(doc.get("c").map(|n| n.to_json()), Some(serde_json::json!("yes")));
    assert!(doc.get("d").is_some_and(|n| n.value == Value::Null));
    assert!(doc.get("e").is_some_and(|n| n.has_tag("!reset")));
    assert_eq!(doc.get("f").map(|n| n.to_json()), Some(serde_json::json!("1")));
    assert_eq!(doc.get("g").map(|n| n.to_json()), Some(serde_json::json!("null")));
}

#[test]
fn syntax_errors_are_located() {
    let err = yaml::parse("services:\n  a: [1, 2\n", "bad.yaml").expect_err("invalid");
    assert!(err.message.starts_with("invalid yaml"), "{}", err.message);
    assert!(err.location.as_ref().is_some_and(|l| l.line >= 2), "{err}");
    assert!(yaml::parse("a: *nope\n", "x.yaml").is_err());
}

#[test]
fn flow_collections_may_close_at_the_parent_key_indentation() {
    // go-yaml and PyYAML accept a closing bracket at the indentation of the key that holds the
    // flow collection (docker-compose v2.40.3 loads this file).
    let text = "services:\n  a:\n    image: alpine\n    command: [\n      \"a\",\n      \"b\"\n    ]\n    environment: {\n      A: 1\n    }\n    labels: [\n  \"x=1\"\n  ]\n";
    let doc = parse_one(text);
    let command = doc.get_path(&["services", "a", "command"]).expect("command");
    let items: Vec<&str> = command.as_seq().expect("a list").iter().filter_map(yaml::Node::as_str).collect();
    assert_eq!(items, ["a", "b"]);
    let b = &command.as_seq().expect("list")[1];
    assert_eq!((b.line, b.column), (6, 7));
    let a = doc.get_path(&["services", "a", "environment", "A"]).expect("A");
    assert_eq!((a.line, a.column), (9, 10));
    assert_eq!(doc.get_path(&["services", "a", "image"]).and_then(yaml::Node::as_str), Some("alpine"));
}

#[test]
fn flow_padding_keeps_values_and_ignores_brackets_in_scalars_and_comments() {
    let text = "x: |\n  echo [ not flow\ny: \"a [ b\" # [ c\nlist:\n  - key: [\n    1, \"two\n    lines\",\n  ]\n  - {\na: 1}\nz: [ok]\n";
    let doc = parse_one(text);
    assert_eq!(doc.get("x").and_then(yaml::Node::as_str), Some("echo [ not flow\n"));
    assert_eq!(doc.get("y").and_then(yaml::Node::as_str), Some("a [ b"));
    let list = doc.get("list").and_then(yaml::Node::as_seq).expect("list");
    let key = list[0].get("key").and_then(yaml::Node::as_seq).expect("flow list");
    assert_eq!(key[1].as_str(), Some("two lines"));
    assert_eq!((key[0].line, key[0].column), (6, 5));
    let a = list[1].get("a").expect("a");
    assert_eq!((a.line, a.column), (10, 4));
    assert_eq!(doc.get("z").and_then(yaml::Node::as_seq).map(<[_]>::len), Some(1));
    // Multi-byte characters before and inside the collection: the scan walks bytes, columns count characters.
    let text = "é: x\nlabels:\n  - ü: [\n  \"ö=[1]\", 'à''s',\n  ]\n";
    let doc = parse_one(text);
    let labels = doc.get("labels").and_then(yaml::Node::as_seq).expect("labels");
    let items = labels[0].get("ü").and_then(yaml::Node::as_seq).expect("flow list");
    assert_eq!(items.iter().filter_map(yaml::Node::as_str).collect::<Vec<_>>(), ["ö=[1]", "à's"]);
    assert_eq!((items[0].line, items[0].column), (4, 3));
    assert_eq!((items[1].line, items[1].column), (4, 12));
}
