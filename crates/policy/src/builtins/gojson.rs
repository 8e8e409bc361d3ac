//! `json.marshal`, `json.marshal_with_options` and `to_number` as OPA
//! evaluates them (OPA `topdown/encoding.go`, `topdown/casts.go`, over Go's
//! `encoding/json` and `strconv`):
//!
//! * marshal — Go's `json.Marshal` of the value: object keys sorted bytewise,
//!   a key that is not a string written as its compact JSON text (`{1: "x"}` is
//!   `{"1":"x"}`), sets as arrays in order; strings escaped as Go escapes them:
//!   `<`, `>`, `&`, U+2028, U+2029 as `\u003c`…, `\b \f \n \r \t`, other
//!   control characters `\u00XX`;
//! * marshal_with_options — `pretty` (boolean), `indent` (default a tab),
//!   `prefix` (before every line, the first too); `indent` or `prefix` alone
//!   mean pretty; any other option, or an option of the wrong type, is an error
//!   (the call is undefined);
//! * to_number — `null` 0, `false` 0, `true` 1, a number itself; a string that
//!   Go's `strconv.ParseFloat` rejects (spaces, `0x10` without `p`, `1e400`,
//!   `Inf`, `NaN`) is undefined; one it accepts that is not JSON number syntax
//!   (`021`, `+1`, `.5`, `1.`, `0x1p4`, `1_000`) is the error OPA's evaluation
//!   ends with (`json: invalid number literal`): OPA keeps the text as the
//!   number's and fails when it reads it back (`json.marshal`). A JSON number is
//!   its exact value: an integer with all its digits, `-0` a negative zero, a
//!   fraction the double whose shortest text it is, else an error
//!   (KNOWN-DIFFERENCES.md row 26).
//!
//! Numbers: regorus keeps integers and `f64`s, not the literal's text that OPA
//! writes back (`1.0`, `1e3`, `2.50` in the policy are `1.0`, `1e3`, `2.50` in
//! OPA's JSON): an integer is written as its digits, a float as Go writes a
//! `float64` (shortest digits; exponent below 1e-6 and from 1e21 up).

use regorus::Value;

use super::bounded::{BuiltinError, MAX_VALUE_DEPTH, check_depth, limit};
use super::gofmt::{format_float, sorted};
use super::opanum::{Num, whole_double};

/// `json.marshal(x)`.
pub(crate) fn marshal(value: &Value) -> Result<Value, BuiltinError> {
    check_depth("json.marshal", value)?;
    let mut out = String::new();
    Ok(match write(&mut out, value, None, 0) {
        Some(()) => Value::from(out),
        None => Value::Undefined,
    })
}

/// `json.marshal_with_options(x, options)`.
pub(crate) fn marshal_with_options(value: &Value, options: &Value) -> Result<Value, BuiltinError> {
    check_depth("json.marshal_with_options", value)?;
    Ok(with_options(value, options).unwrap_or(Value::Undefined))
}

fn with_options(value: &Value, options: &Value) -> Option<Value> {
    let Value::Object(options) = options else {
        return None;
    };
    let (mut pretty, mut indent, mut prefix) = (None, None, None);
    for (key, option) in options.iter() {
        match (key.as_string().ok()?.as_ref(), option) {
            ("pretty", Value::Bool(b)) => pretty = Some(*b),
            ("indent", Value::String(s)) => indent = Some(s.to_string()),
            ("prefix", Value::String(s)) => prefix = Some(s.to_string()),
            _ => return None,
        }
    }
    let pretty = pretty.unwrap_or(indent.is_some() || prefix.is_some());
    let mut out = String::new();
    if !pretty {
        write(&mut out, value, None, 0)?;
        return Some(Value::from(out));
    }
    let prefix = prefix.unwrap_or_default();
    let indent = indent.unwrap_or_else(|| "\t".to_owned());
    out.push_str(&prefix);
    write(&mut out, value, Some((&prefix, &indent)), 0)?;
    Some(Value::from(out))
}

fn newline(out: &mut String, layout: Option<(&str, &str)>, depth: usize) {
    if let Some((prefix, indent)) = layout {
        out.push('\n');
        out.push_str(prefix);
        for _ in 0..depth {
            out.push_str(indent);
        }
    }
}

