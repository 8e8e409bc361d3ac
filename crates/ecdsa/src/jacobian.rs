//! Points of `y² = x³ − 3x + b` (P-256, P-384) in Jacobian coordinates over [`Field`]: `(X, Y,
//! Z)` is `(X/Z², Y/Z³)`, `Z = 0` the point at infinity. Doubling is `dbl-2001-b` (3M + 5S, for
//! `a = −3`), addition `add-2007-bl` (11M + 5S) and, to a point given in affine coordinates,
//! `madd-2007-bl` (7M + 4S) of the Explicit-Formulas Database — against 12M and more for the
//! complete projective formulas the curve crates use, which a verifier, handling public data
//! only, does not need. The exceptional cases (equal points, opposite points, infinity) are
//! branched on.

use core::marker::PhantomData;

use super::field::{Limbs, Modulus, is_zero};

/// A point in Jacobian coordinates (Montgomery form).
#[derive(Clone, Copy)]
pub(crate) struct Jacobian<const N: usize> {
    x: Limbs<N>,
    y: Limbs<N>,
    z: Limbs<N>,
}

/// A finite point in affine coordinates (Montgomery form).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Affine<const N: usize> {
    x: Limbs<N>,
    y: Limbs<N>,
}

/// A curve over the field of `F`, with its group order.
pub(crate) struct Curve<F, const N: usize> {
    /// The group order `n`, plain.
    order: Limbs<N>,
    field: PhantomData<F>,
}

const fn zero<const N: usize>() -> Limbs<N> {
    [0; N]
}

impl<F: Modulus<N>, const N: usize> Curve<F, N> {
    pub(crate) const fn new(order: Limbs<N>) -> Self {
        Curve {
            order,
            field: PhantomData,
        }
    }

    /// The group order, plain.
    #[cfg(test)]
    pub(crate) fn order(&self) -> &Limbs<N> {
        &self.order
    }

    pub(crate) fn infinity(&self) -> Jacobian<N> {
        Jacobian {
            x: F::one(),
            y: F::one(),
            z: zero(),
        }
    }

    /// The affine point `(x, y)` from its big-endian coordinates; `None` unless both are below
    /// `p`. (The caller's point comes from a key the curve crate has checked to be on the curve.)
    pub(crate) fn affine(&self, x: &[u8], y: &[u8]) -> Option<Affine<N>> {
        Some(Affine {
            x: F::element(x)?,
            y: F::element(y)?,
        })
    }

    pub(crate) fn jacobian(&self, a: &Affine<N>) -> Jacobian<N> {
        Jacobian {
            x: a.x,
            y: a.y,
            z: F::one(),
        }
    }

    #[inline(never)]
    pub(crate) fn double(&self, p: &Jacobian<N>) -> Jacobian<N> {
        if is_zero(&p.z) {
            return *p;
        }
        let delta = F::square(&p.z);
        let gamma = F::square(&p.y);
        let beta = F::mul(&p.x, &gamma);
        let t = F::mul(&F::sub(&p.x, &delta), &F::add(&p.x, &delta));
        let alpha = F::add(&F::double(&t), &t);
        let beta4 = F::double(&F::double(&beta));
        let x = F::sub(&F::square(&alpha), &F::double(&beta4));
        let yz = F::add(&p.y, &p.z);
        let z = F::sub(&F::sub(&F::square(&yz), &gamma), &delta);
        let gamma2 = F::square(&gamma);
        let gamma8 = F::double(&F::double(&F::double(&gamma2)));
        let y = F::sub(&F::mul(&alpha, &F::sub(&beta4, &x)), &gamma8);
        Jacobian { x, y, z }
    }

    /// `−q`.
    pub(crate) fn negate(&self, q: &Affine<N>) -> Affine<N> {
        Affine {
            x: q.x,
            y: F::sub(&[0; N], &q.y),
        }
    }

