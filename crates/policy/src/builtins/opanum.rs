//! OPA's numbers, as far as regorus's values can hold them.
//!
//! An OPA number is its decimal text (`ast.Number`). Its arithmetic (`topdown/arithmetic.go`,
//! `aggregates.go`) computes exactly on integers and otherwise parses each operand's text into
//! a Go `big.Float` with a 64-bit mantissa and an unbounded exponent
//! (`builtins.NumberToFloat`), rounds the result of each operation to 64 bits (to nearest,
//! ties to even) and writes it back as the shortest text that reads back to the same 64-bit
//! value (`builtins.FloatToNumber`: `Text('f', -1)` for an integer, else `Text('g', -1)`): so
//! `1 / 3` is `0.33333333333333333334` and `1 / 3 * 3` is `1`.
//!
//! [`Num`] is a number's exact value as verdict knows it: an integer as it is, a double as its
//! shortest text (what OPA holds when the double came from a literal, a JSON document or an
//! earlier result — see [`BigFloat::value`]). [`BigFloat`] is Go's `big.Float`: parsing as
//! `Float.SetString` does (powers of five past 5^27 taken at 128 bits, as Go's `pow5`),
//! correctly rounded `+ - × ÷`, and Go's shortest formatting (`roundShortest` of
//! `math/big/ftoa.go`, with its symmetric rounding interval and digit-by-digit walk). All of it
//! is written here from Go's documented behaviour.
//!
//! A result goes back to regorus as an exact integer when OPA's is one, as a double when OPA's
//! text is the shortest text of a double (what OPA shows is then exactly that double), and as
//! an evaluation error otherwise: OPA's value needs more digits than a double has
//! (`0.33333333333333333334`), and any value verdict could carry would be another number
//! (KNOWN-DIFFERENCES.md row 26). An error denies; a near value could allow.

use std::cmp::Ordering;

use num_bigint::{BigInt, BigUint, Sign};
use regorus::Value;
use serde_json::Value as Json;

use crate::{Error, Module};

use super::bounded::{BuiltinError, LIMIT};

/// The most digits an integer result may have: far beyond any policy (`1e300 * 1e300` has
/// 601), and a bound on what repeated products can allocate.
pub(crate) const MAX_DIGITS: usize = 4_096;

/// More bits than an integer of [`MAX_DIGITS`] digits has: a running product past it is over
/// the limit already.
pub(crate) const MAX_BITS: u64 = MAX_DIGITS as u64 * 4;

/// The mantissa bits of Go's `big.Float` when no precision is set (`SetString`, and every
/// operation whose operands have it).
pub(crate) const PREC: u64 = 64;

/// 2^53: a double up to it that is whole holds that integer (beyond, verdict takes a double
/// at its shortest text, as OPA would have read it).
pub(crate) const SAFE_INTEGER: f64 = 9_007_199_254_740_992.0;

/// A number's exact value: `(-1)^neg × mag × 10^exp`, `mag` without trailing decimal zeros
/// (zero is `mag` 0, `exp` 0; `neg` keeps the sign of a negative zero).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Num {
    neg: bool,
    mag: BigUint,
    exp: i64,
}

impl Num {
    /// A regorus number's value as OPA holds it: an integer as it is, a double as its
    /// shortest text (`0.1` is one tenth, not the double's binary value).
    pub(crate) fn of(value: &Value) -> Option<Num> {
        let Value::Number(n) = value else {
            return None;
        };
        // regorus gives a double for a double, and for an integer up to 2^53.
        if let Some(f) = n.as_f64() {
            if f == 0.0 {
                return Some(Num::zero(f.is_sign_negative()));
            }
            if f.fract() == 0.0 && f.abs() <= SAFE_INTEGER {
                return Some(Num::from_int(&BigInt::from(f as i64)));
            }
            return Num::from_f64(f);
        }
        if let Some(i) = n.as_i64() {
            return Some(Num::from_int(&BigInt::from(i)));
        }
        if let Some(u) = n.as_u64() {
            return Some(Num::from_int(&BigInt::from(u)));
        }
        n.as_big().map(|b| Num::from_int(&b))
    }

    /// A double at its shortest text.
    pub(crate) fn from_f64(f: f64) -> Option<Num> {
        if !f.is_finite() {
            return None;
        }
        if f == 0.0 {
            return Some(Num::zero(f.is_sign_negative()));
        }
        let (digits, point) = shortest_f64(f);
        Some(Num::from_digits(f < 0.0, &digits, point))
    }

