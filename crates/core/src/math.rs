//! Scalar building blocks shared by every formulation: stable logarithms of sigmoid and
//! softmax, and the `0 · ln 0 = 0` mask.
//!
//! A logit may be `−∞` (the libraries' masking idiom: probability 0): `softplus(−∞) = 0`,
//! so `ln σ(−∞) = −∞` and `ln(1 − σ(−∞)) = 0`; in a softmax a class at `−∞` has `q = 0`,
//! `ln q = −∞`. `+∞` and `NaN` are rejected by validation, and so is a column of logits
//! that is entirely `−∞` (no distribution).

use crate::formulation::times_pow2;

/// `ln(1 + e^x)`, without overflow for any finite `x`: `max(x, 0) + ln_1p(e^{−|x|})`;
/// `softplus(−∞) = 0`.
///
/// Both terms are non-negative, so the sum never cancels.
#[inline]
pub fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// `ln σ(z) = −softplus(−z)`: the log-probability of the positive class given logit `z`.
#[inline]
pub fn ln_sigmoid(z: f64) -> f64 {
    -softplus(-z)
}

/// `ln(1 − σ(z)) = −softplus(z)`: the log-probability of the negative class given logit `z`.
#[inline]
pub fn ln_one_minus_sigmoid(z: f64) -> f64 {
    -softplus(z)
}

/// `ln Σ e^{z_i}`, shifted by the maximum so that no finite input overflows.
///
/// Returns `−∞` for an empty slice or one entirely `−∞`; entries at `−∞` add `e^{−∞} = 0`.
pub fn logsumexp(z: &[f64]) -> f64 {
    logsumexp_scaled(z, 0)
}

/// [`logsumexp`] divided by `2^scale` (see
/// [`crate::formulation::OVERFLOW_SCALE`]): `max·2^−scale + ln(Σ e^{z − max})·2^−scale`,
/// so that `z·2^−scale − lse·2^−scale` does not overflow where `z − lse` would (`z` and
/// `lse` near `∓f64::MAX`). At scale 0, the bits of the plain form.
pub fn logsumexp_scaled(z: &[f64], scale: i32) -> f64 {
    let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY {
        return max;
    }
    let s: f64 = z.iter().map(|&x| (x - max).exp()).sum();
    times_pow2(max, -scale) + times_pow2(s.ln(), -scale)
}

/// `ln(1 − a)` for a probability `a`, as `ln_1p(−a)`: exact to within one rounding for tiny
/// `a`, where `(1 − a).ln()` returns 0 (for `a = 1e-20` the truth is `−1e-20`).
#[inline]
pub fn ln_one_minus(a: f64) -> f64 {
    (-a).ln_1p()
}

/// The log term a weight multiplies, masked so that `0 · ln 0 = 0`: where the weight is 0 the
/// term is 0 whatever the logarithm (it may be `−∞`), as in `scipy.special.xlogy`.
#[inline]
pub fn masked(weight: f64, ln: f64) -> f64 {
    if weight == 0.0 { 0.0 } else { ln }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ulp::ulp_distance;

    #[test]
    fn softplus_is_finite_for_extreme_logits() {
        for z in [-800.0, -40.0, 0.0, 40.0, 800.0, f64::MAX, -f64::MAX] {
            assert!(softplus(z).is_finite(), "softplus({z})");
        }
        assert_eq!(softplus(800.0), 800.0);
        // e^{-800} underflows to 0 in f64; its log1p is the exact answer rounded.
        assert_eq!(softplus(-800.0), 0.0);
        assert_eq!(softplus(0.0), std::f64::consts::LN_2);
    }

    #[test]
    fn logsumexp_does_not_overflow() {
        assert_eq!(logsumexp(&[800.0, 800.0]), 800.0 + std::f64::consts::LN_2);
        assert_eq!(logsumexp(&[-800.0]), -800.0);
        assert_eq!(logsumexp(&[]), f64::NEG_INFINITY);
        // −∞ is probability 0; a column of it has no normaliser.
        assert_eq!(logsumexp(&[0.0, f64::NEG_INFINITY]), 0.0);
        assert_eq!(logsumexp(&[f64::NEG_INFINITY; 2]), f64::NEG_INFINITY);
        // Scaled: the difference that overflows at scale 0 does not.
        let lse = logsumexp_scaled(&[1e308, -1e308, 0.0], 64);
        let d = times_pow2(-1e308, -64) - lse;
        assert_eq!(times_pow2(d, 64), f64::NEG_INFINITY);
        assert_eq!(d, times_pow2(-1e308, -63));
    }

    #[test]
    fn negative_infinite_logits_are_probability_zero() {
        assert_eq!(softplus(f64::NEG_INFINITY), 0.0);
        assert_eq!(ln_sigmoid(f64::NEG_INFINITY), f64::NEG_INFINITY);
        assert_eq!(ln_one_minus_sigmoid(f64::NEG_INFINITY), 0.0);
        assert_eq!(masked(0.0, ln_sigmoid(f64::NEG_INFINITY)), 0.0);
    }

    #[test]
    fn ln_one_minus_keeps_tiny_probabilities() {
        assert_eq!((1.0f64 - 1e-20).ln(), 0.0);
        assert!(ulp_distance(ln_one_minus(1e-20), -1e-20) <= 1);
    }

    #[test]
    fn mask_makes_zero_times_log_zero_zero() {
        assert_eq!(masked(0.0, f64::NEG_INFINITY), 0.0);
        assert_eq!(masked(0.5, f64::NEG_INFINITY), f64::NEG_INFINITY);
    }
}
