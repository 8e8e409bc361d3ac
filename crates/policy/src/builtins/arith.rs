//! Arithmetic and set operators as OPA evaluates them.
//!
//! regorus evaluates `+ - * / %`, `|`, `&` and unary `-` itself: an operand of the wrong type
//! is an evaluation error, and floats are IEEE doubles (`0.1 + 0.2` is
//! `0.30000000000000004`). In OPA (Buildx) the operators are the builtins `plus`, `minus`,
//! `mul`, `div`, `rem`, `or`, `and`: with non-strict builtin errors a wrong type, a division
//! by zero or `%` of a non-integer makes the expression undefined, and numbers are decimal
//! (`0.1 + 0.2 == 0.3` holds, `1e300 * 1e300` is exact). The rewrite pass
//! (`crate::rewrite`) turns each operator into a call of the functions here (registered
//! under reserved names, and under OPA's own names `plus` … `rem`, which regorus lacks).
//!
//! Integers are exact (64-bit fast path, big integers past it). Other numbers are taken at
//! their shortest decimal text (the double `0.1` is `0.1`), computed exactly in decimal —
//! quotients to 40 significant digits — and stored back as the nearest double, or as an
//! integer when the result is whole. OPA keeps 64-bit-mantissa floats and the literal's text;
//! regorus has only doubles and integers, so results agree with OPA's to a double's
//! precision (`1 / 3 == 0.3333333333333333` holds here, not in OPA; KNOWN-DIFFERENCES).

use num_bigint::BigInt;
use regorus::Value;

use super::bounded::{BuiltinError, LIMIT};

/// The most digits an integer result may have: far beyond any policy (`1e300 * 1e300` has
/// 601), and a bound on what repeated products can allocate.
pub(crate) const MAX_DIGITS: usize = 4_096;

/// Significant digits of a quotient that does not terminate.
const QUOTIENT_DIGITS: u64 = 40;

/// An operator's result: a value, undefined (`Ok(Undefined)`), or a limit error.
type Outcome = Result<Value, BuiltinError>;

/// `a + b`.
pub(crate) fn plus(a: &Value, b: &Value) -> Outcome {
    numeric(a, b, |x, y| x.checked_add(y), |x, y| Some(x.add(&y)))
}

/// `a - b`: numbers, or the difference of two sets.
pub(crate) fn minus(a: &Value, b: &Value) -> Outcome {
    if let (Value::Set(x), Value::Set(y)) = (a, b) {
        return Ok(Value::from(x.difference(y)));
    }
    numeric(a, b, |x, y| x.checked_sub(y), |x, y| Some(x.add(&y.neg())))
}

/// `a * b`.
pub(crate) fn mul(a: &Value, b: &Value) -> Outcome {
    numeric(a, b, |x, y| x.checked_mul(y), |x, y| Some(x.mul(&y)))
}

/// `a / b`; by zero: undefined.
pub(crate) fn div(a: &Value, b: &Value) -> Outcome {
    numeric(
        a,
        b,
        |x, y| (y != 0 && x % y == 0).then(|| x.checked_div(y)).flatten(),
        |x, y| x.div(&y),
    )
}

/// `a % b`: integers only (OPA: "modulo on floating-point number"); by zero: undefined. The
/// sign follows the dividend (`-7 % 3 == -1`), as Go's.
pub(crate) fn rem(a: &Value, b: &Value) -> Outcome {
    let (Some(x), Some(y)) = (Decimal::of(a), Decimal::of(b)) else {
        return Ok(Value::Undefined);
    };
    let (Some(x), Some(y)) = (x.integer(), y.integer()) else {
        return Ok(Value::Undefined);
    };
    if y == BigInt::from(0) {
        return Ok(Value::Undefined);
    }
    integer_value(x % y)
}