    fn zero(neg: bool) -> Num {
        Num {
            neg,
            mag: BigUint::ZERO,
            exp: 0,
        }
    }

    pub(crate) fn from_int(i: &BigInt) -> Num {
        Num::normalized(i.sign() == Sign::Minus, i.magnitude().clone(), 0)
    }

    /// `0.digits × 10^point`.
    fn from_digits(neg: bool, digits: &[u8], point: i64) -> Num {
        let mag = BigUint::parse_bytes(digits, 10).unwrap_or_default();
        Num::normalized(neg, mag, point - digits.len() as i64)
    }

    fn normalized(neg: bool, mut mag: BigUint, mut exp: i64) -> Num {
        if mag == BigUint::ZERO {
            return Num::zero(neg);
        }
        if let Ok(mut small) = u64::try_from(&mag) {
            while small % 10 == 0 {
                small /= 10;
                exp += 1;
            }
            return Num {
                neg,
                mag: BigUint::from(small),
                exp,
            };
        }
        let ten = BigUint::from(10u32);
        loop {
            let q = &mag / &ten;
            if &q * &ten != mag {
                break;
            }
            mag = q;
            exp += 1;
        }
        Num { neg, mag, exp }
    }

    /// JSON's number syntax (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, leading zeros
    /// and a leading `+` allowed): the exact value, or `None` for other text or an exponent
    /// beyond ±10^9.
    pub(crate) fn parse(text: &str) -> Option<Num> {
        let (neg, rest) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if int.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        if mantissa.contains('.') && frac.is_empty() {
            return None;
        }
        let exp = match exponent {
            None => 0,
            Some(e) => {
                let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
                if digits.is_empty()
                    || digits.len() > 9
                    || !digits.bytes().all(|b| b.is_ascii_digit())
                {
                    return None;
                }
                e.parse::<i64>().ok()?
            }
        };
        let digits = format!("{int}{frac}");
        let mag = BigUint::parse_bytes(digits.as_bytes(), 10)?;
        Some(Num::normalized(neg, mag, exp - frac.len() as i64))
    }

    /// Go's decimal syntax of `big.Float.SetString` and `big.Rat.SetString` without
    /// underscores or prefixes: JSON's, with a leading `+`, `.5` and `5.` too.
    pub(crate) fn parse_go(text: &str) -> Option<Num> {
        let (sign, rest) = match text.as_bytes().first()? {
            b'-' => ("-", &text[1..]),
            b'+' => ("", &text[1..]),
            _ => ("", text),
        };
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if int.is_empty() && frac.is_empty() || int.starts_with(['+', '-']) {
            return None;
        }
        let int = if int.is_empty() { "0" } else { int };
        let frac = if frac.is_empty() { "0" } else { frac };
        Num::parse(&format!("{sign}{int}.{frac}{exponent}"))
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.mag == BigUint::ZERO
    }

    pub(crate) fn is_neg(&self) -> bool {
        self.neg
    }

    /// The magnitude's digits as an integer and the decimal exponent.
    pub(crate) fn parts(&self) -> (BigUint, i64) {
        (self.mag.clone(), self.exp)
    }

    /// Equal values (`-0` is `0`).
    pub(crate) fn same_value(&self, other: &Num) -> bool {
        (self.is_zero() && other.is_zero()) || self == other
    }

    pub(crate) fn is_integer(&self) -> bool {
        self.exp >= 0
    }

    /// Digits of the integer part (the number's when it is an integer).
    fn int_digits(&self) -> i64 {
        self.mag.to_string().len() as i64 + self.exp
    }

    /// The value as an integer, when it is one (zero for `-0`).
    pub(crate) fn integer(&self) -> Option<BigInt> {
        if !self.is_integer() {
            return None;
        }
        let mag = &self.mag * pow10(u64::try_from(self.exp).ok()?);
        let sign = if self.neg { Sign::Minus } else { Sign::Plus };
        Some(BigInt::from_biguint(sign, mag))
    }

    /// The number's text parsed as Go's `big.Float.SetString` does at `prec` bits (OPA's
    /// `builtins.NumberToFloat`): the digits as one integer, times or divided by the power of
    /// five of the decimal exponent — exact up to 5^27, else computed at `prec + 64` bits as
    /// Go's `pow5` does — rounded once to `prec` bits.
    pub(crate) fn float(&self, prec: u64) -> BigFloat {
        if self.is_zero() {
            return BigFloat::zero(self.neg, prec);
        }
        if self.exp == 0 {
            return BigFloat::round(self.neg, self.mag.clone(), 0, false, prec);
        }
        let pow = pow5(self.exp.unsigned_abs(), prec + 64);
        let digits = BigFloat::exact(self.neg, self.mag.clone(), 0);
        let scaled = if self.exp > 0 {
            digits.mul(&pow, prec)
        } else {
            digits.quo(&pow, prec)
        };
        // × 2^exp: 10^exp = 5^exp × 2^exp.
        BigFloat {
            exp: scaled.exp + self.exp,
            ..scaled
        }
    }

