//! `units.parse` and `units.parse_bytes` as OPA computes them (`topdown/parse_units.go`,
//! `parse_bytes.go`); regorus rounds where OPA truncates and keeps digits OPA drops.
//!
//! Both remove `"` from the string, refuse a space, and split it where the number ends: the
//! number is digits, `.`, `+`, `-`, and `e`/`E` when a digit or sign follows (at most six
//! exponent digits); the rest is the unit.
//!
//! * `units.parse` — the number as an exact fraction times the unit (`m` is the double 0.001,
//!   exactly; `k`…`E` powers of 1000, `Ki`…`Ei` of 1024; only the unit's first letter keeps its
//!   case). A whole result is that integer; any other is written with ten decimals, the last
//!   rounded half away from zero (`units.parse("1.23456789012345")` is `1.2345678901`,
//!   `units.parse("1e-12")` is 0), whose value reaches regorus as a double when it is the
//!   shortest text of one, else the call is an error (KNOWN-DIFFERENCES.md row 26).
//! * `units.parse_bytes` — the unit is read in lower case (`kb`/`k` 1000, `kib`/`ki` 1024 …);
//!   the number is read as a 64-bit `big.Float`, multiplied by the unit at 64 bits and
//!   truncated towards zero: `units.parse_bytes("0.5")` is 0, `"1.7"` is 1, `"1e30"` is
//!   1000000000000000000024696061952.

use num_bigint::{BigInt, BigUint, Sign};
use regorus::Value;

use super::bounded::BuiltinError;
use super::opanum::{BigFloat, MAX_BITS, MAX_DIGITS, Num, PREC, integer_value, too_long};

/// `units.parse(x)`.
pub(crate) fn parse(value: &Value) -> Result<Value, BuiltinError> {
    let Some((number, unit)) = split(value, false) else {
        return Ok(Value::Undefined);
    };
    let (num, den): (BigUint, BigUint) = match unit.as_str() {
        // The double 0.001: 4611686018427388 × 2^-62.
        "m" => (
            BigUint::from(4_611_686_018_427_388u64),
            BigUint::from(1u8) << 62u32,
        ),
        _ => match multiplier(&unit, false) {
            Some(m) => (BigUint::from(m), BigUint::from(1u8)),
            None => return Ok(Value::Undefined),
        },
    };
    let Some(n) = Num::parse_go(&number) else {
        return Ok(Value::Undefined);
    };
    if n.is_zero() {
        return Ok(Value::from(0i64));
    }
    let (mag, exp) = n.parts();
    let digits = mag.to_string().len() as i64;
    if digits + exp > MAX_DIGITS as i64 {
        return Err(too_long());
    }
    // Far below 10^-10 whatever the unit (at most 2^60): ten decimals of zero.
    if digits + exp < -40 {
        return Ok(Value::from(if n.is_neg() { -0.0 } else { 0.0 }));
    }
    let ten = BigUint::from(10u8);
    let (mut num, mut den) = (mag * num, den);
    if exp >= 0 {
        num *= ten.pow(exp as u32);
    } else {
        den *= ten.pow(exp.unsigned_abs() as u32);
    }
    let sign = if n.is_neg() { Sign::Minus } else { Sign::Plus };
    let (q, r) = (&num / &den, &num % &den);
    if r == BigUint::ZERO {
        return integer_value(BigInt::from_biguint(sign, q));
    }
    // big.Rat.FloatString(10): ten decimals, halves away from zero.
    let scale = ten.pow(10);
    let scaled = r * &scale;
    let (mut frac, rest) = (&scaled / &den, &scaled % &den);
    let mut q = q;
    if rest * 2u8 >= den {
        frac += 1u8;
        if frac >= scale {
            q += 1u8;
            frac -= &scale;
        }
    }
    let text = format!(
        "{}{q}.{frac:0>10}",
        if n.is_neg() { "-" } else { "" },
        frac = frac.to_string()
    );
    match Num::parse(&text) {
        Some(result) => result.value("units.parse"),
        None => Ok(Value::Undefined),
    }
}

/// `units.parse_bytes(x)`.
pub(crate) fn parse_bytes(value: &Value) -> Result<Value, BuiltinError> {
    let Some((number, unit)) = split(value, true) else {
        return Ok(Value::Undefined);
    };
    let Some(m) = multiplier(&unit, true) else {
        return Ok(Value::Undefined);
    };
    let Some(n) = Num::parse_go(&number) else {
        return Ok(Value::Undefined);
    };
    let product = n
        .float(PREC)
        .mul(&BigFloat::from_int(&BigInt::from(m)), PREC);
    if product.exponent() > MAX_BITS as i64 {
        return Err(too_long());
    }
    integer_value(product.trunc())
}

