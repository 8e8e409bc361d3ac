//! ECDSA verification over P-256 and P-384 in variable time, with precomputed tables.
//!
//! Verification handles public data only (the key, the digest, the signature), so it needs none
//! of the constant-time care of signing. The `ecdsa` crate's `verify_prehash` computes
//! `u1·G + u2·Q` as two constant-time scalar multiplications (each 4 doublings, one addition and
//! a 16-entry constant-time table scan per 4-bit window); here `u1·G` is read from a table of
//! `j·32^i·G` (`j` = 1..16, signed 5-bit windows: one mixed addition per window, no doubling)
//! built once per curve when it has been used often enough (`GENERATOR_USES`),
//! `u2·Q` likewise when a table of `Q` was built (a trusted root's keys, used again and again:
//! [`KeyTable`]), else by a variable-time 4-bit window. The arithmetic is this crate's own
//! (`field`: Montgomery fields in the target's word; `jacobian`: the point formulas), as is
//! `s⁻¹ mod n` (binary GCD). The accept/reject rule is the `ecdsa` crate's (`bits2field`,
//! `r, s ∈ [1, n)`, `x(R) mod n == r`); the tests compare the two on random keys and signatures,
//! valid and not, and the points with the curve crates' point by point.

use std::sync::OnceLock;

mod field;
mod jacobian;

