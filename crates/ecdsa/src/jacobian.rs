//! Points of `y² = x³ − 3x + b` (P-256, P-384) in Jacobian coordinates over [`Field`]: `(X, Y,
//! Z)` is `(X/Z², Y/Z³)`, `Z = 0` the point at infinity. Doubling is `dbl-2001-b` (3M + 5S, for
//! `a = −3`), addition `add-2007-bl` (11M + 5S) and, to a point given in affine coordinates,
//! `madd-2007-bl` (7M + 4S) of the Explicit-Formulas Database — against 12M and more for the
//! complete projective formulas the curve crates use, which a verifier, handling public data
//! only, does not need. The exceptional cases (equal points, opposite points, infinity) are
//! branched on.

use super::field::{Field, Limbs};

/// A point in Jacobian coordinates (Montgomery form).
#[derive(Clone, Copy)]
pub(crate) struct Jacobian<const N: usize> {
    x: Limbs<N>,
    y: Limbs<N>,
    z: Limbs<N>,
}

/// A finite point in affine coordinates (Montgomery form).
#[derive(Clone, Copy)]
pub(crate) struct Affine<const N: usize> {
    x: Limbs<N>,
    y: Limbs<N>,
}

/// A curve's field and group order.
pub(crate) struct Curve<const N: usize> {
    pub(crate) field: Field<N>,
    /// The group order `n`, plain.
    pub(crate) order: Limbs<N>,
}

const fn zero<const N: usize>() -> Limbs<N> {
    [0; N]
}

fn is_zero<const N: usize>(a: &Limbs<N>) -> bool {
    a.iter().all(|&l| l == 0)
}

impl<const N: usize> Curve<N> {
    pub(crate) fn infinity(&self) -> Jacobian<N> {
        Jacobian {
            x: self.field.one(),
            y: self.field.one(),
            z: zero(),
        }
    }

    /// The affine point `(x, y)` from its big-endian coordinates; `None` unless both are below
    /// `p`. (The caller's point comes from a key the curve crate has checked to be on the curve.)
    pub(crate) fn affine(&self, x: &[u8], y: &[u8]) -> Option<Affine<N>> {
        Some(Affine {
            x: self.field.element(x)?,
            y: self.field.element(y)?,
        })
    }

    pub(crate) fn jacobian(&self, a: &Affine<N>) -> Jacobian<N> {
        Jacobian {
            x: a.x,
            y: a.y,
            z: self.field.one(),
        }
    }

    #[inline(never)]
    pub(crate) fn double(&self, p: &Jacobian<N>) -> Jacobian<N> {
        let f = &self.field;
        if is_zero(&p.z) {
            return *p;
        }
        let delta = f.square(&p.z);
        let gamma = f.square(&p.y);
        let beta = f.mul(&p.x, &gamma);
        let t = f.mul(&f.sub(&p.x, &delta), &f.add(&p.x, &delta));
        let alpha = f.add(&f.double(&t), &t);
        let beta4 = f.double(&f.double(&beta));
        let x = f.sub(&f.square(&alpha), &f.double(&beta4));
        let yz = f.add(&p.y, &p.z);
        let z = f.sub(&f.sub(&f.square(&yz), &gamma), &delta);
        let gamma2 = f.square(&gamma);
        let gamma8 = f.double(&f.double(&f.double(&gamma2)));
        let y = f.sub(&f.mul(&alpha, &f.sub(&beta4, &x)), &gamma8);
        Jacobian { x, y, z }
    }

    /// `p + q`, `q` affine.
    #[inline(never)]
    pub(crate) fn add_affine(&self, p: &Jacobian<N>, q: &Affine<N>) -> Jacobian<N> {
        let f = &self.field;
        if is_zero(&p.z) {
            return self.jacobian(q);
        }
        let z1z1 = f.square(&p.z);
        let u2 = f.mul(&q.x, &z1z1);
        let s2 = f.mul(&q.y, &f.mul(&p.z, &z1z1));
        let h = f.sub(&u2, &p.x);
        let r = f.sub(&s2, &p.y);
        if is_zero(&h) {
            return if is_zero(&r) {
                self.double(p)
            } else {
                self.infinity()
            };
        }
        let hh = f.square(&h);
        let i = f.double(&f.double(&hh));
        let j = f.mul(&h, &i);
        let r = f.double(&r);
        let v = f.mul(&p.x, &i);
        let x = f.sub(&f.sub(&f.square(&r), &j), &f.double(&v));
        let y = f.sub(&f.mul(&r, &f.sub(&v, &x)), &f.double(&f.mul(&p.y, &j)));
        let z1h = f.add(&p.z, &h);
        let z = f.sub(&f.sub(&f.square(&z1h), &z1z1), &hh);
        Jacobian { x, y, z }
    }