/// The number and the unit of `"…"`-stripped text, or `None` (a space, no number, an exponent
/// of more than six digits: OPA's errors). `bytes`: the whole text lower-cased first.
fn split(value: &Value, bytes: bool) -> Option<(String, String)> {
    let Value::String(raw) = value else {
        return None;
    };
    let mut s = raw.replace('"', "");
    if bytes {
        s = s.to_lowercase();
    }
    if s.contains(' ') {
        return None;
    }
    let b = s.as_bytes();
    let mut end = b.len();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let numeric = c.is_ascii_digit() || matches!(c, b'.' | b'+' | b'-');
        if !numeric && c != b'e' && c != b'E' {
            end = i;
            break;
        }
        if c == b'e' || c == b'E' {
            let next = b.get(i + 1);
            if !next.is_some_and(|n| n.is_ascii_digit() || *n == b'+' || *n == b'-') {
                end = i;
                break;
            }
            if matches!(next, Some(b'+' | b'-')) {
                i += 1;
            }
            let start = i + 1;
            let digits = b[start..].iter().take_while(|d| d.is_ascii_digit()).count();
            if digits > 6 {
                return None;
            }
        }
        i += 1;
    }
    if end == 0 {
        return None;
    }
    let (number, unit) = s.split_at(end);
    let unit = if bytes || unit.len() <= 1 || !unit.as_bytes()[0].is_ascii() {
        unit.to_owned()
    } else {
        format!("{}{}", &unit[..1], unit[1..].to_lowercase())
    };
    Some((number.to_owned(), unit))
}

/// The unit's factor (not `m` of `units.parse`).
fn multiplier(unit: &str, bytes: bool) -> Option<u64> {
    let k = 1000u64;
    Some(match (unit, bytes) {
        ("", _) => 1,
        ("kb" | "k", true) | ("k" | "K", false) => k,
        ("kib" | "ki", true) | ("ki" | "Ki", false) => 1 << 10,
        ("mb" | "m", true) | ("M", false) => k.pow(2),
        ("mib" | "mi", true) | ("mi" | "Mi", false) => 1 << 20,
        ("gb" | "g", true) | ("g" | "G", false) => k.pow(3),
        ("gib" | "gi", true) | ("gi" | "Gi", false) => 1 << 30,
        ("tb" | "t", true) | ("t" | "T", false) => k.pow(4),
        ("tib" | "ti", true) | ("ti" | "Ti", false) => 1 << 40,
        ("pb" | "p", true) | ("p" | "P", false) => k.pow(5),
        ("pib" | "pi", true) | ("pi" | "Pi", false) => 1 << 50,
        ("eb" | "e", true) | ("e" | "E", false) => k.pow(6),
        ("eib" | "ei", true) | ("ei" | "Ei", false) => 1 << 60,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(v: Result<Value, BuiltinError>) -> String {
        match v {
            Ok(Value::Undefined) => "undefined".into(),
            Ok(Value::Number(n)) => n.format_decimal(),
            Ok(v) => format!("{v}"),
            Err(e) => format!("error {}", e.0),
        }
    }

    /// OPA v1.20.2's answers (`json.marshal` in the probe; its text `1.2345678901` is the
    /// double 1.2345678901 here, `0.0000000000` zero).
    #[test]
    fn as_opa() {
        let cases: &[(&str, &str)] = &[
            ("1.23456789012345", "1.2345678901"),
            ("0.00000000001", "0"),
            ("1e-12", "0"),
            ("1.5m", "0.0015"),
            ("1m", "0.001"),
            ("1000m", "1"),
            ("0.1m", "0.0001"),
            ("1e-5m", "0.00000001"),
            ("1/3", "undefined"),
            (
                "123456789012345678901234567890",
                "123456789012345678901234567890",
            ),
            ("1.5Ki", "1536"),
            ("0.3", "0.3"),
            ("1u", "undefined"),
            ("1.000000000000000000001k", "1000"),
            ("-1.5", "-1.5"),
            ("1E3k", "1000000"),
            (".5", "0.5"),
            ("5.", "5"),
            ("+5", "5"),
            ("1 k", "undefined"),
            ("\"1k\"", "1000"),
            ("1KB", "undefined"),
            ("1e", "1000000000000000000"),
            ("٣", "undefined"),
        ];
        for (text, want) in cases {
            let got = show(parse(&Value::from(*text)));
            assert_eq!(&got, want, "units.parse({text:?})");
        }
        let err = show(parse(&Value::from("12345678901234567890.123")));
        assert!(err.contains("row 26"), "{err}");
        let bytes: &[(&str, &str)] = &[
            ("0.5", "0"),
            ("1.7", "1"),
            ("-1.7", "-1"),
            (
                "123456789012345678901234567890",
                "123456789012345678899921813504",
            ),
            ("1e3", "1000"),
            ("0.1KB", "100"),
            ("1.5GiB", "1610612736"),
            ("1.1MB", "1100000"),
            ("2.9999999999999999999", "3"),
            ("1e30", "1000000000000000000024696061952"),
            ("16EiB", "18446744073709551616"),
            ("1b", "undefined"),
            ("\"1kb\"", "1000"),
            (".5k", "500"),
            ("1 kb", "undefined"),
            ("kb", "undefined"),
            ("1e-3k", "0"),
            ("0x10", "undefined"),
            ("1_000", "undefined"),
            ("1e1234567", "undefined"),
        ];
        for (text, want) in bytes {
            let got = show(parse_bytes(&Value::from(*text)));
            assert_eq!(&got, want, "units.parse_bytes({text:?})");
        }
    }
}