macro_rules! curve {
    ($module:ident, $krate:ident, $bytes:literal, $limbs:literal, $p:expr, $n:expr) => {
        /// One curve's tables and verification.
        pub mod $module {
            use $krate::ecdsa::Signature;
            use $krate::elliptic_curve::PrimeField as _;
            use $krate::elliptic_curve::sec1::ToEncodedPoint as _;
            use $krate::{AffinePoint, FieldBytes};

            use super::field::{
                Field, Limbs, Modulus, bits5, from_words, invert_vartime, limbs_from_be, nibble,
                reduce_below,
            };
            use super::jacobian::{Affine, Curve, Jacobian};

            /// 4-bit windows in a scalar.
            const WINDOWS: usize = $bytes * 2;

            /// The field: integers modulo `p` (limbs least significant first).
            pub(super) struct Fp;

            impl Modulus<LIMBS> for Fp {
                const FIELD: Field<LIMBS> = Field::new(from_words($p));
            }

            /// The scalars: integers modulo the group order `n`, in Montgomery form as the
            /// field (the curve crate's scalar arithmetic is large straight-line code, ~60 KB of
            /// the component for P-384's, and needs 128-bit products on wasm32).
            pub(super) struct Order;

            impl Modulus<LIMBS> for Order {
                const FIELD: Field<LIMBS> = Field::new(from_words($n));
            }

            /// The curve.
            pub(super) static CURVE: Curve<Fp, LIMBS> = Curve::new(from_words($n));

            /// Limbs in an element (`$limbs` 32-bit words).
            pub(super) const LIMBS: usize = $limbs / (super::field::Limb::BITS as usize / 32);

            /// A point of the curve crate in this module's affine form; `None` for the identity.
            pub(super) fn affine(p: &AffinePoint) -> Option<Affine<LIMBS>> {
                let encoded = p.to_encoded_point(false);
                CURVE.affine(encoded.x()?, encoded.y()?)
            }

            /// Signed 5-bit windows of a scalar below `n` (digits in `[−16, 16]`, one more window
            /// for the last carry).
            const SIGNED_WINDOWS: usize = $bytes * 8 / 5 + 1;

            /// `j·32^i·P` for `j` = 1..16 and every signed window `i`, affine (one inversion for
            /// all): a digit `−j` adds the negated point, free in affine coordinates. Against
            /// unsigned 4-bit windows: a fifth fewer additions, and fewer points. Empty for the
            /// identity, which no key is.
            pub struct Table {
                /// The point the table is of (`None`: the identity, and the table is empty).
                point: Option<Affine<LIMBS>>,
                multiples: Vec<Option<Affine<LIMBS>>>,
            }

            impl std::fmt::Debug for Table {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    write!(f, "Table({} points)", self.multiples.len())
                }
            }

            impl Table {
                /// The table of `p`: `16 · SIGNED_WINDOWS` additions and doublings, one inversion.
                pub fn new(p: &AffinePoint) -> Table {
                    let Some(p) = affine(p) else {
                        return Table {
                            point: None,
                            multiples: Vec::new(),
                        };
                    };
                    let mut points = Vec::with_capacity(SIGNED_WINDOWS * 16);
                    let mut base = CURVE.jacobian(&p);
                    for _ in 0..SIGNED_WINDOWS {
                        let mut multiple = base;
                        for j in 1..=16 {
                            points.push(multiple);
                            if j < 16 {
                                multiple = CURVE.add(&multiple, &base);
                            }
                        }
                        // 32·base = 2·(16·base).
                        base = CURVE.double(&multiple);
                    }
                    Table {
                        point: Some(p),
                        multiples: CURVE.normalize(&points),
                    }
                }

                /// Whether this is the table of `q`.
                fn is_of(&self, q: &Affine<LIMBS>) -> bool {
                    self.point.as_ref() == Some(q)
                }

                /// `acc + k·P` (`k` a plain integer below `n`): one mixed addition per non-zero
                /// window; `None` for an empty table (or an entry at infinity, which a point of
                /// prime order `n` never has: fail closed).
                pub(super) fn add_mul(
                    &self,
                    mut acc: Jacobian<LIMBS>,
                    k: &Limbs<LIMBS>,
                ) -> Option<Jacobian<LIMBS>> {
                    if self.multiples.len() != SIGNED_WINDOWS * 16 {
                        return None;
                    }
                    let mut carry = 0;
                    for window in 0..SIGNED_WINDOWS {
                        let digit = bits5(k, 5 * window) + carry;
                        let (j, negative) = if digit > 16 {
                            carry = 1;
                            (32 - digit, true)
                        } else {
                            carry = 0;
                            (digit, false)
                        };
                        if j != 0 {
                            let point = self.multiples[window * 16 + j - 1].as_ref()?;
                            acc = if negative {
                                CURVE.add_affine(&acc, &CURVE.negate(point))
                            } else {
                                CURVE.add_affine(&acc, point)
                            };
                        }
                    }
                    // k < 2^(5·SIGNED_WINDOWS − 1): the last window takes the last carry.
                    (carry == 0).then_some(acc)
                }
            }

            /// The generator's table and its uses.
            pub(super) static G: super::KeyTable<Table> =
                super::KeyTable::new(super::GENERATOR_USES);

            /// The generator's table, from its [`super::GENERATOR_USES`]th use on.
            fn generator() -> Option<&'static Table> {
                G.get(|| Table::new(&AffinePoint::GENERATOR))
            }

            /// Builds the generator's table now.
            pub(super) fn precompute_generator() {
                G.build(|| Table::new(&AffinePoint::GENERATOR));
            }

            /// `0·P … 15·P`.
            fn multiples(p: &Affine<LIMBS>) -> [Jacobian<LIMBS>; 16] {
                let mut multiples = [CURVE.infinity(); 16];
                for i in 1..16 {
                    multiples[i] = CURVE.add_affine(&multiples[i - 1], p);
                }
                multiples
            }

            /// `k·P` (`+ l·Q` when `other` is `(Q, l)`) by variable-time 4-bit windows sharing
            /// their doublings (Shamir).
            pub(super) fn lincomb_vartime(
                p: &Affine<LIMBS>,
                k: &Limbs<LIMBS>,
                other: Option<(&Affine<LIMBS>, &Limbs<LIMBS>)>,
            ) -> Jacobian<LIMBS> {
                let p_multiples = multiples(p);
                let q_multiples = other.map(|(q, l)| (multiples(q), l));
                let mut acc = CURVE.infinity();
                for window in (0..WINDOWS).rev() {
                    for _ in 0..4 {
                        acc = CURVE.double(&acc);
                    }
                    let j = nibble(k, window);
                    if j != 0 {
                        acc = CURVE.add(&acc, &p_multiples[j]);
                    }
                    if let Some((q_multiples, l)) = &q_multiples {
                        let j = nibble(l, window);
                        if j != 0 {
                            acc = CURVE.add(&acc, &q_multiples[j]);
                        }
                    }
                }
                acc
            }

            /// Whether `sig` is `q`'s signature over `digest` (a hash of the message), as
            /// `ecdsa`'s `verify_prehash` decides; `table` is `q`'s, when built.
            pub fn verify(
                q: &AffinePoint,
                table: Option<&Table>,
                digest: &[u8],
                sig: &Signature,
            ) -> bool {
                verify_with(q, generator(), table, digest, sig)
            }

            /// [`verify`] with the generator's table given (the tests take every path).
            pub(super) fn verify_with(
                q: &AffinePoint,
                g_table: Option<&Table>,
                table: Option<&Table>,
                digest: &[u8],
                sig: &Signature,
            ) -> bool {
                // bits2field: at least half the field's bytes; the leftmost bytes of a longer
                // digest, a shorter one padded on the left.
                if digest.len() < $bytes / 2 {
                    return false;
                }
                let mut field = FieldBytes::default();
                if digest.len() >= $bytes {
                    field.copy_from_slice(&digest[..$bytes]);
                } else {
                    field[$bytes - digest.len()..].copy_from_slice(digest);
                }
                // r, s in [1, n) (a `Signature` holds no other); z < 2^bits < 2n.
                let (r, s) = sig.split_scalars();
                let (Some(r), Some(s), Some(z)) = (
                    limbs_from_be::<LIMBS>(&r.to_repr()),
                    limbs_from_be::<LIMBS>(&s.to_repr()),
                    limbs_from_be::<LIMBS>(&field),
                ) else {
                    return false;
                };
                let z = reduce_below(&z, Order::modulus());
                // Plain s⁻¹; the Montgomery product of z·R and s⁻¹ is the plain z·s⁻¹.
                let Some(s_inv) = invert_vartime(&s, Order::modulus()) else {
                    return false;
                };
                let u1 = Order::mul(&Order::to_montgomery(&z), &s_inv);
                let u2 = Order::mul(&Order::to_montgomery(&r), &s_inv);
                let (Some(g), Some(q)) = (affine(&AffinePoint::GENERATOR), affine(q)) else {
                    return false;
                };
                // A table of another point is not used (the answer stays right either way).
                let g_table = g_table.filter(|t| t.is_of(&g));
                let table = table.filter(|t| t.is_of(&q));
                let point = match (g_table, table) {
                    (Some(gt), Some(qt)) => gt
                        .add_mul(CURVE.infinity(), &u1)
                        .and_then(|acc| qt.add_mul(acc, &u2)),
                    (Some(gt), None) => gt.add_mul(lincomb_vartime(&q, &u2, None), &u1),
                    (None, Some(qt)) => qt.add_mul(lincomb_vartime(&g, &u1, None), &u2),
                    (None, None) => Some(lincomb_vartime(&g, &u1, Some((&q, &u2)))),
                };
                let Some(point) = point else {
                    return false;
                };
                CURVE.x_mod_n_is(&point, &r)
            }
        }
    };
}

