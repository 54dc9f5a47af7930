//! A lenient POSIX shell splitter: turns a `RUN` script into its simple commands and their words.
//!
//! It is not a shell parser and never fails: it recognizes quotes (`'…'`, `"…"`), backslash
//! escapes and line continuations, `$(…)`, `${…}` and backquotes (kept verbatim inside a word),
//! comments, the control operators `&&`, `||`, `;`, `|`, `&`, newlines, subshells `( … )`, groups
//! `{ …; }`, redirections (dropped with their targets, here-documents with their bodies), and the
//! reserved words of `if`/`while`/`for`/`case` (dropped, so that the command after `then` starts a
//! command). Words keep variables unexpanded. That is what rules need to ask "does a command run
//! `apt-get install` without `--no-install-recommends`?".

use crate::model::SimpleCommand;

/// Split a shell script into simple commands with their words (after quote removal).
pub fn split_commands(script: &str) -> Vec<SimpleCommand> {
    let mut s = Splitter { chars: script.chars().collect(), pos: 0, out: Vec::new(), words: Vec::new() };
    s.run();
    s.out
}

struct Splitter {
    chars: Vec<char>,
    pos: usize,
    out: Vec<SimpleCommand>,
    words: Vec<String>,
}

/// Words that open or continue a compound command and are dropped at the start of a command.
const LEADING_RESERVED: &[&str] = &["if", "then", "else", "elif", "do", "while", "until", "!", "{", "time"];
/// Words that close a compound command and are dropped as a whole command.
const CLOSING_RESERVED: &[&str] = &["fi", "done", "esac", "}"];

impl Splitter {
    fn peek(&self, off: usize) -> Option<char> {
        self.chars.get(self.pos + off).copied()
    }

    fn run(&mut self) {
        let mut case_depth = 0usize;
        let mut paren_depth = 0usize;
        let mut pending_heredocs: Vec<(String, bool)> = Vec::new();
        let mut skip_next_word = false;
        while self.pos < self.chars.len() {
            let c = self.chars[self.pos];
            match c {
                ' ' | '\t' | '\r' => self.pos += 1,
                '\n' => {
                    self.pos += 1;
                    self.end_command(&mut case_depth);
                    if !pending_heredocs.is_empty() {
                        self.skip_heredoc_bodies(&pending_heredocs);
                        pending_heredocs.clear();
                    }
                }
                '#' => {
                    while self.pos < self.chars.len() && self.chars[self.pos] != '\n' {
                        self.pos += 1;
                    }
                }
                '\\' if self.peek(1) == Some('\n') => self.pos += 2,
                ';' | '&' | '|' => {
                    if c == '&' && self.peek(1) == Some('>') {
                        // `&>` / `&>>`: redirect stdout and stderr.
                        self.pos += if self.peek(2) == Some('>') { 3 } else { 2 };
                        skip_next_word = true;
                        continue;
                    }
                    self.pos += 1;
                    if c == ';' && self.peek(0) == Some(';') {
                        self.pos += 1;
                    }
                    let doubled = (c == '&' || c == '|') && self.peek(0) == Some(c);
                    if doubled || (c == '|' && self.peek(0) == Some('&')) {
                        self.pos += 1;
                    }
                    self.end_command(&mut case_depth);
                }
                '(' => {
                    self.pos += 1;
                    paren_depth += 1;
                    self.end_command(&mut case_depth);
                }
                ')' => {
                    self.pos += 1;
                    if paren_depth > 0 {
                        paren_depth -= 1;
                        self.end_command(&mut case_depth);
                    } else if case_depth > 0 {
                        // A `case` pattern (`a|b)`): not a command.
                        self.words.clear();
                    } else {
                        self.end_command(&mut case_depth);
                    }
                }
                '<' | '>' => {
                    let op = self.read_redirect();
                    if op.starts_with("<<") && !op.starts_with("<<<") {
                        let strip = op.starts_with("<<-");
                        if let Some(word) = self.read_word() {
                            pending_heredocs.push((word, strip));
                        }
                    } else {
                        skip_next_word = true;
                    }
                }
                _ => {
                    let start = self.pos;
                    let Some(word) = self.read_word() else {
                        self.pos = start + 1;
                        continue;
                    };
                    // `2>&1`, `2>/dev/null`: a file descriptor number right before a redirect.
                    if matches!(self.peek(0), Some('<' | '>')) && word.chars().all(|ch| ch.is_ascii_digit()) {
                        continue;
                    }
                    if skip_next_word {
                        skip_next_word = false;
                        continue;
                    }
                    if self.words.is_empty() && LEADING_RESERVED.contains(&word.as_str()) {
                        continue;
                    }
                    if self.words.is_empty() && word == "case" {
                        case_depth += 1;
                    }
                    self.words.push(word);
                }
            }
        }
        self.end_command(&mut case_depth);
    }

