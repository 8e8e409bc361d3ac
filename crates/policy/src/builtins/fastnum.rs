//! The common case of [`super::opanum`] in machine integers.
//!
//! OPA's float path on numbers people write (doubles with at most 17 digits and a decimal
//! exponent within ±27, integers of 64 bits) needs no big integers: a 64-bit mantissa fits a
//! `u64`, a product or an aligned sum a `u128`. [`F64x`] is that `big.Float`, with Go's
//! parsing and correctly rounded `+ - × ÷`. Its result is handed to regorus only when verdict
//! can tell cheaply and exactly that OPA's text of it is an integer below 2^64 or the shortest
//! text of a double ([`F64x::value`]); anything else returns `None`, and the caller takes the
//! general path (`opanum`), which is the reference: the tests below check that both agree.
//!
//! Why the double check is exact: let `x` be the 64-bit result, `f` the double nearest to it
//! and `t` the shortest text of `f` (Rust's, minimal among the decimals that read back as `f`).
//! Go writes `x` as the shortest decimal in `[x − ½ulp, x + ½ulp]` (its `roundShortest`). When
//! that interval lies inside `f`'s rounding interval, no decimal in it is shorter than `t`, and
//! it holds at most one decimal of `t`'s length (two would be an ulp of `x` apart, and `f`'s
//! interval, 2048 such ulps wide, would then hold a shorter one); so when `t` is in it, Go
//! writes `t`. A power of ten in the interval (`t` = 1, 10, 0.1 …) is left to the general path,
//! whose digit-by-digit walk is Go's own there.

use std::cmp::Ordering;
use std::io::Write;

use regorus::Value;

/// At most this decimal exponent is parsed here: 5^27 is the largest power of five in a `u64`
/// (and the largest Go's `pow5` takes exactly).
const MAX_POW5: u32 = 27;

/// `(-1)^neg × m × 2^e`, `m` with its top bit set (or zero): a Go `big.Float` of 64 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct F64x {
    neg: bool,
    m: u64,
    e: i64,
}

impl F64x {
    const ZERO: F64x = F64x {
        neg: false,
        m: 0,
        e: 0,
    };

    /// A regorus number's text at 64 bits, as Go's `SetString` reads it: a 64-bit integer, or
    /// a double at its shortest text; `None` for anything else.
    pub(crate) fn of(value: &Value) -> Option<F64x> {
        let Value::Number(n) = value else {
            return None;
        };
        match n.as_f64() {
            Some(f) if f == 0.0 => Some(F64x {
                neg: f.is_sign_negative(),
                ..F64x::ZERO
            }),
            Some(f) if f.fract() == 0.0 && f.abs() <= super::opanum::SAFE_INTEGER => {
                F64x::parse(f < 0.0, f.abs() as u64, 0)
            }
            Some(f) => {
                let (digits, exp) = shortest(f)?;
                F64x::parse(f < 0.0, digits, exp)
            }
            None => {
                if let Some(i) = n.as_i64() {
                    return F64x::parse(i < 0, i.unsigned_abs(), 0);
                }
                F64x::parse(false, n.as_u64()?, 0)
            }
        }
    }

    /// `digits × 10^exp` rounded to 64 bits as Go's `Float.SetString` does: the digits times
    /// or divided by 5^|exp| (exact here), correctly rounded, times 2^exp.
    fn parse(neg: bool, digits: u64, exp: i64) -> Option<F64x> {
        if digits == 0 {
            return Some(F64x { neg, ..F64x::ZERO });
        }
        let k = u32::try_from(exp.unsigned_abs())
            .ok()
            .filter(|k| *k <= MAX_POW5)?;
        let pow = 5u64.pow(k);
        if exp >= 0 {
            return round(neg, u128::from(digits) * u128::from(pow), exp, false);
        }
        // A quotient of at least 65 bits, the remainder as the sticky bit.
        let shift = 65 + bits(u128::from(pow)) - bits(u128::from(digits));
        let num = u128::from(digits) << shift;
        let (q, r) = (num / u128::from(pow), num % u128::from(pow));
        round(neg, q, exp - i64::from(shift), r != 0)
    }

    pub(crate) fn half(neg: bool) -> F64x {
        F64x {
            neg,
            m: 1 << 63,
            e: -64,
        }
    }

    fn is_zero(self) -> bool {
        self.m == 0
    }

    pub(crate) fn is_neg(self) -> bool {
        self.neg
    }

    pub(crate) fn negated(self) -> F64x {
        F64x {
            neg: !self.neg,
            ..self
        }
    }