curve!(
    p256,
    p256,
    32,
    8,
    [
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0,
        0,
        0,
        1,
        0xffff_ffff
    ],
    [
        0xfc63_2551,
        0xf3b9_cac2,
        0xa717_9e84,
        0xbce6_faad,
        0xffff_ffff,
        0xffff_ffff,
        0,
        0xffff_ffff
    ]
);
curve!(
    p384,
    p384,
    48,
    12,
    [
        0xffff_ffff,
        0,
        0,
        0xffff_ffff,
        0xffff_fffe,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff
    ],
    [
        0xccc5_2973,
        0xecec_196a,
        0x48b0_a77a,
        0x581a_0db2,
        0xf437_2ddf,
        0xc763_4d81,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff,
        0xffff_ffff
    ]
);

/// Builds both curves' generator tables now (a trusted root prepared for a snapshot:
/// `TrustMaterial::precompute`).
pub fn precompute_generators() {
    p256::precompute_generator();
    p384::precompute_generator();
}

/// The use of a key from which its table is built: a table costs about three verifications
/// (`16 · windows` additions), and saves most of one at every use after. A trusted root's keys
/// sign something in every bundle; a key seen once or twice (a leaf certificate's, a root's in a
/// one-shot `verdict verify`) never pays for one.
pub const KEY_USES: u32 = 3;