    /// `p + q`, `q` affine.
    #[inline(never)]
    pub(crate) fn add_affine(&self, p: &Jacobian<N>, q: &Affine<N>) -> Jacobian<N> {
        if is_zero(&p.z) {
            return self.jacobian(q);
        }
        let z1z1 = F::square(&p.z);
        let u2 = F::mul(&q.x, &z1z1);
        let s2 = F::mul(&q.y, &F::mul(&p.z, &z1z1));
        let h = F::sub(&u2, &p.x);
        let r = F::sub(&s2, &p.y);
        if is_zero(&h) {
            return if is_zero(&r) {
                self.double(p)
            } else {
                self.infinity()
            };
        }
        let hh = F::square(&h);
        let i = F::double(&F::double(&hh));
        let j = F::mul(&h, &i);
        let r = F::double(&r);
        let v = F::mul(&p.x, &i);
        let x = F::sub(&F::sub(&F::square(&r), &j), &F::double(&v));
        let y = F::sub(&F::mul(&r, &F::sub(&v, &x)), &F::double(&F::mul(&p.y, &j)));
        let z1h = F::add(&p.z, &h);
        let z = F::sub(&F::sub(&F::square(&z1h), &z1z1), &hh);
        Jacobian { x, y, z }
    }

    /// `p + q`.
    #[inline(never)]
    pub(crate) fn add(&self, p: &Jacobian<N>, q: &Jacobian<N>) -> Jacobian<N> {
        if is_zero(&p.z) {
            return *q;
        }
        if is_zero(&q.z) {
            return *p;
        }
        let z1z1 = F::square(&p.z);
        let z2z2 = F::square(&q.z);
        let u1 = F::mul(&p.x, &z2z2);
        let u2 = F::mul(&q.x, &z1z1);
        let s1 = F::mul(&p.y, &F::mul(&q.z, &z2z2));
        let s2 = F::mul(&q.y, &F::mul(&p.z, &z1z1));
        let h = F::sub(&u2, &u1);
        let r = F::sub(&s2, &s1);
        if is_zero(&h) {
            return if is_zero(&r) {
                self.double(p)
            } else {
                self.infinity()
            };
        }
        let i = F::square(&F::double(&h));
        let j = F::mul(&h, &i);
        let r = F::double(&r);
        let v = F::mul(&u1, &i);
        let x = F::sub(&F::sub(&F::square(&r), &j), &F::double(&v));
        let y = F::sub(&F::mul(&r, &F::sub(&v, &x)), &F::double(&F::mul(&s1, &j)));
        let z1z2 = F::add(&p.z, &q.z);
        let z = F::mul(&F::sub(&F::sub(&F::square(&z1z2), &z1z1), &z2z2), &h);
        Jacobian { x, y, z }
    }

    /// The affine forms of `points` with one inversion (Montgomery's trick); `None` for a
    /// point at infinity.
    #[inline(never)]
    pub(crate) fn normalize(&self, points: &[Jacobian<N>]) -> Vec<Option<Affine<N>>> {
        // prefix[i] = z_0·…·z_{i−1} over the finite points.
        let mut prefix = Vec::with_capacity(points.len());
        let mut acc = F::one();
        for p in points {
            prefix.push(acc);
            if !is_zero(&p.z) {
                acc = F::mul(&acc, &p.z);
            }
        }
        let mut inv = F::invert(&acc);
        let mut out = vec![None; points.len()];
        for (i, p) in points.iter().enumerate().rev() {
            if is_zero(&p.z) {
                continue;
            }
            // inv = (z_0·…·z_i)⁻¹ here.
            let z_inv = F::mul(&inv, &prefix[i]);
            inv = F::mul(&inv, &p.z);
            let z_inv2 = F::square(&z_inv);
            out[i] = Some(Affine {
                x: F::mul(&p.x, &z_inv2),
                y: F::mul(&p.y, &F::mul(&z_inv2, &z_inv)),
            });
        }
        out
    }

    /// Whether `p` is finite and its affine `x`, reduced mod `n`, is `r` (a plain integer in
    /// `[1, n)`): `X = r·Z²` or, when `r + n < p`, `X = (r + n)·Z²` — no inversion.
    pub(crate) fn x_mod_n_is(&self, p: &Jacobian<N>, r: &Limbs<N>) -> bool {
        if is_zero(&p.z) {
            return false;
        }
        let z2 = F::square(&p.z);
        if F::mul(&F::to_montgomery(r), &z2) == p.x {
            return true;
        }
        match super::field::add_below(r, &self.order, F::modulus()) {
            Some(rn) => F::mul(&F::to_montgomery(&rn), &z2) == p.x,
            None => false,
        }
    }

    /// The affine `x` of `p` as plain limbs (tests).
    #[cfg(test)]
    pub(crate) fn affine_x(&self, p: &Jacobian<N>) -> Option<Limbs<N>> {
        let a = self.normalize(&[*p])[0]?;
        Some(F::to_plain(&a.x))
    }
}
