//! Every tolerance and error bound of the project, named, in one place, each with its reason.
//!
//! Nothing else in the workspace compares floating-point numbers with a literal epsilon: a
//! check either asks for an exact match, or uses one of these.

use crate::formulation::{Evaluation, OVERFLOW_SCALE, times_pow2};
use crate::problem::{BinaryProblem, CategoricalProblem, Predictions};
use crate::ulp::ulp;

/// Unit roundoff of `f64`, `u = 2^-53`: one correctly rounded operation is off by at most
/// `u` relative.
pub const UNIT_ROUNDOFF: f64 = f64::EPSILON / 2.0;

/// Relative error of the platform's `ln`, `ln_1p` and `exp`, in units of `u`.
///
/// Rust's `f64::ln` and friends call the system libm; glibc documents ≤ 1 ulp for them on
/// x86-64 and aarch64, and one ulp is at most `2u` relative.
pub const LIBM_ERROR_U: f64 = 2.0;

/// Relative error of a formulation's divisor `W = Σ_j v_j·c̄_j` against the exact one, in
/// units of `u`: a dense target's class weight `c̄_j = Σ_r c_r·P_rj` is a compensated sum
/// of rounded products (`2u`), the product `v_j·c̄_j` is rounded once more (`u`), and the
/// compensated sum of the non-negative products adds `2u` (`xent_core::weights`).
pub const DIVISOR_ERROR_U: f64 = 5.0;

/// How far a column of a categorical input may sum from 1: `max(1e-6, k · 2^-24)`.
///
/// Distributions arrive from float32 softmaxes and CSV files printed with 6 to 8 digits:
/// each of the `k` entries may be off by half a float32 ulp (`2^-25` relative), so a
/// float32 column may legitimately sum to `1 ± k·2^-25`; `1e-6` covers 7-digit printing.
/// Anything further from 1 is a different distribution, reported rather than renormalised.
pub fn column_sum(k: usize) -> f64 {
    1e-6_f64.max(k as f64 * 2f64.powi(-24))
}

/// How far, relatively, two computations of one loss from the same `n` weighted log terms
/// may differ when each groups and orders them its own way (a convention's problem beside
/// the expression its library documents, computed by hand): `2·(n + 4 + LIBM_ERROR_U)·u`.
///
/// The terms have one sign, so either sum errs by at most `(n − 1)·u` relative of the exact
/// one (Higham §4.2); each term by its logarithm (`LIBM_ERROR_U·u`) and up to four roundings
/// (the products of a weight, a class weight and a target, a smoothing's mix); the result by
/// a final division. Twice that for the two sides.
pub fn same_terms(n: usize) -> f64 {
    2.0 * (n as f64 + 4.0 + LIBM_ERROR_U) * UNIT_ROUNDOFF
}

/// A rigorous (first-order) a priori bound on the error of a computed loss, in nats.
///
/// Every formulation reduces `N` terms `w · ln p` that are all `≤ 0` (weights are ≥ 0 and
/// log-probabilities ≤ 0, also after rounding), so any summation order errs by at most
/// `(N − 1)·u·|S|` (Higham, *Accuracy and Stability of Numerical Algorithms*, §4.2), the
/// matrix product and the trace included. To that come each term's own error (the
/// logarithm, `1 − y`, the product; from logits the soft-plus or the log-sum-exp, whose
/// subtraction `z − lse` can cancel and so is bounded absolutely), the final division by
/// `m`, and the subnormal floor.
///
/// When `Σ |w · ln p|` overflows `f64` (finite logits near `±f64::MAX`), the bound is
/// computed on the terms divided by `2^64` (as the formulations then sum them, see
/// [`Evaluation`]) and scaled back: `absolute` stays finite while the loss does, and
/// `log_likelihood`, a bound on a sum beyond `f64`, is `+∞`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErrorBound {
    /// Bound on `|computed − exact|` for the loss in nats, `J = −S/m`.
    pub absolute: f64,
    /// Bound on `|computed − exact|` for the summed log-likelihood `S` itself (the
    /// documents' `logprobs`), before the division by `m`.
    pub log_likelihood: f64,
}

