//! The fused path's own tolerances, each with its reason. Everything else (unit roundoff,
//! column sums, a priori bounds) is `xent_core::tolerance`.

/// The logarithm's maximum error, in ulps: the fused path's design target. The tests assert that
/// every result is at most this far (an ulp distance ≤ 1) from the correctly rounded value.
///
/// fdlibm's evaluation is proved below 1 ulp; measured against 192-bit values (every binade,
/// subnormals included, and densely near `x ≈ √½`, where the reduction cancels most): at most
/// 0.849 ulp with FMA, 0.851 without (see [`crate::math`]).
pub const LN_MAX_ULPS: f64 = 1.0;

/// How far the fused path's summed log-likelihood (and loss) may be from the oracle's
/// correctly rounded value, in ulps, at 10^7 entries and in the accuracy traps.
///
/// A priori, per term the logarithm errs by < 1 ulp of `ln(1 + f)` (whose magnitude is at
/// most the term's) and a weight's product by ½ ulp; the compensated lanes add ≤ 2u·|S|
/// (Kahan), the double-double tree O(u²), the final rounding ½ ulp. As all terms have one
/// sign, the relative errors do not grow with the number of terms: the worst case stays near
/// 4 ulps, and in practice rounding errors of independent terms cancel (the tests observe 0
/// or 1 ulp).
pub const FUSED_MAX_ULPS: u64 = 4;
