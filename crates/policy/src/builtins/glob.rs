//! `glob.match(pattern, delimiters, match)` and `glob.quote_meta(pattern)` as
//! OPA evaluates them (OPA `topdown/glob.go`, which compiles patterns with
//! `github.com/gobwas/glob`).
//!
//! The pattern language, as gobwas lexes and parses it:
//!
//! * `*` — any run of characters without a delimiter; `**` — any run at all;
//!   `?` — one character that is not a delimiter;
//! * `[abc]`, `[!abc]` — one character in (not in) the list; `[a-z]`, `[!a-z]` —
//!   one character in (not in) the range; lists and ranges ignore delimiters;
//!   `!` negates only right after `[`; one list *or* one range per brackets;
//! * `{p,q,…}` — any of the alternatives, which may nest; `,` and `}` are plain
//!   text outside braces, and braces left open at the end are closed there;
//! * `\x` — the character `x`; a trailing `\` is dropped; a NUL ends the
//!   pattern where a token would start, and ends (and is dropped from) text;
//! * errors (the call is undefined, OPA's non-strict builtin errors): an
//!   unterminated or empty `[…]`, a range whose high end is below its low end,
//!   anything after a range before `]`, the replacement character U+FFFD.
//!
//! Delimiters (OPA): `null` — none; `[]` — `["."]`; otherwise every element a
//! one-character string. A compiled pattern is a regular expression over the
//! `regex` crate (linear-time matching), cached per pattern and delimiters.
//!
//! One gobwas quirk is kept because OPA shows it: a pattern gobwas compiles to a
//! single one-character matcher (`?`, `[…]`, or alternatives of such with
//! nothing in common) also matches the empty string when it matches U+FFFD,
//! the "first character" gobwas decodes from it. The matcher's other defects
//! are not reproduced (KNOWN-DIFFERENCES.md #18). Braces nested more than 64
//! deep are an error here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use regex::Regex;
use regorus::Value;

/// Compiled patterns kept per engine; cleared when full.
const CACHE_LIMIT: usize = 256;

/// Braces nested deeper are an error (the call is undefined): the regex crate
/// refuses deeper nesting anyway, and the tree is walked recursively.
const MAX_BRACE_DEPTH: usize = 64;

/// A pattern and its delimiters.
type Key = (String, Vec<char>);

/// The state `glob.match` keeps across calls: compiled patterns (`None`: a pattern error).
#[derive(Clone, Debug, Default)]
pub(crate) struct GlobCache(Arc<Mutex<HashMap<Key, Option<Matcher>>>>);

#[derive(Debug)]
struct Matcher {
    regex: Regex,
    /// Gobwas's single-character matchers test the empty string as U+FFFD (module docs).
    empty_as_fffd: bool,
}

impl GlobCache {
    /// `glob.match(pattern, delimiters, value)`; `None` is OPA's builtin error.
    pub(crate) fn glob_match(
        &self,
        pattern: &Value,
        delimiters: &Value,
        value: &Value,
    ) -> Option<Value> {
        let pattern = pattern.as_string().ok()?;
        let delimiters = delimiters_of(delimiters)?;
        let value = value.as_string().ok()?;
        let key = (pattern.to_string(), delimiters);
        let mut cache = self.0.lock().ok()?;
        if cache.len() >= CACHE_LIMIT && !cache.contains_key(&key) {
            cache.clear();
        }
        let matcher = cache
            .entry(key)
            .or_insert_with_key(|(pattern, delimiters)| compile(pattern, delimiters))
            .as_ref()?;
        let matched = matcher.regex.is_match(value)
            || (value.is_empty() && matcher.empty_as_fffd && matcher.regex.is_match("\u{fffd}"));
        Some(Value::Bool(matched))
    }
}

/// `glob.quote_meta(pattern)`: a backslash before each of `*?\[]{}`.
pub(crate) fn quote_meta(pattern: &Value) -> Option<Value> {
    let pattern = pattern.as_string().ok()?;
    let mut out = String::with_capacity(pattern.len());
    for c in pattern.chars() {
        if SPECIAL.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    Some(Value::from(out))
}

const SPECIAL: &[char] = &['*', '?', '\\', '[', ']', '{', '}'];

fn delimiters_of(value: &Value) -> Option<Vec<char>> {
    match value {
        Value::Null => Some(Vec::new()),
        Value::Array(items) if items.is_empty() => Some(vec!['.']),
        Value::Array(items) => items
            .iter()
            .map(|item| {
                let s = item.as_string().ok()?;
                let mut chars = s.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => Some(c),
                    _ => None,
                }
            })
            .collect(),
        _ => None,
    }
}

