//! `strings.render_template(template, vars)` as OPA evaluates it (OPA
//! `topdown/template.go`: Go `text/template` over the
//! vars as Go values, numbers as `json.Number`, then every `<no value>` in the
//! output replaced by `<undefined>`), for the part of the template language
//! policies use:
//!
//! * text, `{{pipeline}}`, comments `{{/* … */}}`, trim markers `{{- ` and ` -}}`;
//! * a pipeline is one operand: `.`, `.a.b`, `$`, `$x`, `$x.a`, a string
//!   (`"…"`, `` `…` ``), an integer, `true`, `false`;
//! * `{{if p}}…{{else if q}}…{{else}}…{{end}}`, `{{with p}}…{{else}}…{{end}}`,
//!   `{{range p}}…{{else}}…{{end}}`, `{{range $e := p}}`, `{{range $i, $e := p}}`,
//!   `{{$x := p}}`.
//!
//! As Go: a missing key is nothing (`<no value>`, so `<undefined>`); a field of
//! anything but an object (`null` and a missing key included), ranging over a
//! string, number or boolean, an unknown variable, a template that does not
//! parse, and vars with a set or a non-string key anywhere are errors (the call
//! is undefined). Truth is Go's: `false`, `null`, `""`, `[]` and `{}` are false;
//! every number is true (a `json.Number` is a non-empty string). Values print
//! as `fmt.Print` prints them: `[a 1]`, `map[a:1 b:<nil>]` (keys sorted),
//! `<nil>` inside, `<no value>` (so `<undefined>`) for a `null` printed alone.
//!
//! The functions `eq`, `ne`, `not`, `and`, `or`, `len` and `index` are provided
//! over such operands. Not provided (the call is undefined; KNOWN-DIFFERENCES):
//! other functions (`printf`, `print`, `html`, `js`, `slice`, `lt`, …), pipes
//! `|`, parentheses, number literals that are not integers, `define`,
//! `template`, `block`, `break`, `continue`.
//! Numbers print as regorus kept them, not with OPA's literal text (`1.0` is `1`).

use regorus::Value;

use super::bounded::{BuiltinError, MAX_VALUE_DEPTH, check_depth, limit};
use super::gojson::number_text;

/// The longest result.
const MAX_OUTPUT_BYTES: usize = 64 << 20;

/// The deepest nesting of control structures in a template (deeper: `resource-exhausted`).
const MAX_DEPTH: usize = 100;

/// Why rendering stopped.
enum Stop {
    /// A template error in Go: the call is undefined.
    Error,
    /// Over a bound of ours.
    Limit(String),
}

type R<T> = Result<T, Stop>;

#[derive(Debug, Clone)]
enum Operand {
    /// `.a.b` (`None` base: dot) or `$x.a.b` (`Some("x")`; `Some("")` is `$`).
    Field(Option<String>, Vec<String>),
    Literal(Value),
    /// An integer constant of the template (Go `int`; a number of the vars is a
    /// `json.Number`, a string).
    Int(i64),
    /// `eq`, `ne`, `not`, `and`, `or`, `len`, `index` and their arguments.
    Call(String, Vec<Operand>),
}

/// The functions provided.
const FUNCTIONS: &[&str] = &["and", "eq", "index", "len", "ne", "not", "or"];

/// A value as the template sees it.
#[derive(Debug, Clone)]
enum Go {
    V(Value),
    Int(i64),
}

#[derive(Debug, Clone)]
enum Node {
    Text(String),
    Print(Operand),
    Assign(String, Operand),
    If(Operand, Vec<Node>, Vec<Node>),
    With(Operand, Vec<Node>, Vec<Node>),
    Range {
        key: Option<String>,
        elem: Option<String>,
        operand: Operand,
        body: Vec<Node>,
        otherwise: Vec<Node>,
    },
}

/// One lexed piece: text, or an action's inside.
enum Piece {
    Text(String),
    Action(String),
}

