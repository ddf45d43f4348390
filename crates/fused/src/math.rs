//! The elementary functions of the fused path: natural logarithm, `ln(1 − a)`, `ln(1 + x)`
//! and `e^x` for `x ≤ 0`, written once as branch-free scalar code that LLVM vectorises for
//! each [`Isa`] path.
//!
//! # The logarithm
//!
//! `x = 2^k · m` with `m ∈ [√½, √2)` (exponent and mantissa split through the bits; a
//! subnormal `x` is first scaled by `2^54`), `f = m − 1`, and then fdlibm's
//! evaluation (Sun Microsystems, `e_log.c`):
//!
//! ```text
//! s = f / (2 + f)              ln(1 + f) = 2·atanh(s) = f − f²/2 + s·(f²/2 + R(s²))
//! R(z) = z·(Lg1 + z·(Lg2 + … + z·Lg7))           minimax, |error| < 2^-58.45 for |s| ≤ 0.1716
//! ln x = k·ln2_hi + (f − (f²/2 − (s·(f²/2 + R) + k·ln2_lo)))    k·ln2_hi exact
//! ```
//!
//! `f` is always computed **exactly**: `m − 1` is exact on `[√½, √2)`. That is what makes
//! `ln(1 − a)` accurate without a `ln_1p`: with `u = 1 − a` rounded only to choose `k`
//! (`s = 2^−k`), the exact `f = s·(1 − a) − 1` is `(s − 1) − s·a`, and both operations are
//! exact (`s·a` is a power-of-two scaling; for `k = 0` it is `−a`, for `k = −1` it is
//! `1 − 2a` with `2a ∈ [½, 1]`, and for `k ≤ −2`, `a > ½` so `u` itself is exact). For
//! `a = 10^−20` it gives `f = −10^−20` and `ln(1 − a) = −10^−20` to within the kernel's error,
//! where `(1 − a).ln()` gives 0.
//!
//! **Measured maximum error**, against [`xent-oracle`]'s 256-bit logarithm: 0.8352 ulp with
//! FMA and 0.8447 without (AMD EPYC, AVX2), over every binade from the smallest subnormal
//! to `f64::MAX` plus 10^6 points where the reduction cancels most (`x ∈ [0.69, 0.72]`) and in `[1, 2)` — run
//! `cargo xtask bench --ln-error` to repeat it; a denser sweep of the worst region found
//! 0.849 and 0.851 (glibc's `log`: 0.52). The tests assert that every result is within 1
//! ulp of the correctly rounded value ([`crate::tolerance::LN_MAX_ULPS`]) on a seeded sweep.
//!
//! [`xent-oracle`]: https://docs.rs/xent-oracle
//!
//! # The exponential (`x ≤ 0`)
//!
//! fdlibm's `e_exp.c`: `x = k·ln2 + r`, `|r| ≤ ½ln2`, `e^r = 1 + 2r/(2 − c)` with a degree-5
//! minimax `c(r²)`, and the scaling by `2^k` done as two exact-or-once-rounded
//! multiplications, so subnormal results are rounded once. Error < 1 ulp.
//!
//! # `ln(1 + x)`, `x ≥ 0`
//!
//! `1 + x = h + l` exactly (TwoSum), `ln(1 + x) ≈ ln h + l/h`.

use crate::isa::{self, Isa, Job};

/// `ln 2`, high part: 32 significant bits, so `k·LN2_HI` is exact for `|k| < 2^21`.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
/// `ln 2 − LN2_HI`.
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
/// fdlibm's `Lg1 … Lg7` (their bit patterns, as fdlibm gives them): the minimax
/// `R(z) = Lg1·z + … + Lg7·z⁷ ≈ (2·atanh(s) − 2s)/s`, `z = s²`.
const LG: [f64; 7] = [
    f64::from_bits(0x3fe5_5555_5555_5593),
    f64::from_bits(0x3fd9_9999_9997_fa04),
    f64::from_bits(0x3fd2_4924_9422_9359),
    f64::from_bits(0x3fcc_71c5_1d8e_78af),
    f64::from_bits(0x3fc7_4664_96cb_03de),
    f64::from_bits(0x3fc3_9a09_d078_c69f),
    f64::from_bits(0x3fc2_f112_df3e_5244),
];
/// Added to the bits of `x` so that the exponent field rounds `m` into `[√½, √2)`:
/// `0x3ff00000_00000000 − 0x3fe6a09e_00000000` (`0x3fe6a09e` is the high word of `√½`).
const REDUCE_OFFSET: u64 = 0x0009_5f62_0000_0000;
/// The high word of `√½` in place, to rebuild `m` from the mantissa bits.
const SQRT_HALF_BITS: u64 = 0x3fe6_a09e_0000_0000;
const MANTISSA: u64 = 0x000f_ffff_ffff_ffff;
/// `2^52`: a non-negative integer `n < 2^52` ORed into its mantissa gives `2^52 + n`.
const TWO_52: f64 = 4_503_599_627_370_496.0;
const TWO_52_BITS: u64 = 0x4330_0000_0000_0000;
/// `2^54`, the scaling that makes every subnormal normal.
const TWO_54: f64 = 18_014_398_509_481_984.0;