    /// The regorus value holding exactly this number: an integer, or a double whose shortest
    /// text is this number; else an error (KNOWN-DIFFERENCES.md row 26). `what` names the
    /// builtin for the message.
    pub(crate) fn value(&self, what: &str) -> Result<Value, BuiltinError> {
        if self.is_zero() {
            return Ok(zero_value(self.neg));
        }
        if self.is_integer() {
            if self.int_digits() > MAX_DIGITS as i64 {
                return Err(too_long());
            }
            return integer_value(self.integer().unwrap_or_default());
        }
        let digits = self.mag.to_string();
        let point = digits.len() as i64 + self.exp;
        double_or_error(self.neg, digits.as_bytes(), point, what, || self.text())
    }

    /// Plain text (`-0.001`, `1e-400` past 30 zeros).
    fn text(&self) -> String {
        let sign = if self.neg { "-" } else { "" };
        let digits = self.mag.to_string();
        let point = digits.len() as i64 + self.exp;
        format!("{sign}{}", plain(digits.as_bytes(), point))
    }
}

/// Refuses a number literal of the policy that regorus would hold as another number: OPA keeps
/// the literal's text and computes with its exact value, regorus reads a literal that is not
/// an integer as the nearest double (`1.00000000000000000001 == 1` would hold). An integer, or
/// a fraction that is the shortest text of a double (`0.1`, `2.50`, `1e-7`), is held exactly;
/// any other is `malformed-policy` naming KNOWN-DIFFERENCES.md row 26. `ast` is regorus's
/// `[{ast}]` of `modules`, in order.
pub(crate) fn check_literals(ast: &Json, modules: &[Module]) -> Result<(), Error> {
    for (entry, module) in ast.as_array().into_iter().flatten().zip(modules) {
        let mut refused = None;
        walk_numbers(&entry["ast"], &mut |node| {
            if refused.is_some() {
                return;
            }
            let span = &node["span"];
            let (Some(start), Some(end)) = (span["start"].as_u64(), span["end"].as_u64()) else {
                return;
            };
            let Some(text) = module.source.get(start as usize..end as usize) else {
                return;
            };
            let Some(exact) = Num::parse(text) else {
                return;
            };
            let held = Value::from_numeric_string(text)
                .ok()
                .and_then(|v| Num::of(&v));
            if !held.is_some_and(|h| h.same_value(&exact)) || inexact_integer(text, &exact) {
                refused = Some((span["line"].as_u64().unwrap_or(0), text.to_owned()));
            }
        });
        if let Some((line, text)) = refused {
            return Err(Error::MalformedPolicy {
                path: module.path.clone(),
                message: format!(
                    "{}:{line}: the number {text} has more digits than a double holds, and \
                     verdict cannot evaluate it as OPA does (KNOWN-DIFFERENCES.md row 26)",
                    module.path
                ),
            });
        }
    }
    Ok(())
}

/// A literal written with a fraction or an exponent whose value is an integer a double does not
/// hold and read back (`100000000000000000000000.0`, `9007199254740993e0`,
/// `1152921504606846976e0`): regorus would hold a double, which verdict's builtins read back as
/// its shortest text — another integer — and which compares unlike OPA's exact number with
/// exact integers (`1.7e18` is fine). Past 64 bits an
/// exponent literal is written as the exact integer instead (`crate::rewrite`), which integer
/// operands refuse as OPA's do; a fraction without an exponent is not.
fn inexact_integer(text: &str, exact: &Num) -> bool {
    if !text.contains(['.', 'e', 'E']) || !exact.is_integer() {
        return false;
    }
    let Ok(integer) = exact.value("literal") else {
        return false;
    };
    let Ok(integer) = integer.to_json_str() else {
        return false;
    };
    let magnitude = integer.trim_start_matches('-');
    let double_reads_back = double_reads_back(magnitude);
    let past_64_bits = magnitude.parse::<i64>().is_err();
    !(double_reads_back || (past_64_bits && text.contains(['e', 'E'])))
}

