//! `array.slice` as OPA runs it: its bounds are integers as OPA's `IntOperand` reads them
//! (`1.5` and, here, any double: `super::bounded::int_operand`), where regorus truncates.

use regorus::Value;

use super::bounded::int_operand;

/// `array.slice(array, start, stop)`: `start` below 0 is 0, `stop` past the end is the end,
/// `start` past `stop` is empty.
pub(crate) fn array_slice(array: &Value, start: &Value, stop: &Value) -> Option<Value> {
    let Value::Array(items) = array else {
        return None;
    };
    let (start, stop) = (int_operand(start)?, int_operand(stop)?);
    let len = i64::try_from(items.len()).ok()?;
    let stop = stop.clamp(0, len);
    let start = start.clamp(0, stop);
    let (start, stop) = (usize::try_from(start).ok()?, usize::try_from(stop).ok()?);
    Some(Value::from(
        items
            .iter()
            .skip(start)
            .take(stop - start)
            .cloned()
            .collect::<Vec<_>>(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OPA v1's answers.
    #[test]
    fn as_opa() {
        let a = Value::from_json_str("[1, 2, 3]").unwrap();
        let i = |x: i64| Value::from(x);
        let show = |v: Option<Value>| {
            v.map_or("undefined".to_owned(), |v| {
                serde_json::to_string(&v).unwrap()
            })
        };
        let cases = [
            (i(-1), i(2), "[1,2]"),
            (i(2), i(1), "[]"),
            (i(0), i(9), "[1,2,3]"),
            (i(5), i(9), "[]"),
            (i(1), i(-1), "[]"),
            (Value::from(1.5), i(2), "undefined"),
            (i(1), Value::from(2.5), "undefined"),
        ];
        for (start, stop, want) in cases {
            assert_eq!(
                show(array_slice(&a, &start, &stop)),
                want,
                "array.slice([1, 2, 3], {start}, {stop})"
            );
        }
        assert_eq!(
            show(array_slice(&Value::from("abc"), &i(1), &i(2))),
            "undefined"
        );
    }
}