/// `a·b + c`, fused (one rounding) on the FMA paths, two roundings otherwise.
#[inline(always)]
pub(crate) fn mul_add<const FMA: bool>(a: f64, b: f64, c: f64) -> f64 {
    if FMA { a.mul_add(b, c) } else { a * b + c }
}

/// `ln(2^k · (1 + f))` for `f ∈ [√½ − 1, √2 − 1]` (a little beyond is harmless), `k` as `f64`.
#[inline(always)]
pub(crate) fn ln_reduced<const FMA: bool>(dk: f64, f: f64) -> f64 {
    ln_reduced_with::<FMA>(dk, f, f / (2.0 + f))
}

/// [`ln_reduced`] given `s = f / (2 + f)`.
#[inline(always)]
fn ln_reduced_with<const FMA: bool>(dk: f64, f: f64, s: f64) -> f64 {
    let hfsq = 0.5 * f * f;
    let z = s * s;
    let mut p = LG[6];
    p = mul_add::<FMA>(z, p, LG[5]);
    p = mul_add::<FMA>(z, p, LG[4]);
    p = mul_add::<FMA>(z, p, LG[3]);
    p = mul_add::<FMA>(z, p, LG[2]);
    p = mul_add::<FMA>(z, p, LG[1]);
    p = mul_add::<FMA>(z, p, LG[0]);
    let r = z * p;
    let t = mul_add::<FMA>(s, hfsq + r, dk * LN2_LO);
    // `dk·LN2_HI` is exact, so the fused and the separate forms round identically here.
    mul_add::<FMA>(dk, LN2_HI, (t - hfsq) + f)
}

/// `ln(1 + f)` for `f ∈ [√½ − 1, √2 − 1]`, for loops that add the `k·ln 2` parts
/// separately (an exact integer sum): `2·atanh(s) = 2s + s·R = f − s·(f − R)` (as
/// `s·(2 + f) = f`), the main term `f` exact. Fewer multiplications than fdlibm's
/// `f − f²/2 + s·(f²/2 + R)`; measured maximum error in ulps of `ln(1 + f)`: 0.77 with FMA,
/// 0.85 without (fdlibm's form: 0.82).
#[inline(always)]
pub(crate) fn ln_1p_reduced<const FMA: bool>(f: f64) -> f64 {
    let s = f / (2.0 + f);
    let z = s * s;
    let mut p = LG[6];
    p = mul_add::<FMA>(z, p, LG[5]);
    p = mul_add::<FMA>(z, p, LG[4]);
    p = mul_add::<FMA>(z, p, LG[3]);
    p = mul_add::<FMA>(z, p, LG[2]);
    p = mul_add::<FMA>(z, p, LG[1]);
    p = mul_add::<FMA>(z, p, LG[0]);
    let q = mul_add::<FMA>(-z, p, f);
    mul_add::<FMA>(-s, q, f)
}

/// `k·ln 2 + l` for an integer `k` (`|k| < 2^21`, as `f64`) and `l = ln(1 + f)` from
/// [`ln_1p_reduced`]: the logarithm `ln(2^k·(1 + f))` of kernels that weigh each one
/// (`k·LN2_HI` is exact, so the last operation rounds once on every path).
#[inline(always)]
pub(crate) fn with_exponent<const FMA: bool>(k: f64, l: f64) -> f64 {
    mul_add::<FMA>(k, LN2_HI, mul_add::<FMA>(k, LN2_LO, l))
}