/// Unary `-x`: a number only.
pub(crate) fn neg(x: &Value) -> Outcome {
    match Decimal::of(x) {
        Some(d) => d.neg().value(),
        None => Ok(Value::Undefined),
    }
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

/// Both operands numbers: the 64-bit fast path when both are small integers and it does not
/// overflow, else exact decimal arithmetic.
fn numeric(
    a: &Value,
    b: &Value,
    small: impl Fn(i64, i64) -> Option<i64>,
    exact: impl Fn(Decimal, Decimal) -> Option<Decimal>,
) -> Outcome {
    let (Value::Number(x), Value::Number(y)) = (a, b) else {
        return Ok(Value::Undefined);
    };
    if x.is_integer()
        && y.is_integer()
        && let (Some(x), Some(y)) = (x.as_i64(), y.as_i64())
        && let Some(r) = small(x, y)
    {
        return Ok(Value::from(r));
    }
    let (Some(x), Some(y)) = (Decimal::of(a), Decimal::of(b)) else {
        return Ok(Value::Undefined);
    };
    match exact(x, y) {
        Some(r) => r.value(),
        None => Ok(Value::Undefined),
    }
}

/// `mantissa × 10^exponent`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Decimal {
    mantissa: BigInt,
    exponent: i64,
}

impl Decimal {
    /// A number's exact decimal value: integers as they are, doubles at their shortest text.
    fn of(value: &Value) -> Option<Decimal> {
        let Value::Number(n) = value else {
            return None;
        };
        if n.is_integer() {
            if let Some(i) = n.as_i64() {
                return Some(Decimal {
                    mantissa: BigInt::from(i),
                    exponent: 0,
                });
            }
            if let Some(big) = n.as_big() {
                return Some(Decimal {
                    mantissa: (*big).clone(),
                    exponent: 0,
                });
            }
        }
        let f = n.as_f64()?;
        if !f.is_finite() {
            return None;
        }
        Decimal::parse(&format!("{f:e}"))
    }

    /// Parses Rust's `{:e}` text: `-1.25e-3`.
    fn parse(text: &str) -> Option<Decimal> {
        let (mantissa, exponent) = text.split_once('e')?;
        let exponent: i64 = exponent.parse().ok()?;
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits = format!("{int}{frac}");
        Some(Decimal {
            mantissa: digits.parse().ok()?,
            exponent: exponent - i64::try_from(frac.len()).ok()?,
        })
    }

    fn neg(self) -> Decimal {
        Decimal {
            mantissa: -self.mantissa,
            exponent: self.exponent,
        }
    }

    fn add(&self, other: &Decimal) -> Decimal {
        let exponent = self.exponent.min(other.exponent);
        Decimal {
            mantissa: self.scaled(exponent) + other.scaled(exponent),
            exponent,
        }
    }

    fn mul(&self, other: &Decimal) -> Decimal {
        Decimal {
            mantissa: &self.mantissa * &other.mantissa,
            exponent: self.exponent + other.exponent,
        }
    }

    /// The quotient, exact when it terminates within [`QUOTIENT_DIGITS`] digits; `None` for a
    /// zero divisor.
    fn div(&self, other: &Decimal) -> Option<Decimal> {
        if other.mantissa == BigInt::from(0) {
            return None;
        }
        let have = digits(&self.mantissa);
        let want = digits(&other.mantissa) + QUOTIENT_DIGITS;
        let shift = want.saturating_sub(have);
        let numerator = &self.mantissa * pow10(shift);
        Some(Decimal {
            mantissa: numerator / &other.mantissa,
            exponent: self.exponent - other.exponent - i64::try_from(shift).ok()?,
        })
    }

    /// The mantissa at a lower exponent.
    fn scaled(&self, exponent: i64) -> BigInt {
        let shift = u64::try_from(self.exponent - exponent).unwrap_or(0);
        &self.mantissa * pow10(shift)
    }

    /// The value as an integer, when whole.
    fn integer(&self) -> Option<BigInt> {
        if self.exponent >= 0 {
            return Some(&self.mantissa * pow10(u64::try_from(self.exponent).ok()?));
        }
        let divisor = pow10(self.exponent.unsigned_abs());
        let zero = BigInt::from(0);
        (&self.mantissa % &divisor == zero).then(|| &self.mantissa / divisor)
    }

