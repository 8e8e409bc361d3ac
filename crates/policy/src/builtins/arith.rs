//! `plus`, `minus`, `mul`, `div` and `rem` called by name, as OPA allows
//! (`plus(1, 2)` is `1 + 2`); regorus knows them only as operators. Each is
//! regorus's own arithmetic (the operators' semantics); `minus` of two sets is
//! their difference. A builtin error in OPA (a division or remainder by zero, a
//! remainder of non-integers, operands of other types) makes the call undefined.

use regorus::Value;

/// `plus(x, y)`.
pub(crate) fn plus(x: &Value, y: &Value) -> Option<Value> {
    match (x, y) {
        (Value::Number(a), Value::Number(b)) => a.add(b).ok().map(Value::Number),
        _ => None,
    }
}

/// `minus(x, y)`: numbers, or the difference of two sets.
pub(crate) fn minus(x: &Value, y: &Value) -> Option<Value> {
    match (x, y) {
        (Value::Number(a), Value::Number(b)) => a.sub(b).ok().map(Value::Number),
        (Value::Set(a), Value::Set(b)) => {
            let diff: std::collections::BTreeSet<Value> =
                a.iter().filter(|v| !b.contains(v)).cloned().collect();
            Some(Value::from(diff))
        }
        _ => None,
    }
}

/// `mul(x, y)`.
pub(crate) fn mul(x: &Value, y: &Value) -> Option<Value> {
    match (x, y) {
        (Value::Number(a), Value::Number(b)) => a.mul(b).ok().map(Value::Number),
        _ => None,
    }
}

fn is_zero(v: &Value) -> bool {
    v.as_f64().is_ok_and(|f| f == 0.0)
}

/// `div(x, y)`: undefined when `y` is zero.
pub(crate) fn div(x: &Value, y: &Value) -> Option<Value> {
    match (x, y) {
        (Value::Number(a), Value::Number(b)) if !is_zero(y) => {
            a.clone().divide(b).ok().map(Value::Number)
        }
        _ => None,
    }
}

/// `rem(x, y)`: integers only; undefined when `y` is zero.
pub(crate) fn rem(x: &Value, y: &Value) -> Option<Value> {
    match (x, y) {
        (Value::Number(a), Value::Number(b)) if a.is_integer() && b.is_integer() && !is_zero(y) => {
            a.clone().modulo(b).ok().map(Value::Number)
        }
        _ => None,
    }
}