/// Whether the double nearest the integer `digits` is that integer and is read back as it from
/// its shortest text (`1700000000000000000`, `1e17`: yes; `1152921504606846976` = 2^60, whose
/// shortest text is `1.152921504606847e18`: no) — so verdict may hold it as a double.
pub(crate) fn double_reads_back(digits: &str) -> bool {
    digits
        .parse::<f64>()
        .is_ok_and(|f| f.is_finite() && format!("{f:.0}") == digits && format!("{f}") == digits)
}

/// Calls `f` on every `{"Number": node}` of a serialized AST.
fn walk_numbers(json: &Json, f: &mut impl FnMut(&Json)) {
    match json {
        Json::Object(fields) => {
            for (key, value) in fields {
                if key == "Number" && value.get("span").is_some() {
                    f(value);
                }
                walk_numbers(value, f);
            }
        }
        Json::Array(items) => {
            for item in items {
                walk_numbers(item, f);
            }
        }
        _ => {}
    }
}

/// A Go `big.Float`: `(-1)^neg × mant × 2^exp` with `mant` of exactly `prec` bits (or zero).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BigFloat {
    neg: bool,
    mant: BigUint,
    exp: i64,
    prec: u64,
}

impl BigFloat {
    fn zero(neg: bool, prec: u64) -> BigFloat {
        BigFloat {
            neg,
            mant: BigUint::ZERO,
            exp: 0,
            prec,
        }
    }

    /// `mant × 2^exp` exactly, at the precision of `mant`'s bits (at least 1).
    fn exact(neg: bool, mant: BigUint, exp: i64) -> BigFloat {
        let prec = mant.bits().max(1);
        BigFloat::round(neg, mant, exp, false, prec)
    }

    /// Go's `SetInt`: exact, at the integer's bits or 64, whichever is more.
    pub(crate) fn from_int(i: &BigInt) -> BigFloat {
        let prec = i.magnitude().bits().max(PREC);
        BigFloat::round(
            i.sign() == Sign::Minus,
            i.magnitude().clone(),
            0,
            false,
            prec,
        )
    }

    /// `(q + sticky) × 2^exp` (sticky: a nonzero fraction below `q`'s last bit) rounded to
    /// `prec` bits, to nearest, ties to even.
    fn round(neg: bool, q: BigUint, exp: i64, sticky: bool, prec: u64) -> BigFloat {
        let bits = q.bits();
        if bits == 0 {
            return BigFloat::zero(neg, prec);
        }
        if bits <= prec {
            let shift = prec - bits;
            return BigFloat {
                neg,
                mant: q << shift,
                exp: exp - shift as i64,
                prec,
            };
        }
        let mut drop = bits - prec;
        let mut mant = &q >> drop;
        let half = q.bit(drop - 1);
        let below = sticky || q.trailing_zeros().is_some_and(|t| t < drop - 1);
        if half && (below || mant.bit(0)) {
            mant += 1u32;
            if mant.bits() > prec {
                mant >>= 1u32;
                drop += 1;
            }
        }
        BigFloat {
            neg,
            mant,
            exp: exp + drop as i64,
            prec,
        }
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.mant == BigUint::ZERO
    }