/// `(hi + lo) · ln 2` as a double-double, for the exponent parts the kernels sum apart:
/// within `2^−100` relative. Scalar (once per leaf); `mul_add` is correctly rounded on every
/// target (a library call without FMA hardware), so every path gets the same bits.
pub(crate) fn times_ln2(hi: f64, lo: f64) -> (f64, f64) {
    let p = hi * LN2_HI;
    let err = hi.mul_add(LN2_HI, -p); // exact: the rounding error of the product
    let rest = err + (hi * LN2_LO + lo * (LN2_HI + LN2_LO));
    two_sum(p, rest)
}

/// The biased exponent `k + 1023` of the reduction of a positive normal `v` (`s·v ∈ [√½, √2)`
/// with `s = 2^−k`), and `s`.
#[inline(always)]
pub(crate) fn split_biased(v: f64) -> (u64, f64) {
    let kb = v.to_bits().wrapping_add(REDUCE_OFFSET) >> 52;
    (kb, f64::from_bits(2046u64.wrapping_sub(kb) << 52))
}

/// For a positive normal `v ≤ 2^1022`: `(s, k)` with `s = 2^−k` and `s·v ∈ [√½, √2)`.
#[inline(always)]
pub(crate) fn split(v: f64) -> (f64, f64) {
    let kb = v.to_bits().wrapping_add(REDUCE_OFFSET) >> 52;
    let s = f64::from_bits(2046u64.wrapping_sub(kb) << 52);
    (s, biased_to_f64(kb))
}

/// `kb − 1023` as `f64`, for `0 ≤ kb < 2^52`, without an integer conversion instruction
/// (AVX2 has none for 64-bit lanes).
#[inline(always)]
pub(crate) fn biased_to_f64(kb: u64) -> f64 {
    f64::from_bits(kb | TWO_52_BITS) - (TWO_52 + 1023.0)
}

/// `ln v` for a probability `v ∈ [0, 1]`: `−∞` at 0, subnormals included.
#[inline(always)]
pub(crate) fn ln_probability<const FMA: bool>(v: f64) -> f64 {
    let tiny = v < f64::MIN_POSITIVE;
    let w = if tiny { v * TWO_54 } else { v };
    let (s, dk) = split(w);
    let dk = if tiny { dk - 54.0 } else { dk };
    let r = ln_reduced::<FMA>(dk, s * w - 1.0);
    if v == 0.0 { f64::NEG_INFINITY } else { r }
}

/// `ln(1 − a)` for a probability `a ∈ [0, 1]`, with `f` exact (see the module docs):
/// `−∞` at `a = 1`.
#[inline(always)]
pub(crate) fn ln_1m<const FMA: bool>(a: f64) -> f64 {
    let u = 1.0 - a;
    let (s, dk) = split(u);
    let r = ln_reduced::<FMA>(dk, (s - 1.0) - s * a);
    if u == 0.0 { f64::NEG_INFINITY } else { r }
}

/// `ln x` for any `f64`: `NaN` below 0 and for `NaN`, `−∞` at ±0, `+∞` at `+∞`.
#[inline(always)]
pub(crate) fn ln_any<const FMA: bool>(x: f64) -> f64 {
    let tiny = x < f64::MIN_POSITIVE;
    let w = if tiny { x * TWO_54 } else { x };
    let ix = w.to_bits().wrapping_add(REDUCE_OFFSET);
    let kb = ix >> 52;
    let m = f64::from_bits((ix & MANTISSA) + SQRT_HALF_BITS);
    let dk = biased_to_f64(kb & 0x7ff);
    let dk = if tiny { dk - 54.0 } else { dk };
    let r = ln_reduced::<FMA>(dk, m - 1.0);
    if x > 0.0 && x < f64::INFINITY {
        r
    } else if x == 0.0 {
        f64::NEG_INFINITY
    } else if x == f64::INFINITY {
        x
    } else {
        f64::NAN
    }
}

/// Error-free sum: `a + b = s + e` exactly (Knuth's TwoSum, any magnitudes).
#[inline(always)]
pub(crate) fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    let e = (a - (s - bb)) + (b - bb);
    (s, e)
}

