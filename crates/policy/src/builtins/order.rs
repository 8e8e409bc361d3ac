//! OPA's total order of values, where it differs from regorus's: OPA sorts objects before
//! sets (null < booleans < numbers < strings < arrays < objects < sets), regorus sets before
//! objects. The ordering operators between two operands that may be either (`<`, `<=`, `>`,
//! `>=`, rewritten by `crate::rewrite` into calls of `lt` … `ge` here) and `sort`, `min`,
//! `max` use OPA's order; everything else is regorus's, element by element.

use std::cmp::Ordering;

use regorus::Value;

fn rank(value: &Value) -> u8 {
    match value {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
        Value::Set(_) => 6,
        Value::Undefined => 7,
    }
}

/// Compares two values in OPA's order.
pub(crate) fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => sequence(x.iter(), y.iter()),
        (Value::Set(x), Value::Set(y)) => {
            sequence(sorted(x.iter()).into_iter(), sorted(y.iter()).into_iter())
        }
        (Value::Object(x), Value::Object(y)) => {
            let (x, y) = (by_key(x.iter()), by_key(y.iter()));
            for ((kx, vx), (ky, vy)) in x.iter().zip(&y) {
                let order = compare(kx, ky).then_with(|| compare(vx, vy));
                if order != Ordering::Equal {
                    return order;
                }
            }
            x.len().cmp(&y.len())
        }
        _ if rank(a) == rank(b) => a.cmp(b),
        _ => rank(a).cmp(&rank(b)),
    }
}

fn by_key<'v>(pairs: impl Iterator<Item = (&'v Value, &'v Value)>) -> Vec<(&'v Value, &'v Value)> {
    let mut all: Vec<_> = pairs.collect();
    all.sort_by(|p, q| compare(p.0, q.0));
    all
}

/// Values in OPA's order.
pub(crate) fn sorted<'v>(values: impl Iterator<Item = &'v Value>) -> Vec<&'v Value> {
    let mut all: Vec<&Value> = values.collect();
    all.sort_by(|a, b| compare(a, b));
    all
}

fn sequence<'v>(
    x: impl Iterator<Item = &'v Value>,
    y: impl Iterator<Item = &'v Value>,
) -> Ordering {
    let (mut x, mut y) = (x, y);
    loop {
        match (x.next(), y.next()) {
            (Some(a), Some(b)) => {
                let order = compare(a, b);
                if order != Ordering::Equal {
                    return order;
                }
            }
            (Some(_), None) => return Ordering::Greater,
            (None, Some(_)) => return Ordering::Less,
            (None, None) => return Ordering::Equal,
        }
    }
}

/// `a < b` (`lt`), `a <= b` (`le`), `a > b` (`gt`), `a >= b` (`ge`).
pub(crate) fn ordered(op: &str, a: &Value, b: &Value) -> Value {
    let order = compare(a, b);
    Value::from(match op {
        "lt" => order == Ordering::Less,
        "le" => order != Ordering::Greater,
        "gt" => order == Ordering::Greater,
        _ => order != Ordering::Less,
    })
}

/// The elements of an array or set; `None` for anything else.
fn elements(collection: &Value) -> Option<Vec<&Value>> {
    match collection {
        Value::Array(a) => Some(a.iter().collect()),
        Value::Set(s) => Some(s.iter().collect()),
        _ => None,
    }
}

/// `sort(collection)`.
pub(crate) fn sort(collection: &Value) -> Option<Value> {
    let mut all = elements(collection)?;
    all.sort_by(|a, b| compare(a, b));
    Some(Value::from(all.into_iter().cloned().collect::<Vec<_>>()))
}

/// `min(collection)`; undefined when empty.
pub(crate) fn min(collection: &Value) -> Option<Value> {
    elements(collection)?
        .into_iter()
        .min_by(|a, b| compare(a, b))
        .cloned()
}

/// `max(collection)`; undefined when empty.
pub(crate) fn max(collection: &Value) -> Option<Value> {
    elements(collection)?
        .into_iter()
        .max_by(|a, b| compare(a, b))
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(json: &str) -> Value {
        Value::from_json_str(json).unwrap()
    }

    /// OPA v1's answers (sets written as `{"__set__": [...]}` are built below).
    #[test]
    fn as_opa() {
        let set = |items: &[Value]| {
            Value::from(
                items
                    .iter()
                    .cloned()
                    .collect::<std::collections::BTreeSet<_>>(),
            )
        };
        let object = v(r#"{"b": 0}"#);
        let two = set(&[v("2")]);
        // `{"b": 0} > {2}`: false in OPA (objects sort before sets).
        assert_eq!(ordered("gt", &object, &two), Value::from(false));
        assert_eq!(ordered("lt", &object, &two), Value::from(true));
        assert_eq!(ordered("ge", &two, &object), Value::from(true));
        // `{2} < set()`: false (a longer set is greater).
        assert_eq!(ordered("lt", &two, &set(&[])), Value::from(false));
        // sort([set(), {}, [], "a", 1, false, null])
        let mixed = Value::from(vec![
            set(&[]),
            v("{}"),
            v("[]"),
            v("\"a\""),
            v("1"),
            v("false"),
            v("null"),
        ]);
        let want = Value::from(vec![
            v("null"),
            v("false"),
            v("1"),
            v("\"a\""),
            v("[]"),
            v("{}"),
            set(&[]),
        ]);
        assert_eq!(sort(&mixed), Some(want));
        // min({{}, {"a": 1}}) is {} ; min({{1}, []}) is []
        assert_eq!(min(&set(&[v("{}"), v(r#"{"a": 1}"#)])), Some(v("{}")));
        assert_eq!(min(&set(&[set(&[v("1")]), v("[]")])), Some(v("[]")));
        assert_eq!(max(&v("[]")), None);
        assert_eq!(sort(&v("1")), None);
        assert_eq!(ordered("le", &v("1"), &v("1.0")), Value::from(true));
    }
}
