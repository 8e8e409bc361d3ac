//! `bits.*` as OPA computes them: on integers of any size (`big.Int`), where regorus works
//! on 64-bit integers and doubles (`bits.lsh(1, 100)` is a double there, `bits.and` of two
//! integers past 2^64 too). An operand must be an integer (`1.0` is one); a negative shift is
//! undefined; a left shift whose result would have more than
//! [`super::opanum::MAX_DIGITS`] digits is a resource-limit error, not a value: OPA computes
//! it (or panics, `makeslice: len out of range`, past Go's slice limit), verdict refuses
//! (KNOWN-DIFFERENCES row 20).

use num_bigint::BigInt;
use regorus::Value;

use super::bounded::{BuiltinError, LIMIT};
use super::opanum::MAX_DIGITS;

type Outcome = Result<Value, BuiltinError>;

/// An integer operand: an integer, or a double with no fraction.
fn int(value: &Value) -> Option<BigInt> {
    let Value::Number(n) = value else {
        return None;
    };
    if let Some(i) = n.as_i64() {
        return Some(BigInt::from(i));
    }
    if let Some(big) = n.as_big() {
        return Some((*big).clone());
    }
    let f = n.as_f64()?;
    if !f.is_finite() || f.fract() != 0.0 {
        return None;
    }
    format!("{f:.0}").parse().ok()
}

/// A shift count: a non-negative integer.
fn shift(value: &Value) -> Option<u64> {
    u64::try_from(int(value)?).ok()
}

fn value(result: BigInt) -> Outcome {
    if let Ok(small) = i64::try_from(&result) {
        return Ok(Value::from(small));
    }
    Value::from_numeric_string(&result.to_string()).map_err(|e| BuiltinError(format!("bits: {e}")))
}

/// The bits an integer of [`MAX_DIGITS`] decimal digits can have.
const MAX_BITS: u64 = MAX_DIGITS as u64 * 10 / 3;

/// `bits.and`, `bits.or`, `bits.xor` (`op` names which).
pub(crate) fn binary(op: &str, a: &Value, b: &Value) -> Outcome {
    let (Some(x), Some(y)) = (int(a), int(b)) else {
        return Ok(Value::Undefined);
    };
    value(match op {
        "and" => x & y,
        "or" => x | y,
        _ => x ^ y,
    })
}

/// `bits.negate(x)`: `-x - 1`.
pub(crate) fn negate(a: &Value) -> Outcome {
    match int(a) {
        Some(x) => value(-x - 1),
        None => Ok(Value::Undefined),
    }
}

/// `bits.lsh(x, s)`.
pub(crate) fn lsh(a: &Value, s: &Value) -> Outcome {
    let (Some(x), Some(s)) = (int(a), shift(s)) else {
        return Ok(Value::Undefined);
    };
    if x.bits().saturating_add(s) > MAX_BITS {
        return Err(BuiltinError(format!(
            "{LIMIT}bits.lsh: a result of more than {MAX_DIGITS} digits"
        )));
    }
    value(x << s)
}

/// `bits.rsh(x, s)`: rounds toward negative infinity, as Go's `big.Int.Rsh`.
pub(crate) fn rsh(a: &Value, s: &Value) -> Outcome {
    let (Some(x), Some(s)) = (int(a), shift(s)) else {
        return Ok(Value::Undefined);
    };
    if s > x.bits() {
        return value(if x < BigInt::from(0) {
            BigInt::from(-1)
        } else {
            BigInt::from(0)
        });
    }
    value(x >> s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Value {
        // (As the policy's literals are read: integers exact at any size.)
        Value::from_numeric_string(text)
            .or_else(|_| Value::from_json_str(text))
            .unwrap()
    }

    fn show(outcome: &Outcome) -> String {
        match outcome {
            Ok(Value::Undefined) => "undefined".to_owned(),
            Ok(Value::Number(n)) => n.format_decimal(),
            Ok(v) => serde_json::to_string(v).unwrap(),
            Err(e) => format!("error: {}", e.0),
        }
    }

    /// OPA v1's answers.
    #[test]
    fn as_opa() {
        let big = "1180591620717411303424";
        let cases: &[(&str, Outcome, &str)] = &[
            ("and 1.0 1", binary("and", &n("1.0"), &n("1")), "1"),
            (
                "and big",
                binary("and", &n(big), &n("1180591620717411303425")),
                big,
            ),
            ("negate big", negate(&n(big)), "-1180591620717411303425"),
            ("rsh big 3", rsh(&n(big), &n("3")), "147573952589676412928"),
            ("lsh 1 -1", lsh(&n("1"), &n("-1")), "undefined"),
            ("rsh 1 1.0", rsh(&n("1"), &n("1.0")), "0"),
            ("xor -5 3", binary("xor", &n("-5"), &n("3")), "-8"),
            ("or -5 3", binary("or", &n("-5"), &n("3")), "-5"),
            ("lsh -3 2", lsh(&n("-3"), &n("2")), "-12"),
            ("rsh -3 1", rsh(&n("-3"), &n("1")), "-2"),
            ("rsh 1 huge", rsh(&n("1"), &n("9007199254740993")), "0"),
            ("rsh -1 huge", rsh(&n("-1"), &n("9007199254740993")), "-1"),
            (
                "lsh 1 100",
                lsh(&n("1"), &n("100")),
                "1267650600228229401496703205376",
            ),
            ("and 1.5 1", binary("and", &n("1.5"), &n("1")), "undefined"),
            ("and a 1", binary("and", &n("\"a\""), &n("1")), "undefined"),
        ];
        for (name, got, want) in cases {
            let got = show(got);
            assert_eq!(got, *want, "{name}");
        }
        // OPA panics (makeslice: len out of range) or exhausts memory: verdict refuses.
        assert!(show(&lsh(&n("64"), &n("9007199254740993"))).starts_with("error: resource limit"));
        assert!(show(&lsh(&n("1"), &n("100000"))).starts_with("error: resource limit"));
    }
}
