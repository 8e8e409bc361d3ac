//! String builtins where OPA's answer differs from regorus's: `strings.count` of an empty
//! substring, and `indexof` / `indexof_n`, which OPA refuses (an error, so undefined under
//! Buildx's non-strict builtin errors) for an empty search string and count in runes.

use regorus::Value;

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
    }
}
