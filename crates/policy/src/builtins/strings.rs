//! String builtins where OPA's answer differs from regorus's: `strings.count` of an empty
//! substring; `indexof` / `indexof_n`, which OPA refuses (an error, so undefined under
//! Buildx's non-strict builtin errors) for an empty search string and count in runes;
//! `substring`, which OPA refuses for an offset or length that is no integer (`1.5`; regorus
//! truncates it; [`int_operand`]) or a negative offset; `lower` / `upper`, which Go maps rune by rune with
//! Unicode's simple case mappings (`lower("İ")` is `"i"`, `upper("ß")` is `"ß"`), where Rust's
//! full mappings change the length (`"i̇"`, `"SS"`).

use regorus::Value;

use super::bounded::int_operand;

/// `strings.count(s, sub)`: Go's `strings.Count` (an empty `sub` counts the gaps between
/// runes: runes + 1).
pub(crate) fn count(s: &Value, sub: &Value) -> Option<Value> {
    let (s, sub) = (s.as_string().ok()?, sub.as_string().ok()?);
    let count = if sub.is_empty() {
        s.chars().count() + 1
    } else {
        s.matches(sub.as_ref()).count()
    };
    Some(Value::from(count))
}

/// The rune positions at which `search` starts in `base`, overlapping (`"aaaa"`, `"aa"`:
/// 0, 1, 2); `None` for an empty `search` or arguments that are not strings.
fn positions(base: &Value, search: &Value) -> Option<Vec<usize>> {
    let (base, search) = (base.as_string().ok()?, search.as_string().ok()?);
    if search.is_empty() {
        return None;
    }
    Some(
        base.char_indices()
            .enumerate()
            .filter(|(_, (byte, _))| base[*byte..].starts_with(search.as_ref()))
            .map(|(rune, _)| rune)
            .collect(),
    )
}

/// `indexof(base, search)`: the first rune position, -1 when absent.
pub(crate) fn indexof(base: &Value, search: &Value) -> Option<Value> {
    let first = positions(base, search)?.first().map_or(-1, |&p| p as i64);
    Some(Value::from(first))
}

/// `indexof_n(base, search)`: every rune position.
pub(crate) fn indexof_n(base: &Value, search: &Value) -> Option<Value> {
    Some(Value::from(
        positions(base, search)?
            .into_iter()
            .map(Value::from)
            .collect::<Vec<_>>(),
    ))
}

/// `lower(s)`: each rune's simple lowercase mapping (Go's `unicode.ToLower`).
pub(crate) fn lower(value: &Value) -> Option<Value> {
    let text = value.as_string().ok()?;
    Some(Value::from(
        text.chars().map(simple_lower).collect::<String>(),
    ))
}

/// `upper(s)`: each rune's simple uppercase mapping (Go's `unicode.ToUpper`).
pub(crate) fn upper(value: &Value) -> Option<Value> {
    let text = value.as_string().ok()?;
    Some(Value::from(
        text.chars().map(simple_upper).collect::<String>(),
    ))
}

fn single(mut mapped: impl Iterator<Item = char>) -> Option<char> {
    let first = mapped.next()?;
    mapped.next().is_none().then_some(first)
}

fn simple_lower(c: char) -> char {
    // U+0130 is the only rune whose full lowercase mapping is longer than its simple one.
    if c == '\u{130}' {
        return 'i';
    }
    single(c.to_lowercase()).unwrap_or(c)
}

fn simple_upper(c: char) -> char {
    if let Some(upper) = single(c.to_uppercase()) {
        return upper;
    }
    // Runes whose full uppercase mapping is longer: most have no simple mapping (`ß`, `ﬀ`,
    // `ŉ` stay); the Greek letters with a subscript iota map to their title-case forms.
    match u32::from(c) {
        0x1F80..=0x1F87 | 0x1F90..=0x1F97 | 0x1FA0..=0x1FA7 => {
            char::from_u32(u32::from(c) + 8).unwrap_or(c)
        }
        0x1FB3 | 0x1FC3 | 0x1FF3 => char::from_u32(u32::from(c) + 9).unwrap_or(c),
        _ => c,
    }
}