    /// `self + other`, rounded to `prec` bits (Go's `Float.Add`).
    pub(crate) fn add(&self, other: &BigFloat, prec: u64) -> BigFloat {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => return BigFloat::zero(self.neg && other.neg, prec),
            (false, true) => return self.rounded_to(prec),
            (true, false) => return other.rounded_to(prec),
            (false, false) => {}
        }
        let exp = self.exp.min(other.exp);
        let a = &self.mant << (self.exp - exp) as u64;
        let b = &other.mant << (other.exp - exp) as u64;
        if self.neg == other.neg {
            return BigFloat::round(self.neg, a + b, exp, false, prec);
        }
        match a.cmp(&b) {
            Ordering::Equal => BigFloat::zero(false, prec),
            Ordering::Greater => BigFloat::round(self.neg, a - b, exp, false, prec),
            Ordering::Less => BigFloat::round(other.neg, b - a, exp, false, prec),
        }
    }

    /// `self - other`, rounded to `prec` bits (Go's `Float.Sub`).
    pub(crate) fn sub(&self, other: &BigFloat, prec: u64) -> BigFloat {
        self.add(&other.negated(), prec)
    }

    /// `self × other`, rounded to `prec` bits (Go's `Float.Mul`).
    pub(crate) fn mul(&self, other: &BigFloat, prec: u64) -> BigFloat {
        let neg = self.neg != other.neg;
        if self.is_zero() || other.is_zero() {
            return BigFloat::zero(neg, prec);
        }
        BigFloat::round(
            neg,
            &self.mant * &other.mant,
            self.exp + other.exp,
            false,
            prec,
        )
    }

    /// `self ÷ other`, correctly rounded to `prec` bits (Go's `Float.Quo`); `other` nonzero.
    pub(crate) fn quo(&self, other: &BigFloat, prec: u64) -> BigFloat {
        let neg = self.neg != other.neg;
        if self.is_zero() || other.is_zero() {
            return BigFloat::zero(neg, prec);
        }
        // Scale so that the integer quotient has at least prec + 2 bits; the remainder is the
        // sticky bit.
        let shift = prec as i64 + 2 + other.mant.bits() as i64 - self.mant.bits() as i64;
        let (num, den) = if shift >= 0 {
            (&self.mant << shift as u64, other.mant.clone())
        } else {
            (self.mant.clone(), &other.mant << shift.unsigned_abs())
        };
        let q = &num / &den;
        let sticky = &q * &den != num;
        BigFloat::round(neg, q, self.exp - other.exp - shift, sticky, prec)
    }

    fn negated(&self) -> BigFloat {
        BigFloat {
            neg: !self.neg,
            ..self.clone()
        }
    }

    /// The value rounded to `prec` bits.
    pub(crate) fn rounded_to(&self, prec: u64) -> BigFloat {
        if prec == self.prec {
            return self.clone();
        }
        BigFloat::round(self.neg, self.mant.clone(), self.exp, false, prec)
    }

    /// `|self|`.
    pub(crate) fn abs(&self) -> BigFloat {
        BigFloat {
            neg: false,
            ..self.clone()
        }
    }

    pub(crate) fn is_neg(&self) -> bool {
        self.neg
    }

    /// The exponent of the mantissa's last bit (the value is below 2^(exponent + prec)).
    pub(crate) fn exponent(&self) -> i64 {
        self.exp
    }

    /// Whether the value is a whole number (Go's `IsInt`; zero is one).
    pub(crate) fn is_int(&self) -> bool {
        self.exp >= 0
            || self
                .mant
                .trailing_zeros()
                .is_none_or(|t| t >= self.exp.unsigned_abs())
    }

    /// The integer part, towards zero (Go's `Float.Int`).
    pub(crate) fn trunc(&self) -> BigInt {
        let mag = if self.exp >= 0 {
            &self.mant << self.exp as u64
        } else {
            &self.mant >> self.exp.unsigned_abs()
        };
        let sign = if self.neg { Sign::Minus } else { Sign::Plus };
        BigInt::from_biguint(sign, mag)
    }

    /// The exact decimal of `mant × 2^exp`: trimmed digits and the decimal point's position.
    fn decimal(mant: &BigUint, exp: i64) -> Decimal {
        if *mant == BigUint::ZERO {
            return Decimal::default();
        }
        // u128 when the digits fit (most values people write), else big integers.
        let (text, point_shift) = if exp >= 0 {
            let shift = exp as u64;
            match u128::try_from(mant) {
                Ok(m) if mant.bits() + shift <= 128 => ((m << shift).to_string(), 0),
                _ => ((mant << shift).to_string(), 0),
            }
        } else {
            let k = exp.unsigned_abs();
            let tz = mant.trailing_zeros().unwrap_or(0).min(k);
            let k = k - tz;
            let m = mant >> tz;
            let small = u128::try_from(&m)
                .ok()
                .zip(u32::try_from(k).ok().and_then(|k| 5u128.checked_pow(k)))
                .and_then(|(m, p)| m.checked_mul(p));
            match small {
                Some(v) => (v.to_string(), k as i64),
                None => ((m * pow5_exact(k)).to_string(), k as i64),
            }
        };
        let point = text.len() as i64 - point_shift;
        let digits = text.trim_end_matches('0').as_bytes().to_vec();
        Decimal { digits, point }
    }

    /// The shortest decimal that reads back as this value at its precision, found as Go's
    /// `roundShortest` finds it.
    fn shortest(&self) -> Decimal {
        let mut d = BigFloat::decimal(&self.mant, self.exp);
        if d.digits.is_empty() {
            return d;
        }
        // mant × 2 has prec + 1 bits; its last bit is half an ulp.
        let twice = &self.mant << 1u32;
        let exp = self.exp - 1;
        let lower = BigFloat::decimal(&(&twice - 1u32), exp);
        let upper = BigFloat::decimal(&(&twice + 1u32), exp);
        let inclusive = !self.mant.bit(0);
        for i in 0..d.digits.len() {
            let m = d.digits[i];
            let l = lower.at(i);
            let u = upper.at(i);
            let ok_down = l != m || inclusive && i + 1 == lower.digits.len();
            let ok_up = m != u && (inclusive || m + 1 < u || i + 1 < upper.digits.len());
            match (ok_down, ok_up) {
                (true, true) => {
                    d.round(i + 1);
                    break;
                }
                (true, false) => {
                    d.round_down(i + 1);
                    break;
                }
                (false, true) => {
                    d.round_up(i + 1);
                    break;
                }
                (false, false) => {}
            }
        }
        d
    }

    /// OPA's text of the value (`builtins.FloatToNumber`): `Text('f', -1)` for a whole
    /// number, else `Text('g', -1)` (exponent form below 1e-4 and from 1e21… as Go's `%g`
    /// with the shortest digits: from 1e6 up).
    pub(crate) fn text(&self) -> String {
        let d = self.shortest();
        let sign = if self.neg { "-" } else { "" };
        if self.is_int() {
            return format!("{sign}{}", fmt_f(&d));
        }
        let exp = d.point - 1;
        if !(-4..6).contains(&exp) {
            let mut out = String::from(sign);
            out.push(char::from(d.digits.first().copied().unwrap_or(b'0')));
            if d.digits.len() > 1 {
                out.push('.');
                out.push_str(std::str::from_utf8(&d.digits[1..]).unwrap_or_default());
            }
            let (s, e) = if exp < 0 { ('-', -exp) } else { ('+', exp) };
            return format!("{out}e{s}{e:02}");
        }
        format!("{sign}{}", fmt_f(&d))
    }

    /// The value OPA's result has, as a regorus value: an exact integer when OPA's text is a
    /// whole number, a double when it is the shortest text of one, else an evaluation error
    /// naming the builtin (`what`) and OPA's result (KNOWN-DIFFERENCES.md row 26).
    pub(crate) fn value(&self, what: &str) -> Result<Value, BuiltinError> {
        if self.is_zero() {
            return Ok(zero_value(self.neg));
        }
        let d = self.shortest();
        if self.is_int() && d.point >= d.digits.len() as i64 {
            if d.point > MAX_DIGITS as i64 {
                return Err(too_long());
            }
            let mut text = String::with_capacity(d.point as usize + 1);
            if self.neg {
                text.push('-');
            }
            text.push_str(std::str::from_utf8(&d.digits).unwrap_or_default());
            text.extend(std::iter::repeat_n('0', d.point as usize - d.digits.len()));
            let int = text
                .parse::<BigInt>()
                .map_err(|e| BuiltinError(format!("{what}: {e}")))?;
            return integer_value(int);
        }
        double_or_error(self.neg, &d.digits, d.point, what, || self.text())
    }
}