fn write(
    out: &mut String,
    value: &Value,
    layout: Option<(&str, &str)>,
    depth: usize,
) -> Option<()> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(_) => out.push_str(&number_text(value)?),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => write_list(out, items.iter(), layout, depth)?,
        Value::Set(items) => write_list(out, sorted(items.iter()).into_iter(), layout, depth)?,
        Value::Object(fields) => {
            let mut entries = Vec::with_capacity(fields.len());
            for (key, item) in fields.iter() {
                let key = match key {
                    Value::String(s) => s.to_string(),
                    other => {
                        let mut text = String::new();
                        write(&mut text, other, None, 0)?;
                        text
                    }
                };
                entries.push((key, item));
            }
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            if entries.is_empty() {
                out.push_str("{}");
                return Some(());
            }
            out.push('{');
            for (i, (key, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, layout, depth + 1);
                write_string(out, key);
                out.push(':');
                if layout.is_some() {
                    out.push(' ');
                }
                write(out, item, layout, depth + 1)?;
            }
            newline(out, layout, depth);
            out.push('}');
        }
        Value::Undefined => return None,
    }
    Some(())
}

fn write_list<'a>(
    out: &mut String,
    items: impl ExactSizeIterator<Item = &'a Value>,
    layout: Option<(&str, &str)>,
    depth: usize,
) -> Option<()> {
    if items.len() == 0 {
        out.push_str("[]");
        return Some(());
    }
    out.push('[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        newline(out, layout, depth + 1);
        write(out, item, layout, depth + 1)?;
    }
    newline(out, layout, depth);
    out.push(']');
    Some(())
}

/// A number as Go's `encoding/json` writes it: an integer's digits, a float's
/// shortest text (`e` notation below 1e-6 and from 1e21 up, `e-7` not `e-07`).
pub(crate) fn number_text(value: &Value) -> Option<String> {
    let Value::Number(n) = value else {
        return None;
    };
    if n.is_integer() {
        let text = n.format_decimal();
        if !text.contains(['.', 'e', 'E']) {
            return Some(text);
        }
    }
    Some(float_text(value.as_f64().ok()?))
}

/// A finite `float64` as Go's `encoding/json` writes it.
pub(crate) fn float_text(f: f64) -> String {
    let a = f.abs();
    if a != 0.0 && !(1e-6..1e21).contains(&a) {
        let text = format_float(f, 'e', None);
        // e-07 → e-7, e+21 → e+21.
        return match text.rsplit_once("e-0") {
            Some((m, d)) if d.len() == 1 => format!("{m}e-{d}"),
            _ => text,
        };
    }
    format_float(f, 'f', None)
}

/// A string as Go's `encoding/json` writes it (HTML-safe).
pub(crate) fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if c < ' ' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `json.unmarshal(x)`: the text read as OPA reads it — Go's `json.Decoder` takes the first
/// value, then asks for one more token and refuses the text only when that token is not nil,
/// so a `null` after the document (and whatever follows it) passes: `{"blocked": true}null, x`
/// is the object. Text Go's scanner refuses (syntax, nesting over 10,000) is undefined; nesting
/// past [`MAX_VALUE_DEPTH`] an evaluation error (fail closed). Read here, not by serde: serde
/// stopped at 128 levels (a valid deeper document was undefined, and a deny rule reading it
/// never fired) and regorus's serde visitor took an object keyed
/// `$serde_json::private::Number` for a number. Numbers as OPA holds them: an integer exact at
/// any size (`1.0` and `18446744073709551616` included), a fraction the double whose shortest
/// text it is, else an error (KNOWN-DIFFERENCES.md row 26); an exponent integer as
/// `exponent_integer` says (row 22).
pub(crate) fn unmarshal(value: &Value) -> Result<Value, BuiltinError> {
    let Value::String(text) = value else {
        return Ok(Value::Undefined);
    };
    let Some((end, depth)) = go_json_value(text) else {
        return Ok(Value::Undefined);
    };
    if end != text.len() && !text[end..].starts_with("null") {
        return Ok(Value::Undefined);
    }
    if depth > MAX_VALUE_DEPTH {
        return Err(limit(format!(
            "json.unmarshal: a document nested over {MAX_VALUE_DEPTH} deep"
        )));
    }
    read_json(&text[..end])
}