fn compile(pattern: &str, delimiters: &[char]) -> Option<Matcher> {
    let nodes = parse(&lex(pattern)?)?;
    let empty_as_fffd = single_char(&nodes);
    let mut re = String::from(r"(?s)\A(?:");
    write_seq(&mut re, &nodes, delimiters);
    re.push_str(r")\z");
    let regex = Regex::new(&re).ok()?;
    Some(Matcher {
        regex,
        empty_as_fffd,
    })
}

/// Does gobwas compile the whole pattern to one single-character matcher (or
/// alternatives of them)? Its compiler first moves a node that every
/// alternative starts (or ends) with out of the braces (`{?,?b}` is `?{,b}`),
/// which leaves a single matcher only when the alternatives are all that node.
fn single_char(nodes: &[Node]) -> bool {
    match nodes {
        [Node::Single | Node::List { .. } | Node::Range { .. }] => true,
        [Node::AnyOf(alternatives)] if shares_an_end(alternatives) => {
            alternatives.windows(2).all(|w| w[0] == w[1]) && single_char(&alternatives[0])
        }
        [Node::AnyOf(alternatives)] => alternatives.iter().any(|a| single_char(a)),
        _ => false,
    }
}

/// Do all the alternatives start, or all end, with the first (or last) node of
/// the shortest one (gobwas `commonChildren`)?
fn shares_an_end(alternatives: &[Vec<Node>]) -> bool {
    let Some(shortest) = alternatives.iter().min_by_key(|a| a.len()) else {
        return false;
    };
    let (Some(first), Some(last)) = (shortest.first(), shortest.last()) else {
        return false;
    };
    alternatives.len() > 1
        && (alternatives.iter().all(|a| a.first() == Some(first))
            || alternatives.iter().all(|a| a.last() == Some(last)))
}

#[derive(Debug, PartialEq)]
enum Token {
    Text(String),
    Any,
    Super,
    Single,
    TermsOpen,
    Separator,
    TermsClose,
    RangeOpen,
    Not,
    Lo(char),
    Hi(char),
    RangeClose,
}

/// The gobwas lexer: braces count only while open; brackets take either one
/// `lo-hi` range or one run of text, optionally after `!`. A NUL where a token
/// starts ends the pattern; inside text it ends the text and is dropped.
fn lex(pattern: &str) -> Option<Vec<Token>> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        i += 1;
        match c {
            '\0' => break,
            '{' => {
                depth += 1;
                tokens.push(Token::TermsOpen);
            }
            ',' if depth > 0 => tokens.push(Token::Separator),
            '}' if depth > 0 => {
                depth -= 1;
                tokens.push(Token::TermsClose);
            }
            '[' => {
                tokens.push(Token::RangeOpen);
                i = lex_brackets(&chars, i, &mut tokens)?;
            }
            '?' => tokens.push(Token::Single),
            '*' if chars.get(i) == Some(&'*') => {
                i += 1;
                tokens.push(Token::Super);
            }
            '*' => tokens.push(Token::Any),
            _ => {
                let stops: &[char] = if depth > 0 {
                    &['?', '*', '[', '{', '}', ',']
                } else {
                    &['?', '*', '[', '{']
                };
                let (text, next) = lex_text(&chars, i - 1, stops);
                i = next;
                if !text.is_empty() {
                    tokens.push(Token::Text(text));
                }
            }
        }
    }
    // Go decodes U+FFFD as a decoding error: the lexer fails wherever it reads one.
    if chars[..i.min(chars.len())].contains(&'\u{fffd}') {
        return None;
    }
    Some(tokens)
}

/// Text up to an unescaped stop character (left in place) or a NUL (dropped);
/// returns it and the index after it.
fn lex_text(chars: &[char], mut i: usize, stops: &[char]) -> (String, usize) {
    let mut text = String::new();
    let mut escaped = false;
    while let Some(&c) = chars.get(i) {
        if c == '\0' {
            i += 1;
            break;
        }
        if !escaped {
            if c == '\\' {
                escaped = true;
                i += 1;
                continue;
            }
            if stops.contains(&c) {
                break;
            }
        }
        escaped = false;
        text.push(c);
        i += 1;
    }
    (text, i)
}