/// A decimal: `0.digits × 10^point`, digits trimmed of trailing zeros (Go's `decimal`).
#[derive(Debug, Default)]
struct Decimal {
    digits: Vec<u8>,
    point: i64,
}

impl Decimal {
    fn at(&self, i: usize) -> u8 {
        self.digits.get(i).copied().unwrap_or(b'0')
    }

    fn round(&mut self, n: usize) {
        if n >= self.digits.len() {
            return;
        }
        let half_even = self.digits[n] == b'5' && n + 1 == self.digits.len();
        let up = if half_even {
            n > 0 && (self.digits[n - 1] - b'0') % 2 == 1
        } else {
            self.digits[n] >= b'5'
        };
        if up {
            self.round_up(n);
        } else {
            self.round_down(n);
        }
    }

    fn round_up(&mut self, n: usize) {
        if n >= self.digits.len() {
            return;
        }
        let mut n = n;
        while n > 0 && self.digits[n - 1] >= b'9' {
            n -= 1;
        }
        if n == 0 {
            self.digits = vec![b'1'];
            self.point += 1;
            return;
        }
        self.digits[n - 1] += 1;
        self.digits.truncate(n);
    }

    fn round_down(&mut self, n: usize) {
        if n >= self.digits.len() {
            return;
        }
        self.digits.truncate(n);
        while self.digits.last() == Some(&b'0') {
            self.digits.pop();
        }
        if self.digits.is_empty() {
            self.point = 0;
        }
    }
}