/// One JSON number token as OPA holds it.
fn json_number(token: &str) -> Result<Value, BuiltinError> {
    let unheld = || {
        BuiltinError(format!(
            "json.unmarshal: the number {token} cannot be held as OPA holds it \
             (KNOWN-DIFFERENCES.md row 26)"
        ))
    };
    let exact = Num::parse(token).ok_or_else(unheld)?;
    if let Some(held) = exponent_integer(token, &exact, "json.unmarshal") {
        return held;
    }
    if exact.is_integer() {
        return exact.value("json.unmarshal");
    }
    if held_by_regorus(token, &exact)
        && let Ok(f) = token.parse::<f64>()
    {
        return Ok(Value::from(f));
    }
    Err(unheld())
}

/// A JSON string token (at its opening quote; the text is valid JSON) as Go decodes it: a
/// lone UTF-16 surrogate escape is U+FFFD.
fn json_string(text: &str, at: &mut usize) -> String {
    let b = text.as_bytes();
    let mut out = String::new();
    *at += 1;
    let hex = |from: usize| -> u32 {
        text.get(from..from + 4)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .unwrap_or(0xFFFD)
    };
    while *at < b.len() {
        match b[*at] {
            b'"' => {
                *at += 1;
                break;
            }
            b'\\' => {
                let escape = b.get(*at + 1).copied().unwrap_or(b'"');
                *at += 2;
                out.push(match escape {
                    b'b' => '\u{8}',
                    b'f' => '\u{c}',
                    b'n' => '\n',
                    b'r' => '\r',
                    b't' => '\t',
                    b'u' => {
                        let unit = hex(*at);
                        *at += 4;
                        if (0xD800..0xDC00).contains(&unit)
                            && text[*at..].starts_with("\\u")
                            && (0xDC00..0xE000).contains(&hex(*at + 2))
                        {
                            let low = hex(*at + 2);
                            *at += 6;
                            char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                                .unwrap_or('\u{fffd}')
                        } else {
                            char::from_u32(unit).unwrap_or('\u{fffd}')
                        }
                    }
                    other => char::from(other),
                });
            }
            _ => {
                let run = b[*at..]
                    .iter()
                    .position(|&c| c == b'"' || c == b'\\')
                    .unwrap_or(b.len() - *at);
                out.push_str(&text[*at..*at + run]);
                *at += run;
            }
        }
    }
    out
}

/// Valid JSON text (checked by `go_json_value`) into a value, without recursion.
fn read_json(text: &str) -> Result<Value, BuiltinError> {
    enum Open {
        Array(Vec<Value>),
        Object(std::collections::BTreeMap<Value, Value>, Value),
    }
    let b = text.as_bytes();
    let mut at = 0;
    let ws = |at: &mut usize| {
        while *at < b.len() && matches!(b[*at], b' ' | b'\t' | b'\n' | b'\r') {
            *at += 1;
        }
    };
    // A key and its colon.
    let key = |at: &mut usize| -> Value {
        ws(at);
        let k = Value::from(json_string(text, at));
        ws(at);
        *at += 1;
        k
    };
    let mut open: Vec<Open> = Vec::new();
    loop {
        ws(&mut at);
        let mut value = match b.get(at) {
            Some(b'[') => {
                at += 1;
                ws(&mut at);
                if b.get(at) == Some(&b']') {
                    at += 1;
                    Value::from(Vec::<Value>::new())
                } else {
                    open.push(Open::Array(Vec::new()));
                    continue;
                }
            }
            Some(b'{') => {
                at += 1;
                ws(&mut at);
                if b.get(at) == Some(&b'}') {
                    at += 1;
                    Value::from(std::collections::BTreeMap::<Value, Value>::new())
                } else {
                    let k = key(&mut at);
                    open.push(Open::Object(Default::default(), k));
                    continue;
                }
            }
            Some(b'"') => Value::from(json_string(text, &mut at)),
            Some(b't') => {
                at += 4;
                Value::from(true)
            }
            Some(b'f') => {
                at += 5;
                Value::from(false)
            }
            Some(b'n') => {
                at += 4;
                Value::Null
            }
            _ => {
                let start = at;
                while at < b.len()
                    && matches!(b[at], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    at += 1;
                }
                json_number(&text[start..at])?
            }
        };
        // Put the value in its container; close the containers that end here.
        loop {
            ws(&mut at);
            match open.last_mut() {
                None => return Ok(value),
                Some(Open::Array(items)) => {
                    items.push(value);
                    let more = b.get(at) == Some(&b',');
                    at += 1;
                    if more {
                        break;
                    }
                    let Some(Open::Array(items)) = open.pop() else {
                        return Ok(Value::Undefined);
                    };
                    value = Value::from(items);
                }
                Some(Open::Object(fields, k)) => {
                    // A later key replaces an earlier one, as Go's map.
                    fields.insert(std::mem::replace(k, Value::Null), value);
                    let more = b.get(at) == Some(&b',');
                    at += 1;
                    if more {
                        *k = key(&mut at);
                        break;
                    }
                    let Some(Open::Object(fields, _)) = open.pop() else {
                        return Ok(Value::Undefined);
                    };
                    value = Value::from(fields);
                }
            }
        }
    }
}