    /// A regorus value: an integer when whole, else the nearest double.
    fn value(&self) -> Outcome {
        if self.mantissa == BigInt::from(0) {
            return Ok(Value::from(0i64));
        }
        let digits_needed = digits(&self.mantissa) as i64 + self.exponent;
        if digits_needed > MAX_DIGITS as i64 {
            return Err(too_long());
        }
        if self.exponent >= -(MAX_DIGITS as i64)
            && let Some(int) = self.integer()
        {
            return integer_value(int);
        }
        let f: f64 = format!("{}e{}", self.mantissa, self.exponent)
            .parse()
            .map_err(|e| BuiltinError(format!("arithmetic: {e}")))?;
        Ok(Value::from(f))
    }
}

fn integer_value(int: BigInt) -> Outcome {
    if let Ok(small) = i64::try_from(&int) {
        return Ok(Value::from(small));
    }
    let text = int.to_string();
    if text.trim_start_matches('-').len() > MAX_DIGITS {
        return Err(too_long());
    }
    Value::from_numeric_string(&text).map_err(|e| BuiltinError(format!("arithmetic: {e}")))
}

fn too_long() -> BuiltinError {
    BuiltinError(format!(
        "{LIMIT}an arithmetic result has more than {MAX_DIGITS} digits"
    ))
}

fn digits(n: &BigInt) -> u64 {
    n.magnitude().to_string().len() as u64
}

/// `10^n`, by squaring.
fn pow10(n: u64) -> BigInt {
    let mut result = BigInt::from(1);
    let mut base = BigInt::from(10);
    let mut n = n;
    while n > 0 {
        if n & 1 == 1 {
            result *= &base;
        }
        base = &base * &base;
        n >>= 1;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Value {
        Value::from_json_str(text).unwrap()
    }

    fn show(v: Outcome) -> String {
        match v {
            Ok(Value::Undefined) => "undefined".into(),
            Ok(v) => serde_json::to_string(&v).unwrap(),
            Err(e) => format!("error {e}"),
        }
    }

    /// (operator, a, b, OPA's result as JSON, or "undefined").
    const CASES: &[(&str, &str, &str, &str)] = &[
        ("+", "0.1", "0.2", "0.3"),
        ("+", "1", "2", "3"),
        ("+", "9223372036854775807", "1", "9223372036854775808"),
        ("+", "\"a\"", "1", "undefined"),
        ("+", "null", "1", "undefined"),
        ("-", "1.5", "0.5", "1"),
        ("-", "\"a\"", "1", "undefined"),
        ("*", "2.5", "2", "5"),
        ("*", "0.1", "3", "0.3"),
        ("*", "\"a\"", "2", "undefined"),
        ("/", "10", "4", "2.5"),
        ("/", "7", "7", "1"),
        ("/", "1", "3", "0.3333333333333333"),
        ("/", "1", "0", "undefined"),
        ("/", "1", "0.0", "undefined"),
        ("/", "1e20", "1e10", "10000000000"),
        ("/", "\"a\"", "2", "undefined"),
        ("%", "7", "3", "1"),
        ("%", "-7", "3", "-1"),
        ("%", "1.5", "2", "undefined"),
        ("%", "1", "0", "undefined"),
        ("%", "\"a\"", "2", "undefined"),
    ];

    #[test]
    fn operators_as_opa() {
        for (op, a, b, want) in CASES {
            let (a, b) = (n(a), n(b));
            let got = match *op {
                "+" => plus(&a, &b),
                "-" => minus(&a, &b),
                "*" => mul(&a, &b),
                "/" => div(&a, &b),
                "%" => rem(&a, &b),
                _ => unreachable!(),
            };
            assert_eq!(show(got), *want, "{a} {op} {b}");
        }
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
        let (a, b) = (n("[1, 2]"), n("[2, 3]"));
        let set = |v: Value| {
            Value::from(
                v.as_array()
                    .unwrap()
                    .iter()
                    .cloned()
                    .collect::<std::collections::BTreeSet<_>>(),
            )
        };
        let (a, b) = (set(a), set(b));
        assert_eq!(show(or(&a, &b)), "[1,2,3]");
        assert_eq!(show(and(&a, &b)), "[2]");
        assert_eq!(show(minus(&a, &b)), "[1]");
        assert_eq!(show(or(&a, &n("1"))), "undefined");
        assert_eq!(show(neg(&n("\"a\""))), "undefined");
        assert_eq!(show(neg(&n("5"))), "-5");
    }
}
