//! Arithmetic modulo the P-256 and P-384 primes in Montgomery form over 32-bit limbs.
//!
//! The curve crates keep P-256's field in 64-bit limbs: each product is a 128-bit one, which
//! wasm32 has no instruction for (`__multi3`, a call per product: a third of a verification in
//! the component). Here every product is 32 × 32 → 64 bits, one `i64.mul`, natively and in the
//! component alike. Values are kept fully reduced (`[0, p)`), so equality is equality of limbs.
//! Variable time: verification handles public data only.

/// A field element's limbs, least significant first.
pub(crate) type Limbs<const N: usize> = [u32; N];

/// The field of a prime `p` with `p ≡ −1 (mod 2³²)` (then `−p⁻¹ mod 2³²` is 1) and its top bit
/// set (then `R = 2^(32·N)` is below `2p`): both NIST primes here.
pub(crate) struct Field<const N: usize> {
    p: Limbs<N>,
    /// `R² mod p`: [`Field::mul`] by it enters Montgomery form.
    r2: Limbs<N>,
    /// `R mod p`: one, in Montgomery form.
    one: Limbs<N>,
}

/// `a + b` and the carry out.
const fn add_carry<const N: usize>(a: &Limbs<N>, b: &Limbs<N>) -> (Limbs<N>, bool) {
    let mut r = [0; N];
    let mut carry = 0u64;
    let mut i = 0;
    while i < N {
        let s = a[i] as u64 + b[i] as u64 + carry;
        r[i] = s as u32;
        carry = s >> 32;
        i += 1;
    }
    (r, carry != 0)
}

/// `a − b` and the borrow out.
const fn sub_borrow<const N: usize>(a: &Limbs<N>, b: &Limbs<N>) -> (Limbs<N>, bool) {
    let mut r = [0; N];
    let mut borrow = 0u64;
    let mut i = 0;
    while i < N {
        let d = (a[i] as u64).wrapping_sub(b[i] as u64 + borrow);
        r[i] = d as u32;
        borrow = (d >> 63) & 1;
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
        assert!(p[0] == u32::MAX && p[N - 1] >> 31 == 1);
        // R mod p = R − p (p < R < 2p).
        let one = sub_borrow(&[0; N], &p).0;
        // R² mod p: R doubled 32·N times.
        let mut r2 = one;
        let mut i = 0;
        while i < 32 * N {
            r2 = add_mod(&r2, &r2, &p);
            i += 1;
        }
        Field { p, r2, one }
    }

    pub(crate) fn p(&self) -> &Limbs<N> {
        &self.p
    }

    pub(crate) fn one(&self) -> Limbs<N> {
        self.one
    }

    #[inline]
    pub(crate) fn add(&self, a: &Limbs<N>, b: &Limbs<N>) -> Limbs<N> {
        add_mod(a, b, &self.p)
    }

    #[inline]
    pub(crate) fn double(&self, a: &Limbs<N>) -> Limbs<N> {
        add_mod(a, a, &self.p)
    }

    #[inline]
    pub(crate) fn sub(&self, a: &Limbs<N>, b: &Limbs<N>) -> Limbs<N> {
        let (r, borrow) = sub_borrow(a, b);
        if borrow { add_carry(&r, &self.p).0 } else { r }
    }

    /// Montgomery product `a·b·R⁻¹ mod p` (CIOS; `−p⁻¹ mod 2³²` is 1).
    #[inline]
    pub(crate) fn mul(&self, a: &Limbs<N>, b: &Limbs<N>) -> Limbs<N> {
        let p = &self.p;
        let mut t = [0u32; N];
        let mut t_n = 0u32;
        for &bi in b {
            let bi = u64::from(bi);
            let mut carry = 0u64;
            for j in 0..N {
                let s = u64::from(t[j]) + u64::from(a[j]) * bi + carry;
                t[j] = s as u32;
                carry = s >> 32;
            }
            let s = u64::from(t_n) + carry;
            t_n = s as u32;
            let t_n1 = (s >> 32) as u32;
            // m = t[0]·(−p⁻¹) mod 2³² = t[0]; t + m·p is divisible by 2³².
            let m = u64::from(t[0]);
            let mut carry = (u64::from(t[0]) + m * u64::from(p[0])) >> 32;
            for j in 1..N {
                let s = u64::from(t[j]) + m * u64::from(p[j]) + carry;
                t[j - 1] = s as u32;
                carry = s >> 32;
            }
            let s = u64::from(t_n) + carry;
            t[N - 1] = s as u32;
            t_n = t_n1 + (s >> 32) as u32;
        }
        // t < 2p.
        if t_n != 0 || !less(&t, p) {
            sub_borrow(&t, p).0
        } else {
            t
        }
    }

    #[inline]
    pub(crate) fn square(&self, a: &Limbs<N>) -> Limbs<N> {
        self.mul(a, a)
    }

    /// `a⁻¹` (`a^(p−2)`); zero for zero.
    pub(crate) fn invert(&self, a: &Limbs<N>) -> Limbs<N> {
        let mut exponent = self.p;
        exponent[0] -= 2; // p[0] is 2³² − 1: no borrow.
        let mut r = self.one;
        for i in (0..N).rev() {
            for bit in (0..32).rev() {
                r = self.square(&r);
                if (exponent[i] >> bit) & 1 == 1 {
                    r = self.mul(&r, a);
                }
            }
        }
        r
    }

    /// A big-endian integer below `p` (`8·N` bytes) in Montgomery form.
    pub(crate) fn element(&self, bytes: &[u8]) -> Option<Limbs<N>> {
        let plain = limbs_from_be(bytes)?;
        less(&plain, &self.p).then(|| self.mul(&plain, &self.r2))
    }

    /// A plain integer below `p` in Montgomery form.
    pub(crate) fn to_montgomery(&self, plain: &Limbs<N>) -> Limbs<N> {
        self.mul(plain, &self.r2)
    }

    /// Out of Montgomery form: the plain integer.
    #[cfg(test)]
    pub(crate) fn to_plain(&self, a: &Limbs<N>) -> Limbs<N> {
        let mut one = [0; N];
        one[0] = 1;
        self.mul(a, &one)
    }
}

/// `4·N` big-endian bytes as limbs.
pub(crate) fn limbs_from_be<const N: usize>(bytes: &[u8]) -> Option<Limbs<N>> {
    if bytes.len() != 4 * N {
        return None;
    }
    let mut limbs = [0; N];
    for (i, chunk) in bytes.rchunks_exact(4).enumerate() {
        limbs[i] = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
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