/// Go's `json.Valid` (its scanner, without recursion): the document's nesting depth when the
/// text is one JSON value nested at most 10,000 deep, else `None`.
pub(crate) fn go_json_depth(text: &str) -> Option<usize> {
    let (end, depth) = go_json_value(text)?;
    (end == text.len()).then_some(depth)
}

/// The first JSON value of the text, as Go's scanner reads it: where it ends (blank space after
/// it included) and its nesting depth.
fn go_json_value(text: &str) -> Option<(usize, usize)> {
    const GO_MAX_DEPTH: usize = 10_000;
    let b = text.as_bytes();
    let mut i = 0;
    let ws = |i: &mut usize| {
        while *i < b.len() && matches!(b[*i], b' ' | b'\t' | b'\n' | b'\r') {
            *i += 1;
        }
    };
    let string = |i: &mut usize| -> Option<()> {
        // At the opening quote.
        *i += 1;
        loop {
            match *b.get(*i)? {
                b'"' => {
                    *i += 1;
                    return Some(());
                }
                b'\\' => match *b.get(*i + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => *i += 2,
                    b'u' => {
                        let hex = b.get(*i + 2..*i + 6)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        *i += 6;
                    }
                    _ => return None,
                },
                c if c < 0x20 => return None,
                _ => *i += 1,
            }
        }
    };
    let number = |i: &mut usize| -> Option<()> {
        let digits = |i: &mut usize| {
            let start = *i;
            while *i < b.len() && b[*i].is_ascii_digit() {
                *i += 1;
            }
            *i > start
        };
        if b.get(*i) == Some(&b'-') {
            *i += 1;
        }
        match b.get(*i)? {
            b'0' => *i += 1,
            b'1'..=b'9' => {
                digits(i);
            }
            _ => return None,
        }
        if b.get(*i) == Some(&b'.') {
            *i += 1;
            if !digits(i) {
                return None;
            }
        }
        if matches!(b.get(*i), Some(b'e' | b'E')) {
            *i += 1;
            if matches!(b.get(*i), Some(b'+' | b'-')) {
                *i += 1;
            }
            if !digits(i) {
                return None;
            }
        }
        Some(())
    };
    // An object key and its colon.
    let key = |i: &mut usize| -> Option<()> {
        ws(i);
        if b.get(*i) != Some(&b'"') {
            return None;
        }
        string(i)?;
        ws(i);
        if b.get(*i) != Some(&b':') {
            return None;
        }
        *i += 1;
        Some(())
    };
    // Open containers, innermost last: `[` or `{`.
    let mut open: Vec<u8> = Vec::new();
    let mut deepest = 0;
    loop {
        // A value.
        ws(&mut i);
        match *b.get(i)? {
            c @ (b'[' | b'{') => {
                open.push(c);
                deepest = deepest.max(open.len());
                if open.len() > GO_MAX_DEPTH {
                    return None;
                }
                i += 1;
                ws(&mut i);
                let close = if c == b'[' { b']' } else { b'}' };
                if b.get(i) == Some(&close) {
                    open.pop();
                    i += 1;
                } else if c == b'{' {
                    key(&mut i)?;
                    continue;
                } else {
                    continue;
                }
            }
            b'"' => string(&mut i)?,
            b't' | b'f' | b'n' => {
                let word: &[u8] = match b[i] {
                    b't' => b"true",
                    b'f' => b"false",
                    _ => b"null",
                };
                if !b[i..].starts_with(word) {
                    return None;
                }
                i += word.len();
            }
            _ => number(&mut i)?,
        }
        // After a value: close containers, or go on to the next element.
        loop {
            ws(&mut i);
            match open.last() {
                None => return Some((i, deepest)),
                Some(&c) => {
                    let close = if c == b'[' { b']' } else { b'}' };
                    match *b.get(i)? {
                        x if x == close => {
                            open.pop();
                            i += 1;
                        }
                        b',' => {
                            i += 1;
                            if c == b'{' {
                                key(&mut i)?;
                            }
                            break;
                        }
                        _ => return None,
                    }
                }
            }
        }
    }
}