/// The same for a curve's generator, used in every verification: a one-shot verification of a
/// bundle (four or five signatures) does not build it; the next bundle does.
const GENERATOR_USES: u32 = 8;

/// The most key tables built in a process (or component instance): a trusted root given with a
/// request could otherwise name enough keys, each used often enough in its own chain checks, to
/// hold megabytes of tables (about 60 KB a P-256 key, 128 KB a P-384 key). Past the cap a key verifies
/// without one, as it does before its threshold.
const MAX_KEY_TABLES: u32 = 16;

/// Key tables built so far, against [`MAX_KEY_TABLES`].
static KEY_TABLES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// A point's table, built at its `threshold`th use.
pub struct KeyTable<T> {
    threshold: u32,
    uses: std::sync::atomic::AtomicU32,
    table: OnceLock<T>,
}

impl<T> std::fmt::Debug for KeyTable<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyTable")
            .field("threshold", &self.threshold)
            .field("uses", &self.uses)
            .field("built", &self.table.get().is_some())
            .finish()
    }
}

impl<T> KeyTable<T> {
    /// An empty table, to be built at its `threshold`th use.
    pub const fn new(threshold: u32) -> Self {
        KeyTable {
            threshold,
            uses: std::sync::atomic::AtomicU32::new(0),
            table: OnceLock::new(),
        }
    }

    /// The table, built by `build` at the `threshold`th use and kept.
    pub fn get(&self, build: impl FnOnce() -> T) -> Option<&T> {
        if let Some(table) = self.table.get() {
            return Some(table);
        }
        let seen = self.uses.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        (seen + 1 >= self.threshold).then(|| self.table.get_or_init(build))
    }

    /// The table, built now if it was not.
    pub fn build(&self, build: impl FnOnce() -> T) -> &T {
        self.table.get_or_init(build)
    }

    /// [`KeyTable::build`] for a key's table: none once `MAX_KEY_TABLES` were built.
    pub fn build_capped(&self, build: impl FnOnce() -> T) -> Option<&T> {
        if let Some(table) = self.table.get() {
            return Some(table);
        }
        if KEY_TABLES.load(std::sync::atomic::Ordering::Relaxed) >= MAX_KEY_TABLES {
            return None;
        }
        Some(self.table.get_or_init(|| {
            KEY_TABLES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            build()
        }))
    }

    /// [`KeyTable::get`] for a key's table: none once `MAX_KEY_TABLES` were built.
    pub fn get_capped(&self, build: impl FnOnce() -> T) -> Option<&T> {
        if let Some(table) = self.table.get() {
            return Some(table);
        }
        if KEY_TABLES.load(std::sync::atomic::Ordering::Relaxed) >= MAX_KEY_TABLES {
            return None;
        }
        self.get(|| {
            KEY_TABLES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            build()
        })
    }
}

#[cfg(test)]
mod tests {
    use ecdsa::signature::hazmat::{PrehashSigner as _, PrehashVerifier as _};

    /// A small deterministic generator (no randomness in the pure crates).
    struct Lcg(u64);

    impl Lcg {
        fn bytes(&mut self, n: usize) -> Vec<u8> {
            (0..n)
                .map(|_| {
                    self.0 = self
                        .0
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    (self.0 >> 33) as u8
                })
                .collect()
        }
    }

