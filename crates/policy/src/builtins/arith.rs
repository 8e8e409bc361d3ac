//! Arithmetic and set operators as OPA evaluates them.
//!
//! regorus evaluates `+ - * / %`, `|`, `&` and unary `-` itself: an operand of the wrong type
//! is an evaluation error, and floats are IEEE doubles (`0.1 + 0.2` is
//! `0.30000000000000004`). In OPA (Buildx) the operators are the builtins `plus`, `minus`,
//! `mul`, `div`, `rem`, `or`, `and`: with non-strict builtin errors a wrong type, a division
//! by zero or `%` of a non-integer makes the expression undefined. The rewrite pass
//! (`crate::rewrite`) turns each operator into a call of the functions here (registered
//! under reserved names, and under OPA's own names `plus` … `rem`, which regorus lacks).
//! `abs`, `ceil`, `floor`, `round`, `sum` and `product` are OPA's here too.
//!
//! Numbers as OPA v1 computes them (`topdown/arithmetic.go`, `aggregates.go`; the cases
//! below are OPA v1.20.2's answers):
//!
//! * `+ - *` of two integers (any size; `1e30` and `2.0` are integers) are exact;
//! * `/` is exact only when both are integers in 32 bits and the divisor divides the dividend;
//!   every other quotient, and `+ - *` with a non-integer operand, is computed on Go
//!   `big.Float`s with a 64-bit mantissa (`super::opanum`): `0.1 + 0.2` is `0.3`, `1 / 3 * 3`
//!   is `1`, `1e30 / 3` is `333333333333333333340000000000`, `0 / -5` is `-0`;
//! * `%` is exact on integers and undefined on anything else;
//! * `abs`, `ceil`, `floor`, `round` of an integer beyond 32 bits or of a non-integer go
//!   through a 64-bit `big.Float` (`abs(100000000000000000001)` is `100000000000000000000`),
//!   with OPA's quirks: `ceil(-0.5)` is `1` and `floor(-0.5)` is `0` (the integer part of
//!   `-0.5` is `+0`), `round` halves away from zero after a 64-bit addition of ½;
//! * `sum` adds integers exactly, else left to right at 64 bits; `product` multiplies
//!   integers exactly, else at 53 bits (its accumulator starts as Go's `big.NewFloat(1)`).
//!
//! A result that is not an integer reaches regorus as a double only when OPA's text is that
//! double's shortest text; otherwise (`1 / 3` is `0.33333333333333333334` in OPA) the call is
//! an evaluation error naming KNOWN-DIFFERENCES.md row 26: an error denies, where the nearest
//! double would compare differently from OPA's value. An integer result over 4,096 digits is
//! a limit error (`resource-exhausted`).

use num_bigint::{BigInt, Sign};
use regorus::Value;

use super::bounded::BuiltinError;
use super::fastnum::{F64x, signed_value};
use super::opanum::{BigFloat, Num, PREC, SAFE_INTEGER, integer_value};

/// An operator's result: a value, undefined (`Ok(Undefined)`), or an error.
type Outcome = Result<Value, BuiltinError>;

/// `a + b`.
pub(crate) fn plus(a: &Value, b: &Value) -> Outcome {
    numeric(
        a,
        b,
        "plus",
        i64::checked_add,
        |x, y| x + y,
        F64x::add,
        BigFloat::add,
    )
}

/// `a - b`: numbers, or the difference of two sets.
pub(crate) fn minus(a: &Value, b: &Value) -> Outcome {
    if let (Value::Set(x), Value::Set(y)) = (a, b) {
        return Ok(Value::from(x.difference(y)));
    }
    numeric(
        a,
        b,
        "minus",
        i64::checked_sub,
        |x, y| x - y,
        F64x::sub,
        BigFloat::sub,
    )
}

/// `a * b`.
pub(crate) fn mul(a: &Value, b: &Value) -> Outcome {
    numeric(
        a,
        b,
        "mul",
        i64::checked_mul,
        |x, y| x * y,
        F64x::mul,
        BigFloat::mul,
    )
}