/// `substring(value, offset, length)`, in runes; a negative length takes the rest.
pub(crate) fn substring(value: &Value, offset: &Value, length: &Value) -> Option<Value> {
    let (value, offset, length) = (
        value.as_string().ok()?,
        int_operand(offset)?,
        int_operand(length)?,
    );
    let offset = usize::try_from(offset).ok()?;
    let rest = value.chars().skip(offset);
    let text: String = match usize::try_from(length) {
        Ok(length) => rest.take(length).collect(),
        Err(_) => rest.collect(),
    };
    Some(Value::from(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OPA v1's answers.
    #[test]
    fn as_opa() {
        let s = |x: &str| Value::from(x);
        let json = |v: Option<Value>| {
            v.map_or("undefined".to_owned(), |v| {
                serde_json::to_string(&v).unwrap()
            })
        };
        let cases: &[(&str, &str, &str, &str)] = &[
            ("indexof", "1.0", "", "undefined"),
            ("indexof", "héllo", "l", "2"),
            ("indexof", "héllo", "x", "-1"),
            ("indexof", "", "x", "-1"),
            ("indexof_n", "v1.0.0", "", "undefined"),
            ("indexof_n", "aaaa", "aa", "[0,1,2]"),
            ("indexof_n", "héllo", "l", "[2,3]"),
            ("indexof_n", "abc", "x", "[]"),
            ("strings.count", "héllo", "", "6"),
            ("strings.count", "aaaa", "aa", "2"),
        ];
        for (f, a, b, want) in cases {
            let got = match *f {
                "indexof" => indexof(&s(a), &s(b)),
                "indexof_n" => indexof_n(&s(a), &s(b)),
                _ => count(&s(a), &s(b)),
            };
            assert_eq!(json(got), *want, "{f}({a:?}, {b:?})");
        }
        assert_eq!(indexof(&Value::from(1i64), &s("a")), None);
        // upper / lower: OPA's answers.
        let cases = [
            ("ß", "ß"),
            ("ﬀ", "ﬀ"),
            ("ᾳ", "ᾼ"),
            ("ǅ", "Ǆ"),
            ("ŉ", "ŉ"),
            ("ᾀ", "ᾈ"),
            ("ᾈ", "ᾈ"),
            ("i\u{307}", "I\u{307}"),
            ("ΐ", "ΐ"),
            ("aé", "AÉ"),
        ];
        for (text, want) in cases {
            assert_eq!(
                json(upper(&s(text))),
                serde_json::to_string(want).unwrap(),
                "upper({text:?})"
            );
        }
        let cases = [("İ", "i"), ("Ǆ", "ǆ"), ("ᾈ", "ᾀ"), ("ẞ", "ß"), ("AÉ", "aé")];
        for (text, want) in cases {
            assert_eq!(
                json(lower(&s(text))),
                serde_json::to_string(want).unwrap(),
                "lower({text:?})"
            );
        }
        let n = |x: f64| Value::from(x);
        let i = |x: i64| Value::from(x);
        let sub: &[(&str, Value, Value, &str)] = &[
            ("hello", n(1.5), i(2), "undefined"),
            // OPA: "el" (a zero fraction is an integer to it); refused here: row 22.
            ("hello", n(1.0), i(2), "undefined"),
            ("hello", i(1), n(2.0), "undefined"),
            ("hello", i(1), n(2.5), "undefined"),
            ("hello", i(-1), i(2), "undefined"),
            ("hello", i(9), i(2), "\"\""),
            ("hello", i(1), i(-1), "\"ello\""),
            ("héllo", i(1), i(2), "\"él\""),
        ];
        for (text, offset, length, want) in sub {
            assert_eq!(
                json(substring(&s(text), offset, length)),
                *want,
                "substring({text:?}, {offset}, {length})"
            );
        }
    }
}