    /// `p + q`.
    #[inline(never)]
    pub(crate) fn add(&self, p: &Jacobian<N>, q: &Jacobian<N>) -> Jacobian<N> {
        let f = &self.field;
        if is_zero(&p.z) {
            return *q;
        }
        if is_zero(&q.z) {
            return *p;
        }
        let z1z1 = f.square(&p.z);
        let z2z2 = f.square(&q.z);
        let u1 = f.mul(&p.x, &z2z2);
        let u2 = f.mul(&q.x, &z1z1);
        let s1 = f.mul(&p.y, &f.mul(&q.z, &z2z2));
        let s2 = f.mul(&q.y, &f.mul(&p.z, &z1z1));
        let h = f.sub(&u2, &u1);
        let r = f.sub(&s2, &s1);
        if is_zero(&h) {
            return if is_zero(&r) {
                self.double(p)
            } else {
                self.infinity()
            };
        }
        let i = f.square(&f.double(&h));
        let j = f.mul(&h, &i);
        let r = f.double(&r);
        let v = f.mul(&u1, &i);
        let x = f.sub(&f.sub(&f.square(&r), &j), &f.double(&v));
        let y = f.sub(&f.mul(&r, &f.sub(&v, &x)), &f.double(&f.mul(&s1, &j)));
        let z1z2 = f.add(&p.z, &q.z);
        let z = f.mul(&f.sub(&f.sub(&f.square(&z1z2), &z1z1), &z2z2), &h);
        Jacobian { x, y, z }
    }

    /// The affine forms of `points` with one inversion (Montgomery's trick); `None` for a
    /// point at infinity.
    #[inline(never)]
    pub(crate) fn normalize(&self, points: &[Jacobian<N>]) -> Vec<Option<Affine<N>>> {
        let f = &self.field;
        // prefix[i] = z_0·…·z_{i−1} over the finite points.
        let mut prefix = Vec::with_capacity(points.len());
        let mut acc = f.one();
        for p in points {
            prefix.push(acc);
            if !is_zero(&p.z) {
                acc = f.mul(&acc, &p.z);
            }
        }
        let mut inv = f.invert(&acc);
        let mut out = vec![None; points.len()];
        for (i, p) in points.iter().enumerate().rev() {
            if is_zero(&p.z) {
                continue;
            }
            // inv = (z_0·…·z_i)⁻¹ here.
            let z_inv = f.mul(&inv, &prefix[i]);
            inv = f.mul(&inv, &p.z);
            let z_inv2 = f.square(&z_inv);
            out[i] = Some(Affine {
                x: f.mul(&p.x, &z_inv2),
                y: f.mul(&p.y, &f.mul(&z_inv2, &z_inv)),
            });
        }
        out
    }

    /// Whether `p` is finite and its affine `x`, reduced mod `n`, is `r` (a plain integer in
    /// `[1, n)`): `X = r·Z²` or, when `r + n < p`, `X = (r + n)·Z²` — no inversion.
    pub(crate) fn x_mod_n_is(&self, p: &Jacobian<N>, r: &Limbs<N>) -> bool {
        let f = &self.field;
        if is_zero(&p.z) {
            return false;
        }
        let z2 = f.square(&p.z);
        if f.mul(&f.to_montgomery(r), &z2) == p.x {
            return true;
        }
        match super::field::add_below(r, &self.order, f.p()) {
            Some(rn) => f.mul(&f.to_montgomery(&rn), &z2) == p.x,
            None => false,
        }
    }

    /// The affine `x` of `p` as plain limbs (tests).
    #[cfg(test)]
    pub(crate) fn affine_x(&self, p: &Jacobian<N>) -> Option<Limbs<N>> {
        let a = self.normalize(&[*p])[0]?;
        Some(self.field.to_plain(&a.x))
    }
}