/// `a / b`; by zero: undefined.
pub(crate) fn div(a: &Value, b: &Value) -> Outcome {
    if let (Some(x), Some(y)) = (small_int(a), small_int(b)) {
        if y == 0 {
            return Ok(Value::Undefined);
        }
        // A zero dividend goes to the float quotient, whose zero has a sign (`0 / -5` is -0).
        if x != 0
            && x.checked_rem(y) == Some(0)
            && let Some(q) = x.checked_div(y)
        {
            return Ok(Value::from(q));
        }
    }
    if let (Some(x), Some(y)) = (F64x::of(a), F64x::of(b))
        && let Some(v) = x.quo(y).and_then(F64x::value)
    {
        return Ok(v);
    }
    let (Some(x), Some(y)) = (Num::of(a), Num::of(b)) else {
        return Ok(Value::Undefined);
    };
    if y.is_zero() {
        return Ok(Value::Undefined);
    }
    x.float(PREC).quo(&y.float(PREC), PREC).value("div")
}

/// `a % b`: integers only (OPA: "modulo on floating-point number"); by zero: undefined. The
/// sign follows the dividend (`-7 % 3 == -1`), as Go's.
pub(crate) fn rem(a: &Value, b: &Value) -> Outcome {
    if let (Some(x), Some(y)) = (small_int(a), small_int(b)) {
        if y == 0 {
            return Ok(Value::Undefined);
        }
        // i64::MIN % -1 overflows in Rust; in Go it is 0.
        return Ok(Value::from(x.checked_rem(y).unwrap_or(0)));
    }
    let (Some(x), Some(y)) = (Num::of(a), Num::of(b)) else {
        return Ok(Value::Undefined);
    };
    match (x.integer(), y.integer()) {
        (Some(x), Some(y)) if y.sign() != Sign::NoSign => integer_value(x % y),
        _ => Ok(Value::Undefined),
    }
}

/// Unary `-x`: a number only (OPA's `minus(0, x)`).
pub(crate) fn neg(x: &Value) -> Outcome {
    minus(&Value::from(0i64), x)
}

/// `abs(x)`.
pub(crate) fn abs(x: &Value) -> Outcome {
    unary(
        x,
        "abs",
        |i| i.magnitude().clone().into(),
        |f| f.abs().value(),
        |f| f.abs(),
    )
}

/// `ceil(x)`: OPA's, which takes the integer part towards zero and adds one unless it is
/// negative or the number whole: `ceil(-0.5)` is 1.
pub(crate) fn ceil(x: &Value) -> Outcome {
    unary(
        x,
        "ceil",
        |i| i.clone(),
        |f| {
            let (i, whole) = signed_trunc(f)?;
            signed_value(if i < 0 || whole { i } else { i + 1 })
        },
        |f| {
            let i = f.trunc();
            if i.sign() == Sign::Minus || f.is_int() {
                BigFloat::from_int(&i)
            } else {
                BigFloat::from_int(&(i + 1))
            }
        },
    )
}

/// `floor(x)`: OPA's, which subtracts one from the integer part only when it is negative and
/// the number not whole: `floor(-0.5)` is 0.
pub(crate) fn floor(x: &Value) -> Outcome {
    unary(
        x,
        "floor",
        |i| i.clone(),
        |f| {
            let (i, whole) = signed_trunc(f)?;
            signed_value(if i >= 0 || whole { i } else { i - 1 })
        },
        |f| {
            let i = f.trunc();
            if i.sign() != Sign::Minus || f.is_int() {
                BigFloat::from_int(&i)
            } else {
                BigFloat::from_int(&(i - 1))
            }
        },
    )
}

/// `round(x)`: halves away from zero, as OPA: the integer part of `x ± ½` added at 64 bits.
pub(crate) fn round(x: &Value) -> Outcome {
    unary(
        x,
        "round",
        |i| i.clone(),
        |f| signed_value(signed_trunc(f.add(F64x::half(f.is_neg()))?)?.0),
        |f| {
            let half = Num::from_f64(if f.is_neg() { -0.5 } else { 0.5 })
                .map(|h| h.float(PREC))
                .unwrap_or_else(|| f.clone());
            BigFloat::from_int(&f.add(&half, PREC).trunc())
        },
    )
}