/// `json.is_valid(x)`: Go's `json.Valid` — syntax only (an escaped lone surrogate, `"\ud800"`,
/// is valid JSON; serde refuses it), nesting to 10,000 levels.
pub(crate) fn is_valid(value: &Value) -> Option<Value> {
    // A value that is not a string: false, as OPA.
    let Ok(text) = value.as_string() else {
        return Some(Value::from(false));
    };
    Some(Value::from(go_json_depth(text).is_some()))
}

/// Whether regorus's JSON parse holds the number `token` (exactly `exact`) as verdict reads
/// numbers: a plain 64-bit integer exactly, anything else as the nearest double, which must be
/// that integer exactly (regorus compares a double by its binary value) or, for a fraction,
/// have the number as its shortest text.
fn held_by_regorus(token: &str, exact: &Num) -> bool {
    let plain = !token.contains(['.', 'e', 'E']);
    if plain && (token.parse::<i64>().is_ok() || token.parse::<u64>().is_ok()) {
        return true;
    }
    let double = token.parse::<f64>().ok().filter(|f| f.is_finite());
    if exact.is_integer() {
        return double
            .and_then(whole_double)
            .is_some_and(|w| Some(w) == exact.integer());
    }
    double
        .and_then(Num::from_f64)
        .is_some_and(|h| h.same_value(exact))
}

/// `to_number(x)`.
/// A number written with an exponent whose value is an integer (`3e0`, `0.3e1`): OPA keeps the
/// text, and its integer operands refuse it. Like a policy literal (`crate::rewrite`), it is the
/// double when a double holds it and reads back as it (verdict's integer operands refuse
/// doubles), else an error within 64 bits (an integer operand would take the integer) and the
/// exact integer past them (where OPA's refuse it too). `None` for any other number.
fn exponent_integer(token: &str, exact: &Num, what: &str) -> Option<Result<Value, BuiltinError>> {
    if !token.contains(['e', 'E']) || !exact.is_integer() {
        return None;
    }
    let integer = match exact.value(what) {
        Ok(v) => v,
        Err(e) => return Some(Err(e)),
    };
    let Ok(text) = integer.to_json_str() else {
        return Some(Ok(integer));
    };
    let magnitude = text.trim_start_matches('-');
    if super::opanum::double_reads_back(magnitude)
        && let Ok(f) = text.parse::<f64>()
    {
        return Some(Ok(Value::from(f)));
    }
    let past_64_bits = magnitude.parse::<i64>().is_err();
    Some(if past_64_bits {
        Ok(integer)
    } else {
        Err(BuiltinError(format!(
            "{what}: the number {token} is an integer no double holds, and verdict cannot keep \
             its text as OPA does (KNOWN-DIFFERENCES.md row 22)"
        )))
    })
}