impl ErrorBound {
    /// The bound expressed in ulps of `at` (normally the oracle's value), rounded up.
    pub fn ulps_at(&self, at: f64) -> u64 {
        crate::ulp::ulps(self.absolute, at)
    }

    /// Whether `computed` is within this bound of `reference`, a correctly rounded value of
    /// the exact loss (so half an ulp of `reference` is added for its own rounding).
    /// Equal infinities are within any bound.
    pub fn admits(&self, computed: f64, reference: f64) -> bool {
        if computed == reference {
            return true;
        }
        if !computed.is_finite() || !reference.is_finite() {
            return false;
        }
        (computed - reference).abs() <= self.absolute + 0.5 * ulp(reference)
    }

    /// Whether two computed values, each within this bound of the exact loss, are within
    /// the sum of their bounds of each other.
    pub fn admits_pair(&self, a: f64, b: f64) -> bool {
        (*self + *self).admits_difference(a, b)
    }

    /// Whether `|a − b|` is within this bound (equal infinities always are). Used with a
    /// sum of bounds, `bound_a + bound_b`, for two values of the same exact loss.
    pub fn admits_difference(&self, a: f64, b: f64) -> bool {
        if a == b {
            return true;
        }
        if !a.is_finite() || !b.is_finite() {
            return false;
        }
        (a - b).abs() <= self.absolute
    }

    /// The bound on the loss in base `b`, `J_b = J / ln b` ([`crate::LogBase::from_nats`]),
    /// when `J` is within this bound of the exact loss in nats: the bound scales by
    /// `1 / ln b`, and `ln b` ([`crate::LogBase::ln`]: exact for e, correctly rounded for 2 and
    /// 10, the platform's `ln` otherwise) and the division each add their rounding relative to
    /// `|J_b|` (`value_b`).
    pub fn in_base(&self, base: crate::LogBase, value_b: f64) -> ErrorBound {
        use crate::LogBase;
        let u = UNIT_ROUNDOFF;
        let ln_error_u = if base == LogBase::E {
            0.0
        } else if base == LogBase::TWO || base == LogBase::TEN {
            1.0
        } else {
            LIBM_ERROR_U
        };
        let division = if base == LogBase::E { 0.0 } else { 1.0 };
        let rounding = (ln_error_u + division) * u * value_b.abs();
        let grow = 1.0 + 4.0 * u; // second-order terms of the two roundings
        ErrorBound {
            absolute: (self.absolute / base.ln().abs() + rounding) * grow,
            log_likelihood: self.log_likelihood,
        }
    }

    /// The bound on `−S / divisor` (`value`, as computed: a weighted sum over the batch
    /// size, over 1 for the sum) from this bound on `S`: `S`'s bound scaled by the division,
    /// plus the division's own rounding.
    pub fn over(&self, divisor: f64, value: f64) -> f64 {
        (self.log_likelihood / divisor + UNIT_ROUNDOFF * value.abs()) * (1.0 + 4.0 * UNIT_ROUNDOFF)
    }

    /// The bound for a binary problem, valid for every formulation that reduces its
    /// [`crate::BinaryTerms`] (sum, dot, matmul) and for any summation order.
    pub fn binary(problem: &BinaryProblem<'_>) -> Self {
        Self::unless_overflow(|scale| Self::binary_at(problem, scale))
    }

    /// The bound of the terms at `scale` when they are finite there, else at
    /// [`OVERFLOW_SCALE`]; at scale 0 if both are infinite (a `−∞` term: `S = −∞`).
    fn unless_overflow(at: impl Fn(i32) -> Self) -> Self {
        let plain = at(0);
        if plain.absolute.is_finite() {
            return plain;
        }
        let scaled = at(OVERFLOW_SCALE);
        if scaled.log_likelihood.is_finite() {
            ErrorBound {
                absolute: times_pow2(scaled.absolute, OVERFLOW_SCALE),
                log_likelihood: times_pow2(scaled.log_likelihood, OVERFLOW_SCALE),
            }
        } else {
            plain
        }
    }