    pub(crate) fn abs(self) -> F64x {
        F64x { neg: false, ..self }
    }

    /// `self + other` at 64 bits; `None` when the exponents are too far apart for a `u128`.
    pub(crate) fn add(self, other: F64x) -> Option<F64x> {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => {
                return Some(F64x {
                    neg: self.neg && other.neg,
                    ..F64x::ZERO
                });
            }
            (false, true) => return Some(self),
            (true, false) => return Some(other),
            (false, false) => {}
        }
        let (hi, lo) = if self.e >= other.e {
            (self, other)
        } else {
            (other, self)
        };
        let shift = u32::try_from(hi.e - lo.e).ok().filter(|s| *s <= 64)?;
        let a = u128::from(hi.m) << shift;
        let b = u128::from(lo.m);
        if hi.neg == lo.neg {
            return round(hi.neg, a.checked_add(b)?, lo.e, false);
        }
        match a.cmp(&b) {
            Ordering::Equal => Some(F64x::ZERO),
            Ordering::Greater => round(hi.neg, a - b, lo.e, false),
            Ordering::Less => round(lo.neg, b - a, lo.e, false),
        }
    }

    pub(crate) fn sub(self, other: F64x) -> Option<F64x> {
        self.add(other.negated())
    }

    pub(crate) fn mul(self, other: F64x) -> Option<F64x> {
        let neg = self.neg != other.neg;
        if self.is_zero() || other.is_zero() {
            return Some(F64x { neg, ..F64x::ZERO });
        }
        round(
            neg,
            u128::from(self.m) * u128::from(other.m),
            self.e + other.e,
            false,
        )
    }

    /// `self ÷ other` correctly rounded; `None` for a zero divisor.
    pub(crate) fn quo(self, other: F64x) -> Option<F64x> {
        let neg = self.neg != other.neg;
        if other.is_zero() {
            return None;
        }
        if self.is_zero() {
            return Some(F64x { neg, ..F64x::ZERO });
        }
        let num = u128::from(self.m) << 64;
        let den = u128::from(other.m);
        let (q, r) = (num / den, num % den);
        let e = self.e - other.e - 64;
        if q >> 64 != 0 {
            return round(neg, q, e, r != 0);
        }
        // 64 bits only: one more quotient bit from the remainder.
        let twice = r << 1;
        let (bit, rest) = if twice >= den {
            (1, twice - den)
        } else {
            (0, twice)
        };
        round(neg, (q << 1) | bit, e - 1, rest != 0)
    }

    /// The integer part towards zero, when it fits 64 bits; and whether the number is whole.
    pub(crate) fn trunc(self) -> Option<(u64, bool)> {
        if self.e >= 0 {
            return (self.e == 0 || self.m == 0).then_some((self.m, true));
        }
        if self.e <= -64 {
            return Some((0, self.m == 0));
        }
        let shift = self.e.unsigned_abs();
        Some((self.m >> shift, self.m & ((1u64 << shift) - 1) == 0))
    }

    /// The regorus value of OPA's text of this number, when it is a whole number below 2^64 or
    /// the shortest text of a double; `None` when only the general path can tell.
    pub(crate) fn value(self) -> Option<Value> {
        if self.is_zero() {
            return Some(if self.neg {
                Value::from(-0.0f64)
            } else {
                Value::from(0i64)
            });
        }
        match self.trunc() {
            Some((int, true)) => return int_value(self.neg, int),
            // Whole and 2^64 or more: OPA writes its shortest digits padded with zeros.
            None => return None,
            Some(_) => {}
        }
        let f = self.nearest_double()?;
        let (digits, exp) = shortest(f)?;
        if digits == 1 {
            return None;
        }
        self.within_double_interval(f)?;
        // Go's interval: (2m ± 1) × 2^(e-1), its ends included when m is even.
        let lower = u128::from(self.m) * 2 - 1;
        let upper = u128::from(self.m) * 2 + 1;
        let inclusive = self.m & 1 == 0;
        let above = cmp_decimal(digits, exp, lower, self.e - 1)?;
        let below = cmp_decimal(digits, exp, upper, self.e - 1)?;
        let inside = if inclusive {
            above != Ordering::Less && below != Ordering::Greater
        } else {
            above == Ordering::Greater && below == Ordering::Less
        };
        inside.then(|| Value::from(if self.neg { -f } else { f }))
    }

    /// The double nearest to the magnitude (ties to even), when it is a normal double.
    fn nearest_double(self) -> Option<f64> {
        let mut mant = self.m >> 11;
        let rest = self.m & 0x7ff;
        if rest > 0x400 || (rest == 0x400 && mant & 1 == 1) {
            mant += 1;
        }
        let mut exp = self.e + 11;
        if mant >> 53 != 0 {
            mant >>= 1;
            exp += 1;
        }
        let biased = exp + 52 + 1023;
        if !(1..=2046).contains(&biased) {
            return None;
        }
        Some(f64::from_bits(
            ((biased as u64) << 52) | (mant & ((1 << 52) - 1)),
        ))
    }

    /// `Some` when `[x − ½ulp, x + ½ulp]` lies strictly inside the rounding interval of `f`
    /// (compared in units of half an ulp of `x`).
    fn within_double_interval(self, f: f64) -> Option<()> {
        let bits = f.to_bits();
        let stored = bits & ((1 << 52) - 1);
        let mant = stored | (1 << 52);
        let exp = ((bits >> 52) & 0x7ff) as i64 - 1023 - 52;
        // f in units of 2^(e-1): mant × 2^(exp - e + 1).
        let shift = u32::try_from(exp - self.e + 1).ok().filter(|s| *s <= 64)?;
        let center = i128::try_from(u128::from(mant) << shift).ok()?;
        let half_ulp = 1i128 << (shift - 1);
        let half_below = if stored == 0 { half_ulp / 2 } else { half_ulp };
        let x = i128::from(self.m) * 2;
        (x - 1 > center - half_below && x + 1 < center + half_ulp).then_some(())
    }
}