/// `sum(collection)`: integers exactly, else the numbers added in order at 64 bits; an
/// element that is not a number makes it undefined.
pub(crate) fn sum(collection: &Value) -> Outcome {
    aggregate(collection, "sum", |nums| {
        let mut acc = BigFloat::from_int(&BigInt::from(0));
        for n in nums {
            acc = acc.add(&n.float(PREC), PREC);
        }
        acc
    })
}

/// `product(collection)`: integers exactly, else multiplied in order at 53 bits (OPA's
/// accumulator is `big.NewFloat(1)`, whose precision is a double's).
pub(crate) fn product(collection: &Value) -> Outcome {
    aggregate(collection, "product", |nums| {
        const DOUBLE: u64 = 53;
        let mut acc = BigFloat::from_int(&BigInt::from(1)).rounded_to(DOUBLE);
        for n in nums {
            acc = acc.mul(&n.float(PREC), DOUBLE);
        }
        acc
    })
}

/// `a | b`: the union of two sets.
pub(crate) fn or(a: &Value, b: &Value) -> Outcome {
    match (a, b) {
        (Value::Set(x), Value::Set(y)) => Ok(Value::from(x.union(y))),
        _ => Ok(Value::Undefined),
    }
}

/// `a & b`: the intersection of two sets.
pub(crate) fn and(a: &Value, b: &Value) -> Outcome {
    match (a, b) {
        (Value::Set(x), Value::Set(y)) => Ok(Value::from(x.intersection(y))),
        _ => Ok(Value::Undefined),
    }
}

/// `key, value in collection` (OPA's `internal.member_3`): an object holds `value` under
/// `key`, an array at index `key`, a set holds `value` and `key` equals it; anything else:
/// false. (A call with an undefined argument is undefined before it gets here.)
pub(crate) fn member3(key: &Value, value: &Value, collection: &Value) -> Outcome {
    let held = match collection {
        Value::Object(fields) => fields.get(key) == Some(value),
        Value::Array(items) => {
            key.as_f64()
                .ok()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                .and_then(|f| items.get(f as usize))
                == Some(value)
        }
        Value::Set(items) => key == value && items.contains(value),
        _ => false,
    };
    Ok(Value::from(held))
}

/// `value in collection` (OPA's `internal.member_2`): an array or a set holds `value`, an
/// object has it as one of its values; anything else: false. (A call with an undefined argument
/// is undefined before it gets here — regorus's own `in` is false then.)
pub(crate) fn member2(value: &Value, collection: &Value) -> Outcome {
    let held = match collection {
        Value::Array(items) => items.contains(value),
        Value::Set(items) => items.contains(value),
        Value::Object(fields) => fields.values().any(|v| v == value),
        _ => false,
    };
    Ok(Value::from(held))
}

/// `collection[key]` as a call (see `crate::rewrite`): an object's value under `key`, an
/// array's item at an integer index, a set's member equal to `key`; otherwise undefined.
pub(crate) fn index(collection: &Value, key: &Value) -> Outcome {
    Ok(match collection {
        Value::Object(fields) => fields.get(key).cloned().unwrap_or(Value::Undefined),
        Value::Array(items) => key
            .as_f64()
            .ok()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0)
            .and_then(|f| items.get(f as usize).cloned())
            .unwrap_or(Value::Undefined),
        Value::Set(items) if items.contains(key) => key.clone(),
        _ => Value::Undefined,
    })
}

/// A number that is an integer of 64 bits, as OPA's fast path sees it (a double only up to
/// 2^53; beyond, verdict takes it at its shortest text, see `opanum::Num::of`).
fn small_int(value: &Value) -> Option<i64> {
    let Value::Number(n) = value else {
        return None;
    };
    if n.as_f64().is_some_and(|f| f.abs() > SAFE_INTEGER) || !n.is_integer() {
        return None;
    }
    n.as_i64()
}