    /// Finish the current command; commands made only of reserved words are dropped.
    fn end_command(&mut self, case_depth: &mut usize) {
        if self.words.is_empty() {
            return;
        }
        let words = std::mem::take(&mut self.words);
        let first = words[0].as_str();
        if words.len() == 1 && CLOSING_RESERVED.contains(&first) {
            if first == "esac" {
                *case_depth = case_depth.saturating_sub(1);
            }
            return;
        }
        if first == "for" || first == "select" || first == "case" {
            return;
        }
        self.out.push(SimpleCommand { words });
    }

    /// Read a redirection operator (`>`, `>>`, `<`, `<<`, `<<-`, `<<<`, `>&`, `<&`, `>|`, `<>`).
    fn read_redirect(&mut self) -> String {
        let mut op = String::new();
        let first = self.chars[self.pos];
        op.push(first);
        self.pos += 1;
        match (first, self.peek(0)) {
            ('<', Some('<')) => {
                op.push('<');
                self.pos += 1;
                match self.peek(0) {
                    Some('-') | Some('<') => {
                        op.push(self.chars[self.pos]);
                        self.pos += 1;
                    }
                    _ => {}
                }
            }
            ('>', Some('>')) | (_, Some('&')) | ('>', Some('|')) | ('<', Some('>')) => {
                op.push(self.chars[self.pos]);
                self.pos += 1;
            }
            _ => {}
        }
        while matches!(self.peek(0), Some(' ' | '\t')) {
            self.pos += 1;
        }
        op
    }

    /// Skip here-document bodies after the line that opened them.
    fn skip_heredoc_bodies(&mut self, pending: &[(String, bool)]) {
        for (name, strip) in pending {
            while self.pos < self.chars.len() {
                let start = self.pos;
                while self.pos < self.chars.len() && self.chars[self.pos] != '\n' {
                    self.pos += 1;
                }
                let line: String = self.chars[start..self.pos].iter().collect();
                if self.pos < self.chars.len() {
                    self.pos += 1;
                }
                let line = if *strip { line.trim_start_matches('\t') } else { line.as_str() };
                if line.trim_end_matches('\r') == name {
                    break;
                }
            }
        }
    }

    /// Read one word with quote removal; `None` when the next character is an operator.
    fn read_word(&mut self) -> Option<String> {
        let mut word = String::new();
        let mut any = false;
        while let Some(c) = self.peek(0) {
            match c {
                ' ' | '\t' | '\r' | '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>' => break,
                '\\' => {
                    any = true;
                    match self.peek(1) {
                        Some('\n') => self.pos += 2,
                        Some(next) => {
                            word.push(next);
                            self.pos += 2;
                        }
                        None => {
                            word.push('\\');
                            self.pos += 1;
                        }
                    }
                }
                '\'' => {
                    any = true;
                    self.pos += 1;
                    while let Some(q) = self.peek(0) {
                        self.pos += 1;
                        if q == '\'' {
                            break;
                        }
                        word.push(q);
                    }
                }
                '"' => {
                    any = true;
                    self.pos += 1;
                    self.read_double_quoted(&mut word);
                }
                '$' if matches!(self.peek(1), Some('(' | '{')) => {
                    any = true;
                    let (open, close) = if self.peek(1) == Some('(') { ('(', ')') } else { ('{', '}') };
                    self.copy_balanced(&mut word, open, close);
                }
                '`' => {
                    any = true;
                    self.copy_backquoted(&mut word);
                }
                _ => {
                    any = true;
                    word.push(c);
                    self.pos += 1;
                }
            }
        }
        any.then_some(word)
    }