/// Go's `fmtF` with the shortest digits: the integer part padded with zeros, then the
/// fraction digits there are.
fn fmt_f(d: &Decimal) -> String {
    let mut out = String::new();
    if d.point > 0 {
        let whole = (d.point as usize).min(d.digits.len());
        out.push_str(std::str::from_utf8(&d.digits[..whole]).unwrap_or_default());
        out.extend(std::iter::repeat_n('0', d.point as usize - whole));
    } else {
        out.push('0');
    }
    let fraction = d.digits.len() as i64 - d.point;
    if fraction > 0 {
        out.push('.');
        for i in 0..fraction {
            out.push(char::from(d.at((d.point + i) as usize)));
        }
    }
    out
}

/// `0.digits × 10^point` written out plainly, or in exponent form past 30 zeros.
fn plain(digits: &[u8], point: i64) -> String {
    let d = Decimal {
        digits: digits.to_vec(),
        point,
    };
    if !(-30..=30).contains(&point) {
        let rest = std::str::from_utf8(&digits[1..]).unwrap_or_default();
        let dot = if rest.is_empty() { "" } else { "." };
        return format!("{}{dot}{rest}e{}", char::from(digits[0]), point - 1);
    }
    if point < 0 {
        // fmt_f reads digits from index point + i; pad in front instead.
        let zeros = "0".repeat(point.unsigned_abs() as usize);
        return format!(
            "0.{zeros}{}",
            std::str::from_utf8(digits).unwrap_or_default()
        );
    }
    fmt_f(&d)
}

/// The exact integer a whole double holds (its binary value, `1e23` is
/// 99999999999999991611392).
pub(crate) fn whole_double(f: f64) -> Option<BigInt> {
    if !f.is_finite() || f.fract() != 0.0 {
        return None;
    }
    let bits = f.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let mant = if exp == 0 {
        (bits & ((1 << 52) - 1)) << 1
    } else {
        (bits & ((1 << 52) - 1)) | (1 << 52)
    };
    let shift = exp - 1075;
    let mag = if shift >= 0 {
        BigUint::from(mant) << shift as u64
    } else {
        BigUint::from(mant >> shift.unsigned_abs().min(63))
    };
    let sign = if f < 0.0 { Sign::Minus } else { Sign::Plus };
    Some(BigInt::from_biguint(sign, mag))
}

/// The shortest digits of a finite nonzero double and its decimal point's position
/// (`0.digits × 10^point`).
pub(crate) fn shortest_f64(f: f64) -> (Vec<u8>, i64) {
    let text = format!("{:e}", f.abs());
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    (digits, exponent.parse::<i64>().unwrap_or(0) + 1)
}

/// `0.digits × 10^point` as a double when that double's shortest text is exactly these digits;
/// else the row-26 error.
fn double_or_error(
    neg: bool,
    digits: &[u8],
    point: i64,
    what: &str,
    text: impl Fn() -> String,
) -> Result<Value, BuiltinError> {
    let exact = || -> Option<f64> {
        let text = format!(
            "0.{}e{point}",
            std::str::from_utf8(digits).unwrap_or_default()
        );
        let f: f64 = text.parse().ok()?;
        if !f.is_finite() || f == 0.0 {
            return None;
        }
        let (d, p) = shortest_f64(f);
        (d == digits && p == point).then_some(if neg { -f } else { f })
    };
    match (point.abs() < 400).then(exact).flatten() {
        Some(f) => Ok(Value::from(f)),
        None => Err(BuiltinError(format!(
            "{what}: OPA's result {} has more digits than a double holds, and verdict \
             cannot represent it (KNOWN-DIFFERENCES.md row 26); compare before dividing \
             (`a > b * c`, not `a / c > b`)",
            text()
        ))),
    }
}

fn zero_value(neg: bool) -> Value {
    if neg {
        Value::from(-0.0f64)
    } else {
        Value::from(0i64)
    }
}

/// An integer as a regorus value, bounded to [`MAX_DIGITS`].
pub(crate) fn integer_value(int: BigInt) -> Result<Value, BuiltinError> {
    if let Ok(small) = i64::try_from(&int) {
        return Ok(Value::from(small));
    }
    let text = int.to_string();
    if text.trim_start_matches('-').len() > MAX_DIGITS {
        return Err(too_long());
    }
    Value::from_numeric_string(&text).map_err(|e| BuiltinError(format!("arithmetic: {e}")))
}

pub(crate) fn too_long() -> BuiltinError {
    BuiltinError(format!(
        "{LIMIT}an arithmetic result has more than {MAX_DIGITS} digits"
    ))
}