    fn binary_at(problem: &BinaryProblem<'_>, scale: i32) -> Self {
        let u = UNIT_ROUNDOFF;
        // Per-term relative error: from probabilities ln or ln_1p (LIBM), 1 − y (u), the
        // product (u); from logits the soft-plus max(x, 0) + ln_1p(exp(−|x|)): exp (LIBM),
        // its propagation through ln_1p (condition ≤ 1: LIBM), ln_1p (LIBM), the sum (u).
        let per_term = match problem.predictions() {
            Predictions::Probabilities(_) => LIBM_ERROR_U + 2.0,
            Predictions::Logits(_) => 3.0 * LIBM_ERROR_U + 3.0,
        } + weighting(problem.weights().any());
        // Streamed, term by term: the bound allocates nothing beyond the problem.
        let mut n = 0usize;
        let mut magnitude = 0.0f64; // Σ |w · ln p| = |S|
        for (w, l) in problem.weighted_logs_scaled(scale) {
            if w != 0.0 {
                n += 1;
                magnitude += (w * l).abs();
            }
        }
        let divisor = Divisor::of(problem.weights().any(), problem.weight_total());
        Self::assemble(n, magnitude, per_term * u * magnitude, divisor)
    }

    /// The bound for a categorical problem (see [`ErrorBound::binary`]).
    pub fn categorical(problem: &CategoricalProblem<'_>) -> Self {
        Self::unless_overflow(|scale| Self::categorical_at(problem, scale))
    }

    fn categorical_at(problem: &CategoricalProblem<'_>, scale: i32) -> Self {
        let u = UNIT_ROUNDOFF;
        let mut n = 0usize;
        let mut magnitude = 0.0f64;
        let mut own = 0.0f64; // Σ of each term's own absolute error
        let k = problem.classes_count() as f64;
        let weighting = weighting(problem.weights().any()) * u;
        for j in 0..problem.samples() {
            // From logits, ln q = z − lse with lse = max + ln Σ e^{z − max}: the sum of k
            // terms in (0, 1] errs by ≤ (k − 1)u + k·(2u + u/e) relative (the exponent
            // z − max rounds, costing |z − max|·u·e^{−|z − max|} ≤ u/e each), its ln adds
            // LIBM, the two subtractions and the addition each u of their operands.
            let logit_scale = match problem.predictions() {
                Predictions::Probabilities(_) => None,
                Predictions::Logits(z) => {
                    let max = (0..z.rows())
                        .map(|r| z.get_f64(r, j))
                        .fold(f64::NEG_INFINITY, f64::max);
                    let spread = 4.0 * k + LIBM_ERROR_U * k.ln().max(1.0);
                    Some(times_pow2(max.abs(), -scale) + times_pow2(spread, -scale))
                }
            };
            for (w, l) in problem.weighted_logs_scaled(j, scale) {
                if w != 0.0 {
                    n += 1;
                    let t = (w * l).abs();
                    magnitude += t;
                    own += match logit_scale {
                        // ln (LIBM) and the product (u).
                        None => (LIBM_ERROR_U + 1.0) * u * t,
                        // |lse| ≤ |max| + ln k, |z − lse| = |l|; plus the product.
                        Some(scale) => w * u * (scale + 2.0 * l.abs()) + u * t,
                    } + weighting * t;
                }
            }
        }
        let divisor = Divisor::of(problem.weights().any(), problem.weight_total());
        Self::assemble(n, magnitude, own, divisor)
    }

    /// The bound of a formulation that guarantees its summed log-likelihood within
    /// `relative` of the exact one (`|Ŝ − S| ≤ relative · |S|`), from its own evaluation:
    /// `|S| ≤ |Ŝ| / (1 − relative)`, and the division by `m` adds `u` relative. The
    /// evaluation's scale is applied last (exact; `+∞` for a bound beyond `f64`).
    pub fn relative(relative: f64, evaluation: &Evaluation) -> Self {
        let s = evaluation.log_likelihood.abs() / (1.0 - relative);
        let j = s / evaluation.weight;
        // A weighted divisor W is itself a compensated sum (within 2u): it adds that
        // relative error to the quotient's rounding.
        let weighted = evaluation.weight != evaluation.samples as f64;
        let quotient = UNIT_ROUNDOFF + if weighted { 2.0 * UNIT_ROUNDOFF } else { 0.0 };
        ErrorBound {
            absolute: times_pow2(
                relative * j + quotient * j * (1.0 + relative),
                evaluation.scale,
            ),
            log_likelihood: times_pow2(relative * s, evaluation.scale),
        }
    }

