//! The verifier's own numbers, named, each with its reason.
//!
//! The formulations' a priori error bounds live in [`xent_core::tolerance`] (`ErrorBound`);
//! this module holds what the verifier adds on top: the oracle's precision and error budget,
//! how a bound carries over to another log base, and the bounds of the few values the
//! property tests compute outside the formulations (statrs's entropies, an `f64`
//! Kullback–Leibler divergence, a probability derived from a logit). Nothing in the verifier
//! or its tests compares floating-point numbers with a literal epsilon.

use xent_core::tolerance::{LIBM_ERROR_U, SIGMOID_ERROR_U, UNIT_ROUNDOFF};
use xent_core::ulp::ulp;
use xent_core::{ErrorBound, LogBase};

/// A full-precision published value: numpy prints an `f64` with 16 or 17 significant digits
/// (its `repr`, which round-trips), so such a value *is* an `f64` and is compared with the
/// oracle in ulps; fewer digits are compared as printed (rounded) digits.
pub const FULL_PRECISION_DIGITS: usize = 16;

/// `bound` expressed in ulps of `at`, rounded up (`0` when `at` is not finite).
pub fn ulps(bound: f64, at: f64) -> u64 {
    if !at.is_finite() {
        return 0;
    }
    let u = (bound / ulp(at)).ceil();
    if u >= u64::MAX as f64 {
        u64::MAX
    } else {
        u as u64
    }
}

/// The bound on a summed log-likelihood `S` as an [`ErrorBound`] of its own, so that
/// [`ErrorBound::admits`] and [`ErrorBound::ulps_at`] apply to `S` rather than to `J`.
pub fn log_likelihood(bound: &ErrorBound) -> ErrorBound {
    ErrorBound {
        absolute: bound.log_likelihood,
        log_likelihood: bound.log_likelihood,
    }
}

/// Relative error of `ln b` as [`LogBase::ln`] returns it, in units of `u`: 0 for `e`
/// (exactly 1), 1 for 2 and 10 (correctly rounded constants), the platform `ln` otherwise.
fn base_ln_error_u(base: LogBase) -> f64 {
    if base == LogBase::E {
        0.0
    } else if base == LogBase::TWO || base == LogBase::TEN {
        1.0
    } else {
        LIBM_ERROR_U
    }
}

/// The bound on a loss reported in base `b`, `J_b = J / ln b` ([`LogBase::from_nats`]),
/// when `J` is within `bound` of the exact loss in nats: the bound scales by `1 / ln b`, and
/// `ln b` and the division each add their rounding relative to `|J_b|` (`value_b`).
pub fn in_base(bound: &ErrorBound, base: LogBase, value_b: f64) -> ErrorBound {
    let u = UNIT_ROUNDOFF;
    let scale = 1.0 / base.ln().abs();
    let division = if base == LogBase::E { 0.0 } else { 1.0 };
    let rounding = (base_ln_error_u(base) + division) * u * value_b.abs();
    let grow = 1.0 + 4.0 * u; // second-order terms of the two roundings
    ErrorBound {
        absolute: (bound.absolute * scale + rounding) * grow,
        log_likelihood: bound.log_likelihood,
    }
}

/// How far statrs's `Categorical::entropy` of an exactly normalised distribution `p` may be
/// from `H(p) = −Σ p ln p`: each term's `ln` (LIBM) and product (`u`), then a sum of `k`
/// same-sign terms (`(k − 1)u`), all relative to `H` (statrs skips zero masses, so `0 ln 0`
/// contributes nothing, as in the definition).
pub fn categorical_entropy_error(p: &[f64]) -> f64 {
    let u = UNIT_ROUNDOFF;
    let h: f64 = p
        .iter()
        .filter(|&&x| x > 0.0)
        .map(|&x| (x * x.ln()).abs())
        .sum();
    let k = p.len() as f64;
    (LIBM_ERROR_U + 1.0 + k) * u * h * (1.0 + k * u)
}

/// How far statrs's `Bernoulli::entropy` may be from `H(a) = −a ln a − (1 − a) ln(1 − a)`,
/// for `a` with `1 − a` exact in `f64`. statrs evaluates each mass as
/// `π = exp(ln a)` (and `exp(ln(1 − a))`): the `ln` errs by `LIBM·u` relative, which `exp`
/// turns into `LIBM·u·|ln π|` relative, plus `exp`'s own `LIBM·u`; then `−π ln π` moves by
/// `π·δ·|ln π + 1|` for a relative change `δ` of `π`, its own `ln` and product add
/// `(LIBM + 1)·u·|π ln π|`, and the two-term sum `u·H`.
pub fn bernoulli_entropy_error(a: f64) -> f64 {
    let u = UNIT_ROUNDOFF;
    if a == 0.0 || a == 1.0 {
        return 0.0; // statrs returns exactly 0
    }
    let term = |pi: f64| {
        let ln = pi.ln();
        let delta = LIBM_ERROR_U * u * (1.0 + ln.abs());
        pi * delta * (ln + 1.0).abs() + (LIBM_ERROR_U + 1.0) * u * (pi * ln).abs()
    };
    let h = -(a * a.ln()) - (1.0 - a) * (1.0 - a).ln();
    (term(a) + term(1.0 - a) + u * h) * (1.0 + 8.0 * u)
}