/// `10^n`.
fn pow10(n: u64) -> BigUint {
    BigUint::from(10u32).pow(u32::try_from(n).unwrap_or(u32::MAX))
}

/// `5^n` exactly.
fn pow5_exact(n: u64) -> BigUint {
    BigUint::from(5u32).pow(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Go's `Float.pow5` at precision `prec`: exact up to 5^27, then 5^27 multiplied by the
/// repeated squares of 5 (kept at `prec + 64` bits), each product rounded to `prec` bits.
fn pow5(n: u64, prec: u64) -> BigFloat {
    const EXACT: u64 = 27;
    if n <= EXACT {
        return BigFloat::round(false, pow5_exact(n), 0, false, prec);
    }
    let mut z = BigFloat::round(false, pow5_exact(EXACT), 0, false, prec);
    let mut f = BigFloat::round(false, BigUint::from(5u32), 0, false, prec + 64);
    let mut n = n - EXACT;
    while n > 0 {
        if n & 1 == 1 {
            z = z.mul(&f, prec);
        }
        f = f.mul(&f, prec + 64);
        n >>= 1;
    }
    z
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(text: &str) -> Num {
        Num::parse(text).unwrap()
    }

    /// OPA's text of `a op b` computed on the float path at 64 bits.
    fn float_op(op: char, a: &str, b: &str) -> String {
        let (x, y) = (num(a).float(PREC), num(b).float(PREC));
        let r = match op {
            '+' => x.add(&y, PREC),
            '-' => x.sub(&y, PREC),
            '*' => x.mul(&y, PREC),
            '/' => x.quo(&y, PREC),
            _ => unreachable!(),
        };
        r.text()
    }

    #[test]
    fn float_path_texts_as_opa() {
        // (op, a, b, OPA v1.20.2's text of the result: json.marshal in the probe).
        let cases = [
            ('/', "1", "3", "0.33333333333333333334"),
            ('/', "-1", "3", "-0.33333333333333333334"),
            ('/', "2", "3", "0.6666666666666666667"),
            ('/', "1e30", "3", "333333333333333333340000000000"),
            ('/', "0", "-5", "-0"),
            ('+', "0.1", "0.2", "0.3"),
            ('*', "1.1", "1.1", "1.21"),
            ('*', "0.1", "3", "0.3"),
            ('+', "1e-20", "1", "1"),
            ('+', "1234567.5", "0", "1.2345675e+06"),
            ('*', "1234567.25", "1", "1.23456725e+06"),
            ('+', "1e-5", "0", "1e-05"),
            ('+', "0.0001", "0", "0.0001"),
            (
                '+',
                "12345678901234567890123.5",
                "1",
                "12345678901234567890000",
            ),
            ('+', "1e30", "0.5", "1000000000000000000000000000000"),
            ('+', "100000000000000000000", "0.5", "100000000000000000000"),
        ];
        for (op, a, b, want) in cases {
            assert_eq!(float_op(op, a, b), want, "{a} {op} {b}");
        }
    }

    #[test]
    fn parse_rounds_as_go() {
        // 1e30 at 64 bits (OPA: ceil(1e30 + 0.5) is this integer).
        let f = num("1e30").float(PREC);
        assert_eq!(f.trunc().to_string(), "1000000000000000000024696061952");
        assert_eq!(f.text(), "1000000000000000000000000000000");
        assert_eq!(num("0.5").float(PREC).text(), "0.5");
        assert_eq!(num("-0").float(PREC).text(), "-0");
    }

    #[test]
    fn values_fail_closed_beyond_a_double() {
        let third = num("1").float(PREC).quo(&num("3").float(PREC), PREC);
        let err = third.value("div").unwrap_err().0;
        assert!(
            err.contains("0.33333333333333333334") && err.contains("row 26"),
            "{err}"
        );
        let half = num("1").float(PREC).quo(&num("2").float(PREC), PREC);
        assert_eq!(half.value("div").unwrap(), Value::from(0.5));
        assert!(num("1.00000000000000000001").value("x").is_err());
        assert!(num("1e-400").value("x").is_err());
        assert_eq!(
            num("0.30000000000000004").value("x").unwrap(),
            Value::from(0.30000000000000004)
        );
        assert_eq!(num("2.50").value("x").unwrap(), Value::from(2.5));
        assert_eq!(num("1e3").value("x").unwrap(), Value::from(1000i64));
        let negative_zero = num("-0").value("x").unwrap();
        assert!(negative_zero.as_f64().unwrap().is_sign_negative());
    }
}