/// `(q + sticky) × 2^e` rounded to 64 bits, to nearest, ties to even.
fn round(neg: bool, q: u128, e: i64, sticky: bool) -> Option<F64x> {
    let n = bits(q);
    if n == 0 {
        return (!sticky).then_some(F64x { neg, ..F64x::ZERO });
    }
    if n <= 64 {
        if sticky {
            return None;
        }
        let shift = 64 - n;
        return Some(F64x {
            neg,
            m: (q << shift) as u64,
            e: e - i64::from(shift),
        });
    }
    let mut drop = n - 64;
    let mut m = (q >> drop) as u64;
    let half = (q >> (drop - 1)) & 1 == 1;
    let below = sticky || q & ((1u128 << (drop - 1)) - 1) != 0;
    if half && (below || m & 1 == 1) {
        m = match m.checked_add(1) {
            Some(m) => m,
            None => {
                drop += 1;
                1 << 63
            }
        };
    }
    Some(F64x {
        neg,
        m,
        e: e + i64::from(drop),
    })
}

fn bits(x: u128) -> u32 {
    128 - x.leading_zeros()
}

/// A whole number of at most 64 bits with its sign, as a regorus value.
pub(crate) fn signed_value(int: i128) -> Option<Value> {
    if let Ok(i) = i64::try_from(int) {
        return Some(Value::from(i));
    }
    u64::try_from(int).ok().map(Value::from)
}

/// A whole number below 2^64 with its sign.
fn int_value(neg: bool, int: u64) -> Option<Value> {
    if !neg {
        return Some(Value::from(int));
    }
    if let Ok(i) = i64::try_from(int) {
        return Some(Value::from(-i));
    }
    None
}

/// The shortest digits of a finite nonzero double as an integer and the decimal exponent of
/// its last digit (`0.25` is `(25, -2)`), written without allocating.
pub(crate) fn shortest(f: f64) -> Option<(u64, i64)> {
    let mut buf = [0u8; 40];
    let mut cursor = std::io::Cursor::new(&mut buf[..]);
    write!(cursor, "{:e}", f.abs()).ok()?;
    let len = usize::try_from(cursor.position()).ok()?;
    let text = std::str::from_utf8(&buf[..len]).ok()?;
    let (mantissa, exp) = text.split_once('e')?;
    let mut digits = 0u64;
    let mut count = 0i64;
    for b in mantissa.bytes().filter(u8::is_ascii_digit) {
        digits = digits * 10 + u64::from(b - b'0');
        count += 1;
    }
    Some((digits, exp.parse::<i64>().ok()? - (count - 1)))
}