/// `ln(1 + x)` for `x ≥ 0` (finite): `1 + x = h + l` exactly, `ln h + l/h`.
#[inline(always)]
pub(crate) fn ln_1p<const FMA: bool>(x: f64) -> f64 {
    let (h, l) = two_sum(1.0, x);
    let ix = h.to_bits().wrapping_add(REDUCE_OFFSET);
    let m = f64::from_bits((ix & MANTISSA) + SQRT_HALF_BITS);
    let r = ln_reduced::<FMA>(biased_to_f64(ix >> 52), m - 1.0);
    r + l / h
}

const INV_LN2: f64 = f64::from_bits(0x3ff7_1547_652b_82fe);
/// `1.5·2^52`: adding it rounds a number of magnitude `< 2^51` to an integer.
const ROUNDER: f64 = 6_755_399_441_055_744.0;
/// fdlibm's `P1 … P5` for `e^x`.
const P1: f64 = f64::from_bits(0x3fc5_5555_5555_553e);
const P2: f64 = f64::from_bits(0xbf66_c16c_16be_bd93);
const P3: f64 = f64::from_bits(0x3f11_566a_af25_de2c);
const P4: f64 = f64::from_bits(0xbebb_bd41_c5d2_6bf1);
const P5: f64 = f64::from_bits(0x3e66_3769_72be_a4d0);

/// `2^n` for an integer-valued `n ∈ [−1022, 1023]` held in an `f64`.
#[inline(always)]
fn pow2(n: f64) -> f64 {
    let bits = (n + ROUNDER).to_bits().wrapping_sub(ROUNDER.to_bits());
    f64::from_bits(bits.wrapping_add(1023) << 52)
}

/// `e^x` for `x ≤ 0` (finite or `−∞`): 0 below `−745.13…`, subnormals rounded once.
#[inline(always)]
pub(crate) fn exp_nonpositive<const FMA: bool>(x: f64) -> f64 {
    // Below −800 the result is 0 whatever the clamp; the clamp keeps k in range.
    let x = x.max(-800.0);
    let kf = (x * INV_LN2 + ROUNDER) - ROUNDER;
    let hi = x - kf * LN2_HI; // exact: kf·LN2_HI is exact and close to x
    let lo = kf * LN2_LO;
    let r = hi - lo;
    let rr = r * r;
    let mut p = P5;
    p = mul_add::<FMA>(rr, p, P4);
    p = mul_add::<FMA>(rr, p, P3);
    p = mul_add::<FMA>(rr, p, P2);
    p = mul_add::<FMA>(rr, p, P1);
    let c = r - rr * p;
    let y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
    // 2^k as 2^k1 · 2^k2, k1 = ⌊k/2⌋: the first product is exact, the second rounds once.
    let k1 = ((kf * 0.5 - 0.25) + ROUNDER) - ROUNDER;
    let k2 = kf - k1;
    (y * pow2(k1)) * pow2(k2)
}

/// `ln x`, with the bits the bulk loops of this machine's [`Isa::detect`] path produce.
///
/// `NaN` for `x < 0` or `NaN`, `−∞` at 0, `+∞` at `+∞`; subnormals are exact inputs like
/// any other. Maximum error below [`crate::tolerance::LN_MAX_ULPS`] (1 ulp; measured 0.85).
///
/// ```
/// assert_eq!(xent_fused::math::ln(1.0), 0.0);
/// assert_eq!(xent_fused::math::ln(0.0), f64::NEG_INFINITY);
/// let x = xent_fused::math::ln(std::f64::consts::E);
/// assert!((x - 1.0).abs() <= f64::EPSILON);
/// ```
pub fn ln(x: f64) -> f64 {
    if Isa::detect().uses_fma() {
        ln_any::<true>(x)
    } else {
        ln_any::<false>(x)
    }
}

/// `ln(1 − a)` for a probability `a ∈ [0, 1]`, accurate for tiny `a` (where `(1 − a).ln()`
/// is 0): `ln_one_minus(1e-20) = −1e-20`. `−∞` at `a = 1`; unspecified outside `[0, 1]`.
///
/// ```
/// assert_eq!(xent_fused::math::ln_one_minus(1e-20), -1e-20);
/// assert_eq!(xent_fused::math::ln_one_minus(1.0), f64::NEG_INFINITY);
/// ```
pub fn ln_one_minus(a: f64) -> f64 {
    if Isa::detect().uses_fma() {
        ln_1m::<true>(a)
    } else {
        ln_1m::<false>(a)
    }
}

