//! `yaml.unmarshal` and `yaml.is_valid` as OPA's (Go's `sigs.k8s.io/yaml` over go-yaml): a
//! document whose root is a flow collection or a quoted scalar ends, for go-yaml, where that
//! node closes, and what follows is never read — `[a-z]+`, `{a: 1}x`, `"a"b` and `[a]` then a
//! second line are `["a-z"]`, `{"a": 1}`, `"a"` and `["a"]` in OPA. regorus's YAML reader
//! refuses them, so `not yaml.unmarshal("[a-z]+")` held in verdict where it fails in Buildx.
//! Everything else is regorus's reader.

use regorus::Value;

/// `yaml.unmarshal(x)`: the document, or undefined when it is not YAML (or `x` not a string).
pub(crate) fn unmarshal(value: &Value) -> Option<Value> {
    let text = value.as_string().ok()?;
    parse(text)
}

/// `yaml.is_valid(x)`: whether `yaml.unmarshal(x)` gives a document.
pub(crate) fn is_valid(value: &Value) -> Option<Value> {
    let text = value.as_string().ok()?;
    Some(Value::from(parse(text).is_some()))
}

fn parse(text: &str) -> Option<Value> {
    // A byte-order mark past the first character: go-yaml's reader and regorus's part ways.
    if text.char_indices().any(|(i, c)| c == '\u{feff}' && i > 0) {
        return None;
    }
    // go-yaml reads YAML 1.1 and refuses a document that declares another version.
    if text
        .lines()
        .any(|l| l.starts_with("%YAML") && l.split_whitespace().nth(1) != Some("1.1"))
    {
        return None;
    }
    let text = match Value::from_yaml_str(text) {
        Ok(_) => text,
        Err(_) => {
            // go-yaml goes on scanning after the root, and refuses what cannot start a token
            // there (`[a] b: 2`, `[a] | b`, an unclosed quote): only text with none of those
            // characters is taken (the rest is undefined, which can only refuse more).
            let end = flow_root_end(text)?;
            if !text[end..].chars().all(|c| {
                (c == '\n' || c == ' ' || c.is_ascii_graphic())
                    && !matches!(
                        c,
                        ':' | '|'
                            | '>'
                            | '?'
                            | '@'
                            | '`'
                            | '%'
                            | '"'
                            | '\''
                            | '!'
                            | '&'
                            | '*'
                            | '-'
                    )
            }) {
                return None;
            }
            &text[..end]
        }
    };
    json_keys(Value::from_yaml_str(text).ok()?)
}

/// Go's YAML-to-JSON conversion of the keys regorus keeps as they are: a number or a boolean
/// becomes its text (`1: a` is `{"1": "a"}`), a null, a sequence or a mapping is an error (the
/// document is undefined), as are two keys that become one.
fn json_keys(value: Value) -> Option<Value> {
    match value {
        Value::Object(map) => {
            let mut out = std::collections::BTreeMap::new();
            for (key, item) in map.iter() {
                let key = match key {
                    Value::String(_) => key.clone(),
                    // (An integer key past 64 bits is Go's error.)
                    Value::Number(_) | Value::Bool(_) => {
                        let text = key.to_json_str().ok()?;
                        if text.bytes().all(|b| b.is_ascii_digit() || b == b'-')
                            && text.parse::<i64>().is_err()
                        {
                            return None;
                        }
                        Value::from(text)
                    }
                    _ => return None,
                };
                if out.insert(key, json_keys(item.clone())?).is_some() {
                    return None;
                }
            }
            Some(Value::from(out))
        }
        Value::Array(items) => Some(Value::from(
            items
                .iter()
                .map(|item| json_keys(item.clone()))
                .collect::<Option<Vec<_>>>()?,
        )),
        other => Some(other),
    }
}

