//! `urlquery.encode`, `urlquery.decode`, `urlquery.encode_object` and
//! `urlquery.decode_object` as OPA evaluates them (OPA `topdown/encoding.go`
//! over Go's `net/url`):
//!
//! * encode — `url.QueryEscape`: every byte of the UTF-8 text except ASCII
//!   letters, digits and `-_.~` as `%XX` (upper-case hex), a space as `+`;
//! * decode — `url.QueryUnescape`: `+` is a space, `%XX` a byte; a `%` not
//!   followed by two hex digits is an error (the call is undefined). Bytes that
//!   do not form UTF-8 become one U+FFFD each (a Rego string is text; Go keeps
//!   the bytes, and its JSON and `count` see one U+FFFD per such byte);
//! * encode_object — `url.Values.Encode` of an object whose values are strings,
//!   arrays or sets of strings: `key=value` pairs sorted by key (bytewise), a
//!   key's values in their order, joined by `&`; any other value is an error;
//!   a key that is not a string is written as its JSON text;
//! * decode_object — `url.ParseQuery`: pairs split on `&`, each at its first
//!   `=`; empty pairs skipped; a pair with `;` or a bad escape is an error (OPA
//!   fails the call on any), and so are more than 10,000 parts (recent Go
//!   releases' limit). Each key maps to the array of its values.

use std::collections::BTreeMap;

use regorus::Value;

/// Go's `url.ParseQuery` limit on parts (recent Go releases; default 10,000).
const MAX_QUERY_PARAMS: usize = 10_000;

/// `urlquery.encode(s)`.
pub(crate) fn encode(value: &Value) -> Option<Value> {
    Some(Value::from(escape(value.as_string().ok()?)))
}

/// `urlquery.decode(s)`.
pub(crate) fn decode(value: &Value) -> Option<Value> {
    Some(Value::from(unescape(value.as_string().ok()?)?))
}

/// `urlquery.encode_object(object)`.
pub(crate) fn encode_object(value: &Value) -> Option<Value> {
    let Value::Object(fields) = value else {
        return None;
    };
    let mut pairs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (key, value) in fields.iter() {
        // OPA's ast.JSON writes a key that is not a string as its JSON text.
        let key = match key {
            Value::String(s) => s.to_string(),
            other => other.to_json_str().ok()?,
        };
        let values = match value {
            Value::String(s) => vec![s.to_string()],
            Value::Array(items) => strings(items.iter())?,
            Value::Set(items) => strings(items.iter())?,
            _ => return None,
        };
        pairs.insert(key, values);
    }
    let mut out = String::new();
    for (key, values) in &pairs {
        for value in values {
            if !out.is_empty() {
                out.push('&');
            }
            out.push_str(&escape(key));
            out.push('=');
            out.push_str(&escape(value));
        }
    }
    Some(Value::from(out))
}

fn strings<'a>(items: impl Iterator<Item = &'a Value>) -> Option<Vec<String>> {
    items
        .map(|item| match item {
            Value::String(s) => Some(s.to_string()),
            _ => None,
        })
        .collect()
}

/// `urlquery.decode_object(s)`.
pub(crate) fn decode_object(value: &Value) -> Option<Value> {
    let query = value.as_string().ok()?;
    // Go's net/url (as built into the OPA the differential runs) refuses a query of more than
    // 10,000 `&`-separated parts, empty ones included.
    if query.bytes().filter(|&b| b == b'&').count() >= MAX_QUERY_PARAMS {
        return None;
    }
    let mut fields: BTreeMap<Value, Vec<Value>> = BTreeMap::new();
    for pair in query.split('&') {
        if pair.contains(';') {
            return None;
        }
        if pair.is_empty() {
            continue;
        }
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (key, value) = (unescape(key)?, unescape(value)?);
        fields
            .entry(Value::from(key))
            .or_default()
            .push(Value::from(value));
    }
    let object: BTreeMap<Value, Value> = fields
        .into_iter()
        .map(|(k, v)| (k, Value::from(v)))
        .collect();
    Some(Value::from(object))
}

fn escape(text: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

fn unescape(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hi = hex(*bytes.get(i + 1)?)?;
                let lo = hex(*bytes.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    // Go keeps the bytes; what OPA then shows (JSON, `count`) reads one U+FFFD per
    // byte that is not part of a valid sequence.
    let mut text = String::with_capacity(out.len());
    for chunk in out.utf8_chunks() {
        text.push_str(chunk.valid());
        text.extend(chunk.invalid().iter().map(|_| '\u{fffd}'));
    }
    Some(text)
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Value {
        Value::from(text)
    }

    #[test]
    fn escape_and_unescape() {
        assert_eq!(encode(&s("a b&c=d/é~")), Some(s("a+b%26c%3Dd%2F%C3%A9~")));
        assert_eq!(decode(&s("a+b%26c%3dd%2F%C3%A9~")), Some(s("a b&c=d/é~")));
        assert_eq!(decode(&s("100%")), None);
        assert_eq!(decode(&s("%g0")), None);
        assert_eq!(decode(&s("%ff")), Some(s("\u{fffd}")));
        assert_eq!(decode(&s("%E2%82x")), Some(s("\u{fffd}\u{fffd}x")));
    }

    #[test]
    fn objects() {
        let object = Value::from_json_str(r#"{"b": ["2", "1"], "a": "x y", "c": []}"#).unwrap();
        assert_eq!(encode_object(&object), Some(s("a=x+y&b=2&b=1")));
        let bad = Value::from_json_str(r#"{"a": 1}"#).unwrap();
        assert_eq!(encode_object(&bad), None);
        let decoded = decode_object(&s("b=2&a=x+y&&b=1&c")).unwrap();
        let want = Value::from_json_str(r#"{"a": ["x y"], "b": ["2", "1"], "c": [""]}"#).unwrap();
        assert_eq!(decoded, want);
        assert_eq!(decode_object(&s("a=1;b=2")), None);
        assert_eq!(decode_object(&s("a=%")), None);
        let parts = |n: usize| vec!["a=1"; n].join("&");
        assert!(decode_object(&s(&parts(10_000))).is_some());
        assert_eq!(decode_object(&s(&parts(10_001))), None);
        assert_eq!(decode_object(&s(&"&".repeat(10_000))), None);
    }
}