/// A number whose value is an integer (`2.0` is; beyond 2^53 a double is, at its shortest
/// text).
fn is_integer(value: &Value) -> bool {
    matches!(value, Value::Number(n) if n.is_integer())
}

/// Both operands numbers: the 64-bit fast path when both are integers and it does not
/// overflow, else exact integers, else OPA's 64-bit float.
fn numeric(
    a: &Value,
    b: &Value,
    what: &str,
    small: fn(i64, i64) -> Option<i64>,
    exact: fn(BigInt, BigInt) -> BigInt,
    fast: fn(F64x, F64x) -> Option<F64x>,
    float: fn(&BigFloat, &BigFloat, u64) -> BigFloat,
) -> Outcome {
    if let (Some(x), Some(y)) = (small_int(a), small_int(b))
        && let Some(r) = small(x, y)
    {
        return Ok(Value::from(r));
    }
    // Both 64-bit integers: exact (`small` overflowed).
    if let (Some(x), Some(y)) = (small_int(a), small_int(b)) {
        return integer_value(exact(BigInt::from(x), BigInt::from(y)));
    }
    // Not both integers (those are exact, below): OPA's 64-bit float.
    if !(is_integer(a) && is_integer(b))
        && let (Some(x), Some(y)) = (F64x::of(a), F64x::of(b))
        && let Some(v) = fast(x, y).and_then(F64x::value)
    {
        return Ok(v);
    }
    let (Some(x), Some(y)) = (Num::of(a), Num::of(b)) else {
        return Ok(Value::Undefined);
    };
    if let (Some(i), Some(j)) = (x.integer(), y.integer()) {
        return integer_value(exact(i, j));
    }
    float(&x.float(PREC), &y.float(PREC), PREC).value(what)
}

/// `abs`, `ceil`, `floor`, `round`: `small` on a 64-bit integer (exact, as OPA's results
/// are for those), else `float` on the number at 64 bits.
fn unary(
    x: &Value,
    what: &str,
    small: fn(&BigInt) -> BigInt,
    fast: fn(F64x) -> Option<Value>,
    float: fn(&BigFloat) -> BigFloat,
) -> Outcome {
    if let Some(i) = small_int(x) {
        return integer_value(small(&BigInt::from(i)));
    }
    if let Some(v) = F64x::of(x).and_then(fast) {
        return Ok(v);
    }
    match Num::of(x) {
        Some(num) => float(&num.float(PREC)).value(what),
        None => Ok(Value::Undefined),
    }
}

/// The integer part towards zero with its sign, and whether the number is whole.
fn signed_trunc(f: F64x) -> Option<(i128, bool)> {
    let (int, whole) = f.trunc()?;
    let int = i128::from(int);
    Some((if f.is_neg() { -int } else { int }, whole))
}

/// `sum` and `product` of an array or a set (in order): exact when every element is an
/// integer, else `float` over them; undefined when an element is not a number.
fn aggregate(collection: &Value, what: &str, float: impl Fn(&[Num]) -> BigFloat) -> Outcome {
    let items: Vec<&Value> = match collection {
        Value::Array(items) => items.iter().collect(),
        Value::Set(items) => items.iter().collect(),
        _ => return Ok(Value::Undefined),
    };
    // 64-bit integers: exact while nothing overflows.
    let mut acc = Some(i64::from(what != "sum"));
    for item in &items {
        acc = acc.zip(small_int(item)).and_then(|(a, i)| {
            if what == "sum" {
                a.checked_add(i)
            } else {
                a.checked_mul(i)
            }
        });
    }
    if let Some(acc) = acc {
        return Ok(Value::from(acc));
    }
    // A sum with a non-integer, of numbers the fast path reads, when it can write the result.
    if what == "sum" && !items.iter().all(|item| is_integer(item)) {
        let mut acc = Some(F64x::of(&Value::from(0i64))).flatten();
        for item in &items {
            acc = acc.zip(F64x::of(item)).and_then(|(a, x)| a.add(x));
        }
        if let Some(v) = acc.and_then(F64x::value) {
            return Ok(v);
        }
    }
    let mut nums = Vec::with_capacity(items.len());
    for item in items {
        match Num::of(item) {
            Some(n) => nums.push(n),
            None => return Ok(Value::Undefined),
        }
    }
    let ints: Option<Vec<BigInt>> = nums.iter().map(Num::integer).collect();
    if let Some(ints) = ints {
        let mut acc = BigInt::from(if what == "sum" { 0 } else { 1 });
        for i in ints {
            if what == "sum" {
                acc += i;
            } else {
                acc *= i;
                if acc.bits() > super::opanum::MAX_BITS {
                    return Err(super::opanum::too_long());
                }
            }
        }
        return integer_value(acc);
    }
    float(&nums).value(what)
}

