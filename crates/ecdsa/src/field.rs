//! Arithmetic modulo the P-256 and P-384 primes (and any odd modulus with its top bit set) in
//! Montgomery form, over limbs of the target's word: 32 bits on wasm32, 64 on 64-bit targets.
//!
//! The curve crates keep P-256's field in 64-bit limbs everywhere: on wasm32 each product is a
//! 128-bit one, which wasm has no instruction for (`__multi3`, a call per product: a third of a
//! verification in the component). Here a product is always one double-width multiplication the
//! target has (`i64.mul` in wasm32, `mul` on x86-64). Values are kept fully reduced (`[0, p)`),
//! so equality is equality of limbs. Variable time: verification handles public data only.

// (The `limb32` feature takes 32-bit limbs on any target: `./x test` runs the tests both ways.)
#[cfg(all(target_pointer_width = "64", not(feature = "limb32")))]
mod word {
    pub(crate) type Limb = u64;
    pub(crate) type Wide = u128;
}
#[cfg(any(not(target_pointer_width = "64"), feature = "limb32"))]
mod word {
    pub(crate) type Limb = u32;
    pub(crate) type Wide = u64;
}
pub(crate) use word::{Limb, Wide};

/// Bits in a limb.
const BITS: u32 = Limb::BITS;

/// A field element's limbs, least significant first.
pub(crate) type Limbs<const N: usize> = [Limb; N];

/// 32-bit words, least significant first, as limbs (`W` a multiple of `N`).
pub(crate) const fn from_words<const W: usize, const N: usize>(words: [u32; W]) -> Limbs<N> {
    let per = W / N;
    assert!(per * N == W && per * 32 == BITS as usize);
    let mut limbs = [0; N];
    let mut i = 0;
    while i < W {
        limbs[i / per] |= (words[i] as Limb) << (32 * (i % per));
        i += 1;
    }
    limbs
}

/// The field of an odd modulus `p` with its top bit set (then `R = 2^(BITS·N)` is below `2p`).
pub(crate) struct Field<const N: usize> {
    p: Limbs<N>,
    /// `−p⁻¹ mod 2^BITS`.
    n0: Limb,
    /// `R² mod p`: [`Field::mul`] by it enters Montgomery form.
    r2: Limbs<N>,
    /// `R mod p`: one, in Montgomery form.
    one: Limbs<N>,
}

/// `a + b` and the carry out.
const fn add_carry<const N: usize>(a: &Limbs<N>, b: &Limbs<N>) -> (Limbs<N>, bool) {
    let mut r = [0; N];
    let mut carry: Wide = 0;
    let mut i = 0;
    while i < N {
        let s = a[i] as Wide + b[i] as Wide + carry;
        r[i] = s as Limb;
        carry = s >> BITS;
        i += 1;
    }
    (r, carry != 0)
}

/// `a − b` and the borrow out.
pub(crate) const fn sub_borrow<const N: usize>(a: &Limbs<N>, b: &Limbs<N>) -> (Limbs<N>, bool) {
    let mut r = [0; N];
    let mut borrow: Wide = 0;
    let mut i = 0;
    while i < N {
        let d = (a[i] as Wide).wrapping_sub(b[i] as Wide + borrow);
        r[i] = d as Limb;
        borrow = (d >> (2 * BITS - 1)) & 1;
        i += 1;
    }
    (r, borrow != 0)
}

/// Whether `a < b`.
const fn less<const N: usize>(a: &Limbs<N>, b: &Limbs<N>) -> bool {
    let mut i = N;
    while i > 0 {
        i -= 1;
        if a[i] != b[i] {
            return a[i] < b[i];
        }
    }
    false
}

/// `a + b mod p` for `a, b < p`.
const fn add_mod<const N: usize>(a: &Limbs<N>, b: &Limbs<N>, p: &Limbs<N>) -> Limbs<N> {
    let (r, carry) = add_carry(a, b);
    if carry || !less(&r, p) {
        sub_borrow(&r, p).0
    } else {
        r
    }
}

impl<const N: usize> Field<N> {
    pub(crate) const fn new(p: Limbs<N>) -> Self {
        assert!(p[0] & 1 == 1 && p[N - 1] >> (BITS - 1) == 1);
        // p⁻¹ mod 2^BITS by Newton's iteration (each step doubles the correct low bits).
        let mut inverse: Limb = 1;
        let mut i = 0;
        while i < 7 {
            inverse = inverse.wrapping_mul((2 as Limb).wrapping_sub(p[0].wrapping_mul(inverse)));
            i += 1;
        }
        // R mod p = R − p (p < R < 2p).
        let one = sub_borrow(&[0; N], &p).0;
        // R² mod p: R doubled BITS·N times.
        let mut r2 = one;
        let mut i = 0;
        while i < BITS as usize * N {
            r2 = add_mod(&r2, &r2, &p);
            i += 1;
        }
        Field {
            p,
            n0: inverse.wrapping_neg(),
            r2,
            one,
        }
    }