/// The inside of `[…]`, from just after `[`; returns the index after `]`.
fn lex_brackets(chars: &[char], mut i: usize, tokens: &mut Vec<Token>) -> Option<usize> {
    let next = |i: usize| chars.get(i).copied().filter(|&c| c != '\0');
    let mut c = next(i)?;
    i += 1;
    if c == '!' {
        tokens.push(Token::Not);
        c = next(i)?;
        i += 1;
    }
    if chars.get(i) == Some(&'-') {
        let hi = next(i + 1)?;
        tokens.push(Token::Lo(c));
        tokens.push(Token::Hi(hi));
        i += 2;
    } else {
        let (text, after) = lex_text(chars, i - 1, &[']']);
        i = after;
        if !text.is_empty() {
            tokens.push(Token::Text(text));
        }
    }
    (next(i)? == ']').then(|| {
        tokens.push(Token::RangeClose);
        i + 1
    })
}

#[derive(Debug, PartialEq)]
enum Node {
    Text(String),
    Any,
    Super,
    Single,
    List { chars: Vec<char>, not: bool },
    Range { lo: char, hi: char, not: bool },
    AnyOf(Vec<Vec<Node>>),
}

/// The gobwas parser: a sequence of nodes, alternatives nesting under `{`.
fn parse(tokens: &[Token]) -> Option<Vec<Node>> {
    // Open braces: the sequence they interrupt and the alternatives so far.
    let mut open: Vec<(Vec<Node>, Vec<Vec<Node>>)> = Vec::new();
    let mut seq = Vec::new();
    let mut tokens = tokens.iter();
    while let Some(token) = tokens.next() {
        match token {
            Token::Text(text) => seq.push(Node::Text(text.clone())),
            Token::Any => seq.push(Node::Any),
            Token::Super => seq.push(Node::Super),
            Token::Single => seq.push(Node::Single),
            Token::TermsOpen if open.len() >= MAX_BRACE_DEPTH => return None,
            Token::TermsOpen => open.push((std::mem::take(&mut seq), Vec::new())),
            Token::Separator => open.last_mut()?.1.push(std::mem::take(&mut seq)),
            Token::TermsClose => {
                let (outer, mut alternatives) = open.pop()?;
                alternatives.push(std::mem::replace(&mut seq, outer));
                seq.push(Node::AnyOf(alternatives));
            }
            Token::RangeOpen => seq.push(parse_brackets(&mut tokens)?),
            Token::Not | Token::Lo(_) | Token::Hi(_) | Token::RangeClose => return None,
        }
    }
    // Braces left open end with the pattern.
    while let Some((outer, mut alternatives)) = open.pop() {
        alternatives.push(std::mem::replace(&mut seq, outer));
        seq.push(Node::AnyOf(alternatives));
    }
    Some(seq)
}

fn parse_brackets<'a>(tokens: &mut impl Iterator<Item = &'a Token>) -> Option<Node> {
    let (mut not, mut range, mut chars) = (false, None, Vec::new());
    loop {
        match tokens.next()? {
            Token::Not => not = true,
            Token::Lo(lo) => range = Some((*lo, '\0')),
            Token::Hi(hi) => {
                let (lo, _) = range?;
                if *hi < lo {
                    return None;
                }
                range = Some((lo, *hi));
            }
            Token::Text(text) => chars = text.chars().collect(),
            Token::RangeClose => {
                return match (range, chars.is_empty()) {
                    (Some((lo, hi)), true) => Some(Node::Range { lo, hi, not }),
                    (None, false) => Some(Node::List { chars, not }),
                    _ => None,
                };
            }
            _ => return None,
        }
    }
}

fn write_seq(re: &mut String, nodes: &[Node], delimiters: &[char]) {
    for node in nodes {
        match node {
            Node::Text(text) => re.push_str(&regex::escape(text)),
            Node::Super => re.push_str(".*"),
            Node::Any | Node::Single if delimiters.is_empty() => {
                re.push('.');
                if *node == Node::Any {
                    re.push('*');
                }
            }
            Node::Any | Node::Single => {
                write_class(re, true, delimiters.iter().map(|&d| (d, d)));
                if *node == Node::Any {
                    re.push('*');
                }
            }
            Node::List { chars, not } => write_class(re, *not, chars.iter().map(|&c| (c, c))),
            Node::Range { lo, hi, not } => write_class(re, *not, [(*lo, *hi)]),
            Node::AnyOf(alternatives) => {
                re.push_str("(?:");
                for (n, alternative) in alternatives.iter().enumerate() {
                    if n > 0 {
                        re.push('|');
                    }
                    write_seq(re, alternative, delimiters);
                }
                re.push(')');
            }
        }
    }
}