fn lex(template: &str) -> R<Vec<Piece>> {
    let mut pieces = Vec::new();
    let mut rest = template;
    let mut trim_next = false;
    while let Some(open) = rest.find("{{") {
        let mut text = &rest[..open];
        if trim_next {
            text = text.trim_start_matches([' ', '\t', '\n', '\r']);
        }
        let after = &rest[open + 2..];
        let trim_left = after.starts_with("- ")
            || after.starts_with("-\t")
            || after.starts_with("-\n")
            || after.starts_with("-\r");
        if trim_left {
            text = text.trim_end_matches([' ', '\t', '\n', '\r']);
        }
        pieces.push(Piece::Text(text.to_owned()));
        let inside = if trim_left { &after[1..] } else { after };
        let close = if inside.trim_start().starts_with("/*") {
            let end = inside.find("*/").ok_or(Stop::Error)?;
            end + inside[end..].find("}}").ok_or(Stop::Error)?
        } else {
            find_close(inside)?
        };
        let mut body = &inside[..close];
        trim_next = false;
        for ws in [" -", "\t-", "\n-", "\r-"] {
            if let Some(b) = body.strip_suffix(ws) {
                body = b;
                trim_next = true;
                break;
            }
        }
        pieces.push(Piece::Action(body.to_owned()));
        rest = &inside[close + 2..];
    }
    let text = if trim_next {
        rest.trim_start_matches([' ', '\t', '\n', '\r'])
    } else {
        rest
    };
    pieces.push(Piece::Text(text.to_owned()));
    Ok(pieces)
}

/// The `}}` closing an action, skipping quoted strings.
fn find_close(inside: &str) -> R<usize> {
    let b = inside.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'`' => {
                i += 1;
                while i < b.len() && b[i] != b'`' {
                    i += 1;
                }
            }
            b'}' if b.get(i + 1) == Some(&b'}') => return Ok(i),
            _ => {}
        }
        i += 1;
    }
    Err(Stop::Error)
}

/// Words of an action: operands, keywords, `:=`, `,`.
fn words(action: &str) -> R<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = action.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            ' ' | '\t' | '\r' | '\n' => {
                chars.next();
            }
            ',' => {
                chars.next();
                out.push(",".to_owned());
            }
            ':' => {
                chars.next();
                if chars.next() != Some('=') {
                    return Err(Stop::Error);
                }
                out.push(":=".to_owned());
            }
            '"' => {
                let mut s = String::from('"');
                chars.next();
                loop {
                    let c = chars.next().ok_or(Stop::Error)?;
                    s.push(c);
                    if c == '\\' {
                        s.push(chars.next().ok_or(Stop::Error)?);
                    } else if c == '"' {
                        break;
                    }
                }
                out.push(s);
            }
            '`' => {
                let mut s = String::from('`');
                chars.next();
                loop {
                    let c = chars.next().ok_or(Stop::Error)?;
                    s.push(c);
                    if c == '`' {
                        break;
                    }
                }
                out.push(s);
            }
            _ => {
                let mut s = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_alphanumeric() || matches!(c, '.' | '$' | '_' | '-') {
                        s.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if s.is_empty() {
                    // `|`, `(`, `)` and anything else: not provided.
                    return Err(Stop::Error);
                }
                out.push(s);
            }
        }
    }
    Ok(out)
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

fn operand(word: &str) -> R<Operand> {
    if word == "." {
        return Ok(Operand::Field(None, Vec::new()));
    }
    if let Some(path) = word.strip_prefix('.') {
        let fields: Vec<String> = path.split('.').map(str::to_owned).collect();
        if !fields.iter().all(|f| is_ident(f)) {
            return Err(Stop::Error);
        }
        return Ok(Operand::Field(None, fields));
    }
    if let Some(var) = word.strip_prefix('$') {
        let mut parts = var.split('.');
        let name = parts.next().unwrap_or_default();
        if !(name.is_empty() || is_ident(name)) {
            return Err(Stop::Error);
        }
        let fields: Vec<String> = parts.map(str::to_owned).collect();
        if !fields.iter().all(|f| is_ident(f)) {
            return Err(Stop::Error);
        }
        return Ok(Operand::Field(Some(name.to_owned()), fields));
    }
    match word {
        "true" => return Ok(Operand::Literal(Value::Bool(true))),
        "false" => return Ok(Operand::Literal(Value::Bool(false))),
        _ => {}
    }
    if let Some(raw) = word.strip_prefix('`').and_then(|w| w.strip_suffix('`')) {
        return Ok(Operand::Literal(Value::from(raw)));
    }
    if word.starts_with('"') {
        // Go's strconv.Unquote; JSON's escapes are the common subset.
        return match Value::from_json_str(word) {
            Ok(v @ Value::String(_)) => Ok(Operand::Literal(v)),
            _ => Err(Stop::Error),
        };
    }
    if word.bytes().all(|b| b.is_ascii_digit()) && !word.is_empty() {
        return word.parse().map(Operand::Int).map_err(|_| Stop::Error);
    }
    Err(Stop::Error)
}