    macro_rules! differential {
        ($test:ident, $krate:ident, $module:ident) => {
            #[test]
            fn $test() {
                let mut rng = Lcg(0x5eed);
                let (mut agree_valid, mut agree_invalid, mut short) = (0, 0, 0);
                for round in 0..60 {
                    let secret = loop {
                        if let Ok(k) = $krate::ecdsa::SigningKey::from_slice(
                            &rng.bytes($krate::FieldBytes::default().len()),
                        ) {
                            break k;
                        }
                    };
                    let key = *secret.verifying_key();
                    let base: $krate::ecdsa::Signature = secret.sign_prehash(&[1; 32]).unwrap();
                    // Digests of every length a bundle can bring, and some it cannot.
                    let len = [32, 48, 64, 20, 16, 8][round % 6];
                    let digest = rng.bytes(len);
                    let Ok(sig): Result<$krate::ecdsa::Signature, _> = secret.sign_prehash(&digest)
                    else {
                        // Too short to sign (under half the field): refused by both.
                        assert!(key.verify_prehash(&digest, &base).is_err());
                        assert!(!super::$module::verify(
                            key.as_affine(),
                            None,
                            &digest,
                            &base
                        ));
                        short += 1;
                        continue;
                    };
                    let table = super::$module::Table::new(key.as_affine());
                    let g_table = super::$module::Table::new(&$krate::AffinePoint::GENERATOR);
                    let mut wrong = digest.clone();
                    wrong[0] ^= 1;
                    // The high-S twin of the signature (valid in both), a foreign one, and a
                    // digest that is 0 mod n (u1 = 0).
                    let twin = $krate::ecdsa::Signature::from_scalars(sig.r(), -*sig.s()).unwrap();
                    let foreign = $krate::ecdsa::Signature::from_scalars(sig.s(), sig.r()).unwrap();
                    let zero = vec![0; len];
                    // All ones: z ≥ n once taken as an integer (reduced mod n).
                    let ones = vec![0xff; len];
                    for (d, s) in [
                        (&digest, &sig),
                        (&digest, &twin),
                        (&wrong, &sig),
                        (&digest, &foreign),
                        (&zero, &sig),
                        (&ones, &sig),
                    ] {
                        let reference = key.verify_prehash(d, s).is_ok();
                        // Every combination of tables: none (Shamir), the key's, the
                        // generator's, both.
                        for (g, q) in [
                            (None, None),
                            (None, Some(&table)),
                            (Some(&g_table), None),
                            (Some(&g_table), Some(&table)),
                        ] {
                            assert_eq!(
                                super::$module::verify_with(key.as_affine(), g, q, d, s),
                                reference
                            );
                        }
                        assert_eq!(
                            super::$module::verify(key.as_affine(), None, d, s),
                            reference
                        );
                        if reference {
                            agree_valid += 1;
                        } else {
                            agree_invalid += 1;
                        }
                    }
                }
                // Both outcomes were exercised.
                assert!(agree_valid > 50 && agree_invalid > 50 && short > 0);
            }
        };
    }