pub(crate) fn to_number(value: &Value) -> Result<Value, BuiltinError> {
    Ok(match value {
        Value::Null | Value::Bool(false) => Value::from(0u64),
        Value::Bool(true) => Value::from(1u64),
        Value::Number(_) => value.clone(),
        Value::String(s) => {
            if !go_parse_float_accepts(s) {
                return Ok(Value::Undefined);
            }
            if !is_json_number(s) {
                return Err(BuiltinError(format!(
                    "to_number: json: invalid number literal {s:?}"
                )));
            }
            // OPA keeps the text: its value is exact. An integer keeps all its digits, `-0`
            // its sign; a fraction a double cannot hold exactly (`0.1000000000000000000001`,
            // `1e-400`) is an error (KNOWN-DIFFERENCES.md row 26).
            match Num::parse(s) {
                Some(n) => match exponent_integer(s, &n, "to_number") {
                    Some(value) => value?,
                    None => n.value("to_number")?,
                },
                None => {
                    return Err(BuiltinError(format!(
                        "to_number: {s:?} has an exponent verdict cannot hold \
                         (KNOWN-DIFFERENCES.md row 26)"
                    )));
                }
            }
        }
        _ => Value::Undefined,
    })
}

/// JSON's number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat(s, 64)` of a decimal number, when it gives a finite value without
/// error (hexadecimal floats: `None`).
pub(crate) fn go_parse_float(s: &str) -> Option<f64> {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    if unsigned.starts_with("0x") || unsigned.starts_with("0X") || !go_parse_float_accepts(s) {
        return None;
    }
    let cleaned: String = s.chars().filter(|c| *c != '_').collect();
    cleaned.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Does Go's `strconv.ParseFloat(s, 64)` return a finite number without error
/// (and is `s` none of the infinities and NaNs OPA refuses)?
fn go_parse_float_accepts(s: &str) -> bool {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (hex, body) = match unsigned
        .strip_prefix("0x")
        .or_else(|| unsigned.strip_prefix("0X"))
    {
        Some(rest) => (true, rest),
        None => (false, unsigned),
    };
    let b = body.as_bytes();
    let mut i = 0;
    let mut mantissa_digits = 0usize;
    let mut underscores = false;
    let mut seen_dot = false;
    while let Some(&c) = b.get(i) {
        match c {
            b'_' => underscores = true,
            b'.' if !seen_dot => seen_dot = true,
            c if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) => mantissa_digits += 1,
            _ => break,
        }
        i += 1;
    }
    if mantissa_digits == 0 {
        return false;
    }
    let exponent_mark = if hex { [b'p', b'P'] } else { [b'e', b'E'] };
    let mut exponent: Option<i64> = None;
    if b.get(i).is_some_and(|c| exponent_mark.contains(c)) {
        i += 1;
        let negative = match b.get(i) {
            Some(b'+') => {
                i += 1;
                false
            }
            Some(b'-') => {
                i += 1;
                true
            }
            _ => false,
        };
        let mut e: i64 = 0;
        let mut any = false;
        while let Some(&c) = b.get(i) {
            match c {
                b'_' => underscores = true,
                c if c.is_ascii_digit() => {
                    any = true;
                    e = (e * 10 + i64::from(c - b'0')).min(1_000_000);
                }
                _ => break,
            }
            i += 1;
        }
        if !any {
            return false;
        }
        exponent = Some(if negative { -e } else { e });
    }
    if hex && exponent.is_none() {
        return false;
    }
    if i != b.len() {
        return false;
    }
    if underscores && !underscore_ok(unsigned) {
        return false;
    }
    // Range: ParseFloat fails when the value rounds beyond f64's largest.
    if hex {
        let digits: String = body
            .split(['p', 'P'])
            .next()
            .unwrap_or_default()
            .chars()
            .filter(|c| *c != '_')
            .collect();
        let (int, frac) = digits.split_once('.').unwrap_or((&digits, ""));
        let mut value = 0f64;
        for c in int.chars().chain(frac.chars()) {
            value = value * 16.0 + f64::from(c.to_digit(16).unwrap_or(0));
        }
        let exp = exponent.unwrap_or(0) - 4 * frac.len() as i64;
        let scaled = value * 2f64.powi(exp.clamp(-2000, 2000) as i32);
        return scaled.is_finite();
    }
    let cleaned: String = unsigned.chars().filter(|c| *c != '_').collect();
    cleaned.parse::<f64>().is_ok_and(f64::is_finite)
}