/// What ended a list of nodes.
enum Close {
    Eof,
    End,
    Else(Vec<String>),
}

struct Parser {
    pieces: std::vec::IntoIter<Piece>,
    vars: Vec<Vec<String>>,
}

impl Parser {
    fn known(&self, name: &str) -> bool {
        name.is_empty()
            || self
                .vars
                .iter()
                .any(|scope| scope.iter().any(|v| v == name))
    }

    fn check(&self, op: &Operand) -> R<()> {
        match op {
            Operand::Field(Some(name), _) if !self.known(name) => Err(Stop::Error),
            _ => Ok(()),
        }
    }

    /// A pipeline: one operand, or a provided function and its operands.
    fn single(&self, words: &[String]) -> R<Operand> {
        match words {
            [word] if !FUNCTIONS.contains(&word.as_str()) => {
                let op = operand(word)?;
                self.check(&op)?;
                Ok(op)
            }
            [name, args @ ..] if FUNCTIONS.contains(&name.as_str()) => {
                let args = args
                    .iter()
                    .map(|w| {
                        let op = operand(w)?;
                        self.check(&op)?;
                        Ok(op)
                    })
                    .collect::<R<Vec<_>>>()?;
                let arity_ok = match name.as_str() {
                    "not" | "len" => args.len() == 1,
                    "ne" => args.len() == 2,
                    "index" => !args.is_empty(),
                    _ => args.len() >= 2,
                };
                if !arity_ok {
                    return Err(Stop::Error);
                }
                Ok(Operand::Call(name.clone(), args))
            }
            _ => Err(Stop::Error),
        }
    }

    fn list(&mut self, depth: usize) -> R<(Vec<Node>, Close)> {
        if depth > MAX_DEPTH {
            return Err(Stop::Limit(format!(
                "strings.render_template: control structures nested over {MAX_DEPTH} deep"
            )));
        }
        let mut nodes = Vec::new();
        while let Some(piece) = self.pieces.next() {
            let action = match piece {
                Piece::Text(t) => {
                    if !t.is_empty() {
                        nodes.push(Node::Text(t));
                    }
                    continue;
                }
                Piece::Action(a) => a,
            };
            let trimmed = action.trim();
            if trimmed.starts_with("/*") {
                if !trimmed.ends_with("*/") {
                    return Err(Stop::Error);
                }
                continue;
            }
            let w = words(&action)?;
            let Some(first) = w.first() else {
                return Err(Stop::Error);
            };
            match first.as_str() {
                "end" if w.len() == 1 => return Ok((nodes, Close::End)),
                "else" => return Ok((nodes, Close::Else(w[1..].to_vec()))),
                "if" | "with" => {
                    let op = self.single(&w[1..])?;
                    let node = self.conditional(first == "if", op, depth)?;
                    nodes.push(node);
                }
                "range" => nodes.push(self.range(&w[1..], depth)?),
                _ if w.len() == 3 && w[1] == ":=" => {
                    let name = first.strip_prefix('$').ok_or(Stop::Error)?;
                    if !is_ident(name) {
                        return Err(Stop::Error);
                    }
                    let op = self.single(&w[2..])?;
                    if let Some(scope) = self.vars.last_mut() {
                        scope.push(name.to_owned());
                    }
                    nodes.push(Node::Assign(name.to_owned(), op));
                }
                _ => nodes.push(Node::Print(self.single(&w)?)),
            }
        }
        Ok((nodes, Close::Eof))
    }