    /// This module's field and point arithmetic against the curve crate's: `k·G + l·Q` by every
    /// path (Shamir, tables), including the exceptional additions (`Q = G` with `l = k`: equal
    /// points; `l = n − k`: opposite points, the point at infinity).
    macro_rules! points {
        ($test:ident, $krate:ident, $curve:ident, $module:ident, $limbs:literal) => {
            #[test]
            fn $test() {
                use super::field::Modulus as _;
                use $krate::elliptic_curve::Curve as _;
                use $krate::elliptic_curve::PrimeField as _;
                use $krate::elliptic_curve::ops::Reduce as _;
                use $krate::elliptic_curve::point::AffineCoordinates as _;
                use $krate::{AffinePoint, FieldBytes, ProjectivePoint, Scalar};
                let curve = &super::$module::CURVE;
                assert_eq!(
                    super::field::limbs_from_be::<{ super::$module::LIMBS }>(
                        &$krate::elliptic_curve::bigint::ArrayEncoding::to_be_byte_array(
                            &$krate::$curve::ORDER
                        )
                    ),
                    Some(*curve.order())
                );
                let mut rng = Lcg(0xc0ffee);
                let scalar = |rng: &mut Lcg| {
                    let bytes = rng.bytes(FieldBytes::default().len());
                    Scalar::reduce_bytes(FieldBytes::from_slice(&bytes))
                };
                let g = super::$module::affine(&AffinePoint::GENERATOR).unwrap();
                let g_table = super::$module::Table::new(&AffinePoint::GENERATOR);
                for round in 0..40 {
                    // a·a⁻¹ = 1 in the field.
                    let mut bytes = rng.bytes(FieldBytes::default().len());
                    bytes[0] = 0x7f; // below p
                    let a = super::$module::Fp::element(&bytes).unwrap();
                    assert_eq!(
                        super::$module::Fp::mul(&a, &super::$module::Fp::invert(&a)),
                        super::$module::Fp::one()
                    );
                    // The binary inversion against Fermat's, plain, in both fields.
                    for x in [a, [3; super::$module::LIMBS]] {
                        use super::$module::{Fp, Order};
                        for (inverse, fermat) in [
                            (
                                super::field::invert_vartime(&x, Fp::modulus()),
                                Fp::to_plain(&Fp::invert(&Fp::to_montgomery(&x))),
                            ),
                            (
                                super::field::invert_vartime(&x, Order::modulus()),
                                Order::to_plain(&Order::invert(&Order::to_montgomery(&x))),
                            ),
                        ] {
                            assert_eq!(inverse, Some(fermat));
                        }
                    }
                    let secret = scalar(&mut rng);
                    let q_point = (ProjectivePoint::GENERATOR * secret).to_affine();
                    let q = super::$module::affine(&q_point).unwrap();
                    let q_table = super::$module::Table::new(&q_point);
                    let k = scalar(&mut rng);
                    let l = match round {
                        0 => k,
                        1 => -k,
                        _ => scalar(&mut rng),
                    };
                    let (q_point, q, q_table) = if round < 2 {
                        (
                            AffinePoint::GENERATOR,
                            g,
                            super::$module::Table::new(&AffinePoint::GENERATOR),
                        )
                    } else {
                        (q_point, q, q_table)
                    };
                    let expected = (ProjectivePoint::GENERATOR * k
                        + ProjectivePoint::from(q_point) * l)
                        .to_affine();
                    let expected = (round != 1).then(|| {
                        super::field::limbs_from_be::<{ super::$module::LIMBS }>(&expected.x())
                            .unwrap()
                    });
                    let infinity = curve.infinity();
                    let plain = |s: &Scalar| {
                        super::field::limbs_from_be::<{ super::$module::LIMBS }>(&s.to_repr())
                            .unwrap()
                    };
                    let (k, l) = (&plain(&k), &plain(&l));
                    let by_shamir = super::$module::lincomb_vartime(&g, k, Some((&q, l)));
                    let by_tables = q_table
                        .add_mul(g_table.add_mul(infinity, k).unwrap(), l)
                        .unwrap();
                    let by_g_table = g_table
                        .add_mul(super::$module::lincomb_vartime(&q, l, None), k)
                        .unwrap();
                    let by_q_table = q_table
                        .add_mul(super::$module::lincomb_vartime(&g, k, None), l)
                        .unwrap();
                    for point in [by_shamir, by_tables, by_g_table, by_q_table] {
                        assert_eq!(curve.affine_x(&point), expected, "round {round}");
                        if let Some(x) = expected {
                            // x mod n against r = x mod n, and a wrong r.
                            let r = Scalar::reduce_bytes(&{
                                let mut b = FieldBytes::default();
                                b.copy_from_slice(
                                    &x.iter()
                                        .rev()
                                        .flat_map(|l| l.to_be_bytes())
                                        .collect::<Vec<_>>(),
                                );
                                b
                            });
                            let r_limbs = super::field::limbs_from_be::<{ super::$module::LIMBS }>(
                                &r.to_repr(),
                            )
                            .unwrap();
                            assert!(curve.x_mod_n_is(&point, &r_limbs));
                            let wrong = super::field::limbs_from_be::<{ super::$module::LIMBS }>(
                                &(r + Scalar::ONE).to_repr(),
                            )
                            .unwrap();
                            assert!(!curve.x_mod_n_is(&point, &wrong));
                        } else {
                            assert!(!curve.x_mod_n_is(&point, &[1; super::$module::LIMBS]));
                        }
                    }
                }
            }
        };
    }