    /// Montgomery product `a·b·R⁻¹ mod p` (CIOS), inlined where the modulus is a constant
    /// ([`Modulus::mul`]): its limbs fold into the reduction (P-256's are 0, 1 and 2³² − 1).
    #[inline(always)]
    fn mont_mul(&self, a: &Limbs<N>, b: &Limbs<N>) -> Limbs<N> {
        let p = &self.p;
        let mut t: Limbs<N> = [0; N];
        let mut t_n: Limb = 0;
        for &bi in b {
            let bi = Wide::from(bi);
            let mut carry: Wide = 0;
            for j in 0..N {
                let s = Wide::from(t[j]) + Wide::from(a[j]) * bi + carry;
                t[j] = s as Limb;
                carry = s >> BITS;
            }
            let s = Wide::from(t_n) + carry;
            t_n = s as Limb;
            let t_n1 = (s >> BITS) as Limb;
            // m = t[0]·(−p⁻¹) mod 2^BITS: t + m·p is divisible by 2^BITS.
            let m = Wide::from(t[0].wrapping_mul(self.n0));
            let mut carry = (Wide::from(t[0]) + m * Wide::from(p[0])) >> BITS;
            for j in 1..N {
                let s = Wide::from(t[j]) + m * Wide::from(p[j]) + carry;
                t[j - 1] = s as Limb;
                carry = s >> BITS;
            }
            let s = Wide::from(t_n) + carry;
            t[N - 1] = s as Limb;
            t_n = t_n1 + (s >> BITS) as Limb;
        }
        // t < 2p.
        if t_n != 0 || !less(&t, p) {
            sub_borrow(&t, p).0
        } else {
            t
        }
    }
}

/// A modulus known at compile time (a type per modulus), its arithmetic specialised to it.
/// Values are in Montgomery form unless said otherwise.
pub(crate) trait Modulus<const N: usize> {
    /// The modulus and its constants.
    const FIELD: Field<N>;

    /// The modulus, plain.
    fn modulus() -> &'static Limbs<N> {
        &Self::FIELD.p
    }

    /// One.
    fn one() -> Limbs<N> {
        Self::FIELD.one
    }

    #[inline]
    fn add(a: &Limbs<N>, b: &Limbs<N>) -> Limbs<N> {
        add_mod(a, b, &Self::FIELD.p)
    }

    #[inline]
    fn double(a: &Limbs<N>) -> Limbs<N> {
        add_mod(a, a, &Self::FIELD.p)
    }

    #[inline]
    fn sub(a: &Limbs<N>, b: &Limbs<N>) -> Limbs<N> {
        let (r, borrow) = sub_borrow(a, b);
        if borrow {
            add_carry(&r, &Self::FIELD.p).0
        } else {
            r
        }
    }

    /// `a·b`. Not inlined: one unrolled copy per modulus keeps the component within its size
    /// budget.
    #[inline(never)]
    fn mul(a: &Limbs<N>, b: &Limbs<N>) -> Limbs<N> {
        Self::FIELD.mont_mul(a, b)
    }

    #[inline]
    fn square(a: &Limbs<N>) -> Limbs<N> {
        Self::mul(a, a)
    }

    /// `a⁻¹` (`a^(p−2)`); zero for zero.
    #[inline(never)]
    fn invert(a: &Limbs<N>) -> Limbs<N> {
        let mut exponent = Self::FIELD.p;
        exponent[0] -= 2; // p[0] is odd and, for the NIST primes, far above 2: no borrow.
        let mut r = Self::FIELD.one;
        for i in (0..N).rev() {
            for bit in (0..BITS).rev() {
                r = Self::square(&r);
                if (exponent[i] >> bit) & 1 == 1 {
                    r = Self::mul(&r, a);
                }
            }
        }
        r
    }

    /// A big-endian integer below the modulus (`N` limbs' worth of bytes), in Montgomery form.
    fn element(bytes: &[u8]) -> Option<Limbs<N>> {
        let plain = limbs_from_be(bytes)?;
        less(&plain, &Self::FIELD.p).then(|| Self::to_montgomery(&plain))
    }

    /// A plain integer below the modulus in Montgomery form.
    fn to_montgomery(plain: &Limbs<N>) -> Limbs<N> {
        Self::mul(plain, &Self::FIELD.r2)
    }

    /// Out of Montgomery form: the plain integer.
    #[cfg(test)]
    fn to_plain(a: &Limbs<N>) -> Limbs<N> {
        let mut one = [0; N];
        one[0] = 1;
        Self::mul(a, &one)
    }
}