#[cfg(test)]
mod tests {
    use super::super::bounded::LIMIT;
    use super::*;

    /// A literal as regorus reads it (`1e30` an integer, `0.1` a double), or a JSON value
    /// (`{…}` a set of its elements).
    fn n(text: &str) -> Value {
        if let Some(inner) = text.strip_prefix('{') {
            let items = Value::from_json_str(&format!("[{}", inner.replace('}', "]"))).unwrap();
            let set: std::collections::BTreeSet<Value> =
                items.as_array().unwrap().iter().cloned().collect();
            return Value::from(set);
        }
        Value::from_numeric_string(text).unwrap_or_else(|_| Value::from_json_str(text).unwrap())
    }

    fn show(v: &Outcome) -> String {
        match v {
            Ok(Value::Undefined) => "undefined".into(),
            Ok(Value::Number(n)) => n.format_decimal(),
            Ok(v) => serde_json::to_string(v).unwrap(),
            Err(e) => format!("error {e}"),
        }
    }

    /// OPA v1.20.2's answer (`json.marshal` of the result in the probe; a type error OPA's
    /// checker reports is undefined at evaluation).
    enum Want {
        /// This value (compared as numbers: OPA writes `1.2345675e+06` for 1234567.5).
        Is(&'static str),
        Undefined,
        /// OPA's value needs more than a double: verdict's call is an error naming it.
        Closed(&'static str),
    }
    use Want::*;

    /// (operator or builtin, a, b, OPA's answer).
    const CASES: &[(&str, &str, Option<&str>, Want)] = &[
        ("+", r#"0.1"#, Some(r#"0.2"#), Is("0.3")),
        ("+", r#"1"#, Some(r#"2"#), Is("3")),
        (
            "+",
            r#"9223372036854775807"#,
            Some(r#"1"#),
            Is("9223372036854775808"),
        ),
        (
            "+",
            r#"9007199254740993"#,
            Some(r#"0"#),
            Is("9007199254740993"),
        ),
        (
            "+",
            r#"100000000000000000000"#,
            Some(r#"1"#),
            Is("100000000000000000001"),
        ),
        (
            "+",
            r#"1e30"#,
            Some(r#"1"#),
            Is("1000000000000000000000000000001"),
        ),
        (
            "+",
            r#"1e30"#,
            Some(r#"0.5"#),
            Is("1000000000000000000000000000000"),
        ),
        (
            "+",
            r#"1.5e30"#,
            Some(r#"1"#),
            Is("1500000000000000000000000000001"),
        ),
        ("+", r#"1e-20"#, Some(r#"1"#), Is("1")),
        (
            "+",
            r#"18446744073709551615"#,
            Some(r#"2"#),
            Is("18446744073709551617"),
        ),
        ("+", r#"0.1"#, Some(r#"0.7"#), Is("0.8")),
        ("+", r#"1234567.5"#, Some(r#"0"#), Is("1.2345675e+06")),
        ("+", r#"-0.5"#, Some(r#"0.5"#), Is("0")),
        (
            "+",
            r#"0.30000000000000004"#,
            Some(r#"0"#),
            Is("0.30000000000000004"),
        ),
        ("+", r#""a""#, Some(r#"1"#), Undefined),
        ("+", r#"null"#, Some(r#"1"#), Undefined),
        ("-", r#"1.5"#, Some(r#"0.5"#), Is("1")),
        ("-", r#"0"#, Some(r#"0.5"#), Is("-0.5")),
        (
            "-",
            r#"-9223372036854775808"#,
            Some(r#"1"#),
            Is("-9223372036854775809"),
        ),
        (
            "-",
            r#"0.3"#,
            Some(r#"0.1"#),
            Closed("0.20000000000000000002"),
        ),
        (
            "-",
            r#"1e30"#,
            Some(r#"1"#),
            Is("999999999999999999999999999999"),
        ),
        ("-", r#""a""#, Some(r#"1"#), Undefined),
        ("*", r#"2.5"#, Some(r#"2"#), Is("5")),
        ("*", r#"0.1"#, Some(r#"3"#), Is("0.3")),
        ("*", r#"2"#, Some(r#"0.5"#), Is("1")),
        ("*", r#"1.1"#, Some(r#"1.1"#), Is("1.21")),
        ("*", r#"1e300"#, Some(r#"1e300"#), Is("1e600")),
        ("*", r#"0"#, Some(r#"-0.5"#), Is("-0")),
        (
            "*",
            r#"12345678901234567890"#,
            Some(r#"10"#),
            Is("123456789012345678900"),
        ),
        ("*", r#"1e308"#, Some(r#"10"#), Is("1e309")),
        ("*", r#"3.0"#, Some(r#"1"#), Is("3")),
        ("*", r#"1e-7"#, Some(r#"1e-7"#), Is("1e-14")),
        (
            "*",
            r#"1e-300"#,
            Some(r#"1e-300"#),
            Closed("9.9999999999999999994e-601"),
        ),
        ("*", r#""a""#, Some(r#"2"#), Undefined),
        ("/", r#"10"#, Some(r#"4"#), Is("2.5")),
        ("/", r#"7"#, Some(r#"7"#), Is("1")),
        ("/", r#"1"#, Some(r#"3"#), Closed("0.33333333333333333334")),
        (
            "/",
            r#"-1"#,
            Some(r#"3"#),
            Closed("-0.33333333333333333334"),
        ),
        ("/", r#"2"#, Some(r#"3"#), Closed("0.6666666666666666667")),
        ("/", r#"10"#, Some(r#"3"#), Closed("3.3333333333333333333")),
        ("/", r#"7"#, Some(r#"2"#), Is("3.5")),
        ("/", r#"4"#, Some(r#"2"#), Is("2")),
        ("/", r#"1"#, Some(r#"0"#), Undefined),
        ("/", r#"1"#, Some(r#"0.0"#), Undefined),
        ("/", r#"1"#, Some(r#"-0"#), Undefined),
        ("/", r#"0"#, Some(r#"-5"#), Is("-0")),
        ("/", r#"0"#, Some(r#"5"#), Is("0")),
        ("/", r#"0.0"#, Some(r#"-5"#), Is("-0")),
        ("/", r#"1e20"#, Some(r#"1e10"#), Is("10000000000")),
        (
            "/",
            r#"1e30"#,
            Some(r#"3"#),
            Is("333333333333333333340000000000"),
        ),
        ("/", r#"4294967296"#, Some(r#"2"#), Is("2147483648")),
        (
            "/",
            r#"18446744073709551618"#,
            Some(r#"2"#),
            Is("9223372036854775809"),
        ),
        ("/", r#"1"#, Some(r#"8"#), Is("0.125")),
        ("/", r#"1"#, Some(r#"1024"#), Is("0.0009765625")),
        ("/", r#"0.3"#, Some(r#"0.1"#), Is("3")),
        ("/", r#"1"#, Some(r#"1e-7"#), Is("10000000")),
        (
            "/",
            r#"-9223372036854775808"#,
            Some(r#"-1"#),
            Is("9223372036854775808"),
        ),
        ("/", r#""a""#, Some(r#"2"#), Undefined),
        ("%", r#"7"#, Some(r#"3"#), Is("1")),
        ("%", r#"-7"#, Some(r#"3"#), Is("-1")),
        ("%", r#"7"#, Some(r#"-3"#), Is("1")),
        ("%", r#"1.5"#, Some(r#"2"#), Undefined),
        ("%", r#"1"#, Some(r#"0"#), Undefined),
        ("%", r#"1e30"#, Some(r#"7"#), Is("1")),
        ("%", r#"4"#, Some(r#"2.0"#), Is("0")),
        ("%", r#"10"#, Some(r#"18446744073709551616"#), Is("10")),
        ("%", r#"-9223372036854775808"#, Some(r#"-1"#), Is("0")),
        ("%", r#""a""#, Some(r#"2"#), Undefined),
        ("abs", r#"-0.5"#, None, Is("0.5")),
        (
            "abs",
            r#"100000000000000000001"#,
            None,
            Is("100000000000000000000"),
        ),
        ("abs", r#"-2147483649"#, None, Is("2147483649")),
        (
            "abs",
            r#"-9223372036854775808"#,
            None,
            Is("9223372036854775808"),
        ),
        (
            "abs",
            r#"-1e30"#,
            None,
            Is("1000000000000000000000000000000"),
        ),
        ("abs", r#"0.1"#, None, Is("0.1")),
        ("ceil", r#"-0.5"#, None, Is("1")),
        ("ceil", r#"0.5"#, None, Is("1")),
        ("ceil", r#"-1.5"#, None, Is("-1")),
        ("ceil", r#"1.2"#, None, Is("2")),
        (
            "ceil",
            r#"100000000000000000001"#,
            None,
            Is("100000000000000000000"),
        ),
        (
            "ceil",
            r#"1e30"#,
            None,
            Is("1000000000000000000024696061952"),
        ),
        ("floor", r#"-0.5"#, None, Is("0")),
        ("floor", r#"-1.5"#, None, Is("-2")),
        (
            "floor",
            r#"1e30"#,
            None,
            Is("1000000000000000000024696061952"),
        ),
        ("floor", r#"2.5"#, None, Is("2")),
        ("floor", r#"-1e-7"#, None, Is("0")),
        ("round", r#"2.5"#, None, Is("3")),
        ("round", r#"-2.5"#, None, Is("-3")),
        ("round", r#"-0.4"#, None, Is("0")),
        ("round", r#"-0.5"#, None, Is("-1")),
        ("round", r#"0.49999999999999994"#, None, Is("0")),
        (
            "round",
            r#"4503599627370495.5"#,
            None,
            Is("4503599627370496"),
        ),
        (
            "round",
            r#"1e30"#,
            None,
            Is("1000000000000000000024696061952"),
        ),
        ("sum", r#"[0.1, 0.2]"#, None, Is("0.3")),
        (
            "sum",
            r#"[1e30, 1]"#,
            None,
            Is("1000000000000000000000000000001"),
        ),
        (
            "sum",
            r#"[1e30, 0.5]"#,
            None,
            Is("1000000000000000000000000000000"),
        ),
        (
            "sum",
            r#"[100000000000000000000, 1, 0.5]"#,
            None,
            Is("100000000000000000000"),
        ),
        ("sum", r#"[]"#, None, Is("0")),
        (
            "sum",
            r#"[18446744073709551615, 2]"#,
            None,
            Is("18446744073709551617"),
        ),
        ("sum", r#"[1, "a"]"#, None, Undefined),
        ("sum", r#"[0.1, 0.2, 0.3]"#, None, Is("0.6")),
        ("sum", r#"{0.1, 0.2, 0.3}"#, None, Is("0.6")),
        ("sum", r#"[1e20, -1e20, 0.5]"#, None, Is("0.5")),
        ("sum", r#"{1e20, -1e20, 0.5}"#, None, Is("0")),
        ("product", r#"[1e200, 1e200]"#, None, Is("1e400")),
        ("product", r#"[0.1, 3]"#, None, Is("0.30000000000000004")),
        ("product", r#"[1.1, 1.1]"#, None, Is("1.2100000000000002")),
        (
            "product",
            r#"[1e30, 1.5, 1]"#,
            None,
            Is("1500000000000000200000000000000"),
        ),
        ("product", r#"[]"#, None, Is("1")),
        ("product", r#"[0.5, 0.5]"#, None, Is("0.25")),
    ];

    fn call(op: &str, a: &Value, b: Option<&Value>) -> Outcome {
        match (op, b) {
            ("+", Some(b)) => plus(a, b),
            ("-", Some(b)) => minus(a, b),
            ("*", Some(b)) => mul(a, b),
            ("/", Some(b)) => div(a, b),
            ("%", Some(b)) => rem(a, b),
            ("abs", None) => abs(a),
            ("ceil", None) => ceil(a),
            ("floor", None) => floor(a),
            ("round", None) => round(a),
            ("sum", None) => sum(a),
            ("product", None) => product(a),
            _ => unreachable!("{op}"),
        }
    }

    #[test]
    fn numbers_as_opa() {
        for (op, a, b, want) in CASES {
            let (a, b) = (n(a), b.map(n));
            let got = call(op, &a, b.as_ref());
            let case = format!("{op} {a} {b:?}: {}", show(&got));
            match want {
                Is(text) => {
                    let want = Num::parse(text).unwrap();
                    let value = got.as_ref().expect(&case);
                    let have = Num::of(value).expect(&case);
                    assert_eq!(have, want, "{case}");
                }
                Undefined => assert!(matches!(got, Ok(Value::Undefined)), "{case}"),
                Closed(text) => {
                    let err = got.as_ref().expect_err(&case);
                    assert!(err.0.contains(text) && err.0.contains("row 26"), "{case}");
                }
            }
        }
    }

    #[test]
    fn negative_zero_keeps_its_sign() {
        let zero = div(&n("0"), &n("-5")).unwrap();
        assert!(
            zero.as_number()
                .unwrap()
                .as_f64()
                .unwrap()
                .is_sign_negative()
        );
        assert_eq!(show(&Ok(zero.clone())), "-0");
        assert_eq!(show(&neg(&zero)), "0");
        assert_eq!(show(&plus(&zero, &n("0"))), "0");
    }

    /// A whole double beyond 2^53 (from a JSON document) is the integer of its shortest text,
    /// and integers add exactly (OPA: `input.a + 1` with `{"a": 1e20}`).
    #[test]
    fn whole_doubles_are_integers() {
        let sum = plus(&Value::from(1e20f64), &n("1")).unwrap();
        assert_eq!(show(&Ok(sum)), "100000000000000000001");
        let sum = plus(&Value::from(1e20f64), &n("0.5")).unwrap();
        assert_eq!(show(&Ok(sum)), "100000000000000000000");
    }

    #[test]
    fn huge_products_are_exact_and_bounded() {
        let big = n("1e300");
        let product = mul(&big, &big).unwrap();
        let text = product.as_number().unwrap().format_decimal();
        assert_eq!(text.len(), 601, "{text}");
        assert!(text.starts_with("10000") && text.ends_with("00000"));
        let mut acc = product;
        let mut failed = None;
        for _ in 0..20 {
            match mul(&acc, &acc) {
                Ok(v) => acc = v,
                Err(e) => {
                    failed = Some(e.0);
                    break;
                }
            }
        }
        assert!(failed.is_some_and(|e| e.starts_with(LIMIT)));
    }

    #[test]
    fn sets() {
        let (a, b) = (n("{1, 2}"), n("{2, 3}"));
        assert_eq!(show(&or(&a, &b)), "[1,2,3]");
        assert_eq!(show(&and(&a, &b)), "[2]");
        assert_eq!(show(&minus(&a, &b)), "[1]");
        assert_eq!(show(&or(&a, &n("1"))), "undefined");
        assert_eq!(show(&neg(&n("\"a\""))), "undefined");
        assert_eq!(show(&neg(&n("5"))), "-5");
    }
}