    fn assemble(n: usize, magnitude: f64, own: f64, divisor: Divisor) -> Self {
        let u = UNIT_ROUNDOFF;
        let m = divisor.value;
        // Summation of n same-sign terms, plus one addition joining two partial sums.
        let summation = n as f64 * u * magnitude;
        // Products and quotients that land in the subnormal range err absolutely.
        let floor = n as f64 * f64::from_bits(1);
        let sum_error = own + summation + floor;
        // Division by m: u relative on the quotient (and the divisor's own error, if it
        // is a sum of weights).
        let loss = magnitude / m;
        let u_quotient = u + divisor.relative_error;
        // First order: second-order terms are below (n·u)² relative, covered by the factor.
        let second_order = 1.0 + n as f64 * u + u;
        ErrorBound {
            absolute: (sum_error / m + u_quotient * loss) * second_order,
            log_likelihood: sum_error * second_order,
        }
    }
}

/// Relative error of the weights folded into each term (`v_j·(p_i·y)`, `v_j·(c_r·p)`: two
/// products), in units of `u`: 0 without weights.
fn weighting(weighted: bool) -> f64 {
    if weighted { 2.0 } else { 0.0 }
}

/// The divisor of the mean and its own relative error: `m` (exact), or a weighted problem's
/// `W`, a compensated sum within `2u` relative.
#[derive(Debug, Clone, Copy)]
struct Divisor {
    value: f64,
    relative_error: f64,
}

impl Divisor {
    fn of(weighted: bool, value: f64) -> Self {
        Divisor {
            value,
            relative_error: if weighted { 2.0 * UNIT_ROUNDOFF } else { 0.0 },
        }
    }
}

impl std::ops::Add for ErrorBound {
    type Output = ErrorBound;

    /// The bound on the difference of two values bounded by `self` and `rhs`.
    fn add(self, rhs: ErrorBound) -> ErrorBound {
        ErrorBound {
            absolute: self.absolute + rhs.absolute,
            log_likelihood: self.log_likelihood + rhs.log_likelihood,
        }
    }
}

/// Relative error of `σ(z) = 1 / (1 + e^{−z})` evaluated in `f64`, in units of `u`: `exp`
/// (LIBM, damped by `e^{−z}/(1 + e^{−z}) ≤ 1`), the addition and the division (`u` each).
/// Used when a probability is derived from a logit, to bound how far the two problems are.
pub const SIGMOID_ERROR_U: f64 = LIBM_ERROR_U + 2.0;

/// Whether `x` agrees with a value a document printed with a limited number of digits,
/// such as `0.09864328`: `|x − printed| ≤` half a unit in the printed last place (plus half
/// an ulp of the printed value, for its own rounding to `f64`).
///
/// Returns `None` when `printed` is not a decimal number.
pub fn matches_printed(x: f64, printed: &str) -> Option<bool> {
    let t = printed.trim();
    let value: f64 = t.parse().ok()?;
    let mantissa = t.split(['e', 'E']).next()?;
    let exponent: i32 = match t.split_once(['e', 'E']) {
        Some((_, e)) => e.parse().ok()?,
        None => 0,
    };
    let decimals = mantissa.split_once('.').map_or(0, |(_, d)| d.len()) as i32;
    let half_unit = 0.5 * 10f64.powi(exponent - decimals);
    Some((x - value).abs() <= half_unit + 0.5 * ulp(value))
}