/// `out[i] = ln(x[i])` on the given path (the detected one if the CPU lacks it), over the
/// shorter of the two slices. For measuring the vectorised logarithm on its own.
pub fn ln_slice(isa: Isa, x: &[f64], out: &mut [f64]) {
    isa::run(isa, LnSlice { x, out });
}

struct LnSlice<'a> {
    x: &'a [f64],
    out: &'a mut [f64],
}

impl Job for LnSlice<'_> {
    type Output = ();

    #[inline(always)]
    fn run<const FMA: bool>(self) {
        for (o, &x) in self.out.iter_mut().zip(self.x) {
            *o = ln_any::<FMA>(x);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scalar function on both paths, with and without FMA.
    type Path = fn(f64) -> f64;

    #[test]
    fn special_values() {
        for ln in [ln_any::<true> as Path, ln_any::<false>] {
            assert_eq!(ln(1.0), 0.0);
            assert_eq!(ln(0.0), f64::NEG_INFINITY);
            assert_eq!(ln(-0.0), f64::NEG_INFINITY);
            assert_eq!(ln(f64::INFINITY), f64::INFINITY);
            assert!(ln(-1.0).is_nan());
            assert!(ln(f64::NAN).is_nan());
            assert!(ln(f64::NEG_INFINITY).is_nan());
            assert_eq!(ln(2.0), std::f64::consts::LN_2);
            // The smallest subnormal: ln(2^-1074) = -1074 ln 2, correctly rounded.
            assert_eq!(ln(f64::from_bits(1)), -744.440_071_921_381_2);
            assert_eq!(ln(f64::MAX), 709.782_712_893_384);
        }
    }

    #[test]
    fn probability_and_general_logarithms_agree() {
        let mut x = f64::from_bits(1);
        while x <= 1.0 {
            for (probability, any) in [
                (ln_probability::<true> as Path, ln_any::<true> as Path),
                (ln_probability::<false>, ln_any::<false>),
            ] {
                assert_eq!(probability(x).to_bits(), any(x).to_bits(), "x = {x:e}");
            }
            x *= 1.7;
        }
        assert_eq!(ln_probability::<true>(0.0), f64::NEG_INFINITY);
    }

    #[test]
    fn ln_one_minus_is_exact_for_tiny_and_infinite_at_one() {
        for l in [ln_1m::<true> as Path, ln_1m::<false>] {
            assert_eq!(l(1e-20), -1e-20);
            assert_eq!(l(1e-300), -1e-300);
            assert_eq!(l(0.0), 0.0);
            assert_eq!(l(1.0), f64::NEG_INFINITY);
            assert_eq!(l(0.5), -std::f64::consts::LN_2);
            assert_eq!(l(0.75), -2.0 * std::f64::consts::LN_2);
        }
    }

    #[test]
    fn exp_of_nonpositive_arguments() {
        for e in [exp_nonpositive::<true> as Path, exp_nonpositive::<false>] {
            assert_eq!(e(0.0), 1.0);
            assert_eq!(e(-800.0), 0.0);
            assert_eq!(e(f64::NEG_INFINITY), 0.0);
            assert_eq!(e(-f64::MAX), 0.0);
            // e^-745 is the smallest subnormal, 2^-1074, after rounding.
            assert_eq!(e(-745.0), f64::from_bits(1));
            let mut x = -744.0;
            while x < 0.0 {
                let (got, want) = (e(x), x.exp());
                assert!(
                    xent_core::ulp::ulp_distance(got, want) <= 1,
                    "exp({x}) = {got:e}, libm {want:e}"
                );
                x += 0.618_034;
            }
        }
    }

    #[test]
    fn ln_1p_of_small_and_large_arguments() {
        for l in [ln_1p::<true> as Path, ln_1p::<false>] {
            assert_eq!(l(0.0), 0.0);
            assert_eq!(l(1e-300), 1e-300);
            assert_eq!(l(1e-20), 1e-20);
            let mut x = 1e-18;
            while x < 1e6 {
                let (got, want) = (l(x), x.ln_1p());
                assert!(
                    xent_core::ulp::ulp_distance(got, want) <= 1,
                    "ln_1p({x:e}) = {got:e}, libm {want:e}"
                );
                x *= 1.37;
            }
        }
    }
}