    /// The body of an `if`/`with` (after its action), its `else` branches, its `end`.
    fn conditional(&mut self, is_if: bool, op: Operand, depth: usize) -> R<Node> {
        self.vars.push(Vec::new());
        let (body, end) = self.list(depth + 1)?;
        self.vars.pop();
        let otherwise = match end {
            Close::Eof => return Err(Stop::Error),
            Close::End => Vec::new(),
            Close::Else(rest) if rest.is_empty() => {
                self.vars.push(Vec::new());
                let (otherwise, end) = self.list(depth + 1)?;
                self.vars.pop();
                if !matches!(end, Close::End) {
                    return Err(Stop::Error);
                }
                otherwise
            }
            Close::Else(rest) => {
                let kind = rest.first().map(String::as_str);
                let nested_if = match kind {
                    Some("if") => true,
                    Some("with") => false,
                    _ => return Err(Stop::Error),
                };
                let op = self.single(&rest[1..])?;
                vec![self.conditional(nested_if, op, depth + 1)?]
            }
        };
        Ok(if is_if {
            Node::If(op, body, otherwise)
        } else {
            Node::With(op, body, otherwise)
        })
    }

    fn range(&mut self, w: &[String], depth: usize) -> R<Node> {
        let var = |s: &String| -> R<String> {
            let name = s.strip_prefix('$').ok_or(Stop::Error)?;
            if is_ident(name) {
                Ok(name.to_owned())
            } else {
                Err(Stop::Error)
            }
        };
        let (key, elem, rest) = match w {
            [e, op, rest @ ..] if op == ":=" => (None, Some(var(e)?), rest),
            [k, comma, e, op, rest @ ..] if comma == "," && op == ":=" => {
                (Some(var(k)?), Some(var(e)?), rest)
            }
            rest => (None, None, rest),
        };
        let operand = self.single(rest)?;
        let mut scope = Vec::new();
        scope.extend(key.clone());
        scope.extend(elem.clone());
        self.vars.push(scope);
        let (body, end) = self.list(depth + 1)?;
        self.vars.pop();
        let otherwise = match end {
            Close::End => Vec::new(),
            Close::Else(rest) if rest.is_empty() => {
                self.vars.push(Vec::new());
                let (otherwise, end) = self.list(depth + 1)?;
                self.vars.pop();
                if !matches!(end, Close::End) {
                    return Err(Stop::Error);
                }
                otherwise
            }
            _ => return Err(Stop::Error),
        };
        Ok(Node::Range {
            key,
            elem,
            operand,
            body,
            otherwise,
        })
    }
}

/// Can OPA hand this value to Go (no sets, string keys only)?
fn convertible(value: &Value, depth: usize) -> bool {
    if depth > MAX_VALUE_DEPTH {
        return false;
    }
    match value {
        Value::Set(_) | Value::Undefined => false,
        Value::Array(items) => items.iter().all(|v| convertible(v, depth + 1)),
        Value::Object(fields) => fields
            .iter()
            .all(|(k, v)| matches!(k, Value::String(_)) && convertible(v, depth + 1)),
        _ => true,
    }
}

fn go_truth(value: &Go) -> bool {
    match value {
        Go::Int(n) => *n != 0,
        Go::V(v) => truth(v),
    }
}

fn truth(value: &Value) -> bool {
    match value {
        Value::Null | Value::Undefined => false,
        Value::Bool(b) => *b,
        Value::Number(_) => true,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Set(items) => !items.is_empty(),
        Value::Object(fields) => !fields.is_empty(),
    }
}

/// Go's `eq` of two operands: booleans, integer constants and strings (a
/// number of the vars is its text, a string) compare by kind; `null` equals only
/// `null`; different kinds, or composites, are an error.
fn equal(a: &Go, b: &Go) -> R<bool> {
    let text = |v: &Value| -> Option<String> {
        match v {
            Value::String(s) => Some(s.to_string()),
            Value::Number(_) => number_text(v),
            _ => None,
        }
    };
    match (a, b) {
        (Go::Int(x), Go::Int(y)) => Ok(x == y),
        (Go::V(Value::Bool(x)), Go::V(Value::Bool(y))) => Ok(x == y),
        (Go::V(Value::Null), Go::V(Value::Null)) => Ok(true),
        (Go::V(Value::Null), _) | (_, Go::V(Value::Null)) => Ok(false),
        (Go::V(x), Go::V(y)) => match (text(x), text(y)) {
            (Some(x), Some(y)) => Ok(x == y),
            _ => Err(Stop::Error),
        },
        _ => Err(Stop::Error),
    }
}