/// How far `Σ p (ln p − ln q)` evaluated in `f64` term by term (sequential sum) may be from
/// `KL(p‖q)`: each term's two `ln` (LIBM each), the subtraction and the product (`u` of the
/// term's magnitude), and a sum of terms of either sign (`(k − 1)u Σ |term|`).
pub fn kl_divergence_error(p: &[f64], q: &[f64]) -> f64 {
    let u = UNIT_ROUNDOFF;
    let k = p.len() as f64;
    let mut own = 0.0;
    let mut magnitude = 0.0;
    for (&pi, &qi) in p.iter().zip(q) {
        if pi > 0.0 {
            let (lp, lq) = (pi.ln(), qi.ln());
            own += pi * (LIBM_ERROR_U * u * (lp.abs() + lq.abs()) + 2.0 * u * (lp - lq).abs());
            magnitude += (pi * (lp - lq)).abs();
        }
    }
    (own + (k - 1.0) * u * magnitude) * (1.0 + 4.0 * k * u)
}

/// How far the exact binary loss on probabilities `a = σ(z)` computed in `f64` may be from
/// the exact loss on the logits `z` themselves, per entry with label `y`: `σ(z)` errs by
/// [`SIGMOID_ERROR_U`]`·u` relative, which moves `y ln a` by `y` times that and
/// `(1 − y) ln(1 − a)` by `(1 − y)·a/(1 − a)` times that (the cancellation in `1 − a` for
/// confident predictions). Sum it over the entries and divide by `m`.
pub fn sigmoid_perturbation(y: f64, a: f64) -> f64 {
    let u = UNIT_ROUNDOFF;
    let delta = SIGMOID_ERROR_U * u;
    (y + (1.0 - y) * a / (1.0 - a)) * delta * (1.0 + 2.0 * delta)
}

/// How far `ln q_i` may move when the softmax entry `q_i = e^{d_i} / Σ_j e^{d_j}` (with
/// `d_j = z_j − max z`) is computed in `f64`, for `k` classes: the numerator errs by
/// `|d_i|·u` (the rounded `d_i`, through `exp`) plus LIBM; each denominator term likewise,
/// which weighted by `e^{d_j} ≤ 1` costs at most `LIBM·u` plus `(k − 1)·u/e` in all
/// (`|d| e^d ≤ 1/e`) relative to the sum (at least 1, the maximum's `e^0`); the sum of `k`
/// positive terms adds `(k − 1)u` and the division `u`. A relative error `δ` of `q_i`
/// moves `ln q_i` by at most `δ (1 + 2δ)`.
pub fn softmax_perturbation(d_i: f64, k: usize) -> f64 {
    let u = UNIT_ROUNDOFF;
    let k = k as f64;
    let delta =
        (2.0 * LIBM_ERROR_U + d_i.abs() + (k - 1.0) * (1.0 + 1.0 / std::f64::consts::E) + 1.0) * u;
    delta * (1.0 + 2.0 * delta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_in_ulps_round_up() {
        assert_eq!(ulps(4.0 * f64::EPSILON, 1.0), 4);
        assert_eq!(ulps(4.5 * f64::EPSILON, 1.0), 5);
        assert_eq!(ulps(1.0, f64::INFINITY), 0);
    }

    #[test]
    fn base_e_adds_nothing() {
        let b = ErrorBound {
            absolute: 1e-16,
            log_likelihood: 1e-15,
        };
        assert_eq!(
            in_base(&b, LogBase::E, 0.5).absolute,
            1e-16 * (1.0 + 4.0 * UNIT_ROUNDOFF)
        );
        assert!(in_base(&b, LogBase::TWO, 0.7).absolute > b.absolute / std::f64::consts::LN_2);
    }

    #[test]
    fn entropy_bounds_vanish_where_statrs_is_exact() {
        assert_eq!(bernoulli_entropy_error(0.0), 0.0);
        assert_eq!(categorical_entropy_error(&[0.0, 1.0, 0.0]), 0.0);
        assert!(bernoulli_entropy_error(0.5) > 0.0);
    }
}