fn write_class(re: &mut String, not: bool, ranges: impl IntoIterator<Item = (char, char)>) {
    use std::fmt::Write;
    re.push_str(if not { "[^" } else { "[" });
    for (lo, hi) in ranges {
        let _ = write!(re, "\\x{{{:x}}}", lo as u32);
        if hi != lo {
            let _ = write!(re, "-\\x{{{:x}}}", hi as u32);
        }
    }
    re.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, delimiters: Value, value: &str) -> Option<bool> {
        let got = GlobCache::default().glob_match(
            &Value::from(pattern),
            &delimiters,
            &Value::from(value),
        )?;
        Some(got == Value::Bool(true))
    }

    fn arr(items: &[&str]) -> Value {
        Value::from(items.iter().map(|s| Value::from(*s)).collect::<Vec<_>>())
    }

    #[test]
    fn delimiters_default_and_none() {
        assert_eq!(m("*.github.com", arr(&[]), "api.github.com"), Some(true));
        assert_eq!(m("*.github.com", arr(&[]), "a.b.github.com"), Some(false));
        assert_eq!(m("*.github.com", Value::Null, "a.b.github.com"), Some(true));
        assert_eq!(m("**.github.com", arr(&[]), "a.b.github.com"), Some(true));
        assert_eq!(m("a", arr(&["ab"]), "a"), None);
        assert_eq!(m("a", Value::from(1), "a"), None);
    }

    #[test]
    fn lexer_quirks() {
        assert_eq!(m("a,b}", Value::Null, "a,b}"), Some(true));
        assert_eq!(m("{a,b", Value::Null, "b"), Some(true));
        assert_eq!(m("a\\", Value::Null, "a"), Some(true));
        assert_eq!(m("a\0b", Value::Null, "ab"), Some(true));
        assert_eq!(m("?\0b", Value::Null, "ab"), Some(false));
        assert_eq!(m("?\0b", Value::Null, "a"), Some(true));
        assert_eq!(m("*\0\u{fffd}", Value::Null, "ab"), Some(true));
        assert_eq!(m("a\u{fffd}", Value::Null, "a"), None);
        assert_eq!(m("[a\0]", Value::Null, "a"), Some(true));
        assert_eq!(m("[!]", Value::Null, "a"), None);
        assert_eq!(m("[a-z0]", Value::Null, "a"), None);
        assert_eq!(m("[z-a]", Value::Null, "a"), None);
        assert_eq!(m("[ab-]", Value::Null, "-"), Some(true));
        assert_eq!(m("?", Value::Null, ""), Some(true));
        assert_eq!(m("[!a]", Value::Null, "/"), Some(true));
        assert_eq!(m("[!a]", arr(&["/"]), "/"), Some(true));
        assert_eq!(m("?", arr(&["/"]), "/"), Some(false));
    }

    #[test]
    fn empty_value_against_one_character_matchers() {
        assert_eq!(m("?", Value::Null, ""), Some(true));
        assert_eq!(m("[!a]", Value::Null, ""), Some(true));
        assert_eq!(m("[ab]", Value::Null, ""), Some(false));
        assert_eq!(m("{?,?}", Value::Null, ""), Some(true));
        assert_eq!(m("{?,a}", Value::Null, ""), Some(true));
        // gobwas moves the shared `?` out: `?{,b}` never matches "".
        assert_eq!(m("{?,?b}", Value::Null, ""), Some(false));
        assert_eq!(m("{?,b?}", Value::Null, ""), Some(false));
        // An empty alternative matches "" whatever the quirk says.
        assert_eq!(m("{[a],}", Value::Null, ""), Some(true));
    }

    #[test]
    fn deep_braces_are_an_error_not_a_crash() {
        let deep = format!("{}a{}", "{".repeat(64), "}".repeat(64));
        assert_eq!(m(&deep, Value::Null, "a"), Some(true));
        let deeper = format!("{}a{}", "{".repeat(65), "}".repeat(65));
        assert_eq!(m(&deeper, Value::Null, "a"), None);
        assert_eq!(m(&"{".repeat(100_000), Value::Null, "a"), None);
    }

    #[test]
    fn quote_meta_escapes_specials() {
        assert_eq!(
            quote_meta(&Value::from("*.{a,b}[c]?\\")),
            Some(Value::from("\\*.\\{a,b\\}\\[c\\]\\?\\\\"))
        );
    }
}