/// The relative and absolute tolerance of the deep-learning libraries' own tests,
/// `1e-6` each: `tf.test.TestCase.assertAllClose` and Keras's `TestCase.assertAllClose`
/// default to `rtol = atol = 1e-6`, the accuracy their float32 arithmetic is held to.
pub const FLOAT32_LIBRARY_TOLERANCE: f64 = 1e-6;

/// Whether `x` reproduces a value a library printed from its own computation in
/// `precision`: for float64, [`matches_printed`]; for float32, also within
/// [`FLOAT32_LIBRARY_TOLERANCE`] (`|x − printed| ≤ atol + rtol·|printed|`), since a float32
/// computation's last printed digits carry its own rounding (each float32 logarithm and the
/// mean err by ulps of `2^-24`), which `x`, computed in float64, does not share.
///
/// Returns `None` when `printed` is not a decimal number.
pub fn matches_library(x: f64, printed: &str, precision: crate::Precision) -> Option<bool> {
    let digits = matches_printed(x, printed)?;
    let value: f64 = printed.trim().parse().ok()?;
    Some(match precision {
        crate::Precision::F64 => digits,
        crate::Precision::F32 => {
            digits
                || (x - value).abs()
                    <= FLOAT32_LIBRARY_TOLERANCE + FLOAT32_LIBRARY_TOLERANCE * value.abs()
        }
    })
}

// The bounds of the few values the verifier's property tests compute outside the
// formulations (statrs's entropies, an `f64` Kullback–Leibler divergence, a probability
// derived from a logit, a softmax entry).

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
    fn entropy_bounds_vanish_where_statrs_is_exact() {
        assert_eq!(bernoulli_entropy_error(0.0), 0.0);
        assert_eq!(categorical_entropy_error(&[0.0, 1.0, 0.0]), 0.0);
        assert!(bernoulli_entropy_error(0.5) > 0.0);
    }

    #[test]
    fn column_sum_tolerance_grows_with_classes() {
        assert_eq!(column_sum(3), 1e-6);
        assert_eq!(column_sum(1 << 24), 1.0);
    }

    #[test]
    fn printed_values() {
        assert_eq!(
            matches_printed(0.098_643_282_202_337_95, "0.09864328"),
            Some(true)
        );
        assert_eq!(matches_printed(0.098_643_3, "0.09864328"), Some(false));
        assert_eq!(matches_printed(0.479_65, "0.4797"), Some(true));
        // "0.479" is how one document quotes 0.47965…: truncated, not rounded.
        assert_eq!(matches_printed(0.479_65, "0.479"), Some(false));
        assert_eq!(matches_printed(1.5e-3, "1.5e-3"), Some(true));
        assert_eq!(matches_printed(1.0, "one"), None);
    }

    #[test]
    fn float32_values_match_within_the_libraries_tolerance() {
        use crate::Precision::{F32, F64};
        assert_eq!(
            matches_library(0.200_469_18, "0.20046903", F64),
            Some(false)
        );
        assert_eq!(matches_library(0.200_469_18, "0.20046903", F32), Some(true));
        assert_eq!(matches_library(0.200_471, "0.20046903", F32), Some(false));
    }

    #[test]
    fn base_e_adds_nothing() {
        let b = ErrorBound {
            absolute: 1e-16,
            log_likelihood: 1e-15,
        };
        let e = b.in_base(crate::LogBase::E, 0.5).absolute;
        assert_eq!(e, 1e-16 * (1.0 + 4.0 * UNIT_ROUNDOFF));
        let two = b.in_base(crate::LogBase::TWO, 0.7).absolute;
        assert!(two > b.absolute / std::f64::consts::LN_2);
    }

    #[test]
    fn bound_in_ulps() {
        let b = ErrorBound {
            absolute: 4.0 * f64::EPSILON,
            log_likelihood: 0.0,
        };
        assert_eq!(b.ulps_at(1.0), 4);
        assert!(b.admits(1.0 + 4.0 * f64::EPSILON, 1.0));
        assert!(!b.admits(1.0 + 5.0 * f64::EPSILON, 1.0));
        assert!(b.admits(f64::INFINITY, f64::INFINITY));
        assert!(!b.admits(f64::INFINITY, 1.0));
    }
}
