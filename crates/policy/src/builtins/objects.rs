//! `object.subset(super, sub)` as OPA decides it. regorus's panics on an empty array
//! (`object.subset([], [])`: a `windows(0)`), which traps in WebAssembly, and answers `false`
//! where OPA's call is an error (undefined: `object.subset({"a": 1}, "x")`).
//!
//! OPA: two objects — every key of `sub` is in `super` with a value that contains it (nested
//! objects, sets and arrays by the same rule, anything else by equality); two sets — `sub`'s
//! elements are all in `super`; an array and an array — `sub` is a contiguous run of `super`;
//! an array and a set — every element of the set is in the array, which is not empty (OPA's
//! `object.subset([], set())` is false). Any other pair is OPA's
//! operand error: undefined.

use regorus::Value;

/// Whether `sub` is within `super`, for two values of kinds the rule relates; `None` for a pair
/// it does not.
fn within(sup: &Value, sub: &Value) -> Option<bool> {
    Some(match (sup, sub) {
        (Value::Object(sup), Value::Object(sub)) => sub.iter().all(|(key, value)| {
            sup.get(key)
                .is_some_and(|have| within(have, value).unwrap_or(have == value))
        }),
        (Value::Set(sup), Value::Set(sub)) => sub.iter().all(|v| sup.contains(v)),
        (Value::Array(sup), Value::Array(sub)) => {
            let (sup, sub): (Vec<&Value>, Vec<&Value>) =
                (sup.iter().collect(), sub.iter().collect());
            sub.is_empty() || sup.windows(sub.len()).any(|run| run == sub.as_slice())
        }
        // (An empty array holds no set, not even the empty one, in OPA.)
        (Value::Array(sup), Value::Set(sub)) => {
            !sup.is_empty() && sub.iter().all(|v| sup.iter().any(|x| x == v))
        }
        _ => return None,
    })
}

/// `object.subset(super, sub)`.
pub(crate) fn subset(sup: &Value, sub: &Value) -> Option<Value> {
    within(sup, sub).map(Value::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OPA v1's answers.
    #[test]
    fn as_opa() {
        let v = |json: &str| Value::from_json_str(json).unwrap();
        let set = |items: &[&str]| {
            Value::from(
                items
                    .iter()
                    .map(|i| v(i))
                    .collect::<std::collections::BTreeSet<_>>(),
            )
        };
        let show = |x: Option<Value>| x.map_or("undefined".to_owned(), |x| x.to_string());
        let cases = [
            (
                v(r#"{"a": 1, "b": {"c": 2, "d": 3}}"#),
                v(r#"{"b": {"c": 2}}"#),
                "true",
            ),
            (v("[1, 2, 3, 4]"), v("[2, 3]"), "true"),
            (v("[1, 2, 3, 4]"), v("[2, 4]"), "false"),
            (v("[1, 2, 3]"), set(&["3", "1"]), "true"),
            (set(&["1", "2", "3"]), set(&["1"]), "true"),
            (v(r#"{"a": [1, 2]}"#), v(r#"{"a": [1]}"#), "true"),
            (v("{}"), v("{}"), "true"),
            (v("[]"), v("[]"), "true"),
            (v("[1]"), v("[]"), "true"),
            // (The generated differential's: an empty array holds no set.)
            (v("[]"), set(&[]), "false"),
            (v("[]"), set(&["1"]), "false"),
            (v("[1]"), set(&[]), "true"),
            (v(r#"{"a": 1}"#), v(r#""x""#), "undefined"),
            (set(&["1"]), v("[1]"), "undefined"),
            (v(r#"{"a": 1}"#), set(&["1"]), "undefined"),
            (v(r#"{"a": 1}"#), v(r#"{"a": 2}"#), "false"),
            (v(r#"{"a": 1}"#), v(r#"{"b": 1}"#), "false"),
        ];
        for (sup, sub, want) in cases {
            assert_eq!(
                show(subset(&sup, &sub)),
                want,
                "object.subset({sup}, {sub})"
            );
        }
    }
}