/// Where the root node ends when the document begins (after blank and comment lines) with a
/// flow collection or a quoted scalar: just after its closing bracket or quote.
fn flow_root_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = 0;
    // Blank space and whole-line comments before the root.
    loop {
        while at < bytes.len() && matches!(bytes[at], b' ' | b'\t' | b'\r' | b'\n') {
            at += 1;
        }
        if bytes.get(at) == Some(&b'#') {
            while at < bytes.len() && bytes[at] != b'\n' {
                at += 1;
            }
            continue;
        }
        break;
    }
    match bytes.get(at)? {
        b'"' | b'\'' => quoted_end(bytes, at),
        b'[' | b'{' => {
            let mut depth = 0usize;
            // Whether a quote here would begin a quoted scalar (at a token's start).
            let mut token_start = true;
            let mut i = at;
            while i < bytes.len() {
                let b = bytes[i];
                match b {
                    b'[' | b'{' => {
                        depth += 1;
                        token_start = true;
                    }
                    b']' | b'}' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                        token_start = false;
                    }
                    b',' | b':' | b' ' | b'\t' | b'\r' | b'\n' => token_start = true,
                    b'"' | b'\'' if token_start => {
                        i = quoted_end(bytes, i)?;
                        token_start = false;
                        continue;
                    }
                    // A comment runs to the end of its line.
                    b'#' if i > 0 && matches!(bytes[i - 1], b' ' | b'\t' | b'\n') => {
                        while i < bytes.len() && bytes[i] != b'\n' {
                            i += 1;
                        }
                        continue;
                    }
                    _ => token_start = false,
                }
                i += 1;
            }
            None
        }
        _ => None,
    }
}

/// Just after the quoted scalar that begins at `start` (`"…"` with backslash escapes, `'…'`
/// with `''` for a quote).
fn quoted_end(bytes: &[u8], start: usize) -> Option<usize> {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b if b == quote => {
                if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                    i += 2;
                } else {
                    return Some(i + 1);
                }
            }
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (YAML text, OPA v1.20.2's `yaml.unmarshal` as JSON, or None for undefined).
    const CASES: &[(&str, Option<&str>)] = &[
        ("[a-z]+", Some(r#"["a-z"]"#)),
        ("[a]b", Some(r#"["a"]"#)),
        ("[a] b", Some(r#"["a"]"#)),
        ("{a: 1}x", Some(r#"{"a":1}"#)),
        ("\"a\"b", Some(r#""a""#)),
        ("[a]]", Some(r#"["a"]"#)),
        ("[a", None),
        ("a: [b]c", None),
        ("[a]\nb", Some(r#"["a"]"#)),
        ("[1, 2]3", Some("[1,2]")),
        ("'a'b", Some(r#""a""#)),
        ("[a]#c", Some(r#"["a"]"#)),
        ("- [a]b", None),
        ("a: 1", Some(r#"{"a":1}"#)),
        ("[\"]\", b]x", Some(r#"["]","b"]"#)),
        // go-yaml refuses these (found by an attack review).
        ("{a: 1} b: 2", None),
        ("[a] x: y", None),
        ("[a] | b", None),
        ("[a] \"b", None),
        ("[a]: 2", None),
        ("null: a", None),
        ("a: [{b: 1}, {null: 2}]", None),
        ("1: a", Some(r#"{"1":"a"}"#)),
        ("[a]\u{0}", None),
        ("[a]\n\t", None),
        ("a: 1\n\u{feff}", None),
        ("{9223372036854775808: a}", None),
        ("true: a", Some(r#"{"true":"a"}"#)),
        ("1.5: a", Some(r#"{"1.5":"a"}"#)),
        ("\"null\": a", Some(r#"{"null":"a"}"#)),
    ];

    #[test]
    fn flow_roots_end_where_go_yaml_stops() {
        for (text, want) in CASES {
            let got = unmarshal(&Value::from(*text)).map(|v| v.to_json_str().unwrap());
            let want = want.map(|w| Value::from_json_str(w).unwrap().to_json_str().unwrap());
            assert_eq!(got, want, "{text:?}");
        }
    }
}