/// `N` limbs' worth of big-endian bytes as limbs.
pub(crate) fn limbs_from_be<const N: usize>(bytes: &[u8]) -> Option<Limbs<N>> {
    const SIZE: usize = size_of::<Limb>();
    if bytes.len() != SIZE * N {
        return None;
    }
    let mut limbs = [0; N];
    for (i, chunk) in bytes.rchunks_exact(SIZE).enumerate() {
        limbs[i] = Limb::from_be_bytes(chunk.try_into().ok()?);
    }
    Some(limbs)
}

/// `a + b` when it does not overflow, and whether `a + b < bound`.
pub(crate) fn add_below<const N: usize>(
    a: &Limbs<N>,
    b: &Limbs<N>,
    bound: &Limbs<N>,
) -> Option<Limbs<N>> {
    let (r, carry) = add_carry(a, b);
    (!carry && less(&r, bound)).then_some(r)
}

/// Whether every limb is zero.
pub(crate) fn is_zero(limbs: &[Limb]) -> bool {
    limbs.iter().all(|&l| l == 0)
}

/// `a mod m` for `a < 2m`.
pub(crate) fn reduce_below<const N: usize>(a: &Limbs<N>, m: &Limbs<N>) -> Limbs<N> {
    if less(a, m) { *a } else { sub_borrow(a, m).0 }
}

/// The 5 bits of `k` from bit `offset` (zeros past the top).
#[inline]
pub(crate) fn bits5<const N: usize>(k: &Limbs<N>, offset: usize) -> usize {
    let bits = BITS as usize;
    let (limb, shift) = (offset / bits, offset % bits);
    let low = k.get(limb).map_or(0, |&l| l >> shift);
    let high = match (shift + 5 > bits, k.get(limb + 1)) {
        (true, Some(&next)) => next << (bits - shift),
        _ => 0,
    };
    ((low | high) & 31) as usize
}

/// The `i`th 4-bit window of `k`, from the least significant.
#[inline]
pub(crate) fn nibble<const N: usize>(k: &Limbs<N>, i: usize) -> usize {
    let per = BITS as usize / 4;
    ((k[i / per] >> (4 * (i % per))) & 15) as usize
}

/// `a⁻¹ mod m` of a plain integer `a` in `[1, m)`, `m` odd, by the binary extended Euclidean
/// algorithm (variable time: several times faster than Fermat's `a^(m−2)` for the one inversion
/// a verification needs). `None` when `a` and `m` are not coprime (`a = 0` included).
pub(crate) fn invert_vartime<const N: usize>(a: &Limbs<N>, m: &Limbs<N>) -> Option<Limbs<N>> {
    let is_one = |x: &Limbs<N>| x[0] == 1 && is_zero(&x[1..]);
    // x / 2 mod m for x < m (x odd: (x + m) / 2, with the carry of x + m shifted in).
    let halve = |x: &mut Limbs<N>| {
        let carry = if x[0] & 1 == 1 {
            let (sum, carry) = add_carry(x, m);
            *x = sum;
            carry
        } else {
            false
        };
        for i in 0..N {
            let high = if i + 1 < N {
                x[i + 1] << (BITS - 1)
            } else {
                Limb::from(carry) << (BITS - 1)
            };
            x[i] = (x[i] >> 1) | high;
        }
    };
    let shift = |x: &mut Limbs<N>| {
        for i in 0..N {
            let high = if i + 1 < N { x[i + 1] << (BITS - 1) } else { 0 };
            x[i] = (x[i] >> 1) | high;
        }
    };
    let sub_mod = |x: &Limbs<N>, y: &Limbs<N>| {
        let (r, borrow) = sub_borrow(x, y);
        if borrow { add_carry(&r, m).0 } else { r }
    };
    if is_zero(a) || !less(a, m) {
        return None;
    }
    let (mut u, mut v) = (*a, *m);
    let mut x1: Limbs<N> = [0; N];
    x1[0] = 1;
    let mut x2: Limbs<N> = [0; N];
    // Invariants: x1·a ≡ u, x2·a ≡ v (mod m); u, v > 0.
    while !is_one(&u) && !is_one(&v) {
        if is_zero(&u) || is_zero(&v) {
            return None;
        }
        while u[0] & 1 == 0 {
            shift(&mut u);
            halve(&mut x1);
        }
        while v[0] & 1 == 0 {
            shift(&mut v);
            halve(&mut x2);
        }
        if less(&u, &v) {
            v = sub_borrow(&v, &u).0;
            x2 = sub_mod(&x2, &x1);
        } else {
            u = sub_borrow(&u, &v).0;
            x1 = sub_mod(&x1, &x2);
        }
    }
    Some(if is_one(&u) { x1 } else { x2 })
}
