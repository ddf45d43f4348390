//! Scalar building blocks shared by every formulation: stable logarithms of sigmoid and
//! softmax, and the `0 · ln 0 = 0` mask.

/// `ln(1 + e^x)`, without overflow for any finite `x`: `max(x, 0) + ln_1p(e^{−|x|})`.
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
/// Returns `−∞` for an empty slice.
pub fn logsumexp(z: &[f64]) -> f64 {
    let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY {
        return max;
    }
    let s: f64 = z.iter().map(|&x| (x - max).exp()).sum();
    max + s.ln()
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