    fn read_double_quoted(&mut self, word: &mut String) {
        while let Some(c) = self.peek(0) {
            match c {
                '"' => {
                    self.pos += 1;
                    return;
                }
                '\\' => match self.peek(1) {
                    Some('\n') => self.pos += 2,
                    Some(n @ ('$' | '`' | '"' | '\\')) => {
                        word.push(n);
                        self.pos += 2;
                    }
                    _ => {
                        word.push('\\');
                        self.pos += 1;
                    }
                },
                '$' if matches!(self.peek(1), Some('(' | '{')) => {
                    let (open, close) = if self.peek(1) == Some('(') { ('(', ')') } else { ('{', '}') };
                    self.copy_balanced(word, open, close);
                }
                '`' => self.copy_backquoted(word),
                _ => {
                    word.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// Copy `$(…)` or `${…}` verbatim, balancing brackets and skipping over quotes.
    fn copy_balanced(&mut self, word: &mut String, open: char, close: char) {
        word.push('$');
        word.push(open);
        self.pos += 2;
        let mut depth = 1usize;
        let mut quote: Option<char> = None;
        while let Some(c) = self.peek(0) {
            word.push(c);
            self.pos += 1;
            match quote {
                Some(q) if c == q => quote = None,
                Some('"') if c == '\\' => {
                    if let Some(n) = self.peek(0) {
                        word.push(n);
                        self.pos += 1;
                    }
                }
                Some(_) => {}
                None => match c {
                    '\'' | '"' => quote = Some(c),
                    '\\' => {
                        if let Some(n) = self.peek(0) {
                            word.push(n);
                            self.pos += 1;
                        }
                    }
                    _ if c == open => depth += 1,
                    _ if c == close => {
                        depth -= 1;
                        if depth == 0 {
                            return;
                        }
                    }
                    _ => {}
                },
            }
        }
    }

    fn copy_backquoted(&mut self, word: &mut String) {
        word.push('`');
        self.pos += 1;
        while let Some(c) = self.peek(0) {
            word.push(c);
            self.pos += 1;
            if c == '\\' {
                if let Some(n) = self.peek(0) {
                    word.push(n);
                    self.pos += 1;
                }
            } else if c == '`' {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(script: &str) -> Vec<Vec<String>> {
        split_commands(script).into_iter().map(|c| c.words).collect()
    }

    fn v(items: &[&[&str]]) -> Vec<Vec<String>> {
        items.iter().map(|c| c.iter().map(|w| w.to_string()).collect()).collect()
    }

    #[test]
    fn splits_on_control_operators() {
        assert_eq!(words("a 1 && b 2 || c; d | e & f"), v(&[&["a", "1"], &["b", "2"], &["c"], &["d"], &["e"], &["f"]]));
    }

    #[test]
    fn removes_quotes_and_escapes() {
        assert_eq!(words(r#"echo 'a b' "c \"d\" $HOME" e\ f"#), v(&[&["echo", "a b", "c \"d\" $HOME", "e f"]]));
    }

    #[test]
    fn subshells_groups_and_compound_commands() {
        assert_eq!(words("(cd /x && make) ; { a; b; }"), v(&[&["cd", "/x"], &["make"], &["a"], &["b"]]));
        assert_eq!(
            words("if [ -f x ]; then apt-get install -y curl; else true; fi"),
            v(&[&["[", "-f", "x", "]"], &["apt-get", "install", "-y", "curl"], &["true"]])
        );
        assert_eq!(words("for p in a b; do pip install $p; done"), v(&[&["pip", "install", "$p"]]));
        assert_eq!(words("case $X in a|b) echo a ;; *) echo b ;; esac"), v(&[&["echo", "a"], &["echo", "b"]]));
    }

    #[test]
    fn redirections_are_dropped() {
        assert_eq!(
            words("curl -fsSL https://x > /tmp/x 2>&1 && cat </etc/y >>/z &>/dev/null"),
            v(&[&["curl", "-fsSL", "https://x"], &["cat"]])
        );
    }

    #[test]
    fn substitutions_stay_inside_words() {
        assert_eq!(words("echo $(a && b) ${X:-y;z} `c; d`"), v(&[&["echo", "$(a && b)", "${X:-y;z}", "`c; d`"]]));
    }

    #[test]
    fn comments_continuations_and_heredoc_bodies() {
        let script =
            "apt-get update \\\n  && apt-get install -y curl # fetch\ncat <<EOF > /etc/x\nrm -rf /\nEOF\necho done";
        assert_eq!(
            words(script),
            v(&[&["apt-get", "update"], &["apt-get", "install", "-y", "curl"], &["cat"], &["echo", "done"]])
        );
    }

    #[test]
    fn never_panics_on_unbalanced_input() {
        for s in ["'", "\"", "$(", "${", "`", "\\", "((", "))", "<<", "2>", "a <<- ", "&>", "esac esac"] {
            let _ = split_commands(s);
        }
    }
}