    /// `x(R) mod n = r` where `x(R) ≥ n` (the `r + n < p` branch, which random points reach
    /// with probability 2^-128 or less): a point with `x = n + t` matches `r = t`; a point with a
    /// small `x = c` does not match `r = c + p − n` (which a check that let `r + n` reach `p`
    /// would take: `c + p ≡ c`).
    macro_rules! x_beyond_n {
        ($test:ident, $krate:ident, $module:ident) => {
            #[test]
            fn $test() {
                use super::field::{Limb, Modulus as _, add_below, sub_borrow};
                use $krate::elliptic_curve::sec1::FromEncodedPoint as _;
                use $krate::{AffinePoint, EncodedPoint};
                const L: usize = super::$module::LIMBS;
                let curve = &super::$module::CURVE;
                let p = super::$module::Fp::modulus();
                let n = curve.order();
                let small = |t: Limb| {
                    let mut limbs = [0; L];
                    limbs[0] = t;
                    limbs
                };
                // The curve's point with this x (even y), if there is one.
                let point = |x: &[Limb; L]| {
                    let mut sec1 = vec![0x02];
                    sec1.extend(x.iter().rev().flat_map(|l| l.to_be_bytes()));
                    let encoded = EncodedPoint::from_bytes(&sec1).ok()?;
                    let point: Option<AffinePoint> =
                        AffinePoint::from_encoded_point(&encoded).into();
                    let point = super::$module::affine(&point?)?;
                    Some(curve.jacobian(&point))
                };
                let (mut beyond, mut below) = (0, 0);
                for t in 1..64 {
                    let t_limbs = small(t);
                    // x = n + t (< p).
                    let x = add_below(n, &t_limbs, p).unwrap();
                    if let Some(r) = point(&x) {
                        assert!(curve.x_mod_n_is(&r, &t_limbs));
                        assert!(!curve.x_mod_n_is(&r, &small(t + 1)));
                        beyond += 1;
                    }
                    // x = t, r = t + p − n (< n).
                    if let Some(r) = point(&t_limbs) {
                        assert!(curve.x_mod_n_is(&r, &t_limbs));
                        let p_minus_n = sub_borrow(p, n).0;
                        let wrong = add_below(&p_minus_n, &t_limbs, n).unwrap();
                        assert!(!curve.x_mod_n_is(&r, &wrong));
                        below += 1;
                    }
                }
                assert!(beyond > 5 && below > 5, "{beyond} {below}");
            }
        };
    }

    x_beyond_n!(p256_x_beyond_n_is_reduced, p256, p256);
    x_beyond_n!(p384_x_beyond_n_is_reduced, p384, p384);

    differential!(p256_agrees_with_the_ecdsa_crate, p256, p256);
    differential!(p384_agrees_with_the_ecdsa_crate, p384, p384);
    points!(
        p256_points_agree_with_the_curve_crate,
        p256,
        NistP256,
        p256,
        8
    );
    points!(
        p384_points_agree_with_the_curve_crate,
        p384,
        NistP384,
        p384,
        12
    );

    #[test]
    fn key_tables_stop_at_the_cap() {
        let tables: Vec<super::KeyTable<u32>> = (0..super::MAX_KEY_TABLES + 4)
            .map(|_| super::KeyTable::new(1))
            .collect();
        let built = tables
            .iter()
            .filter(|t| t.get_capped(|| 1).is_some())
            .count();
        // Other tests of this process may have built some before.
        assert!(built <= super::MAX_KEY_TABLES as usize);
        assert!(
            tables
                .iter()
                .skip(built)
                .all(|t| t.get_capped(|| 1).is_none())
        );
    }

    #[test]
    fn a_table_is_built_at_its_thresholds_use() {
        let table = super::KeyTable::new(3);
        assert!(table.get(|| 1).is_none());
        assert!(table.get(|| 2).is_none());
        assert_eq!(table.get(|| 3), Some(&3));
        assert_eq!(table.get(|| 4), Some(&3));
    }

    #[test]
    fn a_table_built_now_is_the_one_later_uses_get() {
        let table = super::KeyTable::new(3);
        assert_eq!(table.build(|| 1), &1);
        assert_eq!(table.get(|| 2), Some(&1));
        let key = super::KeyTable::new(3);
        if let Some(built) = key.build_capped(|| 5) {
            assert_eq!(built, &5);
            assert_eq!(key.get_capped(|| 6), Some(&5));
        }
        // The generators: built now, used from the first verification on.
        super::precompute_generators();
        assert!(super::p256::G.table.get().is_some() && super::p384::G.table.get().is_some());
    }
}