/// `digits × 10^exp` against `n × 2^b`, exactly; `None` past a `u128`.
fn cmp_decimal(digits: u64, exp: i64, n: u128, b: i64) -> Option<Ordering> {
    let k = u32::try_from(exp.unsigned_abs())
        .ok()
        .filter(|k| *k <= MAX_POW5)?;
    let pow = u128::from(5u64.pow(k));
    if exp >= 0 {
        // digits × 5^k × 2^k  vs  n × 2^b
        Some(cmp_shifted(u128::from(digits) * pow, n, b - exp))
    } else {
        // digits  vs  n × 5^k × 2^(b + k)
        Some(cmp_shifted(
            u128::from(digits),
            n.checked_mul(pow)?,
            b - exp,
        ))
    }
}

/// `a` against `b × 2^s`.
fn cmp_shifted(a: u128, b: u128, s: i64) -> Ordering {
    if a == 0 || b == 0 {
        return a.cmp(&b);
    }
    let (la, lb) = (i64::from(bits(a)), i64::from(bits(b)) + s);
    if la != lb {
        return la.cmp(&lb);
    }
    // Equal lengths (at most 128 bits): the shift fits.
    if s >= 0 {
        a.cmp(&(b << s))
    } else {
        (a << (-s)).cmp(&b)
    }
}

#[cfg(test)]
mod tests {
    use super::super::opanum::{Num, PREC};
    use super::*;

    /// A deterministic pseudo-random sequence (xorshift).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    /// Doubles of the kinds policies hold: short decimals, dyadic fractions, integers, and
    /// arbitrary doubles near and far from 1.
    fn operand(rng: &mut Rng) -> Value {
        let r = rng.next();
        let sign = if r & 1 == 1 { -1.0 } else { 1.0 };
        match (r >> 1) % 6 {
            0 => Value::from(
                sign * (rng.next() % 100_000) as f64 / 10f64.powi((rng.next() % 8) as i32),
            ),
            1 => {
                Value::from(sign * (rng.next() % 4096) as f64 / 2f64.powi((rng.next() % 12) as i32))
            }
            2 => Value::from((rng.next() % 2_000_000) as i64 - 1_000_000),
            3 => Value::from(sign * f64::from_bits(0x3ff0_0000_0000_0000 | (rng.next() >> 12))),
            4 => Value::from(
                sign * f64::from_bits(((rng.next() % 200) + 923) << 52 | (rng.next() >> 12)),
            ),
            _ => Value::from(sign * (rng.next() % 1000) as f64 * 0.001),
        }
    }

    /// The fast path agrees with the general one whenever it answers, and answers often.
    #[test]
    fn agrees_with_the_general_path() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let (mut answered, mut representable) = (0, 0);
        let total = 60_000;
        for i in 0..total {
            let (a, b) = (operand(&mut rng), operand(&mut rng));
            // Beyond ±27 in the decimal exponent: the general path's.
            let (Some(x), Some(y)) = (F64x::of(&a), F64x::of(&b)) else {
                continue;
            };
            let (p, q) = (
                Num::of(&a).unwrap().float(PREC),
                Num::of(&b).unwrap().float(PREC),
            );
            let (fast, slow) = match i % 4 {
                _ if i % 4 == 3 && q.is_zero() => continue,
                0 => (x.add(y), p.add(&q, PREC)),
                1 => (x.sub(y), p.sub(&q, PREC)),
                2 => (x.mul(y), p.mul(&q, PREC)),
                _ => (x.quo(y), p.quo(&q, PREC)),
            };
            let reference = slow.value("test");
            if reference.is_ok() {
                representable += 1;
            }
            let Some(value) = fast.and_then(F64x::value) else {
                continue;
            };
            answered += 1;
            assert_eq!(
                reference.as_ref().ok(),
                Some(&value),
                "{a} op{} {b}: fast {value}, general {reference:?} ({})",
                i % 4,
                slow.text()
            );
        }
        eprintln!("fast path: {answered} of {representable} representable results");
        // What it leaves: whole results of 2^64 and more, exponents over 64 bits apart.
        assert!(
            answered * 5 > representable * 4,
            "answered {answered} of {representable}"
        );
    }

    /// A double read at 64 bits is written back as itself; a power of ten is left to the
    /// general path.
    #[test]
    fn doubles_read_back_as_themselves() {
        for f in [
            0.25,
            1.75,
            -2.5,
            3e-7,
            123456.789,
            0.30000000000000004,
            2.5e-20,
        ] {
            let x = F64x::of(&Value::from(f)).unwrap();
            assert_eq!(x.value(), Some(Value::from(f)), "{f}");
        }
        for f in [0.1, 1e-7, -0.001] {
            assert_eq!(F64x::of(&Value::from(f)).unwrap().value(), None, "{f}");
        }
    }
}