/// Go's `underscoreOK`: underscores only between digits (or after a base prefix).
fn underscore_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    let hex = b.len() >= 2 && b[0] == b'0' && matches!(b[1], b'x' | b'X');
    if hex {
        i = 2;
        saw = b'0';
    }
    while let Some(&c) = b.get(i) {
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OPA v1.20.2 keeps each number's text: verdict holds it exactly or refuses.
    #[test]
    fn lone_surrogates_as_go() {
        let s = |x: &str| Value::from(x);
        let show = |v: Value| serde_json::to_string(&v).unwrap();
        assert_eq!(is_valid(&s("\"\\ud800\"")), Some(Value::from(true)));
        assert_eq!(is_valid(&s("\"\\\\ud800\"")), Some(Value::from(true)));
        assert_eq!(is_valid(&s("{")), Some(Value::from(false)));
        assert_eq!(is_valid(&s("[1e400]")), Some(Value::from(true)));
        assert_eq!(
            show(unmarshal(&s("\"\\ud800x\"")).unwrap()),
            "\"\u{fffd}x\""
        );
        assert_eq!(show(unmarshal(&s("\"\\ud83d\\ude00\"")).unwrap()), "\"😀\"");
        assert_eq!(
            show(unmarshal(&s("\"\\udc00\\ud800\"")).unwrap()),
            "\"\u{fffd}\u{fffd}\""
        );
    }

    /// Attacks from the second review: regorus's serde visitor read an object keyed
    /// `$serde_json::private::Number` as a number, and a string spelling the old exact-integer
    /// marker through escapes became that integer.
    #[test]
    fn unmarshal_objects_and_strings_stay_what_they_are() {
        let ok = |text: &str| unmarshal(&Value::from(text)).unwrap();
        let object = ok(r#"{"port": {"$serde_json::private::Number": "80"}, "b": 1}"#);
        assert_eq!(
            object["port"]["$serde_json::private::Number"],
            Value::from("80")
        );
        assert_eq!(object["b"], Value::from(1u64));
        let forged =
            ok(r#"["\u0001verdict\u002dexact-integer-0", 123456789012345678901234567890]"#);
        assert_eq!(forged[0], Value::from("\u{1}verdict-exact-integer-0"));
        // A `null` token after the document passes, as OPA's decoder lets it; another does not.
        assert_eq!(
            ok(r#"{"blocked": true}null, x"#)["blocked"],
            Value::from(true)
        );
        assert_eq!(ok(r#"{"blocked": true} true"#), Value::Undefined);
    }

    #[test]
    fn unmarshal_numbers_exactly_or_not_at_all() {
        let ok = |text: &str| unmarshal(&Value::from(text)).unwrap();
        let refused = |text: &str| {
            let err = unmarshal(&Value::from(text)).unwrap_err().0;
            assert!(err.contains("row 26"), "{text}: {err}");
        };
        let number = |text: &str| Value::from_numeric_string(text).unwrap();
        assert_eq!(
            ok(r#"[1, 2.5, 1e3, 0.1, 1e20, "1.00000000000000000001"]"#),
            Value::from_json_str(
                r#"[1, 2.5, 1000, 0.1, 100000000000000000000, "1.00000000000000000001"]"#
            )
            .unwrap()
        );
        assert_eq!(ok("{"), Value::Undefined);
        assert_eq!(ok("1e23"), number("100000000000000000000000"));
        assert_eq!(ok("1e400"), number("1e400"));
        assert_eq!(
            ok(r#"{"a": [123456789012345678901234567890, "x"], "b": -1e23}"#),
            Value::from(
                [
                    (
                        Value::from("a"),
                        Value::from(vec![
                            number("123456789012345678901234567890"),
                            Value::from("x")
                        ])
                    ),
                    (Value::from("b"), number("-100000000000000000000000")),
                ]
                .into_iter()
                .collect::<std::collections::BTreeMap<_, _>>()
            )
        );
        refused("1.00000000000000000001");
        refused("[1e-400]");
        refused("12345678901234567890.5");
    }
}