/// `fmt.Print` of a value inside a composite (`%v`).
fn print_inner(out: &mut String, value: &Value) {
    match value {
        Value::Null | Value::Undefined => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(_) => out.push_str(&number_text(value).unwrap_or_default()),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                print_inner(out, item);
            }
            out.push(']');
        }
        Value::Set(_) => {}
        Value::Object(fields) => {
            out.push_str("map[");
            for (i, (key, item)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                print_inner(out, key);
                out.push(':');
                print_inner(out, item);
            }
            out.push(']');
        }
    }
}

struct Exec<'a> {
    root: &'a Value,
    vars: Vec<(String, Go)>,
    out: String,
}

impl Exec<'_> {
    fn eval(&self, dot: &Value, op: &Operand) -> R<Go> {
        let (base, fields) = match op {
            Operand::Literal(v) => return Ok(Go::V(v.clone())),
            Operand::Int(n) => return Ok(Go::Int(*n)),
            Operand::Call(name, args) => return self.call(dot, name, args),
            Operand::Field(None, fields) => (dot.clone(), fields),
            Operand::Field(Some(name), fields) if name.is_empty() => (self.root.clone(), fields),
            Operand::Field(Some(name), fields) => {
                let found = self.vars.iter().rev().find(|(n, _)| n == name);
                match (&found.ok_or(Stop::Error)?.1, fields.is_empty()) {
                    (Go::Int(n), true) => return Ok(Go::Int(*n)),
                    (Go::Int(_), false) => return Err(Stop::Error),
                    (Go::V(v), _) => (v.clone(), fields),
                }
            }
        };
        let mut value = base;
        for field in fields {
            let Value::Object(map) = &value else {
                return Err(Stop::Error);
            };
            // A missing key is Go's zero value, printed `<no value>`.
            value = map
                .get(&Value::from(field.as_str()))
                .cloned()
                .unwrap_or(Value::Null);
        }
        Ok(Go::V(value))
    }

    fn call(&self, dot: &Value, name: &str, args: &[Operand]) -> R<Go> {
        let arg = |i: usize| -> R<Go> { self.eval(dot, args.get(i).ok_or(Stop::Error)?) };
        let boolean = |b: bool| Ok(Go::V(Value::Bool(b)));
        match name {
            "not" => boolean(!go_truth(&arg(0)?)),
            "and" | "or" => {
                let mut last = Go::V(Value::Null);
                for i in 0..args.len() {
                    last = arg(i)?;
                    if go_truth(&last) != (name == "and") {
                        return Ok(last);
                    }
                }
                Ok(last)
            }
            "eq" => {
                let first = arg(0)?;
                for i in 1..args.len() {
                    if equal(&first, &arg(i)?)? {
                        return boolean(true);
                    }
                }
                boolean(false)
            }
            "ne" => boolean(!equal(&arg(0)?, &arg(1)?)?),
            "len" => match arg(0)? {
                Go::V(Value::Array(items)) => Ok(Go::Int(items.len() as i64)),
                Go::V(Value::Object(fields)) => Ok(Go::Int(fields.len() as i64)),
                Go::V(Value::String(s)) => Ok(Go::Int(s.len() as i64)),
                Go::V(n @ Value::Number(_)) => {
                    Ok(Go::Int(number_text(&n).unwrap_or_default().len() as i64))
                }
                _ => Err(Stop::Error),
            },
            _ => {
                // index
                let mut value = arg(0)?;
                for i in 1..args.len() {
                    value = match (value, arg(i)?) {
                        (Go::V(Value::Array(items)), Go::Int(k)) => Go::V(
                            usize::try_from(k)
                                .ok()
                                .and_then(|k| items.get(k).cloned())
                                .ok_or(Stop::Error)?,
                        ),
                        (Go::V(Value::Object(fields)), Go::V(k @ Value::String(_))) => {
                            Go::V(fields.get(&k).cloned().unwrap_or(Value::Null))
                        }
                        _ => return Err(Stop::Error),
                    };
                }
                Ok(value)
            }
        }
    }

    fn run(&mut self, nodes: &[Node], dot: &Value) -> R<()> {
        let mark = self.vars.len();
        for node in nodes {
            match node {
                Node::Text(t) => self.out.push_str(t),
                Node::Print(op) => match self.eval(dot, op)? {
                    Go::Int(n) => self.out.push_str(&n.to_string()),
                    Go::V(Value::Null) => self.out.push_str("<no value>"),
                    Go::V(v) => print_inner(&mut self.out, &v),
                },
                Node::Assign(name, op) => {
                    let v = self.eval(dot, op)?;
                    self.vars.push((name.clone(), v));
                }
                Node::If(op, body, otherwise) => {
                    let v = self.eval(dot, op)?;
                    let branch = if go_truth(&v) { body } else { otherwise };
                    self.run(branch, dot)?;
                }
                Node::With(op, body, otherwise) => match self.eval(dot, op)? {
                    Go::Int(_) => return Err(Stop::Error),
                    Go::V(v) if truth(&v) => self.run(body, &v)?,
                    Go::V(_) => self.run(otherwise, dot)?,
                },
                Node::Range {
                    key,
                    elem,
                    operand,
                    body,
                    otherwise,
                } => {
                    let Go::V(v) = self.eval(dot, operand)? else {
                        return Err(Stop::Error);
                    };
                    let items: Vec<(Value, Value)> = match &v {
                        Value::Null => Vec::new(),
                        Value::Array(items) => items
                            .iter()
                            .enumerate()
                            .map(|(i, x)| (Value::from(i as u64), x.clone()))
                            .collect(),
                        Value::Object(fields) => {
                            fields.iter().map(|(k, x)| (k.clone(), x.clone())).collect()
                        }
                        _ => return Err(Stop::Error),
                    };
                    if items.is_empty() {
                        self.run(otherwise, dot)?;
                    }
                    for (k, x) in items {
                        let mark = self.vars.len();
                        if let Some(name) = key {
                            let k = match k {
                                Value::Number(_) => Go::Int(k.as_i64().unwrap_or(0)),
                                k => Go::V(k),
                            };
                            self.vars.push((name.clone(), k));
                        }
                        if let Some(name) = elem {
                            self.vars.push((name.clone(), Go::V(x.clone())));
                        }
                        self.run(body, &x)?;
                        self.vars.truncate(mark);
                        if self.out.len() > MAX_OUTPUT_BYTES {
                            break;
                        }
                    }
                }
            }
            if self.out.len() > MAX_OUTPUT_BYTES {
                return Err(Stop::Limit(format!(
                    "strings.render_template: the result is over {MAX_OUTPUT_BYTES} bytes"
                )));
            }
        }
        self.vars.truncate(mark);
        Ok(())
    }
}

/// `strings.render_template(template, vars)`.
pub(crate) fn render(template: &Value, vars: &Value) -> Result<Value, BuiltinError> {
    let (Ok(template), Value::Object(_)) = (template.as_string(), vars) else {
        return Ok(Value::Undefined);
    };
    check_depth("strings.render_template", vars)?;
    if !convertible(vars, 0) {
        return Ok(Value::Undefined);
    }
    let rendered = lex(template).and_then(|pieces| {
        let mut parser = Parser {
            pieces: pieces.into_iter(),
            vars: vec![Vec::new()],
        };
        let (nodes, end) = parser.list(0)?;
        if !matches!(end, Close::Eof) {
            return Err(Stop::Error);
        }
        let mut exec = Exec {
            root: vars,
            vars: Vec::new(),
            out: String::new(),
        };
        exec.run(&nodes, vars)?;
        Ok(exec.out)
    });
    match rendered {
        Ok(text) => Ok(Value::from(text.replace("<no value>", "<undefined>"))),
        Err(Stop::Error) => Ok(Value::Undefined),
        Err(Stop::Limit(message)) => Err(limit(message)),
    }
}
